/* ACPI tables for the PC: RSDP, XSDT/RSDT, FADT, FACS, MADT and a small DSDT. */
#ifndef HW_ACPI_H
#define HW_ACPI_H

#include <stddef.h>
#include <stdint.h>

#include "hw/machine.h"

/*
 * Where the tables go: the top 64 KiB of the legacy BIOS area, which hw/pc.c's
 * e820 map already reserves, so no firmware-less guest takes it for RAM.  The
 * RSDP is at its start, 16-byte aligned, where an OS's legacy scan of
 * 0xe0000-0xfffff (ACPI 6.0 §5.2.5.1) finds it; the other tables follow.
 */
#define ACPI_TABLES_BASE  0xf0000ull
#define ACPI_TABLES_SIZE  0x10000ull

/* The IOAPIC and LAPIC the MADT describes (hw/pc.c's map). */
#define ACPI_IOAPIC_ADDR  0xfec00000u
#define ACPI_LAPIC_ADDR   0xfee00000u
#define ACPI_MAX_CPUS     254         /* xAPIC MADT entries: APIC ids 0-254 */

/*
 * Build the tables for nr_cpus CPUs (APIC ids 0..nr_cpus-1) into guest RAM at
 * ACPI_TABLES_BASE and set *rsdp_addr (for boot_params.acpi_rsdp_addr).  The
 * FADT points at the PM block of hw/acpi_pm.h, which the machine must create.
 * The tables live in RAM, so call this again after RAM is cleared (reset).
 * 0, or -1 with one line in err (too many CPUs, or no RAM at that address).
 * Main thread, or wherever the machine is (re)built, no vCPU running.
 */
int acpi_build(Machine *m, int nr_cpus, uint64_t *rsdp_addr, char *err, size_t errlen);

#endif
