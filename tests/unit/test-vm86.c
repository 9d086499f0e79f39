/* Virtual-8086 mode (cpu/x86/vm86.c, exception.c): entry by IRET, INT n to a CPL0 handler and back, IOPL faults, the I/O bitmap, VME/PVI. */
#include <glib.h>

#include "x86-tables.h"

/*
 * The virtual-8086 task: CS 0x1000 (its code is at FIXTURE_CODE), SS
 * 0x2000 with SP 0xfff0, DS/ES/FS/GS 0x3000/0x3100/0x3200/0x3300.  The
 * CPL0 handlers are 32-bit code at HANDLER, their stack ESP0 from TSS A.
 * Expected values: SDM vol. 3A 20.2 (the environment), 20.3.1.1 and
 * figure 20-5 (the handler's stack), vol. 2 INT n, IRET, CLI, STI, PUSHF,
 * POPF, IN/OUT/INS/OUTS, vol. 1 19.5 (the I/O permission bitmap); 20.3-20.4
 * and table 20-2 for the virtual-mode extensions.
 */

#define VM_CS 0x1000
#define VM_SS 0x2000
#define VM_SP 0xfff0
#define VM_DS 0x3000
#define VM_ES 0x3100
#define VM_FS 0x3200
#define VM_GS 0x3300
#define HANDLER (FIXTURE_CODE + 0x8000)
#define IOMAP 0x200

static Fixture *vm86_fixture(const uint8_t *code, size_t len)
{
    Fixture *f = fixture_new(FIXTURE_PROT32, 0);
    tables_init(f, false);
    gdt_set(f, SEL_TSS_A, desc_system(TBL_TSS_A, IOMAP + 0x2000, TYPE_TSS32, 0));
    tables_set_tr(f, SEL_TSS_A);
    tss32_set_stack(f, TBL_TSS_A, 0, TBL_STACK0, SEL_KDATA);
    put16(f, TBL_TSS_A + 102, IOMAP);   /* every port allowed until a test denies one */
    fixture_code(f, code, len);
    static const uint8_t iret[] = { 0xcf };
    code_at(f, HANDLER, iret, sizeof(iret));
    return f;
}

/* Put the CPU in virtual-8086 mode directly, at IP 0 with the given IOPL. */
static void enter_vm86(Fixture *f, unsigned iopl, uint64_t flags)
{
    X86Cpu *cpu = &f->cpu;
    cpu->s.rflags = X86_FLAG_FIXED | X86_FLAG_VM | ((uint64_t)iopl << 12) | flags;
    static const int segs[] = { SEG_CS, SEG_SS, SEG_DS, SEG_ES, SEG_FS, SEG_GS };
    static const uint16_t sels[] = { VM_CS, VM_SS, VM_DS, VM_ES, VM_FS, VM_GS };
    for (int i = 0; i < 6; i++) {
        x86_load_segment_real(cpu, segs[i], sels[i]);
    }
    cpu->s.regs[R_ESP] = VM_SP;
    cpu->s.rip = 0;
    x86_cpu_mode_changed(cpu);
}

static void assert_vm86_segments(const X86Cpu *cpu)
{
    g_assert_true(cpu->s.rflags & X86_FLAG_VM);
    g_assert_cmpint(cpu->cpl, ==, 3);
    g_assert_cmpint(cpu->code_bits, ==, 16);
    g_assert_cmphex(cpu->s.segs[SEG_CS].base, ==, VM_CS << 4);
    g_assert_cmphex(cpu->s.segs[SEG_SS].base, ==, VM_SS << 4);
    g_assert_cmphex(cpu->s.segs[SEG_DS].base, ==, VM_DS << 4);
    g_assert_cmphex(cpu->s.segs[SEG_ES].base, ==, VM_ES << 4);
    g_assert_cmphex(cpu->s.segs[SEG_FS].base, ==, VM_FS << 4);
    g_assert_cmphex(cpu->s.segs[SEG_GS].selector, ==, VM_GS);
    g_assert_cmphex(cpu->s.segs[SEG_GS].base, ==, VM_GS << 4);
    g_assert_cmphex(cpu->s.segs[SEG_SS].limit, ==, 0xffff);
    g_assert_cmpint(cpu->s.segs[SEG_SS].dpl, ==, 3);
}

/* The CPL0 handler's stack after an event from virtual-8086 mode (figure 20-5), 32-bit gate. */
static void assert_vm86_frame(const Fixture *f, uint32_t esp, uint32_t eip, uint32_t eflags)
{
    g_assert_cmphex(get32(f, esp), ==, eip);
    g_assert_cmphex(get32(f, esp + 4), ==, VM_CS);
    g_assert_cmphex(get32(f, esp + 8), ==, eflags);
    g_assert_cmphex(get32(f, esp + 12), ==, VM_SP);
    g_assert_cmphex(get32(f, esp + 16), ==, VM_SS);
    g_assert_cmphex(get32(f, esp + 20), ==, VM_ES);
    g_assert_cmphex(get32(f, esp + 24), ==, VM_DS);
    g_assert_cmphex(get32(f, esp + 28), ==, VM_FS);
    g_assert_cmphex(get32(f, esp + 32), ==, VM_GS);
}

static void assert_in_handler(const X86Cpu *cpu, uint32_t esp)
{
    g_assert_false(cpu->s.rflags & X86_FLAG_VM);
    g_assert_cmpint(cpu->cpl, ==, 0);
    g_assert_cmphex(cpu->s.segs[SEG_CS].selector, ==, SEL_KCODE);
    g_assert_cmphex(cpu->s.rip, ==, HANDLER);
    g_assert_cmphex(cpu->s.segs[SEG_SS].selector, ==, SEL_KDATA);
    g_assert_cmphex(cpu->s.regs[R_ESP], ==, esp);
    static const int data[] = { SEG_DS, SEG_ES, SEG_FS, SEG_GS };
    for (int i = 0; i < 4; i++) {
        g_assert_cmphex(cpu->s.segs[data[i]].selector, ==, 0);
        g_assert_true(cpu->s.segs[data[i]].unusable);
    }
}

/* IRETD at CPL0 with VM in the image enters virtual-8086 mode; segment loads are real-mode style. */
static void test_iret_entry(void)
{
    static const uint8_t kernel[] = { 0xcf };                          /* iretd */
    static const uint8_t vm86_code[] = {
        0xb8, 0x00, 0x40,           /* mov ax, 0x4000 */
        0x8e, 0xd8,                 /* mov ds, ax */
    };
    Fixture *f = vm86_fixture(kernel, sizeof(kernel));
    code_at(f, (VM_CS << 4) + 0x10, vm86_code, sizeof(vm86_code));
    uint32_t frame[] = { 0x10, VM_CS, X86_FLAG_FIXED | X86_FLAG_VM | X86_FLAG_IOPL | X86_FLAG_IF,
                         VM_SP, VM_SS, VM_ES, VM_DS, VM_FS, VM_GS };
    uint32_t esp = FIXTURE_STACK - sizeof(frame);
    memcpy(f->ram + esp, frame, sizeof(frame));
    X86Cpu *cpu = &f->cpu;
    cpu->s.regs[R_ESP] = esp;
    expect_run(f, 1);
    assert_vm86_segments(cpu);
    g_assert_cmphex(cpu->s.rip, ==, 0x10);
    g_assert_cmphex(cpu->s.regs[R_ESP], ==, VM_SP);
    g_assert_cmphex(cpu->s.rflags, ==, frame[2]);
    g_assert_cmpint(cpu->stack_bits, ==, 16);

    expect_run(f, 2);
    g_assert_cmphex(cpu->s.segs[SEG_DS].selector, ==, 0x4000);
    g_assert_cmphex(cpu->s.segs[SEG_DS].base, ==, 0x40000);
    g_assert_cmphex(cpu->s.segs[SEG_DS].limit, ==, 0xffff);
    fixture_free(f);

    /* An EIP beyond 64 KiB: #GP(0), nothing changes. */
    f = vm86_fixture(kernel, sizeof(kernel));
    frame[0] = 0x10000;
    memcpy(f->ram + esp, frame, sizeof(frame));
    f->cpu.s.regs[R_ESP] = esp;
    uint32_t err = 0xdead;
    g_assert_cmpint(run_until_fault(f, 1, &err), ==, X86_EXC_GP);
    g_assert_cmphex(err, ==, 0);
    g_assert_false(f->cpu.s.rflags & X86_FLAG_VM);
    g_assert_cmphex(f->cpu.s.regs[R_ESP], ==, esp);
    fixture_free(f);
}

/* INT n with IOPL 3 reaches the CPL0 handler with the vm86 frame; IRETD goes back. */
static void test_int_round_trip(void)
{
    static const uint8_t code[] = { 0xcd, 0x21 };   /* int 0x21 */
    Fixture *f = vm86_fixture(code, sizeof(code));
    idt_set(f, 0x21, desc_gate(SEL_KCODE, HANDLER, TYPE_INT32, 3, 0));
    enter_vm86(f, 3, X86_FLAG_IF | X86_FLAG_TF | X86_FLAG_CF);
    X86Cpu *cpu = &f->cpu;
    uint64_t flags = cpu->s.rflags;
    steps(f, 1);
    uint32_t esp = TBL_STACK0 - 36;
    assert_in_handler(cpu, esp);
    assert_vm86_frame(f, esp, 2, flags);
    g_assert_false(cpu->s.rflags & (X86_FLAG_IF | X86_FLAG_TF));   /* interrupt gate */
    g_assert_true(cpu->s.rflags & X86_FLAG_CF);

    steps(f, 1);    /* the handler's IRETD */
    assert_vm86_segments(cpu);
    g_assert_cmphex(cpu->s.rip, ==, 2);
    g_assert_cmphex(cpu->s.regs[R_ESP], ==, VM_SP);
    g_assert_cmphex(cpu->s.rflags, ==, flags);
    fixture_free(f);
}

/* A 16-bit interrupt gate: the same frame in words. */
static void test_int_16bit_gate(void)
{
    enum { HANDLER16 = 0x7000 };
    static const uint8_t code[] = { 0xcd, 0x22 };
    Fixture *f = vm86_fixture(code, sizeof(code));
    idt_set(f, 0x22, desc_gate(SEL_KCODE, HANDLER16, TYPE_INT16, 3, 0));
    enter_vm86(f, 3, 0);
    X86Cpu *cpu = &f->cpu;
    uint16_t flags = cpu->s.rflags;
    steps(f, 1);
    g_assert_cmphex(cpu->s.rip, ==, HANDLER16);
    uint32_t sp = TBL_STACK0 - 18;
    g_assert_cmphex(cpu->s.regs[R_ESP], ==, sp);
    uint16_t want[] = { 2, VM_CS, flags, VM_SP, VM_SS, VM_ES, VM_DS, VM_FS, VM_GS };
    for (int i = 0; i < 9; i++) {
        g_assert_cmphex(get16(f, sp + 2 * i), ==, want[i]);
    }
    fixture_free(f);
}

/*
 * The IOPL-sensitive instructions fault with #GP(0) when IOPL < 3 (SDM
 * 20.2.7); INT3 and INTO are not among them.  With IOPL 3 they run.
 */
static void test_iopl_sensitive(void)
{
    struct { const char *what; uint8_t code[2]; uint8_t len; } cases[] = {
        { "cli", { 0xfa }, 1 },
        { "sti", { 0xfb }, 1 },
        { "pushf", { 0x9c }, 1 },
        { "popf", { 0x9d }, 1 },
        { "int n", { 0xcd, 0x21 }, 2 },
        { "iret", { 0xcf }, 1 },
        { "iretd", { 0x66, 0xcf }, 2 },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        for (unsigned iopl = 0; iopl <= 3; iopl++) {
            Fixture *f = vm86_fixture(cases[i].code, cases[i].len);
            idt_set(f, 0x21, desc_gate(SEL_KCODE, HANDLER, TYPE_INT32, 3, 0));
            enter_vm86(f, iopl, 0);
            /*
             * A frame POPF, IRET and IRETD can all pop: as dwords EIP 0x40, CS,
             * EFLAGS; as words IP 0x40, CS 0, FLAGS 0x1000 (IOPL bits, not popped).
             */
            uint32_t frame[] = { 0x40, VM_CS, X86_FLAG_FIXED };
            memcpy(f->ram + (VM_SS << 4) + VM_SP, frame, sizeof(frame));
            uint32_t err = 0xdead;
            int v = run_until_fault(f, 1, &err);
            int want = iopl < 3 ? X86_EXC_GP : -1;
            if (v != want) {
                g_test_message("%s at IOPL %u: vector %d", cases[i].what, iopl, v);
            }
            g_assert_cmpint(v, ==, want);
            if (v >= 0) {
                g_assert_cmphex(err, ==, 0);
                g_assert_cmphex(f->cpu.s.rip, ==, 0);
                g_assert_cmphex(f->cpu.s.regs[R_ESP], ==, VM_SP);
            }
            fixture_free(f);
        }
    }

    /* INT3 at IOPL 0 goes to its gate (DPL 3) as #BP. */
    static const uint8_t int3[] = { 0xcc };
    Fixture *f = vm86_fixture(int3, sizeof(int3));
    idt_set(f, X86_EXC_BP, desc_gate(SEL_KCODE, HANDLER, TYPE_TRAP32, 3, 0));
    enter_vm86(f, 0, X86_FLAG_IF);
    steps(f, 1);
    assert_in_handler(&f->cpu, TBL_STACK0 - 36);
    g_assert_cmphex(get32(f, TBL_STACK0 - 36), ==, 1);
    g_assert_true(f->cpu.s.rflags & X86_FLAG_IF);     /* trap gate */
    fixture_free(f);
}

/* INT n at IOPL < 3 is delivered as #GP(0) to the CPL0 handler, with the error code on top. */
static void test_gp_to_monitor(void)
{
    static const uint8_t code[] = { 0x90, 0xcd, 0x21 };   /* nop; int 0x21 */
    Fixture *f = vm86_fixture(code, sizeof(code));
    idt_set(f, X86_EXC_GP, desc_gate(SEL_KCODE, HANDLER, TYPE_INT32, 0, 0));
    idt_set(f, 0x21, desc_gate(SEL_KCODE, HANDLER + 0x10, TYPE_INT32, 3, 0));
    enter_vm86(f, 0, 0);
    uint64_t flags = f->cpu.s.rflags;
    steps(f, 2);
    uint32_t esp = TBL_STACK0 - 40;
    assert_in_handler(&f->cpu, esp);
    g_assert_cmphex(get32(f, esp), ==, 0);                       /* error code */
    assert_vm86_frame(f, esp + 4, 1, flags | X86_FLAG_RF);       /* EIP of the INT, a fault */
    fixture_free(f);
}

/* The handler must be a non-conforming DPL0 segment: #GP(selector), EXT for an exception. */
static void test_handler_privilege(void)
{
    enum { SEL_CONF = 0x40 };
    static const uint8_t intn[] = { 0xcd, 0x21 };
    Fixture *f = vm86_fixture(intn, sizeof(intn));
    idt_set(f, 0x21, desc_gate(SEL_UCODE, HANDLER, TYPE_INT32, 3, 0));
    enter_vm86(f, 3, 0);
    uint32_t err = 0;
    g_assert_cmpint(run_until_fault(f, 1, &err), ==, X86_EXC_GP);
    g_assert_cmphex(err, ==, SEL_UCODE);
    fixture_free(f);

    f = vm86_fixture(intn, sizeof(intn));
    gdt_set(f, SEL_CONF, desc_segment(0, 0xffffffff, TYPE_CODE_CONF, 0, DESC_P | DESC_S | DESC_DB));
    idt_set(f, 0x21, desc_gate(SEL_CONF, HANDLER, TYPE_INT32, 3, 0));
    enter_vm86(f, 3, 0);
    g_assert_cmpint(run_until_fault(f, 1, &err), ==, X86_EXC_GP);
    g_assert_cmphex(err, ==, SEL_CONF);
    fixture_free(f);

    /* #UD from UD2 through a gate to DPL3 code: #GP(0x18 | EXT) reaches the #GP handler. */
    static const uint8_t ud2[] = { 0x0f, 0x0b };
    f = vm86_fixture(ud2, sizeof(ud2));
    idt_set(f, X86_EXC_UD, desc_gate(SEL_UCODE, HANDLER, TYPE_INT32, 0, 0));
    idt_set(f, X86_EXC_GP, desc_gate(SEL_KCODE, HANDLER, TYPE_INT32, 0, 0));
    enter_vm86(f, 3, 0);
    steps(f, 1);
    assert_in_handler(&f->cpu, TBL_STACK0 - 40);
    g_assert_cmphex(get32(f, TBL_STACK0 - 40), ==, SEL_UCODE | 1);
    fixture_free(f);
}

/* An exception from virtual-8086 mode without room on the CPL0 stack: #SS(new SS | EXT). */
static void test_no_room(void)
{
    static const uint8_t ud2[] = { 0x0f, 0x0b };
    Fixture *f = vm86_fixture(ud2, sizeof(ud2));
    gdt_set(f, 0x40, desc_segment(0, 0xffff, TYPE_DATA_RW, 0, DESC_P | DESC_S | DESC_DB));
    tss32_set_stack(f, TBL_TSS_A, 0, 0x20, 0x40);   /* 32 bytes of the 36 needed */
    idt_set(f, X86_EXC_UD, desc_gate(SEL_KCODE, HANDLER, TYPE_INT32, 0, 0));
    enter_vm86(f, 3, 0);
    X86Cpu *cpu = &f->cpu;
    expect_delivery_fault(f, X86_EXC_UD);
    g_assert_cmpint(cpu->s.events.exception_nr, ==, X86_EXC_SS);
    g_assert_cmphex(cpu->s.events.exception_error, ==, 0x40 | 1);
    assert_vm86_segments(cpu);    /* nothing changed */
    fixture_free(f);
}

/* IRET inside virtual-8086 mode (IOPL 3): VM and IOPL stay whatever the image says. */
static void test_iret_inside(void)
{
    static const uint8_t iret16[] = { 0xcf }, iret32[] = { 0x66, 0xcf };
    Fixture *f = vm86_fixture(iret16, sizeof(iret16));
    enter_vm86(f, 3, X86_FLAG_IF);
    uint16_t frame16[] = { 0x40, 0x1100, X86_FLAG_FIXED | X86_FLAG_ZF };
    memcpy(f->ram + (VM_SS << 4) + VM_SP, frame16, sizeof(frame16));
    expect_run(f, 1);
    X86Cpu *cpu = &f->cpu;
    g_assert_cmphex(cpu->s.rip, ==, 0x40);
    g_assert_cmphex(cpu->s.segs[SEG_CS].base, ==, 0x11000);
    g_assert_cmphex(cpu->s.rflags, ==, X86_FLAG_FIXED | X86_FLAG_ZF | X86_FLAG_VM | X86_FLAG_IOPL);
    g_assert_cmphex(cpu->s.regs[R_ESP], ==, VM_SP + 6);
    fixture_free(f);

    f = vm86_fixture(iret32, sizeof(iret32));
    enter_vm86(f, 3, 0);
    uint32_t frame32[] = { 0x44, 0x1200, X86_FLAG_FIXED | X86_FLAG_AC | X86_FLAG_VIF };
    memcpy(f->ram + (VM_SS << 4) + VM_SP, frame32, sizeof(frame32));
    expect_run(f, 1);
    cpu = &f->cpu;
    g_assert_cmphex(cpu->s.rip, ==, 0x44);
    g_assert_cmphex(cpu->s.rflags, ==, X86_FLAG_FIXED | X86_FLAG_AC | X86_FLAG_VM | X86_FLAG_IOPL);
    g_assert_cmphex(cpu->s.regs[R_ESP], ==, VM_SP + 12);
    fixture_free(f);
}

/* IN, OUT, INS, OUTS in virtual-8086 mode consult the bitmap even at IOPL 3 (SDM vol. 1 19.5.1). */
static void test_io_bitmap(void)
{
    struct { const char *what; uint8_t code[2]; uint8_t len; } cases[] = {
        { "in al, dx", { 0xec }, 1 },
        { "out dx, al", { 0xee }, 1 },
        { "insb", { 0x6c }, 1 },
        { "outsb", { 0x6e }, 1 },
        { "in ax, 0x71", { 0xe5, 0x71 }, 2 },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        for (int deny = 0; deny < 2; deny++) {
            Fixture *f = vm86_fixture(cases[i].code, cases[i].len);
            enter_vm86(f, 3, 0);
            f->cpu.s.regs[R_EDX] = 0x70;
            if (deny) {
                /* The in ax, 0x71 case touches 0x71 and 0x72: deny the second. */
                unsigned port = cases[i].code[0] == 0xe5 ? 0x72 : 0x70;
                f->ram[TBL_TSS_A + IOMAP + port / 8] |= 1u << (port % 8);
            }
            uint32_t err = 0xdead;
            int v = run_until_fault(f, 1, &err);
            if (v != (deny ? X86_EXC_GP : -1)) {
                g_test_message("%s deny=%d: vector %d", cases[i].what, deny, v);
            }
            g_assert_cmpint(v, ==, deny ? X86_EXC_GP : -1);
            if (deny) {
                g_assert_cmphex(err, ==, 0);
            }
            fixture_free(f);
        }
    }
}

/* ---- the virtual-mode extensions (CR4.VME, CR4.PVI), SDM vol. 3A 20.3-20.4 ---- */

/* CLI/STI at IOPL < 3 change VIF with CR4.VME; STI with VIP set is #GP(0). */
static void test_vme_cli_sti(void)
{
    static const uint8_t cli_sti[] = { 0xfa, 0xfb };   /* cli; sti */
    Fixture *f = vm86_fixture(cli_sti, sizeof(cli_sti));
    enter_vm86(f, 0, X86_FLAG_IF | X86_FLAG_VIF);
    X86Cpu *cpu = &f->cpu;
    cpu->s.cr4 |= X86_CR4_VME;
    expect_run(f, 1);
    g_assert_false(cpu->s.rflags & X86_FLAG_VIF);
    g_assert_true(cpu->s.rflags & X86_FLAG_IF);
    expect_run(f, 1);
    g_assert_true(cpu->s.rflags & X86_FLAG_VIF);
    cpu->s.rip = 1;
    cpu->s.rflags |= X86_FLAG_VIP;
    cpu->s.rflags &= ~(uint64_t)X86_FLAG_VIF;
    uint32_t err = 0xdead;
    g_assert_cmpint(run_until_fault(f, 1, &err), ==, X86_EXC_GP);
    g_assert_cmphex(err, ==, 0);
    g_assert_false(cpu->s.rflags & X86_FLAG_VIF);
    fixture_free(f);

    /* CR4.PVI: the same at CPL3 in protected mode; without it, #GP(0). */
    f = fixture_new(FIXTURE_PROT32, 3);
    fixture_code(f, cli_sti, sizeof(cli_sti));
    cpu = &f->cpu;
    cpu->s.rflags |= X86_FLAG_IF | X86_FLAG_VIF;
    g_assert_cmpint(run_until_fault(f, 1, &err), ==, X86_EXC_GP);
    cpu->s.cr4 |= X86_CR4_PVI;
    expect_run(f, 2);
    g_assert_true(cpu->s.rflags & X86_FLAG_VIF);
    g_assert_true(cpu->s.rflags & X86_FLAG_IF);
    cpu->s.rip = FIXTURE_CODE;
    expect_run(f, 1);
    g_assert_false(cpu->s.rflags & X86_FLAG_VIF);
    fixture_free(f);
}

/* The redirection bitmap of TSS A: the 32 bytes below IOMAP. */
static void set_redirect(Fixture *f, unsigned vector)
{
    f->ram[TBL_TSS_A + IOMAP - 32 + vector / 8] |= 1u << (vector % 8);
}

/* INT n with CR4.VME, the four cases of table 20-2 (methods 3-6). */
static void test_vme_int(void)
{
    static const uint8_t code[] = { 0xcd, 0x21 };
    enum { IVT_CS = 0x1234, IVT_IP = 0x5678 };
    for (unsigned iopl = 0; iopl <= 3; iopl += 3) {
        /* Bit clear: through the 8086 program's interrupt table at linear 0 (methods 5, 6). */
        Fixture *f = vm86_fixture(code, sizeof(code));
        put32(f, 0x21 * 4, (IVT_CS << 16) | IVT_IP);
        enter_vm86(f, iopl, X86_FLAG_IF | X86_FLAG_TF | X86_FLAG_ZF);
        X86Cpu *cpu = &f->cpu;
        cpu->s.cr4 |= X86_CR4_VME;
        uint64_t before = cpu->s.rflags;
        expect_run(f, 1);
        g_assert_true(cpu->s.rflags & X86_FLAG_VM);
        g_assert_cmphex(cpu->s.rip, ==, IVT_IP);
        g_assert_cmphex(cpu->s.segs[SEG_CS].base, ==, IVT_CS << 4);
        uint32_t sp = (VM_SS << 4) + VM_SP - 6;
        g_assert_cmphex(cpu->s.regs[R_ESP], ==, VM_SP - 6);
        g_assert_cmphex(get16(f, sp), ==, 2);
        g_assert_cmphex(get16(f, sp + 2), ==, VM_CS);
        g_assert_false(cpu->s.rflags & X86_FLAG_TF);
        if (iopl == 3) {
            g_assert_cmphex(get16(f, sp + 4), ==, (uint16_t)before);
            g_assert_false(cpu->s.rflags & X86_FLAG_IF);
        } else {
            /* Method 6: IOPL shows as 3 and IF as VIF (clear here); VIF is cleared, IF kept. */
            g_assert_cmphex(get16(f, sp + 4), ==,
                            (uint16_t)((before & ~(uint64_t)X86_FLAG_IF) | X86_FLAG_IOPL));
            g_assert_true(cpu->s.rflags & X86_FLAG_IF);
            g_assert_false(cpu->s.rflags & X86_FLAG_VIF);
        }
        fixture_free(f);

        /* Bit set: the protected-mode handler at IOPL 3 (method 4), #GP(0) below (method 3). */
        f = vm86_fixture(code, sizeof(code));
        idt_set(f, 0x21, desc_gate(SEL_KCODE, HANDLER, TYPE_INT32, 3, 0));
        set_redirect(f, 0x21);
        enter_vm86(f, iopl, 0);
        f->cpu.s.cr4 |= X86_CR4_VME;
        uint32_t err = 0xdead;
        int v = run_until_fault(f, 1, &err);
        g_assert_cmpint(v, ==, iopl == 3 ? -1 : X86_EXC_GP);
        if (iopl == 3) {
            assert_in_handler(&f->cpu, TBL_STACK0 - 36);
        } else {
            g_assert_cmphex(err, ==, 0);
        }
        fixture_free(f);
    }

    /* A bitmap that would start before the TSS: #GP(0). */
    Fixture *f = vm86_fixture(code, sizeof(code));
    put16(f, TBL_TSS_A + 102, 8);
    enter_vm86(f, 3, 0);
    f->cpu.s.cr4 |= X86_CR4_VME;
    uint32_t err = 0xdead;
    g_assert_cmpint(run_until_fault(f, 1, &err), ==, X86_EXC_GP);
    fixture_free(f);
}

/* A 16-bit IRET at IOPL < 3 with CR4.VME: IF in the image goes to VIF (SDM vol. 2 IRET). */
static void test_vme_iret(void)
{
    static const uint8_t iret16[] = { 0xcf }, iret32[] = { 0x66, 0xcf };
    struct {
        const char *what;
        uint16_t image;
        uint64_t vip;
        int vector;
    } cases[] = {
        { "IF to VIF", X86_FLAG_FIXED | X86_FLAG_IF | X86_FLAG_CF, 0, -1 },
        { "TF in the image", X86_FLAG_FIXED | X86_FLAG_TF, 0, X86_EXC_GP },
        { "IF with VIP pending", X86_FLAG_FIXED | X86_FLAG_IF, X86_FLAG_VIP, X86_EXC_GP },
        { "VIP pending, IF clear", X86_FLAG_FIXED, X86_FLAG_VIP, -1 },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        Fixture *f = vm86_fixture(iret16, sizeof(iret16));
        enter_vm86(f, 0, cases[i].vip);
        X86Cpu *cpu = &f->cpu;
        cpu->s.cr4 |= X86_CR4_VME;
        uint16_t frame[] = { 0x40, 0x1100, cases[i].image };
        memcpy(f->ram + (VM_SS << 4) + VM_SP, frame, sizeof(frame));
        uint32_t err = 0xdead;
        int v = run_until_fault(f, 1, &err);
        if (v != cases[i].vector) {
            g_test_message("%s: vector %d", cases[i].what, v);
        }
        g_assert_cmpint(v, ==, cases[i].vector);
        if (v < 0) {
            uint64_t want = X86_FLAG_VM | cases[i].vip | (cases[i].image & ~(uint64_t)X86_FLAG_IF) |
                            ((cases[i].image & X86_FLAG_IF) ? X86_FLAG_VIF : 0);
            g_assert_cmphex(cpu->s.rflags, ==, want);   /* IOPL stays 0, IF stays clear */
            g_assert_cmphex(cpu->s.rip, ==, 0x40);
            g_assert_cmphex(cpu->s.segs[SEG_CS].base, ==, 0x11000);
        } else {
            g_assert_cmphex(cpu->s.regs[R_ESP], ==, VM_SP);
        }
        fixture_free(f);
    }

    /* A 32-bit IRET stays IOPL-sensitive. */
    Fixture *f = vm86_fixture(iret32, sizeof(iret32));
    enter_vm86(f, 0, 0);
    f->cpu.s.cr4 |= X86_CR4_VME;
    g_assert_cmpint(run_until_fault(f, 1, NULL), ==, X86_EXC_GP);
    fixture_free(f);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/vm86/iret-entry", test_iret_entry);
    g_test_add_func("/vm86/int-round-trip", test_int_round_trip);
    g_test_add_func("/vm86/int-16bit-gate", test_int_16bit_gate);
    g_test_add_func("/vm86/iopl-sensitive", test_iopl_sensitive);
    g_test_add_func("/vm86/gp-to-monitor", test_gp_to_monitor);
    g_test_add_func("/vm86/handler-privilege", test_handler_privilege);
    g_test_add_func("/vm86/no-room", test_no_room);
    g_test_add_func("/vm86/iret-inside", test_iret_inside);
    g_test_add_func("/vm86/io-bitmap", test_io_bitmap);
    g_test_add_func("/vm86/vme-cli-sti", test_vme_cli_sti);
    g_test_add_func("/vm86/vme-int", test_vme_int);
    g_test_add_func("/vm86/vme-iret", test_vme_iret);
    return g_test_run();
}
