/* The PC's cascaded pair of i8259A programmable interrupt controllers, with the PIIX ELCR. */
#include "hw/i8259.h"

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>

#include "ui/log.h"

/*
 * Source: the Intel 8259A datasheet (order no. 231468): "Interrupt Sequence",
 * "Initialization Command Words", "Operation Command Words", "Fully Nested
 * Mode", "End of Interrupt", "Automatic Rotation", "Specific Rotation",
 * "Special Mask Mode", "Poll Command", "Edge and Level Triggered Modes",
 * "Cascade Mode"; and the Intel 82371 (PIIX) datasheet for the edge/level
 * control registers (ELCR1 at 0x4d0, ELCR2 at 0x4d1).
 *
 * Each chip keeps the level of its eight input pins.  An edge-triggered
 * input latches its request on a rising edge and keeps it until the INTA
 * that services it (so a device that pulses its line is not lost, as it
 * would be on hardware if the pulse were shorter than the INTA sequence); a
 * level-triggered input (LTIM in ICW1, or its ELCR bit) requests exactly
 * while it is high.  The slave's INT output is wired to the master's IR2
 * pin, which is edge-triggered like any other, so the master sees a new
 * edge whenever the slave's output rises again.
 *
 * What is not modelled: MCS-80/85 (8080) mode, whose CALL-address vectors
 * are given as in 8086 mode (logged under -d unimp); slaves on master inputs
 * other than IR2 (ICW3 other than the PC's, logged); buffered mode (ICW4
 * BUF, M/S), which is pin wiring only.
 */

enum { PIC_MASTER = 0, PIC_SLAVE = 1 };

#define PIC_MASTER_PORT 0x20
#define PIC_SLAVE_PORT  0xa0
#define PIC_ELCR_PORT   0x4d0
#define PIC_CASCADE_IR  2
#define PIC_SPURIOUS_IR 7

/* ICW1 (A0 = 0, D4 = 1) */
#define ICW1_IC4   0x01       /* ICW4 follows */
#define ICW1_SNGL  0x02       /* single chip: no ICW3 */
#define ICW1_LTIM  0x08       /* level-triggered inputs */
#define ICW1_SEL   0x10

/* ICW4 */
#define ICW4_UPM   0x01       /* 8086/8088 mode */
#define ICW4_AEOI  0x02
#define ICW4_SFNM  0x10

/* OCW3 (A0 = 0, D4 = 0, D3 = 1) */
#define OCW3_SEL   0x08
#define OCW3_RIS   0x01       /* with RR: 1 = ISR, 0 = IRR */
#define OCW3_RR    0x02
#define OCW3_POLL  0x04
#define OCW3_SMM   0x20
#define OCW3_ESMM  0x40

/* The poll word: bit 7 = an interrupt is pending, bits 2-0 = its level. */
#define POLL_INTERRUPT 0x80

/*
 * PIIX: IRQ 0, 1, 2 (timer, keyboard, cascade), 8 (RTC) and 13 (FPU) are
 * always edge-triggered; their ELCR bits read as 0.
 */
#define ELCR1_WRITABLE 0xf8
#define ELCR2_WRITABLE 0xde

/* What a PC BIOS leaves behind (see i8259_reset). */
#define BIOS_MASTER_VECTOR 0x08
#define BIOS_SLAVE_VECTOR  0x70

/* The next initialization word a chip expects at A0 = 1; 0 when operational. */
enum { ICW_NONE = 0, ICW_2 = 2, ICW_3 = 3, ICW_4 = 4 };

typedef struct PicChip {
    bool is_master;
    uint8_t pins;             /* input levels */
    uint8_t edge_irr;         /* requests latched by rising edges on edge-triggered inputs */
    uint8_t isr;
    uint8_t imr;
    uint8_t elcr;
    uint8_t elcr_writable;
    uint8_t highest;          /* the IR with the highest priority (rotation) */
    uint8_t vector_base;      /* ICW2 T7-T3 */
    uint8_t icw3;
    int next_icw;
    bool icw4_needed;
    bool single;
    bool ltim;
    bool mode_8086;
    bool auto_eoi;
    bool rotate_on_aeoi;
    bool special_fully_nested;
    bool special_mask;
    bool poll;                /* the next A0 = 0 read is a poll */
    bool read_isr;            /* A0 = 0 reads ISR rather than IRR */
} PicChip;

struct I8259 {
    PicChip chip[2];
    IrqLine intr;
    bool intr_level;
    bool isa_irq2;            /* a device driving ISA IRQ 2, wired-OR with the slave's INT */
};

static const char *const chip_name[2] = { "master", "slave" };

/* ---- one chip ----------------------------------------------------------------- */

static uint8_t chip_level_mask(const PicChip *c)
{
    return c->ltim ? 0xff : c->elcr;
}

/* The interrupt request register: latched edges, and level inputs that are high. */
static uint8_t chip_irr(const PicChip *c)
{
    uint8_t level = chip_level_mask(c);
    return (c->edge_irr & ~level) | (c->pins & level);
}

static void chip_set_pin(PicChip *c, int ir, bool level)
{
    uint8_t bit = 1u << ir;
    if (level && !(c->pins & bit) && !(chip_level_mask(c) & bit)) {
        c->edge_irr |= bit;   /* datasheet: edge mode latches on the low-to-high transition */
    }
    c->pins = level ? c->pins | bit : c->pins & ~bit;
}

/* 0 = highest priority .. 7 = lowest, given the current rotation. */
static int chip_priority(const PicChip *c, int ir)
{
    return (ir - c->highest) & 7;
}

/* The highest-priority IR whose bit is set in `bits`, or -1. */
static int chip_first_by_priority(const PicChip *c, uint8_t bits)
{
    for (int p = 0; p < 8; p++) {
        int ir = (c->highest + p) & 7;
        if (bits & (1u << ir)) {
            return ir;
        }
    }
    return -1;
}

/*
 * The IR the priority resolver would pass to INTA now, or -1.  Fully nested
 * mode: a request must have a higher priority than every level in service.
 * Special fully nested mode (master only): the cascade input may interrupt
 * while it is itself in service, so that a higher slave IRQ can nest.
 * Special mask mode: levels in service do not inhibit other levels at all.
 */
static int chip_pending_ir(const PicChip *c)
{
    if (c->next_icw != ICW_NONE) {
        return -1;            /* between ICW1 and the last ICW the chip requests nothing */
    }
    uint8_t requests = chip_irr(c) & ~c->imr;
    if (c->special_mask) {
        return chip_first_by_priority(c, requests & ~c->isr);
    }
    int ir = chip_first_by_priority(c, requests);
    if (ir < 0) {
        return -1;
    }
    int in_service = chip_first_by_priority(c, c->isr);
    if (in_service < 0 || chip_priority(c, ir) < chip_priority(c, in_service)) {
        return ir;
    }
    if (ir == in_service && ir == PIC_CASCADE_IR && c->is_master && c->special_fully_nested) {
        return ir;
    }
    return -1;
}

/* INTA (or a poll) for `ir`: the request moves to the ISR unless in automatic EOI mode. */
static void chip_accept(PicChip *c, int ir)
{
    uint8_t bit = 1u << ir;
    c->edge_irr &= ~bit;
    if (c->auto_eoi) {
        if (c->rotate_on_aeoi) {
            c->highest = (ir + 1) & 7;    /* the serviced level becomes the lowest */
        }
    } else {
        c->isr |= bit;
    }
}

/* ---- the pair ----------------------------------------------------------------- */

/* Propagate the slave's INT to master IR2 and the master's INT to the CPU. */
static void pic_update(I8259 *pic)
{
    PicChip *master = &pic->chip[PIC_MASTER];
    bool slave_int = chip_pending_ir(&pic->chip[PIC_SLAVE]) >= 0;
    chip_set_pin(master, PIC_CASCADE_IR, slave_int || pic->isa_irq2);
    bool intr = chip_pending_ir(master) >= 0;
    if (intr != pic->intr_level) {
        pic->intr_level = intr;
        irq_set(pic->intr, intr);
    }
}

static bool pic_cascaded(const I8259 *pic)
{
    return !pic->chip[PIC_MASTER].single;
}

/*
 * The slave's INT output falls while it answers INTA; if it still has a
 * request it rises again at the next update, a new edge on master IR2.
 */
static void pic_slave_int_pulse_low(I8259 *pic)
{
    chip_set_pin(&pic->chip[PIC_MASTER], PIC_CASCADE_IR, false);
}

void i8259_set_irq(void *opaque, int irq, int level)
{
    I8259 *pic = opaque;
    assert(irq >= 0 && irq < 16);
    if (irq == PIC_CASCADE_IR) {
        pic->isa_irq2 = level != 0;
    } else {
        chip_set_pin(&pic->chip[irq >> 3], irq & 7, level != 0);
    }
    pic_update(pic);
}

int i8259_acknowledge(I8259 *pic)
{
    PicChip *master = &pic->chip[PIC_MASTER], *slave = &pic->chip[PIC_SLAVE];
    int vector;
    int ir = chip_pending_ir(master);
    if (ir < 0) {
        /* datasheet: a request gone before INTA gives IR7, with no ISR bit set */
        log_mask(LOG_INT, "i8259: spurious interrupt on the master (IRQ 7)\n");
        vector = master->vector_base + PIC_SPURIOUS_IR;
    } else {
        chip_accept(master, ir);
        if (ir == PIC_CASCADE_IR && pic_cascaded(pic)) {
            int sir = chip_pending_ir(slave);
            if (sir < 0) {
                log_mask(LOG_INT, "i8259: spurious interrupt on the slave (IRQ 15)\n");
                vector = slave->vector_base + PIC_SPURIOUS_IR;
            } else {
                chip_accept(slave, sir);
                vector = slave->vector_base + sir;
            }
            pic_slave_int_pulse_low(pic);
        } else {
            vector = master->vector_base + ir;
        }
    }
    pic_update(pic);
    return vector;
}

bool i8259_intr_level(const I8259 *pic)
{
    return pic->intr_level;
}

/* ---- command words (datasheet, "Programming the 8259A") ------------------------- */

static void pic_write_icw1(PicChip *c, uint8_t val)
{
    /* datasheet: edge sense reset, IMR cleared, IR7 lowest priority, SMM cleared, IRR read */
    c->edge_irr = 0;
    c->isr = 0;
    c->imr = 0;
    c->highest = 0;
    c->special_mask = false;
    c->read_isr = false;
    c->poll = false;
    c->icw3 = 7;              /* "slave mode address set to 7" */
    c->icw4_needed = val & ICW1_IC4;
    c->single = val & ICW1_SNGL;
    c->ltim = val & ICW1_LTIM;
    if (!c->icw4_needed) {
        /* datasheet: without ICW4 its functions are all zero, MCS-80/85 mode included */
        c->mode_8086 = false;
        c->auto_eoi = false;
        c->special_fully_nested = false;
    }
    c->rotate_on_aeoi = false;
    c->next_icw = ICW_2;
}

static void pic_check_cascade(const PicChip *c, int index)
{
    bool pc_wiring = c->is_master ? c->icw3 == (1u << PIC_CASCADE_IR)
                                  : (c->icw3 & 7) == PIC_CASCADE_IR;
    if (!pc_wiring) {
        log_mask(LOG_UNIMP, "i8259: %s ICW3 0x%02x; the slave stays on master IR2\n",
                 chip_name[index], c->icw3);
    }
}

static void pic_write_icw(PicChip *c, int index, uint8_t val)
{
    switch (c->next_icw) {
    case ICW_2:
        c->vector_base = val & 0xf8;   /* 8086 mode: T7-T3; the IR number fills bits 2-0 */
        c->next_icw = !c->single ? ICW_3 : c->icw4_needed ? ICW_4 : ICW_NONE;
        break;
    case ICW_3:
        c->icw3 = val;
        pic_check_cascade(c, index);
        c->next_icw = c->icw4_needed ? ICW_4 : ICW_NONE;
        break;
    case ICW_4:
        c->mode_8086 = val & ICW4_UPM;
        c->auto_eoi = val & ICW4_AEOI;
        c->special_fully_nested = val & ICW4_SFNM;
        c->next_icw = ICW_NONE;
        break;
    }
    if (c->next_icw == ICW_NONE && !c->mode_8086) {
        log_mask(LOG_UNIMP, "i8259: %s in MCS-80/85 mode; vectors follow 8086 mode\n",
                 chip_name[index]);
    }
}

static void chip_end_of_interrupt(PicChip *c, int ir, bool rotate)
{
    c->isr &= ~(1u << ir);
    if (rotate) {
        c->highest = (ir + 1) & 7;
    }
}

/* OCW2: R, SL, EOI in bits 7-5, the level L in bits 2-0. */
static void pic_write_ocw2(PicChip *c, uint8_t val)
{
    int level = val & 7;
    switch (val >> 5) {
    case 0:                   /* rotate in automatic EOI mode: clear */
        c->rotate_on_aeoi = false;
        break;
    case 4:                   /* rotate in automatic EOI mode: set */
        c->rotate_on_aeoi = true;
        break;
    case 1:                   /* non-specific EOI */
    case 5: {                 /* rotate on non-specific EOI */
        int ir = chip_first_by_priority(c, c->isr);
        if (ir >= 0) {
            chip_end_of_interrupt(c, ir, val & 0x80);
        }
        break;
    }
    case 3:                   /* specific EOI */
    case 7:                   /* rotate on specific EOI */
        chip_end_of_interrupt(c, level, val & 0x80);
        break;
    case 6:                   /* set priority: L becomes the lowest */
        c->highest = (level + 1) & 7;
        break;
    case 2:                   /* no operation */
        break;
    }
}

static void pic_write_ocw3(PicChip *c, uint8_t val)
{
    if (val & 0x80) {
        log_mask(LOG_GUEST_ERROR, "i8259: OCW3 0x%02x sets reserved bit 7\n", val);
    }
    if (val & OCW3_POLL) {
        c->poll = true;
    }
    if (val & OCW3_RR) {
        c->read_isr = val & OCW3_RIS;
    }
    if (val & OCW3_ESMM) {
        c->special_mask = val & OCW3_SMM;
    }
}

/* The poll command: an INTA in all but name, answered by a status byte. */
static uint8_t pic_poll(I8259 *pic, int index)
{
    PicChip *c = &pic->chip[index];
    int ir = chip_pending_ir(c);
    if (ir < 0) {
        return 0;
    }
    chip_accept(c, ir);
    if (c->is_master && ir == PIC_CASCADE_IR) {
        pic_slave_int_pulse_low(pic);
    }
    pic_update(pic);
    return POLL_INTERRUPT | ir;
}

/* ---- ports ---------------------------------------------------------------------- */

static uint64_t pic_read_chip(I8259 *pic, int index, uint64_t offset)
{
    PicChip *c = &pic->chip[index];
    if (offset == 1) {
        return c->imr;
    }
    if (c->poll) {
        c->poll = false;
        return pic_poll(pic, index);
    }
    return c->read_isr ? c->isr : chip_irr(c);
}

static void pic_write_chip(I8259 *pic, int index, uint64_t offset, uint8_t val)
{
    PicChip *c = &pic->chip[index];
    if (offset == 0) {
        if (val & ICW1_SEL) {
            pic_write_icw1(c, val);
        } else if (val & OCW3_SEL) {
            pic_write_ocw3(c, val);
        } else {
            pic_write_ocw2(c, val);
        }
    } else if (c->next_icw != ICW_NONE) {
        pic_write_icw(c, index, val);
    } else {
        c->imr = val;         /* OCW1 */
    }
    pic_update(pic);
}

static uint64_t pic_master_read(void *opaque, uint64_t offset, unsigned size)
{
    return pic_read_chip(opaque, PIC_MASTER, offset);
}

static void pic_master_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    pic_write_chip(opaque, PIC_MASTER, offset, value);
}

static uint64_t pic_slave_read(void *opaque, uint64_t offset, unsigned size)
{
    return pic_read_chip(opaque, PIC_SLAVE, offset);
}

static void pic_slave_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    pic_write_chip(opaque, PIC_SLAVE, offset, value);
}

static uint64_t pic_elcr_read(void *opaque, uint64_t offset, unsigned size)
{
    I8259 *pic = opaque;
    return pic->chip[offset].elcr;
}

static void pic_elcr_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    I8259 *pic = opaque;
    PicChip *c = &pic->chip[offset];
    if (value & ~c->elcr_writable) {
        log_mask(LOG_GUEST_ERROR, "i8259: ELCR%d bits 0x%02x are always edge-triggered\n",
                 (int)offset + 1, (unsigned)(value & ~c->elcr_writable & 0xff));
    }
    c->elcr = value & c->elcr_writable;
    c->edge_irr &= ~c->elcr;  /* a level input has no latched edge */
    pic_update(pic);
}

static const MemoryRegionOps pic_master_ops = {
    .read = pic_master_read, .write = pic_master_write,
    .valid_min = 1, .valid_max = 4, .impl_min = 1, .impl_max = 1,
};

static const MemoryRegionOps pic_slave_ops = {
    .read = pic_slave_read, .write = pic_slave_write,
    .valid_min = 1, .valid_max = 4, .impl_min = 1, .impl_max = 1,
};

static const MemoryRegionOps pic_elcr_ops = {
    .read = pic_elcr_read, .write = pic_elcr_write,
    .valid_min = 1, .valid_max = 4, .impl_min = 1, .impl_max = 1,
};

/* ---- life ------------------------------------------------------------------------ */

/* A chip as the BIOS's ICW1-ICW4 leave it: 8086 mode, edge-triggered, normal EOI. */
static void chip_reset(PicChip *c, bool is_master, uint8_t vector_base, uint8_t icw3,
                       uint8_t imr, uint8_t elcr_writable)
{
    uint8_t pins = c->pins;   /* the input wires keep their levels */
    *c = (PicChip){
        .is_master = is_master,
        .pins = pins,
        .imr = imr,
        .elcr_writable = elcr_writable,
        .vector_base = vector_base,
        .icw3 = icw3,
        .next_icw = ICW_NONE,
        .icw4_needed = true,
        .mode_8086 = true,
    };
}

void i8259_reset(I8259 *pic)
{
    chip_reset(&pic->chip[PIC_MASTER], true, BIOS_MASTER_VECTOR, 1u << PIC_CASCADE_IR,
               (uint8_t)~(1u << PIC_CASCADE_IR), ELCR1_WRITABLE);
    chip_reset(&pic->chip[PIC_SLAVE], false, BIOS_SLAVE_VECTOR, PIC_CASCADE_IR, 0xff,
               ELCR2_WRITABLE);
    pic_update(pic);
}

I8259 *i8259_new(AddressSpace *io, IrqLine intr)
{
    I8259 *pic = calloc(1, sizeof(*pic));
    assert(pic);
    pic->intr = intr;
    i8259_reset(pic);
    int r = address_space_add_io(io, "i8259-master", PIC_MASTER_PORT, 2, &pic_master_ops, pic);
    assert(r == 0);
    r = address_space_add_io(io, "i8259-slave", PIC_SLAVE_PORT, 2, &pic_slave_ops, pic);
    assert(r == 0);
    r = address_space_add_io(io, "i8259-elcr", PIC_ELCR_PORT, 2, &pic_elcr_ops, pic);
    assert(r == 0);
    (void)r;
    return pic;
}

void i8259_free(I8259 *pic)
{
    free(pic);
}
