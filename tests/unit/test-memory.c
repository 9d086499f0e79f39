/* Unit tests for memory/: region registration, lookup, access splitting, unclaimed accesses. */
#include <errno.h>
#include <glib.h>
#include <string.h>

#include "memory/memory.h"

/* A device that records its accesses and returns a pattern of its offset. */
typedef struct FakeDevice {
    uint64_t last_offset, last_value;
    unsigned last_size;
    int reads, writes;
} FakeDevice;

static uint64_t fake_read(void *opaque, uint64_t off, unsigned size)
{
    FakeDevice *d = opaque;
    d->reads++;
    d->last_offset = off;
    d->last_size = size;
    /* byte i of the region reads as 0x10 + i */
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        v |= (uint64_t)(0x10 + off + i) << (8 * i);
    }
    return v;
}

static void fake_write(void *opaque, uint64_t off, uint64_t value, unsigned size)
{
    FakeDevice *d = opaque;
    d->writes++;
    d->last_offset = off;
    d->last_value = value;
    d->last_size = size;
}

static const MemoryRegionOps byte_ops = {
    .read = fake_read, .write = fake_write, .valid_min = 1, .valid_max = 4, .impl_min = 1, .impl_max = 1,
};
static const MemoryRegionOps dword_ops = {
    .read = fake_read, .write = fake_write, .valid_min = 1, .valid_max = 8, .impl_min = 4, .impl_max = 4,
};
static const MemoryRegionOps strict_ops = {
    .read = fake_read, .write = fake_write, .valid_min = 4, .valid_max = 4,
};

static void test_overlap_rejected(void)
{
    AddressSpace as;
    FakeDevice d = { 0 };
    address_space_init(&as, "test", 0x10000);
    g_assert_cmpint(address_space_add_io(&as, "a", 0x100, 0x10, &byte_ops, &d), ==, 0);
    g_assert_cmpint(address_space_add_io(&as, "b", 0x10f, 1, &byte_ops, &d), ==, -EEXIST);
    g_assert_cmpint(address_space_add_io(&as, "c", 0xf8, 0x10, &byte_ops, &d), ==, -EEXIST);
    g_assert_cmpint(address_space_add_io(&as, "d", 0x80, 0x200, &byte_ops, &d), ==, -EEXIST);
    g_assert_cmpint(address_space_add_io(&as, "e", 0x110, 1, &byte_ops, &d), ==, 0);
    g_assert_cmpint(address_space_add_io(&as, "f", 0xffff, 2, &byte_ops, &d), ==, -EINVAL);
    g_assert_cmpint(address_space_add_io(&as, "g", 0x0, 0, &byte_ops, &d), ==, -EINVAL);
    g_assert_cmpuint(as.nr_regions, ==, 2);
    g_assert_nonnull(address_space_lookup(&as, 0x10f));
    g_assert_cmpstr(address_space_lookup(&as, 0x110)->name, ==, "e");
    g_assert_null(address_space_lookup(&as, 0x111));
    address_space_destroy(&as);
}

static void test_unclaimed(void)
{
    AddressSpace as;
    address_space_init(&as, "test", 0x10000);
    g_assert_cmphex(address_space_read(&as, 0x3f8, 1), ==, 0xff);
    g_assert_cmphex(address_space_read(&as, 0x3f8, 2), ==, 0xffff);
    g_assert_cmphex(address_space_read(&as, 0x3f8, 4), ==, 0xffffffff);
    g_assert_cmphex(address_space_read(&as, 0, 8), ==, ~0ull);
    address_space_write(&as, 0x3f8, 0x12, 1);   /* dropped, no crash */
    address_space_destroy(&as);
}

static void test_split_and_widen(void)
{
    AddressSpace as;
    FakeDevice d = { 0 };
    address_space_init(&as, "test", 0x10000);
    g_assert_cmpint(address_space_add_io(&as, "bytes", 0x100, 0x10, &byte_ops, &d), ==, 0);
    /* A 4-byte read from a byte-wide device is four 1-byte reads, little-endian. */
    g_assert_cmphex(address_space_read(&as, 0x104, 4), ==, 0x17161514);
    g_assert_cmpint(d.reads, ==, 4);
    address_space_write(&as, 0x100, 0xaabb, 2);
    g_assert_cmpint(d.writes, ==, 2);
    g_assert_cmphex(d.last_value, ==, 0xaa);
    g_assert_cmphex(d.last_offset, ==, 1);
    /* 8 bytes exceed valid_max: refused, all ones. */
    d.reads = 0;
    g_assert_cmphex(address_space_read(&as, 0x100, 8), ==, ~0ull);
    g_assert_cmpint(d.reads, ==, 0);

    FakeDevice w = { 0 };
    g_assert_cmpint(address_space_add_io(&as, "dwords", 0x200, 0x10, &dword_ops, &w), ==, 0);
    /* A byte read at offset 6 is a dword read at 4, shifted. */
    g_assert_cmphex(address_space_read(&as, 0x206, 1), ==, 0x16);
    g_assert_cmphex(w.last_offset, ==, 4);
    g_assert_cmpuint(w.last_size, ==, 4);
    g_assert_cmphex(address_space_read(&as, 0x200, 8), ==, 0x1716151413121110ull);
    address_space_write(&as, 0x203, 0x5a, 1);
    g_assert_cmphex(w.last_offset, ==, 0);
    g_assert_cmphex(w.last_value, ==, 0x5a000000);

    FakeDevice s = { 0 };
    g_assert_cmpint(address_space_add_io(&as, "strict", 0x300, 0x8, &strict_ops, &s), ==, 0);
    g_assert_cmphex(address_space_read(&as, 0x300, 2), ==, 0xffff);
    g_assert_cmpint(s.reads, ==, 0);
    /* An access running off the end of a region is not given to the device whole. */
    g_assert_cmphex(address_space_read(&as, 0x306, 4), ==, 0xffffffff);
    address_space_destroy(&as);
}

static void test_ram_access(void)
{
    AddressSpace as;
    uint8_t lo[0x1000], hi[0x1000];
    memset(lo, 0, sizeof(lo));
    memset(hi, 0, sizeof(hi));
    address_space_init(&as, "mem", 1ull << 40);
    g_assert_cmpint(address_space_add_ram(&as, "lo", 0, sizeof(lo), lo), ==, 0);
    g_assert_cmpint(address_space_add_ram(&as, "hi", 0x1000, sizeof(hi), hi), ==, 0);
    address_space_write(&as, 0xffe, 0x44332211, 4);   /* straddles the two blocks */
    g_assert_cmphex(lo[0xffe], ==, 0x11);
    g_assert_cmphex(hi[1], ==, 0x44);
    g_assert_cmphex(address_space_read(&as, 0xffe, 4), ==, 0x44332211);
    g_assert_true(address_space_ram_ptr(&as, 0x10, 0x10) == lo + 0x10);
    g_assert_null(address_space_ram_ptr(&as, 0xff0, 0x20));   /* crosses regions */
    g_assert_null(address_space_ram_ptr(&as, 0x2000, 1));
    g_assert_null(address_space_ram_ptr(&as, 0x1000, ~0ull));

    uint8_t buf[16];
    memset(buf, 0, sizeof(buf));
    g_assert_false(address_space_rw(&as, 0x1ff8, buf, 16, false));   /* runs past RAM */
    g_assert_cmphex(buf[8], ==, 0xff);
    g_assert_false(address_space_rw(&as, ~0ull - 4, buf, 16, false)); /* past the space */
    address_space_destroy(&as);
}

static void test_ram_block(void)
{
    RamBlock rb;
    char err[128];
    g_assert_cmpint(ram_block_alloc(&rb, 64ull << 30, err, sizeof(err)), ==, 0);  /* overcommitted */
    rb.host[12345] = 7;
    rb.host[(64ull << 30) - 1] = 9;
    ram_block_discard(&rb);
    g_assert_cmpint(rb.host[12345], ==, 0);
    g_assert_cmpint(rb.host[(64ull << 30) - 1], ==, 0);
    ram_block_free(&rb);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/memory/overlap-rejected", test_overlap_rejected);
    g_test_add_func("/memory/unclaimed", test_unclaimed);
    g_test_add_func("/memory/split-and-widen", test_split_and_widen);
    g_test_add_func("/memory/ram-access", test_ram_access);
    g_test_add_func("/memory/ram-block", test_ram_block);
    return g_test_run();
}
