/* A software CPU with a little RAM, for unit tests of instruction semantics. */
#ifndef TESTS_UNIT_X86_FIXTURE_H
#define TESTS_UNIT_X86_FIXTURE_H

#include <glib.h>
#include <string.h>

#include "cpu/x86/exec.h"

/*
 * RAM: 4 MiB at 0.  Code goes at FIXTURE_CODE, data at FIXTURE_DATA, the
 * stack grows down from FIXTURE_STACK.  Modes:
 *   FIXTURE_REAL    real mode, CS=DS=ES=SS=0
 *   FIXTURE_PROT32  32-bit protected mode, flat, paging off, CPL0
 *   FIXTURE_LONG64  64-bit mode, identity-mapped 2M pages (user-accessible), CPL 0 or 3
 * Segment hidden parts are set directly (no GDT needed until a test loads a selector).
 * An exception ends x86_fixture_run() and is reported instead of delivered.
 */
#define FIXTURE_RAM_SIZE (4u << 20)
#define FIXTURE_CODE 0x10000u
#define FIXTURE_DATA 0x20000u
#define FIXTURE_STACK 0x30000u
#define FIXTURE_PML4 0x1000u

typedef enum { FIXTURE_REAL, FIXTURE_PROT32, FIXTURE_LONG64 } FixtureMode;

typedef struct Fixture {
    X86Cpu cpu;
    AddressSpace mem, io;
    uint8_t *ram;
    uint64_t code_end;
} Fixture;

static inline Fixture *fixture_new(FixtureMode mode, int cpl)
{
    Fixture *f = g_malloc0(sizeof(*f));
    f->ram = g_malloc0(FIXTURE_RAM_SIZE);
    address_space_init(&f->mem, "mem", 1ull << 40);
    address_space_init(&f->io, "io", 0x10000);
    g_assert_cmpint(address_space_add_ram(&f->mem, "ram", 0, FIXTURE_RAM_SIZE, f->ram), ==, 0);
    x86_cpu_init(&f->cpu, &f->mem, &f->io);
    X86State s;
    x86_state_reset(&s);
    s.rip = FIXTURE_CODE;
    s.regs[R_ESP] = FIXTURE_STACK;
    s.regs[R_EDX] = 0;
    s.fpu.fcw = 0x37f;
    s.cr0 = X86_CR0_ET | X86_CR0_NE;
    for (int i = 0; i < X86_NR_SEGS; i++) {
        s.segs[i].base = 0;
        s.segs[i].selector = 0;
    }
    if (mode != FIXTURE_REAL) {
        s.cr0 |= X86_CR0_PE;
        s.cr4 = X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;
        uint16_t cs_sel = cpl == 3 ? 0x1b : 0x08, ds_sel = cpl == 3 ? 0x23 : 0x10;
        x86_segment_flat_code(&s.segs[SEG_CS], cs_sel, mode == FIXTURE_LONG64);
        for (int i = 0; i < X86_NR_SEGS; i++) {
            if (i != SEG_CS) {
                x86_segment_flat_data(&s.segs[i], ds_sel);
            }
            s.segs[i].dpl = cpl;
        }
        s.tr.type = 0xb;
    }
    if (mode == FIXTURE_LONG64) {
        /* PML4[0] -> PDPT -> PD of 2M pages covering the first 1 GiB, all user-accessible. */
        uint64_t e = (FIXTURE_PML4 + 0x1000) | 7;
        memcpy(f->ram + FIXTURE_PML4, &e, 8);
        e = (FIXTURE_PML4 + 0x2000) | 7;
        memcpy(f->ram + FIXTURE_PML4 + 0x1000, &e, 8);
        for (uint64_t i = 0; i < 512; i++) {
            e = (i << 21) | 0x87;
            memcpy(f->ram + FIXTURE_PML4 + 0x2000 + i * 8, &e, 8);
        }
        s.cr3 = FIXTURE_PML4;
        s.cr0 |= X86_CR0_PG;
        s.cr4 |= X86_CR4_PAE;
        s.msr.efer = X86_EFER_LME | X86_EFER_LMA | X86_EFER_NXE | X86_EFER_SCE;
    }
    x86_cpu_set_state(&f->cpu, &s);
    return f;
}

static inline void fixture_free(Fixture *f)
{
    address_space_destroy(&f->mem);
    address_space_destroy(&f->io);
    g_free(f->ram);
    g_free(f);
}

static inline void fixture_code(Fixture *f, const void *code, size_t len)
{
    memcpy(f->ram + FIXTURE_CODE, code, len);
    f->code_end = FIXTURE_CODE + len;
}

/*
 * Run until RIP reaches the end of the code (or `max` instructions).
 * Returns -1, or the vector of the first exception (its error code in
 * *error if not NULL; RIP then still points at the faulting instruction).
 */
static inline int fixture_run_max(Fixture *f, int max, uint32_t *error)
{
    X86Cpu *cpu = &f->cpu;
    for (volatile int n = 0; n < max && cpu->s.rip != f->code_end; n++) {
        jmp_buf env;
        cpu->unwind = &env;
        if (setjmp(env) == 0) {
            X86Insn insn;
            x86_fetch_decode(cpu, &insn);
            cpu->next_rip = cpu->s.rip + insn.len;
            if (cpu->code_bits != 64) {
                cpu->next_rip &= cpu->code_bits == 32 ? 0xffffffffull : 0xffffull;
            }
            x86_execute(cpu, &insn);
            cpu->s.rip = cpu->next_rip;
        } else {
            if (error) {
                *error = cpu->s.events.exception_error;
            }
            cpu->s.events.exception_injected = 0;
            return cpu->s.events.exception_nr;
        }
    }
    return -1;
}

static inline int fixture_run(Fixture *f)
{
    return fixture_run_max(f, 100000, NULL);
}

/* Run `code` from a fresh fixture state given by the caller's setup. */
#define FIXTURE_CODE_BYTES(...) ((const uint8_t[]){ __VA_ARGS__ }), sizeof((const uint8_t[]){ __VA_ARGS__ })

#endif
