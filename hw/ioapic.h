/* 82093AA-style I/O APIC: 24 interrupt pins routed to the LAPICs over the APIC bus. */
#ifndef HW_IOAPIC_H
#define HW_IOAPIC_H

#include <stdint.h>

#include "hw/apic.h"
#include "memory/memory.h"

#define IOAPIC_DEFAULT_BASE 0xfec00000ull
#define IOAPIC_NR_PINS      24

typedef struct IoApic IoApic;

/*
 * Register the IOAPIC's MMIO page (IOREGSEL at +0x00, IOWIN at +0x10) at
 * 0xfec00000 of `mem`, with IOAPIC ID `id` (4 bits; the MADT must say the
 * same), delivering to `bus` and hearing its level-triggered EOIs.
 * Threads: created on the main thread; everything else with the device lock held.
 */
IoApic *ioapic_new(AddressSpace *mem, ApicBus *bus, uint8_t id);

/*
 * Drive pin `pin` (0-23) to `level` (1 = asserted).  IrqLine-compatible:
 * (IrqLine){ ioapic_set_irq, io, pin }.  Lines carry the logical level, as
 * QEMU's do: the redirection entry's polarity bit is kept for the guest to
 * read but does not invert the pin.
 */
void ioapic_set_irq(void *ioapic, int pin, int level);

/* A LAPIC's EOI of a level-triggered `vector`: clear remote IRR, redeliver if still asserted. */
void ioapic_eoi(IoApic *io, uint8_t vector);

/* Power-on state: every entry masked, remote IRRs clear, ID back to the constructor's. */
void ioapic_reset(IoApic *io);

/* Free it; `mem` must no longer dispatch to it.  Before the bus is freed. */
void ioapic_free(IoApic *io);

#endif
