/* difftest's reports (code with capstone's disassembly, states side by side) and case files. */
#ifndef DIFFTEST_REPORT_H
#define DIFFTEST_REPORT_H

#include <stdio.h>

#include "difftest/allowlist.h"
#include "difftest/runner.h"

/* The case's instructions: address, bytes, capstone's disassembly (tandem's op name alongside). */
void dt_report_code(FILE *f, const DtCase *c, const char *indent);

/*
 * Both outcomes side by side: how the case stopped, the exception, every
 * GPR, RIP and RFLAGS, and whatever else differs; differing fields are
 * marked with '*'.
 */
void dt_report_outcomes(FILE *f, const char *name_a, const char *name_b, const DtResult *res,
                        const char *indent);

/*
 * A full report of one difference: the case, both outcomes, the minimized
 * reproduction, whether the allowlist explains it, where it was saved.
 */
void dt_report_difference(FILE *f, unsigned number, const char *name_a, const char *name_b,
                          const DtCase *c, const DtResult *res, const DtCase *min,
                          const DtResult *min_res, unsigned trials, const DtAllowEntry *why,
                          const DtAllowlist *al, const char *saved);

/*
 * A case as text (case files: --save writes them, --replay reads them).
 * Save: 0, or -1 with err.  Load: 0, or -1 with "FILE:LINE: reason".
 */
int dt_case_save(const char *path, const DtCase *c, const char *comment, char *err, size_t errlen);
int dt_case_load(const char *path, DtCase *c, char *err, size_t errlen);

#endif
