/* SSE/SSE2/SSE3/SSE4.1 floating point against the host: arithmetic, compares, conversions, rounding, MXCSR exceptions. */
#include "test-sse-oracle.h"

#define N 400   /* random cases per row */
#define NONE 0xff

#define ROW(name, enc, vc, forms, a16, rk, mk, imm, w, host) \
    { name, enc, vc, forms, a16, rk, mk, imm, w, host }
/* xmm, xmm/m128 packed (aligned) */
#define PK(name, p, op, vc) ROW(name, ENC0F(p, op), vc, F_REG | F_MEM, 1, K_XMM, K_XMM, 0, 0, NONE)
/* xmm, xmm/m32 or m64 scalar */
#define SC(name, p, op, vc) ROW(name, ENC0F(p, op), vc, F_REG | F_MEM, 0, K_XMM, K_XMM, 0, 0, NONE)

static const OpTest arith[] = {
    PK("addps", 0, 0x58, VAL_F32), PK("addpd", 0x66, 0x58, VAL_F64),
    SC("addss", 0xf3, 0x58, VAL_F32), SC("addsd", 0xf2, 0x58, VAL_F64),
    PK("mulps", 0, 0x59, VAL_F32), PK("mulpd", 0x66, 0x59, VAL_F64),
    SC("mulss", 0xf3, 0x59, VAL_F32), SC("mulsd", 0xf2, 0x59, VAL_F64),
    PK("subps", 0, 0x5c, VAL_F32), PK("subpd", 0x66, 0x5c, VAL_F64),
    SC("subss", 0xf3, 0x5c, VAL_F32), SC("subsd", 0xf2, 0x5c, VAL_F64),
    PK("minps", 0, 0x5d, VAL_F32), PK("minpd", 0x66, 0x5d, VAL_F64),
    SC("minss", 0xf3, 0x5d, VAL_F32), SC("minsd", 0xf2, 0x5d, VAL_F64),
    PK("divps", 0, 0x5e, VAL_F32), PK("divpd", 0x66, 0x5e, VAL_F64),
    SC("divss", 0xf3, 0x5e, VAL_F32), SC("divsd", 0xf2, 0x5e, VAL_F64),
    PK("maxps", 0, 0x5f, VAL_F32), PK("maxpd", 0x66, 0x5f, VAL_F64),
    SC("maxss", 0xf3, 0x5f, VAL_F32), SC("maxsd", 0xf2, 0x5f, VAL_F64),
    PK("sqrtps", 0, 0x51, VAL_F32), PK("sqrtpd", 0x66, 0x51, VAL_F64),
    SC("sqrtss", 0xf3, 0x51, VAL_F32), SC("sqrtsd", 0xf2, 0x51, VAL_F64),
    PK("rsqrtps", 0, 0x52, VAL_F32), SC("rsqrtss", 0xf3, 0x52, VAL_F32),
    PK("rcpps", 0, 0x53, VAL_F32), SC("rcpss", 0xf3, 0x53, VAL_F32),
    SC("comiss", 0, 0x2f, VAL_F32), SC("comisd", 0x66, 0x2f, VAL_F64),
    SC("ucomiss", 0, 0x2e, VAL_F32), SC("ucomisd", 0x66, 0x2e, VAL_F64),
    ROW("cmpps", ENC0F(0, 0xc2), VAL_F32, F_REG | F_MEM, 1, K_XMM, K_XMM, 2, 0, NONE),
    ROW("cmppd", ENC0F(0x66, 0xc2), VAL_F64, F_REG | F_MEM, 1, K_XMM, K_XMM, 2, 0, NONE),
    ROW("cmpss", ENC0F(0xf3, 0xc2), VAL_F32, F_REG | F_MEM, 0, K_XMM, K_XMM, 2, 0, NONE),
    ROW("cmpsd", ENC0F(0xf2, 0xc2), VAL_F64, F_REG | F_MEM, 0, K_XMM, K_XMM, 2, 0, NONE),
    /* SSE3 */
    ROW("addsubps", ENC0F(0xf2, 0xd0), VAL_F32, F_REG | F_MEM, 1, K_XMM, K_XMM, 0, 0, 0),
    ROW("addsubpd", ENC0F(0x66, 0xd0), VAL_F64, F_REG | F_MEM, 1, K_XMM, K_XMM, 0, 0, 0),
    ROW("haddps", ENC0F(0xf2, 0x7c), VAL_F32, F_REG | F_MEM, 1, K_XMM, K_XMM, 0, 0, 0),
    ROW("haddpd", ENC0F(0x66, 0x7c), VAL_F64, F_REG | F_MEM, 1, K_XMM, K_XMM, 0, 0, 0),
    ROW("hsubps", ENC0F(0xf2, 0x7d), VAL_F32, F_REG | F_MEM, 1, K_XMM, K_XMM, 0, 0, 0),
    ROW("hsubpd", ENC0F(0x66, 0x7d), VAL_F64, F_REG | F_MEM, 1, K_XMM, K_XMM, 0, 0, 0),
    /* SSE4.1 */
    ROW("roundps", ENC3A(0x66, 0x08), VAL_F32, F_REG | F_MEM, 1, K_XMM, K_XMM, 2, 0, 19),
    ROW("roundpd", ENC3A(0x66, 0x09), VAL_F64, F_REG | F_MEM, 1, K_XMM, K_XMM, 2, 0, 19),
    ROW("roundss", ENC3A(0x66, 0x0a), VAL_F32, F_REG | F_MEM, 0, K_XMM, K_XMM, 2, 0, 19),
    ROW("roundsd", ENC3A(0x66, 0x0b), VAL_F64, F_REG | F_MEM, 0, K_XMM, K_XMM, 2, 0, 19),
    ROW("dpps", ENC3A(0x66, 0x40), VAL_F32, F_REG | F_MEM, 1, K_XMM, K_XMM, 1, 0, 19),
    ROW("dppd", ENC3A(0x66, 0x41), VAL_F64, F_REG | F_MEM, 1, K_XMM, K_XMM, 1, 0, 19),
};

static const OpTest conversions[] = {
    ROW("cvtpi2ps", ENC0F(0, 0x2a), VAL_INT32, F_REG | F_MEM, 0, K_XMM, K_MMX, 0, 0, NONE),
    ROW("cvtpi2pd", ENC0F(0x66, 0x2a), VAL_INT32, F_REG | F_MEM, 0, K_XMM, K_MMX, 0, 0, NONE),
    ROW("cvtsi2ss", ENC0F(0xf3, 0x2a), VAL_ANY, F_REG | F_MEM, 0, K_XMM, K_GPR, 0, 1, NONE),
    ROW("cvtsi2sd", ENC0F(0xf2, 0x2a), VAL_ANY, F_REG | F_MEM, 0, K_XMM, K_GPR, 0, 1, NONE),
    ROW("cvttps2pi", ENC0F(0, 0x2c), VAL_F32, F_REG | F_MEM, 0, K_MMX, K_XMM, 0, 0, NONE),
    ROW("cvttpd2pi", ENC0F(0x66, 0x2c), VAL_F64, F_REG | F_MEM, 1, K_MMX, K_XMM, 0, 0, NONE),
    ROW("cvttss2si", ENC0F(0xf3, 0x2c), VAL_F32, F_REG | F_MEM, 0, K_GPR, K_XMM, 0, 1, NONE),
    ROW("cvttsd2si", ENC0F(0xf2, 0x2c), VAL_F64, F_REG | F_MEM, 0, K_GPR, K_XMM, 0, 1, NONE),
    ROW("cvtps2pi", ENC0F(0, 0x2d), VAL_F32, F_REG | F_MEM, 0, K_MMX, K_XMM, 0, 0, NONE),
    ROW("cvtpd2pi", ENC0F(0x66, 0x2d), VAL_F64, F_REG | F_MEM, 1, K_MMX, K_XMM, 0, 0, NONE),
    ROW("cvtss2si", ENC0F(0xf3, 0x2d), VAL_F32, F_REG | F_MEM, 0, K_GPR, K_XMM, 0, 1, NONE),
    ROW("cvtsd2si", ENC0F(0xf2, 0x2d), VAL_F64, F_REG | F_MEM, 0, K_GPR, K_XMM, 0, 1, NONE),
    ROW("cvtps2pd", ENC0F(0, 0x5a), VAL_F32, F_REG | F_MEM, 0, K_XMM, K_XMM, 0, 0, NONE),
    ROW("cvtpd2ps", ENC0F(0x66, 0x5a), VAL_F64, F_REG | F_MEM, 1, K_XMM, K_XMM, 0, 0, NONE),
    ROW("cvtss2sd", ENC0F(0xf3, 0x5a), VAL_F32, F_REG | F_MEM, 0, K_XMM, K_XMM, 0, 0, NONE),
    ROW("cvtsd2ss", ENC0F(0xf2, 0x5a), VAL_F64, F_REG | F_MEM, 0, K_XMM, K_XMM, 0, 0, NONE),
    ROW("cvtdq2ps", ENC0F(0, 0x5b), VAL_INT32, F_REG | F_MEM, 1, K_XMM, K_XMM, 0, 0, NONE),
    ROW("cvtps2dq", ENC0F(0x66, 0x5b), VAL_F32, F_REG | F_MEM, 1, K_XMM, K_XMM, 0, 0, NONE),
    ROW("cvttps2dq", ENC0F(0xf3, 0x5b), VAL_F32, F_REG | F_MEM, 1, K_XMM, K_XMM, 0, 0, NONE),
    ROW("cvttpd2dq", ENC0F(0x66, 0xe6), VAL_F64, F_REG | F_MEM, 1, K_XMM, K_XMM, 0, 0, NONE),
    ROW("cvtdq2pd", ENC0F(0xf3, 0xe6), VAL_INT32, F_REG | F_MEM, 0, K_XMM, K_XMM, 0, 0, NONE),
    ROW("cvtpd2dq", ENC0F(0xf2, 0xe6), VAL_F64, F_REG | F_MEM, 1, K_XMM, K_XMM, 0, 0, NONE),
};

static void test_arith(void)
{
    run_op_table(arith, sizeof(arith) / sizeof(arith[0]), N);
    report_totals("arithmetic");
    g_assert_cmpint(failures, ==, 0);
}

static void test_conversions(void)
{
    run_op_table(conversions, sizeof(conversions) / sizeof(conversions[0]), N);
    report_totals("conversions");
    g_assert_cmpint(failures, ==, 0);
}

/* 32-bit mode (compatibility mode on the host): the GPR forms are 32-bit, XMM0-7 only. */
static void test_32bit(void)
{
    mode32 = true;
    run_op_table(conversions, sizeof(conversions) / sizeof(conversions[0]), N / 8);
    run_op_table(arith, sizeof(arith) / sizeof(arith[0]), N / 8);
    mode32 = false;
    report_totals("32-bit mode");
    g_assert_cmpint(failures, ==, 0);
}

/*
 * Every rounding mode x DAZ x FZ x each exception unmasked alone, on the
 * four basic operations and square root, scalar and packed: the flags,
 * the results and the #XM cases (MXCSR at the fault) all from the host.
 */
static void test_mxcsr_modes(void)
{
    static const OpTest ops[] = {
        PK("addps", 0, 0x58, VAL_F32), SC("addsd", 0xf2, 0x58, VAL_F64),
        PK("mulpd", 0x66, 0x59, VAL_F64), SC("mulss", 0xf3, 0x59, VAL_F32),
        PK("divps", 0, 0x5e, VAL_F32), SC("divsd", 0xf2, 0x5e, VAL_F64),
        PK("subpd", 0x66, 0x5c, VAL_F64), PK("sqrtps", 0, 0x51, VAL_F32),
        SC("sqrtsd", 0xf2, 0x51, VAL_F64),
        ROW("cvtpd2ps", ENC0F(0x66, 0x5a), VAL_F64, F_REG, 1, K_XMM, K_XMM, 0, 0, NONE),
        ROW("cvtsd2ss", ENC0F(0xf2, 0x5a), VAL_F64, F_REG, 0, K_XMM, K_XMM, 0, 0, NONE),
        ROW("haddps", ENC0F(0xf2, 0x7c), VAL_F32, F_REG, 1, K_XMM, K_XMM, 0, 0, 0),
        ROW("addsubpd", ENC0F(0x66, 0xd0), VAL_F64, F_REG, 1, K_XMM, K_XMM, 0, 0, 0),
    };
    static SimdState st;
    for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
        for (unsigned mode = 0; mode < 4 * 4 * 7; mode++) {
            unsigned rc = mode & 3, dazfz = (mode >> 2) & 3, unmask = mode >> 4;
            for (unsigned rep = 0; rep < scaled(6); rep++) {
                simd_state_random(&st, ops[i].vc, false);
                uint32_t mx = 0x1f80 | (rc << 13) | ((dazfz & 1) ? 0x40 : 0) |
                              ((dazfz & 2) ? 0x8000 : 0);
                if (unmask < 6) {
                    mx &= ~(0x80u << unmask);
                }
                put32(st.fx + FX_MXCSR, mx);
                st.regs[R_ESI] = FIXTURE_DATA + 0x100;
                uint8_t code[16];
                size_t len = emit(code, &ops[i].enc, pick_reg(K_XMM), pick_reg(K_XMM),
                                  rnd_below(2), 0, false, -1);
                check_case(ops[i].name, &st, code, len, -1);
            }
        }
    }
    report_totals("rounding/DAZ/FZ/unmasked");
    g_assert_cmpint(failures, ==, 0);
}

/*
 * DPPS/DPPD with random exception masks: a dot product is several
 * multiplies and adds, each rounded and each with its own exceptions, so an
 * unmasked exception in one step stops the rest (found by tandem-difftest:
 * the flags of a whole-instruction run were reported instead).
 */
static void test_dp_exceptions(void)
{
    static const OpTest ops[] = {
        ROW("dpps", ENC3A(0x66, 0x40), VAL_F32, F_REG, 1, K_XMM, K_XMM, 1, 0, 19),
        ROW("dppd", ENC3A(0x66, 0x41), VAL_F64, F_REG, 1, K_XMM, K_XMM, 1, 0, 19),
    };
    static SimdState st;
    for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
        if (!host_has_ecx1(19)) {
            g_test_message("%s: the host lacks it, skipped", ops[i].name);
            continue;
        }
        for (unsigned rep = 0; rep < scaled(4000); rep++) {
            simd_state_random(&st, ops[i].vc, false);
            uint32_t mx = (uint32_t)(rnd() & (0x6000 | 0x8000 | 0x40)) | 0x1f80;
            for (unsigned e = 0; e < 6; e++) {
                if (rnd_below(3) == 0) {
                    mx &= ~(0x80u << e);
                }
            }
            if (rnd_below(2)) {
                mx |= (uint32_t)(rnd() & 0x3f);
            }
            put32(st.fx + FX_MXCSR, mx);
            uint8_t code[16];
            size_t len = emit(code, &ops[i].enc, 1, 2, false, 0, false, (int)rnd_below(256));
            check_case(ops[i].name, &st, code, len, -1);
        }
    }
    report_totals("DPPS/DPPD exceptions");
    g_assert_cmpint(failures, ==, 0);
}

/* Hand-picked edges: exact tiny and overflowing results with UM/OM unmasked, NaN operands. */
static void test_exception_edges(void)
{
    static const struct {
        const char *name;
        Enc enc;
        uint32_t mxcsr;
        uint64_t a, b;      /* low lanes of xmm1 (destination) and xmm2 */
    } edges[] = {
        { "addss exact tiny UM", ENC0F(0xf3, 0x58), 0x1780, 0x00400000, 0x00200000 },
        { "mulss exact tiny UM", ENC0F(0xf3, 0x59), 0x1780, 0x00800000, 0x3f000000 },
        { "mulss inexact tiny UM", ENC0F(0xf3, 0x59), 0x1780, 0x00800001, 0x3f000000 },
        { "mulss tiny rounds up UM", ENC0F(0xf3, 0x59), 0x1780, 0x007fffff, 0x3f800001 },
        { "mulss tiny FZ masked", ENC0F(0xf3, 0x59), 0x9f80, 0x00800000, 0x3f000000 },
        { "addss exact overflow OM", ENC0F(0xf3, 0x58), 0x1b80, 0x7f7fffff, 0x7f7fffff },
        { "mulss inexact overflow OM", ENC0F(0xf3, 0x59), 0x1b80, 0x7f000001, 0x40000001 },
        { "mulss overflow OM PM", ENC0F(0xf3, 0x59), 0x0b80, 0x7f000000, 0x40000000 },
        { "mulss overflow OM RZ", ENC0F(0xf3, 0x59), 0x7b80, 0x7f000001, 0x40000001 },
        { "addss inexact PM", ENC0F(0xf3, 0x58), 0x0f80, 0x3f800000, 0x33800001 },
        { "mulss DE unmasked", ENC0F(0xf3, 0x59), 0x1e80, 0x00000001, 0x3f800001 },
        { "mulss DE+DAZ", ENC0F(0xf3, 0x59), 0x1ec0, 0x00000001, 0x3f800001 },
        { "divss by zero ZM", ENC0F(0xf3, 0x5e), 0x1d80, 0x3f800000, 0 },
        { "divss qnan by zero ZM", ENC0F(0xf3, 0x5e), 0x1d80, 0x7fc00000, 0 },
        { "addss snan IM", ENC0F(0xf3, 0x58), 0x1f00, 0x7f800001, 0x3f800000 },
        { "addss snan IM, PE pending", ENC0F(0xf3, 0x58), 0x0f00, 0x7f800001, 0x3f800000 },
        { "comiss qnan IM", ENC0F(0, 0x2f), 0x1f00, 0x7fc00000, 0x3f800000 },
        { "ucomiss qnan IM", ENC0F(0, 0x2e), 0x1f00, 0x7fc00000, 0x3f800000 },
        { "cvtss2si big IM", ENC0F(0xf3, 0x2d), 0x1f00, 0x4f000000, 0 },
        { "cvtsd2ss tiny UM", ENC0F(0xf2, 0x5a), 0x1780, 0, 0x3690000000000000ull },
        { "cvtsd2ss exact tiny UM", ENC0F(0xf2, 0x5a), 0x1780, 0, 0x3800000000000000ull },
        { "cvtsd2ss huge OM", ENC0F(0xf2, 0x5a), 0x1b80, 0, 0x47f0000000000000ull },
        { "sqrtss negative IM", ENC0F(0xf3, 0x51), 0x1f00, 0, 0xbf800000 },
        { "sqrtss -0", ENC0F(0xf3, 0x51), 0x1f00, 0, 0x80000000 },
        { "minss nan", ENC0F(0xf3, 0x5d), 0x1f00, 0x7fc00001, 0x3f800000 },
        { "maxss zeros", ENC0F(0xf3, 0x5f), 0x1f80, 0x80000000, 0x00000000 },
        { "addsd exact tiny UM", ENC0F(0xf2, 0x58), 0x1780, 0x0008000000000000ull,
          0x0004000000000000ull },
        { "mulsd overflow OM", ENC0F(0xf2, 0x59), 0x1b80, 0x7fe0000000000000ull,
          0x4000000000000000ull },
    };
    static SimdState st;
    for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
        simd_state_random(&st, VAL_F32, false);
        put32(st.fx + FX_MXCSR, edges[i].mxcsr);
        memcpy(st.fx + FX_XMM + 16, &edges[i].a, 8);
        memcpy(st.fx + FX_XMM + 32, &edges[i].b, 8);
        uint8_t code[16];
        size_t len = emit(code, &edges[i].enc, 1, 2, false, 0, false, -1);
        check_case(edges[i].name, &st, code, len, -1);
    }
    report_totals("exception edges");
    g_assert_cmpint(failures, ==, 0);
}

/*
 * What the host cannot show: CR0.EM (#UD), CR0.TS (#NM), CR4.OSFXSR clear
 * (#UD), an unmasked exception with CR4.OSXMMEXCPT clear (#UD instead of
 * #XM), an instruction the guest's CPUID lacks (#UD).
 */
static void test_availability(void)
{
    static SimdState st;
    simd_state_random(&st, VAL_F32, false);
    const uint8_t addps[] = { 0x0f, 0x58, 0xc1 };
    const uint8_t divss[] = { 0xf3, 0x0f, 0x5e, 0xc1 };
    fixture_cr0_set = X86_CR0_EM;
    check_case("addps CR0.EM", &st, addps, sizeof(addps), X86_EXC_UD);
    fixture_cr0_set = X86_CR0_TS;
    check_case("addps CR0.TS", &st, addps, sizeof(addps), X86_EXC_NM);
    fixture_cr0_set = X86_CR0_TS | X86_CR0_EM;
    check_case("addps CR0.TS+EM", &st, addps, sizeof(addps), X86_EXC_UD);
    fixture_cr0_set = 0;

    /* CR4.OSFXSR and OSXMMEXCPT clear: the fixture's state is edited directly. */
    X86Cpu *cpu = &test_fixture->cpu;
    X86State s = cpu->s;
    s.rip = FIXTURE_CODE;
    s.cr0 &= ~(uint64_t)(X86_CR0_EM | X86_CR0_TS);
    s.cr4 &= ~(uint64_t)X86_CR4_OSFXSR;
    x86_cpu_set_state(cpu, &s);
    fixture_code(test_fixture, addps, sizeof(addps));
    g_assert_cmpint(fixture_run(test_fixture), ==, X86_EXC_UD);

    /* 1.0 / 0 with ZM unmasked: #XM with OSXMMEXCPT, #UD without; ZE set either way. */
    for (int osxmm = 0; osxmm < 2; osxmm++) {
        s = cpu->s;
        s.rip = FIXTURE_CODE;
        s.cr4 |= X86_CR4_OSFXSR;
        s.cr4 = osxmm ? s.cr4 | X86_CR4_OSXMMEXCPT : s.cr4 & ~(uint64_t)X86_CR4_OSXMMEXCPT;
        s.fpu.mxcsr = 0x1d80;
        s.fpu.xmm[0].d[0] = 0x3f800000;
        s.fpu.xmm[1].d[0] = 0;
        x86_cpu_set_state(cpu, &s);
        fixture_code(test_fixture, divss, sizeof(divss));
        g_assert_cmpint(fixture_run(test_fixture), ==, osxmm ? X86_EXC_XM : X86_EXC_UD);
        g_assert_cmphex(cpu->s.fpu.mxcsr, ==, 0x1d84);
        g_assert_cmphex(cpu->s.fpu.xmm[0].d[0], ==, 0x3f800000);
    }

    /* A guest CPUID without SSE3: HADDPS is #UD; with no CPUID table at all, even ADDPS. */
    static X86Cpuid bare;
    bare = *test_cpuid();
    for (int i = 0; i < bare.nr; i++) {
        if (bare.e[i].function == 1) {
            bare.e[i].ecx &= ~1u;
        }
    }
    const uint8_t haddps[] = { 0xf2, 0x0f, 0x7c, 0xc1 };
    s = cpu->s;
    s.rip = FIXTURE_CODE;
    s.cr4 |= X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;
    s.fpu.mxcsr = 0x1f80;
    x86_cpu_set_state(cpu, &s);
    cpu->cpuid = &bare;
    fixture_code(test_fixture, haddps, sizeof(haddps));
    g_assert_cmpint(fixture_run(test_fixture), ==, X86_EXC_UD);
    x86_cpu_set_state(cpu, &s);
    cpu->cpuid = NULL;
    fixture_code(test_fixture, addps, sizeof(addps));
    g_assert_cmpint(fixture_run(test_fixture), ==, X86_EXC_UD);
    cpu->cpuid = test_cpuid();
    g_assert_cmpint(failures, ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/sse-fp/arith", test_arith);
    g_test_add_func("/sse-fp/conversions", test_conversions);
    g_test_add_func("/sse-fp/32-bit", test_32bit);
    g_test_add_func("/sse-fp/mxcsr-modes", test_mxcsr_modes);
    g_test_add_func("/sse-fp/exception-edges", test_exception_edges);
    g_test_add_func("/sse-fp/dp-exceptions", test_dp_exceptions);
    g_test_add_func("/sse-fp/availability", test_availability);
    return g_test_run();
}
