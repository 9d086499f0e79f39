/* The host ALU: x86 integer instructions run on the x86-64 host, for exact results and flags. */
#ifndef CPU_X86_HOSTALU_H
#define CPU_X86_HOSTALU_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/x86/state.h"

/*
 * tandem runs only on x86-64 hosts, so an integer instruction whose guest
 * semantics are the host's own is executed by the host: the guest's six
 * arithmetic flags are loaded into the host's RFLAGS (POPFQ), the
 * instruction runs on the operands in host registers, and the flags come
 * back (PUSHFQ).  The result is exact, including every flag the SDM calls
 * undefined: those take the values this host's CPU gives them, which are
 * the values the kvm backend (the same CPU) shows.
 *
 * Every function takes the guest's RFLAGS by pointer and replaces only its
 * arithmetic bits (X86_ARITH_FLAGS) with the host's; the guest's other
 * flags (TF, IF, DF, AC...) never reach the host.  `size` is the operand
 * size in bytes: 1, 2, 4 or 8.  Values are passed in 64-bit host registers
 * and returned as the whole 64-bit register after the instruction: bits
 * above `size` are those of the input for sizes 1 and 2, and for size 4 show
 * whether the host zero-extended the result (it does whenever it writes the
 * register, which some instructions skip: a rotate by 0, BSF of 0).
 *
 * Callers check what would fault (#DE for division) before calling: no
 * function here may raise a host exception.  Instructions the host may lack
 * (POPCNT, LZCNT, TZCNT, BMI1, BMI2) fall back to C with the flags the SDM
 * defines.
 *
 * Thread: any; no state besides the host feature bits read once.
 */

/* CF, PF, AF, ZF, SF, OF: the status flags, SDM vol. 1 3.4.3.1. */
#define X86_ARITH_FLAGS (X86_FLAG_CF | X86_FLAG_PF | X86_FLAG_AF | X86_FLAG_ZF | X86_FLAG_SF | \
                         X86_FLAG_OF)

/* Two-operand arithmetic and logic, numbered as ModRM.reg of group 1 (80-83), plus TEST. */
typedef enum HostAluBinary {
    HOSTALU_ADD, HOSTALU_OR, HOSTALU_ADC, HOSTALU_SBB,
    HOSTALU_AND, HOSTALU_SUB, HOSTALU_XOR, HOSTALU_CMP,
    HOSTALU_TEST,
} HostAluBinary;

/* dst OP src; CMP and TEST return dst unchanged. */
uint64_t hostalu_binary(HostAluBinary op, unsigned size, uint64_t dst, uint64_t src,
                        uint64_t *rflags);

typedef enum HostAluUnary { HOSTALU_INC, HOSTALU_DEC, HOSTALU_NEG, HOSTALU_NOT } HostAluUnary;

uint64_t hostalu_unary(HostAluUnary op, unsigned size, uint64_t dst, uint64_t *rflags);

/* Shifts and rotates, numbered as ModRM.reg of group 2 (C0, C1, D0-D3). */
typedef enum HostAluShift {
    HOSTALU_ROL, HOSTALU_ROR, HOSTALU_RCL, HOSTALU_RCR,
    HOSTALU_SHL, HOSTALU_SHR, HOSTALU_SAL, HOSTALU_SAR,
} HostAluShift;

/* The count is the raw count (CL or imm8): the host masks it as the guest's CPU does. */
uint64_t hostalu_shift(HostAluShift op, unsigned size, uint64_t dst, uint8_t count,
                       uint64_t *rflags);

/* SHLD (left) / SHRD: size 2, 4 or 8. */
uint64_t hostalu_shift_double(bool left, unsigned size, uint64_t dst, uint64_t src, uint8_t count,
                              uint64_t *rflags);

/*
 * One-operand MUL/IMUL: rAX * src.  Size 1: returns AX (the 16-bit
 * product).  Otherwise returns the low half and the high half in *high.
 */
uint64_t hostalu_mul(bool is_signed, unsigned size, uint64_t rax, uint64_t src, uint64_t *high,
                     uint64_t *rflags);

/* Two- and three-operand IMUL: the product of a and b truncated to size (2, 4 or 8). */
uint64_t hostalu_imul_truncated(unsigned size, uint64_t a, uint64_t b, uint64_t *rflags);

/*
 * DIV/IDIV of high:low (size 1: AX in `low`) by divisor.  The caller has
 * checked hostalu_div_faults() is false.  Size 1: returns AX (AH = remainder,
 * AL = quotient); otherwise returns the quotient and the remainder in *rem.
 */
uint64_t hostalu_div(bool is_signed, unsigned size, uint64_t high, uint64_t low, uint64_t divisor,
                     uint64_t *rem, uint64_t *rflags);

/* #DE conditions of DIV/IDIV (SDM vol. 2A): divisor 0, or a quotient that does not fit. */
bool hostalu_div_faults(bool is_signed, unsigned size, uint64_t high, uint64_t low,
                        uint64_t divisor);

/* BT/BTS/BTR/BTC on a register value; `bit` is taken modulo the operand width. */
typedef enum HostAluBitTest { HOSTALU_BT, HOSTALU_BTS, HOSTALU_BTR, HOSTALU_BTC } HostAluBitTest;

uint64_t hostalu_bit_test(HostAluBitTest op, unsigned size, uint64_t value, uint64_t bit,
                          uint64_t *rflags);

/* Bit scans and counts: dst is the destination register's old value (BSF/BSR may keep it). */
typedef enum HostAluScan {
    HOSTALU_BSF, HOSTALU_BSR, HOSTALU_POPCNT, HOSTALU_LZCNT, HOSTALU_TZCNT,
} HostAluScan;

uint64_t hostalu_scan(HostAluScan op, unsigned size, uint64_t dst, uint64_t src, uint64_t *rflags);

/* BSWAP of size 4 or 8; size 2 (undefined in the SDM) gives what the host's 66h BSWAP gives. */
uint64_t hostalu_bswap(unsigned size, uint64_t value);

/*
 * The BMI1/BMI2 instructions that set flags (SDM vol. 2A/2B pages ANDN,
 * BEXTR, BLSI, BLSMSK, BLSR, BZHI), size 4 or 8.  `a` is the r/m operand
 * (ANDN: the inverted vvvv operand), `b` the other source: BEXTR's
 * start/length control, BZHI's index, ANDN's r/m; the BLS* ignore it.
 */
typedef enum HostAluBmi {
    HOSTALU_ANDN,       /* ~a & b */
    HOSTALU_BEXTR,      /* b[15:8] bits of a from bit b[7:0] */
    HOSTALU_BZHI,       /* a with the bits from b[7:0] up cleared */
    HOSTALU_BLSI,       /* a & -a */
    HOSTALU_BLSMSK,     /* a ^ (a - 1) */
    HOSTALU_BLSR,       /* a & (a - 1) */
} HostAluBmi;

uint64_t hostalu_bmi(HostAluBmi op, unsigned size, uint64_t a, uint64_t b, uint64_t *rflags);

/*
 * What hostalu_bmi() does on a host without BMI1/BMI2: C, with the flags the
 * SDM defines and the undefined ones cleared (exposed for tests).
 */
uint64_t hostalu_bmi_soft(HostAluBmi op, unsigned size, uint64_t a, uint64_t b,
                          uint64_t *rflags);

/* The status flags the SDM defines for op (the others are undefined). */
uint64_t hostalu_bmi_defined_flags(HostAluBmi op);

#endif
