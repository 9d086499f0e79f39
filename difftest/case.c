/* difftest cases: code layout, default state, x87/SSE images, and reading an outcome at the stop. */
#include "difftest/case.h"

#include <string.h>

unsigned dt_case_layout(const DtCase *c, uint8_t *code, uint64_t *addr)
{
    uint64_t at[DT_MAX_INSNS + 1];
    unsigned len = 0;
    for (unsigned i = 0; i < c->nr_insns; i++) {
        at[i] = DT_CODE + len;
        memcpy(code + len, c->insns[i].bytes, c->insns[i].len);
        len += c->insns[i].len;
    }
    at[c->nr_insns] = DT_CODE + len;
    for (unsigned i = 0; i < c->nr_insns; i++) {
        const DtInsn *in = &c->insns[i];
        uint64_t next = at[i + 1];
        uint64_t value;
        if (in->fix_kind == DT_FIX_BRANCH) {
            unsigned t = (unsigned)in->target <= c->nr_insns ? (unsigned)in->target : c->nr_insns;
            value = at[t] - next;
        } else if (in->fix_kind == DT_FIX_RIPREL) {
            value = in->abs - next;
        } else {
            continue;
        }
        uint8_t *field = code + (at[i] - DT_CODE) + in->fix_off;
        for (unsigned b = 0; b < in->fix_size; b++) {
            field[b] = (uint8_t)(value >> (8 * b));
        }
    }
    if (addr) {
        memcpy(addr, at, sizeof(at[0]) * (c->nr_insns + 1u));
    }
    return len;
}

void dt_case_defaults(DtCase *c, DtMode mode)
{
    memset(c, 0, sizeof(*c));
    c->mode = mode;
    c->regs[R_ESP] = DT_STACK + 0x800;
    c->rflags = X86_FLAG_FIXED | X86_FLAG_IF;
    c->fpu.fcw = 0x37f;
    c->fpu.mxcsr = 0x1f80;
}

/* ---- x87/SSE state ---- */

void dt_fpu_normalize(DtFpu *f)
{
    bool pending = (f->fsw & ~f->fcw & 0x3f) != 0;
    f->fsw = (uint16_t)((f->fsw & ~0x8080u) | (pending ? 0x8080u : 0));
}

void dt_fpu_from_state(DtFpu *f, const X86FpuState *s)
{
    memset(f, 0, sizeof(*f));
    f->fcw = s->fcw;
    f->fsw = s->fsw;
    f->ftw = s->ftw;
    f->fop = s->fop;
    f->fip = s->fip;
    f->fdp = s->fdp;
    f->mxcsr = s->mxcsr;
    for (int i = 0; i < 8; i++) {
        f->st[i].mantissa = s->st[i].mantissa;
        f->st[i].sign_exp = s->st[i].sign_exp;
    }
    memcpy(f->xmm, s->xmm, sizeof(f->xmm));
}

void dt_fpu_to_state(X86FpuState *s, const DtFpu *f)
{
    s->fcw = f->fcw;
    s->fsw = f->fsw;
    s->ftw = f->ftw;
    s->fop = f->fop;
    s->fip = f->fip;
    s->fdp = f->fdp;
    s->fcs = 0;
    s->fds = 0;
    s->mxcsr = f->mxcsr;
    for (int i = 0; i < 8; i++) {
        s->st[i] = (X87Reg){ .mantissa = f->st[i].mantissa, .sign_exp = f->st[i].sign_exp };
    }
    memcpy(s->xmm, f->xmm, sizeof(s->xmm));
}

static uint64_t get(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    memcpy(&v, p, n);
    return v;
}

static void set(uint8_t *p, uint64_t v, unsigned n)
{
    memcpy(p, &v, n);
}

/* The image holds ST(i) in slot i: physical register (TOP + i) mod 8. */
static unsigned physical(const DtFpu *f, unsigned slot)
{
    return (((unsigned)f->fsw >> 11) + slot) & 7;
}

void dt_fpu_to_fxsave(uint8_t *x, const DtFpu *f, bool format64)
{
    memset(x, 0, 512);
    set(x + 0, f->fcw, 2);
    set(x + 2, f->fsw, 2);
    x[4] = f->ftw;
    set(x + 6, f->fop, 2);
    if (format64) {
        set(x + 8, f->fip, 8);
        set(x + 16, f->fdp, 8);
    } else {
        set(x + 8, f->fip, 4);
        set(x + 16, f->fdp, 4);
    }
    set(x + 24, f->mxcsr, 4);
    for (unsigned i = 0; i < 8; i++) {
        const X87Reg *r = &f->st[physical(f, i)];
        set(x + 32 + 16 * i, r->mantissa, 8);
        set(x + 40 + 16 * i, r->sign_exp, 2);
    }
    memcpy(x + 160, f->xmm, format64 ? 256 : 128);
}

void dt_fpu_from_fxsave(DtFpu *f, const uint8_t *x, bool format64)
{
    memset(f, 0, sizeof(*f));
    f->fcw = (uint16_t)get(x + 0, 2);
    f->fsw = (uint16_t)get(x + 2, 2);
    f->ftw = x[4];
    f->fop = (uint16_t)get(x + 6, 2);
    f->fip = get(x + 8, format64 ? 8 : 4);
    f->fdp = get(x + 16, format64 ? 8 : 4);
    f->mxcsr = (uint32_t)get(x + 24, 4);
    for (unsigned i = 0; i < 8; i++) {
        X87Reg *r = &f->st[physical(f, i)];
        r->mantissa = get(x + 32 + 16 * i, 8);
        r->sign_exp = (uint16_t)get(x + 40 + 16 * i, 2);
    }
    memcpy(f->xmm, x + 160, format64 ? 256 : 128);
}

/* ---- the outcome ---- */

/* The 64-bit frame a stub finds on the IST stack (SDM vol. 3A figure 6-9). */
static bool read_frame(DtOutcome *o, const uint8_t *ram)
{
    uint64_t sp = o->regs[R_ESP];
    unsigned words = dt_vector_has_error_code(o->vector) ? 6 : 5;
    if (sp < DT_XSTACK || sp + 8 * words > DT_XSTACK_TOP) {
        return false;   /* the case jumped into a stub: there is no frame */
    }
    const uint8_t *p = ram + sp;
    if (words == 6) {
        o->error_code = (uint32_t)get(p, 8);
        p += 8;
    }
    o->rip = get(p, 8);
    o->frame_cs = (uint16_t)get(p + 8, 8);
    o->rflags = get(p + 16, 8);
    o->regs[R_ESP] = get(p + 24, 8);
    o->frame_ss = (uint16_t)get(p + 32, 8);
    return true;
}

void dt_outcome_from_stop(DtOutcome *o, const uint64_t *regs, uint64_t rip, uint64_t rflags,
                          const uint8_t *ram)
{
    memcpy(o->regs, regs, sizeof(o->regs));
    o->rip = rip;
    o->rflags = rflags;
    o->vector = -1;
    o->error_code = 0;
    o->frame_cs = o->frame_ss = 0;
    if (dt_is_stub(rip)) {
        o->stop = DT_STOP_EXCEPTION;
        o->vector = (int)((rip - DT_STUBS) / DT_STUB_SIZE);
        if (!read_frame(o, ram)) {
            o->vector += 0x1000;    /* marks "stub entered without a frame" */
        }
    } else {
        o->stop = DT_STOP_END;
    }
    memcpy(o->data, ram + DT_DATA, DT_DATA_SIZE);
    memcpy(o->stack, ram + DT_STACK, DT_STACK_SIZE);
}
