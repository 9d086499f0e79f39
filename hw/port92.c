/* Port 0x92, system control port A: fast A20 gate (bit 1) and fast CPU reset (bit 0). */
#include "hw/port92.h"

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>

/*
 * IBM PS/2 system control port A: bit 0 "alternate hot reset" resets the
 * CPU when written as 1 after 0; bit 1 gates address line 20.  Other bits
 * (security lock, disk activity lights) are kept as written.  tandem never
 * masks A20, so the gate is state the guest can read back, nothing more.
 */

#define PORT92_ADDR       0x92
#define PORT92_RESET      0x01
#define PORT92_A20        0x02
#define PORT92_POWER_ON   PORT92_A20   /* the machine starts with A20 open */

struct Port92 {
    uint8_t value;
    void (*request_reset)(void *opaque);
    void *reset_opaque;
};

static uint64_t port92_read(void *opaque, uint64_t offset, unsigned size)
{
    Port92 *s = opaque;
    return s->value;
}

static void port92_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    Port92 *s = opaque;
    uint8_t old = s->value;
    s->value = value;
    if ((s->value & PORT92_RESET) && !(old & PORT92_RESET)) {
        s->request_reset(s->reset_opaque);
    }
}

static const MemoryRegionOps port92_ops = {
    .read = port92_read, .write = port92_write,
    .valid_min = 1, .valid_max = 4, .impl_min = 1, .impl_max = 1,
};

void port92_reset(Port92 *s)
{
    s->value = PORT92_POWER_ON;
}

bool port92_a20_enabled(const Port92 *s)
{
    return s->value & PORT92_A20;
}

Port92 *port92_new(AddressSpace *io, void (*request_reset)(void *opaque), void *opaque)
{
    Port92 *s = calloc(1, sizeof(*s));
    assert(s && request_reset);
    s->request_reset = request_reset;
    s->reset_opaque = opaque;
    port92_reset(s);
    int r = address_space_add_io(io, "port92", PORT92_ADDR, 1, &port92_ops, s);
    assert(r == 0);
    (void)r;
    return s;
}

void port92_free(Port92 *s)
{
    free(s);
}
