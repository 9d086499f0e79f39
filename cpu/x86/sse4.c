/* SSE4.1 integer and data-movement ops (min/max, blends, PMOVSX/ZX, inserts/extracts, PTEST, MPSADBW) and PCMPGTQ. */
#include "cpu/x86/sse_internal.h"

/* SDM vol. 2 instruction pages.  n is always 16 here: SSE4 has no MMX forms. */

/* ---- element-wise ops through sse_int_run() ---- */

static void pmuldq(X86Xmm *d, const X86Xmm *s, unsigned n, uint8_t imm)
{
    for (unsigned i = 0; i < 2; i++) {
        d->q[i] = (uint64_t)((int64_t)(int32_t)d->d[2 * i] * (int32_t)s->d[2 * i]);
    }
}

static void pmulld(X86Xmm *d, const X86Xmm *s, unsigned n, uint8_t imm)
{
    for (unsigned i = 0; i < 4; i++) {
        d->d[i] = d->d[i] * s->d[i];
    }
}

static void pcmpeqq(X86Xmm *d, const X86Xmm *s, unsigned n, uint8_t imm)
{
    for (unsigned i = 0; i < 2; i++) {
        d->q[i] = d->q[i] == s->q[i] ? ~0ull : 0;
    }
}

static void pcmpgtq(X86Xmm *d, const X86Xmm *s, unsigned n, uint8_t imm)
{
    for (unsigned i = 0; i < 2; i++) {
        d->q[i] = (int64_t)d->q[i] > (int64_t)s->q[i] ? ~0ull : 0;
    }
}

static void packusdw(X86Xmm *d, const X86Xmm *s, unsigned n, uint8_t imm)
{
    X86Xmm r;
    for (unsigned i = 0; i < 4; i++) {
        int32_t a = (int32_t)d->d[i], b = (int32_t)s->d[i];
        r.w[i] = a < 0 ? 0 : a > 0xffff ? 0xffff : (uint16_t)a;
        r.w[4 + i] = b < 0 ? 0 : b > 0xffff ? 0xffff : (uint16_t)b;
    }
    *d = r;
}

#define MINMAX(name, field, count, type, cmp)                                   \
    static void name(X86Xmm *d, const X86Xmm *s, unsigned n, uint8_t imm)      \
    {                                                                           \
        for (unsigned i = 0; i < (count); i++) {                                \
            if ((type)s->field[i] cmp (type)d->field[i]) {                      \
                d->field[i] = s->field[i];                                      \
            }                                                                   \
        }                                                                       \
    }

MINMAX(pminsb, b, 16, int8_t, <)
MINMAX(pmaxsb, b, 16, int8_t, >)
MINMAX(pminuw, w, 8, uint16_t, <)
MINMAX(pmaxuw, w, 8, uint16_t, >)
MINMAX(pminsd, d, 4, int32_t, <)
MINMAX(pmaxsd, d, 4, int32_t, >)
MINMAX(pminud, d, 4, uint32_t, <)
MINMAX(pmaxud, d, 4, uint32_t, >)

/* BLENDPS/BLENDPD/PBLENDW: imm8 bit i takes element i from the source. */
static void blendps(X86Xmm *d, const X86Xmm *s, unsigned n, uint8_t imm)
{
    for (unsigned i = 0; i < 4; i++) {
        if (imm & (1u << i)) {
            d->d[i] = s->d[i];
        }
    }
}

static void blendpd(X86Xmm *d, const X86Xmm *s, unsigned n, uint8_t imm)
{
    for (unsigned i = 0; i < 2; i++) {
        if (imm & (1u << i)) {
            d->q[i] = s->q[i];
        }
    }
}

static void pblendw(X86Xmm *d, const X86Xmm *s, unsigned n, uint8_t imm)
{
    for (unsigned i = 0; i < 8; i++) {
        if (imm & (1u << i)) {
            d->w[i] = s->w[i];
        }
    }
}

/*
 * MPSADBW: eight sums of absolute differences between a 4-byte source
 * block (at dword imm8[1:0]) and sliding 4-byte windows of the destination
 * starting at byte 4 * imm8[2] + i.
 */
static void mpsadbw(X86Xmm *d, const X86Xmm *s, unsigned n, uint8_t imm)
{
    unsigned src = (imm & 3) * 4, dst = ((imm >> 2) & 1) * 4;
    X86Xmm r;
    for (unsigned i = 0; i < 8; i++) {
        unsigned sum = 0;
        for (unsigned j = 0; j < 4; j++) {
            int a = d->b[dst + i + j], b = s->b[src + j];
            sum += a > b ? a - b : b - a;
        }
        r.w[i] = (uint16_t)sum;
    }
    *d = r;
}

typedef struct Sse4Op {
    SseIntFn fn;
    uint8_t feature;
} Sse4Op;

static const Sse4Op sse4_ops[X86_OP_COUNT] = {
    [X86_OP_PMULDQ] = { pmuldq, SSE_FEAT_SSE41 }, [X86_OP_PMULLD] = { pmulld, SSE_FEAT_SSE41 },
    [X86_OP_PCMPEQQ] = { pcmpeqq, SSE_FEAT_SSE41 }, [X86_OP_PCMPGTQ] = { pcmpgtq, SSE_FEAT_SSE42 },
    [X86_OP_PACKUSDW] = { packusdw, SSE_FEAT_SSE41 },
    [X86_OP_PMINSB] = { pminsb, SSE_FEAT_SSE41 }, [X86_OP_PMAXSB] = { pmaxsb, SSE_FEAT_SSE41 },
    [X86_OP_PMINUW] = { pminuw, SSE_FEAT_SSE41 }, [X86_OP_PMAXUW] = { pmaxuw, SSE_FEAT_SSE41 },
    [X86_OP_PMINSD] = { pminsd, SSE_FEAT_SSE41 }, [X86_OP_PMAXSD] = { pmaxsd, SSE_FEAT_SSE41 },
    [X86_OP_PMINUD] = { pminud, SSE_FEAT_SSE41 }, [X86_OP_PMAXUD] = { pmaxud, SSE_FEAT_SSE41 },
    [X86_OP_BLENDPS] = { blendps, SSE_FEAT_SSE41 }, [X86_OP_BLENDPD] = { blendpd, SSE_FEAT_SSE41 },
    [X86_OP_PBLENDW] = { pblendw, SSE_FEAT_SSE41 }, [X86_OP_MPSADBW] = { mpsadbw, SSE_FEAT_SSE41 },
};

static void op_sse4_int(X86Cpu *cpu, const X86Insn *insn)
{
    const Sse4Op *op = &sse4_ops[insn->op];
    sse_int_run(cpu, insn, op->fn, op->feature, op->feature);
}

/* ---- PHMINPOSUW: the minimum word and its (lowest) index ---- */

static void op_phminposuw(X86Cpu *cpu, const X86Insn *insn)
{
    X86Xmm s;
    sse_check(cpu, insn, SSE_FEAT_SSE41);
    sse_read(cpu, insn, 1, &s, 16, true);
    unsigned best = 0;
    for (unsigned i = 1; i < 8; i++) {
        if (s.w[i] < s.w[best]) {
            best = i;
        }
    }
    X86Xmm r = { .w = { s.w[best], (uint16_t)best } };
    *sse_xmm(cpu, insn->reg) = r;
}

/* ---- PMOVSX/PMOVZX: widen the low elements of the source (m16/m32/m64, unaligned) ---- */

static void op_pmovx(X86Cpu *cpu, const X86Insn *insn)
{
    static const struct { uint8_t from, to; bool sign; } forms[] = {
        { 1, 2, true }, { 1, 4, true }, { 1, 8, true }, { 2, 4, true }, { 2, 8, true },
        { 4, 8, true }, { 1, 2, false }, { 1, 4, false }, { 1, 8, false }, { 2, 4, false },
        { 2, 8, false }, { 4, 8, false },
    };
    unsigned k = insn->op - X86_OP_PMOVSXBW;   /* PMOVSXBW..PMOVZXDQ in decode.h order */
    sse_check(cpu, insn, SSE_FEAT_SSE41);
    unsigned from = forms[k].from, to = forms[k].to, count = 16 / to;
    X86Xmm s, r;
    sse_read(cpu, insn, 1, &s, from * count, false);
    for (unsigned i = 0; i < count; i++) {
        uint64_t v = 0;
        memcpy(&v, s.b + i * from, from);
        if (forms[k].sign) {
            v = (uint64_t)x86_sext(v, from);
        }
        memcpy(r.b + i * to, &v, to);
    }
    *sse_xmm(cpu, insn->reg) = r;
}

/* ---- PTEST: ZF = (dst AND src) == 0, CF = (NOT dst AND src) == 0; AF OF PF SF cleared ---- */

static void op_ptest(X86Cpu *cpu, const X86Insn *insn)
{
    X86Xmm s;
    sse_check(cpu, insn, SSE_FEAT_SSE41);
    sse_read(cpu, insn, 1, &s, 16, true);
    const X86Xmm *d = sse_xmm(cpu, insn->reg);
    bool zf = !((d->q[0] & s.q[0]) | (d->q[1] & s.q[1]));
    bool cf = !((~d->q[0] & s.q[0]) | (~d->q[1] & s.q[1]));
    cpu->s.rflags &= ~(uint64_t)(X86_FLAG_CF | X86_FLAG_PF | X86_FLAG_AF | X86_FLAG_ZF |
                                 X86_FLAG_SF | X86_FLAG_OF);
    cpu->s.rflags |= (zf ? X86_FLAG_ZF : 0) | (cf ? X86_FLAG_CF : 0);
}

/* ---- PBLENDVB/BLENDVPS/BLENDVPD: the sign bits of XMM0's elements select the source ---- */

static void op_blendv(X86Cpu *cpu, const X86Insn *insn)
{
    unsigned size = insn->op == X86_OP_PBLENDVB ? 1 : insn->op == X86_OP_BLENDVPS ? 4 : 8;
    X86Xmm s;
    sse_check(cpu, insn, SSE_FEAT_SSE41);
    sse_read(cpu, insn, 1, &s, 16, true);
    const X86Xmm *mask = sse_xmm(cpu, 0);
    X86Xmm *d = sse_xmm(cpu, insn->reg);
    X86Xmm r = *d;
    for (unsigned i = 0; i < 16; i += size) {
        if (mask->b[i + size - 1] & 0x80) {
            memcpy(r.b + i, s.b + i, size);
        }
    }
    *d = r;
}

/* ---- extracts: PEXTRB/W/D/Q, EXTRACTPS; register destinations are zero-extended ---- */

static void extract(X86Cpu *cpu, const X86Insn *insn, unsigned size, uint64_t value)
{
    unsigned reg;
    if (sse_operand(insn, 0, &reg) == SSE_OPND_MEM) {
        X86Xmm v = { .q = { value } };
        sse_store(cpu, insn, &v, size, false);
        return;
    }
    x86_reg_set(cpu, reg, size == 8 ? 8 : 4, false, value);
}

/* PEXTRW has an MMX/SSE2 form (0F C5, register destination only) and an SSE4.1 one (0F 3A 15). */
static void op_pextrw(X86Cpu *cpu, const X86Insn *insn)
{
    unsigned sreg;
    SseOperandClass src = sse_operand(insn, 1, &sreg);
    bool legacy = x86_insn_row(insn)->opcode == 0x0FC5;
    bool mmx = src == SSE_OPND_MMX;
    sse_check(cpu, insn, mmx ? SSE_FEAT_SSE : legacy ? SSE_FEAT_SSE2 : SSE_FEAT_SSE41);
    uint8_t imm = sse_imm8(insn);
    uint16_t v = mmx ? (uint16_t)(mmx_get(cpu, sreg) >> (16 * (imm & 3)))
                     : sse_xmm(cpu, sreg)->w[imm & 7];
    extract(cpu, insn, 2, v);
    if (mmx) {
        mmx_enter(cpu);
    }
}

static void op_pextrb(X86Cpu *cpu, const X86Insn *insn)
{
    sse_check(cpu, insn, SSE_FEAT_SSE41);
    extract(cpu, insn, 1, sse_xmm(cpu, insn->reg)->b[sse_imm8(insn) & 15]);
}

/* PEXTRD, or PEXTRQ with REX.W (Ey). */
static void op_pextrd(X86Cpu *cpu, const X86Insn *insn)
{
    sse_check(cpu, insn, SSE_FEAT_SSE41);
    const X86Xmm *s = sse_xmm(cpu, insn->reg);
    unsigned size = x86_opnd_size(insn, 0);
    uint64_t v = size == 8 ? s->q[sse_imm8(insn) & 1] : s->d[sse_imm8(insn) & 3];
    extract(cpu, insn, size, v);
}

static void op_extractps(X86Cpu *cpu, const X86Insn *insn)
{
    sse_check(cpu, insn, SSE_FEAT_SSE41);
    extract(cpu, insn, 4, sse_xmm(cpu, insn->reg)->d[sse_imm8(insn) & 3]);
}

/* ---- inserts: PINSRB/W/D/Q, INSERTPS ---- */

static void op_pinsrw(X86Cpu *cpu, const X86Insn *insn)
{
    unsigned dreg;
    bool mmx = sse_operand(insn, 0, &dreg) == SSE_OPND_MMX;
    sse_check(cpu, insn, mmx ? SSE_FEAT_SSE : SSE_FEAT_SSE2);
    X86Xmm s;
    sse_read(cpu, insn, 1, &s, 2, false);
    uint8_t imm = sse_imm8(insn);
    if (mmx) {
        unsigned shift = 16 * (imm & 3);
        uint64_t v = mmx_get(cpu, dreg) & ~(0xffffull << shift);
        mmx_set(cpu, dreg, v | ((uint64_t)s.w[0] << shift));
        mmx_enter(cpu);
    } else {
        sse_xmm(cpu, dreg)->w[imm & 7] = s.w[0];
    }
}

static void op_pinsrb(X86Cpu *cpu, const X86Insn *insn)
{
    X86Xmm s;
    sse_check(cpu, insn, SSE_FEAT_SSE41);
    sse_read(cpu, insn, 1, &s, 1, false);
    sse_xmm(cpu, insn->reg)->b[sse_imm8(insn) & 15] = s.b[0];
}

/* PINSRD, or PINSRQ with REX.W (Ey). */
static void op_pinsrd(X86Cpu *cpu, const X86Insn *insn)
{
    X86Xmm s;
    sse_check(cpu, insn, SSE_FEAT_SSE41);
    unsigned size = x86_opnd_size(insn, 1);
    sse_read(cpu, insn, 1, &s, size, false);
    X86Xmm *d = sse_xmm(cpu, insn->reg);
    if (size == 8) {
        d->q[sse_imm8(insn) & 1] = s.q[0];
    } else {
        d->d[sse_imm8(insn) & 3] = s.d[0];
    }
}

/*
 * INSERTPS: element imm8[7:6] of a register source (a memory source is the
 * single m32) goes to element imm8[5:4], then imm8[3:0] zeroes elements.
 */
static void op_insertps(X86Cpu *cpu, const X86Insn *insn)
{
    unsigned sreg;
    sse_check(cpu, insn, SSE_FEAT_SSE41);
    uint8_t imm = sse_imm8(insn);
    X86Xmm s;
    bool mem = sse_operand(insn, 1, &sreg) == SSE_OPND_MEM;
    sse_read(cpu, insn, 1, &s, 4, false);
    uint32_t v = mem ? s.d[0] : s.d[imm >> 6];
    X86Xmm *d = sse_xmm(cpu, insn->reg);
    X86Xmm r = *d;
    r.d[(imm >> 4) & 3] = v;
    for (unsigned i = 0; i < 4; i++) {
        if (imm & (1u << i)) {
            r.d[i] = 0;
        }
    }
    *d = r;
}

void sse_register_sse4(X86Handler *table)
{
    for (unsigned op = 0; op < X86_OP_COUNT; op++) {
        if (sse4_ops[op].fn) {
            table[op] = op_sse4_int;
        }
    }
    table[X86_OP_PHMINPOSUW] = op_phminposuw;
    for (unsigned op = X86_OP_PMOVSXBW; op <= X86_OP_PMOVZXDQ; op++) {
        table[op] = op_pmovx;
    }
    table[X86_OP_PTEST] = op_ptest;
    table[X86_OP_PBLENDVB] = op_blendv;
    table[X86_OP_BLENDVPS] = op_blendv;
    table[X86_OP_BLENDVPD] = op_blendv;
    table[X86_OP_PEXTRW] = op_pextrw;
    table[X86_OP_PEXTRB] = op_pextrb;
    table[X86_OP_PEXTRD] = op_pextrd;
    table[X86_OP_EXTRACTPS] = op_extractps;
    table[X86_OP_PINSRW] = op_pinsrw;
    table[X86_OP_PINSRB] = op_pinsrb;
    table[X86_OP_PINSRD] = op_pinsrd;
    table[X86_OP_INSERTPS] = op_insertps;
}
