/* String instructions (cpu/x86/string.c): MOVS CMPS STOS LODS SCAS against the host, INS/OUTS and REP rules in the fixture. */
#include <glib.h>

#include "datactl-oracle.h"

/*
 * Host-compared cases: every instruction and element size, with no prefix,
 * REP, REPE or REPNE, DF clear or set, 64- and 32-bit address sizes (67),
 * source segment overrides that are flat on both sides, counts from 0 to a
 * few thousand (past one REP batch), and data laid out so that REPE/REPNE
 * stop at varying places.  Fixture-only cases: a fault in the middle of a
 * REP (precise registers, restart), the per-execution batch, 16-bit index
 * wrap-around, a based segment override, INS/OUTS against a fake device
 * with the I/O permission check.
 */

#define SRC_CENTRE 0x24000u
#define DST_CENTRE 0x2b000u

typedef struct StringForm {
    const char *name;
    uint8_t opcode;     /* byte form; +1 is the word/dword/qword form */
    bool reads_src, reads_dst, writes_dst;
    bool compares;
} StringForm;

static const StringForm forms[] = {
    { "movs", 0xa4, true, false, true, false },
    { "cmps", 0xa6, true, true, false, true },
    { "stos", 0xaa, false, false, true, false },
    { "lods", 0xac, true, false, false, false },
    { "scas", 0xae, false, true, false, true },
};

/*
 * Lay out `count` elements at rSI and rDI in the direction of DF: the
 * destination equals the source (CMPS) or the accumulator (SCAS) element by
 * element with probability `same` in 256, so the compare loops end at
 * random places.
 */
static void lay_out(uint8_t *data, const DcCase *c, unsigned size, uint64_t count, bool scas)
{
    int64_t step = (c->rflags & X86_FLAG_DF) ? -(int64_t)size : (int64_t)size;
    unsigned same = dc_below(3) == 0 ? 8 : dc_below(2) ? 128 : 250;
    uint64_t si = c->regs[R_ESI] & 0xffffffff, di = c->regs[R_EDI] & 0xffffffff;
    for (uint64_t k = 0; k <= count; k++) {
        uint8_t *s = data + (si + k * step - FIXTURE_DATA);
        uint8_t *d = data + (di + k * step - FIXTURE_DATA);
        for (unsigned b = 0; b < size; b++) {
            s[b] = (uint8_t)dc_rand();
        }
        if (dc_below(256) < same) {
            if (scas) {
                memcpy(d, &c->regs[R_EAX], size);
            } else {
                memmove(d, s, size);
            }
        } else {
            for (unsigned b = 0; b < size; b++) {
                d[b] = (uint8_t)dc_rand();
            }
        }
    }
}

static void run_string_case(const StringForm *f, DcMode mode)
{
    static uint8_t data[DC_AREA];
    DcCase c = { .mode = mode, .expect_vector = -1, .max_steps = 100 };
    DcAsm a = { .n = 0 };
    for (int r = 0; r < 16; r++) {
        c.regs[r] = mode == DC_64 ? dc_value() : dc_value() & 0xffffffff;
    }
    c.regs[R_ESP] = 0;
    c.rflags = dc_flags() | (dc_below(2) ? X86_FLAG_DF : 0);
    unsigned size = 1u << dc_below(mode == DC_64 ? 4 : 3);
    bool addr32 = mode == DC_64 && dc_below(3) == 0;
    unsigned rep = dc_below(4);     /* 0: none, 1: F3, 2: F2, 3: F3 */
    uint64_t count = dc_below(10) == 0 ? 0 : dc_below(6) == 0 ? 1 + dc_below(1500) : dc_below(64);
    if (!rep) {
        count = 0;
    }
    uint64_t si = SRC_CENTRE + dc_below(0x800) - 0x400, di = DST_CENTRE + dc_below(0x800) - 0x400;
    /* With 32-bit addresses in 64-bit mode the upper halves are not part of the address. */
    uint64_t upper = mode == DC_64 && addr32 ? dc_rand() << 32 : 0;
    if (mode == DC_64 && !addr32) {
        upper = 0;
    }
    c.regs[R_ESI] = si | upper;
    c.regs[R_EDI] = di | (addr32 ? dc_rand() << 32 : 0);
    uint64_t count_mask = mode == DC_64 && !addr32 ? ~0ull : 0xffffffffull;
    c.regs[R_ECX] = (c.regs[R_ECX] & ~count_mask) | count;
    dc_random_data(data, sizeof(data));
    lay_out(data, &c, size, count, f->opcode == 0xae);

    if (dc_below(4) == 0) {
        static const uint8_t flat_segs[] = { 0x26, 0x2e, 0x36, 0x3e };
        dc_byte(&a, flat_segs[dc_below(4)]);
    }
    if (rep) {
        dc_byte(&a, rep == 2 ? 0xf2 : 0xf3);
    }
    if (addr32) {
        dc_byte(&a, 0x67);
    }
    if (size == 2) {
        dc_byte(&a, 0x66);
    }
    if (size == 8) {
        dc_byte(&a, 0x48);
    }
    dc_byte(&a, f->opcode + (size > 1));
    c.code = a.b;
    c.len = a.n;
    c.data = data;
    c.data_len = sizeof(data);
    dc_check(&c, f->name);
}

static void test_string_forms(gconstpointer mode_ptr)
{
    DcMode mode = (DcMode)GPOINTER_TO_INT(mode_ptr);
    int cases = dc_cases, failures = dc_failures;
    dc_seed(mode == DC_64 ? 0xa4 : 0xa5);
    for (size_t i = 0; i < G_N_ELEMENTS(forms); i++) {
        for (int k = 0; k < 700; k++) {
            run_string_case(&forms[i], mode);
        }
    }
    dc_finish("string forms", cases, failures);
}

/* REP STOSB/MOVSB/LODSB over more elements than one execution does (resumed by the loop). */
static void test_long_rep(void)
{
    int cases = dc_cases, failures = dc_failures;
    static uint8_t data[DC_AREA];
    dc_seed(0xf3);
    for (int i = 0; i < 30; i++) {
        DcCase c = { .mode = dc_below(2) ? DC_64 : DC_32, .expect_vector = -1, .max_steps = 100 };
        DcAsm a = { .n = 0 };
        for (int r = 0; r < 16; r++) {
            c.regs[r] = c.mode == DC_64 ? dc_value() : dc_value() & 0xffffffff;
        }
        c.regs[R_ESP] = 0;
        c.regs[R_ESI] = FIXTURE_DATA + 0x100;
        c.regs[R_EDI] = FIXTURE_DATA + 0x5000;
        c.regs[R_ECX] = 4000 + dc_below(16000);
        dc_random_data(data, sizeof(data));
        dc_byte(&a, 0xf3);
        static const uint8_t ops[] = { 0xa4, 0xaa, 0xac, 0xa6, 0xae };
        dc_byte(&a, ops[dc_below(5)]);
        if (a.b[1] == 0xa6 || a.b[1] == 0xae) {
            /* REPE over equal data: runs to the end of the count. */
            memset(data + 0x100, 0x5a, 0x5000 - 0x100);
            memset(data + 0x5000, 0x5a, 0x5000);
            c.regs[R_EAX] = 0x5a;
            c.regs[R_ECX] = 4000 + dc_below(0x4f00 - 4000);
        }
        c.code = a.b;
        c.len = a.n;
        c.data = data;
        c.data_len = sizeof(data);
        dc_check(&c, "long rep");
    }
    /* REP MOVS with overlapping operands, both ways: element order shows. */
    for (int i = 0; i < 200; i++) {
        DcCase c = { .mode = dc_below(2) ? DC_64 : DC_32, .expect_vector = -1, .max_steps = 100 };
        DcAsm a = { .n = 0 };
        c.regs[R_ESI] = FIXTURE_DATA + 0x4000 + dc_below(0x1000);
        int delta = (int)dc_below(40) - 20;
        c.regs[R_EDI] = c.regs[R_ESI] + delta;
        c.regs[R_ECX] = 1 + dc_below(3000);
        c.rflags = dc_below(4) == 0 ? X86_FLAG_DF : 0;
        if (c.rflags & X86_FLAG_DF) {
            c.regs[R_ESI] += 0x6000;
            c.regs[R_EDI] += 0x6000;
        }
        dc_random_data(data, sizeof(data));
        unsigned size = 1u << dc_below(c.mode == DC_64 ? 4 : 3);
        dc_byte(&a, 0xf3);
        if (size == 2) {
            dc_byte(&a, 0x66);
        }
        if (size == 8) {
            dc_byte(&a, 0x48);
        }
        dc_byte(&a, size == 1 ? 0xa4 : 0xa5);
        c.code = a.b;
        c.len = a.n;
        c.data = data;
        c.data_len = sizeof(data);
        dc_check(&c, "overlapping rep movs");
    }
    dc_finish("long rep", cases, failures);
}

/* ---- fixture-only ---- */

static Fixture *long64(int cpl, const uint8_t *code, size_t len)
{
    Fixture *f = fixture_new(FIXTURE_LONG64, cpl);
    f->cpu.cpuid = dc_soft_cpuid();
    fixture_code(f, code, len);
    return f;
}

/* Mark the 2 MiB page at 0x200000 read-only in the fixture's page directory. */
static void make_ro_page(Fixture *f, bool ro)
{
    uint64_t e = (1ull << 21) | (ro ? 0x85 : 0x87);
    memcpy(f->ram + FIXTURE_PML4 + 0x2000 + 8, &e, 8);
    tlb_flush_all(&f->cpu.tlb);
}

/*
 * A fault in iteration k of REP MOVSB leaves the registers of k-1 finished
 * iterations and RIP at the instruction; the restart finishes the job.
 */
static void test_precise_fault(void)
{
    static const uint8_t code[] = { 0xf3, 0xa4 };   /* rep movsb */
    Fixture *f = long64(3, code, sizeof(code));
    make_ro_page(f, true);
    for (int i = 0; i < 20; i++) {
        f->ram[FIXTURE_DATA + i] = 0x40 + i;
    }
    f->cpu.s.regs[R_ESI] = FIXTURE_DATA;
    f->cpu.s.regs[R_EDI] = 0x200000 - 5;
    f->cpu.s.regs[R_ECX] = 20;
    uint32_t err = 0;
    g_assert_cmpint(fixture_run_max(f, 100, &err), ==, X86_EXC_PF);
    g_assert_cmphex(err, ==, PF_PRESENT | PF_WRITE | PF_USER);
    g_assert_cmphex(f->cpu.s.cr2, ==, 0x200000);
    g_assert_cmphex(f->cpu.s.rip, ==, FIXTURE_CODE);
    g_assert_cmphex(f->cpu.s.regs[R_ECX], ==, 15);
    g_assert_cmphex(f->cpu.s.regs[R_ESI], ==, FIXTURE_DATA + 5);
    g_assert_cmphex(f->cpu.s.regs[R_EDI], ==, 0x200000);
    for (int i = 0; i < 5; i++) {
        g_assert_cmphex(f->ram[0x200000 - 5 + i], ==, 0x40 + i);
    }
    g_assert_cmphex(f->ram[0x200000], ==, 0);
    make_ro_page(f, false);
    g_assert_cmpint(fixture_run(f), ==, -1);
    g_assert_cmphex(f->cpu.s.regs[R_ECX], ==, 0);
    g_assert_cmphex(f->cpu.s.regs[R_EDI], ==, 0x200000 + 15);
    for (int i = 0; i < 20; i++) {
        g_assert_cmphex(f->ram[0x200000 - 5 + i], ==, 0x40 + i);
    }
    fixture_free(f);

    /* The same for a source that faults: REPE CMPSD reading an unmapped page. */
    static const uint8_t cmps[] = { 0xf3, 0xa7 };
    f = long64(3, cmps, sizeof(cmps));
    uint64_t none = 0;
    memcpy(f->ram + FIXTURE_PML4 + 0x2000 + 16, &none, 8);   /* 0x400000: not present */
    f->cpu.s.regs[R_ESI] = 0x400000 - 8;
    f->cpu.s.regs[R_EDI] = FIXTURE_DATA;
    f->cpu.s.regs[R_ECX] = 10;
    f->cpu.s.rflags |= X86_FLAG_ZF;
    g_assert_cmpint(fixture_run_max(f, 100, &err), ==, X86_EXC_PF);
    g_assert_cmphex(f->cpu.s.cr2, ==, 0x400000);
    g_assert_cmphex(err, ==, PF_USER);
    g_assert_cmphex(f->cpu.s.regs[R_ECX], ==, 8);
    g_assert_cmphex(f->cpu.s.regs[R_ESI], ==, 0x400000);
    g_assert_cmphex(f->cpu.s.regs[R_EDI], ==, FIXTURE_DATA + 8);
    fixture_free(f);
}

/* One execution does at most a batch of iterations and leaves RIP at itself. */
static void test_batch(void)
{
    static const uint8_t code[] = { 0xf3, 0xaa };   /* rep stosb */
    Fixture *f = long64(3, code, sizeof(code));
    f->cpu.s.regs[R_EDI] = FIXTURE_DATA;
    f->cpu.s.regs[R_ECX] = 10000;
    f->cpu.s.regs[R_EAX] = 0x77;
    g_assert_cmpint(fixture_run_max(f, 1, NULL), ==, -1);
    g_assert_cmphex(f->cpu.s.rip, ==, FIXTURE_CODE);
    uint64_t left = f->cpu.s.regs[R_ECX];
    g_assert_cmpuint(left, >, 0);
    g_assert_cmpuint(left, <, 10000);
    g_assert_cmphex(f->cpu.s.regs[R_EDI], ==, FIXTURE_DATA + 10000 - left);
    g_assert_cmpint(fixture_run(f), ==, -1);
    g_assert_cmphex(f->cpu.s.regs[R_ECX], ==, 0);
    g_assert_cmphex(f->cpu.s.rip, ==, FIXTURE_CODE + 2);
    for (int i = 0; i < 10000; i++) {
        g_assert_cmphex(f->ram[FIXTURE_DATA + i], ==, 0x77);
    }
    g_assert_cmphex(f->ram[FIXTURE_DATA + 10000], ==, 0);
    fixture_free(f);
}

/* Stores into a page holding decoded code go the slow way, so the code cache hears of each. */
static unsigned code_writes;

static void count_code_write(X86Cpu *cpu, uint64_t gpa, unsigned size)
{
    (void)cpu;
    (void)gpa;
    code_writes += size;
}

static void test_bulk_code_page(void)
{
    static const uint8_t stos[] = { 0xf3, 0xaa }, movs[] = { 0xf3, 0xa4 };
    static uint8_t bitmap[(FIXTURE_RAM_SIZE >> 12) / 8];
    const uint64_t page = FIXTURE_DATA + 0x3000;
    bitmap[(page >> 12) / 8] |= 1u << ((page >> 12) % 8);
    for (int k = 0; k < 2; k++) {
        Fixture *f = long64(3, k ? movs : stos, 2);
        f->cpu.code_pages = bitmap;
        f->cpu.code_pages_limit = FIXTURE_RAM_SIZE >> 12;
        f->cpu.code_written = count_code_write;
        f->cpu.s.regs[R_EDI] = page - 0x100;
        f->cpu.s.regs[R_ESI] = FIXTURE_DATA;
        f->cpu.s.regs[R_ECX] = 0x1200;     /* 0x100 before the code page, all of it, 0x100 after */
        f->cpu.s.regs[R_EAX] = 0x3c;
        memset(f->ram + FIXTURE_DATA, 0x3c, 0x100);
        memset(f->ram + FIXTURE_DATA + 0x100, 0x3c, 0x1100);
        code_writes = 0;
        g_assert_cmpint(fixture_run(f), ==, -1);
        g_assert_cmpuint(code_writes, ==, 0x1000);
        for (int i = 0; i < 0x1200; i++) {
            g_assert_cmphex(f->ram[page - 0x100 + i], ==, 0x3c);
        }
        fixture_free(f);
    }
}

/* 16-bit address size: SI/DI/CX wrap within 16 bits and keep bits 31:16 (32-bit code, 67 prefix). */
static void test_addr16_wrap(void)
{
    static const uint8_t code[] = { 0x67, 0xf3, 0xa4 };   /* rep movsb, 16-bit addresses */
    Fixture *f = fixture_new(FIXTURE_PROT32, 0);
    fixture_code(f, code, sizeof(code));
    f->cpu.s.segs[SEG_DS].base = FIXTURE_DATA;
    f->cpu.s.segs[SEG_ES].base = FIXTURE_DATA + 0x10000;
    f->cpu.s.regs[R_ESI] = 0xabcdfffe;
    f->cpu.s.regs[R_EDI] = 0x1234fffe;
    f->cpu.s.regs[R_ECX] = 0x55550004;
    f->ram[FIXTURE_DATA + 0xfffe] = 1;
    f->ram[FIXTURE_DATA + 0xffff] = 2;
    f->ram[FIXTURE_DATA + 0] = 3;
    f->ram[FIXTURE_DATA + 1] = 4;
    g_assert_cmpint(fixture_run(f), ==, -1);
    g_assert_cmphex(f->cpu.s.regs[R_ESI], ==, 0xabcd0002);
    g_assert_cmphex(f->cpu.s.regs[R_EDI], ==, 0x12340002);
    g_assert_cmphex(f->cpu.s.regs[R_ECX], ==, 0x55550000);
    g_assert_cmphex(f->ram[FIXTURE_DATA + 0x1fffe], ==, 1);
    g_assert_cmphex(f->ram[FIXTURE_DATA + 0x1ffff], ==, 2);
    g_assert_cmphex(f->ram[FIXTURE_DATA + 0x10000], ==, 3);
    g_assert_cmphex(f->ram[FIXTURE_DATA + 0x10001], ==, 4);
    fixture_free(f);
}

/* A segment override changes the source only; the destination is always ES (SDM vol. 2B MOVS). */
static void test_segment_override(void)
{
    static const uint8_t code[] = { 0x64, 0xa5, 0x26, 0x65, 0xab };  /* fs movsd; es gs stosd */
    Fixture *f = fixture_new(FIXTURE_PROT32, 0);
    fixture_code(f, code, sizeof(code));
    f->cpu.s.segs[SEG_FS].base = 0x1000;
    f->cpu.s.segs[SEG_ES].base = 0x2000;
    f->cpu.s.segs[SEG_GS].base = 0x3000;
    f->cpu.s.regs[R_ESI] = FIXTURE_DATA;
    f->cpu.s.regs[R_EDI] = FIXTURE_DATA;
    f->cpu.s.regs[R_EAX] = 0xfeedface;
    uint32_t v = 0x01020304;
    memcpy(f->ram + FIXTURE_DATA + 0x1000, &v, 4);
    g_assert_cmpint(fixture_run(f), ==, -1);
    memcpy(&v, f->ram + FIXTURE_DATA + 0x2000, 4);
    g_assert_cmphex(v, ==, 0x01020304);
    memcpy(&v, f->ram + FIXTURE_DATA + 0x2004, 4);
    g_assert_cmphex(v, ==, 0xfeedface);
    memcpy(&v, f->ram + FIXTURE_DATA + 0x3004, 4);
    g_assert_cmphex(v, ==, 0);
    fixture_free(f);
}

/* ---- INS/OUTS against a fake device ---- */

typedef struct FakePort {
    unsigned reads, writes;
    uint8_t written[64];
    unsigned written_len;
} FakePort;

/* Reads return 0x10, 0x11, ... per byte; writes are recorded byte by byte. */
static uint64_t fake_read(void *opaque, uint64_t offset, unsigned size)
{
    FakePort *p = opaque;
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        v |= (uint64_t)(0x10 + p->reads++) << (8 * i);
    }
    (void)offset;
    return v;
}

static void fake_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    FakePort *p = opaque;
    (void)offset;
    for (unsigned i = 0; i < size && p->written_len < sizeof(p->written); i++) {
        p->written[p->written_len++] = value >> (8 * i);
    }
    p->writes++;
}

static const MemoryRegionOps fake_ops = { .read = fake_read, .write = fake_write };

static Fixture *with_port(int cpl, const uint8_t *code, size_t len, FakePort *port)
{
    Fixture *f = long64(cpl, code, len);
    memset(port, 0, sizeof(*port));
    g_assert_cmpint(address_space_add_io(&f->io, "fake", 0x60, 8, &fake_ops, port), ==, 0);
    return f;
}

static void test_ins_outs(void)
{
    FakePort port;
    /* rep insw at CPL0: 3 words into ES:RDI, upward. */
    static const uint8_t insw[] = { 0x66, 0xf3, 0x6d };
    Fixture *f = with_port(0, insw, sizeof(insw), &port);
    f->cpu.s.regs[R_EDX] = 0x60;
    f->cpu.s.regs[R_EDI] = FIXTURE_DATA;
    f->cpu.s.regs[R_ECX] = 3;
    g_assert_cmpint(fixture_run(f), ==, -1);
    for (int i = 0; i < 6; i++) {
        g_assert_cmphex(f->ram[FIXTURE_DATA + i], ==, 0x10 + i);
    }
    g_assert_cmphex(f->cpu.s.regs[R_EDI], ==, FIXTURE_DATA + 6);
    g_assert_cmpuint(port.reads, ==, 6);
    fixture_free(f);

    /* rep outsb with DF=1: bytes from RSI downward. */
    static const uint8_t outsb[] = { 0xf3, 0x6e };
    f = with_port(0, outsb, sizeof(outsb), &port);
    f->cpu.s.regs[R_EDX] = 0x61;
    f->cpu.s.regs[R_ESI] = FIXTURE_DATA + 3;
    f->cpu.s.regs[R_ECX] = 4;
    f->cpu.s.rflags |= X86_FLAG_DF;
    memcpy(f->ram + FIXTURE_DATA, "abcd", 4);
    g_assert_cmpint(fixture_run(f), ==, -1);
    g_assert_cmpuint(port.written_len, ==, 4);
    g_assert_cmpmem(port.written, 4, "dcba", 4);
    g_assert_cmphex(f->cpu.s.regs[R_ESI], ==, FIXTURE_DATA - 1);
    fixture_free(f);

    /* outsd with no REP: one dword, RCX untouched. */
    static const uint8_t outsd[] = { 0x6f };
    f = with_port(0, outsd, sizeof(outsd), &port);
    f->cpu.s.regs[R_EDX] = 0x60;
    f->cpu.s.regs[R_ESI] = FIXTURE_DATA;
    f->cpu.s.regs[R_ECX] = 77;
    memcpy(f->ram + FIXTURE_DATA, "wxyz", 4);
    g_assert_cmpint(fixture_run(f), ==, -1);
    g_assert_cmpmem(port.written, port.written_len, "wxyz", 4);
    g_assert_cmpuint(port.writes, ==, 1);
    g_assert_cmphex(f->cpu.s.regs[R_ECX], ==, 77);
    fixture_free(f);

    /* INS into a read-only page at CPL3 (IOPL 3): #PF before the device is read. */
    static const uint8_t insb[] = { 0x6c };
    f = with_port(3, insb, sizeof(insb), &port);
    make_ro_page(f, true);
    f->cpu.s.rflags |= X86_FLAG_IOPL;
    f->cpu.s.regs[R_EDX] = 0x60;
    f->cpu.s.regs[R_EDI] = 0x200000;
    g_assert_cmpint(fixture_run(f), ==, X86_EXC_PF);
    g_assert_cmpuint(port.reads, ==, 0);
    g_assert_cmphex(f->cpu.s.regs[R_EDI], ==, 0x200000);
    fixture_free(f);

    /* CPL3, IOPL 0, a TSS whose bitmap denies the port: #GP(0), nothing read. */
    f = with_port(3, insw, sizeof(insw), &port);
    f->cpu.s.tr.base = 0x8000;
    f->cpu.s.tr.limit = 0x2000;
    f->cpu.s.tr.type = 0xb;
    uint16_t iomap = 0x100;
    memcpy(f->ram + 0x8000 + 102, &iomap, 2);
    f->ram[0x8000 + 0x100 + 0x60 / 8] = 0x02;          /* port 0x61 denied */
    f->cpu.s.regs[R_EDX] = 0x60;                        /* a word at 0x60 covers 0x61 */
    f->cpu.s.regs[R_EDI] = FIXTURE_DATA;
    f->cpu.s.regs[R_ECX] = 3;
    uint32_t err = 1;
    g_assert_cmpint(fixture_run_max(f, 10, &err), ==, X86_EXC_GP);
    g_assert_cmphex(err, ==, 0);
    g_assert_cmpuint(port.reads, ==, 0);
    g_assert_cmphex(f->cpu.s.regs[R_ECX], ==, 3);
    f->ram[0x8000 + 0x100 + 0x60 / 8] = 0xfc;          /* 0x60, 0x61 allowed */
    g_assert_cmpint(fixture_run(f), ==, -1);
    g_assert_cmpuint(port.reads, ==, 6);
    fixture_free(f);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_data_func("/string/forms/64", GINT_TO_POINTER(DC_64), test_string_forms);
    g_test_add_data_func("/string/forms/32", GINT_TO_POINTER(DC_32), test_string_forms);
    g_test_add_func("/string/long-rep", test_long_rep);
    g_test_add_func("/string/precise-fault", test_precise_fault);
    g_test_add_func("/string/batch", test_batch);
    g_test_add_func("/string/bulk-code-page", test_bulk_code_page);
    g_test_add_func("/string/addr16-wrap", test_addr16_wrap);
    g_test_add_func("/string/segment-override", test_segment_override);
    g_test_add_func("/string/ins-outs", test_ins_outs);
    return g_test_run();
}
