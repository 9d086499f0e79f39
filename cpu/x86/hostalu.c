/* The host ALU: guest integer instructions executed by the x86-64 host, flags in and out. */
#include "cpu/x86/hostalu.h"

#include <cpuid.h>

/*
 * How one instruction runs: the guest's status flags go into a host register
 * and through POPFQ into RFLAGS, the instruction runs, PUSHFQ brings the flags
 * back.  The stack pointer first steps over the 128-byte red zone below it
 * (the System V ABI lets the compiler keep data there; our pushes would
 * overwrite it) and is restored after.  Only the status flags and the fixed
 * bit 1 are loaded: the host's DF stays clear, AC stays clear (Linux sets
 * CR0.AM, so a set AC would turn unaligned host accesses into SIGBUS), and
 * POPFQ at CPL3 cannot change IF or IOPL.
 */
#define ENTER "lea -128(%%rsp), %%rsp\n\tpush %[fl]\n\tpopfq\n\t"
#define LEAVE "\n\tpushfq\n\tpop %[fl]\n\tlea 128(%%rsp), %%rsp"

static inline uint64_t flags_in(const uint64_t *rflags)
{
    return (*rflags & X86_ARITH_FLAGS) | X86_FLAG_FIXED;
}

static inline void flags_out(uint64_t *rflags, uint64_t host)
{
    *rflags = (*rflags & ~(uint64_t)X86_ARITH_FLAGS) | (host & X86_ARITH_FLAGS);
}

/* ---- the instruction shapes, one asm statement per operand size ---- */

/*
 * The fast shape, for instructions whose flags do not depend on the flags
 * before them (checked on the host: ADD..XOR, CMP, TEST, NEG, INC/DEC but
 * for the CF they keep, and ADC/SBB given CF): no POPFQ/PUSHFQ, which are microcoded and cost more than the
 * instruction itself.  LAHF takes SF, ZF, AF, PF, CF and SETO the OF; ADC
 * and SBB get the guest's CF from BT.  `cf` is 0 or 1.
 */
#define FAST_OUT "\n\tlahf\n\tseto %%al"
#define RUN_BINARY_FAST(pre, mn, size, dst, src, cf, ax)                                \
    switch (size) {                                                                     \
    case 1:                                                                             \
        __asm__(pre mn "b %b[s], %b[d]" FAST_OUT                                        \
                : [d] "+r"(dst), "=&a"(ax) : [s] "r"(src), [c] "r"(cf) : "cc");         \
        break;                                                                          \
    case 2:                                                                             \
        __asm__(pre mn "w %w[s], %w[d]" FAST_OUT                                        \
                : [d] "+r"(dst), "=&a"(ax) : [s] "r"(src), [c] "r"(cf) : "cc");         \
        break;                                                                          \
    case 4:                                                                             \
        __asm__(pre mn "l %k[s], %k[d]" FAST_OUT                                        \
                : [d] "+r"(dst), "=&a"(ax) : [s] "r"(src), [c] "r"(cf) : "cc");         \
        break;                                                                          \
    default:                                                                            \
        __asm__(pre mn "q %q[s], %q[d]" FAST_OUT                                        \
                : [d] "+r"(dst), "=&a"(ax) : [s] "r"(src), [c] "r"(cf) : "cc");         \
        break;                                                                          \
    }
#define CF_IN "bt $0, %k[c]\n\t"

/* The status flags as LAHF/SETO left them in AX. */
static inline uint64_t flags_from_ax(uint64_t ax)
{
    uint64_t low = (ax >> 8) & (X86_FLAG_SF | X86_FLAG_ZF | X86_FLAG_AF | X86_FLAG_PF | X86_FLAG_CF);
    return low | ((ax & 1) ? X86_FLAG_OF : 0);
}

/* The same for instructions with no byte form (sizes 2, 4, 8). */
#define RUN_BINARY_WIDE(mn, size, dst, src, fl)                                         \
    switch (size) {                                                                     \
    case 2:                                                                             \
        __asm__(ENTER mn "w %w[s], %w[d]" LEAVE                                         \
                : [d] "+r"(dst), [fl] "+r"(fl) : [s] "r"(src) : "cc");                  \
        break;                                                                          \
    case 4:                                                                             \
        __asm__(ENTER mn "l %k[s], %k[d]" LEAVE                                         \
                : [d] "+r"(dst), [fl] "+r"(fl) : [s] "r"(src) : "cc");                  \
        break;                                                                          \
    default:                                                                            \
        __asm__(ENTER mn "q %q[s], %q[d]" LEAVE                                         \
                : [d] "+r"(dst), [fl] "+r"(fl) : [s] "r"(src) : "cc");                  \
        break;                                                                          \
    }

/* dst = OP dst, in the fast shape */
#define RUN_UNARY_FAST(mn, size, dst, ax)                                               \
    switch (size) {                                                                     \
    case 1:                                                                             \
        __asm__(mn "b %b[d]" FAST_OUT : [d] "+r"(dst), "=&a"(ax) : : "cc");            \
        break;                                                                          \
    case 2:                                                                             \
        __asm__(mn "w %w[d]" FAST_OUT : [d] "+r"(dst), "=&a"(ax) : : "cc");            \
        break;                                                                          \
    case 4:                                                                             \
        __asm__(mn "l %k[d]" FAST_OUT : [d] "+r"(dst), "=&a"(ax) : : "cc");            \
        break;                                                                          \
    default:                                                                            \
        __asm__(mn "q %q[d]" FAST_OUT : [d] "+r"(dst), "=&a"(ax) : : "cc");            \
        break;                                                                          \
    }

/* dst = dst OP CL */
#define RUN_SHIFT(mn, size, dst, count, fl)                                             \
    switch (size) {                                                                     \
    case 1:                                                                             \
        __asm__(ENTER mn "b %%cl, %b[d]" LEAVE                                          \
                : [d] "+r"(dst), [fl] "+r"(fl) : "c"(count) : "cc");                    \
        break;                                                                          \
    case 2:                                                                             \
        __asm__(ENTER mn "w %%cl, %w[d]" LEAVE                                          \
                : [d] "+r"(dst), [fl] "+r"(fl) : "c"(count) : "cc");                    \
        break;                                                                          \
    case 4:                                                                             \
        __asm__(ENTER mn "l %%cl, %k[d]" LEAVE                                          \
                : [d] "+r"(dst), [fl] "+r"(fl) : "c"(count) : "cc");                    \
        break;                                                                          \
    default:                                                                            \
        __asm__(ENTER mn "q %%cl, %q[d]" LEAVE                                          \
                : [d] "+r"(dst), [fl] "+r"(fl) : "c"(count) : "cc");                    \
        break;                                                                          \
    }

/* dst = dst OP CL, in the fast shape */
#define RUN_SHIFT_FAST(mn, size, dst, count, ax)                                        \
    switch (size) {                                                                     \
    case 1:                                                                             \
        __asm__(mn "b %%cl, %b[d]" FAST_OUT : [d] "+r"(dst), "=&a"(ax) : "c"(count) : "cc"); \
        break;                                                                          \
    case 2:                                                                             \
        __asm__(mn "w %%cl, %w[d]" FAST_OUT : [d] "+r"(dst), "=&a"(ax) : "c"(count) : "cc"); \
        break;                                                                          \
    case 4:                                                                             \
        __asm__(mn "l %%cl, %k[d]" FAST_OUT : [d] "+r"(dst), "=&a"(ax) : "c"(count) : "cc"); \
        break;                                                                          \
    default:                                                                            \
        __asm__(mn "q %%cl, %q[d]" FAST_OUT : [d] "+r"(dst), "=&a"(ax) : "c"(count) : "cc"); \
        break;                                                                          \
    }

/* dst = dst:src shifted by CL (SHLD/SHRD) */
#define RUN_SHIFT_DOUBLE(mn, size, dst, src, count, fl)                                 \
    switch (size) {                                                                     \
    case 2:                                                                             \
        __asm__(ENTER mn "w %%cl, %w[s], %w[d]" LEAVE                                   \
                : [d] "+r"(dst), [fl] "+r"(fl) : [s] "r"(src), "c"(count) : "cc");      \
        break;                                                                          \
    case 4:                                                                             \
        __asm__(ENTER mn "l %%cl, %k[s], %k[d]" LEAVE                                   \
                : [d] "+r"(dst), [fl] "+r"(fl) : [s] "r"(src), "c"(count) : "cc");      \
        break;                                                                          \
    default:                                                                            \
        __asm__(ENTER mn "q %%cl, %q[s], %q[d]" LEAVE                                   \
                : [d] "+r"(dst), [fl] "+r"(fl) : [s] "r"(src), "c"(count) : "cc");      \
        break;                                                                          \
    }

/* rDX:rAX = rAX * src, or rAX / src with rDX:rAX as the dividend (AX for bytes) */
#define RUN_ACCUMULATOR(mn, size, rax, rdx, src, fl)                                    \
    switch (size) {                                                                     \
    case 1:                                                                             \
        __asm__(ENTER mn "b %b[s]" LEAVE                                                \
                : "+a"(rax), "+d"(rdx), [fl] "+r"(fl) : [s] "r"(src) : "cc");           \
        break;                                                                          \
    case 2:                                                                             \
        __asm__(ENTER mn "w %w[s]" LEAVE                                                \
                : "+a"(rax), "+d"(rdx), [fl] "+r"(fl) : [s] "r"(src) : "cc");           \
        break;                                                                          \
    case 4:                                                                             \
        __asm__(ENTER mn "l %k[s]" LEAVE                                                \
                : "+a"(rax), "+d"(rdx), [fl] "+r"(fl) : [s] "r"(src) : "cc");           \
        break;                                                                          \
    default:                                                                            \
        __asm__(ENTER mn "q %q[s]" LEAVE                                                \
                : "+a"(rax), "+d"(rdx), [fl] "+r"(fl) : [s] "r"(src) : "cc");           \
        break;                                                                          \
    }

/* ---- arithmetic and logic ---- */

uint64_t hostalu_binary(HostAluBinary op, unsigned size, uint64_t dst, uint64_t src,
                        uint64_t *rflags)
{
    uint64_t cf = *rflags & X86_FLAG_CF, ax;
    switch (op) {
    case HOSTALU_ADD: RUN_BINARY_FAST("", "add", size, dst, src, cf, ax); break;
    case HOSTALU_OR:  RUN_BINARY_FAST("", "or", size, dst, src, cf, ax); break;
    case HOSTALU_ADC: RUN_BINARY_FAST(CF_IN, "adc", size, dst, src, cf, ax); break;
    case HOSTALU_SBB: RUN_BINARY_FAST(CF_IN, "sbb", size, dst, src, cf, ax); break;
    case HOSTALU_AND: RUN_BINARY_FAST("", "and", size, dst, src, cf, ax); break;
    case HOSTALU_SUB: RUN_BINARY_FAST("", "sub", size, dst, src, cf, ax); break;
    case HOSTALU_XOR: RUN_BINARY_FAST("", "xor", size, dst, src, cf, ax); break;
    case HOSTALU_CMP: RUN_BINARY_FAST("", "cmp", size, dst, src, cf, ax); break;
    case HOSTALU_TEST: RUN_BINARY_FAST("", "test", size, dst, src, cf, ax); break;
    default: ax = 0; break;
    }
    flags_out(rflags, flags_from_ax(ax));
    return dst;
}

uint64_t hostalu_unary(HostAluUnary op, unsigned size, uint64_t dst, uint64_t *rflags)
{
    uint64_t ax, kept = 0;   /* the status flags the instruction leaves alone */
    switch (op) {
    case HOSTALU_INC: RUN_UNARY_FAST("inc", size, dst, ax); kept = X86_FLAG_CF; break;
    case HOSTALU_DEC: RUN_UNARY_FAST("dec", size, dst, ax); kept = X86_FLAG_CF; break;
    case HOSTALU_NEG: RUN_UNARY_FAST("neg", size, dst, ax); break;
    case HOSTALU_NOT: RUN_UNARY_FAST("not", size, dst, ax); kept = X86_ARITH_FLAGS; break;
    default: ax = 0; break;
    }
    uint64_t changed = X86_ARITH_FLAGS & ~kept;
    *rflags = (*rflags & ~changed) | (flags_from_ax(ax) & changed);
    return dst;
}

/* ---- shifts and rotates ---- */

/*
 * With a count that is not 0 after masking, SHL/SHR/SAR set every status
 * flag and ROL/ROR set CF and OF without reading the flags before them
 * (checked on the host, undefined OF and AF included): the fast shape.  A
 * masked count of 0 (all flags kept) and RCL/RCR (which read CF) take
 * the POPFQ shape.
 */
static bool shift_flags_fast(HostAluShift op, unsigned size, uint8_t count)
{
    unsigned masked = count & (size == 8 ? 63 : 31);
    return masked != 0 && op != HOSTALU_RCL && op != HOSTALU_RCR;
}

uint64_t hostalu_shift(HostAluShift op, unsigned size, uint64_t dst, uint8_t count,
                       uint64_t *rflags)
{
    uint64_t c = count;
    if (shift_flags_fast(op, size, count)) {
        uint64_t ax, changed = X86_ARITH_FLAGS;
        switch (op) {
        case HOSTALU_ROL: RUN_SHIFT_FAST("rol", size, dst, c, ax); changed = X86_FLAG_CF | X86_FLAG_OF; break;
        case HOSTALU_ROR: RUN_SHIFT_FAST("ror", size, dst, c, ax); changed = X86_FLAG_CF | X86_FLAG_OF; break;
        case HOSTALU_SHR: RUN_SHIFT_FAST("shr", size, dst, c, ax); break;
        case HOSTALU_SAR: RUN_SHIFT_FAST("sar", size, dst, c, ax); break;
        default:          RUN_SHIFT_FAST("shl", size, dst, c, ax); break;   /* SHL, SAL */
        }
        *rflags = (*rflags & ~changed) | (flags_from_ax(ax) & changed);
        return dst;
    }
    uint64_t fl = flags_in(rflags);
    switch (op) {
    case HOSTALU_ROL: RUN_SHIFT("rol", size, dst, c, fl); break;
    case HOSTALU_ROR: RUN_SHIFT("ror", size, dst, c, fl); break;
    case HOSTALU_RCL: RUN_SHIFT("rcl", size, dst, c, fl); break;
    case HOSTALU_RCR: RUN_SHIFT("rcr", size, dst, c, fl); break;
    case HOSTALU_SHL:
    case HOSTALU_SAL: RUN_SHIFT("shl", size, dst, c, fl); break;
    case HOSTALU_SHR: RUN_SHIFT("shr", size, dst, c, fl); break;
    case HOSTALU_SAR: RUN_SHIFT("sar", size, dst, c, fl); break;
    }
    flags_out(rflags, fl);
    return dst;
}

uint64_t hostalu_shift_double(bool left, unsigned size, uint64_t dst, uint64_t src, uint8_t count,
                              uint64_t *rflags)
{
    uint64_t fl = flags_in(rflags);
    uint64_t c = count;
    if (left) {
        RUN_SHIFT_DOUBLE("shld", size, dst, src, c, fl);
    } else {
        RUN_SHIFT_DOUBLE("shrd", size, dst, src, c, fl);
    }
    flags_out(rflags, fl);
    return dst;
}

/* ---- multiply and divide ---- */

uint64_t hostalu_mul(bool is_signed, unsigned size, uint64_t rax, uint64_t src, uint64_t *high,
                     uint64_t *rflags)
{
    uint64_t fl = flags_in(rflags);
    uint64_t rdx = 0;
    if (is_signed) {
        RUN_ACCUMULATOR("imul", size, rax, rdx, src, fl);
    } else {
        RUN_ACCUMULATOR("mul", size, rax, rdx, src, fl);
    }
    flags_out(rflags, fl);
    *high = rdx;
    return rax;
}

uint64_t hostalu_imul_truncated(unsigned size, uint64_t a, uint64_t b, uint64_t *rflags)
{
    uint64_t fl = flags_in(rflags);
    RUN_BINARY_WIDE("imul", size, a, b, fl);
    flags_out(rflags, fl);
    return a;
}

uint64_t hostalu_div(bool is_signed, unsigned size, uint64_t high, uint64_t low, uint64_t divisor,
                     uint64_t *rem, uint64_t *rflags)
{
    uint64_t fl = flags_in(rflags);
    if (is_signed) {
        RUN_ACCUMULATOR("idiv", size, low, high, divisor, fl);
    } else {
        RUN_ACCUMULATOR("div", size, low, high, divisor, fl);
    }
    flags_out(rflags, fl);
    *rem = high;
    return low;
}

/*
 * SDM vol. 2A DIV/IDIV: #DE when the divisor is 0 or the quotient does not
 * fit the destination.  IDIV's quotient may be the most negative value
 * (-2^(n-1)): only a positive quotient above 2^(n-1)-1 or a negative one
 * below -2^(n-1) faults.  Magnitudes are compared, so no C division here can
 * overflow either.
 */
bool hostalu_div_faults(bool is_signed, unsigned size, uint64_t high, uint64_t low,
                        uint64_t divisor)
{
    unsigned bits = 8 * size;
    uint64_t mask = bits == 64 ? ~0ull : (1ull << bits) - 1;
    divisor &= mask;
    if (divisor == 0) {
        return true;
    }
    unsigned __int128 dividend;
    if (size == 1) {
        dividend = low & 0xffff;
    } else {
        dividend = ((unsigned __int128)(high & mask) << bits) | (low & mask);
    }
    if (!is_signed) {
        return dividend / divisor > mask;
    }
    /* Magnitudes of the 2n-bit dividend and the n-bit divisor. */
    unsigned dividend_bits = 2 * bits;
    unsigned __int128 dividend_sign = (unsigned __int128)1 << (dividend_bits - 1);
    unsigned __int128 dividend_mask = dividend_bits == 128 ? ~(unsigned __int128)0
                                                           : (dividend_sign << 1) - 1;
    bool dividend_negative = (dividend & dividend_sign) != 0;
    unsigned __int128 dividend_mag = dividend_negative ? (-dividend) & dividend_mask : dividend;
    uint64_t divisor_sign = 1ull << (bits - 1);
    bool divisor_negative = (divisor & divisor_sign) != 0;
    uint64_t divisor_mag = divisor_negative ? (-divisor) & mask : divisor;
    unsigned __int128 quotient_mag = dividend_mag / divisor_mag;
    unsigned __int128 limit = dividend_negative != divisor_negative ? divisor_sign
                                                                    : divisor_sign - 1;
    return quotient_mag > limit;
}

/* ---- bit operations ---- */

uint64_t hostalu_bit_test(HostAluBitTest op, unsigned size, uint64_t value, uint64_t bit,
                          uint64_t *rflags)
{
    uint64_t fl = flags_in(rflags);
    switch (op) {
    case HOSTALU_BT:  RUN_BINARY_WIDE("bt", size, value, bit, fl); break;
    case HOSTALU_BTS: RUN_BINARY_WIDE("bts", size, value, bit, fl); break;
    case HOSTALU_BTR: RUN_BINARY_WIDE("btr", size, value, bit, fl); break;
    case HOSTALU_BTC: RUN_BINARY_WIDE("btc", size, value, bit, fl); break;
    }
    flags_out(rflags, fl);
    return value;
}

/* Host CPUID bits for the instructions an x86-64 host may lack. */
enum { HOST_POPCNT = 1, HOST_LZCNT = 2, HOST_TZCNT = 4, HOST_BMI2 = 8, HOST_PROBED = 16 };

static unsigned host_features(void)
{
    static unsigned cached;
    unsigned f = __atomic_load_n(&cached, __ATOMIC_RELAXED);
    if (f) {
        return f;
    }
    unsigned a, b, c, d;
    f = HOST_PROBED;
    if (__get_cpuid(1, &a, &b, &c, &d) && (c & (1u << 23))) {
        f |= HOST_POPCNT;
    }
    if (__get_cpuid(0x80000001, &a, &b, &c, &d) && (c & (1u << 5))) {
        f |= HOST_LZCNT;   /* ABM / LZCNT */
    }
    if (__get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & (1u << 3))) {
        f |= HOST_TZCNT;   /* BMI1: TZCNT, ANDN, BEXTR, BLSI, BLSMSK, BLSR */
    }
    if (__get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & (1u << 8))) {
        f |= HOST_BMI2;
    }
    __atomic_store_n(&cached, f, __ATOMIC_RELAXED);
    return f;
}

/*
 * Without the host instruction: the results and the flags the SDM defines
 * (POPCNT clears OF SF AF PF CF; LZCNT/TZCNT set CF and ZF and leave the rest
 * undefined, here cleared).  A 32-bit result is zero-extended like any write.
 */
static uint64_t scan_in_c(HostAluScan op, unsigned size, uint64_t src, uint64_t *rflags)
{
    unsigned bits = 8 * size;
    uint64_t mask = bits == 64 ? ~0ull : (1ull << bits) - 1;
    uint64_t fl = 0;
    uint64_t r;
    src &= mask;
    if (op == HOSTALU_POPCNT) {
        r = (uint64_t)__builtin_popcountll(src);
        fl = src == 0 ? X86_FLAG_ZF : 0;
    } else {
        if (src == 0) {
            r = bits;
        } else if (op == HOSTALU_LZCNT) {
            r = (uint64_t)__builtin_clzll(src) - (64 - bits);
        } else {
            r = (uint64_t)__builtin_ctzll(src);
        }
        fl = (src == 0 ? X86_FLAG_CF : 0) | (r == 0 ? X86_FLAG_ZF : 0);
    }
    flags_out(rflags, fl);
    return r;
}

uint64_t hostalu_scan(HostAluScan op, unsigned size, uint64_t dst, uint64_t src, uint64_t *rflags)
{
    unsigned have = host_features();
    if ((op == HOSTALU_POPCNT && !(have & HOST_POPCNT)) ||
        (op == HOSTALU_LZCNT && !(have & HOST_LZCNT)) ||
        (op == HOSTALU_TZCNT && !(have & HOST_TZCNT))) {
        uint64_t r = scan_in_c(op, size, src, rflags);
        return size == 2 ? (dst & ~0xffffull) | r : r;
    }
    uint64_t fl = flags_in(rflags);
    switch (op) {
    case HOSTALU_BSF:    RUN_BINARY_WIDE("bsf", size, dst, src, fl); break;
    case HOSTALU_BSR:    RUN_BINARY_WIDE("bsr", size, dst, src, fl); break;
    case HOSTALU_POPCNT: RUN_BINARY_WIDE("popcnt", size, dst, src, fl); break;
    case HOSTALU_LZCNT:  RUN_BINARY_WIDE("lzcnt", size, dst, src, fl); break;
    case HOSTALU_TZCNT:  RUN_BINARY_WIDE("tzcnt", size, dst, src, fl); break;
    }
    flags_out(rflags, fl);
    return dst;
}

uint64_t hostalu_bswap(unsigned size, uint64_t value)
{
    switch (size) {
    case 2:
        /* 66 0F C8+r: the SDM leaves the result undefined; take the host's. */
        __asm__(".byte 0x66\n\tbswap %k[v]" : [v] "+r"(value));
        break;
    case 4:
        __asm__("bswap %k[v]" : [v] "+r"(value));
        break;
    default:
        __asm__("bswap %q[v]" : [v] "+r"(value));
        break;
    }
    return value;
}

/* ---- BMI1/BMI2 with flags ---- */

/* dst = OP a, b (three-operand VEX forms; AT&T order: b, a, dst) */
#define RUN_BMI3(mn, size, dst, a, b, fl)                                               \
    if ((size) == 4) {                                                                  \
        __asm__(ENTER mn " %k[y], %k[x], %k[d]" LEAVE                                   \
                : [d] "=&r"(dst), [fl] "+r"(fl) : [x] "r"(a), [y] "r"(b) : "cc");       \
    } else {                                                                            \
        __asm__(ENTER mn " %q[y], %q[x], %q[d]" LEAVE                                   \
                : [d] "=&r"(dst), [fl] "+r"(fl) : [x] "r"(a), [y] "r"(b) : "cc");       \
    }

/* dst = OP a */
#define RUN_BMI2(mn, size, dst, a, fl)                                                  \
    if ((size) == 4) {                                                                  \
        __asm__(ENTER mn " %k[x], %k[d]" LEAVE                                          \
                : [d] "=&r"(dst), [fl] "+r"(fl) : [x] "r"(a) : "cc");                   \
    } else {                                                                            \
        __asm__(ENTER mn " %q[x], %q[d]" LEAVE                                          \
                : [d] "=&r"(dst), [fl] "+r"(fl) : [x] "r"(a) : "cc");                   \
    }

/* SDM "Flags Affected" of each instruction page: what is not here is undefined. */
uint64_t hostalu_bmi_defined_flags(HostAluBmi op)
{
    switch (op) {
    case HOSTALU_BEXTR:
        return X86_FLAG_ZF | X86_FLAG_CF | X86_FLAG_OF;     /* SF AF PF undefined */
    default:
        return X86_FLAG_ZF | X86_FLAG_SF | X86_FLAG_CF | X86_FLAG_OF;   /* AF PF undefined */
    }
}

uint64_t hostalu_bmi_soft(HostAluBmi op, unsigned size, uint64_t a, uint64_t b,
                          uint64_t *rflags)
{
    unsigned bits = 8 * size;
    uint64_t mask = bits == 64 ? ~0ull : (1ull << bits) - 1;
    uint64_t r = 0, fl = 0;
    a &= mask;
    b &= mask;
    switch (op) {
    case HOSTALU_ANDN:
        r = ~a & b;
        break;
    case HOSTALU_BEXTR: {
        unsigned start = b & 0xff, len = (b >> 8) & 0xff;
        r = start < bits ? a >> start : 0;
        if (len < 64) {
            r &= (1ull << len) - 1;
        }
        break;
    }
    case HOSTALU_BZHI: {
        unsigned index = b & 0xff;
        r = index < bits ? a & ((1ull << index) - 1) : a;
        fl = index > bits - 1 ? X86_FLAG_CF : 0;
        break;
    }
    case HOSTALU_BLSI:
        r = -a & a;
        fl = a != 0 ? X86_FLAG_CF : 0;
        break;
    case HOSTALU_BLSMSK:
        r = a ^ (a - 1);
        fl = a == 0 ? X86_FLAG_CF : 0;
        break;
    case HOSTALU_BLSR:
        r = a & (a - 1);
        fl = a == 0 ? X86_FLAG_CF : 0;
        break;
    }
    r &= mask;
    fl |= (r == 0 ? X86_FLAG_ZF : 0) | ((r >> (bits - 1)) & 1 ? X86_FLAG_SF : 0);
    flags_out(rflags, fl & hostalu_bmi_defined_flags(op));
    return r;
}

uint64_t hostalu_bmi(HostAluBmi op, unsigned size, uint64_t a, uint64_t b, uint64_t *rflags)
{
    unsigned need = op == HOSTALU_BZHI ? HOST_BMI2 : HOST_TZCNT;
    if (!(host_features() & need)) {
        return hostalu_bmi_soft(op, size, a, b, rflags);
    }
    uint64_t fl = flags_in(rflags), r = 0;
    switch (op) {
    case HOSTALU_ANDN:   RUN_BMI3("andn", size, r, a, b, fl); break;
    case HOSTALU_BEXTR:  RUN_BMI3("bextr", size, r, a, b, fl); break;
    case HOSTALU_BZHI:   RUN_BMI3("bzhi", size, r, a, b, fl); break;
    case HOSTALU_BLSI:   RUN_BMI2("blsi", size, r, a, fl); break;
    case HOSTALU_BLSMSK: RUN_BMI2("blsmsk", size, r, a, fl); break;
    case HOSTALU_BLSR:   RUN_BMI2("blsr", size, r, a, fl); break;
    }
    flags_out(rflags, fl);
    return r;
}
