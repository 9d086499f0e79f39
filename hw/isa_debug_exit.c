/* isa-debug-exit: QEMU's test exit port; a write of V stops the machine with status (V << 1) | 1. */
#include "hw/isa_debug_exit.h"

#include <errno.h>
#include <stdio.h>

#include "hw/device.h"

/*
 * QEMU's convention: status (V << 1) | 1 can never be 0, so a test guest's
 * exit through the port is told apart from a clean shutdown; the host sees
 * the low 8 bits, as with exit().  The device needs no state beyond the
 * machine, which is the region's opaque.
 */

#define PORT_SPACE_SIZE 0x10000u

static uint64_t isa_debug_exit_read(void *opaque, uint64_t offset, unsigned size)
{
    return 0;
}

static void isa_debug_exit_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    Machine *m = opaque;
    uint64_t status = (value << 1) | 1;
    machine_request_exit(m, (int)(status & 0x7fffffff));
}

static const MemoryRegionOps isa_debug_exit_ops = {
    .read = isa_debug_exit_read, .write = isa_debug_exit_write,
    .valid_min = 1, .valid_max = 4,   /* any port access size; the value is taken whole */
    .impl_min = 1, .impl_max = 4,
};

int isa_debug_exit_init(Machine *m, uint32_t iobase, uint32_t iosize, char *err, size_t errlen)
{
    if (iosize == 0 || iobase >= PORT_SPACE_SIZE || iosize > PORT_SPACE_SIZE - iobase) {
        snprintf(err, errlen, "isa-debug-exit: ports 0x%x+0x%x lie outside 0-0xffff",
                 iobase, iosize);
        return -1;
    }
    int r = address_space_add_io(&m->io, "isa-debug-exit", iobase, iosize,
                                 &isa_debug_exit_ops, m);
    if (r != 0) {
        snprintf(err, errlen, "isa-debug-exit: ports 0x%x-0x%x %s", iobase,
                 iobase + iosize - 1,
                 r == -EEXIST ? "overlap another device" : "cannot be claimed");
        return -1;
    }
    return 0;
}

int isa_debug_exit_create(Machine *m, const char *props, char *err, size_t errlen)
{
    static const char *const known[] = { "iobase", "iosize", NULL };
    uint64_t iobase, iosize;
    if (device_check_props("isa-debug-exit", props, known, err, errlen) != 0 ||
        device_prop_uint("isa-debug-exit", props, "iobase", ISA_DEBUG_EXIT_DEFAULT_IOBASE,
                         0, PORT_SPACE_SIZE - 1, &iobase, err, errlen) != 0 ||
        device_prop_uint("isa-debug-exit", props, "iosize", ISA_DEBUG_EXIT_DEFAULT_IOSIZE,
                         1, PORT_SPACE_SIZE, &iosize, err, errlen) != 0) {
        return -1;
    }
    return isa_debug_exit_init(m, iobase, iosize, err, errlen);
}
