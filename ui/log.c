/* Logging: -d items and -D file for guest and debug messages; error lines for the user. */
#include "ui/log.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

unsigned log_enabled_mask;
static FILE *log_file;
static pthread_mutex_t log_mutex = PTHREAD_MUTEX_INITIALIZER;

static const struct {
    const char *name;
    unsigned mask;
    const char *help;
} log_items[] = {
    { "guest_errors", LOG_GUEST_ERROR, "log when the guest uses invalid operations or addresses" },
    { "unimp", LOG_UNIMP, "log guest use of features tandem does not implement" },
    { "in_asm", LOG_IN_ASM, "show the guest code of each newly decoded block" },
    { "int", LOG_INT, "show interrupts and exceptions" },
    { "mmu", LOG_MMU, "log page walks and TLB flushes" },
    { "cpu", LOG_CPU, "show the CPU state before each block" },
    { "ioport", LOG_IOPORT, "log every port access" },
};
#define NR_LOG_ITEMS (sizeof(log_items) / sizeof(log_items[0]))

void log_list_items(void)
{
    printf("Log items (comma separated):\n");
    for (size_t i = 0; i < NR_LOG_ITEMS; i++) {
        printf("%-13s %s\n", log_items[i].name, log_items[i].help);
    }
}

int log_set_items(const char *items, char *err, size_t errlen)
{
    unsigned mask = 0;
    const char *p = items;
    while (*p) {
        size_t n = strcspn(p, ",");
        size_t i;
        for (i = 0; i < NR_LOG_ITEMS; i++) {
            if (strlen(log_items[i].name) == n && strncmp(p, log_items[i].name, n) == 0) {
                mask |= log_items[i].mask;
                break;
            }
        }
        if (i == NR_LOG_ITEMS) {
            snprintf(err, errlen, "-d: unknown log item '%.*s' (try -d help)", (int)n, p);
            return -1;
        }
        p += n;
        if (*p == ',') {
            p++;
        }
    }
    log_enabled_mask = mask;
    return 0;
}

int log_set_file(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        snprintf(err, errlen, "cannot open log file '%s': %s", path, strerror(errno));
        return -1;
    }
    setvbuf(f, NULL, _IOLBF, 0);
    if (log_file) {
        fclose(log_file);
    }
    log_file = f;
    return 0;
}

static void log_vprintf(const char *fmt, va_list ap)
{
    pthread_mutex_lock(&log_mutex);
    vfprintf(log_file ? log_file : stderr, fmt, ap);
    pthread_mutex_unlock(&log_mutex);
}

void log_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_vprintf(fmt, ap);
    va_end(ap);
}

/*
 * A token bucket: at most LOG_BURST guest-caused messages, refilled at
 * LOG_RATE a second.  Debug items the user asked for (in_asm, cpu...) are
 * not limited: they are meant to be complete.
 */
#define LOG_BURST 200
#define LOG_RATE 50

static bool log_rate_allows(void)
{
    static double tokens = LOG_BURST;
    static struct timespec last;
    static unsigned long dropped;
    struct timespec now;
    bool allow;

    clock_gettime(CLOCK_MONOTONIC, &now);
    pthread_mutex_lock(&log_mutex);
    if (last.tv_sec || last.tv_nsec) {
        double dt = (now.tv_sec - last.tv_sec) + (now.tv_nsec - last.tv_nsec) / 1e9;
        tokens += dt * LOG_RATE;
        if (tokens > LOG_BURST) {
            tokens = LOG_BURST;
        }
    }
    last = now;
    allow = tokens >= 1;
    if (allow) {
        tokens -= 1;
        if (dropped) {
            fprintf(log_file ? log_file : stderr, "(%lu messages suppressed)\n", dropped);
            dropped = 0;
        }
    } else {
        dropped++;
    }
    pthread_mutex_unlock(&log_mutex);
    return allow;
}

void log_mask_printf(unsigned mask, const char *fmt, ...)
{
    if ((mask & (LOG_GUEST_ERROR | LOG_UNIMP)) && !log_rate_allows()) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    log_vprintf(fmt, ap);
    va_end(ap);
}

void error_report(const char *fmt, ...)
{
    va_list ap;
    fputs("tandem: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

void warn_report(const char *fmt, ...)
{
    va_list ap;
    fputs("warning: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}
