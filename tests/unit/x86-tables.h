/* Descriptor tables, TSSs and a stepping loop for the unit tests of gates, tasks and virtual-8086 mode. */
#ifndef TESTS_UNIT_X86_TABLES_H
#define TESTS_UNIT_X86_TABLES_H

#include "x86-fixture.h"

#include "cpu/x86/seg.h"

/*
 * Tables live above the fixture's code, data, stack and page tables:
 *   TBL_GDT   the GDT (selectors below)      TBL_IDT  the IDT
 *   TBL_LDT   an LDT                         TBL_TSS_A, TBL_TSS_B  two TSSs
 *   TBL_STACK0 the CPL0 stack top a TSS gives (ESP0)
 * The descriptors are built the SDM's way (vol. 3A 3.4.5, figure 3-8;
 * 5.8.3, figure 5-8; 6.11, figure 6-2; 7.2.2, figure 7-3).
 */
#define TBL_GDT 0x40000u
#define TBL_IDT 0x41000u
#define TBL_LDT 0x42000u
#define TBL_TSS_A 0x43000u
#define TBL_TSS_B 0x44000u
#define TBL_STACK0 0x48000u

/* GDT selectors every test shares (index << 3). */
#define SEL_KCODE 0x08     /* 32-bit code, DPL0 (64-bit in long-mode tests) */
#define SEL_KDATA 0x10     /* data, DPL0 */
#define SEL_UCODE 0x18     /* 32-bit code, DPL3 (64-bit in long-mode tests) */
#define SEL_UDATA 0x20     /* data, DPL3 */
#define SEL_TSS_A 0x28
#define SEL_TSS_B 0x30
/* 0x38 and up: each test's own descriptors. */

enum {
    TYPE_DATA_RW = 0x3,     /* read/write, accessed */
    TYPE_CODE_XR = 0xb,     /* execute/read, accessed */
    TYPE_CODE_CONF = 0xf,   /* conforming execute/read, accessed */
    TYPE_TSS16 = 0x1, TYPE_LDT = 0x2, TYPE_TSS16_BUSY = 0x3, TYPE_CALL16 = 0x4, TYPE_TASK = 0x5,
    TYPE_INT16 = 0x6, TYPE_TRAP16 = 0x7, TYPE_TSS32 = 0x9, TYPE_TSS32_BUSY = 0xb,
    TYPE_CALL32 = 0xc, TYPE_INT32 = 0xe, TYPE_TRAP32 = 0xf,
};

#define DESC_P (1ull << 47)
#define DESC_S (1ull << 44)
#define DESC_L (1ull << 53)
#define DESC_DB (1ull << 54)
#define DESC_G (1ull << 55)

/* A segment descriptor: byte limit (G chosen when it does not fit in 20 bits). */
static inline uint64_t desc_segment(uint32_t base, uint32_t limit, unsigned type, unsigned dpl,
                                    uint64_t flags)
{
    if (limit > 0xfffff) {
        limit >>= 12;
        flags |= DESC_G;
    }
    return (limit & 0xffff) | ((uint64_t)(base & 0xffffff) << 16) | ((uint64_t)type << 40) |
           ((uint64_t)dpl << 45) | ((uint64_t)((limit >> 16) & 0xf) << 48) |
           ((uint64_t)(base >> 24) << 56) | flags;
}

static inline uint64_t desc_code32(unsigned dpl)
{
    return desc_segment(0, 0xffffffff, TYPE_CODE_XR, dpl, DESC_P | DESC_S | DESC_DB);
}

static inline uint64_t desc_code64(unsigned dpl)
{
    return desc_segment(0, 0xffffffff, TYPE_CODE_XR, dpl, DESC_P | DESC_S | DESC_L);
}

static inline uint64_t desc_data32(unsigned dpl)
{
    return desc_segment(0, 0xffffffff, TYPE_DATA_RW, dpl, DESC_P | DESC_S | DESC_DB);
}

/* A system descriptor (LDT, TSS) of `limit` bytes. */
static inline uint64_t desc_system(uint32_t base, uint32_t limit, unsigned type, unsigned dpl)
{
    return desc_segment(base, limit, type, dpl, DESC_P);
}

/* A gate: call gate (with its parameter count), task gate, interrupt or trap gate. */
static inline uint64_t desc_gate(uint16_t sel, uint32_t offset, unsigned type, unsigned dpl,
                                 unsigned params)
{
    return (offset & 0xffff) | ((uint64_t)sel << 16) | ((uint64_t)(params & 0x1f) << 32) |
           ((uint64_t)type << 40) | ((uint64_t)dpl << 45) | DESC_P |
           ((uint64_t)(offset >> 16) << 48);
}

static inline void put64(Fixture *f, uint32_t addr, uint64_t v)
{
    memcpy(f->ram + addr, &v, 8);
}

static inline void put32(Fixture *f, uint32_t addr, uint32_t v)
{
    memcpy(f->ram + addr, &v, 4);
}

static inline void put16(Fixture *f, uint32_t addr, uint16_t v)
{
    memcpy(f->ram + addr, &v, 2);
}

static inline uint32_t get32(const Fixture *f, uint32_t addr)
{
    uint32_t v;
    memcpy(&v, f->ram + addr, 4);
    return v;
}

static inline uint16_t get16(const Fixture *f, uint32_t addr)
{
    uint16_t v;
    memcpy(&v, f->ram + addr, 2);
    return v;
}

static inline uint64_t get64(const Fixture *f, uint32_t addr)
{
    uint64_t v;
    memcpy(&v, f->ram + addr, 8);
    return v;
}

static inline void gdt_set(Fixture *f, uint16_t sel, uint64_t desc)
{
    put64(f, TBL_GDT + (sel & ~7u), desc);
}

static inline uint64_t gdt_get(const Fixture *f, uint16_t sel)
{
    return get64(f, TBL_GDT + (sel & ~7u));
}

static inline unsigned gdt_type(const Fixture *f, uint16_t sel)
{
    return (gdt_get(f, sel) >> 40) & 0xf;
}

static inline void idt_set(Fixture *f, unsigned vector, uint64_t desc)
{
    put64(f, TBL_IDT + vector * 8, desc);
}

/* The ordinary segments, GDTR and IDTR (256 vectors of 8 bytes, or 16 in long mode). */
static inline void tables_init(Fixture *f, bool long_mode)
{
    gdt_set(f, SEL_KCODE, long_mode ? desc_code64(0) : desc_code32(0));
    gdt_set(f, SEL_KDATA, desc_data32(0));
    gdt_set(f, SEL_UCODE, long_mode ? desc_code64(3) : desc_code32(3));
    gdt_set(f, SEL_UDATA, desc_data32(3));
    f->cpu.s.gdtr.base = TBL_GDT;
    f->cpu.s.gdtr.limit = 0x7ff;
    f->cpu.s.idtr.base = TBL_IDT;
    f->cpu.s.idtr.limit = long_mode ? 0xfff : 0x7ff;
}

/* Make `sel` (a TSS descriptor already in the GDT) the current task, busy, as LTR does. */
static inline void tables_set_tr(Fixture *f, uint16_t sel)
{
    uint64_t d = gdt_get(f, sel) | (2ull << 40);
    gdt_set(f, sel, d);
    X86Descriptor desc = { d, 0 };
    x86_segment_from_descriptor(&f->cpu.s.tr, sel, &desc, false);
}

/* A 32-bit TSS's ESP0/SS0 (SDM 7.2.1). */
static inline void tss32_set_stack(Fixture *f, uint32_t tss, unsigned cpl, uint32_t esp,
                                   uint16_t ss)
{
    put32(f, tss + 4 + 8 * cpl, esp);
    put16(f, tss + 8 + 8 * cpl, ss);
}

/* The task state a 32-bit TSS holds for a task that has not run yet. */
typedef struct Task32 {
    uint32_t cr3, eip, eflags;
    uint32_t regs[8];
    uint16_t segs[X86_NR_SEGS];   /* ES, CS, SS, DS, FS, GS */
    uint16_t ldt;
    bool trap;
} Task32;

static inline void tss32_write(Fixture *f, uint32_t tss, const Task32 *t)
{
    put32(f, tss + 28, t->cr3);
    put32(f, tss + 32, t->eip);
    put32(f, tss + 36, t->eflags);
    for (int i = 0; i < 8; i++) {
        put32(f, tss + 40 + 4 * i, t->regs[i]);
    }
    for (int i = 0; i < X86_NR_SEGS; i++) {
        put32(f, tss + 72 + 4 * i, t->segs[i]);
    }
    put32(f, tss + 96, t->ldt);
    put16(f, tss + 100, t->trap);
    put16(f, tss + 102, 104);     /* no I/O bitmap */
}

/* A flat CPL0 task at `eip` with distinct register values. */
static inline Task32 task32_kernel(uint32_t eip, uint32_t esp)
{
    Task32 t = { .eip = eip, .eflags = X86_FLAG_FIXED };
    for (int i = 0; i < 8; i++) {
        t.regs[i] = 0x11111111u * (i + 1);
    }
    t.regs[R_ESP] = esp;
    for (int i = 0; i < X86_NR_SEGS; i++) {
        t.segs[i] = i == SEG_CS ? SEL_KCODE : SEL_KDATA;
    }
    return t;
}

/*
 * Execute `n` instructions with exception delivery (x86_step), asserting
 * that none of them stops the CPU.
 */
static inline void steps(Fixture *f, int n)
{
    for (int i = 0; i < n; i++) {
        X86StopReason stop = x86_step(&f->cpu);
        if (stop != X86_STOP_NONE) {
            g_test_message("step %d stopped the CPU (%d): %s", i, stop, f->cpu.error);
        }
        g_assert_cmpint(stop, ==, X86_STOP_NONE);
    }
}

/* Place code at an address (not only FIXTURE_CODE). */
static inline void code_at(Fixture *f, uint32_t addr, const uint8_t *code, size_t len)
{
    memcpy(f->ram + addr, code, len);
}

/* Run from the current RIP until an exception (its vector, error in *error) or `max` instructions (-1). */
static inline int run_until_fault(Fixture *f, int max, uint32_t *error)
{
    f->code_end = ~0ull;
    return fixture_run_max(f, max, error);
}

/* Run `n` instructions that must not raise anything. */
static inline void expect_run(Fixture *f, int n)
{
    uint32_t err = 0;
    int v = run_until_fault(f, n, &err);
    if (v >= 0) {
        g_test_message("unexpected exception %d error 0x%x at 0x%llx", v, err,
                       (unsigned long long)f->cpu.s.rip);
    }
    g_assert_cmpint(v, ==, -1);
}

/* Deliver `vector` as a hardware event and require that delivering it raises a fault (in cpu->s.events). */
static inline void expect_delivery_fault(Fixture *f, int vector)
{
    X86Cpu *cpu = &f->cpu;
    jmp_buf env;
    cpu->unwind = &env;
    volatile int raised = 0;
    if (setjmp(env) == 0) {
        x86_deliver(cpu, vector, X86_NO_ERROR_CODE, false);
    } else {
        raised = 1;
    }
    g_assert_cmpint(raised, ==, 1);
}

#endif
