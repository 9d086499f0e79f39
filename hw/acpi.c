/* ACPI table builder: RSDP, XSDT, RSDT, FADT, FACS, MADT and the DSDT's AML, in guest RAM. */
#include "hw/acpi.h"

#include <glib.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "hw/acpi_pm.h"

/*
 * Everything here follows ACPI 6.0 chapter 5 ("ACPI Software Programming
 * Model"); section numbers refer to it.  The tables are built into a host
 * image of [ACPI_TABLES_BASE, +ACPI_TABLES_SIZE) and copied into guest RAM in
 * one go, so a rebuild after reset leaves no stale bytes behind:
 *
 *   RSDP  (§5.2.5)     at the base, 16-byte aligned, revision 2 (XSDT address)
 *   FACS  (§5.2.10)    64-byte aligned, as the spec requires
 *   DSDT  (§5.2.11.1)  \_S0, \_S5 and one processor device per CPU
 *   FADT  (§5.2.9)     revision 6: the PM block of hw/acpi_pm.h, SCI on IRQ 9
 *   MADT  (§5.2.12)    LAPICs, the IOAPIC, IRQ0->GSI2 and SCI overrides, LINT1 NMI
 *   XSDT  (§5.2.8) and RSDT (§5.2.7), both listing FADT and MADT
 *
 * It is not a general AML compiler: the few AML encodings it needs (§20.2)
 * are written out directly below.
 */

#define ACPI_OEM_ID        "TANDEM"      /* 6 bytes */
#define ACPI_OEM_TABLE_ID  "TANDEMPC"    /* 8 bytes */
#define ACPI_CREATOR_ID    "TNDM"
#define ACPI_TABLE_HEADER_LEN 36
#define ACPI_CHECKSUM_OFFSET  9

/* ---- little-endian stores ------------------------------------------------------ */

static void st16(uint8_t *p, uint16_t v) { p[0] = v; p[1] = v >> 8; }
static void st32(uint8_t *p, uint32_t v) { st16(p, v); st16(p + 2, v >> 16); }
static void st64(uint8_t *p, uint64_t v) { st32(p, (uint32_t)v); st32(p + 4, v >> 32); }

static uint8_t acpi_sum(const uint8_t *p, size_t len)
{
    uint8_t sum = 0;
    for (size_t i = 0; i < len; i++) {
        sum += p[i];
    }
    return sum;
}

/* Make the bytes of [p, p+len) sum to 0 mod 256 by setting p[at] (§5.2.6 Checksum). */
static void acpi_set_checksum(uint8_t *p, size_t len, size_t at)
{
    p[at] = 0;
    p[at] = (uint8_t)-acpi_sum(p, len);
}

/* ---- the image of the table area ------------------------------------------------ */

typedef struct AcpiImage {
    uint8_t buf[ACPI_TABLES_SIZE];
    size_t used;
    bool full;
} AcpiImage;

/* Reserve len bytes aligned to `align`; returns the guest address (0 when full). */
static uint64_t image_alloc(AcpiImage *img, size_t len, size_t align)
{
    size_t start = (img->used + align - 1) & ~(align - 1);
    if (start > sizeof(img->buf) || len > sizeof(img->buf) - start) {
        img->full = true;
        return 0;
    }
    img->used = start + len;
    return ACPI_TABLES_BASE + start;
}

static uint8_t *image_ptr(AcpiImage *img, uint64_t gpa)
{
    return img->buf + (gpa - ACPI_TABLES_BASE);
}

/* The standard description header (§5.2.6); the checksum is set last. */
static void acpi_fill_header(uint8_t *t, const char *sig, uint32_t len, uint8_t revision)
{
    memcpy(t, sig, 4);
    st32(t + 4, len);
    t[8] = revision;
    memcpy(t + 10, ACPI_OEM_ID, 6);
    memcpy(t + 16, ACPI_OEM_TABLE_ID, 8);
    st32(t + 24, 1);                    /* OEM revision */
    memcpy(t + 28, ACPI_CREATOR_ID, 4);
    st32(t + 32, 1);                    /* creator revision */
}

/* Allocate a table of len bytes with its header filled; returns its guest address. */
static uint64_t acpi_new_table(AcpiImage *img, const char *sig, uint32_t len, uint8_t revision)
{
    uint64_t addr = image_alloc(img, len, 16);
    if (addr) {
        acpi_fill_header(image_ptr(img, addr), sig, len, revision);
    }
    return addr;
}

static void acpi_finish_table(AcpiImage *img, uint64_t addr)
{
    if (addr) {
        uint8_t *t = image_ptr(img, addr);
        uint32_t len = t[4] | t[5] << 8 | t[6] << 16 | (uint32_t)t[7] << 24;
        acpi_set_checksum(t, len, ACPI_CHECKSUM_OFFSET);
    }
}

/* ---- AML (§20.2) ---------------------------------------------------------------- */

enum {
    AML_ZERO_OP = 0x00, AML_ONE_OP = 0x01, AML_NAME_OP = 0x08, AML_BYTE_PREFIX = 0x0a,
    AML_WORD_PREFIX = 0x0b, AML_DWORD_PREFIX = 0x0c, AML_STRING_PREFIX = 0x0d,
    AML_QWORD_PREFIX = 0x0e, AML_SCOPE_OP = 0x10, AML_PACKAGE_OP = 0x12,
    AML_EXT_OP_PREFIX = 0x5b, AML_DEVICE_OP = 0x82, AML_ROOT_CHAR = 0x5c,
};

static void aml_byte(GByteArray *a, uint8_t b)
{
    g_byte_array_append(a, &b, 1);
}

static void aml_le(GByteArray *a, uint64_t v, unsigned bytes)
{
    for (unsigned i = 0; i < bytes; i++) {
        aml_byte(a, (uint8_t)(v >> (8 * i)));
    }
}

/* A NameSeg: exactly 4 characters, padded with '_' by the caller (§20.2.2). */
static void aml_name_seg(GByteArray *a, const char *seg)
{
    g_assert(strlen(seg) == 4);
    g_byte_array_append(a, (const guint8 *)seg, 4);
}

/* ComputationalData for an integer, in its shortest encoding (§20.2.3). */
static void aml_integer(GByteArray *a, uint64_t v)
{
    if (v == 0) {
        aml_byte(a, AML_ZERO_OP);
    } else if (v == 1) {
        aml_byte(a, AML_ONE_OP);
    } else if (v <= 0xff) {
        aml_byte(a, AML_BYTE_PREFIX);
        aml_le(a, v, 1);
    } else if (v <= 0xffff) {
        aml_byte(a, AML_WORD_PREFIX);
        aml_le(a, v, 2);
    } else if (v <= 0xffffffff) {
        aml_byte(a, AML_DWORD_PREFIX);
        aml_le(a, v, 4);
    } else {
        aml_byte(a, AML_QWORD_PREFIX);
        aml_le(a, v, 8);
    }
}

/*
 * PkgLength (§20.2.4) for a body of body_len bytes: the count includes the
 * PkgLength bytes themselves; one byte holds up to 63, else the lead byte
 * says how many bytes follow and carries the low nibble.
 */
static void aml_pkg_length(GByteArray *a, size_t body_len)
{
    for (unsigned extra = 0; extra <= 3; extra++) {
        size_t total = body_len + 1 + extra;
        size_t limit = extra == 0 ? 0x40 : (size_t)1 << (4 + 8 * extra);
        if (total < limit) {
            if (extra == 0) {
                aml_byte(a, (uint8_t)total);
                return;
            }
            aml_byte(a, (uint8_t)((extra << 6) | (total & 0x0f)));
            aml_le(a, total >> 4, extra);
            return;
        }
    }
    g_assert_not_reached();     /* 256 MiB of AML */
}

/* Append `opcode PkgLength body` and free body. */
static void aml_append_package(GByteArray *a, const uint8_t *opcode, size_t oplen,
                               GByteArray *body)
{
    g_byte_array_append(a, opcode, oplen);
    aml_pkg_length(a, body->len);
    g_byte_array_append(a, body->data, body->len);
    g_byte_array_free(body, TRUE);
}

/* Name(seg, integer) */
static void aml_name_integer(GByteArray *a, const char *seg, uint64_t v)
{
    aml_byte(a, AML_NAME_OP);
    aml_name_seg(a, seg);
    aml_integer(a, v);
}

/* Name(seg, "string") */
static void aml_name_string(GByteArray *a, const char *seg, const char *s)
{
    aml_byte(a, AML_NAME_OP);
    aml_name_seg(a, seg);
    aml_byte(a, AML_STRING_PREFIX);
    g_byte_array_append(a, (const guint8 *)s, strlen(s) + 1);
}

/*
 * Name(seg, Package() { typ, typ, 0, 0 }): a sleeping-state object (§7.4.2):
 * SLP_TYP for PM1a_CNT, for PM1b_CNT, and two reserved entries.
 */
static void aml_sleep_state(GByteArray *a, const char *seg, unsigned slp_typ)
{
    static const uint8_t package_op = AML_PACKAGE_OP;
    GByteArray *body = g_byte_array_new();
    aml_byte(body, 4);                  /* NumElements */
    aml_integer(body, slp_typ);
    aml_integer(body, slp_typ);
    aml_integer(body, 0);
    aml_integer(body, 0);
    aml_byte(a, AML_NAME_OP);
    aml_name_seg(a, seg);
    aml_append_package(a, &package_op, 1, body);
}

/* Device(Cxxx) { Name(_HID, "ACPI0007") Name(_UID, uid) } (§8.4: processor device) */
static void aml_processor_device(GByteArray *a, unsigned uid)
{
    static const uint8_t device_op[] = { AML_EXT_OP_PREFIX, AML_DEVICE_OP };
    char seg[8];
    snprintf(seg, sizeof(seg), "C%03X", uid);
    GByteArray *body = g_byte_array_new();
    aml_name_seg(body, seg);
    aml_name_string(body, "_HID", "ACPI0007");
    aml_name_integer(body, "_UID", uid);
    aml_append_package(a, device_op, sizeof(device_op), body);
}

/* The DSDT's AML: the sleeping states and, in \_SB, one device per CPU. */
static GByteArray *aml_dsdt_body(int nr_cpus)
{
    static const uint8_t scope_op = AML_SCOPE_OP;
    GByteArray *a = g_byte_array_new();
    aml_sleep_state(a, "_S0_", ACPI_SLP_TYP_S0);
    aml_sleep_state(a, "_S5_", ACPI_SLP_TYP_S5);

    GByteArray *sb = g_byte_array_new();
    aml_byte(sb, AML_ROOT_CHAR);
    aml_name_seg(sb, "_SB_");
    for (int i = 0; i < nr_cpus; i++) {
        aml_processor_device(sb, i);
    }
    aml_append_package(a, &scope_op, 1, sb);
    return a;
}

/* ---- the tables ------------------------------------------------------------------ */

/* FACS (§5.2.10): no checksum; the OS keeps its waking vector and global lock here. */
static uint64_t build_facs(AcpiImage *img)
{
    enum { FACS_LEN = 64 };
    uint64_t addr = image_alloc(img, FACS_LEN, 64);
    if (addr) {
        uint8_t *t = image_ptr(img, addr);
        memcpy(t, "FACS", 4);
        st32(t + 4, FACS_LEN);
        t[32] = 2;                      /* version, ACPI 6.0 */
    }
    return addr;
}

static uint64_t build_dsdt(AcpiImage *img, int nr_cpus)
{
    GByteArray *aml = aml_dsdt_body(nr_cpus);
    uint32_t len = ACPI_TABLE_HEADER_LEN + aml->len;
    uint64_t addr = acpi_new_table(img, "DSDT", len, 2);   /* 2: 64-bit AML integers */
    if (addr) {
        memcpy(image_ptr(img, addr) + ACPI_TABLE_HEADER_LEN, aml->data, aml->len);
        acpi_finish_table(img, addr);
    }
    g_byte_array_free(aml, TRUE);
    return addr;
}

/* Generic Address Structure (§5.2.3.2). */
enum { GAS_SYSTEM_IO = 1 };
enum { GAS_ACCESS_BYTE = 1, GAS_ACCESS_WORD = 2, GAS_ACCESS_DWORD = 3 };

static void fill_gas(uint8_t *p, uint8_t space, uint8_t bit_width, uint8_t access_size,
                     uint64_t address)
{
    p[0] = space;
    p[1] = bit_width;
    p[2] = 0;                           /* bit offset */
    p[3] = access_size;
    st64(p + 4, address);
}

/* FADT field offsets (§5.2.9, table 5-34). */
enum {
    FADT_FIRMWARE_CTRL = 36, FADT_DSDT = 40, FADT_SCI_INT = 46, FADT_PM1A_EVT_BLK = 56,
    FADT_PM1A_CNT_BLK = 64, FADT_PM_TMR_BLK = 76, FADT_PM1_EVT_LEN = 88, FADT_PM1_CNT_LEN = 89,
    FADT_PM_TMR_LEN = 91, FADT_P_LVL2_LAT = 96, FADT_P_LVL3_LAT = 98, FADT_CENTURY = 108,
    FADT_IAPC_BOOT_ARCH = 109, FADT_FLAGS = 112, FADT_RESET_REG = 116, FADT_RESET_VALUE = 128,
    FADT_MINOR_VERSION = 131, FADT_X_FIRMWARE_CTRL = 132, FADT_X_DSDT = 140,
    FADT_X_PM1A_EVT_BLK = 148, FADT_X_PM1A_CNT_BLK = 172, FADT_X_PM_TMR_BLK = 208,
    FADT_LEN = 276,
};

/* FADT Flags (table 5-35). */
enum {
    FADT_F_WBINVD = 1u << 0, FADT_F_PROC_C1 = 1u << 2, FADT_F_SLP_BUTTON = 1u << 5,
    FADT_F_FIX_RTC = 1u << 6, FADT_F_TMR_VAL_EXT = 1u << 8, FADT_F_RESET_REG_SUP = 1u << 10,
    FADT_F_USE_PLATFORM_CLOCK = 1u << 15, FADT_F_FORCE_APIC_PHYSICAL_DEST = 1u << 19,
};

/* IA-PC boot architecture flags (table 5-36). */
enum { IAPC_LEGACY_DEVICES = 1u << 0, IAPC_8042 = 1u << 1 };

#define RTC_CENTURY_INDEX 0x32      /* hw/mc146818.c keeps the century there */
#define C2_NOT_SUPPORTED  101       /* P_LVL2_LAT > 100 */
#define C3_NOT_SUPPORTED  1001      /* P_LVL3_LAT > 1000 */

/*
 * No SMI_CMD (the platform is always in ACPI mode), no GPE blocks, no PM1b
 * or PM2 blocks.  The power button is a fixed feature (PWR_BUTTON clear);
 * there is no sleep button and no RTC wake status.  The 32-bit and X_ fields
 * carry the same addresses, which ACPICA checks.
 */
static uint64_t build_fadt(AcpiImage *img, uint64_t facs, uint64_t dsdt, int nr_cpus)
{
    uint64_t addr = acpi_new_table(img, "FACP", FADT_LEN, 6);
    if (!addr) {
        return 0;
    }
    uint8_t *t = image_ptr(img, addr);
    uint32_t flags = FADT_F_WBINVD | FADT_F_PROC_C1 | FADT_F_SLP_BUTTON | FADT_F_FIX_RTC |
                     FADT_F_TMR_VAL_EXT | FADT_F_RESET_REG_SUP | FADT_F_USE_PLATFORM_CLOCK;
    if (nr_cpus > 8) {
        flags |= FADT_F_FORCE_APIC_PHYSICAL_DEST;   /* flat logical mode reaches 8 CPUs */
    }

    st32(t + FADT_FIRMWARE_CTRL, (uint32_t)facs);
    st32(t + FADT_DSDT, (uint32_t)dsdt);
    st16(t + FADT_SCI_INT, ACPI_SCI_IRQ);
    st32(t + FADT_PM1A_EVT_BLK, ACPI_PM1_EVT_PORT);
    st32(t + FADT_PM1A_CNT_BLK, ACPI_PM1_CNT_PORT);
    st32(t + FADT_PM_TMR_BLK, ACPI_PM_TMR_PORT);
    t[FADT_PM1_EVT_LEN] = ACPI_PM1_EVT_LEN;
    t[FADT_PM1_CNT_LEN] = ACPI_PM1_CNT_LEN;
    t[FADT_PM_TMR_LEN] = ACPI_PM_TMR_LEN;
    st16(t + FADT_P_LVL2_LAT, C2_NOT_SUPPORTED);
    st16(t + FADT_P_LVL3_LAT, C3_NOT_SUPPORTED);
    t[FADT_CENTURY] = RTC_CENTURY_INDEX;
    st16(t + FADT_IAPC_BOOT_ARCH, IAPC_LEGACY_DEVICES | IAPC_8042);
    st32(t + FADT_FLAGS, flags);
    fill_gas(t + FADT_RESET_REG, GAS_SYSTEM_IO, 8, GAS_ACCESS_BYTE, ACPI_RESET_PORT);
    t[FADT_RESET_VALUE] = ACPI_RESET_VALUE;
    t[FADT_MINOR_VERSION] = 0;
    st64(t + FADT_X_FIRMWARE_CTRL, facs);
    st64(t + FADT_X_DSDT, dsdt);
    fill_gas(t + FADT_X_PM1A_EVT_BLK, GAS_SYSTEM_IO, ACPI_PM1_EVT_LEN * 8, GAS_ACCESS_WORD,
             ACPI_PM1_EVT_PORT);
    fill_gas(t + FADT_X_PM1A_CNT_BLK, GAS_SYSTEM_IO, ACPI_PM1_CNT_LEN * 8, GAS_ACCESS_WORD,
             ACPI_PM1_CNT_PORT);
    fill_gas(t + FADT_X_PM_TMR_BLK, GAS_SYSTEM_IO, ACPI_PM_TMR_LEN * 8, GAS_ACCESS_DWORD,
             ACPI_PM_TMR_PORT);
    acpi_finish_table(img, addr);
    return addr;
}

/* MADT structure types and flags (§5.2.12, tables 5-45 ff.). */
enum {
    MADT_LOCAL_APIC = 0, MADT_IO_APIC = 1, MADT_INT_SRC_OVERRIDE = 2, MADT_LOCAL_APIC_NMI = 4,
};
enum { MADT_PCAT_COMPAT = 1u << 0, MADT_LAPIC_ENABLED = 1u << 0 };
/* MPS INTI flags (table 5-50): polarity bits 1:0, trigger mode bits 3:2. */
enum { MPS_CONFORMING = 0, MPS_ACTIVE_HIGH = 1, MPS_LEVEL = 3 << 2 };
#define MADT_ALL_PROCESSORS 0xff
#define MADT_HEADER_LEN 44

static uint8_t *madt_put(uint8_t **p, uint8_t type, uint8_t len)
{
    uint8_t *e = *p;
    e[0] = type;
    e[1] = len;
    *p += len;
    return e;
}

static void madt_put_override(uint8_t **p, uint8_t isa_irq, uint32_t gsi, uint16_t flags)
{
    uint8_t *e = madt_put(p, MADT_INT_SRC_OVERRIDE, 10);
    e[2] = 0;                           /* bus: ISA */
    e[3] = isa_irq;
    st32(e + 4, gsi);
    st16(e + 8, flags);
}

static uint64_t build_madt(AcpiImage *img, int nr_cpus)
{
    uint32_t len = MADT_HEADER_LEN + 8 * nr_cpus + 12 + 2 * 10 + 6;
    uint64_t addr = acpi_new_table(img, "APIC", len, 4);
    if (!addr) {
        return 0;
    }
    uint8_t *t = image_ptr(img, addr);
    st32(t + 36, ACPI_LAPIC_ADDR);
    st32(t + 40, MADT_PCAT_COMPAT);     /* the i8259 pair is present */
    uint8_t *p = t + MADT_HEADER_LEN;

    for (int i = 0; i < nr_cpus; i++) {     /* §5.2.12.2: processor UID i, APIC id i */
        uint8_t *e = madt_put(&p, MADT_LOCAL_APIC, 8);
        e[2] = (uint8_t)i;
        e[3] = (uint8_t)i;
        st32(e + 4, MADT_LAPIC_ENABLED);
    }
    uint8_t *io = madt_put(&p, MADT_IO_APIC, 12);   /* §5.2.12.3 */
    io[2] = 0;                          /* IOAPIC id: the chip's reset value */
    io[3] = 0;
    st32(io + 4, ACPI_IOAPIC_ADDR);
    st32(io + 8, 0);                    /* GSI base: pins 0-23 are GSIs 0-23 */
    /* §5.2.12.5: the PIT's IRQ 0 arrives at pin 2; the SCI is level, active high. */
    madt_put_override(&p, 0, 2, MPS_CONFORMING);
    madt_put_override(&p, ACPI_SCI_IRQ, ACPI_SCI_IRQ, MPS_ACTIVE_HIGH | MPS_LEVEL);
    uint8_t *nmi = madt_put(&p, MADT_LOCAL_APIC_NMI, 6);   /* §5.2.12.7: LINT1 is NMI */
    nmi[2] = MADT_ALL_PROCESSORS;
    st16(nmi + 3, MPS_CONFORMING);
    nmi[5] = 1;
    g_assert(p == t + len);
    acpi_finish_table(img, addr);
    return addr;
}

/* XSDT (§5.2.8, 64-bit entries) or RSDT (§5.2.7, 32-bit entries). */
static uint64_t build_sdt(AcpiImage *img, const char *sig, unsigned entry_size,
                          const uint64_t *tables, int nr_tables)
{
    uint64_t addr = acpi_new_table(img, sig, ACPI_TABLE_HEADER_LEN + entry_size * nr_tables, 1);
    if (!addr) {
        return 0;
    }
    uint8_t *t = image_ptr(img, addr);
    for (int i = 0; i < nr_tables; i++) {
        uint8_t *e = t + ACPI_TABLE_HEADER_LEN + i * entry_size;
        if (entry_size == 8) {
            st64(e, tables[i]);
        } else {
            st32(e, (uint32_t)tables[i]);
        }
    }
    acpi_finish_table(img, addr);
    return addr;
}

/* RSDP (§5.2.5.3): the first 20 bytes have their own checksum, all 36 the extended one. */
static void fill_rsdp(uint8_t *p, uint64_t rsdt, uint64_t xsdt)
{
    enum { RSDP_V1_LEN = 20, RSDP_LEN = 36 };
    memcpy(p, "RSD PTR ", 8);
    memcpy(p + 9, ACPI_OEM_ID, 6);
    p[15] = 2;                          /* revision: ACPI 2.0 and later */
    st32(p + 16, (uint32_t)rsdt);
    st32(p + 20, RSDP_LEN);
    st64(p + 24, xsdt);
    acpi_set_checksum(p, RSDP_V1_LEN, 8);
    acpi_set_checksum(p, RSDP_LEN, 32);
}

/* Lay out every table in img; returns the RSDP's address, 0 if they do not fit. */
static uint64_t acpi_build_image(AcpiImage *img, int nr_cpus)
{
    uint64_t rsdp = image_alloc(img, 36, 16);
    uint64_t facs = build_facs(img);
    uint64_t dsdt = build_dsdt(img, nr_cpus);
    uint64_t fadt = build_fadt(img, facs, dsdt, nr_cpus);
    uint64_t madt = build_madt(img, nr_cpus);
    uint64_t tables[] = { fadt, madt };
    uint64_t xsdt = build_sdt(img, "XSDT", 8, tables, 2);
    uint64_t rsdt = build_sdt(img, "RSDT", 4, tables, 2);
    if (img->full) {
        return 0;
    }
    fill_rsdp(image_ptr(img, rsdp), rsdt, xsdt);
    return rsdp;
}

int acpi_build(Machine *m, int nr_cpus, uint64_t *rsdp_addr, char *err, size_t errlen)
{
    if (nr_cpus < 1 || nr_cpus > ACPI_MAX_CPUS) {
        snprintf(err, errlen, "ACPI: %d CPUs do not fit the MADT's xAPIC entries (1 to %d)",
                 nr_cpus, ACPI_MAX_CPUS);
        return -1;
    }
    uint8_t *dest = address_space_ram_ptr(&m->mem, ACPI_TABLES_BASE, ACPI_TABLES_SIZE);
    if (!dest) {
        snprintf(err, errlen, "ACPI tables at [0x%llx, 0x%llx) are not in guest RAM",
                 (unsigned long long)ACPI_TABLES_BASE,
                 (unsigned long long)(ACPI_TABLES_BASE + ACPI_TABLES_SIZE));
        return -1;
    }
    AcpiImage *img = g_new0(AcpiImage, 1);
    uint64_t rsdp = acpi_build_image(img, nr_cpus);
    if (rsdp) {
        memcpy(dest, img->buf, sizeof(img->buf));
        *rsdp_addr = rsdp;
    } else {
        snprintf(err, errlen, "ACPI tables for %d CPUs do not fit in %llu KiB", nr_cpus,
                 (unsigned long long)(ACPI_TABLES_SIZE >> 10));
    }
    g_free(img);
    return rsdp ? 0 : -1;
}
