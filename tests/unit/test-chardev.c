/* Unit tests of the character backends: file, none, and stdio over pipes and a pty. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <glib.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "ui/chardev.h"

/* A frontend with `room` bytes of space left; the test makes more. */
typedef struct FakeFrontend {
    size_t room;
    GString *got;
} FakeFrontend;

static size_t fake_can_receive(void *opaque)
{
    return ((FakeFrontend *)opaque)->room;
}

static void fake_receive(void *opaque, const uint8_t *buf, size_t len)
{
    FakeFrontend *fe = opaque;
    g_assert_cmpuint(len, <=, fe->room);
    g_string_append_len(fe->got, (const char *)buf, len);
    fe->room -= len;
}

static void count_quit(void *opaque)
{
    (*(int *)opaque)++;
}

/* Run the default main context, as the I/O thread does, until `got` holds `want` bytes. */
static void pump_until(FakeFrontend *fe, size_t want)
{
    gint64 deadline = g_get_monotonic_time() + 2 * G_USEC_PER_SEC;
    while (fe->got->len < want && g_get_monotonic_time() < deadline) {
        g_main_context_iteration(NULL, FALSE);
        g_usleep(100);
    }
    g_assert_cmpuint(fe->got->len, ==, want);
}

/* A few idle iterations: true if any of them dispatched something. */
static bool pump_briefly(void)
{
    bool dispatched = false;
    for (int i = 0; i < 20; i++) {
        dispatched |= g_main_context_iteration(NULL, FALSE);
        g_usleep(1000);
    }
    return dispatched;
}

static void put(int fd, const char *s)
{
    g_assert_cmpint(write(fd, s, strlen(s)), ==, (ssize_t)strlen(s));
}

static void test_bad_specs(void)
{
    char err[256];
    g_assert_null(chardev_new("tcp:1234", NULL, NULL, err, sizeof(err)));
    g_assert_nonnull(strstr(err, "unknown character device 'tcp:1234'"));
    g_assert_null(chardev_new("file:", NULL, NULL, err, sizeof(err)));
    g_assert_null(chardev_new("file:/nonexistent-dir/x", NULL, NULL, err, sizeof(err)));
    g_assert_cmpstr(err, ==, "file:/nonexistent-dir/x: No such file or directory");
}

static void test_none(void)
{
    char err[256];
    CharBackend *cb = chardev_new("none", NULL, NULL, err, sizeof(err));
    g_assert_nonnull(cb);
    chardev_write(cb, (const uint8_t *)"dropped", 7);
    chardev_accept_input(cb);
    chardev_free(cb);
    cb = chardev_new("null", NULL, NULL, err, sizeof(err));
    g_assert_nonnull(cb);
    chardev_free(cb);
}

static void test_file(void)
{
    char path[] = "/tmp/tandem-chardev-XXXXXX";
    int fd = mkstemp(path);
    g_assert_cmpint(fd, >=, 0);
    put(fd, "old contents that must go");
    close(fd);

    char spec[64], err[256];
    snprintf(spec, sizeof(spec), "file:%s", path);
    CharBackend *cb = chardev_new(spec, NULL, NULL, err, sizeof(err));
    g_assert_nonnull(cb);
    chardev_write(cb, (const uint8_t *)"line 1\n", 7);
    chardev_write(cb, (const uint8_t *)"line 2\n", 7);
    chardev_free(cb);

    gchar *contents = NULL;
    g_assert_true(g_file_get_contents(path, &contents, NULL, NULL));
    g_assert_cmpstr(contents, ==, "line 1\nline 2\n");
    g_free(contents);
    unlink(path);
}

/* stdin and stdout replaced by pipes for the length of a test. */
typedef struct StdioPipes {
    int saved_in, saved_out;
    int to_stdin;       /* write end feeding stdin */
    int from_stdout;    /* read end of stdout */
} StdioPipes;

static void stdio_pipes_open(StdioPipes *p)
{
    int in[2], out[2];
    g_assert_cmpint(pipe(in), ==, 0);
    g_assert_cmpint(pipe(out), ==, 0);
    fflush(stdout);
    p->saved_in = dup(0);
    p->saved_out = dup(1);
    dup2(in[0], 0);
    dup2(out[1], 1);
    close(in[0]);
    close(out[1]);
    p->to_stdin = in[1];
    p->from_stdout = out[0];
    fcntl(p->from_stdout, F_SETFL, O_NONBLOCK);
}

static GString *stdio_pipes_output(StdioPipes *p)
{
    GString *s = g_string_new(NULL);
    char buf[512];
    ssize_t n;
    while ((n = read(p->from_stdout, buf, sizeof(buf))) > 0) {
        g_string_append_len(s, buf, n);
    }
    return s;
}

static void stdio_pipes_close(StdioPipes *p)
{
    dup2(p->saved_in, 0);
    dup2(p->saved_out, 1);
    close(p->saved_in);
    close(p->saved_out);
    if (p->to_stdin >= 0) {
        close(p->to_stdin);
    }
    close(p->from_stdout);
}

static void test_stdio_flow_control(void)
{
    StdioPipes p;
    stdio_pipes_open(&p);
    char err[256];
    CharBackend *cb = chardev_new("stdio", NULL, NULL, err, sizeof(err));
    g_assert_nonnull(cb);
    g_assert_null(chardev_new("stdio", NULL, NULL, err, sizeof(err)));   /* only one owner */

    FakeFrontend fe = { .room = 100, .got = g_string_new(NULL) };
    chardev_set_frontend(cb, &(CharFrontend){ fake_can_receive, fake_receive, &fe });
    put(p.to_stdin, "hello");
    pump_until(&fe, 5);
    g_assert_cmpstr(fe.got->str, ==, "hello");

    /* A full frontend: the rest is held and stdin is no longer polled. */
    fe.room = 3;
    put(p.to_stdin, "abcdefgh");
    pump_until(&fe, 8);
    pump_briefly();
    put(p.to_stdin, "XYZ");
    g_assert_false(pump_briefly());              /* nothing to do: no spinning on stdin */
    g_assert_cmpstr(fe.got->str, ==, "helloabc");

    fe.room = 2;
    chardev_accept_input(cb);                    /* the UART drained its FIFO */
    pump_until(&fe, 10);
    fe.room = 100;
    chardev_accept_input(cb);
    pump_until(&fe, 16);
    g_assert_cmpstr(fe.got->str, ==, "helloabcdefghXYZ");

    chardev_write(cb, (const uint8_t *)"out", 3);
    GString *out = stdio_pipes_output(&p);
    g_assert_cmpstr(out->str, ==, "out");
    g_string_free(out, TRUE);

    /* End of file: input stops and the I/O thread goes idle. */
    close(p.to_stdin);
    p.to_stdin = -1;
    pump_briefly();
    g_assert_false(pump_briefly());

    chardev_free(cb);
    stdio_pipes_close(&p);
    g_string_free(fe.got, TRUE);
}

/* A writer that hangs up while bytes are held back: no spinning, and nothing lost. */
static void test_stdio_eof_while_held(void)
{
    StdioPipes p;
    stdio_pipes_open(&p);
    char err[256];
    CharBackend *cb = chardev_new("stdio", NULL, NULL, err, sizeof(err));
    g_assert_nonnull(cb);
    FakeFrontend fe = { .room = 2, .got = g_string_new(NULL) };
    chardev_set_frontend(cb, &(CharFrontend){ fake_can_receive, fake_receive, &fe });

    put(p.to_stdin, "abcdef");
    close(p.to_stdin);
    p.to_stdin = -1;
    pump_until(&fe, 2);
    g_assert_false(pump_briefly());              /* a hung-up pipe is not polled while full */
    fe.room = 100;
    chardev_accept_input(cb);
    pump_until(&fe, 6);
    g_assert_cmpstr(fe.got->str, ==, "abcdef");
    pump_briefly();
    g_assert_false(pump_briefly());              /* end of file seen: idle */

    chardev_free(cb);
    stdio_pipes_close(&p);
    g_string_free(fe.got, TRUE);
}

static void test_stdio_escapes(void)
{
    StdioPipes p;
    stdio_pipes_open(&p);
    char err[256];
    int quits = 0;
    CharBackend *cb = chardev_new("stdio", count_quit, &quits, err, sizeof(err));
    g_assert_nonnull(cb);
    FakeFrontend fe = { .room = 100, .got = g_string_new(NULL) };
    chardev_set_frontend(cb, &(CharFrontend){ fake_can_receive, fake_receive, &fe });

    put(p.to_stdin, "1\001a2\001\0013\001z4");  /* C-a a and C-a C-a send C-a; C-a z is dropped */
    pump_until(&fe, 6);
    g_assert_cmpstr(fe.got->str, ==, "1\0012\00134");

    put(p.to_stdin, "\001h\001c");
    put(p.to_stdin, "\001");                     /* an escape split across reads */
    pump_briefly();
    g_assert_cmpint(quits, ==, 0);
    put(p.to_stdin, "x");
    pump_briefly();
    g_assert_cmpint(quits, ==, 1);
    g_assert_cmpuint(fe.got->len, ==, 6);        /* escapes never reach the guest */

    GString *out = stdio_pipes_output(&p);
    g_assert_nonnull(strstr(out->str, "C-a x    exit emulator"));
    g_assert_nonnull(strstr(out->str, "C-a h    print this help"));
    g_assert_nonnull(strstr(out->str, "monitor is not available"));
    g_string_free(out, TRUE);

    chardev_free(cb);
    stdio_pipes_close(&p);
    g_string_free(fe.got, TRUE);
}

static void test_stdio_tty_raw_mode(void)
{
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0) {
        g_test_skip("no pseudo-terminal available");
        return;
    }
    int slave = open(ptsname(master), O_RDWR | O_NOCTTY);
    g_assert_cmpint(slave, >=, 0);
    int saved_in = dup(0);
    dup2(slave, 0);

    struct termios before, during, after;
    tcgetattr(0, &before);
    g_assert_true(before.c_lflag & ICANON);
    char err[256];
    CharBackend *cb = chardev_new("stdio", NULL, NULL, err, sizeof(err));
    g_assert_nonnull(cb);
    tcgetattr(0, &during);
    g_assert_cmphex(during.c_lflag & (ICANON | ECHO | ISIG), ==, 0);   /* Ctrl-C goes to the guest */
    g_assert_cmphex(during.c_iflag & (ICRNL | IXON), ==, 0);
    chardev_free(cb);
    tcgetattr(0, &after);
    g_assert_cmphex(after.c_lflag, ==, before.c_lflag);
    g_assert_cmphex(after.c_iflag, ==, before.c_iflag);

    dup2(saved_in, 0);
    close(saved_in);
    close(slave);
    close(master);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/chardev/bad-specs", test_bad_specs);
    g_test_add_func("/chardev/none", test_none);
    g_test_add_func("/chardev/file", test_file);
    g_test_add_func("/chardev/stdio-flow-control", test_stdio_flow_control);
    g_test_add_func("/chardev/stdio-eof-while-held", test_stdio_eof_while_held);
    g_test_add_func("/chardev/stdio-escapes", test_stdio_escapes);
    g_test_add_func("/chardev/stdio-tty-raw-mode", test_stdio_tty_raw_mode);
    return g_test_run();
}
