/* Miscellaneous user-level instructions: port I/O, CPUID, RDTSC(P), RDRAND/RDSEED, RDPID, HLT, hints and fences. */
#include <errno.h>
#include <sys/random.h>

#include "cpu/x86/cpuid.h"
#include "cpu/x86/exec.h"
#include "cpu/x86/ioport.h"
#include "hw/machine.h"
#include "ui/log.h"

/*
 * Where the SDM makes an instruction depend on CPUID (RDRAND, RDSEED,
 * RDTSCP, RDPID, CLWB), it raises #UD unless cpu->cpuid advertises it, as a
 * CPU without the feature does; CPUID itself answers from that table.
 */

static bool has_feature(const X86Cpu *cpu, const char *name)
{
    return cpu->cpuid && x86_cpuid_has_feature(cpu->cpuid, name);
}

static void require_feature(X86Cpu *cpu, const char *name)
{
    if (!has_feature(cpu, name)) {
        x86_raise_ud(cpu);
    }
}

/* ---- port I/O ---- */

static int iopl_of(const X86Cpu *cpu)
{
    return (cpu->s.rflags & X86_FLAG_IOPL) >> 12;
}

/* Reads of the TSS are supervisor-implicit accesses (SDM vol. 3A 4.6). */
static uint16_t tss_read16(X86Cpu *cpu, uint32_t offset)
{
    return x86_read_system(cpu, cpu->s.tr.base + offset, 2);
}

/*
 * SDM vol. 1 19.5.2: the bitmap starts at the 16-bit offset at TSS+102;
 * the CPU reads the two bitmap bytes holding the port's first bit, and any
 * of them beyond TR's limit, a set bit for any port of the access, or a TSS
 * that has no bitmap (16-bit, too short) means #GP(0).
 */
void x86_io_check(X86Cpu *cpu, uint16_t port, unsigned size)
{
    bool vm86 = (cpu->s.rflags & X86_FLAG_VM) != 0;
    if (!(cpu->s.cr0 & X86_CR0_PE) || (!vm86 && cpu->cpl <= iopl_of(cpu))) {
        return;
    }
    const X86Segment *tr = &cpu->s.tr;
    bool tss32 = tr->type == 9 || tr->type == 0xb;   /* 32-bit, or 64-bit in IA-32e mode */
    if (tr->unusable || !tr->present || !tss32 || tr->limit < 103) {
        x86_raise_gp0(cpu);
    }
    uint32_t offset = tss_read16(cpu, 102) + port / 8u;
    if (offset + 1 > tr->limit) {
        x86_raise_gp0(cpu);
    }
    uint16_t bits = tss_read16(cpu, offset);
    if ((bits >> (port & 7)) & ((1u << size) - 1)) {
        x86_raise_gp0(cpu);
    }
}

uint32_t x86_io_in(X86Cpu *cpu, uint16_t port, unsigned size)
{
    machine_lock();
    uint32_t v = address_space_read(cpu->io, port, size);
    machine_unlock();
    log_mask(LOG_IOPORT, "in%c 0x%04x -> 0x%x\n", "bw?l"[size - 1], port, v);
    return v;
}

/*
 * A write may change what the loop must look at next (an interrupt
 * unmasked or acknowledged at the PIC, a memory remap): end the block.
 */
void x86_io_out(X86Cpu *cpu, uint16_t port, uint32_t value, unsigned size)
{
    log_mask(LOG_IOPORT, "out%c 0x%04x <- 0x%x\n", "bw?l"[size - 1], port, value);
    machine_lock();
    address_space_write(cpu->io, port, value, size);
    machine_unlock();
    cpu->end_block = true;
}

/* The port of IN/OUT operand i: imm8 (zero-extended) or DX. */
static uint16_t port_operand(X86Cpu *cpu, const X86Insn *insn, int i)
{
    if (x86_insn_row(insn)->operand[i] == X86_OPK_Ib) {
        return (uint64_t)insn->imm & 0xff;
    }
    return cpu->s.regs[R_EDX] & 0xffff;
}

/* IN AL/eAX, imm8/DX (SDM vol. 2A IN): the check first, then the device. */
static void op_in(X86Cpu *cpu, const X86Insn *insn)
{
    unsigned size = x86_opnd_size(insn, 0);
    uint16_t port = port_operand(cpu, insn, 1);
    x86_io_check(cpu, port, size);
    x86_opnd_write(cpu, insn, 0, x86_io_in(cpu, port, size));
}

static void op_out(X86Cpu *cpu, const X86Insn *insn)
{
    unsigned size = x86_opnd_size(insn, 1);
    uint16_t port = port_operand(cpu, insn, 0);
    uint32_t value = x86_opnd_read(cpu, insn, 1);
    x86_io_check(cpu, port, size);
    x86_io_out(cpu, port, value, size);
}

/* ---- identification and time ---- */

#define CPUID_1_ECX_XSAVE (1u << 26)
#define CPUID_1_ECX_OSXSAVE (1u << 27)
#define CPUID_7_ECX_OSPKE (1u << 4)
#define X86_CR4_PKE (1u << 22)

/*
 * XSAVE area size for the components enabled in XCR0 (leaf 0DH sub-leaf 0
 * EBX, SDM vol. 1 13.2): the legacy area and header, then each enabled
 * component's offset + size from its own sub-leaf.
 */
static uint32_t xsave_enabled_size(const X86Cpu *cpu)
{
    uint32_t size = 576;
    for (uint32_t i = 2; i < 63; i++) {
        if (!(cpu->s.xcr0 & (1ull << i))) {
            continue;
        }
        const X86CpuidEntry *e = x86_cpuid_find(cpu->cpuid, 0xd, i);
        if (e && e->eax + e->ebx > size) {
            size = e->eax + e->ebx;
        }
    }
    return size;
}

/*
 * The bits of CPUID that follow the CPU's state rather than its model: OSXSAVE
 * mirrors CR4.OSXSAVE, OSPKE mirrors CR4.PKE, and leaf 0DH.0 EBX follows XCR0.
 */
static void cpuid_dynamic_bits(const X86Cpu *cpu, uint32_t fn, uint32_t index, uint32_t r[4])
{
    if (fn == 1) {
        r[2] &= ~CPUID_1_ECX_OSXSAVE;
        if ((r[2] & CPUID_1_ECX_XSAVE) && (cpu->s.cr4 & X86_CR4_OSXSAVE)) {
            r[2] |= CPUID_1_ECX_OSXSAVE;
        }
    } else if (fn == 7 && index == 0) {
        r[2] &= ~CPUID_7_ECX_OSPKE;
        if (cpu->s.cr4 & X86_CR4_PKE) {
            r[2] |= CPUID_7_ECX_OSPKE;
        }
    } else if (fn == 0xd && index == 0 && (r[0] | r[3])) {
        r[1] = xsave_enabled_size(cpu);
    }
}

/* The leaf whose data CPUID returns for `fn`: x86_cpuid_query()'s range rule (Intel's). */
static uint32_t effective_leaf(const X86Cpuid *t, uint32_t fn)
{
    const X86CpuidEntry *basic = x86_cpuid_find(t, 0, 0);
    const X86CpuidEntry *ext = x86_cpuid_find(t, 0x80000000, 0);
    uint32_t max_basic = basic ? basic->eax : 0;
    if (fn >= 0x80000000) {
        return ext && fn <= ext->eax ? fn : max_basic;
    }
    if (fn >= 0x40000000) {
        return fn;
    }
    return fn <= max_basic ? fn : max_basic;
}

/* CPUID (SDM vol. 2A): EAX = leaf, ECX = sub-leaf; 32-bit results zero-extend. */
static void op_cpuid(X86Cpu *cpu, const X86Insn *insn)
{
    (void)insn;
    uint32_t fn = cpu->s.regs[R_EAX], index = cpu->s.regs[R_ECX];
    uint32_t r[4] = { 0, 0, 0, 0 };
    if (cpu->cpuid) {
        x86_cpuid_query(cpu->cpuid, fn, index, r);
        cpuid_dynamic_bits(cpu, effective_leaf(cpu->cpuid, fn), index, r);
    }
    cpu->s.regs[R_EAX] = r[0];
    cpu->s.regs[R_EBX] = r[1];
    cpu->s.regs[R_ECX] = r[2];
    cpu->s.regs[R_EDX] = r[3];
}

/* RDTSC and RDTSCP fault at CPL > 0 when CR4.TSD is set (SDM vol. 2B RDTSC). */
static void check_tsd(X86Cpu *cpu)
{
    if ((cpu->s.cr4 & X86_CR4_TSD) && cpu->cpl > 0) {
        x86_raise_gp0(cpu);
    }
}

static void set_edx_eax(X86Cpu *cpu, uint64_t v)
{
    cpu->s.regs[R_EAX] = (uint32_t)v;
    cpu->s.regs[R_EDX] = v >> 32;
}

static void op_rdtsc(X86Cpu *cpu, const X86Insn *insn)
{
    (void)insn;
    check_tsd(cpu);
    set_edx_eax(cpu, x86_tsc_read(cpu));
}

static void op_rdtscp(X86Cpu *cpu, const X86Insn *insn)
{
    (void)insn;
    require_feature(cpu, "rdtscp");
    check_tsd(cpu);
    set_edx_eax(cpu, x86_tsc_read(cpu));
    cpu->s.regs[R_ECX] = (uint32_t)cpu->s.msr.tsc_aux;
}

/* RDPID: IA32_TSC_AUX into a 64-bit register in 64-bit mode, else a 32-bit one. */
static void op_rdpid(X86Cpu *cpu, const X86Insn *insn)
{
    require_feature(cpu, "rdpid");
    unsigned size = cpu->mode64 ? 8 : 4;
    x86_reg_set(cpu, insn->rm, size, x86_insn_rex(insn), (uint32_t)cpu->s.msr.tsc_aux);
}

/*
 * RDRAND/RDSEED (SDM vol. 2B): the host's getrandom() is the entropy source.
 * CF=1 and a value on success; CF=0 and a zero destination when none is
 * ready (the host pool not initialised yet); OF SF ZF AF PF are cleared.
 */
static void random_into_register(X86Cpu *cpu, const X86Insn *insn)
{
    unsigned size = insn->opsize;
    uint64_t v = 0;
    ssize_t n;
    do {
        n = getrandom(&v, size, GRND_NONBLOCK);
    } while (n < 0 && errno == EINTR);
    bool ok = n == (ssize_t)size;
    if (!ok) {
        v = 0;
    }
    x86_reg_set(cpu, insn->rm, size, x86_insn_rex(insn), v);
    cpu->s.rflags &= ~(uint64_t)(X86_FLAG_CF | X86_FLAG_PF | X86_FLAG_AF | X86_FLAG_ZF |
                                 X86_FLAG_SF | X86_FLAG_OF);
    if (ok) {
        cpu->s.rflags |= X86_FLAG_CF;
    }
}

static void op_rdrand(X86Cpu *cpu, const X86Insn *insn)
{
    require_feature(cpu, "rdrand");
    random_into_register(cpu, insn);
}

static void op_rdseed(X86Cpu *cpu, const X86Insn *insn)
{
    require_feature(cpu, "rdseed");
    random_into_register(cpu, insn);
}

/* ---- HLT, hints, fences, UD ---- */

/* HLT: privileged; the CPU stops after it (RIP past the HLT) until an interrupt. */
static void op_hlt(X86Cpu *cpu, const X86Insn *insn)
{
    (void)insn;
    if (cpu->cpl > 0) {
        x86_raise_gp0(cpu);
    }
    cpu->stop = X86_STOP_HLT;
}

/* NOP, hint NOPs (0F 18-1F, which never access memory), ENDBR, PREFETCHh, LFENCE, SFENCE. */
static void op_nop(X86Cpu *cpu, const X86Insn *insn)
{
    (void)cpu;
    (void)insn;
}

/* PAUSE: a spin-wait hint; pass it on so a spinning vCPU thread yields the core's pipeline. */
static void op_pause(X86Cpu *cpu, const X86Insn *insn)
{
    (void)cpu;
    (void)insn;
    __builtin_ia32_pause();
}

/* MFENCE orders the vCPU thread's earlier stores before its later loads, as on the host. */
static void op_mfence(X86Cpu *cpu, const X86Insn *insn)
{
    (void)cpu;
    (void)insn;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/*
 * CLFLUSH, CLFLUSHOPT, CLWB: no cache to manage, but the line's address is
 * checked like a byte load (segment, canonical form, page permissions) so
 * the faults are the hardware's.  The page is walked, not read: an MMIO
 * line must not see a read.
 */
static void cache_line_operand(X86Cpu *cpu, const X86Insn *insn)
{
    uint64_t la = x86_linear(cpu, insn->seg, x86_insn_ea(cpu, insn), 1, MMU_READ);
    MmuResult r;
    uint32_t pf;
    if (!mmu_walk(cpu->mem, &cpu->mmu, la, MMU_READ, x86_mmu_idx(cpu), &r, &pf)) {
        x86_raise_pf(cpu, la, pf);
    }
}

static void op_clflush(X86Cpu *cpu, const X86Insn *insn)
{
    cache_line_operand(cpu, insn);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/* CLWB's encoding is #UD on CPUs without it; CLFLUSHOPT's runs as CLFLUSH there. */
static void op_clwb(X86Cpu *cpu, const X86Insn *insn)
{
    require_feature(cpu, "clwb");
    cache_line_operand(cpu, insn);
}

static void op_ud(X86Cpu *cpu, const X86Insn *insn)
{
    (void)insn;
    x86_raise_ud(cpu);
}

void x86_register_misc(X86Handler *table)
{
    table[X86_OP_IN] = op_in;
    table[X86_OP_OUT] = op_out;
    table[X86_OP_CPUID] = op_cpuid;
    table[X86_OP_RDTSC] = op_rdtsc;
    table[X86_OP_RDTSCP] = op_rdtscp;
    table[X86_OP_RDPID] = op_rdpid;
    table[X86_OP_RDRAND] = op_rdrand;
    table[X86_OP_RDSEED] = op_rdseed;
    table[X86_OP_HLT] = op_hlt;
    table[X86_OP_NOP] = op_nop;
    table[X86_OP_ENDBR32] = op_nop;
    table[X86_OP_ENDBR64] = op_nop;
    table[X86_OP_PREFETCHNTA] = op_nop;
    table[X86_OP_PREFETCHT0] = op_nop;
    table[X86_OP_PREFETCHT1] = op_nop;
    table[X86_OP_PREFETCHT2] = op_nop;
    table[X86_OP_PREFETCHW] = op_nop;
    table[X86_OP_LFENCE] = op_nop;
    table[X86_OP_SFENCE] = op_nop;
    table[X86_OP_PAUSE] = op_pause;
    table[X86_OP_MFENCE] = op_mfence;
    table[X86_OP_CLFLUSH] = op_clflush;
    table[X86_OP_CLFLUSHOPT] = op_clflush;
    table[X86_OP_CLWB] = op_clwb;
    table[X86_OP_UD0] = op_ud;
    table[X86_OP_UD1] = op_ud;
    table[X86_OP_UD2] = op_ud;
}
