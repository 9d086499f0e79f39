/* Running a case under both backends, and minimizing a difference (runner.h). */
#include "difftest/runner.h"

#include "difftest/kvm_batch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void dt_runner_run(DtRunner *r, const DtCase *c, DtResult *res)
{
    dt_flags_begin(&res->trace);
    r->a->ops->run(r->a, c, &res->a, &res->trace);
    r->b->ops->run(r->b, c, &res->b, &res->trace);
    res->skipped = (res->a.stop == DT_STOP_RUNAWAY && res->b.stop == DT_STOP_RUNAWAY) ||
                   res->a.escaped || res->b.escaped;
    res->differs = dt_compare(c, &res->a, &res->b, &res->trace, &res->diff) && !res->skipped;
}

void dt_runner_run_batch(DtRunner *r, const DtCase *const *cases, unsigned n, DtResult *res)
{
    DtOutcome *outs[DT_BATCH_MAX] = { NULL };
    for (unsigned i = 0; i < n; i++) {
        dt_flags_begin(&res[i].trace);
        r->a->ops->run(r->a, cases[i], &res[i].a, &res[i].trace);
        outs[i] = &res[i].b;
    }
    r->b->ops->run_batch(r->b, cases, n, outs);
    for (unsigned i = 0; i < n; i++) {
        res[i].skipped = (res[i].a.stop == DT_STOP_RUNAWAY && res[i].b.stop == DT_STOP_RUNAWAY) ||
                         res[i].a.escaped || res[i].b.escaped;
        res[i].differs = dt_compare(cases[i], &res[i].a, &res[i].b, &res[i].trace, &res[i].diff) &&
                         !res[i].skipped;
    }
}

/*
 * The op of the instruction where the software backend (a) stopped with an
 * exception, or -1.  A trap (#DB, #BP, #OF, INT n) reports the address after
 * the instruction, a fault the instruction's own.
 */
static int faulting_op(const DtCase *c, const DtResult *res)
{
    const DtOutcome *a = &res->a;
    if (a->stop != DT_STOP_EXCEPTION) {
        return -1;
    }
    bool trap = a->vector == 1 || a->vector == 3 || a->vector == 4 || a->vector >= 32;
    uint8_t code[DT_MAX_INSNS * 15];
    uint64_t addr[DT_MAX_INSNS + 1];
    dt_case_layout(c, code, addr);
    for (unsigned i = 0; i < c->nr_insns; i++) {
        if (addr[trap ? i + 1 : i] == a->rip) {
            return c->insns[i].op;
        }
    }
    return -1;
}

const DtAllowEntry *dt_runner_explain(const DtRunner *r, const DtCase *c, const DtResult *res)
{
    if (!res->differs) {
        return NULL;
    }
    int both = res->a.stop == DT_STOP_EXCEPTION && res->b.stop == DT_STOP_EXCEPTION &&
               res->a.vector == res->b.vector ? res->a.vector : -1;
    int interp_vector = res->a.stop == DT_STOP_EXCEPTION ? res->a.vector : -1;
    return dt_allowlist_match(r->allow, c, &res->diff, &res->trace, faulting_op(c, res), both,
                              interp_vector);
}

/* ---- minimizing ---- */

typedef struct Minimizer {
    DtRunner *r;
    bool keep_unexplained;
    DtResult *res;      /* of the last trial */
    unsigned trials;
    char anchor[24];    /* the original's first differing field: it must keep differing */
} Minimizer;

static bool differs_in(const DtDiff *d, const char *name)
{
    for (unsigned i = 0; i < d->nr; i++) {
        if (!strcmp(d->f[i].name, name)) {
            return true;
        }
    }
    return false;
}

/*
 * Still the same difference?  It must still differ in the original's first
 * field (so shrinking does not drift to another, unrelated difference),
 * and stay unexplained if it was.
 */
static bool still_differs(Minimizer *m, DtCase *c)
{
    if (c->rflags & X86_FLAG_TF) {
        return false;   /* the harness's entry would take the single-step #DB in its own code */
    }
    dt_fpu_normalize(&c->fpu);   /* a reset FCW or FSW must not leave ES/B inconsistent */
    m->trials++;
    dt_runner_run(m->r, c, m->res);
    if (!m->res->differs || m->res->skipped) {
        return false;
    }
    if (m->anchor[0] && !differs_in(&m->res->diff, m->anchor)) {
        return false;
    }
    return !m->keep_unexplained || dt_runner_unexplained(m->r, c, m->res);
}

/* The case without instruction i: branches to it go to the instruction that takes its place. */
static void drop_insn(DtCase *c, unsigned i)
{
    memmove(&c->insns[i], &c->insns[i + 1], (c->nr_insns - i - 1) * sizeof(c->insns[0]));
    c->nr_insns--;
    for (unsigned k = 0; k < c->nr_insns; k++) {
        DtInsn *in = &c->insns[k];
        if (in->fix_kind == DT_FIX_BRANCH && (unsigned)in->target > i) {
            in->target--;
        }
    }
}

/*
 * Start later: drop the first k instructions and begin from the state the
 * software backend reaches just before instruction k (when the difference
 * comes later, both backends pass through that state).  This turns "ADC
 * that sets CF, then the ADC that goes wrong" into the second ADC alone,
 * with CF set in its initial state.
 */
static bool skip_prefix(Minimizer *m, DtCase *cur, DtCase *trial)
{
    uint8_t code[DT_MAX_INSNS * 15];
    uint64_t addr[DT_MAX_INSNS + 1];
    dt_case_layout(cur, code, addr);
    for (unsigned k = cur->nr_insns - 1; k >= 1; k--) {
        if (!dt_interp_state_at(m->r->a, cur, addr[k], trial)) {
            continue;
        }
        memmove(&trial->insns[0], &cur->insns[k], (cur->nr_insns - k) * sizeof(cur->insns[0]));
        trial->nr_insns = (uint8_t)(cur->nr_insns - k);
        for (unsigned i = 0; i < trial->nr_insns; i++) {
            DtInsn *in = &trial->insns[i];
            if (in->fix_kind == DT_FIX_BRANCH) {
                in->target = (int8_t)(in->target - (int)k);
            }
        }
        if (still_differs(m, trial)) {
            *cur = *trial;
            return true;
        }
    }
    return false;
}

static bool shrink_code(Minimizer *m, DtCase *cur, DtCase *trial)
{
    bool progress = false;
    for (int i = (int)cur->nr_insns - 1; i >= 0 && cur->nr_insns > 1; i--) {
        *trial = *cur;
        drop_insn(trial, (unsigned)i);
        if (still_differs(m, trial)) {
            *cur = *trial;
            progress = true;
        }
    }
    return progress;
}

/* Try putting `len` bytes at `field` back to their default (in `def`). */
static bool try_default(Minimizer *m, DtCase *cur, DtCase *trial, const DtCase *def, size_t off,
                        size_t len)
{
    const uint8_t *d = (const uint8_t *)def + off;
    if (!memcmp((uint8_t *)cur + off, d, len)) {
        return false;
    }
    *trial = *cur;
    memcpy((uint8_t *)trial + off, d, len);
    if (still_differs(m, trial)) {
        *cur = *trial;
        return true;
    }
    return false;
}

#define FIELD(f) offsetof(DtCase, f), sizeof(((DtCase *)0)->f)

static void shrink_memory(Minimizer *m, DtCase *cur, DtCase *trial, const DtCase *def,
                          size_t off, size_t len)
{
    if (try_default(m, cur, trial, def, off, len)) {
        return;
    }
    /* halves, quarters ... down to 64-byte pieces */
    for (size_t piece = len / 2; piece >= 64; piece /= 2) {
        for (size_t at = 0; at < len; at += piece) {
            try_default(m, cur, trial, def, off + at, piece);
        }
    }
}

static void shrink_state(Minimizer *m, DtCase *cur, DtCase *trial, const DtCase *def)
{
    for (int i = 0; i < X86_NR_GPRS; i++) {
        try_default(m, cur, trial, def, offsetof(DtCase, regs) + 8u * i, 8);
    }
    if (!try_default(m, cur, trial, def, FIELD(rflags))) {
        /* flag by flag: keep only those that matter */
        for (int bit = 0; bit < 22; bit++) {
            uint64_t mask = 1ull << bit;
            if ((cur->rflags ^ def->rflags) & mask) {
                *trial = *cur;
                trial->rflags = (trial->rflags & ~mask) | (def->rflags & mask);
                if (still_differs(m, trial)) {
                    *cur = *trial;
                }
            }
        }
    }
    if (!try_default(m, cur, trial, def, FIELD(fpu))) {
        try_default(m, cur, trial, def, FIELD(fpu.fcw));
        try_default(m, cur, trial, def, FIELD(fpu.fsw));
        try_default(m, cur, trial, def, FIELD(fpu.ftw));
        try_default(m, cur, trial, def, FIELD(fpu.fop));
        try_default(m, cur, trial, def, FIELD(fpu.fip));
        try_default(m, cur, trial, def, FIELD(fpu.fdp));
        try_default(m, cur, trial, def, FIELD(fpu.mxcsr));
        for (int i = 0; i < 8; i++) {
            try_default(m, cur, trial, def, offsetof(DtCase, fpu.st) + sizeof(X87Reg) * i,
                        sizeof(X87Reg));
        }
        for (int i = 0; i < 16; i++) {
            try_default(m, cur, trial, def, offsetof(DtCase, fpu.xmm) + 16u * i, 16);
        }
    }
    shrink_memory(m, cur, trial, def, FIELD(data));
    shrink_memory(m, cur, trial, def, FIELD(stack));
}

unsigned dt_minimize(DtRunner *r, const DtCase *c, bool keep_unexplained, DtCase *out,
                     DtResult *out_res)
{
    DtCase *trial = malloc(sizeof(*trial)), *def = malloc(sizeof(*def));
    Minimizer m = { .r = r, .keep_unexplained = keep_unexplained, .res = out_res };
    *out = *c;
    /* the original's first differing field (out_res holds its result on entry, if any) */
    dt_runner_run(r, c, out_res);
    m.trials++;
    if (out_res->diff.nr > 0) {
        snprintf(m.anchor, sizeof(m.anchor), "%s", out_res->diff.f[0].name);
    }
    dt_case_defaults(def, (DtMode)c->mode);
    while (shrink_code(&m, out, trial)) {
    }
    if (out->nr_insns > 1 && skip_prefix(&m, out, trial)) {
        while (shrink_code(&m, out, trial)) {
        }
    }
    shrink_state(&m, out, trial, def);
    while (shrink_code(&m, out, trial)) {
    }
    /* leave out_res describing the minimized case */
    m.trials++;
    dt_runner_run(r, out, out_res);
    free(trial);
    free(def);
    return m.trials;
}

static bool any_nonzero(const uint8_t *p, size_t len, unsigned *count)
{
    unsigned n = 0;
    for (size_t i = 0; i < len; i++) {
        n += p[i] != 0;
    }
    *count = n;
    return n > 0;
}

unsigned dt_case_nondefault(const DtCase *c, char *list, size_t len)
{
    static const char *const gpr[] = { "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
                                       "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15" };
    DtCase def;
    unsigned n = 0, bytes;
    size_t used = 0;
    dt_case_defaults(&def, (DtMode)c->mode);
    list[0] = 0;
#define ITEM(...)                                                                  \
    do {                                                                           \
        n++;                                                                       \
        if (used < len) {                                                          \
            used += (size_t)snprintf(list + used, len - used, __VA_ARGS__);        \
        }                                                                          \
    } while (0)
    for (int i = 0; i < X86_NR_GPRS; i++) {
        if (c->regs[i] != def.regs[i]) {
            ITEM("%s%s=0x%llx", n ? " " : "", gpr[i], (unsigned long long)c->regs[i]);
        }
    }
    if (c->rflags != def.rflags) {
        ITEM("%srflags=0x%llx", n ? " " : "", (unsigned long long)c->rflags);
    }
    const DtFpu *f = &c->fpu, *g = &def.fpu;
    if (f->fcw != g->fcw) ITEM("%sfcw=0x%x", n ? " " : "", f->fcw);
    if (f->fsw != g->fsw) ITEM("%sfsw=0x%x", n ? " " : "", f->fsw);
    if (f->ftw != g->ftw) ITEM("%sftw=0x%x", n ? " " : "", f->ftw);
    if (f->fop != g->fop) ITEM("%sfop=0x%x", n ? " " : "", f->fop);
    if (f->fip != g->fip) ITEM("%sfip=0x%llx", n ? " " : "", (unsigned long long)f->fip);
    if (f->fdp != g->fdp) ITEM("%sfdp=0x%llx", n ? " " : "", (unsigned long long)f->fdp);
    if (f->mxcsr != g->mxcsr) ITEM("%smxcsr=0x%x", n ? " " : "", f->mxcsr);
    for (int i = 0; i < 8; i++) {
        if (memcmp(&f->st[i], &g->st[i], sizeof(X87Reg))) {
            ITEM("%sr%d=%04x:%016llx", n ? " " : "", i, f->st[i].sign_exp,
                 (unsigned long long)f->st[i].mantissa);
        }
    }
    for (int i = 0; i < 16; i++) {
        if (memcmp(&f->xmm[i], &g->xmm[i], 16)) {
            ITEM("%sxmm%d=%016llx%016llx", n ? " " : "", i, (unsigned long long)f->xmm[i].q[1],
                 (unsigned long long)f->xmm[i].q[0]);
        }
    }
    if (any_nonzero(c->data, sizeof(c->data), &bytes)) {
        ITEM("%sdata(%u bytes)", n ? " " : "", bytes);
    }
    if (any_nonzero(c->stack, sizeof(c->stack), &bytes)) {
        ITEM("%sstack(%u bytes)", n ? " " : "", bytes);
    }
#undef ITEM
    return n;
}
