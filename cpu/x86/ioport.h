/* Port I/O for IN, OUT, INS and OUTS: the I/O permission check and the access to the port space. */
#ifndef CPU_X86_IOPORT_H
#define CPU_X86_IOPORT_H

#include "cpu/x86/cpu.h"

/*
 * SDM vol. 1 19.5: in protected mode with CPL > IOPL, and always in
 * virtual-8086 mode, every port of the access must be allowed by the TSS's
 * I/O permission bitmap; otherwise #GP(0).  Raises and does not return if
 * the access is not allowed.  `size` is 1, 2 or 4.
 */
void x86_io_check(X86Cpu *cpu, uint16_t port, unsigned size);

/* One access to cpu->io under the device lock (the check is the caller's); OUT ends the block. */
uint32_t x86_io_in(X86Cpu *cpu, uint16_t port, unsigned size);
void x86_io_out(X86Cpu *cpu, uint16_t port, uint32_t value, unsigned size);

#endif
