/* Bit and byte operations: BT BTS BTR BTC, BSF BSR, POPCNT LZCNT TZCNT, BSWAP, CRC32. */
#include "cpu/x86/exec.h"

#include "cpu/x86/cpuid.h"
#include "cpu/x86/hostalu.h"

/* Bit `bit` of register `reg` (0 EAX .. 3 EDX) of the guest's CPUID leaf `leaf`, sub-leaf 0. */
static bool guest_cpuid_bit(const X86Cpu *cpu, uint32_t leaf, unsigned reg, unsigned bit)
{
    if (!cpu->cpuid) {
        return false;
    }
    const X86CpuidEntry *e = x86_cpuid_find(cpu->cpuid, leaf, 0);
    if (!e) {
        return false;
    }
    uint32_t regs[4] = { e->eax, e->ebx, e->ecx, e->edx };
    return (regs[reg] >> bit) & 1;
}

/* ---- BT, BTS, BTR, BTC ---- */

/*
 * SDM vol. 2A "BT" (and BTS/BTR/BTC): with a register bit offset and a
 * memory operand, the offset is a signed operand-size integer and selects a
 * bit anywhere in [-2^31, 2^31) (or the 16/64-bit range) of the bit string
 * that starts at the effective address: the access is the operand-size unit
 * at EA + size * (offset SAR log2(8 * size)), in address-size arithmetic,
 * and the bit within it is offset mod (8 * size).  An immediate offset, and
 * any offset on a register operand, is taken modulo the operand width.
 */
static uint64_t bit_string_address(const X86Cpu *cpu, const X86Insn *insn, unsigned size,
                                   uint64_t offset, bool offset_from_register)
{
    uint64_t ea = x86_insn_ea(cpu, insn);
    if (!offset_from_register) {
        return ea;
    }
    int shift = __builtin_ctz(8 * size);
    int64_t unit = x86_sext(offset, size) >> shift;
    return (ea + (uint64_t)unit * size) & x86_size_mask(insn->addrsize);
}

static void bit_test(X86Cpu *cpu, const X86Insn *insn, HostAluBitTest op)
{
    unsigned size = x86_opnd_size(insn, 0);
    bool offset_from_register = x86_insn_row(insn)->operand[1] != X86_OPK_Ib;
    uint64_t offset = x86_opnd_read(cpu, insn, 1);
    uint64_t bit = offset & (8 * size - 1);
    bool writes = op != HOSTALU_BT;
    uint64_t flags = cpu->s.rflags;
    if (!x86_insn_is_mem(insn)) {
        uint64_t value = x86_opnd_read(cpu, insn, 0);
        uint64_t result = hostalu_bit_test(op, size, value, bit, &flags);
        if (writes) {
            x86_opnd_write(cpu, insn, 0, result);
        }
        cpu->s.rflags = flags;
        return;
    }
    uint64_t addr = bit_string_address(cpu, insn, size, offset, offset_from_register);
    if (writes) {
        x86_probe_write(cpu, insn->seg, addr, size);
    }
    uint64_t value = x86_read(cpu, insn->seg, addr, size);
    uint64_t result = hostalu_bit_test(op, size, value, bit, &flags);
    if (writes) {
        x86_write(cpu, insn->seg, addr, result, size);
    }
    cpu->s.rflags = flags;
}

static void op_bt(X86Cpu *cpu, const X86Insn *insn) { bit_test(cpu, insn, HOSTALU_BT); }
static void op_bts(X86Cpu *cpu, const X86Insn *insn) { bit_test(cpu, insn, HOSTALU_BTS); }
static void op_btr(X86Cpu *cpu, const X86Insn *insn) { bit_test(cpu, insn, HOSTALU_BTR); }
static void op_btc(X86Cpu *cpu, const X86Insn *insn) { bit_test(cpu, insn, HOSTALU_BTC); }

/* ---- scans and counts: Gv, Ev ---- */

/*
 * The destination register's whole old value goes to the host and the whole
 * host register comes back: BSF/BSR of a zero source leave the destination
 * as it was, all 64 bits of it, on this host even for a 32-bit operand.
 */
static void scan(X86Cpu *cpu, const X86Insn *insn, HostAluScan op)
{
    unsigned size = x86_opnd_size(insn, 0);
    uint64_t src = x86_opnd_read(cpu, insn, 1);
    uint64_t flags = cpu->s.rflags;
    cpu->s.regs[insn->reg] = hostalu_scan(op, size, cpu->s.regs[insn->reg], src, &flags);
    cpu->s.rflags = flags;
}

static void op_bsf(X86Cpu *cpu, const X86Insn *insn) { scan(cpu, insn, HOSTALU_BSF); }
static void op_bsr(X86Cpu *cpu, const X86Insn *insn) { scan(cpu, insn, HOSTALU_BSR); }

/* SDM vol. 2B POPCNT: #UD if CPUID.01H:ECX.POPCNT[bit 23] = 0. */
static void op_popcnt(X86Cpu *cpu, const X86Insn *insn)
{
    if (!guest_cpuid_bit(cpu, 1, 2, 23)) {
        x86_raise_ud(cpu);
    }
    scan(cpu, insn, HOSTALU_POPCNT);
}

/* SDM vol. 2A LZCNT: on a CPU without it (CPUID.80000001H:ECX.LZCNT[bit 5]) F3 0F BD is BSR. */
static void op_lzcnt(X86Cpu *cpu, const X86Insn *insn)
{
    scan(cpu, insn, guest_cpuid_bit(cpu, 0x80000001, 2, 5) ? HOSTALU_LZCNT : HOSTALU_BSR);
}

/* SDM vol. 2B TZCNT: without BMI1 (CPUID.(EAX=07H,ECX=0):EBX[bit 3]) F3 0F BC is BSF. */
static void op_tzcnt(X86Cpu *cpu, const X86Insn *insn)
{
    scan(cpu, insn, guest_cpuid_bit(cpu, 7, 1, 3) ? HOSTALU_TZCNT : HOSTALU_BSF);
}

/* ---- BSWAP Zy ---- */

/* 32- and 64-bit swaps; a 66-prefixed swap (undefined in the SDM) does what the host does. */
static void op_bswap(X86Cpu *cpu, const X86Insn *insn)
{
    cpu->s.regs[insn->rm] = hostalu_bswap(insn->opsize, cpu->s.regs[insn->rm]);
}

/* ---- CRC32 Gy, Eb|Ev ---- */

/*
 * SDM vol. 2A CRC32: CRC-32C (Castagnoli, polynomial 11EDC6F41h), bit-
 * reflected, with no initial or final inversion: the destination is the
 * running CRC and the source's bytes are fed least significant first.  The
 * result is 32 bits, zero-extended into a 64-bit destination.  Flags are
 * unaffected.
 */
#define CRC32C_REFLECTED_POLY 0x82F63B78u

static uint32_t crc32c_update(uint32_t crc, uint64_t data, unsigned bytes)
{
    for (unsigned i = 0; i < bytes; i++) {
        crc ^= (uint8_t)(data >> (8 * i));
        for (int bit = 0; bit < 8; bit++) {
            crc = (crc >> 1) ^ (CRC32C_REFLECTED_POLY & -(crc & 1));
        }
    }
    return crc;
}

/* #UD unless CPUID.01H:ECX.SSE4_2[bit 20]. */
static void op_crc32(X86Cpu *cpu, const X86Insn *insn)
{
    if (!guest_cpuid_bit(cpu, 1, 2, 20)) {
        x86_raise_ud(cpu);
    }
    unsigned src_size = x86_opnd_size(insn, 1);
    uint64_t src = x86_opnd_read(cpu, insn, 1);
    uint32_t crc = (uint32_t)x86_opnd_read(cpu, insn, 0);
    x86_opnd_write(cpu, insn, 0, crc32c_update(crc, src, src_size));
}

void x86_register_bitops(X86Handler *table)
{
    table[X86_OP_BT] = op_bt;
    table[X86_OP_BTS] = op_bts;
    table[X86_OP_BTR] = op_btr;
    table[X86_OP_BTC] = op_btc;
    table[X86_OP_BSF] = op_bsf;
    table[X86_OP_BSR] = op_bsr;
    table[X86_OP_POPCNT] = op_popcnt;
    table[X86_OP_LZCNT] = op_lzcnt;
    table[X86_OP_TZCNT] = op_tzcnt;
    table[X86_OP_BSWAP] = op_bswap;
    table[X86_OP_CRC32] = op_crc32;
}
