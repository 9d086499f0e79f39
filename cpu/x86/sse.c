/* MMX/SSE common ground: availability checks, operand access, MXCSR, the moves, and the family's registration. */
#include "cpu/x86/sse_internal.h"

#include <assert.h>
#include <cpuid.h>

#include "cpu/x86/cpuid.h"
#include "cpu/x86/x87_internal.h"
#include "ui/log.h"

/* ---- CPUID ---- */

bool sse_guest_has(const X86Cpu *cpu, SseFeature f)
{
    static const struct { uint8_t edx; uint8_t bit; } where[] = {
        [SSE_FEAT_MMX] = { 1, 23 },   [SSE_FEAT_SSE] = { 1, 25 },   [SSE_FEAT_SSE2] = { 1, 26 },
        [SSE_FEAT_SSE3] = { 0, 0 },   [SSE_FEAT_SSSE3] = { 0, 9 },  [SSE_FEAT_SSE41] = { 0, 19 },
        [SSE_FEAT_SSE42] = { 0, 20 }, [SSE_FEAT_AES] = { 0, 25 },   [SSE_FEAT_PCLMUL] = { 0, 1 },
    };
    if (!cpu->cpuid) {
        return false;
    }
    const X86CpuidEntry *e = x86_cpuid_find(cpu->cpuid, 1, 0);
    if (!e) {
        return false;
    }
    uint32_t reg = where[f].edx ? e->edx : e->ecx;
    return (reg >> where[f].bit) & 1;
}

bool sse_host_has_ecx1(unsigned bit)
{
    static uint32_t ecx;
    static int known;
    if (!__atomic_load_n(&known, __ATOMIC_ACQUIRE)) {
        unsigned a, b, c = 0, d;
        __get_cpuid(1, &a, &b, &c, &d);
        ecx = c;
        __atomic_store_n(&known, 1, __ATOMIC_RELEASE);
    }
    return (ecx >> bit) & 1;
}

/* ---- operands ---- */

SseOperandClass sse_operand(const X86Insn *insn, int i, unsigned *reg)
{
    unsigned kind = x86_insn_row(insn)->operand[i];
    bool mem = x86_insn_is_mem(insn);
    if (kind == X86_OPK_XMM0) {
        *reg = 0;
        return SSE_OPND_XMM;
    }
    switch (x86_operand_kind_name(kind)[0]) {
    case 'V':
        *reg = insn->reg;
        return SSE_OPND_XMM;
    case 'U': case 'W':
        *reg = insn->rm;
        return mem ? SSE_OPND_MEM : SSE_OPND_XMM;
    case 'P':
        *reg = insn->reg & 7;
        return SSE_OPND_MMX;
    case 'N': case 'Q':
        *reg = insn->rm & 7;
        return mem ? SSE_OPND_MEM : SSE_OPND_MMX;
    case 'G':
        *reg = insn->reg;
        return SSE_OPND_GPR;
    case 'E': case 'R':
        *reg = insn->rm;
        return mem ? SSE_OPND_MEM : SSE_OPND_GPR;
    case 'M':
        *reg = 0;
        return SSE_OPND_MEM;
    default:
        *reg = 0;
        return SSE_OPND_IMM;
    }
}

bool sse_names_mmx_register(const X86Insn *insn)
{
    const X86OpcodeRow *row = x86_insn_row(insn);
    for (int i = 0; i < 4 && row->operand[i]; i++) {
        unsigned reg;
        if (sse_operand(insn, i, &reg) == SSE_OPND_MMX) {
            return true;
        }
    }
    return false;
}

static bool names_xmm_register(const X86Insn *insn)
{
    const X86OpcodeRow *row = x86_insn_row(insn);
    for (int i = 0; i < 4 && row->operand[i]; i++) {
        unsigned kind = row->operand[i];
        char c = x86_operand_kind_name(kind)[0];
        if (kind == X86_OPK_XMM0 || c == 'V' || c == 'U' || c == 'W') {
            return true;
        }
    }
    return false;
}

/* The checks of SDM vol. 2A table 2-18..2-22 (SSE) and 22-5..22-8 (MMX), in their order. */
static void check_available(X86Cpu *cpu, bool xmm_state, bool mmx_register, SseFeature f)
{
    if (cpu->s.cr0 & X86_CR0_EM) {
        x86_raise_ud(cpu);
    }
    if (xmm_state && !(cpu->s.cr4 & X86_CR4_OSFXSR)) {
        x86_raise_ud(cpu);
    }
    if (!sse_guest_has(cpu, f)) {
        log_mask(LOG_UNIMP, "SIMD instruction at %llx needs a CPUID feature the guest lacks\n",
                 (unsigned long long)cpu->s.rip);
        x86_raise_ud(cpu);
    }
    if (cpu->s.cr0 & X86_CR0_TS) {
        x86_raise(cpu, X86_EXC_NM, X86_NO_ERROR_CODE);
    }
    if (mmx_register) {
        x87_check_pending(cpu);
    }
}

void sse_check(X86Cpu *cpu, const X86Insn *insn, SseFeature f)
{
    check_available(cpu, names_xmm_register(insn), sse_names_mmx_register(insn), f);
}

/* 16-byte alignment of a legacy SSE memory operand: #GP(0) (SDM vol. 1 11.6.7). */
static void check_alignment(X86Cpu *cpu, const X86Insn *insn, uint64_t ea, unsigned len,
                            MmuAccess kind)
{
    if (cpu->vendor_amd && cpu->mode64 &&
        ((ea + (insn->seg >= SEG_FS ? cpu->s.segs[insn->seg].base : 0)) & 15)) {
        /*
         * AMD checks the alignment before the address is canonical: movaps
         * xmm2, [rbp+0x17] with a non-canonical rbp is #GP(0), not #SS(0),
         * natively on an EPYC (aligned, it is #SS).  Found by tandem-difftest.
         */
        x86_raise_gp0(cpu);
    }
    uint64_t la = x86_linear(cpu, insn->seg, ea, len, kind);
    if (la & 15) {
        x86_raise_gp0(cpu);
    }
}

void sse_read(X86Cpu *cpu, const X86Insn *insn, int i, X86Xmm *out, unsigned mem_size,
              bool aligned)
{
    unsigned reg;
    memset(out, 0, sizeof(*out));
    switch (sse_operand(insn, i, &reg)) {
    case SSE_OPND_XMM:
        *out = cpu->s.fpu.xmm[reg];
        return;
    case SSE_OPND_MMX:
        out->q[0] = mmx_get(cpu, reg);
        return;
    case SSE_OPND_GPR:
        out->q[0] = x86_reg_get(cpu, reg, x86_opnd_size(insn, i), x86_insn_rex(insn));
        return;
    case SSE_OPND_MEM: {
        uint64_t ea = x86_insn_ea(cpu, insn);
        if (aligned) {
            check_alignment(cpu, insn, ea, mem_size, MMU_READ);
        }
        x86_read_bytes(cpu, insn->seg, ea, out->b, mem_size);
        return;
    }
    case SSE_OPND_IMM:
        out->q[0] = sse_imm8(insn);
        return;
    }
}

uint64_t sse_probe_store(X86Cpu *cpu, const X86Insn *insn, unsigned len, bool aligned)
{
    uint64_t ea = x86_insn_ea(cpu, insn);
    if (aligned) {
        check_alignment(cpu, insn, ea, len, MMU_WRITE);
    }
    x86_probe_write(cpu, insn->seg, ea, len);
    return ea;
}

void sse_store(X86Cpu *cpu, const X86Insn *insn, const X86Xmm *v, unsigned len, bool aligned)
{
    uint64_t ea = sse_probe_store(cpu, insn, len, aligned);
    x86_write_bytes(cpu, insn->seg, ea, v->b, len);
}

void sse_write_reg(X86Cpu *cpu, const X86Insn *insn, int i, const X86Xmm *v)
{
    unsigned reg;
    switch (sse_operand(insn, i, &reg)) {
    case SSE_OPND_XMM:
        cpu->s.fpu.xmm[reg] = *v;
        return;
    case SSE_OPND_MMX:
        mmx_set(cpu, reg, v->q[0]);
        return;
    case SSE_OPND_GPR:
        x86_reg_set(cpu, reg, x86_opnd_size(insn, i), x86_insn_rex(insn), v->q[0]);
        return;
    default:
        assert(!"sse_write_reg: not a register operand");
    }
}

_Noreturn void sse_raise_simd_fp(X86Cpu *cpu)
{
    if (cpu->s.cr4 & X86_CR4_OSXMMEXCPT) {
        x86_raise(cpu, X86_EXC_XM, X86_NO_ERROR_CODE);
    }
    x86_raise_ud(cpu);
}

/* ---- LDMXCSR, STMXCSR (SDM vol. 2A) ---- */

static void op_ldmxcsr(X86Cpu *cpu, const X86Insn *insn)
{
    check_available(cpu, true, false, SSE_FEAT_SSE);
    X86Xmm v;
    sse_read(cpu, insn, 0, &v, 4, false);
    if (v.d[0] & ~SSE_MXCSR_MASK) {
        log_mask(LOG_GUEST_ERROR, "LDMXCSR: reserved bits in %08x\n", v.d[0]);
        x86_raise_gp0(cpu);
    }
    cpu->s.fpu.mxcsr = v.d[0];
}

static void op_stmxcsr(X86Cpu *cpu, const X86Insn *insn)
{
    check_available(cpu, true, false, SSE_FEAT_SSE);
    X86Xmm v = { .d = { cpu->s.fpu.mxcsr } };
    sse_store(cpu, insn, &v, 4, false);
}

/* ---- whole-register and scalar moves ---- */

/*
 * A move of `len` bytes between XMM registers and memory: a load or a
 * register copy writes the whole destination (a scalar load zeroes the
 * rest); a register-to-register scalar move (MOVSS/MOVSD) keeps the rest.
 */
static void move(X86Cpu *cpu, const X86Insn *insn, SseFeature f, unsigned len, bool aligned)
{
    unsigned dreg, sreg;
    sse_check(cpu, insn, f);
    SseOperandClass dst = sse_operand(insn, 0, &dreg);
    SseOperandClass src = sse_operand(insn, 1, &sreg);
    if (dst == SSE_OPND_MEM) {
        sse_store(cpu, insn, sse_xmm(cpu, sreg), len, aligned);
        return;
    }
    X86Xmm v;
    sse_read(cpu, insn, 1, &v, len, aligned);
    if (src == SSE_OPND_XMM && len < 16) {
        X86Xmm *d = sse_xmm(cpu, dreg);
        memcpy(d->b, v.b, len);
        return;
    }
    *sse_xmm(cpu, dreg) = v;
}

static void op_movups(X86Cpu *cpu, const X86Insn *insn) { move(cpu, insn, SSE_FEAT_SSE, 16, false); }
static void op_movupd(X86Cpu *cpu, const X86Insn *insn) { move(cpu, insn, SSE_FEAT_SSE2, 16, false); }
static void op_movaps(X86Cpu *cpu, const X86Insn *insn) { move(cpu, insn, SSE_FEAT_SSE, 16, true); }
static void op_movapd(X86Cpu *cpu, const X86Insn *insn) { move(cpu, insn, SSE_FEAT_SSE2, 16, true); }
static void op_movdqa(X86Cpu *cpu, const X86Insn *insn) { move(cpu, insn, SSE_FEAT_SSE2, 16, true); }
static void op_movdqu(X86Cpu *cpu, const X86Insn *insn) { move(cpu, insn, SSE_FEAT_SSE2, 16, false); }
static void op_movss(X86Cpu *cpu, const X86Insn *insn) { move(cpu, insn, SSE_FEAT_SSE, 4, false); }
static void op_movsd(X86Cpu *cpu, const X86Insn *insn) { move(cpu, insn, SSE_FEAT_SSE2, 8, false); }
static void op_lddqu(X86Cpu *cpu, const X86Insn *insn) { move(cpu, insn, SSE_FEAT_SSE3, 16, false); }
static void op_movntdqa(X86Cpu *cpu, const X86Insn *insn) { move(cpu, insn, SSE_FEAT_SSE41, 16, true); }
/* Non-temporal hints change nothing architectural here: a store like MOVAPS. */
static void op_movntps(X86Cpu *cpu, const X86Insn *insn) { move(cpu, insn, SSE_FEAT_SSE, 16, true); }
static void op_movntpd(X86Cpu *cpu, const X86Insn *insn) { move(cpu, insn, SSE_FEAT_SSE2, 16, true); }
static void op_movntdq(X86Cpu *cpu, const X86Insn *insn) { move(cpu, insn, SSE_FEAT_SSE2, 16, true); }

/* MOVLPS/MOVLPD/MOVHPS/MOVHPD: one quadword between memory and half of an XMM register. */
static void half_move(X86Cpu *cpu, const X86Insn *insn, SseFeature f, unsigned half)
{
    unsigned dreg, sreg;
    sse_check(cpu, insn, f);
    if (sse_operand(insn, 0, &dreg) == SSE_OPND_MEM) {
        sse_operand(insn, 1, &sreg);
        X86Xmm v = { .q = { sse_xmm(cpu, sreg)->q[half] } };
        sse_store(cpu, insn, &v, 8, false);
        return;
    }
    X86Xmm v;
    sse_read(cpu, insn, 1, &v, 8, false);
    sse_xmm(cpu, dreg)->q[half] = v.q[0];
}

static void op_movlps(X86Cpu *cpu, const X86Insn *insn) { half_move(cpu, insn, SSE_FEAT_SSE, 0); }
static void op_movlpd(X86Cpu *cpu, const X86Insn *insn) { half_move(cpu, insn, SSE_FEAT_SSE2, 0); }
static void op_movhps(X86Cpu *cpu, const X86Insn *insn) { half_move(cpu, insn, SSE_FEAT_SSE, 1); }
static void op_movhpd(X86Cpu *cpu, const X86Insn *insn) { half_move(cpu, insn, SSE_FEAT_SSE2, 1); }

/* MOVHLPS: low quadword <- source's high; MOVLHPS: high quadword <- source's low. */
static void op_movhlps(X86Cpu *cpu, const X86Insn *insn)
{
    sse_check(cpu, insn, SSE_FEAT_SSE);
    sse_xmm(cpu, insn->reg)->q[0] = sse_xmm(cpu, insn->rm)->q[1];
}

static void op_movlhps(X86Cpu *cpu, const X86Insn *insn)
{
    sse_check(cpu, insn, SSE_FEAT_SSE);
    sse_xmm(cpu, insn->reg)->q[1] = sse_xmm(cpu, insn->rm)->q[0];
}

/* MOVSLDUP/MOVSHDUP (m128, aligned) and MOVDDUP (m64), SSE3. */
static void dup_move(X86Cpu *cpu, const X86Insn *insn, unsigned odd)
{
    X86Xmm s;
    sse_check(cpu, insn, SSE_FEAT_SSE3);
    sse_read(cpu, insn, 1, &s, 16, true);
    X86Xmm *d = sse_xmm(cpu, insn->reg);
    d->d[0] = d->d[1] = s.d[odd];
    d->d[2] = d->d[3] = s.d[2 + odd];
}

static void op_movsldup(X86Cpu *cpu, const X86Insn *insn) { dup_move(cpu, insn, 0); }
static void op_movshdup(X86Cpu *cpu, const X86Insn *insn) { dup_move(cpu, insn, 1); }

static void op_movddup(X86Cpu *cpu, const X86Insn *insn)
{
    X86Xmm s;
    sse_check(cpu, insn, SSE_FEAT_SSE3);
    sse_read(cpu, insn, 1, &s, 8, false);
    X86Xmm *d = sse_xmm(cpu, insn->reg);
    d->q[0] = d->q[1] = s.q[0];
}

/* ---- MOVD/MOVQ, all forms (SDM vol. 2B "MOVD/MOVQ", "MOVQ") ---- */

/*
 * The MMX forms need MMX (the 64-bit GPR forms are MMX too), the XMM forms
 * SSE2.  A register destination takes the value zero-extended to its
 * width; a memory destination gets the source's size.
 */
static void op_movd_movq(X86Cpu *cpu, const X86Insn *insn)
{
    unsigned dreg, sreg;
    SseOperandClass dst = sse_operand(insn, 0, &dreg);
    SseOperandClass src = sse_operand(insn, 1, &sreg);
    bool mmx = dst == SSE_OPND_MMX || src == SSE_OPND_MMX;
    sse_check(cpu, insn, mmx ? SSE_FEAT_MMX : SSE_FEAT_SSE2);
    unsigned len = x86_opnd_size(insn, dst == SSE_OPND_MEM || dst == SSE_OPND_GPR ? 0 : 1);
    if (dst == SSE_OPND_MEM) {
        X86Xmm v;
        sse_read(cpu, insn, 1, &v, len, false);
        sse_store(cpu, insn, &v, len, false);
    } else {
        X86Xmm v;
        sse_read(cpu, insn, 1, &v, len, false);
        if (len < 8) {
            v.q[0] &= x86_size_mask(len);
        }
        v.q[1] = 0;
        sse_write_reg(cpu, insn, 0, &v);
    }
    if (mmx) {
        mmx_enter(cpu);
    }
}

/* ---- mask extraction ---- */

static void op_movmskps(X86Cpu *cpu, const X86Insn *insn)
{
    sse_check(cpu, insn, SSE_FEAT_SSE);
    const X86Xmm *s = sse_xmm(cpu, insn->rm);
    uint64_t m = 0;
    for (int i = 0; i < 4; i++) {
        m |= (uint64_t)(s->d[i] >> 31) << i;
    }
    x86_reg_set(cpu, insn->reg, x86_opnd_size(insn, 0), x86_insn_rex(insn), m);
}

static void op_movmskpd(X86Cpu *cpu, const X86Insn *insn)
{
    sse_check(cpu, insn, SSE_FEAT_SSE2);
    const X86Xmm *s = sse_xmm(cpu, insn->rm);
    uint64_t m = (s->q[0] >> 63) | ((s->q[1] >> 63) << 1);
    x86_reg_set(cpu, insn->reg, x86_opnd_size(insn, 0), x86_insn_rex(insn), m);
}

/* PMOVMSKB: the MMX form is SSE's (SDM vol. 2B); the result is zero-extended. */
static void op_pmovmskb(X86Cpu *cpu, const X86Insn *insn)
{
    X86Xmm s;
    bool mmx = sse_names_mmx_register(insn);
    sse_check(cpu, insn, mmx ? SSE_FEAT_SSE : SSE_FEAT_SSE2);
    sse_read(cpu, insn, 1, &s, 16, false);
    unsigned n = mmx ? 8 : 16;
    uint64_t m = 0;
    for (unsigned i = 0; i < n; i++) {
        m |= (uint64_t)(s.b[i] >> 7) << i;
    }
    x86_reg_set(cpu, insn->reg, 4, false, m);
    if (mmx) {
        mmx_enter(cpu);
    }
}

/* ---- MASKMOVQ, MASKMOVDQU: byte-masked store to DS:[rDI] ---- */

static void masked_store(X86Cpu *cpu, const X86Insn *insn, const X86Xmm *data,
                         const X86Xmm *mask, unsigned n)
{
    uint64_t base = cpu->s.regs[R_EDI] & x86_size_mask(insn->addrsize);
    uint64_t amask = x86_size_mask(insn->addrsize);
    if (cpu->vendor_amd) {
        /*
         * AMD checks the whole operand whatever the mask, as 8-byte stores:
         * #AC unless rDI is 8-aligned, #PF with CR2 = rDI even when byte 0 is
         * not selected or no byte is, and for MASKMOVDQU the same for the
         * upper half (found by tandem-difftest on an EPYC: rDI 0x4cb8
         * unmapped gives #PF, 0x5b #AC, 0xcffb #PF with CR2 0xd000).
         */
        for (unsigned half = 0; half < n; half += 8) {
            x86_probe_write(cpu, insn->seg, (base + half) & amask, 8);
        }
    }
    /* Probe every selected byte before the first store, so a fault leaves memory as it was. */
    for (unsigned i = 0; i < n; i++) {
        if (mask->b[i] & 0x80) {
            x86_probe_write(cpu, insn->seg, (base + i) & amask, 1);
        }
    }
    for (unsigned i = 0; i < n; i++) {
        if (mask->b[i] & 0x80) {
            x86_write(cpu, insn->seg, (base + i) & amask, data->b[i], 1);
        }
    }
}

static void op_maskmovq(X86Cpu *cpu, const X86Insn *insn)
{
    sse_check(cpu, insn, SSE_FEAT_SSE);
    X86Xmm data = { .q = { mmx_get(cpu, insn->reg) } };
    X86Xmm mask = { .q = { mmx_get(cpu, insn->rm) } };
    if (cpu->vendor_amd) {
        /* AMD makes the x87-to-MMX switch (TOP 0, all tags valid) even if the store faults */
        mmx_enter(cpu);
    }
    masked_store(cpu, insn, &data, &mask, 8);
    mmx_enter(cpu);
}

static void op_maskmovdqu(X86Cpu *cpu, const X86Insn *insn)
{
    sse_check(cpu, insn, SSE_FEAT_SSE2);
    X86Xmm data = *sse_xmm(cpu, insn->reg);
    X86Xmm mask = *sse_xmm(cpu, insn->rm);
    masked_store(cpu, insn, &data, &mask, 16);
}

void sse_register_moves(X86Handler *table)
{
    table[X86_OP_LDMXCSR] = op_ldmxcsr;
    table[X86_OP_STMXCSR] = op_stmxcsr;
    table[X86_OP_MOVUPS] = op_movups;
    table[X86_OP_MOVUPD] = op_movupd;
    table[X86_OP_MOVAPS] = op_movaps;
    table[X86_OP_MOVAPD] = op_movapd;
    table[X86_OP_MOVDQA] = op_movdqa;
    table[X86_OP_MOVDQU] = op_movdqu;
    table[X86_OP_MOVSS] = op_movss;
    table[X86_OP_MOVSD] = op_movsd;
    table[X86_OP_LDDQU] = op_lddqu;
    table[X86_OP_MOVNTDQA] = op_movntdqa;
    table[X86_OP_MOVNTPS] = op_movntps;
    table[X86_OP_MOVNTPD] = op_movntpd;
    table[X86_OP_MOVNTDQ] = op_movntdq;
    table[X86_OP_MOVLPS] = op_movlps;
    table[X86_OP_MOVLPD] = op_movlpd;
    table[X86_OP_MOVHPS] = op_movhps;
    table[X86_OP_MOVHPD] = op_movhpd;
    table[X86_OP_MOVHLPS] = op_movhlps;
    table[X86_OP_MOVLHPS] = op_movlhps;
    table[X86_OP_MOVSLDUP] = op_movsldup;
    table[X86_OP_MOVSHDUP] = op_movshdup;
    table[X86_OP_MOVDDUP] = op_movddup;
    table[X86_OP_MOVD] = op_movd_movq;
    table[X86_OP_MOVQ] = op_movd_movq;
    table[X86_OP_MOVMSKPS] = op_movmskps;
    table[X86_OP_MOVMSKPD] = op_movmskpd;
    table[X86_OP_PMOVMSKB] = op_pmovmskb;
    table[X86_OP_MASKMOVQ] = op_maskmovq;
    table[X86_OP_MASKMOVDQU] = op_maskmovdqu;
}

void x86_register_sse(X86Handler *table)
{
    sse_register_moves(table);
    sse_register_fp(table);
    sse_register_fpx(table);
    sse_register_int(table);
    sse_register_ssse3(table);
    sse_register_sse4(table);
    sse_register_pcmpstr(table);
    sse_register_crypto(table);
    mmx_register(table);
    xsave_register(table);
}
