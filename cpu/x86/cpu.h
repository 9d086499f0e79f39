/* X86Cpu: one software vCPU (interp, later tcg): X86State plus what executing it needs. */
#ifndef CPU_X86_CPU_H
#define CPU_X86_CPU_H

#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "cpu/x86/state.h"
#include "memory/memory.h"
#include "memory/mmu.h"

/*
 * Execution model.  Semantic functions run on cpu->s directly.  An
 * architectural exception is raised with x86_raise(), which unwinds with
 * longjmp to the run loop (the instruction boundary): every semantic
 * function does all of its checks and loads before its first store, or
 * stores in an order that makes a fault restartable, so the guest state at
 * the fault is the state before the instruction (precise exceptions).
 * cpu->s.rip holds the address of the executing instruction until it
 * retires; cpu->next_rip is where it falls through to.
 *
 * Flags are computed eagerly.  Arithmetic whose x86 semantics the host has
 * as the same instruction runs on the host ALU (cpu/x86/hostalu.h), which
 * gives exact flags, including the undefined ones as this x86 host defines
 * them — the same values kvm shows on this machine.
 */

typedef struct CodeCache CodeCache;
typedef struct X86Cpuid X86Cpuid;
typedef struct VCPU VCPU;

/* Vectors, SDM vol. 3A 6.3.1 */
enum {
    X86_EXC_DE = 0, X86_EXC_DB = 1, X86_EXC_NMI = 2, X86_EXC_BP = 3, X86_EXC_OF = 4,
    X86_EXC_BR = 5, X86_EXC_UD = 6, X86_EXC_NM = 7, X86_EXC_DF = 8, X86_EXC_TS = 10,
    X86_EXC_NP = 11, X86_EXC_SS = 12, X86_EXC_GP = 13, X86_EXC_PF = 14, X86_EXC_MF = 16,
    X86_EXC_AC = 17, X86_EXC_MC = 18, X86_EXC_XM = 19, X86_EXC_VE = 20,
};

/* Why a run of the execution loop stopped (besides exceptions, handled inside). */
typedef enum X86StopReason {
    X86_STOP_NONE,
    X86_STOP_HLT,
    X86_STOP_SHUTDOWN,      /* triple fault */
    X86_STOP_KICK,
    X86_STOP_ERROR,         /* an exception tandem cannot deliver yet; see error[] */
} X86StopReason;

/*
 * What the CPU asks of the machine around it: the local APIC's registers
 * that are MSRs or CR8 (SDM vol. 3A 10.8.6.1, 10.12).  Every hook is
 * required; a CPU with no LAPIC gets hooks that refuse the MSRs.
 */
typedef struct X86CpuPlatform {
    /* IA32_APIC_BASE, x2APIC MSRs 0x800-0x8ff, IA32_TSC_DEADLINE: false -> #GP */
    bool (*apic_msr_read)(void *opaque, uint32_t msr, uint64_t *value);
    bool (*apic_msr_write)(void *opaque, uint32_t msr, uint64_t value);
    uint8_t (*tpr_read)(void *opaque);          /* MOV from CR8 */
    void (*tpr_write)(void *opaque, uint8_t v); /* MOV to CR8 */
    void *opaque;
} X86CpuPlatform;

typedef struct X86Cpu {
    X86State s;
    const X86CpuPlatform *platform;   /* NULL: no LAPIC (unit tests) */

    AddressSpace *mem;
    AddressSpace *io;
    Tlb tlb;

    /* Derived from s; refreshed by x86_cpu_mode_changed(). */
    MmuRegs mmu;
    int cpl;
    int code_bits;          /* 16, 32 or 64: CS.D / CS.L */
    int stack_bits;         /* 16, 32 or 64: SS.B, or 64 in 64-bit mode */
    bool mode64;            /* 64-bit mode: EFER.LMA and CS.L */

    uint64_t next_rip;      /* the instruction's fall-through address */
    jmp_buf *unwind;        /* where x86_raise() returns to */
    bool end_block;         /* the instruction changed what decoding depends on */
    bool single_step_pending; /* a single-step trap held back by MOV SS/POP SS (x86_single_step) */

    CodeCache *code;        /* decoded blocks (accel/interp.c) */
    const X86Cpuid *cpuid;  /* what CPUID answers (cpu/x86/cpuid.h); NULL = leaf 0 only */
    uint64_t tsc_base;      /* guest TSC at tsc_epoch_ns */
    uint64_t tsc_epoch_ns;  /* host CLOCK_MONOTONIC */
    bool vendor_amd;        /* follow AMD where the vendors differ (SYSCALL in compat mode...) */
    VCPU *vcpu;
    volatile int kick;      /* set by another thread: leave the loop */
    volatile int irq_check; /* an interrupt may be pending: look at the controllers */
    uint64_t icount;        /* instructions retired */

    /* The exception being delivered, for double-fault rules (SDM 6.15). */
    int delivering_vector;
    /* The last exception delivered (for logs, the monitor and tests), or -1. */
    int last_exception;

    /* A stop the loop must report, with a message for X86_STOP_ERROR. */
    X86StopReason stop;
    char error[160];

    /* Bitmap of guest-physical pages that hold decoded code, or NULL. */
    const uint8_t *code_pages;
    uint64_t code_pages_limit;   /* pages covered by the bitmap */
    /* Called when a store hits a page in code_pages. */
    void (*code_written)(struct X86Cpu *cpu, uint64_t gpa, unsigned size);
} X86Cpu;

/*
 * The guest TSC runs at this fixed frequency, whatever the host's: guest
 * time follows host time (CLOCK_MONOTONIC) and CPUID/KVM advertise it.
 */
#define X86_TSC_KHZ 2000000ull
/* The guest's TSC now (cpu/x86/msr.c). */
uint64_t x86_tsc_read(const X86Cpu *cpu);
/* Make the TSC read `value` now (WRMSR, state load). */
void x86_tsc_write(X86Cpu *cpu, uint64_t value);

/* ---- life cycle ---- */

void x86_cpu_init(X86Cpu *cpu, AddressSpace *mem, AddressSpace *io);
/* Load a state (flushes the TLB, recomputes the derived fields). */
void x86_cpu_set_state(X86Cpu *cpu, const X86State *s);
/* Recompute cpl/code_bits/mode64/mmu after CS, SS, CR0/3/4 or EFER changed. */
void x86_cpu_mode_changed(X86Cpu *cpu);

/* ---- exceptions (cpu/x86/exception.c) ---- */

#define X86_NO_ERROR_CODE (~0u)
_Noreturn void x86_raise(X86Cpu *cpu, int vector, uint32_t error_code);
_Noreturn void x86_raise_pf(X86Cpu *cpu, uint64_t la, uint32_t error_code);
static inline _Noreturn void x86_raise_ud(X86Cpu *cpu) { x86_raise(cpu, X86_EXC_UD, X86_NO_ERROR_CODE); }
static inline _Noreturn void x86_raise_gp0(X86Cpu *cpu) { x86_raise(cpu, X86_EXC_GP, 0); }
/*
 * Deliver an exception or interrupt through the IDT (real mode IVT,
 * protected-mode and long-mode gates), with the double- and triple-fault
 * rules.  `soft` marks INT n/INT3/INTO (privilege check against the gate's
 * DPL, return address after the instruction).
 */
void x86_deliver(X86Cpu *cpu, int vector, uint32_t error_code, bool soft);
/*
 * After x86_raise() unwound to the loop: deliver the exception recorded in
 * s.events, turning a fault during delivery into #DF per SDM 6.15.  May
 * itself unwind again (the loop then calls it again).  Returns false on a
 * triple fault: the machine must shut down.
 */
bool x86_service_exception(X86Cpu *cpu);

/* ---- memory (cpu/x86/mem.c) ---- */

static inline int x86_mmu_idx(const X86Cpu *cpu)
{
    return mmu_index(cpu->cpl, (cpu->s.rflags & X86_FLAG_AC) != 0, &cpu->mmu);
}

uint64_t x86_read_slow(X86Cpu *cpu, uint64_t la, unsigned size, MmuAccess kind, int mmu_idx);
void x86_write_slow(X86Cpu *cpu, uint64_t la, uint64_t value, unsigned size, int mmu_idx);

/* Linear-address access of 1, 2, 4 or 8 bytes, checked and translated. */
static inline uint64_t x86_read_linear(X86Cpu *cpu, uint64_t la, unsigned size, int mmu_idx)
{
    TlbEntry *e = tlb_entry(&cpu->tlb, mmu_idx, la);
    if (__builtin_expect(e->tag[MMU_READ] == (la & MMU_PAGE_MASK) &&
                         (la & ~MMU_PAGE_MASK) + size <= MMU_PAGE_SIZE, 1)) {
        uint64_t v = 0;
        memcpy(&v, (const void *)(uintptr_t)(la + e->addend), size);
        cpu->tlb.count.hits++;
        return v;
    }
    return x86_read_slow(cpu, la, size, MMU_READ, mmu_idx);
}

static inline void x86_write_linear(X86Cpu *cpu, uint64_t la, uint64_t value, unsigned size,
                                    int mmu_idx)
{
    TlbEntry *e = tlb_entry(&cpu->tlb, mmu_idx, la);
    if (__builtin_expect(e->tag[MMU_WRITE] == (la & MMU_PAGE_MASK) &&
                         (la & ~MMU_PAGE_MASK) + size <= MMU_PAGE_SIZE, 1)) {
        memcpy((void *)(uintptr_t)(la + e->addend), &value, size);
        cpu->tlb.count.hits++;
        return;
    }
    x86_write_slow(cpu, la, value, size, mmu_idx);
}

/*
 * Segmented address -> linear address for an access of `size` bytes:
 * 64-bit mode adds FS/GS bases and checks canonical form (#GP, or #SS for
 * SS); other modes check the segment's type and limit (SDM vol. 3A 5.3)
 * and wrap at 4 GiB.
 */
uint64_t x86_linear_checked(X86Cpu *cpu, int seg, uint64_t offset, unsigned size, MmuAccess kind);

/*
 * The common case inline: 64-bit mode, a segment with no base (not FS/GS),
 * no alignment checking (SDM vol. 3A 6.15: CPL 3, CR0.AM and EFLAGS.AC), an access that is
 * canonical from first byte to last.  Everything else: x86_linear_checked.
 */
static inline uint64_t x86_linear(X86Cpu *cpu, int seg, uint64_t offset, unsigned size,
                                  MmuAccess kind)
{
    bool alignment_checking = (cpu->s.rflags & X86_FLAG_AC) && cpu->cpl == 3 &&
                              (cpu->s.cr0 & X86_CR0_AM);
    if (cpu->mode64 && seg < SEG_FS && !alignment_checking) {
        uint64_t last = offset + size - 1;
        bool canonical = (uint64_t)((int64_t)(offset << 16) >> 16) == offset &&
                         (uint64_t)((int64_t)(last << 16) >> 16) == last;
        if (canonical) {
            return offset;
        }
    }
    return x86_linear_checked(cpu, seg, offset, size, kind);
}

static inline uint64_t x86_read(X86Cpu *cpu, int seg, uint64_t offset, unsigned size)
{
    return x86_read_linear(cpu, x86_linear(cpu, seg, offset, size, MMU_READ), size, x86_mmu_idx(cpu));
}

static inline void x86_write(X86Cpu *cpu, int seg, uint64_t offset, uint64_t value, unsigned size)
{
    x86_write_linear(cpu, x86_linear(cpu, seg, offset, size, MMU_WRITE), value, size,
                     x86_mmu_idx(cpu));
}

/*
 * Multi-byte operands (10-byte x87, 16-byte SSE, 512-byte FXSAVE): every
 * page is translated and checked before any byte is stored.
 */
void x86_read_bytes(X86Cpu *cpu, int seg, uint64_t offset, void *buf, unsigned len);
void x86_write_bytes(X86Cpu *cpu, int seg, uint64_t offset, const void *buf, unsigned len);
/* Make sure a later write of [offset, offset+len) cannot fault (read-modify-write). */
void x86_probe_write(X86Cpu *cpu, int seg, uint64_t offset, unsigned len);

/* Instruction fetch: copy up to len bytes at linear la; returns bytes copied
 * before the first unfetchable page (0 raises the fault). */
unsigned x86_fetch(X86Cpu *cpu, uint64_t la, uint8_t *buf, unsigned len, uint64_t *gpa_first_page);

/* Supervisor-implicit accesses (descriptor tables, TSS, IDT), SDM 4.6. */
uint64_t x86_read_system(X86Cpu *cpu, uint64_t la, unsigned size);
void x86_write_system(X86Cpu *cpu, uint64_t la, uint64_t value, unsigned size);

/* Stack push/pop at the current stack size. */
void x86_push(X86Cpu *cpu, uint64_t value, unsigned size);
uint64_t x86_pop(X86Cpu *cpu, unsigned size);

#endif
