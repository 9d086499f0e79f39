/* A fast path into the kvm backend for difftest: one KVM_RUN per case, state through kvm_run's sync area. */
#ifndef ACCEL_KVM_DIFFTEST_H
#define ACCEL_KVM_DIFFTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "accel/accel.h"
#include "cpu/x86/cpuid.h"
#include "cpu/x86/state.h"

/*
 * difftest runs thousands of short CPL3 cases per second on one vCPU.  On
 * this project's nested host every vCPU ioctl costs ~12 us, so instead of
 * accel_kvm.set_state/get_state (a dozen ioctls each way) a case costs one
 * KVM_RUN: general registers go in and come out through kvm_run's
 * synchronized registers (KVM_CAP_SYNC_REGS, api.rst "kvm_run ... s.regs"),
 * and the segment/control registers only when a case changed them, from a
 * snapshot taken after a full accel_kvm.set_state.  Everything else
 * (x87/SSE, memory) is exchanged by guest code through guest memory.
 *
 * accel/kvm.c is unchanged: a vCPU used here is first set up with
 * accel_kvm.vcpu_init and accel_kvm.set_state, and kvm_difftest_enable()
 * then switches on the sync area.  Call everything from the vCPU's thread,
 * except accel_kvm.kick, which may come from any thread.
 */

typedef enum KvmDifftestExitKind {
    KVM_DT_EXIT_IO,         /* an OUT or IN: port */
    KVM_DT_EXIT_KICK,       /* accel_kvm.kick() (or a signal) ended KVM_RUN */
    KVM_DT_EXIT_SHUTDOWN,   /* triple fault */
    KVM_DT_EXIT_ERROR,      /* anything else: error[] says what */
} KvmDifftestExitKind;

typedef struct KvmDifftestExit {
    KvmDifftestExitKind kind;
    uint16_t port;
    uint64_t regs[X86_NR_GPRS];
    uint64_t rip, rflags;
    uint64_t cr2;
    X86Segment segs[X86_NR_SEGS];
    char error[160];
} KvmDifftestExit;

#define KVM_DT_SREGS_SLOTS 4

typedef struct KvmDifftest KvmDifftest;

/* Switch on the sync area of v (needs KVM_CAP_SYNC_REGS).  NULL with err on failure. */
KvmDifftest *kvm_difftest_new(VCPU *v, char *err, size_t errlen);
/* Switch it off again (the vCPU stays usable through accel_kvm). */
void kvm_difftest_free(KvmDifftest *d);

/* Keep the vCPU's current segment and control registers in `slot`. */
int kvm_difftest_save_sregs(KvmDifftest *d, int slot, char *err, size_t errlen);
/* Load `slot` on the next run. */
void kvm_difftest_load_sregs(KvmDifftest *d, int slot);
/* Did the last run leave the segment registers as `slot` has them? */
bool kvm_difftest_sregs_match(const KvmDifftest *d, int slot);

/* The general registers, RIP and RFLAGS for the next run. */
void kvm_difftest_set_regs(KvmDifftest *d, const uint64_t *regs, uint64_t rip, uint64_t rflags);

/* One KVM_RUN: registers, CR2 and segments as they are at the exit. */
void kvm_difftest_run(KvmDifftest *d, KvmDifftestExit *exit);

/* The CPUID table the vCPU was given (KVM_SET_CPUID2). */
const X86Cpuid *kvm_difftest_cpuid(const KvmDifftest *d);

#endif
