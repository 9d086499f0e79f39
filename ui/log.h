/* Logging: -d items, -D file, and the one-line error reports of the top level. */
#ifndef UI_LOG_H
#define UI_LOG_H

#include <stdbool.h>
#include <stddef.h>

enum {
    LOG_GUEST_ERROR = 1u << 0,  /* the guest did something invalid */
    LOG_UNIMP       = 1u << 1,  /* the guest used something tandem lacks */
    LOG_IN_ASM      = 1u << 2,  /* each newly decoded block, disassembled */
    LOG_INT         = 1u << 3,  /* interrupts and exceptions */
    LOG_MMU         = 1u << 4,  /* page walks and TLB flushes */
    LOG_CPU         = 1u << 5,  /* CPU state at each block */
    LOG_IOPORT      = 1u << 6,  /* every port access */
};

extern unsigned log_enabled_mask;

static inline bool log_enabled(unsigned mask)
{
    return (log_enabled_mask & mask) != 0;
}

/* Parse "-d guest_errors,unimp"; "help" lists the items. 0, or -1 and err. */
int log_set_items(const char *items, char *err, size_t errlen);
/* Print the -d items, one per line, on stdout. */
void log_list_items(void);
/* -D FILE. 0, or -1 and err. */
int log_set_file(const char *path, char *err, size_t errlen);

/* Write to the log (stderr unless -D), unconditionally. */
void log_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Log under a -d item.  Guest errors and unimp messages are rate-limited so
 * a hostile guest cannot flood the host's disk.
 */
#define log_mask(mask, ...)                  \
    do {                                     \
        if (log_enabled(mask)) {             \
            log_mask_printf((mask), __VA_ARGS__); \
        }                                    \
    } while (0)
void log_mask_printf(unsigned mask, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* "tandem: <message>" on stderr: user and host errors (tier 1). */
void error_report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "warning: <message>" on stderr. */
void warn_report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
