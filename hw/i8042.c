/* i8042 keyboard controller with a minimal PS/2 keyboard; its output line resets the CPU. */
#include "hw/i8042.h"

#include <assert.h>
#include <stdbool.h>
#include <stdlib.h>

#include "ui/log.h"

/*
 * Sources: the IBM PC AT Technical Reference (keyboard controller: status
 * register, command byte, commands, output port) and the IBM PS/2 keyboard
 * command set (ACK 0xFA, BAT 0xAA, identify 0xAB 0x83).
 *
 * The controller's output buffer holds one byte.  Behind it wait two
 * queues: replies of the controller itself (always delivered) and bytes
 * from the keyboard (held while the command byte disables the keyboard).
 * Commands are executed as they are written, so the input buffer is never
 * full (status IBF stays clear).  No mouse is attached: a byte sent to the
 * auxiliary device comes back as 0xFE with the timeout bit, which is how a
 * real controller reports an empty AUX port.  No host keyboard input yet,
 * so scan-code translation (command byte XLATE) has nothing to translate.
 */

enum { I8042_DATA_PORT = 0x60, I8042_STATUS_PORT = 0x64 };

/* Status register (read at 0x64). */
#define STS_OBF       0x01   /* output buffer full */
#define STS_SYS       0x04   /* system flag, from the command byte */
#define STS_CMD       0x08   /* the last write was to 0x64 */
#define STS_UNLOCKED  0x10   /* keyboard not inhibited */
#define STS_AUXDATA   0x20   /* the output buffer holds AUX data */
#define STS_TIMEOUT   0x40

/* Command byte (controller RAM byte 0). */
#define CTR_KBDINT  0x01
#define CTR_AUXINT  0x02
#define CTR_SYS     0x04
#define CTR_KBDDIS  0x10
#define CTR_AUXDIS  0x20
#define CTR_XLATE   0x40
#define CTR_POWER_ON (CTR_XLATE | CTR_SYS | CTR_AUXINT | CTR_KBDINT)   /* as a BIOS leaves it */

/* Output port (commands 0xD0/0xD1). */
#define OUT_RESET    0x01   /* low asserts the CPU reset line */
#define OUT_A20      0x02
#define OUT_OBF_KBD  0x10
#define OUT_OBF_AUX  0x20
#define OUT_DYNAMIC  (OUT_OBF_KBD | OUT_OBF_AUX)
#define OUT_POWER_ON 0xcf   /* reset high, A20 on, keyboard clock and data idle high */

/* Input port (command 0xC0): keyboard not inhibited, no manufacturing jumper. */
#define INPUT_PORT   0xa0

/* Controller commands (written to 0x64). */
enum {
    CMD_READ_RAM        = 0x20,   /* 0x20-0x3f: read controller RAM byte */
    CMD_WRITE_RAM       = 0x60,   /* 0x60-0x7f: write it (next data byte) */
    CMD_PASSWORD_TEST   = 0xa4,
    CMD_AUX_DISABLE     = 0xa7,
    CMD_AUX_ENABLE      = 0xa8,
    CMD_AUX_TEST        = 0xa9,
    CMD_SELF_TEST       = 0xaa,
    CMD_KBD_TEST        = 0xab,
    CMD_KBD_DISABLE     = 0xad,
    CMD_KBD_ENABLE      = 0xae,
    CMD_READ_INPUT      = 0xc0,
    CMD_READ_OUTPUT     = 0xd0,
    CMD_WRITE_OUTPUT    = 0xd1,
    CMD_WRITE_KBD_OBUF  = 0xd2,
    CMD_WRITE_AUX_OBUF  = 0xd3,
    CMD_WRITE_AUX       = 0xd4,
    CMD_A20_DISABLE     = 0xdd,
    CMD_A20_ENABLE      = 0xdf,
    CMD_READ_TEST       = 0xe0,
    CMD_PULSE_FIRST     = 0xf0,   /* 0xf0-0xff: pulse output lines whose bit is clear */
};

#define SELF_TEST_OK       0x55
#define INTERFACE_TEST_OK  0x00
#define NO_PASSWORD        0xf1

/* Keyboard commands and replies. */
enum {
    KBD_SET_LEDS     = 0xed,
    KBD_ECHO         = 0xee,
    KBD_SCANCODE_SET = 0xf0,
    KBD_IDENTIFY     = 0xf2,
    KBD_TYPEMATIC    = 0xf3,
    KBD_ENABLE       = 0xf4,
    KBD_DISABLE      = 0xf5,
    KBD_DEFAULTS     = 0xf6,
    KBD_SET3_FIRST   = 0xf7,   /* 0xf7-0xfd: set 3 key types */
    KBD_SET3_LAST    = 0xfd,
    KBD_RESEND       = 0xfe,
    KBD_RESET        = 0xff,

    KBD_REPLY_ACK    = 0xfa,
    KBD_REPLY_BAT_OK = 0xaa,
    KBD_REPLY_RESEND = 0xfe,
    KBD_ID_1         = 0xab,
    KBD_ID_2         = 0x83,   /* MF2 keyboard */
};

#define I8042_QUEUE_SIZE 16

/* A byte waiting for the output buffer, with where it claims to come from. */
#define ENTRY_AUX      0x01
#define ENTRY_TIMEOUT  0x02
typedef struct QueueEntry {
    uint8_t byte;
    uint8_t flags;
} QueueEntry;

typedef struct ByteQueue {
    QueueEntry e[I8042_QUEUE_SIZE];
    unsigned head, count;
} ByteQueue;

struct I8042 {
    IrqLine kbd_irq, aux_irq;
    int kbd_level, aux_level;
    void (*request_reset)(void *opaque);
    void *reset_opaque;

    uint8_t ram[32];           /* ram[0] is the command byte */
    uint8_t outport;           /* bits other than OUT_DYNAMIC */
    bool last_write_cmd;       /* status STS_CMD */
    uint8_t pending_cmd;       /* a command waiting for its data byte, or 0 */

    uint8_t obuf;
    bool obuf_full;
    uint8_t obuf_flags;        /* ENTRY_* of the byte in obuf */

    ByteQueue ctrl_q;          /* controller replies */
    ByteQueue kbd_q;           /* keyboard bytes */

    /* The keyboard */
    uint8_t kbd_pending_cmd;   /* a command waiting for its parameter, or 0 */
    uint8_t kbd_last_sent;
    uint8_t kbd_leds;
    uint8_t kbd_typematic;
    uint8_t kbd_scancode_set;
    bool kbd_scanning;
};

static void queue_clear(ByteQueue *q)
{
    q->head = q->count = 0;
}

static void queue_push(ByteQueue *q, uint8_t byte, uint8_t flags)
{
    if (q->count == I8042_QUEUE_SIZE) {
        log_mask(LOG_GUEST_ERROR, "i8042: output queue full, byte 0x%02x dropped\n", byte);
        return;
    }
    q->e[(q->head + q->count) % I8042_QUEUE_SIZE] = (QueueEntry){ byte, flags };
    q->count++;
}

static QueueEntry queue_pop(ByteQueue *q)
{
    assert(q->count > 0);
    QueueEntry e = q->e[q->head];
    q->head = (q->head + 1) % I8042_QUEUE_SIZE;
    q->count--;
    return e;
}

static uint8_t i8042_ctr(const I8042 *s)
{
    return s->ram[0];
}

static void i8042_update_irq(I8042 *s)
{
    bool aux = s->obuf_flags & ENTRY_AUX;
    int kbd_level = s->obuf_full && !aux && (i8042_ctr(s) & CTR_KBDINT);
    int aux_level = s->obuf_full && aux && (i8042_ctr(s) & CTR_AUXINT);
    if (kbd_level != s->kbd_level) {
        s->kbd_level = kbd_level;
        irq_set(s->kbd_irq, kbd_level);
    }
    if (aux_level != s->aux_level) {
        s->aux_level = aux_level;
        irq_set(s->aux_irq, aux_level);
    }
}

/* Move the next waiting byte into an empty output buffer. */
static void i8042_refill(I8042 *s)
{
    if (!s->obuf_full) {
        ByteQueue *q = NULL;
        if (s->ctrl_q.count) {
            q = &s->ctrl_q;
        } else if (s->kbd_q.count && !(i8042_ctr(s) & CTR_KBDDIS)) {
            q = &s->kbd_q;
        }
        if (q) {
            QueueEntry e = queue_pop(q);
            s->obuf = e.byte;
            s->obuf_flags = e.flags;
            s->obuf_full = true;
        }
    }
    i8042_update_irq(s);
}

static void i8042_reply(I8042 *s, uint8_t byte, uint8_t flags)
{
    queue_push(&s->ctrl_q, byte, flags);
    i8042_refill(s);
}

/* ---- the keyboard ----------------------------------------------------------- */

static void kbd_send(I8042 *s, uint8_t byte)
{
    if (byte != KBD_REPLY_RESEND) {
        s->kbd_last_sent = byte;
    }
    queue_push(&s->kbd_q, byte, 0);
    i8042_refill(s);
}

static void kbd_set_defaults(I8042 *s)
{
    s->kbd_leds = 0;
    s->kbd_typematic = 0x2b;     /* 10.9 characters/s, 500 ms delay */
    s->kbd_scancode_set = 2;
}

static void kbd_reset(I8042 *s)
{
    queue_clear(&s->kbd_q);
    s->kbd_pending_cmd = 0;
    s->kbd_last_sent = 0;
    s->kbd_scanning = true;
    kbd_set_defaults(s);
}

/* The byte after a command that takes a parameter. */
static void kbd_write_parameter(I8042 *s, uint8_t cmd, uint8_t param)
{
    switch (cmd) {
    case KBD_SET_LEDS:
        s->kbd_leds = param & 0x07;
        kbd_send(s, KBD_REPLY_ACK);
        break;
    case KBD_TYPEMATIC:
        s->kbd_typematic = param & 0x7f;
        kbd_send(s, KBD_REPLY_ACK);
        break;
    case KBD_SCANCODE_SET:
        if (param == 0) {
            kbd_send(s, KBD_REPLY_ACK);
            kbd_send(s, s->kbd_scancode_set);
        } else if (param <= 3) {
            s->kbd_scancode_set = param;
            kbd_send(s, KBD_REPLY_ACK);
        } else {
            kbd_send(s, KBD_REPLY_RESEND);
        }
        break;
    default:
        assert(!"keyboard command without a parameter");
    }
}

static void kbd_write(I8042 *s, uint8_t byte)
{
    if (s->kbd_pending_cmd) {
        uint8_t cmd = s->kbd_pending_cmd;
        s->kbd_pending_cmd = 0;
        kbd_write_parameter(s, cmd, byte);
        return;
    }
    switch (byte) {
    case KBD_SET_LEDS:
    case KBD_TYPEMATIC:
    case KBD_SCANCODE_SET:
        s->kbd_pending_cmd = byte;
        kbd_send(s, KBD_REPLY_ACK);
        break;
    case KBD_ECHO:
        kbd_send(s, KBD_ECHO);
        break;
    case KBD_IDENTIFY:
        kbd_send(s, KBD_REPLY_ACK);
        kbd_send(s, KBD_ID_1);
        kbd_send(s, KBD_ID_2);
        break;
    case KBD_ENABLE:
        s->kbd_scanning = true;
        kbd_send(s, KBD_REPLY_ACK);
        break;
    case KBD_DISABLE:
        s->kbd_scanning = false;
        kbd_set_defaults(s);
        kbd_send(s, KBD_REPLY_ACK);
        break;
    case KBD_DEFAULTS:
        kbd_set_defaults(s);
        kbd_send(s, KBD_REPLY_ACK);
        break;
    case KBD_RESEND:
        kbd_send(s, s->kbd_last_sent);
        break;
    case KBD_RESET:
        kbd_reset(s);
        kbd_send(s, KBD_REPLY_ACK);
        kbd_send(s, KBD_REPLY_BAT_OK);
        break;
    default:
        if (byte >= KBD_SET3_FIRST && byte <= KBD_SET3_LAST) {
            kbd_send(s, KBD_REPLY_ACK);
        } else {
            log_mask(LOG_UNIMP, "i8042: keyboard command 0x%02x not supported\n", byte);
            kbd_send(s, KBD_REPLY_RESEND);
        }
    }
}

/* ---- the controller --------------------------------------------------------- */

static uint8_t i8042_output_port(const I8042 *s)
{
    uint8_t v = s->outport & ~OUT_DYNAMIC;
    if (s->obuf_full) {
        v |= (s->obuf_flags & ENTRY_AUX) ? OUT_OBF_AUX : OUT_OBF_KBD;
    }
    return v;
}

static void i8042_write_output_port(I8042 *s, uint8_t val)
{
    s->outport = val & ~OUT_DYNAMIC;
    if (!(val & OUT_RESET)) {
        s->outport |= OUT_RESET;     /* the reset pulse is over once the CPU restarts */
        s->request_reset(s->reset_opaque);
    }
}

static void i8042_set_ctr(I8042 *s, uint8_t val)
{
    s->ram[0] = val;
    i8042_refill(s);                 /* enabling the keyboard lets queued bytes through */
}

/* Commands 0xF0-0xFF pulse the output port lines whose bit is clear for 6 us. */
static void i8042_pulse_output(I8042 *s, uint8_t cmd)
{
    if (!(cmd & OUT_RESET)) {
        s->request_reset(s->reset_opaque);
    }
}

static void i8042_write_command(I8042 *s, uint8_t cmd)
{
    s->pending_cmd = 0;
    if (cmd >= CMD_READ_RAM && cmd < CMD_READ_RAM + 0x20) {
        i8042_reply(s, s->ram[cmd - CMD_READ_RAM], 0);
        return;
    }
    if (cmd >= CMD_WRITE_RAM && cmd < CMD_WRITE_RAM + 0x20) {
        s->pending_cmd = cmd;
        return;
    }
    if (cmd >= CMD_PULSE_FIRST) {
        i8042_pulse_output(s, cmd);
        return;
    }
    switch (cmd) {
    case CMD_PASSWORD_TEST:
        i8042_reply(s, NO_PASSWORD, 0);
        break;
    case CMD_AUX_DISABLE:
        i8042_set_ctr(s, i8042_ctr(s) | CTR_AUXDIS);
        break;
    case CMD_AUX_ENABLE:
        i8042_set_ctr(s, i8042_ctr(s) & ~CTR_AUXDIS);
        break;
    case CMD_AUX_TEST:
    case CMD_KBD_TEST:
        i8042_reply(s, INTERFACE_TEST_OK, 0);
        break;
    case CMD_SELF_TEST:
        i8042_set_ctr(s, i8042_ctr(s) | CTR_SYS);   /* a passed self test sets the system flag */
        i8042_reply(s, SELF_TEST_OK, 0);
        break;
    case CMD_KBD_DISABLE:
        i8042_set_ctr(s, i8042_ctr(s) | CTR_KBDDIS);
        break;
    case CMD_KBD_ENABLE:
        i8042_set_ctr(s, i8042_ctr(s) & ~CTR_KBDDIS);
        break;
    case CMD_READ_INPUT:
        i8042_reply(s, INPUT_PORT, 0);
        break;
    case CMD_READ_OUTPUT:
        i8042_reply(s, i8042_output_port(s), 0);
        break;
    case CMD_WRITE_OUTPUT:
    case CMD_WRITE_KBD_OBUF:
    case CMD_WRITE_AUX_OBUF:
    case CMD_WRITE_AUX:
        s->pending_cmd = cmd;
        break;
    case CMD_A20_DISABLE:
        s->outport &= ~OUT_A20;
        break;
    case CMD_A20_ENABLE:
        s->outport |= OUT_A20;
        break;
    case CMD_READ_TEST:
        i8042_reply(s, 0, 0);
        break;
    default:
        log_mask(LOG_UNIMP, "i8042: controller command 0x%02x not supported\n", cmd);
    }
}

/* The data byte of a controller command that takes one. */
static void i8042_write_command_data(I8042 *s, uint8_t cmd, uint8_t val)
{
    if (cmd >= CMD_WRITE_RAM && cmd < CMD_WRITE_RAM + 0x20) {
        if (cmd == CMD_WRITE_RAM) {
            i8042_set_ctr(s, val);
        } else {
            s->ram[cmd - CMD_WRITE_RAM] = val;
        }
        return;
    }
    switch (cmd) {
    case CMD_WRITE_OUTPUT:
        i8042_write_output_port(s, val);
        break;
    case CMD_WRITE_KBD_OBUF:
        i8042_reply(s, val, 0);
        break;
    case CMD_WRITE_AUX_OBUF:
        i8042_reply(s, val, ENTRY_AUX);
        break;
    case CMD_WRITE_AUX:
        i8042_reply(s, KBD_REPLY_RESEND, ENTRY_AUX | ENTRY_TIMEOUT);   /* no mouse */
        break;
    default:
        assert(!"controller command without a data byte");
    }
}

static uint8_t i8042_read_status(const I8042 *s)
{
    uint8_t st = STS_UNLOCKED;
    if (s->obuf_full) {
        st |= STS_OBF;
        if (s->obuf_flags & ENTRY_AUX) {
            st |= STS_AUXDATA;
        }
        if (s->obuf_flags & ENTRY_TIMEOUT) {
            st |= STS_TIMEOUT;
        }
    }
    if (i8042_ctr(s) & CTR_SYS) {
        st |= STS_SYS;
    }
    if (s->last_write_cmd) {
        st |= STS_CMD;
    }
    return st;
}

static uint8_t i8042_read_data(I8042 *s)
{
    uint8_t val = s->obuf;           /* an empty buffer reads back its last byte */
    if (s->obuf_full) {
        s->obuf_full = false;
        /* Lower the line before the next byte moves in, so the PIC sees a new edge. */
        i8042_update_irq(s);
        i8042_refill(s);
    }
    return val;
}

static void i8042_write_data(I8042 *s, uint8_t val)
{
    if (s->pending_cmd) {
        uint8_t cmd = s->pending_cmd;
        s->pending_cmd = 0;
        i8042_write_command_data(s, cmd, val);
    } else {
        kbd_write(s, val);
    }
}

static uint64_t i8042_io_read(void *opaque, uint64_t offset, unsigned size)
{
    I8042 *s = opaque;
    return i8042_read_data(s);
}

static void i8042_io_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    I8042 *s = opaque;
    s->last_write_cmd = false;
    i8042_write_data(s, value);
}

static uint64_t i8042_status_read(void *opaque, uint64_t offset, unsigned size)
{
    return i8042_read_status(opaque);
}

static void i8042_status_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    I8042 *s = opaque;
    s->last_write_cmd = true;
    i8042_write_command(s, value);
}

static const MemoryRegionOps i8042_data_ops = {
    .read = i8042_io_read, .write = i8042_io_write,
    .valid_min = 1, .valid_max = 4, .impl_min = 1, .impl_max = 1,
};

static const MemoryRegionOps i8042_status_ops = {
    .read = i8042_status_read, .write = i8042_status_write,
    .valid_min = 1, .valid_max = 4, .impl_min = 1, .impl_max = 1,
};

void i8042_reset(I8042 *s)
{
    for (unsigned i = 0; i < sizeof(s->ram); i++) {
        s->ram[i] = 0;
    }
    s->ram[0] = CTR_POWER_ON;
    s->outport = OUT_POWER_ON & ~OUT_DYNAMIC;
    s->last_write_cmd = false;
    s->pending_cmd = 0;
    s->obuf = 0;
    s->obuf_full = false;
    s->obuf_flags = 0;
    queue_clear(&s->ctrl_q);
    kbd_reset(s);
    i8042_update_irq(s);
}

I8042 *i8042_new(AddressSpace *io, IrqLine kbd_irq, IrqLine aux_irq,
                 void (*request_reset)(void *opaque), void *opaque)
{
    I8042 *s = calloc(1, sizeof(*s));
    assert(s && request_reset);
    s->kbd_irq = kbd_irq;
    s->aux_irq = aux_irq;
    s->request_reset = request_reset;
    s->reset_opaque = opaque;
    i8042_reset(s);

    int r = address_space_add_io(io, "i8042-data", I8042_DATA_PORT, 1, &i8042_data_ops, s);
    assert(r == 0);
    r = address_space_add_io(io, "i8042-status", I8042_STATUS_PORT, 1, &i8042_status_ops, s);
    assert(r == 0);
    (void)r;
    return s;
}

void i8042_free(I8042 *s)
{
    free(s);
}
