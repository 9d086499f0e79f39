/* Unit tests of the 16550A UART, poked through its ports with a recording IRQ line. */
#include <glib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "hw/uart16550.h"

#define COM1 0x3f8
enum { RBR = 0, THR = 0, DLL = 0, IER = 1, DLM = 1, IIR = 2, FCR = 2, LCR = 3, MCR = 4,
       LSR = 5, MSR = 6, SCR = 7 };

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
    FakeIrq irq;
    Uart16550 *uart;
} Fixture;

static void fixture_init(Fixture *f, CharBackend *be)
{
    memset(f, 0, sizeof(*f));
    address_space_init(&f->io, "io", 0x10000);
    f->uart = uart16550_new(&f->io, COM1, (IrqLine){ fake_irq_set, &f->irq, 4 }, be);
}

static void fixture_fini(Fixture *f)
{
    uart16550_free(f->uart);
    address_space_destroy(&f->io);
}

static uint8_t in8(Fixture *f, unsigned reg)
{
    return address_space_read(&f->io, COM1 + reg, 1);
}

static void out8(Fixture *f, unsigned reg, uint8_t val)
{
    address_space_write(&f->io, COM1 + reg, val, 1);
}

static void test_scratch_and_dlab(void)
{
    Fixture f;
    fixture_init(&f, NULL);
    out8(&f, SCR, 0xa5);
    g_assert_cmphex(in8(&f, SCR), ==, 0xa5);

    out8(&f, LCR, 0x83);             /* DLAB, 8N1 */
    out8(&f, DLL, 0x01);
    out8(&f, DLM, 0x02);
    g_assert_cmphex(in8(&f, DLL), ==, 0x01);
    g_assert_cmphex(in8(&f, DLM), ==, 0x02);
    g_assert_cmphex(in8(&f, LCR), ==, 0x83);
    out8(&f, LCR, 0x03);
    g_assert_cmphex(in8(&f, IER), ==, 0x00);     /* the divisor did not land in IER */
    out8(&f, IER, 0xff);
    g_assert_cmphex(in8(&f, IER), ==, 0x0f);     /* only four enable bits exist */
    out8(&f, LCR, 0x83);
    g_assert_cmphex(in8(&f, DLM), ==, 0x02);     /* and IER did not land in the divisor */
    fixture_fini(&f);
}

static void test_loopback(void)
{
    Fixture f;
    fixture_init(&f, NULL);
    out8(&f, MCR, 0x1a);             /* LOOP | OUT2 | RTS: Linux's autoconfig test */
    g_assert_cmphex(in8(&f, MSR) & 0xf0, ==, 0x90);
    out8(&f, MCR, 0x1f);
    g_assert_cmphex(in8(&f, MSR) & 0xf0, ==, 0xf0);
    out8(&f, MCR, 0x10);
    g_assert_cmphex(in8(&f, MSR) & 0xf0, ==, 0x00);

    out8(&f, THR, 0x42);
    g_assert_cmphex(in8(&f, LSR) & 0x01, ==, 0x01);
    g_assert_cmphex(in8(&f, RBR), ==, 0x42);
    g_assert_cmphex(in8(&f, LSR) & 0x01, ==, 0x00);
    g_assert_cmpuint(uart16550_can_receive(f.uart), ==, 0);   /* input is cut off in loopback */

    out8(&f, MCR, 0x00);             /* out of loopback: the terminal is connected */
    g_assert_cmphex(in8(&f, MSR) & 0xf0, ==, 0xb0);
    g_assert_cmpuint(uart16550_can_receive(f.uart), ==, 1);
    fixture_fini(&f);
}

/* The steps of Linux's 8250 autoconfig() that tell a 16550A from its relatives. */
static void test_linux_probe_sees_16550a(void)
{
    Fixture f;
    fixture_init(&f, NULL);
    out8(&f, IER, 0);
    g_assert_cmphex(in8(&f, IER) & 0x0f, ==, 0);
    out8(&f, IER, 0x0f);
    g_assert_cmphex(in8(&f, IER) & 0x0f, ==, 0x0f);
    out8(&f, IER, 0);

    out8(&f, LCR, 0xbf);             /* EFR access on a 16650: here plain DLAB */
    out8(&f, IIR, 0);
    out8(&f, LCR, 0);
    out8(&f, FCR, 0x01);
    g_assert_cmphex(in8(&f, IIR) >> 6, ==, 3);   /* FIFOs work: a 16550A */

    out8(&f, LCR, 0x80);
    g_assert_cmphex(in8(&f, IIR), !=, 0);        /* no EFR reads as zero: not a 16650 */
    out8(&f, LCR, 0xbf);
    g_assert_cmphex(in8(&f, IIR), !=, 0);

    out8(&f, LCR, 0);                /* 16750 test: 64-byte FIFO bit must not stick */
    out8(&f, FCR, 0x21);
    g_assert_cmphex(in8(&f, IIR) >> 5, ==, 6);
    out8(&f, LCR, 0x80);
    out8(&f, FCR, 0x21);
    g_assert_cmphex(in8(&f, IIR) >> 5, ==, 6);
    out8(&f, LCR, 0);

    out8(&f, IER, 0x40);             /* XScale UUE bit: must not stick */
    g_assert_cmphex(in8(&f, IER) & 0x40, ==, 0);

    out8(&f, FCR, 0x00);
    g_assert_cmphex(in8(&f, IIR) & 0xc0, ==, 0);
    fixture_fini(&f);
}

static void test_thre_interrupt(void)
{
    Fixture f;
    fixture_init(&f, NULL);
    out8(&f, MCR, 0x08);             /* OUT2 */
    g_assert_cmphex(in8(&f, IIR), ==, 0x01);
    g_assert_cmpint(f.irq.level, ==, 0);

    out8(&f, IER, 0x02);             /* enabling ETBEI with THR empty raises it at once */
    g_assert_cmpint(f.irq.level, ==, 1);
    g_assert_cmphex(in8(&f, IIR), ==, 0x02);
    g_assert_cmpint(f.irq.level, ==, 0);   /* reading IIR cleared it */
    g_assert_cmphex(in8(&f, IIR), ==, 0x01);

    out8(&f, THR, 'x');              /* THR empties again: a new THRE interrupt */
    g_assert_cmphex(in8(&f, IIR), ==, 0x02);
    g_assert_cmphex(in8(&f, LSR) & 0x60, ==, 0x60);

    out8(&f, IER, 0x00);
    out8(&f, IER, 0x02);             /* Linux's UART_BUG_THRE test: re-enabling re-raises */
    g_assert_cmphex(in8(&f, IIR), ==, 0x02);
    g_assert_cmpint(f.irq.rises, ==, 3);
    fixture_fini(&f);
}

static void test_out2_gates_irq(void)
{
    Fixture f;
    fixture_init(&f, NULL);
    out8(&f, IER, 0x01);
    uart16550_receive(f.uart, (const uint8_t *)"a", 1);
    g_assert_cmphex(in8(&f, IIR), ==, 0x04);
    g_assert_cmpint(f.irq.level, ==, 0);   /* pending, but OUT2 is clear */
    out8(&f, MCR, 0x08);
    g_assert_cmpint(f.irq.level, ==, 1);
    out8(&f, MCR, 0x18);             /* loopback forces the OUT2 pin inactive */
    g_assert_cmpint(f.irq.level, ==, 0);
    out8(&f, MCR, 0x08);
    g_assert_cmpint(f.irq.level, ==, 1);
    g_assert_cmphex(in8(&f, RBR), ==, 'a');
    g_assert_cmpint(f.irq.level, ==, 0);
    fixture_fini(&f);
}

static void test_iir_priorities(void)
{
    Fixture f;
    fixture_init(&f, NULL);
    out8(&f, MCR, 0x08);
    in8(&f, MSR);
    out8(&f, IER, 0x0f);
    /* THRE (from enabling), data, an overrun and a modem status change, all at once. */
    uart16550_receive(f.uart, (const uint8_t *)"pq", 2);   /* no FIFO: q overruns p */
    out8(&f, MCR, 0x18);
    out8(&f, MCR, 0x08);             /* in and out of loopback: DSR/CTS/DCD deltas */

    g_assert_cmphex(in8(&f, IIR), ==, 0x06);     /* receiver line status first */
    g_assert_cmphex(in8(&f, LSR) & 0x03, ==, 0x03);
    g_assert_cmphex(in8(&f, IIR), ==, 0x04);     /* then received data */
    g_assert_cmphex(in8(&f, RBR), ==, 'q');
    g_assert_cmphex(in8(&f, IIR), ==, 0x02);     /* then THR empty */
    g_assert_cmphex(in8(&f, IIR), ==, 0x00);     /* then modem status */
    g_assert_cmphex(in8(&f, MSR) & 0x0f, !=, 0);
    g_assert_cmphex(in8(&f, IIR), ==, 0x01);
    g_assert_cmpint(f.irq.level, ==, 0);
    fixture_fini(&f);
}

static void test_rx_fifo(void)
{
    Fixture f;
    fixture_init(&f, NULL);
    out8(&f, MCR, 0x08);
    out8(&f, IER, 0x01);
    out8(&f, FCR, 0xc7);             /* FIFOs on, cleared, trigger level 14 */
    g_assert_cmpuint(uart16550_can_receive(f.uart), ==, 16);

    uart16550_receive(f.uart, (const uint8_t *)"01234", 5);
    g_assert_cmphex(in8(&f, IIR), ==, 0xcc);     /* below the trigger: character timeout */
    g_assert_cmpint(f.irq.level, ==, 1);
    uart16550_receive(f.uart, (const uint8_t *)"56789abcd", 9);
    g_assert_cmphex(in8(&f, IIR), ==, 0xc4);     /* 14 bytes: trigger level reached */
    g_assert_cmpuint(uart16550_can_receive(f.uart), ==, 2);
    uart16550_receive(f.uart, (const uint8_t *)"efg", 3);   /* one too many */
    g_assert_cmphex(in8(&f, LSR) & 0x03, ==, 0x03);         /* overrun */
    g_assert_cmphex(in8(&f, LSR) & 0x02, ==, 0x00);         /* cleared by the read */

    char got[17] = { 0 };
    for (int i = 0; i < 16; i++) {
        got[i] = in8(&f, RBR);
    }
    g_assert_cmpstr(got, ==, "0123456789abcdef");
    g_assert_cmphex(in8(&f, LSR) & 0x01, ==, 0);
    g_assert_cmphex(in8(&f, IIR), ==, 0xc1);
    g_assert_cmpint(f.irq.level, ==, 0);

    uart16550_receive(f.uart, (const uint8_t *)"zz", 2);
    out8(&f, FCR, 0x03);             /* clear the receive FIFO */
    g_assert_cmphex(in8(&f, LSR) & 0x01, ==, 0);
    fixture_fini(&f);
}

static void test_reset(void)
{
    Fixture f;
    fixture_init(&f, NULL);
    out8(&f, MCR, 0x08);
    out8(&f, IER, 0x02);
    out8(&f, LCR, 0x83);
    out8(&f, DLL, 0x06);
    out8(&f, FCR, 0x01);
    g_assert_cmpint(f.irq.level, ==, 1);
    uart16550_reset(f.uart);
    g_assert_cmpint(f.irq.level, ==, 0);
    g_assert_cmphex(in8(&f, LCR), ==, 0x00);
    g_assert_cmphex(in8(&f, IER), ==, 0x00);
    g_assert_cmphex(in8(&f, IIR), ==, 0x01);
    g_assert_cmphex(in8(&f, MCR), ==, 0x00);
    g_assert_cmphex(in8(&f, LSR), ==, 0x60);
    out8(&f, LCR, 0x80);
    g_assert_cmphex(in8(&f, DLL), ==, 0x06);     /* the divisor survives a reset */
    fixture_fini(&f);
}

static void test_tx_to_backend(void)
{
    char path[] = "/tmp/tandem-uart-XXXXXX";
    int fd = mkstemp(path);
    g_assert_cmpint(fd, >=, 0);
    close(fd);
    char spec[64], err[256];
    snprintf(spec, sizeof(spec), "file:%s", path);
    CharBackend *be = chardev_new(spec, NULL, NULL, err, sizeof(err));
    g_assert_nonnull(be);

    Fixture f;
    fixture_init(&f, be);
    for (const char *p = "hello\n"; *p; p++) {
        out8(&f, THR, *p);
    }
    out8(&f, MCR, 0x10);
    out8(&f, THR, '!');              /* looped back, not sent */
    fixture_fini(&f);
    chardev_free(be);

    gchar *contents = NULL;
    g_assert_true(g_file_get_contents(path, &contents, NULL, NULL));
    g_assert_cmpstr(contents, ==, "hello\n");
    g_free(contents);
    unlink(path);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/uart16550/scratch-and-dlab", test_scratch_and_dlab);
    g_test_add_func("/uart16550/loopback", test_loopback);
    g_test_add_func("/uart16550/linux-probe-sees-16550a", test_linux_probe_sees_16550a);
    g_test_add_func("/uart16550/thre-interrupt", test_thre_interrupt);
    g_test_add_func("/uart16550/out2-gates-irq", test_out2_gates_irq);
    g_test_add_func("/uart16550/iir-priorities", test_iir_priorities);
    g_test_add_func("/uart16550/rx-fifo", test_rx_fifo);
    g_test_add_func("/uart16550/reset", test_reset);
    g_test_add_func("/uart16550/tx-to-backend", test_tx_to_backend);
    return g_test_run();
}
