/* SSE4.1, SSE4.2 (PCMPGTQ, PCMPxSTRx), AES-NI and PCLMULQDQ against the host. */
#include "test-sse-oracle.h"

#define N 300
#define NONE 0xff
#define S41 19
#define S42 20

#define X38(name, op, vc, a16) { name, ENC38(0x66, op), vc, F_REG | F_MEM, a16, K_XMM, K_XMM, 0, 0, S41 }
#define X3A(name, op, vc) { name, ENC3A(0x66, op), vc, F_REG | F_MEM, 1, K_XMM, K_XMM, 1, 0, S41 }

static const OpTest sse41[] = {
    X38("pmovsxbw", 0x20, VAL_INT8, 0), X38("pmovsxbd", 0x21, VAL_INT8, 0),
    X38("pmovsxbq", 0x22, VAL_INT8, 0), X38("pmovsxwd", 0x23, VAL_INT16, 0),
    X38("pmovsxwq", 0x24, VAL_INT16, 0), X38("pmovsxdq", 0x25, VAL_INT32, 0),
    X38("pmovzxbw", 0x30, VAL_INT8, 0), X38("pmovzxbd", 0x31, VAL_INT8, 0),
    X38("pmovzxbq", 0x32, VAL_INT8, 0), X38("pmovzxwd", 0x33, VAL_INT16, 0),
    X38("pmovzxwq", 0x34, VAL_INT16, 0), X38("pmovzxdq", 0x35, VAL_INT32, 0),
    X38("pmuldq", 0x28, VAL_INT32, 1), X38("pcmpeqq", 0x29, VAL_INT64, 1),
    X38("packusdw", 0x2b, VAL_INT32, 1),
    X38("pminsb", 0x38, VAL_INT8, 1), X38("pminsd", 0x39, VAL_INT32, 1),
    X38("pminuw", 0x3a, VAL_INT16, 1), X38("pminud", 0x3b, VAL_INT32, 1),
    X38("pmaxsb", 0x3c, VAL_INT8, 1), X38("pmaxsd", 0x3d, VAL_INT32, 1),
    X38("pmaxuw", 0x3e, VAL_INT16, 1), X38("pmaxud", 0x3f, VAL_INT32, 1),
    X38("pmulld", 0x40, VAL_INT32, 1), X38("phminposuw", 0x41, VAL_INT16, 1),
    X38("pblendvb", 0x10, VAL_INT8, 1), X38("blendvps", 0x14, VAL_F32, 1),
    X38("blendvpd", 0x15, VAL_F64, 1), X38("ptest", 0x17, VAL_ANY, 1),
    { "movntdqa", ENC38(0x66, 0x2a), VAL_ANY, F_MEM, 1, K_XMM, K_XMM, 0, 0, S41 },
    X3A("blendps", 0x0c, VAL_F32), X3A("blendpd", 0x0d, VAL_F64), X3A("pblendw", 0x0e, VAL_INT16),
    X3A("mpsadbw", 0x42, VAL_INT8),
    { "pextrb", ENC3A(0x66, 0x14), VAL_INT8, F_REG | F_MEM, 0, K_XMM, K_GPR, 1, 1, S41 },
    { "pextrw", ENC3A(0x66, 0x15), VAL_INT16, F_REG | F_MEM, 0, K_XMM, K_GPR, 1, 1, S41 },
    { "pextrd/q", ENC3A(0x66, 0x16), VAL_INT32, F_REG | F_MEM, 0, K_XMM, K_GPR, 1, 1, S41 },
    { "extractps", ENC3A(0x66, 0x17), VAL_F32, F_REG | F_MEM, 0, K_XMM, K_GPR, 1, 1, S41 },
    { "pinsrb", ENC3A(0x66, 0x20), VAL_INT8, F_REG | F_MEM, 0, K_XMM, K_GPR, 1, 1, S41 },
    { "insertps", ENC3A(0x66, 0x21), VAL_F32, F_REG | F_MEM, 0, K_XMM, K_XMM, 1, 0, S41 },
    { "pinsrd/q", ENC3A(0x66, 0x22), VAL_INT32, F_REG | F_MEM, 0, K_XMM, K_GPR, 1, 1, S41 },
    X38("pcmpgtq", 0x37, VAL_INT64, 1),
};

static const OpTest crypto[] = {
    { "aesimc", ENC38(0x66, 0xdb), VAL_ANY, F_REG | F_MEM, 1, K_XMM, K_XMM, 0, 0, 25 },
    { "aesenc", ENC38(0x66, 0xdc), VAL_ANY, F_REG | F_MEM, 1, K_XMM, K_XMM, 0, 0, 25 },
    { "aesenclast", ENC38(0x66, 0xdd), VAL_ANY, F_REG | F_MEM, 1, K_XMM, K_XMM, 0, 0, 25 },
    { "aesdec", ENC38(0x66, 0xde), VAL_ANY, F_REG | F_MEM, 1, K_XMM, K_XMM, 0, 0, 25 },
    { "aesdeclast", ENC38(0x66, 0xdf), VAL_ANY, F_REG | F_MEM, 1, K_XMM, K_XMM, 0, 0, 25 },
    { "aeskeygenassist", ENC3A(0x66, 0xdf), VAL_ANY, F_REG | F_MEM, 1, K_XMM, K_XMM, 1, 0, 25 },
    { "pclmulqdq", ENC3A(0x66, 0x44), VAL_ANY, F_REG | F_MEM, 1, K_XMM, K_XMM, 1, 0, 1 },
};

static void test_sse41(void)
{
    run_op_table(sse41, sizeof(sse41) / sizeof(sse41[0]), N);
    report_totals("SSE4.1 and PCMPGTQ");
    g_assert_cmpint(failures, ==, 0);
}

static void test_crypto(void)
{
    run_op_table(crypto, sizeof(crypto) / sizeof(crypto[0]), N);
    report_totals("AES-NI and PCLMULQDQ");
    g_assert_cmpint(failures, ==, 0);
}

/* A string element from a small alphabet, so matches and ranges happen; zero ends implicit strings. */
static uint8_t string_byte(void)
{
    static const uint8_t alphabet[] = { 0, 'a', 'b', 'c', 'z', 0x7f, 0x80, 0xff, 0x01, 'A' };
    return rnd_below(5) ? alphabet[rnd_below(sizeof(alphabet))] : (uint8_t)rnd();
}

/*
 * PCMPESTRI/PCMPESTRM/PCMPISTRI/PCMPISTRM: every imm8 control (formats,
 * aggregations, polarities, index/mask forms), explicit lengths in rAX/rDX
 * from -20 to 20 and beyond (with and without REX.W), strings with zeros.
 */
static void test_pcmpstr(void)
{
    if (!host_has_ecx1(S42)) {
        g_test_skip("the host lacks SSE4.2");
        return;
    }
    static const uint8_t opcodes[] = { 0x60, 0x61, 0x62, 0x63 };
    static SimdState st;
    for (unsigned k = 0; k < scaled(4 * 256 * 6); k++) {
        unsigned o = k % 4, imm = (k / 4) % 256;
        simd_state_random(&st, VAL_INT8, false);
        for (unsigned r = 0; r < 16; r++) {
            for (unsigned i = 0; i < 16; i++) {
                st.fx[FX_XMM + 16 * r + i] = string_byte();
            }
        }
        for (unsigned i = 0; i < DATA_LEN; i++) {
            st.data[i] = string_byte();
        }
        for (unsigned r = 0; r < 2; r++) {
            unsigned reg = r ? R_EDX : R_EAX;
            switch (rnd_below(4)) {
            case 0: st.regs[reg] = rnd(); break;
            case 1: st.regs[reg] = (uint64_t)(int64_t)((int)rnd_below(41) - 20) & 0xffffffffull; break;
            default: st.regs[reg] = (uint64_t)(int64_t)((int)rnd_below(41) - 20); break;
            }
        }
        st.regs[R_ESI] = FIXTURE_DATA + 0x100 + rnd_below(16);
        const Enc e = ENC3A(0x66, opcodes[o]);
        uint8_t code[16];
        size_t len = emit(code, &e, pick_reg(K_XMM), pick_reg(K_XMM), rnd_below(2), 0,
                          rnd_below(2), (int)imm);
        check_case("pcmpstr", &st, code, len, -1);
    }
    report_totals("PCMPxSTRx");
    g_assert_cmpint(failures, ==, 0);
}

/* AES known answer (FIPS-197 appendix C.1): the full AES-128 encryption and decryption, in the fixture. */
static void test_aes_known_answer(void)
{
    /*
     * Key expansion with AESKEYGENASSIST and the rounds: the snippet takes
     * the key in xmm1, the plaintext in xmm0 and leaves the ciphertext in
     * xmm0, then decrypts a copy (xmm5) with AESIMC'd round keys.
     */
    static const uint8_t key[16] = { 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
                                     0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f };
    static const uint8_t plain[16] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
                                       0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff };
    static const uint8_t cipher[16] = { 0x69, 0xc4, 0xe0, 0xd8, 0x6a, 0x7b, 0x04, 0x30,
                                        0xd8, 0xcd, 0xb7, 0x80, 0x70, 0xb4, 0xc5, 0x5a };
    uint8_t code[1024];
    size_t n = 0;
#define B(...) do { const uint8_t b_[] = { __VA_ARGS__ }; memcpy(code + n, b_, sizeof(b_)); n += sizeof(b_); } while (0)
    /* round keys to [rdi + 16*i]: movdqa [rdi], xmm1 */
    B(0x66, 0x0f, 0x7f, 0x0f);
    static const uint8_t rcon[10] = { 1, 2, 4, 8, 16, 32, 64, 128, 0x1b, 0x36 };
    for (int i = 0; i < 10; i++) {
        B(0x66, 0x0f, 0x3a, 0xdf, 0xd1, rcon[i]);          /* aeskeygenassist xmm2, xmm1, rcon */
        B(0x66, 0x0f, 0x70, 0xd2, 0xff);                   /* pshufd xmm2, xmm2, 0xff */
        B(0x66, 0x0f, 0x6f, 0xd9);                         /* movdqa xmm3, xmm1 */
        B(0x66, 0x0f, 0x73, 0xfb, 0x04);                   /* pslldq xmm3, 4 */
        B(0x66, 0x0f, 0xef, 0xcb);                         /* pxor xmm1, xmm3 */
        B(0x66, 0x0f, 0x73, 0xfb, 0x04);
        B(0x66, 0x0f, 0xef, 0xcb);
        B(0x66, 0x0f, 0x73, 0xfb, 0x04);
        B(0x66, 0x0f, 0xef, 0xcb);
        B(0x66, 0x0f, 0xef, 0xca);                         /* pxor xmm1, xmm2 */
        B(0x66, 0x0f, 0x7f, 0x4f, (uint8_t)(16 * (i + 1))); /* movdqa [rdi+16(i+1)], xmm1 */
    }
    B(0x66, 0x0f, 0x6f, 0xe8);                             /* movdqa xmm5, xmm0 (spare) */
    B(0x66, 0x0f, 0xef, 0x07);                             /* pxor xmm0, [rdi] */
    for (int i = 1; i < 10; i++) {
        B(0x66, 0x0f, 0x38, 0xdc, 0x47, (uint8_t)(16 * i)); /* aesenc xmm0, [rdi+16i] */
    }
    B(0x66, 0x0f, 0x38, 0xdd, 0x47, 0xa0);                 /* aesenclast xmm0, [rdi+160] */
    /* decrypt: xmm4 = ciphertext; equivalent inverse cipher with AESIMC'd keys */
    B(0x66, 0x0f, 0x6f, 0xe0);                             /* movdqa xmm4, xmm0 */
    B(0x66, 0x0f, 0xef, 0x67, 0xa0);                       /* pxor xmm4, [rdi+160] */
    for (int i = 9; i >= 1; i--) {
        B(0x66, 0x0f, 0x38, 0xdb, 0x77, (uint8_t)(16 * i)); /* aesimc xmm6, [rdi+16i] */
        B(0x66, 0x0f, 0x38, 0xde, 0xe6);                   /* aesdec xmm4, xmm6 */
    }
    B(0x66, 0x0f, 0x38, 0xdf, 0x27);                       /* aesdeclast xmm4, [rdi] */
#undef B
    static SimdState st;
    simd_state_random(&st, VAL_ANY, false);
    memcpy(st.fx + FX_XMM + 16, key, 16);
    memcpy(st.fx + FX_XMM, plain, 16);
    check_case("aes-128 known answer", &st, code, n, -1);
    X86Cpu *cpu = &test_fixture->cpu;
    g_assert_cmpmem(cpu->s.fpu.xmm[0].b, 16, cipher, 16);
    g_assert_cmpmem(cpu->s.fpu.xmm[4].b, 16, plain, 16);
    g_assert_cmpint(failures, ==, 0);
}

/* PCLMULQDQ known answers: x * x = x^2, and (x^63+1)^2 = x^126 + 1. */
static void test_pclmul_known_answer(void)
{
    static SimdState st;
    simd_state_random(&st, VAL_ANY, false);
    uint64_t a[2] = { 2, 0x8000000000000001ull }, b[2] = { 2, 0x8000000000000001ull };
    memcpy(st.fx + FX_XMM + 16, a, 16);
    memcpy(st.fx + FX_XMM + 32, b, 16);
    const uint8_t code[] = { 0x66, 0x0f, 0x3a, 0x44, 0xca, 0x00,     /* xmm1 = a0 * b0 */
                             0x66, 0x0f, 0x3a, 0x44, 0xda, 0x11 };   /* xmm3 = xmm3.hi * b1 */
    memcpy(st.fx + FX_XMM + 48, a, 16);
    check_case("pclmulqdq known answer", &st, code, sizeof(code), -1);
    X86Cpu *cpu = &test_fixture->cpu;
    g_assert_cmphex(cpu->s.fpu.xmm[1].q[0], ==, 4);
    g_assert_cmphex(cpu->s.fpu.xmm[1].q[1], ==, 0);
    g_assert_cmphex(cpu->s.fpu.xmm[3].q[0], ==, 1);
    g_assert_cmphex(cpu->s.fpu.xmm[3].q[1], ==, 0x4000000000000000ull);
    g_assert_cmpint(failures, ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/sse4/sse41", test_sse41);
    g_test_add_func("/sse4/pcmpstr", test_pcmpstr);
    g_test_add_func("/sse4/crypto", test_crypto);
    g_test_add_func("/sse4/aes-known-answer", test_aes_known_answer);
    g_test_add_func("/sse4/pclmul-known-answer", test_pclmul_known_answer);
    return g_test_run();
}
