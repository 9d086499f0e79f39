/* IRQ lines: a device raises a line; the machine decides where it goes. */
#ifndef HW_IRQ_H
#define HW_IRQ_H

typedef struct IrqLine {
    void (*set)(void *opaque, int n, int level);
    void *opaque;
    int n;
} IrqLine;

static inline void irq_set(IrqLine irq, int level)
{
    if (irq.set) {
        irq.set(irq.opaque, irq.n, level);
    }
}

static inline void irq_raise(IrqLine irq) { irq_set(irq, 1); }
static inline void irq_lower(IrqLine irq) { irq_set(irq, 0); }

/* Raise then lower: an edge on an edge-triggered ISA line. */
static inline void irq_pulse(IrqLine irq)
{
    irq_set(irq, 1);
    irq_set(irq, 0);
}

#endif
