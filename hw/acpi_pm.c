/* ACPI fixed hardware: PM1a status/enable/control, the PM timer, the reset register, the SCI. */
#include "hw/acpi_pm.h"

#include <assert.h>
#include <glib.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "hw/machine.h"
#include "ui/log.h"

/*
 * ACPI 6.0 chapter 4.8 "ACPI Hardware Model", the fixed-feature registers:
 *
 * - PM1_STS bits are set by hardware and cleared by writing 1 (§4.8.3.1.1);
 *   an SCI is asserted while SCI_EN is set and any status bit is set whose
 *   enable bit is set (§4.8.3.1, §4.8.2.1).  tandem's sources of status are
 *   the PM timer carry (TMR_STS) and the power button (PWRBTN_STS).
 * - PM1_CNT (§4.8.3.2.1): SCI_EN is hardware-owned; with no SMI_CMD port in
 *   the FADT the platform is always in ACPI mode, so it reads 1.  Writing
 *   SLP_EN puts the system in the sleeping state SLP_TYP; only S5 (soft off)
 *   exists here, and it stops the machine.
 * - PM_TMR (§4.8.3.3): a free-running counter at 3.579545 MHz, here 32 bits
 *   wide (FADT TMR_VAL_EXT); TMR_STS is set whenever bit 31 changes.  It is
 *   computed from host monotonic time on every read, so it never drifts from
 *   the host and costs nothing while unread.
 * - RESET_REG (§4.8.3.6): writing RESET_VALUE resets the system.
 */

#define PM1_STS_IMPLEMENTED (ACPI_PM1_TMR | ACPI_PM1_BM_STS | ACPI_PM1_GBL | ACPI_PM1_PWRBTN | \
                             ACPI_PM1_RTC | ACPI_PM1_WAK_STS)
/* RTC_EN holds what the guest writes, though no alarm ever sets RTC_STS: ACPICA reads an
 * enable bit back after setting it, and Linux's rtc-cmos enables the RTC event. */
#define PM1_EN_IMPLEMENTED  (ACPI_PM1_TMR | ACPI_PM1_GBL | ACPI_PM1_PWRBTN | ACPI_PM1_RTC)
#define PM1_CNT_WRITABLE    (ACPI_PM1_CNT_BM_RLD | ACPI_PM1_CNT_SLP_TYP)
#define PM_TIMER_CARRY_BIT  31
#define NS_PER_SEC          1000000000ull

typedef struct PmTimerSource {
    GSource source;
    AcpiPm *pm;
} PmTimerSource;

struct AcpiPm {
    uint16_t sts;
    uint16_t en;
    uint16_t cnt;
    IrqLine sci;
    int sci_level;
    AcpiPmHooks hooks;

    int64_t (*now_ns)(void *opaque);
    void *clock_opaque;
    int64_t timer_epoch_ns;      /* the PM timer read 0 then */
    uint64_t carries_seen;       /* floor(ticks / 2^31) when TMR_STS was last brought up to date */
    GSource *timer;
};

static int64_t host_monotonic_ns(void *opaque)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * (int64_t)NS_PER_SEC + ts.tv_nsec;
}

/* ---- the PM timer ----------------------------------------------------------- */

static uint64_t pm_timer_ticks(const AcpiPm *pm)
{
    int64_t elapsed = pm->now_ns(pm->clock_opaque) - pm->timer_epoch_ns;
    if (elapsed < 0) {
        elapsed = 0;
    }
    return (uint64_t)((unsigned __int128)elapsed * ACPI_PM_TIMER_HZ / NS_PER_SEC);
}

/* TMR_STS: has bit 31 changed since the last look? */
static void pm_timer_catch_up(AcpiPm *pm)
{
    uint64_t carries = pm_timer_ticks(pm) >> PM_TIMER_CARRY_BIT;
    if (carries != pm->carries_seen) {
        pm->carries_seen = carries;
        pm->sts |= ACPI_PM1_TMR;
    }
}

/* Nanoseconds from now until the next change of bit 31 (rounded up). */
static uint64_t pm_timer_ns_to_next_carry(const AcpiPm *pm)
{
    unsigned __int128 next_ticks = (unsigned __int128)(pm->carries_seen + 1) << PM_TIMER_CARRY_BIT;
    unsigned __int128 next_ns = (next_ticks * NS_PER_SEC + ACPI_PM_TIMER_HZ - 1) / ACPI_PM_TIMER_HZ;
    int64_t elapsed = pm->now_ns(pm->clock_opaque) - pm->timer_epoch_ns;
    if (elapsed < 0) {
        elapsed = 0;
    }
    return next_ns > (unsigned __int128)elapsed ? (uint64_t)(next_ns - elapsed) : 0;
}

/* ---- the SCI ---------------------------------------------------------------- */

static void pm_update_sci(AcpiPm *pm)
{
    int level = (pm->cnt & ACPI_PM1_CNT_SCI_EN) && (pm->sts & pm->en) != 0;
    if (level != pm->sci_level) {
        pm->sci_level = level;
        irq_set(pm->sci, level);
    }
}

/* Wake the I/O thread at the next timer carry if that can raise the SCI. */
static void pm_arm_timer(AcpiPm *pm)
{
    int64_t deadline = -1;
    if ((pm->en & ACPI_PM1_TMR) && !(pm->sts & ACPI_PM1_TMR)) {
        deadline = g_get_monotonic_time() + (int64_t)(pm_timer_ns_to_next_carry(pm) / 1000) + 1;
    }
    g_source_set_ready_time(pm->timer, deadline);
}

static void pm_events_changed(AcpiPm *pm)
{
    pm_update_sci(pm);
    pm_arm_timer(pm);
}

static gboolean pm_timer_dispatch(GSource *source, GSourceFunc unused, gpointer unused2)
{
    AcpiPm *pm = ((PmTimerSource *)source)->pm;
    machine_lock();
    pm_timer_catch_up(pm);
    pm_events_changed(pm);
    machine_unlock();
    return G_SOURCE_CONTINUE;
}

static GSourceFuncs pm_timer_funcs = {
    .dispatch = pm_timer_dispatch,
};

/* ---- PM1 event and control registers, a byte at a time ------------------------ */

/* The event block a byte at a time: STS at offsets 0-1, EN at 2-3. */
static uint64_t pm1_evt_read(void *opaque, uint64_t offset, unsigned size)
{
    AcpiPm *pm = opaque;
    pm_timer_catch_up(pm);
    pm_events_changed(pm);
    uint16_t reg = offset < 2 ? pm->sts : pm->en;
    return (reg >> ((offset & 1) * 8)) & 0xff;
}

static void pm1_evt_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    AcpiPm *pm = opaque;
    uint16_t bits = (uint16_t)((value & 0xff) << ((offset & 1) * 8));
    pm_timer_catch_up(pm);
    if (offset < 2) {
        pm->sts &= ~(bits & PM1_STS_IMPLEMENTED);     /* write 1 to clear */
    } else {
        uint16_t byte_mask = (uint16_t)(0xff << ((offset & 1) * 8));
        if (bits & ~PM1_EN_IMPLEMENTED) {
            log_mask(LOG_UNIMP, "acpi-pm: PM1_EN bits 0x%x are not implemented\n",
                     bits & ~PM1_EN_IMPLEMENTED);
        }
        pm->en = (pm->en & ~byte_mask) | (bits & PM1_EN_IMPLEMENTED);
    }
    pm_events_changed(pm);
}

static uint64_t pm1_cnt_read(void *opaque, uint64_t offset, unsigned size)
{
    AcpiPm *pm = opaque;
    return (pm->cnt >> (offset * 8)) & 0xff;    /* SLP_EN and GBL_RLS read as 0 */
}

/* ACPI 6.0 §7.4.2 / §16.1.6: SLP_TYP then SLP_EN enters the sleeping state. */
static void pm1_enter_sleep_state(AcpiPm *pm, unsigned slp_typ)
{
    if (slp_typ == ACPI_SLP_TYP_S5) {
        pm->hooks.poweroff(pm->hooks.opaque);
        return;
    }
    log_mask(LOG_UNIMP, "acpi-pm: sleep type %u is not supported (only S5 = %u)\n",
             slp_typ, ACPI_SLP_TYP_S5);
}

static void pm1_cnt_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    AcpiPm *pm = opaque;
    uint16_t bits = (uint16_t)((value & 0xff) << (offset * 8));
    uint16_t byte_mask = (uint16_t)(0xff << (offset * 8));
    pm->cnt = (pm->cnt & ~(byte_mask & PM1_CNT_WRITABLE)) | (bits & PM1_CNT_WRITABLE);
    if (bits & ACPI_PM1_CNT_SLP_EN) {
        pm1_enter_sleep_state(pm, (pm->cnt & ACPI_PM1_CNT_SLP_TYP) >> ACPI_PM1_CNT_SLP_TYP_SHIFT);
    }
}

/* Byte-wide callbacks: ACPICA reads and writes each 16-bit register whole, but a
 * byte write to one half must leave the other half alone. */
static const MemoryRegionOps pm1_evt_ops = {
    .read = pm1_evt_read, .write = pm1_evt_write,
    .valid_min = 1, .valid_max = 4, .impl_min = 1, .impl_max = 1,
};

static const MemoryRegionOps pm1_cnt_ops = {
    .read = pm1_cnt_read, .write = pm1_cnt_write,
    .valid_min = 1, .valid_max = 2, .impl_min = 1, .impl_max = 1,
};

/* ---- PM_TMR and RESET_REG ------------------------------------------------------ */

static uint64_t pm_tmr_read(void *opaque, uint64_t offset, unsigned size)
{
    AcpiPm *pm = opaque;
    return (uint32_t)pm_timer_ticks(pm);
}

static void pm_tmr_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    log_mask(LOG_GUEST_ERROR, "acpi-pm: write of 0x%llx to the read-only PM timer\n",
             (unsigned long long)value);
}

/* Whole 32-bit reads, so a narrow read sees one sample of the counter. */
static const MemoryRegionOps pm_tmr_ops = {
    .read = pm_tmr_read, .write = pm_tmr_write,
    .valid_min = 1, .valid_max = 4, .impl_min = 4, .impl_max = 4,
};

static uint64_t reset_reg_read(void *opaque, uint64_t offset, unsigned size)
{
    return 0;
}

static void reset_reg_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    AcpiPm *pm = opaque;
    if (value == ACPI_RESET_VALUE) {
        pm->hooks.reset(pm->hooks.opaque);
        return;
    }
    log_mask(LOG_GUEST_ERROR, "acpi-pm: RESET_REG write of 0x%02llx (the reset value is 0x%02x)\n",
             (unsigned long long)value, ACPI_RESET_VALUE);
}

static const MemoryRegionOps reset_reg_ops = {
    .read = reset_reg_read, .write = reset_reg_write,
    .valid_min = 1, .valid_max = 1,
};

/* ---- life ------------------------------------------------------------------------ */

static void pm_restart_timer(AcpiPm *pm)
{
    pm->timer_epoch_ns = pm->now_ns(pm->clock_opaque);
    pm->carries_seen = 0;
}

void acpi_pm_reset(AcpiPm *pm)
{
    pm->sts = 0;
    pm->en = 0;
    pm->cnt = ACPI_PM1_CNT_SCI_EN;
    pm_restart_timer(pm);
    pm_events_changed(pm);
}

void acpi_pm_press_power_button(AcpiPm *pm)
{
    pm->sts |= ACPI_PM1_PWRBTN;
    pm_events_changed(pm);
}

void acpi_pm_set_clock(AcpiPm *pm, int64_t (*now_ns)(void *opaque), void *opaque)
{
    pm->now_ns = now_ns;
    pm->clock_opaque = opaque;
    pm_restart_timer(pm);
    pm_events_changed(pm);
}

static void pm_add_io(AddressSpace *io, const char *name, uint16_t port, unsigned len,
                      const MemoryRegionOps *ops, AcpiPm *pm)
{
    int r = address_space_add_io(io, name, port, len, ops, pm);
    assert(r == 0);
    (void)r;
}

AcpiPm *acpi_pm_new(AddressSpace *io, IrqLine sci, const AcpiPmHooks *hooks)
{
    AcpiPm *pm = calloc(1, sizeof(*pm));
    assert(pm && hooks && hooks->poweroff && hooks->reset);
    pm->sci = sci;
    pm->hooks = *hooks;
    pm->now_ns = host_monotonic_ns;

    pm->timer = g_source_new(&pm_timer_funcs, sizeof(PmTimerSource));
    ((PmTimerSource *)pm->timer)->pm = pm;
    g_source_set_name(pm->timer, "acpi-pm-timer");
    g_source_set_ready_time(pm->timer, -1);
    g_source_attach(pm->timer, g_main_context_default());

    acpi_pm_reset(pm);
    pm_add_io(io, "acpi-pm1-evt", ACPI_PM1_EVT_PORT, ACPI_PM1_EVT_LEN, &pm1_evt_ops, pm);
    pm_add_io(io, "acpi-pm1-cnt", ACPI_PM1_CNT_PORT, ACPI_PM1_CNT_LEN, &pm1_cnt_ops, pm);
    pm_add_io(io, "acpi-pm-tmr", ACPI_PM_TMR_PORT, ACPI_PM_TMR_LEN, &pm_tmr_ops, pm);
    pm_add_io(io, "acpi-reset", ACPI_RESET_PORT, 1, &reset_reg_ops, pm);
    return pm;
}

void acpi_pm_free(AcpiPm *pm)
{
    if (!pm) {
        return;
    }
    g_source_destroy(pm->timer);
    g_source_unref(pm->timer);
    free(pm);
}
