/* Little-endian loads and the byte sum, for unit tests that read firmware tables out of guest RAM. */
#ifndef TESTS_UNIT_LE_BYTES_H
#define TESTS_UNIT_LE_BYTES_H

#include <stddef.h>
#include <stdint.h>

static inline uint16_t ld16(const uint8_t *p) { return p[0] | p[1] << 8; }
static inline uint32_t ld32(const uint8_t *p) { return ld16(p) | (uint32_t)ld16(p + 2) << 16; }
static inline uint64_t ld64(const uint8_t *p) { return ld32(p) | (uint64_t)ld32(p + 4) << 32; }

/* The 8-bit sum of len bytes: 0 over a whole ACPI table (ACPI 6.4 5.2.5.3, 5.2.6). */
static inline uint8_t sum(const uint8_t *p, size_t len)
{
    uint8_t s = 0;
    while (len--) {
        s += *p++;
    }
    return s;
}

#endif
