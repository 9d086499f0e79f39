/* String instructions: MOVS, CMPS, STOS, LODS, SCAS, INS, OUTS, with REP/REPE/REPNE. */
#include "cpu/x86/exec.h"
#include "cpu/x86/hostalu.h"
#include "cpu/x86/ioport.h"

/*
 * SDM vol. 1 7.3.9 and vol. 2 (each instruction, and "REP/REPE/REPZ/
 * REPNE/REPNZ").  The source is seg:rSI, DS unless overridden; the
 * destination is ES:rDI and cannot be overridden.  The address size picks
 * SI/ESI/RSI, DI/EDI/RDI and the count CX/ECX/RCX; a 16-bit index wraps
 * within 16 bits and leaves bits 31:16 alone.  DF picks the direction.
 *
 * One iteration is one element: it loads and checks before it stores, and
 * updates rSI/rDI only after its stores, so a fault in iteration k leaves
 * the registers of k-1 completed iterations and RIP at the instruction,
 * which is what the SDM requires of a REP string instruction ("the
 * registers are updated after each iteration ... the instruction can be
 * restarted").  A REP instruction runs at most STRING_BATCH iterations per
 * execution; if work remains it leaves RIP at itself, so the run loop can
 * take interrupts and the kick in between, and executes it again.
 *
 * REP MOVS and REP STOS going up also have a bulk path: once an element
 * has gone the ordinary way (faulting precisely if it must), the elements
 * left in the same source and destination pages are copied or filled with
 * one memmove/memset through the TLB's host addresses, provided the TLB
 * maps those pages directly for the access (so not MMIO, not a page of
 * decoded code), they are within the segment and address size, and no
 * alignment check applies.  The result is the same as element by element.
 */

#define STRING_BATCH 4096

typedef struct StringOp {
    unsigned size;      /* element size in bytes */
    unsigned asize;     /* address size: 2, 4 or 8 */
    int src_seg;        /* segment of rSI */
    int64_t step;       /* +size, or -size when DF = 1 */
} StringOp;

/* The element size from the operand kind: b = byte, v = operand size, z = at most 4. */
static unsigned element_size(const X86Insn *insn)
{
    const X86OpcodeRow *row = x86_insn_row(insn);
    for (int i = 0; i < 2; i++) {
        switch (row->operand[i]) {
        case X86_OPK_Xb: case X86_OPK_Yb:
            return 1;
        case X86_OPK_Xz: case X86_OPK_Yz:
            return insn->opsize == 2 ? 2 : 4;
        case X86_OPK_Xv: case X86_OPK_Yv:
            return insn->opsize;
        default:
            break;
        }
    }
    return insn->opsize;
}

static StringOp string_op(const X86Cpu *cpu, const X86Insn *insn)
{
    StringOp op;
    op.size = element_size(insn);
    op.asize = insn->addrsize;
    op.src_seg = insn->seg;
    op.step = (cpu->s.rflags & X86_FLAG_DF) ? -(int64_t)op.size : (int64_t)op.size;
    return op;
}

static uint64_t index_get(const X86Cpu *cpu, int reg, const StringOp *op)
{
    return x86_reg_get(cpu, reg, op->asize, false);
}

static void index_advance(X86Cpu *cpu, int reg, const StringOp *op)
{
    x86_reg_set(cpu, reg, op->asize, false, index_get(cpu, reg, op) + (uint64_t)op->step);
}

static uint64_t load_source(X86Cpu *cpu, const StringOp *op)
{
    return x86_read(cpu, op->src_seg, index_get(cpu, R_ESI, op), op->size);
}

static uint64_t load_destination(X86Cpu *cpu, const StringOp *op)
{
    return x86_read(cpu, SEG_ES, index_get(cpu, R_EDI, op), op->size);
}

static void store_destination(X86Cpu *cpu, const StringOp *op, uint64_t v)
{
    x86_write(cpu, SEG_ES, index_get(cpu, R_EDI, op), v, op->size);
}

/* ---- one element of each instruction ---- */

static void movs_one(X86Cpu *cpu, const X86Insn *insn, const StringOp *op)
{
    (void)insn;
    store_destination(cpu, op, load_source(cpu, op));
    index_advance(cpu, R_ESI, op);
    index_advance(cpu, R_EDI, op);
}

/* CMPS: flags of [rSI] - [rDI] (SDM vol. 2A CMPS: "SRC1 - SRC2", source first). */
static void cmps_one(X86Cpu *cpu, const X86Insn *insn, const StringOp *op)
{
    (void)insn;
    uint64_t a, b;
    if (cpu->vendor_amd) {
        /* AMD reads ES:[rDI] first: with both unmapped, #PF names rDI (found by tandem-difftest) */
        b = load_destination(cpu, op);
        a = load_source(cpu, op);
    } else {
        a = load_source(cpu, op);
        b = load_destination(cpu, op);
    }
    hostalu_binary(HOSTALU_CMP, op->size, a, b, &cpu->s.rflags);
    index_advance(cpu, R_ESI, op);
    index_advance(cpu, R_EDI, op);
}

static void stos_one(X86Cpu *cpu, const X86Insn *insn, const StringOp *op)
{
    (void)insn;
    store_destination(cpu, op, x86_reg_get(cpu, R_EAX, op->size, false));
    index_advance(cpu, R_EDI, op);
}

static void lods_one(X86Cpu *cpu, const X86Insn *insn, const StringOp *op)
{
    (void)insn;
    x86_reg_set(cpu, R_EAX, op->size, false, load_source(cpu, op));
    index_advance(cpu, R_ESI, op);
}

static void scas_one(X86Cpu *cpu, const X86Insn *insn, const StringOp *op)
{
    (void)insn;
    uint64_t b = load_destination(cpu, op);
    hostalu_binary(HOSTALU_CMP, op->size, x86_reg_get(cpu, R_EAX, op->size, false), b,
                   &cpu->s.rflags);
    index_advance(cpu, R_EDI, op);
}

/*
 * INS: the port is read only once the destination is known to be writable,
 * so a #PF does not swallow a device read (the restarted instruction reads
 * the port again).
 */
static void ins_one(X86Cpu *cpu, const X86Insn *insn, const StringOp *op)
{
    (void)insn;
    uint16_t port = cpu->s.regs[R_EDX];
    x86_io_check(cpu, port, op->size);
    x86_probe_write(cpu, SEG_ES, index_get(cpu, R_EDI, op), op->size);
    store_destination(cpu, op, x86_io_in(cpu, port, op->size));
    index_advance(cpu, R_EDI, op);
}

static void outs_one(X86Cpu *cpu, const X86Insn *insn, const StringOp *op)
{
    (void)insn;
    uint16_t port = cpu->s.regs[R_EDX];
    x86_io_check(cpu, port, op->size);
    uint64_t v = load_source(cpu, op);
    x86_io_out(cpu, port, v, op->size);
    index_advance(cpu, R_ESI, op);
}

typedef void (*StringStep)(X86Cpu *cpu, const X86Insn *insn, const StringOp *op);

/* ---- the bulk path of REP MOVS/STOS ---- */

static bool canonical(uint64_t la)
{
    return (uint64_t)((int64_t)(la << 16) >> 16) == la;
}

/*
 * The host address of the element at `offset` in `seg` and how many whole
 * elements from there (at most `max`) can be accessed directly: in one
 * page that the TLB maps for `kind`, within the segment's limit and the
 * address size, going up (DF = 0).  NULL when any condition fails: the
 * caller then goes on element by element, which faults precisely.  The
 * segment's type and presence were checked by the element done just before.
 */
static uint8_t *bulk_span(X86Cpu *cpu, int seg, uint64_t offset, const StringOp *op,
                          uint64_t max, MmuAccess kind, uint64_t *n)
{
    const X86Segment *sg = &cpu->s.segs[seg];
    uint64_t fit = max;
    uint64_t la;
    if (cpu->s.rflags & X86_FLAG_AC && cpu->s.cr0 & X86_CR0_AM && cpu->cpl == 3) {
        return NULL;    /* alignment checks are per element */
    }
    if (op->asize < 8) {
        uint64_t room = (x86_size_mask(op->asize) - offset + 1) / op->size;
        fit = room < fit ? room : fit;
    }
    if (cpu->mode64) {
        la = offset + (seg >= SEG_FS ? sg->base : 0);
        if (!canonical(la)) {
            return NULL;
        }
    } else {
        bool expand_down = !(sg->type & 8) && (sg->type & 4);
        if (expand_down || offset > sg->limit) {
            return NULL;
        }
        uint64_t room = ((uint64_t)sg->limit - offset + 1) / op->size;
        fit = room < fit ? room : fit;
        la = (uint32_t)(sg->base + offset);
    }
    uint64_t in_page = (MMU_PAGE_SIZE - (la & ~MMU_PAGE_MASK)) / op->size;
    fit = in_page < fit ? in_page : fit;
    TlbEntry *e = tlb_entry(&cpu->tlb, x86_mmu_idx(cpu), la);
    if (fit == 0 || e->tag[kind] != (la & MMU_PAGE_MASK)) {
        return NULL;
    }
    *n = fit;
    return (uint8_t *)(uintptr_t)(la + e->addend);
}

/* REP STOS: fill the rest of the destination page at once. */
static uint64_t stos_bulk(X86Cpu *cpu, const StringOp *op, uint64_t max)
{
    uint64_t di = index_get(cpu, R_EDI, op), n;
    uint8_t *p = bulk_span(cpu, SEG_ES, di, op, max, MMU_WRITE, &n);
    if (!p) {
        return 0;
    }
    uint64_t v = x86_reg_get(cpu, R_EAX, op->size, false);
    if (op->size == 1) {
        memset(p, (int)v, n);
    } else {
        for (uint64_t i = 0; i < n; i++) {
            memcpy(p + i * op->size, &v, op->size);
        }
    }
    x86_reg_set(cpu, R_EDI, op->asize, false, di + n * op->size);
    return n;
}

/*
 * REP MOVS: copy what lies in the current source and destination pages at
 * once.  A destination that overlaps the source from above would see its
 * own stores (element order matters), so that case goes element by element.
 */
static uint64_t movs_bulk(X86Cpu *cpu, const StringOp *op, uint64_t max)
{
    uint64_t si = index_get(cpu, R_ESI, op), di = index_get(cpu, R_EDI, op), ns, nd;
    uint8_t *src = bulk_span(cpu, op->src_seg, si, op, max, MMU_READ, &ns);
    if (!src) {
        return 0;
    }
    uint8_t *dst = bulk_span(cpu, SEG_ES, di, op, ns, MMU_WRITE, &nd);
    if (!dst) {
        return 0;
    }
    uint64_t bytes = nd * op->size;
    if (dst > src && dst < src + bytes) {
        return 0;
    }
    memmove(dst, src, bytes);
    x86_reg_set(cpu, R_ESI, op->asize, false, si + bytes);
    x86_reg_set(cpu, R_EDI, op->asize, false, di + bytes);
    return nd;
}

typedef uint64_t (*StringBulk)(X86Cpu *cpu, const StringOp *op, uint64_t max);

/*
 * Run a string instruction: once without a repeat prefix, else while the
 * count is not zero (and, for CMPS/SCAS, while ZF is as REPE/REPNE want).
 * F2 on the other string instructions repeats like F3, as hardware does.
 * `bulk`, if not NULL, may do a run of further iterations at once after an
 * element has gone the ordinary way (only upward: DF = 0).
 */
static void string_run(X86Cpu *cpu, const X86Insn *insn, StringStep step, StringBulk bulk,
                       bool compares)
{
    StringOp op = string_op(cpu, insn);
    if (!(insn->prefix & (X86_PFX_REP | X86_PFX_REPNE))) {
        step(cpu, insn, &op);
        return;
    }
    /* Single-stepping traps after every iteration (SDM vol. 3A 17.3.1.4): one per execution. */
    bool stepping = cpu->s.rflags & X86_FLAG_TF;
    unsigned batch = stepping ? 1 : STRING_BATCH;
    if (op.step < 0 || stepping) {
        bulk = NULL;
    }
    bool repne = (insn->prefix & X86_PFX_REPNE) && !(insn->prefix & X86_PFX_REP);
    for (unsigned n = 0; n < batch; n++) {
        uint64_t count = x86_reg_get(cpu, R_ECX, op.asize, false);
        if (count == 0) {
            return;
        }
        step(cpu, insn, &op);
        x86_reg_set(cpu, R_ECX, op.asize, false, --count);
        if (count == 0) {
            return;
        }
        if (compares && ((cpu->s.rflags & X86_FLAG_ZF) != 0) == repne) {
            return;   /* REPE stops on ZF = 0, REPNE on ZF = 1 */
        }
        if (bulk) {
            uint64_t done = bulk(cpu, &op, count);
            count -= done;
            n += done;
            x86_reg_set(cpu, R_ECX, op.asize, false, count);
            if (count == 0) {
                return;
            }
        }
        if (__atomic_load_n(&cpu->kick, __ATOMIC_RELAXED)) {
            break;
        }
    }
    cpu->next_rip = cpu->s.rip;   /* not done: execute it again after the loop's checks */
}

static void op_movs(X86Cpu *cpu, const X86Insn *insn)
{
    string_run(cpu, insn, movs_one, movs_bulk, false);
}

static void op_cmps(X86Cpu *cpu, const X86Insn *insn)
{
    string_run(cpu, insn, cmps_one, NULL, true);
}

static void op_stos(X86Cpu *cpu, const X86Insn *insn)
{
    string_run(cpu, insn, stos_one, stos_bulk, false);
}

static void op_lods(X86Cpu *cpu, const X86Insn *insn)
{
    string_run(cpu, insn, lods_one, NULL, false);
}

static void op_scas(X86Cpu *cpu, const X86Insn *insn)
{
    string_run(cpu, insn, scas_one, NULL, true);
}

static void op_ins(X86Cpu *cpu, const X86Insn *insn)
{
    string_run(cpu, insn, ins_one, NULL, false);
}

static void op_outs(X86Cpu *cpu, const X86Insn *insn)
{
    string_run(cpu, insn, outs_one, NULL, false);
}

void x86_register_string(X86Handler *table)
{
    table[X86_OP_MOVS] = op_movs;
    table[X86_OP_CMPS] = op_cmps;
    table[X86_OP_STOS] = op_stos;
    table[X86_OP_LODS] = op_lods;
    table[X86_OP_SCAS] = op_scas;
    table[X86_OP_INS] = op_ins;
    table[X86_OP_OUTS] = op_outs;
}
