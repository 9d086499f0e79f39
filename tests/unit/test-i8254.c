/* Unit tests of the i8254 PIT and port 0x61, on a hand-moved clock: modes 0-5, latches, read-back, IRQ 0. */
#include <glib.h>
#include <string.h>

#include "hw/i8254.h"

enum { CH0 = 0x40, CH1 = 0x41, CH2 = 0x42, CONTROL = 0x43, PORT61 = 0x61 };

typedef struct FakeIrq {
    int level;
    int rises;
    int falls;
} FakeIrq;

static void fake_irq_set(void *opaque, int n, int level)
{
    FakeIrq *f = opaque;
    g_assert_cmpint(n, ==, 0);
    if (level && !f->level) {
        f->rises++;
    }
    if (!level && f->level) {
        f->falls++;
    }
    f->level = level;
}

typedef struct Fixture {
    AddressSpace io;
    FakeIrq irq;
    I8254 *pit;
    int64_t now;          /* the fake clock, ns */
    int64_t t0;           /* when the test's programming started */
} Fixture;

static int64_t fake_now(void *opaque)
{
    return ((Fixture *)opaque)->now;
}

static void fixture_init(Fixture *f)
{
    memset(f, 0, sizeof(*f));
    f->now = 1000 * 1000000000ll + 123;     /* an arbitrary start, not a tick boundary */
    address_space_init(&f->io, "io", 0x10000);
    f->pit = i8254_new(&f->io, (IrqLine){ fake_irq_set, &f->irq, 0 });
    i8254_set_clock(f->pit, fake_now, f);
    f->t0 = f->now;
}

static void fixture_fini(Fixture *f)
{
    i8254_free(f->pit);
    address_space_destroy(&f->io);
}

static void outb(Fixture *f, uint16_t port, uint8_t val)
{
    address_space_write(&f->io, port, val, 1);
}

static uint8_t inb(Fixture *f, uint16_t port)
{
    return address_space_read(&f->io, port, 1);
}

/* Run what the I/O thread would: every timer that is due on the fake clock. */
static void run_timers(void)
{
    while (g_main_context_iteration(NULL, FALSE)) {
    }
}

/* The first ns at which `ticks` PIT clocks have passed since t. */
static int64_t at_tick(int64_t t, uint64_t ticks)
{
    return t + (int64_t)((ticks * 1000000000ull + I8254_CLOCK_HZ - 1) / I8254_CLOCK_HZ);
}

/* Move the clock to `ticks` clocks after the reference point and run the timers. */
static void advance_to(Fixture *f, uint64_t ticks)
{
    int64_t t = at_tick(f->t0, ticks);
    g_assert_cmpint(t, >=, f->now);
    f->now = t;
    run_timers();
}

/* Program a channel's mode and LSB-then-MSB count, as Linux does; ticks count from here. */
static void program(Fixture *f, int ch, uint8_t mode_bits, uint16_t count)
{
    outb(f, CONTROL, ch << 6 | 0x30 | mode_bits);
    outb(f, CH0 + ch, count & 0xff);
    outb(f, CH0 + ch, count >> 8);
    f->t0 = f->now;
}

static uint16_t latch_and_read(Fixture *f, int ch)
{
    outb(f, CONTROL, ch << 6);           /* counter latch */
    uint8_t lo = inb(f, CH0 + ch);
    return lo | inb(f, CH0 + ch) << 8;
}

/* Read-back: the status byte of one channel. */
static uint8_t read_status(Fixture *f, int ch)
{
    outb(f, CONTROL, 0xe0 | 2 << ch);
    return inb(f, CH0 + ch);
}

static void test_power_on_state(void)
{
    Fixture f;
    fixture_init(&f);
    /* Mode 3, LSB then MSB, binary, count loaded, OUT high. */
    g_assert_cmphex(read_status(&f, 0), ==, 0x80 | 0x36);
    g_assert_cmphex(read_status(&f, 2), ==, 0x80 | 0x36);
    g_assert_cmphex(latch_and_read(&f, 0), ==, 0x0000);   /* 65536 */
    advance_to(&f, 100);
    g_assert_cmphex(latch_and_read(&f, 0), ==, 65536 - 200);
    g_assert_cmphex(latch_and_read(&f, 2), ==, 0x0000);   /* gate 2 low: not counting */
    g_assert_cmphex(inb(&f, PORT61) & 0x0f, ==, 0x00);
    /* 18.2 Hz: the line falls half-way and rises at the end of each period. */
    g_assert_cmpint(f.irq.level, ==, 1);
    int rises = f.irq.rises;
    advance_to(&f, 32767);
    g_assert_cmpint(f.irq.level, ==, 1);
    advance_to(&f, 32768);
    g_assert_cmpint(f.irq.level, ==, 0);
    advance_to(&f, 65535);
    g_assert_cmpint(f.irq.level, ==, 0);
    advance_to(&f, 65536);
    g_assert_cmpint(f.irq.level, ==, 1);
    g_assert_cmpint(f.irq.rises, ==, rises + 1);
    fixture_fini(&f);
}

static void test_mode0_terminal_count(void)
{
    Fixture f;
    fixture_init(&f);
    program(&f, 0, 0x00, 1000);
    g_assert_cmpint(f.irq.level, ==, 0);
    g_assert_cmphex(read_status(&f, 0), ==, 0x30);        /* OUT low, count loaded */
    int rises = f.irq.rises;
    advance_to(&f, 100);
    g_assert_cmpuint(latch_and_read(&f, 0), ==, 900);
    advance_to(&f, 999);
    g_assert_cmpint(f.irq.level, ==, 0);
    g_assert_cmpuint(latch_and_read(&f, 0), ==, 1);
    advance_to(&f, 1000);
    g_assert_cmpint(f.irq.level, ==, 1);                  /* the timer raised IRQ 0 */
    g_assert_cmpint(f.irq.rises, ==, rises + 1);
    g_assert_cmphex(read_status(&f, 0), ==, 0xb0);
    advance_to(&f, 1005);
    g_assert_cmpuint(latch_and_read(&f, 0), ==, 65531);   /* counting goes on, wrapping */
    advance_to(&f, 1000 + 65536 * 2);
    g_assert_cmpint(f.irq.rises, ==, rises + 1);          /* one terminal count only */
    g_assert_cmpint(f.irq.level, ==, 1);
    /* A new count makes OUT low again. */
    program(&f, 0, 0x00, 10);
    g_assert_cmpint(f.irq.level, ==, 0);
    advance_to(&f, 10);
    g_assert_cmpint(f.irq.level, ==, 1);
    fixture_fini(&f);
}

static void test_mode0_first_byte_stops_counting(void)
{
    Fixture f;
    fixture_init(&f);
    program(&f, 0, 0x00, 1000);
    advance_to(&f, 1000);
    g_assert_cmpint(f.irq.level, ==, 1);
    outb(&f, CH0, 0x20);                 /* first byte: counting stops, OUT low */
    g_assert_cmpint(f.irq.level, ==, 0);
    uint16_t held = latch_and_read(&f, 0);
    advance_to(&f, 3000);
    g_assert_cmpuint(latch_and_read(&f, 0), ==, held);
    outb(&f, CH0, 0x00);                 /* second byte: count 0x0020 loaded */
    f.t0 = f.now;
    advance_to(&f, 0x1f);
    g_assert_cmpint(f.irq.level, ==, 0);
    advance_to(&f, 0x20);
    g_assert_cmpint(f.irq.level, ==, 1);
    fixture_fini(&f);
}

/* Linux's periodic clock event: mode 2, LATCH for HZ = 250. */
static void test_mode2_rate_generator_irq0(void)
{
    Fixture f;
    fixture_init(&f);
    const uint16_t latch = (I8254_CLOCK_HZ + 125) / 250;
    program(&f, 0, 0x04, latch);
    g_assert_cmpint(f.irq.level, ==, 1);                  /* OUT high between pulses */
    int rises = f.irq.rises;
    for (int ms = 1; ms <= 1000; ms++) {                  /* the I/O thread wakes each ms */
        advance_to(&f, (uint64_t)ms * I8254_CLOCK_HZ / 1000);
    }
    g_assert_cmpint(f.irq.rises - rises, ==, 1000ull * I8254_CLOCK_HZ / 1000 / latch);
    g_assert_cmpint(f.irq.level, ==, 1);
    /* The counter: N at load, 1 at the end of the period, then N again. */
    program(&f, 0, 0x04, 100);
    advance_to(&f, 0);
    g_assert_cmpuint(latch_and_read(&f, 0), ==, 100);
    advance_to(&f, 99);
    g_assert_cmpuint(latch_and_read(&f, 0), ==, 1);
    g_assert_cmphex(read_status(&f, 0) & 0x80, ==, 0);   /* the one-clock low pulse */
    advance_to(&f, 100);
    g_assert_cmpuint(latch_and_read(&f, 0), ==, 100);
    g_assert_cmphex(read_status(&f, 0) & 0x80, ==, 0x80);
    fixture_fini(&f);
}

static void test_mode2_late_timer_coalesces(void)
{
    Fixture f;
    fixture_init(&f);
    program(&f, 0, 0x04, 1000);
    int rises = f.irq.rises;
    advance_to(&f, 5500);                /* five periods in one go: one edge, not five */
    g_assert_cmpint(f.irq.rises - rises, ==, 1);
    g_assert_cmpint(f.irq.level, ==, 1);
    advance_to(&f, 6000);                /* and then in step again */
    g_assert_cmpint(f.irq.rises - rises, ==, 2);
    fixture_fini(&f);
}

static void test_mode2_new_count_at_period_end(void)
{
    Fixture f;
    fixture_init(&f);
    program(&f, 0, 0x04, 1000);
    advance_to(&f, 300);
    outb(&f, CH0, 500 & 0xff);
    outb(&f, CH0, 500 >> 8);
    g_assert_cmphex(read_status(&f, 0) & 0x40, ==, 0x40);   /* null count until the reload */
    advance_to(&f, 999);
    g_assert_cmpuint(latch_and_read(&f, 0), ==, 1);          /* the old period runs out */
    advance_to(&f, 1000);
    g_assert_cmpuint(latch_and_read(&f, 0), ==, 500);
    g_assert_cmphex(read_status(&f, 0) & 0x40, ==, 0);
    advance_to(&f, 1100);
    g_assert_cmpuint(latch_and_read(&f, 0), ==, 400);
    int rises = f.irq.rises;
    advance_to(&f, 1500);
    g_assert_cmpint(f.irq.rises - rises, ==, 1);
    fixture_fini(&f);
}

static void test_mode3_square_wave(void)
{
    Fixture f;
    fixture_init(&f);
    program(&f, 0, 0x06, 1000);
    int rises = f.irq.rises, falls = f.irq.falls;
    g_assert_cmpint(f.irq.level, ==, 1);
    advance_to(&f, 100);
    g_assert_cmpuint(latch_and_read(&f, 0), ==, 800);       /* down by two */
    advance_to(&f, 499);
    g_assert_cmpint(f.irq.level, ==, 1);
    advance_to(&f, 500);
    g_assert_cmpint(f.irq.level, ==, 0);
    g_assert_cmpuint(latch_and_read(&f, 0), ==, 1000);      /* reloaded for the low half */
    advance_to(&f, 600);
    g_assert_cmpuint(latch_and_read(&f, 0), ==, 800);
    advance_to(&f, 1000);
    g_assert_cmpint(f.irq.level, ==, 1);
    for (int p = 2; p <= 10; p++) {
        advance_to(&f, p * 1000 - 500);
        advance_to(&f, p * 1000);
    }
    g_assert_cmpint(f.irq.rises - rises, ==, 10);
    g_assert_cmpint(f.irq.falls - falls, ==, 10);
    fixture_fini(&f);
}

/* Odd counts: high for (N + 1) / 2 clocks, low for (N - 1) / 2; CE starts from N - 1. */
static void test_mode3_odd_count(void)
{
    Fixture f;
    fixture_init(&f);
    program(&f, 2, 0x06, 5);
    outb(&f, PORT61, 0x01);              /* gate 2 high: counting starts now */
    f.t0 = f.now;
    static const uint16_t ce[] = { 4, 2, 0, 4, 2, 4, 2, 0 };
    static const int out[] = { 1, 1, 1, 0, 0, 1, 1, 1 };
    for (unsigned i = 0; i < G_N_ELEMENTS(ce); i++) {
        advance_to(&f, i);
        g_assert_cmpuint(latch_and_read(&f, 2), ==, ce[i]);
        g_assert_cmpint(!!(inb(&f, PORT61) & 0x20), ==, out[i]);
    }
    fixture_fini(&f);
}

static void test_mode3_late_timer_delivers_edge(void)
{
    Fixture f;
    fixture_init(&f);
    program(&f, 0, 0x06, 1000);
    int rises = f.irq.rises;
    advance_to(&f, 2600);                /* in a low half, two rises missed */
    g_assert_cmpint(f.irq.rises - rises, ==, 1);
    g_assert_cmpint(f.irq.level, ==, 0);
    fixture_fini(&f);
}

/* Mode 3: a count written in the high half takes over at its end, starting with its low half. */
static void test_mode3_new_count_at_half_period(void)
{
    Fixture f;
    fixture_init(&f);
    program(&f, 0, 0x06, 1000);
    advance_to(&f, 200);
    outb(&f, CH0, 400 & 0xff);
    outb(&f, CH0, 400 >> 8);
    advance_to(&f, 499);
    g_assert_cmpint(f.irq.level, ==, 1);
    g_assert_cmpuint(latch_and_read(&f, 0), ==, 2);
    g_assert_cmphex(read_status(&f, 0) & 0x40, ==, 0x40);
    advance_to(&f, 500);
    g_assert_cmpint(f.irq.level, ==, 0);
    g_assert_cmpuint(latch_and_read(&f, 0), ==, 400);
    g_assert_cmphex(read_status(&f, 0) & 0x40, ==, 0);
    int rises = f.irq.rises;
    advance_to(&f, 699);
    g_assert_cmpint(f.irq.level, ==, 0);
    advance_to(&f, 700);                 /* the new count's low half is 200 clocks */
    g_assert_cmpint(f.irq.level, ==, 1);
    advance_to(&f, 900);
    g_assert_cmpint(f.irq.level, ==, 0);
    advance_to(&f, 1100);
    g_assert_cmpint(f.irq.level, ==, 1);
    g_assert_cmpint(f.irq.rises - rises, ==, 2);
    fixture_fini(&f);
}

/* The real clock and a blocking main loop, as the I/O thread runs it: IRQ 0 at 1 kHz for 50 ms. */
static void test_host_clock_timer(void)
{
    AddressSpace io;
    FakeIrq irq = { 0 };
    address_space_init(&io, "io", 0x10000);
    I8254 *pit = i8254_new(&io, (IrqLine){ fake_irq_set, &irq, 0 });
    g_assert_cmpint(irq.rises, ==, 0);  /* the constructor leaves the line alone */
    address_space_write(&io, CONTROL, 0x34, 1);
    address_space_write(&io, CH0, (I8254_CLOCK_HZ / 1000) & 0xff, 1);
    address_space_write(&io, CH0, (I8254_CLOCK_HZ / 1000) >> 8, 1);
    int64_t start = g_get_monotonic_time();
    int rises = irq.rises;
    while (g_get_monotonic_time() - start < 50000) {
        g_main_context_iteration(NULL, TRUE);
    }
    int n = irq.rises - rises;
    g_test_message("%d edges of IRQ 0 in 50 ms", n);
    g_assert_cmpint(n, >=, 10);          /* a loaded host coalesces some; none come early */
    g_assert_cmpint(n, <=, 52);
    i8254_free(pit);
    address_space_destroy(&io);
}

/* Linux's one-shot clock event (mode 4) and its shutdown (mode 0, count 0). */
static void test_mode4_strobe_and_linux_shutdown(void)
{
    Fixture f;
    fixture_init(&f);
    program(&f, 0, 0x08, 100);
    g_assert_cmpint(f.irq.level, ==, 1);
    int rises = f.irq.rises;
    advance_to(&f, 99);
    g_assert_cmpint(f.irq.rises, ==, rises);
    g_assert_cmpuint(latch_and_read(&f, 0), ==, 1);
    advance_to(&f, 100);
    g_assert_cmphex(read_status(&f, 0) & 0x80, ==, 0);     /* the strobe */
    advance_to(&f, 101);
    g_assert_cmpint(f.irq.rises, ==, rises + 1);
    g_assert_cmpint(f.irq.level, ==, 1);
    advance_to(&f, 101 + 3 * 65536);
    g_assert_cmpint(f.irq.rises, ==, rises + 1);           /* once */

    program(&f, 0, 0x00, 0);             /* pit_shutdown: 0x30, then 0, 0 */
    g_assert_cmpint(f.irq.level, ==, 0);
    advance_to(&f, 65535);
    g_assert_cmpint(f.irq.level, ==, 0);
    advance_to(&f, 65536);
    g_assert_cmpint(f.irq.level, ==, 1);
    fixture_fini(&f);
}

/* Linux's pit_calibrate_tsc: channel 2, mode 0, polling port 0x61 bit 5. */
static void test_linux_pit_calibrate_tsc(void)
{
    Fixture f;
    fixture_init(&f);
    const uint16_t latch = I8254_CLOCK_HZ / (1000 / 50);   /* 50 ms */
    outb(&f, PORT61, (inb(&f, PORT61) & ~0x02) | 0x01);
    outb(&f, CONTROL, 0xb0);
    outb(&f, CH2, latch & 0xff);
    outb(&f, CH2, latch >> 8);
    f.t0 = f.now;
    g_assert_cmphex(inb(&f, PORT61) & 0x20, ==, 0);
    int polls = 0;
    while (!(inb(&f, PORT61) & 0x20)) {
        f.now += 10000;                  /* 10 us per poll */
        polls++;
        g_assert_cmpint(polls, <, 100000);
    }
    int64_t elapsed = f.now - f.t0;
    g_assert_cmpint(elapsed, >=, 50000000 - 1000);
    g_assert_cmpint(elapsed, <=, 50000000 + 10000);
    fixture_fini(&f);
}

/* Linux's quick_pit_calibrate: unlatched LSB, MSB reads of a mode 0 count from 0xffff. */
static void test_linux_quick_pit_calibrate(void)
{
    Fixture f;
    fixture_init(&f);
    outb(&f, PORT61, (inb(&f, PORT61) & ~0x02) | 0x01);
    outb(&f, CONTROL, 0xb0);
    outb(&f, CH2, 0xff);
    outb(&f, CH2, 0xff);
    f.t0 = f.now;
    for (int i = 0; i < 200; i++) {
        advance_to(&f, i * 256 + 128);
        inb(&f, CH2);                    /* ignore the LSB */
        g_assert_cmphex(inb(&f, CH2), ==, 0xff - i);
    }
    fixture_fini(&f);
}

static void test_gate_pauses_mode0(void)
{
    Fixture f;
    fixture_init(&f);
    outb(&f, PORT61, 0x01);
    program(&f, 2, 0x00, 1000);
    advance_to(&f, 400);
    outb(&f, PORT61, 0x00);              /* gate low: counting stops */
    g_assert_cmpuint(latch_and_read(&f, 2), ==, 600);
    advance_to(&f, 5000);
    g_assert_cmpuint(latch_and_read(&f, 2), ==, 600);
    g_assert_cmphex(inb(&f, PORT61) & 0x20, ==, 0);
    outb(&f, PORT61, 0x01);              /* and resumes */
    f.t0 = f.now;
    advance_to(&f, 599);
    g_assert_cmphex(inb(&f, PORT61) & 0x20, ==, 0);
    advance_to(&f, 600);
    g_assert_cmphex(inb(&f, PORT61) & 0x20, ==, 0x20);
    fixture_fini(&f);
}

static void test_mode1_gate_triggered_one_shot(void)
{
    Fixture f;
    fixture_init(&f);
    program(&f, 2, 0x02, 300);
    g_assert_cmphex(inb(&f, PORT61) & 0x20, ==, 0x20);    /* OUT high until triggered */
    g_assert_cmphex(read_status(&f, 2) & 0x40, ==, 0x40); /* not loaded yet */
    advance_to(&f, 1000);
    g_assert_cmphex(inb(&f, PORT61) & 0x20, ==, 0x20);
    outb(&f, PORT61, 0x01);              /* trigger */
    f.t0 = f.now;
    g_assert_cmphex(inb(&f, PORT61) & 0x20, ==, 0);
    g_assert_cmphex(read_status(&f, 2) & 0x40, ==, 0);
    advance_to(&f, 200);
    g_assert_cmpuint(latch_and_read(&f, 2), ==, 100);
    outb(&f, PORT61, 0x00);              /* gate low does not stop a one-shot */
    outb(&f, PORT61, 0x01);              /* retrigger: 300 more clocks */
    f.t0 = f.now;
    advance_to(&f, 299);
    g_assert_cmphex(inb(&f, PORT61) & 0x20, ==, 0);
    advance_to(&f, 300);
    g_assert_cmphex(inb(&f, PORT61) & 0x20, ==, 0x20);
    /* A new count waits for the next trigger. */
    outb(&f, CH2, 50);
    outb(&f, CH2, 0);
    advance_to(&f, 400);
    g_assert_cmphex(inb(&f, PORT61) & 0x20, ==, 0x20);
    outb(&f, PORT61, 0x00);
    outb(&f, PORT61, 0x01);
    f.t0 = f.now;
    advance_to(&f, 49);
    g_assert_cmphex(inb(&f, PORT61) & 0x20, ==, 0);
    advance_to(&f, 50);
    g_assert_cmphex(inb(&f, PORT61) & 0x20, ==, 0x20);
    fixture_fini(&f);
}

static void test_mode5_gate_triggered_strobe(void)
{
    Fixture f;
    fixture_init(&f);
    program(&f, 2, 0x0a, 20);
    advance_to(&f, 100);
    g_assert_cmphex(inb(&f, PORT61) & 0x20, ==, 0x20);
    outb(&f, PORT61, 0x01);
    f.t0 = f.now;
    advance_to(&f, 19);
    g_assert_cmphex(inb(&f, PORT61) & 0x20, ==, 0x20);
    advance_to(&f, 20);
    g_assert_cmphex(inb(&f, PORT61) & 0x20, ==, 0);       /* the strobe */
    advance_to(&f, 21);
    g_assert_cmphex(inb(&f, PORT61) & 0x20, ==, 0x20);
    fixture_fini(&f);
}

static void test_mode2_gate_low_forces_out_high_and_reloads(void)
{
    Fixture f;
    fixture_init(&f);
    outb(&f, PORT61, 0x01);
    program(&f, 2, 0x04, 10);
    advance_to(&f, 9);
    g_assert_cmphex(inb(&f, PORT61) & 0x20, ==, 0);       /* the low pulse ... */
    outb(&f, PORT61, 0x00);
    g_assert_cmphex(inb(&f, PORT61) & 0x20, ==, 0x20);    /* ... cut short by the gate */
    advance_to(&f, 100);
    g_assert_cmpuint(latch_and_read(&f, 2), ==, 1);       /* stopped */
    outb(&f, PORT61, 0x01);              /* rising edge: reload from N */
    f.t0 = f.now;
    g_assert_cmpuint(latch_and_read(&f, 2), ==, 10);
    advance_to(&f, 3);
    g_assert_cmpuint(latch_and_read(&f, 2), ==, 7);
    fixture_fini(&f);
}

static void test_counter_latch(void)
{
    Fixture f;
    fixture_init(&f);
    program(&f, 0, 0x00, 50000);
    advance_to(&f, 1000);
    outb(&f, CONTROL, 0x00);             /* latch 49000 */
    advance_to(&f, 2000);
    outb(&f, CONTROL, 0x00);             /* ignored: the first latch is unread */
    g_assert_cmpuint(inb(&f, CH0), ==, 49000 & 0xff);
    advance_to(&f, 3000);
    g_assert_cmpuint(inb(&f, CH0), ==, 49000 >> 8);
    /* Now unlatched: the live count. */
    uint8_t lo = inb(&f, CH0);
    uint8_t hi = inb(&f, CH0);
    g_assert_cmpuint(lo | hi << 8, ==, 47000);
    /* A new control word drops an unread latch. */
    outb(&f, CONTROL, 0x00);
    program(&f, 0, 0x00, 7);
    g_assert_cmpuint(latch_and_read(&f, 0), ==, 7);
    fixture_fini(&f);
}

static void test_read_back(void)
{
    Fixture f;
    fixture_init(&f);
    outb(&f, PORT61, 0x01);
    program(&f, 0, 0x00, 1000);
    outb(&f, CONTROL, 0x96);             /* channel 2: LSB only, mode 3, binary */
    outb(&f, CH2, 40);
    f.t0 = f.now;
    advance_to(&f, 10);
    outb(&f, CONTROL, 0xc0 | 0x02 | 0x08);   /* latch count and status of 0 and 2 */
    g_assert_cmphex(inb(&f, CH0), ==, 0x30);             /* status first: OUT low, mode 0 */
    g_assert_cmpuint(inb(&f, CH0), ==, 990 & 0xff);
    g_assert_cmpuint(inb(&f, CH0), ==, 990 >> 8);
    g_assert_cmphex(inb(&f, CH2), ==, 0x80 | 0x16);      /* OUT high, LSB, mode 3 */
    g_assert_cmpuint(inb(&f, CH2), ==, 20);
    advance_to(&f, 12);
    g_assert_cmpuint(inb(&f, CH2), ==, 16);              /* LSB-only reads: no flip-flop */
    /* Status only, twice: the second is ignored until the first is read. */
    outb(&f, CONTROL, 0xe2);
    advance_to(&f, 1000);
    outb(&f, CONTROL, 0xe2);
    g_assert_cmphex(inb(&f, CH0), ==, 0x30);
    g_assert_cmphex(read_status(&f, 0), ==, 0xb0);
    /* Count only. */
    advance_to(&f, 1100);
    outb(&f, CONTROL, 0xd2);
    uint8_t lo = inb(&f, CH0);
    uint8_t hi = inb(&f, CH0);
    g_assert_cmpuint(lo | hi << 8, ==, 65536 - 100);
    fixture_fini(&f);
}

static void test_null_count_and_status(void)
{
    Fixture f;
    fixture_init(&f);
    outb(&f, CONTROL, 0x34);             /* channel 0, mode 2 */
    g_assert_cmphex(read_status(&f, 0), ==, 0x80 | 0x40 | 0x34);   /* no count yet */
    outb(&f, CH0, 0x10);
    g_assert_cmphex(read_status(&f, 0), ==, 0x80 | 0x40 | 0x34);   /* half a count */
    outb(&f, CH0, 0x00);
    g_assert_cmphex(read_status(&f, 0), ==, 0x80 | 0x34);
    outb(&f, CONTROL, 0x7e);             /* mode 7 is mode 3; status says what was written */
    g_assert_cmphex(read_status(&f, 1), ==, 0x80 | 0x40 | 0x3e);
    fixture_fini(&f);
}

static void test_access_modes(void)
{
    Fixture f;
    fixture_init(&f);
    outb(&f, CONTROL, 0x10);             /* channel 0, LSB only, mode 0 */
    outb(&f, CH0, 0x80);
    f.t0 = f.now;
    advance_to(&f, 0x10);
    g_assert_cmphex(inb(&f, CH0), ==, 0x70);
    g_assert_cmphex(inb(&f, CH0), ==, 0x70);
    outb(&f, CONTROL, 0x20);             /* MSB only */
    outb(&f, CH0, 0x02);                 /* count 0x0200 */
    f.t0 = f.now;
    advance_to(&f, 0x100);
    g_assert_cmphex(inb(&f, CH0), ==, 0x01);
    advance_to(&f, 0x101);
    g_assert_cmphex(inb(&f, CH0), ==, 0x00);
    /* LSB then MSB: reads and writes have their own flip-flops (datasheet example). */
    program(&f, 0, 0x00, 0x1234);
    g_assert_cmphex(inb(&f, CH0), ==, 0x34);
    outb(&f, CH0, 0x78);
    g_assert_cmphex(inb(&f, CH0), ==, 0x12);
    outb(&f, CH0, 0x56);
    f.t0 = f.now;
    g_assert_cmphex(latch_and_read(&f, 0), ==, 0x5678);
    fixture_fini(&f);
}

static void test_bcd(void)
{
    Fixture f;
    fixture_init(&f);
    outb(&f, CONTROL, 0x31);             /* channel 0, mode 0, BCD */
    outb(&f, CH0, 0x00);
    outb(&f, CH0, 0x10);                 /* 1000 */
    f.t0 = f.now;
    advance_to(&f, 1);
    g_assert_cmphex(latch_and_read(&f, 0), ==, 0x0999);
    advance_to(&f, 1000);
    g_assert_cmphex(latch_and_read(&f, 0), ==, 0x0000);
    g_assert_cmpint(f.irq.level, ==, 1);
    advance_to(&f, 1001);
    g_assert_cmphex(latch_and_read(&f, 0), ==, 0x9999);  /* wraps in decimal */
    outb(&f, CONTROL, 0x35);             /* mode 2, BCD, count 0 = 10000 */
    outb(&f, CH0, 0x00);
    outb(&f, CH0, 0x00);
    f.t0 = f.now;
    advance_to(&f, 1);
    g_assert_cmphex(latch_and_read(&f, 0), ==, 0x9999);
    int rises = f.irq.rises;
    advance_to(&f, 10000);
    g_assert_cmpint(f.irq.rises - rises, ==, 1);
    outb(&f, CONTROL, 0x31);
    outb(&f, CH0, 0xff);                 /* not BCD: a guest error, digits clamp to 9 */
    outb(&f, CH0, 0xff);
    g_assert_cmphex(latch_and_read(&f, 0), ==, 0x9999);
    fixture_fini(&f);
}

static void test_port61(void)
{
    Fixture f;
    fixture_init(&f);
    outb(&f, PORT61, 0xff);
    g_assert_cmphex(inb(&f, PORT61) & 0x0f, ==, 0x0f);   /* bits 4-7 are read-only */
    outb(&f, PORT61, 0x02);
    g_assert_cmphex(inb(&f, PORT61) & 0x0f, ==, 0x02);   /* speaker data kept */
    /* The refresh bit toggles every 15.085 us. */
    f.now = (f.now / 15085 + 1) * 15085;   /* the start of a refresh period */
    uint8_t a = inb(&f, PORT61) & 0x10;
    f.now += 15085;
    uint8_t b = inb(&f, PORT61) & 0x10;
    f.now += 15085;
    uint8_t c = inb(&f, PORT61) & 0x10;
    g_assert_cmphex(a, !=, b);
    g_assert_cmphex(a, ==, c);
    fixture_fini(&f);
}

static void test_reset(void)
{
    Fixture f;
    fixture_init(&f);
    outb(&f, PORT61, 0x03);
    program(&f, 0, 0x00, 1000);
    g_assert_cmpint(f.irq.level, ==, 0);
    i8254_reset(f.pit);
    g_assert_cmpint(f.irq.level, ==, 1);
    g_assert_cmphex(read_status(&f, 0), ==, 0x80 | 0x36);
    g_assert_cmphex(inb(&f, PORT61) & 0x0f, ==, 0);
    fixture_fini(&f);
}

static void test_control_port_read_and_wide_access(void)
{
    Fixture f;
    fixture_init(&f);
    g_assert_cmphex(inb(&f, CONTROL), ==, 0xff);
    outb(&f, CONTROL, 0x34);
    address_space_write(&f.io, CH0, 0x1234, 2);          /* split: 0x34 to 0x40, 0x12 to 0x41 */
    g_assert_cmphex(read_status(&f, 0), ==, 0x40 | 0x80 | 0x34);   /* only half a count */
    fixture_fini(&f);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/i8254/power-on-state", test_power_on_state);
    g_test_add_func("/i8254/mode0-terminal-count", test_mode0_terminal_count);
    g_test_add_func("/i8254/mode0-first-byte-stops", test_mode0_first_byte_stops_counting);
    g_test_add_func("/i8254/mode2-rate-generator-irq0", test_mode2_rate_generator_irq0);
    g_test_add_func("/i8254/mode2-late-timer-coalesces", test_mode2_late_timer_coalesces);
    g_test_add_func("/i8254/mode2-new-count-at-period-end", test_mode2_new_count_at_period_end);
    g_test_add_func("/i8254/mode3-square-wave", test_mode3_square_wave);
    g_test_add_func("/i8254/mode3-odd-count", test_mode3_odd_count);
    g_test_add_func("/i8254/mode3-late-timer-delivers-edge", test_mode3_late_timer_delivers_edge);
    g_test_add_func("/i8254/mode3-new-count-at-half-period", test_mode3_new_count_at_half_period);
    g_test_add_func("/i8254/host-clock-timer", test_host_clock_timer);
    g_test_add_func("/i8254/mode4-strobe-linux-shutdown", test_mode4_strobe_and_linux_shutdown);
    g_test_add_func("/i8254/linux-pit-calibrate-tsc", test_linux_pit_calibrate_tsc);
    g_test_add_func("/i8254/linux-quick-pit-calibrate", test_linux_quick_pit_calibrate);
    g_test_add_func("/i8254/gate-pauses-mode0", test_gate_pauses_mode0);
    g_test_add_func("/i8254/mode1-one-shot", test_mode1_gate_triggered_one_shot);
    g_test_add_func("/i8254/mode5-strobe", test_mode5_gate_triggered_strobe);
    g_test_add_func("/i8254/mode2-gate", test_mode2_gate_low_forces_out_high_and_reloads);
    g_test_add_func("/i8254/counter-latch", test_counter_latch);
    g_test_add_func("/i8254/read-back", test_read_back);
    g_test_add_func("/i8254/null-count-and-status", test_null_count_and_status);
    g_test_add_func("/i8254/access-modes", test_access_modes);
    g_test_add_func("/i8254/bcd", test_bcd);
    g_test_add_func("/i8254/port61", test_port61);
    g_test_add_func("/i8254/reset", test_reset);
    g_test_add_func("/i8254/control-port-and-wide-access", test_control_port_read_and_wide_access);
    return g_test_run();
}
