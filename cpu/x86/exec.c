/* Operand access, condition codes, fetch+decode and one-step execution for the software CPU. */
#include "cpu/x86/exec.h"

#include <assert.h>
#include <pthread.h>
#include <stdio.h>

#include "ui/log.h"

static X86Handler handler_table[X86_OP_COUNT];
static pthread_once_t handler_once = PTHREAD_ONCE_INIT;

/*
 * Families register here as they exist; a family not listed leaves its ops
 * without handlers, which raise #UD and say so under -d unimp.
 */
static void build_handler_table(void)
{
    x86_register_families(handler_table);
}

const X86Handler *x86_handlers(void)
{
    pthread_once(&handler_once, build_handler_table);
    return handler_table;
}

/*
 * A handler asked x86_opnd_read/write for an operand kind they do not serve
 * (a segment, control, x87, MMX or SSE register, or a write to an
 * immediate): a bug in tandem, not in the guest.  The vCPU stops with the
 * instruction named rather than computing with a wrong value.
 */
static _Noreturn void no_general_access(X86Cpu *cpu, const X86Insn *insn, int i)
{
    snprintf(cpu->error, sizeof(cpu->error), "internal error: %s operand %d (%s) has no general accessor "
             "(rip 0x%llx)", x86_op_name(insn->op), i,
             x86_operand_kind_name(x86_insn_row(insn)->operand[i]), (unsigned long long)cpu->s.rip);
    cpu->stop = X86_STOP_ERROR;
    longjmp(*cpu->unwind, 2);
}

static uint64_t moffs(const X86Insn *insn)
{
    return (uint64_t)insn->imm & x86_size_mask(insn->addrsize);
}

uint64_t x86_opnd_read_mem(X86Cpu *cpu, const X86Insn *insn, int i)
{
    unsigned size = insn->opnd_size[i], loc = insn->opnd_loc[i];
    if (loc >= X86_LOC_GPR_HIGH && loc < X86_LOC_GPR_HIGH + 4) {
        return (cpu->s.regs[loc - X86_LOC_GPR_HIGH] >> 8) & 0xff;   /* AH, CH, DH, BH */
    }
    switch (loc) {
    case X86_LOC_MEM:
        return x86_read(cpu, insn->seg, x86_insn_ea(cpu, insn), size);
    case X86_LOC_MOFFS:
        return x86_read(cpu, insn->seg, moffs(insn), size);
    case X86_LOC_JREL: {
        uint64_t mask = cpu->code_bits == 64 ? ~0ull : x86_size_mask(insn->opsize);
        return (cpu->next_rip + (uint64_t)insn->imm) & mask;
    }
    case X86_LOC_ONE:
        return 1;
    default:
        no_general_access(cpu, insn, i);
    }
}

void x86_opnd_write_mem(X86Cpu *cpu, const X86Insn *insn, int i, uint64_t value)
{
    unsigned size = insn->opnd_size[i], loc = insn->opnd_loc[i];
    if (loc >= X86_LOC_GPR_HIGH && loc < X86_LOC_GPR_HIGH + 4) {
        x86_reg_set(cpu, loc - X86_LOC_GPR_HIGH + 4, 1, false, value);   /* AH, CH, DH, BH */
        return;
    }
    switch (loc) {
    case X86_LOC_MEM:
        x86_write(cpu, insn->seg, x86_insn_ea(cpu, insn), value, size);
        return;
    case X86_LOC_MOFFS:
        x86_write(cpu, insn->seg, moffs(insn), value, size);
        return;
    default:
        no_general_access(cpu, insn, i);
    }
}

void x86_opnd_probe_write(X86Cpu *cpu, const X86Insn *insn, int i)
{
    if (insn->opnd_loc[i] == X86_LOC_MEM) {
        x86_probe_write(cpu, insn->seg, x86_insn_ea(cpu, insn), insn->opnd_size[i]);
    }
}

bool x86_condition(const X86Cpu *cpu, unsigned cc)
{
    uint64_t f = cpu->s.rflags;
    bool cf = f & X86_FLAG_CF, zf = f & X86_FLAG_ZF, sf = f & X86_FLAG_SF;
    bool of = f & X86_FLAG_OF, pf = f & X86_FLAG_PF;
    bool r;
    switch ((cc >> 1) & 7) {
    case 0: r = of; break;                 /* O */
    case 1: r = cf; break;                 /* B */
    case 2: r = zf; break;                 /* E */
    case 3: r = cf || zf; break;           /* BE */
    case 4: r = sf; break;                 /* S */
    case 5: r = pf; break;                 /* P */
    case 6: r = sf != of; break;           /* L */
    default: r = zf || (sf != of); break;  /* LE */
    }
    return (cc & 1) ? !r : r;
}

uint64_t x86_fetch_decode(X86Cpu *cpu, X86Insn *insn)
{
    const X86Segment *cs = &cpu->s.segs[SEG_CS];
    uint64_t rip = cpu->s.rip;
    uint64_t la;
    unsigned avail = X86_MAX_INSN_LEN;
    if (cpu->mode64) {
        la = rip;
    } else {
        /* SDM vol. 3A 5.3: every byte of the instruction within CS's limit. */
        if (rip > cs->limit) {
            x86_raise_gp0(cpu);
        }
        if (cs->limit - rip + 1 < avail) {
            avail = cs->limit - rip + 1;
        }
        la = (uint32_t)(cs->base + rip);
    }
    uint8_t buf[X86_MAX_INSN_LEN];
    uint64_t gpa;
    unsigned n = x86_fetch(cpu, la, buf, avail, &gpa);
    int r = x86_decode(buf, n, x86_decode_mode(cpu), insn);
    if (r == X86_DECODE_NEED_MORE) {
        if (n == avail) {
            x86_raise_gp0(cpu);   /* the instruction runs past CS's limit */
        }
        /* The next page is not fetchable: fetching it raises the fault. */
        uint64_t next = cpu->mode64 ? la + n : (uint32_t)(la + n);
        x86_fetch(cpu, next, buf + n, 1, &(uint64_t){ 0 });
        x86_raise_gp0(cpu);       /* not reached: that fetch faults */
    }
    if (r == X86_DECODE_TOO_LONG) {
        x86_raise_gp0(cpu);
    }
    if (r < 0) {
        x86_raise_ud(cpu);
    }
    return gpa;
}

void x86_execute(X86Cpu *cpu, const X86Insn *insn)
{
    X86Handler h = x86_handlers()[insn->op];
    if (!h) {
        log_mask(LOG_UNIMP, "unimplemented instruction %s at %04x:%llx\n", x86_op_name(insn->op),
                 cpu->s.segs[SEG_CS].selector, (unsigned long long)cpu->s.rip);
        x86_raise_ud(cpu);
    }
    h(cpu, insn);
}

static uint64_t next_rip_of(const X86Cpu *cpu, const X86Insn *insn)
{
    uint64_t next = cpu->s.rip + insn->len;
    return cpu->code_bits == 64 ? next : next & x86_size_mask(cpu->code_bits / 8);
}

X86StopReason x86_deliver_raised(X86Cpu *cpu)
{
    jmp_buf env;
    jmp_buf *saved = cpu->unwind;
    volatile X86StopReason stop = X86_STOP_NONE;
    cpu->unwind = &env;
    int r = setjmp(env);
    if (r == 2) {
        stop = X86_STOP_ERROR;
    } else if (!x86_service_exception(cpu)) {
        stop = X86_STOP_SHUTDOWN;
    }
    cpu->unwind = saved;
    return stop;
}

#define DR6_BS (1u << 14)   /* SDM vol. 3A 17.2.3: single step */

static bool software_interrupt(const X86Insn *insn)
{
    switch (insn->op) {
    case X86_OP_INT: case X86_OP_INT3: case X86_OP_INTO: case X86_OP_INT1:
        return true;
    default:
        return false;
    }
}

void x86_check_insn_breakpoints(X86Cpu *cpu)
{
    if (cpu->s.rflags & X86_FLAG_RF) {
        return;
    }
    uint64_t la = cpu->mode64 ? cpu->s.rip : (uint32_t)(cpu->s.segs[SEG_CS].base + cpu->s.rip);
    uint64_t hits = 0;
    for (unsigned n = 0; n < 4; n++) {
        bool enabled = (cpu->s.dr7 >> (2 * n)) & 3;
        bool execute = !((cpu->s.dr7 >> (16 + 4 * n)) & 3);   /* R/W = 00; LEN must be 00 too */
        uint64_t addr = cpu->mode64 ? cpu->s.dr[n] : (uint32_t)cpu->s.dr[n];
        if (enabled && execute && addr == la) {
            hits |= 1u << n;
        }
    }
    if (hits) {
        cpu->s.dr6 = (cpu->s.dr6 & ~0xfull) | hits;
        x86_raise(cpu, X86_EXC_DB, X86_NO_ERROR_CODE);
    }
}

void x86_single_step(X86Cpu *cpu, const X86Insn *insn, bool tf, uint8_t shadow)
{
    bool pending = cpu->single_step_pending;
    cpu->single_step_pending = false;
    if (!tf && !pending) {
        return;
    }
    if (tf && software_interrupt(insn) && !(cpu->s.rflags & X86_FLAG_TF)) {
        return;   /* delivered through the IDT, which cleared TF */
    }
    bool movss_shadow = (cpu->s.events.interrupt_shadow & X86_SHADOW_MOVSS) &&
                        !(shadow & X86_SHADOW_MOVSS);
    if (movss_shadow) {
        cpu->single_step_pending = true;   /* SDM 6.8.3: #DB waits for the next instruction */
        return;
    }
    cpu->s.dr6 |= DR6_BS;
    x86_raise(cpu, X86_EXC_DB, X86_NO_ERROR_CODE);
}

X86StopReason x86_step(X86Cpu *cpu)
{
    jmp_buf env;
    jmp_buf *saved = cpu->unwind;
    cpu->unwind = &env;
    int r = setjmp(env);
    if (r == 0) {
        X86Insn insn;
        uint8_t shadow = cpu->s.events.interrupt_shadow;
        bool tf = cpu->s.rflags & X86_FLAG_TF;
        bool rf = cpu->s.rflags & X86_FLAG_RF;
        if (x86_insn_breakpoints_armed(cpu)) {
            x86_check_insn_breakpoints(cpu);
        }
        x86_fetch_decode(cpu, &insn);
        cpu->next_rip = next_rip_of(cpu, &insn);
        x86_execute(cpu, &insn);
        x86_clear_rf(cpu, &insn, rf);
        cpu->s.rip = cpu->next_rip;
        cpu->s.events.interrupt_shadow &= ~shadow;
        cpu->icount++;
        x86_single_step(cpu, &insn, tf, shadow);
        cpu->unwind = saved;
        return cpu->stop;
    }
    cpu->unwind = saved;
    if (r == 2) {
        return X86_STOP_ERROR;
    }
    return x86_deliver_raised(cpu);
}
