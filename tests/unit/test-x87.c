/* Unit tests for the x87 family (cpu/x86/x87*.c): every x87 instruction form against the host CPU. */
#include "x87-oracle.h"

/* ---- the x87 forms tandem decodes ---- */

typedef struct Form {
    uint8_t esc, modrm;     /* memory forms: modrm has mod = 00, rm = 110 */
    bool mem;
    uint16_t op;
    uint8_t kind;           /* the memory operand's kind */
} Form;

static Form forms[8 * 64 + 8 * 8];
static unsigned nr_forms, nr_reg_forms, nr_mem_forms;

static bool decode_x87(uint8_t esc, uint8_t modrm, X86Insn *insn)
{
    uint8_t bytes[8] = { esc, modrm, 0, 0, 0, 0, 0, 0 };
    return x86_decode(bytes, sizeof(bytes), X86_MODE_64, insn) > 0 && insn->op != X86_OP_NONE;
}

static void collect_forms(void)
{
    if (nr_forms) {
        return;
    }
    for (unsigned esc = 0xd8; esc <= 0xdf; esc++) {
        for (unsigned m = 0; m < 64 + 8; m++) {
            bool mem = m >= 64;
            uint8_t modrm = mem ? (uint8_t)(((m - 64) << 3) | 6) : (uint8_t)(0xc0 + m);
            X86Insn insn;
            if (!decode_x87((uint8_t)esc, modrm, &insn)) {
                continue;
            }
            Form *f = &forms[nr_forms++];
            *f = (Form){ .esc = (uint8_t)esc, .modrm = modrm, .mem = mem, .op = insn.op };
            const X86OpcodeRow *row = x86_insn_row(&insn);
            for (int i = 0; i < 4 && mem; i++) {
                if (row->operand[i] >= X86_OPK_M16int && row->operand[i] <= X86_OPK_M94_108byte) {
                    f->kind = row->operand[i];
                }
            }
            if (mem) {
                nr_mem_forms++;
            } else {
                nr_reg_forms++;
            }
        }
    }
}

static bool op_writes_memory(unsigned op)
{
    switch (op) {
    case X86_OP_FST: case X86_OP_FSTP: case X86_OP_FIST: case X86_OP_FISTP: case X86_OP_FISTTP:
    case X86_OP_FBSTP: case X86_OP_FNSTCW: case X86_OP_FNSTSW: case X86_OP_FNSTENV:
    case X86_OP_FNSAVE:
        return true;
    default:
        return false;
    }
}

/* An environment (and for FRSTOR the registers) with random fields, reserved bits included. */
static void random_env(uint8_t *p, bool small, bool with_regs)
{
    uint16_t fcw = rnd() % 2 ? (uint16_t)rnd() : norm_fcw((uint16_t)(rnd() | 0x3f));
    uint16_t fsw = (uint16_t)rnd();
    fsw &= rnd() % 2 ? 0xffc0 : 0xffff;
    uint16_t tw = (uint16_t)rnd();
    unsigned n = small ? 14 : 28;
    for (unsigned i = 0; i < n; i++) {
        p[i] = (uint8_t)rnd();
    }
    put16(p, fcw);
    put16(p + (small ? 2 : 4), fsw);
    put16(p + (small ? 4 : 8), tw);
    for (unsigned i = 0; with_regs && i < 8; i++) {
        X87Reg r = random_f80();
        memcpy(p + n + 10 * i, &r.mantissa, 8);
        put16(p + n + 10 * i + 8, r.sign_exp);
    }
}

static void random_operand(uint8_t *p, const Form *f, bool opsize16)
{
    if (op_writes_memory(f->op)) {
        return;     /* random bytes already */
    }
    switch (f->kind) {
    case X86_OPK_M32fp: put32(p, random_f32()); break;
    case X86_OPK_M64fp: { uint64_t v = random_f64(); memcpy(p, &v, 8); break; }
    case X86_OPK_M80fp: { X87Reg r = random_f80(); memcpy(p, &r.mantissa, 8); put16(p + 8, r.sign_exp); break; }
    case X86_OPK_M16int: put16(p, (uint16_t)random_int(2)); break;
    case X86_OPK_M32int: put32(p, (uint32_t)random_int(4)); break;
    case X86_OPK_M64int: { uint64_t v = random_int(8); memcpy(p, &v, 8); break; }
    case X86_OPK_M80bcd: random_bcd(p); break;
    case X86_OPK_M2byte: put16(p, rnd() % 2 ? (uint16_t)rnd() : (uint16_t)((rnd() & 0xf00) | 0x7f)); break;
    case X86_OPK_M14_28byte: random_env(p, opsize16, false); break;
    case X86_OPK_M94_108byte: random_env(p, opsize16, true); break;
    default: break;
    }
}

/*
 * Encode form f into c->code with random prefixes (66: the 16-bit
 * environment layouts; DS override; REX.W, which x87 ignores) and, for a
 * memory form, one of four addressing forms; then FNSTENV [rdi].
 */
typedef enum { TAIL_FNSTENV, TAIL_NONE, TAIL_FWAIT } Tail;

static void encode_form(Case *c, const Form *f, Tail tail)
{
    uint8_t *p = c->code;
    bool opsize16 = rnd() % 4 == 0;
    if (opsize16) {
        *p++ = 0x66;
    }
    if (rnd() % 6 == 0) {
        *p++ = 0x3e;
    }
    if (c->mode == T64 && rnd() % 4 == 0) {
        *p++ = 0x48;
    }
    *p++ = f->esc;
    uint64_t ea = 0;
    uint64_t base = FIXTURE_DATA + OPERAND_OFF;
    c->regs[R_ESI] = base;
    c->regs[R_ECX] = rnd() % 32;
    if (!f->mem) {
        *p++ = f->modrm;
    } else {
        unsigned reg = f->modrm & 0x38;
        switch (rnd() % 4) {
        case 0:
            *p++ = (uint8_t)(reg | 6);
            ea = base;
            break;
        case 1: {
            uint8_t d = (uint8_t)(rnd() % 0x78);
            *p++ = (uint8_t)(0x40 | reg | 6);
            *p++ = d;
            ea = base + d;
            break;
        }
        case 2: {
            *p++ = (uint8_t)(reg | 5);
            ea = FIXTURE_DATA + RIPREL_OFF;
            uint32_t disp = (uint32_t)ea;
            if (c->mode == T64) {
                uint64_t next = code_start(c->mode) + (uint64_t)(p - c->code) + 4;
                disp = (uint32_t)(ea - next);
            }
            put32(p, disp);
            p += 4;
            break;
        }
        default:
            *p++ = (uint8_t)(reg | 4);
            *p++ = 0x8e;                /* [rsi + rcx*4] */
            ea = base + c->regs[R_ECX] * 4;
            break;
        }
        random_operand(c->data + (ea - FIXTURE_DATA), f, opsize16);
    }
    if (tail == TAIL_FNSTENV) {
        *p++ = 0xd9;                    /* fnstenv [rdi] */
        *p++ = 0x37;
    } else if (tail == TAIL_FWAIT) {
        *p++ = 0x9b;
    }
    c->regs[R_EDI] = FIXTURE_DATA + ENV_OFF;
    c->len = (unsigned)(p - c->code);
}

static void random_case(Case *c, TestMode mode, unsigned k)
{
    memset(c, 0, sizeof(*c));
    c->mode = mode;
    c->native = true;
    random_fpu(&c->fpu, k);
    for (unsigned i = 0; i < DATA_LEN; i++) {
        c->data[i] = (uint8_t)rnd();
    }
    c->rflags = rnd() & STATUS_FLAGS;
    c->regs[R_EAX] = rnd();
}

static void form_name(const Form *f, char *buf, size_t len)
{
    snprintf(buf, len, "%s %02x %02x%s", x86_op_name(f->op), f->esc, f->modrm,
             f->mem ? " (mem)" : "");
}

/* `per_form` cases of every form (register or memory ones) in `mode`. */
static void run_forms(TestMode mode, bool mem, unsigned per_form)
{
    collect_forms();
    int before = failures, count = 0;
    for (unsigned i = 0; i < nr_forms; i++) {
        const Form *f = &forms[i];
        if (f->mem != mem) {
            continue;
        }
        char name[64];
        form_name(f, name, sizeof(name));
        for (unsigned k = 0; k < per_form; k++) {
            static Case c;
            random_case(&c, mode, k);
            encode_form(&c, f, TAIL_FNSTENV);
            check_case(&c, name);
            count++;
        }
    }
    g_test_message("%d cases, %d failures", count, failures - before);
    g_assert_cmpint(failures, ==, before);
}

static void test_forms_decode(void)
{
    collect_forms();
    const X86Handler *h = x86_handlers();
    for (unsigned i = 0; i < nr_forms; i++) {
        if (!h[forms[i].op]) {
            char name[64];
            form_name(&forms[i], name, sizeof(name));
            g_test_message("no handler for %s", name);
            g_test_fail();
        }
    }
    /* Every X86_OP_F* op, WAIT, EMMS, FXSAVE and FXRSTOR has a handler. */
    for (unsigned op = X86_OP_FADD; op <= X86_OP_FSETPM; op++) {
        if (!h[op]) {
            g_test_message("no handler for %s", x86_op_name(op));
            g_test_fail();
        }
    }
    g_assert_nonnull(h[X86_OP_WAIT]);
    g_assert_nonnull(h[X86_OP_EMMS]);
    g_assert_nonnull(h[X86_OP_FXSAVE]);
    g_assert_nonnull(h[X86_OP_FXRSTOR]);
    unsigned ops = 0;
    for (unsigned op = 0; op < X86_OP_COUNT; op++) {
        for (unsigned i = 0; i < nr_forms; i++) {
            if (forms[i].op == op) {
                ops++;
                break;
            }
        }
    }
    /* The forms tandem does not decode are #UD on the host as well. */
    unsigned undefined = 0;
    for (unsigned esc = 0xd8; esc <= 0xdf; esc++) {
        for (unsigned m = 0; m < 64 + 8; m++) {
            uint8_t modrm = m >= 64 ? (uint8_t)(((m - 64) << 3) | 6) : (uint8_t)(0xc0 + m);
            X86Insn insn;
            if (decode_x87((uint8_t)esc, modrm, &insn)) {
                continue;
            }
            static Case c;
            random_case(&c, T64, m);
            c.code[0] = (uint8_t)esc;
            c.code[1] = modrm;
            c.len = 2;
            c.regs[R_ESI] = FIXTURE_DATA + OPERAND_OFF;
            c.fpu.fsw = norm_fsw(c.fpu.fsw & ~0x3f, c.fpu.fcw);
            g_assert_true(check_case(&c, "undefined x87 form"));
            g_assert_cmpint(fixture_only(&c, NULL), ==, X86_EXC_UD);
            undefined++;
        }
    }
    g_test_message("%u register forms, %u memory forms of %u operations; %u undefined forms",
                   nr_reg_forms, nr_mem_forms, ops, undefined);
    g_assert_cmpuint(nr_mem_forms, >=, 60);
    g_assert_cmpuint(nr_reg_forms, >=, 400);
}

static void test_register_forms_64(void) { run_forms(T64, false, 48); }
static void test_memory_forms_64(void) { run_forms(T64, true, 240); }
static void test_register_forms_32(void) { run_forms(T32, false, 8); }
static void test_memory_forms_32(void) { run_forms(T32, true, 64); }

/*
 * Unmasked exceptions: the instruction alone natively (its state, with the
 * exception pending and the pointers saved), and followed by FWAIT, which
 * must raise #MF at the FWAIT on both sides, with the fixture's state at
 * the fault equal to the host's state after the instruction.
 */
/* How the fixture's FWAIT case b (#MF expected) differs from the host's run of a, or 0. */
static int describe_mf_diff(const Case *a, const Result *na, const Result *nb, const Result *tb,
                            uint64_t fault_rip, char *diff, size_t size)
{
    int len = 0;
    if (tb->vector != nb->vector) {
        return snprintf(diff, size, " vector %d, host %d", tb->vector, nb->vector);
    }
    if (nb->vector != X86_EXC_MF || na->vector >= 0) {
        return 0;
    }
    if (fault_rip != code_start(T64) + a->len) {
        len += snprintf(diff, size, " #MF at %llx", (unsigned long long)fault_rip);
    }
    bool pointers = (get16(na->fx + 2) & 0x80) != 0;
    len += describe_fx_diff(diff + len, size - len, tb, na, T64, pointers);
    if (memcmp(tb->data, na->data, DATA_LEN) != 0) {
        len += snprintf(diff + len, size - len, " data differs");
    }
    return len;
}

static void test_pending_mf(void)
{
    collect_forms();
    int before = failures, count = 0, raised = 0;
    for (unsigned i = 0; i < nr_forms; i++) {
        const Form *f = &forms[i];
        char name[64];
        form_name(f, name, sizeof(name));
        for (unsigned k = 0; k < 16; k++) {
            static Case a, b;
            static Result na, nb, tb;
            random_case(&a, T64, k);
            a.fpu.fcw = norm_fcw((uint16_t)((a.fpu.fcw & ~0x3f) | (rnd() & 0x3f)));
            a.fpu.fsw = norm_fsw(a.fpu.fsw & ~0x7f, a.fpu.fcw);
            encode_form(&a, f, TAIL_NONE);
            b = a;
            b.code[b.len++] = 0x9b;
            run_fixture(&b, &tb, NULL);
            uint64_t fault_rip = fixtures[T64]->cpu.s.rip;
            count++;
            cases_run++;
            char diff[256];
            /* Re-run on a difference: see check_case() for the host's context-switch quirk. */
            for (int attempt = 0;; attempt++) {
                run_native(&a, &na);
                run_native(&b, &nb);
                if (describe_mf_diff(&a, &na, &nb, &tb, fault_rip, diff, sizeof(diff)) == 0) {
                    break;
                }
                if (attempt == 2) {
                    dump_case(&b, name, diff);
                    break;
                }
                native_reruns++;
            }
            raised += nb.vector == X86_EXC_MF && na.vector < 0;
        }
    }
    g_test_message("%d cases, %d raised #MF at the FWAIT, %d failures", count, raised,
                   failures - before);
    g_assert_cmpint(raised, >, count / 10);
    g_assert_cmpint(failures, ==, before);
}

/* A memory operand at a non-canonical address: #GP on both sides, nothing changed. */
static void test_memory_faults(void)
{
    collect_forms();
    int before = failures;
    for (unsigned i = 0; i < nr_forms; i++) {
        const Form *f = &forms[i];
        if (!f->mem) {
            continue;
        }
        char name[64];
        form_name(f, name, sizeof(name));
        for (unsigned k = 0; k < 4; k++) {
            static Case c;
            random_case(&c, T64, k);
            c.fpu.fsw &= ~0x3f;
            c.fpu.fsw = norm_fsw(c.fpu.fsw, c.fpu.fcw);
            c.code[0] = f->esc;
            c.code[1] = f->modrm;         /* [rsi] */
            c.len = 2;
            c.regs[R_ESI] = 0x8000000000000000ull + FIXTURE_DATA;
            check_case(&c, name);
        }
    }
    g_assert_cmpint(failures, ==, before);
}

/* #NM and the CR0 rules of SDM vol. 3A table 2-2, fixture only; the state must not change. */
static void test_cr0_rules(void)
{
    collect_forms();
    static Case c;
    for (unsigned i = 0; i < nr_forms; i++) {
        for (unsigned bit = 0; bit < 2; bit++) {
            random_case(&c, T64, i);
            c.native = false;
            encode_form(&c, &forms[i], TAIL_NONE);
            c.cr0_set = bit ? X86_CR0_TS : X86_CR0_EM;
            X86FpuState before = c.fpu;
            g_assert_cmpint(fixture_only(&c, NULL), ==, X86_EXC_NM);
            g_assert_true(memcmp(&fixtures[T64]->cpu.s.fpu, &before, sizeof(before)) == 0);
            g_assert_true(memcmp(fixtures[T64]->ram + FIXTURE_DATA, c.data, DATA_LEN) == 0);
        }
    }
    /* WAIT: #NM only with both MP and TS; EMMS and FXSAVE: #UD with EM, #NM with TS. */
    static const struct { uint8_t code[4]; unsigned len; uint64_t cr0; int vector; } rules[] = {
        { { 0x9b }, 1, X86_CR0_TS, -1 },
        { { 0x9b }, 1, X86_CR0_EM, -1 },
        { { 0x9b }, 1, X86_CR0_TS | X86_CR0_MP, X86_EXC_NM },
        { { 0x0f, 0x77 }, 2, X86_CR0_EM | X86_CR0_TS, X86_EXC_UD },
        { { 0x0f, 0x77 }, 2, X86_CR0_TS, X86_EXC_NM },
        { { 0x0f, 0xae, 0x06 }, 3, X86_CR0_EM | X86_CR0_TS, X86_EXC_UD },
        { { 0x0f, 0xae, 0x06 }, 3, X86_CR0_TS, X86_EXC_NM },
        { { 0x0f, 0xae, 0x0e }, 3, X86_CR0_EM, X86_EXC_UD },
        { { 0x0f, 0xae, 0x0e }, 3, X86_CR0_TS, X86_EXC_NM },
        { { 0xdb, 0xe3 }, 2, X86_CR0_MP, -1 },      /* MP alone: nothing for x87 */
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(rules); i++) {
        random_case(&c, T64, i);
        c.fpu.fsw = norm_fsw(c.fpu.fsw & ~0x3f, c.fpu.fcw);
        c.fpu.mxcsr = 0x1f80;
        memcpy(c.code, rules[i].code, rules[i].len);
        c.len = rules[i].len;
        c.regs[R_ESI] = FIXTURE_DATA + 0x100;
        c.cr0_set = rules[i].cr0;
        g_assert_cmpint(fixture_only(&c, NULL), ==, rules[i].vector);
    }
    /* CR0.NE = 0: the pending exception is still raised as #MF (FERR# is not modelled). */
    random_case(&c, T64, 0);
    c.fpu.fcw = 0x37b;
    c.fpu.fsw = norm_fsw(X87_TEST_ZE, c.fpu.fcw);
    c.code[0] = 0xd9;
    c.code[1] = 0xe8;           /* fld1 */
    c.len = 2;
    c.cr0_clear = X86_CR0_NE;
    g_assert_cmpint(fixture_only(&c, NULL), ==, X86_EXC_MF);
    c.code[1] = 0xd0;           /* fnop waits too */
    g_assert_cmpint(fixture_only(&c, NULL), ==, X86_EXC_MF);
    c.code[0] = 0xdb;
    c.code[1] = 0xe2;           /* fnclex does not */
    g_assert_cmpint(fixture_only(&c, NULL), ==, -1);
    g_assert_cmphex(fixtures[T64]->cpu.s.fpu.fsw & 0x80ff, ==, 0);
}

/* qemu64's CPUID (AuthenticAMD without XSaveErPtr), as the interp backend builds it. */
static const X86Cpuid *qemu64_cpuid(void)
{
    static X86Cpuid t;
    if (!t.nr) {
        X86CpuModel m;
        char err[128];
        g_assert_cmpint(x86_cpu_model_parse("qemu64", &m, err, sizeof(err)), ==, 0);
        x86_cpuid_build(&m, NULL, 0, 1, &t);
    }
    return &t;
}

/* Does the host's FXSAVE leave FIP/FDP/FOP out while no exception is pending (AMD)? */
static bool host_fxsave_drops_pointers(void)
{
    static uint8_t image[512] __attribute__((aligned(16)));
    __asm__ volatile("fninit; fld1; fxsave %0; fninit" : "=m"(image));
    return get16(image + 6) == 0;
}

/* A random FXSAVE image with a valid MXCSR and garbage in the ignored bytes. */
static void random_fxsave_image(uint8_t *p)
{
    for (unsigned i = 0; i < 512; i++) {
        p[i] = (uint8_t)rnd();
    }
    put16(p, (uint16_t)(rnd() % 2 ? rnd() : 0x037f));
    put16(p + 2, (uint16_t)(rnd() % 2 ? rnd() : rnd() & 0x3800));
    put32(p + 24, (uint32_t)(rnd() % 2 ? rnd() & 0xffff : 0x1f80));
    for (unsigned i = 0; i < 8; i++) {
        X87Reg r = random_f80();
        memcpy(p + 32 + 16 * i, &r.mantissa, 8);
        put16(p + 40 + 16 * i, r.sign_exp);
    }
}

/*
 * FXSAVE (and REX.W FXSAVE64) of random states, FXRSTOR of random images
 * followed by FXSAVE, misaligned areas and reserved MXCSR bits, against the
 * host, with the fixture running qemu64's AMD CPUID: the pointers are then
 * stored only while an exception is pending, as on this host.
 */
static void test_fxsave_fxrstor(void)
{
    int before = failures, count = 0;
    bool drops = host_fxsave_drops_pointers();
    g_test_message("host FXSAVE %s the pointers without a pending exception",
                   drops ? "drops" : "keeps");
    case_cpuid = drops ? qemu64_cpuid() : NULL;
    for (unsigned k = 0; k < 1600; k++) {
        static Case c;
        TestMode mode = k % 4 == 3 ? T32 : T64;
        random_case(&c, mode, k);
        c.fpu.mxcsr = (uint32_t)(rnd() & 0xffff);
        for (unsigned i = 0; i < 16; i++) {
            for (unsigned j = 0; j < 4; j++) {
                c.fpu.xmm[i].d[j] = mode == T64 || i < 8 ? (uint32_t)rnd() : 0;
            }
        }
        uint8_t *p = c.code;
        bool rexw = mode == T64 && rnd() % 2;
        unsigned kind = k % 8;
        c.regs[R_ESI] = FIXTURE_DATA + 0x100;
        c.regs[R_EDI] = FIXTURE_DATA + 0x400;
        c.skip_off = 0x100 + 28;
        c.skip_len = 4;
        if (kind < 3) {
            /* fxsave [rsi] */
        } else {
            random_fxsave_image(c.data + 0x100);
            if (kind == 7) {
                put32(c.data + 0x100 + 24, (uint32_t)(0x10000u << (rnd() % 16)) | 0x1f80);
            }
            if (rexw) {
                *p++ = 0x48;
            }
            *p++ = 0x0f; *p++ = 0xae; *p++ = 0x0e;     /* fxrstor [rsi] */
            c.skip_off = 0x400 + 28;
        }
        if (kind == 6) {
            c.regs[R_ESI] += 8 * (1 + rnd() % 7);          /* misaligned: #GP */
        }
        if (rexw) {
            *p++ = 0x48;
        }
        *p++ = 0x0f; *p++ = 0xae;
        *p++ = kind < 3 ? 0x06 : 0x07;                    /* fxsave [rsi] / [rdi] */
        c.len = (unsigned)(p - c.code);
        if (kind == 7 && (get32(c.data + 0x100 + 24) & 0x20000)) {
            continue;   /* MXCSR.MM: this host takes it, tandem does not offer it */
        }
        check_case(&c, kind < 3 ? "FXSAVE" : kind == 6 ? "FXRSTOR misaligned" : "FXRSTOR");
        count++;
    }
    case_cpuid = NULL;
    g_test_message("%d cases, %d failures", count, failures - before);
    g_assert_cmpint(failures, ==, before);

    /* tandem-only: MXCSR.MM (bit 17) is reserved here, FXSAVE's mask is FFFFH. */
    static Case c;
    random_case(&c, T64, 0);
    random_fxsave_image(c.data + 0x100);
    put32(c.data + 0x100 + 24, 0x21f80);
    memcpy(c.code, (const uint8_t[]){ 0x0f, 0xae, 0x0e }, 3);
    c.len = 3;
    c.regs[R_ESI] = FIXTURE_DATA + 0x100;
    g_assert_cmpint(fixture_only(&c, NULL), ==, X86_EXC_GP);
    memcpy(c.code, (const uint8_t[]){ 0x0f, 0xae, 0x06 }, 3);
    g_assert_cmpint(fixture_only(&c, NULL), ==, -1);
    g_assert_cmphex(get32(fixtures[T64]->ram + FIXTURE_DATA + 0x100 + 28), ==, 0xffff);
    /* Without a CPUID (Intel's rule) the pointers are always stored. */
    g_assert_cmphex(get16(fixtures[T64]->ram + FIXTURE_DATA + 0x100 + 6), ==, c.fpu.fop);
    g_assert_cmphex(get32(fixtures[T64]->ram + FIXTURE_DATA + 0x100 + 8), ==, (uint32_t)c.fpu.fip);
}

/* EMMS and WAIT against the host (pending exceptions included). */
static void test_emms_wait(void)
{
    int before = failures;
    for (unsigned k = 0; k < 400; k++) {
        static Case c;
        random_case(&c, k % 4 == 3 ? T32 : T64, k);
        uint8_t *p = c.code;
        if (k % 2) {
            *p++ = 0x0f; *p++ = 0x77;
        } else {
            *p++ = 0x9b;
        }
        *p++ = 0xd9; *p++ = 0x37;
        c.len = (unsigned)(p - c.code);
        c.regs[R_EDI] = FIXTURE_DATA + ENV_OFF;
        check_case(&c, k % 2 ? "EMMS" : "WAIT");
    }
    g_assert_cmpint(failures, ==, before);
}

/*
 * Real-address mode layouts (SDM vol. 1 figures 8-10 and 8-12), fixture
 * only: CS = 1000h, DS = 2000h; fld1; fld qword [si]; fnstenv in the
 * 16- and 32-bit layouts; FLDENV of a hand-made image; FNSAVE/FRSTOR.
 */
static void test_real_mode_env(void)
{
    Fixture *f = fixture_new(FIXTURE_REAL, 0);
    X86State s = f->cpu.s;
    s.segs[SEG_CS].base = 0x10000;
    s.segs[SEG_CS].selector = 0x1000;
    for (int i = 0; i < X86_NR_SEGS; i++) {
        if (i != SEG_CS) {
            s.segs[i].base = 0x20000;
            s.segs[i].selector = 0x2000;
        }
    }
    s.rip = 0;
    s.regs[R_ESI] = 0x10;
    s.fpu.fcw = 0x037f;
    static const uint8_t code[] = {
        0xd9, 0xe8,                         /* fld1 */
        0xdd, 0x04,                         /* fld qword [si] */
        0xd9, 0x36, 0x00, 0x01,             /* fnstenv [0x100] (16-bit) */
        0x66, 0xd9, 0x36, 0x00, 0x02,       /* fnstenv [0x200] (32-bit) */
    };
    memcpy(f->ram + 0x10000, code, sizeof(code));
    f->code_end = sizeof(code);
    double two = 2.0;
    memcpy(f->ram + 0x20010, &two, 8);
    x86_cpu_set_state(&f->cpu, &s);
    g_assert_cmpint(fixture_run(f), ==, -1);
    static const uint16_t env16[7] = { 0x037f, 0x3000, 0x0fff, 0x0002, 0x1504, 0x0010, 0x2000 };
    static const uint32_t env32[7] = { 0xffff037f, 0xffff3000, 0xffff0fff, 0xffff0002, 0x1504,
                                       0xffff0010, 0x2000 };
    for (int i = 0; i < 7; i++) {
        g_assert_cmphex(get16(f->ram + 0x20100 + 2 * i), ==, env16[i]);
        g_assert_cmphex(get32(f->ram + 0x20200 + 4 * i), ==, env32[i]);
    }

    /* FLDENV (16-bit): IP 12345h, FOP 7FFh, DP ABCDEh. */
    static const uint16_t in16[7] = { 0x0b7b, 0x3804, 0x3fff, 0x2345, 0x17ff, 0xbcde, 0xa000 };
    memcpy(f->ram + 0x20300, in16, sizeof(in16));
    static const uint8_t load[] = { 0xd9, 0x26, 0x00, 0x03 };    /* fldenv [0x300] */
    memcpy(f->ram + 0x10000, load, sizeof(load));
    f->code_end = sizeof(load);
    f->cpu.s.rip = 0;
    g_assert_cmpint(fixture_run(f), ==, -1);
    X86FpuState *fpu = &f->cpu.s.fpu;
    g_assert_cmphex(fpu->fcw, ==, 0x0b7b);
    g_assert_cmphex(fpu->fsw, ==, 0xb884);      /* ZE unmasked: ES and B derived */
    g_assert_cmphex(fpu->ftw, ==, 0x80);
    g_assert_cmphex(fpu->fip, ==, 0x12345);
    g_assert_cmphex(fpu->fop, ==, 0x7ff);
    g_assert_cmphex(fpu->fdp, ==, 0xabcde);
    g_assert_cmphex(fpu->fcs | fpu->fds, ==, 0);

    /* A waiting instruction now raises #MF; FNSAVE (94 bytes) does not, and initialises. */
    fpu->st[7] = f80_from_int(-3);
    X86FpuState saved = *fpu;
    static const uint8_t save[] = { 0xd9, 0xe8, 0xdd, 0x36, 0x00, 0x04 };   /* fld1; fnsave [0x400] */
    memcpy(f->ram + 0x10000, save, sizeof(save));
    f->code_end = sizeof(save);
    f->cpu.s.rip = 0;
    g_assert_cmpint(fixture_run(f), ==, X86_EXC_MF);
    f->cpu.s.rip = 2;
    g_assert_cmpint(fixture_run(f), ==, -1);
    g_assert_cmphex(get16(f->ram + 0x20400 + 8), ==, 0x17ff);          /* IP[19:16], FOP */
    g_assert_cmphex(get16(f->ram + 0x20400 + 14 + 8), ==, 0xc000);     /* ST(0) = R7 = -3 */
    g_assert_cmphex(fpu->fcw, ==, 0x037f);
    g_assert_cmphex(fpu->fsw | fpu->ftw | fpu->fop, ==, 0);

    /* FRSTOR brings it back (pointers as linear addresses: selector 0). */
    static const uint8_t restore[] = { 0xdd, 0x26, 0x00, 0x04 };          /* frstor [0x400] */
    memcpy(f->ram + 0x10000, restore, sizeof(restore));
    f->code_end = sizeof(restore);
    f->cpu.s.rip = 0;
    g_assert_cmpint(fixture_run(f), ==, -1);
    g_assert_true(memcmp(fpu->st, saved.st, sizeof(saved.st)) == 0);
    g_assert_cmphex(fpu->fcw, ==, saved.fcw);
    g_assert_cmphex(fpu->fsw, ==, saved.fsw);
    g_assert_cmphex(fpu->ftw, ==, saved.ftw);
    g_assert_cmphex(fpu->fip, ==, 0x12345);
    g_assert_cmphex(fpu->fdp, ==, 0xabcde);
    fixture_free(f);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/x87/forms-decode", test_forms_decode);
    g_test_add_func("/x87/register-forms-64", test_register_forms_64);
    g_test_add_func("/x87/memory-forms-64", test_memory_forms_64);
    g_test_add_func("/x87/register-forms-32", test_register_forms_32);
    g_test_add_func("/x87/memory-forms-32", test_memory_forms_32);
    g_test_add_func("/x87/pending-mf", test_pending_mf);
    g_test_add_func("/x87/memory-faults", test_memory_faults);
    g_test_add_func("/x87/cr0-rules", test_cr0_rules);
    g_test_add_func("/x87/fxsave-fxrstor", test_fxsave_fxrstor);
    g_test_add_func("/x87/emms-wait", test_emms_wait);
    g_test_add_func("/x87/real-mode-env", test_real_mode_env);
    int r = g_test_run();
    fprintf(stderr, "# %d cases compared, %d failures, %d native re-runs; faulting natively:",
            cases_run, failures, native_reruns);
    for (int v = 0; v < 32; v++) {
        if (cases_faulted[v]) {
            fprintf(stderr, " vector %d: %d", v, cases_faulted[v]);
        }
    }
    fprintf(stderr, "\n");
    return r;
}
