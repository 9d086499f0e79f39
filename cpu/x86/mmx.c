/* MMX state management and the MMX <-> XMM moves: EMMS, MOVQ2DQ, MOVDQ2Q, MOVNTQ. */
#include "cpu/x86/sse_internal.h"

#include "cpu/x86/x87_internal.h"

/*
 * The MMX registers are the mantissas of the x87's physical registers
 * (SDM vol. 3A 12.2): MMX instructions set TOP to 0 and every tag valid,
 * and a write sets the register's exponent and sign to ones (mmx_set());
 * EMMS marks every register empty.  FIP, FDP, FOP and the other status
 * bits are untouched.
 */

/*
 * EMMS: #UD with CR0.EM, #NM with CR0.TS, #MF when an x87 exception is
 * pending (SDM vol. 2A).  Like the x87 family's rules (x87.c) it does not
 * look at CPUID: every x86-64 CPU has MMX.
 */
static void op_emms(X86Cpu *cpu, const X86Insn *insn)
{
    if (cpu->s.cr0 & X86_CR0_EM) {
        x86_raise_ud(cpu);
    }
    if (cpu->s.cr0 & X86_CR0_TS) {
        x86_raise(cpu, X86_EXC_NM, X86_NO_ERROR_CODE);
    }
    x87_check_pending(cpu);
    cpu->s.fpu.ftw = 0;
    cpu->s.fpu.fsw &= ~X87_FSW_TOP;
}

/* MOVQ2DQ xmm, mm: the quadword zero-extended (SSE2). */
static void op_movq2dq(X86Cpu *cpu, const X86Insn *insn)
{
    sse_check(cpu, insn, SSE_FEAT_SSE2);
    X86Xmm v = { .q = { mmx_get(cpu, insn->rm) } };
    *sse_xmm(cpu, insn->reg) = v;
    mmx_enter(cpu);
}

/* MOVDQ2Q mm, xmm: the low quadword (SSE2). */
static void op_movdq2q(X86Cpu *cpu, const X86Insn *insn)
{
    sse_check(cpu, insn, SSE_FEAT_SSE2);
    mmx_set(cpu, insn->reg, sse_xmm(cpu, insn->rm)->q[0]);
    mmx_enter(cpu);
}

/* MOVNTQ m64, mm (SSE): a store; the non-temporal hint has no architectural effect here. */
static void op_movntq(X86Cpu *cpu, const X86Insn *insn)
{
    sse_check(cpu, insn, SSE_FEAT_SSE);
    X86Xmm v = { .q = { mmx_get(cpu, insn->reg) } };
    sse_store(cpu, insn, &v, 8, false);
    mmx_enter(cpu);
}

void mmx_register(X86Handler *table)
{
    table[X86_OP_EMMS] = op_emms;
    table[X86_OP_MOVQ2DQ] = op_movq2dq;
    table[X86_OP_MOVDQ2Q] = op_movdq2q;
    table[X86_OP_MOVNTQ] = op_movntq;
}
