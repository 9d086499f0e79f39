/* Character backends for serial ports: stdio (raw tty, Ctrl-A escapes), a file, none. */
#include "ui/chardev.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "hw/machine.h"
#include "ui/log.h"

/*
 * Output is written synchronously by whichever thread the guest's write
 * came from (a vCPU thread, holding the device lock), with full writes so a
 * slow terminal never loses characters.
 *
 * Input belongs to the I/O thread.  One GSource per backend on the default
 * main context carries the stdin fd (g_source_add_unix_fd) and a ready time
 * used as a wake-up.  Bytes read go through the Ctrl-A escape filter into
 * `held`, and from there to the frontend under the device lock, as many as
 * can_receive allows.  When the frontend is full, the fd stops being polled
 * (so a full UART never makes the I/O thread spin) until the frontend calls
 * chardev_accept_input, which sets the ready time; the dispatch then
 * delivers the rest and polls the fd again.  End of file stops input for
 * good.
 */

#define CHARDEV_ESCAPE_CHAR 0x01   /* Ctrl-A, as in QEMU */
#define CHARDEV_READ_MAX 256

typedef enum { CHARDEV_NONE, CHARDEV_STDIO, CHARDEV_FILE } CharKind;

typedef struct CharInputSource {
    GSource source;
    CharBackend *cb;
} CharInputSource;

struct CharBackend {
    CharKind kind;
    int out_fd;                     /* -1: output is dropped */
    pthread_mutex_t out_lock;       /* one writer at a time */

    void (*on_quit)(void *opaque);
    void *quit_opaque;
    CharFrontend fe;
    bool has_frontend;

    /* Input: the I/O thread's, except `held_back`, which the device lock guards. */
    int in_fd;                      /* -1: no input */
    GSource *input;                 /* a CharInputSource, or NULL */
    gpointer in_tag;                /* the fd in `input` while it is polled, else NULL */
    bool input_ended;               /* end of file or a read error: never poll again */
    bool escape_pending;            /* the last byte was Ctrl-A */
    uint8_t held[CHARDEV_READ_MAX];
    size_t held_off, held_len;
    atomic_bool held_back;          /* held bytes wait for the frontend */
};

/* ---- the terminal ---------------------------------------------------------- */

/* Only one backend can own stdin; its saved tty settings are restored at exit. */
static bool stdio_in_use;
static struct termios saved_termios;
static volatile sig_atomic_t termios_saved;
static bool restore_handlers_installed;

static const int restore_signals[] = { SIGTERM, SIGINT, SIGHUP };
static struct sigaction previous_actions[G_N_ELEMENTS(restore_signals)];

static void chardev_restore_terminal(void)
{
    if (termios_saved) {
        tcsetattr(STDIN_FILENO, TCSANOW, &saved_termios);
    }
}

/* Async-signal-safe: put the tty back, then do what the signal did before. */
static void chardev_fatal_signal(int sig, siginfo_t *info, void *uctx)
{
    for (size_t i = 0; i < G_N_ELEMENTS(restore_signals); i++) {
        if (restore_signals[i] != sig) {
            continue;
        }
        const struct sigaction *old = &previous_actions[i];
        if (!(old->sa_flags & SA_SIGINFO) && old->sa_handler == SIG_IGN) {
            return;
        }
        chardev_restore_terminal();
        if (old->sa_flags & SA_SIGINFO) {
            old->sa_sigaction(sig, info, uctx);
        } else if (old->sa_handler == SIG_DFL) {
            sigaction(sig, old, NULL);
            raise(sig);              /* delivered, with the default action, on return */
        } else {
            old->sa_handler(sig);
        }
        return;
    }
}

static void chardev_install_restore_handlers(void)
{
    if (restore_handlers_installed) {
        return;
    }
    restore_handlers_installed = true;
    atexit(chardev_restore_terminal);
    for (size_t i = 0; i < G_N_ELEMENTS(restore_signals); i++) {
        struct sigaction sa;
        memset(&sa, 0, sizeof(sa));
        sa.sa_sigaction = chardev_fatal_signal;
        sa.sa_flags = SA_SIGINFO | SA_RESTART;
        sigemptyset(&sa.sa_mask);
        sigaction(restore_signals[i], &sa, &previous_actions[i]);
    }
}

/*
 * Raw mode as QEMU's stdio backend sets it (termios(3), cfmakeraw, but
 * keeping output post-processing): every key, Ctrl-C included, goes to the
 * guest; Ctrl-A X is how the user quits.
 */
static void chardev_enter_raw_mode(void)
{
    if (tcgetattr(STDIN_FILENO, &saved_termios) != 0) {
        return;
    }
    termios_saved = 1;
    chardev_install_restore_handlers();

    struct termios t = saved_termios;
    t.c_iflag &= ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
    t.c_oflag |= OPOST;
    t.c_lflag &= ~(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
    t.c_cflag &= ~(CSIZE | PARENB);
    t.c_cflag |= CS8;
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    tcsetattr(STDIN_FILENO, TCSANOW, &t);
}

static void chardev_leave_raw_mode(void)
{
    chardev_restore_terminal();
    termios_saved = 0;
}

/* ---- output ---------------------------------------------------------------- */

/* Write all of buf, waiting out EINTR and a non-blocking fd's EAGAIN. */
static bool write_full(int fd, const uint8_t *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n > 0) {
            buf += n;
            len -= n;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && errno == EAGAIN) {
            struct pollfd p = { .fd = fd, .events = POLLOUT };
            poll(&p, 1, -1);
        } else {
            return false;
        }
    }
    return true;
}

void chardev_write(CharBackend *cb, const uint8_t *buf, size_t len)
{
    pthread_mutex_lock(&cb->out_lock);
    if (cb->out_fd >= 0 && len > 0 && !write_full(cb->out_fd, buf, len)) {
        /* The reader went away (a closed pipe, a full disk): drop output from now on. */
        warn_report("serial output: %s; further output is dropped", strerror(errno));
        if (cb->kind == CHARDEV_FILE) {
            close(cb->out_fd);
        }
        cb->out_fd = -1;
    }
    pthread_mutex_unlock(&cb->out_lock);
}

static void chardev_print(CharBackend *cb, const char *text)
{
    chardev_write(cb, (const uint8_t *)text, strlen(text));
}

/* ---- input ----------------------------------------------------------------- */

/*
 * QEMU's list of console escapes (its -nographic documentation), as far as
 * tandem has them.  Plain "\n": a tty in raw mode keeps output processing.
 */
static const char chardev_escape_help[] =
    "\n"
    "C-a h    print this help\n"
    "C-a x    exit emulator\n"
    "C-a c    switch between console and monitor (there is no monitor yet)\n"
    "C-a a    sends C-a\n"
    "C-a C-a  sends C-a\n";

/* What the key after Ctrl-A does; returns true if it stands for a literal Ctrl-A. */
static bool chardev_escape_command(CharBackend *cb, uint8_t key, bool *quit)
{
    switch (key) {
    case 'x': case 'X':
        *quit = true;
        return false;
    case 'h': case 'H': case '?':
        chardev_print(cb, chardev_escape_help);
        return false;
    case 'c': case 'C':
        chardev_print(cb, "\nThe monitor is not available yet; C-a x quits.\n");
        return false;
    case 'a': case 'A': case CHARDEV_ESCAPE_CHAR:
        return true;
    default:
        return false;                /* like QEMU, an unknown escape is dropped */
    }
}

/* Copy raw input to `held`, acting on Ctrl-A escapes; sets *quit on Ctrl-A X. */
static void chardev_filter_input(CharBackend *cb, const uint8_t *in, size_t n, bool *quit)
{
    size_t k = cb->held_len;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = in[i];
        if (cb->escape_pending) {
            cb->escape_pending = false;
            if (chardev_escape_command(cb, c, quit)) {
                cb->held[k++] = CHARDEV_ESCAPE_CHAR;
            }
        } else if (c == CHARDEV_ESCAPE_CHAR) {
            cb->escape_pending = true;
        } else {
            cb->held[k++] = c;
        }
    }
    assert(k <= sizeof(cb->held));
    cb->held_len = k;
}

/* Hand held bytes to the frontend (I/O thread). Returns true when none are left. */
static bool chardev_deliver_held(CharBackend *cb)
{
    machine_lock();
    while (cb->held_off < cb->held_len) {
        if (!cb->has_frontend) {
            cb->held_off = cb->held_len;   /* nobody listens: input is dropped */
            break;
        }
        size_t room = cb->fe.can_receive(cb->fe.opaque);
        if (room == 0) {
            break;
        }
        size_t n = cb->held_len - cb->held_off;
        if (n > room) {
            n = room;
        }
        cb->fe.receive(cb->fe.opaque, cb->held + cb->held_off, n);
        cb->held_off += n;
    }
    bool done = cb->held_off == cb->held_len;
    if (done) {
        cb->held_off = cb->held_len = 0;
    }
    /* Set under the device lock, which the frontend holds when it calls chardev_accept_input. */
    atomic_store(&cb->held_back, !done);
    machine_unlock();
    return done;
}

/*
 * Poll the fd or not.  A paused fd is taken out of the source altogether:
 * poll() reports a hung-up pipe even when asked for no events, and the
 * source would then dispatch in a loop while the frontend is full.
 */
static void chardev_set_polling(CharBackend *cb, bool on)
{
    if (on && !cb->in_tag && !cb->input_ended) {
        cb->in_tag = g_source_add_unix_fd(cb->input, cb->in_fd, G_IO_IN);
    } else if (!on && cb->in_tag) {
        g_source_remove_unix_fd(cb->input, cb->in_tag);
        cb->in_tag = NULL;
    }
}

static void chardev_end_input(CharBackend *cb)
{
    chardev_set_polling(cb, false);
    cb->input_ended = true;
}

/* Read what the fd has; returns false when input has ended. */
static bool chardev_read_input(CharBackend *cb, bool *quit)
{
    uint8_t buf[CHARDEV_READ_MAX];
    ssize_t n = read(cb->in_fd, buf, sizeof(buf));
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
        return true;
    }
    if (n < 0) {
        warn_report("console input: %s; no more input is read", strerror(errno));
        return false;
    }
    if (n == 0) {
        return false;                /* end of file: stop reading, never spin on it */
    }
    chardev_filter_input(cb, buf, n, quit);
    return true;
}

static gboolean chardev_input_dispatch(GSource *source, GSourceFunc unused, gpointer unused2)
{
    CharBackend *cb = ((CharInputSource *)source)->cb;
    bool quit = false;

    g_source_set_ready_time(source, -1);
    if (cb->held_len == 0 && cb->in_tag &&
        (g_source_query_unix_fd(source, cb->in_tag) & (G_IO_IN | G_IO_HUP | G_IO_ERR))) {
        if (!chardev_read_input(cb, &quit)) {
            chardev_end_input(cb);
        }
    }
    /* Poll the fd only while nothing is held back, so a full frontend costs nothing. */
    chardev_set_polling(cb, chardev_deliver_held(cb));
    if (quit && cb->on_quit) {
        cb->on_quit(cb->quit_opaque);
    }
    return G_SOURCE_CONTINUE;
}

static GSourceFuncs chardev_input_funcs = {
    .dispatch = chardev_input_dispatch,
};

static void chardev_start_input(CharBackend *cb, int fd)
{
    cb->in_fd = fd;
    cb->input = g_source_new(&chardev_input_funcs, sizeof(CharInputSource));
    ((CharInputSource *)cb->input)->cb = cb;
    g_source_set_name(cb->input, "chardev-input");
    chardev_set_polling(cb, true);
    g_source_attach(cb->input, g_main_context_default());
}

void chardev_accept_input(CharBackend *cb)
{
    /* Any thread: wake the I/O thread's dispatch only if something waits. */
    if (atomic_exchange(&cb->held_back, false) && cb->input) {
        g_source_set_ready_time(cb->input, 0);
    }
}

/* ---- construction ---------------------------------------------------------- */

static CharBackend *chardev_alloc(CharKind kind, int out_fd)
{
    CharBackend *cb = calloc(1, sizeof(*cb));
    assert(cb);
    cb->kind = kind;
    cb->out_fd = out_fd;
    cb->in_fd = -1;
    pthread_mutex_init(&cb->out_lock, NULL);
    return cb;
}

static CharBackend *chardev_new_stdio(char *err, size_t errlen)
{
    if (stdio_in_use) {
        snprintf(err, errlen, "stdio is already used by another character device");
        return NULL;
    }
    stdio_in_use = true;
    CharBackend *cb = chardev_alloc(CHARDEV_STDIO, STDOUT_FILENO);
    if (fcntl(STDIN_FILENO, F_GETFL) == -1) {
        return cb;                   /* stdin is closed: output only */
    }
    if (isatty(STDIN_FILENO)) {
        chardev_enter_raw_mode();
    }
    chardev_start_input(cb, STDIN_FILENO);
    return cb;
}

static CharBackend *chardev_new_file(const char *path, char *err, size_t errlen)
{
    if (*path == '\0') {
        snprintf(err, errlen, "file: needs a path (file:PATH)");
        return NULL;
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0) {
        snprintf(err, errlen, "file:%s: %s", path, strerror(errno));
        return NULL;
    }
    return chardev_alloc(CHARDEV_FILE, fd);
}

CharBackend *chardev_new(const char *spec, void (*on_quit)(void *opaque), void *quit_opaque,
                         char *err, size_t errlen)
{
    CharBackend *cb;
    if (strcmp(spec, "stdio") == 0) {
        cb = chardev_new_stdio(err, errlen);
    } else if (strncmp(spec, "file:", 5) == 0) {
        cb = chardev_new_file(spec + 5, err, errlen);
    } else if (strcmp(spec, "none") == 0 || strcmp(spec, "null") == 0) {
        cb = chardev_alloc(CHARDEV_NONE, -1);
    } else {
        snprintf(err, errlen, "unknown character device '%s' (use stdio, file:PATH or none)",
                 spec);
        return NULL;
    }
    if (cb) {
        cb->on_quit = on_quit;
        cb->quit_opaque = quit_opaque;
    }
    return cb;
}

void chardev_set_frontend(CharBackend *cb, const CharFrontend *fe)
{
    if (fe) {
        cb->fe = *fe;
        cb->has_frontend = true;
    } else {
        memset(&cb->fe, 0, sizeof(cb->fe));
        cb->has_frontend = false;
    }
}

void chardev_free(CharBackend *cb)
{
    if (!cb) {
        return;
    }
    if (cb->input) {
        g_source_destroy(cb->input);
        g_source_unref(cb->input);
    }
    if (cb->kind == CHARDEV_STDIO) {
        chardev_leave_raw_mode();
        stdio_in_use = false;
    }
    if (cb->kind == CHARDEV_FILE && cb->out_fd >= 0) {
        close(cb->out_fd);
    }
    pthread_mutex_destroy(&cb->out_lock);
    free(cb);
}
