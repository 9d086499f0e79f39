/* 16550A UART: registers, FIFOs and interrupts of National Semiconductor's PC16550D. */
#include "hw/uart16550.h"

#include <assert.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ui/log.h"

/*
 * The model follows the PC16550D datasheet (National Semiconductor, June
 * 1995); section numbers below are its.  Transmission is instantaneous: a
 * byte written to THR goes straight to the backend, so THR and the
 * transmitter are always empty again by the time the guest looks (LSR THRE
 * and TEMT stay set).  Input arrives in bursts from the host, so the FIFO
 * character timeout (8.6.2, four character times without activity) is
 * reported as soon as data sits below the trigger level: there is no line
 * to wait for.  Baud rate, parity and break are register state only.
 */

/* Register offsets (Table II); DLAB = LCR bit 7 selects the divisor latch at 0 and 1. */
enum {
    UART_RBR = 0, UART_THR = 0, UART_DLL = 0,
    UART_IER = 1, UART_DLM = 1,
    UART_IIR = 2, UART_FCR = 2,
    UART_LCR = 3,
    UART_MCR = 4,
    UART_LSR = 5,
    UART_MSR = 6,
    UART_SCR = 7,
    UART_NR_PORTS = 8,
};

/* IER (8.6.4) */
#define IER_ERBFI 0x01   /* received data available */
#define IER_ETBEI 0x02   /* transmitter holding register empty */
#define IER_ELSI  0x04   /* receiver line status */
#define IER_EDSSI 0x08   /* modem status */
#define IER_MASK  0x0f

/* IIR (8.6.3, Table IV): bit 0 clear when an interrupt is pending. */
#define IIR_NO_INT      0x01
#define IIR_ID_MSR      0x00
#define IIR_ID_THRE     0x02
#define IIR_ID_RDA      0x04
#define IIR_ID_RLS      0x06
#define IIR_ID_TIMEOUT  0x0c
#define IIR_FIFOS_ON    0xc0

/* FCR (8.6.5) */
#define FCR_ENABLE       0x01
#define FCR_CLEAR_RX     0x02
#define FCR_CLEAR_TX     0x04
#define FCR_DMA_MODE     0x08
#define FCR_TRIGGER_MASK 0xc0

/* LCR (8.6.1) */
#define LCR_DLAB 0x80

/* MCR (8.6.6) */
#define MCR_DTR  0x01
#define MCR_RTS  0x02
#define MCR_OUT1 0x04
#define MCR_OUT2 0x08
#define MCR_LOOP 0x10
#define MCR_MASK 0x1f

/* LSR (8.6.2) */
#define LSR_DR      0x01
#define LSR_OE      0x02
#define LSR_PE      0x04
#define LSR_FE      0x08
#define LSR_BI      0x10
#define LSR_THRE    0x20
#define LSR_TEMT    0x40
#define LSR_ERRORS  (LSR_OE | LSR_PE | LSR_FE | LSR_BI)

/* MSR (8.6.7): deltas in the low nibble, line states in the high one. */
#define MSR_DCTS  0x01
#define MSR_DDSR  0x02
#define MSR_TERI  0x04
#define MSR_DDCD  0x08
#define MSR_CTS   0x10
#define MSR_DSR   0x20
#define MSR_RI    0x40
#define MSR_DCD   0x80
#define MSR_DELTAS 0x0f

#define UART_FIFO_SIZE 16
#define UART_DEFAULT_DIVISOR 12   /* 9600 baud from the PC's 1.8432 MHz clock */

struct Uart16550 {
    AddressSpace *io;
    uint16_t base;
    IrqLine irq;
    int irq_level;
    CharBackend *be;

    uint16_t divisor;
    uint8_t ier;
    uint8_t fcr;           /* FIFO enable, DMA mode and trigger bits as written */
    uint8_t lcr;
    uint8_t mcr;
    uint8_t lsr_errors;    /* OE/PE/FE/BI until LSR is read */
    uint8_t msr;
    uint8_t scr;
    bool thr_ipending;     /* THR became empty and IIR has not reported it yet */

    uint8_t rx_fifo[UART_FIFO_SIZE];   /* holds one byte when FIFOs are off */
    unsigned rx_head;
    unsigned rx_count;
    uint8_t rbr_last;      /* what an empty RBR reads back as */
};

static bool uart_fifo_enabled(const Uart16550 *s)
{
    return s->fcr & FCR_ENABLE;
}

static unsigned uart_rx_capacity(const Uart16550 *s)
{
    return uart_fifo_enabled(s) ? UART_FIFO_SIZE : 1;
}

/* FCR bits 7:6 -> 1, 4, 8 or 14 bytes (Table III). */
static unsigned uart_rx_trigger_level(const Uart16550 *s)
{
    static const unsigned levels[4] = { 1, 4, 8, 14 };
    return levels[(s->fcr & FCR_TRIGGER_MASK) >> 6];
}

/*
 * The modem status inputs.  In loopback they are wired to the modem control
 * outputs (8.6.6: CTS=RTS, DSR=DTR, RI=OUT1, DCD=OUT2); otherwise the host
 * side looks like a terminal that is connected and ready.
 */
static uint8_t uart_modem_inputs(const Uart16550 *s)
{
    if (!(s->mcr & MCR_LOOP)) {
        return MSR_CTS | MSR_DSR | MSR_DCD;
    }
    uint8_t in = 0;
    if (s->mcr & MCR_RTS) {
        in |= MSR_CTS;
    }
    if (s->mcr & MCR_DTR) {
        in |= MSR_DSR;
    }
    if (s->mcr & MCR_OUT1) {
        in |= MSR_RI;
    }
    if (s->mcr & MCR_OUT2) {
        in |= MSR_DCD;
    }
    return in;
}

/* Latch new modem inputs, setting the delta bits for what changed. */
static void uart_update_msr(Uart16550 *s)
{
    uint8_t in = uart_modem_inputs(s);
    uint8_t old = s->msr & ~MSR_DELTAS;
    uint8_t changed = in ^ old;
    uint8_t deltas = 0;
    if (changed & MSR_CTS) {
        deltas |= MSR_DCTS;
    }
    if (changed & MSR_DSR) {
        deltas |= MSR_DDSR;
    }
    if ((old & MSR_RI) && !(in & MSR_RI)) {
        deltas |= MSR_TERI;      /* trailing edge of RI only */
    }
    if (changed & MSR_DCD) {
        deltas |= MSR_DDCD;
    }
    s->msr = in | (s->msr & MSR_DELTAS) | deltas;
}

/* Table IV: the highest-priority pending, enabled interrupt, or IIR_NO_INT. */
static uint8_t uart_pending_interrupt(const Uart16550 *s)
{
    if ((s->ier & IER_ELSI) && (s->lsr_errors & LSR_ERRORS)) {
        return IIR_ID_RLS;
    }
    if ((s->ier & IER_ERBFI) && s->rx_count) {
        if (!uart_fifo_enabled(s) || s->rx_count >= uart_rx_trigger_level(s)) {
            return IIR_ID_RDA;
        }
        return IIR_ID_TIMEOUT;
    }
    if ((s->ier & IER_ETBEI) && s->thr_ipending) {
        return IIR_ID_THRE;
    }
    if ((s->ier & IER_EDSSI) && (s->msr & MSR_DELTAS)) {
        return IIR_ID_MSR;
    }
    return IIR_NO_INT;
}

/*
 * The PC gates the UART's INTR with OUT2; in loopback the chip forces its
 * OUT2 pin inactive (8.6.6), which cuts the interrupt off the ISA bus.
 */
static void uart_update_irq(Uart16550 *s)
{
    bool gate = (s->mcr & (MCR_OUT2 | MCR_LOOP)) == MCR_OUT2;
    int level = gate && uart_pending_interrupt(s) != IIR_NO_INT;
    if (level != s->irq_level) {
        s->irq_level = level;
        irq_set(s->irq, level);
    }
}

static void uart_clear_rx(Uart16550 *s)
{
    s->rx_head = 0;
    s->rx_count = 0;
}

/* One character assembled by the receiver (from the backend or the loopback). */
static void uart_rx_push(Uart16550 *s, uint8_t byte)
{
    if (s->rx_count == uart_rx_capacity(s)) {
        /*
         * 8.6.2 LSR bit 1: without FIFOs the new character overwrites RBR;
         * with them the FIFO keeps its contents and the new one is lost.
         */
        s->lsr_errors |= LSR_OE;
        if (!uart_fifo_enabled(s)) {
            s->rx_fifo[s->rx_head] = byte;
        }
        return;
    }
    s->rx_fifo[(s->rx_head + s->rx_count) % UART_FIFO_SIZE] = byte;
    s->rx_count++;
}

static uint8_t uart_rx_pop(Uart16550 *s)
{
    if (s->rx_count == 0) {
        return s->rbr_last;
    }
    uint8_t byte = s->rx_fifo[s->rx_head];
    s->rx_head = (s->rx_head + 1) % UART_FIFO_SIZE;
    s->rx_count--;
    s->rbr_last = byte;
    return byte;
}

/* The receiver has room again: let the backend deliver what it held back. */
static void uart_input_space_available(Uart16550 *s)
{
    if (s->be) {
        chardev_accept_input(s->be);
    }
}

static void uart_transmit(Uart16550 *s, uint8_t byte)
{
    if (s->mcr & MCR_LOOP) {
        uart_rx_push(s, byte);       /* 8.6.6: TSR output looped to the RSR input */
    } else if (s->be) {
        chardev_write(s->be, &byte, 1);
    }
    /* THR is empty again at once: that is the THRE interrupt's event (Table IV). */
    s->thr_ipending = true;
}

static void uart_write_ier(Uart16550 *s, uint8_t val)
{
    uint8_t old = s->ier;
    s->ier = val & IER_MASK;
    /*
     * Enabling ETBEI while THR is empty raises the THRE interrupt at once;
     * Linux's 8250 driver tests for exactly this at startup (UART_BUG_THRE).
     */
    if ((s->ier & IER_ETBEI) && !(old & IER_ETBEI)) {
        s->thr_ipending = true;
    }
}

static void uart_write_fcr(Uart16550 *s, uint8_t val)
{
    bool was_enabled = uart_fifo_enabled(s);
    bool enable = val & FCR_ENABLE;
    if (enable != was_enabled) {
        uart_clear_rx(s);            /* 8.6.5: changing FCR0 clears both FIFOs */
    }
    if (!enable) {
        s->fcr = 0;                  /* the other bits only program with FCR0 set */
    } else {
        s->fcr = val & (FCR_ENABLE | FCR_DMA_MODE | FCR_TRIGGER_MASK);
        if (val & FCR_CLEAR_RX) {
            uart_clear_rx(s);
        }
        /* FCR_CLEAR_TX: the transmit FIFO is always empty here. */
    }
    uart_input_space_available(s);
}

static void uart_write_mcr(Uart16550 *s, uint8_t val)
{
    bool was_loop = s->mcr & MCR_LOOP;
    s->mcr = val & MCR_MASK;
    uart_update_msr(s);
    if (was_loop && !(s->mcr & MCR_LOOP)) {
        uart_input_space_available(s);   /* the serial input is connected again */
    }
}

static uint8_t uart_read_iir(Uart16550 *s)
{
    uint8_t id = uart_pending_interrupt(s);
    if (id == IIR_ID_THRE) {
        s->thr_ipending = false;     /* Table IV: reading IIR resets THRE when it is the source */
    }
    return id | (uart_fifo_enabled(s) ? IIR_FIFOS_ON : 0);
}

static uint8_t uart_read_lsr(Uart16550 *s)
{
    uint8_t lsr = s->lsr_errors | LSR_THRE | LSR_TEMT;
    if (s->rx_count) {
        lsr |= LSR_DR;
    }
    s->lsr_errors = 0;               /* 8.6.2: bits 1-4 reset when LSR is read */
    return lsr;
}

static uint8_t uart_read_msr(Uart16550 *s)
{
    uint8_t msr = s->msr;
    s->msr &= ~MSR_DELTAS;
    return msr;
}

static uint8_t uart_read_rbr(Uart16550 *s)
{
    uint8_t byte = uart_rx_pop(s);
    uart_input_space_available(s);
    return byte;
}

static uint64_t uart_io_read(void *opaque, uint64_t offset, unsigned size)
{
    Uart16550 *s = opaque;
    uint8_t val;
    bool dlab = s->lcr & LCR_DLAB;

    switch (offset) {
    case UART_RBR:
        val = dlab ? s->divisor & 0xff : uart_read_rbr(s);
        break;
    case UART_IER:
        val = dlab ? s->divisor >> 8 : s->ier;
        break;
    case UART_IIR:
        val = uart_read_iir(s);
        break;
    case UART_LCR:
        val = s->lcr;
        break;
    case UART_MCR:
        val = s->mcr;
        break;
    case UART_LSR:
        val = uart_read_lsr(s);
        break;
    case UART_MSR:
        val = uart_read_msr(s);
        break;
    case UART_SCR:
        val = s->scr;
        break;
    default:
        assert(!"offset outside the UART's ports");
        val = 0xff;
    }
    uart_update_irq(s);
    return val;
}

static void uart_io_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    Uart16550 *s = opaque;
    uint8_t val = value;
    bool dlab = s->lcr & LCR_DLAB;

    switch (offset) {
    case UART_THR:
        if (dlab) {
            s->divisor = (s->divisor & 0xff00) | val;
        } else {
            s->thr_ipending = false;   /* Table IV: writing THR resets THRE */
            uart_transmit(s, val);
        }
        break;
    case UART_IER:
        if (dlab) {
            s->divisor = (s->divisor & 0x00ff) | (val << 8);
        } else {
            uart_write_ier(s, val);
        }
        break;
    case UART_FCR:
        uart_write_fcr(s, val);
        break;
    case UART_LCR:
        s->lcr = val;
        break;
    case UART_MCR:
        uart_write_mcr(s, val);
        break;
    case UART_LSR:
    case UART_MSR:
        /* 8.6.2: LSR is for factory test only; MSR is read-only. */
        log_mask(LOG_GUEST_ERROR, "uart16550@0x%x: write 0x%02x to read-only register %u\n",
                 s->base, val, (unsigned)offset);
        break;
    case UART_SCR:
        s->scr = val;
        break;
    default:
        assert(!"offset outside the UART's ports");
    }
    uart_update_irq(s);
}

static const MemoryRegionOps uart_io_ops = {
    .read = uart_io_read,
    .write = uart_io_write,
    .valid_min = 1, .valid_max = 4,   /* wider accesses reach the 8-bit registers byte by byte */
    .impl_min = 1, .impl_max = 1,
};

size_t uart16550_can_receive(void *opaque)
{
    Uart16550 *s = opaque;
    if (s->mcr & MCR_LOOP) {
        return 0;                    /* 8.6.6: the serial input is disconnected in loopback */
    }
    return uart_rx_capacity(s) - s->rx_count;
}

void uart16550_receive(void *opaque, const uint8_t *buf, size_t len)
{
    Uart16550 *s = opaque;
    for (size_t i = 0; i < len; i++) {
        uart_rx_push(s, buf[i]);
    }
    uart_update_irq(s);
}

void uart16550_reset(Uart16550 *s)
{
    /* 8.6 Table V: the master reset values. */
    s->ier = 0;
    s->fcr = 0;
    s->lcr = 0;
    s->mcr = 0;
    s->lsr_errors = 0;
    s->msr = uart_modem_inputs(s);
    s->scr = 0;
    s->thr_ipending = false;
    s->rbr_last = 0;
    uart_clear_rx(s);
    uart_update_irq(s);
    uart_input_space_available(s);
}

Uart16550 *uart16550_new(AddressSpace *io, uint16_t base, IrqLine irq, CharBackend *be)
{
    Uart16550 *s = calloc(1, sizeof(*s));
    assert(s);
    s->io = io;
    s->base = base;
    s->irq = irq;
    s->be = be;
    s->divisor = UART_DEFAULT_DIVISOR;
    uart16550_reset(s);

    int r = address_space_add_io(io, "uart16550", base, UART_NR_PORTS, &uart_io_ops, s);
    assert(r == 0);
    (void)r;
    if (be) {
        CharFrontend fe = {
            .can_receive = uart16550_can_receive,
            .receive = uart16550_receive,
            .opaque = s,
        };
        chardev_set_frontend(be, &fe);
    }
    return s;
}

void uart16550_free(Uart16550 *s)
{
    if (!s) {
        return;
    }
    if (s->be) {
        chardev_set_frontend(s->be, NULL);
    }
    free(s);
}
