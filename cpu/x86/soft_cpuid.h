/* What tandem's software CPU implements, as a CPUID table to limit -cpu models by. */
#ifndef CPU_X86_SOFT_CPUID_H
#define CPU_X86_SOFT_CPUID_H

#include "cpu/x86/cpuid.h"

/*
 * The software CPU's "KVM_GET_SUPPORTED_CPUID": every feature bit here is
 * one whose instructions and state cpu/x86 implements, so CPUID advertises
 * exactly what is implemented.  Physical address bits: 40 (memory/mmu.c).
 */
void x86_soft_cpuid_supported(X86Cpuid *t);

#endif
