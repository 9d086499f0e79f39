/* AES-NI (AESENC/AESENCLAST/AESDEC/AESDECLAST/AESIMC/AESKEYGENASSIST) and PCLMULQDQ, in C. */
#include "cpu/x86/sse_internal.h"

/*
 * AES rounds as the SDM's instruction pages define them on FIPS-197's
 * transformations.  The 128-bit state is FIPS-197's byte array in order:
 * XMM byte 4c + r is row r of column c.  The S-boxes are computed once,
 * when the handler table is built, from their definition (multiplicative
 * inverse in GF(2^8) mod x^8+x^4+x^3+x+1, then the affine map).
 */

static uint8_t sbox[256], inv_sbox[256];

static uint8_t gf_mul(uint8_t a, uint8_t b)
{
    uint8_t r = 0;
    while (b) {
        if (b & 1) {
            r ^= a;
        }
        a = (uint8_t)((a << 1) ^ ((a & 0x80) ? 0x1b : 0));
        b >>= 1;
    }
    return r;
}

static uint8_t rotl8(uint8_t v, unsigned n)
{
    return (uint8_t)((v << n) | (v >> (8 - n)));
}

static void build_sboxes(void)
{
    for (unsigned x = 0; x < 256; x++) {
        uint8_t inv = 0;
        for (unsigned y = 1; y < 256 && x; y++) {
            if (gf_mul((uint8_t)x, (uint8_t)y) == 1) {
                inv = (uint8_t)y;
                break;
            }
        }
        uint8_t s = inv ^ rotl8(inv, 1) ^ rotl8(inv, 2) ^ rotl8(inv, 3) ^ rotl8(inv, 4) ^ 0x63;
        sbox[x] = s;
        inv_sbox[s] = (uint8_t)x;
    }
}

static void shift_rows(X86Xmm *s, bool inverse)
{
    X86Xmm r;
    for (unsigned c = 0; c < 4; c++) {
        for (unsigned row = 0; row < 4; row++) {
            unsigned from = inverse ? (c + 4 - row) % 4 : (c + row) % 4;
            r.b[4 * c + row] = s->b[4 * from + row];
        }
    }
    *s = r;
}

static void sub_bytes(X86Xmm *s, const uint8_t *box)
{
    for (unsigned i = 0; i < 16; i++) {
        s->b[i] = box[s->b[i]];
    }
}

static void mix_columns(X86Xmm *s, bool inverse)
{
    static const uint8_t fwd[4] = { 2, 3, 1, 1 }, inv[4] = { 14, 11, 13, 9 };
    const uint8_t *m = inverse ? inv : fwd;
    for (unsigned c = 0; c < 4; c++) {
        uint8_t col[4];
        memcpy(col, s->b + 4 * c, 4);
        for (unsigned row = 0; row < 4; row++) {
            uint8_t v = 0;
            for (unsigned k = 0; k < 4; k++) {
                v ^= gf_mul(col[k], m[(k + 4 - row) % 4]);
            }
            s->b[4 * c + row] = v;
        }
    }
}

static void xor128(X86Xmm *d, const X86Xmm *s)
{
    d->q[0] ^= s->q[0];
    d->q[1] ^= s->q[1];
}

/* Rounds: dst = state, src = round key (SDM vol. 2A AESENC..AESDECLAST). */
static void aes_round(X86Xmm *state, const X86Xmm *key, unsigned op)
{
    bool decrypt = op == X86_OP_AESDEC || op == X86_OP_AESDECLAST;
    bool last = op == X86_OP_AESENCLAST || op == X86_OP_AESDECLAST;
    shift_rows(state, decrypt);
    sub_bytes(state, decrypt ? inv_sbox : sbox);
    if (!last) {
        mix_columns(state, decrypt);
    }
    xor128(state, key);
}

static uint32_t sub_word(uint32_t w)
{
    uint32_t r = 0;
    for (unsigned i = 0; i < 4; i++) {
        r |= (uint32_t)sbox[(w >> (8 * i)) & 0xff] << (8 * i);
    }
    return r;
}

static uint32_t rot_word(uint32_t w)
{
    return (w >> 8) | (w << 24);
}

static void op_aes(X86Cpu *cpu, const X86Insn *insn)
{
    X86Xmm s;
    sse_check(cpu, insn, SSE_FEAT_AES);
    sse_read(cpu, insn, 1, &s, 16, true);
    X86Xmm *d = sse_xmm(cpu, insn->reg);
    X86Xmm r = *d;
    switch (insn->op) {
    case X86_OP_AESIMC:
        r = s;
        mix_columns(&r, true);
        break;
    case X86_OP_AESKEYGENASSIST: {
        uint32_t rcon = sse_imm8(insn);
        uint32_t x1 = sub_word(s.d[1]), x3 = sub_word(s.d[3]);
        r.d[0] = x1;
        r.d[1] = rot_word(x1) ^ rcon;
        r.d[2] = x3;
        r.d[3] = rot_word(x3) ^ rcon;
        break;
    }
    default:
        aes_round(&r, &s, insn->op);
        break;
    }
    *d = r;
}

/* ---- PCLMULQDQ: carry-less product of quadword imm8[0] of dst and imm8[4] of src ---- */

static void clmul64(uint64_t a, uint64_t b, uint64_t *lo, uint64_t *hi)
{
    uint64_t l = 0, h = 0;
    for (unsigned i = 0; i < 64; i++) {
        if ((b >> i) & 1) {
            l ^= a << i;
            h ^= i ? a >> (64 - i) : 0;
        }
    }
    *lo = l;
    *hi = h;
}

static void op_pclmulqdq(X86Cpu *cpu, const X86Insn *insn)
{
    X86Xmm s;
    sse_check(cpu, insn, SSE_FEAT_PCLMUL);
    sse_read(cpu, insn, 1, &s, 16, true);
    X86Xmm *d = sse_xmm(cpu, insn->reg);
    uint8_t imm = sse_imm8(insn);
    X86Xmm r;
    clmul64(d->q[imm & 1], s.q[(imm >> 4) & 1], &r.q[0], &r.q[1]);
    *d = r;
}

void sse_register_crypto(X86Handler *table)
{
    build_sboxes();
    table[X86_OP_AESENC] = op_aes;
    table[X86_OP_AESENCLAST] = op_aes;
    table[X86_OP_AESDEC] = op_aes;
    table[X86_OP_AESDECLAST] = op_aes;
    table[X86_OP_AESIMC] = op_aes;
    table[X86_OP_AESKEYGENASSIST] = op_aes;
    table[X86_OP_PCLMULQDQ] = op_pclmulqdq;
}
