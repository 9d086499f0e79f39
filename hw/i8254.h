/* The PC's i8254 programmable interval timer (ports 0x40-0x43) and its port 0x61 gate/output bits. */
#ifndef HW_I8254_H
#define HW_I8254_H

#include <stdint.h>

#include "hw/irq.h"
#include "memory/memory.h"

typedef struct I8254 I8254;

/* The PIT's input clock: 1.193182 MHz (the PC's 14.31818 MHz crystal / 12). */
#define I8254_CLOCK_HZ 1193182

/*
 * The software PIT of the interp/tcg backends (under kvm the in-kernel one
 * serves).  Registers ports 0x40-0x43 and 0x61 (system control port B: the
 * channel 2 gate and speaker bits, channel 2's OUT, the refresh toggle).
 * Channel 0's OUT drives `irq0`; channel 1 (DRAM refresh) drives nothing;
 * channel 2 is read back through port 0x61.  Counts follow host time
 * (CLOCK_MONOTONIC); IRQ 0's edges are timed by a GSource on GLib's default
 * main context, which the I/O thread runs (its callback takes the device lock).
 *
 * Power-on state, as a PC BIOS leaves it: every channel in mode 3 with a
 * count of 65536 (channel 0 gives the 18.2 Hz tick), gates 0 and 1 high,
 * the channel 2 gate low.
 *
 * Threads: created on the main thread; everything else with the device lock
 * (machine_lock()) held.
 */
I8254 *i8254_new(AddressSpace *io, IrqLine irq0);

/* Back to the power-on state; IRQ 0 follows the new channel 0 output. */
void i8254_reset(I8254 *pit);

/* Free it; its ports must no longer be dispatched. Not while the I/O thread runs. */
void i8254_free(I8254 *pit);

/*
 * For tests: read "now" (in ns, never decreasing) from now_ns(opaque)
 * instead of CLOCK_MONOTONIC, so that a test can move time by hand and run
 * the timer by iterating the default GMainContext.  Resets the PIT.  Call
 * right after i8254_new, before anything else runs.
 */
void i8254_set_clock(I8254 *pit, int64_t (*now_ns)(void *opaque), void *opaque);

#endif
