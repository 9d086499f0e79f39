/* The PC's cascaded pair of i8259A interrupt controllers (ports 0x20/0x21, 0xa0/0xa1, ELCR 0x4d0/0x4d1). */
#ifndef HW_I8259_H
#define HW_I8259_H

#include <stdbool.h>

#include "hw/irq.h"
#include "memory/memory.h"

typedef struct I8259 I8259;

/*
 * The software PIC of the interp/tcg backends (under kvm the in-kernel one
 * serves).  The master's ports are 0x20-0x21, the slave's 0xa0-0xa1, cascaded
 * on master IR2; the PIIX-style edge/level control registers are at
 * 0x4d0-0x4d1.  `intr` is the INTR output to the CPU side: it is set to 1
 * when an unmasked request can be acknowledged and to 0 when none can; the
 * CPU then calls i8259_acknowledge() for the vector.
 *
 * Threads: created on the main thread; everything else with the device lock
 * (machine_lock()) held, from a vCPU thread or the I/O thread.
 */
I8259 *i8259_new(AddressSpace *io, IrqLine intr);

/*
 * IrqLine-compatible input: ISA IRQ `irq` (0-15; 2 is the cascade and is
 * driven internally, so a device on IRQ 2 is logged and ignored) is now at
 * `level`.  Use as (IrqLine){ i8259_set_irq, pic, irq }.
 */
void i8259_set_irq(void *i8259, int irq, int level);

/*
 * The INTA cycle: the vector of the highest-priority pending request, which
 * moves from IRR to ISR (or not, in automatic EOI mode).  A request that
 * went away before INTA gives the spurious vector: IR7 of the master, or IR7
 * of the slave (IRQ 15) when the master had passed the slave's request on.
 */
int i8259_acknowledge(I8259 *pic);

/* The INTR output right now. */
bool i8259_intr_level(const I8259 *pic);

/*
 * Power-on state, as a PC BIOS leaves the pair (there is no BIOS under direct
 * kernel boot): initialised for 8086 mode, edge-triggered, master vectors
 * 0x08-0x0f, slave 0x70-0x77, slave on IR2, every input masked except the
 * cascade, nothing pending or in service; ELCR 0 (all edge).
 */
void i8259_reset(I8259 *pic);

/* Free it; its ports must no longer be dispatched. */
void i8259_free(I8259 *pic);

#endif
