/* MMX state against the host: aliasing onto the x87 registers, TOP/tags, EMMS, #MF for pending x87 exceptions, CR0.EM/TS. */
#include "test-sse-oracle.h"

/* Instructions that name MMX registers, and some that do not, for the x87-interaction tests. */
static const struct {
    const char *name;
    uint8_t code[8];
    unsigned len;
} snippets[] = {
    { "paddb mm0, mm1", { 0x0f, 0xfc, 0xc1 }, 3 },
    { "paddb mm3, [rsi]", { 0x0f, 0xfc, 0x1e }, 3 },
    { "psllq mm2, 7", { 0x0f, 0x73, 0xf2, 0x07 }, 4 },
    { "movd mm5, eax", { 0x0f, 0x6e, 0xe8 }, 3 },
    { "movq rax, mm5", { 0x48, 0x0f, 0x7e, 0xe8 }, 4 },
    { "movq mm1, mm7", { 0x0f, 0x6f, 0xcf }, 3 },
    { "movq [rsi], mm6", { 0x0f, 0x7f, 0x36 }, 3 },
    { "emms", { 0x0f, 0x77 }, 2 },
    { "pavgb mm0, mm1", { 0x0f, 0xe0, 0xc1 }, 3 },
    { "pshufw mm0, mm1, 0x1b", { 0x0f, 0x70, 0xc1, 0x1b }, 4 },
    { "pshufb mm0, mm1", { 0x0f, 0x38, 0x00, 0xc1 }, 4 },
    { "palignr mm0, mm1, 3", { 0x0f, 0x3a, 0x0f, 0xc1, 0x03 }, 5 },
    { "pextrw eax, mm1, 2", { 0x0f, 0xc5, 0xc1, 0x02 }, 4 },
    { "pinsrw mm1, eax, 2", { 0x0f, 0xc4, 0xc8, 0x02 }, 4 },
    { "pmovmskb eax, mm1", { 0x0f, 0xd7, 0xc1 }, 3 },
    { "maskmovq mm1, mm2", { 0x0f, 0xf7, 0xca }, 3 },
    { "movntq [rsi], mm4", { 0x0f, 0xe7, 0x26 }, 3 },
    { "movq2dq xmm1, mm2", { 0xf3, 0x0f, 0xd6, 0xca }, 4 },
    { "movdq2q mm1, xmm2", { 0xf2, 0x0f, 0xd6, 0xca }, 4 },
    { "cvtpi2ps xmm0, mm1", { 0x0f, 0x2a, 0xc1 }, 3 },
    { "cvtpi2ps xmm0, [rsi]", { 0x0f, 0x2a, 0x06 }, 3 },
    { "cvtpi2pd xmm0, mm1", { 0x66, 0x0f, 0x2a, 0xc1 }, 4 },
    { "cvtpi2pd xmm0, [rsi]", { 0x66, 0x0f, 0x2a, 0x06 }, 4 },
    { "cvtps2pi mm0, xmm1", { 0x0f, 0x2d, 0xc1 }, 3 },
    { "cvttpd2pi mm0, [rsi]", { 0x66, 0x0f, 0x2c, 0x06 }, 4 },
    { "addps xmm0, xmm1", { 0x0f, 0x58, 0xc1 }, 3 },
    { "paddb xmm0, xmm1", { 0x66, 0x0f, 0xfc, 0xc1 }, 4 },
    { "paddb mm0, [noncanonical]", { 0x0f, 0xfc, 0x07 }, 3 },
    { "movq mm0, mm1; emms; paddb mm2, mm3", { 0x0f, 0x6f, 0xc1, 0x0f, 0x77, 0x0f, 0xfc, 0xd3 }, 8 },
};

/*
 * A random x87 state: TOP, tags, registers; FCW masking every x87
 * exception or (with `pending`) unmasking some with their flags set in FSW
 * (and ES/B), so the next waiting x87 or MMX instruction takes #MF.
 */
static void x87_state(SimdState *st, bool pending)
{
    uint16_t fsw = (uint16_t)((rnd_below(8) << 11) | (rnd() & 0x0700));
    uint16_t fcw = 0x037f;
    if (pending) {
        unsigned e = rnd_below(6);
        fcw &= (uint16_t)~(1u << e);
        fsw |= (uint16_t)((1u << e) | 0x8080);
    }
    put16(st->fx + 0, fcw);
    put16(st->fx + 2, fsw);
    st->fx[4] = (uint8_t)rnd();
}

static void test_x87_interaction(void)
{
    static SimdState st;
    for (unsigned rep = 0; rep < 40; rep++) {
        for (size_t i = 0; i < sizeof(snippets) / sizeof(snippets[0]); i++) {
            simd_state_random(&st, VAL_ANY, false);
            x87_state(&st, rep % 2);
            st.regs[R_ESI] = FIXTURE_DATA + 0x100;
            if (strstr(snippets[i].name, "noncanonical")) {
                st.regs[R_EDI] = 0x8000000000000000ull;
                st.regs[R_ESI] = 0;
            }
            check_case(snippets[i].name, &st, snippets[i].code, snippets[i].len, -1);
        }
    }
    report_totals("MMX/x87 interaction, #MF");
    g_assert_cmpint(failures, ==, 0);
}

/* CR0.EM: #UD for MMX (and EMMS); CR0.TS: #NM.  Not visible natively. */
static void test_cr0(void)
{
    static SimdState st;
    simd_state_random(&st, VAL_ANY, false);
    for (size_t i = 0; i < sizeof(snippets) / sizeof(snippets[0]); i++) {
        fixture_cr0_set = X86_CR0_EM;
        check_case(snippets[i].name, &st, snippets[i].code, snippets[i].len, X86_EXC_UD);
        fixture_cr0_set = X86_CR0_TS;
        check_case(snippets[i].name, &st, snippets[i].code, snippets[i].len, X86_EXC_NM);
    }
    fixture_cr0_set = 0;
    report_totals("CR0.EM/TS");
    g_assert_cmpint(failures, ==, 0);
}

/* Known values: MMX registers are the mantissas of R0-R7 whatever TOP was; a write sets exponent ones. */
static void test_aliasing(void)
{
    static SimdState st;
    simd_state_random(&st, VAL_ANY, false);
    put16(st.fx + 2, 5u << 11);     /* TOP = 5: ST(i) is R((5 + i) & 7) */
    st.fx[4] = 0x00;                /* all empty */
    /* movq mm2, mm3 ; movq rax, mm2 */
    const uint8_t code[] = { 0x0f, 0x6f, 0xd3, 0x48, 0x0f, 0x7e, 0xd0 };
    uint64_t r3 = 0x1122334455667788ull;
    memcpy(st.fx + FX_ST + 16 * ((3 - 5) & 7), &r3, 8);     /* R3 is ST(6) */
    check_case("aliasing", &st, code, sizeof(code), -1);
    X86Cpu *cpu = &test_fixture->cpu;
    g_assert_cmphex(cpu->s.regs[R_EAX], ==, r3);
    g_assert_cmphex(cpu->s.fpu.st[2].mantissa, ==, r3);
    g_assert_cmphex(cpu->s.fpu.st[2].sign_exp, ==, 0xffff);
    g_assert_cmphex(cpu->s.fpu.fsw & 0x3800, ==, 0);
    g_assert_cmphex(cpu->s.fpu.ftw, ==, 0xff);
    /* EMMS empties every tag */
    const uint8_t emms[] = { 0x0f, 0x77 };
    check_case("emms", &st, emms, sizeof(emms), -1);
    g_assert_cmphex(cpu->s.fpu.ftw, ==, 0);
    g_assert_cmpint(failures, ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/mmx/x87-interaction", test_x87_interaction);
    g_test_add_func("/mmx/cr0", test_cr0);
    g_test_add_func("/mmx/aliasing", test_aliasing);
    return g_test_run();
}
