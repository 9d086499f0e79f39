/* MMX/SSE2/SSSE3 packed integers and the SSE bitwise/shuffle ops against the host, MMX and XMM forms. */
#include "test-sse-oracle.h"

#define N 150
#define NONE 0xff

/* The MMX form (NP 0F xx mm, mm/m64) and the XMM form (66 0F xx xmm, xmm/m128, aligned). */
#define PAIR(name, op, vc)                                                                    \
    { name " mm", ENC0F(0, op), vc, F_REG | F_MEM, 0, K_MMX, K_MMX, 0, 0, NONE },              \
    { name " xmm", ENC0F(0x66, op), vc, F_REG | F_MEM, 1, K_XMM, K_XMM, 0, 0, NONE }
#define XMM_ONLY(name, p, op, vc) { name, ENC0F(p, op), vc, F_REG | F_MEM, 1, K_XMM, K_XMM, 0, 0, NONE }
#define PAIR38(name, op, vc)                                                                  \
    { name " mm", ENC38(0, op), vc, F_REG | F_MEM, 0, K_MMX, K_MMX, 0, 0, 9 },                 \
    { name " xmm", ENC38(0x66, op), vc, F_REG | F_MEM, 1, K_XMM, K_XMM, 0, 0, 9 }

static const OpTest mmx_sse2[] = {
    PAIR("punpcklbw", 0x60, VAL_INT8), PAIR("punpcklwd", 0x61, VAL_INT16),
    PAIR("punpckldq", 0x62, VAL_INT32), PAIR("packsswb", 0x63, VAL_INT16),
    PAIR("pcmpgtb", 0x64, VAL_INT8), PAIR("pcmpgtw", 0x65, VAL_INT16),
    PAIR("pcmpgtd", 0x66, VAL_INT32), PAIR("packuswb", 0x67, VAL_INT16),
    PAIR("punpckhbw", 0x68, VAL_INT8), PAIR("punpckhwd", 0x69, VAL_INT16),
    PAIR("punpckhdq", 0x6a, VAL_INT32), PAIR("packssdw", 0x6b, VAL_INT32),
    XMM_ONLY("punpcklqdq", 0x66, 0x6c, VAL_ANY), XMM_ONLY("punpckhqdq", 0x66, 0x6d, VAL_ANY),
    PAIR("pcmpeqb", 0x74, VAL_INT8), PAIR("pcmpeqw", 0x75, VAL_INT16),
    PAIR("pcmpeqd", 0x76, VAL_INT32),
    PAIR("psrlw", 0xd1, VAL_SHIFT), PAIR("psrld", 0xd2, VAL_SHIFT), PAIR("psrlq", 0xd3, VAL_SHIFT),
    PAIR("paddq", 0xd4, VAL_INT64), PAIR("pmullw", 0xd5, VAL_INT16),
    PAIR("psubusb", 0xd8, VAL_INT8), PAIR("psubusw", 0xd9, VAL_INT16),
    PAIR("pminub", 0xda, VAL_INT8), PAIR("pand", 0xdb, VAL_ANY),
    PAIR("paddusb", 0xdc, VAL_INT8), PAIR("paddusw", 0xdd, VAL_INT16),
    PAIR("pmaxub", 0xde, VAL_INT8), PAIR("pandn", 0xdf, VAL_ANY),
    PAIR("pavgb", 0xe0, VAL_INT8), PAIR("psraw", 0xe1, VAL_SHIFT), PAIR("psrad", 0xe2, VAL_SHIFT),
    PAIR("pavgw", 0xe3, VAL_INT16), PAIR("pmulhuw", 0xe4, VAL_INT16),
    PAIR("pmulhw", 0xe5, VAL_INT16),
    PAIR("psubsb", 0xe8, VAL_INT8), PAIR("psubsw", 0xe9, VAL_INT16),
    PAIR("pminsw", 0xea, VAL_INT16), PAIR("por", 0xeb, VAL_ANY),
    PAIR("paddsb", 0xec, VAL_INT8), PAIR("paddsw", 0xed, VAL_INT16),
    PAIR("pmaxsw", 0xee, VAL_INT16), PAIR("pxor", 0xef, VAL_ANY),
    PAIR("psllw", 0xf1, VAL_SHIFT), PAIR("pslld", 0xf2, VAL_SHIFT), PAIR("psllq", 0xf3, VAL_SHIFT),
    PAIR("pmuludq", 0xf4, VAL_INT32), PAIR("pmaddwd", 0xf5, VAL_INT16),
    PAIR("psadbw", 0xf6, VAL_INT8),
    PAIR("psubb", 0xf8, VAL_INT8), PAIR("psubw", 0xf9, VAL_INT16), PAIR("psubd", 0xfa, VAL_INT32),
    PAIR("psubq", 0xfb, VAL_INT64), PAIR("paddb", 0xfc, VAL_INT8), PAIR("paddw", 0xfd, VAL_INT16),
    PAIR("paddd", 0xfe, VAL_INT32),
    /* SSE/SSE2 bitwise and shuffles on FP data */
    XMM_ONLY("andps", 0, 0x54, VAL_F32), XMM_ONLY("andpd", 0x66, 0x54, VAL_F64),
    XMM_ONLY("andnps", 0, 0x55, VAL_F32), XMM_ONLY("andnpd", 0x66, 0x55, VAL_F64),
    XMM_ONLY("orps", 0, 0x56, VAL_F32), XMM_ONLY("orpd", 0x66, 0x56, VAL_F64),
    XMM_ONLY("xorps", 0, 0x57, VAL_F32), XMM_ONLY("xorpd", 0x66, 0x57, VAL_F64),
    XMM_ONLY("unpcklps", 0, 0x14, VAL_F32), XMM_ONLY("unpcklpd", 0x66, 0x14, VAL_F64),
    XMM_ONLY("unpckhps", 0, 0x15, VAL_F32), XMM_ONLY("unpckhpd", 0x66, 0x15, VAL_F64),
};

static const OpTest ssse3[] = {
    PAIR38("pshufb", 0x00, VAL_INT8), PAIR38("phaddw", 0x01, VAL_INT16),
    PAIR38("phaddd", 0x02, VAL_INT32), PAIR38("phaddsw", 0x03, VAL_INT16),
    PAIR38("pmaddubsw", 0x04, VAL_INT8), PAIR38("phsubw", 0x05, VAL_INT16),
    PAIR38("phsubd", 0x06, VAL_INT32), PAIR38("phsubsw", 0x07, VAL_INT16),
    PAIR38("psignb", 0x08, VAL_INT8), PAIR38("psignw", 0x09, VAL_INT16),
    PAIR38("psignd", 0x0a, VAL_INT32), PAIR38("pmulhrsw", 0x0b, VAL_INT16),
    PAIR38("pabsb", 0x1c, VAL_INT8), PAIR38("pabsw", 0x1d, VAL_INT16),
    PAIR38("pabsd", 0x1e, VAL_INT32),
    { "palignr mm", ENC3A(0, 0x0f), VAL_INT8, F_REG | F_MEM, 0, K_MMX, K_MMX, 1, 0, 9 },
    { "palignr xmm", ENC3A(0x66, 0x0f), VAL_INT8, F_REG | F_MEM, 1, K_XMM, K_XMM, 1, 0, 9 },
};

#define SHIFT_IMM(name, p, op, ext, kind)                                                     \
    { name, { p, { 0x0f, op }, 2, ext }, VAL_ANY, F_REG, 0, kind, kind, 2, 0, NONE }

static const OpTest with_imm[] = {
    SHIFT_IMM("psrlw mm, imm", 0, 0x71, 2, K_MMX), SHIFT_IMM("psrlw xmm, imm", 0x66, 0x71, 2, K_XMM),
    SHIFT_IMM("psraw mm, imm", 0, 0x71, 4, K_MMX), SHIFT_IMM("psraw xmm, imm", 0x66, 0x71, 4, K_XMM),
    SHIFT_IMM("psllw mm, imm", 0, 0x71, 6, K_MMX), SHIFT_IMM("psllw xmm, imm", 0x66, 0x71, 6, K_XMM),
    SHIFT_IMM("psrld mm, imm", 0, 0x72, 2, K_MMX), SHIFT_IMM("psrld xmm, imm", 0x66, 0x72, 2, K_XMM),
    SHIFT_IMM("psrad mm, imm", 0, 0x72, 4, K_MMX), SHIFT_IMM("psrad xmm, imm", 0x66, 0x72, 4, K_XMM),
    SHIFT_IMM("pslld mm, imm", 0, 0x72, 6, K_MMX), SHIFT_IMM("pslld xmm, imm", 0x66, 0x72, 6, K_XMM),
    SHIFT_IMM("psrlq mm, imm", 0, 0x73, 2, K_MMX), SHIFT_IMM("psrlq xmm, imm", 0x66, 0x73, 2, K_XMM),
    SHIFT_IMM("psrldq xmm, imm", 0x66, 0x73, 3, K_XMM),
    SHIFT_IMM("psllq mm, imm", 0, 0x73, 6, K_MMX), SHIFT_IMM("psllq xmm, imm", 0x66, 0x73, 6, K_XMM),
    SHIFT_IMM("pslldq xmm, imm", 0x66, 0x73, 7, K_XMM),
    { "pshufw", ENC0F(0, 0x70), VAL_INT16, F_REG | F_MEM, 0, K_MMX, K_MMX, 1, 0, NONE },
    { "pshufd", ENC0F(0x66, 0x70), VAL_INT32, F_REG | F_MEM, 1, K_XMM, K_XMM, 1, 0, NONE },
    { "pshufhw", ENC0F(0xf3, 0x70), VAL_INT16, F_REG | F_MEM, 1, K_XMM, K_XMM, 1, 0, NONE },
    { "pshuflw", ENC0F(0xf2, 0x70), VAL_INT16, F_REG | F_MEM, 1, K_XMM, K_XMM, 1, 0, NONE },
    { "shufps", ENC0F(0, 0xc6), VAL_F32, F_REG | F_MEM, 1, K_XMM, K_XMM, 1, 0, NONE },
    { "shufpd", ENC0F(0x66, 0xc6), VAL_F64, F_REG | F_MEM, 1, K_XMM, K_XMM, 1, 0, NONE },
    /* inserts, extracts, masks: general registers and memory */
    { "pinsrw mm", ENC0F(0, 0xc4), VAL_INT16, F_REG | F_MEM, 0, K_MMX, K_GPR, 1, 1, NONE },
    { "pinsrw xmm", ENC0F(0x66, 0xc4), VAL_INT16, F_REG | F_MEM, 0, K_XMM, K_GPR, 1, 1, NONE },
    { "pextrw mm", ENC0F(0, 0xc5), VAL_INT16, F_REG, 0, K_GPR, K_MMX, 1, 1, NONE },
    { "pextrw xmm", ENC0F(0x66, 0xc5), VAL_INT16, F_REG, 0, K_GPR, K_XMM, 1, 1, NONE },
    { "pmovmskb mm", ENC0F(0, 0xd7), VAL_INT8, F_REG, 0, K_GPR, K_MMX, 0, 1, NONE },
    { "pmovmskb xmm", ENC0F(0x66, 0xd7), VAL_INT8, F_REG, 0, K_GPR, K_XMM, 0, 1, NONE },
    { "movmskps", ENC0F(0, 0x50), VAL_F32, F_REG, 0, K_GPR, K_XMM, 0, 1, NONE },
    { "movmskpd", ENC0F(0x66, 0x50), VAL_F64, F_REG, 0, K_GPR, K_XMM, 0, 1, NONE },
};

static void test_mmx_sse2(void)
{
    run_op_table(mmx_sse2, sizeof(mmx_sse2) / sizeof(mmx_sse2[0]), N);
    report_totals("MMX/SSE2 integer");
    g_assert_cmpint(failures, ==, 0);
}

static void test_ssse3(void)
{
    run_op_table(ssse3, sizeof(ssse3) / sizeof(ssse3[0]), N);
    report_totals("SSSE3");
    g_assert_cmpint(failures, ==, 0);
}

static void test_with_imm(void)
{
    run_op_table(with_imm, sizeof(with_imm) / sizeof(with_imm[0]), N);
    report_totals("shifts by imm8, shuffles, inserts/extracts, masks");
    g_assert_cmpint(failures, ==, 0);
}

/* Saturation boundaries exhaustively-ish: every byte pair from the edge set for the byte ops. */
static void test_saturation_edges(void)
{
    static const uint8_t edges[] = { 0x00, 0x01, 0x7e, 0x7f, 0x80, 0x81, 0xfe, 0xff };
    static const uint8_t ops[] = { 0xd8, 0xdc, 0xe8, 0xec, 0xf8, 0xfc, 0x63, 0x67, 0xe0, 0xda, 0xde };
    static SimdState st;
    for (size_t o = 0; o < sizeof(ops); o++) {
        for (unsigned i = 0; i < 8; i++) {
            simd_state_random(&st, VAL_INT8, false);
            for (unsigned j = 0; j < 16; j++) {
                st.fx[FX_XMM + 16 + j] = edges[i];
                st.fx[FX_XMM + 32 + j] = edges[(j + i) % 8];
                st.fx[FX_XMM + 16 + j] ^= (uint8_t)(j & 1 ? 0 : 0);
            }
            for (unsigned w = 0; w < 8; w++) {
                /* words: the byte pattern makes 0x7f7f, 0x8080, 0x0180... */
                st.fx[FX_XMM + 32 + 2 * w + 1] = edges[(w * 3 + i) % 8];
            }
            const Enc e = ENC0F(0x66, ops[o]);
            uint8_t code[16];
            size_t len = emit(code, &e, 1, 2, false, 0, false, -1);
            check_case("saturation", &st, code, len, -1);
            const Enc m = ENC0F(0, ops[o]);
            memcpy(st.fx + FX_ST + 16, st.fx + FX_XMM + 16, 8);
            memcpy(st.fx + FX_ST + 32, st.fx + FX_XMM + 32, 8);
            put16(st.fx + 2, 0);    /* TOP = 0: MM1/MM2 are the ST1/ST2 slots */
            len = emit(code, &m, 1, 2, false, 0, false, -1);
            check_case("saturation mm", &st, code, len, -1);
        }
    }
    report_totals("saturation edges");
    g_assert_cmpint(failures, ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/sse-int/mmx-sse2", test_mmx_sse2);
    g_test_add_func("/sse-int/ssse3", test_ssse3);
    g_test_add_func("/sse-int/imm-gpr", test_with_imm);
    g_test_add_func("/sse-int/saturation", test_saturation_edges);
    return g_test_run();
}
