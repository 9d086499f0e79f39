/* Near control transfers: Jcc, JMP, CALL and RET near, LOOP/LOOPE/LOOPNE, JCXZ/JECXZ/JRCXZ. */
#include "cpu/x86/exec.h"

/*
 * SDM vol. 1 6.3 (near CALL/RET) and 7.3.8 (control transfer), with each
 * instruction's page in vol. 2.  A taken branch writes cpu->next_rip.  The
 * target is the operand-size truncation of the new instruction pointer
 * (x86_opnd_read does that for Jb/Jz); before anything is stored it must be
 * canonical in 64-bit mode and within CS's limit elsewhere, else #GP(0) with
 * the state of before the instruction.
 *
 * Operand size: the decoder forces 64 bits in 64-bit mode (the f64 rows,
 * Intel's rule: a 66 prefix is ignored there; AMD CPUs honour it).
 */

static bool canonical(uint64_t la)
{
    return (uint64_t)((int64_t)(la << 16) >> 16) == la;
}

/* #GP(0) unless `target` is a valid instruction pointer for the current CS. */
static void check_target(X86Cpu *cpu, uint64_t target)
{
    if (cpu->mode64) {
        if (!canonical(target)) {
            x86_raise_gp0(cpu);
        }
    } else if (target > cpu->s.segs[SEG_CS].limit) {
        x86_raise_gp0(cpu);
    }
}

static void branch_to(X86Cpu *cpu, uint64_t target)
{
    check_target(cpu, target);
    cpu->next_rip = target;
}

/* The target of a near indirect branch: Ev read at the operand size, zero-extended. */
static uint64_t branch_operand(X86Cpu *cpu, const X86Insn *insn)
{
    return x86_opnd_read(cpu, insn, 0);
}

static void op_jcc(X86Cpu *cpu, const X86Insn *insn)
{
    if (x86_condition(cpu, x86_insn_row(insn)->opcode & 0xf)) {
        branch_to(cpu, x86_opnd_read(cpu, insn, 0));
    }
}

/* JMP rel8/rel16/rel32 and JMP r/m (FF /4). */
static void op_jmp(X86Cpu *cpu, const X86Insn *insn)
{
    branch_to(cpu, branch_operand(cpu, insn));
}

static uint64_t stack_mask(const X86Cpu *cpu)
{
    return x86_size_mask(cpu->stack_bits / 8);
}

/*
 * CALL near (E8, FF /2): the target is read and checked first, then the
 * return address pushed at the operand size (a push that faults stores
 * nothing and leaves rSP alone).
 */
static void op_call(X86Cpu *cpu, const X86Insn *insn)
{
    uint64_t target = branch_operand(cpu, insn);
    if (cpu->vendor_amd) {
        /*
         * AMD checks the return address's slot (#SS, #PF, #AC) before the
         * target (#GP): CALL r12 to a non-canonical address with RSP 0xe993
         * and AC set gives #AC on an EPYC (found by tandem-difftest).
         */
        uint64_t mask = stack_mask(cpu);
        x86_probe_write(cpu, SEG_SS, (cpu->s.regs[R_ESP] - insn->opsize) & mask, insn->opsize);
    }
    check_target(cpu, target);
    x86_push(cpu, cpu->next_rip, insn->opsize);
    cpu->next_rip = target;
}

/*
 * RET near (C3, C2 iw): pop the return address at the operand size, check
 * it, then release imm16 more bytes at the stack size.
 */
static void op_ret(X86Cpu *cpu, const X86Insn *insn)
{
    unsigned size = insn->opsize;
    uint64_t mask = stack_mask(cpu);
    uint64_t rsp = cpu->s.regs[R_ESP];
    uint64_t target = x86_read(cpu, SEG_SS, rsp & mask, size);
    uint64_t release = x86_insn_row(insn)->operand[0] == X86_OPK_Iw ? (uint64_t)insn->imm & 0xffff : 0;
    check_target(cpu, target);
    cpu->s.regs[R_ESP] = (rsp & ~mask) | ((rsp + size + release) & mask);
    cpu->next_rip = target;
}

/* The count register of LOOP and JCXZ: CX, ECX or RCX by the address size. */
static uint64_t count_get(const X86Cpu *cpu, const X86Insn *insn)
{
    return x86_reg_get(cpu, R_ECX, insn->addrsize, false);
}

/*
 * LOOP/LOOPE/LOOPNE: decrement the count without touching flags; branch
 * while it is not zero (and ZF as the form requires).  The count is stored
 * only once the target has passed its checks.
 */
static void loop_common(X86Cpu *cpu, const X86Insn *insn, int zf_wanted)
{
    uint64_t count = (count_get(cpu, insn) - 1) & x86_size_mask(insn->addrsize);
    bool taken = count != 0;
    if (zf_wanted >= 0) {
        taken = taken && ((cpu->s.rflags & X86_FLAG_ZF) != 0) == (zf_wanted != 0);
    }
    if (taken) {
        branch_to(cpu, x86_opnd_read(cpu, insn, 0));
    }
    x86_reg_set(cpu, R_ECX, insn->addrsize, false, count);
}

static void op_loop(X86Cpu *cpu, const X86Insn *insn)
{
    loop_common(cpu, insn, -1);
}

static void op_loope(X86Cpu *cpu, const X86Insn *insn)
{
    loop_common(cpu, insn, 1);
}

static void op_loopne(X86Cpu *cpu, const X86Insn *insn)
{
    loop_common(cpu, insn, 0);
}

static void op_jcxz(X86Cpu *cpu, const X86Insn *insn)
{
    if (count_get(cpu, insn) == 0) {
        branch_to(cpu, x86_opnd_read(cpu, insn, 0));
    }
}

void x86_register_control(X86Handler *table)
{
    table[X86_OP_JCC] = op_jcc;
    table[X86_OP_JMP] = op_jmp;
    table[X86_OP_CALL] = op_call;
    table[X86_OP_RET] = op_ret;
    table[X86_OP_LOOP] = op_loop;
    table[X86_OP_LOOPE] = op_loope;
    table[X86_OP_LOOPNE] = op_loopne;
    table[X86_OP_JCXZ] = op_jcxz;
}
