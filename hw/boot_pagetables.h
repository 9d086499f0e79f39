/* Identity-mapping page tables for entering a kernel directly in long mode. */
#ifndef HW_BOOT_PAGETABLES_H
#define HW_BOOT_PAGETABLES_H

#include <stddef.h>
#include <stdint.h>

#include "memory/memory.h"

/* PML4, PDPT and four page directories: 6 pages from the base. */
#define BOOT_PAGETABLE_PAGES   6
#define BOOT_PAGETABLE_SIZE    (BOOT_PAGETABLE_PAGES * 0x1000ull)
/* What the tables map: [0, 4 GiB), virtual = physical. */
#define BOOT_PAGETABLE_MAPPED  0x100000000ull

/*
 * Write 4-level tables at `base` (4 KiB aligned, in RAM) that map the first
 * 4 GiB 1:1 with 2 MiB pages, present and writable, supervisor only.
 * Returns the CR3 value, or 0 with err when the range is not RAM.
 */
uint64_t boot_pagetables_install(AddressSpace *mem, uint64_t base, char *err, size_t errlen);

#endif
