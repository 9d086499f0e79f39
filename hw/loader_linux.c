/* Linux bzImage loading (64-bit entry), and the boot-protocol parts the vmlinux loader shares. */
#include "hw/loader.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/boot_pagetables.h"

/*
 * No BIOS and no real-mode setup code: like Firecracker and kvmtool we
 * follow boot.rst's "64-bit boot protocol" section.  The setup header is
 * copied from the image into a zeroed struct boot_params (the zero page),
 * completed with what a boot loader provides (command line, initrd, e820),
 * the protected-mode kernel is copied to its load address, and the CPU
 * starts in long mode at load address + 0x200 (startup_64) with RSI pointing
 * at the zero page, identity paging, and __BOOT_CS/__BOOT_DS in a GDT.
 *
 * This requires boot protocol 2.12 (xloadflags) with XLF_KERNEL_64.  The
 * 16-bit and 32-bit entry points, zImage, EFI handover and setup_data are
 * not used.  The initrd stays below 4 GiB even for XLF_CAN_BE_LOADED_ABOVE_4G.
 *
 * The command line, initrd, zero-page filling and entry state (linux_args_*)
 * are shared with hw/loader_vmlinux.c, which builds its zero page around a
 * setup header of its own instead of the image's.
 */

#define BOOT_PROTOCOL_MIN    0x020c  /* 2.12: xloadflags */
#define XLF_KERNEL_64        0x0001
#define TYPE_OF_LOADER_OTHER 0xff    /* "undefined" boot loader ID */
#define VID_MODE_NORMAL      0xffff
#define HEAP_END_PTR         0xfe00  /* boot.rst: end of setup heap - 0x200 */
#define STARTUP_64_OFFSET    0x200   /* boot.rst: 64-bit entry = load address + 0x200 */
#define LINUX_BOOT_CS        0x10    /* boot.rst: __BOOT_CS */
#define LINUX_BOOT_DS        0x18    /* boot.rst: __BOOT_DS */
#define LINUX_DEFAULT_LOAD   0x100000ull
#define PAGE_MASK_4K         0xfffull

struct LinuxImage {
    LoaderFile kernel;
    LinuxBootArgs args;
    uint32_t hdr_end;           /* the setup header is [HDR_START, hdr_end) of the image */
    uint64_t setup_size;        /* bytes before the protected-mode kernel in the file */
    uint64_t kernel_size;       /* bytes of protected-mode kernel */
    uint64_t load_addr;
    uint64_t kernel_end;        /* end of what the kernel occupies while decompressing */
};

bool linux_probe(const LoaderFile *kernel)
{
    return kernel->size >= HDR_MAGIC + 4 && memcmp(kernel->data + HDR_MAGIC, "HdrS", 4) == 0;
}

static uint64_t align_up(uint64_t v, uint64_t align)
{
    return (v + align - 1) & ~(align - 1);
}

static bool is_power_of_2(uint64_t v)
{
    return v && !(v & (v - 1));
}

/* boot.rst: the header ends at 0x202 + the byte at 0x201 (the jump's displacement). */
static int check_setup_header(LinuxImage *img, const char *path, char *err, size_t errlen)
{
    const uint8_t *d = img->kernel.data;
    unsigned setup_sects = d[HDR_SETUP_SECTS] ? d[HDR_SETUP_SECTS] : 4;   /* 0 means 4 */
    img->setup_size = (setup_sects + 1) * 512ull;
    if (img->kernel.size < img->setup_size) {
        snprintf(err, errlen, "kernel '%s': truncated bzImage (setup needs %llu bytes, file has %zu)",
                 path, (unsigned long long)img->setup_size, img->kernel.size);
        return -1;
    }
    /* From here on the whole header (< 0x290 < setup_size) is inside the file. */
    if (loader_le16(d + HDR_BOOT_FLAG) != BOOT_FLAG_MAGIC) {
        snprintf(err, errlen, "kernel '%s': bad bzImage boot flag 0x%04x (expected 0xaa55)", path,
                 loader_le16(d + HDR_BOOT_FLAG));
        return -1;
    }
    uint16_t version = loader_le16(d + HDR_VERSION);
    if (version < BOOT_PROTOCOL_MIN) {
        snprintf(err, errlen, "kernel '%s': Linux boot protocol %u.%02u is too old "
                 "(tandem needs 2.12 or later for the 64-bit entry)", path, version >> 8,
                 version & 0xff);
        return -1;
    }
    uint32_t hdr_end = HDR_JUMP + 2 + d[HDR_JUMP + 1];
    if (d[HDR_JUMP] != 0xeb || hdr_end < HDR_NEEDED_END) {
        snprintf(err, errlen, "kernel '%s': malformed bzImage setup header (ends at 0x%x)", path,
                 hdr_end);
        return -1;
    }
    img->hdr_end = hdr_end < HDR_MAX_END ? hdr_end : HDR_MAX_END;
    if (!(d[HDR_LOADFLAGS] & LOADFLAG_LOADED_HIGH)) {
        snprintf(err, errlen, "kernel '%s': zImage (not loaded high) is not supported", path);
        return -1;
    }
    if (!(loader_le16(d + HDR_XLOADFLAGS) & XLF_KERNEL_64)) {
        snprintf(err, errlen, "kernel '%s': no 64-bit entry point (XLF_KERNEL_64 clear); "
                 "tandem boots 64-bit kernels only", path);
        return -1;
    }
    img->kernel_size = img->kernel.size - img->setup_size;
    uint64_t syssize = loader_le32(d + HDR_SYSSIZE) * 16ull;   /* 2.04+: 32-bit, paragraphs */
    if (img->kernel_size == 0 || img->kernel_size < syssize) {
        snprintf(err, errlen, "kernel '%s': truncated bzImage (kernel needs %llu bytes after "
                 "the setup, file has %llu)", path, (unsigned long long)(syssize ? syssize : 1),
                 (unsigned long long)img->kernel_size);
        return -1;
    }
    return 0;
}

/*
 * Where the kernel goes, and how far it reaches while it decompresses.
 * The 64-bit entry of a relocatable kernel decompresses at its load address
 * rounded up to kernel_alignment, but never below pref_address (its
 * LOAD_PHYSICAL_ADDR); a non-relocatable one always uses pref_address.
 * Loading at pref_address when it fits spares the kernel a copy of itself.
 */
static int plan_kernel(LinuxImage *img, const char *path, uint64_t ram_below_4g, char *err,
                       size_t errlen)
{
    const uint8_t *d = img->kernel.data;
    bool relocatable = d[HDR_RELOCATABLE] != 0;
    uint64_t align = loader_le32(d + HDR_KERNEL_ALIGNMENT);
    uint64_t pref = loader_le64(d + HDR_PREF_ADDRESS);
    uint64_t init_size = loader_le32(d + HDR_INIT_SIZE);
    if (relocatable && !is_power_of_2(align)) {
        snprintf(err, errlen, "kernel '%s': malformed bzImage setup header (kernel_alignment 0x%llx)",
                 path, (unsigned long long)align);
        return -1;
    }
    if (pref < LINUX_DEFAULT_LOAD || pref >= ram_below_4g || (pref & PAGE_MASK_4K)) {
        pref = LINUX_DEFAULT_LOAD;
    }
    uint64_t load = pref;
    if (!loader_range_in_pc_ram(load, img->kernel_size, ram_below_4g)) {
        load = LINUX_DEFAULT_LOAD;
    }
    uint64_t decompress_at = relocatable ? align_up(load, align) : pref;
    if (decompress_at < pref) {
        decompress_at = pref;
    }
    uint64_t end = decompress_at + init_size;
    if (end < load + img->kernel_size) {
        end = load + img->kernel_size;
    }
    if (end > ram_below_4g) {
        snprintf(err, errlen, "kernel '%s' needs guest RAM up to 0x%llx (init_size 0x%llx at 0x%llx), "
                 "the guest has 0x%llx below 4 GiB; use a larger -m", path, (unsigned long long)end,
                 (unsigned long long)init_size, (unsigned long long)decompress_at,
                 (unsigned long long)ram_below_4g);
        return -1;
    }
    img->load_addr = load;
    img->kernel_end = end;
    return 0;
}

/* ---- the boot arguments both Linux formats share ---- */

int linux_args_plan_cmdline(LinuxBootArgs *args, const char *kernel_path, const char *append,
                            uint32_t limit, char *err, size_t errlen)
{
    if (!append) {
        append = "";
    }
    size_t len = strlen(append);
    if (len > limit) {
        snprintf(err, errlen,
                 "kernel '%s': command line is %zu bytes, the kernel accepts at most %u",
                 kernel_path, len, limit);
        return -1;
    }
    if (len >= LINUX_CMDLINE_MAX) {
        snprintf(err, errlen, "kernel '%s': command line is %zu bytes, tandem accepts at most %llu",
                 kernel_path, len, (unsigned long long)LINUX_CMDLINE_MAX - 1);
        return -1;
    }
    args->cmdline = strdup(append);
    if (!args->cmdline) {
        snprintf(err, errlen, "kernel '%s': out of memory", kernel_path);
        return -1;
    }
    args->cmdline_len = len;
    return 0;
}

/* boot.rst: as high as possible, below initrd_addr_max + 1, page aligned; above the kernel. */
int linux_args_plan_initrd(LinuxBootArgs *args, const char *path, uint64_t kernel_end,
                           uint32_t initrd_addr_max, uint64_t ram_below_4g, char *err,
                           size_t errlen)
{
    if (loader_file_read(&args->initrd, "initrd", path, ram_below_4g, err, errlen) < 0) {
        return -1;
    }
    uint64_t top = initrd_addr_max + 1ull;
    if (top > ram_below_4g) {
        top = ram_below_4g;
    }
    uint64_t size = args->initrd.size;
    uint64_t bottom = align_up(kernel_end, 0x1000);
    if (size > top || ((top - size) & ~PAGE_MASK_4K) < bottom) {
        snprintf(err, errlen, "initrd '%s' (%llu bytes) does not fit in guest RAM between the "
                 "kernel (ends at 0x%llx) and 0x%llx; use a larger -m", path,
                 (unsigned long long)size, (unsigned long long)bottom, (unsigned long long)top);
        return -1;
    }
    args->initrd_addr = (top - size) & ~PAGE_MASK_4K;
    return 0;
}

void linux_args_free(LinuxBootArgs *args)
{
    loader_file_free(&args->initrd);
    free(args->cmdline);
    memset(args, 0, sizeof(*args));
}

/* ---- bzImage: open ---- */

LinuxImage *linux_open(LoaderFile *kernel, const Options *opts, uint64_t ram_below_4g,
                       char *err, size_t errlen)
{
    LinuxImage *img = calloc(1, sizeof(*img));
    if (!img) {
        snprintf(err, errlen, "kernel '%s': out of memory", kernel->path);
        return NULL;
    }
    img->kernel = *kernel;
    const char *path = kernel->path;
    if (check_setup_header(img, path, err, errlen) < 0 ||
        plan_kernel(img, path, ram_below_4g, err, errlen) < 0 ||
        linux_args_plan_cmdline(&img->args, path, opts->append,
                                loader_le32(kernel->data + HDR_CMDLINE_SIZE), err, errlen) < 0 ||
        (opts->initrd &&
         linux_args_plan_initrd(&img->args, opts->initrd, img->kernel_end,
                                loader_le32(kernel->data + HDR_INITRD_ADDR_MAX), ram_below_4g,
                                err, errlen) < 0)) {
        /* The caller still owns the kernel file on failure. */
        memset(&img->kernel, 0, sizeof(img->kernel));
        linux_free(img);
        return NULL;
    }
    memset(kernel, 0, sizeof(*kernel));
    return img;
}

void linux_free(LinuxImage *img)
{
    if (!img) {
        return;
    }
    loader_file_free(&img->kernel);
    linux_args_free(&img->args);
    free(img);
}

/* ---- install: the parts both Linux formats share ---- */

static int fill_e820(uint8_t *zp, const E820Entry *e820, int nr_e820, char *err, size_t errlen)
{
    if (nr_e820 < 0 || nr_e820 > ZP_E820_MAX) {
        snprintf(err, errlen, "linux: %d e820 entries, the zero page holds %d", nr_e820,
                 ZP_E820_MAX);
        return -1;
    }
    zp[ZP_E820_ENTRIES] = (uint8_t)nr_e820;
    for (int i = 0; i < nr_e820; i++) {
        uint8_t *entry = zp + ZP_E820_TABLE + i * ZP_E820_ENTRY_SIZE;   /* struct boot_e820_entry */
        loader_st64(entry, e820[i].addr);
        loader_st64(entry + 8, e820[i].size);
        loader_st32(entry + 16, e820[i].type);
    }
    return 0;
}

int linux_args_fill_zero_page(const LinuxBootArgs *args, uint8_t zp[ZP_SIZE],
                              const E820Entry *e820, int nr_e820, char *err, size_t errlen)
{
    loader_st16(zp + HDR_VID_MODE, VID_MODE_NORMAL);
    zp[HDR_TYPE_OF_LOADER] = TYPE_OF_LOADER_OTHER;
    zp[HDR_LOADFLAGS] |= LOADFLAG_LOADED_HIGH | LOADFLAG_CAN_USE_HEAP;
    loader_st16(zp + HDR_HEAP_END_PTR, HEAP_END_PTR);
    loader_st32(zp + HDR_CMD_LINE_PTR, (uint32_t)LINUX_CMDLINE_ADDR);
    loader_st32(zp + ZP_EXT_CMD_LINE_PTR, (uint32_t)(LINUX_CMDLINE_ADDR >> 32));
    /* Without an initrd these are zero (initrd_addr is 0 and so is initrd.size). */
    loader_st32(zp + HDR_RAMDISK_IMAGE, (uint32_t)args->initrd_addr);
    loader_st32(zp + HDR_RAMDISK_SIZE, (uint32_t)args->initrd.size);
    loader_st32(zp + ZP_EXT_RAMDISK_IMAGE, (uint32_t)(args->initrd_addr >> 32));
    loader_st32(zp + ZP_EXT_RAMDISK_SIZE, (uint32_t)((uint64_t)args->initrd.size >> 32));
    return fill_e820(zp, e820, nr_e820, err, errlen);
}

/* boot.rst "64-bit BOOT PROTOCOL": long mode, identity paging, flat __BOOT_CS/__BOOT_DS. */
static int set_entry_state(uint64_t entry, AddressSpace *mem, X86State *boot, char *err,
                           size_t errlen)
{
    x86_state_reset(boot);
    memset(boot->regs, 0, sizeof(boot->regs));
    x86_segment_flat_code(&boot->segs[SEG_CS], LINUX_BOOT_CS, true);
    static const int data_segs[] = { SEG_DS, SEG_ES, SEG_SS, SEG_FS, SEG_GS };
    for (size_t i = 0; i < sizeof(data_segs) / sizeof(data_segs[0]); i++) {
        x86_segment_flat_data(&boot->segs[data_segs[i]], LINUX_BOOT_DS);
    }
    if (loader_install_gdt(mem, boot, err, errlen) < 0) {
        return -1;
    }
    uint64_t cr3 = boot_pagetables_install(mem, BOOT_PAGETABLE_ADDR, err, errlen);
    if (!cr3) {
        return -1;
    }
    boot->idtr.base = 0;
    boot->idtr.limit = 0;
    boot->cr3 = cr3;
    boot->cr4 = X86_CR4_PAE;
    boot->cr0 = X86_CR0_PE | X86_CR0_ET | X86_CR0_NE | X86_CR0_PG;
    boot->msr.efer = X86_EFER_LME | X86_EFER_LMA;
    boot->rflags = X86_FLAG_FIXED;                  /* interrupts off */
    boot->rip = entry;
    boot->regs[R_ESI] = LINUX_ZERO_PAGE_ADDR;
    boot->regs[R_ESP] = LINUX_STACK_TOP;
    return 0;
}

int linux_args_install(const LinuxBootArgs *args, const uint8_t zp[ZP_SIZE], uint64_t entry,
                       AddressSpace *mem, X86State *boot, char *err, size_t errlen)
{
    if (loader_guest_write(mem, LINUX_ZERO_PAGE_ADDR, zp, ZP_SIZE, "linux zero page",
                           err, errlen) < 0 ||
        loader_guest_write(mem, LINUX_CMDLINE_ADDR, args->cmdline, args->cmdline_len + 1,
                           "linux command line", err, errlen) < 0) {
        return -1;
    }
    if (args->initrd.data &&
        loader_guest_write(mem, args->initrd_addr, args->initrd.data, args->initrd.size,
                           "initrd", err, errlen) < 0) {
        return -1;
    }
    return set_entry_state(entry, mem, boot, err, errlen);
}

/* ---- bzImage: install ---- */

int linux_install(const LinuxImage *img, AddressSpace *mem, const E820Entry *e820, int nr_e820,
                  X86State *boot, char *err, size_t errlen)
{
    uint8_t zp[ZP_SIZE];
    memset(zp, 0, sizeof(zp));
    /* boot.rst: the setup header goes into the zero page as the image has it. */
    memcpy(zp + HDR_START, img->kernel.data + HDR_START, img->hdr_end - HDR_START);
    loader_st32(zp + HDR_CODE32_START, (uint32_t)img->load_addr);
    if (linux_args_fill_zero_page(&img->args, zp, e820, nr_e820, err, errlen) < 0) {
        return -1;
    }
    /* The whole area the kernel decompresses into must be RAM, not just the file's bytes. */
    if (!loader_guest_ptr(mem, img->load_addr, img->kernel_end - img->load_addr,
                          "linux kernel", err, errlen) ||
        loader_guest_write(mem, img->load_addr, img->kernel.data + img->setup_size,
                           img->kernel_size, "linux kernel", err, errlen) < 0) {
        return -1;
    }
    return linux_args_install(&img->args, zp, img->load_addr + STARTUP_64_OFFSET, mem, boot,
                              err, errlen);
}
