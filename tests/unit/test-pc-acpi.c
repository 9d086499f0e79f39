/* Unit tests of the PC's ACPI, PM and fw_cfg wiring: a whole machine is built (not run) and inspected. */
#include <glib.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "accel/accel.h"
#include "hw/acpi.h"
#include "hw/acpi_pm.h"
#include "hw/fw_cfg.h"
#include "hw/machine.h"
#include "le-bytes.h"

/*
 * machine_new() with -smp N and a do-nothing multiboot kernel: the tables it
 * leaves in guest RAM are read back the way Linux finds them (the RSDP scan
 * of 0xe0000-0xfffff, ACPI 6.0 §5.2.5.1), their checksums and MADT entries
 * checked (§5.2.12), then the PM and fw_cfg ports are driven through the
 * machine's own port space and the machine's requests looked at.
 */

#define RAM_SIZE (64u << 20)

static char *tmpdir;
static char *kernel_path;

/* A multiboot a.out-kludge kernel (Multiboot 0.6.96 §3.1.3): a header and HLT, at 1 MiB. */
static void write_kernel(void)
{
    uint8_t file[0x1000] = { 0 };
    const uint32_t magic = 0x1badb002, flags = 1u << 16, load = 0x100000;
    const uint32_t header[] = { magic, flags, -(magic + flags), load, load, 0, 0, load + 0x20 };
    memcpy(file, header, sizeof(header));
    file[0x20] = 0xf4;                  /* hlt */
    kernel_path = g_build_filename(tmpdir, "mb-hlt", NULL);
    g_assert_true(g_file_set_contents(kernel_path, (const char *)file, sizeof(file), NULL));
}

typedef struct Pc {
    Options opts;
    Machine *m;
    const uint8_t *bios;                /* guest RAM at 0xe0000-0xfffff */
} Pc;

static bool pc_new(Pc *pc, const char *accel, int smp)
{
    char err[256] = "";
    memset(pc, 0, sizeof(*pc));
    pc->opts.accel = accel;
    pc->opts.smp = smp;
    pc->opts.ram_size = RAM_SIZE;
    pc->opts.kernel = kernel_path;
    pc->opts.append = "console=ttyS0";
    pc->opts.serial = "none";
    pc->m = machine_new(&pc->opts, err, sizeof(err));
    if (!pc->m) {
        g_test_message("machine_new (-accel %s -smp %d): %s", accel, smp, err);
        return false;
    }
    pc->bios = address_space_ram_ptr(&pc->m->mem, 0xe0000, 0x20000);
    g_assert_nonnull(pc->bios);
    return true;
}

static void pc_free(Pc *pc)
{
    machine_free(pc->m);
}

static const uint8_t *guest(const Pc *pc, uint64_t gpa, uint32_t len)
{
    const uint8_t *p = address_space_ram_ptr(&pc->m->mem, gpa, len);
    g_assert_nonnull(p);
    return p;
}

/* The table at gpa: its signature, a sane length and checksum 0 (§5.2.6). */
static const uint8_t *table_at(const Pc *pc, uint64_t gpa, const char *sig)
{
    const uint8_t *t = guest(pc, gpa, 36);
    g_assert_cmpmem(t, 4, sig, 4);
    uint32_t len = ld32(t + 4);
    g_assert_cmpuint(len, >=, 36);
    t = guest(pc, gpa, len);
    g_assert_cmpuint(sum(t, len), ==, 0);
    return t;
}

/* Linux's legacy scan: "RSD PTR " on a 16-byte boundary whose first 20 bytes sum to 0. */
static uint64_t find_rsdp(const Pc *pc)
{
    for (uint64_t a = 0xe0000; a < 0x100000; a += 16) {
        const uint8_t *p = pc->bios + (a - 0xe0000);
        if (memcmp(p, "RSD PTR ", 8) == 0 && sum(p, 20) == 0) {
            return a;
        }
    }
    return 0;
}

/* The XSDT entry with signature sig (FACP, APIC). */
static const uint8_t *xsdt_table(const Pc *pc, const char *sig)
{
    uint64_t rsdp = find_rsdp(pc);
    g_assert_cmphex(rsdp, !=, 0);
    const uint8_t *r = guest(pc, rsdp, 36);
    g_assert_cmpuint(r[15], ==, 2);
    g_assert_cmpuint(sum(r, 36), ==, 0);
    const uint8_t *xsdt = table_at(pc, ld64(r + 24), "XSDT");
    for (uint32_t off = 36; off + 8 <= ld32(xsdt + 4); off += 8) {
        const uint8_t *t = guest(pc, ld64(xsdt + off), 4);
        if (memcmp(t, sig, 4) == 0) {
            return table_at(pc, ld64(xsdt + off), sig);
        }
    }
    g_test_message("no %s in the XSDT", sig);
    g_assert_not_reached();
}

typedef struct MadtSummary {
    int nr_lapics;
    uint8_t lapic_ids[ACPI_MAX_CPUS];
    int nr_ioapics;
    uint8_t ioapic_id;
    uint32_t ioapic_addr, ioapic_gsi_base;
    uint32_t irq0_gsi, irq9_gsi;
    uint16_t irq0_flags, irq9_flags;
    int nr_overrides;
} MadtSummary;

static MadtSummary madt_summary(const Pc *pc)
{
    MadtSummary s = { 0 };
    const uint8_t *madt = xsdt_table(pc, "APIC");
    uint32_t len = ld32(madt + 4);
    g_assert_cmphex(ld32(madt + 36), ==, 0xfee00000);
    for (uint32_t off = 44; off < len;) {
        const uint8_t *e = madt + off;
        g_assert_cmpuint(e[1], >=, 2);
        g_assert_cmpuint(off + e[1], <=, len);
        switch (e[0]) {
        case 0:                         /* processor local APIC (§5.2.12.2) */
            g_assert_cmpuint(ld32(e + 4) & 1, ==, 1);
            g_assert_cmpuint(e[2], ==, e[3]);          /* UID = APIC ID */
            s.lapic_ids[s.nr_lapics++] = e[3];
            break;
        case 1:                         /* I/O APIC (§5.2.12.3) */
            s.nr_ioapics++;
            s.ioapic_id = e[2];
            s.ioapic_addr = ld32(e + 4);
            s.ioapic_gsi_base = ld32(e + 8);
            break;
        case 2:                         /* interrupt source override (§5.2.12.5) */
            s.nr_overrides++;
            g_assert_cmpuint(e[2], ==, 0);             /* ISA */
            if (e[3] == 0) {
                s.irq0_gsi = ld32(e + 4);
                s.irq0_flags = ld16(e + 8);
            } else if (e[3] == 9) {
                s.irq9_gsi = ld32(e + 4);
                s.irq9_flags = ld16(e + 8);
            }
            break;
        }
        off += e[1];
    }
    return s;
}

/* The IOAPIC's ID register, read through the machine's MMIO (82093AA datasheet 3.2.1). */
static uint8_t ioapic_id_register(Pc *pc)
{
    machine_lock();
    address_space_write(&pc->m->mem, 0xfec00000, 0, 4);
    uint32_t id = (uint32_t)address_space_read(&pc->m->mem, 0xfec00010, 4);
    machine_unlock();
    return (uint8_t)((id >> 24) & 0xf);
}

static void check_madt(Pc *pc, int smp)
{
    MadtSummary s = madt_summary(pc);
    g_assert_cmpint(s.nr_lapics, ==, smp);
    for (int i = 0; i < smp; i++) {
        g_assert_cmpuint(s.lapic_ids[i], ==, i);
    }
    g_assert_cmpint(s.nr_ioapics, ==, 1);
    g_assert_cmphex(s.ioapic_addr, ==, 0xfec00000);
    g_assert_cmpuint(s.ioapic_gsi_base, ==, 0);
    if (!pc->m->accel->kernel_irqchip) {
        g_assert_cmpuint(ioapic_id_register(pc), ==, s.ioapic_id);
    }
    g_assert_cmpint(s.nr_overrides, ==, 2);
    g_assert_cmpuint(s.irq0_gsi, ==, 2);
    g_assert_cmphex(s.irq0_flags, ==, 0);                 /* conforming: ISA edge, high */
    g_assert_cmpuint(s.irq9_gsi, ==, ACPI_SCI_IRQ);
    g_assert_cmphex(s.irq9_flags, ==, 0xd);               /* level (3 << 2), active high (1) */
}

static void test_tables(gconstpointer data)
{
    int smp = GPOINTER_TO_INT(data);
    Pc pc;
    g_assert_true(pc_new(&pc, "interp", smp));
    g_assert_cmphex(find_rsdp(&pc), ==, ACPI_TABLES_BASE);
    check_madt(&pc, smp);
    const uint8_t *fadt = xsdt_table(&pc, "FACP");
    g_assert_cmpuint(ld16(fadt + 46), ==, ACPI_SCI_IRQ);
    g_assert_cmphex(ld32(fadt + 64), ==, ACPI_PM1_CNT_PORT);
    table_at(&pc, ld64(fadt + 140), "DSDT");
    /* The e820 map keeps the guest off the tables. */
    bool reserved = false;
    for (int i = 0; i < pc.m->nr_e820; i++) {
        const E820Entry *e = &pc.m->e820[i];
        if (e->addr <= ACPI_TABLES_BASE && e->addr + e->size >= ACPI_TABLES_BASE + ACPI_TABLES_SIZE) {
            g_assert_cmpuint(e->type, ==, E820_RESERVED);
            reserved = true;
        }
    }
    g_assert_true(reserved);
    pc_free(&pc);
}

/* The same bytes whichever backend runs the machine. */
static void test_same_tables_under_kvm(void)
{
    const AccelOps *kvm = accel_find("kvm");
    const char *why = kvm ? kvm->unavailable() : "not in this build";
    if (why) {
        g_test_skip(why);
        return;
    }
    Pc a, b;
    g_assert_true(pc_new(&a, "interp", 2));
    g_assert_true(pc_new(&b, "kvm", 2));
    g_assert_cmpmem(a.bios, 0x20000, b.bios, 0x20000);
    check_madt(&b, 2);
    pc_free(&b);
    pc_free(&a);
}

static void io_write(Pc *pc, uint16_t port, uint64_t value, unsigned size)
{
    machine_lock();
    address_space_write(&pc->m->io, port, value, size);
    machine_unlock();
}

static uint64_t io_read(Pc *pc, uint16_t port, unsigned size)
{
    machine_lock();
    uint64_t v = address_space_read(&pc->m->io, port, size);
    machine_unlock();
    return v;
}

/* ACPI 6.0 §7.4.2: SLP_TYP = \_S5, then SLP_EN: the machine stops with status 0. */
static void test_soft_off(void)
{
    Pc pc;
    g_assert_true(pc_new(&pc, "interp", 1));
    g_assert_cmphex(io_read(&pc, ACPI_PM1_CNT_PORT, 2) & ACPI_PM1_CNT_SCI_EN, ==,
                    ACPI_PM1_CNT_SCI_EN);
    io_write(&pc, ACPI_PM1_CNT_PORT, ACPI_SLP_TYP_S5 << ACPI_PM1_CNT_SLP_TYP_SHIFT, 2);
    g_assert_false(atomic_load(&pc.m->stop_requested));
    io_write(&pc, ACPI_PM1_CNT_PORT,
             ACPI_SLP_TYP_S5 << ACPI_PM1_CNT_SLP_TYP_SHIFT | ACPI_PM1_CNT_SLP_EN, 2);
    g_assert_true(atomic_load(&pc.m->stop_requested));
    g_assert_cmpint(pc.m->exit_status, ==, 0);
    pc_free(&pc);
}

/* The FADT's RESET_REG resets the machine; the reset rebuilds the tables the guest may have wiped. */
static void test_reset_register_and_rebuild(void)
{
    Pc pc;
    char err[256] = "";
    g_assert_true(pc_new(&pc, "interp", 3));
    const uint8_t *fadt = xsdt_table(&pc, "FACP");
    g_assert_cmpuint(fadt[116], ==, 1);                   /* RESET_REG in system I/O */
    uint16_t reset_port = (uint16_t)ld64(fadt + 120);
    uint8_t reset_value = fadt[128];

    io_write(&pc, reset_port, reset_value ^ 1, 1);       /* a wrong value does nothing */
    g_assert_false(atomic_load(&pc.m->reset_requested));
    io_write(&pc, reset_port, reset_value, 1);
    g_assert_true(atomic_load(&pc.m->reset_requested));

    uint8_t *before = g_memdup2(pc.bios, 0x20000);
    memset((uint8_t *)pc.bios + 0x10000, 0xa5, 0x10000);  /* the guest scribbled on them */
    g_assert_cmphex(find_rsdp(&pc), ==, 0);
    g_assert_cmpint(machine_reset(pc.m, err, sizeof(err)), ==, 0);
    g_assert_cmpmem(pc.bios, 0x20000, before, 0x20000);
    check_madt(&pc, 3);
    g_free(before);
    pc_free(&pc);
}

/* fw_cfg on 0x510/0x511 (QEMU docs/specs/fw_cfg.rst): signature, CPUs, RAM, command line. */
static void read_item(Pc *pc, uint16_t key, void *buf, size_t len)
{
    io_write(pc, FW_CFG_PORT_SEL, key, 2);
    for (size_t i = 0; i < len; i++) {
        ((uint8_t *)buf)[i] = (uint8_t)io_read(pc, FW_CFG_PORT_SEL + 1, 1);
    }
}

static void test_fw_cfg(void)
{
    Pc pc;
    uint8_t buf[64];
    g_assert_true(pc_new(&pc, "interp", 4));
    read_item(&pc, FW_CFG_SIGNATURE, buf, 4);
    g_assert_cmpmem(buf, 4, "QEMU", 4);
    read_item(&pc, FW_CFG_NB_CPUS, buf, 2);
    g_assert_cmpuint(ld16(buf), ==, 4);
    read_item(&pc, FW_CFG_RAM_SIZE, buf, 8);
    g_assert_cmpuint(ld64(buf), ==, RAM_SIZE);
    read_item(&pc, FW_CFG_CMDLINE_SIZE, buf, 4);
    g_assert_cmpuint(ld32(buf), ==, strlen("console=ttyS0") + 1);
    read_item(&pc, FW_CFG_CMDLINE_DATA, buf, strlen("console=ttyS0") + 1);
    g_assert_cmpstr((const char *)buf, ==, "console=ttyS0");
    read_item(&pc, FW_CFG_KERNEL_SIZE, buf, 4);
    g_assert_cmpuint(ld32(buf), ==, 0x1000);             /* a multiboot file: all of it */
    pc_free(&pc);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    tmpdir = g_dir_make_tmp("test-pc-acpi-XXXXXX", NULL);
    g_assert_nonnull(tmpdir);
    write_kernel();
    g_test_add_data_func("/pc-acpi/tables/smp1", GINT_TO_POINTER(1), test_tables);
    g_test_add_data_func("/pc-acpi/tables/smp4", GINT_TO_POINTER(4), test_tables);
    g_test_add_func("/pc-acpi/tables/same-under-kvm", test_same_tables_under_kvm);
    g_test_add_func("/pc-acpi/soft-off", test_soft_off);
    g_test_add_func("/pc-acpi/reset-register-and-rebuild", test_reset_register_and_rebuild);
    g_test_add_func("/pc-acpi/fw-cfg", test_fw_cfg);
    int r = g_test_run();
    unlink(kernel_path);
    rmdir(tmpdir);
    g_free(kernel_path);
    g_free(tmpdir);
    return r;
}
