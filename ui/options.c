/* The command line: QEMU's option spelling parsed into Options. */
#include "ui/options.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/device.h"
#include "ui/log.h"

#define DEFAULT_RAM_SIZE (512ull << 20)
#define MIN_RAM_SIZE (2ull << 20)
#define MAX_RAM_SIZE (1ull << 40)
#define MAX_VCPUS 64

typedef enum { ARG_NONE, ARG_VALUE } ArgKind;

typedef struct OptionDef {
    const char *name;
    ArgKind arg;
    const char *argname;
    const char *help;
    /* Returns 0, 1 for "done, exit 0", or -1 with err filled. */
    int (*apply)(Options *o, const char *value, char *err, size_t errlen);
} OptionDef;

bool options_prop(const char *props, const char *key, char *val, size_t vallen)
{
    size_t keylen = strlen(key);
    const char *p = props;
    while (p && *p) {
        size_t n = strcspn(p, ",");
        if (n > keylen && strncmp(p, key, keylen) == 0 && p[keylen] == '=') {
            size_t vl = n - keylen - 1;
            if (vl >= vallen) {
                vl = vallen - 1;
            }
            memcpy(val, p + keylen + 1, vl);
            val[vl] = '\0';
            return true;
        }
        if (n == keylen && strncmp(p, key, keylen) == 0) {
            snprintf(val, vallen, "on");   /* QEMU: a bare key means key=on */
            return true;
        }
        p += n;
        if (*p == ',') {
            p++;
        }
    }
    return false;
}

bool options_parse_size(const char *s, unsigned default_shift, uint64_t *out)
{
    char *end;
    if (!isdigit((unsigned char)*s)) {
        return false;
    }
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno) {
        return false;
    }
    unsigned shift = default_shift;
    switch (toupper((unsigned char)*end)) {
    case '\0': break;
    case 'B': shift = 0; end++; break;
    case 'K': shift = 10; end++; break;
    case 'M': shift = 20; end++; break;
    case 'G': shift = 30; end++; break;
    case 'T': shift = 40; end++; break;
    default: return false;
    }
    if (toupper((unsigned char)*end) == 'B' && shift) {
        end++;   /* "512MB", "2GB" */
    } else if (*end == 'i' && toupper((unsigned char)end[1]) == 'B') {
        end += 2;   /* "512MiB" */
    }
    if (*end != '\0' || (shift && v > (UINT64_MAX >> shift))) {
        return false;
    }
    *out = (uint64_t)v << shift;
    return true;
}

/* Keep a string the parser allocated, to be freed by options_free(). */
static char *own(Options *o, char *s)
{
    if (o->nr_owned < (int)(sizeof(o->owned) / sizeof(o->owned[0]))) {
        o->owned[o->nr_owned++] = s;
    }
    return s;
}

void options_free(Options *o)
{
    for (int i = 0; i < o->nr_owned; i++) {
        free(o->owned[i]);
    }
    o->nr_owned = 0;
}

static int opt_accel(Options *o, const char *v, char *err, size_t errlen)
{
    /* "kvm,thread=single" -> "kvm"; tandem keeps the name only. */
    size_t n = strcspn(v, ",");
    o->accel = v[n] == '\0' ? v : own(o, strndup(v, n));
    return 0;
}

static int opt_enable_kvm(Options *o, const char *v, char *err, size_t errlen)
{
    o->accel = "kvm";
    return 0;
}

static int opt_machine(Options *o, const char *v, char *err, size_t errlen)
{
    char buf[128];
    size_t n = strcspn(v, ",");
    const char *props = v;
    /* The first item is the machine type unless it is a key=value pair. */
    if (memchr(v, '=', n) == NULL) {
        if (strcmp(v, "help") == 0) {
            printf("Supported machines are:\npc                   Standard PC (default)\n");
            return 1;
        }
        if (!(n == 2 && strncmp(v, "pc", 2) == 0) && !(n == 3 && strncmp(v, "q35", 3) == 0)
            && !(n >= 3 && strncmp(v, "pc-", 3) == 0)) {
            snprintf(err, errlen, "-machine: unsupported machine type '%.*s' (try -machine help)",
                     (int)n, v);
            return -1;
        }
        props = v[n] ? v + n + 1 : "";
    }
    if (options_prop(props, "accel", buf, sizeof(buf))) {
        o->accel = own(o, strdup(buf));
    }
    return 0;
}

static int opt_memory(Options *o, const char *v, char *err, size_t errlen)
{
    char buf[64];
    const char *size = v;
    if (strchr(v, '=')) {
        if (!options_prop(v, "size", buf, sizeof(buf))) {
            snprintf(err, errlen, "-m: missing size in '%s'", v);
            return -1;
        }
        size = buf;
    }
    uint64_t bytes;
    if (!options_parse_size(size, 20, &bytes)) {
        snprintf(err, errlen, "-m: invalid RAM size '%s'", v);
        return -1;
    }
    if (bytes < MIN_RAM_SIZE || bytes > MAX_RAM_SIZE) {
        snprintf(err, errlen, "-m: RAM size '%s' out of range (2M to 1T)", v);
        return -1;
    }
    o->ram_size = bytes & ~0xfffull;
    return 0;
}

static int opt_smp(Options *o, const char *v, char *err, size_t errlen)
{
    char buf[32];
    const char *cpus = v;
    if (!isdigit((unsigned char)*v)) {
        if (!options_prop(v, "cpus", buf, sizeof(buf))) {
            snprintf(err, errlen, "-smp: missing cpus in '%s'", v);
            return -1;
        }
        cpus = buf;
    }
    char *end;
    long n = strtol(cpus, &end, 10);
    if ((*end != '\0' && *end != ',') || n < 1 || n > MAX_VCPUS) {
        snprintf(err, errlen, "-smp: invalid CPU count '%s' (1 to %d)", v, MAX_VCPUS);
        return -1;
    }
    o->smp = (int)n;
    return 0;
}

static int opt_cpu(Options *o, const char *v, char *err, size_t errlen) { o->cpu_model = v; return 0; }
static int opt_kernel(Options *o, const char *v, char *err, size_t errlen) { o->kernel = v; return 0; }
static int opt_initrd(Options *o, const char *v, char *err, size_t errlen) { o->initrd = v; return 0; }
static int opt_append(Options *o, const char *v, char *err, size_t errlen) { o->append = v; return 0; }
static int opt_serial(Options *o, const char *v, char *err, size_t errlen) { o->serial = v; return 0; }
static int opt_log_file(Options *o, const char *v, char *err, size_t errlen) { o->log_file = v; return 0; }
static int opt_nographic(Options *o, const char *v, char *err, size_t errlen) { o->nographic = true; return 0; }
static int opt_nodefaults(Options *o, const char *v, char *err, size_t errlen) { o->nodefaults = true; return 0; }
static int opt_no_reboot(Options *o, const char *v, char *err, size_t errlen) { o->no_reboot = true; return 0; }

static int opt_display(Options *o, const char *v, char *err, size_t errlen)
{
    size_t n = strcspn(v, ",");
    if (n == 4 && strncmp(v, "none", 4) == 0) {
        o->display = "none";
        return 0;
    }
    if (strcmp(v, "help") == 0) {
        printf("Available display backend types:\nnone\n");
        return 1;
    }
    snprintf(err, errlen, "-display: display '%.*s' is not available (try -display help)", (int)n, v);
    return -1;
}

static int opt_log_items(Options *o, const char *v, char *err, size_t errlen)
{
    if (strcmp(v, "help") == 0) {
        log_list_items();
        return 1;
    }
    o->log_items = v;
    return log_set_items(v, err, errlen);
}

static int opt_device(Options *o, const char *v, char *err, size_t errlen)
{
    if (strcmp(v, "help") == 0) {
        device_print_help(stdout);
        return 1;
    }
    if (o->nr_devices == OPTIONS_MAX_DEVICES) {
        snprintf(err, errlen, "-device: too many devices (at most %d)", OPTIONS_MAX_DEVICES);
        return -1;
    }
    size_t n = strcspn(v, ",");
    DeviceOption *d = &o->devices[o->nr_devices++];
    d->driver = own(o, strndup(v, n));
    d->props = v[n] ? v + n + 1 : "";
    if (!device_find(d->driver)) {
        snprintf(err, errlen, "-device: unknown device '%s' (try -device help)", d->driver);
        return -1;
    }
    return 0;
}

static int opt_help(Options *o, const char *v, char *err, size_t errlen);

static int opt_version(Options *o, const char *v, char *err, size_t errlen)
{
    printf("tandem version 0.1 (an x86 system emulator; accepts QEMU's command line)\n");
    return 1;
}

static const OptionDef option_defs[] = {
    { "accel", ARG_VALUE, "kvm|tcg|interp[:...]", "CPU backend, or a ':' list tried in order; 'help' lists them", opt_accel },
    { "machine", ARG_VALUE, "[pc][,accel=A]", "machine type and properties (alias -M)", opt_machine },
    { "M", ARG_VALUE, "[pc][,accel=A]", NULL, opt_machine },
    { "enable-kvm", ARG_NONE, NULL, "same as -accel kvm", opt_enable_kvm },
    { "m", ARG_VALUE, "SIZE", "guest RAM (MiB without a suffix; K/M/G/T)", opt_memory },
    { "smp", ARG_VALUE, "N", "number of vCPUs", opt_smp },
    { "cpu", ARG_VALUE, "MODEL[,+feat][,-feat]", "CPU model: qemu64, max, host", opt_cpu },
    { "kernel", ARG_VALUE, "FILE", "Linux bzImage or ELF vmlinux, or a multiboot kernel", opt_kernel },
    { "initrd", ARG_VALUE, "FILE", "initial ramdisk; multiboot: modules 'file args,file2'", opt_initrd },
    { "append", ARG_VALUE, "CMDLINE", "kernel command line", opt_append },
    { "serial", ARG_VALUE, "stdio|file:PATH|none", "where COM1 goes", opt_serial },
    { "display", ARG_VALUE, "none", "display backend", opt_display },
    { "nographic", ARG_NONE, NULL, "no display; COM1 on stdio (Ctrl-A H for help)", opt_nographic },
    { "nodefaults", ARG_NONE, NULL, "no default devices (no COM1 unless -serial)", opt_nodefaults },
    { "no-reboot", ARG_NONE, NULL, "exit (status 0) instead of rebooting", opt_no_reboot },
    { "device", ARG_VALUE, "DRIVER[,PROP=V...]", "add a device; 'help' lists them", opt_device },
    { "d", ARG_VALUE, "ITEM,...", "log items; 'help' lists them", opt_log_items },
    { "D", ARG_VALUE, "FILE", "write the log to FILE", opt_log_file },
    { "h", ARG_NONE, NULL, "this help", opt_help },
    { "help", ARG_NONE, NULL, NULL, opt_help },
    { "version", ARG_NONE, NULL, "print the version", opt_version },
};
#define NR_OPTION_DEFS (sizeof(option_defs) / sizeof(option_defs[0]))

static int opt_help(Options *o, const char *v, char *err, size_t errlen)
{
    printf("usage: tandem [options]\n\n");
    for (size_t i = 0; i < NR_OPTION_DEFS; i++) {
        const OptionDef *d = &option_defs[i];
        if (!d->help) {
            continue;
        }
        char left[64];
        snprintf(left, sizeof(left), "-%s%s%s", d->name, d->argname ? " " : "",
                 d->argname ? d->argname : "");
        printf("  %-32s %s\n", left, d->help);
    }
    printf("\nEvery option may also be spelled with two dashes (--no-reboot).\n");
    return 1;
}

static const OptionDef *option_find(const char *name)
{
    for (size_t i = 0; i < NR_OPTION_DEFS; i++) {
        if (strcmp(option_defs[i].name, name) == 0) {
            return &option_defs[i];
        }
    }
    return NULL;
}

static void options_defaults(Options *o)
{
    memset(o, 0, sizeof(*o));
    o->ram_size = DEFAULT_RAM_SIZE;
    o->smp = 1;
}

OptionsResult options_parse(Options *o, int argc, char **argv, char *err, size_t errlen)
{
    options_defaults(o);
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (arg[0] != '-' || arg[1] == '\0') {
            snprintf(err, errlen, "unexpected argument '%s' (disk images are not supported yet; "
                     "see -h)", arg);
            return OPTIONS_ERROR;
        }
        const char *name = arg + (arg[1] == '-' ? 2 : 1);
        const OptionDef *d = option_find(name);
        if (!d) {
            snprintf(err, errlen, "unknown option '%s' (see -h)", arg);
            return OPTIONS_ERROR;
        }
        const char *value = NULL;
        if (d->arg == ARG_VALUE) {
            if (i + 1 >= argc) {
                snprintf(err, errlen, "option '%s' needs an argument", arg);
                return OPTIONS_ERROR;
            }
            value = argv[++i];
        }
        int r = d->apply(o, value, err, errlen);
        if (r < 0) {
            return OPTIONS_ERROR;
        }
        if (r > 0) {
            return OPTIONS_EXIT_OK;
        }
    }
    return OPTIONS_RUN;
}
