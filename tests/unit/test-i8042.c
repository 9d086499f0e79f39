/* Unit tests of the i8042 keyboard controller and its keyboard, through ports 0x60/0x64. */
#include <glib.h>
#include <string.h>

#include "hw/i8042.h"

#define DATA 0x60
#define STATUS 0x64
#define STS_OBF 0x01
#define STS_CMD 0x08
#define STS_AUXDATA 0x20
#define STS_TIMEOUT 0x40

typedef struct FakeIrq {
    int level;
    int rises;
} FakeIrq;

static void fake_irq_set(void *opaque, int n, int level)
{
    FakeIrq *f = opaque;
    if (level && !f->level) {
        f->rises++;
    }
    f->level = level;
}

typedef struct Fixture {
    AddressSpace io;
    FakeIrq kbd, aux;
    int resets;
    I8042 *kbc;
} Fixture;

static void count_reset(void *opaque)
{
    ((Fixture *)opaque)->resets++;
}

static void fixture_init(Fixture *f)
{
    memset(f, 0, sizeof(*f));
    address_space_init(&f->io, "io", 0x10000);
    f->kbc = i8042_new(&f->io, (IrqLine){ fake_irq_set, &f->kbd, 1 },
                       (IrqLine){ fake_irq_set, &f->aux, 12 }, count_reset, f);
}

static void fixture_fini(Fixture *f)
{
    i8042_free(f->kbc);
    address_space_destroy(&f->io);
}

static uint8_t status(Fixture *f)
{
    return address_space_read(&f->io, STATUS, 1);
}

static void command(Fixture *f, uint8_t cmd)
{
    address_space_write(&f->io, STATUS, cmd, 1);
}

static void data_write(Fixture *f, uint8_t val)
{
    address_space_write(&f->io, DATA, val, 1);
}

/* Read the next output byte, as Linux's i8042_wait_read + read do; -1 if none. */
static int data_read(Fixture *f)
{
    if (!(status(f) & STS_OBF)) {
        return -1;
    }
    return address_space_read(&f->io, DATA, 1);
}

static void test_self_test(void)
{
    Fixture f;
    fixture_init(&f);
    g_assert_cmpint(data_read(&f), ==, -1);
    command(&f, 0xaa);
    g_assert_cmphex(status(&f) & (STS_OBF | STS_CMD), ==, STS_OBF | STS_CMD);
    g_assert_cmpint(data_read(&f), ==, 0x55);
    g_assert_cmpint(data_read(&f), ==, -1);
    command(&f, 0xab);               /* keyboard interface test */
    g_assert_cmpint(data_read(&f), ==, 0x00);
    command(&f, 0xa9);               /* aux interface test */
    g_assert_cmpint(data_read(&f), ==, 0x00);
    fixture_fini(&f);
}

static void test_command_byte(void)
{
    Fixture f;
    fixture_init(&f);
    command(&f, 0x20);
    g_assert_cmpint(data_read(&f), ==, 0x47);
    command(&f, 0x60);
    data_write(&f, 0x65);
    g_assert_cmphex(status(&f) & STS_CMD, ==, 0);   /* the last write went to 0x60 */
    command(&f, 0x20);
    g_assert_cmpint(data_read(&f), ==, 0x65);

    command(&f, 0xa7);               /* Linux's AUX bit assignment test */
    command(&f, 0x20);
    g_assert_cmpint(data_read(&f) & 0x20, ==, 0x20);
    command(&f, 0xa8);
    command(&f, 0x20);
    g_assert_cmpint(data_read(&f) & 0x20, ==, 0x00);
    command(&f, 0xad);
    command(&f, 0x20);
    g_assert_cmpint(data_read(&f) & 0x10, ==, 0x10);
    fixture_fini(&f);
}

static void test_reset_commands(void)
{
    Fixture f;
    fixture_init(&f);
    command(&f, 0xff);               /* pulse nothing */
    g_assert_cmpint(f.resets, ==, 0);
    command(&f, 0xfe);               /* Linux reboot=k */
    g_assert_cmpint(f.resets, ==, 1);
    command(&f, 0xf0);               /* any pulse with bit 0 clear */
    g_assert_cmpint(f.resets, ==, 2);
    command(&f, 0xfd);
    g_assert_cmpint(f.resets, ==, 2);
    command(&f, 0xd1);               /* write the output port with the reset line low */
    data_write(&f, 0x02);
    g_assert_cmpint(f.resets, ==, 3);
    fixture_fini(&f);
}

static void test_output_port_a20(void)
{
    Fixture f;
    fixture_init(&f);
    command(&f, 0xd0);
    g_assert_cmpint(data_read(&f) & 0x03, ==, 0x03);
    command(&f, 0xd1);
    data_write(&f, 0xcd);            /* A20 off, reset line high */
    command(&f, 0xd0);
    g_assert_cmpint(data_read(&f) & 0x03, ==, 0x01);
    command(&f, 0xdf);
    command(&f, 0xd0);
    g_assert_cmpint(data_read(&f) & 0x03, ==, 0x03);
    g_assert_cmpint(f.resets, ==, 0);
    fixture_fini(&f);
}

static void test_keyboard_reset_reply(void)
{
    Fixture f;
    fixture_init(&f);
    data_write(&f, 0xff);
    g_assert_cmpint(f.kbd.level, ==, 1);
    g_assert_cmpint(data_read(&f), ==, 0xfa);
    g_assert_cmpint(f.kbd.level, ==, 1);
    g_assert_cmpint(data_read(&f), ==, 0xaa);
    g_assert_cmpint(f.kbd.level, ==, 0);
    g_assert_cmpint(f.kbd.rises, ==, 2);      /* one edge per byte */
    g_assert_cmpint(f.aux.rises, ==, 0);
    g_assert_cmpint(data_read(&f), ==, -1);
    fixture_fini(&f);
}

static void test_keyboard_probe(void)
{
    Fixture f;
    fixture_init(&f);
    data_write(&f, 0xf2);            /* identify */
    g_assert_cmpint(data_read(&f), ==, 0xfa);
    g_assert_cmpint(data_read(&f), ==, 0xab);
    g_assert_cmpint(data_read(&f), ==, 0x83);
    data_write(&f, 0xed);            /* set LEDs */
    g_assert_cmpint(data_read(&f), ==, 0xfa);
    data_write(&f, 0x07);
    g_assert_cmpint(data_read(&f), ==, 0xfa);
    data_write(&f, 0xf0);            /* scan code set: choose 2, then ask */
    g_assert_cmpint(data_read(&f), ==, 0xfa);
    data_write(&f, 0x02);
    g_assert_cmpint(data_read(&f), ==, 0xfa);
    data_write(&f, 0xf0);
    data_write(&f, 0x00);
    g_assert_cmpint(data_read(&f), ==, 0xfa);
    g_assert_cmpint(data_read(&f), ==, 0xfa);
    g_assert_cmpint(data_read(&f), ==, 0x02);
    data_write(&f, 0xf3);            /* typematic */
    data_write(&f, 0x20);
    data_write(&f, 0xf4);            /* enable */
    g_assert_cmpint(data_read(&f), ==, 0xfa);
    g_assert_cmpint(data_read(&f), ==, 0xfa);
    g_assert_cmpint(data_read(&f), ==, 0xfa);
    data_write(&f, 0xee);            /* echo */
    g_assert_cmpint(data_read(&f), ==, 0xee);
    g_assert_cmpint(data_read(&f), ==, -1);
    fixture_fini(&f);
}

static void test_disabled_keyboard_holds_bytes(void)
{
    Fixture f;
    fixture_init(&f);
    command(&f, 0xad);
    data_write(&f, 0xf4);
    g_assert_cmpint(data_read(&f), ==, -1);
    command(&f, 0x20);               /* controller replies still pass */
    g_assert_cmpint(data_read(&f) & 0x10, ==, 0x10);
    command(&f, 0xae);
    g_assert_cmpint(data_read(&f), ==, 0xfa);
    fixture_fini(&f);
}

static void test_interrupt_enable_bits(void)
{
    Fixture f;
    fixture_init(&f);
    command(&f, 0x60);
    data_write(&f, 0x44);            /* no interrupts */
    data_write(&f, 0xee);
    g_assert_cmpint(f.kbd.level, ==, 0);
    command(&f, 0x60);
    data_write(&f, 0x45);            /* keyboard interrupt on: the waiting byte raises it */
    g_assert_cmpint(f.kbd.level, ==, 1);
    g_assert_cmpint(data_read(&f), ==, 0xee);
    g_assert_cmpint(f.kbd.level, ==, 0);
    fixture_fini(&f);
}

static void test_aux_port(void)
{
    Fixture f;
    fixture_init(&f);
    command(&f, 0xd3);               /* AUX loopback, as Linux's i8042_check_aux */
    data_write(&f, 0x5a);
    g_assert_cmphex(status(&f) & (STS_OBF | STS_AUXDATA), ==, STS_OBF | STS_AUXDATA);
    g_assert_cmpint(f.aux.level, ==, 1);
    g_assert_cmpint(f.kbd.level, ==, 0);
    g_assert_cmpint(data_read(&f), ==, 0x5a);
    g_assert_cmpint(f.aux.level, ==, 0);

    command(&f, 0xd4);               /* to the mouse: nobody answers */
    data_write(&f, 0xf2);
    g_assert_cmphex(status(&f) & (STS_AUXDATA | STS_TIMEOUT), ==, STS_AUXDATA | STS_TIMEOUT);
    g_assert_cmpint(data_read(&f), ==, 0xfe);
    g_assert_cmphex(status(&f) & STS_TIMEOUT, ==, 0);

    command(&f, 0xd2);               /* write the keyboard output buffer */
    data_write(&f, 0x1c);
    g_assert_cmphex(status(&f) & STS_AUXDATA, ==, 0);
    g_assert_cmpint(f.kbd.level, ==, 1);
    g_assert_cmpint(data_read(&f), ==, 0x1c);
    fixture_fini(&f);
}

static void test_reset_state(void)
{
    Fixture f;
    fixture_init(&f);
    command(&f, 0x60);
    data_write(&f, 0x00);
    data_write(&f, 0xff);
    command(&f, 0xd1);
    data_write(&f, 0xcd);
    i8042_reset(f.kbc);
    g_assert_cmpint(data_read(&f), ==, -1);
    command(&f, 0x20);
    g_assert_cmpint(data_read(&f), ==, 0x47);
    command(&f, 0xd0);
    g_assert_cmpint(data_read(&f) & 0x03, ==, 0x03);
    fixture_fini(&f);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/i8042/self-test", test_self_test);
    g_test_add_func("/i8042/command-byte", test_command_byte);
    g_test_add_func("/i8042/reset-commands", test_reset_commands);
    g_test_add_func("/i8042/output-port-a20", test_output_port_a20);
    g_test_add_func("/i8042/keyboard-reset-reply", test_keyboard_reset_reply);
    g_test_add_func("/i8042/keyboard-probe", test_keyboard_probe);
    g_test_add_func("/i8042/disabled-keyboard-holds-bytes", test_disabled_keyboard_holds_bytes);
    g_test_add_func("/i8042/interrupt-enable-bits", test_interrupt_enable_bits);
    g_test_add_func("/i8042/aux-port", test_aux_port);
    g_test_add_func("/i8042/reset-state", test_reset_state);
    return g_test_run();
}
