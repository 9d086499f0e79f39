/* The kvm backend's state conversion: X86State <-> KVM's regs, sregs, MSRs, XSAVE, XCRs, DRs, events, MP state. */
#include "accel/kvm-internal.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "ui/log.h"

/*
 * set_state writes, in the order QEMU found KVM to need: regs, XSAVE, XCR0,
 * sregs (CR0/CR4/EFER before MSRs that depend on them, APIC base before the
 * LAPIC), MSRs, LAPIC (resets only), MP state, events, debug registers.
 * get_state reads the same pieces.  The rule is that set_state(s) then
 * get_state gives back s for a state the hardware accepts; kvm.h lists the
 * fields KVM cannot hand back unchanged.
 */

static int kvm_vcpu_ioctl(KvmVcpu *c, unsigned long request, void *arg, const char *what)
{
    int r;
    do {
        r = ioctl(c->fd, request, arg);
    } while (r < 0 && errno == EINTR);
    if (r < 0) {
        kvm_vcpu_fail(c, "%s: %s", what, strerror(errno));
    }
    return r;
}

/* ---- general registers ---- */

static void regs_from_kvm(X86State *s, const struct kvm_regs *k)
{
    s->regs[R_EAX] = k->rax;
    s->regs[R_ECX] = k->rcx;
    s->regs[R_EDX] = k->rdx;
    s->regs[R_EBX] = k->rbx;
    s->regs[R_ESP] = k->rsp;
    s->regs[R_EBP] = k->rbp;
    s->regs[R_ESI] = k->rsi;
    s->regs[R_EDI] = k->rdi;
    s->regs[R_R8] = k->r8;
    s->regs[R_R9] = k->r9;
    s->regs[R_R10] = k->r10;
    s->regs[R_R11] = k->r11;
    s->regs[R_R12] = k->r12;
    s->regs[R_R13] = k->r13;
    s->regs[R_R14] = k->r14;
    s->regs[R_R15] = k->r15;
    s->rip = k->rip;
    s->rflags = k->rflags;
}

static void regs_to_kvm(struct kvm_regs *k, const X86State *s)
{
    k->rax = s->regs[R_EAX];
    k->rcx = s->regs[R_ECX];
    k->rdx = s->regs[R_EDX];
    k->rbx = s->regs[R_EBX];
    k->rsp = s->regs[R_ESP];
    k->rbp = s->regs[R_EBP];
    k->rsi = s->regs[R_ESI];
    k->rdi = s->regs[R_EDI];
    k->r8 = s->regs[R_R8];
    k->r9 = s->regs[R_R9];
    k->r10 = s->regs[R_R10];
    k->r11 = s->regs[R_R11];
    k->r12 = s->regs[R_R12];
    k->r13 = s->regs[R_R13];
    k->r14 = s->regs[R_R14];
    k->r15 = s->regs[R_R15];
    k->rip = s->rip;
    k->rflags = s->rflags;
}

/* ---- segments and control registers ---- */

static void segment_from_kvm(X86Segment *d, const struct kvm_segment *k)
{
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

static void segment_to_kvm(struct kvm_segment *k, const X86Segment *d)
{
    memset(k, 0, sizeof(*k));
    k->base = d->base;
    k->limit = d->limit;
    k->selector = d->selector;
    k->type = d->type;
    k->s = d->s;
    k->dpl = d->dpl;
    k->present = d->present;
    k->avl = d->avl;
    k->l = d->l;
    k->db = d->db;
    k->g = d->g;
    k->unusable = d->unusable;
}

static void sregs_from_kvm(X86State *s, const struct kvm_sregs *k)
{
    segment_from_kvm(&s->segs[SEG_ES], &k->es);
    segment_from_kvm(&s->segs[SEG_CS], &k->cs);
    segment_from_kvm(&s->segs[SEG_SS], &k->ss);
    segment_from_kvm(&s->segs[SEG_DS], &k->ds);
    segment_from_kvm(&s->segs[SEG_FS], &k->fs);
    segment_from_kvm(&s->segs[SEG_GS], &k->gs);
    segment_from_kvm(&s->ldtr, &k->ldt);
    segment_from_kvm(&s->tr, &k->tr);
    s->gdtr.base = k->gdt.base;
    s->gdtr.limit = k->gdt.limit;
    s->idtr.base = k->idt.base;
    s->idtr.limit = k->idt.limit;
    s->cr0 = k->cr0;
    s->cr2 = k->cr2;
    s->cr3 = k->cr3;
    s->cr4 = k->cr4;
    s->cr8 = k->cr8;
    s->msr.efer = k->efer;
    s->msr.apic_base = k->apic_base;
}

/* interrupt_bitmap stays zero: pending interrupts travel in the events. */
static void sregs_to_kvm(struct kvm_sregs *k, const X86State *s)
{
    memset(k, 0, sizeof(*k));
    segment_to_kvm(&k->es, &s->segs[SEG_ES]);
    segment_to_kvm(&k->cs, &s->segs[SEG_CS]);
    segment_to_kvm(&k->ss, &s->segs[SEG_SS]);
    segment_to_kvm(&k->ds, &s->segs[SEG_DS]);
    segment_to_kvm(&k->fs, &s->segs[SEG_FS]);
    segment_to_kvm(&k->gs, &s->segs[SEG_GS]);
    segment_to_kvm(&k->ldt, &s->ldtr);
    segment_to_kvm(&k->tr, &s->tr);
    k->gdt.base = s->gdtr.base;
    k->gdt.limit = s->gdtr.limit;
    k->idt.base = s->idtr.base;
    k->idt.limit = s->idtr.limit;
    k->cr0 = s->cr0;
    k->cr2 = s->cr2;
    k->cr3 = s->cr3;
    k->cr4 = s->cr4;
    k->cr8 = s->cr8;
    k->efer = s->msr.efer;
    k->apic_base = s->msr.apic_base;
}

/* ---- MSRs ---- */

#define MSR_FIELD(idx, field) { (idx), (uint16_t)offsetof(X86Msrs, field) }
#define MSR_MTRR_DEF_TYPE 0x2ff

/* SDM vol. 4, table 2-2 (architectural MSRs) and 11.11 (MTRRs). */
static const KvmMsrField state_msr_fields[] = {
    MSR_FIELD(0x174, sysenter_cs), MSR_FIELD(0x175, sysenter_esp), MSR_FIELD(0x176, sysenter_eip),
    MSR_FIELD(0xc0000081, star), MSR_FIELD(0xc0000082, lstar), MSR_FIELD(0xc0000083, cstar),
    MSR_FIELD(0xc0000084, fmask), MSR_FIELD(0xc0000102, kernel_gs_base),
    MSR_FIELD(0x10, tsc), MSR_FIELD(0xc0000103, tsc_aux), MSR_FIELD(0x6e0, tsc_deadline),
    MSR_FIELD(0x277, pat), MSR_FIELD(0x1a0, misc_enable),
    MSR_FIELD(MSR_MTRR_DEF_TYPE, mtrr.def_type),
    MSR_FIELD(0x250, mtrr.fixed[0]), MSR_FIELD(0x258, mtrr.fixed[1]),
    MSR_FIELD(0x259, mtrr.fixed[2]), MSR_FIELD(0x268, mtrr.fixed[3]),
    MSR_FIELD(0x269, mtrr.fixed[4]), MSR_FIELD(0x26a, mtrr.fixed[5]),
    MSR_FIELD(0x26b, mtrr.fixed[6]), MSR_FIELD(0x26c, mtrr.fixed[7]),
    MSR_FIELD(0x26d, mtrr.fixed[8]), MSR_FIELD(0x26e, mtrr.fixed[9]),
    MSR_FIELD(0x26f, mtrr.fixed[10]),
    MSR_FIELD(0x200, mtrr.var_base[0]), MSR_FIELD(0x201, mtrr.var_mask[0]),
    MSR_FIELD(0x202, mtrr.var_base[1]), MSR_FIELD(0x203, mtrr.var_mask[1]),
    MSR_FIELD(0x204, mtrr.var_base[2]), MSR_FIELD(0x205, mtrr.var_mask[2]),
    MSR_FIELD(0x206, mtrr.var_base[3]), MSR_FIELD(0x207, mtrr.var_mask[3]),
    MSR_FIELD(0x208, mtrr.var_base[4]), MSR_FIELD(0x209, mtrr.var_mask[4]),
    MSR_FIELD(0x20a, mtrr.var_base[5]), MSR_FIELD(0x20b, mtrr.var_mask[5]),
    MSR_FIELD(0x20c, mtrr.var_base[6]), MSR_FIELD(0x20d, mtrr.var_mask[6]),
    MSR_FIELD(0x20e, mtrr.var_base[7]), MSR_FIELD(0x20f, mtrr.var_mask[7]),
};
#define NR_STATE_MSR_FIELDS (sizeof(state_msr_fields) / sizeof(state_msr_fields[0]))
_Static_assert(NR_STATE_MSR_FIELDS <= KVM_MAX_STATE_MSRS, "KVM_MAX_STATE_MSRS too small");

static bool msr_is_mtrr(uint32_t index)
{
    return index == MSR_MTRR_DEF_TYPE || (index >= 0x200 && index <= 0x26f);
}

/*
 * KVM's paravirtual MSRs (Documentation/virt/kvm/x86/msr.rst) as they are
 * after a reset: kvmclock, async PF, steal time and PV EOI off, host-side
 * halt polling on.
 */
static const struct { uint32_t index; uint64_t value; } kvm_pv_msrs_at_reset[] = {
    { 0x11, 0 }, { 0x12, 0 },                       /* MSR_KVM_WALL_CLOCK, SYSTEM_TIME */
    { 0x4b564d00, 0 }, { 0x4b564d01, 0 },           /* ..._NEW */
    { 0x4b564d02, 0 }, { 0x4b564d03, 0 },           /* ASYNC_PF_EN, STEAL_TIME */
    { 0x4b564d04, 0 }, { 0x4b564d06, 0 },           /* PV_EOI_EN, ASYNC_PF_INT */
    { 0x4b564d05, 1 },                              /* POLL_CONTROL */
};

typedef struct KvmMsrBuf {
    struct kvm_msrs hdr;
    struct kvm_msr_entry entries[KVM_MAX_STATE_MSRS + 16];
} KvmMsrBuf;

static uint64_t *msr_slot(X86Msrs *m, const KvmMsrField *f)
{
    return (uint64_t *)((uint8_t *)m + f->offset);
}

static uint64_t msr_value(const X86Msrs *m, const KvmMsrField *f)
{
    uint64_t v;
    memcpy(&v, (const uint8_t *)m + f->offset, sizeof(v));
    return v;
}

/* Can this vCPU read the MSR?  (KVM_GET_MSRS returns how many it read.) */
static bool msr_readable(KvmVcpu *c, uint32_t index)
{
    KvmMsrBuf buf;
    memset(&buf, 0, sizeof(buf));
    buf.hdr.nmsrs = 1;
    buf.entries[0].index = index;
    return ioctl(c->fd, KVM_GET_MSRS, &buf) == 1;
}

/*
 * The MSRs of X86Msrs that KVM lists in KVM_GET_MSR_INDEX_LIST, plus the
 * MTRRs when the guest has MTRR in CPUID (KVM emulates them without listing
 * them), each checked once by reading it.
 */
void kvm_vcpu_choose_msrs(KvmVm *vm, KvmVcpu *c)
{
    bool guest_mtrr = x86_cpuid_has_feature(&c->cpuid, "mtrr");
    c->nr_msrs = 0;
    for (size_t i = 0; i < NR_STATE_MSR_FIELDS; i++) {
        const KvmMsrField *f = &state_msr_fields[i];
        bool wanted = kvm_msr_listed(vm, f->index) || (msr_is_mtrr(f->index) && guest_mtrr);
        if (wanted && msr_readable(c, f->index)) {
            c->msrs[c->nr_msrs++] = *f;
        }
    }
}

/*
 * KVM_GET/SET_MSRS stop at the first MSR they refuse and return how many
 * they did; report that one and carry on after it.
 */
static void msrs_transfer(KvmVcpu *c, KvmMsrBuf *buf, bool set)
{
    unsigned long request = set ? KVM_SET_MSRS : KVM_GET_MSRS;
    uint32_t total = buf->hdr.nmsrs;
    uint32_t done = 0;
    while (done < total) {
        KvmMsrBuf part;
        part.hdr.nmsrs = total - done;
        part.hdr.pad = 0;
        memcpy(part.entries, buf->entries + done, (total - done) * sizeof(part.entries[0]));
        int r = ioctl(c->fd, request, &part);
        if (r < 0) {
            kvm_vcpu_fail(c, "%s: %s", set ? "KVM_SET_MSRS" : "KVM_GET_MSRS", strerror(errno));
            return;
        }
        memcpy(buf->entries + done, part.entries, (size_t)r * sizeof(part.entries[0]));
        done += (uint32_t)r;
        if (done < total) {
            warn_report("kvm: %s MSR 0x%x (value 0x%llx) refused", set ? "writing" : "reading",
                        buf->entries[done].index, (unsigned long long)buf->entries[done].data);
            buf->entries[done].data = 0;
            done++;
        }
    }
}

static void msrs_from_kvm(KvmVcpu *c, X86Msrs *m)
{
    KvmMsrBuf buf;
    memset(&buf, 0, sizeof(buf));
    buf.hdr.nmsrs = (uint32_t)c->nr_msrs;
    for (int i = 0; i < c->nr_msrs; i++) {
        buf.entries[i].index = c->msrs[i].index;
    }
    msrs_transfer(c, &buf, false);
    for (int i = 0; i < c->nr_msrs; i++) {
        *msr_slot(m, &c->msrs[i]) = buf.entries[i].data;
    }
}

static void msrs_to_kvm(KvmVm *vm, KvmVcpu *c, const X86Msrs *m, bool reset)
{
    KvmMsrBuf buf;
    memset(&buf, 0, sizeof(buf));
    uint32_t n = 0;
    for (int i = 0; i < c->nr_msrs; i++) {
        buf.entries[n].index = c->msrs[i].index;
        buf.entries[n++].data = msr_value(m, &c->msrs[i]);
    }
    for (size_t i = 0; reset && i < sizeof(kvm_pv_msrs_at_reset) / sizeof(kvm_pv_msrs_at_reset[0]); i++) {
        if (kvm_msr_listed(vm, kvm_pv_msrs_at_reset[i].index)) {
            buf.entries[n].index = kvm_pv_msrs_at_reset[i].index;
            buf.entries[n++].data = kvm_pv_msrs_at_reset[i].value;
        }
    }
    buf.hdr.nmsrs = n;
    msrs_transfer(c, &buf, true);
}

/* ---- x87, SSE, AVX: the XSAVE area (SDM vol. 1 10.5.1 and 13.4) ---- */

#define XSAVE_FCW        0
#define XSAVE_FSW        2
#define XSAVE_FTW        4
#define XSAVE_FOP        6
#define XSAVE_FIP        8
#define XSAVE_FDP        16
#define XSAVE_MXCSR      24
#define XSAVE_MXCSR_MASK 28
#define XSAVE_ST         32
#define XSAVE_XMM        160
#define XSAVE_XSTATE_BV  512
#define XSAVE_XCOMP_BV   520
#define XSAVE_YMMH       576   /* component 2 in the standard (non-compacted) format */

#define XSTATE_X87 (1ull << 0)
#define XSTATE_SSE (1ull << 1)
#define XSTATE_YMM (1ull << 2)

static uint64_t load(const uint8_t *p, size_t n)
{
    uint64_t v = 0;
    memcpy(&v, p, n);
    return v;
}

static void store(uint8_t *p, uint64_t v, size_t n)
{
    memcpy(p, &v, n);
}

/*
 * The legacy region keeps the x87 registers in stack order, ST(0) first
 * (SDM vol. 1 10.5.1, table 10-2: FXSAVE's layout, which XSAVE and KVM's
 * kvm_xsave share); X86FpuState holds the physical registers R0-R7.  ST(i)
 * is R((TOP + i) mod 8), TOP being FSW bits 13:11 (SDM vol. 1 8.1.2).  The
 * abridged tag byte is indexed by physical register in both.
 */
static unsigned fpu_physical_reg(uint16_t fsw, unsigned st_index)
{
    return (((fsw >> 11) & 7) + st_index) & 7;
}

/*
 * A component whose XSTATE_BV bit is clear is in its initial state (SDM
 * vol. 1 13.6), whatever its bytes say.  FIP/FDP are the 64-bit forms
 * (the kernel saves with REX.W), so FCS/FDS read as 0.
 */
static void fpu_from_xsave(X86FpuState *f, const uint8_t *x)
{
    uint64_t bv = load(x + XSAVE_XSTATE_BV, 8);
    memset(f, 0, sizeof(*f));
    f->fcw = 0x37f;
    if (bv & XSTATE_X87) {
        f->fcw = (uint16_t)load(x + XSAVE_FCW, 2);
        f->fsw = (uint16_t)load(x + XSAVE_FSW, 2);
        f->ftw = x[XSAVE_FTW];
        f->fop = (uint16_t)load(x + XSAVE_FOP, 2);
        f->fip = load(x + XSAVE_FIP, 8);
        f->fdp = load(x + XSAVE_FDP, 8);
        for (unsigned i = 0; i < 8; i++) {
            X87Reg *r = &f->st[fpu_physical_reg(f->fsw, i)];
            r->mantissa = load(x + XSAVE_ST + 16 * i, 8);
            r->sign_exp = (uint16_t)load(x + XSAVE_ST + 16 * i + 8, 2);
        }
    }
    f->mxcsr = (uint32_t)load(x + XSAVE_MXCSR, 4);
    if (bv & XSTATE_SSE) {
        memcpy(f->xmm, x + XSAVE_XMM, sizeof(f->xmm));
    }
    if (bv & XSTATE_YMM) {
        memcpy(f->ymmh, x + XSAVE_YMMH, sizeof(f->ymmh));
    }
}

/* Over a buffer read from KVM (which keeps MXCSR_MASK and the other components). */
static void fpu_to_xsave(uint8_t *x, const X86FpuState *f, uint64_t supported_xcr0)
{
    store(x + XSAVE_FCW, f->fcw, 2);
    store(x + XSAVE_FSW, f->fsw, 2);
    x[XSAVE_FTW] = f->ftw;
    x[XSAVE_FTW + 1] = 0;
    store(x + XSAVE_FOP, f->fop, 2);
    store(x + XSAVE_FIP, f->fip, 8);
    store(x + XSAVE_FDP, f->fdp, 8);
    store(x + XSAVE_MXCSR, f->mxcsr, 4);
    for (unsigned i = 0; i < 8; i++) {
        const X87Reg *r = &f->st[fpu_physical_reg(f->fsw, i)];
        memset(x + XSAVE_ST + 16 * i, 0, 16);
        store(x + XSAVE_ST + 16 * i, r->mantissa, 8);
        store(x + XSAVE_ST + 16 * i + 8, r->sign_exp, 2);
    }
    memcpy(x + XSAVE_XMM, f->xmm, sizeof(f->xmm));
    uint64_t bv = load(x + XSAVE_XSTATE_BV, 8) | XSTATE_X87 | XSTATE_SSE;
    if (supported_xcr0 & XSTATE_YMM) {
        memcpy(x + XSAVE_YMMH, f->ymmh, sizeof(f->ymmh));
        bv |= XSTATE_YMM;
    }
    store(x + XSAVE_XSTATE_BV, bv & (supported_xcr0 | XSTATE_X87 | XSTATE_SSE), 8);
    store(x + XSAVE_XCOMP_BV, 0, 8);   /* KVM's buffer is the standard format */
}

static int xsave_read(KvmVm *vm, KvmVcpu *c)
{
    return kvm_vcpu_ioctl(c, vm->xsave2 ? KVM_GET_XSAVE2 : KVM_GET_XSAVE, c->xsave,
                          "KVM_GET_XSAVE");
}

static void fpu_to_kvm(KvmVm *vm, KvmVcpu *c, const X86FpuState *f, bool reset)
{
    if (xsave_read(vm, c) < 0) {
        return;
    }
    if (reset) {
        /* Every XSAVE component X86State does not hold goes to its initial state. */
        uint64_t mxcsr_mask = load((uint8_t *)c->xsave + XSAVE_MXCSR_MASK, 4);
        memset(c->xsave, 0, vm->xsave_size);
        store((uint8_t *)c->xsave + XSAVE_MXCSR_MASK, mxcsr_mask, 4);
    }
    fpu_to_xsave(c->xsave, f, vm->supported_xcr0);
    kvm_vcpu_ioctl(c, KVM_SET_XSAVE, c->xsave, "KVM_SET_XSAVE");
}

/* ---- the rest: XCR0, debug registers, events, run state, LAPIC ---- */

static void xcr0_from_kvm(KvmVcpu *c, X86State *s)
{
    struct kvm_xcrs xcrs;
    memset(&xcrs, 0, sizeof(xcrs));
    if (kvm_vcpu_ioctl(c, KVM_GET_XCRS, &xcrs, "KVM_GET_XCRS") < 0) {
        return;
    }
    for (uint32_t i = 0; i < xcrs.nr_xcrs && i < KVM_MAX_XCRS; i++) {
        if (xcrs.xcrs[i].xcr == 0) {
            s->xcr0 = xcrs.xcrs[i].value;
        }
    }
}

static void xcr0_to_kvm(KvmVcpu *c, const X86State *s)
{
    struct kvm_xcrs xcrs;
    memset(&xcrs, 0, sizeof(xcrs));
    xcrs.nr_xcrs = 1;
    xcrs.xcrs[0].xcr = 0;
    /* SDM vol. 1 13.3: XCR0 bit 0 is always 1; 0 is the "unset" of a zeroed state. */
    xcrs.xcrs[0].value = s->xcr0 ? s->xcr0 : XSTATE_X87;
    kvm_vcpu_ioctl(c, KVM_SET_XCRS, &xcrs, "KVM_SET_XCRS");
}

static void debugregs_from_kvm(KvmVcpu *c, X86State *s)
{
    struct kvm_debugregs d;
    memset(&d, 0, sizeof(d));
    if (kvm_vcpu_ioctl(c, KVM_GET_DEBUGREGS, &d, "KVM_GET_DEBUGREGS") < 0) {
        return;
    }
    memcpy(s->dr, d.db, sizeof(s->dr));
    s->dr6 = d.dr6;
    s->dr7 = d.dr7;
}

static void debugregs_to_kvm(KvmVcpu *c, const X86State *s)
{
    struct kvm_debugregs d;
    memset(&d, 0, sizeof(d));
    memcpy(d.db, s->dr, sizeof(d.db));
    d.dr6 = s->dr6;
    d.dr7 = s->dr7;
    kvm_vcpu_ioctl(c, KVM_SET_DEBUGREGS, &d, "KVM_SET_DEBUGREGS");
}

static void events_from_kvm(KvmVcpu *c, X86Events *e)
{
    struct kvm_vcpu_events k;
    memset(&k, 0, sizeof(k));
    if (kvm_vcpu_ioctl(c, KVM_GET_VCPU_EVENTS, &k, "KVM_GET_VCPU_EVENTS") < 0) {
        return;
    }
    e->exception_injected = k.exception.injected;
    e->exception_nr = k.exception.nr;
    e->exception_has_error = k.exception.has_error_code;
    e->exception_error = k.exception.error_code;
    e->interrupt_injected = k.interrupt.injected;
    e->interrupt_nr = k.interrupt.nr;
    e->interrupt_soft = k.interrupt.soft;
    e->interrupt_shadow = k.interrupt.shadow;   /* KVM_X86_SHADOW_INT_* == X86_SHADOW_* */
    e->nmi_injected = k.nmi.injected;
    e->nmi_pending = k.nmi.pending;
    e->nmi_masked = k.nmi.masked;
}

static void events_to_kvm(KvmVcpu *c, const X86Events *e)
{
    struct kvm_vcpu_events k;
    memset(&k, 0, sizeof(k));
    k.exception.injected = e->exception_injected;
    k.exception.nr = e->exception_nr;
    k.exception.has_error_code = e->exception_has_error;
    k.exception.error_code = e->exception_error;
    k.interrupt.injected = e->interrupt_injected;
    k.interrupt.nr = e->interrupt_nr;
    k.interrupt.soft = e->interrupt_soft;
    k.interrupt.shadow = e->interrupt_shadow;
    k.nmi.injected = e->nmi_injected;
    k.nmi.pending = e->nmi_pending;
    k.nmi.masked = e->nmi_masked;
    k.sipi_vector = 0;   /* a SIPI still to come brings its own vector */
    k.flags = KVM_VCPUEVENT_VALID_NMI_PENDING | KVM_VCPUEVENT_VALID_SIPI_VECTOR |
              KVM_VCPUEVENT_VALID_SHADOW;
    kvm_vcpu_ioctl(c, KVM_SET_VCPU_EVENTS, &k, "KVM_SET_VCPU_EVENTS");
}

static void run_state_from_kvm(KvmVcpu *c, X86State *s)
{
    struct kvm_mp_state mp = { 0 };
    if (kvm_vcpu_ioctl(c, KVM_GET_MP_STATE, &mp, "KVM_GET_MP_STATE") < 0) {
        return;
    }
    switch (mp.mp_state) {
    case KVM_MP_STATE_HALTED:
        s->run_state = X86_HALTED;
        break;
    case KVM_MP_STATE_UNINITIALIZED:
    case KVM_MP_STATE_INIT_RECEIVED:
        s->run_state = X86_WAIT_FOR_SIPI;
        break;
    default:
        /* RUNNABLE; SIPI_RECEIVED is delivered by KVM_GET_MP_STATE itself. */
        s->run_state = X86_RUNNABLE;
        break;
    }
}

static void run_state_to_kvm(KvmVcpu *c, const X86State *s)
{
    struct kvm_mp_state mp = { KVM_MP_STATE_RUNNABLE };
    if (s->run_state == X86_HALTED) {
        mp.mp_state = KVM_MP_STATE_HALTED;
    } else if (s->run_state == X86_WAIT_FOR_SIPI) {
        mp.mp_state = KVM_MP_STATE_INIT_RECEIVED;   /* waits for SIPI in the kernel */
    }
    kvm_vcpu_ioctl(c, KVM_SET_MP_STATE, &mp, "KVM_SET_MP_STATE");
}

/* SDM vol. 3A 10.4.7.1: RESET puts the LAPIC in its power-up state; TPR follows CR8. */
static void lapic_reset(KvmVcpu *c, uint64_t cr8)
{
    struct kvm_lapic_state lapic = c->lapic_at_creation;
    uint32_t tpr = (uint32_t)(cr8 & 0xf) << 4;
    memcpy(lapic.regs + 0x80, &tpr, sizeof(tpr));
    kvm_vcpu_ioctl(c, KVM_SET_LAPIC, &lapic, "KVM_SET_LAPIC");
}

/* ---- the two ops ---- */

void kvm_get_state(VCPU *v, X86State *s)
{
    KvmVm *vm = kvm_vm(v);
    KvmVcpu *c = v->accel;
    struct kvm_regs regs;
    struct kvm_sregs sregs;

    memset(s, 0, sizeof(*s));
    kvm_vcpu_complete_pending_exit(c);
    if (kvm_vcpu_ioctl(c, KVM_GET_REGS, &regs, "KVM_GET_REGS") == 0) {
        regs_from_kvm(s, &regs);
    }
    if (kvm_vcpu_ioctl(c, KVM_GET_SREGS, &sregs, "KVM_GET_SREGS") == 0) {
        sregs_from_kvm(s, &sregs);
    }
    if (xsave_read(vm, c) == 0) {
        fpu_from_xsave(&s->fpu, c->xsave);
    }
    xcr0_from_kvm(c, s);
    uint64_t efer = s->msr.efer, apic_base = s->msr.apic_base;
    msrs_from_kvm(c, &s->msr);
    s->msr.efer = efer;             /* these two live in sregs */
    s->msr.apic_base = apic_base;
    run_state_from_kvm(c, s);
    events_from_kvm(c, &s->events);
    debugregs_from_kvm(c, s);
}

static void load_state(VCPU *v, const X86State *s, bool reset)
{
    KvmVm *vm = kvm_vm(v);
    KvmVcpu *c = v->accel;
    struct kvm_regs regs;
    struct kvm_sregs sregs;

    kvm_vcpu_complete_pending_exit(c);
    memset(&regs, 0, sizeof(regs));
    regs_to_kvm(&regs, s);
    kvm_vcpu_ioctl(c, KVM_SET_REGS, &regs, "KVM_SET_REGS");

    fpu_to_kvm(vm, c, &s->fpu, reset);
    xcr0_to_kvm(c, s);

    sregs_to_kvm(&sregs, s);
    kvm_vcpu_ioctl(c, KVM_SET_SREGS, &sregs, "KVM_SET_SREGS");
    msrs_to_kvm(vm, c, &s->msr, reset);
    if (reset) {
        lapic_reset(c, s->cr8);
    }
    run_state_to_kvm(c, s);
    events_to_kvm(c, &s->events);
    debugregs_to_kvm(c, s);
}

void kvm_set_state(VCPU *v, const X86State *s)
{
    load_state(v, s, false);
}

void kvm_reset_vcpu(VCPU *v, const X86State *s)
{
    load_state(v, s, true);
}
