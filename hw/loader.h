/* Kernel loaders: -kernel/-initrd/-append as a Linux bzImage or vmlinux, or multiboot v1 image. */
#ifndef HW_LOADER_H
#define HW_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpu/x86/state.h"
#include "hw/machine.h"
#include "memory/memory.h"
#include "ui/options.h"

/*
 * Two steps, so that every mistake a user can make is reported before a VM
 * exists, and a reset can reload the guest without touching the host files:
 *
 *   loader_open()    reads and checks the kernel, initrd (or multiboot
 *                    modules) and command line, and plans where everything
 *                    goes in guest RAM; errors are one line in err.
 *   loader_install() writes the plan into guest RAM and fills the boot
 *                    vCPU's entry state.  It depends only on the Loader and
 *                    its arguments, so it is called again at every reset.
 *
 * Threads: the main thread calls loader_open/loader_free; loader_install runs
 * wherever the machine is (re)built, with no vCPU running.
 */
typedef struct Loader Loader;

/*
 * opts->kernel must not be NULL.  ram_below_4g / ram_above_4g describe the
 * PC map of hw/pc.c.  Returns NULL with one line in err on failure.
 */
Loader *loader_open(const Options *opts, uint64_t ram_below_4g, uint64_t ram_above_4g,
                    char *err, size_t errlen);
/* 0, or -1 with one line in err (e.g. the image does not fit in this RAM). */
int loader_install(const Loader *l, AddressSpace *mem, const E820Entry *e820, int nr_e820,
                   X86State *boot, char *err, size_t errlen);
void loader_free(Loader *l);

/* ------------------------------------------------------------------------
 * Below: shared by hw/loader*.c and the unit test, not by the rest of tandem.
 * ------------------------------------------------------------------------ */

/*
 * Low memory the loaders use (all inside the e820 RAM range [0, 0x9fc00)):
 *
 *   0x00500  GDT, 4 descriptors (both formats)
 *   0x07000  Linux: zero page (struct boot_params)
 *   0x08ff0  Linux: initial stack, growing down
 *   0x09000  Linux: identity page tables, 0x9000-0xefff (PML4, PDPT, 4 PDs)
 *            multiboot: info structure and everything it points to
 *   0x20000  Linux: command line, up to LINUX_CMDLINE_MAX bytes
 */
#define BOOT_GDT_ADDR        0x500ull
#define BOOT_GDT_ENTRIES     4
#define LINUX_ZERO_PAGE_ADDR 0x7000ull
#define LINUX_STACK_TOP      0x8ff0ull
#define BOOT_PAGETABLE_ADDR  0x9000ull
#define LINUX_CMDLINE_ADDR   0x20000ull
#define LINUX_CMDLINE_MAX    0x10000ull
#define MB_INFO_ADDR         0x9000ull
#define MB_INFO_LIMIT        0x9f000ull   /* the info area may not grow past this */

/* The legacy PC hole and the e820 map of hw/pc.c, used to plan before install. */
#define PC_LOW_RAM_END       0x9fc00ull
#define PC_HIGH_RAM_START    0x100000ull

/* A whole file read into host memory. */
typedef struct LoaderFile {
    char *path;
    uint8_t *data;
    size_t size;
} LoaderFile;

/*
 * Read `path` (`what` names it in messages: "kernel", "initrd").  Files
 * larger than max_size are refused.  0, or -1 with one line in err.
 */
int loader_file_read(LoaderFile *f, const char *what, const char *path, uint64_t max_size,
                     char *err, size_t errlen);
void loader_file_free(LoaderFile *f);

/* Little-endian field access on host buffers; callers check the bounds. */
static inline uint16_t loader_le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline uint32_t loader_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t loader_le64(const uint8_t *p)
{
    return (uint64_t)loader_le32(p) | (uint64_t)loader_le32(p + 4) << 32;
}
static inline void loader_st16(uint8_t *p, uint16_t v) { p[0] = v; p[1] = v >> 8; }
static inline void loader_st32(uint8_t *p, uint32_t v)
{
    loader_st16(p, (uint16_t)v);
    loader_st16(p + 2, (uint16_t)(v >> 16));
}
static inline void loader_st64(uint8_t *p, uint64_t v)
{
    loader_st32(p, (uint32_t)v);
    loader_st32(p + 4, (uint32_t)(v >> 32));
}

/* True when [a, a+alen) and [b, b+blen) share a byte (lengths may be 0). */
bool loader_ranges_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen);
/* True when [addr, addr+len) lies in guest RAM of the PC map, without wrapping. */
bool loader_range_in_pc_ram(uint64_t addr, uint64_t len, uint64_t ram_below_4g);

/*
 * Host pointer for the guest range [addr, addr+len), which must be RAM.
 * NULL with "<what> at [a, b) is not in guest RAM" in err otherwise.
 */
uint8_t *loader_guest_ptr(AddressSpace *mem, uint64_t addr, uint64_t len, const char *what,
                          char *err, size_t errlen);
/* Copy src to guest RAM; 0 or -1 with err. */
int loader_guest_write(AddressSpace *mem, uint64_t addr, const void *src, uint64_t len,
                       const char *what, char *err, size_t errlen);
/* Zero guest RAM; 0 or -1 with err. */
int loader_guest_zero(AddressSpace *mem, uint64_t addr, uint64_t len, const char *what,
                      char *err, size_t errlen);

/*
 * Write a GDT at BOOT_GDT_ADDR whose descriptors at the selectors of CS and
 * DS match their hidden parts in `boot` (SDM vol. 3A 3.4.5), and point GDTR
 * at it.  The other entries are null.  0 or -1 with err.
 */
int loader_install_gdt(AddressSpace *mem, X86State *boot, char *err, size_t errlen);
/* The 8-byte descriptor whose hidden part is `seg` (SDM vol. 3A 3.4.5). */
uint64_t loader_segment_descriptor(const X86Segment *seg);

/*
 * The Linux boot protocol (Documentation/arch/x86/boot.rst, zero-page.rst),
 * shared by the bzImage loader (hw/loader_linux.c, which implements these)
 * and the ELF vmlinux loader (hw/loader_vmlinux.c).
 */

/* Setup header fields: offsets in a bzImage and in the zero page (boot.rst). */
#define HDR_START            0x1f1
#define HDR_SETUP_SECTS      0x1f1
#define HDR_SYSSIZE          0x1f4
#define HDR_VID_MODE         0x1fa
#define HDR_BOOT_FLAG        0x1fe
#define HDR_JUMP             0x200
#define HDR_MAGIC            0x202
#define HDR_VERSION          0x206
#define HDR_TYPE_OF_LOADER   0x210
#define HDR_LOADFLAGS        0x211
#define HDR_CODE32_START     0x214
#define HDR_RAMDISK_IMAGE    0x218
#define HDR_RAMDISK_SIZE     0x21c
#define HDR_HEAP_END_PTR     0x224
#define HDR_CMD_LINE_PTR     0x228
#define HDR_INITRD_ADDR_MAX  0x22c
#define HDR_KERNEL_ALIGNMENT 0x230
#define HDR_RELOCATABLE      0x234
#define HDR_XLOADFLAGS       0x236
#define HDR_CMDLINE_SIZE     0x238
#define HDR_PREF_ADDRESS     0x258
#define HDR_INIT_SIZE        0x260
#define HDR_NEEDED_END       0x264   /* the bzImage loader reads fields up to init_size */
#define HDR_MAX_END          0x290   /* struct boot_params: edd_mbr_sig_buffer starts here */

/* Zero page fields outside the setup header (zero-page.rst). */
#define ZP_EXT_RAMDISK_IMAGE 0x0c0
#define ZP_EXT_RAMDISK_SIZE  0x0c4
#define ZP_EXT_CMD_LINE_PTR  0x0c8
#define ZP_E820_ENTRIES      0x1e8
#define ZP_E820_TABLE        0x2d0
#define ZP_E820_ENTRY_SIZE   20
#define ZP_E820_MAX          128
#define ZP_SIZE              0x1000

#define BOOT_FLAG_MAGIC       0xaa55
#define LOADFLAG_LOADED_HIGH  0x01
#define LOADFLAG_CAN_USE_HEAP 0x80

/* What both formats hand the kernel besides itself: command line and initrd. */
typedef struct LinuxBootArgs {
    LoaderFile initrd;          /* data NULL when there is none */
    char *cmdline;
    size_t cmdline_len;         /* without the NUL */
    uint64_t initrd_addr;       /* 0 without an initrd */
} LinuxBootArgs;

/*
 * Take -append: at most `limit` bytes (the kernel's cmdline_size, without the
 * NUL) and less than LINUX_CMDLINE_MAX.  0, or -1 with one line in err.
 */
int linux_args_plan_cmdline(LinuxBootArgs *args, const char *kernel_path, const char *append,
                            uint32_t limit, char *err, size_t errlen);
/*
 * Read the initrd at `path` and place it as boot.rst asks: as high as
 * possible below min(initrd_addr_max + 1, ram_below_4g), page aligned, and
 * above kernel_end.  0, or -1 with one line in err.
 */
int linux_args_plan_initrd(LinuxBootArgs *args, const char *path, uint64_t kernel_end,
                           uint32_t initrd_addr_max, uint64_t ram_below_4g, char *err,
                           size_t errlen);
void linux_args_free(LinuxBootArgs *args);
/*
 * Fill in what a boot loader writes into a zero page whose setup header is
 * already there: vid_mode, type_of_loader, loadflags, heap_end_ptr, the
 * command line and initrd pointers, the e820 table.  0, or -1 with err.
 */
int linux_args_fill_zero_page(const LinuxBootArgs *args, uint8_t zp[ZP_SIZE],
                              const E820Entry *e820, int nr_e820, char *err, size_t errlen);
/*
 * Write the zero page, command line and initrd to guest RAM, and set `boot`
 * to boot.rst's "64-bit BOOT PROTOCOL" state at `entry`: long mode, identity
 * paging of the first 4 GiB, __BOOT_CS/__BOOT_DS, RSI = the zero page.
 * 0, or -1 with one line in err.
 */
int linux_args_install(const LinuxBootArgs *args, const uint8_t zp[ZP_SIZE], uint64_t entry,
                       AddressSpace *mem, X86State *boot, char *err, size_t errlen);

/* The formats.  *_probe looks at the first bytes only. */
typedef struct LinuxImage LinuxImage;
typedef struct VmlinuxImage VmlinuxImage;
typedef struct MultibootImage MultibootImage;

bool linux_probe(const LoaderFile *kernel);
LinuxImage *linux_open(LoaderFile *kernel, const Options *opts, uint64_t ram_below_4g,
                       char *err, size_t errlen);
int linux_install(const LinuxImage *img, AddressSpace *mem, const E820Entry *e820, int nr_e820,
                  X86State *boot, char *err, size_t errlen);
void linux_free(LinuxImage *img);

/* An ELF64 little-endian x86-64 file: the uncompressed vmlinux (ET_EXEC checked in open). */
bool vmlinux_probe(const LoaderFile *kernel);
VmlinuxImage *vmlinux_open(LoaderFile *kernel, const Options *opts, uint64_t ram_below_4g,
                           char *err, size_t errlen);
int vmlinux_install(const VmlinuxImage *img, AddressSpace *mem, const E820Entry *e820,
                    int nr_e820, X86State *boot, char *err, size_t errlen);
void vmlinux_free(VmlinuxImage *img);

/* Offset of a multiboot v1 header in the first 8 KiB, -1 if none. *bad_checksum
 * is set when a magic was found but no valid header. */
long multiboot_find_header(const LoaderFile *kernel, bool *bad_checksum);
MultibootImage *multiboot_open(LoaderFile *kernel, long header_offset, const Options *opts,
                               uint64_t ram_below_4g, char *err, size_t errlen);
int multiboot_install(const MultibootImage *img, AddressSpace *mem, const E820Entry *e820,
                      int nr_e820, X86State *boot, char *err, size_t errlen);
void multiboot_free(MultibootImage *img);

#endif
