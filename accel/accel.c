/* The backend registry, the vCPU threads and the run loop shared by every backend. */
#define _GNU_SOURCE   /* pthread_setname_np */
#include "accel/accel.h"

#include <errno.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config-host.h"
#include "hw/machine.h"
#include "ui/log.h"

#include "accel/interp.h"
#ifdef CONFIG_KVM
#include "accel/kvm.h"
#endif

/*
 * Every backend tandem knows by name.  A backend that this build does not
 * contain is listed with the reason, so `-accel tcg` says why it cannot run
 * instead of "unknown".
 */
typedef struct AccelEntry {
    const char *name;
    const AccelOps *ops;
    const char *missing;     /* why ops is NULL */
} AccelEntry;

static const AccelEntry accel_table[] = {
#ifdef CONFIG_KVM
    { "kvm", &accel_kvm, NULL },
#else
    { "kvm", NULL, "not in this build (./configure --disable-kvm)" },
#endif
    { "tcg", NULL, "not built yet (the binary translator is a later milestone)" },
    { "interp", &accel_interp, NULL },
};
#define NR_ACCELS (sizeof(accel_table) / sizeof(accel_table[0]))

static const AccelEntry *accel_entry(const char *name, size_t len)
{
    for (size_t i = 0; i < NR_ACCELS; i++) {
        if (strlen(accel_table[i].name) == len && strncmp(accel_table[i].name, name, len) == 0) {
            return &accel_table[i];
        }
    }
    return NULL;
}

const AccelOps *accel_find(const char *name)
{
    const AccelEntry *e = accel_entry(name, strlen(name));
    return e ? e->ops : NULL;
}

const char *accel_names(void)
{
    return "kvm, tcg, interp";
}

/* NULL when the backend can run here, else why not. */
static const char *accel_entry_unavailable(const AccelEntry *e)
{
    return e->ops ? e->ops->unavailable() : e->missing;
}

void accel_print_help(void)
{
    for (size_t i = 0; i < NR_ACCELS; i++) {
        const char *why = accel_entry_unavailable(&accel_table[i]);
        if (why) {
            printf("%s: unavailable: %s\n", accel_table[i].name, why);
        } else {
            printf("%s: available\n", accel_table[i].name);
        }
    }
}

const AccelOps *accel_select(const char *list, char *err, size_t errlen)
{
    const char *p = list;
    const char *first_reason = NULL;
    const AccelEntry *first = NULL;
    for (;;) {
        size_t n = strcspn(p, ":");
        const AccelEntry *e = accel_entry(p, n);
        if (!e) {
            snprintf(err, errlen, "-accel: unknown accelerator '%.*s' (known: %s)", (int)n, p,
                     accel_names());
            return NULL;
        }
        const char *why = accel_entry_unavailable(e);
        if (!why) {
            return e->ops;
        }
        if (!first) {
            first = e;
            first_reason = why;
        }
        if (p[n] == '\0') {
            break;
        }
        p += n + 1;
    }
    if (first == accel_entry(p, strlen(p)) || strchr(list, ':') == NULL) {
        snprintf(err, errlen, "accelerator %s is unavailable: %s", first->name, first_reason);
    } else {
        snprintf(err, errlen, "no accelerator of '%s' is available (%s: %s)", list, first->name,
                 first_reason);
    }
    return NULL;
}

/* True when /proc/cpuinfo's flags line shows hardware virtualization. */
static bool host_has_virt_extensions(void)
{
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[8192];
    bool found = false;
    if (!f) {
        return false;
    }
    while (!found && fgets(line, sizeof(line), f)) {
        if (strncmp(line, "flags", 5) != 0) {
            continue;
        }
        for (char *tok = strtok(line, " \t\n"); tok; tok = strtok(NULL, " \t\n")) {
            if (strcmp(tok, "vmx") == 0 || strcmp(tok, "svm") == 0) {
                found = true;
                break;
            }
        }
    }
    fclose(f);
    return found;
}

const char *accel_default_list(void)
{
    /*
     * Under nested virtualization without vmx/svm in the guest's cpuid, KVM
     * still opens but runs CPL0 code in its emulator, so it is no default.
     */
    return host_has_virt_extensions() ? "kvm:tcg:interp" : "tcg:interp";
}

/* ---- the run loop ---- */

void vcpu_kick(VCPU *v)
{
    pthread_mutex_lock(&v->kick_lock);
    v->kicked = true;
    pthread_cond_signal(&v->kick_cond);
    pthread_mutex_unlock(&v->kick_lock);
    v->machine->accel->kick(v);
}

/* VCPU_EXIT_HLT: sleep until kicked (an interrupt, a request). */
static void vcpu_wait_for_kick(VCPU *v)
{
    pthread_mutex_lock(&v->kick_lock);
    while (!v->kicked) {
        pthread_cond_wait(&v->kick_cond, &v->kick_lock);
    }
    v->kicked = false;
    pthread_mutex_unlock(&v->kick_lock);
}

static uint64_t load_le(const uint8_t *p, unsigned size)
{
    uint64_t v = 0;
    memcpy(&v, p, size);
    return v;
}

static void dispatch_io(Machine *m, VCPUExit *e)
{
    unsigned size = e->io.size;
    machine_lock();
    for (uint32_t i = 0; i < e->io.count; i++) {
        uint8_t *p = e->io.data + (size_t)i * size;
        if (e->io.is_write) {
            uint64_t v = load_le(p, size);
            log_mask(LOG_IOPORT, "out port 0x%04x size %u value 0x%llx\n", e->io.port, size,
                     (unsigned long long)v);
            address_space_write(&m->io, e->io.port, v, size);
        } else {
            uint64_t v = address_space_read(&m->io, e->io.port, size);
            log_mask(LOG_IOPORT, "in  port 0x%04x size %u value 0x%llx\n", e->io.port, size,
                     (unsigned long long)v);
            memcpy(p, &v, size);
        }
    }
    machine_unlock();
}

static void dispatch_mmio(Machine *m, VCPUExit *e)
{
    unsigned size = e->mmio.size;
    if (size < 1 || size > 8) {
        log_mask(LOG_GUEST_ERROR, "mmio: %u-byte access at 0x%llx ignored\n", size,
                 (unsigned long long)e->mmio.addr);
        if (!e->mmio.is_write) {
            memset(e->mmio.data, 0xff, 8);
        }
        return;
    }
    machine_lock();
    if (e->mmio.is_write) {
        address_space_write(&m->mem, e->mmio.addr, load_le(e->mmio.data, size), size);
    } else {
        uint64_t v = address_space_read(&m->mem, e->mmio.addr, size);
        memcpy(e->mmio.data, &v, size);
    }
    machine_unlock();
}

/*
 * Reset rendezvous: every vCPU thread stops here; the last to arrive resets
 * the machine while the others wait, then all reload their boot states.
 * None runs on until all have reloaded theirs: a vCPU that went ahead could
 * send an INIT or SIPI that another's reload would then wipe out (its AP
 * would never start).  reset_generation moves twice per reset: once when
 * the machine is reset, once when the last vCPU is reloaded.
 */
static bool vcpu_pause_for_reset(VCPU *v)
{
    Machine *m = v->machine;
    char err[256];
    bool ok = true;

    pthread_mutex_lock(&m->run_lock);
    unsigned gen = m->reset_generation;
    m->nr_paused++;
    if (m->nr_paused == m->nr_running) {
        /* Lock order is device lock, then run_lock: drop ours while resetting. */
        pthread_mutex_unlock(&m->run_lock);
        if (machine_reset(m, err, sizeof(err)) != 0) {
            error_report("reset failed: %s", err);
            machine_request_exit(m, 1);
        }
        pthread_mutex_lock(&m->run_lock);
        atomic_store(&m->reset_requested, false);
        m->reset_generation++;
        pthread_cond_broadcast(&m->run_cond);
    }
    while (gen == m->reset_generation && !atomic_load(&m->stop_requested)) {
        pthread_cond_wait(&m->run_cond, &m->run_lock);
    }
    ok = !atomic_load(&m->stop_requested);
    pthread_mutex_unlock(&m->run_lock);
    if (ok) {
        m->accel->reset_vcpu(v, &v->boot_state);
    }

    pthread_mutex_lock(&m->run_lock);
    m->nr_paused--;
    if (m->nr_paused == 0) {
        m->reset_generation++;
        pthread_cond_broadcast(&m->run_cond);
    }
    while (gen + 1 == m->reset_generation && !atomic_load(&m->stop_requested)) {
        pthread_cond_wait(&m->run_cond, &m->run_lock);
    }
    ok = !atomic_load(&m->stop_requested);
    pthread_mutex_unlock(&m->run_lock);
    return ok;
}

/* One exit; returns false when this vCPU's thread must stop. */
static bool vcpu_handle_exit(VCPU *v, VCPUExit *e)
{
    Machine *m = v->machine;
    switch (e->kind) {
    case VCPU_EXIT_IO:
        dispatch_io(m, e);
        return true;
    case VCPU_EXIT_MMIO:
        dispatch_mmio(m, e);
        return true;
    case VCPU_EXIT_HLT:
        vcpu_wait_for_kick(v);
        return true;
    case VCPU_EXIT_SHUTDOWN:
        log_mask(LOG_GUEST_ERROR, "vcpu%d: triple fault\n", v->index);
        machine_request_reset(m);
        return true;
    case VCPU_EXIT_NONE:
    case VCPU_EXIT_KICK:
    case VCPU_EXIT_DEBUG:
        return true;
    case VCPU_EXIT_ERROR:
        error_report("vcpu%d: %s", v->index, e->error);
        machine_request_exit(m, 1);
        return false;
    }
    return true;
}

static void vcpu_loop(VCPU *v)
{
    Machine *m = v->machine;
    VCPUExit exit;

    for (;;) {
        if (atomic_load(&m->stop_requested)) {
            return;
        }
        if (atomic_load(&m->reset_requested)) {
            if (!vcpu_pause_for_reset(v)) {
                return;
            }
            continue;
        }
        memset(&exit, 0, sizeof(exit));
        m->accel->run(v, &exit);
        if (!vcpu_handle_exit(v, &exit)) {
            return;
        }
    }
}

/* Thread start: create the vCPU, report to the starter, run. */
typedef struct VCPUStart {
    VCPU *vcpu;
    GMutex lock;
    GCond cond;
    int result;            /* 1 running, -1 failed, 0 not yet */
    char err[256];
} VCPUStart;

static void vcpu_thread_finished(Machine *m)
{
    pthread_mutex_lock(&m->run_lock);
    m->nr_running--;
    /* The others waiting for a reset would wait for this thread forever. */
    bool strand = m->nr_running > 0 && m->nr_paused == m->nr_running;
    pthread_mutex_unlock(&m->run_lock);
    if (strand) {
        machine_request_exit(m, 1);
    }
    g_main_context_wakeup(NULL);
}

static void *vcpu_thread(void *arg)
{
    VCPUStart *start = arg;
    VCPU *v = start->vcpu;
    Machine *m = v->machine;
    char name[16];
    char err[256] = "";

    snprintf(name, sizeof(name), "vcpu%d/%s", v->index, m->accel->name);
    pthread_setname_np(pthread_self(), name);

    int r = m->accel->vcpu_init(v, err, sizeof(err));
    if (r == 0) {
        m->accel->reset_vcpu(v, &v->boot_state);   /* before the starter goes on */
    }
    g_mutex_lock(&start->lock);
    start->result = r == 0 ? 1 : -1;
    snprintf(start->err, sizeof(start->err), "%s", err);
    g_cond_signal(&start->cond);
    g_mutex_unlock(&start->lock);
    /* `start` belongs to the starter from here on. */

    if (r == 0) {
        vcpu_loop(v);
    }
    vcpu_thread_finished(m);
    return NULL;
}

static int vcpu_start_one(VCPU *v, char *err, size_t errlen)
{
    VCPUStart start = { .vcpu = v };
    g_mutex_init(&start.lock);
    g_cond_init(&start.cond);
    pthread_mutex_init(&v->kick_lock, NULL);
    pthread_cond_init(&v->kick_cond, NULL);

    pthread_mutex_lock(&v->machine->run_lock);
    v->machine->nr_running++;
    pthread_mutex_unlock(&v->machine->run_lock);

    int e = pthread_create(&v->thread, NULL, vcpu_thread, &start);
    if (e != 0) {
        snprintf(err, errlen, "cannot start vCPU thread: %s", strerror(e));
        pthread_mutex_lock(&v->machine->run_lock);
        v->machine->nr_running--;
        pthread_mutex_unlock(&v->machine->run_lock);
        return -1;
    }
    g_mutex_lock(&start.lock);
    while (start.result == 0) {
        g_cond_wait(&start.cond, &start.lock);
    }
    g_mutex_unlock(&start.lock);
    g_mutex_clear(&start.lock);
    g_cond_clear(&start.cond);
    if (start.result < 0) {
        snprintf(err, errlen, "vcpu%d: %s", v->index, start.err);
        pthread_join(v->thread, NULL);
        v->thread = 0;
        return -1;
    }
    return 0;
}

/*
 * The application processors first, the boot vCPU last: each thread has
 * created its vCPU and loaded its boot state (an AP waits for SIPI) before
 * the next is started, so the BSP's INIT and SIPI find every AP ready.
 */
int accel_start_vcpus(Machine *m, char *err, size_t errlen)
{
    for (int i = m->nr_vcpus - 1; i >= 0; i--) {
        if (vcpu_start_one(&m->vcpus[i], err, errlen) != 0) {
            machine_request_exit(m, 1);
            accel_join_vcpus(m);
            return -1;
        }
    }
    return 0;
}

int accel_running_vcpus(Machine *m)
{
    pthread_mutex_lock(&m->run_lock);
    int n = m->nr_running;
    pthread_mutex_unlock(&m->run_lock);
    return n;
}

void accel_join_vcpus(Machine *m)
{
    for (int i = 0; i < m->nr_vcpus; i++) {
        VCPU *v = &m->vcpus[i];
        if (v->thread) {
            pthread_join(v->thread, NULL);
            v->thread = 0;
            m->accel->vcpu_destroy(v);
        }
    }
}
