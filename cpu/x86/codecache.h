/* Decoded blocks cached by guest-physical address, dropped when their code is written. */
#ifndef CPU_X86_CODECACHE_H
#define CPU_X86_CODECACHE_H

#include "cpu/x86/exec.h"

/*
 * Design.  The interpreter decodes once: a block is the run of instructions
 * from one guest-physical address up to a branch, an instruction that
 * changes decoding state, the end of the page, or CODECACHE_MAX_INSNS.  It is
 * keyed by (guest-physical address, decode mode), so every
 * virtual alias of a page shares its blocks, and no block crosses a page
 * (an instruction that straddles two pages is executed by x86_step, never
 * cached, because its second page may map differently next time).
 *
 * Self-modifying code: a page with blocks is marked in a bitmap that the
 * soft MMU consults; write tags for it are withheld from every TLB, so each
 * store to it takes the slow path, which calls codecache_page_written() and
 * drops all the page's blocks.  A block being executed is not freed until
 * the current block finishes (the graveyard), and its execution stops after
 * the storing instruction.
 *
 * Threads: the cache is shared by every vCPU of the interp backend, which
 * runs one vCPU at a time (accel/interp.c's lock).
 */

#define CODECACHE_MAX_INSNS 64

typedef struct CachedInsn {
    X86Insn insn;
    X86Handler handler;
} CachedInsn;

typedef struct Block {
    uint64_t gpa;
    uint8_t mode;               /* X86DecodeMode */
    uint16_t nr_insns;
    uint32_t bytes;
    struct Block *hash_next;
    struct Block *page_next;
    CachedInsn insns[];
} Block;

typedef struct CodeCache CodeCache;

/* ram_pages: guest-physical pages the bitmap covers (above: MMIO, never cached). */
CodeCache *codecache_new(uint64_t ram_pages);
void codecache_free(CodeCache *cc);

/* Let `cpu` execute from this cache (installs the bitmap and write hook). */
void codecache_attach(CodeCache *cc, X86Cpu *cpu);

/* The block at gpa for the CPU's mode, decoding it if needed; NULL if the
 * instruction at gpa straddles a page (run it with x86_step). */
Block *codecache_lookup(CodeCache *cc, X86Cpu *cpu, uint64_t gpa, uint64_t la);

/*
 * A count that grows whenever a block is dropped: a pointer to a block taken
 * when it had some value stays valid while it has that value.
 */
uint64_t codecache_generation(const CodeCache *cc);

/* Drop the blocks decoded from guest-physical page `gpa` (they may be running). */
void codecache_drop_gpa(CodeCache *cc, uint64_t gpa);

/* Drop everything (reset, memory map change). */
void codecache_flush(CodeCache *cc);
/* Free blocks dropped while they might have been running. */
void codecache_collect(CodeCache *cc);
/* Whether a block dropped since the last codecache_collect() includes `b`. */
bool codecache_dropped(const CodeCache *cc, const Block *b);

#endif
