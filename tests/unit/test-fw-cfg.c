/* Unit tests of fw_cfg: items through the selector/data ports, the file directory, the DMA interface. */
#include <glib.h>
#include <string.h>

#include "hw/fw_cfg.h"

#define RAM_SIZE 0x100000u

typedef struct Fixture {
    AddressSpace io, mem;
    uint8_t *ram;
    FwCfg *f;
} Fixture;

static void fixture_init(Fixture *x)
{
    memset(x, 0, sizeof(*x));
    address_space_init(&x->io, "io", 0x10000);
    address_space_init(&x->mem, "memory", 1ull << 40);
    x->ram = g_malloc0(RAM_SIZE);
    g_assert_cmpint(address_space_add_ram(&x->mem, "ram", 0, RAM_SIZE, x->ram), ==, 0);
    x->f = fw_cfg_new(&x->io, &x->mem);
}

static void fixture_fini(Fixture *x)
{
    fw_cfg_free(x->f);
    address_space_destroy(&x->io);
    address_space_destroy(&x->mem);
    g_free(x->ram);
}

/* What firmware does: outw(key, 0x510), then inb(0x511) n times. */
static void read_item(Fixture *x, uint16_t key, void *buf, size_t n)
{
    address_space_write(&x->io, 0x510, key, 2);
    for (size_t i = 0; i < n; i++) {
        ((uint8_t *)buf)[i] = address_space_read(&x->io, 0x511, 1);
    }
}

static uint32_t read_u32(Fixture *x, uint16_t key)
{
    uint8_t b[4];
    read_item(x, key, b, 4);
    return b[0] | b[1] << 8 | b[2] << 16 | (uint32_t)b[3] << 24;
}

static uint16_t read_u16(Fixture *x, uint16_t key)
{
    uint8_t b[2];
    read_item(x, key, b, 2);
    return b[0] | b[1] << 8;
}

static uint32_t be32_at(const uint8_t *p) { return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3]; }

static void test_signature_and_id(void)
{
    Fixture x;
    fixture_init(&x);
    char sig[6] = { 0 };
    read_item(&x, FW_CFG_SIGNATURE, sig, 5);
    g_assert_cmpmem(sig, 5, "QEMU\0", 5);                  /* past the end: 0 */
    g_assert_cmphex(read_u32(&x, FW_CFG_ID), ==, 3);       /* traditional + DMA */
    read_item(&x, 0x4000 | FW_CFG_SIGNATURE, sig, 4);      /* bit 14 is ignored */
    g_assert_cmpmem(sig, 4, "QEMU", 4);
    /* An 8-bit read of the selector port reads data too, as in QEMU. */
    address_space_write(&x.io, 0x510, FW_CFG_SIGNATURE, 2);
    g_assert_cmphex(address_space_read(&x.io, 0x510, 1), ==, 'Q');
    g_assert_cmphex(address_space_read(&x.io, 0x511, 1), ==, 'E');
    fixture_fini(&x);
}

static void test_unknown_and_unselected(void)
{
    Fixture x;
    fixture_init(&x);
    g_assert_cmphex(address_space_read(&x.io, 0x511, 1), ==, 0);    /* nothing selected */
    g_assert_cmphex(read_u32(&x, 0x1234), ==, 0);
    g_assert_cmphex(read_u32(&x, 0x8123), ==, 0);
    /* Data writes and byte writes of the selector are ignored. */
    address_space_write(&x.io, 0x510, FW_CFG_SIGNATURE, 2);
    address_space_write(&x.io, 0x511, 0x55, 1);
    address_space_write(&x.io, 0x510, FW_CFG_ID, 1);
    g_assert_cmphex(address_space_read(&x.io, 0x511, 1), ==, 'Q');
    /* Reselecting rewinds. */
    address_space_write(&x.io, 0x510, FW_CFG_SIGNATURE, 2);
    g_assert_cmphex(address_space_read(&x.io, 0x511, 1), ==, 'Q');
    /* A reset deselects. */
    fw_cfg_reset(x.f);
    g_assert_cmphex(address_space_read(&x.io, 0x511, 1), ==, 0);
    fixture_fini(&x);
}

static void test_pc_items(void)
{
    Fixture x;
    fixture_init(&x);
    Machine *m = g_new0(Machine, 1);
    m->nr_vcpus = 3;
    m->ram_below_4g = 0xc0000000ull;
    m->ram_above_4g = 0x40000000ull;
    machine_add_e820(m, 0, 0x9fc00, E820_RAM);
    machine_add_e820(m, 0xf0000, 0x10000, E820_RESERVED);
    machine_add_e820(m, 0x100000000ull, 0x40000000ull, E820_RAM);
    fw_cfg_add_pc_items(x.f, m);

    g_assert_cmpuint(read_u16(&x, FW_CFG_NB_CPUS), ==, 3);
    g_assert_cmpuint(read_u16(&x, FW_CFG_MAX_CPUS), ==, 3);
    uint8_t b[8];
    read_item(&x, FW_CFG_RAM_SIZE, b, 8);
    g_assert_cmpuint(b[4], ==, 1);                          /* 4 GiB, little-endian */
    g_assert_cmpuint(b[0] | b[1] | b[2] | b[3] | b[5] | b[6] | b[7], ==, 0);
    g_assert_cmpuint(read_u32(&x, FW_CFG_IRQ0_OVERRIDE), ==, 1);

    uint8_t dir[4 + 64];
    read_item(&x, FW_CFG_FILE_DIR, dir, sizeof(dir));
    g_assert_cmpuint(be32_at(dir), ==, 1);
    g_assert_cmpuint(be32_at(dir + 4), ==, 60);             /* 3 entries of 20 bytes */
    g_assert_cmpuint(dir[8] << 8 | dir[9], ==, FW_CFG_FILE_FIRST);
    g_assert_cmpstr((char *)dir + 12, ==, "etc/e820");

    uint8_t e820[60];
    read_item(&x, FW_CFG_FILE_FIRST, e820, sizeof(e820));
    static const uint8_t second[20] = {
        0x00, 0x00, 0x0f, 0, 0, 0, 0, 0,     0x00, 0x00, 0x01, 0, 0, 0, 0, 0,     2, 0, 0, 0,
    };
    g_assert_cmpmem(e820 + 20, 20, second, 20);
    g_assert_cmpuint(e820[40 + 4], ==, 1);                  /* third entry at 4 GiB */
    g_assert_cmpuint(e820[40 + 16], ==, E820_RAM);
    g_free(m);
    fixture_fini(&x);
}

static void test_file_directory(void)
{
    Fixture x;
    fixture_init(&x);
    g_assert_cmpint(fw_cfg_add_file(x.f, "opt/b", "bb", 2), ==, 0x20);
    g_assert_cmpint(fw_cfg_add_file(x.f, "etc/a", "a", 1), ==, 0x21);
    g_assert_cmpint(fw_cfg_add_file(x.f, "opt/a", "aaaa", 4), ==, 0x22);
    g_assert_cmpint(fw_cfg_add_file(x.f, "opt/b", "BBB", 3), ==, 0x20);   /* replaced */
    g_assert_cmpint(fw_cfg_add_file(x.f, "", "x", 1), ==, -1);
    char long_name[FW_CFG_MAX_FILE_NAME + 1];
    memset(long_name, 'n', sizeof(long_name) - 1);
    long_name[FW_CFG_MAX_FILE_NAME] = '\0';
    g_assert_cmpint(fw_cfg_add_file(x.f, long_name, "x", 1), ==, -1);
    long_name[FW_CFG_MAX_FILE_NAME - 1] = '\0';                         /* 55 chars: fits */
    g_assert_cmpint(fw_cfg_add_file(x.f, long_name, "x", 1), ==, 0x23);

    uint8_t dir[4 + 4 * 64];
    read_item(&x, FW_CFG_FILE_DIR, dir, sizeof(dir));
    g_assert_cmpuint(be32_at(dir), ==, 4);
    static const struct { const char *name; uint32_t size; uint16_t key; } expect[] = {
        { "etc/a", 1, 0x21 }, { NULL, 1, 0x23 }, { "opt/a", 4, 0x22 }, { "opt/b", 3, 0x20 },
    };
    for (int i = 0; i < 4; i++) {                           /* sorted by name */
        const uint8_t *e = dir + 4 + 64 * i;
        g_assert_cmpuint(be32_at(e), ==, expect[i].size);
        g_assert_cmpuint(e[4] << 8 | e[5], ==, expect[i].key);
        g_assert_cmpstr((const char *)e + 8, ==, expect[i].name ? expect[i].name : long_name);
    }
    char data[4];
    read_item(&x, 0x20, data, 4);
    g_assert_cmpmem(data, 4, "BBB\0", 4);

    for (int i = 4; i < FW_CFG_MAX_FILES; i++) {
        char name[16];
        g_snprintf(name, sizeof(name), "f%d", i);
        g_assert_cmpint(fw_cfg_add_file(x.f, name, name, strlen(name)), ==, 0x20 + i);
    }
    g_assert_cmpint(fw_cfg_add_file(x.f, "one-too-many", "x", 1), ==, -1);
    g_assert_cmpint(fw_cfg_add_file(x.f, "f100", "new", 3), ==, 0x20 + 100);  /* replacing still works */
    fixture_fini(&x);
}

static void test_kernel_items(void)
{
    Fixture x;
    fixture_init(&x);
    FwCfgKernel k = {
        .setup = "SETUP", .setup_size = 5, .setup_addr = 0x10000,
        .kernel = "KERNEL!", .kernel_size = 7, .kernel_addr = 0x100000,
        .initrd = "RD", .initrd_size = 2, .initrd_addr = 0x7f00000,
        .cmdline = "console=ttyS0", .cmdline_addr = 0x20000,
    };
    fw_cfg_add_kernel(x.f, &k);
    g_assert_cmphex(read_u32(&x, FW_CFG_SETUP_ADDR), ==, 0x10000);
    g_assert_cmpuint(read_u32(&x, FW_CFG_SETUP_SIZE), ==, 5);
    g_assert_cmphex(read_u32(&x, FW_CFG_KERNEL_ADDR), ==, 0x100000);
    g_assert_cmpuint(read_u32(&x, FW_CFG_KERNEL_SIZE), ==, 7);
    g_assert_cmphex(read_u32(&x, FW_CFG_INITRD_ADDR), ==, 0x7f00000);
    g_assert_cmpuint(read_u32(&x, FW_CFG_INITRD_SIZE), ==, 2);
    g_assert_cmphex(read_u32(&x, FW_CFG_CMDLINE_ADDR), ==, 0x20000);
    g_assert_cmpuint(read_u32(&x, FW_CFG_CMDLINE_SIZE), ==, 14);
    char buf[16];
    read_item(&x, FW_CFG_SETUP_DATA, buf, 5);
    g_assert_cmpmem(buf, 5, "SETUP", 5);
    read_item(&x, FW_CFG_KERNEL_DATA, buf, 8);
    g_assert_cmpmem(buf, 8, "KERNEL!\0", 8);
    read_item(&x, FW_CFG_INITRD_DATA, buf, 2);
    g_assert_cmpmem(buf, 2, "RD", 2);
    read_item(&x, FW_CFG_CMDLINE_DATA, buf, 14);
    g_assert_cmpstr(buf, ==, "console=ttyS0");

    k.initrd = NULL;
    k.cmdline = NULL;
    fw_cfg_add_kernel(x.f, &k);                             /* replaces the items */
    g_assert_cmpuint(read_u32(&x, FW_CFG_INITRD_SIZE), ==, 0);
    g_assert_cmpuint(read_u32(&x, FW_CFG_CMDLINE_SIZE), ==, 1);
    read_item(&x, FW_CFG_INITRD_DATA, buf, 1);
    g_assert_cmpuint(buf[0], ==, 0);
    fixture_fini(&x);
}

/* ---- DMA ---- */

enum { CTL_ERROR = 1, CTL_READ = 2, CTL_SKIP = 4, CTL_SELECT = 8, CTL_WRITE = 16 };
#define DESC 0x1000u
#define BUF  0x2000u

static void put_be32(uint8_t *p, uint32_t v) { p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v; }

static void put_desc(Fixture *x, uint32_t control, uint32_t len, uint64_t addr)
{
    put_be32(x->ram + DESC, control);
    put_be32(x->ram + DESC + 4, len);
    put_be32(x->ram + DESC + 8, addr >> 32);
    put_be32(x->ram + DESC + 12, (uint32_t)addr);
}

/* Linux's fw_cfg driver: iowrite32be(high, 0x514); iowrite32be(low, 0x518). */
static void start_dma(Fixture *x, uint64_t desc_addr)
{
    address_space_write(&x->io, 0x514, GUINT32_SWAP_LE_BE((uint32_t)(desc_addr >> 32)), 4);
    address_space_write(&x->io, 0x518, GUINT32_SWAP_LE_BE((uint32_t)desc_addr), 4);
}

static uint32_t desc_control(Fixture *x) { return be32_at(x->ram + DESC); }

static void test_dma_signature(void)
{
    Fixture x;
    fixture_init(&x);
    char sig[8];
    for (int i = 0; i < 8; i++) {
        sig[i] = address_space_read(&x.io, 0x514 + i, 1);
    }
    g_assert_cmpmem(sig, 8, "QEMU CFG", 8);
    g_assert_cmphex(address_space_read(&x.io, 0x514, 4), ==, 0x554d4551);   /* "QEMU" */
    g_assert_cmphex(address_space_read(&x.io, 0x518, 4), ==, 0x47464320);   /* " CFG" */
    fixture_fini(&x);
}

static void test_dma_read(void)
{
    Fixture x;
    fixture_init(&x);
    memset(x.ram + BUF, 0xcc, 16);
    put_desc(&x, FW_CFG_SIGNATURE << 16 | CTL_SELECT | CTL_READ, 6, BUF);
    start_dma(&x, DESC);
    g_assert_cmphex(desc_control(&x), ==, 0);
    g_assert_cmpmem(x.ram + BUF, 7, "QEMU\0\0\xcc", 7);          /* past the end: zeroes */

    /* Without SELECT the offset carries on; SKIP moves it. */
    fw_cfg_add_bytes(x.f, 0x42, "0123456789", 10);
    put_desc(&x, 0x42 << 16 | CTL_SELECT | CTL_SKIP, 3, 0);
    start_dma(&x, DESC);
    g_assert_cmphex(desc_control(&x), ==, 0);
    put_desc(&x, CTL_READ, 4, BUF);
    start_dma(&x, DESC);
    g_assert_cmpmem(x.ram + BUF, 4, "3456", 4);
    g_assert_cmphex(address_space_read(&x.io, 0x511, 1), ==, '7');   /* the port shares it */
    put_desc(&x, CTL_SKIP, 100, 0);                               /* skipping past the end */
    start_dma(&x, DESC);
    g_assert_cmphex(address_space_read(&x.io, 0x511, 1), ==, 0);

    /* A 32-bit descriptor address needs only the low write. */
    put_desc(&x, 0x42 << 16 | CTL_SELECT | CTL_READ, 2, BUF + 8);
    address_space_write(&x.io, 0x518, GUINT32_SWAP_LE_BE(DESC), 4);
    g_assert_cmpmem(x.ram + BUF + 8, 2, "01", 2);
    fixture_fini(&x);
}

static void test_dma_errors(void)
{
    Fixture x;
    fixture_init(&x);
    /* A buffer outside RAM: the error bit, nothing written. */
    put_desc(&x, FW_CFG_SIGNATURE << 16 | CTL_SELECT | CTL_READ, 4, RAM_SIZE - 2);
    start_dma(&x, DESC);
    g_assert_cmphex(desc_control(&x), ==, CTL_ERROR);
    put_desc(&x, CTL_READ, 4, 0xfee00000);
    start_dma(&x, DESC);
    g_assert_cmphex(desc_control(&x), ==, CTL_ERROR);
    put_desc(&x, CTL_READ, 0xffffffff, 0x10);
    start_dma(&x, DESC);
    g_assert_cmphex(desc_control(&x), ==, CTL_ERROR);

    /* Writes: nothing is writable. */
    put_desc(&x, FW_CFG_SIGNATURE << 16 | CTL_SELECT | CTL_WRITE, 4, BUF);
    start_dma(&x, DESC);
    g_assert_cmphex(desc_control(&x), ==, CTL_ERROR);
    read_item(&x, FW_CFG_SIGNATURE, x.ram + BUF, 4);
    g_assert_cmpmem(x.ram + BUF, 4, "QEMU", 4);

    /* A descriptor outside RAM (above 4 GiB, or straddling RAM's end) is ignored. */
    start_dma(&x, 0x100001000ull);
    start_dma(&x, RAM_SIZE - 8);
    /* The address register was cleared after each operation. */
    put_desc(&x, FW_CFG_SIGNATURE << 16 | CTL_SELECT | CTL_READ, 4, BUF + 4);
    address_space_write(&x.io, 0x514, GUINT32_SWAP_LE_BE(1), 4);
    fw_cfg_reset(x.f);                                            /* clears the high half */
    address_space_write(&x.io, 0x518, GUINT32_SWAP_LE_BE(DESC), 4);
    g_assert_cmphex(desc_control(&x), ==, 0);
    g_assert_cmpmem(x.ram + BUF + 4, 4, "QEMU", 4);
    fixture_fini(&x);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/fw_cfg/signature-and-id", test_signature_and_id);
    g_test_add_func("/fw_cfg/unknown-and-unselected", test_unknown_and_unselected);
    g_test_add_func("/fw_cfg/pc-items", test_pc_items);
    g_test_add_func("/fw_cfg/file-directory", test_file_directory);
    g_test_add_func("/fw_cfg/kernel-items", test_kernel_items);
    g_test_add_func("/fw_cfg/dma/signature", test_dma_signature);
    g_test_add_func("/fw_cfg/dma/read", test_dma_read);
    g_test_add_func("/fw_cfg/dma/errors", test_dma_errors);
    return g_test_run();
}
