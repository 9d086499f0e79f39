/* Data transfer semantics: MOV and its forms, exchanges, compare-exchanges, CMOVcc/SETcc, the stack, XLAT. */
#include "cpu/x86/cpuid.h"
#include "cpu/x86/exec.h"
#include "cpu/x86/hostalu.h"
#include "cpu/x86/seg.h"

/*
 * SDM vol. 1 7.3.1 (data transfer) and 7.3.1.x, with each instruction's page
 * in vol. 2.  Every handler reads and checks everything first and stores
 * last, so a fault leaves the state of before the instruction; instructions
 * that store more than once (PUSHA, ENTER, CMPXCHG8B ...) probe every store
 * before the first one.
 *
 * The exchanging instructions on memory (XCHG, XADD, CMPXCHG, CMPXCHG8B/16B)
 * run as host atomic operations when the operand is naturally aligned guest
 * RAM, so that LOCK'd operations of vCPU threads on one another's data stay
 * atomic: the guest's spinlocks depend on it.  Misaligned operands, MMIO and
 * pages holding decoded code take the plain read-then-write path (a split
 * lock is rare, slow on hardware too, and a host split lock may be fatal).
 */

static void set_zf(X86Cpu *cpu, bool zf)
{
    if (zf) {
        cpu->s.rflags |= X86_FLAG_ZF;
    } else {
        cpu->s.rflags &= ~(uint64_t)X86_FLAG_ZF;
    }
}

/* Is CPUID bit `bit` of register `reg` (0-3: EAX..EDX) of leaf (fn, index) set for this CPU? */
static bool cpuid_bit(const X86Cpu *cpu, uint32_t fn, uint32_t index, int reg, int bit)
{
    const X86CpuidEntry *e = cpu->cpuid ? x86_cpuid_find(cpu->cpuid, fn, index) : NULL;
    if (!e) {
        return false;
    }
    uint32_t r = reg == 0 ? e->eax : reg == 1 ? e->ebx : reg == 2 ? e->ecx : e->edx;
    return (r >> bit) & 1;
}

enum { CPUID_ECX = 2 };
#define CPUID_1_ECX_CX16 13
#define CPUID_1_ECX_MOVBE 22

/* ---- atomic read-modify-write on guest RAM ---- */

/*
 * Check that [ea, ea+size) in `seg` may be written (raising its fault now)
 * and return its host address if an atomic host operation can do the whole
 * access: aligned, plain RAM with a direct write mapping.  Otherwise NULL.
 */
static void *rmw_prepare(X86Cpu *cpu, int seg, uint64_t ea, unsigned size)
{
    x86_probe_write(cpu, seg, ea, size);
    uint64_t la = x86_linear(cpu, seg, ea, size, MMU_WRITE);
    if (la & (size - 1)) {
        return NULL;
    }
    TlbEntry *e = tlb_entry(&cpu->tlb, x86_mmu_idx(cpu), la);
    if (e->tag[MMU_WRITE] != (la & MMU_PAGE_MASK)) {
        return NULL;
    }
    return (void *)(uintptr_t)(la + e->addend);
}

static uint64_t host_exchange(void *p, uint64_t v, unsigned size)
{
    switch (size) {
    case 1: return __atomic_exchange_n((uint8_t *)p, (uint8_t)v, __ATOMIC_SEQ_CST);
    case 2: return __atomic_exchange_n((uint16_t *)p, (uint16_t)v, __ATOMIC_SEQ_CST);
    case 4: return __atomic_exchange_n((uint32_t *)p, (uint32_t)v, __ATOMIC_SEQ_CST);
    default: return __atomic_exchange_n((uint64_t *)p, v, __ATOMIC_SEQ_CST);
    }
}

static uint64_t host_fetch_add(void *p, uint64_t v, unsigned size)
{
    switch (size) {
    case 1: return __atomic_fetch_add((uint8_t *)p, (uint8_t)v, __ATOMIC_SEQ_CST);
    case 2: return __atomic_fetch_add((uint16_t *)p, (uint16_t)v, __ATOMIC_SEQ_CST);
    case 4: return __atomic_fetch_add((uint32_t *)p, (uint32_t)v, __ATOMIC_SEQ_CST);
    default: return __atomic_fetch_add((uint64_t *)p, v, __ATOMIC_SEQ_CST);
    }
}

/* Compare-and-swap; returns the value memory held (equal to `expected` on success). */
static uint64_t host_compare_exchange(void *p, uint64_t expected, uint64_t desired, unsigned size)
{
    switch (size) {
    case 1: {
        uint8_t e = expected;
        __atomic_compare_exchange_n((uint8_t *)p, &e, (uint8_t)desired, false, __ATOMIC_SEQ_CST,
                                    __ATOMIC_SEQ_CST);
        return e;
    }
    case 2: {
        uint16_t e = expected;
        __atomic_compare_exchange_n((uint16_t *)p, &e, (uint16_t)desired, false, __ATOMIC_SEQ_CST,
                                    __ATOMIC_SEQ_CST);
        return e;
    }
    case 4: {
        uint32_t e = expected;
        __atomic_compare_exchange_n((uint32_t *)p, &e, (uint32_t)desired, false, __ATOMIC_SEQ_CST,
                                    __ATOMIC_SEQ_CST);
        return e;
    }
    default: {
        uint64_t e = expected;
        __atomic_compare_exchange_n((uint64_t *)p, &e, desired, false, __ATOMIC_SEQ_CST,
                                    __ATOMIC_SEQ_CST);
        return e;
    }
    }
}

/* LOCK CMPXCHG16B on the host; *lo:*hi receive what memory held. */
static void host_compare_exchange16(void *p, uint64_t *lo, uint64_t *hi, uint64_t new_lo,
                                    uint64_t new_hi)
{
    __asm__ volatile("lock cmpxchg16b %0"
                     : "+m"(*(volatile uint64_t(*)[2])p), "+a"(*lo), "+d"(*hi)
                     : "b"(new_lo), "c"(new_hi)
                     : "memory", "cc");
}

/* Memory operand of insn: swap in `value`, return the old contents. */
static uint64_t mem_exchange(X86Cpu *cpu, const X86Insn *insn, uint64_t value, unsigned size)
{
    uint64_t ea = x86_insn_ea(cpu, insn);
    void *p = rmw_prepare(cpu, insn->seg, ea, size);
    if (p) {
        return host_exchange(p, value, size);
    }
    uint64_t old = x86_read(cpu, insn->seg, ea, size);
    x86_write(cpu, insn->seg, ea, value, size);
    return old;
}

static uint64_t mem_fetch_add(X86Cpu *cpu, const X86Insn *insn, uint64_t value, unsigned size)
{
    uint64_t ea = x86_insn_ea(cpu, insn);
    void *p = rmw_prepare(cpu, insn->seg, ea, size);
    if (p) {
        return host_fetch_add(p, value, size);
    }
    uint64_t old = x86_read(cpu, insn->seg, ea, size);
    x86_write(cpu, insn->seg, ea, old + value, size);
    return old;
}

/*
 * Memory CMPXCHG: SDM vol. 2A CMPXCHG, "the destination operand receives a
 * write cycle without regard to the result of the comparison".
 */
static uint64_t mem_compare_exchange(X86Cpu *cpu, int seg, uint64_t ea, uint64_t expected,
                                     uint64_t desired, unsigned size)
{
    void *p = rmw_prepare(cpu, seg, ea, size);
    if (p) {
        return host_compare_exchange(p, expected, desired, size);
    }
    uint64_t old = x86_read(cpu, seg, ea, size);
    x86_write(cpu, seg, ea, old == (expected & x86_size_mask(size)) ? desired : old, size);
    return old;
}

/* ---- moves ---- */

static void op_mov(X86Cpu *cpu, const X86Insn *insn)
{
    x86_opnd_write(cpu, insn, 0, x86_opnd_read(cpu, insn, 1));
}

static void op_movzx(X86Cpu *cpu, const X86Insn *insn)
{
    x86_opnd_write(cpu, insn, 0, x86_opnd_read(cpu, insn, 1));
}

static void op_movsx(X86Cpu *cpu, const X86Insn *insn)
{
    uint64_t v = x86_opnd_read(cpu, insn, 1);
    x86_opnd_write(cpu, insn, 0, (uint64_t)x86_sext(v, x86_opnd_size(insn, 1)));
}

/*
 * MOVSXD Gv, Ed (63 /r in 64-bit mode): with REX.W it sign-extends 32 to 64
 * bits; otherwise it is a plain move of the operand size, and with 66 the
 * source is 16 bits (SDM vol. 2B MOVSX/MOVSXD, "MOVSXD r16, r/m16").
 */
static void op_movsxd(X86Cpu *cpu, const X86Insn *insn)
{
    unsigned size = insn->opsize;
    unsigned src_size = size < 4 ? size : 4;
    uint64_t v;
    if (x86_insn_is_mem(insn)) {
        /*
         * AMD reads the whole doubleword even for MOVSXD r16 (AMD APM vol. 3
         * MOVSXD: the source is always 32 bits): #AC and #PF follow a 4-byte
         * access there (found by tandem-difftest: 66 63 /r at a 2-aligned
         * address gives #AC on an EPYC).  The low word is what is kept.
         */
        unsigned access = cpu->vendor_amd ? 4 : src_size;
        v = x86_read(cpu, insn->seg, x86_insn_ea(cpu, insn), access) & x86_size_mask(src_size);
    } else {
        v = x86_reg_get(cpu, insn->rm, src_size, x86_insn_rex(insn));
    }
    x86_reg_set(cpu, insn->reg, size, x86_insn_rex(insn), (uint64_t)x86_sext(v, src_size));
}

static uint64_t byte_swap(uint64_t v, unsigned size)
{
    switch (size) {
    case 2: return __builtin_bswap16(v);
    case 4: return __builtin_bswap32(v);
    default: return __builtin_bswap64(v);
    }
}

/* MOVBE: #UD unless CPUID.01H:ECX.MOVBE (SDM vol. 2B MOVBE). */
static void op_movbe(X86Cpu *cpu, const X86Insn *insn)
{
    if (!cpuid_bit(cpu, 1, 0, CPUID_ECX, CPUID_1_ECX_MOVBE)) {
        x86_raise_ud(cpu);
    }
    uint64_t v = x86_opnd_read(cpu, insn, 1);
    x86_opnd_write(cpu, insn, 0, byte_swap(v, x86_opnd_size(insn, 0)));
}

/* LEA: the offset, truncated or zero-extended to the operand size (SDM vol. 2A LEA table 3-54). */
static void op_lea(X86Cpu *cpu, const X86Insn *insn)
{
    x86_reg_set(cpu, insn->reg, insn->opsize, x86_insn_rex(insn), x86_insn_ea(cpu, insn));
}

/* XLAT: AL <- seg:[rBX + AL], the address at the address size. */
static void op_xlat(X86Cpu *cpu, const X86Insn *insn)
{
    uint64_t addr = (cpu->s.regs[R_EBX] + (cpu->s.regs[R_EAX] & 0xff)) &
                    x86_size_mask(insn->addrsize);
    x86_reg_set(cpu, R_EAX, 1, false, x86_read(cpu, insn->seg, addr, 1));
}

/* ---- exchanges ---- */

static void op_xchg(X86Cpu *cpu, const X86Insn *insn)
{
    unsigned size = x86_opnd_size(insn, 0);
    uint64_t src = x86_opnd_read(cpu, insn, 1);
    if (x86_insn_is_mem(insn)) {
        /* SDM vol. 2B XCHG: with memory, locked whatever the prefixes. */
        x86_opnd_write(cpu, insn, 1, mem_exchange(cpu, insn, src, size));
        return;
    }
    uint64_t dst = x86_opnd_read(cpu, insn, 0);
    x86_opnd_write(cpu, insn, 0, src);
    x86_opnd_write(cpu, insn, 1, dst);
}

/* XADD: TEMP <- SRC + DEST; SRC <- DEST; DEST <- TEMP, flags of the addition. */
static void op_xadd(X86Cpu *cpu, const X86Insn *insn)
{
    unsigned size = x86_opnd_size(insn, 0);
    uint64_t src = x86_opnd_read(cpu, insn, 1);
    uint64_t dst;
    if (x86_insn_is_mem(insn)) {
        dst = mem_fetch_add(cpu, insn, src, size);
        x86_opnd_write(cpu, insn, 1, dst);
    } else {
        dst = x86_opnd_read(cpu, insn, 0);
        x86_opnd_write(cpu, insn, 1, dst);
        x86_opnd_write(cpu, insn, 0, dst + src);
    }
    hostalu_binary(HOSTALU_ADD, size, dst, src, &cpu->s.rflags);
}

/*
 * CMPXCHG: compare the accumulator with the destination, flags as CMP.  A
 * register destination is left alone when they differ, not even
 * zero-extended (as hardware does, whatever the SDM's pseudo-code says).
 */
static void op_cmpxchg(X86Cpu *cpu, const X86Insn *insn)
{
    unsigned size = x86_opnd_size(insn, 0);
    uint64_t acc = x86_reg_get(cpu, R_EAX, size, false);
    uint64_t src = x86_opnd_read(cpu, insn, 1);
    uint64_t dst;
    if (x86_insn_is_mem(insn)) {
        dst = mem_compare_exchange(cpu, insn->seg, x86_insn_ea(cpu, insn), acc, src, size);
    } else {
        dst = x86_opnd_read(cpu, insn, 0);
        if (dst == acc) {
            x86_opnd_write(cpu, insn, 0, src);
        }
    }
    if (dst != acc) {
        x86_reg_set(cpu, R_EAX, size, false, dst);
    }
    hostalu_binary(HOSTALU_CMP, size, acc, dst, &cpu->s.rflags);
}

static void cmpxchg8b(X86Cpu *cpu, int seg, uint64_t ea)
{
    uint64_t expected = (cpu->s.regs[R_EAX] & 0xffffffff) | (cpu->s.regs[R_EDX] << 32);
    uint64_t desired = (cpu->s.regs[R_EBX] & 0xffffffff) | (cpu->s.regs[R_ECX] << 32);
    uint64_t old = mem_compare_exchange(cpu, seg, ea, expected, desired, 8);
    if (old != expected) {
        x86_reg_set(cpu, R_EAX, 4, false, old);
        x86_reg_set(cpu, R_EDX, 4, false, old >> 32);
    }
    set_zf(cpu, old == expected);
}

/* CMPXCHG16B: #UD without CPUID.01H:ECX.CX16, #GP(0) unless 16-byte aligned. */
static void cmpxchg16b(X86Cpu *cpu, int seg, uint64_t ea)
{
    if (!cpuid_bit(cpu, 1, 0, CPUID_ECX, CPUID_1_ECX_CX16)) {
        x86_raise_ud(cpu);
    }
    /*
     * Segment and canonical checks (#SS/#GP), then alignment (#GP), then what
     * a 16-byte access adds (the end of the operand; #AC cannot be left).
     */
    if (cpu->vendor_amd && cpu->mode64 &&
        ((ea + (seg >= SEG_FS ? cpu->s.segs[seg].base : 0)) & 15)) {
        /*
         * AMD: the alignment first, so a misaligned non-canonical SS operand
         * is #GP(0), not #SS(0) (cmpxchg16b [rbp], natively on an EPYC).
         * Found by tandem-difftest.
         */
        x86_raise_gp0(cpu);
    }
    uint64_t la = x86_linear(cpu, seg, ea, 1, MMU_WRITE);
    if (la & 15) {
        x86_raise_gp0(cpu);
    }
    x86_linear(cpu, seg, ea, 16, MMU_WRITE);
    uint64_t lo = cpu->s.regs[R_EAX], hi = cpu->s.regs[R_EDX];
    uint64_t old_lo = lo, old_hi = hi;
    void *p = rmw_prepare(cpu, seg, ea, 16);
    if (p) {
        host_compare_exchange16(p, &old_lo, &old_hi, cpu->s.regs[R_EBX], cpu->s.regs[R_ECX]);
    } else {
        uint64_t m[2];
        x86_read_bytes(cpu, seg, ea, m, 16);
        old_lo = m[0];
        old_hi = m[1];
        if (old_lo == lo && old_hi == hi) {
            m[0] = cpu->s.regs[R_EBX];
            m[1] = cpu->s.regs[R_ECX];
        }
        x86_write_bytes(cpu, seg, ea, m, 16);
    }
    bool equal = old_lo == lo && old_hi == hi;
    if (!equal) {
        cpu->s.regs[R_EAX] = old_lo;
        cpu->s.regs[R_EDX] = old_hi;
    }
    set_zf(cpu, equal);
}

/* 0F C7 /1: CMPXCHG8B, or CMPXCHG16B with REX.W. */
static void op_cmpxchg8b(X86Cpu *cpu, const X86Insn *insn)
{
    uint64_t ea = x86_insn_ea(cpu, insn);
    if (insn->opsize == 8) {
        cmpxchg16b(cpu, insn->seg, ea);
    } else {
        cmpxchg8b(cpu, insn->seg, ea);
    }
}

/* ---- conditional moves and sets ---- */

static unsigned opcode_condition(const X86Insn *insn)
{
    return x86_insn_row(insn)->opcode & 0xf;
}

/*
 * CMOVcc reads its source whatever the condition, and in 64-bit mode a
 * 32-bit destination is zero-extended even when the condition is false
 * (SDM vol. 2A CMOVcc, Operation).
 */
static void op_cmovcc(X86Cpu *cpu, const X86Insn *insn)
{
    uint64_t src = x86_opnd_read(cpu, insn, 1);
    uint64_t dst = x86_opnd_read(cpu, insn, 0);
    x86_opnd_write(cpu, insn, 0, x86_condition(cpu, opcode_condition(insn)) ? src : dst);
}

static void op_setcc(X86Cpu *cpu, const X86Insn *insn)
{
    x86_opnd_write(cpu, insn, 0, x86_condition(cpu, opcode_condition(insn)));
}

/* ---- the stack ---- */

static uint64_t stack_mask(const X86Cpu *cpu)
{
    return x86_size_mask(cpu->stack_bits / 8);
}

/* The stack pointer at the stack size, plus `delta`, wrapped. */
static uint64_t stack_offset(const X86Cpu *cpu, int64_t delta)
{
    return (cpu->s.regs[R_ESP] + (uint64_t)delta) & stack_mask(cpu);
}

static void stack_set_pointer(X86Cpu *cpu, uint64_t sp)
{
    uint64_t mask = stack_mask(cpu);
    cpu->s.regs[R_ESP] = (cpu->s.regs[R_ESP] & ~mask) | (sp & mask);
}

static uint64_t stack_read(X86Cpu *cpu, int64_t delta, unsigned size)
{
    return x86_read(cpu, SEG_SS, stack_offset(cpu, delta), size);
}

/* The segment register an operand kind names, or -1. */
static int segment_operand(unsigned kind)
{
    switch (kind) {
    case X86_OPK_ES: return SEG_ES;
    case X86_OPK_CS: return SEG_CS;
    case X86_OPK_SS: return SEG_SS;
    case X86_OPK_DS: return SEG_DS;
    case X86_OPK_FS: return SEG_FS;
    case X86_OPK_GS: return SEG_GS;
    default: return -1;
    }
}

/*
 * PUSH.  A segment register is pushed zero-extended to the operand size
 * (SDM vol. 2B PUSH allows this or a 16-bit store; this host's CPU does the
 * former).  PUSH rSP pushes the value before the push.
 */
static void op_push(X86Cpu *cpu, const X86Insn *insn)
{
    int seg = segment_operand(x86_insn_row(insn)->operand[0]);
    uint64_t v = seg >= 0 ? cpu->s.segs[seg].selector : x86_opnd_read(cpu, insn, 0);
    x86_push(cpu, v, insn->opsize);
}

/* POP Sreg: the lead's segment load does every check; POP SS inhibits interrupts. */
static void pop_segment(X86Cpu *cpu, const X86Insn *insn, int seg)
{
    unsigned size = insn->opsize;
    uint16_t selector = stack_read(cpu, 0, size);
    uint64_t sp = stack_offset(cpu, size);
    x86_load_data_segment(cpu, seg, selector);
    stack_set_pointer(cpu, sp);
    if (seg == SEG_SS) {
        cpu->s.events.interrupt_shadow |= X86_SHADOW_MOVSS;
    }
    cpu->end_block = true;
}

/*
 * POP.  SDM vol. 2B POP: a memory destination addressed through rSP uses
 * the value of rSP after the pop; POP rSP leaves the popped value in rSP.
 */
static void op_pop(X86Cpu *cpu, const X86Insn *insn)
{
    int seg = segment_operand(x86_insn_row(insn)->operand[0]);
    if (seg >= 0) {
        pop_segment(cpu, insn, seg);
        return;
    }
    unsigned size = insn->opsize;
    uint64_t v = stack_read(cpu, 0, size);
    uint64_t old_rsp = cpu->s.regs[R_ESP];
    stack_set_pointer(cpu, stack_offset(cpu, size));
    if (!x86_insn_is_mem(insn)) {
        x86_opnd_write(cpu, insn, 0, v);
        return;
    }
    uint64_t ea = x86_insn_ea(cpu, insn);
    uint64_t new_rsp = cpu->s.regs[R_ESP];
    cpu->s.regs[R_ESP] = old_rsp;   /* a fault on the store leaves rSP as it was */
    x86_write(cpu, insn->seg, ea, v, size);
    cpu->s.regs[R_ESP] = new_rsp;
}

/* PUSHA/PUSHAD: AX CX DX BX (original) SP BP SI DI, every slot checked before the first store. */
static void op_pusha(X86Cpu *cpu, const X86Insn *insn)
{
    unsigned size = insn->opsize;
    for (int i = 1; i <= 8; i++) {
        x86_probe_write(cpu, SEG_SS, stack_offset(cpu, -(int64_t)size * i), size);
    }
    uint64_t sp = cpu->s.regs[R_ESP];
    for (int r = R_EAX; r <= R_EDI; r++) {
        uint64_t v = r == R_ESP ? sp : cpu->s.regs[r];
        x86_write(cpu, SEG_SS, stack_offset(cpu, -(int64_t)size * (r + 1)), v, size);
    }
    stack_set_pointer(cpu, stack_offset(cpu, -(int64_t)size * 8));
}

/* POPA/POPAD: DI SI BP (SP skipped) BX DX CX AX. */
static void op_popa(X86Cpu *cpu, const X86Insn *insn)
{
    unsigned size = insn->opsize;
    uint64_t v[8];
    for (int i = 0; i < 8; i++) {
        v[i] = i == 3 ? 0 : stack_read(cpu, (int64_t)size * i, size);
    }
    for (int i = 0; i < 8; i++) {
        if (i != 3) {
            x86_reg_set(cpu, R_EDI - i, size, false, v[i]);
        }
    }
    stack_set_pointer(cpu, stack_offset(cpu, (int64_t)size * 8));
}

static int iopl_of(const X86Cpu *cpu)
{
    return (cpu->s.rflags & X86_FLAG_IOPL) >> 12;
}

static bool vm86(const X86Cpu *cpu)
{
    return (cpu->s.rflags & X86_FLAG_VM) != 0;
}

/*
 * PUSHF: the image has VM and RF clear.  In virtual-8086 mode with IOPL < 3
 * it faults, unless CR4.VME lets a 16-bit PUSHF push VIF as IF and IOPL as 3
 * (SDM vol. 2B PUSHF, vol. 3B 20.3).
 */
static void op_pushf(X86Cpu *cpu, const X86Insn *insn)
{
    unsigned size = insn->opsize;
    uint64_t image = cpu->s.rflags & ~(uint64_t)(X86_FLAG_VM | X86_FLAG_RF);
    if (vm86(cpu) && iopl_of(cpu) < 3) {
        if (size != 2 || !(cpu->s.cr4 & X86_CR4_VME)) {
            x86_raise_gp0(cpu);
        }
        image &= ~(uint64_t)X86_FLAG_IF;
        if (cpu->s.rflags & X86_FLAG_VIF) {
            image |= X86_FLAG_IF;
        }
        image |= X86_FLAG_IOPL;
    }
    x86_push(cpu, image, size);
}

/* The RFLAGS bits an operand-size POPF may change, before privilege rules. */
static uint64_t popf_writable(unsigned size)
{
    uint64_t bits = X86_ARITH_FLAGS | X86_FLAG_TF | X86_FLAG_IF | X86_FLAG_DF | X86_FLAG_IOPL |
                    X86_FLAG_NT;
    if (size > 2) {
        bits |= X86_FLAG_AC | X86_FLAG_ID;   /* VM, VIF, VIP are never popped; RF is cleared */
    }
    return bits;
}

/*
 * POPF, SDM vol. 2B POPF: IOPL changes only at CPL 0, IF only when CPL <=
 * IOPL; in virtual-8086 mode IOPL < 3 faults unless CR4.VME and a 16-bit
 * POPF, which then updates VIF instead of IF (#GP if that would set a
 * pending VIF, or TF).
 */
static void op_popf(X86Cpu *cpu, const X86Insn *insn)
{
    unsigned size = insn->opsize;
    uint64_t old = cpu->s.rflags;
    bool vme_popf = false;
    if (vm86(cpu) && iopl_of(cpu) < 3) {
        if (size != 2 || !(cpu->s.cr4 & X86_CR4_VME)) {
            x86_raise_gp0(cpu);
        }
        vme_popf = true;
    }
    uint64_t v = stack_read(cpu, 0, size);
    uint64_t writable = popf_writable(size);
    if (vm86(cpu)) {
        writable &= ~(uint64_t)X86_FLAG_IOPL;
    } else if (cpu->s.cr0 & X86_CR0_PE) {
        if (cpu->cpl > 0) {
            writable &= ~(uint64_t)X86_FLAG_IOPL;
        }
        if (cpu->cpl > iopl_of(cpu)) {
            writable &= ~(uint64_t)X86_FLAG_IF;
        }
    }
    uint64_t flags = (old & ~writable) | (v & writable);
    if (vme_popf) {
        if (((old & X86_FLAG_VIP) && (v & X86_FLAG_IF)) || (v & X86_FLAG_TF)) {
            x86_raise_gp0(cpu);
        }
        flags = (flags & ~(uint64_t)(X86_FLAG_IF | X86_FLAG_VIF)) | (old & X86_FLAG_IF);
        if (v & X86_FLAG_IF) {
            flags |= X86_FLAG_VIF;
        }
    }
    if (size > 2) {
        flags &= ~(uint64_t)X86_FLAG_RF;
    }
    stack_set_pointer(cpu, stack_offset(cpu, size));
    cpu->s.rflags = flags | X86_FLAG_FIXED;
    cpu->end_block = true;   /* TF, IF and AC matter to the loop */
}

/*
 * ENTER imm16, imm8 (SDM vol. 2A ENTER): push the frame pointer, copy
 * nesting-1 frame pointers from the old frame (SS:[rBP - size*i], at the
 * stack's address size), push FrameTemp (rSP after the first push), then
 * rBP <- FrameTemp at the operand size and rSP drops by imm16 at the stack
 * size.  The copies are read and every slot probed before the first store
 * (for the faults), and the final stack pointer is checked against SS.
 */
static void op_enter(X86Cpu *cpu, const X86Insn *insn)
{
    unsigned size = insn->opsize;
    uint64_t alloc = (uint64_t)insn->imm & 0xffff;
    unsigned level = insn->imm2 & 31;
    uint64_t smask = stack_mask(cpu);
    uint64_t bp = cpu->s.regs[R_EBP];

    if (cpu->vendor_amd) {
        /*
         * AMD pushes RBP before it reads the frame pointers to copy, so the
         * push's #AC/#PF comes first (ENTER 8,2 with RSP 0xe6c3, AC set and
         * RBP 0 gives #AC on an EPYC; found by tandem-difftest).
         */
        x86_probe_write(cpu, SEG_SS, stack_offset(cpu, -(int64_t)size), size);
    }
    for (unsigned i = 1; i < level; i++) {
        (void)x86_read(cpu, SEG_SS, (bp - (uint64_t)size * i) & smask, size);
    }
    unsigned slots = level > 0 ? level + 1 : 1;
    for (unsigned i = 1; i <= slots; i++) {
        x86_probe_write(cpu, SEG_SS, stack_offset(cpu, -(int64_t)size * i), size);
    }
    uint64_t frame_sp = stack_offset(cpu, -(int64_t)size);
    uint64_t frame_temp = (cpu->s.regs[R_ESP] & ~smask) | frame_sp;
    uint64_t new_sp = (frame_sp - (uint64_t)size * (slots - 1) - alloc) & smask;
    x86_linear(cpu, SEG_SS, new_sp, 1, MMU_WRITE);   /* #SS if outside the segment */
    if (cpu->vendor_amd) {
        /*
         * AMD also write-checks the new top of stack: ENTER 0x160,0 with RSP
         * 0xe158 above an unmapped page faults with CR2 = the new RSP (0xdff0)
         * on an EPYC, while ENTER 0x130,0 (new RSP 0xe000, mapped) does not
         * (found by tandem-difftest).
         */
        x86_probe_write(cpu, SEG_SS, new_sp, size);
    }

    /*
     * The stores in the SDM's order, each copy read again just before its
     * push: a copy's source may overlap the slots already pushed (RBP a few
     * bytes above RSP), and then it is the pushed bytes that are copied
     * (ENTER 0x1e8,3 with RSP 0xe408 and RBP 0xe415 on an EPYC; found by
     * tandem-difftest).  The first reads above found the faults.
     */
    x86_write(cpu, SEG_SS, frame_sp, bp, size);
    for (unsigned i = 1; i < level; i++) {
        uint64_t v = x86_read(cpu, SEG_SS, (bp - (uint64_t)size * i) & smask, size);
        x86_write(cpu, SEG_SS, (frame_sp - (uint64_t)size * i) & smask, v, size);
    }
    if (level > 0) {
        x86_write(cpu, SEG_SS, (frame_sp - (uint64_t)size * level) & smask, frame_temp, size);
    }
    x86_reg_set(cpu, R_EBP, size, false, frame_temp);
    stack_set_pointer(cpu, new_sp);
}

/* LEAVE: rSP <- rBP at the stack size, then pop rBP at the operand size. */
static void op_leave(X86Cpu *cpu, const X86Insn *insn)
{
    unsigned size = insn->opsize;
    uint64_t smask = stack_mask(cpu);
    uint64_t sp = cpu->s.regs[R_EBP] & smask;
    uint64_t v = x86_read(cpu, SEG_SS, sp, size);
    stack_set_pointer(cpu, (sp + size) & smask);
    x86_reg_set(cpu, R_EBP, size, false, v);
}

void x86_register_data(X86Handler *table)
{
    table[X86_OP_MOV] = op_mov;
    table[X86_OP_MOVNTI] = op_mov;
    table[X86_OP_MOVZX] = op_movzx;
    table[X86_OP_MOVSX] = op_movsx;
    table[X86_OP_MOVSXD] = op_movsxd;
    table[X86_OP_MOVBE] = op_movbe;
    table[X86_OP_LEA] = op_lea;
    table[X86_OP_XLAT] = op_xlat;
    table[X86_OP_XCHG] = op_xchg;
    table[X86_OP_XADD] = op_xadd;
    table[X86_OP_CMPXCHG] = op_cmpxchg;
    table[X86_OP_CMPXCHG8B] = op_cmpxchg8b;
    table[X86_OP_CMOVCC] = op_cmovcc;
    table[X86_OP_SETCC] = op_setcc;
    table[X86_OP_PUSH] = op_push;
    table[X86_OP_POP] = op_pop;
    table[X86_OP_PUSHA] = op_pusha;
    table[X86_OP_POPA] = op_popa;
    table[X86_OP_PUSHF] = op_pushf;
    table[X86_OP_POPF] = op_popf;
    table[X86_OP_ENTER] = op_enter;
    table[X86_OP_LEAVE] = op_leave;
}
