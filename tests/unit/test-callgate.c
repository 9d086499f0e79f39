/* Call gates (cpu/x86/callgate.c) and far RET to an outer level: stack switch, parameter copy, every fault case. */
#include <glib.h>

#include "x86-tables.h"

/*
 * Expected values come from SDM vol. 2 CALL/JMP/RET (pseudo-code and
 * exception lists) and vol. 3A 5.8.3-5.8.6.  The caller runs at CPL3 with
 * flat DPL3 segments (selectors 0x1b/0x23); the CPL0 stack is TBL_STACK0
 * from the current TSS.
 */

#define SEL_GATE 0x38
#define TARGET (FIXTURE_CODE + 0x100)

/* call far 0x003b:00000000 */
static const uint8_t call_gate32[] = { 0x9a, 0, 0, 0, 0, SEL_GATE | 3, 0 };

/* A 32-bit protected-mode fixture at `cpl` with the shared GDT and TSS A current. */
static Fixture *legacy_fixture(int cpl)
{
    Fixture *f = fixture_new(FIXTURE_PROT32, cpl);
    tables_init(f, false);
    gdt_set(f, SEL_TSS_A, desc_system(TBL_TSS_A, 0x67, TYPE_TSS32, 0));
    tables_set_tr(f, SEL_TSS_A);
    tss32_set_stack(f, TBL_TSS_A, 0, TBL_STACK0, SEL_KDATA);
    put16(f, TBL_TSS_A + 102, 104);
    return f;
}

/* CALL through a 32-bit gate with two dword parameters to CPL0, then RETF 8 back to CPL3. */
static void test_call_gate32_round_trip(void)
{
    static const uint8_t caller[] = {
        0x68, 0x11, 0x11, 0xaa, 0xaa,   /* push 0xaaaa1111 */
        0x68, 0x22, 0x22, 0xbb, 0xbb,   /* push 0xbbbb2222 */
        0x9a, 0, 0, 0, 0, SEL_GATE | 3, 0,
    };
    static const uint8_t callee[] = {
        0x66, 0xb8, SEL_KDATA, 0x00,    /* mov ax, 0x10 */
        0x8e, 0xd8,                     /* mov ds, ax: a DPL0 segment the caller may not keep */
        0xca, 0x08, 0x00,               /* retf 8 */
    };
    Fixture *f = legacy_fixture(3);
    gdt_set(f, SEL_GATE, desc_gate(SEL_KCODE, TARGET, TYPE_CALL32, 3, 2));
    fixture_code(f, caller, sizeof(caller));
    code_at(f, TARGET, callee, sizeof(callee));
    X86Cpu *cpu = &f->cpu;

    expect_run(f, 3);
    g_assert_cmpint(cpu->cpl, ==, 0);
    g_assert_cmphex(cpu->s.segs[SEG_CS].selector, ==, SEL_KCODE);
    g_assert_cmphex(cpu->s.rip, ==, TARGET);
    g_assert_cmphex(cpu->s.segs[SEG_SS].selector, ==, SEL_KDATA);
    uint32_t esp = cpu->s.regs[R_ESP];
    g_assert_cmphex(esp, ==, TBL_STACK0 - 24);
    /* SDM 5.8.5, figure 5-13: EIP, CS, the parameters in their order, ESP, SS. */
    g_assert_cmphex(get32(f, esp), ==, FIXTURE_CODE + sizeof(caller));
    g_assert_cmphex(get32(f, esp + 4), ==, SEL_UCODE | 3);
    g_assert_cmphex(get32(f, esp + 8), ==, 0xbbbb2222);
    g_assert_cmphex(get32(f, esp + 12), ==, 0xaaaa1111);
    g_assert_cmphex(get32(f, esp + 16), ==, FIXTURE_STACK - 8);
    g_assert_cmphex(get32(f, esp + 20), ==, SEL_UDATA | 3);
    /* The SS descriptor's accessed bit is set by the load. */
    g_assert_cmphex((gdt_get(f, SEL_KDATA) >> 40) & 1, ==, 1);

    expect_run(f, 3);
    g_assert_cmpint(cpu->cpl, ==, 3);
    g_assert_cmphex(cpu->s.segs[SEG_CS].selector, ==, SEL_UCODE | 3);
    g_assert_cmphex(cpu->s.rip, ==, FIXTURE_CODE + sizeof(caller));
    g_assert_cmphex(cpu->s.segs[SEG_SS].selector, ==, SEL_UDATA | 3);
    g_assert_cmphex(cpu->s.regs[R_ESP], ==, FIXTURE_STACK);   /* the parameters released */
    /* SDM vol. 2 RET: DS held a DPL0 segment, so it is nulled; ES (DPL3) stays. */
    g_assert_cmphex(cpu->s.segs[SEG_DS].selector, ==, 0);
    g_assert_true(cpu->s.segs[SEG_DS].unusable);
    g_assert_false(cpu->s.segs[SEG_ES].unusable);
    fixture_free(f);
}

/* A 16-bit gate: one word parameter, 16-bit pushes, a 16-bit entry offset; O16 RETF 2 back. */
static void test_call_gate16(void)
{
    enum { CALLER = 0x6000, CALLEE = 0x7000, USER_SP = 0x9000 };
    static const uint8_t caller[] = {
        0x66, 0x68, 0x78, 0x56,          /* push word 0x5678 */
        0x9a, 0, 0, 0, 0, SEL_GATE | 3, 0,
    };
    static const uint8_t callee[] = { 0x66, 0xca, 0x02, 0x00 };   /* o16 retf 2 */
    Fixture *f = legacy_fixture(3);
    gdt_set(f, SEL_GATE, desc_gate(SEL_KCODE, 0xabcd0000 | CALLEE, TYPE_CALL16, 3, 1));
    code_at(f, CALLER, caller, sizeof(caller));
    code_at(f, CALLEE, callee, sizeof(callee));
    X86Cpu *cpu = &f->cpu;
    cpu->s.rip = CALLER;
    cpu->s.regs[R_ESP] = USER_SP;
    tss32_set_stack(f, TBL_TSS_A, 0, 0x5000, SEL_KDATA);

    expect_run(f, 2);
    g_assert_cmpint(cpu->cpl, ==, 0);
    g_assert_cmphex(cpu->s.rip, ==, CALLEE);   /* the gate's upper offset bits do not count */
    g_assert_cmphex(cpu->s.regs[R_ESP], ==, 0x5000 - 10);
    g_assert_cmphex(get16(f, 0x5000 - 10), ==, CALLER + sizeof(caller));
    g_assert_cmphex(get16(f, 0x5000 - 8), ==, SEL_UCODE | 3);
    g_assert_cmphex(get16(f, 0x5000 - 6), ==, 0x5678);
    g_assert_cmphex(get16(f, 0x5000 - 4), ==, USER_SP - 2);
    g_assert_cmphex(get16(f, 0x5000 - 2), ==, SEL_UDATA | 3);

    expect_run(f, 1);
    g_assert_cmpint(cpu->cpl, ==, 3);
    g_assert_cmphex(cpu->s.rip, ==, CALLER + sizeof(caller));
    g_assert_cmphex(cpu->s.regs[R_ESP], ==, USER_SP);
    g_assert_cmphex(cpu->s.segs[SEG_SS].selector, ==, SEL_UDATA | 3);
    fixture_free(f);
}

/* Through a gate to a conforming segment: no privilege change, CS:EIP pushed on the same stack. */
static void test_call_gate_same_level(void)
{
    enum { SEL_CONF = 0x40 };
    Fixture *f = legacy_fixture(3);
    gdt_set(f, SEL_CONF, desc_segment(0, 0xffffffff, TYPE_CODE_CONF, 0, DESC_P | DESC_S | DESC_DB));
    gdt_set(f, SEL_GATE, desc_gate(SEL_CONF, TARGET, TYPE_CALL32, 3, 5));
    fixture_code(f, call_gate32, sizeof(call_gate32));
    X86Cpu *cpu = &f->cpu;
    expect_run(f, 1);
    g_assert_cmpint(cpu->cpl, ==, 3);
    g_assert_cmphex(cpu->s.segs[SEG_CS].selector, ==, SEL_CONF | 3);   /* RPL = CPL */
    g_assert_cmphex(cpu->s.rip, ==, TARGET);
    g_assert_cmphex(cpu->s.regs[R_ESP], ==, FIXTURE_STACK - 8);   /* no parameters copied */
    g_assert_cmphex(get32(f, FIXTURE_STACK - 8), ==, FIXTURE_CODE + sizeof(call_gate32));
    g_assert_cmphex(get32(f, FIXTURE_STACK - 4), ==, SEL_UCODE | 3);
    g_assert_cmphex(cpu->s.segs[SEG_SS].selector, ==, SEL_UDATA | 3);
    fixture_free(f);
}

/* JMP through a gate: same level only; nothing pushed. */
static void test_jmp_gate(void)
{
    static const uint8_t jmp[] = { 0xea, 0, 0, 0, 0, SEL_GATE | 3, 0 };   /* jmp far 0x3b:0 */
    Fixture *f = legacy_fixture(3);
    gdt_set(f, SEL_GATE, desc_gate(SEL_UCODE, TARGET, TYPE_CALL32, 3, 3));
    fixture_code(f, jmp, sizeof(jmp));
    expect_run(f, 1);
    g_assert_cmphex(f->cpu.s.segs[SEG_CS].selector, ==, SEL_UCODE | 3);
    g_assert_cmphex(f->cpu.s.rip, ==, TARGET);
    g_assert_cmphex(f->cpu.s.regs[R_ESP], ==, FIXTURE_STACK);
    fixture_free(f);

    /* To a more privileged non-conforming segment: #GP(code selector), SDM vol. 2 JMP. */
    f = legacy_fixture(3);
    gdt_set(f, SEL_GATE, desc_gate(SEL_KCODE, TARGET, TYPE_CALL32, 3, 0));
    fixture_code(f, jmp, sizeof(jmp));
    uint32_t err = 0;
    g_assert_cmpint(run_until_fault(f, 1, &err), ==, X86_EXC_GP);
    g_assert_cmphex(err, ==, SEL_KCODE);
    g_assert_cmphex(f->cpu.s.rip, ==, FIXTURE_CODE);
    fixture_free(f);
}

/* ---- faults: each leaves CS, EIP, SS and ESP as they were ---- */

typedef struct FaultCase {
    const char *what;
    int cpl;
    void (*setup)(Fixture *f);
    int vector;
    uint32_t error;
} FaultCase;

static void gate_to(Fixture *f, uint16_t target, unsigned dpl)
{
    gdt_set(f, SEL_GATE, desc_gate(target, TARGET, TYPE_CALL32, dpl, 0));
}

static void setup_gate_dpl2(Fixture *f) { gate_to(f, SEL_KCODE, 2); }
static void setup_not_present(Fixture *f)
{
    gdt_set(f, SEL_GATE, gdt_get(f, SEL_GATE) & ~DESC_P);
}
static void setup_null_target(Fixture *f) { gate_to(f, 0, 3); }
static void setup_target_beyond(Fixture *f) { gate_to(f, 0x800, 3); }
static void setup_target_data(Fixture *f) { gate_to(f, SEL_KDATA, 3); }
static void setup_target_outer(Fixture *f) { gate_to(f, SEL_UCODE, 3); }
static void setup_target_absent(Fixture *f)
{
    gdt_set(f, 0x40, desc_code32(0) & ~DESC_P);
    gate_to(f, 0x40, 3);
}
static void setup_ss0(Fixture *f, uint16_t ss) { tss32_set_stack(f, TBL_TSS_A, 0, TBL_STACK0, ss); }
static void setup_ss0_null(Fixture *f) { setup_ss0(f, 0); }
static void setup_ss0_rpl(Fixture *f) { setup_ss0(f, SEL_KDATA | 3); }
static void setup_ss0_dpl(Fixture *f) { setup_ss0(f, SEL_UDATA); }
static void setup_ss0_code(Fixture *f) { setup_ss0(f, SEL_KCODE); }
static void setup_ss0_absent(Fixture *f)
{
    gdt_set(f, 0x48, desc_data32(0) & ~DESC_P);
    setup_ss0(f, 0x48);
}
static void setup_ss0_beyond(Fixture *f) { setup_ss0(f, 0x800); }
static void setup_tss_short(Fixture *f) { f->cpu.s.tr.limit = 8; }
static void setup_stack_full(Fixture *f)
{
    gdt_set(f, 0x50, desc_segment(0, 0xff, TYPE_DATA_RW, 0, DESC_P | DESC_S | DESC_DB));
    tss32_set_stack(f, TBL_TSS_A, 0, 0x10, 0x50);   /* room for 16 bytes, 24 needed */
    gate_to(f, SEL_KCODE, 3);
    gdt_set(f, SEL_GATE, gdt_get(f, SEL_GATE) | (2ull << 32));   /* two parameters */
}
static void setup_entry_beyond(Fixture *f)
{
    gdt_set(f, 0x58, desc_segment(0, 0xfff, TYPE_CODE_XR, 0, DESC_P | DESC_S | DESC_DB));
    gdt_set(f, SEL_GATE, desc_gate(0x58, 0x2000, TYPE_CALL32, 3, 0));
}
static void setup_ldt_target(Fixture *f)
{
    gdt_set(f, SEL_GATE, desc_system(TBL_LDT, 0xff, TYPE_LDT, 3));
}
static void setup_busy_tss_target(Fixture *f)
{
    gdt_set(f, SEL_GATE, desc_system(TBL_TSS_B, 0x67, TYPE_TSS32_BUSY, 3));
}
static void setup_param_fault(Fixture *f)
{
    /* The caller's stack holds fewer bytes than the two parameters: #SS(0) reading them. */
    gdt_set(f, SEL_GATE, desc_gate(SEL_KCODE, TARGET, TYPE_CALL32, 3, 2));
    f->cpu.s.segs[SEG_SS].limit = FIXTURE_STACK + 3;
}

static const FaultCase fault_cases[] = {
    { "gate DPL < CPL", 3, setup_gate_dpl2, X86_EXC_GP, SEL_GATE },
    { "RPL > gate DPL", 0, setup_gate_dpl2, X86_EXC_GP, SEL_GATE },
    { "gate not present", 3, setup_not_present, X86_EXC_NP, SEL_GATE },
    { "null target", 3, setup_null_target, X86_EXC_GP, 0 },
    { "target beyond the GDT", 3, setup_target_beyond, X86_EXC_GP, 0x800 },
    { "target is data", 3, setup_target_data, X86_EXC_GP, SEL_KDATA },
    { "target DPL > CPL", 0, setup_target_outer, X86_EXC_GP, SEL_UCODE },
    { "target not present", 3, setup_target_absent, X86_EXC_NP, 0x40 },
    { "SS0 null", 3, setup_ss0_null, X86_EXC_TS, 0 },
    { "SS0 RPL != 0", 3, setup_ss0_rpl, X86_EXC_TS, SEL_KDATA },
    { "SS0 DPL != 0", 3, setup_ss0_dpl, X86_EXC_TS, SEL_UDATA },
    { "SS0 is code", 3, setup_ss0_code, X86_EXC_TS, SEL_KCODE },
    { "SS0 beyond the GDT", 3, setup_ss0_beyond, X86_EXC_TS, 0x800 },
    { "SS0 not present", 3, setup_ss0_absent, X86_EXC_SS, 0x48 },
    { "TSS too short for ESP0", 3, setup_tss_short, X86_EXC_TS, SEL_TSS_A },
    { "no room on the new stack", 3, setup_stack_full, X86_EXC_SS, 0x50 },
    { "entry beyond the limit", 3, setup_entry_beyond, X86_EXC_GP, 0 },
    { "an LDT descriptor", 3, setup_ldt_target, X86_EXC_GP, SEL_GATE },
    { "a busy TSS", 3, setup_busy_tss_target, X86_EXC_GP, SEL_GATE },
    { "parameters beyond the caller's stack", 3, setup_param_fault, X86_EXC_SS, 0 },
};

static void test_call_gate_faults(void)
{
    for (size_t i = 0; i < G_N_ELEMENTS(fault_cases); i++) {
        const FaultCase *c = &fault_cases[i];
        Fixture *f = legacy_fixture(c->cpl);
        gate_to(f, SEL_KCODE, 3);
        c->setup(f);
        fixture_code(f, call_gate32, sizeof(call_gate32));
        X86State before = f->cpu.s;
        uint32_t err = 0xdead;
        int v = run_until_fault(f, 1, &err);
        if (v != c->vector || err != c->error) {
            g_test_message("%s: vector %d error 0x%x, want %d error 0x%x", c->what, v, err,
                           c->vector, c->error);
        }
        g_assert_cmpint(v, ==, c->vector);
        g_assert_cmphex(err, ==, c->error);
        g_assert_cmphex(f->cpu.s.rip, ==, before.rip);
        g_assert_cmphex(f->cpu.s.regs[R_ESP], ==, before.regs[R_ESP]);
        g_assert_cmphex(f->cpu.s.segs[SEG_CS].selector, ==, before.segs[SEG_CS].selector);
        g_assert_cmphex(f->cpu.s.segs[SEG_SS].selector, ==, before.segs[SEG_SS].selector);
        g_assert_cmpint(f->cpu.cpl, ==, c->cpl);
        fixture_free(f);
    }
}

/* ---- IA-32e mode: 16-byte gates, 64-bit targets, a null SS ---- */

static Fixture *long_fixture(void)
{
    Fixture *f = fixture_new(FIXTURE_LONG64, 3);
    tables_init(f, true);
    gdt_set(f, SEL_TSS_A, desc_system(TBL_TSS_A, 0x67, TYPE_TSS32, 0));
    put64(f, SEL_TSS_A + 8 + TBL_GDT, 0);
    tables_set_tr(f, SEL_TSS_A);
    put64(f, TBL_TSS_A + 4, TBL_STACK0);   /* RSP0 */
    /* call far [rax] with rax -> m16:32 at FIXTURE_DATA: offset 0, selector 0x3b */
    static const uint8_t code[] = { 0xb8, 0x00, 0x00, 0x02, 0x00, 0xff, 0x18 };
    fixture_code(f, code, sizeof(code));
    put32(f, FIXTURE_DATA, 0);
    put16(f, FIXTURE_DATA + 4, SEL_GATE | 3);
    return f;
}

static void gate64(Fixture *f, uint16_t target, uint64_t offset, unsigned dpl)
{
    gdt_set(f, SEL_GATE, desc_gate(target, offset, TYPE_CALL32, dpl, 0));
    gdt_set(f, SEL_GATE + 8, offset >> 32);
}

static void test_call_gate64_round_trip(void)
{
    Fixture *f = long_fixture();
    gate64(f, SEL_KCODE, TARGET, 3);
    static const uint8_t callee[] = { 0x48, 0xcb };   /* o64 retf */
    code_at(f, TARGET, callee, sizeof(callee));
    X86Cpu *cpu = &f->cpu;
    expect_run(f, 2);
    g_assert_cmpint(cpu->cpl, ==, 0);
    g_assert_true(cpu->mode64);
    g_assert_cmphex(cpu->s.rip, ==, TARGET);
    g_assert_cmphex(cpu->s.segs[SEG_CS].selector, ==, SEL_KCODE);
    /* SDM 5.8.5.1: SS is a null selector with RPL = new CPL; RSP from RSP0; 8-byte pushes. */
    g_assert_cmphex(cpu->s.segs[SEG_SS].selector, ==, 0);
    uint64_t rsp = cpu->s.regs[R_ESP];
    g_assert_cmphex(rsp, ==, TBL_STACK0 - 32);
    g_assert_cmphex(get64(f, rsp), ==, FIXTURE_CODE + 7);
    g_assert_cmphex(get64(f, rsp + 8), ==, SEL_UCODE | 3);
    g_assert_cmphex(get64(f, rsp + 16), ==, FIXTURE_STACK);
    g_assert_cmphex(get64(f, rsp + 24), ==, SEL_UDATA | 3);

    expect_run(f, 1);
    g_assert_cmpint(cpu->cpl, ==, 3);
    g_assert_cmphex(cpu->s.rip, ==, FIXTURE_CODE + 7);
    g_assert_cmphex(cpu->s.regs[R_ESP], ==, FIXTURE_STACK);
    g_assert_cmphex(cpu->s.segs[SEG_SS].selector, ==, SEL_UDATA | 3);
    fixture_free(f);

    /* A 64-bit entry point above 4 GiB comes from the gate's upper half. */
    f = long_fixture();
    gate64(f, SEL_UCODE, 0x100000000ull | TARGET, 3);
    expect_run(f, 2);
    g_assert_cmphex(f->cpu.s.rip, ==, 0x100000000ull | TARGET);
    g_assert_cmphex(f->cpu.s.regs[R_ESP], ==, FIXTURE_STACK - 16);
    fixture_free(f);
}

static void test_call_gate64_faults(void)
{
    struct {
        const char *what;
        unsigned lo_type;
        uint64_t hi;
        uint16_t target;
        uint32_t gdt_limit;
        uint32_t error;
    } cases[] = {
        { "16-bit call gate", TYPE_CALL16, 0, SEL_KCODE, 0x7ff, SEL_GATE },
        { "upper type not 0", TYPE_CALL32, 0xcull << 40, SEL_KCODE, 0x7ff, SEL_GATE },
        { "upper half beyond the GDT", TYPE_CALL32, 0, SEL_KCODE, SEL_GATE + 7, SEL_GATE },
        { "32-bit target", TYPE_CALL32, 0, 0x48, 0x7ff, 0x48 },
        { "task gate", TYPE_TASK, 0, SEL_TSS_A, 0x7ff, SEL_GATE },
        { "available TSS", TYPE_TSS32, 0, 0, 0x7ff, SEL_GATE },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        Fixture *f = long_fixture();
        gdt_set(f, 0x48, desc_code32(0));
        gdt_set(f, SEL_GATE, desc_gate(cases[i].target, TARGET, cases[i].lo_type, 3, 0));
        gdt_set(f, SEL_GATE + 8, cases[i].hi);
        f->cpu.s.gdtr.limit = cases[i].gdt_limit;
        uint32_t err = 0;
        expect_run(f, 1);   /* mov eax, data */
        int v = run_until_fault(f, 1, &err);
        if (v != X86_EXC_GP || err != cases[i].error) {
            g_test_message("%s: vector %d error 0x%x", cases[i].what, v, err);
        }
        g_assert_cmpint(v, ==, X86_EXC_GP);
        g_assert_cmphex(err, ==, cases[i].error);
        g_assert_cmpint(f->cpu.cpl, ==, 3);
        fixture_free(f);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/callgate/call32-round-trip", test_call_gate32_round_trip);
    g_test_add_func("/callgate/call16", test_call_gate16);
    g_test_add_func("/callgate/same-level", test_call_gate_same_level);
    g_test_add_func("/callgate/jmp", test_jmp_gate);
    g_test_add_func("/callgate/faults", test_call_gate_faults);
    g_test_add_func("/callgate/call64-round-trip", test_call_gate64_round_trip);
    g_test_add_func("/callgate/faults64", test_call_gate64_faults);
    return g_test_run();
}
