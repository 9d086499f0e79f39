/* Unit tests of the MC146818 RTC/CMOS: time formats, setting the clock, interrupts, memory bytes. */
#include <glib.h>
#include <string.h>
#include <time.h>

#include "hw/mc146818.h"

enum { SEC = 0, SEC_ALARM = 1, MIN = 2, MIN_ALARM = 3, HOUR = 4, HOUR_ALARM = 5, WDAY = 6,
       MDAY = 7, MONTH = 8, YEAR = 9, REG_A = 0x0a, REG_B = 0x0b, REG_C = 0x0c, REG_D = 0x0d,
       CENTURY = 0x32 };

typedef struct FakeIrq {
    int level;
    int rises;
} FakeIrq;

static void fake_irq_set(void *opaque, int n, int level)
{
    FakeIrq *f = opaque;
    if (level && !f->level) {
        f->rises++;
    }
    f->level = level;
}

typedef struct Fixture {
    AddressSpace io;
    FakeIrq irq;
    Mc146818 *rtc;
} Fixture;

static void fixture_init_mem(Fixture *f, uint64_t below, uint64_t above, int cpus)
{
    memset(f, 0, sizeof(*f));
    address_space_init(&f->io, "io", 0x10000);
    f->rtc = mc146818_new(&f->io, (IrqLine){ fake_irq_set, &f->irq, 8 }, below, above, cpus);
}

static void fixture_init(Fixture *f)
{
    fixture_init_mem(f, 128 << 20, 0, 1);
}

static void fixture_fini(Fixture *f)
{
    mc146818_free(f->rtc);
    address_space_destroy(&f->io);
}

static uint8_t cmos_read(Fixture *f, uint8_t index)
{
    address_space_write(&f->io, 0x70, index, 1);
    return address_space_read(&f->io, 0x71, 1);
}

static void cmos_write(Fixture *f, uint8_t index, uint8_t val)
{
    address_space_write(&f->io, 0x70, index, 1);
    address_space_write(&f->io, 0x71, val, 1);
}

static int bcd(uint8_t v)
{
    return (v >> 4) * 10 + (v & 0xf);
}

static int plain(uint8_t v)
{
    return v;
}

typedef struct RtcTime {
    int sec, min, hour, wday, mday, mon, year;
    uint8_t raw_hour;
} RtcTime;

/* Read the clock as Linux does: wait out UIP, read, retry if the second moved. */
static RtcTime read_clock(Fixture *f, bool binary)
{
    uint8_t r[CENTURY + 1];
    do {
        while (cmos_read(f, REG_A) & 0x80) {
        }
        for (uint8_t i = SEC; i <= YEAR; i++) {
            r[i] = cmos_read(f, i);
        }
        r[CENTURY] = cmos_read(f, CENTURY);
    } while (cmos_read(f, SEC) != r[SEC]);

    int (*dec)(uint8_t) = binary ? plain : bcd;
    return (RtcTime){
        .sec = dec(r[SEC]), .min = dec(r[MIN]), .raw_hour = r[HOUR], .wday = dec(r[WDAY]),
        .mday = dec(r[MDAY]), .mon = dec(r[MONTH]),
        .year = dec(r[CENTURY]) * 100 + dec(r[YEAR]),
    };
}

static void assert_matches_host(const RtcTime *t, int hour)
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    int64_t rtc = (int64_t)hour * 3600 + t->min * 60 + t->sec;
    int64_t host = (int64_t)tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
    int64_t diff = (host - rtc + 86400) % 86400;
    g_assert_cmpint(diff, <=, 2);    /* read just now; a day boundary is allowed for */
    if (diff == 0) {
        g_assert_cmpint(t->mday, ==, tm.tm_mday);
        g_assert_cmpint(t->mon, ==, tm.tm_mon + 1);
        g_assert_cmpint(t->year, ==, tm.tm_year + 1900);
        g_assert_cmpint(t->wday, ==, tm.tm_wday + 1);
    }
}

static void test_power_on_registers(void)
{
    Fixture f;
    fixture_init(&f);
    g_assert_cmphex(cmos_read(&f, REG_A) & 0x7f, ==, 0x26);
    g_assert_cmphex(cmos_read(&f, REG_B), ==, 0x02);
    g_assert_cmphex(cmos_read(&f, REG_D), ==, 0x80);
    address_space_write(&f.io, 0x70, 0x80 | REG_D, 1);   /* NMI-disable bit is not an index bit */
    g_assert_cmphex(address_space_read(&f.io, 0x71, 1), ==, 0x80);
    cmos_write(&f, 0x40, 0x5a);
    g_assert_cmphex(cmos_read(&f, 0x40), ==, 0x5a);
    g_assert_cmphex(cmos_read(&f, 0x40 | 0x80), ==, 0x5a);
    fixture_fini(&f);
}

static void test_bcd_time(void)
{
    Fixture f;
    fixture_init(&f);
    RtcTime t = read_clock(&f, false);
    assert_matches_host(&t, bcd(t.raw_hour));
    fixture_fini(&f);
}

static void test_binary_time(void)
{
    Fixture f;
    fixture_init(&f);
    cmos_write(&f, REG_B, 0x06);     /* binary, 24 h */
    RtcTime t = read_clock(&f, true);
    assert_matches_host(&t, t.raw_hour);
    fixture_fini(&f);
}

static void test_12_hour_mode(void)
{
    Fixture f;
    fixture_init(&f);
    cmos_write(&f, REG_B, 0x00);     /* BCD, 12 h */
    RtcTime t = read_clock(&f, false);
    int h12 = bcd(t.raw_hour & 0x7f);
    g_assert_cmpint(h12, >=, 1);
    g_assert_cmpint(h12, <=, 12);
    int hour = h12 % 12 + ((t.raw_hour & 0x80) ? 12 : 0);
    assert_matches_host(&t, hour);

    /* Set 12:30:00 AM (00:30) and 12:00:00 PM in 12-hour BCD and read them back in 24 h. */
    cmos_write(&f, REG_B, 0x80);
    cmos_write(&f, HOUR, 0x12);
    cmos_write(&f, MIN, 0x30);
    cmos_write(&f, SEC, 0x00);
    cmos_write(&f, REG_B, 0x00);
    cmos_write(&f, REG_B, 0x02);
    g_assert_cmphex(cmos_read(&f, HOUR), ==, 0x00);
    cmos_write(&f, REG_B, 0x80);
    cmos_write(&f, HOUR, 0x92);      /* PM bit | 12 */
    cmos_write(&f, REG_B, 0x00);
    cmos_write(&f, REG_B, 0x02);
    g_assert_cmphex(cmos_read(&f, HOUR), ==, 0x12);
    fixture_fini(&f);
}

static void test_set_time(void)
{
    Fixture f;
    fixture_init(&f);
    cmos_write(&f, REG_B, 0x82);     /* SET: the guest holds the clock */
    cmos_write(&f, SEC, 0x58);
    cmos_write(&f, MIN, 0x59);
    cmos_write(&f, HOUR, 0x23);
    cmos_write(&f, MDAY, 0x31);
    cmos_write(&f, MONTH, 0x12);
    cmos_write(&f, YEAR, 0x99);
    cmos_write(&f, CENTURY, 0x19);
    g_usleep(20000);
    g_assert_cmphex(cmos_read(&f, SEC), ==, 0x58);   /* held: no updates */
    cmos_write(&f, REG_B, 0x02);

    RtcTime t = read_clock(&f, false);
    g_assert_cmpint(t.year, ==, 1999);
    g_assert_cmpint(t.mon, ==, 12);
    g_assert_cmpint(t.mday, ==, 31);
    g_assert_cmpint(t.wday, ==, 6);  /* 31 Dec 1999 was a Friday */
    g_assert_cmpint(t.sec, ==, 58);

    /* Two seconds later the century rolls over: the offset from the host clock is kept. */
    g_usleep(2100000);
    t = read_clock(&f, false);
    g_assert_cmpint(t.year, ==, 2000);
    g_assert_cmpint(t.mon, ==, 1);
    g_assert_cmpint(t.mday, ==, 1);
    g_assert_cmpint(bcd(t.raw_hour), ==, 0);
    g_assert_cmpint(t.sec, ==, 0);
    fixture_fini(&f);
}

/* Run the default main context, as the I/O thread does, until the line rises or 2 s pass. */
static bool wait_for_irq(Fixture *f)
{
    gint64 deadline = g_get_monotonic_time() + 2 * G_USEC_PER_SEC;
    while (!f->irq.level && g_get_monotonic_time() < deadline) {
        g_main_context_iteration(NULL, FALSE);
        g_usleep(200);
    }
    return f->irq.level;
}

static void test_periodic_interrupt(void)
{
    Fixture f;
    fixture_init(&f);
    cmos_read(&f, REG_C);
    cmos_write(&f, REG_A, 0x26);     /* 1024 Hz */
    cmos_write(&f, REG_B, 0x42);     /* PIE */
    g_assert_true(wait_for_irq(&f));
    g_assert_cmphex(cmos_read(&f, REG_C) & 0xc0, ==, 0xc0);   /* IRQF | PF */
    g_assert_cmpint(f.irq.level, ==, 0);                      /* reading C lowered it */
    g_assert_true(wait_for_irq(&f));                          /* and it fires again */
    g_assert_cmpint(f.irq.rises, ==, 2);

    cmos_write(&f, REG_A, 0x2f);     /* 2 Hz: C stays clear for a while after a read */
    cmos_read(&f, REG_C);
    g_assert_cmphex(cmos_read(&f, REG_C), ==, 0x00);
    g_assert_cmpint(f.irq.level, ==, 0);

    cmos_write(&f, REG_B, 0x02);     /* PIE off: no interrupt, though PF still sets */
    g_usleep(600000);
    g_main_context_iteration(NULL, FALSE);
    g_assert_cmpint(f.irq.level, ==, 0);
    g_assert_cmphex(cmos_read(&f, REG_C) & 0xe0, ==, 0x40);   /* UF may be set too */
    fixture_fini(&f);
}

static void test_update_and_alarm_interrupts(void)
{
    Fixture f;
    fixture_init(&f);
    cmos_write(&f, SEC_ALARM, 0xc0);     /* don't care: the alarm rings every second */
    cmos_write(&f, MIN_ALARM, 0xc0);
    cmos_write(&f, HOUR_ALARM, 0xff);
    cmos_write(&f, REG_A, 0x20);         /* no periodic rate */
    cmos_read(&f, REG_C);
    cmos_write(&f, REG_B, 0x32);         /* AIE | UIE */
    g_assert_true(wait_for_irq(&f));
    g_assert_cmphex(cmos_read(&f, REG_C), ==, 0xb0);   /* IRQF | AF | UF */

    /* An alarm an hour away does not ring; the update interrupt still comes. */
    cmos_write(&f, REG_B, 0x06);         /* binary, so the alarm is plain numbers */
    uint8_t hour = cmos_read(&f, HOUR);
    cmos_write(&f, HOUR_ALARM, (hour + 1) % 24);
    cmos_write(&f, MIN_ALARM, 0xc0);
    cmos_read(&f, REG_C);
    cmos_write(&f, REG_B, 0x36);
    g_assert_true(wait_for_irq(&f));
    g_assert_cmphex(cmos_read(&f, REG_C), ==, 0x90);   /* IRQF | UF */

    cmos_write(&f, REG_B, 0xb6);         /* SET clears UIE */
    g_assert_cmphex(cmos_read(&f, REG_B), ==, 0xa6);
    fixture_fini(&f);
}

static void test_reset_clears_enables(void)
{
    Fixture f;
    fixture_init(&f);
    cmos_write(&f, REG_B, 0x7e);
    cmos_write(&f, 0x50, 0x11);
    mc146818_reset(f.rtc);
    g_assert_cmphex(cmos_read(&f, REG_B), ==, 0x06);   /* PIE, AIE, UIE, SQWE cleared */
    g_assert_cmphex(cmos_read(&f, REG_C), ==, 0x00);
    g_assert_cmphex(cmos_read(&f, 0x50), ==, 0x11);    /* memory survives */
    g_assert_cmpint(f.irq.level, ==, 0);
    fixture_fini(&f);
}

static unsigned cmos16(Fixture *f, uint8_t lo)
{
    return cmos_read(f, lo) | cmos_read(f, lo + 1) << 8;
}

static unsigned cmos24(Fixture *f, uint8_t lo)
{
    return cmos16(f, lo) | cmos_read(f, lo + 2) << 16;
}

static void test_memory_size_bytes(void)
{
    static const struct {
        uint64_t below, above;
        int cpus;
        unsigned ext_kib, above_16m, above_4g;
    } cases[] = {
        { 16ull << 20, 0, 1, 15 * 1024, 0, 0 },
        { 64ull << 20, 0, 2, 63 * 1024, 48 * 16, 0 },
        { 128ull << 20, 0, 4, 0xffff, 112 * 16, 0 },
        { 3ull << 30, 5ull << 30, 8, 0xffff, (3072 - 16) * 16, 5 * 16384 },
        { 0xc0000000ull, 1ull << 40, 1, 0xffff, (3072 - 16) * 16, 0xffffff },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        Fixture f;
        fixture_init_mem(&f, cases[i].below, cases[i].above, cases[i].cpus);
        g_assert_cmpuint(cmos16(&f, 0x15), ==, 640);
        g_assert_cmpuint(cmos16(&f, 0x17), ==, cases[i].ext_kib);
        g_assert_cmpuint(cmos16(&f, 0x30), ==, cases[i].ext_kib);
        g_assert_cmpuint(cmos16(&f, 0x34), ==, cases[i].above_16m);
        g_assert_cmpuint(cmos24(&f, 0x5b), ==, cases[i].above_4g);
        g_assert_cmpuint(cmos_read(&f, 0x5f), ==, cases[i].cpus - 1);
        unsigned sum = 0;
        for (int r = 0x10; r <= 0x2d; r++) {
            sum += cmos_read(&f, r);
        }
        g_assert_cmpuint((unsigned)cmos_read(&f, 0x2e) << 8 | cmos_read(&f, 0x2f), ==, sum);
        fixture_fini(&f);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/mc146818/power-on-registers", test_power_on_registers);
    g_test_add_func("/mc146818/bcd-time", test_bcd_time);
    g_test_add_func("/mc146818/binary-time", test_binary_time);
    g_test_add_func("/mc146818/12-hour-mode", test_12_hour_mode);
    g_test_add_func("/mc146818/set-time", test_set_time);
    g_test_add_func("/mc146818/periodic-interrupt", test_periodic_interrupt);
    g_test_add_func("/mc146818/update-and-alarm-interrupts", test_update_and_alarm_interrupts);
    g_test_add_func("/mc146818/reset-clears-enables", test_reset_clears_enables);
    g_test_add_func("/mc146818/memory-size-bytes", test_memory_size_bytes);
    return g_test_run();
}
