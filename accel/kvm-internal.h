/* The kvm backend's private state, shared by accel/kvm.c and accel/kvm-state.c. */
#ifndef ACCEL_KVM_INTERNAL_H
#define ACCEL_KVM_INTERNAL_H

#include <errno.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/ioctl.h>

#include "accel/kvm.h"
#include "cpu/x86/cpuid.h"
#include "hw/machine.h"

#define KVM_IDENTITY_MAP_ADDR 0xfeffc000ull
#define KVM_TSS_ADDR          0xfeffd000ull
#define KVM_MAX_SLOTS         64

typedef struct KvmSlot {
    bool used;
    uint64_t base;
    uint64_t size;
    uint8_t *host;
} KvmSlot;

/* One VM: m->accel_state. */
typedef struct KvmVm {
    int kvm_fd;
    int vm_fd;
    int vcpu_mmap_size;
    size_t xsave_size;          /* bytes KVM_GET_XSAVE(2) fills */
    bool xsave2;                /* use KVM_GET_XSAVE2 (a buffer over 4 KiB) */
    uint64_t supported_xcr0;    /* XSAVE components KVM accepts in XSTATE_BV */
    X86Cpuid supported;         /* KVM_GET_SUPPORTED_CPUID, plus `forced` */
    X86Cpuid forced;            /* feature bits the guest sees whatever KVM_SET_CPUID2 says */
    X86CpuModel model;          /* -cpu */
    uint32_t *msr_index;        /* KVM_GET_MSR_INDEX_LIST */
    int nr_msr_index;

    pthread_mutex_t slots_lock;
    KvmSlot slots[KVM_MAX_SLOTS];
    int max_slots;              /* KVM_CAP_NR_MEMSLOTS, capped */

    /* The in-kernel irqchip and PIT as KVM created them, restored at machine reset. */
    struct kvm_irqchip pristine_pic[2];
    struct kvm_irqchip pristine_ioapic;
    struct kvm_pit_state2 pristine_pit;
} KvmVm;

/* An MSR get_state/set_state transfer: its index and where it lives in X86Msrs. */
typedef struct KvmMsrField {
    uint32_t index;
    uint16_t offset;            /* offsetof(X86Msrs, ...) */
} KvmMsrField;

#define KVM_MAX_STATE_MSRS 48

/* One vCPU: v->accel. */
typedef struct KvmVcpu {
    int fd;
    struct kvm_run *run;
    pthread_t thread;
    atomic_bool kicked;          /* a kick not yet consumed by an EINTR return */
    bool exit_pending;           /* the last exit completes on the next KVM_RUN */
    char error[160];             /* first set_state/get_state failure, reported by run() */

    KvmMsrField msrs[KVM_MAX_STATE_MSRS];   /* the X86Msrs this vCPU transfers */
    int nr_msrs;
    struct kvm_lapic_state lapic_at_creation;
    void *xsave;                 /* vm->xsave_size bytes */
    X86Cpuid cpuid;              /* what KVM_SET_CPUID2 got */
} KvmVcpu;

static inline KvmVm *kvm_vm(VCPU *v)
{
    return v->machine->accel_state;
}

/* kvm.c */
/* ioctl, retried on EINTR (for every ioctl but KVM_RUN, whose EINTR means a kick). */
static inline int kvm_ioctl(int fd, unsigned long request, void *arg)
{
    int r;
    do {
        r = ioctl(fd, request, arg);
    } while (r < 0 && errno == EINTR);
    return r;
}

/* KVM_SET_CPUID2 of table `t` on a vCPU; the ioctl's result (errno set on failure). */
int kvm_set_cpuid_table(int vcpu_fd, const X86Cpuid *t);

void kvm_vcpu_fail(KvmVcpu *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void kvm_vcpu_complete_pending_exit(KvmVcpu *c);
bool kvm_msr_listed(const KvmVm *vm, uint32_t index);

/* kvm-cpuid.c: probe the CPUID feature bits this host forces on every guest
 * (vm->forced), fold them into vm->supported and vm->model, and warn about
 * -cpu removals that cannot be honoured.  Needs vm->kvm_fd, vcpu_mmap_size,
 * supported and model.  Main thread, from init. */
void kvm_accept_forced_cpuid(KvmVm *vm);

/* kvm-state.c */
void kvm_vcpu_choose_msrs(KvmVm *vm, KvmVcpu *c);
void kvm_get_state(VCPU *v, X86State *s);
void kvm_set_state(VCPU *v, const X86State *s);
void kvm_reset_vcpu(VCPU *v, const X86State *s);

#endif
