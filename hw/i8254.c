/* The i8254 programmable interval timer (three channels, six modes) and port 0x61, its gate and output. */
#include "hw/i8254.h"

#include <assert.h>
#include <glib.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "hw/machine.h"
#include "ui/log.h"

/*
 * Source: the Intel 82C54 CHMOS programmable interval timer datasheet
 * (order no. 231244): "Control Word Format", "Write Operations", "Read
 * Operations" (counter latch, read-back, status byte), "Mode Definitions"
 * (modes 0-5, "Gate" table, "Operation Common to All Modes"); and the IBM
 * PC/AT technical reference for port 0x61 (system control port B).
 *
 * No timer ticks per count.  A channel's counting element (CE) is described
 * by the count N it was loaded with, the host time counting (re)started and
 * the ticks counted before that (while a gate was low); its value and its
 * OUT are computed from the ticks elapsed, d, whenever they are needed:
 *   modes 0, 1: CE = N - d, wrapping;  OUT high once d >= N (terminal count)
 *   mode 2:     CE = N - d mod N;      OUT low for one tick when CE = 1
 *   mode 3:     CE counts down by two, twice per period; OUT high for the
 *               first (N + 1) / 2 ticks, low for the rest
 *   modes 4, 5: CE = N - d, wrapping;  OUT low for the one tick at d = N
 * The count is loaded at the instant it is written (or the gate triggers);
 * the one-clock load delay of the datasheet is not modelled.  A count
 * written in mode 2 or 3 while counting takes effect at the end of the
 * current period (mode 3: half-period), as the datasheet says.
 *
 * Channel 0's OUT is IRQ 0.  A GSource wakes the I/O thread at the next
 * edge that matters: terminal count (modes 0, 1), the end of each period
 * (mode 2: the line gets the rising edge that ends the one-tick low pulse),
 * every half period (mode 3: the line follows the square wave), the end of
 * the strobe (modes 4, 5: a low-high pulse).  A rising edge that happened
 * since the line was last brought up to date is always delivered, as one
 * pulse however many periods were missed (an I/O thread late by several
 * periods coalesces them; guests that count ticks catch up from a clock).
 * GLib's main loop times in milliseconds, so IRQ 0 faster than 1 kHz is
 * coalesced too.
 *
 * Port 0x61 lives here because its live bits are the PIT's: bit 0 is
 * channel 2's gate and bit 5 its OUT (Linux calibrates the TSC by polling
 * it); bit 4 toggles with each DRAM refresh (every 15.085 us, which
 * channel 1 paced on the PC/AT), computed from host time.
 */

#define NS_PER_SEC       1000000000ll
#define PIT_BASE_PORT    0x40
#define PIT_NR_PORTS     4
#define PIT_CONTROL_PORT 3             /* offset of 0x43 */
#define PORT61           0x61
#define PIT_NR_CHANNELS  3
#define REFRESH_PERIOD_NS 15085        /* 18 PIT clocks */

/* Control word (datasheet, "Control Word Format") */
#define CW_SC_SHIFT      6
#define CW_SC_READ_BACK  3
#define CW_RW_SHIFT      4
#define CW_RW_LATCH      0
#define CW_MODE_SHIFT    1
#define CW_BCD           0x01

/* Read-back command */
#define RB_NO_COUNT      0x20          /* 0 = latch the counts */
#define RB_NO_STATUS     0x10          /* 0 = latch the status */
#define RB_CHANNEL(i)    (0x02 << (i))

/* Status byte */
#define STATUS_OUT       0x80
#define STATUS_NULL      0x40

/* Access (RW1 RW0) */
enum { ACCESS_LSB = 1, ACCESS_MSB = 2, ACCESS_WORD = 3 };

/* Port 0x61 */
#define P61_GATE2        0x01
#define P61_WRITABLE     0x0f          /* gate 2, speaker data, parity/channel check enables */
#define P61_REFRESH      0x10
#define P61_OUT2         0x20

#define NO_EVENT         UINT64_MAX

typedef struct PitChannel {
    /* Programming */
    uint8_t control;          /* RW, M, BCD bits of the last control word (the status byte's) */
    uint8_t mode;             /* 0-5 */
    uint8_t access;
    bool bcd;
    uint16_t cr;              /* the count register, as written */
    bool cr_valid;            /* a whole count was written since the control word */
    bool write_msb_next;
    uint8_t cr_lsb;
    bool read_msb_next;
    bool count_latched;
    uint16_t latched_count;
    bool status_latched;
    uint8_t latched_status;
    bool null_count;          /* CR written but not yet in CE */
    bool gate;

    /* The counting element */
    bool armed;               /* CE holds a loaded count */
    uint32_t n;               /* that count, 1..65536 (1..10000 in BCD) */
    int64_t start_ns;         /* counting (re)started then ... */
    int64_t ticks_before;     /* ... at this many ticks (negative after a reload at a boundary) */
    bool running;             /* counting now (the gate allows it) */
    uint32_t phase;           /* mode 3: ticks into the period at the start */
    bool reload_pending;      /* modes 2, 3: CR goes to CE at tick reload_at */
    uint64_t reload_at;
    uint32_t ce_hold;         /* CE while not armed */
    bool out_hold;            /* OUT while not armed */
    uint64_t rises_base;      /* OUT's rising edges in earlier loads */
} PitChannel;

typedef struct PitTimerSource {
    GSource source;
    I8254 *pit;
} PitTimerSource;

struct I8254 {
    PitChannel ch[PIT_NR_CHANNELS];
    IrqLine irq0;
    bool irq_level;
    uint64_t irq_rises_seen;
    uint8_t port61;
    GSource *timer;
    _Atomic int64_t deadline_ns;    /* channel 0's next edge, -1 = none; read by the I/O thread */
    int64_t (*now_ns)(void *opaque);
    void *clock_opaque;
};

/* ---- time ----------------------------------------------------------------------- */

static int64_t host_monotonic_ns(void *unused)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * NS_PER_SEC + ts.tv_nsec;
}

static int64_t pit_now(const I8254 *pit)
{
    return pit->now_ns(pit->clock_opaque);
}

/* Whole PIT clocks in [from, to). */
static uint64_t ticks_between(int64_t from, int64_t to)
{
    if (to <= from) {
        return 0;
    }
    return (unsigned __int128)(to - from) * I8254_CLOCK_HZ / NS_PER_SEC;
}

/* The first ns offset at which `ticks` clocks have elapsed. */
static int64_t ns_for_ticks(uint64_t ticks)
{
    return ((unsigned __int128)ticks * NS_PER_SEC + I8254_CLOCK_HZ - 1) / I8254_CLOCK_HZ;
}

/* ---- counts: binary or four BCD decades ------------------------------------------------ */

static uint32_t channel_modulus(const PitChannel *c)
{
    return c->bcd ? 10000 : 65536;
}

/* The count N a CR value stands for; 0 is the largest, 2^16 or 10^4. */
static uint32_t channel_decode_count(const PitChannel *c, uint16_t raw)
{
    uint32_t v = raw;
    if (c->bcd) {
        v = 0;
        for (int shift = 12; shift >= 0; shift -= 4) {
            unsigned digit = (raw >> shift) & 0xf;
            if (digit > 9) {
                log_mask(LOG_GUEST_ERROR, "i8254: BCD count 0x%04x has a digit above 9\n", raw);
                digit = 9;
            }
            v = v * 10 + digit;
        }
    }
    return v ? v : channel_modulus(c);
}

static uint16_t channel_encode_count(const PitChannel *c, uint32_t v)
{
    v %= channel_modulus(c);
    if (!c->bcd) {
        return v;
    }
    return (v / 1000) << 12 | (v / 100 % 10) << 8 | (v / 10 % 10) << 4 | (v % 10);
}

/* ---- the counting element, as a function of elapsed ticks -------------------------------- */

static bool mode_gate_enables(uint8_t mode)
{
    return mode != 1 && mode != 5;     /* in modes 1 and 5 the gate is a trigger */
}

static uint32_t square_high_ticks(uint32_t n)
{
    return (n + 1) / 2;                /* odd counts: high one clock longer than low */
}

static uint64_t channel_elapsed(const PitChannel *c, int64_t now)
{
    int64_t d = c->ticks_before + (int64_t)(c->running ? ticks_between(c->start_ns, now) : 0);
    return d > 0 ? d : 0;
}

static uint32_t channel_ce(const PitChannel *c, uint64_t d)
{
    uint32_t m = channel_modulus(c), n = c->n;
    if (!c->armed) {
        return c->ce_hold;
    }
    switch (c->mode) {
    case 2:
        return (n - d % n) % m;
    case 3: {
        uint32_t t = (d + c->phase) % n, high = square_high_ticks(n);
        uint32_t in_half = t < high ? t : t - high;
        uint32_t top = n % 2 ? n - 1 : n;      /* an odd count loads N - 1 */
        return (top - 2 * in_half) % m;
    }
    default:
        return (n + m - d % m) % m;
    }
}

static bool channel_out(const PitChannel *c, uint64_t d)
{
    if (!c->armed) {
        return c->out_hold;
    }
    switch (c->mode) {
    case 0:
    case 1:
        return d >= c->n;
    case 2:
        return !c->running || d % c->n != c->n - 1;   /* gate low forces OUT high */
    case 3:
        return !c->running || (d + c->phase) % c->n < square_high_ticks(c->n);
    default:
        return d != c->n;
    }
}

/* How many times OUT has risen since the count was loaded. */
static uint64_t channel_rises(const PitChannel *c, uint64_t d)
{
    if (!c->armed) {
        return 0;
    }
    switch (c->mode) {
    case 0:
    case 1:
        return d >= c->n;
    case 2:
        return d / c->n;
    case 3:
        return (d + c->phase) / c->n;
    default:
        return d >= (uint64_t)c->n + 1;
    }
}

/* The first tick after d at which OUT changes in a way IRQ 0 must follow, or NO_EVENT. */
static uint64_t channel_next_event(const PitChannel *c, uint64_t d)
{
    if (!c->armed || !c->running) {
        return NO_EVENT;
    }
    uint64_t n = c->n;
    switch (c->mode) {
    case 0:
    case 1:
        return d < n ? n : NO_EVENT;
    case 2:
        return (d / n + 1) * n;
    case 3: {
        uint64_t t = (d + c->phase) % n, high = square_high_ticks(n);
        return t < high ? d + (high - t) : d + (n - t);
    }
    default:
        return d < n + 1 ? n + 1 : NO_EVENT;
    }
}

/* The host time at which the channel's elapsed ticks reach `ticks` (it is running). */
static int64_t channel_time_of(const PitChannel *c, uint64_t ticks)
{
    int64_t ahead = (int64_t)ticks - c->ticks_before;
    return c->start_ns + ns_for_ticks(ahead > 0 ? ahead : 0);
}

/* ---- loading and stopping the counting element --------------------------------------------- */

/* CR -> CE now: counting starts (if the gate allows) from N, OUT at its mode's start. */
static void channel_load_cr(PitChannel *c, int64_t now)
{
    c->rises_base += channel_rises(c, channel_elapsed(c, now));
    c->armed = true;
    c->n = channel_decode_count(c, c->cr);
    c->phase = 0;
    c->start_ns = now;
    c->ticks_before = 0;
    c->running = mode_gate_enables(c->mode) ? c->gate : true;
    c->reload_pending = false;
    c->null_count = false;
}

/* CE stops where it is and OUT is held at `out` (a control word, mode 0's first count byte). */
static void channel_disarm(PitChannel *c, int64_t now, bool out)
{
    uint64_t d = channel_elapsed(c, now);
    c->rises_base += channel_rises(c, d);
    c->ce_hold = channel_ce(c, d);
    c->armed = false;
    c->out_hold = out;
    c->running = false;
    c->reload_pending = false;
}

/* Modes 2 and 3: a count written while counting waits for the end of the (half) period. */
static void channel_catch_up(PitChannel *c, int64_t now)
{
    if (!c->reload_pending || !c->running) {
        return;
    }
    uint64_t d = channel_elapsed(c, now);
    if (d < c->reload_at) {
        return;
    }
    uint64_t at = c->reload_at;
    uint32_t n = channel_decode_count(c, c->cr), phase = 0;
    if (c->mode == 3 && (at + c->phase) % c->n != 0) {
        phase = square_high_ticks(n);      /* the high half ended: the new count starts low */
    }
    /* The new count starts exactly at tick `at`: same start time, `at` fewer ticks. */
    c->rises_base += channel_rises(c, at);
    c->ticks_before -= at;
    c->n = n;
    c->phase = phase;
    c->reload_pending = false;
    c->null_count = false;
}

static void channel_count_written(PitChannel *c, int64_t now)
{
    c->cr_valid = true;
    c->null_count = true;
    switch (c->mode) {
    case 0:
    case 4:
        channel_load_cr(c, now);           /* counting continues from the new count */
        break;
    case 1:
    case 5:
        break;                             /* waits for a gate trigger */
    default:
        if (!c->armed) {
            channel_load_cr(c, now);
        } else if (c->running) {
            c->reload_pending = true;
            c->reload_at = channel_next_event(c, channel_elapsed(c, now));
        }                                  /* gate low: loaded by its rising edge */
        break;
    }
}

/* Datasheet, "Gate": level-sensitive in modes 0, 2, 3, 4; rising edge triggers 1, 2, 3, 5. */
static void channel_set_gate(PitChannel *c, bool level, int64_t now)
{
    if (level == c->gate) {
        return;
    }
    channel_catch_up(c, now);
    uint64_t d = channel_elapsed(c, now);
    c->gate = level;
    if (!c->armed && !(level && c->cr_valid && c->mode != 0 && c->mode != 4)) {
        return;
    }
    switch (c->mode) {
    case 0:
    case 4:
        if (level) {
            c->start_ns = now;             /* counting resumes where it stopped */
        } else {
            c->ticks_before = d;
        }
        c->running = level;
        break;
    default:
        if (level) {
            channel_load_cr(c, now);       /* trigger: reload and start over */
        } else if (c->mode == 2 || c->mode == 3) {
            c->ticks_before = d;           /* counting stops; OUT goes high */
            c->running = false;
            c->reload_pending = false;     /* CR is loaded by the next rising edge */
        }
        break;
    }
}

/* ---- the registers ------------------------------------------------------------------------ */

static uint8_t channel_status(PitChannel *c, int64_t now)
{
    channel_catch_up(c, now);
    bool out = channel_out(c, channel_elapsed(c, now));
    return (out ? STATUS_OUT : 0) | (c->null_count ? STATUS_NULL : 0) | c->control;
}

static void channel_latch_count(PitChannel *c, int64_t now)
{
    if (c->count_latched) {
        return;                            /* datasheet: a second latch before the read is ignored */
    }
    channel_catch_up(c, now);
    c->latched_count = channel_encode_count(c, channel_ce(c, channel_elapsed(c, now)));
    c->count_latched = true;
}

static void channel_latch_status(PitChannel *c, int64_t now)
{
    if (!c->status_latched) {
        c->latched_status = channel_status(c, now);
        c->status_latched = true;
    }
}

static void channel_write_control(PitChannel *c, uint8_t val, int64_t now)
{
    channel_catch_up(c, now);
    channel_disarm(c, now, true);          /* under the old mode: CE stops where it is */
    uint8_t mode = (val >> CW_MODE_SHIFT) & 7;
    c->control = val & 0x3f;
    c->access = (val >> CW_RW_SHIFT) & 3;
    c->mode = mode > 5 ? mode - 4 : mode;  /* 6 and 7 are modes 2 and 3 */
    c->bcd = val & CW_BCD;
    /* datasheet: control logic reset, OUT to its initial state: low in mode 0, else high */
    c->out_hold = c->mode != 0;
    c->ce_hold %= channel_modulus(c);
    c->cr_valid = false;
    c->null_count = true;
    c->write_msb_next = false;
    c->read_msb_next = false;
    c->count_latched = false;
    c->status_latched = false;
}

static void channel_write_count(PitChannel *c, uint8_t val, int64_t now)
{
    channel_catch_up(c, now);
    switch (c->access) {
    case ACCESS_LSB:
        c->cr = val;                       /* the MSB is zero */
        break;
    case ACCESS_MSB:
        c->cr = val << 8;
        break;
    default:
        if (!c->write_msb_next) {
            c->cr_lsb = val;
            c->write_msb_next = true;
            if (c->mode == 0) {
                channel_disarm(c, now, false);   /* mode 0: the first byte stops counting */
            }
            return;
        }
        c->cr = c->cr_lsb | val << 8;
        c->write_msb_next = false;
        break;
    }
    channel_count_written(c, now);
}

static uint8_t channel_read(PitChannel *c, int64_t now)
{
    if (c->status_latched) {
        c->status_latched = false;         /* datasheet: status first, then the latched count */
        return c->latched_status;
    }
    uint16_t v;
    if (c->count_latched) {
        v = c->latched_count;
    } else {
        channel_catch_up(c, now);
        v = channel_encode_count(c, channel_ce(c, channel_elapsed(c, now)));
    }
    bool msb;
    switch (c->access) {
    case ACCESS_LSB:
        msb = false;
        break;
    case ACCESS_MSB:
        msb = true;
        break;
    default:
        msb = c->read_msb_next;
        c->read_msb_next = !c->read_msb_next;
        break;
    }
    if (msb || c->access == ACCESS_LSB) {
        c->count_latched = false;          /* the whole latched count has been read */
    }
    return msb ? v >> 8 : v & 0xff;
}

/* ---- IRQ 0 and its timer ----------------------------------------------------------------- */

static void pit_arm_timer(I8254 *pit, int64_t now)
{
    const PitChannel *c = &pit->ch[0];
    uint64_t next = channel_next_event(c, channel_elapsed(c, now));
    int64_t deadline = next == NO_EVENT ? -1 : channel_time_of(c, next);
    int64_t old = atomic_exchange(&pit->deadline_ns, deadline);
    if (deadline >= 0 && (old < 0 || deadline < old)) {
        GMainContext *ctx = g_source_get_context(pit->timer);
        if (ctx) {
            g_main_context_wakeup(ctx);    /* the I/O thread may be asleep until later */
        }
    }
}

/* Bring the IRQ 0 line up to date with channel 0's OUT, and re-arm the timer. */
static void pit_update_irq0(I8254 *pit, int64_t now)
{
    PitChannel *c = &pit->ch[0];
    channel_catch_up(c, now);
    uint64_t d = channel_elapsed(c, now);
    uint64_t rises = c->rises_base + channel_rises(c, d);
    if (rises != pit->irq_rises_seen) {
        if (pit->irq_level) {
            irq_lower(pit->irq0);
        }
        irq_raise(pit->irq0);              /* one rising edge for all those since the last look */
        pit->irq_level = true;
        pit->irq_rises_seen = rises;
    }
    bool out = channel_out(c, d);
    if (out != pit->irq_level) {
        pit->irq_level = out;
        irq_set(pit->irq0, out);
    }
    pit_arm_timer(pit, now);
}

static gboolean pit_timer_prepare(GSource *source, gint *timeout)
{
    I8254 *pit = ((PitTimerSource *)source)->pit;
    int64_t deadline = atomic_load(&pit->deadline_ns);
    if (deadline < 0) {
        *timeout = -1;
        return FALSE;
    }
    int64_t left = deadline - pit_now(pit);
    if (left <= 0) {
        *timeout = 0;
        return TRUE;
    }
    int64_t ms = (left + 999999) / 1000000;
    *timeout = ms > INT_MAX ? INT_MAX : (gint)ms;
    return FALSE;
}

static gboolean pit_timer_check(GSource *source)
{
    I8254 *pit = ((PitTimerSource *)source)->pit;
    int64_t deadline = atomic_load(&pit->deadline_ns);
    return deadline >= 0 && pit_now(pit) >= deadline;
}

static gboolean pit_timer_dispatch(GSource *source, GSourceFunc unused, gpointer unused2)
{
    I8254 *pit = ((PitTimerSource *)source)->pit;
    machine_lock();
    pit_update_irq0(pit, pit_now(pit));
    machine_unlock();
    return G_SOURCE_CONTINUE;
}

static GSourceFuncs pit_timer_funcs = {
    .prepare = pit_timer_prepare,
    .check = pit_timer_check,
    .dispatch = pit_timer_dispatch,
};

/* ---- ports 0x40-0x43 ------------------------------------------------------------------------- */

static void pit_read_back(I8254 *pit, uint8_t val, int64_t now)
{
    for (int i = 0; i < PIT_NR_CHANNELS; i++) {
        if (!(val & RB_CHANNEL(i))) {
            continue;
        }
        if (!(val & RB_NO_COUNT)) {
            channel_latch_count(&pit->ch[i], now);
        }
        if (!(val & RB_NO_STATUS)) {
            channel_latch_status(&pit->ch[i], now);
        }
    }
}

static void pit_write_control(I8254 *pit, uint8_t val, int64_t now)
{
    unsigned sc = val >> CW_SC_SHIFT;
    if (sc == CW_SC_READ_BACK) {
        if (val & 0x01) {
            log_mask(LOG_GUEST_ERROR, "i8254: read-back command 0x%02x sets reserved bit 0\n", val);
        }
        pit_read_back(pit, val, now);
    } else if (((val >> CW_RW_SHIFT) & 3) == CW_RW_LATCH) {
        channel_latch_count(&pit->ch[sc], now);
    } else {
        channel_write_control(&pit->ch[sc], val, now);
    }
}

static uint64_t pit_io_read(void *opaque, uint64_t offset, unsigned size)
{
    I8254 *pit = opaque;
    if (offset == PIT_CONTROL_PORT) {
        log_mask(LOG_GUEST_ERROR, "i8254: read of the write-only control port 0x43\n");
        return 0xff;
    }
    return channel_read(&pit->ch[offset], pit_now(pit));
}

static void pit_io_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    I8254 *pit = opaque;
    int64_t now = pit_now(pit);
    if (offset == PIT_CONTROL_PORT) {
        pit_write_control(pit, value, now);
    } else {
        channel_write_count(&pit->ch[offset], value, now);
    }
    pit_update_irq0(pit, now);
}

static const MemoryRegionOps pit_io_ops = {
    .read = pit_io_read, .write = pit_io_write,
    .valid_min = 1, .valid_max = 4, .impl_min = 1, .impl_max = 1,
};

/* ---- port 0x61, system control port B ----------------------------------------------------------- */

static uint64_t port61_read(void *opaque, uint64_t offset, unsigned size)
{
    I8254 *pit = opaque;
    int64_t now = pit_now(pit);
    PitChannel *c2 = &pit->ch[2];
    channel_catch_up(c2, now);
    uint8_t v = pit->port61;
    if ((now / REFRESH_PERIOD_NS) & 1) {
        v |= P61_REFRESH;
    }
    if (channel_out(c2, channel_elapsed(c2, now))) {
        v |= P61_OUT2;
    }
    return v;
}

static void port61_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    I8254 *pit = opaque;
    pit->port61 = value & P61_WRITABLE;   /* bits 4-7 are status, read-only */
    channel_set_gate(&pit->ch[2], value & P61_GATE2, pit_now(pit));
}

static const MemoryRegionOps port61_ops = {
    .read = port61_read, .write = port61_write,
    .valid_min = 1, .valid_max = 4, .impl_min = 1, .impl_max = 1,
};

/* ---- life -------------------------------------------------------------------------------------- */

/* Every channel in mode 3, LSB-then-MSB, binary, count 65536 loaded; gate 2 low. */
static void pit_reset_state(I8254 *pit)
{
    int64_t now = pit_now(pit);
    for (int i = 0; i < PIT_NR_CHANNELS; i++) {
        PitChannel *c = &pit->ch[i];
        *c = (PitChannel){ .gate = i != 2 };
        channel_write_control(c, ACCESS_WORD << CW_RW_SHIFT | 3 << CW_MODE_SHIFT, now);
        channel_write_count(c, 0, now);
        channel_write_count(c, 0, now);
        c->rises_base = 0;
    }
    pit->port61 = 0;
    pit->irq_rises_seen = 0;
}

void i8254_reset(I8254 *pit)
{
    pit_reset_state(pit);
    pit_update_irq0(pit, pit_now(pit));
}

void i8254_set_clock(I8254 *pit, int64_t (*now_ns)(void *opaque), void *opaque)
{
    pit->now_ns = now_ns;
    pit->clock_opaque = opaque;
    i8254_reset(pit);
}

I8254 *i8254_new(AddressSpace *io, IrqLine irq0)
{
    I8254 *pit = calloc(1, sizeof(*pit));
    assert(pit);
    pit->irq0 = irq0;
    pit->now_ns = host_monotonic_ns;
    atomic_init(&pit->deadline_ns, -1);

    pit->timer = g_source_new(&pit_timer_funcs, sizeof(PitTimerSource));
    ((PitTimerSource *)pit->timer)->pit = pit;
    g_source_set_name(pit->timer, "i8254");
    g_source_attach(pit->timer, g_main_context_default());

    /* The line is left low here: the interrupt controllers may not exist yet. */
    pit_reset_state(pit);
    pit_arm_timer(pit, pit_now(pit));

    int r = address_space_add_io(io, "i8254", PIT_BASE_PORT, PIT_NR_PORTS, &pit_io_ops, pit);
    assert(r == 0);
    r = address_space_add_io(io, "port61", PORT61, 1, &port61_ops, pit);
    assert(r == 0);
    (void)r;
    return pit;
}

void i8254_free(I8254 *pit)
{
    if (!pit) {
        return;
    }
    g_source_destroy(pit->timer);
    g_source_unref(pit->timer);
    free(pit);
}
