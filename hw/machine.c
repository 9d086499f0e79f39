/* The Machine's life: the device lock, exit and reset requests, running the vCPUs. */
#include "hw/machine.h"

#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "hw/acpi.h"
#include "hw/apic.h"
#include "hw/loader.h"
#include "ui/log.h"

static pthread_mutex_t device_lock = PTHREAD_MUTEX_INITIALIZER;

void machine_lock(void)
{
    pthread_mutex_lock(&device_lock);
}

void machine_unlock(void)
{
    pthread_mutex_unlock(&device_lock);
}

static void machine_kick_all(Machine *m)
{
    for (int i = 0; i < m->nr_vcpus; i++) {
        if (m->vcpus[i].thread) {
            vcpu_kick(&m->vcpus[i]);
        }
    }
}

void machine_request_exit(Machine *m, int status)
{
    pthread_mutex_lock(&m->run_lock);
    if (!atomic_load(&m->stop_requested)) {
        m->exit_status = status;   /* the first request decides the status */
        atomic_store(&m->stop_requested, true);
    }
    pthread_cond_broadcast(&m->run_cond);
    pthread_mutex_unlock(&m->run_lock);
    machine_kick_all(m);
    g_main_context_wakeup(NULL);
}

void machine_request_reset(Machine *m)
{
    if (m->opts->no_reboot) {
        machine_request_exit(m, 0);
        return;
    }
    atomic_store(&m->reset_requested, true);
    machine_kick_all(m);
}

void machine_add_reset_hook(Machine *m, void (*reset)(void *opaque), void *opaque)
{
    g_assert(m->nr_resets < (int)G_N_ELEMENTS(m->resets));
    m->resets[m->nr_resets++] = (MachineResetHook){ reset, opaque };
}

void machine_add_e820(Machine *m, uint64_t addr, uint64_t size, uint32_t type)
{
    g_assert(m->nr_e820 < E820_MAX);
    m->e820[m->nr_e820++] = (E820Entry){ addr, size, type };
}

/*
 * What firmware leaves in the boot vCPU besides the loader's entry state:
 * the BSP flag (SDM vol. 3A 8.4.1) and the MTRRs on with write-back as the
 * default type (SDM vol. 3A 11.11.2.1; Firecracker does the same).
 */
static void machine_finish_boot_state(X86State *boot)
{
    boot->msr.apic_base |= APIC_BASE_BSP;
    boot->msr.mtrr.def_type = 0x806;
}

/*
 * RAM as a firmware would leave it: the kernel, then the ACPI tables in the
 * BIOS area for the guest's scan of 0xe0000-0xfffff (hw/acpi.h).  The
 * loaders never write there, and RAM has just been cleared, so the tables
 * are built again every time.
 */
static int machine_install_guest(Machine *m, char *err, size_t errlen)
{
    X86State *boot = &m->vcpus[0].boot_state;
    uint64_t rsdp;
    if (loader_install(m->loader, &m->mem, m->e820, m->nr_e820, boot, err, errlen) != 0) {
        return -1;
    }
    machine_finish_boot_state(boot);
    return acpi_build(m, m->nr_vcpus, &rsdp, err, errlen);
}

int machine_reset(Machine *m, char *err, size_t errlen)
{
    /* No firmware: RAM comes back as it was at power-on and the kernel is loaded again. */
    machine_lock();
    for (int i = 0; i < m->nr_resets; i++) {
        m->resets[i].reset(m->resets[i].opaque);
    }
    ram_block_discard(&m->ram);
    int r = machine_install_guest(m, err, errlen);
    machine_unlock();
    return r;
}

int machine_run(Machine *m)
{
    char err[256];
    if (accel_start_vcpus(m, err, sizeof(err)) != 0) {
        error_report("%s", err);
        return 1;
    }
    /* The I/O thread: serve stdin, timers and sockets until every vCPU stops. */
    while (accel_running_vcpus(m) > 0) {
        g_main_context_iteration(NULL, TRUE);
    }
    accel_join_vcpus(m);
    return m->exit_status;
}
