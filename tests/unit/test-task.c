/* Hardware task switching (cpu/x86/task.c): JMP, CALL+IRET, task gates in the GDT and IDT, faults before and after the commit point. */
#include <glib.h>

#include "x86-tables.h"

/*
 * Task A (TSS A, the current task, selector 0x28) runs at FIXTURE_CODE;
 * task B (TSS B, selector 0x30) starts at TASK_B_EIP with the registers of
 * task32_kernel().  Expected values: SDM vol. 3A 7.3 (the steps of a task
 * switch), 7.4 (link, NT, busy bits), table 7-1 (the checks and their
 * error codes), vol. 2 JMP/CALL/IRET/INT n.
 */

#define TASK_B_EIP (FIXTURE_CODE + 0x200)
#define TASK_B_ESP 0x38000u
#define SEL_GATE 0x38

static Fixture *task_fixture(int cpl)
{
    Fixture *f = fixture_new(FIXTURE_PROT32, cpl);
    tables_init(f, false);
    gdt_set(f, SEL_TSS_A, desc_system(TBL_TSS_A, 0x67, TYPE_TSS32, 0));
    gdt_set(f, SEL_TSS_B, desc_system(TBL_TSS_B, 0x67, TYPE_TSS32, 0));
    tables_set_tr(f, SEL_TSS_A);
    Task32 b = task32_kernel(TASK_B_EIP, TASK_B_ESP);
    tss32_write(f, TBL_TSS_B, &b);
    return f;
}

static Task32 task_b(void)
{
    return task32_kernel(TASK_B_EIP, TASK_B_ESP);
}

/* Task B's registers and segments are live, CPL0, flat. */
static void assert_in_task_b(Fixture *f)
{
    X86Cpu *cpu = &f->cpu;
    Task32 b = task_b();
    g_assert_cmphex(cpu->s.tr.selector, ==, SEL_TSS_B);
    g_assert_cmphex(cpu->s.tr.base, ==, TBL_TSS_B);
    g_assert_cmphex(cpu->s.tr.type, ==, TYPE_TSS32_BUSY);
    g_assert_cmphex(cpu->s.rip, ==, TASK_B_EIP);
    for (int i = 0; i < 8; i++) {
        if (i != R_ESP) {
            g_assert_cmphex(cpu->s.regs[i], ==, b.regs[i]);
        }
    }
    g_assert_cmphex(cpu->s.segs[SEG_CS].selector, ==, SEL_KCODE);
    g_assert_cmphex(cpu->s.segs[SEG_DS].selector, ==, SEL_KDATA);
    g_assert_false(cpu->s.segs[SEG_DS].unusable);
    g_assert_cmphex(cpu->s.segs[SEG_DS].limit, ==, 0xffffffff);
    g_assert_cmpint(cpu->cpl, ==, 0);
    g_assert_true(cpu->s.cr0 & X86_CR0_TS);
}

/* JMP to a TSS: old task saved and available, new busy, no link, NT clear. */
static void test_jmp_tss(void)
{
    static const uint8_t code[] = {
        0xb8, 0xa0, 0xa0, 0xa0, 0xa0,                   /* mov eax, 0xa0a0a0a0 */
        0xea, 0, 0, 0, 0, SEL_TSS_B, 0,                 /* jmp far 0x30:0 */
    };
    Fixture *f = task_fixture(0);
    fixture_code(f, code, sizeof(code));
    put32(f, TBL_TSS_B + 28, 0x51000);   /* CR3: not loaded while paging is off */
    X86Cpu *cpu = &f->cpu;
    cpu->s.regs[R_EBX] = 0xb0b0b0b0;
    cpu->s.rflags |= X86_FLAG_CF;
    cpu->s.dr7 = 0x455;
    expect_run(f, 2);
    assert_in_task_b(f);
    g_assert_cmphex(cpu->s.regs[R_ESP], ==, TASK_B_ESP);
    g_assert_cmphex(cpu->s.rflags, ==, X86_FLAG_FIXED);
    g_assert_cmphex(cpu->s.cr3, ==, 0);
    g_assert_cmphex(cpu->s.dr7, ==, 0x400);   /* L0-L3 cleared, G bits kept */
    g_assert_cmphex(gdt_type(f, SEL_TSS_A), ==, TYPE_TSS32);
    g_assert_cmphex(gdt_type(f, SEL_TSS_B), ==, TYPE_TSS32_BUSY);
    g_assert_cmphex(get16(f, TBL_TSS_B), ==, 0);   /* no link */
    /* The old task's dynamic fields (SDM 7.2.1). */
    g_assert_cmphex(get32(f, TBL_TSS_A + 32), ==, FIXTURE_CODE + sizeof(code));
    g_assert_cmphex(get32(f, TBL_TSS_A + 36), ==, X86_FLAG_FIXED | X86_FLAG_CF);
    g_assert_cmphex(get32(f, TBL_TSS_A + 40), ==, 0xa0a0a0a0);
    g_assert_cmphex(get32(f, TBL_TSS_A + 52), ==, 0xb0b0b0b0);
    g_assert_cmphex(get32(f, TBL_TSS_A + 56), ==, FIXTURE_STACK);
    g_assert_cmphex(get16(f, TBL_TSS_A + 72), ==, SEL_KDATA);    /* ES */
    g_assert_cmphex(get16(f, TBL_TSS_A + 76), ==, SEL_KCODE);    /* CS */
    g_assert_cmphex(get16(f, TBL_TSS_A + 80), ==, SEL_KDATA);    /* SS */
    g_assert_cmphex(get32(f, TBL_TSS_A + 28), ==, 0);            /* CR3 is not saved */
    /* The new segments' descriptors are marked accessed. */
    g_assert_cmphex((gdt_get(f, SEL_KDATA) >> 40) & 1, ==, 1);
    fixture_free(f);
}

/* CALL to a TSS nests (link, NT, both busy); IRET in the new task returns (SDM 7.4, table 7-2). */
static void test_call_iret(void)
{
    static const uint8_t code[] = { 0x9a, 0, 0, 0, 0, SEL_TSS_B, 0 };   /* call far 0x30:0 */
    static const uint8_t b_code[] = { 0xcf };                          /* iret */
    Fixture *f = task_fixture(0);
    fixture_code(f, code, sizeof(code));
    code_at(f, TASK_B_EIP, b_code, sizeof(b_code));
    X86Cpu *cpu = &f->cpu;
    cpu->s.regs[R_ESI] = 0x5151;
    expect_run(f, 1);
    assert_in_task_b(f);
    g_assert_cmphex(cpu->s.rflags, ==, X86_FLAG_FIXED | X86_FLAG_NT);
    g_assert_cmphex(get16(f, TBL_TSS_B), ==, SEL_TSS_A);
    g_assert_cmphex(gdt_type(f, SEL_TSS_A), ==, TYPE_TSS32_BUSY);
    g_assert_cmphex(gdt_type(f, SEL_TSS_B), ==, TYPE_TSS32_BUSY);

    cpu->s.cr0 &= ~(uint64_t)X86_CR0_TS;
    expect_run(f, 1);
    g_assert_cmphex(cpu->s.tr.selector, ==, SEL_TSS_A);
    g_assert_cmphex(cpu->s.rip, ==, FIXTURE_CODE + sizeof(code));
    g_assert_cmphex(cpu->s.regs[R_ESI], ==, 0x5151);
    g_assert_cmphex(cpu->s.regs[R_ESP], ==, FIXTURE_STACK);
    g_assert_cmphex(cpu->s.rflags, ==, X86_FLAG_FIXED);
    g_assert_true(cpu->s.cr0 & X86_CR0_TS);
    g_assert_cmphex(gdt_type(f, SEL_TSS_A), ==, TYPE_TSS32_BUSY);
    g_assert_cmphex(gdt_type(f, SEL_TSS_B), ==, TYPE_TSS32);
    /* Task B was saved after its IRET with NT clear in the image (step 7). */
    g_assert_cmphex(get32(f, TBL_TSS_B + 32), ==, TASK_B_EIP + 1);
    g_assert_cmphex(get32(f, TBL_TSS_B + 36), ==, X86_FLAG_FIXED);
    fixture_free(f);
}

/* A task gate in the GDT: its DPL is checked, the TSS's is not. */
static void test_task_gate_far(void)
{
    static const uint8_t code[] = { 0x9a, 0, 0, 0, 0, SEL_GATE | 3, 0 };   /* call far 0x3b:0 */
    Fixture *f = task_fixture(3);
    gdt_set(f, SEL_GATE, desc_gate(SEL_TSS_B, 0, TYPE_TASK, 3, 0));
    fixture_code(f, code, sizeof(code));
    expect_run(f, 1);
    assert_in_task_b(f);   /* from CPL3 to a CPL0 task */
    g_assert_cmphex(get16(f, TBL_TSS_B), ==, SEL_TSS_A);
    g_assert_cmphex(get16(f, TBL_TSS_A + 76), ==, SEL_UCODE | 3);
    fixture_free(f);
}

/* An IDT task gate for #GP: the error code lands on the new task's stack. */
static void test_idt_task_gate(void)
{
    static const uint8_t code[] = {
        0x66, 0xb8, 0x30, 0x12,     /* mov ax, 0x1230 */
        0x8e, 0xd8,                 /* mov ds, ax: #GP(0x1230) */
    };
    Fixture *f = task_fixture(0);
    idt_set(f, X86_EXC_GP, desc_gate(SEL_TSS_B, 0, TYPE_TASK, 0, 0));
    fixture_code(f, code, sizeof(code));
    X86Cpu *cpu = &f->cpu;
    steps(f, 2);
    assert_in_task_b(f);
    g_assert_cmphex(cpu->s.rflags & X86_FLAG_NT, ==, X86_FLAG_NT);
    g_assert_cmphex(cpu->s.regs[R_ESP], ==, TASK_B_ESP - 4);
    g_assert_cmphex(get32(f, TASK_B_ESP - 4), ==, 0x1230);
    g_assert_cmphex(get16(f, TBL_TSS_B), ==, SEL_TSS_A);
    /* The old task resumes at the faulting instruction, with RF (SDM 17.3.1.1). */
    g_assert_cmphex(get32(f, TBL_TSS_A + 32), ==, FIXTURE_CODE + 4);
    g_assert_cmphex(get32(f, TBL_TSS_A + 36) & X86_FLAG_RF, ==, X86_FLAG_RF);
    fixture_free(f);

    /* INT n through a task gate: no error code, the old task resumes after the INT. */
    static const uint8_t intn[] = { 0xcd, 0x40 };
    f = task_fixture(0);
    idt_set(f, 0x40, desc_gate(SEL_TSS_B, 0, TYPE_TASK, 0, 0));
    fixture_code(f, intn, sizeof(intn));
    steps(f, 1);
    assert_in_task_b(f);
    g_assert_cmphex(f->cpu.s.regs[R_ESP], ==, TASK_B_ESP);
    g_assert_cmphex(get32(f, TBL_TSS_A + 32), ==, FIXTURE_CODE + 2);
    fixture_free(f);

    /* INT n at CPL3 through a DPL0 task gate: #GP(vector * 8 + 2). */
    f = task_fixture(3);
    idt_set(f, 0x40, desc_gate(SEL_TSS_B, 0, TYPE_TASK, 0, 0));
    fixture_code(f, intn, sizeof(intn));
    uint32_t err = 0;
    g_assert_cmpint(run_until_fault(f, 1, &err), ==, X86_EXC_GP);
    g_assert_cmphex(err, ==, 0x40 * 8 + 2);
    fixture_free(f);
}

/* ---- faults before the commit point: nothing changes ---- */

typedef struct EarlyFault {
    const char *what;
    int cpl;
    uint16_t target;       /* the far JMP's selector */
    void (*setup)(Fixture *f);
    int vector;
    uint32_t error;
} EarlyFault;

static void set_b(Fixture *f, uint64_t desc) { gdt_set(f, SEL_TSS_B, desc); }
static void setup_none(Fixture *f) { (void)f; }
static void setup_busy(Fixture *f) { set_b(f, desc_system(TBL_TSS_B, 0x67, TYPE_TSS32_BUSY, 0)); }
static void setup_absent(Fixture *f) { set_b(f, desc_system(TBL_TSS_B, 0x67, TYPE_TSS32, 0) & ~DESC_P); }
static void setup_short(Fixture *f) { set_b(f, desc_system(TBL_TSS_B, 0x66, TYPE_TSS32, 0)); }
static void setup_short16(Fixture *f) { set_b(f, desc_system(TBL_TSS_B, 0x2a, TYPE_TSS16, 0)); }
static void setup_in_ldt(Fixture *f)
{
    put64(f, TBL_LDT + (SEL_TSS_B & ~7u), desc_system(TBL_TSS_B, 0x67, TYPE_TSS32, 0));
    X86Descriptor d = { desc_system(TBL_LDT, 0xff, TYPE_LDT, 0), 0 };
    x86_segment_from_descriptor(&f->cpu.s.ldtr, 0x48, &d, false);
}
static void setup_gate(Fixture *f) { gdt_set(f, SEL_GATE, desc_gate(SEL_TSS_B, 0, TYPE_TASK, 0, 0)); }
static void setup_gate_busy(Fixture *f) { setup_gate(f); setup_busy(f); }
static void setup_gate_absent(Fixture *f)
{
    gdt_set(f, SEL_GATE, desc_gate(SEL_TSS_B, 0, TYPE_TASK, 0, 0) & ~DESC_P);
}
static void setup_gate_ldt(Fixture *f)
{
    gdt_set(f, SEL_GATE, desc_gate(SEL_TSS_B | 4, 0, TYPE_TASK, 0, 0));
}
static void setup_gate_to_code(Fixture *f)
{
    gdt_set(f, SEL_GATE, desc_gate(SEL_KCODE, 0, TYPE_TASK, 0, 0));
}

static const EarlyFault early_faults[] = {
    { "busy TSS", 0, SEL_TSS_B, setup_busy, X86_EXC_GP, SEL_TSS_B },
    { "TSS DPL < CPL", 3, SEL_TSS_B, setup_none, X86_EXC_GP, SEL_TSS_B },
    { "TSS DPL < RPL", 0, SEL_TSS_B | 3, setup_none, X86_EXC_GP, SEL_TSS_B },
    { "TSS not present", 0, SEL_TSS_B, setup_absent, X86_EXC_NP, SEL_TSS_B },
    { "TSS limit < 0x67", 0, SEL_TSS_B, setup_short, X86_EXC_TS, SEL_TSS_B },
    { "16-bit TSS limit < 0x2b", 0, SEL_TSS_B, setup_short16, X86_EXC_TS, SEL_TSS_B },
    { "TSS in the LDT", 0, SEL_TSS_B | 4, setup_in_ldt, X86_EXC_GP, SEL_TSS_B | 4 },
    { "task gate DPL < CPL", 3, SEL_GATE | 3, setup_gate, X86_EXC_GP, SEL_GATE },
    { "task gate to a busy TSS", 0, SEL_GATE, setup_gate_busy, X86_EXC_GP, SEL_TSS_B },
    { "task gate not present", 0, SEL_GATE, setup_gate_absent, X86_EXC_NP, SEL_GATE },
    { "task gate to the LDT", 0, SEL_GATE, setup_gate_ldt, X86_EXC_GP, SEL_TSS_B | 4 },
    { "task gate to a code segment", 0, SEL_GATE, setup_gate_to_code, X86_EXC_GP, SEL_KCODE },
};

static void test_faults_before_commit(void)
{
    for (size_t i = 0; i < G_N_ELEMENTS(early_faults); i++) {
        const EarlyFault *c = &early_faults[i];
        Fixture *f = task_fixture(c->cpl);
        c->setup(f);
        uint8_t jmp[] = { 0xea, 0, 0, 0, 0, c->target & 0xff, c->target >> 8 };
        fixture_code(f, jmp, sizeof(jmp));
        uint64_t gdt_a = gdt_get(f, SEL_TSS_A), gdt_b = gdt_get(f, SEL_TSS_B);
        uint32_t err = 0xdead;
        int v = run_until_fault(f, 1, &err);
        if (v != c->vector || err != c->error) {
            g_test_message("%s: vector %d error 0x%x, want %d 0x%x", c->what, v, err, c->vector,
                           c->error);
        }
        g_assert_cmpint(v, ==, c->vector);
        g_assert_cmphex(err, ==, c->error);
        g_assert_cmphex(f->cpu.s.tr.selector, ==, SEL_TSS_A);
        g_assert_cmphex(f->cpu.s.rip, ==, FIXTURE_CODE);
        g_assert_cmphex(gdt_get(f, SEL_TSS_A), ==, gdt_a);
        g_assert_cmphex(gdt_get(f, SEL_TSS_B), ==, gdt_b);
        g_assert_false(f->cpu.s.cr0 & X86_CR0_TS);
        fixture_free(f);
    }
}

/* IRET with NT: the link must name a busy TSS in the GDT (SDM vol. 2 IRET, table 6-6). */
static void test_iret_link_faults(void)
{
    struct { const char *what; uint16_t link; int vector; uint32_t error; } cases[] = {
        { "null link", 0, X86_EXC_TS, 0 },
        { "link in the LDT", SEL_TSS_B | 4, X86_EXC_TS, SEL_TSS_B | 4 },
        { "link beyond the GDT", 0x800, X86_EXC_TS, 0x800 },
        { "link to an available TSS", SEL_TSS_B, X86_EXC_TS, SEL_TSS_B },
        { "link to a busy TSS not present", 0x40, X86_EXC_NP, 0x40 },
    };
    static const uint8_t iret[] = { 0xcf };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        Fixture *f = task_fixture(0);
        gdt_set(f, 0x40, desc_system(TBL_TSS_B, 0x67, TYPE_TSS32_BUSY, 0) & ~DESC_P);
        put16(f, TBL_TSS_A, cases[i].link);
        fixture_code(f, iret, sizeof(iret));
        f->cpu.s.rflags |= X86_FLAG_NT;
        uint32_t err = 0xdead;
        int v = run_until_fault(f, 1, &err);
        if (v != cases[i].vector || err != cases[i].error) {
            g_test_message("%s: vector %d error 0x%x", cases[i].what, v, err);
        }
        g_assert_cmpint(v, ==, cases[i].vector);
        g_assert_cmphex(err, ==, cases[i].error);
        g_assert_cmphex(f->cpu.s.tr.selector, ==, SEL_TSS_A);
        fixture_free(f);
    }
}

/* ---- faults after the commit point: raised in the new task ---- */

typedef struct LateFault {
    const char *what;
    void (*edit)(Task32 *t, Fixture *f);
    int vector;
    uint32_t error;
} LateFault;

static void edit_cs_null(Task32 *t, Fixture *f) { (void)f; t->segs[SEG_CS] = 0; }
static void edit_cs_data(Task32 *t, Fixture *f) { (void)f; t->segs[SEG_CS] = SEL_KDATA; }
static void edit_cs_absent(Task32 *t, Fixture *f)
{
    gdt_set(f, 0x40, desc_code32(0) & ~DESC_P);
    t->segs[SEG_CS] = 0x40;
}
static void edit_cs_rpl(Task32 *t, Fixture *f)
{
    /* CPL becomes 3 (CS.RPL) with a DPL0 non-conforming CS; SS is a good CPL3 stack. */
    (void)f;
    t->segs[SEG_CS] = SEL_KCODE | 3;
    t->segs[SEG_SS] = SEL_UDATA | 3;
}
static void edit_ss_null(Task32 *t, Fixture *f) { (void)f; t->segs[SEG_SS] = 0; }
static void edit_ss_code(Task32 *t, Fixture *f) { (void)f; t->segs[SEG_SS] = SEL_KCODE; }
static void edit_ss_rpl(Task32 *t, Fixture *f) { (void)f; t->segs[SEG_SS] = SEL_KDATA | 3; }
static void edit_ss_dpl(Task32 *t, Fixture *f) { (void)f; t->segs[SEG_SS] = SEL_UDATA; }
static void edit_ss_absent(Task32 *t, Fixture *f)
{
    gdt_set(f, 0x40, desc_data32(0) & ~DESC_P);
    t->segs[SEG_SS] = 0x40;
}
static void edit_ds_absent(Task32 *t, Fixture *f)
{
    gdt_set(f, 0x40, desc_data32(0) & ~DESC_P);
    t->segs[SEG_DS] = 0x40;
}
static void edit_ds_exec_only(Task32 *t, Fixture *f)
{
    gdt_set(f, 0x40, desc_segment(0, 0xffff, 0x9, 0, DESC_P | DESC_S));
    t->segs[SEG_DS] = 0x40;
}
static void edit_gs_privileged(Task32 *t, Fixture *f)
{
    /* A CPL3 task (conforming CS keeps DPL0 legal) whose GS is a DPL0 data segment. */
    gdt_set(f, 0x40, desc_segment(0, 0xffffffff, TYPE_CODE_CONF, 0, DESC_P | DESC_S | DESC_DB));
    t->segs[SEG_CS] = 0x40 | 3;
    t->segs[SEG_SS] = SEL_UDATA | 3;
    for (int i = 0; i < X86_NR_SEGS; i++) {
        if (i != SEG_CS && i != SEG_SS) {
            t->segs[i] = SEL_UDATA | 3;
        }
    }
    t->segs[SEG_GS] = SEL_KDATA;
}
static void edit_ldt_type(Task32 *t, Fixture *f) { (void)f; t->ldt = SEL_KDATA; }
static void edit_ldt_and_ds(Task32 *t, Fixture *f)
{
    edit_ds_absent(t, f);
    t->ldt = SEL_TSS_A;
}
static void edit_ss_and_ds(Task32 *t, Fixture *f)
{
    edit_ds_absent(t, f);
    t->segs[SEG_SS] = SEL_KCODE;
}
static void edit_ldt_absent(Task32 *t, Fixture *f)
{
    gdt_set(f, 0x48, desc_system(TBL_LDT, 0xff, TYPE_LDT, 0) & ~DESC_P);
    t->ldt = 0x48;
}

static const LateFault late_faults[] = {
    { "CS null", edit_cs_null, X86_EXC_TS, 0 },
    { "CS is data", edit_cs_data, X86_EXC_TS, SEL_KDATA },
    { "CS not present", edit_cs_absent, X86_EXC_NP, 0x40 },
    { "CS DPL != RPL", edit_cs_rpl, X86_EXC_TS, SEL_KCODE },
    { "SS null", edit_ss_null, X86_EXC_TS, 0 },
    { "SS is code", edit_ss_code, X86_EXC_TS, SEL_KCODE },
    { "SS RPL != CPL", edit_ss_rpl, X86_EXC_TS, SEL_KDATA },
    { "SS DPL != CPL", edit_ss_dpl, X86_EXC_TS, SEL_UDATA },
    { "SS not present", edit_ss_absent, X86_EXC_SS, 0x40 },
    { "DS not present", edit_ds_absent, X86_EXC_NP, 0x40 },
    { "DS execute-only", edit_ds_exec_only, X86_EXC_TS, 0x40 },
    { "GS DPL < CPL", edit_gs_privileged, X86_EXC_TS, SEL_KDATA },
    { "LDT selector not an LDT", edit_ldt_type, X86_EXC_TS, SEL_KDATA },
    { "LDT not present", edit_ldt_absent, X86_EXC_TS, 0x48 },
    { "LDT before DS", edit_ldt_and_ds, X86_EXC_TS, SEL_TSS_A },
    { "SS before DS", edit_ss_and_ds, X86_EXC_TS, SEL_KCODE },
};

static void test_faults_after_commit(void)
{
    static const uint8_t jmp[] = { 0xea, 0, 0, 0, 0, SEL_TSS_B, 0 };
    for (size_t i = 0; i < G_N_ELEMENTS(late_faults); i++) {
        const LateFault *c = &late_faults[i];
        Fixture *f = task_fixture(0);
        Task32 b = task_b();
        c->edit(&b, f);
        tss32_write(f, TBL_TSS_B, &b);
        fixture_code(f, jmp, sizeof(jmp));
        uint32_t err = 0xdead;
        int v = run_until_fault(f, 1, &err);
        if (v != c->vector || err != c->error) {
            g_test_message("%s: vector %d error 0x%x, want %d 0x%x", c->what, v, err, c->vector,
                           c->error);
        }
        g_assert_cmpint(v, ==, c->vector);
        g_assert_cmphex(err, ==, c->error);
        /* The switch happened: the fault belongs to task B, at its first instruction. */
        X86Cpu *cpu = &f->cpu;
        g_assert_cmphex(cpu->s.tr.selector, ==, SEL_TSS_B);
        g_assert_cmphex(cpu->s.rip, ==, TASK_B_EIP);
        g_assert_cmphex(cpu->s.regs[R_EAX], ==, b.regs[R_EAX]);
        g_assert_cmphex(cpu->s.segs[SEG_CS].selector, ==, b.segs[SEG_CS]);
        g_assert_cmphex(cpu->s.segs[SEG_DS].selector, ==, b.segs[SEG_DS]);
        g_assert_cmphex(gdt_type(f, SEL_TSS_A), ==, TYPE_TSS32);
        g_assert_cmphex(gdt_type(f, SEL_TSS_B), ==, TYPE_TSS32_BUSY);
        g_assert_cmphex(get32(f, TBL_TSS_A + 32), ==, FIXTURE_CODE + sizeof(jmp));
        fixture_free(f);
    }
}

/* A fault after the commit in an interrupt's task switch has EXT set. */
static void test_late_fault_ext(void)
{
    static const uint8_t ud[] = { 0x0f, 0x0b };   /* ud2 */
    Fixture *f = task_fixture(0);
    Task32 b = task_b();
    b.segs[SEG_SS] = SEL_KCODE;
    tss32_write(f, TBL_TSS_B, &b);
    idt_set(f, X86_EXC_UD, desc_gate(SEL_TSS_B, 0, TYPE_TASK, 0, 0));
    fixture_code(f, ud, sizeof(ud));
    X86Cpu *cpu = &f->cpu;
    expect_delivery_fault(f, X86_EXC_UD);
    g_assert_cmpint(cpu->s.events.exception_nr, ==, X86_EXC_TS);
    g_assert_cmphex(cpu->s.events.exception_error, ==, SEL_KCODE | 1);
    g_assert_cmphex(cpu->s.tr.selector, ==, SEL_TSS_B);
    fixture_free(f);
}

/* A 16-bit TSS (SDM 7.6): 16-bit fields, no CR3, FS and GS null; saved in the 286 layout too. */
static void test_tss16(void)
{
    enum { TSS16 = TBL_TSS_B, IP = 0x6000 };
    static const uint8_t code[] = { 0xea, 0, 0, 0, 0, SEL_TSS_B, 0 };            /* jmp far 0x30:0 */
    static const uint8_t b_code[] = { 0xea, 0, 0, 0, 0, SEL_TSS_A, 0 };          /* jmp far 0x28:0 */
    Fixture *f = task_fixture(0);
    gdt_set(f, SEL_TSS_B, desc_system(TSS16, 0x2b, TYPE_TSS16, 0));
    memset(f->ram + TSS16, 0, 0x2c);
    put16(f, TSS16 + 14, IP);
    put16(f, TSS16 + 16, X86_FLAG_FIXED | X86_FLAG_ZF);
    for (int i = 0; i < 8; i++) {
        put16(f, TSS16 + 18 + 2 * i, 0x1000 + i);
    }
    put16(f, TSS16 + 26, 0x7000);                 /* SP */
    put16(f, TSS16 + 34, SEL_KDATA);              /* ES */
    put16(f, TSS16 + 36, SEL_KCODE);              /* CS */
    put16(f, TSS16 + 38, SEL_KDATA);              /* SS */
    put16(f, TSS16 + 40, SEL_KDATA);              /* DS */
    fixture_code(f, code, sizeof(code));
    code_at(f, IP, b_code, sizeof(b_code));
    X86Cpu *cpu = &f->cpu;
    cpu->s.regs[R_EAX] = 0xffffffff;
    expect_run(f, 1);
    g_assert_cmphex(cpu->s.tr.selector, ==, SEL_TSS_B);
    g_assert_cmphex(cpu->s.tr.type, ==, TYPE_TSS16_BUSY);
    g_assert_cmphex(cpu->s.rip, ==, IP);
    g_assert_cmphex(cpu->s.regs[R_EAX], ==, 0x1000);
    g_assert_cmphex(cpu->s.regs[R_ESP], ==, 0x7000);
    g_assert_cmphex(cpu->s.rflags, ==, X86_FLAG_FIXED | X86_FLAG_ZF);
    g_assert_true(cpu->s.segs[SEG_FS].unusable);
    g_assert_cmphex(cpu->s.segs[SEG_GS].selector, ==, 0);

    cpu->s.regs[R_EBX] = 0xabcd9876;
    expect_run(f, 1);   /* and back to task A, saving into the 16-bit TSS */
    g_assert_cmphex(cpu->s.tr.selector, ==, SEL_TSS_A);
    g_assert_cmphex(get16(f, TSS16 + 14), ==, IP + sizeof(b_code));
    g_assert_cmphex(get16(f, TSS16 + 24), ==, 0x9876);
    g_assert_cmphex(get16(f, TSS16 + 36), ==, SEL_KCODE);
    g_assert_cmphex(gdt_type(f, SEL_TSS_B), ==, TYPE_TSS16);
    fixture_free(f);
}

/*
 * With paging on, the new task's CR3 is loaded and the TLB flushed: the
 * same linear address reads other memory in task B.  CR3 is not saved.
 */
static void test_cr3_switch(void)
{
    enum { PD_A = 0x50000, PD_B = 0x51000, PT_A = 0x52000, PT_B = 0x53000 };
    static const uint8_t code[] = {
        0x8b, 0x1d, 0x00, 0x00, 0x02, 0x00,     /* mov ebx, [0x20000]: fills the TLB */
        0xea, 0, 0, 0, 0, SEL_TSS_B, 0,         /* jmp far 0x30:0 */
    };
    static const uint8_t b_code[] = { 0xa1, 0x00, 0x00, 0x02, 0x00 };   /* mov eax, [0x20000] */
    Fixture *f = task_fixture(0);
    for (uint32_t i = 0; i < 1024; i++) {
        put32(f, PT_A + 4 * i, (i << 12) | 3);
        put32(f, PT_B + 4 * i, (i << 12) | 3);
    }
    put32(f, PT_B + 4 * (FIXTURE_DATA >> 12), (FIXTURE_DATA + 0x1000) | 3);
    put32(f, PD_A, PT_A | 3);
    put32(f, PD_B, PT_B | 3);
    put32(f, FIXTURE_DATA, 0x11223344);
    put32(f, FIXTURE_DATA + 0x1000, 0x55667788);
    Task32 b = task_b();
    b.cr3 = PD_B;
    tss32_write(f, TBL_TSS_B, &b);
    put32(f, TBL_TSS_A + 28, 0xdead0000);
    fixture_code(f, code, sizeof(code));
    code_at(f, TASK_B_EIP, b_code, sizeof(b_code));
    X86Cpu *cpu = &f->cpu;
    cpu->s.cr3 = PD_A;
    cpu->s.cr0 |= X86_CR0_PG;
    x86_cpu_mode_changed(cpu);
    expect_run(f, 3);
    g_assert_cmphex(get32(f, TBL_TSS_A + 52), ==, 0x11223344);   /* EBX, read by task A */
    g_assert_cmphex(cpu->s.cr3, ==, PD_B);
    g_assert_cmphex(cpu->s.regs[R_EAX], ==, 0x55667788);
    g_assert_cmphex(get32(f, TBL_TSS_A + 28), ==, 0xdead0000);
    fixture_free(f);
}

/* The T bit: #DB (DR6.BT) before the new task's first instruction. */
static void test_trap_bit(void)
{
    static const uint8_t code[] = { 0xea, 0, 0, 0, 0, SEL_TSS_B, 0 };
    Fixture *f = task_fixture(0);
    Task32 b = task_b();
    b.trap = true;
    tss32_write(f, TBL_TSS_B, &b);
    fixture_code(f, code, sizeof(code));
    uint32_t err = 0;
    g_assert_cmpint(run_until_fault(f, 1, &err), ==, X86_EXC_DB);
    g_assert_cmphex(f->cpu.s.rip, ==, TASK_B_EIP);
    g_assert_cmphex(f->cpu.s.tr.selector, ==, SEL_TSS_B);
    g_assert_cmphex(f->cpu.s.dr6 & 0x8000, ==, 0x8000);
    fixture_free(f);
}

/* A TSS whose EFLAGS has VM: the new task runs in virtual-8086 mode (SDM 20.2.5). */
static void test_switch_to_vm86(void)
{
    static const uint8_t code[] = { 0xea, 0, 0, 0, 0, SEL_TSS_B, 0 };
    Fixture *f = task_fixture(0);
    Task32 b = task_b();
    b.eflags = X86_FLAG_FIXED | X86_FLAG_VM | X86_FLAG_IOPL | X86_FLAG_IF;
    b.eip = 0x10;
    b.segs[SEG_CS] = 0x1000;
    b.segs[SEG_SS] = 0x2000;
    b.segs[SEG_DS] = 0x3000;
    b.segs[SEG_ES] = 0x3100;
    b.segs[SEG_FS] = 0x3200;
    b.segs[SEG_GS] = 0x3300;
    tss32_write(f, TBL_TSS_B, &b);
    fixture_code(f, code, sizeof(code));
    expect_run(f, 1);
    X86Cpu *cpu = &f->cpu;
    g_assert_cmpint(cpu->cpl, ==, 3);
    g_assert_cmpint(cpu->code_bits, ==, 16);
    g_assert_true(cpu->s.rflags & X86_FLAG_VM);
    g_assert_cmphex(cpu->s.rip, ==, 0x10);
    g_assert_cmphex(cpu->s.segs[SEG_CS].base, ==, 0x10000);
    g_assert_cmphex(cpu->s.segs[SEG_SS].base, ==, 0x20000);
    g_assert_cmphex(cpu->s.segs[SEG_GS].base, ==, 0x33000);
    g_assert_cmphex(cpu->s.segs[SEG_DS].limit, ==, 0xffff);
    g_assert_cmpint(cpu->s.segs[SEG_DS].dpl, ==, 3);
    fixture_free(f);
}

/* IA-32e mode has no task switching: IRET with NT and IDT task gates are #GP (SDM 7.7). */
static void test_long_mode(void)
{
    static const uint8_t iretq[] = { 0x48, 0xcf };
    Fixture *f = fixture_new(FIXTURE_LONG64, 0);
    tables_init(f, true);
    fixture_code(f, iretq, sizeof(iretq));
    f->cpu.s.rflags |= X86_FLAG_NT;
    uint32_t err = 0xdead;
    g_assert_cmpint(run_until_fault(f, 1, &err), ==, X86_EXC_GP);
    g_assert_cmphex(err, ==, 0);
    fixture_free(f);

    static const uint8_t intn[] = { 0xcd, 0x40 };
    f = fixture_new(FIXTURE_LONG64, 0);
    tables_init(f, true);
    put64(f, TBL_IDT + 0x40 * 16, desc_gate(SEL_TSS_B, 0, TYPE_TASK, 0, 0));
    put64(f, TBL_IDT + 0x40 * 16 + 8, 0);
    fixture_code(f, intn, sizeof(intn));
    err = 0xdead;
    g_assert_cmpint(run_until_fault(f, 1, &err), ==, X86_EXC_GP);
    g_assert_cmphex(err, ==, 0x40 * 8 + 2);
    fixture_free(f);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/task/jmp", test_jmp_tss);
    g_test_add_func("/task/call-iret", test_call_iret);
    g_test_add_func("/task/gate-far", test_task_gate_far);
    g_test_add_func("/task/idt-gate", test_idt_task_gate);
    g_test_add_func("/task/faults-before-commit", test_faults_before_commit);
    g_test_add_func("/task/iret-link-faults", test_iret_link_faults);
    g_test_add_func("/task/faults-after-commit", test_faults_after_commit);
    g_test_add_func("/task/late-fault-ext", test_late_fault_ext);
    g_test_add_func("/task/tss16", test_tss16);
    g_test_add_func("/task/cr3", test_cr3_switch);
    g_test_add_func("/task/trap-bit", test_trap_bit);
    g_test_add_func("/task/vm86", test_switch_to_vm86);
    g_test_add_func("/task/long-mode", test_long_mode);
    return g_test_run();
}
