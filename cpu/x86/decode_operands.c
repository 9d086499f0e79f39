/* Operand locations resolved at decode time, for the interpreter's fast operand access. */
#include "cpu/x86/decode.h"

#include <stdbool.h>

#include "cpu/x86/state.h"

/*
 * The general register an operand kind names by itself (SDM vol. 2A A.2.3:
 * AL, CL, AX, DX, eAX, rAX), or -1.  Sizes come from x86_operand_size().
 */
static int fixed_register(unsigned kind)
{
    switch (kind) {
    case X86_OPK_AL: case X86_OPK_AX: case X86_OPK_eAX: case X86_OPK_rAX:
        return R_EAX;
    case X86_OPK_CL:
        return R_ECX;
    case X86_OPK_DX:
        return R_EDX;
    default:
        return -1;
    }
}

static bool gpr_size(unsigned size)
{
    return size == 1 || size == 2 || size == 4 || size == 8;
}

/* A byte register without REX: numbers 4-7 are AH, CH, DH, BH (SDM vol. 1 3.4.1.1). */
static uint8_t gpr_location(const X86Insn *insn, unsigned reg, unsigned size)
{
    if (size == 1 && !(insn->prefix & X86_PFX_REX) && reg >= 4 && reg < 8) {
        return X86_LOC_GPR_HIGH + (reg - 4);
    }
    return X86_LOC_GPR + reg;
}

/*
 * Only the general-purpose kinds get a location; the SDM letter says where
 * the operand is: E/R the ModRM.rm register or memory, G ModRM.reg, Z the
 * opcode's low bits, B the register VEX.vvvv names, M memory, I an
 * immediate, O a moffs, J a branch target.  The rest (segment, control,
 * x87, MMX, SSE registers, wider memory) are X86_LOC_OTHER: their
 * families access them themselves, not through x86_opnd_read/write.
 */
static uint8_t operand_location(const X86Insn *insn, unsigned kind, unsigned size)
{
    if (kind == X86_OPK_NONE) {
        return X86_LOC_OTHER;
    }
    if (kind == X86_OPK_ONE) {
        return X86_LOC_ONE;
    }
    if (fixed_register(kind) >= 0) {
        return X86_LOC_GPR + fixed_register(kind);
    }
    if (!gpr_size(size)) {
        return X86_LOC_OTHER;
    }
    bool mem = insn->flags & X86_INSN_MEM;
    switch (x86_operand_kind_name(kind)[0]) {
    case 'E': case 'R':
        return mem ? X86_LOC_MEM : gpr_location(insn, insn->rm, size);
    case 'M':
        return mem ? X86_LOC_MEM : X86_LOC_OTHER;
    case 'G':
        return gpr_location(insn, insn->reg, size);
    case 'Z':
        return gpr_location(insn, insn->rm, size);
    case 'B':
        return gpr_location(insn, x86_insn_vvvv(insn), size);
    case 'I':
        return X86_LOC_IMM;
    case 'O':
        return X86_LOC_MOFFS;
    case 'J':
        return X86_LOC_JREL;
    default:
        return X86_LOC_OTHER;
    }
}

void x86_resolve_operands(X86Insn *insn)
{
    const X86OpcodeRow *row = x86_insn_row(insn);
    for (unsigned i = 0; i < 4; i++) {
        unsigned kind = row->operand[i];
        unsigned size = kind == X86_OPK_NONE ? 0 : x86_operand_size(insn, kind);
        insn->opnd_size[i] = size;
        insn->opnd_loc[i] = operand_location(insn, kind, size);
    }
}
