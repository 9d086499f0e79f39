/* The kvm backend: the Linux KVM API runs the guest on the host CPU. */
#ifndef ACCEL_KVM_H
#define ACCEL_KVM_H

#include <signal.h>
#include <stddef.h>

#include "accel/accel.h"
#include "cpu/x86/cpuid.h"

/*
 * accel_kvm implements every AccelOps op (see accel/accel.h).  Beyond that
 * contract:
 *
 *  - The VM has KVM's in-kernel irqchip (PIC, IOAPIC, LAPICs) and PIT
 *    (KVM_CREATE_IRQCHIP, KVM_CREATE_PIT2 with a dummy speaker port), the
 *    identity-map page at 0xfeffc000 and the 3-page TSS at 0xfeffd000 (the
 *    PC map must keep 0xfeffc000-0xff000000 free of RAM and devices).  The
 *    machine's devices must not model the PIT, PIC, IOAPIC or LAPIC.
 *  - -cpu defaults to "host" under kvm; each vCPU gets x86_cpuid_build()'s
 *    table limited to KVM_GET_SUPPORTED_CPUID, plus the feature bits a
 *    probe VM found the guest sees whatever the table says (CPUID that does
 *    not trap in user mode, as under nested kvm-pvm on AMD); init warns
 *    when -cpu removes one of those.
 *  - reset_vcpu is set_state plus RESET of what X86State does not hold: the
 *    vCPU's in-kernel LAPIC is put back to the state KVM gave it at creation
 *    (with TPR = CR8 of the state) and KVM's paravirtual MSRs (kvmclock,
 *    async PF, steal time, PV EOI) are cleared, so a rebooted guest is not
 *    written to at addresses the old kernel chose.  set_state leaves the
 *    LAPIC alone.  A machine reset hook (registered by init) puts
 *    the in-kernel PIC, IOAPIC and PIT back to their state at VM creation.
 *  - get_state/set_state first complete an I/O exit still pending in KVM
 *    (KVM_RUN with immediate_exit), so call them only after the exit has
 *    been dispatched (data filled in for an IN or MMIO read).
 *  - What set_state cannot carry over, and so what get_state gives back
 *    differently: the TSC keeps counting (get returns a later value); FCS
 *    and FDS read as 0 (KVM keeps the 64-bit FXSAVE layout); TSC_DEADLINE
 *    only holds while the LAPIC timer is in TSC-deadline mode; MSRs KVM
 *    does not have read as 0; on AMD hosts a segment is unusable exactly
 *    when it is not present and then its attributes read as 0, SS.DPL is the
 *    CPL, TR's type reads as busy and DS/ES/FS/GS read as accessed.
 *  - set_state errors (KVM rejecting the state) are kept and reported by
 *    the next run() as VCPU_EXIT_ERROR.
 *  - Threads: vcpu_init, run, get_state and set_state on the vCPU's own
 *    thread (KVM wants vCPU ioctls from the thread that created the vCPU);
 *    kick, set_irq and memory_changed from any thread; unavailable, init,
 *    vcpu_destroy and destroy from the main thread.
 *  - kick() sets kvm_run->immediate_exit and sends KVM_KICK_SIGNAL to the
 *    vCPU thread (an empty handler, SA_RESTART; vcpu_init unblocks it on the
 *    vCPU thread).  Do not kick a vCPU whose thread has been joined.
 */
extern const AccelOps accel_kvm;

#define KVM_KICK_SIGNAL SIGUSR1

/* KVM_GET_SUPPORTED_CPUID of this host.  0, or -1 with err. Any thread. */
int kvm_supported_cpuid(X86Cpuid *out, char *err, size_t errlen);

#endif
