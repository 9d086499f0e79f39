/* Local APICs (xAPIC MMIO and x2APIC MSRs, timer, IPIs) and the APIC bus between them. */
#ifndef HW_APIC_H
#define HW_APIC_H

#include <stdbool.h>
#include <stdint.h>

#include "memory/memory.h"

/*
 * The software LAPIC of the interp and tcg backends (under kvm the in-kernel
 * one serves).  Source: Intel SDM vol. 3A chapter 10.
 *
 * Threads and locking: everything below runs with machine_lock() held,
 * except the constructors and destructors (main thread, before the vCPUs run
 * or after they stopped) and apic_bus_set_current (thread-local, no lock).  The timer's GSource runs on the I/O thread and
 * takes the lock itself.  A Lapic calls its LapicCpuOps with the lock held,
 * from whichever thread caused the event (a vCPU sending an IPI, the I/O
 * thread for a timer or an IOAPIC interrupt).
 */

#define APIC_DEFAULT_BASE 0xfee00000ull
#define APIC_MMIO_SIZE    0x1000ull

/* IA32_APIC_BASE bits (SDM vol. 3A 10.4.4, 10.12.1). */
#define APIC_BASE_BSP    (1ull << 8)
#define APIC_BASE_EXTD   (1ull << 10)   /* x2APIC mode */
#define APIC_BASE_EN     (1ull << 11)   /* global enable */

/* The timer counts the APIC bus clock, 1 GHz as KVM's: one tick per ns at divide-by-1. */
#define APIC_BUS_FREQ_HZ 1000000000ull

/* A physical or logical destination that means every LAPIC. */
#define APIC_BROADCAST 0xffffffffu

/* Delivery modes of ICR, LVT, IOAPIC redirection entries and MSIs (SDM 10.6.1). */
enum {
    APIC_DM_FIXED = 0,
    APIC_DM_LOWEST = 1,
    APIC_DM_SMI = 2,
    APIC_DM_NMI = 4,
    APIC_DM_INIT = 5,
    APIC_DM_SIPI = 6,
    APIC_DM_EXTINT = 7,
};

typedef struct ApicBus ApicBus;   /* all LAPICs of the machine */
typedef struct Lapic Lapic;

/*
 * The CPU side a LAPIC talks to; every op is required.
 *  kick:     an interrupt, NMI, INIT or SIPI may now be pending: make the vCPU
 *            look (wake it from HLT).  Any thread.
 *  init:     an INIT arrived; the LAPIC has already reset itself (SDM 10.4.7.3).
 *            An AP goes to wait-for-SIPI; the BSP restarts at the reset vector.
 *  sipi:     a start-up IPI: a vCPU waiting for SIPI starts in real mode at
 *            CS = vector << 8, IP = 0; one not waiting ignores it.
 *  read_tsc: the vCPU's guest TSC now (for the TSC-deadline timer; called on
 *            the vCPU's own thread, from lapic_msr_write only).
 */
typedef struct LapicCpuOps {
    void (*kick)(void *cpu);
    void (*init)(void *cpu);
    void (*sipi)(void *cpu, uint8_t vector);
    uint64_t (*read_tsc)(void *cpu);
} LapicCpuOps;

/* ---- the bus ---- */

/*
 * Register the xAPIC MMIO page at 0xfee00000 of `mem`.  An access goes to
 * the LAPIC of the calling thread (apic_bus_set_current); one from a thread
 * without a LAPIC, or to a LAPIC in x2APIC mode or globally disabled, is
 * logged as a guest error and reads all ones.
 */
ApicBus *apic_bus_new(AddressSpace *mem);
/* Free the bus; its LAPICs must have been freed and `mem` no longer dispatch to it. */
void apic_bus_free(ApicBus *bus);

/*
 * The clock the timers count: nanoseconds, monotonic.  The default is the
 * host's CLOCK_MONOTONIC (also what now_ns == NULL restores); tests inject
 * their own and call apic_bus_run_timers() instead of waiting for the GLib
 * timeouts.
 */
void apic_bus_set_clock(ApicBus *bus, int64_t (*now_ns)(void *opaque), void *opaque);

/* Expire every LAPIC timer due by the bus clock (what the GLib timeouts do). */
void apic_bus_run_timers(ApicBus *bus);

/*
 * Who hears the EOI of a level-triggered interrupt (SDM 10.8.5: the LAPIC
 * broadcasts it to the IOAPICs).  ioapic_new registers itself.
 */
void apic_bus_add_eoi_listener(ApicBus *bus, void (*eoi)(void *opaque, uint8_t vector),
                               void *opaque);
void apic_bus_remove_eoi_listener(ApicBus *bus, void (*eoi)(void *opaque, uint8_t vector),
                                  void *opaque);

/*
 * Deliver an interrupt message, as the IOAPIC or an MSI sends it, to the
 * LAPICs that `dest` selects: physical (an APIC ID) or logical (matched
 * against each LDR, flat or cluster model, or the x2APIC logical ID).
 * dest == APIC_BROADCAST selects every LAPIC; xAPIC-format senders pass
 * 0xff as APIC_BROADCAST.  `level` is the level bit (0 only matters for
 * INIT level de-assert), `trigger_level` the trigger mode (sets TMR).
 */
void apic_bus_deliver(ApicBus *bus, uint32_t dest, bool dest_logical, unsigned delivery_mode,
                      uint8_t vector, bool level, bool trigger_level);

/*
 * An MSI: a 32-bit write of `data` to `addr` in 0xfee00000-0xfeefffff
 * (SDM 10.11.1/10.11.2).  False (nothing delivered) for another address.
 */
bool apic_bus_deliver_msi(ApicBus *bus, uint64_t addr, uint32_t data);

/* ---- one LAPIC ---- */

/*
 * A LAPIC with initial (x2APIC) ID `apic_id`, on the bus, in its power-up
 * state (lapic_reset).  The LAPIC with ID 0 is the BSP: its APIC_BASE has
 * the BSP flag, and its LINT0 starts unmasked in ExtINT mode, as firmware
 * leaves it (virtual-wire mode), so that the PIC reaches the CPU of a guest
 * booted without firmware.
 */
Lapic *lapic_new(ApicBus *bus, uint32_t apic_id, const LapicCpuOps *ops, void *cpu);
void lapic_free(Lapic *l);

/* The LAPIC the calling thread's MMIO accesses go to (thread-local); NULL for none. */
void apic_bus_set_current(Lapic *l);

/*
 * RESET: power-up state (SDM 10.4.7.1, 10.12.5.1): xAPIC mode, globally
 * enabled, software-disabled, LVTs masked, the ID back to the initial one.
 */
void lapic_reset(Lapic *l);

/*
 * Interrupt acceptance, by the vCPU at an instruction boundary:
 *  lapic_pending_vector: the highest-priority fixed interrupt that PPR lets
 *    through (SDM 10.8.3.1), or -1.  Does not change anything.
 *  lapic_accept: the INTA cycle for that vector: IRR -> ISR, PPR rises.
 *  lapic_extint_pending: whether the PIC's INTR (`pic_intr`) reaches the
 *    CPU: LINT0 unmasked in ExtINT mode, or the LAPIC globally disabled.
 *  lapic_nmi_pending / lapic_nmi_accept: an NMI message (IPI, IOAPIC, MSI) arrived.
 */
int lapic_pending_vector(Lapic *l);
void lapic_accept(Lapic *l, int vector);
bool lapic_extint_pending(Lapic *l, bool pic_intr);
bool lapic_nmi_pending(Lapic *l);
void lapic_nmi_accept(Lapic *l);

/* MOV to/from CR8: CR8[3:0] is TPR[7:4] (SDM 10.8.6.1). */
void lapic_set_tpr(Lapic *l, uint8_t cr8);
uint8_t lapic_get_tpr(Lapic *l);

/*
 * RDMSR/WRMSR of the x2APIC registers 0x800-0x8ff (SDM 10.12.1.2) and
 * IA32_TSC_DEADLINE (0x6e0).  False: the CPU raises #GP (an x2APIC MSR
 * outside x2APIC mode, a missing or read-only register, reserved bits set,
 * or an MSR that is none of these).
 */
bool lapic_msr_read(Lapic *l, uint32_t msr, uint64_t *value);
bool lapic_msr_write(Lapic *l, uint32_t msr, uint64_t value);

/*
 * A WRMSR of IA32_APIC_BASE: global enable and x2APIC mode (SDM 10.12.5).
 * False for reserved bits or an invalid transition (x2APIC -> xAPIC,
 * disabled -> x2APIC, EXTD without EN): the CPU raises #GP and keeps the
 * old value.  The BSP flag in `value` is ignored.  Moving the xAPIC page
 * away from 0xfee00000 is not supported (logged under -d unimp).
 */
bool lapic_set_base(Lapic *l, uint64_t value);
/* The IA32_APIC_BASE value (RDMSR). */
uint64_t lapic_get_base(Lapic *l);

#endif
