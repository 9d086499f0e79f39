/* Multiboot v1 kernels (Multiboot Specification 0.6.96): ELF32 or a.out kludge, modules, info. */
#include "hw/loader.h"

#include <assert.h>
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * The image is planned in multiboot_open: segments taken from the a.out
 * kludge fields (header flag 16) or from the ELF32 program headers, checked
 * against the file and the PC's RAM; modules from -initrd placed page
 * aligned after the kernel.  multiboot_install copies it all in, builds the
 * boot information structure (spec 3.3) at MB_INFO_ADDR and sets the machine
 * state of spec 3.2.  There is no BIOS, so no drives, APM, VBE or config
 * table information; the video request (flag 2) is ignored.
 */

/* Spec 3.1.1: the header lies in the first 8192 bytes, 32-bit aligned. */
#define MB_HEADER_MAGIC      0x1badb002u
#define MB_HEADER_SEARCH     8192
#define MB_HEADER_MIN        12      /* magic, flags, checksum */
#define MB_HEADER_ADDR_END   32      /* ... header_addr .. entry_addr (flag 16) */

/* Spec 3.1.2: header flags. Bits 0-15 are requirements, 16-31 optional. */
#define MB_FLAG_PAGE_ALIGN   (1u << 0)   /* modules page aligned: we always do */
#define MB_FLAG_MEMORY_INFO  (1u << 1)   /* mem_* fields: we always give them */
#define MB_FLAG_VIDEO_MODE   (1u << 2)   /* ignored: no framebuffer negotiation */
#define MB_FLAG_AOUT_KLUDGE  (1u << 16)
#define MB_FLAGS_REQUIRED    0xffffu
#define MB_FLAGS_KNOWN       (MB_FLAG_PAGE_ALIGN | MB_FLAG_MEMORY_INFO | MB_FLAG_VIDEO_MODE)

/* Spec 3.2: EAX at entry. */
#define MB_BOOTLOADER_MAGIC  0x2badb002u

/* Spec 3.3: boot information structure. */
#define MBI_FLAG_MEM         (1u << 0)
#define MBI_FLAG_CMDLINE     (1u << 2)
#define MBI_FLAG_MODS        (1u << 3)
#define MBI_FLAG_MMAP        (1u << 6)
#define MBI_FLAG_LOADER_NAME (1u << 9)
#define MBI_FLAGS            0
#define MBI_MEM_LOWER        4
#define MBI_MEM_UPPER        8
#define MBI_CMDLINE          16
#define MBI_MODS_COUNT       20
#define MBI_MODS_ADDR        24
#define MBI_MMAP_LENGTH      44
#define MBI_MMAP_ADDR        48
#define MBI_BOOT_LOADER_NAME 64
#define MBI_SIZE             128     /* 116 bytes in 0.6.96, rounded up */
#define MB_MODULE_SIZE       16      /* mod_start, mod_end, string, reserved */
#define MB_MMAP_ENTRY_SIZE   24      /* size field + 20 bytes */
#define MB_LOADER_NAME       "tandem"

#define MB_BOOT_CS           0x08
#define MB_BOOT_DS           0x10
#define PAGE_SIZE_4K         0x1000ull

typedef struct MbSegment {
    uint64_t file_offset;
    uint64_t filesz;
    uint64_t paddr;
    uint64_t memsz;             /* >= filesz; the rest is zeroed (bss) */
} MbSegment;

typedef struct MbModule {
    LoaderFile file;
    char *string;               /* path and arguments, as given */
    uint64_t addr;
} MbModule;

struct MultibootImage {
    LoaderFile kernel;
    MbSegment *segs;
    int nr_segs;
    uint32_t entry;
    char *cmdline;
    MbModule *mods;
    int nr_mods;
};

long multiboot_find_header(const LoaderFile *kernel, bool *bad_checksum)
{
    size_t limit = kernel->size < MB_HEADER_SEARCH ? kernel->size : MB_HEADER_SEARCH;
    *bad_checksum = false;
    for (size_t off = 0; off + MB_HEADER_MIN <= limit; off += 4) {
        const uint8_t *h = kernel->data + off;
        if (loader_le32(h) != MB_HEADER_MAGIC) {
            continue;
        }
        /* Spec 3.1.2: magic + flags + checksum == 0 (mod 2^32). */
        if ((uint32_t)(loader_le32(h) + loader_le32(h + 4) + loader_le32(h + 8)) == 0) {
            return (long)off;
        }
        *bad_checksum = true;
    }
    return -1;
}

/* ---- planning the kernel's segments ---- */

static int add_segment(MultibootImage *img, uint64_t file_offset, uint64_t filesz,
                       uint64_t paddr, uint64_t memsz, char *err, size_t errlen)
{
    MbSegment *segs = realloc(img->segs, (img->nr_segs + 1) * sizeof(*segs));
    if (!segs) {
        snprintf(err, errlen, "kernel '%s': out of memory", img->kernel.path);
        return -1;
    }
    segs[img->nr_segs++] = (MbSegment){ file_offset, filesz, paddr, memsz };
    img->segs = segs;
    return 0;
}

/* Spec 3.1.3: header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr. */
static int plan_aout_kludge(MultibootImage *img, long header_offset, char *err, size_t errlen)
{
    const char *path = img->kernel.path;
    uint64_t size = img->kernel.size;
    if ((uint64_t)header_offset + MB_HEADER_ADDR_END > size) {
        snprintf(err, errlen, "kernel '%s': multiboot header truncated by the end of the file", path);
        return -1;
    }
    const uint8_t *h = img->kernel.data + header_offset;
    uint64_t header_addr = loader_le32(h + 12), load_addr = loader_le32(h + 16);
    uint64_t load_end = loader_le32(h + 20), bss_end = loader_le32(h + 24);
    uint64_t entry = loader_le32(h + 28);
    if (load_addr > header_addr || header_addr - load_addr > (uint64_t)header_offset) {
        snprintf(err, errlen, "kernel '%s': multiboot load_addr 0x%llx does not match header_addr "
                 "0x%llx at file offset 0x%lx", path, (unsigned long long)load_addr,
                 (unsigned long long)header_addr, header_offset);
        return -1;
    }
    uint64_t file_offset = header_offset - (header_addr - load_addr);   /* < size */
    uint64_t filesz = size - file_offset;             /* load_end_addr 0: the rest of the file */
    if (load_end) {
        if (load_end <= header_addr || load_end - load_addr > filesz) {
            snprintf(err, errlen, "kernel '%s': multiboot load_end_addr 0x%llx is outside the file "
                     "(load_addr 0x%llx, file has %llu bytes)", path, (unsigned long long)load_end,
                     (unsigned long long)load_addr, (unsigned long long)size);
            return -1;
        }
        filesz = load_end - load_addr;
    }
    uint64_t memsz = filesz;
    if (bss_end) {
        if (bss_end < load_addr + filesz) {
            snprintf(err, errlen, "kernel '%s': multiboot bss_end_addr 0x%llx is below the end of "
                     "the loaded image 0x%llx", path, (unsigned long long)bss_end,
                     (unsigned long long)(load_addr + filesz));
            return -1;
        }
        memsz = bss_end - load_addr;
    }
    if (entry < load_addr || entry >= load_addr + filesz) {
        snprintf(err, errlen, "kernel '%s': multiboot entry_addr 0x%llx is outside the loaded "
                 "image [0x%llx, 0x%llx)", path, (unsigned long long)entry,
                 (unsigned long long)load_addr, (unsigned long long)(load_addr + filesz));
        return -1;
    }
    img->entry = (uint32_t)entry;
    return add_segment(img, file_offset, filesz, load_addr, memsz, err, errlen);
}

static int check_elf32_header(const MultibootImage *img, const Elf32_Ehdr *eh, char *err,
                              size_t errlen)
{
    const char *path = img->kernel.path;
    if (img->kernel.size < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0) {
        snprintf(err, errlen, "kernel '%s': multiboot kernel is not ELF and has no a.out kludge "
                 "(header flag 16)", path);
        return -1;
    }
    if (eh->e_ident[EI_CLASS] == ELFCLASS64) {
        snprintf(err, errlen, "kernel '%s': ELF64 multiboot kernel not supported "
                 "(multiboot v1 loads ELF32)", path);
        return -1;
    }
    if (eh->e_ident[EI_CLASS] != ELFCLASS32 || eh->e_ident[EI_DATA] != ELFDATA2LSB ||
        eh->e_machine != EM_386 || eh->e_type != ET_EXEC) {
        snprintf(err, errlen, "kernel '%s': multiboot ELF is not a 32-bit little-endian i386 "
                 "executable", path);
        return -1;
    }
    uint64_t ph_end = eh->e_phoff + (uint64_t)eh->e_phnum * eh->e_phentsize;
    if (eh->e_phentsize < sizeof(Elf32_Phdr) || eh->e_phnum == 0 || ph_end > img->kernel.size) {
        snprintf(err, errlen, "kernel '%s': ELF program headers are missing or outside the file",
                 path);
        return -1;
    }
    return 0;
}

static int plan_elf_segment(MultibootImage *img, const Elf32_Phdr *ph, int index, char *err,
                            size_t errlen)
{
    const char *path = img->kernel.path;
    if ((uint64_t)ph->p_offset + ph->p_filesz > img->kernel.size) {
        snprintf(err, errlen, "kernel '%s': ELF segment %d [0x%x, +0x%x) is outside the file "
                 "(%zu bytes)", path, index, ph->p_offset, ph->p_filesz, img->kernel.size);
        return -1;
    }
    if (ph->p_filesz > ph->p_memsz) {
        snprintf(err, errlen, "kernel '%s': ELF segment %d has filesz 0x%x > memsz 0x%x", path,
                 index, ph->p_filesz, ph->p_memsz);
        return -1;
    }
    return add_segment(img, ph->p_offset, ph->p_filesz, ph->p_paddr, ph->p_memsz, err, errlen);
}

/* The entry point is virtual; run it at the physical address of its segment. */
static int translate_elf_entry(MultibootImage *img, const Elf32_Ehdr *eh, const Elf32_Phdr *phs,
                               char *err, size_t errlen)
{
    for (int i = 0; i < eh->e_phnum; i++) {
        const Elf32_Phdr *ph = &phs[i];
        if (ph->p_type == PT_LOAD && eh->e_entry >= ph->p_vaddr &&
            (uint64_t)eh->e_entry < (uint64_t)ph->p_vaddr + ph->p_filesz) {
            img->entry = eh->e_entry - ph->p_vaddr + ph->p_paddr;
            return 0;
        }
    }
    snprintf(err, errlen, "kernel '%s': ELF entry point 0x%x is not in a loaded segment",
             img->kernel.path, eh->e_entry);
    return -1;
}

static int plan_elf32(MultibootImage *img, char *err, size_t errlen)
{
    Elf32_Ehdr eh;
    memset(&eh, 0, sizeof(eh));
    memcpy(&eh, img->kernel.data, img->kernel.size < sizeof(eh) ? img->kernel.size : sizeof(eh));
    if (check_elf32_header(img, &eh, err, errlen) < 0) {
        return -1;
    }
    Elf32_Phdr *phs = calloc(eh.e_phnum, sizeof(*phs));
    if (!phs) {
        snprintf(err, errlen, "kernel '%s': out of memory", img->kernel.path);
        return -1;
    }
    int ret = 0;
    for (int i = 0; i < eh.e_phnum && ret == 0; i++) {
        memcpy(&phs[i], img->kernel.data + eh.e_phoff + (uint64_t)i * eh.e_phentsize, sizeof(phs[i]));
        if (phs[i].p_type == PT_LOAD && phs[i].p_memsz) {
            ret = plan_elf_segment(img, &phs[i], i, err, errlen);
        }
    }
    if (ret == 0 && img->nr_segs == 0) {
        snprintf(err, errlen, "kernel '%s': ELF has no loadable segment", img->kernel.path);
        ret = -1;
    }
    if (ret == 0) {
        ret = translate_elf_entry(img, &eh, phs, err, errlen);
    }
    free(phs);
    return ret;
}

/* ---- modules and the info area ---- */

/*
 * -initrd "file1 arg arg,file2": modules are separated by commas, ",," is a
 * literal comma (QEMU's convention).  Each module's string is the whole
 * entry; its file is the entry up to the first space.
 */
static int parse_modules(MultibootImage *img, const char *list, uint64_t ram_below_4g,
                         char *err, size_t errlen)
{
    size_t len = strlen(list);
    char *entry = malloc(len + 1);
    if (!entry) {
        snprintf(err, errlen, "-initrd: out of memory");
        return -1;
    }
    const char *p = list;
    int ret = 0;
    while (ret == 0) {
        size_t n = 0;
        while (*p && !(*p == ',' && p[1] != ',')) {
            entry[n++] = *p;
            p += (*p == ',') ? 2 : 1;     /* ",," -> "," */
        }
        entry[n] = '\0';
        if (n == 0 || entry[0] == ' ') {
            snprintf(err, errlen, "-initrd '%s': empty multiboot module name", list);
            ret = -1;
            break;
        }
        MbModule *mods = realloc(img->mods, (img->nr_mods + 1) * sizeof(*mods));
        if (!mods) {
            snprintf(err, errlen, "-initrd: out of memory");
            ret = -1;
            break;
        }
        img->mods = mods;
        MbModule *m = &img->mods[img->nr_mods];
        memset(m, 0, sizeof(*m));
        m->string = strdup(entry);
        char *space = strchr(entry, ' ');
        if (space) {
            *space = '\0';
        }
        if (!m->string) {
            snprintf(err, errlen, "-initrd: out of memory");
            ret = -1;
            break;
        }
        img->nr_mods++;
        ret = loader_file_read(&m->file, "multiboot module", entry, ram_below_4g, err, errlen);
        if (*p != ',') {
            break;
        }
        p++;
    }
    free(entry);
    return ret;
}

static uint64_t kernel_end(const MultibootImage *img)
{
    uint64_t end = 0;
    for (int i = 0; i < img->nr_segs; i++) {
        uint64_t e = img->segs[i].paddr + img->segs[i].memsz;
        end = e > end ? e : end;
    }
    return end;
}

/* Spec 3.3: modules anywhere in RAM; we go page aligned above the kernel and 1 MiB. */
static int place_modules(MultibootImage *img, uint64_t ram_below_4g, char *err, size_t errlen)
{
    uint64_t cursor = kernel_end(img);
    if (cursor < PC_HIGH_RAM_START) {
        cursor = PC_HIGH_RAM_START;
    }
    for (int i = 0; i < img->nr_mods; i++) {
        MbModule *m = &img->mods[i];
        cursor = (cursor + PAGE_SIZE_4K - 1) & ~(PAGE_SIZE_4K - 1);
        if (!loader_range_in_pc_ram(cursor, m->file.size, ram_below_4g)) {
            snprintf(err, errlen, "multiboot module '%s' (%zu bytes) does not fit in guest RAM "
                     "after 0x%llx; use a larger -m", m->file.path, m->file.size,
                     (unsigned long long)cursor);
            return -1;
        }
        m->addr = cursor;
        cursor += m->file.size;
    }
    return 0;
}

/*
 * The info area, built at install: the structure, mmap, modules, then
 * strings, each 4-byte aligned (so up to 3 bytes of padding per piece).
 */
static uint64_t info_area_size(const MultibootImage *img, int nr_e820)
{
    uint64_t size = MBI_SIZE + (uint64_t)nr_e820 * MB_MMAP_ENTRY_SIZE +
                    (uint64_t)img->nr_mods * MB_MODULE_SIZE;
    size += strlen(img->cmdline) + 1 + sizeof(MB_LOADER_NAME);
    for (int i = 0; i < img->nr_mods; i++) {
        size += strlen(img->mods[i].string) + 1;
    }
    uint64_t pieces = 5 + (uint64_t)img->nr_mods;
    return size + 3 * pieces;
}

static int plan_cmdline(MultibootImage *img, const Options *opts, char *err, size_t errlen)
{
    /* As QEMU does: the kernel's path, then -append. */
    const char *append = opts->append ? opts->append : "";
    size_t len = strlen(opts->kernel) + 1 + strlen(append) + 1;
    img->cmdline = malloc(len);
    if (!img->cmdline) {
        snprintf(err, errlen, "kernel '%s': out of memory", opts->kernel);
        return -1;
    }
    snprintf(img->cmdline, len, "%s%s%s", opts->kernel, *append ? " " : "", append);
    return 0;
}

/* Segments must be RAM in the PC map and keep off the GDT and the info area. */
static int check_segments(const MultibootImage *img, uint64_t ram_below_4g, char *err,
                          size_t errlen)
{
    uint64_t info_max = info_area_size(img, E820_MAX);
    if (MB_INFO_ADDR + info_max > MB_INFO_LIMIT) {
        snprintf(err, errlen, "kernel '%s': multiboot command line and module strings take %llu "
                 "bytes, tandem has room for %llu", img->kernel.path,
                 (unsigned long long)info_max,
                 (unsigned long long)(MB_INFO_LIMIT - MB_INFO_ADDR - MBI_SIZE));
        return -1;
    }
    for (int i = 0; i < img->nr_segs; i++) {
        const MbSegment *s = &img->segs[i];
        if (!loader_range_in_pc_ram(s->paddr, s->memsz, ram_below_4g) ||
            loader_ranges_overlap(s->paddr, s->memsz, BOOT_GDT_ADDR,
                                  MB_INFO_ADDR + info_max - BOOT_GDT_ADDR)) {
            snprintf(err, errlen, "kernel '%s': segment [0x%llx, 0x%llx) is not in usable guest RAM "
                     "(RAM: [0x%llx, 0x%llx), [0x%llx, 0x%llx))", img->kernel.path,
                     (unsigned long long)s->paddr, (unsigned long long)(s->paddr + s->memsz),
                     (unsigned long long)(MB_INFO_ADDR + info_max), PC_LOW_RAM_END,
                     PC_HIGH_RAM_START, (unsigned long long)ram_below_4g);
            return -1;
        }
    }
    return 0;
}

MultibootImage *multiboot_open(LoaderFile *kernel, long header_offset, const Options *opts,
                               uint64_t ram_below_4g, char *err, size_t errlen)
{
    MultibootImage *img = calloc(1, sizeof(*img));
    if (!img) {
        snprintf(err, errlen, "kernel '%s': out of memory", kernel->path);
        return NULL;
    }
    img->kernel = *kernel;
    uint32_t flags = loader_le32(kernel->data + header_offset + 4);
    int ret;
    if (flags & MB_FLAGS_REQUIRED & ~MB_FLAGS_KNOWN) {
        snprintf(err, errlen, "kernel '%s': multiboot header requires features tandem lacks "
                 "(flags 0x%x)", kernel->path, flags & MB_FLAGS_REQUIRED & ~MB_FLAGS_KNOWN);
        ret = -1;
    } else if (flags & MB_FLAG_AOUT_KLUDGE) {
        ret = plan_aout_kludge(img, header_offset, err, errlen);
    } else {
        ret = plan_elf32(img, err, errlen);
    }
    if (ret == 0) {
        ret = plan_cmdline(img, opts, err, errlen);
    }
    if (ret == 0 && opts->initrd) {
        ret = parse_modules(img, opts->initrd, ram_below_4g, err, errlen);
    }
    if (ret == 0) {
        ret = check_segments(img, ram_below_4g, err, errlen);
    }
    if (ret == 0) {
        ret = place_modules(img, ram_below_4g, err, errlen);
    }
    if (ret < 0) {
        memset(&img->kernel, 0, sizeof(img->kernel));   /* still the caller's */
        multiboot_free(img);
        return NULL;
    }
    memset(kernel, 0, sizeof(*kernel));
    return img;
}

void multiboot_free(MultibootImage *img)
{
    if (!img) {
        return;
    }
    for (int i = 0; i < img->nr_mods; i++) {
        loader_file_free(&img->mods[i].file);
        free(img->mods[i].string);
    }
    free(img->mods);
    free(img->segs);
    free(img->cmdline);
    loader_file_free(&img->kernel);
    free(img);
}

/* ---- install ---- */

/* Spec 3.3: mem_lower from address 0, mem_upper from 1 MiB to the first hole, in KiB. */
static void memory_sizes(const E820Entry *e820, int nr_e820, uint32_t *lower, uint32_t *upper)
{
    uint64_t low_end = 0, high_end = PC_HIGH_RAM_START;
    for (int i = 0; i < nr_e820; i++) {
        if (e820[i].type == E820_RAM && e820[i].addr == 0) {
            low_end = e820[i].size;
        }
    }
    for (bool grew = true; grew;) {
        grew = false;
        for (int i = 0; i < nr_e820; i++) {
            const E820Entry *e = &e820[i];
            if (e->type == E820_RAM && e->addr <= high_end && e->addr + e->size > high_end) {
                high_end = e->addr + e->size;
                grew = true;
            }
        }
    }
    if (low_end > 640 * 1024) {
        low_end = 640 * 1024;
    }
    if (high_end > 0x100000000ull) {
        high_end = 0x100000000ull;    /* the field is 32 bits of KiB; stay below the hole */
    }
    *lower = (uint32_t)(low_end / 1024);
    *upper = (uint32_t)((high_end - PC_HIGH_RAM_START) / 1024);
}

/* A bump allocator over the host copy of the info area. */
typedef struct InfoArea {
    uint8_t *buf;
    uint64_t used, size;
} InfoArea;

static uint64_t info_alloc(InfoArea *a, uint64_t len)
{
    uint64_t off = a->used;
    /* info_area_size() sized the area for everything build_info() puts in it. */
    assert(len <= a->size - off);
    a->used = off + ((len + 3) & ~3ull);
    return off;
}

static uint32_t info_string(InfoArea *a, const char *s)
{
    uint64_t len = strlen(s) + 1;
    uint64_t off = info_alloc(a, len);
    memcpy(a->buf + off, s, len);
    return (uint32_t)(MB_INFO_ADDR + off);
}

static void build_info(const MultibootImage *img, const E820Entry *e820, int nr_e820,
                       InfoArea *a)
{
    uint8_t *mbi = a->buf + info_alloc(a, MBI_SIZE);
    uint32_t lower, upper;
    memory_sizes(e820, nr_e820, &lower, &upper);
    loader_st32(mbi + MBI_FLAGS, MBI_FLAG_MEM | MBI_FLAG_CMDLINE | MBI_FLAG_MODS |
                MBI_FLAG_MMAP | MBI_FLAG_LOADER_NAME);
    loader_st32(mbi + MBI_MEM_LOWER, lower);
    loader_st32(mbi + MBI_MEM_UPPER, upper);

    uint64_t mmap = info_alloc(a, (uint64_t)nr_e820 * MB_MMAP_ENTRY_SIZE);
    for (int i = 0; i < nr_e820; i++) {
        uint8_t *e = a->buf + mmap + i * MB_MMAP_ENTRY_SIZE;
        loader_st32(e, MB_MMAP_ENTRY_SIZE - 4);   /* size excludes the size field itself */
        loader_st64(e + 4, e820[i].addr);
        loader_st64(e + 12, e820[i].size);
        loader_st32(e + 20, e820[i].type);
    }
    loader_st32(mbi + MBI_MMAP_LENGTH, (uint32_t)nr_e820 * MB_MMAP_ENTRY_SIZE);
    loader_st32(mbi + MBI_MMAP_ADDR, (uint32_t)(MB_INFO_ADDR + mmap));

    uint64_t mods = info_alloc(a, (uint64_t)img->nr_mods * MB_MODULE_SIZE);
    for (int i = 0; i < img->nr_mods; i++) {
        const MbModule *m = &img->mods[i];
        uint8_t *e = a->buf + mods + i * MB_MODULE_SIZE;
        loader_st32(e, (uint32_t)m->addr);
        loader_st32(e + 4, (uint32_t)(m->addr + m->file.size));   /* end, exclusive */
        loader_st32(e + 8, info_string(a, m->string));
    }
    loader_st32(mbi + MBI_MODS_COUNT, (uint32_t)img->nr_mods);
    loader_st32(mbi + MBI_MODS_ADDR, (uint32_t)(MB_INFO_ADDR + mods));
    loader_st32(mbi + MBI_CMDLINE, info_string(a, img->cmdline));
    loader_st32(mbi + MBI_BOOT_LOADER_NAME, info_string(a, MB_LOADER_NAME));
}

static int install_info(const MultibootImage *img, AddressSpace *mem, const E820Entry *e820,
                        int nr_e820, char *err, size_t errlen)
{
    if (nr_e820 < 0 || nr_e820 > E820_MAX) {
        snprintf(err, errlen, "multiboot: %d e820 entries, tandem plans for at most %d", nr_e820,
                 E820_MAX);
        return -1;
    }
    InfoArea a = { .size = info_area_size(img, nr_e820) };
    a.buf = calloc(1, a.size);
    if (!a.buf) {
        snprintf(err, errlen, "multiboot: out of memory");
        return -1;
    }
    build_info(img, e820, nr_e820, &a);
    int ret = loader_guest_write(mem, MB_INFO_ADDR, a.buf, a.used, "multiboot information",
                                 err, errlen);
    free(a.buf);
    return ret;
}

/* Spec 3.2: the machine state at entry. */
static int set_entry_state(const MultibootImage *img, AddressSpace *mem, X86State *boot,
                           char *err, size_t errlen)
{
    x86_state_reset(boot);
    memset(boot->regs, 0, sizeof(boot->regs));
    x86_segment_flat_code(&boot->segs[SEG_CS], MB_BOOT_CS, false);
    static const int data_segs[] = { SEG_DS, SEG_ES, SEG_SS, SEG_FS, SEG_GS };
    for (size_t i = 0; i < sizeof(data_segs) / sizeof(data_segs[0]); i++) {
        x86_segment_flat_data(&boot->segs[data_segs[i]], MB_BOOT_DS);
    }
    /* The spec leaves GDTR undefined; ours matches the loaded selectors. */
    if (loader_install_gdt(mem, boot, err, errlen) < 0) {
        return -1;
    }
    boot->cr0 = X86_CR0_PE | X86_CR0_ET;          /* PG clear; caches on, as a BIOS leaves them */
    boot->rflags = X86_FLAG_FIXED;                 /* VM and IF clear */
    boot->rip = img->entry;
    boot->regs[R_EAX] = MB_BOOTLOADER_MAGIC;
    boot->regs[R_EBX] = MB_INFO_ADDR;
    return 0;
}

int multiboot_install(const MultibootImage *img, AddressSpace *mem, const E820Entry *e820,
                      int nr_e820, X86State *boot, char *err, size_t errlen)
{
    for (int i = 0; i < img->nr_segs; i++) {
        const MbSegment *s = &img->segs[i];
        if (loader_guest_write(mem, s->paddr, img->kernel.data + s->file_offset, s->filesz,
                               "multiboot kernel segment", err, errlen) < 0 ||
            loader_guest_zero(mem, s->paddr + s->filesz, s->memsz - s->filesz,
                              "multiboot kernel bss", err, errlen) < 0) {
            return -1;
        }
    }
    for (int i = 0; i < img->nr_mods; i++) {
        const MbModule *m = &img->mods[i];
        if (loader_guest_write(mem, m->addr, m->file.data, m->file.size, "multiboot module",
                               err, errlen) < 0) {
            return -1;
        }
    }
    if (install_info(img, mem, e820, nr_e820, err, errlen) < 0) {
        return -1;
    }
    return set_entry_state(img, mem, boot, err, errlen);
}
