/* Tests of cpu/x86/bmi.c: BMI1 and BMI2 (VEX-encoded) against the host CPU, and their #UD rules. */
#include "alu-oracle.h"

/*
 * Every instruction of BMI1/BMI2 but TZCNT (test-bitops) runs under the
 * fixture and natively, in 64-bit mode with 32- and 64-bit operands and in
 * compatibility mode, on registers and memory, with the operands the SDM
 * pages single out: zero, all ones, sign boundaries, BEXTR start/length and
 * BZHI index at and beyond the operand width, shift and rotate counts that
 * must be masked, random and sparse PDEP/PEXT masks.  Flags the SDM leaves
 * undefined are not compared; every other flag must be the host's (the
 * flagless BMI2 instructions must keep them all).  What the host cannot show
 * is checked on the fixture alone: #UD in real and virtual-8086 mode and
 * without the CPUID bits, 16-bit protected mode, and the C fallback that
 * hosts without BMI use (against the host's results).
 */

typedef enum { VVVV_NONE, VVVV_SOURCE, VVVV_DEST } VvvvRole;

typedef enum {
    VAL_PLAIN,      /* oracle_value edges */
    VAL_BEXTR,      /* start/length control */
    VAL_INDEX,      /* BZHI index */
    VAL_COUNT,      /* shift count */
    VAL_MASK,       /* PDEP/PEXT mask: random, sparse, dense */
} ValueKind;

typedef struct BmiForm {
    const char *name;
    uint8_t map;            /* VEX.mmmmm: 2 = 0F38, 3 = 0F3A */
    uint8_t pp;             /* 0 NP, 1 66, 2 F3, 3 F2 */
    uint8_t opcode;
    int8_t ext;             /* ModRM.reg of group 17, or -1 */
    bool bmi2;
    bool imm;               /* RORX's imm8 */
    VvvvRole vvvv;
    ValueKind vvvv_value;   /* what to put in the vvvv register */
    ValueKind rm_value;     /* ... and in the r/m operand */
    uint64_t undefined;     /* flags the SDM leaves undefined */
} BmiForm;

#define AF_PF (X86_FLAG_AF | X86_FLAG_PF)

static const BmiForm forms[] = {
    { "ANDN", 2, 0, 0xf2, -1, false, false, VVVV_SOURCE, VAL_PLAIN, VAL_PLAIN, AF_PF },
    { "BLSR", 2, 0, 0xf3, 1, false, false, VVVV_DEST, VAL_PLAIN, VAL_PLAIN, AF_PF },
    { "BLSMSK", 2, 0, 0xf3, 2, false, false, VVVV_DEST, VAL_PLAIN, VAL_PLAIN, AF_PF },
    { "BLSI", 2, 0, 0xf3, 3, false, false, VVVV_DEST, VAL_PLAIN, VAL_PLAIN, AF_PF },
    { "BZHI", 2, 0, 0xf5, -1, true, false, VVVV_SOURCE, VAL_INDEX, VAL_PLAIN, AF_PF },
    { "PEXT", 2, 2, 0xf5, -1, true, false, VVVV_SOURCE, VAL_PLAIN, VAL_MASK, 0 },
    { "PDEP", 2, 3, 0xf5, -1, true, false, VVVV_SOURCE, VAL_PLAIN, VAL_MASK, 0 },
    { "MULX", 2, 3, 0xf6, -1, true, false, VVVV_SOURCE, VAL_PLAIN, VAL_PLAIN, 0 },
    { "BEXTR", 2, 0, 0xf7, -1, false, false, VVVV_SOURCE, VAL_BEXTR, VAL_PLAIN,
      AF_PF | X86_FLAG_SF },
    { "SHLX", 2, 1, 0xf7, -1, true, false, VVVV_SOURCE, VAL_COUNT, VAL_PLAIN, 0 },
    { "SARX", 2, 2, 0xf7, -1, true, false, VVVV_SOURCE, VAL_COUNT, VAL_PLAIN, 0 },
    { "SHRX", 2, 3, 0xf7, -1, true, false, VVVV_SOURCE, VAL_COUNT, VAL_PLAIN, 0 },
    { "RORX", 3, 3, 0xf0, -1, true, true, VVVV_NONE, VAL_PLAIN, VAL_PLAIN, 0 },
};

static bool host_has_bmi(const BmiForm *f)
{
    return oracle_host_has(7, 1, f->bmi2 ? 8 : 3);
}

/* A value of the kind for a `size`-byte operand (other bits random, as hardware ignores them). */
static uint64_t bmi_value(ValueKind kind, unsigned size)
{
    static const unsigned positions[] = { 0, 1, 7, 8, 15, 16, 31, 32, 33, 63, 64, 65, 127, 128, 255 };
    uint64_t r = oracle_rand();
    unsigned a = positions[oracle_rand() % G_N_ELEMENTS(positions)];
    unsigned b = positions[oracle_rand() % G_N_ELEMENTS(positions)];
    bool edge = oracle_rand() % 4 != 0;
    switch (kind) {
    case VAL_BEXTR:
        /* start in bits 7:0, length in 15:8 (SDM "BEXTR"): edges, or anything */
        return edge ? (r & ~0xffffull) | (uint64_t)b << 8 | a : r;
    case VAL_INDEX:
        return edge ? (r & ~0xffull) | a : r;
    case VAL_COUNT:
        return edge ? (r & ~0xffull) | a : r;
    case VAL_MASK:
        switch (oracle_rand() % 4) {
        case 0: return r & oracle_rand() & oracle_rand();     /* sparse */
        case 1: return r | oracle_rand();                     /* dense */
        case 2: return oracle_value(size);
        default: return r;
        }
    default:
        return oracle_value(size);
    }
}

/* C4 [R X B mmmmm] [W vvvv L pp] opcode: R/X/B/vvvv in their inverted form. */
static void asm_vex3(Asm *a, bool r, bool x, bool b, unsigned map, bool w, unsigned vvvv, bool l,
                     unsigned pp, uint8_t opcode)
{
    asm_byte(a, 0xc4);
    asm_byte(a, (uint8_t)((r ? 0 : 0x80) | (x ? 0 : 0x40) | (b ? 0 : 0x20) | map));
    asm_byte(a, (uint8_t)((w ? 0x80 : 0) | ((~vvvv & 0xf) << 3) | (l ? 4 : 0) | pp));
    asm_byte(a, opcode);
}

/* The register VEX.vvvv names: never RSP (a destination, or a value we choose). */
static unsigned pick_vvvv(unsigned nregs)
{
    for (;;) {
        unsigned v = oracle_rand() % nregs;
        if (v != R_ESP) {
            return v;
        }
    }
}

/* Fill the case's operands with values of the form's kinds. */
static void set_values(const BmiForm *f, OracleCase *c, uint8_t *data, const Operands *o,
                       unsigned vvvv, unsigned size)
{
    if (f->vvvv == VVVV_SOURCE) {
        c->regs[vvvv] = bmi_value(f->vvvv_value, size);
    }
    uint64_t rm = bmi_value(f->rm_value, size);
    if (o->mem) {
        memcpy(data + (ORACLE_MEM_BASE - FIXTURE_DATA) + o->disp, &rm, 8);
    } else if (f->rm_value != VAL_PLAIN || oracle_rand() % 2) {
        c->regs[o->rm] = rm;
    }
    if (strcmp(f->name, "MULX") == 0 && !(o->mem && o->base == R_EDX)) {
        c->regs[R_EDX] = oracle_value(8);       /* the implicit source, unless it is the base */
    }
}

/* One 64-bit-mode case: operand size 4 or 8 (VEX.W), register or memory r/m. */
static void check_form64(const BmiForm *f, unsigned size, bool mem)
{
    static uint8_t data[ORACLE_DATA_LEN];
    OracleCase c = { .mode = ORACLE_64 };
    Operands o;
    Asm a = { .n = 0 };
    oracle_random_state(&c, data);
    oracle_pick_operands(&o, size, f->ext, mem, &c, data);
    unsigned vvvv = f->vvvv == VVVV_NONE ? 0 : pick_vvvv(16);
    if (mem && vvvv == o.base && f->vvvv == VVVV_SOURCE) {
        vvvv = o.base == R_EAX ? R_ECX : R_EAX;     /* keep the base pointing at the data */
    }
    set_values(f, &c, data, &o, vvvv, size);
    unsigned rmreg = mem ? o.base : o.rm;
    asm_vex3(&a, o.reg >= 8, false, rmreg >= 8, f->map, size == 8, vvvv, false, f->pp, f->opcode);
    asm_byte(&a, (uint8_t)((mem ? 0x40 : 0xc0) | (o.reg & 7) << 3 | (rmreg & 7)));
    if (mem) {
        asm_byte(&a, (uint8_t)o.disp);
    }
    if (f->imm) {
        asm_byte(&a, (uint8_t)oracle_rand());
    }
    c.code = a.b;
    c.len = a.n;
    c.undefined_flags = f->undefined;
    oracle_check(&c, f->name);
}

static void test_forms_64(void)
{
    int before = oracle_cases;
    oracle_seed(41);
    for (unsigned k = 0; k < G_N_ELEMENTS(forms); k++) {
        if (!host_has_bmi(&forms[k])) {
            g_test_message("host lacks %s: %s skipped", forms[k].bmi2 ? "BMI2" : "BMI1",
                           forms[k].name);
            continue;
        }
        for (int n = 0; n < 300; n++) {
            check_form64(&forms[k], 4, false);
            check_form64(&forms[k], 8, false);
            check_form64(&forms[k], 4, true);
            check_form64(&forms[k], 8, true);
        }
    }
    oracle_assert_all_passed("BMI1/BMI2 in 64-bit mode", before);
}

/*
 * Compatibility mode natively, 32-bit protected mode in the fixture: eight
 * registers, 32-bit operands whatever VEX.W says, VEX.B and vvvv's top bit
 * ignored (SDM vol. 2A 2.3.5).
 */
static void check_form32(const BmiForm *f, bool mem)
{
    static uint8_t data[ORACLE_DATA_LEN];
    OracleCase c = { .mode = ORACLE_32 };
    Asm a = { .n = 0 };
    oracle_random_state(&c, data);
    for (int i = 0; i < 16; i++) {
        c.regs[i] &= 0xffffffff;
    }
    Operands o = { .mem = mem };
    o.reg = f->ext >= 0 ? (unsigned)f->ext : pick_vvvv(8);
    if (mem) {
        do {
            o.base = oracle_rand() % 8;
        } while (o.base == R_ESP || o.base == R_EBP);
        o.disp = (int8_t)oracle_rand();
        c.regs[o.base] = ORACLE_MEM_BASE;
        uint64_t v = oracle_value(4);
        memcpy(data + (ORACLE_MEM_BASE - FIXTURE_DATA) + o.disp, &v, 4);
    } else {
        o.rm = oracle_rand() % 8;
    }
    unsigned vvvv = f->vvvv == VVVV_NONE ? 0 : pick_vvvv(8);
    if (mem && vvvv == o.base && f->vvvv == VVVV_SOURCE) {
        vvvv = o.base == R_EAX ? R_ECX : R_EAX;
    }
    set_values(f, &c, data, &o, vvvv, 4);
    for (int i = 0; i < 16; i++) {
        c.regs[i] &= 0xffffffff;
    }
    unsigned rmreg = mem ? o.base : o.rm;
    bool ignored_w = oracle_rand() & 1, ignored_b = oracle_rand() & 1;
    unsigned vvvv_top = f->vvvv != VVVV_NONE && (oracle_rand() & 1) ? 8 : 0;
    asm_vex3(&a, false, false, ignored_b, f->map, ignored_w, vvvv | vvvv_top, false, f->pp,
             f->opcode);
    asm_byte(&a, (uint8_t)((mem ? 0x40 : 0xc0) | (o.reg & 7) << 3 | (rmreg & 7)));
    if (mem) {
        asm_byte(&a, (uint8_t)o.disp);
    }
    if (f->imm) {
        asm_byte(&a, (uint8_t)oracle_rand());
    }
    c.code = a.b;
    c.len = a.n;
    c.undefined_flags = f->undefined;
    oracle_check(&c, f->name);
}

static void test_forms_32(void)
{
    int before = oracle_cases;
    oracle_seed(42);
    for (unsigned k = 0; k < G_N_ELEMENTS(forms); k++) {
        if (!host_has_bmi(&forms[k])) {
            continue;
        }
        for (int n = 0; n < 150; n++) {
            check_form32(&forms[k], false);
            check_form32(&forms[k], true);
        }
    }
    oracle_assert_all_passed("BMI1/BMI2 in compatibility mode", before);
}

/* Fixed operands for the edges the random cases may miss: each checked against the host. */
static void check_reg_case(const BmiForm *f, unsigned size, uint64_t vvvv_value, uint64_t rm_value,
                           uint8_t imm)
{
    static uint8_t data[ORACLE_DATA_LEN];
    OracleCase c = { .mode = ORACLE_64 };
    Asm a = { .n = 0 };
    oracle_random_state(&c, data);
    /* reg = RAX (or the group digit), vvvv = RBX, r/m = RCX, RDX for MULX */
    c.regs[R_EBX] = vvvv_value;
    c.regs[R_ECX] = rm_value;
    c.regs[R_EDX] = vvvv_value ^ rm_value;
    unsigned reg = f->ext >= 0 ? (unsigned)f->ext : R_EAX;
    asm_vex3(&a, false, false, false, f->map, size == 8, f->vvvv == VVVV_NONE ? 0 : R_EBX, false,
             f->pp, f->opcode);
    asm_byte(&a, (uint8_t)(0xc0 | reg << 3 | R_ECX));
    if (f->imm) {
        asm_byte(&a, imm);
    }
    c.code = a.b;
    c.len = a.n;
    c.undefined_flags = f->undefined;
    oracle_check(&c, f->name);
}

static const BmiForm *form_named(const char *name)
{
    for (unsigned k = 0; k < G_N_ELEMENTS(forms); k++) {
        if (strcmp(forms[k].name, name) == 0) {
            return &forms[k];
        }
    }
    g_assert_not_reached();
}

static void test_edges(void)
{
    int before = oracle_cases;
    if (!oracle_host_has(7, 1, 3) || !oracle_host_has(7, 1, 8)) {
        g_test_skip("host lacks BMI1 or BMI2");
        return;
    }
    static const uint64_t values[] = {
        0, 1, 2, 0x7f, 0x80, 0xff, 0x7fffffff, 0x80000000, 0xffffffff, 0x100000000ull,
        0x7fffffffffffffffull, 0x8000000000000000ull, ~0ull, 0xfffffffffffffffeull,
        0x5555555555555555ull, 0xaaaaaaaaaaaaaaaaull, 0x0000ffff0000ffffull,
    };
    static const unsigned positions[] = { 0, 1, 31, 32, 33, 63, 64, 65, 128, 255 };
    for (unsigned size = 4; size <= 8; size += 4) {
        for (unsigned i = 0; i < G_N_ELEMENTS(values); i++) {
            for (unsigned j = 0; j < G_N_ELEMENTS(values); j++) {
                uint64_t x = values[i], y = values[j];
                check_reg_case(form_named("ANDN"), size, x, y, 0);
                check_reg_case(form_named("PDEP"), size, x, y, 0);
                check_reg_case(form_named("PEXT"), size, x, y, 0);
                check_reg_case(form_named("MULX"), size, x, y, 0);
            }
            check_reg_case(form_named("BLSI"), size, 0, values[i], 0);
            check_reg_case(form_named("BLSMSK"), size, 0, values[i], 0);
            check_reg_case(form_named("BLSR"), size, 0, values[i], 0);
            for (unsigned p = 0; p < G_N_ELEMENTS(positions); p++) {
                uint64_t high = 0xabcdef0012345600ull;
                check_reg_case(form_named("BZHI"), size, high | positions[p], values[i], 0);
                check_reg_case(form_named("SHLX"), size, high | positions[p], values[i], 0);
                check_reg_case(form_named("SARX"), size, high | positions[p], values[i], 0);
                check_reg_case(form_named("SHRX"), size, high | positions[p], values[i], 0);
                check_reg_case(form_named("RORX"), size, 0, values[i], (uint8_t)positions[p]);
                for (unsigned q = 0; q < G_N_ELEMENTS(positions); q++) {
                    uint64_t ctl = 0xabcdef0012340000ull | positions[q] << 8 | positions[p];
                    check_reg_case(form_named("BEXTR"), size, ctl, values[i], 0);
                }
            }
        }
    }
    oracle_assert_all_passed("BMI1/BMI2 edge operands", before);
}

/* MULX with the same register for both halves: the high half wins (SDM "MULX"). */
static void test_mulx_same_destination(void)
{
    int before = oracle_cases;
    if (!oracle_host_has(7, 1, 8)) {
        g_test_skip("host lacks BMI2");
        return;
    }
    oracle_seed(43);
    static uint8_t data[ORACLE_DATA_LEN];
    for (int n = 0; n < 50; n++) {
        for (unsigned size = 4; size <= 8; size += 4) {
            OracleCase c = { .mode = ORACLE_64 };
            Asm a = { .n = 0 };
            oracle_random_state(&c, data);
            /* mulx rsi, rsi, rdi */
            asm_vex3(&a, false, false, false, 2, size == 8, R_ESI, false, 3, 0xf6);
            asm_byte(&a, (uint8_t)(0xc0 | R_ESI << 3 | R_EDI));
            c.code = a.b;
            c.len = a.n;
            oracle_check(&c, "MULX same destination");
        }
    }
    oracle_assert_all_passed("MULX with one destination", before);
}

/* Faults: a memory operand at a non-canonical address is #GP, with nothing changed. */
static void test_faults(void)
{
    int before = oracle_cases;
    if (!oracle_host_has(7, 1, 3) || !oracle_host_has(7, 1, 8)) {
        g_test_skip("host lacks BMI1 or BMI2");
        return;
    }
    oracle_seed(44);
    static uint8_t data[ORACLE_DATA_LEN];
    for (unsigned k = 0; k < G_N_ELEMENTS(forms); k++) {
        const BmiForm *f = &forms[k];
        OracleCase c = { .mode = ORACLE_64 };
        Asm a = { .n = 0 };
        oracle_random_state(&c, data);
        c.regs[R_EBX] = 0x8000000000001000ull;     /* r/m = [rbx] */
        asm_vex3(&a, false, false, false, f->map, true, f->vvvv == VVVV_NONE ? 0 : R_ESI, false,
                 f->pp, f->opcode);
        asm_byte(&a, (uint8_t)(((f->ext >= 0 ? (unsigned)f->ext : R_EAX) << 3) | R_EBX));
        if (f->imm) {
            asm_byte(&a, 3);
        }
        c.code = a.b;
        c.len = a.n;
        c.expect_vector = X86_EXC_GP;
        oracle_check(&c, f->name);
    }
    oracle_assert_all_passed("BMI faults", before);
}

/* Encodings the decoder rejects, confirmed on the host: VEX.L = 1, 66/F2/F3/LOCK/REX before VEX. */
static void test_ud_encodings(void)
{
    int before = oracle_cases;
    if (!oracle_host_has(7, 1, 3)) {
        g_test_skip("host lacks BMI1");
        return;
    }
    static uint8_t data[ORACLE_DATA_LEN];
    static const uint8_t prefixes[] = { 0x66, 0xf2, 0xf3, 0xf0, 0x40, 0x48 };
    for (unsigned k = 0; k < G_N_ELEMENTS(forms); k++) {
        const BmiForm *f = &forms[k];
        if (!host_has_bmi(f)) {
            continue;
        }
        for (unsigned p = 0; p <= G_N_ELEMENTS(prefixes); p++) {
            OracleCase c = { .mode = ORACLE_64 };
            Asm a = { .n = 0 };
            oracle_random_state(&c, data);
            if (p < G_N_ELEMENTS(prefixes)) {
                asm_byte(&a, prefixes[p]);
            }
            /* with no prefix: VEX.L = 1 */
            asm_vex3(&a, false, false, false, f->map, false, f->vvvv == VVVV_NONE ? 0 : R_ESI,
                     p == G_N_ELEMENTS(prefixes), f->pp, f->opcode);
            asm_byte(&a, (uint8_t)(0xc0 | (f->ext >= 0 ? (unsigned)f->ext : R_EAX) << 3 | R_EBX));
            if (f->imm) {
                asm_byte(&a, 3);
            }
            c.code = a.b;
            c.len = a.n;
            c.expect_vector = X86_EXC_UD;
            oracle_check(&c, f->name);
        }
        /* RORX: vvvv must be 1111b, in compatibility mode too (all four bits) */
        if (f->vvvv == VVVV_NONE) {
            for (unsigned v = 1; v < 16; v++) {
                for (int mode = 0; mode < 2; mode++) {
                    OracleCase c = { .mode = mode ? ORACLE_32 : ORACLE_64 };
                    Asm a = { .n = 0 };
                    oracle_random_state(&c, data);
                    asm_vex3(&a, false, false, false, f->map, false, v, false, f->pp, f->opcode);
                    asm_byte(&a, 0xc1);
                    asm_byte(&a, 3);
                    c.code = a.b;
                    c.len = a.n;
                    c.expect_vector = X86_EXC_UD;
                    oracle_check(&c, "RORX with vvvv != 1111b");
                }
            }
        }
    }
    oracle_assert_all_passed("BMI #UD encodings", before);
}

/* ---- what the host cannot show: the fixture alone ---- */

/* andn eax, ebx, ecx; blsr eax, ecx; bzhi eax, ecx, ebx; rorx eax, ecx, 3 */
static const uint8_t andn_code[] = { 0xc4, 0xe2, 0x60, 0xf2, 0xc1 };
static const uint8_t blsr_code[] = { 0xc4, 0xe2, 0x78, 0xf3, 0xc9 };
static const uint8_t bzhi_code[] = { 0xc4, 0xe2, 0x60, 0xf5, 0xc1 };
static const uint8_t rorx_code[] = { 0xc4, 0xe3, 0x7b, 0xf0, 0xc1, 0x03 };

/* Run one instruction on a fresh fixture in the given state; the vector, or -1. */
static int run_fixture(FixtureMode mode, void (*adjust)(X86State *), const X86Cpuid *cpuid,
                       const uint8_t *code, size_t len, X86State *out)
{
    Fixture *f = fixture_new(mode, mode == FIXTURE_REAL ? 0 : 3);
    X86State s = f->cpu.s;
    if (mode == FIXTURE_REAL) {
        s.segs[SEG_CS].base = FIXTURE_CODE;        /* CS:IP = 1000:0000 */
        s.segs[SEG_CS].selector = FIXTURE_CODE >> 4;
        s.rip = 0;
    }
    s.regs[R_EBX] = 0x0f0f;
    s.regs[R_ECX] = 0x1234;
    if (adjust) {
        adjust(&s);
    }
    x86_cpu_set_state(&f->cpu, &s);
    f->cpu.cpuid = cpuid;
    uint64_t start = s.rip;
    memcpy(f->ram + s.segs[SEG_CS].base + start, code, len);
    f->code_end = start + len;
    int vector = fixture_run_max(f, 1, NULL);
    *out = f->cpu.s;
    fixture_free(f);
    return vector;
}

/* Virtual-8086 mode: EFLAGS.VM in 32-bit protected mode, segments as vm86 has them. */
static void enter_vm86(X86State *s)
{
    s->rflags |= X86_FLAG_VM;
    for (int i = 0; i < X86_NR_SEGS; i++) {
        s->segs[i].selector = 0;
        s->segs[i].base = 0;
        s->segs[i].limit = 0xffff;
        s->segs[i].db = 0;
        s->segs[i].dpl = 3;
    }
    s->segs[SEG_CS].base = FIXTURE_CODE;            /* CS:IP = 1000:0000 */
    s->segs[SEG_CS].selector = FIXTURE_CODE >> 4;
    s->rip = 0;
}

/* 16-bit protected mode: CS.D = 0 (VEX is valid there, SDM vol. 2A 2.3.5). */
static void enter_16bit_protected(X86State *s)
{
    s->segs[SEG_CS].db = 0;
}

static void test_modes_and_cpuid(void)
{
    X86State s;
    const X86Cpuid *full = oracle_cpuid(false), *bare = oracle_cpuid(true);
    if (!oracle_host_has(7, 1, 3) || !oracle_host_has(7, 1, 8)) {
        g_test_skip("host lacks BMI1 or BMI2 (the fixture's CPUID follows the host's)");
        return;
    }
    /* real mode and virtual-8086 mode: #UD (each VEX instruction's exceptions) */
    g_assert_cmpint(run_fixture(FIXTURE_REAL, NULL, full, andn_code, sizeof(andn_code), &s), ==,
                    X86_EXC_UD);
    g_assert_cmpint(run_fixture(FIXTURE_REAL, NULL, full, rorx_code, sizeof(rorx_code), &s), ==,
                    X86_EXC_UD);
    g_assert_cmpint(run_fixture(FIXTURE_PROT32, enter_vm86, full, andn_code, sizeof(andn_code), &s),
                    ==, X86_EXC_UD);
    g_assert_cmpint(run_fixture(FIXTURE_PROT32, enter_vm86, full, bzhi_code, sizeof(bzhi_code), &s),
                    ==, X86_EXC_UD);
    /* 16-bit and 32-bit protected mode: fine, with 32-bit operands */
    g_assert_cmpint(run_fixture(FIXTURE_PROT32, enter_16bit_protected, full, andn_code,
                                sizeof(andn_code), &s), ==, -1);
    g_assert_cmphex(s.regs[R_EAX], ==, ~0x0f0full & 0x1234);
    g_assert_cmpint(run_fixture(FIXTURE_PROT32, NULL, full, blsr_code, sizeof(blsr_code), &s), ==,
                    -1);
    g_assert_cmphex(s.regs[R_EAX], ==, 0x1230);
    g_assert_cmpint(run_fixture(FIXTURE_PROT32, NULL, full, rorx_code, sizeof(rorx_code), &s), ==,
                    -1);
    g_assert_cmphex(s.regs[R_EAX], ==, 0x80000246);
    /* without the CPUID bits: #UD */
    g_assert_cmpint(run_fixture(FIXTURE_LONG64, NULL, bare, andn_code, sizeof(andn_code), &s), ==,
                    X86_EXC_UD);
    g_assert_cmpint(run_fixture(FIXTURE_LONG64, NULL, bare, rorx_code, sizeof(rorx_code), &s), ==,
                    X86_EXC_UD);
    g_assert_cmpint(run_fixture(FIXTURE_LONG64, NULL, NULL, blsr_code, sizeof(blsr_code), &s), ==,
                    X86_EXC_UD);
    /* BMI1 without BMI2: ANDN runs, BZHI does not */
    static X86Cpuid bmi1_only;
    bmi1_only = *full;
    for (int i = 0; i < bmi1_only.nr; i++) {
        if (bmi1_only.e[i].function == 7) {
            bmi1_only.e[i].ebx &= ~(1u << 8);
        }
    }
    g_assert_cmpint(run_fixture(FIXTURE_LONG64, NULL, &bmi1_only, andn_code, sizeof(andn_code),
                                &s), ==, -1);
    g_assert_cmpint(run_fixture(FIXTURE_LONG64, NULL, &bmi1_only, bzhi_code, sizeof(bzhi_code),
                                &s), ==, X86_EXC_UD);
    g_assert_cmpint(run_fixture(FIXTURE_LONG64, NULL, &bmi1_only, rorx_code, sizeof(rorx_code),
                                &s), ==, X86_EXC_UD);
}

/* The C fallback of hosts without BMI, against this host's instructions (defined flags only). */
static void test_soft_fallback(void)
{
    if (!oracle_host_has(7, 1, 3) || !oracle_host_has(7, 1, 8)) {
        g_test_skip("host lacks BMI1 or BMI2: nothing to compare the fallback with");
        return;
    }
    static const HostAluBmi ops[] = {
        HOSTALU_ANDN, HOSTALU_BEXTR, HOSTALU_BZHI, HOSTALU_BLSI, HOSTALU_BLSMSK, HOSTALU_BLSR,
    };
    oracle_seed(45);
    unsigned failures = 0;
    for (int n = 0; n < 20000; n++) {
        HostAluBmi op = ops[n % G_N_ELEMENTS(ops)];
        unsigned size = (n / G_N_ELEMENTS(ops)) % 2 ? 8 : 4;
        uint64_t a = oracle_value(8);
        uint64_t b = op == HOSTALU_BEXTR ? bmi_value(VAL_BEXTR, size)
                   : op == HOSTALU_BZHI ? bmi_value(VAL_INDEX, size) : oracle_value(8);
        uint64_t in = oracle_flags() | X86_FLAG_DF;
        uint64_t hf = in, sf = in;
        uint64_t hr = hostalu_bmi(op, size, a, b, &hf);
        uint64_t sr = hostalu_bmi_soft(op, size, a, b, &sf);
        uint64_t defined = hostalu_bmi_defined_flags(op) | ~(uint64_t)X86_ARITH_FLAGS;
        if (hr != sr || ((hf ^ sf) & defined)) {
            if (failures++ < 10) {
                g_test_message("op %d size %u a %llx b %llx: host %llx flags %llx, soft %llx "
                               "flags %llx", op, size, (unsigned long long)a, (unsigned long long)b,
                               (unsigned long long)hr, (unsigned long long)hf,
                               (unsigned long long)sr, (unsigned long long)sf);
            }
        }
    }
    g_assert_cmpuint(failures, ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/bmi/forms-64", test_forms_64);
    g_test_add_func("/bmi/forms-32", test_forms_32);
    g_test_add_func("/bmi/edges", test_edges);
    g_test_add_func("/bmi/mulx-same-destination", test_mulx_same_destination);
    g_test_add_func("/bmi/faults", test_faults);
    g_test_add_func("/bmi/ud-encodings", test_ud_encodings);
    g_test_add_func("/bmi/modes-and-cpuid", test_modes_and_cpuid);
    g_test_add_func("/bmi/soft-fallback", test_soft_fallback);
    return g_test_run();
}
