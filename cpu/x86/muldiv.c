/* Multiply and divide: MUL, IMUL (one-, two- and three-operand forms), DIV, IDIV with #DE. */
#include "cpu/x86/exec.h"

#include "cpu/x86/hostalu.h"

/*
 * SDM vol. 2A "MUL", "IMUL", "DIV", "IDIV".  The products and quotients
 * and the flags (CF/OF defined for multiplies, the rest undefined) come
 * from the host's own instructions (hostalu.h).  Division is checked for
 * #DE first — divisor 0, or a quotient too large for the destination — so
 * the host never faults and the guest's registers are untouched when the
 * guest's does.
 */

/* The accumulator register pair at `size`: AX for bytes, else rDX:rAX. */
static uint64_t get_rax(const X86Cpu *cpu, unsigned size)
{
    return x86_reg_get(cpu, R_EAX, size == 1 ? 2 : size, false);
}

/* MUL/IMUL r/m: AX = AL * r/m8, or rDX:rAX = rAX * r/m. */
static void multiply_accumulator(X86Cpu *cpu, const X86Insn *insn, bool is_signed)
{
    unsigned size = x86_opnd_size(insn, 0);
    uint64_t src = x86_opnd_read(cpu, insn, 0);
    uint64_t flags = cpu->s.rflags;
    uint64_t high;
    uint64_t low = hostalu_mul(is_signed, size, get_rax(cpu, size), src, &high, &flags);
    if (size == 1) {
        x86_reg_set(cpu, R_EAX, 2, false, low);
    } else {
        x86_reg_set(cpu, R_EAX, size, false, low);
        x86_reg_set(cpu, R_EDX, size, false, high);
    }
    cpu->s.rflags = flags;
}

static void op_mul(X86Cpu *cpu, const X86Insn *insn)
{
    multiply_accumulator(cpu, insn, false);
}

/* IMUL Eb | Ev  /  IMUL Gv, Ev  /  IMUL Gv, Ev, Ib|Iz: told apart by the row's operand count. */
static void op_imul(X86Cpu *cpu, const X86Insn *insn)
{
    const X86OpcodeRow *row = x86_insn_row(insn);
    if (row->operand[1] == X86_OPK_NONE) {
        multiply_accumulator(cpu, insn, true);
        return;
    }
    unsigned size = x86_opnd_size(insn, 0);
    bool three = row->operand[2] != X86_OPK_NONE;
    uint64_t a = x86_opnd_read(cpu, insn, three ? 1 : 0);
    uint64_t b = x86_opnd_read(cpu, insn, three ? 2 : 1);
    uint64_t flags = cpu->s.rflags;
    uint64_t product = hostalu_imul_truncated(size, a, b, &flags);
    x86_opnd_write(cpu, insn, 0, product);
    cpu->s.rflags = flags;
}

/* DIV/IDIV r/m: AX / r/m8 -> AL quotient, AH remainder; rDX:rAX / r/m -> rAX, rDX. */
static void divide_accumulator(X86Cpu *cpu, const X86Insn *insn, bool is_signed)
{
    unsigned size = x86_opnd_size(insn, 0);
    uint64_t divisor = x86_opnd_read(cpu, insn, 0);
    uint64_t low = get_rax(cpu, size);
    uint64_t high = size == 1 ? 0 : x86_reg_get(cpu, R_EDX, size, false);
    if (hostalu_div_faults(is_signed, size, high, low, divisor)) {
        x86_raise(cpu, X86_EXC_DE, X86_NO_ERROR_CODE);
    }
    uint64_t flags = cpu->s.rflags;
    uint64_t rem;
    uint64_t quotient = hostalu_div(is_signed, size, high, low, divisor, &rem, &flags);
    if (size == 1) {
        x86_reg_set(cpu, R_EAX, 2, false, quotient);
    } else {
        x86_reg_set(cpu, R_EAX, size, false, quotient);
        x86_reg_set(cpu, R_EDX, size, false, rem);
    }
    cpu->s.rflags = flags;
}

static void op_div(X86Cpu *cpu, const X86Insn *insn)
{
    divide_accumulator(cpu, insn, false);
}

static void op_idiv(X86Cpu *cpu, const X86Insn *insn)
{
    divide_accumulator(cpu, insn, true);
}

void x86_register_muldiv(X86Handler *table)
{
    table[X86_OP_MUL] = op_mul;
    table[X86_OP_IMUL] = op_imul;
    table[X86_OP_DIV] = op_div;
    table[X86_OP_IDIV] = op_idiv;
}
