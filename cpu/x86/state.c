/* X86State helpers: the RESET state, flat segments, and a readable first difference. */
#include "cpu/x86/state.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

void x86_state_reset(X86State *s)
{
    /* SDM vol. 3A 9.1.1, table 9-1: the state after power-up or RESET. */
    memset(s, 0, sizeof(*s));
    s->rip = 0xfff0;
    s->rflags = X86_FLAG_FIXED;
    s->regs[R_EDX] = 0x600;     /* family/model/stepping; a P6-class signature */
    s->cr0 = X86_CR0_ET | X86_CR0_CD | X86_CR0_NW;
    for (int i = 0; i < X86_NR_SEGS; i++) {
        X86Segment *seg = &s->segs[i];
        seg->limit = 0xffff;
        seg->present = 1;
        seg->s = 1;
        seg->type = 3;          /* read/write data, accessed */
    }
    s->segs[SEG_CS].selector = 0xf000;
    s->segs[SEG_CS].base = 0xffff0000;
    s->segs[SEG_CS].type = 0xb; /* execute/read code, accessed */
    s->ldtr.limit = 0xffff;
    s->ldtr.present = 1;
    s->ldtr.type = 2;           /* LDT */
    s->tr.limit = 0xffff;
    s->tr.present = 1;
    s->tr.type = 0xb;           /* busy 32-bit TSS, as VMX requires */
    s->gdtr.limit = 0xffff;
    s->idtr.limit = 0xffff;
    s->dr6 = 0xffff0ff0;
    s->dr7 = 0x400;
    s->xcr0 = 1;                /* x87 state is always enabled */
    s->fpu.fcw = 0x40;          /* FINIT sets 0x37f; RESET leaves 0x40 */
    s->fpu.mxcsr = 0x1f80;
    s->msr.pat = 0x0007040600070406ull;
    s->msr.apic_base = 0xfee00000 | (1u << 11);   /* enabled, xAPIC */
    s->msr.misc_enable = 1;     /* fast strings */
    s->run_state = X86_RUNNABLE;
}

static void segment_flat(X86Segment *seg, uint16_t selector)
{
    memset(seg, 0, sizeof(*seg));
    seg->selector = selector;
    seg->base = 0;
    seg->limit = 0xffffffff;
    seg->s = 1;
    seg->present = 1;
    seg->g = 1;
}

void x86_segment_flat_code(X86Segment *seg, uint16_t selector, bool code64)
{
    segment_flat(seg, selector);
    seg->type = 0xb;            /* execute/read, accessed */
    seg->l = code64;
    seg->db = !code64;          /* SDM 3.4.5: D must be 0 when L is 1 */
}

void x86_segment_flat_data(X86Segment *seg, uint16_t selector)
{
    segment_flat(seg, selector);
    seg->type = 3;              /* read/write, accessed */
    seg->db = 1;
}

static const char *const gpr_names[X86_NR_GPRS] = {
    "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
    "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
};
static const char *const seg_names[X86_NR_SEGS] = { "es", "cs", "ss", "ds", "fs", "gs" };

static bool diff_u64(const char *name, uint64_t a, uint64_t b, char *buf, size_t len)
{
    if (a == b) {
        return false;
    }
    snprintf(buf, len, "%s: 0x%llx != 0x%llx", name, (unsigned long long)a, (unsigned long long)b);
    return true;
}

static bool diff_segment(const char *name, const X86Segment *a, const X86Segment *b,
                         char *buf, size_t len)
{
    if (memcmp(a, b, sizeof(*a)) == 0) {
        return false;
    }
    snprintf(buf, len, "%s: sel 0x%x base 0x%llx limit 0x%x type %u s %u dpl %u p %u l %u db %u g %u"
             " != sel 0x%x base 0x%llx limit 0x%x type %u s %u dpl %u p %u l %u db %u g %u", name,
             a->selector, (unsigned long long)a->base, a->limit, a->type, a->s, a->dpl, a->present,
             a->l, a->db, a->g,
             b->selector, (unsigned long long)b->base, b->limit, b->type, b->s, b->dpl, b->present,
             b->l, b->db, b->g);
    return true;
}

bool x86_state_diff(const X86State *a, const X86State *b, char *buf, size_t len)
{
    char name[32];
    for (int i = 0; i < X86_NR_GPRS; i++) {
        if (diff_u64(gpr_names[i], a->regs[i], b->regs[i], buf, len)) {
            return true;
        }
    }
    if (diff_u64("rip", a->rip, b->rip, buf, len) ||
        diff_u64("rflags", a->rflags, b->rflags, buf, len)) {
        return true;
    }
    for (int i = 0; i < X86_NR_SEGS; i++) {
        if (diff_segment(seg_names[i], &a->segs[i], &b->segs[i], buf, len)) {
            return true;
        }
    }
    if (diff_segment("ldtr", &a->ldtr, &b->ldtr, buf, len) ||
        diff_segment("tr", &a->tr, &b->tr, buf, len) ||
        diff_u64("gdtr.base", a->gdtr.base, b->gdtr.base, buf, len) ||
        diff_u64("gdtr.limit", a->gdtr.limit, b->gdtr.limit, buf, len) ||
        diff_u64("idtr.base", a->idtr.base, b->idtr.base, buf, len) ||
        diff_u64("idtr.limit", a->idtr.limit, b->idtr.limit, buf, len) ||
        diff_u64("cr0", a->cr0, b->cr0, buf, len) || diff_u64("cr2", a->cr2, b->cr2, buf, len) ||
        diff_u64("cr3", a->cr3, b->cr3, buf, len) || diff_u64("cr4", a->cr4, b->cr4, buf, len) ||
        diff_u64("cr8", a->cr8, b->cr8, buf, len) || diff_u64("xcr0", a->xcr0, b->xcr0, buf, len) ||
        diff_u64("dr6", a->dr6, b->dr6, buf, len) || diff_u64("dr7", a->dr7, b->dr7, buf, len)) {
        return true;
    }
    for (int i = 0; i < 4; i++) {
        snprintf(name, sizeof(name), "dr%d", i);
        if (diff_u64(name, a->dr[i], b->dr[i], buf, len)) {
            return true;
        }
    }
    const X86FpuState *fa = &a->fpu, *fb = &b->fpu;
    if (diff_u64("fcw", fa->fcw, fb->fcw, buf, len) || diff_u64("fsw", fa->fsw, fb->fsw, buf, len) ||
        diff_u64("ftw", fa->ftw, fb->ftw, buf, len) || diff_u64("mxcsr", fa->mxcsr, fb->mxcsr, buf, len)) {
        return true;
    }
    for (int i = 0; i < 8; i++) {
        snprintf(name, sizeof(name), "st.r%d.mantissa", i);
        if (diff_u64(name, fa->st[i].mantissa, fb->st[i].mantissa, buf, len)) {
            return true;
        }
        snprintf(name, sizeof(name), "st.r%d.sign_exp", i);
        if (diff_u64(name, fa->st[i].sign_exp, fb->st[i].sign_exp, buf, len)) {
            return true;
        }
    }
    for (int i = 0; i < 16; i++) {
        for (int h = 0; h < 2; h++) {
            snprintf(name, sizeof(name), "xmm%d.q%d", i, h);
            if (diff_u64(name, fa->xmm[i].q[h], fb->xmm[i].q[h], buf, len)) {
                return true;
            }
            snprintf(name, sizeof(name), "ymmh%d.q%d", i, h);
            if (diff_u64(name, fa->ymmh[i].q[h], fb->ymmh[i].q[h], buf, len)) {
                return true;
            }
        }
    }
    if (memcmp(&a->msr, &b->msr, sizeof(a->msr)) != 0) {
        const uint64_t *ma = (const uint64_t *)&a->msr, *mb = (const uint64_t *)&b->msr;
        for (size_t i = 0; i < sizeof(a->msr) / 8; i++) {
            snprintf(name, sizeof(name), "msr word %zu", i);
            if (diff_u64(name, ma[i], mb[i], buf, len)) {
                return true;
            }
        }
    }
    if (memcmp(&a->events, &b->events, sizeof(a->events)) != 0) {
        snprintf(buf, len, "events differ (exception %u/%u, interrupt %u/%u, shadow %u/%u, nmi %u/%u)",
                 a->events.exception_nr, b->events.exception_nr, a->events.interrupt_nr,
                 b->events.interrupt_nr, a->events.interrupt_shadow, b->events.interrupt_shadow,
                 a->events.nmi_pending, b->events.nmi_pending);
        return true;
    }
    return diff_u64("run_state", a->run_state, b->run_state, buf, len);
}
