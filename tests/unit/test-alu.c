/* Tests of cpu/x86/alu.c: integer arithmetic, logic, flag control, CBW/CWD, BCD, ADCX/ADOX against the host. */
#include "alu-oracle.h"

#define CASES_PER_FORM 24

static const char *const alu_names[8] = { "ADD", "OR", "ADC", "SBB", "AND", "SUB", "XOR", "CMP" };

static unsigned pick_size(void)
{
    static const unsigned sizes[3] = { 2, 4, 8 };
    return sizes[oracle_rand() % 3];
}

/* One ModRM-form case: opcode bytes, /ext or register, size, memory or not, LOCK, immediate bytes. */
static void check_modrm(const char *what, const uint8_t *opcode, size_t opcode_len, int ext,
                        unsigned size, bool mem, bool lock, unsigned imm_bytes)
{
    static uint8_t data[ORACLE_DATA_LEN];
    OracleCase c = { .mode = ORACLE_64 };
    Operands o;
    Asm a = { .n = 0 };
    oracle_random_state(&c, data);
    oracle_pick_operands(&o, size, ext, mem, &c, data);
    asm_modrm_insn(&a, lock, size, &o, opcode, opcode_len);
    asm_bytes(&a, oracle_value(imm_bytes ? imm_bytes : 1), imm_bytes);
    c.code = a.b;
    c.len = a.n;
    oracle_check(&c, what);
}

/* An instruction with no ModRM: prefix bytes + opcode + immediate, random state. */
static void check_plain(const char *what, OracleMode mode, const uint8_t *code, size_t len)
{
    static uint8_t data[ORACLE_DATA_LEN];
    OracleCase c = { .mode = mode };
    oracle_random_state(&c, data);
    if (mode != ORACLE_64) {
        for (int i = 0; i < 16; i++) {
            c.regs[i] &= 0xffffffff;
        }
    }
    c.code = code;
    c.len = len;
    oracle_check(&c, what);
}

/* ADD..CMP: 00-05 style, 80, 81, 83; registers, memory, LOCK on memory. */
static void test_binary_forms(void)
{
    int before = oracle_cases;
    oracle_seed(1);
    for (int op = 0; op < 8; op++) {
        const char *name = alu_names[op];
        uint8_t base = (uint8_t)(op * 8);
        for (int n = 0; n < CASES_PER_FORM; n++) {
            for (int mem = 0; mem < 2; mem++) {
                bool lock = mem && op != 7 && (oracle_rand() & 1);
                unsigned size = pick_size();
                uint8_t opc;
                opc = base + 0; check_modrm(name, &opc, 1, -1, 1, mem, lock, 0);
                opc = base + 1; check_modrm(name, &opc, 1, -1, size, mem, lock, 0);
                opc = base + 2; check_modrm(name, &opc, 1, -1, 1, mem, false, 0);
                opc = base + 3; check_modrm(name, &opc, 1, -1, size, mem, false, 0);
                opc = 0x80; check_modrm(name, &opc, 1, op, 1, mem, lock, 1);
                opc = 0x81; check_modrm(name, &opc, 1, op, size, mem, lock, size == 2 ? 2 : 4);
                opc = 0x83; check_modrm(name, &opc, 1, op, size, mem, lock, 1);
            }
            /* AL, Ib and rAX, Iz */
            uint8_t code[8];
            uint64_t imm = oracle_value(4);
            code[0] = base + 4;
            code[1] = (uint8_t)imm;
            check_plain(name, ORACLE_64, code, 2);
            unsigned size = pick_size();
            size_t len = 0;
            if (size == 2) {
                code[len++] = 0x66;
            } else if (size == 8) {
                code[len++] = 0x48;
            }
            code[len++] = base + 5;
            memcpy(code + len, &imm, size == 2 ? 2 : 4);
            len += size == 2 ? 2 : 4;
            check_plain(name, ORACLE_64, code, len);
        }
    }
    oracle_assert_all_passed("ADD..CMP forms", before);
}

/* Every flag input that matters to ADC/SBB, and the carry boundaries, at every size. */
static void test_carry_edges(void)
{
    int before = oracle_cases;
    static const uint64_t edges[] = { 0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff,
                                      0x80000000, 0xffffffff, 0x7fffffffffffffffull,
                                      0x8000000000000000ull, 0xffffffffffffffffull };
    const size_t nedges = sizeof(edges) / sizeof(edges[0]);
    for (int op = 0; op < 8; op++) {
        for (unsigned size = 1; size <= 8; size *= 2) {
            for (size_t i = 0; i < nedges; i++) {
                for (size_t j = 0; j < nedges; j++) {
                    for (int cf = 0; cf < 2; cf++) {
                        /* op rcx/ecx/cx/cl, rdx */
                        uint8_t code[4];
                        size_t len = 0;
                        if (size == 2) {
                            code[len++] = 0x66;
                        } else if (size == 8) {
                            code[len++] = 0x48;
                        }
                        code[len++] = (uint8_t)(op * 8 + (size == 1 ? 0 : 1));
                        code[len++] = 0xd1;   /* ModRM: reg = rdx, rm = rcx */
                        OracleCase c = { .mode = ORACLE_64, .code = code, .len = len,
                                         .expect_vector = -1 };
                        c.regs[R_ECX] = edges[i];
                        c.regs[R_EDX] = edges[j];
                        c.rflags = (cf ? X86_FLAG_CF : 0) | X86_FLAG_FIXED |
                                   (i & 1 ? X86_FLAG_AF | X86_FLAG_OF : X86_FLAG_ZF);
                        oracle_check(&c, alu_names[op]);
                    }
                }
            }
        }
    }
    oracle_assert_all_passed("ADD..CMP carry edges", before);
}

/* TEST: 84, 85, A8, A9, F6 /0 /1, F7 /0 /1. */
static void test_test_forms(void)
{
    int before = oracle_cases;
    oracle_seed(2);
    for (int n = 0; n < 4 * CASES_PER_FORM; n++) {
        for (int mem = 0; mem < 2; mem++) {
            unsigned size = pick_size();
            uint8_t opc;
            opc = 0x84; check_modrm("TEST", &opc, 1, -1, 1, mem, false, 0);
            opc = 0x85; check_modrm("TEST", &opc, 1, -1, size, mem, false, 0);
            opc = 0xf6; check_modrm("TEST", &opc, 1, (int)(n & 1), 1, mem, false, 1);
            opc = 0xf7; check_modrm("TEST", &opc, 1, (int)(n & 1), size, mem, false,
                                    size == 2 ? 2 : 4);
        }
        uint8_t code[8] = { 0xa8, (uint8_t)oracle_rand() };
        check_plain("TEST AL", ORACLE_64, code, 2);
        uint8_t code2[8] = { 0x48, 0xa9 };
        uint32_t imm = (uint32_t)oracle_value(4);
        memcpy(code2 + 2, &imm, 4);
        check_plain("TEST RAX", ORACLE_64, code2, 6);
        check_plain("TEST EAX", ORACLE_64, code2 + 1, 5);
        uint8_t code3[4] = { 0x66, 0xa9, (uint8_t)imm, (uint8_t)(imm >> 8) };
        check_plain("TEST AX", ORACLE_64, code3, 4);
    }
    oracle_assert_all_passed("TEST forms", before);
}

/* INC, DEC (FE/FF /0 /1), NOT, NEG (F6/F7 /2 /3), registers, memory, LOCK. */
static void test_unary_forms(void)
{
    int before = oracle_cases;
    oracle_seed(3);
    static const char *const names[4] = { "INC", "DEC", "NOT", "NEG" };
    for (int n = 0; n < 4 * CASES_PER_FORM; n++) {
        for (int k = 0; k < 4; k++) {
            int ext = k;
            uint8_t byte_op = k < 2 ? 0xfe : 0xf6;
            uint8_t word_op = k < 2 ? 0xff : 0xf7;
            for (int mem = 0; mem < 2; mem++) {
                bool lock = mem && (oracle_rand() & 1);
                check_modrm(names[k], &byte_op, 1, ext, 1, mem, lock, 0);
                check_modrm(names[k], &word_op, 1, ext, pick_size(), mem, lock, 0);
            }
        }
    }
    oracle_assert_all_passed("INC/DEC/NOT/NEG forms", before);
}

/* 32-bit mode: INC/DEC r (40-4F), the 82 alias of 80, and 16-bit forms, against compatibility mode. */
static void test_legacy_32(void)
{
    int before = oracle_cases;
    oracle_seed(4);
    for (int n = 0; n < 8; n++) {
        for (unsigned opc = 0x40; opc < 0x50; opc++) {
            if ((opc & 7) == R_ESP) {
                continue;
            }
            uint8_t code[2] = { (uint8_t)opc };
            check_plain("INC/DEC r32", ORACLE_32, code, 1);
            uint8_t code16[2] = { 0x66, (uint8_t)opc };
            check_plain("INC/DEC r16", ORACLE_32, code16, 2);
        }
        for (int op = 0; op < 8; op++) {
            /* 82 /op cl, ib ; 66 01 /r ; 01 /r */
            uint8_t code[3] = { 0x82, (uint8_t)(0xc1 | op << 3), (uint8_t)oracle_rand() };
            check_plain("82 group", ORACLE_32, code, 3);
            uint8_t code16[3] = { 0x66, (uint8_t)(op * 8 + 1), 0xd1 };
            check_plain("ALU r16", ORACLE_32, code16, 3);
            check_plain("ALU r32", ORACLE_32, code16 + 1, 2);
        }
    }
    oracle_assert_all_passed("32-bit forms", before);
}

/* A memory destination that faults: read-only page (#PF), non-canonical address (#GP); state untouched. */
static void test_faults(void)
{
    int before = oracle_cases;
    oracle_seed(5);
    static uint8_t data[ORACLE_DATA_LEN];
    for (int op = 0; op < 8; op++) {
        for (int lock = 0; lock < 2; lock++) {
            /* [lock] op dword [rbx], ecx with rbx in the read-only page */
            uint8_t code[3] = { 0xf0, (uint8_t)(op * 8 + 1), 0x0b };
            OracleCase c = { .mode = ORACLE_64 };
            oracle_random_state(&c, data);
            c.regs[R_EBX] = ORACLE_RO_PAGE + 0x10;
            c.code = lock ? code : code + 1;
            c.len = lock ? 3 : 2;
            c.expect_vector = op == 7 ? -1 : X86_EXC_PF;   /* CMP only reads */
            if (op == 7 && lock) {
                continue;   /* LOCK CMP is #UD: the decoder's business */
            }
            oracle_check(&c, "RMW on a read-only page");
            c.regs[R_EBX] = 0x8000000000000000ull;
            c.expect_vector = X86_EXC_GP;
            oracle_check(&c, "non-canonical address");
        }
    }
    /* INC/NEG on the read-only page, TEST reads it. */
    static const uint8_t rmw[][2] = { { 0xff, 0x03 }, { 0xf7, 0x1b }, { 0xf7, 0x13 }, { 0xfe, 0x0b } };
    for (size_t i = 0; i < 4; i++) {
        OracleCase c = { .mode = ORACLE_64 };
        oracle_random_state(&c, data);
        c.regs[R_EBX] = ORACLE_RO_PAGE + 0x20;
        c.code = rmw[i];
        c.len = 2;
        c.expect_vector = X86_EXC_PF;
        oracle_check(&c, "unary RMW on a read-only page");
    }
    static const uint8_t test_mem[] = { 0x85, 0x0b };
    OracleCase c = { .mode = ORACLE_64 };
    oracle_random_state(&c, data);
    c.regs[R_EBX] = ORACLE_RO_PAGE + 0x30;
    c.code = test_mem;
    c.len = 2;
    oracle_check(&c, "TEST reads a read-only page");
    oracle_assert_all_passed("faults", before);
}

/* CMC CLC STC CLD STD, CBW/CWDE/CDQE, CWD/CDQ/CQO, LAHF, SAHF. */
static void test_flag_and_sign_ops(void)
{
    int before = oracle_cases;
    oracle_seed(6);
    static const uint8_t ops[][2] = {
        { 0xf5 }, { 0xf8 }, { 0xf9 }, { 0xfc }, { 0xfd }, { 0x9f }, { 0x9e },
        { 0x98 }, { 0x66, 0x98 }, { 0x48, 0x98 }, { 0x99 }, { 0x66, 0x99 }, { 0x48, 0x99 },
    };
    static const size_t lens[] = { 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 1, 2, 2 };
    for (int n = 0; n < 64; n++) {
        for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
            static uint8_t data[ORACLE_DATA_LEN];
            OracleCase c = { .mode = ORACLE_64, .code = ops[i], .len = lens[i] };
            oracle_random_state(&c, data);
            c.rflags |= oracle_rand() & X86_FLAG_DF;
            oracle_check(&c, "flag/sign op");
            c.mode = ORACLE_32;
            for (int r = 0; r < 16; r++) {
                c.regs[r] &= 0xffffffff;
            }
            if (ops[i][0] != 0x48) {
                oracle_check(&c, "flag/sign op, 32-bit");
            }
        }
    }
    /* LAHF/SAHF in 64-bit mode need CPUID.80000001H:ECX[0]: without it, #UD. */
    for (int i = 0; i < 2; i++) {
        OracleCase c = { .mode = ORACLE_64, .code = &ops[5 + i][0], .len = 1,
                         .cpuid_bare = true, .rflags = X86_FLAG_FIXED };
        g_assert_cmpint(oracle_fixture_vector(&c, NULL), ==, X86_EXC_UD);
        c.mode = ORACLE_32;
        g_assert_cmpint(oracle_fixture_vector(&c, NULL), ==, -1);
    }
    oracle_assert_all_passed("flag and sign-extension ops", before);
}

/* DAA DAS AAA AAS over every AL, AF and CF; AAM/AAD with several bases; SALC.  32-bit mode. */
static void test_bcd(void)
{
    int before = oracle_cases;
    oracle_seed(7);
    uint64_t undefined_daa = 0, undefined_aaa = 0, undefined_aam = 0;
    if (!oracle_host_is_amd()) {
        /* The C model reproduces this AMD host's choices; elsewhere compare what the SDM defines. */
        undefined_daa = X86_FLAG_OF;
        undefined_aaa = X86_FLAG_OF | X86_FLAG_SF | X86_FLAG_ZF | X86_FLAG_PF;
        undefined_aam = X86_FLAG_OF | X86_FLAG_AF | X86_FLAG_CF;
        g_test_message("host is not AMD: BCD undefined flags not compared");
    }
    static const uint8_t adjust[4] = { 0x27, 0x2f, 0x37, 0x3f };
    for (int k = 0; k < 4; k++) {
        for (unsigned al = 0; al < 256; al++) {
            for (unsigned fl = 0; fl < 4; fl++) {
                OracleCase c = { .mode = ORACLE_32, .code = &adjust[k], .len = 1,
                                 .expect_vector = -1 };
                c.regs[R_EAX] = (oracle_rand() & 0xffff0000) | (oracle_rand() & 0xff00) | al;
                c.rflags = oracle_flags() & ~(uint64_t)(X86_FLAG_AF | X86_FLAG_CF);
                c.rflags |= (fl & 1 ? X86_FLAG_CF : 0) | (fl & 2 ? X86_FLAG_AF : 0);
                c.undefined_flags = k < 2 ? undefined_daa : undefined_aaa;
                oracle_check(&c, "DAA/DAS/AAA/AAS");
            }
        }
    }
    static const uint8_t bases[] = { 10, 16, 1, 2, 7, 0x80, 0xff, 0 };
    for (size_t b = 0; b < sizeof(bases); b++) {
        for (int n = 0; n < 96; n++) {
            uint8_t aam[2] = { 0xd4, bases[b] }, aad[2] = { 0xd5, bases[b] };
            OracleCase c = { .mode = ORACLE_32, .len = 2, .expect_vector = -1 };
            c.regs[R_EAX] = oracle_rand() & 0xffffffff;
            c.rflags = oracle_flags();
            c.code = aam;
            c.undefined_flags = undefined_aam;
            if (bases[b] == 0) {
                c.expect_vector = X86_EXC_DE;
            }
            oracle_check(&c, "AAM");
            c.code = aad;
            c.expect_vector = -1;
            c.undefined_flags = undefined_aam;
            oracle_check(&c, "AAD");
        }
    }
    for (int n = 0; n < 16; n++) {
        static const uint8_t salc = 0xd6;
        check_plain("SALC", ORACLE_32, &salc, 1);
    }
    /* None of them exists in 64-bit mode: #UD on both sides. */
    static const uint8_t invalid64[][2] = { { 0x27 }, { 0x2f }, { 0x37 }, { 0x3f }, { 0xd4, 0x0a },
                                            { 0xd5, 0x0a }, { 0xd6 } };
    for (size_t i = 0; i < sizeof(invalid64) / sizeof(invalid64[0]); i++) {
        OracleCase c = { .mode = ORACLE_64, .code = invalid64[i], .len = invalid64[i][1] ? 2 : 1,
                         .expect_vector = X86_EXC_UD, .rflags = X86_FLAG_FIXED };
        oracle_check(&c, "BCD in 64-bit mode");
    }
    oracle_assert_all_passed("BCD", before);
}

/* Real mode: BCD and 16-bit arithmetic against their 32-bit-mode equivalents on the host. */
static void test_real_mode(void)
{
    int before = oracle_cases;
    oracle_seed(8);
    static const struct {
        uint8_t real[4], native[4];
        size_t real_len, native_len;
    } forms[] = {
        { { 0x27 }, { 0x27 }, 1, 1 },                           /* DAA */
        { { 0x2f }, { 0x2f }, 1, 1 },                           /* DAS */
        { { 0x37 }, { 0x37 }, 1, 1 },                           /* AAA */
        { { 0x3f }, { 0x3f }, 1, 1 },                           /* AAS */
        { { 0xd4, 0x0a }, { 0xd4, 0x0a }, 2, 2 },               /* AAM */
        { { 0xd5, 0x0a }, { 0xd5, 0x0a }, 2, 2 },               /* AAD */
        { { 0x01, 0xd8 }, { 0x66, 0x01, 0xd8 }, 2, 3 },         /* ADD AX, BX */
        { { 0x19, 0xd8 }, { 0x66, 0x19, 0xd8 }, 2, 3 },         /* SBB AX, BX */
        { { 0x66, 0x11, 0xd8 }, { 0x11, 0xd8 }, 3, 2 },         /* ADC EAX, EBX */
        { { 0x98 }, { 0x66, 0x98 }, 1, 2 },                     /* CBW */
        { { 0x99 }, { 0x66, 0x99 }, 1, 2 },                     /* CWD */
        { { 0x66, 0x99 }, { 0x99 }, 2, 1 },                     /* CDQ */
        { { 0x40 }, { 0x66, 0x40 }, 1, 2 },                     /* INC AX */
        { { 0x4b }, { 0x66, 0x4b }, 1, 2 },                     /* DEC BX */
        { { 0xf7, 0xd8 }, { 0x66, 0xf7, 0xd8 }, 2, 3 },         /* NEG AX */
    };
    for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
        for (int n = 0; n < 64; n++) {
            OracleCase c = { .mode = ORACLE_16, .code = forms[i].real, .len = forms[i].real_len,
                             .native_code = forms[i].native, .native_len = forms[i].native_len,
                             .expect_vector = -1 };
            c.regs[R_EAX] = oracle_value(4);
            c.regs[R_EBX] = oracle_value(4);
            c.regs[R_EDX] = oracle_value(4);
            c.rflags = oracle_flags();
            if (!oracle_host_is_amd() && i < 6) {
                c.undefined_flags = X86_ARITH_FLAGS & ~(uint64_t)(X86_FLAG_CF | X86_FLAG_AF);
            }
            oracle_check(&c, "real mode");
        }
    }
    oracle_assert_all_passed("real mode", before);
}

/* ADCX (66 0F 38 F6) and ADOX (F3 0F 38 F6): 32/64-bit, register and memory; #UD without ADX. */
static void test_adx(void)
{
    int before = oracle_cases;
    oracle_seed(9);
    if (!oracle_host_has(7, 1, 19)) {
        g_test_skip("host has no ADX");
        return;
    }
    for (int n = 0; n < 8 * CASES_PER_FORM; n++) {
        for (int ox = 0; ox < 2; ox++) {
            static uint8_t data[ORACLE_DATA_LEN];
            OracleCase c = { .mode = ORACLE_64 };
            Operands o;
            Asm a = { .n = 0 };
            unsigned size = oracle_rand() & 1 ? 8 : 4;
            bool mem = oracle_rand() & 1;
            oracle_random_state(&c, data);
            oracle_pick_operands(&o, size, -1, mem, &c, data);
            asm_byte(&a, ox ? 0xf3 : 0x66);
            static const uint8_t opcode[3] = { 0x0f, 0x38, 0xf6 };
            asm_modrm_insn(&a, false, size, &o, opcode, 3);
            c.code = a.b;
            c.len = a.n;
            oracle_check(&c, ox ? "ADOX" : "ADCX");
            if (n == 0) {
                c.cpuid_bare = true;
                g_assert_cmpint(oracle_fixture_vector(&c, NULL), ==, X86_EXC_UD);
            }
        }
    }
    oracle_assert_all_passed("ADCX/ADOX", before);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/alu/binary-forms", test_binary_forms);
    g_test_add_func("/alu/carry-edges", test_carry_edges);
    g_test_add_func("/alu/test-forms", test_test_forms);
    g_test_add_func("/alu/unary-forms", test_unary_forms);
    g_test_add_func("/alu/legacy-32", test_legacy_32);
    g_test_add_func("/alu/faults", test_faults);
    g_test_add_func("/alu/flag-and-sign-ops", test_flag_and_sign_ops);
    g_test_add_func("/alu/bcd", test_bcd);
    g_test_add_func("/alu/real-mode", test_real_mode);
    g_test_add_func("/alu/adx", test_adx);
    return g_test_run();
}
