/* The -device registry: devices a user can add by name, and the helpers they parse props with. */
#ifndef HW_DEVICE_H
#define HW_DEVICE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hw/machine.h"
#include "ui/options.h"

typedef struct DeviceInfo {
    const char *name;       /* "isa-debug-exit" */
    const char *bus;        /* "ISA", "PCI", ... as `-device help` shows it */
    const char *desc;
    /* Build one into m from its "k=v,..." properties: 0, or -1 with one line in err. */
    int (*create)(Machine *m, const char *props, char *err, size_t errlen);
} DeviceInfo;

/* The registered device of that name, or NULL. */
const DeviceInfo *device_find(const char *name);

/* `-device help`: one line per device, QEMU's format. */
void device_print_help(FILE *out);

/*
 * Create a device from an Options entry: an unknown driver or a bad or
 * unknown property is -1 with one line in err.  Main thread, while the
 * machine is built.
 */
int device_create(Machine *m, const DeviceOption *opt, char *err, size_t errlen);

/* Free what the -device devices of m own (machine_free). */
void device_free_all(Machine *m);

/* ---- for create functions ---- */

/*
 * Check that `props` names only keys in `known` (NULL-terminated), each at
 * most once: otherwise -1 and "DRIVER: unknown property 'foo'" in err.
 */
int device_check_props(const char *driver, const char *props, const char *const *known,
                       char *err, size_t errlen);

/*
 * An unsigned integer property (decimal, 0x hex or 0 octal): *out = the
 * value, or `def` when the key is absent.  -1 and err when it is not a
 * number or lies outside [min, max].
 */
int device_prop_uint(const char *driver, const char *props, const char *key, uint64_t def,
                     uint64_t min, uint64_t max, uint64_t *out, char *err, size_t errlen);

/* Keep `dev` until device_free_all(m), which calls free_dev(dev). */
void device_add_owned(Machine *m, void *dev, void (*free_dev)(void *dev));

#endif
