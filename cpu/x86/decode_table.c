/* The x86 opcode table in the SDM's operand notation: SDM vol. 2D appendix A, one row per form. */
#include "cpu/x86/decode.h"

/*
 * How to read a row.  Each row is one line of SDM vol. 2D tables A-2 (one
 * byte), A-3 (0F), A-4/A-5 (0F 38, 0F 3A), A-6 (groups by ModRM.reg) and
 * A-7..A-22 (x87), written as the SDM writes it:
 *
 *     OP(0x00, LK, ADD, Eb, Gb)            opcode, flags, operation, operands
 *     GRP(0x80, 7, 0, CMP, Eb, Ib)         opcode /reg
 *     GRPM / GRPR                          /reg, memory (mod != 3) / register (mod = 3) forms
 *     MODRM(0x0F01, 0xC1, 0, VMCALL)       one exact ModRM byte (mod = 3)
 *     P(0x0F58, 66, 0, ADDPD, Vpd, Wpd)    mandatory prefix NP/66/F3/F2 (SDM 2.1.2)
 *     PGRP / PGRPM / PGRPR / PMODRM        the same with a mandatory prefix
 *     OP8(0x50, D64, PUSH, Zv)             eight opcodes with the register in bits 2:0
 *     VEX_LZ(0x0F38F2, NONE, 0, ANDN, Gy, By, Ey)   VEX.LZ.0F38 F2: VEX-encoded, VEX.pp as
 *                                          the mandatory prefix, VEX.L = 0 (SDM 3.1.1.2)
 *     VEX_LZ_GRP                           the same with a ModRM.reg extension
 *
 * Flags are the superscripts of table A-1 (I64 = i64, O64 = o64, D64 = d64,
 * F64 = f64), LK where the LOCK prefix is allowed (SDM vol. 2B "LOCK"), BR
 * for control transfers and STRING for string instructions.
 *
 * Operand kinds that name memory (M...) or only registers (R, U, N, STi)
 * restrict ModRM.mod by themselves; the decoder derives that.  A row with a
 * mandatory prefix (NP, 66, F3, F2; NFx: no F2/F3, 66 sizes operands) is
 * taken only with that prefix; an encoding with a prefix that no row of the
 * opcode has is #UD unless the opcode has rows without a mandatory prefix,
 * which are then taken (see decode.c).  Rows for one opcode may be in any
 * order; the first match wins.
 *
 * Beyond the Intel SDM the table has the AMD forms current CPUs execute: SVM
 * (0F 01 D8-DF) and SSE4a (0F 78/79, F2/F3 0F 2B), from AMD APM vol. 3/4; and
 * the undocumented x87 aliases and SALC that Intel and AMD hardware execute.
 * VEX-encoded rows are only those of BMI1/BMI2 (tables rows marked
 * "v" with B operands): every other VEX opcode decodes as #UD, tandem models
 * a CPU without AVX.  Not here: EVEX/XOP (62, 8F map 8+ decode as #UD),
 * 3DNow! (0F 0E, 0F 0F), MPX (0F 1A/1B are hint NOPs, as on CPUs without
 * MPX), and instructions newer than SSE4.2/SHA/RDPID/BMI2.
 */

#define K(a) X86_OPK_##a
#define OPS0() { 0 }
#define OPS1(a) { K(a) }
#define OPS2(a, b) { K(a), K(b) }
#define OPS3(a, b, c) { K(a), K(b), K(c) }
#define OPS4(a, b, c, d) { K(a), K(b), K(c), K(d) }
#define PICK_OPS(_0, _1, _2, _3, _4, n, ...) n
#define OPERANDS(...) PICK_OPS(_0, ##__VA_ARGS__, OPS4, OPS3, OPS2, OPS1, OPS0)(__VA_ARGS__)

#define ROW(opc, mp, r, md, m, fl, name, ...)                                  \
    { .opcode = (opc), .op = X86_OP_##name, .flags = (fl),                      \
      .operand = OPERANDS(__VA_ARGS__), .mandatory = X86_MP_##mp, .reg = (r),   \
      .mod = X86_MOD_##md, .rm = (m) }

#define OP(opc, fl, name, ...) ROW(opc, ANY, -1, ANY, -1, fl, name, ##__VA_ARGS__)
#define GRP(opc, r, fl, name, ...) ROW(opc, ANY, r, ANY, -1, fl, name, ##__VA_ARGS__)
#define GRPM(opc, r, fl, name, ...) ROW(opc, ANY, r, MEM, -1, fl, name, ##__VA_ARGS__)
#define GRPR(opc, r, fl, name, ...) ROW(opc, ANY, r, REG, -1, fl, name, ##__VA_ARGS__)
#define MODRM(opc, b, fl, name, ...) \
    ROW(opc, ANY, ((b) >> 3) & 7, REG, (b) & 7, fl, name, ##__VA_ARGS__)
#define P(opc, mp, fl, name, ...) ROW(opc, mp, -1, ANY, -1, fl, name, ##__VA_ARGS__)
#define PGRP(opc, mp, r, fl, name, ...) ROW(opc, mp, r, ANY, -1, fl, name, ##__VA_ARGS__)
#define PGRPM(opc, mp, r, fl, name, ...) ROW(opc, mp, r, MEM, -1, fl, name, ##__VA_ARGS__)
#define PGRPR(opc, mp, r, fl, name, ...) ROW(opc, mp, r, REG, -1, fl, name, ##__VA_ARGS__)
#define PMODRM(opc, mp, b, fl, name, ...) \
    ROW(opc, mp, ((b) >> 3) & 7, REG, (b) & 7, fl, name, ##__VA_ARGS__)
#define VEX_LZ(opc, mp, fl, name, ...) \
    ROW(opc, mp, -1, ANY, -1, X86_ROW_VEX | X86_ROW_VEX_L0 | (fl), name, ##__VA_ARGS__)
#define VEX_LZ_GRP(opc, mp, r, fl, name, ...) \
    ROW(opc, mp, r, ANY, -1, X86_ROW_VEX | X86_ROW_VEX_L0 | (fl), name, ##__VA_ARGS__)
#define OP8(opc, fl, name, ...)                                                 \
    OP((opc) + 0, fl, name, ##__VA_ARGS__), OP((opc) + 1, fl, name, ##__VA_ARGS__), \
    OP((opc) + 2, fl, name, ##__VA_ARGS__), OP((opc) + 3, fl, name, ##__VA_ARGS__), \
    OP((opc) + 4, fl, name, ##__VA_ARGS__), OP((opc) + 5, fl, name, ##__VA_ARGS__), \
    OP((opc) + 6, fl, name, ##__VA_ARGS__), OP((opc) + 7, fl, name, ##__VA_ARGS__)

/* The six ALU forms of 00-3D: Eb,Gb  Ev,Gv  Gb,Eb  Gv,Ev  AL,Ib  rAX,Iz */
#define ALU6(base, lk, name)                                                    \
    OP((base) + 0, lk, name, Eb, Gb), OP((base) + 1, lk, name, Ev, Gv),         \
    OP((base) + 2, 0, name, Gb, Eb), OP((base) + 3, 0, name, Gv, Ev),           \
    OP((base) + 4, 0, name, AL, Ib), OP((base) + 5, 0, name, rAX, Iz)

/* Group 1 (80-83 /0-7), SDM table A-6 */
#define GROUP1(opc, fl, dst, src)                                               \
    GRP(opc, 0, LK | (fl), ADD, dst, src), GRP(opc, 1, LK | (fl), OR, dst, src),  \
    GRP(opc, 2, LK | (fl), ADC, dst, src), GRP(opc, 3, LK | (fl), SBB, dst, src), \
    GRP(opc, 4, LK | (fl), AND, dst, src), GRP(opc, 5, LK | (fl), SUB, dst, src), \
    GRP(opc, 6, LK | (fl), XOR, dst, src), GRP(opc, 7, (fl), CMP, dst, src)

/* Group 2 (C0, C1, D0-D3 /0-7).  /6 is blank in table A-6; hardware executes it as SHL. */
#define GROUP2(opc, dst, src)                                                   \
    GRP(opc, 0, 0, ROL, dst, src), GRP(opc, 1, 0, ROR, dst, src),               \
    GRP(opc, 2, 0, RCL, dst, src), GRP(opc, 3, 0, RCR, dst, src),               \
    GRP(opc, 4, 0, SHL, dst, src), GRP(opc, 5, 0, SHR, dst, src),               \
    GRP(opc, 6, 0, SHL, dst, src), GRP(opc, 7, 0, SAR, dst, src)

/* An MMX form (NP, Pq,Qq) and its SSE2 form (66, Vx,Wx): most of 0F 60-FE and 0F 38 00-1E */
#define MMX_SSE(opc, name)                                                      \
    P(opc, NONE, 0, name, Pq, Qq), P(opc, 66, 0, name, Vx, Wx)

/* The four forms of an SSE arithmetic opcode: PS (NP), PD (66), SS (F3), SD (F2) */
#define SSE4(opc, ps, pd, ss, sd)                                               \
    P(opc, NONE, 0, ps, Vps, Wps), P(opc, 66, 0, pd, Vpd, Wpd),                 \
    P(opc, F3, 0, ss, Vss, Wss), P(opc, F2, 0, sd, Vsd, Wsd)

/* x87 D8/DC/DA/DE memory forms: eight operations on one memory type */
#define X87_ARITH_MEM(opc, type)                                                \
    GRP(opc, 0, 0, FADD, type), GRP(opc, 1, 0, FMUL, type),                     \
    GRP(opc, 2, 0, FCOM, type), GRP(opc, 3, 0, FCOMP, type),                    \
    GRP(opc, 4, 0, FSUB, type), GRP(opc, 5, 0, FSUBR, type),                    \
    GRP(opc, 6, 0, FDIV, type), GRP(opc, 7, 0, FDIVR, type)
#define X87_IARITH_MEM(opc, type)                                               \
    GRP(opc, 0, 0, FIADD, type), GRP(opc, 1, 0, FIMUL, type),                   \
    GRP(opc, 2, 0, FICOM, type), GRP(opc, 3, 0, FICOMP, type),                  \
    GRP(opc, 4, 0, FISUB, type), GRP(opc, 5, 0, FISUBR, type),                  \
    GRP(opc, 6, 0, FIDIV, type), GRP(opc, 7, 0, FIDIVR, type)

#define LK X86_ROW_LOCK
#define I64 X86_ROW_I64
#define O64 X86_ROW_O64
#define D64 X86_ROW_D64
#define F64 X86_ROW_F64
#define BR X86_ROW_BRANCH
#define STRING X86_ROW_STRING
#define MODIGN X86_ROW_MODIGN

const X86OpcodeRow x86_opcode_table[] = {
    /* ---- One-byte opcode map, SDM vol. 2D table A-2 ---- */
    ALU6(0x00, LK, ADD),
    OP(0x06, I64, PUSH, ES),
    OP(0x07, I64, POP, ES),
    ALU6(0x08, LK, OR),
    OP(0x0E, I64, PUSH, CS),
    ALU6(0x10, LK, ADC),
    OP(0x16, I64, PUSH, SS),
    OP(0x17, I64, POP, SS),
    ALU6(0x18, LK, SBB),
    OP(0x1E, I64, PUSH, DS),
    OP(0x1F, I64, POP, DS),
    ALU6(0x20, LK, AND),
    OP(0x27, I64, DAA),
    ALU6(0x28, LK, SUB),
    OP(0x2F, I64, DAS),
    ALU6(0x30, LK, XOR),
    OP(0x37, I64, AAA),
    ALU6(0x38, 0, CMP),
    OP(0x3F, I64, AAS),
    OP8(0x40, I64, INC, Zv),                /* REX prefixes in 64-bit mode */
    OP8(0x48, I64, DEC, Zv),
    OP8(0x50, D64, PUSH, Zv),
    OP8(0x58, D64, POP, Zv),
    OP(0x60, I64, PUSHA),
    OP(0x61, I64, POPA),
    OP(0x62, I64, BOUND, Gv, Ma),           /* EVEX in 64-bit mode; mod = 3 is EVEX too */
    OP(0x63, I64, ARPL, Ew, Gw),
    OP(0x63, O64, MOVSXD, Gv, Ed),
    OP(0x68, D64, PUSH, Iz),
    OP(0x69, 0, IMUL, Gv, Ev, Iz),
    OP(0x6A, D64, PUSH, Ib),
    OP(0x6B, 0, IMUL, Gv, Ev, Ib),
    OP(0x6C, STRING, INS, Yb, DX),
    OP(0x6D, STRING, INS, Yz, DX),
    OP(0x6E, STRING, OUTS, DX, Xb),
    OP(0x6F, STRING, OUTS, DX, Xz),
    OP8(0x70, F64 | BR, JCC, Jb),           /* condition in bits 3:0 */
    OP8(0x78, F64 | BR, JCC, Jb),
    GROUP1(0x80, 0, Eb, Ib),
    GROUP1(0x81, 0, Ev, Iz),
    GROUP1(0x82, I64, Eb, Ib),
    GROUP1(0x83, 0, Ev, Ib),
    OP(0x84, 0, TEST, Eb, Gb),
    OP(0x85, 0, TEST, Ev, Gv),
    OP(0x86, LK, XCHG, Eb, Gb),
    OP(0x87, LK, XCHG, Ev, Gv),
    OP(0x88, 0, MOV, Eb, Gb),
    OP(0x89, 0, MOV, Ev, Gv),
    OP(0x8A, 0, MOV, Gb, Eb),
    OP(0x8B, 0, MOV, Gv, Ev),
    OP(0x8C, 0, MOV_SR, Ev, Sw),
    OP(0x8D, 0, LEA, Gv, M),
    OP(0x8E, 0, MOV_SR, Sw, Ew),
    GRP(0x8F, 0, D64, POP, Ev),             /* group 1A; /1-7 are XOP on AMD */
    P(0x90, F3, 0, PAUSE),
    OP(0x90, 0, NOP),                       /* with REX.B: XCHG r8, rAX (decode.c) */
    OP(0x91, 0, XCHG, Zv, rAX),
    OP(0x92, 0, XCHG, Zv, rAX),
    OP(0x93, 0, XCHG, Zv, rAX),
    OP(0x94, 0, XCHG, Zv, rAX),
    OP(0x95, 0, XCHG, Zv, rAX),
    OP(0x96, 0, XCHG, Zv, rAX),
    OP(0x97, 0, XCHG, Zv, rAX),
    OP(0x98, 0, CBW),                       /* CBW/CWDE/CDQE */
    OP(0x99, 0, CWD),                       /* CWD/CDQ/CQO */
    OP(0x9A, I64 | BR, CALLF, Ap),
    OP(0x9B, 0, WAIT),
    OP(0x9C, D64, PUSHF),
    OP(0x9D, D64, POPF),
    OP(0x9E, 0, SAHF),
    OP(0x9F, 0, LAHF),
    OP(0xA0, 0, MOV, AL, Ob),
    OP(0xA1, 0, MOV, rAX, Ov),
    OP(0xA2, 0, MOV, Ob, AL),
    OP(0xA3, 0, MOV, Ov, rAX),
    OP(0xA4, STRING, MOVS, Yb, Xb),
    OP(0xA5, STRING, MOVS, Yv, Xv),
    OP(0xA6, STRING, CMPS, Xb, Yb),
    OP(0xA7, STRING, CMPS, Xv, Yv),
    OP(0xA8, 0, TEST, AL, Ib),
    OP(0xA9, 0, TEST, rAX, Iz),
    OP(0xAA, STRING, STOS, Yb, AL),
    OP(0xAB, STRING, STOS, Yv, rAX),
    OP(0xAC, STRING, LODS, AL, Xb),
    OP(0xAD, STRING, LODS, rAX, Xv),
    OP(0xAE, STRING, SCAS, AL, Yb),
    OP(0xAF, STRING, SCAS, rAX, Yv),
    OP8(0xB0, 0, MOV, Zb, Ib),
    OP8(0xB8, 0, MOV, Zv, Iv),
    GROUP2(0xC0, Eb, Ib),
    GROUP2(0xC1, Ev, Ib),
    OP(0xC2, F64 | BR, RET, Iw),
    OP(0xC3, F64 | BR, RET),
    OP(0xC4, I64, LES, Gz, Mp),             /* VEX3 in 64-bit mode or with mod = 3 */
    OP(0xC5, I64, LDS, Gz, Mp),             /* VEX2 likewise */
    GRP(0xC6, 0, 0, MOV, Eb, Ib),           /* group 11 */
    MODRM(0xC6, 0xF8, 0, XABORT, Ib),
    GRP(0xC7, 0, 0, MOV, Ev, Iz),
    MODRM(0xC7, 0xF8, BR, XBEGIN, Jz),
    OP(0xC8, D64, ENTER, Iw, Ib),
    OP(0xC9, D64, LEAVE),
    OP(0xCA, BR, RETF, Iw),
    OP(0xCB, BR, RETF),
    OP(0xCC, BR, INT3),
    OP(0xCD, BR, INT, Ib),
    OP(0xCE, I64 | BR, INTO),
    OP(0xCF, BR, IRET),                     /* IRET/IRETD/IRETQ */
    GROUP2(0xD0, Eb, ONE),
    GROUP2(0xD1, Ev, ONE),
    GROUP2(0xD2, Eb, CL),
    GROUP2(0xD3, Ev, CL),
    OP(0xD4, I64, AAM, Ib),
    OP(0xD5, I64, AAD, Ib),
    OP(0xD6, I64, SALC),                    /* blank in table A-2; executed by hardware */
    OP(0xD7, 0, XLAT),
    OP(0xE0, F64 | BR, LOOPNE, Jb),
    OP(0xE1, F64 | BR, LOOPE, Jb),
    OP(0xE2, F64 | BR, LOOP, Jb),
    OP(0xE3, F64 | BR, JCXZ, Jb),           /* JCXZ/JECXZ/JRCXZ by address size */
    OP(0xE4, 0, IN, AL, Ib),
    OP(0xE5, 0, IN, eAX, Ib),
    OP(0xE6, 0, OUT, Ib, AL),
    OP(0xE7, 0, OUT, Ib, eAX),
    OP(0xE8, F64 | BR, CALL, Jz),
    OP(0xE9, F64 | BR, JMP, Jz),
    OP(0xEA, I64 | BR, JMPF, Ap),
    OP(0xEB, F64 | BR, JMP, Jb),
    OP(0xEC, 0, IN, AL, DX),
    OP(0xED, 0, IN, eAX, DX),
    OP(0xEE, 0, OUT, DX, AL),
    OP(0xEF, 0, OUT, DX, eAX),
    OP(0xF1, BR, INT1),
    OP(0xF4, BR, HLT),
    OP(0xF5, 0, CMC),
    GRP(0xF6, 0, 0, TEST, Eb, Ib),          /* group 3 */
    GRP(0xF6, 1, 0, TEST, Eb, Ib),          /* blank in table A-6; hardware: TEST */
    GRP(0xF6, 2, LK, NOT, Eb),
    GRP(0xF6, 3, LK, NEG, Eb),
    GRP(0xF6, 4, 0, MUL, Eb),
    GRP(0xF6, 5, 0, IMUL, Eb),
    GRP(0xF6, 6, 0, DIV, Eb),
    GRP(0xF6, 7, 0, IDIV, Eb),
    GRP(0xF7, 0, 0, TEST, Ev, Iz),
    GRP(0xF7, 1, 0, TEST, Ev, Iz),
    GRP(0xF7, 2, LK, NOT, Ev),
    GRP(0xF7, 3, LK, NEG, Ev),
    GRP(0xF7, 4, 0, MUL, Ev),
    GRP(0xF7, 5, 0, IMUL, Ev),
    GRP(0xF7, 6, 0, DIV, Ev),
    GRP(0xF7, 7, 0, IDIV, Ev),
    OP(0xF8, 0, CLC),
    OP(0xF9, 0, STC),
    OP(0xFA, 0, CLI),
    OP(0xFB, 0, STI),
    OP(0xFC, 0, CLD),
    OP(0xFD, 0, STD),
    GRP(0xFE, 0, LK, INC, Eb),              /* group 4 */
    GRP(0xFE, 1, LK, DEC, Eb),
    GRP(0xFF, 0, LK, INC, Ev),              /* group 5 */
    GRP(0xFF, 1, LK, DEC, Ev),
    GRP(0xFF, 2, F64 | BR, CALL, Ev),
    GRP(0xFF, 3, BR, CALLF, Mp),
    GRP(0xFF, 4, F64 | BR, JMP, Ev),
    GRP(0xFF, 5, BR, JMPF, Mp),
    GRP(0xFF, 6, D64, PUSH, Ev),

    /* ---- x87 escapes, SDM vol. 2D tables A-7 .. A-22 ---- */
    X87_ARITH_MEM(0xD8, M32fp),
    GRP(0xD8, 0, 0, FADD, ST0, STi),
    GRP(0xD8, 1, 0, FMUL, ST0, STi),
    GRP(0xD8, 2, 0, FCOM, STi),
    GRP(0xD8, 3, 0, FCOMP, STi),
    GRP(0xD8, 4, 0, FSUB, ST0, STi),
    GRP(0xD8, 5, 0, FSUBR, ST0, STi),
    GRP(0xD8, 6, 0, FDIV, ST0, STi),
    GRP(0xD8, 7, 0, FDIVR, ST0, STi),

    GRP(0xD9, 0, 0, FLD, M32fp),
    GRP(0xD9, 2, 0, FST, M32fp),
    GRP(0xD9, 3, 0, FSTP, M32fp),
    GRP(0xD9, 4, 0, FLDENV, M14_28byte),
    GRP(0xD9, 5, 0, FLDCW, M2byte),
    GRP(0xD9, 6, 0, FNSTENV, M14_28byte),
    GRP(0xD9, 7, 0, FNSTCW, M2byte),
    GRP(0xD9, 0, 0, FLD, STi),
    GRP(0xD9, 1, 0, FXCH, STi),
    MODRM(0xD9, 0xD0, 0, FNOP),
    GRP(0xD9, 3, 0, FSTP, STi),             /* D9 D8+i: undocumented alias of DD D8+i */
    MODRM(0xD9, 0xE0, 0, FCHS),
    MODRM(0xD9, 0xE1, 0, FABS),
    MODRM(0xD9, 0xE4, 0, FTST),
    MODRM(0xD9, 0xE5, 0, FXAM),
    MODRM(0xD9, 0xE8, 0, FLD1),
    MODRM(0xD9, 0xE9, 0, FLDL2T),
    MODRM(0xD9, 0xEA, 0, FLDL2E),
    MODRM(0xD9, 0xEB, 0, FLDPI),
    MODRM(0xD9, 0xEC, 0, FLDLG2),
    MODRM(0xD9, 0xED, 0, FLDLN2),
    MODRM(0xD9, 0xEE, 0, FLDZ),
    MODRM(0xD9, 0xF0, 0, F2XM1),
    MODRM(0xD9, 0xF1, 0, FYL2X),
    MODRM(0xD9, 0xF2, 0, FPTAN),
    MODRM(0xD9, 0xF3, 0, FPATAN),
    MODRM(0xD9, 0xF4, 0, FXTRACT),
    MODRM(0xD9, 0xF5, 0, FPREM1),
    MODRM(0xD9, 0xF6, 0, FDECSTP),
    MODRM(0xD9, 0xF7, 0, FINCSTP),
    MODRM(0xD9, 0xF8, 0, FPREM),
    MODRM(0xD9, 0xF9, 0, FYL2XP1),
    MODRM(0xD9, 0xFA, 0, FSQRT),
    MODRM(0xD9, 0xFB, 0, FSINCOS),
    MODRM(0xD9, 0xFC, 0, FRNDINT),
    MODRM(0xD9, 0xFD, 0, FSCALE),
    MODRM(0xD9, 0xFE, 0, FSIN),
    MODRM(0xD9, 0xFF, 0, FCOS),

    X87_IARITH_MEM(0xDA, M32int),
    GRP(0xDA, 0, 0, FCMOVB, ST0, STi),
    GRP(0xDA, 1, 0, FCMOVE, ST0, STi),
    GRP(0xDA, 2, 0, FCMOVBE, ST0, STi),
    GRP(0xDA, 3, 0, FCMOVU, ST0, STi),
    MODRM(0xDA, 0xE9, 0, FUCOMPP),

    GRP(0xDB, 0, 0, FILD, M32int),
    GRP(0xDB, 1, 0, FISTTP, M32int),
    GRP(0xDB, 2, 0, FIST, M32int),
    GRP(0xDB, 3, 0, FISTP, M32int),
    GRP(0xDB, 5, 0, FLD, M80fp),
    GRP(0xDB, 7, 0, FSTP, M80fp),
    GRP(0xDB, 0, 0, FCMOVNB, ST0, STi),
    GRP(0xDB, 1, 0, FCMOVNE, ST0, STi),
    GRP(0xDB, 2, 0, FCMOVNBE, ST0, STi),
    GRP(0xDB, 3, 0, FCMOVNU, ST0, STi),
    MODRM(0xDB, 0xE0, 0, FENI),             /* 8087 leftovers: no-ops since the 387 */
    MODRM(0xDB, 0xE1, 0, FDISI),
    MODRM(0xDB, 0xE2, 0, FNCLEX),
    MODRM(0xDB, 0xE3, 0, FNINIT),
    MODRM(0xDB, 0xE4, 0, FSETPM),
    GRP(0xDB, 5, 0, FUCOMI, ST0, STi),
    GRP(0xDB, 6, 0, FCOMI, ST0, STi),

    X87_ARITH_MEM(0xDC, M64fp),
    GRP(0xDC, 0, 0, FADD, STi, ST0),
    GRP(0xDC, 1, 0, FMUL, STi, ST0),
    GRP(0xDC, 2, 0, FCOM, STi),             /* undocumented alias of D8 D0+i */
    GRP(0xDC, 3, 0, FCOMP, STi),            /* undocumented alias of D8 D8+i */
    GRP(0xDC, 4, 0, FSUBR, STi, ST0),
    GRP(0xDC, 5, 0, FSUB, STi, ST0),
    GRP(0xDC, 6, 0, FDIVR, STi, ST0),
    GRP(0xDC, 7, 0, FDIV, STi, ST0),

    GRP(0xDD, 0, 0, FLD, M64fp),
    GRP(0xDD, 1, 0, FISTTP, M64int),
    GRP(0xDD, 2, 0, FST, M64fp),
    GRP(0xDD, 3, 0, FSTP, M64fp),
    GRP(0xDD, 4, 0, FRSTOR, M94_108byte),
    GRP(0xDD, 6, 0, FNSAVE, M94_108byte),
    GRP(0xDD, 7, 0, FNSTSW, M2byte),
    GRP(0xDD, 0, 0, FFREE, STi),
    GRP(0xDD, 1, 0, FXCH, STi),             /* undocumented alias of D9 C8+i */
    GRP(0xDD, 2, 0, FST, STi),
    GRP(0xDD, 3, 0, FSTP, STi),
    GRP(0xDD, 4, 0, FUCOM, STi),
    GRP(0xDD, 5, 0, FUCOMP, STi),

    X87_IARITH_MEM(0xDE, M16int),
    GRP(0xDE, 0, 0, FADDP, STi, ST0),
    GRP(0xDE, 1, 0, FMULP, STi, ST0),
    GRP(0xDE, 2, 0, FCOMP, STi),            /* undocumented alias of D8 D8+i */
    MODRM(0xDE, 0xD9, 0, FCOMPP),
    GRP(0xDE, 4, 0, FSUBRP, STi, ST0),
    GRP(0xDE, 5, 0, FSUBP, STi, ST0),
    GRP(0xDE, 6, 0, FDIVRP, STi, ST0),
    GRP(0xDE, 7, 0, FDIVP, STi, ST0),

    GRP(0xDF, 0, 0, FILD, M16int),
    GRP(0xDF, 1, 0, FISTTP, M16int),
    GRP(0xDF, 2, 0, FIST, M16int),
    GRP(0xDF, 3, 0, FISTP, M16int),
    GRP(0xDF, 4, 0, FBLD, M80bcd),
    GRP(0xDF, 5, 0, FILD, M64int),
    GRP(0xDF, 6, 0, FBSTP, M80bcd),
    GRP(0xDF, 7, 0, FISTP, M64int),
    GRP(0xDF, 0, 0, FFREEP, STi),           /* AMD-documented; Intel executes it */
    GRP(0xDF, 1, 0, FXCH, STi),             /* undocumented aliases */
    GRP(0xDF, 2, 0, FSTP, STi),
    GRP(0xDF, 3, 0, FSTP, STi),
    MODRM(0xDF, 0xE0, 0, FNSTSW, AX),
    GRP(0xDF, 5, 0, FUCOMIP, ST0, STi),
    GRP(0xDF, 6, 0, FCOMIP, ST0, STi),

    /* ---- Two-byte opcode map (0F xx), SDM vol. 2D table A-3 ---- */
    GRP(0x0F00, 0, 0, SLDT, RvMw),          /* group 6 */
    GRP(0x0F00, 1, 0, STR, RvMw),
    GRP(0x0F00, 2, 0, LLDT, Ew),
    GRP(0x0F00, 3, 0, LTR, Ew),
    GRP(0x0F00, 4, 0, VERR, Ew),
    GRP(0x0F00, 5, 0, VERW, Ew),
    GRP(0x0F01, 0, 0, SGDT, Ms),            /* group 7 */
    GRP(0x0F01, 1, 0, SIDT, Ms),
    GRP(0x0F01, 2, 0, LGDT, Ms),
    GRP(0x0F01, 3, 0, LIDT, Ms),
    GRP(0x0F01, 4, 0, SMSW, RvMw),
    GRP(0x0F01, 6, 0, LMSW, Ew),
    GRP(0x0F01, 7, 0, INVLPG, Mb),
    MODRM(0x0F01, 0xC1, 0, VMCALL),
    MODRM(0x0F01, 0xC2, 0, VMLAUNCH),
    MODRM(0x0F01, 0xC3, 0, VMRESUME),
    MODRM(0x0F01, 0xC4, 0, VMXOFF),
    MODRM(0x0F01, 0xC8, 0, MONITOR),
    MODRM(0x0F01, 0xC9, 0, MWAIT),
    MODRM(0x0F01, 0xCA, 0, CLAC),
    MODRM(0x0F01, 0xCB, 0, STAC),
    MODRM(0x0F01, 0xCF, 0, ENCLS),
    MODRM(0x0F01, 0xD0, 0, XGETBV),
    MODRM(0x0F01, 0xD1, 0, XSETBV),
    MODRM(0x0F01, 0xD4, 0, VMFUNC),
    MODRM(0x0F01, 0xD5, 0, XEND),
    MODRM(0x0F01, 0xD6, 0, XTEST),
    MODRM(0x0F01, 0xD7, 0, ENCLU),
    MODRM(0x0F01, 0xD8, BR, VMRUN),         /* AMD APM vol. 3: SVM */
    MODRM(0x0F01, 0xD9, 0, VMMCALL),
    MODRM(0x0F01, 0xDA, 0, VMLOAD),
    MODRM(0x0F01, 0xDB, 0, VMSAVE),
    MODRM(0x0F01, 0xDC, 0, STGI),
    MODRM(0x0F01, 0xDD, 0, CLGI),
    MODRM(0x0F01, 0xDE, BR, SKINIT),
    MODRM(0x0F01, 0xDF, 0, INVLPGA),
    MODRM(0x0F01, 0xF8, O64, SWAPGS),
    MODRM(0x0F01, 0xF9, 0, RDTSCP),
    OP(0x0F02, 0, LAR, Gv, Ew),
    OP(0x0F03, 0, LSL, Gv, Ew),
    OP(0x0F05, O64 | BR, SYSCALL),
    OP(0x0F06, 0, CLTS),
    OP(0x0F07, O64 | BR, SYSRET),
    OP(0x0F08, 0, INVD),
    OP(0x0F09, 0, WBINVD),
    OP(0x0F0B, BR, UD2),
    GRP(0x0F0D, 1, 0, PREFETCHW, Mb),

    P(0x0F10, NONE, 0, MOVUPS, Vps, Wps),
    P(0x0F10, 66, 0, MOVUPD, Vpd, Wpd),
    P(0x0F10, F3, 0, MOVSS, Vss, Wss),
    P(0x0F10, F2, 0, MOVSD, Vsd, Wsd),
    P(0x0F11, NONE, 0, MOVUPS, Wps, Vps),
    P(0x0F11, 66, 0, MOVUPD, Wpd, Vpd),
    P(0x0F11, F3, 0, MOVSS, Wss, Vss),
    P(0x0F11, F2, 0, MOVSD, Wsd, Vsd),
    P(0x0F12, NONE, 0, MOVLPS, Vq, Mq),
    P(0x0F12, NONE, 0, MOVHLPS, Vq, Uq),
    P(0x0F12, 66, 0, MOVLPD, Vq, Mq),
    P(0x0F12, F3, 0, MOVSLDUP, Vx, Wx),
    P(0x0F12, F2, 0, MOVDDUP, Vx, Wx),
    P(0x0F13, NONE, 0, MOVLPS, Mq, Vq),
    P(0x0F13, 66, 0, MOVLPD, Mq, Vq),
    P(0x0F14, NONE, 0, UNPCKLPS, Vx, Wx),
    P(0x0F14, 66, 0, UNPCKLPD, Vx, Wx),
    P(0x0F15, NONE, 0, UNPCKHPS, Vx, Wx),
    P(0x0F15, 66, 0, UNPCKHPD, Vx, Wx),
    P(0x0F16, NONE, 0, MOVHPS, Vdq, Mq),
    P(0x0F16, NONE, 0, MOVLHPS, Vdq, Uq),
    P(0x0F16, 66, 0, MOVHPD, Vdq, Mq),
    P(0x0F16, F3, 0, MOVSHDUP, Vx, Wx),
    P(0x0F17, NONE, 0, MOVHPS, Mq, Vq),
    P(0x0F17, 66, 0, MOVHPD, Mq, Vq),
    GRPM(0x0F18, 0, 0, PREFETCHNTA, Mb),    /* group 16 */
    GRPM(0x0F18, 1, 0, PREFETCHT0, Mb),
    GRPM(0x0F18, 2, 0, PREFETCHT1, Mb),
    GRPM(0x0F18, 3, 0, PREFETCHT2, Mb),
    OP(0x0F18, 0, NOP, Ev),                 /* the rest of 0F 18-1F: hint NOPs */
    OP(0x0F19, 0, NOP, Ev),
    OP(0x0F1A, 0, NOP, Ev),                 /* MPX BNDLDX/BNDMOV/BNDCL/BNDCU without MPX */
    OP(0x0F1B, 0, NOP, Ev),                 /* MPX BNDSTX/BNDMOV/BNDMK/BNDCN without MPX */
    OP(0x0F1C, 0, NOP, Ev),
    OP(0x0F1D, 0, NOP, Ev),
    PMODRM(0x0F1E, F3, 0xFA, 0, ENDBR64),   /* CET: a NOP where CET is off or absent */
    PMODRM(0x0F1E, F3, 0xFB, 0, ENDBR32),
    OP(0x0F1E, 0, NOP, Ev),
    OP(0x0F1F, 0, NOP, Ev),                 /* the SDM's multi-byte NOP is 0F 1F /0 */
    OP(0x0F20, MODIGN | F64, MOV_CR, Ry, Cd),
    OP(0x0F21, MODIGN | F64, MOV_DR, Ry, Dd),
    OP(0x0F22, MODIGN | F64, MOV_CR, Cd, Ry),
    OP(0x0F23, MODIGN | F64, MOV_DR, Dd, Ry),
    P(0x0F28, NONE, 0, MOVAPS, Vps, Wps),
    P(0x0F28, 66, 0, MOVAPD, Vpd, Wpd),
    P(0x0F29, NONE, 0, MOVAPS, Wps, Vps),
    P(0x0F29, 66, 0, MOVAPD, Wpd, Vpd),
    P(0x0F2A, NONE, 0, CVTPI2PS, Vps, Qpi),
    P(0x0F2A, 66, 0, CVTPI2PD, Vpd, Qpi),
    P(0x0F2A, F3, 0, CVTSI2SS, Vss, Ey),
    P(0x0F2A, F2, 0, CVTSI2SD, Vsd, Ey),
    P(0x0F2B, NONE, 0, MOVNTPS, Mps, Vps),
    P(0x0F2B, 66, 0, MOVNTPD, Mpd, Vpd),
    P(0x0F2B, F3, 0, MOVNTSS, Md, Vss),     /* SSE4a */
    P(0x0F2B, F2, 0, MOVNTSD, Mq, Vsd),     /* SSE4a */
    P(0x0F2C, NONE, 0, CVTTPS2PI, Ppi, Wps),
    P(0x0F2C, 66, 0, CVTTPD2PI, Ppi, Wpd),
    P(0x0F2C, F3, 0, CVTTSS2SI, Gy, Wss),
    P(0x0F2C, F2, 0, CVTTSD2SI, Gy, Wsd),
    P(0x0F2D, NONE, 0, CVTPS2PI, Ppi, Wps),
    P(0x0F2D, 66, 0, CVTPD2PI, Ppi, Wpd),
    P(0x0F2D, F3, 0, CVTSS2SI, Gy, Wss),
    P(0x0F2D, F2, 0, CVTSD2SI, Gy, Wsd),
    P(0x0F2E, NONE, 0, UCOMISS, Vss, Wss),
    P(0x0F2E, 66, 0, UCOMISD, Vsd, Wsd),
    P(0x0F2F, NONE, 0, COMISS, Vss, Wss),
    P(0x0F2F, 66, 0, COMISD, Vsd, Wsd),
    OP(0x0F30, 0, WRMSR),
    OP(0x0F31, 0, RDTSC),
    OP(0x0F32, 0, RDMSR),
    OP(0x0F33, 0, RDPMC),
    OP(0x0F34, BR, SYSENTER),
    OP(0x0F35, BR, SYSEXIT),
    OP(0x0F37, 0, GETSEC),
    OP(0x0F40, 0, CMOVCC, Gv, Ev),          /* condition in bits 3:0 */
    OP(0x0F41, 0, CMOVCC, Gv, Ev),
    OP(0x0F42, 0, CMOVCC, Gv, Ev),
    OP(0x0F43, 0, CMOVCC, Gv, Ev),
    OP(0x0F44, 0, CMOVCC, Gv, Ev),
    OP(0x0F45, 0, CMOVCC, Gv, Ev),
    OP(0x0F46, 0, CMOVCC, Gv, Ev),
    OP(0x0F47, 0, CMOVCC, Gv, Ev),
    OP(0x0F48, 0, CMOVCC, Gv, Ev),
    OP(0x0F49, 0, CMOVCC, Gv, Ev),
    OP(0x0F4A, 0, CMOVCC, Gv, Ev),
    OP(0x0F4B, 0, CMOVCC, Gv, Ev),
    OP(0x0F4C, 0, CMOVCC, Gv, Ev),
    OP(0x0F4D, 0, CMOVCC, Gv, Ev),
    OP(0x0F4E, 0, CMOVCC, Gv, Ev),
    OP(0x0F4F, 0, CMOVCC, Gv, Ev),
    P(0x0F50, NONE, 0, MOVMSKPS, Gy, Ups),
    P(0x0F50, 66, 0, MOVMSKPD, Gy, Upd),
    SSE4(0x0F51, SQRTPS, SQRTPD, SQRTSS, SQRTSD),
    P(0x0F52, NONE, 0, RSQRTPS, Vps, Wps),
    P(0x0F52, F3, 0, RSQRTSS, Vss, Wss),
    P(0x0F53, NONE, 0, RCPPS, Vps, Wps),
    P(0x0F53, F3, 0, RCPSS, Vss, Wss),
    P(0x0F54, NONE, 0, ANDPS, Vps, Wps),
    P(0x0F54, 66, 0, ANDPD, Vpd, Wpd),
    P(0x0F55, NONE, 0, ANDNPS, Vps, Wps),
    P(0x0F55, 66, 0, ANDNPD, Vpd, Wpd),
    P(0x0F56, NONE, 0, ORPS, Vps, Wps),
    P(0x0F56, 66, 0, ORPD, Vpd, Wpd),
    P(0x0F57, NONE, 0, XORPS, Vps, Wps),
    P(0x0F57, 66, 0, XORPD, Vpd, Wpd),
    SSE4(0x0F58, ADDPS, ADDPD, ADDSS, ADDSD),
    SSE4(0x0F59, MULPS, MULPD, MULSS, MULSD),
    P(0x0F5A, NONE, 0, CVTPS2PD, Vpd, Wps),
    P(0x0F5A, 66, 0, CVTPD2PS, Vps, Wpd),
    P(0x0F5A, F3, 0, CVTSS2SD, Vsd, Wss),
    P(0x0F5A, F2, 0, CVTSD2SS, Vss, Wsd),
    P(0x0F5B, NONE, 0, CVTDQ2PS, Vps, Wdq),
    P(0x0F5B, 66, 0, CVTPS2DQ, Vdq, Wps),
    P(0x0F5B, F3, 0, CVTTPS2DQ, Vdq, Wps),
    SSE4(0x0F5C, SUBPS, SUBPD, SUBSS, SUBSD),
    SSE4(0x0F5D, MINPS, MINPD, MINSS, MINSD),
    SSE4(0x0F5E, DIVPS, DIVPD, DIVSS, DIVSD),
    SSE4(0x0F5F, MAXPS, MAXPD, MAXSS, MAXSD),
    P(0x0F60, NONE, 0, PUNPCKLBW, Pq, Qd),
    P(0x0F60, 66, 0, PUNPCKLBW, Vx, Wx),
    P(0x0F61, NONE, 0, PUNPCKLWD, Pq, Qd),
    P(0x0F61, 66, 0, PUNPCKLWD, Vx, Wx),
    P(0x0F62, NONE, 0, PUNPCKLDQ, Pq, Qd),
    P(0x0F62, 66, 0, PUNPCKLDQ, Vx, Wx),
    MMX_SSE(0x0F63, PACKSSWB),
    MMX_SSE(0x0F64, PCMPGTB),
    MMX_SSE(0x0F65, PCMPGTW),
    MMX_SSE(0x0F66, PCMPGTD),
    MMX_SSE(0x0F67, PACKUSWB),
    MMX_SSE(0x0F68, PUNPCKHBW),
    MMX_SSE(0x0F69, PUNPCKHWD),
    MMX_SSE(0x0F6A, PUNPCKHDQ),
    MMX_SSE(0x0F6B, PACKSSDW),
    P(0x0F6C, 66, 0, PUNPCKLQDQ, Vx, Wx),
    P(0x0F6D, 66, 0, PUNPCKHQDQ, Vx, Wx),
    P(0x0F6E, NONE, 0, MOVD, Pd, Ey),       /* MOVD/MOVQ by REX.W */
    P(0x0F6E, 66, 0, MOVD, Vy, Ey),
    P(0x0F6F, NONE, 0, MOVQ, Pq, Qq),
    P(0x0F6F, 66, 0, MOVDQA, Vx, Wx),
    P(0x0F6F, F3, 0, MOVDQU, Vx, Wx),
    P(0x0F70, NONE, 0, PSHUFW, Pq, Qq, Ib),
    P(0x0F70, 66, 0, PSHUFD, Vx, Wx, Ib),
    P(0x0F70, F3, 0, PSHUFHW, Vx, Wx, Ib),
    P(0x0F70, F2, 0, PSHUFLW, Vx, Wx, Ib),
    PGRP(0x0F71, NONE, 2, 0, PSRLW, Nq, Ib), /* group 12 */
    PGRP(0x0F71, 66, 2, 0, PSRLW, Ux, Ib),
    PGRP(0x0F71, NONE, 4, 0, PSRAW, Nq, Ib),
    PGRP(0x0F71, 66, 4, 0, PSRAW, Ux, Ib),
    PGRP(0x0F71, NONE, 6, 0, PSLLW, Nq, Ib),
    PGRP(0x0F71, 66, 6, 0, PSLLW, Ux, Ib),
    PGRP(0x0F72, NONE, 2, 0, PSRLD, Nq, Ib), /* group 13 */
    PGRP(0x0F72, 66, 2, 0, PSRLD, Ux, Ib),
    PGRP(0x0F72, NONE, 4, 0, PSRAD, Nq, Ib),
    PGRP(0x0F72, 66, 4, 0, PSRAD, Ux, Ib),
    PGRP(0x0F72, NONE, 6, 0, PSLLD, Nq, Ib),
    PGRP(0x0F72, 66, 6, 0, PSLLD, Ux, Ib),
    PGRP(0x0F73, NONE, 2, 0, PSRLQ, Nq, Ib), /* group 14 */
    PGRP(0x0F73, 66, 2, 0, PSRLQ, Ux, Ib),
    PGRP(0x0F73, 66, 3, 0, PSRLDQ, Ux, Ib),
    PGRP(0x0F73, NONE, 6, 0, PSLLQ, Nq, Ib),
    PGRP(0x0F73, 66, 6, 0, PSLLQ, Ux, Ib),
    PGRP(0x0F73, 66, 7, 0, PSLLDQ, Ux, Ib),
    MMX_SSE(0x0F74, PCMPEQB),
    MMX_SSE(0x0F75, PCMPEQW),
    MMX_SSE(0x0F76, PCMPEQD),
    P(0x0F77, NONE, 0, EMMS),
    P(0x0F78, NONE, F64, VMREAD, Ey, Gy),
    PGRP(0x0F78, 66, 0, 0, EXTRQ, Udq, Ib, Ib),     /* SSE4a */
    P(0x0F78, F2, 0, INSERTQ, Vdq, Udq, Ib, Ib),    /* SSE4a */
    P(0x0F79, NONE, F64, VMWRITE, Gy, Ey),
    P(0x0F79, 66, 0, EXTRQ, Vdq, Udq),              /* SSE4a */
    P(0x0F79, F2, 0, INSERTQ, Vdq, Udq),            /* SSE4a */
    P(0x0F7C, 66, 0, HADDPD, Vpd, Wpd),
    P(0x0F7C, F2, 0, HADDPS, Vps, Wps),
    P(0x0F7D, 66, 0, HSUBPD, Vpd, Wpd),
    P(0x0F7D, F2, 0, HSUBPS, Vps, Wps),
    P(0x0F7E, NONE, 0, MOVD, Ey, Pd),
    P(0x0F7E, 66, 0, MOVD, Ey, Vy),
    P(0x0F7E, F3, 0, MOVQ, Vq, Wq),
    P(0x0F7F, NONE, 0, MOVQ, Qq, Pq),
    P(0x0F7F, 66, 0, MOVDQA, Wx, Vx),
    P(0x0F7F, F3, 0, MOVDQU, Wx, Vx),
    OP8(0x0F80, F64 | BR, JCC, Jz),         /* condition in bits 3:0 */
    OP8(0x0F88, F64 | BR, JCC, Jz),
    OP8(0x0F90, 0, SETCC, Eb),              /* ModRM.reg is ignored */
    OP8(0x0F98, 0, SETCC, Eb),
    OP(0x0FA0, D64, PUSH, FS),
    OP(0x0FA1, D64, POP, FS),
    OP(0x0FA2, 0, CPUID),
    OP(0x0FA3, 0, BT, Ev, Gv),
    OP(0x0FA4, 0, SHLD, Ev, Gv, Ib),
    OP(0x0FA5, 0, SHLD, Ev, Gv, CL),
    OP(0x0FA8, D64, PUSH, GS),
    OP(0x0FA9, D64, POP, GS),
    OP(0x0FAA, BR, RSM),
    OP(0x0FAB, LK, BTS, Ev, Gv),
    OP(0x0FAC, 0, SHRD, Ev, Gv, Ib),
    OP(0x0FAD, 0, SHRD, Ev, Gv, CL),
    PGRP(0x0FAE, NONE, 0, 0, FXSAVE, M512byte),     /* group 15 */
    PGRP(0x0FAE, NONE, 1, 0, FXRSTOR, M512byte),
    PGRP(0x0FAE, NONE, 2, 0, LDMXCSR, Md),
    PGRP(0x0FAE, NONE, 3, 0, STMXCSR, Md),
    PGRPM(0x0FAE, NONE, 4, 0, XSAVE, M),
    PGRPM(0x0FAE, NONE, 5, 0, XRSTOR, M),
    PGRPM(0x0FAE, NONE, 6, 0, XSAVEOPT, M),
    PGRP(0x0FAE, NONE, 7, 0, CLFLUSH, Mb),
    PGRP(0x0FAE, 66, 6, 0, CLWB, Mb),
    PGRP(0x0FAE, 66, 7, 0, CLFLUSHOPT, Mb),
    PGRPR(0x0FAE, NONE, 5, 0, LFENCE),      /* table A-6: all of mod = 3 /5 */
    PGRPR(0x0FAE, NONE, 6, 0, MFENCE),
    PGRPR(0x0FAE, NONE, 7, 0, SFENCE),
    PGRP(0x0FAE, F3, 0, O64, RDFSBASE, Ry),
    PGRP(0x0FAE, F3, 1, O64, RDGSBASE, Ry),
    PGRP(0x0FAE, F3, 2, O64, WRFSBASE, Ry),
    PGRP(0x0FAE, F3, 3, O64, WRGSBASE, Ry),
    OP(0x0FAF, 0, IMUL, Gv, Ev),
    OP(0x0FB0, LK, CMPXCHG, Eb, Gb),
    OP(0x0FB1, LK, CMPXCHG, Ev, Gv),
    OP(0x0FB2, 0, LSS, Gv, Mp),
    OP(0x0FB3, LK, BTR, Ev, Gv),
    OP(0x0FB4, 0, LFS, Gv, Mp),
    OP(0x0FB5, 0, LGS, Gv, Mp),
    OP(0x0FB6, 0, MOVZX, Gv, Eb),
    OP(0x0FB7, 0, MOVZX, Gv, Ew),
    P(0x0FB8, F3, 0, POPCNT, Gv, Ev),       /* NP 0F B8 is JMPE (IA-64 only) */
    OP(0x0FB9, BR, UD1, Gv, Ev),            /* group 10 */
    GRP(0x0FBA, 4, 0, BT, Ev, Ib),          /* group 8 */
    GRP(0x0FBA, 5, LK, BTS, Ev, Ib),
    GRP(0x0FBA, 6, LK, BTR, Ev, Ib),
    GRP(0x0FBA, 7, LK, BTC, Ev, Ib),
    OP(0x0FBB, LK, BTC, Ev, Gv),
    P(0x0FBC, F3, 0, TZCNT, Gv, Ev),
    OP(0x0FBC, 0, BSF, Gv, Ev),
    P(0x0FBD, F3, 0, LZCNT, Gv, Ev),
    OP(0x0FBD, 0, BSR, Gv, Ev),
    OP(0x0FBE, 0, MOVSX, Gv, Eb),
    OP(0x0FBF, 0, MOVSX, Gv, Ew),
    OP(0x0FC0, LK, XADD, Eb, Gb),
    OP(0x0FC1, LK, XADD, Ev, Gv),
    P(0x0FC2, NONE, 0, CMPPS, Vps, Wps, Ib),
    P(0x0FC2, 66, 0, CMPPD, Vpd, Wpd, Ib),
    P(0x0FC2, F3, 0, CMPSS, Vss, Wss, Ib),
    P(0x0FC2, F2, 0, CMPSD, Vsd, Wsd, Ib),
    P(0x0FC3, NONE, 0, MOVNTI, My, Gy),
    P(0x0FC4, NONE, 0, PINSRW, Pq, RyMw, Ib),
    P(0x0FC4, 66, 0, PINSRW, Vdq, RyMw, Ib),
    P(0x0FC5, NONE, 0, PEXTRW, Gd, Nq, Ib),
    P(0x0FC5, 66, 0, PEXTRW, Gd, Udq, Ib),
    P(0x0FC6, NONE, 0, SHUFPS, Vps, Wps, Ib),
    P(0x0FC6, 66, 0, SHUFPD, Vpd, Wpd, Ib),
    GRPM(0x0FC7, 1, LK, CMPXCHG8B, Mq),     /* group 9; CMPXCHG16B with REX.W */
    PGRPM(0x0FC7, NONE, 3, 0, XRSTORS, M),
    PGRPM(0x0FC7, NONE, 4, 0, XSAVEC, M),
    PGRPM(0x0FC7, NONE, 5, 0, XSAVES, M),
    PGRP(0x0FC7, NONE, 6, 0, VMPTRLD, Mq),
    PGRP(0x0FC7, 66, 6, 0, VMCLEAR, Mq),
    PGRP(0x0FC7, F3, 6, 0, VMXON, Mq),
    PGRP(0x0FC7, NONE, 7, 0, VMPTRST, Mq),
    PGRP(0x0FC7, NFX, 6, 0, RDRAND, Rv),    /* NFx: F2/F3 are #UD, 66 sizes */
    PGRP(0x0FC7, F3, 7, F64, RDPID, Ry),
    PGRP(0x0FC7, NFX, 7, 0, RDSEED, Rv),
    OP8(0x0FC8, 0, BSWAP, Zy),
    P(0x0FD0, 66, 0, ADDSUBPD, Vpd, Wpd),
    P(0x0FD0, F2, 0, ADDSUBPS, Vps, Wps),
    MMX_SSE(0x0FD1, PSRLW),
    MMX_SSE(0x0FD2, PSRLD),
    MMX_SSE(0x0FD3, PSRLQ),
    MMX_SSE(0x0FD4, PADDQ),
    MMX_SSE(0x0FD5, PMULLW),
    P(0x0FD6, 66, 0, MOVQ, Wq, Vq),
    P(0x0FD6, F3, 0, MOVQ2DQ, Vdq, Nq),
    P(0x0FD6, F2, 0, MOVDQ2Q, Pq, Uq),
    P(0x0FD7, NONE, 0, PMOVMSKB, Gd, Nq),
    P(0x0FD7, 66, 0, PMOVMSKB, Gd, Ux),
    MMX_SSE(0x0FD8, PSUBUSB),
    MMX_SSE(0x0FD9, PSUBUSW),
    MMX_SSE(0x0FDA, PMINUB),
    MMX_SSE(0x0FDB, PAND),
    MMX_SSE(0x0FDC, PADDUSB),
    MMX_SSE(0x0FDD, PADDUSW),
    MMX_SSE(0x0FDE, PMAXUB),
    MMX_SSE(0x0FDF, PANDN),
    MMX_SSE(0x0FE0, PAVGB),
    MMX_SSE(0x0FE1, PSRAW),
    MMX_SSE(0x0FE2, PSRAD),
    MMX_SSE(0x0FE3, PAVGW),
    MMX_SSE(0x0FE4, PMULHUW),
    MMX_SSE(0x0FE5, PMULHW),
    P(0x0FE6, 66, 0, CVTTPD2DQ, Vx, Wpd),
    P(0x0FE6, F3, 0, CVTDQ2PD, Vx, Wx),
    P(0x0FE6, F2, 0, CVTPD2DQ, Vx, Wpd),
    P(0x0FE7, NONE, 0, MOVNTQ, Mq, Pq),
    P(0x0FE7, 66, 0, MOVNTDQ, Mx, Vx),
    MMX_SSE(0x0FE8, PSUBSB),
    MMX_SSE(0x0FE9, PSUBSW),
    MMX_SSE(0x0FEA, PMINSW),
    MMX_SSE(0x0FEB, POR),
    MMX_SSE(0x0FEC, PADDSB),
    MMX_SSE(0x0FED, PADDSW),
    MMX_SSE(0x0FEE, PMAXSW),
    MMX_SSE(0x0FEF, PXOR),
    P(0x0FF0, F2, 0, LDDQU, Vx, Mx),
    MMX_SSE(0x0FF1, PSLLW),
    MMX_SSE(0x0FF2, PSLLD),
    MMX_SSE(0x0FF3, PSLLQ),
    MMX_SSE(0x0FF4, PMULUDQ),
    MMX_SSE(0x0FF5, PMADDWD),
    MMX_SSE(0x0FF6, PSADBW),
    P(0x0FF7, NONE, 0, MASKMOVQ, Pq, Nq),
    P(0x0FF7, 66, 0, MASKMOVDQU, Vdq, Udq),
    MMX_SSE(0x0FF8, PSUBB),
    MMX_SSE(0x0FF9, PSUBW),
    MMX_SSE(0x0FFA, PSUBD),
    MMX_SSE(0x0FFB, PSUBQ),
    MMX_SSE(0x0FFC, PADDB),
    MMX_SSE(0x0FFD, PADDW),
    MMX_SSE(0x0FFE, PADDD),
    OP(0x0FFF, BR, UD0, Gd, Ed),

    /* ---- Three-byte opcode map 0F 38 xx, SDM vol. 2D table A-4 ---- */
    MMX_SSE(0x0F3800, PSHUFB),
    MMX_SSE(0x0F3801, PHADDW),
    MMX_SSE(0x0F3802, PHADDD),
    MMX_SSE(0x0F3803, PHADDSW),
    MMX_SSE(0x0F3804, PMADDUBSW),
    MMX_SSE(0x0F3805, PHSUBW),
    MMX_SSE(0x0F3806, PHSUBD),
    MMX_SSE(0x0F3807, PHSUBSW),
    MMX_SSE(0x0F3808, PSIGNB),
    MMX_SSE(0x0F3809, PSIGNW),
    MMX_SSE(0x0F380A, PSIGND),
    MMX_SSE(0x0F380B, PMULHRSW),
    P(0x0F3810, 66, 0, PBLENDVB, Vdq, Wdq, XMM0),
    P(0x0F3814, 66, 0, BLENDVPS, Vdq, Wdq, XMM0),
    P(0x0F3815, 66, 0, BLENDVPD, Vdq, Wdq, XMM0),
    P(0x0F3817, 66, 0, PTEST, Vx, Wx),
    MMX_SSE(0x0F381C, PABSB),
    MMX_SSE(0x0F381D, PABSW),
    MMX_SSE(0x0F381E, PABSD),
    P(0x0F3820, 66, 0, PMOVSXBW, Vx, UxMq),
    P(0x0F3821, 66, 0, PMOVSXBD, Vx, UxMd),
    P(0x0F3822, 66, 0, PMOVSXBQ, Vx, UxMw),
    P(0x0F3823, 66, 0, PMOVSXWD, Vx, UxMq),
    P(0x0F3824, 66, 0, PMOVSXWQ, Vx, UxMd),
    P(0x0F3825, 66, 0, PMOVSXDQ, Vx, UxMq),
    P(0x0F3828, 66, 0, PMULDQ, Vx, Wx),
    P(0x0F3829, 66, 0, PCMPEQQ, Vx, Wx),
    P(0x0F382A, 66, 0, MOVNTDQA, Vx, Mx),
    P(0x0F382B, 66, 0, PACKUSDW, Vx, Wx),
    P(0x0F3830, 66, 0, PMOVZXBW, Vx, UxMq),
    P(0x0F3831, 66, 0, PMOVZXBD, Vx, UxMd),
    P(0x0F3832, 66, 0, PMOVZXBQ, Vx, UxMw),
    P(0x0F3833, 66, 0, PMOVZXWD, Vx, UxMq),
    P(0x0F3834, 66, 0, PMOVZXWQ, Vx, UxMd),
    P(0x0F3835, 66, 0, PMOVZXDQ, Vx, UxMq),
    P(0x0F3837, 66, 0, PCMPGTQ, Vx, Wx),
    P(0x0F3838, 66, 0, PMINSB, Vx, Wx),
    P(0x0F3839, 66, 0, PMINSD, Vx, Wx),
    P(0x0F383A, 66, 0, PMINUW, Vx, Wx),
    P(0x0F383B, 66, 0, PMINUD, Vx, Wx),
    P(0x0F383C, 66, 0, PMAXSB, Vx, Wx),
    P(0x0F383D, 66, 0, PMAXSD, Vx, Wx),
    P(0x0F383E, 66, 0, PMAXUW, Vx, Wx),
    P(0x0F383F, 66, 0, PMAXUD, Vx, Wx),
    P(0x0F3840, 66, 0, PMULLD, Vx, Wx),
    P(0x0F3841, 66, 0, PHMINPOSUW, Vdq, Wdq),
    P(0x0F3880, 66, F64, INVEPT, Gy, Mdq),
    P(0x0F3881, 66, F64, INVVPID, Gy, Mdq),
    P(0x0F3882, 66, F64, INVPCID, Gy, Mdq),
    P(0x0F38C8, NONE, 0, SHA1NEXTE, Vdq, Wdq),
    P(0x0F38C9, NONE, 0, SHA1MSG1, Vdq, Wdq),
    P(0x0F38CA, NONE, 0, SHA1MSG2, Vdq, Wdq),
    P(0x0F38CB, NONE, 0, SHA256RNDS2, Vdq, Wdq, XMM0),
    P(0x0F38CC, NONE, 0, SHA256MSG1, Vdq, Wdq),
    P(0x0F38CD, NONE, 0, SHA256MSG2, Vdq, Wdq),
    P(0x0F38DB, 66, 0, AESIMC, Vdq, Wdq),
    P(0x0F38DC, 66, 0, AESENC, Vdq, Wdq),
    P(0x0F38DD, 66, 0, AESENCLAST, Vdq, Wdq),
    P(0x0F38DE, 66, 0, AESDEC, Vdq, Wdq),
    P(0x0F38DF, 66, 0, AESDECLAST, Vdq, Wdq),
    /*
     * Table A-4 splits MOVBE into NP Gy,My and 66 Gw,Mw; one NFx Gv,Mv row
     * keeps REX.W over 66.  F3 0F 38 F0/F1 are #UD (SDM "MOVBE", and this
     * host's CPU).
     */
    P(0x0F38F0, NFX, 0, MOVBE, Gv, Mv),
    P(0x0F38F0, F2, 0, CRC32, Gy, Eb),      /* 66 F2 as well: 66 is then operand size */
    P(0x0F38F1, NFX, 0, MOVBE, Mv, Gv),
    P(0x0F38F1, F2, 0, CRC32, Gy, Ev),
    P(0x0F38F6, 66, 0, ADCX, Gy, Ey),
    P(0x0F38F6, F3, 0, ADOX, Gy, Ey),

    /*
     * VEX.LZ.0F38 F2-F7: BMI1 and BMI2, SDM vol. 2D table A-4 and the
     * instruction pages.  VEX.W selects 32/64 bits in 64-bit mode.  Group 17
     * is F3 /1-/3.  MULX's rDX is implicit: the row lists the operands of
     * the instruction page (MULX r32a = high half, r32b = low half, r/m32).
     */
    VEX_LZ(0x0F38F2, NONE, 0, ANDN, Gy, By, Ey),
    VEX_LZ_GRP(0x0F38F3, NONE, 1, 0, BLSR, By, Ey),
    VEX_LZ_GRP(0x0F38F3, NONE, 2, 0, BLSMSK, By, Ey),
    VEX_LZ_GRP(0x0F38F3, NONE, 3, 0, BLSI, By, Ey),
    VEX_LZ(0x0F38F5, NONE, 0, BZHI, Gy, Ey, By),
    VEX_LZ(0x0F38F5, F3, 0, PEXT, Gy, By, Ey),
    VEX_LZ(0x0F38F5, F2, 0, PDEP, Gy, By, Ey),
    VEX_LZ(0x0F38F6, F2, 0, MULX, Gy, By, Ey),
    VEX_LZ(0x0F38F7, NONE, 0, BEXTR, Gy, Ey, By),
    VEX_LZ(0x0F38F7, 66, 0, SHLX, Gy, Ey, By),
    VEX_LZ(0x0F38F7, F3, 0, SARX, Gy, Ey, By),
    VEX_LZ(0x0F38F7, F2, 0, SHRX, Gy, Ey, By),

    /* ---- Three-byte opcode map 0F 3A xx, SDM vol. 2D table A-5 ---- */
    P(0x0F3A08, 66, 0, ROUNDPS, Vx, Wx, Ib),
    P(0x0F3A09, 66, 0, ROUNDPD, Vx, Wx, Ib),
    P(0x0F3A0A, 66, 0, ROUNDSS, Vss, Wss, Ib),
    P(0x0F3A0B, 66, 0, ROUNDSD, Vsd, Wsd, Ib),
    P(0x0F3A0C, 66, 0, BLENDPS, Vx, Wx, Ib),
    P(0x0F3A0D, 66, 0, BLENDPD, Vx, Wx, Ib),
    P(0x0F3A0E, 66, 0, PBLENDW, Vx, Wx, Ib),
    P(0x0F3A0F, NONE, 0, PALIGNR, Pq, Qq, Ib),
    P(0x0F3A0F, 66, 0, PALIGNR, Vx, Wx, Ib),
    P(0x0F3A14, 66, 0, PEXTRB, RdMb, Vdq, Ib),
    P(0x0F3A15, 66, 0, PEXTRW, RdMw, Vdq, Ib),
    P(0x0F3A16, 66, 0, PEXTRD, Ey, Vdq, Ib), /* PEXTRD/PEXTRQ by REX.W */
    P(0x0F3A17, 66, 0, EXTRACTPS, Ed, Vdq, Ib),
    P(0x0F3A20, 66, 0, PINSRB, Vdq, RyMb, Ib),
    P(0x0F3A21, 66, 0, INSERTPS, Vdq, UdqMd, Ib),
    P(0x0F3A22, 66, 0, PINSRD, Vdq, Ey, Ib), /* PINSRD/PINSRQ by REX.W */
    P(0x0F3A40, 66, 0, DPPS, Vx, Wx, Ib),
    P(0x0F3A41, 66, 0, DPPD, Vdq, Wdq, Ib),
    P(0x0F3A42, 66, 0, MPSADBW, Vx, Wx, Ib),
    P(0x0F3A44, 66, 0, PCLMULQDQ, Vdq, Wdq, Ib),
    P(0x0F3A60, 66, 0, PCMPESTRM, Vdq, Wdq, Ib),
    P(0x0F3A61, 66, 0, PCMPESTRI, Vdq, Wdq, Ib),
    P(0x0F3A62, 66, 0, PCMPISTRM, Vdq, Wdq, Ib),
    P(0x0F3A63, 66, 0, PCMPISTRI, Vdq, Wdq, Ib),
    P(0x0F3ACC, NONE, 0, SHA1RNDS4, Vdq, Wdq, Ib),
    P(0x0F3ADF, 66, 0, AESKEYGENASSIST, Vdq, Wdq, Ib),
    VEX_LZ(0x0F3AF0, F2, 0, RORX, Gy, Ey, Ib),     /* BMI2, VEX.LZ.F2.0F3A F0 /r ib */
};

const unsigned x86_opcode_table_len = sizeof(x86_opcode_table) / sizeof(x86_opcode_table[0]);
