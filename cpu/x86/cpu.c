/* X86Cpu life cycle and the state derived from X86State. */
#include "cpu/x86/cpu.h"
#include "cpu/x86/exec.h"

void x86_cpu_init(X86Cpu *cpu, AddressSpace *mem, AddressSpace *io)
{
    memset(cpu, 0, sizeof(*cpu));
    x86_handlers();   /* build the dispatch tables before anything executes */
    cpu->mem = mem;
    cpu->io = io;
    cpu->delivering_vector = -1;
    cpu->last_exception = -1;
    tlb_init(&cpu->tlb);
    x86_state_reset(&cpu->s);
    x86_cpu_mode_changed(cpu);
}

void x86_cpu_set_state(X86Cpu *cpu, const X86State *s)
{
    cpu->s = *s;
    x86_tsc_write(cpu, s->msr.tsc);
    tlb_flush_all(&cpu->tlb);
    x86_cpu_mode_changed(cpu);
}

void x86_cpu_mode_changed(X86Cpu *cpu)
{
    X86State *s = &cpu->s;
    MmuRegs old = cpu->mmu;

    if (!(s->cr0 & X86_CR0_PE)) {
        cpu->cpl = 0;
    } else if (s->rflags & X86_FLAG_VM) {
        cpu->cpl = 3;
    } else {
        cpu->cpl = s->segs[SEG_CS].selector & 3;
    }
    cpu->mode64 = (s->msr.efer & X86_EFER_LMA) && s->segs[SEG_CS].l;
    if (cpu->mode64) {
        cpu->code_bits = 64;
        cpu->stack_bits = 64;
    } else {
        cpu->code_bits = s->segs[SEG_CS].db ? 32 : 16;
        cpu->stack_bits = s->segs[SEG_SS].db ? 32 : 16;
    }
    cpu->mmu = (MmuRegs){ .cr0 = s->cr0, .cr3 = s->cr3, .cr4 = s->cr4, .efer = s->msr.efer };
    /* SDM vol. 3A 4.10.4.1: paging-mode changes invalidate every translation. */
    const uint64_t cr0_bits = X86_CR0_PG | X86_CR0_WP | X86_CR0_PE;
    const uint64_t cr4_bits = X86_CR4_PSE | X86_CR4_PAE | X86_CR4_PGE | X86_CR4_SMEP |
                              X86_CR4_SMAP | X86_CR4_PCIDE;
    if (((old.cr0 ^ s->cr0) & cr0_bits) || ((old.cr4 ^ s->cr4) & cr4_bits) ||
        ((old.efer ^ s->msr.efer) & (X86_EFER_NXE | X86_EFER_LMA))) {
        tlb_flush_all(&cpu->tlb);
    }
    cpu->end_block = true;
}
