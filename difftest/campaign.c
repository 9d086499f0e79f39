/* A difftest run: workers, watchdog, differences found and minimized, reports and the summary. */
#include "difftest/campaign.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "difftest/gen.h"
#include "difftest/kvm_batch.h"
#include "difftest/report.h"
#include "difftest/runner.h"

/*
 * Each worker thread owns one machine per backend (kvm wants its vCPU
 * driven from the thread that made it) and takes case indices from a
 * shared counter: case i of seed S is the same whichever worker runs it,
 * so --seed reproduces a run whatever --jobs is.  A difference is
 * minimized on the worker that found it; reports are printed at the end,
 * in case order.  The watchdog thread stops a kvm case that loops.
 */

typedef struct Finding {
    uint64_t index;
    DtCase *c, *min;
    DtResult *res, *min_res;
    unsigned trials;
    const DtAllowEntry *why;
    char saved[512];
} Finding;

typedef struct Campaign {
    const DtConfig *cfg;
    const DtAllowlist *allow;
    DtGen gen;
    const DtBackendOps *ops[2];
    const char *names[2];       /* in the runner's order: the software backend first */
    atomic_ullong next, cases, differences, unexplained, skipped, saved, batch_only;
    atomic_bool done;
    uint64_t start_ns, deadline_ns;
    pthread_mutex_t lock;
    Finding *findings;
    unsigned nr_findings, cap_findings;
    uint64_t unreported;
    DtWatch *watch;
    char error[256];
} Campaign;

typedef struct Worker {
    Campaign *cp;
    DtWatch *watch;
    pthread_t thread;
} Worker;

#define MAX_SAVED_FILES 1000

static bool is_software(const DtBackendOps *ops)
{
    return ops == &dt_backend_interp;
}

/* The hardware backend first: the software one models its CPUID. */
static int make_runner(Campaign *cp, DtWatch *w, DtRunner *r, char *err, size_t errlen)
{
    DtBackend *made[2] = { NULL, NULL };
    const X86Cpuid *model = NULL;
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < 2; i++) {
            if (is_software(cp->ops[i]) != (pass == 1)) {
                continue;
            }
            made[i] = cp->ops[i]->create(pass == 1 ? model : NULL, w, err, errlen);
            if (!made[i]) {
                for (int k = 0; k < 2; k++) {
                    if (made[k]) {
                        made[k]->ops->destroy(made[k]);
                    }
                }
                return -1;
            }
            if (!is_software(cp->ops[i])) {
                model = made[i]->ops->cpuid(made[i]);
            }
        }
    }
    /* the software backend's outcome goes first: the allowlist's A/B values are in that order */
    bool swap = !is_software(cp->ops[0]);
    r->a = made[swap ? 1 : 0];
    r->b = made[swap ? 0 : 1];
    r->allow = cp->allow;
    return 0;
}

static void destroy_runner(DtRunner *r)
{
    r->a->ops->destroy(r->a);
    r->b->ops->destroy(r->b);
}

static void save_finding(Campaign *cp, Finding *f)
{
    char err[256];
    const DtConfig *cfg = cp->cfg;
    if (!cfg->save_dir || atomic_fetch_add(&cp->saved, 1) >= MAX_SAVED_FILES) {
        return;
    }
    char comment[256];
    snprintf(comment, sizeof(comment), "%s difference, backends %s,%s",
             f->why ? "explained" : "unexplained", cfg->backends[0], cfg->backends[1]);
    snprintf(f->saved, sizeof(f->saved), "%s/diff-%llu-%llu.case", cfg->save_dir,
             (unsigned long long)f->c->seed, (unsigned long long)f->c->index);
    if (dt_case_save(f->saved, f->c, comment, err, sizeof(err)) != 0) {
        fprintf(stderr, "difftest: %s\n", err);
        f->saved[0] = 0;
        return;
    }
    if (f->min) {
        char path[600];
        snprintf(path, sizeof(path), "%s/diff-%llu-%llu.min.case", cfg->save_dir,
                 (unsigned long long)f->c->seed, (unsigned long long)f->c->index);
        strcat(comment, ", minimized");
        if (dt_case_save(path, f->min, comment, err, sizeof(err)) != 0) {
            fprintf(stderr, "difftest: %s\n", err);
        }
    }
}

static void free_finding(Finding *f)
{
    free(f->c);
    free(f->min);
    free(f->res);
    free(f->min_res);
}

static void keep_finding(Campaign *cp, Finding *f)
{
    pthread_mutex_lock(&cp->lock);
    bool keep = (!f->why || cp->cfg->verbose) && cp->nr_findings < cp->cfg->max_reports;
    if (keep) {
        if (cp->nr_findings == cp->cap_findings) {
            cp->cap_findings = cp->cap_findings ? 2 * cp->cap_findings : 16;
            cp->findings = realloc(cp->findings, cp->cap_findings * sizeof(*cp->findings));
        }
        cp->findings[cp->nr_findings++] = *f;
    } else if (!f->why) {
        cp->unreported++;
    }
    pthread_mutex_unlock(&cp->lock);
    if (!keep) {
        free_finding(f);
    }
}

static void count_explained(Campaign *cp, const DtAllowEntry *why)
{
    atomic_fetch_add(&cp->differences, 1);
    atomic_fetch_add((atomic_ulong *)&((DtAllowEntry *)why)->hits, 1);
}

/* Minimize, explain, count, save and keep (or drop) one difference. */
static void handle_difference(Campaign *cp, DtRunner *r, const DtCase *c, const DtResult *res)
{
    const DtAllowEntry *explained = dt_runner_explain(r, c, res);
    if (explained && !cp->cfg->verbose && !cp->cfg->replay) {
        count_explained(cp, explained);   /* no minimizing: it would cost ~30 runs */
        return;
    }
    Finding f = { .index = c->index };
    f.c = malloc(sizeof(*f.c));
    f.res = malloc(sizeof(*f.res));
    f.min = malloc(sizeof(*f.min));
    f.min_res = malloc(sizeof(*f.min_res));
    *f.c = *c;
    *f.res = *res;
    f.trials = dt_minimize(r, c, explained == NULL, f.min, f.min_res);
    if (f.min_res->differs) {
        f.why = dt_runner_explain(r, f.min, f.min_res);
    } else {
        /* it did not differ again: keep the original as it was */
        free(f.min);
        free(f.min_res);
        f.min = NULL;
        f.min_res = NULL;
        f.why = explained;
    }
    if (f.why) {
        count_explained(cp, f.why);
    } else {
        atomic_fetch_add(&cp->differences, 1);
        atomic_fetch_add(&cp->unexplained, 1);
    }
    save_finding(cp, &f);
    keep_finding(cp, &f);
}

static bool time_is_up(const Campaign *cp)
{
    return cp->deadline_ns && dt_now_ns() >= cp->deadline_ns;
}

static void *worker_main(void *arg)
{
    Worker *w = arg;
    Campaign *cp = w->cp;
    DtRunner runner;
    char err[256];
    if (make_runner(cp, w->watch, &runner, err, sizeof(err)) != 0) {
        pthread_mutex_lock(&cp->lock);
        if (!cp->error[0]) {
            snprintf(cp->error, sizeof(cp->error), "%s", err);
        }
        pthread_mutex_unlock(&cp->lock);
        atomic_store(&cp->done, true);
        return NULL;
    }
    unsigned batch = cp->cfg->batch < 1 ? 1 : cp->cfg->batch > DT_BATCH_MAX ? DT_BATCH_MAX
                                                                           : cp->cfg->batch;
    DtCase *c = malloc(batch * sizeof(*c));
    DtResult *res = malloc(batch * sizeof(*res));
    const DtCase *cases[DT_BATCH_MAX];
    while (!atomic_load(&cp->done) && !time_is_up(cp)) {
        uint64_t first = atomic_fetch_add(&cp->next, batch);
        unsigned n = batch;
        if (cp->cfg->count && first + n > cp->cfg->count) {
            n = first >= cp->cfg->count ? 0 : (unsigned)(cp->cfg->count - first);
        }
        if (n == 0) {
            break;
        }
        for (unsigned k = 0; k < n; k++) {
            dt_gen_case(&cp->gen, cp->cfg->seed, first + k, &c[k]);
            cases[k] = &c[k];
        }
        dt_runner_run_batch(&runner, cases, n, res);
        atomic_fetch_add(&cp->cases, n);
        for (unsigned k = 0; k < n; k++) {
            if (res[k].skipped) {
                atomic_fetch_add(&cp->skipped, 1);
                continue;
            }
            if (!res[k].differs) {
                continue;
            }
            if (n > 1) {
                /* a batch's difference must hold for the case alone too */
                dt_runner_run(&runner, &c[k], &res[k]);
                if (!res[k].differs) {
                    atomic_fetch_add(&cp->batch_only, 1);
                    continue;
                }
            }
            handle_difference(cp, &runner, &c[k], &res[k]);
        }
    }
    free(c);
    free(res);
    destroy_runner(&runner);
    return NULL;
}

static void *watchdog_main(void *arg)
{
    Campaign *cp = arg;
    uint64_t last_progress = dt_now_ns();
    while (!atomic_load(&cp->done)) {
        struct timespec ts = { 0, 10 * 1000 * 1000 };
        nanosleep(&ts, NULL);
        uint64_t now = dt_now_ns();
        for (unsigned i = 0; i < cp->cfg->jobs; i++) {
            dt_watch_check(&cp->watch[i], now);
        }
        if (cp->cfg->progress && now - last_progress >= 10000000000ull) {
            last_progress = now;
            unsigned long long n = atomic_load(&cp->cases);
            fprintf(stderr, "difftest: ... %llu cases, %llu differences (%llu unexplained), %.0f cases/s\n",
                    n, (unsigned long long)atomic_load(&cp->differences),
                    (unsigned long long)atomic_load(&cp->unexplained),
                    (double)n / ((double)(now - cp->start_ns) / 1e9));
        }
    }
    return NULL;
}

static int compare_findings(const void *a, const void *b)
{
    const Finding *x = a, *y = b;
    return x->index < y->index ? -1 : x->index > y->index;
}

static void print_findings(Campaign *cp)
{
    if (cp->nr_findings > 1) {
        qsort(cp->findings, cp->nr_findings, sizeof(Finding), compare_findings);
    }
    for (unsigned i = 0; i < cp->nr_findings; i++) {
        Finding *f = &cp->findings[i];
        dt_report_difference(stdout, i + 1, cp->names[0], cp->names[1], f->c, f->res,
                             f->min, f->min_res, f->trials, f->why, cp->allow,
                             f->saved[0] ? f->saved : NULL);
        free_finding(f);
    }
    if (cp->unreported) {
        printf("(%llu more unexplained differences not shown: --max-reports N)\n",
               (unsigned long long)cp->unreported);
    }
    for (unsigned i = 0; cp->allow && i < cp->allow->nr; i++) {
        const DtAllowEntry *e = &cp->allow->e[i];
        unsigned long hits = atomic_load((atomic_ulong *)&e->hits);
        if (hits) {
            printf("explained by %s:%d: %lu difference%s\n", cp->allow->path, e->line, hits,
                   hits == 1 ? "" : "s");
        }
    }
    free(cp->findings);
}

static int check_backends(Campaign *cp, char *err, size_t errlen)
{
    for (int i = 0; i < 2; i++) {
        cp->ops[i] = dt_backend_find(cp->cfg->backends[i]);
        if (!cp->ops[i]) {
            snprintf(err, errlen, "unknown backend '%s' (have: interp%s)", cp->cfg->backends[i],
                     dt_backend_find("kvm") ? ", kvm" : "");
            return -1;
        }
        const char *why = cp->ops[i]->unavailable();
        if (why) {
            snprintf(err, errlen, "backend %s unavailable: %s", cp->ops[i]->name, why);
            return -1;
        }
    }
    if (!is_software(cp->ops[0]) && !is_software(cp->ops[1])) {
        snprintf(err, errlen, "one of the backends must be interp (it traces undefined flags)");
        return -1;
    }
    bool swap = !is_software(cp->ops[0]);
    cp->names[0] = cp->ops[swap ? 1 : 0]->name;
    cp->names[1] = cp->ops[swap ? 0 : 1]->name;
    return 0;
}

static int run_replay(Campaign *cp, char *err, size_t errlen)
{
    DtRunner runner;
    DtCase *c = malloc(sizeof(*c));
    DtResult *res = malloc(sizeof(*res));
    int r = dt_case_load(cp->cfg->replay, c, err, errlen);
    if (r == 0 && (r = make_runner(cp, &cp->watch[0], &runner, err, errlen)) == 0) {
        dt_runner_run(&runner, c, res);
        atomic_store(&cp->cases, 1);
        printf("replay of %s (case %llu of seed %llu, mode %s):\n", cp->cfg->replay,
               (unsigned long long)c->index, (unsigned long long)c->seed, dt_mode_name(c->mode));
        if (res->differs) {
            handle_difference(cp, &runner, c, res);
            if (cp->nr_findings == 0) {
                printf("  (explained: see the allowlist summary below)\n");
            }
        } else {
            dt_report_code(stdout, c, "    ");
            dt_report_outcomes(stdout, cp->names[0], cp->names[1], res, "    ");
            printf("  no difference%s\n", res->skipped ? " (not compared: both ran away, or the case"
               " jumped into the harness's code)" : "");
        }
        destroy_runner(&runner);
    }
    free(c);
    free(res);
    return r;
}

static int run_cases(Campaign *cp, char *err, size_t errlen)
{
    const DtConfig *cfg = cp->cfg;
    Worker *workers = calloc(cfg->jobs, sizeof(Worker));
    unsigned started = 0;
    for (unsigned i = 0; i < cfg->jobs; i++) {
        workers[i] = (Worker){ .cp = cp, .watch = &cp->watch[i] };
        if (pthread_create(&workers[i].thread, NULL, worker_main, &workers[i]) != 0) {
            snprintf(cp->error, sizeof(cp->error), "cannot start worker thread %u", i);
            break;
        }
        started++;
    }
    for (unsigned i = 0; i < started; i++) {
        pthread_join(workers[i].thread, NULL);
    }
    free(workers);
    if (cp->error[0]) {
        snprintf(err, errlen, "%s", cp->error);
        return -1;
    }
    return 0;
}

int dt_probe_quirks(const DtConfig *cfg, unsigned *quirks, char *err, size_t errlen)
{
    *quirks = 0;
    for (int i = 0; i < 2; i++) {
        const DtBackendOps *ops = dt_backend_find(cfg->backends[i]);
        if (!ops || is_software(ops) || ops->unavailable()) {
            continue;
        }
        DtBackend *b = ops->create(NULL, NULL, err, errlen);
        if (!b) {
            return -1;
        }
        *quirks |= b->ops->quirks(b);
        b->ops->destroy(b);
    }
    return 0;
}

int dt_campaign_run(const DtConfig *cfg, const DtAllowlist *allow, DtTotals *totals, char *err,
                    size_t errlen)
{
    Campaign *cp = calloc(1, sizeof(*cp));
    cp->cfg = cfg;
    cp->allow = allow;
    pthread_mutex_init(&cp->lock, NULL);
    cp->watch = calloc(cfg->jobs ? cfg->jobs : 1, sizeof(DtWatch));
    for (unsigned i = 0; i < (cfg->jobs ? cfg->jobs : 1); i++) {
        pthread_mutex_init(&cp->watch[i].lock, NULL);
    }
    int r = check_backends(cp, err, errlen);
    if (r == 0 && cfg->save_dir && mkdir(cfg->save_dir, 0777) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "--save %s: %s", cfg->save_dir, strerror(errno));
        r = -1;
    }
    if (r == 0 && !cfg->replay) {
        unsigned quirks = 0;
        r = dt_probe_quirks(cfg, &quirks, err, errlen);
        unsigned ops = dt_gen_init(&cp->gen, cfg->mode, cfg->ops_given ? cfg->wanted : NULL,
                                   cfg->max_insns, quirks);
        if (r == 0 && ops == 0) {
            snprintf(err, errlen, "no op to generate (--ops names none with a handler)");
            r = -1;
        }
        if (r == 0 && cfg->mode == DT_MODE_COMPAT32 && (quirks & DT_QUIRK_COMPAT_EMULATED)) {
            printf("difftest: warning: this host's kvm runs compatibility-mode code in its "
                   "instruction emulator (FLD1 raises #UD there), not on the CPU: compat32 "
                   "differences are the emulator's as much as tandem's\n");
        }
        if (r == 0) {
            printf("difftest: seed %llu, mode %s, backends %s,%s, %u jobs, %u ops, allowlist %s "
                   "(%u entries)%s\n",
                   (unsigned long long)cfg->seed, dt_mode_name(cfg->mode), cfg->backends[0],
                   cfg->backends[1], cfg->jobs, ops, allow->path, allow->nr,
                   quirks ? "; host quirks (see --list-ops): rows not generated" : "");
            fflush(stdout);
        }
    }
    cp->start_ns = dt_now_ns();
    cp->deadline_ns = cfg->seconds > 0 ? cp->start_ns + (uint64_t)(cfg->seconds * 1e9) : 0;
    if (r == 0) {
        pthread_t watchdog;
        pthread_create(&watchdog, NULL, watchdog_main, cp);
        r = cfg->replay ? run_replay(cp, err, errlen) : run_cases(cp, err, errlen);
        atomic_store(&cp->done, true);
        pthread_join(watchdog, NULL);
    }
    totals->seconds = (double)(dt_now_ns() - cp->start_ns) / 1e9;
    totals->cases = atomic_load(&cp->cases);
    totals->differences = atomic_load(&cp->differences);
    totals->unexplained = atomic_load(&cp->unexplained);
    totals->skipped = atomic_load(&cp->skipped);
    totals->batch_only = atomic_load(&cp->batch_only);
    print_findings(cp);
    free(cp->watch);
    free(cp);
    return r;
}

void dt_print_summary(const DtTotals *t)
{
    double rate = t->seconds > 0 ? (double)t->cases / t->seconds : 0;
    printf("difftest: %llu cases, %llu differences (%llu unexplained), %.0f cases/s\n",
           (unsigned long long)t->cases, (unsigned long long)t->differences,
           (unsigned long long)t->unexplained, rate);
    fflush(stdout);
}
