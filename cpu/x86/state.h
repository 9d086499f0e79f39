/* X86State: the architectural state of one x86 CPU, shared by every backend. */
#ifndef CPU_X86_STATE_H
#define CPU_X86_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * This is the lingua franca of tandem: interp and tcg execute on it directly,
 * kvm converts it to and from kvm_regs/kvm_sregs/kvm_msrs/kvm_xsave/
 * kvm_vcpu_events, and snapshots, the gdbstub, the monitor and difftest read
 * and write it.  It is a plain struct with no pointers so it can be copied,
 * compared with memcmp after x86_state_normalize(), and saved byte for byte.
 */

enum {
    R_EAX, R_ECX, R_EDX, R_EBX, R_ESP, R_EBP, R_ESI, R_EDI,
    R_R8, R_R9, R_R10, R_R11, R_R12, R_R13, R_R14, R_R15,
    X86_NR_GPRS
};

enum { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, X86_NR_SEGS };

/* RFLAGS bits, SDM vol. 1 3.4.3 */
#define X86_FLAG_CF   (1u << 0)
#define X86_FLAG_FIXED (1u << 1)   /* reads as 1 */
#define X86_FLAG_PF   (1u << 2)
#define X86_FLAG_AF   (1u << 4)
#define X86_FLAG_ZF   (1u << 6)
#define X86_FLAG_SF   (1u << 7)
#define X86_FLAG_TF   (1u << 8)
#define X86_FLAG_IF   (1u << 9)
#define X86_FLAG_DF   (1u << 10)
#define X86_FLAG_OF   (1u << 11)
#define X86_FLAG_IOPL (3u << 12)
#define X86_FLAG_NT   (1u << 14)
#define X86_FLAG_RF   (1u << 16)
#define X86_FLAG_VM   (1u << 17)
#define X86_FLAG_AC   (1u << 18)
#define X86_FLAG_VIF  (1u << 19)
#define X86_FLAG_VIP  (1u << 20)
#define X86_FLAG_ID   (1u << 21)

/* CR0/CR4/EFER bits, SDM vol. 3A 2.5 and 2.2.1 */
#define X86_CR0_PE (1u << 0)
#define X86_CR0_MP (1u << 1)
#define X86_CR0_EM (1u << 2)
#define X86_CR0_TS (1u << 3)
#define X86_CR0_ET (1u << 4)
#define X86_CR0_NE (1u << 5)
#define X86_CR0_WP (1u << 16)
#define X86_CR0_AM (1u << 18)
#define X86_CR0_NW (1u << 29)
#define X86_CR0_CD (1u << 30)
#define X86_CR0_PG (1u << 31)

#define X86_CR4_VME        (1u << 0)
#define X86_CR4_PVI        (1u << 1)
#define X86_CR4_TSD        (1u << 2)
#define X86_CR4_DE         (1u << 3)
#define X86_CR4_PSE        (1u << 4)
#define X86_CR4_PAE        (1u << 5)
#define X86_CR4_MCE        (1u << 6)
#define X86_CR4_PGE        (1u << 7)
#define X86_CR4_PCE        (1u << 8)
#define X86_CR4_OSFXSR     (1u << 9)
#define X86_CR4_OSXMMEXCPT (1u << 10)
#define X86_CR4_UMIP       (1u << 11)
#define X86_CR4_FSGSBASE   (1u << 16)
#define X86_CR4_PCIDE      (1u << 17)
#define X86_CR4_OSXSAVE    (1u << 18)
#define X86_CR4_SMEP       (1u << 20)
#define X86_CR4_SMAP       (1u << 21)

#define X86_EFER_SCE (1u << 0)
#define X86_EFER_LME (1u << 8)
#define X86_EFER_LMA (1u << 10)
#define X86_EFER_NXE (1u << 11)

/*
 * A segment register with its hidden part (the descriptor cache, SDM vol. 3A
 * 3.4.3).  The limit is byte-granular: G has already been applied.  The
 * attribute fields mirror the descriptor's; `unusable` is VMX's "segment
 * unusable" bit, set for a null selector loaded outside 64-bit mode.
 */
typedef struct X86Segment {
    uint64_t base;
    uint32_t limit;
    uint16_t selector;
    uint8_t type;       /* 4-bit type field */
    uint8_t s;          /* 1 = code/data, 0 = system */
    uint8_t dpl;
    uint8_t present;
    uint8_t avl;
    uint8_t l;          /* 64-bit code segment */
    uint8_t db;         /* default operand size / big */
    uint8_t g;
    uint8_t unusable;
} X86Segment;

typedef struct X86DescTable {
    uint64_t base;
    uint16_t limit;
} X86DescTable;

/* One x87 register in the 16-byte slot FXSAVE uses (SDM vol. 1 10.5.1). */
typedef struct X87Reg {
    uint64_t mantissa;
    uint16_t sign_exp;
    uint8_t reserved[6];
} X87Reg;

typedef union X86Xmm {
    uint8_t b[16];
    uint16_t w[8];
    uint32_t d[4];
    uint64_t q[2];
} X86Xmm;

typedef struct X86FpuState {
    uint16_t fcw;
    uint16_t fsw;
    uint8_t ftw;        /* abridged tag word, as FXSAVE stores it: 1 = valid */
    uint16_t fop;
    uint64_t fip;       /* last instruction pointer (offset; FCS in fcs) */
    uint64_t fdp;       /* last data pointer */
    uint16_t fcs;
    uint16_t fds;
    uint32_t mxcsr;
    X87Reg st[8];       /* physical registers R0..R7, not ST(i) */
    X86Xmm xmm[16];
    X86Xmm ymmh[16];    /* upper halves of YMM0-15 (XSAVE component 2) */
} X86FpuState;

/* Memory type range registers, SDM vol. 3A 11.11 */
#define X86_MTRR_VAR_COUNT 8
typedef struct X86Mtrr {
    uint64_t def_type;
    uint64_t fixed[11];   /* 64K_00000, 16K_80000/A0000, 4K_C0000..F8000 */
    uint64_t var_base[X86_MTRR_VAR_COUNT];
    uint64_t var_mask[X86_MTRR_VAR_COUNT];
} X86Mtrr;

typedef struct X86Msrs {
    uint64_t efer;
    uint64_t star, lstar, cstar, fmask;
    uint64_t kernel_gs_base;
    uint64_t sysenter_cs, sysenter_esp, sysenter_eip;
    uint64_t pat;
    uint64_t tsc;           /* IA32_TIME_STAMP_COUNTER at the time of the snapshot */
    uint64_t tsc_aux;
    uint64_t tsc_deadline;
    uint64_t apic_base;
    uint64_t misc_enable;
    X86Mtrr mtrr;
} X86Msrs;

/*
 * Events in flight at an instruction boundary (the VMX "event injection"
 * view, which KVM's kvm_vcpu_events also uses): an exception or interrupt
 * that has been taken but not yet delivered, the interrupt shadow, NMI state.
 */
#define X86_SHADOW_STI   (1u << 0)
#define X86_SHADOW_MOVSS (1u << 1)

typedef struct X86Events {
    uint8_t exception_injected;
    uint8_t exception_nr;
    uint8_t exception_has_error;
    uint32_t exception_error;
    uint8_t interrupt_injected;
    uint8_t interrupt_nr;
    uint8_t interrupt_soft;     /* INT n rather than an external interrupt */
    uint8_t interrupt_shadow;   /* X86_SHADOW_* */
    uint8_t nmi_injected;
    uint8_t nmi_pending;
    uint8_t nmi_masked;
} X86Events;

/* Run state of a vCPU, as KVM_GET_MP_STATE reports it. */
typedef enum X86RunState {
    X86_RUNNABLE,
    X86_HALTED,            /* HLT: waits for an interrupt */
    X86_WAIT_FOR_SIPI,     /* an AP after INIT */
} X86RunState;

typedef struct X86State {
    uint64_t regs[X86_NR_GPRS];
    uint64_t rip;
    uint64_t rflags;

    X86Segment segs[X86_NR_SEGS];
    X86Segment ldtr;
    X86Segment tr;
    X86DescTable gdtr;
    X86DescTable idtr;

    uint64_t cr0, cr2, cr3, cr4, cr8;
    uint64_t xcr0;
    uint64_t dr[4];
    uint64_t dr6, dr7;

    X86Msrs msr;
    X86FpuState fpu;
    X86Events events;
    X86RunState run_state;
} X86State;

/* The state after RESET (SDM vol. 3A 9.1.1, table 9-1). */
void x86_state_reset(X86State *s);

/*
 * Flat segments as a boot loader leaves them: base 0, limit 4 GiB, the given
 * selector.  `code64` makes a long-mode code segment (L=1, D=0).
 */
void x86_segment_flat_code(X86Segment *seg, uint16_t selector, bool code64);
void x86_segment_flat_data(X86Segment *seg, uint16_t selector);

/*
 * Print the first difference between two states into buf, in the form
 * "rax: 0x... != 0x...".  Returns false if the states are equal.
 */
bool x86_state_diff(const X86State *a, const X86State *b, char *buf, size_t len);

#endif
