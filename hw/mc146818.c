/* MC146818 real-time clock and CMOS memory: time in BCD or binary, alarms, interrupts. */
#include "hw/mc146818.h"

#include <assert.h>
#include <glib.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hw/machine.h"
#include "ui/log.h"

/*
 * Source: the Motorola MC146818A datasheet ("Register A" ... "Register D",
 * "Interrupts", "Update cycle"); the memory-size bytes follow the PC/AT
 * CMOS map and what SeaBIOS and QEMU add to it (0x34/0x35, 0x5b-0x5d, 0x5f).
 *
 * The clock is the host's: guest time = host monotonic time + base_us,
 * base_us starting at the host's UTC offset, so a guest that sets the clock
 * keeps an offset from the host clock and host clock steps do not make the
 * guest's jump.  While the guest holds the clock (register B SET, or the
 * divider chain in reset) the time registers are plain memory; when it lets
 * go, the offset is taken from them.  The update cycle is instantaneous at
 * each second boundary; UIP reads as 1 during the 244 us before it.
 *
 * Interrupt flags (register C) are computed when needed: from the number of
 * periodic-rate edges and second boundaries since they were last looked at.
 * A GSource wakes the I/O thread at the next edge that can raise IRQ 8 only
 * while one is enabled and the line is low, so an idle RTC costs nothing.
 * Square-wave output and daylight saving (SQWE, DSE) are register state only.
 */

enum { RTC_INDEX_PORT = 0x70, RTC_NR_PORTS = 2, CMOS_SIZE = 128 };

/* Register numbers. */
enum {
    RTC_SECONDS = 0x00, RTC_SECONDS_ALARM = 0x01,
    RTC_MINUTES = 0x02, RTC_MINUTES_ALARM = 0x03,
    RTC_HOURS = 0x04, RTC_HOURS_ALARM = 0x05,
    RTC_DAY_OF_WEEK = 0x06, RTC_DAY_OF_MONTH = 0x07,
    RTC_MONTH = 0x08, RTC_YEAR = 0x09,
    RTC_REG_A = 0x0a, RTC_REG_B = 0x0b, RTC_REG_C = 0x0c, RTC_REG_D = 0x0d,
    RTC_CENTURY = 0x32,            /* PC convention (the ACPI FADT CENTURY field points here) */
};

/* Register A */
#define REG_A_UIP        0x80
#define REG_A_DV_MASK    0x70
#define REG_A_DV_RESET   0x60      /* DV2..DV1 = 11: divider chain held in reset */
#define REG_A_RS_MASK    0x0f
#define REG_A_POWER_ON   0x26      /* 32.768 kHz time base, 1024 Hz periodic rate */

/* Register B */
#define REG_B_SET    0x80
#define REG_B_PIE    0x40
#define REG_B_AIE    0x20
#define REG_B_UIE    0x10
#define REG_B_SQWE   0x08
#define REG_B_DM     0x04          /* 1: binary, 0: BCD */
#define REG_B_24H    0x02
#define REG_B_DSE    0x01
#define REG_B_POWER_ON REG_B_24H

/* Register C */
#define REG_C_IRQF 0x80
#define REG_C_PF   0x40
#define REG_C_AF   0x20
#define REG_C_UF   0x10

/* Register D */
#define REG_D_VRT  0x80            /* the battery is good */

#define HOUR_PM            0x80    /* 12-hour mode */
#define ALARM_DONT_CARE    0xc0    /* 11xxxxxx in an alarm byte matches any value */
#define UIP_LEAD_US        244
#define US_PER_SEC         1000000ll
#define RTC_BASE_HZ        32768
#define SECONDS_PER_DAY    86400

/* CMOS memory map (PC/AT, SeaBIOS). */
enum {
    CMOS_EQUIPMENT = 0x14,
    CMOS_BASE_MEM_LO = 0x15, CMOS_BASE_MEM_HI = 0x16,
    CMOS_EXT_MEM_LO = 0x17, CMOS_EXT_MEM_HI = 0x18,
    CMOS_CHECKSUM_HI = 0x2e, CMOS_CHECKSUM_LO = 0x2f,
    CMOS_EXT_MEM2_LO = 0x30, CMOS_EXT_MEM2_HI = 0x31,
    CMOS_MEM_ABOVE_16M_LO = 0x34, CMOS_MEM_ABOVE_16M_HI = 0x35,
    CMOS_MEM_ABOVE_4G = 0x5b,      /* 3 bytes, 64 KiB units */
    CMOS_NR_CPUS_MINUS_1 = 0x5f,
};
#define CMOS_CHECKSUM_FIRST 0x10
#define CMOS_CHECKSUM_LAST  0x2d
#define EQUIPMENT_FPU       0x02

typedef struct RtcTimerSource {
    GSource source;
    Mc146818 *rtc;
} RtcTimerSource;

struct Mc146818 {
    IrqLine irq;
    int irq_level;
    uint8_t index;
    uint8_t cmos[CMOS_SIZE];

    int64_t base_us;            /* guest time = monotonic time + base_us */
    int64_t seconds_seen;       /* the second boundary up to which UF/AF are accounted */
    int64_t periods_seen;       /* likewise, periodic-rate edges since the epoch */
    GSource *timer;
};

/* ---- time ------------------------------------------------------------------ */

static int64_t rtc_now_us(const Mc146818 *s)
{
    return g_get_monotonic_time() + s->base_us;
}

static bool rtc_running(const Mc146818 *s)
{
    return !(s->cmos[RTC_REG_B] & REG_B_SET) &&
           (s->cmos[RTC_REG_A] & REG_A_DV_RESET) != REG_A_DV_RESET;
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int64_t floor_mod(int64_t a, int64_t b)
{
    return a - floor_div(a, b) * b;
}

/* Register A RS3..RS0 with the 32.768 kHz base: the period in 1/32768 s, 0 = off. */
static int64_t rtc_period_ticks(const Mc146818 *s)
{
    unsigned rs = s->cmos[RTC_REG_A] & REG_A_RS_MASK;
    if (rs == 0) {
        return 0;
    }
    if (rs <= 2) {
        rs += 7;                 /* rates 1 and 2 repeat 8 and 9 (256 and 128 Hz) */
    }
    return 1ll << (rs - 1);
}

/* Guest time in 1/32768 s, without overflowing for any date the registers can hold. */
static int64_t us_to_ticks(int64_t us)
{
    return floor_div(us, US_PER_SEC) * RTC_BASE_HZ +
           floor_mod(us, US_PER_SEC) * RTC_BASE_HZ / US_PER_SEC;
}

/* The first microsecond at or after `ticks`. */
static int64_t ticks_to_us(int64_t ticks)
{
    int64_t frac = floor_mod(ticks, RTC_BASE_HZ);
    return floor_div(ticks, RTC_BASE_HZ) * US_PER_SEC +
           (frac * US_PER_SEC + RTC_BASE_HZ - 1) / RTC_BASE_HZ;
}

/* ---- register formats (register B DM and 24/12) ------------------------------ */

static bool rtc_binary(const Mc146818 *s)
{
    return s->cmos[RTC_REG_B] & REG_B_DM;
}

static uint8_t rtc_encode(const Mc146818 *s, int v)
{
    return rtc_binary(s) ? v : ((v / 10) << 4) | (v % 10);
}

static int rtc_decode(const Mc146818 *s, uint8_t r)
{
    return rtc_binary(s) ? r : (r >> 4) * 10 + (r & 0x0f);
}

static uint8_t rtc_encode_hour(const Mc146818 *s, int hour24)
{
    if (s->cmos[RTC_REG_B] & REG_B_24H) {
        return rtc_encode(s, hour24);
    }
    int hour12 = hour24 % 12 == 0 ? 12 : hour24 % 12;
    return rtc_encode(s, hour12) | (hour24 >= 12 ? HOUR_PM : 0);
}

static int rtc_decode_hour(const Mc146818 *s, uint8_t r)
{
    if (s->cmos[RTC_REG_B] & REG_B_24H) {
        return rtc_decode(s, r);
    }
    return rtc_decode(s, r & ~HOUR_PM) % 12 + ((r & HOUR_PM) ? 12 : 0);
}

/* Write the calendar time `t` (seconds since the epoch, UTC) into the time registers. */
static void rtc_store_time(Mc146818 *s, int64_t t)
{
    time_t tt = t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    int year = tm.tm_year + 1900;
    s->cmos[RTC_SECONDS] = rtc_encode(s, tm.tm_sec);
    s->cmos[RTC_MINUTES] = rtc_encode(s, tm.tm_min);
    s->cmos[RTC_HOURS] = rtc_encode_hour(s, tm.tm_hour);
    s->cmos[RTC_DAY_OF_WEEK] = rtc_encode(s, tm.tm_wday + 1);   /* 1 = Sunday */
    s->cmos[RTC_DAY_OF_MONTH] = rtc_encode(s, tm.tm_mday);
    s->cmos[RTC_MONTH] = rtc_encode(s, tm.tm_mon + 1);
    s->cmos[RTC_YEAR] = rtc_encode(s, year % 100);
    s->cmos[RTC_CENTURY] = rtc_encode(s, year / 100);
}

static int clamp_field(const char *what, int v, int lo, int hi)
{
    if (v < lo || v > hi) {
        log_mask(LOG_GUEST_ERROR, "mc146818: %s %d out of range, using %d\n", what, v,
                 v < lo ? lo : hi);
        return v < lo ? lo : hi;
    }
    return v;
}

/* The calendar time the time registers hold, as the guest set them. */
static int64_t rtc_load_time(const Mc146818 *s)
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    tm.tm_sec = clamp_field("second", rtc_decode(s, s->cmos[RTC_SECONDS]), 0, 59);
    tm.tm_min = clamp_field("minute", rtc_decode(s, s->cmos[RTC_MINUTES]), 0, 59);
    tm.tm_hour = clamp_field("hour", rtc_decode_hour(s, s->cmos[RTC_HOURS]), 0, 23);
    tm.tm_mday = clamp_field("day", rtc_decode(s, s->cmos[RTC_DAY_OF_MONTH]), 1, 31);
    tm.tm_mon = clamp_field("month", rtc_decode(s, s->cmos[RTC_MONTH]), 1, 12) - 1;
    int yy = clamp_field("year", rtc_decode(s, s->cmos[RTC_YEAR]), 0, 99);
    int century = rtc_decode(s, s->cmos[RTC_CENTURY]);
    if (century < 19 || century > 99) {
        century = yy < 70 ? 20 : 19;    /* no usable century byte: the usual 1970-2069 window */
    }
    tm.tm_year = century * 100 + yy - 1900;
    return timegm(&tm);
}

/* ---- interrupts -------------------------------------------------------------- */

static bool rtc_alarm_field_matches(const Mc146818 *s, uint8_t alarm, int value, bool hour)
{
    if ((alarm & ALARM_DONT_CARE) == ALARM_DONT_CARE) {
        return true;
    }
    return (hour ? rtc_decode_hour(s, alarm) : rtc_decode(s, alarm)) == value;
}

static bool rtc_alarm_matches(const Mc146818 *s, int64_t t)
{
    int64_t tod = floor_mod(t, SECONDS_PER_DAY);
    return rtc_alarm_field_matches(s, s->cmos[RTC_SECONDS_ALARM], tod % 60, false) &&
           rtc_alarm_field_matches(s, s->cmos[RTC_MINUTES_ALARM], tod / 60 % 60, false) &&
           rtc_alarm_field_matches(s, s->cmos[RTC_HOURS_ALARM], tod / 3600, true);
}

/* Did the alarm time come up at one of the second boundaries in (from, to]? */
static bool rtc_alarm_between(const Mc146818 *s, int64_t from, int64_t to)
{
    if (to - from > SECONDS_PER_DAY) {
        to = from + SECONDS_PER_DAY;    /* a day covers every time of day once */
    }
    for (int64_t t = from + 1; t <= to; t++) {
        if (rtc_alarm_matches(s, t)) {
            return true;
        }
    }
    return false;
}

/* Start counting periodic and update events from now (after a time or rate change). */
static void rtc_restart_events(Mc146818 *s)
{
    int64_t now = rtc_now_us(s);
    int64_t period = rtc_period_ticks(s);
    s->seconds_seen = floor_div(now, US_PER_SEC);
    s->periods_seen = period ? floor_div(us_to_ticks(now), period) : 0;
}

/* Set PF, UF and AF for what happened since they were last accounted. */
static void rtc_catch_up(Mc146818 *s)
{
    if (!rtc_running(s)) {
        return;                  /* a held clock neither updates nor divides */
    }
    int64_t now = rtc_now_us(s);
    int64_t period = rtc_period_ticks(s);
    if (period) {
        int64_t periods = floor_div(us_to_ticks(now), period);
        if (periods > s->periods_seen) {
            s->cmos[RTC_REG_C] |= REG_C_PF;
        }
        s->periods_seen = periods;
    }
    int64_t seconds = floor_div(now, US_PER_SEC);
    if (seconds > s->seconds_seen) {
        s->cmos[RTC_REG_C] |= REG_C_UF;
        if (rtc_alarm_between(s, s->seconds_seen, seconds)) {
            s->cmos[RTC_REG_C] |= REG_C_AF;
        }
    }
    s->seconds_seen = seconds;
}

/* IRQF = PF & PIE | AF & AIE | UF & UIE (datasheet, register C), and the line follows it. */
static void rtc_update_irq(Mc146818 *s)
{
    uint8_t b = s->cmos[RTC_REG_B], c = s->cmos[RTC_REG_C];
    bool irqf = ((c & REG_C_PF) && (b & REG_B_PIE)) ||
                ((c & REG_C_AF) && (b & REG_B_AIE)) ||
                ((c & REG_C_UF) && (b & REG_B_UIE));
    if (irqf) {
        s->cmos[RTC_REG_C] |= REG_C_IRQF;
    }
    int level = (s->cmos[RTC_REG_C] & REG_C_IRQF) != 0;
    if (level != s->irq_level) {
        s->irq_level = level;
        irq_set(s->irq, level);
    }
}

/* Wake the I/O thread at the next event that can raise the (low) line, or never. */
static void rtc_arm_timer(Mc146818 *s)
{
    uint8_t b = s->cmos[RTC_REG_B];
    int64_t deadline = -1;
    if (rtc_running(s) && !s->irq_level) {
        int64_t period = rtc_period_ticks(s);
        if ((b & REG_B_PIE) && period) {
            deadline = ticks_to_us((s->periods_seen + 1) * period);
        }
        if (b & (REG_B_UIE | REG_B_AIE)) {
            int64_t next_second = (s->seconds_seen + 1) * US_PER_SEC;
            if (deadline < 0 || next_second < deadline) {
                deadline = next_second;
            }
        }
    }
    if (deadline >= 0) {
        deadline -= s->base_us;                  /* guest time -> monotonic time */
        if (deadline < 0) {
            deadline = 0;
        }
    }
    g_source_set_ready_time(s->timer, deadline);
}

static void rtc_events_changed(Mc146818 *s)
{
    rtc_update_irq(s);
    rtc_arm_timer(s);
}

static gboolean rtc_timer_dispatch(GSource *source, GSourceFunc unused, gpointer unused2)
{
    Mc146818 *s = ((RtcTimerSource *)source)->rtc;
    machine_lock();
    rtc_catch_up(s);
    rtc_events_changed(s);
    machine_unlock();
    return G_SOURCE_CONTINUE;
}

static GSourceFuncs rtc_timer_funcs = {
    .dispatch = rtc_timer_dispatch,
};

/* ---- registers ------------------------------------------------------------- */

/* The clock was running and is now held: freeze the current time in the registers. */
static void rtc_hold(Mc146818 *s)
{
    rtc_store_time(s, floor_div(rtc_now_us(s), US_PER_SEC));
}

/* The clock runs again from what the registers say; the second starts now. */
static void rtc_release(Mc146818 *s)
{
    s->base_us = rtc_load_time(s) * US_PER_SEC - g_get_monotonic_time();
    rtc_restart_events(s);
}

static bool rtc_is_time_register(uint8_t index)
{
    switch (index) {
    case RTC_SECONDS: case RTC_MINUTES: case RTC_HOURS: case RTC_DAY_OF_WEEK:
    case RTC_DAY_OF_MONTH: case RTC_MONTH: case RTC_YEAR: case RTC_CENTURY:
        return true;
    default:
        return false;
    }
}

/* Apply a write that may hold or release the clock (register A DV or register B SET). */
static void rtc_write_control(Mc146818 *s, uint8_t index, uint8_t val)
{
    bool was_running = rtc_running(s);
    uint8_t old_rate = s->cmos[RTC_REG_A] & REG_A_RS_MASK;
    rtc_catch_up(s);
    s->cmos[index] = val;
    if (index == RTC_REG_B && (val & REG_B_SET)) {
        s->cmos[RTC_REG_B] &= ~REG_B_UIE;     /* datasheet: SET clears UIE */
    }
    bool running = rtc_running(s);
    if (was_running && !running) {
        rtc_hold(s);
    } else if (!was_running && running) {
        rtc_release(s);
    } else if ((s->cmos[RTC_REG_A] & REG_A_RS_MASK) != old_rate) {
        rtc_restart_events(s);
    }
    rtc_events_changed(s);
}

static void rtc_write_time(Mc146818 *s, uint8_t index, uint8_t val)
{
    if (!rtc_running(s)) {
        s->cmos[index] = val;        /* held: taken into account on release */
        return;
    }
    rtc_catch_up(s);
    rtc_hold(s);
    s->cmos[index] = val;
    rtc_release(s);
    rtc_events_changed(s);
}

static uint8_t rtc_read_reg_a(Mc146818 *s)
{
    uint8_t a = s->cmos[RTC_REG_A] & ~REG_A_UIP;
    if (rtc_running(s) && floor_mod(rtc_now_us(s), US_PER_SEC) >= US_PER_SEC - UIP_LEAD_US) {
        a |= REG_A_UIP;
    }
    return a;
}

static uint8_t rtc_read_reg_c(Mc146818 *s)
{
    rtc_catch_up(s);
    rtc_update_irq(s);
    uint8_t c = s->cmos[RTC_REG_C];
    s->cmos[RTC_REG_C] = 0;          /* datasheet: reading C clears all its bits */
    rtc_events_changed(s);
    return c;
}

static uint8_t rtc_read(Mc146818 *s, uint8_t index)
{
    if (rtc_is_time_register(index) && rtc_running(s)) {
        rtc_hold(s);                 /* bring the registers up to now */
    }
    switch (index) {
    case RTC_REG_A:
        return rtc_read_reg_a(s);
    case RTC_REG_C:
        return rtc_read_reg_c(s);
    case RTC_REG_D:
        return REG_D_VRT;
    default:
        return s->cmos[index];
    }
}

static void rtc_write(Mc146818 *s, uint8_t index, uint8_t val)
{
    switch (index) {
    case RTC_REG_A:
        rtc_write_control(s, index, val & ~REG_A_UIP);   /* UIP is read-only */
        break;
    case RTC_REG_B:
        rtc_write_control(s, index, val);
        break;
    case RTC_REG_C:
    case RTC_REG_D:
        log_mask(LOG_GUEST_ERROR, "mc146818: write 0x%02x to read-only register 0x%02x\n",
                 val, index);
        break;
    case RTC_SECONDS_ALARM:
    case RTC_MINUTES_ALARM:
    case RTC_HOURS_ALARM:
        rtc_catch_up(s);
        s->cmos[index] = val;
        rtc_events_changed(s);
        break;
    default:
        if (rtc_is_time_register(index)) {
            rtc_write_time(s, index, val);
        } else {
            s->cmos[index] = val;
        }
    }
}

static uint64_t rtc_io_read(void *opaque, uint64_t offset, unsigned size)
{
    Mc146818 *s = opaque;
    if (offset == 0) {
        return 0xff;                 /* the index register is write-only */
    }
    return rtc_read(s, s->index);
}

static void rtc_io_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    Mc146818 *s = opaque;
    if (offset == 0) {
        s->index = value & (CMOS_SIZE - 1);   /* bit 7 is the PC's NMI mask, not an index bit */
    } else {
        rtc_write(s, s->index, value);
    }
}

static const MemoryRegionOps rtc_io_ops = {
    .read = rtc_io_read, .write = rtc_io_write,
    .valid_min = 1, .valid_max = 4, .impl_min = 1, .impl_max = 1,
};

/* ---- CMOS memory ------------------------------------------------------------ */

static void cmos_put16(Mc146818 *s, unsigned lo, uint64_t v)
{
    if (v > 0xffff) {
        v = 0xffff;
    }
    s->cmos[lo] = v;
    s->cmos[lo + 1] = v >> 8;
}

static void cmos_set_memory_size(Mc146818 *s, uint64_t below_4g, uint64_t above_4g, int nr_cpus)
{
    const uint64_t KiB = 1024, MiB = 1024 * KiB;
    cmos_put16(s, CMOS_BASE_MEM_LO, 640);                    /* KiB of conventional memory */
    uint64_t ext_kib = below_4g > MiB ? (below_4g - MiB) / KiB : 0;
    cmos_put16(s, CMOS_EXT_MEM_LO, ext_kib);                 /* 1 MiB .. 65 MiB, in KiB */
    cmos_put16(s, CMOS_EXT_MEM2_LO, ext_kib);
    uint64_t above_16m = below_4g > 16 * MiB ? (below_4g - 16 * MiB) / (64 * KiB) : 0;
    cmos_put16(s, CMOS_MEM_ABOVE_16M_LO, above_16m);         /* 16 MiB .. 4 GiB, in 64 KiB */
    uint64_t high = above_4g / (64 * KiB);
    if (high > 0xffffff) {
        high = 0xffffff;
    }
    s->cmos[CMOS_MEM_ABOVE_4G] = high;                       /* above 4 GiB, in 64 KiB */
    s->cmos[CMOS_MEM_ABOVE_4G + 1] = high >> 8;
    s->cmos[CMOS_MEM_ABOVE_4G + 2] = high >> 16;
    s->cmos[CMOS_NR_CPUS_MINUS_1] = nr_cpus > 0 ? (nr_cpus - 1) & 0xff : 0;
}

/* The PC/AT checksum: the sum of bytes 0x10-0x2d, big-endian in 0x2e/0x2f. */
static void cmos_set_checksum(Mc146818 *s)
{
    unsigned sum = 0;
    for (unsigned i = CMOS_CHECKSUM_FIRST; i <= CMOS_CHECKSUM_LAST; i++) {
        sum += s->cmos[i];
    }
    s->cmos[CMOS_CHECKSUM_HI] = sum >> 8;
    s->cmos[CMOS_CHECKSUM_LO] = sum;
}

/* ---- life ------------------------------------------------------------------- */

void mc146818_reset(Mc146818 *s)
{
    rtc_catch_up(s);
    s->cmos[RTC_REG_B] &= ~(REG_B_PIE | REG_B_AIE | REG_B_UIE | REG_B_SQWE);
    s->cmos[RTC_REG_C] = 0;
    rtc_events_changed(s);
}

Mc146818 *mc146818_new(AddressSpace *io, IrqLine irq, uint64_t ram_below_4g,
                       uint64_t ram_above_4g, int nr_cpus)
{
    Mc146818 *s = calloc(1, sizeof(*s));
    assert(s);
    s->irq = irq;
    s->cmos[RTC_REG_A] = REG_A_POWER_ON;
    s->cmos[RTC_REG_B] = REG_B_POWER_ON;
    s->cmos[RTC_REG_D] = REG_D_VRT;
    s->cmos[CMOS_EQUIPMENT] = EQUIPMENT_FPU;
    cmos_set_memory_size(s, ram_below_4g, ram_above_4g, nr_cpus);
    cmos_set_checksum(s);

    s->base_us = g_get_real_time() - g_get_monotonic_time();
    rtc_restart_events(s);
    rtc_store_time(s, floor_div(rtc_now_us(s), US_PER_SEC));

    s->timer = g_source_new(&rtc_timer_funcs, sizeof(RtcTimerSource));
    ((RtcTimerSource *)s->timer)->rtc = s;
    g_source_set_name(s->timer, "mc146818");
    g_source_set_ready_time(s->timer, -1);
    g_source_attach(s->timer, g_main_context_default());

    int r = address_space_add_io(io, "mc146818", RTC_INDEX_PORT, RTC_NR_PORTS, &rtc_io_ops, s);
    assert(r == 0);
    (void)r;
    return s;
}

void mc146818_free(Mc146818 *s)
{
    if (!s) {
        return;
    }
    g_source_destroy(s->timer);
    g_source_unref(s->timer);
    free(s);
}
