/* Shifts and rotates: ROL ROR RCL RCR SHL/SAL SHR SAR (group 2) and SHLD/SHRD. */
#include "cpu/x86/exec.h"

#include "cpu/x86/hostalu.h"

/*
 * SDM vol. 2B "RCL/RCR/ROL/ROR", "SAL/SAR/SHL/SHR", "SHLD", "SHRD".  The
 * count is masked to 5 bits (6 with REX.W), RCL/RCR of bytes and words then
 * rotate modulo 9 and 17, a masked count of 0 changes no flag, OF is defined
 * only for a count of 1, SHLD/SHRD of a word by more than 16 leave the
 * result undefined.  All of that is the host's own behaviour, so each of
 * these runs as the host instruction with the guest's raw count in CL and
 * the guest's flags loaded (hostalu.h): the results and every flag,
 * including the undefined ones, are this CPU's.
 *
 * A 32-bit register destination takes the whole 64-bit host register back:
 * the host zero-extends even for a count of 0 (a write of the register),
 * and so does the guest.  A memory destination is checked for writing even
 * when the count is 0: the hardware faults there too.
 */

/* A doubleword general register as destination: the host's 64-bit register is the result. */
static bool is_dword_register(const X86Insn *insn, unsigned size)
{
    return size == 4 && !x86_insn_is_mem(insn);
}

static void shift_rotate(X86Cpu *cpu, const X86Insn *insn, HostAluShift op)
{
    unsigned size = x86_opnd_size(insn, 0);
    uint8_t count = (uint8_t)x86_opnd_read(cpu, insn, 1);
    bool whole = is_dword_register(insn, size);
    uint64_t dst = whole ? cpu->s.regs[insn->rm] : x86_opnd_read_for_update(cpu, insn);
    uint64_t flags = cpu->s.rflags;
    uint64_t result = hostalu_shift(op, size, dst, count, &flags);
    if (whole) {
        cpu->s.regs[insn->rm] = result;
    } else {
        x86_opnd_write(cpu, insn, 0, result);
    }
    cpu->s.rflags = flags;
}

static void op_rol(X86Cpu *cpu, const X86Insn *insn) { shift_rotate(cpu, insn, HOSTALU_ROL); }
static void op_ror(X86Cpu *cpu, const X86Insn *insn) { shift_rotate(cpu, insn, HOSTALU_ROR); }
static void op_rcl(X86Cpu *cpu, const X86Insn *insn) { shift_rotate(cpu, insn, HOSTALU_RCL); }
static void op_rcr(X86Cpu *cpu, const X86Insn *insn) { shift_rotate(cpu, insn, HOSTALU_RCR); }
static void op_shl(X86Cpu *cpu, const X86Insn *insn) { shift_rotate(cpu, insn, HOSTALU_SHL); }
static void op_shr(X86Cpu *cpu, const X86Insn *insn) { shift_rotate(cpu, insn, HOSTALU_SHR); }
static void op_sar(X86Cpu *cpu, const X86Insn *insn) { shift_rotate(cpu, insn, HOSTALU_SAR); }

/* SHLD/SHRD Ev, Gv, Ib|CL: the bits shifted in come from the register operand. */
static void shift_double(X86Cpu *cpu, const X86Insn *insn, bool left)
{
    unsigned size = x86_opnd_size(insn, 0);
    uint8_t count = (uint8_t)x86_opnd_read(cpu, insn, 2);
    uint64_t src = x86_opnd_read(cpu, insn, 1);
    bool whole = is_dword_register(insn, size);
    uint64_t dst = whole ? cpu->s.regs[insn->rm] : x86_opnd_read_for_update(cpu, insn);
    uint64_t flags = cpu->s.rflags;
    uint64_t result = hostalu_shift_double(left, size, dst, src, count, &flags);
    if (whole) {
        cpu->s.regs[insn->rm] = result;
    } else {
        x86_opnd_write(cpu, insn, 0, result);
    }
    cpu->s.rflags = flags;
}

static void op_shld(X86Cpu *cpu, const X86Insn *insn) { shift_double(cpu, insn, true); }
static void op_shrd(X86Cpu *cpu, const X86Insn *insn) { shift_double(cpu, insn, false); }

void x86_register_shift(X86Handler *table)
{
    table[X86_OP_ROL] = op_rol;
    table[X86_OP_ROR] = op_ror;
    table[X86_OP_RCL] = op_rcl;
    table[X86_OP_RCR] = op_rcr;
    table[X86_OP_SHL] = op_shl;
    table[X86_OP_SHR] = op_shr;
    table[X86_OP_SAR] = op_sar;
    table[X86_OP_SHLD] = op_shld;
    table[X86_OP_SHRD] = op_shrd;
}
