/* MMX and SSE2 packed integers (and the SSE bitwise/shuffle ops): arithmetic, compares, shifts, packs, shuffles. */
#include "cpu/x86/sse_internal.h"

/*
 * One C function per operation, over n = 8 (MMX) or 16 (XMM) bytes, as
 * the SDM's pseudo-code defines it (SDM vol. 2 instruction pages; vol. 1
 * 9.4 and 11.4 for saturation and wrap-around).  Integer SIMD raises no
 * SIMD floating-point exceptions, so these need no host unit.
 */

void sse_int_run(X86Cpu *cpu, const X86Insn *insn, SseIntFn fn, SseFeature mmx_feature,
                 SseFeature xmm_feature)
{
    unsigned dreg;
    bool mmx = sse_operand(insn, 0, &dreg) == SSE_OPND_MMX;
    sse_check(cpu, insn, mmx ? mmx_feature : xmm_feature);
    X86Xmm s, d = { 0 };
    if (x86_insn_row(insn)->operand[1] == X86_OPK_Ib) {
        memset(&s, 0, sizeof(s));
        s.q[0] = sse_imm8(insn);
    } else {
        unsigned size = x86_opnd_size(insn, 1);
        sse_read(cpu, insn, 1, &s, size, size == 16);
    }
    if (mmx) {
        d.q[0] = mmx_get(cpu, dreg);
    } else {
        d = *sse_xmm(cpu, dreg);
    }
    fn(&d, &s, mmx ? 8 : 16, sse_imm8(insn));
    if (mmx) {
        mmx_set(cpu, dreg, d.q[0]);
        mmx_enter(cpu);
    } else {
        *sse_xmm(cpu, dreg) = d;
    }
}

/* ---- add, subtract: wrap-around, signed and unsigned saturation ---- */

static void paddb(X86Xmm *d, const X86Xmm *s, unsigned n, uint8_t imm)
{
    for (unsigned i = 0; i < n; i++) {
        d->b[i] += s->b[i];
    }
}

static void paddw(X86Xmm *d, const X86Xmm *s, unsigned n, uint8_t imm)
{
    for (unsigned i = 0; i < n / 2; i++) {
        d->w[i] += s->w[i];
    }
}

static void paddd(X86Xmm *d, const X86Xmm *s, unsigned n, uint8_t imm)
{
    for (unsigned i = 0; i < n / 4; i++) {
        d->d[i] += s->d[i];
    }
}

static void paddq(X86Xmm *d, const X86Xmm *s, unsigned n, uint8_t imm)
{
    for (unsigned i = 0; i < n / 8; i++) {
        d->q[i] += s->q[i];
    }
}

static void psubb(X86Xmm *d, const X86Xmm *s, unsigned n, uint8_t imm)
{
    for (unsigned i = 0; i < n; i++) {
        d->b[i] -= s->b[i];
    }
}

static void psubw(X86Xmm *d, const X86Xmm *s, unsigned n, uint8_t imm)
{
    for (unsigned i = 0; i < n / 2; i++) {
        d->w[i] -= s->w[i];
    }
}

static void psubd(X86Xmm *d, const X86Xmm *s, unsigned n, uint8_t imm)
{
    for (unsigned i = 0; i < n / 4; i++) {
        d->d[i] -= s->d[i];
    }
}

static void psubq(X86Xmm *d, const X86Xmm *s, unsigned n, uint8_t imm)
{
    for (unsigned i = 0; i < n / 8; i++) {
        d->q[i] -= s->q[i];
    }
}

static void paddsb(X86Xmm *d, const X86Xmm *s, unsigned n, uint8_t imm)
{
    for (unsigned i = 0; i < n; i++) {
        d->b[i] = (uint8_t)sse_sat8((int8_t)d->b[i] + (int8_t)s->b[i]);
    }
}

static void paddsw(X86Xmm *d, const X86Xmm *s, unsigned n, uint8_t imm)
{
    for (unsigned i = 0; i < n / 2; i++) {
        d->w[i] = (uint16_t)sse_sat16((int16_t)d->w[i] + (int16_t)s->w[i]);
    }
}

static void psubsb(X86Xmm *d, const X86Xmm *s, unsigned n, uint8_t imm)
{
    for (unsigned i = 0; i < n; i++) {
        d->b[i] = (uint8_t)sse_sat8((int8_t)d->b[i] - (int8_t)s->b[i]);
    }
}

static void psubsw(X86Xmm *d, const X86Xmm *s, unsigned n, uint8_t imm)
{
    for (unsigned i = 0; i < n / 2; i++) {
        d->w[i] = (uint16_t)sse_sat16((int16_t)d->w[i] - (int16_t)s->w[i]);
    }
}

static void paddusb(X86Xmm *d, const X86Xmm *s, unsigned n, uint8_t imm)
{
    for (unsigned i = 0; i < n; i++) {
        unsigned v = d->b[i] + s->b[i];
        d->b[i] = v > 0xff ? 0xff : v;
    }
}

static void paddusw(X86Xmm *d, const X86Xmm *s, unsigned n, uint8_t imm)
{
    for (unsigned i = 0; i < n / 2; i++) {
        unsigned v = d->w[i] + s->w[i];
        d->w[i] = v > 0xffff ? 0xffff : v;
    }
}

static void psubusb(X86Xmm *d, const X86Xmm *s, unsigned n, uint8_t imm)
{
    for (unsigned i = 0; i < n; i++) {
        d->b[i] = d->b[i] > s->b[i] ? d->b[i] - s->b[i] : 0;
    }
}

static void psubusw(X86Xmm *d, const X86Xmm *s, unsigned n, uint8_t imm)
{
    for (unsigned i = 0; i < n / 2; i++) {
        d->w[i] = d->w[i] > s->w[i] ? d->w[i] - s->w[i] : 0;
    }
}

/* ---- multiply ---- */

static void pmullw(X86Xmm *d, const X86Xmm *s, unsigned n, uint8_t imm)
{
    for (unsigned i = 0; i < n / 2; i++) {
        d->w[i] = (uint16_t)((int32_t)(int16_t)d->w[i] * (int16_t)s->w[i]);
    }
}

static void pmulhw(X86Xmm *d, const X86Xmm *s, unsigned n, uint8_t imm)
{
    for (unsigned i = 0; i < n / 2; i++) {
        d->w[i] = (uint16_t)(((int32_t)(int16_t)d->w[i] * (int16_t)s->w[i]) >> 16);
    }
}

static void pmulhuw(X86Xmm *d, const X86Xmm *s, unsigned n, uint8_t imm)
{
    for (unsigned i = 0; i < n / 2; i++) {
        d->w[i] = (uint16_t)(((uint32_t)d->w[i] * s->w[i]) >> 16);
    }
}

/* The even (low) doubleword of each quadword, multiplied into the whole quadword. */
static void pmuludq(X86Xmm *d, const X86Xmm *s, unsigned n, uint8_t imm)
{
    for (unsigned i = 0; i < n / 8; i++) {
        d->q[i] = (uint64_t)d->d[2 * i] * s->d[2 * i];
    }
}

/* 0x8000 * 0x8000 twice wraps to 0x80000000, as the SDM notes. */
static void pmaddwd(X86Xmm *d, const X86Xmm *s, unsigned n, uint8_t imm)
{
    for (unsigned i = 0; i < n / 4; i++) {
        int64_t v = (int64_t)(int16_t)d->w[2 * i] * (int16_t)s->w[2 * i] +
                    (int64_t)(int16_t)d->w[2 * i + 1] * (int16_t)s->w[2 * i + 1];
        d->d[i] = (uint32_t)v;
    }
}

/* ---- compare ---- */

static void pcmpeqb(X86Xmm *d, const X86Xmm *s, unsigned n, uint8_t imm)
{
    for (unsigned i = 0; i < n; i++) {
        d->b[i] = d->b[i] == s->b[i] ? 0xff : 0;
    }
}

static void pcmpeqw(X86Xmm *d, const X86Xmm *s, unsigned n, uint8_t imm)
{
    for (unsigned i = 0; i < n / 2; i++) {
        d->w[i] = d->w[i] == s->w[i] ? 0xffff : 0;
    }
}

static void pcmpeqd(X86Xmm *d, const X86Xmm *s, unsigned n, uint8_t imm)
{
    for (unsigned i = 0; i < n / 4; i++) {
        d->d[i] = d->d[i] == s->d[i] ? ~0u : 0;
    }
}

static void pcmpgtb(X86Xmm *d, const X86Xmm *s, unsigned n, uint8_t imm)
{
    for (unsigned i = 0; i < n; i++) {
        d->b[i] = (int8_t)d->b[i] > (int8_t)s->b[i] ? 0xff : 0;
    }
}

static void pcmpgtw(X86Xmm *d, const X86Xmm *s, unsigned n, uint8_t imm)
{
    for (unsigned i = 0; i < n / 2; i++) {
        d->w[i] = (int16_t)d->w[i] > (int16_t)s->w[i] ? 0xffff : 0;
    }
}

static void pcmpgtd(X86Xmm *d, const X86Xmm *s, unsigned n, uint8_t imm)
{
    for (unsigned i = 0; i < n / 4; i++) {
        d->d[i] = (int32_t)d->d[i] > (int32_t)s->d[i] ? ~0u : 0;
    }
}

/* ---- logic (also ANDPS..XORPD: the same bits) ---- */

static void pand(X86Xmm *d, const X86Xmm *s, unsigned n, uint8_t imm)
{
    d->q[0] &= s->q[0];
    d->q[1] &= s->q[1];
}

static void pandn(X86Xmm *d, const X86Xmm *s, unsigned n, uint8_t imm)
{
    d->q[0] = ~d->q[0] & s->q[0];
    d->q[1] = n == 16 ? ~d->q[1] & s->q[1] : 0;
}

static void por(X86Xmm *d, const X86Xmm *s, unsigned n, uint8_t imm)
{
    d->q[0] |= s->q[0];
    d->q[1] |= s->q[1];
}

static void pxor(X86Xmm *d, const X86Xmm *s, unsigned n, uint8_t imm)
{
    d->q[0] ^= s->q[0];
    d->q[1] ^= s->q[1];
}

/* ---- shifts: the count is the source's whole low quadword (or the imm8) ---- */

static void psllw(X86Xmm *d, const X86Xmm *s, unsigned n, uint8_t imm)
{
    uint64_t c = s->q[0];
    for (unsigned i = 0; i < n / 2; i++) {
        d->w[i] = c > 15 ? 0 : (uint16_t)(d->w[i] << c);
    }
}

static void pslld(X86Xmm *d, const X86Xmm *s, unsigned n, uint8_t imm)
{
    uint64_t c = s->q[0];
    for (unsigned i = 0; i < n / 4; i++) {
        d->d[i] = c > 31 ? 0 : d->d[i] << c;
    }
}

static void psllq(X86Xmm *d, const X86Xmm *s, unsigned n, uint8_t imm)
{
    uint64_t c = s->q[0];
    for (unsigned i = 0; i < n / 8; i++) {
        d->q[i] = c > 63 ? 0 : d->q[i] << c;
    }
}

static void psrlw(X86Xmm *d, const X86Xmm *s, unsigned n, uint8_t imm)
{
    uint64_t c = s->q[0];
    for (unsigned i = 0; i < n / 2; i++) {
        d->w[i] = c > 15 ? 0 : d->w[i] >> c;
    }
}

static void psrld(X86Xmm *d, const X86Xmm *s, unsigned n, uint8_t imm)
{
    uint64_t c = s->q[0];
    for (unsigned i = 0; i < n / 4; i++) {
        d->d[i] = c > 31 ? 0 : d->d[i] >> c;
    }
}

static void psrlq(X86Xmm *d, const X86Xmm *s, unsigned n, uint8_t imm)
{
    uint64_t c = s->q[0];
    for (unsigned i = 0; i < n / 8; i++) {
        d->q[i] = c > 63 ? 0 : d->q[i] >> c;
    }
}

/* Arithmetic right shifts by more than the width fill with the sign. */
static void psraw(X86Xmm *d, const X86Xmm *s, unsigned n, uint8_t imm)
{
    unsigned c = s->q[0] > 15 ? 15 : (unsigned)s->q[0];
    for (unsigned i = 0; i < n / 2; i++) {
        d->w[i] = (uint16_t)((int16_t)d->w[i] >> c);
    }
}

static void psrad(X86Xmm *d, const X86Xmm *s, unsigned n, uint8_t imm)
{
    unsigned c = s->q[0] > 31 ? 31 : (unsigned)s->q[0];
    for (unsigned i = 0; i < n / 4; i++) {
        d->d[i] = (uint32_t)((int32_t)d->d[i] >> c);
    }
}

/* Byte shifts of the whole register (XMM only); counts above 15 clear it. */
static void pslldq(X86Xmm *d, const X86Xmm *s, unsigned n, uint8_t imm)
{
    X86Xmm r = { 0 };
    unsigned c = s->q[0] > 16 ? 16 : (unsigned)s->q[0];
    for (unsigned i = c; i < 16; i++) {
        r.b[i] = d->b[i - c];
    }
    *d = r;
}

static void psrldq(X86Xmm *d, const X86Xmm *s, unsigned n, uint8_t imm)
{
    X86Xmm r = { 0 };
    unsigned c = s->q[0] > 16 ? 16 : (unsigned)s->q[0];
    for (unsigned i = 0; i + c < 16; i++) {
        r.b[i] = d->b[i + c];
    }
    *d = r;
}

/* ---- average, min/max, sum of absolute differences (SSE's MMX additions) ---- */

static void pavgb(X86Xmm *d, const X86Xmm *s, unsigned n, uint8_t imm)
{
    for (unsigned i = 0; i < n; i++) {
        d->b[i] = (uint8_t)((d->b[i] + s->b[i] + 1) >> 1);
    }
}

static void pavgw(X86Xmm *d, const X86Xmm *s, unsigned n, uint8_t imm)
{
    for (unsigned i = 0; i < n / 2; i++) {
        d->w[i] = (uint16_t)((d->w[i] + s->w[i] + 1) >> 1);
    }
}

static void pminub(X86Xmm *d, const X86Xmm *s, unsigned n, uint8_t imm)
{
    for (unsigned i = 0; i < n; i++) {
        d->b[i] = s->b[i] < d->b[i] ? s->b[i] : d->b[i];
    }
}

static void pmaxub(X86Xmm *d, const X86Xmm *s, unsigned n, uint8_t imm)
{
    for (unsigned i = 0; i < n; i++) {
        d->b[i] = s->b[i] > d->b[i] ? s->b[i] : d->b[i];
    }
}

static void pminsw(X86Xmm *d, const X86Xmm *s, unsigned n, uint8_t imm)
{
    for (unsigned i = 0; i < n / 2; i++) {
        d->w[i] = (int16_t)s->w[i] < (int16_t)d->w[i] ? s->w[i] : d->w[i];
    }
}

static void pmaxsw(X86Xmm *d, const X86Xmm *s, unsigned n, uint8_t imm)
{
    for (unsigned i = 0; i < n / 2; i++) {
        d->w[i] = (int16_t)s->w[i] > (int16_t)d->w[i] ? s->w[i] : d->w[i];
    }
}

static void psadbw(X86Xmm *d, const X86Xmm *s, unsigned n, uint8_t imm)
{
    for (unsigned g = 0; g < n / 8; g++) {
        unsigned sum = 0;
        for (unsigned i = 8 * g; i < 8 * g + 8; i++) {
            sum += d->b[i] > s->b[i] ? d->b[i] - s->b[i] : s->b[i] - d->b[i];
        }
        d->q[g] = sum;
    }
}

/* ---- pack with saturation: destination's elements, then the source's ---- */

static void packsswb(X86Xmm *d, const X86Xmm *s, unsigned n, uint8_t imm)
{
    X86Xmm r = { 0 };
    unsigned half = n / 2;
    for (unsigned i = 0; i < half; i++) {
        r.b[i] = (uint8_t)sse_sat8((int16_t)d->w[i]);
        r.b[half + i] = (uint8_t)sse_sat8((int16_t)s->w[i]);
    }
    *d = r;
}

static uint8_t sat_u8(int32_t v)
{
    return v < 0 ? 0 : v > 255 ? 255 : (uint8_t)v;
}

static void packuswb(X86Xmm *d, const X86Xmm *s, unsigned n, uint8_t imm)
{
    X86Xmm r = { 0 };
    unsigned half = n / 2;
    for (unsigned i = 0; i < half; i++) {
        r.b[i] = sat_u8((int16_t)d->w[i]);
        r.b[half + i] = sat_u8((int16_t)s->w[i]);
    }
    *d = r;
}

static void packssdw(X86Xmm *d, const X86Xmm *s, unsigned n, uint8_t imm)
{
    X86Xmm r = { 0 };
    unsigned half = n / 4;
    for (unsigned i = 0; i < half; i++) {
        r.w[i] = (uint16_t)sse_sat16((int32_t)d->d[i]);
        r.w[half + i] = (uint16_t)sse_sat16((int32_t)s->d[i]);
    }
    *d = r;
}

/* ---- unpack: interleave the low (or high) halves, destination first ---- */

static void unpack(X86Xmm *d, const X86Xmm *s, unsigned n, unsigned size, bool high)
{
    X86Xmm r = { 0 };
    unsigned half = n / 2, base = high ? half : 0;
    for (unsigned i = 0; i < half / size; i++) {
        memcpy(r.b + 2 * i * size, d->b + base + i * size, size);
        memcpy(r.b + (2 * i + 1) * size, s->b + base + i * size, size);
    }
    *d = r;
}

static void punpcklbw(X86Xmm *d, const X86Xmm *s, unsigned n, uint8_t imm) { unpack(d, s, n, 1, false); }
static void punpcklwd(X86Xmm *d, const X86Xmm *s, unsigned n, uint8_t imm) { unpack(d, s, n, 2, false); }
static void punpckldq(X86Xmm *d, const X86Xmm *s, unsigned n, uint8_t imm) { unpack(d, s, n, 4, false); }
static void punpcklqdq(X86Xmm *d, const X86Xmm *s, unsigned n, uint8_t imm) { unpack(d, s, n, 8, false); }
static void punpckhbw(X86Xmm *d, const X86Xmm *s, unsigned n, uint8_t imm) { unpack(d, s, n, 1, true); }
static void punpckhwd(X86Xmm *d, const X86Xmm *s, unsigned n, uint8_t imm) { unpack(d, s, n, 2, true); }
static void punpckhdq(X86Xmm *d, const X86Xmm *s, unsigned n, uint8_t imm) { unpack(d, s, n, 4, true); }
static void punpckhqdq(X86Xmm *d, const X86Xmm *s, unsigned n, uint8_t imm) { unpack(d, s, n, 8, true); }

/* ---- shuffles ---- */

static void pshufw(X86Xmm *d, const X86Xmm *s, unsigned n, uint8_t imm)
{
    X86Xmm r = { 0 };
    for (unsigned i = 0; i < 4; i++) {
        r.w[i] = s->w[(imm >> (2 * i)) & 3];
    }
    *d = r;
}

static void pshufd(X86Xmm *d, const X86Xmm *s, unsigned n, uint8_t imm)
{
    X86Xmm r;
    for (unsigned i = 0; i < 4; i++) {
        r.d[i] = s->d[(imm >> (2 * i)) & 3];
    }
    *d = r;
}

static void pshuflw(X86Xmm *d, const X86Xmm *s, unsigned n, uint8_t imm)
{
    X86Xmm r = *s;
    for (unsigned i = 0; i < 4; i++) {
        r.w[i] = s->w[(imm >> (2 * i)) & 3];
    }
    *d = r;
}

static void pshufhw(X86Xmm *d, const X86Xmm *s, unsigned n, uint8_t imm)
{
    X86Xmm r = *s;
    for (unsigned i = 0; i < 4; i++) {
        r.w[4 + i] = s->w[4 + ((imm >> (2 * i)) & 3)];
    }
    *d = r;
}

static void shufps(X86Xmm *d, const X86Xmm *s, unsigned n, uint8_t imm)
{
    X86Xmm r;
    r.d[0] = d->d[imm & 3];
    r.d[1] = d->d[(imm >> 2) & 3];
    r.d[2] = s->d[(imm >> 4) & 3];
    r.d[3] = s->d[(imm >> 6) & 3];
    *d = r;
}

static void shufpd(X86Xmm *d, const X86Xmm *s, unsigned n, uint8_t imm)
{
    X86Xmm r;
    r.q[0] = d->q[imm & 1];
    r.q[1] = s->q[(imm >> 1) & 1];
    *d = r;
}

typedef struct IntOp {
    SseIntFn fn;
    uint8_t mmx_feature, xmm_feature;   /* SseFeature of the MMX and the XMM form */
} IntOp;

#define MMX_SSE2(fn) { fn, SSE_FEAT_MMX, SSE_FEAT_SSE2 }
#define SSE_SSE2(fn) { fn, SSE_FEAT_SSE, SSE_FEAT_SSE2 }
#define SSE2_SSE2(fn) { fn, SSE_FEAT_SSE2, SSE_FEAT_SSE2 }
#define XMM(fn, f) { fn, SSE_FEAT_##f, SSE_FEAT_##f }

static const IntOp int_ops[X86_OP_COUNT] = {
    [X86_OP_PADDB] = MMX_SSE2(paddb), [X86_OP_PADDW] = MMX_SSE2(paddw),
    [X86_OP_PADDD] = MMX_SSE2(paddd), [X86_OP_PADDQ] = SSE2_SSE2(paddq),
    [X86_OP_PSUBB] = MMX_SSE2(psubb), [X86_OP_PSUBW] = MMX_SSE2(psubw),
    [X86_OP_PSUBD] = MMX_SSE2(psubd), [X86_OP_PSUBQ] = SSE2_SSE2(psubq),
    [X86_OP_PADDSB] = MMX_SSE2(paddsb), [X86_OP_PADDSW] = MMX_SSE2(paddsw),
    [X86_OP_PSUBSB] = MMX_SSE2(psubsb), [X86_OP_PSUBSW] = MMX_SSE2(psubsw),
    [X86_OP_PADDUSB] = MMX_SSE2(paddusb), [X86_OP_PADDUSW] = MMX_SSE2(paddusw),
    [X86_OP_PSUBUSB] = MMX_SSE2(psubusb), [X86_OP_PSUBUSW] = MMX_SSE2(psubusw),
    [X86_OP_PMULLW] = MMX_SSE2(pmullw), [X86_OP_PMULHW] = MMX_SSE2(pmulhw),
    [X86_OP_PMULHUW] = SSE_SSE2(pmulhuw), [X86_OP_PMULUDQ] = SSE2_SSE2(pmuludq),
    [X86_OP_PMADDWD] = MMX_SSE2(pmaddwd),
    [X86_OP_PCMPEQB] = MMX_SSE2(pcmpeqb), [X86_OP_PCMPEQW] = MMX_SSE2(pcmpeqw),
    [X86_OP_PCMPEQD] = MMX_SSE2(pcmpeqd), [X86_OP_PCMPGTB] = MMX_SSE2(pcmpgtb),
    [X86_OP_PCMPGTW] = MMX_SSE2(pcmpgtw), [X86_OP_PCMPGTD] = MMX_SSE2(pcmpgtd),
    [X86_OP_PAND] = MMX_SSE2(pand), [X86_OP_PANDN] = MMX_SSE2(pandn),
    [X86_OP_POR] = MMX_SSE2(por), [X86_OP_PXOR] = MMX_SSE2(pxor),
    [X86_OP_PSLLW] = MMX_SSE2(psllw), [X86_OP_PSLLD] = MMX_SSE2(pslld),
    [X86_OP_PSLLQ] = MMX_SSE2(psllq), [X86_OP_PSRLW] = MMX_SSE2(psrlw),
    [X86_OP_PSRLD] = MMX_SSE2(psrld), [X86_OP_PSRLQ] = MMX_SSE2(psrlq),
    [X86_OP_PSRAW] = MMX_SSE2(psraw), [X86_OP_PSRAD] = MMX_SSE2(psrad),
    [X86_OP_PSLLDQ] = XMM(pslldq, SSE2), [X86_OP_PSRLDQ] = XMM(psrldq, SSE2),
    [X86_OP_PAVGB] = SSE_SSE2(pavgb), [X86_OP_PAVGW] = SSE_SSE2(pavgw),
    [X86_OP_PMINUB] = SSE_SSE2(pminub), [X86_OP_PMAXUB] = SSE_SSE2(pmaxub),
    [X86_OP_PMINSW] = SSE_SSE2(pminsw), [X86_OP_PMAXSW] = SSE_SSE2(pmaxsw),
    [X86_OP_PSADBW] = SSE_SSE2(psadbw),
    [X86_OP_PACKSSWB] = MMX_SSE2(packsswb), [X86_OP_PACKSSDW] = MMX_SSE2(packssdw),
    [X86_OP_PACKUSWB] = MMX_SSE2(packuswb),
    [X86_OP_PUNPCKLBW] = MMX_SSE2(punpcklbw), [X86_OP_PUNPCKLWD] = MMX_SSE2(punpcklwd),
    [X86_OP_PUNPCKLDQ] = MMX_SSE2(punpckldq), [X86_OP_PUNPCKLQDQ] = XMM(punpcklqdq, SSE2),
    [X86_OP_PUNPCKHBW] = MMX_SSE2(punpckhbw), [X86_OP_PUNPCKHWD] = MMX_SSE2(punpckhwd),
    [X86_OP_PUNPCKHDQ] = MMX_SSE2(punpckhdq), [X86_OP_PUNPCKHQDQ] = XMM(punpckhqdq, SSE2),
    [X86_OP_PSHUFW] = { pshufw, SSE_FEAT_SSE, SSE_FEAT_SSE }, [X86_OP_PSHUFD] = XMM(pshufd, SSE2),
    [X86_OP_PSHUFLW] = XMM(pshuflw, SSE2), [X86_OP_PSHUFHW] = XMM(pshufhw, SSE2),
    /* SSE/SSE2 bitwise and shuffle ops on floating-point data: no FP exceptions */
    [X86_OP_ANDPS] = XMM(pand, SSE), [X86_OP_ANDPD] = XMM(pand, SSE2),
    [X86_OP_ANDNPS] = XMM(pandn, SSE), [X86_OP_ANDNPD] = XMM(pandn, SSE2),
    [X86_OP_ORPS] = XMM(por, SSE), [X86_OP_ORPD] = XMM(por, SSE2),
    [X86_OP_XORPS] = XMM(pxor, SSE), [X86_OP_XORPD] = XMM(pxor, SSE2),
    [X86_OP_UNPCKLPS] = XMM(punpckldq, SSE), [X86_OP_UNPCKHPS] = XMM(punpckhdq, SSE),
    [X86_OP_UNPCKLPD] = XMM(punpcklqdq, SSE2), [X86_OP_UNPCKHPD] = XMM(punpckhqdq, SSE2),
    [X86_OP_SHUFPS] = XMM(shufps, SSE), [X86_OP_SHUFPD] = XMM(shufpd, SSE2),
};

static void op_int(X86Cpu *cpu, const X86Insn *insn)
{
    const IntOp *op = &int_ops[insn->op];
    sse_int_run(cpu, insn, op->fn, op->mmx_feature, op->xmm_feature);
}

void sse_register_int(X86Handler *table)
{
    for (unsigned op = 0; op < X86_OP_COUNT; op++) {
        if (int_ops[op].fn) {
            table[op] = op_int;
        }
    }
}
