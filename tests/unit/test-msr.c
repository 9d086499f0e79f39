/* The software CPU's MSRs (cpu/x86/msr.c): known ones read back, unknown ones and bad values refused (#GP). */
#include <glib.h>

#include "x86-fixture.h"
#include "cpu/x86/msr.h"

static void test_unknown_msr_refused(void)
{
    Fixture *f = fixture_new(FIXTURE_LONG64, 0);
    uint64_t v = 0x1234;
    g_assert_false(x86_msr_read(&f->cpu, 0xdeadbeef, &v));
    g_assert_false(x86_msr_write(&f->cpu, 0xdeadbeef, 0));
    g_assert_false(x86_msr_read(&f->cpu, 0xc0011234, &v));   /* an AMD range tandem lacks */
    fixture_free(f);
}

static void test_known_msrs_read_back(void)
{
    Fixture *f = fixture_new(FIXTURE_LONG64, 0);
    static const uint32_t msrs[] = { MSR_STAR, MSR_LSTAR, MSR_KERNEL_GS_BASE, MSR_IA32_SYSENTER_EIP };
    for (unsigned i = 0; i < G_N_ELEMENTS(msrs); i++) {
        uint64_t v = 0, want = 0xffffffff81000000ull + i * 0x10;
        g_assert_true(x86_msr_write(&f->cpu, msrs[i], want));
        g_assert_true(x86_msr_read(&f->cpu, msrs[i], &v));
        g_assert_cmphex(v, ==, want);
    }
    /* LSTAR must be canonical (SDM vol. 4 table 2-2: #GP otherwise). */
    g_assert_false(x86_msr_write(&f->cpu, MSR_LSTAR, 0x0000800000000000ull));
    fixture_free(f);
}

/* SYSCFG (AMD APM vol. 2 A.1) reads 0 on an AMD CPU and takes only 0; Intel has no such MSR. */
static void test_amd_syscfg(void)
{
    Fixture *f = fixture_new(FIXTURE_LONG64, 0);
    uint64_t v = 0x55;
    f->cpu.vendor_amd = true;
    g_assert_true(x86_msr_read(&f->cpu, MSR_AMD64_SYSCFG, &v));
    g_assert_cmphex(v, ==, 0);
    g_assert_true(x86_msr_write(&f->cpu, MSR_AMD64_SYSCFG, 0));
    g_assert_false(x86_msr_write(&f->cpu, MSR_AMD64_SYSCFG, 1ull << 23));   /* SME enable */
    f->cpu.vendor_amd = false;
    g_assert_false(x86_msr_read(&f->cpu, MSR_AMD64_SYSCFG, &v));
    fixture_free(f);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/msr/unknown", test_unknown_msr_refused);
    g_test_add_func("/msr/read-back", test_known_msrs_read_back);
    g_test_add_func("/msr/amd-syscfg", test_amd_syscfg);
    return g_test_run();
}
