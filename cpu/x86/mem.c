/* Guest memory as the software CPU sees it: segmentation, the TLB slow path, fetch, stack. */
#include "cpu/x86/cpu.h"

#include "hw/machine.h"
#include "ui/log.h"

static bool is_canonical(uint64_t la)
{
    return (uint64_t)((int64_t)(la << 16) >> 16) == la;
}

static bool is_code_page(const X86Cpu *cpu, uint64_t gpa)
{
    uint64_t page = gpa >> MMU_PAGE_BITS;
    return cpu->code_pages && page < cpu->code_pages_limit &&
           (cpu->code_pages[page >> 3] & (1u << (page & 7)));
}

/* Walk, fault or fill the TLB; returns the guest-physical address of la. */
static uint64_t translate(X86Cpu *cpu, uint64_t la, MmuAccess kind, int mmu_idx)
{
    MmuResult r;
    uint32_t pf;
    cpu->tlb.count.misses++;
    cpu->tlb.count.walks++;
    static const char *const kind_names[] = { "read", "write", "fetch" };
    if (!mmu_walk(cpu->mem, &cpu->mmu, la, kind, mmu_idx, &r, &pf)) {
        cpu->tlb.count.faults++;
        log_mask(LOG_MMU, "mmu: walk %s 0x%llx (idx %d): #PF error 0x%x\n", kind_names[kind],
                 (unsigned long long)la, mmu_idx, pf);
        x86_raise_pf(cpu, la, pf);
    }
    log_mask(LOG_MMU, "mmu: walk %s 0x%llx (idx %d) -> 0x%llx, %u-bit page%s\n", kind_names[kind],
             (unsigned long long)la, mmu_idx, (unsigned long long)r.gpa, r.page_bits,
             r.global ? ", global" : "");
    uint8_t *host = address_space_ram_ptr(cpu->mem, r.gpa & MMU_PAGE_MASK, MMU_PAGE_SIZE);
    tlb_fill(&cpu->tlb, mmu_idx, la, &r, host, kind, !is_code_page(cpu, r.gpa));
    return r.gpa;
}

/* translate(), unless the TLB already holds the page for this kind of access. */
static uint64_t translate_cached(X86Cpu *cpu, uint64_t la, MmuAccess kind, int mmu_idx)
{
    const TlbEntry *e = tlb_entry(&cpu->tlb, mmu_idx, la);
    if (e->tag[kind] == (la & MMU_PAGE_MASK)) {
        cpu->tlb.count.hits++;
        return e->gpa | (la & ~MMU_PAGE_MASK);
    }
    return translate(cpu, la, kind, mmu_idx);
}

static uint64_t read_phys(X86Cpu *cpu, uint64_t gpa, unsigned size)
{
    uint8_t *p = address_space_ram_ptr(cpu->mem, gpa, size);
    if (p) {
        uint64_t v = 0;
        memcpy(&v, p, size);
        return v;
    }
    machine_lock();
    uint64_t v = address_space_read(cpu->mem, gpa, size);
    machine_unlock();
    return v;
}

static void write_phys(X86Cpu *cpu, uint64_t gpa, uint64_t value, unsigned size)
{
    uint8_t *p = address_space_ram_ptr(cpu->mem, gpa, size);
    if (p) {
        memcpy(p, &value, size);
        if (is_code_page(cpu, gpa) && cpu->code_written) {
            cpu->code_written(cpu, gpa, size);
        }
        return;
    }
    machine_lock();
    address_space_write(cpu->mem, gpa, value, size);
    machine_unlock();
    cpu->irq_check = 1;   /* a device or the LAPIC (EOI) may now have an interrupt for us */
}

uint64_t x86_read_slow(X86Cpu *cpu, uint64_t la, unsigned size, MmuAccess kind, int mmu_idx)
{
    unsigned first = MMU_PAGE_SIZE - (la & ~MMU_PAGE_MASK);
    if (first >= size) {
        return read_phys(cpu, translate(cpu, la, kind, mmu_idx), size);
    }
    /* Crossing a page: both halves are translated before either is read. */
    uint64_t la2 = cpu->mode64 ? la + first : (uint32_t)(la + first);
    uint64_t gpa1 = translate_cached(cpu, la, kind, mmu_idx);
    uint64_t gpa2 = translate_cached(cpu, la2, kind, mmu_idx);
    uint64_t lo = read_phys(cpu, gpa1, first);
    uint64_t hi = read_phys(cpu, gpa2, size - first);
    return lo | (hi << (8 * first));
}

void x86_write_slow(X86Cpu *cpu, uint64_t la, uint64_t value, unsigned size, int mmu_idx)
{
    unsigned first = MMU_PAGE_SIZE - (la & ~MMU_PAGE_MASK);
    if (first >= size) {
        write_phys(cpu, translate(cpu, la, MMU_WRITE, mmu_idx), value, size);
        return;
    }
    uint64_t la2 = cpu->mode64 ? la + first : (uint32_t)(la + first);
    uint64_t gpa1 = translate_cached(cpu, la, MMU_WRITE, mmu_idx);
    uint64_t gpa2 = translate_cached(cpu, la2, MMU_WRITE, mmu_idx);
    write_phys(cpu, gpa1, value, first);
    write_phys(cpu, gpa2, value >> (8 * first), size - first);
}

/* SDM vol. 3A 5.3 (limits), 5.4.1/3.4.5.1 (types): checks outside 64-bit mode. */
static void check_segment(X86Cpu *cpu, int seg, const X86Segment *sg, uint64_t offset,
                          unsigned size, MmuAccess kind)
{
    int vector = seg == SEG_SS ? X86_EXC_SS : X86_EXC_GP;
    bool protected_mode = (cpu->s.cr0 & X86_CR0_PE) && !(cpu->s.rflags & X86_FLAG_VM);

    if (protected_mode) {
        if (sg->unusable || !sg->present) {
            x86_raise(cpu, vector, 0);
        }
        bool code = (sg->type & 8) != 0;
        if (kind == MMU_WRITE && (code || !(sg->type & 2))) {
            x86_raise(cpu, vector, 0);
        }
        if (kind == MMU_READ && code && !(sg->type & 2)) {
            x86_raise(cpu, vector, 0);
        }
    }
    uint64_t last = offset + size - 1;
    bool expand_down = !(sg->type & 8) && (sg->type & 4);
    if (expand_down) {
        uint64_t upper = sg->db ? 0xffffffffull : 0xffffull;
        if (offset <= sg->limit || last > upper) {
            x86_raise(cpu, vector, 0);
        }
    } else if (last > sg->limit || last < offset) {
        x86_raise(cpu, vector, 0);
    }
}

/*
 * The alignment #AC checks for an access of `size` bytes (SDM vol. 3A 6.15,
 * table 6-7), 1 where there is none.  Sizes name the data type: 10 is an
 * extended real (8), 14/94 and 28/108 the 16- and 32-bit x87 environment and
 * state images (2 and 4).  16-byte operands: see check_ac16().
 */
static uint64_t ac_alignment(unsigned size)
{
    switch (size) {
    case 2: case 4: case 8: return size;
    case 10: return 8;
    case 14: case 94: return 2;
    case 28: case 108: return 4;
    default: return 1;
    }
}

static bool alignment_checking(const X86Cpu *cpu)
{
    return cpu->cpl == 3 && (cpu->s.cr0 & X86_CR0_AM) && (cpu->s.rflags & X86_FLAG_AC);
}

/*
 * A 16-byte SSE operand that may be unaligned (MOVUPS, MOVDQU, LDDQU) gets
 * #AC on AMD when it is not 16-byte aligned (found by tandem-difftest at
 * 8-aligned addresses on an EPYC); Intel does not check it.  Checked in the
 * byte-string accesses, after the #GP that the aligned forms raise through
 * x86_linear() first.
 */
static void check_ac16(X86Cpu *cpu, uint64_t la, unsigned len)
{
    if (len == 16 && cpu->vendor_amd && alignment_checking(cpu) && (la & 15)) {
        x86_raise(cpu, X86_EXC_AC, 0);
    }
}

uint64_t x86_linear_checked(X86Cpu *cpu, int seg, uint64_t offset, unsigned size, MmuAccess kind)
{
    const X86Segment *sg = &cpu->s.segs[seg];
    uint64_t la;
    if (cpu->mode64) {
        la = offset + (seg >= SEG_FS ? sg->base : 0);
        /*
         * AMD also checks the effective address before the FS or GS base is
         * added: gs:[0x7fffffffffff] of two bytes is #GP even where the
         * linear address is canonical (found by tandem-difftest; natively
         * on an EPYC, also a non-canonical offset with a canonical sum).
         */
        bool offset_bad = cpu->vendor_amd && seg >= SEG_FS &&
                          (!is_canonical(offset) || !is_canonical(offset + size - 1));
        if (offset_bad || !is_canonical(la) || !is_canonical(la + size - 1)) {
            x86_raise(cpu, seg == SEG_SS ? X86_EXC_SS : X86_EXC_GP, 0);
        }
    } else {
        check_segment(cpu, seg, sg, offset, size, kind);
        la = (uint32_t)(sg->base + offset);
    }
    /* SDM vol. 3A 6.15 #AC: CPL3, CR0.AM and EFLAGS.AC, a misaligned operand. */
    if (alignment_checking(cpu) && (la & (ac_alignment(size) - 1))) {
        x86_raise(cpu, X86_EXC_AC, 0);
    }
    return la;
}

/* Next linear address, wrapping at 4 GiB outside 64-bit mode. */
static uint64_t la_add(const X86Cpu *cpu, uint64_t la, uint64_t n)
{
    return cpu->mode64 ? la + n : (uint32_t)(la + n);
}

void x86_read_bytes(X86Cpu *cpu, int seg, uint64_t offset, void *buf, unsigned len)
{
    uint64_t la = x86_linear(cpu, seg, offset, len, MMU_READ);
    check_ac16(cpu, la, len);
    int idx = x86_mmu_idx(cpu);
    uint8_t *out = buf;
    while (len > 0) {
        unsigned n = MMU_PAGE_SIZE - (la & ~MMU_PAGE_MASK);
        n = n < len ? n : len;
        uint64_t gpa = translate_cached(cpu, la, MMU_READ, idx);
        uint8_t *p = address_space_ram_ptr(cpu->mem, gpa, n);
        if (p) {
            memcpy(out, p, n);
        } else {
            for (unsigned i = 0; i < n; i++) {
                out[i] = read_phys(cpu, gpa + i, 1);
            }
        }
        out += n;
        len -= n;
        la = la_add(cpu, la, n);
    }
}

void x86_probe_write(X86Cpu *cpu, int seg, uint64_t offset, unsigned len)
{
    uint64_t la = x86_linear(cpu, seg, offset, len, MMU_WRITE);
    check_ac16(cpu, la, len);
    int idx = x86_mmu_idx(cpu);
    uint64_t end = la_add(cpu, la, len - 1);
    translate_cached(cpu, la, MMU_WRITE, idx);
    if ((end & MMU_PAGE_MASK) != (la & MMU_PAGE_MASK)) {
        /*
         * Operands here are at most 512 bytes: two pages at most.  A fault on
         * the second page reports its first byte in CR2, as the hardware does.
         */
        translate_cached(cpu, end & MMU_PAGE_MASK, MMU_WRITE, idx);
    }
}

void x86_write_bytes(X86Cpu *cpu, int seg, uint64_t offset, const void *buf, unsigned len)
{
    x86_probe_write(cpu, seg, offset, len);
    uint64_t la = x86_linear(cpu, seg, offset, len, MMU_WRITE);
    int idx = x86_mmu_idx(cpu);
    const uint8_t *in = buf;
    while (len > 0) {
        unsigned n = MMU_PAGE_SIZE - (la & ~MMU_PAGE_MASK);
        n = n < len ? n : len;
        uint64_t gpa = translate_cached(cpu, la, MMU_WRITE, idx);
        for (unsigned i = 0; i < n; i++) {
            write_phys(cpu, gpa + i, in[i], 1);
        }
        in += n;
        len -= n;
        la = la_add(cpu, la, n);
    }
}

unsigned x86_fetch(X86Cpu *cpu, uint64_t la, uint8_t *buf, unsigned len, uint64_t *gpa_first_page)
{
    int idx = x86_mmu_idx(cpu);
    unsigned done = 0;
    while (done < len) {
        uint64_t cur = la_add(cpu, la, done);
        if (cpu->mode64 && !is_canonical(cur)) {
            if (done > 0) {
                break;
            }
            x86_raise_gp0(cpu);
        }
        unsigned n = MMU_PAGE_SIZE - (cur & ~MMU_PAGE_MASK);
        n = n < len - done ? n : len - done;
        uint64_t gpa;
        if (done == 0) {
            gpa = translate_cached(cpu, cur, MMU_EXEC, idx);
            *gpa_first_page = gpa & MMU_PAGE_MASK;
        } else {
            /* A fault on a later page is the caller's to raise if it needs those bytes. */
            MmuResult r;
            uint32_t pf;
            if (!mmu_walk(cpu->mem, &cpu->mmu, cur, MMU_EXEC, idx, &r, &pf)) {
                break;
            }
            gpa = r.gpa;
        }
        uint8_t *p = address_space_ram_ptr(cpu->mem, gpa, n);
        if (!p) {
            /* Executing from MMIO or unassigned space. */
            log_mask(LOG_GUEST_ERROR, "fetch from non-RAM address 0x%llx\n", (unsigned long long)gpa);
            if (done > 0) {
                break;
            }
            memset(buf, 0xff, n);   /* what an unclaimed bus returns */
        } else {
            memcpy(buf + done, p, n);
        }
        done += n;
    }
    return done;
}

uint64_t x86_read_system(X86Cpu *cpu, uint64_t la, unsigned size)
{
    if (!cpu->mode64) {
        la = (uint32_t)la;
    }
    return x86_read_linear(cpu, la, size, MMU_IDX_SUPER);
}

void x86_write_system(X86Cpu *cpu, uint64_t la, uint64_t value, unsigned size)
{
    if (!cpu->mode64) {
        la = (uint32_t)la;
    }
    x86_write_linear(cpu, la, value, size, MMU_IDX_SUPER);
}

static uint64_t stack_mask(const X86Cpu *cpu)
{
    return cpu->stack_bits == 64 ? ~0ull : cpu->stack_bits == 32 ? 0xffffffffull : 0xffffull;
}

void x86_push(X86Cpu *cpu, uint64_t value, unsigned size)
{
    uint64_t mask = stack_mask(cpu);
    uint64_t rsp = cpu->s.regs[R_ESP];
    uint64_t sp = (rsp - size) & mask;
    x86_write(cpu, SEG_SS, sp, value, size);
    cpu->s.regs[R_ESP] = (rsp & ~mask) | sp;
}

uint64_t x86_pop(X86Cpu *cpu, unsigned size)
{
    uint64_t mask = stack_mask(cpu);
    uint64_t rsp = cpu->s.regs[R_ESP];
    uint64_t value = x86_read(cpu, SEG_SS, rsp & mask, size);
    cpu->s.regs[R_ESP] = (rsp & ~mask) | ((rsp + size) & mask);
    return value;
}
