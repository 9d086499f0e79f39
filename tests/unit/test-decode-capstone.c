/* Cross-check of tandem's x86 decoder against capstone: validity and length, per mode. */
#include <capstone/capstone.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/x86/decode.h"

/*
 * For each mode: N random 16-byte strings (N = 200000, or 1000000 with
 * $TANDEM_LONG set), N/2 random strings that start with 1-14 prefixes (the
 * 15-byte limit, prefix combinations), and every opcode of the one-byte, 0F, 0F 38 and 0F 3A
 * maps with every ModRM byte, and SIB bytes where one follows, under a few
 * prefix sets (all 256 SIB bytes and more prefix sets with $TANDEM_LONG).
 * Tandem and capstone must agree on whether the bytes start a valid
 * instruction and on its length.  A disagreement fails the test unless an
 * entry of decode-allowlist.txt covers it; each entry gives the SDM's reason.
 *
 * Allowlist lines:  MODES KIND PATTERN... | REASON
 *   MODES    16, 32, 64, comma-separated, or *
 *   KIND     ud/ok (tandem invalid, capstone valid), ok/ud, len (both valid,
 *            lengths differ), or *
 *   PATTERN  tokens matched against the case's bytes.  The bytes are split
 *            into the prefix run (legacy prefixes, and REX bytes in 64-bit
 *            mode) and the body (from the opcode on).
 *              +XX  +XX/MM   the prefix run has a byte b with (b & MM) == XX
 *              -XX  -XX/MM   the prefix run has no such byte
 *              XX   XX/MM    the next body byte b has (b & MM) == XX
 *              !XX/MM        the next body byte b has (b & MM) != XX
 *              ..            any next body byte
 *              %lock         tandem accepts the bytes once the F0 prefixes are
 *                            removed: its #UD is the LOCK rule's
 *              %cs32         capstone accepts the same bytes in 32-bit mode and
 *                            tandem agrees with it there
 *              %order        capstone gives tandem's verdict once the legacy
 *                            prefixes are reordered: 66 first, 66 last, or 66
 *                            first and F2/F3 last (right before REX/opcode)
 *              %mandatory    tandem's #UD is the mandatory-prefix rule: with
 *                            some of the 66/F2/F3 prefixes removed (all of
 *                            them, F2/F3, or 66; LOCK too, or not) tandem
 *                            decodes a row that has a mandatory prefix, to
 *                            capstone's length less the bytes removed
 *                            (capstone ignored those prefixes)
 *            Every body token must match a body byte, in order from the opcode.
 * $TANDEM_DECODE_SHOW=N prints N disagreements of each kind (default 8).
 */

#define RANDOM_BYTES 16

typedef enum Kind { KIND_UD_OK, KIND_OK_UD, KIND_LEN, NR_KINDS, KIND_ANY = NR_KINDS } Kind;
static const char *const kind_names[NR_KINDS] = { "ud/ok", "ok/ud", "len" };

typedef struct PatternToken {
    char where;         /* '+', '-' (prefix run), 'b', '!' (body), '%' (condition) */
    uint8_t value, mask;
} PatternToken;

typedef struct AllowEntry {
    unsigned modes;     /* 1 << X86DecodeMode */
    Kind kind;
    PatternToken tokens[16];
    unsigned ntokens;
    char *text;
    unsigned long hits;
    char example[96];   /* the first case it covered */
} AllowEntry;

static AllowEntry *allowlist;
static unsigned allowlist_len;

static const int mode_bits[] = { 16, 32, 64 };

/* ---- allowlist ---- */

static bool parse_byte_token(const char *s, uint8_t *value, uint8_t *mask)
{
    char *end;
    unsigned long v = strtoul(s, &end, 16), m = 0xff;

    if (end == s || v > 0xff) {
        return false;
    }
    if (*end == '/') {
        const char *ms = end + 1;
        m = strtoul(ms, &end, 16);
        if (end == ms || m > 0xff) {
            return false;
        }
    }
    *value = v;
    *mask = m;
    return *end == '\0' && (v & ~m) == 0;
}

static bool parse_modes(const char *s, unsigned *modes)
{
    *modes = 0;
    if (strcmp(s, "*") == 0) {
        *modes = 7;
        return true;
    }
    gchar **parts = g_strsplit(s, ",", -1);
    bool ok = parts[0] != NULL;
    for (unsigned i = 0; parts[i]; i++) {
        unsigned m;
        for (m = 0; m < 3 && atoi(parts[i]) != mode_bits[m]; m++) {
        }
        ok = ok && m < 3;
        *modes |= m < 3 ? 1u << m : 0;
    }
    g_strfreev(parts);
    return ok;
}

static bool parse_allow_line(const char *line, AllowEntry *e)
{
    const char *bar = strchr(line, '|');
    if (!bar || strspn(bar + 1, " \t") == strlen(bar + 1)) {
        return false;   /* every entry needs a reason */
    }
    gchar *head = g_strndup(line, bar - line);
    gchar **tok = g_strsplit_set(g_strstrip(head), " \t", -1);
    unsigned n = 0;
    bool ok = true;

    memset(e, 0, sizeof(*e));
    e->kind = KIND_ANY;
    for (unsigned i = 0; tok[i] && ok; i++) {
        const char *t = tok[i];
        if (!*t) {
            continue;
        }
        if (n == 0) {
            ok = parse_modes(t, &e->modes);
        } else if (n == 1) {
            e->kind = KIND_ANY;
            for (unsigned k = 0; k < NR_KINDS; k++) {
                if (strcmp(t, kind_names[k]) == 0) {
                    e->kind = k;
                }
            }
            ok = e->kind != KIND_ANY || strcmp(t, "*") == 0;
        } else if (e->ntokens < G_N_ELEMENTS(e->tokens)) {
            PatternToken *p = &e->tokens[e->ntokens++];
            if (strcmp(t, "..") == 0) {
                *p = (PatternToken){ 'b', 0, 0 };
            } else if (strcmp(t, "%lock") == 0 || strcmp(t, "%cs32") == 0 ||
                       strcmp(t, "%order") == 0 || strcmp(t, "%mandatory") == 0) {
                *p = (PatternToken){ '%', t[1], 0 };
            } else if (t[0] == '+' || t[0] == '-' || t[0] == '!') {
                p->where = t[0];
                ok = parse_byte_token(t + 1, &p->value, &p->mask);
            } else {
                p->where = 'b';
                ok = parse_byte_token(t, &p->value, &p->mask);
            }
        } else {
            ok = false;
        }
        n++;
    }
    g_strfreev(tok);
    g_free(head);
    e->text = g_strdup(line);
    return ok && n >= 3;
}

static void load_allowlist(void)
{
    const char *dir = g_getenv("TANDEM_SRCDIR");
    gchar *path = g_build_filename(dir ? dir : ".", "tests/unit/decode-allowlist.txt", NULL);
    gchar *text = NULL;
    GError *err = NULL;

    if (!g_file_get_contents(path, &text, NULL, &err)) {
        g_error("cannot read %s: %s", path, err->message);
    }
    gchar **lines = g_strsplit(text, "\n", -1);
    unsigned count = g_strv_length(lines);
    allowlist = g_new0(AllowEntry, count);
    for (unsigned i = 0; lines[i]; i++) {
        gchar *l = g_strstrip(lines[i]);
        if (!*l || *l == '#') {
            continue;
        }
        if (!parse_allow_line(l, &allowlist[allowlist_len])) {
            g_error("%s:%u: malformed allowlist entry: %s", path, i + 1, l);
        }
        allowlist_len++;
    }
    g_strfreev(lines);
    g_free(text);
    g_free(path);
}

static bool is_prefix_byte(uint8_t b, X86DecodeMode mode)
{
    switch (b) {
    case 0x26: case 0x2e: case 0x36: case 0x3e: case 0x64: case 0x65:
    case 0x66: case 0x67: case 0xf0: case 0xf2: case 0xf3:
        return true;
    default:
        return mode == X86_MODE_64 && (b & 0xf0) == 0x40;
    }
}

/* ---- comparison ---- */

typedef struct Checker {
    X86DecodeMode mode;
    csh cs;
    cs_insn *csi;
    csh cs32;           /* for %cs32 */
    cs_insn *csi32;
    unsigned long cases;
    unsigned long allowed[NR_KINDS];
    unsigned long failed[NR_KINDS];
    unsigned show;
} Checker;

/* capstone's length for bytes in the checker's mode, or 0 if invalid. */
static int capstone_length(Checker *ck, const uint8_t *bytes)
{
    const uint8_t *p = bytes;
    size_t size = RANDOM_BYTES;
    uint64_t addr = 0x1000;

    return cs_disasm_iter(ck->cs, &p, &size, &addr, ck->csi) ? ck->csi->size : 0;
}

/*
 * %lock: tandem accepts the bytes once the F0 prefixes are removed, so its
 * #UD comes from the LOCK rule alone.
 */
static bool only_lock_differs(Checker *ck, const uint8_t *bytes, unsigned nprefix)
{
    uint8_t copy[RANDOM_BYTES];
    unsigned n = 0, removed = 0;
    X86Insn insn;

    for (unsigned i = 0; i < RANDOM_BYTES; i++) {
        if (i < nprefix && bytes[i] == 0xf0) {
            removed++;
        } else {
            copy[n++] = bytes[i];
        }
    }
    return removed && x86_decode(copy, n, ck->mode, &insn) > 0;
}

/*
 * %mandatory: removing some of the 66/F2/F3 prefixes (all of them, only
 * F2/F3, or only 66; and any LOCK prefixes with them, whose #UD capstone
 * also ignores: see %lock) makes tandem decode a row with a mandatory
 * prefix, to capstone's length less the bytes removed: capstone ignored a
 * prefix the opcode has no row for, where tandem (and hardware) raise #UD.
 */
static bool only_mandatory_prefix_differs(Checker *ck, const uint8_t *bytes, unsigned nprefix,
                                          int clen)
{
    static const uint8_t removed_sets[6][4] = {
        { 0x66, 0xf2, 0xf3, 0x66 }, { 0xf2, 0xf3, 0xf2, 0xf3 }, { 0x66, 0x66, 0x66, 0x66 },
        { 0x66, 0xf2, 0xf3, 0xf0 }, { 0xf2, 0xf3, 0xf0, 0xf0 }, { 0x66, 0xf0, 0x66, 0xf0 },
    };
    for (unsigned v = 0; v < 6; v++) {
        uint8_t copy[RANDOM_BYTES];
        unsigned n = 0, removed = 0;
        X86Insn insn;

        for (unsigned i = 0; i < RANDOM_BYTES; i++) {
            if (i < nprefix && memchr(removed_sets[v], bytes[i], 4)) {
                removed++;
            } else {
                copy[n++] = bytes[i];
            }
        }
        if (!removed) {
            continue;
        }
        int r = x86_decode(copy, n, ck->mode, &insn);
        if (r > 0 && x86_insn_row(&insn)->mandatory != X86_MP_ANY && r + (int)removed == clen) {
            return true;
        }
    }
    return false;
}

/*
 * The bytes with the legacy prefixes of the prefix run reordered, in one of
 * NR_ORDERS ways: 66 first; 66 last; 66 first and F2/F3 last.  The other
 * legacy prefixes keep their order, and the REX byte that applies (if any)
 * stays right before the opcode; REX bytes that a later legacy prefix
 * cancels (SDM 2.2.1) are dropped.  Returns the count of dropped bytes, or
 * -1 if the reordering would not move anything.
 */
enum { NR_ORDERS = 3 };

static bool is_rex(uint8_t b, X86DecodeMode mode)
{
    return mode == X86_MODE_64 && (b & 0xf0) == 0x40;
}

static int reorder_prefixes(const uint8_t *bytes, unsigned nprefix, X86DecodeMode mode,
                            unsigned order, uint8_t *copy)
{
    unsigned n = 0, nlegacy = nprefix;
    bool rex = nprefix && is_rex(bytes[nprefix - 1], mode);
    bool rep_last = order == 2;
    bool has66 = false, hasrep = false;

    while (nlegacy && is_rex(bytes[nlegacy - 1], mode)) {
        nlegacy--;          /* the trailing REX bytes: the last one applies */
    }
    for (unsigned i = 0; i < nlegacy; i++) {
        has66 = has66 || bytes[i] == 0x66;
        hasrep = hasrep || bytes[i] == 0xf2 || bytes[i] == 0xf3;
    }
    if (!has66 && !(rep_last && hasrep)) {
        return -1;
    }
    /* pass 0: 66s (first); 1: the others; 2: 66s (last); 3: F2/F3 (rep_last) */
    for (unsigned pass = 0; pass < 4; pass++) {
        for (unsigned i = 0; i < nlegacy; i++) {
            uint8_t b = bytes[i];
            bool is66 = b == 0x66, isrep = b == 0xf2 || b == 0xf3;
            bool take = pass == 0 ? is66 && order != 1
                      : pass == 1 ? !is66 && !is_rex(b, mode) && !(rep_last && isrep)
                      : pass == 2 ? is66 && order == 1
                                  : rep_last && isrep;
            if (take) {
                copy[n++] = b;
            }
        }
    }
    if (rex) {
        copy[n++] = bytes[nprefix - 1];
    }
    int dropped = nprefix - n;
    memcpy(copy + n, bytes + nprefix, RANDOM_BYTES - nprefix);
    memset(copy + RANDOM_BYTES - dropped, 0x90, dropped);
    return dropped;
}

/*
 * %order: with the legacy prefixes reordered (see reorder_prefixes), capstone
 * gives tandem's verdict (SDM vol. 2A 2.1.1: prefix groups come in any order).
 */
static bool agrees_in_another_order(Checker *ck, const uint8_t *bytes, unsigned nprefix, int tlen)
{
    for (unsigned order = 0; order < NR_ORDERS; order++) {
        uint8_t copy[RANDOM_BYTES];
        int dropped = reorder_prefixes(bytes, nprefix, ck->mode, order, copy);
        if (dropped < 0) {
            continue;
        }
        int clen = capstone_length(ck, copy);
        if (clen > 0 ? clen + dropped == tlen : tlen <= 0) {
            return true;
        }
    }
    return false;
}

/*
 * %cs32: in 32-bit mode capstone accepts the bytes and tandem agrees, as
 * they are or with the prefixes reordered as for %order.
 */
static bool agrees_in_32bit_mode(Checker *ck, const uint8_t *bytes, unsigned nprefix)
{
    for (unsigned variant = 0; variant <= NR_ORDERS; variant++) {
        uint8_t copy[RANDOM_BYTES];
        const uint8_t *p = copy;
        size_t size = RANDOM_BYTES;
        uint64_t addr = 0x1000;
        X86Insn insn;

        if (variant == 0) {
            memcpy(copy, bytes, RANDOM_BYTES);
        } else if (reorder_prefixes(bytes, nprefix, X86_MODE_32, variant - 1, copy) < 0) {
            continue;
        }
        int tlen = x86_decode(copy, RANDOM_BYTES, X86_MODE_32, &insn);
        int clen = cs_disasm_iter(ck->cs32, &p, &size, &addr, ck->csi32) ? ck->csi32->size : 0;
        if (clen > 0 && tlen == clen) {
            return true;
        }
    }
    return false;
}

static bool entry_matches(Checker *ck, const AllowEntry *e, Kind kind, const uint8_t *bytes,
                          int tlen, int clen)
{
    unsigned np = 0, body;

    if (!(e->modes & (1u << ck->mode)) || (e->kind != KIND_ANY && e->kind != kind)) {
        return false;
    }
    while (np < RANDOM_BYTES && is_prefix_byte(bytes[np], ck->mode)) {
        np++;
    }
    body = np;
    for (unsigned t = 0; t < e->ntokens; t++) {
        const PatternToken *p = &e->tokens[t];
        if (p->where == 'b' || p->where == '!') {
            if (body >= RANDOM_BYTES || ((bytes[body] & p->mask) == p->value) != (p->where == 'b')) {
                return false;
            }
            body++;
        } else if (p->where == '%') {
            bool ok = p->value == 'l' ? only_lock_differs(ck, bytes, np)
                    : p->value == 'c' ? agrees_in_32bit_mode(ck, bytes, np)
                    : p->value == 'm' ? only_mandatory_prefix_differs(ck, bytes, np, clen)
                                      : agrees_in_another_order(ck, bytes, np, tlen);
            if (!ok) {
                return false;
            }
        } else {
            bool found = false;
            for (unsigned i = 0; i < np; i++) {
                found = found || (bytes[i] & p->mask) == p->value;
            }
            if (found != (p->where == '+')) {
                return false;
            }
        }
    }
    return true;
}

static void checker_init(Checker *ck, X86DecodeMode mode)
{
    static const cs_mode cs_modes[] = { CS_MODE_16, CS_MODE_32, CS_MODE_64 };
    const char *show = g_getenv("TANDEM_DECODE_SHOW");

    memset(ck, 0, sizeof(*ck));
    ck->mode = mode;
    ck->show = show ? atoi(show) : 8;
    g_assert_cmpint(cs_open(CS_ARCH_X86, cs_modes[mode], &ck->cs), ==, CS_ERR_OK);
    ck->csi = cs_malloc(ck->cs);
    g_assert_cmpint(cs_open(CS_ARCH_X86, CS_MODE_32, &ck->cs32), ==, CS_ERR_OK);
    ck->csi32 = cs_malloc(ck->cs32);
}

static void checker_finish(Checker *ck, const char *what)
{
    unsigned long failed = 0;

    g_test_message("%d-bit %s: %lu cases; allowlisted ud/ok %lu ok/ud %lu len %lu; "
                   "failed ud/ok %lu ok/ud %lu len %lu", mode_bits[ck->mode], what, ck->cases,
                   ck->allowed[0], ck->allowed[1], ck->allowed[2],
                   ck->failed[0], ck->failed[1], ck->failed[2]);
    for (unsigned k = 0; k < NR_KINDS; k++) {
        failed += ck->failed[k];
    }
    cs_free(ck->csi, 1);
    cs_close(&ck->cs);
    cs_free(ck->csi32, 1);
    cs_close(&ck->cs32);
    if (failed) {
        g_test_fail_printf("%d-bit %s: %lu disagreements with capstone not in the allowlist",
                           mode_bits[ck->mode], what, failed);
    }
}

static void report(Checker *ck, Kind kind, const uint8_t *bytes, int tlen, int clen,
                   const X86Insn *insn)
{
    GString *s = g_string_new(NULL);
    char dump[256] = "";

    for (unsigned i = 0; i < RANDOM_BYTES; i++) {
        g_string_append_printf(s, "%02x%s", bytes[i], i + 1 < RANDOM_BYTES ? " " : "");
    }
    if (tlen > 0) {
        x86_insn_dump(insn, dump, sizeof(dump));
    }
    g_test_message("%d-bit %s: %s | tandem %s%d %s | capstone %s%d %s %s", mode_bits[ck->mode],
                   kind_names[kind], s->str, tlen > 0 ? "len " : "error ", tlen, dump,
                   clen > 0 ? "len " : "invalid ", clen, clen > 0 ? ck->csi->mnemonic : "",
                   clen > 0 ? ck->csi->op_str : "");
    g_string_free(s, TRUE);
}

static void check_bytes(Checker *ck, const uint8_t *bytes)
{
    X86Insn insn;
    int tlen = x86_decode(bytes, RANDOM_BYTES, ck->mode, &insn);
    int clen = capstone_length(ck, bytes);
    Kind kind;

    g_assert_cmpint(tlen, !=, X86_DECODE_NEED_MORE);
    ck->cases++;
    if (tlen > 0 && clen > 0) {
        if (tlen == clen) {
            return;
        }
        kind = KIND_LEN;
    } else if (tlen <= 0 && clen <= 0) {
        return;
    } else {
        kind = tlen > 0 ? KIND_OK_UD : KIND_UD_OK;
    }
    for (unsigned i = 0; i < allowlist_len; i++) {
        if (entry_matches(ck, &allowlist[i], kind, bytes, tlen, clen)) {
            if (allowlist[i].hits++ == 0) {
                char *ex = allowlist[i].example;
                int n = snprintf(ex, sizeof(allowlist[i].example), "%d-bit t=%d c=%d:",
                                 mode_bits[ck->mode], tlen, clen);
                for (unsigned b = 0; b < 10 && n < 90; b++) {
                    n += snprintf(ex + n, sizeof(allowlist[i].example) - n, " %02x", bytes[b]);
                }
            }
            ck->allowed[kind]++;
            return;
        }
    }
    if (ck->failed[kind]++ < ck->show) {
        capstone_length(ck, bytes);     /* the allowlist conditions reused ck->csi */
        report(ck, kind, bytes, tlen, clen, &insn);
    }
}

/* ---- the cases ---- */

static bool long_run(void)
{
    return g_getenv("TANDEM_LONG") != NULL;
}

static void test_random(gconstpointer data)
{
    X86DecodeMode mode = GPOINTER_TO_INT(data);
    unsigned long n = long_run() ? 1000000 : 200000;
    GRand *rng = g_rand_new_with_seed(0x7a4d3e + mode);
    uint8_t bytes[RANDOM_BYTES];
    Checker ck;

    checker_init(&ck, mode);
    for (unsigned long i = 0; i < n; i++) {
        for (unsigned j = 0; j < RANDOM_BYTES; j += 4) {
            guint32 r = g_rand_int(rng);
            memcpy(bytes + j, &r, 4);
        }
        check_bytes(&ck, bytes);
    }
    g_rand_free(rng);
    checker_finish(&ck, "random");
}

/*
 * Random bytes after a run of 1-14 random prefixes (REX too in 64-bit mode):
 * instructions near and past the 15-byte limit, and prefix combinations.
 */
static void test_prefixed(gconstpointer data)
{
    static const uint8_t prefixes[] = {
        0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x66, 0x67, 0xf0, 0xf2, 0xf3, 0x40, 0x44, 0x48, 0x4f,
    };
    X86DecodeMode mode = GPOINTER_TO_INT(data);
    unsigned long n = long_run() ? 500000 : 100000;
    unsigned nprefixes = mode == X86_MODE_64 ? G_N_ELEMENTS(prefixes) : 11;
    GRand *rng = g_rand_new_with_seed(0x15b17e + mode);
    uint8_t bytes[RANDOM_BYTES];
    Checker ck;

    checker_init(&ck, mode);
    for (unsigned long i = 0; i < n; i++) {
        unsigned run = g_rand_int_range(rng, 1, 15);
        for (unsigned j = 0; j < RANDOM_BYTES; j++) {
            bytes[j] = j < run ? prefixes[g_rand_int_range(rng, 0, nprefixes)]
                               : g_rand_int_range(rng, 0, 256);
        }
        check_bytes(&ck, bytes);
    }
    g_rand_free(rng);
    checker_finish(&ck, "prefixed");
}

typedef struct PrefixSet {
    uint8_t bytes[3];
    uint8_t len;
} PrefixSet;

/* Prefixes, opcode bytes, then ModRM, SIB if the ModRM wants one, fixed tail bytes. */
static void check_opcode(Checker *ck, const PrefixSet *ps, const uint8_t *opc, unsigned opc_len,
                         bool all_sib)
{
    static const uint8_t few_sib[] = { 0x20, 0x25 };    /* no index; base 0, base 5 */
    bool addr16 = (ck->mode == X86_MODE_16) != (memchr(ps->bytes, 0x67, ps->len) != NULL);
    uint8_t bytes[RANDOM_BYTES];
    unsigned at = 0;

    memcpy(bytes, ps->bytes, ps->len);
    at = ps->len;
    memcpy(bytes + at, opc, opc_len);
    at += opc_len;
    for (unsigned modrm = 0; modrm < 256; modrm++) {
        bool sib = !addr16 && (modrm >> 6) != 3 && (modrm & 7) == 4;
        unsigned nsib = sib ? (all_sib ? 256 : G_N_ELEMENTS(few_sib)) : 1;
        bytes[at] = modrm;
        for (unsigned s = 0; s < nsib; s++) {
            unsigned tail = at + 1;
            if (sib) {
                bytes[tail++] = all_sib ? s : few_sib[s];
            }
            for (unsigned i = tail; i < RANDOM_BYTES; i++) {
                bytes[i] = 0x10 + i;    /* displacement and immediate bytes */
            }
            check_bytes(ck, bytes);
        }
    }
}

static void test_exhaustive(gconstpointer data)
{
    X86DecodeMode mode = GPOINTER_TO_INT(data);
    bool full = long_run();
    static const PrefixSet short_sets[] = {
        { { 0 }, 0 }, { { 0x66 }, 1 }, { { 0xf3 }, 1 }, { { 0xf2 }, 1 },
    };
    static const PrefixSet long_sets[] = {
        { { 0 }, 0 }, { { 0x66 }, 1 }, { { 0xf3 }, 1 }, { { 0xf2 }, 1 }, { { 0x67 }, 1 },
        { { 0xf0 }, 1 }, { { 0x66, 0xf2 }, 2 }, { { 0x66, 0xf3 }, 2 }, { { 0xf3, 0x66 }, 2 },
        { { 0x48 }, 1 }, { { 0x66, 0x48 }, 2 }, { { 0x41 }, 1 }, { { 0x44 }, 1 },
    };
    const PrefixSet *sets = full ? long_sets : short_sets;
    unsigned nsets = full ? G_N_ELEMENTS(long_sets) : G_N_ELEMENTS(short_sets);
    Checker ck;

    checker_init(&ck, mode);
    for (unsigned s = 0; s < nsets; s++) {
        const PrefixSet *ps = &sets[s];
        bool all_sib = full && ps->len == 0;   /* every SIB byte: without prefixes */
        if (ps->len && (ps->bytes[ps->len - 1] & 0xf0) == 0x40 && mode != X86_MODE_64) {
            continue;   /* REX sets: 64-bit mode only */
        }
        /* The one-byte map: 66 and REX matter there; F2/F3 only in the long run. */
        if (full || ps->len == 0 || ps->bytes[0] == 0x66) {
            for (unsigned b = 0; b < 256; b++) {
                uint8_t opc[1] = { b };
                if (b != 0x0f && !is_prefix_byte(b, mode)) {
                    check_opcode(&ck, ps, opc, 1, all_sib);
                }
            }
        }
        for (unsigned b = 0; b < 256; b++) {
            uint8_t opc[3] = { 0x0f, b };
            if (b != 0x38 && b != 0x3a) {
                check_opcode(&ck, ps, opc, 2, all_sib);
            }
            opc[1] = 0x38;
            opc[2] = b;
            check_opcode(&ck, ps, opc, 3, all_sib);
            opc[1] = 0x3a;
            check_opcode(&ck, ps, opc, 3, all_sib);
        }
    }
    checker_finish(&ck, "exhaustive");
}

/* A VEX encoding: prefixes, C4 b1 b2 or C5 b1, the opcode, then every ModRM (SIB as check_opcode). */
static void check_vex_opcode(Checker *ck, const PrefixSet *ps, const uint8_t *vex, unsigned vex_len,
                             uint8_t opcode, bool every_modrm)
{
    static const uint8_t few_modrm[] = { 0x00, 0x05, 0x44, 0x84, 0xc1, 0xd9 };
    uint8_t opc[4];

    memcpy(opc, vex, vex_len);
    opc[vex_len] = opcode;
    if (every_modrm) {
        check_opcode(ck, ps, opc, vex_len + 1, false);
        return;
    }
    for (unsigned k = 0; k < G_N_ELEMENTS(few_modrm); k++) {
        uint8_t bytes[RANDOM_BYTES];
        unsigned at = ps->len;
        memcpy(bytes, ps->bytes, ps->len);
        memcpy(bytes + at, opc, vex_len + 1);
        at += vex_len + 1;
        bytes[at++] = few_modrm[k];
        for (unsigned i = at; i < RANDOM_BYTES; i++) {
            bytes[i] = 0x20 + i;        /* SIB 0x2x: no index; displacement, immediate */
        }
        check_bytes(ck, bytes);
    }
}

/*
 * VEX (SDM vol. 2A 2.3): the BMI1/BMI2 opcodes (VEX.0F38 F0-F7, VEX.0F3A F0)
 * with every ModRM under every W, L, pp, some vvvv and R/X/B values; every
 * other opcode of the VEX maps (AVX: #UD in tandem) with a few ModRM bytes;
 * reserved maps; two-byte VEX; legacy prefixes before VEX.
 */
static void test_vex(gconstpointer data)
{
    X86DecodeMode mode = GPOINTER_TO_INT(data);
    static const uint8_t vvvv_inverted[] = { 0xf, 0x0, 0x7, 0xe };
    /* R X B inverted: none extended, all extended (64-bit); outside it R X must be 1, B is ignored */
    const uint8_t rxb[2] = { 0xe0, mode == X86_MODE_64 ? 0x00 : 0xc0 };
    static const PrefixSet none = { { 0 }, 0 };
    Checker ck;

    checker_init(&ck, mode);
    static const uint8_t maps[] = { 1, 2, 3, 0, 4, 8, 0x1f };    /* VEX.mmmmm: 0F 0F38 0F3A, reserved */
    for (unsigned m = 0; m < G_N_ELEMENTS(maps); m++) {
        for (unsigned fields = 0; fields < 64; fields++) {
            /* W (bit 7), vvvv (inverted: 1111 unused, 0000, 0111, 1110), L, pp */
            unsigned w = fields >> 5, vvvv = vvvv_inverted[(fields >> 3) & 3];
            unsigned l = (fields >> 2) & 1, pp = fields & 3;
            uint8_t byte2 = (uint8_t)(w << 7 | vvvv << 3 | l << 2 | pp);
            bool plain = vvvv == 0xf;
            if (maps[m] > 3 && (!plain || w || l)) {
                continue;
            }
            for (unsigned x = 0; x < 2; x++) {
                uint8_t vex[3] = { 0xc4, (uint8_t)(rxb[x] | maps[m]), byte2 };
                for (unsigned op = 0; op < 256; op++) {
                    bool bmi = (maps[m] == 2 && op >= 0xf0 && op <= 0xf7) ||
                               (maps[m] == 3 && op == 0xf0);
                    if (bmi || (plain && x == 0)) {
                        check_vex_opcode(&ck, &none, vex, 3, op, bmi);
                    }
                }
            }
        }
    }
    /* two-byte VEX (map 0F only: all #UD in tandem) */
    for (unsigned byte1 = 0; byte1 < 256; byte1 += 7) {
        uint8_t vex[2] = { 0xc5, (uint8_t)(byte1 | 0xc0) };
        for (unsigned op = 0; op < 256; op++) {
            check_vex_opcode(&ck, &none, vex, 2, op, false);
        }
    }
    /* legacy prefixes before VEX: #UD for 66, F2, F3, LOCK, REX; fine for segments and 67 */
    static const PrefixSet before[] = {
        { { 0x66 }, 1 }, { { 0xf2 }, 1 }, { { 0xf3 }, 1 }, { { 0xf0 }, 1 }, { { 0x2e }, 1 },
        { { 0x67 }, 1 }, { { 0x65, 0x67 }, 2 }, { { 0x40 }, 1 }, { { 0x48 }, 1 }, { { 0x66, 0x41 }, 2 },
    };
    for (unsigned k = 0; k < G_N_ELEMENTS(before); k++) {
        if ((before[k].bytes[before[k].len - 1] & 0xf0) == 0x40 && mode != X86_MODE_64) {
            continue;
        }
        for (unsigned pp = 0; pp < 4; pp++) {
            uint8_t vex[3] = { 0xc4, 0xe2, (uint8_t)(0x70 | pp) };
            for (unsigned op = 0xf2; op <= 0xf7; op++) {
                check_vex_opcode(&ck, &before[k], vex, 3, op, false);
            }
        }
    }
    checker_finish(&ck, "vex");
}

/* After the run: how many disagreements each entry covered (0: maybe stale). */
static void print_allowlist_hits(void)
{
    printf("# allowlist entries and the disagreements each covered:\n");
    for (unsigned i = 0; i < allowlist_len; i++) {
        printf("# %8lu  %.60s\n#           e.g. %s\n", allowlist[i].hits, allowlist[i].text,
               allowlist[i].example);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    load_allowlist();
    for (int m = X86_MODE_16; m <= X86_MODE_64; m++) {
        gchar *r = g_strdup_printf("/decode/capstone/random/%d", mode_bits[m]);
        gchar *p = g_strdup_printf("/decode/capstone/prefixed/%d", mode_bits[m]);
        gchar *e = g_strdup_printf("/decode/capstone/exhaustive/%d", mode_bits[m]);
        gchar *v = g_strdup_printf("/decode/capstone/vex/%d", mode_bits[m]);
        g_test_add_data_func(r, GINT_TO_POINTER(m), test_random);
        g_test_add_data_func(p, GINT_TO_POINTER(m), test_prefixed);
        g_test_add_data_func(e, GINT_TO_POINTER(m), test_exhaustive);
        g_test_add_data_func(v, GINT_TO_POINTER(m), test_vex);
        g_free(r);
        g_free(p);
        g_free(e);
        g_free(v);
    }
    int status = g_test_run();
    print_allowlist_hits();
    for (unsigned i = 0; i < allowlist_len; i++) {
        g_free(allowlist[i].text);
    }
    g_free(allowlist);
    return status;
}
