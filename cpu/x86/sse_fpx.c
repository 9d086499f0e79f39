/* SSE/SSE2 conversions between single, double, packed and scalar integers, MMX and general registers. */
#include "cpu/x86/sse_internal.h"

/*
 * Each conversion is one host instruction (sse_fp.c runs it under the
 * guest's MXCSR).  The MMX forms use the host's XMM forms of the same
 * per-element conversion (CVTPS2PI = the low half of CVTPS2DQ, ...) so the
 * host's x87/MMX state is never touched; unused source elements are zero,
 * which converts exactly and raises nothing.
 */

typedef enum ConvShape {
    CONV_XMM,       /* xmm <- xmm/mem: the whole destination is the stub's */
    CONV_PI2PS,     /* xmm low half <- mm/m64; the high half stays */
    CONV_TO_MMX,    /* mm <- the low half of the stub's result */
    CONV_FROM_GPR,  /* xmm scalar <- r/m32/64 */
    CONV_TO_GPR,    /* r32/64 <- xmm scalar/mem */
} ConvShape;

typedef struct ConvOp {
    uint8_t stub;       /* SseStub (the 32-bit GPR form; the 64-bit one follows it) */
    uint8_t feature;    /* SseFeature */
    uint8_t mem;        /* bytes of a memory source; 16 = m128, aligned */
    uint8_t shape;      /* ConvShape */
    uint8_t low_half;   /* only the source's low 8 bytes are converted */
    SsePost post;       /* double -> single narrowing can overflow/underflow */
} ConvOp;

#define NARROW(lanes) { SSE_LANE_NARROW, 8, lanes }
#define NOPOST { SSE_LANE_NONE, 0, 0 }

static const ConvOp conv_ops[X86_OP_COUNT] = {
    [X86_OP_CVTPI2PS] = { SSE_STUB_CVTDQ2PS, SSE_FEAT_SSE, 8, CONV_PI2PS, 1, NOPOST },
    [X86_OP_CVTPI2PD] = { SSE_STUB_CVTDQ2PD, SSE_FEAT_SSE2, 8, CONV_XMM, 1, NOPOST },
    [X86_OP_CVTSI2SS] = { SSE_STUB_CVTSI2SS32, SSE_FEAT_SSE, 0, CONV_FROM_GPR, 0, NOPOST },
    [X86_OP_CVTSI2SD] = { SSE_STUB_CVTSI2SD32, SSE_FEAT_SSE2, 0, CONV_FROM_GPR, 0, NOPOST },
    [X86_OP_CVTTPS2PI] = { SSE_STUB_CVTTPS2DQ, SSE_FEAT_SSE, 8, CONV_TO_MMX, 1, NOPOST },
    [X86_OP_CVTPS2PI] = { SSE_STUB_CVTPS2DQ, SSE_FEAT_SSE, 8, CONV_TO_MMX, 1, NOPOST },
    [X86_OP_CVTTPD2PI] = { SSE_STUB_CVTTPD2DQ, SSE_FEAT_SSE2, 16, CONV_TO_MMX, 0, NOPOST },
    [X86_OP_CVTPD2PI] = { SSE_STUB_CVTPD2DQ, SSE_FEAT_SSE2, 16, CONV_TO_MMX, 0, NOPOST },
    [X86_OP_CVTTSS2SI] = { SSE_STUB_CVTTSS2SI32, SSE_FEAT_SSE, 4, CONV_TO_GPR, 0, NOPOST },
    [X86_OP_CVTSS2SI] = { SSE_STUB_CVTSS2SI32, SSE_FEAT_SSE, 4, CONV_TO_GPR, 0, NOPOST },
    [X86_OP_CVTTSD2SI] = { SSE_STUB_CVTTSD2SI32, SSE_FEAT_SSE2, 8, CONV_TO_GPR, 0, NOPOST },
    [X86_OP_CVTSD2SI] = { SSE_STUB_CVTSD2SI32, SSE_FEAT_SSE2, 8, CONV_TO_GPR, 0, NOPOST },
    [X86_OP_CVTPS2PD] = { SSE_STUB_CVTPS2PD, SSE_FEAT_SSE2, 8, CONV_XMM, 0, NOPOST },
    [X86_OP_CVTPD2PS] = { SSE_STUB_CVTPD2PS, SSE_FEAT_SSE2, 16, CONV_XMM, 0, NARROW(2) },
    [X86_OP_CVTSS2SD] = { SSE_STUB_CVTSS2SD, SSE_FEAT_SSE2, 4, CONV_XMM, 0, NOPOST },
    [X86_OP_CVTSD2SS] = { SSE_STUB_CVTSD2SS, SSE_FEAT_SSE2, 8, CONV_XMM, 0, NARROW(1) },
    [X86_OP_CVTDQ2PS] = { SSE_STUB_CVTDQ2PS, SSE_FEAT_SSE2, 16, CONV_XMM, 0, NOPOST },
    [X86_OP_CVTPS2DQ] = { SSE_STUB_CVTPS2DQ, SSE_FEAT_SSE2, 16, CONV_XMM, 0, NOPOST },
    [X86_OP_CVTTPS2DQ] = { SSE_STUB_CVTTPS2DQ, SSE_FEAT_SSE2, 16, CONV_XMM, 0, NOPOST },
    [X86_OP_CVTTPD2DQ] = { SSE_STUB_CVTTPD2DQ, SSE_FEAT_SSE2, 16, CONV_XMM, 0, NOPOST },
    [X86_OP_CVTPD2DQ] = { SSE_STUB_CVTPD2DQ, SSE_FEAT_SSE2, 16, CONV_XMM, 0, NOPOST },
    [X86_OP_CVTDQ2PD] = { SSE_STUB_CVTDQ2PD, SSE_FEAT_SSE2, 8, CONV_XMM, 0, NOPOST },
};

static void op_convert(X86Cpu *cpu, const X86Insn *insn)
{
    const ConvOp *op = &conv_ops[insn->op];
    unsigned dreg, sreg;
    SseOperandClass dst = sse_operand(insn, 0, &dreg);
    sse_operand(insn, 1, &sreg);
    bool mmx = sse_names_mmx_register(insn);
    sse_check(cpu, insn, op->feature);

    SseHostFrame f = { .mxcsr = sse_host_mxcsr(cpu->s.fpu.mxcsr) };
    unsigned stub = op->stub;
    if (op->shape == CONV_FROM_GPR) {
        unsigned size = x86_opnd_size(insn, 1);
        X86Xmm v;
        sse_read(cpu, insn, 1, &v, size, false);
        f.gpr = v.q[0];
        stub += size == 8;
    } else {
        sse_read(cpu, insn, 1, &f.b, op->mem, op->mem == 16);
        if (op->low_half) {
            f.b.q[1] = 0;
        }
        if (op->shape == CONV_TO_GPR) {
            stub += x86_opnd_size(insn, 0) == 8;
        }
    }
    if (dst == SSE_OPND_XMM) {
        f.a = *sse_xmm(cpu, dreg);
    }
    X86Xmm before = f.a;
    sse_host_call(sse_stub(stub), &f);
    if (mmx) {
        /* The x87 -> MMX switch has happened by the time an #XM is raised (as the host shows). */
        mmx_enter(cpu);
    }
    sse_fp_finish(cpu, f.mxcsr & MXCSR_FLAGS, op->post, &before, &f.b);

    switch (op->shape) {
    case CONV_XMM:
    case CONV_FROM_GPR:
        *sse_xmm(cpu, dreg) = f.a;
        break;
    case CONV_PI2PS:
        sse_xmm(cpu, dreg)->q[0] = f.a.q[0];
        break;
    case CONV_TO_MMX:
        mmx_set(cpu, dreg, f.a.q[0]);
        break;
    case CONV_TO_GPR:
        x86_reg_set(cpu, dreg, x86_opnd_size(insn, 0), x86_insn_rex(insn), f.gpr);
        break;
    }
}

void sse_register_fpx(X86Handler *table)
{
    for (unsigned op = 0; op < X86_OP_COUNT; op++) {
        if (conv_ops[op].feature) {
            table[op] = op_convert;
        }
    }
}
