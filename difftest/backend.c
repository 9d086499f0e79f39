/* What every difftest backend shares: loading a case into guest RAM, the backend list, the clock. */
#include "difftest/backend.h"

#include <string.h>
#include <time.h>

#include "config-host.h"

const DtBackendOps *dt_backend_find(const char *name)
{
    static const DtBackendOps *const all[] = {
        &dt_backend_interp,
#ifdef CONFIG_KVM
        &dt_backend_kvm,
#endif
    };
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        if (!strcmp(all[i]->name, name)) {
            return all[i];
        }
    }
    return NULL;
}

uint64_t dt_now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

/*
 * Everything a case can read or write is put back: a wild pointer may
 * touch the harness page or the exception stack, so they are reset too,
 * and the code page is refilled past the case so stale code never runs.
 */
unsigned dt_backend_load_memory(uint8_t *ram, const DtCase *c)
{
    uint8_t *code = ram + DT_CODE;
    unsigned len = dt_case_layout(c, code, NULL);
    unsigned n = dt_terminator(c->mode, DT_CODE + len, code + len);
    memset(code + len + n, 0xcc, 0x1000 - len - n);
    memcpy(ram + DT_DATA, c->data, DT_DATA_SIZE);
    memcpy(ram + DT_STACK, c->stack, DT_STACK_SIZE);
    memset(ram + DT_FPU_IN, 0, 0x1000);
    dt_fpu_to_fxsave(ram + DT_FPU_IN, &c->fpu, c->mode == DT_MODE_64);
    memset(ram + DT_XSTACK, 0, 0x1000);
    return len;
}

void dt_watch_check(DtWatch *w, uint64_t now_ns)
{
    unsigned long long started = atomic_load(&w->started_ns);
    unsigned long long seq = atomic_load(&w->case_seq);
    if (started == 0 || now_ns - started < DT_RUNAWAY_NS || atomic_load(&w->kicked_seq) == seq) {
        return;
    }
    pthread_mutex_lock(&w->lock);
    if (w->kick && atomic_load(&w->case_seq) == seq && atomic_load(&w->started_ns) != 0) {
        atomic_store(&w->kicked_seq, seq);
        w->kick(w->kick_opaque);
    }
    pthread_mutex_unlock(&w->lock);
}
