/* 16550A UART: the PC's COM ports, fed by a character backend. */
#ifndef HW_UART16550_H
#define HW_UART16550_H

#include <stddef.h>
#include <stdint.h>

#include "hw/irq.h"
#include "memory/memory.h"
#include "ui/chardev.h"

typedef struct Uart16550 Uart16550;

/*
 * Register eight ports at `base` of `io` and, when `be` is not NULL, become
 * its frontend.  `irq` carries the PC's gated interrupt: high while an
 * enabled interrupt is pending and MCR.OUT2 is set.
 * Threads: created on the main thread before any vCPU runs.
 */
Uart16550 *uart16550_new(AddressSpace *io, uint16_t base, IrqLine irq, CharBackend *be);

/* Back to the power-on register values (the divisor latch is kept). Device lock held. */
void uart16550_reset(Uart16550 *s);

/* Detach from the backend and free; `io` must no longer dispatch to its ports. */
void uart16550_free(Uart16550 *s);

/*
 * The frontend hooks given to the backend (I/O thread, device lock held);
 * public so that tests can feed the receiver without a backend.
 * `opaque` is the Uart16550.
 */
size_t uart16550_can_receive(void *opaque);
void uart16550_receive(void *opaque, const uint8_t *buf, size_t len);

#endif
