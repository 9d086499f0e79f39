/* I/O APIC: IOREGSEL/IOWIN, the redirection table, edge and level pins, remote IRR and EOI. */
#include "hw/ioapic.h"

#include <assert.h>
#include <stdbool.h>
#include <stdlib.h>

#include "ui/log.h"

/*
 * Source: Intel 82093AA I/O APIC datasheet (section 3: register
 * description), and the version-0x11 behaviour PCs have (no EOI register:
 * the LAPICs broadcast EOIs of level-triggered vectors, SDM vol. 3A 10.8.5).
 *
 * Messages are delivered the moment the pin changes, so the delivery status
 * bit always reads idle.  An edge on a masked pin is lost, as on the chip.
 * A level-triggered fixed or lowest-priority interrupt sets remote IRR and
 * is not sent again until the EOI; if the pin is still asserted then, it is
 * sent again.
 */

#define IOAPIC_MMIO_SIZE   0x1000
#define IOAPIC_REGSEL      0x00
#define IOAPIC_WINDOW      0x10
#define IOAPIC_VERSION     0x00170011u   /* version 0x11, maximum redirection entry 23 */

/* Register indexes (datasheet 3.2). */
enum { IOAPIC_REG_ID = 0x00, IOAPIC_REG_VERSION = 0x01, IOAPIC_REG_ARB = 0x02,
       IOAPIC_REG_REDIR = 0x10 };

/* Redirection entry bits (datasheet 3.2.4). */
#define REDIR_VECTOR        0xffull
#define REDIR_MODE(e)       (((e) >> 8) & 7)
#define REDIR_LOGICAL       (1ull << 11)
#define REDIR_PENDING       (1ull << 12)
#define REDIR_POLARITY_LOW  (1ull << 13)
#define REDIR_REMOTE_IRR    (1ull << 14)
#define REDIR_LEVEL         (1ull << 15)
#define REDIR_MASKED        (1ull << 16)
#define REDIR_DEST(e)       ((uint32_t)((e) >> 56))
#define REDIR_WRITABLE_LO   (0x7ffull | REDIR_LOGICAL | REDIR_POLARITY_LOW | REDIR_LEVEL | REDIR_MASKED)
#define REDIR_WRITABLE_HI   0xff000000ull

struct IoApic {
    ApicBus *bus;
    uint8_t reset_id;
    uint32_t id;                   /* ID register: ID in bits 27:24 */
    uint32_t regsel;
    uint64_t redir[IOAPIC_NR_PINS];
    uint32_t pin_levels;           /* bit n: pin n asserted */
};

static bool pin_asserted(const IoApic *io, int pin)
{
    return (io->pin_levels >> pin) & 1;
}

static bool entry_sets_remote_irr(uint64_t e)
{
    unsigned mode = REDIR_MODE(e);
    return (e & REDIR_LEVEL) && (mode == APIC_DM_FIXED || mode == APIC_DM_LOWEST);
}

/* Send pin's message to the LAPICs. */
static void ioapic_deliver(IoApic *io, int pin)
{
    uint64_t e = io->redir[pin];
    unsigned mode = REDIR_MODE(e);
    if (mode == 3 || mode == APIC_DM_SIPI) {
        log_mask(LOG_GUEST_ERROR, "ioapic: pin %d: reserved delivery mode %u\n", pin, mode);
        return;
    }
    if (entry_sets_remote_irr(e)) {
        io->redir[pin] |= REDIR_REMOTE_IRR;
    }
    uint32_t dest = REDIR_DEST(e);
    apic_bus_deliver(io->bus, dest == 0xff ? APIC_BROADCAST : dest, (e & REDIR_LOGICAL) != 0,
                     mode, (uint8_t)(e & REDIR_VECTOR), true, (e & REDIR_LEVEL) != 0);
}

/* A level-triggered pin that is asserted, unmasked and not awaiting EOI interrupts (again). */
static void ioapic_service_level(IoApic *io, int pin)
{
    uint64_t e = io->redir[pin];
    if ((e & REDIR_LEVEL) && pin_asserted(io, pin) && !(e & REDIR_MASKED) &&
        !(e & REDIR_REMOTE_IRR)) {
        ioapic_deliver(io, pin);
    }
}

void ioapic_set_irq(void *opaque, int pin, int level)
{
    IoApic *io = opaque;
    if (pin < 0 || pin >= IOAPIC_NR_PINS) {
        log_mask(LOG_GUEST_ERROR, "ioapic: no pin %d\n", pin);
        return;
    }
    bool was = pin_asserted(io, pin);
    if (level) {
        io->pin_levels |= 1u << pin;
    } else {
        io->pin_levels &= ~(1u << pin);
    }
    uint64_t e = io->redir[pin];
    if (e & REDIR_LEVEL) {
        ioapic_service_level(io, pin);
    } else if (level && !was && !(e & REDIR_MASKED)) {
        ioapic_deliver(io, pin);
    }
}

void ioapic_eoi(IoApic *io, uint8_t vector)
{
    for (int pin = 0; pin < IOAPIC_NR_PINS; pin++) {
        uint64_t e = io->redir[pin];
        if ((e & REDIR_VECTOR) == vector && (e & REDIR_REMOTE_IRR)) {
            io->redir[pin] &= ~REDIR_REMOTE_IRR;
            ioapic_service_level(io, pin);
        }
    }
}

static void ioapic_eoi_listener(void *opaque, uint8_t vector)
{
    ioapic_eoi(opaque, vector);
}

/* ---- registers ---- */

static uint32_t ioapic_reg_read(IoApic *io, uint32_t index)
{
    switch (index) {
    case IOAPIC_REG_ID:
    case IOAPIC_REG_ARB:                 /* the arbitration ID follows the ID */
        return io->id;
    case IOAPIC_REG_VERSION:
        return IOAPIC_VERSION;
    default:
        break;
    }
    if (index >= IOAPIC_REG_REDIR && index < IOAPIC_REG_REDIR + 2 * IOAPIC_NR_PINS) {
        uint64_t e = io->redir[(index - IOAPIC_REG_REDIR) / 2];
        return (index & 1) ? (uint32_t)(e >> 32) : (uint32_t)e;
    }
    log_mask(LOG_GUEST_ERROR, "ioapic: read of reserved register 0x%x\n", index);
    return 0;
}

static void ioapic_write_redir(IoApic *io, uint32_t index, uint32_t value)
{
    int pin = (index - IOAPIC_REG_REDIR) / 2;
    uint64_t e = io->redir[pin];
    if (index & 1) {
        e = (e & 0xffffffffull) | (((uint64_t)value << 32) & (REDIR_WRITABLE_HI << 32));
    } else {
        e = (e & ~REDIR_WRITABLE_LO) | (value & REDIR_WRITABLE_LO);
    }
    if (!(e & REDIR_LEVEL)) {
        e &= ~REDIR_REMOTE_IRR;          /* edge-triggered entries have no remote IRR */
    }
    io->redir[pin] = e;
    ioapic_service_level(io, pin);       /* unmasking an asserted level pin interrupts */
}

static void ioapic_reg_write(IoApic *io, uint32_t index, uint32_t value)
{
    if (index == IOAPIC_REG_ID) {
        io->id = value & 0x0f000000u;
    } else if (index >= IOAPIC_REG_REDIR && index < IOAPIC_REG_REDIR + 2 * IOAPIC_NR_PINS) {
        ioapic_write_redir(io, index, value);
    } else if (index == IOAPIC_REG_VERSION || index == IOAPIC_REG_ARB) {
        log_mask(LOG_GUEST_ERROR, "ioapic: write to read-only register 0x%x ignored\n", index);
    } else {
        log_mask(LOG_GUEST_ERROR, "ioapic: write to reserved register 0x%x ignored\n", index);
    }
}

static uint64_t ioapic_mmio_read(void *opaque, uint64_t offset, unsigned size)
{
    IoApic *io = opaque;
    switch (offset) {
    case IOAPIC_REGSEL:
        return io->regsel;
    case IOAPIC_WINDOW:
        return ioapic_reg_read(io, io->regsel);
    default:
        log_mask(LOG_GUEST_ERROR, "ioapic: %u-byte read at offset 0x%llx\n", size,
                 (unsigned long long)offset);
        return 0;
    }
}

static void ioapic_mmio_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    IoApic *io = opaque;
    if (offset == IOAPIC_REGSEL) {
        io->regsel = (uint32_t)value & 0xff;
    } else if (offset == IOAPIC_WINDOW && size == 4) {
        ioapic_reg_write(io, io->regsel, (uint32_t)value);
    } else {
        log_mask(LOG_GUEST_ERROR, "ioapic: %u-byte write at offset 0x%llx ignored\n", size,
                 (unsigned long long)offset);
    }
}

static const MemoryRegionOps ioapic_mmio_ops = {
    .read = ioapic_mmio_read,
    .write = ioapic_mmio_write,
    .valid_min = 1,
    .valid_max = 4,
};

/* ---- life cycle ---- */

void ioapic_reset(IoApic *io)
{
    io->id = (uint32_t)(io->reset_id & 0xf) << 24;
    io->regsel = 0;
    for (int pin = 0; pin < IOAPIC_NR_PINS; pin++) {
        io->redir[pin] = REDIR_MASKED;
    }
}

IoApic *ioapic_new(AddressSpace *mem, ApicBus *bus, uint8_t id)
{
    IoApic *io = calloc(1, sizeof(*io));
    assert(io);
    io->bus = bus;
    io->reset_id = id;
    ioapic_reset(io);
    int r = address_space_add_io(mem, "ioapic", IOAPIC_DEFAULT_BASE, IOAPIC_MMIO_SIZE,
                                 &ioapic_mmio_ops, io);
    assert(r == 0);
    (void)r;
    apic_bus_add_eoi_listener(bus, ioapic_eoi_listener, io);
    return io;
}

void ioapic_free(IoApic *io)
{
    if (!io) {
        return;
    }
    apic_bus_remove_eoi_listener(io->bus, ioapic_eoi_listener, io);
    free(io);
}
