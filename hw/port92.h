/* Port 0x92, system control port A: the fast A20 gate and the fast CPU reset. */
#ifndef HW_PORT92_H
#define HW_PORT92_H

#include <stdbool.h>

#include "memory/memory.h"

typedef struct Port92 Port92;

/*
 * Register port 0x92 of `io`.  request_reset(opaque) is called, with the
 * device lock held, when the guest sets bit 0.
 * Threads: created on the main thread before any vCPU runs.
 */
Port92 *port92_new(AddressSpace *io, void (*request_reset)(void *opaque), void *opaque);

/* Power-on state. Device lock held. */
void port92_reset(Port92 *s);

/* Whether the guest has the A20 gate open (bit 1). Device lock held. */
bool port92_a20_enabled(const Port92 *s);

/* Free it; its port must no longer be dispatched. */
void port92_free(Port92 *s);

#endif
