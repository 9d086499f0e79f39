/* Exceptions and interrupts: raising them, and delivering them through the IVT or IDT. */
#include "cpu/x86/cpu.h"

#include "cpu/x86/farcall.h"
#include "ui/log.h"

/*
 * x86_raise() unwinds to the run loop, which calls x86_deliver().  Delivery
 * pushes onto the new stack and loads CS:RIP from the gate; any fault while
 * doing so is raised again, and the loop combines the two by the rules of
 * SDM vol. 3A 6.15 table 6-5 (benign, contributory, page fault): #DF, or
 * shutdown (triple fault) for a fault while delivering #DF.
 *
 * What is here: real-mode IVT; protected-mode 16/32-bit interrupt and trap
 * gates with the TSS stack switch, from protected or virtual-8086 mode (the
 * vm86 frame of SDM vol. 3A 20.3.1.1); task gates, which switch tasks in
 * task.c; long-mode 64-bit gates with RSPn and IST.  Faults while delivering
 * an event that is not INT n/INT3/INTO carry EXT in their error code.
 */

_Noreturn void x86_raise(X86Cpu *cpu, int vector, uint32_t error_code)
{
    cpu->s.events.exception_injected = 1;
    cpu->s.events.exception_nr = vector;
    cpu->s.events.exception_has_error = error_code != X86_NO_ERROR_CODE;
    cpu->s.events.exception_error = error_code == X86_NO_ERROR_CODE ? 0 : error_code;
    longjmp(*cpu->unwind, 1);
}

_Noreturn void x86_raise_pf(X86Cpu *cpu, uint64_t la, uint32_t error_code)
{
    cpu->s.cr2 = la;
    x86_raise(cpu, X86_EXC_PF, error_code);
}

/* Exceptions that push an error code (SDM 6.3.1, table 6-1). */
static bool has_error_code(int vector)
{
    switch (vector) {
    case X86_EXC_DF: case X86_EXC_TS: case X86_EXC_NP: case X86_EXC_SS:
    case X86_EXC_GP: case X86_EXC_PF: case X86_EXC_AC:
        return true;
    default:
        return false;
    }
}

/* Fault-class exceptions (SDM vol. 3A 6.5, table 6-1); #DB is a fault only for instruction breakpoints. */
static bool is_fault(int vector)
{
    switch (vector) {
    case X86_EXC_DE: case X86_EXC_BR: case X86_EXC_UD: case X86_EXC_NM: case X86_EXC_TS:
    case X86_EXC_NP: case X86_EXC_SS: case X86_EXC_GP: case X86_EXC_PF: case X86_EXC_MF:
    case X86_EXC_AC: case X86_EXC_XM: case X86_EXC_VE: case 21:
        return true;
    default:
        return false;
    }
}

/*
 * The RFLAGS image an event pushes.  SDM vol. 3A 17.3.1.1: "for any
 * fault-class exception except a debug exception generated in response to
 * an instruction breakpoint, the value pushed for RF is 1", so that IRET
 * back to the faulting instruction does not break on it again.
 */
static uint64_t pushed_rflags(const X86Cpu *cpu, int vector, bool soft)
{
    return !soft && is_fault(vector) ? cpu->s.rflags | X86_FLAG_RF : cpu->s.rflags;
}

/* Error code for a fault that concerns IDT entry `vector`: IDT bit, EXT bit. */
static uint32_t idt_error(int vector, bool soft)
{
    return ((uint32_t)vector << 3) | 2 | (soft ? 0 : 1);
}

static void deliver_real(X86Cpu *cpu, int vector, bool soft)
{
    X86State *s = &cpu->s;
    if ((uint64_t)vector * 4 + 3 > s->idtr.limit) {
        x86_raise_gp0(cpu);
    }
    uint32_t entry = x86_read_system(cpu, s->idtr.base + vector * 4, 4);
    uint64_t ret = soft ? cpu->next_rip : s->rip;
    x86_push(cpu, s->rflags & 0xffff, 2);
    x86_push(cpu, s->segs[SEG_CS].selector, 2);
    x86_push(cpu, ret & 0xffff, 2);
    s->rflags &= ~(uint64_t)(X86_FLAG_IF | X86_FLAG_TF | X86_FLAG_AC | X86_FLAG_RF);
    x86_load_segment_real(cpu, SEG_CS, entry >> 16);
    s->rip = entry & 0xffff;
}

typedef struct Gate {
    uint16_t selector;
    uint64_t offset;
    unsigned type;     /* 4-bit system type */
    unsigned dpl;
    bool present;
    unsigned ist;
} Gate;

static Gate read_gate(X86Cpu *cpu, int vector, bool soft)
{
    X86State *s = &cpu->s;
    unsigned size = cpu->s.msr.efer & X86_EFER_LMA ? 16 : 8;
    uint64_t off = (uint64_t)vector * size;
    if (off + size - 1 > s->idtr.limit) {
        x86_raise(cpu, X86_EXC_GP, idt_error(vector, soft));
    }
    uint64_t lo = x86_read_system(cpu, s->idtr.base + off, 8);
    uint64_t hi = size == 16 ? x86_read_system(cpu, s->idtr.base + off + 8, 8) : 0;
    Gate g = {
        .selector = (lo >> 16) & 0xffff,
        .offset = (lo & 0xffff) | ((lo >> 32) & 0xffff0000ull) | ((hi & 0xffffffffull) << 32),
        .type = (lo >> 40) & 0xf,
        .dpl = (lo >> 45) & 3,
        .present = (lo >> 47) & 1,
        .ist = size == 16 ? (lo >> 32) & 7 : 0,
    };
    return g;
}

/* Read the target code segment of a gate and check it (SDM 6.12.1.1). */
static void gate_target(X86Cpu *cpu, const Gate *g, int vector, bool soft, X86Descriptor *d,
                        X86Segment *cs)
{
    uint32_t ext = soft ? 0 : 1;
    if ((g->selector & ~3u) == 0) {
        x86_raise(cpu, X86_EXC_GP, ext);
    }
    if (!x86_read_descriptor(cpu, g->selector, d, false)) {
        x86_raise(cpu, X86_EXC_GP, (g->selector & 0xfffc) | ext);
    }
    x86_segment_from_descriptor(cs, g->selector, d, false);
    if (!cs->s || !(cs->type & 8) || cs->dpl > cpu->cpl) {
        x86_raise(cpu, X86_EXC_GP, (g->selector & 0xfffc) | ext);
    }
    if (!cs->present) {
        x86_raise(cpu, X86_EXC_NP, (g->selector & 0xfffc) | ext);
    }
    if ((cpu->s.msr.efer & X86_EFER_LMA) && (!cs->l || cs->db)) {
        x86_raise(cpu, X86_EXC_GP, (g->selector & 0xfffc) | ext);
    }
}

uint64_t x86_tss_stack(X86Cpu *cpu, unsigned dpl, unsigned ist, uint16_t *ss_out, uint32_t ext)
{
    X86Segment *tr = &cpu->s.tr;
    if (cpu->s.msr.efer & X86_EFER_LMA) {
        /* 64-bit TSS: RSP0-2 at 4, 12, 20; IST1-7 at 36.. (SDM 7.7). */
        uint64_t off = ist ? 36 + (ist - 1) * 8 : 4 + dpl * 8;
        if (off + 7 > tr->limit) {
            x86_raise(cpu, X86_EXC_TS, (tr->selector & 0xfffc) | ext);
        }
        *ss_out = dpl;    /* a null selector with RPL = new CPL */
        return x86_read_system(cpu, tr->base + off, 8);
    }
    /* 32-bit TSS: ESPn at 4 + 8n, SSn after it; 16-bit TSS: SPn at 2 + 4n (SDM 7.2.1, 7.6). */
    bool tss32 = (tr->type & 8) != 0;
    uint64_t off = tss32 ? 4 + dpl * 8 : 2 + dpl * 4;
    unsigned sp_size = tss32 ? 4 : 2;
    if (off + sp_size + 1 > tr->limit) {
        x86_raise(cpu, X86_EXC_TS, (tr->selector & 0xfffc) | ext);
    }
    *ss_out = x86_read_system(cpu, tr->base + off + sp_size, 2);
    return x86_read_system(cpu, tr->base + off, sp_size);
}

static void deliver_long(X86Cpu *cpu, int vector, uint32_t error_code, bool soft)
{
    X86State *s = &cpu->s;
    Gate g = read_gate(cpu, vector, soft);
    /* SDM 7.7: no task gates in IA-32e mode; only 64-bit interrupt and trap gates. */
    if (g.type != 0xe && g.type != 0xf) {
        x86_raise(cpu, X86_EXC_GP, idt_error(vector, soft));
    }
    if (soft && g.dpl < (unsigned)cpu->cpl) {
        x86_raise(cpu, X86_EXC_GP, idt_error(vector, soft));
    }
    if (!g.present) {
        x86_raise(cpu, X86_EXC_NP, idt_error(vector, soft));
    }
    X86Descriptor d;
    X86Segment cs;
    gate_target(cpu, &g, vector, soft, &d, &cs);

    bool conforming = (cs.type & 4) != 0;
    unsigned new_cpl = conforming ? (unsigned)cpu->cpl : cs.dpl;
    uint64_t old_ss = s->segs[SEG_SS].selector, old_rsp = s->regs[R_ESP];
    uint64_t rsp = old_rsp;
    uint16_t new_ss = old_ss;
    if (new_cpl != (unsigned)cpu->cpl || g.ist) {
        rsp = x86_tss_stack(cpu, new_cpl, g.ist, &new_ss, soft ? 0 : 1);
        if (new_cpl == (unsigned)cpu->cpl) {
            new_ss = old_ss;
        }
    }
    rsp &= ~0xfull;   /* SDM 6.14.2: the new stack is 16-byte aligned */

    /* Push through the new privilege's view: a supervisor stack. */
    uint64_t frame[6];
    int n = 0;
    frame[n++] = old_ss;
    frame[n++] = old_rsp;
    frame[n++] = pushed_rflags(cpu, vector, soft);
    frame[n++] = s->segs[SEG_CS].selector;
    frame[n++] = soft ? cpu->next_rip : s->rip;
    if (error_code != X86_NO_ERROR_CODE) {
        frame[n++] = error_code;
    }
    int idx = new_cpl == 3 ? MMU_IDX_USER : MMU_IDX_SUPER;
    for (int i = 0; i < n; i++) {
        rsp -= 8;
        x86_write_linear(cpu, rsp, frame[i], 8, idx);
    }
    if (new_cpl != (unsigned)cpu->cpl) {
        x86_load_null_segment(cpu, SEG_SS, new_cpl);
        s->segs[SEG_SS].dpl = new_cpl;
    }
    s->regs[R_ESP] = rsp;
    s->rflags &= ~(uint64_t)(X86_FLAG_TF | X86_FLAG_NT | X86_FLAG_RF | X86_FLAG_VM);
    if (g.type == 0xe) {
        s->rflags &= ~(uint64_t)X86_FLAG_IF;
    }
    x86_load_code_segment(cpu, g.selector, &d, new_cpl);
    s->rip = g.offset;
}

bool x86_stack_room(const X86Segment *ss, uint32_t sp, uint32_t bytes)
{
    uint64_t top = ss->db ? 0xffffffffull : 0xffffull;
    bool expand_down = !(ss->type & 8) && (ss->type & 4);
    /* Valid offsets: [0, limit] expand-up, [limit + 1, top] expand-down (SDM vol. 3A 5.3). */
    uint64_t lowest = expand_down ? (uint64_t)ss->limit + 1 : 0;
    uint64_t highest = expand_down ? top : ss->limit;
    uint64_t end = sp & top;     /* the pushes fill [end - bytes, end - 1], wrapping at top */
    if (bytes == 0) {
        return true;
    }
    if (end >= bytes) {
        return end - bytes >= lowest && end - 1 <= highest;
    }
    /* The pushes wrap: they touch offset 0 and offset top. */
    return lowest == 0 && highest == top;
}

void x86_push_on(X86Cpu *cpu, const X86Segment *ss, uint32_t *esp, uint32_t value, unsigned size,
                 int mmu_idx, uint32_t error)
{
    uint32_t mask = ss->db ? 0xffffffffu : 0xffffu;
    if (!x86_stack_room(ss, *esp, size)) {
        x86_raise(cpu, X86_EXC_SS, error);
    }
    uint32_t sp = (*esp - size) & mask;
    x86_write_linear(cpu, (uint32_t)(ss->base + sp), value, size, mmu_idx);
    *esp = (*esp & ~mask) | sp;
}

void x86_inner_stack(X86Cpu *cpu, unsigned new_cpl, X86Segment *ss, X86Descriptor *ssd,
                     uint32_t *esp, uint32_t ext)
{
    uint16_t ss_sel;
    *esp = x86_tss_stack(cpu, new_cpl, 0, &ss_sel, ext);
    uint32_t error = (ss_sel & 0xfffc) | ext;
    if ((ss_sel & ~3u) == 0 || !x86_read_descriptor(cpu, ss_sel, ssd, false)) {
        x86_raise(cpu, X86_EXC_TS, error);
    }
    x86_segment_from_descriptor(ss, ss_sel, ssd, false);
    if ((ss_sel & 3) != new_cpl || ss->dpl != new_cpl || !ss->s || (ss->type & 8) ||
        !(ss->type & 2)) {
        x86_raise(cpu, X86_EXC_TS, error);
    }
    if (!ss->present) {
        x86_raise(cpu, X86_EXC_SS, error);
    }
}

/*
 * An interrupt or trap gate outside long mode, SDM vol. 2 INT n
 * (PROTECTED-MODE, INTER-/INTRA-PRIVILEGE-LEVEL-INTERRUPT and
 * INTERRUPT-FROM-VIRTUAL-8086-MODE).  From virtual-8086 mode the handler
 * must be a non-conforming DPL-0 segment: the frame then also holds GS, FS,
 * DS and ES, which become null (SDM vol. 3A 20.3.1.1, figure 20-5).  Every
 * push is checked and written before any register changes.
 */
static void deliver_through_gate(X86Cpu *cpu, const Gate *g, int vector, uint32_t error_code,
                                 bool soft)
{
    X86State *s = &cpu->s;
    uint32_t ext = soft ? 0 : 1;
    bool from_vm86 = (s->rflags & X86_FLAG_VM) != 0;
    unsigned size = (g->type & 8) ? 4 : 2;   /* 32-bit or 16-bit gate */
    X86Descriptor d;
    X86Segment cs;
    gate_target(cpu, g, vector, soft, &d, &cs);
    bool conforming = (cs.type & 4) != 0;
    if (from_vm86 && (conforming || cs.dpl != 0)) {
        x86_raise(cpu, X86_EXC_GP, (g->selector & 0xfffc) | ext);
    }
    unsigned new_cpl = conforming ? (unsigned)cpu->cpl : cs.dpl;
    bool switch_stack = new_cpl != (unsigned)cpu->cpl;

    X86Segment ss = s->segs[SEG_SS];
    X86Descriptor ssd;
    uint32_t esp = s->regs[R_ESP];
    uint32_t stack_error = ext;              /* #SS(EXT) on the same stack */
    if (switch_stack) {
        x86_inner_stack(cpu, new_cpl, &ss, &ssd, &esp, ext);
        stack_error = (ss.selector & 0xfffc) | ext;
    }
    unsigned items = 3 + (switch_stack ? 2 : 0) + (from_vm86 ? 4 : 0) +
                     (error_code != X86_NO_ERROR_CODE ? 1 : 0);
    if (!x86_stack_room(&ss, esp, items * size)) {
        x86_raise(cpu, X86_EXC_SS, stack_error);
    }
    uint32_t offset = size == 4 ? (uint32_t)g->offset : (uint16_t)g->offset;
    if (offset > cs.limit) {
        x86_raise(cpu, X86_EXC_GP, ext);
    }
    int idx = new_cpl == 3 ? MMU_IDX_USER : MMU_IDX_SUPER;
    if (from_vm86) {
        static const int vm86_segs[] = { SEG_GS, SEG_FS, SEG_DS, SEG_ES };
        for (int i = 0; i < 4; i++) {
            x86_push_on(cpu, &ss, &esp, s->segs[vm86_segs[i]].selector, size, idx, stack_error);
        }
    }
    if (switch_stack) {
        x86_push_on(cpu, &ss, &esp, s->segs[SEG_SS].selector, size, idx, stack_error);
        x86_push_on(cpu, &ss, &esp, s->regs[R_ESP], size, idx, stack_error);
    }
    x86_push_on(cpu, &ss, &esp, pushed_rflags(cpu, vector, soft), size, idx, stack_error);
    x86_push_on(cpu, &ss, &esp, s->segs[SEG_CS].selector, size, idx, stack_error);
    x86_push_on(cpu, &ss, &esp, soft ? cpu->next_rip : s->rip, size, idx, stack_error);
    if (error_code != X86_NO_ERROR_CODE) {
        x86_push_on(cpu, &ss, &esp, error_code, size, idx, stack_error);
    }
    if (switch_stack) {
        x86_set_descriptor_accessed(cpu, ss.selector, &ssd);
        s->segs[SEG_SS] = ss;
        s->segs[SEG_SS].type |= 1;
    }
    s->regs[R_ESP] = esp;
    s->rflags &= ~(uint64_t)(X86_FLAG_TF | X86_FLAG_NT | X86_FLAG_RF | X86_FLAG_VM);
    if (!(g->type & 1)) {
        s->rflags &= ~(uint64_t)X86_FLAG_IF;   /* interrupt gate */
    }
    if (from_vm86) {
        x86_load_null_segment(cpu, SEG_ES, 0);
        x86_load_null_segment(cpu, SEG_DS, 0);
        x86_load_null_segment(cpu, SEG_FS, 0);
        x86_load_null_segment(cpu, SEG_GS, 0);
    }
    x86_load_code_segment(cpu, g->selector, &d, new_cpl);
    s->rip = offset;
}

static void deliver_protected(X86Cpu *cpu, int vector, uint32_t error_code, bool soft)
{
    Gate g = read_gate(cpu, vector, soft);
    if (g.type != 0x5 && g.type != 0x6 && g.type != 0x7 && g.type != 0xe && g.type != 0xf) {
        x86_raise(cpu, X86_EXC_GP, idt_error(vector, soft));
    }
    if (soft && g.dpl < (unsigned)cpu->cpl) {
        x86_raise(cpu, X86_EXC_GP, idt_error(vector, soft));
    }
    if (!g.present) {
        x86_raise(cpu, X86_EXC_NP, idt_error(vector, soft));
    }
    if (g.type == 0x5) {
        /* A task gate (SDM vol. 3A 6.12.2): the handler is a task. */
        x86_task_interrupt(cpu, g.selector, error_code, soft ? cpu->next_rip : cpu->s.rip,
                           pushed_rflags(cpu, vector, soft), soft ? 0 : 1);
        return;
    }
    deliver_through_gate(cpu, &g, vector, error_code, soft);
}

void x86_deliver(X86Cpu *cpu, int vector, uint32_t error_code, bool soft)
{
    log_mask(LOG_INT, "%s %d error 0x%x at %04x:%llx cpl %d\n", soft ? "int" : "exception",
             vector, error_code == X86_NO_ERROR_CODE ? 0 : error_code,
             cpu->s.segs[SEG_CS].selector, (unsigned long long)cpu->s.rip, cpu->cpl);
    if (!(cpu->s.cr0 & X86_CR0_PE)) {
        deliver_real(cpu, vector, soft);
    } else if (cpu->s.msr.efer & X86_EFER_LMA) {
        deliver_long(cpu, vector, error_code, soft);
    } else {
        deliver_protected(cpu, vector, error_code, soft);
    }
}

/* SDM vol. 3A 6.15, table 6-4: benign, contributory, page fault, double fault. */
enum { CLASS_BENIGN, CLASS_CONTRIBUTORY, CLASS_PAGE_FAULT, CLASS_DOUBLE_FAULT };

static int exception_class(int vector)
{
    switch (vector) {
    case X86_EXC_DE: case X86_EXC_TS: case X86_EXC_NP: case X86_EXC_SS: case X86_EXC_GP:
        return CLASS_CONTRIBUTORY;
    case X86_EXC_PF:
        return CLASS_PAGE_FAULT;
    case X86_EXC_DF:
        return CLASS_DOUBLE_FAULT;
    default:
        return CLASS_BENIGN;
    }
}

bool x86_service_exception(X86Cpu *cpu)
{
    X86Events *ev = &cpu->s.events;
    int vector = ev->exception_nr;
    uint32_t error = ev->exception_has_error ? ev->exception_error : X86_NO_ERROR_CODE;
    ev->exception_injected = 0;

    int first = cpu->delivering_vector;
    if (first >= 0) {
        /* A fault while delivering `first` (table 6-5). */
        int a = exception_class(first), b = exception_class(vector);
        if (a == CLASS_DOUBLE_FAULT) {
            log_mask(LOG_INT, "triple fault (exception %d while delivering #DF)\n", vector);
            cpu->delivering_vector = -1;
            return false;
        }
        if ((a == CLASS_CONTRIBUTORY && b == CLASS_CONTRIBUTORY) ||
            (a == CLASS_PAGE_FAULT && b != CLASS_BENIGN)) {
            vector = X86_EXC_DF;
            error = 0;
        }
    }
    if (has_error_code(vector) && error == X86_NO_ERROR_CODE) {
        error = 0;
    }
    cpu->delivering_vector = vector;
    cpu->last_exception = vector;
    x86_deliver(cpu, vector, error, false);
    cpu->delivering_vector = -1;
    return true;
}
