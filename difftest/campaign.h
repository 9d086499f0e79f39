/* A difftest run: worker threads generating and running cases, the watchdog, findings, the summary. */
#ifndef DIFFTEST_CAMPAIGN_H
#define DIFFTEST_CAMPAIGN_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/x86/decode.h"
#include "difftest/allowlist.h"
#include "difftest/layout.h"

typedef struct DtConfig {
    uint64_t seed;
    uint64_t count;             /* 0: until time runs out */
    double seconds;             /* 0: until count */
    unsigned jobs;
    unsigned batch;             /* cases per kvm run (1: one at a time) */
    const char *backends[2];
    DtMode mode;
    const char *save_dir;
    const char *replay;
    bool ops_given;
    bool wanted[X86_OP_COUNT];
    unsigned max_insns;
    unsigned max_reports;       /* detailed reports printed */
    bool progress;
    bool verbose;               /* report explained differences too */
} DtConfig;

typedef struct DtTotals {
    uint64_t cases;
    uint64_t differences;
    uint64_t unexplained;
    uint64_t skipped;           /* both backends ran away, or a jump into harness code */
    uint64_t batch_only;        /* differed in a batch only, not when run again alone */
    double seconds;
} DtTotals;

/*
 * Run the cases of cfg (or replay cfg->replay) with the allowlist, print
 * the reports on stdout and fill totals.  0, or -1 with a one-line message
 * in err when the run could not be made (a backend, the save directory).
 */
int dt_campaign_run(const DtConfig *cfg, const DtAllowlist *allow, DtTotals *totals, char *err,
                    size_t errlen);

/* Create the hardware backend once to see which DT_QUIRK_* this host has.  0, or -1 with err. */
int dt_probe_quirks(const DtConfig *cfg, unsigned *quirks, char *err, size_t errlen);

/* The last line of every run (difftest: N cases, D differences (U unexplained), R cases/s). */
void dt_print_summary(const DtTotals *t);

#endif
