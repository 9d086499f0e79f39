/* difftest's reports and case files (report.h). */
#include "difftest/report.h"

#include <capstone/capstone.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/x86/decode.h"

/* ---- code ---- */

static void disassemble(const DtCase *c, const uint8_t *bytes, unsigned len, uint64_t addr,
                        char *out, size_t outlen)
{
    csh h;
    cs_insn *insn;
    snprintf(out, outlen, "(capstone: ?)");
    if (cs_open(CS_ARCH_X86, c->mode == DT_MODE_64 ? CS_MODE_64 : CS_MODE_32, &h) != CS_ERR_OK) {
        return;
    }
    size_t n = cs_disasm(h, bytes, len, addr, 1, &insn);
    if (n == 1) {
        int w = snprintf(out, outlen, "%.31s %.80s", insn->mnemonic, insn->op_str);
        if (insn->size != len && w > 0 && (size_t)w < outlen) {
            snprintf(out + w, outlen - (size_t)w, " (capstone: %u bytes)", (unsigned)insn->size);
        }
        cs_free(insn, n);
    } else {
        snprintf(out, outlen, "(capstone: invalid)");
    }
    cs_close(&h);
}

void dt_report_code(FILE *f, const DtCase *c, const char *indent)
{
    uint8_t code[DT_MAX_INSNS * 15];
    uint64_t addr[DT_MAX_INSNS + 1];
    dt_case_layout(c, code, addr);
    for (unsigned i = 0; i < c->nr_insns; i++) {
        const uint8_t *b = code + (addr[i] - DT_CODE);
        unsigned len = c->insns[i].len;
        char hex[48] = "", text[128];
        for (unsigned k = 0; k < len; k++) {
            snprintf(hex + 3 * k, 4, "%02x ", b[k]);
        }
        disassemble(c, b, len, addr[i], text, sizeof(text));
        fprintf(f, "%s0x%05llx  %-36s %-40s [%s]\n", indent, (unsigned long long)addr[i], hex,
                text, x86_op_name(c->insns[i].op));
    }
    fprintf(f, "%s0x%05llx  (terminator)\n", indent, (unsigned long long)addr[c->nr_insns]);
}

/* ---- outcomes ---- */

static const DtField *find_field(const DtDiff *d, const char *name)
{
    for (unsigned i = 0; i < d->nr; i++) {
        if (!strcmp(d->f[i].name, name)) {
            return &d->f[i];
        }
    }
    return NULL;
}

static void row(FILE *f, const char *indent, const DtDiff *d, const char *name, const char *a,
                const char *b)
{
    bool marked = find_field(d, name) != NULL;
    fprintf(f, "%s%c %-12s %-40s %s\n", indent, marked ? '*' : ' ', name, a, b);
}

static void describe_stop(const DtOutcome *o, char *buf, size_t len)
{
    switch (o->stop) {
    case DT_STOP_END:
        snprintf(buf, len, "end");
        break;
    case DT_STOP_EXCEPTION:
        if (dt_vector_has_error_code(o->vector)) {
            snprintf(buf, len, "exception %d error 0x%x%s", o->vector, o->error_code,
                     o->vector == 14 ? "" : "");
        } else {
            snprintf(buf, len, "exception %d", o->vector);
        }
        if (o->vector == 14) {
            size_t n = strlen(buf);
            snprintf(buf + n, len - n, " cr2 0x%llx", (unsigned long long)o->cr2);
        }
        break;
    case DT_STOP_RUNAWAY:
        snprintf(buf, len, "runaway");
        break;
    default:
        snprintf(buf, len, "error: %.80s", o->error);
        break;
    }
}

static void flags_text(uint64_t v, char *buf, size_t len)
{
    static const struct { uint64_t bit; const char *name; } bits[] = {
        { X86_FLAG_OF, "OF" }, { X86_FLAG_DF, "DF" }, { X86_FLAG_IF, "IF" }, { X86_FLAG_TF, "TF" },
        { X86_FLAG_SF, "SF" }, { X86_FLAG_ZF, "ZF" }, { X86_FLAG_AF, "AF" }, { X86_FLAG_PF, "PF" },
        { X86_FLAG_CF, "CF" }, { X86_FLAG_RF, "RF" }, { X86_FLAG_AC, "AC" }, { X86_FLAG_ID, "ID" },
        { X86_FLAG_NT, "NT" },
    };
    size_t n = (size_t)snprintf(buf, len, "0x%llx [", (unsigned long long)v);
    for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]) && n < len; i++) {
        if (v & bits[i].bit) {
            n += (size_t)snprintf(buf + n, len - n, "%s%s", buf[n - 1] == '[' ? "" : " ", bits[i].name);
        }
    }
    if (n < len) {
        snprintf(buf + n, len - n, "]");
    }
}

void dt_report_outcomes(FILE *f, const char *name_a, const char *name_b, const DtResult *res,
                        const char *indent)
{
    const DtOutcome *a = &res->a, *b = &res->b;
    const DtDiff *d = &res->diff;
    char x[96], y[96];
    fprintf(f, "%s  %-12s %-40s %s\n", indent, "", name_a, name_b);
    describe_stop(a, x, sizeof(x));
    describe_stop(b, y, sizeof(y));
    bool stop_differs = find_field(d, "stop") || find_field(d, "vector") ||
                        find_field(d, "error_code") || find_field(d, "cr2");
    fprintf(f, "%s%c %-12s %-40s %s\n", indent, stop_differs ? '*' : ' ', "stop", x, y);
    if (a->stop == DT_STOP_ERROR || b->stop == DT_STOP_ERROR || a->stop == DT_STOP_RUNAWAY ||
        b->stop == DT_STOP_RUNAWAY) {
        return;
    }
    for (int i = 0; i < X86_NR_GPRS; i++) {
        snprintf(x, sizeof(x), "0x%016llx", (unsigned long long)a->regs[i]);
        snprintf(y, sizeof(y), "0x%016llx", (unsigned long long)b->regs[i]);
        row(f, indent, d, dt_gpr_names[i], x, y);
    }
    snprintf(x, sizeof(x), "0x%llx", (unsigned long long)a->rip);
    snprintf(y, sizeof(y), "0x%llx", (unsigned long long)b->rip);
    row(f, indent, d, "rip", x, y);
    flags_text(a->rflags, x, sizeof(x));
    flags_text(b->rflags, y, sizeof(y));
    bool flags_differ = false;
    for (unsigned i = 0; i < d->nr; i++) {
        flags_differ |= d->f[i].cls == DT_FC_FLAGS;
    }
    fprintf(f, "%s%c %-12s %-40s %s\n", indent, flags_differ ? '*' : ' ', "rflags", x, y);
    if (res->trace.undefined) {
        flags_text(res->trace.undefined, x, sizeof(x));
        fprintf(f, "%s  %-12s %s\n", indent, "(undefined)", x);
    }
    for (unsigned i = 0; i < d->nr; i++) {
        const DtField *fl = &d->f[i];
        if (fl->cls != DT_FC_GPR && fl->cls != DT_FC_RIP && fl->cls != DT_FC_FLAGS &&
            fl->cls != DT_FC_STOP && strcmp(fl->name, "vector") && strcmp(fl->name, "error_code") &&
            strcmp(fl->name, "cr2")) {
            fprintf(f, "%s* %-12s %-40s %s\n", indent, fl->name, fl->a, fl->b);
        }
    }
    if (d->dropped) {
        fprintf(f, "%s  (%u more differing fields)\n", indent, d->dropped);
    }
}

static void differing_names(const DtDiff *d, char *buf, size_t len)
{
    size_t n = 0;
    buf[0] = 0;
    for (unsigned i = 0; i < d->nr && n < len; i++) {
        n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? " " : "", d->f[i].name);
    }
}

void dt_report_difference(FILE *f, unsigned number, const char *name_a, const char *name_b,
                          const DtCase *c, const DtResult *res, const DtCase *min,
                          const DtResult *min_res, unsigned trials, const DtAllowEntry *why,
                          const DtAllowlist *al, const char *saved)
{
    char list[1024];
    fprintf(f, "difference %u: case %llu of seed %llu, mode %s\n", number,
            (unsigned long long)c->index, (unsigned long long)c->seed, dt_mode_name(c->mode));
    fprintf(f, "  code:\n");
    dt_report_code(f, c, "    ");
    dt_case_nondefault(c, list, sizeof(list));
    fprintf(f, "  initial: %s\n", list);
    fprintf(f, "  final state:\n");
    dt_report_outcomes(f, name_a, name_b, res, "    ");
    if (res->trace.tainted) {
        fprintf(f, "  note: %s read a flag left undefined by an earlier instruction\n",
                x86_op_name(res->trace.taint_op));
    }
    if (min) {
        unsigned regs = dt_case_nondefault(min, list, sizeof(list));
        fprintf(f, "  minimized (%u instruction%s, %u non-default initial item%s, %u runs):\n",
                min->nr_insns, min->nr_insns == 1 ? "" : "s", regs, regs == 1 ? "" : "s", trials);
        dt_report_code(f, min, "    ");
        fprintf(f, "    initial: %s\n", list);
        differing_names(&min_res->diff, list, sizeof(list));
        fprintf(f, "    differs: %s\n", min_res->differs ? list : "(no longer)");
        dt_report_outcomes(f, name_a, name_b, min_res, "    ");
    }
    if (why) {
        fprintf(f, "  explained: %s:%d: %s\n", al ? al->path : "allowlist", why->line, why->reason);
    } else {
        fprintf(f, "  explained: no (unexplained)\n");
    }
    if (saved) {
        fprintf(f, "  saved: %s (tandem-difftest --replay %s)\n", saved, saved);
    }
    fprintf(f, "\n");
}

/* ---- case files ---- */

static void save_bytes(FILE *f, const char *name, const uint8_t *p, size_t len)
{
    for (size_t at = 0; at < len; at += 64) {
        bool zero = true;
        for (size_t k = 0; k < 64; k++) {
            zero &= p[at + k] == 0;
        }
        if (zero) {
            continue;
        }
        fprintf(f, "%s 0x%04zx ", name, at);
        for (size_t k = 0; k < 64; k++) {
            fprintf(f, "%02x", p[at + k]);
        }
        fprintf(f, "\n");
    }
}

int dt_case_save(const char *path, const DtCase *c, const char *comment, char *err, size_t errlen)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        snprintf(err, errlen, "%s: cannot write", path);
        return -1;
    }
    fprintf(f, "# tandem-difftest case: run it with tandem-difftest --replay FILE\n");
    if (comment && *comment) {
        fprintf(f, "# %s\n", comment);
    }
    fprintf(f, "seed %llu\nindex %llu\nmode %s\n", (unsigned long long)c->seed,
            (unsigned long long)c->index, dt_mode_name(c->mode));
    for (unsigned i = 0; i < c->nr_insns; i++) {
        const DtInsn *in = &c->insns[i];
        fprintf(f, "insn");
        for (unsigned k = 0; k < in->len; k++) {
            fprintf(f, " %02x", in->bytes[k]);
        }
        fprintf(f, " ; op=%s", x86_op_name(in->op));
        if (in->fix_kind == DT_FIX_BRANCH) {
            fprintf(f, " branch=%u,%u,%d", in->fix_off, in->fix_size, in->target);
        } else if (in->fix_kind == DT_FIX_RIPREL) {
            fprintf(f, " riprel=%u,%u,0x%llx", in->fix_off, in->fix_size,
                    (unsigned long long)in->abs);
        }
        fprintf(f, "\n");
    }
    for (int i = 0; i < X86_NR_GPRS; i++) {
        fprintf(f, "%s 0x%llx\n", dt_gpr_names[i], (unsigned long long)c->regs[i]);
    }
    const DtFpu *p = &c->fpu;
    fprintf(f, "rflags 0x%llx\n", (unsigned long long)c->rflags);
    fprintf(f, "fcw 0x%x\nfsw 0x%x\nftw 0x%x\nfop 0x%x\nfip 0x%llx\nfdp 0x%llx\nmxcsr 0x%x\n",
            p->fcw, p->fsw, p->ftw, p->fop, (unsigned long long)p->fip,
            (unsigned long long)p->fdp, p->mxcsr);
    for (int i = 0; i < 8; i++) {
        fprintf(f, "r%d 0x%04x 0x%016llx\n", i, p->st[i].sign_exp,
                (unsigned long long)p->st[i].mantissa);
    }
    for (int i = 0; i < 16; i++) {
        fprintf(f, "xmm%d 0x%016llx 0x%016llx\n", i, (unsigned long long)p->xmm[i].q[1],
                (unsigned long long)p->xmm[i].q[0]);
    }
    save_bytes(f, "data", c->data, sizeof(c->data));
    save_bytes(f, "stack", c->stack, sizeof(c->stack));
    bool ok = !ferror(f);
    ok &= fclose(f) == 0;
    if (!ok) {
        snprintf(err, errlen, "%s: write error", path);
        return -1;
    }
    return 0;
}

typedef struct Parser {
    const char *path;
    int line;
    char *err;
    size_t errlen;
} Parser;

static int parse_error(Parser *p, const char *what)
{
    snprintf(p->err, p->errlen, "%s:%d: %s", p->path, p->line, what);
    return -1;
}

static bool parse_u64(const char *s, uint64_t *v)
{
    char *end;
    if (!s) {
        return false;
    }
    *v = strtoull(s, &end, 0);
    return end != s && *end == 0;
}

static int parse_insn(Parser *p, DtCase *c, char *rest)
{
    if (c->nr_insns == DT_MAX_INSNS) {
        return parse_error(p, "too many instructions");
    }
    DtInsn *in = &c->insns[c->nr_insns];
    memset(in, 0, sizeof(*in));
    char *save = NULL;
    for (char *t = strtok_r(rest, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
        if (!strcmp(t, ";")) {
            continue;
        }
        unsigned a, b;
        long long target;
        unsigned long long abs;
        if (!strncmp(t, "op=", 3)) {
            for (unsigned op = 0; op < X86_OP_COUNT; op++) {
                if (!strcmp(x86_op_name(op), t + 3)) {
                    in->op = (uint16_t)op;
                }
            }
        } else if (sscanf(t, "branch=%u,%u,%lld", &a, &b, &target) == 3) {
            in->fix_kind = DT_FIX_BRANCH;
            in->fix_off = (uint8_t)a;
            in->fix_size = (uint8_t)b;
            in->target = (int8_t)target;
        } else if (sscanf(t, "riprel=%u,%u,%llx", &a, &b, &abs) == 3) {
            in->fix_kind = DT_FIX_RIPREL;
            in->fix_off = (uint8_t)a;
            in->fix_size = (uint8_t)b;
            in->abs = abs;
        } else if (isxdigit((unsigned char)t[0]) && strlen(t) == 2 && in->len < 15) {
            in->bytes[in->len++] = (uint8_t)strtoul(t, NULL, 16);
        } else {
            return parse_error(p, "bad instruction");
        }
    }
    if (in->len == 0 || in->fix_off + in->fix_size > in->len ||
        (in->fix_kind == DT_FIX_BRANCH && (in->target < 0 || in->target > DT_MAX_INSNS))) {
        return parse_error(p, "bad instruction");
    }
    c->nr_insns++;
    return 0;
}

static int parse_bytes(Parser *p, uint8_t *dst, size_t size, char *rest)
{
    char *save = NULL;
    char *at = strtok_r(rest, " \t", &save), *hex = strtok_r(NULL, " \t", &save);
    uint64_t off;
    if (!parse_u64(at, &off) || !hex || strlen(hex) % 2 || off + strlen(hex) / 2 > size) {
        return parse_error(p, "bad memory line");
    }
    for (size_t i = 0; hex[2 * i]; i++) {
        char byte[3] = { hex[2 * i], hex[2 * i + 1], 0 };
        if (!isxdigit((unsigned char)byte[0]) || !isxdigit((unsigned char)byte[1])) {
            return parse_error(p, "bad memory line");
        }
        dst[off + i] = (uint8_t)strtoul(byte, NULL, 16);
    }
    return 0;
}

static int parse_register(Parser *p, DtCase *c, const char *key, char *rest)
{
    char *save = NULL;
    char *v1 = strtok_r(rest, " \t", &save), *v2 = strtok_r(NULL, " \t", &save);
    uint64_t a, b = 0;
    int i;
    if (!parse_u64(v1, &a) || (v2 && !parse_u64(v2, &b))) {
        return parse_error(p, "bad value");
    }
    for (i = 0; i < X86_NR_GPRS; i++) {
        if (!strcmp(key, dt_gpr_names[i])) {
            c->regs[i] = a;
            return 0;
        }
    }
    DtFpu *f = &c->fpu;
    if (!strcmp(key, "rflags")) c->rflags = a;
    else if (!strcmp(key, "fcw")) f->fcw = (uint16_t)a;
    else if (!strcmp(key, "fsw")) f->fsw = (uint16_t)a;
    else if (!strcmp(key, "ftw")) f->ftw = (uint8_t)a;
    else if (!strcmp(key, "fop")) f->fop = (uint16_t)a;
    else if (!strcmp(key, "fip")) f->fip = a;
    else if (!strcmp(key, "fdp")) f->fdp = a;
    else if (!strcmp(key, "mxcsr")) f->mxcsr = (uint32_t)a;
    else if (key[0] == 'r' && key[1] >= '0' && key[1] <= '7' && !key[2] && v2) {
        f->st[key[1] - '0'] = (X87Reg){ .sign_exp = (uint16_t)a, .mantissa = b };
    } else if (!strncmp(key, "xmm", 3) && (i = atoi(key + 3)) >= 0 && i < 16 && v2) {
        f->xmm[i].q[1] = a;
        f->xmm[i].q[0] = b;
    } else {
        return parse_error(p, "unknown key");
    }
    return 0;
}

static int parse_case_line(Parser *p, DtCase *c, char *line)
{
    char *rest = line;
    while (*rest && !isspace((unsigned char)*rest)) {
        rest++;
    }
    if (*rest) {
        *rest++ = 0;
    }
    uint64_t v;
    if (!strcmp(line, "insn")) {
        return parse_insn(p, c, rest);
    }
    if (!strcmp(line, "data")) {
        return parse_bytes(p, c->data, sizeof(c->data), rest);
    }
    if (!strcmp(line, "stack")) {
        return parse_bytes(p, c->stack, sizeof(c->stack), rest);
    }
    if (!strcmp(line, "mode")) {
        DtMode m;
        char *s = strtok(rest, " \t");
        if (!s || !dt_mode_parse(s, &m)) {
            return parse_error(p, "bad mode");
        }
        c->mode = m;
        return 0;
    }
    if (!strcmp(line, "seed") || !strcmp(line, "index")) {
        if (!parse_u64(strtok(rest, " \t"), &v)) {
            return parse_error(p, "bad number");
        }
        *(!strcmp(line, "seed") ? &c->seed : &c->index) = v;
        return 0;
    }
    return parse_register(p, c, line, rest);
}

int dt_case_load(const char *path, DtCase *c, char *err, size_t errlen)
{
    Parser p = { .path = path, .err = err, .errlen = errlen };
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: cannot open", path);
        return -1;
    }
    dt_case_defaults(c, DT_MODE_64);
    memset(c->data, 0, sizeof(c->data));
    memset(c->stack, 0, sizeof(c->stack));
    char line[512];
    int r = 0;
    while (r == 0 && fgets(line, sizeof(line), f)) {
        p.line++;
        line[strcspn(line, "\r\n")] = 0;
        char *s = line;
        while (isspace((unsigned char)*s)) {
            s++;
        }
        if (*s && *s != '#') {
            r = parse_case_line(&p, c, s);
        }
    }
    fclose(f);
    if (r == 0 && c->nr_insns == 0) {
        p.line = 0;
        r = parse_error(&p, "no instructions");
    }
    return r;
}
