/* Tests of cpu/x86/bitops.c: BT*, BSF/BSR, POPCNT/LZCNT/TZCNT, BSWAP, CRC32 against the host. */
#include "alu-oracle.h"

static const char *const bt_names[4] = { "BT", "BTS", "BTR", "BTC" };

/* 0F A3/AB/B3/BB: the bit-test opcode with a register offset, and /4-/7 of 0F BA with imm8. */
static const uint8_t bt_reg_opcode[4] = { 0xa3, 0xab, 0xb3, 0xbb };

/* A bit offset for a `size`-byte operand: the width's edges, small +-, or anything in range. */
static uint64_t bit_offset_value(unsigned size, int kind)
{
    int64_t width = 8 * size;
    switch (kind) {
    case 0: return 0;
    case 1: return (uint64_t)(width - 1);
    case 2: return (uint64_t)width;
    case 3: return (uint64_t)-1;
    case 4: return (uint64_t)-width;
    case 5: return (uint64_t)(int64_t)((int)(oracle_rand() % 0x7e00) - 0x3f00);   /* +-2 KiB */
    default: return oracle_value(size);   /* anywhere in the operand-size range */
    }
}

/*
 * BT* with a register bit offset on memory: the access is at EA + size *
 * (offset SAR log2(width)).  The base register is chosen so that this lands
 * in the data area, whatever the offset (64-bit addresses wrap), so large
 * positive and negative offsets are exercised on both sides.
 */
static void check_bt_reg_offset(int op, unsigned size, bool mem, bool lock, bool addr32)
{
    static uint8_t data[ORACLE_DATA_LEN];
    OracleCase c = { .mode = ORACLE_64 };
    Operands o;
    Asm a = { .n = 0 };
    oracle_random_state(&c, data);
    do {
        oracle_pick_operands(&o, size, -1, mem, &c, data);
    } while (mem && o.base == o.reg);
    uint64_t offset = bit_offset_value(size, (int)(oracle_rand() % 8));
    c.regs[o.reg] = (c.regs[o.reg] & ~x86_size_mask(size)) | (offset & x86_size_mask(size));
    if (mem) {
        int64_t unit = x86_sext(offset, size) >> __builtin_ctz(8 * size);
        uint64_t target = ORACLE_MEM_BASE + (oracle_rand() % 0x700) - 0x380;
        uint64_t base = target - (uint64_t)unit * size - (uint64_t)(int64_t)o.disp;
        c.regs[o.base] = addr32 ? (base & 0xffffffff) | (oracle_rand() << 32) : base;
        if (addr32) {
            asm_byte(&a, 0x67);
        }
    }
    uint8_t opcode[2] = { 0x0f, bt_reg_opcode[op] };
    asm_modrm_insn(&a, lock, size, &o, opcode, 2);
    c.code = a.b;
    c.len = a.n;
    oracle_check(&c, bt_names[op]);
}

static void check_bt_imm(int op, unsigned size, bool mem, bool lock)
{
    static uint8_t data[ORACLE_DATA_LEN];
    OracleCase c = { .mode = ORACLE_64 };
    Operands o;
    Asm a = { .n = 0 };
    oracle_random_state(&c, data);
    oracle_pick_operands(&o, size, 4 + op, mem, &c, data);
    static const uint8_t opcode[2] = { 0x0f, 0xba };
    asm_modrm_insn(&a, lock, size, &o, opcode, 2);
    asm_byte(&a, (uint8_t)oracle_rand());
    c.code = a.b;
    c.len = a.n;
    oracle_check(&c, bt_names[op]);
}

static void test_bit_test(void)
{
    int before = oracle_cases;
    oracle_seed(21);
    for (int n = 0; n < 160; n++) {
        for (int op = 0; op < 4; op++) {
            for (unsigned size = 2; size <= 8; size *= 2) {
                bool lock = op != 0 && (oracle_rand() & 1);
                check_bt_reg_offset(op, size, false, false, false);
                check_bt_reg_offset(op, size, true, lock, false);
                check_bt_imm(op, size, false, false);
                check_bt_imm(op, size, true, lock);
            }
            if (n % 8 == 0) {
                check_bt_reg_offset(op, 4, true, false, true);
            }
        }
    }
    oracle_assert_all_passed("BT/BTS/BTR/BTC", before);
}

/* 32-bit mode: BT* with negative and large register offsets into memory (addresses wrap at 4 GiB). */
static void test_bit_test_32(void)
{
    int before = oracle_cases;
    oracle_seed(22);
    for (int n = 0; n < 200; n++) {
        int op = (int)(oracle_rand() % 4);
        bool word = oracle_rand() & 1;
        unsigned size = word ? 2 : 4;
        uint64_t offset = bit_offset_value(size, (int)(oracle_rand() % 8)) & x86_size_mask(size);
        int64_t unit = x86_sext(offset, size) >> (word ? 4 : 5);
        uint64_t target = ORACLE_MEM_BASE + (oracle_rand() % 0x700) - 0x380;
        /* [66] 0F op /r with ModRM 0x13: [ebx], edx */
        uint8_t code[4];
        size_t len = 0;
        if (word) {
            code[len++] = 0x66;
        }
        code[len++] = 0x0f;
        code[len++] = bt_reg_opcode[op];
        code[len++] = 0x13;
        OracleCase c = { .mode = ORACLE_32, .code = code, .len = len, .expect_vector = -1 };
        static uint8_t data[ORACLE_DATA_LEN];
        oracle_random_state(&c, data);
        for (int i = 0; i < 16; i++) {
            c.regs[i] &= 0xffffffff;
        }
        c.regs[R_EDX] = (c.regs[R_EDX] & ~x86_size_mask(size)) | offset;
        c.regs[R_EBX] = (target - (uint64_t)unit * size) & 0xffffffff;
        oracle_check(&c, bt_names[op]);
    }
    oracle_assert_all_passed("BT* in 32-bit mode", before);
}

/*
 * Real mode: BT* [BX], DX|EDX with 16-bit addressing, where EA + offset/8
 * wraps at 64 KiB, against 67h-prefixed forms in a 64 KiB host segment.
 */
static void test_bit_test_real_mode(void)
{
    int before = oracle_cases;
    oracle_seed(28);
    static uint8_t data[ORACLE_DATA_LEN];
    for (int n = 0; n < 400; n++) {
        int op = (int)(oracle_rand() % 4);
        bool dword = oracle_rand() & 1;
        uint8_t real[4], host[5];
        size_t real_len = 0, host_len = 0;
        if (dword) {
            real[real_len++] = 0x66;
        } else {
            host[host_len++] = 0x66;
        }
        host[host_len++] = 0x67;
        real[real_len++] = host[host_len++] = 0x0f;
        real[real_len++] = host[host_len++] = bt_reg_opcode[op];
        real[real_len++] = host[host_len++] = 0x17;   /* [bx], (e)dx */
        OracleCase c = { .mode = ORACLE_16, .code = real, .len = real_len, .native_code = host,
                         .native_len = host_len };
        oracle_random_state(&c, data);
        for (int i = 0; i < 16; i++) {
            c.regs[i] &= 0xffffffff;
        }
        unsigned size = dword ? 4 : 2;
        c.regs[R_EBX] = oracle_rand() & 1 ? oracle_rand() % ORACLE_DATA_LEN : oracle_rand() & 0xffff;
        c.regs[R_EDX] = bit_offset_value(size, (int)(oracle_rand() % 8)) & 0xffffffff;
        oracle_check(&c, bt_names[op]);
    }
    oracle_assert_all_passed("BT* in real mode", before);
}

/* BSF BSR (0F BC/BD), POPCNT LZCNT TZCNT (F3 0F B8/BD/BC): Gv, Ev with zero sources often. */
static void check_scan(uint8_t prefix, uint8_t opcode2, unsigned size, bool mem, const char *what)
{
    static uint8_t data[ORACLE_DATA_LEN];
    OracleCase c = { .mode = ORACLE_64 };
    Operands o;
    Asm a = { .n = 0 };
    oracle_random_state(&c, data);
    oracle_pick_operands(&o, size, -1, mem, &c, data);
    if (oracle_rand() % 4 == 0) {
        if (mem) {
            memset(data + (ORACLE_MEM_BASE - FIXTURE_DATA) + o.disp, 0, size);
        } else {
            c.regs[o.rm] &= ~x86_size_mask(size);
        }
    }
    if (prefix) {
        asm_byte(&a, prefix);
    }
    uint8_t opcode[2] = { 0x0f, opcode2 };
    asm_modrm_insn(&a, false, size, &o, opcode, 2);
    c.code = a.b;
    c.len = a.n;
    oracle_check(&c, what);
}

static void test_scans(void)
{
    int before = oracle_cases;
    oracle_seed(23);
    bool popcnt = oracle_host_has(1, 2, 23), lzcnt = oracle_host_has(0x80000001, 2, 5);
    bool tzcnt = oracle_host_has(7, 1, 3);
    for (int n = 0; n < 200; n++) {
        for (unsigned size = 2; size <= 8; size *= 2) {
            for (int mem = 0; mem < 2; mem++) {
                check_scan(0, 0xbc, size, mem, "BSF");
                check_scan(0, 0xbd, size, mem, "BSR");
                if (popcnt) {
                    check_scan(0xf3, 0xb8, size, mem, "POPCNT");
                }
                if (lzcnt) {
                    check_scan(0xf3, 0xbd, size, mem, "LZCNT");
                }
                if (tzcnt) {
                    check_scan(0xf3, 0xbc, size, mem, "TZCNT");
                }
            }
        }
    }
    if (!popcnt || !lzcnt || !tzcnt) {
        g_test_message("host lacks POPCNT, LZCNT or TZCNT: those cases skipped");
    }
    oracle_assert_all_passed("BSF/BSR/POPCNT/LZCNT/TZCNT", before);
}

/* A guest CPU without POPCNT raises #UD; without LZCNT/TZCNT, F3 0F BD/BC are BSR/BSF. */
static void test_scans_without_features(void)
{
    int before = oracle_cases;
    oracle_seed(24);
    static uint8_t data[ORACLE_DATA_LEN];
    for (int n = 0; n < 200; n++) {
        unsigned size = 2u << (oracle_rand() % 3);
        unsigned rex = size == 8 ? 0x48 : 0x40;
        uint8_t modrm = (uint8_t)(0xc0 | (oracle_rand() % 4) << 3 | (oracle_rand() % 4));
        for (int k = 0; k < 2; k++) {
            /* F3 [66|REX] 0F BD|BC /r on the guest; 3E [66|REX] 0F BD|BC /r (BSR/BSF) on the host */
            uint8_t guest[6], host[6];
            size_t len = 0;
            guest[len] = 0xf3;
            host[len++] = 0x3e;
            if (size == 2) {
                guest[len] = host[len] = 0x66;
                len++;
            }
            guest[len] = host[len] = (uint8_t)rex;
            len++;
            guest[len] = host[len] = 0x0f;
            len++;
            guest[len] = host[len] = k ? 0xbc : 0xbd;
            len++;
            guest[len] = host[len] = modrm;
            len++;
            OracleCase c = { .mode = ORACLE_64, .code = guest, .len = len, .native_code = host,
                             .native_len = len, .cpuid_bare = true };
            oracle_random_state(&c, data);
            if (n % 4 == 0) {
                c.regs[modrm & 7] = 0;
            }
            oracle_check(&c, k ? "TZCNT without BMI1 = BSF" : "LZCNT without LZCNT = BSR");
        }
        uint8_t popcnt[4] = { 0xf3, 0x0f, 0xb8, modrm };
        OracleCase c = { .mode = ORACLE_64, .code = popcnt, .len = 4, .cpuid_bare = true,
                         .rflags = X86_FLAG_FIXED };
        g_assert_cmpint(oracle_fixture_vector(&c, NULL), ==, X86_EXC_UD);
    }
    oracle_assert_all_passed("scans without the CPUID features", before);
}

/* BSWAP r32/r64 (0F C8+r, REX.B, REX.W) and the undefined 66-prefixed form. */
static void test_bswap(void)
{
    int before = oracle_cases;
    oracle_seed(25);
    static uint8_t data[ORACLE_DATA_LEN];
    for (int n = 0; n < 40; n++) {
        for (unsigned r = 0; r < 16; r++) {
            if (r == R_ESP) {
                continue;
            }
            for (unsigned size = 2; size <= 8; size *= 2) {
                uint8_t code[4];
                size_t len = 0;
                if (size == 2) {
                    code[len++] = 0x66;
                }
                if (size == 8 || r >= 8) {
                    code[len++] = (uint8_t)(0x40 | (size == 8 ? 8 : 0) | (r >= 8 ? 1 : 0));
                }
                code[len++] = 0x0f;
                code[len++] = (uint8_t)(0xc8 + (r & 7));
                OracleCase c = { .mode = ORACLE_64, .code = code, .len = len };
                oracle_random_state(&c, data);
                oracle_check(&c, "BSWAP");
            }
        }
    }
    oracle_assert_all_passed("BSWAP", before);
}

/* CRC32: F2 0F 38 F0 (Gy, Eb), F2 0F 38 F1 (Gy, Ev): 8/16/32/64-bit sources, 32/64-bit destinations. */
static void test_crc32(void)
{
    int before = oracle_cases;
    oracle_seed(26);
    if (!oracle_host_has(1, 2, 20)) {
        g_test_skip("host has no SSE4.2");
        return;
    }
    static uint8_t data[ORACLE_DATA_LEN];
    static const uint8_t f0[3] = { 0x0f, 0x38, 0xf0 }, f1[3] = { 0x0f, 0x38, 0xf1 };
    for (int n = 0; n < 150; n++) {
        for (int form = 0; form < 5; form++) {
            for (int mem = 0; mem < 2; mem++) {
                /* form: 0 r32,rm8  1 r64,rm8  2 r32,rm16  3 r32,rm32  4 r64,rm64 */
                static const unsigned src_size[5] = { 1, 1, 2, 4, 8 };
                OracleCase c = { .mode = ORACLE_64 };
                Operands o;
                Asm a = { .n = 0 };
                oracle_random_state(&c, data);
                oracle_pick_operands(&o, src_size[form], -1, mem, &c, data);
                if (form == 2) {
                    asm_byte(&a, 0x66);
                }
                asm_byte(&a, 0xf2);
                unsigned rmreg = mem ? o.base : o.rm;
                bool w = form == 1 || form == 4;
                unsigned rex = (w ? 8 : 0) | (o.reg >= 8 ? 4 : 0) | (rmreg >= 8 ? 1 : 0);
                if (rex || o.rex) {
                    asm_byte(&a, (uint8_t)(0x40 | rex));
                }
                const uint8_t *opc = form < 2 ? f0 : f1;
                for (int i = 0; i < 3; i++) {
                    asm_byte(&a, opc[i]);
                }
                if (o.reg == R_ESP) {
                    o.reg = R_EAX;
                }
                asm_byte(&a, (uint8_t)((mem ? 0x40 : 0xc0) | (o.reg & 7) << 3 | (rmreg & 7)));
                if (mem) {
                    asm_byte(&a, (uint8_t)o.disp);
                }
                c.code = a.b;
                c.len = a.n;
                oracle_check(&c, "CRC32");
                if (n == 0 && !mem) {
                    c.cpuid_bare = true;
                    g_assert_cmpint(oracle_fixture_vector(&c, NULL), ==, X86_EXC_UD);
                }
            }
        }
    }
    oracle_assert_all_passed("CRC32", before);
}

/* BTS on a read-only page faults (#PF) untouched; BT only reads it; a far bit offset reaching a
 * non-canonical address is #GP. */
static void test_faults(void)
{
    int before = oracle_cases;
    oracle_seed(27);
    static uint8_t data[ORACLE_DATA_LEN];
    for (int op = 0; op < 4; op++) {
        uint8_t code[3] = { 0x0f, bt_reg_opcode[op], 0x13 };   /* op [rbx], edx */
        OracleCase c = { .mode = ORACLE_64, .code = code, .len = 3 };
        oracle_random_state(&c, data);
        c.regs[R_EBX] = ORACLE_RO_PAGE;
        c.regs[R_EDX] = 8 * 0x100 + 3;
        c.expect_vector = op == 0 ? -1 : X86_EXC_PF;
        oracle_check(&c, "BT* on a read-only page");
        c.regs[R_EBX] = 0x7ffffffffff0ull;
        uint8_t wide[4] = { 0x48, 0x0f, bt_reg_opcode[op], 0x13 };
        c.code = wide;
        c.len = 4;
        c.regs[R_EDX] = 0x7fffffffffffffffull;
        c.expect_vector = X86_EXC_GP;
        oracle_check(&c, "BT* offset to a non-canonical address");
    }
    oracle_assert_all_passed("faults", before);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/bitops/bit-test", test_bit_test);
    g_test_add_func("/bitops/bit-test-32", test_bit_test_32);
    g_test_add_func("/bitops/bit-test-real-mode", test_bit_test_real_mode);
    g_test_add_func("/bitops/scans", test_scans);
    g_test_add_func("/bitops/scans-without-features", test_scans_without_features);
    g_test_add_func("/bitops/bswap", test_bswap);
    g_test_add_func("/bitops/crc32", test_crc32);
    g_test_add_func("/bitops/faults", test_faults);
    return g_test_run();
}
