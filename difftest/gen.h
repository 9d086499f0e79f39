/* difftest's case generator: random instruction sequences from tandem's opcode table, random state. */
#ifndef DIFFTEST_GEN_H
#define DIFFTEST_GEN_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/x86/decode.h"
#include "difftest/backend.h"
#include "difftest/case.h"
#include "difftest/rng.h"

/*
 * The generator draws rows of x86_opcode_table (so every operand form the
 * decoder knows), encodes them with random prefixes, REX bits, registers,
 * memory operands aimed at the data pages and edge-value immediates, and
 * keeps an encoding only if tandem's own decoder reads it back as the same
 * row.  Ops without a handler are never drawn (they would only test #UD),
 * nor are the ops of excluded_ops (gen.c) whose outcome the hardware does
 * not determine: I/O, time stamps, random numbers, CPUID, and entries to CPL0.
 */

typedef struct DtGen {
    DtMode mode;
    unsigned max_insns;
    uint16_t nr_ops;
    uint16_t ops[X86_OP_COUNT];              /* the ops that can be drawn */
    uint16_t first_row[X86_OP_COUNT];        /* into rows[] */
    uint16_t nr_rows[X86_OP_COUNT];
    uint16_t rows[2048];                      /* candidate rows grouped by op */
} DtGen;

/*
 * Prepare for `mode`.  `wanted` (X86_OP_COUNT flags) restricts the ops, or
 * NULL for every op with a handler that is not excluded.  Returns the number
 * of ops that can be drawn (0: nothing to generate).
 */
unsigned dt_gen_init(DtGen *g, DtMode mode, const bool *wanted, unsigned max_insns,
                     unsigned quirks);

/* Why an op is never generated, or NULL if it may be. */
const char *dt_gen_excluded(unsigned op);

/* Why a row is not generated in `mode` on a host with `quirks` (DT_QUIRK_*), or NULL. */
const char *dt_gen_row_excluded(unsigned row, DtMode mode, unsigned quirks);

/* Case `index` of the run seeded with `seed`: the same on every call. */
void dt_gen_case(const DtGen *g, uint64_t seed, uint64_t index, DtCase *c);

/* ---- gen_insn.c: one instruction ---- */

/* What an instruction's operands may point at, chosen per case. */
typedef struct DtGenContext {
    DtMode mode;
    DtCase *c;                 /* initial registers may be adjusted for the operands */
    uint8_t pointers[4];       /* registers holding addresses in the data pages */
    uint8_t nr_pointers;
    uint8_t index_reg;         /* a register holding a small index */
    unsigned insn_index;       /* this instruction's position, for branch targets */
    unsigned nr_insns;
} DtGenContext;

/* Encode `row` at random into *out; false if no valid encoding was found. */
bool dt_gen_insn(DtGenContext *ctx, DtRng *r, unsigned row, DtInsn *out);

/* A random 64-bit value from the classes that find bugs: edges, small, sign bits, random. */
uint64_t dt_gen_value(DtRng *r);
/* An address in the data pages (sometimes at an edge of them). */
uint64_t dt_gen_data_address(DtRng *r);

#endif
