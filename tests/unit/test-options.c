/* Unit tests for ui/options.c: QEMU's spelling, sizes, properties, and bad input. */
#include <glib.h>
#include <string.h>

#include "ui/options.h"

static OptionsResult parse(Options *o, char *err, size_t errlen, ...)
{
    char *argv[32] = { "tandem" };
    int argc = 1;
    va_list ap;
    va_start(ap, errlen);
    for (char *a; (a = va_arg(ap, char *)) != NULL;) {
        argv[argc++] = a;
    }
    va_end(ap);
    err[0] = '\0';
    options_free(o);   /* what the previous parse of o allocated */
    return options_parse(o, argc, argv, err, errlen);
}

static void test_sizes(void)
{
    uint64_t v;
    g_assert_true(options_parse_size("512", 20, &v));
    g_assert_cmpuint(v, ==, 512ull << 20);
    g_assert_true(options_parse_size("2G", 20, &v));
    g_assert_cmpuint(v, ==, 2ull << 30);
    g_assert_true(options_parse_size("64k", 20, &v));
    g_assert_cmpuint(v, ==, 64ull << 10);
    g_assert_true(options_parse_size("1GiB", 20, &v));
    g_assert_cmpuint(v, ==, 1ull << 30);
    g_assert_false(options_parse_size("", 20, &v));
    g_assert_false(options_parse_size("12X", 20, &v));
    g_assert_false(options_parse_size("-5", 20, &v));
    g_assert_false(options_parse_size("99999999999999999999", 20, &v));
    g_assert_false(options_parse_size("17179869184T", 20, &v));
}

static void test_props(void)
{
    char v[32];
    g_assert_true(options_prop("iobase=0xf4,iosize=0x4", "iosize", v, sizeof(v)));
    g_assert_cmpstr(v, ==, "0x4");
    g_assert_true(options_prop("iobase=0xf4,iosize=0x4", "iobase", v, sizeof(v)));
    g_assert_cmpstr(v, ==, "0xf4");
    g_assert_false(options_prop("iobase=0xf4", "io", v, sizeof(v)));
    g_assert_true(options_prop("a=1,flag", "flag", v, sizeof(v)));
    g_assert_cmpstr(v, ==, "on");
}

static void test_qemu_spelling(void)
{
    Options o = { 0 };
    char err[256];
    g_assert_cmpint(parse(&o, err, sizeof(err), "--no-reboot", "-m", "2G", "--smp", "2",
                          "-machine", "accel=kvm", "-nographic", "-kernel", "k", "-append",
                          "console=ttyS0", "-display", "none", "-nodefaults", "-serial", "stdio",
                          NULL), ==, OPTIONS_RUN);
    g_assert_true(o.no_reboot);
    g_assert_true(o.nographic);
    g_assert_true(o.nodefaults);
    g_assert_cmpuint(o.ram_size, ==, 2ull << 30);
    g_assert_cmpint(o.smp, ==, 2);
    g_assert_cmpstr(o.accel, ==, "kvm");
    g_assert_cmpstr(o.kernel, ==, "k");
    g_assert_cmpstr(o.append, ==, "console=ttyS0");
    g_assert_cmpstr(o.serial, ==, "stdio");

    g_assert_cmpint(parse(&o, err, sizeof(err), "-m", "256", "-accel", "kvm:interp", NULL), ==,
                    OPTIONS_RUN);
    g_assert_cmpuint(o.ram_size, ==, 256ull << 20);
    g_assert_cmpstr(o.accel, ==, "kvm:interp");

    g_assert_cmpint(parse(&o, err, sizeof(err), "-smp", "cpus=4,sockets=1", "-M", "pc,accel=tcg",
                          NULL), ==, OPTIONS_RUN);
    g_assert_cmpint(o.smp, ==, 4);
    g_assert_cmpstr(o.accel, ==, "tcg");
    options_free(&o);
}

static void test_bad_input(void)
{
    Options o = { 0 };
    char err[256];
    g_assert_cmpint(parse(&o, err, sizeof(err), "-m", "0", NULL), ==, OPTIONS_ERROR);
    g_assert_nonnull(strstr(err, "-m"));
    g_assert_cmpint(parse(&o, err, sizeof(err), "-nosuch", NULL), ==, OPTIONS_ERROR);
    g_assert_nonnull(strstr(err, "unknown option '-nosuch'"));
    g_assert_cmpint(parse(&o, err, sizeof(err), "-kernel", NULL), ==, OPTIONS_ERROR);
    g_assert_nonnull(strstr(err, "needs an argument"));
    g_assert_cmpint(parse(&o, err, sizeof(err), "-smp", "0", NULL), ==, OPTIONS_ERROR);
    g_assert_cmpint(parse(&o, err, sizeof(err), "-smp", "many", NULL), ==, OPTIONS_ERROR);
    g_assert_cmpint(parse(&o, err, sizeof(err), "-machine", "isapc", NULL), ==, OPTIONS_ERROR);
    g_assert_cmpint(parse(&o, err, sizeof(err), "-d", "nosuch", NULL), ==, OPTIONS_ERROR);
    g_assert_cmpint(parse(&o, err, sizeof(err), "-device", "nosuch", NULL), ==, OPTIONS_ERROR);
    g_assert_nonnull(strstr(err, "unknown device 'nosuch'"));
    g_assert_cmpint(parse(&o, err, sizeof(err), "disk.img", NULL), ==, OPTIONS_ERROR);
    g_assert_null(strchr(err, '\n'));   /* one line */
    options_free(&o);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/options/sizes", test_sizes);
    g_test_add_func("/options/props", test_props);
    g_test_add_func("/options/qemu-spelling", test_qemu_spelling);
    g_test_add_func("/options/bad-input", test_bad_input);
    return g_test_run();
}
