/* Virtual-8086 mode (SDM vol. 3A chapter 20): IRET into it from CPL0, and IRET inside it. */
#include "cpu/x86/farcall.h"

/*
 * Where virtual-8086 mode lives in tandem:
 *  - entering: a 32-bit IRET at CPL0 whose EFLAGS image has VM (here), or
 *    a task switch to a TSS whose EFLAGS has VM (task.c);
 *  - inside: CPL is 3 (cpu.c); segment registers load as in real mode with
 *    64 KiB limits and DPL 3 (seg.c); the IOPL-sensitive instructions fault
 *    with #GP(0) when IOPL < 3: CLI, STI (system.c), PUSHF, POPF (data.c),
 *    INT n (farcall.c), IRET (here); IN, OUT, INS, OUTS always consult the
 *    TSS's I/O permission bitmap (misc.c);
 *  - leaving: an interrupt or exception goes through an interrupt or trap
 *    gate to a DPL-0 handler, which gets GS, FS, DS, ES on its stack above
 *    the usual frame and null data segment registers (exception.c); or
 *    through a task gate to another task (task.c).
 * The virtual-mode extensions (CR4.VME, SDM 20.3): INT n consults the TSS's
 * software interrupt redirection bitmap and may go straight to the 8086
 * program's own interrupt table (here); at IOPL < 3, CLI/STI (system.c),
 * PUSHF/POPF (data.c) and a 16-bit IRET (here) work on VIF instead of IF.
 * Not modelled: the #GP the SDM describes when VIF and VIP are both found
 * set at the start of an instruction (entering through IRET or a task
 * switch with both set); instructions that would set both fault instead.
 */

static unsigned iopl(const X86Cpu *cpu)
{
    return (cpu->s.rflags >> 12) & 3;
}

static uint64_t stack_mask(const X86Cpu *cpu)
{
    return cpu->stack_bits == 32 ? 0xffffffffull : 0xffffull;
}

/* Item i (of `size` bytes) of the frame at SS:ESP, without popping it. */
static uint32_t frame_item(X86Cpu *cpu, unsigned i, unsigned size)
{
    uint64_t off = (cpu->s.regs[R_ESP] + (uint64_t)i * size) & stack_mask(cpu);
    return x86_read(cpu, SEG_SS, off, size);
}

static void release_frame(X86Cpu *cpu, unsigned bytes)
{
    uint64_t mask = stack_mask(cpu), esp = cpu->s.regs[R_ESP];
    cpu->s.regs[R_ESP] = (esp & ~mask) | ((esp + bytes) & mask);
}

/*
 * IRET at IOPL < 3 with CR4.VME and a 16-bit operand size (SDM vol. 2
 * IRET): FLAGS' IF goes to VIF; #GP(0) if that would set VIF while VIP is
 * set, or if the image has TF.  IF and IOPL stay.
 */
static void vme_iret(X86Cpu *cpu)
{
    uint16_t ip = frame_item(cpu, 0, 2);
    uint16_t cs = frame_item(cpu, 1, 2);
    uint16_t flags = frame_item(cpu, 2, 2);
    if ((flags & X86_FLAG_TF) || ((flags & X86_FLAG_IF) && (cpu->s.rflags & X86_FLAG_VIP))) {
        x86_raise_gp0(cpu);
    }
    uint64_t changeable = X86_EFLAGS_DEFINED & 0xffff & ~(uint64_t)(X86_FLAG_IF | X86_FLAG_IOPL);
    release_frame(cpu, 6);
    uint64_t rflags = (cpu->s.rflags & ~changeable) | (flags & changeable);
    rflags &= ~(uint64_t)X86_FLAG_VIF;
    if (flags & X86_FLAG_IF) {
        rflags |= X86_FLAG_VIF;
    }
    cpu->s.rflags = rflags | X86_FLAG_FIXED;
    x86_load_segment_real(cpu, SEG_CS, cs);
    cpu->s.events.nmi_masked = 0;
    cpu->next_rip = ip;
}

void x86_vm86_iret(X86Cpu *cpu, unsigned size)
{
    /* SDM vol. 2 IRET, RETURN-FROM-VIRTUAL-8086-MODE: IOPL < 3 traps to the monitor. */
    if (iopl(cpu) < 3) {
        if (size != 2 || !(cpu->s.cr4 & X86_CR4_VME)) {
            x86_raise_gp0(cpu);
        }
        vme_iret(cpu);
        return;
    }
    uint32_t eip = frame_item(cpu, 0, size);
    uint16_t cs = frame_item(cpu, 1, size);
    uint32_t flags = frame_item(cpu, 2, size);
    if (eip > cpu->s.segs[SEG_CS].limit) {
        x86_raise_gp0(cpu);
    }
    /* A 32-bit pop keeps VM, IOPL, VIP and VIF; a 16-bit one changes bits 15:0 but IOPL. */
    uint64_t changeable = size == 4 ? X86_EFLAGS_DEFINED & ~(uint64_t)(X86_FLAG_VM | X86_FLAG_IOPL |
                                                                     X86_FLAG_VIP | X86_FLAG_VIF)
                                    : X86_EFLAGS_DEFINED & 0xffff & ~(uint64_t)X86_FLAG_IOPL;
    release_frame(cpu, 3 * size);
    cpu->s.rflags = (cpu->s.rflags & ~changeable) | (flags & changeable) | X86_FLAG_FIXED;
    x86_load_segment_real(cpu, SEG_CS, cs);
    cpu->s.events.nmi_masked = 0;
    cpu->next_rip = eip;
}

void x86_iret_to_vm86(X86Cpu *cpu)
{
    /*
     * SDM vol. 2 IRET, RETURN-TO-VIRTUAL-8086-MODE: EIP, CS, EFLAGS, ESP,
     * SS, ES, DS, FS, GS, each a dword (selectors in the low word); every
     * read is made before anything changes.
     */
    enum { EIP, CS, EFLAGS, ESP, SS, ES, DS, FS, GS, FRAME_ITEMS };
    uint32_t v[FRAME_ITEMS];
    for (int i = 0; i < FRAME_ITEMS; i++) {
        v[i] = frame_item(cpu, i, 4);
    }
    if (v[EIP] > 0xffff) {
        x86_raise_gp0(cpu);   /* beyond the 64 KiB virtual-8086 code segment */
    }
    X86State *s = &cpu->s;
    s->rflags = (v[EFLAGS] & X86_EFLAGS_DEFINED) | X86_FLAG_FIXED;
    x86_load_segment_real(cpu, SEG_CS, v[CS]);
    x86_load_segment_real(cpu, SEG_SS, v[SS]);
    x86_load_segment_real(cpu, SEG_ES, v[ES]);
    x86_load_segment_real(cpu, SEG_DS, v[DS]);
    x86_load_segment_real(cpu, SEG_FS, v[FS]);
    x86_load_segment_real(cpu, SEG_GS, v[GS]);
    s->regs[R_ESP] = v[ESP];
    s->events.nmi_masked = 0;
    cpu->next_rip = v[EIP];
}

/*
 * Bit `vector` of the software interrupt redirection bitmap: the 32 bytes
 * below the I/O map base in a 32-bit TSS (SDM vol. 3A 20.3.3.4, figure
 * 20-5).  #GP(0) if the TSS cannot hold it.
 */
static bool redirect_bit(X86Cpu *cpu, uint8_t vector)
{
    const X86Segment *tr = &cpu->s.tr;
    if (tr->unusable || !(tr->type & 8) || tr->limit < 103) {
        x86_raise_gp0(cpu);
    }
    int64_t offset = (int64_t)x86_read_system(cpu, tr->base + 102, 2) - 32 + vector / 8;
    if (offset < 0 || offset > tr->limit) {
        x86_raise_gp0(cpu);
    }
    uint8_t bits = x86_read_system(cpu, tr->base + offset, 1);
    return (bits >> (vector & 7)) & 1;
}

bool x86_vm86_soft_int(X86Cpu *cpu, uint8_t vector)
{
    /* SDM vol. 3A 20.3.3, table 20-2: methods 3 to 6 (CR4.VME = 1). */
    bool iopl3 = iopl(cpu) == 3;
    if (redirect_bit(cpu, vector)) {
        if (!iopl3) {
            x86_raise_gp0(cpu);     /* method 3: to the monitor */
        }
        return false;               /* method 4: the protected-mode handler */
    }
    /* Methods 5 and 6: the 8086 program's interrupt table at linear 0, as in real mode. */
    X86State *s = &cpu->s;
    uint32_t entry = x86_read_linear(cpu, (uint32_t)vector * 4, 4, x86_mmu_idx(cpu));
    uint16_t flags = s->rflags;
    if (!iopl3) {
        /* Method 6: the image shows IOPL 3 and VIF as IF. */
        flags = (flags & ~X86_FLAG_IF) | X86_FLAG_IOPL | ((s->rflags & X86_FLAG_VIF) ? X86_FLAG_IF : 0);
    }
    uint16_t frame[3] = { cpu->next_rip, s->segs[SEG_CS].selector, flags };
    uint32_t sp = s->regs[R_ESP] & 0xffff;
    for (int i = 0; i < 3; i++) {
        x86_probe_write(cpu, SEG_SS, (sp - 2 * (3 - i)) & 0xffff, 2);
    }
    for (int i = 0; i < 3; i++) {
        x86_write(cpu, SEG_SS, (sp - 2 * (3 - i)) & 0xffff, frame[i], 2);
    }
    s->regs[R_ESP] = (s->regs[R_ESP] & ~0xffffull) | ((sp - 6) & 0xffff);
    s->rflags &= ~(uint64_t)(X86_FLAG_TF | (iopl3 ? X86_FLAG_IF : X86_FLAG_VIF));
    x86_load_segment_real(cpu, SEG_CS, entry >> 16);
    cpu->next_rip = entry & 0xffff;
    return true;
}
