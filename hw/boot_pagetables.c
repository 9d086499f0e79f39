/* Identity-mapping page tables for entering a kernel directly in long mode. */
#include "hw/boot_pagetables.h"

#include <stdio.h>
#include <string.h>

#include "hw/loader.h"

/* SDM vol. 3A 4.5, tables 4-15 to 4-18: bits of the paging-structure entries. */
#define PTE_PRESENT  (1ull << 0)
#define PTE_WRITABLE (1ull << 1)
#define PTE_PAGE_SIZE (1ull << 7)   /* in a PDE: maps a 2 MiB page */

#define PAGE_SIZE_2M 0x200000ull
#define NR_PDS       4              /* one per GiB */

uint64_t boot_pagetables_install(AddressSpace *mem, uint64_t base, char *err, size_t errlen)
{
    if (base & 0xfff) {
        snprintf(err, errlen, "boot page tables at 0x%llx are not page aligned",
                 (unsigned long long)base);
        return 0;
    }
    uint8_t *tables = loader_guest_ptr(mem, base, BOOT_PAGETABLE_SIZE, "boot page tables",
                                       err, errlen);
    if (!tables) {
        return 0;
    }
    memset(tables, 0, BOOT_PAGETABLE_SIZE);
    uint8_t *pml4 = tables, *pdpt = tables + 0x1000;
    uint64_t pdpt_addr = base + 0x1000;
    loader_st64(pml4, pdpt_addr | PTE_PRESENT | PTE_WRITABLE);
    for (int gib = 0; gib < NR_PDS; gib++) {
        uint64_t pd_addr = base + 0x2000 + 0x1000ull * gib;
        uint8_t *pd = tables + 0x2000 + 0x1000 * gib;
        loader_st64(pdpt + 8 * gib, pd_addr | PTE_PRESENT | PTE_WRITABLE);
        for (int i = 0; i < 512; i++) {
            uint64_t phys = ((uint64_t)gib << 30) + (uint64_t)i * PAGE_SIZE_2M;
            loader_st64(pd + 8 * i, phys | PTE_PRESENT | PTE_WRITABLE | PTE_PAGE_SIZE);
        }
    }
    return base;
}
