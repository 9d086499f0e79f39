/* difftest's hardware backend: the host CPU runs the case at CPL3 under kvm (accel/kvm-difftest.h). */
#include <cpuid.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accel/kvm-difftest.h"
#include "accel/kvm.h"
#include "difftest/backend.h"
#include "difftest/kvm_batch.h"
#include "hw/machine.h"

/*
 * One VM with DT_RAM_SIZE_BATCH of RAM and one vCPU per worker thread, set up
 * once with accel_kvm.set_state (long mode, CPL3 segments, the layout's
 * tables) and then driven by kvm-difftest's one-ioctl runs.  A case starts
 * at the mode's entry code (FXRSTOR, JMP) and ends with an OUT from the
 * terminator or from an exception stub.  The segment registers go back to
 * the mode's snapshot whenever the last case left them otherwise (a MOV to
 * DS, or an exception in compatibility mode, which switches to the stubs'
 * 64-bit CS).  Batches of 64-bit cases run in one KVM_RUN (kvm_batch.h).
 */

#define SREGS_BATCH 2     /* kvm_difftest sregs slot: 64-bit mode with the batch IDT */

typedef struct KvmBackend {
    DtBackend base;
    X86Cpuid host;          /* the CPU that runs the guest, as CPUID shows it */
    Machine m;
    Options opts;
    VCPU *v;
    KvmDifftest *fast;
    DtWatch *watch;
    int sregs_mode;         /* the mode the vCPU's segments are set for, or -1 */
    unsigned quirks;        /* DT_QUIRK_* */
} KvmBackend;

static void kvm_run_case(DtBackend *base, const DtCase *c, DtOutcome *out, DtFlagTrace *trace);

/* ---- the CPU the software backend should be ---- */

static void add_leaf(X86Cpuid *t, uint32_t fn, uint32_t index, bool indexed)
{
    unsigned a, b, c, d;
    if (t->nr == X86_CPUID_MAX) {
        return;
    }
    __cpuid_count(fn, index, a, b, c, d);
    t->e[t->nr++] = (X86CpuidEntry){ .function = fn, .index = index,
                                     .flags = indexed ? X86_CPUID_FLAG_INDEXED : 0,
                                     .eax = a, .ebx = b, .ecx = c, .edx = d };
}

static bool leaf_has_subleaves(uint32_t fn)
{
    switch (fn) {
    case 4: case 7: case 0xb: case 0xd: case 0xf: case 0x10: case 0x12: case 0x14: case 0x17:
    case 0x18: case 0x1f: case 0x8000001d: case 0x80000020:
        return true;
    default:
        return false;
    }
}

/*
 * Under kvm the case runs on the host CPU itself: its instructions are the
 * host's whatever KVM_SET_CPUID2 told the guest (on this project's nested
 * host KVM_GET_SUPPORTED_CPUID even lacks SSE3, yet the guest executes
 * SSE4.2).  So the software backend models the CPUID the host CPU reports.
 */
static void host_cpuid(X86Cpuid *t)
{
    static const uint32_t bases[] = { 0, 0x80000000u };
    memset(t, 0, sizeof(*t));
    for (size_t k = 0; k < 2; k++) {
        unsigned max, b, c, d;
        __cpuid(bases[k], max, b, c, d);
        if (max < bases[k] || max > bases[k] + 0x40) {
            continue;
        }
        for (uint32_t fn = bases[k]; fn <= max; fn++) {
            if (!leaf_has_subleaves(fn)) {
                add_leaf(t, fn, 0, false);
                continue;
            }
            for (uint32_t i = 0; i < 8; i++) {
                add_leaf(t, fn, i, true);
            }
        }
    }
    /*
     * XSaveErPtr (8000_0008 EBX bit 2) says FXSAVE always stores FOP/FIP/FDP;
     * this host's FXSAVE zero-fills them unless FSW.ES is set, as AMD CPUs
     * without the feature do (measured on the host: FLD then FXSAVE64 gives
     * FIP 0, FNSTENV gives the FLD's address).  Model what the CPU does.
     */
    for (int i = 0; i < t->nr; i++) {
        if (t->e[i].function == 0x80000008) {
            t->e[i].ebx &= ~(1u << 2);
        }
    }
}

static const char *kvm_unavailable(void)
{
    return accel_kvm.unavailable();
}

static void kick_vcpu(void *opaque)
{
    accel_kvm.kick(opaque);
}

static void kvm_free(KvmBackend *b)
{
    Machine *m = &b->m;
    if (b->watch) {
        pthread_mutex_lock(&b->watch->lock);
        b->watch->kick = NULL;
        pthread_mutex_unlock(&b->watch->lock);
    }
    kvm_difftest_free(b->fast);
    if (b->v && b->v->accel) {
        accel_kvm.vcpu_destroy(b->v);
    }
    if (m->accel_state) {
        accel_kvm.destroy(m);
    }
    free(m->vcpus);
    address_space_destroy(&m->io);
    address_space_destroy(&m->mem);
    if (m->ram.host) {
        ram_block_free(&m->ram);
    }
    free(b);
}

static int kvm_setup_modes(KvmBackend *b, char *err, size_t errlen)
{
    static const int slots[] = { SREGS_BATCH, DT_MODE_COMPAT32, DT_MODE_64 };
    for (size_t i = 0; i < 3; i++) {
        X86State s;
        dt_layout_base_state(&s, slots[i] == SREGS_BATCH ? DT_MODE_64 : (DtMode)slots[i]);
        if (slots[i] == SREGS_BATCH) {
            s.idtr.base = DT_BATCH_IDT;
        }
        accel_kvm.set_state(b->v, &s);
        /* set_state keeps its errors for run(); a save now reads what was accepted */
        if (kvm_difftest_save_sregs(b->fast, slots[i], err, errlen) != 0) {
            return -1;
        }
    }
    b->sregs_mode = DT_MODE_64;
    return 0;
}

/* Run one instruction in 64-bit mode from the default state; the outcome in *out. */
static void probe_run(KvmBackend *b, DtMode mode, const uint8_t *bytes, unsigned len,
                      DtOutcome *out)
{
    DtCase *c = calloc(1, sizeof(*c));
    dt_case_defaults(c, mode);
    c->regs[R_EBX] = DT_SEL_DATA_RO;
    c->nr_insns = 1;
    c->insns[0].len = (uint8_t)len;
    memcpy(c->insns[0].bytes, bytes, len);
    kvm_run_case(&b->base, c, out, NULL);
    free(c);
}

/*
 * LSL ECX, EBX of the layout's read-only data selector: does the guest see
 * its own GDT (limit 0xffffffff, ZF set)?  XGETBV: its own XCR0 (layout.c
 * sets x87|SSE)?  FLD1 in compatibility mode: does it run at all (on this
 * project's host compatibility-mode code goes through kvm's instruction
 * emulator, which has no x87, SSE, POPCNT, CRC32, MOVBE, BCD...)?
 */
static void probe_quirks(KvmBackend *b)
{
    static const uint8_t lsl_ecx_ebx[] = { 0x0f, 0x03, 0xcb }, xgetbv[] = { 0x0f, 0x01, 0xd0 };
    DtOutcome *out = calloc(1, sizeof(*out));
    probe_run(b, DT_MODE_64, lsl_ecx_ebx, sizeof(lsl_ecx_ebx), out);
    if (out->stop != DT_STOP_END || (out->regs[R_ECX] & 0xffffffff) != 0xffffffff ||
        !(out->rflags & X86_FLAG_ZF)) {
        b->quirks |= DT_QUIRK_HOST_SEGMENTS;
    }
    probe_run(b, DT_MODE_64, xgetbv, sizeof(xgetbv), out);
    if (out->stop == DT_STOP_END && out->regs[R_EAX] != 3) {
        b->quirks |= DT_QUIRK_HOST_XCR0;
    }
    static const uint8_t fld1[] = { 0xd9, 0xe8 };
    probe_run(b, DT_MODE_COMPAT32, fld1, sizeof(fld1), out);
    if (out->stop != DT_STOP_END) {
        b->quirks |= DT_QUIRK_COMPAT_EMULATED;
    }
    free(out);
}

static DtBackend *kvm_create(const X86Cpuid *cpuid, DtWatch *watch, char *err, size_t errlen)
{
    (void)cpuid;    /* the hardware is what it is */
    KvmBackend *b = calloc(1, sizeof(*b));
    Machine *m = &b->m;
    b->base.ops = &dt_backend_kvm;
    b->watch = watch;
    b->opts.smp = 1;
    b->opts.ram_size = DT_RAM_SIZE_BATCH;
    m->opts = &b->opts;
    m->accel = &accel_kvm;
    address_space_init(&m->mem, "difftest-ram", 1ull << 40);
    address_space_init(&m->io, "difftest-io", 0x10000);
    if (ram_block_alloc(&m->ram, DT_RAM_SIZE_BATCH, err, errlen) != 0) {
        kvm_free(b);
        return NULL;
    }
    dt_layout_build(m->ram.host);
    dt_batch_build(m->ram.host);
    address_space_add_ram(&m->mem, "ram", 0, DT_RAM_SIZE_BATCH, m->ram.host);
    m->ram_below_4g = DT_RAM_SIZE_BATCH;
    m->nr_vcpus = 1;
    m->vcpus = calloc(1, sizeof(VCPU));
    b->v = &m->vcpus[0];
    b->v->machine = m;
    b->v->thread = pthread_self();
    if (accel_kvm.init(m, err, errlen) != 0 || accel_kvm.vcpu_init(b->v, err, errlen) != 0) {
        kvm_free(b);
        return NULL;
    }
    host_cpuid(&b->host);
    b->fast = kvm_difftest_new(b->v, err, errlen);
    if (!b->fast || kvm_setup_modes(b, err, errlen) != 0) {
        kvm_free(b);
        return NULL;
    }
    probe_quirks(b);
    if (watch) {
        pthread_mutex_lock(&watch->lock);
        watch->kick = kick_vcpu;
        watch->kick_opaque = b->v;
        pthread_mutex_unlock(&watch->lock);
    }
    return &b->base;
}

static void put64_ram(uint8_t *ram, uint64_t addr, uint64_t v)
{
    memcpy(ram + addr, &v, 8);
}

static void fail(DtOutcome *out, const char *fmt, const char *what)
{
    out->stop = DT_STOP_ERROR;
    snprintf(out->error, sizeof(out->error), fmt, what);
}

/* Start the watchdog's clock for a new run; returns its sequence number. */
static unsigned long long watch_start(KvmBackend *b)
{
    DtWatch *w = b->watch;
    if (!w) {
        return 0;
    }
    unsigned long long seq = atomic_fetch_add(&w->case_seq, 1) + 1;
    atomic_store(&w->started_ns, dt_now_ns());
    return seq;
}

static void watch_stop(KvmBackend *b)
{
    if (b->watch) {
        atomic_store(&b->watch->started_ns, 0);
    }
}

/* KVM_RUN until an exit that is not a stale kick; false if the watchdog stopped this run. */
static bool watched_run(KvmBackend *b, unsigned long long seq, KvmDifftestExit *ex)
{
    for (;;) {
        kvm_difftest_run(b->fast, ex);
        if (ex->kind != KVM_DT_EXIT_KICK) {
            return true;
        }
        if (b->watch && atomic_load(&b->watch->kicked_seq) == seq) {
            return false;
        }
        /* a kick meant for an earlier run: go on */
    }
}

/* KVM_RUN until the case's own exit; false (out filled) if it did not come. */
static bool run_until_exit(KvmBackend *b, KvmDifftestExit *ex, DtOutcome *out)
{
    unsigned long long seq = watch_start(b);
    bool ran = watched_run(b, seq, ex);
    watch_stop(b);
    if (!ran) {
        out->stop = DT_STOP_RUNAWAY;
        return false;
    }
    switch (ex->kind) {
    case KVM_DT_EXIT_IO:
        if (ex->port == DT_PORT_END || ex->port == DT_PORT_EXCEPTION) {
            return true;
        }
        out->stop = DT_STOP_ERROR;
        snprintf(out->error, sizeof(out->error), "kvm: I/O to port 0x%x at rip 0x%llx", ex->port,
                 (unsigned long long)ex->rip);
        return false;
    case KVM_DT_EXIT_SHUTDOWN:
        fail(out, "kvm: %s", "triple fault");
        return false;
    default:
        fail(out, "kvm: %.140s", ex->error);
        return false;
    }
}

static void kvm_run_case(DtBackend *base, const DtCase *c, DtOutcome *out, DtFlagTrace *trace)
{
    KvmBackend *b = (KvmBackend *)base;
    uint8_t *ram = b->m.ram.host;
    KvmDifftestExit ex;
    (void)trace;
    memset(out, 0, sizeof(*out));
    uint64_t end = DT_CODE + dt_backend_load_memory(ram, c);
    memset(ram + DT_FPU_OUT, 0, 512);
    if (b->sregs_mode != c->mode) {
        kvm_difftest_load_sregs(b->fast, c->mode);
        b->sregs_mode = c->mode;
    }
    kvm_difftest_set_regs(b->fast, c->regs, dt_entry_address(c->mode), c->rflags);
    bool ok = run_until_exit(b, &ex, out);
    if (!ok && out->stop == DT_STOP_RUNAWAY) {
        /*
         * Once more before calling it a loop: on a loaded host a vCPU thread
         * can be kept off the CPU for longer than the watchdog's limit.
         */
        memset(out, 0, sizeof(*out));
        dt_backend_load_memory(ram, c);
        memset(ram + DT_FPU_OUT, 0, 512);
        kvm_difftest_load_sregs(b->fast, c->mode);
        b->sregs_mode = c->mode;
        kvm_difftest_set_regs(b->fast, c->regs, dt_entry_address(c->mode), c->rflags);
        ok = run_until_exit(b, &ex, out);
    }
    if (!ok || !kvm_difftest_sregs_match(b->fast, c->mode)) {
        b->sregs_mode = -1;   /* segments changed, or unknown: load them next time */
    }
    if (!ok) {
        return;
    }
    uint64_t rip;
    bool format64 = c->mode == DT_MODE_64;
    if (ex.port == DT_PORT_EXCEPTION) {
        if (!dt_is_stub(ex.rip)) {
            fail(out, "kvm: exception exit outside the %s", "stubs");
            return;
        }
        rip = DT_STUBS + (ex.rip - DT_STUBS) / DT_STUB_SIZE * DT_STUB_SIZE;
        format64 = true;     /* the stubs are 64-bit code */
    } else {
        rip = end;
    }
    dt_outcome_from_stop(out, ex.regs, rip, ex.rflags, ram);
    out->cr2 = ex.cr2;
    for (int i = 0; i < X86_NR_SEGS; i++) {
        out->sel[i] = ex.segs[i].selector;
        out->base[i] = ex.segs[i].base;
    }
    dt_fpu_from_fxsave(&out->fpu, ram + DT_FPU_OUT, format64);
}

/* ---- batches ---- */

/* A batch may hold only 64-bit cases that cannot change CS (the driver is 64-bit code). */
static bool batchable(const DtCase *c)
{
    if (c->mode != DT_MODE_64) {
        return false;
    }
    for (unsigned i = 0; i < c->nr_insns; i++) {
        switch (c->insns[i].op) {
        case X86_OP_JMPF: case X86_OP_CALLF: case X86_OP_RETF: case X86_OP_IRET:
            return false;
        default:
            break;
        }
    }
    return true;
}

/*
 * Run slots first..n-1 until the batch's end; returns n, or the slot that
 * did not finish (out[slot] says why: a runaway, or an exit of its own).
 */
static unsigned run_batch_from(KvmBackend *b, const DtCase *const *cases, unsigned first,
                               unsigned n, DtOutcome *const *out)
{
    uint8_t *ram = b->m.ram.host;
    KvmDifftestExit ex;
    dt_batch_start(ram, first, n);
    kvm_difftest_load_sregs(b->fast, SREGS_BATCH);
    kvm_difftest_set_regs(b->fast, cases[first]->regs, dt_batch_entry(), X86_FLAG_FIXED | X86_FLAG_IF);
    unsigned long long seq = watch_start(b);
    for (;;) {
        if (!watched_run(b, seq, &ex)) {
            unsigned cur = dt_batch_current(ram);
            watch_stop(b);
            if (cur < n) {
                memset(out[cur], 0, sizeof(*out[cur]));
                out[cur]->stop = DT_STOP_RUNAWAY;
            }
            return cur;
        }
        if (ex.kind == KVM_DT_EXIT_IO && ex.port == DT_PORT_BATCH_PF) {
            dt_batch_set_cr2(ram, ex.cr2);
            continue;
        }
        break;
    }
    watch_stop(b);
    if (ex.kind == KVM_DT_EXIT_IO && ex.port == DT_PORT_END) {
        return n;
    }
    /* anything else (a jump into the single-case stubs, an error): that slot runs alone */
    unsigned cur = dt_batch_current(ram);
    if (cur < n) {
        put64_ram(ram, DT_END_POINTER, DT_END_CODE);
        b->sregs_mode = -1;
        kvm_run_case(&b->base, cases[cur], out[cur], NULL);
        put64_ram(ram, DT_END_POINTER, dt_batch_case_end());
    }
    return cur;
}

static void kvm_run_batch(DtBackend *base, const DtCase *const *cases, unsigned n,
                          DtOutcome *const *out)
{
    KvmBackend *b = (KvmBackend *)base;
    uint8_t *ram = b->m.ram.host;
    bool all = n >= 2 && n <= DT_BATCH_MAX;
    for (unsigned i = 0; i < n && all; i++) {
        all = batchable(cases[i]);
    }
    if (!all) {
        for (unsigned i = 0; i < n; i++) {
            kvm_run_case(base, cases[i], out[i], NULL);
        }
        return;
    }
    bool alone[DT_BATCH_MAX] = { false };
    for (unsigned i = 0; i < n; i++) {
        dt_batch_load_slot(ram, i, cases[i]);
    }
    put64_ram(ram, DT_END_POINTER, dt_batch_case_end());
    for (unsigned first = 0; first < n;) {
        unsigned stopped = run_batch_from(b, cases, first, n, out);
        if (stopped >= n) {
            break;
        }
        alone[stopped] = true;
        first = stopped + 1;
    }
    put64_ram(ram, DT_END_POINTER, DT_END_CODE);
    b->sregs_mode = -1;   /* the batch IDT is loaded: the next single case reloads its mode */
    for (unsigned i = 0; i < n; i++) {
        if (!alone[i]) {
            dt_batch_read_slot(ram, i, cases[i], out[i]);
        }
    }
}

static const X86Cpuid *kvm_cpuid(DtBackend *base)
{
    return &((KvmBackend *)base)->host;
}

static unsigned kvm_quirks(DtBackend *base)
{
    return ((KvmBackend *)base)->quirks;
}

static void kvm_destroy(DtBackend *base)
{
    kvm_free((KvmBackend *)base);
}

const DtBackendOps dt_backend_kvm = {
    .name = "kvm",
    .unavailable = kvm_unavailable,
    .create = kvm_create,
    .run = kvm_run_case,
    .run_batch = kvm_run_batch,
    .cpuid = kvm_cpuid,
    .quirks = kvm_quirks,
    .destroy = kvm_destroy,
};
