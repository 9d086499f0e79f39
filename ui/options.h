/* The command line, in QEMU's spelling, parsed into Options. */
#ifndef UI_OPTIONS_H
#define UI_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OPTIONS_MAX_DEVICES 32

/* "-device driver,key=value,..." kept as text; each device parses its own keys. */
typedef struct DeviceOption {
    const char *driver;     /* "isa-debug-exit" */
    const char *props;      /* "iobase=0xf4,iosize=0x4", or "" */
} DeviceOption;

typedef struct Options {
    const char *accel;       /* "kvm:interp"; NULL = default */
    uint64_t ram_size;       /* bytes */
    int smp;
    const char *cpu_model;   /* "qemu64,+avx" */
    const char *kernel;
    const char *initrd;
    const char *append;
    const char *serial;      /* "stdio", "file:PATH", "none"; NULL = default */
    const char *display;     /* "none", "sdl"; NULL = default */
    bool nographic;
    bool nodefaults;
    bool no_reboot;
    const char *log_items;
    const char *log_file;
    DeviceOption devices[OPTIONS_MAX_DEVICES];
    int nr_devices;
    char *owned[2 * OPTIONS_MAX_DEVICES + 8];   /* strings the parser allocated */
    int nr_owned;
} Options;

typedef enum {
    OPTIONS_RUN,       /* parsed: build and run a machine */
    OPTIONS_EXIT_OK,   /* -h, -device help, ...: done, exit 0 */
    OPTIONS_ERROR,     /* one line in err: exit 1 */
} OptionsResult;

OptionsResult options_parse(Options *o, int argc, char **argv, char *err, size_t errlen);
/* Free what options_parse allocated (the Options itself is the caller's). */
void options_free(Options *o);

/*
 * Look up `key` in a "k=v,k=v" property string.  Returns true and copies the
 * value into val, or false if the key is absent.
 */
bool options_prop(const char *props, const char *key, char *val, size_t vallen);

/* Parse a size with an optional K/M/G/T suffix; `default_shift` applies
 * without a suffix (20 = MiB for -m).  false on garbage or overflow. */
bool options_parse_size(const char *s, unsigned default_shift, uint64_t *out);

#endif
