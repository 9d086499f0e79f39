/* Hand-written decoder cases: prefixes, REX, ModRM/SIB forms, the 15-byte limit, #UD rules, truncation. */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/x86/decode.h"
#include "cpu/x86/state.h"

#define M16 X86_MODE_16
#define M32 X86_MODE_32
#define M64 X86_MODE_64

/* "48 8b 05 10 00 00 00" -> bytes; returns the count. */
static size_t parse_hex(const char *hex, uint8_t *out, size_t max)
{
    size_t n = 0;

    while (*hex) {
        char *end;
        if (*hex == ' ') {
            hex++;
            continue;
        }
        unsigned long v = strtoul(hex, &end, 16);
        g_assert_true(end == hex + 2 && v <= 0xff);
        g_assert_cmpuint(n, <, max);
        out[n++] = v;
        hex = end;
    }
    return n;
}

/*
 * Decode the first `avail` bytes of hex from a heap buffer of exactly that
 * size, so that a read past `avail` is caught by AddressSanitizer.
 */
static int decode_avail(X86DecodeMode mode, const char *hex, size_t avail, X86Insn *insn)
{
    uint8_t bytes[64];
    size_t n = parse_hex(hex, bytes, sizeof(bytes));
    g_assert_cmpuint(avail, <=, n);
    uint8_t *buf = g_malloc(avail ? avail : 1);
    memcpy(buf, bytes, avail);
    int r = x86_decode(buf, avail, mode, insn);
    g_free(buf);
    return r;
}

static int decode(X86DecodeMode mode, const char *hex, X86Insn *insn)
{
    uint8_t bytes[64];
    return decode_avail(mode, hex, parse_hex(hex, bytes, sizeof(bytes)), insn);
}

/* Decodes to op with length len (which must be the whole string). */
static X86Insn expect_op(X86DecodeMode mode, const char *hex, X86Op op)
{
    uint8_t bytes[64];
    X86Insn insn;
    int len = (int)parse_hex(hex, bytes, sizeof(bytes));
    int r = decode(mode, hex, &insn);

    if (r != len || insn.op != op) {
        char dump[256] = "";
        if (r > 0) {
            x86_insn_dump(&insn, dump, sizeof(dump));
        }
        g_test_message("%s (mode %d): expected %s len %d, got %d %s", hex, mode, x86_op_name(op),
                       len, r, dump);
    }
    g_assert_cmpint(r, ==, len);
    g_assert_cmpstr(x86_op_name(insn.op), ==, x86_op_name(op));
    return insn;
}

static void expect_result(X86DecodeMode mode, const char *hex, int expected)
{
    X86Insn insn;
    int r = decode(mode, hex, &insn);
    if (r != expected) {
        g_test_message("%s (mode %d): expected %d, got %d", hex, mode, expected, r);
    }
    g_assert_cmpint(r, ==, expected);
}

static void expect_ud(X86DecodeMode mode, const char *hex)
{
    expect_result(mode, hex, X86_DECODE_UD);
}

/* ---- ModRM, SIB, displacement, immediates ---- */

static void test_modrm_register_forms(void)
{
    X86Insn i = expect_op(M32, "01 c8", X86_OP_ADD);      /* add eax, ecx */
    g_assert_cmpuint(i.reg, ==, R_ECX);
    g_assert_cmpuint(i.rm, ==, R_EAX);
    g_assert_false(i.flags & X86_INSN_MEM);
    g_assert_cmpuint(i.opsize, ==, 4);
    g_assert_cmpuint(i.addrsize, ==, 4);
    g_assert_cmpuint(x86_insn_row(&i)->operand[0], ==, X86_OPK_Ev);
    g_assert_cmpuint(x86_insn_row(&i)->operand[1], ==, X86_OPK_Gv);

    i = expect_op(M64, "4d 01 c8", X86_OP_ADD);           /* add r8, r9 */
    g_assert_cmpuint(i.reg, ==, R_R9);
    g_assert_cmpuint(i.rm, ==, R_R8);
    g_assert_cmpuint(i.opsize, ==, 8);
    g_assert_cmpuint(i.rex, ==, 0x4d);
}

static void test_sib_forms(void)
{
    /* add eax, [ecx*4 + 0x12345678]: SIB base 101 with mod 00 has no base */
    X86Insn i = expect_op(M32, "03 04 8d 78 56 34 12", X86_OP_ADD);
    g_assert_true(i.flags & X86_INSN_MEM);
    g_assert_cmpuint(i.base, ==, X86_REGNUM_NONE);
    g_assert_cmpuint(i.index, ==, R_ECX);
    g_assert_cmpuint(i.scale, ==, 2);
    g_assert_cmpint(i.disp, ==, 0x12345678);
    g_assert_cmpuint(i.seg, ==, SEG_DS);

    i = expect_op(M32, "8b 04 24", X86_OP_MOV);           /* mov eax, [esp]: index 100 = none */
    g_assert_cmpuint(i.base, ==, R_ESP);
    g_assert_cmpuint(i.index, ==, X86_REGNUM_NONE);
    g_assert_cmpuint(i.seg, ==, SEG_SS);

    i = expect_op(M32, "8b 45 f8", X86_OP_MOV);           /* mov eax, [ebp-8] */
    g_assert_cmpuint(i.base, ==, R_EBP);
    g_assert_cmpint(i.disp, ==, -8);
    g_assert_cmpuint(i.seg, ==, SEG_SS);

    i = expect_op(M32, "8b 84 4b 00 01 00 00", X86_OP_MOV);   /* [ebx + ecx*2 + 0x100] */
    g_assert_cmpuint(i.base, ==, R_EBX);
    g_assert_cmpuint(i.index, ==, R_ECX);
    g_assert_cmpuint(i.scale, ==, 1);
    g_assert_cmpint(i.disp, ==, 0x100);

    i = expect_op(M64, "4a 8b 04 a0", X86_OP_MOV);        /* mov rax, [rax + r12*4]: REX.X */
    g_assert_cmpuint(i.index, ==, R_R12);
    g_assert_cmpuint(i.base, ==, R_EAX);

    i = expect_op(M64, "43 8b 04 24", X86_OP_MOV);        /* [r12 + r12]? no: index 100+X = r12 */
    g_assert_cmpuint(i.base, ==, R_R12);
    g_assert_cmpuint(i.index, ==, R_R12);
    g_assert_cmpuint(i.seg, ==, SEG_DS);                  /* r12 is not rSP: DS */

    i = expect_op(M64, "41 8b 45 00", X86_OP_MOV);        /* [r13 + 0] needs mod 01 */
    g_assert_cmpuint(i.base, ==, R_R13);
    g_assert_false(i.flags & X86_INSN_RIPREL);

    /* SIB base 101 with mod 00 is "no base" even with REX.B */
    i = expect_op(M64, "41 8b 04 25 00 10 00 00", X86_OP_MOV);
    g_assert_cmpuint(i.base, ==, X86_REGNUM_NONE);
    g_assert_cmpuint(i.index, ==, X86_REGNUM_NONE);
    g_assert_cmpint(i.disp, ==, 0x1000);
    g_assert_false(i.flags & X86_INSN_RIPREL);
}

static void test_rip_relative(void)
{
    X86Insn i = expect_op(M64, "48 8b 05 10 00 00 00", X86_OP_MOV);
    g_assert_true(i.flags & X86_INSN_RIPREL);
    g_assert_cmpuint(i.base, ==, X86_REGNUM_RIP);
    g_assert_cmpint(i.disp, ==, 0x10);
    g_assert_cmpuint(i.addrsize, ==, 8);

    i = expect_op(M64, "41 8b 05 f0 ff ff ff", X86_OP_MOV);   /* REX.B does not make it r13 */
    g_assert_cmpuint(i.base, ==, X86_REGNUM_RIP);
    g_assert_cmpint(i.disp, ==, -16);

    i = expect_op(M64, "67 8b 05 10 00 00 00", X86_OP_MOV);   /* EIP-relative */
    g_assert_cmpuint(i.base, ==, X86_REGNUM_RIP);
    g_assert_cmpuint(i.addrsize, ==, 4);

    /* RIP-relative with an immediate after the displacement */
    i = expect_op(M64, "c7 05 00 01 00 00 78 56 34 12", X86_OP_MOV);
    g_assert_true(i.flags & X86_INSN_RIPREL);
    g_assert_cmpint(i.disp, ==, 0x100);
    g_assert_cmpint(i.imm, ==, 0x12345678);

    i = expect_op(M32, "8b 05 10 00 00 00", X86_OP_MOV);      /* 32-bit: plain disp32 */
    g_assert_cmpuint(i.base, ==, X86_REGNUM_NONE);
    g_assert_false(i.flags & X86_INSN_RIPREL);
}

/* SDM vol. 2A table 2-1, every row */
static void test_16bit_addressing(void)
{
    static const struct {
        const char *hex;
        uint8_t base, index, seg;
        int32_t disp;
    } forms[] = {
        { "8b 00", R_EBX, R_ESI, SEG_DS, 0 },
        { "8b 01", R_EBX, R_EDI, SEG_DS, 0 },
        { "8b 02", R_EBP, R_ESI, SEG_SS, 0 },
        { "8b 03", R_EBP, R_EDI, SEG_SS, 0 },
        { "8b 04", R_ESI, X86_REGNUM_NONE, SEG_DS, 0 },
        { "8b 05", R_EDI, X86_REGNUM_NONE, SEG_DS, 0 },
        { "8b 06 34 12", X86_REGNUM_NONE, X86_REGNUM_NONE, SEG_DS, 0x1234 },
        { "8b 07", R_EBX, X86_REGNUM_NONE, SEG_DS, 0 },
        { "8b 40 80", R_EBX, R_ESI, SEG_DS, -128 },
        { "8b 46 02", R_EBP, X86_REGNUM_NONE, SEG_SS, 2 },
        { "8b 86 00 80", R_EBP, X86_REGNUM_NONE, SEG_SS, -0x8000 },
        { "8b 87 ff 7f", R_EBX, X86_REGNUM_NONE, SEG_DS, 0x7fff },
        { "26 8b 46 02", R_EBP, X86_REGNUM_NONE, SEG_ES, 2 },
    };

    for (unsigned k = 0; k < G_N_ELEMENTS(forms); k++) {
        X86Insn i = expect_op(M16, forms[k].hex, X86_OP_MOV);
        g_assert_cmpuint(i.addrsize, ==, 2);
        g_assert_cmpuint(i.opsize, ==, 2);
        g_assert_cmpuint(i.base, ==, forms[k].base);
        g_assert_cmpuint(i.index, ==, forms[k].index);
        g_assert_cmpuint(i.seg, ==, forms[k].seg);
        g_assert_cmpint(i.disp, ==, forms[k].disp);
    }
    /* 67 in 16-bit mode: 32-bit addressing with SIB */
    X86Insn i = expect_op(M16, "67 8b 04 8d 00 10 00 00", X86_OP_MOV);
    g_assert_cmpuint(i.addrsize, ==, 4);
    g_assert_cmpuint(i.index, ==, R_ECX);
    g_assert_cmpint(i.disp, ==, 0x1000);
    /* 67 in 32-bit mode: 16-bit addressing */
    i = expect_op(M32, "67 8b 06 34 12", X86_OP_MOV);
    g_assert_cmpuint(i.addrsize, ==, 2);
    g_assert_cmpint(i.disp, ==, 0x1234);
}

static void test_immediates(void)
{
    X86Insn i = expect_op(M32, "b8 78 56 34 12", X86_OP_MOV);
    g_assert_cmpint(i.imm, ==, 0x12345678);
    g_assert_cmpuint(i.rm, ==, R_EAX);
    i = expect_op(M64, "49 bf 88 77 66 55 44 33 22 11", X86_OP_MOV);   /* mov r15, imm64 */
    g_assert_cmpint(i.imm, ==, 0x1122334455667788);
    g_assert_cmpuint(i.rm, ==, R_R15);
    i = expect_op(M32, "66 b8 34 12", X86_OP_MOV);
    g_assert_cmpint(i.imm, ==, 0x1234);
    i = expect_op(M64, "48 c7 c0 ff ff ff ff", X86_OP_MOV);   /* Iz sign-extends to 64 */
    g_assert_cmpint(i.imm, ==, -1);
    i = expect_op(M32, "83 c0 ff", X86_OP_ADD);
    g_assert_cmpint(i.imm, ==, -1);
    i = expect_op(M32, "c8 10 00 01", X86_OP_ENTER);
    g_assert_cmpint(i.imm, ==, 0x10);
    g_assert_cmpuint(i.imm2, ==, 1);
    i = expect_op(M32, "ea 78 56 34 12 34 12", X86_OP_JMPF);
    g_assert_cmpint(i.imm, ==, 0x12345678);
    g_assert_cmpuint(i.imm2, ==, 0x1234);
    i = expect_op(M16, "9a 78 56 34 12", X86_OP_CALLF);
    g_assert_cmpint(i.imm, ==, 0x5678);
    g_assert_cmpuint(i.imm2, ==, 0x1234);
    i = expect_op(M64, "48 a1 88 77 66 55 44 33 22 11", X86_OP_MOV);   /* moffs64 */
    g_assert_cmpint(i.imm, ==, 0x1122334455667788);
    i = expect_op(M64, "67 a1 f0 ff ff ff", X86_OP_MOV);      /* moffs32: zero-extended */
    g_assert_cmpint(i.imm, ==, 0xfffffff0);
    i = expect_op(M16, "a1 34 12", X86_OP_MOV);
    g_assert_cmpint(i.imm, ==, 0x1234);
    i = expect_op(M32, "0f 84 fc ff ff ff", X86_OP_JCC);
    g_assert_cmpint(i.imm, ==, -4);
    i = expect_op(M16, "0f 84 fc ff", X86_OP_JCC);            /* rel16 in 16-bit code */
    g_assert_cmpint(i.imm, ==, -4);
    i = expect_op(M32, "66 e8 fc ff", X86_OP_CALL);           /* rel16 with 66 outside 64-bit mode */
    g_assert_cmpint(i.imm, ==, -4);
    i = expect_op(M32, "69 c0 00 01 00 00", X86_OP_IMUL);
    g_assert_cmpint(i.imm, ==, 0x100);
    i = expect_op(M32, "66 0f 3a 0f c1 08", X86_OP_PALIGNR);
    g_assert_cmpint(i.imm, ==, 8);
    i = expect_op(M32, "f2 0f 78 c1 04 08", X86_OP_INSERTQ);  /* two immediates */
    g_assert_cmpint(i.imm, ==, 4);
    g_assert_cmpuint(i.imm2, ==, 8);
    i = expect_op(M64, "c2 00 80", X86_OP_RET);               /* Iw: take the low 16 bits */
    g_assert_cmpuint((uint16_t)i.imm, ==, 0x8000);
}

/* ---- prefixes ---- */

static void test_prefix_rules(void)
{
    /* SDM 2.2.1: a REX followed by a legacy prefix is ignored */
    X86Insn i = expect_op(M64, "48 66 89 c0", X86_OP_MOV);
    g_assert_cmpuint(i.rex, ==, 0);
    g_assert_cmpuint(i.opsize, ==, 2);
    g_assert_false(i.prefix & X86_PFX_REX);
    i = expect_op(M64, "66 48 89 c0", X86_OP_MOV);            /* REX.W beats 66 */
    g_assert_cmpuint(i.opsize, ==, 8);
    /* only the last REX counts */
    i = expect_op(M64, "48 41 89 c0", X86_OP_MOV);
    g_assert_cmpuint(i.opsize, ==, 4);
    g_assert_cmpuint(i.rm, ==, R_R8);

    /* the last F2/F3 is the mandatory prefix, in either order with 66 */
    expect_op(M32, "f2 f3 0f 58 c0", X86_OP_ADDSS);
    expect_op(M32, "f3 f2 0f 58 c0", X86_OP_ADDSD);
    i = expect_op(M32, "66 f3 0f b8 c0", X86_OP_POPCNT);
    g_assert_cmpuint(i.opsize, ==, 2);
    i = expect_op(M32, "f3 66 0f b8 c0", X86_OP_POPCNT);
    g_assert_cmpuint(i.opsize, ==, 2);
    expect_op(M32, "66 0f 58 c0", X86_OP_ADDPD);
    expect_op(M32, "66 f2 0f 58 c0", X86_OP_ADDSD);
    /* a mandatory 66 is not an operand-size prefix */
    i = expect_op(M32, "66 0f 3a 16 c0 01", X86_OP_PEXTRD);
    g_assert_cmpuint(x86_operand_size(&i, X86_OPK_Ey), ==, 4);
    g_assert_cmpuint(i.opsize, ==, 4);
    i = expect_op(M64, "66 48 0f 3a 16 c0 01", X86_OP_PEXTRD);  /* PEXTRQ */
    g_assert_cmpuint(x86_operand_size(&i, X86_OPK_Ey), ==, 8);
    /* ... but 66 next to a mandatory F2 is: CRC32 r32, r/m16 */
    i = expect_op(M32, "66 f2 0f 38 f1 c0", X86_OP_CRC32);
    g_assert_cmpuint(x86_operand_size(&i, X86_OPK_Ev), ==, 2);
    i = expect_op(M32, "f2 0f 38 f1 c0", X86_OP_CRC32);
    g_assert_cmpuint(x86_operand_size(&i, X86_OPK_Ev), ==, 4);
    /* a mandatory F3 is not a REP prefix; an ordinary one is */
    i = expect_op(M32, "f3 0f 10 c0", X86_OP_MOVSS);
    g_assert_false(i.prefix & (X86_PFX_REP | X86_PFX_REPNE));
    i = expect_op(M32, "f3 a4", X86_OP_MOVS);
    g_assert_true(i.prefix & X86_PFX_REP);
    i = expect_op(M32, "f2 ae", X86_OP_SCAS);
    g_assert_true(i.prefix & X86_PFX_REPNE);
    /*
     * A prefix the opcode has no row for is #UD where every row of the
     * opcode has a mandatory prefix (checked on this host's CPU: see the
     * capstone allowlist), not the NP row with the prefix ignored.
     */
    expect_ud(M32, "f3 0f 54 c0");                            /* ANDPS/ANDPD: no F3 form */
    expect_ud(M32, "f2 0f 54 c0");
    expect_ud(M32, "f3 0f 28 c0");                            /* not MOVAPS */
    expect_ud(M64, "66 f3 0f 28 c0");
    expect_ud(M32, "66 0f 77");                               /* EMMS is NP */
    expect_ud(M32, "66 0f 12 c1");                            /* 66 0F 12 is memory-only MOVLPD */
    expect_op(M32, "0f 12 c1", X86_OP_MOVHLPS);
    expect_ud(M64, "66 0f c3 00");                            /* NP MOVNTI */
    expect_ud(M32, "66 0f ae 00");                            /* NP FXSAVE */
    expect_ud(M32, "f3 0f 38 00 c1");                         /* PSHUFB: NP and 66 only */
    expect_ud(M32, "0f 7c c0");                               /* HADDPD/HADDPS have no NP form */
    expect_ud(M32, "66 f2 0f 38 10 c0");                      /* F2 wins: no F2 or NP PBLENDVB */
    expect_ud(M32, "0f b8 c0");                               /* NP 0F B8 (JMPE) is not x86 */
    expect_ud(M32, "66 0f b8 c0");
    /* ... where the opcode also has rows without one, the prefix stays ordinary */
    i = expect_op(M32, "f2 0f bc c0", X86_OP_BSF);
    g_assert_true(i.prefix & X86_PFX_REPNE);
    i = expect_op(M32, "66 0f bc c0", X86_OP_BSF);
    g_assert_cmpuint(i.opsize, ==, 2);
    expect_op(M32, "f2 90", X86_OP_NOP);
    i = expect_op(M32, "66 0f c7 f0", X86_OP_RDRAND);         /* 66 0F C7 /6 memory: VMCLEAR */
    g_assert_cmpuint(i.opsize, ==, 2);
    /* NFx rows: F2/F3 are #UD (or another row), 66 is an operand-size prefix */
    i = expect_op(M32, "66 0f 38 f0 00", X86_OP_MOVBE);
    g_assert_cmpuint(i.opsize, ==, 2);
    expect_ud(M32, "f3 0f 38 f0 00");
    expect_ud(M64, "f3 0f 38 f1 00");
    expect_op(M32, "f2 0f 38 f0 c0", X86_OP_CRC32);
    expect_ud(M32, "f3 0f c7 f0");                            /* RDRAND is NFx */
    expect_ud(M32, "f2 0f c7 f8");                            /* RDSEED is NFx */
    expect_op(M32, "f3 0f c7 f8", X86_OP_RDPID);

    /* segment overrides: the last one counts */
    i = expect_op(M32, "64 8b 00", X86_OP_MOV);
    g_assert_cmpuint(i.seg, ==, SEG_FS);
    g_assert_true(i.prefix & X86_PFX_SEG);
    i = expect_op(M32, "26 2e 8b 00", X86_OP_MOV);
    g_assert_cmpuint(i.seg, ==, SEG_CS);
    i = expect_op(M32, "8b 00", X86_OP_MOV);
    g_assert_false(i.prefix & X86_PFX_SEG);
    i = expect_op(M64, "65 48 8b 04 25 28 00 00 00", X86_OP_MOV);
    g_assert_cmpuint(i.seg, ==, SEG_GS);

    /* operand and address size */
    i = expect_op(M16, "66 89 c0", X86_OP_MOV);
    g_assert_cmpuint(i.opsize, ==, 4);
    i = expect_op(M16, "89 c0", X86_OP_MOV);
    g_assert_cmpuint(i.opsize, ==, 2);
    i = expect_op(M64, "67 89 00", X86_OP_MOV);
    g_assert_cmpuint(i.addrsize, ==, 4);
    g_assert_true(i.prefix & X86_PFX_ADDRSIZE);
}

static void test_rex_rules(void)
{
    /* 40-4F are INC/DEC outside 64-bit mode */
    X86Insn i = expect_op(M32, "41", X86_OP_INC);
    g_assert_cmpuint(i.rm, ==, R_ECX);
    i = expect_op(M32, "4f", X86_OP_DEC);
    g_assert_cmpuint(i.rm, ==, R_EDI);
    expect_result(M64, "41", X86_DECODE_NEED_MORE);
    /* any REX selects SPL..DIL for byte registers 4-7 */
    i = expect_op(M64, "40 88 e0", X86_OP_MOV);
    g_assert_true(i.prefix & X86_PFX_REX);
    i = expect_op(M64, "88 e0", X86_OP_MOV);
    g_assert_false(i.prefix & X86_PFX_REX);
    /* REX.R, REX.B */
    i = expect_op(M64, "44 89 c0", X86_OP_MOV);
    g_assert_cmpuint(i.reg, ==, R_R8);
    i = expect_op(M64, "41 50", X86_OP_PUSH);
    g_assert_cmpuint(i.rm, ==, R_R8);
    i = expect_op(M64, "41 0f c8", X86_OP_BSWAP);
    g_assert_cmpuint(i.rm, ==, R_R8);
    /* 90: NOP, PAUSE; with REX.B it is XCHG r8, rAX */
    expect_op(M64, "90", X86_OP_NOP);
    expect_op(M64, "66 90", X86_OP_NOP);
    expect_op(M64, "f3 90", X86_OP_PAUSE);
    i = expect_op(M64, "41 90", X86_OP_XCHG);
    g_assert_cmpuint(i.rm, ==, R_R8);
    i = expect_op(M64, "49 90", X86_OP_XCHG);
    g_assert_cmpuint(i.opsize, ==, 8);
    i = expect_op(M64, "92", X86_OP_XCHG);
    g_assert_cmpuint(i.rm, ==, R_EDX);
    /* CMPXCHG16B is CMPXCHG8B with REX.W */
    i = expect_op(M64, "48 0f c7 0f", X86_OP_CMPXCHG8B);
    g_assert_cmpuint(i.opsize, ==, 8);
}

/* ---- modes ---- */

static void test_64bit_invalid(void)
{
    static const char *const i64[] = {
        "06", "07", "0e", "16", "17", "1e", "1f", "27", "2f", "37", "3f", "60", "61",
        "62 00", "82 c0 01", "9a 00 00 00 00 00 00", "c4 08", "c5 00 00", "ce", "d4 0a", "d5 0a",
        "d6", "ea 00 00 00 00 00 00",
    };
    for (unsigned k = 0; k < G_N_ELEMENTS(i64); k++) {
        X86Insn insn;
        expect_ud(M64, i64[k]);
        int r = decode(M32, i64[k], &insn);     /* valid outside 64-bit mode */
        if (r <= 0) {
            g_test_message("%s: %d in 32-bit mode", i64[k], r);
        }
        g_assert_cmpint(r, >, 0);
    }
    expect_op(M32, "63 c0", X86_OP_ARPL);
    X86Insn i = expect_op(M64, "48 63 c1", X86_OP_MOVSXD);
    g_assert_cmpuint(i.opsize, ==, 8);
    /* o64 */
    expect_op(M64, "0f 05", X86_OP_SYSCALL);
    expect_op(M64, "0f 07", X86_OP_SYSRET);
    expect_op(M64, "0f 01 f8", X86_OP_SWAPGS);
    expect_ud(M32, "0f 05");
    expect_ud(M32, "0f 07");
    expect_ud(M16, "0f 01 f8");
    expect_op(M64, "f3 48 0f ae c0", X86_OP_RDFSBASE);
    expect_ud(M32, "f3 0f ae c0");
    /* VEX without a row (AVX) and EVEX: #UD; outside 64-bit mode only with mod = 11 */
    expect_ud(M64, "c5 f8 77");
    expect_ud(M32, "c5 f8 77");
    expect_op(M32, "c5 00", X86_OP_LDS);
    expect_ud(M32, "62 c0");
    expect_op(M32, "62 00", X86_OP_BOUND);
}

static void test_64bit_operand_size(void)
{
    X86Insn i = expect_op(M64, "50", X86_OP_PUSH);            /* d64 */
    g_assert_cmpuint(i.opsize, ==, 8);
    i = expect_op(M64, "66 50", X86_OP_PUSH);
    g_assert_cmpuint(i.opsize, ==, 2);
    i = expect_op(M64, "6a ff", X86_OP_PUSH);
    g_assert_cmpuint(i.opsize, ==, 8);
    i = expect_op(M64, "ff 30", X86_OP_PUSH);
    g_assert_cmpuint(i.opsize, ==, 8);
    i = expect_op(M64, "66 e8 00 00 00 00", X86_OP_CALL);     /* f64: 66 ignored, rel32 */
    g_assert_cmpuint(i.opsize, ==, 8);
    i = expect_op(M64, "66 0f 85 00 01 00 00", X86_OP_JCC);
    g_assert_cmpint(i.imm, ==, 0x100);
    i = expect_op(M64, "ff e0", X86_OP_JMP);
    g_assert_cmpuint(i.opsize, ==, 8);
    i = expect_op(M64, "0f 20 d8", X86_OP_MOV_CR);            /* mov rax, cr3 */
    g_assert_cmpuint(i.opsize, ==, 8);
    g_assert_cmpuint(i.reg, ==, 3);
    i = expect_op(M64, "89 c0", X86_OP_MOV);
    g_assert_cmpuint(i.opsize, ==, 4);
    i = expect_op(M64, "c7 f8 00 00 00 00", X86_OP_XBEGIN);
    g_assert_cmpuint(i.opsize, ==, 4);
}

/* ---- #UD encodings ---- */

static void test_lock_rules(void)
{
    X86Insn i = expect_op(M32, "f0 01 00", X86_OP_ADD);
    g_assert_true(i.prefix & X86_PFX_LOCK);
    expect_ud(M32, "f0 01 c0");                 /* register destination */
    expect_ud(M32, "f0 03 00");                 /* ADD Gv,Ev: the destination is a register */
    expect_ud(M32, "f0 90");
    expect_ud(M32, "f0 38 00");                 /* CMP */
    expect_ud(M32, "f0 8b 00");                 /* MOV */
    expect_ud(M32, "f0 0f ba 20 01");           /* BT */
    expect_ud(M32, "f0 ff 10");                 /* CALL */
    expect_ud(M32, "f0 0f 20 c0");              /* AMD's MOV CR8 alias */
    expect_ud(M64, "f0 f3 f8");                 /* LOCK CLC, even after F3 */
    expect_op(M32, "f0 0f c7 08", X86_OP_CMPXCHG8B);
    expect_op(M64, "f0 48 0f c7 08", X86_OP_CMPXCHG8B);
    expect_op(M32, "f0 86 00", X86_OP_XCHG);
    expect_op(M32, "f0 0f ba 28 01", X86_OP_BTS);
    expect_op(M32, "f0 0f b3 00", X86_OP_BTR);
    expect_op(M32, "f0 0f bb 00", X86_OP_BTC);
    expect_op(M32, "f0 f6 10", X86_OP_NOT);
    expect_op(M32, "f0 f7 18", X86_OP_NEG);
    expect_op(M32, "f0 fe 00", X86_OP_INC);
    expect_op(M32, "f0 ff 08", X86_OP_DEC);
    expect_op(M32, "f0 0f c1 00", X86_OP_XADD);
    expect_op(M32, "f0 0f b1 00", X86_OP_CMPXCHG);
    expect_op(M32, "f0 83 00 01", X86_OP_ADD);
    expect_op(M32, "f0 80 30 01", X86_OP_XOR);
    expect_ud(M32, "f0 80 38 01");              /* CMP */
    expect_op(M32, "f2 f0 87 00", X86_OP_XCHG); /* XACQUIRE LOCK */
}

static void test_register_rules(void)
{
    expect_ud(M32, "8e c8");                    /* MOV CS, r/m */
    expect_op(M32, "8e d0", X86_OP_MOV_SR);     /* MOV SS, eax */
    expect_ud(M32, "8c f0");                    /* Sreg 6 */
    expect_ud(M32, "8e f8");                    /* Sreg 7 */
    expect_op(M32, "8c c8", X86_OP_MOV_SR);     /* MOV eax, CS is fine */
    expect_ud(M32, "0f 20 c8");                 /* CR1 */
    expect_ud(M32, "0f 22 e8");                 /* CR5 */
    expect_ud(M32, "0f 20 f0");                 /* CR6 */
    expect_ud(M32, "0f 20 f8");                 /* CR7 */
    expect_op(M32, "0f 22 e0", X86_OP_MOV_CR);  /* CR4 */
    X86Insn i = expect_op(M64, "44 0f 20 c0", X86_OP_MOV_CR);  /* CR8 */
    g_assert_cmpuint(i.reg, ==, 8);
    expect_ud(M64, "44 0f 20 c8");              /* CR9 */
    expect_ud(M64, "44 0f 21 c0");              /* DR8 */
    expect_op(M64, "0f 21 f8", X86_OP_MOV_DR);  /* DR7 */
    /* MOV CR/DR ignore ModRM.mod: no SIB or displacement */
    i = expect_op(M32, "0f 20 04", X86_OP_MOV_CR);
    g_assert_false(i.flags & X86_INSN_MEM);
    g_assert_cmpuint(i.rm, ==, R_ESP);
    /* memory-only and register-only operands */
    expect_ud(M32, "8d c0");                    /* LEA with a register */
    expect_ud(M32, "0f b2 c0");                 /* LSS */
    expect_ud(M32, "0f 38 f0 c0");              /* MOVBE from a register */
    expect_ud(M32, "0f c7 c8");                 /* CMPXCHG8B with a register */
    expect_ud(M32, "66 0f c5 00 01");           /* PEXTRW from memory (0F C5 is mod = 11 only) */
}

static void test_group_and_escape_rows(void)
{
    X86Insn i = expect_op(M32, "f6 00 12", X86_OP_TEST);
    g_assert_cmpint(i.imm, ==, 0x12);
    expect_op(M32, "f6 10", X86_OP_NOT);
    expect_op(M32, "f7 c0 01 00 00 00", X86_OP_TEST);
    expect_op(M32, "ff 30", X86_OP_PUSH);
    expect_ud(M32, "ff 38");
    expect_ud(M32, "fe 10");
    expect_op(M32, "8f c0", X86_OP_POP);
    expect_ud(M32, "8f c8");                    /* XOP space on AMD */
    expect_op(M32, "c6 f8 05", X86_OP_XABORT);
    expect_ud(M32, "c6 c8 00");
    expect_op(M32, "c7 f8 00 00 00 00", X86_OP_XBEGIN);
    expect_op(M32, "d1 e0", X86_OP_SHL);
    expect_op(M32, "c1 f8 03", X86_OP_SAR);
    expect_ud(M32, "0f ba 00 01");              /* group 8 /0 */
    expect_op(M32, "0f 00 d8", X86_OP_LTR);
    expect_ud(M32, "0f 00 30");                 /* group 6 /6 */
    expect_op(M32, "0f 01 10", X86_OP_LGDT);
    expect_ud(M32, "0f 01 c0");                 /* 0F 01 C0 is unassigned */
    expect_op(M32, "0f 01 d0", X86_OP_XGETBV);
    expect_op(M32, "0f 01 f9", X86_OP_RDTSCP);
    expect_op(M32, "0f 01 e0", X86_OP_SMSW);
    expect_op(M32, "0f 01 38", X86_OP_INVLPG);
    expect_op(M32, "0f c7 f0", X86_OP_RDRAND);
    expect_op(M32, "0f c7 f8", X86_OP_RDSEED);
    expect_op(M32, "f3 0f c7 f8", X86_OP_RDPID);
    expect_op(M32, "66 0f c7 30", X86_OP_VMCLEAR);
    expect_op(M32, "0f c7 30", X86_OP_VMPTRLD);
    expect_op(M32, "0f ae f0", X86_OP_MFENCE);
    expect_op(M32, "0f ae 38", X86_OP_CLFLUSH);
    expect_op(M32, "66 0f ae 38", X86_OP_CLFLUSHOPT);
    expect_op(M32, "0f 18 08", X86_OP_PREFETCHT0);
    expect_op(M32, "0f 18 20", X86_OP_NOP);     /* hint NOP */
    expect_op(M32, "0f 1f 44 00 00", X86_OP_NOP);
    expect_op(M32, "0f 1f c0", X86_OP_NOP);
    expect_op(M64, "f3 0f 1e fa", X86_OP_ENDBR64);
    expect_op(M32, "f3 0f 1e fb", X86_OP_ENDBR32);
    expect_op(M32, "0f 0b", X86_OP_UD2);
    expect_op(M32, "0f b9 00", X86_OP_UD1);
    expect_op(M32, "f3 0f bc c0", X86_OP_TZCNT);
    expect_op(M32, "0f bc c0", X86_OP_BSF);
    expect_op(M32, "f3 0f bd c0", X86_OP_LZCNT);
    i = expect_op(M32, "0f 38 f0 00", X86_OP_MOVBE);
    g_assert_cmpuint(x86_operand_size(&i, X86_OPK_Gv), ==, 4);
    i = expect_op(M32, "66 0f 38 f1 00", X86_OP_MOVBE);
    g_assert_cmpuint(x86_operand_size(&i, X86_OPK_Mv), ==, 2);
    i = expect_op(M64, "66 48 0f 38 f0 00", X86_OP_MOVBE);     /* REX.W beats 66 */
    g_assert_cmpuint(x86_operand_size(&i, X86_OPK_Gv), ==, 8);
    /* x87 */
    expect_op(M32, "d9 e0", X86_OP_FCHS);
    expect_ud(M32, "d9 e2");
    expect_ud(M32, "d9 08");                    /* D9 /1 memory */
    expect_op(M32, "dd 00", X86_OP_FLD);
    expect_op(M32, "db 28", X86_OP_FLD);        /* m80fp */
    expect_op(M32, "de d9", X86_OP_FCOMPP);
    expect_ud(M32, "de d8");
    expect_op(M32, "df e0", X86_OP_FNSTSW);
    expect_ud(M32, "df e1");
    expect_op(M32, "da e9", X86_OP_FUCOMPP);
    i = expect_op(M32, "dc c3", X86_OP_FADD);
    g_assert_cmpuint(x86_insn_row(&i)->operand[0], ==, X86_OPK_STi);
    g_assert_cmpuint(i.rm & 7, ==, 3);
    /* 3-byte maps */
    expect_op(M32, "66 0f 38 00 c1", X86_OP_PSHUFB);
    i = expect_op(M32, "0f 38 00 c1", X86_OP_PSHUFB);
    g_assert_cmpuint(x86_insn_row(&i)->operand[0], ==, X86_OPK_Pq);
    expect_op(M32, "66 0f 3a 63 c1 0c", X86_OP_PCMPISTRI);
    expect_ud(M32, "0f 3a 63 c1 0c");
    expect_op(M32, "66 0f 38 f6 c1", X86_OP_ADCX);
    expect_op(M32, "f3 0f 38 f6 c1", X86_OP_ADOX);
    expect_ud(M32, "0f 0f c0 b4");              /* 3DNow! */
    expect_ud(M32, "0f 04");
}

/* ---- VEX, SDM vol. 2A 2.3 ---- */

static void test_vex_fields(void)
{
    /* andn eax, ecx, edx: C4 RXB=111 map 0F38, W0 vvvv=~0001 L0 pp=NP, F2 /r */
    X86Insn i = expect_op(M64, "c4 e2 70 f2 c2", X86_OP_ANDN);
    g_assert_cmpuint(i.len, ==, 5);
    g_assert_cmpuint(i.reg, ==, R_EAX);
    g_assert_cmpuint(i.rm, ==, R_EDX);
    g_assert_cmpuint(x86_insn_vvvv(&i), ==, R_ECX);
    g_assert_cmpuint(i.vex, ==, X86_VEX_PRESENT | R_ECX);
    g_assert_cmpuint(i.opsize, ==, 4);
    g_assert_cmpuint(i.rex, ==, 0);
    g_assert_false(i.prefix & X86_PFX_REX);
    g_assert_cmpuint(x86_insn_row(&i)->operand[1], ==, X86_OPK_By);
    g_assert_cmpuint(i.opnd_loc[0], ==, X86_LOC_GPR + R_EAX);
    g_assert_cmpuint(i.opnd_loc[1], ==, X86_LOC_GPR + R_ECX);
    g_assert_cmpuint(i.opnd_loc[2], ==, X86_LOC_GPR + R_EDX);
    g_assert_cmpuint(i.opnd_size[1], ==, 4);

    /* andn r8, r15, [r9 + r10*2 + 8]: inverted R X B all 0 (extended), W1, vvvv = ~1111 */
    i = expect_op(M64, "c4 02 80 f2 44 51 08", X86_OP_ANDN);
    g_assert_cmpuint(i.reg, ==, R_R8);
    g_assert_cmpuint(i.base, ==, R_R9);
    g_assert_cmpuint(i.index, ==, R_R10);
    g_assert_cmpuint(i.scale, ==, 1);
    g_assert_cmpint(i.disp, ==, 8);
    g_assert_cmpuint(x86_insn_vvvv(&i), ==, R_R15);
    g_assert_true(i.vex & X86_VEX_W);
    g_assert_cmpuint(i.opsize, ==, 8);
    g_assert_cmpuint(i.opnd_loc[2], ==, X86_LOC_MEM);
    g_assert_cmpuint(i.opnd_size[2], ==, 8);
    /* REX.B-style VEX.B on a register r/m */
    i = expect_op(M64, "c4 c2 70 f2 c2", X86_OP_ANDN);
    g_assert_cmpuint(i.rm, ==, R_R10);

    /* 32-bit mode: VEX.B and VEX.W are ignored, and so is vvvv's top bit (2.3.5) */
    i = expect_op(M32, "c4 c2 f0 f2 c2", X86_OP_ANDN);
    g_assert_cmpuint(i.rm, ==, R_EDX);
    g_assert_cmpuint(i.opsize, ==, 4);
    g_assert_true(i.vex & X86_VEX_W);                          /* as encoded */
    g_assert_cmpuint(i.opnd_size[0], ==, 4);
    i = expect_op(M32, "c4 e2 30 f2 c2", X86_OP_ANDN);        /* vvvv = 1001 */
    g_assert_cmpuint(x86_insn_vvvv(&i), ==, R_ECX);
    i = expect_op(M64, "c4 e2 30 f2 c2", X86_OP_ANDN);
    g_assert_cmpuint(x86_insn_vvvv(&i), ==, R_R9);
    /* 16-bit protected mode decodes VEX too: 32-bit operands, 16-bit addressing */
    i = expect_op(M16, "c4 e2 70 f2 86 00 10", X86_OP_ANDN);
    g_assert_cmpuint(i.opsize, ==, 4);
    g_assert_cmpuint(i.addrsize, ==, 2);
    g_assert_cmpuint(i.base, ==, R_EBP);
    g_assert_cmpuint(i.seg, ==, SEG_SS);
    /* legacy prefixes that VEX allows: segment, address size */
    i = expect_op(M64, "2e 67 c4 e2 70 f2 00", X86_OP_ANDN);
    g_assert_cmpuint(i.addrsize, ==, 4);
    i = expect_op(M64, "c4 e2 70 f2 05 10 00 00 00", X86_OP_ANDN);   /* RIP-relative */
    g_assert_true(i.flags & X86_INSN_RIPREL);

    /* RORX: map 0F3A, F2, an imm8, no vvvv operand */
    i = expect_op(M64, "c4 e3 fb f0 c1 05", X86_OP_RORX);
    g_assert_cmpint(i.imm, ==, 5);
    g_assert_cmpuint(i.opsize, ==, 8);
    g_assert_cmpuint(x86_insn_vvvv(&i), ==, 0);
    char buf[256];
    x86_insn_dump(&i, buf, sizeof(buf));
    g_assert_nonnull(strstr(buf, "RORX Gy,Ey,Ib"));
    g_assert_nonnull(strstr(buf, "vex.l=0.w=1"));
}

static void test_vex_rows(void)
{
    /* 0F38 F2-F7 and 0F3A F0 by VEX.pp and ModRM.reg, SDM table */
    expect_op(M64, "c4 e2 78 f3 c9", X86_OP_BLSR);            /* group 17 /1 */
    expect_op(M64, "c4 e2 78 f3 d1", X86_OP_BLSMSK);          /* /2 */
    X86Insn i = expect_op(M64, "c4 e2 70 f3 d9", X86_OP_BLSI);   /* /3 */
    g_assert_cmpuint(i.opnd_loc[0], ==, X86_LOC_GPR + R_ECX);  /* the destination is vvvv */
    expect_ud(M64, "c4 e2 78 f3 c1");                          /* /0 */
    expect_ud(M64, "c4 e2 78 f3 e1");                          /* /4 */
    expect_op(M64, "c4 e2 70 f5 c2", X86_OP_BZHI);
    expect_op(M64, "c4 e2 72 f5 c2", X86_OP_PEXT);
    expect_op(M64, "c4 e2 73 f5 c2", X86_OP_PDEP);
    expect_ud(M64, "c4 e2 71 f5 c2");                          /* 66: none */
    expect_op(M64, "c4 e2 73 f6 c2", X86_OP_MULX);
    expect_ud(M64, "c4 e2 70 f6 c2");
    expect_op(M64, "c4 e2 70 f7 c2", X86_OP_BEXTR);
    expect_op(M64, "c4 e2 71 f7 c2", X86_OP_SHLX);
    expect_op(M64, "c4 e2 72 f7 c2", X86_OP_SARX);
    expect_op(M64, "c4 e2 73 f7 c2", X86_OP_SHRX);
    expect_op(M32, "c4 e3 7b f0 c1 05", X86_OP_RORX);
    expect_ud(M64, "c4 e3 78 f0 c1 05");                       /* RORX needs F2 */
}

static void test_vex_ud(void)
{
    /* the legacy-encoded opcodes of the same bytes are not VEX rows */
    expect_ud(M64, "c4 e2 78 f0 00");                          /* MOVBE is not VEX */
    expect_ud(M64, "c4 e2 7b f1 c0");                          /* nor CRC32 */
    expect_ud(M64, "c4 e2 79 f6 c0");                          /* nor ADCX */
    expect_ud(M64, "c4 e2 78 f4 c0");
    /* AVX is not implemented: every other VEX opcode is #UD */
    expect_ud(M64, "c5 f8 58 c1");                             /* vaddps */
    expect_ud(M64, "c4 e2 79 00 c1");                          /* vpshufb */
    expect_ud(M32, "c5 f8 77");                                /* vzeroupper */
    /* VEX.mmmmm: 1-3 only */
    expect_ud(M64, "c4 e0 70 f2 c2");
    expect_ud(M64, "c4 e4 70 f2 c2");
    expect_ud(M64, "c4 ff 70 f2 c2");
    /* VEX.L = 1 on LZ rows */
    expect_ud(M64, "c4 e2 74 f2 c2");
    expect_ud(M32, "c4 e3 7f f0 c1 05");
    /* VEX.vvvv must be 1111b where unused: all four bits, also in 32-bit mode (host-checked) */
    expect_ud(M64, "c4 e3 73 f0 c1 05");
    expect_ud(M32, "c4 e3 3b f0 c1 05");
    /* 66, F2, F3, LOCK or REX before VEX (2.3.2-2.3.4) */
    static const char *const before[] = { "66", "f2", "f3", "f0", "40", "48", "41" };
    for (unsigned k = 0; k < G_N_ELEMENTS(before); k++) {
        char hex[64];
        snprintf(hex, sizeof(hex), "%s c4 e2 70 f2 c2", before[k]);
        expect_ud(M64, hex);
        if (before[k][0] != '4') {
            expect_ud(M32, hex);
        }
    }
    /* ... but the length is settled first (2.3.11): 16 bytes is #GP */
    expect_result(M64, "66 26 26 26 26 26 c4 e2 70 f2 84 24 00 00 00 00",
                  X86_DECODE_TOO_LONG);
    expect_result(M64, "26 26 26 26 26 26 c4 e2 70 f2 84 24 00 00 00 00",
                  X86_DECODE_TOO_LONG);
    expect_op(M64, "26 26 26 26 26 c4 e2 70 f2 84 24 00 00 00 00", X86_OP_ANDN);
}

/* Outside 64-bit mode C4/C5 are LES/LDS unless the next byte has bits 7:6 = 11b. */
static void test_vex_or_les(void)
{
    for (int m = M16; m <= M32; m++) {
        for (unsigned b = 0; b < 0xc0; b++) {
            char hex[64];
            X86Insn i;
            snprintf(hex, sizeof(hex), "c4 %02x 00 00 00 00 00 00", b);
            int r = decode(m, hex, &i);
            g_assert_cmpint(r, >, 0);
            g_assert_cmpuint(i.op, ==, X86_OP_LES);
            g_assert_cmpuint(i.vex, ==, 0);
            hex[1] = '5';
            r = decode(m, hex, &i);
            g_assert_cmpint(r, >, 0);
            g_assert_cmpuint(i.op, ==, X86_OP_LDS);
        }
        X86Insn i = expect_op(m, "66 c4 08", X86_OP_LES);          /* 66 is fine for LES */
        g_assert_cmpuint(i.opsize, ==, m == M16 ? 4 : 2);
        expect_op(m, "c4 e2 70 f2 c2", X86_OP_ANDN);
        expect_ud(m, "c5 c0 f2 c2");
    }
    expect_ud(M64, "c4 08");                                    /* 64-bit mode: always VEX */
}

/* ---- the 15-byte limit, SDM vol. 2A 2.3.11 ---- */

static void test_length_limit(void)
{
    GString *s = g_string_new(NULL);

    for (int k = 0; k < 14; k++) {
        g_string_append(s, "66 ");
    }
    g_string_append(s, "90");
    X86Insn i = expect_op(M32, s->str, X86_OP_NOP);        /* exactly 15 */
    g_assert_cmpuint(i.len, ==, 15);
    g_string_prepend(s, "66 ");
    expect_result(M32, s->str, X86_DECODE_TOO_LONG);        /* 16 */

    /* too long through the displacement and immediate: 5 + 3 + 4 + 4 = 16 */
    expect_result(M32, "26 26 26 26 26 c7 84 24 00 00 00 00 00 00 00 00", X86_DECODE_TOO_LONG);
    expect_op(M32, "26 26 26 26 c7 84 24 00 00 00 00 00 00 00 00", X86_OP_MOV);
    /* the length is settled before LOCK validity: #GP, not #UD */
    expect_result(M32, "f0 f0 f0 f0 f0 c7 84 24 00 00 00 00 00 00 00 00",
                  X86_DECODE_TOO_LONG);
    expect_ud(M32, "f0 f0 f0 f0 c7 84 24 00 00 00 00 00 00 00 00");
    /* 15 bytes of prefixes: too long with 15 bytes available, more needed with fewer */
    g_string_truncate(s, 0);
    for (int k = 0; k < 15; k++) {
        g_string_append(s, "f3 ");
    }
    g_string_truncate(s, s->len - 1);
    expect_result(M64, s->str, X86_DECODE_TOO_LONG);
    X86Insn insn;
    g_assert_cmpint(decode_avail(M64, s->str, 10, &insn), ==, X86_DECODE_NEED_MORE);
    g_string_free(s, TRUE);
}

/* ---- truncation: NEED_MORE at every point ---- */

static void test_need_more(void)
{
    static const struct {
        X86DecodeMode mode;
        const char *hex;
    } cases[] = {
        { M64, "f0 48 81 84 88 00 01 00 00 78 56 34 12" },  /* prefixes, REX, ModRM, SIB, disp32, imm32 */
        { M64, "48 8b 05 10 00 00 00" },
        { M64, "48 b8 88 77 66 55 44 33 22 11" },
        { M64, "48 a1 88 77 66 55 44 33 22 11" },
        { M64, "66 0f 3a 0f c1 08" },
        { M64, "66 f2 0f 38 f1 44 24 08" },
        { M32, "ea 78 56 34 12 34 12" },
        { M32, "c8 10 00 01" },
        { M32, "0f 84 fc ff ff ff" },
        { M32, "f3 0f 1e fa" },
        { M32, "d9 e0" },
        { M32, "dd 84 24 00 01 00 00" },
        { M32, "f2 0f 78 c1 04 08" },
        { M16, "8b 86 00 80" },
        { M16, "67 8b 04 8d 00 10 00 00" },
        { M16, "9a 78 56 34 12" },
        { M64, "c4 02 80 f2 44 51 08" },                    /* VEX3, SIB, disp8 */
        { M64, "2e c4 e2 70 f2 05 10 00 00 00" },           /* VEX3, RIP-relative */
        { M32, "c4 e3 7b f0 c1 05" },                       /* RORX: imm8 */
        { M16, "c4 e2 70 f2 86 00 10" },                    /* 16-bit addressing */
        { M32, "c4 08" },                                   /* LES */
    };

    for (unsigned k = 0; k < G_N_ELEMENTS(cases); k++) {
        uint8_t bytes[32];
        size_t len = parse_hex(cases[k].hex, bytes, sizeof(bytes));
        X86Insn insn;

        g_assert_cmpint(decode(cases[k].mode, cases[k].hex, &insn), ==, (int)len);
        for (size_t avail = 0; avail < len; avail++) {
            int r = decode_avail(cases[k].mode, cases[k].hex, avail, &insn);
            if (r != X86_DECODE_NEED_MORE) {
                g_test_message("%s with %zu bytes: %d", cases[k].hex, avail, r);
            }
            g_assert_cmpint(r, ==, X86_DECODE_NEED_MORE);
        }
    }
    /* an opcode that is #UD whatever follows needs no more bytes */
    X86Insn insn;
    g_assert_cmpint(decode_avail(M64, "06 00 00", 1, &insn), ==, X86_DECODE_UD);
    g_assert_cmpint(decode_avail(M32, "0f 04 00", 2, &insn), ==, X86_DECODE_UD);
    g_assert_cmpint(decode_avail(M64, "c5 f8 77", 3, &insn), ==, X86_DECODE_UD);
    g_assert_cmpint(decode_avail(M64, "c4 e1 78 77", 4, &insn), ==, X86_DECODE_UD);
    g_assert_cmpint(decode_avail(M64, "c4 e0 78 f2 c0", 2, &insn), ==, X86_DECODE_UD);  /* map 0 */
    g_assert_cmpint(decode_avail(M64, "c4 08", 2, &insn), ==, X86_DECODE_UD);             /* map 8 */
    /* VEX needs the byte after C4/C5 (and outside 64-bit mode, to tell it from LES/LDS) */
    g_assert_cmpint(decode_avail(M64, "c5 f8 77", 1, &insn), ==, X86_DECODE_NEED_MORE);
    g_assert_cmpint(decode_avail(M32, "c4 e2 70 f2 c2", 1, &insn), ==, X86_DECODE_NEED_MORE);
}

/* ---- the table ---- */

/* Bytes that select this row in this mode, if the simple recipe finds them. */
static bool row_reachable(unsigned index, X86DecodeMode mode)
{
    const X86OpcodeRow *row = &x86_opcode_table[index];
    static const uint8_t mp_byte[] = { 0, 0, 0x66, 0xf3, 0xf2, 0 };
    static const uint8_t vex_pp[] = { 0, 0, 1, 2, 3, 0 };

    for (unsigned modrm = 0; modrm < 256; modrm++) {
        uint8_t b[24] = { 0 };
        unsigned n = 0;
        X86Insn insn;

        if (row->flags & X86_ROW_VEX) {
            /* C4, R X B = 1 and the map, W0 vvvv = 1111 L0 pp, opcode, ModRM */
            b[n++] = 0xc4;
            b[n++] = 0xe0 | (row->opcode > 0xffff ? ((row->opcode >> 8) == 0x0f38 ? 2 : 3) : 1);
            b[n++] = 0x78 | vex_pp[row->mandatory];
            b[n++] = row->opcode;
            b[n] = modrm;
            if (x86_decode(b, sizeof(b), mode, &insn) > 0 && insn.row == index) {
                return true;
            }
            continue;
        }
        if (mp_byte[row->mandatory]) {
            b[n++] = mp_byte[row->mandatory];
        }
        if (row->opcode > 0xffff) {
            b[n++] = 0x0f;
            b[n++] = row->opcode >> 8;
        } else if (row->opcode > 0xff) {
            b[n++] = 0x0f;
        }
        b[n++] = row->opcode;
        b[n] = modrm;
        if (x86_decode(b, sizeof(b), mode, &insn) > 0 && insn.row == index) {
            return true;
        }
    }
    return false;
}

static void test_every_row_reachable(void)
{
    g_assert_cmpuint(x86_opcode_table_len, >, 900);
    for (unsigned k = 0; k < x86_opcode_table_len; k++) {
        const X86OpcodeRow *row = &x86_opcode_table[k];
        bool found = false;

        g_assert_cmpuint(row->op, >, X86_OP_NONE);
        g_assert_cmpuint(row->op, <, X86_OP_COUNT);
        for (unsigned o = 0; o < 4; o++) {
            g_assert_cmpuint(row->operand[o], <, X86_OPK_COUNT);
        }
        for (int m = M16; m <= M64; m++) {
            found = found || row_reachable(k, m);
        }
        if (!found) {
            g_test_message("row %u (opcode %x %s) never decodes", k, row->opcode,
                           x86_op_name(row->op));
        }
        g_assert_true(found);
    }
}

static void test_names_and_dump(void)
{
    g_assert_cmpstr(x86_op_name(X86_OP_ADD), ==, "ADD");
    g_assert_cmpstr(x86_op_name(X86_OP_MOV_CR), ==, "MOV_CR");
    g_assert_cmpstr(x86_op_name(X86_OP_COUNT), ==, "?");
    g_assert_cmpstr(x86_operand_kind_name(X86_OPK_Ev), ==, "Ev");
    g_assert_cmpstr(x86_operand_kind_name(X86_OPK_COUNT), ==, "?");

    X86Insn i = expect_op(M64, "f0 48 01 44 88 08", X86_OP_ADD);
    char buf[256];
    x86_insn_dump(&i, buf, sizeof(buf));
    g_assert_nonnull(strstr(buf, "ADD Ev,Gv"));
    g_assert_nonnull(strstr(buf, "lock"));
    g_assert_nonnull(strstr(buf, "mem=ds:[r0+r1*4+8]"));
    char tiny[8];
    g_assert_cmpint(x86_insn_dump(&i, tiny, sizeof(tiny)), >, 8);  /* truncates safely */
    g_assert_cmpuint(strlen(tiny), ==, 7);
    g_assert_cmpuint(sizeof(X86Insn), ==, 40);
}

static void test_operand_sizes(void)
{
    X86Insn i = expect_op(M64, "48 0f b6 c0", X86_OP_MOVZX);
    g_assert_cmpuint(x86_operand_size(&i, X86_OPK_Gv), ==, 8);
    g_assert_cmpuint(x86_operand_size(&i, X86_OPK_Eb), ==, 1);
    i = expect_op(M32, "66 e5 10", X86_OP_IN);
    g_assert_cmpuint(x86_operand_size(&i, X86_OPK_eAX), ==, 2);
    i = expect_op(M64, "48 e5 10", X86_OP_IN);
    g_assert_cmpuint(x86_operand_size(&i, X86_OPK_eAX), ==, 4);
    i = expect_op(M32, "0f 00 00", X86_OP_SLDT);
    g_assert_cmpuint(x86_operand_size(&i, X86_OPK_RvMw), ==, 2);
    i = expect_op(M32, "0f 00 c0", X86_OP_SLDT);
    g_assert_cmpuint(x86_operand_size(&i, X86_OPK_RvMw), ==, 4);
    i = expect_op(M32, "66 0f 38 20 00", X86_OP_PMOVSXBW);
    g_assert_cmpuint(x86_operand_size(&i, X86_OPK_UxMq), ==, 8);
    g_assert_cmpuint(x86_operand_size(&i, X86_OPK_Vx), ==, 16);
    i = expect_op(M32, "db 28", X86_OP_FLD);
    g_assert_cmpuint(x86_operand_size(&i, X86_OPK_M80fp), ==, 10);
    g_assert_cmpuint(x86_operand_size(&i, X86_OPK_M), ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/decode/modrm/register", test_modrm_register_forms);
    g_test_add_func("/decode/modrm/sib", test_sib_forms);
    g_test_add_func("/decode/modrm/rip-relative", test_rip_relative);
    g_test_add_func("/decode/modrm/16bit", test_16bit_addressing);
    g_test_add_func("/decode/immediates", test_immediates);
    g_test_add_func("/decode/prefixes", test_prefix_rules);
    g_test_add_func("/decode/rex", test_rex_rules);
    g_test_add_func("/decode/64bit/invalid", test_64bit_invalid);
    g_test_add_func("/decode/64bit/operand-size", test_64bit_operand_size);
    g_test_add_func("/decode/ud/lock", test_lock_rules);
    g_test_add_func("/decode/ud/registers", test_register_rules);
    g_test_add_func("/decode/groups", test_group_and_escape_rows);
    g_test_add_func("/decode/vex/fields", test_vex_fields);
    g_test_add_func("/decode/vex/rows", test_vex_rows);
    g_test_add_func("/decode/vex/ud", test_vex_ud);
    g_test_add_func("/decode/vex/les-lds", test_vex_or_les);
    g_test_add_func("/decode/length-limit", test_length_limit);
    g_test_add_func("/decode/need-more", test_need_more);
    g_test_add_func("/decode/table/rows-reachable", test_every_row_reachable);
    g_test_add_func("/decode/names-and-dump", test_names_and_dump);
    g_test_add_func("/decode/operand-sizes", test_operand_sizes);
    return g_test_run();
}
