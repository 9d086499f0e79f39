/* SSE/SSE2/SSE3 data movement against the host: MOVUPS..MOVDQU, scalar/half moves, MOVD/MOVQ, non-temporal and masked stores, LDMXCSR/STMXCSR. */
#include "test-sse-oracle.h"

#define N 250
#define NONE 0xff

#define RW(name, p, op, forms, a16, rk, mk, w) { name, ENC0F(p, op), VAL_ANY, forms, a16, rk, mk, 0, w, NONE }

static const OpTest moves[] = {
    RW("movups load", 0, 0x10, F_REG | F_MEM, 0, K_XMM, K_XMM, 0),
    RW("movupd load", 0x66, 0x10, F_REG | F_MEM, 0, K_XMM, K_XMM, 0),
    RW("movss load", 0xf3, 0x10, F_REG | F_MEM, 0, K_XMM, K_XMM, 0),
    RW("movsd load", 0xf2, 0x10, F_REG | F_MEM, 0, K_XMM, K_XMM, 0),
    RW("movups store", 0, 0x11, F_REG | F_MEM, 0, K_XMM, K_XMM, 0),
    RW("movupd store", 0x66, 0x11, F_REG | F_MEM, 0, K_XMM, K_XMM, 0),
    RW("movss store", 0xf3, 0x11, F_REG | F_MEM, 0, K_XMM, K_XMM, 0),
    RW("movsd store", 0xf2, 0x11, F_REG | F_MEM, 0, K_XMM, K_XMM, 0),
    RW("movlps load / movhlps", 0, 0x12, F_REG | F_MEM, 0, K_XMM, K_XMM, 0),
    RW("movlpd load", 0x66, 0x12, F_MEM, 0, K_XMM, K_XMM, 0),
    { "movsldup", ENC0F(0xf3, 0x12), VAL_F32, F_REG | F_MEM, 1, K_XMM, K_XMM, 0, 0, 0 },
    { "movddup", ENC0F(0xf2, 0x12), VAL_F64, F_REG | F_MEM, 0, K_XMM, K_XMM, 0, 0, 0 },
    RW("movlps store", 0, 0x13, F_MEM, 0, K_XMM, K_XMM, 0),
    RW("movlpd store", 0x66, 0x13, F_MEM, 0, K_XMM, K_XMM, 0),
    RW("movhps load / movlhps", 0, 0x16, F_REG | F_MEM, 0, K_XMM, K_XMM, 0),
    RW("movhpd load", 0x66, 0x16, F_MEM, 0, K_XMM, K_XMM, 0),
    { "movshdup", ENC0F(0xf3, 0x16), VAL_F32, F_REG | F_MEM, 1, K_XMM, K_XMM, 0, 0, 0 },
    RW("movhps store", 0, 0x17, F_MEM, 0, K_XMM, K_XMM, 0),
    RW("movhpd store", 0x66, 0x17, F_MEM, 0, K_XMM, K_XMM, 0),
    RW("movaps load", 0, 0x28, F_REG | F_MEM, 1, K_XMM, K_XMM, 0),
    RW("movapd load", 0x66, 0x28, F_REG | F_MEM, 1, K_XMM, K_XMM, 0),
    RW("movaps store", 0, 0x29, F_REG | F_MEM, 1, K_XMM, K_XMM, 0),
    RW("movapd store", 0x66, 0x29, F_REG | F_MEM, 1, K_XMM, K_XMM, 0),
    RW("movntps", 0, 0x2b, F_MEM, 1, K_XMM, K_XMM, 0),
    RW("movntpd", 0x66, 0x2b, F_MEM, 1, K_XMM, K_XMM, 0),
    RW("movd/q mm, r/m", 0, 0x6e, F_REG | F_MEM, 0, K_MMX, K_GPR, 1),
    RW("movd/q xmm, r/m", 0x66, 0x6e, F_REG | F_MEM, 0, K_XMM, K_GPR, 1),
    RW("movq mm, mm/m64", 0, 0x6f, F_REG | F_MEM, 0, K_MMX, K_MMX, 0),
    RW("movdqa load", 0x66, 0x6f, F_REG | F_MEM, 1, K_XMM, K_XMM, 0),
    RW("movdqu load", 0xf3, 0x6f, F_REG | F_MEM, 0, K_XMM, K_XMM, 0),
    RW("movd/q r/m, mm", 0, 0x7e, F_REG | F_MEM, 0, K_MMX, K_GPR, 1),
    RW("movd/q r/m, xmm", 0x66, 0x7e, F_REG | F_MEM, 0, K_XMM, K_GPR, 1),
    RW("movq xmm, xmm/m64", 0xf3, 0x7e, F_REG | F_MEM, 0, K_XMM, K_XMM, 0),
    RW("movq mm/m64, mm", 0, 0x7f, F_REG | F_MEM, 0, K_MMX, K_MMX, 0),
    RW("movdqa store", 0x66, 0x7f, F_REG | F_MEM, 1, K_XMM, K_XMM, 0),
    RW("movdqu store", 0xf3, 0x7f, F_REG | F_MEM, 0, K_XMM, K_XMM, 0),
    RW("movq xmm/m64, xmm", 0x66, 0xd6, F_REG | F_MEM, 0, K_XMM, K_XMM, 0),
    RW("movq2dq", 0xf3, 0xd6, F_REG, 0, K_XMM, K_MMX, 0),
    RW("movdq2q", 0xf2, 0xd6, F_REG, 0, K_MMX, K_XMM, 0),
    RW("movntq", 0, 0xe7, F_MEM, 0, K_MMX, K_MMX, 0),
    RW("movntdq", 0x66, 0xe7, F_MEM, 1, K_XMM, K_XMM, 0),
    { "lddqu", ENC0F(0xf2, 0xf0), VAL_ANY, F_MEM, 0, K_XMM, K_XMM, 0, 0, 0 },
    RW("maskmovq", 0, 0xf7, F_REG, 0, K_MMX, K_MMX, 0),
    RW("maskmovdqu", 0x66, 0xf7, F_REG, 0, K_XMM, K_XMM, 0),
};

static void test_moves(void)
{
    run_op_table(moves, sizeof(moves) / sizeof(moves[0]), N);
    report_totals("moves");
    g_assert_cmpint(failures, ==, 0);
}

/* The same in 32-bit mode (compatibility mode on the host): XMM0-7, 32-bit GPRs, no REX. */
static void test_moves_32(void)
{
    mode32 = true;
    run_op_table(moves, sizeof(moves) / sizeof(moves[0]), N / 5);
    mode32 = false;
    report_totals("moves in 32-bit mode");
    g_assert_cmpint(failures, ==, 0);
}

/*
 * LDMXCSR with every kind of value (reserved bits 16 and 18-31 #GP on
 * both; bit 17 is AMD's MM, valid on this host but not in tandem's
 * MXCSR_MASK, so it is checked in the fixture alone), and STMXCSR.
 */
static void test_mxcsr_load_store(void)
{
    static SimdState st;
    const uint8_t ldmxcsr[] = { 0x0f, 0xae, 0x16 };    /* ldmxcsr [rsi] */
    const uint8_t stmxcsr[] = { 0x0f, 0xae, 0x1f };    /* stmxcsr [rdi] */
    const uint8_t both[] = { 0x0f, 0xae, 0x16, 0x0f, 0xae, 0x1f, 0x0f, 0x58, 0xc1 };
    for (unsigned k = 0; k < 600; k++) {
        simd_state_random(&st, VAL_F32, k % 2);
        uint32_t v = (uint32_t)rnd() & 0xffff;
        if (rnd_below(8) == 0) {
            v |= 1u << (rnd_below(2) ? 16 : 18 + rnd_below(14));
        }
        put32(st.data + 0x100, v);
        check_case("ldmxcsr", &st, ldmxcsr, sizeof(ldmxcsr), -1);
        check_case("stmxcsr", &st, stmxcsr, sizeof(stmxcsr), -1);
        if (!(v & ~0xffffu)) {
            check_case("ldmxcsr; stmxcsr; addps", &st, both, sizeof(both), -1);
        }
    }
    simd_state_random(&st, VAL_F32, false);
    put32(st.data + 0x100, 0x21f80);
    check_case("ldmxcsr MM bit", &st, ldmxcsr, sizeof(ldmxcsr), X86_EXC_GP);
    /* LDMXCSR needs CR4.OSFXSR (#UD) and honours CR0.TS (#NM) */
    fixture_cr0_set = X86_CR0_TS;
    put32(st.data + 0x100, 0x1f80);
    check_case("ldmxcsr CR0.TS", &st, ldmxcsr, sizeof(ldmxcsr), X86_EXC_NM);
    fixture_cr0_set = 0;
    report_totals("LDMXCSR/STMXCSR");
    g_assert_cmpint(failures, ==, 0);
}

/* Memory faults of the SSE moves: non-canonical (#GP) and misaligned forms, state unchanged. */
static void test_move_faults(void)
{
    static SimdState st;
    static const uint8_t codes[][5] = {
        { 0x0f, 0x29, 0x06 },               /* movaps [rsi], xmm0 */
        { 0x66, 0x0f, 0x7f, 0x06 },         /* movdqa [rsi], xmm0 */
        { 0x0f, 0x11, 0x06 },               /* movups [rsi], xmm0 */
        { 0x0f, 0x10, 0x06 },               /* movups xmm0, [rsi] */
        { 0x0f, 0x6f, 0x06 },               /* movq mm0, [rsi] */
        { 0x0f, 0x7f, 0x06 },               /* movq [rsi], mm0 */
        { 0x0f, 0xe7, 0x06 },               /* movntq [rsi], mm0 */
    };
    static const unsigned lens[] = { 3, 4, 3, 3, 3, 3, 3 };
    static const uint64_t addrs[] = { 0x8000000000000000ull, FIXTURE_DATA + 0x108,
                                      0x00007ffffffffff8ull };
    for (size_t c = 0; c < sizeof(lens) / sizeof(lens[0]); c++) {
        for (size_t a = 0; a < sizeof(addrs) / sizeof(addrs[0]); a++) {
            simd_state_random(&st, VAL_ANY, false);
            st.regs[R_ESI] = addrs[a];
            if (addrs[a] == 0x00007ffffffffff8ull) {
                continue;   /* unmapped on the host but RAM-less in the fixture: not comparable */
            }
            check_case("move fault", &st, codes[c], lens[c], -1);
        }
    }
    report_totals("move faults");
    g_assert_cmpint(failures, ==, 0);
}

/*
 * Alignment checking (CR0.AM, EFLAGS.AC, CPL3): misaligned operands of 8
 * bytes or less take #AC, 16-byte ones do not (SDM vol. 2A 2.5 "Exceptions
 * Type 4/5").  In the fixture only: the host trampoline cannot run its own
 * C code with EFLAGS.AC set.
 */
static void test_alignment_check(void)
{
    static const struct { uint8_t code[6]; unsigned len, size; } cases[] = {
        { { 0xf2, 0x0f, 0x10, 0x06 }, 4, 8 },           /* movsd xmm0, [rsi] */
        { { 0xf3, 0x0f, 0x11, 0x06 }, 4, 4 },           /* movss [rsi], xmm0 */
        { { 0x0f, 0x6f, 0x06 }, 3, 8 },                 /* movq mm0, [rsi] */
        { { 0x66, 0x0f, 0x6e, 0x06 }, 4, 4 },           /* movd xmm0, [rsi] */
        { { 0x0f, 0xae, 0x16 }, 3, 4 },                 /* ldmxcsr [rsi] */
        { { 0x0f, 0x10, 0x06 }, 3, 16 },                /* movups xmm0, [rsi] */
        { { 0xf3, 0x0f, 0x6f, 0x06 }, 4, 16 },          /* movdqu xmm0, [rsi] */
        { { 0x0f, 0x12, 0x06 }, 3, 8 },                 /* movlps xmm0, [rsi] */
        { { 0xf3, 0x0f, 0x58, 0x06 }, 4, 4 },           /* addss xmm0, [rsi] */
        { { 0x66, 0x0f, 0x38, 0x20, 0x06 }, 5, 8 },     /* pmovsxbw xmm0, [rsi] */
    };
    static SimdState st;
    static SimdResult r;
    fixture_cr0_set = X86_CR0_AM;
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        for (unsigned off = 0; off < 8; off++) {
            simd_state_random(&st, VAL_F32, false);
            put32(st.data + 0x100 + off, 0x1f80);
            st.regs[R_ESI] = FIXTURE_DATA + 0x100 + off;
            st.rflags |= X86_FLAG_AC;
            run_fixture(&st, cases[c].code, cases[c].len, &r);
            bool misaligned = cases[c].size <= 8 && (off % cases[c].size);
            g_assert_cmpint(r.vector, ==, misaligned ? X86_EXC_AC : -1);
        }
    }
    fixture_cr0_set = 0;
}

/* MASKMOVDQU with 67h stores through EDI. */
static void test_maskmov_addr32(void)
{
    static SimdState st;
    const uint8_t maskmov67[] = { 0x67, 0x66, 0x0f, 0xf7, 0xca };   /* maskmovdqu xmm1, xmm2 */
    for (unsigned k = 0; k < 50; k++) {
        simd_state_random(&st, VAL_INT8, false);
        st.regs[R_EDI] = 0xabcd000000000000ull | (FIXTURE_DATA + 0x200 + rnd_below(64));
        check_case("maskmovdqu addr32", &st, maskmov67, sizeof(maskmov67), -1);
    }
    report_totals("MASKMOVDQU with 67h");
    g_assert_cmpint(failures, ==, 0);
}

/*
 * movaps xmm2, [rbp+0x17] with a non-canonical rbp: the operand is both
 * misaligned (#GP) and a non-canonical SS address (#SS).  AMD reports the
 * #GP (natively on an EPYC; aligned, #SS); tandem's default the #SS.
 * Found by tandem-difftest.
 */
static void test_misaligned_noncanonical(void)
{
    static const uint8_t code[] = { 0x0f, 0x28, 0x55, 0x17 };
    for (int amd = 0; amd < 2; amd++) {
        for (int misaligned = 0; misaligned < 2; misaligned++) {
            Fixture *f = fixture_new(FIXTURE_LONG64, 3);
            fixture_code(f, code, sizeof(code));
            f->cpu.cpuid = test_cpuid();
            f->cpu.vendor_amd = amd;
            f->cpu.s.regs[R_EBP] = 0xa98ad5ac126e9cf0ull + (misaligned ? 1 : 9);
            g_assert_cmpint(fixture_run(f), ==, amd && misaligned ? X86_EXC_GP : X86_EXC_SS);
            fixture_free(f);
        }
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/sse-move/moves", test_moves);
    g_test_add_func("/sse-move/moves-32", test_moves_32);
    g_test_add_func("/sse-move/mxcsr", test_mxcsr_load_store);
    g_test_add_func("/sse-move/faults", test_move_faults);
    g_test_add_func("/sse-move/alignment-check", test_alignment_check);
    g_test_add_func("/sse-move/maskmovdqu-addr32", test_maskmov_addr32);
    g_test_add_func("/sse-move/misaligned-noncanonical", test_misaligned_noncanonical);
    return g_test_run();
}
