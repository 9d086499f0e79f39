/* XSAVE/XSAVEOPT/XRSTOR of the x87 and SSE components against the host; XGETBV/XSETBV and the fault rules in the fixture. */
#include "test-sse-oracle.h"

#define AREA_OFF 0x200u         /* [rdi]: the XSAVE area, 64-byte aligned */
#define AREA2_OFF 0x800u        /* [rsi]: a second area */
#define XSAVE_SIZE 576

static bool host_has_xsave(void)
{
    unsigned a = 0, b = 0, c = 0, d = 0;
    __get_cpuid(1, &a, &b, &c, &d);
    return (c >> 27) & 1;   /* OSXSAVE: the kernel enabled it */
}

static bool host_has_xsaveopt(void)
{
    unsigned a = 0, b = 0, c = 0, d = 0;
    __get_cpuid_count(0xd, 1, &a, &b, &c, &d);
    return a & 1;
}

/* A plausible XSAVE image at off: random legacy region with a valid MXCSR, a header with bv. */
static void xsave_image(SimdState *st, unsigned off, uint64_t bv)
{
    uint8_t *p = st->data + off;
    rnd_vec(p, VAL_ANY, 512);
    put16(p + 0, (uint16_t)(0x037f & ~(rnd_below(4) ? 0 : 1u << rnd_below(6))));
    put16(p + 2, (uint16_t)(rnd() & 0x3f3f));
    put32(p + 24, (uint32_t)rnd() & 0xffff);
    memset(p + 512, 0, 64);
    memcpy(p + 512, &bv, 8);
    for (unsigned i = 24; i < 64; i++) {
        p[512 + i] = rnd_below(2) ? (uint8_t)rnd() : 0;   /* bytes 63:24: not checked */
    }
}

static void xsave_state(SimdState *st)
{
    simd_state_random(st, VAL_ANY, false);
    st->regs[R_EDI] = FIXTURE_DATA + AREA_OFF;
    st->regs[R_ESI] = FIXTURE_DATA + AREA2_OFF;
    st->regs[R_EAX] = rnd_below(4);
    st->regs[R_EDX] = 0;
    xsave_image(st, AREA_OFF, rnd_below(4));
    xsave_image(st, AREA2_OFF, rnd_below(4));
}

/* Sometimes a bad header byte, a reserved MXCSR bit, a misaligned area or RFBM = 3. */
static void corrupt(SimdState *st)
{
    switch (rnd_below(12)) {
    case 0: st->data[AREA_OFF + 512 + 8 + rnd_below(16)] = (uint8_t)(1 + rnd_below(255)); break;
    case 1: {
        /* a reserved MXCSR bit: #GP if RFBM[1] (not bit 17, AMD's MM, valid on this host) */
        unsigned bit = 16 + rnd_below(16);
        put32(st->data + AREA_OFF + 24, 1u << (bit == 17 ? 16 : bit));
        break;
    }
    case 2: st->regs[R_EDI] += 16 * (1 + rnd_below(3)); break;
    case 3: st->regs[R_EAX] |= 3; break;
    default: break;
    }
}

static const struct {
    const char *name;
    uint8_t code[12];
    unsigned len;
    bool needs_xsaveopt;
} snippets[] = {
    { "xsave [rdi]", { 0x0f, 0xae, 0x27 }, 3, false },
    { "xsave64 [rdi]", { 0x48, 0x0f, 0xae, 0x27 }, 4, false },
    { "xsaveopt [rdi]", { 0x0f, 0xae, 0x37 }, 3, true },
    { "xsaveopt64 [rdi]", { 0x48, 0x0f, 0xae, 0x37 }, 4, true },
    { "xrstor [rdi]", { 0x0f, 0xae, 0x2f }, 3, false },
    { "xrstor64 [rdi]", { 0x48, 0x0f, 0xae, 0x2f }, 4, false },
    { "xrstor [rdi]; xsave [rsi]", { 0x0f, 0xae, 0x2f, 0x0f, 0xae, 0x26 }, 6, false },
    { "xrstor64 [rdi]; xsave64 [rsi]", { 0x48, 0x0f, 0xae, 0x2f, 0x48, 0x0f, 0xae, 0x26 }, 8, false },
    { "xrstor [rdi]; xsaveopt [rsi]", { 0x0f, 0xae, 0x2f, 0x0f, 0xae, 0x36 }, 6, true },
    /*
     * Not "xrstor [rdi]; xsaveopt [rdi]": the host may then use the modified
     * optimization (SDM vol. 1 13.6) and skip components unchanged since the
     * XRSTOR, leaving the area's bytes as they were; tandem does not track
     * XMODIFIED and writes them (allowed: the optimization is optional).
     */
    { "xsave [rdi]; xrstor [rsi]", { 0x0f, 0xae, 0x27, 0x0f, 0xae, 0x2e }, 6, false },
    { "fxsave [rsi]; xrstor [rdi]", { 0x0f, 0xae, 0x06, 0x0f, 0xae, 0x2f }, 6, false },
};

/*
 * The host compares: random states and images, every RFBM of components
 * 0-1, standard-form header rules (XCOMP_BV and bytes 23:16 must be 0,
 * bytes 63:24 are not looked at), MXCSR validity, REX.W pointer formats,
 * misaligned areas (#GP), XSAVEOPT's init optimization after XRSTOR.
 */
static void test_against_host(void)
{
    if (!host_has_xsave()) {
        g_test_skip("the host has no XSAVE");
        return;
    }
    fixture_cr4_set = X86_CR4_OSXSAVE;
    fixture_xcr0 = 3;
    data_skip[0][0] = AREA_OFF + 28;
    data_skip[0][1] = 4;
    data_skip[1][0] = AREA2_OFF + 28;
    data_skip[1][1] = 4;
    static SimdState st;
    for (unsigned rep = 0; rep < 300; rep++) {
        for (size_t i = 0; i < sizeof(snippets) / sizeof(snippets[0]); i++) {
            if (snippets[i].needs_xsaveopt && !host_has_xsaveopt()) {
                continue;
            }
            xsave_state(&st);
            corrupt(&st);
            check_case(snippets[i].name, &st, snippets[i].code, snippets[i].len, -1);
        }
    }
    fixture_cr4_set = 0;
    fixture_xcr0 = 1;
    report_totals("XSAVE/XSAVEOPT/XRSTOR");
    g_assert_cmpint(failures, ==, 0);
}

/*
 * 32-bit mode (compatibility mode on the host): XMM8-15 are neither saved
 * nor restored, the x87 pointers use the 32-bit format with selectors.
 */
static void test_against_host_32(void)
{
    if (!host_has_xsave()) {
        g_test_skip("the host has no XSAVE");
        return;
    }
    fixture_cr4_set = X86_CR4_OSXSAVE;
    fixture_xcr0 = 3;
    mode32 = true;
    static SimdState st;
    for (unsigned rep = 0; rep < 150; rep++) {
        for (size_t i = 0; i < sizeof(snippets) / sizeof(snippets[0]); i++) {
            if (snippets[i].code[0] == 0x48 || (snippets[i].needs_xsaveopt && !host_has_xsaveopt())) {
                continue;
            }
            xsave_state(&st);
            corrupt(&st);
            check_case(snippets[i].name, &st, snippets[i].code, snippets[i].len, -1);
        }
    }
    mode32 = false;
    fixture_cr4_set = 0;
    fixture_xcr0 = 1;
    report_totals("XSAVE/XSAVEOPT/XRSTOR in 32-bit mode");
    g_assert_cmpint(failures, ==, 0);
}

/*
 * The init configurations: XRSTOR with XSTATE_BV = 0 initializes the
 * components (x87: FCW 37Fh, everything else 0; SSE: XMM 0; MXCSR still
 * loaded from the image), and XSAVE then reports them as not in use.
 */
static void test_init_state(void)
{
    if (!host_has_xsave()) {
        g_test_skip("the host has no XSAVE");
        return;
    }
    fixture_cr4_set = X86_CR4_OSXSAVE;
    fixture_xcr0 = 3;
    static SimdState st;
    const uint8_t code[] = { 0x0f, 0xae, 0x2f, 0x0f, 0xae, 0x26 };   /* xrstor [rdi]; xsave [rsi] */
    for (unsigned rep = 0; rep < 64; rep++) {
        xsave_state(&st);
        st.regs[R_EAX] = 3;
        xsave_image(&st, AREA_OFF, rep & 3);
        check_case("xrstor init; xsave", &st, code, sizeof(code), -1);
        X86Cpu *cpu = &test_fixture->cpu;
        if (!(rep & 1)) {
            g_assert_cmphex(cpu->s.fpu.fcw, ==, 0x37f);
            g_assert_cmphex(cpu->s.fpu.ftw, ==, 0);
        }
        if (!(rep & 2)) {
            g_assert_cmphex(cpu->s.fpu.xmm[9].q[1], ==, 0);
        }
        g_assert_cmphex(cpu->s.fpu.mxcsr, ==, get32(st.data + AREA_OFF + 24));
    }
    fixture_cr4_set = 0;
    fixture_xcr0 = 1;
    report_totals("XRSTOR init / XINUSE");
    g_assert_cmpint(failures, ==, 0);
}

/* Run code in a fresh fixture of `mode` at `cpl` with the given CR4/XCR0; returns the vector. */
static int run_system(FixtureMode mode, int cpl, uint64_t cr4_set, uint64_t cr4_clear, uint64_t cr0_set,
                      uint64_t xcr0, const uint8_t *code, size_t len, X86State *out, uint8_t *area)
{
    Fixture *f = fixture_new(mode, cpl);
    X86State s = f->cpu.s;
    s.cr4 = (s.cr4 | cr4_set | X86_CR4_OSFXSR) & ~cr4_clear;
    s.cr0 |= cr0_set;
    s.xcr0 = xcr0;
    s.regs[R_EDI] = FIXTURE_DATA + AREA_OFF;
    s.regs[R_EAX] = 3;
    s.regs[R_EDX] = 0;
    s.regs[R_ECX] = 0;
    for (int i = 0; i < 16; i++) {
        memset(s.fpu.xmm[i].b, 0x11 * (i + 1), 16);
    }
    if (out && out->regs[R_ECX]) {
        s.regs[R_ECX] = out->regs[R_ECX];
    }
    if (out && out->regs[R_EAX] != 3) {
        s.regs[R_EAX] = out->regs[R_EAX];
        s.regs[R_EDX] = out->regs[R_EDX];
    }
    if (mode == FIXTURE_REAL) {
        s.segs[SEG_CS].base = FIXTURE_CODE;
        s.segs[SEG_CS].selector = FIXTURE_CODE >> 4;
        s.rip = 0;
    }
    x86_cpu_set_state(&f->cpu, &s);
    f->cpu.cpuid = test_cpuid();
    if (area) {
        memcpy(f->ram + FIXTURE_DATA + AREA_OFF, area, XSAVE_SIZE);
    }
    fixture_code(f, code, len);
    if (mode == FIXTURE_REAL) {
        f->code_end = len;
    }
    int v = fixture_run(f);
    if (out) {
        *out = f->cpu.s;
    }
    if (area) {
        memcpy(area, f->ram + FIXTURE_DATA + AREA_OFF, XSAVE_SIZE);
    }
    fixture_free(f);
    return v;
}

static void test_system_rules(void)
{
    const uint8_t xgetbv[] = { 0x0f, 0x01, 0xd0 };
    const uint8_t xsetbv[] = { 0x0f, 0x01, 0xd1 };
    const uint8_t xsave[] = { 0x0f, 0xae, 0x27 };
    const uint8_t xsaveopt[] = { 0x0f, 0xae, 0x37 };
    const uint8_t xrstor[] = { 0x0f, 0xae, 0x2f };
    X86State s;
    uint8_t area[XSAVE_SIZE];

    /* XGETBV: EDX:EAX = XCR0 at any CPL; ECX = 1 (XINUSE) is not offered: #GP. */
    memset(&s, 0, sizeof(s));
    s.regs[R_EAX] = 3;
    g_assert_cmpint(run_system(FIXTURE_LONG64, 3, X86_CR4_OSXSAVE, 0, 0, 3, xgetbv, 3, &s, NULL), ==, -1);
    g_assert_cmphex(s.regs[R_EAX], ==, 3);
    g_assert_cmphex(s.regs[R_EDX], ==, 0);
    memset(&s, 0, sizeof(s));
    s.regs[R_EAX] = 3;
    s.regs[R_ECX] = 1;
    g_assert_cmpint(run_system(FIXTURE_LONG64, 3, X86_CR4_OSXSAVE, 0, 0, 3, xgetbv, 3, &s, NULL), ==,
                    X86_EXC_GP);

    /* CR4.OSXSAVE clear: all five are #UD. */
    const uint8_t *all[] = { xgetbv, xsetbv, xsave, xsaveopt, xrstor };
    for (int i = 0; i < 5; i++) {
        g_assert_cmpint(run_system(FIXTURE_LONG64, 0, 0, X86_CR4_OSXSAVE, 0, 1, all[i], 3, NULL, NULL),
                        ==, X86_EXC_UD);
    }
    /* CR0.TS: #NM for the saves and restores, not for XGETBV/XSETBV. */
    for (int i = 2; i < 5; i++) {
        g_assert_cmpint(run_system(FIXTURE_LONG64, 0, X86_CR4_OSXSAVE, 0, X86_CR0_TS, 3, all[i], 3,
                                   NULL, NULL), ==, X86_EXC_NM);
    }
    g_assert_cmpint(run_system(FIXTURE_LONG64, 0, X86_CR4_OSXSAVE, 0, X86_CR0_TS, 3, xgetbv, 3, NULL,
                               NULL), ==, -1);

    /* XSETBV: CPL0 sets XCR0; CPL3 #GP; bit 0 clear, unsupported bits, ECX != 0: #GP. */
    static const struct { uint64_t value; uint32_t ecx; int cpl; int vector; } sets[] = {
        { 3, 0, 0, -1 }, { 1, 0, 0, -1 }, { 3, 0, 3, X86_EXC_GP }, { 2, 0, 0, X86_EXC_GP },
        { 7, 0, 0, X86_EXC_GP }, { 0x200000003ull, 0, 0, X86_EXC_GP }, { 3, 1, 0, X86_EXC_GP },
        { 0, 0, 0, X86_EXC_GP },
    };
    for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
        memset(&s, 0, sizeof(s));
        s.regs[R_EAX] = (uint32_t)sets[i].value | 0xdead00000000ull;   /* high halves ignored */
        s.regs[R_EDX] = sets[i].value >> 32;
        s.regs[R_ECX] = sets[i].ecx;
        int v = run_system(FIXTURE_LONG64, sets[i].cpl, X86_CR4_OSXSAVE, 0, 0, 1, xsetbv, 3, &s, NULL);
        g_assert_cmpint(v, ==, sets[i].vector);
        g_assert_cmphex(s.xcr0, ==, v < 0 ? sets[i].value : 1);
    }
    /* XSETBV in real mode (CPL0) works. */
    memset(&s, 0, sizeof(s));
    s.regs[R_EAX] = 3;
    g_assert_cmpint(run_system(FIXTURE_REAL, 0, X86_CR4_OSXSAVE, 0, 0, 1, xsetbv, 3, &s, NULL), ==, -1);
    g_assert_cmphex(s.xcr0, ==, 3);

    /* XRSTOR: XSTATE_BV bit 2 with XCR0 = 3 is #GP; so is XCOMP_BV[63] (no compaction here). */
    memset(area, 0, sizeof(area));
    put32(area + 24, 0x1f80);
    area[512] = 4;
    g_assert_cmpint(run_system(FIXTURE_LONG64, 3, X86_CR4_OSXSAVE, 0, 0, 3, xrstor, 3, NULL, area), ==,
                    X86_EXC_GP);
    memset(area + 512, 0, 64);
    area[512 + 15] = 0x80;
    g_assert_cmpint(run_system(FIXTURE_LONG64, 3, X86_CR4_OSXSAVE, 0, 0, 3, xrstor, 3, NULL, area), ==,
                    X86_EXC_GP);
    /* With XCR0 = 1, RFBM leaves SSE alone: MXCSR is not loaded, XSTATE_BV[1] is #GP. */
    memset(area + 512, 0, 64);
    put32(area + 24, 0xffffffff);
    g_assert_cmpint(run_system(FIXTURE_LONG64, 3, X86_CR4_OSXSAVE, 0, 0, 1, xrstor, 3, NULL, area), ==,
                    -1);
    area[512] = 2;
    g_assert_cmpint(run_system(FIXTURE_LONG64, 3, X86_CR4_OSXSAVE, 0, 0, 1, xrstor, 3, NULL, area), ==,
                    X86_EXC_GP);

    /* 32-bit mode: XSAVE stores XMM0-7 only; XRSTOR leaves XMM8-15 alone. */
    memset(area, 0xcc, sizeof(area));
    memset(area + 512, 0, 64);
    g_assert_cmpint(run_system(FIXTURE_PROT32, 0, X86_CR4_OSXSAVE, 0, 0, 3, xsave, 3, &s, area), ==, -1);
    g_assert_cmphex(area[160], ==, 0x11);
    g_assert_cmphex(area[160 + 16 * 7], ==, 0x88);
    g_assert_cmphex(area[160 + 16 * 8], ==, 0xcc);
    g_assert_cmphex(area[512], ==, 2);     /* the x87 state is in its initial configuration */
    memset(area + 160, 0, 256);
    g_assert_cmpint(run_system(FIXTURE_PROT32, 0, X86_CR4_OSXSAVE, 0, 0, 3, xrstor, 3, &s, area), ==, -1);
    g_assert_cmphex(s.fpu.xmm[7].b[0], ==, 0);
    g_assert_cmphex(s.fpu.xmm[8].b[0], ==, 0x99);
}

/*
 * A non-canonical SS-relative area: AMD raises #GP(0) for XSAVE and XRSTOR
 * but #SS(0) for FXSAVE and FXRSTOR (natively on an EPYC: xrstor64 [rbp]
 * with rbp=0x514c23200000caf0 is trap 13, fxrstor64 [rbp] trap 12); Intel
 * and tandem's default give #SS.  Found by tandem-difftest.
 */
static void test_noncanonical_ss(void)
{
    static const struct {
        uint8_t code[5];
        int amd, other;
    } insns[] = {
        { { 0x48, 0x0f, 0xae, 0x6d, 0x00 }, X86_EXC_GP, X86_EXC_SS },   /* xrstor64 [rbp] */
        { { 0x48, 0x0f, 0xae, 0x65, 0x00 }, X86_EXC_GP, X86_EXC_SS },   /* xsave64 [rbp] */
        { { 0x48, 0x0f, 0xae, 0x4d, 0x00 }, X86_EXC_SS, X86_EXC_SS },   /* fxrstor64 [rbp] */
        { { 0x48, 0x0f, 0xae, 0x45, 0x00 }, X86_EXC_SS, X86_EXC_SS },   /* fxsave64 [rbp] */
    };
    for (size_t i = 0; i < sizeof(insns) / sizeof(insns[0]); i++) {
        for (int amd = 0; amd < 2; amd++) {
            Fixture *f = fixture_new(FIXTURE_LONG64, 3);
            fixture_code(f, insns[i].code, sizeof(insns[i].code));
            X86State s = f->cpu.s;
            s.cr4 |= X86_CR4_OSXSAVE;
            s.xcr0 = 3;
            s.regs[R_EBP] = 0x514c23200000caf0ull;
            s.regs[R_EAX] = 3;
            s.regs[R_EDX] = 0;
            x86_cpu_set_state(&f->cpu, &s);
            f->cpu.cpuid = test_cpuid();
            f->cpu.vendor_amd = amd;
            g_assert_cmpint(fixture_run(f), ==, amd ? insns[i].amd : insns[i].other);
            fixture_free(f);
        }
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/xsave/against-host", test_against_host);
    g_test_add_func("/xsave/against-host-32", test_against_host_32);
    g_test_add_func("/xsave/init-state", test_init_state);
    g_test_add_func("/xsave/system-rules", test_system_rules);
    g_test_add_func("/xsave/noncanonical-ss", test_noncanonical_ss);
    return g_test_run();
}
