/* Guest address spaces: region registration, lookup and access dispatch. */
#include "memory/memory.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "ui/log.h"

int ram_block_alloc(RamBlock *rb, uint64_t size, char *err, size_t errlen)
{
    /* MAP_NORESERVE: a large guest overcommits; pages are backed on first touch. */
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) {
        int e = errno;
        snprintf(err, errlen, "cannot allocate %llu MiB of guest RAM: %s",
                 (unsigned long long)(size >> 20), strerror(e));
        return -e;
    }
    rb->host = p;
    rb->size = size;
    return 0;
}

void ram_block_free(RamBlock *rb)
{
    if (rb->host) {
        munmap(rb->host, rb->size);
    }
    rb->host = NULL;
    rb->size = 0;
}

void ram_block_discard(RamBlock *rb)
{
    /* A private anonymous mapping reads as zeroes after MADV_DONTNEED. */
    if (madvise(rb->host, rb->size, MADV_DONTNEED) != 0) {
        memset(rb->host, 0, rb->size);
    }
}

void address_space_init(AddressSpace *as, const char *name, uint64_t size)
{
    memset(as, 0, sizeof(*as));
    as->name = name;
    as->size = size;
}

void address_space_destroy(AddressSpace *as)
{
    free(as->regions);
    memset(as, 0, sizeof(*as));
}

/* Index of the first region whose end lies past addr (binary search). */
static size_t region_index(const AddressSpace *as, uint64_t addr)
{
    size_t lo = 0, hi = as->nr_regions;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const MemoryRegion *r = &as->regions[mid];
        if (r->base + r->size <= addr) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

static int address_space_insert(AddressSpace *as, const MemoryRegion *nr)
{
    if (nr->size == 0 || nr->base >= as->size || nr->size > as->size - nr->base) {
        return -EINVAL;
    }
    size_t i = region_index(as, nr->base);
    if (i < as->nr_regions && as->regions[i].base < nr->base + nr->size) {
        return -EEXIST;
    }
    if (as->nr_regions == as->capacity) {
        size_t cap = as->capacity ? as->capacity * 2 : 16;
        MemoryRegion *grown = realloc(as->regions, cap * sizeof(*grown));
        if (!grown) {
            return -ENOMEM;
        }
        as->regions = grown;
        as->capacity = cap;
    }
    memmove(&as->regions[i + 1], &as->regions[i], (as->nr_regions - i) * sizeof(*nr));
    as->regions[i] = *nr;
    as->nr_regions++;
    return 0;
}

int address_space_add_ram(AddressSpace *as, const char *name, uint64_t base,
                          uint64_t size, uint8_t *host)
{
    MemoryRegion r = { .name = name, .kind = REGION_RAM, .base = base, .size = size, .host = host };
    return address_space_insert(as, &r);
}

int address_space_add_io(AddressSpace *as, const char *name, uint64_t base,
                         uint64_t size, const MemoryRegionOps *ops, void *opaque)
{
    assert(ops && ops->read && ops->write);
    MemoryRegion r = { .name = name, .kind = REGION_IO, .base = base, .size = size,
                       .ops = ops, .opaque = opaque };
    return address_space_insert(as, &r);
}

const MemoryRegion *address_space_lookup(const AddressSpace *as, uint64_t addr)
{
    size_t i = region_index(as, addr);
    if (i < as->nr_regions && as->regions[i].base <= addr) {
        return &as->regions[i];
    }
    return NULL;
}

uint8_t *address_space_ram_ptr(const AddressSpace *as, uint64_t addr, uint64_t len)
{
    const MemoryRegion *r = address_space_lookup(as, addr);
    if (!r || r->kind != REGION_RAM) {
        return NULL;
    }
    uint64_t off = addr - r->base;
    if (len > r->size - off) {
        return NULL;
    }
    return r->host + off;
}

static unsigned valid_min(const MemoryRegionOps *ops) { return ops->valid_min ? ops->valid_min : 1; }
static unsigned valid_max(const MemoryRegionOps *ops) { return ops->valid_max ? ops->valid_max : 8; }
static unsigned impl_min(const MemoryRegionOps *ops) { return ops->impl_min ? ops->impl_min : valid_min(ops); }
static unsigned impl_max(const MemoryRegionOps *ops) { return ops->impl_max ? ops->impl_max : valid_max(ops); }

static uint64_t size_mask(unsigned size)
{
    return size >= 8 ? ~0ull : (1ull << (size * 8)) - 1;
}

static bool io_access_valid(const AddressSpace *as, const MemoryRegion *r, uint64_t off,
                            unsigned size, bool is_write)
{
    const MemoryRegionOps *ops = r->ops;
    if (size < valid_min(ops) || size > valid_max(ops) || size > r->size - off) {
        log_mask(LOG_GUEST_ERROR, "%s: invalid %u-byte %s of %s at offset 0x%llx\n",
                 as->name, size, is_write ? "write" : "read", r->name, (unsigned long long)off);
        return false;
    }
    return true;
}

/*
 * Split an access wider than the callbacks implement into impl_max pieces,
 * little-endian; widen a narrower one to impl_min (reads extract the bytes
 * asked for, writes pass the value shifted into place, as QEMU does).
 */
static uint64_t io_read(const MemoryRegion *r, uint64_t off, unsigned size)
{
    const MemoryRegionOps *ops = r->ops;
    unsigned lo = impl_min(ops), hi = impl_max(ops);
    if (size >= lo && size <= hi) {
        return ops->read(r->opaque, off, size) & size_mask(size);
    }
    if (size < lo) {
        uint64_t aligned = off & ~(uint64_t)(lo - 1);
        unsigned shift = (off - aligned) * 8;
        return (ops->read(r->opaque, aligned, lo) >> shift) & size_mask(size);
    }
    uint64_t value = 0;
    for (unsigned done = 0; done < size; done += hi) {
        value |= (ops->read(r->opaque, off + done, hi) & size_mask(hi)) << (done * 8);
    }
    return value;
}

static void io_write(const MemoryRegion *r, uint64_t off, uint64_t value, unsigned size)
{
    const MemoryRegionOps *ops = r->ops;
    unsigned lo = impl_min(ops), hi = impl_max(ops);
    value &= size_mask(size);
    if (size >= lo && size <= hi) {
        ops->write(r->opaque, off, value, size);
        return;
    }
    if (size < lo) {
        uint64_t aligned = off & ~(uint64_t)(lo - 1);
        ops->write(r->opaque, aligned, value << ((off - aligned) * 8), lo);
        return;
    }
    for (unsigned done = 0; done < size; done += hi) {
        ops->write(r->opaque, off + done, (value >> (done * 8)) & size_mask(hi), hi);
    }
}

static uint64_t ram_load(const uint8_t *p, unsigned size)
{
    uint64_t v = 0;
    memcpy(&v, p, size);   /* x86 host: little-endian like the guest */
    return v;
}

uint64_t address_space_read(AddressSpace *as, uint64_t addr, unsigned size)
{
    assert(size >= 1 && size <= 8);
    const MemoryRegion *r = address_space_lookup(as, addr);
    if (r && size <= r->size - (addr - r->base)) {
        uint64_t off = addr - r->base;
        if (r->kind == REGION_RAM) {
            return ram_load(r->host + off, size);
        }
        if (!io_access_valid(as, r, off, size, false)) {
            return size_mask(size);
        }
        return io_read(r, off, size);
    }
    if (r || address_space_lookup(as, addr + size - 1)) {
        /* The access straddles regions: do it a byte at a time. */
        uint8_t buf[8];
        address_space_rw(as, addr, buf, size, false);
        return ram_load(buf, size);
    }
    log_mask(LOG_GUEST_ERROR, "%s: %u-byte read of unassigned address 0x%llx\n",
             as->name, size, (unsigned long long)addr);
    return size_mask(size);
}

void address_space_write(AddressSpace *as, uint64_t addr, uint64_t value, unsigned size)
{
    assert(size >= 1 && size <= 8);
    const MemoryRegion *r = address_space_lookup(as, addr);
    if (r && size <= r->size - (addr - r->base)) {
        uint64_t off = addr - r->base;
        if (r->kind == REGION_RAM) {
            memcpy(r->host + off, &value, size);
        } else if (io_access_valid(as, r, off, size, true)) {
            io_write(r, off, value, size);
        }
        return;
    }
    if (r || address_space_lookup(as, addr + size - 1)) {
        uint8_t buf[8];
        memcpy(buf, &value, sizeof(buf));
        address_space_rw(as, addr, buf, size, true);
        return;
    }
    log_mask(LOG_GUEST_ERROR, "%s: %u-byte write of 0x%llx to unassigned address 0x%llx\n",
             as->name, size, (unsigned long long)(value & size_mask(size)),
             (unsigned long long)addr);
}

/* Copy within one region, or report the unassigned gap. Returns bytes done. */
static uint64_t rw_chunk(AddressSpace *as, uint64_t addr, uint8_t *buf, uint64_t len,
                         bool is_write, bool *ok)
{
    const MemoryRegion *r = address_space_lookup(as, addr);
    if (!r) {
        size_t i = region_index(as, addr);
        uint64_t gap = len;
        if (i < as->nr_regions && as->regions[i].base - addr < gap) {
            gap = as->regions[i].base - addr;
        }
        if (!is_write) {
            memset(buf, 0xff, gap);
        }
        log_mask(LOG_GUEST_ERROR, "%s: %s of unassigned range 0x%llx+0x%llx\n", as->name,
                 is_write ? "write" : "read", (unsigned long long)addr, (unsigned long long)gap);
        *ok = false;
        return gap;
    }
    uint64_t off = addr - r->base;
    uint64_t n = r->size - off < len ? r->size - off : len;
    if (r->kind == REGION_RAM) {
        if (is_write) {
            memcpy(r->host + off, buf, n);
        } else {
            memcpy(buf, r->host + off, n);
        }
        return n;
    }
    for (uint64_t i = 0; i < n; i++) {
        if (!io_access_valid(as, r, off + i, 1, is_write)) {
            if (!is_write) {
                buf[i] = 0xff;
            }
            *ok = false;
        } else if (is_write) {
            io_write(r, off + i, buf[i], 1);
        } else {
            buf[i] = io_read(r, off + i, 1);
        }
    }
    return n;
}

bool address_space_rw(AddressSpace *as, uint64_t addr, void *buf, uint64_t len, bool is_write)
{
    bool ok = true;
    uint8_t *p = buf;
    while (len > 0) {
        if (addr >= as->size) {
            if (!is_write) {
                memset(p, 0xff, len);
            }
            return false;
        }
        uint64_t n = rw_chunk(as, addr, p, len, is_write, &ok);
        addr += n;
        p += n;
        len -= n;
    }
    return ok;
}
