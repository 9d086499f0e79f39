/* difftest's backends: run one case and report its outcome (interp, kvm; tcg once it exists). */
#ifndef DIFFTEST_BACKEND_H
#define DIFFTEST_BACKEND_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "cpu/x86/cpuid.h"
#include "difftest/case.h"
#include "difftest/flags.h"

/*
 * A backend keeps one machine (guest RAM with difftest's layout, one CPU)
 * for all the cases of a worker thread and resets, before each case, only
 * what a case can change: registers, x87/SSE state, the writable pages and
 * the code page.  Backends are created, run and destroyed on one thread.
 *
 * The software backend also returns the flag trace (flags.h): which flags
 * are undefined at the end, and whether the case read one.
 */

typedef struct DtBackend DtBackend;

/*
 * Shared with the watchdog thread: a case that runs longer than
 * DT_RUNAWAY_NS is stopped through kick() (which the backend sets, under
 * lock, while it can be kicked).
 */
typedef struct DtWatch {
    atomic_ullong case_seq;      /* bumped at every case start */
    atomic_ullong started_ns;    /* CLOCK_MONOTONIC, 0 when not running */
    atomic_ullong kicked_seq;    /* the case the watchdog stopped */
    pthread_mutex_t lock;
    void (*kick)(void *opaque);
    void *kick_opaque;
} DtWatch;

#define DT_RUNAWAY_NS 500000000ull   /* kicks take ~5 ms to land; a loaded host stalls for longer */

/* The watchdog's check of one worker: kick it if its case has run too long. */
void dt_watch_check(DtWatch *w, uint64_t now_ns);

typedef struct DtBackendOps {
    const char *name;
    /* NULL if this host can run it, else why not. */
    const char *(*unavailable)(void);
    /*
     * A machine for cases.  `cpuid` is the CPU to model (a software backend
     * follows it; NULL = its default).  NULL with err on failure.
     */
    DtBackend *(*create)(const X86Cpuid *cpuid, DtWatch *watch, char *err, size_t errlen);
    /* Run case c; trace may be NULL (backends that cannot trace leave it alone). */
    void (*run)(DtBackend *b, const DtCase *c, DtOutcome *out, DtFlagTrace *trace);
    /*
     * Run n cases (at most DT_BATCH_MAX), each as run() would, possibly in
     * one go (kvm_batch.h); out[i] gets case i's outcome.
     */
    void (*run_batch)(DtBackend *b, const DtCase *const *cases, unsigned n, DtOutcome *const *out);
    /* The CPU this backend is (for the software backend to model), or NULL. */
    const X86Cpuid *(*cpuid)(DtBackend *b);
    /* DT_QUIRK_* this backend showed when it was created. */
    unsigned (*quirks)(DtBackend *b);
    void (*destroy)(DtBackend *b);
} DtBackendOps;

struct DtBackend {
    const DtBackendOps *ops;
};

/*
 * Host quirks a backend detects by running a probe case at creation.
 * HOST_SEGMENTS: 64-bit CPL3 code runs on the host's own selectors and GDT
 * (MOV from CS reads the host's 0x33, LAR reads the host's descriptors),
 * so nothing that loads or reads a selector can be compared there.
 */
#define DT_QUIRK_HOST_SEGMENTS (1u << 0)
/* HOST_XCR0: the guest runs with the host's XCR0 whatever its own (XGETBV shows the host's). */
#define DT_QUIRK_HOST_XCR0     (1u << 1)
/* COMPAT_EMULATED: compatibility-mode code runs in kvm's instruction emulator (FLD1 is #UD). */
#define DT_QUIRK_COMPAT_EMULATED (1u << 2)

extern const DtBackendOps dt_backend_interp;
extern const DtBackendOps dt_backend_kvm;

/*
 * The software backend only: run case c until RIP reaches `stop_at` and put
 * the state there (registers, flags, x87/SSE, data and stack pages) into
 * *out as a new initial state (its code is left to the caller).  False if it
 * got there by no normal path (an exception, a stop, a loop).
 */
bool dt_interp_state_at(DtBackend *b, const DtCase *c, uint64_t stop_at, DtCase *out);

/* By name ("interp", "kvm"), or NULL. */
const DtBackendOps *dt_backend_find(const char *name);

/* Lay the case's memory out in a backend's RAM: code + terminator, pages, harness. */
unsigned dt_backend_load_memory(uint8_t *ram, const DtCase *c);

/* Nanoseconds of CLOCK_MONOTONIC. */
uint64_t dt_now_ns(void);

#endif
