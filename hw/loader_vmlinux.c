/* Linux uncompressed ELF vmlinux loading, entered at startup_64 like a bzImage's 64-bit entry. */
#include "hw/loader.h"

#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Booting the ELF vmlinux skips the bzImage's decompressor, which costs
 * billions of instructions when the guest CPU is emulated.  Firecracker and
 * rust-vmm's linux-loader do the same: every PT_LOAD segment goes to its
 * p_paddr (bss zeroed), and the CPU enters at e_entry, which an x86-64
 * vmlinux links as the physical address of startup_64 (vmlinux.lds.S:
 * ENTRY(phys_startup_64)).  That is the very code a bzImage's decompressor
 * jumps to, in the state of boot.rst's "64-bit BOOT PROTOCOL": long mode,
 * identity paging, __BOOT_CS/__BOOT_DS, RSI = struct boot_params.
 *
 * A vmlinux carries no setup header, so the zero page gets one made up here
 * with what the kernel proper reads from it (boot.rst field meanings):
 * boot_flag, the "HdrS" magic, the protocol version, cmdline_size and
 * initrd_addr_max (which bound what we hand over), kernel_alignment.  The
 * rest -- command line, initrd, e820, loader ID, loadflags -- is filled in
 * by the same code as for a bzImage (linux_args_*, hw/loader_linux.c).
 *
 * Not done: relocation (the kernel runs where it was linked; with no
 * decompressor there is no KASLR), ET_DYN images, the PVH entry (Xen ELF
 * note), 32-bit vmlinux.
 */

#define VMLINUX_PROTOCOL         0x020f      /* boot protocol 2.15, what Linux 5.5+ reports */
#define VMLINUX_KERNEL_ALIGNMENT 0x200000u   /* CONFIG_PHYSICAL_ALIGN's x86-64 default */
#define VMLINUX_INITRD_ADDR_MAX  0x7fffffffu /* boot.rst: the limit before protocol 2.03 */
#define VMLINUX_CMDLINE_SIZE     2047u       /* x86 COMMAND_LINE_SIZE (2048) without the NUL */
#define VMLINUX_MAX_SEGMENTS     32          /* Linux has 4 or 5 */

typedef struct VmlinuxSegment {
    uint64_t offset;            /* in the file */
    uint64_t filesz;
    uint64_t paddr;
    uint64_t memsz;             /* >= filesz; the rest is bss */
} VmlinuxSegment;

struct VmlinuxImage {
    LoaderFile kernel;
    LinuxBootArgs args;
    VmlinuxSegment segs[VMLINUX_MAX_SEGMENTS];
    int nr_segs;
    uint64_t entry;             /* physical */
    uint64_t kernel_end;        /* highest paddr + memsz */
};

bool vmlinux_probe(const LoaderFile *kernel)
{
    const uint8_t *d = kernel->data;
    return kernel->size >= EI_NIDENT + 4 && memcmp(d, ELFMAG, SELFMAG) == 0 &&
           d[EI_CLASS] == ELFCLASS64 && d[EI_DATA] == ELFDATA2LSB &&
           loader_le16(d + offsetof(Elf64_Ehdr, e_machine)) == EM_X86_64;
}

/* ---- open: the ELF header, the segments, the entry point ---- */

static int check_elf_header(const VmlinuxImage *img, const Elf64_Ehdr *eh, char *err,
                            size_t errlen)
{
    const char *path = img->kernel.path;
    if (img->kernel.size < sizeof(*eh)) {
        snprintf(err, errlen, "kernel '%s': truncated ELF header (%zu bytes)", path,
                 img->kernel.size);
        return -1;
    }
    if (eh->e_type != ET_EXEC) {
        snprintf(err, errlen, "kernel '%s': x86-64 ELF of type %u is not an executable vmlinux "
                 "(ET_EXEC)", path, eh->e_type);
        return -1;
    }
    if (eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phnum == 0 ||
        eh->e_phoff > img->kernel.size ||
        (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr) > img->kernel.size - eh->e_phoff) {
        snprintf(err, errlen, "kernel '%s': ELF program headers are missing or outside the file",
                 path);
        return -1;
    }
    return 0;
}

/* The segment must come from the file and land in RAM above the boot data of low memory. */
static int check_segment(const VmlinuxImage *img, const Elf64_Phdr *ph, int index,
                         uint64_t ram_below_4g, char *err, size_t errlen)
{
    const char *path = img->kernel.path;
    unsigned long long paddr = ph->p_paddr, memsz = ph->p_memsz;
    if (ph->p_filesz > ph->p_memsz) {
        snprintf(err, errlen, "kernel '%s': ELF segment %d has filesz 0x%llx > memsz 0x%llx",
                 path, index, (unsigned long long)ph->p_filesz, memsz);
        return -1;
    }
    if (ph->p_offset > img->kernel.size || ph->p_filesz > img->kernel.size - ph->p_offset) {
        snprintf(err, errlen, "kernel '%s': ELF segment %d [0x%llx, +0x%llx) is outside the file "
                 "(%zu bytes)", path, index, (unsigned long long)ph->p_offset,
                 (unsigned long long)ph->p_filesz, img->kernel.size);
        return -1;
    }
    if (paddr < PC_HIGH_RAM_START) {
        snprintf(err, errlen, "kernel '%s': ELF segment %d at 0x%llx is below 1 MiB, where the "
                 "boot data and the PC hole are", path, index, paddr);
        return -1;
    }
    if (!loader_range_in_pc_ram(paddr, memsz, ram_below_4g)) {
        snprintf(err, errlen, "kernel '%s': ELF segment %d [0x%llx, +0x%llx) is not in guest RAM, "
                 "which ends at 0x%llx below 4 GiB; use a larger -m", path, index, paddr, memsz,
                 (unsigned long long)ram_below_4g);
        return -1;
    }
    for (int i = 0; i < img->nr_segs; i++) {
        const VmlinuxSegment *s = &img->segs[i];
        if (loader_ranges_overlap(paddr, memsz, s->paddr, s->memsz)) {
            snprintf(err, errlen, "kernel '%s': ELF segment %d [0x%llx, +0x%llx) overlaps an "
                     "earlier one at [0x%llx, +0x%llx)", path, index, paddr, memsz,
                     (unsigned long long)s->paddr, (unsigned long long)s->memsz);
            return -1;
        }
    }
    return 0;
}

static int add_segment(VmlinuxImage *img, const Elf64_Phdr *ph, int index,
                       uint64_t ram_below_4g, char *err, size_t errlen)
{
    if (img->nr_segs == VMLINUX_MAX_SEGMENTS) {
        snprintf(err, errlen, "kernel '%s': more than %d loadable ELF segments",
                 img->kernel.path, VMLINUX_MAX_SEGMENTS);
        return -1;
    }
    if (check_segment(img, ph, index, ram_below_4g, err, errlen) < 0) {
        return -1;
    }
    img->segs[img->nr_segs++] = (VmlinuxSegment){
        .offset = ph->p_offset, .filesz = ph->p_filesz, .paddr = ph->p_paddr,
        .memsz = ph->p_memsz,
    };
    if (ph->p_paddr + ph->p_memsz > img->kernel_end) {
        img->kernel_end = ph->p_paddr + ph->p_memsz;
    }
    return 0;
}

static void read_phdr(const VmlinuxImage *img, const Elf64_Ehdr *eh, int i, Elf64_Phdr *ph)
{
    /* check_elf_header bounded the table; the host is little-endian like the file. */
    memcpy(ph, img->kernel.data + eh->e_phoff + (uint64_t)i * sizeof(*ph), sizeof(*ph));
}

/*
 * Linux's e_entry is physical already.  An ELF entry point is a virtual
 * address in general, so one that only falls inside a segment's virtual
 * range is moved to that segment's physical address, as for multiboot.
 */
static int plan_entry(VmlinuxImage *img, const Elf64_Ehdr *eh, char *err, size_t errlen)
{
    uint64_t entry = eh->e_entry;
    for (int i = 0; i < img->nr_segs; i++) {
        const VmlinuxSegment *s = &img->segs[i];
        if (entry >= s->paddr && entry - s->paddr < s->filesz) {
            img->entry = entry;
            return 0;
        }
    }
    for (int i = 0; i < eh->e_phnum; i++) {
        Elf64_Phdr ph;
        read_phdr(img, eh, i, &ph);
        if (ph.p_type == PT_LOAD && entry >= ph.p_vaddr && entry - ph.p_vaddr < ph.p_filesz) {
            img->entry = entry - ph.p_vaddr + ph.p_paddr;
            return 0;
        }
    }
    snprintf(err, errlen, "kernel '%s': ELF entry point 0x%llx is not in a loaded segment",
             img->kernel.path, (unsigned long long)entry);
    return -1;
}

static int plan_segments(VmlinuxImage *img, uint64_t ram_below_4g, char *err, size_t errlen)
{
    Elf64_Ehdr eh;
    memset(&eh, 0, sizeof(eh));
    memcpy(&eh, img->kernel.data, img->kernel.size < sizeof(eh) ? img->kernel.size : sizeof(eh));
    if (check_elf_header(img, &eh, err, errlen) < 0) {
        return -1;
    }
    for (int i = 0; i < eh.e_phnum; i++) {
        Elf64_Phdr ph;
        read_phdr(img, &eh, i, &ph);
        if (ph.p_type == PT_LOAD && ph.p_memsz &&
            add_segment(img, &ph, i, ram_below_4g, err, errlen) < 0) {
            return -1;
        }
    }
    if (img->nr_segs == 0) {
        snprintf(err, errlen, "kernel '%s': ELF has no loadable segment", img->kernel.path);
        return -1;
    }
    return plan_entry(img, &eh, err, errlen);
}

VmlinuxImage *vmlinux_open(LoaderFile *kernel, const Options *opts, uint64_t ram_below_4g,
                           char *err, size_t errlen)
{
    VmlinuxImage *img = calloc(1, sizeof(*img));
    if (!img) {
        snprintf(err, errlen, "kernel '%s': out of memory", kernel->path);
        return NULL;
    }
    img->kernel = *kernel;
    const char *path = kernel->path;
    if (plan_segments(img, ram_below_4g, err, errlen) < 0 ||
        linux_args_plan_cmdline(&img->args, path, opts->append, VMLINUX_CMDLINE_SIZE,
                                err, errlen) < 0 ||
        (opts->initrd &&
         linux_args_plan_initrd(&img->args, opts->initrd, img->kernel_end,
                                VMLINUX_INITRD_ADDR_MAX, ram_below_4g, err, errlen) < 0)) {
        memset(&img->kernel, 0, sizeof(img->kernel));   /* still the caller's */
        vmlinux_free(img);
        return NULL;
    }
    memset(kernel, 0, sizeof(*kernel));
    return img;
}

void vmlinux_free(VmlinuxImage *img)
{
    if (!img) {
        return;
    }
    loader_file_free(&img->kernel);
    linux_args_free(&img->args);
    free(img);
}

/* ---- install ---- */

/* The setup header a bzImage would have brought, as far as the kernel proper reads it. */
static void make_setup_header(uint8_t zp[ZP_SIZE])
{
    loader_st16(zp + HDR_BOOT_FLAG, BOOT_FLAG_MAGIC);
    memcpy(zp + HDR_MAGIC, "HdrS", 4);
    loader_st16(zp + HDR_VERSION, VMLINUX_PROTOCOL);
    loader_st32(zp + HDR_KERNEL_ALIGNMENT, VMLINUX_KERNEL_ALIGNMENT);
    loader_st32(zp + HDR_CMDLINE_SIZE, VMLINUX_CMDLINE_SIZE);
    loader_st32(zp + HDR_INITRD_ADDR_MAX, VMLINUX_INITRD_ADDR_MAX);
}

static int install_segments(const VmlinuxImage *img, AddressSpace *mem, char *err,
                            size_t errlen)
{
    for (int i = 0; i < img->nr_segs; i++) {
        const VmlinuxSegment *s = &img->segs[i];
        /* All of memsz must be RAM, not just the file's bytes. */
        if (!loader_guest_ptr(mem, s->paddr, s->memsz, "vmlinux segment", err, errlen) ||
            loader_guest_write(mem, s->paddr, img->kernel.data + s->offset, s->filesz,
                               "vmlinux segment", err, errlen) < 0 ||
            loader_guest_zero(mem, s->paddr + s->filesz, s->memsz - s->filesz, "vmlinux bss",
                              err, errlen) < 0) {
            return -1;
        }
    }
    return 0;
}

int vmlinux_install(const VmlinuxImage *img, AddressSpace *mem, const E820Entry *e820,
                    int nr_e820, X86State *boot, char *err, size_t errlen)
{
    uint8_t zp[ZP_SIZE];
    memset(zp, 0, sizeof(zp));
    make_setup_header(zp);
    if (linux_args_fill_zero_page(&img->args, zp, e820, nr_e820, err, errlen) < 0 ||
        install_segments(img, mem, err, errlen) < 0) {
        return -1;
    }
    return linux_args_install(&img->args, zp, img->entry, mem, boot, err, errlen);
}
