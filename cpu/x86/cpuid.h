/* CPUID: named CPU models with feature edits, and the per-vCPU CPUID table built from them. */
#ifndef CPU_X86_CPUID_H
#define CPU_X86_CPUID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A CPUID table is a flat list of leaves, the shape KVM_SET_CPUID2 takes.
 * A leaf whose contents depend on ECX (leaf 4, 7, 0xb, 0xd, ...) has one
 * entry per sub-leaf, each flagged X86_CPUID_FLAG_INDEXED.
 */
typedef struct X86CpuidEntry {
    uint32_t function, index, flags, eax, ebx, ecx, edx;
} X86CpuidEntry;

#define X86_CPUID_FLAG_INDEXED 1   /* the entry depends on ECX (index) */
#define X86_CPUID_MAX 128

typedef struct X86Cpuid {
    int nr;
    X86CpuidEntry e[X86_CPUID_MAX];
} X86Cpuid;

/* The base a model starts from. */
typedef enum X86CpuBase {
    X86_CPU_QEMU64,   /* QEMU's qemu64: a K8-class AMD64 CPU with SSE3 */
    X86_CPU_MAX,      /* everything the backend supports */
    X86_CPU_HOST,     /* the host CPU as KVM passes it through (kvm only) */
} X86CpuBase;

/* The CPUID registers holding feature flags that a model can switch. */
typedef enum X86FeatureWord {
    X86_FEAT_1_EDX,
    X86_FEAT_1_ECX,
    X86_FEAT_6_EAX,
    X86_FEAT_7_0_EBX,
    X86_FEAT_7_0_ECX,
    X86_FEAT_7_0_EDX,
    X86_FEAT_7_1_EAX,
    X86_FEAT_D_1_EAX,
    X86_FEAT_8000_0001_EDX,
    X86_FEAT_8000_0001_ECX,
    X86_FEAT_8000_0008_EBX,
    X86_FEAT_NR_WORDS
} X86FeatureWord;

/*
 * A parsed -cpu: a base plus features forced on (add) and off (remove).
 * A later edit of the same feature overrides an earlier one, as in QEMU.
 */
typedef struct X86CpuModel {
    X86CpuBase base;
    uint32_t add[X86_FEAT_NR_WORDS];
    uint32_t remove[X86_FEAT_NR_WORDS];
} X86CpuModel;

/*
 * "qemu64", "max", "host", each optionally followed by ,+feat ,-feat ,feat
 * or ,feat=on|off (QEMU's feature names: sse4.2, avx, x2apic, ...; '_', '-'
 * and '.' are interchangeable).  0, or -1 with a one-line reason ("unknown
 * CPU model 'foo'", "unknown CPU feature 'bar'").  NULL spec = qemu64 (a
 * backend may widen the default: kvm takes host).
 */
int x86_cpu_model_parse(const char *spec, X86CpuModel *m, char *err, size_t errlen);
bool x86_cpu_model_is_host(const X86CpuModel *m);

/*
 * Build the guest's CPUID for vCPU `index` of `nr_vcpus`: one package of
 * nr_vcpus cores, one thread each, APIC id = index (leaves 1, 4, 0xb,
 * 0x80000008, 0x8000001e).  Feature words are limited to `supported`
 * (KVM_GET_SUPPORTED_CPUID under kvm; for software backends a table of what
 * the software CPU implements; NULL = no limit).  "host"/"max" take every
 * leaf of `supported`.  The hypervisor bit is set unless the model removes it.
 * Any thread; pure.
 */
void x86_cpuid_build(const X86CpuModel *m, const X86Cpuid *supported, int index, int nr_vcpus,
                     X86Cpuid *out);

/* The entry for (function, index), or NULL; index only matters for indexed entries. */
const X86CpuidEntry *x86_cpuid_find(const X86Cpuid *t, uint32_t function, uint32_t index);

/*
 * What the CPUID instruction returns from table t (SDM vol. 2A CPUID): a
 * function above the highest basic or extended leaf returns the highest
 * basic leaf's data (Intel's rule); a missing leaf in range returns zeroes.
 */
void x86_cpuid_query(const X86Cpuid *t, uint32_t function, uint32_t index, uint32_t regs[4]);

/*
 * Hosts that cannot hide every feature (kvm where CPUID does not trap at
 * CPL3; accel/kvm.c finds out which bits the guest sees whatever the table
 * says).  Any thread; pure.
 *
 *  x86_cpuid_clear_features: zero every feature word of t; the leaves stay.
 *  x86_cpuid_add_features:   OR the feature words of `from` into t.
 *  x86_cpu_model_force:      make m ask for every feature of `forced` and
 *    drop its removals of them, so that the table built from it says what
 *    the guest will see.  The removals that could not be honoured are named
 *    in `unmet` (", "-separated, QEMU's spelling; "" when none).
 */
void x86_cpuid_clear_features(X86Cpuid *t);
void x86_cpuid_add_features(X86Cpuid *t, const X86Cpuid *from);
void x86_cpu_model_force(X86CpuModel *m, const X86Cpuid *forced, char *unmet, size_t unmet_len);

/* Is feature `name` (QEMU's spelling) set in table t?  false for unknown names. */
bool x86_cpuid_has_feature(const X86Cpuid *t, const char *name);

#endif
