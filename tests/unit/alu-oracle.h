/* Differential harness for the integer-instruction tests: one snippet on the software CPU and on the host. */
#ifndef TESTS_UNIT_ALU_ORACLE_H
#define TESTS_UNIT_ALU_ORACLE_H

/*
 * A case is a snippet of machine code, the general registers, the status
 * flags (and DF) and the first bytes of the data area.  oracle_check() runs
 * it under the fixture (x86-fixture.h) and natively (native-oracle.h) and
 * compares the exception vector, every general register, RIP, the flags
 * (less those the case calls undefined) and the data area, printing the
 * first differences.  Modes:
 *
 *   ORACLE_64  64-bit mode at CPL3 on both sides
 *   ORACLE_32  32-bit protected mode in the fixture; natively the host's
 *              compatibility mode (a far return to Linux's 32-bit user code
 *              segment, 0x23, and a far jump back to 0x33), so that
 *              instructions invalid in 64-bit mode (BCD, INC r32 ...) are
 *              checked against the hardware too.  Registers compare in
 *              their low 32 bits: the SDM leaves the upper halves undefined
 *              after compatibility mode.
 *   ORACLE_16  real mode in the fixture (CS=1000h, DS=ES=SS=2000h) against
 *              the case's 32-bit equivalent `native_code` in compatibility
 *              mode (66-prefixed where the real-mode code has none, 67h for
 *              16-bit addressing) with DS and ES an LDT segment of the same
 *              base and limit.
 *
 * On a fault the fixture must also be unchanged (precise exceptions):
 * registers, flags, RIP at the snippet's first instruction, data.  Faulting
 * cases are therefore single instructions.
 */

#include <asm/ldt.h>
#include <cpuid.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cpu/x86/cpuid.h"
#include "cpu/x86/hostalu.h"
#include "native-oracle.h"

#define ORACLE_DATA_LEN 0x1000u             /* initial contents given by the case */
#define ORACLE_COMPARE_END (FIXTURE_STACK - 0x100u)  /* top of stack: the 32-bit trampoline's */
#define ORACLE_RO_PAGE 0x200000u            /* a read-only page on both sides */
#define ORACLE_MAX_REPORTS 12

typedef enum { ORACLE_64, ORACLE_32, ORACLE_16 } OracleMode;

typedef struct OracleCase {
    OracleMode mode;
    const uint8_t *code;
    size_t len;
    const uint8_t *native_code;     /* what the host runs instead, or NULL: ORACLE_16's 32-bit
                                       equivalent, or what an instruction the guest's CPUID
                                       lacks must behave as */
    size_t native_len;
    uint64_t regs[16];
    uint64_t rflags;                /* status flags and DF */
    const uint8_t *data;            /* ORACLE_DATA_LEN bytes at FIXTURE_DATA, or NULL: zeroes */
    uint64_t undefined_flags;       /* not compared */
    int expect_vector;              /* -1: whatever the host does; else the fixture must give it */
    bool cpuid_bare;                /* run the fixture with a CPUID lacking the optional features */
} OracleCase;

static int oracle_failures;
static int oracle_cases;

/* ---- PRNG (xorshift64*, fixed seeds) ---- */

static uint64_t oracle_rng_state = 0x9e3779b97f4a7c15ull;

static inline void oracle_seed(uint64_t seed)
{
    oracle_rng_state = seed ? seed : 1;
}

static inline uint64_t oracle_rand(void)
{
    uint64_t x = oracle_rng_state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    oracle_rng_state = x;
    return x * 0x2545f4914f6cdd1dull;
}

/* An operand value of `size` bytes: often an edge value (0, 1, sign boundaries, all ones), else random. */
static inline uint64_t oracle_value(unsigned size)
{
    uint64_t mask = x86_size_mask(size);
    uint64_t sign = 1ull << (8 * size - 1);
    uint64_t r = oracle_rand();
    switch (oracle_rand() % 12) {
    case 0: return 0;
    case 1: return 1;
    case 2: return mask;
    case 3: return sign;
    case 4: return sign - 1;
    case 5: return sign + 1;
    case 6: return mask - 1;
    case 7: return r & 0xff;
    default: return r & mask;
    }
}

/* Random status flags and the fixed bit. */
static inline uint64_t oracle_flags(void)
{
    return (oracle_rand() & X86_ARITH_FLAGS) | X86_FLAG_FIXED;
}

/* ---- host features ---- */

static inline bool oracle_host_has(uint32_t leaf, unsigned reg, unsigned bit)
{
    unsigned r[4] = { 0 };
    if (!__get_cpuid_count(leaf, 0, &r[0], &r[1], &r[2], &r[3])) {
        return false;
    }
    return (r[reg] >> bit) & 1;
}

static inline bool oracle_host_is_amd(void)
{
    unsigned a = 0, b = 0, c = 0, d = 0;
    __get_cpuid(0, &a, &b, &c, &d);
    return b == 0x68747541;   /* "Auth" */
}

/*
 * The guest CPUID for the fixture: the optional features this family
 * checks (POPCNT, SSE4.2, LZCNT, BMI1, BMI2, ADX, LAHF-SAHF) as the host has
 * them, or none of them (`bare`).
 */
static inline const X86Cpuid *oracle_cpuid(bool bare)
{
    static X86Cpuid full, none;
    static bool built;
    if (!built) {
        unsigned a = 0, b = 0, c = 0, d = 0;
        full.nr = 4;
        full.e[0] = (X86CpuidEntry){ .function = 0, .eax = 7 };
        __get_cpuid(1, &a, &b, &c, &d);
        full.e[1] = (X86CpuidEntry){ .function = 1, .ecx = c & ((1u << 23) | (1u << 20)) };
        __get_cpuid_count(7, 0, &a, &b, &c, &d);
        full.e[2] = (X86CpuidEntry){ .function = 7, .flags = X86_CPUID_FLAG_INDEXED,
                                     .ebx = b & ((1u << 3) | (1u << 8) | (1u << 19)) };
        __get_cpuid(0x80000001, &a, &b, &c, &d);
        full.e[3] = (X86CpuidEntry){ .function = 0x80000001, .ecx = c & ((1u << 0) | (1u << 5)) };
        full.e[4] = (X86CpuidEntry){ .function = 0x80000000, .eax = 0x80000001 };
        full.nr = 5;
        none = full;
        none.e[1].ecx = 0;
        none.e[2].ebx = 0;
        none.e[3].ecx = 0;
        built = true;
    }
    return bare ? &none : &full;
}

/* ---- the two runs ---- */

typedef struct OracleResult {
    int vector;
    uint64_t regs[16];
    uint64_t rflags;
    uint64_t rip;
} OracleResult;

static Fixture *oracle_fixtures[3];
static X86State oracle_initial[3];

static inline void oracle_map_ro_page(void)
{
    static bool done;
    if (done) {
        return;
    }
    native_oracle_init();
    void *p = mmap((void *)(uintptr_t)ORACLE_RO_PAGE, 0x1000, PROT_READ,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    g_assert_true(p == (void *)(uintptr_t)ORACLE_RO_PAGE);
    done = true;
}

static inline Fixture *oracle_fixture(OracleMode mode)
{
    if (!oracle_fixtures[mode]) {
        FixtureMode fm = mode == ORACLE_64 ? FIXTURE_LONG64 : mode == ORACLE_32 ? FIXTURE_PROT32
                                                                                : FIXTURE_REAL;
        Fixture *f = fixture_new(fm, 3);
        if (mode == ORACLE_64) {
            /* The second 2 MiB page read-only, as ORACLE_RO_PAGE is natively. */
            uint64_t e = (1ull << 21) | 0x85;
            memcpy(f->ram + FIXTURE_PML4 + 0x2000 + 8, &e, 8);
        }
        oracle_initial[mode] = f->cpu.s;
        oracle_fixtures[mode] = f;
    }
    return oracle_fixtures[mode];
}

static inline void oracle_run_fixture(const OracleCase *c, OracleResult *r, uint8_t *area)
{
    Fixture *f = oracle_fixture(c->mode);
    X86State s = oracle_initial[c->mode];
    memcpy(s.regs, c->regs, sizeof(s.regs));
    s.rflags = (s.rflags & ~(uint64_t)(X86_ARITH_FLAGS | X86_FLAG_DF)) |
               (c->rflags & (X86_ARITH_FLAGS | X86_FLAG_DF)) | X86_FLAG_FIXED;
    if (c->mode == ORACLE_16) {
        s.segs[SEG_CS].base = FIXTURE_CODE;
        s.segs[SEG_CS].selector = FIXTURE_CODE >> 4;
        for (int i = 0; i < X86_NR_SEGS; i++) {
            if (i != SEG_CS) {
                s.segs[i].base = FIXTURE_DATA;
                s.segs[i].selector = FIXTURE_DATA >> 4;
            }
        }
        s.rip = 0;
    } else {
        s.rip = FIXTURE_CODE;
    }
    memset(f->ram + FIXTURE_DATA, 0, FIXTURE_STACK - FIXTURE_DATA);
    if (c->data) {
        memcpy(f->ram + FIXTURE_DATA, c->data, ORACLE_DATA_LEN);
    }
    fixture_code(f, c->code, c->len);
    if (c->mode == ORACLE_16) {
        f->code_end = c->len;
    }
    x86_cpu_set_state(&f->cpu, &s);
    f->cpu.cpuid = oracle_cpuid(c->cpuid_bare);
    r->vector = fixture_run_max(f, 64, NULL);
    memcpy(r->regs, f->cpu.s.regs, sizeof(r->regs));
    r->rflags = f->cpu.s.rflags;
    r->rip = f->cpu.s.rip;
    memcpy(area, f->ram + FIXTURE_DATA, FIXTURE_STACK - FIXTURE_DATA);
}

/*
 * The 32-bit snippet wrapped for the host: a far return into compatibility
 * mode, DS and ES loaded with the 32-bit data selector, the snippet, a far
 * jump back to 64-bit mode.  None of these touch the flags.
 */
static inline size_t oracle_wrap_compat(const uint8_t *code, size_t len, uint8_t data_sel,
                                        uint8_t *out)
{
    size_t n = 0;
    uint32_t entry = FIXTURE_CODE + 9;
    out[n++] = 0x6a; out[n++] = 0x23;                               /* push $0x23 */
    out[n++] = 0x68; memcpy(out + n, &entry, 4); n += 4;            /* push $entry */
    out[n++] = 0x48; out[n++] = 0xcb;                               /* lretq */
    out[n++] = 0x6a; out[n++] = data_sel; out[n++] = 0x1f;          /* push $sel; pop %ds */
    out[n++] = 0x6a; out[n++] = data_sel; out[n++] = 0x07;          /* push $sel; pop %es */
    memcpy(out + n, code, len);
    n += len;
    uint32_t back = FIXTURE_CODE + (uint32_t)n + 7;
    out[n++] = 0xea; memcpy(out + n, &back, 4); n += 4;             /* ljmp $0x33, $back */
    out[n++] = 0x33; out[n++] = 0x00;
    return n;
}

#define ORACLE_USER_DS32 0x2b   /* Linux's flat 32-bit user data segment */

/*
 * For ORACLE_16 on the host: an LDT data segment with the fixture's
 * real-mode DS (base FIXTURE_DATA, limit FFFFh), so 16-bit addressing
 * (67h-prefixed in the 32-bit equivalent) wraps and checks limits as in
 * real mode.  Selector 7: LDT entry 0, RPL 3.
 */
static inline uint8_t oracle_real_mode_ds(void)
{
    static bool done;
    if (!done) {
        struct user_desc d = { .entry_number = 0, .base_addr = FIXTURE_DATA, .limit = 0xffff,
                               .seg_32bit = 1, .useable = 1 };
        g_assert_cmpint(syscall(SYS_modify_ldt, 1, &d, sizeof(d)), ==, 0);
        done = true;
    }
    return 0x07;
}

static inline void oracle_run_native(const OracleCase *c, OracleResult *r, uint8_t *area)
{
    static NativeState ns;
    uint8_t wrapped[256];
    const uint8_t *code = c->code;
    size_t len = c->len;
    oracle_map_ro_page();
    memset(&ns, 0, sizeof(ns));
    memcpy(ns.regs, c->regs, sizeof(ns.regs));
    ns.regs[R_ESP] = FIXTURE_STACK;
    if (c->native_code) {
        code = c->native_code;
        len = c->native_len;
    }
    if (c->mode != ORACLE_64) {
        g_assert_cmpuint(len, <, sizeof(wrapped) - 32);
        len = oracle_wrap_compat(code, len, c->mode == ORACLE_16 ? oracle_real_mode_ds()
                                                                 : ORACLE_USER_DS32, wrapped);
        code = wrapped;
    }
    ns.rflags = (c->rflags & (X86_ARITH_FLAGS | X86_FLAG_DF)) | X86_FLAG_FIXED | X86_FLAG_IF;
    native_fx_default(ns.fx);
    memset(area, 0, FIXTURE_STACK - FIXTURE_DATA);
    if (c->data) {
        memcpy(area, c->data, ORACLE_DATA_LEN);
    }
    r->vector = native_run(&ns, code, len, area);
    memcpy(r->regs, ns.regs, sizeof(r->regs));
    r->rflags = ns.rflags;
    r->rip = ns.rip;
}

/* ---- comparison ---- */

static const char *const oracle_reg_names[16] = {
    "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
    "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
};

static inline void oracle_dump_case(const OracleCase *c, const char *what)
{
    char line[512];
    int n = snprintf(line, sizeof(line), "%s: mode %d code", what,
                     c->mode == ORACLE_64 ? 64 : c->mode == ORACLE_32 ? 32 : 16);
    for (size_t i = 0; i < c->len && n < (int)sizeof(line) - 4; i++) {
        n += snprintf(line + n, sizeof(line) - n, " %02x", c->code[i]);
    }
    n += snprintf(line + n, sizeof(line) - n, " flags %03llx", (unsigned long long)c->rflags);
    fprintf(stderr, "# %s\n#   in:", line);
    for (int i = 0; i < 16; i++) {
        if (c->regs[i]) {
            fprintf(stderr, " %s=%llx", oracle_reg_names[i], (unsigned long long)c->regs[i]);
        }
    }
    fprintf(stderr, "\n");
}

/*
 * Whether this kernel runs 32-bit user code (IA32 emulation can be built out
 * or switched off): without it the 32-bit and real-mode cases are skipped,
 * with a message, instead of failing.
 */
static inline bool oracle_compat_available(void)
{
    static int state;
    if (state == 0) {
        static const uint8_t nop = 0x90;
        OracleCase probe = { .mode = ORACLE_32, .code = &nop, .len = 1 };
        OracleResult r;
        static uint8_t area[FIXTURE_STACK - FIXTURE_DATA];
        oracle_run_native(&probe, &r, area);
        state = r.vector == -1 ? 1 : -1;
        if (state < 0) {
            g_test_message("the host kernel does not run 32-bit code: 32-bit and real-mode "
                           "cases skipped");
        }
    }
    return state > 0;
}

/* Run case c both ways; false (with the differences printed) if they disagree. */
static inline bool oracle_check(const OracleCase *in, const char *what)
{
    if (in->mode != ORACLE_64 && !oracle_compat_available()) {
        return true;
    }
    OracleCase copy = *in;
    const OracleCase *c = &copy;
    copy.regs[R_ESP] = FIXTURE_STACK;
    static uint8_t fixture_area[FIXTURE_STACK - FIXTURE_DATA];
    static uint8_t native_area[FIXTURE_STACK - FIXTURE_DATA];
    OracleResult fx, nat;
    char diff[1024];
    int n = 0;

    oracle_cases++;
    oracle_run_fixture(c, &fx, fixture_area);
    oracle_run_native(c, &nat, native_area);

    uint64_t reg_mask = c->mode == ORACLE_64 ? ~0ull : 0xffffffffull;
    uint64_t flag_mask = (X86_ARITH_FLAGS | X86_FLAG_DF) & ~c->undefined_flags;
    diff[0] = 0;
    if (nat.vector >= 0) {
        /* The host's signal names the fault class; the fixture must fault precisely. */
        int want = c->expect_vector >= 0 ? c->expect_vector : nat.vector;
        /* Linux reports #GP and #PF as SIGSEGV, #SS (a non-canonical stack access) as SIGBUS. */
        bool same_class = fx.vector == want ||
                          (nat.vector == X86_EXC_GP && c->expect_vector < 0 &&
                           (fx.vector == X86_EXC_GP || fx.vector == X86_EXC_PF)) ||
                          (nat.vector == X86_EXC_AC && c->expect_vector < 0 &&
                           fx.vector == X86_EXC_SS);
        if (!same_class) {
            n += snprintf(diff + n, sizeof(diff) - n, " vector %d, host %d (want %d)",
                          fx.vector, nat.vector, want);
        }
        for (int i = 0; i < 16 && n < 900; i++) {
            if (fx.regs[i] != c->regs[i]) {
                n += snprintf(diff + n, sizeof(diff) - n, " %s changed at fault",
                              oracle_reg_names[i]);
            }
        }
        if ((fx.rflags ^ c->rflags) & (X86_ARITH_FLAGS | X86_FLAG_DF)) {
            n += snprintf(diff + n, sizeof(diff) - n, " flags changed at fault");
        }
        uint64_t start = c->mode == ORACLE_16 ? 0 : FIXTURE_CODE;
        if (fx.rip != start) {
            n += snprintf(diff + n, sizeof(diff) - n, " rip %llx at fault",
                          (unsigned long long)fx.rip);
        }
        for (unsigned i = 0; i < ORACLE_COMPARE_END - FIXTURE_DATA; i++) {
            uint8_t was = c->data && i < ORACLE_DATA_LEN ? c->data[i] : 0;
            if (fixture_area[i] != was) {
                n += snprintf(diff + n, sizeof(diff) - n, " data %x changed at fault",
                              FIXTURE_DATA + i);
                break;
            }
        }
    } else {
        if (fx.vector != -1) {
            n += snprintf(diff + n, sizeof(diff) - n, " vector %d, host none", fx.vector);
        } else if (c->expect_vector >= 0) {
            n += snprintf(diff + n, sizeof(diff) - n, " no fault, want vector %d",
                          c->expect_vector);
        }
        for (int i = 0; i < 16 && n < 900; i++) {
            if ((fx.regs[i] ^ nat.regs[i]) & reg_mask) {
                n += snprintf(diff + n, sizeof(diff) - n, " %s %llx, host %llx",
                              oracle_reg_names[i], (unsigned long long)fx.regs[i],
                              (unsigned long long)nat.regs[i]);
            }
        }
        if ((fx.rflags ^ nat.rflags) & flag_mask) {
            n += snprintf(diff + n, sizeof(diff) - n, " flags %03llx, host %03llx",
                          (unsigned long long)(fx.rflags & flag_mask),
                          (unsigned long long)(nat.rflags & flag_mask));
        }
        if (c->mode == ORACLE_64 && fx.vector == -1 && fx.rip != nat.rip) {
            n += snprintf(diff + n, sizeof(diff) - n, " rip %llx, host %llx",
                          (unsigned long long)fx.rip, (unsigned long long)nat.rip);
        }
        for (unsigned i = 0; i < ORACLE_COMPARE_END - FIXTURE_DATA; i++) {
            if (fixture_area[i] != native_area[i]) {
                n += snprintf(diff + n, sizeof(diff) - n, " data[%x] %02x, host %02x",
                              FIXTURE_DATA + i, fixture_area[i], native_area[i]);
                break;
            }
        }
    }
    if (n == 0) {
        return true;
    }
    if (oracle_failures++ < ORACLE_MAX_REPORTS) {
        oracle_dump_case(c, what);
        fprintf(stderr, "#   differs:%s\n", diff);
    }
    return false;
}

/* Only the fixture: the vector it raises (-1: none), for behaviour the host cannot show (a CPUID without a feature). */
static inline int oracle_fixture_vector(const OracleCase *in, OracleResult *out)
{
    static uint8_t area[FIXTURE_STACK - FIXTURE_DATA];
    OracleCase copy = *in;
    OracleResult r;
    copy.regs[R_ESP] = FIXTURE_STACK;
    oracle_cases++;
    oracle_run_fixture(&copy, out ? out : &r, area);
    return out ? out->vector : r.vector;
}

/* End of a test function: every case must have agreed. */
static inline void oracle_assert_all_passed(const char *what, int cases_before)
{
    g_test_message("%s: %d cases", what, oracle_cases - cases_before);
    if (oracle_failures) {
        g_test_message("%s: %d cases differ from the host", what, oracle_failures);
    }
    g_assert_cmpint(oracle_failures, ==, 0);
}

/* ---- a small encoder for the generated cases ---- */

typedef struct Asm {
    uint8_t b[32];
    size_t n;
} Asm;

static inline void asm_byte(Asm *a, uint8_t v)
{
    g_assert_cmpuint(a->n, <, sizeof(a->b));
    a->b[a->n++] = v;
}

static inline void asm_bytes(Asm *a, uint64_t v, unsigned count)
{
    for (unsigned i = 0; i < count; i++) {
        asm_byte(a, (uint8_t)(v >> (8 * i)));
    }
}

/*
 * The operands of a ModRM instruction in 64-bit mode: ModRM.reg (a register
 * or an opcode extension) and ModRM.r/m, a register or [base + disp8] in the
 * data area.  RSP is never a destination (the host's signal frames need it).
 */
typedef struct Operands {
    unsigned reg;       /* 0-15, or the /digit */
    bool mem;
    unsigned rm;        /* register when !mem */
    unsigned base;      /* base register when mem */
    int8_t disp;
    bool rex;           /* a REX prefix even without bits set: SPL..DIL instead of AH..BH */
} Operands;

#define ORACLE_MEM_BASE (FIXTURE_DATA + 0x800u)

/* A general register number for an operand of `size` that may be written (never RSP/SPL). */
static inline unsigned oracle_pick_reg(unsigned size, bool rex)
{
    for (;;) {
        unsigned r = oracle_rand() % (size == 1 && !rex ? 8 : 16);
        if (r != R_ESP || (size == 1 && !rex)) {
            return r;
        }
    }
}

/*
 * Random operands: `ext` >= 0 puts that /digit in ModRM.reg; `mem` chooses
 * a memory r/m.  Sets the base register in c->regs and a value of `size`
 * bytes at the operand's address in `data`.
 */
static inline void oracle_pick_operands(Operands *o, unsigned size, int ext, bool mem,
                                        OracleCase *c, uint8_t *data)
{
    memset(o, 0, sizeof(*o));
    o->rex = size == 1 && (oracle_rand() & 1);
    o->reg = ext >= 0 ? (unsigned)ext : oracle_pick_reg(size, o->rex);
    o->mem = mem;
    if (mem) {
        do {
            o->base = oracle_rand() % (size == 1 && !o->rex ? 8 : 16);
        } while ((o->base & 7) == R_ESP || (ext < 0 && o->base == o->reg && size == 1 && !o->rex));
        o->disp = (int8_t)oracle_rand();
        c->regs[o->base] = ORACLE_MEM_BASE;
        uint64_t v = oracle_value(size);
        memcpy(data + (ORACLE_MEM_BASE - FIXTURE_DATA) + o->disp, &v, size);
    } else {
        o->rm = oracle_pick_reg(size, o->rex);
    }
    if (size == 1 && (o->reg >= 8 || (mem ? o->base : o->rm) >= 8)) {
        o->rex = true;
    }
    if (size == 1 && o->rex && ext < 0 && o->reg == R_ESP) {
        o->reg = R_EAX;
    }
    if (size == 1 && o->rex && !mem && o->rm == R_ESP) {
        o->rm = R_EAX;
    }
}

/* [LOCK] [66] [REX] opcode ModRM [disp8] for operands o at operand size `size`. */
static inline void asm_modrm_insn(Asm *a, bool lock, unsigned size, const Operands *o,
                                  const uint8_t *opcode, size_t opcode_len)
{
    if (lock) {
        asm_byte(a, 0xf0);
    }
    if (size == 2) {
        asm_byte(a, 0x66);
    }
    unsigned rmreg = o->mem ? o->base : o->rm;
    unsigned rex = (size == 8 ? 8 : 0) | (o->reg >= 8 ? 4 : 0) | (rmreg >= 8 ? 1 : 0);
    if (rex || o->rex) {
        asm_byte(a, (uint8_t)(0x40 | rex));
    }
    for (size_t i = 0; i < opcode_len; i++) {
        asm_byte(a, opcode[i]);
    }
    asm_byte(a, (uint8_t)((o->mem ? 0x40 : 0xc0) | (o->reg & 7) << 3 | (rmreg & 7)));
    if (o->mem) {
        asm_byte(a, (uint8_t)o->disp);
    }
}

/* Fill c with random registers (RSP aside), random flags and random data. */
static inline void oracle_random_state(OracleCase *c, uint8_t *data)
{
    for (int i = 0; i < 16; i++) {
        c->regs[i] = oracle_value(8);
    }
    c->rflags = oracle_flags();
    for (unsigned i = 0; i < ORACLE_DATA_LEN; i += 8) {
        uint64_t v = oracle_rand();
        memcpy(data + i, &v, 8);
    }
    c->data = data;
    c->expect_vector = -1;
}

#endif
