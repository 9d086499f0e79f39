/* Model-specific registers: the ones tandem's software CPU models (RDMSR/WRMSR). */
#ifndef CPU_X86_MSR_H
#define CPU_X86_MSR_H

#include "cpu/x86/cpu.h"

#define MSR_IA32_TSC            0x10
#define MSR_IA32_APIC_BASE      0x1b
#define MSR_IA32_FEATURE_CONTROL 0x3a
#define MSR_IA32_TSC_ADJUST     0x3b
#define MSR_IA32_SPEC_CTRL      0x48
#define MSR_IA32_BIOS_SIGN_ID   0x8b
#define MSR_IA32_MTRRCAP        0xfe
#define MSR_IA32_SYSENTER_CS    0x174
#define MSR_IA32_SYSENTER_ESP   0x175
#define MSR_IA32_SYSENTER_EIP   0x176
#define MSR_IA32_MCG_CAP        0x179
#define MSR_IA32_MCG_STATUS     0x17a
#define MSR_IA32_MISC_ENABLE    0x1a0
#define MSR_MTRR_PHYSBASE0      0x200
#define MSR_MTRR_FIX64K_00000   0x250
#define MSR_MTRR_FIX16K_80000   0x258
#define MSR_MTRR_FIX16K_A0000   0x259
#define MSR_MTRR_FIX4K_C0000    0x268
#define MSR_IA32_PAT            0x277
#define MSR_MTRR_DEF_TYPE       0x2ff
#define MSR_IA32_TSC_DEADLINE   0x6e0
#define MSR_EFER                0xc0000080
#define MSR_STAR                0xc0000081
#define MSR_LSTAR               0xc0000082
#define MSR_CSTAR               0xc0000083
#define MSR_FMASK               0xc0000084
#define MSR_FS_BASE             0xc0000100
#define MSR_GS_BASE             0xc0000101
#define MSR_KERNEL_GS_BASE      0xc0000102
#define MSR_TSC_AUX             0xc0000103
#define MSR_AMD64_SYSCFG        0xc0010010   /* AMD APM vol. 2 A.1: system configuration */

/*
 * Read or write an MSR as RDMSR/WRMSR do at CPL0.  Returns false for an MSR
 * tandem does not model or a value it must refuse: the caller raises #GP(0),
 * as hardware does (SDM vol. 4: unknown MSRs fault).
 */
bool x86_msr_read(X86Cpu *cpu, uint32_t index, uint64_t *value);
bool x86_msr_write(X86Cpu *cpu, uint32_t index, uint64_t value);

#endif
