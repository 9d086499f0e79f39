/* Unit tests of the LAPIC: priorities, EOI, IPIs between LAPICs, the timer, x2APIC MSRs. */
#include <glib.h>
#include <string.h>

#include "hw/apic.h"
#include "hw/machine.h"

#define APIC 0xfee00000ull
enum {
    ID = 0x20, VERSION = 0x30, TPR = 0x80, APR = 0x90, PPR = 0xa0, EOI = 0xb0, LDR = 0xd0,
    DFR = 0xe0, SVR = 0xf0, ISR = 0x100, TMR = 0x180, IRR = 0x200, ESR = 0x280,
    ICR_LO = 0x300, ICR_HI = 0x310, LVT_TIMER = 0x320, LVT_LINT0 = 0x350, LVT_LINT1 = 0x360,
    LVT_ERROR = 0x370, TMICT = 0x380, TMCCT = 0x390, TDCR = 0x3e0,
};
#define MSR_TSC_DEADLINE 0x6e0
#define X2(off) (0x800 + ((off) >> 4))
#define MSR_SELF_IPI 0x83f
#define ICR_LO_LOGICAL_FIXED(v) (0x4800u | (v))

#define NR_CPUS 3

/* The CPU side of a LAPIC, recording what the LAPIC asked of it. */
typedef struct FakeCpu {
    struct Fixture *f;
    int kicks;
    int inits;
    int sipis;
    int sipi_vector;
} FakeCpu;

typedef struct Fixture {
    AddressSpace mem;
    ApicBus *bus;
    Lapic *l[NR_CPUS];
    FakeCpu cpu[NR_CPUS];
    int64_t now;                 /* the fake bus clock, ns */
    int eois;
    int last_eoi_vector;
} Fixture;

static void fake_kick(void *cpu) { ((FakeCpu *)cpu)->kicks++; }
static void fake_init(void *cpu) { ((FakeCpu *)cpu)->inits++; }

static void fake_sipi(void *cpu, uint8_t vector)
{
    FakeCpu *c = cpu;
    c->sipis++;
    c->sipi_vector = vector;
}

/* The guest TSC at 2 GHz (X86_TSC_KHZ), offset by 1e9 ticks so it differs from the clock. */
static uint64_t fake_read_tsc(void *cpu)
{
    return (uint64_t)((FakeCpu *)cpu)->f->now * 2 + 1000000000ull;
}

static const LapicCpuOps fake_ops = { fake_kick, fake_init, fake_sipi, fake_read_tsc };

static int64_t fake_now(void *opaque)
{
    return ((Fixture *)opaque)->now;
}

static void record_eoi(void *opaque, uint8_t vector)
{
    Fixture *f = opaque;
    f->eois++;
    f->last_eoi_vector = vector;
}

static void fixture_init(Fixture *f)
{
    memset(f, 0, sizeof(*f));
    address_space_init(&f->mem, "memory", 1ull << 32);
    f->bus = apic_bus_new(&f->mem);
    f->now = 1000000000;
    apic_bus_set_clock(f->bus, fake_now, f);
    apic_bus_add_eoi_listener(f->bus, record_eoi, f);
    for (int i = 0; i < NR_CPUS; i++) {
        f->cpu[i].f = f;
        f->l[i] = lapic_new(f->bus, i, &fake_ops, &f->cpu[i]);
    }
}

static void fixture_fini(Fixture *f)
{
    for (int i = 0; i < NR_CPUS; i++) {
        lapic_free(f->l[i]);
    }
    apic_bus_free(f->bus);
    address_space_destroy(&f->mem);
}

/* A 32-bit MMIO access from vCPU `cpu`'s thread. */
static uint32_t rd(Fixture *f, int cpu, unsigned reg)
{
    apic_bus_set_current(f->l[cpu]);
    return (uint32_t)address_space_read(&f->mem, APIC + reg, 4);
}

static void wr(Fixture *f, int cpu, unsigned reg, uint32_t value)
{
    apic_bus_set_current(f->l[cpu]);
    address_space_write(&f->mem, APIC + reg, value, 4);
}

static void sw_enable(Fixture *f, int cpu)
{
    wr(f, cpu, SVR, 0x1ff);
}

static void enable_all(Fixture *f)
{
    for (int i = 0; i < NR_CPUS; i++) {
        sw_enable(f, i);
    }
}

static bool reg_bit(Fixture *f, int cpu, unsigned base, unsigned vector)
{
    return (rd(f, cpu, base + (vector / 32) * 0x10) >> (vector % 32)) & 1;
}

/* The CPU takes its interrupt: returns the vector it would run, -1 for none. */
static int take(Fixture *f, int cpu)
{
    int v = lapic_pending_vector(f->l[cpu]);
    if (v >= 0) {
        lapic_accept(f->l[cpu], v);
    }
    return v;
}

/* Take the interrupt and finish its handler at once (EOI). */
static int serve(Fixture *f, int cpu)
{
    int v = take(f, cpu);
    if (v >= 0 && (lapic_get_base(f->l[cpu]) & APIC_BASE_EXTD)) {
        g_assert_true(lapic_msr_write(f->l[cpu], 0x800 + (EOI >> 4), 0));
    } else if (v >= 0) {
        wr(f, cpu, EOI, 0);
    }
    return v;
}

static uint32_t read_esr(Fixture *f, int cpu)
{
    wr(f, cpu, ESR, 0);
    return rd(f, cpu, ESR);
}

static void send_ipi(Fixture *f, int from, uint8_t dest, uint32_t icr_lo)
{
    wr(f, from, ICR_HI, (uint32_t)dest << 24);
    wr(f, from, ICR_LO, icr_lo);
}

/* ---- registers and priorities ---- */

static void test_reset_state(void)
{
    Fixture f;
    fixture_init(&f);
    g_assert_cmphex(rd(&f, 0, ID), ==, 0);
    g_assert_cmphex(rd(&f, 2, ID), ==, 2u << 24);
    g_assert_cmphex(rd(&f, 1, VERSION), ==, 0x50014);
    g_assert_cmphex(rd(&f, 1, SVR), ==, 0xff);
    g_assert_cmphex(rd(&f, 1, DFR), ==, 0xffffffff);
    g_assert_cmphex(rd(&f, 1, LDR), ==, 0);
    g_assert_cmphex(rd(&f, 1, TPR), ==, 0);
    g_assert_cmphex(rd(&f, 1, LVT_TIMER), ==, 0x10000);
    g_assert_cmphex(rd(&f, 1, LVT_LINT0), ==, 0x10000);
    g_assert_cmphex(rd(&f, 0, LVT_LINT0), ==, 0x700);      /* BSP: virtual wire */
    g_assert_cmphex(rd(&f, 0, LVT_ERROR), ==, 0x10000);
    g_assert_cmphex(lapic_get_base(f.l[0]), ==, 0xfee00900);
    g_assert_cmphex(lapic_get_base(f.l[1]), ==, 0xfee00800);
    /* A 1-byte read of the ID's top byte, and the reserved bytes of a slot. */
    apic_bus_set_current(f.l[2]);
    g_assert_cmphex(address_space_read(&f.mem, APIC + ID + 3, 1), ==, 2);
    g_assert_cmphex(address_space_read(&f.mem, APIC + VERSION + 4, 4), ==, 0);
    fixture_fini(&f);
}

static void test_priority(void)
{
    Fixture f;
    fixture_init(&f);
    sw_enable(&f, 0);
    apic_bus_deliver(f.bus, 0, false, APIC_DM_FIXED, 0x31, true, false);
    apic_bus_deliver(f.bus, 0, false, APIC_DM_FIXED, 0x45, true, false);
    g_assert_cmpint(f.cpu[0].kicks, ==, 2);
    g_assert_true(reg_bit(&f, 0, IRR, 0x31) && reg_bit(&f, 0, IRR, 0x45));
    g_assert_cmpint(lapic_pending_vector(f.l[0]), ==, 0x45);

    /* TPR holds back its class and below (SDM 10.8.3.1). */
    wr(&f, 0, TPR, 0x45);
    g_assert_cmpint(lapic_pending_vector(f.l[0]), ==, -1);
    g_assert_cmphex(rd(&f, 0, PPR), ==, 0x45);
    lapic_set_tpr(f.l[0], 2);
    g_assert_cmphex(rd(&f, 0, TPR), ==, 0x20);
    g_assert_cmpint(lapic_get_tpr(f.l[0]), ==, 2);
    g_assert_cmpint(lapic_pending_vector(f.l[0]), ==, 0x45);

    /* INTA: IRR -> ISR; PPR takes the in-service class; 0x31 waits. */
    g_assert_cmpint(take(&f, 0), ==, 0x45);
    g_assert_false(reg_bit(&f, 0, IRR, 0x45));
    g_assert_true(reg_bit(&f, 0, ISR, 0x45));
    g_assert_cmphex(rd(&f, 0, PPR), ==, 0x40);
    g_assert_cmpint(lapic_pending_vector(f.l[0]), ==, -1);

    /* A higher class nests. */
    apic_bus_deliver(f.bus, 0, false, APIC_DM_FIXED, 0x61, true, false);
    g_assert_cmpint(take(&f, 0), ==, 0x61);
    g_assert_cmphex(rd(&f, 0, PPR), ==, 0x60);

    /* EOI retires the highest in-service vector first. */
    wr(&f, 0, EOI, 0);
    g_assert_false(reg_bit(&f, 0, ISR, 0x61));
    g_assert_true(reg_bit(&f, 0, ISR, 0x45));
    g_assert_cmpint(lapic_pending_vector(f.l[0]), ==, -1);
    wr(&f, 0, EOI, 0);
    g_assert_cmphex(rd(&f, 0, PPR), ==, 0x20);
    g_assert_cmpint(take(&f, 0), ==, 0x31);
    wr(&f, 0, EOI, 0);
    /* TPR masks its own class too. */
    apic_bus_deliver(f.bus, 0, false, APIC_DM_FIXED, 0x2f, true, false);
    g_assert_cmpint(lapic_pending_vector(f.l[0]), ==, -1);
    lapic_set_tpr(f.l[0], 1);
    g_assert_cmpint(take(&f, 0), ==, 0x2f);
    wr(&f, 0, EOI, 0);
    g_assert_cmpint(lapic_pending_vector(f.l[0]), ==, -1);
    g_assert_cmpint(f.eois, ==, 0);                /* edge-triggered: no EOI broadcast */
    fixture_fini(&f);
}

static void test_apr(void)
{
    Fixture f;
    fixture_init(&f);
    sw_enable(&f, 0);
    wr(&f, 0, TPR, 0x20);
    g_assert_cmphex(rd(&f, 0, APR), ==, 0x20);
    apic_bus_deliver(f.bus, 0, false, APIC_DM_FIXED, 0x55, true, false);
    g_assert_cmphex(rd(&f, 0, APR), ==, 0x50);      /* the pending class dominates */
    take(&f, 0);
    g_assert_cmphex(rd(&f, 0, APR), ==, 0x50);      /* now the in-service class */
    fixture_fini(&f);
}

static void test_eoi_level_broadcast(void)
{
    Fixture f;
    fixture_init(&f);
    sw_enable(&f, 1);
    apic_bus_deliver(f.bus, 1, false, APIC_DM_FIXED, 0x50, true, true);
    g_assert_true(reg_bit(&f, 1, TMR, 0x50));
    g_assert_cmpint(take(&f, 1), ==, 0x50);
    wr(&f, 1, EOI, 0);
    g_assert_cmpint(f.eois, ==, 1);
    g_assert_cmpint(f.last_eoi_vector, ==, 0x50);

    /* The same vector edge-triggered clears TMR: no broadcast. */
    apic_bus_deliver(f.bus, 1, false, APIC_DM_FIXED, 0x50, true, false);
    g_assert_false(reg_bit(&f, 1, TMR, 0x50));
    take(&f, 1);
    wr(&f, 1, EOI, 0);
    g_assert_cmpint(f.eois, ==, 1);
    /* EOI with nothing in service does nothing. */
    wr(&f, 1, EOI, 0);
    g_assert_cmpint(f.eois, ==, 1);
    fixture_fini(&f);
}

static void test_software_disabled(void)
{
    Fixture f;
    fixture_init(&f);
    /* Fixed interrupts are dropped; NMI still arrives (SDM 10.4.7.2). */
    apic_bus_deliver(f.bus, 1, false, APIC_DM_FIXED, 0x40, true, false);
    g_assert_false(reg_bit(&f, 1, IRR, 0x40));
    apic_bus_deliver(f.bus, 1, false, APIC_DM_NMI, 0, true, false);
    g_assert_true(lapic_nmi_pending(f.l[1]));
    lapic_nmi_accept(f.l[1]);
    g_assert_false(lapic_nmi_pending(f.l[1]));

    /* LVT writes keep the mask while disabled. */
    wr(&f, 1, LVT_TIMER, 0x20);
    g_assert_cmphex(rd(&f, 1, LVT_TIMER), ==, 0x10020);
    sw_enable(&f, 1);
    wr(&f, 1, LVT_TIMER, 0x20);
    g_assert_cmphex(rd(&f, 1, LVT_TIMER), ==, 0x20);
    /* Disabling masks every LVT. */
    wr(&f, 1, SVR, 0xff);
    g_assert_cmphex(rd(&f, 1, LVT_TIMER), ==, 0x10020);
    fixture_fini(&f);
}

static void test_errors(void)
{
    Fixture f;
    fixture_init(&f);
    enable_all(&f);
    wr(&f, 0, LVT_ERROR, 0xfe);
    /* Receiving vector 5: illegal (SDM 10.5.2), ESR bit 6, error interrupt. */
    apic_bus_deliver(f.bus, 0, false, APIC_DM_FIXED, 5, true, false);
    g_assert_cmpint(lapic_pending_vector(f.l[0]), ==, 0xfe);
    g_assert_cmphex(rd(&f, 0, ESR), ==, 0);        /* visible only after a write */
    g_assert_cmphex(read_esr(&f, 0), ==, 0x40);
    g_assert_cmphex(read_esr(&f, 0), ==, 0);
    /* Sending vector 3: ESR bit 5; nothing sent. */
    send_ipi(&f, 0, 1, 3);
    g_assert_cmphex(read_esr(&f, 0), ==, 0x20);
    g_assert_false(reg_bit(&f, 1, IRR, 3));
    /* A reserved register: ESR bit 7. */
    g_assert_cmphex(rd(&f, 0, 0x2f0), ==, 0);
    g_assert_cmphex(read_esr(&f, 0), ==, 0x80);
    /* Read-only registers ignore writes. */
    wr(&f, 0, VERSION, 0);
    wr(&f, 0, PPR, 0xff);
    g_assert_cmphex(rd(&f, 0, VERSION), ==, 0x50014);
    g_assert_cmphex(rd(&f, 0, PPR), ==, 0);
    fixture_fini(&f);
}

static void test_mmio_without_lapic(void)
{
    Fixture f;
    fixture_init(&f);
    apic_bus_set_current(NULL);
    g_assert_cmphex(address_space_read(&f.mem, APIC + VERSION, 4), ==, 0xffffffff);
    address_space_write(&f.mem, APIC + TPR, 0x20, 4);
    for (int i = 0; i < NR_CPUS; i++) {
        g_assert_cmphex(lapic_get_tpr(f.l[i]), ==, 0);
    }
    /* Narrow or unaligned writes are ignored. */
    apic_bus_set_current(f.l[0]);
    address_space_write(&f.mem, APIC + TPR, 0x20, 1);
    address_space_write(&f.mem, APIC + TPR + 4, 0x20, 4);
    g_assert_cmphex(lapic_get_tpr(f.l[0]), ==, 0);
    fixture_fini(&f);
}

/* ---- IPIs ---- */

static void test_ipi_fixed_physical(void)
{
    Fixture f;
    fixture_init(&f);
    enable_all(&f);
    send_ipi(&f, 0, 2, 0x4041);                    /* fixed, assert, vector 0x41 */
    g_assert_cmpint(f.cpu[2].kicks, ==, 1);
    g_assert_cmpint(f.cpu[1].kicks, ==, 0);
    g_assert_cmpint(f.cpu[0].kicks, ==, 0);
    g_assert_cmpint(take(&f, 2), ==, 0x41);
    g_assert_cmpint(lapic_pending_vector(f.l[1]), ==, -1);
    g_assert_cmphex(rd(&f, 0, ICR_LO), ==, 0x4041); /* delivery status idle */
    g_assert_cmphex(rd(&f, 0, ICR_HI), ==, 2u << 24);

    /* A changed xAPIC ID is what physical destinations match. */
    wr(&f, 1, ID, 7u << 24);
    send_ipi(&f, 0, 7, 0x4042);
    g_assert_cmpint(take(&f, 1), ==, 0x42);
    send_ipi(&f, 0, 1, 0x4043);                    /* nobody has ID 1 now */
    for (int i = 0; i < NR_CPUS; i++) {
        g_assert_cmpint(lapic_pending_vector(f.l[i]), ==, -1);
    }
    fixture_fini(&f);
}

static void test_ipi_shorthands(void)
{
    Fixture f;
    fixture_init(&f);
    enable_all(&f);
    send_ipi(&f, 1, 0, (1u << 18) | 0x4050);       /* self */
    g_assert_cmpint(serve(&f, 1), ==, 0x50);
    g_assert_cmpint(serve(&f, 0), ==, -1);
    send_ipi(&f, 1, 0, (2u << 18) | 0x4051);       /* all including self */
    for (int i = 0; i < NR_CPUS; i++) {
        g_assert_cmpint(serve(&f, i), ==, 0x51);
    }
    send_ipi(&f, 1, 0, (3u << 18) | 0x4052);       /* all excluding self */
    g_assert_cmpint(serve(&f, 0), ==, 0x52);
    g_assert_cmpint(serve(&f, 1), ==, -1);
    g_assert_cmpint(serve(&f, 2), ==, 0x52);
    send_ipi(&f, 1, 0xff, 0x4053);                 /* physical broadcast */
    for (int i = 0; i < NR_CPUS; i++) {
        g_assert_cmpint(serve(&f, i), ==, 0x53);
    }
    /* NMI with the self shorthand is invalid: nothing happens. */
    send_ipi(&f, 1, 0, (1u << 18) | 0x4400);
    g_assert_false(lapic_nmi_pending(f.l[1]));
    fixture_fini(&f);
}

static void test_ipi_logical(void)
{
    Fixture f;
    fixture_init(&f);
    enable_all(&f);
    /* Flat model: one bit per LAPIC. */
    for (int i = 0; i < NR_CPUS; i++) {
        wr(&f, i, LDR, (1u << i) << 24);
    }
    send_ipi(&f, 0, 0x06, ICR_LO_LOGICAL_FIXED(0x60));
    g_assert_cmpint(serve(&f, 0), ==, -1);
    g_assert_cmpint(serve(&f, 1), ==, 0x60);
    g_assert_cmpint(serve(&f, 2), ==, 0x60);

    /* Cluster model: cluster in bits 7:4, members in 3:0. */
    for (int i = 0; i < NR_CPUS; i++) {
        wr(&f, i, DFR, 0x0fffffff);
    }
    g_assert_cmphex(rd(&f, 0, DFR), ==, 0x0fffffff);
    wr(&f, 0, LDR, 0x11u << 24);
    wr(&f, 1, LDR, 0x12u << 24);
    wr(&f, 2, LDR, 0x21u << 24);
    send_ipi(&f, 0, 0x13, ICR_LO_LOGICAL_FIXED(0x61));
    g_assert_cmpint(serve(&f, 0), ==, 0x61);
    g_assert_cmpint(serve(&f, 1), ==, 0x61);
    g_assert_cmpint(serve(&f, 2), ==, -1);
    send_ipi(&f, 0, 0x21, ICR_LO_LOGICAL_FIXED(0x62));
    g_assert_cmpint(serve(&f, 2), ==, 0x62);
    g_assert_cmpint(serve(&f, 0), ==, -1);
    send_ipi(&f, 0, 0xff, ICR_LO_LOGICAL_FIXED(0x63));   /* broadcast */
    for (int i = 0; i < NR_CPUS; i++) {
        g_assert_cmpint(serve(&f, i), ==, 0x63);
    }
    fixture_fini(&f);
}

static void test_ipi_lowest_priority(void)
{
    Fixture f;
    fixture_init(&f);
    enable_all(&f);
    for (int i = 0; i < NR_CPUS; i++) {
        wr(&f, i, LDR, (1u << i) << 24);
    }
    /* Lowest TPR wins. */
    wr(&f, 0, TPR, 0x40);
    wr(&f, 1, TPR, 0x20);
    wr(&f, 2, TPR, 0x30);
    apic_bus_deliver(f.bus, 0x7, true, APIC_DM_LOWEST, 0x70, true, false);
    g_assert_true(reg_bit(&f, 1, IRR, 0x70));
    g_assert_false(reg_bit(&f, 0, IRR, 0x70) || reg_bit(&f, 2, IRR, 0x70));
    /* Focus: the LAPIC that has the vector pending gets it again. */
    wr(&f, 1, TPR, 0xe0);
    apic_bus_deliver(f.bus, 0x7, true, APIC_DM_LOWEST, 0x70, true, false);
    g_assert_false(reg_bit(&f, 0, IRR, 0x70) || reg_bit(&f, 2, IRR, 0x70));
    /* Focus checking off (SVR bit 9): priority decides; a tie goes to the lowest ID. */
    for (int i = 0; i < NR_CPUS; i++) {
        wr(&f, i, SVR, 0x3ff);
        wr(&f, i, TPR, 0x30);
    }
    wr(&f, 1, TPR, 0x90);
    apic_bus_deliver(f.bus, 0x6, true, APIC_DM_LOWEST, 0x71, true, false);
    g_assert_true(reg_bit(&f, 2, IRR, 0x71));
    g_assert_cmpint(take(&f, 2), ==, 0x71);
    wr(&f, 2, EOI, 0);
    apic_bus_deliver(f.bus, 0x5, true, APIC_DM_LOWEST, 0x72, true, false);   /* 0 and 2 tie */
    g_assert_true(reg_bit(&f, 0, IRR, 0x72));
    g_assert_false(reg_bit(&f, 2, IRR, 0x72));
    /* Through the ICR, to everyone: 0 now arbitrates at its pending 0x72's class. */
    send_ipi(&f, 1, 0xff, 0x4173);
    g_assert_true(reg_bit(&f, 2, IRR, 0x73));
    g_assert_false(reg_bit(&f, 0, IRR, 0x73) || reg_bit(&f, 1, IRR, 0x73));
    fixture_fini(&f);
}

static void test_ipi_nmi_init_sipi(void)
{
    Fixture f;
    fixture_init(&f);
    enable_all(&f);
    send_ipi(&f, 0, 1, 0x4400);                    /* NMI */
    g_assert_true(lapic_nmi_pending(f.l[1]));
    g_assert_false(lapic_nmi_pending(f.l[2]));
    g_assert_cmpint(f.cpu[1].kicks, ==, 1);

    /* INIT assert: the target LAPIC resets (keeping its ID) and its CPU hears it. */
    wr(&f, 2, TPR, 0x50);
    wr(&f, 2, ID, 9u << 24);
    send_ipi(&f, 0, 9, 0xc500);                    /* INIT, level, assert */
    g_assert_cmpint(f.cpu[2].inits, ==, 1);
    g_assert_cmphex(rd(&f, 2, TPR), ==, 0);
    g_assert_cmphex(rd(&f, 2, SVR), ==, 0xff);
    g_assert_cmphex(rd(&f, 2, ID), ==, 9u << 24);
    g_assert_cmphex(lapic_get_base(f.l[2]), ==, 0xfee00800);
    /* INIT de-assert does nothing visible. */
    send_ipi(&f, 0, 0, (2u << 18) | 0x8500);
    g_assert_cmpint(f.cpu[0].inits + f.cpu[1].inits + f.cpu[2].inits, ==, 1);
    /* SIPI: vector passed through, even to a software-disabled LAPIC. */
    send_ipi(&f, 0, 9, 0x469a);
    g_assert_cmpint(f.cpu[2].sipis, ==, 1);
    g_assert_cmphex(f.cpu[2].sipi_vector, ==, 0x9a);
    /* INIT and SIPI to all but self, as Linux brings up APs. */
    send_ipi(&f, 0, 0, (3u << 18) | 0xc500);
    send_ipi(&f, 0, 0, (3u << 18) | 0x4608);
    g_assert_cmpint(f.cpu[0].inits, ==, 0);
    g_assert_cmpint(f.cpu[1].inits, ==, 1);
    g_assert_cmpint(f.cpu[1].sipis, ==, 1);
    g_assert_cmpint(f.cpu[1].sipi_vector, ==, 8);
    g_assert_cmpint(f.cpu[2].sipis, ==, 2);
    /* SMI: ignored. */
    send_ipi(&f, 0, 1, 0x4200);
    g_assert_cmpint(lapic_pending_vector(f.l[1]), ==, -1);
    fixture_fini(&f);
}

static void test_msi(void)
{
    Fixture f;
    fixture_init(&f);
    enable_all(&f);
    g_assert_true(apic_bus_deliver_msi(f.bus, 0xfee02000, 0x4033));    /* dest 2, fixed */
    g_assert_cmpint(take(&f, 2), ==, 0x33);
    g_assert_cmpint(take(&f, 0), ==, -1);
    g_assert_true(apic_bus_deliver_msi(f.bus, 0xfee01000, 0xc034));    /* level */
    g_assert_true(reg_bit(&f, 1, TMR, 0x34));
    g_assert_false(apic_bus_deliver_msi(f.bus, 0xfec00000, 0x35));
    fixture_fini(&f);
}

static void test_extint(void)
{
    Fixture f;
    fixture_init(&f);
    g_assert_true(lapic_extint_pending(f.l[0], true));   /* BSP virtual wire */
    g_assert_false(lapic_extint_pending(f.l[0], false));
    g_assert_false(lapic_extint_pending(f.l[1], true));  /* AP: LINT0 masked */
    sw_enable(&f, 0);
    wr(&f, 0, LVT_LINT0, 0x10700);
    g_assert_false(lapic_extint_pending(f.l[0], true));
    g_assert_true(lapic_set_base(f.l[1], 0xfee00000));  /* globally disabled: INTR passes */
    g_assert_true(lapic_extint_pending(f.l[1], true));
    g_assert_cmpint(lapic_pending_vector(f.l[1]), ==, -1);
    fixture_fini(&f);
}

/* ---- the timer ---- */

static void set_timer(Fixture *f, int cpu, uint32_t lvt, uint32_t divide, uint32_t count)
{
    wr(f, cpu, TDCR, divide);
    wr(f, cpu, LVT_TIMER, lvt);
    wr(f, cpu, TMICT, count);
}

static void advance(Fixture *f, int64_t ns)
{
    f->now += ns;
    apic_bus_run_timers(f->bus);
}

static void test_timer_oneshot(void)
{
    Fixture f;
    fixture_init(&f);
    sw_enable(&f, 0);
    set_timer(&f, 0, 0xec, 0xb, 1000);             /* divide by 1: 1 tick = 1 ns */
    g_assert_cmpuint(rd(&f, 0, TMCCT), ==, 1000);
    g_assert_cmpuint(rd(&f, 0, TMICT), ==, 1000);
    advance(&f, 400);
    g_assert_cmpuint(rd(&f, 0, TMCCT), ==, 600);
    g_assert_cmpint(lapic_pending_vector(f.l[0]), ==, -1);
    int kicks = f.cpu[0].kicks;
    advance(&f, 600);
    g_assert_cmpint(f.cpu[0].kicks, ==, kicks + 1);
    g_assert_cmpint(take(&f, 0), ==, 0xec);
    g_assert_cmpuint(rd(&f, 0, TMCCT), ==, 0);
    wr(&f, 0, EOI, 0);
    advance(&f, 100000);
    g_assert_cmpint(lapic_pending_vector(f.l[0]), ==, -1);   /* one shot only */
    /* Writing 0 stops a running count. */
    wr(&f, 0, TMICT, 500);
    wr(&f, 0, TMICT, 0);
    advance(&f, 1000);
    g_assert_cmpint(lapic_pending_vector(f.l[0]), ==, -1);
    fixture_fini(&f);
}

static void test_timer_periodic(void)
{
    Fixture f;
    fixture_init(&f);
    sw_enable(&f, 1);
    set_timer(&f, 1, 0x20000 | 0xd0, 0x0, 100000);   /* divide by 2: period 200 us */
    advance(&f, 150000);
    g_assert_cmpuint(rd(&f, 1, TMCCT), ==, 25000);
    advance(&f, 50000);
    g_assert_cmpint(take(&f, 1), ==, 0xd0);
    g_assert_cmpuint(rd(&f, 1, TMCCT), ==, 100000);  /* reloaded */
    wr(&f, 1, EOI, 0);
    advance(&f, 100000);
    g_assert_cmpuint(rd(&f, 1, TMCCT), ==, 50000);
    g_assert_cmpint(lapic_pending_vector(f.l[1]), ==, -1);
    /* Three periods late: one interrupt, the count in phase. */
    advance(&f, 3 * 200000);
    g_assert_cmpint(take(&f, 1), ==, 0xd0);
    g_assert_cmpint(lapic_pending_vector(f.l[1]), ==, -1);
    g_assert_cmpuint(rd(&f, 1, TMCCT), ==, 50000);
    wr(&f, 1, EOI, 0);
    /* Masked: no interrupt, but the count goes on. */
    wr(&f, 1, LVT_TIMER, 0x30000 | 0xd0);
    advance(&f, 200000);
    g_assert_cmpint(lapic_pending_vector(f.l[1]), ==, -1);
    g_assert_cmpuint(rd(&f, 1, TMCCT), ==, 50000);
    /* Back to one-shot: it stops at the end of this period. */
    wr(&f, 1, LVT_TIMER, 0xd0);
    advance(&f, 100000);
    g_assert_cmpint(take(&f, 1), ==, 0xd0);
    wr(&f, 1, EOI, 0);
    advance(&f, 400000);
    g_assert_cmpint(lapic_pending_vector(f.l[1]), ==, -1);
    g_assert_cmpuint(rd(&f, 1, TMCCT), ==, 0);
    fixture_fini(&f);
}

static void test_timer_periodic_floor(void)
{
    Fixture f;
    fixture_init(&f);
    sw_enable(&f, 0);
    set_timer(&f, 0, 0x20000 | 0xd1, 0xb, 10);     /* a 10 ns period is raised to 100 us */
    advance(&f, 50000);
    g_assert_cmpint(lapic_pending_vector(f.l[0]), ==, -1);
    advance(&f, 50000);
    g_assert_cmpint(take(&f, 0), ==, 0xd1);
    fixture_fini(&f);
}

static void test_timer_divide(void)
{
    static const struct { uint32_t tdcr; int divisor; } table[] = {
        { 0x0, 2 }, { 0x1, 4 }, { 0x2, 8 }, { 0x3, 16 },
        { 0x8, 32 }, { 0x9, 64 }, { 0xa, 128 }, { 0xb, 1 },
    };
    Fixture f;
    fixture_init(&f);
    sw_enable(&f, 0);
    for (size_t i = 0; i < G_N_ELEMENTS(table); i++) {
        set_timer(&f, 0, 0xe0, table[i].tdcr, 100000);
        g_assert_cmphex(rd(&f, 0, TDCR), ==, table[i].tdcr);
        advance(&f, 1000LL * table[i].divisor);    /* 1000 ticks */
        g_assert_cmpuint(rd(&f, 0, TMCCT), ==, 99000);
    }
    /* A new divisor mid-count: the remaining ticks go on at the new rate. */
    set_timer(&f, 0, 0xe0, 0xb, 1000);
    advance(&f, 500);
    wr(&f, 0, TDCR, 0x1);                          /* divide by 4 */
    g_assert_cmpuint(rd(&f, 0, TMCCT), ==, 500);
    advance(&f, 1000);
    g_assert_cmpuint(rd(&f, 0, TMCCT), ==, 250);
    advance(&f, 1000);
    g_assert_cmpint(take(&f, 0), ==, 0xe0);
    fixture_fini(&f);
}

static void test_timer_tsc_deadline(void)
{
    Fixture f;
    fixture_init(&f);
    sw_enable(&f, 0);
    uint64_t v = 1;
    /* Outside TSC-deadline mode the MSR reads 0 and ignores writes. */
    g_assert_true(lapic_msr_write(f.l[0], MSR_TSC_DEADLINE, 12345));
    g_assert_true(lapic_msr_read(f.l[0], MSR_TSC_DEADLINE, &v));
    g_assert_cmpuint(v, ==, 0);

    wr(&f, 0, LVT_TIMER, 0x40000 | 0xef);
    wr(&f, 0, TMICT, 1000);                        /* ignored in this mode */
    g_assert_cmpuint(rd(&f, 0, TMICT), ==, 0);
    uint64_t tsc = fake_read_tsc(&f.cpu[0]);
    g_assert_true(lapic_msr_write(f.l[0], MSR_TSC_DEADLINE, tsc + 2000));   /* 1 us at 2 GHz */
    g_assert_true(lapic_msr_read(f.l[0], MSR_TSC_DEADLINE, &v));
    g_assert_cmpuint(v, ==, tsc + 2000);
    g_assert_cmpuint(rd(&f, 0, TMCCT), ==, 0);
    advance(&f, 999);
    g_assert_cmpint(lapic_pending_vector(f.l[0]), ==, -1);
    advance(&f, 1);
    g_assert_cmpint(take(&f, 0), ==, 0xef);
    g_assert_true(lapic_msr_read(f.l[0], MSR_TSC_DEADLINE, &v));
    g_assert_cmpuint(v, ==, 0);                    /* disarmed */
    wr(&f, 0, EOI, 0);

    /* A deadline already passed fires at once; 0 disarms. */
    g_assert_true(lapic_msr_write(f.l[0], MSR_TSC_DEADLINE, 1));
    g_assert_cmpint(take(&f, 0), ==, 0xef);
    wr(&f, 0, EOI, 0);
    g_assert_true(lapic_msr_write(f.l[0], MSR_TSC_DEADLINE, fake_read_tsc(&f.cpu[0]) + 100));
    g_assert_true(lapic_msr_write(f.l[0], MSR_TSC_DEADLINE, 0));
    advance(&f, 1000);
    g_assert_cmpint(lapic_pending_vector(f.l[0]), ==, -1);

    /* Leaving the mode disarms; a far deadline does not overflow. */
    g_assert_true(lapic_msr_write(f.l[0], MSR_TSC_DEADLINE, ~0ull));
    advance(&f, 1000000000);
    g_assert_cmpint(lapic_pending_vector(f.l[0]), ==, -1);
    wr(&f, 0, LVT_TIMER, 0xef);
    g_assert_true(lapic_msr_read(f.l[0], MSR_TSC_DEADLINE, &v));
    g_assert_cmpuint(v, ==, 0);
    wr(&f, 0, LVT_TIMER, 0x40000 | 0xef);
    g_assert_true(lapic_msr_read(f.l[0], MSR_TSC_DEADLINE, &v));
    g_assert_cmpuint(v, ==, 0);
    fixture_fini(&f);
}

/* The real path: host clock, the GLib timeout on the default main context, the device lock. */
static gboolean give_up(gpointer flag)
{
    *(bool *)flag = true;
    return G_SOURCE_REMOVE;
}

static void test_timer_glib_timeout(void)
{
    Fixture f;
    fixture_init(&f);
    apic_bus_set_clock(f.bus, NULL, NULL);         /* back to CLOCK_MONOTONIC */
    sw_enable(&f, 1);
    set_timer(&f, 1, 0xe7, 0xb, 2000000);          /* 2 ms */
    g_assert_cmpuint(rd(&f, 1, TMCCT), >, 0);
    gint64 start = g_get_monotonic_time();
    bool timed_out = false;
    guint guard = g_timeout_add(5000, give_up, &timed_out);
    while (f.cpu[1].kicks == 0 && !timed_out) {
        g_main_context_iteration(NULL, TRUE);
    }
    g_assert_false(timed_out);
    g_source_remove(guard);
    g_assert_cmpint(g_get_monotonic_time() - start, >=, 2000);
    g_assert_cmpint(lapic_pending_vector(f.l[1]), ==, 0xe7);
    g_assert_cmpuint(rd(&f, 1, TMCCT), ==, 0);
    fixture_fini(&f);
}

/* ---- x2APIC ---- */

static void test_x2apic_transitions(void)
{
    Fixture f;
    fixture_init(&f);
    Lapic *l = f.l[1];
    g_assert_false(lapic_set_base(l, 0xfee00000 | APIC_BASE_EXTD));       /* EXTD without EN */
    g_assert_false(lapic_set_base(l, 0xfee00000 | APIC_BASE_EN | 1));     /* reserved bit */
    g_assert_true(lapic_set_base(l, 0xfee00000 | APIC_BASE_EN | APIC_BASE_EXTD));
    g_assert_cmphex(lapic_get_base(l), ==, 0xfee00c00);
    g_assert_false(lapic_set_base(l, 0xfee00000 | APIC_BASE_EN));         /* x2APIC -> xAPIC */
    g_assert_cmphex(lapic_get_base(l), ==, 0xfee00c00);
    g_assert_true(lapic_set_base(l, 0xfee00000));                          /* -> disabled */
    g_assert_false(lapic_set_base(l, 0xfee00000 | APIC_BASE_EN | APIC_BASE_EXTD));
    g_assert_true(lapic_set_base(l, 0xfee00000 | APIC_BASE_EN));          /* -> xAPIC */
    g_assert_cmphex(rd(&f, 1, ID), ==, 1u << 24);
    /* The BSP flag is the hardware's. */
    g_assert_true(lapic_set_base(f.l[0], 0xfee00000 | APIC_BASE_EN));
    g_assert_cmphex(lapic_get_base(f.l[0]), ==, 0xfee00900);
    g_assert_true(lapic_set_base(l, 0xfee00000 | APIC_BASE_EN | APIC_BASE_BSP));
    g_assert_cmphex(lapic_get_base(l), ==, 0xfee00800);

    /* Disabling loses state; a disabled LAPIC takes no messages and has no MMIO. */
    sw_enable(&f, 1);
    wr(&f, 1, TPR, 0x20);
    g_assert_true(lapic_set_base(l, 0xfee00000));
    apic_bus_deliver(f.bus, 1, false, APIC_DM_NMI, 0, true, false);
    g_assert_false(lapic_nmi_pending(l));
    g_assert_cmphex(rd(&f, 1, TPR), ==, 0xffffffff);
    g_assert_true(lapic_set_base(l, 0xfee00000 | APIC_BASE_EN));
    g_assert_cmphex(rd(&f, 1, TPR), ==, 0);
    g_assert_cmphex(rd(&f, 1, SVR), ==, 0xff);
    fixture_fini(&f);
}

static uint64_t msr(Lapic *l, uint32_t index)
{
    uint64_t v = 0xdeadbeef;
    g_assert_true(lapic_msr_read(l, index, &v));
    return v;
}

static void to_x2apic(Fixture *f, int cpu)
{
    g_assert_true(lapic_set_base(f->l[cpu], 0xfee00000 | APIC_BASE_EN | APIC_BASE_EXTD));
    g_assert_true(lapic_msr_write(f->l[cpu], X2(SVR), 0x1ff));
}

static void test_x2apic_msrs(void)
{
    Fixture f;
    fixture_init(&f);
    uint64_t v;
    /* Not in x2APIC mode: #GP. */
    g_assert_false(lapic_msr_read(f.l[2], X2(VERSION), &v));
    g_assert_false(lapic_msr_write(f.l[2], X2(TPR), 0));
    g_assert_false(lapic_msr_read(f.l[2], 0x10, &v));      /* not an APIC MSR at all */

    for (int i = 0; i < NR_CPUS; i++) {
        to_x2apic(&f, i);
    }
    Lapic *l = f.l[2];
    g_assert_cmphex(msr(l, X2(ID)), ==, 2);
    g_assert_cmphex(msr(l, X2(VERSION)), ==, 0x50014);
    g_assert_cmphex(msr(l, X2(LDR)), ==, 0x4);              /* cluster 0, bit 2 */
    g_assert_cmphex(msr(l, X2(SVR)), ==, 0x1ff);
    g_assert_true(lapic_msr_write(l, X2(TPR), 0x70));
    g_assert_cmphex(msr(l, X2(TPR)), ==, 0x70);
    g_assert_cmpint(lapic_get_tpr(l), ==, 7);
    g_assert_true(lapic_msr_write(l, X2(TPR), 0));

    /* Registers x2APIC lacks, read-only ones, reserved bits: #GP. */
    g_assert_false(lapic_msr_read(l, X2(DFR), &v));
    g_assert_false(lapic_msr_read(l, X2(APR), &v));
    g_assert_false(lapic_msr_read(l, X2(ICR_HI), &v));
    g_assert_false(lapic_msr_read(l, X2(EOI), &v));
    g_assert_false(lapic_msr_write(l, X2(ID), 5));
    g_assert_false(lapic_msr_write(l, X2(LDR), 5));
    g_assert_false(lapic_msr_write(l, X2(PPR), 0));
    g_assert_false(lapic_msr_write(l, X2(TMCCT), 0));
    g_assert_false(lapic_msr_write(l, X2(TPR), 0x100));
    g_assert_false(lapic_msr_write(l, X2(TPR), 1ull << 32));
    g_assert_false(lapic_msr_write(l, X2(EOI), 1));
    g_assert_false(lapic_msr_write(l, X2(ESR), 1));
    g_assert_false(lapic_msr_write(l, X2(TDCR), 0x10));
    g_assert_false(lapic_msr_read(l, MSR_SELF_IPI, &v));
    g_assert_false(lapic_msr_write(l, 0x8ff, 0));
    /* Status bits read back from an LVT may be written back. */
    g_assert_true(lapic_msr_write(l, X2(LVT_LINT1), 0x1000 | 0x400));
    g_assert_cmphex(msr(l, X2(LVT_LINT1)), ==, 0x400);
    /* xAPIC MMIO is gone in x2APIC mode. */
    g_assert_cmphex(rd(&f, 2, VERSION), ==, 0xffffffff);

    /* ICR: one 64-bit write, 32-bit destination. */
    g_assert_true(lapic_msr_write(f.l[0], X2(ICR_LO), (1ull << 32) | 0x4055));
    g_assert_cmphex(msr(f.l[0], X2(ICR_LO)), ==, (1ull << 32) | 0x4055);
    g_assert_cmpint(serve(&f, 1), ==, 0x55);
    g_assert_false(lapic_msr_write(f.l[0], X2(ICR_LO), 1ull << 20));
    /* 0xff is an ordinary ID in x2APIC mode; 0xffffffff is broadcast. */
    g_assert_true(lapic_msr_write(f.l[0], X2(ICR_LO), (0xffull << 32) | 0x4056));
    for (int i = 0; i < NR_CPUS; i++) {
        g_assert_cmpint(lapic_pending_vector(f.l[i]), ==, -1);
    }
    g_assert_true(lapic_msr_write(f.l[0], X2(ICR_LO), (0xffffffffull << 32) | 0x4057));
    for (int i = 0; i < NR_CPUS; i++) {
        g_assert_cmpint(serve(&f, i), ==, 0x57);
    }
    /* Logical: cluster 0, members 0 and 2. */
    g_assert_true(lapic_msr_write(f.l[0], X2(ICR_LO), (0x5ull << 32) | 0x4858));
    g_assert_cmpint(serve(&f, 0), ==, 0x58);
    g_assert_cmpint(serve(&f, 1), ==, -1);
    g_assert_cmpint(serve(&f, 2), ==, 0x58);

    /* SELF IPI, then EOI (must write 0) retires it; ISR/IRR are readable. */
    g_assert_true(lapic_msr_write(l, MSR_SELF_IPI, 0x99));
    g_assert_cmphex(msr(l, X2(IRR) + 4), ==, 1u << (0x99 - 0x80));
    g_assert_cmpint(take(&f, 2), ==, 0x99);
    g_assert_cmphex(msr(l, X2(ISR) + 4), ==, 1u << (0x99 - 0x80));
    g_assert_true(lapic_msr_write(l, X2(EOI), 0));
    g_assert_cmphex(msr(l, X2(ISR) + 4), ==, 0);
    g_assert_true(lapic_msr_write(l, MSR_SELF_IPI, 0x9));  /* illegal vector */
    g_assert_true(lapic_msr_write(l, X2(ESR), 0));
    g_assert_cmphex(msr(l, X2(ESR)), ==, 0x20);

    /* The timer through MSRs. */
    g_assert_true(lapic_msr_write(l, X2(TDCR), 0xb));
    g_assert_true(lapic_msr_write(l, X2(LVT_TIMER), 0xe5));
    g_assert_true(lapic_msr_write(l, X2(TMICT), 300));
    f.now += 100;
    g_assert_cmpuint(msr(l, X2(TMCCT)), ==, 200);
    fixture_fini(&f);
}

static void test_x2apic_large_id(void)
{
    Fixture f;
    fixture_init(&f);
    FakeCpu cpu = { .f = &f };
    Lapic *big = lapic_new(f.bus, 0x123, &fake_ops, &cpu);
    g_assert_true(lapic_set_base(big, 0xfee00000 | APIC_BASE_EN | APIC_BASE_EXTD));
    g_assert_true(lapic_msr_write(big, X2(SVR), 0x1ff));
    g_assert_cmphex(msr(big, X2(ID)), ==, 0x123);
    g_assert_cmphex(msr(big, X2(LDR)), ==, (0x12u << 16) | (1u << 3));
    to_x2apic(&f, 0);
    g_assert_true(lapic_msr_write(f.l[0], X2(ICR_LO), (0x123ull << 32) | 0x4066));
    g_assert_cmpint(take(&f, 0), ==, -1);
    int v = lapic_pending_vector(big);
    g_assert_cmpint(v, ==, 0x66);
    g_assert_true(lapic_msr_write(f.l[0], X2(ICR_LO), (0x120008ull << 32) | 0x4867));
    g_assert_cmpint(lapic_pending_vector(big), ==, 0x67);
    g_assert_cmpint(cpu.kicks, ==, 2);
    lapic_free(big);
    fixture_fini(&f);
}

static void test_reset(void)
{
    Fixture f;
    fixture_init(&f);
    to_x2apic(&f, 1);
    g_assert_true(lapic_msr_write(f.l[1], X2(TPR), 0x30));
    lapic_reset(f.l[1]);
    g_assert_cmphex(lapic_get_base(f.l[1]), ==, 0xfee00800);
    g_assert_cmphex(rd(&f, 1, TPR), ==, 0);
    g_assert_cmphex(rd(&f, 1, ID), ==, 1u << 24);
    fixture_fini(&f);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/apic/reset-state", test_reset_state);
    g_test_add_func("/apic/priority", test_priority);
    g_test_add_func("/apic/apr", test_apr);
    g_test_add_func("/apic/eoi-level-broadcast", test_eoi_level_broadcast);
    g_test_add_func("/apic/software-disabled", test_software_disabled);
    g_test_add_func("/apic/errors", test_errors);
    g_test_add_func("/apic/mmio-without-lapic", test_mmio_without_lapic);
    g_test_add_func("/apic/ipi/fixed-physical", test_ipi_fixed_physical);
    g_test_add_func("/apic/ipi/shorthands", test_ipi_shorthands);
    g_test_add_func("/apic/ipi/logical", test_ipi_logical);
    g_test_add_func("/apic/ipi/lowest-priority", test_ipi_lowest_priority);
    g_test_add_func("/apic/ipi/nmi-init-sipi-smi", test_ipi_nmi_init_sipi);
    g_test_add_func("/apic/msi", test_msi);
    g_test_add_func("/apic/extint", test_extint);
    g_test_add_func("/apic/timer/one-shot", test_timer_oneshot);
    g_test_add_func("/apic/timer/periodic", test_timer_periodic);
    g_test_add_func("/apic/timer/periodic-floor", test_timer_periodic_floor);
    g_test_add_func("/apic/timer/divide", test_timer_divide);
    g_test_add_func("/apic/timer/tsc-deadline", test_timer_tsc_deadline);
    g_test_add_func("/apic/timer/glib-timeout", test_timer_glib_timeout);
    g_test_add_func("/apic/x2apic/transitions", test_x2apic_transitions);
    g_test_add_func("/apic/x2apic/msrs", test_x2apic_msrs);
    g_test_add_func("/apic/x2apic/large-id", test_x2apic_large_id);
    g_test_add_func("/apic/reset", test_reset);
    return g_test_run();
}
