/* The common CPU interface: what every backend (interp, tcg, kvm) provides. */
#ifndef ACCEL_ACCEL_H
#define ACCEL_ACCEL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "cpu/x86/state.h"

typedef struct Machine Machine;
typedef struct VCPU VCPU;

/*
 * Why run() returned.  interp and tcg dispatch port and MMIO accesses inline
 * through the soft MMU, so they only return the non-I/O kinds; kvm returns
 * VCPU_EXIT_IO/MMIO and the shared run loop (accel.c) dispatches them.
 */
typedef enum VCPUExitKind {
    VCPU_EXIT_NONE,
    VCPU_EXIT_IO,          /* port I/O: io.* */
    VCPU_EXIT_MMIO,        /* MMIO: mmio.* */
    VCPU_EXIT_HLT,         /* HLT with no interrupt pending (user-space irqchip) */
    VCPU_EXIT_SHUTDOWN,    /* triple fault */
    VCPU_EXIT_KICK,        /* kick() or a signal: look at the machine's requests */
    VCPU_EXIT_DEBUG,       /* breakpoint or single step for the gdbstub */
    VCPU_EXIT_ERROR,       /* the backend cannot go on: message in error[] */
} VCPUExitKind;

typedef struct VCPUExit {
    VCPUExitKind kind;
    union {
        struct {
            uint16_t port;
            uint8_t size;        /* 1, 2 or 4 */
            uint8_t is_write;
            uint32_t count;      /* string I/O repeats */
            uint8_t *data;       /* count * size bytes, backend-owned */
        } io;
        struct {
            uint64_t addr;
            uint8_t size;        /* 1..8 */
            uint8_t is_write;
            uint8_t *data;       /* backend-owned */
        } mmio;
    };
    char error[160];
} VCPUExit;

typedef struct AccelOps {
    const char *name;
    /* The backend has the PIC, IOAPIC, LAPICs and PIT itself (KVM_CREATE_IRQCHIP);
     * otherwise the machine builds them in software (hw/soft_irqchip.h). */
    bool kernel_irqchip;
    /*
     * NULL when the backend can run on this host; otherwise why not, in a
     * few words ("/dev/kvm: No such file or directory").  Called first.
     */
    const char *(*unavailable)(void);
    /* Create the VM and map the machine's RAM.  0, or -1 with err filled. */
    int (*init)(Machine *m, char *err, size_t errlen);
    /* Create vCPU v->index.  0, or -1 with err filled. */
    int (*vcpu_init)(VCPU *v, char *err, size_t errlen);
    /* Run on the vCPU's own thread until an exit the machine must see. */
    void (*run)(VCPU *v, VCPUExit *exit);
    void (*get_state)(VCPU *v, X86State *s);
    void (*set_state)(VCPU *v, const X86State *s);
    /*
     * RESET (power-on or machine reset) into state s: what set_state does,
     * plus the vCPU's state X86State does not hold goes to its RESET values
     * (the LAPIC, XSAVE components beyond x87/SSE/AVX, paravirtual MSRs).
     * vCPU thread.
     */
    void (*reset_vcpu)(VCPU *v, const X86State *s);
    /* Drive interrupt line `gsi` (ISA IRQs 0-15 are GSIs 0-15). Any thread. */
    void (*set_irq)(Machine *m, int gsi, int level);
    /* Make run() of v return soon with VCPU_EXIT_KICK. Any thread. */
    void (*kick)(VCPU *v);
    /* The guest-physical map changed (RAM added/removed, TLBs to flush). */
    void (*memory_changed)(Machine *m);
    /*
     * Optional: drop whatever the backend caches about guest-physical page
     * `gpa` (translations to it, code decoded from it), as pc-testdev's
     * page flush asks.  Called by a vCPU thread from a device callback, with
     * the device lock held.  NULL: the backend caches nothing of its own.
     */
    void (*flush_guest_page)(Machine *m, uint64_t gpa);
    /* Release the vCPU's and then the VM's resources. */
    void (*vcpu_destroy)(VCPU *v);
    void (*destroy)(Machine *m);
} AccelOps;

struct VCPU {
    Machine *machine;
    int index;
    pthread_t thread;
    void *accel;          /* backend-private */
    X86State boot_state;  /* the state a reset returns this vCPU to */
    /* Halt wait (VCPU_EXIT_HLT): the loop sleeps on kick_cond until kicked. */
    pthread_mutex_t kick_lock;
    pthread_cond_t kick_cond;
    bool kicked;
};

/* The backends, by name; NULL if there is none of that name. */
const AccelOps *accel_find(const char *name);
/* "interp, tcg, kvm" */
const char *accel_names(void);

/*
 * Choose the first usable backend of a ':'-separated list ("kvm:interp").
 * Returns NULL and a one-line reason in err when none can run.
 */
const AccelOps *accel_select(const char *list, char *err, size_t errlen);

/* The default list: kvm only where /proc/cpuinfo shows vmx or svm. */
const char *accel_default_list(void);

/*
 * Start one thread per vCPU (named "vcpuN/<accel>").  Each creates its vCPU
 * (vcpu_init runs on that thread, as KVM wants), loads its boot state and
 * runs the shared loop.  Returns 0 once every vCPU exists, or -1 with the
 * first failure in err (the threads started are stopped and joined).
 */
int accel_start_vcpus(Machine *m, char *err, size_t errlen);
/* Number of vCPU threads still running. Any thread. */
int accel_running_vcpus(Machine *m);
/* Join every vCPU thread (after they stopped) and destroy the vCPUs. */
void accel_join_vcpus(Machine *m);

/* `-accel help`: one line per backend, "NAME: available" or "NAME: unavailable: REASON". */
void accel_print_help(void);
/* Any thread: make v leave run() (and a HLT wait) soon. */
void vcpu_kick(VCPU *v);

#endif
