/* Data-transfer instructions (cpu/x86/data.c) against the host CPU: MOV*, XCHG, XADD, CMPXCHG*, CMOVcc, SETcc, the stack. */
#include <glib.h>

#include "datactl-oracle.h"

/*
 * Most cases are generated: an instruction form (opcode, operand kinds) is
 * instantiated with random registers, operand sizes, register or memory
 * operands ([base + disp8] into the data area), prefixes and values, run
 * under the fixture and on the host, and everything compared.  Fixed seeds:
 * a failure reproduces.  Cases that the host cannot run (16-bit stacks,
 * virtual-8086 rules, a bare CPUID) check fixture results against values
 * worked out from the SDM.
 */

#define CASES_PER_FORM 200

typedef struct RmForm {
    const char *name;
    uint8_t opcode[3];
    uint8_t oplen;
    bool byte_op;       /* the operand size is 8 bits (Eb/Gb forms) */
    unsigned sizes;     /* else: which of 2, 4, 8 bytes (bit n = size n) */
    bool mem_only;
    int reg_ext;        /* ModRM.reg opcode extension, or -1 */
    int imm;            /* immediate bytes: 0, 1, or 'z' (2 or 4 by size) */
    bool lockable;
    bool cc;            /* condition code in the opcode's low nibble: randomised */
    bool acc_match;     /* CMPXCHG: make the accumulator equal to the operand half the time */
} RmForm;

#define S16 (1u << 2)
#define S32 (1u << 4)
#define S64 (1u << 8)

static const RmForm rm_forms[] = {
    { "mov Eb,Gb", { 0x88 }, 1, true, 0, false, -1, 0, false, false, false },
    { "mov Ev,Gv", { 0x89 }, 1, false, S16 | S32 | S64, false, -1, 0, false, false, false },
    { "mov Gb,Eb", { 0x8a }, 1, true, 0, false, -1, 0, false, false, false },
    { "mov Gv,Ev", { 0x8b }, 1, false, S16 | S32 | S64, false, -1, 0, false, false, false },
    { "mov Eb,Ib", { 0xc6 }, 1, true, 0, false, 0, 1, false, false, false },
    { "mov Ev,Iz", { 0xc7 }, 1, false, S16 | S32 | S64, false, 0, 'z', false, false, false },
    { "movzx Gv,Eb", { 0x0f, 0xb6 }, 2, false, S16 | S32 | S64, false, -1, 0, false, false, false },
    { "movzx Gv,Ew", { 0x0f, 0xb7 }, 2, false, S16 | S32 | S64, false, -1, 0, false, false, false },
    { "movsx Gv,Eb", { 0x0f, 0xbe }, 2, false, S16 | S32 | S64, false, -1, 0, false, false, false },
    { "movsx Gv,Ew", { 0x0f, 0xbf }, 2, false, S16 | S32 | S64, false, -1, 0, false, false, false },
    { "movbe Gv,Mv", { 0x0f, 0x38, 0xf0 }, 3, false, S16 | S32 | S64, true, -1, 0, false, false, false },
    { "movbe Mv,Gv", { 0x0f, 0x38, 0xf1 }, 3, false, S16 | S32 | S64, true, -1, 0, false, false, false },
    { "movnti My,Gy", { 0x0f, 0xc3 }, 2, false, S32 | S64, true, -1, 0, false, false, false },
    { "xchg Eb,Gb", { 0x86 }, 1, true, 0, false, -1, 0, true, false, false },
    { "xchg Ev,Gv", { 0x87 }, 1, false, S16 | S32 | S64, false, -1, 0, true, false, false },
    { "xadd Eb,Gb", { 0x0f, 0xc0 }, 2, true, 0, false, -1, 0, true, false, false },
    { "xadd Ev,Gv", { 0x0f, 0xc1 }, 2, false, S16 | S32 | S64, false, -1, 0, true, false, false },
    { "cmpxchg Eb,Gb", { 0x0f, 0xb0 }, 2, true, 0, false, -1, 0, true, false, true },
    { "cmpxchg Ev,Gv", { 0x0f, 0xb1 }, 2, false, S16 | S32 | S64, false, -1, 0, true, false, true },
    { "cmovcc Gv,Ev", { 0x0f, 0x40 }, 2, false, S16 | S32 | S64, false, -1, 0, false, true, false },
    { "setcc Eb", { 0x0f, 0x90 }, 2, true, 0, false, -1, 0, false, true, false },
};

/* A register that is not rSP (the host needs a valid stack to come back). */
static unsigned random_reg(DcMode mode)
{
    unsigned r;
    do {
        r = dc_below(mode == DC_64 ? 16 : 8);
    } while (r == R_ESP);
    return r;
}

/* A base register for [base + disp8]: not rSP/r12 (they need a SIB byte). */
static unsigned random_base(DcMode mode)
{
    unsigned r;
    do {
        r = random_reg(mode);
    } while ((r & 7) == R_ESP);
    return r;
}

static unsigned random_size(const RmForm *f, DcMode mode)
{
    if (f->byte_op) {
        return 1;
    }
    for (;;) {
        unsigned s = 2u << dc_below(3);
        if ((f->sizes & (1u << s)) && !(s == 8 && mode != DC_64)) {
            return s;
        }
    }
}

/* Value of register `reg` as an operand of `size` bytes (AH..BH without REX). */
static uint64_t reg_operand(const uint64_t *regs, unsigned reg, unsigned size, bool rex)
{
    if (size == 1 && !rex && reg >= 4 && reg < 8) {
        return (regs[reg - 4] >> 8) & 0xff;
    }
    return regs[reg] & x86_size_mask(size);
}

static void set_reg_operand(uint64_t *regs, unsigned reg, unsigned size, bool rex, uint64_t v)
{
    if (size == 1 && !rex && reg >= 4 && reg < 8) {
        regs[reg - 4] = (regs[reg - 4] & ~0xff00ull) | ((v & 0xff) << 8);
        return;
    }
    uint64_t mask = x86_size_mask(size);
    regs[reg] = (regs[reg] & ~mask) | (v & mask);
}

static void run_rm_form(const RmForm *f, DcMode mode, int cases)
{
    static uint8_t data[DC_AREA];
    for (int i = 0; i < cases; i++) {
        DcCase c = { .mode = mode, .expect_vector = -1 };
        DcAsm a = { .n = 0 };
        unsigned size = random_size(f, mode);
        bool mem = f->mem_only || dc_below(2);
        unsigned reg = f->reg_ext >= 0 ? (unsigned)f->reg_ext : random_reg(mode);
        unsigned rm = mem ? random_base(mode) : random_reg(mode);
        bool rex_always = mode == DC_64 && f->byte_op && dc_below(2);
        bool rex = rex_always || (mode == DC_64 && (reg > 7 || rm > 7));
        int8_t disp = (int8_t)dc_rand();

        for (int r = 0; r < 16; r++) {
            c.regs[r] = mode == DC_64 ? dc_value() : dc_value() & 0xffffffff;
        }
        c.regs[R_ESP] = FIXTURE_STACK;
        if (mem) {
            c.regs[rm] = FIXTURE_DATA + 0x1000 + dc_below(0xd000);
        }
        dc_random_data(data, sizeof(data));
        c.rflags = dc_flags() | (dc_below(4) == 0 ? X86_FLAG_DF : 0);

        if (mem && f->lockable && dc_below(2)) {
            dc_byte(&a, 0xf0);
        }
        dc_prefixes(&a, mode, size, reg, rm, rex_always);
        for (int k = 0; k < f->oplen; k++) {
            uint8_t b = f->opcode[k];
            if (f->cc && k == f->oplen - 1) {
                b |= dc_below(16);
            }
            dc_byte(&a, b);
        }
        dc_modrm(&a, reg, rm, mem, disp);
        if (f->imm == 1) {
            dc_le(&a, dc_rand(), 1);
        } else if (f->imm == 'z') {
            dc_le(&a, dc_value(), size == 2 ? 2 : 4);
        }
        if (f->acc_match && dc_below(2)) {
            /* CMPXCHG: the accumulator equals the destination operand. */
            if (mem) {
                uint64_t ea = (c.regs[rm] + (int64_t)disp) & (mode == DC_64 ? ~0ull : 0xffffffffull);
                uint64_t acc = c.regs[R_EAX];
                memcpy(data + (ea - FIXTURE_DATA), &acc, size);
            } else {
                set_reg_operand(c.regs, R_EAX, size, false, reg_operand(c.regs, rm, size, rex));
            }
        }
        c.code = a.b;
        c.len = a.n;
        c.data = data;
        c.data_len = sizeof(data);
        dc_check(&c, f->name);
    }
}

static void test_rm_forms(gconstpointer mode_ptr)
{
    DcMode mode = (DcMode)GPOINTER_TO_INT(mode_ptr);
    int cases = dc_cases, failures = dc_failures;
    dc_seed(mode == DC_64 ? 0x1234 : 0x5678);
    for (size_t i = 0; i < G_N_ELEMENTS(rm_forms); i++) {
        run_rm_form(&rm_forms[i], mode, CASES_PER_FORM);
    }
    dc_finish("r/m forms", cases, failures);
}

/* MOVSXD (63 /r, 64-bit mode only): REX.W sign-extends, no REX.W moves 32 bits, 66 moves 16. */
static void test_movsxd(void)
{
    int cases = dc_cases, failures = dc_failures;
    static const RmForm f = { "movsxd Gv,Ed", { 0x63 }, 1, false, S16 | S32 | S64, false, -1, 0,
                              false, false, false };
    dc_seed(0x63);
    run_rm_form(&f, DC_64, 600);
    dc_finish("movsxd", cases, failures);
}

/* B0+r ib, B8+r iv (imm64 with REX.W), and moffs forms A0-A3 with 64- and 32-bit addresses. */
static void test_mov_imm_moffs(void)
{
    int cases = dc_cases, failures = dc_failures;
    static uint8_t data[DC_AREA];
    dc_seed(0xb0);
    for (int i = 0; i < 1200; i++) {
        DcMode mode = dc_below(3) ? DC_64 : DC_32;
        DcCase c = { .mode = mode, .expect_vector = -1 };
        DcAsm a = { .n = 0 };
        unsigned reg = random_reg(mode);
        for (int r = 0; r < 16; r++) {
            c.regs[r] = dc_value() & (mode == DC_64 ? ~0ull : 0xffffffffull);
        }
        c.regs[R_ESP] = 0;
        dc_random_data(data, sizeof(data));
        switch (dc_below(3)) {
        case 0: {   /* B0+r */
            bool rex_always = mode == DC_64 && dc_below(2);
            if (mode == DC_64 && (reg > 7 || rex_always)) {
                dc_byte(&a, 0x40 | (reg >> 3));
            }
            dc_byte(&a, 0xb0 + (reg & 7));
            dc_le(&a, dc_rand(), 1);
            break;
        }
        case 1: {   /* B8+r */
            unsigned size = mode == DC_64 ? 2u << dc_below(3) : 2u << dc_below(2);
            dc_prefixes(&a, mode, size, 0, reg, false);
            dc_byte(&a, 0xb8 + (reg & 7));
            dc_le(&a, dc_value(), size);
            break;
        }
        default: {  /* A0-A3 */
            unsigned opc = 0xa0 + dc_below(4);
            unsigned size = opc & 1 ? (mode == DC_64 ? 2u << dc_below(3) : 2u << dc_below(2)) : 1;
            bool addr32 = mode == DC_64 && dc_below(3) == 0;
            if (addr32) {
                dc_byte(&a, 0x67);
            }
            if (size == 2) {
                dc_byte(&a, 0x66);
            }
            if (size == 8) {
                dc_byte(&a, 0x48);
            }
            dc_byte(&a, opc);
            uint64_t addr = FIXTURE_DATA + dc_below(DC_AREA - 8);
            dc_le(&a, addr, mode == DC_64 && !addr32 ? 8 : 4);
            break;
        }
        }
        c.code = a.b;
        c.len = a.n;
        c.data = data;
        c.data_len = sizeof(data);
        dc_check(&c, "mov imm/moffs");
    }
    dc_finish("mov imm/moffs", cases, failures);
}

/* LEA with every addressing form: random ModRM/SIB/displacement, 66 and 67 prefixes. No memory is touched. */
static void test_lea(void)
{
    int cases = dc_cases, failures = dc_failures;
    dc_seed(0x8d);
    for (int i = 0; i < 2000; i++) {
        DcMode mode = dc_below(3) ? DC_64 : DC_32;
        DcCase c = { .mode = mode, .expect_vector = -1 };
        DcAsm a = { .n = 0 };
        for (int r = 0; r < 16; r++) {
            c.regs[r] = dc_value() & (mode == DC_64 ? ~0ull : 0xffffffffull);
        }
        c.regs[R_ESP] = 0;
        unsigned size = mode == DC_64 ? 2u << dc_below(3) : 2u << dc_below(2);
        bool addr_override = dc_below(3) == 0;
        unsigned reg = random_reg(mode);
        if (addr_override) {
            dc_byte(&a, 0x67);
        }
        if (size == 2) {
            dc_byte(&a, 0x66);
        }
        unsigned rex = mode == DC_64 ? (dc_rand() & 3) | (reg > 7 ? 4 : 0) | (size == 8 ? 8 : 0) : 0;
        if (rex) {
            dc_byte(&a, 0x40 | rex);
        }
        dc_byte(&a, 0x8d);
        unsigned mod = dc_below(3), rm = dc_below(8);
        bool addr16 = mode == DC_32 && addr_override;
        dc_byte(&a, (mod << 6) | ((reg & 7) << 3) | rm);
        if (!addr16 && rm == 4) {
            dc_byte(&a, (uint8_t)dc_rand());    /* SIB */
        }
        unsigned disp = mod == 1 ? 1 : mod == 2 ? (addr16 ? 2 : 4) : 0;
        if (mod == 0 && (addr16 ? rm == 6 : rm == 5)) {
            disp = addr16 ? 2 : 4;
        }
        if (mod == 0 && !addr16 && rm == 4 && (a.b[a.n - 1] & 7) == 5) {
            disp = 4;
        }
        dc_le(&a, dc_rand(), disp);
        c.code = a.b;
        c.len = a.n;
        dc_check(&c, "lea");
    }
    dc_finish("lea", cases, failures);
}

/* XCHG rAX forms: 90+r (REX.B 90 is XCHG r8, rAX; plain 90 a NOP), and 87 C0 zero-extending EAX. */
static void test_xchg_accumulator(void)
{
    int cases = dc_cases, failures = dc_failures;
    dc_seed(0x90);
    for (int i = 0; i < 800; i++) {
        DcMode mode = dc_below(3) ? DC_64 : DC_32;
        DcCase c = { .mode = mode, .expect_vector = -1 };
        DcAsm a = { .n = 0 };
        for (int r = 0; r < 16; r++) {
            c.regs[r] = dc_value() & (mode == DC_64 ? ~0ull : 0xffffffffull);
        }
        c.regs[R_ESP] = 0;
        unsigned reg;
        do {
            reg = dc_below(mode == DC_64 ? 16 : 8);
        } while (reg == R_ESP);
        unsigned size = mode == DC_64 ? 2u << dc_below(3) : 2u << dc_below(2);
        if (dc_below(8) == 0) {
            dc_prefixes(&a, mode, 4, 0, 0, false);
            dc_byte(&a, 0x87);
            dc_byte(&a, 0xc0);      /* xchg eax, eax: not a NOP in 64-bit mode */
        } else {
            dc_prefixes(&a, mode, size, 0, reg, false);
            dc_byte(&a, 0x90 + (reg & 7));
        }
        c.code = a.b;
        c.len = a.n;
        dc_check(&c, "xchg rAX");
    }
    dc_finish("xchg rAX", cases, failures);
}

/* CMPXCHG8B / CMPXCHG16B: equal and unequal, aligned and not (#GP for CMPXCHG16B). */
static void test_cmpxchg8b16b(void)
{
    int cases = dc_cases, failures = dc_failures;
    static uint8_t data[DC_AREA];
    dc_seed(0xc7);
    for (int i = 0; i < 1500; i++) {
        DcMode mode = dc_below(4) ? DC_64 : DC_32;
        bool wide = mode == DC_64 && dc_below(2);
        DcCase c = { .mode = mode, .expect_vector = -1 };
        DcAsm a = { .n = 0 };
        for (int r = 0; r < 16; r++) {
            c.regs[r] = dc_value() & (mode == DC_64 ? ~0ull : 0xffffffffull);
        }
        c.regs[R_ESP] = 0;
        unsigned base = random_base(mode);
        while (base == R_EAX || base == R_EDX || base == R_EBX || base == R_ECX) {
            base = random_base(mode);
        }
        uint64_t addr = FIXTURE_DATA + 0x1000 + dc_below(0x8000);
        if (dc_below(4)) {
            addr &= ~15ull;
        }
        c.regs[base] = addr;
        dc_random_data(data, sizeof(data));
        if (dc_below(2)) {
            /* Equal: memory holds rDX:rAX. */
            uint64_t lo = c.regs[R_EAX], hi = c.regs[R_EDX];
            if (wide) {
                memcpy(data + addr - FIXTURE_DATA, &lo, 8);
                memcpy(data + addr - FIXTURE_DATA + 8, &hi, 8);
            } else {
                uint32_t l = lo, h = hi;
                memcpy(data + addr - FIXTURE_DATA, &l, 4);
                memcpy(data + addr - FIXTURE_DATA + 4, &h, 4);
            }
        }
        if (dc_below(2)) {
            dc_byte(&a, 0xf0);
        }
        if (mode == DC_64 && (wide || base > 7)) {
            dc_byte(&a, 0x40 | (wide ? 8 : 0) | (base >> 3));
        }
        dc_byte(&a, 0x0f);
        dc_byte(&a, 0xc7);
        dc_modrm(&a, 1, base, true, 0);
        c.code = a.b;
        c.len = a.n;
        c.data = data;
        c.data_len = sizeof(data);
        c.rflags = dc_flags();
        dc_check(&c, wide ? "cmpxchg16b" : "cmpxchg8b");
    }
    dc_finish("cmpxchg8b/16b", cases, failures);
}

/* XLAT with 64- and 32-bit addresses. */
static void test_xlat(void)
{
    int cases = dc_cases, failures = dc_failures;
    static uint8_t data[DC_AREA];
    dc_seed(0xd7);
    for (int i = 0; i < 400; i++) {
        DcMode mode = dc_below(3) ? DC_64 : DC_32;
        DcCase c = { .mode = mode, .expect_vector = -1 };
        DcAsm a = { .n = 0 };
        for (int r = 0; r < 16; r++) {
            c.regs[r] = dc_value() & (mode == DC_64 ? ~0ull : 0xffffffffull);
        }
        c.regs[R_ESP] = 0;
        c.regs[R_EBX] = FIXTURE_DATA + dc_below(DC_AREA - 256);
        bool a32 = mode == DC_64 && dc_below(2);
        if (a32) {
            c.regs[R_EBX] |= dc_rand() << 32;   /* ignored with a 32-bit address */
            dc_byte(&a, 0x67);
        }
        if (mode == DC_64 && dc_below(2)) {
            dc_byte(&a, 0x48);                  /* REX.W changes nothing */
        }
        dc_byte(&a, 0xd7);
        dc_random_data(data, sizeof(data));
        c.code = a.b;
        c.len = a.n;
        c.data = data;
        c.data_len = sizeof(data);
        dc_check(&c, "xlat");
    }
    dc_finish("xlat", cases, failures);
}

/* ---- the stack ---- */

/* PUSH/POP of registers, immediates, memory (incl. [rSP+disp] bases), segment registers. */
static void test_push_pop(void)
{
    int cases = dc_cases, failures = dc_failures;
    static uint8_t data[DC_AREA];
    dc_seed(0x50);
    for (int i = 0; i < 2000; i++) {
        DcMode mode = dc_below(3) ? DC_64 : DC_32;
        DcCase c = { .mode = mode, .expect_vector = -1 };
        DcAsm a = { .n = 0 };
        for (int r = 0; r < 16; r++) {
            c.regs[r] = dc_value() & (mode == DC_64 ? ~0ull : 0xffffffffull);
        }
        c.regs[R_ESP] = FIXTURE_STACK - 0x100 - 8 * dc_below(64) - (dc_below(4) == 0 ? 2 : 0);
        dc_random_data(data, sizeof(data));
        unsigned reg = random_reg(mode);
        bool word = dc_below(4) == 0;           /* 66: 16-bit pushes and pops */
        unsigned base = random_base(mode);
        c.regs[base] = FIXTURE_DATA + 0x1000 + dc_below(0x8000);
        switch (dc_below(9)) {
        case 0:     /* 50+r */
            dc_prefixes(&a, mode, word ? 2 : 4, 0, reg, false);
            dc_byte(&a, 0x50 + (reg & 7));
            break;
        case 1:     /* 58+r */
            dc_prefixes(&a, mode, word ? 2 : 4, 0, reg, false);
            dc_byte(&a, 0x58 + (reg & 7));
            break;
        case 2:     /* push imm8 / imm16/32 */
            if (word) {
                dc_byte(&a, 0x66);
            }
            if (dc_below(2)) {
                dc_byte(&a, 0x6a);
                dc_le(&a, dc_rand(), 1);
            } else {
                dc_byte(&a, 0x68);
                dc_le(&a, dc_value(), word ? 2 : 4);
            }
            break;
        case 3:     /* push [base+disp8] */
            dc_prefixes(&a, mode, word ? 2 : 4, 0, base, false);
            dc_byte(&a, 0xff);
            dc_modrm(&a, 6, base, true, (int8_t)dc_rand());
            break;
        case 4:     /* pop [base+disp8] */
            dc_prefixes(&a, mode, word ? 2 : 4, 0, base, false);
            dc_byte(&a, 0x8f);
            dc_modrm(&a, 0, base, true, (int8_t)dc_rand());
            break;
        case 5:     /* push/pop [rsp+disp8]: POP computes the address after the pop */
            if (word) {
                dc_byte(&a, 0x66);
            }
            dc_byte(&a, dc_below(2) ? 0xff : 0x8f);
            dc_byte(&a, a.b[a.n - 1] == 0xff ? 0x74 : 0x44);
            dc_byte(&a, 0x24);
            dc_byte(&a, 8 * dc_below(8));
            break;
        case 6:     /* push rsp / pop rsp */
            if (word) {
                dc_byte(&a, 0x66);
            }
            dc_byte(&a, dc_below(2) ? 0x54 : 0x5c);
            c.regs[R_ESP] = FIXTURE_STACK - 0x100;
            if (a.b[a.n - 1] == 0x5c) {
                /* The popped value becomes rSP: make it a valid stack for the host. */
                uint64_t sp = FIXTURE_STACK - 0x200 - 8 * dc_below(32);
                memcpy(data + (FIXTURE_STACK - 0x100 - FIXTURE_DATA), &sp, 8);
            }
            break;
        case 7:     /* push fs / push gs; 32-bit mode also es, cs, ss, ds */
            if (word) {
                dc_byte(&a, 0x66);
            }
            if (mode == DC_32 && dc_below(2)) {
                static const uint8_t legacy[] = { 0x06, 0x0e, 0x16, 0x1e };
                dc_byte(&a, legacy[dc_below(4)]);
            } else {
                dc_byte(&a, 0x0f);
                dc_byte(&a, dc_below(2) ? 0xa0 : 0xa8);
            }
            break;
        default:    /* a push and a pop in sequence */
            dc_prefixes(&a, mode, word ? 2 : 4, 0, reg, false);
            dc_byte(&a, 0x50 + (reg & 7));
            reg = random_reg(mode);
            dc_prefixes(&a, mode, word ? 2 : 4, 0, reg, false);
            dc_byte(&a, 0x58 + (reg & 7));
            break;
        }
        c.code = a.b;
        c.len = a.n;
        c.data = data;
        c.data_len = sizeof(data);
        dc_check(&c, "push/pop");
    }
    dc_finish("push/pop", cases, failures);
}

/* PUSHF/POPF at CPL3: status flags, DF and ID pop; IF and IOPL stay (CPL > IOPL); RF and VM never. */
static void test_pushf_popf(void)
{
    int cases = dc_cases, failures = dc_failures;
    static uint8_t data[DC_AREA];
    dc_seed(0x9c);
    for (int i = 0; i < 1000; i++) {
        DcMode mode = dc_below(3) ? DC_64 : DC_32;
        DcCase c = { .mode = mode, .expect_vector = -1 };
        DcAsm a = { .n = 0 };
        for (int r = 0; r < 16; r++) {
            c.regs[r] = dc_value() & (mode == DC_64 ? ~0ull : 0xffffffffull);
        }
        c.regs[R_ESP] = FIXTURE_STACK - 0x100;
        c.rflags = dc_flags() | (dc_below(2) ? X86_FLAG_DF : 0);
        c.extra_flags = X86_FLAG_IF | X86_FLAG_IOPL | X86_FLAG_ID | X86_FLAG_NT | X86_FLAG_AC |
                        X86_FLAG_TF;
        dc_random_data(data, sizeof(data));
        /* The popped image: anything but TF, AC and NT, which the host must not run with. */
        uint64_t image = dc_rand() & ~(uint64_t)(X86_FLAG_TF | X86_FLAG_AC | X86_FLAG_NT);
        memcpy(data + (FIXTURE_STACK - 0x100 - FIXTURE_DATA), &image, 8);
        bool word = dc_below(4) == 0;
        switch (dc_below(3)) {
        case 0:
            if (word) {
                dc_byte(&a, 0x66);
            }
            dc_byte(&a, 0x9c);
            break;
        case 1:
            if (word) {
                dc_byte(&a, 0x66);
            }
            dc_byte(&a, 0x9d);
            break;
        default:    /* popf then pushf: what was kept shows in the pushed image */
            if (word) {
                dc_byte(&a, 0x66);
            }
            dc_byte(&a, 0x9d);
            if (word) {
                dc_byte(&a, 0x66);
            }
            dc_byte(&a, 0x9c);
            break;
        }
        c.code = a.b;
        c.len = a.n;
        c.data = data;
        c.data_len = sizeof(data);
        dc_check(&c, "pushf/popf");
    }
    dc_finish("pushf/popf", cases, failures);
}

/* ENTER with nesting levels 0-31 and LEAVE, 16/32/64-bit operand sizes. */
static void test_enter_leave(void)
{
    int cases = dc_cases, failures = dc_failures;
    static uint8_t data[DC_AREA];
    dc_seed(0xc8);
    for (int i = 0; i < 1500; i++) {
        DcMode mode = dc_below(3) ? DC_64 : DC_32;
        DcCase c = { .mode = mode, .expect_vector = -1 };
        DcAsm a = { .n = 0 };
        for (int r = 0; r < 16; r++) {
            c.regs[r] = dc_value() & (mode == DC_64 ? ~0ull : 0xffffffffull);
        }
        c.regs[R_ESP] = FIXTURE_STACK - 0x400 - 2 * dc_below(128);
        c.regs[R_EBP] = FIXTURE_STACK - 0x100 - 2 * dc_below(64);
        if (dc_below(4) == 0) {
            /* the frame just above: the copies read what ENTER pushed (found by tandem-difftest) */
            c.regs[R_EBP] = c.regs[R_ESP] + dc_below(0x20);
        }
        dc_random_data(data, sizeof(data));
        bool word = dc_below(4) == 0;
        unsigned level = dc_below(3) ? dc_below(4) : dc_below(40);   /* taken mod 32 */
        if (dc_below(3)) {
            if (word) {
                dc_byte(&a, 0x66);
            }
            dc_byte(&a, 0xc8);
            dc_le(&a, dc_below(3) ? dc_below(64) : dc_below(0xf000), 2);
            dc_byte(&a, level);
        }
        if (dc_below(2)) {
            if (dc_below(4) == 0) {
                dc_byte(&a, 0x66);
            }
            dc_byte(&a, 0xc9);
        }
        if (a.n == 0) {
            dc_byte(&a, 0xc9);
        }
        c.code = a.b;
        c.len = a.n;
        c.data = data;
        c.data_len = sizeof(data);
        dc_check(&c, "enter/leave");
    }
    dc_finish("enter/leave", cases, failures);
}

/* ---- faults: precise, and of the host's class ---- */

static void fault_case(const char *what, const uint8_t *code, size_t len, uint64_t reg_rbx,
                       uint64_t rsp, int expect)
{
    DcCase c = { .mode = DC_64, .expect_vector = -1 };
    static uint8_t data[DC_AREA];
    dc_random_data(data, sizeof(data));
    for (int r = 0; r < 16; r++) {
        c.regs[r] = dc_value();
    }
    c.regs[R_EBX] = reg_rbx;
    c.regs[R_ESP] = rsp;
    c.rflags = dc_flags();
    c.code = code;
    c.len = len;
    c.data = data;
    c.data_len = sizeof(data);
    if (expect >= 0) {
        /* The host reports the class only; the fixture must give the exact vector. */
        c.expect_vector = expect;
    }
    dc_check(&c, what);
}

static void test_faults(void)
{
    int cases = dc_cases, failures = dc_failures;
    dc_seed(0xfa);
    const uint64_t ro = DC_RO_PAGE + 0x10, none = DC_UNMAPPED + 0x10;
    const uint64_t noncanon = 0x0000800000000000ull;
    const uint64_t stack = FIXTURE_STACK - 0x100;
    struct {
        const char *what;
        uint8_t code[8];
        uint8_t len;
    } insns[] = {
        { "mov [rbx], eax", { 0x89, 0x03 }, 2 },
        { "mov eax, [rbx]", { 0x8b, 0x03 }, 2 },
        { "xchg [rbx], rax", { 0x48, 0x87, 0x03 }, 3 },
        { "lock xadd [rbx], ecx", { 0xf0, 0x0f, 0xc1, 0x0b }, 4 },
        { "cmpxchg [rbx], ecx", { 0x0f, 0xb1, 0x0b }, 3 },
        { "cmpxchg8b [rbx]", { 0x0f, 0xc7, 0x0b }, 3 },
        { "cmpxchg16b [rbx]", { 0x48, 0x0f, 0xc7, 0x0b }, 4 },
        { "push qword [rbx]", { 0xff, 0x33 }, 2 },
        { "pop qword [rbx]", { 0x8f, 0x03 }, 2 },
        { "movbe [rbx], eax", { 0x0f, 0x38, 0xf1, 0x03 }, 4 },
        { "cmovz eax, [rbx]", { 0x0f, 0x44, 0x03 }, 3 },
        { "setz [rbx]", { 0x0f, 0x94, 0x03 }, 3 },
        { "xlat", { 0xd7 }, 1 },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(insns); i++) {
        fault_case(insns[i].what, insns[i].code, insns[i].len, ro, stack, -1);
        fault_case(insns[i].what, insns[i].code, insns[i].len, none, stack, -1);
        fault_case(insns[i].what, insns[i].code, insns[i].len, noncanon, stack, -1);
    }
    /* The stack itself: rSP in a read-only page or unmapped, PUSH/CALL-like stores. */
    const uint8_t push_rax[] = { 0x50 }, pushf[] = { 0x9c }, enter[] = { 0xc8, 0x10, 0x00, 0x03 };
    const uint8_t pop_rax[] = { 0x58 }, leave[] = { 0xc9 };
    fault_case("push rax", push_rax, 1, 0, ro, -1);
    fault_case("pushf", pushf, 1, 0, ro, -1);
    fault_case("enter", enter, 4, 0, ro, -1);
    fault_case("pop rax", pop_rax, 1, 0, none, -1);
    fault_case("push rax (non-canonical rsp)", push_rax, 1, 0, noncanon + 8, X86_EXC_SS);
    /* LEAVE reads through rBP: unmapped. */
    {
        DcCase c = { .mode = DC_64, .expect_vector = -1 };
        c.regs[R_EBP] = none;
        c.code = leave;
        c.len = 1;
        dc_check(&c, "leave");
    }
    /* CMPXCHG16B on a misaligned operand: #GP(0) before anything else. */
    {
        static const uint8_t code[] = { 0x48, 0x0f, 0xc7, 0x0b };
        fault_case("cmpxchg16b misaligned", code, 4, FIXTURE_DATA + 0x1008, stack, X86_EXC_GP);
    }
    dc_finish("faults", cases, failures);
}

/*
 * A GS-relative access whose offset crosses into non-canonical space while
 * the linear address (base added) stays canonical: AMD checks the offset
 * too and raises #GP (native on an EPYC: mov ax, gs:[0x7fffffffffff] with
 * GS base 0xfffffffffffff000); the linear check alone finds the unmapped
 * page (#PF).  Found by tandem-difftest.
 */
static void test_gs_offset_canonical(void)
{
    static const uint8_t code[] = { 0x65, 0x66, 0x8b, 0x07 };   /* mov ax, gs:[rdi] */
    for (int amd = 0; amd < 2; amd++) {
        for (int crossing = 0; crossing < 2; crossing++) {
            Fixture *f = fixture_new(FIXTURE_LONG64, 3);
            fixture_code(f, code, sizeof(code));
            f->cpu.vendor_amd = amd;
            f->cpu.s.segs[SEG_GS].base = 0xfffffffffffff000ull;
            f->cpu.s.regs[R_EDI] = crossing ? 0x7fffffffffffull : 0x7ffffffffffeull;
            int v = fixture_run(f);
            g_assert_cmpint(v, ==, amd && crossing ? X86_EXC_GP : X86_EXC_PF);
            fixture_free(f);
        }
    }
}

/* CMPXCHG16B [rbp], rbp misaligned and non-canonical: AMD #GP (alignment first), else #SS. */
static void test_cmpxchg16b_noncanonical(void)
{
    static const uint8_t code[] = { 0x48, 0x0f, 0xc7, 0x4d, 0x00 };   /* cmpxchg16b [rbp] */
    for (int amd = 0; amd < 2; amd++) {
        for (int misaligned = 0; misaligned < 2; misaligned++) {
            Fixture *f = fixture_new(FIXTURE_LONG64, 3);
            fixture_code(f, code, sizeof(code));
            f->cpu.cpuid = dc_soft_cpuid();
            f->cpu.vendor_amd = amd;
            f->cpu.s.regs[R_EBP] = 0xb5a3d69989637e10ull + (misaligned ? 0xd : 0);
            g_assert_cmpint(fixture_run(f), ==, amd && misaligned ? X86_EXC_GP : X86_EXC_SS);
            fixture_free(f);
        }
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/data/cmpxchg16b-noncanonical", test_cmpxchg16b_noncanonical);
    g_test_add_func("/data/gs-offset-canonical", test_gs_offset_canonical);
    g_test_add_data_func("/data/rm-forms/64", GINT_TO_POINTER(DC_64), test_rm_forms);
    g_test_add_data_func("/data/rm-forms/32", GINT_TO_POINTER(DC_32), test_rm_forms);
    g_test_add_func("/data/movsxd", test_movsxd);
    g_test_add_func("/data/mov-imm-moffs", test_mov_imm_moffs);
    g_test_add_func("/data/lea", test_lea);
    g_test_add_func("/data/xchg-accumulator", test_xchg_accumulator);
    g_test_add_func("/data/cmpxchg8b-16b", test_cmpxchg8b16b);
    g_test_add_func("/data/xlat", test_xlat);
    g_test_add_func("/data/push-pop", test_push_pop);
    g_test_add_func("/data/pushf-popf", test_pushf_popf);
    g_test_add_func("/data/enter-leave", test_enter_leave);
    g_test_add_func("/data/faults", test_faults);
    return g_test_run();
}
