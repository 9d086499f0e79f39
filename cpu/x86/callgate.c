/* Far JMP and CALL through call gates (SDM vol. 3A 5.8.3-5.8.6, vol. 2 CALL and JMP), and the dispatch of every system-descriptor target. */
#include "cpu/x86/farcall.h"

/*
 * A call gate names a code segment and an entry point; its DPL says who
 * may use it.  JMP through a gate keeps the CPL (the target must be
 * conforming or at the same level).  CALL to a more privileged
 * non-conforming segment switches to the stack the TSS holds for the new
 * CPL, pushes the caller's SS:ESP, copies the gate's parameter count of
 * words or dwords from the caller's stack, and pushes CS:EIP; far RET
 * (farcall.c) undoes it.  The gate's width (16, 32, or 64 bits in IA-32e
 * mode) sets the size of every push, whatever the instruction's operand
 * size.  In IA-32e mode the gate is 16 bytes, the target must be 64-bit
 * code, no parameters are copied and the new SS is a null selector with
 * RPL = new CPL (SDM 5.8.3.1, 5.8.5.1).
 *
 * Every check and every read comes first and every push is written before
 * any register changes, so each fault leaves the state before the
 * instruction.
 */

typedef struct CallGate {
    uint16_t selector;   /* the target code segment */
    uint64_t offset;
    unsigned params;     /* items to copy, 5 bits */
    unsigned size;       /* 2, 4 or 8: the width of every push */
    unsigned dpl;
    bool present;
} CallGate;

static bool long_mode(const X86Cpu *cpu)
{
    return (cpu->s.msr.efer & X86_EFER_LMA) != 0;
}

static bool canonical(uint64_t v)
{
    return (uint64_t)((int64_t)(v << 16) >> 16) == v;
}

static _Noreturn void raise_sel(X86Cpu *cpu, int vector, uint16_t sel)
{
    x86_raise(cpu, vector, sel & 0xfffc);
}

/* SDM vol. 3A 5.8.3, figures 5-8 and 5-9. */
static CallGate decode_gate(const X86Descriptor *d, bool lma)
{
    unsigned type = (d->lo >> 40) & 0xf;
    CallGate g = {
        .selector = (d->lo >> 16) & 0xffff,
        .offset = (d->lo & 0xffff) | ((d->lo >> 32) & 0xffff0000ull),
        .params = (d->lo >> 32) & 0x1f,
        .size = lma ? 8 : (type & 8) ? 4 : 2,
        .dpl = (d->lo >> 45) & 3,
        .present = (d->lo >> 47) & 1,
    };
    if (lma) {
        g.offset |= (d->hi & 0xffffffffull) << 32;
        g.params = 0;
    } else if (g.size == 2) {
        g.offset &= 0xffff;
    }
    return g;
}

/* The gate's target: a present code segment at DPL <= CPL (64-bit code in IA-32e mode). */
static void check_target(X86Cpu *cpu, const CallGate *g, bool call, X86Descriptor *d,
                         X86Segment *cs)
{
    if ((g->selector & ~3u) == 0) {
        x86_raise_gp0(cpu);
    }
    if (!x86_read_descriptor(cpu, g->selector, d, false)) {
        raise_sel(cpu, X86_EXC_GP, g->selector);
    }
    x86_segment_from_descriptor(cs, g->selector, d, false);
    bool conforming = (cs->type & 4) != 0;
    if (!cs->s || !(cs->type & 8) || cs->dpl > cpu->cpl) {
        raise_sel(cpu, X86_EXC_GP, g->selector);
    }
    /* SDM vol. 2 JMP: no privilege change through a gate; a non-conforming target is at CPL. */
    if (!call && !conforming && cs->dpl != cpu->cpl) {
        raise_sel(cpu, X86_EXC_GP, g->selector);
    }
    if (long_mode(cpu) && (!cs->l || cs->db)) {
        raise_sel(cpu, X86_EXC_GP, g->selector);
    }
    if (!cs->present) {
        raise_sel(cpu, X86_EXC_NP, g->selector);
    }
}

/* The entry point is within the target: the limit, or canonical form for 64-bit code. */
static void check_entry(X86Cpu *cpu, const CallGate *g, const X86Segment *cs)
{
    if (long_mode(cpu) ? !canonical(g->offset) : g->offset > cs->limit) {
        x86_raise_gp0(cpu);
    }
}

static void enter_target(X86Cpu *cpu, const CallGate *g, X86Descriptor *d, unsigned cpl)
{
    x86_load_code_segment(cpu, g->selector, d, cpl);
    cpu->next_rip = g->offset;
}

/* A 64-bit push of `n` items below `rsp` (IA-32e call gates): #SS(0) for a non-canonical one. */
static void push64(X86Cpu *cpu, uint64_t rsp, const uint64_t *items, int n, int mmu_idx)
{
    if (!canonical(rsp - 8ull * n) || !canonical(rsp - 1)) {
        x86_raise(cpu, X86_EXC_SS, 0);
    }
    for (int i = 0; i < n; i++) {
        x86_write_linear(cpu, rsp - 8ull * (i + 1), items[i], 8, mmu_idx);
    }
}

/* CALL through a gate to the same privilege: CS and EIP pushed at the gate's width. */
static void call_same_level(X86Cpu *cpu, const CallGate *g, X86Descriptor *d, const X86Segment *cs)
{
    X86State *s = &cpu->s;
    uint64_t ret[2] = { s->segs[SEG_CS].selector, cpu->next_rip };
    if (g->size == 8) {
        uint64_t rsp = s->regs[R_ESP];
        check_entry(cpu, g, cs);
        push64(cpu, rsp, ret, 2, x86_mmu_idx(cpu));
        s->regs[R_ESP] = rsp - 16;
    } else {
        const X86Segment *ss = &s->segs[SEG_SS];
        uint32_t esp = s->regs[R_ESP];
        if (!x86_stack_room(ss, esp, 2 * g->size)) {
            x86_raise(cpu, X86_EXC_SS, 0);
        }
        check_entry(cpu, g, cs);
        int idx = x86_mmu_idx(cpu);
        x86_push_on(cpu, ss, &esp, ret[0], g->size, idx, 0);
        x86_push_on(cpu, ss, &esp, ret[1], g->size, idx, 0);
        s->regs[R_ESP] = (s->regs[R_ESP] & ~0xffffffffull) | esp;
    }
    enter_target(cpu, g, d, cpu->cpl);
}

/* SDM vol. 2 CALL, MORE-PRIVILEGE, TSS is 64-bit: RSPn, a null SS, four 8-byte pushes. */
static void call_inner_long(X86Cpu *cpu, const CallGate *g, X86Descriptor *d,
                            const X86Segment *cs, unsigned new_cpl)
{
    X86State *s = &cpu->s;
    uint16_t new_ss;
    uint64_t rsp = x86_tss_stack(cpu, new_cpl, 0, &new_ss, 0);
    uint64_t frame[4] = { s->segs[SEG_SS].selector, s->regs[R_ESP], s->segs[SEG_CS].selector,
                          cpu->next_rip };
    if (!canonical(rsp - 32) || !canonical(rsp - 1)) {
        x86_raise(cpu, X86_EXC_SS, new_ss & 0xfffc);
    }
    check_entry(cpu, g, cs);
    push64(cpu, rsp, frame, 4, MMU_IDX_SUPER);
    x86_load_null_segment(cpu, SEG_SS, new_ss);
    s->regs[R_ESP] = rsp - 32;
    enter_target(cpu, g, d, new_cpl);
}

/*
 * SDM vol. 2 CALL, MORE-PRIVILEGE with a 16- or 32-bit TSS: SS:ESP for the
 * new CPL from the TSS, checked; room for the parameters plus SS, ESP, CS,
 * EIP (#SS(NewSS)); then the caller's SS:ESP, its parameters (read from
 * its stack, deepest first so they keep their order) and CS:EIP.
 */
static void call_inner_legacy(X86Cpu *cpu, const CallGate *g, X86Descriptor *d,
                              const X86Segment *cs, unsigned new_cpl)
{
    X86State *s = &cpu->s;
    X86Segment ss;
    X86Descriptor ssd;
    uint32_t esp;
    x86_inner_stack(cpu, new_cpl, &ss, &ssd, &esp, 0);
    uint32_t error = ss.selector & 0xfffc;
    if (!x86_stack_room(&ss, esp, (g->params + 4) * g->size)) {
        x86_raise(cpu, X86_EXC_SS, error);
    }
    check_entry(cpu, g, cs);

    uint32_t params[32];
    uint64_t old_mask = cpu->stack_bits == 32 ? 0xffffffffull : 0xffffull;
    for (unsigned i = 0; i < g->params; i++) {
        params[i] = x86_read(cpu, SEG_SS, (s->regs[R_ESP] + (uint64_t)i * g->size) & old_mask,
                             g->size);
    }
    int idx = MMU_IDX_SUPER;   /* new_cpl < CPL <= 3 */
    x86_push_on(cpu, &ss, &esp, s->segs[SEG_SS].selector, g->size, idx, error);
    x86_push_on(cpu, &ss, &esp, s->regs[R_ESP], g->size, idx, error);
    for (unsigned i = g->params; i-- > 0;) {
        x86_push_on(cpu, &ss, &esp, params[i], g->size, idx, error);
    }
    x86_push_on(cpu, &ss, &esp, s->segs[SEG_CS].selector, g->size, idx, error);
    x86_push_on(cpu, &ss, &esp, cpu->next_rip, g->size, idx, error);

    x86_set_descriptor_accessed(cpu, ss.selector, &ssd);
    ss.type |= 1;
    s->segs[SEG_SS] = ss;
    s->regs[R_ESP] = esp;
    enter_target(cpu, g, d, new_cpl);
}

static void through_call_gate(X86Cpu *cpu, uint16_t gate_sel, const X86Descriptor *d8, bool call)
{
    bool lma = long_mode(cpu);
    X86Descriptor gd = *d8;
    if (lma && (!x86_read_descriptor(cpu, gate_sel, &gd, true) || ((gd.hi >> 40) & 0x1f) != 0)) {
        /* SDM 5.8.3.1: the upper 8 bytes must be in the table, their type field 0. */
        raise_sel(cpu, X86_EXC_GP, gate_sel);
    }
    CallGate g = decode_gate(&gd, lma);
    if (g.dpl < (unsigned)cpu->cpl || g.dpl < (gate_sel & 3u)) {
        raise_sel(cpu, X86_EXC_GP, gate_sel);
    }
    if (!g.present) {
        raise_sel(cpu, X86_EXC_NP, gate_sel);
    }
    X86Descriptor d;
    X86Segment cs;
    check_target(cpu, &g, call, &d, &cs);
    bool conforming = (cs.type & 4) != 0;
    if (!call) {
        check_entry(cpu, &g, &cs);
        enter_target(cpu, &g, &d, cpu->cpl);
    } else if (conforming || cs.dpl == (unsigned)cpu->cpl) {
        call_same_level(cpu, &g, &d, &cs);
    } else if (lma) {
        call_inner_long(cpu, &g, &d, &cs, cs.dpl);
    } else {
        call_inner_legacy(cpu, &g, &d, &cs, cs.dpl);
    }
}

void x86_far_system(X86Cpu *cpu, uint16_t sel, const X86Descriptor *d, bool call)
{
    bool lma = long_mode(cpu);
    switch ((d->lo >> 40) & 0xf) {
    case 0xc:       /* 32-bit call gate; 64-bit in IA-32e mode */
        through_call_gate(cpu, sel, d, call);
        return;
    case 0x4:       /* 16-bit call gate */
        if (!lma) {
            through_call_gate(cpu, sel, d, call);
            return;
        }
        break;
    case 0x5:       /* task gate */
    case 0x1:       /* available 16-bit TSS */
    case 0x9:       /* available 32-bit TSS */
        if (!lma) {  /* SDM 7.7: no task switching in IA-32e mode */
            x86_task_far(cpu, sel, d, call);
            return;
        }
        break;
    default:
        break;
    }
    raise_sel(cpu, X86_EXC_GP, sel);
}
