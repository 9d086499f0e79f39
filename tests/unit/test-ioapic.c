/* Unit tests of the IOAPIC: registers, edge and level routing, remote IRR and EOI, destinations. */
#include <glib.h>
#include <string.h>

#include "hw/apic.h"
#include "hw/ioapic.h"
#include "hw/irq.h"

#define IOAPIC 0xfec00000ull
#define APIC 0xfee00000ull
#define LAPIC_EOI 0xb0
#define LAPIC_SVR 0xf0
#define LAPIC_LDR 0xd0
#define LAPIC_TMR 0x180

#define NR_CPUS 2

/* Redirection entry fields. */
#define LEVEL      (1u << 15)
#define MASKED     (1u << 16)
#define LOGICAL    (1u << 11)
#define LOW_ACTIVE (1u << 13)
#define REMOTE_IRR (1u << 14)
#define DM(m)      ((uint32_t)(m) << 8)

typedef struct FakeCpu {
    int kicks;
    int inits;
} FakeCpu;

static void fake_kick(void *cpu) { ((FakeCpu *)cpu)->kicks++; }
static void fake_init(void *cpu) { ((FakeCpu *)cpu)->inits++; }
static void fake_sipi(void *cpu, uint8_t vector) {}
static uint64_t fake_read_tsc(void *cpu) { return 0; }
static const LapicCpuOps fake_ops = { fake_kick, fake_init, fake_sipi, fake_read_tsc };

typedef struct Fixture {
    AddressSpace mem;
    ApicBus *bus;
    Lapic *l[NR_CPUS];
    FakeCpu cpu[NR_CPUS];
    IoApic *io;
} Fixture;

static void lapic_wr(Fixture *f, int cpu, unsigned reg, uint32_t v)
{
    apic_bus_set_current(f->l[cpu]);
    address_space_write(&f->mem, APIC + reg, v, 4);
}

static uint32_t lapic_rd(Fixture *f, int cpu, unsigned reg)
{
    apic_bus_set_current(f->l[cpu]);
    return (uint32_t)address_space_read(&f->mem, APIC + reg, 4);
}

static void fixture_init(Fixture *f)
{
    memset(f, 0, sizeof(*f));
    address_space_init(&f->mem, "memory", 1ull << 32);
    f->bus = apic_bus_new(&f->mem);
    for (int i = 0; i < NR_CPUS; i++) {
        f->l[i] = lapic_new(f->bus, i, &fake_ops, &f->cpu[i]);
        lapic_wr(f, i, LAPIC_SVR, 0x1ff);
        lapic_wr(f, i, LAPIC_LDR, (1u << i) << 24);
    }
    f->io = ioapic_new(&f->mem, f->bus, NR_CPUS);
}

static void fixture_fini(Fixture *f)
{
    ioapic_free(f->io);
    for (int i = 0; i < NR_CPUS; i++) {
        lapic_free(f->l[i]);
    }
    apic_bus_free(f->bus);
    address_space_destroy(&f->mem);
}

static uint32_t io_rd(Fixture *f, uint32_t index)
{
    address_space_write(&f->mem, IOAPIC, index, 4);
    return (uint32_t)address_space_read(&f->mem, IOAPIC + 0x10, 4);
}

static void io_wr(Fixture *f, uint32_t index, uint32_t value)
{
    address_space_write(&f->mem, IOAPIC, index, 4);
    address_space_write(&f->mem, IOAPIC + 0x10, value, 4);
}

static void route(Fixture *f, int pin, uint32_t lo, uint8_t dest)
{
    io_wr(f, 0x11 + 2 * pin, (uint32_t)dest << 24);
    io_wr(f, 0x10 + 2 * pin, lo);
}

static uint32_t entry_lo(Fixture *f, int pin)
{
    return io_rd(f, 0x10 + 2 * pin);
}

static int take(Fixture *f, int cpu)
{
    int v = lapic_pending_vector(f->l[cpu]);
    if (v >= 0) {
        lapic_accept(f->l[cpu], v);
    }
    return v;
}

static void eoi(Fixture *f, int cpu)
{
    lapic_wr(f, cpu, LAPIC_EOI, 0);
}

static void test_registers(void)
{
    Fixture f;
    fixture_init(&f);
    g_assert_cmphex(io_rd(&f, 0x00), ==, 2u << 24);          /* ID from the constructor */
    g_assert_cmphex(io_rd(&f, 0x01), ==, 0x170011);
    g_assert_cmphex(io_rd(&f, 0x02), ==, 2u << 24);
    g_assert_cmphex(address_space_read(&f.mem, IOAPIC, 4), ==, 0x02);   /* IOREGSEL reads back */
    for (int pin = 0; pin < IOAPIC_NR_PINS; pin++) {
        g_assert_cmphex(entry_lo(&f, pin), ==, MASKED);
        g_assert_cmphex(io_rd(&f, 0x11 + 2 * pin), ==, 0);
    }
    io_wr(&f, 0x00, 0xffffffff);
    g_assert_cmphex(io_rd(&f, 0x00), ==, 0x0f000000);
    io_wr(&f, 0x01, 0);
    g_assert_cmphex(io_rd(&f, 0x01), ==, 0x170011);
    /* Read-only bits (delivery status, remote IRR) and reserved ones stay clear. */
    io_wr(&f, 0x10 + 2 * 5, 0xffffffff);
    g_assert_cmphex(entry_lo(&f, 5), ==, 0x1afff);
    io_wr(&f, 0x11 + 2 * 5, 0xffffffff);
    g_assert_cmphex(io_rd(&f, 0x11 + 2 * 5), ==, 0xff000000);
    /* Past the table and reserved registers: no crash, reads 0. */
    g_assert_cmphex(io_rd(&f, 0x10 + 2 * IOAPIC_NR_PINS), ==, 0);
    g_assert_cmphex(io_rd(&f, 0x03), ==, 0);
    io_wr(&f, 0xff, 1);
    /* A byte write of IOREGSEL works; other offsets are ignored. */
    address_space_write(&f.mem, IOAPIC, 0x01, 1);
    g_assert_cmphex(address_space_read(&f.mem, IOAPIC + 0x10, 4), ==, 0x170011);
    g_assert_cmphex(address_space_read(&f.mem, IOAPIC + 0x20, 4), ==, 0);

    ioapic_reset(f.io);
    g_assert_cmphex(io_rd(&f, 0x00), ==, 2u << 24);
    g_assert_cmphex(entry_lo(&f, 5), ==, MASKED);
    fixture_fini(&f);
}

static void test_edge(void)
{
    Fixture f;
    fixture_init(&f);
    route(&f, 4, 0x34, 1);
    ioapic_set_irq(f.io, 4, 1);
    g_assert_cmpint(f.cpu[1].kicks, ==, 1);
    g_assert_cmpint(take(&f, 1), ==, 0x34);
    g_assert_cmpint(take(&f, 0), ==, -1);
    g_assert_cmphex(lapic_rd(&f, 1, LAPIC_TMR + 0x10), ==, 0);   /* edge: TMR clear */
    eoi(&f, 1);
    /* Held high: no more edges.  Low then high: one more. */
    ioapic_set_irq(f.io, 4, 1);
    g_assert_cmpint(take(&f, 1), ==, -1);
    ioapic_set_irq(f.io, 4, 0);
    ioapic_set_irq(f.io, 4, 1);
    g_assert_cmpint(take(&f, 1), ==, 0x34);
    eoi(&f, 1);
    g_assert_cmphex(entry_lo(&f, 4) & REMOTE_IRR, ==, 0);
    /* An edge while masked is lost, and unmasking does not bring it back. */
    ioapic_set_irq(f.io, 4, 0);
    route(&f, 4, MASKED | 0x34, 1);
    ioapic_set_irq(f.io, 4, 1);
    route(&f, 4, 0x34, 1);
    g_assert_cmpint(take(&f, 1), ==, -1);
    fixture_fini(&f);
}

static void test_level_remote_irr(void)
{
    Fixture f;
    fixture_init(&f);
    route(&f, 10, LEVEL | 0x3a, 0);
    ioapic_set_irq(f.io, 10, 1);
    g_assert_cmphex(entry_lo(&f, 10) & REMOTE_IRR, ==, REMOTE_IRR);
    g_assert_cmphex(lapic_rd(&f, 0, LAPIC_TMR + 0x10), ==, 1u << (0x3a - 0x20));
    g_assert_cmpint(take(&f, 0), ==, 0x3a);
    /* Remote IRR holds further messages until EOI. */
    ioapic_set_irq(f.io, 10, 0);
    ioapic_set_irq(f.io, 10, 1);
    g_assert_cmpint(lapic_pending_vector(f.l[0]), ==, -1);
    /* EOI with the line still high: delivered again. */
    eoi(&f, 0);
    g_assert_cmphex(entry_lo(&f, 10) & REMOTE_IRR, ==, REMOTE_IRR);
    g_assert_cmpint(take(&f, 0), ==, 0x3a);
    /* The handler quiets the device, then EOI: remote IRR clears, nothing more. */
    ioapic_set_irq(f.io, 10, 0);
    eoi(&f, 0);
    g_assert_cmphex(entry_lo(&f, 10) & REMOTE_IRR, ==, 0);
    g_assert_cmpint(lapic_pending_vector(f.l[0]), ==, -1);
    /* An EOI of another vector leaves remote IRR alone. */
    ioapic_set_irq(f.io, 10, 1);
    ioapic_eoi(f.io, 0x3b);
    g_assert_cmphex(entry_lo(&f, 10) & REMOTE_IRR, ==, REMOTE_IRR);
    /* Switching the entry to edge clears remote IRR. */
    route(&f, 10, 0x3a, 0);
    g_assert_cmphex(entry_lo(&f, 10) & REMOTE_IRR, ==, 0);
    fixture_fini(&f);
}

static void test_level_unmask_asserted(void)
{
    Fixture f;
    fixture_init(&f);
    route(&f, 11, MASKED | LEVEL | LOW_ACTIVE | 0x3b, 1);
    ioapic_set_irq(f.io, 11, 1);                 /* the logical level: polarity does not invert */
    g_assert_cmpint(lapic_pending_vector(f.l[1]), ==, -1);
    route(&f, 11, LEVEL | LOW_ACTIVE | 0x3b, 1);
    g_assert_cmpint(take(&f, 1), ==, 0x3b);
    g_assert_cmphex(entry_lo(&f, 11), ==, REMOTE_IRR | LEVEL | LOW_ACTIVE | 0x3b);
    /* Masking keeps remote IRR; EOI then clears it without redelivery. */
    route(&f, 11, MASKED | LEVEL | LOW_ACTIVE | 0x3b, 1);
    eoi(&f, 1);
    g_assert_cmphex(entry_lo(&f, 11) & REMOTE_IRR, ==, 0);
    g_assert_cmpint(lapic_pending_vector(f.l[1]), ==, -1);
    fixture_fini(&f);
}

static void test_destinations(void)
{
    Fixture f;
    fixture_init(&f);
    route(&f, 1, LOGICAL | 0x41, 0x3);           /* logical, flat: both */
    ioapic_set_irq(f.io, 1, 1);
    g_assert_cmpint(take(&f, 0), ==, 0x41);
    g_assert_cmpint(take(&f, 1), ==, 0x41);
    eoi(&f, 0);
    eoi(&f, 1);
    route(&f, 2, 0x42, 0xff);                    /* physical broadcast */
    ioapic_set_irq(f.io, 2, 1);
    g_assert_cmpint(take(&f, 0), ==, 0x42);
    g_assert_cmpint(take(&f, 1), ==, 0x42);
    eoi(&f, 0);
    eoi(&f, 1);
    route(&f, 3, LOGICAL | DM(APIC_DM_LOWEST) | 0x43, 0x3);   /* one of the two */
    lapic_set_tpr(f.l[0], 5);
    ioapic_set_irq(f.io, 3, 1);
    g_assert_cmpint(take(&f, 0), ==, -1);
    g_assert_cmpint(take(&f, 1), ==, 0x43);
    eoi(&f, 1);
    route(&f, 5, 0x45, 7);                       /* nobody has ID 7 */
    ioapic_set_irq(f.io, 5, 1);
    g_assert_cmpint(lapic_pending_vector(f.l[0]) + lapic_pending_vector(f.l[1]), ==, -2);
    route(&f, 6, DM(APIC_DM_NMI), 1);            /* NMI */
    ioapic_set_irq(f.io, 6, 1);
    g_assert_true(lapic_nmi_pending(f.l[1]));
    g_assert_false(lapic_nmi_pending(f.l[0]));
    route(&f, 7, DM(APIC_DM_INIT), 0);           /* INIT */
    ioapic_set_irq(f.io, 7, 1);
    g_assert_cmpint(f.cpu[0].inits, ==, 1);
    route(&f, 8, DM(APIC_DM_SIPI) | 0x10, 1);    /* reserved for the IOAPIC: ignored */
    ioapic_set_irq(f.io, 8, 1);
    g_assert_cmpint(lapic_pending_vector(f.l[1]), ==, -1);
    fixture_fini(&f);
}

static void test_bad_pins(void)
{
    Fixture f;
    fixture_init(&f);
    ioapic_set_irq(f.io, -1, 1);
    ioapic_set_irq(f.io, IOAPIC_NR_PINS, 1);
    /* Through an IrqLine, as the machine wires it. */
    IrqLine line = { ioapic_set_irq, f.io, 23 };
    route(&f, 23, 0x57, 0);
    irq_pulse(line);
    g_assert_cmpint(take(&f, 0), ==, 0x57);
    fixture_fini(&f);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/ioapic/registers", test_registers);
    g_test_add_func("/ioapic/edge", test_edge);
    g_test_add_func("/ioapic/level-remote-irr", test_level_remote_irr);
    g_test_add_func("/ioapic/level-unmask-asserted", test_level_unmask_asserted);
    g_test_add_func("/ioapic/destinations", test_destinations);
    g_test_add_func("/ioapic/bad-pins", test_bad_pins);
    return g_test_run();
}
