/* Segment descriptors: reading them from the GDT/LDT and loading segment registers. */
#ifndef CPU_X86_SEG_H
#define CPU_X86_SEG_H

#include "cpu/x86/cpu.h"

/* A descriptor as it sits in the table (8 bytes, 16 for system descriptors in long mode). */
typedef struct X86Descriptor {
    uint64_t lo, hi;
} X86Descriptor;

/* Decode a code/data or system descriptor into the hidden part of a segment register. */
void x86_segment_from_descriptor(X86Segment *seg, uint16_t selector, const X86Descriptor *d,
                                 bool long_mode);

/*
 * Read the descriptor of `selector` from the GDT or LDT.  Returns false when
 * the selector lies outside the table's limit; `wide` reads 16 bytes (long
 * mode system descriptors, gates).
 */
bool x86_read_descriptor(X86Cpu *cpu, uint16_t selector, X86Descriptor *d, bool wide);
/* Set the accessed bit of a code/data descriptor in its table. */
void x86_set_descriptor_accessed(X86Cpu *cpu, uint16_t selector, X86Descriptor *d);

/* Real-mode and virtual-8086 loads: base = selector << 4, limit and rights kept. */
void x86_load_segment_real(X86Cpu *cpu, int seg, uint16_t selector);

/*
 * MOV/POP to DS, ES, FS, GS or SS in protected mode, with every check of the
 * SDM (vol. 2 MOV, POP; vol. 3A 5.5-5.6): raises #GP, #SS or #NP with the
 * selector's error code.
 */
void x86_load_data_segment(X86Cpu *cpu, int seg, uint16_t selector);

/*
 * Load CS for a far transfer to `selector` at privilege `cpl` that has
 * already been checked by the caller; sets the hidden part and the mode.
 */
void x86_load_code_segment(X86Cpu *cpu, uint16_t selector, const X86Descriptor *d, int cpl);

/* A null selector loaded into SS or a data register (64-bit mode, or RPL-only SS). */
void x86_load_null_segment(X86Cpu *cpu, int seg, uint16_t selector);

#endif
