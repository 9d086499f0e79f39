/* difftest's case generator: which ops, how many instructions, and the random initial state. */
#include "difftest/gen.h"

#include <string.h>

#include "cpu/x86/exec.h"

/*
 * Ops never generated, and why: their outcome is not a function of the
 * case's state, or running them needs more than difftest's CPL3 guest has.
 */
static const struct {
    uint16_t op;
    const char *why;
} excluded_ops[] = {
    { X86_OP_IN, "port I/O leaves the guest (the harness ends a case with OUT)" },
    { X86_OP_OUT, "port I/O leaves the guest (the harness ends a case with OUT)" },
    { X86_OP_INS, "port I/O leaves the guest (the harness ends a case with OUT)" },
    { X86_OP_OUTS, "port I/O leaves the guest (the harness ends a case with OUT)" },
    { X86_OP_CPUID, "kvm shows the host's CPUID leaf 1 whatever KVM_SET_CPUID2 says" },
    { X86_OP_RDTSC, "the time stamp counter differs from run to run" },
    { X86_OP_RDTSCP, "the time stamp counter differs from run to run" },
    { X86_OP_RDPMC, "performance counters differ from run to run" },
    { X86_OP_RDRAND, "a random number" },
    { X86_OP_RDSEED, "a random number" },
    { X86_OP_RDPID, "IA32_TSC_AUX is the host's under kvm" },
    { X86_OP_SYSCALL, "enters CPL0, where difftest's guest has no code" },
    { X86_OP_SYSENTER, "enters CPL0, where difftest's guest has no code" },
};

const char *dt_gen_excluded(unsigned op)
{
    for (size_t i = 0; i < sizeof(excluded_ops) / sizeof(excluded_ops[0]); i++) {
        if (excluded_ops[i].op == op) {
            return excluded_ops[i].why;
        }
    }
    return NULL;
}

static bool row_names_segment(const X86OpcodeRow *row)
{
    for (unsigned i = 0; i < 4 && row->operand[i]; i++) {
        switch (row->operand[i]) {
        case X86_OPK_ES: case X86_OPK_CS: case X86_OPK_SS: case X86_OPK_DS: case X86_OPK_FS:
        case X86_OPK_GS: case X86_OPK_Sw:
            return true;
        default:
            break;
        }
    }
    return false;
}

const char *dt_gen_row_excluded(unsigned row_index, DtMode mode, unsigned quirks)
{
    const X86OpcodeRow *row = &x86_opcode_table[row_index];
    if ((quirks & DT_QUIRK_HOST_XCR0) && row->op == X86_OP_XGETBV) {
        return "host quirk: the guest runs with the host's XCR0 (XGETBV reads 7, not its 3)";
    }
    if (!(quirks & DT_QUIRK_HOST_SEGMENTS) || mode != DT_MODE_64 || (row->flags & X86_ROW_I64)) {
        return NULL;
    }
    switch (row->op) {
    case X86_OP_LFS: case X86_OP_LGS: case X86_OP_LSS: case X86_OP_LAR: case X86_OP_LSL:
    case X86_OP_VERR: case X86_OP_VERW: case X86_OP_JMPF: case X86_OP_CALLF: case X86_OP_RETF:
    case X86_OP_IRET:
        return "host quirk: 64-bit CPL3 code runs on the host's selectors and GDT";
    case X86_OP_MOV_SR:
        /* reading a selector agrees (the layout uses the host's values); loading one does not */
        return row->operand[0] == X86_OPK_Sw ? "host quirk: 64-bit CPL3 code runs on the host's GDT"
                                              : NULL;
    case X86_OP_SGDT: case X86_OP_SIDT: case X86_OP_SLDT: case X86_OP_STR: case X86_OP_SMSW:
        return "host quirk: run by the host's UMIP emulation, not the CPU (no #AC, own store sizes)";
    default:
        /* PUSH FS/GS read a selector (fine); POP FS/GS load one */
        return row_names_segment(row) && row->op == X86_OP_POP
                   ? "host quirk: 64-bit CPL3 code runs on the host's GDT" : NULL;
    }
}

static bool row_valid_in(const X86OpcodeRow *row, DtMode mode)
{
    if (mode == DT_MODE_64) {
        return !(row->flags & X86_ROW_I64);
    }
    return !(row->flags & X86_ROW_O64);
}

unsigned dt_gen_init(DtGen *g, DtMode mode, const bool *wanted, unsigned max_insns,
                     unsigned quirks)
{
    const X86Handler *handlers = x86_handlers();
    memset(g, 0, sizeof(*g));
    g->mode = mode;
    g->max_insns = max_insns < 1 ? 1 : max_insns > DT_MAX_INSNS ? DT_MAX_INSNS : max_insns;
    unsigned nrows = 0;
    for (unsigned op = 1; op < X86_OP_COUNT; op++) {
        if (!handlers[op] || (wanted ? !wanted[op] : dt_gen_excluded(op) != NULL)) {
            continue;
        }
        g->first_row[op] = (uint16_t)nrows;
        for (unsigned i = 0; i < x86_opcode_table_len; i++) {
            const X86OpcodeRow *row = &x86_opcode_table[i];
            if (row->op == op && row_valid_in(row, mode) && !dt_gen_row_excluded(i, mode, quirks) &&
                nrows < sizeof(g->rows) / sizeof(g->rows[0])) {
                g->rows[nrows++] = (uint16_t)i;
                g->nr_rows[op]++;
            }
        }
        if (g->nr_rows[op]) {
            g->ops[g->nr_ops++] = (uint16_t)op;
        }
    }
    return g->nr_ops;
}

/* ---- the random initial state ---- */

/* 80-bit extended values by class (SDM vol. 1 4.8.3, table 8-3). */
static X87Reg x87_value(DtRng *r)
{
    uint64_t m = dt_rng_next(r);
    uint16_t sign = dt_rng_one_in(r, 2) ? 0x8000 : 0;
    switch (dt_rng_below(r, 12)) {
    case 0: return (X87Reg){ .mantissa = 0, .sign_exp = sign };                       /* zero */
    case 1: return (X87Reg){ .mantissa = 1ull << 63, .sign_exp = sign | 0x7fff };     /* infinity */
    case 2: return (X87Reg){ .mantissa = 3ull << 62 | (m >> 2), .sign_exp = sign | 0x7fff };  /* QNaN */
    case 3: return (X87Reg){ .mantissa = 1ull << 63 | ((m >> 2) | 1), .sign_exp = sign | 0x7fff }; /* SNaN */
    case 4: return (X87Reg){ .mantissa = m >> 1, .sign_exp = sign };                  /* denormal */
    case 5: return (X87Reg){ .mantissa = m & ~(1ull << 63), .sign_exp = (uint16_t)(sign | (m >> 49)) }; /* unnormal */
    case 6: {
        static const uint64_t small_ints[] = { 1, 2, 3, 10, 100, 12345 };
        uint64_t v = small_ints[dt_rng_below(r, 6)];
        int lz = __builtin_clzll(v);
        return (X87Reg){ .mantissa = v << lz, .sign_exp = (uint16_t)(sign | (0x3fff + 63 - lz)) };
    }
    case 7: return (X87Reg){ .mantissa = 1ull << 63 | m, .sign_exp = (uint16_t)(sign | (0x3fff + dt_rng_below(r, 130) - 65)) };
    default:
        return (X87Reg){ .mantissa = 1ull << 63 | m,
                         .sign_exp = (uint16_t)(sign | (1 + dt_rng_below(r, 0x7ffe))) };
    }
}

/* A 32- or 64-bit pattern that is an interesting float as often as not. */
static uint64_t float_pattern(DtRng *r, bool dbl)
{
    static const uint32_t f32[] = { 0, 0x80000000, 0x3f800000, 0xbf800000, 0x7f800000, 0xff800000,
                                    0x7fc00000, 0x7fa00000, 0x00000001, 0x007fffff, 0x00800000,
                                    0x7f7fffff, 0x4f000000, 0xcf000000, 0x3effffff, 0x5f000000 };
    static const uint64_t f64[] = { 0, 0x8000000000000000ull, 0x3ff0000000000000ull,
                                    0x7ff0000000000000ull, 0xfff0000000000000ull,
                                    0x7ff8000000000000ull, 0x7ff4000000000000ull, 1,
                                    0x000fffffffffffffull, 0x0010000000000000ull,
                                    0x7fefffffffffffffull, 0x41e0000000000000ull,
                                    0xc1e0000000000000ull, 0x43e0000000000000ull,
                                    0x3fdfffffffffffffull, 0x4330000000000000ull };
    if (dt_rng_one_in(r, 2)) {
        return dbl ? f64[dt_rng_below(r, 16)] : f32[dt_rng_below(r, 16)];
    }
    return dt_rng_next(r) & (dbl ? ~0ull : 0xffffffffull);
}

/* Raw random words, with an interesting value (edge, float, pointer) in one slot of four. */
static void random_memory(DtRng *r, uint8_t *p, size_t len)
{
    for (size_t i = 0; i + 8 <= len; i += 8) {
        uint64_t v = dt_rng_next(r);
        if ((v & 3) == 0) {
            switch ((v >> 2) & 3) {
            case 0: v = dt_gen_value(r); break;
            case 1: v = float_pattern(r, true); break;
            case 2: v = float_pattern(r, false) | float_pattern(r, false) << 32; break;
            default: v = dt_gen_data_address(r); break;
            }
        }
        memcpy(p + i, &v, 8);
    }
}

static void random_fpu(DtRng *r, DtFpu *f)
{
    if (dt_rng_one_in(r, 3)) {
        f->fcw = 0x37f;
    } else {
        f->fcw = (uint16_t)((dt_rng_next(r) & 0x0f3f) | 0x40);
    }
    unsigned top = dt_rng_below(r, 8);
    unsigned exc = dt_rng_one_in(r, 8) ? (unsigned)(dt_rng_next(r) & 0x7f) : 0;
    unsigned pending = exc & ~f->fcw & 0x3f;
    f->fsw = (uint16_t)(top << 11 | (dt_rng_next(r) & 0x4700) | exc | (pending ? 0x8080 : 0));
    dt_fpu_normalize(f);
    switch (dt_rng_below(r, 4)) {
    case 0: f->ftw = 0; break;
    case 1: f->ftw = 0xff; break;
    default: f->ftw = (uint8_t)dt_rng_next(r); break;
    }
    for (int i = 0; i < 8; i++) {
        f->st[i] = x87_value(r);
    }
    f->fop = (uint16_t)(dt_rng_next(r) & 0x7ff);
    /*
     * 32-bit pointers even in 64-bit mode: this host loses FIP/FDP bits 63:32
     * when the guest exits to the hypervisor (an exception does), so a wider
     * initial value cannot be carried into the guest.
     */
    f->fip = dt_rng_next(r) & 0xffffffffull;
    f->fdp = dt_rng_next(r) & 0xffffffffull;
    if (dt_rng_one_in(r, 2)) {
        f->mxcsr = 0x1f80;
    } else {
        /* every bit but MM (bit 17 and up are reserved): SDM vol. 1 10.2.3 */
        f->mxcsr = (uint32_t)(dt_rng_next(r) & 0xffff);
    }
    for (int i = 0; i < 16; i++) {
        for (int q = 0; q < 2; q++) {
            f->xmm[i].q[q] = dt_rng_one_in(r, 2)
                                 ? float_pattern(r, true)
                                 : float_pattern(r, false) | float_pattern(r, false) << 32;
        }
    }
}

static uint64_t random_rflags(DtRng *r)
{
    /* CF PF AF ZF SF OF DF; IF set and IOPL 0 as this host's kvm shows them; no TF, NT. */
    uint64_t f = dt_rng_next(r) & (X86_FLAG_CF | X86_FLAG_PF | X86_FLAG_AF | X86_FLAG_ZF |
                                   X86_FLAG_SF | X86_FLAG_OF);
    if (dt_rng_one_in(r, 4)) {
        f |= X86_FLAG_DF;
    }
    if (dt_rng_one_in(r, 8)) {
        f |= X86_FLAG_AC;
    }
    if (dt_rng_one_in(r, 4)) {
        f |= X86_FLAG_ID;
    }
    return f | X86_FLAG_FIXED | X86_FLAG_IF;
}

static unsigned nr_regs(DtMode mode)
{
    return mode == DT_MODE_64 ? 16 : 8;
}

/*
 * A canonical RSP, and not in the first pages of the upper half, where this
 * host's kvm reports #PF with the reserved-bit flag (gen_insn.c, the edge
 * values): 0x0000800000000000 would become 0xffff800000000000.
 */
static uint64_t canonical_rsp(uint64_t rsp)
{
    rsp = (uint64_t)((int64_t)(rsp << 16) >> 16);
    if (rsp - 0xffff800000000000ull < 0x10000) {
        rsp += 0x10000;
    }
    return rsp;
}

static void random_registers(DtRng *r, DtCase *c, DtGenContext *ctx)
{
    for (unsigned i = 0; i < X86_NR_GPRS; i++) {
        c->regs[i] = dt_gen_value(r);
    }
    if (!dt_rng_one_in(r, 16)) {
        c->regs[R_ESP] = DT_STACK + 0x100 + (dt_rng_below(r, 0xe00) & (dt_rng_one_in(r, 4) ? ~0u : ~7u));
    } else {
        /*
         * A wild stack, but canonical: while RSP is non-canonical this host's
         * kvm runs the guest in its instruction emulator (LDMXCSR, PXOR, FLDCW
         * then raise #UD, misaligned accesses no #AC); see @noncanonical-rsp.
         */
        c->regs[R_ESP] = canonical_rsp(c->regs[R_ESP]);
    }
    /* pointers into the data pages for the memory operands, and an index register */
    ctx->nr_pointers = (uint8_t)(1 + dt_rng_below(r, 3));
    for (unsigned i = 0; i < ctx->nr_pointers; i++) {
        unsigned reg;
        do {
            reg = dt_rng_below(r, nr_regs(c->mode));
        } while (reg == R_ESP);
        ctx->pointers[i] = (uint8_t)reg;
        c->regs[reg] = dt_gen_data_address(r);
    }
    do {
        ctx->index_reg = (uint8_t)dt_rng_below(r, nr_regs(c->mode));
    } while (ctx->index_reg == R_ESP);
    c->regs[ctx->index_reg] = dt_rng_one_in(r, 4) ? (uint64_t)-(int64_t)dt_rng_below(r, 16)
                                                  : dt_rng_below(r, 32);
    if (c->mode == DT_MODE_COMPAT32 && dt_rng_one_in(r, 2)) {
        for (unsigned i = 0; i < 8; i++) {
            c->regs[i] &= 0xffffffff;   /* as a 32-bit program leaves them, mostly */
        }
    }
}

/* Instructions with implicit memory operands get registers that reach the data. */
static void fit_implicit_operands(DtRng *r, DtCase *c, const DtInsn *in)
{
    switch (in->op) {
    case X86_OP_MOVS: case X86_OP_CMPS: case X86_OP_STOS: case X86_OP_LODS: case X86_OP_SCAS:
        c->regs[R_ESI] = dt_gen_data_address(r);
        c->regs[R_EDI] = dt_gen_data_address(r);
        if (!dt_rng_one_in(r, 8)) {
            c->regs[R_ECX] = dt_rng_below(r, 24);
        }
        break;
    case X86_OP_XLAT:
        c->regs[R_EBX] = dt_gen_data_address(r) - dt_rng_below(r, 128);
        break;
    case X86_OP_ENTER: case X86_OP_LEAVE:
        c->regs[R_EBP] = DT_STACK + 0x100 + dt_rng_below(r, 0xe00);
        break;
    case X86_OP_XSAVE: case X86_OP_XSAVEOPT: case X86_OP_XRSTOR:
        /* the requested-feature bitmap without AVX: the host's XCR0 may have it, the guest's not */
        c->regs[R_EAX] &= ~4ull;
        break;
    case X86_OP_LOOP: case X86_OP_LOOPE: case X86_OP_LOOPNE: case X86_OP_JCXZ:
        if (dt_rng_one_in(r, 2)) {
            c->regs[R_ECX] = dt_rng_below(r, 3);
        }
        break;
    default:
        break;
    }
}

/* A rel8 that no longer reaches its target is pointed at the next instruction. */
static void fit_short_branches(DtCase *c)
{
    uint8_t code[DT_MAX_INSNS * 15];
    uint64_t addr[DT_MAX_INSNS + 1];
    dt_case_layout(c, code, addr);
    for (unsigned i = 0; i < c->nr_insns; i++) {
        DtInsn *in = &c->insns[i];
        if (in->fix_kind == DT_FIX_BRANCH && in->fix_size == 1 &&
            addr[(unsigned)in->target] - addr[i + 1] > 127) {
            in->target = (int8_t)(i + 1);
        }
    }
}

static unsigned pick_count(DtRng *r, unsigned max)
{
    unsigned n = 1 + dt_rng_below(r, 4);
    if (dt_rng_one_in(r, 3)) {
        n += dt_rng_below(r, 5);
    }
    return n > max ? max : n;
}

void dt_gen_case(const DtGen *g, uint64_t seed, uint64_t index, DtCase *c)
{
    DtRng r;
    DtGenContext ctx;
    dt_rng_seed(&r, seed, index);
    dt_case_defaults(c, g->mode);
    c->seed = seed;
    c->index = index;
    memset(&ctx, 0, sizeof(ctx));
    ctx.mode = g->mode;
    ctx.c = c;

    random_registers(&r, c, &ctx);
    c->rflags = random_rflags(&r);
    random_fpu(&r, &c->fpu);
    random_memory(&r, c->data, sizeof(c->data));
    random_memory(&r, c->stack, sizeof(c->stack));

    c->nr_insns = (uint8_t)pick_count(&r, g->max_insns);
    ctx.nr_insns = c->nr_insns;
    for (unsigned i = 0; i < c->nr_insns; i++) {
        DtInsn *in = &c->insns[i];
        bool ok = false;
        ctx.insn_index = i;
        for (int tries = 0; tries < 8 && !ok && g->nr_ops; tries++) {
            unsigned op = g->ops[dt_rng_below(&r, g->nr_ops)];
            unsigned row = g->rows[g->first_row[op] + dt_rng_below(&r, g->nr_rows[op])];
            ok = dt_gen_insn(&ctx, &r, row, in);
        }
        if (!ok) {
            memset(in, 0, sizeof(*in));
            in->bytes[0] = 0x90;    /* NOP */
            in->len = 1;
            in->op = X86_OP_NOP;
        }
        fit_implicit_operands(&r, c, in);
    }
    fit_short_branches(c);
    /* an instruction's register wish (32-bit addressing through RSP) may have broken it */
    c->regs[R_ESP] = canonical_rsp(c->regs[R_ESP]);
}
