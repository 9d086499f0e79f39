/* Unit tests of port 0x92: the A20 bit reads back, a 0->1 write of bit 0 resets. */
#include <glib.h>

#include "hw/port92.h"

static int resets;

static void count_reset(void *opaque)
{
    g_assert_true(opaque == &resets);
    resets++;
}

static void test_a20_and_reset(void)
{
    AddressSpace io;
    address_space_init(&io, "io", 0x10000);
    resets = 0;
    Port92 *p = port92_new(&io, count_reset, &resets);

    g_assert_cmphex(address_space_read(&io, 0x92, 1), ==, 0x02);   /* A20 open at power-on */
    g_assert_true(port92_a20_enabled(p));
    address_space_write(&io, 0x92, 0x00, 1);
    g_assert_false(port92_a20_enabled(p));
    g_assert_cmphex(address_space_read(&io, 0x92, 1), ==, 0x00);
    g_assert_cmpint(resets, ==, 0);

    address_space_write(&io, 0x92, 0x03, 1);    /* bit 0: 0 -> 1 resets */
    g_assert_cmpint(resets, ==, 1);
    address_space_write(&io, 0x92, 0x03, 1);    /* still 1: no new edge */
    g_assert_cmpint(resets, ==, 1);
    address_space_write(&io, 0x92, 0x02, 1);
    address_space_write(&io, 0x92, 0x01, 1);
    g_assert_cmpint(resets, ==, 2);

    port92_reset(p);
    g_assert_cmphex(address_space_read(&io, 0x92, 1), ==, 0x02);
    port92_free(p);
    address_space_destroy(&io);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/port92/a20-and-reset", test_a20_and_reset);
    return g_test_run();
}
