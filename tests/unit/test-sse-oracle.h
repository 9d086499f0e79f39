/* Differential harness for the MMX/SSE/XSAVE tests: one SIMD state and snippet on the software CPU and on the host. */
#ifndef TESTS_UNIT_TEST_SSE_ORACLE_H
#define TESTS_UNIT_TEST_SSE_ORACLE_H

/*
 * A case is a snippet (usually one instruction), the general registers,
 * the status flags, an FXSAVE image (x87 control/status/tags, the eight
 * x87/MMX registers, MXCSR, XMM0-15) and the first DATA_LEN bytes of the
 * data area.  It runs under the fixture (64-bit mode, CPL3, a CPUID with
 * the host's SIMD features) and natively (native_run), and everything is
 * compared: the exception vector, GPRs, RFLAGS status flags, the FXSAVE
 * image fields (FCW FSW FTW FOP FIP FDP MXCSR, ST0-7 as 80-bit values,
 * XMM0-15) and the data area.
 *
 * Faults come back from the host with the state at the fault: this file
 * installs its own handlers for SIGFPE/SIGSEGV/SIGBUS/SIGILL that take the
 * registers, the trap number and the FXSAVE image from the signal context,
 * so an #XM case also compares the MXCSR flags the unmasked exception set,
 * and a fault of any kind checks that the fixture left everything else as
 * it was (precise exceptions).
 *
 * $SSE_TRACE prints every case before the host runs it (to find a case
 * that kills the host process); $TANDEM_ASAN / $TANDEM_LONG scale the
 * number of random cases down / up.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE     /* REG_* names of the signal context */
#endif
#include <cpuid.h>
#include <stdio.h>
#include <ucontext.h>

#include "cpu/x86/cpuid.h"
#include "cpu/x86/soft_cpuid.h"
#include "native-oracle.h"

#define DATA_LEN 0x1000u
#define MAX_REPORTS 20

typedef struct SimdState {
    uint64_t regs[16];
    uint64_t rflags;
    uint8_t fx[512] __attribute__((aligned(16)));
    uint8_t data[DATA_LEN];
} SimdState;

typedef struct SimdResult {
    int vector;
    uint64_t regs[16];
    uint64_t rflags;
    uint8_t fx[512];
    uint8_t data[DATA_LEN];
} SimdResult;

static int failures, cases_run, cases_faulted;

/* Data bytes not compared (FXSAVE/XSAVE's MXCSR_MASK: this AMD host offers the MM bit). */
static unsigned data_skip[4][2];

/* Case counts: a quarter under the sanitizer build ($TANDEM_ASAN), four times with $TANDEM_LONG. */
static unsigned scaled(unsigned n)
{
    if (g_getenv("TANDEM_LONG")) {
        return 4 * n;
    }
    if (g_getenv("TANDEM_ASAN")) {
        return n / 4 ? n / 4 : 1;
    }
    return n;
}

/* ---- PRNG (xorshift64*, fixed seed) ---- */

static uint64_t rng_state = 0x5eed5eed12345678ull;

static uint64_t rnd(void)
{
    uint64_t x = rng_state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    rng_state = x;
    return x * 0x2545f4914f6cdd1dull;
}

static unsigned rnd_below(unsigned n)
{
    return (unsigned)(rnd() % n);
}

/* ---- little-endian fields ---- */

static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static uint16_t get16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static uint32_t get32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t get64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

/* ---- values ---- */

/* A single-precision value from the edge classes, or an ordinary one. */
static uint32_t rnd_f32(void)
{
    uint32_t sign = rnd() & 1 ? 0x80000000u : 0, r = (uint32_t)rnd();
    switch (rnd_below(16)) {
    case 0: return sign;                                        /* zero */
    case 1: return sign | 0x7f800000u;                          /* infinity */
    case 2: return sign | 0x7fc00000u | (r & 0x3fffff);         /* QNaN */
    case 3: return sign | 0x7f800000u | ((r & 0x3fffff) | 1);   /* SNaN */
    case 4: return sign | ((r & 0x7fffff) | 1);                 /* denormal */
    case 5: return sign | (0x7f7fffffu - (r & 0xff));             /* huge */
    case 6: return sign | (0x00800000u + (r & 0xff));             /* tiny normal */
    case 7: return sign | (uint32_t)(0x3f000000u + (r % 0x2000000u));   /* near 1 */
    case 8: return sign | (uint32_t)(0x4e000000u + (r % 0x2000000u));   /* near 2^31 */
    case 9: return sign | (uint32_t)(0x5e800000u + (r % 0x1000000u));   /* near 2^63 */
    case 10: return sign | (0x3f800000u + (r & 0x7f) * 0x800000u % 0x3000000u); /* integers-ish */
    case 11: return 0xffc00000u;                                /* the default NaN */
    default: return sign | (r & 0x7fffffff);
    }
}

static uint64_t rnd_f64(void)
{
    uint64_t sign = rnd() & 1 ? 1ull << 63 : 0, r = rnd();
    const uint64_t man = 0xfffffffffffffull;
    switch (rnd_below(16)) {
    case 0: return sign;
    case 1: return sign | 0x7ff0000000000000ull;
    case 2: return sign | 0x7ff8000000000000ull | (r & (man >> 1));
    case 3: return sign | 0x7ff0000000000000ull | ((r & (man >> 1)) | 1);
    case 4: return sign | ((r & man) | 1);
    case 5: return sign | (0x7fefffffffffffffull - (r & 0xffff));
    case 6: return sign | (0x0010000000000000ull + (r & 0xffff));
    case 7: return sign | (0x3fe0000000000000ull + (r % 0x40000000000000ull));
    case 8: return sign | (0x41d0000000000000ull + (r % 0x20000000000000ull));   /* near 2^31 */
    case 9: return sign | (0x43d0000000000000ull + (r % 0x20000000000000ull));   /* near 2^63 */
    case 10: return sign | (0x36a0000000000000ull + (r % 0x100000000000000ull)); /* single's tiny */
    case 11: return sign | (0x47e0000000000000ull + (r % 0x40000000000000ull));  /* single's huge */
    case 12: return 0xfff8000000000000ull;
    default: return sign | (r & 0x7fffffffffffffffull);
    }
}

/* An integer element of `size` bytes: boundaries or random. */
static uint64_t rnd_int(unsigned size)
{
    uint64_t mask = size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
    uint64_t sign = 1ull << (8 * size - 1);
    switch (rnd_below(10)) {
    case 0: return 0;
    case 1: return 1;
    case 2: return mask;
    case 3: return sign;
    case 4: return sign - 1;
    case 5: return rnd() & 0xff;
    default: return rnd() & mask;
    }
}

typedef enum { VAL_F32, VAL_F64, VAL_INT8, VAL_INT16, VAL_INT32, VAL_INT64, VAL_ANY, VAL_SHIFT } ValueClass;

/* len bytes of one class (VAL_ANY: a class per 8 bytes; VAL_SHIFT: shift counts, often small). */
static void rnd_vec(uint8_t *out, ValueClass c, unsigned len)
{
    for (unsigned off = 0; off < len; off += 8) {
        ValueClass k = c == VAL_ANY || c == VAL_SHIFT ? (ValueClass)rnd_below(6) : c;
        if (c == VAL_SHIFT && rnd_below(4)) {
            uint64_t v = rnd_below(4) ? rnd_below(72) : rnd_below(256);
            memcpy(out + off, &v, len - off < 8 ? len - off : 8);
            continue;
        }
        uint64_t v = 0;
        switch (k) {
        case VAL_F32: v = rnd_f32() | ((uint64_t)rnd_f32() << 32); break;
        case VAL_F64: v = rnd_f64(); break;
        case VAL_INT8: for (int i = 0; i < 8; i++) v |= rnd_int(1) << (8 * i); break;
        case VAL_INT16: for (int i = 0; i < 4; i++) v |= rnd_int(2) << (16 * i); break;
        case VAL_INT32: v = rnd_int(4) | (rnd_int(4) << 32); break;
        default: v = rnd_int(8); break;
        }
        memcpy(out + off, &v, len - off < 8 ? len - off : 8);
    }
}

/* ---- the initial state ---- */

#define FX_MXCSR 24
#define FX_ST 32
#define FX_XMM 160

/*
 * A random SIMD state: XMM registers and the data area of class c, random
 * MMX/x87 registers (sign/exponent too, so MMX writes show), random TOP and
 * tags, FCW with every exception masked, and an MXCSR with a random
 * rounding mode, DAZ, FZ and sticky flags and (with `unmask`) some
 * exceptions unmasked.  rsi and rdi point into the data area (rdi at
 * 16-byte alignment plus `misalign`).
 */
static void simd_state_random(SimdState *st, ValueClass c, bool unmask)
{
    memset(st, 0, sizeof(*st));
    for (int i = 0; i < 16; i++) {
        st->regs[i] = rnd_int(8);
    }
    st->regs[R_ESP] = FIXTURE_STACK;
    st->regs[R_ESI] = FIXTURE_DATA + 0x100;
    st->regs[R_EDI] = FIXTURE_DATA + 0x200;
    st->rflags = (rnd() & (X86_FLAG_CF | X86_FLAG_PF | X86_FLAG_AF | X86_FLAG_ZF | X86_FLAG_SF |
                           X86_FLAG_OF)) | X86_FLAG_FIXED;
    put16(st->fx + 0, 0x037f);
    put16(st->fx + 2, (uint16_t)((rnd_below(8) << 11) | (rnd() & 0x4700 & ~0x4000u)));
    st->fx[4] = (uint8_t)rnd();
    for (int i = 0; i < 8; i++) {
        rnd_vec(st->fx + FX_ST + 16 * i, VAL_ANY, 8);
        put16(st->fx + FX_ST + 16 * i + 8, (uint16_t)(rnd_below(4) ? rnd() : 0xffff));
    }
    uint32_t mxcsr = (uint32_t)(rnd() & (0x6000 | 0x8000 | 0x40 | 0x3f)) | 0x1f80;
    if (unmask && rnd_below(2)) {
        mxcsr &= ~(uint32_t)((rnd() & 0x3f) << 7);
    }
    if (rnd_below(3) == 0) {
        mxcsr &= ~0x3fu;
    }
    put32(st->fx + FX_MXCSR, mxcsr);
    put32(st->fx + 28, 0xffff);
    for (int i = 0; i < 16; i++) {
        rnd_vec(st->fx + FX_XMM + 16 * i, c, 16);
    }
    for (unsigned off = 0; off < DATA_LEN; off += 16) {
        rnd_vec(st->data + off, c, 16);
    }
}

/*
 * ---- the guest CPUID: the software CPU's (an AMD vendor without
 * XSaveErPtr, so FXSAVE/XSAVE store the x87 pointers only while an
 * exception is pending, as this AMD host does) plus the host's AES and
 * PCLMULQDQ ----
 */

static const X86Cpuid *test_cpuid(void)
{
    static X86Cpuid t;
    static bool built;
    if (!built) {
        x86_soft_cpuid_supported(&t);
        unsigned a = 0, b = 0, c = 0, d = 0;
        __get_cpuid(1, &a, &b, &c, &d);
        for (int i = 0; i < t.nr; i++) {
            if (t.e[i].function == 1) {
                t.e[i].ecx |= c & ((1u << 25) | (1u << 1));
            }
        }
        built = true;
    }
    return &t;
}

static bool host_has_ecx1(unsigned bit)
{
    unsigned a, b, c = 0, d;
    __get_cpuid(1, &a, &b, &c, &d);
    return (c >> bit) & 1;
}

/* ---- fixture side ---- */

static void fpu_from_image(X86FpuState *f, const uint8_t *fx)
{
    f->fcw = get16(fx + 0);
    f->fsw = get16(fx + 2);
    f->ftw = fx[4];
    f->fop = get16(fx + 6);
    f->fip = get32(fx + 8);
    f->fcs = get16(fx + 12);
    f->fdp = get32(fx + 16);
    f->fds = get16(fx + 20);
    f->mxcsr = get32(fx + FX_MXCSR);
    unsigned top = (f->fsw >> 11) & 7;
    for (unsigned i = 0; i < 8; i++) {
        X87Reg *r = &f->st[(top + i) & 7];
        r->mantissa = get64(fx + FX_ST + 16 * i);
        r->sign_exp = get16(fx + FX_ST + 16 * i + 8);
    }
    memcpy(f->xmm, fx + FX_XMM, 256);
}

/* Does the host's FXSAVE leave FIP/FDP/FOP out while no exception is pending (AMD)? */
static bool host_fxsave_drops_pointers(void)
{
    static int known;
    if (!known) {
        static uint8_t image[512] __attribute__((aligned(16)));
        __asm__ volatile("fninit; fld1; fxsave %0; fninit" : "=m"(image));
        known = get16(image + 6) == 0 ? 1 : 2;
    }
    return known == 1;
}

/* The FXSAVE image the fixture's state gives, with the host's rule for the x87 pointers. */
static void image_from_fpu(uint8_t *fx, const X86FpuState *f)
{
    memset(fx, 0, 512);
    put16(fx + 0, f->fcw);
    put16(fx + 2, f->fsw);
    fx[4] = f->ftw;
    if (!host_fxsave_drops_pointers() || (f->fsw & ~f->fcw & 0x3f)) {
        put16(fx + 6, f->fop);
        put32(fx + 8, (uint32_t)f->fip);
        put16(fx + 12, f->fcs);
        put32(fx + 16, (uint32_t)f->fdp);
        put16(fx + 20, f->fds);
    }
    put32(fx + FX_MXCSR, f->mxcsr);
    unsigned top = (f->fsw >> 11) & 7;
    for (unsigned i = 0; i < 8; i++) {
        const X87Reg *r = &f->st[(top + i) & 7];
        memcpy(fx + FX_ST + 16 * i, &r->mantissa, 8);
        put16(fx + FX_ST + 16 * i + 8, r->sign_exp);
    }
    memcpy(fx + FX_XMM, f->xmm, 256);
}

static Fixture *test_fixture;      /* the fixture of the last case run */
static Fixture *fixtures[2];        /* 64-bit mode, 32-bit protected mode */
static X86State fixture_initial[2];

/*
 * The cases that follow run in 32-bit mode: protected mode in the fixture,
 * compatibility mode on the host (a far return to Linux's 32-bit user code
 * segment 0x23, DS/ES = 0x2b, and a far jump back to 0x33 at the end).
 * General registers then compare in their low halves: the SDM leaves the
 * upper ones undefined after compatibility mode.
 */
static bool mode32;

/* Extra fixture state for the cases that follow: CR0/CR4 bits, XCR0 (the host has its own). */
static uint64_t fixture_cr0_set, fixture_cr4_set, fixture_xcr0 = 1;

static void run_fixture(const SimdState *in, const uint8_t *code, size_t len, SimdResult *out)
{
    if (!fixtures[mode32]) {
        fixtures[mode32] = fixture_new(mode32 ? FIXTURE_PROT32 : FIXTURE_LONG64, 3);
        fixture_initial[mode32] = fixtures[mode32]->cpu.s;
    }
    Fixture *f = test_fixture = fixtures[mode32];
    X86State s = fixture_initial[mode32];
    memcpy(s.regs, in->regs, sizeof(s.regs));
    s.rflags = in->rflags | X86_FLAG_FIXED;
    s.rip = FIXTURE_CODE;
    s.cr0 |= fixture_cr0_set;
    s.cr4 |= fixture_cr4_set;
    s.xcr0 = fixture_xcr0;
    fpu_from_image(&s.fpu, in->fx);
    memset(f->ram + FIXTURE_DATA, 0, FIXTURE_STACK - FIXTURE_DATA);
    memcpy(f->ram + FIXTURE_DATA, in->data, DATA_LEN);
    fixture_code(f, code, len);
    x86_cpu_set_state(&f->cpu, &s);
    f->cpu.cpuid = test_cpuid();
    out->vector = fixture_run_max(f, 4096, NULL);
    memcpy(out->regs, f->cpu.s.regs, sizeof(out->regs));
    out->rflags = f->cpu.s.rflags;
    image_from_fpu(out->fx, &f->cpu.s.fpu);
    memcpy(out->data, f->ram + FIXTURE_DATA, DATA_LEN);
}

static void dump_case(const char *what, const SimdState *in, const uint8_t *code, size_t len);

/* ---- native side ---- */

static volatile int fault_trapno;
static uint8_t fault_fx[512];
static uint64_t fault_regs[16], fault_rflags;

static void simd_fault_handler(int sig, siginfo_t *si, void *ucv)
{
    (void)si;
    ucontext_t *uc = ucv;
    static const int order[16] = { REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP,
                                   REG_RSI, REG_RDI, REG_R8, REG_R9, REG_R10, REG_R11,
                                   REG_R12, REG_R13, REG_R14, REG_R15 };
    fault_trapno = (int)uc->uc_mcontext.gregs[REG_TRAPNO];
    for (int i = 0; i < 16; i++) {
        fault_regs[i] = (uint64_t)uc->uc_mcontext.gregs[order[i]];
    }
    fault_rflags = (uint64_t)uc->uc_mcontext.gregs[REG_EFL];
    memcpy(fault_fx, uc->uc_mcontext.fpregs, 512);
    native_fault_signal = sig;
    siglongjmp(native_fault_jmp, 1);
}

static void simd_oracle_init(void)
{
    static bool done;
    if (done) {
        return;
    }
    native_oracle_init();
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = simd_fault_handler;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigaction(SIGFPE, &sa, NULL);
    sigaction(SIGILL, &sa, NULL);
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
    done = true;
}

/* The 32-bit snippet wrapped for the host: into compatibility mode and back (none of it touches flags). */
static size_t wrap_compat(const uint8_t *code, size_t len, uint8_t *out)
{
    size_t n = 0;
    uint32_t entry = FIXTURE_CODE + 9;
    out[n++] = 0x6a; out[n++] = 0x23;                               /* push $0x23 */
    out[n++] = 0x68; memcpy(out + n, &entry, 4); n += 4;            /* push $entry */
    out[n++] = 0x48; out[n++] = 0xcb;                               /* lretq */
    out[n++] = 0x6a; out[n++] = 0x2b; out[n++] = 0x1f;              /* push $0x2b; pop %ds */
    out[n++] = 0x6a; out[n++] = 0x2b; out[n++] = 0x07;              /* push $0x2b; pop %es */
    memcpy(out + n, code, len);
    n += len;
    uint32_t back = FIXTURE_CODE + (uint32_t)n + 7;
    out[n++] = 0xea; memcpy(out + n, &back, 4); n += 4;             /* ljmp $0x33, $back */
    out[n++] = 0x33; out[n++] = 0x00;
    return n;
}

static void run_native(const SimdState *in, const uint8_t *code, size_t len, SimdResult *out)
{
    static NativeState ns;
    static uint8_t area[FIXTURE_STACK - FIXTURE_DATA];
    uint8_t wrapped[256];
    simd_oracle_init();
    if (mode32) {
        g_assert_cmpuint(len, <, sizeof(wrapped) - 32);
        len = wrap_compat(code, len, wrapped);
        code = wrapped;
    }
    if (getenv("SSE_TRACE")) {
        dump_case("native", in, code, len);
    }
    memset(&ns, 0, sizeof(ns));
    memcpy(ns.regs, in->regs, sizeof(ns.regs));
    ns.rflags = in->rflags | X86_FLAG_FIXED | X86_FLAG_IF;
    memcpy(ns.fx, in->fx, 512);
    memset(area, 0, sizeof(area));
    memcpy(area, in->data, DATA_LEN);
    int v = native_run(&ns, code, len, area);
    __asm__ volatile("fninit");
    uint32_t mx = 0x1f80;
    __asm__ volatile("ldmxcsr %0" : : "m"(mx));
    if (v >= 0) {
        out->vector = fault_trapno;
        memcpy(out->regs, fault_regs, sizeof(out->regs));
        out->rflags = fault_rflags;
        memcpy(out->fx, fault_fx, 512);
    } else {
        out->vector = -1;
        memcpy(out->regs, ns.regs, sizeof(out->regs));
        out->rflags = ns.rflags;
        memcpy(out->fx, ns.fx, 512);
    }
    memcpy(out->data, area, DATA_LEN);
}

/* ---- comparison ---- */

static const char *const reg_names[16] = {
    "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
    "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
};

#define STATUS_FLAGS (X86_FLAG_CF | X86_FLAG_PF | X86_FLAG_AF | X86_FLAG_ZF | X86_FLAG_SF | \
                      X86_FLAG_OF)

/* Which parts of the FXSAVE image to compare. */
static bool compare_fx(const uint8_t *a, const uint8_t *b, char *diff, size_t len, int *n)
{
    static const struct { const char *name; unsigned off, size; } fields[] = {
        { "fcw", 0, 2 }, { "fsw", 2, 2 }, { "ftw", 4, 1 }, { "fop", 6, 2 }, { "fip", 8, 4 },
        { "fdp", 16, 4 }, { "mxcsr", 24, 4 },
    };
    bool same = true;
    for (unsigned i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        if (memcmp(a + fields[i].off, b + fields[i].off, fields[i].size)) {
            uint64_t x = 0, y = 0;
            memcpy(&x, a + fields[i].off, fields[i].size);
            memcpy(&y, b + fields[i].off, fields[i].size);
            *n += snprintf(diff + *n, len - *n, " %s %llx host %llx", fields[i].name,
                           (unsigned long long)x, (unsigned long long)y);
            same = false;
        }
    }
    for (unsigned i = 0; i < 8; i++) {
        if (memcmp(a + FX_ST + 16 * i, b + FX_ST + 16 * i, 10)) {
            *n += snprintf(diff + *n, len - *n, " st%u %04x:%016llx host %04x:%016llx", i,
                           get16(a + FX_ST + 16 * i + 8),
                           (unsigned long long)get64(a + FX_ST + 16 * i),
                           get16(b + FX_ST + 16 * i + 8),
                           (unsigned long long)get64(b + FX_ST + 16 * i));
            same = false;
        }
    }
    for (unsigned i = 0; i < 16; i++) {
        const uint8_t *x = a + FX_XMM + 16 * i, *y = b + FX_XMM + 16 * i;
        if (memcmp(x, y, 16) && *n < (int)len - 120) {
            *n += snprintf(diff + *n, len - *n, " xmm%u %016llx%016llx host %016llx%016llx", i,
                           (unsigned long long)get64(x + 8), (unsigned long long)get64(x),
                           (unsigned long long)get64(y + 8), (unsigned long long)get64(y));
            same = false;
        }
    }
    return same;
}

static void dump_case(const char *what, const SimdState *in, const uint8_t *code, size_t len)
{
    fprintf(stderr, "# %s: code", what);
    for (size_t i = 0; i < len; i++) {
        fprintf(stderr, " %02x", code[i]);
    }
    fprintf(stderr, " mxcsr %08x fsw %04x ftw %02x\n", get32(in->fx + FX_MXCSR),
            get16(in->fx + 2), in->fx[4]);
}

/*
 * Run a case both ways and compare.  `expect` >= 0: the vector the fixture
 * must give, whatever the host does (for states the host cannot have: CR0
 * bits, CPUID without a feature...); then the host is not run.
 */
static bool check_case(const char *what, const SimdState *in, const uint8_t *code, size_t len,
                       int expect)
{
    static SimdResult fx, nat;
    char diff[2048];
    int n = 0;
    cases_run++;
    run_fixture(in, code, len, &fx);
    if (expect >= 0) {
        if (fx.vector != expect) {
            n += snprintf(diff + n, sizeof(diff) - n, " vector %d, want %d", fx.vector, expect);
        }
        nat.vector = expect;
        memcpy(nat.regs, in->regs, sizeof(nat.regs));
        nat.rflags = in->rflags;
        memcpy(nat.fx, in->fx, 512);
        memcpy(nat.data, in->data, DATA_LEN);
    } else {
        run_native(in, code, len, &nat);
        if (fx.vector != nat.vector) {
            n += snprintf(diff + n, sizeof(diff) - n, " vector %d, host %d", fx.vector, nat.vector);
        }
    }
    if (nat.vector >= 0) {
        cases_faulted++;
    }
    uint64_t reg_mask = mode32 ? 0xffffffffull : ~0ull;
    for (int i = 0; i < 16; i++) {
        if (mode32 && (i >= 8 || i == R_ESP)) {
            continue;   /* R8-R15 do not exist in 32-bit mode; RSP is the wrapper's */
        }
        if ((fx.regs[i] ^ nat.regs[i]) & reg_mask) {
            n += snprintf(diff + n, sizeof(diff) - n, " %s %llx host %llx", reg_names[i],
                          (unsigned long long)fx.regs[i], (unsigned long long)nat.regs[i]);
        }
    }
    if ((fx.rflags ^ nat.rflags) & (STATUS_FLAGS | X86_FLAG_DF)) {
        n += snprintf(diff + n, sizeof(diff) - n, " rflags %llx host %llx",
                      (unsigned long long)fx.rflags, (unsigned long long)nat.rflags);
    }
    compare_fx(fx.fx, nat.fx, diff, sizeof(diff) - 200, &n);
    for (unsigned i = 0; i < DATA_LEN; i++) {
        bool skip = false;
        for (int r = 0; r < 4; r++) {
            skip |= i >= data_skip[r][0] && i < data_skip[r][0] + data_skip[r][1];
        }
        if (!skip && fx.data[i] != nat.data[i]) {
            n += snprintf(diff + n, sizeof(diff) - n, " data+%x %02x host %02x", i, fx.data[i],
                          nat.data[i]);
            break;
        }
    }
    if (n) {
        if (++failures <= MAX_REPORTS) {
            dump_case(what, in, code, len);
            fprintf(stderr, "#  %s\n", diff);
        }
        return false;
    }
    return true;
}

/* ---- encoding ---- */

/* One SSE/MMX instruction in 64-bit mode, as a table row of the tests describes it. */
typedef struct Enc {
    uint8_t prefix;         /* 0, 0x66, 0xf2, 0xf3 */
    uint8_t opcode[3];      /* 0F xx, 0F 38 xx, 0F 3A xx */
    uint8_t opcode_len;
    int8_t ext;             /* ModRM.reg opcode extension (groups), or -1 */
} Enc;

/*
 * Emit prefix [REX] opcode ModRM [disp] [imm8].  reg/rm are register numbers
 * 0-15 (rm ignored for a memory operand, which is [rsi + disp8]).
 */
static size_t emit(uint8_t *out, const Enc *e, unsigned reg, unsigned rm, bool mem, int8_t disp,
                   bool rex_w, int imm)
{
    size_t n = 0;
    if (e->prefix) {
        out[n++] = e->prefix;
    }
    if (e->ext >= 0) {
        reg = (unsigned)e->ext;
    }
    uint8_t rex = 0x40 | (rex_w ? 8 : 0) | ((reg & 8) ? 4 : 0) | (!mem && (rm & 8) ? 1 : 0);
    if (!mode32 && (rex != 0x40 || rnd_below(4) == 0)) {
        out[n++] = rex;     /* (in 32-bit mode 40-4F are INC/DEC: callers keep to registers 0-7) */
    }
    memcpy(out + n, e->opcode, e->opcode_len);
    n += e->opcode_len;
    if (mem) {
        if (disp) {
            out[n++] = (uint8_t)(0x40 | ((reg & 7) << 3) | 6);
            out[n++] = (uint8_t)disp;
        } else {
            out[n++] = (uint8_t)(((reg & 7) << 3) | 6);
        }
    } else {
        out[n++] = (uint8_t)(0xc0 | ((reg & 7) << 3) | (rm & 7));
    }
    if (imm >= 0) {
        out[n++] = (uint8_t)imm;
    }
    return n;
}

#define ENC0F(p, op) { p, { 0x0f, op }, 2, -1 }
#define ENC38(p, op) { p, { 0x0f, 0x38, op }, 3, -1 }
#define ENC3A(p, op) { p, { 0x0f, 0x3a, op }, 3, -1 }

/* ---- table-driven random cases ---- */

enum { K_XMM, K_MMX, K_GPR };          /* what a ModRM register field names */
enum { F_REG = 1, F_MEM = 2 };         /* operand forms a test row allows */

typedef struct OpTest {
    const char *name;
    Enc enc;
    ValueClass vc;          /* XMM registers and data */
    uint8_t forms;          /* F_REG | F_MEM */
    uint8_t align16;        /* the memory form needs 16-byte alignment: also try misaligned */
    uint8_t reg_kind, rm_kind;
    uint8_t imm;            /* 1: a random imm8; 2: imm8 0-15 mostly */
    uint8_t rexw;           /* 1: REX.W at random */
    uint8_t host_ecx_bit;   /* host CPUID.01H:ECX feature the native run needs, 0xff = none */
} OpTest;

/* A register of the kind; never RSP (the host's native_exit needs a stack). */
static unsigned pick_reg(unsigned kind)
{
    if (mode32) {
        unsigned r = rnd_below(7);
        return kind == K_GPR && r >= R_ESP ? r + 1 : r;
    }
    if (kind == K_GPR) {
        unsigned r = rnd_below(15);
        return r >= R_ESP ? r + 1 : r;
    }
    return kind == K_MMX ? rnd_below(8) : rnd_below(16);
}

/*
 * `count` random cases of row t: register and memory forms, aligned and
 * misaligned memory, random registers, imm8 and REX.W, and a random SIMD
 * state (a third of them with unmasked SIMD exceptions).
 */
static void run_op_test(const OpTest *t, unsigned count)
{
    if (t->host_ecx_bit != 0xff && !host_has_ecx1(t->host_ecx_bit)) {
        g_test_message("%s: the host lacks it, skipped", t->name);
        return;
    }
    static SimdState st;
    count = scaled(count);
    for (unsigned k = 0; k < count; k++) {
        simd_state_random(&st, t->vc, k % 3 == 0);
        bool mem = t->forms == F_MEM || (t->forms == (F_REG | F_MEM) && rnd_below(2));
        unsigned reg = pick_reg(t->reg_kind), rm = pick_reg(t->rm_kind);
        int8_t disp = (int8_t)(rnd_below(3) * 16);
        unsigned off = 0;
        if (mem && rnd_below(6) == 0) {
            off = t->align16 ? 4 * (1 + rnd_below(3)) : rnd_below(16);
        }
        st.regs[R_ESI] = FIXTURE_DATA + 0x100 + off;
        int imm = -1;
        if (t->imm == 1) {
            imm = (int)rnd_below(256);
        } else if (t->imm == 2) {
            imm = rnd_below(4) ? (int)rnd_below(16) : (int)rnd_below(256);
        }
        bool w = t->rexw && !mode32 && rnd_below(2);
        uint8_t code[16];
        size_t len = emit(code, &t->enc, reg, rm, mem, disp, w, imm);
        check_case(t->name, &st, code, len, -1);
    }
}

static inline void run_op_table(const OpTest *tab, size_t n, unsigned count)
{
    for (size_t i = 0; i < n; i++) {
        run_op_test(&tab[i], count);
    }
}

/* Print this test's counts (and start counting afresh for the next one). */
static void report_totals(const char *what)
{
    static int base_run, base_faulted, base_failures;
    fprintf(stderr, "# %s: %d cases (%d faulting), %d failures\n", what, cases_run - base_run,
            cases_faulted - base_faulted, failures - base_failures);
    base_run = cases_run;
    base_faulted = cases_faulted;
    base_failures = failures;
}

#endif
