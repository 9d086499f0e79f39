/* System instructions: control and debug registers, MSRs, descriptor tables, CLI/STI, cache control. */
#include "cpu/x86/exec.h"
#include "cpu/x86/msr.h"
#include "cpu/x86/seg.h"

#include "ui/log.h"

void x86_register_transfer(X86Handler *table);   /* farcall.c */
void x86_register_segops(X86Handler *table);     /* segops.c */

static void require_cpl0(X86Cpu *cpu)
{
    if (cpu->cpl != 0) {
        x86_raise_gp0(cpu);
    }
}

static bool protected_mode(const X86Cpu *cpu)
{
    return (cpu->s.cr0 & X86_CR0_PE) && !(cpu->s.rflags & X86_FLAG_VM);
}

/*
 * ---- CLI/STI, SDM vol. 2 CLI/STI ----
 * IF changes where IOPL allows it.  Otherwise the virtual-mode extensions
 * (CR4.VME in virtual-8086 mode, CR4.PVI at CPL3 in protected mode, SDM
 * vol. 3A 20.3-20.4) change VIF instead, STI faulting while VIP is set;
 * without them it is #GP(0).
 */

static unsigned iopl(const X86Cpu *cpu)
{
    return (cpu->s.rflags >> 12) & 3;
}

static bool may_change_if(const X86Cpu *cpu)
{
    if (!(cpu->s.cr0 & X86_CR0_PE)) {
        return true;
    }
    return (cpu->s.rflags & X86_FLAG_VM) ? iopl(cpu) == 3 : (unsigned)cpu->cpl <= iopl(cpu);
}

static bool virtual_interrupts(const X86Cpu *cpu)
{
    if (cpu->s.rflags & X86_FLAG_VM) {
        return (cpu->s.cr4 & X86_CR4_VME) != 0;
    }
    return (cpu->s.cr0 & X86_CR0_PE) && cpu->cpl == 3 && (cpu->s.cr4 & X86_CR4_PVI);
}

static void op_cli(X86Cpu *cpu, const X86Insn *insn)
{
    if (may_change_if(cpu)) {
        cpu->s.rflags &= ~(uint64_t)X86_FLAG_IF;
    } else if (virtual_interrupts(cpu)) {
        cpu->s.rflags &= ~(uint64_t)X86_FLAG_VIF;
    } else {
        x86_raise_gp0(cpu);
    }
}

static void op_sti(X86Cpu *cpu, const X86Insn *insn)
{
    if (!may_change_if(cpu)) {
        if (!virtual_interrupts(cpu) || (cpu->s.rflags & X86_FLAG_VIP)) {
            x86_raise_gp0(cpu);
        }
        cpu->s.rflags |= X86_FLAG_VIF;
        return;
    }
    /* SDM STI: interrupts stay blocked until after the next instruction. */
    if (!(cpu->s.rflags & X86_FLAG_IF)) {
        cpu->s.events.interrupt_shadow |= X86_SHADOW_STI;
    }
    cpu->s.rflags |= X86_FLAG_IF;
    cpu->end_block = true;   /* the loop looks at interrupts again */
}

/* ---- control registers, SDM vol. 3A 2.5 and vol. 2 MOV CR ---- */

#define CR4_SUPPORTED (X86_CR4_VME | X86_CR4_PVI | X86_CR4_TSD | X86_CR4_DE | X86_CR4_PSE | \
                       X86_CR4_PAE | X86_CR4_MCE | X86_CR4_PGE | X86_CR4_PCE | X86_CR4_OSFXSR | \
                       X86_CR4_OSXMMEXCPT | X86_CR4_UMIP | X86_CR4_FSGSBASE | X86_CR4_OSXSAVE | \
                       X86_CR4_SMEP | X86_CR4_SMAP)

static void write_cr0(X86Cpu *cpu, uint64_t v)
{
    X86State *s = &cpu->s;
    if (v >> 32) {
        x86_raise_gp0(cpu);
    }
    v |= X86_CR0_ET;   /* hardwired to 1 since the 486 */
    if ((v & X86_CR0_PG) && !(v & X86_CR0_PE)) {
        x86_raise_gp0(cpu);
    }
    if ((v & X86_CR0_NW) && !(v & X86_CR0_CD)) {
        x86_raise_gp0(cpu);
    }
    bool paging_on = (v & X86_CR0_PG) && !(s->cr0 & X86_CR0_PG);
    bool paging_off = !(v & X86_CR0_PG) && (s->cr0 & X86_CR0_PG);
    if (paging_on && (s->msr.efer & X86_EFER_LME)) {
        /* Activating IA-32e mode (SDM 9.8.5): needs PAE, and not from a 64-bit CS. */
        if (!(s->cr4 & X86_CR4_PAE) || s->segs[SEG_CS].l) {
            x86_raise_gp0(cpu);
        }
        s->msr.efer |= X86_EFER_LMA;
    }
    if (paging_off) {
        if (cpu->mode64) {
            x86_raise_gp0(cpu);
        }
        s->msr.efer &= ~(uint64_t)X86_EFER_LMA;
    }
    s->cr0 = v;
    x86_cpu_mode_changed(cpu);
}

static void write_cr3(X86Cpu *cpu, uint64_t v)
{
    /* Bits above MAXPHYADDR (40) are reserved in long mode; PCID is not advertised. */
    if ((cpu->s.msr.efer & X86_EFER_LMA) && (v >> 40)) {
        x86_raise_gp0(cpu);
    }
    cpu->s.cr3 = (cpu->s.msr.efer & X86_EFER_LMA) ? v : (uint32_t)v;
    cpu->mmu.cr3 = cpu->s.cr3;
    /* SDM 4.10.4.1: MOV to CR3 flushes all but global translations (all, without PGE). */
    tlb_flush_nonglobal(&cpu->tlb);
    cpu->end_block = true;
}

static void write_cr4(X86Cpu *cpu, uint64_t v)
{
    X86State *s = &cpu->s;
    if (v & ~(uint64_t)CR4_SUPPORTED) {
        x86_raise_gp0(cpu);
    }
    if ((s->msr.efer & X86_EFER_LMA) && !(v & X86_CR4_PAE)) {
        x86_raise_gp0(cpu);
    }
    s->cr4 = v;
    x86_cpu_mode_changed(cpu);
}

static void op_mov_cr(X86Cpu *cpu, const X86Insn *insn)
{
    unsigned cr = insn->reg;
    bool to_cr = x86_insn_row(insn)->operand[0] == X86_OPK_Cd;
    unsigned size = cpu->mode64 ? 8 : 4;
    if (cr != 0 && cr != 2 && cr != 3 && cr != 4 && !(cr == 8 && cpu->mode64)) {
        x86_raise_ud(cpu);
    }
    require_cpl0(cpu);
    X86State *s = &cpu->s;
    if (cr == 8 && cpu->platform) {
        s->cr8 = cpu->platform->tpr_read(cpu->platform->opaque);
    }
    if (!to_cr) {
        uint64_t v = cr == 0 ? s->cr0 : cr == 2 ? s->cr2 : cr == 3 ? s->cr3 : cr == 4 ? s->cr4 : s->cr8;
        x86_reg_set(cpu, insn->rm, size, true, v);
        return;
    }
    uint64_t v = x86_reg_get(cpu, insn->rm, size, true);
    switch (cr) {
    case 0: write_cr0(cpu, v); break;
    case 2: s->cr2 = v; break;
    case 3: write_cr3(cpu, v); break;
    case 4: write_cr4(cpu, v); break;
    case 8:
        if (v >> 4) {
            x86_raise_gp0(cpu);
        }
        s->cr8 = v;   /* TPR[7:4] (SDM vol. 3A 10.8.6.1) */
        if (cpu->platform) {
            cpu->platform->tpr_write(cpu->platform->opaque, v);
        }
        cpu->irq_check = 1;   /* a lower priority may let an interrupt through */
        cpu->end_block = true;
        break;
    }
}

static void op_lmsw(X86Cpu *cpu, const X86Insn *insn)
{
    require_cpl0(cpu);
    uint64_t v = x86_opnd_read(cpu, insn, 0) & 0xf;
    /* LMSW changes PE, MP, EM, TS only, and cannot clear PE. */
    uint64_t cr0 = (cpu->s.cr0 & ~0xeull) | v | (cpu->s.cr0 & X86_CR0_PE);
    write_cr0(cpu, cr0);
}

static void check_umip(X86Cpu *cpu)
{
    if ((cpu->s.cr4 & X86_CR4_UMIP) && cpu->cpl > 0) {
        x86_raise_gp0(cpu);
    }
}

static void op_smsw(X86Cpu *cpu, const X86Insn *insn)
{
    check_umip(cpu);
    if (x86_insn_is_mem(insn)) {
        x86_write(cpu, insn->seg, x86_insn_ea(cpu, insn), cpu->s.cr0 & 0xffff, 2);
    } else {
        x86_reg_set(cpu, insn->rm, insn->opsize, true, cpu->s.cr0);
    }
}

static void op_clts(X86Cpu *cpu, const X86Insn *insn)
{
    require_cpl0(cpu);
    cpu->s.cr0 &= ~(uint64_t)X86_CR0_TS;
}

/* ---- debug registers, SDM vol. 3A 17.2 (breakpoints themselves: not yet acted on) ---- */

static void op_mov_dr(X86Cpu *cpu, const X86Insn *insn)
{
    unsigned dr = insn->reg;
    bool to_dr = x86_insn_row(insn)->operand[0] == X86_OPK_Dd;
    unsigned size = cpu->mode64 ? 8 : 4;
    if (dr > 7) {
        x86_raise_ud(cpu);
    }
    if ((dr == 4 || dr == 5) && (cpu->s.cr4 & X86_CR4_DE)) {
        x86_raise_ud(cpu);
    }
    require_cpl0(cpu);
    if (dr == 4 || dr == 5) {
        dr += 2;   /* aliases of DR6/DR7 when CR4.DE = 0 */
    }
    X86State *s = &cpu->s;
    if (!to_dr) {
        uint64_t v = dr < 4 ? s->dr[dr] : dr == 6 ? s->dr6 : s->dr7;
        x86_reg_set(cpu, insn->rm, size, true, v);
        return;
    }
    uint64_t v = x86_reg_get(cpu, insn->rm, size, true);
    if (dr < 4) {
        s->dr[dr] = v;
    } else if (dr == 6) {
        if (v >> 32) {
            x86_raise_gp0(cpu);
        }
        s->dr6 = (v & 0x1e00f) | 0xffff0ff0;
    } else {
        if (v >> 32) {
            x86_raise_gp0(cpu);
        }
        s->dr7 = (v & 0xffff2fff) | 0x400;
    }
}

/* ---- MSRs ---- */

static void op_rdmsr(X86Cpu *cpu, const X86Insn *insn)
{
    require_cpl0(cpu);
    uint64_t v;
    uint32_t index = cpu->s.regs[R_ECX];
    if (!x86_msr_read(cpu, index, &v)) {
        log_mask(LOG_UNIMP, "rdmsr 0x%x: unknown MSR, #GP\n", index);
        x86_raise_gp0(cpu);
    }
    cpu->s.regs[R_EAX] = (uint32_t)v;
    cpu->s.regs[R_EDX] = v >> 32;
}

static void op_wrmsr(X86Cpu *cpu, const X86Insn *insn)
{
    require_cpl0(cpu);
    uint32_t index = cpu->s.regs[R_ECX];
    uint64_t v = ((uint64_t)(uint32_t)cpu->s.regs[R_EDX] << 32) | (uint32_t)cpu->s.regs[R_EAX];
    if (!x86_msr_write(cpu, index, v)) {
        log_mask(LOG_UNIMP, "wrmsr 0x%x value 0x%llx: refused, #GP\n", index, (unsigned long long)v);
        x86_raise_gp0(cpu);
    }
    cpu->end_block = true;
}

/* ---- descriptor tables ---- */

/* LGDT/LIDT operand: limit (2 bytes) then base (3 bytes with 16-bit operand size, 4, or 8 in 64-bit mode). */
static X86DescTable read_table_operand(X86Cpu *cpu, const X86Insn *insn)
{
    uint64_t ea = x86_insn_ea(cpu, insn);
    X86DescTable t;
    t.limit = x86_read(cpu, insn->seg, ea, 2);
    uint64_t base_ea = (ea + 2) & x86_size_mask(insn->addrsize);
    if (cpu->mode64) {
        t.base = x86_read(cpu, insn->seg, base_ea, 8);
    } else {
        t.base = x86_read(cpu, insn->seg, base_ea, 4);
        if (insn->opsize == 2) {
            t.base &= 0xffffff;
        }
    }
    return t;
}

static void write_table_operand(X86Cpu *cpu, const X86Insn *insn, const X86DescTable *t)
{
    uint64_t ea = x86_insn_ea(cpu, insn);
    unsigned base_size = cpu->mode64 ? 8 : 4;
    x86_probe_write(cpu, insn->seg, ea, 2 + base_size);
    x86_write(cpu, insn->seg, ea, t->limit, 2);
    x86_write(cpu, insn->seg, (ea + 2) & x86_size_mask(insn->addrsize), t->base, base_size);
}

static void op_lgdt(X86Cpu *cpu, const X86Insn *insn)
{
    require_cpl0(cpu);
    X86DescTable t = read_table_operand(cpu, insn);
    if (cpu->mode64 && (uint64_t)((int64_t)(t.base << 16) >> 16) != t.base) {
        x86_raise_gp0(cpu);
    }
    cpu->s.gdtr = t;
}

static void op_lidt(X86Cpu *cpu, const X86Insn *insn)
{
    require_cpl0(cpu);
    X86DescTable t = read_table_operand(cpu, insn);
    if (cpu->mode64 && (uint64_t)((int64_t)(t.base << 16) >> 16) != t.base) {
        x86_raise_gp0(cpu);
    }
    cpu->s.idtr = t;
}

static void op_sgdt(X86Cpu *cpu, const X86Insn *insn)
{
    check_umip(cpu);
    write_table_operand(cpu, insn, &cpu->s.gdtr);
}

static void op_sidt(X86Cpu *cpu, const X86Insn *insn)
{
    check_umip(cpu);
    write_table_operand(cpu, insn, &cpu->s.idtr);
}

/* Store a selector: 16 bits to memory, zero-extended to the operand size in a register. */
static void store_selector(X86Cpu *cpu, const X86Insn *insn, uint16_t sel)
{
    if (x86_insn_is_mem(insn)) {
        x86_write(cpu, insn->seg, x86_insn_ea(cpu, insn), sel, 2);
    } else {
        x86_reg_set(cpu, insn->rm, insn->opsize, true, sel);
    }
}

static void op_sldt(X86Cpu *cpu, const X86Insn *insn)
{
    if (!protected_mode(cpu)) {
        x86_raise_ud(cpu);
    }
    check_umip(cpu);
    store_selector(cpu, insn, cpu->s.ldtr.selector);
}

static void op_str(X86Cpu *cpu, const X86Insn *insn)
{
    if (!protected_mode(cpu)) {
        x86_raise_ud(cpu);
    }
    check_umip(cpu);
    store_selector(cpu, insn, cpu->s.tr.selector);
}

/* Read a system descriptor for LLDT/LTR: GDT only, 16 bytes in long mode. */
static X86Descriptor system_descriptor(X86Cpu *cpu, uint16_t sel, X86Segment *seg)
{
    X86Descriptor d;
    bool lma = (cpu->s.msr.efer & X86_EFER_LMA) != 0;
    if ((sel & 4) || !x86_read_descriptor(cpu, sel, &d, lma)) {
        x86_raise(cpu, X86_EXC_GP, sel & 0xfffc);
    }
    x86_segment_from_descriptor(seg, sel, &d, lma);
    if (lma && ((d.hi >> 40) & 0x1f) != 0) {
        x86_raise(cpu, X86_EXC_GP, sel & 0xfffc);   /* the upper type field must be 0 */
    }
    return d;
}

static void op_lldt(X86Cpu *cpu, const X86Insn *insn)
{
    if (!protected_mode(cpu)) {
        x86_raise_ud(cpu);
    }
    require_cpl0(cpu);
    uint16_t sel = x86_opnd_read(cpu, insn, 0);
    if ((sel & ~3u) == 0) {
        cpu->s.ldtr = (X86Segment){ .selector = sel, .unusable = 1 };
        return;
    }
    X86Segment seg;
    system_descriptor(cpu, sel, &seg);
    if (seg.s || seg.type != 2) {
        x86_raise(cpu, X86_EXC_GP, sel & 0xfffc);
    }
    if (!seg.present) {
        x86_raise(cpu, X86_EXC_NP, sel & 0xfffc);
    }
    cpu->s.ldtr = seg;
}

static void op_ltr(X86Cpu *cpu, const X86Insn *insn)
{
    if (!protected_mode(cpu)) {
        x86_raise_ud(cpu);
    }
    require_cpl0(cpu);
    uint16_t sel = x86_opnd_read(cpu, insn, 0);
    if ((sel & ~3u) == 0) {
        x86_raise_gp0(cpu);
    }
    X86Segment seg;
    X86Descriptor d = system_descriptor(cpu, sel, &seg);
    bool lma = (cpu->s.msr.efer & X86_EFER_LMA) != 0;
    /* An available TSS: 32/64-bit (9), or 16-bit (1) outside long mode. */
    if (seg.s || !(seg.type == 9 || (seg.type == 1 && !lma))) {
        x86_raise(cpu, X86_EXC_GP, sel & 0xfffc);
    }
    if (!seg.present) {
        x86_raise(cpu, X86_EXC_NP, sel & 0xfffc);
    }
    /* Mark it busy in the GDT (type bit 1). */
    d.lo |= 1ull << 41;
    x86_write_system(cpu, cpu->s.gdtr.base + (sel & ~7u) + 5, (d.lo >> 40) & 0xff, 1);
    seg.type |= 2;
    cpu->s.tr = seg;
}

/* ---- cache and TLB control ---- */

static void op_invlpg(X86Cpu *cpu, const X86Insn *insn)
{
    require_cpl0(cpu);
    uint64_t ea = x86_insn_ea(cpu, insn);
    uint64_t la = cpu->mode64 ? ea + (insn->seg >= SEG_FS ? cpu->s.segs[insn->seg].base : 0)
                              : (uint32_t)(cpu->s.segs[insn->seg].base + ea);
    tlb_flush_page(&cpu->tlb, la);
    cpu->end_block = true;
}

static void op_invd(X86Cpu *cpu, const X86Insn *insn)
{
    require_cpl0(cpu);   /* no caches to drop: memory is always coherent here */
}

static void op_clac(X86Cpu *cpu, const X86Insn *insn)
{
    if (cpu->cpl > 0) {
        x86_raise_ud(cpu);
    }
    cpu->s.rflags &= ~(uint64_t)X86_FLAG_AC;
}

static void op_stac(X86Cpu *cpu, const X86Insn *insn)
{
    if (cpu->cpl > 0) {
        x86_raise_ud(cpu);
    }
    cpu->s.rflags |= X86_FLAG_AC;
}

void x86_register_system(X86Handler *t)
{
    t[X86_OP_CLI] = op_cli;
    t[X86_OP_STI] = op_sti;
    t[X86_OP_MOV_CR] = op_mov_cr;
    t[X86_OP_LMSW] = op_lmsw;
    t[X86_OP_SMSW] = op_smsw;
    t[X86_OP_CLTS] = op_clts;
    t[X86_OP_MOV_DR] = op_mov_dr;
    t[X86_OP_RDMSR] = op_rdmsr;
    t[X86_OP_WRMSR] = op_wrmsr;
    t[X86_OP_LGDT] = op_lgdt;
    t[X86_OP_LIDT] = op_lidt;
    t[X86_OP_SGDT] = op_sgdt;
    t[X86_OP_SIDT] = op_sidt;
    t[X86_OP_SLDT] = op_sldt;
    t[X86_OP_STR] = op_str;
    t[X86_OP_LLDT] = op_lldt;
    t[X86_OP_LTR] = op_ltr;
    t[X86_OP_INVLPG] = op_invlpg;
    t[X86_OP_INVD] = op_invd;
    t[X86_OP_WBINVD] = op_invd;
    t[X86_OP_CLAC] = op_clac;
    t[X86_OP_STAC] = op_stac;
    x86_register_transfer(t);
    x86_register_segops(t);
}
