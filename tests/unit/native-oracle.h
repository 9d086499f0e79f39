/* The host CPU as the oracle: run an instruction snippet natively at the same addresses the fixture uses. */
#ifndef TESTS_UNIT_NATIVE_ORACLE_H
#define TESTS_UNIT_NATIVE_ORACLE_H

/*
 * tandem's software CPU runs x86 on x86, so a user-mode snippet can be run
 * on the host itself and the results compared: this is the hardware oracle
 * for unit tests (tandem-difftest uses kvm for the same purpose on whole
 * states).  The snippet's code page is mapped at FIXTURE_CODE and its data
 * and stack at FIXTURE_DATA..FIXTURE_STACK, the very addresses the fixture's
 * guest uses, so addresses in registers, RIP-relative operands, pushes and
 * calls are the same on both sides.  Register state goes in and out through
 * NativeState; x87/SSE state through an FXSAVE image.  A fault in the snippet
 * comes back as a signal and is mapped to its vector.  Include once per test
 * program (it defines the trampoline with top-level asm).
 */

#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "x86-fixture.h"

typedef struct NativeState {
    uint64_t regs[16];          /* rax..r15 in X86State order (rsp included) */
    uint64_t rflags;            /* arithmetic flags and DF are loaded; the rest are the host's */
    uint64_t rip;               /* out: the address after the snippet, if it completed */
    uint8_t fx[512] __attribute__((aligned(16)));   /* FXSAVE image: x87, MXCSR, XMM */
} __attribute__((aligned(16))) NativeState;

/* Offsets used by the trampoline below. */
#define NATIVE_OFF_RFLAGS 128
#define NATIVE_OFF_FX 144

_Static_assert(__builtin_offsetof(NativeState, rflags) == NATIVE_OFF_RFLAGS, "layout");
_Static_assert(__builtin_offsetof(NativeState, fx) == NATIVE_OFF_FX, "layout");

void native_enter(NativeState *s);
void native_exit(void);
NativeState *native_state_ptr;
uint64_t native_host_rsp;
uint64_t native_scratch;

/*
 * native_enter(s): save the host's callee-saved registers and stack, load
 * the guest state, jump to FIXTURE_CODE.  The snippet ends with a jump to
 * native_exit, which stores the state back and returns to the caller.
 */
__asm__(
    ".text\n"
    ".globl native_enter\n"
    "native_enter:\n"
    "  push %rbx; push %rbp; push %r12; push %r13; push %r14; push %r15\n"
    "  mov %rsp, native_host_rsp(%rip)\n"
    "  mov %rdi, native_state_ptr(%rip)\n"
    "  fxrstor 144(%rdi)\n"
    "  pushq 128(%rdi); popfq\n"
    "  mov 0(%rdi), %rax; mov 8(%rdi), %rcx; mov 16(%rdi), %rdx; mov 24(%rdi), %rbx\n"
    "  mov 32(%rdi), %rsp; mov 40(%rdi), %rbp; mov 48(%rdi), %rsi\n"
    "  mov 64(%rdi), %r8; mov 72(%rdi), %r9; mov 80(%rdi), %r10; mov 88(%rdi), %r11\n"
    "  mov 96(%rdi), %r12; mov 104(%rdi), %r13; mov 112(%rdi), %r14; mov 120(%rdi), %r15\n"
    "  mov 56(%rdi), %rdi\n"
    "  jmp *native_code_addr(%rip)\n"
    ".globl native_exit\n"
    "native_exit:\n"
    "  mov %rax, native_scratch(%rip)\n"
    "  mov native_state_ptr(%rip), %rax\n"
    "  pushfq; popq 128(%rax)\n"
    "  mov %rcx, 8(%rax); mov %rdx, 16(%rax); mov %rbx, 24(%rax)\n"
    "  mov %rsp, 32(%rax); mov %rbp, 40(%rax); mov %rsi, 48(%rax); mov %rdi, 56(%rax)\n"
    "  mov %r8, 64(%rax); mov %r9, 72(%rax); mov %r10, 80(%rax); mov %r11, 88(%rax)\n"
    "  mov %r12, 96(%rax); mov %r13, 104(%rax); mov %r14, 112(%rax); mov %r15, 120(%rax)\n"
    "  mov native_scratch(%rip), %rcx; mov %rcx, 0(%rax)\n"
    "  fxsave 144(%rax)\n"
    "  mov native_host_rsp(%rip), %rsp\n"
    "  cld\n"
    "  fninit\n"
    "  pushq $0x1f80; ldmxcsr (%rsp); add $8, %rsp\n"
    "  pop %r15; pop %r14; pop %r13; pop %r12; pop %rbp; pop %rbx\n"
    "  ret\n"
    ".data\n"
    "native_code_addr: .quad 0x10000\n"
    ".text\n");

static sigjmp_buf native_fault_jmp;
static volatile int native_fault_signal;

static void native_fault_handler(int sig, siginfo_t *si, void *uc)
{
    (void)si;
    (void)uc;
    native_fault_signal = sig;
    siglongjmp(native_fault_jmp, 1);
}

/* Map the fixture's code and data/stack ranges in the host; once per program. */
static inline void native_oracle_init(void)
{
    static int done;
    if (done) {
        return;
    }
    void *code = mmap((void *)(uintptr_t)FIXTURE_CODE, 0x10000, PROT_READ | PROT_WRITE | PROT_EXEC,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    void *data = mmap((void *)(uintptr_t)FIXTURE_DATA, FIXTURE_STACK - FIXTURE_DATA,
                      PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    g_assert_true(code == (void *)(uintptr_t)FIXTURE_CODE);
    g_assert_true(data == (void *)(uintptr_t)FIXTURE_DATA);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = native_fault_handler;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigaction(SIGFPE, &sa, NULL);
    sigaction(SIGILL, &sa, NULL);
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
    sigaction(SIGTRAP, &sa, NULL);
    done = 1;
}

/* The vector a host signal stands for (SIGSEGV may be #GP or #PF: tests say which). */
static inline int native_signal_vector(int sig)
{
    switch (sig) {
    case SIGFPE: return X86_EXC_DE;      /* also #MF/#XM: tests that unmask FP exceptions check */
    case SIGILL: return X86_EXC_UD;
    case SIGBUS: return X86_EXC_AC;
    case SIGTRAP: return X86_EXC_BP;
    default: return X86_EXC_GP;
    }
}

/*
 * Run `code` natively from state *s with `data` (FIXTURE_STACK - FIXTURE_DATA
 * bytes, or NULL for zeroes) as the data/stack area; on return *s and `data`
 * hold the results.  Returns -1, or the vector of the fault it took.
 */
static inline int native_run(NativeState *s, const uint8_t *code, size_t len, uint8_t *data)
{
    native_oracle_init();
    uint8_t *page = (uint8_t *)(uintptr_t)FIXTURE_CODE;
    memcpy(page, code, len);
    /* jmp *0(%rip); .quad native_exit */
    page[len] = 0xff;
    page[len + 1] = 0x25;
    memset(page + len + 2, 0, 4);
    uint64_t target = (uint64_t)(uintptr_t)native_exit;
    memcpy(page + len + 6, &target, 8);
    uint8_t *area = (uint8_t *)(uintptr_t)FIXTURE_DATA;
    if (data) {
        memcpy(area, data, FIXTURE_STACK - FIXTURE_DATA);
    } else {
        memset(area, 0, FIXTURE_STACK - FIXTURE_DATA);
    }
    native_fault_signal = 0;
    int vector = -1;
    if (sigsetjmp(native_fault_jmp, 1) == 0) {
        native_enter(s);
        s->rip = FIXTURE_CODE + len;
    } else {
        /* The fault left the host stack pointer in the snippet's area. */
        vector = native_signal_vector(native_fault_signal);
        __asm__ volatile("cld; fninit");
    }
    if (data) {
        memcpy(data, area, FIXTURE_STACK - FIXTURE_DATA);
    }
    return vector;
}

/* A default FXSAVE image: FCW 0x37f, MXCSR 0x1f80, everything else zero. */
static inline void native_fx_default(uint8_t fx[512])
{
    memset(fx, 0, 512);
    uint16_t fcw = 0x37f;
    uint32_t mxcsr = 0x1f80, mxcsr_mask = 0xffff;
    memcpy(fx + 0, &fcw, 2);
    memcpy(fx + 24, &mxcsr, 4);
    memcpy(fx + 28, &mxcsr_mask, 4);
}

#endif
