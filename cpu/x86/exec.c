/* Operand access, condition codes, fetch+decode and one-step execution for the software CPU. */
#include "cpu/x86/exec.h"

#include <assert.h>
#include <pthread.h>
#include <stdio.h>

#include "ui/log.h"

static X86Handler handler_table[X86_OP_COUNT];
static pthread_once_t handler_once = PTHREAD_ONCE_INIT;

typedef enum { LOC_REG, LOC_MEM, LOC_IMM, LOC_MOFFS, LOC_E, LOC_G, LOC_Z } OperandLocation;

/* Where each operand kind lives, from its SDM letter; filled with the handler table. */
static uint8_t kind_location[X86_OPK_COUNT];

static OperandLocation location_of_kind(unsigned kind)
{
    switch (x86_operand_kind_name(kind)[0]) {
    case 'E': case 'Q': case 'W': case 'R': case 'U': case 'N':
        return LOC_E;      /* ModRM.rm: a register, or memory when mod != 3 */
    case 'M':
        return LOC_MEM;
    case 'G': case 'V': case 'P':
        return LOC_G;      /* ModRM.reg */
    case 'Z':
        return LOC_Z;      /* the opcode's low bits */
    case 'O':
        return LOC_MOFFS;
    default:
        return LOC_IMM;
    }
}

/*
 * Families register here as they exist; a family not listed leaves its ops
 * without handlers, which raise #UD and say so under -d unimp.
 */
static void build_handler_table(void)
{
    for (unsigned k = 0; k < X86_OPK_COUNT; k++) {
        kind_location[k] = location_of_kind(k);
    }
    x86_register_families(handler_table);
}

const X86Handler *x86_handlers(void)
{
    pthread_once(&handler_once, build_handler_table);
    return handler_table;
}

/* Registers named by the operand kind itself (AL, CL, DX, AX, eAX, rAX). */
static bool fixed_register(const X86Insn *insn, unsigned kind, unsigned *reg, unsigned *size)
{
    switch (kind) {
    case X86_OPK_AL: *reg = R_EAX; *size = 1; return true;
    case X86_OPK_CL: *reg = R_ECX; *size = 1; return true;
    case X86_OPK_DX: *reg = R_EDX; *size = 2; return true;
    case X86_OPK_AX: *reg = R_EAX; *size = 2; return true;
    case X86_OPK_eAX: *reg = R_EAX; *size = insn->opsize == 2 ? 2 : 4; return true;
    case X86_OPK_rAX: *reg = R_EAX; *size = insn->opsize; return true;
    default: return false;
    }
}

/* Where operand `kind` of insn lives: a register number, memory at the EA, or an immediate. */
static inline OperandLocation locate(const X86Insn *insn, unsigned kind, unsigned *reg)
{
    switch ((OperandLocation)kind_location[kind]) {
    case LOC_E:
        if (x86_insn_is_mem(insn)) {
            return LOC_MEM;
        }
        *reg = insn->rm;
        return LOC_REG;
    case LOC_G:
        *reg = insn->reg;
        return LOC_REG;
    case LOC_Z:
        *reg = insn->rm;
        return LOC_REG;
    default:
        return (OperandLocation)kind_location[kind];
    }
}

static uint64_t opnd_read_other(X86Cpu *cpu, const X86Insn *insn, int i)
{
    unsigned kind = x86_insn_row(insn)->operand[i];
    unsigned reg, size;
    if (fixed_register(insn, kind, &reg, &size)) {
        return x86_reg_get(cpu, reg, size, false);
    }
    if (kind == X86_OPK_ONE) {
        return 1;
    }
    size = x86_operand_size(insn, kind);
    switch (locate(insn, kind, &reg)) {
    case LOC_REG:
        return x86_reg_get(cpu, reg, size, x86_insn_rex(insn));
    case LOC_MEM:
        return x86_read(cpu, insn->seg, x86_insn_ea(cpu, insn), size);
    case LOC_MOFFS:
        return x86_read(cpu, insn->seg, (uint64_t)insn->imm & x86_size_mask(insn->addrsize), size);
    default:
        break;
    }
    if (kind == X86_OPK_Jb || kind == X86_OPK_Jz) {
        uint64_t mask = cpu->code_bits == 64 ? ~0ull : x86_size_mask(insn->opsize);
        return (cpu->next_rip + (uint64_t)insn->imm) & mask;
    }
    return (uint64_t)insn->imm;
}

static void opnd_write_other(X86Cpu *cpu, const X86Insn *insn, int i, uint64_t value)
{
    unsigned kind = x86_insn_row(insn)->operand[i];
    unsigned reg, size;
    if (fixed_register(insn, kind, &reg, &size)) {
        x86_reg_set(cpu, reg, size, false, value);
        return;
    }
    size = x86_operand_size(insn, kind);
    switch (locate(insn, kind, &reg)) {
    case LOC_REG:
        x86_reg_set(cpu, reg, size, x86_insn_rex(insn), value);
        return;
    case LOC_MEM:
        x86_write(cpu, insn->seg, x86_insn_ea(cpu, insn), value, size);
        return;
    case LOC_MOFFS:
        x86_write(cpu, insn->seg, (uint64_t)insn->imm & x86_size_mask(insn->addrsize), value, size);
        return;
    default:
        break;
    }
    assert(!"write to an immediate operand");
}

uint64_t x86_opnd_read_mem(X86Cpu *cpu, const X86Insn *insn, int i)
{
    if (insn->opnd_loc[i] == X86_LOC_MEM) {
        return x86_read(cpu, insn->seg, x86_insn_ea(cpu, insn), insn->opnd_size[i]);
    }
    return opnd_read_other(cpu, insn, i);
}

void x86_opnd_write_mem(X86Cpu *cpu, const X86Insn *insn, int i, uint64_t value)
{
    if (insn->opnd_loc[i] == X86_LOC_MEM) {
        x86_write(cpu, insn->seg, x86_insn_ea(cpu, insn), value, insn->opnd_size[i]);
    } else {
        opnd_write_other(cpu, insn, i, value);
    }
}

void x86_opnd_probe_write(X86Cpu *cpu, const X86Insn *insn, int i)
{
    unsigned loc = insn->opnd_loc[i];
    unsigned reg;
    if (loc == X86_LOC_MEM ||
        (loc == X86_LOC_OTHER && locate(insn, x86_insn_row(insn)->operand[i], &reg) == LOC_MEM)) {
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
