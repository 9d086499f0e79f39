/* Comparing two outcomes of a case: the differing fields, named and formatted for reports. */
#ifndef DIFFTEST_COMPARE_H
#define DIFFTEST_COMPARE_H

#include <stdbool.h>

#include "difftest/case.h"
#include "difftest/flags.h"

/*
 * What is compared: how the case stopped; the exception (vector, error
 * code, CR2 for #PF, the CS/SS of the frame); the 16 GPRs, RIP and RFLAGS
 * (flags the trace says are undefined are masked); segment selectors and
 * bases; the x87 state (FCW, FSW with undefined C0-C3 masked, abridged tag
 * word, FOP, FIP, FDP, R0-R7) and SSE (MXCSR, XMM0-15, XMM0-7 in
 * compatibility mode where FXSAVE stores no more); every byte of the data
 * and stack pages.
 */

typedef enum DtFieldClass {
    DT_FC_STOP, DT_FC_EXCEPTION, DT_FC_GPR, DT_FC_RIP, DT_FC_FLAGS, DT_FC_SEG, DT_FC_X87,
    DT_FC_SSE, DT_FC_MEM,
} DtFieldClass;

typedef struct DtField {
    uint8_t cls;            /* DtFieldClass */
    char name[24];          /* "rax", "flags.CF", "vector", "st3", "xmm1", "mem[0xb010]" */
    char a[56], b[56];      /* the two values, formatted */
} DtField;

#define DT_MAX_FIELDS 48

typedef struct DtDiff {
    unsigned nr;
    unsigned dropped;       /* differing fields beyond DT_MAX_FIELDS */
    unsigned dropped_classes;   /* 1 << DtFieldClass of each of them */
    DtField f[DT_MAX_FIELDS];
} DtDiff;

/* Compare a (the traced backend's) with b; true if they differ. */
bool dt_compare(const DtCase *c, const DtOutcome *a, const DtOutcome *b, const DtFlagTrace *trace,
                DtDiff *d);

/* "gpr", "flags", ... for a class. */
const char *dt_field_class_name(unsigned cls);

/* Names of the 16 GPRs. */
extern const char *const dt_gpr_names[X86_NR_GPRS];

#endif
