/* isa-debug-exit: a port whose write ends the run with status (value << 1) | 1. */
#ifndef HW_ISA_DEBUG_EXIT_H
#define HW_ISA_DEBUG_EXIT_H

#include <stddef.h>
#include <stdint.h>

#include "hw/machine.h"

#define ISA_DEBUG_EXIT_DEFAULT_IOBASE 0x501   /* QEMU's defaults */
#define ISA_DEBUG_EXIT_DEFAULT_IOSIZE 2

/*
 * Claim [iobase, iobase + iosize) of m->io.  0, or -1 with err when the
 * range leaves the port space or overlaps another device.
 */
int isa_debug_exit_init(Machine *m, uint32_t iobase, uint32_t iosize, char *err, size_t errlen);

/* The -device constructor: "iobase=N,iosize=N". */
int isa_debug_exit_create(Machine *m, const char *props, char *err, size_t errlen);

#endif
