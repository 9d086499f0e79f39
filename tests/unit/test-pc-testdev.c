/* Unit tests of pc-testdev: the accesses kvm-unit-tests makes, through the port and memory buses. */
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "hw/device.h"
#include "hw/pc_testdev.h"

typedef struct Fixture {
    AddressSpace io, mem;
    IrqLine irqs[PC_TESTDEV_NR_IRQS];
    int level[PC_TESTDEV_NR_IRQS];
    int changes;
    uint64_t flushed[8];
    int nr_flushed;
    PcTestdev *d;
} Fixture;

static void fake_irq_set(void *opaque, int n, int level)
{
    Fixture *x = opaque;
    x->level[n] = level;
    x->changes++;
}

static void fake_flush_page(void *opaque, uint64_t gpa)
{
    Fixture *x = opaque;
    g_assert_cmpint(x->nr_flushed, <, 8);
    x->flushed[x->nr_flushed++] = gpa;
}

static void fixture_init(Fixture *x)
{
    memset(x, 0, sizeof(*x));
    address_space_init(&x->io, "io", 0x10000);
    address_space_init(&x->mem, "memory", 1ull << 40);
    for (int n = 0; n < PC_TESTDEV_NR_IRQS; n++) {
        x->irqs[n] = (IrqLine){ fake_irq_set, x, n };
    }
    char err[128] = "";
    x->d = pc_testdev_new(&x->io, &x->mem, x->irqs, fake_flush_page, x, err, sizeof(err));
    g_assert_cmpstr(err, ==, "");
    g_assert_nonnull(x->d);
}

static void fixture_fini(Fixture *x)
{
    pc_testdev_free(x->d);
    address_space_destroy(&x->io);
    address_space_destroy(&x->mem);
}

static void test_scratch_port(void)
{
    Fixture x;
    fixture_init(&x);
    g_assert_cmphex(address_space_read(&x.io, 0xe0, 4), ==, 0);
    address_space_write(&x.io, 0xe0, 0x12345678, 4);
    g_assert_cmphex(address_space_read(&x.io, 0xe0, 4), ==, 0x12345678);
    g_assert_cmphex(address_space_read(&x.io, 0xe0, 1), ==, 0x78);
    g_assert_cmphex(address_space_read(&x.io, 0xe3, 1), ==, 0x12);
    g_assert_cmphex(address_space_read(&x.io, 0xe1, 2), ==, 0x3456);
    address_space_write(&x.io, 0xe2, 0xabcd, 2);
    g_assert_cmphex(address_space_read(&x.io, 0xe0, 4), ==, 0xabcd5678);
    address_space_write(&x.io, 0xe0, 0x99, 1);
    g_assert_cmphex(address_space_read(&x.io, 0xe0, 4), ==, 0xabcd5699);
    /* 0xe8 is the same register behind byte-wide callbacks. */
    g_assert_cmphex(address_space_read(&x.io, 0xe8, 4), ==, 0xabcd5699);
    address_space_write(&x.io, 0xe8, 0xcafef00d, 4);
    g_assert_cmphex(address_space_read(&x.io, 0xe0, 4), ==, 0xcafef00d);
    address_space_write(&x.io, 0xea, 0x1234, 2);
    g_assert_cmphex(address_space_read(&x.io, 0xe8, 2), ==, 0xf00d);
    g_assert_cmphex(address_space_read(&x.io, 0xe0, 4), ==, 0x1234f00d);
    /* rep outsb to one port: each byte lands in byte 0. */
    const uint8_t bytes[] = { 1, 2, 3 };
    for (int i = 0; i < 3; i++) {
        address_space_write(&x.io, 0xe0, bytes[i], 1);
    }
    g_assert_cmphex(address_space_read(&x.io, 0xe0, 4), ==, 0x1234f003);

    pc_testdev_reset(x.d);
    g_assert_cmphex(address_space_read(&x.io, 0xe0, 4), ==, 0);
    fixture_fini(&x);
}

static void test_flush_page(void)
{
    Fixture x;
    fixture_init(&x);
    address_space_write(&x.io, 0xe4, 0x12345, 4);
    address_space_write(&x.io, 0xe4, 0xfffff000, 4);
    g_assert_cmpint(x.nr_flushed, ==, 2);
    g_assert_cmphex(x.flushed[0], ==, 0x12000);
    g_assert_cmphex(x.flushed[1], ==, 0xfffff000);
    address_space_write(&x.io, 0xe4, 0x5000, 1);            /* only 32-bit writes count */
    address_space_write(&x.io, 0xe4, 0x5000, 2);
    g_assert_cmpint(x.nr_flushed, ==, 2);
    g_assert_cmphex(address_space_read(&x.io, 0xe4, 4), ==, 0);
    fixture_fini(&x);
}

static void test_irq_lines(void)
{
    Fixture x;
    fixture_init(&x);
    address_space_write(&x.io, 0x2004, 1, 1);
    g_assert_cmpint(x.level[4], ==, 1);
    address_space_write(&x.io, 0x2017, 0x80, 1);            /* any non-zero value raises */
    g_assert_cmpint(x.level[23], ==, 1);
    address_space_write(&x.io, 0x2004, 0, 1);
    g_assert_cmpint(x.level[4], ==, 0);
    g_assert_cmpint(x.changes, ==, 3);
    address_space_write(&x.io, 0x2000, 0x0101, 2);          /* byte writes only */
    g_assert_cmpint(x.level[0], ==, 0);
    g_assert_cmpint(x.changes, ==, 3);
    address_space_write(&x.io, 0x2018, 1, 1);               /* past the last line */
    g_assert_cmpint(x.changes, ==, 3);
    g_assert_cmphex(address_space_read(&x.io, 0x2004, 1), ==, 0);

    address_space_write(&x.io, 0x2009, 1, 1);
    pc_testdev_reset(x.d);                                  /* lowers what it raised */
    g_assert_cmpint(x.level[9], ==, 0);
    g_assert_cmpint(x.level[23], ==, 0);
    g_assert_cmpint(x.changes, ==, 6);
    fixture_fini(&x);
}

static void test_iomem(void)
{
    Fixture x;
    fixture_init(&x);
    uint64_t base = PC_TESTDEV_IOMEM_BASE;
    address_space_write(&x.mem, base, 0x0123456789abcdefull, 8);
    g_assert_cmphex(address_space_read(&x.mem, base, 8), ==, 0x0123456789abcdefull);
    g_assert_cmphex(address_space_read(&x.mem, base + 4, 4), ==, 0x01234567);
    g_assert_cmphex(address_space_read(&x.mem, base + 1, 2), ==, 0xabcd);
    address_space_write(&x.mem, base + 0xffff, 0x5a, 1);
    g_assert_cmphex(address_space_read(&x.mem, base + 0xffff, 1), ==, 0x5a);
    /* The window is 64 KiB; an access straddling its end is split by the bus. */
    g_assert_cmphex(address_space_read(&x.mem, base + 0x10000, 1), ==, 0xff);
    g_assert_cmphex(address_space_read(&x.mem, base + 0xffff, 2), ==, 0xff5a);
    uint8_t buf[4];
    g_assert_true(address_space_rw(&x.mem, base + 0x100, "abcd", 4, true));
    g_assert_true(address_space_rw(&x.mem, base + 0x100, buf, 4, false));
    g_assert_cmpmem(buf, 4, "abcd", 4);
    pc_testdev_reset(x.d);
    g_assert_cmphex(address_space_read(&x.mem, base, 8), ==, 0);
    fixture_fini(&x);
}

static void test_taken_ranges(void)
{
    Fixture x;
    fixture_init(&x);
    char err[128];
    g_assert_null(pc_testdev_new(&x.io, &x.mem, x.irqs, NULL, NULL, err, sizeof(err)));
    g_assert_cmpstr(err, ==, "pc-testdev: ports 0xe0-0xe3 are already in use");
    size_t io_regions = x.io.nr_regions, mem_regions = x.mem.nr_regions;
    fixture_fini(&x);

    /* Only the MMIO window taken: nothing is claimed. */
    AddressSpace io, mem;
    address_space_init(&io, "io", 0x10000);
    address_space_init(&mem, "memory", 1ull << 40);
    static uint8_t ram[0x1000];
    g_assert_cmpint(address_space_add_ram(&mem, "ram", PC_TESTDEV_IOMEM_BASE + 0x8000,
                                          sizeof(ram), ram), ==, 0);
    g_assert_null(pc_testdev_new(&io, &mem, x.irqs, NULL, NULL, err, sizeof(err)));
    g_assert_cmpstr(err, ==, "pc-testdev: memory 0xff000000-0xff00ffff is already in use");
    g_assert_cmpuint(io.nr_regions, ==, 0);
    g_assert_cmpuint(mem.nr_regions, ==, 1);
    g_assert_cmpuint(io_regions, ==, 4);
    g_assert_cmpuint(mem_regions, ==, 1);
    address_space_destroy(&io);
    address_space_destroy(&mem);
}

static uint64_t flushed_gpa;

static void record_flush(Machine *m, uint64_t gpa)
{
    flushed_gpa = gpa;
}

/* The backend's page-flush hook, as the machine's backend offers it. */
static const AccelOps flushing_accel = { .name = "flushing", .flush_guest_page = record_flush };

/* `-device pc-testdev` on a hand-built machine: registered, reset with the machine, freed. */
static void test_device_option(void)
{
    Machine *m = calloc(1, sizeof(*m));
    m->accel = &flushing_accel;
    flushed_gpa = 0;
    address_space_init(&m->io, "ioport", 0x10000);
    address_space_init(&m->mem, "memory", 1ull << 40);
    Fixture x;
    memset(&x, 0, sizeof(x));
    for (int n = 0; n < PC_NR_GSIS; n++) {
        m->gsi[n] = (IrqLine){ fake_irq_set, &x, n };
    }
    char err[256] = "";
    DeviceOption opt = { "pc-testdev", "" };
    g_assert_nonnull(device_find("pc-testdev"));
    g_assert_cmpint(device_create(m, &opt, err, sizeof(err)), ==, 0);
    g_assert_cmpstr(err, ==, "");
    address_space_write(&m->io, 0x2008, 1, 1);              /* ISA IRQ 8 = m->gsi[8] */
    g_assert_cmpint(x.level[8], ==, 1);
    address_space_write(&m->io, 0xe0, 0xdeadbeef, 4);
    address_space_write(&m->io, 0xe4, 0x1234, 4);           /* to the backend's hook, page-aligned */
    g_assert_cmphex(flushed_gpa, ==, 0x1000);
    g_assert_cmpint(m->nr_resets, ==, 1);
    m->resets[0].reset(m->resets[0].opaque);                /* what machine_reset does */
    g_assert_cmpint(x.level[8], ==, 0);
    g_assert_cmphex(address_space_read(&m->io, 0xe0, 4), ==, 0);

    g_assert_cmpint(device_create(m, &opt, err, sizeof(err)), ==, -1);
    g_assert_cmpstr(err, ==, "pc-testdev: ports 0xe0-0xe3 are already in use");
    DeviceOption bad = { "pc-testdev", "iobase=0xe0" };
    g_assert_cmpint(device_create(m, &bad, err, sizeof(err)), ==, -1);
    g_assert_cmpstr(err, ==, "pc-testdev: unknown property 'iobase'");

    device_free_all(m);
    address_space_destroy(&m->io);
    address_space_destroy(&m->mem);
    free(m);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/pc-testdev/scratch-port", test_scratch_port);
    g_test_add_func("/pc-testdev/flush-page", test_flush_page);
    g_test_add_func("/pc-testdev/irq-lines", test_irq_lines);
    g_test_add_func("/pc-testdev/iomem", test_iomem);
    g_test_add_func("/pc-testdev/taken-ranges", test_taken_ranges);
    g_test_add_func("/pc-testdev/device-option", test_device_option);
    return g_test_run();
}
