/* The 16-bit oracle: SingleStepTests' 80286 real-mode tests run against interp (TAP, one test per opcode file). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <zlib.h>

#include "json-mini.h"
#include "x86-fixture.h"

/*
 * Each test gives the 286's registers and the RAM bytes it touches before
 * and after one instruction (followed by HLT).  We load the state into
 * interp in real mode, step until the HLT, and compare registers and bytes.
 * FLAGS are compared under the opcode's defined-flags mask from
 * metadata.json and with bits 12-15 masked (the 286 keeps them clear in
 * real mode; a 386+ lets POPF set IOPL/NT there).
 *
 * A test that fails is checked against the known ways the 286 differs from
 * the 386 and later (classify_286); those count as explained, with the
 * reason printed in the summary, and any other failure fails the file.
 */

#define DATA_DIR "tests/data/singlestep-80286"
#define MAX_STEPS 300

static const char *reg_names[] = { "ax", "cx", "dx", "bx", "sp", "bp", "si", "di" };
static const char *sreg_names[] = { "es", "cs", "ss", "ds" };

static char *read_gz(const char *path, size_t *len)
{
    gzFile f = gzopen(path, "rb");
    if (!f) {
        return NULL;
    }
    GString *s = g_string_new(NULL);
    char buf[65536];
    int n;
    while ((n = gzread(f, buf, sizeof(buf))) > 0) {
        g_string_append_len(s, buf, n);
    }
    gzclose(f);
    *len = s->len;
    return g_string_free(s, FALSE);
}

static JsonNode *load_json(const char *path)
{
    size_t len;
    gchar *text = NULL;
    if (g_str_has_suffix(path, ".gz")) {
        text = read_gz(path, &len);
    } else if (!g_file_get_contents(path, &text, &len, NULL)) {
        text = NULL;
    }
    if (!text) {
        return NULL;
    }
    JsonNode *n = json_parse(text, len);
    g_free(text);
    return n;
}

/* The defined-flags mask for an opcode file name like "80.1" or "05". */
static unsigned flags_mask(const JsonNode *meta, const char *name)
{
    char op[3] = { name[0], name[1], 0 };
    const JsonNode *entry = json_get(json_get(meta, "opcodes"), op);
    if (name[2] == '.') {
        char reg[2] = { name[3], 0 };
        entry = json_get(json_get(entry, "reg"), reg);
    }
    const JsonNode *mask = json_get(entry, "flags-mask");
    unsigned m = mask ? (unsigned)mask->number : 0xffff;
    return m & 0x0fff & ~0x2u;   /* bits 12-15: the 286's own; bit 1: always 1 */
}

static void load_state(Fixture *f, const JsonNode *init)
{
    X86State s = f->cpu.s;
    const JsonNode *regs = json_get(init, "regs");
    for (int i = 0; i < 8; i++) {
        s.regs[i] = (uint16_t)json_get(regs, reg_names[i])->number;
    }
    for (int i = 0; i < 4; i++) {
        uint16_t sel = json_get(regs, sreg_names[i])->number;
        s.segs[i].selector = sel;
        s.segs[i].base = (uint64_t)sel << 4;
        s.segs[i].limit = 0xffff;
    }
    s.rip = (uint16_t)json_get(regs, "ip")->number;
    s.rflags = ((uint16_t)json_get(regs, "flags")->number & 0x0fd5) | X86_FLAG_FIXED;
    s.idtr.base = 0;
    s.idtr.limit = 0x3ff;
    x86_cpu_set_state(&f->cpu, &s);
    const JsonNode *ram = json_get(init, "ram");
    for (size_t i = 0; i < ram->count; i++) {
        uint32_t addr = ram->items[i]->items[0]->number;
        f->ram[addr] = ram->items[i]->items[1]->number;
    }
}

/* Compare; on a difference, describe the first one in buf. */
static bool check_state(Fixture *f, const JsonNode *init, const JsonNode *fin, unsigned mask,
                        char *buf, size_t len)
{
    const JsonNode *iregs = json_get(init, "regs"), *fregs = json_get(fin, "regs");
    for (int i = 0; i < 12; i++) {
        const char *name = i < 8 ? reg_names[i] : sreg_names[i - 8];
        const JsonNode *want = json_get(fregs, name);
        if (!want) {
            want = json_get(iregs, name);
        }
        uint16_t got = i < 8 ? f->cpu.s.regs[i] : f->cpu.s.segs[i - 8].selector;
        if (got != (uint16_t)want->number) {
            snprintf(buf, len, "%s: 0x%04x, the 286 0x%04x", name, got, (unsigned)want->number);
            return false;
        }
    }
    const JsonNode *ip = json_get(fregs, "ip") ? json_get(fregs, "ip") : json_get(iregs, "ip");
    if ((uint16_t)f->cpu.s.rip != (uint16_t)ip->number) {
        snprintf(buf, len, "ip: 0x%04x, the 286 0x%04x", (unsigned)(uint16_t)f->cpu.s.rip,
                 (unsigned)ip->number);
        return false;
    }
    const JsonNode *fl = json_get(fregs, "flags") ? json_get(fregs, "flags") : json_get(iregs, "flags");
    if ((f->cpu.s.rflags & mask) != ((unsigned)fl->number & mask)) {
        snprintf(buf, len, "flags: 0x%04x, the 286 0x%04x (mask 0x%04x)",
                 (unsigned)(f->cpu.s.rflags & 0xffff), (unsigned)fl->number, mask);
        return false;
    }
    const JsonNode *ram = json_get(fin, "ram");
    for (size_t i = 0; ram && i < ram->count; i++) {
        uint32_t addr = ram->items[i]->items[0]->number;
        uint8_t want = ram->items[i]->items[1]->number;
        if (f->ram[addr] != want) {
            /* Flag images pushed by an exception carry the 286's bits 12-15 and undefined flags. */
            snprintf(buf, len, "ram[0x%05x]: 0x%02x, the 286 0x%02x", addr, f->ram[addr], want);
            return false;
        }
    }
    return true;
}

/*
 * The FLAGS image an exception pushed sits at SS:SP+4 after the push
 * (IP, CS, FLAGS): compare its bytes under the opcode's mask too.
 */
static void mask_pushed_flags(Fixture *f, const JsonNode *test, unsigned mask)
{
    const JsonNode *fin = json_get(test, "final");
    const JsonNode *fin_ram = json_get(fin, "ram");
    if (!json_get(test, "exception") || !fin_ram) {
        return;
    }
    const JsonNode *sp = json_get(json_get(fin, "regs"), "sp");
    uint16_t ss = f->cpu.s.segs[SEG_SS].selector;
    if (!sp) {
        return;
    }
    for (unsigned byte = 0; byte < 2; byte++) {
        uint32_t a = ((uint32_t)ss << 4) + (uint16_t)((unsigned)sp->number + 4 + byte);
        uint8_t m = (mask >> (8 * byte)) & 0xff;
        for (size_t i = 0; i < fin_ram->count; i++) {
            if ((uint32_t)fin_ram->items[i]->items[0]->number == a) {
                uint8_t want = fin_ram->items[i]->items[1]->number;
                f->ram[a] = (f->ram[a] & m) | (want & ~m);
            }
        }
    }
}

typedef enum {
    RESULT_PASS,
    RESULT_FAIL,
    RESULT_286_LOCK,       /* explained differences of the 286, below */
    RESULT_286_LENGTH,
    RESULT_286_SS_OVERRUN,
    RESULT_286_STRING_FAULT,
    RESULT_286_NO_FS_GS,
    RESULT_COUNT
} Result;

static const char *const result_reasons[RESULT_COUNT] = {
    [RESULT_286_LOCK] = "LOCK on an instruction that cannot be locked: #UD on the 386 and later "
                        "(SDM vol. 2 LOCK), ignored by the 286",
    [RESULT_286_LENGTH] = "an instruction over 10 bytes: #GP on the 286; the 386 and later allow 15 "
                          "(SDM vol. 2A 2.3.11)",
    [RESULT_286_SS_OVERRUN] = "a real-mode stack-segment overrun: #SS on the 386 and later "
                              "(SDM vol. 2, real-address mode exceptions), #GP on the 286",
    [RESULT_286_STRING_FAULT] = "a string instruction faulting on a segment wrap: the 286 has already "
                                "stepped SI/DI/CX, the 386 and later leave them for the restart",
    [RESULT_286_NO_FS_GS] = "MOV to/from Sreg 4/5: the 286 has no FS/GS (#UD there)",
};

static int exception_286(const JsonNode *test)
{
    const JsonNode *exc = json_get(test, "exception");
    return exc ? (int)json_get(exc, "number")->number : -1;
}

/* Bytes of the instruction (without the HLT) and whether a LOCK prefix is among them. */
static unsigned insn_bytes(const JsonNode *test, bool *lock, uint8_t *opcode, uint8_t *modrm)
{
    const JsonNode *bytes = json_get(test, "bytes");
    unsigned n = bytes->count - 1, i = 0;
    *lock = false;
    static const uint8_t prefixes[] = { 0x26, 0x2e, 0x36, 0x3e, 0xf0, 0xf2, 0xf3 };
    for (; i < n && memchr(prefixes, (int)bytes->items[i]->number, sizeof(prefixes)); i++) {
        *lock |= (int)bytes->items[i]->number == 0xf0;
    }
    *opcode = i < n ? bytes->items[i]->number : 0;
    *modrm = i + 1 < n ? bytes->items[i + 1]->number : 0;
    return n;
}

static bool is_string_op(uint8_t op)
{
    return (op >= 0xa4 && op <= 0xa7) || (op >= 0xaa && op <= 0xaf) || (op >= 0x6c && op <= 0x6f);
}

/* A failed comparison that is the 286's own behaviour, not tandem's. */
static Result classify_286(Fixture *f, const JsonNode *test, unsigned mask)
{
    bool lock;
    uint8_t op, modrm;
    unsigned len = insn_bytes(test, &lock, &op, &modrm);
    int theirs = exception_286(test), ours = f->cpu.last_exception;
    if (lock && ours == X86_EXC_UD && theirs != X86_EXC_UD) {
        return RESULT_286_LOCK;
    }
    if (len > 10 && theirs == X86_EXC_GP) {
        return RESULT_286_LENGTH;
    }
    if (theirs == X86_EXC_GP && ours == X86_EXC_SS) {
        return RESULT_286_SS_OVERRUN;
    }
    if ((op == 0x8c || op == 0x8e) && ((modrm >> 3) & 7) >= 4 && theirs == X86_EXC_UD) {
        return RESULT_286_NO_FS_GS;
    }
    if (is_string_op(op) && theirs == X86_EXC_GP && ours == X86_EXC_GP) {
        /* Take the 286's SI, DI and CX and compare the rest. */
        const JsonNode *fregs = json_get(json_get(test, "final"), "regs");
        static const struct { const char *name; int reg; } stepped[] = {
            { "si", R_ESI }, { "di", R_EDI }, { "cx", R_ECX },
        };
        for (unsigned i = 0; i < 3; i++) {
            const JsonNode *v = json_get(fregs, stepped[i].name);
            if (v) {
                f->cpu.s.regs[stepped[i].reg] = (uint16_t)v->number;
            }
        }
        char why[200];
        if (check_state(f, json_get(test, "initial"), json_get(test, "final"), mask, why, sizeof(why))) {
            return RESULT_286_STRING_FAULT;
        }
    }
    return RESULT_FAIL;
}

static Result run_one(Fixture *f, const JsonNode *test, unsigned mask, char *buf, size_t len)
{
    memset(f->ram, 0, FIXTURE_RAM_SIZE);
    const JsonNode *init = json_get(test, "initial");
    load_state(f, init);
    f->cpu.stop = X86_STOP_NONE;
    f->cpu.last_exception = -1;
    for (int i = 0; i < MAX_STEPS && f->cpu.stop == X86_STOP_NONE; i++) {
        X86StopReason r = x86_step(&f->cpu);
        if (r == X86_STOP_SHUTDOWN || r == X86_STOP_ERROR) {
            snprintf(buf, len, "stopped: %s", r == X86_STOP_SHUTDOWN ? "triple fault" : f->cpu.error);
            return RESULT_FAIL;
        }
    }
    if (f->cpu.stop != X86_STOP_HLT) {
        snprintf(buf, len, "did not reach the HLT in %d steps (last exception %d, the 286's %d)",
                 MAX_STEPS, f->cpu.last_exception, exception_286(test));
        return classify_286(f, test, mask);
    }
    mask_pushed_flags(f, test, mask);
    if (check_state(f, init, json_get(test, "final"), mask, buf, len)) {
        return RESULT_PASS;
    }
    return classify_286(f, test, mask);
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(void)
{
    DIR *d = opendir(DATA_DIR "/json");
    JsonNode *meta = load_json(DATA_DIR "/metadata.json");
    if (!d || !meta) {
        printf("1..0 # SKIP %s not found (run from the source tree)\n", DATA_DIR);
        return 0;
    }
    GPtrArray *files = g_ptr_array_new_with_free_func(g_free);
    for (struct dirent *e; (e = readdir(d));) {
        if (g_str_has_suffix(e->d_name, ".json.gz")) {
            g_ptr_array_add(files, g_strndup(e->d_name, strlen(e->d_name) - strlen(".json.gz")));
        }
    }
    closedir(d);
    qsort(files->pdata, files->len, sizeof(char *), compare_names);

    Fixture *f = fixture_new(FIXTURE_REAL, 0);
    bool verbose = getenv("TEST_80286_VERBOSE") != NULL;
    unsigned total = 0, passed = 0, explained_fail = 0;
    unsigned by_reason[RESULT_COUNT] = { 0 };
    printf("1..%u\n", files->len);
    for (unsigned i = 0; i < files->len; i++) {
        const char *name = files->pdata[i];
        char *path = g_strdup_printf(DATA_DIR "/json/%s.json.gz", name);
        JsonNode *tests = load_json(path);
        g_free(path);
        unsigned mask = flags_mask(meta, name);
        unsigned ok = 0, explained_here = 0, n = tests ? tests->count : 0;
        char first[256] = "";
        for (unsigned t = 0; t < n; t++) {
            char why[200];
            Result r = run_one(f, tests->items[t], mask, why, sizeof(why));
            if (r == RESULT_PASS) {
                ok++;
                continue;
            }
            if (r != RESULT_FAIL) {
                by_reason[r]++;
                explained_here++;
                continue;
            }
            if (verbose) {
                printf("# %s #%u %s: %s\n", name, t, json_get(tests->items[t], "name")->string, why);
            }
            if (!first[0]) {
                snprintf(first, sizeof(first), "%s: %s",
                         json_get(tests->items[t], "name")->string, why);
            }
        }
        total += n;
        passed += ok;
        if (!tests) {
            printf("not ok %u - %s: cannot read the test file\n", i + 1, name);
        } else if (ok + explained_here == n) {
            explained_fail += explained_here;
            printf("ok %u - %s: %u/%u%s\n", i + 1, name, ok, n,
                   explained_here ? " (the rest are the 286's own, see the summary)" : "");
        } else {
            printf("not ok %u - %s: %u/%u\n# first difference: %s\n", i + 1, name, ok, n, first);
        }
        json_free(tests);
    }
    for (int r = RESULT_286_LOCK; r < RESULT_COUNT; r++) {
        printf("# %u tests: %s\n", by_reason[r], result_reasons[r]);
    }
    printf("# 80286 pass rate: %u/%u (%.2f%%); %u of the failures are explained differences of the 286\n",
           passed, total, total ? 100.0 * passed / total : 0.0, explained_fail);
    fixture_free(f);
    json_free(meta);
    g_ptr_array_free(files, TRUE);
    return 0;
}
