/* Shared by the x87 family's files (x87.c, x87_env.c): FPU state helpers, checks, pointer tracking. */
#ifndef CPU_X86_X87_INTERNAL_H
#define CPU_X86_X87_INTERNAL_H

#include "cpu/x86/exec.h"

/* FPU status word, SDM vol. 1 8.1.3 figure 8-4 */
#define X87_FSW_IE 0x0001u
#define X87_FSW_DE 0x0002u
#define X87_FSW_ZE 0x0004u
#define X87_FSW_OE 0x0008u
#define X87_FSW_UE 0x0010u
#define X87_FSW_PE 0x0020u
#define X87_FSW_SF 0x0040u
#define X87_FSW_ES 0x0080u
#define X87_FSW_C0 0x0100u
#define X87_FSW_C1 0x0200u
#define X87_FSW_C2 0x0400u
#define X87_FSW_TOP 0x3800u
#define X87_FSW_C3 0x4000u
#define X87_FSW_B 0x8000u
#define X87_FSW_EXCEPTIONS 0x003fu   /* IE DE ZE OE UE PE: the ones FCW masks */

/* FPU control word, SDM vol. 1 8.1.5: bit 6 reads as 1, bits 7, 13-15 as 0. */
#define X87_FCW_DEFAULT 0x037fu
#define X87_FCW_BITS 0x1f3fu

/* Tag values, SDM vol. 1 8.1.7 figure 8-7 */
enum { X87_TAG_VALID, X87_TAG_ZERO, X87_TAG_SPECIAL, X87_TAG_EMPTY };

static inline unsigned x87_top(const X86FpuState *f)
{
    return (f->fsw >> 11) & 7;
}

/* The control word as the FPU holds it after FLDCW/FLDENV/FRSTOR/FXRSTOR of v. */
static inline uint16_t x87_normalize_fcw(uint16_t v)
{
    return (v & X87_FCW_BITS) | 0x0040;
}

/*
 * ES and B summarise the exception flags: set exactly when a flag is set
 * whose mask bit is clear (SDM vol. 1 8.1.3.1; B mirrors ES since the 487).
 * The hardware derives them again whenever FCW or the flags are loaded.
 */
static inline uint16_t x87_normalize_fsw(uint16_t fsw, uint16_t fcw)
{
    fsw &= ~(X87_FSW_ES | X87_FSW_B);
    if (fsw & ~fcw & X87_FSW_EXCEPTIONS) {
        fsw |= X87_FSW_ES | X87_FSW_B;
    }
    return fsw;
}

/* The 2-bit tag of a non-empty register from its contents (SDM vol. 1 8.1.7, FXSAVE). */
unsigned x87_tag_of(const X87Reg *r);
/* The full tag word (2 bits per physical register) for FSTENV/FSAVE. */
uint16_t x87_full_tag_word(const X86FpuState *f);
/* The abridged tag byte (1 = non-empty) that a full tag word loads (FLDENV/FRSTOR). */
uint8_t x87_abridge_tag_word(uint16_t full);

/* 80-bit register value <-> its 10 memory bytes (little-endian mantissa, then sign/exponent). */
void x87_reg_to_bytes(const X87Reg *r, uint8_t out[10]);

/*
 * The x87 part of the FXSAVE/XSAVE legacy region (SDM vol. 1 10.5.1, bytes
 * 0-23 and 32-159), shared by FXSAVE/FXRSTOR and XSAVE/XRSTOR component 0.
 * format64: the REX.W layout with 64-bit FIP/FDP.  MXCSR and XMM are the
 * caller's.  The store leaves the pointer fields as they are where the
 * vendor's rule omits them (AMD without XSaveErPtr).
 */
void x87_legacy_area_store(const X86Cpu *cpu, bool format64, uint8_t *out);
void x87_legacy_area_load(X86Cpu *cpu, bool format64, const uint8_t *in);
void x87_reg_from_bytes(X87Reg *r, const uint8_t in[10]);

/* Real-address or virtual-8086 mode: the environment images use the real-mode layouts. */
static inline bool x87_real_format(const X86Cpu *cpu)
{
    return !(cpu->s.cr0 & X86_CR0_PE) || (cpu->s.rflags & X86_FLAG_VM);
}

/* #NM for an x87 instruction: CR0.EM or CR0.TS set (SDM vol. 3A 2.5, table 2-2). */
void x87_check_available(X86Cpu *cpu);
/* #MF for a waiting instruction when an unmasked exception is pending (SDM vol. 1 8.6). */
void x87_check_pending(X86Cpu *cpu);

/*
 * Record the last non-control instruction (SDM vol. 1 8.1.8, 8.1.9): FIP/FCS
 * and FOP always, FDP/FDS when it has a memory operand at offset ea.
 */
void x87_note_instruction(X86Cpu *cpu, const X86Insn *insn, bool has_mem, uint64_t ea);

/* The escape opcode (D8-DF) of an x87 instruction's row. */
static inline unsigned x87_escape(const X86Insn *insn)
{
    return x86_insn_row(insn)->opcode & 0xff;
}

/* x87_env.c: FLDENV FNSTENV FRSTOR FNSAVE FXSAVE FXRSTOR */
void x87_register_env(X86Handler *table);

#endif
