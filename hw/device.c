/* The -device registry: name -> constructor, property parsing, and what the devices own. */
#include "hw/device.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hw/isa_debug_exit.h"
#include "hw/pc_testdev.h"

/* Adding a device is one line here. */
static const DeviceInfo device_table[] = {
    { "isa-debug-exit", "ISA", "exit with status (value << 1) | 1 on a port write",
      isa_debug_exit_create },
    { "pc-testdev", "ISA", "PC Testdev: scratch ports, page flush, ISA IRQ lines, scratch MMIO",
      pc_testdev_create },
};

#define NR_DEVICES (sizeof(device_table) / sizeof(device_table[0]))
#define PROP_VALUE_MAX 64

typedef struct OwnedDevice {
    void *dev;
    void (*free_dev)(void *dev);
} OwnedDevice;

struct DeviceList {
    OwnedDevice *items;
    size_t count;
};

const DeviceInfo *device_find(const char *name)
{
    for (size_t i = 0; i < NR_DEVICES; i++) {
        if (strcmp(device_table[i].name, name) == 0) {
            return &device_table[i];
        }
    }
    return NULL;
}

void device_print_help(FILE *out)
{
    for (size_t i = 0; i < NR_DEVICES; i++) {
        const DeviceInfo *d = &device_table[i];
        fprintf(out, "name \"%s\", bus %s, desc \"%s\"\n", d->name, d->bus, d->desc);
    }
}

int device_create(Machine *m, const DeviceOption *opt, char *err, size_t errlen)
{
    const DeviceInfo *d = device_find(opt->driver);
    if (!d) {
        snprintf(err, errlen, "-device %s: unknown device (-device help lists them)",
                 opt->driver);
        return -1;
    }
    return d->create(m, opt->props ? opt->props : "", err, errlen);
}

void device_add_owned(Machine *m, void *dev, void (*free_dev)(void *dev))
{
    struct DeviceList *l = m->extra_devices;
    if (!l) {
        l = m->extra_devices = calloc(1, sizeof(*l));
        assert(l);
    }
    OwnedDevice *items = realloc(l->items, (l->count + 1) * sizeof(*items));
    assert(items);
    l->items = items;
    l->items[l->count++] = (OwnedDevice){ dev, free_dev };
}

void device_free_all(Machine *m)
{
    struct DeviceList *l = m->extra_devices;
    if (!l) {
        return;
    }
    for (size_t i = l->count; i-- > 0;) {
        l->items[i].free_dev(l->items[i].dev);
    }
    free(l->items);
    free(l);
    m->extra_devices = NULL;
}

/* Is the key of the property at p (up to '=' or ',') exactly `key`? */
static bool prop_key_is(const char *p, size_t keylen, const char *key)
{
    return strlen(key) == keylen && strncmp(p, key, keylen) == 0;
}

int device_check_props(const char *driver, const char *props, const char *const *known,
                       char *err, size_t errlen)
{
    size_t nr_known = 0;
    while (known[nr_known]) {
        nr_known++;
    }
    bool seen[nr_known + 1];
    memset(seen, 0, sizeof(seen));

    for (const char *p = props; *p;) {
        size_t len = strcspn(p, ",");
        size_t keylen = strcspn(p, "=,");
        size_t k = 0;
        while (k < nr_known && !prop_key_is(p, keylen, known[k])) {
            k++;
        }
        if (len == 0) {
            snprintf(err, errlen, "%s: empty property in '%s'", driver, props);
            return -1;
        }
        if (k == nr_known) {
            snprintf(err, errlen, "%s: unknown property '%.*s'", driver, (int)keylen, p);
            return -1;
        }
        if (seen[k]) {
            snprintf(err, errlen, "%s: property '%s' given twice", driver, known[k]);
            return -1;
        }
        seen[k] = true;
        p += len;
        if (*p == ',') {
            p++;
        }
    }
    return 0;
}

/* strtoull, but whole-string, no sign, no overflow. */
static bool parse_uint(const char *s, uint64_t *out)
{
    if (!isdigit((unsigned char)*s)) {
        return false;                /* rejects "", "-1", " 1", "+1" */
    }
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno != 0 || *end != '\0') {
        return false;
    }
    *out = v;
    return true;
}

int device_prop_uint(const char *driver, const char *props, const char *key, uint64_t def,
                     uint64_t min, uint64_t max, uint64_t *out, char *err, size_t errlen)
{
    char val[PROP_VALUE_MAX];
    if (!options_prop(props, key, val, sizeof(val))) {
        *out = def;
        return 0;
    }
    uint64_t v;
    if (strlen(val) == sizeof(val) - 1 || !parse_uint(val, &v)) {
        snprintf(err, errlen, "%s: property '%s' needs a number, not '%s'", driver, key, val);
        return -1;
    }
    if (v < min || v > max) {
        snprintf(err, errlen, "%s: property '%s' = %s is outside 0x%llx-0x%llx", driver, key,
                 val, (unsigned long long)min, (unsigned long long)max);
        return -1;
    }
    *out = v;
    return 0;
}
