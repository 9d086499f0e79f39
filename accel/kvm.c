/* The kvm backend: VM and vCPU creation, memory slots, KVM_RUN and its exits, kicks, IRQ lines. */
#include "accel/kvm-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ui/log.h"

/*
 * The Linux KVM API (Documentation/virt/kvm/api.rst).  One VM per Machine,
 * one vCPU fd per VCPU, each driven by ioctls from its own thread.  The
 * in-kernel irqchip and PIT serve the interrupt controllers and the timer;
 * user space sees port I/O and MMIO exits only.  The architectural state
 * conversion lives in kvm-state.c.
 */

#define KVM_API_VERSION_REQUIRED 12

static const struct {
    int cap;
    const char *name;
} required_caps[] = {
    { KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY" },
    { KVM_CAP_SET_TSS_ADDR, "KVM_CAP_SET_TSS_ADDR" },
    { KVM_CAP_SET_IDENTITY_MAP_ADDR, "KVM_CAP_SET_IDENTITY_MAP_ADDR" },
    { KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID" },
    { KVM_CAP_IRQCHIP, "KVM_CAP_IRQCHIP" },
    { KVM_CAP_IRQ_ROUTING, "KVM_CAP_IRQ_ROUTING" },
    { KVM_CAP_PIT2, "KVM_CAP_PIT2" },
    { KVM_CAP_PIT_STATE2, "KVM_CAP_PIT_STATE2" },
    { KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT" },
    { KVM_CAP_VCPU_EVENTS, "KVM_CAP_VCPU_EVENTS" },
    { KVM_CAP_MP_STATE, "KVM_CAP_MP_STATE" },
    { KVM_CAP_DEBUGREGS, "KVM_CAP_DEBUGREGS" },
    { KVM_CAP_XSAVE, "KVM_CAP_XSAVE" },
    { KVM_CAP_XCRS, "KVM_CAP_XCRS" },
};

static int kvm_open(char *err, size_t errlen)
{
    int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "/dev/kvm: %s", strerror(errno));
        return -1;
    }
    int version = ioctl(fd, KVM_GET_API_VERSION, 0);
    if (version != KVM_API_VERSION_REQUIRED) {
        snprintf(err, errlen, "KVM API version %d, need %d", version, KVM_API_VERSION_REQUIRED);
        close(fd);
        return -1;
    }
    for (size_t i = 0; i < sizeof(required_caps) / sizeof(required_caps[0]); i++) {
        if (ioctl(fd, KVM_CHECK_EXTENSION, required_caps[i].cap) <= 0) {
            snprintf(err, errlen, "KVM lacks %s", required_caps[i].name);
            close(fd);
            return -1;
        }
    }
    return fd;
}

/* Opening /dev/kvm is not enough: VM creation fails when another hypervisor holds VT-x/SVM. */
static const char *kvm_unavailable(void)
{
    static char reason[128];
    int fd = kvm_open(reason, sizeof(reason));
    if (fd < 0) {
        return reason;
    }
    int vm_fd;
    do {
        vm_fd = ioctl(fd, KVM_CREATE_VM, 0);
    } while (vm_fd < 0 && errno == EINTR);
    if (vm_fd < 0) {
        snprintf(reason, sizeof(reason), "KVM_CREATE_VM: %s", strerror(errno));
        close(fd);
        return reason;
    }
    close(vm_fd);
    close(fd);
    return NULL;
}

/* ---- CPUID and MSR lists ---- */

static int kvm_read_supported_cpuid(int kvm_fd, X86Cpuid *out, char *err, size_t errlen)
{
    for (int n = 256; n <= 4096; n *= 2) {
        struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + (size_t)n * sizeof(c->entries[0]));
        c->nent = (uint32_t)n;
        if (kvm_ioctl(kvm_fd, KVM_GET_SUPPORTED_CPUID, c) < 0) {
            int e = errno;
            free(c);
            if (e == E2BIG) {
                continue;
            }
            snprintf(err, errlen, "KVM_GET_SUPPORTED_CPUID: %s", strerror(e));
            return -1;
        }
        memset(out, 0, sizeof(*out));
        for (uint32_t i = 0; i < c->nent; i++) {
            const struct kvm_cpuid_entry2 *k = &c->entries[i];
            if (out->nr == X86_CPUID_MAX) {
                warn_report("kvm: %u CPUID leaves supported, using the first %d", c->nent,
                            X86_CPUID_MAX);
                break;
            }
            out->e[out->nr++] = (X86CpuidEntry){
                .function = k->function, .index = k->index,
                .flags = (k->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) ? X86_CPUID_FLAG_INDEXED : 0,
                .eax = k->eax, .ebx = k->ebx, .ecx = k->ecx, .edx = k->edx,
            };
        }
        free(c);
        return 0;
    }
    snprintf(err, errlen, "KVM_GET_SUPPORTED_CPUID: more than 4096 leaves");
    return -1;
}

int kvm_supported_cpuid(X86Cpuid *out, char *err, size_t errlen)
{
    int fd = kvm_open(err, errlen);
    if (fd < 0) {
        return -1;
    }
    int r = kvm_read_supported_cpuid(fd, out, err, errlen);
    close(fd);
    return r;
}

static int kvm_read_msr_index_list(KvmVm *vm, char *err, size_t errlen)
{
    struct kvm_msr_list probe = { .nmsrs = 0 };
    if (ioctl(vm->kvm_fd, KVM_GET_MSR_INDEX_LIST, &probe) < 0 && errno != E2BIG) {
        snprintf(err, errlen, "KVM_GET_MSR_INDEX_LIST: %s", strerror(errno));
        return -1;
    }
    struct kvm_msr_list *list = calloc(1, sizeof(*list) + probe.nmsrs * sizeof(uint32_t));
    list->nmsrs = probe.nmsrs;
    if (kvm_ioctl(vm->kvm_fd, KVM_GET_MSR_INDEX_LIST, list) < 0) {
        snprintf(err, errlen, "KVM_GET_MSR_INDEX_LIST: %s", strerror(errno));
        free(list);
        return -1;
    }
    vm->nr_msr_index = (int)list->nmsrs;
    vm->msr_index = malloc(list->nmsrs * sizeof(uint32_t) + 1);
    memcpy(vm->msr_index, list->indices, list->nmsrs * sizeof(uint32_t));
    free(list);
    return 0;
}

bool kvm_msr_listed(const KvmVm *vm, uint32_t index)
{
    for (int i = 0; i < vm->nr_msr_index; i++) {
        if (vm->msr_index[i] == index) {
            return true;
        }
    }
    return false;
}

/* ---- memory slots ---- */

static bool region_has_slot(const KvmVm *vm, const MemoryRegion *r)
{
    for (int i = 0; i < vm->max_slots; i++) {
        const KvmSlot *s = &vm->slots[i];
        if (s->used && s->base == r->base && s->size == r->size && s->host == r->host) {
            return true;
        }
    }
    return false;
}

static bool slot_has_region(const KvmSlot *s, const AddressSpace *as)
{
    for (size_t i = 0; i < as->nr_regions; i++) {
        const MemoryRegion *r = &as->regions[i];
        if (r->kind == REGION_RAM && s->base == r->base && s->size == r->size &&
            s->host == r->host) {
            return true;
        }
    }
    return false;
}

static int kvm_set_slot(KvmVm *vm, int id, uint64_t base, uint64_t size, uint8_t *host)
{
    struct kvm_userspace_memory_region mr = {
        .slot = (uint32_t)id,
        .guest_phys_addr = base,
        .memory_size = size,
        .userspace_addr = (uint64_t)(uintptr_t)host,
    };
    return kvm_ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &mr);
}

static int kvm_add_slot(KvmVm *vm, const MemoryRegion *r, char *err, size_t errlen)
{
    const uint64_t page = 4096;
    if ((r->base | r->size | (uintptr_t)r->host) & (page - 1)) {
        snprintf(err, errlen, "kvm: RAM region '%s' at 0x%llx is not page-aligned", r->name,
                 (unsigned long long)r->base);
        return -1;
    }
    for (int id = 0; id < vm->max_slots; id++) {
        KvmSlot *s = &vm->slots[id];
        if (s->used) {
            continue;
        }
        if (kvm_set_slot(vm, id, r->base, r->size, r->host) < 0) {
            snprintf(err, errlen, "kvm: cannot map RAM '%s' at 0x%llx (+0x%llx): %s", r->name,
                     (unsigned long long)r->base, (unsigned long long)r->size, strerror(errno));
            return -1;
        }
        *s = (KvmSlot){ .used = true, .base = r->base, .size = r->size, .host = r->host };
        return 0;
    }
    snprintf(err, errlen, "kvm: more than %d RAM regions", vm->max_slots);
    return -1;
}

/* Make KVM's memory slots match the RAM regions of `as`: drop the stale, add the new. */
static int kvm_sync_slots(KvmVm *vm, const AddressSpace *as, char *err, size_t errlen)
{
    int r = 0;
    pthread_mutex_lock(&vm->slots_lock);
    for (int id = 0; id < vm->max_slots; id++) {
        KvmSlot *s = &vm->slots[id];
        if (s->used && !slot_has_region(s, as)) {
            if (kvm_set_slot(vm, id, s->base, 0, s->host) < 0) {
                snprintf(err, errlen, "kvm: cannot unmap RAM at 0x%llx: %s",
                         (unsigned long long)s->base, strerror(errno));
                r = -1;
                goto out;
            }
            s->used = false;
        }
    }
    for (size_t i = 0; i < as->nr_regions; i++) {
        const MemoryRegion *reg = &as->regions[i];
        if (reg->kind == REGION_RAM && reg->size > 0 && !region_has_slot(vm, reg) &&
            kvm_add_slot(vm, reg, err, errlen) != 0) {
            r = -1;
            goto out;
        }
    }
out:
    pthread_mutex_unlock(&vm->slots_lock);
    return r;
}

static void kvm_memory_changed(Machine *m)
{
    char err[256];
    if (kvm_sync_slots(m->accel_state, &m->mem, err, sizeof(err)) != 0) {
        error_report("%s", err);
        machine_request_exit(m, 1);
    }
}

/* ---- the VM ---- */

static void kvm_vm_free(KvmVm *vm)
{
    if (vm->vm_fd >= 0) {
        close(vm->vm_fd);
    }
    if (vm->kvm_fd >= 0) {
        close(vm->kvm_fd);
    }
    pthread_mutex_destroy(&vm->slots_lock);
    free(vm->msr_index);
    free(vm);
}

#define KVM_PIC_PINS    8
#define KVM_IOAPIC_PINS 24
#define KVM_MAX_ROUTES  (2 * KVM_PIC_PINS + KVM_IOAPIC_PINS)

static void route_add(struct kvm_irq_routing *r, uint32_t gsi, uint32_t chip, uint32_t pin)
{
    struct kvm_irq_routing_entry *e = &r->entries[r->nr++];
    memset(e, 0, sizeof(*e));
    e->gsi = gsi;
    e->type = KVM_IRQ_ROUTING_IRQCHIP;
    e->u.irqchip.irqchip = chip;
    e->u.irqchip.pin = pin;
}

/*
 * Where KVM_IRQ_LINE's GSIs go (api.rst, KVM_SET_GSI_ROUTING; it replaces
 * the table KVM_CREATE_IRQCHIP made): ISA IRQs 0-15 to the PIC pair, and
 * to the IOAPIC pin of the same number except that IRQ 0 (the PIT, in-kernel
 * too) is pin 2, the interrupt source override of the MADT (hw/acpi.c).
 * GSI 2 is the PIC cascade only; GSIs 16-23 are IOAPIC pins 16-23.
 */
static int kvm_set_gsi_routing(KvmVm *vm, char *err, size_t errlen)
{
    struct kvm_irq_routing *r = calloc(1, sizeof(*r) + KVM_MAX_ROUTES * sizeof(r->entries[0]));
    for (uint32_t gsi = 0; gsi < 2 * KVM_PIC_PINS; gsi++) {
        bool master = gsi < KVM_PIC_PINS;
        route_add(r, gsi, master ? KVM_IRQCHIP_PIC_MASTER : KVM_IRQCHIP_PIC_SLAVE,
                  gsi % KVM_PIC_PINS);
    }
    for (uint32_t gsi = 0; gsi < KVM_IOAPIC_PINS; gsi++) {
        if (gsi != 2) {
            route_add(r, gsi, KVM_IRQCHIP_IOAPIC, gsi == 0 ? 2 : gsi);
        }
    }
    int ret = kvm_ioctl(vm->vm_fd, KVM_SET_GSI_ROUTING, r);
    free(r);
    if (ret < 0) {
        snprintf(err, errlen, "KVM_SET_GSI_ROUTING: %s", strerror(errno));
        return -1;
    }
    return 0;
}

/* The in-kernel interrupt controllers and PIT; their fresh state is kept for resets. */
static int kvm_create_irqchip(KvmVm *vm, char *err, size_t errlen)
{
    if (kvm_ioctl(vm->vm_fd, KVM_CREATE_IRQCHIP, NULL) < 0) {
        snprintf(err, errlen, "KVM_CREATE_IRQCHIP: %s", strerror(errno));
        return -1;
    }
    if (kvm_set_gsi_routing(vm, err, errlen) != 0) {
        return -1;
    }
    struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };
    if (kvm_ioctl(vm->vm_fd, KVM_CREATE_PIT2, &pit) < 0) {
        snprintf(err, errlen, "KVM_CREATE_PIT2: %s", strerror(errno));
        return -1;
    }
    vm->pristine_pic[0].chip_id = KVM_IRQCHIP_PIC_MASTER;
    vm->pristine_pic[1].chip_id = KVM_IRQCHIP_PIC_SLAVE;
    vm->pristine_ioapic.chip_id = KVM_IRQCHIP_IOAPIC;
    if (kvm_ioctl(vm->vm_fd, KVM_GET_IRQCHIP, &vm->pristine_pic[0]) < 0 ||
        kvm_ioctl(vm->vm_fd, KVM_GET_IRQCHIP, &vm->pristine_pic[1]) < 0 ||
        kvm_ioctl(vm->vm_fd, KVM_GET_IRQCHIP, &vm->pristine_ioapic) < 0 ||
        kvm_ioctl(vm->vm_fd, KVM_GET_PIT2, &vm->pristine_pit) < 0) {
        snprintf(err, errlen, "kvm: reading the irqchip state: %s", strerror(errno));
        return -1;
    }
    return 0;
}

/* Machine reset hook: the PIC, IOAPIC and PIT as at power-on (every vCPU is paused). */
static void kvm_reset_irqchip(void *opaque)
{
    KvmVm *vm = opaque;
    struct kvm_irqchip chip;
    struct kvm_pit_state2 pit = vm->pristine_pit;
    for (int i = 0; i < 2; i++) {
        chip = vm->pristine_pic[i];
        if (kvm_ioctl(vm->vm_fd, KVM_SET_IRQCHIP, &chip) < 0) {
            warn_report("kvm: resetting the PIC: %s", strerror(errno));
        }
    }
    chip = vm->pristine_ioapic;
    if (kvm_ioctl(vm->vm_fd, KVM_SET_IRQCHIP, &chip) < 0) {
        warn_report("kvm: resetting the IOAPIC: %s", strerror(errno));
    }
    if (kvm_ioctl(vm->vm_fd, KVM_SET_PIT2, &pit) < 0) {
        warn_report("kvm: resetting the PIT: %s", strerror(errno));
    }
}

static int kvm_check_vcpu_count(KvmVm *vm, int nr, char *err, size_t errlen)
{
    int max = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);
    if (max <= 0) {
        max = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_VCPUS);
    }
    if (max <= 0) {
        max = 4;   /* api.rst: assume 4 when neither capability is there */
    }
    if (nr > max) {
        snprintf(err, errlen, "-smp %d: KVM allows at most %d vCPUs", nr, max);
        return -1;
    }
    return 0;
}

static int kvm_read_host_facts(KvmVm *vm, const Machine *m, char *err, size_t errlen)
{
    vm->vcpu_mmap_size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (vm->vcpu_mmap_size < (int)sizeof(struct kvm_run)) {
        snprintf(err, errlen, "KVM_GET_VCPU_MMAP_SIZE: %s", strerror(errno));
        return -1;
    }
    int xsave2 = ioctl(vm->vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_XSAVE2);
    vm->xsave2 = xsave2 > (int)sizeof(struct kvm_xsave);
    vm->xsave_size = vm->xsave2 ? (size_t)xsave2 : sizeof(struct kvm_xsave);

    int slots = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_MEMSLOTS);
    vm->max_slots = slots > 0 && slots < KVM_MAX_SLOTS ? slots : KVM_MAX_SLOTS;

    if (kvm_read_supported_cpuid(vm->kvm_fd, &vm->supported, err, errlen) != 0 ||
        kvm_read_msr_index_list(vm, err, errlen) != 0) {
        return -1;
    }
    const X86CpuidEntry *xs = x86_cpuid_find(&vm->supported, 0xd, 0);
    vm->supported_xcr0 = xs ? (xs->eax | (uint64_t)xs->edx << 32) : 3;

    /* Under kvm the default model is the host CPU. */
    const char *spec = m->opts->cpu_model ? m->opts->cpu_model : "host";
    if (x86_cpu_model_parse(spec, &vm->model, err, errlen) != 0) {
        return -1;
    }
    kvm_accept_forced_cpuid(vm);
    return 0;
}

static int kvm_nr_vcpus(const Machine *m)
{
    if (m->nr_vcpus > 0) {
        return m->nr_vcpus;
    }
    return m->opts->smp > 0 ? m->opts->smp : 1;
}

static void kvm_kick_handler(int sig)
{
    (void)sig;   /* its only job is to make KVM_RUN return EINTR */
}

static void kvm_install_kick_handler(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = kvm_kick_handler;
    sa.sa_flags = SA_RESTART;   /* KVM_RUN still returns EINTR; other syscalls restart */
    sigemptyset(&sa.sa_mask);
    sigaction(KVM_KICK_SIGNAL, &sa, NULL);
}

static int kvm_init(Machine *m, char *err, size_t errlen)
{
    static pthread_once_t kick_handler_once = PTHREAD_ONCE_INIT;
    KvmVm *vm = calloc(1, sizeof(*vm));
    vm->vm_fd = -1;
    pthread_mutex_init(&vm->slots_lock, NULL);

    vm->kvm_fd = kvm_open(err, errlen);
    if (vm->kvm_fd < 0) {
        goto fail;
    }
    do {
        vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
    } while (vm->vm_fd < 0 && errno == EINTR);
    if (vm->vm_fd < 0) {
        snprintf(err, errlen, "KVM_CREATE_VM: %s", strerror(errno));
        goto fail;
    }
    if (kvm_read_host_facts(vm, m, err, errlen) != 0 ||
        kvm_check_vcpu_count(vm, kvm_nr_vcpus(m), err, errlen) != 0) {
        goto fail;
    }
    /* Both must be set before the first vCPU exists (api.rst). */
    uint64_t identity_map = KVM_IDENTITY_MAP_ADDR;
    if (kvm_ioctl(vm->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &identity_map) < 0) {
        snprintf(err, errlen, "KVM_SET_IDENTITY_MAP_ADDR: %s", strerror(errno));
        goto fail;
    }
    if (ioctl(vm->vm_fd, KVM_SET_TSS_ADDR, (unsigned long)KVM_TSS_ADDR) < 0) {
        snprintf(err, errlen, "KVM_SET_TSS_ADDR: %s", strerror(errno));
        goto fail;
    }
    if (kvm_create_irqchip(vm, err, errlen) != 0 ||
        kvm_sync_slots(vm, &m->mem, err, errlen) != 0) {
        goto fail;
    }
    pthread_once(&kick_handler_once, kvm_install_kick_handler);
    m->accel_state = vm;
    machine_add_reset_hook(m, kvm_reset_irqchip, vm);
    return 0;

fail:
    kvm_vm_free(vm);
    return -1;
}

static void kvm_destroy(Machine *m)
{
    if (m->accel_state) {
        kvm_vm_free(m->accel_state);
        m->accel_state = NULL;
    }
}

/* ---- vCPUs ---- */

void kvm_vcpu_fail(KvmVcpu *c, const char *fmt, ...)
{
    if (c->error[0]) {
        return;   /* the first failure is the interesting one */
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->error, sizeof(c->error), fmt, ap);
    va_end(ap);
}

int kvm_set_cpuid_table(int vcpu_fd, const X86Cpuid *t)
{
    struct kvm_cpuid2 *k = calloc(1, sizeof(*k) + (size_t)t->nr * sizeof(k->entries[0]));
    k->nent = (uint32_t)t->nr;
    for (int i = 0; i < t->nr; i++) {
        const X86CpuidEntry *e = &t->e[i];
        k->entries[i] = (struct kvm_cpuid_entry2){
            .function = e->function, .index = e->index,
            .flags = (e->flags & X86_CPUID_FLAG_INDEXED) ? KVM_CPUID_FLAG_SIGNIFCANT_INDEX : 0,
            .eax = e->eax, .ebx = e->ebx, .ecx = e->ecx, .edx = e->edx,
        };
    }
    int r = kvm_ioctl(vcpu_fd, KVM_SET_CPUID2, k);
    int saved = errno;
    free(k);
    errno = saved;
    return r;
}

static int kvm_set_cpuid(KvmVm *vm, KvmVcpu *c, VCPU *v, char *err, size_t errlen)
{
    x86_cpuid_build(&vm->model, &vm->supported, v->index, kvm_nr_vcpus(v->machine), &c->cpuid);
    x86_cpuid_add_features(&c->cpuid, &vm->forced);   /* even those the topology clears (HTT) */
    if (kvm_set_cpuid_table(c->fd, &c->cpuid) < 0) {
        snprintf(err, errlen, "KVM_SET_CPUID2: %s", strerror(errno));
        return -1;
    }
    return 0;
}

static void kvm_vcpu_free(KvmVcpu *c, KvmVm *vm)
{
    if (c->run && c->run != MAP_FAILED) {
        munmap(c->run, (size_t)vm->vcpu_mmap_size);
    }
    if (c->fd >= 0) {
        close(c->fd);
    }
    free(c->xsave);
    free(c);
}

static int kvm_vcpu_init(VCPU *v, char *err, size_t errlen)
{
    KvmVm *vm = kvm_vm(v);
    KvmVcpu *c = calloc(1, sizeof(*c));
    c->fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, (unsigned long)v->index);
    if (c->fd < 0) {
        snprintf(err, errlen, "KVM_CREATE_VCPU %d: %s", v->index, strerror(errno));
        goto fail;
    }
    c->run = mmap(NULL, (size_t)vm->vcpu_mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, c->fd, 0);
    if (c->run == MAP_FAILED) {
        snprintf(err, errlen, "mmap of the vCPU %d run area: %s", v->index, strerror(errno));
        goto fail;
    }
    c->xsave = calloc(1, vm->xsave_size);
    if (kvm_set_cpuid(vm, c, v, err, errlen) != 0) {
        goto fail;
    }
    /* The LAPIC as KVM resets it, kept to reset it again (kvm.h: set_state). */
    if (kvm_ioctl(c->fd, KVM_GET_LAPIC, &c->lapic_at_creation) < 0) {
        snprintf(err, errlen, "KVM_GET_LAPIC: %s", strerror(errno));
        goto fail;
    }
    kvm_vcpu_choose_msrs(vm, c);

    sigset_t kick;
    sigemptyset(&kick);
    sigaddset(&kick, KVM_KICK_SIGNAL);
    pthread_sigmask(SIG_UNBLOCK, &kick, NULL);
    c->thread = pthread_self();
    __atomic_store_n(&v->accel, c, __ATOMIC_RELEASE);   /* kick() may look from now on */
    return 0;

fail:
    kvm_vcpu_free(c, vm);
    return -1;
}

static void kvm_vcpu_destroy(VCPU *v)
{
    KvmVcpu *c = __atomic_exchange_n(&v->accel, NULL, __ATOMIC_ACQ_REL);
    if (c) {
        kvm_vcpu_free(c, kvm_vm(v));
    }
}

/*
 * kick: KVM polls immediate_exit once when KVM_RUN starts; a KVM_RUN already
 * past that point sees the signal before entering the guest or is thrown out
 * of it.  Set the flag first, then signal, and no kick is lost.
 */
static void kvm_kick(VCPU *v)
{
    KvmVcpu *c = __atomic_load_n(&v->accel, __ATOMIC_ACQUIRE);
    if (!c) {
        return;   /* not created yet: the run loop looks at the requests before running */
    }
    atomic_store(&c->kicked, true);
    __atomic_store_n(&c->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
    pthread_kill(c->thread, KVM_KICK_SIGNAL);
}

/* A kick has been answered with VCPU_EXIT_KICK: the caller looks at the requests next. */
static void kvm_kick_consumed(KvmVcpu *c)
{
    atomic_store(&c->kicked, false);
    __atomic_store_n(&c->run->immediate_exit, 0, __ATOMIC_SEQ_CST);
}

/*
 * api.rst: an I/O or MMIO exit completes only when KVM_RUN is entered again
 * (RIP moves past the instruction, an IN's value lands in RAX).  Entering
 * with immediate_exit set completes it without running the guest.
 */
void kvm_vcpu_complete_pending_exit(KvmVcpu *c)
{
    if (!c->exit_pending) {
        return;
    }
    c->exit_pending = false;
    __atomic_store_n(&c->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
    int r = ioctl(c->fd, KVM_RUN, 0);
    if (r == 0) {
        kvm_vcpu_fail(c, "KVM_RUN to complete an I/O exit ran the guest (exit %u)",
                      c->run->exit_reason);
    } else if (errno != EINTR && errno != EAGAIN) {
        kvm_vcpu_fail(c, "KVM_RUN to complete an I/O exit: %s", strerror(errno));
    }
    /* Keep a kick that arrived meanwhile: clear, then look. */
    __atomic_store_n(&c->run->immediate_exit, 0, __ATOMIC_SEQ_CST);
    if (atomic_load(&c->kicked)) {
        __atomic_store_n(&c->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
    }
}

static void exit_error(VCPUExit *exit, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void exit_error(VCPUExit *exit, const char *fmt, ...)
{
    va_list ap;
    exit->kind = VCPU_EXIT_ERROR;
    va_start(ap, fmt);
    vsnprintf(exit->error, sizeof(exit->error), fmt, ap);
    va_end(ap);
}

static void kvm_exit_io(KvmVm *vm, KvmVcpu *c, VCPUExit *exit)
{
    const struct kvm_run *run = c->run;
    uint64_t bytes = (uint64_t)run->io.size * run->io.count;
    if (run->io.data_offset + bytes > (uint64_t)vm->vcpu_mmap_size ||
        (run->io.size != 1 && run->io.size != 2 && run->io.size != 4)) {
        exit_error(exit, "KVM I/O exit out of bounds (size %u count %u offset 0x%llx)",
                   run->io.size, run->io.count, (unsigned long long)run->io.data_offset);
        return;
    }
    exit->kind = VCPU_EXIT_IO;
    exit->io.port = run->io.port;
    exit->io.size = run->io.size;
    exit->io.is_write = run->io.direction == KVM_EXIT_IO_OUT;
    exit->io.count = run->io.count;
    exit->io.data = (uint8_t *)c->run + run->io.data_offset;
    c->exit_pending = true;
}

static void kvm_exit_mmio(KvmVcpu *c, VCPUExit *exit)
{
    exit->kind = VCPU_EXIT_MMIO;
    exit->mmio.addr = c->run->mmio.phys_addr;
    exit->mmio.size = (uint8_t)(c->run->mmio.len <= 8 ? c->run->mmio.len : 8);
    exit->mmio.is_write = c->run->mmio.is_write;
    exit->mmio.data = c->run->mmio.data;
    c->exit_pending = true;
}

static void kvm_exit_system_event(KvmVcpu *c, VCPUExit *exit)
{
    switch (c->run->system_event.type) {
    case KVM_SYSTEM_EVENT_RESET:
        exit->kind = VCPU_EXIT_SHUTDOWN;   /* the run loop resets the machine */
        break;
    default:
        exit_error(exit, "guest system event %u (power-off or crash)", c->run->system_event.type);
        break;
    }
}

static void kvm_translate_exit(KvmVm *vm, KvmVcpu *c, VCPUExit *exit)
{
    struct kvm_run *run = c->run;
    switch (run->exit_reason) {
    case KVM_EXIT_IO:
        kvm_exit_io(vm, c, exit);
        break;
    case KVM_EXIT_MMIO:
        kvm_exit_mmio(c, exit);
        break;
    case KVM_EXIT_HLT:
        exit->kind = VCPU_EXIT_HLT;
        break;
    case KVM_EXIT_SHUTDOWN:
        exit->kind = VCPU_EXIT_SHUTDOWN;
        break;
    case KVM_EXIT_INTR:
        kvm_kick_consumed(c);
        exit->kind = VCPU_EXIT_KICK;
        break;
    case KVM_EXIT_DEBUG:
        exit->kind = VCPU_EXIT_DEBUG;
        break;
    case KVM_EXIT_SYSTEM_EVENT:
        kvm_exit_system_event(c, exit);
        break;
    case KVM_EXIT_FAIL_ENTRY:
        exit_error(exit, "KVM could not enter the guest (hardware reason 0x%llx)",
                   (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
        break;
    case KVM_EXIT_INTERNAL_ERROR:
        exit_error(exit, "KVM internal error, suberror %u (%s)", run->internal.suberror,
                   run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION
                       ? "an instruction KVM cannot emulate" : "see the kernel log");
        break;
    case KVM_EXIT_UNKNOWN:
        exit_error(exit, "unknown KVM exit (hardware reason 0x%llx)",
                   (unsigned long long)run->hw.hardware_exit_reason);
        break;
    default:
        exit_error(exit, "unexpected KVM exit reason %u", run->exit_reason);
        break;
    }
}

static void kvm_run_vcpu(VCPU *v, VCPUExit *exit)
{
    KvmVcpu *c = v->accel;
    if (c->error[0]) {
        exit_error(exit, "%s", c->error);
        return;
    }
    c->exit_pending = false;
    if (ioctl(c->fd, KVM_RUN, 0) < 0) {
        int e = errno;
        if (e == EINTR || e == EAGAIN) {
            kvm_kick_consumed(c);
            exit->kind = VCPU_EXIT_KICK;
        } else {
            exit_error(exit, "KVM_RUN: %s", strerror(e));
        }
        return;
    }
    kvm_translate_exit(kvm_vm(v), c, exit);
}

static void kvm_set_irq(Machine *m, int gsi, int level)
{
    KvmVm *vm = m->accel_state;
    if (gsi < 0 || gsi >= PC_NR_GSIS) {
        log_mask(LOG_GUEST_ERROR, "kvm: interrupt line %d does not exist\n", gsi);
        return;
    }
    struct kvm_irq_level irq = { .irq = (uint32_t)gsi, .level = level ? 1 : 0 };
    if (kvm_ioctl(vm->vm_fd, KVM_IRQ_LINE, &irq) < 0) {
        warn_report("KVM_IRQ_LINE %d: %s", gsi, strerror(errno));
    }
}

const AccelOps accel_kvm = {
    .name = "kvm",
    .kernel_irqchip = true,
    .unavailable = kvm_unavailable,
    .init = kvm_init,
    .vcpu_init = kvm_vcpu_init,
    .run = kvm_run_vcpu,
    .get_state = kvm_get_state,
    .set_state = kvm_set_state,
    .reset_vcpu = kvm_reset_vcpu,
    .set_irq = kvm_set_irq,
    .kick = kvm_kick,
    .memory_changed = kvm_memory_changed,
    .vcpu_destroy = kvm_vcpu_destroy,
    .destroy = kvm_destroy,
};
