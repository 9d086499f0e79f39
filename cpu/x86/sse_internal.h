/* Shared by the MMX/SSE family's files: availability checks, MMX/XMM registers, operands, MXCSR, host SSE calls. */
#ifndef CPU_X86_SSE_INTERNAL_H
#define CPU_X86_SSE_INTERNAL_H

#include "cpu/x86/exec.h"

/*
 * The family in files: sse.c (checks, operands, data movement, MXCSR,
 * registration), sse_fp.c (arithmetic, compares, rounding: the host's SSE
 * unit) and sse_fpx.c (conversions), sse_int.c and sse_ssse3.c (packed
 * integers, MMX and XMM forms, in C), sse4.c (SSE4.1 integer ops, blends,
 * inserts/extracts, PTEST; PCMPGTQ), sse_pcmpstr.c (SSE4.2 string
 * compares), sse_crypto.c (AES-NI, PCLMULQDQ), mmx.c (EMMS, MMX <-> XMM
 * moves), xsave.c (XSAVE/XRSTOR/XSAVEOPT, XGETBV/XSETBV).
 *
 * Every handler follows the same order, which is the SDM's exception
 * priority for SIMD instructions (SDM vol. 2A 2.5, "Exception Type" tables;
 * vol. 3A 12.5/13.2): availability (#UD, #NM, #MF for MMX), then the memory
 * operands (#GP/#SS/#PF/#AC, 16-byte alignment), then the computation and
 * its SIMD floating-point exceptions (#XM, or #UD without
 * CR4.OSXMMEXCPT), and only then the stores -- so a fault leaves no trace
 * except the MXCSR flags an unmasked exception sets.
 */

/* MXCSR, SDM vol. 1 10.2.3 */
#define MXCSR_IE 0x0001u
#define MXCSR_DE 0x0002u
#define MXCSR_ZE 0x0004u
#define MXCSR_OE 0x0008u
#define MXCSR_UE 0x0010u
#define MXCSR_PE 0x0020u
#define MXCSR_FLAGS 0x003fu
#define MXCSR_PRE (MXCSR_IE | MXCSR_DE | MXCSR_ZE)    /* pre-computation exceptions */
#define MXCSR_POST (MXCSR_OE | MXCSR_UE | MXCSR_PE)   /* post-computation exceptions */
#define MXCSR_DAZ 0x0040u
#define MXCSR_MASKS 0x1f80u
#define MXCSR_MASK_SHIFT 7
#define MXCSR_RC 0x6000u
#define MXCSR_RC_SHIFT 13
#define MXCSR_FZ 0x8000u
#define MXCSR_DEFAULT 0x1f80u
/* The MXCSR bits this CPU implements (FXSAVE's MXCSR_MASK): DAZ, no AMD MM bit. */
#define SSE_MXCSR_MASK 0x0000ffffu

/* The CPUID feature an instruction form needs (CPUID.01H unless noted). */
typedef enum SseFeature {
    SSE_FEAT_MMX,       /* EDX[23] */
    SSE_FEAT_SSE,       /* EDX[25] */
    SSE_FEAT_SSE2,      /* EDX[26] */
    SSE_FEAT_SSE3,      /* ECX[0] */
    SSE_FEAT_SSSE3,     /* ECX[9] */
    SSE_FEAT_SSE41,     /* ECX[19] */
    SSE_FEAT_SSE42,     /* ECX[20] */
    SSE_FEAT_AES,       /* ECX[25] */
    SSE_FEAT_PCLMUL,    /* ECX[1] */
} SseFeature;

/* Does the guest's CPUID advertise f?  No CPUID table: nothing is (cpu.h). */
bool sse_guest_has(const X86Cpu *cpu, SseFeature f);

/*
 * The availability checks of an MMX/SSE instruction, from its operand
 * kinds: #UD with CR0.EM; #UD without CR4.OSFXSR if it names an XMM
 * register; #UD if the guest lacks feature f; #NM with CR0.TS; #MF for a
 * pending x87 exception if it names an MMX register (SDM vol. 3A 12.5,
 * vol. 2A tables 2-18..2-22 and 22-5..22-8).
 */
void sse_check(X86Cpu *cpu, const X86Insn *insn, SseFeature f);

/* Does the instruction name an MMX register (so it switches the x87 to MMX mode)? */
bool sse_names_mmx_register(const X86Insn *insn);

/*
 * The x87 -> MMX transition every MMX instruction but EMMS makes once it
 * completes: TOP = 0 and every tag valid (SDM vol. 3A 12.2, table 12-1).
 */
static inline void mmx_enter(X86Cpu *cpu)
{
    cpu->s.fpu.fsw &= ~0x3800u;
    cpu->s.fpu.ftw = 0xff;
}

/* MMX register n is the mantissa of physical x87 register Rn (SDM vol. 1 9.5.1). */
static inline uint64_t mmx_get(const X86Cpu *cpu, unsigned n)
{
    return cpu->s.fpu.st[n & 7].mantissa;
}

/* A write also sets the register's sign and exponent to all ones (SDM vol. 3A 12.2). */
static inline void mmx_set(X86Cpu *cpu, unsigned n, uint64_t v)
{
    cpu->s.fpu.st[n & 7].mantissa = v;
    cpu->s.fpu.st[n & 7].sign_exp = 0xffff;
}

static inline X86Xmm *sse_xmm(X86Cpu *cpu, unsigned n)
{
    return &cpu->s.fpu.xmm[n & 15];
}

/* Where an MMX/SSE instruction's operand lives. */
typedef enum SseOperandClass {
    SSE_OPND_XMM,
    SSE_OPND_MMX,
    SSE_OPND_GPR,
    SSE_OPND_MEM,
    SSE_OPND_IMM,
} SseOperandClass;

/* The class of operand i and its register number (XMM 0-15, MMX 0-7, GPR 0-15). */
SseOperandClass sse_operand(const X86Insn *insn, int i, unsigned *reg);

/*
 * Read operand i into *out, zero-filled above what is read: an XMM register
 * whole, an MMX register in q[0], a general register zero-extended from its
 * operand size, or mem_size bytes of memory.  `aligned`: a memory operand
 * must be 16-byte aligned, else #GP(0) (SDM vol. 1 11.6.7, "Exceptions
 * Type 1/2/4" -- legacy SSE, 16-byte operands).
 */
void sse_read(X86Cpu *cpu, const X86Insn *insn, int i, X86Xmm *out, unsigned mem_size,
              bool aligned);

/* The effective address of the memory operand, checked for a write of len bytes (and alignment). */
uint64_t sse_probe_store(X86Cpu *cpu, const X86Insn *insn, unsigned len, bool aligned);

/* Store len bytes of v to the memory operand (probed first if the caller has more to commit). */
void sse_store(X86Cpu *cpu, const X86Insn *insn, const X86Xmm *v, unsigned len, bool aligned);

/* Write operand i of a register class from v (XMM: 16 bytes; MMX: q[0]; GPR: its size). */
void sse_write_reg(X86Cpu *cpu, const X86Insn *insn, int i, const X86Xmm *v);

/* The instruction's 8-bit immediate (SSE immediates are unsigned). */
static inline uint8_t sse_imm8(const X86Insn *insn)
{
    return (uint8_t)insn->imm;
}

/* Raise #XM, or #UD if CR4.OSXMMEXCPT is clear (SDM vol. 3A 6.15 interrupt 19). */
_Noreturn void sse_raise_simd_fp(X86Cpu *cpu);

/* ---- running SSE instructions on the host (sse_fp.c) ---- */

/*
 * What sse_host_call() hands a stub: xmm0 = a (the destination, and the
 * result), xmm1 = b (the source), xmm2 = c, rax = gpr (in and out), the
 * MXCSR to run under (and after), RFLAGS after.  Offsets are used by the
 * assembly.
 */
typedef struct SseHostFrame {
    X86Xmm a, b, c;
    uint64_t gpr;
    uint32_t mxcsr;
    uint32_t pad;
    uint64_t rflags;
} SseHostFrame;

void sse_host_call(const void *stub, SseHostFrame *f) __attribute__((visibility("hidden")));

/* Every stub is 16 bytes: ENDBR64, one instruction, RET.  A table of n stubs is n * 16 bytes. */
#define SSE_STUB_SIZE 16

/* The MXCSR a host run uses: the guest's controls (RC, DAZ, FZ), every exception masked, no flags. */
static inline uint32_t sse_host_mxcsr(uint32_t guest)
{
    return (guest & (MXCSR_RC | MXCSR_DAZ | MXCSR_FZ)) | MXCSR_MASKS;
}

/* Is host CPUID.01H ECX bit `bit` set? (SSE3 0, SSSE3 9, SSE4.1 19, SSE4.2 20.) */
bool sse_host_has_ecx1(unsigned bit);

/*
 * The host stubs with no immediate, in table order (sse_fp.c assembles
 * them from this list): one SSE/SSE2/SSE3 instruction each, on xmm0
 * (destination), xmm1 (source) and rax/eax.
 */
#define SSE_STUB_LIST(X) \
    X(ADDPS, "addps %xmm1, %xmm0") X(ADDPD, "addpd %xmm1, %xmm0") \
    X(ADDSS, "addss %xmm1, %xmm0") X(ADDSD, "addsd %xmm1, %xmm0") \
    X(SUBPS, "subps %xmm1, %xmm0") X(SUBPD, "subpd %xmm1, %xmm0") \
    X(SUBSS, "subss %xmm1, %xmm0") X(SUBSD, "subsd %xmm1, %xmm0") \
    X(MULPS, "mulps %xmm1, %xmm0") X(MULPD, "mulpd %xmm1, %xmm0") \
    X(MULSS, "mulss %xmm1, %xmm0") X(MULSD, "mulsd %xmm1, %xmm0") \
    X(DIVPS, "divps %xmm1, %xmm0") X(DIVPD, "divpd %xmm1, %xmm0") \
    X(DIVSS, "divss %xmm1, %xmm0") X(DIVSD, "divsd %xmm1, %xmm0") \
    X(MINPS, "minps %xmm1, %xmm0") X(MINPD, "minpd %xmm1, %xmm0") \
    X(MINSS, "minss %xmm1, %xmm0") X(MINSD, "minsd %xmm1, %xmm0") \
    X(MAXPS, "maxps %xmm1, %xmm0") X(MAXPD, "maxpd %xmm1, %xmm0") \
    X(MAXSS, "maxss %xmm1, %xmm0") X(MAXSD, "maxsd %xmm1, %xmm0") \
    X(SQRTPS, "sqrtps %xmm1, %xmm0") X(SQRTPD, "sqrtpd %xmm1, %xmm0") \
    X(SQRTSS, "sqrtss %xmm1, %xmm0") X(SQRTSD, "sqrtsd %xmm1, %xmm0") \
    X(RSQRTPS, "rsqrtps %xmm1, %xmm0") X(RSQRTSS, "rsqrtss %xmm1, %xmm0") \
    X(RCPPS, "rcpps %xmm1, %xmm0") X(RCPSS, "rcpss %xmm1, %xmm0") \
    X(COMISS, "comiss %xmm1, %xmm0") X(COMISD, "comisd %xmm1, %xmm0") \
    X(UCOMISS, "ucomiss %xmm1, %xmm0") X(UCOMISD, "ucomisd %xmm1, %xmm0") \
    X(CVTPS2PD, "cvtps2pd %xmm1, %xmm0") X(CVTPD2PS, "cvtpd2ps %xmm1, %xmm0") \
    X(CVTSS2SD, "cvtss2sd %xmm1, %xmm0") X(CVTSD2SS, "cvtsd2ss %xmm1, %xmm0") \
    X(CVTDQ2PS, "cvtdq2ps %xmm1, %xmm0") X(CVTPS2DQ, "cvtps2dq %xmm1, %xmm0") \
    X(CVTTPS2DQ, "cvttps2dq %xmm1, %xmm0") X(CVTTPD2DQ, "cvttpd2dq %xmm1, %xmm0") \
    X(CVTDQ2PD, "cvtdq2pd %xmm1, %xmm0") X(CVTPD2DQ, "cvtpd2dq %xmm1, %xmm0") \
    X(CVTSI2SS32, "cvtsi2ssl %eax, %xmm0") X(CVTSI2SS64, "cvtsi2ssq %rax, %xmm0") \
    X(CVTSI2SD32, "cvtsi2sdl %eax, %xmm0") X(CVTSI2SD64, "cvtsi2sdq %rax, %xmm0") \
    X(CVTSS2SI32, "cvtss2si %xmm1, %eax") X(CVTSS2SI64, "cvtss2si %xmm1, %rax") \
    X(CVTTSS2SI32, "cvttss2si %xmm1, %eax") X(CVTTSS2SI64, "cvttss2si %xmm1, %rax") \
    X(CVTSD2SI32, "cvtsd2si %xmm1, %eax") X(CVTSD2SI64, "cvtsd2si %xmm1, %rax") \
    X(CVTTSD2SI32, "cvttsd2si %xmm1, %eax") X(CVTTSD2SI64, "cvttsd2si %xmm1, %rax") \
    X(ADDSUBPS, "addsubps %xmm1, %xmm0") X(ADDSUBPD, "addsubpd %xmm1, %xmm0") \
    X(HADDPS, "haddps %xmm1, %xmm0") X(HADDPD, "haddpd %xmm1, %xmm0") \
    X(HSUBPS, "hsubps %xmm1, %xmm0") X(HSUBPD, "hsubpd %xmm1, %xmm0")

typedef enum SseStub {
#define SSE_STUB_ENUM(name, text) SSE_STUB_##name,
    SSE_STUB_LIST(SSE_STUB_ENUM)
#undef SSE_STUB_ENUM
    SSE_STUB_COUNT
} SseStub;

const void *sse_stub(SseStub id);

/*
 * How the lanes of an arithmetic instruction are formed, for the exact
 * post-computation flags when overflow or underflow is unmasked (see
 * sse_fp_finish): lane i of `lanes` computes dst[i] OP src[i] (VERTICAL
 * ops), OP src[i] (SQRT, NARROW: double -> single), the pairs of HADD/HSUB
 * or the alternating subtract/add of ADDSUB.  `width`: bytes per source
 * element.  SSE_LANE_NONE: the instruction cannot overflow or underflow.
 */
typedef enum SseLaneOp {
    SSE_LANE_NONE, SSE_LANE_ADD, SSE_LANE_SUB, SSE_LANE_MUL, SSE_LANE_DIV, SSE_LANE_SQRT,
    SSE_LANE_NARROW, SSE_LANE_HADD, SSE_LANE_HSUB, SSE_LANE_ADDSUB,
} SseLaneOp;

typedef struct SsePost {
    uint8_t op;     /* SseLaneOp */
    uint8_t width;  /* 4 or 8 */
    uint8_t lanes;  /* 1, 2 or 4 */
} SsePost;

/*
 * After a host run with every exception masked that raised `host_flags`:
 * raise #XM (or #UD) as the SDM's SIMD floating-point exception procedure
 * says (vol. 1 11.5.1: unmasked pre-computation exceptions stop the
 * instruction before the post-computation ones are looked for; an unmasked
 * overflow/underflow leaves the destination unchanged, with PE telling
 * whether the result rounded to an unbounded exponent was inexact and UE
 * raised by tininess alone), setting the MXCSR flags it sets; else merge
 * the flags into MXCSR.  d and s are the operands as the host saw them.
 */
void sse_fp_finish(X86Cpu *cpu, uint32_t host_flags, SsePost post, const X86Xmm *d,
                   const X86Xmm *s);

/* Run stub on (d, s) under the guest's MXCSR; returns the raised flags (result in *d). */
uint32_t sse_fp_host(X86Cpu *cpu, const void *stub, X86Xmm *d, const X86Xmm *s);

/* ---- packed integer instructions (sse_int.c) ---- */

/*
 * d = d OP s over n bytes (8 for an MMX register, 16 for an XMM register),
 * imm the instruction's imm8 or 0.  s holds the source as read (an MMX
 * source in its low 8 bytes).
 */
typedef void (*SseIntFn)(X86Xmm *d, const X86Xmm *s, unsigned n, uint8_t imm);

/*
 * Run an integer op of the MMX (Pq, Qq/Qd) or XMM (Vx, Wx) form the row
 * has: checks, the source (m128 aligned for XMM; the row's size for MMX),
 * fn, the write-back and the MMX transition.  Rows whose second operand is
 * Ib (the shift groups 12-14) shift operand 0 by the immediate.
 */
void sse_int_run(X86Cpu *cpu, const X86Insn *insn, SseIntFn fn, SseFeature mmx_feature,
                 SseFeature xmm_feature);

static inline int16_t sse_sat16(int32_t v)
{
    return v > 32767 ? 32767 : v < -32768 ? -32768 : (int16_t)v;
}

static inline int8_t sse_sat8(int32_t v)
{
    return v > 127 ? 127 : v < -128 ? -128 : (int8_t)v;
}

/* ---- family registration ---- */

void sse_register_moves(X86Handler *table);    /* sse.c */
void sse_register_fp(X86Handler *table);       /* sse_fp.c */
void sse_register_fpx(X86Handler *table);      /* sse_fpx.c */
void sse_register_int(X86Handler *table);      /* sse_int.c */
void sse_register_ssse3(X86Handler *table);    /* sse_ssse3.c */
void sse_register_sse4(X86Handler *table);     /* sse4.c */
void sse_register_pcmpstr(X86Handler *table);  /* sse_pcmpstr.c */
void sse_register_crypto(X86Handler *table);   /* sse_crypto.c */
void mmx_register(X86Handler *table);          /* mmx.c */
void xsave_register(X86Handler *table);        /* xsave.c */

#endif
