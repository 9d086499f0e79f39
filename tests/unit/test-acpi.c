/* Unit tests of the ACPI tables: found as an OS finds them, checksums, every field the PC relies on. */
#define _GNU_SOURCE
#include <glib.h>

#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/acpi.h"
#include "hw/acpi_pm.h"
#include "le-bytes.h"

/*
 * The tables are read back the way Linux reads them (drivers/acpi/tables.c,
 * arch/x86/kernel/acpi/boot.c): scan 0xe0000-0xfffff for the RSDP, follow the
 * XSDT, check every checksum, then parse the MADT entries and the FADT fields.
 * The DSDT's AML is walked by a small parser that checks every PkgLength.
 * When ACPICA's iasl is installed, it disassembles each table too, as an
 * independent reader of the FADT layout and the AML.
 */

#define RAM_SIZE (2u << 20)

typedef struct Fixture {
    Machine m;
    uint8_t *ram;
} Fixture;

static void fixture_init(Fixture *f, uint64_t ram_size)
{
    memset(f, 0, sizeof(*f));
    f->ram = g_malloc0(ram_size);
    address_space_init(&f->m.mem, "memory", 1ull << 40);
    g_assert_cmpint(address_space_add_ram(&f->m.mem, "ram", 0, ram_size, f->ram), ==, 0);
}

static void fixture_fini(Fixture *f)
{
    address_space_destroy(&f->m.mem);
    g_free(f->ram);
}

/* A table at gpa, checked: in RAM, the signature, a sane length, checksum 0. */
static const uint8_t *table_at(Fixture *f, uint64_t gpa, const char *sig)
{
    g_assert_cmpuint(gpa, >=, ACPI_TABLES_BASE);
    g_assert_cmpuint(gpa + 36, <=, ACPI_TABLES_BASE + ACPI_TABLES_SIZE);
    const uint8_t *t = f->ram + gpa;
    g_assert_cmpmem(t, 4, sig, 4);
    uint32_t len = ld32(t + 4);
    g_assert_cmpuint(len, >=, 36);
    g_assert_cmpuint(gpa + len, <=, ACPI_TABLES_BASE + ACPI_TABLES_SIZE);
    g_assert_cmpuint(sum(t, len), ==, 0);
    g_assert_cmpmem(t + 10, 6, "TANDEM", 6);
    return t;
}

/* Linux's acpi_find_root_pointer: 16-byte steps over 0xe0000-0xfffff. */
static uint64_t scan_for_rsdp(Fixture *f)
{
    for (uint64_t a = 0xe0000; a < 0x100000; a += 16) {
        const uint8_t *p = f->ram + a;
        if (memcmp(p, "RSD PTR ", 8) == 0 && sum(p, 20) == 0) {
            return a;
        }
    }
    return 0;
}

static uint64_t build(Fixture *f, int nr_cpus)
{
    char err[256] = "";
    uint64_t rsdp = 0;
    int r = acpi_build(&f->m, nr_cpus, &rsdp, err, sizeof(err));
    g_assert_cmpstr(err, ==, "");
    g_assert_cmpint(r, ==, 0);
    return rsdp;
}

/* XSDT entries; the RSDT must list the same tables. */
static int sdt_entries(Fixture *f, uint64_t rsdp, uint64_t *out, int max)
{
    const uint8_t *xsdt = table_at(f, ld64(f->ram + rsdp + 24), "XSDT");
    const uint8_t *rsdt = table_at(f, ld32(f->ram + rsdp + 16), "RSDT");
    int n = (ld32(xsdt + 4) - 36) / 8;
    g_assert_cmpuint(ld32(xsdt + 4), ==, 36 + 8 * n);
    g_assert_cmpuint(ld32(rsdt + 4), ==, 36 + 4 * n);
    g_assert_cmpint(n, <=, max);
    for (int i = 0; i < n; i++) {
        out[i] = ld64(xsdt + 36 + 8 * i);
        g_assert_cmpuint(ld32(rsdt + 36 + 4 * i), ==, out[i]);
    }
    return n;
}

static const uint8_t *find_table(Fixture *f, uint64_t rsdp, const char *sig)
{
    uint64_t entries[8];
    int n = sdt_entries(f, rsdp, entries, 8);
    for (int i = 0; i < n; i++) {
        if (memcmp(f->ram + entries[i], sig, 4) == 0) {
            return table_at(f, entries[i], sig);
        }
    }
    g_assert_not_reached();
    return NULL;
}

static void test_rsdp(void)
{
    Fixture f;
    fixture_init(&f, RAM_SIZE);
    uint64_t rsdp = build(&f, 1);
    g_assert_cmpuint(rsdp, ==, scan_for_rsdp(&f));
    g_assert_cmpuint(rsdp % 16, ==, 0);
    const uint8_t *p = f.ram + rsdp;
    g_assert_cmpuint(p[15], ==, 2);                 /* revision */
    g_assert_cmpuint(ld32(p + 20), ==, 36);         /* length */
    g_assert_cmpuint(sum(p, 36), ==, 0);            /* extended checksum */
    uint64_t entries[8];
    g_assert_cmpint(sdt_entries(&f, rsdp, entries, 8), ==, 2);
    g_assert_cmpmem(f.ram + entries[0], 4, "FACP", 4);
    g_assert_cmpmem(f.ram + entries[1], 4, "APIC", 4);
    fixture_fini(&f);
}

static void test_fadt(void)
{
    Fixture f;
    fixture_init(&f, RAM_SIZE);
    uint64_t rsdp = build(&f, 2);
    const uint8_t *t = find_table(&f, rsdp, "FACP");
    g_assert_cmpuint(ld32(t + 4), ==, 276);
    g_assert_cmpuint(t[8], ==, 6);                  /* revision */
    g_assert_cmpuint(ld16(t + 46), ==, 9);          /* SCI_INT */
    g_assert_cmpuint(ld32(t + 48), ==, 0);          /* SMI_CMD: always in ACPI mode */
    g_assert_cmpuint(ld32(t + 56), ==, 0x600);      /* PM1a_EVT_BLK */
    g_assert_cmpuint(ld32(t + 60), ==, 0);          /* PM1b_EVT_BLK */
    g_assert_cmpuint(ld32(t + 64), ==, 0x604);      /* PM1a_CNT_BLK */
    g_assert_cmpuint(ld32(t + 76), ==, 0x608);      /* PM_TMR_BLK */
    g_assert_cmpuint(ld32(t + 80), ==, 0);          /* GPE0_BLK */
    g_assert_cmpuint(t[88], ==, 4);                 /* PM1_EVT_LEN */
    g_assert_cmpuint(t[89], ==, 2);                 /* PM1_CNT_LEN */
    g_assert_cmpuint(t[91], ==, 4);                 /* PM_TMR_LEN */
    g_assert_cmpuint(t[108], ==, 0x32);             /* CENTURY */
    g_assert_cmpuint(ld16(t + 109), ==, 0x3);       /* IAPC_BOOT_ARCH: legacy devices, 8042 */
    uint32_t flags = ld32(t + 112);
    g_assert_cmpuint(flags & (1u << 8), !=, 0);     /* TMR_VAL_EXT: a 32-bit PM timer */
    g_assert_cmpuint(flags & (1u << 10), !=, 0);    /* RESET_REG_SUP */
    g_assert_cmpuint(flags & (1u << 20), ==, 0);    /* not HW_REDUCED_ACPI */
    g_assert_cmpuint(flags & (1u << 4), ==, 0);     /* power button: fixed feature */
    g_assert_cmpuint(flags & (1u << 19), ==, 0);    /* 2 CPUs: flat logical mode is fine */
    /* RESET_REG: system I/O, 8 bits at the PM block's reset port. */
    static const uint8_t reset_gas[12] = { 1, 8, 0, 1, 0x0c, 0x06 };
    g_assert_cmpmem(t + 116, 12, reset_gas, 12);
    g_assert_cmpuint(t[128], ==, ACPI_RESET_VALUE);
    /* 32-bit and X_ fields agree. */
    g_assert_cmpuint(ld64(t + 132), ==, ld32(t + 36));     /* FIRMWARE_CTRL */
    g_assert_cmpuint(ld64(t + 140), ==, ld32(t + 40));     /* DSDT */
    static const uint8_t evt_gas[12] = { 1, 32, 0, 2, 0x00, 0x06 };
    static const uint8_t cnt_gas[12] = { 1, 16, 0, 2, 0x04, 0x06 };
    static const uint8_t tmr_gas[12] = { 1, 32, 0, 3, 0x08, 0x06 };
    g_assert_cmpmem(t + 148, 12, evt_gas, 12);
    g_assert_cmpmem(t + 172, 12, cnt_gas, 12);
    g_assert_cmpmem(t + 208, 12, tmr_gas, 12);

    uint64_t facs = ld32(t + 36);
    g_assert_cmpuint(facs % 64, ==, 0);
    g_assert_cmpmem(f.ram + facs, 4, "FACS", 4);
    g_assert_cmpuint(ld32(f.ram + facs + 4), ==, 64);
    table_at(&f, ld32(t + 40), "DSDT");
    fixture_fini(&f);
}

static void test_fadt_many_cpus_physical_mode(void)
{
    Fixture f;
    fixture_init(&f, RAM_SIZE);
    const uint8_t *t = find_table(&f, build(&f, 9), "FACP");
    g_assert_cmpuint(ld32(t + 112) & (1u << 19), !=, 0);   /* FORCE_APIC_PHYSICAL_DESTINATION_MODE */
    fixture_fini(&f);
}

typedef struct MadtSummary {
    int lapics, ioapics, overrides, nmis;
    uint8_t lapic_id[256];
    uint32_t irq0_gsi, sci_gsi;
    uint16_t irq0_flags, sci_flags;
} MadtSummary;

/* acpi_parse_madt's walk: every entry's length must stay inside the table. */
static void parse_madt(const uint8_t *t, MadtSummary *s)
{
    memset(s, 0, sizeof(*s));
    s->irq0_gsi = s->sci_gsi = ~0u;
    uint32_t len = ld32(t + 4);
    g_assert_cmpuint(ld32(t + 36), ==, 0xfee00000);
    g_assert_cmpuint(ld32(t + 40), ==, 1);          /* PCAT_COMPAT */
    for (uint32_t off = 44; off < len;) {
        const uint8_t *e = t + off;
        g_assert_cmpuint(e[1], >=, 2);
        g_assert_cmpuint(off + e[1], <=, len);
        switch (e[0]) {
        case 0:
            g_assert_cmpuint(e[1], ==, 8);
            g_assert_cmpuint(e[2], ==, s->lapics);      /* processor UID */
            g_assert_cmpuint(ld32(e + 4), ==, 1);       /* enabled */
            s->lapic_id[s->lapics++] = e[3];
            break;
        case 1:
            g_assert_cmpuint(e[1], ==, 12);
            g_assert_cmpuint(ld32(e + 4), ==, 0xfec00000);
            g_assert_cmpuint(ld32(e + 8), ==, 0);       /* GSI base */
            s->ioapics++;
            break;
        case 2:
            g_assert_cmpuint(e[1], ==, 10);
            g_assert_cmpuint(e[2], ==, 0);              /* ISA */
            if (e[3] == 0) {
                s->irq0_gsi = ld32(e + 4);
                s->irq0_flags = ld16(e + 8);
            } else if (e[3] == 9) {
                s->sci_gsi = ld32(e + 4);
                s->sci_flags = ld16(e + 8);
            }
            s->overrides++;
            break;
        case 4:
            g_assert_cmpuint(e[1], ==, 6);
            g_assert_cmpuint(e[2], ==, 0xff);           /* all processors */
            g_assert_cmpuint(e[5], ==, 1);              /* LINT1 */
            s->nmis++;
            break;
        default:
            g_assert_not_reached();
        }
        off += e[1];
    }
}

static void check_madt(int nr_cpus)
{
    Fixture f;
    fixture_init(&f, RAM_SIZE);
    MadtSummary s;
    parse_madt(find_table(&f, build(&f, nr_cpus), "APIC"), &s);
    g_assert_cmpint(s.lapics, ==, nr_cpus);
    for (int i = 0; i < nr_cpus; i++) {
        g_assert_cmpuint(s.lapic_id[i], ==, i);
    }
    g_assert_cmpint(s.ioapics, ==, 1);
    g_assert_cmpint(s.overrides, ==, 2);
    g_assert_cmpint(s.nmis, ==, 1);
    g_assert_cmpuint(s.irq0_gsi, ==, 2);
    g_assert_cmpuint(s.irq0_flags, ==, 0);
    g_assert_cmpuint(s.sci_gsi, ==, 9);
    g_assert_cmpuint(s.sci_flags, ==, 0xd);         /* level, active high */
    fixture_fini(&f);
}

static void test_madt(void)
{
    check_madt(1);
    check_madt(4);
    check_madt(64);
    check_madt(ACPI_MAX_CPUS);
}

/* ---- a small AML reader ---- */

typedef struct AmlWalk {
    int devices;
    int next_uid;
    bool s5_ok, s0_ok;
} AmlWalk;

/* PkgLength at *p: returns the package's end (the length counts from *p). */
static const uint8_t *aml_pkg_end(const uint8_t **p, const uint8_t *limit)
{
    const uint8_t *start = *p;
    unsigned follow = start[0] >> 6;
    size_t len = follow ? start[0] & 0x0f : start[0] & 0x3f;
    for (unsigned i = 0; i < follow; i++) {
        len |= (size_t)start[1 + i] << (4 + 8 * i);
    }
    *p = start + 1 + follow;
    g_assert_cmpuint(len, >=, 1 + follow);
    g_assert_true(start + len <= limit);
    return start + len;
}

static uint64_t aml_read_integer(const uint8_t **p)
{
    const uint8_t *q = *p;
    switch (q[0]) {
    case 0x00: *p += 1; return 0;
    case 0x01: *p += 1; return 1;
    case 0x0a: *p += 2; return q[1];
    case 0x0b: *p += 3; return ld16(q + 1);
    case 0x0c: *p += 5; return ld32(q + 1);
    case 0x0e: *p += 9; return ld64(q + 1);
    }
    g_assert_not_reached();
    return 0;
}

static void aml_walk(const uint8_t *p, const uint8_t *end, AmlWalk *w, int depth);

static void aml_walk_name(const uint8_t **pp, const uint8_t *end, AmlWalk *w)
{
    const uint8_t *p = *pp;
    char seg[5] = { 0 };
    memcpy(seg, p, 4);
    p += 4;
    if (*p == 0x12) {                   /* Package */
        p++;
        const uint8_t *pkg_end = aml_pkg_end(&p, end);
        g_assert_cmpuint(*p++, ==, 4);
        uint64_t v[4];
        for (int i = 0; i < 4; i++) {
            v[i] = aml_read_integer(&p);
        }
        g_assert_true(p == pkg_end);
        if (strcmp(seg, "_S5_") == 0) {
            w->s5_ok = v[0] == ACPI_SLP_TYP_S5 && v[1] == ACPI_SLP_TYP_S5;
        } else if (strcmp(seg, "_S0_") == 0) {
            w->s0_ok = v[0] == 0 && v[1] == 0;
        }
    } else if (*p == 0x0d) {            /* String */
        const uint8_t *nul = memchr(p, 0, end - p);
        g_assert_nonnull(nul);
        if (strcmp(seg, "_HID") == 0) {
            g_assert_cmpstr((const char *)p + 1, ==, "ACPI0007");
        }
        p = nul + 1;
    } else {
        uint64_t v = aml_read_integer(&p);
        if (strcmp(seg, "_UID") == 0) {
            g_assert_cmpuint(v, ==, w->next_uid);
            w->next_uid++;
        }
    }
    *pp = p;
}

static void aml_walk(const uint8_t *p, const uint8_t *end, AmlWalk *w, int depth)
{
    while (p < end) {
        uint8_t op = *p++;
        if (op == 0x08) {                               /* Name */
            aml_walk_name(&p, end, w);
        } else if (op == 0x10) {                        /* Scope(\_SB_) */
            const uint8_t *scope_end = aml_pkg_end(&p, end);
            g_assert_cmpmem(p, 5, "\\_SB_", 5);
            aml_walk(p + 5, scope_end, w, depth + 1);
            p = scope_end;
        } else if (op == 0x5b && *p == 0x82) {          /* Device(Cxxx) */
            p++;
            const uint8_t *dev_end = aml_pkg_end(&p, end);
            char name[5];
            snprintf(name, sizeof(name), "C%03X", w->devices);
            g_assert_cmpmem(p, 4, name, 4);
            g_assert_cmpint(depth, ==, 1);
            w->devices++;
            aml_walk(p + 4, dev_end, w, depth + 1);
            p = dev_end;
        } else {
            g_assert_not_reached();
        }
    }
    g_assert_true(p == end);
}

static void check_dsdt(int nr_cpus)
{
    Fixture f;
    fixture_init(&f, RAM_SIZE);
    const uint8_t *fadt = find_table(&f, build(&f, nr_cpus), "FACP");
    const uint8_t *dsdt = table_at(&f, ld64(fadt + 140), "DSDT");
    g_assert_cmpuint(dsdt[8], ==, 2);               /* 64-bit integers */
    AmlWalk w = { 0 };
    aml_walk(dsdt + 36, dsdt + ld32(dsdt + 4), &w, 0);
    g_assert_true(w.s5_ok);
    g_assert_true(w.s0_ok);
    g_assert_cmpint(w.devices, ==, nr_cpus);
    g_assert_cmpint(w.next_uid, ==, nr_cpus);
    fixture_fini(&f);
}

static void test_dsdt(void)
{
    check_dsdt(1);
    check_dsdt(3);      /* \_SB: one-byte PkgLength */
    check_dsdt(64);     /* two-byte PkgLength */
    check_dsdt(ACPI_MAX_CPUS);
}

static void test_errors(void)
{
    Fixture f;
    char err[256];
    uint64_t rsdp = 0x1234;
    fixture_init(&f, RAM_SIZE);
    g_assert_cmpint(acpi_build(&f.m, 0, &rsdp, err, sizeof(err)), ==, -1);
    g_assert_cmpstr(err, ==, "ACPI: 0 CPUs do not fit the MADT's xAPIC entries (1 to 254)");
    g_assert_cmpint(acpi_build(&f.m, 255, &rsdp, err, sizeof(err)), ==, -1);
    g_assert_cmpuint(rsdp, ==, 0x1234);
    fixture_fini(&f);

    fixture_init(&f, 0xa0000);          /* 640 KiB: no RAM at 0xf0000 */
    g_assert_cmpint(acpi_build(&f.m, 1, &rsdp, err, sizeof(err)), ==, -1);
    g_assert_cmpstr(err, ==, "ACPI tables at [0xf0000, 0x100000) are not in guest RAM");
    fixture_fini(&f);
}

/* A rebuild (after reset) rewrites the whole area: nothing stale survives. */
static void test_rebuild(void)
{
    Fixture f;
    fixture_init(&f, RAM_SIZE);
    build(&f, 8);
    uint8_t *first = g_memdup2(f.ram + ACPI_TABLES_BASE, ACPI_TABLES_SIZE);
    memset(f.ram + ACPI_TABLES_BASE, 0xa5, ACPI_TABLES_SIZE);
    build(&f, 8);
    g_assert_cmpmem(f.ram + ACPI_TABLES_BASE, ACPI_TABLES_SIZE, first, ACPI_TABLES_SIZE);
    g_free(first);
    fixture_fini(&f);
}

/* ---- ACPICA's disassembler as a second reader ---- */

static char *write_table(Fixture *f, const char *dir, const char *name, const uint8_t *t)
{
    char *path = g_build_filename(dir, name, NULL);
    g_assert_true(g_file_set_contents(path, (const char *)t, ld32(t + 4), NULL));
    return path;
}

/* `iasl -d file.dat` -> the text of file.dsl. */
static char *iasl_disassemble(const char *dir, const char *dat)
{
    char *argv[] = { "iasl", "-d", (char *)dat, NULL };
    int status;
    char *out = NULL, *errout = NULL;
    g_assert_true(g_spawn_sync(dir, argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &errout,
                               &status, NULL));
    if (!g_spawn_check_wait_status(status, NULL)) {
        g_test_message("iasl: %s%s", out, errout);
        g_assert_not_reached();
    }
    g_free(out);
    g_free(errout);
    char *dsl_path = g_strdup(dat);
    strcpy(strrchr(dsl_path, '.'), ".dsl");
    char *dsl = NULL;
    g_assert_true(g_file_get_contents(dsl_path, &dsl, NULL, NULL));
    g_free(dsl_path);
    return dsl;
}

/* The line of the disassembly naming `field` must end with `value`. */
static void assert_field(const char *dsl, const char *field, const char *value)
{
    const char *line = strstr(dsl, field);
    if (!line) {
        g_test_message("no '%s' in the disassembly", field);
        g_assert_not_reached();
    }
    const char *eol = strchr(line, '\n');
    char *text = g_strndup(line, eol ? (size_t)(eol - line) : strlen(line));
    g_strchomp(text);
    if (!g_str_has_suffix(text, value)) {
        g_test_message("'%s' does not end with '%s'", text, value);
        g_assert_not_reached();
    }
    g_free(text);
}

static int count_matches(const char *text, const char *needle)
{
    int n = 0;
    for (const char *p = text; (p = strstr(p, needle)); p++) {
        n++;
    }
    return n;
}

static void test_iasl(void)
{
    char *iasl = g_find_program_in_path("iasl");
    if (!iasl) {
        g_test_skip("iasl (Debian package acpica-tools) is not installed");
        return;
    }
    g_free(iasl);
    Fixture f;
    fixture_init(&f, RAM_SIZE);
    uint64_t rsdp = build(&f, 4);
    const uint8_t *fadt = find_table(&f, rsdp, "FACP");
    char *dir = g_dir_make_tmp("tandem-acpi-XXXXXX", NULL);
    g_assert_nonnull(dir);

    char *path = write_table(&f, dir, "facp.dat", fadt);
    char *dsl = iasl_disassemble(dir, path);
    assert_field(dsl, "SCI Interrupt", ": 0009");
    assert_field(dsl, "PM1A Event Block Address", ": 00000600");
    assert_field(dsl, "PM1A Control Block Address", ": 00000604");
    assert_field(dsl, "PM Timer Block Address", ": 00000608");
    assert_field(dsl, "PM1 Control Block Length", ": 02");
    assert_field(dsl, "RTC Century Index", ": 32");
    assert_field(dsl, "Value to cause reset", ": 06");
    assert_field(dsl, "32-bit PM Timer (V1)", ": 1");
    assert_field(dsl, "Reset Register Supported (V2)", ": 1");
    assert_field(dsl, "Hardware Reduced (V5)", ": 0");
    assert_field(dsl, "8042 Present on ports 60/64 (V2)", ": 1");
    g_assert_null(strstr(dsl, "Warning"));
    g_assert_null(strstr(dsl, "Error"));
    g_free(dsl);
    g_free(path);

    path = write_table(&f, dir, "apic.dat", find_table(&f, rsdp, "APIC"));
    dsl = iasl_disassemble(dir, path);
    assert_field(dsl, "I/O Apic ID", ": 00");
    assert_field(dsl, "Interrupt Input LINT", ": 01");
    /* The overrides, as ACPICA decodes them: IRQ 0 -> GSI 2, and the SCI level/high. */
    g_assert_true(g_regex_match_simple("Source : 00\\n.*Interrupt : 00000002\\n"
                                       ".*Polarity : 0\\n.*Trigger Mode : 0\\n", dsl,
                                       G_REGEX_DOTALL | G_REGEX_UNGREEDY, 0));
    g_assert_true(g_regex_match_simple("Source : 09\\n.*Interrupt : 00000009\\n"
                                       ".*Polarity : 1\\n.*Trigger Mode : 3\\n", dsl,
                                       G_REGEX_DOTALL | G_REGEX_UNGREEDY, 0));
    g_assert_cmpint(count_matches(dsl, "[Processor Local APIC]"), ==, 4);
    g_assert_null(strstr(dsl, "Error"));
    g_free(dsl);
    g_free(path);

    path = write_table(&f, dir, "dsdt.dat", f.ram + ld64(fadt + 140));
    dsl = iasl_disassemble(dir, path);
    g_assert_nonnull(strstr(dsl, "Name (_S5, Package (0x04)"));
    g_assert_nonnull(strstr(dsl, "Device (C003)"));
    g_assert_nonnull(strstr(dsl, "Name (_HID, \"ACPI0007\""));
    g_assert_null(strstr(dsl, "Error"));
    g_free(dsl);
    g_free(path);

    char *rm[] = { "rm", "-rf", dir, NULL };
    g_spawn_sync(NULL, rm, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL);
    g_free(dir);
    fixture_fini(&f);
}

/* ---- the PM block (hw/acpi_pm.c) ---- */

typedef struct PmFixture {
    AddressSpace io;
    AcpiPm *pm;
    int sci_level, sci_rises;
    int poweroffs, resets;
    int64_t clock_offset_ns;            /* the fake clocks' time */
} PmFixture;

static void pm_sci_set(void *opaque, int n, int level)
{
    PmFixture *f = opaque;
    g_assert_cmpint(n, ==, 9);
    if (level && !f->sci_level) {
        f->sci_rises++;
    }
    f->sci_level = level;
}

static void pm_poweroff(void *opaque) { ((PmFixture *)opaque)->poweroffs++; }
static void pm_reset(void *opaque) { ((PmFixture *)opaque)->resets++; }

/* A clock that moves only when the test says. */
static int64_t pm_manual_clock(void *opaque)
{
    PmFixture *f = opaque;
    return f->clock_offset_ns;
}

/* Host time, shifted: for the main loop, whose timeouts follow host time. */
static int64_t pm_shifted_host_clock(void *opaque)
{
    PmFixture *f = opaque;
    return g_get_monotonic_time() * 1000 + f->clock_offset_ns;
}

static void pm_fixture_init(PmFixture *f)
{
    memset(f, 0, sizeof(*f));
    address_space_init(&f->io, "io", 0x10000);
    AcpiPmHooks hooks = { pm_poweroff, pm_reset, f };
    f->pm = acpi_pm_new(&f->io, (IrqLine){ pm_sci_set, f, 9 }, &hooks);
}

static void pm_fixture_fini(PmFixture *f)
{
    acpi_pm_free(f->pm);
    address_space_destroy(&f->io);
}

static void test_pm_power_on(void)
{
    PmFixture f;
    pm_fixture_init(&f);
    g_assert_cmphex(address_space_read(&f.io, 0x600, 2), ==, 0);     /* PM1_STS */
    g_assert_cmphex(address_space_read(&f.io, 0x602, 2), ==, 0);     /* PM1_EN */
    g_assert_cmphex(address_space_read(&f.io, 0x604, 2), ==, 1);     /* PM1_CNT: SCI_EN */
    g_assert_cmphex(address_space_read(&f.io, 0x60c, 1), ==, 0);
    g_assert_cmpint(f.sci_level, ==, 0);
    address_space_write(&f.io, 0x604, 0, 2);                           /* SCI_EN stays set */
    g_assert_cmphex(address_space_read(&f.io, 0x604, 2), ==, 1);
    pm_fixture_fini(&f);
}

/* Linux's acpi_hw_legacy_sleep: SLP_TYP first, then SLP_TYP | SLP_EN. */
static void test_pm_soft_off(void)
{
    PmFixture f;
    pm_fixture_init(&f);
    address_space_write(&f.io, 0x604, 5 << 10 | 1, 2);
    g_assert_cmpint(f.poweroffs, ==, 0);
    g_assert_cmphex(address_space_read(&f.io, 0x604, 2), ==, 0x1401);
    address_space_write(&f.io, 0x604, 5 << 10 | 1 << 13 | 1, 2);
    g_assert_cmpint(f.poweroffs, ==, 1);
    g_assert_cmphex(address_space_read(&f.io, 0x604, 2), ==, 0x1401);  /* SLP_EN reads 0 */

    address_space_write(&f.io, 0x605, 0x34, 1);        /* the high byte alone: S5 + SLP_EN */
    g_assert_cmpint(f.poweroffs, ==, 2);
    address_space_write(&f.io, 0x604, 3 << 10 | 1 << 13, 2);   /* S3: not supported */
    address_space_write(&f.io, 0x604, 1 << 13, 2);              /* S0 */
    g_assert_cmpint(f.poweroffs, ==, 2);
    g_assert_cmpint(f.resets, ==, 0);
    pm_fixture_fini(&f);
}

static void test_pm_reset_register(void)
{
    PmFixture f;
    pm_fixture_init(&f);
    address_space_write(&f.io, 0x60c, 0x05, 1);
    address_space_write(&f.io, 0x60c, 0x0e, 1);
    g_assert_cmpint(f.resets, ==, 0);
    address_space_write(&f.io, 0x60c, ACPI_RESET_VALUE, 1);
    g_assert_cmpint(f.resets, ==, 1);
    g_assert_cmpint(f.poweroffs, ==, 0);
    pm_fixture_fini(&f);
}

static void test_pm_power_button(void)
{
    PmFixture f;
    pm_fixture_init(&f);
    acpi_pm_press_power_button(f.pm);
    g_assert_cmphex(address_space_read(&f.io, 0x600, 2), ==, 0x100);
    g_assert_cmpint(f.sci_level, ==, 0);               /* PWRBTN_EN clear: no SCI */
    address_space_write(&f.io, 0x602, 0x100, 2);
    g_assert_cmpint(f.sci_level, ==, 1);
    g_assert_cmphex(address_space_read(&f.io, 0x602, 2), ==, 0x100);
    address_space_write(&f.io, 0x600, 0x0001, 2);      /* clearing another bit changes nothing */
    g_assert_cmpint(f.sci_level, ==, 1);
    address_space_write(&f.io, 0x600, 0x0100, 2);      /* write 1 to clear */
    g_assert_cmpint(f.sci_level, ==, 0);
    g_assert_cmphex(address_space_read(&f.io, 0x600, 2), ==, 0);

    /* A byte write to one half of PM1_EN leaves the other half alone. */
    address_space_write(&f.io, 0x602, 0x01, 1);
    g_assert_cmphex(address_space_read(&f.io, 0x602, 2), ==, 0x101);
    address_space_write(&f.io, 0x603, 0x00, 1);
    g_assert_cmphex(address_space_read(&f.io, 0x602, 2), ==, 0x001);
    /* A 32-bit access covers status and enable together. */
    g_assert_cmphex(address_space_read(&f.io, 0x600, 4), ==, 0x00010000);
    /* RTC_EN reads back what was written (ACPICA checks), with no SCI: RTC_STS stays 0. */
    address_space_write(&f.io, 0x602, 0x401, 2);
    g_assert_cmphex(address_space_read(&f.io, 0x600, 4), ==, 0x04010000);
    g_assert_cmpint(f.sci_level, ==, 0);
    address_space_write(&f.io, 0x602, 0x001, 2);

    acpi_pm_press_power_button(f.pm);
    address_space_write(&f.io, 0x602, 0x100, 2);
    g_assert_cmpint(f.sci_level, ==, 1);
    acpi_pm_reset(f.pm);
    g_assert_cmpint(f.sci_level, ==, 0);
    g_assert_cmphex(address_space_read(&f.io, 0x600, 4), ==, 0);
    g_assert_cmpint(f.sci_rises, ==, 2);
    pm_fixture_fini(&f);
}

static const int64_t NS = 1000000000;

static void test_pm_timer_counts(void)
{
    PmFixture f;
    pm_fixture_init(&f);
    f.clock_offset_ns = 12345 * NS;                     /* the timer starts at 0 from here */
    acpi_pm_set_clock(f.pm, pm_manual_clock, &f);
    g_assert_cmpuint(address_space_read(&f.io, 0x608, 4), ==, 0);
    f.clock_offset_ns += 10 * NS;
    g_assert_cmpuint(address_space_read(&f.io, 0x608, 4), ==, 35795450);
    f.clock_offset_ns += 1000;                          /* 1 us = 3.58 ticks */
    uint32_t t = address_space_read(&f.io, 0x608, 4);
    g_assert_cmpuint(t, ==, 35795453);
    /* Narrow reads take bytes of the 32-bit counter. */
    g_assert_cmpuint(address_space_read(&f.io, 0x60a, 2), ==, t >> 16);
    g_assert_cmpuint(address_space_read(&f.io, 0x609, 1), ==, (t >> 8) & 0xff);
    address_space_write(&f.io, 0x608, 0, 4);            /* read-only */
    g_assert_cmpuint(address_space_read(&f.io, 0x608, 4), ==, t);

    /* 32 bits wrap after 2^32 ticks (about 1200 s). */
    f.clock_offset_ns += 1200 * NS;
    uint64_t ticks = (uint64_t)((unsigned __int128)(1210 * NS + 1000) * 3579545 / NS);
    g_assert_cmpuint(address_space_read(&f.io, 0x608, 4), ==, (uint32_t)ticks);
    g_assert_cmpuint(ticks >> 32, ==, 1);

    /* A reset starts it from 0 again. */
    acpi_pm_reset(f.pm);
    g_assert_cmpuint(address_space_read(&f.io, 0x608, 4), ==, 0);
    f.clock_offset_ns += NS;
    g_assert_cmpuint(address_space_read(&f.io, 0x608, 4), ==, 3579545);
    pm_fixture_fini(&f);
}

/* TMR_STS: set when bit 31 of the counter changes; with TMR_EN, an SCI. */
static void test_pm_timer_carry_status(void)
{
    PmFixture f;
    pm_fixture_init(&f);
    acpi_pm_set_clock(f.pm, pm_manual_clock, &f);
    uint64_t carry_ns = (1ull << 31) * NS / 3579545;    /* ~599.9 s */
    f.clock_offset_ns += carry_ns - NS;
    g_assert_cmphex(address_space_read(&f.io, 0x600, 2) & 1, ==, 0);
    f.clock_offset_ns += 2 * NS;
    g_assert_cmphex(address_space_read(&f.io, 0x600, 2) & 1, ==, 1);
    g_assert_cmpuint(address_space_read(&f.io, 0x608, 4), >=, 1u << 31);
    g_assert_cmpint(f.sci_level, ==, 0);
    address_space_write(&f.io, 0x602, 1, 2);            /* TMR_EN */
    g_assert_cmpint(f.sci_level, ==, 1);
    address_space_write(&f.io, 0x600, 1, 2);            /* clear TMR_STS */
    g_assert_cmpint(f.sci_level, ==, 0);
    g_assert_cmphex(address_space_read(&f.io, 0x600, 2) & 1, ==, 0);
    /* The next carry (bit 31 back to 0 on the wrap) sets it again. */
    f.clock_offset_ns += carry_ns;
    g_assert_cmphex(address_space_read(&f.io, 0x600, 2) & 1, ==, 1);
    g_assert_cmpint(f.sci_level, ==, 1);
    pm_fixture_fini(&f);
}

/* With TMR_EN, the I/O thread's main loop raises the SCI at the carry by itself. */
static void test_pm_timer_carry_wakes_main_loop(void)
{
    PmFixture f;
    pm_fixture_init(&f);
    acpi_pm_set_clock(f.pm, pm_shifted_host_clock, &f);
    uint64_t carry_ns = (1ull << 31) * NS / 3579545;
    f.clock_offset_ns += carry_ns - NS / 20;            /* the carry is 50 ms away */
    address_space_write(&f.io, 0x602, 1, 2);
    g_assert_cmpint(f.sci_level, ==, 0);
    gint64 give_up = g_get_monotonic_time() + 2 * G_USEC_PER_SEC;
    while (!f.sci_level && g_get_monotonic_time() < give_up) {
        g_main_context_iteration(NULL, FALSE);
        g_usleep(1000);
    }
    g_assert_cmpint(f.sci_level, ==, 1);
    g_assert_cmphex(address_space_read(&f.io, 0x600, 2) & 1, ==, 1);
    pm_fixture_fini(&f);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/acpi/rsdp", test_rsdp);
    g_test_add_func("/acpi/fadt", test_fadt);
    g_test_add_func("/acpi/fadt-many-cpus", test_fadt_many_cpus_physical_mode);
    g_test_add_func("/acpi/madt", test_madt);
    g_test_add_func("/acpi/dsdt", test_dsdt);
    g_test_add_func("/acpi/errors", test_errors);
    g_test_add_func("/acpi/rebuild", test_rebuild);
    g_test_add_func("/acpi/iasl", test_iasl);
    g_test_add_func("/acpi/pm/power-on", test_pm_power_on);
    g_test_add_func("/acpi/pm/soft-off", test_pm_soft_off);
    g_test_add_func("/acpi/pm/reset-register", test_pm_reset_register);
    g_test_add_func("/acpi/pm/power-button", test_pm_power_button);
    g_test_add_func("/acpi/pm/timer-counts", test_pm_timer_counts);
    g_test_add_func("/acpi/pm/timer-carry-status", test_pm_timer_carry_status);
    g_test_add_func("/acpi/pm/timer-carry-wakes-main-loop", test_pm_timer_carry_wakes_main_loop);
    return g_test_run();
}
