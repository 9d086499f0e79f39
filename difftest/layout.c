/* difftest's guest: page tables, GDT, TSS, IDT, entry code and exception stubs (see layout.h). */
#include "difftest/layout.h"

#include <string.h>

static void put64(uint8_t *ram, uint64_t addr, uint64_t value)
{
    memcpy(ram + addr, &value, 8);
}

static void put32(uint8_t *ram, uint64_t addr, uint32_t value)
{
    memcpy(ram + addr, &value, 4);
}

const char *dt_mode_name(DtMode mode)
{
    return mode == DT_MODE_64 ? "64" : "compat32";
}

bool dt_mode_parse(const char *name, DtMode *mode)
{
    if (!strcmp(name, "64")) {
        *mode = DT_MODE_64;
        return true;
    }
    if (!strcmp(name, "compat32")) {
        *mode = DT_MODE_COMPAT32;
        return true;
    }
    return false;
}

bool dt_vector_has_error_code(int vector)
{
    switch (vector) {
    case 8: case 10: case 11: case 12: case 13: case 14: case 17: case 21: case 29: case 30:
        return true;
    default:
        return false;
    }
}

/* ---- paging: SDM vol. 3A 4.5, 4-level paging with 4 KiB pages ---- */

#define PTE_P   (1ull << 0)
#define PTE_RW  (1ull << 1)
#define PTE_US  (1ull << 2)
#define PTE_A   (1ull << 5)
#define PTE_D   (1ull << 6)
#define PTE_NX  (1ull << 63)

typedef struct PageMapping {
    uint64_t addr, size, flags;
} PageMapping;

/*
 * Accessed and dirty are preset everywhere, so neither backend ever writes
 * the tables and the TLB of a software backend stays valid across cases.
 */
static const PageMapping page_map[] = {
    { DT_GDT,    0x1000, PTE_RW | PTE_NX },
    { DT_IDT,    0x1000, PTE_NX },
    { DT_ENTRY,  0x1000, PTE_US },
    { DT_STUBS,  0x1000, PTE_US },
    { DT_FPU_IN, 0x1000, PTE_US | PTE_RW | PTE_NX },
    { DT_RODATA, 0x1000, PTE_US | PTE_NX },
    { DT_DATA,   DT_DATA_SIZE, PTE_US | PTE_RW | PTE_NX },
    { DT_STACK,  DT_STACK_SIZE, PTE_US | PTE_RW | PTE_NX },
    { DT_CODE,   0x1000, PTE_US },
    { DT_XSTACK, 0x1000, PTE_US | PTE_RW | PTE_NX },
    { DT_BATCH_IDT, 0x1000, PTE_NX },
};

uint64_t dt_batch_pte(unsigned i, bool exec, bool write)
{
    return (DT_BATCH_PA + (uint64_t)i * 0x1000) | PTE_P | PTE_US | PTE_A | PTE_D |
           (write ? PTE_RW : 0) | (exec ? 0 : PTE_NX);
}

static void build_page_tables(uint8_t *ram)
{
    const uint64_t table = PTE_P | PTE_RW | PTE_US | PTE_A;
    put64(ram, DT_PML4, DT_PDPT | table);
    put64(ram, DT_PDPT, DT_PD | table);
    put64(ram, DT_PD, DT_PT | table);
    for (size_t i = 0; i < sizeof(page_map) / sizeof(page_map[0]); i++) {
        const PageMapping *m = &page_map[i];
        for (uint64_t a = m->addr; a < m->addr + m->size; a += 0x1000) {
            put64(ram, DT_PT + (a >> 12) * 8, a | m->flags | PTE_P | PTE_A | PTE_D);
        }
    }
    /* The batch area's tables: its PTEs are written by whoever has the RAM for it. */
    put64(ram, DT_PML4 + ((DT_BATCH_LA >> 39) & 511) * 8, DT_BATCH_PDPT | table);
    put64(ram, DT_BATCH_PDPT + ((DT_BATCH_LA >> 30) & 511) * 8, DT_BATCH_PD | table);
    put64(ram, DT_BATCH_PD + ((DT_BATCH_LA >> 21) & 511) * 8, DT_BATCH_PT | table);
}

/* ---- descriptors: SDM vol. 3A 3.4.5 ---- */

static uint64_t descriptor(uint32_t base, uint32_t limit, unsigned access, unsigned flags)
{
    return (limit & 0xffffull) | ((uint64_t)(base & 0xffffff) << 16) | ((uint64_t)access << 40) |
           ((uint64_t)((limit >> 16) & 0xf) << 48) | ((uint64_t)flags << 52) |
           ((uint64_t)(base >> 24) << 56);
}

/* access: P | DPL | S | type;  flags: G | D/B | L | AVL */
#define ACC(dpl, type) (0x90u | ((dpl) << 5) | (type))
#define FL_G  8u
#define FL_DB 4u
#define FL_L  2u

#define TSS_LIMIT (0x68u + 32u)   /* the TSS, then an I/O bitmap for ports 0-255 and its 0xff end byte */

static void build_gdt_tss(uint8_t *ram)
{
    put64(ram, DT_GDT + DT_SEL_CODE64_K, descriptor(0, 0xfffff, ACC(0, 0xb), FL_G | FL_L));
    put64(ram, DT_GDT + DT_SEL_DATA_K, descriptor(0, 0xfffff, ACC(0, 0x3), FL_G | FL_DB));
    put64(ram, DT_GDT + (DT_SEL_CODE32 & ~7u), descriptor(0, 0xfffff, ACC(3, 0xb), FL_G | FL_DB));
    put64(ram, DT_GDT + (DT_SEL_DATA & ~7u), descriptor(0, 0xfffff, ACC(3, 0x3), FL_G | FL_DB));
    put64(ram, DT_GDT + (DT_SEL_CODE64 & ~7u), descriptor(0, 0xfffff, ACC(3, 0xb), FL_G | FL_L));
    /* 64-bit TSS descriptor: 16 bytes, type 9 (available), SDM 7.2.3 */
    put64(ram, DT_GDT + DT_SEL_TSS, descriptor(DT_TSS, TSS_LIMIT, 0x89, 0));
    put64(ram, DT_GDT + DT_SEL_TSS + 8, 0);
    put64(ram, DT_GDT + (DT_SEL_DATA_RO & ~7u), descriptor(0, 0xfffff, ACC(3, 0x1), FL_G | FL_DB));
    put64(ram, DT_GDT + (DT_SEL_DATA_SMALL & ~7u), descriptor(DT_DATA, DT_DATA_SIZE - 1, ACC(3, 0x3), FL_DB));
    put64(ram, DT_GDT + (DT_SEL_DATA_DOWN & ~7u), descriptor(0, DT_DATA - 1, ACC(3, 0x7), FL_DB));
    put64(ram, DT_GDT + (DT_SEL_NOTPRESENT & ~7u),
          descriptor(0, 0xfffff, ACC(3, 0x3) & ~0x80u, FL_G | FL_DB));
    put64(ram, DT_GDT + (DT_SEL_CODE32_CONF & ~7u), descriptor(0, 0xfffff, ACC(0, 0xf), FL_G | FL_DB));

    /* SDM 7.7: RSP0 and IST1 (the same stack: nothing runs at CPL0), I/O map base. */
    put64(ram, DT_TSS + 4, DT_XSTACK_TOP);
    put64(ram, DT_TSS + 36, DT_XSTACK_TOP);
    ram[DT_TSS + 0x66] = 0x68;
    ram[DT_TSS + 0x67] = 0;
    /* SDM vol. 1 19.5.2: a clear bit lets CPL3 use the port whatever IOPL says. */
    memset(ram + DT_TSS + 0x68, 0xff, 33);
    ram[DT_TSS + 0x68 + DT_PORT_END / 8] &= (uint8_t)~(1u << (DT_PORT_END % 8));
    ram[DT_TSS + 0x68 + DT_PORT_EXCEPTION / 8] &= (uint8_t)~(1u << (DT_PORT_EXCEPTION % 8));
    ram[DT_TSS + 0x68 + DT_PORT_BATCH_PF / 8] &= (uint8_t)~(1u << (DT_PORT_BATCH_PF % 8));
}

/* SDM vol. 3A 6.14.1: 64-bit interrupt gates to the stubs, IST1, DPL0 unless INT n may reach them. */
static void build_idt(uint8_t *ram)
{
    for (int v = 0; v < 256; v++) {
        uint64_t off = DT_STUBS + (uint64_t)v * DT_STUB_SIZE;
        unsigned dpl = dt_vector_user_gate(v) ? 3 : 0;
        uint64_t lo = (off & 0xffff) | ((uint64_t)DT_SEL_CODE64 << 16) | (1ull << 32) |
                      ((uint64_t)(0x8e | (dpl << 5)) << 40) | (((off >> 16) & 0xffff) << 48);
        put64(ram, DT_IDT + 16 * v, lo);
        put64(ram, DT_IDT + 16 * v + 8, off >> 32);
    }
}

/* FXSAVE64 or FXRSTOR64 [rip + disp32] at addr: REX.W 0F AE /reg, ModRM 00 reg 101. */
static unsigned emit_fx64(uint8_t *buf, uint64_t addr, unsigned reg, uint64_t target)
{
    buf[0] = 0x48;
    buf[1] = 0x0f;
    buf[2] = 0xae;
    buf[3] = (uint8_t)(reg << 3 | 5);
    put32(buf, 4, (uint32_t)(target - (addr + 8)));
    return 8;
}

/* FXSAVE or FXRSTOR [disp32] (32-bit addressing, ModRM 00 reg 101 is an absolute address). */
static unsigned emit_fx32(uint8_t *buf, unsigned reg, uint64_t target)
{
    buf[0] = 0x0f;
    buf[1] = 0xae;
    buf[2] = (uint8_t)(reg << 3 | 5);
    put32(buf, 3, (uint32_t)target);
    return 7;
}

static void build_stubs(uint8_t *ram)
{
    memset(ram + DT_STUBS, 0xcc, 256 * DT_STUB_SIZE);
    for (int v = 0; v < 256; v++) {
        uint64_t stub = DT_STUBS + (uint64_t)v * DT_STUB_SIZE;
        unsigned n = emit_fx64(ram + stub, stub, 0, DT_FPU_OUT);
        ram[stub + n] = 0xe6;                   /* OUT imm8, AL */
        ram[stub + n + 1] = DT_PORT_EXCEPTION;
    }
}

/* kvm's entry: FXRSTOR the case's image, JMP rel32 to DT_CODE. */
static void build_entry(uint8_t *ram, DtMode mode)
{
    uint64_t at = dt_entry_address(mode);
    unsigned n = mode == DT_MODE_64 ? emit_fx64(ram + at, at, 1, DT_FPU_IN)
                                    : emit_fx32(ram + at, 1, DT_FPU_IN);
    ram[at + n] = 0xe9;
    put32(ram, at + n + 1, (uint32_t)(DT_CODE - (at + n + 5)));
}

/* Where a single case ends: FXSAVE to DT_FPU_OUT, OUT to DT_PORT_END. */
static void build_end_code(uint8_t *ram, DtMode mode)
{
    uint64_t at = DT_END_CODE + 0x100u * (unsigned)mode;
    unsigned n = mode == DT_MODE_64 ? emit_fx64(ram + at, at, 0, DT_FPU_OUT)
                                    : emit_fx32(ram + at, 0, DT_FPU_OUT);
    ram[at + n] = 0xe6;
    ram[at + n + 1] = DT_PORT_END;
}

void dt_layout_build(uint8_t *ram)
{
    memset(ram, 0, DT_RAM_SIZE);
    build_page_tables(ram);
    build_gdt_tss(ram);
    build_idt(ram);
    memset(ram + DT_ENTRY, 0xcc, 0x1000);
    build_entry(ram, DT_MODE_64);
    build_entry(ram, DT_MODE_COMPAT32);
    build_end_code(ram, DT_MODE_64);
    build_end_code(ram, DT_MODE_COMPAT32);
    put64(ram, DT_END_POINTER, DT_END_CODE);
    put64(ram, DT_END_POINTER + 8, DT_END_CODE + 0x100);   /* below DT_END_POINTER + 16 */
    build_stubs(ram);
    /* The read-only page: a fixed pattern, the same under every backend. */
    uint64_t x = 0x243f6a8885a308d3ull;
    for (unsigned i = 0; i < 0x1000; i += 8) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        put64(ram, DT_RODATA + i, x);
    }
}

/*
 * JMP [DT_END_POINTER]: RIP-relative in 64-bit mode, absolute in 32-bit
 * (FF /4, SDM vol. 2A JMP).  It changes no register or flag.  In 32-bit
 * mode the pointer's low half is read: DT_END_CODE + 0x100.
 */
unsigned dt_terminator(DtMode mode, uint64_t addr, uint8_t *buf)
{
    buf[0] = 0xff;
    buf[1] = 0x25;
    if (mode == DT_MODE_64) {
        put32(buf, 2, (uint32_t)(DT_END_POINTER - (addr + 6)));
    } else {
        put32(buf, 2, DT_END_POINTER + 8);
    }
    buf[6] = 0x0f;      /* UD2: never reached */
    buf[7] = 0x0b;
    return 8;
}

/* A segment as a descriptor load leaves it: hidden part from the GDT, accessed bit set. */
static void segment(X86Segment *seg, uint16_t selector, uint64_t base, uint32_t limit,
                    unsigned type, bool g, bool db, bool l)
{
    memset(seg, 0, sizeof(*seg));
    seg->selector = selector;
    seg->base = base;
    seg->limit = limit;
    seg->type = type;
    seg->s = 1;
    seg->dpl = selector & 3;
    seg->present = 1;
    seg->g = g;
    seg->db = db;
    seg->l = l;
}

void dt_layout_base_state(X86State *s, DtMode mode)
{
    x86_state_reset(s);
    if (mode == DT_MODE_64) {
        /* As a 64-bit Linux process has them: DS and ES null, FS and GS null with bases. */
        segment(&s->segs[SEG_CS], DT_SEL_CODE64, 0, 0xffffffff, 0xb, true, false, true);
        segment(&s->segs[SEG_SS], DT_SEL_DATA, 0, 0xffffffff, 0x3, true, true, false);
        s->segs[SEG_DS] = (X86Segment){ .unusable = 1 };
        s->segs[SEG_ES] = (X86Segment){ .unusable = 1 };
        /* FS/GS bases that make FS:/GS: overrides move an address (GS wraps below 0). */
        segment(&s->segs[SEG_FS], 0, 0x100, 0xffffffff, 0x3, true, true, false);
        segment(&s->segs[SEG_GS], 0, 0xfffffffffffff000ull, 0xffffffff, 0x3, true, true, false);
    } else {
        segment(&s->segs[SEG_CS], DT_SEL_CODE32, 0, 0xffffffff, 0xb, true, true, false);
        /* Limit checks: FS is the data pages only, GS expand-down above them. */
        segment(&s->segs[SEG_FS], DT_SEL_DATA_SMALL, DT_DATA, DT_DATA_SIZE - 1, 0x3, false, true,
                false);
        segment(&s->segs[SEG_GS], DT_SEL_DATA_DOWN, 0, DT_DATA - 1, 0x7, false, true, false);
        segment(&s->segs[SEG_SS], DT_SEL_DATA, 0, 0xffffffff, 0x3, true, true, false);
        segment(&s->segs[SEG_DS], DT_SEL_DATA, 0, 0xffffffff, 0x3, true, true, false);
        segment(&s->segs[SEG_ES], DT_SEL_DATA, 0, 0xffffffff, 0x3, true, true, false);
    }
    s->tr = (X86Segment){ .base = DT_TSS, .limit = TSS_LIMIT, .selector = DT_SEL_TSS,
                          .type = 0xb, .present = 1 };
    s->ldtr = (X86Segment){ .unusable = 1 };
    s->gdtr = (X86DescTable){ DT_GDT, DT_GDT_LIMIT };
    s->idtr = (X86DescTable){ DT_IDT, 0xfff };
    s->cr0 = X86_CR0_PE | X86_CR0_MP | X86_CR0_ET | X86_CR0_NE | X86_CR0_WP | X86_CR0_AM |
             X86_CR0_PG;
    s->cr3 = DT_PML4;
    /* OSXSAVE with XCR0 = x87|SSE: XGETBV and the XSAVE family work, VEX stays #UD (no AVX state) */
    s->cr4 = X86_CR4_PAE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT | X86_CR4_FSGSBASE |
             X86_CR4_OSXSAVE;
    s->msr.efer = X86_EFER_LME | X86_EFER_LMA | X86_EFER_NXE | X86_EFER_SCE;
    s->xcr0 = 3;
    s->rflags = X86_FLAG_FIXED | X86_FLAG_IF;
    s->rip = DT_CODE;
    s->regs[R_ESP] = DT_STACK + 0x800;
    s->fpu.fcw = 0x37f;
    s->fpu.mxcsr = 0x1f80;
    s->cr8 = 0;
}
