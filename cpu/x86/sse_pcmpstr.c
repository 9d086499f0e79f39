/* SSE4.2 string compares: PCMPESTRI, PCMPESTRM, PCMPISTRI, PCMPISTRM. */
#include "cpu/x86/sse_internal.h"

/*
 * SDM vol. 2B 4.1 "Imm8 control byte operation for PCMPESTRI / PCMPESTRM /
 * PCMPISTRI / PCMPISTRM":
 *   imm8[1:0]  element format: unsigned bytes, unsigned words, signed bytes, signed words
 *   imm8[3:2]  aggregation: equal any, ranges, equal each, equal ordered
 *   imm8[5:4]  polarity: +, -, + masked, - masked
 *   imm8[6]    index: least/most significant bit (..STRI); mask: bits/expanded (..STRM)
 * The first source is the XMM register operand (xmm1), the second the
 * XMM/m128 operand (unaligned).  Lengths are explicit (|rAX|, |rDX|,
 * saturated) or implicit (up to the first zero element).
 */

enum { AGG_EQUAL_ANY, AGG_RANGES, AGG_EQUAL_EACH, AGG_EQUAL_ORDERED };

typedef struct StrCompare {
    unsigned n;             /* elements per operand: 16 or 8 */
    int32_t a[16], b[16];   /* xmm1 and xmm2/m128, extended per the format */
    unsigned len_a, len_b;  /* valid elements */
} StrCompare;

static void unpack_elements(StrCompare *c, const X86Xmm *a, const X86Xmm *b, uint8_t imm)
{
    bool words = imm & 1, sign = imm & 2;
    c->n = words ? 8 : 16;
    for (unsigned i = 0; i < c->n; i++) {
        if (words) {
            c->a[i] = sign ? (int16_t)a->w[i] : a->w[i];
            c->b[i] = sign ? (int16_t)b->w[i] : b->w[i];
        } else {
            c->a[i] = sign ? (int8_t)a->b[i] : a->b[i];
            c->b[i] = sign ? (int8_t)b->b[i] : b->b[i];
        }
    }
}

/* |v| saturated to n, from rAX/rDX (64 bits with REX.W, else 32). */
static unsigned explicit_length(uint64_t reg, bool rex_w, unsigned n)
{
    int64_t v = rex_w ? (int64_t)reg : (int64_t)(int32_t)reg;
    uint64_t mag = v < 0 ? -(uint64_t)v : (uint64_t)v;
    return mag > n ? n : (unsigned)mag;
}

static unsigned implicit_length(const int32_t *e, unsigned n)
{
    unsigned i = 0;
    while (i < n && e[i] != 0) {
        i++;
    }
    return i;
}

/*
 * BoolRes(j, i): element j of the second source against element i of the
 * first, with the SDM's overrides for invalid elements (table 4-7).
 */
static bool bool_res(const StrCompare *c, unsigned agg, unsigned j, unsigned i)
{
    bool va = i < c->len_a, vb = j < c->len_b;
    if (!va || !vb) {
        switch (agg) {
        case AGG_EQUAL_EACH: return !va && !vb;
        case AGG_EQUAL_ORDERED: return !va;
        default: return false;
        }
    }
    if (agg == AGG_RANGES) {
        return (i & 1) ? c->b[j] <= c->a[i] : c->b[j] >= c->a[i];
    }
    return c->b[j] == c->a[i];
}

static uint32_t aggregate(const StrCompare *c, unsigned agg)
{
    uint32_t res = 0;
    unsigned n = c->n;
    for (unsigned j = 0; j < n; j++) {
        bool r = false;
        switch (agg) {
        case AGG_EQUAL_ANY:
            for (unsigned i = 0; i < n && !r; i++) {
                r = bool_res(c, agg, j, i);
            }
            break;
        case AGG_RANGES:
            for (unsigned i = 0; i + 1 < n && !r; i += 2) {
                r = bool_res(c, agg, j, i) && bool_res(c, agg, j, i + 1);
            }
            break;
        case AGG_EQUAL_EACH:
            r = bool_res(c, agg, j, j);
            break;
        default:
            r = true;
            for (unsigned i = 0; i + j < n && r; i++) {
                r = bool_res(c, agg, j + i, i);
            }
            break;
        }
        res |= (uint32_t)r << j;
    }
    return res;
}

static uint32_t apply_polarity(const StrCompare *c, uint32_t res, uint8_t imm)
{
    uint32_t all = (1u << c->n) - 1;
    switch ((imm >> 4) & 3) {
    case 1:
        return res ^ all;
    case 3:
        return res ^ ((1u << c->len_b) - 1);
    default:
        return res;
    }
}

static void string_compare(X86Cpu *cpu, const X86Insn *insn, bool explicit_len, bool index)
{
    X86Xmm b;
    sse_check(cpu, insn, SSE_FEAT_SSE42);
    sse_read(cpu, insn, 1, &b, 16, false);
    uint8_t imm = sse_imm8(insn);
    StrCompare c;
    unpack_elements(&c, sse_xmm(cpu, insn->reg), &b, imm);
    if (explicit_len) {
        bool w = insn->rex & 0x08;
        c.len_a = explicit_length(cpu->s.regs[R_EAX], w, c.n);
        c.len_b = explicit_length(cpu->s.regs[R_EDX], w, c.n);
    } else {
        c.len_a = implicit_length(c.a, c.n);
        c.len_b = implicit_length(c.b, c.n);
    }
    uint32_t res = apply_polarity(&c, aggregate(&c, (imm >> 2) & 3), imm);

    if (index) {
        unsigned idx = c.n;
        if (res) {
            idx = (imm & 0x40) ? 31 - __builtin_clz(res) : __builtin_ctz(res);
        }
        x86_reg_set(cpu, R_ECX, 4, false, idx);
    } else {
        X86Xmm m = { 0 };
        if (imm & 0x40) {
            unsigned size = 16 / c.n;
            for (unsigned i = 0; i < c.n; i++) {
                memset(m.b + i * size, (res >> i) & 1 ? 0xff : 0, size);
            }
        } else {
            m.d[0] = res;
        }
        *sse_xmm(cpu, 0) = m;
    }
    cpu->s.rflags &= ~(uint64_t)(X86_FLAG_CF | X86_FLAG_PF | X86_FLAG_AF | X86_FLAG_ZF |
                                 X86_FLAG_SF | X86_FLAG_OF);
    cpu->s.rflags |= (res ? X86_FLAG_CF : 0) | (c.len_b < c.n ? X86_FLAG_ZF : 0) |
                     (c.len_a < c.n ? X86_FLAG_SF : 0) | ((res & 1) ? X86_FLAG_OF : 0);
}

static void op_pcmpestri(X86Cpu *cpu, const X86Insn *insn) { string_compare(cpu, insn, true, true); }
static void op_pcmpestrm(X86Cpu *cpu, const X86Insn *insn) { string_compare(cpu, insn, true, false); }
static void op_pcmpistri(X86Cpu *cpu, const X86Insn *insn) { string_compare(cpu, insn, false, true); }
static void op_pcmpistrm(X86Cpu *cpu, const X86Insn *insn) { string_compare(cpu, insn, false, false); }

void sse_register_pcmpstr(X86Handler *table)
{
    table[X86_OP_PCMPESTRI] = op_pcmpestri;
    table[X86_OP_PCMPESTRM] = op_pcmpestrm;
    table[X86_OP_PCMPISTRI] = op_pcmpistri;
    table[X86_OP_PCMPISTRM] = op_pcmpistrm;
}
