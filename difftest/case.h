/* A difftest case (code + initial state) and its outcome (final state), shared by all of difftest. */
#ifndef DIFFTEST_CASE_H
#define DIFFTEST_CASE_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/x86/state.h"
#include "difftest/layout.h"

#define DT_MAX_INSNS 16

/*
 * One generated instruction.  Its bytes are final except for one field
 * that depends on where instructions land (fix_kind): a relative branch to
 * another instruction of the case, or a RIP-relative displacement to a data
 * address.  Keeping the target symbolic lets the minimizer drop
 * instructions and lay the rest out again.
 */
typedef enum DtFixKind { DT_FIX_NONE, DT_FIX_BRANCH, DT_FIX_RIPREL } DtFixKind;

typedef struct DtInsn {
    uint8_t bytes[15];
    uint8_t len;
    uint16_t op;          /* X86Op, for reports and the allowlist */
    uint8_t fix_kind;     /* DtFixKind */
    uint8_t fix_off;      /* offset of the field in bytes[] */
    uint8_t fix_size;     /* 1, 2 or 4 */
    int8_t target;        /* DT_FIX_BRANCH: instruction index; nr_insns = the terminator */
    uint64_t abs;         /* DT_FIX_RIPREL: the address the operand must reach */
} DtInsn;

/* x87/SSE state as both backends see it; st[] are physical registers R0-R7 (X86FpuState's order). */
typedef struct DtFpu {
    uint16_t fcw, fsw, fop;
    uint8_t ftw;          /* abridged: bit i = physical register i is valid */
    uint64_t fip, fdp;
    uint32_t mxcsr;
    X87Reg st[8];
    X86Xmm xmm[16];
} DtFpu;

typedef struct DtCase {
    uint64_t seed;        /* the run's --seed, and the index of the case in it */
    uint64_t index;
    uint8_t mode;         /* DtMode */
    uint8_t nr_insns;
    DtInsn insns[DT_MAX_INSNS];
    uint64_t regs[X86_NR_GPRS];
    uint64_t rflags;
    DtFpu fpu;
    uint8_t data[DT_DATA_SIZE];
    uint8_t stack[DT_STACK_SIZE];
} DtCase;

/* How a run of a case ended. */
typedef enum DtStop {
    DT_STOP_END,          /* reached the terminator */
    DT_STOP_EXCEPTION,    /* an exception or INT n reached its stub */
    DT_STOP_RUNAWAY,      /* ran too long: a loop (not compared) */
    DT_STOP_ERROR,        /* the backend failed: error[] says why */
} DtStop;

/*
 * The outcome: what is compared.  For an exception the GPRs are those at
 * the stub (delivery changes none but RSP) and rip/rflags/rsp/cs/ss come
 * from the exception frame, so they are the state at the fault.
 */
typedef struct DtOutcome {
    uint8_t stop;         /* DtStop */
    int vector;
    uint32_t error_code;
    uint64_t cr2;
    uint64_t regs[X86_NR_GPRS];
    uint64_t rip, rflags;
    uint16_t frame_cs, frame_ss;
    uint16_t sel[X86_NR_SEGS];
    uint64_t base[X86_NR_SEGS];
    DtFpu fpu;
    uint8_t data[DT_DATA_SIZE];
    uint8_t stack[DT_STACK_SIZE];
    bool escaped;         /* the case jumped into the harness's code (interp): not compared */
    char error[160];
} DtOutcome;

/*
 * Lay the case's code out at DT_CODE: fix up branches and RIP-relative
 * displacements.  Returns the length; addr[i] (if not NULL) gets each
 * instruction's address, addr[nr_insns] the terminator's.
 */
unsigned dt_case_layout(const DtCase *c, uint8_t *code, uint64_t *addr);

/* The state a case starts from when nothing is set: the reference of "non-default". */
void dt_case_defaults(DtCase *c, DtMode mode);

/*
 * Make FSW.ES and FSW.B say whether an unmasked exception is pending, as
 * FXRSTOR leaves them whatever the image says (measured: FSW 0xff9d with
 * FCW 0x37f reads back as 0x7f1d).
 */
void dt_fpu_normalize(DtFpu *f);

/* x87/SSE state <-> X86FpuState, and <-> a 512-byte FXSAVE image (SDM vol. 2A FXSAVE tables 3-53, 3-56). */
void dt_fpu_from_state(DtFpu *f, const X86FpuState *s);
void dt_fpu_to_state(X86FpuState *s, const DtFpu *f);
void dt_fpu_to_fxsave(uint8_t *image, const DtFpu *f, bool format64);
void dt_fpu_from_fxsave(DtFpu *f, const uint8_t *image, bool format64);

/*
 * Fill an outcome from a backend's state at the stop: regs/rip/rflags as the
 * backend has them at the terminator or at the stub's first byte, `ram` the
 * backend's DT_RAM_SIZE of guest memory (for the frame and the pages).
 */
void dt_outcome_from_stop(DtOutcome *o, const uint64_t *regs, uint64_t rip, uint64_t rflags,
                          const uint8_t *ram);

#endif
