/* Guest address spaces: RAM blocks, MMIO and port-I/O regions, and dispatch. */
#ifndef MEMORY_MEMORY_H
#define MEMORY_MEMORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * One bus API serves port I/O and MMIO, as in TinyEMU and Firecracker.
 * An AddressSpace is a sorted, non-overlapping list of regions; a region is
 * either RAM (a range of host memory the guest reads directly) or I/O (read
 * and write callbacks).  An I/O region says which access sizes the guest may
 * use (valid) and which its callbacks implement (impl); the core splits a
 * wider access into impl_max pieces and widens a narrower one to impl_min,
 * so a device only writes the sizes it understands.
 *
 * Threads: regions are added during machine construction, before any vCPU
 * runs; lookups are then lock-free.  Callbacks run with the machine's device
 * lock held (machine_lock()), on a vCPU thread or the I/O thread.
 */

typedef struct MemoryRegionOps {
    uint64_t (*read)(void *opaque, uint64_t offset, unsigned size);
    void (*write)(void *opaque, uint64_t offset, uint64_t value, unsigned size);
    unsigned valid_min, valid_max;   /* sizes the guest may use; 0 = 1..8 */
    unsigned impl_min, impl_max;     /* sizes the callbacks handle; 0 = valid */
} MemoryRegionOps;

typedef enum { REGION_RAM, REGION_IO } RegionKind;

typedef struct MemoryRegion {
    const char *name;
    RegionKind kind;
    uint64_t base;
    uint64_t size;
    uint8_t *host;                /* RAM: host address of `base` */
    const MemoryRegionOps *ops;   /* IO */
    void *opaque;                 /* IO */
} MemoryRegion;

typedef struct AddressSpace {
    const char *name;
    uint64_t size;                /* addresses at or past this do not exist */
    MemoryRegion *regions;        /* sorted by base */
    size_t nr_regions;
    size_t capacity;
} AddressSpace;

/* A block of guest RAM in host memory (mmap'd, MAP_NORESERVE). */
typedef struct RamBlock {
    uint8_t *host;
    uint64_t size;
} RamBlock;

/* Returns 0, or -errno with a message in err. */
int ram_block_alloc(RamBlock *rb, uint64_t size, char *err, size_t errlen);
void ram_block_free(RamBlock *rb);
/* Drop the contents (the block reads as zeroes afterwards). */
void ram_block_discard(RamBlock *rb);

void address_space_init(AddressSpace *as, const char *name, uint64_t size);
void address_space_destroy(AddressSpace *as);

/*
 * Add a region.  Returns 0, or -EEXIST when it overlaps an existing one and
 * -EINVAL when it lies outside the space; nothing is added then.
 */
int address_space_add_ram(AddressSpace *as, const char *name, uint64_t base,
                          uint64_t size, uint8_t *host);
int address_space_add_io(AddressSpace *as, const char *name, uint64_t base,
                         uint64_t size, const MemoryRegionOps *ops, void *opaque);

/* The region holding addr, or NULL. */
const MemoryRegion *address_space_lookup(const AddressSpace *as, uint64_t addr);

/*
 * Host pointer for [addr, addr+len) if the whole range is RAM of one region,
 * else NULL.  Loaders and backends use it; a guest-supplied range must go
 * through it (or address_space_rw) so it is checked.
 */
uint8_t *address_space_ram_ptr(const AddressSpace *as, uint64_t addr, uint64_t len);

/*
 * One guest access of `size` bytes (1, 2, 4 or 8) at addr.  Unclaimed reads
 * return all ones; unclaimed writes are dropped; both are logged under
 * -d guest_errors.  The caller holds the device lock for I/O regions.
 */
uint64_t address_space_read(AddressSpace *as, uint64_t addr, unsigned size);
void address_space_write(AddressSpace *as, uint64_t addr, uint64_t value, unsigned size);

/*
 * Bulk copy between the guest and a host buffer, crossing regions as needed
 * (I/O regions are accessed a byte at a time).  Returns false if any part was
 * unclaimed (its bytes read as 0xff / are dropped).
 */
bool address_space_rw(AddressSpace *as, uint64_t addr, void *buf, uint64_t len, bool is_write);

#endif
