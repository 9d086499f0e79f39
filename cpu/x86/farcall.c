/* Far control transfers and privilege changes: far JMP/CALL/RET, IRET, INT n, SYSCALL/SYSRET, SYSENTER/SYSEXIT. */
#include "cpu/x86/exec.h"
#include "cpu/x86/farcall.h"
#include "cpu/x86/msr.h"

#include <stdio.h>

/*
 * Protected-mode far transfers, SDM vol. 2 JMP/CALL/RET/IRET and vol. 3A
 * 5.8.  Direct transfers to code segments (conforming or not) are here; a
 * selector naming a system descriptor goes to callgate.c (call gates, and
 * task gates and TSSs, which switch tasks in task.c).  IRET with NT returns
 * to the previous task (task.c); IRET into or inside virtual-8086 mode is
 * vm86.c's.
 */

static _Noreturn void unsupported(X86Cpu *cpu, const char *what)
{
    snprintf(cpu->error, sizeof(cpu->error), "%s is not supported yet (rip 0x%llx)", what,
             (unsigned long long)cpu->s.rip);
    cpu->stop = X86_STOP_ERROR;
    longjmp(*cpu->unwind, 2);
}

static bool protected_mode(const X86Cpu *cpu)
{
    return (cpu->s.cr0 & X86_CR0_PE) && !(cpu->s.rflags & X86_FLAG_VM);
}

static bool canonical(uint64_t v)
{
    return (uint64_t)((int64_t)(v << 16) >> 16) == v;
}

/* Far pointer operand: Ap (immediate) or Mp (offset of opsize bytes, then selector). */
static void far_pointer(X86Cpu *cpu, const X86Insn *insn, uint16_t *sel, uint64_t *off)
{
    if (x86_insn_row(insn)->operand[0] == X86_OPK_Ap) {
        *sel = insn->imm2;
        *off = (uint64_t)insn->imm & x86_size_mask(insn->opsize);
        return;
    }
    uint64_t ea = x86_insn_ea(cpu, insn);
    *off = x86_read(cpu, insn->seg, ea, insn->opsize);
    *sel = x86_read(cpu, insn->seg, (ea + insn->opsize) & x86_size_mask(insn->addrsize), 2);
}

/*
 * The descriptor a protected-mode far JMP/CALL names (SDM vol. 2 JMP "IF
 * far jump and in protected mode"): #GP(0) for a null selector,
 * #GP(selector) outside the table.  Returns false for a system descriptor
 * (a gate or a TSS).
 */
static bool read_far_target(X86Cpu *cpu, uint16_t sel, X86Descriptor *d, X86Segment *cs)
{
    if ((sel & ~3u) == 0) {
        x86_raise_gp0(cpu);
    }
    if (!x86_read_descriptor(cpu, sel, d, false)) {
        x86_raise(cpu, X86_EXC_GP, sel & 0xfffc);
    }
    x86_segment_from_descriptor(cs, sel, d, false);
    return cs->s;
}

/* Check a code-segment target of far JMP/CALL in protected mode. */
static void check_code_target(X86Cpu *cpu, uint16_t sel, uint64_t off, X86Segment *cs)
{
    if (!(cs->type & 8)) {
        x86_raise(cpu, X86_EXC_GP, sel & 0xfffc);
    }
    bool conforming = (cs->type & 4) != 0;
    if (conforming ? cs->dpl > cpu->cpl : ((sel & 3u) > (unsigned)cpu->cpl || cs->dpl != cpu->cpl)) {
        x86_raise(cpu, X86_EXC_GP, sel & 0xfffc);
    }
    if (!cs->present) {
        x86_raise(cpu, X86_EXC_NP, sel & 0xfffc);
    }
    bool target64 = (cpu->s.msr.efer & X86_EFER_LMA) && cs->l;
    if (target64 ? !canonical(off) : off > cs->limit) {
        x86_raise_gp0(cpu);
    }
}

static void far_jump_real(X86Cpu *cpu, uint16_t sel, uint64_t off)
{
    if (off > cpu->s.segs[SEG_CS].limit) {
        x86_raise_gp0(cpu);
    }
    x86_load_segment_real(cpu, SEG_CS, sel);
    cpu->next_rip = off;
    cpu->end_block = true;
}

static void op_jmpf(X86Cpu *cpu, const X86Insn *insn)
{
    uint16_t sel;
    uint64_t off;
    far_pointer(cpu, insn, &sel, &off);
    if (!protected_mode(cpu)) {
        far_jump_real(cpu, sel, off);
        return;
    }
    X86Descriptor d;
    X86Segment cs;
    if (!read_far_target(cpu, sel, &d, &cs)) {
        x86_far_system(cpu, sel, &d, false);
        return;
    }
    check_code_target(cpu, sel, off, &cs);
    x86_load_code_segment(cpu, sel, &d, cpu->cpl);
    cpu->next_rip = off;
}

/* Push CS then the return offset, both written before RSP changes. */
static void push_far_return(X86Cpu *cpu, unsigned size)
{
    uint64_t mask = cpu->stack_bits == 64 ? ~0ull : x86_size_mask(cpu->stack_bits / 8);
    uint64_t rsp = cpu->s.regs[R_ESP];
    uint64_t sp1 = (rsp - size) & mask, sp2 = (rsp - 2 * size) & mask;
    x86_probe_write(cpu, SEG_SS, sp2, size);
    x86_probe_write(cpu, SEG_SS, sp1, size);
    x86_write(cpu, SEG_SS, sp1, cpu->s.segs[SEG_CS].selector, size);
    x86_write(cpu, SEG_SS, sp2, cpu->next_rip, size);
    cpu->s.regs[R_ESP] = (rsp & ~mask) | sp2;
}

static void op_callf(X86Cpu *cpu, const X86Insn *insn)
{
    uint16_t sel;
    uint64_t off;
    far_pointer(cpu, insn, &sel, &off);
    if (!protected_mode(cpu)) {
        if (off > cpu->s.segs[SEG_CS].limit) {
            x86_raise_gp0(cpu);
        }
        push_far_return(cpu, insn->opsize);
        far_jump_real(cpu, sel, off);
        return;
    }
    X86Descriptor d;
    X86Segment cs;
    if (!read_far_target(cpu, sel, &d, &cs)) {
        x86_far_system(cpu, sel, &d, true);
        return;
    }
    check_code_target(cpu, sel, off, &cs);
    push_far_return(cpu, insn->opsize);
    x86_load_code_segment(cpu, sel, &d, cpu->cpl);
    cpu->next_rip = off;
}

/* Read `n` stack items of `size` bytes at SS:RSP + first*size without popping. */
static uint64_t stack_item(X86Cpu *cpu, unsigned i, unsigned size)
{
    uint64_t mask = cpu->stack_bits == 64 ? ~0ull : x86_size_mask(cpu->stack_bits / 8);
    return x86_read(cpu, SEG_SS, (cpu->s.regs[R_ESP] + (uint64_t)i * size) & mask, size);
}

static void adjust_rsp(X86Cpu *cpu, uint64_t bytes)
{
    uint64_t mask = cpu->stack_bits == 64 ? ~0ull : x86_size_mask(cpu->stack_bits / 8);
    uint64_t rsp = cpu->s.regs[R_ESP];
    cpu->s.regs[R_ESP] = (rsp & ~mask) | ((rsp + bytes) & mask);
}

/* SDM vol. 2 RET: data segments the outer level may not use become null. */
static void null_inaccessible_segments(X86Cpu *cpu)
{
    static const int segs[] = { SEG_ES, SEG_DS, SEG_FS, SEG_GS };
    for (unsigned i = 0; i < 4; i++) {
        X86Segment *s = &cpu->s.segs[segs[i]];
        bool conforming_code = (s->type & 0xc) == 0xc;
        if (!s->unusable && s->s && !conforming_code && s->dpl < cpu->cpl) {
            x86_load_null_segment(cpu, segs[i], 0);
        }
    }
}

/* Validate the CS of a far return / IRET to `rpl` and return its descriptor. */
static void check_return_cs(X86Cpu *cpu, uint16_t sel, X86Descriptor *d, X86Segment *cs)
{
    if ((sel & ~3u) == 0) {
        x86_raise_gp0(cpu);
    }
    if (!x86_read_descriptor(cpu, sel, d, false)) {
        x86_raise(cpu, X86_EXC_GP, sel & 0xfffc);
    }
    x86_segment_from_descriptor(cs, sel, d, false);
    unsigned rpl = sel & 3;
    bool conforming = (cs->type & 4) != 0;
    if (!cs->s || !(cs->type & 8) || rpl < (unsigned)cpu->cpl ||
        (conforming ? cs->dpl > rpl : cs->dpl != rpl)) {
        x86_raise(cpu, X86_EXC_GP, sel & 0xfffc);
    }
    if (!cs->present) {
        x86_raise(cpu, X86_EXC_NP, sel & 0xfffc);
    }
}

/* The SS of a return to an outer level (or any IRETQ from 64-bit mode). */
static void check_return_ss(X86Cpu *cpu, uint16_t sel, unsigned rpl, X86Descriptor *d,
                            X86Segment *ss, bool *null_ss)
{
    *null_ss = (sel & ~3u) == 0;
    if (*null_ss) {
        /* 64-bit mode allows a null SS when returning to a 64-bit CPL<3 (SDM IRET). */
        if (!(cpu->mode64 && rpl != 3)) {
            x86_raise_gp0(cpu);
        }
        return;
    }
    if (!x86_read_descriptor(cpu, sel, d, false)) {
        x86_raise(cpu, X86_EXC_GP, sel & 0xfffc);
    }
    x86_segment_from_descriptor(ss, sel, d, false);
    if ((sel & 3u) != rpl || ss->dpl != rpl || !ss->s || (ss->type & 8) || !(ss->type & 2)) {
        x86_raise(cpu, X86_EXC_GP, sel & 0xfffc);
    }
    if (!ss->present) {
        x86_raise(cpu, X86_EXC_SS, sel & 0xfffc);
    }
}

/* Load SS:RSP for a return to privilege `rpl`. */
static void load_return_stack(X86Cpu *cpu, uint16_t sel, unsigned rpl, X86Descriptor *d,
                              X86Segment *ss, bool null_ss, uint64_t rsp)
{
    if (null_ss) {
        x86_load_null_segment(cpu, SEG_SS, sel);
        cpu->s.segs[SEG_SS].dpl = rpl;
    } else {
        x86_set_descriptor_accessed(cpu, sel, d);
        *ss = (X86Segment){ 0 };
        x86_segment_from_descriptor(ss, sel, d, false);
        cpu->s.segs[SEG_SS] = *ss;
    }
    cpu->s.regs[R_ESP] = rsp;
    x86_cpu_mode_changed(cpu);
}

static void op_retf(X86Cpu *cpu, const X86Insn *insn)
{
    unsigned size = insn->opsize;
    uint64_t extra = x86_insn_row(insn)->operand[0] == X86_OPK_Iw ? (uint16_t)insn->imm : 0;
    uint64_t off = stack_item(cpu, 0, size);
    uint16_t sel = stack_item(cpu, 1, size);
    if (!protected_mode(cpu)) {
        if (off > cpu->s.segs[SEG_CS].limit) {
            x86_raise_gp0(cpu);
        }
        adjust_rsp(cpu, 2 * size + extra);
        far_jump_real(cpu, sel, off);
        return;
    }
    X86Descriptor d;
    X86Segment cs;
    check_return_cs(cpu, sel, &d, &cs);
    unsigned rpl = sel & 3;
    bool target64 = (cpu->s.msr.efer & X86_EFER_LMA) && cs.l;
    if (target64 ? !canonical(off) : off > cs.limit) {
        x86_raise_gp0(cpu);
    }
    if (rpl == (unsigned)cpu->cpl) {
        adjust_rsp(cpu, 2 * size + extra);
        x86_load_code_segment(cpu, sel, &d, rpl);
        cpu->next_rip = off;
        return;
    }
    /* Return to an outer privilege level: SS:RSP follow, after the Iw bytes. */
    uint64_t mask = cpu->stack_bits == 64 ? ~0ull : x86_size_mask(cpu->stack_bits / 8);
    uint64_t base = (cpu->s.regs[R_ESP] + 2 * size + extra) & mask;
    uint64_t new_rsp = x86_read(cpu, SEG_SS, base, size);
    uint16_t ss_sel = x86_read(cpu, SEG_SS, (base + size) & mask, size);
    X86Descriptor ssd;
    X86Segment ss;
    bool null_ss;
    check_return_ss(cpu, ss_sel, rpl, &ssd, &ss, &null_ss);
    x86_load_code_segment(cpu, sel, &d, rpl);
    load_return_stack(cpu, ss_sel, rpl, &ssd, &ss, null_ss,
                      (size == 8 ? new_rsp : new_rsp & x86_size_mask(size)) + extra);
    null_inaccessible_segments(cpu);
    cpu->next_rip = off;
}

/* IRET's flag rules (SDM vol. 2 IRET): what the popped value may change at this CPL. */
static void iret_set_flags(X86Cpu *cpu, uint64_t popped, unsigned size, unsigned old_cpl)
{
    uint64_t changeable = X86_FLAG_CF | X86_FLAG_PF | X86_FLAG_AF | X86_FLAG_ZF | X86_FLAG_SF |
                          X86_FLAG_TF | X86_FLAG_DF | X86_FLAG_OF | X86_FLAG_NT;
    unsigned iopl = (cpu->s.rflags >> 12) & 3;
    if (size >= 4) {
        changeable |= X86_FLAG_RF | X86_FLAG_AC | X86_FLAG_ID;
        if (old_cpl == 0) {
            changeable |= X86_FLAG_VIF | X86_FLAG_VIP;
        }
    }
    if (old_cpl == 0 || !protected_mode(cpu)) {
        changeable |= X86_FLAG_IOPL;
    }
    if (old_cpl <= iopl || !(cpu->s.cr0 & X86_CR0_PE)) {
        changeable |= X86_FLAG_IF;
    }
    changeable &= x86_size_mask(size);
    cpu->s.rflags = (cpu->s.rflags & ~changeable) | (popped & changeable) | X86_FLAG_FIXED;
}

static void op_iret(X86Cpu *cpu, const X86Insn *insn)
{
    unsigned size = insn->opsize;
    unsigned old_cpl = cpu->cpl;
    /* SDM vol. 2 IRET: virtual-8086 mode and task returns read no frame here. */
    if (cpu->s.rflags & X86_FLAG_VM) {
        x86_vm86_iret(cpu, size);
        return;
    }
    if (protected_mode(cpu) && (cpu->s.rflags & X86_FLAG_NT)) {
        if (cpu->s.msr.efer & X86_EFER_LMA) {
            x86_raise_gp0(cpu);   /* SDM 7.7: no task return in IA-32e mode */
        }
        x86_task_return(cpu);
        return;
    }
    uint64_t off = stack_item(cpu, 0, size);
    uint16_t sel = stack_item(cpu, 1, size);
    uint64_t flags = stack_item(cpu, 2, size);

    if (!protected_mode(cpu)) {
        if (off > cpu->s.segs[SEG_CS].limit) {
            x86_raise_gp0(cpu);
        }
        adjust_rsp(cpu, 3 * size);
        iret_set_flags(cpu, flags, size, 0);
        far_jump_real(cpu, sel, off);
        cpu->s.events.nmi_masked = 0;
        return;
    }
    if ((flags & X86_FLAG_VM) && size == 4 && old_cpl == 0 && !(cpu->s.msr.efer & X86_EFER_LMA)) {
        x86_iret_to_vm86(cpu);
        return;
    }
    X86Descriptor d;
    X86Segment cs;
    check_return_cs(cpu, sel, &d, &cs);
    unsigned rpl = sel & 3;
    bool target64 = (cpu->s.msr.efer & X86_EFER_LMA) && cs.l;
    if (target64 ? !canonical(off) : off > cs.limit) {
        x86_raise_gp0(cpu);
    }
    /* 64-bit mode always pops SS:RSP (SDM 6.14.3); other modes only on a privilege change. */
    if (cpu->mode64 || rpl != (unsigned)cpu->cpl) {
        uint64_t new_rsp = stack_item(cpu, 3, size);
        uint16_t ss_sel = stack_item(cpu, 4, size);
        X86Descriptor ssd;
        X86Segment ss;
        bool null_ss;
        check_return_ss(cpu, ss_sel, rpl, &ssd, &ss, &null_ss);
        iret_set_flags(cpu, flags, size, old_cpl);
        x86_load_code_segment(cpu, sel, &d, rpl);
        load_return_stack(cpu, ss_sel, rpl, &ssd, &ss, null_ss,
                          size == 8 ? new_rsp : new_rsp & x86_size_mask(size));
        if (rpl != old_cpl) {
            null_inaccessible_segments(cpu);
        }
    } else {
        adjust_rsp(cpu, 3 * size);
        iret_set_flags(cpu, flags, size, old_cpl);
        x86_load_code_segment(cpu, sel, &d, rpl);
    }
    cpu->s.events.nmi_masked = 0;   /* IRET ends NMI blocking (SDM 6.7.1) */
    cpu->next_rip = off;
}

/* ---- software interrupts ---- */

static void op_int(X86Cpu *cpu, const X86Insn *insn)
{
    if (cpu->s.rflags & X86_FLAG_VM) {
        if (cpu->s.cr4 & X86_CR4_VME) {
            if (x86_vm86_soft_int(cpu, insn->imm & 0xff)) {
                cpu->end_block = true;   /* through the 8086 program's own table */
                return;
            }
        } else if (((cpu->s.rflags >> 12) & 3) < 3) {
            x86_raise_gp0(cpu);   /* without VME, INT n in vm86 needs IOPL 3 */
        }
    }
    x86_deliver(cpu, insn->imm & 0xff, X86_NO_ERROR_CODE, true);
    cpu->next_rip = cpu->s.rip;
    cpu->end_block = true;
}

static void op_int3(X86Cpu *cpu, const X86Insn *insn)
{
    x86_deliver(cpu, X86_EXC_BP, X86_NO_ERROR_CODE, true);
    cpu->next_rip = cpu->s.rip;
    cpu->end_block = true;
}

static void op_into(X86Cpu *cpu, const X86Insn *insn)
{
    if (cpu->s.rflags & X86_FLAG_OF) {
        x86_deliver(cpu, X86_EXC_OF, X86_NO_ERROR_CODE, true);
        cpu->next_rip = cpu->s.rip;
        cpu->end_block = true;
    }
}

/* BOUND r, m: #BR when the signed index lies outside [lower, upper] (SDM vol. 2 BOUND). */
static void op_bound(X86Cpu *cpu, const X86Insn *insn)
{
    if (!x86_insn_is_mem(insn)) {
        x86_raise_ud(cpu);
    }
    unsigned size = insn->opsize;
    uint64_t ea = x86_insn_ea(cpu, insn);
    int64_t lower = x86_sext(x86_read(cpu, insn->seg, ea, size), size);
    int64_t upper = x86_sext(x86_read(cpu, insn->seg, (ea + size) & x86_size_mask(insn->addrsize), size), size);
    int64_t index = x86_sext(x86_reg_get(cpu, insn->reg, size, false), size);
    if (index < lower || index > upper) {
        x86_raise(cpu, X86_EXC_BR, X86_NO_ERROR_CODE);
    }
}

static void op_int1(X86Cpu *cpu, const X86Insn *insn)
{
    /* ICEBP: a trap-like #DB without the gate's DPL check, returning after the instruction. */
    cpu->s.rip = cpu->next_rip;
    x86_deliver(cpu, X86_EXC_DB, X86_NO_ERROR_CODE, false);
    cpu->next_rip = cpu->s.rip;
    cpu->end_block = true;
}

/* ---- fast system calls, SDM vol. 2 SYSCALL/SYSRET/SYSENTER/SYSEXIT ---- */

static void flat_segment(X86Segment *seg, uint16_t sel, bool code, bool code64, unsigned dpl)
{
    if (code) {
        x86_segment_flat_code(seg, sel, code64);
    } else {
        x86_segment_flat_data(seg, sel);
    }
    seg->dpl = dpl;
}

static void op_syscall(X86Cpu *cpu, const X86Insn *insn)
{
    X86State *s = &cpu->s;
    bool lma = (s->msr.efer & X86_EFER_LMA) != 0;
    if (!(s->msr.efer & X86_EFER_SCE) || (!cpu->mode64 && !cpu->vendor_amd)) {
        x86_raise_ud(cpu);   /* Intel: 64-bit mode only; AMD: compat and legacy too */
    }
    if (!lma) {
        unsupported(cpu, "SYSCALL in legacy mode");
    }
    uint16_t sel = (s->msr.star >> 32) & 0xfffc;
    uint64_t target = cpu->mode64 ? s->msr.lstar : s->msr.cstar;
    s->regs[R_ECX] = cpu->next_rip;
    s->regs[R_R11] = s->rflags & ~(uint64_t)X86_FLAG_RF;
    s->rflags &= ~(s->msr.fmask | X86_FLAG_RF);
    s->rflags |= X86_FLAG_FIXED;
    flat_segment(&s->segs[SEG_CS], sel, true, true, 0);
    flat_segment(&s->segs[SEG_SS], sel + 8, false, false, 0);
    x86_cpu_mode_changed(cpu);
    cpu->next_rip = target;
}

static void op_sysret(X86Cpu *cpu, const X86Insn *insn)
{
    X86State *s = &cpu->s;
    if (!(s->msr.efer & X86_EFER_SCE)) {
        x86_raise_ud(cpu);
    }
    if (!(s->msr.efer & X86_EFER_LMA) || cpu->cpl != 0) {
        if (!(s->msr.efer & X86_EFER_LMA)) {
            unsupported(cpu, "SYSRET in legacy mode");
        }
        x86_raise_gp0(cpu);
    }
    bool to64 = insn->opsize == 8;
    uint64_t rip = to64 ? s->regs[R_ECX] : (uint32_t)s->regs[R_ECX];
    /* Intel faults at CPL0 on a non-canonical RCX; AMD does not (it faults later, at CPL3). */
    if (to64 && !canonical(rip) && !cpu->vendor_amd) {
        x86_raise_gp0(cpu);
    }
    uint16_t base = (s->msr.star >> 48) & 0xffff;
    uint16_t cs_sel = (to64 ? base + 16 : base) | 3;
    s->rflags = (s->regs[R_R11] & 0x3c7fd7) | X86_FLAG_FIXED;
    flat_segment(&s->segs[SEG_CS], cs_sel, true, to64, 3);
    if (cpu->vendor_amd) {
        /* AMD loads only the selector; SS keeps its cached attributes (APM vol. 3 SYSRET). */
        s->segs[SEG_SS].selector = (base + 8) | 3;
        s->segs[SEG_SS].dpl = 3;
    } else {
        flat_segment(&s->segs[SEG_SS], (base + 8) | 3, false, false, 3);
    }
    x86_cpu_mode_changed(cpu);
    cpu->next_rip = rip;
}

static void op_sysenter(X86Cpu *cpu, const X86Insn *insn)
{
    X86State *s = &cpu->s;
    if (!(s->cr0 & X86_CR0_PE)) {
        x86_raise_gp0(cpu);
    }
    if (cpu->vendor_amd && (s->msr.efer & X86_EFER_LMA)) {
        x86_raise_ud(cpu);   /* AMD: SYSENTER is invalid in long mode */
    }
    uint16_t sel = s->msr.sysenter_cs & 0xfffc;
    if (sel == 0) {
        x86_raise_gp0(cpu);
    }
    bool lma = (s->msr.efer & X86_EFER_LMA) != 0;
    s->rflags &= ~(uint64_t)(X86_FLAG_VM | X86_FLAG_IF | X86_FLAG_RF);
    flat_segment(&s->segs[SEG_CS], sel, true, lma, 0);
    flat_segment(&s->segs[SEG_SS], sel + 8, false, false, 0);
    x86_cpu_mode_changed(cpu);
    s->regs[R_ESP] = lma ? s->msr.sysenter_esp : (uint32_t)s->msr.sysenter_esp;
    cpu->next_rip = lma ? s->msr.sysenter_eip : (uint32_t)s->msr.sysenter_eip;
}

static void op_sysexit(X86Cpu *cpu, const X86Insn *insn)
{
    X86State *s = &cpu->s;
    if (!(s->cr0 & X86_CR0_PE) || cpu->cpl != 0 || (s->msr.sysenter_cs & 0xfffc) == 0) {
        x86_raise_gp0(cpu);
    }
    if (cpu->vendor_amd && (s->msr.efer & X86_EFER_LMA)) {
        x86_raise_ud(cpu);
    }
    bool to64 = insn->opsize == 8;
    uint16_t base = s->msr.sysenter_cs & 0xfffc;
    uint16_t cs_sel = (to64 ? base + 32 : base + 16) | 3;
    uint16_t ss_sel = (to64 ? base + 40 : base + 24) | 3;
    uint64_t rip = to64 ? s->regs[R_EDX] : (uint32_t)s->regs[R_EDX];
    uint64_t rsp = to64 ? s->regs[R_ECX] : (uint32_t)s->regs[R_ECX];
    if (to64 && (!canonical(rip) || !canonical(rsp))) {
        x86_raise_gp0(cpu);
    }
    flat_segment(&s->segs[SEG_CS], cs_sel, true, to64, 3);
    flat_segment(&s->segs[SEG_SS], ss_sel, false, false, 3);
    s->regs[R_ESP] = rsp;
    x86_cpu_mode_changed(cpu);
    cpu->next_rip = rip;
}

static void op_swapgs(X86Cpu *cpu, const X86Insn *insn)
{
    if (!cpu->mode64) {
        x86_raise_ud(cpu);
    }
    if (cpu->cpl != 0) {
        x86_raise_gp0(cpu);
    }
    uint64_t t = cpu->s.segs[SEG_GS].base;
    cpu->s.segs[SEG_GS].base = cpu->s.msr.kernel_gs_base;
    cpu->s.msr.kernel_gs_base = t;
}

void x86_register_transfer(X86Handler *t)
{
    t[X86_OP_JMPF] = op_jmpf;
    t[X86_OP_CALLF] = op_callf;
    t[X86_OP_RETF] = op_retf;
    t[X86_OP_IRET] = op_iret;
    t[X86_OP_INT] = op_int;
    t[X86_OP_INT3] = op_int3;
    t[X86_OP_INTO] = op_into;
    t[X86_OP_INT1] = op_int1;
    t[X86_OP_BOUND] = op_bound;
    t[X86_OP_SYSCALL] = op_syscall;
    t[X86_OP_SYSRET] = op_sysret;
    t[X86_OP_SYSENTER] = op_sysenter;
    t[X86_OP_SYSEXIT] = op_sysexit;
    t[X86_OP_SWAPGS] = op_swapgs;
}
