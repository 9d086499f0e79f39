/* The x86 instruction decoder: bytes -> X86Insn, driven by the SDM-notation opcode table. */
#ifndef CPU_X86_DECODE_H
#define CPU_X86_DECODE_H

#include <stddef.h>
#include <stdint.h>

/*
 * One decoder serves the interpreter, the translator's front end, the
 * difftest generator and the capstone cross-check.  It takes raw bytes and a
 * mode and produces a compact X86Insn: which table row matched (and so which
 * operation and operand kinds), the sizes, the prefixes that matter and the
 * decoded ModRM/SIB/displacement/immediates.  It does not execute, does not
 * read guest memory and keeps no state: callers fetch the bytes (and fetch
 * more on X86_DECODE_NEED_MORE, e.g. across a page boundary).
 *
 * Thread: any.  The table index is built once, on first use.
 */

/*
 * X86_MODE_16 covers real mode, virtual-8086 mode and 16-bit protected mode
 * alike: the decoder decodes VEX there as 16-bit protected mode does (SDM
 * vol. 2A 2.3.5: C4/C5 with bits 7:6 of the next byte 11b).  In real and
 * virtual-8086 mode every VEX encoding is #UD (each VEX instruction's
 * "Real-Address Mode" and "Virtual-8086 Mode" exceptions); the decoder
 * cannot tell those modes apart, so the family that executes a VEX
 * instruction checks CR0.PE and EFLAGS.VM before anything else (bmi.c).
 * C4/C5 with a register ModRM are #UD as LES/LDS too, so only the length
 * of such an invalid instruction depends on it.
 */
typedef enum X86DecodeMode {
    X86_MODE_16,    /* real mode, vm86, 16-bit protected (CS.D = 0) */
    X86_MODE_32,    /* 32-bit protected or compatibility (CS.D = 1) */
    X86_MODE_64,    /* 64-bit mode (CS.L = 1) */
} X86DecodeMode;

/* Negative results of x86_decode() */
enum {
    X86_DECODE_UD = -1,         /* invalid encoding: raise #UD */
    X86_DECODE_TOO_LONG = -2,   /* more than 15 bytes: raise #GP(0), SDM vol. 2A 2.3.11 */
    X86_DECODE_NEED_MORE = -3,  /* `avail` ran out before the instruction ended */
};

#define X86_MAX_INSN_LEN 15

/*
 * Operation ids.  One per instruction the SDM documents on its own page (and
 * a few where one page covers unrelated encodings: MOV_CR, MOV_DR, MOV_SR).
 * Size variants share an id: the operand size (X86Insn.opsize) or the operand
 * kinds tell CBW from CWDE, CMPXCHG8B from CMPXCHG16B, MMX from SSE forms.
 */
#define X86_OP_LIST(X) \
    X(NONE) \
    /* general purpose, SDM vol. 1 5.1 */ \
    X(ADD) X(OR) X(ADC) X(SBB) X(AND) X(SUB) X(XOR) X(CMP) \
    X(INC) X(DEC) X(NEG) X(NOT) X(TEST) X(MUL) X(IMUL) X(DIV) X(IDIV) \
    X(ROL) X(ROR) X(RCL) X(RCR) X(SHL) X(SHR) X(SAR) X(SHLD) X(SHRD) \
    X(BT) X(BTS) X(BTR) X(BTC) X(BSF) X(BSR) X(POPCNT) X(LZCNT) X(TZCNT) \
    X(MOV) X(MOVSX) X(MOVZX) X(MOVSXD) X(MOVBE) X(MOVNTI) X(LEA) X(XCHG) \
    X(XADD) X(CMPXCHG) X(CMPXCHG8B) X(BSWAP) X(CMOVCC) X(SETCC) \
    X(PUSH) X(POP) X(PUSHA) X(POPA) X(PUSHF) X(POPF) X(ENTER) X(LEAVE) \
    X(CBW) X(CWD) X(DAA) X(DAS) X(AAA) X(AAS) X(AAM) X(AAD) X(SALC) \
    X(XLAT) X(LAHF) X(SAHF) X(CMC) X(CLC) X(STC) X(CLI) X(STI) X(CLD) X(STD) \
    X(JCC) X(JMP) X(JMPF) X(CALL) X(CALLF) X(RET) X(RETF) X(LOOP) X(LOOPE) \
    X(LOOPNE) X(JCXZ) X(INT3) X(INT) X(INTO) X(INT1) X(IRET) X(BOUND) \
    X(MOVS) X(CMPS) X(STOS) X(LODS) X(SCAS) X(INS) X(OUTS) X(IN) X(OUT) \
    X(LES) X(LDS) X(LSS) X(LFS) X(LGS) X(MOV_SR) X(ARPL) \
    X(NOP) X(PAUSE) X(UD0) X(UD1) X(UD2) X(ENDBR32) X(ENDBR64) \
    X(CPUID) X(RDTSC) X(RDTSCP) X(RDPMC) X(RDRAND) X(RDSEED) X(RDPID) \
    X(CRC32) X(ADCX) X(ADOX) X(HLT) X(WAIT) \
    /* BMI1 and BMI2, VEX-encoded general purpose, SDM vol. 1 5.1.16.1 */ \
    X(ANDN) X(BEXTR) X(BLSI) X(BLSMSK) X(BLSR) X(BZHI) X(MULX) X(PDEP) X(PEXT) \
    X(RORX) X(SARX) X(SHLX) X(SHRX) \
    X(PREFETCHNTA) X(PREFETCHT0) X(PREFETCHT1) X(PREFETCHT2) X(PREFETCHW) \
    X(CLFLUSH) X(CLFLUSHOPT) X(CLWB) X(LFENCE) X(MFENCE) X(SFENCE) \
    X(XBEGIN) X(XABORT) X(XEND) X(XTEST) \
    /* system, SDM vol. 2 and vol. 3 */ \
    X(SLDT) X(STR) X(LLDT) X(LTR) X(VERR) X(VERW) X(SGDT) X(SIDT) X(LGDT) \
    X(LIDT) X(SMSW) X(LMSW) X(INVLPG) X(LAR) X(LSL) X(CLTS) X(INVD) \
    X(WBINVD) X(WRMSR) X(RDMSR) X(SYSCALL) X(SYSRET) X(SYSENTER) X(SYSEXIT) \
    X(SWAPGS) X(MOV_CR) X(MOV_DR) X(RSM) X(GETSEC) X(MONITOR) X(MWAIT) \
    X(CLAC) X(STAC) X(XGETBV) X(XSETBV) X(RDFSBASE) X(RDGSBASE) X(WRFSBASE) \
    X(WRGSBASE) X(INVPCID) X(FXSAVE) X(FXRSTOR) X(LDMXCSR) X(STMXCSR) \
    X(XSAVE) X(XRSTOR) X(XSAVEOPT) X(XSAVEC) X(XSAVES) X(XRSTORS) \
    X(RDPKRU) X(WRPKRU) X(SERIALIZE) \
    X(VMCALL) X(VMLAUNCH) X(VMRESUME) X(VMXOFF) X(VMFUNC) X(VMREAD) \
    X(VMWRITE) X(VMPTRLD) X(VMPTRST) X(VMCLEAR) X(VMXON) X(INVEPT) X(INVVPID) \
    X(ENCLS) X(ENCLU) \
    /* AMD APM vol. 3: SVM */ \
    X(VMRUN) X(VMMCALL) X(VMLOAD) X(VMSAVE) X(STGI) X(CLGI) X(SKINIT) \
    X(INVLPGA) \
    /* x87, SDM vol. 1 chapter 8 */ \
    X(FADD) X(FMUL) X(FCOM) X(FCOMP) X(FSUB) X(FSUBR) X(FDIV) X(FDIVR) \
    X(FADDP) X(FMULP) X(FSUBP) X(FSUBRP) X(FDIVP) X(FDIVRP) X(FCOMPP) \
    X(FIADD) X(FIMUL) X(FICOM) X(FICOMP) X(FISUB) X(FISUBR) X(FIDIV) \
    X(FIDIVR) X(FLD) X(FST) X(FSTP) X(FILD) X(FIST) X(FISTP) X(FISTTP) \
    X(FBLD) X(FBSTP) X(FXCH) X(FLDENV) X(FLDCW) X(FNSTENV) X(FNSTCW) \
    X(FNSTSW) X(FRSTOR) X(FNSAVE) X(FNCLEX) X(FNINIT) X(FFREE) X(FFREEP) \
    X(FNOP) X(FCHS) X(FABS) X(FTST) X(FXAM) X(FLD1) X(FLDL2T) X(FLDL2E) \
    X(FLDPI) X(FLDLG2) X(FLDLN2) X(FLDZ) X(F2XM1) X(FYL2X) X(FPTAN) \
    X(FPATAN) X(FXTRACT) X(FPREM1) X(FDECSTP) X(FINCSTP) X(FPREM) \
    X(FYL2XP1) X(FSQRT) X(FSINCOS) X(FRNDINT) X(FSCALE) X(FSIN) X(FCOS) \
    X(FCMOVB) X(FCMOVE) X(FCMOVBE) X(FCMOVU) X(FCMOVNB) X(FCMOVNE) \
    X(FCMOVNBE) X(FCMOVNU) X(FUCOM) X(FUCOMP) X(FUCOMPP) X(FUCOMI) \
    X(FCOMI) X(FUCOMIP) X(FCOMIP) X(FENI) X(FDISI) X(FSETPM) \
    /* MMX and SSE..SSE4.2, SDM vol. 1 chapters 9-12 */ \
    X(EMMS) X(MOVD) X(MOVQ) X(MOVQ2DQ) X(MOVDQ2Q) X(PACKSSWB) X(PACKSSDW) \
    X(PACKUSWB) X(PACKUSDW) X(PUNPCKLBW) X(PUNPCKLWD) X(PUNPCKLDQ) \
    X(PUNPCKLQDQ) X(PUNPCKHBW) X(PUNPCKHWD) X(PUNPCKHDQ) X(PUNPCKHQDQ) \
    X(PADDB) X(PADDW) X(PADDD) X(PADDQ) X(PADDSB) X(PADDSW) X(PADDUSB) \
    X(PADDUSW) X(PSUBB) X(PSUBW) X(PSUBD) X(PSUBQ) X(PSUBSB) X(PSUBSW) \
    X(PSUBUSB) X(PSUBUSW) X(PMULLW) X(PMULHW) X(PMULHUW) X(PMULUDQ) \
    X(PMADDWD) X(PCMPEQB) X(PCMPEQW) X(PCMPEQD) X(PCMPGTB) X(PCMPGTW) \
    X(PCMPGTD) X(PAND) X(PANDN) X(POR) X(PXOR) X(PSLLW) X(PSLLD) X(PSLLQ) \
    X(PSRLW) X(PSRLD) X(PSRLQ) X(PSRAW) X(PSRAD) X(PSLLDQ) X(PSRLDQ) \
    X(PAVGB) X(PAVGW) X(PMINUB) X(PMAXUB) X(PMINSW) X(PMAXSW) X(PSADBW) \
    X(PSHUFW) X(PSHUFD) X(PSHUFHW) X(PSHUFLW) X(PINSRW) X(PEXTRW) \
    X(PMOVMSKB) X(MASKMOVQ) X(MASKMOVDQU) X(MOVNTQ) X(MOVNTDQ) \
    X(MOVUPS) X(MOVUPD) X(MOVSS) X(MOVSD) X(MOVAPS) X(MOVAPD) X(MOVLPS) \
    X(MOVLPD) X(MOVHPS) X(MOVHPD) X(MOVHLPS) X(MOVLHPS) X(MOVSLDUP) \
    X(MOVSHDUP) X(MOVDDUP) X(MOVDQA) X(MOVDQU) X(MOVNTPS) X(MOVNTPD) \
    X(MOVMSKPS) X(MOVMSKPD) X(UNPCKLPS) X(UNPCKLPD) X(UNPCKHPS) X(UNPCKHPD) \
    X(SHUFPS) X(SHUFPD) X(ADDPS) X(ADDPD) X(ADDSS) X(ADDSD) X(SUBPS) \
    X(SUBPD) X(SUBSS) X(SUBSD) X(MULPS) X(MULPD) X(MULSS) X(MULSD) X(DIVPS) \
    X(DIVPD) X(DIVSS) X(DIVSD) X(MINPS) X(MINPD) X(MINSS) X(MINSD) X(MAXPS) \
    X(MAXPD) X(MAXSS) X(MAXSD) X(SQRTPS) X(SQRTPD) X(SQRTSS) X(SQRTSD) \
    X(RSQRTPS) X(RSQRTSS) X(RCPPS) X(RCPSS) X(ANDPS) X(ANDPD) X(ANDNPS) \
    X(ANDNPD) X(ORPS) X(ORPD) X(XORPS) X(XORPD) X(CMPPS) X(CMPPD) X(CMPSS) \
    X(CMPSD) X(COMISS) X(COMISD) X(UCOMISS) X(UCOMISD) X(CVTPI2PS) \
    X(CVTPI2PD) X(CVTSI2SS) X(CVTSI2SD) X(CVTTPS2PI) X(CVTTPD2PI) \
    X(CVTTSS2SI) X(CVTTSD2SI) X(CVTPS2PI) X(CVTPD2PI) X(CVTSS2SI) \
    X(CVTSD2SI) X(CVTPS2PD) X(CVTPD2PS) X(CVTSS2SD) X(CVTSD2SS) \
    X(CVTDQ2PS) X(CVTPS2DQ) X(CVTTPS2DQ) X(CVTTPD2DQ) X(CVTDQ2PD) \
    X(CVTPD2DQ) X(ADDSUBPS) X(ADDSUBPD) X(HADDPS) X(HADDPD) X(HSUBPS) \
    X(HSUBPD) X(LDDQU) X(PSHUFB) X(PHADDW) X(PHADDD) X(PHADDSW) \
    X(PMADDUBSW) X(PHSUBW) X(PHSUBD) X(PHSUBSW) X(PSIGNB) X(PSIGNW) \
    X(PSIGND) X(PMULHRSW) X(PABSB) X(PABSW) X(PABSD) X(PALIGNR) \
    X(PBLENDVB) X(BLENDVPS) X(BLENDVPD) X(PTEST) X(PMOVSXBW) X(PMOVSXBD) \
    X(PMOVSXBQ) X(PMOVSXWD) X(PMOVSXWQ) X(PMOVSXDQ) X(PMOVZXBW) \
    X(PMOVZXBD) X(PMOVZXBQ) X(PMOVZXWD) X(PMOVZXWQ) X(PMOVZXDQ) X(PMULDQ) \
    X(PCMPEQQ) X(MOVNTDQA) X(PCMPGTQ) X(PMINSB) X(PMINSD) X(PMINUW) \
    X(PMINUD) X(PMAXSB) X(PMAXSD) X(PMAXUW) X(PMAXUD) X(PMULLD) \
    X(PHMINPOSUW) X(ROUNDPS) X(ROUNDPD) X(ROUNDSS) X(ROUNDSD) X(BLENDPS) \
    X(BLENDPD) X(PBLENDW) X(PEXTRB) X(PEXTRD) X(EXTRACTPS) X(PINSRB) \
    X(INSERTPS) X(PINSRD) X(DPPS) X(DPPD) X(MPSADBW) X(PCMPESTRM) \
    X(PCMPESTRI) X(PCMPISTRM) X(PCMPISTRI) \
    /* AES-NI, PCLMULQDQ, SHA: SDM vol. 2 */ \
    X(AESIMC) X(AESENC) X(AESENCLAST) X(AESDEC) X(AESDECLAST) \
    X(AESKEYGENASSIST) X(PCLMULQDQ) X(SHA1NEXTE) X(SHA1MSG1) X(SHA1MSG2) \
    X(SHA256RNDS2) X(SHA256MSG1) X(SHA256MSG2) X(SHA1RNDS4) \
    /* SSE4a, AMD APM vol. 4 */ \
    X(EXTRQ) X(INSERTQ) X(MOVNTSS) X(MOVNTSD)

typedef enum X86Op {
#define X86_OP_ENUM(name) X86_OP_##name,
    X86_OP_LIST(X86_OP_ENUM)
#undef X86_OP_ENUM
    X86_OP_COUNT
} X86Op;

/*
 * Operand kinds, in the SDM's notation (vol. 2D A.2.1 addressing methods,
 * A.2.2 operand types, A.2.3 register codes), plus:
 *   Z   the register in the opcode's low three bits (+ REX.B): "rAX/r8" in the SDM
 *   B   the general register VEX.vvvv names (A.2.1; "By": 32 or 64 bits)
 *   RvMw etc.  the SDM's "Rv/Mw": register of one size, memory of another
 *   x87 memory operands named as on the instruction pages (m32fp ...)
 *   ONE  the constant 1 of the D0/D1 shifts; ST0, STi  the x87 stack
 * Kinds with no ModRM-addressed memory (R, U, N, STi) require ModRM.mod = 3;
 * kinds starting with M require mod != 3.
 */
#define X86_OPK_LIST(X) \
    X(NONE) \
    X(Ap) X(By) X(Cd) X(Dd) \
    X(Eb) X(Ew) X(Ed) X(Ev) X(Ey) \
    X(Gb) X(Gw) X(Gd) X(Gv) X(Gy) X(Gz) \
    X(Ib) X(Iw) X(Iz) X(Iv) X(Jb) X(Jz) \
    X(M) X(Mb) X(Mw) X(Md) X(Mq) X(Mdq) X(Mp) X(Ms) X(Ma) X(Mv) X(My) X(Mx) \
    X(Mps) X(Mpd) X(M512byte) X(M16int) X(M32int) X(M64int) X(M32fp) \
    X(M64fp) X(M80fp) X(M80bcd) X(M2byte) X(M14_28byte) X(M94_108byte) \
    X(Nq) X(Ob) X(Ov) X(Pd) X(Pq) X(Ppi) X(Qd) X(Qq) X(Qpi) \
    X(Rd) X(Rv) X(Ry) X(RvMw) X(RdMb) X(RdMw) X(RyMb) X(RyMw) \
    X(UdqMd) X(UxMq) X(UxMd) X(UxMw) X(Sw) \
    X(Udq) X(Uq) X(Ups) X(Upd) X(Ux) \
    X(Vdq) X(Vq) X(Vd) X(Vy) X(Vx) X(Vps) X(Vpd) X(Vss) X(Vsd) \
    X(Wdq) X(Wq) X(Wd) X(Wx) X(Wps) X(Wpd) X(Wss) X(Wsd) \
    X(Xb) X(Xv) X(Xz) X(Yb) X(Yv) X(Yz) \
    X(AL) X(CL) X(DX) X(AX) X(eAX) X(rAX) \
    X(ES) X(CS) X(SS) X(DS) X(FS) X(GS) \
    X(ONE) X(ST0) X(STi) X(XMM0) X(Zb) X(Zv) X(Zy)

typedef enum X86OperandKind {
#define X86_OPK_ENUM(name) X86_OPK_##name,
    X86_OPK_LIST(X86_OPK_ENUM)
#undef X86_OPK_ENUM
    X86_OPK_COUNT
} X86OperandKind;

/*
 * X86OpcodeRow.mandatory: the prefix that selects this row (SDM vol. 2A
 * 2.1.2; for VEX rows the prefix VEX.pp implies, 2.3.5.6).  An opcode that
 * has rows with a mandatory prefix is #UD with a 66/F2/F3 it has no row for,
 * unless it also has X86_MP_ANY rows (the decoder's select_row()).
 */
enum {
    X86_MP_ANY,     /* prefixes do not select: 66 is operand size, F2/F3 are REP */
    X86_MP_NONE,    /* "NP": none of 66/F2/F3 */
    X86_MP_66,
    X86_MP_F3,
    X86_MP_F2,
    X86_MP_NFX,     /* "NFx": neither F2 nor F3; 66 is an operand-size prefix */
};

/* X86OpcodeRow.mod: which ModRM.mod values the row accepts */
enum { X86_MOD_ANY, X86_MOD_MEM, X86_MOD_REG };

/* X86OpcodeRow.flags; the superscripts are those of SDM vol. 2D table A-1 */
enum {
    X86_ROW_LOCK = 1u << 0,     /* LOCK allowed with a memory destination */
    X86_ROW_I64 = 1u << 1,      /* i64: invalid in 64-bit mode */
    X86_ROW_O64 = 1u << 2,      /* o64: only in 64-bit mode */
    X86_ROW_D64 = 1u << 3,      /* d64: 64-bit operand size by default in 64-bit mode */
    X86_ROW_F64 = 1u << 4,      /* f64: 64-bit operand size forced in 64-bit mode */
    X86_ROW_MODIGN = 1u << 5,   /* ModRM.mod ignored, always a register (MOV CR/DR) */
    X86_ROW_BRANCH = 1u << 6,   /* may transfer control: ends a basic block */
    X86_ROW_STRING = 1u << 7,   /* string instruction: REP/REPE/REPNE apply */
    X86_ROW_VEX = 1u << 8,      /* VEX-encoded (SDM vol. 2A 2.3): in the VEX maps */
    X86_ROW_VEX_L0 = 1u << 9,   /* the SDM's VEX.LZ / VEX.L0: #UD unless VEX.L = 0 */
};

/*
 * One row of the opcode table: one opcode, with the ModRM.reg extension,
 * mandatory prefix, ModRM.mod or ModRM.rm that the SDM splits it by.
 */
typedef struct X86OpcodeRow {
    uint32_t opcode;    /* as the SDM writes it: 0x00-0xFF, 0x0Fxx, 0x0F38xx, 0x0F3Axx */
    uint16_t op;        /* X86Op */
    uint16_t flags;     /* X86_ROW_* */
    uint8_t operand[4]; /* X86OperandKind, destination first, NONE-terminated */
    uint8_t mandatory;  /* X86_MP_* */
    int8_t reg;         /* ModRM.reg this row needs, or -1 */
    uint8_t mod;        /* X86_MOD_*, beyond what the operand kinds imply */
    int8_t rm;          /* ModRM.rm this row needs (implies mod = 3), or -1 */
} X86OpcodeRow;

extern const X86OpcodeRow x86_opcode_table[];
extern const unsigned x86_opcode_table_len;

/* X86Insn.prefix bits: the legacy prefixes that survive decoding */
enum {
    X86_PFX_LOCK = 1u << 0,
    X86_PFX_REP = 1u << 1,       /* F3 (REP/REPE), unless it was a mandatory prefix */
    X86_PFX_REPNE = 1u << 2,     /* F2, unless it was a mandatory prefix */
    X86_PFX_OPSIZE = 1u << 3,    /* 66 was present */
    X86_PFX_ADDRSIZE = 1u << 4,  /* 67 was present */
    X86_PFX_SEG = 1u << 5,       /* a segment override was present (see seg) */
    X86_PFX_REX = 1u << 6,       /* a REX prefix applies: byte regs 4-7 are SPL..DIL */
};

/* X86Insn.flags */
enum {
    X86_INSN_MEM = 1u << 0,     /* ModRM names memory: base/index/scale/disp are valid */
    X86_INSN_RIPREL = 1u << 1,  /* base is RIP: add the address of the next instruction */
};

#define X86_REGNUM_NONE 0xff
#define X86_REGNUM_RIP 0x10

/*
 * X86Insn.vex: what a VEX prefix said (SDM vol. 2A 2.3.5), or 0 without one.
 * VVVV is the register VEX.vvvv names, un-inverted and, outside 64-bit mode,
 * limited to 0-7 (its top bit is ignored there); it is 0 where the
 * instruction has no vvvv operand (the encoding then had to be 1111b).  W and
 * L are the bits as encoded (opsize already reflects W where it applies).
 * VEX.R/X/B are applied to reg/rm/base/index as REX's bits are.
 */
enum {
    X86_VEX_VVVV = 0x0f,
    X86_VEX_L = 1u << 4,
    X86_VEX_W = 1u << 5,
    X86_VEX_PRESENT = 1u << 7,
};

/*
 * A decoded instruction, 40 bytes.  Register numbers are 0-15 with the REX
 * (or VEX) extension bits applied (MMX and x87 registers: use the low three
 * bits).
 */
typedef struct X86Insn {
    int64_t imm;        /* first immediate, sign-extended from its width (as 83 /0 Ib,
                           6A, Iz and Jb/Jz need); where the SDM reads it unsigned (RET and
                           ENTER Iw, INT/IN/OUT Ib, SSE imm8) take the low bits.  Ob/Ov: the
                           zero-extended offset; Ap: the offset */
    int32_t disp;       /* displacement, sign-extended */
    uint16_t op;        /* X86Op */
    uint16_t row;       /* index into x86_opcode_table */
    uint16_t imm2;      /* second immediate: ENTER's Ib, EXTRQ/INSERTQ's index, Ap's selector */
    uint8_t len;        /* bytes, 1-15 */
    uint8_t opsize;     /* operand-size attribute in bytes: 2, 4, 8 */
    uint8_t addrsize;   /* address-size attribute in bytes: 2, 4, 8 */
    uint8_t seg;        /* segment of the memory operand (SEG_* of state.h), default applied */
    uint8_t prefix;     /* X86_PFX_* */
    uint8_t rex;        /* the REX byte that applies, or 0 */
    uint8_t modrm;      /* the ModRM byte, if the opcode has one */
    uint8_t reg;        /* ModRM.reg + REX.R */
    uint8_t rm;         /* ModRM.rm + REX.B if mod = 3, or the opcode's register (Z kinds) */
    uint8_t base;       /* memory: base register, X86_REGNUM_RIP or X86_REGNUM_NONE */
    uint8_t index;      /* memory: index register or X86_REGNUM_NONE */
    uint8_t scale;      /* memory: log2 of the index scale */
    uint8_t flags;      /* X86_INSN_* */
    uint8_t vex;        /* X86_VEX_*: the VEX prefix's vvvv, L, W; 0 without VEX */
    uint8_t opnd_loc[4];  /* X86_LOC_*: where operand i lives (x86_resolve_operands) */
    uint8_t opnd_size[4]; /* x86_operand_size() of operand i, 0 for none */
} X86Insn;

/*
 * X86Insn.opnd_loc: the location of each general-purpose operand, resolved
 * once at decode time so that the interpreter's operand accessors do not
 * look at operand kinds on every execution.
 */
enum {
    X86_LOC_GPR = 0,        /* 0-15: the low opnd_size bytes of that general register */
    X86_LOC_GPR_HIGH = 16,  /* 16-19: AH, CH, DH, BH (no REX prefix) */
    X86_LOC_MEM = 0x20,     /* memory at the effective address, segment insn->seg */
    X86_LOC_IMM,            /* insn->imm */
    X86_LOC_MOFFS,          /* memory at the offset in insn->imm (Ob, Ov) */
    X86_LOC_JREL,           /* a branch target: the next instruction's address + insn->imm */
    X86_LOC_ONE,            /* the constant 1 (D0/D1 shifts) */
    X86_LOC_OTHER,          /* not a general-purpose operand: segment, control, x87, MMX,
                               SSE registers, 10- and 16-byte memory, no operand */
};

/* Fill opnd_loc and opnd_size from the row's operand kinds (x86_decode calls it). */
void x86_resolve_operands(X86Insn *insn);

/*
 * Decode one instruction from bytes[0..avail).  Returns its length (1-15) and
 * fills *out, or a negative X86_DECODE_* code (then *out is unspecified).
 * Lengths are resolved before validity: an instruction that would run past
 * 15 bytes is X86_DECODE_TOO_LONG even if it is also invalid.
 */
int x86_decode(const uint8_t *bytes, size_t avail, X86DecodeMode mode, X86Insn *out);

static inline const X86OpcodeRow *x86_insn_row(const X86Insn *insn)
{
    return &x86_opcode_table[insn->row];
}

/* The general register VEX.vvvv names (the By operand). */
static inline unsigned x86_insn_vvvv(const X86Insn *insn)
{
    return insn->vex & X86_VEX_VVVV;
}

/* "ADD", "MOV_CR", ...; "?" for an out-of-range id. */
const char *x86_op_name(unsigned op);
/* "Eb", "Gv", ...; "?" for an out-of-range kind. */
const char *x86_operand_kind_name(unsigned kind);

/*
 * The size in bytes of a general-purpose or SSE/MMX operand of this kind in
 * this instruction (1, 2, 4, 8, 10, 16), or 0 where the kind has no single
 * size (M, Ms, Ma, Mp, x87 environments, far pointers).
 */
unsigned x86_operand_size(const X86Insn *insn, unsigned kind);

/* One line for tests and -d logs: "ADD Eb,Gb len=2 os=4 as=4 modrm=c0 ...". */
int x86_insn_dump(const X86Insn *insn, char *buf, size_t len);

#endif
