/* Unit tests for the kernel loaders: bzImage, vmlinux, multiboot images built here, in fake RAM. */
#include <elf.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#include "hw/loader.h"

#define MiB (1024ull * 1024)
#define RAM_SIZE (64 * MiB)

static char *tmpdir;
static GPtrArray *tmp_paths;    /* every path handed out, freed at exit */

/* ---- fixtures: files, RAM, options ---- */

/* A path in the test's directory; the string lives until the program ends. */
static const char *tmp_path(const char *name)
{
    char *path = g_build_filename(tmpdir, name, NULL);
    g_ptr_array_add(tmp_paths, path);
    return path;
}

/* Plain stdio: g_file_set_contents() fsyncs, which makes the mangling loop slow. */
static const char *write_tmp(const char *name, const void *data, size_t len)
{
    const char *path = tmp_path(name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
        g_error("cannot write %s", path);
    }
    return path;
}

/* The guest as hw/pc.c builds it: one RAM region below 4 GiB, the PC e820 map. */
typedef struct TestGuest {
    uint8_t *ram;
    uint64_t ram_size;
    AddressSpace mem;
    E820Entry e820[E820_MAX];
    int nr_e820;
} TestGuest;

static void guest_init(TestGuest *g, uint64_t ram_size)
{
    memset(g, 0, sizeof(*g));
    g->ram = g_malloc0(ram_size);
    g->ram_size = ram_size;
    address_space_init(&g->mem, "test-mem", 1ull << 40);
    g_assert_cmpint(address_space_add_ram(&g->mem, "ram", 0, ram_size, g->ram), ==, 0);
    E820Entry map[] = {
        { 0, 0x9fc00, E820_RAM },
        { 0x9fc00, 0x400, E820_RESERVED },
        { 0xf0000, 0x10000, E820_RESERVED },
        { 0x100000, ram_size - 0x100000, E820_RAM },
        { 0xfeffc000, 0x4000, E820_RESERVED },
    };
    memcpy(g->e820, map, sizeof(map));
    g->nr_e820 = G_N_ELEMENTS(map);
}

static void guest_destroy(TestGuest *g)
{
    address_space_destroy(&g->mem);
    g_free(g->ram);
}

static uint32_t rd32(const TestGuest *g, uint64_t addr)
{
    g_assert_cmpuint(addr + 4, <=, g->ram_size);
    return loader_le32(g->ram + addr);
}

static uint64_t rd64(const TestGuest *g, uint64_t addr)
{
    g_assert_cmpuint(addr + 8, <=, g->ram_size);
    return loader_le64(g->ram + addr);
}

static Options options(const char *kernel, const char *initrd, const char *append)
{
    Options o;
    memset(&o, 0, sizeof(o));
    o.kernel = kernel;
    o.initrd = initrd;
    o.append = append;
    o.ram_size = RAM_SIZE;
    return o;
}

/* Open and install; fail the test with the error line if either fails. */
static Loader *load_ok(const Options *o, TestGuest *g, X86State *boot)
{
    char err[512] = "";
    Loader *l = loader_open(o, g->ram_size, 0, err, sizeof(err));
    if (!l) {
        g_test_message("loader_open: %s", err);
    }
    g_assert_nonnull(l);
    int r = loader_install(l, &g->mem, g->e820, g->nr_e820, boot, err, sizeof(err));
    if (r != 0) {
        g_test_message("loader_install: %s", err);
    }
    g_assert_cmpint(r, ==, 0);
    return l;
}

/* loader_open must fail, and its one line must contain `expected`. */
static void open_fails(const Options *o, uint64_t ram, const char *expected)
{
    char err[512] = "";
    Loader *l = loader_open(o, ram, 0, err, sizeof(err));
    if (l || !strstr(err, expected) || strchr(err, '\n')) {
        g_test_message("expected an error containing \"%s\", got %s: \"%s\"", expected,
                       l ? "success" : "error", err);
        loader_free(l);
        g_test_fail();
    }
}

/* ---- a fake bzImage (Documentation/arch/x86/boot.rst header) ---- */

typedef struct BzParams {
    unsigned setup_sects;
    uint32_t payload;
    uint16_t version;
    uint16_t xloadflags;
    uint8_t loadflags;
    uint8_t relocatable;
    uint32_t cmdline_size;
    uint32_t initrd_addr_max;
    uint32_t kernel_alignment;
    uint64_t pref_address;
    uint32_t init_size;
    uint32_t truncate_to;     /* 0: full file */
} BzParams;

static BzParams bz_default(void)
{
    return (BzParams){
        .setup_sects = 4, .payload = 0x3000, .version = 0x020f, .xloadflags = 0x3,
        .loadflags = 0x01, .relocatable = 1, .cmdline_size = 2047,
        .initrd_addr_max = 0x7fffffff, .kernel_alignment = 0x200000,
        .pref_address = 0x1000000, .init_size = 0x800000,
    };
}

static uint8_t payload_byte(size_t i)
{
    return (uint8_t)(i * 7 + 3);
}

static const char *make_bzimage(const char *name, const BzParams *p)
{
    size_t setup = (p->setup_sects + 1) * 512ull;
    size_t size = setup + p->payload;
    uint8_t *img = g_malloc0(size);
    img[0x1f1] = (uint8_t)p->setup_sects;
    loader_st32(img + 0x1f4, p->payload / 16);          /* syssize */
    loader_st16(img + 0x1fa, 0xfffd);                   /* vid_mode: "ask", we override */
    loader_st16(img + 0x1fe, 0xaa55);                   /* boot_flag */
    img[0x200] = 0xeb;                                  /* jmp short start_of_setup */
    img[0x201] = 0x66;                                  /* header ends at 0x268 */
    memcpy(img + 0x202, "HdrS", 4);
    loader_st16(img + 0x206, p->version);
    img[0x211] = p->loadflags;
    loader_st32(img + 0x214, 0x100000);                 /* code32_start */
    loader_st32(img + 0x22c, p->initrd_addr_max);
    loader_st32(img + 0x230, p->kernel_alignment);
    img[0x234] = p->relocatable;
    loader_st16(img + 0x236, p->xloadflags);
    loader_st32(img + 0x238, p->cmdline_size);
    loader_st64(img + 0x258, p->pref_address);
    loader_st32(img + 0x260, p->init_size);
    img[0x268] = 0x5a;                                  /* past the header: must not be copied */
    for (size_t i = 0; i < p->payload; i++) {
        img[setup + i] = payload_byte(i);
    }
    const char *path = write_tmp(name, img, p->truncate_to ? p->truncate_to : size);
    g_free(img);
    return path;
}

static const char *make_pattern_file(const char *name, size_t size, uint8_t seed)
{
    uint8_t *data = g_malloc(size ? size : 1);
    for (size_t i = 0; i < size; i++) {
        data[i] = (uint8_t)(i * 13 + seed);
    }
    const char *path = write_tmp(name, data, size);
    g_free(data);
    return path;
}

/* A 4-level walk as the CPU does it (SDM vol. 3A 4.5), 2 MiB and 4 KiB leaves; -1 if unmapped. */
static int64_t walk(const TestGuest *g, uint64_t cr3, uint64_t va)
{
    uint64_t table = cr3 & ~0xfffull;
    for (int level = 3; level >= 0; level--) {
        unsigned index = (va >> (12 + 9 * level)) & 0x1ff;
        uint64_t e = rd64(g, table + 8 * index);
        if (!(e & 1)) {
            return -1;
        }
        uint64_t addr = e & 0x000ffffffffff000ull;
        if (level == 0 || (level <= 2 && (e & 0x80))) {
            uint64_t page = 1ull << (12 + 9 * level);
            return (int64_t)((addr & ~(page - 1)) | (va & (page - 1)));
        }
        table = addr;
    }
    return -1;
}

/* ---- Linux tests ---- */

/* boot.rst "64-bit BOOT PROTOCOL", the same for a bzImage and a vmlinux. */
static void check_linux_entry_state(const TestGuest *g, const X86State *s, uint64_t rip)
{
    g_assert_cmphex(s->rip, ==, rip);
    g_assert_cmphex(s->regs[R_ESI], ==, LINUX_ZERO_PAGE_ADDR);
    g_assert_cmphex(s->rflags, ==, 0x2);
    g_assert_cmphex(s->cr0, ==, X86_CR0_PE | X86_CR0_ET | X86_CR0_NE | X86_CR0_PG);
    g_assert_cmphex(s->cr4 & X86_CR4_PAE, ==, X86_CR4_PAE);
    g_assert_cmphex(s->msr.efer, ==, X86_EFER_LME | X86_EFER_LMA);
    g_assert_cmpuint(s->idtr.limit, ==, 0);
    g_assert_cmphex(s->segs[SEG_CS].selector, ==, 0x10);
    g_assert_cmpuint(s->segs[SEG_CS].l, ==, 1);
    g_assert_cmpuint(s->segs[SEG_CS].db, ==, 0);
    for (int i = 0; i < X86_NR_SEGS; i++) {
        if (i != SEG_CS) {
            g_assert_cmphex(s->segs[i].selector, ==, 0x18);
            g_assert_cmphex(s->segs[i].limit, ==, 0xffffffff);
            g_assert_cmphex(s->segs[i].base, ==, 0);
        }
    }
    /* The GDT holds Linux's own boot descriptors (flat 64-bit code, flat data). */
    g_assert_cmphex(s->gdtr.base, ==, BOOT_GDT_ADDR);
    g_assert_cmpuint(s->gdtr.limit, >=, 0x1f);
    g_assert_cmphex(rd64(g, s->gdtr.base + 0x10), ==, 0x00af9b000000ffffull);
    g_assert_cmphex(rd64(g, s->gdtr.base + 0x18), ==, 0x00cf93000000ffffull);

    /* Page tables: 0..4 GiB identity, nothing above. */
    static const uint64_t probes[] = { 0, 0x7000, 0x1000200, 0x1234567, 0x3fffffff, 0x40000000,
                                       0x9abcdef0, 0xc0001000, 0xfeffc123, 0xffffffff };
    for (size_t i = 0; i < G_N_ELEMENTS(probes); i++) {
        g_assert_cmphex(walk(g, s->cr3, probes[i]), ==, probes[i]);
    }
    g_assert_cmphex(walk(g, s->cr3, rip), ==, rip);
    g_assert_cmpint(walk(g, s->cr3, 0x100000000ull), ==, -1);
    g_assert_cmpint(walk(g, s->cr3, 0xffffffff80000000ull), ==, -1);
}

/* The zero page fields a loader fills in whatever the format (boot.rst, zero-page.rst). */
static void check_linux_loader_fields(const TestGuest *g, const char *append, uint64_t initrd_addr,
                                      uint32_t initrd_size)
{
    const uint64_t zp = LINUX_ZERO_PAGE_ADDR;
    g_assert_cmpuint(g->ram[zp + 0x210], ==, 0xff);                   /* type_of_loader */
    g_assert_cmpuint(g->ram[zp + 0x211] & 0x81, ==, 0x81);            /* LOADED_HIGH|CAN_USE_HEAP */
    g_assert_cmpuint(loader_le16(g->ram + zp + 0x224), ==, 0xfe00);   /* heap_end_ptr */
    g_assert_cmpuint(loader_le16(g->ram + zp + 0x1fa), ==, 0xffff);   /* vid_mode normal */
    g_assert_cmpuint(rd32(g, zp + 0x228), ==, 0x20000);               /* cmd_line_ptr */
    g_assert_cmpuint(rd32(g, zp + 0x0c8), ==, 0);                     /* ext_cmd_line_ptr */
    g_assert_cmpstr((const char *)g->ram + 0x20000, ==, append);
    g_assert_cmphex(rd32(g, zp + 0x218), ==, initrd_addr);            /* ramdisk_image */
    g_assert_cmpuint(rd32(g, zp + 0x21c), ==, initrd_size);           /* ramdisk_size */
    g_assert_cmpuint(rd32(g, zp + 0x0c0), ==, 0);
    g_assert_cmpuint(rd32(g, zp + 0x0c4), ==, 0);
    for (size_t i = 0; i < initrd_size; i++) {
        if (g->ram[initrd_addr + i] != (uint8_t)(i * 13 + 0x11)) {
            g_test_message("initrd byte %zu differs", i);
            g_test_fail();
            break;
        }
    }

    /* e820 copied entry by entry (struct boot_e820_entry, 20 bytes). */
    g_assert_cmpuint(g->ram[zp + 0x1e8], ==, g->nr_e820);
    for (int i = 0; i < g->nr_e820; i++) {
        uint64_t e = zp + 0x2d0 + 20 * i;
        g_assert_cmphex(rd64(g, e), ==, g->e820[i].addr);
        g_assert_cmphex(rd64(g, e + 8), ==, g->e820[i].size);
        g_assert_cmpuint(rd32(g, e + 16), ==, g->e820[i].type);
    }
}

static void test_linux_boot(void)
{
    BzParams p = bz_default();
    const char *kernel = make_bzimage("bzImage", &p);
    const char *initrd = make_pattern_file("initrd", 10000, 0x11);
    const char *append = "console=ttyS0 root=/dev/ram0 quiet";
    Options o = options(kernel, initrd, append);
    TestGuest g;
    guest_init(&g, RAM_SIZE);
    X86State s;
    Loader *l = load_ok(&o, &g, &s);

    /* Zero page: the copied header, and what a loader fills in. */
    const uint64_t zp = LINUX_ZERO_PAGE_ADDR;
    g_assert_cmpmem(g.ram + zp + 0x202, 4, "HdrS", 4);
    g_assert_cmpuint(loader_le16(g.ram + zp + 0x206), ==, 0x020f);
    g_assert_cmpuint(g.ram[zp + 0x1f1], ==, 4);
    g_assert_cmpuint(loader_le32(g.ram + zp + 0x260), ==, 0x800000);     /* init_size copied */
    g_assert_cmpuint(g.ram[zp + 0x268], ==, 0);                          /* header end respected */
    g_assert_cmphex(rd32(&g, zp + 0x214), ==, 0x1000000);                /* code32_start */
    /* initrd: highest page below min(initrd_addr_max + 1, RAM) = 64 MiB. */
    check_linux_loader_fields(&g, append, 0x3ffd000, 10000);

    /* Relocatable with room at pref_address: the kernel goes there. */
    for (size_t i = 0; i < p.payload; i++) {
        if (g.ram[0x1000000 + i] != payload_byte(i)) {
            g_test_message("kernel byte %zu differs", i);
            g_test_fail();
            break;
        }
    }

    check_linux_entry_state(&g, &s, 0x1000200);

    loader_free(l);
    guest_destroy(&g);
}

/* Without a usable pref_address the kernel goes to 1 MiB; no initrd, no -append. */
static void test_linux_default_load(void)
{
    BzParams p = bz_default();
    p.pref_address = 0;
    p.relocatable = 0;
    const char *kernel = make_bzimage("bzImage-low", &p);
    Options o = options(kernel, NULL, NULL);
    TestGuest g;
    guest_init(&g, 32 * MiB);
    X86State s;
    Loader *l = load_ok(&o, &g, &s);
    g_assert_cmphex(s.rip, ==, 0x100200);
    g_assert_cmpuint(g.ram[0x100000 + 5], ==, payload_byte(5));
    g_assert_cmpuint(rd32(&g, LINUX_ZERO_PAGE_ADDR + 0x218), ==, 0);    /* no ramdisk */
    g_assert_cmpuint(rd32(&g, LINUX_ZERO_PAGE_ADDR + 0x21c), ==, 0);
    g_assert_cmpstr((const char *)g.ram + 0x20000, ==, "");
    loader_free(l);
    guest_destroy(&g);
}

/* A reset zeroes RAM and installs again: the result must be the same, bit for bit. */
static void test_linux_reinstall(void)
{
    BzParams p = bz_default();
    const char *kernel = make_bzimage("bzImage-reset", &p);
    const char *initrd = make_pattern_file("initrd-reset", 5000, 0x22);
    Options o = options(kernel, initrd, "a=b");
    TestGuest g;
    guest_init(&g, RAM_SIZE);
    X86State s1, s2;
    Loader *l = load_ok(&o, &g, &s1);
    uint8_t *first = g_memdup2(g.ram, g.ram_size);
    memset(g.ram, 0, g.ram_size);
    char err[256];
    g_assert_cmpint(loader_install(l, &g.mem, g.e820, g.nr_e820, &s2, err, sizeof(err)), ==, 0);
    g_assert_true(memcmp(first, g.ram, g.ram_size) == 0);
    char diff[256];
    if (x86_state_diff(&s1, &s2, diff, sizeof(diff))) {
        g_test_message("state differs after reinstall: %s", diff);
        g_test_fail();
    }
    g_free(first);
    loader_free(l);
    guest_destroy(&g);
}

static void test_linux_errors(void)
{
    const char *missing = tmp_path("no-such-kernel");
    Options o = options(missing, NULL, NULL);
    char *expected = g_strdup_printf("cannot open kernel '%s': No such file or directory", missing);
    open_fails(&o, RAM_SIZE, expected);
    g_free(expected);

    o.kernel = tmpdir;
    open_fails(&o, RAM_SIZE, "Is a directory");

    /* Setup sectors cut short. */
    BzParams p = bz_default();
    p.truncate_to = 2000;
    const char *trunc = make_bzimage("bz-trunc-setup", &p);
    o = options(trunc, NULL, NULL);
    expected = g_strdup_printf("kernel '%s': truncated bzImage (setup needs 2560 bytes, file has 2000)",
                               trunc);
    open_fails(&o, RAM_SIZE, expected);
    g_free(expected);

    /* Protected-mode part shorter than syssize says. */
    p = bz_default();
    p.truncate_to = 2560 + 0x1000;
    const char *trunc2 = make_bzimage("bz-trunc-kernel", &p);
    o = options(trunc2, NULL, NULL);
    open_fails(&o, RAM_SIZE, "truncated bzImage (kernel needs 12288 bytes after the setup, file has 4096)");

    p = bz_default();
    p.version = 0x020a;
    const char *old = make_bzimage("bz-old", &p);
    o = options(old, NULL, NULL);
    open_fails(&o, RAM_SIZE, "Linux boot protocol 2.10 is too old");

    p = bz_default();
    p.xloadflags = 0;
    const char *k32 = make_bzimage("bz-32", &p);
    o = options(k32, NULL, NULL);
    open_fails(&o, RAM_SIZE, "no 64-bit entry point");

    p = bz_default();
    p.loadflags = 0;
    const char *zimage = make_bzimage("zimage", &p);
    o = options(zimage, NULL, NULL);
    open_fails(&o, RAM_SIZE, "zImage");

    p = bz_default();
    p.kernel_alignment = 0x3000;
    const char *badalign = make_bzimage("bz-align", &p);
    o = options(badalign, NULL, NULL);
    open_fails(&o, RAM_SIZE, "kernel_alignment 0x3000");

    /* Command line longer than cmdline_size. */
    p = bz_default();
    p.cmdline_size = 16;
    const char *small_cmdline = make_bzimage("bz-cmdline", &p);
    o = options(small_cmdline, NULL, "0123456789abcdefg");
    open_fails(&o, RAM_SIZE, "command line is 17 bytes, the kernel accepts at most 16");
    o.append = "0123456789abcdef";    /* exactly 16: fine */
    char err[256];
    Loader *l = loader_open(&o, RAM_SIZE, 0, err, sizeof(err));
    g_assert_nonnull(l);
    loader_free(l);

    /* A kernel that claims an unlimited cmdline_size still meets tandem's own limit. */
    p = bz_default();
    p.cmdline_size = 0xffffffff;
    const char *any_cmdline = make_bzimage("bz-any-cmdline", &p);
    char *long_append = g_malloc(LINUX_CMDLINE_MAX + 1);
    memset(long_append, 'a', LINUX_CMDLINE_MAX);
    long_append[LINUX_CMDLINE_MAX] = '\0';
    o = options(any_cmdline, NULL, long_append);
    open_fails(&o, RAM_SIZE, "command line is 65536 bytes, tandem accepts at most 65535");
    g_free(long_append);

    /* init_size past the end of RAM. */
    p = bz_default();
    const char *kernel = make_bzimage("bz-ok", &p);
    o = options(kernel, NULL, NULL);
    open_fails(&o, 20 * MiB, "needs guest RAM up to 0x1800000");

    /* initrd missing, initrd too large, initrd_addr_max below the kernel end. */
    const char *no_initrd = tmp_path("no-such-initrd");
    o = options(kernel, no_initrd, NULL);
    expected = g_strdup_printf("cannot open initrd '%s': No such file or directory", no_initrd);
    open_fails(&o, RAM_SIZE, expected);
    g_free(expected);

    const char *big = make_pattern_file("initrd-big", 8 * MiB, 1);
    o = options(kernel, big, NULL);
    open_fails(&o, 30 * MiB, "does not fit in guest RAM");

    p = bz_default();
    p.initrd_addr_max = 0x17fffff;     /* right at the kernel's end (0x1800000) */
    const char *lowmax = make_bzimage("bz-initrd-max", &p);
    const char *small = make_pattern_file("initrd-small", 100, 2);
    o = options(lowmax, small, NULL);
    open_fails(&o, RAM_SIZE, "does not fit in guest RAM between the kernel (ends at 0x1800000)");

}

/* A loader planned for more RAM than install finds: an error line, not a write past RAM. */
static void test_install_smaller_ram(void)
{
    BzParams p = bz_default();
    const char *kernel = make_bzimage("bz-shrink", &p);
    Options o = options(kernel, NULL, NULL);
    char err[256] = "";
    Loader *l = loader_open(&o, RAM_SIZE, 0, err, sizeof(err));
    g_assert_nonnull(l);
    TestGuest g;
    guest_init(&g, 16 * MiB);
    X86State s;
    g_assert_cmpint(loader_install(l, &g.mem, g.e820, g.nr_e820, &s, err, sizeof(err)), ==, -1);
    g_assert_nonnull(strstr(err, "is not in guest RAM"));
    loader_free(l);
    guest_destroy(&g);
}

static void test_not_a_kernel(void)
{
    uint8_t junk[4096];
    for (size_t i = 0; i < sizeof(junk); i++) {
        junk[i] = (uint8_t)(i * 31 + (i >> 5));
    }
    const char *garbage = write_tmp("garbage", junk, sizeof(junk));
    Options o = options(garbage, NULL, NULL);
    char *expected = g_strdup_printf("kernel '%s': not a bzImage, multiboot kernel or x86-64 "
                                     "vmlinux", garbage);
    open_fails(&o, RAM_SIZE, expected);
    g_free(expected);

    const char *empty = write_tmp("empty", "", 0);
    o = options(empty, NULL, NULL);
    open_fails(&o, RAM_SIZE, "not a bzImage, multiboot kernel or x86-64 vmlinux");
}

/* ---- multiboot ---- */

#define MB_MAGIC 0x1badb002u

static void put_mb_header(uint8_t *at, uint32_t flags)
{
    loader_st32(at, MB_MAGIC);
    loader_st32(at + 4, flags);
    loader_st32(at + 8, (uint32_t)-(MB_MAGIC + flags));
}

/*
 * An ELF32 multiboot kernel linked high (vaddr = paddr + 0xc0000000):
 * text at paddr 0x200000 (0x200 bytes), data 0x100 bytes + bss up to 0x3000
 * at 0x201000, entry at text + 0x10.
 */
typedef struct Mb32 {
    uint8_t file[0x1300];
    Elf32_Ehdr *eh;
    Elf32_Phdr *ph;
} Mb32;

static void make_mb_elf32(Mb32 *k, uint32_t mb_flags)
{
    memset(k, 0, sizeof(*k));
    Elf32_Ehdr eh = { 0 };
    memcpy(eh.e_ident, ELFMAG, SELFMAG);
    eh.e_ident[EI_CLASS] = ELFCLASS32;
    eh.e_ident[EI_DATA] = ELFDATA2LSB;
    eh.e_ident[EI_VERSION] = EV_CURRENT;
    eh.e_type = ET_EXEC;
    eh.e_machine = EM_386;
    eh.e_version = EV_CURRENT;
    eh.e_entry = 0xc0200010;
    eh.e_phoff = sizeof(Elf32_Ehdr);
    eh.e_ehsize = sizeof(Elf32_Ehdr);
    eh.e_phentsize = sizeof(Elf32_Phdr);
    eh.e_phnum = 3;
    memcpy(k->file, &eh, sizeof(eh));
    Elf32_Phdr ph[3] = {
        { .p_type = PT_LOAD, .p_offset = 0x1000, .p_vaddr = 0xc0200000, .p_paddr = 0x200000,
          .p_filesz = 0x200, .p_memsz = 0x200, .p_flags = PF_R | PF_X },
        { .p_type = PT_LOAD, .p_offset = 0x1200, .p_vaddr = 0xc0201000, .p_paddr = 0x201000,
          .p_filesz = 0x100, .p_memsz = 0x3000, .p_flags = PF_R | PF_W },
        { .p_type = PT_NOTE, .p_offset = 0x2000000, .p_filesz = 0x10 },   /* ignored */
    };
    memcpy(k->file + eh.e_phoff, ph, sizeof(ph));
    put_mb_header(k->file + 0x80, mb_flags);
    for (int i = 0; i < 0x300; i++) {
        k->file[0x1000 + i] = (uint8_t)(0x40 + i);
    }
}

static Elf32_Phdr *mb_phdr(Mb32 *k, int i)
{
    return (Elf32_Phdr *)(k->file + sizeof(Elf32_Ehdr) + i * sizeof(Elf32_Phdr));
}

static Elf32_Ehdr *mb_ehdr(Mb32 *k)
{
    return (Elf32_Ehdr *)k->file;
}

static void check_mb_entry_state(const TestGuest *g, const X86State *s, uint64_t entry)
{
    g_assert_cmphex(s->regs[R_EAX], ==, 0x2badb002);
    g_assert_cmphex(s->regs[R_EBX], ==, MB_INFO_ADDR);
    g_assert_cmphex(s->rip, ==, entry);
    g_assert_cmphex(s->segs[SEG_CS].selector, ==, 0x08);
    g_assert_cmpuint(s->segs[SEG_CS].db, ==, 1);
    g_assert_cmpuint(s->segs[SEG_CS].l, ==, 0);
    g_assert_cmphex(s->segs[SEG_CS].limit, ==, 0xffffffff);
    g_assert_cmphex(s->segs[SEG_CS].base, ==, 0);
    g_assert_cmpuint(s->segs[SEG_CS].type & 0xa, ==, 0xa);     /* code, readable */
    for (int i = 0; i < X86_NR_SEGS; i++) {
        if (i != SEG_CS) {
            g_assert_cmphex(s->segs[i].selector, ==, 0x10);
            g_assert_cmphex(s->segs[i].limit, ==, 0xffffffff);
            g_assert_cmpuint(s->segs[i].type & 0xa, ==, 0x2);  /* data, writable */
        }
    }
    g_assert_cmphex(s->cr0 & X86_CR0_PE, ==, X86_CR0_PE);
    g_assert_cmphex(s->cr0 & X86_CR0_PG, ==, 0);
    g_assert_cmphex(s->msr.efer & X86_EFER_LMA, ==, 0);
    g_assert_cmphex(s->rflags & (X86_FLAG_VM | X86_FLAG_IF), ==, 0);
    g_assert_cmphex(s->gdtr.base, ==, BOOT_GDT_ADDR);
    g_assert_cmpuint(s->gdtr.limit, >=, 0x17);
    g_assert_cmphex(rd64(g, BOOT_GDT_ADDR + 0x08), ==, 0x00cf9b000000ffffull);
    g_assert_cmphex(rd64(g, BOOT_GDT_ADDR + 0x10), ==, 0x00cf93000000ffffull);
}

static void test_multiboot_elf(void)
{
    Mb32 k;
    make_mb_elf32(&k, 0x3 | 0x4);   /* page-align, memory info, video (ignored) */
    const char *kernel = write_tmp("mb-elf", k.file, sizeof(k.file));
    const char *m1 = make_pattern_file("mod1", 5000, 0x33);
    const char *m2 = make_pattern_file("m,2", 3, 0x44);
    char *initrd = g_strdup_printf("%s arg1 arg2,%s/m,,2", m1, tmpdir);
    Options o = options(kernel, initrd, "console=ttyS0 x=1");
    TestGuest g;
    guest_init(&g, RAM_SIZE);
    memset(g.ram + 0x201000, 0xaa, 0x4000);      /* bss must come out zero */
    X86State s;
    Loader *l = load_ok(&o, &g, &s);

    check_mb_entry_state(&g, &s, 0x200010);      /* virtual entry translated to physical */
    for (int i = 0; i < 0x200; i++) {
        g_assert_cmpuint(g.ram[0x200000 + i], ==, (uint8_t)(0x40 + i));
    }
    for (int i = 0; i < 0x100; i++) {
        g_assert_cmpuint(g.ram[0x201000 + i], ==, (uint8_t)(0x40 + 0x200 + i));
    }
    for (int i = 0x100; i < 0x3000; i++) {
        if (g.ram[0x201000 + i] != 0) {
            g_test_message("bss byte 0x%x is 0x%x", i, g.ram[0x201000 + i]);
            g_test_fail();
            break;
        }
    }
    g_assert_cmpuint(g.ram[0x204000], ==, 0x33);  /* (first module, below) */

    /* Spec 3.3: the information structure. */
    const uint64_t mbi = MB_INFO_ADDR;
    uint32_t flags = rd32(&g, mbi);
    g_assert_cmphex(flags & 0x24d, ==, 0x24d);    /* mem, cmdline, mods, mmap, loader name */
    g_assert_cmpuint(rd32(&g, mbi + 4), ==, 639);
    g_assert_cmpuint(rd32(&g, mbi + 8), ==, (RAM_SIZE - MiB) / 1024);
    char *cmdline = g_strdup_printf("%s console=ttyS0 x=1", kernel);
    g_assert_cmpstr((const char *)g.ram + rd32(&g, mbi + 16), ==, cmdline);
    g_assert_cmpstr((const char *)g.ram + rd32(&g, mbi + 64), ==, "tandem");

    /* Modules: page aligned after the kernel's bss (0x204000), strings with arguments. */
    g_assert_cmpuint(rd32(&g, mbi + 20), ==, 2);
    uint32_t mods = rd32(&g, mbi + 24);
    g_assert_cmphex(rd32(&g, mods), ==, 0x204000);
    g_assert_cmphex(rd32(&g, mods + 4), ==, 0x204000 + 5000);
    char *s1 = g_strdup_printf("%s arg1 arg2", m1);
    g_assert_cmpstr((const char *)g.ram + rd32(&g, mods + 8), ==, s1);
    g_assert_cmphex(rd32(&g, mods + 16), ==, 0x206000);
    g_assert_cmphex(rd32(&g, mods + 20), ==, 0x206003);
    g_assert_cmpstr((const char *)g.ram + rd32(&g, mods + 24), ==, m2);
    for (int i = 0; i < 5000; i++) {
        g_assert_cmpuint(g.ram[0x204000 + i], ==, (uint8_t)(i * 13 + 0x33));
    }
    g_assert_cmpuint(g.ram[0x206002], ==, (uint8_t)(2 * 13 + 0x44));

    /* mmap: one 24-byte entry (size 20) per e820 entry. */
    g_assert_cmpuint(rd32(&g, mbi + 44), ==, 24u * g.nr_e820);
    uint32_t mmap = rd32(&g, mbi + 48);
    for (int i = 0; i < g.nr_e820; i++) {
        uint64_t e = mmap + 24ull * i;
        g_assert_cmpuint(rd32(&g, e), ==, 20);
        g_assert_cmphex(rd64(&g, e + 4), ==, g.e820[i].addr);
        g_assert_cmphex(rd64(&g, e + 12), ==, g.e820[i].size);
        g_assert_cmpuint(rd32(&g, e + 20), ==, g.e820[i].type);
    }

    /* Everything the info points at stays inside the info area. */
    g_assert_cmpuint(mmap, >=, MB_INFO_ADDR);
    g_assert_cmpuint(mods, <, MB_INFO_LIMIT);

    /* Reset: same bytes, same state. */
    uint8_t *first = g_memdup2(g.ram, g.ram_size);
    memset(g.ram, 0x5a, g.ram_size);
    memset(g.ram, 0, g.ram_size);
    X86State s2;
    char err[256];
    g_assert_cmpint(loader_install(l, &g.mem, g.e820, g.nr_e820, &s2, err, sizeof(err)), ==, 0);
    g_assert_true(memcmp(first, g.ram, g.ram_size) == 0);
    g_assert_false(x86_state_diff(&s, &s2, err, sizeof(err)));

    g_free(first);
    g_free(cmdline);
    g_free(s1);
    loader_free(l);
    guest_destroy(&g);
    g_free(initrd);
}

/* Spec 3.1.3: a flat binary described by the header's address fields. */
static void make_aout(uint8_t *file, size_t size, uint32_t header_off, uint32_t load_addr,
                      uint32_t load_end, uint32_t bss_end, uint32_t entry)
{
    for (size_t i = 0; i < size; i++) {
        file[i] = (uint8_t)(i ^ 0x5c);
    }
    uint8_t *h = file + header_off;
    put_mb_header(h, 1u << 16);
    loader_st32(h + 12, load_addr + header_off);     /* header_addr */
    loader_st32(h + 16, load_addr);
    loader_st32(h + 20, load_end);
    loader_st32(h + 24, bss_end);
    loader_st32(h + 28, entry);
}

static void test_multiboot_aout(void)
{
    uint8_t file[0x2000];
    make_aout(file, sizeof(file), 0x40, 0x400000, 0x401800, 0x404000, 0x400100);
    const char *kernel = write_tmp("mb-aout", file, sizeof(file));
    Options o = options(kernel, NULL, NULL);
    TestGuest g;
    guest_init(&g, RAM_SIZE);
    memset(g.ram + 0x400000, 0xcc, 0x5000);
    X86State s;
    Loader *l = load_ok(&o, &g, &s);
    check_mb_entry_state(&g, &s, 0x400100);
    g_assert_cmpmem(g.ram + 0x400000, 0x1800, file, 0x1800);   /* up to load_end only */
    for (int i = 0x1800; i < 0x4000; i++) {
        g_assert_cmpuint(g.ram[0x400000 + i], ==, 0);
    }
    g_assert_cmpuint(g.ram[0x404000], ==, 0xcc);                /* past bss_end: untouched */
    g_assert_cmpuint(rd32(&g, MB_INFO_ADDR + 20), ==, 0);       /* no modules */
    g_assert_cmpstr((const char *)g.ram + rd32(&g, MB_INFO_ADDR + 16), ==, kernel);
    loader_free(l);

    /* load_end_addr 0 = the rest of the file; bss_end 0 = no bss; header not at the start. */
    make_aout(file, sizeof(file), 0x800, 0x300000, 0, 0, 0x300004);
    const char *kernel2 = write_tmp("mb-aout2", file, sizeof(file));
    o = options(kernel2, NULL, "");
    memset(g.ram, 0, g.ram_size);
    l = load_ok(&o, &g, &s);
    g_assert_cmpmem(g.ram + 0x300000, sizeof(file), file, sizeof(file));
    g_assert_cmphex(s.rip, ==, 0x300004);
    g_assert_cmpstr((const char *)g.ram + rd32(&g, MB_INFO_ADDR + 16), ==, kernel2);
    loader_free(l);

    guest_destroy(&g);
}

static void aout_fails(const char *name, uint32_t header_off, uint32_t load_addr,
                       uint32_t header_addr_delta, uint32_t load_end, uint32_t bss_end,
                       uint32_t entry, const char *expected)
{
    uint8_t file[0x2000];
    make_aout(file, sizeof(file), header_off, load_addr, load_end, bss_end, entry);
    loader_st32(file + header_off + 12, load_addr + header_off + header_addr_delta);
    const char *kernel = write_tmp(name, file, sizeof(file));
    Options o = options(kernel, NULL, NULL);
    open_fails(&o, RAM_SIZE, expected);
}

static void test_multiboot_errors(void)
{
    /* a.out kludge: each address checked against the file and RAM. */
    aout_fails("aout-load-end", 0x40, 0x400000, 0, 0x403000, 0, 0x400100,
               "load_end_addr 0x403000 is outside the file");
    aout_fails("aout-before-file", 0x40, 0x400000, 0x100, 0, 0, 0x400100,
               "does not match header_addr");
    aout_fails("aout-entry", 0x40, 0x400000, 0, 0x401000, 0, 0x401000,
               "entry_addr 0x401000 is outside the loaded image");
    aout_fails("aout-bss", 0x40, 0x400000, 0, 0x401000, 0x400800, 0x400100,
               "bss_end_addr 0x400800 is below the end");
    aout_fails("aout-no-ram", 0x40, 0x8000000, 0, 0, 0, 0x8000100,
               "segment [0x8000000, 0x8002000) is not in usable guest RAM");
    aout_fails("aout-hole", 0x40, 0xa0000, 0, 0, 0, 0xa0100, "is not in usable guest RAM");
    aout_fails("aout-info", 0x40, 0x8000, 0, 0, 0, 0x8100, "is not in usable guest RAM");
    aout_fails("aout-wrap", 0x40, 0xfffff000, 0, 0, 0, 0xfffff100,
               "is not in usable guest RAM");

    /* Header truncated by the end of the file: flag 16 needs 32 bytes. */
    uint8_t tiny[0x50];
    memset(tiny, 0, sizeof(tiny));
    put_mb_header(tiny + 0x40, 1u << 16);
    const char *path = write_tmp("mb-tiny", tiny, sizeof(tiny));
    Options o = options(path, NULL, NULL);
    open_fails(&o, RAM_SIZE, "multiboot header truncated");

    /* Bad checksum. */
    Mb32 k;
    make_mb_elf32(&k, 0x3);
    loader_st32(k.file + 0x80 + 8, 0x12345678);
    path = write_tmp("mb-cksum", k.file, sizeof(k.file));
    o = options(path, NULL, NULL);
    open_fails(&o, RAM_SIZE, "multiboot header has a bad checksum");

    /* A required feature we lack (flag bit 5). */
    make_mb_elf32(&k, 0x3 | (1u << 5));
    path = write_tmp("mb-flags", k.file, sizeof(k.file));
    o = options(path, NULL, NULL);
    open_fails(&o, RAM_SIZE, "requires features tandem lacks (flags 0x20)");

    /* ELF problems. */
    struct {
        const char *name;
        void (*mutate)(Mb32 *k);
        const char *expected;
    } cases[] = {
        { "mb-seg-file", NULL, "segment 1 [0x1200, +0x2000) is outside the file" },
        { "mb-seg-ram", NULL, "is not in usable guest RAM" },
        { "mb-filesz", NULL, "filesz 0x200 > memsz 0x100" },
        { "mb-entry", NULL, "entry point 0x12345 is not in a loaded segment" },
        { "mb-phoff", NULL, "program headers are missing or outside the file" },
        { "mb-class64", NULL, "ELF64 multiboot kernel not supported" },
        { "mb-machine", NULL, "not a 32-bit little-endian i386 executable" },
        { "mb-noload", NULL, "no loadable segment" },
        { "mb-notelf", NULL, "is not ELF and has no a.out kludge" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        make_mb_elf32(&k, 0x3);
        switch (i) {
        case 0: mb_phdr(&k, 1)->p_filesz = 0x2000; mb_phdr(&k, 1)->p_memsz = 0x3000; break;
        case 1: mb_phdr(&k, 1)->p_paddr = 0xfee00000; break;
        case 2: mb_phdr(&k, 0)->p_memsz = 0x100; break;
        case 3: mb_ehdr(&k)->e_entry = 0x12345; break;
        case 4: mb_ehdr(&k)->e_phoff = 0x12f0; break;
        case 5: k.file[EI_CLASS] = ELFCLASS64; break;
        case 6: mb_ehdr(&k)->e_machine = EM_ARM; break;
        case 7: for (int j = 0; j < 3; j++) mb_phdr(&k, j)->p_type = PT_NOTE; break;
        case 8: k.file[1] = 'X'; break;
        }
        path = write_tmp(cases[i].name, k.file, sizeof(k.file));
        o = options(path, NULL, NULL);
        open_fails(&o, RAM_SIZE, cases[i].expected);
    }

    /* Modules: a missing file, an empty name, one too big for RAM. */
    make_mb_elf32(&k, 0x3);
    const char *kernel = write_tmp("mb-ok", k.file, sizeof(k.file));
    const char *missing = tmp_path("no-such-module");
    char *initrd = g_strdup_printf("%s some args", missing);
    o = options(kernel, initrd, NULL);
    char *expected = g_strdup_printf("cannot open multiboot module '%s': No such file or directory",
                                     missing);
    open_fails(&o, RAM_SIZE, expected);
    g_free(expected);
    g_free(initrd);

    const char *mod = make_pattern_file("mod-ok", 100, 0);
    initrd = g_strdup_printf("%s,", mod);
    o = options(kernel, initrd, NULL);
    open_fails(&o, RAM_SIZE, "empty multiboot module name");
    g_free(initrd);

    const char *bigmod = make_pattern_file("mod-big", 3 * MiB, 0);
    o = options(kernel, bigmod, NULL);
    open_fails(&o, 4 * MiB, "multiboot module");
    open_fails(&o, 4 * MiB, "does not fit in guest RAM");

    /* A command line that would push the info area into the kernel's way. */
    char *huge = g_malloc(700 * 1024);
    memset(huge, 'x', 700 * 1024 - 1);
    huge[700 * 1024 - 1] = '\0';
    o = options(kernel, NULL, huge);
    open_fails(&o, RAM_SIZE, "tandem has room for");
    g_free(huge);

}

/* ---- Linux ELF vmlinux ---- */

/*
 * An x86-64 vmlinux in miniature, linked like Linux's: virtual addresses in
 * the kernel map, physical ones from 16 MiB, e_entry physical.
 *   segment 0  text  file 0x1000, 0x600 bytes   -> paddr 0x1000000
 *   segment 1  data  file 0x1600, 0x100 bytes   -> paddr 0x1200000, bss up to 0x3000
 *   segment 2  a PT_NOTE (ignored)
 *   entry      0x1000040
 */
#define VM_PHOFF      sizeof(Elf64_Ehdr)
#define VM_PHNUM      3
#define VM_TEXT       0x1000000ull
#define VM_DATA       0x1200000ull
#define VM_VIRT(pa)   (0xffffffff80000000ull + (pa))

typedef struct Vmlinux {
    _Alignas(8) uint8_t file[0x1700];
} Vmlinux;

static Elf64_Ehdr *vm_ehdr(Vmlinux *k)
{
    return (Elf64_Ehdr *)k->file;
}

static Elf64_Phdr *vm_phdr(Vmlinux *k, int i)
{
    return (Elf64_Phdr *)(k->file + VM_PHOFF + i * sizeof(Elf64_Phdr));
}

static uint8_t vm_byte(size_t file_offset)
{
    return (uint8_t)(file_offset * 11 + 5);
}

static void make_vmlinux(Vmlinux *k)
{
    memset(k, 0, sizeof(*k));
    Elf64_Ehdr *eh = vm_ehdr(k);
    memcpy(eh->e_ident, ELFMAG, SELFMAG);
    eh->e_ident[EI_CLASS] = ELFCLASS64;
    eh->e_ident[EI_DATA] = ELFDATA2LSB;
    eh->e_ident[EI_VERSION] = EV_CURRENT;
    eh->e_type = ET_EXEC;
    eh->e_machine = EM_X86_64;
    eh->e_version = EV_CURRENT;
    eh->e_entry = VM_TEXT + 0x40;
    eh->e_phoff = VM_PHOFF;
    eh->e_ehsize = sizeof(Elf64_Ehdr);
    eh->e_phentsize = sizeof(Elf64_Phdr);
    eh->e_phnum = VM_PHNUM;
    *vm_phdr(k, 0) = (Elf64_Phdr){
        .p_type = PT_LOAD, .p_flags = PF_R | PF_X, .p_offset = 0x1000,
        .p_vaddr = VM_VIRT(VM_TEXT), .p_paddr = VM_TEXT, .p_filesz = 0x600, .p_memsz = 0x600,
        .p_align = 0x200000,
    };
    *vm_phdr(k, 1) = (Elf64_Phdr){
        .p_type = PT_LOAD, .p_flags = PF_R | PF_W, .p_offset = 0x1600,
        .p_vaddr = VM_VIRT(VM_DATA), .p_paddr = VM_DATA, .p_filesz = 0x100, .p_memsz = 0x3000,
        .p_align = 0x200000,
    };
    *vm_phdr(k, 2) = (Elf64_Phdr){
        .p_type = PT_NOTE, .p_offset = 0x7fffffff, .p_paddr = 0x10, .p_filesz = 0x10,
        .p_memsz = 0x10,   /* outside the file and RAM: must not matter */
    };
    for (size_t i = 0x1000; i < sizeof(k->file); i++) {
        k->file[i] = vm_byte(i);
    }
}

static const char *write_vmlinux(const char *name, Vmlinux *k)
{
    return write_tmp(name, k->file, sizeof(k->file));
}

static void test_vmlinux_boot(void)
{
    Vmlinux k;
    make_vmlinux(&k);
    const char *kernel = write_vmlinux("vmlinux", &k);
    const char *initrd = make_pattern_file("initrd-vm", 10000, 0x11);
    const char *append = "console=ttyS0 reboot=k panic=-1";
    Options o = options(kernel, initrd, append);
    TestGuest g;
    guest_init(&g, RAM_SIZE);
    memset(g.ram + VM_DATA, 0xaa, 0x4000);     /* the bss must come out zero, past it untouched */
    memset(g.ram + VM_TEXT + 0x600, 0xbb, 0x100);
    X86State s;
    Loader *l = load_ok(&o, &g, &s);

    /* Segments at p_paddr, file bytes then zeroes up to memsz. */
    for (size_t i = 0; i < 0x600; i++) {
        g_assert_cmpuint(g.ram[VM_TEXT + i], ==, vm_byte(0x1000 + i));
    }
    g_assert_cmpuint(g.ram[VM_TEXT + 0x600], ==, 0xbb);
    for (size_t i = 0; i < 0x100; i++) {
        g_assert_cmpuint(g.ram[VM_DATA + i], ==, vm_byte(0x1600 + i));
    }
    for (size_t i = 0x100; i < 0x3000; i++) {
        if (g.ram[VM_DATA + i] != 0) {
            g_test_message("bss byte 0x%zx is 0x%x", i, g.ram[VM_DATA + i]);
            g_test_fail();
            break;
        }
    }
    g_assert_cmpuint(g.ram[VM_DATA + 0x3000], ==, 0xaa);

    /* The made-up setup header (boot.rst field meanings). */
    const uint64_t zp = LINUX_ZERO_PAGE_ADDR;
    g_assert_cmphex(loader_le16(g.ram + zp + 0x1fe), ==, 0xaa55);      /* boot_flag */
    g_assert_cmpmem(g.ram + zp + 0x202, 4, "HdrS", 4);                 /* header */
    g_assert_cmphex(loader_le16(g.ram + zp + 0x206), ==, 0x020f);      /* version */
    g_assert_cmphex(rd32(&g, zp + 0x22c), ==, 0x7fffffff);             /* initrd_addr_max */
    g_assert_cmphex(rd32(&g, zp + 0x230), ==, 0x200000);               /* kernel_alignment */
    g_assert_cmpuint(rd32(&g, zp + 0x238), ==, 2047);                  /* cmdline_size */
    g_assert_cmpuint(g.ram[zp + 0x1f1], ==, 0);                        /* no setup sectors */
    check_linux_loader_fields(&g, append, 0x3ffd000, 10000);

    check_linux_entry_state(&g, &s, VM_TEXT + 0x40);

    /* A reset installs the same bytes and the same state. */
    uint8_t *first = g_memdup2(g.ram, g.ram_size);
    memset(g.ram, 0x5a, g.ram_size);
    memcpy(g.ram, first, g.ram_size);
    memset(g.ram + VM_DATA + 0x100, 0x77, 0x2f00);  /* a dirty bss is zeroed again */
    X86State s2;
    char err[256];
    g_assert_cmpint(loader_install(l, &g.mem, g.e820, g.nr_e820, &s2, err, sizeof(err)), ==, 0);
    g_assert_true(memcmp(first, g.ram, g.ram_size) == 0);
    g_assert_false(x86_state_diff(&s, &s2, err, sizeof(err)));
    g_free(first);

    loader_free(l);
    guest_destroy(&g);
}

/* An entry point given virtually runs at its segment's physical address; no initrd. */
static void test_vmlinux_virtual_entry(void)
{
    Vmlinux k;
    make_vmlinux(&k);
    vm_ehdr(&k)->e_entry = VM_VIRT(VM_DATA) + 0x10;
    const char *kernel = write_vmlinux("vmlinux-virt", &k);
    Options o = options(kernel, NULL, NULL);
    TestGuest g;
    guest_init(&g, RAM_SIZE);
    X86State s;
    Loader *l = load_ok(&o, &g, &s);
    g_assert_cmphex(s.rip, ==, VM_DATA + 0x10);
    g_assert_cmpuint(rd32(&g, LINUX_ZERO_PAGE_ADDR + 0x218), ==, 0);    /* no ramdisk */
    g_assert_cmpuint(rd32(&g, LINUX_ZERO_PAGE_ADDR + 0x21c), ==, 0);
    g_assert_cmpstr((const char *)g.ram + 0x20000, ==, "");
    loader_free(l);
    guest_destroy(&g);
}

/* With more than 2 GiB of RAM the initrd stays below initrd_addr_max (0x7fffffff). */
static void test_vmlinux_initrd_addr_max(void)
{
    Vmlinux k;
    make_vmlinux(&k);
    const char *kernel = write_vmlinux("vmlinux-big-ram", &k);
    const char *initrd = make_pattern_file("initrd-vm2", 5000, 0x11);
    Options o = options(kernel, initrd, "x");
    TestGuest g;
    guest_init(&g, 0xa0000000ull);   /* 2.5 GiB, touched only where the loader writes */
    X86State s;
    Loader *l = load_ok(&o, &g, &s);
    check_linux_loader_fields(&g, "x", 0x7ffff000 - 0x1000, 5000);
    loader_free(l);
    guest_destroy(&g);
}

typedef void (*VmlinuxMutation)(Vmlinux *k);

static void vm_truncated_segment(Vmlinux *k) { vm_phdr(k, 1)->p_filesz = 0x200; }
static void vm_offset_wraps(Vmlinux *k) { vm_phdr(k, 1)->p_offset = UINT64_MAX - 0x10; }
static void vm_filesz_over_memsz(Vmlinux *k) { vm_phdr(k, 0)->p_memsz = 0x500; }
static void vm_overlap(Vmlinux *k) { vm_phdr(k, 1)->p_paddr = VM_TEXT + 0x5ff; }
static void vm_past_ram(Vmlinux *k) { vm_phdr(k, 1)->p_paddr = RAM_SIZE - 0x1000; }
static void vm_in_hole(Vmlinux *k) { vm_phdr(k, 1)->p_paddr = 0xfee00000; }
static void vm_low(Vmlinux *k) { vm_phdr(k, 1)->p_paddr = 0x8000; }
static void vm_wraps(Vmlinux *k) { vm_phdr(k, 1)->p_paddr = UINT64_MAX - 0x1000; }
static void vm_above_4g(Vmlinux *k) { vm_phdr(k, 1)->p_paddr = 0x100000000ull; }
static void vm_phdrs_outside(Vmlinux *k) { vm_ehdr(k)->e_phoff = sizeof(k->file) - 0x40; }
static void vm_phnum_zero(Vmlinux *k) { vm_ehdr(k)->e_phnum = 0; }
static void vm_phentsize(Vmlinux *k) { vm_ehdr(k)->e_phentsize = 32; }
static void vm_no_load(Vmlinux *k) { vm_phdr(k, 0)->p_type = vm_phdr(k, 1)->p_type = PT_NOTE; }
static void vm_entry_outside(Vmlinux *k) { vm_ehdr(k)->e_entry = VM_TEXT + 0x600; }
static void vm_entry_in_bss(Vmlinux *k) { vm_ehdr(k)->e_entry = VM_VIRT(VM_DATA) + 0x200; }
static void vm_dyn(Vmlinux *k) { vm_ehdr(k)->e_type = ET_DYN; }
static void vm_em_386(Vmlinux *k) { vm_ehdr(k)->e_machine = EM_386; }
static void vm_big_endian(Vmlinux *k) { k->file[EI_DATA] = ELFDATA2MSB; }

static void test_vmlinux_errors(void)
{
    static const struct {
        const char *name;
        VmlinuxMutation mutate;
        const char *expected;
    } cases[] = {
        { "vm-trunc-seg", vm_truncated_segment,
          "ELF segment 1 [0x1600, +0x200) is outside the file (5888 bytes)" },
        { "vm-offset-wrap", vm_offset_wraps, "ELF segment 1 [0xffffffffffffffef, +0x100) is "
          "outside the file" },
        { "vm-filesz", vm_filesz_over_memsz, "ELF segment 0 has filesz 0x600 > memsz 0x500" },
        { "vm-overlap", vm_overlap, "ELF segment 1 [0x10005ff, +0x3000) overlaps an earlier one "
          "at [0x1000000, +0x600)" },
        { "vm-past-ram", vm_past_ram, "ELF segment 1 [0x3fff000, +0x3000) is not in guest RAM, "
          "which ends at 0x4000000 below 4 GiB; use a larger -m" },
        { "vm-hole", vm_in_hole, "ELF segment 1 [0xfee00000, +0x3000) is not in guest RAM" },
        { "vm-low", vm_low, "ELF segment 1 at 0x8000 is below 1 MiB" },
        { "vm-wrap", vm_wraps, "ELF segment 1 [0xffffffffffffefff, +0x3000) is not in guest RAM" },
        { "vm-4g", vm_above_4g, "ELF segment 1 [0x100000000, +0x3000) is not in guest RAM" },
        { "vm-phoff", vm_phdrs_outside, "ELF program headers are missing or outside the file" },
        { "vm-phnum", vm_phnum_zero, "ELF program headers are missing or outside the file" },
        { "vm-phentsize", vm_phentsize, "ELF program headers are missing or outside the file" },
        { "vm-noload", vm_no_load, "ELF has no loadable segment" },
        { "vm-entry", vm_entry_outside, "ELF entry point 0x1000600 is not in a loaded segment" },
        { "vm-entry-bss", vm_entry_in_bss, "ELF entry point 0xffffffff81200200 is not in a "
          "loaded segment" },
        { "vm-dyn", vm_dyn, "x86-64 ELF of type 3 is not an executable vmlinux (ET_EXEC)" },
        { "vm-386", vm_em_386, "not a bzImage, multiboot kernel or x86-64 vmlinux (an ELF64 for "
          "another machine or byte order)" },
        { "vm-msb", vm_big_endian, "not a bzImage, multiboot kernel or x86-64 vmlinux (an ELF64 "
          "for another machine or byte order)" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        Vmlinux k;
        make_vmlinux(&k);
        cases[i].mutate(&k);
        Options o = options(write_vmlinux(cases[i].name, &k), NULL, NULL);
        open_fails(&o, RAM_SIZE, cases[i].expected);
    }

    /* The file ends inside the ELF header, or inside a segment. */
    Vmlinux k;
    make_vmlinux(&k);
    Options o = options(write_tmp("vm-short-header", k.file, 40), NULL, NULL);
    open_fails(&o, RAM_SIZE, "truncated ELF header (40 bytes)");
    o = options(write_tmp("vm-short-file", k.file, 0x1650), NULL, NULL);
    open_fails(&o, RAM_SIZE, "ELF segment 1 [0x1600, +0x100) is outside the file (5712 bytes)");

    /* More PT_LOAD entries than the loader keeps (each a page of its own). */
    static _Alignas(8) uint8_t many[0x4000];
    memset(many, 0, sizeof(many));
    memcpy(many, k.file, sizeof(Elf64_Ehdr));
    Elf64_Ehdr *eh = (Elf64_Ehdr *)many;
    eh->e_phnum = 40;
    for (int i = 0; i < 40; i++) {
        Elf64_Phdr *ph = (Elf64_Phdr *)(many + VM_PHOFF + i * sizeof(Elf64_Phdr));
        *ph = (Elf64_Phdr){ .p_type = PT_LOAD, .p_offset = 0x1000, .p_paddr = VM_TEXT + 0x1000 * i,
                            .p_filesz = 0x100, .p_memsz = 0x1000 };
    }
    o = options(write_tmp("vm-many", many, sizeof(many)), NULL, NULL);
    open_fails(&o, RAM_SIZE, "more than 32 loadable ELF segments");

    /* Command line past x86's COMMAND_LINE_SIZE; 2047 bytes is fine. */
    const char *kernel = write_vmlinux("vm-ok", &k);
    char cmdline[2049];
    memset(cmdline, 'c', 2048);
    cmdline[2048] = '\0';
    o = options(kernel, NULL, cmdline);
    open_fails(&o, RAM_SIZE, "command line is 2048 bytes, the kernel accepts at most 2047");
    cmdline[2047] = '\0';
    o = options(kernel, NULL, cmdline);
    char err[256];
    Loader *l = loader_open(&o, RAM_SIZE, 0, err, sizeof(err));
    g_assert_nonnull(l);
    loader_free(l);

    /* The initrd must sit above the kernel's end (the data's bss ends at 0x3f83000 here). */
    make_vmlinux(&k);
    vm_phdr(&k, 1)->p_paddr = 0x3f80000;
    const char *high = write_vmlinux("vm-high", &k);
    const char *small = make_pattern_file("initrd-vm-small", 0x80000, 3);
    o = options(high, small, NULL);
    open_fails(&o, RAM_SIZE, "does not fit in guest RAM between the kernel (ends at 0x3f83000) "
               "and 0x4000000");
    const char *tiny = make_pattern_file("initrd-vm-tiny", 0x7d000, 3);
    o = options(high, tiny, NULL);
    l = loader_open(&o, RAM_SIZE, 0, err, sizeof(err));
    g_assert_nonnull(l);
    loader_free(l);
}

/* Planned for 64 MiB, installed into 16 MiB: an error line, no write past RAM. */
static void test_vmlinux_install_smaller_ram(void)
{
    Vmlinux k;
    make_vmlinux(&k);
    Options o = options(write_vmlinux("vm-shrink", &k), NULL, NULL);
    char err[256] = "";
    Loader *l = loader_open(&o, RAM_SIZE, 0, err, sizeof(err));
    g_assert_nonnull(l);
    TestGuest g;
    guest_init(&g, 16 * MiB);
    X86State s;
    g_assert_cmpint(loader_install(l, &g.mem, g.e820, g.nr_e820, &s, err, sizeof(err)), ==, -1);
    g_assert_nonnull(strstr(err, "vmlinux segment at [0x1000000, 0x1000600) is not in guest RAM"));
    loader_free(l);
    guest_destroy(&g);
}

/* ---- robustness: mangled headers never crash, and a failure always says why ---- */

static uint32_t lcg_next(uint32_t *state)
{
    *state = *state * 1664525u + 1013904223u;
    return *state >> 8;
}

/* Returns how many mangled images loaded; the rest must have failed with a message. */
static int try_mangled(const uint8_t *image, size_t size, size_t hot_len, uint32_t *seed,
                       TestGuest *g, int rounds)
{
    int loaded = 0;
    uint8_t *copy = g_malloc(size);
    const char *path = tmp_path("mangled");
    for (int r = 0; r < rounds; r++) {
        memcpy(copy, image, size);
        int flips = 1 + lcg_next(seed) % 8;
        for (int f = 0; f < flips; f++) {
            copy[lcg_next(seed) % hot_len] = (uint8_t)lcg_next(seed);
        }
        size_t len = (lcg_next(seed) % 8 == 0) ? lcg_next(seed) % size : size;
        write_tmp("mangled", copy, len);
        Options o = options(path, NULL, "console=ttyS0");
        char err[512] = "";
        Loader *l = loader_open(&o, g->ram_size, 0, err, sizeof(err));
        if (!l) {
            g_assert_cmpuint(strlen(err), >, 0);
            continue;
        }
        X86State s;
        err[0] = '\0';
        if (loader_install(l, &g->mem, g->e820, g->nr_e820, &s, err, sizeof(err)) != 0) {
            g_assert_cmpuint(strlen(err), >, 0);
        } else {
            loaded++;
        }
        loader_free(l);
    }
    g_free(copy);
    return loaded;
}

/* Both paths must be exercised, or the mangling is too gentle or too harsh to mean much. */
static void check_mix(const char *what, int loaded, int rounds)
{
    g_test_message("%s: %d of %d mangled images loaded", what, loaded, rounds);
    g_assert_cmpint(loaded, >, 0);
    g_assert_cmpint(loaded, <, rounds);
}

static void test_mangled_images(void)
{
    TestGuest g;
    guest_init(&g, 48 * MiB);
    uint32_t seed = 12345;

    BzParams p = bz_default();
    const char *bz = make_bzimage("mangle-bz", &p);
    gchar *data;
    gsize size;
    g_assert_true(g_file_get_contents(bz, &data, &size, NULL));
    check_mix("bzImage", try_mangled((const uint8_t *)data, size, 0x270, &seed, &g, 1500), 1500);
    g_free(data);

    Mb32 k;
    make_mb_elf32(&k, 0x3);
    check_mix("multiboot ELF", try_mangled(k.file, sizeof(k.file), 0xc0, &seed, &g, 1500), 1500);

    uint8_t file[0x2000];
    make_aout(file, sizeof(file), 0x40, 0x400000, 0x401800, 0x404000, 0x400100);
    check_mix("multiboot a.out", try_mangled(file, sizeof(file), 0x60, &seed, &g, 1500), 1500);

    /* The ELF header and the program headers of a vmlinux. */
    Vmlinux v;
    make_vmlinux(&v);
    size_t headers = VM_PHOFF + VM_PHNUM * sizeof(Elf64_Phdr);
    check_mix("vmlinux", try_mangled(v.file, sizeof(v.file), headers, &seed, &g, 1500), 1500);

    guest_destroy(&g);
}

/* ---- helpers ---- */

static void test_segment_descriptor(void)
{
    X86Segment seg;
    x86_segment_flat_code(&seg, 0x10, true);
    g_assert_cmphex(loader_segment_descriptor(&seg), ==, 0x00af9b000000ffffull);
    x86_segment_flat_code(&seg, 0x08, false);
    g_assert_cmphex(loader_segment_descriptor(&seg), ==, 0x00cf9b000000ffffull);
    x86_segment_flat_data(&seg, 0x18);
    g_assert_cmphex(loader_segment_descriptor(&seg), ==, 0x00cf93000000ffffull);
    /* Byte-granular limit, base split across the descriptor (SDM vol. 3A figure 3-8). */
    memset(&seg, 0, sizeof(seg));
    seg.base = 0x12345678;
    seg.limit = 0xabcde;
    seg.type = 0x2;
    seg.s = 1;
    seg.dpl = 3;
    seg.present = 1;
    g_assert_cmphex(loader_segment_descriptor(&seg), ==, 0x120af2345678bcdeull);
}

static void test_ranges(void)
{
    g_assert_true(loader_ranges_overlap(0x1000, 0x1000, 0x1fff, 1));
    g_assert_false(loader_ranges_overlap(0x1000, 0x1000, 0x2000, 1));
    g_assert_false(loader_ranges_overlap(0x1000, 0, 0x1000, 0x10));
    g_assert_true(loader_range_in_pc_ram(0, 0x9fc00, 16 * MiB));
    g_assert_false(loader_range_in_pc_ram(0x9f000, 0x1000, 16 * MiB));
    g_assert_true(loader_range_in_pc_ram(0x100000, 15 * MiB, 16 * MiB));
    g_assert_false(loader_range_in_pc_ram(0x100000, 15 * MiB + 1, 16 * MiB));
    g_assert_false(loader_range_in_pc_ram(0xfffffffffffff000ull, 0x2000, 16 * MiB));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    GError *error = NULL;
    tmpdir = g_dir_make_tmp("tandem-loader-XXXXXX", &error);
    tmp_paths = g_ptr_array_new_with_free_func(g_free);
    if (!tmpdir) {
        g_error("cannot make a temporary directory: %s", error->message);
    }
    g_test_add_func("/loader/helpers/segment-descriptor", test_segment_descriptor);
    g_test_add_func("/loader/helpers/ranges", test_ranges);
    g_test_add_func("/loader/linux/boot", test_linux_boot);
    g_test_add_func("/loader/linux/default-load", test_linux_default_load);
    g_test_add_func("/loader/linux/reinstall", test_linux_reinstall);
    g_test_add_func("/loader/linux/errors", test_linux_errors);
    g_test_add_func("/loader/linux/install-smaller-ram", test_install_smaller_ram);
    g_test_add_func("/loader/vmlinux/boot", test_vmlinux_boot);
    g_test_add_func("/loader/vmlinux/virtual-entry", test_vmlinux_virtual_entry);
    g_test_add_func("/loader/vmlinux/initrd-addr-max", test_vmlinux_initrd_addr_max);
    g_test_add_func("/loader/vmlinux/errors", test_vmlinux_errors);
    g_test_add_func("/loader/vmlinux/install-smaller-ram", test_vmlinux_install_smaller_ram);
    g_test_add_func("/loader/not-a-kernel", test_not_a_kernel);
    g_test_add_func("/loader/multiboot/elf", test_multiboot_elf);
    g_test_add_func("/loader/multiboot/aout", test_multiboot_aout);
    g_test_add_func("/loader/multiboot/errors", test_multiboot_errors);
    g_test_add_func("/loader/mangled-images", test_mangled_images);
    int ret = g_test_run();
    /* Remove what the tests wrote. */
    GDir *dir = g_dir_open(tmpdir, 0, NULL);
    const char *name;
    while (dir && (name = g_dir_read_name(dir))) {
        g_unlink(tmp_path(name));
    }
    if (dir) {
        g_dir_close(dir);
    }
    g_rmdir(tmpdir);
    g_free(tmpdir);
    g_ptr_array_unref(tmp_paths);
    return ret;
}
