/* x86 page walks: 32-bit, PAE and 4-level paging with permission checks and A/D updates. */
#include "memory/mmu.h"

#include <string.h>

#include "cpu/x86/state.h"
#include "ui/log.h"

/*
 * SDM vol. 3A chapter 4.  The walk collects, level by level, the entry
 * addresses and the combined R/W, U/S and XD bits, checks reserved bits,
 * then decides the access against the combined rights (4.6), and only then
 * sets accessed bits on every entry used and the dirty bit on the leaf
 * (4.8).  A/D bits are set only for a translation that succeeds, which is
 * what a fault-free retry of the same access would leave behind.
 *
 * MAXPHYADDR is 40 (CPUID 0x80000008 as tandem's software CPU reports it);
 * address bits above it in an entry are reserved.  PAE PDPTEs are read
 * during the walk rather than cached at MOV CR3: a guest that edits them
 * without reloading CR3 sees its edit early, which no known OS relies on.
 */

#define MMU_PHYS_BITS 40
#define PTE_P    (1ull << 0)
#define PTE_RW   (1ull << 1)
#define PTE_US   (1ull << 2)
#define PTE_A    (1ull << 5)
#define PTE_D    (1ull << 6)
#define PTE_PS   (1ull << 7)
#define PTE_G    (1ull << 8)
#define PTE_XD   (1ull << 63)

#define PHYS_ADDR_MASK (((1ull << MMU_PHYS_BITS) - 1) & ~0xfffull)

typedef struct WalkLevel {
    uint64_t addr;    /* guest-physical address of the entry */
    uint64_t value;
    unsigned size;    /* 4 or 8 bytes */
} WalkLevel;

typedef struct Walk {
    WalkLevel level[5];
    int nr_levels;
    bool rw, us, xd;          /* combined over all levels */
    uint64_t frame;           /* physical base of the final page */
    unsigned page_bits;
    bool global;
} Walk;

static uint64_t read_entry(AddressSpace *mem, uint64_t addr, unsigned size)
{
    return address_space_read(mem, addr, size);
}

/* Record one entry and fold its rights into the walk. */
static void walk_add(Walk *w, uint64_t addr, uint64_t value, unsigned size)
{
    WalkLevel *l = &w->level[w->nr_levels++];
    l->addr = addr;
    l->value = value;
    l->size = size;
    w->rw = w->rw && (value & PTE_RW);
    w->us = w->us && (value & PTE_US);
    if (size == 8) {
        w->xd = w->xd || (value & PTE_XD);
    }
}

/* Bits reserved in a 64-bit entry (PAE/4-level), SDM 4.4.2 and 4.5.4. */
static uint64_t rsvd_mask_64(const MmuRegs *r, int level, bool large)
{
    uint64_t m = ~((1ull << MMU_PHYS_BITS) - 1) & ~PTE_XD & ~(0x7full << 52);
    /* Bits 62:52 are ignored (available) in 4-level and PAE leaves;
     * protection keys are not enabled. */
    if (!(r->efer & X86_EFER_NXE)) {
        m |= PTE_XD;
    }
    if (large) {
        /* 2M: bits 20:13 reserved; 1G: bits 29:13 reserved (bit 12 is PAT). */
        m |= level == 3 ? 0x3fffe000ull : 0x1fe000ull;
    }
    if (level == 4) {
        m |= PTE_PS;    /* no 512G pages */
    }
    return m;
}

static bool walk_fail(uint32_t *pf, uint32_t bits)
{
    *pf = bits;
    return false;
}

/* 4-level (IA-32e) or PAE paging. */
static bool walk_64(AddressSpace *mem, const MmuRegs *r, uint64_t la, Walk *w, uint32_t *pf)
{
    bool long_mode = (r->efer & X86_EFER_LMA) != 0;
    int level = long_mode ? 4 : 3;
    uint64_t table;

    if (long_mode) {
        table = r->cr3 & PHYS_ADDR_MASK;
    } else {
        /* PAE: CR3 bits 31:5 locate four PDPTEs. */
        uint64_t pdpte_addr = (r->cr3 & 0xffffffe0ull) + ((la >> 30) & 3) * 8;
        uint64_t pdpte = read_entry(mem, pdpte_addr, 8);
        if (!(pdpte & PTE_P)) {
            return walk_fail(pf, 0);
        }
        /* PDPTE reserved bits: 2:1, 8:5, 63 and above MAXPHYADDR (4.4.1). */
        if (pdpte & (0x1e6ull | ~((1ull << MMU_PHYS_BITS) - 1))) {
            return walk_fail(pf, PF_PRESENT | PF_RSVD);
        }
        /* PDPTEs carry no R/W, U/S or XD rights. */
        WalkLevel *l = &w->level[w->nr_levels++];
        l->addr = pdpte_addr;
        l->value = pdpte;
        l->size = 0;    /* not updated: PDPTEs have no accessed bit */
        table = pdpte & PHYS_ADDR_MASK;
        level = 2;
    }
    for (;; level--) {
        unsigned shift = 12 + 9 * (level - 1);
        uint64_t addr = table + ((la >> shift) & 0x1ff) * 8;
        uint64_t e = read_entry(mem, addr, 8);
        if (!(e & PTE_P)) {
            return walk_fail(pf, 0);
        }
        bool large = level > 1 && (e & PTE_PS) && level < 4;
        if (level == 3 && large && !long_mode) {
            large = false;
        }
        if (e & rsvd_mask_64(r, level, large)) {
            return walk_fail(pf, PF_PRESENT | PF_RSVD);
        }
        walk_add(w, addr, e, 8);
        if (level == 1 || large) {
            w->page_bits = shift;
            w->frame = e & PHYS_ADDR_MASK & ~((1ull << shift) - 1);
            w->global = (e & PTE_G) && (r->cr4 & X86_CR4_PGE);
            return true;
        }
        table = e & PHYS_ADDR_MASK;
    }
}

/* Legacy 32-bit paging, with 4M pages under CR4.PSE (4.3). */
static bool walk_32(AddressSpace *mem, const MmuRegs *r, uint64_t la, Walk *w, uint32_t *pf)
{
    uint64_t pde_addr = (r->cr3 & 0xfffff000ull) + ((la >> 22) & 0x3ff) * 4;
    uint64_t pde = read_entry(mem, pde_addr, 4);
    if (!(pde & PTE_P)) {
        return walk_fail(pf, 0);
    }
    if ((pde & PTE_PS) && (r->cr4 & X86_CR4_PSE)) {
        /* PSE-36: bits 20:13 hold physical address bits 39:32; bit 21 reserved. */
        if (pde & (1ull << 21)) {
            return walk_fail(pf, PF_PRESENT | PF_RSVD);
        }
        walk_add(w, pde_addr, pde, 4);
        w->page_bits = 22;
        w->frame = (pde & 0xffc00000ull) | (((pde >> 13) & 0xffull) << 32);
        w->global = (pde & PTE_G) && (r->cr4 & X86_CR4_PGE);
        return true;
    }
    walk_add(w, pde_addr, pde, 4);
    uint64_t pte_addr = (pde & 0xfffff000ull) + ((la >> 12) & 0x3ff) * 4;
    uint64_t pte = read_entry(mem, pte_addr, 4);
    if (!(pte & PTE_P)) {
        return walk_fail(pf, 0);
    }
    walk_add(w, pte_addr, pte, 4);
    w->page_bits = 12;
    w->frame = pte & 0xfffff000ull;
    w->global = (pte & PTE_G) && (r->cr4 & X86_CR4_PGE);
    return true;
}

/* Access rights of a completed walk, SDM 4.6. */
static bool walk_allows(const MmuRegs *r, const Walk *w, MmuAccess kind, int mmu_idx)
{
    bool user = mmu_idx == MMU_IDX_USER;
    bool wp = (r->cr0 & X86_CR0_WP) != 0;
    bool nx = (r->efer & X86_EFER_NXE) != 0;

    if (user) {
        if (!w->us) {
            return false;
        }
        if (kind == MMU_WRITE && !w->rw) {
            return false;
        }
        return !(kind == MMU_EXEC && nx && w->xd);
    }
    if (kind == MMU_EXEC) {
        if (nx && w->xd) {
            return false;
        }
        return !(w->us && (r->cr4 & X86_CR4_SMEP));
    }
    /* SMAP: supervisor data access to a user page, unless AC overrides. */
    if (w->us && (r->cr4 & X86_CR4_SMAP) && mmu_idx == MMU_IDX_SUPER) {
        return false;
    }
    return !(kind == MMU_WRITE && wp && !w->rw);
}

/* SDM 4.8: set A on every entry used, D on the leaf for a write. */
static void walk_set_accessed(AddressSpace *mem, const Walk *w, bool dirty)
{
    for (int i = 0; i < w->nr_levels; i++) {
        const WalkLevel *l = &w->level[i];
        uint64_t want = PTE_A | (dirty && i == w->nr_levels - 1 ? PTE_D : 0);
        if (l->size == 0 || (l->value & want) == want) {
            continue;
        }
        uint8_t *p = address_space_ram_ptr(mem, l->addr, l->size);
        if (!p) {
            continue;   /* page tables in MMIO: nothing to update */
        }
        /* Atomic: another vCPU may be updating the same entry. */
        if (l->size == 8) {
            __atomic_fetch_or((uint64_t *)p, want, __ATOMIC_SEQ_CST);
        } else {
            __atomic_fetch_or((uint32_t *)p, (uint32_t)want, __ATOMIC_SEQ_CST);
        }
    }
}

static uint32_t pf_code(const MmuRegs *r, MmuAccess kind, int mmu_idx, uint32_t bits)
{
    bool pae_nx = (r->cr4 & X86_CR4_PAE) && (r->efer & X86_EFER_NXE);
    if (kind == MMU_WRITE) {
        bits |= PF_WRITE;
    }
    if (mmu_idx == MMU_IDX_USER) {
        bits |= PF_USER;
    }
    /* I/D is reported only where fetches can fault on their own (4.7). */
    if (kind == MMU_EXEC && (pae_nx || (r->cr4 & X86_CR4_SMEP))) {
        bits |= PF_FETCH;
    }
    return bits;
}

bool mmu_walk(AddressSpace *mem, const MmuRegs *r, uint64_t la, MmuAccess kind, int mmu_idx,
              MmuResult *out, uint32_t *pf_error)
{
    if (!(r->cr0 & X86_CR0_PG)) {
        out->gpa = la;
        out->page_bits = 12;
        out->readable = true;
        out->writable = true;
        out->executable = true;
        out->global = false;
        return true;
    }
    Walk w = { .rw = true, .us = true, .xd = false };
    uint32_t bits = 0;
    bool ok = (r->cr4 & X86_CR4_PAE) ? walk_64(mem, r, la, &w, &bits)
                                     : walk_32(mem, r, la, &w, &bits);
    if (ok && !walk_allows(r, &w, kind, mmu_idx)) {
        ok = false;
        bits = PF_PRESENT;
    }
    if (!ok) {
        *pf_error = pf_code(r, kind, mmu_idx, bits);
        return false;
    }
    walk_set_accessed(mem, &w, kind == MMU_WRITE);
    out->gpa = w.frame | (la & ((1ull << w.page_bits) - 1));
    out->page_bits = w.page_bits;
    /* A write tag is only given when a write is allowed and D is already set
     * (or being set now), so the first write to a clean page walks again. */
    out->readable = walk_allows(r, &w, MMU_READ, mmu_idx);
    out->writable = walk_allows(r, &w, MMU_WRITE, mmu_idx) &&
                    (kind == MMU_WRITE || (w.level[w.nr_levels - 1].value & PTE_D));
    out->executable = walk_allows(r, &w, MMU_EXEC, mmu_idx);
    out->global = w.global;
    return true;
}

/* ---- the TLB ---- */

static void tlb_entry_clear(TlbEntry *e)
{
    e->tag[MMU_READ] = e->tag[MMU_WRITE] = e->tag[MMU_EXEC] = MMU_TAG_INVALID;
    e->addend = 0;
    e->gpa = MMU_TAG_INVALID;
    e->global = false;
}

void tlb_init(Tlb *tlb)
{
    memset(&tlb->count, 0, sizeof(tlb->count));
    tlb_flush_all(tlb);
    tlb->count.flushes = 0;
}

void tlb_flush_all(Tlb *tlb)
{
    tlb->has_large_pages = false;
    for (int m = 0; m < MMU_NR_IDX; m++) {
        for (unsigned i = 0; i < MMU_TLB_SIZE; i++) {
            tlb_entry_clear(&tlb->entries[m][i]);
        }
    }
    tlb->count.flushes++;
    tlb->count.global_flushes++;
    log_mask(LOG_MMU, "mmu: TLB flush, global pages too\n");
}

void tlb_flush_nonglobal(Tlb *tlb)
{
    for (int m = 0; m < MMU_NR_IDX; m++) {
        for (unsigned i = 0; i < MMU_TLB_SIZE; i++) {
            if (!tlb->entries[m][i].global) {
                tlb_entry_clear(&tlb->entries[m][i]);
            }
        }
    }
    tlb->count.flushes++;
    log_mask(LOG_MMU, "mmu: TLB flush, global pages kept\n");
}

void tlb_flush_page(Tlb *tlb, uint64_t la)
{
    /* A large mapping is cached as 4K pieces, and INVLPG of any address in
     * it must drop them all (SDM 4.10.4.1): with large pages cached, flush
     * everything rather than track which slots hold pieces of which page. */
    if (tlb->has_large_pages) {
        tlb_flush_all(tlb);
        return;
    }
    for (int m = 0; m < MMU_NR_IDX; m++) {
        TlbEntry *e = tlb_entry(tlb, m, la);
        if (e->tag[MMU_READ] == (la & MMU_PAGE_MASK) || e->tag[MMU_WRITE] == (la & MMU_PAGE_MASK) ||
            e->tag[MMU_EXEC] == (la & MMU_PAGE_MASK)) {
            tlb_entry_clear(e);
        }
    }
    tlb->count.page_flushes++;
    log_mask(LOG_MMU, "mmu: TLB flush of the page at 0x%llx\n", (unsigned long long)la);
}

void tlb_drop_gpa(Tlb *tlb, uint64_t gpa)
{
    for (int m = 0; m < MMU_NR_IDX; m++) {
        for (unsigned i = 0; i < MMU_TLB_SIZE; i++) {
            TlbEntry *e = &tlb->entries[m][i];
            bool tagged = e->tag[MMU_READ] != MMU_TAG_INVALID || e->tag[MMU_WRITE] != MMU_TAG_INVALID ||
                          e->tag[MMU_EXEC] != MMU_TAG_INVALID;
            if (tagged && e->gpa == (gpa & MMU_PAGE_MASK)) {
                tlb_entry_clear(e);
            }
        }
    }
    tlb->count.page_flushes++;
    log_mask(LOG_MMU, "mmu: TLB entries for guest-physical page 0x%llx dropped\n",
             (unsigned long long)(gpa & MMU_PAGE_MASK));
}

void tlb_flush_gpa(Tlb *tlb, uint64_t gpa)
{
    for (int m = 0; m < MMU_NR_IDX; m++) {
        for (unsigned i = 0; i < MMU_TLB_SIZE; i++) {
            TlbEntry *e = &tlb->entries[m][i];
            if (e->gpa == (gpa & MMU_PAGE_MASK)) {
                e->tag[MMU_WRITE] = MMU_TAG_INVALID;
            }
        }
    }
}

void tlb_fill(Tlb *tlb, int mmu_idx, uint64_t la, const MmuResult *res, uint8_t *host,
              MmuAccess kind, bool write_direct)
{
    uint64_t page = la & MMU_PAGE_MASK;
    TlbEntry *e = tlb_entry(tlb, mmu_idx, la);
    /* Tags of one page are filled by separate walks; another page evicts them. */
    if (e->tag[MMU_READ] != page && e->tag[MMU_WRITE] != page && e->tag[MMU_EXEC] != page) {
        tlb_entry_clear(e);
    }
    if (!host) {
        return;    /* MMIO or unassigned: always the slow path */
    }
    e->addend = (uintptr_t)host - (uintptr_t)page;
    e->gpa = res->gpa & MMU_PAGE_MASK;
    e->global = res->global;
    if (res->page_bits > MMU_PAGE_BITS) {
        tlb->has_large_pages = true;
    }
    if (res->readable) {
        e->tag[MMU_READ] = page;
    }
    if (res->executable) {
        e->tag[MMU_EXEC] = page;
    }
    if (res->writable && write_direct) {
        e->tag[MMU_WRITE] = page;
    }
    (void)kind;
}
