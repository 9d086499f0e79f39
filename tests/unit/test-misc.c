/* Miscellaneous instructions (cpu/x86/misc.c): port I/O and its permission check, CPUID, TSC, RDRAND/RDSEED, RDPID, HLT, hints. */
#include <glib.h>

#include "datactl-oracle.h"

/*
 * Port I/O runs against a fake device registered in the fixture's I/O
 * address space; the permission check against hand-built TSS bitmaps.
 * NOPs, hints, fences and the UD opcodes are compared with the host.
 */

/* ---- a fake device at ports 0x60-0x67 and 0x80-0x87 ---- */

typedef struct FakeDev {
    uint64_t last_write;
    unsigned last_write_size;
    uint16_t last_port;
    unsigned reads, writes;
} FakeDev;

static uint64_t dev_read(void *opaque, uint64_t offset, unsigned size)
{
    FakeDev *d = opaque;
    d->reads++;
    /* A value that names the port offset and the size: 0xA0 + offset in every byte, size in bit 7. */
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        v |= (uint64_t)(0x30 + offset + i) << (8 * i);
    }
    return v;
}

static void dev_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    FakeDev *d = opaque;
    d->writes++;
    d->last_write = value;
    d->last_write_size = size;
    d->last_port = offset;
}

static const MemoryRegionOps dev_ops = {
    .read = dev_read, .write = dev_write, .valid_min = 1, .valid_max = 4, .impl_min = 1, .impl_max = 4,
};

typedef struct IoFixture {
    Fixture *f;
    FakeDev low, high;
} IoFixture;

static void io_fixture(IoFixture *io, FixtureMode mode, int cpl, const uint8_t *code, size_t len)
{
    memset(io, 0, sizeof(*io));
    io->f = fixture_new(mode, cpl);
    io->f->cpu.cpuid = dc_soft_cpuid();
    fixture_code(io->f, code, len);
    g_assert_cmpint(address_space_add_io(&io->f->io, "low", 0x60, 8, &dev_ops, &io->low), ==, 0);
    g_assert_cmpint(address_space_add_io(&io->f->io, "high", 0x80, 8, &dev_ops, &io->high), ==, 0);
}

/* IN and OUT in every form: imm8 (including ports >= 0x80) and DX, byte/word/dword. */
static void test_in_out_forms(void)
{
    struct {
        uint8_t code[4];
        uint8_t len;
        uint16_t dx;
        bool in;
        unsigned size;
        uint16_t port;
    } cases[] = {
        { { 0xe4, 0x61 }, 2, 0, true, 1, 0x61 },              /* in al, 0x61 */
        { { 0xe5, 0x82 }, 2, 0, true, 4, 0x82 },              /* in eax, 0x82 */
        { { 0x66, 0xe5, 0x84 }, 3, 0, true, 2, 0x84 },        /* in ax, 0x84 */
        { { 0xec }, 1, 0x63, true, 1, 0x63 },                 /* in al, dx */
        { { 0xed }, 1, 0x80, true, 4, 0x80 },                 /* in eax, dx */
        { { 0x66, 0xed }, 2, 0x66, true, 2, 0x66 },           /* in ax, dx */
        { { 0xe6, 0x87 }, 2, 0, false, 1, 0x87 },             /* out 0x87, al */
        { { 0xe7, 0x60 }, 2, 0, false, 4, 0x60 },             /* out 0x60, eax */
        { { 0x66, 0xe7, 0x62 }, 3, 0, false, 2, 0x62 },       /* out 0x62, ax */
        { { 0xee }, 1, 0x81, false, 1, 0x81 },                /* out dx, al */
        { { 0xef }, 1, 0x64, false, 4, 0x64 },                /* out dx, eax */
        { { 0x66, 0xef }, 2, 0x85, false, 2, 0x85 },          /* out dx, ax */
        { { 0x48, 0xed }, 2, 0x60, true, 4, 0x60 },           /* REX.W: still eax */
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        IoFixture io;
        io_fixture(&io, FIXTURE_LONG64, 0, cases[i].code, cases[i].len);
        X86Cpu *cpu = &io.f->cpu;
        const uint64_t rax = 0x1122334455667788ull;
        cpu->s.regs[R_EAX] = rax;
        cpu->s.regs[R_EDX] = 0xabcd0000u | cases[i].dx;
        g_assert_cmpint(fixture_run(io.f), ==, -1);
        FakeDev *d = cases[i].port >= 0x80 ? &io.high : &io.low;
        unsigned off = cases[i].port & 7;
        if (cases[i].in) {
            uint64_t v = 0;
            for (unsigned b = 0; b < cases[i].size; b++) {
                v |= (uint64_t)(0x30 + off + b) << (8 * b);
            }
            /* IN AL/AX keep the rest of RAX; IN EAX zero-extends (SDM vol. 1 3.4.1.1). */
            uint64_t want = cases[i].size == 4 ? v : (rax & ~x86_size_mask(cases[i].size)) | v;
            g_assert_cmphex(cpu->s.regs[R_EAX], ==, want);
            g_assert_cmpuint(d->writes, ==, 0);
        } else {
            g_assert_cmpuint(d->writes, ==, 1);
            g_assert_cmpuint(d->last_write_size, ==, cases[i].size);
            g_assert_cmphex(d->last_port, ==, off);
            g_assert_cmphex(d->last_write, ==, rax & x86_size_mask(cases[i].size));
            g_assert_cmphex(cpu->s.regs[R_EAX], ==, rax);
        }
        fixture_free(io.f);
    }
}

/* A TSS at 0x8000 with its I/O bitmap at offset `iomap`; `limit` is TR's limit. */
static void set_tss(Fixture *f, uint8_t type, uint32_t limit, uint16_t iomap)
{
    f->cpu.s.tr.base = 0x8000;
    f->cpu.s.tr.limit = limit;
    f->cpu.s.tr.type = type;
    f->cpu.s.tr.present = 1;
    f->cpu.s.tr.unusable = 0;
    memset(f->ram + 0x8000, 0, 0x3000);
    memcpy(f->ram + 0x8000 + 102, &iomap, 2);
}

static void deny_port(Fixture *f, uint16_t iomap, unsigned port)
{
    f->ram[0x8000 + iomap + port / 8] |= 1u << (port % 8);
}

/*
 * SDM vol. 1 19.5: with CPL > IOPL (or in virtual-8086 mode) every bit of
 * the accessed ports must be clear in the TSS bitmap, which must lie within
 * TR's limit; else #GP(0) and the device is not touched.
 */
static void test_io_permission(void)
{
    static const uint8_t in_ax_dx[] = { 0x66, 0xed }, out_dx_al[] = { 0xee };
    struct {
        const char *what;
        int cpl;
        unsigned iopl;
        uint8_t tss_type;
        uint32_t limit;
        uint16_t iomap;
        int deny;           /* port whose bit is set, or -1 */
        uint16_t port;
        bool out;
        int vector;
    } cases[] = {
        { "cpl0", 0, 0, 0xb, 0, 0, -1, 0x60, false, -1 },
        { "cpl3 iopl3 (no TSS read)", 3, 3, 0xb, 0, 0, -1, 0x60, false, -1 },
        { "cpl3 allowed", 3, 0, 0xb, 0x2000, 0x100, 0x62, 0x60, false, -1 },
        { "cpl3 denied", 3, 0, 0xb, 0x2000, 0x100, 0x60, 0x60, false, X86_EXC_GP },
        { "cpl3 second port denied", 3, 0, 0xb, 0x2000, 0x100, 0x61, 0x60, false, X86_EXC_GP },
        { "cpl3 word across a byte of the bitmap", 3, 0, 0xb, 0x2000, 0x100, 0x88, 0x87, false,
          X86_EXC_GP },
        { "cpl3 out denied", 3, 0, 0xb, 0x2000, 0x100, 0x81, 0x81, true, X86_EXC_GP },
        { "cpl3 out allowed", 3, 1, 0xb, 0x2000, 0x100, 0x80, 0x81, true, -1 },
        { "bitmap past the limit", 3, 0, 0xb, 0x100 + 0x60 / 8, 0x100, -1, 0x60, false,
          X86_EXC_GP },
        { "bitmap's second byte at the limit", 3, 0, 0xb, 0x100 + 0x60 / 8 + 1, 0x100, -1, 0x60,
          false, -1 },
        { "TSS too short", 3, 0, 0xb, 102, 0x100, -1, 0x60, false, X86_EXC_GP },
        { "16-bit TSS", 3, 0, 0x3, 0x2000, 0x100, -1, 0x60, false, X86_EXC_GP },
        { "map base beyond the limit", 3, 0, 0xb, 0x2000, 0x2400, -1, 0x60, false, X86_EXC_GP },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        IoFixture io;
        const uint8_t *code = cases[i].out ? out_dx_al : in_ax_dx;
        size_t len = cases[i].out ? sizeof(out_dx_al) : sizeof(in_ax_dx);
        io_fixture(&io, FIXTURE_LONG64, cases[i].cpl, code, len);
        Fixture *f = io.f;
        f->cpu.s.rflags |= (uint64_t)cases[i].iopl << 12;
        set_tss(f, cases[i].tss_type, cases[i].limit, cases[i].iomap);
        if (cases[i].deny >= 0) {
            deny_port(f, cases[i].iomap, cases[i].deny);
        }
        f->cpu.s.regs[R_EDX] = cases[i].port;
        f->cpu.s.regs[R_EAX] = 0x5555;
        uint32_t err = 1;
        int v = fixture_run_max(f, 10, &err);
        if (v != cases[i].vector) {
            g_test_message("%s: vector %d, want %d", cases[i].what, v, cases[i].vector);
        }
        g_assert_cmpint(v, ==, cases[i].vector);
        unsigned touched = io.low.reads + io.low.writes + io.high.reads + io.high.writes;
        if (v >= 0) {
            g_assert_cmphex(err, ==, 0);
            g_assert_cmpuint(touched, ==, 0);
            g_assert_cmphex(f->cpu.s.regs[R_EAX], ==, 0x5555);
        } else {
            g_assert_cmpuint(touched, >, 0);
        }
        fixture_free(f);
    }

    /* Real mode: no check at all (TR is whatever RESET left). */
    IoFixture io;
    io_fixture(&io, FIXTURE_REAL, 0, in_ax_dx, sizeof(in_ax_dx));
    io.f->cpu.s.segs[SEG_CS].base = FIXTURE_CODE;
    io.f->cpu.s.rip = 0;
    io.f->code_end = sizeof(in_ax_dx);
    io.f->cpu.s.regs[R_EDX] = 0x60;
    io.f->cpu.s.tr.limit = 0;
    g_assert_cmpint(fixture_run(io.f), ==, -1);
    fixture_free(io.f);

    /* Virtual-8086 mode with IOPL 3 still consults the bitmap. */
    io_fixture(&io, FIXTURE_PROT32, 0, out_dx_al, sizeof(out_dx_al));
    Fixture *f = io.f;
    set_tss(f, 0xb, 0x2000, 0x100);
    deny_port(f, 0x100, 0x62);
    f->cpu.s.rflags = X86_FLAG_FIXED | X86_FLAG_VM | X86_FLAG_IOPL;
    f->cpu.s.segs[SEG_CS].db = 0;
    f->cpu.s.segs[SEG_CS].base = FIXTURE_CODE;
    x86_cpu_mode_changed(&f->cpu);
    f->cpu.s.rip = 0;
    f->code_end = 1;
    f->cpu.s.regs[R_EDX] = 0x62;
    g_assert_cmpint(fixture_run(f), ==, X86_EXC_GP);
    g_assert_cmpuint(io.low.writes, ==, 0);
    f->cpu.s.regs[R_EDX] = 0x63;
    g_assert_cmpint(fixture_run(f), ==, -1);
    g_assert_cmpuint(io.low.writes, ==, 1);
    fixture_free(f);
}

/* ---- CPUID ---- */

static void run_cpuid(Fixture *f, uint32_t leaf, uint32_t sub, uint32_t out[4])
{
    static const uint8_t cpuid[] = { 0x0f, 0xa2 };
    fixture_code(f, cpuid, sizeof(cpuid));
    f->cpu.s.rip = FIXTURE_CODE;
    f->cpu.s.regs[R_EAX] = 0xdead000000000000ull | leaf;
    f->cpu.s.regs[R_ECX] = 0xbeef000000000000ull | sub;
    f->cpu.s.regs[R_EBX] = ~0ull;
    f->cpu.s.regs[R_EDX] = ~0ull;
    g_assert_cmpint(fixture_run(f), ==, -1);
    for (int i = 0; i < 4; i++) {
        uint64_t r = f->cpu.s.regs[i == 0 ? R_EAX : i == 1 ? R_EBX : i == 2 ? R_ECX : R_EDX];
        g_assert_cmphex(r >> 32, ==, 0);    /* 32-bit results zero-extend */
        out[i] = r;
    }
}

static void test_cpuid(void)
{
    const X86Cpuid *t = dc_soft_cpuid();
    Fixture *f = fixture_new(FIXTURE_LONG64, 3);
    f->cpu.cpuid = t;
    uint32_t r[4], want[4];
    /* Every leaf of the table answers as the table says (bar the dynamic bits). */
    for (int i = 0; i < t->nr; i++) {
        const X86CpuidEntry *e = &t->e[i];
        run_cpuid(f, e->function, e->index, r);
        x86_cpuid_query(t, e->function, e->index, want);
        if (e->function == 1) {
            want[2] &= ~(1u << 27);     /* OSXSAVE: CR4.OSXSAVE is clear */
        }
        g_assert_cmpmem(r, sizeof(r), want, sizeof(want));
    }
    /* Out-of-range leaves, basic and extended: the highest basic leaf's data (Intel). */
    const X86CpuidEntry *top = x86_cpuid_find(t, 0, 0);
    run_cpuid(f, top->eax + 1, 0, r);
    x86_cpuid_query(t, top->eax, 0, want);
    g_assert_cmpmem(r, sizeof(r), want, sizeof(want));
    run_cpuid(f, 0x8fffffff, 0, r);
    g_assert_cmpmem(r, sizeof(r), want, sizeof(want));
    /* The vendor string of leaf 0. */
    run_cpuid(f, 0, 0, r);
    char vendor[13] = { 0 };
    memcpy(vendor, &r[1], 4);
    memcpy(vendor + 4, &r[3], 4);
    memcpy(vendor + 8, &r[2], 4);
    g_assert_cmpstr(vendor, ==, "AuthenticAMD");
    /* OSXSAVE follows CR4.OSXSAVE when XSAVE is there. */
    run_cpuid(f, 1, 0, r);
    g_assert_true(r[2] & (1u << 26));
    g_assert_false(r[2] & (1u << 27));
    f->cpu.s.cr4 |= X86_CR4_OSXSAVE;
    run_cpuid(f, 1, 0, r);
    g_assert_true(r[2] & (1u << 27));
    /* Leaf 0DH.0 EBX: the size for XCR0's components (x87 + SSE: 576). */
    f->cpu.s.xcr0 = 3;
    run_cpuid(f, 0xd, 0, r);
    g_assert_cmpuint(r[1], ==, 576);
    /* No table: zeroes. */
    f->cpu.cpuid = NULL;
    run_cpuid(f, 0, 0, r);
    g_assert_cmphex(r[0] | r[1] | r[2] | r[3], ==, 0);
    fixture_free(f);
}

/* ---- time stamp counter ---- */

static uint64_t run_rdtsc(Fixture *f, bool rdtscp, int *vector)
{
    static const uint8_t rdtsc[] = { 0x0f, 0x31 }, rdtscp_code[] = { 0x0f, 0x01, 0xf9 };
    fixture_code(f, rdtscp ? rdtscp_code : rdtsc, rdtscp ? 3 : 2);
    f->cpu.s.rip = FIXTURE_CODE;
    f->cpu.s.regs[R_EAX] = ~0ull;
    f->cpu.s.regs[R_EDX] = ~0ull;
    f->cpu.s.regs[R_ECX] = ~0ull;
    *vector = fixture_run(f);
    if (*vector < 0) {
        g_assert_cmphex(f->cpu.s.regs[R_EAX] >> 32, ==, 0);
        g_assert_cmphex(f->cpu.s.regs[R_EDX] >> 32, ==, 0);
    }
    return (f->cpu.s.regs[R_EDX] << 32) | (uint32_t)f->cpu.s.regs[R_EAX];
}

static void test_rdtsc(void)
{
    Fixture *f = fixture_new(FIXTURE_LONG64, 3);
    f->cpu.cpuid = dc_soft_cpuid();
    int v;
    x86_tsc_write(&f->cpu, 1000000);
    uint64_t t0 = run_rdtsc(f, false, &v);
    g_assert_cmpint(v, ==, -1);
    g_assert_cmpuint(t0, >=, 1000000);
    g_usleep(20000);
    uint64_t t1 = run_rdtsc(f, false, &v);
    /* At X86_TSC_KHZ, 20 ms are at least 20 * X86_TSC_KHZ ticks; allow a heavily loaded host. */
    g_assert_cmpuint(t1 - t0, >=, 20 * X86_TSC_KHZ);
    g_assert_cmpuint(t1 - t0, <, 30000 * X86_TSC_KHZ);
    /* RDTSCP: the same clock, and IA32_TSC_AUX in ECX. */
    f->cpu.s.msr.tsc_aux = 0xffffffff00000007ull;
    uint64_t t2 = run_rdtsc(f, true, &v);
    g_assert_cmpint(v, ==, -1);
    g_assert_cmpuint(t2, >=, t1);
    g_assert_cmphex(f->cpu.s.regs[R_ECX], ==, 7);
    /* CR4.TSD: #GP at CPL3 for both. */
    f->cpu.s.cr4 |= X86_CR4_TSD;
    run_rdtsc(f, false, &v);
    g_assert_cmpint(v, ==, X86_EXC_GP);
    g_assert_cmphex(f->cpu.s.rip, ==, FIXTURE_CODE);
    run_rdtsc(f, true, &v);
    g_assert_cmpint(v, ==, X86_EXC_GP);
    fixture_free(f);

    /* ... but not at CPL0. */
    f = fixture_new(FIXTURE_LONG64, 0);
    f->cpu.cpuid = dc_soft_cpuid();
    f->cpu.s.cr4 |= X86_CR4_TSD;
    run_rdtsc(f, false, &v);
    g_assert_cmpint(v, ==, -1);
    /* RDTSCP without the CPUID bit: #UD. */
    static X86Cpuid no_rdtscp;
    dc_cpuid_without(&no_rdtscp, 0x80000001, 0, 3, 27);
    f->cpu.cpuid = &no_rdtscp;
    run_rdtsc(f, true, &v);
    g_assert_cmpint(v, ==, X86_EXC_UD);
    fixture_free(f);
}

/* RDPID: IA32_TSC_AUX, 64-bit register in 64-bit mode, 32-bit otherwise. */
static void test_rdpid(void)
{
    static const uint8_t rdpid_rbx[] = { 0xf3, 0x0f, 0xc7, 0xfb }, rdpid_r9[] = { 0xf3, 0x41, 0x0f, 0xc7, 0xf9 };
    Fixture *f = fixture_new(FIXTURE_LONG64, 3);
    f->cpu.cpuid = dc_soft_cpuid();
    f->cpu.s.msr.tsc_aux = 0x12345678;
    f->cpu.s.regs[R_EBX] = ~0ull;
    f->cpu.s.regs[R_R9] = ~0ull;
    fixture_code(f, rdpid_rbx, sizeof(rdpid_rbx));
    g_assert_cmpint(fixture_run(f), ==, -1);
    g_assert_cmphex(f->cpu.s.regs[R_EBX], ==, 0x12345678);
    fixture_code(f, rdpid_r9, sizeof(rdpid_r9));
    f->cpu.s.rip = FIXTURE_CODE;
    g_assert_cmpint(fixture_run(f), ==, -1);
    g_assert_cmphex(f->cpu.s.regs[R_R9], ==, 0x12345678);
    static X86Cpuid no_rdpid;
    dc_cpuid_without(&no_rdpid, 7, 0, 2, 22);
    f->cpu.cpuid = &no_rdpid;
    f->cpu.s.rip = FIXTURE_CODE;
    g_assert_cmpint(fixture_run(f), ==, X86_EXC_UD);
    fixture_free(f);
}

/* RDRAND/RDSEED: CF=1, OF SF ZF AF PF clear, every operand size; #UD without CPUID. */
static void test_rdrand_rdseed(void)
{
    struct { uint8_t code[5]; uint8_t len; unsigned size; unsigned reg; } forms[] = {
        { { 0x0f, 0xc7, 0xf0 }, 3, 4, R_EAX },                 /* rdrand eax */
        { { 0x48, 0x0f, 0xc7, 0xf3 }, 4, 8, R_EBX },           /* rdrand rbx */
        { { 0x66, 0x0f, 0xc7, 0xf1 }, 4, 2, R_ECX },           /* rdrand cx */
        { { 0x49, 0x0f, 0xc7, 0xfa }, 4, 8, R_R10 },           /* rdseed r10 */
        { { 0x0f, 0xc7, 0xfe }, 3, 4, R_ESI },                 /* rdseed esi */
        { { 0x66, 0x0f, 0xc7, 0xff }, 4, 2, R_EDI },           /* rdseed di */
    };
    Fixture *f = fixture_new(FIXTURE_LONG64, 3);
    f->cpu.cpuid = dc_soft_cpuid();
    for (size_t i = 0; i < G_N_ELEMENTS(forms); i++) {
        uint64_t seen[8];
        for (int k = 0; k < 8; k++) {
            fixture_code(f, forms[i].code, forms[i].len);
            f->cpu.s.rip = FIXTURE_CODE;
            f->cpu.s.regs[forms[i].reg] = 0xa5a5a5a5a5a5a5a5ull;
            f->cpu.s.rflags = X86_FLAG_FIXED | X86_ARITH_FLAGS;
            g_assert_cmpint(fixture_run(f), ==, -1);
            g_assert_cmphex(f->cpu.s.rflags & X86_ARITH_FLAGS, ==, X86_FLAG_CF);
            uint64_t v = f->cpu.s.regs[forms[i].reg];
            if (forms[i].size == 2) {
                g_assert_cmphex(v >> 16, ==, 0xa5a5a5a5a5a5ull);
            } else if (forms[i].size == 4) {
                g_assert_cmphex(v >> 32, ==, 0);
            }
            seen[k] = v;
        }
        /* Eight draws of at least 16 bits are not all the same. */
        bool varied = false;
        for (int k = 1; k < 8; k++) {
            varied |= seen[k] != seen[0];
        }
        g_assert_true(varied);
    }
    static X86Cpuid no_rdrand, no_rdseed;
    dc_cpuid_without(&no_rdrand, 1, 0, 2, 30);
    dc_cpuid_without(&no_rdseed, 7, 0, 1, 18);
    for (size_t i = 0; i < G_N_ELEMENTS(forms); i++) {
        bool seed = i >= 3;
        f->cpu.cpuid = seed ? &no_rdseed : &no_rdrand;
        fixture_code(f, forms[i].code, forms[i].len);
        f->cpu.s.rip = FIXTURE_CODE;
        g_assert_cmpint(fixture_run(f), ==, X86_EXC_UD);
        f->cpu.cpuid = seed ? &no_rdrand : &no_rdseed;     /* the other one missing: fine */
        f->cpu.s.rip = FIXTURE_CODE;
        g_assert_cmpint(fixture_run(f), ==, -1);
    }
    fixture_free(f);
}

/* HLT: CPL0 stops the CPU after the instruction; CPL3 is #GP(0). */
static void test_hlt(void)
{
    static const uint8_t hlt[] = { 0xf4, 0x90 };
    Fixture *f = fixture_new(FIXTURE_LONG64, 0);
    fixture_code(f, hlt, sizeof(hlt));
    g_assert_cmpint(fixture_run_max(f, 1, NULL), ==, -1);
    g_assert_cmpint(f->cpu.stop, ==, X86_STOP_HLT);
    g_assert_cmphex(f->cpu.s.rip, ==, FIXTURE_CODE + 1);
    fixture_free(f);
    f = fixture_new(FIXTURE_LONG64, 3);
    fixture_code(f, hlt, sizeof(hlt));
    uint32_t err = 1;
    g_assert_cmpint(fixture_run_max(f, 1, &err), ==, X86_EXC_GP);
    g_assert_cmphex(err, ==, 0);
    g_assert_cmphex(f->cpu.s.rip, ==, FIXTURE_CODE);
    g_assert_cmpint(f->cpu.stop, ==, X86_STOP_NONE);
    fixture_free(f);
}

/* NOPs, hints, fences, cache-line instructions and the UD opcodes, against the host. */
static void test_hints_against_host(void)
{
    int cases = dc_cases, failures = dc_failures;
    struct { const char *what; uint8_t code[12]; uint8_t len; uint64_t rbx; } cases_[] = {
        { "nop", { 0x90 }, 1, 0 },
        { "66 nop", { 0x66, 0x90 }, 2, 0 },
        { "rex.w nop", { 0x48, 0x90 }, 2, 0 },
        { "pause", { 0xf3, 0x90 }, 2, 0 },
        { "nop [rbx] unmapped", { 0x0f, 0x1f, 0x03 }, 3, DC_UNMAPPED },
        { "nop [rax+rax*1+0]", { 0x0f, 0x1f, 0x44, 0x00, 0x00 }, 5, 0 },
        { "66 nop word [rax+rax*1+0]", { 0x66, 0x0f, 0x1f, 0x84, 0x00, 0, 0, 0, 0 }, 9, 0 },
        { "hint nop 0f 19", { 0x0f, 0x19, 0x03 }, 3, DC_UNMAPPED },
        { "prefetchnta unmapped", { 0x0f, 0x18, 0x03 }, 3, DC_UNMAPPED },
        { "prefetcht0 non-canonical", { 0x0f, 0x18, 0x0b }, 3, 0x8000000000000000ull },
        { "prefetcht1", { 0x0f, 0x18, 0x13 }, 3, FIXTURE_DATA },
        { "prefetcht2", { 0x0f, 0x18, 0x1b }, 3, DC_UNMAPPED },
        { "prefetchw", { 0x0f, 0x0d, 0x0b }, 3, DC_UNMAPPED },
        { "lfence", { 0x0f, 0xae, 0xe8 }, 3, 0 },
        { "mfence", { 0x0f, 0xae, 0xf0 }, 3, 0 },
        { "sfence", { 0x0f, 0xae, 0xf8 }, 3, 0 },
        { "endbr64", { 0xf3, 0x0f, 0x1e, 0xfa }, 4, 0 },
        { "endbr32", { 0xf3, 0x0f, 0x1e, 0xfb }, 4, 0 },
        { "clflush", { 0x0f, 0xae, 0x3b }, 3, FIXTURE_DATA + 0x40 },
        { "clflush read-only page", { 0x0f, 0xae, 0x3b }, 3, DC_RO_PAGE },
        { "clflush unmapped", { 0x0f, 0xae, 0x3b }, 3, DC_UNMAPPED },
        { "clflush non-canonical", { 0x0f, 0xae, 0x3b }, 3, 0x0000900000000000ull },
        { "clflushopt", { 0x66, 0x0f, 0xae, 0x3b }, 4, FIXTURE_DATA },
        { "clflushopt unmapped", { 0x66, 0x0f, 0xae, 0x3b }, 4, DC_UNMAPPED },
        { "ud2", { 0x0f, 0x0b }, 2, 0 },
        { "ud1", { 0x0f, 0xb9, 0x03 }, 3, DC_UNMAPPED },
        { "ud0", { 0x0f, 0xff, 0xc0 }, 3, 0 },
    };
    dc_seed(0x90);
    for (size_t i = 0; i < G_N_ELEMENTS(cases_); i++) {
        for (int k = 0; k < 4; k++) {
            DcCase c = { .mode = DC_64, .expect_vector = -1 };
            for (int r = 0; r < 16; r++) {
                c.regs[r] = dc_value();
            }
            c.regs[R_ESP] = 0;
            c.regs[R_EBX] = cases_[i].rbx;
            c.regs[R_EAX] = 0;
            c.rflags = dc_flags() | (k & 1 ? X86_FLAG_DF : 0);
            c.code = cases_[i].code;
            c.len = cases_[i].len;
            dc_check(&c, cases_[i].what);
        }
    }
    dc_finish("hints", cases, failures);
}

/* CLWB is #UD where CPUID does not advertise it (the software CPU's table does not). */
static void test_clwb(void)
{
    static const uint8_t clwb[] = { 0x66, 0x0f, 0xae, 0x33 };
    Fixture *f = fixture_new(FIXTURE_LONG64, 3);
    f->cpu.cpuid = dc_soft_cpuid();
    fixture_code(f, clwb, sizeof(clwb));
    f->cpu.s.regs[R_EBX] = FIXTURE_DATA;
    g_assert_cmpint(fixture_run(f), ==, X86_EXC_UD);
    fixture_free(f);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/misc/in-out-forms", test_in_out_forms);
    g_test_add_func("/misc/io-permission", test_io_permission);
    g_test_add_func("/misc/cpuid", test_cpuid);
    g_test_add_func("/misc/rdtsc", test_rdtsc);
    g_test_add_func("/misc/rdpid", test_rdpid);
    g_test_add_func("/misc/rdrand-rdseed", test_rdrand_rdseed);
    g_test_add_func("/misc/hlt", test_hlt);
    g_test_add_func("/misc/hints-against-host", test_hints_against_host);
    g_test_add_func("/misc/clwb", test_clwb);
    return g_test_run();
}
