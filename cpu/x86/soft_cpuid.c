/* The CPUID leaves tandem's software CPU can honour. */
#include "cpu/x86/soft_cpuid.h"

#include <cpuid.h>
#include <string.h>

static void add(X86Cpuid *t, uint32_t function, uint32_t index, uint32_t flags, uint32_t eax,
                uint32_t ebx, uint32_t ecx, uint32_t edx)
{
    t->e[t->nr++] = (X86CpuidEntry){ function, index, flags, eax, ebx, ecx, edx };
}

static uint32_t str4(const char *s)
{
    uint32_t v;
    memcpy(&v, s, 4);
    return v;
}

#define BIT(n) (1u << (n))

void x86_soft_cpuid_supported(X86Cpuid *t)
{
    memset(t, 0, sizeof(*t));
    add(t, 0, 0, 0, 0xd, str4("Auth"), str4("cAMD"), str4("enti"));

    /* Leaf 1 EDX: fpu vme de pse tsc msr pae mce cx8 sep mtrr pge cmov pat pse36 clflush mmx fxsr sse sse2.
     * VME: CR4.VME/PVI, the interrupt redirection bitmap, VIF/VIP (vm86.c, system.c). */
    uint32_t edx1 = BIT(0) | BIT(1) | BIT(2) | BIT(3) | BIT(4) | BIT(5) | BIT(6) | BIT(7) | BIT(8) |
                    BIT(11) | BIT(12) | BIT(13) | BIT(15) | BIT(16) | BIT(17) | BIT(19) |
                    BIT(23) | BIT(24) | BIT(25) | BIT(26);
    /* ECX: sse3 pclmulqdq ssse3 cx16 sse4.1 sse4.2 movbe popcnt aes xsave rdrand hypervisor.
     * SSE3's horizontal ops and SSE4.1's ROUND/DPP run on the host's units: offer
     * them only where the host has them. */
    uint32_t ecx1 = BIT(0) | BIT(1) | BIT(9) | BIT(13) | BIT(19) | BIT(20) | BIT(22) | BIT(23) |
                    BIT(25) | BIT(26) | BIT(30) | BIT(31);
    unsigned a, b, c, d;
    if (__get_cpuid(1, &a, &b, &c, &d)) {
        ecx1 &= ~(BIT(0) | BIT(19)) | (c & (BIT(0) | BIT(19)));
    }
    add(t, 1, 0, 0, 0x00a60f12, 0x00000800, ecx1, edx1);

    /* Leaf 7.0: fsgsbase bmi1 smep bmi2 rdseed adx smap; ECX umip rdpid.  BMI1 (ANDN, BEXTR,
     * BLS*, TZCNT) and BMI2 (BZHI, MULX, PDEP, PEXT, RORX, SARX, SHLX, SHRX): bmi.c, bitops.c. */
    add(t, 7, 0, X86_CPUID_FLAG_INDEXED, 0,
        BIT(0) | BIT(3) | BIT(7) | BIT(8) | BIT(18) | BIT(19) | BIT(20), BIT(2) | BIT(22), 0);

    /* Leaf 0xd: x87 and SSE state (XCR0 bits 0-1), 576 bytes; XSAVEOPT. */
    add(t, 0xd, 0, X86_CPUID_FLAG_INDEXED, 0x3, 576, 576, 0);
    add(t, 0xd, 1, X86_CPUID_FLAG_INDEXED, BIT(0), 0, 0, 0);

    add(t, 0x80000000, 0, 0, 0x80000008, str4("Auth"), str4("cAMD"), str4("enti"));
    /* 0x80000001 EDX: syscall nx pdpe1gb rdtscp lm; ECX: lahf_lm abm (lzcnt) 3dnowprefetch. */
    add(t, 0x80000001, 0, 0, 0, 0, BIT(0) | BIT(5) | BIT(8),
        BIT(11) | BIT(20) | BIT(26) | BIT(27) | BIT(29));
    const char brand[48] = "tandem software x86-64 CPU";
    for (uint32_t i = 0; i < 3; i++) {
        const char *p = brand + 16 * i;
        add(t, 0x80000002 + i, 0, 0, str4(p), str4(p + 4), str4(p + 8), str4(p + 12));
    }
    /* 40 physical and 48 linear address bits. */
    add(t, 0x80000008, 0, 0, 0x3028, 0, 0, 0);
}
