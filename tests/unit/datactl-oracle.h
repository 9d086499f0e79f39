/* Differential harness for the data-transfer, control, string and misc tests: fixture vs the host CPU. */
#ifndef TESTS_UNIT_DATACTL_ORACLE_H
#define TESTS_UNIT_DATACTL_ORACLE_H

/*
 * A case is a snippet, the general registers (rSP included), the status
 * flags and DF, and the initial data area.  dc_check() runs it under the
 * fixture and natively and compares the fault (by class: the host reports
 * #GP, #PF and #SS all as SIGSEGV), every general register, the flags in
 * the case's mask, RIP and the whole data/stack area.  A faulting case must
 * also leave the fixture exactly as it was (precise exceptions).
 *
 *   DC_64  64-bit mode at CPL3 on both sides.
 *   DC_32  32-bit protected mode at CPL3 in the fixture; natively Linux's
 *          compatibility mode.  The host enters it without touching the
 *          stack: DS and ES are loaded with the 32-bit data selector, a far
 *          JMP through memory goes to code selector 0x23, and a far JMP back
 *          to 0x33 follows the snippet.  The snippet sits at the same
 *          address on both sides (FIXTURE_CODE + DC_COMPAT_PROLOGUE), so
 *          return addresses agree.  Registers compare in their low 32 bits.
 *
 * Segment selectors in the fixture are set to the host's (CS, SS, DS, ES,
 * FS, GS as Linux leaves them) so that PUSH Sreg agrees; the hidden parts
 * stay flat.  The second 2 MiB page (DC_RO_PAGE) is read-only on both
 * sides and 0x400000 is unmapped on both (DC_UNMAPPED), for fault cases.
 */

#include <stdio.h>

#include "cpu/x86/cpuid.h"
#include "cpu/x86/hostalu.h"
#include "cpu/x86/soft_cpuid.h"
#include "native-oracle.h"

#define DC_RO_PAGE 0x200000u
#define DC_UNMAPPED 0x400000u
#define DC_AREA (FIXTURE_STACK - FIXTURE_DATA)
#define DC_COMPAT_PROLOGUE 18u
#define DC_MAX_REPORTS 10

typedef enum { DC_64, DC_32 } DcMode;

typedef struct DcCase {
    DcMode mode;
    const uint8_t *code;
    size_t len;
    uint64_t regs[16];          /* regs[R_ESP] = 0 means FIXTURE_STACK */
    uint64_t rflags;            /* status flags and DF */
    const uint8_t *data;        /* data_len bytes at FIXTURE_DATA, or NULL: zeroes */
    size_t data_len;
    uint64_t extra_flags;       /* flags compared besides the status flags and DF */
    uint64_t undefined_flags;   /* status flags not compared */
    int max_steps;              /* instructions the fixture may run; 0 = 20000 */
    const X86Cpuid *cpuid;      /* NULL: the software CPU's own table */
    int expect_vector;          /* -1: as the host; else the fixture must raise this */
} DcCase;

static int dc_failures;
static int dc_cases;

/* ---- PRNG: xorshift64*, fixed seed per test ---- */

static uint64_t dc_rng = 0x9e3779b97f4a7c15ull;

static inline void dc_seed(uint64_t seed)
{
    dc_rng = seed ? seed : 1;
}

static inline uint64_t dc_rand(void)
{
    dc_rng ^= dc_rng >> 12;
    dc_rng ^= dc_rng << 25;
    dc_rng ^= dc_rng >> 27;
    return dc_rng * 0x2545f4914f6cdd1dull;
}

static inline unsigned dc_below(unsigned n)
{
    return (unsigned)(dc_rand() % n);
}

/* A register value: often an edge (0, 1, sign boundaries, all ones), else random. */
static inline uint64_t dc_value(void)
{
    uint64_t r = dc_rand();
    switch (dc_below(14)) {
    case 0: return 0;
    case 1: return 1;
    case 2: return ~0ull;
    case 3: return 0x8000000000000000ull;
    case 4: return 0x7fffffffffffffffull;
    case 5: return 0x80000000ull;
    case 6: return 0x7fffffffull;
    case 7: return 0xffffffffull;
    case 8: return 0x8000 | (r << 32);
    case 9: return 0x80 | (r & ~0xffull);
    case 10: return r & 0xff;
    default: return r;
    }
}

static inline uint64_t dc_flags(void)
{
    return (dc_rand() & X86_ARITH_FLAGS) | X86_FLAG_FIXED;
}

static inline void dc_random_data(uint8_t *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        buf[i] = (uint8_t)dc_rand();
    }
}

/* ---- the software CPU's CPUID, and copies with a feature removed ---- */

static inline const X86Cpuid *dc_soft_cpuid(void)
{
    static X86Cpuid t;
    static bool built;
    if (!built) {
        x86_soft_cpuid_supported(&t);
        built = true;
    }
    return &t;
}

/* A copy of the soft table with bit `bit` of register `reg` (0-3) of leaf (fn, index) cleared. */
static inline void dc_cpuid_without(X86Cpuid *out, uint32_t fn, uint32_t index, int reg, int bit)
{
    *out = *dc_soft_cpuid();
    for (int i = 0; i < out->nr; i++) {
        X86CpuidEntry *e = &out->e[i];
        if (e->function == fn && e->index == index) {
            uint32_t *r = reg == 0 ? &e->eax : reg == 1 ? &e->ebx : reg == 2 ? &e->ecx : &e->edx;
            *r &= ~(1u << bit);
        }
    }
}

/* ---- the host side ---- */

static uint16_t dc_host_sel[X86_NR_SEGS];

static inline void dc_host_init(void)
{
    static bool done;
    if (done) {
        return;
    }
    native_oracle_init();
    void *p = mmap((void *)(uintptr_t)DC_RO_PAGE, 0x1000, PROT_READ,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    g_assert_true(p == (void *)(uintptr_t)DC_RO_PAGE);
    /* Reserve the "unmapped" page so nothing else lands there. */
    p = mmap((void *)(uintptr_t)DC_UNMAPPED, 0x1000, PROT_NONE,
             MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    g_assert_true(p == (void *)(uintptr_t)DC_UNMAPPED);
    /*
     * Faults with a broken guest stack (rSP read-only, unmapped or
     * non-canonical) must still reach the handler: run it on its own stack.
     */
    static uint8_t altstack[64 * 1024];
    stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };
    g_assert_cmpint(sigaltstack(&ss, NULL), ==, 0);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = native_fault_handler;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER | SA_ONSTACK;
    const int sigs[] = { SIGFPE, SIGILL, SIGSEGV, SIGBUS, SIGTRAP };
    for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
        sigaction(sigs[i], &sa, NULL);
    }
    uint16_t s;
    __asm__ volatile("mov %%es, %0" : "=r"(s)); dc_host_sel[SEG_ES] = s;
    __asm__ volatile("mov %%cs, %0" : "=r"(s)); dc_host_sel[SEG_CS] = s;
    __asm__ volatile("mov %%ss, %0" : "=r"(s)); dc_host_sel[SEG_SS] = s;
    __asm__ volatile("mov %%ds, %0" : "=r"(s)); dc_host_sel[SEG_DS] = s;
    __asm__ volatile("mov %%fs, %0" : "=r"(s)); dc_host_sel[SEG_FS] = s;
    __asm__ volatile("mov %%gs, %0" : "=r"(s)); dc_host_sel[SEG_GS] = s;
    done = true;
}

#define DC_COMPAT_CS 0x23
#define DC_COMPAT_DS 0x2b

/*
 * Wrap a 32-bit snippet for the host (see the top of the file):
 *   mov ds, [rip+sel]; mov es, [rip+sel]; jmp far [rip+farptr]
 *   <snippet>  (at FIXTURE_CODE + DC_COMPAT_PROLOGUE)
 *   jmp 0x33:back
 *   farptr: dd entry; dw 0x23    sel: dw 0x2b
 *   back: (native_run's jump to native_exit)
 */
static inline size_t dc_wrap_compat(const uint8_t *code, size_t len, uint8_t *out)
{
    size_t n = 0;
    size_t data_at = DC_COMPAT_PROLOGUE + len + 7;
    size_t total = data_at + 8;
    int32_t rel;
    out[n++] = 0x8e; out[n++] = 0x1d;                       /* mov ds, [rip+rel] */
    rel = (int32_t)(data_at + 6 - (n + 4)); memcpy(out + n, &rel, 4); n += 4;
    out[n++] = 0x8e; out[n++] = 0x05;                       /* mov es, [rip+rel] */
    rel = (int32_t)(data_at + 6 - (n + 4)); memcpy(out + n, &rel, 4); n += 4;
    out[n++] = 0xff; out[n++] = 0x2d;                       /* jmp far [rip+rel] */
    rel = (int32_t)(data_at - (n + 4)); memcpy(out + n, &rel, 4); n += 4;
    g_assert_cmpuint(n, ==, DC_COMPAT_PROLOGUE);
    memcpy(out + n, code, len);
    n += len;
    uint32_t back = FIXTURE_CODE + (uint32_t)total;
    out[n++] = 0xea; memcpy(out + n, &back, 4); n += 4;     /* jmp 0x33:back */
    out[n++] = 0x33; out[n++] = 0x00;
    uint32_t entry = FIXTURE_CODE + DC_COMPAT_PROLOGUE;
    memcpy(out + n, &entry, 4); n += 4;
    out[n++] = DC_COMPAT_CS; out[n++] = 0;
    out[n++] = DC_COMPAT_DS; out[n++] = 0;
    g_assert_cmpuint(n, ==, total);
    return n;
}

typedef struct DcResult {
    int vector;
    uint64_t regs[16];
    uint64_t rflags;
    uint64_t rip;
    uint8_t area[DC_AREA];
} DcResult;

static inline uint64_t dc_code_base(DcMode mode)
{
    return FIXTURE_CODE + (mode == DC_32 ? DC_COMPAT_PROLOGUE : 0);
}

static inline void dc_initial_area(const DcCase *c, uint8_t *area)
{
    memset(area, 0, DC_AREA);
    if (c->data) {
        memcpy(area, c->data, c->data_len < DC_AREA ? c->data_len : DC_AREA);
    }
}

static inline void dc_initial_regs(const DcCase *c, uint64_t regs[16])
{
    memcpy(regs, c->regs, 16 * sizeof(uint64_t));
    if (!regs[R_ESP]) {
        regs[R_ESP] = FIXTURE_STACK;
    }
}

static inline void dc_run_native(const DcCase *c, DcResult *r)
{
    static NativeState ns;
    uint8_t wrapped[512];
    const uint8_t *code = c->code;
    size_t len = c->len;
    dc_host_init();
    memset(&ns, 0, sizeof(ns));
    dc_initial_regs(c, ns.regs);
    if (c->mode == DC_32) {
        g_assert_cmpuint(len, <, sizeof(wrapped) - 64);
        len = dc_wrap_compat(code, len, wrapped);
        code = wrapped;
    }
    ns.rflags = (c->rflags & (X86_ARITH_FLAGS | X86_FLAG_DF)) | X86_FLAG_FIXED | X86_FLAG_IF;
    native_fx_default(ns.fx);
    dc_initial_area(c, r->area);
    r->vector = native_run(&ns, code, len, r->area);
    memcpy(r->regs, ns.regs, sizeof(r->regs));
    r->rflags = ns.rflags;
    r->rip = r->vector < 0 ? dc_code_base(c->mode) + c->len : 0;
}

/* ---- the fixture side ---- */

static Fixture *dc_fixtures[2];
static X86State dc_initial_state[2];

static inline Fixture *dc_fixture(DcMode mode)
{
    if (!dc_fixtures[mode]) {
        dc_host_init();
        Fixture *f = fixture_new(mode == DC_64 ? FIXTURE_LONG64 : FIXTURE_PROT32, 3);
        if (mode == DC_64) {
            uint64_t ro = (1ull << 21) | 0x85;      /* 2 MiB at DC_RO_PAGE: present, user, read-only */
            memcpy(f->ram + FIXTURE_PML4 + 0x2000 + 8, &ro, 8);
            uint64_t none = 0;                      /* DC_UNMAPPED: not present */
            memcpy(f->ram + FIXTURE_PML4 + 0x2000 + 16, &none, 8);
        }
        X86State s = f->cpu.s;
        for (int i = 0; i < X86_NR_SEGS; i++) {
            s.segs[i].selector = dc_host_sel[i];
        }
        if (mode == DC_32) {
            s.segs[SEG_CS].selector = DC_COMPAT_CS;
            s.segs[SEG_DS].selector = DC_COMPAT_DS;
            s.segs[SEG_ES].selector = DC_COMPAT_DS;
        }
        s.rflags = X86_FLAG_FIXED | X86_FLAG_IF;
        dc_initial_state[mode] = s;
        dc_fixtures[mode] = f;
    }
    return dc_fixtures[mode];
}

static inline void dc_run_fixture(const DcCase *c, DcResult *r)
{
    Fixture *f = dc_fixture(c->mode);
    X86State s = dc_initial_state[c->mode];
    dc_initial_regs(c, s.regs);
    s.rflags = (s.rflags & ~(uint64_t)(X86_ARITH_FLAGS | X86_FLAG_DF)) |
               (c->rflags & (X86_ARITH_FLAGS | X86_FLAG_DF));
    uint64_t base = dc_code_base(c->mode);
    s.rip = base;
    dc_initial_area(c, f->ram + FIXTURE_DATA);
    memset(f->ram + FIXTURE_CODE, 0xcc, 0x100);
    memcpy(f->ram + base, c->code, c->len);
    f->code_end = base + c->len;
    x86_cpu_set_state(&f->cpu, &s);
    f->cpu.cpuid = c->cpuid ? c->cpuid : dc_soft_cpuid();
    r->vector = fixture_run_max(f, c->max_steps ? c->max_steps : 20000, NULL);
    memcpy(r->regs, f->cpu.s.regs, sizeof(r->regs));
    r->rflags = f->cpu.s.rflags;
    r->rip = f->cpu.s.rip;
    memcpy(r->area, f->ram + FIXTURE_DATA, DC_AREA);
}

/* ---- comparison ---- */

static const char *const dc_reg_names[16] = {
    "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
    "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
};

static inline void dc_dump_case(const DcCase *c, const char *what)
{
    fprintf(stderr, "# %s: %d-bit, code", what, c->mode == DC_64 ? 64 : 32);
    for (size_t i = 0; i < c->len && i < 40; i++) {
        fprintf(stderr, " %02x", c->code[i]);
    }
    fprintf(stderr, ", flags %03llx\n#   in:", (unsigned long long)c->rflags);
    uint64_t regs[16];
    dc_initial_regs(c, regs);
    for (int i = 0; i < 16; i++) {
        fprintf(stderr, " %s=%llx", dc_reg_names[i], (unsigned long long)regs[i]);
    }
    fprintf(stderr, "\n");
}

#define DC_APPEND(...) (n += snprintf(diff + n, n < sizeof(diff) ? sizeof(diff) - n : 0, __VA_ARGS__))

/* Run case c on both sides; false (and the first differences on stderr) if they disagree. */
static inline bool dc_check(const DcCase *c, const char *what)
{
    static DcResult fx, nat;
    uint8_t initial_area[DC_AREA];
    uint64_t initial_regs[16];
    char diff[1024];
    size_t n = 0;

    dc_cases++;
    dc_run_fixture(c, &fx);
    dc_run_native(c, &nat);
    dc_initial_area(c, initial_area);
    dc_initial_regs(c, initial_regs);
    diff[0] = 0;

    uint64_t reg_mask = c->mode == DC_64 ? ~0ull : 0xffffffffull;
    uint64_t flag_mask = ((X86_ARITH_FLAGS | X86_FLAG_DF) & ~c->undefined_flags) | c->extra_flags;
    if (nat.vector >= 0 || c->expect_vector >= 0) {
        int want = c->expect_vector >= 0 ? c->expect_vector : nat.vector;
        bool host_segv = nat.vector == X86_EXC_GP;
        bool fx_segv = fx.vector == X86_EXC_GP || fx.vector == X86_EXC_PF || fx.vector == X86_EXC_SS;
        bool same = fx.vector == want || (c->expect_vector < 0 && host_segv && fx_segv);
        if (nat.vector < 0) {
            DC_APPEND(" host did not fault");
        }
        if (!same) {
            DC_APPEND(" vector %d, want %d (host %d)", fx.vector, want, nat.vector);
        }
        for (int i = 0; i < 16; i++) {
            if (fx.regs[i] != initial_regs[i]) {
                DC_APPEND(" %s changed at the fault", dc_reg_names[i]);
            }
        }
        if ((fx.rflags ^ (c->rflags | X86_FLAG_FIXED | X86_FLAG_IF)) & flag_mask) {
            DC_APPEND(" flags changed at the fault");
        }
        if (fx.rip != dc_code_base(c->mode)) {
            DC_APPEND(" rip %llx at the fault", (unsigned long long)fx.rip);
        }
        if (memcmp(fx.area, initial_area, DC_AREA) != 0) {
            DC_APPEND(" data changed at the fault");
        }
    } else {
        if (fx.vector >= 0) {
            DC_APPEND(" vector %d, host none", fx.vector);
        }
        for (int i = 0; i < 16; i++) {
            if ((fx.regs[i] ^ nat.regs[i]) & reg_mask) {
                DC_APPEND(" %s %llx, host %llx", dc_reg_names[i],
                          (unsigned long long)fx.regs[i], (unsigned long long)nat.regs[i]);
            }
        }
        if ((fx.rflags ^ nat.rflags) & flag_mask) {
            DC_APPEND(" flags %llx, host %llx", (unsigned long long)(fx.rflags & flag_mask),
                      (unsigned long long)(nat.rflags & flag_mask));
        }
        if (fx.vector < 0 && fx.rip != nat.rip) {
            DC_APPEND(" rip %llx, host %llx", (unsigned long long)fx.rip,
                      (unsigned long long)nat.rip);
        }
        /* native_exit's PUSHFQ wrote the 8 bytes below the host's final rSP: not the snippet's. */
        uint64_t scratch = (nat.regs[R_ESP] & reg_mask) - 8;
        for (unsigned i = 0; i < DC_AREA; i++) {
            if (FIXTURE_DATA + i - scratch < 8) {
                continue;
            }
            if (fx.area[i] != nat.area[i]) {
                DC_APPEND(" data[%x] %02x, host %02x", FIXTURE_DATA + i, fx.area[i], nat.area[i]);
                break;
            }
        }
    }
    if (n == 0) {
        return true;
    }
    if (dc_failures++ < DC_MAX_REPORTS) {
        dc_dump_case(c, what);
        fprintf(stderr, "#   differs:%s\n", diff);
    }
    return false;
}

/* At the end of a test function: every case agreed. */
static inline void dc_finish(const char *what, int cases_before, int failures_before)
{
    g_test_message("%s: %d cases", what, dc_cases - cases_before);
    g_assert_cmpint(dc_failures - failures_before, ==, 0);
}

/* ---- a small encoder ---- */

typedef struct DcAsm {
    uint8_t b[64];
    size_t n;
} DcAsm;

static inline void dc_byte(DcAsm *a, unsigned v)
{
    g_assert_cmpuint(a->n, <, sizeof(a->b));
    a->b[a->n++] = (uint8_t)v;
}

static inline void dc_le(DcAsm *a, uint64_t v, unsigned count)
{
    for (unsigned i = 0; i < count; i++) {
        dc_byte(a, (uint8_t)(v >> (8 * i)));
    }
}

static inline void dc_bytes(DcAsm *a, const uint8_t *p, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        dc_byte(a, p[i]);
    }
}

/*
 * 66 and REX for an operand of `size` bytes in 64-bit mode with ModRM
 * register numbers reg and rm (0-15).  `rex_always` forces a REX (for
 * SPL..DIL); a byte operand 4-7 without it is AH..BH.
 */
static inline void dc_prefixes(DcAsm *a, DcMode mode, unsigned size, unsigned reg, unsigned rm,
                               bool rex_always)
{
    if (size == 2) {
        dc_byte(a, 0x66);
    }
    if (mode != DC_64) {
        return;
    }
    unsigned rex = (size == 8 ? 8 : 0) | ((reg >> 3) << 2) | (rm >> 3);
    if (rex || rex_always) {
        dc_byte(a, 0x40 | rex);
    }
}

/* ModRM for a register operand rm, or memory [base + disp8] (base not rSP/r12). */
static inline void dc_modrm(DcAsm *a, unsigned reg, unsigned rm, bool mem, int8_t disp)
{
    if (mem) {
        dc_byte(a, 0x40 | ((reg & 7) << 3) | (rm & 7));
        dc_byte(a, (uint8_t)disp);
    } else {
        dc_byte(a, 0xc0 | ((reg & 7) << 3) | (rm & 7));
    }
}

#endif
