/* Transfers between privilege levels and tasks: what farcall.c, callgate.c, task.c, vm86.c and exception.c share. */
#ifndef CPU_X86_FARCALL_H
#define CPU_X86_FARCALL_H

#include "cpu/x86/seg.h"

/*
 * Error codes here follow SDM vol. 3A 6.13: a selector's index and TI bit,
 * plus EXT (bit 0) when the fault happens while delivering an event from
 * outside the program (an interrupt or an earlier exception).  `ext` is 0
 * or 1.  Every function runs on the vCPU thread and raises with
 * x86_raise(); none of them stores guest state before its last check,
 * except where the SDM puts a commit point (task switches, chapter 7.3).
 */

/* The EFLAGS bits that exist (SDM vol. 1 3.4.3); bits 1 reads as 1, 3, 5, 15, 22-31 as 0. */
#define X86_EFLAGS_DEFINED 0x003f7fd5u

/* ---- stacks of a privilege change (exception.c) ---- */

/*
 * The stack pointer for privilege `dpl` (or IST slot `ist` in long mode)
 * from the current TSS, and the SS selector beside it (in long mode a null
 * selector with RPL = dpl).  #TS(TR | ext) if TR's limit does not cover it.
 */
uint64_t x86_tss_stack(X86Cpu *cpu, unsigned dpl, unsigned ist, uint16_t *ss_out, uint32_t ext);

/*
 * The inner stack of a privilege change to `new_cpl` outside long mode,
 * read from the TSS and checked as CALL (through a call gate) and
 * interrupt delivery check it (SDM vol. 2 CALL, INT n): #TS(NewSS | ext) for
 * a null, out-of-table, wrong-RPL, wrong-DPL or non-writable SS; #SS(NewSS
 * | ext) if it is not present.
 */
void x86_inner_stack(X86Cpu *cpu, unsigned new_cpl, X86Segment *ss, X86Descriptor *ssd,
                     uint32_t *esp, uint32_t ext);

/*
 * Whether `bytes` bytes can be pushed below `sp` on stack segment `ss`:
 * every byte within the limit (expand-up or expand-down), with the 16- or
 * 32-bit wrap of the stack pointer that SS.B selects.
 */
bool x86_stack_room(const X86Segment *ss, uint32_t sp, uint32_t bytes);

/*
 * Push `value` (2 or 4 bytes) onto the stack segment `ss`, which need not
 * be SS yet, at *esp: #SS(error) if it does not fit, else a linear write
 * through `mmu_idx` and *esp moves down (only SP's 16 bits for a 16-bit
 * stack).
 */
void x86_push_on(X86Cpu *cpu, const X86Segment *ss, uint32_t *esp, uint32_t value, unsigned size,
                 int mmu_idx, uint32_t error);

/* ---- far JMP and CALL to system descriptors (callgate.c) ---- */

/*
 * A protected-mode far JMP or CALL whose selector names a system
 * descriptor `d` (already read, in the table's limit): a call gate, or in
 * legacy mode a task gate or an available TSS; anything else is
 * #GP(selector).  On return cpu->next_rip is where execution goes on.
 */
void x86_far_system(X86Cpu *cpu, uint16_t sel, const X86Descriptor *d, bool call);

/* ---- hardware task switching (task.c), legacy protected mode only ---- */

typedef enum X86TaskReason {
    X86_TASK_JMP,       /* not nested: the old task becomes available */
    X86_TASK_CALL,      /* nested: link and NT set */
    X86_TASK_IRET,      /* back to the previous task: NT cleared in the old image */
    X86_TASK_INT,       /* an interrupt or exception through a task gate: nested */
} X86TaskReason;

/* Far JMP/CALL to an available TSS (type 1 or 9) or through a task gate (type 5). */
void x86_task_far(X86Cpu *cpu, uint16_t sel, const X86Descriptor *d, bool call);

/* IRET with EFLAGS.NT set: back to the task in the current TSS's link field. */
void x86_task_return(X86Cpu *cpu);

/*
 * An interrupt or exception through an IDT task gate whose TSS selector is
 * `tss_sel` (the gate's own checks done by the caller).  The old task is
 * saved with `return_eip` and `flags`; `error_code` (or X86_NO_ERROR_CODE)
 * is pushed on the new task's stack.
 */
void x86_task_interrupt(X86Cpu *cpu, uint16_t tss_sel, uint32_t error_code, uint64_t return_eip,
                        uint64_t flags, uint32_t ext);

/* ---- virtual-8086 mode (vm86.c) ---- */

/* IRET executed in virtual-8086 mode (SDM vol. 2 IRET, RETURN-FROM-VIRTUAL-8086-MODE). */
void x86_vm86_iret(X86Cpu *cpu, unsigned size);

/* 32-bit IRET at CPL0 to an image with EFLAGS.VM set (RETURN-TO-VIRTUAL-8086-MODE). */
void x86_iret_to_vm86(X86Cpu *cpu);

/*
 * INT n in virtual-8086 mode with CR4.VME (SDM vol. 3A 20.3.3): true if it
 * went through the 8086 program's interrupt table (cpu->next_rip is the
 * handler), false if the protected-mode handler must take it; #GP(0) when
 * the redirection bitmap sends it to the monitor.
 */
bool x86_vm86_soft_int(X86Cpu *cpu, uint8_t vector);

#endif
