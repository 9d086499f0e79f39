/* Data-transfer rules the host cannot show (cpu/x86/data.c): CPUID gating, 16-bit stacks, PUSHA/POPA, POPF privilege, vm86, LOCK across vCPUs. */
#include <glib.h>
#include <pthread.h>

#include "datactl-oracle.h"

/*
 * The host runs user code in 64-bit mode (and compatibility mode): these
 * rules need other modes, privilege levels or several vCPUs, so the fixture
 * is checked against values worked out from the SDM.
 */

static Fixture *mode_fixture(FixtureMode mode, int cpl, const uint8_t *code, size_t len)
{
    Fixture *f = fixture_new(mode, cpl);
    f->cpu.cpuid = dc_soft_cpuid();
    fixture_code(f, code, len);
    return f;
}

/* 16-bit code (real mode, virtual-8086): CS based at the code, IP from 0. */
static void code16_at_base(Fixture *f, size_t len)
{
    f->cpu.s.segs[SEG_CS].base = FIXTURE_CODE;
    f->cpu.s.segs[SEG_CS].selector = FIXTURE_CODE >> 4;
    f->cpu.s.rip = 0;
    f->code_end = len;
}

/* MOVBE and CMPXCHG16B raise #UD when CPUID does not advertise them. */
static void test_cpuid_gating(void)
{
    static X86Cpuid no_movbe, no_cx16;
    dc_cpuid_without(&no_movbe, 1, 0, 2, 22);
    dc_cpuid_without(&no_cx16, 1, 0, 2, 13);
    static const uint8_t movbe[] = { 0x0f, 0x38, 0xf0, 0x03 };      /* movbe eax, [rbx] */
    static const uint8_t cx16[] = { 0x48, 0x0f, 0xc7, 0x0b };       /* cmpxchg16b [rbx] */
    struct { const uint8_t *code; size_t len; const X86Cpuid *t; } cases[] = {
        { movbe, sizeof(movbe), &no_movbe }, { cx16, sizeof(cx16), &no_cx16 },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        Fixture *f = mode_fixture(FIXTURE_LONG64, 3, cases[i].code, cases[i].len);
        f->cpu.s.regs[R_EBX] = FIXTURE_DATA;
        f->cpu.cpuid = cases[i].t;
        g_assert_cmpint(fixture_run(f), ==, X86_EXC_UD);
        g_assert_cmphex(f->cpu.s.rip, ==, FIXTURE_CODE);
        f->cpu.cpuid = dc_soft_cpuid();
        g_assert_cmpint(fixture_run(f), ==, -1);
        fixture_free(f);
    }
}

/* PUSHA/POPA in 32-bit mode with 32- and 16-bit operands (the host's 64-bit mode lacks them). */
static void test_pusha_popa(void)
{
    static const uint8_t code[] = {
        0x60,               /* pushad */
        0x66, 0x60,         /* pushaw */
        0x66, 0x61,         /* popaw */
        0x61,               /* popad */
    };
    Fixture *f = mode_fixture(FIXTURE_PROT32, 0, code, 1);
    for (int r = 0; r < 8; r++) {
        f->cpu.s.regs[r] = 0x11111111u * (r + 1);
    }
    f->cpu.s.regs[R_ESP] = FIXTURE_STACK;
    g_assert_cmpint(fixture_run(f), ==, -1);
    /* EAX ECX EDX EBX ESP(original) EBP ESI EDI, from high to low addresses. */
    for (int r = 0; r < 8; r++) {
        uint32_t v;
        memcpy(&v, f->ram + FIXTURE_STACK - 4 * (r + 1), 4);
        g_assert_cmphex(v, ==, r == R_ESP ? FIXTURE_STACK : 0x11111111u * (r + 1));
    }
    g_assert_cmphex(f->cpu.s.regs[R_ESP], ==, FIXTURE_STACK - 32);
    fixture_free(f);

    /* PUSHAD, PUSHAW, registers scribbled over, POPAW, POPAD: all restored. */
    f = mode_fixture(FIXTURE_PROT32, 0, code, 3);
    for (int r = 0; r < 8; r++) {
        f->cpu.s.regs[r] = 0x11111111u * (r + 1);
    }
    f->cpu.s.regs[R_ESP] = FIXTURE_STACK;
    g_assert_cmpint(fixture_run(f), ==, -1);
    g_assert_cmphex(f->cpu.s.regs[R_ESP], ==, FIXTURE_STACK - 48);
    for (int r = 0; r < 8; r++) {
        if (r != R_ESP) {
            f->cpu.s.regs[r] = 0xdeadbeef;
        }
    }
    memcpy(f->ram + FIXTURE_CODE, code, sizeof(code));
    f->code_end = FIXTURE_CODE + sizeof(code);
    g_assert_cmpint(fixture_run(f), ==, -1);
    for (int r = 0; r < 8; r++) {
        g_assert_cmphex(f->cpu.s.regs[r], ==, r == R_ESP ? FIXTURE_STACK : 0x11111111u * (r + 1));
    }
    fixture_free(f);

    /* POPAW restores only the low halves: the upper halves stay as they were. */
    static const uint8_t popaw[] = { 0x66, 0x61 };
    f = mode_fixture(FIXTURE_PROT32, 0, popaw, sizeof(popaw));
    for (int r = 0; r < 8; r++) {
        f->cpu.s.regs[r] = r == R_ESP ? FIXTURE_STACK - 16 : 0xabcd0000u;
        uint16_t v = 0x100 + r;
        memcpy(f->ram + FIXTURE_STACK - 16 + 2 * (7 - r), &v, 2);
    }
    g_assert_cmpint(fixture_run(f), ==, -1);
    for (int r = 0; r < 8; r++) {
        uint64_t want = r == R_ESP ? FIXTURE_STACK : 0xabcd0000u | (0x100 + r);
        g_assert_cmphex(f->cpu.s.regs[r], ==, want);
    }
    fixture_free(f);

    /*
     * PUSHAD into an expand-down stack whose lowest 16 of the 32 bytes are
     * outside the segment: #SS, and not one of the first four stores.
     */
    static const uint8_t pushad[] = { 0x60 };
    f = mode_fixture(FIXTURE_PROT32, 0, pushad, 1);
    f->cpu.s.segs[SEG_SS].type = 7;
    f->cpu.s.segs[SEG_SS].limit = FIXTURE_STACK - 17;
    f->cpu.s.regs[R_ESP] = FIXTURE_STACK;
    memset(f->ram + FIXTURE_STACK - 32, 0x5a, 32);
    g_assert_cmpint(fixture_run(f), ==, X86_EXC_SS);
    g_assert_cmphex(f->cpu.s.regs[R_ESP], ==, FIXTURE_STACK);
    for (int i = 0; i < 32; i++) {
        g_assert_cmphex(f->ram[FIXTURE_STACK - 32 + i], ==, 0x5a);
    }
    fixture_free(f);
}

static void stack16(Fixture *f, uint64_t base)
{
    f->cpu.s.segs[SEG_SS].db = 0;
    f->cpu.s.segs[SEG_SS].limit = 0xffff;
    f->cpu.s.segs[SEG_SS].base = base;
    x86_cpu_mode_changed(&f->cpu);
}

/* A 16-bit stack (SS.B = 0) in 32-bit code: SP wraps within 16 bits, ESP's upper half stays. */
static void test_stack16(void)
{
    static const uint8_t push_ax[] = { 0x66, 0x50 }, push_eax[] = { 0x50 };
    Fixture *f = mode_fixture(FIXTURE_PROT32, 0, push_ax, sizeof(push_ax));
    stack16(f, FIXTURE_DATA);
    f->cpu.s.regs[R_ESP] = 0x12340000;
    f->cpu.s.regs[R_EAX] = 0xcafef00d;
    g_assert_cmpint(fixture_run(f), ==, -1);   /* SP 0 -> 0xfffe */
    g_assert_cmphex(f->cpu.s.regs[R_ESP], ==, 0x1234fffe);
    uint16_t w;
    memcpy(&w, f->ram + FIXTURE_DATA + 0xfffe, 2);
    g_assert_cmphex(w, ==, 0xf00d);
    fixture_free(f);

    /* PUSH EAX at SP = 1: the dword at 0xfffd would cross the limit: #SS, nothing changed. */
    f = mode_fixture(FIXTURE_PROT32, 0, push_eax, sizeof(push_eax));
    stack16(f, 0);
    f->cpu.s.regs[R_ESP] = 0x12340001;
    g_assert_cmpint(fixture_run(f), ==, X86_EXC_SS);
    g_assert_cmphex(f->cpu.s.regs[R_ESP], ==, 0x12340001);
    fixture_free(f);

    /*
     * ENTER 8, 2 then LEAVE, 32-bit operands on a 16-bit stack.  SDM ENTER:
     * FrameTemp <- ESP (the whole register) for a 32-bit operand size, the
     * copies come from SS:[BP - 4], and SP drops by the stack size.
     */
    static const uint8_t enter[] = { 0xc8, 0x08, 0x00, 0x02, 0xc9 };
    f = mode_fixture(FIXTURE_PROT32, 0, enter, sizeof(enter));
    f->code_end = FIXTURE_CODE + 4;
    stack16(f, 0);
    f->cpu.s.regs[R_ESP] = 0xaaaa8000;
    f->cpu.s.regs[R_EBP] = 0xbbbb9000;
    uint32_t outer = 0x11223344, v;
    memcpy(f->ram + 0x9000 - 4, &outer, 4);
    g_assert_cmpint(fixture_run(f), ==, -1);
    /* EBP pushed at 7ffc, [BP-4] copied to 7ff8, FrameTemp pushed at 7ff4, SP = 7ff4 - 8. */
    g_assert_cmphex(f->cpu.s.regs[R_EBP], ==, 0xaaaa7ffc);
    g_assert_cmphex(f->cpu.s.regs[R_ESP], ==, 0xaaaa7fec);
    memcpy(&v, f->ram + 0x7ffc, 4);
    g_assert_cmphex(v, ==, 0xbbbb9000);
    memcpy(&v, f->ram + 0x7ff8, 4);
    g_assert_cmphex(v, ==, 0x11223344);
    memcpy(&v, f->ram + 0x7ff4, 4);
    g_assert_cmphex(v, ==, 0xaaaa7ffc);
    f->code_end = FIXTURE_CODE + 5;
    g_assert_cmpint(fixture_run(f), ==, -1);   /* leave: SP = BP, pop EBP */
    g_assert_cmphex(f->cpu.s.regs[R_ESP], ==, 0xaaaa8000);
    g_assert_cmphex(f->cpu.s.regs[R_EBP], ==, 0xbbbb9000);
    fixture_free(f);
}

/* POPF by privilege (SDM vol. 2B POPF): CPL0 changes IOPL and IF; CPL3 with IOPL=3 changes IF only. */
static void test_popf_privilege(void)
{
    static const uint8_t popf[] = { 0x9d };
    struct { int cpl; unsigned iopl; uint32_t image; uint32_t want; } cases[] = {
        { 0, 0, 0x3000 | X86_FLAG_FIXED, 0x3000 | X86_FLAG_FIXED },             /* IF 1 -> 0, IOPL 0 -> 3 */
        { 3, 0, 0x3000 | X86_FLAG_FIXED, X86_FLAG_IF | X86_FLAG_FIXED },        /* neither */
        { 3, 3, X86_FLAG_FIXED, 0x3000 | X86_FLAG_FIXED },                      /* IF only */
        { 0, 0, 0x40000 | 0x200000 | 0x10000 | 0x20000 | X86_FLAG_FIXED,
          0x40000 | 0x200000 | X86_FLAG_FIXED },                                /* AC, ID; not RF, VM */
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        Fixture *f = mode_fixture(FIXTURE_PROT32, cases[i].cpl, popf, 1);
        f->cpu.s.rflags = X86_FLAG_FIXED | X86_FLAG_IF | ((uint64_t)cases[i].iopl << 12);
        f->cpu.s.regs[R_ESP] = FIXTURE_STACK - 4;
        memcpy(f->ram + FIXTURE_STACK - 4, &cases[i].image, 4);
        g_assert_cmpint(fixture_run(f), ==, -1);
        g_assert_cmphex(f->cpu.s.rflags, ==, cases[i].want);
        g_assert_cmphex(f->cpu.s.regs[R_ESP], ==, FIXTURE_STACK);
        fixture_free(f);
    }
    /* Real mode: every flag of the low 16 bits, IOPL included. */
    Fixture *f = mode_fixture(FIXTURE_REAL, 0, popf, 1);
    code16_at_base(f, 1);
    f->cpu.s.regs[R_ESP] = 0xfffe;
    f->cpu.s.segs[SEG_SS].base = FIXTURE_DATA;
    uint16_t image = 0x7fd5;
    memcpy(f->ram + FIXTURE_DATA + 0xfffe, &image, 2);
    g_assert_cmpint(fixture_run(f), ==, -1);
    g_assert_cmphex(f->cpu.s.rflags & 0xffff, ==, 0x7fd7 & ~0x28u);
    g_assert_cmphex(f->cpu.s.regs[R_ESP] & 0xffff, ==, 0);
    fixture_free(f);
}

/* Virtual-8086 mode: PUSHF/POPF #GP with IOPL < 3, unless CR4.VME and 16-bit (VIF for IF). */
static void test_vm86_flags(void)
{
    static const uint8_t pushf[] = { 0x9c }, popf[] = { 0x9d }, pushfd[] = { 0x66, 0x9c };
    /* IOPL 0, no VME: #GP. */
    Fixture *f = mode_fixture(FIXTURE_PROT32, 0, pushf, 1);
    f->cpu.s.rflags = X86_FLAG_FIXED | X86_FLAG_VM | X86_FLAG_IF;
    f->cpu.s.segs[SEG_CS].db = 0;
    f->cpu.s.segs[SEG_SS].db = 0;
    x86_cpu_mode_changed(&f->cpu);
    code16_at_base(f, 1);
    f->cpu.s.regs[R_ESP] = 0x100;
    g_assert_cmpint(fixture_run(f), ==, X86_EXC_GP);
    /* CR4.VME: a 16-bit PUSHF pushes VIF as IF and IOPL 3. */
    f->cpu.s.cr4 |= X86_CR4_VME;
    f->cpu.s.rflags = X86_FLAG_FIXED | X86_FLAG_VM | X86_FLAG_VIF | X86_FLAG_CF;
    f->cpu.s.rip = 0;
    g_assert_cmpint(fixture_run(f), ==, -1);
    uint16_t v;
    memcpy(&v, f->ram + 0xfe, 2);
    g_assert_cmphex(v, ==, X86_FLAG_FIXED | X86_FLAG_IF | 0x3000 | X86_FLAG_CF);
    /* ... a 32-bit one still faults. */
    fixture_code(f, pushfd, 2);
    code16_at_base(f, 2);
    g_assert_cmpint(fixture_run(f), ==, X86_EXC_GP);
    fixture_free(f);

    /* POPF under VME: IF in the image goes to VIF; TF set, or IF with VIP pending, faults. */
    struct { uint16_t image; uint32_t vip; int vector; uint32_t vif; } cases[] = {
        { X86_FLAG_IF | X86_FLAG_FIXED, 0, -1, X86_FLAG_VIF },
        { X86_FLAG_FIXED, 0, -1, 0 },
        { X86_FLAG_IF | X86_FLAG_FIXED, X86_FLAG_VIP, X86_EXC_GP, 0 },
        { X86_FLAG_TF | X86_FLAG_FIXED, 0, X86_EXC_GP, 0 },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        f = mode_fixture(FIXTURE_PROT32, 0, popf, 1);
        f->cpu.s.cr4 |= X86_CR4_VME;
        f->cpu.s.rflags = X86_FLAG_FIXED | X86_FLAG_VM | cases[i].vip;
        f->cpu.s.segs[SEG_CS].db = 0;
        f->cpu.s.segs[SEG_SS].db = 0;
        x86_cpu_mode_changed(&f->cpu);
        code16_at_base(f, 1);
        f->cpu.s.regs[R_ESP] = 0x100;
        memcpy(f->ram + 0x100, &cases[i].image, 2);
        g_assert_cmpint(fixture_run(f), ==, cases[i].vector);
        if (cases[i].vector < 0) {
            g_assert_cmphex(f->cpu.s.rflags & (X86_FLAG_VIF | X86_FLAG_IF), ==, cases[i].vif);
            g_assert_cmphex(f->cpu.s.regs[R_ESP], ==, 0x102);
        } else {
            g_assert_cmphex(f->cpu.s.regs[R_ESP], ==, 0x100);
        }
        fixture_free(f);
    }
}

/* POP SS sets the MOV-SS interrupt shadow; POP DS with a bad selector faults with rSP unchanged. */
static void test_pop_segment(void)
{
    static const uint8_t pop_ds[] = { 0x1f }, pop_ss[] = { 0x17 };
    Fixture *f = mode_fixture(FIXTURE_REAL, 0, pop_ss, 1);
    code16_at_base(f, 1);
    f->cpu.s.regs[R_ESP] = 0x100;
    uint16_t sel = 0x1234;
    memcpy(f->ram + 0x100, &sel, 2);
    g_assert_cmpint(fixture_run(f), ==, -1);
    g_assert_cmphex(f->cpu.s.segs[SEG_SS].selector, ==, 0x1234);
    g_assert_cmphex(f->cpu.s.segs[SEG_SS].base, ==, 0x12340);
    g_assert_cmphex(f->cpu.s.regs[R_ESP], ==, 0x102);
    g_assert_true(f->cpu.s.events.interrupt_shadow & X86_SHADOW_MOVSS);
    fixture_free(f);

    /* Protected mode: POP DS loads the descriptor (flat data, DPL 0, at GDT index 5). */
    f = mode_fixture(FIXTURE_PROT32, 0, pop_ds, 1);
    f->cpu.s.gdtr.base = 0x8000;
    f->cpu.s.gdtr.limit = 0x2f;
    uint64_t desc = 0x00cf93000000ffffull | (0x12ull << 16);   /* base 0x12, limit 4G, RW data */
    memcpy(f->ram + 0x8000 + 0x28, &desc, 8);
    f->cpu.s.regs[R_ESP] = FIXTURE_STACK - 4;
    uint32_t good = 0x28;
    memcpy(f->ram + FIXTURE_STACK - 4, &good, 4);
    g_assert_cmpint(fixture_run(f), ==, -1);
    g_assert_cmphex(f->cpu.s.segs[SEG_DS].selector, ==, 0x28);
    g_assert_cmphex(f->cpu.s.segs[SEG_DS].base, ==, 0x12);
    g_assert_cmphex(f->cpu.s.regs[R_ESP], ==, FIXTURE_STACK);
    fixture_free(f);

    /* Protected mode: a selector past the GDT limit is #GP(selector), ESP unchanged. */
    f = mode_fixture(FIXTURE_PROT32, 0, pop_ds, 1);
    f->cpu.s.gdtr.base = 0x8000;
    f->cpu.s.gdtr.limit = 0x17;
    f->cpu.s.regs[R_ESP] = FIXTURE_STACK - 4;
    uint32_t bad = 0x28;
    memcpy(f->ram + FIXTURE_STACK - 4, &bad, 4);
    uint32_t err = 0;
    g_assert_cmpint(fixture_run_max(f, 10, &err), ==, X86_EXC_GP);
    g_assert_cmphex(err, ==, 0x28);
    g_assert_cmphex(f->cpu.s.regs[R_ESP], ==, FIXTURE_STACK - 4);
    fixture_free(f);
}

/* ---- LOCK'd read-modify-write from two vCPU threads on shared RAM ---- */

typedef struct SmpVcpu {
    X86Cpu cpu;
    uint64_t end;
    int vector;
} SmpVcpu;

static void *smp_run(void *opaque)
{
    SmpVcpu *v = opaque;
    X86Cpu *cpu = &v->cpu;
    jmp_buf env;
    v->vector = -1;
    cpu->unwind = &env;
    if (setjmp(env)) {
        v->vector = cpu->s.events.exception_nr;
        return NULL;
    }
    while (cpu->s.rip != v->end) {
        X86Insn insn;
        x86_fetch_decode(cpu, &insn);
        cpu->next_rip = cpu->s.rip + insn.len;
        x86_execute(cpu, &insn);
        cpu->s.rip = cpu->next_rip;
    }
    return NULL;
}

/*
 * Two vCPUs increment one counter N times each, with LOCK XADD, with a
 * LOCK CMPXCHG retry loop, and with XCHG as a spinlock around a plain
 * increment: the total must be exact (the host atomics of data.c).
 */
static void test_lock_smp(void)
{
    static const uint8_t xadd_loop[] = {
        0xb8, 0x01, 0x00, 0x00, 0x00,   /* L: mov eax, 1 */
        0xf0, 0x0f, 0xc1, 0x03,         /* lock xadd [rbx], eax */
        0xff, 0xc9,                     /* dec ecx */
        0x75, 0xf3,                     /* jnz L */
    };
    static const uint8_t cmpxchg_loop[] = {
        0x8b, 0x03,                     /* L: mov eax, [rbx] */
        0x8d, 0x50, 0x01,               /* lea edx, [rax+1] */
        0xf0, 0x0f, 0xb1, 0x13,         /* lock cmpxchg [rbx], edx */
        0x75, 0xf5,                     /* jnz L */
        0xff, 0xc9,                     /* dec ecx */
        0x75, 0xf1,                     /* jnz L */
    };
    static const uint8_t spinlock_loop[] = {
        0xb8, 0x01, 0x00, 0x00, 0x00,   /* L: mov eax, 1 */
        0x87, 0x43, 0x40,               /* S: xchg [rbx+0x40], eax */
        0x85, 0xc0,                     /* test eax, eax */
        0x75, 0xf9,                     /* jnz S (eax is 1 again) */
        0xff, 0x03,                     /* inc dword [rbx] (not locked) */
        0x31, 0xc0,                     /* xor eax, eax */
        0x87, 0x43, 0x40,               /* xchg [rbx+0x40], eax: release */
        0xff, 0xc9,                     /* dec ecx */
        0x75, 0xe9,                     /* jnz L */
    };
    struct { const char *what; const uint8_t *code; size_t len; } loops[] = {
        { "lock xadd", xadd_loop, sizeof(xadd_loop) },
        { "lock cmpxchg", cmpxchg_loop, sizeof(cmpxchg_loop) },
        { "xchg spinlock", spinlock_loop, sizeof(spinlock_loop) },
    };
    const uint32_t n = 50000;
    for (size_t i = 0; i < G_N_ELEMENTS(loops); i++) {
        Fixture *f = fixture_new(FIXTURE_LONG64, 3);
        fixture_code(f, loops[i].code, loops[i].len);
        memset(f->ram + FIXTURE_DATA, 0, 0x100);
        static SmpVcpu v[2];
        pthread_t t[2];
        for (int k = 0; k < 2; k++) {
            X86State s = f->cpu.s;
            s.regs[R_EBX] = FIXTURE_DATA;
            s.regs[R_EAX] = 1;
            s.regs[R_ECX] = n;
            x86_cpu_init(&v[k].cpu, &f->mem, &f->io);
            x86_cpu_set_state(&v[k].cpu, &s);
            v[k].end = f->code_end;
            g_assert_cmpint(pthread_create(&t[k], NULL, smp_run, &v[k]), ==, 0);
        }
        for (int k = 0; k < 2; k++) {
            pthread_join(t[k], NULL);
            g_assert_cmpint(v[k].vector, ==, -1);
        }
        uint32_t total;
        memcpy(&total, f->ram + FIXTURE_DATA, 4);
        g_test_message("%s: %u", loops[i].what, total);
        g_assert_cmpuint(total, ==, 2 * n);
        fixture_free(f);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/data-rules/cpuid-gating", test_cpuid_gating);
    g_test_add_func("/data-rules/pusha-popa", test_pusha_popa);
    g_test_add_func("/data-rules/stack16", test_stack16);
    g_test_add_func("/data-rules/popf-privilege", test_popf_privilege);
    g_test_add_func("/data-rules/vm86-flags", test_vm86_flags);
    g_test_add_func("/data-rules/pop-segment", test_pop_segment);
    g_test_add_func("/data-rules/lock-smp", test_lock_smp);
    return g_test_run();
}
