/* Running one case under two backends and comparing, and shrinking a difference to its core. */
#ifndef DIFFTEST_RUNNER_H
#define DIFFTEST_RUNNER_H

#include "difftest/allowlist.h"
#include "difftest/backend.h"
#include "difftest/compare.h"

typedef struct DtRunner {
    DtBackend *a, *b;          /* a is shown on the left; whichever is software traces flags */
    const DtAllowlist *allow;
} DtRunner;

typedef struct DtResult {
    DtOutcome a, b;
    DtFlagTrace trace;
    DtDiff diff;
    bool differs;
    bool skipped;              /* both ran away, or the case jumped into harness code */
} DtResult;

void dt_runner_run(DtRunner *r, const DtCase *c, DtResult *res);

/* n cases at once (at most DT_BATCH_MAX): res[i] as dt_runner_run(cases[i]) would give. */
void dt_runner_run_batch(DtRunner *r, const DtCase *const *cases, unsigned n, DtResult *res);

/*
 * The allowlist entry that explains the difference, or NULL.  When the
 * software backend stopped with an exception, the op of the instruction it
 * stopped at is what the entry must list; otherwise any op of the case.
 */
const DtAllowEntry *dt_runner_explain(const DtRunner *r, const DtCase *c, const DtResult *res);

static inline bool dt_runner_unexplained(const DtRunner *r, const DtCase *c, const DtResult *res)
{
    return res->differs && dt_runner_explain(r, c, res) == NULL;
}

/*
 * The smallest case that still differs: the fewest instructions (greedy
 * removal, branches re-targeted) and then the fewest initial registers,
 * flags, x87/SSE registers and memory bytes that are not at their default
 * (dt_case_defaults).  If `keep_unexplained`, every step must also keep the
 * difference unexplained, so a bug does not shrink into an allowlisted
 * quirk.  out/out_res get the result; returns the number of trial runs.
 */
unsigned dt_minimize(DtRunner *r, const DtCase *c, bool keep_unexplained, DtCase *out,
                     DtResult *out_res);

/* Initial-state items that differ from the defaults (what "fewest registers" counts). */
unsigned dt_case_nondefault(const DtCase *c, char *list, size_t len);

#endif
