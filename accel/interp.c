/* The interp backend: runs vCPUs on tandem's software CPU over the soft MMU. */
#include "accel/interp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/x86/codecache.h"
#include "cpu/x86/cpuid.h"
#include "cpu/x86/soft_cpuid.h"
#include "hw/machine.h"
#include "ui/log.h"

/*
 * vCPUs share one lock and so run one at a time, each for a slice of
 * blocks, then let the next one in: every vCPU has its own state, TLB and
 * thread, and the code cache and LOCKed instructions need no more care.
 * Interrupt controllers and timers in software come with the whole-system
 * milestone; until then a device's IRQ line is recorded and not delivered.
 */

#define SLICE_BLOCKS 4096

typedef struct InterpVM {
    pthread_mutex_t lock;
    CodeCache *code;
    X86CpuModel model;
    X86Cpuid supported;
    int irq_level[PC_NR_GSIS];
} InterpVM;

typedef struct InterpVCPU {
    X86Cpu cpu;
    X86Cpuid cpuid;
    jmp_buf unwind;      /* exceptions unwind here, to the loop in run_slice_locked() */
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

static int interp_init(Machine *m, char *err, size_t errlen)
{
    InterpVM *vm = calloc(1, sizeof(*vm));
    if (x86_cpu_model_parse(m->opts->cpu_model, &vm->model, err, errlen) != 0) {
        free(vm);
        return -1;
    }
    pthread_mutex_init(&vm->lock, NULL);
    x86_soft_cpuid_supported(&vm->supported);
    vm->code = codecache_new(ram_pages(m));
    m->accel_state = vm;
    return 0;
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

/* One block, or one instruction where no block can be cached. */
static void run_next(X86Cpu *cpu, CodeCache *cc)
{
    uint64_t la;
    uint64_t gpa = code_gpa(cpu, &la);
    Block *b = codecache_lookup(cc, cpu, gpa, la);
    if (b && block_within_limit(cpu, b)) {
        run_block(cpu, b);
        return;
    }
    X86Insn insn;
    uint8_t shadow = cpu->s.events.interrupt_shadow;
    x86_fetch_decode(cpu, &insn);
    uint64_t mask = cpu->code_bits == 64 ? ~0ull : x86_size_mask(cpu->code_bits / 8);
    cpu->next_rip = (cpu->s.rip + insn.len) & mask;
    x86_execute(cpu, &insn);
    cpu->s.rip = cpu->next_rip;
    cpu->s.events.interrupt_shadow &= ~shadow;
    cpu->icount++;
    cpu->end_block = false;
}

static VCPUExitKind stop_to_exit(X86Cpu *cpu, VCPUExit *exit)
{
    X86StopReason stop = cpu->stop;
    cpu->stop = X86_STOP_NONE;
    switch (stop) {
    case X86_STOP_HLT:
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

static VCPUExitKind run_slice_locked(X86Cpu *cpu, CodeCache *cc, VCPUExit *exit, jmp_buf *env)
{
    for (volatile unsigned n = 0; n < SLICE_BLOCKS; n++) {
        if (__atomic_load_n(&cpu->kick, __ATOMIC_ACQUIRE)) {
            __atomic_store_n(&cpu->kick, 0, __ATOMIC_RELEASE);
            return VCPU_EXIT_KICK;
        }
        int r = setjmp(*env);
        if (r == 0) {
            run_next(cpu, cc);
        } else if (r == 1) {
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
    }
    return VCPU_EXIT_NONE;
}


static void interp_run(VCPU *v, VCPUExit *exit)
{
    InterpVM *vm = v->machine->accel_state;
    InterpVCPU *iv = v->accel;
    if (iv->cpu.s.run_state != X86_RUNNABLE) {
        /* Halted or waiting for SIPI: nothing to run until an interrupt arrives. */
        exit->kind = VCPU_EXIT_HLT;
        return;
    }
    pthread_mutex_lock(&vm->lock);
    iv->cpu.unwind = &iv->unwind;
    exit->kind = run_slice_locked(&iv->cpu, vm->code, exit, &iv->unwind);
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

static void interp_set_irq(Machine *m, int gsi, int level)
{
    InterpVM *vm = m->accel_state;
    if (gsi >= 0 && gsi < PC_NR_GSIS) {
        __atomic_store_n(&vm->irq_level[gsi], level, __ATOMIC_RELAXED);
    }
}

static void interp_kick(VCPU *v)
{
    InterpVCPU *iv = v->accel;
    if (iv) {
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

static void interp_vcpu_destroy(VCPU *v)
{
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
    .unavailable = interp_unavailable,
    .init = interp_init,
    .vcpu_init = interp_vcpu_init,
    .run = interp_run,
    .get_state = interp_get_state,
    .set_state = interp_set_state,
    .set_irq = interp_set_irq,
    .kick = interp_kick,
    .memory_changed = interp_memory_changed,
    .vcpu_destroy = interp_vcpu_destroy,
    .destroy = interp_destroy,
};
