/* The x87 FPU instructions (SDM vol. 1 chapter 8), executed on the host's own x87 unit. */
#include "cpu/x86/x87_internal.h"

#include <stddef.h>
#include <string.h>

#include "ui/log.h"

/*
 * Design.  tandem runs only on x86-64 hosts, and the host's x87 is the same
 * architecture as the guest's, so every x87 data operation runs on the host
 * FPU itself: the result, C0-C3, the exception flags, the masked responses
 * (QNaN indefinite, integer indefinite, denormal and pseudo-denormal
 * handling) and the unmasked ones (TOP and operands unchanged for #I/#D/#Z,
 * the 2^24576 bias adjustment for #O/#U on register destinations) are the
 * hardware's, bit for bit, for every rounding and precision control.
 *
 * For one instruction:
 *   1. #NM (CR0.EM/TS) and, for a waiting instruction, #MF for an exception
 *      left pending by an earlier one; then the memory operand is read (or,
 *      for a store, probed), so every fault comes before any state changes.
 *   2. The guest's x87 state becomes a host FRSTOR image (32-bit format,
 *      registers in stack order, full tags computed from the registers).
 *   3. x87_host_call() does: FNSTCW (save the host's FCW), FRSTOR the guest
 *      image, call a stub holding the very escape opcode and ModRM (a memory
 *      form addresses the operand buffer through RSI), FNSAVE back, FLDCW
 *      the host's control word.  FRSTOR/FNSAVE touch only the x87 state, so
 *      the host's MXCSR and XMM registers are left alone.  The guest FCW is
 *      loaded as it is, not with every exception masked, because unmasked
 *      responses differ from masked ones.  That is safe: an unmasked x87
 *      exception only becomes *pending* in the host FPU (it is delivered at
 *      the next waiting x87 instruction, SDM vol. 1 8.6), and FNSAVE, which
 *      does not wait, saves it and reinitialises the FPU.  The host
 *      therefore never takes SIGFPE, and no waiting instruction is ever run
 *      on the host with a guest exception pending: step 1 turns that into the
 *      guest's #MF first.
 *   4. The image comes back into X86State; a store's buffer is written to
 *      guest memory unless an unmasked exception suppressed the store; FCOMI
 *      and friends copy the host's ZF/PF/CF; FIP/FCS/FOP and FDP/FDS are
 *      recorded for a non-control instruction (SDM vol. 1 8.1.8, 8.1.9).
 *
 * The stubs are a table in .text built by the assembler (one per escape
 * opcode and register ModRM, one per escape opcode and ModRM.reg for memory
 * forms), so the undocumented aliases run exactly as the host runs them.
 * Control and state instructions whose memory images depend on the guest's
 * mode (FLDENV, FNSTENV, FRSTOR, FNSAVE, FXSAVE, FXRSTOR) are written out in
 * C in x87_env.c; FNSTSW, FNSTCW, FNINIT, WAIT and EMMS are here in C.
 *
 * MMX and the tag word (SDM vol. 3A 12.2, table 12-2): every MMX instruction
 * sets TOP to 0; all but EMMS mark the eight registers valid (ftw = 0xff),
 * and a write to MMn stores the value in the mantissa of physical register
 * Rn and sets its sign/exponent to all ones; EMMS empties the tag word.
 * The MMX family follows those rules on X86State.fpu; EMMS is here.
 *
 * Not modelled: CR0.NE = 0 (MS-DOS style FERR#/IRQ 13 reporting): the
 * exception is raised as #MF anyway and logged under -d unimp.
 */

/* ---- the host side ---- */

/* What x87_host_call() works on; offsets are used by the assembly below. */
typedef struct X87HostCall {
    uint8_t image[108];     /* FNSAVE/FRSTOR image, 32-bit protected-mode layout */
    uint8_t pad[4];
    uint8_t mem[16];        /* the memory operand, for stubs that use (%rsi) */
    const void *stub;       /* the instruction to run */
    uint64_t rflags_in;     /* loaded before the stub (FCMOVcc reads CF/ZF/PF) */
    uint64_t rflags_out;    /* saved after it (FCOMI and friends write ZF/PF/CF) */
} X87HostCall;

_Static_assert(offsetof(X87HostCall, mem) == 112, "x87_host_call layout");
_Static_assert(offsetof(X87HostCall, stub) == 128, "x87_host_call layout");
_Static_assert(offsetof(X87HostCall, rflags_in) == 136, "x87_host_call layout");
_Static_assert(offsetof(X87HostCall, rflags_out) == 144, "x87_host_call layout");

void x87_host_call(X87HostCall *call) __attribute__((visibility("hidden")));
extern const uint8_t x87_host_stubs[] __attribute__((visibility("hidden")));

#define X87_STUB_SIZE 8
#define X87_STUB_MEM_BASE (8 * 64 * X87_STUB_SIZE)

/*
 * Each stub: ENDBR64 (a NOP without CET), the escape opcode, the ModRM, RET.
 * Register forms: 8 escapes x ModRM C0-FF.  Memory forms: 8 escapes x 8
 * ModRM.reg values with mod = 00, rm = 110: the operand at (%rsi).
 */
__asm__(
    ".pushsection .text\n"
    ".p2align 4\n"
    ".globl x87_host_stubs\n"
    ".hidden x87_host_stubs\n"
    "x87_host_stubs:\n"
    ".irp esc, 0xd8, 0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf\n"
    "  .set x87_stub_modrm, 0xc0\n"
    "  .rept 64\n"
    "    .byte 0xf3, 0x0f, 0x1e, 0xfa, \\esc, x87_stub_modrm, 0xc3, 0xcc\n"
    "    .set x87_stub_modrm, x87_stub_modrm + 1\n"
    "  .endr\n"
    ".endr\n"
    ".irp esc, 0xd8, 0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf\n"
    "  .irp reg, 0, 1, 2, 3, 4, 5, 6, 7\n"
    "    .byte 0xf3, 0x0f, 0x1e, 0xfa, \\esc, (\\reg << 3) | 6, 0xc3, 0xcc\n"
    "  .endr\n"
    ".endr\n"
    "\n"
    ".p2align 4\n"
    ".globl x87_host_call\n"
    ".hidden x87_host_call\n"
    ".type x87_host_call, @function\n"
    "x87_host_call:\n"
    "  .cfi_startproc\n"
    "  push %rbx\n"
    "  .cfi_adjust_cfa_offset 8\n"
    "  .cfi_rel_offset %rbx, 0\n"
    "  sub $16, %rsp\n"
    "  .cfi_adjust_cfa_offset 16\n"
    "  fnstcw (%rsp)\n"
    "  mov %rdi, %rbx\n"
    "  frstor (%rbx)\n"
    "  lea 112(%rbx), %rsi\n"
    "  pushq 136(%rbx)\n"
    "  .cfi_adjust_cfa_offset 8\n"
    "  popfq\n"
    "  .cfi_adjust_cfa_offset -8\n"
    "  call *128(%rbx)\n"
    "  pushfq\n"
    "  .cfi_adjust_cfa_offset 8\n"
    "  popq 144(%rbx)\n"
    "  .cfi_adjust_cfa_offset -8\n"
    "  fnsave (%rbx)\n"
    "  fldcw (%rsp)\n"
    "  add $16, %rsp\n"
    "  .cfi_adjust_cfa_offset -16\n"
    "  pop %rbx\n"
    "  .cfi_adjust_cfa_offset -8\n"
    "  .cfi_restore %rbx\n"
    "  ret\n"
    "  .cfi_endproc\n"
    ".size x87_host_call, . - x87_host_call\n"
    ".popsection\n");

/* The arithmetic flags FCOMI writes and FCMOVcc reads; the host never sees TF, IF, DF or AC from here. */
#define X87_RFLAGS_STATUS (X86_FLAG_CF | X86_FLAG_PF | X86_FLAG_AF | X86_FLAG_ZF | X86_FLAG_SF | \
                           X86_FLAG_OF)

static const void *stub_for_register_form(const X86Insn *insn)
{
    unsigned index = (x87_escape(insn) & 7) * 64 + (insn->modrm & 0x3f);
    return x87_host_stubs + index * X87_STUB_SIZE;
}

static const void *stub_for_memory_form(const X86Insn *insn)
{
    unsigned index = (x87_escape(insn) & 7) * 8 + ((insn->modrm >> 3) & 7);
    return x87_host_stubs + X87_STUB_MEM_BASE + index * X87_STUB_SIZE;
}

/* ---- state helpers ---- */

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = v & 0xff;
    p[1] = v >> 8;
}

void x87_reg_to_bytes(const X87Reg *r, uint8_t out[10])
{
    memcpy(out, &r->mantissa, 8);
    put16(out + 8, r->sign_exp);
}

void x87_reg_from_bytes(X87Reg *r, const uint8_t in[10])
{
    memcpy(&r->mantissa, in, 8);
    r->sign_exp = get16(in + 8);
    memset(r->reserved, 0, sizeof(r->reserved));
}

/* SDM vol. 2 FXSAVE, "Recreating FSAVE format": how a non-empty register's tag follows from its bits. */
unsigned x87_tag_of(const X87Reg *r)
{
    unsigned exponent = r->sign_exp & 0x7fff;
    bool integer_bit = (r->mantissa >> 63) != 0;
    if (exponent == 0x7fff) {
        return X87_TAG_SPECIAL;                 /* infinities, NaNs, pseudo-NaN/infinity */
    }
    if (exponent == 0) {
        return r->mantissa == 0 ? X87_TAG_ZERO : X87_TAG_SPECIAL;  /* (pseudo-)denormals */
    }
    return integer_bit ? X87_TAG_VALID : X87_TAG_SPECIAL;          /* unnormals are special */
}

uint16_t x87_full_tag_word(const X86FpuState *f)
{
    uint16_t tw = 0;
    for (unsigned i = 0; i < 8; i++) {
        unsigned tag = (f->ftw >> i) & 1 ? x87_tag_of(&f->st[i]) : X87_TAG_EMPTY;
        tw |= tag << (2 * i);
    }
    return tw;
}

/* SDM vol. 1 8.1.7: loading a tag word only tells empty (11B) from non-empty. */
uint8_t x87_abridge_tag_word(uint16_t full)
{
    uint8_t ftw = 0;
    for (unsigned i = 0; i < 8; i++) {
        if (((full >> (2 * i)) & 3) != X87_TAG_EMPTY) {
            ftw |= 1u << i;
        }
    }
    return ftw;
}

/* The guest state as an FRSTOR image: ST(i) is physical register (TOP + i) mod 8. */
static void image_from_state(uint8_t image[108], const X86FpuState *f)
{
    memset(image, 0, 108);
    put16(image + 0, f->fcw);
    put16(image + 4, f->fsw);
    put16(image + 8, x87_full_tag_word(f));
    unsigned top = x87_top(f);
    for (unsigned i = 0; i < 8; i++) {
        x87_reg_to_bytes(&f->st[(top + i) & 7], image + 28 + 10 * i);
    }
}

/* FCW, FSW, tags and registers from an FNSAVE image; the pointers stay the guest's own. */
static void state_from_image(X86FpuState *f, const uint8_t image[108])
{
    f->fcw = get16(image + 0);
    f->fsw = get16(image + 4);
    f->ftw = x87_abridge_tag_word(get16(image + 8));
    unsigned top = x87_top(f);
    for (unsigned i = 0; i < 8; i++) {
        x87_reg_from_bytes(&f->st[(top + i) & 7], image + 28 + 10 * i);
    }
}

/* ---- checks and bookkeeping shared with x87_env.c ---- */

void x87_check_available(X86Cpu *cpu)
{
    if (cpu->s.cr0 & (X86_CR0_EM | X86_CR0_TS)) {
        x86_raise(cpu, X86_EXC_NM, X86_NO_ERROR_CODE);
    }
}

/*
 * A pending exception is an exception flag whose mask is clear: the host
 * hardware faults on exactly that, whatever the stored ES bit says.
 */
void x87_check_pending(X86Cpu *cpu)
{
    const X86FpuState *f = &cpu->s.fpu;
    if (!(f->fsw & ~f->fcw & X87_FSW_EXCEPTIONS)) {
        return;
    }
    if (!(cpu->s.cr0 & X86_CR0_NE)) {
        log_mask(LOG_UNIMP, "x87: CR0.NE=0 error reporting (FERR#, IRQ 13) is not modelled; "
                 "raising #MF at %llx\n", (unsigned long long)cpu->s.rip);
    }
    x86_raise(cpu, X86_EXC_MF, X86_NO_ERROR_CODE);
}

void x87_note_instruction(X86Cpu *cpu, const X86Insn *insn, bool has_mem, uint64_t ea)
{
    X86FpuState *f = &cpu->s.fpu;
    f->fip = cpu->s.rip;      /* the first byte, prefixes included (SDM vol. 1 8.1.8) */
    f->fcs = cpu->s.segs[SEG_CS].selector;
    f->fop = (uint16_t)(((x87_escape(insn) & 7) << 8) | insn->modrm);
    if (has_mem) {
        f->fdp = ea;
        f->fds = cpu->s.segs[insn->seg].selector;
    }
}

/* ---- what each operation needs around the host call ---- */

enum {
    X87_WAITING = 1u << 0,      /* checks for a pending exception first */
    X87_CONTROL = 1u << 1,      /* leaves FIP/FDP/FOP alone (SDM vol. 1 8.1.8) */
    X87_STORE = 1u << 2,        /* the memory operand is written, not read */
    X87_FLAGS_IN = 1u << 3,     /* reads RFLAGS (FCMOVcc) */
    X87_FLAGS_OUT = 1u << 4,    /* writes ZF, PF, CF and clears OF, SF, AF (FCOMI..) */
};

#define W X87_WAITING
static const uint8_t op_flags[X86_OP_COUNT] = {
    [X86_OP_FADD] = W, [X86_OP_FMUL] = W, [X86_OP_FCOM] = W, [X86_OP_FCOMP] = W,
    [X86_OP_FSUB] = W, [X86_OP_FSUBR] = W, [X86_OP_FDIV] = W, [X86_OP_FDIVR] = W,
    [X86_OP_FADDP] = W, [X86_OP_FMULP] = W, [X86_OP_FSUBP] = W, [X86_OP_FSUBRP] = W,
    [X86_OP_FDIVP] = W, [X86_OP_FDIVRP] = W, [X86_OP_FCOMPP] = W,
    [X86_OP_FIADD] = W, [X86_OP_FIMUL] = W, [X86_OP_FICOM] = W, [X86_OP_FICOMP] = W,
    [X86_OP_FISUB] = W, [X86_OP_FISUBR] = W, [X86_OP_FIDIV] = W, [X86_OP_FIDIVR] = W,
    [X86_OP_FLD] = W, [X86_OP_FILD] = W, [X86_OP_FBLD] = W,
    [X86_OP_FST] = W | X87_STORE, [X86_OP_FSTP] = W | X87_STORE,
    [X86_OP_FIST] = W | X87_STORE, [X86_OP_FISTP] = W | X87_STORE,
    [X86_OP_FISTTP] = W | X87_STORE, [X86_OP_FBSTP] = W | X87_STORE,
    [X86_OP_FXCH] = W, [X86_OP_FFREE] = W, [X86_OP_FFREEP] = W, [X86_OP_FNOP] = W,
    [X86_OP_FCHS] = W, [X86_OP_FABS] = W, [X86_OP_FTST] = W, [X86_OP_FXAM] = W,
    [X86_OP_FLD1] = W, [X86_OP_FLDL2T] = W, [X86_OP_FLDL2E] = W, [X86_OP_FLDPI] = W,
    [X86_OP_FLDLG2] = W, [X86_OP_FLDLN2] = W, [X86_OP_FLDZ] = W,
    [X86_OP_F2XM1] = W, [X86_OP_FYL2X] = W, [X86_OP_FPTAN] = W, [X86_OP_FPATAN] = W,
    [X86_OP_FXTRACT] = W, [X86_OP_FPREM1] = W, [X86_OP_FDECSTP] = W, [X86_OP_FINCSTP] = W,
    [X86_OP_FPREM] = W, [X86_OP_FYL2XP1] = W, [X86_OP_FSQRT] = W, [X86_OP_FSINCOS] = W,
    [X86_OP_FRNDINT] = W, [X86_OP_FSCALE] = W, [X86_OP_FSIN] = W, [X86_OP_FCOS] = W,
    [X86_OP_FCMOVB] = W | X87_FLAGS_IN, [X86_OP_FCMOVE] = W | X87_FLAGS_IN,
    [X86_OP_FCMOVBE] = W | X87_FLAGS_IN, [X86_OP_FCMOVU] = W | X87_FLAGS_IN,
    [X86_OP_FCMOVNB] = W | X87_FLAGS_IN, [X86_OP_FCMOVNE] = W | X87_FLAGS_IN,
    [X86_OP_FCMOVNBE] = W | X87_FLAGS_IN, [X86_OP_FCMOVNU] = W | X87_FLAGS_IN,
    [X86_OP_FUCOM] = W, [X86_OP_FUCOMP] = W, [X86_OP_FUCOMPP] = W,
    [X86_OP_FUCOMI] = W | X87_FLAGS_OUT, [X86_OP_FCOMI] = W | X87_FLAGS_OUT,
    [X86_OP_FUCOMIP] = W | X87_FLAGS_OUT, [X86_OP_FCOMIP] = W | X87_FLAGS_OUT,
    [X86_OP_FLDCW] = W | X87_CONTROL,
    /* No-wait control forms; FENI/FDISI/FSETPM do nothing since the 387 (SDM vol. 1 8.3.13). */
    [X86_OP_FNCLEX] = X87_CONTROL, [X86_OP_FENI] = X87_CONTROL, [X86_OP_FDISI] = X87_CONTROL,
    [X86_OP_FSETPM] = X87_CONTROL,
};
#undef W

/* Bytes of the memory operand of a kind, 0 for a kind that is not an x87 memory operand. */
static unsigned memory_kind_size(unsigned kind)
{
    switch (kind) {
    case X86_OPK_M16int: case X86_OPK_M2byte: return 2;
    case X86_OPK_M32fp: case X86_OPK_M32int: return 4;
    case X86_OPK_M64fp: case X86_OPK_M64int: return 8;
    case X86_OPK_M80fp: case X86_OPK_M80bcd: return 10;
    default: return 0;
    }
}

static unsigned memory_operand_size(const X86Insn *insn)
{
    const X86OpcodeRow *row = x86_insn_row(insn);
    for (unsigned i = 0; i < 4 && row->operand[i] != X86_OPK_NONE; i++) {
        unsigned size = memory_kind_size(row->operand[i]);
        if (size) {
            return size;
        }
    }
    return 0;
}

/*
 * Did the store happen?  An unmasked #I, #D, #Z, #O or #U leaves a memory
 * destination untouched (SDM vol. 1 8.5.1.2-8.5.5; #P stores).  The check
 * sees only this instruction's exceptions: a waiting instruction starts
 * with no unmasked flag set, or it would have raised #MF.
 */
static bool store_completed(uint16_t fsw_after, uint16_t fcw)
{
    uint16_t suppressing = X87_FSW_IE | X87_FSW_DE | X87_FSW_ZE | X87_FSW_OE | X87_FSW_UE;
    return !(fsw_after & ~fcw & suppressing);
}

/* Every x87 data and arithmetic instruction: see the design note at the top. */
static void x87_exec_on_host(X86Cpu *cpu, const X86Insn *insn)
{
    unsigned flags = op_flags[insn->op];
    X86FpuState *f = &cpu->s.fpu;
    X87HostCall call;
    bool has_mem = x86_insn_is_mem(insn);
    uint64_t ea = 0;
    unsigned size = 0;

    x87_check_available(cpu);
    if (insn->op == X86_OP_FISTTP && !__builtin_cpu_supports("sse3")) {
        /* An SSE3 instruction (SDM vol. 2 FISTTP): #UD where the host lacks it, never SIGILL. */
        log_mask(LOG_UNIMP, "x87: FISTTP needs SSE3 on the host\n");
        x86_raise_ud(cpu);
    }
    if (flags & X87_WAITING) {
        x87_check_pending(cpu);
    }
    memset(call.mem, 0, sizeof(call.mem));
    if (has_mem) {
        size = memory_operand_size(insn);
        if (size == 0) {
            log_mask(LOG_UNIMP, "x87: %s with an unexpected memory operand\n",
                     x86_op_name(insn->op));
            x86_raise_ud(cpu);
        }
        ea = x86_insn_ea(cpu, insn);
        if (flags & X87_STORE) {
            x86_probe_write(cpu, insn->seg, ea, size);
        } else {
            x86_read_bytes(cpu, insn->seg, ea, call.mem, size);
        }
        call.stub = stub_for_memory_form(insn);
    } else {
        call.stub = stub_for_register_form(insn);
    }
    image_from_state(call.image, f);
    call.rflags_in = X86_FLAG_FIXED;
    if (flags & X87_FLAGS_IN) {
        call.rflags_in |= cpu->s.rflags & X87_RFLAGS_STATUS;
    }
    call.rflags_out = 0;

    uint16_t fcw = f->fcw;
    x87_host_call(&call);
    state_from_image(f, call.image);

    if (has_mem && (flags & X87_STORE) && store_completed(f->fsw, fcw)) {
        x86_write_bytes(cpu, insn->seg, ea, call.mem, size);
    }
    if (flags & X87_FLAGS_OUT) {
        cpu->s.rflags = (cpu->s.rflags & ~(uint64_t)X87_RFLAGS_STATUS) |
                        (call.rflags_out & X87_RFLAGS_STATUS);
    }
    if (!(flags & X87_CONTROL)) {
        x87_note_instruction(cpu, insn, has_mem, ea);
    }
}

/* ---- control instructions done in C ---- */

/* FNSTSW m2byte / FNSTSW AX: no wait, no pointer update (SDM vol. 2 FSTSW/FNSTSW). */
static void op_fnstsw(X86Cpu *cpu, const X86Insn *insn)
{
    x87_check_available(cpu);
    uint16_t fsw = cpu->s.fpu.fsw;
    if (x86_insn_is_mem(insn)) {
        x86_write(cpu, insn->seg, x86_insn_ea(cpu, insn), fsw, 2);
    } else {
        x86_reg_set(cpu, R_EAX, 2, false, fsw);
    }
}

static void op_fnstcw(X86Cpu *cpu, const X86Insn *insn)
{
    x87_check_available(cpu);
    x86_write(cpu, insn->seg, x86_insn_ea(cpu, insn), cpu->s.fpu.fcw, 2);
}

/*
 * FNINIT: FCW 037FH, FSW 0, all tags empty, pointers and opcode cleared;
 * the data registers keep their bits (SDM vol. 2 FINIT/FNINIT).
 */
static void op_fninit(X86Cpu *cpu, const X86Insn *insn)
{
    x87_check_available(cpu);
    X86FpuState *f = &cpu->s.fpu;
    f->fcw = X87_FCW_DEFAULT;
    f->fsw = 0;
    f->ftw = 0;
    f->fop = 0;
    f->fip = 0;
    f->fdp = 0;
    f->fcs = 0;
    f->fds = 0;
}

/* WAIT/FWAIT: #NM only when both CR0.MP and CR0.TS are set (SDM vol. 3A table 2-2). */
static void op_wait(X86Cpu *cpu, const X86Insn *insn)
{
    if ((cpu->s.cr0 & (X86_CR0_MP | X86_CR0_TS)) == (X86_CR0_MP | X86_CR0_TS)) {
        x86_raise(cpu, X86_EXC_NM, X86_NO_ERROR_CODE);
    }
    x87_check_pending(cpu);
}

/*
 * EMMS: #UD with CR0.EM, #NM with CR0.TS, #MF when pending; then every tag
 * empty (SDM vol. 2 EMMS) and, as for every MMX instruction, TOP = 0 (SDM
 * vol. 3A 12.2, table 12-2).
 */
static void op_emms(X86Cpu *cpu, const X86Insn *insn)
{
    if (cpu->s.cr0 & X86_CR0_EM) {
        x86_raise_ud(cpu);
    }
    if (cpu->s.cr0 & X86_CR0_TS) {
        x86_raise(cpu, X86_EXC_NM, X86_NO_ERROR_CODE);
    }
    x87_check_pending(cpu);
    cpu->s.fpu.ftw = 0;
    cpu->s.fpu.fsw &= ~X87_FSW_TOP;
}

void x86_register_x87(X86Handler *table)
{
    for (unsigned op = 0; op < X86_OP_COUNT; op++) {
        if (op_flags[op]) {
            table[op] = x87_exec_on_host;
        }
    }
    table[X86_OP_FNSTSW] = op_fnstsw;
    table[X86_OP_FNSTCW] = op_fnstcw;
    table[X86_OP_FNINIT] = op_fninit;
    table[X86_OP_WAIT] = op_wait;
    table[X86_OP_EMMS] = op_emms;
    x87_register_env(table);
}
