/* Unit tests of the -device registry and isa-debug-exit, on a hand-built minimal Machine. */
#define _GNU_SOURCE
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/device.h"
#include "hw/machine.h"

/* Just what isa-debug-exit and machine_request_exit touch: the port space and the requests. */
static Machine *minimal_machine(void)
{
    Machine *m = calloc(1, sizeof(*m));
    address_space_init(&m->io, "ioport", 0x10000);
    pthread_mutex_init(&m->run_lock, NULL);
    pthread_cond_init(&m->run_cond, NULL);
    return m;
}

static void minimal_machine_free(Machine *m)
{
    device_free_all(m);
    address_space_destroy(&m->io);
    pthread_mutex_destroy(&m->run_lock);
    pthread_cond_destroy(&m->run_cond);
    free(m);
}

/* Create `driver` with `props`; returns the error line, or "" on success. */
static const char *create(Machine *m, const char *driver, const char *props)
{
    static char err[256];
    err[0] = '\0';
    DeviceOption opt = { driver, props };
    int r = device_create(m, &opt, err, sizeof(err));
    g_assert_cmpint(r, ==, err[0] ? -1 : 0);
    return err;
}

static void test_find_and_help(void)
{
    const DeviceInfo *d = device_find("isa-debug-exit");
    g_assert_nonnull(d);
    g_assert_cmpstr(d->bus, ==, "ISA");
    g_assert_null(device_find("isa-debug-exi"));

    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    device_print_help(out);
    fclose(out);
    g_assert_nonnull(strstr(text, "name \"isa-debug-exit\", bus ISA"));
    g_assert_nonnull(strstr(text, "name \"pc-testdev\", bus ISA"));
    /* One line per device in the table. */
    unsigned lines = 0;
    for (const char *p = text; *p; p++) {
        lines += *p == '\n';
    }
    g_assert_cmpuint(lines, ==, 2);
    free(text);
}

static void test_exit_status(void)
{
    Machine *m = minimal_machine();
    g_assert_cmpstr(create(m, "isa-debug-exit", "iobase=0xf4,iosize=0x4"), ==, "");
    g_assert_false(atomic_load(&m->stop_requested));
    address_space_write(&m->io, 0xf4, 0x10, 1);
    g_assert_true(atomic_load(&m->stop_requested));
    g_assert_cmpint(m->exit_status, ==, 0x21);
    minimal_machine_free(m);

    /* Any access size, anywhere in the region. */
    m = minimal_machine();
    g_assert_cmpstr(create(m, "isa-debug-exit", "iobase=0xf4,iosize=4"), ==, "");
    address_space_write(&m->io, 0xf4, 0x3, 4);
    g_assert_cmpint(m->exit_status, ==, 7);
    minimal_machine_free(m);

    m = minimal_machine();
    g_assert_cmpstr(create(m, "isa-debug-exit", "iobase=244,iosize=4"), ==, "");
    address_space_write(&m->io, 0xf6, 0x0, 2);
    g_assert_cmpint(m->exit_status, ==, 1);
    minimal_machine_free(m);
}

static void test_defaults(void)
{
    Machine *m = minimal_machine();
    g_assert_cmpstr(create(m, "isa-debug-exit", ""), ==, "");
    g_assert_nonnull(address_space_lookup(&m->io, 0x501));
    g_assert_nonnull(address_space_lookup(&m->io, 0x502));
    g_assert_null(address_space_lookup(&m->io, 0x503));
    address_space_write(&m->io, 0x501, 0x01, 1);
    g_assert_cmpint(m->exit_status, ==, 3);
    minimal_machine_free(m);
}

static void test_errors(void)
{
    Machine *m = minimal_machine();
    g_assert_cmpstr(create(m, "no-such-device", ""), ==,
                    "-device no-such-device: unknown device (-device help lists them)");
    g_assert_cmpstr(create(m, "isa-debug-exit", "foo=1"), ==,
                    "isa-debug-exit: unknown property 'foo'");
    g_assert_cmpstr(create(m, "isa-debug-exit", "iobase=0xf4,bar"), ==,
                    "isa-debug-exit: unknown property 'bar'");
    g_assert_cmpstr(create(m, "isa-debug-exit", "iobase=0xf4,iobase=0xf8"), ==,
                    "isa-debug-exit: property 'iobase' given twice");
    g_assert_cmpstr(create(m, "isa-debug-exit", "iobase=zz"), ==,
                    "isa-debug-exit: property 'iobase' needs a number, not 'zz'");
    g_assert_cmpstr(create(m, "isa-debug-exit", "iobase=-1"), ==,
                    "isa-debug-exit: property 'iobase' needs a number, not '-1'");
    g_assert_cmpstr(create(m, "isa-debug-exit", "iobase"), ==,
                    "isa-debug-exit: property 'iobase' needs a number, not 'on'");
    g_assert_cmpstr(create(m, "isa-debug-exit", "iobase=0x10000"), ==,
                    "isa-debug-exit: property 'iobase' = 0x10000 is outside 0x0-0xffff");
    g_assert_cmpstr(create(m, "isa-debug-exit", "iosize=0"), ==,
                    "isa-debug-exit: property 'iosize' = 0 is outside 0x1-0x10000");
    g_assert_cmpstr(create(m, "isa-debug-exit", "iobase=0xffff,iosize=2"), ==,
                    "isa-debug-exit: ports 0xffff+0x2 lie outside 0-0xffff");
    g_assert_cmpstr(create(m, "isa-debug-exit", "iobase=0x99999999999999999999"), ==,
                    "isa-debug-exit: property 'iobase' needs a number, not "
                    "'0x99999999999999999999'");
    g_assert_cmpuint(m->io.nr_regions, ==, 0);   /* nothing was claimed by the failures */

    g_assert_cmpstr(create(m, "isa-debug-exit", "iobase=0xf4,iosize=4"), ==, "");
    g_assert_cmpstr(create(m, "isa-debug-exit", "iobase=0xf6"), ==,
                    "isa-debug-exit: ports 0xf6-0xf7 overlap another device");
    minimal_machine_free(m);
}

static int freed;

static void count_free(void *dev)
{
    g_assert_true(dev == &freed);
    freed++;
}

static void test_owned_devices_freed(void)
{
    Machine *m = minimal_machine();
    freed = 0;
    device_add_owned(m, &freed, count_free);
    device_add_owned(m, &freed, count_free);
    device_free_all(m);
    g_assert_cmpint(freed, ==, 2);
    g_assert_null(m->extra_devices);
    device_free_all(m);              /* twice is harmless */
    minimal_machine_free(m);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/device/find-and-help", test_find_and_help);
    g_test_add_func("/device/isa-debug-exit/exit-status", test_exit_status);
    g_test_add_func("/device/isa-debug-exit/defaults", test_defaults);
    g_test_add_func("/device/isa-debug-exit/errors", test_errors);
    g_test_add_func("/device/owned-devices-freed", test_owned_devices_freed);
    return g_test_run();
}
