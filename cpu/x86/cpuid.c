/* CPUID: parse -cpu models and build each vCPU's CPUID table (SDM vol. 2A, CPUID). */
#include "cpu/x86/cpuid.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * A model is a base table plus feature edits.  Building a vCPU's table:
 *
 *   1. the base: qemu64's own leaves, or every leaf of `supported` (max, host)
 *   2. the user's +feat / -feat edits
 *   3. limit each feature word to `supported` (what the backend can run)
 *   4. drop features whose prerequisites are gone (AVX needs XSAVE, ...)
 *   5. the XSAVE leaf 0xd for the XSAVE components left
 *   6. AMD's 0x80000001 aliases, the topology and APIC ids, the hypervisor bit
 *
 * Vendor, family/model/stepping, brand and cache geometry come from the base
 * and are never limited.
 */

enum { REG_EAX, REG_EBX, REG_ECX, REG_EDX };

/* Where each feature word lives. */
static const struct {
    uint32_t function, index;
    uint8_t reg;
} feature_words[X86_FEAT_NR_WORDS] = {
    [X86_FEAT_1_EDX] = { 1, 0, REG_EDX },
    [X86_FEAT_1_ECX] = { 1, 0, REG_ECX },
    [X86_FEAT_6_EAX] = { 6, 0, REG_EAX },
    [X86_FEAT_7_0_EBX] = { 7, 0, REG_EBX },
    [X86_FEAT_7_0_ECX] = { 7, 0, REG_ECX },
    [X86_FEAT_7_0_EDX] = { 7, 0, REG_EDX },
    [X86_FEAT_7_1_EAX] = { 7, 1, REG_EAX },
    [X86_FEAT_D_1_EAX] = { 0xd, 1, REG_EAX },
    [X86_FEAT_8000_0001_EDX] = { 0x80000001, 0, REG_EDX },
    [X86_FEAT_8000_0001_ECX] = { 0x80000001, 0, REG_ECX },
    [X86_FEAT_8000_0008_EBX] = { 0x80000008, 0, REG_EBX },
};

typedef struct FeatureName {
    const char *name;
    uint8_t word;
    uint8_t bit;
} FeatureName;

/* QEMU's feature names (target/i386 feature_word_info) with their CPUID bits. */
static const FeatureName feature_names[] = {
    { "fpu", X86_FEAT_1_EDX, 0 }, { "vme", X86_FEAT_1_EDX, 1 }, { "de", X86_FEAT_1_EDX, 2 },
    { "pse", X86_FEAT_1_EDX, 3 }, { "tsc", X86_FEAT_1_EDX, 4 }, { "msr", X86_FEAT_1_EDX, 5 },
    { "pae", X86_FEAT_1_EDX, 6 }, { "mce", X86_FEAT_1_EDX, 7 }, { "cx8", X86_FEAT_1_EDX, 8 },
    { "apic", X86_FEAT_1_EDX, 9 }, { "sep", X86_FEAT_1_EDX, 11 }, { "mtrr", X86_FEAT_1_EDX, 12 },
    { "pge", X86_FEAT_1_EDX, 13 }, { "mca", X86_FEAT_1_EDX, 14 }, { "cmov", X86_FEAT_1_EDX, 15 },
    { "pat", X86_FEAT_1_EDX, 16 }, { "pse36", X86_FEAT_1_EDX, 17 }, { "pn", X86_FEAT_1_EDX, 18 },
    { "clflush", X86_FEAT_1_EDX, 19 }, { "ds", X86_FEAT_1_EDX, 21 }, { "acpi", X86_FEAT_1_EDX, 22 },
    { "mmx", X86_FEAT_1_EDX, 23 }, { "fxsr", X86_FEAT_1_EDX, 24 }, { "sse", X86_FEAT_1_EDX, 25 },
    { "sse2", X86_FEAT_1_EDX, 26 }, { "ss", X86_FEAT_1_EDX, 27 }, { "ht", X86_FEAT_1_EDX, 28 },
    { "tm", X86_FEAT_1_EDX, 29 }, { "ia64", X86_FEAT_1_EDX, 30 }, { "pbe", X86_FEAT_1_EDX, 31 },

    { "pni", X86_FEAT_1_ECX, 0 }, { "sse3", X86_FEAT_1_ECX, 0 },
    { "pclmulqdq", X86_FEAT_1_ECX, 1 }, { "pclmuldq", X86_FEAT_1_ECX, 1 },
    { "dtes64", X86_FEAT_1_ECX, 2 }, { "monitor", X86_FEAT_1_ECX, 3 },
    { "ds-cpl", X86_FEAT_1_ECX, 4 }, { "vmx", X86_FEAT_1_ECX, 5 }, { "smx", X86_FEAT_1_ECX, 6 },
    { "est", X86_FEAT_1_ECX, 7 }, { "tm2", X86_FEAT_1_ECX, 8 }, { "ssse3", X86_FEAT_1_ECX, 9 },
    { "cid", X86_FEAT_1_ECX, 10 }, { "fma", X86_FEAT_1_ECX, 12 }, { "cx16", X86_FEAT_1_ECX, 13 },
    { "xtpr", X86_FEAT_1_ECX, 14 }, { "pdcm", X86_FEAT_1_ECX, 15 }, { "pcid", X86_FEAT_1_ECX, 17 },
    { "dca", X86_FEAT_1_ECX, 18 }, { "sse4.1", X86_FEAT_1_ECX, 19 },
    { "sse4.2", X86_FEAT_1_ECX, 20 }, { "x2apic", X86_FEAT_1_ECX, 21 },
    { "movbe", X86_FEAT_1_ECX, 22 }, { "popcnt", X86_FEAT_1_ECX, 23 },
    { "tsc-deadline", X86_FEAT_1_ECX, 24 }, { "aes", X86_FEAT_1_ECX, 25 },
    { "xsave", X86_FEAT_1_ECX, 26 }, { "avx", X86_FEAT_1_ECX, 28 }, { "f16c", X86_FEAT_1_ECX, 29 },
    { "rdrand", X86_FEAT_1_ECX, 30 }, { "hypervisor", X86_FEAT_1_ECX, 31 },

    { "arat", X86_FEAT_6_EAX, 2 },

    { "fsgsbase", X86_FEAT_7_0_EBX, 0 }, { "tsc-adjust", X86_FEAT_7_0_EBX, 1 },
    { "sgx", X86_FEAT_7_0_EBX, 2 }, { "bmi1", X86_FEAT_7_0_EBX, 3 }, { "hle", X86_FEAT_7_0_EBX, 4 },
    { "avx2", X86_FEAT_7_0_EBX, 5 }, { "smep", X86_FEAT_7_0_EBX, 7 },
    { "bmi2", X86_FEAT_7_0_EBX, 8 }, { "erms", X86_FEAT_7_0_EBX, 9 },
    { "invpcid", X86_FEAT_7_0_EBX, 10 }, { "rtm", X86_FEAT_7_0_EBX, 11 },
    { "mpx", X86_FEAT_7_0_EBX, 14 }, { "avx512f", X86_FEAT_7_0_EBX, 16 },
    { "avx512dq", X86_FEAT_7_0_EBX, 17 }, { "rdseed", X86_FEAT_7_0_EBX, 18 },
    { "adx", X86_FEAT_7_0_EBX, 19 }, { "smap", X86_FEAT_7_0_EBX, 20 },
    { "avx512ifma", X86_FEAT_7_0_EBX, 21 }, { "pcommit", X86_FEAT_7_0_EBX, 22 },
    { "clflushopt", X86_FEAT_7_0_EBX, 23 }, { "clwb", X86_FEAT_7_0_EBX, 24 },
    { "intel-pt", X86_FEAT_7_0_EBX, 25 }, { "avx512pf", X86_FEAT_7_0_EBX, 26 },
    { "avx512er", X86_FEAT_7_0_EBX, 27 }, { "avx512cd", X86_FEAT_7_0_EBX, 28 },
    { "sha-ni", X86_FEAT_7_0_EBX, 29 }, { "avx512bw", X86_FEAT_7_0_EBX, 30 },
    { "avx512vl", X86_FEAT_7_0_EBX, 31 },

    { "avx512vbmi", X86_FEAT_7_0_ECX, 1 }, { "umip", X86_FEAT_7_0_ECX, 2 },
    { "pku", X86_FEAT_7_0_ECX, 3 }, { "waitpkg", X86_FEAT_7_0_ECX, 5 },
    { "avx512vbmi2", X86_FEAT_7_0_ECX, 6 }, { "gfni", X86_FEAT_7_0_ECX, 8 },
    { "vaes", X86_FEAT_7_0_ECX, 9 }, { "vpclmulqdq", X86_FEAT_7_0_ECX, 10 },
    { "avx512vnni", X86_FEAT_7_0_ECX, 11 }, { "avx512bitalg", X86_FEAT_7_0_ECX, 12 },
    { "avx512-vpopcntdq", X86_FEAT_7_0_ECX, 14 }, { "la57", X86_FEAT_7_0_ECX, 16 },
    { "rdpid", X86_FEAT_7_0_ECX, 22 }, { "cldemote", X86_FEAT_7_0_ECX, 25 },
    { "movdiri", X86_FEAT_7_0_ECX, 27 }, { "movdir64b", X86_FEAT_7_0_ECX, 28 },

    { "avx512-4vnniw", X86_FEAT_7_0_EDX, 2 }, { "avx512-4fmaps", X86_FEAT_7_0_EDX, 3 },
    { "fsrm", X86_FEAT_7_0_EDX, 4 }, { "avx512-vp2intersect", X86_FEAT_7_0_EDX, 8 },
    { "md-clear", X86_FEAT_7_0_EDX, 10 }, { "serialize", X86_FEAT_7_0_EDX, 14 },
    { "tsx-ldtrk", X86_FEAT_7_0_EDX, 16 }, { "spec-ctrl", X86_FEAT_7_0_EDX, 26 },
    { "stibp", X86_FEAT_7_0_EDX, 27 }, { "flush-l1d", X86_FEAT_7_0_EDX, 28 },
    { "arch-capabilities", X86_FEAT_7_0_EDX, 29 }, { "core-capability", X86_FEAT_7_0_EDX, 30 },
    { "ssbd", X86_FEAT_7_0_EDX, 31 },

    { "avx-vnni", X86_FEAT_7_1_EAX, 4 }, { "avx512-bf16", X86_FEAT_7_1_EAX, 5 },
    { "fzrm", X86_FEAT_7_1_EAX, 10 }, { "fsrs", X86_FEAT_7_1_EAX, 11 },
    { "fsrc", X86_FEAT_7_1_EAX, 12 },

    { "xsaveopt", X86_FEAT_D_1_EAX, 0 }, { "xsavec", X86_FEAT_D_1_EAX, 1 },
    { "xgetbv1", X86_FEAT_D_1_EAX, 2 }, { "xsaves", X86_FEAT_D_1_EAX, 3 },

    { "syscall", X86_FEAT_8000_0001_EDX, 11 }, { "nx", X86_FEAT_8000_0001_EDX, 20 },
    { "xd", X86_FEAT_8000_0001_EDX, 20 }, { "mmxext", X86_FEAT_8000_0001_EDX, 22 },
    { "fxsr-opt", X86_FEAT_8000_0001_EDX, 25 }, { "ffxsr", X86_FEAT_8000_0001_EDX, 25 },
    { "pdpe1gb", X86_FEAT_8000_0001_EDX, 26 }, { "rdtscp", X86_FEAT_8000_0001_EDX, 27 },
    { "lm", X86_FEAT_8000_0001_EDX, 29 }, { "i64", X86_FEAT_8000_0001_EDX, 29 },
    { "3dnowext", X86_FEAT_8000_0001_EDX, 30 }, { "3dnow", X86_FEAT_8000_0001_EDX, 31 },

    { "lahf-lm", X86_FEAT_8000_0001_ECX, 0 }, { "cmp-legacy", X86_FEAT_8000_0001_ECX, 1 },
    { "svm", X86_FEAT_8000_0001_ECX, 2 }, { "extapic", X86_FEAT_8000_0001_ECX, 3 },
    { "cr8legacy", X86_FEAT_8000_0001_ECX, 4 }, { "abm", X86_FEAT_8000_0001_ECX, 5 },
    { "sse4a", X86_FEAT_8000_0001_ECX, 6 }, { "misalignsse", X86_FEAT_8000_0001_ECX, 7 },
    { "3dnowprefetch", X86_FEAT_8000_0001_ECX, 8 }, { "osvw", X86_FEAT_8000_0001_ECX, 9 },
    { "ibs", X86_FEAT_8000_0001_ECX, 10 }, { "xop", X86_FEAT_8000_0001_ECX, 11 },
    { "skinit", X86_FEAT_8000_0001_ECX, 12 }, { "wdt", X86_FEAT_8000_0001_ECX, 13 },
    { "lwp", X86_FEAT_8000_0001_ECX, 15 }, { "fma4", X86_FEAT_8000_0001_ECX, 16 },
    { "tce", X86_FEAT_8000_0001_ECX, 17 }, { "nodeid-msr", X86_FEAT_8000_0001_ECX, 19 },
    { "tbm", X86_FEAT_8000_0001_ECX, 21 }, { "topoext", X86_FEAT_8000_0001_ECX, 22 },
    { "perfctr-core", X86_FEAT_8000_0001_ECX, 23 }, { "perfctr-nb", X86_FEAT_8000_0001_ECX, 24 },

    { "clzero", X86_FEAT_8000_0008_EBX, 0 }, { "xsaveerptr", X86_FEAT_8000_0008_EBX, 2 },
    { "wbnoinvd", X86_FEAT_8000_0008_EBX, 9 }, { "ibpb", X86_FEAT_8000_0008_EBX, 12 },
    { "ibrs", X86_FEAT_8000_0008_EBX, 14 }, { "amd-stibp", X86_FEAT_8000_0008_EBX, 15 },
    { "amd-ssbd", X86_FEAT_8000_0008_EBX, 24 }, { "virt-ssbd", X86_FEAT_8000_0008_EBX, 25 },
    { "amd-no-ssb", X86_FEAT_8000_0008_EBX, 26 },
};
#define NR_FEATURE_NAMES (sizeof(feature_names) / sizeof(feature_names[0]))

/* ---- names ---- */

/* '_', '-' and '.' are the same character in feature names (QEMU accepts all three). */
static char name_fold(char c)
{
    if (c == '_' || c == '.') {
        return '-';
    }
    return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
}

static bool feature_name_equal(const char *a, size_t alen, const char *b)
{
    size_t blen = strlen(b);
    if (alen != blen) {
        return false;
    }
    for (size_t i = 0; i < alen; i++) {
        if (name_fold(a[i]) != name_fold(b[i])) {
            return false;
        }
    }
    return true;
}

static const FeatureName *feature_lookup(const char *name, size_t len)
{
    for (size_t i = 0; i < NR_FEATURE_NAMES; i++) {
        if (feature_name_equal(name, len, feature_names[i].name)) {
            return &feature_names[i];
        }
    }
    return NULL;
}

/* The feature by name; the name must be in the table (our own constants). */
static const FeatureName *feature(const char *name)
{
    const FeatureName *f = feature_lookup(name, strlen(name));
    assert(f);
    return f;
}

/* ---- parsing ---- */

static void model_edit(X86CpuModel *m, const FeatureName *f, bool on)
{
    uint32_t bit = 1u << f->bit;
    if (on) {
        m->add[f->word] |= bit;
        m->remove[f->word] &= ~bit;
    } else {
        m->remove[f->word] |= bit;
        m->add[f->word] &= ~bit;
    }
}

/* "on"/"off" and QEMU's other boolean spellings; -1 for anything else. */
static int parse_bool(const char *s, size_t len)
{
    static const char *const yes[] = { "on", "yes", "true" };
    static const char *const no[] = { "off", "no", "false" };
    for (int i = 0; i < 3; i++) {
        if (strlen(yes[i]) == len && strncmp(s, yes[i], len) == 0) {
            return 1;
        }
        if (strlen(no[i]) == len && strncmp(s, no[i], len) == 0) {
            return 0;
        }
    }
    return -1;
}

/* One ",item" of a -cpu spec: +feat, -feat, feat or feat=on|off. */
static int parse_feature_item(const char *item, size_t len, X86CpuModel *m, char *err,
                              size_t errlen)
{
    int on = 1;
    const char *name = item;
    size_t name_len = len;
    const char *eq = memchr(item, '=', len);

    if (len > 0 && (item[0] == '+' || item[0] == '-') && !eq) {
        on = item[0] == '+';
        name++;
        name_len--;
    } else if (eq) {
        name_len = (size_t)(eq - item);
        on = parse_bool(eq + 1, len - name_len - 1);
    }
    if (name_len == 0) {
        snprintf(err, errlen, "-cpu: empty CPU feature name");
        return -1;
    }
    const FeatureName *f = feature_lookup(name, name_len);
    if (!f) {
        snprintf(err, errlen, "unknown CPU feature '%.*s'", (int)name_len, name);
        return -1;
    }
    if (on < 0) {
        snprintf(err, errlen, "CPU feature '%.*s': expected on or off, got '%.*s'",
                 (int)name_len, name, (int)(len - name_len - 1), eq + 1);
        return -1;
    }
    model_edit(m, f, on);
    return 0;
}

static int parse_model_name(const char *name, size_t len, X86CpuModel *m, char *err,
                            size_t errlen)
{
    static const struct { const char *name; X86CpuBase base; } models[] = {
        { "qemu64", X86_CPU_QEMU64 }, { "max", X86_CPU_MAX }, { "host", X86_CPU_HOST },
    };
    for (size_t i = 0; i < sizeof(models) / sizeof(models[0]); i++) {
        if (strlen(models[i].name) == len && strncmp(name, models[i].name, len) == 0) {
            m->base = models[i].base;
            return 0;
        }
    }
    if (len == 0) {
        snprintf(err, errlen, "-cpu: empty CPU model name");
    } else {
        snprintf(err, errlen, "unknown CPU model '%.*s' (known: qemu64, max, host)", (int)len,
                 name);
    }
    return -1;
}

int x86_cpu_model_parse(const char *spec, X86CpuModel *m, char *err, size_t errlen)
{
    memset(m, 0, sizeof(*m));
    m->base = X86_CPU_QEMU64;
    if (!spec) {
        return 0;
    }
    size_t len = strcspn(spec, ",");
    if (parse_model_name(spec, len, m, err, errlen) != 0) {
        return -1;
    }
    for (const char *p = spec + len; *p == ','; p += len) {
        p++;
        len = strcspn(p, ",");
        if (parse_feature_item(p, len, m, err, errlen) != 0) {
            memset(m, 0, sizeof(*m));
            return -1;
        }
    }
    return 0;
}

bool x86_cpu_model_is_host(const X86CpuModel *m)
{
    return m->base == X86_CPU_HOST;
}

/* ---- tables ---- */

static bool leaf_is_indexed(uint32_t function)
{
    switch (function) {
    case 4: case 7: case 0xb: case 0xd: case 0xf: case 0x10: case 0x12: case 0x14:
    case 0x17: case 0x18: case 0x1d: case 0x1e: case 0x1f: case 0x24:
    case 0x8000001d: case 0x80000020: case 0x80000026:
        return true;
    default:
        return false;
    }
}

static bool entry_matches(const X86CpuidEntry *e, uint32_t function, uint32_t index)
{
    return e->function == function &&
           (!(e->flags & X86_CPUID_FLAG_INDEXED) || e->index == index);
}

const X86CpuidEntry *x86_cpuid_find(const X86Cpuid *t, uint32_t function, uint32_t index)
{
    for (int i = 0; i < t->nr; i++) {
        if (entry_matches(&t->e[i], function, index)) {
            return &t->e[i];
        }
    }
    return NULL;
}

static X86CpuidEntry *cpuid_find_mut(X86Cpuid *t, uint32_t function, uint32_t index)
{
    return (X86CpuidEntry *)x86_cpuid_find(t, function, index);
}

/* The entry for (function, index), created zeroed if missing; NULL if the table is full. */
static X86CpuidEntry *cpuid_get(X86Cpuid *t, uint32_t function, uint32_t index)
{
    X86CpuidEntry *e = cpuid_find_mut(t, function, index);
    if (e) {
        return e;
    }
    if (t->nr >= X86_CPUID_MAX) {
        return NULL;
    }
    e = &t->e[t->nr++];
    memset(e, 0, sizeof(*e));
    e->function = function;
    if (leaf_is_indexed(function)) {
        e->flags = X86_CPUID_FLAG_INDEXED;
        e->index = index;
    }
    return e;
}

static void cpuid_set(X86Cpuid *t, uint32_t function, uint32_t index, uint32_t eax,
                      uint32_t ebx, uint32_t ecx, uint32_t edx)
{
    X86CpuidEntry *e = cpuid_get(t, function, index);
    if (e) {
        e->eax = eax;
        e->ebx = ebx;
        e->ecx = ecx;
        e->edx = edx;
    }
}

static void cpuid_remove_function(X86Cpuid *t, uint32_t function)
{
    int j = 0;
    for (int i = 0; i < t->nr; i++) {
        if (t->e[i].function != function) {
            t->e[j++] = t->e[i];
        }
    }
    t->nr = j;
}

static uint32_t *entry_reg(X86CpuidEntry *e, int reg)
{
    switch (reg) {
    case REG_EAX: return &e->eax;
    case REG_EBX: return &e->ebx;
    case REG_ECX: return &e->ecx;
    default: return &e->edx;
    }
}

static uint32_t cpuid_word(const X86Cpuid *t, int word)
{
    const X86CpuidEntry *e = x86_cpuid_find(t, feature_words[word].function,
                                            feature_words[word].index);
    return e ? *entry_reg((X86CpuidEntry *)e, feature_words[word].reg) : 0;
}

/* Pointer to a feature word's register, creating its leaf; NULL if the table is full. */
static uint32_t *cpuid_word_ptr(X86Cpuid *t, int word)
{
    X86CpuidEntry *e = cpuid_get(t, feature_words[word].function, feature_words[word].index);
    return e ? entry_reg(e, feature_words[word].reg) : NULL;
}

static bool has(const X86Cpuid *t, const char *name)
{
    const FeatureName *f = feature(name);
    return (cpuid_word(t, f->word) >> f->bit) & 1;
}

/* Switch a feature; turning one off never creates its leaf. */
static void set_feature(X86Cpuid *t, const char *name, bool on)
{
    const FeatureName *f = feature(name);
    uint32_t *w = NULL;
    if (on) {
        w = cpuid_word_ptr(t, f->word);
    } else if (has(t, name)) {
        X86CpuidEntry *e = cpuid_find_mut(t, feature_words[f->word].function,
                                          feature_words[f->word].index);
        w = entry_reg(e, feature_words[f->word].reg);
    }
    if (w) {
        *w = on ? (*w | (1u << f->bit)) : (*w & ~(1u << f->bit));
    }
}

static bool removed_by_user(const X86CpuModel *m, const char *name)
{
    const FeatureName *f = feature(name);
    return (m->remove[f->word] >> f->bit) & 1;
}

bool x86_cpuid_has_feature(const X86Cpuid *t, const char *name)
{
    const FeatureName *f = feature_lookup(name, strlen(name));
    return f && ((cpuid_word(t, f->word) >> f->bit) & 1);
}

void x86_cpuid_clear_features(X86Cpuid *t)
{
    for (int w = 0; w < X86_FEAT_NR_WORDS; w++) {
        X86CpuidEntry *e = cpuid_find_mut(t, feature_words[w].function, feature_words[w].index);
        if (e) {
            *entry_reg(e, feature_words[w].reg) = 0;
        }
    }
}

void x86_cpuid_add_features(X86Cpuid *t, const X86Cpuid *from)
{
    for (int w = 0; w < X86_FEAT_NR_WORDS; w++) {
        uint32_t bits = cpuid_word(from, w);
        uint32_t *reg = bits ? cpuid_word_ptr(t, w) : NULL;
        if (reg) {
            *reg |= bits;
        }
    }
}

/* Has an earlier entry of feature_names the same bit (an alias: pni/sse3, nx/xd)? */
static bool feature_name_is_alias(size_t i)
{
    for (size_t j = 0; j < i; j++) {
        if (feature_names[j].word == feature_names[i].word &&
            feature_names[j].bit == feature_names[i].bit) {
            return true;
        }
    }
    return false;
}

void x86_cpu_model_force(X86CpuModel *m, const X86Cpuid *forced, char *unmet, size_t unmet_len)
{
    uint32_t unmet_bits[X86_FEAT_NR_WORDS];
    for (int w = 0; w < X86_FEAT_NR_WORDS; w++) {
        uint32_t bits = cpuid_word(forced, w);
        unmet_bits[w] = m->remove[w] & bits;
        m->remove[w] &= ~bits;
        m->add[w] |= bits;
    }
    /* Only named features can have been removed (x86_cpu_model_parse). */
    size_t used = 0;
    if (unmet_len) {
        unmet[0] = '\0';
    }
    for (size_t i = 0; i < NR_FEATURE_NAMES; i++) {
        const FeatureName *f = &feature_names[i];
        if (!((unmet_bits[f->word] >> f->bit) & 1) || feature_name_is_alias(i) ||
            used >= unmet_len) {
            continue;
        }
        int n = snprintf(unmet + used, unmet_len - used, "%s%s", used ? ", " : "", f->name);
        used += n > 0 ? (size_t)n : 0;
    }
}

void x86_cpuid_query(const X86Cpuid *t, uint32_t function, uint32_t index, uint32_t regs[4])
{
    const X86CpuidEntry *basic = x86_cpuid_find(t, 0, 0);
    const X86CpuidEntry *ext = x86_cpuid_find(t, 0x80000000, 0);
    uint32_t max_basic = basic ? basic->eax : 0;
    bool in_range;

    if (function >= 0x80000000) {
        in_range = ext && function <= ext->eax;
    } else if (function >= 0x40000000) {
        in_range = true;   /* hypervisor leaves: present or zero */
    } else {
        in_range = function <= max_basic;
    }
    const X86CpuidEntry *e = in_range ? x86_cpuid_find(t, function, index)
                                      : x86_cpuid_find(t, max_basic, index);
    regs[0] = e ? e->eax : 0;
    regs[1] = e ? e->ebx : 0;
    regs[2] = e ? e->ecx : 0;
    regs[3] = e ? e->edx : 0;
}

static int entry_compare(const void *a, const void *b)
{
    const X86CpuidEntry *x = a, *y = b;
    if (x->function != y->function) {
        return x->function < y->function ? -1 : 1;
    }
    return x->index < y->index ? -1 : x->index > y->index;
}

/* ---- qemu64 ---- */

static void set_features(X86Cpuid *t, const char *list)
{
    char name[32];
    for (const char *p = list; *p;) {
        size_t n = strcspn(p, " ");
        assert(n > 0 && n < sizeof(name));
        memcpy(name, p, n);
        name[n] = '\0';
        set_feature(t, name, true);
        p += n;
        p += strspn(p, " ");
    }
}

static void set_string_leaf(X86Cpuid *t, uint32_t function, const char *s)
{
    uint32_t r[4] = { 0 };
    memcpy(r, s, strnlen(s, 16));
    cpuid_set(t, function, 0, r[0], r[1], r[2], r[3]);
}

/* "AuthenticAMD" in leaf 0 / 0x80000000 order: EBX, EDX, ECX. */
#define VENDOR_AMD_EBX 0x68747541u   /* "Auth" */
#define VENDOR_AMD_EDX 0x69746e65u   /* "enti" */
#define VENDOR_AMD_ECX 0x444d4163u   /* "cAMD" */

/* Leaf 4 cache descriptor (SDM vol. 2A, CPUID leaf 04H); sharing is set by the topology. */
static void set_cache_leaf4(X86Cpuid *t, uint32_t index, uint32_t type, uint32_t level,
                            uint32_t ways, uint32_t line, uint32_t size)
{
    uint32_t sets = size / (ways * line);
    cpuid_set(t, 4, index, type | (level << 5) | (1u << 8),
              ((ways - 1) << 22) | (line - 1), sets - 1, 1);
}

/*
 * QEMU's qemu64: AuthenticAMD, family 15 model 107 stepping 1, "QEMU Virtual
 * CPU version 2.5+", level 0xd, xlevel 0x8000000a, the K8 feature set plus
 * SSE3 and CX16, no SVM.  Cache geometry is QEMU's legacy one.
 */
static void build_qemu64(X86Cpuid *t, const X86Cpuid *supported)
{
    const uint32_t signature = (6u << 16) | (0xfu << 8) | (0xbu << 4) | 1;   /* 0x60fb1 */

    cpuid_set(t, 0, 0, 0xd, VENDOR_AMD_EBX, VENDOR_AMD_ECX, VENDOR_AMD_EDX);
    cpuid_set(t, 1, 0, signature, 8u << 8 /* CLFLUSH line: 8 qwords */, 0, 0);
    set_features(t, "fpu de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 "
                    "clflush mmx fxsr sse sse2 sse3 cx16");
    /* Leaf 2: descriptor 0xff, "use leaf 4". */
    cpuid_set(t, 2, 0, 1, 0, 0, 0xff);
    set_cache_leaf4(t, 0, 1, 1, 8, 64, 32 << 10);      /* L1d 32 KiB 8-way */
    set_cache_leaf4(t, 1, 2, 1, 8, 64, 32 << 10);      /* L1i 32 KiB 8-way */
    set_cache_leaf4(t, 2, 3, 2, 16, 64, 4 << 20);      /* L2 4 MiB 16-way */
    cpuid_set(t, 4, 3, 0, 0, 0, 0);                    /* no more caches */
    cpuid_set(t, 7, 0, 0, 0, 0, 0);

    cpuid_set(t, 0x80000000, 0, 0x8000000a, VENDOR_AMD_EBX, VENDOR_AMD_ECX, VENDOR_AMD_EDX);
    cpuid_set(t, 0x80000001, 0, signature, 0, 0, 0);
    set_features(t, "lm syscall nx lahf-lm");
    set_string_leaf(t, 0x80000002, "QEMU Virtual CPU");
    set_string_leaf(t, 0x80000003, " version 2.5+");
    set_string_leaf(t, 0x80000004, "");
    /* AMD L1 and L2 (CPUID Fn8000_0005/6): 64 KiB 2-way L1s, 512 KiB 16-way L2, no L3. */
    cpuid_set(t, 0x80000005, 0, 0x01ff01ff, 0x01ff01ff, 0x40020140, 0x40020140);
    cpuid_set(t, 0x80000006, 0, 0, 0x42004200, 0x02008140, 0);
    cpuid_set(t, 0x80000007, 0, 0, 0, 0, 0);

    /* 40 physical address bits (QEMU's default), fewer if the backend has fewer; 48 linear. */
    uint32_t phys = 40;
    const X86CpuidEntry *s = supported ? x86_cpuid_find(supported, 0x80000008, 0) : NULL;
    if (s && (s->eax & 0xff) && (s->eax & 0xff) < phys) {
        phys = s->eax & 0xff;
    }
    cpuid_set(t, 0x80000008, 0, phys | (48u << 8), 0, 0, 0);
    cpuid_set(t, 0x8000000a, 0, 0, 0, 0, 0);

    /* The hypervisor's own leaves (KVM's paravirtual features), when the backend has them. */
    for (int i = 0; supported && i < supported->nr; i++) {
        const X86CpuidEntry *e = &supported->e[i];
        if (e->function >= 0x40000000 && e->function <= 0x400000ff) {
            cpuid_set(t, e->function, e->index, e->eax, e->ebx, e->ecx, e->edx);
        }
    }
}

/* ---- the build steps ---- */

static void apply_edits(X86Cpuid *t, const X86CpuModel *m)
{
    for (int w = 0; w < X86_FEAT_NR_WORDS; w++) {
        if (!m->add[w] && !m->remove[w]) {
            continue;
        }
        uint32_t *reg = cpuid_word_ptr(t, w);
        if (reg) {
            *reg = (*reg | m->add[w]) & ~m->remove[w];
        }
    }
}

static void limit_to_supported(X86Cpuid *t, const X86Cpuid *supported)
{
    for (int w = 0; w < X86_FEAT_NR_WORDS; w++) {
        X86CpuidEntry *e = cpuid_find_mut(t, feature_words[w].function, feature_words[w].index);
        if (e) {
            *entry_reg(e, feature_words[w].reg) &= cpuid_word(supported, w);
        }
    }
}

/* Features that make no sense without another (SDM vol. 1 13.x: AVX state needs XSAVE). */
static void drop_orphans(X86Cpuid *t)
{
    static const char *const avx_family[] = {
        "fma", "f16c", "avx2", "avx512f", "avx512dq", "avx512ifma", "avx512pf", "avx512er",
        "avx512cd", "avx512bw", "avx512vl", "avx512vbmi", "avx512vbmi2", "vaes", "vpclmulqdq",
        "avx512vnni", "avx512bitalg", "avx512-vpopcntdq", "avx512-4vnniw", "avx512-4fmaps",
        "avx512-vp2intersect", "avx-vnni", "avx512-bf16",
    };
    static const char *const xsave_family[] = { "xsaveopt", "xsavec", "xgetbv1", "xsaves" };
    if (!has(t, "xsave")) {
        set_feature(t, "avx", false);
        for (size_t i = 0; i < sizeof(xsave_family) / sizeof(xsave_family[0]); i++) {
            set_feature(t, xsave_family[i], false);
        }
    }
    if (!has(t, "avx")) {
        for (size_t i = 0; i < sizeof(avx_family) / sizeof(avx_family[0]); i++) {
            set_feature(t, avx_family[i], false);
        }
    }
}

/* XSAVE state components (SDM vol. 1 13.1). */
#define XSTATE_X87     (1ull << 0)
#define XSTATE_SSE     (1ull << 1)
#define XSTATE_YMM     (1ull << 2)
#define XSTATE_MPX     (3ull << 3)
#define XSTATE_AVX512  (7ull << 5)
#define XSTATE_PKRU    (1ull << 9)
#define XSAVE_LEGACY_AND_HEADER 576

/*
 * Is `name` off for the purpose of XSAVE components?  qemu64 goes by its
 * final CPUID; host and max keep what the backend supports unless the user
 * removed the feature (KVM may report XSAVE components without the XSAVE bit).
 */
static bool component_feature_off(const X86Cpuid *t, const X86CpuModel *m, const char *name)
{
    return m->base == X86_CPU_QEMU64 ? !has(t, name) : removed_by_user(m, name);
}

/* Leaf 0xd (SDM vol. 2A, CPUID leaf 0DH) for the XSAVE components the model keeps. */
static void build_xsave_leaf(X86Cpuid *t, const X86Cpuid *supported, const X86CpuModel *m)
{
    uint32_t d1_eax = cpuid_word(t, X86_FEAT_D_1_EAX);
    const X86CpuidEntry *s0 = supported ? x86_cpuid_find(supported, 0xd, 0) : NULL;
    uint64_t mask = s0 ? (s0->eax | (uint64_t)s0->edx << 32) : (XSTATE_X87 | XSTATE_SSE | XSTATE_YMM);

    cpuid_remove_function(t, 0xd);
    if (component_feature_off(t, m, "xsave")) {
        return;
    }
    if (m->base == X86_CPU_QEMU64) {
        mask &= XSTATE_X87 | XSTATE_SSE | XSTATE_YMM | XSTATE_AVX512 | XSTATE_PKRU;
    }
    if (component_feature_off(t, m, "avx")) {
        mask &= ~(XSTATE_YMM | XSTATE_AVX512);
    }
    if (component_feature_off(t, m, "avx512f")) {
        mask &= ~XSTATE_AVX512;
    }
    if (component_feature_off(t, m, "mpx")) {
        mask &= ~XSTATE_MPX;
    }
    if (component_feature_off(t, m, "pku")) {
        mask &= ~XSTATE_PKRU;
    }
    mask |= XSTATE_X87 | XSTATE_SSE;

    uint32_t max_size = XSAVE_LEGACY_AND_HEADER;
    for (int i = 2; i < 63; i++) {
        if (!((mask >> i) & 1)) {
            continue;
        }
        const X86CpuidEntry *s = supported ? x86_cpuid_find(supported, 0xd, i) : NULL;
        uint32_t size = s ? s->eax : (i == 2 ? 256 : 0);
        uint32_t offset = s ? s->ebx : (i == 2 ? XSAVE_LEGACY_AND_HEADER : 0);
        if (size == 0) {
            mask &= ~(1ull << i);   /* the backend does not describe it: leave it out */
            continue;
        }
        cpuid_set(t, 0xd, i, size, offset, s ? s->ecx : 0, 0);
        if (offset + size > max_size) {
            max_size = offset + size;
        }
    }
    /* EBX: the size for the XCR0 at reset (x87 only); KVM recomputes it as XCR0 changes. */
    cpuid_set(t, 0xd, 0, (uint32_t)mask, XSAVE_LEGACY_AND_HEADER, max_size, (uint32_t)(mask >> 32));
    const X86CpuidEntry *s1 = supported ? x86_cpuid_find(supported, 0xd, 1) : NULL;
    bool keep_xss = s1 && m->base != X86_CPU_QEMU64;
    cpuid_set(t, 0xd, 1, d1_eax, keep_xss ? s1->ebx : 0, keep_xss ? s1->ecx : 0,
              keep_xss ? s1->edx : 0);
}

/* AMD mirrors these leaf 1 EDX bits in 0x80000001 EDX (AMD APM vol. 3, CPUID Fn8000_0001). */
#define AMD_EDX_ALIASES 0x0183f3ffu

static void apply_amd_aliases(X86Cpuid *t)
{
    const X86CpuidEntry *v = x86_cpuid_find(t, 0, 0);
    X86CpuidEntry *e = cpuid_find_mut(t, 0x80000001, 0);
    if (v && e && v->ebx == VENDOR_AMD_EBX && v->ecx == VENDOR_AMD_ECX && v->edx == VENDOR_AMD_EDX) {
        e->edx = (e->edx & ~AMD_EDX_ALIASES) | (cpuid_word(t, X86_FEAT_1_EDX) & AMD_EDX_ALIASES);
    }
}

/* Bits needed to number n things (0 for n <= 1). */
static uint32_t id_bits(int n)
{
    uint32_t bits = 0;
    while ((1 << bits) < n) {
        bits++;
    }
    return bits;
}

static uint32_t max_leaf(const X86Cpuid *t, uint32_t base)
{
    const X86CpuidEntry *e = x86_cpuid_find(t, base, 0);
    return e ? e->eax : 0;
}

/* Leaf 0xb / 0x1f (SDM vol. 2A, CPUID leaf 0BH): SMT level, core level, end. */
static void build_x2apic_topology(X86Cpuid *t, uint32_t function, uint32_t apic_id, int nr)
{
    cpuid_remove_function(t, function);
    cpuid_set(t, function, 0, 0, 1, (1u << 8) | 0, apic_id);
    cpuid_set(t, function, 1, id_bits(nr), (uint32_t)nr, (2u << 8) | 1, apic_id);
    cpuid_set(t, function, 2, 0, 0, 2, apic_id);
}

/* Sharing fields of the deterministic cache leaves (leaf 4, AMD's 0x8000001d). */
static void fix_cache_sharing(X86Cpuid *t, uint32_t function, int nr, bool with_core_count)
{
    uint32_t all = (1u << id_bits(nr)) - 1;
    for (int i = 0; i < t->nr; i++) {
        X86CpuidEntry *e = &t->e[i];
        if (e->function != function || (e->eax & 0x1f) == 0) {
            continue;
        }
        uint32_t level = (e->eax >> 5) & 7;
        uint32_t sharing = level >= 3 ? all : 0;      /* L1/L2 per core, L3 per package */
        e->eax = (e->eax & ~(0xfffu << 14)) | (sharing << 14);
        if (with_core_count) {
            e->eax = (e->eax & 0x03ffffff) | (all << 26);
        }
    }
}

/* One package of `nr` single-thread cores; this vCPU's APIC id is `index`. */
static void apply_topology(X86Cpuid *t, int index, int nr)
{
    uint32_t apic_id = (uint32_t)index;
    X86CpuidEntry *e = cpuid_find_mut(t, 1, 0);
    if (e) {
        e->ebx = (e->ebx & 0xffff) | (apic_id << 24);
        e->edx &= ~(1u << 28);                        /* HTT */
        if (nr > 1) {
            e->ebx |= (uint32_t)(nr & 0xff) << 16;
            e->edx |= 1u << 28;
        }
    }
    fix_cache_sharing(t, 4, nr, true);
    fix_cache_sharing(t, 0x8000001d, nr, false);
    uint32_t level = max_leaf(t, 0);
    if (level >= 0xb) {
        build_x2apic_topology(t, 0xb, apic_id, nr);
    }
    if (level >= 0x1f && x86_cpuid_find(t, 0x1f, 0)) {
        build_x2apic_topology(t, 0x1f, apic_id, nr);
    }
    e = cpuid_find_mut(t, 0x80000008, 0);
    if (e) {
        /* AMD: NC = cores - 1, ApicIdCoreIdSize. */
        e->ecx = (e->ecx & ~0xf0ffu) | (id_bits(nr) << 12) | (uint32_t)((nr - 1) & 0xff);
    }
    e = cpuid_find_mut(t, 0x8000001e, 0);
    if (e) {
        /* AMD extended APIC id, compute unit (core) id, node 0. */
        e->eax = apic_id;
        e->ebx = apic_id & 0xff;
        e->ecx = 0;
    }
}

void x86_cpuid_build(const X86CpuModel *m, const X86Cpuid *supported, int index, int nr_vcpus,
                     X86Cpuid *out)
{
    memset(out, 0, sizeof(*out));
    if (nr_vcpus < 1) {
        nr_vcpus = 1;
    }
    if (m->base == X86_CPU_QEMU64) {
        build_qemu64(out, supported);
    } else if (supported) {
        *out = *supported;
    }
    apply_edits(out, m);
    if (supported) {
        limit_to_supported(out, supported);
    }
    drop_orphans(out);
    build_xsave_leaf(out, supported, m);
    apply_amd_aliases(out);
    apply_topology(out, index, nr_vcpus);
    /* Dynamic bits are the CPU's to compute from CR4: OSXSAVE, OSPKE. */
    X86CpuidEntry *e = cpuid_find_mut(out, 1, 0);
    if (e) {
        e->ecx &= ~(1u << 27);
    }
    e = cpuid_find_mut(out, 7, 0);
    if (e) {
        e->ecx &= ~(1u << 4);
    }
    set_feature(out, "hypervisor", !removed_by_user(m, "hypervisor"));
    qsort(out->e, (size_t)out->nr, sizeof(out->e[0]), entry_compare);
}
