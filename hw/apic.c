/* Local APIC: registers, priorities, EOI, IPIs, the timer, xAPIC MMIO and x2APIC MSR access. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/x86/cpu.h"
#include "hw/apic_internal.h"
#include "hw/machine.h"
#include "ui/log.h"

/*
 * Source: Intel SDM vol. 3A chapter 10 (section numbers as in the 2016+
 * editions).  The register file is kept as fields, not as a 4 KiB page:
 * both interfaces (xAPIC MMIO at offset 0xN0, x2APIC MSR 0x800 + N) name a
 * register by the same index N, and a table says which interface may read
 * or write which index.
 *
 * Interrupts are accepted into IRR at once: the bus has no arbitration
 * delays, so ICR's delivery status always reads idle.  The CPU side polls
 * lapic_pending_vector at instruction boundaries; the LAPIC kicks it
 * whenever something new may be pending.
 *
 * The timer keeps the bus-clock time of its next expiry.  The current count
 * is derived from it; a GLib timeout (I/O thread) at that time raises the
 * interrupt and kicks the vCPU.  A periodic timer that fell behind fires
 * once and skips the missed periods (the interrupt coalesces in IRR anyway),
 * and its period is at least LAPIC_MIN_PERIOD_NS so that a guest cannot make
 * the I/O thread spin.
 *
 * Not modelled: the LINT0/LINT1 pins other than the PIC's INTR on LINT0
 * (nothing on this PC drives them), thermal and performance-counter
 * interrupts (no sources), CMCI, directed EOI (version bit 24 is clear),
 * SMIs (logged and dropped), ExtINT messages from the IOAPIC (logged and
 * dropped, as KVM does), relocating the xAPIC page.
 */

#define APIC_VERSION_VALUE  0x00050014u   /* version 0x14, max LVT entry 5 (6 LVTs) */
#define LAPIC_MIN_PERIOD_NS 100000        /* periodic timer floor: 100 us */
#define NS_PER_BUS_TICK     (1000000000ull / APIC_BUS_FREQ_HZ)

/* Register indexes: MMIO offset >> 4, or x2APIC MSR - 0x800 (SDM tables 10-1, 10-6). */
enum {
    REG_ID = 0x02, REG_VERSION = 0x03, REG_TPR = 0x08, REG_APR = 0x09, REG_PPR = 0x0a,
    REG_EOI = 0x0b, REG_RRD = 0x0c, REG_LDR = 0x0d, REG_DFR = 0x0e, REG_SVR = 0x0f,
    REG_ISR = 0x10, REG_TMR = 0x18, REG_IRR = 0x20, REG_ESR = 0x28,
    REG_ICR_LO = 0x30, REG_ICR_HI = 0x31, REG_LVT = 0x32, REG_TMICT = 0x38, REG_TMCCT = 0x39,
    REG_TDCR = 0x3e, REG_SELF_IPI = 0x3f, REG_COUNT = 0x40,
};

#define LVT_MASKED        (1u << 16)
#define LVT_LEVEL         (1u << 15)
#define LVT_REMOTE_IRR    (1u << 14)
#define LVT_POLARITY      (1u << 13)
#define LVT_PENDING       (1u << 12)
#define LVT_TIMER_MODE(v) (((v) >> 17) & 3)
enum { TIMER_ONESHOT = 0, TIMER_PERIODIC = 1, TIMER_TSC_DEADLINE = 2 };

/* ESR bits (SDM 10.5.3). */
#define ESR_SEND_ILLEGAL_VECTOR  (1u << 5)
#define ESR_RECV_ILLEGAL_VECTOR  (1u << 6)
#define ESR_ILLEGAL_REGISTER     (1u << 7)

/* ICR (SDM 10.6.1). */
#define ICR_LOGICAL       (1u << 11)
#define ICR_PENDING       (1u << 12)
#define ICR_ASSERT        (1u << 14)
#define ICR_TRIGGER_LEVEL (1u << 15)
#define ICR_SHORTHAND(v)  (((v) >> 18) & 3)
/* x2APIC ICR bits that must be zero (SDM 10.12.9). */
#define X2APIC_ICR_RESERVED 0x00000000fff32000ull

#define MSR_TSC_DEADLINE  0x6e0
#define MSR_X2APIC_FIRST  0x800
#define MSR_X2APIC_LAST   0x8ff

/* ---- which interface may touch which register ---- */

enum { ACC_R = 1, ACC_W = 2, ACC_RW = 3 };

static uint8_t xapic_access(unsigned reg)
{
    static const uint8_t table[REG_COUNT] = {
        [REG_ID] = ACC_RW, [REG_VERSION] = ACC_R, [REG_TPR] = ACC_RW, [REG_APR] = ACC_R,
        [REG_PPR] = ACC_R, [REG_EOI] = ACC_W, [REG_RRD] = ACC_R, [REG_LDR] = ACC_RW,
        [REG_DFR] = ACC_RW, [REG_SVR] = ACC_RW,
        [REG_ISR ... REG_ISR + 7] = ACC_R, [REG_TMR ... REG_TMR + 7] = ACC_R,
        [REG_IRR ... REG_IRR + 7] = ACC_R, [REG_ESR] = ACC_RW,
        [REG_ICR_LO] = ACC_RW, [REG_ICR_HI] = ACC_RW,
        [REG_LVT ... REG_LVT + LVT_COUNT - 1] = ACC_RW,
        [REG_TMICT] = ACC_RW, [REG_TMCCT] = ACC_R, [REG_TDCR] = ACC_RW,
    };
    return reg < REG_COUNT ? table[reg] : 0;
}

/* SDM 10.12.1.2 table 10-6: no APR, RRD, DFR or ICR high; ID and LDR read-only; SELF IPI. */
static uint8_t x2apic_access(unsigned reg)
{
    switch (reg) {
    case REG_APR: case REG_RRD: case REG_DFR: case REG_ICR_HI:
        return 0;
    case REG_ID: case REG_LDR:
        return ACC_R;
    case REG_SELF_IPI:
        return ACC_W;
    default:
        return xapic_access(reg);
    }
}

/* The bits a write may set; x2APIC WRMSR of any other bit raises #GP (SDM 10.12.1.3). */
static uint32_t reg_writable_bits(unsigned reg, bool x2apic)
{
    switch (reg) {
    case REG_ID: case REG_LDR: case REG_ICR_HI: return 0xff000000u;
    case REG_TPR: return 0xff;
    case REG_DFR: return 0xf0000000u;
    case REG_SVR: return 0xff | SVR_ENABLE | SVR_NO_FOCUS;
    case REG_EOI: case REG_ESR: return x2apic ? 0 : ~0u;
    case REG_ICR_LO: return 0x000ccfffu & ~ICR_PENDING;
    case REG_LVT + LVT_TIMER: return 0xff | LVT_MASKED | (3u << 17);
    case REG_LVT + LVT_THERMAL: case REG_LVT + LVT_PERF: return 0x7ff | LVT_MASKED;
    case REG_LVT + LVT_LINT0: case REG_LVT + LVT_LINT1:
        return 0x7ff | LVT_POLARITY | LVT_LEVEL | LVT_MASKED;
    case REG_LVT + LVT_ERROR: return 0xff | LVT_MASKED;
    case REG_TMICT: return ~0u;
    case REG_TDCR: return 0xb;
    case REG_SELF_IPI: return 0xff;
    default: return 0;
    }
}

/* Read-only status bits software may write back as read: not reserved, just ignored. */
static uint32_t reg_status_bits(unsigned reg)
{
    if (reg >= REG_LVT && reg < REG_LVT + LVT_COUNT) {
        return LVT_PENDING | LVT_REMOTE_IRR;
    }
    return reg == REG_ICR_LO ? ICR_PENDING : 0;
}

/* ---- priorities (SDM 10.8.3) ---- */

static uint32_t lapic_ppr(const Lapic *l)
{
    int isrv = vec_highest(l->isr);
    uint32_t isr_class = isrv < 0 ? 0 : (uint32_t)isrv & 0xf0;
    return (l->tpr & 0xf0) >= isr_class ? l->tpr : isr_class;
}

/* SDM 10.6.2.4 (P6 family and Pentium): the arbitration priority used for lowest-priority delivery. */
uint32_t lapic_apr(const Lapic *l)
{
    int irrv = vec_highest(l->irr), isrv = vec_highest(l->isr);
    uint32_t irr_class = irrv < 0 ? 0 : (uint32_t)irrv & 0xf0;
    uint32_t isr_class = isrv < 0 ? 0 : (uint32_t)isrv & 0xf0;
    uint32_t tpr_class = l->tpr & 0xf0;
    if (tpr_class >= irr_class && tpr_class > isr_class) {
        return l->tpr;
    }
    uint32_t apr = tpr_class > isr_class ? tpr_class : isr_class;
    return apr > irr_class ? apr : irr_class;
}

int lapic_pending_vector(Lapic *l)
{
    if (!lapic_hw_enabled(l)) {
        return -1;
    }
    int irrv = vec_highest(l->irr);
    if (irrv < 0 || ((uint32_t)irrv & 0xf0) <= (lapic_ppr(l) & 0xf0)) {
        return -1;
    }
    return irrv;
}

void lapic_accept(Lapic *l, int vector)
{
    assert(vector >= 0 && vector < 256);
    if (!vec_test(l->irr, vector)) {
        return;
    }
    vec_clear(l->irr, vector);
    vec_set(l->isr, vector);
}

bool lapic_nmi_pending(Lapic *l)
{
    return l->nmi_pending;
}

void lapic_nmi_accept(Lapic *l)
{
    l->nmi_pending = false;
}

/* SDM 10.5.1 (LINT0 in ExtINT mode) and 10.4.3 (a disabled APIC passes INTR straight through). */
bool lapic_extint_pending(Lapic *l, bool pic_intr)
{
    if (!pic_intr) {
        return false;
    }
    if (!lapic_hw_enabled(l)) {
        return true;
    }
    uint32_t lint0 = l->lvt[LVT_LINT0];
    return !(lint0 & LVT_MASKED) && ((lint0 >> 8) & 7) == APIC_DM_EXTINT;
}

static void lapic_kick(Lapic *l)
{
    l->ops->kick(l->cpu);
}

/* TPR went down or an ISR bit retired: a held-back interrupt may now get through. */
static void lapic_priority_lowered(Lapic *l)
{
    if (vec_highest(l->irr) >= 0) {
        lapic_kick(l);
    }
}

void lapic_set_tpr(Lapic *l, uint8_t cr8)
{
    l->tpr = (uint32_t)(cr8 & 0xf) << 4;
    lapic_priority_lowered(l);
}

uint8_t lapic_get_tpr(Lapic *l)
{
    return (l->tpr >> 4) & 0xf;
}

/* ---- receiving interrupts ---- */

static void lapic_set_irr(Lapic *l, uint8_t vector, bool trigger_level);

/* SDM 10.5.3: record an error; the LVT error entry may interrupt. */
static void lapic_error(Lapic *l, uint32_t esr_bit)
{
    l->esr_pending |= esr_bit;
    uint32_t lvt = l->lvt[LVT_ERROR];
    if (lvt & LVT_MASKED) {
        return;
    }
    if ((lvt & 0xff) < 16) {
        l->esr_pending |= ESR_RECV_ILLEGAL_VECTOR;   /* no error interrupt about itself */
        return;
    }
    lapic_set_irr(l, lvt & 0xff, false);
}

/* Accept a fixed interrupt (SDM 10.8.1); vectors 0-15 are illegal (10.5.2). */
static void lapic_set_irr(Lapic *l, uint8_t vector, bool trigger_level)
{
    if (vector < 16) {
        lapic_error(l, ESR_RECV_ILLEGAL_VECTOR);
        return;
    }
    vec_set(l->irr, vector);
    if (trigger_level) {
        vec_set(l->tmr, vector);
    } else {
        vec_clear(l->tmr, vector);
    }
    lapic_kick(l);
}

static void lapic_init_reset(Lapic *l);

/* One LAPIC takes a message that selected it. */
void lapic_receive(Lapic *l, unsigned mode, uint8_t vector, bool level, bool trigger_level)
{
    switch (mode) {
    case APIC_DM_FIXED:
    case APIC_DM_LOWEST:
        if (lapic_sw_enabled(l)) {       /* SDM 10.4.7.2: a software-disabled APIC drops them */
            lapic_set_irr(l, vector, trigger_level);
        }
        break;
    case APIC_DM_SMI:
        log_mask(LOG_UNIMP, "apic %u: SMI ignored (no SMM)\n", l->initial_id);
        break;
    case APIC_DM_NMI:
        l->nmi_pending = true;
        lapic_kick(l);
        break;
    case APIC_DM_INIT:
        if (!level && trigger_level) {
            break;                       /* INIT level de-assert: arbitration IDs only */
        }
        lapic_init_reset(l);
        l->ops->init(l->cpu);
        lapic_kick(l);
        break;
    case APIC_DM_SIPI:
        l->ops->sipi(l->cpu, vector);
        lapic_kick(l);
        break;
    case APIC_DM_EXTINT:
        log_mask(LOG_UNIMP, "apic %u: ExtINT message ignored (use LINT0 virtual wire)\n",
                 l->initial_id);
        break;
    default:
        log_mask(LOG_GUEST_ERROR, "apic %u: reserved delivery mode %u\n", l->initial_id, mode);
        break;
    }
}

/* SDM 10.6.1 table 10-3: which ICR commands are valid, and sending them. */
static void lapic_send_ipi(Lapic *l, uint32_t icr_lo, uint32_t dest)
{
    unsigned mode = (icr_lo >> 8) & 7, shorthand = ICR_SHORTHAND(icr_lo);
    uint8_t vector = icr_lo & 0xff;
    if (mode == 3 || mode == APIC_DM_EXTINT) {
        log_mask(LOG_GUEST_ERROR, "apic %u: ICR delivery mode %u is reserved\n", l->initial_id, mode);
        return;
    }
    if ((mode == APIC_DM_FIXED || mode == APIC_DM_LOWEST) && vector < 16) {
        lapic_error(l, ESR_SEND_ILLEGAL_VECTOR);
        return;
    }
    if ((shorthand == SHORTHAND_SELF && mode != APIC_DM_FIXED) ||
        (shorthand == SHORTHAND_ALL && mode == APIC_DM_LOWEST)) {
        log_mask(LOG_GUEST_ERROR, "apic %u: ICR 0x%08x: invalid shorthand for the delivery mode\n",
                 l->initial_id, icr_lo);
        return;
    }
    if (!lapic_is_x2apic(l) && dest == 0xff) {
        dest = APIC_BROADCAST;
    }
    apic_bus_send(l->bus, l, shorthand, dest, (icr_lo & ICR_LOGICAL) != 0, mode, vector,
                  (icr_lo & ICR_ASSERT) != 0, (icr_lo & ICR_TRIGGER_LEVEL) != 0);
}

/* SDM 10.8.5: EOI retires the highest ISR bit; a level-triggered one is broadcast to the IOAPICs. */
static void lapic_eoi(Lapic *l)
{
    int vector = vec_highest(l->isr);
    if (vector < 0) {
        return;
    }
    vec_clear(l->isr, vector);
    if (vec_test(l->tmr, vector)) {
        apic_bus_broadcast_eoi(l->bus, (uint8_t)vector);
    }
    lapic_priority_lowered(l);
}

/* ---- the timer (SDM 10.5.4) ---- */

static unsigned lapic_timer_mode(const Lapic *l)
{
    return LVT_TIMER_MODE(l->lvt[LVT_TIMER]);
}

/* SDM figure 10-10: TDCR bits 3,1:0 select divide by 2, 4, ... 128, or 1. */
static uint64_t lapic_timer_divisor(const Lapic *l)
{
    unsigned code = ((l->timer.divide >> 1) & 4) | (l->timer.divide & 3);
    return code == 7 ? 1 : 2ull << code;
}

static int64_t lapic_ticks_to_ns(const Lapic *l, uint64_t ticks)
{
    return (int64_t)(ticks * lapic_timer_divisor(l) * NS_PER_BUS_TICK);
}

static int64_t lapic_timer_period_ns(const Lapic *l)
{
    int64_t period = lapic_ticks_to_ns(l, l->timer.initial);
    if (lapic_timer_mode(l) == TIMER_PERIODIC && period < LAPIC_MIN_PERIOD_NS) {
        period = LAPIC_MIN_PERIOD_NS;
    }
    return period;
}

/* Make the I/O thread's timeout match the timer (or sleep when it is idle). */
static void lapic_timer_schedule(Lapic *l, int64_t now)
{
    if (!l->timer.armed) {
        g_source_set_ready_time(l->timer_source, -1);
        return;
    }
    int64_t delta_ns = l->timer.expiry_ns - now;
    if (delta_ns < 0) {
        delta_ns = 0;
    }
    g_source_set_ready_time(l->timer_source, g_get_monotonic_time() + (delta_ns + 999) / 1000);
}

/* Raise the timer interrupt if due; reload or disarm. */
static void lapic_timer_expire(Lapic *l, int64_t now)
{
    if (!l->timer.armed || now < l->timer.expiry_ns) {
        return;
    }
    uint32_t lvt = l->lvt[LVT_TIMER];
    if (!(lvt & LVT_MASKED)) {
        lapic_set_irr(l, lvt & 0xff, false);
    }
    switch (lapic_timer_mode(l)) {
    case TIMER_PERIODIC: {
        int64_t period = lapic_timer_period_ns(l);
        int64_t missed = (now - l->timer.expiry_ns) / period;
        l->timer.expiry_ns += (missed + 1) * period;
        break;
    }
    case TIMER_TSC_DEADLINE:
        l->timer.tsc_deadline = 0;
        l->timer.armed = false;
        break;
    default:
        l->timer.armed = false;
        break;
    }
}

void lapic_timer_check(Lapic *l)
{
    int64_t now = apic_bus_now(l->bus);
    lapic_timer_expire(l, now);
    lapic_timer_schedule(l, now);
}

static uint32_t lapic_timer_current_count(Lapic *l, int64_t now)
{
    lapic_timer_expire(l, now);
    lapic_timer_schedule(l, now);
    if (!l->timer.armed || lapic_timer_mode(l) == TIMER_TSC_DEADLINE) {
        return 0;
    }
    int64_t remaining = l->timer.expiry_ns - now;
    int64_t tick_ns = lapic_ticks_to_ns(l, 1);
    uint64_t ticks = (uint64_t)((remaining + tick_ns - 1) / tick_ns);
    return ticks > l->timer.initial ? l->timer.initial : (uint32_t)ticks;
}

/* A write to TMICT starts (or, with 0, stops) the count; TSC-deadline mode ignores it. */
static void lapic_timer_write_initial(Lapic *l, uint32_t count)
{
    if (lapic_timer_mode(l) == TIMER_TSC_DEADLINE) {
        return;
    }
    int64_t now = apic_bus_now(l->bus);
    l->timer.initial = count;
    l->timer.armed = count != 0;
    l->timer.expiry_ns = now + lapic_timer_period_ns(l);
    lapic_timer_schedule(l, now);
}

/* A new divisor: the remaining count goes on at the new rate. */
static void lapic_timer_write_divide(Lapic *l, uint32_t divide)
{
    int64_t now = apic_bus_now(l->bus);
    uint32_t remaining = lapic_timer_current_count(l, now);
    l->timer.divide = divide;
    if (l->timer.armed && lapic_timer_mode(l) != TIMER_TSC_DEADLINE) {
        l->timer.expiry_ns = now + lapic_ticks_to_ns(l, remaining);
        lapic_timer_schedule(l, now);
    }
}

/* SDM 10.5.4.1: entering or leaving TSC-deadline mode disarms the timer. */
static void lapic_timer_write_lvt(Lapic *l, uint32_t value)
{
    unsigned old_mode = lapic_timer_mode(l);
    l->lvt[LVT_TIMER] = value;
    unsigned new_mode = lapic_timer_mode(l);
    if (new_mode == 3) {
        log_mask(LOG_GUEST_ERROR, "apic %u: LVT timer mode 3 is reserved (one-shot used)\n",
                 l->initial_id);
    }
    if ((old_mode == TIMER_TSC_DEADLINE) != (new_mode == TIMER_TSC_DEADLINE)) {
        l->timer.initial = 0;
        l->timer.tsc_deadline = 0;
        l->timer.armed = false;
        lapic_timer_schedule(l, apic_bus_now(l->bus));
    }
}

/* Guest TSC ticks -> ns, capped at about 30 years (a far deadline is as good as never). */
static int64_t tsc_ticks_to_ns(uint64_t ticks)
{
    uint64_t ms = ticks / X86_TSC_KHZ;
    if (ms > 1000000000000ull) {
        ms = 1000000000000ull;
    }
    return (int64_t)(ms * 1000000 + (ticks % X86_TSC_KHZ) * 1000000 / X86_TSC_KHZ);
}

/*
 * IA32_TSC_DEADLINE (SDM 10.5.4.1): armed by a non-zero write in TSC-deadline
 * mode, ignored in the other modes.  The deadline becomes a bus-clock time
 * now; a later write to the TSC does not move it.
 */
static void lapic_timer_write_deadline(Lapic *l, uint64_t deadline)
{
    if (lapic_timer_mode(l) != TIMER_TSC_DEADLINE) {
        return;
    }
    int64_t now = apic_bus_now(l->bus);
    l->timer.tsc_deadline = deadline;
    l->timer.armed = deadline != 0;
    if (deadline) {
        uint64_t tsc = l->ops->read_tsc(l->cpu);
        l->timer.expiry_ns = now + (deadline > tsc ? tsc_ticks_to_ns(deadline - tsc) : 0);
    }
    lapic_timer_expire(l, now);
    lapic_timer_schedule(l, now);
}

/* The GLib timeout of one LAPIC's timer, run by the I/O thread. */
typedef struct LapicTimerSource {
    GSource source;
    Lapic *lapic;
} LapicTimerSource;

static gboolean lapic_timer_dispatch(GSource *source, GSourceFunc unused, gpointer unused2)
{
    Lapic *l = ((LapicTimerSource *)source)->lapic;
    machine_lock();
    lapic_timer_check(l);
    machine_unlock();
    return G_SOURCE_CONTINUE;
}

static GSourceFuncs lapic_timer_funcs = {
    .dispatch = lapic_timer_dispatch,
};

/* ---- register file ---- */

static uint32_t lapic_reg_read(Lapic *l, unsigned reg)
{
    if (reg >= REG_ISR && reg < REG_ISR + 8) {
        return l->isr[reg - REG_ISR];
    }
    if (reg >= REG_TMR && reg < REG_TMR + 8) {
        return l->tmr[reg - REG_TMR];
    }
    if (reg >= REG_IRR && reg < REG_IRR + 8) {
        return l->irr[reg - REG_IRR];
    }
    if (reg >= REG_LVT && reg < REG_LVT + LVT_COUNT) {
        return l->lvt[reg - REG_LVT];
    }
    switch (reg) {
    case REG_ID: return lapic_is_x2apic(l) ? l->initial_id : l->id;
    case REG_VERSION: return APIC_VERSION_VALUE;
    case REG_TPR: return l->tpr;
    case REG_APR: return lapic_apr(l);
    case REG_PPR: return lapic_ppr(l);
    case REG_LDR: return lapic_is_x2apic(l) ? x2apic_ldr(l) : l->ldr;
    case REG_DFR: return l->dfr;
    case REG_SVR: return l->svr;
    case REG_ESR: return l->esr;
    case REG_ICR_LO: return l->icr_lo;
    case REG_ICR_HI: return l->icr_hi;
    case REG_TMICT: return l->timer.initial;
    case REG_TMCCT: return lapic_timer_current_count(l, apic_bus_now(l->bus));
    case REG_TDCR: return l->timer.divide;
    default: return 0;                   /* RRD: remote read is not supported (reads invalid) */
    }
}

/* SDM 10.4.7.2: software-disabling masks every LVT entry, and they stay masked. */
static void lapic_write_svr(Lapic *l, uint32_t value)
{
    l->svr = value;
    if (!(value & SVR_ENABLE)) {
        for (int i = 0; i < LVT_COUNT; i++) {
            l->lvt[i] |= LVT_MASKED;
        }
    }
}

static void lapic_write_lvt(Lapic *l, unsigned index, uint32_t value)
{
    if (!lapic_sw_enabled(l)) {
        value |= LVT_MASKED;
    }
    if (index == LVT_TIMER) {
        lapic_timer_write_lvt(l, value);
    } else {
        l->lvt[index] = value;
    }
}

/* A write the interface allowed, with only writable bits in `value`. */
static void lapic_reg_write(Lapic *l, unsigned reg, uint32_t value)
{
    if (reg >= REG_LVT && reg < REG_LVT + LVT_COUNT) {
        lapic_write_lvt(l, reg - REG_LVT, value);
        return;
    }
    switch (reg) {
    case REG_ID: l->id = value; break;
    case REG_TPR:
        l->tpr = value;
        lapic_priority_lowered(l);
        break;
    case REG_EOI: lapic_eoi(l); break;
    case REG_LDR: l->ldr = value; break;
    case REG_DFR: l->dfr = value | 0x0fffffffu; break;
    case REG_SVR: lapic_write_svr(l, value); break;
    case REG_ESR:                        /* SDM 10.5.3: a write latches the errors seen */
        l->esr = l->esr_pending;
        l->esr_pending = 0;
        break;
    case REG_ICR_LO:
        l->icr_lo = value;
        lapic_send_ipi(l, value, lapic_is_x2apic(l) ? l->icr_hi : l->icr_hi >> 24);
        break;
    case REG_ICR_HI: l->icr_hi = value; break;
    case REG_TMICT: lapic_timer_write_initial(l, value); break;
    case REG_TDCR: lapic_timer_write_divide(l, value); break;
    case REG_SELF_IPI:                   /* SDM 10.12.11: a fixed, edge IPI to self */
        lapic_send_ipi(l, (SHORTHAND_SELF << 18) | value, 0);
        break;
    default: break;
    }
}

/* ---- xAPIC MMIO ---- */

static void lapic_illegal_register(Lapic *l, uint64_t offset, const char *what)
{
    log_mask(LOG_GUEST_ERROR, "apic %u: %s of reserved register 0x%03llx\n", l->initial_id, what,
             (unsigned long long)offset);
    lapic_error(l, ESR_ILLEGAL_REGISTER);
}

/* Registers sit at 16-byte strides and are 32 bits wide; bytes 4-15 of a slot read as zero. */
uint64_t lapic_mmio_read(Lapic *l, uint64_t offset, unsigned size)
{
    unsigned reg = (unsigned)(offset >> 4), byte = offset & 0xf;
    uint8_t access = xapic_access(reg);
    if (!access) {
        lapic_illegal_register(l, offset, "read");
        return 0;
    }
    if (!(access & ACC_R) || byte >= 4) {
        return 0;                        /* EOI is write-only */
    }
    return (uint64_t)lapic_reg_read(l, reg) >> (byte * 8);
}

void lapic_mmio_write(Lapic *l, uint64_t offset, uint64_t value, unsigned size)
{
    unsigned reg = (unsigned)(offset >> 4);
    uint8_t access = xapic_access(reg);
    if (!access) {
        lapic_illegal_register(l, offset, "write");
        return;
    }
    if (size != 4 || (offset & 0xf)) {
        log_mask(LOG_GUEST_ERROR, "apic %u: %u-byte write at 0x%03llx ignored (32-bit only)\n",
                 l->initial_id, size, (unsigned long long)offset);
        return;
    }
    if (!(access & ACC_W)) {
        log_mask(LOG_GUEST_ERROR, "apic %u: write to read-only register 0x%03llx ignored\n",
                 l->initial_id, (unsigned long long)offset);
        return;
    }
    lapic_reg_write(l, reg, (uint32_t)value & reg_writable_bits(reg, false));
}

/* ---- MSRs: x2APIC (SDM 10.12.1.2) and IA32_TSC_DEADLINE ---- */

bool lapic_msr_read(Lapic *l, uint32_t msr, uint64_t *value)
{
    if (msr == MSR_TSC_DEADLINE) {
        *value = lapic_timer_mode(l) == TIMER_TSC_DEADLINE ? l->timer.tsc_deadline : 0;
        return true;
    }
    if (msr < MSR_X2APIC_FIRST || msr > MSR_X2APIC_LAST || !lapic_is_x2apic(l)) {
        return false;
    }
    unsigned reg = msr - MSR_X2APIC_FIRST;
    if (!(x2apic_access(reg) & ACC_R)) {
        return false;
    }
    *value = lapic_reg_read(l, reg);
    if (reg == REG_ICR_LO) {
        *value |= (uint64_t)l->icr_hi << 32;
    }
    return true;
}

bool lapic_msr_write(Lapic *l, uint32_t msr, uint64_t value)
{
    if (msr == MSR_TSC_DEADLINE) {
        lapic_timer_write_deadline(l, value);
        return true;
    }
    if (msr < MSR_X2APIC_FIRST || msr > MSR_X2APIC_LAST || !lapic_is_x2apic(l)) {
        return false;
    }
    unsigned reg = msr - MSR_X2APIC_FIRST;
    if (!(x2apic_access(reg) & ACC_W)) {
        return false;
    }
    if (reg == REG_ICR_LO) {             /* one 64-bit register: destination in 63:32 */
        if (value & X2APIC_ICR_RESERVED) {
            return false;
        }
        l->icr_hi = (uint32_t)(value >> 32);
        lapic_reg_write(l, reg, (uint32_t)value & ~ICR_PENDING);
        return true;
    }
    uint32_t writable = reg_writable_bits(reg, true);
    if (value & ~(uint64_t)(writable | reg_status_bits(reg))) {
        return false;
    }
    lapic_reg_write(l, reg, (uint32_t)value & writable);
    return true;
}

/* ---- IA32_APIC_BASE and mode changes (SDM 10.4.4, 10.12.5) ---- */

bool lapic_set_base(Lapic *l, uint64_t value)
{
    const uint64_t base_mask = 0xffffff000ull;
    if (value & ~(base_mask | APIC_BASE_EN | APIC_BASE_EXTD | APIC_BASE_BSP)) {
        return false;
    }
    bool en = value & APIC_BASE_EN, extd = value & APIC_BASE_EXTD;
    bool was_en = lapic_hw_enabled(l), was_extd = lapic_is_x2apic(l);
    if ((extd && !en) || (was_extd && en && !extd) || (!was_en && extd)) {
        return false;                    /* the invalid state, x2APIC -> xAPIC, disabled -> x2APIC */
    }
    if ((value & base_mask) != APIC_DEFAULT_BASE && en) {
        log_mask(LOG_UNIMP, "apic %u: moving the xAPIC page to 0x%llx is not supported\n",
                 l->initial_id, (unsigned long long)(value & base_mask));
    }
    l->apic_base = (value & ~APIC_BASE_BSP) | (l->bsp ? APIC_BASE_BSP : 0);
    if (was_en && !en) {
        lapic_init_reset(l);             /* SDM 10.4.3: disabling loses the APIC's state */
    }
    return true;
}

uint64_t lapic_get_base(Lapic *l)
{
    return l->apic_base;
}

/* ---- life cycle ---- */

/* SDM 10.4.7.1/10.4.7.3: the registers INIT resets (everything but the ID and APIC_BASE). */
static void lapic_init_reset(Lapic *l)
{
    l->tpr = l->ldr = 0;
    l->dfr = ~0u;
    l->svr = 0xff;
    memset(l->isr, 0, sizeof(l->isr));
    memset(l->tmr, 0, sizeof(l->tmr));
    memset(l->irr, 0, sizeof(l->irr));
    l->esr = l->esr_pending = 0;
    l->icr_lo = l->icr_hi = 0;
    for (int i = 0; i < LVT_COUNT; i++) {
        l->lvt[i] = LVT_MASKED;
    }
    memset(&l->timer, 0, sizeof(l->timer));
    l->nmi_pending = false;
    g_source_set_ready_time(l->timer_source, -1);
}

void lapic_reset(Lapic *l)
{
    l->apic_base = APIC_DEFAULT_BASE | APIC_BASE_EN | (l->bsp ? APIC_BASE_BSP : 0);
    l->id = (l->initial_id & 0xff) << 24;
    lapic_init_reset(l);
    if (l->bsp) {
        l->lvt[LVT_LINT0] = APIC_DM_EXTINT << 8;   /* virtual wire, as firmware leaves it */
    }
}

Lapic *lapic_new(ApicBus *bus, uint32_t apic_id, const LapicCpuOps *ops, void *cpu)
{
    Lapic *l = calloc(1, sizeof(*l));
    assert(l);
    l->bus = bus;
    l->ops = ops;
    l->cpu = cpu;
    l->initial_id = apic_id;
    l->bsp = apic_id == 0;

    l->timer_source = g_source_new(&lapic_timer_funcs, sizeof(LapicTimerSource));
    ((LapicTimerSource *)l->timer_source)->lapic = l;
    g_source_set_name(l->timer_source, "lapic-timer");
    g_source_set_ready_time(l->timer_source, -1);
    g_source_attach(l->timer_source, g_main_context_default());
    lapic_reset(l);

    apic_bus_attach(bus, l);
    return l;
}

void lapic_free(Lapic *l)
{
    if (!l) {
        return;
    }
    apic_bus_detach(l->bus, l);
    g_source_destroy(l->timer_source);
    g_source_unref(l->timer_source);
    free(l);
}

