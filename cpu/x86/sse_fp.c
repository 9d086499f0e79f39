/* SSE/SSE2/SSE3/SSE4.1 floating-point arithmetic, compares and rounding, run on the host's SSE unit. */
#include "cpu/x86/sse_internal.h"

#include "ui/log.h"

/*
 * Floating point runs on the host: the guest's operands go into host XMM
 * registers, the guest's MXCSR controls (rounding, DAZ, FTZ) into the host
 * MXCSR with every exception masked, and one host instruction computes the
 * exact result and the exception flags.  sse_fp_finish() then decides what
 * the guest sees: masked exceptions only set flags; an unmasked one raises
 * #XM with the destination untouched.  The one thing the masked host run
 * cannot tell is what an unmasked overflow or underflow reports (tininess
 * of an exact result, inexactness at an unbounded exponent); for those the
 * lanes are recomputed on the host's x87 at the destination's precision
 * with its 15-bit exponent, which is exactly the SDM's "rounded to the
 * destination precision with an unbounded exponent".
 *
 * Stubs that need SSE3 or SSE4.1 run only where the host has them; the
 * guest gets #UD otherwise (and its CPUID should not offer them).
 */

/* ---- the host stubs ---- */

#define SSE_STUB_ASM(name, text) ".balign 16\n endbr64\n " text "\n ret\n"

/* Offsets of SseHostFrame used below. */
_Static_assert(offsetof(SseHostFrame, b) == 16, "frame layout");
_Static_assert(offsetof(SseHostFrame, c) == 32, "frame layout");
_Static_assert(offsetof(SseHostFrame, gpr) == 48, "frame layout");
_Static_assert(offsetof(SseHostFrame, mxcsr) == 56, "frame layout");
_Static_assert(offsetof(SseHostFrame, rflags) == 64, "frame layout");

extern const uint8_t sse_stubs[] __attribute__((visibility("hidden")));
extern const uint8_t sse_stubs_cmp[] __attribute__((visibility("hidden")));
extern const uint8_t sse_stubs_round[] __attribute__((visibility("hidden")));
extern const uint8_t sse_stubs_dpps[] __attribute__((visibility("hidden")));
extern const uint8_t sse_stubs_dppd[] __attribute__((visibility("hidden")));

__asm__(
    ".pushsection .text\n"
    /* sse_host_call(stub, frame): the host MXCSR is saved and restored around the stub. */
    ".balign 16\n"
    ".globl sse_host_call\n"
    ".hidden sse_host_call\n"
    "sse_host_call:\n"
    " endbr64\n"
    " push %rbx\n"
    " sub $16, %rsp\n"
    " stmxcsr (%rsp)\n"
    " mov %rsi, %rbx\n"
    " ldmxcsr 56(%rbx)\n"
    " movdqu 0(%rbx), %xmm0\n"
    " movdqu 16(%rbx), %xmm1\n"
    " movdqu 32(%rbx), %xmm2\n"
    " mov 48(%rbx), %rax\n"
    " call *%rdi\n"
    " pushfq\n"
    " popq 64(%rbx)\n"
    " movdqu %xmm0, 0(%rbx)\n"
    " mov %rax, 48(%rbx)\n"
    " stmxcsr 56(%rbx)\n"
    " ldmxcsr (%rsp)\n"
    " add $16, %rsp\n"
    " pop %rbx\n"
    " ret\n"
    ".balign 16\n"
    ".globl sse_stubs\n"
    ".hidden sse_stubs\n"
    "sse_stubs:\n"
    SSE_STUB_LIST(SSE_STUB_ASM)
    /* CMPPS/CMPPD/CMPSS/CMPSD with predicates 0-7 (legacy SSE uses imm8[2:0]) */
    ".balign 16\n"
    ".globl sse_stubs_cmp\n"
    ".hidden sse_stubs_cmp\n"
    "sse_stubs_cmp:\n"
    ".irp op, cmpps, cmppd, cmpss, cmpsd\n"
    " .irp p, 0, 1, 2, 3, 4, 5, 6, 7\n"
    "  .balign 16\n endbr64\n \\op $\\p, %xmm1, %xmm0\n ret\n"
    " .endr\n"
    ".endr\n"
    /* ROUNDPS/ROUNDPD/ROUNDSS/ROUNDSD with imm8[3:0] */
    ".balign 16\n"
    ".globl sse_stubs_round\n"
    ".hidden sse_stubs_round\n"
    "sse_stubs_round:\n"
    ".irp op, roundps, roundpd, roundss, roundsd\n"
    " .set sse_round_imm, 0\n"
    " .rept 16\n"
    "  .balign 16\n endbr64\n \\op $sse_round_imm, %xmm1, %xmm0\n ret\n"
    "  .set sse_round_imm, sse_round_imm + 1\n"
    " .endr\n"
    ".endr\n"
    ".balign 16\n"
    ".globl sse_stubs_dpps\n"
    ".hidden sse_stubs_dpps\n"
    "sse_stubs_dpps:\n"
    ".set sse_dp_imm, 0\n"
    ".rept 256\n"
    " .balign 16\n endbr64\n dpps $sse_dp_imm, %xmm1, %xmm0\n ret\n"
    " .set sse_dp_imm, sse_dp_imm + 1\n"
    ".endr\n"
    ".balign 16\n"
    ".globl sse_stubs_dppd\n"
    ".hidden sse_stubs_dppd\n"
    "sse_stubs_dppd:\n"
    ".set sse_dp_imm, 0\n"
    ".rept 256\n"
    " .balign 16\n endbr64\n dppd $sse_dp_imm, %xmm1, %xmm0\n ret\n"
    " .set sse_dp_imm, sse_dp_imm + 1\n"
    ".endr\n"
    ".popsection\n");

const void *sse_stub(SseStub id)
{
    return sse_stubs + (size_t)id * SSE_STUB_SIZE;
}

uint32_t sse_fp_host(X86Cpu *cpu, const void *stub, X86Xmm *d, const X86Xmm *s)
{
    SseHostFrame f = { .a = *d, .b = *s, .mxcsr = sse_host_mxcsr(cpu->s.fpu.mxcsr) };
    sse_host_call(stub, &f);
    *d = f.a;
    return f.mxcsr & MXCSR_FLAGS;
}

/* ---- exact post-computation flags for unmasked overflow/underflow ---- */

/* One lane: (a OP b) with the source and result precision. */
typedef struct Lane {
    SseLaneOp op;       /* ADD, SUB, MUL, DIV, SQRT or NARROW */
    unsigned width;     /* bytes of a and b */
    uint64_t a, b;
} Lane;

static Lane lane_of(SsePost post, const X86Xmm *d, const X86Xmm *s, unsigned i)
{
    Lane l = { .op = post.op, .width = post.width };
    uint64_t dv[4], sv[4];
    unsigned n = 16 / post.width;
    for (unsigned k = 0; k < n; k++) {
        dv[k] = post.width == 4 ? d->d[k] : d->q[k];
        sv[k] = post.width == 4 ? s->d[k] : s->q[k];
    }
    switch (post.op) {
    case SSE_LANE_HADD:
    case SSE_LANE_HSUB: {
        /* lanes 0..n/2-1 pair up the destination's elements, the rest the source's */
        const uint64_t *v = i < n / 2 ? dv : sv;
        unsigned j = (i % (n / 2)) * 2;
        l.op = post.op == SSE_LANE_HADD ? SSE_LANE_ADD : SSE_LANE_SUB;
        l.a = v[j];
        l.b = v[j + 1];
        return l;
    }
    case SSE_LANE_ADDSUB:
        l.op = (i & 1) ? SSE_LANE_ADD : SSE_LANE_SUB;
        break;
    case SSE_LANE_SQRT:
    case SSE_LANE_NARROW:
        l.a = sv[i];
        return l;
    default:
        break;
    }
    l.a = dv[i];
    l.b = sv[i];
    return l;
}

typedef struct Unpacked {
    bool nan, inf, zero, denormal, negative;
} Unpacked;

static Unpacked classify(uint64_t v, unsigned width)
{
    Unpacked u;
    uint64_t exp, man;
    if (width == 4) {
        exp = (v >> 23) & 0xff;
        man = v & 0x7fffff;
        u.negative = (v >> 31) & 1;
        u.nan = exp == 0xff && man;
        u.inf = exp == 0xff && !man;
    } else {
        exp = (v >> 52) & 0x7ff;
        man = v & 0xfffffffffffffull;
        u.negative = v >> 63;
        u.nan = exp == 0x7ff && man;
        u.inf = exp == 0x7ff && !man;
    }
    u.zero = exp == 0 && !man;
    u.denormal = exp == 0 && man;
    return u;
}

/* The value as an x87 extended (exact), with DAZ's zeroing of denormal inputs. */
static long double to_extended(uint64_t v, unsigned width, bool daz)
{
    Unpacked u = classify(v, width);
    if (daz && u.denormal) {
        return u.negative ? -0.0L : 0.0L;
    }
    if (width == 4) {
        float f;
        uint32_t w = (uint32_t)v;
        memcpy(&f, &w, 4);
        return f;
    }
    double x;
    memcpy(&x, &v, 8);
    return x;
}

/*
 * x OP y on the host x87 under control word cw (precision and rounding of
 * the SSE destination, all exceptions masked); *inexact from its PE flag.
 */
static long double x87_compute(SseLaneOp op, long double x, long double y, uint16_t cw,
                               bool *inexact)
{
    long double r;
    uint16_t saved, sw;
    switch (op) {
    case SSE_LANE_ADD:
        __asm__ volatile("fnstcw %1\n\tfldcw %4\n\tfnclex\n\tfadd %%st(1), %%st\n\t"
                         "fnstsw %2\n\tfnclex\n\tfldcw %1"
                         : "=t"(r), "=m"(saved), "=m"(sw) : "0"(x), "m"(cw), "u"(y));
        break;
    case SSE_LANE_SUB:
        __asm__ volatile("fnstcw %1\n\tfldcw %4\n\tfnclex\n\tfsub %%st(1), %%st\n\t"
                         "fnstsw %2\n\tfnclex\n\tfldcw %1"
                         : "=t"(r), "=m"(saved), "=m"(sw) : "0"(x), "m"(cw), "u"(y));
        break;
    case SSE_LANE_MUL:
        __asm__ volatile("fnstcw %1\n\tfldcw %4\n\tfnclex\n\tfmul %%st(1), %%st\n\t"
                         "fnstsw %2\n\tfnclex\n\tfldcw %1"
                         : "=t"(r), "=m"(saved), "=m"(sw) : "0"(x), "m"(cw), "u"(y));
        break;
    case SSE_LANE_DIV:
        __asm__ volatile("fnstcw %1\n\tfldcw %4\n\tfnclex\n\tfdiv %%st(1), %%st\n\t"
                         "fnstsw %2\n\tfnclex\n\tfldcw %1"
                         : "=t"(r), "=m"(saved), "=m"(sw) : "0"(x), "m"(cw), "u"(y));
        break;
    case SSE_LANE_SQRT:
        __asm__ volatile("fnstcw %1\n\tfldcw %4\n\tfnclex\n\tfsqrt\n\t"
                         "fnstsw %2\n\tfnclex\n\tfldcw %1"
                         : "=t"(r), "=m"(saved), "=m"(sw) : "0"(x), "m"(cw));
        break;
    default:    /* NARROW: x * 1, rounded to single precision */
        y = 1.0L;
        __asm__ volatile("fnstcw %1\n\tfldcw %4\n\tfnclex\n\tfmul %%st(1), %%st\n\t"
                         "fnstsw %2\n\tfnclex\n\tfldcw %1"
                         : "=t"(r), "=m"(saved), "=m"(sw) : "0"(x), "m"(cw), "u"(y));
        break;
    }
    *inexact = (sw & 0x20) != 0;
    return r;
}

/* The scalar host stub that computes one lane (for the masked underflow response). */
static SseStub scalar_stub(SseLaneOp op, unsigned width)
{
    bool s = width == 4;
    switch (op) {
    case SSE_LANE_ADD: return s ? SSE_STUB_ADDSS : SSE_STUB_ADDSD;
    case SSE_LANE_SUB: return s ? SSE_STUB_SUBSS : SSE_STUB_SUBSD;
    case SSE_LANE_MUL: return s ? SSE_STUB_MULSS : SSE_STUB_MULSD;
    case SSE_LANE_DIV: return s ? SSE_STUB_DIVSS : SSE_STUB_DIVSD;
    case SSE_LANE_SQRT: return s ? SSE_STUB_SQRTSS : SSE_STUB_SQRTSD;
    default: return SSE_STUB_CVTSD2SS;
    }
}

/*
 * The post-computation flags of one lane as the SDM defines them for the
 * guest's masks (SDM vol. 1 4.9.1.4-4.9.1.6, 11.5.2.4-11.5.2.6): tininess
 * and overflow are judged after rounding to an unbounded exponent; unmasked,
 * PE says whether that rounding was inexact.
 */
static uint32_t lane_post_flags(X86Cpu *cpu, const Lane *l)
{
    uint32_t mx = cpu->s.fpu.mxcsr;
    bool daz = mx & MXCSR_DAZ;
    Unpacked a = classify(l->a, l->width), b = classify(l->b, l->width);
    bool unary = l->op == SSE_LANE_SQRT || l->op == SSE_LANE_NARROW;
    if (a.nan || a.inf || (!unary && (b.nan || b.inf))) {
        return 0;
    }
    if (l->op == SSE_LANE_DIV && (b.zero || (daz && b.denormal))) {
        return 0;
    }
    if (l->op == SSE_LANE_SQRT && a.negative && !(a.zero || (daz && a.denormal))) {
        return 0;
    }
    unsigned target = l->op == SSE_LANE_NARROW ? 4 : l->width;
    uint16_t cw = 0x007f | (target == 4 ? 0x0000 : 0x0200) |
                  (uint16_t)(((mx & MXCSR_RC) >> MXCSR_RC_SHIFT) << 10);
    bool inexact;
    long double r = x87_compute(l->op, to_extended(l->a, l->width, daz),
                                to_extended(l->b, l->width, daz), cw, &inexact);
    uint8_t bytes[16] = { 0 };
    memcpy(bytes, &r, 10);
    uint16_t se;
    uint64_t man;
    memcpy(&man, bytes, 8);
    memcpy(&se, bytes + 8, 2);
    int exp = (int)(se & 0x7fff) - 16383;
    int emin = target == 4 ? -126 : -1022, emax = target == 4 ? 127 : 1023;
    uint32_t pe = inexact ? MXCSR_PE : 0;
    if (man == 0) {
        return pe;
    }
    if (exp > emax) {
        bool om_masked = mx & (MXCSR_OE << MXCSR_MASK_SHIFT);
        return MXCSR_OE | (om_masked ? MXCSR_PE : pe);
    }
    if (exp < emin) {
        if (!(mx & (MXCSR_UE << MXCSR_MASK_SHIFT))) {
            return MXCSR_UE | pe;
        }
        /* Masked underflow: the host's denormal (or FTZ) response for this lane. */
        X86Xmm d = { .q = { l->a } }, s = { .q = { unary ? l->a : l->b } };
        return sse_fp_host(cpu, sse_stub(scalar_stub(l->op, l->width)), &d, &s) & MXCSR_POST;
    }
    return pe;
}

void sse_fp_finish(X86Cpu *cpu, uint32_t host_flags, SsePost post, const X86Xmm *d,
                   const X86Xmm *s)
{
    uint32_t mx = cpu->s.fpu.mxcsr;
    uint32_t unmasked = ~(mx >> MXCSR_MASK_SHIFT) & MXCSR_FLAGS;
    uint32_t pre = host_flags & MXCSR_PRE;
    if (pre & unmasked) {
        cpu->s.fpu.mxcsr |= pre;
        sse_raise_simd_fp(cpu);
    }
    uint32_t post_flags = host_flags & MXCSR_POST;
    if ((unmasked & (MXCSR_OE | MXCSR_UE)) && post.op != SSE_LANE_NONE) {
        post_flags = 0;
        for (unsigned i = 0; i < post.lanes; i++) {
            Lane l = lane_of(post, d, s, i);
            post_flags |= lane_post_flags(cpu, &l);
        }
    }
    if (post_flags & unmasked) {
        cpu->s.fpu.mxcsr |= pre | post_flags;
        sse_raise_simd_fp(cpu);
    }
    cpu->s.fpu.mxcsr |= host_flags;
}

/* ---- the arithmetic instructions ---- */

typedef struct FpOp {
    uint8_t stub;       /* SseStub */
    uint8_t feature;    /* SseFeature */
    uint8_t mem;        /* bytes of a memory source; 16 means m128, aligned */
    SsePost post;
} FpOp;

#define PS(name, lane) { SSE_STUB_##name, SSE_FEAT_SSE, 16, { SSE_LANE_##lane, 4, 4 } }
#define PD(name, lane) { SSE_STUB_##name, SSE_FEAT_SSE2, 16, { SSE_LANE_##lane, 8, 2 } }
#define SS(name, lane) { SSE_STUB_##name, SSE_FEAT_SSE, 4, { SSE_LANE_##lane, 4, 1 } }
#define SD(name, lane) { SSE_STUB_##name, SSE_FEAT_SSE2, 8, { SSE_LANE_##lane, 8, 1 } }
#define P3(name, lane, w) { SSE_STUB_##name, SSE_FEAT_SSE3, 16, { SSE_LANE_##lane, w, 16 / w } }

static const FpOp fp_ops[X86_OP_COUNT] = {
    [X86_OP_ADDPS] = PS(ADDPS, ADD), [X86_OP_ADDPD] = PD(ADDPD, ADD),
    [X86_OP_ADDSS] = SS(ADDSS, ADD), [X86_OP_ADDSD] = SD(ADDSD, ADD),
    [X86_OP_SUBPS] = PS(SUBPS, SUB), [X86_OP_SUBPD] = PD(SUBPD, SUB),
    [X86_OP_SUBSS] = SS(SUBSS, SUB), [X86_OP_SUBSD] = SD(SUBSD, SUB),
    [X86_OP_MULPS] = PS(MULPS, MUL), [X86_OP_MULPD] = PD(MULPD, MUL),
    [X86_OP_MULSS] = SS(MULSS, MUL), [X86_OP_MULSD] = SD(MULSD, MUL),
    [X86_OP_DIVPS] = PS(DIVPS, DIV), [X86_OP_DIVPD] = PD(DIVPD, DIV),
    [X86_OP_DIVSS] = SS(DIVSS, DIV), [X86_OP_DIVSD] = SD(DIVSD, DIV),
    [X86_OP_MINPS] = PS(MINPS, NONE), [X86_OP_MINPD] = PD(MINPD, NONE),
    [X86_OP_MINSS] = SS(MINSS, NONE), [X86_OP_MINSD] = SD(MINSD, NONE),
    [X86_OP_MAXPS] = PS(MAXPS, NONE), [X86_OP_MAXPD] = PD(MAXPD, NONE),
    [X86_OP_MAXSS] = SS(MAXSS, NONE), [X86_OP_MAXSD] = SD(MAXSD, NONE),
    [X86_OP_SQRTPS] = PS(SQRTPS, SQRT), [X86_OP_SQRTPD] = PD(SQRTPD, SQRT),
    [X86_OP_SQRTSS] = SS(SQRTSS, SQRT), [X86_OP_SQRTSD] = SD(SQRTSD, SQRT),
    [X86_OP_RSQRTPS] = PS(RSQRTPS, NONE), [X86_OP_RSQRTSS] = SS(RSQRTSS, NONE),
    [X86_OP_RCPPS] = PS(RCPPS, NONE), [X86_OP_RCPSS] = SS(RCPSS, NONE),
    [X86_OP_ADDSUBPS] = P3(ADDSUBPS, ADDSUB, 4), [X86_OP_ADDSUBPD] = P3(ADDSUBPD, ADDSUB, 8),
    [X86_OP_HADDPS] = P3(HADDPS, HADD, 4), [X86_OP_HADDPD] = P3(HADDPD, HADD, 8),
    [X86_OP_HSUBPS] = P3(HSUBPS, HSUB, 4), [X86_OP_HSUBPD] = P3(HSUBPD, HSUB, 8),
};

/* A stub needing a host extension the host lacks: the guest gets #UD. */
static void require_host(X86Cpu *cpu, const X86Insn *insn, unsigned ecx_bit, const char *what)
{
    if (!sse_host_has_ecx1(ecx_bit)) {
        log_mask(LOG_UNIMP, "%s needs the host's %s\n", x86_op_name(insn->op), what);
        x86_raise_ud(cpu);
    }
}

/* dst = dst OP src for the instructions of fp_ops[]. */
static void op_fp_arith(X86Cpu *cpu, const X86Insn *insn)
{
    const FpOp *op = &fp_ops[insn->op];
    sse_check(cpu, insn, op->feature);
    if (op->feature == SSE_FEAT_SSE3) {
        require_host(cpu, insn, 0, "SSE3");
    }
    X86Xmm s, d;
    sse_read(cpu, insn, 1, &s, op->mem, op->mem == 16);
    X86Xmm *dst = sse_xmm(cpu, insn->reg);
    d = *dst;
    X86Xmm r = d;
    uint32_t flags = sse_fp_host(cpu, sse_stub(op->stub), &r, &s);
    sse_fp_finish(cpu, flags, op->post, &d, &s);
    *dst = r;
}

/* ---- CMPPS/CMPPD/CMPSS/CMPSD ---- */

static void op_fp_cmp(X86Cpu *cpu, const X86Insn *insn)
{
    static const struct { uint8_t feature, mem, table; } forms[] = {
        [0] = { SSE_FEAT_SSE, 16, 0 }, [1] = { SSE_FEAT_SSE2, 16, 1 },
        [2] = { SSE_FEAT_SSE, 4, 2 }, [3] = { SSE_FEAT_SSE2, 8, 3 },
    };
    unsigned form = insn->op == X86_OP_CMPPS ? 0 : insn->op == X86_OP_CMPPD ? 1
                  : insn->op == X86_OP_CMPSS ? 2 : 3;
    sse_check(cpu, insn, forms[form].feature);
    X86Xmm s, d;
    sse_read(cpu, insn, 1, &s, forms[form].mem, forms[form].mem == 16);
    X86Xmm *dst = sse_xmm(cpu, insn->reg);
    d = *dst;
    const uint8_t *stub = sse_stubs_cmp + (forms[form].table * 8 + (sse_imm8(insn) & 7)) *
                                              SSE_STUB_SIZE;
    uint32_t flags = sse_fp_host(cpu, stub, &d, &s);
    sse_fp_finish(cpu, flags, (SsePost){ 0 }, dst, &s);
    *dst = d;
}

/* ---- COMISS/COMISD/UCOMISS/UCOMISD: ZF, PF, CF from the compare; OF, SF, AF cleared ---- */

static void op_fp_comi(X86Cpu *cpu, const X86Insn *insn)
{
    bool dbl = insn->op == X86_OP_COMISD || insn->op == X86_OP_UCOMISD;
    SseStub stub = insn->op == X86_OP_COMISS ? SSE_STUB_COMISS
                 : insn->op == X86_OP_COMISD ? SSE_STUB_COMISD
                 : insn->op == X86_OP_UCOMISS ? SSE_STUB_UCOMISS : SSE_STUB_UCOMISD;
    sse_check(cpu, insn, dbl ? SSE_FEAT_SSE2 : SSE_FEAT_SSE);
    X86Xmm s;
    sse_read(cpu, insn, 1, &s, dbl ? 8 : 4, false);
    SseHostFrame f = { .a = *sse_xmm(cpu, insn->reg), .b = s,
                       .mxcsr = sse_host_mxcsr(cpu->s.fpu.mxcsr) };
    sse_host_call(sse_stub(stub), &f);
    sse_fp_finish(cpu, f.mxcsr & MXCSR_FLAGS, (SsePost){ 0 }, &f.a, &s);
    const uint64_t status = X86_FLAG_CF | X86_FLAG_PF | X86_FLAG_AF | X86_FLAG_ZF |
                            X86_FLAG_SF | X86_FLAG_OF;
    cpu->s.rflags = (cpu->s.rflags & ~status) |
                    (f.rflags & (X86_FLAG_ZF | X86_FLAG_PF | X86_FLAG_CF));
}

/* ---- ROUNDPS/ROUNDPD/ROUNDSS/ROUNDSD (SSE4.1): imm8[3:0] ---- */

static void op_fp_round(X86Cpu *cpu, const X86Insn *insn)
{
    unsigned form = insn->op - X86_OP_ROUNDPS;   /* PS, PD, SS, SD in decode.h order */
    static const uint8_t mem[] = { 16, 16, 4, 8 };
    sse_check(cpu, insn, SSE_FEAT_SSE41);
    require_host(cpu, insn, 19, "SSE4.1");
    X86Xmm s;
    sse_read(cpu, insn, 1, &s, mem[form], mem[form] == 16);
    X86Xmm *dst = sse_xmm(cpu, insn->reg);
    X86Xmm d = *dst;
    const uint8_t *stub = sse_stubs_round + (form * 16 + (sse_imm8(insn) & 15)) * SSE_STUB_SIZE;
    uint32_t flags = sse_fp_host(cpu, stub, &d, &s);
    sse_fp_finish(cpu, flags, (SsePost){ 0 }, dst, &s);
    *dst = d;
}

/* ---- DPPS/DPPD (SSE4.1) ---- */

/*
 * One step of a dot product: n multiplies or adds a[i] OP b[i] (those not
 * `on` give +0.0 and raise nothing), each rounded by the host's scalar
 * instruction.  The step's exceptions are those of a packed instruction
 * (pre-computation ones first); an unmasked one raises #XM with the flags
 * of the steps before (`acc`) and of this one.
 */
static void dp_step(X86Cpu *cpu, SseLaneOp op, unsigned width, const uint64_t *a,
                    const uint64_t *b, uint64_t *r, unsigned n, unsigned on, uint32_t *acc)
{
    uint32_t unmasked = ~(cpu->s.fpu.mxcsr >> MXCSR_MASK_SHIFT) & MXCSR_FLAGS;
    uint32_t flags = 0;
    for (unsigned i = 0; i < n; i++) {
        r[i] = 0;
        if (on & (1u << i)) {
            X86Xmm d = { .q = { a[i] } }, s = { .q = { b[i] } };
            flags |= sse_fp_host(cpu, sse_stub(scalar_stub(op, width)), &d, &s);
            r[i] = width == 4 ? d.d[0] : d.q[0];
        }
    }
    uint32_t pre = flags & MXCSR_PRE, post = flags & MXCSR_POST;
    if (pre & unmasked) {
        cpu->s.fpu.mxcsr |= *acc | pre;
        sse_raise_simd_fp(cpu);
    }
    if (unmasked & (MXCSR_OE | MXCSR_UE)) {
        post = 0;
        for (unsigned i = 0; i < n; i++) {
            if (on & (1u << i)) {
                Lane l = { .op = op, .width = width, .a = a[i], .b = b[i] };
                post |= lane_post_flags(cpu, &l);
            }
        }
    }
    if (post & unmasked) {
        cpu->s.fpu.mxcsr |= *acc | pre | post;
        sse_raise_simd_fp(cpu);
    }
    *acc |= pre | post;
}

/*
 * SDM vol. 2 DPPS/DPPD: the products (imm8[7:4] selects them, the others
 * are +0.0) are rounded, then added in pairs, each sum rounded, and
 * "exceptions are determined separately for each add and multiply
 * operation": an unmasked exception in one step leaves the later steps
 * undone, so their flags are not set (the host's masked whole-instruction
 * run sets them), and an exact tiny product (no masked flag) still raises
 * an unmasked underflow.  The steps decide the exceptions; without one, the
 * host's DPPS gives the result and flags.
 */
static void op_fp_dp(X86Cpu *cpu, const X86Insn *insn)
{
    sse_check(cpu, insn, SSE_FEAT_SSE41);
    require_host(cpu, insn, 19, "SSE4.1");
    X86Xmm s;
    sse_read(cpu, insn, 1, &s, 16, true);
    X86Xmm *dst = sse_xmm(cpu, insn->reg);
    X86Xmm d = *dst;
    uint8_t imm = sse_imm8(insn);
    uint32_t unmasked = ~(cpu->s.fpu.mxcsr >> MXCSR_MASK_SHIFT) & MXCSR_FLAGS;
    if (unmasked) {
        uint64_t a[4], b[4], t1[4], t2[2], t3[1];
        uint32_t acc = 0;
        if (insn->op == X86_OP_DPPS) {
            for (unsigned i = 0; i < 4; i++) {
                a[i] = d.d[i];
                b[i] = s.d[i];
            }
            dp_step(cpu, SSE_LANE_MUL, 4, a, b, t1, 4, imm >> 4, &acc);
            const uint64_t lo[2] = { t1[0], t1[2] }, hi[2] = { t1[1], t1[3] };
            dp_step(cpu, SSE_LANE_ADD, 4, lo, hi, t2, 2, 3, &acc);
            dp_step(cpu, SSE_LANE_ADD, 4, &t2[0], &t2[1], t3, 1, 1, &acc);
        } else {
            dp_step(cpu, SSE_LANE_MUL, 8, d.q, s.q, t1, 2, (imm >> 4) & 3, &acc);
            dp_step(cpu, SSE_LANE_ADD, 8, &t1[0], &t1[1], t3, 1, 1, &acc);
        }
    }
    const uint8_t *table = insn->op == X86_OP_DPPS ? sse_stubs_dpps : sse_stubs_dppd;
    cpu->s.fpu.mxcsr |= sse_fp_host(cpu, table + imm * SSE_STUB_SIZE, &d, &s);
    *dst = d;
}

void sse_register_fp(X86Handler *table)
{
    for (unsigned op = 0; op < X86_OP_COUNT; op++) {
        if (fp_ops[op].feature) {
            table[op] = op_fp_arith;
        }
    }
    table[X86_OP_CMPPS] = op_fp_cmp;
    table[X86_OP_CMPPD] = op_fp_cmp;
    table[X86_OP_CMPSS] = op_fp_cmp;
    table[X86_OP_CMPSD] = op_fp_cmp;
    table[X86_OP_COMISS] = op_fp_comi;
    table[X86_OP_COMISD] = op_fp_comi;
    table[X86_OP_UCOMISS] = op_fp_comi;
    table[X86_OP_UCOMISD] = op_fp_comi;
    table[X86_OP_ROUNDPS] = op_fp_round;
    table[X86_OP_ROUNDPD] = op_fp_round;
    table[X86_OP_ROUNDSS] = op_fp_round;
    table[X86_OP_ROUNDSD] = op_fp_round;
    table[X86_OP_DPPS] = op_fp_dp;
    table[X86_OP_DPPD] = op_fp_dp;
}
