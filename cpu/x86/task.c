/* Hardware task switching in legacy protected mode (SDM vol. 3A chapter 7): JMP/CALL to a TSS or task gate, IRET with NT, IDT task gates. */
#include "cpu/x86/farcall.h"

#include "ui/log.h"

/*
 * A task switch follows the steps of SDM vol. 3A 7.3.  Before the commit
 * point every check is made and every memory access that can fault is
 * done: the new TSS is read whole, the old task's state is stored into its
 * TSS (stores a restarted instruction repeats identically), the link and
 * the busy bits are updated.  A fault there leaves the registers as they
 * were before the instruction.  The commit (step 11) loads TR, then the
 * registers, CR3, LDTR and the segment selectors (step 12); the
 * descriptors are then qualified in the order of table 7-1 (step 13).  The
 * first failure is raised once the remaining selectors are in place
 * without further checks, so the exception is delivered in the new task's
 * context, EIP at its first instruction (the notes after step 13, and
 * "Interrupt 10 - Invalid TSS Exception").
 *
 * Not here: long mode has no task switching (SDM 7.7; the callers raise
 * #GP there).  A 16-bit TSS (SDM 7.6) holds no CR3, FS, GS or I/O map:
 * switching to one keeps CR3, loads null FS and GS, and zero-extends the
 * 16-bit registers (the SDM leaves their upper halves undefined).
 */

#define TSS32_MIN_LIMIT 0x67    /* SDM 7.2.2: a 32-bit TSS is at least 104 bytes */
#define TSS16_MIN_LIMIT 0x2b    /* SDM 7.6, figure 7-10: a 16-bit TSS is 44 bytes */
#define TSS32_SAVE_END 0x5f     /* the last byte the old task's state goes to (GS) */
#define TSS16_SAVE_END 0x29     /* (DS) */
#define DR6_BT (1u << 15)       /* SDM 17.2.3: #DB caused by a TSS's T bit */
#define DR7_LOCAL_ENABLES 0x55u /* L0-L3, cleared by every task switch (SDM 17.2.4) */

static unsigned desc_type(const X86Descriptor *d) { return (d->lo >> 40) & 0xf; }
static bool desc_system(const X86Descriptor *d) { return !((d->lo >> 44) & 1); }
static unsigned desc_dpl(const X86Descriptor *d) { return (d->lo >> 45) & 3; }
static bool desc_present(const X86Descriptor *d) { return (d->lo >> 47) & 1; }

static bool tss_is32(unsigned type)
{
    return (type & 8) != 0;
}

static bool available_tss(const X86Descriptor *d)
{
    return desc_system(d) && (desc_type(d) == 1 || desc_type(d) == 9);
}

static bool busy_tss(const X86Descriptor *d)
{
    return desc_system(d) && (desc_type(d) == 3 || desc_type(d) == 0xb);
}

static _Noreturn void raise_sel(X86Cpu *cpu, int vector, uint16_t sel, uint32_t ext)
{
    x86_raise(cpu, vector, (sel & 0xfffc) | ext);
}

/* ---- the TSS image ---- */

/* What a task switch loads from the new TSS (SDM 7.2.1, figure 7-2; 7.6, figure 7-10). */
typedef struct TssImage {
    bool is32;
    uint32_t cr3, eip, eflags;
    uint32_t regs[8];               /* EAX, ECX, EDX, EBX, ESP, EBP, ESI, EDI */
    uint16_t segs[X86_NR_SEGS];     /* ES, CS, SS, DS, FS, GS: the TSS's order too */
    uint16_t ldt;
    bool trap;                      /* the T bit */
} TssImage;

static uint32_t tss_read(X86Cpu *cpu, const X86Segment *tss, unsigned offset, unsigned size)
{
    return x86_read_system(cpu, tss->base + offset, size);
}

static void read_tss(X86Cpu *cpu, const X86Segment *tss, TssImage *t)
{
    *t = (TssImage){ .is32 = tss_is32(tss->type), .cr3 = cpu->s.cr3 };
    if (t->is32) {
        t->cr3 = tss_read(cpu, tss, 28, 4);
        t->eip = tss_read(cpu, tss, 32, 4);
        t->eflags = tss_read(cpu, tss, 36, 4);
        for (int i = 0; i < 8; i++) {
            t->regs[i] = tss_read(cpu, tss, 40 + 4 * i, 4);
        }
        for (int i = 0; i < X86_NR_SEGS; i++) {
            t->segs[i] = tss_read(cpu, tss, 72 + 4 * i, 2);
        }
        t->ldt = tss_read(cpu, tss, 96, 2);
        t->trap = tss_read(cpu, tss, 100, 2) & 1;
        return;
    }
    t->eip = tss_read(cpu, tss, 14, 2);
    t->eflags = tss_read(cpu, tss, 16, 2);
    for (int i = 0; i < 8; i++) {
        t->regs[i] = tss_read(cpu, tss, 18 + 2 * i, 2);
    }
    for (int i = SEG_ES; i <= SEG_DS; i++) {
        t->segs[i] = tss_read(cpu, tss, 34 + 2 * i, 2);
    }
    t->ldt = tss_read(cpu, tss, 42, 2);
}

/* Step 8: the dynamic fields of the old task (registers, selectors, EFLAGS, EIP). */
static void save_old_task(X86Cpu *cpu, uint32_t eip, uint32_t eflags, uint32_t ext)
{
    const X86State *s = &cpu->s;
    const X86Segment *tr = &s->tr;
    bool is32 = tss_is32(tr->type);
    if (tr->limit < (is32 ? TSS32_SAVE_END : TSS16_SAVE_END)) {
        /* Table 6-6: stores to the old TSS that fail are #TS. */
        raise_sel(cpu, X86_EXC_TS, tr->selector, ext);
    }
    unsigned size = is32 ? 4 : 2;
    unsigned regs_at = is32 ? 40 : 18, segs_at = is32 ? 72 : 34;
    x86_write_system(cpu, tr->base + (is32 ? 32 : 14), eip, size);
    x86_write_system(cpu, tr->base + (is32 ? 36 : 16), eflags, size);
    for (int i = 0; i < 8; i++) {
        x86_write_system(cpu, tr->base + regs_at + size * i, s->regs[i], size);
    }
    int nsegs = is32 ? X86_NR_SEGS : SEG_DS + 1;
    for (int i = 0; i < nsegs; i++) {
        x86_write_system(cpu, tr->base + segs_at + size * i, s->segs[i].selector, 2);
    }
}

/* The busy bit (type bit 1) of a TSS descriptor in the GDT. */
static void set_busy(X86Cpu *cpu, uint16_t sel, bool busy)
{
    uint64_t addr = cpu->s.gdtr.base + (sel & ~7u) + 5;
    uint8_t access = x86_read_system(cpu, addr, 1);
    access = busy ? access | 2 : access & ~2;
    x86_write_system(cpu, addr, access, 1);
}

/* ---- loading the new task ---- */

/* A selector whose descriptor is not loaded (yet): nothing can be accessed through it. */
static void unqualified(X86Segment *seg, uint16_t sel)
{
    *seg = (X86Segment){ .selector = sel, .unusable = 1 };
}

/* Step 12: registers, CR3 (only with paging on), and the bare selectors. */
static void load_registers(X86Cpu *cpu, const TssImage *t, X86TaskReason why)
{
    X86State *s = &cpu->s;
    uint64_t flags = t->eflags & X86_EFLAGS_DEFINED;
    if (why == X86_TASK_CALL || why == X86_TASK_INT) {
        flags |= X86_FLAG_NT;    /* SDM 7.4: the new task is nested */
    }
    s->rflags = flags | X86_FLAG_FIXED;
    s->rip = t->eip;
    for (int i = 0; i < 8; i++) {
        s->regs[i] = t->regs[i];
    }
    if (t->is32 && (s->cr0 & X86_CR0_PG)) {
        /* As MOV CR3 (SDM 4.10.4.1): every non-global translation goes. */
        s->cr3 = t->cr3;
        tlb_flush_nonglobal(&cpu->tlb);
    }
    for (int i = 0; i < X86_NR_SEGS; i++) {
        unqualified(&s->segs[i], t->segs[i]);
    }
    unqualified(&s->ldtr, t->ldt);
    x86_cpu_mode_changed(cpu);   /* CPL = the new CS's RPL, or 3 in virtual-8086 mode */
}

/* Step 13's bookkeeping: the first check that failed, and the error code it names. */
typedef struct TaskLoad {
    X86Cpu *cpu;
    uint32_t ext;
    unsigned cpl;
    int vector;        /* -1 while every check has passed */
    uint32_t error;
} TaskLoad;

static bool load_failed(const TaskLoad *l)
{
    return l->vector >= 0;
}

static void fail(TaskLoad *l, int vector, uint16_t sel)
{
    if (!load_failed(l)) {
        l->vector = vector;
        l->error = (sel & 0xfffc) | l->ext;
    }
}

/* The LDT selector: null, or a GDT selector of an LDT descriptor (#TS(LDT)). */
static void load_ldt(TaskLoad *l, uint16_t sel)
{
    X86State *s = &l->cpu->s;
    X86Descriptor d;
    if ((sel & ~3u) == 0) {
        return;   /* stays unusable */
    }
    if ((sel & 4) || !x86_read_descriptor(l->cpu, sel, &d, false) || !desc_system(&d) ||
        desc_type(&d) != 2) {
        fail(l, X86_EXC_TS, sel);
        return;
    }
    x86_segment_from_descriptor(&s->ldtr, sel, &d, false);
}

static void check_ldt_present(TaskLoad *l)
{
    const X86Segment *ldtr = &l->cpu->s.ldtr;
    if (!ldtr->unusable && !ldtr->present) {
        fail(l, X86_EXC_TS, ldtr->selector);
    }
}

/* Read a code-segment descriptor; false for a null or out-of-table selector or another type. */
static bool read_code(X86Cpu *cpu, uint16_t sel, X86Descriptor *d, X86Segment *seg)
{
    if ((sel & ~3u) == 0 || !x86_read_descriptor(cpu, sel, d, false)) {
        return false;
    }
    x86_segment_from_descriptor(seg, sel, d, false);
    return seg->s && (seg->type & 8);
}

/* Install a checked descriptor: accessed bit in the table and in the register. */
static void install(X86Cpu *cpu, int seg, uint16_t sel, X86Descriptor *d, X86Segment *value)
{
    x86_set_descriptor_accessed(cpu, sel, d);
    value->type |= 1;
    cpu->s.segs[seg] = *value;
}

/* SS: a writable data segment with RPL = DPL = CPL, present (#TS, or #SS if not present). */
static void load_stack(TaskLoad *l, uint16_t sel)
{
    X86Descriptor d;
    X86Segment ss;
    if (load_failed(l)) {
        return;
    }
    if ((sel & ~3u) == 0 || !x86_read_descriptor(l->cpu, sel, &d, false)) {
        fail(l, X86_EXC_TS, sel);
        return;
    }
    x86_segment_from_descriptor(&ss, sel, &d, false);
    if (!ss.s || (ss.type & 8) || !(ss.type & 2) || (sel & 3u) != l->cpl) {
        fail(l, X86_EXC_TS, sel);
    } else if (!ss.present) {
        fail(l, X86_EXC_SS, sel);
    } else if (ss.dpl != l->cpl) {
        fail(l, X86_EXC_TS, sel);
    } else {
        install(l->cpu, SEG_SS, sel, &d, &ss);
    }
}

/* DS, ES, FS, GS: null, or readable with DPL >= CPL and RPL unless conforming code. */
static void load_data(TaskLoad *l, int seg, uint16_t sel)
{
    X86Descriptor d;
    X86Segment value;
    if (load_failed(l)) {
        return;
    }
    if ((sel & ~3u) == 0) {
        x86_load_null_segment(l->cpu, seg, sel);
        return;
    }
    if (!x86_read_descriptor(l->cpu, sel, &d, false)) {
        fail(l, X86_EXC_TS, sel);
        return;
    }
    x86_segment_from_descriptor(&value, sel, &d, false);
    bool code = (value.type & 8) != 0;
    bool conforming = code && (value.type & 4);
    if (!value.s || (code && !(value.type & 2))) {
        fail(l, X86_EXC_TS, sel);
    } else if (!value.present) {
        fail(l, X86_EXC_NP, sel);
    } else if (!conforming && (value.dpl < l->cpl || value.dpl < (sel & 3u))) {
        fail(l, X86_EXC_TS, sel);
    } else {
        install(l->cpu, seg, sel, &d, &value);
    }
}

/*
 * Step 13 for a protected-mode task, in the order of SDM table 7-1: LDT
 * selector, CS privilege, SS, LDT present, CS, then DS, ES, FS, GS.
 */
static void qualify_protected(TaskLoad *l, const TssImage *t)
{
    X86Cpu *cpu = l->cpu;
    uint16_t cs_sel = t->segs[SEG_CS];
    load_ldt(l, t->ldt);

    X86Descriptor csd;
    X86Segment cs;
    bool cs_code = read_code(cpu, cs_sel, &csd, &cs);
    bool conforming = cs_code && (cs.type & 4);
    if (cs_code && (conforming ? cs.dpl > l->cpl : cs.dpl != l->cpl)) {
        fail(l, X86_EXC_TS, cs_sel);
    }
    load_stack(l, t->segs[SEG_SS]);
    check_ldt_present(l);
    if (!cs_code) {
        fail(l, X86_EXC_TS, cs_sel);
    } else if (!cs.present) {
        fail(l, X86_EXC_NP, cs_sel);
    }
    if (!load_failed(l)) {
        install(cpu, SEG_CS, cs_sel, &csd, &cs);
    }
    static const int data_segs[] = { SEG_DS, SEG_ES, SEG_FS, SEG_GS };
    for (int i = 0; i < 4; i++) {
        load_data(l, data_segs[i], t->segs[data_segs[i]]);
    }
}

/* A task whose EFLAGS has VM: segments load as in virtual-8086 mode, no checks (SDM 20.2.5). */
static void qualify_vm86(TaskLoad *l, const TssImage *t)
{
    load_ldt(l, t->ldt);
    check_ldt_present(l);
    for (int i = 0; i < X86_NR_SEGS; i++) {
        x86_load_segment_real(l->cpu, i, t->segs[i]);
    }
}

static void load_segments(X86Cpu *cpu, const TssImage *t, uint32_t ext)
{
    bool vm86 = (cpu->s.rflags & X86_FLAG_VM) != 0;
    TaskLoad l = { .cpu = cpu, .ext = ext, .cpl = vm86 ? 3 : t->segs[SEG_CS] & 3u, .vector = -1 };
    if (vm86) {
        qualify_vm86(&l, t);
    } else {
        qualify_protected(&l, t);
    }
    x86_cpu_mode_changed(cpu);
    if (load_failed(&l)) {
        log_mask(LOG_INT, "task switch to %04x: exception %d error 0x%x in the new task\n",
                 cpu->s.tr.selector, l.vector, l.error);
        x86_raise(cpu, l.vector, l.error);
    }
}

/*
 * Switch from the current task to the one whose TSS descriptor `d` the
 * caller found and checked (type, privilege, presence).  Returns the new
 * TSS's T bit.
 */
static bool task_switch(X86Cpu *cpu, uint16_t sel, const X86Descriptor *d, X86TaskReason why,
                        uint32_t return_eip, uint32_t flags, uint32_t ext)
{
    X86State *s = &cpu->s;
    X86Segment tss;
    x86_segment_from_descriptor(&tss, sel, d, false);
    if (tss.limit < (tss_is32(tss.type) ? TSS32_MIN_LIMIT : TSS16_MIN_LIMIT)) {
        raise_sel(cpu, X86_EXC_TS, sel, ext);
    }
    TssImage t;
    read_tss(cpu, &tss, &t);
    uint16_t old_sel = s->tr.selector;
    if (why == X86_TASK_IRET) {
        flags &= ~X86_FLAG_NT;              /* step 7 */
    }
    save_old_task(cpu, return_eip, flags, ext);
    if (why == X86_TASK_CALL || why == X86_TASK_INT) {
        x86_write_system(cpu, tss.base, old_sel, 2);   /* previous task link (SDM 7.4) */
    }
    if (why == X86_TASK_JMP || why == X86_TASK_IRET) {
        set_busy(cpu, old_sel, false);      /* step 6 */
    }
    if (why != X86_TASK_IRET) {
        set_busy(cpu, sel, true);           /* step 10 */
    }

    /* The commit point. */
    log_mask(LOG_INT, "task switch %04x -> %04x (%s)\n", old_sel, sel,
             why == X86_TASK_JMP ? "jmp" : why == X86_TASK_CALL ? "call" :
             why == X86_TASK_IRET ? "iret" : "interrupt");
    tss.type |= 2;
    s->tr = tss;
    s->cr0 |= X86_CR0_TS;                   /* SDM 2.5: set by every task switch */
    s->dr7 &= ~(uint64_t)DR7_LOCAL_ENABLES;
    load_registers(cpu, &t, why);
    load_segments(cpu, &t, ext);
    cpu->end_block = true;
    return t.trap;
}

/* After a switch: EIP within the new CS (#GP), then the T bit's debug trap (SDM 7.2.1). */
static void finish_switch(X86Cpu *cpu, bool trap, uint32_t ext)
{
    if (cpu->s.rip > cpu->s.segs[SEG_CS].limit) {
        x86_raise(cpu, X86_EXC_GP, ext);
    }
    if (trap) {
        cpu->s.dr6 |= DR6_BT;
        x86_raise(cpu, X86_EXC_DB, X86_NO_ERROR_CODE);
    }
}

/* ---- the ways in ---- */

void x86_task_far(X86Cpu *cpu, uint16_t sel, const X86Descriptor *d, bool call)
{
    unsigned cpl = cpu->cpl, rpl = sel & 3u, dpl = desc_dpl(d);
    uint16_t tss_sel = sel;
    X86Descriptor tss = *d;
    if (desc_type(d) == 5) {
        /* SDM vol. 2 JMP/CALL, TASK-GATE: the gate's DPL rules; the TSS's DPL is not used. */
        if (dpl < cpl || dpl < rpl) {
            raise_sel(cpu, X86_EXC_GP, sel, 0);
        }
        if (!desc_present(d)) {
            raise_sel(cpu, X86_EXC_NP, sel, 0);
        }
        tss_sel = (d->lo >> 16) & 0xffff;
        if ((tss_sel & 4) || !x86_read_descriptor(cpu, tss_sel, &tss, false) ||
            !available_tss(&tss)) {
            raise_sel(cpu, X86_EXC_GP, tss_sel, 0);
        }
    } else if (dpl < cpl || dpl < rpl || (sel & 4)) {
        /* TASK-STATE-SEGMENT: a TSS descriptor lives only in the GDT (SDM 7.2.2). */
        raise_sel(cpu, X86_EXC_GP, sel, 0);
    }
    if (!desc_present(&tss)) {
        raise_sel(cpu, X86_EXC_NP, tss_sel, 0);
    }
    bool trap = task_switch(cpu, tss_sel, &tss, call ? X86_TASK_CALL : X86_TASK_JMP,
                            cpu->next_rip, cpu->s.rflags & ~(uint64_t)X86_FLAG_RF, 0);
    cpu->next_rip = cpu->s.rip;
    finish_switch(cpu, trap, 0);
}

void x86_task_return(X86Cpu *cpu)
{
    /* SDM vol. 2 IRET, TASK-RETURN; table 6-6 for the #TS cases. */
    X86State *s = &cpu->s;
    uint16_t link = x86_read_system(cpu, s->tr.base, 2);
    X86Descriptor d;
    if ((link & 4) || (link & ~3u) == 0 || !x86_read_descriptor(cpu, link, &d, false) ||
        !busy_tss(&d)) {
        raise_sel(cpu, X86_EXC_TS, link, 0);
    }
    if (!desc_present(&d)) {
        raise_sel(cpu, X86_EXC_NP, link, 0);
    }
    bool trap = task_switch(cpu, link, &d, X86_TASK_IRET, cpu->next_rip,
                            s->rflags & ~(uint64_t)X86_FLAG_RF, 0);
    s->events.nmi_masked = 0;   /* any IRET ends NMI blocking (SDM 6.7.1) */
    cpu->next_rip = s->rip;
    finish_switch(cpu, trap, 0);
}

void x86_task_interrupt(X86Cpu *cpu, uint16_t tss_sel, uint32_t error_code, uint64_t return_eip,
                        uint64_t flags, uint32_t ext)
{
    /* SDM vol. 2 INT n, TASK-GATE. */
    X86Descriptor d;
    if ((tss_sel & 4) || !x86_read_descriptor(cpu, tss_sel, &d, false) || !available_tss(&d)) {
        raise_sel(cpu, X86_EXC_GP, tss_sel, ext);
    }
    if (!desc_present(&d)) {
        raise_sel(cpu, X86_EXC_NP, tss_sel, ext);
    }
    bool trap = task_switch(cpu, tss_sel, &d, X86_TASK_INT, return_eip, flags, ext);
    if (error_code != X86_NO_ERROR_CODE) {
        /* SDM 6.12.2: the error code goes on the new task's stack, as wide as its TSS. */
        uint32_t esp = cpu->s.regs[R_ESP];
        x86_push_on(cpu, &cpu->s.segs[SEG_SS], &esp, error_code, tss_is32(desc_type(&d)) ? 4 : 2,
                    x86_mmu_idx(cpu), ext);
        cpu->s.regs[R_ESP] = esp;
    }
    finish_switch(cpu, trap, ext);
}
