/* The PC machine: memory map, e820, the ISA devices, ACPI power management, fw_cfg, vCPUs, the kernel. */
#include "hw/machine.h"

#include <assert.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/x86/cpuid.h"
#include "hw/acpi_pm.h"
#include "hw/device.h"
#include "hw/fw_cfg.h"
#include "hw/i8042.h"
#include "hw/loader.h"
#include "hw/mc146818.h"
#include "hw/port92.h"
#include "hw/soft_irqchip.h"
#include "hw/uart16550.h"
#include "ui/chardev.h"
#include "ui/log.h"

/*
 * The guest-physical map, as on a PC without firmware:
 *   0           .. 0x9fc00      RAM (conventional memory)
 *   0x9fc00     .. 0xa0000      reserved (where a BIOS keeps its EBDA)
 *   0xa0000     .. 0xf0000      nothing (legacy VGA/ROM hole)
 *   0xf0000     .. 0x100000     reserved (BIOS area): the ACPI tables (hw/acpi.h),
 *                                rebuilt at every reset by machine_reset()
 *   0x100000    .. lowmem        RAM
 *   lowmem      .. 4 GiB         MMIO hole (PCI, LAPIC at 0xfee00000, IOAPIC at 0xfec00000)
 *   0xfeffc000  .. 0xff000000    reserved for KVM's identity-map page and TSS
 *   4 GiB       .. 4 GiB + rest  RAM above the hole
 * RAM is one block; the hole 0xa0000-0x100000 stays backed (no firmware
 * shadows it) but is not offered to the guest in e820.
 */
#define PC_GUEST_PHYS_BITS 52
#define PC_KVM_RESERVED_BASE 0xfeffc000ull
#define PC_KVM_RESERVED_SIZE 0x4000ull
#define PC_EBDA_BASE 0x9fc00ull

struct PcDevices {
    CharBackend *serial_backend;
    Uart16550 *com1;
    I8042 *i8042;
    Port92 *port92;
    Mc146818 *rtc;
    AcpiPm *acpi_pm;
    FwCfg *fw_cfg;
};

static void pc_irq_set(void *opaque, int gsi, int level)
{
    Machine *m = opaque;
    m->accel->set_irq(m, gsi, level);
}

static int pc_init_memory(Machine *m, char *err, size_t errlen)
{
    uint64_t ram = m->opts->ram_size;
    if (ram_block_alloc(&m->ram, ram, err, errlen) != 0) {
        return -1;
    }
    m->ram_below_4g = ram < PC_LOWMEM_LIMIT ? ram : PC_LOWMEM_LIMIT;
    m->ram_above_4g = ram - m->ram_below_4g;

    address_space_init(&m->mem, "memory", 1ull << PC_GUEST_PHYS_BITS);
    address_space_init(&m->io, "ioport", 0x10000);
    int r = address_space_add_ram(&m->mem, "ram-below-4g", 0, m->ram_below_4g, m->ram.host);
    if (r == 0 && m->ram_above_4g) {
        r = address_space_add_ram(&m->mem, "ram-above-4g", PC_HIGHMEM_BASE, m->ram_above_4g,
                                  m->ram.host + m->ram_below_4g);
    }
    assert(r == 0);
    (void)r;

    machine_add_e820(m, 0, PC_EBDA_BASE, E820_RAM);
    machine_add_e820(m, PC_EBDA_BASE, 0xa0000 - PC_EBDA_BASE, E820_RESERVED);
    machine_add_e820(m, 0xf0000, 0x10000, E820_RESERVED);
    if (m->ram_below_4g > 0x100000) {
        machine_add_e820(m, 0x100000, m->ram_below_4g - 0x100000, E820_RAM);
    }
    machine_add_e820(m, PC_KVM_RESERVED_BASE, PC_KVM_RESERVED_SIZE, E820_RESERVED);
    if (m->ram_above_4g) {
        machine_add_e820(m, PC_HIGHMEM_BASE, m->ram_above_4g, E820_RAM);
    }
    return 0;
}

/* Port 0x80: the POST code port, which Linux also writes for I/O delays. */
static uint64_t post_port_read(void *opaque, uint64_t off, unsigned size) { return 0xff; }
static void post_port_write(void *opaque, uint64_t off, uint64_t v, unsigned size) {}
static const MemoryRegionOps post_port_ops = {
    .read = post_port_read, .write = post_port_write, .valid_min = 1, .valid_max = 4,
};

static void pc_quit_from_console(void *opaque)
{
    machine_request_exit(opaque, 0);
}

static void pc_request_reset(void *opaque)
{
    machine_request_reset(opaque);
}

static const char *pc_serial_spec(const Options *o)
{
    if (o->serial) {
        /* "mon:stdio" multiplexes the monitor in QEMU; COM1 gets stdio either way. */
        return strncmp(o->serial, "mon:", 4) == 0 ? o->serial + 4 : o->serial;
    }
    return o->nodefaults ? "none" : "stdio";
}

static void pc_reset_uart(void *d) { uart16550_reset(d); }
static void pc_reset_i8042(void *d) { i8042_reset(d); }
static void pc_reset_port92(void *d) { port92_reset(d); }
static void pc_reset_rtc(void *d) { mc146818_reset(d); }
static void pc_reset_acpi_pm(void *d) { acpi_pm_reset(d); }
static void pc_reset_fw_cfg(void *d) { fw_cfg_reset(d); }

/* ACPI 6.0 §7.4.2: the guest entered S5 (soft off), e.g. Linux's `poweroff`. */
static void pc_acpi_poweroff(void *opaque)
{
    machine_request_exit(opaque, 0);
}

/*
 * The fixed ACPI hardware at the ports the FADT names (hw/acpi_pm.h), its SCI
 * on ISA IRQ 9: level-triggered, active high, as the MADT's interrupt source
 * override says.  Under the software irqchip the line reaches PIC input 9
 * (which the guest switches to level in the ELCR) and IOAPIC pin 9; under
 * kvm the in-kernel chips' GSI 9 routes (accel/kvm.c).
 */
static void pc_init_acpi_pm(Machine *m, struct PcDevices *d)
{
    const AcpiPmHooks hooks = { .poweroff = pc_acpi_poweroff, .reset = pc_request_reset,
                                .opaque = m };
    d->acpi_pm = acpi_pm_new(&m->io, m->gsi[ACPI_SCI_IRQ], &hooks);
    machine_add_reset_hook(m, pc_reset_acpi_pm, d->acpi_pm);
}

/* fw_cfg at 0x510/0x511 and its DMA at 0x514; the kernel items follow once it is loaded. */
static void pc_init_fw_cfg(Machine *m, struct PcDevices *d)
{
    d->fw_cfg = fw_cfg_new(&m->io, &m->mem);
    fw_cfg_add_pc_items(d->fw_cfg, m);
    machine_add_reset_hook(m, pc_reset_fw_cfg, d->fw_cfg);
}

static int pc_init_devices(Machine *m, char *err, size_t errlen)
{
    struct PcDevices *d = calloc(1, sizeof(*d));
    m->devices = d;
    for (int i = 0; i < PC_NR_GSIS; i++) {
        m->gsi[i] = (IrqLine){ pc_irq_set, m, i };
    }
    int r = address_space_add_io(&m->io, "post", 0x80, 1, &post_port_ops, NULL);
    assert(r == 0);
    (void)r;

    const char *spec = pc_serial_spec(m->opts);
    if (strcmp(spec, "none") != 0 && strcmp(spec, "null") != 0) {
        d->serial_backend = chardev_new(spec, pc_quit_from_console, m, err, errlen);
        if (!d->serial_backend) {
            return -1;
        }
    }
    d->com1 = uart16550_new(&m->io, 0x3f8, m->gsi[4], d->serial_backend);
    machine_add_reset_hook(m, pc_reset_uart, d->com1);
    d->i8042 = i8042_new(&m->io, m->gsi[1], m->gsi[12], pc_request_reset, m);
    machine_add_reset_hook(m, pc_reset_i8042, d->i8042);
    d->port92 = port92_new(&m->io, pc_request_reset, m);
    machine_add_reset_hook(m, pc_reset_port92, d->port92);
    d->rtc = mc146818_new(&m->io, m->gsi[8], m->ram_below_4g, m->ram_above_4g, m->opts->smp);
    machine_add_reset_hook(m, pc_reset_rtc, d->rtc);
    pc_init_acpi_pm(m, d);
    pc_init_fw_cfg(m, d);

    if (!m->accel->kernel_irqchip) {
        m->irqchip = soft_irqchip_new(m);
    }
    for (int i = 0; i < m->opts->nr_devices; i++) {
        if (device_create(m, &m->opts->devices[i], err, errlen) != 0) {
            return -1;
        }
    }
    return 0;
}

static void pc_init_vcpu_states(Machine *m)
{
    for (int i = 0; i < m->nr_vcpus; i++) {
        VCPU *v = &m->vcpus[i];
        v->machine = m;
        v->index = i;
        x86_state_reset(&v->boot_state);
        /* What firmware leaves for a direct kernel boot: MTRRs on, default write-back
         * (SDM vol. 3A 11.11.2.1; Firecracker does the same). */
        v->boot_state.msr.mtrr.def_type = 0x806;
        /* Application processors wait for INIT/SIPI (SDM vol. 3A 8.4). */
        if (i > 0) {
            v->boot_state.run_state = X86_WAIT_FOR_SIPI;
            v->boot_state.msr.apic_base &= ~(1ull << 8);
        } else {
            v->boot_state.msr.apic_base |= 1ull << 8;   /* BSP flag */
        }
    }
}

static int pc_check_cpu_model(const Machine *m, char *err, size_t errlen)
{
    X86CpuModel model;
    if (x86_cpu_model_parse(m->opts->cpu_model, &model, err, errlen) != 0) {
        return -1;
    }
    if (x86_cpu_model_is_host(&model) && strcmp(m->accel->name, "kvm") != 0) {
        snprintf(err, errlen, "CPU model 'host' requires KVM");
        return -1;
    }
    return 0;
}

/* The setup header of a bzImage as the loader completed it in the zero page (boot.rst). */
static void pc_patched_setup(uint8_t *setup, size_t setup_size, const uint8_t *zp)
{
    size_t hdr_end = HDR_JUMP + 2 + zp[HDR_JUMP + 1];
    if (hdr_end > HDR_MAX_END) {
        hdr_end = HDR_MAX_END;
    }
    if (hdr_end <= setup_size) {
        memcpy(setup + HDR_START, zp + HDR_START, hdr_end - HDR_START);
    }
}

/*
 * fw_cfg's kernel items, QEMU's -kernel interface for firmware: the kernel
 * file (a bzImage split into its setup sectors, header as the loader patched
 * it, and the protected-mode part), the initrd and the command line, with the
 * addresses the loader chose.  Read back from the zero page in guest RAM for
 * the Linux formats; a multiboot kernel gets the file and command line only.
 * Called once, after the first install.  0, or -1 with err.
 */
static int pc_fw_cfg_add_kernel(Machine *m, char *err, size_t errlen)
{
    LoaderFile file;
    if (loader_file_read(&file, "kernel", m->opts->kernel, m->ram_below_4g + m->ram_above_4g,
                         err, errlen) < 0) {
        return -1;
    }
    FwCfgKernel k = { .kernel = file.data, .kernel_size = file.size, .cmdline = m->opts->append };
    const uint8_t *zp = address_space_ram_ptr(&m->mem, LINUX_ZERO_PAGE_ADDR, ZP_SIZE);
    uint8_t *setup = NULL;
    if (zp && memcmp(zp + HDR_MAGIC, "HdrS", 4) == 0) {
        k.setup_addr = (uint32_t)LINUX_ZERO_PAGE_ADDR;
        k.kernel_addr = loader_le32(zp + HDR_CODE32_START);
        k.cmdline_addr = loader_le32(zp + HDR_CMD_LINE_PTR);
        k.initrd_addr = loader_le32(zp + HDR_RAMDISK_IMAGE);
        k.initrd_size = loader_le32(zp + HDR_RAMDISK_SIZE);
        k.initrd = k.initrd_size ? address_space_ram_ptr(&m->mem, k.initrd_addr, k.initrd_size)
                                 : NULL;
        if (linux_probe(&file)) {
            unsigned sects = file.data[HDR_SETUP_SECTS] ? file.data[HDR_SETUP_SECTS] : 4;
            size_t setup_size = (sects + 1) * 512ull;
            if (setup_size < file.size) {
                setup = g_memdup2(file.data, setup_size);
                pc_patched_setup(setup, setup_size, zp);
                k.setup = setup;
                k.setup_size = setup_size;
                k.kernel = file.data + setup_size;
                k.kernel_size = file.size - setup_size;
            }
        }
    }
    fw_cfg_add_kernel(m->devices->fw_cfg, &k);
    g_free(setup);
    loader_file_free(&file);
    return 0;
}

Machine *machine_new(const Options *opts, char *err, size_t errlen)
{
    Machine *m = calloc(1, sizeof(*m));
    m->opts = opts;
    pthread_mutex_init(&m->run_lock, NULL);
    pthread_cond_init(&m->run_cond, NULL);

    if (!opts->kernel) {
        snprintf(err, errlen, "no kernel given (use -kernel FILE; see -h)");
        goto fail;
    }
    m->accel = accel_select(opts->accel ? opts->accel : accel_default_list(), err, errlen);
    if (!m->accel || pc_check_cpu_model(m, err, errlen) != 0) {
        goto fail;
    }
    if (pc_init_memory(m, err, errlen) != 0) {
        goto fail;
    }
    /* Read the images before anything heavier, so a bad file fails fast. */
    m->loader = loader_open(opts, m->ram_below_4g, m->ram_above_4g, err, errlen);
    if (!m->loader) {
        goto fail;
    }
    m->nr_vcpus = opts->smp;
    m->vcpus = calloc(m->nr_vcpus, sizeof(VCPU));
    pc_init_vcpu_states(m);
    if (pc_init_devices(m, err, errlen) != 0) {
        goto fail;
    }
    if (m->accel->init(m, err, errlen) != 0) {
        goto fail;
    }
    m->accel_ready = true;
    /* Power-on is the first reset: kernel and ACPI tables into RAM (hw/machine.c). */
    if (machine_reset(m, err, errlen) != 0 || pc_fw_cfg_add_kernel(m, err, errlen) != 0) {
        goto fail;
    }
    return m;

fail:
    machine_free(m);
    return NULL;
}

static void pc_free_devices(Machine *m)
{
    struct PcDevices *d = m->devices;
    if (!d) {
        return;
    }
    fw_cfg_free(d->fw_cfg);
    acpi_pm_free(d->acpi_pm);
    if (d->rtc) mc146818_free(d->rtc);
    if (d->port92) port92_free(d->port92);
    if (d->i8042) i8042_free(d->i8042);
    if (d->com1) uart16550_free(d->com1);
    if (d->serial_backend) chardev_free(d->serial_backend);
    free(d);
    m->devices = NULL;
}

void machine_free(Machine *m)
{
    if (m->accel_ready) {
        m->accel->destroy(m);
    }
    pc_free_devices(m);
    soft_irqchip_free(m->irqchip);
    device_free_all(m);
    if (m->loader) {
        loader_free(m->loader);
    }
    free(m->vcpus);
    address_space_destroy(&m->io);
    address_space_destroy(&m->mem);
    ram_block_free(&m->ram);
    free(m);
}
