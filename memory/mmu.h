/* The soft MMU: x86 page walks (32-bit, PAE, 4-level) and the per-vCPU TLB. */
#ifndef MEMORY_MMU_H
#define MEMORY_MMU_H

#include <stdbool.h>
#include <stdint.h>

#include "memory/memory.h"

/*
 * Design.  A guest-virtual (linear) address goes GVA -> GPA through the
 * guest's page tables (mmu_walk), then GPA -> host address through the
 * AddressSpace.  The TLB caches the composition, GVA page -> host page, so a
 * hit is one compare and an add: this is tandem's shadow page table.
 *
 * The TLB is direct-mapped, MMU_TLB_SIZE entries per privilege mode, and an
 * entry holds one tag per access kind (read, write, execute): a page that may
 * be read but not written has a valid read tag and an invalid write tag, so a
 * write misses, walks again and raises #PF with the exact error code.  A tag
 * also fails to match when the page must not be accessed directly: MMIO,
 * unassigned, or (for writes) a page holding decoded code, whose writes must
 * go through the slow path so the code cache can drop its blocks.
 *
 * Privilege modes (mmu_idx): supervisor with SMAP enforced, supervisor with
 * EFLAGS.AC=1 (SMAP overridden), user.  Keeping them apart means neither a
 * CPL change nor STAC/CLAC has to flush anything.
 *
 * Flushes follow SDM vol. 3A 4.10.4: MOV to CR3 drops every non-global entry
 * (all of them when CR4.PGE is clear), INVLPG drops one page in every mode,
 * changes of CR0.PG/WP, CR4.PSE/PAE/PGE/SMEP/SMAP/PCIDE and EFER.NXE drop all.
 * PCID is not advertised, so CR3 bits 11:0 are ignored (PCD/PWT only).
 */

#define MMU_TLB_BITS 8
#define MMU_TLB_SIZE (1u << MMU_TLB_BITS)
#define MMU_PAGE_BITS 12
#define MMU_PAGE_SIZE (1ull << MMU_PAGE_BITS)
#define MMU_PAGE_MASK (~(MMU_PAGE_SIZE - 1))

enum { MMU_IDX_SUPER, MMU_IDX_SUPER_AC, MMU_IDX_USER, MMU_NR_IDX };

typedef enum { MMU_READ, MMU_WRITE, MMU_EXEC } MmuAccess;

/* #PF error code bits, SDM vol. 3A 4.7 */
#define PF_PRESENT  (1u << 0)
#define PF_WRITE    (1u << 1)
#define PF_USER     (1u << 2)
#define PF_RSVD     (1u << 3)
#define PF_FETCH    (1u << 4)

#define MMU_TAG_INVALID (~0ull)   /* never equal to a page-aligned address */

typedef struct TlbEntry {
    uint64_t tag[3];      /* indexed by MmuAccess: page address, or MMU_TAG_INVALID */
    uintptr_t addend;     /* host address = guest-virtual address + addend */
    uint64_t gpa;         /* guest-physical page */
    bool global;
} TlbEntry;

typedef struct MmuCounters {
    uint64_t hits, misses, walks, faults;
    uint64_t flushes;         /* whole-TLB flushes, global pages kept or not */
    uint64_t global_flushes;  /* those of them that dropped global pages too */
    uint64_t page_flushes;    /* INVLPG and the like */
} MmuCounters;

typedef struct Tlb {
    TlbEntry entries[MMU_NR_IDX][MMU_TLB_SIZE];
    bool has_large_pages;  /* some entry came from a 2M/4M/1G mapping */
    MmuCounters count;
} Tlb;

/* The paging-relevant control state, taken from X86State. */
typedef struct MmuRegs {
    uint64_t cr0, cr3, cr4, efer;
} MmuRegs;

/* The outcome of a walk. */
typedef struct MmuResult {
    uint64_t gpa;          /* guest-physical address of the accessed byte */
    unsigned page_bits;    /* 12, 21, 22 or 30: the size of the mapping */
    bool readable;         /* data reads allowed (SMAP can forbid them) */
    bool writable;         /* for the mode and CR0.WP of the walk */
    bool executable;
    bool global;
} MmuResult;

/*
 * Translate linear address `la` for an access of `kind` at privilege
 * `mmu_idx`.  Sets accessed/dirty bits in the guest's tables as the SDM
 * (4.8) requires.  Returns true, or false with the #PF error code in
 * *pf_error (CR2 is the caller's to set).  Paging off: identity.
 * `implicit_super` marks accesses made by the CPU itself at any CPL (GDT,
 * IDT, TSS loads), which are supervisor accesses with SMAP enforced.
 */
bool mmu_walk(AddressSpace *mem, const MmuRegs *regs, uint64_t la, MmuAccess kind, int mmu_idx,
              MmuResult *out, uint32_t *pf_error);

/* The mmu_idx for a CPL and EFLAGS.AC under CR4.SMAP (SDM 4.6.1). */
static inline int mmu_index(int cpl, bool ac, const MmuRegs *regs)
{
    if (cpl == 3) {
        return MMU_IDX_USER;
    }
    return ac ? MMU_IDX_SUPER_AC : MMU_IDX_SUPER;
}

void tlb_init(Tlb *tlb);
void tlb_flush_all(Tlb *tlb);
void tlb_flush_nonglobal(Tlb *tlb);
void tlb_flush_page(Tlb *tlb, uint64_t la);
/* Drop every entry whose guest-physical page is `gpa` (its code was decoded). */
void tlb_flush_gpa(Tlb *tlb, uint64_t gpa);
/* Drop every translation to guest-physical page `gpa`, for all accesses. */
void tlb_drop_gpa(Tlb *tlb, uint64_t gpa);

static inline TlbEntry *tlb_entry(Tlb *tlb, int mmu_idx, uint64_t la)
{
    return &tlb->entries[mmu_idx][(la >> MMU_PAGE_BITS) & (MMU_TLB_SIZE - 1)];
}

/*
 * Fill the entry for `la` after a successful walk.  `host` is the host page
 * for res->gpa's page, or NULL when the page is not plain RAM (no direct
 * access then).  `write_direct` is false for pages whose writes must be seen
 * (decoded code).
 */
void tlb_fill(Tlb *tlb, int mmu_idx, uint64_t la, const MmuResult *res, uint8_t *host,
              MmuAccess kind, bool write_direct);

#endif
