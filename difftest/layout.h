/* difftest's guest: the memory map, descriptor tables and harness code every backend shares. */
#ifndef DIFFTEST_LAYOUT_H
#define DIFFTEST_LAYOUT_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/x86/state.h"

/*
 * One small guest, identical under every backend.  Linear = physical
 * (identity-mapped 4 KiB pages), every page below 64 KiB so that 16-bit
 * addressing in compatibility mode reaches the data too:
 *
 *   0x01000-0x04fff  page tables (PML4, PDPT, PD, PT)            supervisor
 *   0x05000          GDT at 0x5000, 64-bit TSS at 0x5800         supervisor
 *   0x06000          IDT: 256 interrupt gates                    supervisor
 *   0x07000          entry code: FXRSTOR the case's x87/SSE state, JMP to the case
 *   0x08000          exception stubs, 16 bytes per vector       user, read/execute
 *   0x09000          FXSAVE images in/out                        user, read/write
 *   0x0a000          read-only data                              user, read
 *   0x0b000-0x0cfff  the data pages                              user, read/write
 *   0x0e000          the stack page                              user, read/write
 *   0x10000          the case's code and its terminator          user, read/execute
 *   0x12000          the exception stack (IST1 = 0x13000)        user, read/write
 *   0x14000-0x17fff  page tables of the batch area, batch IDT     supervisor
 *   0x5a5a00000000   kvm's batch driver, scratch, stack, slots   user (RAM from 0x20000)
 *   anything else    not present
 *
 * Everything runs at CPL3, so no CPL0 instruction ever executes (on a
 * nested host kvm emulates CPL0 slowly).  An exception goes through a
 * 64-bit interrupt gate to a DPL3 code segment: no privilege change, IST1
 * gives a known stack whatever the case did to RSP (SDM vol. 3A 6.14.5).
 * The stub saves the x87/SSE state (FXSAVE64) and writes its vector's port;
 * the case's terminator jumps through a pointer in the entry page to code
 * that saves it and writes DT_PORT_END.  The TSS I/O bitmap opens the
 * harness's ports, so IOPL stays 0 (SDM vol. 1 19.5).  kvm may instead run
 * many cases in one KVM_RUN (difftest/kvm_batch.c): it points the
 * terminator's pointer and the IDT at its driver in the batch area, which
 * a case cannot reach with the addresses the generator makes.
 *
 * A software backend never executes the entry code, stubs or terminator:
 * it starts at DT_CODE with the state loaded directly and stops when RIP
 * reaches the terminator or a stub.  kvm runs them, which costs two
 * instructions of native CPL3 code.
 */

#define DT_RAM_SIZE       0x20000u

#define DT_PML4           0x1000u
#define DT_PDPT           0x2000u
#define DT_PD             0x3000u
#define DT_PT             0x4000u
#define DT_GDT            0x5000u
#define DT_TSS            0x5800u
#define DT_IDT            0x6000u
#define DT_ENTRY          0x7000u   /* DT_ENTRY + 0x100 * mode */
#define DT_STUBS          0x8000u
#define DT_STUB_SIZE      16u
#define DT_FPU_IN         0x9000u   /* 512-byte FXSAVE images, 16-byte aligned */
#define DT_FPU_OUT        0x9400u
#define DT_RODATA         0xa000u
#define DT_DATA           0xb000u
#define DT_DATA_SIZE      0x2000u
#define DT_STACK          0xe000u
#define DT_STACK_SIZE     0x1000u
#define DT_CODE           0x10000u
#define DT_CODE_MAX       0x800u    /* the case's code; the terminator follows it */
#define DT_XSTACK         0x12000u
#define DT_XSTACK_TOP     0x13000u
#define DT_END_POINTER    0x7ff0u   /* where the terminator jumps through: DT_END_CODE or a driver */
#define DT_END_CODE       0x7200u   /* + 0x100 * mode: save x87/SSE, OUT DT_PORT_END */

/* The batch area (kvm_batch.c): page tables, IDT, and its linear window. */
#define DT_BATCH_PDPT     0x14000u
#define DT_BATCH_PD       0x15000u
#define DT_BATCH_PT       0x16000u
#define DT_BATCH_IDT      0x17000u
#define DT_BATCH_LA       0x5a5a00000000ull
#define DT_BATCH_PA       0x20000u
#define DT_BATCH_SIZE     0x124000u   /* 292 pages: driver, stubs, scratch, stack, 32 slots */
#define DT_RAM_SIZE_BATCH (DT_BATCH_PA + DT_BATCH_SIZE)

/* Ports the harness writes: the end of a case, an exception stub, a batch's #PF. */
#define DT_PORT_END       0xf0u
#define DT_PORT_EXCEPTION 0xf1u
#define DT_PORT_BATCH_PF  0xf2u

/*
 * GDT selectors (RPL 3 where the CPU runs with them).  The user ones are
 * Linux's (USER32_CS 0x23, USER_DS 0x2b, USER_CS 0x33) because on this
 * project's host 64-bit CPL3 code runs on the host's own selectors: with
 * the same values, what leaks through (MOV from CS, FCS/FDS in FNSTENV and
 * FXSAVE images) agrees with the software backend.
 */
#define DT_SEL_CODE64_K   0x08u
#define DT_SEL_DATA_K     0x10u
#define DT_SEL_CODE32     0x23u
#define DT_SEL_DATA       0x2bu
#define DT_SEL_CODE64     0x33u
#define DT_SEL_TSS        0x40u     /* 16 bytes */
#define DT_SEL_DATA_RO    0x53u     /* read-only data */
#define DT_SEL_DATA_SMALL 0x5bu     /* base 0xb000, limit 0x1fff */
#define DT_SEL_DATA_DOWN  0x63u     /* expand-down, limit 0xafff */
#define DT_SEL_NOTPRESENT 0x6bu
#define DT_SEL_CODE32_CONF 0x73u    /* conforming 32-bit code, DPL0 */
#define DT_GDT_LIMIT      0x77u

/*
 * Vectors whose gates are DPL3, so INT n / INT3 / INTO reach them from CPL3.
 * Not 0x80: this host's kvm answers INT 0x80 from 64-bit CPL3 with #UD
 * whatever the guest's IDT says (the host's own system-call vector).
 */
static inline bool dt_vector_user_gate(int vector)
{
    return vector == 3 || vector == 4 || vector == 0x81;
}

typedef enum DtMode {
    DT_MODE_64,         /* 64-bit mode */
    DT_MODE_COMPAT32,   /* 32-bit compatibility mode (IA-32e, CS.L = 0, CS.D = 1) */
} DtMode;

const char *dt_mode_name(DtMode mode);
/* "64" or "compat32" -> mode; false if neither. */
bool dt_mode_parse(const char *name, DtMode *mode);

/* Write page tables, GDT, TSS, IDT, entry code and stubs into a DT_RAM_SIZE buffer. */
void dt_layout_build(uint8_t *ram);

/*
 * The state every case starts from in `mode` (segments, control registers,
 * descriptor tables); a case then sets GPRs, RIP, RFLAGS and x87/SSE.
 */
void dt_layout_base_state(X86State *s, DtMode mode);

/* The terminator at `addr` (JMP through DT_END_POINTER); returns its length. */
unsigned dt_terminator(DtMode mode, uint64_t addr, uint8_t *buf);
#define DT_TERMINATOR_MAX 8

/* The PTE that maps page `i` of the batch area (also the layout's own), for kvm_batch.c. */
uint64_t dt_batch_pte(unsigned i, bool exec, bool write);

/* Where the kvm entry code for `mode` starts. */
static inline uint64_t dt_entry_address(DtMode mode)
{
    return DT_ENTRY + 0x100u * (unsigned)mode;
}

/* Is `rip` inside the exception stubs?  Then the vector is (rip - DT_STUBS) / DT_STUB_SIZE. */
static inline bool dt_is_stub(uint64_t rip)
{
    return rip >= DT_STUBS && rip < DT_STUBS + 256u * DT_STUB_SIZE;
}

/* Is `rip` the first byte of a stub, where an exception (or a jump) enters it? */
static inline bool dt_is_stub_entry(uint64_t rip)
{
    return dt_is_stub(rip) && (rip - DT_STUBS) % DT_STUB_SIZE == 0;
}

/* Does `vector` push an error code (SDM vol. 3A table 6-1)? */
bool dt_vector_has_error_code(int vector);

#endif
