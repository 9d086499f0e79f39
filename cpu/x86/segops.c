/* Segment-register instructions: MOV to/from Sreg, LDS/LES/LSS/LFS/LGS, LAR/LSL/VERR/VERW, ARPL, FS/GS base. */
#include "cpu/x86/exec.h"
#include "cpu/x86/seg.h"

static bool protected_mode(const X86Cpu *cpu)
{
    return (cpu->s.cr0 & X86_CR0_PE) && !(cpu->s.rflags & X86_FLAG_VM);
}

/* MOV Sreg, r/m16 and MOV r/m, Sreg (SDM vol. 2 MOV). */
static void op_mov_sr(X86Cpu *cpu, const X86Insn *insn)
{
    unsigned sreg = insn->reg & 7;
    if (sreg >= X86_NR_SEGS) {
        x86_raise_ud(cpu);
    }
    bool to_sreg = x86_insn_row(insn)->operand[0] == X86_OPK_Sw;
    if (!to_sreg) {
        uint16_t sel = cpu->s.segs[sreg].selector;
        if (x86_insn_is_mem(insn)) {
            x86_write(cpu, insn->seg, x86_insn_ea(cpu, insn), sel, 2);
        } else {
            /* A register destination gets the selector zero-extended (P6 and later). */
            x86_reg_set(cpu, insn->rm, insn->opsize, true, sel);
        }
        return;
    }
    if (sreg == SEG_CS) {
        x86_raise_ud(cpu);
    }
    uint16_t sel = x86_insn_is_mem(insn) ? x86_read(cpu, insn->seg, x86_insn_ea(cpu, insn), 2)
                                         : x86_reg_get(cpu, insn->rm, 2, true);
    x86_load_data_segment(cpu, sreg, sel);
    if (sreg == SEG_SS) {
        /* SDM 6.8.3: no interrupt or debug trap between MOV SS and the next instruction. */
        cpu->s.events.interrupt_shadow |= X86_SHADOW_MOVSS;
        cpu->end_block = true;
    }
}

/* LDS/LES/LSS/LFS/LGS r, m16:16/32/64: offset first, then the selector. */
static void load_far_pointer(X86Cpu *cpu, const X86Insn *insn, int sreg)
{
    if (!x86_insn_is_mem(insn)) {
        x86_raise_ud(cpu);
    }
    uint64_t ea = x86_insn_ea(cpu, insn);
    uint64_t off = x86_read(cpu, insn->seg, ea, insn->opsize);
    uint16_t sel = x86_read(cpu, insn->seg, (ea + insn->opsize) & x86_size_mask(insn->addrsize), 2);
    x86_load_data_segment(cpu, sreg, sel);
    x86_reg_set(cpu, insn->reg, insn->opsize, true, off);
    if (sreg == SEG_SS) {
        cpu->end_block = true;
    }
}

static void op_les(X86Cpu *cpu, const X86Insn *insn) { load_far_pointer(cpu, insn, SEG_ES); }
static void op_lds(X86Cpu *cpu, const X86Insn *insn) { load_far_pointer(cpu, insn, SEG_DS); }
static void op_lss(X86Cpu *cpu, const X86Insn *insn) { load_far_pointer(cpu, insn, SEG_SS); }
static void op_lfs(X86Cpu *cpu, const X86Insn *insn) { load_far_pointer(cpu, insn, SEG_FS); }
static void op_lgs(X86Cpu *cpu, const X86Insn *insn) { load_far_pointer(cpu, insn, SEG_GS); }

/*
 * The descriptor LAR/LSL/VERR/VERW look at, if the selector is visible at
 * this CPL/RPL (SDM vol. 2 LAR: conforming code skips the DPL check).
 */
static bool visible_descriptor(X86Cpu *cpu, uint16_t sel, X86Descriptor *d, X86Segment *seg)
{
    if ((sel & ~3u) == 0 || !x86_read_descriptor(cpu, sel, d, false)) {
        return false;
    }
    x86_segment_from_descriptor(seg, sel, d, false);
    bool conforming_code = seg->s && (seg->type & 0xc) == 0xc;
    return conforming_code || (seg->dpl >= cpu->cpl && seg->dpl >= (sel & 3u));
}

static void set_zf(X86Cpu *cpu, bool zf)
{
    if (zf) {
        cpu->s.rflags |= X86_FLAG_ZF;
    } else {
        cpu->s.rflags &= ~(uint64_t)X86_FLAG_ZF;
    }
}

/* System descriptor types LAR (and LSL) accept; long mode allows fewer (SDM LAR table). */
static bool system_type_ok(const X86Cpu *cpu, unsigned type, bool for_lsl)
{
    bool lma = (cpu->s.msr.efer & X86_EFER_LMA) != 0;
    switch (type) {
    case 2: case 9: case 0xb:
        return true;                     /* LDT, available/busy 32/64-bit TSS */
    case 1: case 3:
        return !lma;                     /* 16-bit TSS */
    case 4: case 5: case 0xc:
        return !for_lsl && (!lma || type == 0xc);   /* call gates, task gate */
    default:
        return false;
    }
}

static uint16_t operand_selector(X86Cpu *cpu, const X86Insn *insn)
{
    return x86_insn_is_mem(insn) ? x86_read(cpu, insn->seg, x86_insn_ea(cpu, insn), 2)
                                 : x86_reg_get(cpu, insn->rm, 2, true);
}

static void op_lar(X86Cpu *cpu, const X86Insn *insn)
{
    if (!protected_mode(cpu)) {
        x86_raise_ud(cpu);
    }
    X86Descriptor d;
    X86Segment seg;
    uint16_t sel = operand_selector(cpu, insn);
    bool ok = visible_descriptor(cpu, sel, &d, &seg) && (seg.s || system_type_ok(cpu, seg.type, false));
    set_zf(cpu, ok);
    if (ok) {
        /* Access rights: descriptor bits 8-23 of the high dword, masked to 0x00f0ff00. */
        uint64_t rights = (d.lo >> 32) & 0x00f0ff00;
        x86_reg_set(cpu, insn->reg, insn->opsize, true, rights);
    }
}

static void op_lsl(X86Cpu *cpu, const X86Insn *insn)
{
    if (!protected_mode(cpu)) {
        x86_raise_ud(cpu);
    }
    X86Descriptor d;
    X86Segment seg;
    uint16_t sel = operand_selector(cpu, insn);
    bool ok = visible_descriptor(cpu, sel, &d, &seg) && (seg.s || system_type_ok(cpu, seg.type, true));
    set_zf(cpu, ok);
    if (ok) {
        x86_reg_set(cpu, insn->reg, insn->opsize, true, seg.limit);
    }
}

static void verify(X86Cpu *cpu, const X86Insn *insn, bool write)
{
    if (!protected_mode(cpu)) {
        x86_raise_ud(cpu);
    }
    X86Descriptor d;
    X86Segment seg;
    uint16_t sel = operand_selector(cpu, insn);
    bool ok = visible_descriptor(cpu, sel, &d, &seg) && seg.s;
    if (ok) {
        bool code = (seg.type & 8) != 0;
        ok = write ? !code && (seg.type & 2) : !code || (seg.type & 2);
    }
    set_zf(cpu, ok);
}

static void op_verr(X86Cpu *cpu, const X86Insn *insn) { verify(cpu, insn, false); }
static void op_verw(X86Cpu *cpu, const X86Insn *insn) { verify(cpu, insn, true); }

static void op_arpl(X86Cpu *cpu, const X86Insn *insn)
{
    if (!protected_mode(cpu)) {
        x86_raise_ud(cpu);
    }
    uint16_t dst = x86_opnd_read(cpu, insn, 0);
    uint16_t src = x86_opnd_read(cpu, insn, 1);
    if ((dst & 3) < (src & 3)) {
        x86_opnd_write(cpu, insn, 0, (dst & ~3u) | (src & 3));
        set_zf(cpu, true);
    } else {
        set_zf(cpu, false);
    }
}

/* RDFSBASE and friends: 64-bit mode with CR4.FSGSBASE (SDM vol. 2). */
static void check_fsgsbase(X86Cpu *cpu)
{
    if (!cpu->mode64 || !(cpu->s.cr4 & X86_CR4_FSGSBASE)) {
        x86_raise_ud(cpu);
    }
}

static void read_base(X86Cpu *cpu, const X86Insn *insn, int seg)
{
    check_fsgsbase(cpu);
    x86_reg_set(cpu, insn->rm, insn->opsize, true, cpu->s.segs[seg].base);
}

static void write_base(X86Cpu *cpu, const X86Insn *insn, int seg)
{
    check_fsgsbase(cpu);
    uint64_t v = x86_reg_get(cpu, insn->rm, insn->opsize, true);
    if ((uint64_t)((int64_t)(v << 16) >> 16) != v) {
        x86_raise_gp0(cpu);
    }
    cpu->s.segs[seg].base = v;
}

static void op_rdfsbase(X86Cpu *cpu, const X86Insn *insn) { read_base(cpu, insn, SEG_FS); }
static void op_rdgsbase(X86Cpu *cpu, const X86Insn *insn) { read_base(cpu, insn, SEG_GS); }
static void op_wrfsbase(X86Cpu *cpu, const X86Insn *insn) { write_base(cpu, insn, SEG_FS); }
static void op_wrgsbase(X86Cpu *cpu, const X86Insn *insn) { write_base(cpu, insn, SEG_GS); }

void x86_register_segops(X86Handler *t)
{
    t[X86_OP_MOV_SR] = op_mov_sr;
    t[X86_OP_LES] = op_les;
    t[X86_OP_LDS] = op_lds;
    t[X86_OP_LSS] = op_lss;
    t[X86_OP_LFS] = op_lfs;
    t[X86_OP_LGS] = op_lgs;
    t[X86_OP_LAR] = op_lar;
    t[X86_OP_LSL] = op_lsl;
    t[X86_OP_VERR] = op_verr;
    t[X86_OP_VERW] = op_verw;
    t[X86_OP_ARPL] = op_arpl;
    t[X86_OP_RDFSBASE] = op_rdfsbase;
    t[X86_OP_RDGSBASE] = op_rdgsbase;
    t[X86_OP_WRFSBASE] = op_wrfsbase;
    t[X86_OP_WRGSBASE] = op_wrgsbase;
}
