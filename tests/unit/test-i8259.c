/* Unit tests of the i8259A pair: init words, masking, priorities, EOIs, cascade, ELCR, spurious IRQs. */
#include <glib.h>
#include <string.h>

#include "hw/i8259.h"

enum { MASTER_CMD = 0x20, MASTER_DATA = 0x21, SLAVE_CMD = 0xa0, SLAVE_DATA = 0xa1,
       ELCR1 = 0x4d0, ELCR2 = 0x4d1 };

/* Linux's vectors for ISA IRQs (ISA_IRQ_VECTOR(0) = 0x30). */
enum { MASTER_BASE = 0x30, SLAVE_BASE = 0x38 };

typedef struct FakeIntr {
    int level;
    int rises;
} FakeIntr;

static void fake_intr_set(void *opaque, int n, int level)
{
    FakeIntr *f = opaque;
    if (level && !f->level) {
        f->rises++;
    }
    f->level = level;
}

typedef struct Fixture {
    AddressSpace io;
    FakeIntr intr;
    I8259 *pic;
} Fixture;

static void fixture_init(Fixture *f)
{
    memset(f, 0, sizeof(*f));
    address_space_init(&f->io, "io", 0x10000);
    f->pic = i8259_new(&f->io, (IrqLine){ fake_intr_set, &f->intr, 0 });
}

static void fixture_fini(Fixture *f)
{
    i8259_free(f->pic);
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

static void set_irq(Fixture *f, int irq, int level)
{
    i8259_set_irq(f->pic, irq, level);
}

static void pulse_irq(Fixture *f, int irq)
{
    set_irq(f, irq, 1);
    set_irq(f, irq, 0);
}

/* Linux's init_8259A(0): ICW1-ICW4 on both chips, then the masks. */
static void linux_init(Fixture *f, uint8_t master_icw4, uint8_t master_mask, uint8_t slave_mask)
{
    outb(f, MASTER_DATA, 0xff);
    outb(f, MASTER_CMD, 0x11);           /* ICW1: edge, cascade, ICW4 */
    outb(f, MASTER_DATA, MASTER_BASE);   /* ICW2 */
    outb(f, MASTER_DATA, 1 << 2);        /* ICW3: slave on IR2 */
    outb(f, MASTER_DATA, master_icw4);   /* ICW4 */
    outb(f, SLAVE_CMD, 0x11);
    outb(f, SLAVE_DATA, SLAVE_BASE);
    outb(f, SLAVE_DATA, 2);              /* ICW3: slave id 2 */
    outb(f, SLAVE_DATA, 0x01);           /* ICW4: 8086 mode */
    outb(f, MASTER_DATA, master_mask);
    outb(f, SLAVE_DATA, slave_mask);
}

static void init_unmasked(Fixture *f)
{
    fixture_init(f);
    linux_init(f, 0x01, 0x00, 0x00);
}

static uint8_t read_isr(Fixture *f, uint16_t cmd)
{
    outb(f, cmd, 0x0b);                  /* OCW3: read ISR */
    uint8_t v = inb(f, cmd);
    outb(f, cmd, 0x0a);                  /* back to IRR */
    return v;
}

static uint8_t read_irr(Fixture *f, uint16_t cmd)
{
    outb(f, cmd, 0x0a);
    return inb(f, cmd);
}

/* Linux's mask_and_ack_8259A without the mask: specific EOIs, slave first. */
static void linux_eoi(Fixture *f, int irq)
{
    if (irq & 8) {
        outb(f, SLAVE_CMD, 0x60 + (irq & 7));
        outb(f, MASTER_CMD, 0x60 + 2);
    } else {
        outb(f, MASTER_CMD, 0x60 + irq);
    }
}

static void test_power_on_state(void)
{
    Fixture f;
    fixture_init(&f);
    g_assert_cmphex(inb(&f, MASTER_DATA), ==, 0xfb);   /* all masked but the cascade */
    g_assert_cmphex(inb(&f, SLAVE_DATA), ==, 0xff);
    g_assert_cmphex(inb(&f, ELCR1), ==, 0x00);
    g_assert_cmphex(inb(&f, ELCR2), ==, 0x00);
    set_irq(&f, 0, 1);
    g_assert_false(i8259_intr_level(f.pic));            /* masked */
    g_assert_cmphex(read_irr(&f, MASTER_CMD), ==, 0x01);
    outb(&f, MASTER_DATA, 0xfa);
    g_assert_true(i8259_intr_level(f.pic));
    g_assert_cmpint(f.intr.level, ==, 1);
    g_assert_cmphex(i8259_acknowledge(f.pic), ==, 0x08); /* the BIOS's vector base */
    set_irq(&f, 8, 1);
    outb(&f, SLAVE_DATA, 0xfe);
    outb(&f, MASTER_CMD, 0x20);
    g_assert_cmphex(i8259_acknowledge(f.pic), ==, 0x70);
    fixture_fini(&f);
}

/* Linux's probe_8259A: the mask written must read back. */
static void test_linux_probe(void)
{
    Fixture f;
    fixture_init(&f);
    outb(&f, SLAVE_DATA, 0xff);
    outb(&f, MASTER_DATA, 0xfb);
    g_assert_cmphex(inb(&f, MASTER_DATA), ==, 0xfb);
    outb(&f, MASTER_DATA, 0x5a);
    g_assert_cmphex(inb(&f, MASTER_DATA), ==, 0x5a);
    linux_init(&f, 0x01, 0xfb, 0xff);
    g_assert_cmphex(inb(&f, MASTER_DATA), ==, 0xfb);
    g_assert_cmphex(inb(&f, SLAVE_DATA), ==, 0xff);
    fixture_fini(&f);
}

/* Linux's handle_level_irq on the 8259: mask_and_ack_8259A, the handler, unmask; and i8259A_irq_real. */
static void test_linux_mask_and_ack(void)
{
    Fixture f;
    fixture_init(&f);
    uint16_t cached_mask = 0xffff & ~(1 << 2) & ~(1 << 12) & ~(1 << 0);
    linux_init(&f, 0x01, cached_mask & 0xff, cached_mask >> 8);
    set_irq(&f, 12, 1);
    g_assert_cmphex(inb(&f, SLAVE_CMD) & (1 << 4), ==, 1 << 4);   /* i8259A_irq_pending */
    g_assert_cmphex(i8259_acknowledge(f.pic), ==, SLAVE_BASE + 4);
    cached_mask |= 1 << 12;
    inb(&f, SLAVE_DATA);                 /* Linux's dummy read */
    outb(&f, SLAVE_DATA, cached_mask >> 8);
    outb(&f, SLAVE_CMD, 0x60 + 4);
    outb(&f, MASTER_CMD, 0x60 + 2);
    g_assert_cmphex(read_isr(&f, SLAVE_CMD), ==, 0x00);
    g_assert_cmphex(read_isr(&f, MASTER_CMD), ==, 0x00);
    set_irq(&f, 12, 0);                  /* the handler quiets the device */
    set_irq(&f, 12, 1);                  /* and it asks again while masked */
    g_assert_false(i8259_intr_level(f.pic));
    cached_mask &= ~(1 << 12);
    outb(&f, SLAVE_DATA, cached_mask >> 8);   /* unmask: the pending edge comes through */
    g_assert_true(i8259_intr_level(f.pic));
    g_assert_cmphex(i8259_acknowledge(f.pic), ==, SLAVE_BASE + 4);

    /* A spurious IRQ 7: i8259A_irq_real reads ISR bit 7 through OCW3 and finds it clear. */
    outb(&f, MASTER_CMD, 0x0b);
    g_assert_cmphex(inb(&f, MASTER_CMD) & 0x80, ==, 0);
    outb(&f, MASTER_CMD, 0x0a);
    fixture_fini(&f);
}

static void test_edge_irq_ack_eoi(void)
{
    Fixture f;
    init_unmasked(&f);
    g_assert_false(i8259_intr_level(f.pic));
    set_irq(&f, 4, 1);
    g_assert_true(i8259_intr_level(f.pic));
    g_assert_cmpint(f.intr.rises, ==, 1);
    g_assert_cmphex(read_irr(&f, MASTER_CMD), ==, 0x10);
    g_assert_cmphex(i8259_acknowledge(f.pic), ==, MASTER_BASE + 4);
    g_assert_false(i8259_intr_level(f.pic));
    g_assert_cmphex(read_irr(&f, MASTER_CMD), ==, 0x00);
    g_assert_cmphex(read_isr(&f, MASTER_CMD), ==, 0x10);
    outb(&f, MASTER_CMD, 0x20);          /* non-specific EOI */
    g_assert_cmphex(read_isr(&f, MASTER_CMD), ==, 0x00);
    /* Still high: no new edge, no new request. */
    g_assert_false(i8259_intr_level(f.pic));
    set_irq(&f, 4, 0);
    set_irq(&f, 4, 1);
    g_assert_true(i8259_intr_level(f.pic));
    fixture_fini(&f);
}

static void test_pulse_is_latched(void)
{
    Fixture f;
    init_unmasked(&f);
    pulse_irq(&f, 1);
    g_assert_true(i8259_intr_level(f.pic));
    g_assert_cmphex(i8259_acknowledge(f.pic), ==, MASTER_BASE + 1);
    outb(&f, MASTER_CMD, 0x20);
    g_assert_false(i8259_intr_level(f.pic));
    fixture_fini(&f);
}

static void test_mask(void)
{
    Fixture f;
    init_unmasked(&f);
    outb(&f, MASTER_DATA, 0x08);
    set_irq(&f, 3, 1);
    g_assert_false(i8259_intr_level(f.pic));
    g_assert_cmphex(read_irr(&f, MASTER_CMD), ==, 0x08);  /* IRR ignores the mask */
    outb(&f, MASTER_DATA, 0x00);
    g_assert_true(i8259_intr_level(f.pic));
    outb(&f, MASTER_DATA, 0x08);
    g_assert_false(i8259_intr_level(f.pic));
    g_assert_cmpint(f.intr.level, ==, 0);
    fixture_fini(&f);
}

static void test_fully_nested_priority(void)
{
    Fixture f;
    init_unmasked(&f);
    set_irq(&f, 3, 1);
    g_assert_cmphex(i8259_acknowledge(f.pic), ==, MASTER_BASE + 3);
    set_irq(&f, 5, 1);                   /* lower priority than the level in service */
    g_assert_false(i8259_intr_level(f.pic));
    set_irq(&f, 1, 1);                   /* higher: nests */
    g_assert_true(i8259_intr_level(f.pic));
    g_assert_cmphex(i8259_acknowledge(f.pic), ==, MASTER_BASE + 1);
    g_assert_cmphex(read_isr(&f, MASTER_CMD), ==, 0x0a);
    outb(&f, MASTER_CMD, 0x20);          /* non-specific EOI ends the highest: IR1 */
    g_assert_cmphex(read_isr(&f, MASTER_CMD), ==, 0x08);
    g_assert_false(i8259_intr_level(f.pic));
    outb(&f, MASTER_CMD, 0x20);
    g_assert_true(i8259_intr_level(f.pic));
    g_assert_cmphex(i8259_acknowledge(f.pic), ==, MASTER_BASE + 5);
    fixture_fini(&f);
}

static void test_simultaneous_requests_by_priority(void)
{
    Fixture f;
    init_unmasked(&f);
    set_irq(&f, 6, 1);
    set_irq(&f, 3, 1);
    set_irq(&f, 7, 1);
    g_assert_cmphex(i8259_acknowledge(f.pic), ==, MASTER_BASE + 3);
    outb(&f, MASTER_CMD, 0x63);          /* specific EOI for IR3 */
    g_assert_cmphex(i8259_acknowledge(f.pic), ==, MASTER_BASE + 6);
    outb(&f, MASTER_CMD, 0x66);
    g_assert_cmphex(i8259_acknowledge(f.pic), ==, MASTER_BASE + 7);
    g_assert_cmphex(read_isr(&f, MASTER_CMD), ==, 0x80);
    fixture_fini(&f);
}

static void test_cascade(void)
{
    Fixture f;
    init_unmasked(&f);
    set_irq(&f, 10, 1);
    g_assert_true(i8259_intr_level(f.pic));
    g_assert_cmphex(read_irr(&f, SLAVE_CMD), ==, 0x04);
    g_assert_cmphex(read_irr(&f, MASTER_CMD), ==, 0x04);
    g_assert_cmphex(i8259_acknowledge(f.pic), ==, SLAVE_BASE + 2);
    g_assert_cmphex(read_isr(&f, MASTER_CMD), ==, 0x04);
    g_assert_cmphex(read_isr(&f, SLAVE_CMD), ==, 0x04);
    /* A master IRQ of lower priority than IR2 waits; a higher one nests. */
    set_irq(&f, 3, 1);
    g_assert_false(i8259_intr_level(f.pic));
    set_irq(&f, 1, 1);
    g_assert_true(i8259_intr_level(f.pic));
    g_assert_cmphex(i8259_acknowledge(f.pic), ==, MASTER_BASE + 1);
    linux_eoi(&f, 1);
    linux_eoi(&f, 10);
    g_assert_cmphex(read_isr(&f, MASTER_CMD), ==, 0x00);
    g_assert_cmphex(read_isr(&f, SLAVE_CMD), ==, 0x00);
    g_assert_cmphex(i8259_acknowledge(f.pic), ==, MASTER_BASE + 3);
    fixture_fini(&f);
}

/* Two slave requests: the second reaches the CPU after the slave and master EOIs. */
static void test_cascade_second_slave_request(void)
{
    Fixture f;
    init_unmasked(&f);
    set_irq(&f, 12, 1);
    set_irq(&f, 9, 1);
    g_assert_cmphex(i8259_acknowledge(f.pic), ==, SLAVE_BASE + 1);
    g_assert_false(i8259_intr_level(f.pic));
    linux_eoi(&f, 9);
    g_assert_true(i8259_intr_level(f.pic));
    g_assert_cmphex(i8259_acknowledge(f.pic), ==, SLAVE_BASE + 4);
    linux_eoi(&f, 12);
    g_assert_false(i8259_intr_level(f.pic));
    g_assert_cmphex(read_isr(&f, MASTER_CMD), ==, 0x00);
    g_assert_cmphex(read_isr(&f, SLAVE_CMD), ==, 0x00);
    fixture_fini(&f);
}

static void test_slave_masked_by_master_ir2(void)
{
    Fixture f;
    init_unmasked(&f);
    outb(&f, MASTER_DATA, 0x04);
    set_irq(&f, 14, 1);
    g_assert_false(i8259_intr_level(f.pic));
    outb(&f, MASTER_DATA, 0x00);
    g_assert_true(i8259_intr_level(f.pic));
    g_assert_cmphex(i8259_acknowledge(f.pic), ==, SLAVE_BASE + 6);
    fixture_fini(&f);
}

static void test_level_triggered_elcr(void)
{
    Fixture f;
    init_unmasked(&f);
    outb(&f, ELCR1, 0xff);
    g_assert_cmphex(inb(&f, ELCR1), ==, 0xf8);   /* IRQ 0-2 are always edge */
    outb(&f, ELCR2, 0xff);
    g_assert_cmphex(inb(&f, ELCR2), ==, 0xde);   /* so are IRQ 8 and 13 */
    outb(&f, ELCR1, 0x20);
    outb(&f, ELCR2, 0x08);

    set_irq(&f, 5, 1);
    g_assert_cmphex(i8259_acknowledge(f.pic), ==, MASTER_BASE + 5);
    outb(&f, MASTER_CMD, 0x20);
    g_assert_true(i8259_intr_level(f.pic));      /* still high: requests again */
    g_assert_cmphex(i8259_acknowledge(f.pic), ==, MASTER_BASE + 5);
    set_irq(&f, 5, 0);
    outb(&f, MASTER_CMD, 0x20);
    g_assert_false(i8259_intr_level(f.pic));
    g_assert_cmphex(read_irr(&f, MASTER_CMD), ==, 0x00);

    set_irq(&f, 11, 1);
    g_assert_cmphex(i8259_acknowledge(f.pic), ==, SLAVE_BASE + 3);
    linux_eoi(&f, 11);
    g_assert_true(i8259_intr_level(f.pic));
    g_assert_cmphex(i8259_acknowledge(f.pic), ==, SLAVE_BASE + 3);
    set_irq(&f, 11, 0);
    linux_eoi(&f, 11);
    g_assert_false(i8259_intr_level(f.pic));
    fixture_fini(&f);
}

/* ICW1 LTIM makes every input of that chip level-triggered. */
static void test_level_triggered_ltim(void)
{
    Fixture f;
    fixture_init(&f);
    outb(&f, MASTER_CMD, 0x19);
    outb(&f, MASTER_DATA, MASTER_BASE);
    outb(&f, MASTER_DATA, 0x04);
    outb(&f, MASTER_DATA, 0x01);
    outb(&f, MASTER_DATA, 0x00);
    set_irq(&f, 6, 1);
    set_irq(&f, 6, 0);
    g_assert_false(i8259_intr_level(f.pic));     /* a level request ends with the level */
    set_irq(&f, 6, 1);
    g_assert_cmphex(i8259_acknowledge(f.pic), ==, MASTER_BASE + 6);
    fixture_fini(&f);
}

static void test_spurious_master(void)
{
    Fixture f;
    init_unmasked(&f);
    outb(&f, ELCR1, 0x20);
    set_irq(&f, 5, 1);
    g_assert_true(i8259_intr_level(f.pic));
    set_irq(&f, 5, 0);                   /* gone before INTA */
    g_assert_false(i8259_intr_level(f.pic));
    g_assert_cmphex(i8259_acknowledge(f.pic), ==, MASTER_BASE + 7);
    g_assert_cmphex(read_isr(&f, MASTER_CMD), ==, 0x00);   /* no ISR bit for a spurious IR7 */
    fixture_fini(&f);
}

static void test_spurious_slave(void)
{
    Fixture f;
    init_unmasked(&f);
    outb(&f, ELCR2, 0x08);
    set_irq(&f, 11, 1);
    set_irq(&f, 11, 0);
    /* The master latched the slave's INT edge; the slave has nothing left. */
    g_assert_true(i8259_intr_level(f.pic));
    g_assert_cmphex(i8259_acknowledge(f.pic), ==, SLAVE_BASE + 7);
    g_assert_cmphex(read_isr(&f, SLAVE_CMD), ==, 0x00);
    g_assert_cmphex(read_isr(&f, MASTER_CMD), ==, 0x04);   /* the master needs its EOI */
    outb(&f, MASTER_CMD, 0x62);
    g_assert_cmphex(read_isr(&f, MASTER_CMD), ==, 0x00);
    fixture_fini(&f);
}

static void test_auto_eoi(void)
{
    Fixture f;
    fixture_init(&f);
    linux_init(&f, 0x03, 0x00, 0x00);    /* ICW4: 8086 mode, AEOI */
    set_irq(&f, 3, 1);
    set_irq(&f, 4, 1);
    g_assert_cmphex(i8259_acknowledge(f.pic), ==, MASTER_BASE + 3);
    g_assert_cmphex(read_isr(&f, MASTER_CMD), ==, 0x00);
    g_assert_true(i8259_intr_level(f.pic));      /* nothing in service blocks IR4 */
    g_assert_cmphex(i8259_acknowledge(f.pic), ==, MASTER_BASE + 4);
    g_assert_false(i8259_intr_level(f.pic));
    fixture_fini(&f);
}

/* With the slave in AEOI mode its INT stays high across INTA; the master must see a new edge. */
static void test_auto_eoi_slave_back_to_back(void)
{
    Fixture f;
    fixture_init(&f);
    linux_init(&f, 0x03, 0x00, 0x00);
    outb(&f, SLAVE_CMD, 0x11);
    outb(&f, SLAVE_DATA, SLAVE_BASE);
    outb(&f, SLAVE_DATA, 2);
    outb(&f, SLAVE_DATA, 0x03);          /* slave ICW4: 8086, AEOI */
    outb(&f, SLAVE_DATA, 0x00);
    set_irq(&f, 12, 1);
    set_irq(&f, 9, 1);
    g_assert_cmphex(i8259_acknowledge(f.pic), ==, SLAVE_BASE + 1);
    g_assert_true(i8259_intr_level(f.pic));
    g_assert_cmphex(i8259_acknowledge(f.pic), ==, SLAVE_BASE + 4);
    g_assert_false(i8259_intr_level(f.pic));
    g_assert_cmphex(read_isr(&f, MASTER_CMD), ==, 0x00);
    g_assert_cmphex(read_isr(&f, SLAVE_CMD), ==, 0x00);
    fixture_fini(&f);
}

static void test_rotate_in_auto_eoi(void)
{
    Fixture f;
    fixture_init(&f);
    linux_init(&f, 0x03, 0x00, 0x00);
    outb(&f, MASTER_CMD, 0x80);          /* OCW2: rotate in AEOI mode (set) */
    set_irq(&f, 0, 1);
    set_irq(&f, 1, 1);
    g_assert_cmphex(i8259_acknowledge(f.pic), ==, MASTER_BASE + 0);   /* IR0 is now lowest */
    set_irq(&f, 0, 0);
    set_irq(&f, 0, 1);
    g_assert_cmphex(i8259_acknowledge(f.pic), ==, MASTER_BASE + 1);   /* IR1 lowest, IR2 highest */
    g_assert_cmphex(i8259_acknowledge(f.pic), ==, MASTER_BASE + 0);
    outb(&f, MASTER_CMD, 0x00);          /* rotate in AEOI mode (clear) */
    set_irq(&f, 1, 0);
    set_irq(&f, 1, 1);
    set_irq(&f, 0, 0);
    set_irq(&f, 0, 1);
    g_assert_cmphex(i8259_acknowledge(f.pic), ==, MASTER_BASE + 1);   /* priority stays put */
    set_irq(&f, 1, 0);
    set_irq(&f, 1, 1);
    g_assert_cmphex(i8259_acknowledge(f.pic), ==, MASTER_BASE + 1);
    fixture_fini(&f);
}

static void test_rotate_on_nonspecific_eoi(void)
{
    Fixture f;
    init_unmasked(&f);
    set_irq(&f, 5, 1);
    g_assert_cmphex(i8259_acknowledge(f.pic), ==, MASTER_BASE + 5);
    outb(&f, MASTER_CMD, 0xa0);          /* rotate on non-specific EOI: IR5 becomes lowest */
    set_irq(&f, 4, 1);
    set_irq(&f, 7, 1);
    g_assert_cmphex(i8259_acknowledge(f.pic), ==, MASTER_BASE + 7);   /* IR6 highest now */
    /* IR7 in service has the highest priority: IR4 waits. */
    g_assert_false(i8259_intr_level(f.pic));
    outb(&f, MASTER_CMD, 0x20);
    g_assert_cmphex(i8259_acknowledge(f.pic), ==, MASTER_BASE + 4);
    fixture_fini(&f);
}

static void test_set_priority_and_specific_rotate(void)
{
    Fixture f;
    init_unmasked(&f);
    outb(&f, MASTER_CMD, 0xc4);          /* set priority: IR4 lowest, IR5 highest */
    set_irq(&f, 3, 1);
    set_irq(&f, 6, 1);
    g_assert_cmphex(i8259_acknowledge(f.pic), ==, MASTER_BASE + 6);
    outb(&f, MASTER_CMD, 0xe6);          /* rotate on specific EOI 6: IR6 lowest, IR7 highest */
    set_irq(&f, 7, 1);
    g_assert_cmphex(i8259_acknowledge(f.pic), ==, MASTER_BASE + 7);
    outb(&f, MASTER_CMD, 0x67);
    g_assert_cmphex(i8259_acknowledge(f.pic), ==, MASTER_BASE + 3);
    outb(&f, MASTER_CMD, 0x40);          /* OCW2 no-op */
    g_assert_cmphex(read_isr(&f, MASTER_CMD), ==, 0x08);
    fixture_fini(&f);
}

static void test_poll_mode(void)
{
    Fixture f;
    init_unmasked(&f);
    outb(&f, MASTER_CMD, 0x0c);          /* OCW3: poll, with nothing pending */
    g_assert_cmphex(inb(&f, MASTER_CMD), ==, 0x00);
    set_irq(&f, 6, 1);
    set_irq(&f, 3, 1);
    outb(&f, MASTER_CMD, 0x0c);
    g_assert_cmphex(inb(&f, MASTER_CMD), ==, 0x83);
    g_assert_cmphex(read_isr(&f, MASTER_CMD), ==, 0x08);
    g_assert_cmphex(inb(&f, MASTER_CMD), ==, 0x40);   /* poll is one-shot: this reads IRR */
    outb(&f, MASTER_CMD, 0x20);
    outb(&f, MASTER_CMD, 0x0c);
    g_assert_cmphex(inb(&f, MASTER_CMD), ==, 0x86);
    fixture_fini(&f);
}

static void test_special_mask_mode(void)
{
    Fixture f;
    init_unmasked(&f);
    set_irq(&f, 3, 1);
    g_assert_cmphex(i8259_acknowledge(f.pic), ==, MASTER_BASE + 3);
    set_irq(&f, 5, 1);
    g_assert_false(i8259_intr_level(f.pic));
    outb(&f, MASTER_DATA, 0x08);         /* mask the level in service ... */
    outb(&f, MASTER_CMD, 0x68);          /* ... and enter special mask mode */
    g_assert_true(i8259_intr_level(f.pic));
    g_assert_cmphex(i8259_acknowledge(f.pic), ==, MASTER_BASE + 5);
    g_assert_cmphex(read_isr(&f, MASTER_CMD), ==, 0x28);
    outb(&f, MASTER_CMD, 0x48);          /* leave special mask mode */
    set_irq(&f, 4, 1);
    g_assert_false(i8259_intr_level(f.pic));
    fixture_fini(&f);
}

static void test_special_fully_nested(void)
{
    Fixture f;
    fixture_init(&f);
    linux_init(&f, 0x11, 0x00, 0x00);    /* master ICW4: 8086, SFNM */
    set_irq(&f, 12, 1);
    g_assert_cmphex(i8259_acknowledge(f.pic), ==, SLAVE_BASE + 4);
    set_irq(&f, 9, 1);                   /* a higher slave level, while IR2 is in service */
    g_assert_true(i8259_intr_level(f.pic));
    g_assert_cmphex(i8259_acknowledge(f.pic), ==, SLAVE_BASE + 1);
    g_assert_cmphex(read_isr(&f, SLAVE_CMD), ==, 0x12);
    fixture_fini(&f);

    init_unmasked(&f);                   /* the same without SFNM: blocked */
    set_irq(&f, 12, 1);
    g_assert_cmphex(i8259_acknowledge(f.pic), ==, SLAVE_BASE + 4);
    set_irq(&f, 9, 1);
    g_assert_false(i8259_intr_level(f.pic));
    fixture_fini(&f);
}

static void test_icw1_resets(void)
{
    Fixture f;
    init_unmasked(&f);
    outb(&f, MASTER_DATA, 0x55);
    set_irq(&f, 3, 1);
    g_assert_cmphex(i8259_acknowledge(f.pic), ==, MASTER_BASE + 3);
    set_irq(&f, 4, 1);                   /* stays high across the init */
    outb(&f, MASTER_CMD, 0x11);
    g_assert_false(i8259_intr_level(f.pic));     /* nothing while initialising */
    outb(&f, MASTER_DATA, 0x40);
    outb(&f, MASTER_DATA, 0x04);
    outb(&f, MASTER_DATA, 0x01);
    g_assert_cmphex(inb(&f, MASTER_DATA), ==, 0x00);          /* IMR cleared */
    g_assert_cmphex(read_isr(&f, MASTER_CMD), ==, 0x00);
    g_assert_false(i8259_intr_level(f.pic));     /* edge sense reset: IR4 needs a new edge */
    set_irq(&f, 4, 0);
    set_irq(&f, 4, 1);
    g_assert_cmphex(i8259_acknowledge(f.pic), ==, 0x44);
    fixture_fini(&f);
}

static void test_single_mode(void)
{
    Fixture f;
    fixture_init(&f);
    outb(&f, MASTER_CMD, 0x13);          /* ICW1: single, ICW4: no ICW3 */
    outb(&f, MASTER_DATA, 0x50);
    outb(&f, MASTER_DATA, 0x01);         /* this is ICW4 */
    outb(&f, MASTER_DATA, 0x00);         /* and this OCW1 */
    g_assert_cmphex(inb(&f, MASTER_DATA), ==, 0x00);
    set_irq(&f, 6, 1);
    g_assert_cmphex(i8259_acknowledge(f.pic), ==, 0x56);
    outb(&f, SLAVE_DATA, 0x00);
    set_irq(&f, 9, 1);                   /* the slave's INT is just IR2 to a single master */
    outb(&f, MASTER_CMD, 0x20);
    g_assert_cmphex(i8259_acknowledge(f.pic), ==, 0x52);
    fixture_fini(&f);
}

static void test_isa_irq2_input(void)
{
    Fixture f;
    init_unmasked(&f);
    set_irq(&f, 2, 1);
    g_assert_true(i8259_intr_level(f.pic));
    g_assert_cmphex(i8259_acknowledge(f.pic), ==, SLAVE_BASE + 7);   /* nothing on the slave */
    fixture_fini(&f);
}

static void test_reset(void)
{
    Fixture f;
    init_unmasked(&f);
    outb(&f, ELCR1, 0x20);
    set_irq(&f, 3, 1);
    g_assert_cmphex(i8259_acknowledge(f.pic), ==, MASTER_BASE + 3);
    set_irq(&f, 7, 1);
    i8259_reset(f.pic);
    g_assert_false(i8259_intr_level(f.pic));
    g_assert_cmpint(f.intr.level, ==, 0);
    g_assert_cmphex(inb(&f, MASTER_DATA), ==, 0xfb);
    g_assert_cmphex(inb(&f, SLAVE_DATA), ==, 0xff);
    g_assert_cmphex(inb(&f, ELCR1), ==, 0x00);
    g_assert_cmphex(read_isr(&f, MASTER_CMD), ==, 0x00);
    g_assert_cmphex(read_irr(&f, MASTER_CMD), ==, 0x00);
    fixture_fini(&f);
}

static void test_wide_access_split(void)
{
    Fixture f;
    init_unmasked(&f);
    outb(&f, MASTER_DATA, 0x12);
    outb(&f, SLAVE_DATA, 0x34);
    /* A 16-bit read of 0x20 reads 0x20 (IRR) and 0x21 (IMR). */
    g_assert_cmphex(address_space_read(&f.io, MASTER_CMD, 2), ==, 0x1200);
    outb(&f, ELCR1, 0x20);
    outb(&f, ELCR2, 0x08);
    g_assert_cmphex(address_space_read(&f.io, ELCR1, 2), ==, 0x0820);
    fixture_fini(&f);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/i8259/power-on-state", test_power_on_state);
    g_test_add_func("/i8259/linux-probe", test_linux_probe);
    g_test_add_func("/i8259/linux-mask-and-ack", test_linux_mask_and_ack);
    g_test_add_func("/i8259/edge-irq-ack-eoi", test_edge_irq_ack_eoi);
    g_test_add_func("/i8259/pulse-is-latched", test_pulse_is_latched);
    g_test_add_func("/i8259/mask", test_mask);
    g_test_add_func("/i8259/fully-nested-priority", test_fully_nested_priority);
    g_test_add_func("/i8259/simultaneous-requests", test_simultaneous_requests_by_priority);
    g_test_add_func("/i8259/cascade", test_cascade);
    g_test_add_func("/i8259/cascade-second-slave-request", test_cascade_second_slave_request);
    g_test_add_func("/i8259/slave-masked-by-master-ir2", test_slave_masked_by_master_ir2);
    g_test_add_func("/i8259/level-triggered-elcr", test_level_triggered_elcr);
    g_test_add_func("/i8259/level-triggered-ltim", test_level_triggered_ltim);
    g_test_add_func("/i8259/spurious-master", test_spurious_master);
    g_test_add_func("/i8259/spurious-slave", test_spurious_slave);
    g_test_add_func("/i8259/auto-eoi", test_auto_eoi);
    g_test_add_func("/i8259/auto-eoi-slave-back-to-back", test_auto_eoi_slave_back_to_back);
    g_test_add_func("/i8259/rotate-in-auto-eoi", test_rotate_in_auto_eoi);
    g_test_add_func("/i8259/rotate-on-nonspecific-eoi", test_rotate_on_nonspecific_eoi);
    g_test_add_func("/i8259/set-priority-specific-rotate", test_set_priority_and_specific_rotate);
    g_test_add_func("/i8259/poll-mode", test_poll_mode);
    g_test_add_func("/i8259/special-mask-mode", test_special_mask_mode);
    g_test_add_func("/i8259/special-fully-nested", test_special_fully_nested);
    g_test_add_func("/i8259/icw1-resets", test_icw1_resets);
    g_test_add_func("/i8259/single-mode", test_single_mode);
    g_test_add_func("/i8259/isa-irq2-input", test_isa_irq2_input);
    g_test_add_func("/i8259/reset", test_reset);
    g_test_add_func("/i8259/wide-access-split", test_wide_access_split);
    return g_test_run();
}
