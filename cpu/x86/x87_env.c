/* x87 environment and state images: FLDENV, FNSTENV, FRSTOR, FNSAVE (SDM vol. 1 8.1.10) and FXSAVE/FXRSTOR. */
#include "cpu/x86/x87_internal.h"

#include <string.h>

#include "cpu/x86/cpuid.h"
#include "ui/log.h"

/*
 * The environment has four layouts, chosen by the operand size (14 bytes
 * for 16-bit, 28 for 32-bit; 64-bit mode uses the 32-bit one unless 66h
 * makes it 16-bit) and the mode (SDM vol. 1 figures 8-9 to 8-12):
 *
 *   protected, 32-bit:  FCW | FSW | FTW | FIP[31:0] | FOP[26:16],FCS | FDP[31:0] | FDS
 *   protected, 16-bit:  FCW | FSW | FTW | FIP[15:0] | FCS | FDP[15:0] | FDS
 *   real/vm86, 32-bit:  FCW | FSW | FTW | IP[15:0] | IP[31:16]<<12,FOP | DP[15:0] | DP[31:16]<<12
 *   real/vm86, 16-bit:  FCW | FSW | FTW | IP[15:0] | IP[19:16]<<12,FOP | DP[15:0] | DP[19:16]<<12
 *
 * Real-mode pointers are linear addresses (AMD APM vol. 1 6.2.5); tandem
 * keeps selector and offset and forms selector * 16 + offset when storing,
 * and loads a real-mode image as offset = linear, selector = 0.  The unused
 * upper halves of 32-bit fields are written as ones, as the hardware does.
 * FSAVE/FRSTOR append the eight registers in stack order, ST(0) first.
 */

/* MXCSR bits this CPU implements (FXSAVE's MXCSR_MASK): everything up to DAZ/FZ; MM is not offered. */
#define X87_MXCSR_MASK 0x0000ffffu

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)get16(p) | (uint32_t)get16(p + 2) << 16;
}

static uint64_t get64(const uint8_t *p)
{
    return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = v & 0xff;
    p[1] = v >> 8;
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, v & 0xffff);
    put16(p + 2, v >> 16);
}

static void put64(uint8_t *p, uint64_t v)
{
    put32(p, (uint32_t)v);
    put32(p + 4, (uint32_t)(v >> 32));
}

static unsigned env_size(const X86Insn *insn)
{
    return insn->opsize == 2 ? 14 : 28;
}

static uint32_t real_linear(uint16_t selector, uint64_t offset)
{
    return (uint32_t)(((uint32_t)selector << 4) + (uint32_t)offset);
}

static void env_store16(const X86Cpu *cpu, uint8_t *out)
{
    const X86FpuState *f = &cpu->s.fpu;
    put16(out + 0, f->fcw);
    put16(out + 2, f->fsw);
    put16(out + 4, x87_full_tag_word(f));
    if (x87_real_format(cpu)) {
        uint32_t ip = real_linear(f->fcs, f->fip), dp = real_linear(f->fds, f->fdp);
        put16(out + 6, ip & 0xffff);
        put16(out + 8, (uint16_t)(((ip >> 16) & 0xf) << 12 | (f->fop & 0x7ff)));
        put16(out + 10, dp & 0xffff);
        put16(out + 12, (uint16_t)(((dp >> 16) & 0xf) << 12));
    } else {
        put16(out + 6, (uint16_t)f->fip);
        put16(out + 8, f->fcs);
        put16(out + 10, (uint16_t)f->fdp);
        put16(out + 12, f->fds);
    }
}

static void env_store32(const X86Cpu *cpu, uint8_t *out)
{
    const X86FpuState *f = &cpu->s.fpu;
    put32(out + 0, 0xffff0000u | f->fcw);
    put32(out + 4, 0xffff0000u | f->fsw);
    put32(out + 8, 0xffff0000u | x87_full_tag_word(f));
    if (x87_real_format(cpu)) {
        uint32_t ip = real_linear(f->fcs, f->fip), dp = real_linear(f->fds, f->fdp);
        put32(out + 12, 0xffff0000u | (ip & 0xffff));
        put32(out + 16, (ip >> 16) << 12 | (f->fop & 0x7ffu));
        put32(out + 20, 0xffff0000u | (dp & 0xffff));
        put32(out + 24, (dp >> 16) << 12);
    } else {
        put32(out + 12, (uint32_t)f->fip);
        put32(out + 16, f->fcs | (uint32_t)(f->fop & 0x7ff) << 16);
        put32(out + 20, (uint32_t)f->fdp);
        put32(out + 24, 0xffff0000u | f->fds);
    }
}

/* Load an environment image.  FSW's ES/B follow from the loaded flags and FCW. */
static void env_load(X86Cpu *cpu, const X86Insn *insn, const uint8_t *in)
{
    X86FpuState *f = &cpu->s.fpu;
    bool real = x87_real_format(cpu);
    f->fcw = x87_normalize_fcw(get16(in + 0));
    if (insn->opsize == 2) {
        f->fsw = x87_normalize_fsw(get16(in + 2), f->fcw);
        f->ftw = x87_abridge_tag_word(get16(in + 4));
        if (real) {
            f->fip = get16(in + 6) | (uint32_t)(get16(in + 8) >> 12) << 16;
            f->fop = get16(in + 8) & 0x7ff;
            f->fdp = get16(in + 10) | (uint32_t)(get16(in + 12) >> 12) << 16;
            f->fcs = f->fds = 0;
        } else {
            f->fip = get16(in + 6);
            f->fcs = get16(in + 8);
            f->fdp = get16(in + 10);
            f->fds = get16(in + 12);
            f->fop = 0;   /* the 16-bit protected layout has no opcode field */
        }
        return;
    }
    f->fsw = x87_normalize_fsw(get16(in + 4), f->fcw);
    f->ftw = x87_abridge_tag_word(get16(in + 8));
    if (real) {
        f->fip = get16(in + 12) | ((get32(in + 16) >> 12) & 0xffff) << 16;
        f->fop = get32(in + 16) & 0x7ff;
        f->fdp = get16(in + 20) | ((get32(in + 24) >> 12) & 0xffff) << 16;
        f->fcs = f->fds = 0;
    } else {
        f->fip = get32(in + 12);
        f->fcs = get16(in + 16);
        f->fop = (get32(in + 16) >> 16) & 0x7ff;
        f->fdp = get32(in + 20);
        f->fds = get16(in + 24);
    }
}

static void env_store(const X86Cpu *cpu, const X86Insn *insn, uint8_t *out)
{
    if (insn->opsize == 2) {
        env_store16(cpu, out);
    } else {
        env_store32(cpu, out);
    }
}

/* ---- FLDENV, FNSTENV, FRSTOR, FNSAVE ---- */

/* FLDENV: a waiting control instruction (SDM vol. 2 FLDENV). */
static void op_fldenv(X86Cpu *cpu, const X86Insn *insn)
{
    uint8_t env[28];
    x87_check_available(cpu);
    x87_check_pending(cpu);
    x86_read_bytes(cpu, insn->seg, x86_insn_ea(cpu, insn), env, env_size(insn));
    env_load(cpu, insn, env);
}

/* FNSTENV stores the environment, then masks every exception (SDM vol. 2 FSTENV/FNSTENV). */
static void op_fnstenv(X86Cpu *cpu, const X86Insn *insn)
{
    uint8_t env[28];
    x87_check_available(cpu);
    env_store(cpu, insn, env);
    x86_write_bytes(cpu, insn->seg, x86_insn_ea(cpu, insn), env, env_size(insn));
    X86FpuState *f = &cpu->s.fpu;
    f->fcw |= X87_FSW_EXCEPTIONS;
    f->fsw = x87_normalize_fsw(f->fsw, f->fcw);
}

static void op_frstor(X86Cpu *cpu, const X86Insn *insn)
{
    uint8_t image[108];
    unsigned env = env_size(insn);
    x87_check_available(cpu);
    x87_check_pending(cpu);
    x86_read_bytes(cpu, insn->seg, x86_insn_ea(cpu, insn), image, env + 80);
    env_load(cpu, insn, image);
    X86FpuState *f = &cpu->s.fpu;
    unsigned top = x87_top(f);
    for (unsigned i = 0; i < 8; i++) {
        x87_reg_from_bytes(&f->st[(top + i) & 7], image + env + 10 * i);
    }
}

/* FNSAVE stores the whole state, then initialises the FPU as FNINIT does (SDM vol. 2 FSAVE/FNSAVE). */
static void op_fnsave(X86Cpu *cpu, const X86Insn *insn)
{
    uint8_t image[108];
    unsigned env = env_size(insn);
    X86FpuState *f = &cpu->s.fpu;
    x87_check_available(cpu);
    env_store(cpu, insn, image);
    unsigned top = x87_top(f);
    for (unsigned i = 0; i < 8; i++) {
        x87_reg_to_bytes(&f->st[(top + i) & 7], image + env + 10 * i);
    }
    x86_write_bytes(cpu, insn->seg, x86_insn_ea(cpu, insn), image, env + 80);
    f->fcw = X87_FCW_DEFAULT;
    f->fsw = 0;
    f->ftw = 0;
    f->fop = 0;
    f->fip = f->fdp = 0;
    f->fcs = f->fds = 0;
}

/* ---- FXSAVE, FXRSTOR (SDM vol. 2 FXSAVE table 3-53/3-56, FXRSTOR) ---- */

#define FXSAVE_SIZE 512

/* #UD with CR0.EM, #NM with CR0.TS; the area must be 16-byte aligned (#GP(0)). */
static uint64_t fxsave_area(X86Cpu *cpu, const X86Insn *insn, MmuAccess kind)
{
    if (cpu->s.cr0 & X86_CR0_EM) {
        x86_raise_ud(cpu);
    }
    if (cpu->s.cr0 & X86_CR0_TS) {
        x86_raise(cpu, X86_EXC_NM, X86_NO_ERROR_CODE);
    }
    uint64_t ea = x86_insn_ea(cpu, insn);
    uint64_t la = x86_linear(cpu, insn->seg, ea, FXSAVE_SIZE, kind);
    if (la & 15) {
        x86_raise_gp0(cpu);
    }
    return ea;
}

/* 64-bit mode saves XMM8-15 too; the rest of the area is left as it was. */
static unsigned fxsave_xmm_count(const X86Cpu *cpu)
{
    return cpu->mode64 ? 16 : 8;
}

/*
 * The pointer registers hold linear addresses of this CPU's width (48
 * bits, 4-level paging): FXRSTOR64 keeps bits 47:0 and sign-extends, as
 * hardware does.
 */
static uint64_t canonical(uint64_t v)
{
    return (uint64_t)((int64_t)(v << 16) >> 16);
}

static bool rex_w(const X86Insn *insn)
{
    return (insn->rex & 0x08) != 0;
}

/*
 * AMD processors without CPUID 8000_0008h EBX[2] (XSaveErPtr) store FOP,
 * FIP and FDP in an FXSAVE image only while an unmasked exception is
 * pending (AMD APM vol. 4 FXSAVE); Intel's always store them.
 */
static bool fxsave_stores_pointers(const X86Cpu *cpu)
{
    const X86FpuState *f = &cpu->s.fpu;
    if (f->fsw & ~f->fcw & X87_FSW_EXCEPTIONS) {
        return true;
    }
    if (!cpu->cpuid) {
        return true;
    }
    uint32_t vendor[4];
    x86_cpuid_query(cpu->cpuid, 0, 0, vendor);
    bool amd = vendor[1] == 0x68747541u && vendor[3] == 0x69746e65u && vendor[2] == 0x444d4163u;
    return !amd || x86_cpuid_has_feature(cpu->cpuid, "xsaveerptr");
}

void x87_legacy_area_store(const X86Cpu *cpu, bool format64, uint8_t *out)
{
    const X86FpuState *f = &cpu->s.fpu;
    put16(out + 0, f->fcw);
    put16(out + 2, f->fsw);
    out[4] = f->ftw;
    if (fxsave_stores_pointers(cpu)) {
        put16(out + 6, f->fop & 0x7ff);
        if (format64) {
            put64(out + 8, f->fip);
            put64(out + 16, f->fdp);
        } else {
            put32(out + 8, (uint32_t)f->fip);
            put16(out + 12, f->fcs);
            put32(out + 16, (uint32_t)f->fdp);
            put16(out + 20, f->fds);
        }
    }
    unsigned top = x87_top(f);
    for (unsigned i = 0; i < 8; i++) {
        x87_reg_to_bytes(&f->st[(top + i) & 7], out + 32 + 16 * i);
    }
}

void x87_legacy_area_load(X86Cpu *cpu, bool format64, const uint8_t *in)
{
    X86FpuState *f = &cpu->s.fpu;
    f->fcw = x87_normalize_fcw(get16(in + 0));
    f->fsw = x87_normalize_fsw(get16(in + 2), f->fcw);
    f->ftw = in[4];
    f->fop = get16(in + 6) & 0x7ff;
    if (format64) {
        f->fip = canonical(get64(in + 8));
        f->fdp = canonical(get64(in + 16));
        f->fcs = f->fds = 0;
    } else {
        f->fip = get32(in + 8);
        f->fcs = get16(in + 12);
        f->fdp = get32(in + 16);
        f->fds = get16(in + 20);
    }
    unsigned top = x87_top(f);
    for (unsigned i = 0; i < 8; i++) {
        x87_reg_from_bytes(&f->st[(top + i) & 7], in + 32 + 16 * i);
    }
}

static void fxsave_image(const X86Cpu *cpu, const X86Insn *insn, uint8_t *out)
{
    x87_legacy_area_store(cpu, cpu->mode64 && rex_w(insn), out);
    put32(out + 24, cpu->s.fpu.mxcsr);
    put32(out + 28, X87_MXCSR_MASK);
    for (unsigned i = 0; i < fxsave_xmm_count(cpu); i++) {
        memcpy(out + 160 + 16 * i, cpu->s.fpu.xmm[i].b, 16);
    }
}

static void op_fxsave(X86Cpu *cpu, const X86Insn *insn)
{
    uint8_t image[FXSAVE_SIZE];
    uint64_t ea = fxsave_area(cpu, insn, MMU_WRITE);
    unsigned used = 160 + 16 * fxsave_xmm_count(cpu);
    memset(image, 0, sizeof(image));
    fxsave_image(cpu, insn, image);
    x86_probe_write(cpu, insn->seg, ea, FXSAVE_SIZE);
    x86_write_bytes(cpu, insn->seg, ea, image, used);
}

static void op_fxrstor(X86Cpu *cpu, const X86Insn *insn)
{
    uint8_t in[FXSAVE_SIZE];
    uint64_t ea = fxsave_area(cpu, insn, MMU_READ);
    x86_read_bytes(cpu, insn->seg, ea, in, FXSAVE_SIZE);
    uint32_t mxcsr = get32(in + 24);
    if (mxcsr & ~X87_MXCSR_MASK) {
        log_mask(LOG_GUEST_ERROR, "FXRSTOR: reserved MXCSR bits in %08x\n", mxcsr);
        x86_raise_gp0(cpu);
    }
    x87_legacy_area_load(cpu, cpu->mode64 && rex_w(insn), in);
    X86FpuState *f = &cpu->s.fpu;
    f->mxcsr = mxcsr;
    for (unsigned i = 0; i < fxsave_xmm_count(cpu); i++) {
        memcpy(f->xmm[i].b, in + 160 + 16 * i, 16);
    }
}

void x87_register_env(X86Handler *table)
{
    table[X86_OP_FLDENV] = op_fldenv;
    table[X86_OP_FNSTENV] = op_fnstenv;
    table[X86_OP_FRSTOR] = op_frstor;
    table[X86_OP_FNSAVE] = op_fnsave;
    table[X86_OP_FXSAVE] = op_fxsave;
    table[X86_OP_FXRSTOR] = op_fxrstor;
}
