/* Kernel loading: format detection, file reading and the guest-RAM helpers all formats share. */
#include "hw/loader.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef enum { LOADER_LINUX, LOADER_VMLINUX, LOADER_MULTIBOOT } LoaderKind;

struct Loader {
    LoaderKind kind;
    LinuxImage *linux_image;
    VmlinuxImage *vmlinux_image;
    MultibootImage *multiboot_image;
};

/* ---- files ---- */

static int file_read_all(int fd, LoaderFile *f, uint64_t max_size, const char *what,
                         char *err, size_t errlen)
{
    size_t cap = 1 << 16;
    f->data = malloc(cap);
    f->size = 0;
    if (!f->data) {
        snprintf(err, errlen, "%s '%s': out of memory", what, f->path);
        return -1;
    }
    for (;;) {
        if (f->size == cap) {
            if (cap > max_size) {
                snprintf(err, errlen, "%s '%s' is larger than guest RAM (%llu bytes)", what,
                         f->path, (unsigned long long)max_size);
                return -1;
            }
            uint8_t *bigger = realloc(f->data, cap * 2);
            if (!bigger) {
                snprintf(err, errlen, "%s '%s': out of memory", what, f->path);
                return -1;
            }
            f->data = bigger;
            cap *= 2;
        }
        ssize_t n = read(fd, f->data + f->size, cap - f->size);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            snprintf(err, errlen, "cannot read %s '%s': %s", what, f->path, strerror(errno));
            return -1;
        }
        if (n == 0) {
            break;
        }
        f->size += (size_t)n;
    }
    if (f->size > max_size) {
        snprintf(err, errlen, "%s '%s' is larger than guest RAM (%llu bytes)", what, f->path,
                 (unsigned long long)max_size);
        return -1;
    }
    return 0;
}

int loader_file_read(LoaderFile *f, const char *what, const char *path, uint64_t max_size,
                     char *err, size_t errlen)
{
    memset(f, 0, sizeof(*f));
    f->path = strdup(path);
    if (!f->path) {
        snprintf(err, errlen, "%s '%s': out of memory", what, path);
        return -1;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "cannot open %s '%s': %s", what, path, strerror(errno));
        loader_file_free(f);
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "cannot read %s '%s': %s", what, path, strerror(EISDIR));
        close(fd);
        loader_file_free(f);
        return -1;
    }
    int ret = file_read_all(fd, f, max_size, what, err, errlen);
    close(fd);
    if (ret < 0) {
        loader_file_free(f);
    }
    return ret;
}

void loader_file_free(LoaderFile *f)
{
    free(f->path);
    free(f->data);
    memset(f, 0, sizeof(*f));
}

/* ---- ranges and guest RAM ---- */

bool loader_ranges_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
    if (alen == 0 || blen == 0) {
        return false;
    }
    return a < b + blen && b < a + alen;
}

bool loader_range_in_pc_ram(uint64_t addr, uint64_t len, uint64_t ram_below_4g)
{
    if (len > UINT64_MAX - addr) {
        return false;
    }
    uint64_t end = addr + len;
    /* hw/pc.c: [0, 0x9fc00) and [1 MiB, ram_below_4g) are RAM in e820. */
    return end <= PC_LOW_RAM_END || (addr >= PC_HIGH_RAM_START && end <= ram_below_4g);
}

uint8_t *loader_guest_ptr(AddressSpace *mem, uint64_t addr, uint64_t len, const char *what,
                          char *err, size_t errlen)
{
    uint8_t *p = NULL;
    if (len <= UINT64_MAX - addr) {
        p = address_space_ram_ptr(mem, addr, len ? len : 1);
    }
    if (!p) {
        snprintf(err, errlen, "%s at [0x%llx, 0x%llx) is not in guest RAM", what,
                 (unsigned long long)addr, (unsigned long long)(addr + len));
    }
    return p;
}

int loader_guest_write(AddressSpace *mem, uint64_t addr, const void *src, uint64_t len,
                       const char *what, char *err, size_t errlen)
{
    if (len == 0) {
        return 0;
    }
    uint8_t *p = loader_guest_ptr(mem, addr, len, what, err, errlen);
    if (!p) {
        return -1;
    }
    memcpy(p, src, len);
    return 0;
}

int loader_guest_zero(AddressSpace *mem, uint64_t addr, uint64_t len, const char *what,
                      char *err, size_t errlen)
{
    if (len == 0) {
        return 0;
    }
    uint8_t *p = loader_guest_ptr(mem, addr, len, what, err, errlen);
    if (!p) {
        return -1;
    }
    memset(p, 0, len);
    return 0;
}

/* ---- GDT ---- */

uint64_t loader_segment_descriptor(const X86Segment *seg)
{
    /* SDM vol. 3A 3.4.5, figure 3-8: the limit is stored in pages when G=1. */
    uint32_t limit = seg->g ? seg->limit >> 12 : seg->limit;
    uint64_t d = 0;
    d |= limit & 0xffffull;
    d |= (seg->base & 0xffffffull) << 16;
    d |= (uint64_t)(seg->type & 0xf) << 40;
    d |= (uint64_t)(seg->s & 1) << 44;
    d |= (uint64_t)(seg->dpl & 3) << 45;
    d |= (uint64_t)(seg->present & 1) << 47;
    d |= (uint64_t)((limit >> 16) & 0xf) << 48;
    d |= (uint64_t)(seg->avl & 1) << 52;
    d |= (uint64_t)(seg->l & 1) << 53;
    d |= (uint64_t)(seg->db & 1) << 54;
    d |= (uint64_t)(seg->g & 1) << 55;
    d |= ((seg->base >> 24) & 0xffull) << 56;
    return d;
}

int loader_install_gdt(AddressSpace *mem, X86State *boot, char *err, size_t errlen)
{
    uint8_t gdt[BOOT_GDT_ENTRIES * 8];
    memset(gdt, 0, sizeof(gdt));
    const X86Segment *cs = &boot->segs[SEG_CS], *ds = &boot->segs[SEG_DS];
    unsigned cs_index = cs->selector >> 3, ds_index = ds->selector >> 3;
    /* Our own choice of selectors; a bad one is a tandem bug. */
    if (cs_index == 0 || cs_index >= BOOT_GDT_ENTRIES || ds_index == 0 ||
        ds_index >= BOOT_GDT_ENTRIES || cs_index == ds_index) {
        snprintf(err, errlen, "boot selectors 0x%x/0x%x do not fit the boot GDT", cs->selector,
                 ds->selector);
        return -1;
    }
    loader_st64(gdt + cs_index * 8, loader_segment_descriptor(cs));
    loader_st64(gdt + ds_index * 8, loader_segment_descriptor(ds));
    if (loader_guest_write(mem, BOOT_GDT_ADDR, gdt, sizeof(gdt), "boot GDT", err, errlen) < 0) {
        return -1;
    }
    boot->gdtr.base = BOOT_GDT_ADDR;
    boot->gdtr.limit = sizeof(gdt) - 1;
    return 0;
}

/* ---- format detection ---- */

static bool is_elf64(const LoaderFile *k)
{
    return k->size >= EI_NIDENT && memcmp(k->data, ELFMAG, SELFMAG) == 0 &&
           k->data[EI_CLASS] == ELFCLASS64;
}

/*
 * Which format: a bzImage has "HdrS" at 0x202; a multiboot kernel a header
 * in its first 8 KiB (even when it is an ELF64); an x86-64 ELF64 without one
 * is a Linux vmlinux.  A multiboot magic with a bad checksum is reported
 * only when nothing else matches, since it may be a stray word.
 */
Loader *loader_open(const Options *opts, uint64_t ram_below_4g, uint64_t ram_above_4g,
                    char *err, size_t errlen)
{
    LoaderFile kernel;
    if (loader_file_read(&kernel, "kernel", opts->kernel, ram_below_4g + ram_above_4g, err,
                         errlen) < 0) {
        return NULL;
    }
    Loader *l = calloc(1, sizeof(*l));
    if (!l) {
        snprintf(err, errlen, "kernel '%s': out of memory", opts->kernel);
        loader_file_free(&kernel);
        return NULL;
    }
    if (linux_probe(&kernel)) {
        l->kind = LOADER_LINUX;
        l->linux_image = linux_open(&kernel, opts, ram_below_4g, err, errlen);
        if (!l->linux_image) {
            goto fail;
        }
        return l;
    }
    bool bad_checksum = false;
    long mb_header = multiboot_find_header(&kernel, &bad_checksum);
    if (mb_header >= 0) {
        l->kind = LOADER_MULTIBOOT;
        l->multiboot_image = multiboot_open(&kernel, mb_header, opts, ram_below_4g, err, errlen);
        if (!l->multiboot_image) {
            goto fail;
        }
        return l;
    }
    if (vmlinux_probe(&kernel)) {
        l->kind = LOADER_VMLINUX;
        l->vmlinux_image = vmlinux_open(&kernel, opts, ram_below_4g, err, errlen);
        if (!l->vmlinux_image) {
            goto fail;
        }
        return l;
    }
    if (bad_checksum) {
        snprintf(err, errlen, "kernel '%s': multiboot header has a bad checksum", opts->kernel);
    } else if (is_elf64(&kernel)) {
        snprintf(err, errlen, "kernel '%s': not a bzImage, multiboot kernel or x86-64 vmlinux "
                 "(an ELF64 for another machine or byte order)", opts->kernel);
    } else {
        snprintf(err, errlen, "kernel '%s': not a bzImage, multiboot kernel or x86-64 vmlinux",
                 opts->kernel);
    }
fail:
    /* The *_open functions take the file only when they succeed. */
    loader_file_free(&kernel);
    free(l);
    return NULL;
}

int loader_install(const Loader *l, AddressSpace *mem, const E820Entry *e820, int nr_e820,
                   X86State *boot, char *err, size_t errlen)
{
    switch (l->kind) {
    case LOADER_LINUX:
        return linux_install(l->linux_image, mem, e820, nr_e820, boot, err, errlen);
    case LOADER_VMLINUX:
        return vmlinux_install(l->vmlinux_image, mem, e820, nr_e820, boot, err, errlen);
    case LOADER_MULTIBOOT:
        return multiboot_install(l->multiboot_image, mem, e820, nr_e820, boot, err, errlen);
    }
    snprintf(err, errlen, "loader: unknown image kind");
    return -1;
}

void loader_free(Loader *l)
{
    if (!l) {
        return;
    }
    linux_free(l->linux_image);
    vmlinux_free(l->vmlinux_image);
    multiboot_free(l->multiboot_image);
    free(l);
}
