/* Private to hw/apic.c and hw/apic_bus.c: the LAPIC and bus state and what each file offers the other. */
#ifndef HW_APIC_INTERNAL_H
#define HW_APIC_INTERNAL_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "hw/apic.h"

/* Local vector table entries, in register order from 0x320. */
enum { LVT_TIMER, LVT_THERMAL, LVT_PERF, LVT_LINT0, LVT_LINT1, LVT_ERROR, LVT_COUNT };

#define SVR_ENABLE   (1u << 8)   /* APIC software enable */
#define SVR_NO_FOCUS (1u << 9)   /* focus processor checking disabled */

/* ICR destination shorthands (SDM 10.6.1). */
enum { SHORTHAND_NONE, SHORTHAND_SELF, SHORTHAND_ALL, SHORTHAND_OTHERS };

typedef struct LapicTimer {
    uint32_t initial;        /* TMICT */
    uint32_t divide;         /* TDCR */
    bool armed;
    int64_t expiry_ns;       /* next expiry on the bus clock, while armed */
    uint64_t tsc_deadline;   /* IA32_TSC_DEADLINE */
} LapicTimer;

struct Lapic {
    ApicBus *bus;
    const LapicCpuOps *ops;
    void *cpu;
    uint32_t initial_id;     /* the x2APIC ID; its low byte is the xAPIC ID at reset */
    bool bsp;

    uint64_t apic_base;      /* IA32_APIC_BASE */
    uint32_t id;             /* xAPIC ID register (ID in bits 31:24) */
    uint32_t tpr, ldr, dfr, svr;
    uint32_t isr[8], tmr[8], irr[8];
    uint32_t esr;            /* what ESR reads: errors latched by the last ESR write */
    uint32_t esr_pending;    /* errors seen since */
    uint32_t icr_lo, icr_hi;
    uint32_t lvt[LVT_COUNT];
    LapicTimer timer;
    bool nmi_pending;
    GSource *timer_source;
};

typedef struct EoiListener {
    void (*eoi)(void *opaque, uint8_t vector);
    void *opaque;
} EoiListener;

struct ApicBus {
    Lapic **lapics;
    int nr_lapics;
    int capacity;
    EoiListener eoi[4];
    int nr_eoi;
    int64_t (*now_ns)(void *opaque);
    void *clock_opaque;
};

/* ---- 256-bit vector sets (IRR, ISR, TMR) ---- */

static inline bool vec_test(const uint32_t *set, unsigned v) { return (set[v >> 5] >> (v & 31)) & 1; }
static inline void vec_set(uint32_t *set, unsigned v) { set[v >> 5] |= 1u << (v & 31); }
static inline void vec_clear(uint32_t *set, unsigned v) { set[v >> 5] &= ~(1u << (v & 31)); }

static inline int vec_highest(const uint32_t *set)
{
    for (int i = 7; i >= 0; i--) {
        if (set[i]) {
            return i * 32 + 31 - __builtin_clz(set[i]);
        }
    }
    return -1;
}

/* ---- modes and identity ---- */

static inline bool lapic_hw_enabled(const Lapic *l) { return (l->apic_base & APIC_BASE_EN) != 0; }
static inline bool lapic_is_x2apic(const Lapic *l) { return (l->apic_base & APIC_BASE_EXTD) != 0; }
static inline bool lapic_sw_enabled(const Lapic *l) { return (l->svr & SVR_ENABLE) != 0; }

static inline uint32_t lapic_physical_id(const Lapic *l)
{
    return lapic_is_x2apic(l) ? l->initial_id : l->id >> 24;
}

/* SDM 10.12.10.2: the x2APIC logical ID is derived from the x2APIC ID. */
static inline uint32_t x2apic_ldr(const Lapic *l)
{
    return ((l->initial_id >> 4) << 16) | (1u << (l->initial_id & 0xf));
}

/* ---- hw/apic.c, for the bus ---- */

/* One LAPIC takes a message that selected it. */
void lapic_receive(Lapic *l, unsigned mode, uint8_t vector, bool level, bool trigger_level);
/* Arbitration priority (lowest-priority delivery). */
uint32_t lapic_apr(const Lapic *l);
/* Raise the timer interrupt if due by the bus clock; re-arm the GLib timeout. */
void lapic_timer_check(Lapic *l);
/* An xAPIC MMIO access of the LAPIC, globally enabled and in xAPIC mode. */
uint64_t lapic_mmio_read(Lapic *l, uint64_t offset, unsigned size);
void lapic_mmio_write(Lapic *l, uint64_t offset, uint64_t value, unsigned size);

/* ---- hw/apic_bus.c, for the LAPICs ---- */

int64_t apic_bus_now(const ApicBus *bus);
/* Join or leave the bus (lapic_new, lapic_free). */
void apic_bus_attach(ApicBus *bus, Lapic *l);
void apic_bus_detach(ApicBus *bus, Lapic *l);
/* A message from `sender` (NULL: the IOAPIC or an MSI), with an ICR shorthand. */
void apic_bus_send(ApicBus *bus, Lapic *sender, unsigned shorthand, uint32_t dest, bool logical,
                   unsigned mode, uint8_t vector, bool level, bool trigger_level);
/* SDM 10.8.5: the EOI of a level-triggered vector, to every listener (the IOAPICs). */
void apic_bus_broadcast_eoi(ApicBus *bus, uint8_t vector);

#endif
