/* Reading difftest/allowlist.txt and matching differences against it (allowlist.h). */
#include "difftest/allowlist.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/x86/decode.h"

static int op_by_name(const char *name)
{
    for (unsigned op = 1; op < X86_OP_COUNT; op++) {
        if (!strcmp(x86_op_name(op), name)) {
            return (int)op;
        }
    }
    return -1;
}

static bool field_known(const char *f)
{
    static const char *const classes[] = { "stop", "exception", "gpr", "rip", "flags", "seg",
                                           "x87", "sse", "mem" };
    for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++) {
        if (!strcmp(f, classes[i])) {
            return true;
        }
    }
    /* a field name: letters, digits, dots and brackets */
    for (const char *p = f; *p; p++) {
        if (!isalnum((unsigned char)*p) && *p != '.' && *p != '_') {
            return false;
        }
    }
    return *f != 0;
}

/* Split the next whitespace-delimited word off *p. */
static char *next_word(char **p)
{
    char *s = *p;
    while (*s && isspace((unsigned char)*s)) {
        s++;
    }
    if (!*s) {
        return NULL;
    }
    char *w = s;
    while (*s && !isspace((unsigned char)*s)) {
        s++;
    }
    if (*s) {
        *s++ = 0;
    }
    *p = s;
    return w;
}

static bool add_op(DtAllowEntry *e, unsigned op)
{
    if (e->nr_ops == DT_ALLOW_MAX_OPS) {
        return false;
    }
    e->ops[e->nr_ops++] = (uint16_t)op;
    return true;
}

/* A group is stored as its first and last op, with 0xffff between them. */
static bool add_group(DtAllowEntry *e, unsigned first, unsigned last)
{
    return add_op(e, first) && add_op(e, 0xffff) && add_op(e, last);
}

static int parse_ops(DtAllowEntry *e, char *ops, char *err, size_t errlen, const char *where)
{
    for (char *save = NULL, *t = strtok_r(ops, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (!strcmp(t, "@undefined-input")) {
            e->undefined_input = true;
            continue;
        }
        if (!strcmp(t, "@noncanonical-rsp")) {
            e->noncanonical_rsp = true;
            continue;
        }
        if (!strcmp(t, "@canonical-edge")) {
            e->canonical_edge = true;
            continue;
        }
        if (!strcmp(t, "@ignored-override")) {
            e->ignored_override = true;
            continue;
        }
        if (!strcmp(t, "@misaligned-stack")) {
            e->misaligned_stack = true;
            continue;
        }
        if (!strcmp(t, "@xsave-avx")) {
            e->avx_requested = true;
            continue;
        }
        if (!strcmp(t, "@mxcsr-mask")) {
            e->mxcsr_mask_read = true;
            continue;
        }
        if (!strcmp(t, "*")) {
            e->any_op = true;
            continue;
        }
        if (!strcmp(t, "@x87") || !strcmp(t, "@sse")) {
            bool x87 = t[1] == 'x';
            if (!add_group(e, x87 ? X86_OP_FADD : X86_OP_EMMS,
                           x87 ? X86_OP_FSETPM : X86_OP_COUNT - 1)) {
                snprintf(err, errlen, "%s: too many ops", where);
                return -1;
            }
            continue;
        }
        int op = op_by_name(t);
        if (op < 0 || !add_op(e, (unsigned)op)) {
            snprintf(err, errlen, "%s: unknown op '%s'", where, t);
            return -1;
        }
    }
    return 0;
}

static int parse_fields(DtAllowEntry *e, char *fields, char *err, size_t errlen, const char *where)
{
    for (char *save = NULL, *t = strtok_r(fields, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(t, '=');
        if (eq) {
            *eq++ = 0;
        }
        if (!field_known(t) || strlen(t) >= sizeof(e->fields[0]) ||
            e->nr_fields == DT_ALLOW_MAX_FIELDS ||
            (eq && (strlen(eq) >= sizeof(e->values[0]) || !strchr(eq, '/')))) {
            snprintf(err, errlen, "%s: bad field '%s'", where, t);
            return -1;
        }
        snprintf(e->values[e->nr_fields], sizeof(e->values[0]), "%s", eq ? eq : "");
        strcpy(e->fields[e->nr_fields++], t);
    }
    return 0;
}

static int parse_line(DtAllowEntry *e, char *line, char *err, size_t errlen, const char *where)
{
    char *p = line;
    char *ops = next_word(&p), *w = next_word(&p);
    e->mode = -1;
    e->vector = -1;
    if (w && !strncmp(w, "mode=", 5)) {
        DtMode m;
        if (!dt_mode_parse(w + 5, &m)) {
            snprintf(err, errlen, "%s: bad mode '%s'", where, w + 5);
            return -1;
        }
        e->mode = (int)m;
        w = next_word(&p);
    }
    if (w && !strncmp(w, "vector=", 7) && !strchr(w, '/')) {   /* not a field's vector=A/B */
        char *end;
        long v = strtol(w + 7, &end, 0);
        if (*end || v < 0 || v > 255) {
            snprintf(err, errlen, "%s: bad vector '%s'", where, w + 7);
            return -1;
        }
        e->vector = (int)v;
        w = next_word(&p);
    }
    if (w && !strncmp(w, "interp-fault=", 13)) {
        for (char *v = w + 13, *end;; v = end + 1) {
            long n = strtol(v, &end, 0);
            if (end == v || (*end && *end != ',') || n < 0 || n > 31) {
                snprintf(err, errlen, "%s: bad vectors '%s'", where, w + 13);
                return -1;
            }
            e->interp_faults |= 1u << n;
            if (!*end) {
                break;
            }
        }
        w = next_word(&p);
    }
    while (*p && isspace((unsigned char)*p)) {
        p++;
    }
    if (!w || !*p) {
        snprintf(err, errlen, "%s: want 'OPS [mode=M] FIELDS reason'", where);
        return -1;
    }
    snprintf(e->reason, sizeof(e->reason), "%s", p);
    return parse_ops(e, ops, err, errlen, where) || parse_fields(e, w, err, errlen, where) ? -1 : 0;
}

int dt_allowlist_load(DtAllowlist *al, const char *path, char *err, size_t errlen)
{
    memset(al, 0, sizeof(*al));
    snprintf(al->path, sizeof(al->path), "%s", path);
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: cannot open allowlist", path);
        return -1;
    }
    char line[2048];
    int lineno = 0;
    unsigned cap = 0;
    while (fgets(line, sizeof(line), f)) {
        lineno++;
        if (!strchr(line, '\n') && !feof(f)) {
            snprintf(err, errlen, "%s:%d: line longer than %zu bytes", path, lineno, sizeof(line) - 2);
            fclose(f);
            dt_allowlist_free(al);
            return -1;
        }
        line[strcspn(line, "\n")] = 0;
        char *s = line;
        while (isspace((unsigned char)*s)) {
            s++;
        }
        if (!*s || *s == '#') {
            continue;
        }
        if (al->nr == cap) {
            cap = cap ? 2 * cap : 16;
            al->e = realloc(al->e, cap * sizeof(*al->e));
        }
        DtAllowEntry *e = &al->e[al->nr];
        memset(e, 0, sizeof(*e));
        e->line = lineno;
        char where[300];
        snprintf(where, sizeof(where), "%s:%d", path, lineno);
        if (parse_line(e, s, err, errlen, where) != 0) {
            fclose(f);
            dt_allowlist_free(al);
            return -1;
        }
        al->nr++;
    }
    fclose(f);
    return 0;
}

void dt_allowlist_free(DtAllowlist *al)
{
    free(al->e);
    al->e = NULL;
    al->nr = 0;
}

static bool values_match(const char *want, const DtField *f)
{
    char both[sizeof(f->a) + sizeof(f->b) + 2];
    if (!*want) {
        return true;
    }
    snprintf(both, sizeof(both), "%s/%s", f->a, f->b);
    return !strcmp(want, both);
}

static bool covers(const DtAllowEntry *e, const DtField *f)
{
    const char *cls = dt_field_class_name(f->cls);
    for (unsigned i = 0; i < e->nr_fields; i++) {
        if ((!strcmp(e->fields[i], cls) || !strcmp(e->fields[i], f->name)) &&
            values_match(e->values[i], f)) {
            return true;
        }
    }
    return false;
}

static bool op_listed(const DtAllowEntry *e, unsigned op)
{
    for (unsigned k = 0; k < e->nr_ops; k++) {
        if (k + 2 < e->nr_ops && e->ops[k + 1] == 0xffff) {
            if (op >= e->ops[k] && op <= e->ops[k + 2]) {
                return true;
            }
            k += 2;
        } else if (e->ops[k] == op) {
            return true;
        }
    }
    return false;
}

static bool case_has_op(const DtCase *c, const DtAllowEntry *e, int fault_op)
{
    if (e->any_op) {
        return true;
    }
    if (fault_op >= 0) {
        return op_listed(e, (unsigned)fault_op);
    }
    for (unsigned i = 0; i < c->nr_insns; i++) {
        if (op_listed(e, c->insns[i].op)) {
            return true;
        }
    }
    return false;
}

/* Does entry e apply to this case at all (mode, ops, trace conditions)? */
static bool entry_applies(const DtAllowEntry *e, const DtCase *c, const DtFlagTrace *trace,
                          int fault_op, int both_vector, const DtInterpFault *f)
{
    if ((e->mode >= 0 && e->mode != c->mode) || (e->vector >= 0 && e->vector != both_vector)) {
        return false;
    }
    if (e->interp_faults && (f->vector < 0 || f->vector > 31 || !(e->interp_faults & (1u << f->vector)) ||
                             f->op < 0 || !op_listed(e, (unsigned)f->op))) {
        return false;
    }
    return (e->undefined_input && trace->tainted) ||
           (e->noncanonical_rsp && trace->noncanonical_rsp) ||
           (e->canonical_edge && trace->canonical_edge) ||
           (e->ignored_override && trace->override_fault) ||
           (e->misaligned_stack && trace->misaligned_ss_gp) ||
           (e->avx_requested && trace->avx_requested) ||
           (e->mxcsr_mask_read && trace->mxcsr_mask_read) || case_has_op(c, e, fault_op);
}

/*
 * Every differing field must be covered by an entry that applies; several
 * entries may share the work (an FXSAVE's MXCSR_MASK byte and, later in the
 * case, a #GP the host turns into #UD).  The entry covering the first field
 * is the one returned.
 */
DtAllowEntry *dt_allowlist_match(const DtAllowlist *al, const DtCase *c, const DtDiff *d,
                                 const DtFlagTrace *trace, int fault_op, int both_vector,
                                 int interp_vector)
{
    const DtInterpFault fault = { interp_vector, fault_op };
    if (!al || d->nr == 0) {
        return NULL;
    }
    /* the faulting instruction is what matters only when the difference is about the exception */
    bool exception_involved = false;
    for (unsigned k = 0; k < d->nr; k++) {
        exception_involved |= d->f[k].cls == DT_FC_STOP || d->f[k].cls == DT_FC_EXCEPTION;
    }
    int op = exception_involved ? fault_op : -1;
    DtAllowEntry *first = NULL;
    for (unsigned k = 0; k < d->nr; k++) {
        DtAllowEntry *found = NULL;
        /* the stop itself is the faulting instruction's doing; other fields any instruction's */
        bool about_stop = d->f[k].cls == DT_FC_STOP || d->f[k].cls == DT_FC_EXCEPTION;
        for (unsigned i = 0; i < al->nr && !found; i++) {
            DtAllowEntry *e = &al->e[i];
            if (covers(e, &d->f[k]) && entry_applies(e, c, trace, about_stop ? op : -1, both_vector, &fault)) {
                found = e;
            }
        }
        if (!found) {
            return NULL;
        }
        if (!first) {
            first = found;
        }
    }
    /* fields beyond DT_MAX_FIELDS are known by class only: an entry must list the class */
    for (unsigned cls = 0; cls < 32; cls++) {
        if (!(d->dropped_classes & (1u << cls))) {
            continue;
        }
        DtField probe = { .cls = (uint8_t)cls };
        bool found = false;
        for (unsigned i = 0; i < al->nr && !found; i++) {
            found = covers(&al->e[i], &probe) && entry_applies(&al->e[i], c, trace, op, both_vector, &fault);
        }
        if (!found) {
            return NULL;
        }
    }
    return first;
}
