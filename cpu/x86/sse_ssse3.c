/* SSSE3 packed integers, MMX and XMM forms: PSHUFB, horizontal add/subtract, PMADDUBSW, PSIGN, PMULHRSW, PABS, PALIGNR. */
#include "cpu/x86/sse_internal.h"

/* SDM vol. 2 instruction pages; n = 8 (MMX) or 16 (XMM) bytes. */

static void pshufb(X86Xmm *d, const X86Xmm *s, unsigned n, uint8_t imm)
{
    X86Xmm r = { 0 };
    for (unsigned i = 0; i < n; i++) {
        uint8_t idx = s->b[i];
        r.b[i] = (idx & 0x80) ? 0 : d->b[idx & (n - 1)];
    }
    *d = r;
}

/* Horizontal word ops: the destination's pairs fill the low half of the result, the source's the high. */
typedef int32_t (*PairFn)(int32_t a, int32_t b);

static int32_t add32(int32_t a, int32_t b) { return a + b; }
static int32_t sub32(int32_t a, int32_t b) { return a - b; }
static int32_t adds16(int32_t a, int32_t b) { return sse_sat16(a + b); }
static int32_t subs16(int32_t a, int32_t b) { return sse_sat16(a - b); }

static void horizontal_w(X86Xmm *d, const X86Xmm *s, unsigned n, PairFn fn)
{
    X86Xmm r = { 0 };
    unsigned pairs = n / 4;
    for (unsigned i = 0; i < pairs; i++) {
        r.w[i] = (uint16_t)fn((int16_t)d->w[2 * i], (int16_t)d->w[2 * i + 1]);
        r.w[pairs + i] = (uint16_t)fn((int16_t)s->w[2 * i], (int16_t)s->w[2 * i + 1]);
    }
    *d = r;
}

static void horizontal_d(X86Xmm *d, const X86Xmm *s, unsigned n, bool subtract)
{
    X86Xmm r = { 0 };
    unsigned pairs = n / 8;
    for (unsigned i = 0; i < pairs; i++) {
        uint32_t a = d->d[2 * i], b = d->d[2 * i + 1], c = s->d[2 * i], e = s->d[2 * i + 1];
        r.d[i] = subtract ? a - b : a + b;
        r.d[pairs + i] = subtract ? c - e : c + e;
    }
    *d = r;
}

static void phaddw(X86Xmm *d, const X86Xmm *s, unsigned n, uint8_t imm) { horizontal_w(d, s, n, add32); }
static void phsubw(X86Xmm *d, const X86Xmm *s, unsigned n, uint8_t imm) { horizontal_w(d, s, n, sub32); }
static void phaddsw(X86Xmm *d, const X86Xmm *s, unsigned n, uint8_t imm) { horizontal_w(d, s, n, adds16); }
static void phsubsw(X86Xmm *d, const X86Xmm *s, unsigned n, uint8_t imm) { horizontal_w(d, s, n, subs16); }
static void phaddd(X86Xmm *d, const X86Xmm *s, unsigned n, uint8_t imm) { horizontal_d(d, s, n, false); }
static void phsubd(X86Xmm *d, const X86Xmm *s, unsigned n, uint8_t imm) { horizontal_d(d, s, n, true); }

/* Unsigned destination bytes times signed source bytes, adjacent products summed with saturation. */
static void pmaddubsw(X86Xmm *d, const X86Xmm *s, unsigned n, uint8_t imm)
{
    X86Xmm r = { 0 };
    for (unsigned i = 0; i < n / 2; i++) {
        int32_t v = d->b[2 * i] * (int8_t)s->b[2 * i] + d->b[2 * i + 1] * (int8_t)s->b[2 * i + 1];
        r.w[i] = (uint16_t)sse_sat16(v);
    }
    *d = r;
}

static void psignb(X86Xmm *d, const X86Xmm *s, unsigned n, uint8_t imm)
{
    for (unsigned i = 0; i < n; i++) {
        int8_t v = (int8_t)s->b[i];
        d->b[i] = v < 0 ? (uint8_t)-d->b[i] : v == 0 ? 0 : d->b[i];
    }
}

static void psignw(X86Xmm *d, const X86Xmm *s, unsigned n, uint8_t imm)
{
    for (unsigned i = 0; i < n / 2; i++) {
        int16_t v = (int16_t)s->w[i];
        d->w[i] = v < 0 ? (uint16_t)-d->w[i] : v == 0 ? 0 : d->w[i];
    }
}

static void psignd(X86Xmm *d, const X86Xmm *s, unsigned n, uint8_t imm)
{
    for (unsigned i = 0; i < n / 4; i++) {
        int32_t v = (int32_t)s->d[i];
        d->d[i] = v < 0 ? -d->d[i] : v == 0 ? 0 : d->d[i];
    }
}

/* Round the 32-bit product at bit 14: ((a * b >> 14) + 1) >> 1. */
static void pmulhrsw(X86Xmm *d, const X86Xmm *s, unsigned n, uint8_t imm)
{
    for (unsigned i = 0; i < n / 2; i++) {
        int32_t p = (int32_t)(int16_t)d->w[i] * (int16_t)s->w[i];
        d->w[i] = (uint16_t)(((p >> 14) + 1) >> 1);
    }
}

/* Absolute values of the source; the most negative value stays (unsigned) 2^(w-1). */
static void pabsb(X86Xmm *d, const X86Xmm *s, unsigned n, uint8_t imm)
{
    for (unsigned i = 0; i < n; i++) {
        d->b[i] = (int8_t)s->b[i] < 0 ? (uint8_t)-s->b[i] : s->b[i];
    }
}

static void pabsw(X86Xmm *d, const X86Xmm *s, unsigned n, uint8_t imm)
{
    for (unsigned i = 0; i < n / 2; i++) {
        d->w[i] = (int16_t)s->w[i] < 0 ? (uint16_t)-s->w[i] : s->w[i];
    }
}

static void pabsd(X86Xmm *d, const X86Xmm *s, unsigned n, uint8_t imm)
{
    for (unsigned i = 0; i < n / 4; i++) {
        d->d[i] = (int32_t)s->d[i] < 0 ? -s->d[i] : s->d[i];
    }
}

/* Destination:source as one 2n-byte value, shifted right by imm bytes; the low n bytes remain. */
static void palignr(X86Xmm *d, const X86Xmm *s, unsigned n, uint8_t imm)
{
    uint8_t cat[32];
    memcpy(cat, s->b, n);
    memcpy(cat + n, d->b, n);
    X86Xmm r = { 0 };
    for (unsigned i = 0; i < n; i++) {
        unsigned k = i + imm;
        r.b[i] = k < 2 * n ? cat[k] : 0;
    }
    *d = r;
}

static const SseIntFn ssse3_ops[X86_OP_COUNT] = {
    [X86_OP_PSHUFB] = pshufb, [X86_OP_PHADDW] = phaddw, [X86_OP_PHADDD] = phaddd,
    [X86_OP_PHADDSW] = phaddsw, [X86_OP_PMADDUBSW] = pmaddubsw, [X86_OP_PHSUBW] = phsubw,
    [X86_OP_PHSUBD] = phsubd, [X86_OP_PHSUBSW] = phsubsw, [X86_OP_PSIGNB] = psignb,
    [X86_OP_PSIGNW] = psignw, [X86_OP_PSIGND] = psignd, [X86_OP_PMULHRSW] = pmulhrsw,
    [X86_OP_PABSB] = pabsb, [X86_OP_PABSW] = pabsw, [X86_OP_PABSD] = pabsd,
    [X86_OP_PALIGNR] = palignr,
};

static void op_ssse3(X86Cpu *cpu, const X86Insn *insn)
{
    sse_int_run(cpu, insn, ssse3_ops[insn->op], SSE_FEAT_SSSE3, SSE_FEAT_SSSE3);
}

void sse_register_ssse3(X86Handler *table)
{
    for (unsigned op = 0; op < X86_OP_COUNT; op++) {
        if (ssse3_ops[op]) {
            table[op] = op_ssse3;
        }
    }
}
