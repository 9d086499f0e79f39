/* pc-testdev: scratch ports and MMIO, page flush and ISA IRQ control for kvm-unit-tests-style guests. */
#include "hw/pc_testdev.h"

#include <assert.h>
#include <glib.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "hw/device.h"
#include "ui/log.h"

/*
 * Behaviour as QEMU's pc-testdev (hw/misc/pc-testdev.c), which kvm-unit-tests
 * drive: an access of n bytes at scratch offset o reads or replaces bytes
 * o..o+n-1 of the 32-bit register; IRQ writes set the line's level; the
 * scratch MMIO reads back what was written, byte for byte.
 */

#define PC_TESTDEV_SCRATCH_PORT      0xe0
#define PC_TESTDEV_FLUSH_PORT        0xe4
#define PC_TESTDEV_SCRATCH_BYTE_PORT 0xe8
#define PC_TESTDEV_IRQ_PORT          0x2000
#define PAGE_MASK                    0xfffull

struct PcTestdev {
    uint32_t scratch;
    IrqLine irqs[PC_TESTDEV_NR_IRQS];
    uint32_t irq_levels;              /* lines this device holds high */
    PcTestdevFlushPage *flush_page;
    void *flush_opaque;
    uint8_t iomem[PC_TESTDEV_IOMEM_SIZE];
};

static uint32_t byte_mask(unsigned size)
{
    return size >= 4 ? 0xffffffffu : (1u << (size * 8)) - 1;
}

/* ---- the scratch register, at 0xe0 (any width) and 0xe8 (byte callbacks) ---- */

static uint64_t scratch_read(void *opaque, uint64_t offset, unsigned size)
{
    PcTestdev *d = opaque;
    return (d->scratch >> (offset * 8)) & byte_mask(size);
}

static void scratch_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    PcTestdev *d = opaque;
    unsigned shift = offset * 8;
    uint32_t mask = byte_mask(size) << shift;
    d->scratch = (d->scratch & ~mask) | (((uint32_t)value << shift) & mask);
}

static const MemoryRegionOps scratch_ops = {
    .read = scratch_read, .write = scratch_write,
    .valid_min = 1, .valid_max = 4, .impl_min = 1, .impl_max = 4,
};

static const MemoryRegionOps scratch_byte_ops = {
    .read = scratch_read, .write = scratch_write,
    .valid_min = 1, .valid_max = 4, .impl_min = 1, .impl_max = 1,
};

/* ---- page flush ---- */

static uint64_t flush_read(void *opaque, uint64_t offset, unsigned size)
{
    return 0;
}

static void flush_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    PcTestdev *d = opaque;
    if (d->flush_page) {
        d->flush_page(d->flush_opaque, value & ~PAGE_MASK);
    }
}

static const MemoryRegionOps flush_ops = {
    .read = flush_read, .write = flush_write,
    .valid_min = 4, .valid_max = 4,
};

/* ---- ISA IRQ lines ---- */

static uint64_t irq_read(void *opaque, uint64_t offset, unsigned size)
{
    return 0;
}

static void irq_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    PcTestdev *d = opaque;
    int level = value != 0;
    if (level) {
        d->irq_levels |= 1u << offset;
    } else {
        d->irq_levels &= ~(1u << offset);
    }
    irq_set(d->irqs[offset], level);
}

static const MemoryRegionOps irq_ops = {
    .read = irq_read, .write = irq_write,
    .valid_min = 1, .valid_max = 1,
};

/* ---- scratch MMIO ---- */

static uint64_t iomem_read(void *opaque, uint64_t offset, unsigned size)
{
    PcTestdev *d = opaque;
    uint64_t value = 0;
    memcpy(&value, d->iomem + offset, size);     /* little-endian host, like the guest */
    return value;
}

static void iomem_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    PcTestdev *d = opaque;
    memcpy(d->iomem + offset, &value, size);
}

static const MemoryRegionOps iomem_ops = {
    .read = iomem_read, .write = iomem_write,
    .valid_min = 1, .valid_max = 8,
};

/* ---- life ---- */

static bool range_is_free(const AddressSpace *as, uint64_t base, uint64_t size)
{
    for (uint64_t a = base; a < base + size; a++) {
        if (address_space_lookup(as, a)) {
            return false;
        }
    }
    return true;
}

static bool pc_testdev_ranges_free(AddressSpace *io, AddressSpace *mem, char *err, size_t errlen)
{
    static const struct { uint16_t port; uint16_t len; } ports[] = {
        { PC_TESTDEV_SCRATCH_PORT, 4 }, { PC_TESTDEV_FLUSH_PORT, 4 },
        { PC_TESTDEV_SCRATCH_BYTE_PORT, 4 }, { PC_TESTDEV_IRQ_PORT, PC_TESTDEV_NR_IRQS },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(ports); i++) {
        if (!range_is_free(io, ports[i].port, ports[i].len)) {
            snprintf(err, errlen, "pc-testdev: ports 0x%x-0x%x are already in use",
                     ports[i].port, ports[i].port + ports[i].len - 1);
            return false;
        }
    }
    if (!range_is_free(mem, PC_TESTDEV_IOMEM_BASE, PC_TESTDEV_IOMEM_SIZE)) {
        snprintf(err, errlen, "pc-testdev: memory 0x%llx-0x%llx is already in use",
                 PC_TESTDEV_IOMEM_BASE, PC_TESTDEV_IOMEM_BASE + PC_TESTDEV_IOMEM_SIZE - 1);
        return false;
    }
    return true;
}

static void add_io(AddressSpace *as, const char *name, uint64_t base, uint64_t size,
                   const MemoryRegionOps *ops, PcTestdev *d)
{
    int r = address_space_add_io(as, name, base, size, ops, d);
    assert(r == 0);         /* checked free above */
    (void)r;
}

PcTestdev *pc_testdev_new(AddressSpace *io, AddressSpace *mem,
                          const IrqLine irqs[PC_TESTDEV_NR_IRQS],
                          PcTestdevFlushPage *flush_page, void *flush_opaque,
                          char *err, size_t errlen)
{
    if (!pc_testdev_ranges_free(io, mem, err, errlen)) {
        return NULL;
    }
    PcTestdev *d = g_new0(PcTestdev, 1);
    memcpy(d->irqs, irqs, sizeof(d->irqs));
    d->flush_page = flush_page;
    d->flush_opaque = flush_opaque;
    add_io(io, "pc-testdev-ioport", PC_TESTDEV_SCRATCH_PORT, 4, &scratch_ops, d);
    add_io(io, "pc-testdev-flush-page", PC_TESTDEV_FLUSH_PORT, 4, &flush_ops, d);
    add_io(io, "pc-testdev-ioport-byte", PC_TESTDEV_SCRATCH_BYTE_PORT, 4, &scratch_byte_ops, d);
    add_io(io, "pc-testdev-irq-line", PC_TESTDEV_IRQ_PORT, PC_TESTDEV_NR_IRQS, &irq_ops, d);
    add_io(mem, "pc-testdev-iomem", PC_TESTDEV_IOMEM_BASE, PC_TESTDEV_IOMEM_SIZE, &iomem_ops, d);
    return d;
}

void pc_testdev_reset(PcTestdev *d)
{
    d->scratch = 0;
    memset(d->iomem, 0, sizeof(d->iomem));
    for (int n = 0; n < PC_TESTDEV_NR_IRQS; n++) {
        if (d->irq_levels & (1u << n)) {
            irq_lower(d->irqs[n]);
        }
    }
    d->irq_levels = 0;
}

void pc_testdev_free(PcTestdev *d)
{
    g_free(d);
}

/*
 * Port 0xe4: the backend drops what it caches of the page (the soft MMU's
 * TLB entries and decoded code).  Under kvm there is no hook: QEMU's flush
 * (an mprotect of the host page, which makes KVM drop its EPT entry) is
 * not done, because another vCPU touching the page inside that window
 * would stop the emulator; what the guest sees is the same either way.
 */
static void flush_guest_page(void *opaque, uint64_t gpa)
{
    Machine *m = opaque;
    if (m->accel && m->accel->flush_guest_page) {
        m->accel->flush_guest_page(m, gpa);
    }
}

static void pc_testdev_reset_hook(void *d) { pc_testdev_reset(d); }
static void pc_testdev_free_owned(void *d) { pc_testdev_free(d); }

int pc_testdev_create(Machine *m, const char *props, char *err, size_t errlen)
{
    static const char *const known[] = { NULL };
    if (device_check_props("pc-testdev", props, known, err, errlen) != 0) {
        return -1;
    }
    PcTestdev *d = pc_testdev_new(&m->io, &m->mem, m->gsi, flush_guest_page, m, err, errlen);
    if (!d) {
        return -1;
    }
    machine_add_reset_hook(m, pc_testdev_reset_hook, d);
    device_add_owned(m, d, pc_testdev_free_owned);
    return 0;
}
