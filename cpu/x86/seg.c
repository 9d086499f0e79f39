/* Segment descriptors and segment-register loads, SDM vol. 3A chapters 3 and 5. */
#include "cpu/x86/seg.h"

#define SEL_TI 4u
#define SEL_RPL(s) ((s) & 3u)
#define SEL_INDEX_ADDR(s) ((s) & ~7u)

static uint32_t desc_limit(const X86Descriptor *d)
{
    uint32_t limit = (d->lo & 0xffff) | (((d->lo >> 48) & 0xf) << 16);
    if (d->lo & (1ull << 55)) {   /* G: 4 KiB granularity */
        limit = (limit << 12) | 0xfff;
    }
    return limit;
}

static uint64_t desc_base(const X86Descriptor *d)
{
    return ((d->lo >> 16) & 0xffffff) | (((d->lo >> 56) & 0xff) << 24);
}

void x86_segment_from_descriptor(X86Segment *seg, uint16_t selector, const X86Descriptor *d,
                                 bool long_mode)
{
    seg->selector = selector;
    seg->base = desc_base(d);
    seg->limit = desc_limit(d);
    seg->type = (d->lo >> 40) & 0xf;
    seg->s = (d->lo >> 44) & 1;
    seg->dpl = (d->lo >> 45) & 3;
    seg->present = (d->lo >> 47) & 1;
    seg->avl = (d->lo >> 52) & 1;
    seg->l = (d->lo >> 53) & 1;
    seg->db = (d->lo >> 54) & 1;
    seg->g = (d->lo >> 55) & 1;
    seg->unusable = 0;
    /* Long-mode system descriptors (LDT, TSS) carry base bits 63:32 in the next quadword. */
    if (long_mode && !seg->s) {
        seg->base |= (d->hi & 0xffffffffull) << 32;
    }
}

bool x86_read_descriptor(X86Cpu *cpu, uint16_t selector, X86Descriptor *d, bool wide)
{
    uint64_t base, limit;
    if (selector & SEL_TI) {
        if (cpu->s.ldtr.unusable || !cpu->s.ldtr.present) {
            return false;
        }
        base = cpu->s.ldtr.base;
        limit = cpu->s.ldtr.limit;
    } else {
        base = cpu->s.gdtr.base;
        limit = cpu->s.gdtr.limit;
    }
    uint64_t off = SEL_INDEX_ADDR(selector);
    if (off + (wide ? 15 : 7) > limit) {
        return false;
    }
    d->lo = x86_read_system(cpu, base + off, 8);
    d->hi = wide ? x86_read_system(cpu, base + off + 8, 8) : 0;
    return true;
}

void x86_set_descriptor_accessed(X86Cpu *cpu, uint16_t selector, X86Descriptor *d)
{
    if (d->lo & (1ull << 40)) {
        return;
    }
    d->lo |= 1ull << 40;
    uint64_t base = (selector & SEL_TI) ? cpu->s.ldtr.base : cpu->s.gdtr.base;
    uint64_t addr = base + SEL_INDEX_ADDR(selector) + 5;
    x86_write_system(cpu, addr, (d->lo >> 40) & 0xff, 1);
}

void x86_load_segment_real(X86Cpu *cpu, int seg, uint16_t selector)
{
    X86Segment *s = &cpu->s.segs[seg];
    s->selector = selector;
    s->base = (uint64_t)selector << 4;
    if (cpu->s.rflags & X86_FLAG_VM) {
        /* SDM 20.1.1: virtual-8086 segments are 64 KiB, DPL 3, read/write. */
        s->limit = 0xffff;
        s->dpl = 3;
        s->type = seg == SEG_CS ? 0xb : 3;
        s->s = 1;
        s->present = 1;
        s->db = 0;
        s->g = 0;
        s->l = 0;
    }
    s->unusable = 0;
    if (seg == SEG_CS || seg == SEG_SS) {
        x86_cpu_mode_changed(cpu);
    }
}

void x86_load_null_segment(X86Cpu *cpu, int seg, uint16_t selector)
{
    X86Segment *s = &cpu->s.segs[seg];
    s->selector = selector;
    s->base = 0;
    s->limit = 0;
    s->type = 0;
    s->s = 0;
    s->present = 0;
    s->dpl = seg == SEG_SS ? SEL_RPL(selector) : 0;
    s->l = s->db = s->g = s->avl = 0;
    s->unusable = 1;
    if (seg == SEG_SS) {
        x86_cpu_mode_changed(cpu);
    }
}

static _Noreturn void raise_sel(X86Cpu *cpu, int vector, uint16_t selector)
{
    x86_raise(cpu, vector, selector & 0xfffc);
}

void x86_load_data_segment(X86Cpu *cpu, int seg, uint16_t selector)
{
    if (!(cpu->s.cr0 & X86_CR0_PE) || (cpu->s.rflags & X86_FLAG_VM)) {
        x86_load_segment_real(cpu, seg, selector);
        return;
    }
    int cpl = cpu->cpl;
    unsigned rpl = SEL_RPL(selector);
    if ((selector & ~3u) == 0) {
        /* A null selector: #GP for SS except in 64-bit mode at CPL<3 with RPL == CPL. */
        if (seg == SEG_SS && !(cpu->mode64 && cpl != 3 && (int)rpl == cpl)) {
            x86_raise_gp0(cpu);
        }
        x86_load_null_segment(cpu, seg, selector);
        return;
    }
    X86Descriptor d;
    if (!x86_read_descriptor(cpu, selector, &d, false)) {
        raise_sel(cpu, X86_EXC_GP, selector);
    }
    X86Segment s;
    x86_segment_from_descriptor(&s, selector, &d, cpu->mode64);
    bool code = s.type & 8, readable = s.type & 2, writable = !code && (s.type & 2);
    bool conforming = code && (s.type & 4);
    if (seg == SEG_SS) {
        if ((int)rpl != cpl || !s.s || !writable || s.dpl != cpl) {
            raise_sel(cpu, X86_EXC_GP, selector);
        }
        if (!s.present) {
            raise_sel(cpu, X86_EXC_SS, selector);
        }
    } else {
        if (!s.s || (code && !readable)) {
            raise_sel(cpu, X86_EXC_GP, selector);
        }
        /* Data and non-conforming code: DPL >= max(CPL, RPL). */
        if (!conforming && (s.dpl < cpl || s.dpl < rpl)) {
            raise_sel(cpu, X86_EXC_GP, selector);
        }
        if (!s.present) {
            raise_sel(cpu, X86_EXC_NP, selector);
        }
    }
    x86_set_descriptor_accessed(cpu, selector, &d);
    s.type |= 1;
    cpu->s.segs[seg] = s;
    if (seg == SEG_SS) {
        x86_cpu_mode_changed(cpu);
    }
}

void x86_load_code_segment(X86Cpu *cpu, uint16_t selector, const X86Descriptor *d, int cpl)
{
    X86Descriptor copy = *d;
    x86_set_descriptor_accessed(cpu, selector, &copy);
    X86Segment *cs = &cpu->s.segs[SEG_CS];
    x86_segment_from_descriptor(cs, (selector & ~3u) | (unsigned)cpl, &copy, false);
    cpu->cpl = cpl;
    x86_cpu_mode_changed(cpu);
}
