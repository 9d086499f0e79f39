/* Flags the SDM leaves undefined, per instruction, and a trace that masks them in a case's outcome. */
#ifndef DIFFTEST_FLAGS_H
#define DIFFTEST_FLAGS_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/x86/cpu.h"
#include "cpu/x86/decode.h"

/*
 * As the software backend executes a case, each instruction's effect on
 * RFLAGS (and on the x87 condition codes C0-C3) is looked up: flags it
 * writes with a defined value leave the undefined set, flags it leaves
 * undefined join it.  At the end, the set is what the comparison masks.
 * Conditions the SDM states on operand values (a shift by 0 changes no
 * flags, by 1 defines OF, ...) are evaluated on the state before the
 * instruction.  Where Intel's SDM and AMD's APM disagree (BT* leaves ZF
 * unchanged on Intel, undefined on AMD) the flag counts as undefined.
 *
 * An instruction that reads an undefined flag (ADC after MUL, PUSHF after
 * AND, FNSTSW after FADD...) makes the rest of the case depend on what
 * the SDM does not define: the trace is then "tainted".
 */

#define DT_FLAGS_ARITH (X86_FLAG_CF | X86_FLAG_PF | X86_FLAG_AF | X86_FLAG_ZF | X86_FLAG_SF | \
                        X86_FLAG_OF)
#define DT_FSW_CC 0x4700u      /* C3 C2 C1 C0 */

typedef struct DtFlagEffect {
    uint32_t written;      /* defined afterwards */
    uint32_t undefined;    /* undefined afterwards */
    uint32_t read;         /* read before being written */
    uint16_t fsw_written, fsw_undefined, fsw_read;
} DtFlagEffect;

typedef struct DtFlagTrace {
    uint32_t undefined;
    uint16_t fsw_undefined;
    bool tainted;
    uint16_t taint_op;      /* the op that read an undefined flag */
    bool noncanonical_rsp;  /* an instruction ran with RSP non-canonical (see runner.c) */
    bool at_edge;           /* the running instruction touches the last canonical page */
    bool canonical_edge;    /* it raised #GP or #SS there (see allowlist.h) */
    bool at_override;       /* the running instruction has an ES/CS/SS/DS override, ignored */
    bool override_fault;    /* it raised #GP or #SS (see allowlist.h) */
    bool at_misaligned_ss;  /* its stack operand is non-canonical and not 16-byte aligned */
    bool misaligned_ss_gp;  /* it raised #GP (see allowlist.h) */
    bool avx_requested;     /* an XSAVE-family instruction ran with EAX bit 2 (AVX) set */
    uint8_t nr_mask_bytes;
    uint64_t mask_byte[4];  /* where FXSAVE/XSAVE stored MXCSR_MASK bits 23:16 */
    bool mxcsr_mask_read;   /* a later instruction may have read one of them */
} DtFlagTrace;

/* The effect of `insn` executed on the state in `cpu` (before it runs). */
DtFlagEffect dt_flags_effect(const X86Cpu *cpu, const X86Insn *insn);

static inline void dt_flags_begin(DtFlagTrace *t)
{
    t->undefined = 0;
    t->fsw_undefined = 0;
    t->tainted = false;
    t->taint_op = 0;
    t->noncanonical_rsp = false;
    t->at_edge = false;
    t->canonical_edge = false;
    t->at_override = false;
    t->override_fault = false;
    t->at_misaligned_ss = false;
    t->misaligned_ss_gp = false;
    t->avx_requested = false;
    t->nr_mask_bytes = 0;
    t->mxcsr_mask_read = false;
}

/* Before the instruction: does it read what is undefined? */
static inline void dt_flags_check_reads(DtFlagTrace *t, const DtFlagEffect *e, unsigned op)
{
    if (!t->tainted && ((e->read & t->undefined) || (e->fsw_read & t->fsw_undefined))) {
        t->tainted = true;
        t->taint_op = (uint16_t)op;
    }
}

/* After it retired. */
static inline void dt_flags_apply(DtFlagTrace *t, const DtFlagEffect *e)
{
    t->undefined = (t->undefined & ~e->written) | e->undefined;
    t->fsw_undefined = (uint16_t)((t->fsw_undefined & ~e->fsw_written) | e->fsw_undefined);
}

#endif
