/* Tests of cpu/x86/shift.c: every shift and rotate at every count, against the host. */
#include "alu-oracle.h"

static const char *const group2_names[8] = { "ROL", "ROR", "RCL", "RCR", "SHL", "SHR", "SAL(/6)",
                                             "SAR" };

typedef enum { COUNT_ONE, COUNT_CL, COUNT_IB } CountForm;

/*
 * One case: group-2 /op, operand size, register or memory, count form and
 * count (for COUNT_CL the count goes in CL, which is never the base
 * register; when the destination is RCX itself, the count is shifted).
 */
static void check_group2(int op, unsigned size, bool mem, CountForm form, uint8_t count)
{
    static uint8_t data[ORACLE_DATA_LEN];
    OracleCase c = { .mode = ORACLE_64 };
    Operands o;
    Asm a = { .n = 0 };
    oracle_random_state(&c, data);
    do {
        oracle_pick_operands(&o, size, op, mem, &c, data);
    } while (mem && o.base == R_ECX);
    uint8_t opcode;
    switch (form) {
    case COUNT_ONE: opcode = size == 1 ? 0xd0 : 0xd1; break;
    case COUNT_CL: opcode = size == 1 ? 0xd2 : 0xd3; break;
    default: opcode = size == 1 ? 0xc0 : 0xc1; break;
    }
    asm_modrm_insn(&a, false, size, &o, &opcode, 1);
    if (form == COUNT_IB) {
        asm_byte(&a, count);
    }
    if (form == COUNT_CL) {
        c.regs[R_ECX] = (c.regs[R_ECX] & ~0xffull) | count;
    }
    c.code = a.b;
    c.len = a.n;
    oracle_check(&c, group2_names[op]);
}

/* Counts 0-72 (every masking boundary for every width) and some large ones. */
static const uint8_t extra_counts[] = { 0x7f, 0x80, 0x81, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xe0, 0xff };

static void test_group2_counts(void)
{
    int before = oracle_cases;
    oracle_seed(11);
    for (int op = 0; op < 8; op++) {
        for (unsigned size = 1; size <= 8; size *= 2) {
            for (int mem = 0; mem < 2; mem++) {
                for (unsigned count = 0; count <= 72; count++) {
                    check_group2(op, size, mem, COUNT_CL, (uint8_t)count);
                    check_group2(op, size, mem, COUNT_IB, (uint8_t)count);
                }
                for (size_t i = 0; i < sizeof(extra_counts); i++) {
                    check_group2(op, size, mem, COUNT_CL, extra_counts[i]);
                    check_group2(op, size, mem, COUNT_IB, extra_counts[i]);
                }
                for (int n = 0; n < 8; n++) {
                    check_group2(op, size, mem, COUNT_ONE, 1);
                }
            }
        }
    }
    oracle_assert_all_passed("group 2 at every count", before);
}

/* Random values, flags and counts, for volume. */
static void test_group2_random(void)
{
    int before = oracle_cases;
    oracle_seed(12);
    for (int n = 0; n < 4000; n++) {
        int op = (int)(oracle_rand() % 8);
        unsigned size = 1u << (oracle_rand() % 4);
        CountForm form = (CountForm)(oracle_rand() % 3);
        uint8_t count = oracle_rand() & 1 ? (uint8_t)(oracle_rand() % 66) : (uint8_t)oracle_rand();
        check_group2(op, size, oracle_rand() & 1, form, form == COUNT_ONE ? 1 : count);
    }
    oracle_assert_all_passed("group 2 random", before);
}

/* SHLD/SHRD: 0F A4/AC Ib, 0F A5/AD CL; word (counts above 16 undefined), dword, qword. */
static void check_double(bool left, bool by_cl, unsigned size, bool mem, uint8_t count)
{
    static uint8_t data[ORACLE_DATA_LEN];
    OracleCase c = { .mode = ORACLE_64 };
    Operands o;
    Asm a = { .n = 0 };
    oracle_random_state(&c, data);
    do {
        oracle_pick_operands(&o, size, -1, mem, &c, data);
    } while ((mem && o.base == R_ECX) || (by_cl && (o.reg == R_ECX || (!mem && o.rm == R_ECX))));
    uint8_t opcode[2] = { 0x0f, (uint8_t)((left ? 0xa4 : 0xac) + by_cl) };
    asm_modrm_insn(&a, false, size, &o, opcode, 2);
    if (!by_cl) {
        asm_byte(&a, count);
    } else {
        c.regs[R_ECX] = (c.regs[R_ECX] & ~0xffull) | count;
    }
    c.code = a.b;
    c.len = a.n;
    oracle_check(&c, left ? "SHLD" : "SHRD");
}

static void test_shift_double(void)
{
    int before = oracle_cases;
    oracle_seed(13);
    for (int left = 0; left < 2; left++) {
        for (unsigned size = 2; size <= 8; size *= 2) {
            for (int mem = 0; mem < 2; mem++) {
                for (unsigned count = 0; count <= 72; count++) {
                    check_double(left, true, size, mem, (uint8_t)count);
                    check_double(left, false, size, mem, (uint8_t)count);
                }
                for (size_t i = 0; i < sizeof(extra_counts); i++) {
                    check_double(left, true, size, mem, extra_counts[i]);
                    check_double(left, false, size, mem, extra_counts[i]);
                }
            }
        }
    }
    for (int n = 0; n < 1500; n++) {
        check_double(oracle_rand() & 1, oracle_rand() & 1, 2u << (oracle_rand() % 3),
                     oracle_rand() & 1, (uint8_t)oracle_rand());
    }
    oracle_assert_all_passed("SHLD/SHRD", before);
}

/* 32-bit protected mode: the same masking (5 bits), RCL/RCR modulo 9/17, against compatibility mode. */
static void test_32bit_mode(void)
{
    int before = oracle_cases;
    oracle_seed(14);
    for (int op = 0; op < 8; op++) {
        for (unsigned count = 0; count < 40; count++) {
            /* op bl|bx|ebx, cl ; shld/shrd ebx, edx, cl */
            for (int form = 0; form < 3; form++) {
                uint8_t code[4];
                size_t len = 0;
                if (form == 1) {
                    code[len++] = 0x66;
                }
                code[len++] = form == 0 ? 0xd2 : 0xd3;
                code[len++] = (uint8_t)(0xc3 | op << 3);
                OracleCase c = { .mode = ORACLE_32, .code = code, .len = len, .expect_vector = -1 };
                c.regs[R_EBX] = oracle_value(4);
                c.regs[R_ECX] = count;
                c.rflags = oracle_flags();
                oracle_check(&c, group2_names[op]);
            }
        }
    }
    for (unsigned count = 0; count < 40; count++) {
        uint8_t shld[3] = { 0x0f, 0xa5, 0xd3 }, shrd16[4] = { 0x66, 0x0f, 0xad, 0xd3 };
        OracleCase c = { .mode = ORACLE_32, .len = 3, .code = shld, .expect_vector = -1 };
        c.regs[R_EBX] = oracle_value(4);
        c.regs[R_EDX] = oracle_value(4);
        c.regs[R_ECX] = count;
        c.rflags = oracle_flags();
        oracle_check(&c, "SHLD 32-bit mode");
        c.code = shrd16;
        c.len = 4;
        oracle_check(&c, "SHRD 32-bit mode");
    }
    oracle_assert_all_passed("32-bit mode", before);
}

/* A memory destination on a read-only page faults even with a count of 0; the state is untouched. */
static void test_faults(void)
{
    int before = oracle_cases;
    oracle_seed(15);
    static uint8_t data[ORACLE_DATA_LEN];
    static const uint8_t forms[][5] = {
        { 0xd3, 0x23 },             /* shl dword [rbx], cl */
        { 0xc1, 0x03, 0x00 },       /* rol dword [rbx], 0 */
        { 0xd0, 0x1b },             /* rcr byte [rbx], 1 */
        { 0x48, 0xd3, 0x3b },       /* sar qword [rbx], cl */
        { 0x0f, 0xa5, 0x13 },       /* shld [rbx], edx, cl */
        { 0x0f, 0xac, 0x13, 0x00 }, /* shrd [rbx], edx, 0 */
    };
    static const size_t lens[] = { 2, 3, 2, 3, 3, 4 };
    for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
        for (int zero = 0; zero < 2; zero++) {
            OracleCase c = { .mode = ORACLE_64, .code = forms[i], .len = lens[i] };
            oracle_random_state(&c, data);
            c.regs[R_EBX] = ORACLE_RO_PAGE + 0x40;
            c.regs[R_ECX] = zero ? 0 : 3;
            c.expect_vector = X86_EXC_PF;
            oracle_check(&c, "shift on a read-only page");
            c.regs[R_EBX] = 0xffff000000000000ull;
            c.expect_vector = X86_EXC_GP;
            oracle_check(&c, "shift at a non-canonical address");
        }
    }
    oracle_assert_all_passed("faults", before);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/shift/group2-counts", test_group2_counts);
    g_test_add_func("/shift/group2-random", test_group2_random);
    g_test_add_func("/shift/shld-shrd", test_shift_double);
    g_test_add_func("/shift/32bit-mode", test_32bit_mode);
    g_test_add_func("/shift/faults", test_faults);
    return g_test_run();
}
