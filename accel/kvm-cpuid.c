/* The kvm backend's CPUID check: which feature bits the guest sees whatever KVM_SET_CPUID2 says. */
#include "accel/kvm-internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ui/log.h"

/*
 * KVM_SET_CPUID2 decides what CPUID returns only where CPUID traps.  On a
 * host where it does not at CPL3 (an AMD CPU without CPUID faulting under
 * the nested kvm-pvm this project's machines run), the guest's user mode
 * sees the hardware's bits, and that KVM makes CPL0 agree: every feature bit
 * KVM_GET_SUPPORTED_CPUID leaves out but the CPU has (SSE3..AVX, XSAVE, AES
 * on such a host) is set whatever the table says.  So tandem asks: a
 * throwaway VM gets a table with every feature word zero and runs CPUID on
 * each of its leaves; what comes back set is forced.  On an ordinary KVM
 * host that is nothing (the APIC bit aside, which follows APIC_BASE).
 */
#define PROBE_RAM_SIZE  0x2000u
#define PROBE_CODE_ADDR 0x1000u
#define PROBE_STEP_LEN  14      /* mov eax, imm32; mov ecx, imm32; cpuid; out 0x80, al */

typedef struct CpuidProbe {
    int vm_fd, vcpu_fd;
    struct kvm_run *run;
    size_t run_size;
    uint8_t *ram;
} CpuidProbe;

static void probe_free(CpuidProbe *p)
{
    if (p->run && p->run != MAP_FAILED) {
        munmap(p->run, p->run_size);
    }
    if (p->ram && p->ram != MAP_FAILED) {
        munmap(p->ram, PROBE_RAM_SIZE);
    }
    if (p->vcpu_fd >= 0) {
        close(p->vcpu_fd);
    }
    if (p->vm_fd >= 0) {
        close(p->vm_fd);
    }
}

/* The guest code: one CPUID per leaf of t, each followed by an exit; then HLT. */
static void probe_write_code(uint8_t *code, const X86Cpuid *t)
{
    static const uint8_t step[PROBE_STEP_LEN] = {
        0xb8, 0, 0, 0, 0,                   /* mov eax, function */
        0xb9, 0, 0, 0, 0,                   /* mov ecx, index */
        0x0f, 0xa2,                         /* cpuid */
        0xe6, 0x80,                         /* out 0x80, al */
    };
    for (int i = 0; i < t->nr; i++, code += PROBE_STEP_LEN) {
        memcpy(code, step, PROBE_STEP_LEN);
        memcpy(code + 1, &t->e[i].function, 4);
        memcpy(code + 6, &t->e[i].index, 4);
    }
    *code = 0xf4;                           /* hlt */
}

/* Flat 32-bit protected mode at CPL0, paging off, at PROBE_CODE_ADDR. */
static int probe_enter_protected_mode(CpuidProbe *p)
{
    struct kvm_sregs sregs;
    if (kvm_ioctl(p->vcpu_fd, KVM_GET_SREGS, &sregs) < 0) {
        return -1;
    }
    struct kvm_segment code = { .base = 0, .limit = 0xffffffff, .selector = 8, .type = 0xb,
                                .present = 1, .s = 1, .db = 1, .g = 1 };
    struct kvm_segment data = code;
    data.selector = 0x10;
    data.type = 3;
    sregs.cs = code;
    sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = data;
    sregs.cr0 |= 1;     /* PE */
    struct kvm_regs regs = { .rip = PROBE_CODE_ADDR, .rflags = 2 };
    if (kvm_ioctl(p->vcpu_fd, KVM_SET_SREGS, &sregs) < 0 ||
        kvm_ioctl(p->vcpu_fd, KVM_SET_REGS, &regs) < 0) {
        return -1;
    }
    return 0;
}

static int probe_create(CpuidProbe *p, const KvmVm *vm)
{
    do {
        p->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
    } while (p->vm_fd < 0 && errno == EINTR);
    if (p->vm_fd < 0) {
        return -1;
    }
    p->ram = mmap(NULL, PROBE_RAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p->ram == MAP_FAILED) {
        return -1;
    }
    struct kvm_userspace_memory_region mr = {
        .slot = 0, .guest_phys_addr = 0, .memory_size = PROBE_RAM_SIZE,
        .userspace_addr = (uint64_t)(uintptr_t)p->ram,
    };
    if (kvm_ioctl(p->vm_fd, KVM_SET_USER_MEMORY_REGION, &mr) < 0 ||
        ioctl(p->vm_fd, KVM_SET_TSS_ADDR, 0xfffbd000ul) < 0) {
        return -1;
    }
    p->vcpu_fd = ioctl(p->vm_fd, KVM_CREATE_VCPU, 0ul);
    if (p->vcpu_fd < 0) {
        return -1;
    }
    p->run_size = (size_t)vm->vcpu_mmap_size;
    p->run = mmap(NULL, p->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, p->vcpu_fd, 0);
    return p->run == MAP_FAILED ? -1 : 0;
}

/* Run the probe's leaves; what each returned goes to `seen`.  0 or -1. */
static int probe_run(CpuidProbe *p, const X86Cpuid *table, X86Cpuid *seen)
{
    *seen = *table;
    for (int i = 0; i < table->nr; i++) {
        if (kvm_ioctl(p->vcpu_fd, KVM_RUN, NULL) < 0 || p->run->exit_reason != KVM_EXIT_IO ||
            p->run->io.port != 0x80) {
            return -1;
        }
        struct kvm_regs regs;
        if (kvm_ioctl(p->vcpu_fd, KVM_GET_REGS, &regs) < 0) {
            return -1;
        }
        X86CpuidEntry *e = &seen->e[i];
        e->eax = (uint32_t)regs.rax;
        e->ebx = (uint32_t)regs.rbx;
        e->ecx = (uint32_t)regs.rcx;
        e->edx = (uint32_t)regs.rdx;
    }
    return 0;
}

/* Fill `forced` with the feature bits the guest sees whatever the table says; -1 if unknown. */
static int kvm_probe_forced_cpuid(const KvmVm *vm, X86Cpuid *forced)
{
    CpuidProbe p = { .vm_fd = -1, .vcpu_fd = -1 };
    X86Cpuid table = vm->supported;
    x86_cpuid_clear_features(&table);
    int r = -1;
    if (probe_create(&p, vm) == 0 && kvm_set_cpuid_table(p.vcpu_fd, &table) == 0 &&
        probe_enter_protected_mode(&p) == 0) {
        probe_write_code(p.ram + PROBE_CODE_ADDR, &table);
        r = probe_run(&p, &table, forced);
    }
    probe_free(&p);
    return r;
}

/*
 * Make the model say what the guest will see: the forced features join it
 * (and the supported set, for host and max), and a -cpu removal of one of
 * them is reported, once, as not possible on this host.
 */
void kvm_accept_forced_cpuid(KvmVm *vm)
{
    X86Cpuid forced;
    _Static_assert(X86_CPUID_MAX * PROBE_STEP_LEN + 1 <= PROBE_RAM_SIZE - PROBE_CODE_ADDR,
                   "the CPUID probe's code does not fit its page");
    if (kvm_probe_forced_cpuid(vm, &forced) != 0) {
        warn_report("kvm: could not check which CPUID features this host shows every guest; "
                    "the guest may see features -cpu removed");
        return;
    }
    char unmet[256];
    vm->forced = forced;
    x86_cpuid_add_features(&vm->supported, &forced);
    x86_cpu_model_force(&vm->model, &forced, unmet, sizeof(unmet));
    if (unmet[0]) {
        warn_report("kvm: -cpu cannot remove %s on this host (CPUID does not trap in user "
                    "mode: the guest sees the CPU's own bits)", unmet);
    }
}
