/* difftest's software backend: tandem's interpreter (cpu/x86) runs the case, one instruction at a time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/x86/exec.h"
#include "cpu/x86/soft_cpuid.h"
#include "difftest/backend.h"

/*
 * The case starts at DT_CODE with its state loaded directly (the entry code
 * is kvm's way to load x87/SSE state) and stops when RIP reaches the
 * terminator or a stub: an exception has then been delivered through the
 * IDT exactly as the hardware delivers it, so the frame is compared too.
 * Instructions are fetched, decoded and executed one by one, as x86_step()
 * does, so that each one's flag effect can be traced (flags.h).
 */

#define MAX_STEPS 20000   /* a REP string instruction counts once per batch of iterations */

typedef struct InterpBackend {
    DtBackend base;
    X86Cpu cpu;
    AddressSpace mem, io;
    uint8_t *ram;
    X86Cpuid cpuid;
    X86State base_state[2];
} InterpBackend;

static const char *interp_unavailable(void)
{
    return NULL;
}

static DtBackend *interp_create(const X86Cpuid *cpuid, DtWatch *watch, char *err, size_t errlen)
{
    (void)watch;
    InterpBackend *b = calloc(1, sizeof(*b));
    b->base.ops = &dt_backend_interp;
    b->ram = aligned_alloc(4096, DT_RAM_SIZE);
    if (!b->ram) {
        snprintf(err, errlen, "interp: out of memory");
        free(b);
        return NULL;
    }
    dt_layout_build(b->ram);
    address_space_init(&b->mem, "difftest-ram", 1ull << 40);
    address_space_init(&b->io, "difftest-io", 0x10000);
    address_space_add_ram(&b->mem, "ram", 0, DT_RAM_SIZE, b->ram);
    if (cpuid) {
        b->cpuid = *cpuid;
    } else {
        X86CpuModel model;
        X86Cpuid supported;
        x86_soft_cpuid_supported(&supported);
        x86_cpu_model_parse("max", &model, err, errlen);
        x86_cpuid_build(&model, &supported, 0, 1, &b->cpuid);
    }
    x86_cpu_init(&b->cpu, &b->mem, &b->io);
    b->cpu.cpuid = &b->cpuid;
    const X86CpuidEntry *leaf0 = x86_cpuid_find(&b->cpuid, 0, 0);
    b->cpu.vendor_amd = leaf0 && leaf0->ebx == 0x68747541;   /* "Auth"enticAMD */
    dt_layout_base_state(&b->base_state[DT_MODE_64], DT_MODE_64);
    dt_layout_base_state(&b->base_state[DT_MODE_COMPAT32], DT_MODE_COMPAT32);
    x86_cpu_set_state(&b->cpu, &b->base_state[DT_MODE_64]);
    return &b->base;
}

static void load_state(InterpBackend *b, const DtCase *c)
{
    X86Cpu *cpu = &b->cpu;
    /* A plain copy keeps the TLB: the page tables never change. */
    cpu->s = b->base_state[c->mode];
    memcpy(cpu->s.regs, c->regs, sizeof(c->regs));
    cpu->s.rip = DT_CODE;
    cpu->s.rflags = c->rflags;
    dt_fpu_to_state(&cpu->s.fpu, &c->fpu);
    cpu->delivering_vector = -1;
    cpu->last_exception = -1;
    cpu->stop = X86_STOP_NONE;
    cpu->error[0] = 0;
    x86_cpu_mode_changed(cpu);
}

/* In the last page below the non-canonical hole (0x7ffffffff000-0x7fffffffffff)? */
static bool last_canonical_page(uint64_t la)
{
    return (la >> 12) == 0x7ffffffffull;
}

/*
 * Does the instruction address memory in the last canonical page (its
 * memory operand, or the stack or string registers it may use)?  An access
 * there that runs into the hole is #GP or #SS, which this host's kvm
 * intercepts and emulates differently (@canonical-edge in allowlist.h).
 */
static bool touches_edge(const X86Cpu *cpu, const X86Insn *insn)
{
    if (!cpu->mode64) {
        return false;
    }
    if (x86_insn_is_mem(insn)) {
        uint64_t base = insn->seg >= SEG_FS ? cpu->s.segs[insn->seg].base : 0;
        uint64_t ea = x86_insn_ea(cpu, insn);
        unsigned opcode = x86_insn_row(insn)->opcode;
        if (opcode == 0x0fa3 || opcode == 0x0fab || opcode == 0x0fb3 || opcode == 0x0fbb) {
            /* BT/BTS/BTR/BTC m, r: the bit offset moves the operand (SDM vol. 2A BT) */
            unsigned bits = 8 * insn->opsize;
            int64_t off = x86_sext(x86_reg_get(cpu, insn->reg, insn->opsize, x86_insn_rex(insn)),
                                   insn->opsize);
            int64_t q = off >= 0 ? off / bits : -((-(off + 1)) / bits) - 1;
            ea += (uint64_t)q * insn->opsize;
        }
        /* the offset too: AMD checks it before adding an FS or GS base (mem.c) */
        if (last_canonical_page(ea + base) || (base && last_canonical_page(ea))) {
            return true;
        }
    }
    uint64_t seg_base = insn->seg >= SEG_FS ? cpu->s.segs[insn->seg].base : 0;
    return last_canonical_page(cpu->s.regs[R_ESP]) || last_canonical_page(cpu->s.regs[R_EDI]) ||
           last_canonical_page(cpu->s.regs[R_ESI] + seg_base) ||
           last_canonical_page(cpu->s.regs[R_EDI] + seg_base);
}

/*
 * The entry, end and stub code (DT_ENTRY up to the end of the stubs) is the
 * harness's: a case that jumps into it (a RET or JMP to a register value
 * such as 0x8ec1) runs CPL0 fragments whose OUT reaches the kvm harness as
 * a report it never sent, so such a case is not compared.  A stub's first
 * byte is where an exception arrives, and that stays a stop.
 */
static bool in_harness_code(uint64_t rip)
{
    return rip >= DT_ENTRY && rip < DT_STUBS + 256u * DT_STUB_SIZE && !dt_is_stub_entry(rip);
}

static uint64_t mem_linear(const X86Cpu *cpu, const X86Insn *insn)
{
    bool based = !cpu->mode64 || insn->seg >= SEG_FS;
    return x86_insn_ea(cpu, insn) + (based ? cpu->s.segs[insn->seg].base : 0);
}

/* Can an access from `la` (at most an XRSTOR image, 576 bytes) reach byte `b`? */
static bool may_reach(uint64_t la, uint64_t b)
{
    return b - la < 576;
}

/*
 * What the host's state makes differ (allowlist.h): XSAVE-family
 * instructions asking for AVX state (the host's XCR0 has it), and reads of
 * the MXCSR_MASK byte an FXSAVE or XSAVE stored (the host's mask has bit 17,
 * MM): the instruction's memory operand, or the stack or string source,
 * within 576 bytes below that byte (FRSTOR or XRSTOR of an overlapping image).
 */
static void note_host_state(const X86Cpu *cpu, const X86Insn *insn, DtFlagTrace *trace)
{
    unsigned op = insn->op;
    if ((op == X86_OP_XSAVE || op == X86_OP_XSAVEOPT || op == X86_OP_XRSTOR) &&
        (cpu->s.regs[R_EAX] & 4)) {
        trace->avx_requested = true;
    }
    bool is_mem = x86_insn_is_mem(insn);
    uint64_t la = is_mem ? mem_linear(cpu, insn) : 0;
    for (unsigned i = 0; i < trace->nr_mask_bytes && !trace->mxcsr_mask_read; i++) {
        uint64_t b = trace->mask_byte[i];
        trace->mxcsr_mask_read = (is_mem && may_reach(la, b)) ||
                                 may_reach(cpu->s.regs[R_ESP], b) ||
                                 may_reach(cpu->s.regs[R_ESI], b);
    }
    if (is_mem && (op == X86_OP_FXSAVE || op == X86_OP_XSAVE || op == X86_OP_XSAVEOPT) &&
        trace->nr_mask_bytes < 4) {
        trace->mask_byte[trace->nr_mask_bytes++] = la + 30;
    }
}

/*
 * Does the instruction carry an ES, CS, SS or DS override that 64-bit mode
 * ignores?  This host's kvm, running such an instruction in its emulator on
 * a #GP or #SS, honours the override (@ignored-override in allowlist.h).
 */
static bool has_ignored_override(X86Cpu *cpu, const X86Insn *insn)
{
    uint8_t bytes[15];
    uint64_t gpa;
    if (!cpu->mode64 || !(insn->prefix & X86_PFX_SEG)) {
        return false;
    }
    unsigned n = x86_fetch(cpu, cpu->s.rip, bytes, insn->len, &gpa);
    for (unsigned i = 0; i < n; i++) {
        switch (bytes[i]) {
        case 0x26: case 0x2e: case 0x36: case 0x3e:
            return true;
        case 0x64: case 0x65: case 0x66: case 0x67: case 0xf0: case 0xf2: case 0xf3:
            continue;
        default:
            return false;
        }
    }
    return false;
}

/*
 * A memory operand through rBP or rSP (SS) that is both non-canonical and
 * not 16-byte aligned: AMD's alignment #GP of MOVAPS, CMPXCHG16B... comes
 * first, but kvm here emulates the instruction on that #GP and its emulator
 * checks the address first: #SS (@misaligned-stack in allowlist.h).
 */
static bool misaligned_noncanonical_ss(const X86Cpu *cpu, const X86Insn *insn)
{
    if (!cpu->mode64 || !x86_insn_is_mem(insn) || insn->seg != SEG_SS) {
        return false;
    }
    uint64_t la = x86_insn_ea(cpu, insn);
    return (la & 15) && (uint64_t)((int64_t)(la << 16) >> 16) != la;
}

/* One instruction, as x86_step(), with its flag effect traced. */
static X86StopReason step(X86Cpu *cpu, DtFlagTrace *trace)
{
    jmp_buf env;
    trace->at_edge = false;
    trace->at_override = false;
    trace->at_misaligned_ss = false;
    cpu->unwind = &env;
    int r = setjmp(env);
    if (r == 0) {
        X86Insn insn;
        uint8_t shadow = cpu->s.events.interrupt_shadow;
        bool tf = cpu->s.rflags & X86_FLAG_TF;
        x86_fetch_decode(cpu, &insn);
        cpu->next_rip = cpu->s.rip + insn.len;
        if (cpu->code_bits != 64) {
            cpu->next_rip &= cpu->code_bits == 32 ? 0xffffffffull : 0xffffull;
        }
        DtFlagEffect effect = dt_flags_effect(cpu, &insn);
        uint64_t rsp = cpu->s.regs[R_ESP];
        if (cpu->mode64 && (uint64_t)((int64_t)(rsp << 16) >> 16) != rsp) {
            trace->noncanonical_rsp = true;
        }
        dt_flags_check_reads(trace, &effect, insn.op);
        trace->at_edge = touches_edge(cpu, &insn);
        trace->at_override = has_ignored_override(cpu, &insn);
        trace->at_misaligned_ss = misaligned_noncanonical_ss(cpu, &insn);
        note_host_state(cpu, &insn, trace);
        x86_execute(cpu, &insn);
        cpu->s.rip = cpu->next_rip;
        cpu->s.events.interrupt_shadow &= ~shadow;
        cpu->icount++;
        dt_flags_apply(trace, &effect);
        x86_single_step(cpu, &insn, tf, shadow);   /* #DB after it, if TF was set */
        cpu->unwind = NULL;
        return cpu->stop;
    }
    cpu->unwind = NULL;
    bool gp_ss = cpu->s.events.exception_nr == X86_EXC_GP || cpu->s.events.exception_nr == X86_EXC_SS;
    if (r != 2 && gp_ss) {
        trace->canonical_edge |= trace->at_edge;
        trace->override_fault |= trace->at_override;
        trace->misaligned_ss_gp |= trace->at_misaligned_ss && cpu->s.events.exception_nr == X86_EXC_GP;
    }
    return r == 2 ? X86_STOP_ERROR : x86_deliver_raised(cpu);
}

/* A single-step trap will follow the next instruction (SDM vol. 3A 17.3.1.4). */
static bool single_step_due(const X86Cpu *cpu)
{
    return (cpu->s.rflags & X86_FLAG_TF) || cpu->single_step_pending;
}

static void interp_run(DtBackend *base, const DtCase *c, DtOutcome *out, DtFlagTrace *trace)
{
    InterpBackend *b = (InterpBackend *)base;
    X86Cpu *cpu = &b->cpu;
    DtFlagTrace local;
    if (!trace) {
        trace = &local;
    }
    dt_flags_begin(trace);
    uint64_t end = DT_CODE + dt_backend_load_memory(b->ram, c);
    load_state(b, c);

    memset(out, 0, sizeof(*out));
    for (unsigned n = 0;; n++) {
        uint64_t rip = cpu->s.rip;
        if (rip == end && single_step_due(cpu)) {
            /*
             * With TF set the hardware runs the terminator's first
             * instruction and then takes the single-step #DB there: so
             * does interp, and the #DB ends the case in its stub.
             */
            step(cpu, trace);
            rip = cpu->s.rip;
        }
        if (rip == end || dt_is_stub_entry(rip)) {
            break;
        }
        if (in_harness_code(rip)) {
            out->stop = DT_STOP_RUNAWAY;
            out->escaped = true;
            return;
        }
        if (n == MAX_STEPS) {
            out->stop = DT_STOP_RUNAWAY;
            return;
        }
        X86StopReason stop = step(cpu, trace);
        if (stop != X86_STOP_NONE) {
            out->stop = DT_STOP_ERROR;
            snprintf(out->error, sizeof(out->error), "interp stopped: %.120s",
                     stop == X86_STOP_SHUTDOWN ? "triple fault" : cpu->error);
            return;
        }
    }
    uint64_t rip = cpu->s.rip;
    if (dt_is_stub(rip)) {
        rip = DT_STUBS + (rip - DT_STUBS) / DT_STUB_SIZE * DT_STUB_SIZE;
    }
    dt_outcome_from_stop(out, cpu->s.regs, rip, cpu->s.rflags, b->ram);
    out->cr2 = cpu->s.cr2;
    for (int i = 0; i < X86_NR_SEGS; i++) {
        out->sel[i] = cpu->s.segs[i].selector;
        out->base[i] = cpu->s.segs[i].base;
    }
    dt_fpu_from_state(&out->fpu, &cpu->s.fpu);
}

bool dt_interp_state_at(DtBackend *base, const DtCase *c, uint64_t stop_at, DtCase *out)
{
    InterpBackend *b = (InterpBackend *)base;
    X86Cpu *cpu = &b->cpu;
    DtFlagTrace trace;
    if (base->ops != &dt_backend_interp) {
        return false;
    }
    dt_flags_begin(&trace);
    uint64_t end = DT_CODE + dt_backend_load_memory(b->ram, c);
    load_state(b, c);
    for (unsigned n = 0; cpu->s.rip != stop_at; n++) {
        if (n == MAX_STEPS || cpu->s.rip == end || dt_is_stub_entry(cpu->s.rip) ||
            in_harness_code(cpu->s.rip) ||
            step(cpu, &trace) != X86_STOP_NONE || cpu->last_exception >= 0) {
            return false;
        }
    }
    *out = *c;
    memcpy(out->regs, cpu->s.regs, sizeof(out->regs));
    out->rflags = cpu->s.rflags;
    dt_fpu_from_state(&out->fpu, &cpu->s.fpu);
    memcpy(out->data, b->ram + DT_DATA, DT_DATA_SIZE);
    memcpy(out->stack, b->ram + DT_STACK, DT_STACK_SIZE);
    return true;
}

static const X86Cpuid *interp_cpuid(DtBackend *base)
{
    return &((InterpBackend *)base)->cpuid;
}

static void interp_run_batch(DtBackend *base, const DtCase *const *cases, unsigned n,
                             DtOutcome *const *out)
{
    for (unsigned i = 0; i < n; i++) {
        interp_run(base, cases[i], out[i], NULL);
    }
}

static unsigned interp_quirks(DtBackend *base)
{
    (void)base;
    return 0;
}

static void interp_destroy(DtBackend *base)
{
    InterpBackend *b = (InterpBackend *)base;
    address_space_destroy(&b->mem);
    address_space_destroy(&b->io);
    free(b->ram);
    free(b);
}

const DtBackendOps dt_backend_interp = {
    .name = "interp",
    .unavailable = interp_unavailable,
    .create = interp_create,
    .run = interp_run,
    .run_batch = interp_run_batch,
    .cpuid = interp_cpuid,
    .quirks = interp_quirks,
    .destroy = interp_destroy,
};
