/* The ACPI fixed hardware: PM1a event/control blocks, the PM timer and the reset register. */
#ifndef HW_ACPI_PM_H
#define HW_ACPI_PM_H

#include <stdint.h>

#include "hw/irq.h"
#include "memory/memory.h"

/*
 * The port map, which hw/acpi.c advertises in the FADT (QEMU's PIIX4 layout
 * for the first three, so that habits and tools carry over):
 *
 *   0x600  PM1a_STS  (16 bits, write 1 to clear)     ACPI 6.0 §4.8.3.1.1
 *   0x602  PM1a_EN   (16 bits)                       ACPI 6.0 §4.8.3.1.2
 *   0x604  PM1a_CNT  (16 bits)                       ACPI 6.0 §4.8.3.2.1
 *   0x608  PM_TMR    (32 bits, read-only, 3.579545 MHz; FADT TMR_VAL_EXT)
 *   0x60c  RESET_REG (8 bits; writing ACPI_RESET_VALUE resets the machine)
 *
 * The reset register lives in this block rather than at 0xcf9 (QEMU's) because
 * 0xcf8-0xcff belongs to the PCI host bridge's configuration ports.  There is
 * no SMI_CMD port: the platform is always in ACPI mode, so SCI_EN reads as 1.
 */
#define ACPI_PM1_EVT_PORT   0x600
#define ACPI_PM1_EVT_LEN    4
#define ACPI_PM1_CNT_PORT   0x604
#define ACPI_PM1_CNT_LEN    2
#define ACPI_PM_TMR_PORT    0x608
#define ACPI_PM_TMR_LEN     4
#define ACPI_RESET_PORT     0x60c
#define ACPI_RESET_VALUE    0x06
#define ACPI_SCI_IRQ        9          /* ISA IRQ 9 = GSI 9, level, active high (MADT) */
#define ACPI_PM_TIMER_HZ    3579545ull /* ACPI 6.0 §4.8.3.3 */

/* SLP_TYP values, as the DSDT's \_S0 and \_S5 packages give them. */
#define ACPI_SLP_TYP_S0     0
#define ACPI_SLP_TYP_S5     5

/* PM1 status/enable bits (ACPI 6.0 tables 4-16, 4-17). */
#define ACPI_PM1_TMR        (1u << 0)
#define ACPI_PM1_BM_STS     (1u << 4)
#define ACPI_PM1_GBL        (1u << 5)
#define ACPI_PM1_PWRBTN     (1u << 8)
#define ACPI_PM1_RTC        (1u << 10)
#define ACPI_PM1_WAK_STS    (1u << 15)

/* PM1 control bits (ACPI 6.0 table 4-18). */
#define ACPI_PM1_CNT_SCI_EN   (1u << 0)
#define ACPI_PM1_CNT_BM_RLD   (1u << 1)
#define ACPI_PM1_CNT_GBL_RLS  (1u << 2)
#define ACPI_PM1_CNT_SLP_TYP_SHIFT 10
#define ACPI_PM1_CNT_SLP_TYP  (7u << ACPI_PM1_CNT_SLP_TYP_SHIFT)
#define ACPI_PM1_CNT_SLP_EN   (1u << 13)

typedef struct AcpiPm AcpiPm;

/* What the PM block asks of the machine.  Called with the device lock held. */
typedef struct AcpiPmHooks {
    void (*poweroff)(void *opaque);   /* SLP_EN with SLP_TYP = S5 */
    void (*reset)(void *opaque);      /* ACPI_RESET_VALUE written to RESET_REG */
    void *opaque;
} AcpiPmHooks;

/*
 * Claim the ports above in `io`; `sci` is the SCI line (ISA IRQ 9), raised
 * while SCI_EN and any enabled status bit are set.  The PM timer counts host
 * CLOCK_MONOTONIC time from here (and from every reset).  A timer-carry SCI
 * (TMR_EN) is timed by a GSource on GLib's default main context, which the
 * I/O thread runs; it takes the device lock.
 * Threads: created on the main thread; everything else with the device lock held.
 */
AcpiPm *acpi_pm_new(AddressSpace *io, IrqLine sci, const AcpiPmHooks *hooks);

/* Power-on state: status and enables clear, SCI low, the PM timer back at 0. */
void acpi_pm_reset(AcpiPm *pm);

/* Free it; its ports must no longer be dispatched.  Not while the I/O thread runs. */
void acpi_pm_free(AcpiPm *pm);

/*
 * Press the power button (a fixed-feature button, ACPI 6.0 §4.8.2.2.1.1):
 * PWRBTN_STS is set, and an SCI follows if the guest enabled PWRBTN_EN.  The
 * monitor's system_powerdown.  Device lock held.
 */
void acpi_pm_press_power_button(AcpiPm *pm);

/*
 * Tests only: read time from now_ns(opaque) (nanoseconds) instead of the
 * host's CLOCK_MONOTONIC, restarting the PM timer at 0.
 */
void acpi_pm_set_clock(AcpiPm *pm, int64_t (*now_ns)(void *opaque), void *opaque);

#endif
