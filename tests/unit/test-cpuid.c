/* Unit tests for cpu/x86/cpuid.c: -cpu parsing, qemu64's leaves, edits, topology, limiting. */
#include <glib.h>
#include <string.h>

#include "cpu/x86/cpuid.h"

static X86CpuModel parse_ok(const char *spec)
{
    X86CpuModel m;
    char err[128] = "";
    int r = x86_cpu_model_parse(spec, &m, err, sizeof(err));
    if (r != 0) {
        g_test_message("spec '%s': %s", spec ? spec : "(null)", err);
    }
    g_assert_cmpint(r, ==, 0);
    return m;
}

static void parse_fails(const char *spec, const char *expected)
{
    X86CpuModel m;
    char err[128] = "";
    g_assert_cmpint(x86_cpu_model_parse(spec, &m, err, sizeof(err)), ==, -1);
    g_assert_cmpstr(err, ==, expected);
}

static void test_parse(void)
{
    X86CpuModel m = parse_ok(NULL);
    g_assert_cmpint(m.base, ==, X86_CPU_QEMU64);
    g_assert_false(x86_cpu_model_is_host(&m));
    m = parse_ok("qemu64");
    g_assert_cmpint(m.base, ==, X86_CPU_QEMU64);
    m = parse_ok("max");
    g_assert_cmpint(m.base, ==, X86_CPU_MAX);
    g_assert_false(x86_cpu_model_is_host(&m));
    m = parse_ok("host");
    g_assert_true(x86_cpu_model_is_host(&m));

    /* +feat, -feat, feat=on|off, bare feat; '_', '-', '.' interchangeable; last edit wins. */
    m = parse_ok("qemu64,+avx,-sse2,sse4_2=on,x2apic=off,sse4-1,+xsave,-xsave");
    g_assert_cmphex(m.add[X86_FEAT_1_ECX], ==, (1u << 28) | (1u << 20) | (1u << 19));
    g_assert_cmphex(m.remove[X86_FEAT_1_ECX], ==, (1u << 21) | (1u << 26));
    g_assert_cmphex(m.remove[X86_FEAT_1_EDX], ==, 1u << 26);
    m = parse_ok("host,-lahf_lm,+pdpe1gb");
    g_assert_cmphex(m.remove[X86_FEAT_8000_0001_ECX], ==, 1u << 0);
    g_assert_cmphex(m.add[X86_FEAT_8000_0001_EDX], ==, 1u << 26);

    parse_fails("foo", "unknown CPU model 'foo' (known: qemu64, max, host)");
    parse_fails("qemu64,+bar", "unknown CPU feature 'bar'");
    parse_fails("qemu64,bar=on", "unknown CPU feature 'bar'");
    parse_fails("qemu64,avx=maybe", "CPU feature 'avx': expected on or off, got 'maybe'");
    parse_fails("", "-cpu: empty CPU model name");
    parse_fails("qemu64,", "-cpu: empty CPU feature name");
    parse_fails("qemu64,+", "-cpu: empty CPU feature name");
    parse_fails("host64", "unknown CPU model 'host64' (known: qemu64, max, host)");
}

static const X86CpuidEntry *leaf(const X86Cpuid *t, uint32_t function, uint32_t index)
{
    const X86CpuidEntry *e = x86_cpuid_find(t, function, index);
    if (!e) {
        g_test_message("leaf 0x%x.%u missing", function, index);
    }
    g_assert_nonnull(e);
    return e;
}

static void build(const char *spec, const X86Cpuid *supported, int index, int nr, X86Cpuid *out)
{
    X86CpuModel m = parse_ok(spec);
    x86_cpuid_build(&m, supported, index, nr, out);
}

static void test_qemu64_leaves(void)
{
    static X86Cpuid t;
    build("qemu64", NULL, 0, 1, &t);

    const X86CpuidEntry *e = leaf(&t, 0, 0);
    char vendor[13] = "";
    memcpy(vendor, &e->ebx, 4);
    memcpy(vendor + 4, &e->edx, 4);
    memcpy(vendor + 8, &e->ecx, 4);
    g_assert_cmpstr(vendor, ==, "AuthenticAMD");
    g_assert_cmphex(e->eax, ==, 0xd);

    e = leaf(&t, 1, 0);
    g_assert_cmphex(e->eax, ==, 0x00060fb1);   /* family 15, model 107, stepping 1 */
    /* fpu de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush mmx fxsr sse sse2 */
    g_assert_cmphex(e->edx, ==, 0x078bfbfd);
    g_assert_cmphex(e->ecx, ==, (1u << 0) | (1u << 13) | (1u << 31));   /* sse3 cx16 hypervisor */
    g_assert_cmphex(e->ebx, ==, 8u << 8);

    e = leaf(&t, 0x80000000, 0);
    g_assert_cmphex(e->eax, ==, 0x8000000a);
    e = leaf(&t, 0x80000001, 0);
    g_assert_cmphex(e->eax, ==, 0x00060fb1);
    /* lm syscall nx plus AMD's aliases of leaf 1 */
    g_assert_cmphex(e->edx, ==, (1u << 29) | (1u << 11) | (1u << 20) | (0x078bfbfdu & 0x0183f3ffu));
    g_assert_cmphex(e->ecx, ==, 1u << 0);   /* lahf_lm, no svm */

    char brand[49] = "";
    for (int i = 0; i < 3; i++) {
        e = leaf(&t, 0x80000002 + i, 0);
        memcpy(brand + 16 * i, &e->eax, 4);
        memcpy(brand + 16 * i + 4, &e->ebx, 4);
        memcpy(brand + 16 * i + 8, &e->ecx, 4);
        memcpy(brand + 16 * i + 12, &e->edx, 4);
    }
    g_assert_cmpstr(brand, ==, "QEMU Virtual CPU version 2.5+");
    g_assert_cmphex(leaf(&t, 0x80000008, 0)->eax & 0xffff, ==, 0x3028);
    g_assert_null(x86_cpuid_find(&t, 0xd, 0));   /* no XSAVE */
    g_assert_true(x86_cpuid_has_feature(&t, "sse2"));
    g_assert_true(x86_cpuid_has_feature(&t, "lahf_lm"));
    g_assert_false(x86_cpuid_has_feature(&t, "svm"));
    g_assert_false(x86_cpuid_has_feature(&t, "avx"));
    g_assert_false(x86_cpuid_has_feature(&t, "no-such-feature"));
}

/* A backend that implements everything (all feature bits), GenuineIntel, 39 physical bits. */
static void make_supported_all(X86Cpuid *s)
{
    memset(s, 0, sizeof(*s));
    X86CpuidEntry rows[] = {
        { 0, 0, 0, 0xd, 0x756e6547, 0x6c65746e, 0x49656e69 },
        { 1, 0, 0, 0x000906ea, 0x00000800, 0xffffffff, 0xffffffff },
        { 6, 0, 0, 0xffffffff, 0, 0, 0 },
        { 7, 0, 1, 0, 0xffffffff, 0xffffffff, 0xffffffff },
        { 0xb, 0, 1, 1, 2, 0x100, 7 },   /* deliberately wrong topology */
        { 0xd, 0, 1, 0x7, 0x240, 0x340, 0 },
        { 0xd, 1, 1, 0xf, 0, 0, 0 },
        { 0xd, 2, 1, 0x100, 0x240, 0, 0 },
        { 0x80000000, 0, 0, 0x80000008, 0, 0, 0 },
        { 0x80000001, 0, 0, 0, 0, 0xffffffff, 0xffffffff },
        { 0x80000008, 0, 0, 0x3027, 0xffffffff, 0, 0 },
        { 0x40000000, 0, 0, 0x40000001, 0x4b4d564b, 0x564b4d56, 0x4d },
        { 0x40000001, 0, 0, 0x01007efb, 0, 0, 0 },
    };
    memcpy(s->e, rows, sizeof(rows));
    s->nr = (int)(sizeof(rows) / sizeof(rows[0]));
}

static void test_edits(void)
{
    static X86Cpuid s, t;
    make_supported_all(&s);

    build("qemu64,+avx,+xsave,-sse2,+x2apic,-hypervisor,+avx2,+xsaveopt", &s, 0, 1, &t);
    g_assert_true(x86_cpuid_has_feature(&t, "avx"));
    g_assert_true(x86_cpuid_has_feature(&t, "xsave"));
    g_assert_true(x86_cpuid_has_feature(&t, "avx2"));
    g_assert_true(x86_cpuid_has_feature(&t, "x2apic"));
    g_assert_true(x86_cpuid_has_feature(&t, "xsaveopt"));
    g_assert_false(x86_cpuid_has_feature(&t, "sse2"));
    g_assert_false(x86_cpuid_has_feature(&t, "hypervisor"));
    g_assert_true(x86_cpuid_has_feature(&t, "sse3"));
    /* Physical address bits follow the backend when it has fewer than 40. */
    g_assert_cmphex(leaf(&t, 0x80000008, 0)->eax & 0xffff, ==, 0x3027);
    /* The XSAVE leaf: x87, SSE and AVX state; the AVX component at 576. */
    const X86CpuidEntry *e = leaf(&t, 0xd, 0);
    g_assert_cmphex(e->eax, ==, 7);
    g_assert_cmpuint(e->ecx, ==, 832);
    e = leaf(&t, 0xd, 2);
    g_assert_cmpuint(e->eax, ==, 256);
    g_assert_cmpuint(e->ebx, ==, 576);
    g_assert_cmphex(leaf(&t, 0xd, 1)->eax, ==, 1);
    /* KVM's paravirtual leaves come along. */
    g_assert_cmphex(leaf(&t, 0x40000000, 0)->ebx, ==, 0x4b4d564b);

    /* AVX without XSAVE makes no sense: it is dropped, with its family. */
    build("qemu64,+avx,+avx2", &s, 0, 1, &t);
    g_assert_false(x86_cpuid_has_feature(&t, "avx"));
    g_assert_false(x86_cpuid_has_feature(&t, "avx2"));
    g_assert_null(x86_cpuid_find(&t, 0xd, 0));

    /* xsave without avx: only x87 and SSE state. */
    build("qemu64,+xsave", &s, 0, 1, &t);
    g_assert_cmphex(leaf(&t, 0xd, 0)->eax, ==, 3);
    g_assert_cmpuint(leaf(&t, 0xd, 0)->ecx, ==, 576);
    g_assert_null(x86_cpuid_find(&t, 0xd, 2));
}

static void test_limit(void)
{
    static X86Cpuid s, t;
    make_supported_all(&s);
    /* A backend without SSE3, LM, AVX and NX. */
    X86CpuidEntry *e = (X86CpuidEntry *)x86_cpuid_find(&s, 1, 0);
    e->ecx &= ~((1u << 0) | (1u << 28));
    e = (X86CpuidEntry *)x86_cpuid_find(&s, 0x80000001, 0);
    e->edx &= ~((1u << 29) | (1u << 20));

    build("qemu64,+avx,+xsave", &s, 0, 1, &t);
    g_assert_false(x86_cpuid_has_feature(&t, "sse3"));
    g_assert_false(x86_cpuid_has_feature(&t, "lm"));
    g_assert_false(x86_cpuid_has_feature(&t, "nx"));
    g_assert_false(x86_cpuid_has_feature(&t, "avx"));
    g_assert_true(x86_cpuid_has_feature(&t, "xsave"));
    g_assert_true(x86_cpuid_has_feature(&t, "syscall"));
    g_assert_true(x86_cpuid_has_feature(&t, "hypervisor"));
    /* Vendor and signature are the model's, not the backend's. */
    g_assert_cmphex(leaf(&t, 0, 0)->ebx, ==, 0x68747541);
    g_assert_cmphex(leaf(&t, 1, 0)->eax, ==, 0x00060fb1);

    /* host and max take the backend's leaves, minus what the user removes. */
    build("host,-x2apic,-avx", &s, 0, 1, &t);
    g_assert_cmphex(leaf(&t, 0, 0)->ebx, ==, 0x756e6547);   /* "Genu" */
    g_assert_cmphex(leaf(&t, 1, 0)->eax, ==, 0x000906ea);
    g_assert_false(x86_cpuid_has_feature(&t, "x2apic"));
    g_assert_false(x86_cpuid_has_feature(&t, "avx2"));
    g_assert_true(x86_cpuid_has_feature(&t, "sse4.2"));
    g_assert_false(x86_cpuid_has_feature(&t, "avx512f"));
    g_assert_cmphex(leaf(&t, 0xd, 0)->eax, ==, 3);
    /* OSXSAVE and OSPKE are dynamic: never in the table. */
    g_assert_cmphex(leaf(&t, 1, 0)->ecx & (1u << 27), ==, 0);
    g_assert_cmphex(leaf(&t, 7, 0)->ecx & (1u << 4), ==, 0);

    /* On the backend without AVX, max drops AVX2 and AVX-512 (they need AVX). */
    build("max", &s, 0, 1, &t);
    g_assert_false(x86_cpuid_has_feature(&t, "avx2"));
    g_assert_false(x86_cpuid_has_feature(&t, "avx512f"));
    make_supported_all(&s);
    build("max", &s, 0, 1, &t);
    g_assert_cmphex(leaf(&t, 7, 0)->ebx, ==, 0xffffffff);
    g_assert_cmphex(leaf(&t, 0xd, 0)->eax, ==, 7);
    g_assert_cmphex(leaf(&t, 0x80000008, 0)->eax, ==, 0x3027);
}

static void test_topology(void)
{
    static X86Cpuid t;
    static X86Cpuid s;
    make_supported_all(&s);
    for (int i = 0; i < 4; i++) {
        build("qemu64", NULL, i, 4, &t);
        const X86CpuidEntry *e = leaf(&t, 1, 0);
        g_assert_cmpuint(e->ebx >> 24, ==, (unsigned)i);
        g_assert_cmpuint((e->ebx >> 16) & 0xff, ==, 4);
        g_assert_cmphex(e->edx & (1u << 28), !=, 0);        /* HTT */
        e = leaf(&t, 0xb, 0);
        g_assert_cmpuint(e->edx, ==, (unsigned)i);
        g_assert_cmphex(e->ecx, ==, 0x100);
        g_assert_cmpuint(e->ebx, ==, 1);
        e = leaf(&t, 0xb, 1);
        g_assert_cmpuint(e->eax, ==, 2);
        g_assert_cmpuint(e->ebx, ==, 4);
        g_assert_cmphex(e->ecx, ==, 0x201);
        g_assert_cmpuint(e->edx, ==, (unsigned)i);
        g_assert_cmphex(leaf(&t, 0xb, 2)->ecx, ==, 2);
        g_assert_cmpuint(leaf(&t, 4, 0)->eax >> 26, ==, 3);
        g_assert_cmpuint((leaf(&t, 4, 2)->eax >> 14) & 0xfff, ==, 0);
        g_assert_cmphex(leaf(&t, 0x80000008, 0)->ecx, ==, 0x2003);
    }
    build("qemu64", NULL, 0, 1, &t);
    g_assert_cmphex(leaf(&t, 1, 0)->ebx, ==, 0x800);
    g_assert_cmphex(leaf(&t, 1, 0)->edx & (1u << 28), ==, 0);
    g_assert_cmpuint(leaf(&t, 0xb, 1)->eax, ==, 0);
    g_assert_cmpuint(leaf(&t, 0xb, 1)->ebx, ==, 1);

    /* host: the backend's wrong leaf 0xb is replaced. */
    build("host", &s, 2, 3, &t);
    g_assert_cmpuint(leaf(&t, 0xb, 1)->ebx, ==, 3);
    g_assert_cmpuint(leaf(&t, 0xb, 1)->eax, ==, 2);
    g_assert_cmpuint(leaf(&t, 0xb, 0)->edx, ==, 2);
    g_assert_cmpuint(leaf(&t, 1, 0)->ebx >> 24, ==, 2);
}

static void test_find_and_query(void)
{
    static X86Cpuid t;
    uint32_t r[4];
    build("qemu64", NULL, 0, 1, &t);
    /* Leaf 4 is indexed: each sub-leaf is its own entry; leaf 1 ignores ECX. */
    g_assert_cmpuint(leaf(&t, 4, 1)->eax & 0x1f, ==, 2);
    g_assert_true(x86_cpuid_find(&t, 1, 0) == x86_cpuid_find(&t, 1, 5));
    g_assert_null(x86_cpuid_find(&t, 4, 9));
    x86_cpuid_query(&t, 0x80000001, 0, r);
    g_assert_cmphex(r[3], ==, leaf(&t, 0x80000001, 0)->edx);
    x86_cpuid_query(&t, 0x8000001f, 0, r);   /* beyond xlevel 0x8000000a */
    g_assert_cmphex(r[0], ==, 0);
    x86_cpuid_query(&t, 9, 0, r);            /* in range, not defined */
    g_assert_cmphex(r[0] | r[1] | r[2] | r[3], ==, 0);
    /* Above the maximum basic leaf: the highest basic leaf's data (Intel's rule). */
    static X86Cpuid s;
    make_supported_all(&s);
    build("qemu64,+xsave", &s, 0, 1, &t);
    x86_cpuid_query(&t, 0x20, 0, r);
    g_assert_cmphex(r[0], ==, 3);
    g_assert_cmpuint(r[2], ==, 576);
    /* The table is sorted by function, then index. */
    for (int i = 1; i < t.nr; i++) {
        g_assert_true(t.e[i - 1].function < t.e[i].function ||
                      (t.e[i - 1].function == t.e[i].function && t.e[i - 1].index < t.e[i].index));
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cpuid/parse", test_parse);
    g_test_add_func("/cpuid/qemu64", test_qemu64_leaves);
    g_test_add_func("/cpuid/edits", test_edits);
    g_test_add_func("/cpuid/limit", test_limit);
    g_test_add_func("/cpuid/topology", test_topology);
    g_test_add_func("/cpuid/find-query", test_find_and_query);
    return g_test_run();
}
