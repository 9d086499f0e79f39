/* i8042 keyboard controller: status/command/data ports, a minimal keyboard, CPU reset. */
#ifndef HW_I8042_H
#define HW_I8042_H

#include <stdint.h>

#include "hw/irq.h"
#include "memory/memory.h"

typedef struct I8042 I8042;

/*
 * Register ports 0x60 and 0x64 of `io`.  kbd_irq (ISA IRQ 1) and aux_irq
 * (IRQ 12) are high while the output buffer holds a byte for that port and
 * its interrupt is enabled in the command byte.  request_reset(opaque) is
 * called, with the device lock held, when the guest pulses the CPU reset
 * line (command 0xFE, as Linux's reboot=k does).
 * Threads: created on the main thread before any vCPU runs.
 */
I8042 *i8042_new(AddressSpace *io, IrqLine kbd_irq, IrqLine aux_irq,
                 void (*request_reset)(void *opaque), void *opaque);

/* Power-on state. Device lock held. */
void i8042_reset(I8042 *s);

/* Free it; its ports must no longer be dispatched. */
void i8042_free(I8042 *s);

#endif
