/* Near control transfers (cpu/x86/control.c) against the host CPU: Jcc, JMP, CALL, RET, LOOP*, JrCXZ. */
#include <glib.h>

#include "datactl-oracle.h"

/*
 * Generated snippets whose every path ends at the snippet's end, so both
 * sides stop at the same place: a taken branch skips a marker instruction
 * (mov eax, imm32), a call or ret lands on the end.  Registers, flags and
 * the stack are compared.  The 64-bit cases do not use a 66 prefix on
 * branches: Intel ignores it there (the decoder's f64 rule) while this
 * host, an AMD CPU, honours it.  CS-limit checks, 16-bit operand sizes and
 * real-mode wrap-around are checked against SDM values in the fixture only.
 */

static const uint8_t marker[] = { 0xb8, 0x78, 0x56, 0x34, 0x12 };  /* mov eax, 0x12345678 */

static void random_regs(DcCase *c)
{
    for (int r = 0; r < 16; r++) {
        c->regs[r] = c->mode == DC_64 ? dc_value() : dc_value() & 0xffffffff;
    }
    c->regs[R_ESP] = FIXTURE_STACK - 0x100 - 4 * dc_below(32);
}

static DcMode random_mode(void)
{
    return dc_below(3) ? DC_64 : DC_32;
}

static void check(DcCase *c, DcAsm *a, const char *what)
{
    c->code = a->b;
    c->len = a->n;
    c->expect_vector = c->expect_vector ? c->expect_vector : -1;
    dc_check(c, what);
}

/* Jcc rel8 / rel32 over the marker, every condition, random flags. */
static void test_jcc(void)
{
    int cases = dc_cases, failures = dc_failures;
    dc_seed(0x70);
    for (int i = 0; i < 2000; i++) {
        DcCase c = { .mode = random_mode() };
        DcAsm a = { .n = 0 };
        random_regs(&c);
        c.rflags = dc_flags();
        unsigned cc = dc_below(16);
        if (dc_below(2)) {
            dc_byte(&a, 0x70 + cc);
            dc_byte(&a, sizeof(marker));
        } else {
            dc_byte(&a, 0x0f);
            dc_byte(&a, 0x80 + cc);
            dc_le(&a, sizeof(marker), 4);
        }
        dc_bytes(&a, marker, sizeof(marker));
        check(&c, &a, "jcc");
    }
    /* A backward Jcc: count down ECX to zero in a loop (dec ecx; jnz -4). */
    for (int i = 0; i < 200; i++) {
        DcCase c = { .mode = random_mode() };
        DcAsm a = { .n = 0 };
        random_regs(&c);
        c.regs[R_ECX] = (c.regs[R_ECX] & ~0xffffffffull) | (1 + dc_below(40));
        static const uint8_t loop8[] = { 0xff, 0xc9, 0x75, 0xfc };
        static const uint8_t loop32[] = { 0xff, 0xc9, 0x0f, 0x85, 0xf8, 0xff, 0xff, 0xff };
        if (dc_below(2)) {
            dc_bytes(&a, loop8, sizeof(loop8));
        } else {
            dc_bytes(&a, loop32, sizeof(loop32));
        }
        check(&c, &a, "jcc backward");
    }
    dc_finish("jcc", cases, failures);
}

/* The absolute address where a snippet of `len` bytes ends, on both sides. */
static uint64_t end_of(const DcCase *c, size_t len)
{
    return dc_code_base(c->mode) + len;
}

/* A base register for memory operands other than the ones a case uses. */
static unsigned pick_base(DcMode mode, unsigned avoid)
{
    for (;;) {
        unsigned r = dc_below(mode == DC_64 ? 16 : 8);
        if ((r & 7) != R_ESP && r != avoid && (r & 7) != R_EBP) {
            return r;
        }
    }
}

/* JMP rel8/rel32, JMP r/m (register, memory) to the end; CALL the same ways. */
static void test_jmp_call(void)
{
    int cases = dc_cases, failures = dc_failures;
    static uint8_t data[DC_AREA];
    dc_seed(0xe8);
    for (int i = 0; i < 2500; i++) {
        DcCase c = { .mode = random_mode() };
        DcAsm a = { .n = 0 };
        random_regs(&c);
        dc_random_data(data, sizeof(data));
        c.data = data;
        c.data_len = sizeof(data);
        bool call = dc_below(2);
        unsigned reg = pick_base(c.mode, 99);
        switch (dc_below(4)) {
        case 0:     /* rel8 (JMP only) or rel32 over the marker */
            if (!call && dc_below(2)) {
                dc_byte(&a, 0xeb);
                dc_byte(&a, sizeof(marker));
            } else {
                dc_byte(&a, call ? 0xe8 : 0xe9);
                dc_le(&a, sizeof(marker), 4);
            }
            dc_bytes(&a, marker, sizeof(marker));
            break;
        case 1: {   /* FF /2, FF /4 with a register */
            size_t len = (c.mode == DC_64 && reg > 7 ? 1 : 0) + 2 + sizeof(marker);
            c.regs[reg] = end_of(&c, len) | (c.mode == DC_64 ? 0 : 0);
            if (c.mode == DC_64 && reg > 7) {
                dc_byte(&a, 0x41);
            }
            dc_byte(&a, 0xff);
            dc_byte(&a, 0xc0 | ((call ? 2 : 4) << 3) | (reg & 7));
            dc_bytes(&a, marker, sizeof(marker));
            break;
        }
        default: {  /* FF /2, FF /4 with [base + disp8] holding the target */
            size_t len = (c.mode == DC_64 && reg > 7 ? 1 : 0) + 3 + sizeof(marker);
            int8_t disp = (int8_t)dc_rand();
            c.regs[reg] = FIXTURE_DATA + 0x1000 + dc_below(0x8000);
            uint64_t target = end_of(&c, len);
            memcpy(data + c.regs[reg] + disp - FIXTURE_DATA, &target, c.mode == DC_64 ? 8 : 4);
            if (c.mode == DC_64 && reg > 7) {
                dc_byte(&a, 0x41);
            }
            dc_byte(&a, 0xff);
            dc_byte(&a, 0x40 | ((call ? 2 : 4) << 3) | (reg & 7));
            dc_byte(&a, (uint8_t)disp);
            dc_bytes(&a, marker, sizeof(marker));
            break;
        }
        }
        check(&c, &a, call ? "call" : "jmp");
    }
    dc_finish("jmp/call", cases, failures);
}

/* RET and RET imm16 to the end: the target pushed first. */
static void test_ret(void)
{
    int cases = dc_cases, failures = dc_failures;
    dc_seed(0xc3);
    for (int i = 0; i < 1500; i++) {
        DcCase c = { .mode = random_mode() };
        DcAsm a = { .n = 0 };
        random_regs(&c);
        c.regs[R_ESP] = FIXTURE_STACK - 0x2000 + 4 * dc_below(256);
        bool imm = dc_below(2);
        uint16_t release = dc_below(3) ? 8 * dc_below(32) : (uint16_t)dc_below(0x1000);
        if (dc_below(4) == 0) {
            /* imm16 of 0x8000 and above: zero-extended, not sign-extended. */
            c.regs[R_ESP] = FIXTURE_DATA + 0x100 + 8 * dc_below(16);
            release = 0x8000 + dc_below(0x7e00);
        }
        /* 64-bit: mov rax, imm64; push rax.  32-bit: push imm32. */
        size_t len = (c.mode == DC_64 ? 11 : 5) + (imm ? 3 : 1);
        uint64_t target = end_of(&c, len);
        if (c.mode == DC_64) {
            dc_byte(&a, 0x48);
            dc_byte(&a, 0xb8);
            dc_le(&a, target, 8);
            dc_byte(&a, 0x50);
        } else {
            dc_byte(&a, 0x68);
            dc_le(&a, target, 4);
        }
        if (imm) {
            dc_byte(&a, 0xc2);
            dc_le(&a, release, 2);
        } else {
            dc_byte(&a, 0xc3);
        }
        check(&c, &a, "ret");
    }
    dc_finish("ret", cases, failures);
}

/*
 * LOOP, LOOPE, LOOPNE and JrCXZ with the count in CX, ECX or RCX by the
 * address size (67 switches it), over a body that changes ZF:
 *   L: inc edx; cmp edx, ebx; loopX L
 */
static void test_loop_jcxz(void)
{
    int cases = dc_cases, failures = dc_failures;
    dc_seed(0xe2);
    for (int i = 0; i < 2000; i++) {
        DcCase c = { .mode = random_mode(), .max_steps = 400000 };
        DcAsm a = { .n = 0 };
        random_regs(&c);
        bool addr_override = dc_below(3) == 0;
        /* The count: small, with random upper bits that the narrower forms must keep. */
        uint64_t count = dc_below(8) == 0 ? 0 : 1 + dc_below(30);
        unsigned count_bytes = c.mode == DC_64 ? (addr_override ? 4 : 8) : (addr_override ? 2 : 4);
        if (count == 0 && count_bytes > 2) {
            count = 1;      /* a zero 32/64-bit count would loop 2^32 times */
        }
        uint64_t mask = x86_size_mask(count_bytes);
        c.regs[R_ECX] = (c.regs[R_ECX] & ~mask) | count;
        c.regs[R_EBX] = (c.regs[R_EDX] + 1 + dc_below(40)) & 0xffffffff;
        c.rflags = dc_flags();
        unsigned op = 0xe0 + dc_below(4);
        if (op == 0xe3) {
            /* jrcxz over the marker */
            if (dc_below(2)) {
                c.regs[R_ECX] &= ~mask;
            }
            if (addr_override) {
                dc_byte(&a, 0x67);
            }
            dc_byte(&a, 0xe3);
            dc_byte(&a, sizeof(marker));
            dc_bytes(&a, marker, sizeof(marker));
        } else {
            dc_byte(&a, 0xff);                  /* inc edx */
            dc_byte(&a, 0xc2);
            dc_byte(&a, 0x39);                  /* cmp edx, ebx */
            dc_byte(&a, 0xda);
            if (addr_override) {
                dc_byte(&a, 0x67);
            }
            dc_byte(&a, op);
            dc_byte(&a, (uint8_t)(-(int)(a.n + 1)));
        }
        check(&c, &a, "loop/jcxz");
    }
    dc_finish("loop/jcxz", cases, failures);
}

/* Faults: non-canonical targets, unreadable targets and unwritable stacks; precise in the fixture. */
static void test_faults(void)
{
    int cases = dc_cases, failures = dc_failures;
    dc_seed(0xfa);
    const uint64_t noncanon[] = { 0x0000800000000000ull, 0xffff7fffffffffffull, 0x8000000000000000ull };
    for (size_t i = 0; i < G_N_ELEMENTS(noncanon); i++) {
        static const uint8_t jmp_rax[] = { 0xff, 0xe0 }, call_rax[] = { 0xff, 0xd0 };
        static const uint8_t ret[] = { 0x50, 0xc3 };   /* push rax; ret: faults at the ret */
        const uint8_t *codes[] = { jmp_rax, call_rax };
        for (int k = 0; k < 2; k++) {
            DcCase c = { .mode = DC_64, .expect_vector = X86_EXC_GP };
            random_regs(&c);
            c.regs[R_EAX] = noncanon[i];
            c.code = codes[k];
            c.len = 2;
            dc_check(&c, k ? "call non-canonical" : "jmp non-canonical");
        }
        /* ret: the push succeeds, then RET faults; the fixture must stop at the RET with the push done. */
        Fixture *f = fixture_new(FIXTURE_LONG64, 3);
        f->cpu.cpuid = dc_soft_cpuid();
        fixture_code(f, ret, sizeof(ret));
        f->cpu.s.regs[R_EAX] = noncanon[i];
        g_assert_cmpint(fixture_run(f), ==, X86_EXC_GP);
        g_assert_cmphex(f->cpu.s.rip, ==, FIXTURE_CODE + 1);
        g_assert_cmphex(f->cpu.s.regs[R_ESP], ==, FIXTURE_STACK - 8);
        fixture_free(f);
    }
    /* Targets read from unreadable memory, and CALL pushing into a read-only or unmapped stack. */
    static const uint8_t jmp_mem[] = { 0xff, 0x23 }, call_mem[] = { 0xff, 0x13 };
    static const uint8_t call_rel[] = { 0xe8, 0x00, 0x00, 0x00, 0x00 }, ret[] = { 0xc3 };
    static const uint8_t ret_imm[] = { 0xc2, 0x10, 0x00 };
    struct { const char *what; const uint8_t *code; size_t len; uint64_t rbx, rsp; } cases_[] = {
        { "jmp [unmapped]", jmp_mem, 2, DC_UNMAPPED, 0 },
        { "call [unmapped]", call_mem, 2, DC_UNMAPPED, 0 },
        { "call [rbx] with a read-only stack", call_mem, 2, FIXTURE_DATA, DC_RO_PAGE + 0x100 },
        { "call rel with a read-only stack", call_rel, 5, 0, DC_RO_PAGE + 0x100 },
        { "call rel with an unmapped stack", call_rel, 5, 0, DC_UNMAPPED + 0x100 },
        { "ret from an unmapped stack", ret, 1, 0, DC_UNMAPPED + 0x100 },
        { "ret imm from an unmapped stack", ret_imm, 3, 0, DC_UNMAPPED + 0x100 },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases_); i++) {
        DcCase c = { .mode = DC_64, .expect_vector = -1 };
        random_regs(&c);
        c.regs[R_EBX] = cases_[i].rbx;
        if (cases_[i].rsp) {
            c.regs[R_ESP] = cases_[i].rsp;
        }
        c.code = cases_[i].code;
        c.len = cases_[i].len;
        dc_check(&c, cases_[i].what);
    }
    dc_finish("faults", cases, failures);
}

/* ---- fixture-only: CS limits, 16-bit operand size, real-mode wrap ---- */

static Fixture *prot32(const uint8_t *code, size_t len)
{
    Fixture *f = fixture_new(FIXTURE_PROT32, 0);
    f->cpu.cpuid = dc_soft_cpuid();
    fixture_code(f, code, len);
    return f;
}

/* SDM vol. 2A JMP/CALL/RET: a target beyond CS's limit is #GP(0) before anything changes. */
static void test_cs_limit(void)
{
    static const uint8_t jmp[] = { 0xeb, 0x10 };                            /* jmp +16 */
    static const uint8_t call[] = { 0xe8, 0x10, 0x00, 0x00, 0x00 };         /* call +16 */
    static const uint8_t ret[] = { 0xc3 };
    static const uint8_t jcc[] = { 0x74, 0x10 };                            /* jz +16 */
    static const uint8_t loop[] = { 0xe2, 0x10 };                           /* loop +16 */
    struct { const uint8_t *code; size_t len; } cases[] = {
        { jmp, sizeof(jmp) }, { call, sizeof(call) }, { ret, sizeof(ret) },
        { jcc, sizeof(jcc) }, { loop, sizeof(loop) },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        Fixture *f = prot32(cases[i].code, cases[i].len);
        f->cpu.s.segs[SEG_CS].limit = FIXTURE_CODE + 0xf;
        f->cpu.s.rflags |= X86_FLAG_ZF;
        f->cpu.s.regs[R_ECX] = 5;
        f->cpu.s.regs[R_ESP] = FIXTURE_STACK - 4;
        uint32_t target = FIXTURE_CODE + 0x10 + (uint32_t)cases[i].len;
        memcpy(f->ram + FIXTURE_STACK - 4, &target, 4);
        g_assert_cmpint(fixture_run(f), ==, X86_EXC_GP);
        g_assert_cmphex(f->cpu.s.rip, ==, FIXTURE_CODE);
        g_assert_cmphex(f->cpu.s.regs[R_ESP], ==, FIXTURE_STACK - 4);
        g_assert_cmphex(f->cpu.s.regs[R_ECX], ==, 5);
        fixture_free(f);
    }
    /* The same jump within the limit goes through. */
    Fixture *f = prot32(jmp, sizeof(jmp));
    f->cpu.s.segs[SEG_CS].limit = FIXTURE_CODE + 0x12;
    f->code_end = FIXTURE_CODE + 0x12;
    g_assert_cmpint(fixture_run(f), ==, -1);
    fixture_free(f);
}

/*
 * 66-prefixed branches in 32-bit code: the target is truncated to 16 bits
 * and CALL pushes a 16-bit return address (SDM vol. 2A CALL, JMP).
 */
static void test_operand_size16(void)
{
    /* CS based at FIXTURE_CODE so that 16-bit offsets land in our RAM. */
    static const uint8_t code[] = {
        0x66, 0xe8, 0x02, 0x00,     /* call +2 (IP = 4 + 2 = 6) */
        0x90, 0x90,
        0x66, 0xc3,                 /* ret (16-bit): back to 4 */
    };
    Fixture *f = prot32(code, sizeof(code));
    f->cpu.s.segs[SEG_CS].base = FIXTURE_CODE;
    f->cpu.s.rip = 0;
    f->cpu.s.regs[R_ESP] = FIXTURE_STACK;
    f->code_end = 6;
    g_assert_cmpint(fixture_run_max(f, 1, NULL), ==, -1);
    g_assert_cmphex(f->cpu.s.rip, ==, 6);
    g_assert_cmphex(f->cpu.s.regs[R_ESP], ==, FIXTURE_STACK - 2);
    uint16_t ret;
    memcpy(&ret, f->ram + FIXTURE_STACK - 2, 2);
    g_assert_cmphex(ret, ==, 4);
    f->code_end = 4;
    g_assert_cmpint(fixture_run_max(f, 1, NULL), ==, -1);   /* 66 c3: pops 2 bytes */
    g_assert_cmphex(f->cpu.s.rip, ==, 4);
    g_assert_cmphex(f->cpu.s.regs[R_ESP], ==, FIXTURE_STACK);
    fixture_free(f);

    /* JMP rel16 from near the top of the 64 KiB: EIP wraps to a 16-bit value. */
    static const uint8_t jmp16[] = { 0x66, 0xe9, 0x10, 0x00 };
    f = prot32(jmp16, 0);
    f->cpu.s.segs[SEG_CS].base = FIXTURE_CODE - 0xfff0;
    memcpy(f->ram + FIXTURE_CODE, jmp16, sizeof(jmp16));
    f->cpu.s.rip = 0xfff0;
    g_assert_cmpint(fixture_run_max(f, 1, NULL), ==, -1);
    g_assert_cmphex(f->cpu.s.rip, ==, 0x0004);      /* 0xfff4 + 0x10 = 0x10004 -> 0x0004 */
    fixture_free(f);

    /* JMP r/m16: the target is the 16-bit operand, zero-extended. */
    static const uint8_t jmp_ax[] = { 0x66, 0xff, 0xe0 };
    f = prot32(jmp_ax, sizeof(jmp_ax));
    f->cpu.s.segs[SEG_CS].base = 0;
    f->cpu.s.regs[R_EAX] = 0xabcd1234;
    f->code_end = 0x1234;
    g_assert_cmpint(fixture_run_max(f, 1, NULL), ==, -1);
    g_assert_cmphex(f->cpu.s.rip, ==, 0x1234);
    fixture_free(f);
}

/* Real mode: IP arithmetic wraps at 64 KiB; CALL/RET push and pop IP. */
static void test_real_mode(void)
{
    Fixture *f = fixture_new(FIXTURE_REAL, 0);
    f->cpu.cpuid = dc_soft_cpuid();
    f->cpu.s.segs[SEG_CS].base = FIXTURE_CODE;
    f->cpu.s.segs[SEG_CS].selector = FIXTURE_CODE >> 4;
    /* At IP fffd: jmp short +3 -> (0xffff + 3) & 0xffff = 2. */
    f->ram[FIXTURE_CODE + 0xfffd] = 0xeb;
    f->ram[FIXTURE_CODE + 0xfffe] = 0x03;
    f->cpu.s.rip = 0xfffd;
    f->code_end = 0x0002;
    g_assert_cmpint(fixture_run_max(f, 1, NULL), ==, -1);
    g_assert_cmphex(f->cpu.s.rip, ==, 0x0002);
    /* call near at IP 2 to 0x100, then ret. */
    static const uint8_t call[] = { 0xe8, 0xfb, 0x00 };    /* 5 + 0xfb = 0x100 */
    memcpy(f->ram + FIXTURE_CODE + 2, call, 3);
    f->ram[FIXTURE_CODE + 0x100] = 0xc3;
    f->cpu.s.regs[R_ESP] = 0x12340000;
    f->code_end = 0x100;
    g_assert_cmpint(fixture_run_max(f, 1, NULL), ==, -1);
    g_assert_cmphex(f->cpu.s.regs[R_ESP], ==, 0x1234fffe);
    uint16_t v;
    memcpy(&v, f->ram + 0xfffe, 2);
    g_assert_cmphex(v, ==, 5);
    f->code_end = 5;
    g_assert_cmpint(fixture_run_max(f, 1, NULL), ==, -1);
    g_assert_cmphex(f->cpu.s.rip, ==, 5);
    g_assert_cmphex(f->cpu.s.regs[R_ESP], ==, 0x12340000);
    /* loop with CX: ECX's upper half is not the count and stays. */
    static const uint8_t loop[] = { 0xe2, 0xfe };          /* loop $ */
    memcpy(f->ram + FIXTURE_CODE + 5, loop, 2);
    f->cpu.s.regs[R_ECX] = 0xabcd0003;
    f->code_end = 7;
    g_assert_cmpint(fixture_run(f), ==, -1);
    g_assert_cmphex(f->cpu.s.regs[R_ECX], ==, 0xabcd0000);
    fixture_free(f);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/control/jcc", test_jcc);
    g_test_add_func("/control/jmp-call", test_jmp_call);
    g_test_add_func("/control/ret", test_ret);
    g_test_add_func("/control/loop-jcxz", test_loop_jcxz);
    g_test_add_func("/control/faults", test_faults);
    g_test_add_func("/control/cs-limit", test_cs_limit);
    g_test_add_func("/control/operand-size16", test_operand_size16);
    g_test_add_func("/control/real-mode", test_real_mode);
    return g_test_run();
}
