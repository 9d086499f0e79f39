/* MC146818 RTC and CMOS memory (ports 0x70/0x71, ISA IRQ 8). */
#ifndef HW_MC146818_H
#define HW_MC146818_H

#include <stdint.h>

#include "hw/irq.h"
#include "memory/memory.h"

typedef struct Mc146818 Mc146818;

/*
 * Register ports 0x70-0x71 of `io`.  The clock starts at the host's UTC
 * time; the CMOS memory-size bytes are filled in as a PC BIOS leaves them
 * (SeaBIOS's layout) for the given RAM and CPU count.  Periodic, alarm and
 * update-ended interrupts are timed by a GSource on GLib's default main
 * context, which the I/O thread runs; it takes the device lock.
 * Threads: created on the main thread; everything else with the device lock held.
 */
Mc146818 *mc146818_new(AddressSpace *io, IrqLine irq, uint64_t ram_below_4g,
                       uint64_t ram_above_4g, int nr_cpus);

/* The RESET pin: interrupt enables and flags cleared; time and CMOS memory kept. */
void mc146818_reset(Mc146818 *s);

/* Free it; its ports must no longer be dispatched. Not while the I/O thread runs. */
void mc146818_free(Mc146818 *s);

#endif
