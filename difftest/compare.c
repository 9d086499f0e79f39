/* Comparing two outcomes field by field, with the undefined flags masked (compare.h). */
#include "difftest/compare.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *const dt_gpr_names[X86_NR_GPRS] = {
    "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
    "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
};

static const char *const seg_names[X86_NR_SEGS] = { "es", "cs", "ss", "ds", "fs", "gs" };

const char *dt_field_class_name(unsigned cls)
{
    static const char *const names[] = { "stop", "exception", "gpr", "rip", "flags", "seg",
                                         "x87", "sse", "mem" };
    return cls < sizeof(names) / sizeof(names[0]) ? names[cls] : "?";
}

static DtField *add(DtDiff *d, unsigned cls, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static DtField *add(DtDiff *d, unsigned cls, const char *fmt, ...)
{
    static DtField sink;
    if (d->nr == DT_MAX_FIELDS) {
        d->dropped++;
        d->dropped_classes |= 1u << cls;
        return &sink;
    }
    DtField *f = &d->f[d->nr++];
    memset(f, 0, sizeof(*f));
    f->cls = (uint8_t)cls;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->name, sizeof(f->name), fmt, ap);
    va_end(ap);
    return f;
}

static void hex_pair(DtField *f, uint64_t a, uint64_t b)
{
    snprintf(f->a, sizeof(f->a), "0x%llx", (unsigned long long)a);
    snprintf(f->b, sizeof(f->b), "0x%llx", (unsigned long long)b);
}

static void cmp_u64(DtDiff *d, unsigned cls, const char *name, uint64_t a, uint64_t b)
{
    if (a != b) {
        hex_pair(add(d, cls, "%s", name), a, b);
    }
}

static const char *stop_name(unsigned stop)
{
    static const char *const names[] = { "end", "exception", "runaway", "error" };
    return stop < 4 ? names[stop] : "?";
}

static void compare_stop(const DtOutcome *a, const DtOutcome *b, DtDiff *d)
{
    if (a->stop == b->stop && (a->stop != DT_STOP_ERROR || !strcmp(a->error, b->error))) {
        return;
    }
    DtField *f = add(d, DT_FC_STOP, "stop");
    snprintf(f->a, sizeof(f->a), "%s%s%.40s", stop_name(a->stop), a->error[0] ? ": " : "", a->error);
    snprintf(f->b, sizeof(f->b), "%s%s%.40s", stop_name(b->stop), b->error[0] ? ": " : "", b->error);
}

static void compare_exception(const DtOutcome *a, const DtOutcome *b, DtDiff *d)
{
    if (a->stop != DT_STOP_EXCEPTION && b->stop != DT_STOP_EXCEPTION) {
        return;
    }
    if (a->vector != b->vector) {
        DtField *f = add(d, DT_FC_EXCEPTION, "vector");
        snprintf(f->a, sizeof(f->a), "%d", a->vector);
        snprintf(f->b, sizeof(f->b), "%d", b->vector);
        return;
    }
    if (dt_vector_has_error_code(a->vector)) {
        cmp_u64(d, DT_FC_EXCEPTION, "error_code", a->error_code, b->error_code);
    }
    if (a->vector == 14) {
        cmp_u64(d, DT_FC_EXCEPTION, "cr2", a->cr2, b->cr2);
    }
    cmp_u64(d, DT_FC_EXCEPTION, "frame.cs", a->frame_cs, b->frame_cs);
    cmp_u64(d, DT_FC_EXCEPTION, "frame.ss", a->frame_ss, b->frame_ss);
}

static void compare_flags(const DtOutcome *a, const DtOutcome *b, uint32_t undefined, DtDiff *d)
{
    static const struct { uint32_t bit; const char *name; } bits[] = {
        { X86_FLAG_CF, "CF" }, { X86_FLAG_PF, "PF" }, { X86_FLAG_AF, "AF" },
        { X86_FLAG_ZF, "ZF" }, { X86_FLAG_SF, "SF" }, { X86_FLAG_TF, "TF" },
        { X86_FLAG_IF, "IF" }, { X86_FLAG_DF, "DF" }, { X86_FLAG_OF, "OF" },
        { X86_FLAG_IOPL, "IOPL" }, { X86_FLAG_NT, "NT" }, { X86_FLAG_RF, "RF" },
        { X86_FLAG_VM, "VM" }, { X86_FLAG_AC, "AC" }, { X86_FLAG_VIF, "VIF" },
        { X86_FLAG_VIP, "VIP" }, { X86_FLAG_ID, "ID" },
    };
    uint64_t x = (a->rflags ^ b->rflags) & ~(uint64_t)undefined;
    if (!x) {
        return;
    }
    for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
        if (x & bits[i].bit) {
            DtField *f = add(d, DT_FC_FLAGS, "flags.%s", bits[i].name);
            snprintf(f->a, sizeof(f->a), "%llu",
                     (unsigned long long)((a->rflags & bits[i].bit) / (bits[i].bit & -bits[i].bit)));
            snprintf(f->b, sizeof(f->b), "%llu",
                     (unsigned long long)((b->rflags & bits[i].bit) / (bits[i].bit & -bits[i].bit)));
            x &= ~(uint64_t)bits[i].bit;
        }
    }
    if (x) {
        hex_pair(add(d, DT_FC_FLAGS, "flags.reserved"), a->rflags, b->rflags);
    }
}

static void compare_x87(const DtCase *c, const DtFpu *a, const DtFpu *b, uint16_t fsw_undefined,
                        DtDiff *d)
{
    uint64_t ip_mask = c->mode == DT_MODE_64 ? ~0ull : 0xffffffffull;
    cmp_u64(d, DT_FC_X87, "fcw", a->fcw, b->fcw);
    cmp_u64(d, DT_FC_X87, "fsw", a->fsw & ~fsw_undefined, b->fsw & ~fsw_undefined);
    cmp_u64(d, DT_FC_X87, "ftw", a->ftw, b->ftw);
    /*
     * The x87 pointers are read back with FXSAVE, which on AMD stores them
     * only while an unmasked exception is pending (FSW.ES = 1) and writes
     * zeros otherwise (AMD APM vol. 2 11.4.4.3; measured on this host: FXRSTOR
     * loads them, FNSTENV shows them, FXSAVE writes 0).  Without ES they are
     * still compared wherever the case stores them itself (FNSTENV, FNSAVE).
     */
    if ((a->fsw & b->fsw) & 0x80) {
        cmp_u64(d, DT_FC_X87, "fop", a->fop, b->fop);
        cmp_u64(d, DT_FC_X87, "fip", a->fip & ip_mask, b->fip & ip_mask);
        cmp_u64(d, DT_FC_X87, "fdp", a->fdp & ip_mask, b->fdp & ip_mask);
    }
    for (int i = 0; i < 8; i++) {
        if (a->st[i].mantissa != b->st[i].mantissa || a->st[i].sign_exp != b->st[i].sign_exp) {
            DtField *f = add(d, DT_FC_X87, "r%d", i);
            snprintf(f->a, sizeof(f->a), "%04x:%016llx", a->st[i].sign_exp,
                     (unsigned long long)a->st[i].mantissa);
            snprintf(f->b, sizeof(f->b), "%04x:%016llx", b->st[i].sign_exp,
                     (unsigned long long)b->st[i].mantissa);
        }
    }
}

static void compare_sse(const DtCase *c, const DtFpu *a, const DtFpu *b, DtDiff *d)
{
    cmp_u64(d, DT_FC_SSE, "mxcsr", a->mxcsr, b->mxcsr);
    int n = c->mode == DT_MODE_64 ? 16 : 8;
    for (int i = 0; i < n; i++) {
        if (memcmp(&a->xmm[i], &b->xmm[i], 16)) {
            DtField *f = add(d, DT_FC_SSE, "xmm%d", i);
            snprintf(f->a, sizeof(f->a), "%016llx%016llx", (unsigned long long)a->xmm[i].q[1],
                     (unsigned long long)a->xmm[i].q[0]);
            snprintf(f->b, sizeof(f->b), "%016llx%016llx", (unsigned long long)b->xmm[i].q[1],
                     (unsigned long long)b->xmm[i].q[0]);
        }
    }
}

/* Differing bytes in runs of up to 16: mem[address] with both byte strings. */
static void compare_bytes(DtDiff *d, uint64_t base, const uint8_t *a, const uint8_t *b, size_t len)
{
    size_t i = 0;
    while (i < len) {
        if ((i & 63) == 0 && i + 64 <= len && !memcmp(a + i, b + i, 64)) {
            i += 64;     /* equal blocks go by fast */
            continue;
        }
        if (a[i] == b[i]) {
            i++;
            continue;
        }
        size_t start = i, end = i + 1;
        while (end < len && end - start < 16 && (a[end] != b[end] || (end + 1 < len && a[end + 1] != b[end + 1]))) {
            end++;
        }
        DtField *f = add(d, DT_FC_MEM, "mem[0x%llx]", (unsigned long long)(base + start));
        for (size_t k = start; k < end && 2 * (k - start) + 2 < sizeof(f->a); k++) {
            snprintf(f->a + 2 * (k - start), 3, "%02x", a[k]);
            snprintf(f->b + 2 * (k - start), 3, "%02x", b[k]);
        }
        i = end;
    }
}

bool dt_compare(const DtCase *c, const DtOutcome *a, const DtOutcome *b, const DtFlagTrace *trace,
                DtDiff *d)
{
    memset(d, 0, sizeof(*d));
    if (a->stop == DT_STOP_RUNAWAY && b->stop == DT_STOP_RUNAWAY) {
        return false;
    }
    compare_stop(a, b, d);
    if (a->stop == DT_STOP_ERROR || b->stop == DT_STOP_ERROR || a->stop == DT_STOP_RUNAWAY ||
        b->stop == DT_STOP_RUNAWAY) {
        return d->nr > 0;   /* the same error on both sides (interp against itself) is no difference */
    }
    compare_exception(a, b, d);
    for (int i = 0; i < X86_NR_GPRS; i++) {
        cmp_u64(d, DT_FC_GPR, dt_gpr_names[i], a->regs[i], b->regs[i]);
    }
    cmp_u64(d, DT_FC_RIP, "rip", a->rip, b->rip);
    compare_flags(a, b, trace ? trace->undefined : 0, d);
    for (int i = 0; i < X86_NR_SEGS; i++) {
        char name[16];
        snprintf(name, sizeof(name), "%s", seg_names[i]);
        cmp_u64(d, DT_FC_SEG, name, a->sel[i], b->sel[i]);
        snprintf(name, sizeof(name), "%s.base", seg_names[i]);
        cmp_u64(d, DT_FC_SEG, name, a->base[i], b->base[i]);
    }
    compare_x87(c, &a->fpu, &b->fpu, trace ? trace->fsw_undefined : 0, d);
    compare_sse(c, &a->fpu, &b->fpu, d);
    compare_bytes(d, DT_DATA, a->data, b->data, DT_DATA_SIZE);
    compare_bytes(d, DT_STACK, a->stack, b->stack, DT_STACK_SIZE);
    return d->nr > 0 || d->dropped > 0;
}
