/* tandem-difftest: random instruction sequences under two backends (interp vs kvm), compared. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cpu/x86/exec.h"
#include "difftest/backend.h"
#include "difftest/campaign.h"
#include "difftest/gen.h"
#include "difftest/kvm_batch.h"

#ifndef DT_DEFAULT_ALLOWLIST
#define DT_DEFAULT_ALLOWLIST "difftest/allowlist.txt"
#endif

static void usage(FILE *f)
{
    fprintf(f,
        "usage: tandem-difftest [options]\n"
        "  --seed N          seed of the run (default: from the clock; printed)\n"
        "  --count N         cases to run (default 10000 unless --time)\n"
        "  --time SECONDS    stop after this long\n"
        "  --jobs N          worker threads (default: the online CPUs)\n"
        "  --batch N         cases per kvm run, 1-%d (default 16; 1 runs each alone)\n"
        "  --backends A,B    the two backends to compare (default interp,kvm)\n"
        "  --mode M          64 (default) or compat32\n"
        "  --ops OP,OP...    only these ops (tandem's names: ADC,SHLD,FADD...; groups @x87,\n"
        "                    @sse, @all; -OP or -@group leaves them out)\n"
        "  --insns N         at most N instructions per case (default 8, max %d)\n"
        "  --save DIR        write every difference as a case file into DIR\n"
        "  --replay FILE     run one saved case again\n"
        "  --allowlist FILE  explained differences (default %s)\n"
        "  --max-reports N   detailed reports to print (default 20)\n"
        "  --list-ops        print the ops that are generated, and those that are not\n"
        "  --probe           check that the backends can run here (status 0) or say why not\n"
        "  --progress        a progress line on stderr every 10 s\n"
        "  --verbose         report explained differences too\n"
        "The last line is: difftest: N cases, D differences (U unexplained), R cases/s\n"
        "Exit status: 0, or 1 when a difference is unexplained or the run failed.\n",
        DT_BATCH_MAX, DT_MAX_INSNS, DT_DEFAULT_ALLOWLIST);
}

/* ---- the planted bug, for the test that shows a bug is found (tests/difftest/planted-bug.t) ---- */

static X86Handler original_adc;

/* ADC with a wrong carry-out whenever the carry-in is set. */
static void planted_adc(X86Cpu *cpu, const X86Insn *insn)
{
    uint64_t carry_in = cpu->s.rflags & X86_FLAG_CF;
    original_adc(cpu, insn);
    if (carry_in) {
        cpu->s.rflags ^= X86_FLAG_CF;
    }
}

static int plant_bug(const char *name)
{
    if (strcmp(name, "adc-carry") != 0) {
        fprintf(stderr, "tandem-difftest: unknown planted bug '%s' (have: adc-carry)\n", name);
        return -1;
    }
    /* The table is a plain static array in exec.c: this process's copy only. */
    X86Handler *table = (X86Handler *)x86_handlers();
    original_adc = table[X86_OP_ADC];
    table[X86_OP_ADC] = planted_adc;
    return 0;
}

/* ---- options ---- */

static bool parse_number(const char *s, uint64_t *v)
{
    char *end;
    errno = 0;
    *v = strtoull(s, &end, 0);
    return errno == 0 && end != s && *end == 0 && s[0] != '-';
}

/* Ops of a group name (@x87, @sse, @all), or of one op name; false if unknown. */
static bool op_range(const char *t, unsigned *first, unsigned *last)
{
    if (!strcmp(t, "@x87")) {
        *first = X86_OP_FADD, *last = X86_OP_FSETPM;
    } else if (!strcmp(t, "@sse")) {
        *first = X86_OP_EMMS, *last = X86_OP_COUNT - 1;
    } else if (!strcmp(t, "@all")) {
        *first = 1, *last = X86_OP_COUNT - 1;
    } else {
        unsigned op;
        for (op = 1; op < X86_OP_COUNT && strcasecmp(x86_op_name(op), t); op++) {
        }
        if (op == X86_OP_COUNT) {
            return false;
        }
        *first = *last = op;
    }
    return true;
}

/* NAME,@group adds; -NAME,-@group removes (from every default op if the list starts so). */
static int parse_ops(DtConfig *cfg, const char *list)
{
    char *copy = strdup(list), *save = NULL;
    int r = 0;
    cfg->ops_given = true;
    if (list[0] == '-') {
        for (unsigned op = 1; op < X86_OP_COUNT; op++) {
            cfg->wanted[op] = dt_gen_excluded(op) == NULL;
        }
    }
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        bool remove = t[0] == '-';
        unsigned first, last;
        if (!op_range(t + remove, &first, &last)) {
            fprintf(stderr, "tandem-difftest: --ops: unknown op '%s'\n", t + remove);
            r = -1;
            break;
        }
        for (unsigned op = first; op <= last; op++) {
            cfg->wanted[op] = !remove && (first == last || dt_gen_excluded(op) == NULL);
        }
    }
    free(copy);
    return r;
}

static int parse_backends(DtConfig *cfg, char *list)
{
    char *comma = strchr(list, ',');
    if (!comma || strchr(comma + 1, ',') || comma == list || !comma[1]) {
        fprintf(stderr, "tandem-difftest: --backends wants two names: A,B\n");
        return -1;
    }
    *comma = 0;
    cfg->backends[0] = list;
    cfg->backends[1] = comma + 1;
    return 0;
}

static void list_ops(const DtConfig *cfg)
{
    DtGen g;
    char err[256];
    const X86Handler *h = x86_handlers();
    unsigned quirks = 0;
    if (dt_probe_quirks(cfg, &quirks, err, sizeof(err)) != 0) {
        printf("(cannot probe the host: %s)\n", err);
    }
    unsigned n = dt_gen_init(&g, cfg->mode, cfg->ops_given ? cfg->wanted : NULL, 8, quirks);
    printf("generated in mode %s (%u ops):", dt_mode_name(cfg->mode), n);
    for (unsigned i = 0; i < g.nr_ops; i++) {
        printf(" %s", x86_op_name(g.ops[i]));
    }
    printf("\nexcluded:\n");
    for (unsigned op = 1; op < X86_OP_COUNT; op++) {
        const char *why = dt_gen_excluded(op);
        if (h[op] && why) {
            printf("  %s: %s\n", x86_op_name(op), why);
        }
    }
    unsigned missing = 0;
    printf("without a handler (not generated until their family exists):");
    for (unsigned op = 1; op < X86_OP_COUNT; op++) {
        if (!h[op]) {
            printf(" %s", x86_op_name(op));
            missing++;
        }
    }
    printf("\n(%u ops without a handler)\n", missing);
    printf("rows not generated on this host:\n");
    for (unsigned i = 0; i < x86_opcode_table_len; i++) {
        const char *why = dt_gen_row_excluded(i, cfg->mode, quirks);
        if (why && h[x86_opcode_table[i].op]) {
            printf("  %s (opcode 0x%x): %s\n", x86_op_name(x86_opcode_table[i].op),
                   x86_opcode_table[i].opcode, why);
        }
    }
}

static int probe(const DtConfig *cfg)
{
    for (int i = 0; i < 2; i++) {
        const DtBackendOps *ops = dt_backend_find(cfg->backends[i]);
        const char *why = ops ? ops->unavailable() : "not built into this tandem-difftest";
        if (why) {
            printf("%s: unavailable: %s\n", cfg->backends[i], why);
            return 1;
        }
        printf("%s: available\n", cfg->backends[i]);
    }
    return 0;
}

enum { OPT_SEED = 256, OPT_COUNT, OPT_TIME, OPT_JOBS, OPT_BATCH, OPT_BACKENDS, OPT_MODE, OPT_OPS,
       OPT_INSNS, OPT_SAVE, OPT_REPLAY, OPT_ALLOWLIST, OPT_MAX_REPORTS, OPT_LIST_OPS, OPT_PROBE,
       OPT_PROGRESS, OPT_VERBOSE, OPT_PLANT, OPT_HELP };

static const struct option long_options[] = {
    { "seed", required_argument, NULL, OPT_SEED },
    { "count", required_argument, NULL, OPT_COUNT },
    { "time", required_argument, NULL, OPT_TIME },
    { "jobs", required_argument, NULL, OPT_JOBS },
    { "batch", required_argument, NULL, OPT_BATCH },
    { "backends", required_argument, NULL, OPT_BACKENDS },
    { "mode", required_argument, NULL, OPT_MODE },
    { "ops", required_argument, NULL, OPT_OPS },
    { "insns", required_argument, NULL, OPT_INSNS },
    { "save", required_argument, NULL, OPT_SAVE },
    { "replay", required_argument, NULL, OPT_REPLAY },
    { "allowlist", required_argument, NULL, OPT_ALLOWLIST },
    { "max-reports", required_argument, NULL, OPT_MAX_REPORTS },
    { "list-ops", no_argument, NULL, OPT_LIST_OPS },
    { "probe", no_argument, NULL, OPT_PROBE },
    { "progress", no_argument, NULL, OPT_PROGRESS },
    { "verbose", no_argument, NULL, OPT_VERBOSE },
    { "plant-bug", required_argument, NULL, OPT_PLANT },   /* test hook, not in --help */
    { "help", no_argument, NULL, OPT_HELP },
    { NULL, 0, NULL, 0 },
};

typedef struct Cli {
    DtConfig cfg;
    const char *allowlist;
    bool allowlist_given, seed_given, list_ops, probe;
    const char *plant;
} Cli;

static int parse_option(Cli *cli, int opt, char *arg)
{
    DtConfig *cfg = &cli->cfg;
    uint64_t v;
    switch (opt) {
    case OPT_SEED:
        if (!parse_number(arg, &cfg->seed)) goto bad;
        cli->seed_given = true;
        return 0;
    case OPT_COUNT:
        if (!parse_number(arg, &cfg->count) || cfg->count == 0) goto bad;
        return 0;
    case OPT_TIME: {
        char *end;
        cfg->seconds = strtod(arg, &end);
        if (end == arg || *end || !(cfg->seconds > 0)) goto bad;
        return 0;
    }
    case OPT_JOBS:
        if (!parse_number(arg, &v) || v == 0 || v > 256) goto bad;
        cfg->jobs = (unsigned)v;
        return 0;
    case OPT_BATCH:
        if (!parse_number(arg, &v) || v == 0 || v > DT_BATCH_MAX) goto bad;
        cfg->batch = (unsigned)v;
        return 0;
    case OPT_BACKENDS:
        return parse_backends(cfg, arg);
    case OPT_MODE:
        if (!dt_mode_parse(arg, &cfg->mode)) goto bad;
        return 0;
    case OPT_OPS:
        return parse_ops(cfg, arg);
    case OPT_INSNS:
        if (!parse_number(arg, &v) || v == 0 || v > DT_MAX_INSNS) goto bad;
        cfg->max_insns = (unsigned)v;
        return 0;
    case OPT_SAVE: cfg->save_dir = arg; return 0;
    case OPT_REPLAY: cfg->replay = arg; return 0;
    case OPT_ALLOWLIST: cli->allowlist = arg; cli->allowlist_given = true; return 0;
    case OPT_MAX_REPORTS:
        if (!parse_number(arg, &v) || v > 100000) goto bad;
        cfg->max_reports = (unsigned)v;
        return 0;
    case OPT_LIST_OPS: cli->list_ops = true; return 0;
    case OPT_PROBE: cli->probe = true; return 0;
    case OPT_PROGRESS: cfg->progress = true; return 0;
    case OPT_VERBOSE: cfg->verbose = true; return 0;
    case OPT_PLANT: cli->plant = arg; return 0;
    default:
        return -1;
    }
bad:
    fprintf(stderr, "tandem-difftest: bad value '%s' for --%s\n", arg,
            long_options[opt - OPT_SEED].name);
    return -1;
}

static int parse_cli(Cli *cli, int argc, char **argv)
{
    DtConfig *cfg = &cli->cfg;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    memset(cli, 0, sizeof(*cli));
    cfg->jobs = cpus > 0 ? (unsigned)cpus : 1;
    cfg->backends[0] = "interp";
    cfg->backends[1] = "kvm";
    cfg->mode = DT_MODE_64;
    cfg->max_insns = 8;
    cfg->max_reports = 20;
    cfg->batch = 16;
    cli->allowlist = DT_DEFAULT_ALLOWLIST;
    int opt;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "", long_options, NULL)) != -1) {
        if (opt == OPT_HELP) {
            usage(stdout);
            exit(0);
        }
        if (opt == '?') {
            fprintf(stderr, "tandem-difftest: unknown or incomplete option '%s' (see --help)\n",
                    argv[optind - 1]);
            return -1;
        }
        if (parse_option(cli, opt, optarg) != 0) {
            return -1;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "tandem-difftest: unexpected argument '%s' (see --help)\n", argv[optind]);
        return -1;
    }
    if (!cli->seed_given) {
        struct timespec t;
        clock_gettime(CLOCK_REALTIME, &t);
        cfg->seed = (uint64_t)t.tv_sec * 1000003u ^ (uint64_t)t.tv_nsec;
    }
    if (!cfg->count && cfg->seconds <= 0) {
        cfg->count = 10000;
    }
    if (cfg->replay) {
        cfg->jobs = 1;
        cfg->verbose = true;   /* a replay reports its difference even when explained */
    }
    return 0;
}

int main(int argc, char **argv)
{
    Cli cli;
    char err[512];
    if (parse_cli(&cli, argc, argv) != 0) {
        return 1;
    }
    DtConfig *cfg = &cli.cfg;
    if (cli.plant && plant_bug(cli.plant) != 0) {
        return 1;
    }
    if (cli.list_ops) {
        list_ops(cfg);
        return 0;
    }
    if (cli.probe) {
        return probe(cfg);
    }
    DtAllowlist allow;
    if (dt_allowlist_load(&allow, cli.allowlist, err, sizeof(err)) != 0) {
        fprintf(stderr, "tandem-difftest: %s\n", err);
        return 1;
    }
    if (cli.plant) {
        printf("difftest: planted bug %s: interp's %s is wrong on purpose\n", cli.plant, "ADC");
    }
    DtTotals totals;
    int r = dt_campaign_run(cfg, &allow, &totals, err, sizeof(err));
    if (r != 0) {
        fprintf(stderr, "tandem-difftest: %s\n", err);
    }
    if (totals.batch_only) {
        printf("(%llu differences seen in a batch did not hold when the case ran alone)\n",
               (unsigned long long)totals.batch_only);
    }
    if (totals.skipped) {
        printf("(%llu cases ran away under both backends or jumped into the harness's code, and"
               " were not compared)\n",
               (unsigned long long)totals.skipped);
    }
    dt_print_summary(&totals);
    dt_allowlist_free(&allow);
    return r != 0 || totals.unexplained ? 1 : 0;
}
