/* The PC's interrupt controllers and PIT in software: wiring of PIC, IOAPIC, APIC bus and PIT. */
#include "hw/soft_irqchip.h"

#include <stdlib.h>

/* ISA IRQ 0 (the PIT) is IOAPIC pin 2; every other ISA IRQ n is pin n. */
static int ioapic_pin_of_gsi(int gsi)
{
    return gsi == 0 ? 2 : gsi;
}

void soft_irqchip_set_irq(SoftIrqchip *sc, int gsi, int level)
{
    if (gsi < 16) {
        i8259_set_irq(sc->pic, gsi, level);
    }
    if (gsi < PC_NR_GSIS) {
        ioapic_set_irq(sc->ioapic, ioapic_pin_of_gsi(gsi), level);
    }
}

/* The PIC's INTR output: the boot vCPU must look at its interrupts. */
static void pic_intr_changed(void *opaque, int n, int level)
{
    Machine *m = opaque;
    if (level && m->nr_vcpus > 0 && m->vcpus[0].thread) {
        vcpu_kick(&m->vcpus[0]);
    }
}

static void pit_irq0(void *opaque, int n, int level)
{
    Machine *m = opaque;
    m->accel->set_irq(m, 0, level);
}

static void reset_pic(void *d) { i8259_reset(d); }
static void reset_pit(void *d) { i8254_reset(d); }
static void reset_ioapic(void *d) { ioapic_reset(d); }

SoftIrqchip *soft_irqchip_new(Machine *m)
{
    SoftIrqchip *sc = calloc(1, sizeof(*sc));
    sc->pic = i8259_new(&m->io, (IrqLine){ pic_intr_changed, m, 0 });
    sc->apic_bus = apic_bus_new(&m->mem);
    /* IOAPIC ID 0, what the MADT says (hw/acpi.c) and what KVM's in-kernel IOAPIC has. */
    sc->ioapic = ioapic_new(&m->mem, sc->apic_bus, 0);
    sc->pit = i8254_new(&m->io, (IrqLine){ pit_irq0, m, 0 });
    machine_add_reset_hook(m, reset_pic, sc->pic);
    machine_add_reset_hook(m, reset_ioapic, sc->ioapic);
    machine_add_reset_hook(m, reset_pit, sc->pit);
    return sc;
}

void soft_irqchip_free(SoftIrqchip *sc)
{
    if (!sc) {
        return;
    }
    i8254_free(sc->pit);
    ioapic_free(sc->ioapic);
    i8259_free(sc->pic);
    apic_bus_free(sc->apic_bus);
    free(sc);
}
