/* difftest's instruction encoder: one opcode-table row -> random valid bytes, checked by the decoder. */
#include "difftest/gen.h"

#include <string.h>

#include "cpu/x86/state.h"

/*
 * The layout of an instruction is SDM vol. 2A 2.1 figure 2-1: legacy
 * prefixes, REX, opcode, ModRM, SIB, displacement, immediates.  The row
 * fixes the opcode, the mandatory prefix, ModRM.reg/rm where the row
 * splits on them, and the operand kinds; everything else is drawn here.
 * Drawn choices that the row rejects (a Sw of 7, 90 with REX.B...) are
 * caught by decoding the result and comparing the row.
 */

enum { USE_NONE, USE_MODRM, USE_MEM, USE_REG };

/* How an operand kind uses ModRM (SDM vol. 2D A.2.1), as decode.c reads it. */
static unsigned kind_use(unsigned kind)
{
    switch (kind) {
    case X86_OPK_M: case X86_OPK_Mb: case X86_OPK_Mw: case X86_OPK_Md: case X86_OPK_Mq:
    case X86_OPK_Mdq: case X86_OPK_Mp: case X86_OPK_Ms: case X86_OPK_Ma: case X86_OPK_Mv:
    case X86_OPK_My: case X86_OPK_Mx: case X86_OPK_Mps: case X86_OPK_Mpd:
    case X86_OPK_M512byte: case X86_OPK_M16int: case X86_OPK_M32int: case X86_OPK_M64int:
    case X86_OPK_M32fp: case X86_OPK_M64fp: case X86_OPK_M80fp: case X86_OPK_M80bcd:
    case X86_OPK_M2byte: case X86_OPK_M14_28byte: case X86_OPK_M94_108byte:
        return USE_MEM;
    case X86_OPK_Nq: case X86_OPK_Rd: case X86_OPK_Rv: case X86_OPK_Ry: case X86_OPK_Udq:
    case X86_OPK_Uq: case X86_OPK_Ups: case X86_OPK_Upd: case X86_OPK_Ux: case X86_OPK_STi:
        return USE_REG;
    case X86_OPK_Ap: case X86_OPK_Ib: case X86_OPK_Iw: case X86_OPK_Iz: case X86_OPK_Iv:
    case X86_OPK_Jb: case X86_OPK_Jz: case X86_OPK_Ob: case X86_OPK_Ov:
    case X86_OPK_Xb: case X86_OPK_Xv: case X86_OPK_Xz: case X86_OPK_Yb: case X86_OPK_Yv:
    case X86_OPK_Yz: case X86_OPK_AL: case X86_OPK_CL: case X86_OPK_DX: case X86_OPK_AX:
    case X86_OPK_eAX: case X86_OPK_rAX: case X86_OPK_ES: case X86_OPK_CS: case X86_OPK_SS:
    case X86_OPK_DS: case X86_OPK_FS: case X86_OPK_GS: case X86_OPK_ONE: case X86_OPK_ST0:
    case X86_OPK_XMM0: case X86_OPK_Zb: case X86_OPK_Zv: case X86_OPK_Zy: case X86_OPK_NONE:
        return USE_NONE;
    default:
        return USE_MODRM;   /* E, G, P, Q, V, W, C, D, Sw and the R/M, U/M pairs */
    }
}

static bool opcode_is_three_byte(uint32_t opcode)
{
    return opcode > 0x0fff;
}

/* Does the row have a ModRM byte, and which forms it allows (X86_MOD_*). */
static bool row_modrm(const X86OpcodeRow *row, unsigned *mod)
{
    bool modrm = row->reg >= 0 || row->rm >= 0 || row->mod != X86_MOD_ANY ||
                 opcode_is_three_byte(row->opcode);
    *mod = row->rm >= 0 ? X86_MOD_REG : row->mod;
    for (unsigned i = 0; i < 4 && row->operand[i]; i++) {
        unsigned use = kind_use(row->operand[i]);
        if (use != USE_NONE) {
            modrm = true;
        }
        if (row->flags & X86_ROW_MODIGN) {
            continue;
        }
        if (use == USE_MEM) {
            *mod = X86_MOD_MEM;
        } else if (use == USE_REG) {
            *mod = X86_MOD_REG;
        }
    }
    if (row->flags & X86_ROW_MODIGN) {
        *mod = X86_MOD_REG;   /* MOV CR/DR: always a register; keep mod = 3 */
    }
    return modrm;
}

/* SDM vol. 2A 2.2.1.2 and table A-1, as the decoder computes it. */
static unsigned operand_size(DtMode mode, bool rex_w, bool p66, const X86OpcodeRow *row)
{
    bool p = p66 && row->mandatory != X86_MP_66;
    if (mode == DT_MODE_64) {
        if ((row->flags & X86_ROW_F64) || rex_w) {
            return 8;
        }
        if (row->flags & X86_ROW_D64) {
            return p ? 2 : 8;
        }
    }
    return p ? 2 : 4;
}

/* ---- values ---- */

static const uint64_t edge_values[] = {
    0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff,
    0x80000000, 0xffffffff, 0x100000000ull, 0x7fffffffffffffffull, 0x8000000000000000ull,
    0xffffffffffffffffull, 0xfffffffffffffffeull, 0xffffffff80000000ull, 0x00007fffffffffffull,
    0xffff800000010000ull, 0x5555555555555555ull, 0xaaaaaaaaaaaaaaaaull,
};
/*
 * Not 0xffff800000000000, the first canonical address of the upper half:
 * this host's kvm reports #PF there with the reserved-bit flag (error 0xd
 * for a read at 0xffff800000000005, 0x4 at 0xffff800000008005), a quirk of
 * its own mappings, not something a guest's page tables decide.
 */

static const uint16_t selector_values[] = {
    0, 3, DT_SEL_DATA, DT_SEL_CODE32, DT_SEL_CODE64, DT_SEL_DATA_RO, DT_SEL_DATA_SMALL,
    DT_SEL_DATA_DOWN, DT_SEL_NOTPRESENT, DT_SEL_CODE32_CONF, DT_SEL_TSS, DT_SEL_DATA_K,
    DT_SEL_DATA & ~3u, 0x70, 0xffff, 0x04,
};

uint64_t dt_gen_value(DtRng *r)
{
    uint64_t x = dt_rng_next(r);
    switch (dt_rng_below(r, 12)) {
    case 0:
        return edge_values[dt_rng_below(r, sizeof(edge_values) / sizeof(edge_values[0]))];
    case 1:
        return x & 0x3f;                                 /* small: counts, bit indices */
    case 2:
        return (uint64_t)-(int64_t)(x & 0x3f);           /* small negative */
    case 3:
        return x & 0xffffffff;
    case 4:
        return (uint64_t)(int64_t)(int32_t)x;            /* sign-extended 32-bit */
    case 5:
        return x & 0xffff;
    case 6:
        return (1ull << (x & 63)) + ((x >> 8) % 3) - 1;  /* a power of two, +-1 */
    case 7:
        return selector_values[dt_rng_below(r, sizeof(selector_values) / sizeof(selector_values[0]))];
    case 8:
        return dt_gen_data_address(r);
    default:
        return x;
    }
}

uint64_t dt_gen_data_address(DtRng *r)
{
    switch (dt_rng_below(r, 16)) {
    case 0:
        return DT_DATA + dt_rng_below(r, 16);                       /* first bytes */
    case 1:
        return DT_DATA + DT_DATA_SIZE - 1 - dt_rng_below(r, 24);    /* crosses into the guard */
    case 2:
        return DT_DATA + 0x1000 - 1 - dt_rng_below(r, 24);          /* crosses the page inside */
    case 3:
        return DT_RODATA + dt_rng_below(r, 0x1000);                 /* writes fault */
    default: {
        uint64_t a = DT_DATA + 0x80 + dt_rng_below(r, DT_DATA_SIZE - 0x100);
        unsigned k = dt_rng_below(r, 8);
        return k < 5 ? a & ~15ull : k < 7 ? a & ~7ull : a;
    }
    }
}

/* An immediate of `bytes` bytes for operand kind `kind` of `op`. */
static uint64_t immediate(DtRng *r, unsigned op, unsigned kind, unsigned bytes)
{
    switch (op) {
    case X86_OP_INT:
        /*
         * Only INT 3 and INT 4: this host's kvm mishandles every other INT n
         * from 64-bit CPL3 (#UD through a DPL3 gate; through a DPL0 gate #UD,
         * or #GP(0) after the INT, or going on with RAX..RBX cleared, instead
         * of #GP(vector*8+2), SDM vol. 3A 6.12.1.1).
         */
        return dt_rng_one_in(r, 2) ? 3 : 4;
    case X86_OP_ENTER:
        if (kind == X86_OPK_Ib) {
            return dt_rng_one_in(r, 8) ? dt_rng_next(r) & 0xff : dt_rng_below(r, 4);
        }
        return dt_rng_one_in(r, 8) ? dt_rng_next(r) & 0xffff : dt_rng_below(r, 64) * 8;
    case X86_OP_RET: case X86_OP_RETF:
        return dt_rng_one_in(r, 8) ? dt_rng_next(r) & 0xffff : dt_rng_below(r, 8) * 8;
    case X86_OP_AAM: case X86_OP_AAD:
        return dt_rng_one_in(r, 2) ? 10 : dt_rng_one_in(r, 4) ? 0 : dt_rng_next(r) & 0xff;
    default:
        break;
    }
    uint64_t v = dt_gen_value(r);
    return bytes >= 8 ? v : v & ((1ull << (8 * bytes)) - 1);
}

/* ---- one encoding attempt ---- */

typedef struct Encoding {
    uint8_t b[32];
    unsigned n;
    DtInsn fix;                 /* fix_* and target/abs */
    uint64_t set_regs[X86_NR_GPRS];
    uint32_t set_mask;          /* registers this instruction wants initialised */
} Encoding;

static void emit(Encoding *e, uint64_t v, unsigned bytes)
{
    for (unsigned i = 0; i < bytes && e->n < sizeof(e->b); i++) {
        e->b[e->n++] = (uint8_t)(v >> (8 * i));
    }
}

static void want_reg(Encoding *e, unsigned reg, uint64_t value)
{
    e->set_regs[reg] = value;
    e->set_mask |= 1u << reg;
}

typedef struct Choice {
    bool p66, p67, rex_present;
    bool align16;               /* a 16-byte operand: mostly keep it aligned */
    uint8_t rex;                /* low nibble: W R X B */
    unsigned opsize, addrsize;
} Choice;

static unsigned pick_pointer(const DtGenContext *ctx, DtRng *r)
{
    if (ctx->nr_pointers == 0 || dt_rng_one_in(r, 16)) {
        return dt_rng_below(r, ctx->mode == DT_MODE_64 ? 16 : 8);   /* a wild base */
    }
    return ctx->pointers[dt_rng_below(r, ctx->nr_pointers)];
}

static int32_t small_disp(DtRng *r, bool wide)
{
    if (wide && dt_rng_one_in(r, 16)) {
        static const int32_t edges[] = { 0x7fffffff, (int32_t)0x80000000, 0x1000, -0x1000 };
        return edges[dt_rng_below(r, 4)];
    }
    return (int32_t)dt_rng_below(r, wide ? 1024 : 128) - (wide ? 512 : 64);
}

/* 16-bit addressing, SDM table 2-1: pick a form and point its registers at the data. */
static void encode_mem16(Encoding *e, DtRng *r, uint8_t modrm_high)
{
    static const int8_t base16[8] = { R_EBX, R_EBX, R_EBP, R_EBP, -1, -1, R_EBP, R_EBX };
    static const int8_t index16[8] = { R_ESI, R_EDI, R_ESI, R_EDI, R_ESI, R_EDI, -1, -1 };
    unsigned rm = dt_rng_below(r, 8);
    unsigned mod = dt_rng_below(r, 3);
    uint64_t target = dt_gen_data_address(r);
    e->b[e->n++] = (uint8_t)(modrm_high | mod << 6 | rm);
    if (mod == 0 && rm == 6) {
        emit(e, target, 2);          /* [disp16] */
        return;
    }
    int32_t disp = mod == 0 ? 0 : small_disp(r, false);
    if (mod == 1) {
        emit(e, (uint64_t)disp, 1);
    } else if (mod == 2) {
        emit(e, (uint64_t)disp, 2);
    }
    uint64_t index = dt_rng_below(r, 16);
    if (base16[rm] >= 0 && index16[rm] >= 0 && rm < 4) {
        want_reg(e, base16[rm], (dt_rng_next(r) & ~0xffffull) | ((target - disp - index) & 0xffff));
        want_reg(e, index16[rm], (dt_rng_next(r) & ~0xffffull) | index);
    } else {
        unsigned reg = base16[rm] >= 0 ? (unsigned)base16[rm] : (unsigned)index16[rm];
        want_reg(e, reg, (dt_rng_next(r) & ~0xffffull) | ((target - disp) & 0xffff));
    }
}

/* 32/64-bit addressing, SDM tables 2-2 and 2-3 (with REX.X/B), RIP-relative in 64-bit mode. */
static void encode_mem32(DtGenContext *ctx, Encoding *e, DtRng *r, Choice *ch, uint8_t modrm_high)
{
    bool mode64 = ctx->mode == DT_MODE_64;
    unsigned form = dt_rng_below(r, 16);
    bool aligned = ch->align16 && !dt_rng_one_in(r, 8);
    if (form < 2) {
        /* RIP-relative (64-bit) or [disp32] (32-bit) */
        e->b[e->n++] = (uint8_t)(modrm_high | 5);
        uint64_t target = dt_gen_data_address(r) & (aligned ? ~15ull : ~0ull);
        if (mode64) {
            e->fix.fix_kind = DT_FIX_RIPREL;
            e->fix.fix_off = (uint8_t)e->n;
            e->fix.fix_size = 4;
            e->fix.abs = target;
            emit(e, 0, 4);
        } else {
            emit(e, target, 4);
        }
        return;
    }
    if (form == 2) {
        /* SIB with no base and no index: [disp32] in every mode */
        e->b[e->n++] = (uint8_t)(modrm_high | 4);
        e->b[e->n++] = (uint8_t)(dt_rng_below(r, 4) << 6 | 4 << 3 | 5);
        emit(e, dt_gen_data_address(r), 4);
        ch->rex &= ~2u;
        return;
    }
    unsigned base = pick_pointer(ctx, r);
    bool sib = (form >= 11 && !aligned) || (base & 7) == 4;
    unsigned mod = dt_rng_below(r, 3);
    int32_t disp = mod == 0 ? 0 : small_disp(r, mod == 2);
    if (aligned) {
        /* a displacement that lands the base register's initial value on 16 bytes */
        disp = (disp & ~15) + (int32_t)(-ctx->c->regs[base] & 15);
        if (mod == 0 && disp != 0) {
            mod = 1;
        }
    }
    if (mod == 0 && (base & 7) == 5) {
        mod = 1;                     /* mod 0 with base 5 means no base */
    }
    ch->rex = (uint8_t)((ch->rex & ~1u) | (base >> 3));
    if (!sib) {
        e->b[e->n++] = (uint8_t)(modrm_high | mod << 6 | (base & 7));
        ch->rex &= ~2u;
    } else {
        unsigned index = dt_rng_one_in(r, 4) || aligned ? 4 : ctx->index_reg;   /* 4: none */
        if (index == R_ESP) {
            index = 4;
        }
        ch->rex = (uint8_t)((ch->rex & ~2u) | ((index >> 3) << 1));
        e->b[e->n++] = (uint8_t)(modrm_high | mod << 6 | 4);
        e->b[e->n++] = (uint8_t)(dt_rng_below(r, 4) << 6 | (index & 7) << 3 | (base & 7));
    }
    if (mod == 1) {
        emit(e, (uint64_t)disp, 1);
    } else if (mod == 2) {
        emit(e, (uint64_t)disp, 4);
    }
    if (ch->addrsize == 4 && mode64 && dt_rng_one_in(r, 2)) {
        /* 32-bit addressing in 64-bit mode: garbage above bit 31 must be ignored */
        want_reg(e, base, (dt_rng_next(r) << 32) | (ctx->c->regs[base] & 0xffffffff));
    }
}

static void encode_modrm(DtGenContext *ctx, Encoding *e, DtRng *r, const X86OpcodeRow *row,
                         unsigned mod_rule, Choice *ch)
{
    unsigned reg = row->reg >= 0 ? (unsigned)row->reg : dt_rng_below(r, 8);
    uint8_t high = (uint8_t)(reg << 3);
    bool mem;
    if (row->rm >= 0) {
        e->b[e->n++] = (uint8_t)(0xc0 | high | (unsigned)row->rm);
        return;
    }
    if (mod_rule == X86_MOD_REG) {
        mem = false;
    } else if (mod_rule == X86_MOD_MEM) {
        mem = true;
    } else {
        mem = dt_rng_one_in(r, 2);
    }
    if (!mem) {
        e->b[e->n++] = (uint8_t)(0xc0 | high | dt_rng_below(r, 8));
        return;
    }
    if (ch->addrsize == 2) {
        encode_mem16(e, r, high);
    } else {
        encode_mem32(ctx, e, r, ch, high);
    }
}

/* Immediates in operand order; branch offsets become fix-ups. */
static void encode_immediates(DtGenContext *ctx, Encoding *e, DtRng *r, const X86OpcodeRow *row,
                              const Choice *ch)
{
    for (unsigned i = 0; i < 4 && row->operand[i]; i++) {
        unsigned kind = row->operand[i];
        switch (kind) {
        case X86_OPK_Ib:
            emit(e, immediate(r, row->op, kind, 1), 1);
            break;
        case X86_OPK_Iw:
            emit(e, immediate(r, row->op, kind, 2), 2);
            break;
        case X86_OPK_Iz:
            emit(e, immediate(r, row->op, kind, ch->opsize == 2 ? 2 : 4), ch->opsize == 2 ? 2 : 4);
            break;
        case X86_OPK_Iv:
            emit(e, immediate(r, row->op, kind, ch->opsize), ch->opsize);
            break;
        case X86_OPK_Jb: case X86_OPK_Jz: {
            unsigned size = kind == X86_OPK_Jb ? 1 : ch->opsize == 2 ? 2 : 4;
            e->fix.fix_kind = DT_FIX_BRANCH;
            e->fix.fix_off = (uint8_t)e->n;
            e->fix.fix_size = (uint8_t)size;
            /* forward only: a case always ends */
            e->fix.target = (int8_t)(ctx->insn_index + 1 +
                                     dt_rng_below(r, ctx->nr_insns - ctx->insn_index));
            emit(e, 0, size);
            break;
        }
        case X86_OPK_Ob: case X86_OPK_Ov:
            emit(e, dt_gen_data_address(r), ch->addrsize);
            break;
        case X86_OPK_Ap: {
            static const uint16_t sels[] = { DT_SEL_CODE32, DT_SEL_CODE64, DT_SEL_DATA,
                                             DT_SEL_CODE32_CONF, DT_SEL_TSS, 0 };
            emit(e, dt_rng_one_in(r, 2) ? DT_CODE + dt_rng_below(r, 64) : dt_gen_value(r),
                 ch->opsize == 2 ? 2 : 4);
            emit(e, sels[dt_rng_below(r, 6)], 2);
            break;
        }
        default:
            break;
        }
    }
}

static bool row_has_kind(const X86OpcodeRow *row, unsigned kind)
{
    for (unsigned i = 0; i < 4 && row->operand[i]; i++) {
        if (row->operand[i] == kind) {
            return true;
        }
    }
    return false;
}

/* Legacy prefixes in random order, then the mandatory one, then REX (SDM 2.1.1, 2.2.1). */
static void encode_prefixes(DtGenContext *ctx, Encoding *e, DtRng *r, const X86OpcodeRow *row,
                            bool mem_possible, Choice *ch, unsigned *rex_at)
{
    static const uint8_t segs[] = { 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65 };
    uint8_t pfx[6];
    unsigned n = 0;
    bool string = row->flags & X86_ROW_STRING;

    if (dt_rng_one_in(r, 8)) {
        pfx[n++] = segs[dt_rng_below(r, 6)];
    }
    /*
     * Not on near branches in 64-bit mode: Intel ignores 66h there (the
     * table's f64), AMD (this host) honours it with a 16-bit IP and rel16,
     * and tandem's vendor-neutral decoder follows Intel (reported).
     */
    bool f64_branch = ctx->mode == DT_MODE_64 && (row->flags & X86_ROW_F64) &&
                      (row->flags & X86_ROW_BRANCH);
    if (row->mandatory == X86_MP_ANY && !f64_branch && dt_rng_one_in(r, 4)) {
        pfx[n++] = 0x66;
        ch->p66 = true;
    }
    if (dt_rng_one_in(r, string ? 6 : 12)) {
        pfx[n++] = 0x67;
        ch->p67 = true;
    }
    if ((row->flags & X86_ROW_LOCK) && mem_possible && dt_rng_one_in(r, 3)) {
        pfx[n++] = 0xf0;
    }
    /*
     * REP prefixes only on string instructions: elsewhere SDM vol. 2A 2.1.1
     * calls them reserved and unpredictable (AMD, for one, makes F2/F3 LOOPE
     * and LOOPNE test ZF as REPNE/REPE would).
     */
    if (row->mandatory == X86_MP_ANY && string && dt_rng_one_in(r, 2)) {
        pfx[n++] = dt_rng_one_in(r, 3) ? 0xf2 : 0xf3;
    }
    for (unsigned i = n; i > 1; i--) {
        unsigned j = dt_rng_below(r, i);
        uint8_t t = pfx[i - 1];
        pfx[i - 1] = pfx[j];
        pfx[j] = t;
    }
    memcpy(e->b + e->n, pfx, n);
    e->n += n;
    switch (row->mandatory) {
    case X86_MP_66: e->b[e->n++] = 0x66; ch->p66 = true; break;
    case X86_MP_F2: e->b[e->n++] = 0xf2; break;
    case X86_MP_F3: e->b[e->n++] = 0xf3; break;
    default: break;
    }
    *rex_at = e->n;
    if (ctx->mode == DT_MODE_64 && dt_rng_one_in(r, 2)) {
        ch->rex_present = true;
        ch->rex = (uint8_t)(dt_rng_next(r) & 0xf);
        e->n++;   /* filled in once the memory operand has chosen its X/B bits */
    }
}

/* Operand kinds of 16 bytes or more that SSE and FXSAVE want aligned (SDM vol. 1 4.1.1). */
static bool row_wants_alignment(const X86OpcodeRow *row)
{
    for (unsigned i = 0; i < 4 && row->operand[i]; i++) {
        switch (row->operand[i]) {
        case X86_OPK_Wdq: case X86_OPK_Wx: case X86_OPK_Wps: case X86_OPK_Wpd:
        case X86_OPK_Mdq: case X86_OPK_Mx: case X86_OPK_Mps: case X86_OPK_Mpd:
        case X86_OPK_M512byte:
            return true;
        default:
            break;
        }
    }
    return false;
}

static bool encode_once(DtGenContext *ctx, DtRng *r, const X86OpcodeRow *row, Encoding *e)
{
    memset(e, 0, sizeof(*e));
    Choice ch = { .align16 = row_wants_alignment(row) };
    unsigned mod_rule;
    bool has_modrm = row_modrm(row, &mod_rule);
    unsigned rex_at;

    encode_prefixes(ctx, e, r, row, has_modrm && mod_rule != X86_MOD_REG, &ch, &rex_at);
    ch.opsize = operand_size(ctx->mode, ch.rex & 8, ch.p66, row);
    ch.addrsize = ctx->mode == DT_MODE_64 ? (ch.p67 ? 4 : 8) : (ch.p67 ? 2 : 4);

    uint32_t opc = row->opcode;
    if (opc > 0xfff) {
        emit(e, 0x0f, 1);
        emit(e, (opc >> 8) & 0xff, 1);
    } else if (opc > 0xff) {
        emit(e, 0x0f, 1);
    }
    uint8_t last = (uint8_t)(opc & 0xff);
    if (row_has_kind(row, X86_OPK_Zb) || row_has_kind(row, X86_OPK_Zv) ||
        row_has_kind(row, X86_OPK_Zy)) {
        last = (uint8_t)((last & ~7u) | dt_rng_below(r, 8));   /* OP8 rows: any register */
    }
    emit(e, last, 1);
    if (has_modrm) {
        uint8_t rex_before = ch.rex;
        encode_modrm(ctx, e, r, row, mod_rule, &ch);
        if (!ch.rex_present && ch.rex != rex_before && ch.rex != 0 && ctx->mode == DT_MODE_64) {
            /* the memory operand needs REX.X/B: insert a REX byte */
            memmove(e->b + rex_at + 1, e->b + rex_at, e->n - rex_at);
            e->n++;
            if (e->fix.fix_kind == DT_FIX_RIPREL) {
                e->fix.fix_off++;
            }
            ch.rex_present = true;
        }
    }
    if (ch.rex_present) {
        e->b[rex_at] = (uint8_t)(0x40 | ch.rex);
        /* REX.W may have changed the operand size of the immediates */
        ch.opsize = operand_size(ctx->mode, ch.rex & 8, ch.p66, row);
    }
    encode_immediates(ctx, e, r, row, &ch);
    return e->n <= X86_MAX_INSN_LEN;
}

bool dt_gen_insn(DtGenContext *ctx, DtRng *r, unsigned row_index, DtInsn *out)
{
    const X86OpcodeRow *row = &x86_opcode_table[row_index];
    X86DecodeMode mode = ctx->mode == DT_MODE_64 ? X86_MODE_64 : X86_MODE_32;
    for (int attempt = 0; attempt < 12; attempt++) {
        Encoding e;
        X86Insn insn;
        if (!encode_once(ctx, r, row, &e)) {
            continue;
        }
        int n = x86_decode(e.b, e.n, mode, &insn);
        if (n != (int)e.n || insn.row != row_index) {
            continue;
        }
        memset(out, 0, sizeof(*out));
        memcpy(out->bytes, e.b, e.n);
        out->len = (uint8_t)e.n;
        out->op = row->op;
        out->fix_kind = e.fix.fix_kind;
        out->fix_off = e.fix.fix_off;
        out->fix_size = e.fix.fix_size;
        out->target = e.fix.target;
        out->abs = e.fix.abs;
        for (unsigned i = 0; i < X86_NR_GPRS; i++) {
            if (e.set_mask & (1u << i)) {
                ctx->c->regs[i] = e.set_regs[i];
            }
        }
        return true;
    }
    return false;
}
