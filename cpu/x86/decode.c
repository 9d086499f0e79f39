/* The x86 instruction decoder: prefixes, opcode maps, ModRM/SIB, displacement, immediates. */
#include "cpu/x86/decode.h"

#include <assert.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>

#include "cpu/x86/state.h"

/*
 * Design.  An instruction is (SDM vol. 2A 2.1, figure 2-1):
 *
 *     legacy prefixes*  REX?  opcode (1-3 bytes)  ModRM?  SIB?  disp?  imm?
 *
 * The decoder walks those fields in order.  Everything that depends on the
 * opcode comes from x86_opcode_table (decode_table.c), which is indexed once
 * by (map, opcode byte): the rows of one opcode are then matched against the
 * mandatory prefix, ModRM.reg, ModRM.mod, ModRM.rm and the mode.  The row's
 * operand kinds, in the SDM's notation, say where each operand lives and so
 * which immediates follow; nothing about an opcode is hard-coded here except
 * three encodings the table cannot express (90 with REX.B, and the register
 * numbers MOV Sreg/CR/DR accept).
 *
 * Rules from the SDM, with where they come from:
 *  - Prefixes may come in any order and repeat; of F2/F3 and of the segment
 *    overrides the last one counts (2.1.1).  REX counts only immediately
 *    before the opcode: a legacy prefix after it cancels it (2.2.1).
 *  - A mandatory prefix (66/F2/F3 before 0F, 2.1.2) selects the row; the
 *    last F2/F3 takes precedence over 66, which then only sizes operands.
 *    An opcode whose rows all have a mandatory prefix (the SSE/MMX ones, the
 *    NP instructions) is #UD with a prefix it has no row for: F3 0F 28 and
 *    F2 0F 54 are #UD, not MOVAPS and ANDPS, and 66 0F 77 is not EMMS (each
 *    instruction page's NP/66/F2/F3 encodings; this host's CPU agrees, see
 *    the capstone allowlist).  Only where the opcode also has rows without
 *    a mandatory prefix (0F BC BSF beside F3 TZCNT, 90 NOP beside F3 PAUSE)
 *    does a prefix with no row of its own stay an ordinary one (operand
 *    size, an ignored REP).  NFx rows (MOVBE) take no F2/F3 but any 66.
 *  - VEX (2.3): C4 (three bytes) or C5 (two bytes) in place of the opcode;
 *    outside 64-bit mode only when the next byte has bits 7:6 = 11b, which
 *    a ModRM of LES/LDS cannot (2.3.5.2; real and virtual-8086 mode: see
 *    decode.h).  VEX.mmmmm selects map 0F/0F38/0F3A (others #UD), VEX.pp
 *    the mandatory prefix, VEX.R/X/B/W act as REX's bits (2.3.5.3; R and X
 *    are necessarily 1 outside 64-bit mode, where B and W are ignored for
 *    the general-purpose instructions, and so is vvvv's top bit where vvvv
 *    names a register).  #UD: a VEX prefix after 66, F2, F3, LOCK or REX
 *    (2.3.2-2.3.4); VEX.L = 1 for an "LZ" row; VEX.vvvv other than 1111b
 *    where the row has no vvvv operand (3.1.1.2; all four bits, in 32-bit
 *    mode too, as this host's CPU checks them).  VEX rows live in maps of
 *    their own, and the only ones are BMI1/BMI2: every other VEX opcode
 *    (AVX, FMA...) is #UD.
 *  - Operand size from mode, 66 and REX.W, with d64/f64 rows (table A-1,
 *    2.2.1.2); address size from mode and 67 (2.2.1.3).
 *  - 16-bit ModRM addressing (table 2-1), 32/64-bit with SIB (tables 2-2,
 *    2-3), RIP-relative for mod = 00 rm = 101 in 64-bit mode (2.2.1.6).
 *  - The 15-byte limit (2.3.11): fetching a 16th byte is X86_DECODE_TOO_LONG.
 *    The length is resolved before the checks that only make an instruction
 *    invalid (LOCK, Sreg/CR/DR numbers, the VEX rules), so a too-long
 *    instruction is #GP.
 *  - LOCK: #UD unless the row allows it and the destination is memory (SDM
 *    vol. 2B "LOCK").
 *
 * Not done here: EVEX/XOP (62/8F forms decode as #UD: tandem models a CPU
 * without AVX-512 or XOP), VEX instructions other than BMI1/BMI2, anything
 * that depends on CPU state beyond the mode (CPL, CR0.PE and EFLAGS.VM for
 * VEX, CR4 bits, CPUID features): the executor checks those.
 */

enum {
    MAP_ONE, MAP_0F, MAP_0F38, MAP_0F3A,        /* legacy: opcode bytes 0F, 0F 38, 0F 3A */
    MAP_VEX_0F, MAP_VEX_0F38, MAP_VEX_0F3A,     /* VEX.mmmmm = 1, 2, 3 */
    NR_MAPS
};

#define MAX_ROWS 2048
#define NO_SEG 0xff

typedef struct OpcodeIndex {
    uint16_t first;     /* into row_order */
    uint8_t count;
    uint8_t has_modrm;
    uint8_t mode_mask;  /* 1 << X86DecodeMode for each mode with a row */
} OpcodeIndex;

static OpcodeIndex opcode_index[NR_MAPS][256];
static uint16_t row_order[MAX_ROWS];
static uint8_t row_mod[MAX_ROWS];          /* X86_MOD_*: the row's own and its operands' */
static pthread_once_t index_once = PTHREAD_ONCE_INIT;

static const char *const op_names[X86_OP_COUNT] = {
#define X86_OP_NAME(name) #name,
    X86_OP_LIST(X86_OP_NAME)
#undef X86_OP_NAME
};

static const char *const kind_names[X86_OPK_COUNT] = {
#define X86_OPK_NAME(name) #name,
    X86_OPK_LIST(X86_OPK_NAME)
#undef X86_OPK_NAME
};

const char *x86_op_name(unsigned op)
{
    return op < X86_OP_COUNT ? op_names[op] : "?";
}

const char *x86_operand_kind_name(unsigned kind)
{
    return kind < X86_OPK_COUNT ? kind_names[kind] : "?";
}

/* ---- the table index ---- */

enum { USE_NONE, USE_MODRM, USE_MEM, USE_REG };

/*
 * How an operand kind uses the ModRM byte: not at all, any form, only memory
 * forms (M: mod != 3) or only register forms (R, U, N, ST(i): mod = 3).
 * SDM vol. 2D A.2.1 gives each addressing-method letter its meaning.
 */
static unsigned kind_modrm_use(unsigned kind)
{
    switch (kind) {
    case X86_OPK_M: case X86_OPK_Mb: case X86_OPK_Mw: case X86_OPK_Md:
    case X86_OPK_Mq: case X86_OPK_Mdq: case X86_OPK_Mp: case X86_OPK_Ms:
    case X86_OPK_Ma: case X86_OPK_Mv: case X86_OPK_My: case X86_OPK_Mx: case X86_OPK_Mps:
    case X86_OPK_Mpd: case X86_OPK_M512byte: case X86_OPK_M16int:
    case X86_OPK_M32int: case X86_OPK_M64int: case X86_OPK_M32fp:
    case X86_OPK_M64fp: case X86_OPK_M80fp: case X86_OPK_M80bcd:
    case X86_OPK_M2byte: case X86_OPK_M14_28byte: case X86_OPK_M94_108byte:
        return USE_MEM;
    case X86_OPK_Nq: case X86_OPK_Rd: case X86_OPK_Rv: case X86_OPK_Ry:
    case X86_OPK_Udq: case X86_OPK_Uq: case X86_OPK_Ups: case X86_OPK_Upd:
    case X86_OPK_Ux: case X86_OPK_STi:
        return USE_REG;
    case X86_OPK_Cd: case X86_OPK_Dd: case X86_OPK_Sw:
    case X86_OPK_Eb: case X86_OPK_Ew: case X86_OPK_Ed: case X86_OPK_Ev: case X86_OPK_Ey:
    case X86_OPK_Gb: case X86_OPK_Gw: case X86_OPK_Gd: case X86_OPK_Gv: case X86_OPK_Gy:
    case X86_OPK_Gz:
    case X86_OPK_Pd: case X86_OPK_Pq: case X86_OPK_Ppi:
    case X86_OPK_Qd: case X86_OPK_Qq: case X86_OPK_Qpi:
    case X86_OPK_RvMw: case X86_OPK_RdMb: case X86_OPK_RdMw: case X86_OPK_RyMb:
    case X86_OPK_RyMw: case X86_OPK_UdqMd: case X86_OPK_UxMq: case X86_OPK_UxMd:
    case X86_OPK_UxMw:
    case X86_OPK_Vdq: case X86_OPK_Vq: case X86_OPK_Vd: case X86_OPK_Vy: case X86_OPK_Vx:
    case X86_OPK_Vps: case X86_OPK_Vpd: case X86_OPK_Vss: case X86_OPK_Vsd:
    case X86_OPK_Wdq: case X86_OPK_Wq: case X86_OPK_Wd: case X86_OPK_Wx:
    case X86_OPK_Wps: case X86_OPK_Wpd: case X86_OPK_Wss: case X86_OPK_Wsd:
        return USE_MODRM;
    default:
        return USE_NONE;
    }
}

static unsigned opcode_map(uint32_t opcode)
{
    if (opcode <= 0xff) {
        return MAP_ONE;
    }
    if (opcode <= 0x0fff) {
        return MAP_0F;
    }
    return (opcode >> 8) == 0x0f38 ? MAP_0F38 : MAP_0F3A;
}

/* The map a row is indexed under: its opcode's, or the VEX map of that opcode. */
static unsigned row_map(const X86OpcodeRow *row)
{
    unsigned map = opcode_map(row->opcode);
    if (row->flags & X86_ROW_VEX) {
        assert(map != MAP_ONE);
        return map - MAP_0F + MAP_VEX_0F;
    }
    return map;
}

static unsigned row_mode_mask(const X86OpcodeRow *row)
{
    if (row->flags & X86_ROW_I64) {
        return 1u << X86_MODE_16 | 1u << X86_MODE_32;
    }
    if (row->flags & X86_ROW_O64) {
        return 1u << X86_MODE_64;
    }
    return 1u << X86_MODE_16 | 1u << X86_MODE_32 | 1u << X86_MODE_64;
}

/* The row's ModRM.mod constraint and whether it has a ModRM byte at all. */
static unsigned row_constraints(const X86OpcodeRow *row, bool *has_modrm)
{
    unsigned mod = row->mod;
    bool modrm = row->reg >= 0 || row->rm >= 0 || mod != X86_MOD_ANY ||
                 opcode_map(row->opcode) >= MAP_0F38;

    if (row->rm >= 0) {
        mod = X86_MOD_REG;
    }
    for (unsigned i = 0; i < 4 && row->operand[i]; i++) {
        unsigned use = kind_modrm_use(row->operand[i]);
        if (use != USE_NONE) {
            modrm = true;
        }
        if (row->flags & X86_ROW_MODIGN) {
            continue;
        }
        if (use == USE_MEM) {
            assert(mod != X86_MOD_REG);
            mod = X86_MOD_MEM;
        } else if (use == USE_REG) {
            assert(mod != X86_MOD_MEM);
            mod = X86_MOD_REG;
        }
    }
    *has_modrm = modrm;
    return mod;
}

static void build_index(void)
{
    static uint8_t modrm_seen[NR_MAPS][256];   /* 1 = without, 2 = with ModRM */
    unsigned n = x86_opcode_table_len;

    assert(n <= MAX_ROWS);
    for (unsigned i = 0; i < n; i++) {
        const X86OpcodeRow *row = &x86_opcode_table[i];
        OpcodeIndex *ix = &opcode_index[row_map(row)][row->opcode & 0xff];
        assert(ix->count < 255);
        ix->count++;
    }
    unsigned next = 0;
    for (unsigned m = 0; m < NR_MAPS; m++) {
        for (unsigned b = 0; b < 256; b++) {
            opcode_index[m][b].first = next;
            next += opcode_index[m][b].count;
            opcode_index[m][b].count = 0;
        }
    }
    /* Stable: the rows of one opcode keep their table order. */
    for (unsigned i = 0; i < n; i++) {
        const X86OpcodeRow *row = &x86_opcode_table[i];
        unsigned map = row_map(row);
        OpcodeIndex *ix = &opcode_index[map][row->opcode & 0xff];
        bool has_modrm;

        row_order[ix->first + ix->count++] = i;
        row_mod[i] = row_constraints(row, &has_modrm);
        /* The ModRM byte must be fetched before the row is known: all rows agree. */
        uint8_t *seen = &modrm_seen[map][row->opcode & 0xff];
        assert(*seen == 0 || *seen == (has_modrm ? 2 : 1));
        *seen = has_modrm ? 2 : 1;
        ix->has_modrm = has_modrm;
        ix->mode_mask |= row_mode_mask(row);
    }
}

/* ---- byte fetch ---- */

typedef struct Cursor {
    const uint8_t *bytes;
    size_t avail;
    unsigned pos;
} Cursor;

/* The next byte, or TOO_LONG past 15 bytes (SDM 2.3.11), or NEED_MORE. */
static int fetch_byte(Cursor *c, uint8_t *b)
{
    if (c->pos >= X86_MAX_INSN_LEN) {
        return X86_DECODE_TOO_LONG;
    }
    if (c->pos >= c->avail) {
        return X86_DECODE_NEED_MORE;
    }
    *b = c->bytes[c->pos++];
    return 0;
}

/* n little-endian bytes, zero-extended. */
static int fetch_uint(Cursor *c, unsigned n, uint64_t *value)
{
    uint64_t v = 0;

    for (unsigned i = 0; i < n; i++) {
        uint8_t b;
        int r = fetch_byte(c, &b);
        if (r) {
            return r;
        }
        v |= (uint64_t)b << (8 * i);
    }
    *value = v;
    return 0;
}

static int64_t sign_extend(uint64_t v, unsigned bytes)
{
    unsigned shift = 64 - 8 * bytes;
    return bytes >= 8 ? (int64_t)v : (int64_t)(v << shift) >> shift;
}

/* ---- prefixes ---- */

typedef struct Prefixes {
    bool lock;
    bool opsize;        /* 66 */
    bool addrsize;      /* 67 */
    uint8_t rep;        /* the last of F2/F3, or 0 */
    uint8_t seg;        /* SEG_* of the last override, or NO_SEG */
    uint8_t rex;        /* the REX byte right before the opcode, or 0 */
} Prefixes;

/* Take b as a prefix; false if it is the first opcode byte. */
static bool take_prefix(Prefixes *px, uint8_t b, X86DecodeMode mode)
{
    switch (b) {
    case 0xf0: px->lock = true; break;
    case 0xf2: case 0xf3: px->rep = b; break;
    case 0x26: px->seg = SEG_ES; break;
    case 0x2e: px->seg = SEG_CS; break;
    case 0x36: px->seg = SEG_SS; break;
    case 0x3e: px->seg = SEG_DS; break;
    case 0x64: px->seg = SEG_FS; break;
    case 0x65: px->seg = SEG_GS; break;
    case 0x66: px->opsize = true; break;
    case 0x67: px->addrsize = true; break;
    default:
        if (mode == X86_MODE_64 && (b & 0xf0) == 0x40) {
            px->rex = b;
            return true;
        }
        return false;
    }
    /* SDM 2.2.1: a REX prefix followed by a legacy prefix is ignored. */
    px->rex = 0;
    return true;
}

/* ---- row selection ---- */

static bool row_matches(unsigned i, X86DecodeMode mode, bool has_modrm, uint8_t modrm)
{
    const X86OpcodeRow *row = &x86_opcode_table[i];
    unsigned mod = modrm >> 6;

    if (!(row_mode_mask(row) & (1u << mode))) {
        return false;
    }
    if (!has_modrm) {
        return true;
    }
    if (row->reg >= 0 && row->reg != ((modrm >> 3) & 7)) {
        return false;
    }
    if (row->rm >= 0 && row->rm != (modrm & 7)) {
        return false;
    }
    if (row_mod[i] == X86_MOD_MEM && mod == 3) {
        return false;
    }
    return !(row_mod[i] == X86_MOD_REG && mod != 3);
}

/*
 * The mandatory prefix the legacy prefixes ask for: the last of F2/F3 if
 * there is one (66 is then only an operand-size prefix, as in 66 F2 0F 38 F1
 * CRC32 r32, r/m16), else 66, else none.
 */
static unsigned mandatory_prefix(const Prefixes *px)
{
    if (px->rep) {
        return px->rep == 0xf3 ? X86_MP_F3 : X86_MP_F2;
    }
    return px->opsize ? X86_MP_66 : X86_MP_NONE;
}

static int first_match(const OpcodeIndex *ix, unsigned mandatory, X86DecodeMode mode,
                       uint8_t modrm)
{
    for (unsigned k = 0; k < ix->count; k++) {
        unsigned i = row_order[ix->first + k];
        if (x86_opcode_table[i].mandatory == mandatory &&
            row_matches(i, mode, ix->has_modrm, modrm)) {
            return i;
        }
    }
    return -1;
}

/*
 * The matching row, or -1: a row for exactly the mandatory prefix `wanted`
 * (X86_MP_NONE/66/F3/F2); NFx rows where there is no F2/F3; else a row
 * without a mandatory prefix.  Never a row for another prefix: where the
 * opcode has only such rows, the prefix makes it #UD (see the design note).
 */
static int select_row(const OpcodeIndex *ix, unsigned wanted, X86DecodeMode mode, uint8_t modrm)
{
    int i = first_match(ix, wanted, mode, modrm);
    if (i < 0 && (wanted == X86_MP_NONE || wanted == X86_MP_66)) {
        i = first_match(ix, X86_MP_NFX, mode, modrm);
    }
    return i >= 0 ? i : first_match(ix, X86_MP_ANY, mode, modrm);
}

/* ---- sizes ---- */

/* SDM 2.2.1.2 and table A-1 (d64, f64). */
static unsigned operand_size(X86DecodeMode mode, bool rex_w, bool p66, unsigned flags)
{
    if (mode == X86_MODE_64) {
        if ((flags & X86_ROW_F64) || rex_w) {
            return 8;
        }
        if (flags & X86_ROW_D64) {
            return p66 ? 2 : 8;
        }
        return p66 ? 2 : 4;
    }
    unsigned def = mode == X86_MODE_32 ? 4 : 2;
    return p66 ? 6 - def : def;
}

/* SDM 2.2.1.3 */
static unsigned address_size(X86DecodeMode mode, bool p67)
{
    switch (mode) {
    case X86_MODE_64: return p67 ? 4 : 8;
    case X86_MODE_32: return p67 ? 2 : 4;
    default: return p67 ? 4 : 2;
    }
}

/* ---- ModRM memory operands ---- */

/* SDM table 2-1: 16-bit addressing forms. */
static int decode_mem16(Cursor *c, uint8_t modrm, X86Insn *insn)
{
    static const uint8_t base16[8] = { R_EBX, R_EBX, R_EBP, R_EBP, R_ESI, R_EDI, R_EBP, R_EBX };
    static const uint8_t index16[8] = {
        R_ESI, R_EDI, R_ESI, R_EDI, X86_REGNUM_NONE, X86_REGNUM_NONE, X86_REGNUM_NONE, X86_REGNUM_NONE,
    };
    unsigned mod = modrm >> 6, rm = modrm & 7;
    unsigned disp_bytes = mod == 1 ? 1 : mod == 2 ? 2 : 0;
    uint64_t disp = 0;

    insn->base = base16[rm];
    insn->index = index16[rm];
    if (mod == 0 && rm == 6) {
        insn->base = X86_REGNUM_NONE;      /* [disp16] */
        disp_bytes = 2;
    }
    int r = fetch_uint(c, disp_bytes, &disp);
    if (r) {
        return r;
    }
    insn->disp = disp_bytes ? (int32_t)sign_extend(disp, disp_bytes) : 0;
    return 0;
}

/* SDM tables 2-2 and 2-3, with REX.X/REX.B (2.2.1.2) and RIP-relative (2.2.1.6). */
static int decode_mem32(Cursor *c, uint8_t modrm, uint8_t rex, X86DecodeMode mode,
                        X86Insn *insn)
{
    unsigned mod = modrm >> 6, rm = modrm & 7;
    unsigned rex_b = (rex & 1) << 3, rex_x = (rex & 2) << 2;
    unsigned disp_bytes = mod == 1 ? 1 : mod == 2 ? 4 : 0;
    uint64_t disp = 0;
    int r;

    insn->index = X86_REGNUM_NONE;
    if (rm == 4) {
        uint8_t sib;
        if ((r = fetch_byte(c, &sib))) {
            return r;
        }
        unsigned index = ((sib >> 3) & 7) | rex_x;
        insn->scale = sib >> 6;
        insn->index = index == R_ESP ? X86_REGNUM_NONE : index;
        if ((sib & 7) == 5 && mod == 0) {
            insn->base = X86_REGNUM_NONE;  /* [index*scale + disp32] */
            disp_bytes = 4;
        } else {
            insn->base = (sib & 7) | rex_b;
        }
    } else if (rm == 5 && mod == 0) {
        disp_bytes = 4;
        if (mode == X86_MODE_64) {
            insn->base = X86_REGNUM_RIP;
            insn->flags |= X86_INSN_RIPREL;
        } else {
            insn->base = X86_REGNUM_NONE;
        }
    } else {
        insn->base = rm | rex_b;
    }
    if ((r = fetch_uint(c, disp_bytes, &disp))) {
        return r;
    }
    insn->disp = disp_bytes ? (int32_t)sign_extend(disp, disp_bytes) : 0;
    return 0;
}

/* SS is the default segment for rBP/rSP-based addresses (SDM vol. 1 3.7.4). */
static uint8_t default_segment(const X86Insn *insn)
{
    if (!(insn->flags & X86_INSN_MEM)) {
        return SEG_DS;
    }
    return insn->base == R_ESP || insn->base == R_EBP ? SEG_SS : SEG_DS;
}

/* ---- immediates ---- */

/* Bytes of the immediate an operand kind takes, or 0. */
static unsigned immediate_bytes(unsigned kind, const X86Insn *insn)
{
    switch (kind) {
    case X86_OPK_Ib: case X86_OPK_Jb: return 1;
    case X86_OPK_Iw: return 2;
    case X86_OPK_Iz: case X86_OPK_Jz: return insn->opsize == 2 ? 2 : 4;
    case X86_OPK_Iv: return insn->opsize;
    case X86_OPK_Ob: case X86_OPK_Ov: return insn->addrsize;
    case X86_OPK_Ap: return (insn->opsize == 2 ? 2 : 4) + 2;
    default: return 0;
    }
}

static int decode_immediates(Cursor *c, const X86OpcodeRow *row, X86Insn *insn)
{
    unsigned taken = 0;

    for (unsigned i = 0; i < 4 && row->operand[i]; i++) {
        unsigned kind = row->operand[i];
        unsigned n = immediate_bytes(kind, insn);
        uint64_t v;
        int r;

        if (n == 0) {
            continue;
        }
        if (kind == X86_OPK_Ap) {
            uint64_t sel;
            if ((r = fetch_uint(c, n - 2, &v)) || (r = fetch_uint(c, 2, &sel))) {
                return r;
            }
            insn->imm = (int64_t)v;
            insn->imm2 = sel;
        } else {
            if ((r = fetch_uint(c, n, &v))) {
                return r;
            }
            bool is_offset = kind == X86_OPK_Ob || kind == X86_OPK_Ov;
            if (taken == 0) {
                insn->imm = is_offset ? (int64_t)v : sign_extend(v, n);
            } else {
                insn->imm2 = v;
            }
        }
        taken++;
    }
    return 0;
}

/* ---- checks that make a fully-sized instruction invalid ---- */

/* SDM vol. 2B "LOCK": only listed instructions, and only with a memory destination. */
static bool lock_allowed(const X86OpcodeRow *row, const X86Insn *insn)
{
    return (row->flags & X86_ROW_LOCK) && (insn->flags & X86_INSN_MEM);
}

static bool registers_valid(const X86OpcodeRow *row, const X86Insn *insn, X86DecodeMode mode)
{
    for (unsigned i = 0; i < 4 && row->operand[i]; i++) {
        switch (row->operand[i]) {
        case X86_OPK_Sw:
            /* SDM "MOV": #UD for segment register 6/7 or a load of CS */
            if ((insn->reg & 7) > SEG_GS || (i == 0 && (insn->reg & 7) == SEG_CS)) {
                return false;
            }
            break;
        case X86_OPK_Cd:
            /* SDM "MOV—Move to/from Control Registers": CR0, 2, 3, 4, and CR8 in 64-bit mode */
            if (insn->reg == 1 || (insn->reg >= 5 && insn->reg != 8) ||
                (insn->reg == 8 && mode != X86_MODE_64)) {
                return false;
            }
            break;
        case X86_OPK_Dd:
            /* SDM "MOV—Move to/from Debug Registers": REX.R (DR8-DR15) is #UD */
            if (insn->reg > 7) {
                return false;
            }
            break;
        default:
            break;
        }
    }
    return true;
}

/* ---- VEX, SDM vol. 2A 2.3 ---- */

typedef struct Vex {
    bool present;
    uint8_t ext;        /* R X B as REX's bits 2:0 say them (un-inverted); 0 outside 64-bit mode */
    uint8_t vvvv;       /* un-inverted, all four bits as encoded */
    bool w, l;
    uint8_t pp;         /* X86_MP_NONE, _66, _F3, _F2 */
} Vex;

/*
 * Is the C4/C5 byte just fetched a VEX prefix?  Always in 64-bit mode (LES
 * and LDS are i64); elsewhere only when the next byte has bits 7:6 = 11b, the
 * register form LES/LDS cannot have (2.3.5.2).  The next byte stays unread.
 */
static int detect_vex(Cursor *c, X86DecodeMode mode, uint8_t first, bool *vex)
{
    uint8_t next;
    int r;

    *vex = false;
    if (first != 0xc4 && first != 0xc5) {
        return 0;
    }
    if (mode == X86_MODE_64) {
        *vex = true;
        return 0;
    }
    if ((r = fetch_byte(c, &next))) {
        return r;
    }
    c->pos--;
    *vex = (next & 0xc0) == 0xc0;
    return 0;
}

/*
 * The VEX prefix after its first byte, then the opcode byte.  Two-byte form
 * (C5): R vvvv L pp, map 0F.  Three-byte form (C4): R X B mmmmm, W vvvv L pp.
 * R, X, B and vvvv are stored inverted (2.3.5.3-2.3.5.5).  Outside 64-bit
 * mode B and W are ignored (R and X are 1 there by the C4/C5 rule above).
 */
static int decode_vex(Cursor *c, X86DecodeMode mode, uint8_t first, Vex *v, unsigned *map,
                      uint8_t *opcode)
{
    uint8_t b1, b2;
    unsigned mmmmm = 1;
    int r;

    if ((r = fetch_byte(c, &b1))) {
        return r;
    }
    if (first == 0xc4) {
        mmmmm = b1 & 0x1f;
        if (mmmmm < 1 || mmmmm > 3) {
            return X86_DECODE_UD;               /* 2.3.5.3: reserved maps */
        }
        if ((r = fetch_byte(c, &b2))) {
            return r;
        }
        v->ext = (~b1 >> 5) & 7;                /* R X B */
    } else {
        b2 = b1 & 0x7f;                         /* W = 0 */
        v->ext = (~b1 >> 5) & 4;                /* R */
    }
    if (mode != X86_MODE_64) {
        v->ext = 0;
    }
    v->present = true;
    v->w = b2 >> 7;
    v->vvvv = (~b2 >> 3) & 0xf;
    v->l = (b2 >> 2) & 1;
    v->pp = (b2 & 3) == 0 ? X86_MP_NONE : (b2 & 3) == 1 ? X86_MP_66
          : (b2 & 3) == 2 ? X86_MP_F3 : X86_MP_F2;
    *map = MAP_VEX_0F + mmmmm - 1;
    return fetch_byte(c, opcode);
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

/*
 * The checks that make a fully-sized VEX instruction invalid: a 66, F2, F3,
 * LOCK or REX prefix before VEX (2.3.2-2.3.4), VEX.L = 1 on an LZ row, and
 * vvvv other than 1111b (un-inverted 0) where the row has no vvvv operand.
 */
static bool vex_valid(const Vex *v, const Prefixes *px, const X86OpcodeRow *row)
{
    if (px->opsize || px->rep || px->lock || px->rex) {
        return false;
    }
    if (v->l && (row->flags & X86_ROW_VEX_L0)) {
        return false;
    }
    return v->vvvv == 0 || row_has_kind(row, X86_OPK_By);
}

/*
 * X86Insn.vex for a VEX instruction.  Outside 64-bit mode only the low three
 * bits of vvvv select a register (SDM 2.3.6; this host's CPU ignores the top
 * bit, checked natively in compatibility mode).
 */
static uint8_t vex_summary(const Vex *v, X86DecodeMode mode)
{
    unsigned vvvv = mode == X86_MODE_64 ? v->vvvv : v->vvvv & 7;
    return X86_VEX_PRESENT | (v->l ? X86_VEX_L : 0) | (v->w ? X86_VEX_W : 0) | vvvv;
}

/* ---- the decoder ---- */

static int decode_opcode(Cursor *c, unsigned *map, uint8_t *opcode)
{
    uint8_t b;
    int r;

    *map = MAP_ONE;
    if (*opcode != 0x0f) {
        return 0;
    }
    if ((r = fetch_byte(c, &b))) {
        return r;
    }
    *map = MAP_0F;
    if (b == 0x38 || b == 0x3a) {
        *map = b == 0x38 ? MAP_0F38 : MAP_0F3A;
        if ((r = fetch_byte(c, &b))) {
            return r;
        }
    }
    *opcode = b;
    return 0;
}

/* The register in the opcode's low bits, for the Z kinds. */
static bool row_has_opcode_register(const X86OpcodeRow *row)
{
    return row_has_kind(row, X86_OPK_Zb) || row_has_kind(row, X86_OPK_Zv) ||
           row_has_kind(row, X86_OPK_Zy);
}

/*
 * ModRM.reg, and ModRM.rm as a register or a memory operand (SIB,
 * displacement).  `ext` holds the R, X, B bits as a REX byte has them (from
 * REX or from VEX).
 */
static int decode_modrm_operands(Cursor *c, const X86OpcodeRow *row, uint8_t modrm, uint8_t ext,
                                 X86DecodeMode mode, X86Insn *insn)
{
    insn->modrm = modrm;
    insn->reg = ((modrm >> 3) & 7) | ((ext & 4) << 1);
    insn->rm = (modrm & 7) | ((ext & 1) << 3);
    if ((modrm >> 6) == 3 || (row->flags & X86_ROW_MODIGN)) {
        return 0;
    }
    insn->flags |= X86_INSN_MEM;
    insn->rm = 0;
    return insn->addrsize == 2 ? decode_mem16(c, modrm, insn)
                               : decode_mem32(c, modrm, ext, mode, insn);
}

/* The X86_PFX_* summary; an F2/F3 that selected the row is not a REP prefix. */
static uint8_t prefix_bits(const Prefixes *px, const X86OpcodeRow *row)
{
    bool mandatory_rep = row->mandatory == X86_MP_F2 || row->mandatory == X86_MP_F3;
    uint8_t bits = (px->lock ? X86_PFX_LOCK : 0) |
                   (px->opsize ? X86_PFX_OPSIZE : 0) |
                   (px->addrsize ? X86_PFX_ADDRSIZE : 0) |
                   (px->seg != NO_SEG ? X86_PFX_SEG : 0) |
                   (px->rex ? X86_PFX_REX : 0);

    if (!mandatory_rep) {
        bits |= px->rep == 0xf3 ? X86_PFX_REP : px->rep == 0xf2 ? X86_PFX_REPNE : 0;
    }
    return bits;
}

/*
 * SDM vol. 2A 2.3.5.3 and each VEX GPR instruction's page: the operand size
 * is 32 bits, 64 with VEX.W = 1 in 64-bit mode (VEX.W is ignored elsewhere,
 * and 66 cannot be present).
 */
static unsigned vex_operand_size(const Vex *v, X86DecodeMode mode)
{
    return mode == X86_MODE_64 && v->w ? 8 : 4;
}

/* The opcode byte(s) after the prefixes: legacy maps, or a VEX prefix and its map. */
static int decode_opcode_or_vex(Cursor *c, X86DecodeMode mode, Vex *v, unsigned *map,
                                uint8_t *opcode)
{
    bool vex;
    int r;

    if ((r = detect_vex(c, mode, *opcode, &vex))) {
        return r;
    }
    if (vex) {
        return decode_vex(c, mode, *opcode, v, map, opcode);
    }
    return decode_opcode(c, map, opcode);
}

int x86_decode(const uint8_t *bytes, size_t avail, X86DecodeMode mode, X86Insn *out)
{
    Cursor c = { bytes, avail, 0 };
    Prefixes px = { .seg = NO_SEG };
    Vex vex = { .present = false };
    X86Insn insn = { .base = X86_REGNUM_NONE, .index = X86_REGNUM_NONE };
    unsigned map;
    uint8_t opcode, modrm = 0;
    int r;

    pthread_once(&index_once, build_index);

    do {
        if ((r = fetch_byte(&c, &opcode))) {
            return r;
        }
    } while (take_prefix(&px, opcode, mode));
    if ((r = decode_opcode_or_vex(&c, mode, &vex, &map, &opcode))) {
        return r;
    }

    const OpcodeIndex *ix = &opcode_index[map][opcode];
    if (!(ix->mode_mask & (1u << mode))) {
        return X86_DECODE_UD;
    }
    if (ix->has_modrm && (r = fetch_byte(&c, &modrm))) {
        return r;
    }
    int ri = select_row(ix, vex.present ? vex.pp : mandatory_prefix(&px), mode, modrm);
    if (ri < 0) {
        return X86_DECODE_UD;
    }
    if (map == MAP_ONE && opcode == 0x90 && (px.rex & 1)) {
        /* SDM "XCHG": 90 with REX.B is XCHG r8, rAX, not NOP */
        ri = row_order[opcode_index[MAP_ONE][0x91].first];
    }
    const X86OpcodeRow *row = &x86_opcode_table[ri];
    uint8_t ext = vex.present ? vex.ext : px.rex;

    insn.op = row->op;
    insn.row = ri;
    insn.rex = px.rex;
    if (vex.present) {
        insn.opsize = vex_operand_size(&vex, mode);
        insn.vex = vex_summary(&vex, mode);
    } else {
        insn.opsize = operand_size(mode, px.rex & 8, px.opsize && row->mandatory != X86_MP_66,
                                   row->flags);
    }
    insn.addrsize = address_size(mode, px.addrsize);
    if (ix->has_modrm) {
        r = decode_modrm_operands(&c, row, modrm, ext, mode, &insn);
    } else if (row_has_opcode_register(row)) {
        insn.rm = (opcode & 7) | ((px.rex & 1) << 3);
    }
    if (r || (r = decode_immediates(&c, row, &insn))) {
        return r;
    }

    if (px.lock && !lock_allowed(row, &insn)) {
        return X86_DECODE_UD;
    }
    if (vex.present && !vex_valid(&vex, &px, row)) {
        return X86_DECODE_UD;
    }
    if (!registers_valid(row, &insn, mode)) {
        return X86_DECODE_UD;
    }
    insn.seg = px.seg != NO_SEG ? px.seg : default_segment(&insn);
    if (mode == X86_MODE_64 && insn.seg != SEG_FS && insn.seg != SEG_GS) {
        /*
         * SDM vol. 1 3.3.7.1, AMD APM vol. 3 1.2.4: in 64-bit mode the ES,
         * CS, SS and DS overrides are ignored, so the base register alone
         * makes an access a stack access (#SS, not #GP, for a non-canonical
         * address).  Natively on an EPYC: mov rcx, ds:[rbp] and [rbp+rbx]
         * give #SS, mov rcx, ss:[rsi] and ss:[rbx+rbp] #GP (found by
         * tandem-difftest; kvm's instruction emulator, which the nested
         * host here runs on a #GP, honours the SS override and says #SS).
         */
        insn.seg = default_segment(&insn);
    }
    insn.prefix = prefix_bits(&px, row);
    insn.len = c.pos;
    x86_resolve_operands(&insn);
    *out = insn;
    return c.pos;
}

/* ---- helpers for consumers and tests ---- */

unsigned x86_operand_size(const X86Insn *insn, unsigned kind)
{
    unsigned v = insn->opsize;
    unsigned z = v == 2 ? 2 : 4;
    unsigned y = v == 8 ? 8 : 4;
    bool mem = insn->flags & X86_INSN_MEM;

    switch (kind) {
    case X86_OPK_Eb: case X86_OPK_Gb: case X86_OPK_Ib: case X86_OPK_Jb: case X86_OPK_Mb:
    case X86_OPK_Ob: case X86_OPK_Xb: case X86_OPK_Yb: case X86_OPK_AL: case X86_OPK_CL:
    case X86_OPK_Zb:
        return 1;
    case X86_OPK_Ew: case X86_OPK_Gw: case X86_OPK_Iw: case X86_OPK_Mw: case X86_OPK_Sw:
    case X86_OPK_AX: case X86_OPK_DX: case X86_OPK_M2byte: case X86_OPK_M16int:
    case X86_OPK_ES: case X86_OPK_CS: case X86_OPK_SS: case X86_OPK_DS: case X86_OPK_FS:
    case X86_OPK_GS:
        return 2;
    case X86_OPK_Ed: case X86_OPK_Gd: case X86_OPK_Md: case X86_OPK_Pd: case X86_OPK_Qd:
    case X86_OPK_Vd: case X86_OPK_Wd: case X86_OPK_Rd: case X86_OPK_M32int:
    case X86_OPK_M32fp: case X86_OPK_Vss: case X86_OPK_Wss:
        return 4;
    case X86_OPK_Mq: case X86_OPK_Nq: case X86_OPK_Pq: case X86_OPK_Ppi: case X86_OPK_Qq:
    case X86_OPK_Qpi: case X86_OPK_Uq: case X86_OPK_Vq: case X86_OPK_Wq: case X86_OPK_M64int:
    case X86_OPK_M64fp: case X86_OPK_Vsd: case X86_OPK_Wsd:
        return 8;
    case X86_OPK_M80fp: case X86_OPK_M80bcd:
        return 10;
    case X86_OPK_Mdq: case X86_OPK_Mx: case X86_OPK_Mps: case X86_OPK_Mpd: case X86_OPK_Udq:
    case X86_OPK_Ups: case X86_OPK_Upd: case X86_OPK_Ux: case X86_OPK_Vdq: case X86_OPK_Vx:
    case X86_OPK_Vps: case X86_OPK_Vpd: case X86_OPK_Wdq: case X86_OPK_Wx: case X86_OPK_Wps:
    case X86_OPK_Wpd: case X86_OPK_XMM0:
        return 16;
    case X86_OPK_Ev: case X86_OPK_Gv: case X86_OPK_Iv: case X86_OPK_Ov: case X86_OPK_Rv:
    case X86_OPK_Mv:
    case X86_OPK_Xv: case X86_OPK_Yv: case X86_OPK_rAX: case X86_OPK_Zv:
        return v;
    case X86_OPK_Gz: case X86_OPK_Iz: case X86_OPK_Jz: case X86_OPK_Xz: case X86_OPK_Yz:
    case X86_OPK_eAX:
        return z;
    case X86_OPK_Ey: case X86_OPK_Gy: case X86_OPK_My: case X86_OPK_Ry: case X86_OPK_Vy:
    case X86_OPK_Zy: case X86_OPK_By:
        return y;
    case X86_OPK_RvMw: return mem ? 2 : v;
    case X86_OPK_RdMb: return mem ? 1 : 4;
    case X86_OPK_RdMw: return mem ? 2 : 4;
    case X86_OPK_RyMb: return mem ? 1 : y;
    case X86_OPK_RyMw: return mem ? 2 : y;
    case X86_OPK_UdqMd: return mem ? 4 : 16;
    case X86_OPK_UxMq: return mem ? 8 : 16;
    case X86_OPK_UxMd: return mem ? 4 : 16;
    case X86_OPK_UxMw: return mem ? 2 : 16;
    default:
        return 0;
    }
}

static const char *const seg_names[X86_NR_SEGS] = { "es", "cs", "ss", "ds", "fs", "gs" };

static int dump_reg(char *buf, size_t len, uint8_t reg)
{
    if (reg == X86_REGNUM_RIP) {
        return snprintf(buf, len, "rip");
    }
    return snprintf(buf, len, "r%u", reg);
}

int x86_insn_dump(const X86Insn *insn, char *buf, size_t len)
{
    const X86OpcodeRow *row = x86_insn_row(insn);
    size_t n = 0;

#define DUMP(...) (n += snprintf(buf + n, n < len ? len - n : 0, __VA_ARGS__))
    DUMP("%s", x86_op_name(insn->op));
    for (unsigned i = 0; i < 4 && row->operand[i]; i++) {
        DUMP("%c%s", i ? ',' : ' ', x86_operand_kind_name(row->operand[i]));
    }
    DUMP(" len=%u os=%u as=%u", insn->len, insn->opsize, insn->addrsize);
    if (insn->prefix & X86_PFX_LOCK) {
        DUMP(" lock");
    }
    if (insn->prefix & X86_PFX_REP) {
        DUMP(" rep");
    }
    if (insn->prefix & X86_PFX_REPNE) {
        DUMP(" repne");
    }
    if (insn->rex) {
        DUMP(" rex=%02x", insn->rex);
    }
    if (insn->vex) {
        DUMP(" vex.l=%u.w=%u vvvv=%u", (insn->vex & X86_VEX_L) ? 1 : 0,
             (insn->vex & X86_VEX_W) ? 1 : 0, x86_insn_vvvv(insn));
    }
    DUMP(" reg=%u rm=%u", insn->reg, insn->rm);
    if (insn->flags & X86_INSN_MEM) {
        DUMP(" mem=%s:[", insn->seg < X86_NR_SEGS ? seg_names[insn->seg] : "?");
        if (insn->base != X86_REGNUM_NONE) {
            n += dump_reg(buf + n, n < len ? len - n : 0, insn->base);
        }
        if (insn->index != X86_REGNUM_NONE) {
            DUMP("+");
            n += dump_reg(buf + n, n < len ? len - n : 0, insn->index);
            DUMP("*%u", 1u << insn->scale);
        }
        DUMP("%+d]", insn->disp);
    }
    DUMP(" imm=%lld imm2=%u", (long long)insn->imm, insn->imm2);
#undef DUMP
    return (int)n;
}
