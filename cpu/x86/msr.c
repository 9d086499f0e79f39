/* RDMSR/WRMSR for the software CPU: the MSRs Linux touches, and the TSC. */
#include "cpu/x86/msr.h"

#include <time.h>

static uint64_t host_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

uint64_t x86_tsc_read(const X86Cpu *cpu)
{
    uint64_t ns = host_ns() - cpu->tsc_epoch_ns;
    /* kHz * ns / 1e6, split to avoid overflow over long runs. */
    uint64_t ticks = (ns / 1000000) * X86_TSC_KHZ + (ns % 1000000) * X86_TSC_KHZ / 1000000;
    return cpu->tsc_base + ticks;
}

void x86_tsc_write(X86Cpu *cpu, uint64_t value)
{
    cpu->tsc_base = value;
    cpu->tsc_epoch_ns = host_ns();
}

/* MTRR MSRs map to X86Mtrr (SDM vol. 3A 11.11.2). */
static uint64_t *mtrr_slot(X86Cpu *cpu, uint32_t index)
{
    X86Mtrr *m = &cpu->s.msr.mtrr;
    if (index >= MSR_MTRR_PHYSBASE0 && index < MSR_MTRR_PHYSBASE0 + 2 * X86_MTRR_VAR_COUNT) {
        unsigned n = (index - MSR_MTRR_PHYSBASE0) / 2;
        return (index & 1) ? &m->var_mask[n] : &m->var_base[n];
    }
    switch (index) {
    case MSR_MTRR_FIX64K_00000: return &m->fixed[0];
    case MSR_MTRR_FIX16K_80000: return &m->fixed[1];
    case MSR_MTRR_FIX16K_A0000: return &m->fixed[2];
    case MSR_MTRR_DEF_TYPE: return &m->def_type;
    default:
        if (index >= MSR_MTRR_FIX4K_C0000 && index < MSR_MTRR_FIX4K_C0000 + 8) {
            return &m->fixed[3 + index - MSR_MTRR_FIX4K_C0000];
        }
        return NULL;
    }
}

static bool is_canonical(uint64_t v)
{
    return (uint64_t)((int64_t)(v << 16) >> 16) == v;
}

/* A memory type the PAT and MTRRs accept: UC WC WT WP WB (0, 1, 4, 5, 6), UC- (7) for PAT. */
static bool pat_valid(uint64_t v)
{
    for (int i = 0; i < 8; i++) {
        unsigned t = (v >> (8 * i)) & 0xff;
        if (t == 2 || t == 3 || t > 7) {
            return false;
        }
    }
    return true;
}

/* MSRs that are the local APIC's: its base, the x2APIC registers, the TSC deadline. */
static bool is_apic_msr(uint32_t index)
{
    return index == MSR_IA32_APIC_BASE || index == MSR_IA32_TSC_DEADLINE ||
           (index >= 0x800 && index <= 0x8ff);
}

bool x86_msr_read(X86Cpu *cpu, uint32_t index, uint64_t *value)
{
    X86Msrs *m = &cpu->s.msr;
    if (cpu->platform && is_apic_msr(index)) {
        if (!cpu->platform->apic_msr_read(cpu->platform->opaque, index, value)) {
            return false;
        }
        if (index == MSR_IA32_APIC_BASE) {
            m->apic_base = *value;
        }
        return true;
    }
    uint64_t *mtrr = mtrr_slot(cpu, index);
    if (mtrr) {
        *value = *mtrr;
        return true;
    }
    switch (index) {
    case MSR_IA32_TSC: *value = x86_tsc_read(cpu); return true;
    case MSR_IA32_APIC_BASE: *value = m->apic_base; return true;
    case MSR_IA32_FEATURE_CONTROL: *value = 1; return true;   /* locked, VMX off */
    case MSR_IA32_BIOS_SIGN_ID: *value = 0; return true;
    case MSR_IA32_MTRRCAP: *value = X86_MTRR_VAR_COUNT | (1u << 8) | (1u << 10); return true;
    case MSR_IA32_SYSENTER_CS: *value = m->sysenter_cs; return true;
    case MSR_IA32_SYSENTER_ESP: *value = m->sysenter_esp; return true;
    case MSR_IA32_SYSENTER_EIP: *value = m->sysenter_eip; return true;
    case MSR_IA32_MCG_CAP: *value = 0; return true;
    case MSR_IA32_MCG_STATUS: *value = 0; return true;
    case MSR_IA32_MISC_ENABLE: *value = m->misc_enable; return true;
    case MSR_IA32_PAT: *value = m->pat; return true;
    case MSR_IA32_TSC_DEADLINE: *value = m->tsc_deadline; return true;
    case MSR_EFER: *value = m->efer; return true;
    case MSR_STAR: *value = m->star; return true;
    case MSR_LSTAR: *value = m->lstar; return true;
    case MSR_CSTAR: *value = m->cstar; return true;
    case MSR_FMASK: *value = m->fmask; return true;
    case MSR_FS_BASE: *value = cpu->s.segs[SEG_FS].base; return true;
    case MSR_GS_BASE: *value = cpu->s.segs[SEG_GS].base; return true;
    case MSR_KERNEL_GS_BASE: *value = m->kernel_gs_base; return true;
    case MSR_TSC_AUX: *value = m->tsc_aux; return true;
    /*
     * SYSCFG: Linux reads it on AMD CPUs (MTRR fix-ups, SME).  Nothing it
     * controls exists here (no SME, no MTRR DRAM redirection): it reads 0,
     * and only 0 may be written, as a KVM guest sees it; #GP on Intel.
     */
    case MSR_AMD64_SYSCFG: *value = 0; return cpu->vendor_amd;
    default: return false;
    }
}

/* SDM vol. 3A 2.2.1: EFER.LME cannot change while paging is on; LMA is read-only. */
static bool efer_write(X86Cpu *cpu, uint64_t value)
{
    const uint64_t writable = X86_EFER_SCE | X86_EFER_LME | X86_EFER_NXE;
    uint64_t old = cpu->s.msr.efer;
    if (value & ~(writable | X86_EFER_LMA)) {
        return false;
    }
    if ((cpu->s.cr0 & X86_CR0_PG) && ((value ^ old) & X86_EFER_LME)) {
        return false;
    }
    cpu->s.msr.efer = (value & writable) | (old & X86_EFER_LMA);
    x86_cpu_mode_changed(cpu);
    return true;
}

bool x86_msr_write(X86Cpu *cpu, uint32_t index, uint64_t value)
{
    X86Msrs *m = &cpu->s.msr;
    if (cpu->platform && is_apic_msr(index)) {
        if (!cpu->platform->apic_msr_write(cpu->platform->opaque, index, value)) {
            return false;
        }
        if (index == MSR_IA32_APIC_BASE) {
            m->apic_base = value;
        } else if (index == MSR_IA32_TSC_DEADLINE) {
            m->tsc_deadline = value;
        }
        return true;
    }
    uint64_t *mtrr = mtrr_slot(cpu, index);
    if (mtrr) {
        *mtrr = value;
        return true;
    }
    switch (index) {
    case MSR_IA32_TSC: x86_tsc_write(cpu, value); return true;
    case MSR_IA32_APIC_BASE:
        /* Bits 11 (enable), 10 (x2APIC) and the base; the BSP flag is read-only. */
        if (value & ~(0xffffff000ull | (1ull << 11) | (1ull << 10) | (1ull << 8))) {
            return false;
        }
        m->apic_base = (value & ~(1ull << 8)) | (m->apic_base & (1ull << 8));
        return true;
    case MSR_IA32_BIOS_SIGN_ID: return true;
    case MSR_IA32_SYSENTER_CS: m->sysenter_cs = value & 0xffff; return true;
    case MSR_IA32_SYSENTER_ESP:
        if (!is_canonical(value)) return false;
        m->sysenter_esp = value;
        return true;
    case MSR_IA32_SYSENTER_EIP:
        if (!is_canonical(value)) return false;
        m->sysenter_eip = value;
        return true;
    case MSR_IA32_MCG_STATUS: return value == 0;
    case MSR_AMD64_SYSCFG: return cpu->vendor_amd && value == 0;
    case MSR_IA32_MISC_ENABLE: m->misc_enable = value; return true;
    case MSR_IA32_PAT:
        if (!pat_valid(value)) return false;
        m->pat = value;
        return true;
    case MSR_IA32_TSC_DEADLINE: m->tsc_deadline = value; return true;
    case MSR_EFER: return efer_write(cpu, value);
    case MSR_STAR: m->star = value; return true;
    case MSR_LSTAR:
        if (!is_canonical(value)) return false;
        m->lstar = value;
        return true;
    case MSR_CSTAR:
        if (!is_canonical(value)) return false;
        m->cstar = value;
        return true;
    case MSR_FMASK: m->fmask = value & 0xffffffff; return true;
    case MSR_FS_BASE:
        if (!is_canonical(value)) return false;
        cpu->s.segs[SEG_FS].base = value;
        return true;
    case MSR_GS_BASE:
        if (!is_canonical(value)) return false;
        cpu->s.segs[SEG_GS].base = value;
        return true;
    case MSR_KERNEL_GS_BASE:
        if (!is_canonical(value)) return false;
        m->kernel_gs_base = value;
        return true;
    case MSR_TSC_AUX:
        if (value >> 32) return false;
        m->tsc_aux = value;
        return true;
    default: return false;
    }
}
