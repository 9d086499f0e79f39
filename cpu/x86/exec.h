/* Executing decoded instructions: the handler table, operand access, one-step execution. */
#ifndef CPU_X86_EXEC_H
#define CPU_X86_EXEC_H

#include "cpu/x86/cpu.h"
#include "cpu/x86/decode.h"

/*
 * A handler executes one decoded instruction on cpu->s.  On entry
 * cpu->s.rip is the instruction's address and cpu->next_rip the address
 * after it; on a normal return the loop sets rip = next_rip, so a branch
 * handler writes cpu->next_rip.  A handler raises exceptions with
 * x86_raise() after its loads and before its first store (or probes its
 * stores first) so a fault leaves no trace.  A handler that changes what
 * decoding depends on (CS, mode, paging, code bytes) sets cpu->end_block.
 *
 * Handlers are grouped by family, one file each (blink's layout): every
 * family file has an x86_register_<family>() that fills its rows of the
 * table; exec.c calls them all.  An op with no handler raises #UD and is
 * logged under -d unimp.
 */
typedef void (*X86Handler)(X86Cpu *cpu, const X86Insn *insn);

void x86_register_alu(X86Handler *table);      /* alu.c: arithmetic, logic, flags ops, BCD */
void x86_register_shift(X86Handler *table);    /* shift.c: shifts, rotates, SHLD/SHRD */
void x86_register_bitops(X86Handler *table);   /* bitops.c: BT*, BSF/BSR, POPCNT, LZCNT, TZCNT, BSWAP, CRC32 */
void x86_register_muldiv(X86Handler *table);   /* muldiv.c: MUL/IMUL/DIV/IDIV */
void x86_register_data(X86Handler *table);     /* data.c: MOV*, XCHG, XADD, CMPXCHG*, CMOV, SETcc, LEA, PUSH/POP... */
void x86_register_control(X86Handler *table);  /* control.c: near branches, LOOP, CALL/RET near */
void x86_register_string(X86Handler *table);   /* string.c: MOVS..SCAS, INS/OUTS with REP */
void x86_register_system(X86Handler *table);   /* system.c: far transfers, IRET, INT, CR/DR/MSR, descriptor tables, SYSCALL.. */
void x86_register_misc(X86Handler *table);     /* misc.c: CPUID, RDTSC, RDRAND, IN/OUT, NOP, fences, HLT */
void x86_register_x87(X86Handler *table);      /* x87.c */
void x86_register_sse(X86Handler *table);      /* sse*.c */
void x86_register_bmi(X86Handler *table);      /* bmi.c: BMI1/BMI2 (VEX-encoded general purpose) */

/* Calls every x86_register_<family>() this build has (cpu/x86/families.c). */
void x86_register_families(X86Handler *table);

/* The handler table, built on first use. */
const X86Handler *x86_handlers(void);

/* ---- general registers with x86's partial-register rules ---- */

/* Byte registers 4-7 are AH, CH, DH, BH unless a REX prefix is present. */
static inline uint64_t x86_reg_get(const X86Cpu *cpu, unsigned reg, unsigned size, bool rex)
{
    switch (size) {
    case 1:
        if (!rex && reg >= 4 && reg < 8) {
            return (cpu->s.regs[reg - 4] >> 8) & 0xff;
        }
        return cpu->s.regs[reg] & 0xff;
    case 2:
        return cpu->s.regs[reg] & 0xffff;
    case 4:
        return cpu->s.regs[reg] & 0xffffffff;
    default:
        return cpu->s.regs[reg];
    }
}

/* 32-bit writes zero-extend into the full register (SDM vol. 1 3.4.1.1). */
static inline void x86_reg_set(X86Cpu *cpu, unsigned reg, unsigned size, bool rex, uint64_t v)
{
    uint64_t *r;
    switch (size) {
    case 1:
        if (!rex && reg >= 4 && reg < 8) {
            r = &cpu->s.regs[reg - 4];
            *r = (*r & ~0xff00ull) | ((v & 0xff) << 8);
        } else {
            r = &cpu->s.regs[reg];
            *r = (*r & ~0xffull) | (v & 0xff);
        }
        break;
    case 2:
        r = &cpu->s.regs[reg];
        *r = (*r & ~0xffffull) | (v & 0xffff);
        break;
    case 4:
        cpu->s.regs[reg] = v & 0xffffffff;
        break;
    default:
        cpu->s.regs[reg] = v;
        break;
    }
}

static inline bool x86_insn_rex(const X86Insn *insn)
{
    return (insn->prefix & X86_PFX_REX) != 0;
}

static inline uint64_t x86_size_mask(unsigned size)
{
    return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

/* Sign-extend the low `size` bytes of v. */
static inline int64_t x86_sext(uint64_t v, unsigned size)
{
    unsigned shift = 64 - 8 * size;
    return (int64_t)(v << shift) >> shift;
}

/* ---- operands ---- */

/* Effective address (the offset within insn->seg) of a memory operand, SDM vol. 1 3.7.5. */
static inline uint64_t x86_insn_ea(const X86Cpu *cpu, const X86Insn *insn)
{
    uint64_t ea = (uint64_t)(int64_t)insn->disp;
    if (insn->base == X86_REGNUM_RIP) {
        ea += cpu->next_rip;
    } else if (insn->base != X86_REGNUM_NONE) {
        ea += cpu->s.regs[insn->base];
    }
    if (insn->index != X86_REGNUM_NONE) {
        ea += cpu->s.regs[insn->index] << insn->scale;
    }
    return ea & x86_size_mask(insn->addrsize);
}

static inline bool x86_insn_is_mem(const X86Insn *insn)
{
    return (insn->flags & X86_INSN_MEM) != 0;
}

/* Size in bytes of operand i (0 = destination) of insn. */
static inline unsigned x86_opnd_size(const X86Insn *insn, int i)
{
    return insn->opnd_size[i];
}

/* x86_opnd_read/write for the rest: AH..BH, memory, moffs, branch targets, the constant 1. */
uint64_t x86_opnd_read_mem(X86Cpu *cpu, const X86Insn *insn, int i);
void x86_opnd_write_mem(X86Cpu *cpu, const X86Insn *insn, int i, uint64_t value);

/*
 * Read or write operand i of the general-purpose kinds: E*, G*, R*, Z*, I*,
 * J* (read only: the target address), O* (moffs), AL/AX/eAX/rAX/CL/DX, One.
 * Values are zero-extended; immediates come sign-extended to the operand
 * size as the instruction defines them.  Registers and immediates are
 * inline: the decoder resolved where they are (X86Insn.opnd_loc).
 */
static inline __attribute__((always_inline)) uint64_t x86_opnd_read(X86Cpu *cpu, const X86Insn *insn,
                                                                    int i)
{
    unsigned loc = insn->opnd_loc[i];
    if (loc < X86_LOC_GPR_HIGH) {
        return cpu->s.regs[loc] & x86_size_mask(insn->opnd_size[i]);
    }
    if (loc == X86_LOC_IMM) {
        return (uint64_t)insn->imm;
    }
    return x86_opnd_read_mem(cpu, insn, i);
}

static inline __attribute__((always_inline)) void x86_opnd_write(X86Cpu *cpu, const X86Insn *insn,
                                                                 int i, uint64_t value)
{
    unsigned loc = insn->opnd_loc[i];
    if (loc < X86_LOC_GPR_HIGH) {
        x86_reg_set(cpu, loc, insn->opnd_size[i], true, value);
    } else {
        x86_opnd_write_mem(cpu, insn, i, value);
    }
}

/*
 * For a read-modify-write of operand 0 in memory: the host address of its
 * bytes when the TLB lets the CPU write them in place (the segment checks
 * and #AC done, the page writable and not holding decoded code, the
 * operand within one page), else NULL: then probe, read and write it.
 */
static inline uint8_t *x86_opnd_rmw_host(X86Cpu *cpu, const X86Insn *insn)
{
    if (insn->opnd_loc[0] != X86_LOC_MEM) {
        return NULL;
    }
    unsigned size = insn->opnd_size[0];
    uint64_t la = x86_linear(cpu, insn->seg, x86_insn_ea(cpu, insn), size, MMU_WRITE);
    const TlbEntry *e = tlb_entry(&cpu->tlb, x86_mmu_idx(cpu), la);
    if (e->tag[MMU_WRITE] != (la & MMU_PAGE_MASK) || (la & ~MMU_PAGE_MASK) + size > MMU_PAGE_SIZE) {
        return NULL;
    }
    cpu->tlb.count.hits++;
    return (uint8_t *)(uintptr_t)(la + e->addend);
}

/* For a read-modify-write memory destination: fault now, not after the read. */
void x86_opnd_probe_write(X86Cpu *cpu, const X86Insn *insn, int i);

/*
 * Operand 0 of a read-modify-write instruction: once this returns, its
 * store cannot fault (a memory destination is probed for writing first,
 * so a fault reports a write access).
 */
static inline uint64_t x86_opnd_read_for_update(X86Cpu *cpu, const X86Insn *insn)
{
    if (insn->opnd_loc[0] < X86_LOC_MEM) {
        return x86_opnd_read(cpu, insn, 0);   /* a register */
    }
    x86_opnd_probe_write(cpu, insn, 0);
    return x86_opnd_read(cpu, insn, 0);
}

/* ---- conditions ---- */

/* Condition code cc (the low nibble of Jcc/SETcc/CMOVcc), SDM vol. 1 B.1. */
bool x86_condition(const X86Cpu *cpu, unsigned cc);

/* ---- running ---- */

/* The decoder mode for the CPU's current code segment. */
static inline X86DecodeMode x86_decode_mode(const X86Cpu *cpu)
{
    return cpu->code_bits == 64 ? X86_MODE_64 : cpu->code_bits == 32 ? X86_MODE_32 : X86_MODE_16;
}

/*
 * Fetch and decode the instruction at CS:RIP (raising #PF, #GP or #UD as
 * fetching and decoding require).  Returns the guest-physical page of its
 * first byte.
 */
uint64_t x86_fetch_decode(X86Cpu *cpu, X86Insn *insn);

/*
 * After x86_raise() unwound to a loop: deliver the recorded exception (and
 * whatever faults delivering it raises, per the double-fault rules).
 * Returns X86_STOP_NONE, X86_STOP_SHUTDOWN (triple fault) or X86_STOP_ERROR.
 */
X86StopReason x86_deliver_raised(X86Cpu *cpu);

/* Execute one decoded instruction at cpu->s.rip (no exception handling). */
void x86_execute(X86Cpu *cpu, const X86Insn *insn);

/*
 * Instruction breakpoints (SDM vol. 3A 17.2.4, 17.3.1.1): whether DR7
 * enables one (R/W = 00), so that the run loop checks each instruction.
 */
static inline bool x86_insn_breakpoints_armed(const X86Cpu *cpu)
{
    if (!(cpu->s.dr7 & 0xff)) {
        return false;   /* L0-L3, G0-G3 all clear: the common case, once per block */
    }
    for (unsigned n = 0; n < 4; n++) {
        if (((cpu->s.dr7 >> (2 * n)) & 3) && !((cpu->s.dr7 >> (16 + 4 * n)) & 3)) {
            return true;
        }
    }
    return false;
}

/*
 * Before the instruction at CS:RIP: raise the fault-class #DB of an enabled
 * instruction breakpoint at its linear address (DR6.Bn set), unless
 * EFLAGS.RF suppresses it.  Call with x86_insn_breakpoints_armed().
 */
void x86_check_insn_breakpoints(X86Cpu *cpu);

/*
 * After an instruction that completed: RF, which let it past its
 * breakpoint, is cleared (SDM 17.3.1.1), unless the instruction loaded it
 * (IRET).
 */
static inline void x86_clear_rf(X86Cpu *cpu, const X86Insn *insn, bool rf_before)
{
    if (rf_before && insn->op != X86_OP_IRET) {
        cpu->s.rflags &= ~(uint64_t)X86_FLAG_RF;
    }
}

/*
 * The single-step trap (SDM vol. 3A 17.3.1.4), after an instruction that
 * completed: `tf` is EFLAGS.TF as the instruction began, `shadow` the
 * interrupt shadow then.  Raises #DB with DR6.BS (so call it with RIP at
 * the next instruction), except after INT n/INT3/INTO/INT1 that went
 * through the IDT (their delivery cleared TF) and after MOV SS/POP SS,
 * which hold the trap back until the next instruction is done.
 */
void x86_single_step(X86Cpu *cpu, const X86Insn *insn, bool tf, uint8_t shadow);

/*
 * Execute one instruction with exception delivery: fetch, decode, execute,
 * deliver a raised exception through the IDT.  Returns X86_STOP_NONE, or why
 * the CPU cannot go on (shutdown, error).  For tests and single-stepping;
 * accel/interp.c runs cached blocks instead.
 */
X86StopReason x86_step(X86Cpu *cpu);

#endif
