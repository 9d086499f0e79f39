/* The interpreter's cache of decoded blocks, keyed by guest-physical address. */
#include "cpu/x86/codecache.h"

#include <glib.h>
#include <stdlib.h>

#include "ui/disas.h"
#include "ui/log.h"

#define HASH_BITS 16
#define HASH_SIZE (1u << HASH_BITS)
#define MAX_BLOCKS 65536
#define MAX_CPUS 64

struct CodeCache {
    Block *hash[HASH_SIZE];
    GHashTable *pages;          /* page number -> Block * list head (page_next) */
    uint8_t *bitmap;            /* one bit per guest-physical page with blocks */
    uint64_t ram_pages;
    Block *graveyard;           /* dropped, freed at codecache_collect() */
    unsigned nr_blocks;
    uint64_t generation;        /* blocks dropped so far: see codecache_generation() */
    X86Cpu *cpus[MAX_CPUS];
    int nr_cpus;
};

static void page_written(X86Cpu *cpu, uint64_t gpa, unsigned size);

static unsigned hash_of(uint64_t gpa, unsigned mode)
{
    uint64_t h = (gpa ^ ((uint64_t)mode << 60)) * 0x9e3779b97f4a7c15ull;
    return h >> (64 - HASH_BITS);
}

CodeCache *codecache_new(uint64_t ram_pages)
{
    CodeCache *cc = calloc(1, sizeof(*cc));
    cc->ram_pages = ram_pages;
    cc->bitmap = calloc((ram_pages + 7) / 8, 1);
    cc->pages = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
    return cc;
}

static void free_list(Block *b, bool via_page)
{
    while (b) {
        Block *next = via_page ? b->page_next : b->hash_next;
        free(b);
        b = next;
    }
}

static void graveyard_add(CodeCache *cc, Block *b)
{
    cc->generation++;
    b->hash_next = cc->graveyard;
    cc->graveyard = b;
}

void codecache_collect(CodeCache *cc)
{
    free_list(cc->graveyard, false);
    cc->graveyard = NULL;
}

uint64_t codecache_generation(const CodeCache *cc)
{
    return cc->generation;
}

bool codecache_dropped(const CodeCache *cc, const Block *b)
{
    for (const Block *g = cc->graveyard; g; g = g->hash_next) {
        if (g == b) {
            return true;
        }
    }
    return false;
}

/* Move every block to the graveyard: safe even while one of them runs. */
void codecache_flush(CodeCache *cc)
{
    for (unsigned i = 0; i < HASH_SIZE; i++) {
        Block *b = cc->hash[i];
        while (b) {
            Block *next = b->hash_next;
            graveyard_add(cc, b);
            b = next;
        }
        cc->hash[i] = NULL;
    }
    g_hash_table_remove_all(cc->pages);
    memset(cc->bitmap, 0, (cc->ram_pages + 7) / 8);
    cc->nr_blocks = 0;
}

void codecache_free(CodeCache *cc)
{
    codecache_flush(cc);
    codecache_collect(cc);
    g_hash_table_destroy(cc->pages);
    free(cc->bitmap);
    free(cc);
}

void codecache_attach(CodeCache *cc, X86Cpu *cpu)
{
    g_assert(cc->nr_cpus < MAX_CPUS);
    cc->cpus[cc->nr_cpus++] = cpu;
    cpu->code = cc;
    cpu->code_pages = cc->bitmap;
    cpu->code_pages_limit = cc->ram_pages;
    cpu->code_written = page_written;
}

/* Unlink a block from its hash chain. */
static void hash_unlink(CodeCache *cc, Block *b)
{
    Block **p = &cc->hash[hash_of(b->gpa, b->mode)];
    while (*p && *p != b) {
        p = &(*p)->hash_next;
    }
    if (*p) {
        *p = b->hash_next;
    }
}

static void drop_page(CodeCache *cc, uint64_t page)
{
    Block *value = g_hash_table_lookup(cc->pages, &page);
    if (!value) {
        return;
    }
    g_hash_table_remove(cc->pages, &page);   /* frees the key */
    for (Block *b = value; b;) {
        Block *next = b->page_next;
        hash_unlink(cc, b);
        graveyard_add(cc, b);
        cc->nr_blocks--;
        b = next;
    }
    cc->bitmap[page >> 3] &= ~(1u << (page & 7));
}

void codecache_drop_gpa(CodeCache *cc, uint64_t gpa)
{
    drop_page(cc, gpa >> MMU_PAGE_BITS);
}

static void page_written(X86Cpu *cpu, uint64_t gpa, unsigned size)
{
    CodeCache *cc = cpu->code;
    uint64_t first = gpa >> MMU_PAGE_BITS, last = (gpa + size - 1) >> MMU_PAGE_BITS;
    for (uint64_t page = first; page <= last; page++) {
        drop_page(cc, page);
    }
    cpu->end_block = true;   /* the running block may be one of those */
}

/* The page now has blocks: withhold write tags for it from every TLB. */
static void page_add_block(CodeCache *cc, Block *b)
{
    uint64_t page = b->gpa >> MMU_PAGE_BITS;
    Block *head = g_hash_table_lookup(cc->pages, &page);
    if (!head) {
        uint64_t *key = g_new(uint64_t, 1);
        *key = page;
        g_hash_table_insert(cc->pages, key, b);
        b->page_next = NULL;
        cc->bitmap[page >> 3] |= 1u << (page & 7);
        for (int i = 0; i < cc->nr_cpus; i++) {
            tlb_flush_gpa(&cc->cpus[i]->tlb, b->gpa & MMU_PAGE_MASK);
        }
    } else {
        b->page_next = head->page_next;
        head->page_next = b;
    }
}

/* An instruction after which decoding state may differ: the block ends there. */
static bool ends_block(const X86Insn *insn)
{
    if (x86_insn_row(insn)->flags & X86_ROW_BRANCH) {
        return true;
    }
    if (insn->op == X86_OP_POP) {
        /* POP SS starts an interrupt shadow; other POPs change nothing decoding sees. */
        return x86_insn_row(insn)->operand[0] == X86_OPK_SS;
    }
    switch (insn->op) {
    case X86_OP_MOV_CR: case X86_OP_MOV_DR: case X86_OP_MOV_SR: case X86_OP_LMSW: case X86_OP_CLTS:
    case X86_OP_WRMSR: case X86_OP_HLT: case X86_OP_STI: case X86_OP_POPF: case X86_OP_LSS:
    case X86_OP_INVLPG: case X86_OP_XSETBV: case X86_OP_LIDT: case X86_OP_LGDT:
    case X86_OP_LLDT: case X86_OP_LTR: case X86_OP_SYSCALL: case X86_OP_SYSRET:
    case X86_OP_SYSENTER: case X86_OP_SYSEXIT: case X86_OP_SWAPGS: case X86_OP_CPUID:
    case X86_OP_IN: case X86_OP_OUT: case X86_OP_INS: case X86_OP_OUTS:
        return true;
    default:
        return false;
    }
}

static Block *decode_block(CodeCache *cc, X86Cpu *cpu, uint64_t gpa, uint64_t la)
{
    unsigned in_page = MMU_PAGE_SIZE - (gpa & ~MMU_PAGE_MASK);
    const uint8_t *code = address_space_ram_ptr(cpu->mem, gpa, in_page);
    if (!code || (gpa >> MMU_PAGE_BITS) >= cc->ram_pages) {
        return NULL;   /* not RAM: execute it instruction by instruction */
    }
    X86DecodeMode mode = x86_decode_mode(cpu);
    const X86Handler *handlers = x86_handlers();
    CachedInsn buf[CODECACHE_MAX_INSNS];
    unsigned n = 0, off = 0;
    while (n < CODECACHE_MAX_INSNS && off < in_page) {
        int len = x86_decode(code + off, in_page - off, mode, &buf[n].insn);
        if (len < 0) {
            break;   /* invalid, too long or straddling the page: x86_step handles it */
        }
        buf[n].handler = handlers[buf[n].insn.op];
        off += len;
        if (ends_block(&buf[n++].insn)) {
            break;
        }
    }
    if (n == 0) {
        return NULL;
    }
    Block *b = malloc(sizeof(*b) + n * sizeof(CachedInsn));
    b->gpa = gpa;
    b->mode = mode;
    b->nr_insns = n;
    b->bytes = off;
    memcpy(b->insns, buf, n * sizeof(CachedInsn));
    if (log_enabled(LOG_IN_ASM)) {
        disas_log(la, code, off, cpu->code_bits);
    }
    return b;
}

Block *codecache_lookup(CodeCache *cc, X86Cpu *cpu, uint64_t gpa, uint64_t la)
{
    unsigned mode = x86_decode_mode(cpu);
    unsigned h = hash_of(gpa, mode);
    for (Block *b = cc->hash[h]; b; b = b->hash_next) {
        if (b->gpa == gpa && b->mode == mode) {
            return b;
        }
    }
    if (cc->nr_blocks >= MAX_BLOCKS) {
        codecache_flush(cc);   /* simple and rare: start over */
    }
    Block *b = decode_block(cc, cpu, gpa, la);
    if (!b) {
        return NULL;
    }
    b->hash_next = cc->hash[h];
    cc->hash[h] = b;
    page_add_block(cc, b);
    cc->nr_blocks++;
    return b;
}
