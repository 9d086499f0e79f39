/* The PC's interrupt controllers and PIT in software, for backends without an in-kernel irqchip. */
#ifndef HW_SOFT_IRQCHIP_H
#define HW_SOFT_IRQCHIP_H

#include "hw/apic.h"
#include "hw/i8254.h"
#include "hw/i8259.h"
#include "hw/ioapic.h"
#include "hw/machine.h"

/*
 * What KVM_CREATE_IRQCHIP + KVM_CREATE_PIT2 give the kvm backend, the
 * software backends get here: the i8259 pair, the IOAPIC, the APIC bus the
 * vCPUs' LAPICs hang on, and the i8254 PIT.  A GSI goes to both the PIC
 * (ISA IRQs 0-15) and the IOAPIC pin of the same number, except that ISA
 * IRQ 0 is IOAPIC pin 2, the interrupt source override every PC firmware
 * declares in its MADT.  The PIC's INTR output kicks the boot vCPU, whose
 * LAPIC passes it on in virtual-wire mode (LINT0 as ExtINT).
 */
typedef struct SoftIrqchip {
    I8259 *pic;
    IoApic *ioapic;
    ApicBus *apic_bus;
    I8254 *pit;
} SoftIrqchip;

/* Main thread, while building the machine (before the vCPUs exist). */
SoftIrqchip *soft_irqchip_new(Machine *m);
void soft_irqchip_free(SoftIrqchip *sc);

/* Drive GSI `gsi`; called with the device lock held, like every device callback. */
void soft_irqchip_set_irq(SoftIrqchip *sc, int gsi, int level);

#endif
