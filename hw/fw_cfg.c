/* fw_cfg: QEMU's firmware configuration interface, port and DMA access to named blobs. */
#include "hw/fw_cfg.h"

#include <assert.h>
#include <glib.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ui/log.h"

/*
 * The interface of QEMU's docs/specs/fw_cfg.rst:
 *
 * - Selector (0x510, 16-bit write): choose an item and rewind its data
 *   offset to 0.  Bit 14 (the old write channel) is ignored: items are
 *   read-only, as in QEMU since 2.4; bit 15 is part of the key.
 * - Data (0x511, 8-bit read): the next byte of the item; past its end, or
 *   with no item selected, 0.  (Like QEMU, an 8-bit read of 0x510 reads data
 *   too.)  Data writes are ignored.
 * - DMA address (0x514-0x51b, big-endian): writing the low half (the write
 *   that covers 0x51b) runs the FWCfgDmaAccess at that guest address and
 *   clears the register; reading it returns "QEMU CFG".  A transfer may
 *   select, read (bytes past the item's end read as 0) or skip; writes are
 *   refused (error bit) since no item is writable.  Both the descriptor and
 *   the buffer must be guest RAM.
 */

#define FW_CFG_WRITE_CHANNEL 0x4000
#define FW_CFG_VERSION_TRADITIONAL (1u << 0)
#define FW_CFG_VERSION_DMA         (1u << 1)
#define FW_CFG_DMA_SIGNATURE "QEMU CFG"
#define FW_CFG_DIR_ENTRY_LEN 64

enum {
    DMA_CTL_ERROR = 1u << 0, DMA_CTL_READ = 1u << 1, DMA_CTL_SKIP = 1u << 2,
    DMA_CTL_SELECT = 1u << 3, DMA_CTL_WRITE = 1u << 4,
};

typedef struct FwCfgItem {
    uint16_t key;
    uint32_t len;
    uint8_t *data;
    char name[FW_CFG_MAX_FILE_NAME];   /* files only, else "" */
} FwCfgItem;

struct FwCfg {
    AddressSpace *mem;
    FwCfgItem *items;
    size_t nr_items;
    int nr_files;
    int cur;                /* index of the selected item, -1 if none */
    uint32_t offset;        /* data offset in it */
    uint8_t dma_addr[8];    /* in port order: big-endian */
};

/* ---- items ---------------------------------------------------------------------- */

static int fw_cfg_find(const FwCfg *f, uint16_t key)
{
    for (size_t i = 0; i < f->nr_items; i++) {
        if (f->items[i].key == key) {
            return (int)i;
        }
    }
    return -1;
}

static FwCfgItem *fw_cfg_item(FwCfg *f, uint16_t key)
{
    int i = fw_cfg_find(f, key);
    if (i >= 0) {
        return &f->items[i];
    }
    f->items = g_renew(FwCfgItem, f->items, f->nr_items + 1);
    FwCfgItem *it = &f->items[f->nr_items++];
    memset(it, 0, sizeof(*it));
    it->key = key;
    return it;
}

void fw_cfg_add_bytes(FwCfg *f, uint16_t key, const void *data, size_t len)
{
    assert(len <= UINT32_MAX);
    FwCfgItem *it = fw_cfg_item(f, key);
    g_free(it->data);
    it->data = len ? g_memdup2(data, len) : NULL;
    it->len = (uint32_t)len;
}

void fw_cfg_add_i16(FwCfg *f, uint16_t key, uint16_t value)
{
    uint16_t le = GUINT16_TO_LE(value);
    fw_cfg_add_bytes(f, key, &le, sizeof(le));
}

void fw_cfg_add_i32(FwCfg *f, uint16_t key, uint32_t value)
{
    uint32_t le = GUINT32_TO_LE(value);
    fw_cfg_add_bytes(f, key, &le, sizeof(le));
}

void fw_cfg_add_i64(FwCfg *f, uint16_t key, uint64_t value)
{
    uint64_t le = GUINT64_TO_LE(value);
    fw_cfg_add_bytes(f, key, &le, sizeof(le));
}

static int compare_item_names(const void *a, const void *b)
{
    const FwCfgItem *const *x = a, *const *y = b;
    return strcmp((*x)->name, (*y)->name);
}

/* FW_CFG_FILE_DIR: be32 count, then per file be32 size, be16 key, u16 0, name[56]. */
static void fw_cfg_rebuild_dir(FwCfg *f)
{
    const FwCfgItem **files = g_new(const FwCfgItem *, f->nr_files ? f->nr_files : 1);
    int n = 0;
    for (size_t i = 0; i < f->nr_items; i++) {
        if (f->items[i].name[0]) {
            files[n++] = &f->items[i];
        }
    }
    qsort(files, n, sizeof(*files), compare_item_names);

    size_t len = 4 + (size_t)n * FW_CFG_DIR_ENTRY_LEN;
    uint8_t *dir = g_malloc0(len);
    uint32_t count_be = GUINT32_TO_BE((uint32_t)n);
    memcpy(dir, &count_be, 4);
    for (int i = 0; i < n; i++) {
        uint8_t *e = dir + 4 + (size_t)i * FW_CFG_DIR_ENTRY_LEN;
        uint32_t size_be = GUINT32_TO_BE(files[i]->len);
        uint16_t key_be = GUINT16_TO_BE(files[i]->key);
        memcpy(e, &size_be, 4);
        memcpy(e + 4, &key_be, 2);
        memcpy(e + 8, files[i]->name, strlen(files[i]->name));
    }
    fw_cfg_add_bytes(f, FW_CFG_FILE_DIR, dir, len);
    g_free(dir);
    g_free(files);
}

int fw_cfg_add_file(FwCfg *f, const char *name, const void *data, size_t len)
{
    size_t name_len = strlen(name);
    if (name_len == 0 || name_len >= FW_CFG_MAX_FILE_NAME) {
        return -1;
    }
    int key = -1;
    for (size_t i = 0; i < f->nr_items; i++) {
        if (strcmp(f->items[i].name, name) == 0) {
            key = f->items[i].key;
        }
    }
    if (key < 0) {
        if (f->nr_files == FW_CFG_MAX_FILES) {
            return -1;
        }
        key = FW_CFG_FILE_FIRST + f->nr_files++;
        strcpy(fw_cfg_item(f, (uint16_t)key)->name, name);
    }
    fw_cfg_add_bytes(f, (uint16_t)key, data, len);
    fw_cfg_rebuild_dir(f);
    return key;
}

/* ---- the machine's items --------------------------------------------------------- */

void fw_cfg_add_pc_items(FwCfg *f, const Machine *m)
{
    enum { E820_ENTRY_LEN = 20 };
    fw_cfg_add_i16(f, FW_CFG_NB_CPUS, (uint16_t)m->nr_vcpus);
    fw_cfg_add_i16(f, FW_CFG_MAX_CPUS, (uint16_t)m->nr_vcpus);
    fw_cfg_add_i64(f, FW_CFG_RAM_SIZE, m->ram_below_4g + m->ram_above_4g);
    fw_cfg_add_i32(f, FW_CFG_IRQ0_OVERRIDE, 1);

    uint8_t table[E820_MAX * E820_ENTRY_LEN];
    for (int i = 0; i < m->nr_e820; i++) {
        uint64_t addr = GUINT64_TO_LE(m->e820[i].addr), size = GUINT64_TO_LE(m->e820[i].size);
        uint32_t type = GUINT32_TO_LE(m->e820[i].type);
        uint8_t *e = table + i * E820_ENTRY_LEN;
        memcpy(e, &addr, 8);
        memcpy(e + 8, &size, 8);
        memcpy(e + 16, &type, 4);
    }
    int r = fw_cfg_add_file(f, "etc/e820", table, (size_t)m->nr_e820 * E820_ENTRY_LEN);
    assert(r >= 0);
    (void)r;
}

void fw_cfg_add_kernel(FwCfg *f, const FwCfgKernel *k)
{
    const char *cmdline = k->cmdline ? k->cmdline : "";
    size_t cmdline_size = strlen(cmdline) + 1;
    assert(k->setup_size <= UINT32_MAX && k->kernel_size <= UINT32_MAX &&
           k->initrd_size <= UINT32_MAX && cmdline_size <= UINT32_MAX);

    fw_cfg_add_i32(f, FW_CFG_SETUP_ADDR, k->setup_addr);
    fw_cfg_add_i32(f, FW_CFG_SETUP_SIZE, (uint32_t)k->setup_size);
    fw_cfg_add_bytes(f, FW_CFG_SETUP_DATA, k->setup, k->setup_size);
    fw_cfg_add_i32(f, FW_CFG_KERNEL_ADDR, k->kernel_addr);
    fw_cfg_add_i32(f, FW_CFG_KERNEL_SIZE, (uint32_t)k->kernel_size);
    fw_cfg_add_bytes(f, FW_CFG_KERNEL_DATA, k->kernel, k->kernel_size);
    fw_cfg_add_i32(f, FW_CFG_INITRD_ADDR, k->initrd ? k->initrd_addr : 0);
    fw_cfg_add_i32(f, FW_CFG_INITRD_SIZE, k->initrd ? (uint32_t)k->initrd_size : 0);
    fw_cfg_add_bytes(f, FW_CFG_INITRD_DATA, k->initrd, k->initrd ? k->initrd_size : 0);
    fw_cfg_add_i32(f, FW_CFG_CMDLINE_ADDR, k->cmdline_addr);
    fw_cfg_add_i32(f, FW_CFG_CMDLINE_SIZE, (uint32_t)cmdline_size);
    fw_cfg_add_bytes(f, FW_CFG_CMDLINE_DATA, cmdline, cmdline_size);
}

/* ---- the selector and data ports ----------------------------------------------------- */

static void fw_cfg_select(FwCfg *f, uint16_t key)
{
    f->cur = fw_cfg_find(f, key & ~FW_CFG_WRITE_CHANNEL);
    f->offset = 0;
}

static uint8_t fw_cfg_read_data_byte(FwCfg *f)
{
    if (f->cur < 0 || f->offset >= f->items[f->cur].len) {
        return 0;
    }
    return f->items[f->cur].data[f->offset++];
}

static uint64_t fw_cfg_ports_read(void *opaque, uint64_t offset, unsigned size)
{
    FwCfg *f = opaque;
    if (size != 1) {
        log_mask(LOG_GUEST_ERROR, "fw_cfg: %u-byte read of port 0x%llx (the data port is 8-bit)\n",
                 size, (unsigned long long)(FW_CFG_PORT_SEL + offset));
        return 0;
    }
    return fw_cfg_read_data_byte(f);
}

static void fw_cfg_ports_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    FwCfg *f = opaque;
    if (offset == 0 && size == 2) {
        fw_cfg_select(f, (uint16_t)value);
        return;
    }
    log_mask(LOG_GUEST_ERROR, "fw_cfg: %u-byte write of 0x%llx to port 0x%llx ignored "
             "(the selector takes 16-bit writes; data writes are not supported)\n",
             size, (unsigned long long)value, (unsigned long long)(FW_CFG_PORT_SEL + offset));
}

static const MemoryRegionOps fw_cfg_ports_ops = {
    .read = fw_cfg_ports_read, .write = fw_cfg_ports_write,
    .valid_min = 1, .valid_max = 2,
};

/* ---- DMA ---------------------------------------------------------------------------------- */

/* Copy up to len bytes of the selected item to guest RAM at addr; past its end, zeroes. */
static bool fw_cfg_dma_read(FwCfg *f, uint64_t addr, uint32_t len)
{
    uint8_t *dest = address_space_ram_ptr(f->mem, addr, len);
    if (!dest) {
        log_mask(LOG_GUEST_ERROR, "fw_cfg: DMA read into 0x%llx+0x%x, which is not RAM\n",
                 (unsigned long long)addr, len);
        return false;
    }
    uint32_t avail = 0;
    if (f->cur >= 0 && f->offset < f->items[f->cur].len) {
        avail = f->items[f->cur].len - f->offset;
    }
    uint32_t n = len < avail ? len : avail;
    if (n) {
        memcpy(dest, f->items[f->cur].data + f->offset, n);
        f->offset += n;
    }
    memset(dest + n, 0, len - n);
    return true;
}

static void fw_cfg_dma_skip(FwCfg *f, uint32_t len)
{
    if (f->cur >= 0) {
        uint32_t avail = f->items[f->cur].len - f->offset;
        f->offset += len < avail ? len : avail;
    }
}

/* Run the FWCfgDmaAccess { be32 control; be32 length; be64 address } at desc_addr. */
static void fw_cfg_dma_transfer(FwCfg *f, uint64_t desc_addr)
{
    uint8_t *desc = address_space_ram_ptr(f->mem, desc_addr, 16);
    if (!desc) {
        log_mask(LOG_GUEST_ERROR, "fw_cfg: DMA descriptor at 0x%llx is not in RAM\n",
                 (unsigned long long)desc_addr);
        return;
    }
    uint32_t control, len;
    uint64_t addr;
    memcpy(&control, desc, 4);
    memcpy(&len, desc + 4, 4);
    memcpy(&addr, desc + 8, 8);
    control = GUINT32_FROM_BE(control);
    len = GUINT32_FROM_BE(len);
    addr = GUINT64_FROM_BE(addr);

    bool ok = true;
    if (control & DMA_CTL_SELECT) {
        fw_cfg_select(f, (uint16_t)(control >> 16));
    }
    if (control & DMA_CTL_READ) {
        ok = fw_cfg_dma_read(f, addr, len);
    } else if (control & DMA_CTL_WRITE) {
        log_mask(LOG_GUEST_ERROR, "fw_cfg: DMA write refused: no item is writable\n");
        ok = false;
    } else if (control & DMA_CTL_SKIP) {
        fw_cfg_dma_skip(f, len);
    }
    uint32_t result = GUINT32_TO_BE(ok ? 0 : DMA_CTL_ERROR);
    memcpy(desc, &result, 4);
}

static uint64_t fw_cfg_dma_port_read(void *opaque, uint64_t offset, unsigned size)
{
    uint64_t value = 0;
    for (unsigned i = 0; i < size; i++) {
        value |= (uint64_t)(uint8_t)FW_CFG_DMA_SIGNATURE[offset + i] << (8 * i);
    }
    return value;
}

static void fw_cfg_dma_port_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    FwCfg *f = opaque;
    for (unsigned i = 0; i < size; i++) {
        f->dma_addr[offset + i] = (uint8_t)(value >> (8 * i));
    }
    if (offset + size == sizeof(f->dma_addr)) {     /* the low half: go */
        uint64_t desc_addr;
        memcpy(&desc_addr, f->dma_addr, 8);
        memset(f->dma_addr, 0, sizeof(f->dma_addr));
        fw_cfg_dma_transfer(f, GUINT64_FROM_BE(desc_addr));
    }
}

static const MemoryRegionOps fw_cfg_dma_ops = {
    .read = fw_cfg_dma_port_read, .write = fw_cfg_dma_port_write,
    .valid_min = 1, .valid_max = 4,
};

/* ---- life ------------------------------------------------------------------------------- */

void fw_cfg_reset(FwCfg *f)
{
    f->cur = -1;
    f->offset = 0;
    memset(f->dma_addr, 0, sizeof(f->dma_addr));
}

FwCfg *fw_cfg_new(AddressSpace *io, AddressSpace *mem)
{
    FwCfg *f = g_new0(FwCfg, 1);
    f->mem = mem;
    fw_cfg_reset(f);
    fw_cfg_add_bytes(f, FW_CFG_SIGNATURE, "QEMU", 4);
    fw_cfg_add_i32(f, FW_CFG_ID, FW_CFG_VERSION_TRADITIONAL | FW_CFG_VERSION_DMA);
    fw_cfg_rebuild_dir(f);          /* an empty directory: count 0 */
    int r = address_space_add_io(io, "fw_cfg", FW_CFG_PORT_SEL, 2, &fw_cfg_ports_ops, f);
    assert(r == 0);
    r = address_space_add_io(io, "fw_cfg-dma", FW_CFG_PORT_DMA, 8, &fw_cfg_dma_ops, f);
    assert(r == 0);
    (void)r;
    return f;
}

void fw_cfg_free(FwCfg *f)
{
    if (!f) {
        return;
    }
    for (size_t i = 0; i < f->nr_items; i++) {
        g_free(f->items[i].data);
    }
    g_free(f->items);
    g_free(f);
}
