/* difftest's fast path into a kvm vCPU: KVM_RUN with registers in kvm_run's sync area (kvm-difftest.h). */
#include "accel/kvm-difftest.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "accel/kvm-internal.h"

/*
 * The sync area (api.rst, "kvm_valid_regs", "kvm_dirty_regs", "s.regs"):
 * with KVM_SYNC_X86_REGS|SREGS in kvm_valid_regs, KVM copies the registers
 * out at every exit; a bit in kvm_dirty_regs makes it load them from there
 * before entering.
 */

struct KvmDifftest {
    KvmVcpu *c;
    bool valid[KVM_DT_SREGS_SLOTS];
    struct kvm_sregs sregs[KVM_DT_SREGS_SLOTS];
};

KvmDifftest *kvm_difftest_new(VCPU *v, char *err, size_t errlen)
{
    KvmVcpu *c = v->accel;
    KvmVm *vm = kvm_vm(v);
    int caps = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_SYNC_REGS);
    const int want = KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS;
    if (caps < 0 || (caps & want) != want) {
        snprintf(err, errlen, "kvm: KVM_CAP_SYNC_REGS lacks regs/sregs (0x%x)", caps < 0 ? 0 : caps);
        return NULL;
    }
    KvmDifftest *d = calloc(1, sizeof(*d));
    d->c = c;
    c->run->kvm_valid_regs = want;
    c->run->kvm_dirty_regs = 0;
    return d;
}

void kvm_difftest_free(KvmDifftest *d)
{
    if (d) {
        d->c->run->kvm_valid_regs = 0;
        d->c->run->kvm_dirty_regs = 0;
        free(d);
    }
}

int kvm_difftest_save_sregs(KvmDifftest *d, int slot, char *err, size_t errlen)
{
    if (slot < 0 || slot >= KVM_DT_SREGS_SLOTS) {
        snprintf(err, errlen, "kvm_difftest_save_sregs: bad slot %d", slot);
        return -1;
    }
    int r;
    do {
        r = ioctl(d->c->fd, KVM_GET_SREGS, &d->sregs[slot]);
    } while (r < 0 && errno == EINTR);
    if (r < 0) {
        snprintf(err, errlen, "KVM_GET_SREGS: %s", strerror(errno));
        return -1;
    }
    d->valid[slot] = true;
    return 0;
}

void kvm_difftest_load_sregs(KvmDifftest *d, int slot)
{
    if (slot < 0 || slot >= KVM_DT_SREGS_SLOTS || !d->valid[slot]) {
        return;
    }
    d->c->run->s.regs.sregs = d->sregs[slot];
    d->c->run->kvm_dirty_regs |= KVM_SYNC_X86_SREGS;
}

static bool same_segment(const struct kvm_segment *a, const struct kvm_segment *b)
{
    return a->selector == b->selector && a->base == b->base && a->limit == b->limit &&
           a->type == b->type && a->dpl == b->dpl && a->db == b->db && a->l == b->l &&
           a->present == b->present;
}

bool kvm_difftest_sregs_match(const KvmDifftest *d, int slot)
{
    if (slot < 0 || slot >= KVM_DT_SREGS_SLOTS || !d->valid[slot]) {
        return false;
    }
    const struct kvm_sregs *a = &d->c->run->s.regs.sregs, *b = &d->sregs[slot];
    return same_segment(&a->cs, &b->cs) && same_segment(&a->ss, &b->ss) &&
           same_segment(&a->ds, &b->ds) && same_segment(&a->es, &b->es) &&
           same_segment(&a->fs, &b->fs) && same_segment(&a->gs, &b->gs);
}

void kvm_difftest_set_regs(KvmDifftest *d, const uint64_t *regs, uint64_t rip, uint64_t rflags)
{
    struct kvm_regs *k = &d->c->run->s.regs.regs;
    k->rax = regs[R_EAX];
    k->rcx = regs[R_ECX];
    k->rdx = regs[R_EDX];
    k->rbx = regs[R_EBX];
    k->rsp = regs[R_ESP];
    k->rbp = regs[R_EBP];
    k->rsi = regs[R_ESI];
    k->rdi = regs[R_EDI];
    k->r8 = regs[R_R8];
    k->r9 = regs[R_R9];
    k->r10 = regs[R_R10];
    k->r11 = regs[R_R11];
    k->r12 = regs[R_R12];
    k->r13 = regs[R_R13];
    k->r14 = regs[R_R14];
    k->r15 = regs[R_R15];
    k->rip = rip;
    k->rflags = rflags;
    d->c->run->kvm_dirty_regs |= KVM_SYNC_X86_REGS;
}

static void segment_from(X86Segment *d, const struct kvm_segment *k)
{
    memset(d, 0, sizeof(*d));
    d->base = k->base;
    d->limit = k->limit;
    d->selector = k->selector;
    d->type = k->type;
    d->s = k->s;
    d->dpl = k->dpl;
    d->present = k->present;
    d->avl = k->avl;
    d->l = k->l;
    d->db = k->db;
    d->g = k->g;
    d->unusable = k->unusable;
}

static void copy_out(const struct kvm_run *run, KvmDifftestExit *exit)
{
    const struct kvm_regs *k = &run->s.regs.regs;
    const struct kvm_sregs *s = &run->s.regs.sregs;
    uint64_t *r = exit->regs;
    r[R_EAX] = k->rax; r[R_ECX] = k->rcx; r[R_EDX] = k->rdx; r[R_EBX] = k->rbx;
    r[R_ESP] = k->rsp; r[R_EBP] = k->rbp; r[R_ESI] = k->rsi; r[R_EDI] = k->rdi;
    r[R_R8] = k->r8; r[R_R9] = k->r9; r[R_R10] = k->r10; r[R_R11] = k->r11;
    r[R_R12] = k->r12; r[R_R13] = k->r13; r[R_R14] = k->r14; r[R_R15] = k->r15;
    exit->rip = k->rip;
    exit->rflags = k->rflags;
    exit->cr2 = s->cr2;
    segment_from(&exit->segs[SEG_ES], &s->es);
    segment_from(&exit->segs[SEG_CS], &s->cs);
    segment_from(&exit->segs[SEG_SS], &s->ss);
    segment_from(&exit->segs[SEG_DS], &s->ds);
    segment_from(&exit->segs[SEG_FS], &s->fs);
    segment_from(&exit->segs[SEG_GS], &s->gs);
}

void kvm_difftest_run(KvmDifftest *d, KvmDifftestExit *exit)
{
    KvmVcpu *c = d->c;
    struct kvm_run *run = c->run;
    memset(exit, 0, sizeof(*exit));
    int r = ioctl(c->fd, KVM_RUN, 0);
    int e = errno;
    run->kvm_dirty_regs = 0;
    if (r < 0) {
        if (e == EINTR || e == EAGAIN) {
            /* a kick (kvm.c sets immediate_exit and signals): consume it */
            atomic_store(&c->kicked, false);
            __atomic_store_n(&run->immediate_exit, 0, __ATOMIC_SEQ_CST);
            exit->kind = KVM_DT_EXIT_KICK;
        } else {
            exit->kind = KVM_DT_EXIT_ERROR;
            snprintf(exit->error, sizeof(exit->error), "KVM_RUN: %s", strerror(e));
        }
        return;
    }
    copy_out(run, exit);
    switch (run->exit_reason) {
    case KVM_EXIT_IO:
        exit->kind = KVM_DT_EXIT_IO;
        exit->port = run->io.port;
        break;
    case KVM_EXIT_SHUTDOWN:
        exit->kind = KVM_DT_EXIT_SHUTDOWN;
        break;
    case KVM_EXIT_INTR:
        atomic_store(&c->kicked, false);
        __atomic_store_n(&run->immediate_exit, 0, __ATOMIC_SEQ_CST);
        exit->kind = KVM_DT_EXIT_KICK;
        break;
    case KVM_EXIT_INTERNAL_ERROR:
        exit->kind = KVM_DT_EXIT_ERROR;
        snprintf(exit->error, sizeof(exit->error), "KVM internal error, suberror %u",
                 run->internal.suberror);
        break;
    default:
        exit->kind = KVM_DT_EXIT_ERROR;
        snprintf(exit->error, sizeof(exit->error), "unexpected KVM exit reason %u",
                 run->exit_reason);
        break;
    }
}

const X86Cpuid *kvm_difftest_cpuid(const KvmDifftest *d)
{
    return &d->c->cpuid;
}
