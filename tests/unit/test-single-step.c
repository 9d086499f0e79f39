/* #DB in the software CPU through x86_step: the single-step trap of EFLAGS.TF (SDM vol. 3A 17.3.1.4) and instruction breakpoints (17.3.1.1). */
#include <glib.h>

#include "x86-tables.h"
#include "cpu/x86/exec.h"

/*
 * 32-bit protected mode at CPL0, flat; the #DB and INT 0x40 handlers are
 * interrupt gates.  After a trap the handler's frame on the stack holds
 * the EIP of the instruction after the one that was stepped (a trap, not
 * a fault) and the EFLAGS image with TF still set; the handler itself runs
 * with TF clear and DR6.BS set.
 */

#define DB_HANDLER (FIXTURE_CODE + 0x800)
#define INT40_HANDLER (FIXTURE_CODE + 0x900)
#define DR6_BS (1u << 14)

static Fixture *stepping_fixture(const uint8_t *code, size_t len, bool tf)
{
    Fixture *f = fixture_new(FIXTURE_PROT32, 0);
    tables_init(f, false);
    idt_set(f, X86_EXC_DB, desc_gate(SEL_KCODE, DB_HANDLER, TYPE_INT32, 0, 0));
    idt_set(f, 0x40, desc_gate(SEL_KCODE, INT40_HANDLER, TYPE_INT32, 0, 0));
    static const uint8_t nops[] = { 0x90, 0x90, 0x90, 0x90 };
    code_at(f, DB_HANDLER, nops, sizeof(nops));
    code_at(f, INT40_HANDLER, nops, sizeof(nops));
    fixture_code(f, code, len);
    if (tf) {
        f->cpu.s.rflags |= X86_FLAG_TF;
    }
    return f;
}

static void step(Fixture *f)
{
    g_assert_cmpint(x86_step(&f->cpu), ==, X86_STOP_NONE);
}

/* The handler was entered for the instruction that ended at `return_eip`. */
static void assert_trapped(Fixture *f, uint32_t return_eip)
{
    X86Cpu *cpu = &f->cpu;
    uint32_t esp = (uint32_t)cpu->s.regs[R_ESP];
    g_assert_cmphex(cpu->s.rip, ==, DB_HANDLER);
    g_assert_cmphex(get32(f, esp), ==, return_eip);
    g_assert_true(get32(f, esp + 8) & X86_FLAG_TF);       /* the image keeps TF */
    g_assert_false(cpu->s.rflags & X86_FLAG_TF);          /* the handler runs without */
    g_assert_true(cpu->s.dr6 & DR6_BS);
}

static void test_trap_after_each_instruction(void)
{
    static const uint8_t code[] = { 0x40, 0x40 };   /* inc eax; inc eax */
    Fixture *f = stepping_fixture(code, sizeof(code), true);
    step(f);
    g_assert_cmpuint(f->cpu.s.regs[R_EAX], ==, 1);     /* the instruction completed */
    assert_trapped(f, FIXTURE_CODE + 1);
    fixture_free(f);
}

static void test_no_trap_without_tf(void)
{
    static const uint8_t code[] = { 0x40, 0x40 };
    Fixture *f = stepping_fixture(code, sizeof(code), false);
    step(f);
    g_assert_cmphex(f->cpu.s.rip, ==, FIXTURE_CODE + 1);
    g_assert_false(f->cpu.s.dr6 & DR6_BS);
    fixture_free(f);
}

/* POPF that sets TF: TF is sampled as an instruction begins, so the trap follows the next one. */
static void test_popf_setting_tf(void)
{
    static const uint8_t code[] = {
        0x68, 0x02, 0x01, 0x00, 0x00,   /* push 0x102 (TF) */
        0x9d,                           /* popfd */
        0x40,                           /* inc eax */
    };
    Fixture *f = stepping_fixture(code, sizeof(code), false);
    step(f);
    step(f);
    g_assert_cmphex(f->cpu.s.rip, ==, FIXTURE_CODE + 6);
    g_assert_true(f->cpu.s.rflags & X86_FLAG_TF);
    step(f);
    assert_trapped(f, FIXTURE_CODE + 7);
    fixture_free(f);
}

/* MOV SS holds the trap back until the next instruction is done (SDM 6.8.3). */
static void test_mov_ss_delays_trap(void)
{
    static const uint8_t code[] = {
        0x8e, 0xd3,   /* mov ss, ebx */
        0x40,         /* inc eax */
        0x40,
    };
    Fixture *f = stepping_fixture(code, sizeof(code), true);
    f->cpu.s.regs[R_EBX] = SEL_KDATA;
    step(f);
    g_assert_cmphex(f->cpu.s.rip, ==, FIXTURE_CODE + 2);   /* no trap yet */
    step(f);
    assert_trapped(f, FIXTURE_CODE + 3);
    fixture_free(f);
}

/* INT n clears TF on its way to the handler: no trap; the handler is not stepped either. */
static void test_int_n_not_trapped(void)
{
    static const uint8_t code[] = { 0xcd, 0x40, 0x40 };   /* int 0x40; inc eax */
    Fixture *f = stepping_fixture(code, sizeof(code), true);
    step(f);
    g_assert_cmphex(f->cpu.s.rip, ==, INT40_HANDLER);
    g_assert_false(f->cpu.s.dr6 & DR6_BS);
    step(f);
    g_assert_cmphex(f->cpu.s.rip, ==, INT40_HANDLER + 1);
    fixture_free(f);
}

/* INTO without OF does not interrupt: it is stepped like any instruction. */
static void test_into_not_taken_is_trapped(void)
{
    static const uint8_t code[] = { 0xce, 0x40 };   /* into; inc eax */
    Fixture *f = stepping_fixture(code, sizeof(code), true);
    step(f);
    assert_trapped(f, FIXTURE_CODE + 1);
    fixture_free(f);
}

/* REP STOSB traps after each iteration, RIP still at the instruction until the count runs out. */
static void test_rep_string_traps_per_iteration(void)
{
    static const uint8_t code[] = { 0xf3, 0xaa, 0x40 };   /* rep stosb; inc eax */
    Fixture *f = stepping_fixture(code, sizeof(code), true);
    X86Cpu *cpu = &f->cpu;
    cpu->s.regs[R_ECX] = 2;
    cpu->s.regs[R_EDI] = FIXTURE_DATA;
    step(f);
    assert_trapped(f, FIXTURE_CODE);                     /* not done: back to the REP */
    g_assert_cmpuint(cpu->s.regs[R_ECX], ==, 1);
    g_assert_cmphex(cpu->s.regs[R_EDI], ==, FIXTURE_DATA + 1);
    fixture_free(f);
}

/* A faulting instruction reports its fault, not a trap: it did not complete. */
static void test_fault_is_not_trapped(void)
{
    static const uint8_t code[] = { 0x0f, 0x0b };   /* ud2 */
    Fixture *f = stepping_fixture(code, sizeof(code), true);
    idt_set(f, X86_EXC_UD, desc_gate(SEL_KCODE, INT40_HANDLER, TYPE_INT32, 0, 0));
    step(f);
    g_assert_cmphex(f->cpu.s.rip, ==, INT40_HANDLER);
    g_assert_cmphex(get32(f, (uint32_t)f->cpu.s.regs[R_ESP]), ==, FIXTURE_CODE);
    g_assert_false(f->cpu.s.dr6 & DR6_BS);
    fixture_free(f);
}

/* DR0 on the second INC, enabled locally (L0), R/W0 = LEN0 = 00: an instruction breakpoint. */
static Fixture *breakpoint_fixture(uint64_t dr7)
{
    static const uint8_t code[] = { 0x40, 0x40, 0x40 };   /* inc eax x3 */
    Fixture *f = stepping_fixture(code, sizeof(code), false);
    f->cpu.s.dr[0] = FIXTURE_CODE + 1;
    f->cpu.s.dr7 = 0x400 | dr7;
    f->cpu.s.dr6 = 0xffff0ff0;
    return f;
}

/* A fault: the handler sees the breakpointed instruction's own EIP, and it has not run. */
static void test_insn_breakpoint_faults(void)
{
    Fixture *f = breakpoint_fixture(1);
    X86Cpu *cpu = &f->cpu;
    step(f);
    g_assert_cmphex(cpu->s.rip, ==, FIXTURE_CODE + 1);
    step(f);
    g_assert_cmphex(cpu->s.rip, ==, DB_HANDLER);
    g_assert_cmphex(get32(f, (uint32_t)cpu->s.regs[R_ESP]), ==, FIXTURE_CODE + 1);
    g_assert_cmpuint(cpu->s.regs[R_EAX], ==, 1);
    g_assert_cmphex(cpu->s.dr6 & 0xf, ==, 1);            /* B0 */
    g_assert_false(cpu->s.dr6 & DR6_BS);
    fixture_free(f);
}

/* RF set (as a handler's IRET leaves it) lets the instruction run once; it is clear after. */
static void test_rf_suppresses_breakpoint(void)
{
    Fixture *f = breakpoint_fixture(1);
    X86Cpu *cpu = &f->cpu;
    cpu->s.rip = FIXTURE_CODE + 1;
    cpu->s.rflags |= X86_FLAG_RF;
    step(f);
    g_assert_cmphex(cpu->s.rip, ==, FIXTURE_CODE + 2);
    g_assert_cmpuint(cpu->s.regs[R_EAX], ==, 1);
    g_assert_false(cpu->s.rflags & X86_FLAG_RF);
    fixture_free(f);
}

/* Not enabled in DR7, or a data breakpoint (R/W0 = 01) at that address: no fault on execution. */
static void test_breakpoint_not_armed(void)
{
    static const uint64_t dr7s[] = { 0, 1 | 1u << 16 };
    for (unsigned k = 0; k < G_N_ELEMENTS(dr7s); k++) {
        Fixture *f = breakpoint_fixture(dr7s[k]);
        step(f);
        step(f);
        g_assert_cmphex(f->cpu.s.rip, ==, FIXTURE_CODE + 2);
        fixture_free(f);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/single-step/each-instruction", test_trap_after_each_instruction);
    g_test_add_func("/single-step/without-tf", test_no_trap_without_tf);
    g_test_add_func("/single-step/popf-sets-tf", test_popf_setting_tf);
    g_test_add_func("/single-step/mov-ss-delays", test_mov_ss_delays_trap);
    g_test_add_func("/single-step/int-n", test_int_n_not_trapped);
    g_test_add_func("/single-step/into-not-taken", test_into_not_taken_is_trapped);
    g_test_add_func("/single-step/rep-string", test_rep_string_traps_per_iteration);
    g_test_add_func("/single-step/fault", test_fault_is_not_trapped);
    g_test_add_func("/breakpoint/insn-fault", test_insn_breakpoint_faults);
    g_test_add_func("/breakpoint/rf-suppresses", test_rf_suppresses_breakpoint);
    g_test_add_func("/breakpoint/not-armed", test_breakpoint_not_armed);
    return g_test_run();
}
