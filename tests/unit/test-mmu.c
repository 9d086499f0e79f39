/* Unit tests for the page walker and TLB on hand-built page tables. */
#include <glib.h>
#include <string.h>

#include "cpu/x86/state.h"
#include "memory/mmu.h"

#define RAM_SIZE (16u << 20)

static uint8_t *ram;
static AddressSpace mem;

static void setup(void)
{
    ram = g_malloc0(RAM_SIZE);
    address_space_init(&mem, "mem", 1ull << 40);
    g_assert_cmpint(address_space_add_ram(&mem, "ram", 0, RAM_SIZE, ram), ==, 0);
}

static void teardown(void)
{
    address_space_destroy(&mem);
    g_free(ram);
}

static void put64(uint64_t gpa, uint64_t v) { memcpy(ram + gpa, &v, 8); }
static void put32(uint64_t gpa, uint32_t v) { memcpy(ram + gpa, &v, 4); }
static uint64_t get64(uint64_t gpa) { uint64_t v; memcpy(&v, ram + gpa, 8); return v; }

#define P 1ull
#define RW 2ull
#define US 4ull
#define A (1ull << 5)
#define D (1ull << 6)
#define PS (1ull << 7)
#define G (1ull << 8)
#define XD (1ull << 63)

static const MmuRegs regs4 = {
    .cr0 = X86_CR0_PE | X86_CR0_PG | X86_CR0_WP,
    .cr3 = 0x1000,
    .cr4 = X86_CR4_PAE,
    .efer = X86_EFER_LME | X86_EFER_LMA | X86_EFER_NXE,
};

/* PML4 at 0x1000, PDPT 0x2000, PD 0x3000, PT 0x4000. */
static void build_4level(uint64_t leaf_flags)
{
    put64(0x1000, 0x2000 | P | RW | US);
    put64(0x2000, 0x3000 | P | RW | US);
    put64(0x3000, 0x4000 | P | RW | US);
    put64(0x4000 + 5 * 8, 0x100000 | leaf_flags);      /* VA 0x5000 -> 0x100000 */
    put64(0x3000 + 1 * 8, 0x200000 | P | RW | PS);      /* VA 0x200000 -> 2M page at 0x200000 */
    put64(0x2000 + 1 * 8, 0x40000000 | P | RW | US | PS); /* VA 1G -> 1G page at 1G (outside RAM) */
}

static void test_4level_4k(void)
{
    setup();
    build_4level(P | RW | US);
    MmuResult r;
    uint32_t pf = 0;
    g_assert_true(mmu_walk(&mem, &regs4, 0x5123, MMU_READ, MMU_IDX_USER, &r, &pf));
    g_assert_cmphex(r.gpa, ==, 0x100123);
    g_assert_cmpuint(r.page_bits, ==, 12);
    g_assert_true(r.readable && r.executable);
    g_assert_false(r.writable);                      /* D clear: first write must walk */
    g_assert_cmphex(get64(0x4000 + 5 * 8) & (A | D), ==, A);
    g_assert_cmphex(get64(0x1000) & A, ==, A);
    g_assert_true(mmu_walk(&mem, &regs4, 0x5123, MMU_WRITE, MMU_IDX_USER, &r, &pf));
    g_assert_true(r.writable);
    g_assert_cmphex(get64(0x4000 + 5 * 8) & (A | D), ==, A | D);
    g_assert_cmphex(get64(0x3000) & D, ==, 0);       /* D only on the leaf */
    /* Not present: error code 0 | U | W. */
    g_assert_false(mmu_walk(&mem, &regs4, 0x6000, MMU_WRITE, MMU_IDX_USER, &r, &pf));
    g_assert_cmphex(pf, ==, PF_WRITE | PF_USER);
    teardown();
}

static void test_4level_large(void)
{
    setup();
    build_4level(P | RW | US);
    MmuResult r;
    uint32_t pf = 0;
    g_assert_true(mmu_walk(&mem, &regs4, 0x2abcde, MMU_READ, MMU_IDX_SUPER, &r, &pf));
    g_assert_cmphex(r.gpa, ==, 0x2abcde);
    g_assert_cmpuint(r.page_bits, ==, 21);
    /* The 2M page is supervisor-only: a user read is a protection fault. */
    g_assert_false(mmu_walk(&mem, &regs4, 0x2abcde, MMU_READ, MMU_IDX_USER, &r, &pf));
    g_assert_cmphex(pf, ==, PF_PRESENT | PF_USER);
    g_assert_true(mmu_walk(&mem, &regs4, 0x40001234, MMU_READ, MMU_IDX_USER, &r, &pf));
    g_assert_cmphex(r.gpa, ==, 0x40001234);
    g_assert_cmpuint(r.page_bits, ==, 30);
    /* Reserved bit 13 in a 2M PDE. */
    put64(0x3000 + 1 * 8, 0x200000 | P | RW | PS | (1ull << 13));
    g_assert_false(mmu_walk(&mem, &regs4, 0x200000, MMU_READ, MMU_IDX_SUPER, &r, &pf));
    g_assert_cmphex(pf, ==, PF_PRESENT | PF_RSVD);
    teardown();
}

static void test_protection(void)
{
    setup();
    MmuResult r;
    uint32_t pf = 0;
    MmuRegs regs = regs4;

    build_4level(P | US | XD);   /* read-only, user, no-execute */
    g_assert_false(mmu_walk(&mem, &regs, 0x5000, MMU_EXEC, MMU_IDX_USER, &r, &pf));
    g_assert_cmphex(pf, ==, PF_PRESENT | PF_USER | PF_FETCH);
    g_assert_false(mmu_walk(&mem, &regs, 0x5000, MMU_WRITE, MMU_IDX_USER, &r, &pf));
    g_assert_cmphex(pf, ==, PF_PRESENT | PF_USER | PF_WRITE);
    /* CR0.WP: supervisor writes to read-only pages fault only with WP set. */
    g_assert_false(mmu_walk(&mem, &regs, 0x5000, MMU_WRITE, MMU_IDX_SUPER, &r, &pf));
    g_assert_cmphex(pf, ==, PF_PRESENT | PF_WRITE);
    regs.cr0 &= ~X86_CR0_WP;
    g_assert_true(mmu_walk(&mem, &regs, 0x5000, MMU_WRITE, MMU_IDX_SUPER, &r, &pf));
    /* NXE clear: the XD bit becomes reserved. */
    regs.efer &= ~X86_EFER_NXE;
    g_assert_false(mmu_walk(&mem, &regs, 0x5000, MMU_READ, MMU_IDX_SUPER, &r, &pf));
    g_assert_cmphex(pf, ==, PF_PRESENT | PF_RSVD);

    build_4level(P | RW | US);
    regs = regs4;
    regs.cr4 |= X86_CR4_SMEP | X86_CR4_SMAP;
    g_assert_false(mmu_walk(&mem, &regs, 0x5000, MMU_EXEC, MMU_IDX_SUPER, &r, &pf));
    g_assert_cmphex(pf, ==, PF_PRESENT | PF_FETCH);
    g_assert_false(mmu_walk(&mem, &regs, 0x5000, MMU_READ, MMU_IDX_SUPER, &r, &pf));
    g_assert_cmphex(pf, ==, PF_PRESENT);
    g_assert_true(mmu_walk(&mem, &regs, 0x5000, MMU_READ, MMU_IDX_SUPER_AC, &r, &pf));
    teardown();
}

static void test_32bit_and_pae(void)
{
    setup();
    MmuResult r;
    uint32_t pf = 0;
    MmuRegs regs = { .cr0 = X86_CR0_PE | X86_CR0_PG, .cr3 = 0x1000, .cr4 = X86_CR4_PSE };
    put32(0x1000 + 0 * 4, 0x2000 | P | RW | US);
    put32(0x2000 + 3 * 4, 0x7000 | P | RW | US);         /* VA 0x3000 -> 0x7000 */
    put32(0x1000 + 2 * 4, 0x00800000 | P | RW | PS);     /* VA 8M -> 4M page at 8M */
    g_assert_true(mmu_walk(&mem, &regs, 0x3456, MMU_READ, MMU_IDX_USER, &r, &pf));
    g_assert_cmphex(r.gpa, ==, 0x7456);
    g_assert_true(mmu_walk(&mem, &regs, 0x812345, MMU_WRITE, MMU_IDX_SUPER, &r, &pf));
    g_assert_cmphex(r.gpa, ==, 0x812345);
    g_assert_cmpuint(r.page_bits, ==, 22);
    /* Without PSE the PS bit is ignored: the PDE points to a page table at
     * 8M, which is all zeroes, so the PTE is not present. */
    regs.cr4 = 0;
    pf = 0xdead;
    g_assert_false(mmu_walk(&mem, &regs, 0x800000, MMU_READ, MMU_IDX_SUPER, &r, &pf));
    g_assert_cmphex(pf, ==, 0);

    /* PAE: CR3 -> 4 PDPTEs at 0x8000 (32-byte aligned). */
    MmuRegs pae = { .cr0 = X86_CR0_PE | X86_CR0_PG, .cr3 = 0x8000, .cr4 = X86_CR4_PAE };
    put64(0x8000 + 1 * 8, 0x9000 | P);                     /* VA 1G.. */
    put64(0x9000, 0xa000 | P | RW | US);
    put64(0xa000 + 2 * 8, 0x123000 | P | RW | US);
    g_assert_true(mmu_walk(&mem, &pae, 0x40002abc, MMU_READ, MMU_IDX_USER, &r, &pf));
    g_assert_cmphex(r.gpa, ==, 0x123abc);
    put64(0x8000 + 1 * 8, 0x9000 | P | RW);               /* RW is reserved in a PAE PDPTE */
    g_assert_false(mmu_walk(&mem, &pae, 0x40002abc, MMU_READ, MMU_IDX_USER, &r, &pf));
    g_assert_cmphex(pf, ==, PF_PRESENT | PF_RSVD | PF_USER);
    teardown();
}

static void test_tlb(void)
{
    Tlb *tlb = g_malloc(sizeof(Tlb));
    uint8_t page[4096];
    tlb_init(tlb);
    MmuResult r = { .gpa = 0x100000, .page_bits = 12, .readable = true, .writable = false,
                    .executable = true, .global = true };
    tlb_fill(tlb, MMU_IDX_USER, 0x5000, &r, page, MMU_READ, true);
    TlbEntry *e = tlb_entry(tlb, MMU_IDX_USER, 0x5000);
    g_assert_cmphex(e->tag[MMU_READ], ==, 0x5000);
    g_assert_cmphex(e->tag[MMU_WRITE], ==, MMU_TAG_INVALID);
    g_assert_true((uint8_t *)(0x5010 + e->addend) == page + 0x10);
    tlb_flush_nonglobal(tlb);
    g_assert_cmphex(e->tag[MMU_READ], ==, 0x5000);        /* global survives CR3 */
    tlb_flush_page(tlb, 0x5fff);
    g_assert_cmphex(e->tag[MMU_READ], ==, MMU_TAG_INVALID);
    r.global = false;
    r.writable = true;
    tlb_fill(tlb, MMU_IDX_SUPER, 0x7000, &r, page, MMU_WRITE, true);
    e = tlb_entry(tlb, MMU_IDX_SUPER, 0x7000);
    g_assert_cmphex(e->tag[MMU_WRITE], ==, 0x7000);
    tlb_flush_gpa(tlb, 0x100000);                         /* code decoded there */
    g_assert_cmphex(e->tag[MMU_WRITE], ==, MMU_TAG_INVALID);
    g_assert_cmphex(e->tag[MMU_READ], ==, 0x7000);
    tlb_flush_nonglobal(tlb);
    g_assert_cmphex(e->tag[MMU_READ], ==, MMU_TAG_INVALID);
    /* MMIO: no direct entry at all. */
    tlb_fill(tlb, MMU_IDX_SUPER, 0x9000, &r, NULL, MMU_READ, true);
    g_assert_cmphex(tlb_entry(tlb, MMU_IDX_SUPER, 0x9000)->tag[MMU_READ], ==, MMU_TAG_INVALID);
    g_free(tlb);
}

/* pc-testdev's page flush: every translation to one guest-physical page goes, global or not. */
static void test_tlb_drop_gpa(void)
{
    Tlb *tlb = g_malloc(sizeof(Tlb));
    uint8_t page[4096];
    tlb_init(tlb);
    MmuResult to_a = { .gpa = 0x200000, .page_bits = 12, .readable = true, .writable = true,
                       .executable = true, .global = true };
    MmuResult to_b = to_a;
    to_b.gpa = 0x300000;
    tlb_fill(tlb, MMU_IDX_SUPER, 0x4000, &to_a, page, MMU_WRITE, true);   /* two aliases of A */
    tlb_fill(tlb, MMU_IDX_USER, 0x8000, &to_a, page, MMU_READ, true);
    tlb_fill(tlb, MMU_IDX_SUPER, 0x6000, &to_b, page, MMU_READ, true);
    uint64_t page_flushes = tlb->count.page_flushes;
    tlb_drop_gpa(tlb, 0x200abc);
    const TlbEntry *a1 = tlb_entry(tlb, MMU_IDX_SUPER, 0x4000), *a2 = tlb_entry(tlb, MMU_IDX_USER, 0x8000);
    for (int k = 0; k < 3; k++) {
        g_assert_cmphex(a1->tag[k], ==, MMU_TAG_INVALID);
        g_assert_cmphex(a2->tag[k], ==, MMU_TAG_INVALID);
    }
    g_assert_cmphex(tlb_entry(tlb, MMU_IDX_SUPER, 0x6000)->tag[MMU_READ], ==, 0x6000);   /* B stays */
    g_assert_cmpuint(tlb->count.page_flushes, ==, page_flushes + 1);   /* the jump cache sees it */
    g_free(tlb);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/mmu/4level-4k", test_4level_4k);
    g_test_add_func("/mmu/4level-large", test_4level_large);
    g_test_add_func("/mmu/protection", test_protection);
    g_test_add_func("/mmu/32bit-and-pae", test_32bit_and_pae);
    g_test_add_func("/mmu/tlb", test_tlb);
    g_test_add_func("/mmu/tlb-drop-gpa", test_tlb_drop_gpa);
    return g_test_run();
}
