/* Differential harness for the x87 tests: one x87 state and snippet on the software CPU and on the host. */
#ifndef TESTS_UNIT_X87_ORACLE_H
#define TESTS_UNIT_X87_ORACLE_H

#include <stdio.h>

#include "cpu/x86/cpuid.h"
#include "native-oracle.h"

/*
 * A case is one instruction (with prefixes) and a whole x87 state: FCW with
 * every rounding and precision control, masked and unmasked exceptions,
 * TOP, tags, eight registers drawn from the edge values (signed zeros,
 * infinities, quiet and signalling NaNs, the indefinite, denormals,
 * pseudo-denormals, unnormals, pseudo-NaNs, huge, tiny, integer and BCD
 * boundaries), random pointers, and a memory operand of the instruction's
 * format.  It runs natively (native_run) and under the fixture; both append
 * FNSTENV [rdi] so the pointer registers (FIP/FCS/FOP/FDP/FDS) and the full
 * tag word are compared too.  T64 runs in 64-bit mode; T32 in compatibility
 * mode natively (a far return to Linux's 32-bit code segment 0x23) against
 * 32-bit protected mode in the fixture.
 */

#define DATA_LEN 0x1000u            /* data area given, and compared */
#define OPERAND_OFF 0x100u          /* [rsi] */
#define RIPREL_OFF 0x200u           /* [rip+disp32] (T64) / [disp32] (T32) */
#define ENV_OFF 0x800u              /* FNSTENV [rdi] after each instruction */
#define COMPAT_PROLOGUE 15u         /* bytes of the compatibility-mode entry */
#define MAX_REPORTS 15
#define X87_TEST_ZE 0x0004u
#define STATUS_FLAGS (X86_FLAG_CF | X86_FLAG_PF | X86_FLAG_AF | X86_FLAG_ZF | X86_FLAG_SF | X86_FLAG_OF)

typedef enum { T64, T32 } TestMode;

typedef struct Case {
    TestMode mode;
    uint8_t code[48];
    unsigned len;
    X86FpuState fpu;
    uint64_t regs[16];
    uint64_t rflags;
    uint64_t cr0_set, cr0_clear;    /* fixture-only variations */
    bool native;                    /* compare with the host */
    unsigned skip_off, skip_len;    /* data bytes not compared (FXSAVE's MXCSR_MASK) */
    uint8_t data[DATA_LEN];
} Case;

typedef struct Result {
    int vector;
    uint8_t fx[512];
    uint64_t regs[16];
    uint64_t rflags;
    uint8_t data[DATA_LEN];
} Result;

static int failures, cases_run, cases_faulted[32], native_reruns;

/* ---- PRNG ---- */

static uint64_t rng = 0x8765432112345678ull;

static uint64_t rnd(void)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * 0x2545f4914f6cdd1dull;
}

/* ---- little-endian fields ---- */

static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static uint16_t get16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static uint32_t get32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }

/* ---- values ---- */

static X87Reg f80(uint16_t sign_exp, uint64_t mantissa)
{
    X87Reg r = { .mantissa = mantissa, .sign_exp = sign_exp };
    return r;
}

static X87Reg f80_from_int(int64_t v)
{
    if (v == 0) {
        return f80(0, 0);
    }
    uint64_t a = v < 0 ? -(uint64_t)v : (uint64_t)v;
    int shift = __builtin_clzll(a);
    return f80((uint16_t)((v < 0 ? 0x8000 : 0) | (0x3fff + 63 - shift)), a << shift);
}

/* An 80-bit value from the edge classes, or a random finite one. */
static X87Reg random_f80(void)
{
    uint16_t sign = rnd() & 1 ? 0x8000 : 0;
    uint64_t r = rnd(), j = 1ull << 63;
    switch (rnd() % 22) {
    case 0: return f80(sign, 0);
    case 1: return f80(sign | 0x7fff, j);
    case 2: return f80(sign | 0x7fff, j | (1ull << 62) | (r & 0xffff));         /* QNaN */
    case 3: return f80(sign | 0x7fff, j | ((r & 0x3fffffffffffffffull) | 1));   /* SNaN */
    case 4: return f80(0xffff, 0xc000000000000000ull);                         /* indefinite */
    case 5: return f80(sign, (r & ~j) | 1);                                     /* denormal */
    case 6: return f80(sign, j | (r & 0xff));                                   /* pseudo-denormal */
    case 7: return f80(sign | (uint16_t)(1 + rnd() % 0x7ffe), r & ~j);          /* unnormal */
    case 8: return f80(sign | 0x7fff, r & ~j);                                  /* pseudo-NaN/inf */
    case 9: return f80_from_int((int64_t)(rnd() % 201) - 100);
    case 10: return f80(sign | (uint16_t)(0x7ffe - rnd() % 64), j | r);          /* huge */
    case 11: return f80(sign | (uint16_t)(1 + rnd() % 64), j | r);               /* tiny */
    case 12: return f80(sign | (uint16_t)(1 + rnd() % 0x7ffe), j | r);           /* anything */
    case 13: {                                                                   /* integer edges */
        static const int bits[] = { 15, 16, 31, 32, 59, 60, 63, 64 };
        unsigned width = bits[rnd() % 8];
        unsigned above = rnd() % 2, shift = rnd() % 64;
        return f80(sign | (uint16_t)(0x3fff + width - 1 + above), j | (r >> shift));
    }
    case 14: return f80(sign | (uint16_t)(0x3fff + rnd() % 64), j | (r & ~0xffffffffffull)); /* halves */
    default: return f80(sign | (uint16_t)(0x3fff - 70 + rnd() % 140), j | r);
    }
}

static uint32_t random_f32(void)
{
    uint32_t sign = rnd() & 1 ? 0x80000000u : 0, r = (uint32_t)rnd();
    switch (rnd() % 12) {
    case 0: return sign;
    case 1: return sign | 0x7f800000u;
    case 2: return sign | 0x7fc00000u | (r & 0xffff);
    case 3: return sign | 0x7f800000u | ((r & 0x3fffff) | 1);
    case 4: return sign | ((r & 0x7fffff) | 1);
    case 5: return sign | 0x7f7fffffu;
    case 6: return sign | 0x00800000u;
    case 7: return sign | (uint32_t)(0x3f000000u + (r % 0x2000000u));
    default: return sign | (r & 0x7fffffff);
    }
}

static uint64_t random_f64(void)
{
    uint64_t sign = rnd() & 1 ? 1ull << 63 : 0, r = rnd();
    switch (rnd() % 12) {
    case 0: return sign;
    case 1: return sign | 0x7ff0000000000000ull;
    case 2: return sign | 0x7ff8000000000000ull | (r & 0xffff);
    case 3: return sign | 0x7ff0000000000000ull | ((r & 0x7ffffffffffffull) | 1);
    case 4: return sign | ((r & 0xfffffffffffffull) | 1);
    case 5: return sign | 0x7fefffffffffffffull;
    case 6: return sign | 0x0010000000000000ull;
    case 7: return sign | (0x3fe0000000000000ull + (r % 0x40000000000000ull));
    default: return sign | (r & ~(1ull << 63));
    }
}

static uint64_t random_int(unsigned size)
{
    uint64_t mask = size == 8 ? ~0ull : (1ull << (8 * size)) - 1, sign = 1ull << (8 * size - 1);
    uint64_t r = rnd();
    switch (rnd() % 9) {
    case 0: return 0;
    case 1: return 1;
    case 2: return mask;
    case 3: return sign;
    case 4: return sign - 1;
    case 5: return (r % 2000 - 1000) & mask;
    default: return r & mask;
    }
}

static void random_bcd(uint8_t out[10])
{
    for (int i = 0; i < 9; i++) {
        unsigned high = rnd() % 10, low = rnd() % 10;
        out[i] = (uint8_t)(high << 4 | low);
    }
    out[9] = rnd() & 1 ? 0x80 : 0;
    if (rnd() % 6 == 0) {
        unsigned at = rnd() % 10;
        out[at] = (uint8_t)rnd();   /* invalid digits or sign byte */
    }
}

/* ---- states ---- */

static uint16_t norm_fcw(uint16_t v) { return (v & 0x1f3f) | 0x40; }

static uint16_t norm_fsw(uint16_t fsw, uint16_t fcw)
{
    fsw &= 0x7f7f;
    return (fsw & ~fcw & 0x3f) ? fsw | 0x8080 : fsw;
}

/* Case k of a form: rounding control k & 3 and precision control (k >> 2) & 3, so 16 cases see all. */
static void random_fpu(X86FpuState *f, unsigned k)
{
    memset(f, 0, sizeof(*f));
    unsigned masks = rnd() % 4 ? 0x3f : rnd() & 0x3f;
    f->fcw = norm_fcw((uint16_t)((rnd() & 0x1000) | (k & 3) << 10 | ((k >> 2) & 3) << 8 | masks));
    uint16_t flags = rnd() % 8 == 0 ? rnd() & 0x7f : 0;
    uint16_t cond = rnd() & 0x4700, top = rnd() & 0x3800;
    f->fsw = norm_fsw((uint16_t)(cond | top | flags), f->fcw);
    uint8_t tags = (uint8_t)rnd();
    f->ftw = (uint8_t)(tags | rnd());
    if (rnd() % 8 == 0) {
        f->ftw = rnd() & 1 ? 0xff : 0;   /* full / empty stack: overflow and underflow */
    }
    for (int i = 0; i < 8; i++) {
        f->st[i] = random_f80();
    }
    f->fop = rnd() & 0x7ff;
    f->fip = (uint32_t)rnd();
    f->fdp = (uint32_t)rnd();
    f->fcs = (uint16_t)rnd();
    f->fds = (uint16_t)rnd();
    f->mxcsr = 0x1f80;
}

/* FXSAVE image (32-bit layout) of a state: registers in stack order. */
static void fx_from_fpu(uint8_t fx[512], const X86FpuState *f)
{
    memset(fx, 0, 512);
    put16(fx, f->fcw);
    put16(fx + 2, f->fsw);
    fx[4] = f->ftw;
    put16(fx + 6, f->fop);
    put32(fx + 8, (uint32_t)f->fip);
    put16(fx + 12, f->fcs);
    put32(fx + 16, (uint32_t)f->fdp);
    put16(fx + 20, f->fds);
    put32(fx + 24, f->mxcsr);
    put32(fx + 28, 0xffff);
    unsigned top = (f->fsw >> 11) & 7;
    for (unsigned i = 0; i < 8; i++) {
        memcpy(fx + 32 + 16 * i, &f->st[(top + i) & 7].mantissa, 8);
        put16(fx + 40 + 16 * i, f->st[(top + i) & 7].sign_exp);
    }
    for (unsigned i = 0; i < 16; i++) {
        memcpy(fx + 160 + 16 * i, f->xmm[i].b, 16);
    }
}

/* ---- the two runs ---- */

static Fixture *fixtures[2];
static X86State initial_state[2];

static Fixture *fixture_for(TestMode mode)
{
    if (!fixtures[mode]) {
        Fixture *f = fixture_new(mode == T64 ? FIXTURE_LONG64 : FIXTURE_PROT32, 3);
        X86State *s = &initial_state[mode];
        *s = f->cpu.s;
        /* The selectors Linux user code runs with, as the host stores them in FCS/FDS. */
        s->segs[SEG_CS].selector = mode == T64 ? 0x33 : 0x23;
        for (int i = 0; i < X86_NR_SEGS; i++) {
            if (i != SEG_CS) {
                s->segs[i].selector = mode == T64 && i != SEG_SS ? 0 : 0x2b;
            }
        }
        fixtures[mode] = f;
    }
    return fixtures[mode];
}

static uint64_t code_start(TestMode mode)
{
    return FIXTURE_CODE + (mode == T32 ? COMPAT_PROLOGUE : 0);
}

static void run_fixture(const Case *c, Result *r, const X86Cpuid *cpuid)
{
    Fixture *f = fixture_for(c->mode);
    X86State s = initial_state[c->mode];
    memcpy(s.regs, c->regs, sizeof(s.regs));
    s.regs[R_ESP] = FIXTURE_STACK;
    s.rflags = (c->rflags & STATUS_FLAGS) | X86_FLAG_FIXED;
    s.fpu = c->fpu;
    s.cr0 = (s.cr0 | c->cr0_set) & ~c->cr0_clear;
    s.rip = code_start(c->mode);
    memset(f->ram + FIXTURE_DATA, 0, DATA_LEN);
    memcpy(f->ram + FIXTURE_DATA, c->data, DATA_LEN);
    memcpy(f->ram + s.rip, c->code, c->len);
    f->code_end = s.rip + c->len;
    x86_cpu_set_state(&f->cpu, &s);
    f->cpu.cpuid = cpuid;
    r->vector = fixture_run_max(f, 16, NULL);
    fx_from_fpu(r->fx, &f->cpu.s.fpu);
    memcpy(r->regs, f->cpu.s.regs, sizeof(r->regs));
    r->rflags = f->cpu.s.rflags;
    memcpy(r->data, f->ram + FIXTURE_DATA, DATA_LEN);
}

/* push $0x23; push $entry; lretq; DS, ES = 0x2b; the code; ljmp $0x33, $back; DS, ES = 0 */
static size_t wrap_compat(const uint8_t *code, size_t len, uint8_t *out)
{
    size_t n = 0;
    uint32_t entry = FIXTURE_CODE + 9;
    out[n++] = 0x6a; out[n++] = 0x23;
    out[n++] = 0x68; memcpy(out + n, &entry, 4); n += 4;
    out[n++] = 0x48; out[n++] = 0xcb;
    out[n++] = 0x6a; out[n++] = 0x2b; out[n++] = 0x1f;
    out[n++] = 0x6a; out[n++] = 0x2b; out[n++] = 0x07;
    g_assert_cmpuint(n, ==, COMPAT_PROLOGUE);
    memcpy(out + n, code, len);
    n += len;
    uint32_t back = FIXTURE_CODE + (uint32_t)n + 7;
    out[n++] = 0xea; memcpy(out + n, &back, 4); n += 4;
    out[n++] = 0x33; out[n++] = 0x00;
    /* Back in 64-bit mode: DS, ES = 0 again (push %rax; mov $0,%eax; mov %eax,%ds/%es; pop %rax). */
    static const uint8_t restore[] = { 0x50, 0xb8, 0, 0, 0, 0, 0x8e, 0xd8, 0x8e, 0xc0, 0x58 };
    memcpy(out + n, restore, sizeof(restore));
    n += sizeof(restore);
    return n;
}

static void run_native(const Case *c, Result *r)
{
    static NativeState ns;
    static uint8_t area[FIXTURE_STACK - FIXTURE_DATA];
    uint8_t wrapped[128];
    const uint8_t *code = c->code;
    size_t len = c->len;
    if (c->mode == T32) {
        len = wrap_compat(code, len, wrapped);
        code = wrapped;
    }
    memset(&ns, 0, sizeof(ns));
    memcpy(ns.regs, c->regs, sizeof(ns.regs));
    ns.regs[R_ESP] = FIXTURE_STACK;
    ns.rflags = (c->rflags & STATUS_FLAGS) | X86_FLAG_FIXED | X86_FLAG_IF;
    fx_from_fpu(ns.fx, &c->fpu);
    memset(area, 0, sizeof(area));
    memcpy(area, c->data, DATA_LEN);
    r->vector = native_run(&ns, code, len, area);
    if (r->vector == X86_EXC_DE) {
        r->vector = X86_EXC_MF;     /* no integer division here: SIGFPE is the x87's #MF */
    }
    memcpy(r->fx, ns.fx, 512);
    memcpy(r->regs, ns.regs, sizeof(r->regs));
    r->rflags = ns.rflags;
    memcpy(r->data, area, DATA_LEN);
}

/* ---- comparison ---- */

static void dump_case(const Case *c, const char *what, const char *diff)
{
    if (failures++ >= MAX_REPORTS) {
        return;
    }
    const X86FpuState *f = &c->fpu;
    fprintf(stderr, "# %s (%s):", what, c->mode == T64 ? "64-bit" : "32-bit");
    for (unsigned i = 0; i < c->len; i++) {
        fprintf(stderr, " %02x", c->code[i]);
    }
    fprintf(stderr, "\n#   fcw %04x fsw %04x ftw %02x flags %03llx rsi %llx\n", f->fcw, f->fsw, f->ftw,
            (unsigned long long)c->rflags, (unsigned long long)c->regs[R_ESI]);
    for (int i = 0; i < 8; i++) {
        fprintf(stderr, "#   R%d %04x:%016llx\n", i, f->st[i].sign_exp,
                (unsigned long long)f->st[i].mantissa);
    }
    fprintf(stderr, "#   data[%x..]:", OPERAND_OFF);
    for (unsigned i = 0; i < 16; i++) {
        fprintf(stderr, " %02x", c->data[OPERAND_OFF + i]);
    }
    fprintf(stderr, "\n#   differs:%s\n", diff);
}

/* FXSAVE bytes that both sides define: FCW FSW FTW, MXCSR, registers, XMM (0-7 outside 64-bit mode). */
static bool fx_byte_compared(unsigned i, TestMode mode, bool pointers)
{
    if (i < 6 || (i >= 24 && i < 28)) {
        return true;
    }
    if (i >= 6 && i < 24) {
        return pointers;
    }
    return i >= 32 && i < (mode == T64 ? 416u : 288u);
}

static int describe_fx_diff(char *out, size_t len, const Result *t, const Result *n, TestMode mode,
                            bool pointers)
{
    for (unsigned i = 0; i < 512; i++) {
        if (fx_byte_compared(i, mode, pointers) && t->fx[i] != n->fx[i]) {
            return snprintf(out, len, " fx[%u] %02x, host %02x (fsw %04x host %04x ftw %02x host %02x)",
                            i, t->fx[i], n->fx[i], get16(t->fx + 2), get16(n->fx + 2), t->fx[4],
                            n->fx[4]);
        }
    }
    return 0;
}

/* The differences between the fixture's result t and the host's n for case c, or 0 chars. */
static int describe_diff(const Case *c, const Result *t, const Result *n, char *diff, size_t size)
{
    int len = 0;
    diff[0] = 0;
    if (t->vector != n->vector) {
        return snprintf(diff, size, " vector %d, host %d", t->vector, n->vector);
    }
    if (t->vector >= 0) {
        /* Precise: nothing changed (the fault is at the first instruction). */
        static Result before;
        fx_from_fpu(before.fx, &c->fpu);
        len += describe_fx_diff(diff + len, size - len, t, &before, c->mode, true);
        if (memcmp(t->data, c->data, DATA_LEN) != 0) {
            len += snprintf(diff + len, size - len, " data changed at fault");
        }
        if (fixtures[c->mode]->cpu.s.rip != code_start(c->mode)) {
            len += snprintf(diff + len, size - len, " rip moved at fault");
        }
        return len;
    }
    len += describe_fx_diff(diff + len, size - len, t, n, c->mode, false);
    for (unsigned i = 0; i < DATA_LEN; i++) {
        bool skipped = i >= c->skip_off && i < c->skip_off + c->skip_len;
        if (t->data[i] != n->data[i] && !skipped) {
            len += snprintf(diff + len, size - len, " data[%x] %02x, host %02x", i, t->data[i],
                            n->data[i]);
            break;
        }
    }
    uint64_t mask = c->mode == T64 ? ~0ull : 0xffffffffull;
    if ((t->regs[R_EAX] ^ n->regs[R_EAX]) & mask) {
        len += snprintf(diff + len, size - len, " rax %llx, host %llx",
                        (unsigned long long)t->regs[R_EAX], (unsigned long long)n->regs[R_EAX]);
    }
    if ((t->rflags ^ n->rflags) & STATUS_FLAGS) {
        len += snprintf(diff + len, size - len, " rflags %03llx, host %03llx",
                        (unsigned long long)(t->rflags & STATUS_FLAGS),
                        (unsigned long long)(n->rflags & STATUS_FLAGS));
    }
    return len;
}

/*
 * Compare one case run both ways.  On this AMD host the kernel's context
 * switch may reset FIP/FDP/FOP while no exception is pending (its FXSAVE
 * leak workaround: they are not saved then), so a disagreement is checked
 * again against two more native runs before it counts.
 */
static const X86Cpuid *case_cpuid;   /* the fixture's CPUID for check_case, NULL = none */

static bool check_case(const Case *c, const char *what)
{
    static Result t, n;
    char diff[512];
    cases_run++;
    run_fixture(c, &t, case_cpuid);
    run_native(c, &n);
    if (n.vector >= 0 && n.vector < 32) {
        cases_faulted[n.vector]++;
    }
    for (int attempt = 0; describe_diff(c, &t, &n, diff, sizeof(diff)) > 0; attempt++) {
        if (attempt == 2) {
            dump_case(c, what, diff);
            return false;
        }
        run_native(c, &n);
        native_reruns++;
    }
    return true;
}

/* Run a snippet in the fixture only; returns the vector (-1 for none). */
static int fixture_only(Case *c, const X86Cpuid *cpuid)
{
    static Result r;
    run_fixture(c, &r, cpuid);
    cases_run++;
    return r.vector;
}

#endif
