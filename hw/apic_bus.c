/* The APIC bus: message delivery between LAPICs, IOAPIC and MSIs, the xAPIC MMIO page, the clock. */
#include <assert.h>
#include <stdlib.h>
#include <time.h>

#include "hw/apic_internal.h"
#include "ui/log.h"

/*
 * Source: Intel SDM vol. 3A 10.6 (issuing interrupts: destinations,
 * shorthands, lowest priority), 10.11 (MSIs), 10.12.10 (x2APIC
 * destinations).  A message reaches its LAPICs at once; there is no bus
 * arbitration to model.  The xAPIC page is one MMIO region shared by every
 * LAPIC: an access goes to the calling thread's own LAPIC, as each CPU sees
 * only its own at 0xfee00000.
 */

static __thread Lapic *current_lapic;

int64_t apic_bus_now(const ApicBus *bus)
{
    return bus->now_ns(bus->clock_opaque);
}

/* ---- destinations (SDM 10.6.2, 10.12.10) ---- */

static bool lapic_logical_match(const Lapic *l, uint32_t dest)
{
    if (lapic_is_x2apic(l)) {
        uint32_t ldr = x2apic_ldr(l);
        return (dest >> 16) == (ldr >> 16) && (dest & ldr & 0xffff) != 0;
    }
    if (dest > 0xff) {
        return false;
    }
    uint32_t logical_id = l->ldr >> 24;
    switch (l->dfr >> 28) {
    case 0xf:                                          /* flat: a bit per LAPIC */
        return (logical_id & dest) != 0;
    case 0x0:                                          /* cluster: 4-bit cluster, 4 members */
        return (logical_id >> 4) == (dest >> 4) && (logical_id & dest & 0xf) != 0;
    default:
        log_mask(LOG_GUEST_ERROR, "apic %u: DFR model 0x%x is reserved\n", l->initial_id,
                 l->dfr >> 28);
        return false;
    }
}

static bool lapic_selected(const Lapic *l, const Lapic *sender, unsigned shorthand,
                           uint32_t dest, bool logical)
{
    if (!lapic_hw_enabled(l)) {
        return false;
    }
    switch (shorthand) {
    case SHORTHAND_SELF: return l == sender;
    case SHORTHAND_ALL: return true;
    case SHORTHAND_OTHERS: return l != sender;
    default: break;
    }
    if (dest == APIC_BROADCAST) {
        return true;
    }
    return logical ? lapic_logical_match(l, dest) : lapic_physical_id(l) == dest;
}

/*
 * Lowest-priority delivery (SDM 10.6.2.4), made deterministic: the focus
 * processor (the vector already in its IRR or ISR) if focus checking is on,
 * else the lowest arbitration priority, ties to the lowest APIC ID.
 */
static Lapic *apic_bus_pick_lowest(ApicBus *bus, const Lapic *sender, unsigned shorthand,
                                   uint32_t dest, bool logical, uint8_t vector)
{
    Lapic *best = NULL;
    for (int i = 0; i < bus->nr_lapics; i++) {
        Lapic *l = bus->lapics[i];
        if (!lapic_selected(l, sender, shorthand, dest, logical) || !lapic_sw_enabled(l)) {
            continue;
        }
        if (!(l->svr & SVR_NO_FOCUS) && (vec_test(l->irr, vector) || vec_test(l->isr, vector))) {
            return l;
        }
        if (!best) {
            best = l;
            continue;
        }
        uint32_t apr = lapic_apr(l), best_apr = lapic_apr(best);
        if (apr < best_apr || (apr == best_apr && lapic_physical_id(l) < lapic_physical_id(best))) {
            best = l;
        }
    }
    return best;
}

void apic_bus_send(ApicBus *bus, Lapic *sender, unsigned shorthand, uint32_t dest, bool logical,
                   unsigned mode, uint8_t vector, bool level, bool trigger_level)
{
    if (mode == APIC_DM_INIT && !level && trigger_level) {
        return;                          /* INIT level de-assert: nothing to model */
    }
    if (mode == APIC_DM_LOWEST) {
        Lapic *l = apic_bus_pick_lowest(bus, sender, shorthand, dest, logical, vector);
        if (l) {
            lapic_receive(l, mode, vector, level, trigger_level);
        }
        return;
    }
    for (int i = 0; i < bus->nr_lapics; i++) {
        Lapic *l = bus->lapics[i];
        if (lapic_selected(l, sender, shorthand, dest, logical)) {
            lapic_receive(l, mode, vector, level, trigger_level);
        }
    }
}

void apic_bus_deliver(ApicBus *bus, uint32_t dest, bool dest_logical, unsigned delivery_mode,
                      uint8_t vector, bool level, bool trigger_level)
{
    apic_bus_send(bus, NULL, SHORTHAND_NONE, dest, dest_logical, delivery_mode, vector, level,
                  trigger_level);
}

/* SDM 10.11.1 (address: bits 19:12 destination, bit 2 logical) and 10.11.2 (data). */
bool apic_bus_deliver_msi(ApicBus *bus, uint64_t addr, uint32_t data)
{
    if ((addr & ~0xfffffull) != APIC_DEFAULT_BASE) {
        log_mask(LOG_GUEST_ERROR, "apic: MSI to 0x%llx, outside 0xfee00000-0xfeefffff\n",
                 (unsigned long long)addr);
        return false;
    }
    uint32_t dest = (addr >> 12) & 0xff;
    apic_bus_deliver(bus, dest == 0xff ? APIC_BROADCAST : dest, (addr >> 2) & 1,
                     (data >> 8) & 7, data & 0xff, (data >> 14) & 1, (data >> 15) & 1);
    return true;
}

void apic_bus_broadcast_eoi(ApicBus *bus, uint8_t vector)
{
    for (int i = 0; i < bus->nr_eoi; i++) {
        bus->eoi[i].eoi(bus->eoi[i].opaque, vector);
    }
}

void apic_bus_run_timers(ApicBus *bus)
{
    for (int i = 0; i < bus->nr_lapics; i++) {
        lapic_timer_check(bus->lapics[i]);
    }
}

/* ---- the xAPIC MMIO page ---- */

static Lapic *apic_mmio_target(ApicBus *bus, uint64_t offset, bool is_write)
{
    Lapic *l = current_lapic;
    const char *what = is_write ? "write" : "read";
    if (!l || l->bus != bus) {
        log_mask(LOG_GUEST_ERROR, "apic: %s at 0x%llx from a thread without a LAPIC\n", what,
                 (unsigned long long)offset);
        return NULL;
    }
    if (!lapic_hw_enabled(l) || lapic_is_x2apic(l)) {
        log_mask(LOG_GUEST_ERROR, "apic %u: xAPIC %s at 0x%llx while %s\n", l->initial_id, what,
                 (unsigned long long)offset,
                 lapic_is_x2apic(l) ? "in x2APIC mode" : "globally disabled");
        return NULL;
    }
    return l;
}

static uint64_t apic_mmio_read(void *opaque, uint64_t offset, unsigned size)
{
    Lapic *l = apic_mmio_target(opaque, offset, false);
    return l ? lapic_mmio_read(l, offset, size) : ~0ull;
}

static void apic_mmio_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    Lapic *l = apic_mmio_target(opaque, offset, true);
    if (l) {
        lapic_mmio_write(l, offset, value, size);
    }
}

static const MemoryRegionOps apic_mmio_ops = {
    .read = apic_mmio_read,
    .write = apic_mmio_write,
    .valid_min = 1,
    .valid_max = 8,
};

/* ---- life cycle ---- */

void apic_bus_attach(ApicBus *bus, Lapic *l)
{
    if (bus->nr_lapics == bus->capacity) {
        bus->capacity = bus->capacity ? bus->capacity * 2 : 4;
        bus->lapics = realloc(bus->lapics, bus->capacity * sizeof(*bus->lapics));
        assert(bus->lapics);
    }
    bus->lapics[bus->nr_lapics++] = l;
}

void apic_bus_detach(ApicBus *bus, Lapic *l)
{
    for (int i = 0; i < bus->nr_lapics; i++) {
        if (bus->lapics[i] == l) {
            bus->lapics[i] = bus->lapics[--bus->nr_lapics];
            break;
        }
    }
    if (current_lapic == l) {
        current_lapic = NULL;
    }
}

void apic_bus_set_current(Lapic *l)
{
    current_lapic = l;
}

static int64_t host_monotonic_ns(void *opaque)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

ApicBus *apic_bus_new(AddressSpace *mem)
{
    ApicBus *bus = calloc(1, sizeof(*bus));
    assert(bus);
    bus->now_ns = host_monotonic_ns;
    int r = address_space_add_io(mem, "lapic", APIC_DEFAULT_BASE, APIC_MMIO_SIZE, &apic_mmio_ops,
                                 bus);
    assert(r == 0);
    (void)r;
    return bus;
}

void apic_bus_free(ApicBus *bus)
{
    if (!bus) {
        return;
    }
    assert(bus->nr_lapics == 0);
    free(bus->lapics);
    free(bus);
}

void apic_bus_set_clock(ApicBus *bus, int64_t (*now_ns)(void *opaque), void *opaque)
{
    bus->now_ns = now_ns ? now_ns : host_monotonic_ns;
    bus->clock_opaque = opaque;
}

void apic_bus_add_eoi_listener(ApicBus *bus, void (*eoi)(void *opaque, uint8_t vector),
                               void *opaque)
{
    assert(bus->nr_eoi < (int)G_N_ELEMENTS(bus->eoi));
    bus->eoi[bus->nr_eoi++] = (EoiListener){ eoi, opaque };
}

void apic_bus_remove_eoi_listener(ApicBus *bus, void (*eoi)(void *opaque, uint8_t vector),
                                  void *opaque)
{
    for (int i = 0; i < bus->nr_eoi; i++) {
        if (bus->eoi[i].eoi == eoi && bus->eoi[i].opaque == opaque) {
            bus->eoi[i] = bus->eoi[--bus->nr_eoi];
            return;
        }
    }
}
