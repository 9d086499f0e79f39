/* The allowlist: differences that are explained (undefined by the SDM, or a documented host quirk). */
#ifndef DIFFTEST_ALLOWLIST_H
#define DIFFTEST_ALLOWLIST_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "difftest/compare.h"

/*
 * difftest/allowlist.txt, one entry a line:
 *
 *     OPS  [mode=64|compat32]  [vector=N]  [interp-fault=N,...]  FIELDS  reason...
 *
 * OPS is a comma-separated list of tandem op names (decode.h: ADC, BSF,
 * FXSAVE...), of groups (@x87: FADD..FSETPM, @sse: the MMX, SSE, AES and
 * SHA ops, *: any op), @undefined-input for cases that read a flag the
 * SDM left undefined (flags.h), @noncanonical-rsp for cases that ran an
 * instruction while RSP was non-canonical, or @canonical-edge for cases in
 * which interp raised #GP or #SS at an instruction that addresses the last
 * canonical page (0x7ffffffff000-0x7fffffffffff: an access running into the
 * non-canonical hole), @ignored-override for cases in which interp raised
 * #GP or #SS at an instruction with an ES, CS, SS or DS override (which
 * 64-bit mode ignores), @misaligned-stack for cases in which interp raised
 * #GP at an instruction whose rBP/rSP-based operand is non-canonical and
 * not 16-byte aligned, @xsave-avx for cases that ran XSAVE, XSAVEOPT or
 * XRSTOR with EAX bit 2 (AVX state) set, or @mxcsr-mask for cases that may
 * have read back the MXCSR_MASK an FXSAVE or XSAVE stored.  FIELDS is a comma-separated list of field
 * classes (stop exception gpr rip flags seg x87 sse mem), field names (rax,
 * flags.OF, fsw, r3, xmm1, fip...), or a field name with the two values it
 * must have, software backend's first: vector=13/6.  A difference is
 * explained by an entry when the case contains one of its ops (or read an
 * undefined flag) and every differing field is one of its fields; with
 * vector=N, only when both backends stopped with exception N; with
 * interp-fault=N,M..., only when the software backend stopped with one of
 * those exceptions at an instruction whose op is listed (whatever the field).
 * Everything after the fields is the reason, which must cite the SDM or the
 * evidence for a host quirk.
 */

#define DT_ALLOW_MAX_OPS 24
#define DT_ALLOW_MAX_FIELDS 12

typedef struct DtAllowEntry {
    int line;
    bool undefined_input;
    bool noncanonical_rsp;
    bool canonical_edge;
    bool ignored_override;
    bool misaligned_stack;
    bool avx_requested;
    bool mxcsr_mask_read;
    int mode;                                 /* -1 any, else DtMode */
    int vector;                               /* -1 any, else both must stop with it */
    uint32_t interp_faults;                   /* 0 any, else interp stopped with one of these at an op listed */
    unsigned nr_ops;
    uint16_t ops[DT_ALLOW_MAX_OPS];
    bool any_op;
    unsigned nr_fields;
    char fields[DT_ALLOW_MAX_FIELDS][24];
    char values[DT_ALLOW_MAX_FIELDS][32];     /* "13/6": the field's two values, or "" */
    char reason[1024];
    atomic_ulong hits;
} DtAllowEntry;

/* Where the software backend stopped: its exception (or -1) and the op there (or -1). */
typedef struct DtInterpFault {
    int vector;
    int op;
} DtInterpFault;

typedef struct DtAllowlist {
    char path[256];
    unsigned nr;
    DtAllowEntry *e;
} DtAllowlist;

/* Load a file; 0, or -1 with a one-line message naming the file and line. */
int dt_allowlist_load(DtAllowlist *al, const char *path, char *err, size_t errlen);
void dt_allowlist_free(DtAllowlist *al);

/*
 * The entry explaining this difference of case c, or NULL.  fault_op >= 0
 * is the op of the instruction the software backend stopped at with an
 * exception: when the difference is about how the case stopped, only that
 * instruction counts for the entry's ops.  both_vector is the exception both
 * backends stopped with, or -1; interp_vector the one the software backend
 * stopped with, or -1 (for interp-fault entries).
 */
DtAllowEntry *dt_allowlist_match(const DtAllowlist *al, const DtCase *c, const DtDiff *d,
                                 const DtFlagTrace *trace, int fault_op, int both_vector,
                                 int interp_vector);

#endif
