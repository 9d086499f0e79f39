/* Tests of cpu/x86/muldiv.c: MUL, IMUL (all forms), DIV, IDIV with #DE, against the host. */
#include "alu-oracle.h"

/* Store v as the r/m operand o of `size` bytes (register, AH..BH, or memory). */
static void set_rm_value(OracleCase *c, uint8_t *data, const Operands *o, unsigned size, uint64_t v)
{
    if (o->mem) {
        memcpy(data + (ORACLE_MEM_BASE - FIXTURE_DATA) + o->disp, &v, size);
    } else if (size == 1 && !o->rex && o->rm >= 4) {
        uint64_t *r = &c->regs[o->rm - 4];
        *r = (*r & ~0xff00ull) | (v & 0xff) << 8;
    } else {
        uint64_t mask = x86_size_mask(size);
        c->regs[o->rm] = (c->regs[o->rm] & ~mask) | (v & mask);
    }
}

/* Operands for a one-operand MUL/DIV whose r/m is neither part of the dividend nor rDX. */
static void pick_accumulator_operand(Operands *o, unsigned size, int ext, bool mem, OracleCase *c,
                                     uint8_t *data)
{
    for (;;) {
        oracle_pick_operands(o, size, ext, mem, c, data);
        if (mem) {
            if (o->base != R_EAX && o->base != R_EDX) {
                return;
            }
            continue;
        }
        bool high_byte = size == 1 && !o->rex && o->rm >= 4;
        unsigned reg = high_byte ? o->rm - 4 : o->rm;
        if (reg != R_EAX && reg != R_EDX) {
            return;
        }
    }
}

static const char *const group3_names[8] = { "TEST", "TEST", "NOT", "NEG", "MUL", "IMUL", "DIV",
                                             "IDIV" };

static void check_accumulator_op(int ext, unsigned size, bool mem, uint64_t rax, uint64_t rdx,
                                 uint64_t src, int expect)
{
    static uint8_t data[ORACLE_DATA_LEN];
    OracleCase c = { .mode = ORACLE_64 };
    Operands o;
    Asm a = { .n = 0 };
    oracle_random_state(&c, data);
    pick_accumulator_operand(&o, size, ext, mem, &c, data);
    uint64_t mask = x86_size_mask(size == 1 ? 2 : size);
    c.regs[R_EAX] = (c.regs[R_EAX] & ~mask) | (rax & mask);
    if (size > 1) {
        c.regs[R_EDX] = (c.regs[R_EDX] & ~mask) | (rdx & mask);
    }
    set_rm_value(&c, data, &o, size, src);
    uint8_t opcode = size == 1 ? 0xf6 : 0xf7;
    asm_modrm_insn(&a, false, size, &o, &opcode, 1);
    c.code = a.b;
    c.len = a.n;
    c.expect_vector = expect;
    oracle_check(&c, group3_names[ext]);
}

/* MUL and one-operand IMUL on edge and random values, every size. */
static void test_multiply_accumulator(void)
{
    int before = oracle_cases;
    oracle_seed(31);
    for (int n = 0; n < 600; n++) {
        for (int ext = 4; ext <= 5; ext++) {
            for (unsigned size = 1; size <= 8; size *= 2) {
                check_accumulator_op(ext, size, n & 1, oracle_value(size), oracle_value(size),
                                     oracle_value(size), -1);
            }
        }
    }
    oracle_assert_all_passed("MUL/IMUL r/m", before);
}

/* IMUL Gv, Ev (0F AF); IMUL Gv, Ev, Iz (69); IMUL Gv, Ev, Ib (6B). */
static void test_imul_forms(void)
{
    int before = oracle_cases;
    oracle_seed(32);
    static uint8_t data[ORACLE_DATA_LEN];
    static const uint8_t two[2] = { 0x0f, 0xaf }, three_z = 0x69, three_b = 0x6b;
    for (int n = 0; n < 700; n++) {
        for (unsigned size = 2; size <= 8; size *= 2) {
            for (int form = 0; form < 3; form++) {
                OracleCase c = { .mode = ORACLE_64 };
                Operands o;
                Asm a = { .n = 0 };
                oracle_random_state(&c, data);
                oracle_pick_operands(&o, size, -1, n & 1, &c, data);
                if (!o.mem) {
                    c.regs[o.rm] = oracle_value(8);
                }
                if (!o.mem || o.reg != o.base) {
                    c.regs[o.reg] = oracle_value(8);
                }
                if (form == 0) {
                    asm_modrm_insn(&a, false, size, &o, two, 2);
                } else if (form == 1) {
                    asm_modrm_insn(&a, false, size, &o, &three_z, 1);
                    asm_bytes(&a, oracle_value(size == 2 ? 2 : 4), size == 2 ? 2 : 4);
                } else {
                    asm_modrm_insn(&a, false, size, &o, &three_b, 1);
                    asm_byte(&a, (uint8_t)oracle_value(1));
                }
                c.code = a.b;
                c.len = a.n;
                oracle_check(&c, "IMUL Gv, Ev[, imm]");
            }
        }
    }
    oracle_assert_all_passed("IMUL two/three-operand", before);
}

/* A dividend high:low (size 1: AX in low) for divisor d whose quotient fits, or near the limits. */
static void valid_dividend(bool is_signed, unsigned size, uint64_t d, uint64_t *high, uint64_t *low)
{
    unsigned bits = 8 * size;
    uint64_t mask = x86_size_mask(size);
    unsigned __int128 q = oracle_value(size), r, dividend;
    if (!is_signed) {
        d &= mask;
        r = d ? oracle_rand() % d : 0;
        dividend = q * d + r;
    } else {
        __int128 sd = x86_sext(d, size), sq = x86_sext((uint64_t)q, size);
        __int128 mag = sd < 0 ? -sd : sd;
        __int128 sr = mag ? (__int128)(oracle_rand() % (uint64_t)mag) : 0;
        if ((sq < 0) != (sd < 0) && sq != 0) {
            sr = -sr;   /* the remainder takes the dividend's sign */
        } else if (sq == 0 && (oracle_rand() & 1)) {
            sr = -sr;
        }
        dividend = (unsigned __int128)(sq * sd + sr);
    }
    if (size == 1) {
        *low = (uint64_t)dividend & 0xffff;
        *high = 0;
    } else {
        *low = (uint64_t)dividend & mask;
        *high = (uint64_t)(dividend >> bits) & mask;
    }
}

/* DIV/IDIV: valid quotients, divisor 0, overflowing quotients, and IDIV's most negative quotient. */
static void test_divide(void)
{
    int before = oracle_cases;
    oracle_seed(33);
    for (int n = 0; n < 500; n++) {
        for (int ext = 6; ext <= 7; ext++) {
            bool is_signed = ext == 7;
            for (unsigned size = 1; size <= 8; size *= 2) {
                uint64_t d = oracle_value(size), high, low;
                bool mem = oracle_rand() & 1;
                if ((d & x86_size_mask(size)) == 0) {
                    d = 3;
                }
                valid_dividend(is_signed, size, d, &high, &low);
                check_accumulator_op(ext, size, mem, low, high, d, -1);
                /* Anything: mostly overflow (#DE), sometimes not. */
                check_accumulator_op(ext, size, mem, oracle_value(8), oracle_value(8), d, -1);
                /* Divisor 0. */
                check_accumulator_op(ext, size, mem, low, high, 0, X86_EXC_DE);
            }
        }
    }
    oracle_assert_all_passed("DIV/IDIV", before);
}

/*
 * IDIV at the quotient limits, SDM vol. 2A IDIV: -2^(n-1) is a valid
 * quotient, 2^(n-1) and -2^(n-1)-1 raise #DE; likewise DIV at 2^n - 1 / 2^n.
 */
static void test_divide_limits(void)
{
    int before = oracle_cases;
    oracle_seed(34);
    static const int64_t divisors[] = { 1, -1, 2, -2, 3, -3, 7, -7, 127, -128 };
    for (unsigned size = 1; size <= 8; size *= 2) {
        unsigned bits = 8 * size;
        __int128 min = -((__int128)1 << (bits - 1)), max = ((__int128)1 << (bits - 1)) - 1;
        for (size_t i = 0; i < sizeof(divisors) / sizeof(divisors[0]); i++) {
            __int128 d = divisors[i];
            for (int mem = 0; mem < 2; mem++) {
                /* quotient min, min - 1, max, max + 1 with remainder 0 and with a remainder */
                __int128 quotients[4] = { min, min - 1, max, max + 1 };
                for (int k = 0; k < 4; k++) {
                    for (int with_rem = 0; with_rem < 2; with_rem++) {
                        __int128 rem = 0;
                        if (with_rem && (d > 1 || d < -1)) {
                            rem = (quotients[k] < 0) != (d < 0) ? -1 : 1;   /* the dividend's sign */
                        }
                        unsigned __int128 dividend = (unsigned __int128)(quotients[k] * d + rem);
                        uint64_t low, high;
                        if (size == 1) {
                            low = (uint64_t)dividend & 0xffff;
                            high = 0;
                        } else {
                            low = (uint64_t)dividend & x86_size_mask(size);
                            high = (uint64_t)(dividend >> bits) & x86_size_mask(size);
                        }
                        /* the dividend must itself fit in 2n bits for the case to mean anything */
                        __int128 value = quotients[k] * d + rem;
                        if (2 * bits < 128) {
                            __int128 fit = (__int128)1 << (2 * bits - 1);
                            if (value < -fit || value >= fit) {
                                continue;
                            }
                        }
                        bool fits = quotients[k] >= min && quotients[k] <= max;
                        check_accumulator_op(7, size, mem, low, high, (uint64_t)(int64_t)d,
                                             fits ? -1 : X86_EXC_DE);
                    }
                }
            }
        }
        for (int mem = 0; mem < 2; mem++) {
            /* DIV: quotient 2^n - 1 fits, 2^n does not */
            uint64_t mask = x86_size_mask(size);
            uint64_t d = 5;
            unsigned __int128 ok = (unsigned __int128)mask * d + 4, over = ((unsigned __int128)mask + 1) * d;
            uint64_t lo_ok = size == 1 ? (uint64_t)ok & 0xffff : (uint64_t)ok & mask;
            uint64_t hi_ok = size == 1 ? 0 : (uint64_t)(ok >> bits) & mask;
            uint64_t lo_over = size == 1 ? (uint64_t)over & 0xffff : (uint64_t)over & mask;
            uint64_t hi_over = size == 1 ? 0 : (uint64_t)(over >> bits) & mask;
            check_accumulator_op(6, size, mem, lo_ok, hi_ok, d, -1);
            check_accumulator_op(6, size, mem, lo_over, hi_over, d, X86_EXC_DE);
        }
    }
    oracle_assert_all_passed("DIV/IDIV quotient limits", before);
}

/* 32-bit and real mode: MUL/IMUL/DIV/IDIV with the 16- and 32-bit accumulators. */
static void test_other_modes(void)
{
    int before = oracle_cases;
    oracle_seed(35);
    for (int n = 0; n < 200; n++) {
        for (int ext = 4; ext < 8; ext++) {
            uint8_t modrm = (uint8_t)(0xc3 | ext << 3);   /* op ebx / bx / bl */
            uint8_t c32[2] = { 0xf7, modrm }, c16[3] = { 0x66, 0xf7, modrm }, c8[2] = { 0xf6, modrm };
            uint64_t d = oracle_value(4);
            if (d == 0 && (n & 1)) {
                d = 1;
            }
            OracleCase c = { .mode = ORACLE_32, .expect_vector = -1 };
            c.regs[R_EBX] = d;
            c.regs[R_EAX] = oracle_value(4);
            c.regs[R_EDX] = ext >= 6 && (n & 1) ? c.regs[R_EAX] >> 31 ? 0xffffffff : 0 : oracle_value(4);
            c.rflags = oracle_flags();
            c.code = c32;
            c.len = 2;
            oracle_check(&c, "32-bit mode, 32-bit operand");
            c.code = c16;
            c.len = 3;
            oracle_check(&c, "32-bit mode, 16-bit operand");
            c.code = c8;
            c.len = 2;
            oracle_check(&c, "32-bit mode, 8-bit operand");
            /* real mode: F7 is 16-bit, 66 F7 32-bit */
            OracleCase r = c;
            r.mode = ORACLE_16;
            r.code = c32;
            r.len = 2;
            r.native_code = c16;
            r.native_len = 3;
            oracle_check(&r, "real mode, 16-bit operand");
            r.code = c16;
            r.len = 3;
            r.native_code = c32;
            r.native_len = 2;
            oracle_check(&r, "real mode, 32-bit operand");
        }
    }
    oracle_assert_all_passed("32-bit and real mode", before);
}

/* A divisor in memory that cannot be read: #GP at a non-canonical address, before any #DE check. */
static void test_faults(void)
{
    int before = oracle_cases;
    static uint8_t data[ORACLE_DATA_LEN];
    for (int ext = 4; ext < 8; ext++) {
        uint8_t code[3] = { 0x48, 0xf7, (uint8_t)(0x03 | ext << 3) };   /* op qword [rbx] */
        OracleCase c = { .mode = ORACLE_64, .code = code, .len = 3 };
        oracle_random_state(&c, data);
        c.regs[R_EBX] = 0x8000000000001000ull;
        c.expect_vector = X86_EXC_GP;
        oracle_check(&c, "MUL/DIV at a non-canonical address");
        /* a zero divisor in memory: #DE with the registers untouched */
        c.regs[R_EBX] = ORACLE_MEM_BASE;
        memset(data + (ORACLE_MEM_BASE - FIXTURE_DATA), 0, 8);
        c.expect_vector = ext >= 6 ? X86_EXC_DE : -1;
        oracle_check(&c, "DIV by zero in memory");
    }
    oracle_assert_all_passed("faults", before);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/muldiv/multiply-accumulator", test_multiply_accumulator);
    g_test_add_func("/muldiv/imul-forms", test_imul_forms);
    g_test_add_func("/muldiv/divide", test_divide);
    g_test_add_func("/muldiv/divide-limits", test_divide_limits);
    g_test_add_func("/muldiv/other-modes", test_other_modes);
    g_test_add_func("/muldiv/faults", test_faults);
    return g_test_run();
}
