/* The XSAVE feature set for the x87 (component 0) and SSE (component 1) state: XSAVE, XSAVEOPT, XRSTOR, XGETBV, XSETBV. */
#include "cpu/x86/sse_internal.h"

#include "cpu/x86/cpuid.h"
#include "cpu/x86/x87_internal.h"
#include "ui/log.h"

/*
 * SDM vol. 1 chapter 13.  The XSAVE area's legacy region is the FXSAVE
 * layout (vol. 1 10.5.1, table 10-2): x87 state in bytes 0-23 and 32-159,
 * MXCSR/MXCSR_MASK in 24-31, XMM registers from 160; the 64-byte header at
 * 512 holds XSTATE_BV (512) and XCOMP_BV (520).  This CPU supports XCR0
 * bits 0 and 1 only, so the area is 576 bytes, and no compacted format
 * (XSAVEC/XSAVES are not offered).
 *
 * XINUSE (the init optimization, 13.6) is not tracked separately: a
 * component is "in use" exactly when it differs from its initial
 * configuration, which the SDM allows (XINUSE[i] may be 1 in the initial
 * configuration, never 0 outside it).  XSAVEOPT's modified optimization is
 * not used: it saves whatever is in use.
 */

#define XSAVE_AREA_SIZE 576
#define XSAVE_HEADER 512
#define XSTATE_X87 1ull
#define XSTATE_SSE 2ull
#define XCR0_SUPPORTED (XSTATE_X87 | XSTATE_SSE)

static uint32_t get32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t get64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

/* The state components this CPU's CPUID offers (leaf 0DH.0 EAX), within what is implemented. */
static uint64_t supported_components(const X86Cpu *cpu)
{
    const X86CpuidEntry *e = cpu->cpuid ? x86_cpuid_find(cpu->cpuid, 0xd, 0) : NULL;
    return e ? (e->eax & XCR0_SUPPORTED) | XSTATE_X87 : XSTATE_X87;
}

static bool guest_has_xsave(const X86Cpu *cpu)
{
    const X86CpuidEntry *e = cpu->cpuid ? x86_cpuid_find(cpu->cpuid, 1, 0) : NULL;
    return e && (e->ecx & (1u << 26));
}

/* XSAVE, XSAVEOPT, XRSTOR, XGETBV, XSETBV: #UD without CPUID.XSAVE or with CR4.OSXSAVE clear. */
static void check_enabled(X86Cpu *cpu)
{
    if (!guest_has_xsave(cpu) || !(cpu->s.cr4 & X86_CR4_OSXSAVE)) {
        x86_raise_ud(cpu);
    }
}

/* ---- initial configurations (SDM vol. 1 13.6) ---- */

static bool x87_is_init(const X86FpuState *f)
{
    if (f->fcw != X87_FCW_DEFAULT || f->fsw || f->ftw || f->fop || f->fip || f->fdp ||
        f->fcs || f->fds) {
        return false;
    }
    for (int i = 0; i < 8; i++) {
        if (f->st[i].mantissa || f->st[i].sign_exp) {
            return false;
        }
    }
    return true;
}

static bool sse_is_init(const X86FpuState *f)
{
    for (int i = 0; i < 16; i++) {
        if (f->xmm[i].q[0] || f->xmm[i].q[1]) {
            return false;
        }
    }
    return true;
}

static uint64_t xinuse(const X86Cpu *cpu)
{
    return (x87_is_init(&cpu->s.fpu) ? 0 : XSTATE_X87) | (sse_is_init(&cpu->s.fpu) ? 0 : XSTATE_SSE);
}

static void x87_init(X86FpuState *f)
{
    f->fcw = X87_FCW_DEFAULT;
    f->fsw = 0;
    f->ftw = 0;
    f->fop = 0;
    f->fip = f->fdp = 0;
    f->fcs = f->fds = 0;
    memset(f->st, 0, sizeof(f->st));
}

/* XMM8-15 are part of the state only in 64-bit mode (SDM vol. 1 13.5.2). */
static unsigned xmm_count(const X86Cpu *cpu)
{
    return cpu->mode64 ? 16 : 8;
}

static bool rex_w(const X86Insn *insn)
{
    return (insn->rex & 0x08) != 0;
}

/* ---- the legacy region: x87 through x87_env.c's FXSAVE layout ---- */

static void store_x87(const X86Cpu *cpu, const X86Insn *insn, uint8_t *area)
{
    memset(area, 0, 24);
    memset(area + 32, 0, 128);
    x87_legacy_area_store(cpu, cpu->mode64 && rex_w(insn), area);
}

static void load_x87(X86Cpu *cpu, const X86Insn *insn, const uint8_t *area)
{
    x87_legacy_area_load(cpu, cpu->mode64 && rex_w(insn), area);
}

static uint64_t xsave_area(X86Cpu *cpu, const X86Insn *insn, MmuAccess kind)
{
    if (cpu->s.cr0 & X86_CR0_TS) {
        x86_raise(cpu, X86_EXC_NM, X86_NO_ERROR_CODE);
    }
    uint64_t ea = x86_insn_ea(cpu, insn);
    if (cpu->vendor_amd && cpu->mode64 && insn->seg == SEG_SS) {
        /*
         * AMD raises #GP(0), not #SS(0), for a non-canonical SS-relative
         * XSAVE area (xrstor64/xsave64 [rbp] with a non-canonical rbp on an
         * EPYC, natively; FXSAVE/FXRSTOR give #SS there).  Found by
         * tandem-difftest.
         */
        uint64_t end = ea + XSAVE_AREA_SIZE - 1;
        if ((uint64_t)((int64_t)(ea << 16) >> 16) != ea ||
            (uint64_t)((int64_t)(end << 16) >> 16) != end) {
            x86_raise_gp0(cpu);
        }
    }
    uint64_t la = x86_linear(cpu, insn->seg, ea, XSAVE_AREA_SIZE, kind);
    if (la & 63) {
        x86_raise_gp0(cpu);
    }
    return ea;
}

static uint64_t requested(const X86Cpu *cpu)
{
    uint64_t mask = (cpu->s.regs[R_EDX] << 32) | (uint32_t)cpu->s.regs[R_EAX];
    return mask & cpu->s.xcr0;
}

/*
 * SDM vol. 1 13.7 (XSAVE) and 13.9 (XSAVEOPT): component i is written when
 * RFBM[i] (XSAVEOPT: and XINUSE[i]); MXCSR and MXCSR_MASK when RFBM[1] or
 * RFBM[2]; XSTATE_BV[i] = XINUSE[i] for the requested components, the
 * other header bytes untouched.
 */
static void xsave_common(X86Cpu *cpu, const X86Insn *insn, bool optimized)
{
    check_enabled(cpu);
    uint64_t ea = xsave_area(cpu, insn, MMU_WRITE);
    uint64_t rfbm = requested(cpu);
    uint64_t inuse = xinuse(cpu);
    uint8_t area[XSAVE_AREA_SIZE];
    /* Every byte that may be written is checked first: a fault leaves the area as it was. */
    x86_probe_write(cpu, insn->seg, ea, XSAVE_AREA_SIZE);
    x86_read_bytes(cpu, insn->seg, ea + XSAVE_HEADER, area + XSAVE_HEADER, 8);

    uint64_t save = optimized ? rfbm & inuse : rfbm;
    if (save & XSTATE_X87) {
        store_x87(cpu, insn, area);
        x86_write_bytes(cpu, insn->seg, ea, area, 24);
        x86_write_bytes(cpu, insn->seg, ea + 32, area + 32, 128);
    }
    if (rfbm & XSTATE_SSE) {
        put32(area + 24, cpu->s.fpu.mxcsr);
        put32(area + 28, SSE_MXCSR_MASK);
        x86_write_bytes(cpu, insn->seg, ea + 24, area + 24, 8);
    }
    if (save & XSTATE_SSE) {
        unsigned n = xmm_count(cpu);
        x86_write_bytes(cpu, insn->seg, ea + 160, cpu->s.fpu.xmm, 16 * n);
    }
    uint64_t bv = get64(area + XSAVE_HEADER);
    bv = (bv & ~rfbm) | (inuse & rfbm);
    put64(area + XSAVE_HEADER, bv);
    x86_write_bytes(cpu, insn->seg, ea + XSAVE_HEADER, area + XSAVE_HEADER, 8);
}

static void op_xsave(X86Cpu *cpu, const X86Insn *insn)
{
    xsave_common(cpu, insn, false);
}

/* XSAVEOPT needs CPUID.(EAX=0DH,ECX=1):EAX[0]. */
static void op_xsaveopt(X86Cpu *cpu, const X86Insn *insn)
{
    const X86CpuidEntry *e = cpu->cpuid ? x86_cpuid_find(cpu->cpuid, 0xd, 1) : NULL;
    if (!e || !(e->eax & 1)) {
        x86_raise_ud(cpu);
    }
    xsave_common(cpu, insn, true);
}

/* ---- XRSTOR, standard form (SDM vol. 1 13.8.1) ---- */

static void op_xrstor(X86Cpu *cpu, const X86Insn *insn)
{
    check_enabled(cpu);
    uint64_t ea = xsave_area(cpu, insn, MMU_READ);
    uint8_t area[XSAVE_AREA_SIZE];
    x86_read_bytes(cpu, insn->seg, ea, area, XSAVE_AREA_SIZE);
    uint64_t rfbm = requested(cpu);
    uint64_t bv = get64(area + XSAVE_HEADER);
    uint64_t comp = get64(area + XSAVE_HEADER + 8);
    uint64_t reserved = get64(area + XSAVE_HEADER + 16);
    /* XCOMP_BV[63] would select the compacted form, which this CPU lacks: bytes 23:8 must be 0. */
    if ((bv & ~cpu->s.xcr0) || comp || reserved) {
        log_mask(LOG_GUEST_ERROR, "XRSTOR: bad header XSTATE_BV=%llx XCOMP_BV=%llx\n",
                 (unsigned long long)bv, (unsigned long long)comp);
        x86_raise_gp0(cpu);
    }
    uint32_t mxcsr = get32(area + 24);
    bool load_mxcsr = rfbm & XSTATE_SSE;
    if (load_mxcsr && (mxcsr & ~SSE_MXCSR_MASK)) {
        log_mask(LOG_GUEST_ERROR, "XRSTOR: reserved MXCSR bits in %08x\n", mxcsr);
        x86_raise_gp0(cpu);
    }

    X86FpuState *f = &cpu->s.fpu;
    if (rfbm & XSTATE_X87) {
        if (bv & XSTATE_X87) {
            load_x87(cpu, insn, area);
        } else {
            x87_init(f);
        }
    }
    if (rfbm & XSTATE_SSE) {
        unsigned n = xmm_count(cpu);
        if (bv & XSTATE_SSE) {
            memcpy(f->xmm, area + 160, 16 * n);
        } else {
            memset(f->xmm, 0, 16 * n);
        }
    }
    if (load_mxcsr) {
        f->mxcsr = mxcsr;
    }
}

/* ---- XGETBV, XSETBV ---- */

/* ECX = 0 reads XCR0; XGETBV with ECX = 1 (XINUSE) is not offered (CPUID 0DH.1 EAX[2] = 0). */
static void op_xgetbv(X86Cpu *cpu, const X86Insn *insn)
{
    check_enabled(cpu);
    if ((uint32_t)cpu->s.regs[R_ECX] != 0) {
        x86_raise_gp0(cpu);
    }
    x86_reg_set(cpu, R_EAX, 4, false, (uint32_t)cpu->s.xcr0);
    x86_reg_set(cpu, R_EDX, 4, false, cpu->s.xcr0 >> 32);
}

/*
 * XSETBV: CPL 0 (or real mode) only; ECX = 0; XCR0 must keep bit 0 and
 * set only supported components (SDM vol. 2D XSETBV, vol. 1 13.3).
 */
static void op_xsetbv(X86Cpu *cpu, const X86Insn *insn)
{
    check_enabled(cpu);
    if (cpu->cpl != 0 || (cpu->s.rflags & X86_FLAG_VM)) {
        x86_raise_gp0(cpu);
    }
    uint64_t v = (cpu->s.regs[R_EDX] << 32) | (uint32_t)cpu->s.regs[R_EAX];
    if ((uint32_t)cpu->s.regs[R_ECX] != 0 || !(v & XSTATE_X87) ||
        (v & ~supported_components(cpu))) {
        log_mask(LOG_GUEST_ERROR, "XSETBV: XCR%u <- %llx refused\n",
                 (unsigned)cpu->s.regs[R_ECX], (unsigned long long)v);
        x86_raise_gp0(cpu);
    }
    cpu->s.xcr0 = v;
}

void xsave_register(X86Handler *table)
{
    table[X86_OP_XSAVE] = op_xsave;
    table[X86_OP_XSAVEOPT] = op_xsaveopt;
    table[X86_OP_XRSTOR] = op_xrstor;
    table[X86_OP_XGETBV] = op_xgetbv;
    table[X86_OP_XSETBV] = op_xsetbv;
}
