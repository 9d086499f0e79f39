/* BMI1 and BMI2: ANDN BEXTR BLSI BLSMSK BLSR, BZHI MULX PDEP PEXT RORX SARX SHLX SHRX (VEX-encoded). */
#include "cpu/x86/exec.h"

#include "cpu/x86/cpuid.h"
#include "cpu/x86/hostalu.h"

/*
 * The VEX-encoded general-purpose instructions of SDM vol. 1 5.1.16.1 (TZCNT,
 * the other BMI1 instruction, is legacy-encoded and lives in bitops.c).  The
 * decoder has checked the encoding (VEX.L = 0, no 66/F2/F3/LOCK/REX before
 * VEX, VEX.vvvv = 1111b for RORX) and sized the operands: 32 bits, 64 with
 * VEX.W in 64-bit mode.  What it cannot check is done here first (SDM vol.
 * 2A 2.5.1, table 2-29, "Type 13" exceptions): #UD in real and virtual-8086
 * mode, #UD without the CPUID feature.  Destinations are always registers,
 * so loading the sources first is all precise exceptions need.
 *
 * The instructions that set flags run on the host (hostalu_bmi), so the
 * flags the SDM leaves undefined (AF and PF; SF of BEXTR) are this CPU's,
 * as under kvm; the rest change no flags and are computed here.
 */

enum { CPUID_7_EBX_BMI1 = 3, CPUID_7_EBX_BMI2 = 8 };

/* Bit `bit` of CPUID.(EAX=07H,ECX=0):EBX as the guest sees it. */
static bool guest_has_leaf7_ebx(const X86Cpu *cpu, unsigned bit)
{
    const X86CpuidEntry *e = cpu->cpuid ? x86_cpuid_find(cpu->cpuid, 7, 0) : NULL;
    return e && ((e->ebx >> bit) & 1);
}

/* Type 13 exceptions: real mode and virtual-8086 mode #UD, then the CPUID feature. */
static void check_vex_gpr(X86Cpu *cpu, unsigned feature_bit)
{
    if (!(cpu->s.cr0 & X86_CR0_PE) || (cpu->s.rflags & X86_FLAG_VM)) {
        x86_raise_ud(cpu);
    }
    if (!guest_has_leaf7_ebx(cpu, feature_bit)) {
        x86_raise_ud(cpu);
    }
}

static unsigned width_of(const X86Insn *insn)
{
    return 8 * x86_opnd_size(insn, 0);
}

/* ---- with flags: the host's instruction ---- */

/* Destination operand 0; sources as the row lists them (see hostalu.h for a and b). */
static void run_with_flags(X86Cpu *cpu, const X86Insn *insn, HostAluBmi op, unsigned feature,
                           int a_operand, int b_operand)
{
    check_vex_gpr(cpu, feature);
    uint64_t a = x86_opnd_read(cpu, insn, a_operand);
    uint64_t b = b_operand >= 0 ? x86_opnd_read(cpu, insn, b_operand) : 0;
    uint64_t flags = cpu->s.rflags;
    uint64_t r = hostalu_bmi(op, x86_opnd_size(insn, 0), a, b, &flags);
    x86_opnd_write(cpu, insn, 0, r);
    cpu->s.rflags = flags;
}

/* ANDN Gy, By, Ey: Gy = ~By & Ey */
static void op_andn(X86Cpu *cpu, const X86Insn *insn)
{
    run_with_flags(cpu, insn, HOSTALU_ANDN, CPUID_7_EBX_BMI1, 1, 2);
}

/* BEXTR Gy, Ey, By: By[7:0] is the start, By[15:8] the length */
static void op_bextr(X86Cpu *cpu, const X86Insn *insn)
{
    run_with_flags(cpu, insn, HOSTALU_BEXTR, CPUID_7_EBX_BMI1, 1, 2);
}

/* BLSI / BLSMSK / BLSR By, Ey (group 17) */
static void op_blsi(X86Cpu *cpu, const X86Insn *insn)
{
    run_with_flags(cpu, insn, HOSTALU_BLSI, CPUID_7_EBX_BMI1, 1, -1);
}

static void op_blsmsk(X86Cpu *cpu, const X86Insn *insn)
{
    run_with_flags(cpu, insn, HOSTALU_BLSMSK, CPUID_7_EBX_BMI1, 1, -1);
}

static void op_blsr(X86Cpu *cpu, const X86Insn *insn)
{
    run_with_flags(cpu, insn, HOSTALU_BLSR, CPUID_7_EBX_BMI1, 1, -1);
}

/* BZHI Gy, Ey, By: By[7:0] is the index */
static void op_bzhi(X86Cpu *cpu, const X86Insn *insn)
{
    run_with_flags(cpu, insn, HOSTALU_BZHI, CPUID_7_EBX_BMI2, 1, 2);
}

/* ---- without flags ---- */

/*
 * MULX Gy, By, Ey: rDX * Ey, unsigned; the low half to By, then the high
 * half to Gy, so that Gy = By gets the high half (SDM "MULX").
 */
static void op_mulx(X86Cpu *cpu, const X86Insn *insn)
{
    check_vex_gpr(cpu, CPUID_7_EBX_BMI2);
    uint64_t src = x86_opnd_read(cpu, insn, 2);
    uint64_t rdx = cpu->s.regs[R_EDX];
    uint64_t low, high;
    if (width_of(insn) == 64) {
        unsigned __int128 p = (unsigned __int128)rdx * src;
        low = (uint64_t)p;
        high = (uint64_t)(p >> 64);
    } else {
        uint64_t p = (rdx & 0xffffffff) * (src & 0xffffffff);
        low = p & 0xffffffff;
        high = p >> 32;
    }
    x86_opnd_write(cpu, insn, 1, low);
    x86_opnd_write(cpu, insn, 0, high);
}

/* PDEP: the low bits of src, in order, to the positions of the set bits of mask. */
static uint64_t deposit_bits(uint64_t src, uint64_t mask)
{
    uint64_t r = 0;
    for (uint64_t k = 1; mask; k <<= 1) {
        uint64_t lowest = mask & -mask;
        if (src & k) {
            r |= lowest;
        }
        mask &= mask - 1;
    }
    return r;
}

/* PEXT: the bits of src at the set bits of mask, packed into the low bits. */
static uint64_t extract_bits(uint64_t src, uint64_t mask)
{
    uint64_t r = 0;
    for (uint64_t k = 1; mask; k <<= 1) {
        uint64_t lowest = mask & -mask;
        if (src & lowest) {
            r |= k;
        }
        mask &= mask - 1;
    }
    return r;
}

/* PDEP / PEXT Gy, By, Ey: By is the source, Ey the mask (SDM "PDEP", "PEXT") */
static void op_pdep(X86Cpu *cpu, const X86Insn *insn)
{
    check_vex_gpr(cpu, CPUID_7_EBX_BMI2);
    uint64_t src = x86_opnd_read(cpu, insn, 1);
    uint64_t mask = x86_opnd_read(cpu, insn, 2);
    x86_opnd_write(cpu, insn, 0, deposit_bits(src, mask));
}

static void op_pext(X86Cpu *cpu, const X86Insn *insn)
{
    check_vex_gpr(cpu, CPUID_7_EBX_BMI2);
    uint64_t src = x86_opnd_read(cpu, insn, 1);
    uint64_t mask = x86_opnd_read(cpu, insn, 2);
    x86_opnd_write(cpu, insn, 0, extract_bits(src, mask));
}

/* RORX Gy, Ey, Ib: the count is imm8 masked to 5 (6 with 64 bits) bits */
static void op_rorx(X86Cpu *cpu, const X86Insn *insn)
{
    check_vex_gpr(cpu, CPUID_7_EBX_BMI2);
    unsigned bits = width_of(insn);
    uint64_t v = x86_opnd_read(cpu, insn, 1);
    unsigned n = (unsigned)insn->imm & (bits - 1);
    uint64_t r = n ? (v >> n) | (v << (bits - n)) : v;
    x86_opnd_write(cpu, insn, 0, r & x86_size_mask(bits / 8));
}

typedef enum { SHIFT_SAR, SHIFT_SHL, SHIFT_SHR } ShiftKind;

/* SARX / SHLX / SHRX Gy, Ey, By: the count is By masked to 5 (6 with 64 bits) bits */
static void shift_x(X86Cpu *cpu, const X86Insn *insn, ShiftKind kind)
{
    check_vex_gpr(cpu, CPUID_7_EBX_BMI2);
    unsigned bits = width_of(insn);
    uint64_t v = x86_opnd_read(cpu, insn, 1);
    unsigned n = (unsigned)x86_opnd_read(cpu, insn, 2) & (bits - 1);
    uint64_t r;
    switch (kind) {
    case SHIFT_SAR: r = (uint64_t)(x86_sext(v, bits / 8) >> n); break;
    case SHIFT_SHL: r = v << n; break;
    default: r = v >> n; break;
    }
    x86_opnd_write(cpu, insn, 0, r & x86_size_mask(bits / 8));
}

static void op_sarx(X86Cpu *cpu, const X86Insn *insn) { shift_x(cpu, insn, SHIFT_SAR); }
static void op_shlx(X86Cpu *cpu, const X86Insn *insn) { shift_x(cpu, insn, SHIFT_SHL); }
static void op_shrx(X86Cpu *cpu, const X86Insn *insn) { shift_x(cpu, insn, SHIFT_SHR); }

void x86_register_bmi(X86Handler *table)
{
    table[X86_OP_ANDN] = op_andn;
    table[X86_OP_BEXTR] = op_bextr;
    table[X86_OP_BLSI] = op_blsi;
    table[X86_OP_BLSMSK] = op_blsmsk;
    table[X86_OP_BLSR] = op_blsr;
    table[X86_OP_BZHI] = op_bzhi;
    table[X86_OP_MULX] = op_mulx;
    table[X86_OP_PDEP] = op_pdep;
    table[X86_OP_PEXT] = op_pext;
    table[X86_OP_RORX] = op_rorx;
    table[X86_OP_SARX] = op_sarx;
    table[X86_OP_SHLX] = op_shlx;
    table[X86_OP_SHRX] = op_shrx;
}
