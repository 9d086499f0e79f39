/* difftest's random numbers: xoshiro256** seeded by splitmix64, so a (seed, case) pair is a case. */
#ifndef DIFFTEST_RNG_H
#define DIFFTEST_RNG_H

#include <stdint.h>

/*
 * xoshiro256** (Blackman and Vigna, "Scrambled linear pseudorandom number
 * generators", 2018), seeded through splitmix64 as its authors recommend.
 * Each case gets its own generator from (run seed, case index), so a case
 * is the same whatever the number of jobs or the order they run in.
 */
typedef struct DtRng {
    uint64_t s[4];
} DtRng;

static inline uint64_t dt_splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static inline void dt_rng_seed(DtRng *r, uint64_t seed, uint64_t stream)
{
    uint64_t x = seed ^ (stream * 0xd1342543de82ef95ull);
    for (int i = 0; i < 4; i++) {
        r->s[i] = dt_splitmix64(&x);
    }
}

static inline uint64_t dt_rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static inline uint64_t dt_rng_next(DtRng *r)
{
    uint64_t *s = r->s;
    uint64_t result = dt_rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = dt_rotl(s[3], 45);
    return result;
}

/* Uniform in [0, n), n > 0: the top 32 bits scaled (Lemire's multiply-shift, no division). */
static inline unsigned dt_rng_below(DtRng *r, unsigned n)
{
    return (unsigned)(((dt_rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

/* True with probability 1/n. */
static inline int dt_rng_one_in(DtRng *r, unsigned n)
{
    return dt_rng_below(r, n) == 0;
}

#endif
