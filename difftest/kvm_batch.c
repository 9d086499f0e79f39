/* kvm's batch driver: the CPL3 guest code that runs slot after slot, and the host's view of the slots. */
#include "difftest/kvm_batch.h"

#include <string.h>

/*
 * The batch area, linear DT_BATCH_LA (physical DT_BATCH_PA), page by page:
 *
 *   +0x0000  driver code: next_case, case_end, exc_common, save_outputs
 *   +0x1000  256 stubs of 16 bytes: record the vector, go to exc_common
 *   +0x2000  scratch: the outcome being saved, CUR, N (layout below)
 *   +0x3000  the driver's stack
 *   +0x4000  slots of SLOT_SIZE bytes:
 *              +0x0000 GPRs, +0x80 RFLAGS, +0x100 FXSAVE64 image     (in)
 *              +0x1000 code page, +0x2000 data pages, +0x4000 stack  (in)
 *              +0x5000 copy of the scratch, +0x6000 data, +0x8000 stack (out)
 *
 * and past its end (+DT_BATCH_SIZE) a writable alias of the code page at
 * DT_CODE, which cases see read-only.
 *
 * Instructions are encoded by hand (SDM vol. 2, each instruction's page);
 * the comments give the assembly.
 */

#define OFF_CODE     0x0000u
#define OFF_STUBS    0x1000u
#define OFF_SCRATCH  0x2000u
#define OFF_STACK    0x3000u
#define OFF_SLOTS    0x4000u
#define SLOT_SIZE    0x9000u
#define OFF_CODE_ALIAS DT_BATCH_SIZE

#define SLOT_REGS    0x0000u
#define SLOT_RFLAGS  0x0080u
#define SLOT_FPU     0x0100u
#define SLOT_CODE    0x1000u
#define SLOT_DATA    0x2000u
#define SLOT_STACKIN 0x4000u
#define SLOT_OUT     0x5000u
#define SLOT_ODATA   0x6000u
#define SLOT_OSTACK  0x8000u

/* Scratch layout; SCRATCH_COPY bytes of it go to the slot. */
#define SCR_REGS     0u
#define SCR_RFLAGS   128u
#define SCR_STOP     136u     /* u32: 0 end, 1 exception */
#define SCR_VECTOR   140u     /* u32 */
#define SCR_CR2      144u
#define SCR_FSBASE   152u
#define SCR_GSBASE   160u
#define SCR_SEL      168u     /* u16[6], SEG_* order */
#define SCR_FRAME    192u     /* the top 64 bytes of the exception stack */
#define SCR_FPU      256u     /* FXSAVE64 image, 16-byte aligned */
#define SCRATCH_COPY 768u
#define SCR_CUR      0x800u   /* u32 */
#define SCR_N        0x804u   /* u32 */
#define SCR_ENTRY    0x808u   /* u64: DT_CODE, for the indirect JMP to the case */

_Static_assert(OFF_SLOTS + DT_BATCH_MAX * SLOT_SIZE <= DT_BATCH_SIZE, "batch area too small");

#define LA(off) (DT_BATCH_LA + (off))
#define PA(off) (DT_BATCH_PA + (off))

static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static uint64_t get64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static uint32_t get32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }

/* ---- a small emitter: bytes at a known linear address, for RIP-relative operands ---- */

typedef struct Emit {
    uint8_t *buf;       /* the page's bytes in the host's RAM */
    uint64_t la;        /* its linear address */
    unsigned n;
} Emit;

static void b(Emit *e, unsigned byte) { e->buf[e->n++] = (uint8_t)byte; }
static void d32(Emit *e, uint32_t v) { put32(e->buf + e->n, v); e->n += 4; }
static uint64_t here(const Emit *e) { return e->la + e->n; }

/* ModRM 00 reg 101 and a disp32 to `target` from the end of an instruction `tail` bytes on. */
static void riprel(Emit *e, unsigned reg, uint64_t target, unsigned tail)
{
    b(e, (reg & 7) << 3 | 5);
    d32(e, (uint32_t)(target - (here(e) + 4 + tail)));
}

/* mov [rip+target], r64 */
static void store_reg(Emit *e, unsigned r, uint64_t target)
{
    b(e, 0x48 | (r >> 3) << 2);
    b(e, 0x89);
    riprel(e, r, target, 0);
}

/* mov r64, [rsp + disp32] */
static void load_reg_rsp(Emit *e, unsigned r, uint32_t disp)
{
    b(e, 0x48 | (r >> 3) << 2);
    b(e, 0x8b);
    b(e, 0x80 | (r & 7) << 3 | 4);
    b(e, 0x24);
    d32(e, disp);
}

/* lea r64, [rbx + disp32] (r < 8) */
static void lea_rbx(Emit *e, unsigned r, uint32_t disp)
{
    b(e, 0x48); b(e, 0x8d); b(e, 0x80 | r << 3 | 3); d32(e, disp);
}

/* mov r32, imm32 (r < 8) */
static void mov_imm32(Emit *e, unsigned r, uint32_t v) { b(e, 0xb8 + r); d32(e, v); }

static void rep_movsq(Emit *e) { b(e, 0xf3); b(e, 0x48); b(e, 0xa5); }
static void rep_stosq(Emit *e) { b(e, 0xf3); b(e, 0x48); b(e, 0xab); }

/* rbx = the current slot's address: mov eax,[CUR]; imul rax,rax,SLOT; mov rbx,imm64; add rbx,rax */
static void slot_address(Emit *e)
{
    b(e, 0x8b); riprel(e, 0, LA(OFF_SCRATCH + SCR_CUR), 0);
    b(e, 0x48); b(e, 0x69); b(e, 0xc0); d32(e, SLOT_SIZE);
    b(e, 0x48); b(e, 0xbb); put64(e->buf + e->n, LA(OFF_SLOTS)); e->n += 8;
    b(e, 0x48); b(e, 0x01); b(e, 0xc3);
}

/* copy `qwords` from rsi-source to rdi-destination set up by the caller */
static void copy(Emit *e, unsigned qwords) { mov_imm32(e, 1, qwords); rep_movsq(e); }

/* The driver's first part: load slot CUR and jump to the case. */
static void emit_next_case(Emit *e)
{
    b(e, 0xfc);                                          /* cld */
    slot_address(e);
    lea_rbx(e, 6, SLOT_CODE);
    b(e, 0x48); b(e, 0xbf); put64(e->buf + e->n, LA(OFF_CODE_ALIAS)); e->n += 8;   /* mov rdi, alias */
    copy(e, 0x1000 / 8);
    lea_rbx(e, 6, SLOT_DATA); mov_imm32(e, 7, DT_DATA); copy(e, DT_DATA_SIZE / 8);
    lea_rbx(e, 6, SLOT_STACKIN); mov_imm32(e, 7, DT_STACK); copy(e, DT_STACK_SIZE / 8);
    b(e, 0x31); b(e, 0xc0);                              /* xor eax, eax */
    mov_imm32(e, 7, DT_FPU_IN); mov_imm32(e, 1, 0x1000 / 8); rep_stosq(e);
    mov_imm32(e, 7, DT_XSTACK); mov_imm32(e, 1, 0x1000 / 8); rep_stosq(e);
    lea_rbx(e, 6, SLOT_FPU); mov_imm32(e, 7, DT_FPU_IN); copy(e, 512 / 8);
    /* segments as dt_layout_base_state() has them: DS, ES, FS, GS null, SS the data selector */
    b(e, 0x8e); b(e, 0xd8);                              /* mov ds, eax */
    b(e, 0x8e); b(e, 0xc0);                              /* mov es, eax */
    b(e, 0x8e); b(e, 0xe0);                              /* mov fs, eax */
    b(e, 0x8e); b(e, 0xe8);                              /* mov gs, eax */
    mov_imm32(e, 0, DT_SEL_DATA);
    b(e, 0x8e); b(e, 0xd0);                              /* mov ss, eax */
    b(e, 0x48); b(e, 0xb8); put64(e->buf + e->n, 0x100); e->n += 8;   /* mov rax, FS base */
    b(e, 0xf3); b(e, 0x48); b(e, 0x0f); b(e, 0xae); b(e, 0xd0);         /* wrfsbase rax */
    b(e, 0x48); b(e, 0xb8); put64(e->buf + e->n, 0xfffffffffffff000ull); e->n += 8;
    b(e, 0xf3); b(e, 0x48); b(e, 0x0f); b(e, 0xae); b(e, 0xd8);         /* wrgsbase rax */
    b(e, 0x48); b(e, 0x0f); b(e, 0xae); b(e, 0x8b); d32(e, SLOT_FPU);   /* fxrstor64 [rbx+FPU] */
    /* RFLAGS, then the GPRs through RSP (MOV changes no flag), RSP last */
    b(e, 0x48); b(e, 0x8d); b(e, 0xa3); d32(e, SLOT_RFLAGS);            /* lea rsp, [rbx+RFLAGS] */
    b(e, 0x9d);                                                         /* popfq */
    b(e, 0x48); b(e, 0x89); b(e, 0xdc);                                 /* mov rsp, rbx */
    for (unsigned r = 0; r < 16; r++) {
        if (r != R_ESP) {
            load_reg_rsp(e, r, SLOT_REGS + 8 * r);
        }
    }
    load_reg_rsp(e, R_ESP, SLOT_REGS + 8 * R_ESP);
    b(e, 0xff); b(e, 0x25); d32(e, (uint32_t)(LA(OFF_SCRATCH + SCR_ENTRY) - (here(e) + 4)));
}

static void save_gprs(Emit *e)
{
    for (unsigned r = 0; r < 16; r++) {
        store_reg(e, r, LA(OFF_SCRATCH + SCR_REGS + 8 * r));
    }
}

/* mov dword [rip+target], imm32 */
static void store_imm32(Emit *e, uint64_t target, uint32_t v)
{
    b(e, 0xc7);
    riprel(e, 0, target, 4);
    d32(e, v);
}

/* Where the terminator ends up: the case's registers, flags and x87/SSE state into scratch. */
static void emit_case_end(Emit *e, uint64_t save_outputs)
{
    save_gprs(e);
    b(e, 0x48); b(e, 0x8d); riprel(e, 4, LA(OFF_STACK + 0x1000), 0);   /* lea rsp, [stack top] */
    b(e, 0x9c);                                                        /* pushfq */
    b(e, 0x8f); riprel(e, 0, LA(OFF_SCRATCH + SCR_RFLAGS), 0);         /* pop qword [RFLAGS] */
    b(e, 0x48); b(e, 0x0f); b(e, 0xae); riprel(e, 0, LA(OFF_SCRATCH + SCR_FPU), 0); /* fxsave64 */
    store_imm32(e, LA(OFF_SCRATCH + SCR_STOP), 0);
    b(e, 0xe9); d32(e, (uint32_t)(save_outputs - (here(e) + 4)));
}

/* Where every stub goes: the state at the stub (RSP on the IST frame), and CR2 for a #PF. */
static void emit_exc_common(Emit *e, uint64_t save_outputs)
{
    save_gprs(e);
    b(e, 0x48); b(e, 0x0f); b(e, 0xae); riprel(e, 0, LA(OFF_SCRATCH + SCR_FPU), 0); /* fxsave64 */
    store_imm32(e, LA(OFF_SCRATCH + SCR_STOP), 1);
    b(e, 0x8b); riprel(e, 0, LA(OFF_SCRATCH + SCR_VECTOR), 0);       /* mov eax, [VECTOR] */
    b(e, 0x83); b(e, 0xf8); b(e, 14);                                /* cmp eax, 14 */
    b(e, 0x75); b(e, 2);                                             /* jne over the OUT */
    b(e, 0xe6); b(e, DT_PORT_BATCH_PF);                              /* out: host reads CR2 */
    b(e, 0x48); b(e, 0x8d); riprel(e, 4, LA(OFF_STACK + 0x1000), 0); /* lea rsp, [stack top] */
    b(e, 0xe9); d32(e, (uint32_t)(save_outputs - (here(e) + 4)));
}

/* Selectors, FS/GS bases and the frame into scratch; scratch, data, stack into the slot; next. */
static void emit_save_outputs(Emit *e, uint64_t next_case)
{
    static const uint8_t mov_from_seg[6] = { 0xc0, 0xc8, 0xd0, 0xd8, 0xe0, 0xe8 };  /* ES CS SS DS FS GS */
    b(e, 0xfc);                                                      /* cld */
    for (unsigned i = 0; i < 6; i++) {
        b(e, 0x8c); b(e, mov_from_seg[i]);                           /* mov eax, sreg */
        b(e, 0x66); b(e, 0x89); riprel(e, 0, LA(OFF_SCRATCH + SCR_SEL + 2 * i), 0);
    }
    b(e, 0xf3); b(e, 0x48); b(e, 0x0f); b(e, 0xae); b(e, 0xc0);      /* rdfsbase rax */
    store_reg(e, R_EAX, LA(OFF_SCRATCH + SCR_FSBASE));
    b(e, 0xf3); b(e, 0x48); b(e, 0x0f); b(e, 0xae); b(e, 0xc8);      /* rdgsbase rax */
    store_reg(e, R_EAX, LA(OFF_SCRATCH + SCR_GSBASE));
    mov_imm32(e, 6, DT_XSTACK_TOP - 64);                             /* mov esi, frame window */
    b(e, 0x48); b(e, 0x8d); riprel(e, 7, LA(OFF_SCRATCH + SCR_FRAME), 0);   /* lea rdi, [FRAME] */
    copy(e, 64 / 8);
    slot_address(e);
    b(e, 0x48); b(e, 0x8d); riprel(e, 6, LA(OFF_SCRATCH), 0);       /* lea rsi, [scratch] */
    lea_rbx(e, 7, SLOT_OUT); copy(e, SCRATCH_COPY / 8);
    mov_imm32(e, 6, DT_DATA); lea_rbx(e, 7, SLOT_ODATA); copy(e, DT_DATA_SIZE / 8);
    mov_imm32(e, 6, DT_STACK); lea_rbx(e, 7, SLOT_OSTACK); copy(e, DT_STACK_SIZE / 8);
    b(e, 0x8b); riprel(e, 0, LA(OFF_SCRATCH + SCR_CUR), 0);          /* mov eax, [CUR] */
    b(e, 0xff); b(e, 0xc0);                                          /* inc eax */
    b(e, 0x89); riprel(e, 0, LA(OFF_SCRATCH + SCR_CUR), 0);          /* mov [CUR], eax */
    b(e, 0x3b); riprel(e, 0, LA(OFF_SCRATCH + SCR_N), 0);            /* cmp eax, [N] */
    b(e, 0x0f); b(e, 0x82); d32(e, (uint32_t)(next_case - (here(e) + 4)));   /* jb next_case */
    b(e, 0xe6); b(e, DT_PORT_END);                                   /* out: the batch is done */
    b(e, 0x0f); b(e, 0x0b);                                          /* ud2 */
}

static uint64_t case_end_la, entry_la = LA(OFF_CODE);

/* The driver's parts, laid out in one page; returns their addresses through the statics. */
static void emit_driver(uint8_t *ram)
{
    uint8_t *page = ram + PA(OFF_CODE);
    memset(page, 0xcc, 0x1000);
    /* two passes: the first finds where the parts land, the second fills in the jumps */
    uint64_t save_outputs = 0, exc_common = 0, case_end = 0;
    for (int pass = 0; pass < 2; pass++) {
        Emit e = { .buf = page, .la = LA(OFF_CODE), .n = 0 };
        emit_next_case(&e);
        case_end = here(&e);
        emit_case_end(&e, save_outputs);
        exc_common = here(&e);
        emit_exc_common(&e, save_outputs);
        save_outputs = here(&e);
        emit_save_outputs(&e, LA(OFF_CODE));
    }
    case_end_la = case_end;
    /* the stubs: mov dword [VECTOR], v; jmp exc_common */
    for (unsigned v = 0; v < 256; v++) {
        Emit s = { .buf = ram + PA(OFF_STUBS) + 16 * v, .la = LA(OFF_STUBS) + 16 * v, .n = 0 };
        store_imm32(&s, LA(OFF_SCRATCH + SCR_VECTOR), v);
        b(&s, 0xe9); d32(&s, (uint32_t)(exc_common - (here(&s) + 4)));
        while (s.n < 16) {
            b(&s, 0xcc);
        }
    }
}

/*
 * SDM vol. 3A 6.14.1: the batch IDT, as the layout's but with trap gates to
 * the batch stubs.  An interrupt gate would clear IF, which CPL3 code with
 * IOPL 0 cannot set again, so every later case of the batch would run with
 * IF clear; the frame (what is compared) is the same with either gate.
 */
static void build_idt(uint8_t *ram)
{
    for (int v = 0; v < 256; v++) {
        uint64_t off = LA(OFF_STUBS) + (uint64_t)v * 16;
        unsigned dpl = dt_vector_user_gate(v) ? 3 : 0;
        uint64_t lo = (off & 0xffff) | ((uint64_t)DT_SEL_CODE64 << 16) | (1ull << 32) |
                      ((uint64_t)(0x8f | (dpl << 5)) << 40) | (((off >> 16) & 0xffff) << 48);
        put64(ram + DT_BATCH_IDT + 16 * v, lo);
        put64(ram + DT_BATCH_IDT + 16 * v + 8, off >> 32);
    }
}

void dt_batch_build(uint8_t *ram)
{
    memset(ram + DT_BATCH_PA, 0, DT_BATCH_SIZE);
    for (unsigned i = 0; i < DT_BATCH_SIZE / 0x1000; i++) {
        bool code = i * 0x1000 == OFF_CODE || i * 0x1000 == OFF_STUBS;
        put64(ram + DT_BATCH_PT + 8 * i, dt_batch_pte(i, code, !code));
    }
    /* the alias: the PTE of the batch area's page that lies at DT_CODE, writable, not executable */
    uint64_t alias = dt_batch_pte(0, false, true) - DT_BATCH_PA + DT_CODE;
    put64(ram + DT_BATCH_PT + 8 * (OFF_CODE_ALIAS / 0x1000), alias);
    emit_driver(ram);
    build_idt(ram);
    put64(ram + PA(OFF_SCRATCH + SCR_ENTRY), DT_CODE);
}

uint64_t dt_batch_entry(void)
{
    return entry_la;
}

uint64_t dt_batch_case_end(void)
{
    return case_end_la;
}

static uint8_t *slot(uint8_t *ram, unsigned i)
{
    return ram + PA(OFF_SLOTS + (uint64_t)i * SLOT_SIZE);
}

void dt_batch_load_slot(uint8_t *ram, unsigned i, const DtCase *c)
{
    uint8_t *s = slot(ram, i);
    uint8_t *code = s + SLOT_CODE;
    unsigned len = dt_case_layout(c, code, NULL);
    unsigned n = dt_terminator(DT_MODE_64, DT_CODE + len, code + len);
    memset(code + len + n, 0xcc, 0x1000 - len - n);
    memcpy(s + SLOT_REGS, c->regs, sizeof(c->regs));
    put64(s + SLOT_RFLAGS, c->rflags);
    dt_fpu_to_fxsave(s + SLOT_FPU, &c->fpu, true);
    memcpy(s + SLOT_DATA, c->data, DT_DATA_SIZE);
    memcpy(s + SLOT_STACKIN, c->stack, DT_STACK_SIZE);
}

void dt_batch_start(uint8_t *ram, unsigned first, unsigned n)
{
    put32(ram + PA(OFF_SCRATCH + SCR_CUR), first);
    put32(ram + PA(OFF_SCRATCH + SCR_N), n);
}

unsigned dt_batch_current(const uint8_t *ram)
{
    return get32(ram + PA(OFF_SCRATCH + SCR_CUR));
}

void dt_batch_set_cr2(uint8_t *ram, uint64_t cr2)
{
    put64(ram + PA(OFF_SCRATCH + SCR_CR2), cr2);
}

void dt_batch_read_slot(uint8_t *ram, unsigned i, const DtCase *c, DtOutcome *out)
{
    const uint8_t *s = slot(ram, i) + SLOT_OUT;
    uint64_t regs[X86_NR_GPRS];
    uint8_t code[DT_MAX_INSNS * 15];
    memcpy(regs, s + SCR_REGS, sizeof(regs));
    /* dt_outcome_from_stop reads the frame and the pages from RAM: put the slot's there */
    memcpy(ram + DT_XSTACK_TOP - 64, s + SCR_FRAME, 64);
    memcpy(ram + DT_DATA, slot(ram, i) + SLOT_ODATA, DT_DATA_SIZE);
    memcpy(ram + DT_STACK, slot(ram, i) + SLOT_OSTACK, DT_STACK_SIZE);
    uint64_t rip = DT_CODE + dt_case_layout(c, code, NULL);
    if (get32(s + SCR_STOP) == 1) {
        rip = DT_STUBS + (uint64_t)(get32(s + SCR_VECTOR) & 0xff) * DT_STUB_SIZE;
    }
    memset(out, 0, sizeof(*out));
    dt_outcome_from_stop(out, regs, rip, get64(s + SCR_RFLAGS), ram);
    out->cr2 = get64(s + SCR_CR2);
    for (int k = 0; k < X86_NR_SEGS; k++) {
        uint16_t sel;
        memcpy(&sel, s + SCR_SEL + 2 * k, 2);
        out->sel[k] = sel;
        out->base[k] = 0;
    }
    out->base[SEG_FS] = get64(s + SCR_FSBASE);
    out->base[SEG_GS] = get64(s + SCR_GSBASE);
    dt_fpu_from_fxsave(&out->fpu, s + SCR_FPU, true);
}
