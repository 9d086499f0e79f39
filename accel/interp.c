/* The interp backend: runs vCPUs on tandem's software CPU over the soft MMU. */
#include "accel/interp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/x86/codecache.h"
#include "cpu/x86/cpuid.h"
#include "cpu/x86/soft_cpuid.h"
#include "hw/machine.h"
#include "hw/soft_irqchip.h"
#include "ui/log.h"

/*
 * vCPUs share one lock and so run one at a time, each for a slice of
 * blocks, then let the next one in: every vCPU has its own state, TLB,
 * LAPIC and thread, and the code cache and LOCKed instructions need no more
 * care.
 *
 * Interrupts come from the software irqchip (hw/soft_irqchip.h).  A vCPU
 * looks at its LAPIC and the PIC before a block when cpu->irq_check is set:
 * by a kick (a LAPIC or the PIC's INTR raised something), after a write to
 * MMIO or an MSR (an EOI may unblock a lower priority), after MOV CR8, and
 * it stays set while an interrupt waits for IF or the interrupt shadow.
 */

#define SLICE_BLOCKS 4096

/*
 * The jump cache: the last block run at each linear address, so that the
 * common case skips the TLB probe and the code cache's hash lookup.  An
 * entry holds while nothing it was derived from changed: no block was
 * dropped (codecache_generation) and no TLB flush or INVLPG happened (the
 * linear-to-physical mapping and its execute permission are what a
 * flush invalidates; a guest that edits a PTE without INVLPG may run
 * through the stale mapping, as hardware may, SDM vol. 3A 4.10.4).  An
 * entry for a global page survives the flushes that keep global pages
 * (a MOV to CR3 with CR4.PGE set, SDM vol. 3A 4.10.4.1): the kernel's
 * blocks stay cached across context switches.
 */
#define JUMP_CACHE_BITS 12

typedef struct JumpCacheEntry {
    uint64_t la;
    uint64_t generation;  /* jump_generation() when filled */
    uint64_t flushes;     /* the TLB's flush count when filled (non-global pages) */
    Block *block;
    uint8_t mode;         /* X86DecodeMode */
    uint8_t mmu_idx;
    bool global;          /* the code page is mapped global */
} JumpCacheEntry;

typedef struct InterpVM {
    pthread_mutex_t lock;
    CodeCache *code;
    X86CpuModel model;
    X86Cpuid supported;
} InterpVM;

typedef struct InterpVCPU {
    X86Cpu cpu;
    X86Cpuid cpuid;
    jmp_buf unwind;      /* exceptions unwind here, to the loop in run_slice_locked() */
    VCPU *vcpu;
    Lapic *lapic;
    X86CpuPlatform platform;
    /* INIT and SIPI arrive from other threads; the vCPU applies them itself. */
    int pending_init;
    int pending_sipi;    /* vector + 1, or 0 */
    JumpCacheEntry jump_cache[1u << JUMP_CACHE_BITS];
} InterpVCPU;

static const char *interp_unavailable(void)
{
    return NULL;   /* needs nothing from the host */
}

static uint64_t ram_pages(const Machine *m)
{
    uint64_t top = m->ram_above_4g ? PC_HIGHMEM_BASE + m->ram_above_4g : m->ram_below_4g;
    return top >> MMU_PAGE_BITS;
}

/*
 * What the LAPIC each vCPU gets here (hw/apic.h) adds to the software CPU's
 * CPUID: an on-chip APIC, x2APIC mode and the TSC-deadline timer (CPUID
 * leaf 1 EDX bit 9, ECX bits 21 and 24; SDM vol. 3A 10.4.2, 10.12.1, 10.5.4.1).
 */
static void interp_add_lapic_features(X86Cpuid *supported)
{
    X86CpuidEntry *leaf1 = (X86CpuidEntry *)x86_cpuid_find(supported, 1, 0);
    if (leaf1) {
        leaf1->edx |= 1u << 9;
        leaf1->ecx |= (1u << 21) | (1u << 24);
    }
}

static int interp_init(Machine *m, char *err, size_t errlen)
{
    InterpVM *vm = calloc(1, sizeof(*vm));
    if (x86_cpu_model_parse(m->opts->cpu_model, &vm->model, err, errlen) != 0) {
        free(vm);
        return -1;
    }
    pthread_mutex_init(&vm->lock, NULL);
    x86_soft_cpuid_supported(&vm->supported);
    interp_add_lapic_features(&vm->supported);
    vm->code = codecache_new(ram_pages(m));
    m->accel_state = vm;
    return 0;
}

/* ---- the LAPIC's view of this vCPU (called with the device lock held) ---- */

static void lapic_kick(void *opaque)
{
    InterpVCPU *iv = opaque;
    vcpu_kick(iv->vcpu);
}

static void lapic_init(void *opaque)
{
    InterpVCPU *iv = opaque;
    __atomic_store_n(&iv->pending_init, 1, __ATOMIC_RELEASE);
    vcpu_kick(iv->vcpu);
}

static void lapic_sipi(void *opaque, uint8_t vector)
{
    InterpVCPU *iv = opaque;
    __atomic_store_n(&iv->pending_sipi, vector + 1, __ATOMIC_RELEASE);
    vcpu_kick(iv->vcpu);
}

static uint64_t lapic_read_tsc(void *opaque)
{
    InterpVCPU *iv = opaque;
    return x86_tsc_read(&iv->cpu);
}

static const LapicCpuOps interp_lapic_ops = {
    .kick = lapic_kick,
    .init = lapic_init,
    .sipi = lapic_sipi,
    .read_tsc = lapic_read_tsc,
};

/* ---- the CPU's view of its LAPIC (vCPU thread, device lock not held) ---- */

static bool platform_apic_msr_read(void *opaque, uint32_t msr, uint64_t *value)
{
    InterpVCPU *iv = opaque;
    machine_lock();
    bool ok = true;
    if (msr == 0x1b) {
        *value = lapic_get_base(iv->lapic);
    } else {
        ok = lapic_msr_read(iv->lapic, msr, value);
    }
    machine_unlock();
    return ok;
}

static bool platform_apic_msr_write(void *opaque, uint32_t msr, uint64_t value)
{
    InterpVCPU *iv = opaque;
    machine_lock();
    bool ok = msr == 0x1b ? lapic_set_base(iv->lapic, value) : lapic_msr_write(iv->lapic, msr, value);
    machine_unlock();
    iv->cpu.irq_check = 1;
    return ok;
}

static uint8_t platform_tpr_read(void *opaque)
{
    InterpVCPU *iv = opaque;
    machine_lock();
    uint8_t v = lapic_get_tpr(iv->lapic);
    machine_unlock();
    return v;
}

static void platform_tpr_write(void *opaque, uint8_t v)
{
    InterpVCPU *iv = opaque;
    machine_lock();
    lapic_set_tpr(iv->lapic, v);
    machine_unlock();
}

static int interp_vcpu_init(VCPU *v, char *err, size_t errlen)
{
    Machine *m = v->machine;
    InterpVM *vm = m->accel_state;
    InterpVCPU *iv = calloc(1, sizeof(*iv));
    x86_cpu_init(&iv->cpu, &m->mem, &m->io);
    x86_cpuid_build(&vm->model, &vm->supported, v->index, m->nr_vcpus, &iv->cpuid);
    iv->cpu.cpuid = &iv->cpuid;
    const X86CpuidEntry *leaf0 = x86_cpuid_find(&iv->cpuid, 0, 0);
    iv->cpu.vendor_amd = leaf0 && leaf0->ebx == 0x68747541;   /* "Auth" */
    iv->cpu.vcpu = v;
    iv->vcpu = v;
    iv->platform = (X86CpuPlatform){
        .apic_msr_read = platform_apic_msr_read,
        .apic_msr_write = platform_apic_msr_write,
        .tpr_read = platform_tpr_read,
        .tpr_write = platform_tpr_write,
        .opaque = iv,
    };
    iv->cpu.platform = &iv->platform;
    machine_lock();
    iv->lapic = lapic_new(m->irqchip->apic_bus, v->index, &interp_lapic_ops, iv);
    machine_unlock();
    apic_bus_set_current(iv->lapic);   /* this thread's xAPIC MMIO accesses */
    pthread_mutex_lock(&vm->lock);
    codecache_attach(vm->code, &iv->cpu);
    pthread_mutex_unlock(&vm->lock);
    v->accel = iv;
    return 0;
}

/* The guest-physical address of the instruction at CS:RIP, translating (and faulting) as a fetch. */
static uint64_t code_gpa(X86Cpu *cpu, uint64_t *la_out)
{
    uint64_t la = cpu->mode64 ? cpu->s.rip : (uint32_t)(cpu->s.segs[SEG_CS].base + cpu->s.rip);
    *la_out = la;
    TlbEntry *e = tlb_entry(&cpu->tlb, x86_mmu_idx(cpu), la);
    if (e->tag[MMU_EXEC] == (la & MMU_PAGE_MASK)) {
        return e->gpa | (la & ~MMU_PAGE_MASK);
    }
    uint8_t byte;
    uint64_t page;
    x86_fetch(cpu, la, &byte, 1, &page);
    return page | (la & ~MMU_PAGE_MASK);
}

/* Whether a block may run from here without per-instruction CS limit checks. */
static bool block_within_limit(const X86Cpu *cpu, const Block *b)
{
    return cpu->mode64 || cpu->s.rip + b->bytes - 1 <= cpu->s.segs[SEG_CS].limit;
}

static void run_block(X86Cpu *cpu, const Block *b)
{
    uint64_t mask = cpu->code_bits == 64 ? ~0ull : x86_size_mask(cpu->code_bits / 8);
    cpu->end_block = false;
    for (unsigned i = 0; i < b->nr_insns; i++) {
        const CachedInsn *ci = &b->insns[i];
        uint64_t next = (cpu->s.rip + ci->insn.len) & mask;
        uint8_t shadow = cpu->s.events.interrupt_shadow;
        cpu->next_rip = next;
        if (ci->handler) {
            ci->handler(cpu, &ci->insn);
        } else {
            x86_execute(cpu, &ci->insn);   /* logs under -d unimp and raises #UD */
        }
        cpu->s.rip = cpu->next_rip;
        cpu->s.events.interrupt_shadow &= ~shadow;
        cpu->icount++;
        if (cpu->end_block || cpu->next_rip != next || cpu->stop) {
            break;
        }
    }
    cpu->end_block = false;
}

/* Grows whenever any jump cache entry may have become wrong (see JumpCacheEntry). */
static uint64_t jump_generation(const X86Cpu *cpu, const CodeCache *cc)
{
    const MmuCounters *c = &cpu->tlb.count;
    return codecache_generation(cc) + c->global_flushes + c->page_flushes;
}

static bool jump_entry_valid(const JumpCacheEntry *e, const X86Cpu *cpu, uint64_t la,
                             uint64_t generation, uint8_t mode, uint8_t mmu_idx)
{
    return e->block && e->la == la && e->generation == generation && e->mode == mode &&
           e->mmu_idx == mmu_idx && (e->global || e->flushes == cpu->tlb.count.flushes);
}

/* The block at CS:RIP, through the jump cache; NULL where none can be cached. */
static Block *find_block(InterpVCPU *iv, CodeCache *cc)
{
    X86Cpu *cpu = &iv->cpu;
    uint64_t la = cpu->mode64 ? cpu->s.rip : (uint32_t)(cpu->s.segs[SEG_CS].base + cpu->s.rip);
    uint8_t mode = x86_decode_mode(cpu), mmu_idx = x86_mmu_idx(cpu);
    JumpCacheEntry *e = &iv->jump_cache[(la ^ (la >> JUMP_CACHE_BITS)) & ((1u << JUMP_CACHE_BITS) - 1)];
    if (jump_entry_valid(e, cpu, la, jump_generation(cpu, cc), mode, mmu_idx)) {
        return e->block;
    }
    uint64_t gpa = code_gpa(cpu, &la);
    Block *b = codecache_lookup(cc, cpu, gpa, la);
    if (b) {
        /* code_gpa() left the page's entry in the TLB (a fault would have unwound). */
        const TlbEntry *t = tlb_entry(&cpu->tlb, mmu_idx, la);
        *e = (JumpCacheEntry){ .la = la, .generation = jump_generation(cpu, cc),
                               .flushes = cpu->tlb.count.flushes, .block = b, .mode = mode,
                               .mmu_idx = mmu_idx, .global = t->global };
    }
    return b;
}

/* One block, or one instruction where no block can be cached. */
static void run_next(InterpVCPU *iv, CodeCache *cc)
{
    X86Cpu *cpu = &iv->cpu;
    bool tf = cpu->s.rflags & X86_FLAG_TF;
    bool rf = cpu->s.rflags & X86_FLAG_RF;
    bool breakpoints = x86_insn_breakpoints_armed(cpu);
    if (!tf && !cpu->single_step_pending && !breakpoints) {
        Block *b = find_block(iv, cc);
        if (b && block_within_limit(cpu, b)) {
            run_block(cpu, b);
            return;
        }
    }
    /*
     * One instruction: single-stepping or instruction breakpoints armed (a
     * block ends where TF or DR7 can change: POPF, IRET, MOV DR ...), or no
     * block here.
     */
    X86Insn insn;
    uint8_t shadow = cpu->s.events.interrupt_shadow;
    if (breakpoints) {
        x86_check_insn_breakpoints(cpu);
    }
    x86_fetch_decode(cpu, &insn);
    uint64_t mask = cpu->code_bits == 64 ? ~0ull : x86_size_mask(cpu->code_bits / 8);
    cpu->next_rip = (cpu->s.rip + insn.len) & mask;
    x86_execute(cpu, &insn);
    x86_clear_rf(cpu, &insn, rf);
    cpu->s.rip = cpu->next_rip;
    cpu->s.events.interrupt_shadow &= ~shadow;
    cpu->icount++;
    cpu->end_block = false;
    x86_single_step(cpu, &insn, tf, shadow);
}

static bool interrupts_enabled(const X86Cpu *cpu)
{
    return (cpu->s.rflags & X86_FLAG_IF) && !cpu->s.events.interrupt_shadow;
}

/*
 * Take an NMI or an external interrupt if one is deliverable (SDM vol. 3A
 * 6.9: NMI first, then the LAPIC's fixed interrupts, then the PIC through
 * LINT0).  The vector is acknowledged under the device lock and delivered
 * after it is released, since delivery may fault.  Returns true if one was
 * delivered (RIP is at its handler).
 */
static bool take_interrupt(InterpVCPU *iv)
{
    X86Cpu *cpu = &iv->cpu;
    SoftIrqchip *sc = iv->vcpu->machine->irqchip;
    int vector = -1;
    bool nmi = false, blocked = false;

    __atomic_store_n(&cpu->irq_check, 0, __ATOMIC_RELEASE);
    machine_lock();
    bool pic_intr = i8259_intr_level(sc->pic);
    bool extint = lapic_extint_pending(iv->lapic, pic_intr) && pic_intr;
    if (lapic_nmi_pending(iv->lapic) && !cpu->s.events.nmi_masked) {
        lapic_nmi_accept(iv->lapic);
        nmi = true;
    } else if (interrupts_enabled(cpu)) {
        vector = lapic_pending_vector(iv->lapic);
        if (vector >= 0) {
            lapic_accept(iv->lapic, vector);
        } else if (extint) {
            vector = i8259_acknowledge(sc->pic);
        }
    } else {
        blocked = extint || lapic_pending_vector(iv->lapic) >= 0;
    }
    machine_unlock();

    if (blocked) {
        cpu->irq_check = 1;   /* look again when IF or the shadow allows */
    }
    if (nmi) {
        cpu->s.events.nmi_masked = 1;
        cpu->s.run_state = X86_RUNNABLE;
        x86_deliver(cpu, X86_EXC_NMI, X86_NO_ERROR_CODE, false);
        return true;
    }
    if (vector < 0) {
        return false;
    }
    cpu->s.run_state = X86_RUNNABLE;
    log_mask(LOG_INT, "vcpu%d: interrupt vector 0x%02x\n", iv->vcpu->index, vector);
    x86_deliver(cpu, vector, X86_NO_ERROR_CODE, false);
    return true;
}

/* INIT and SIPI from other vCPUs (SDM vol. 3A 8.4.3): applied at the top of run(). */
static void apply_init_sipi(InterpVCPU *iv)
{
    X86Cpu *cpu = &iv->cpu;
    if (__atomic_exchange_n(&iv->pending_init, 0, __ATOMIC_ACQ_REL)) {
        /* SDM vol. 3A 9.1: INIT leaves the MSRs (MTRRs, PAT, APIC base), the TSC
         * and the x87/SSE state alone; EFER is reset with the rest (table 9-1). */
        X86State s;
        x86_state_reset(&s);
        uint64_t efer = s.msr.efer;
        s.msr = cpu->s.msr;
        s.msr.efer = efer;
        s.msr.tsc = x86_tsc_read(cpu);
        s.fpu = cpu->s.fpu;
        s.run_state = X86_WAIT_FOR_SIPI;
        x86_cpu_set_state(cpu, &s);
    }
    int sipi = __atomic_exchange_n(&iv->pending_sipi, 0, __ATOMIC_ACQ_REL);
    if (sipi && cpu->s.run_state == X86_WAIT_FOR_SIPI) {
        X86State s = cpu->s;
        uint8_t vector = sipi - 1;
        s.segs[SEG_CS].selector = vector << 8;
        s.segs[SEG_CS].base = (uint64_t)vector << 12;
        s.rip = 0;
        s.run_state = X86_RUNNABLE;
        x86_cpu_set_state(cpu, &s);
    }
}

static VCPUExitKind stop_to_exit(X86Cpu *cpu, VCPUExit *exit)
{
    X86StopReason stop = cpu->stop;
    cpu->stop = X86_STOP_NONE;
    switch (stop) {
    case X86_STOP_HLT:
        cpu->s.run_state = X86_HALTED;
        return VCPU_EXIT_HLT;
    case X86_STOP_SHUTDOWN:
        return VCPU_EXIT_SHUTDOWN;
    case X86_STOP_ERROR:
        snprintf(exit->error, sizeof(exit->error), "%s", cpu->error);
        return VCPU_EXIT_ERROR;
    default:
        return VCPU_EXIT_KICK;
    }
}

/*
 * Up to SLICE_BLOCKS blocks.  Exceptions longjmp back to the one setjmp
 * here (taking a setjmp per block cost ~5% of a Linux boot).
 */
static VCPUExitKind run_slice_locked(InterpVCPU *iv, CodeCache *cc, VCPUExit *exit, jmp_buf *env)
{
    X86Cpu *cpu = &iv->cpu;
    volatile unsigned n = 0;
    int r = setjmp(*env);
    if (r != 0) {
        if (r == 1) {
            X86StopReason stop = x86_deliver_raised(cpu);
            cpu->unwind = env;
            if (stop != X86_STOP_NONE) {
                cpu->stop = stop;
            }
        }
        codecache_collect(cc);
        if (cpu->stop != X86_STOP_NONE) {
            return stop_to_exit(cpu, exit);
        }
        n++;
    }
    for (; n < SLICE_BLOCKS; n++) {
        if (__atomic_load_n(&cpu->kick, __ATOMIC_ACQUIRE)) {
            __atomic_store_n(&cpu->kick, 0, __ATOMIC_RELEASE);
            return VCPU_EXIT_KICK;
        }
        if (cpu->irq_check && !take_interrupt(iv) && cpu->s.run_state != X86_RUNNABLE) {
            return VCPU_EXIT_HLT;   /* halted, and nothing to wake it */
        }
        run_next(iv, cc);
        codecache_collect(cc);
        if (cpu->stop != X86_STOP_NONE) {
            return stop_to_exit(cpu, exit);
        }
    }
    return VCPU_EXIT_NONE;
}

static void interp_run(VCPU *v, VCPUExit *exit)
{
    InterpVM *vm = v->machine->accel_state;
    InterpVCPU *iv = v->accel;
    pthread_mutex_lock(&vm->lock);
    apply_init_sipi(iv);
    if (iv->cpu.s.run_state == X86_WAIT_FOR_SIPI) {
        exit->kind = VCPU_EXIT_HLT;   /* nothing to run until a SIPI */
    } else {
        if (iv->cpu.s.run_state == X86_HALTED) {
            iv->cpu.irq_check = 1;    /* HLT ends with an interrupt: look */
        }
        iv->cpu.unwind = &iv->unwind;
        exit->kind = run_slice_locked(iv, vm->code, exit, &iv->unwind);
    }
    pthread_mutex_unlock(&vm->lock);
}

static void interp_get_state(VCPU *v, X86State *s)
{
    InterpVCPU *iv = v->accel;
    *s = iv->cpu.s;
    s->msr.tsc = x86_tsc_read(&iv->cpu);
}

static void interp_set_state(VCPU *v, const X86State *s)
{
    InterpVM *vm = v->machine->accel_state;
    InterpVCPU *iv = v->accel;
    pthread_mutex_lock(&vm->lock);
    x86_cpu_set_state(&iv->cpu, s);
    pthread_mutex_unlock(&vm->lock);
}

static void interp_reset_vcpu(VCPU *v, const X86State *s)
{
    InterpVCPU *iv = v->accel;
    machine_lock();
    lapic_reset(iv->lapic);
    machine_unlock();
    __atomic_store_n(&iv->pending_init, 0, __ATOMIC_RELEASE);
    __atomic_store_n(&iv->pending_sipi, 0, __ATOMIC_RELEASE);
    interp_set_state(v, s);
}

static void interp_set_irq(Machine *m, int gsi, int level)
{
    if (gsi >= 0 && gsi < PC_NR_GSIS) {
        soft_irqchip_set_irq(m->irqchip, gsi, level);
    }
}

static void interp_kick(VCPU *v)
{
    InterpVCPU *iv = v->accel;
    if (iv) {
        __atomic_store_n(&iv->cpu.irq_check, 1, __ATOMIC_RELEASE);
        __atomic_store_n(&iv->cpu.kick, 1, __ATOMIC_RELEASE);
    }
}

static void interp_memory_changed(Machine *m)
{
    InterpVM *vm = m->accel_state;
    pthread_mutex_lock(&vm->lock);
    codecache_flush(vm->code);
    codecache_collect(vm->code);
    for (int i = 0; i < m->nr_vcpus; i++) {
        InterpVCPU *iv = m->vcpus[i].accel;
        if (iv) {
            tlb_flush_all(&iv->cpu.tlb);
        }
    }
    pthread_mutex_unlock(&vm->lock);
}

/* -d mmu: the soft MMU's counters, once per vCPU when it goes away. */
static void log_mmu_counters(const InterpVCPU *iv)
{
    const MmuCounters *c = &iv->cpu.tlb.count;
    log_mask(LOG_MMU, "mmu: vcpu%d TLB hits %llu misses %llu walks %llu faults %llu flushes %llu "
             "(%llu with global pages) page flushes %llu\n", iv->vcpu->index,
             (unsigned long long)c->hits, (unsigned long long)c->misses,
             (unsigned long long)c->walks, (unsigned long long)c->faults,
             (unsigned long long)c->flushes, (unsigned long long)c->global_flushes,
             (unsigned long long)c->page_flushes);
}

/*
 * pc-testdev's page flush: the soft MMU's translations to the page and the
 * blocks decoded from it go.  The caller is an interp vCPU thread in a
 * device callback, so the interp lock is held: the other vCPUs are not
 * running and their TLBs can be changed here.
 */
static void interp_flush_guest_page(Machine *m, uint64_t gpa)
{
    InterpVM *vm = m->accel_state;
    codecache_drop_gpa(vm->code, gpa);
    for (int i = 0; i < m->nr_vcpus; i++) {
        InterpVCPU *iv = m->vcpus[i].accel;
        if (iv) {
            tlb_drop_gpa(&iv->cpu.tlb, gpa);
            iv->cpu.end_block = true;   /* the running block may come from that page */
        }
    }
}

static void interp_vcpu_destroy(VCPU *v)
{
    InterpVCPU *iv = v->accel;
    if (iv) {
        log_mmu_counters(iv);
    }
    if (iv && iv->lapic) {
        machine_lock();
        lapic_free(iv->lapic);
        machine_unlock();
    }
    free(v->accel);
    v->accel = NULL;
}

static void interp_destroy(Machine *m)
{
    InterpVM *vm = m->accel_state;
    if (vm) {
        codecache_free(vm->code);
        pthread_mutex_destroy(&vm->lock);
        free(vm);
    }
    m->accel_state = NULL;
}

const AccelOps accel_interp = {
    .name = "interp",
    .kernel_irqchip = false,
    .unavailable = interp_unavailable,
    .init = interp_init,
    .vcpu_init = interp_vcpu_init,
    .run = interp_run,
    .get_state = interp_get_state,
    .set_state = interp_set_state,
    .reset_vcpu = interp_reset_vcpu,
    .set_irq = interp_set_irq,
    .kick = interp_kick,
    .memory_changed = interp_memory_changed,
    .flush_guest_page = interp_flush_guest_page,
    .vcpu_destroy = interp_vcpu_destroy,
    .destroy = interp_destroy,
};
