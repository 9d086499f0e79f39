/* The undefined-flags table: SDM vol. 2 "Flags Affected" of each instruction (AMD APM vol. 3 where it differs). */
#include "difftest/flags.h"

#include <pthread.h>

#include "cpu/x86/exec.h"

#define CF X86_FLAG_CF
#define PF X86_FLAG_PF
#define AF X86_FLAG_AF
#define ZF X86_FLAG_ZF
#define SF X86_FLAG_SF
#define OF X86_FLAG_OF
#define ALL DT_FLAGS_ARITH

#define C0 0x0100u
#define C1 0x0200u
#define C2 0x0400u
#define C3 0x4000u

/* Instructions whose effect does not depend on operand values. */
static const struct {
    uint16_t op;
    uint32_t written, undefined, read;
} simple[] = {
    { X86_OP_ADD, ALL, 0, 0 }, { X86_OP_SUB, ALL, 0, 0 }, { X86_OP_CMP, ALL, 0, 0 },
    { X86_OP_NEG, ALL, 0, 0 }, { X86_OP_XADD, ALL, 0, 0 }, { X86_OP_CMPXCHG, ALL, 0, 0 },
    { X86_OP_ADC, ALL, 0, CF }, { X86_OP_SBB, ALL, 0, CF },
    { X86_OP_INC, ALL & ~CF, 0, 0 }, { X86_OP_DEC, ALL & ~CF, 0, 0 },
    /* AND/OR/XOR/TEST: "The OF and CF flags are cleared ... The state of the AF flag is undefined." */
    { X86_OP_AND, ALL & ~AF, AF, 0 }, { X86_OP_OR, ALL & ~AF, AF, 0 },
    { X86_OP_XOR, ALL & ~AF, AF, 0 }, { X86_OP_TEST, ALL & ~AF, AF, 0 },
    /* MUL/IMUL: "The SF, ZF, AF, and PF flags are undefined." */
    { X86_OP_MUL, CF | OF, SF | ZF | AF | PF, 0 }, { X86_OP_IMUL, CF | OF, SF | ZF | AF | PF, 0 },
    /* DIV/IDIV: "The CF, OF, SF, ZF, AF, and PF flags are undefined." */
    { X86_OP_DIV, 0, ALL, 0 }, { X86_OP_IDIV, 0, ALL, 0 },
    /* BT*: "The ZF flag is unaffected. The OF, SF, AF, and PF flags are undefined" (AMD: ZF too). */
    { X86_OP_BT, CF, OF | SF | AF | PF | ZF, 0 }, { X86_OP_BTS, CF, OF | SF | AF | PF | ZF, 0 },
    { X86_OP_BTR, CF, OF | SF | AF | PF | ZF, 0 }, { X86_OP_BTC, CF, OF | SF | AF | PF | ZF, 0 },
    /* BSF/BSR: "The CF, OF, SF, AF, and PF flags are undefined." */
    { X86_OP_BSF, ZF, CF | OF | SF | AF | PF, 0 }, { X86_OP_BSR, ZF, CF | OF | SF | AF | PF, 0 },
    /* LZCNT/TZCNT: "The OF, SF, PF and AF flags are undefined." */
    { X86_OP_LZCNT, ZF | CF, OF | SF | PF | AF, 0 }, { X86_OP_TZCNT, ZF | CF, OF | SF | PF | AF, 0 },
    { X86_OP_POPCNT, ALL, 0, 0 },
    { X86_OP_CMPXCHG8B, ZF, 0, 0 },
    /* DAA/DAS: "The OF flag is undefined."  AAA/AAS: "OF, SF, ZF, and PF flags are undefined." */
    { X86_OP_DAA, ALL & ~OF, OF, AF | CF }, { X86_OP_DAS, ALL & ~OF, OF, AF | CF },
    { X86_OP_AAA, AF | CF, OF | SF | ZF | PF, AF }, { X86_OP_AAS, AF | CF, OF | SF | ZF | PF, AF },
    /* AAM/AAD: "The OF, AF, and CF flags are undefined." */
    { X86_OP_AAM, SF | ZF | PF, OF | AF | CF, 0 }, { X86_OP_AAD, SF | ZF | PF, OF | AF | CF, 0 },
    { X86_OP_SAHF, SF | ZF | AF | PF | CF, 0, 0 }, { X86_OP_LAHF, 0, 0, SF | ZF | AF | PF | CF },
    { X86_OP_PUSHF, 0, 0, ALL }, { X86_OP_POPF, ALL, 0, 0 }, { X86_OP_IRET, ALL, 0, 0 },
    { X86_OP_CLC, CF, 0, 0 }, { X86_OP_STC, CF, 0, 0 }, { X86_OP_CMC, CF, 0, CF },
    { X86_OP_SALC, 0, 0, CF }, { X86_OP_INTO, 0, 0, OF },
    { X86_OP_ADCX, CF, 0, CF }, { X86_OP_ADOX, OF, 0, OF },
    { X86_OP_CMPS, ALL, 0, 0 }, { X86_OP_SCAS, ALL, 0, 0 },
    { X86_OP_LOOPE, 0, 0, ZF }, { X86_OP_LOOPNE, 0, 0, ZF },
    { X86_OP_LAR, ZF, 0, 0 }, { X86_OP_LSL, ZF, 0, 0 }, { X86_OP_VERR, ZF, 0, 0 },
    { X86_OP_VERW, ZF, 0, 0 }, { X86_OP_ARPL, ZF, 0, 0 },
    { X86_OP_FCOMI, ALL, 0, 0 }, { X86_OP_FCOMIP, ALL, 0, 0 }, { X86_OP_FUCOMI, ALL, 0, 0 },
    { X86_OP_FUCOMIP, ALL, 0, 0 },
    { X86_OP_COMISS, ALL, 0, 0 }, { X86_OP_COMISD, ALL, 0, 0 }, { X86_OP_UCOMISS, ALL, 0, 0 },
    { X86_OP_UCOMISD, ALL, 0, 0 }, { X86_OP_PTEST, ALL, 0, 0 },
    { X86_OP_PCMPESTRI, ALL, 0, 0 }, { X86_OP_PCMPESTRM, ALL, 0, 0 },
    { X86_OP_PCMPISTRI, ALL, 0, 0 }, { X86_OP_PCMPISTRM, ALL, 0, 0 },
};

/* Flags a condition code tests (SDM vol. 1 table B-1). */
static uint32_t condition_reads(unsigned cc)
{
    static const uint32_t by_pair[8] = { OF, CF, ZF, CF | ZF, SF, PF, SF | OF, ZF | SF | OF };
    return by_pair[(cc >> 1) & 7];
}

static unsigned count_operand(const X86Cpu *cpu, const X86Insn *insn, int i)
{
    switch (x86_insn_row(insn)->operand[i]) {
    case X86_OPK_ONE: return 1;
    case X86_OPK_CL: return cpu->s.regs[R_ECX] & 0xff;
    default: return (unsigned)insn->imm & 0xff;
    }
}

/* SAL/SAR/SHL/SHR, ROL/ROR, RCL/RCR, SHLD/SHRD: "If the count is 0, the flags are not affected." */
static DtFlagEffect shift_effect(const X86Cpu *cpu, const X86Insn *insn)
{
    DtFlagEffect e = { 0 };
    bool dbl = insn->op == X86_OP_SHLD || insn->op == X86_OP_SHRD;
    unsigned bits = 8 * x86_opnd_size(insn, 0);
    unsigned count = count_operand(cpu, insn, dbl ? 2 : 1) & (bits == 64 ? 63 : 31);
    if (count == 0) {
        return e;
    }
    uint32_t of = count == 1 ? OF : 0;
    switch (insn->op) {
    case X86_OP_SHL: case X86_OP_SHR: case X86_OP_SAR:
        e.written = CF | SF | ZF | PF | of;
        e.undefined = AF | (OF & ~of);
        /* "CF ... is undefined for SHL and SHR instructions where the count is greater
            than or equal to the size (in bits) of the destination operand" */
        if (insn->op != X86_OP_SAR && count >= bits) {
            e.written &= ~CF;
            e.undefined |= CF;
        }
        break;
    case X86_OP_RCL: case X86_OP_RCR:
        e.read = CF;
        /* fall through */
    case X86_OP_ROL: case X86_OP_ROR:
        e.written = CF | of;
        e.undefined = OF & ~of;
        break;
    default:   /* SHLD, SHRD */
        e.written = CF | SF | ZF | PF | of;
        e.undefined = AF | (OF & ~of);
        if (count > bits) {
            /* "If the count is greater than the operand size, the flags are undefined." */
            e.written = 0;
            e.undefined = ALL;
        }
        break;
    }
    return e;
}

static bool is_x87(unsigned op)
{
    return op >= X86_OP_FADD && op <= X86_OP_FSETPM;
}

/* x87 condition codes: most operations leave C0, C2, C3 undefined (SDM vol. 2 "FPU Flags Affected"). */
static void x87_effect(unsigned op, DtFlagEffect *e)
{
    switch (op) {
    case X86_OP_FCOM: case X86_OP_FCOMP: case X86_OP_FCOMPP: case X86_OP_FUCOM:
    case X86_OP_FUCOMP: case X86_OP_FUCOMPP: case X86_OP_FICOM: case X86_OP_FICOMP:
    case X86_OP_FTST: case X86_OP_FXAM: case X86_OP_FPREM: case X86_OP_FPREM1:
        e->fsw_written = DT_FSW_CC;
        break;
    case X86_OP_FCOMI: case X86_OP_FCOMIP: case X86_OP_FUCOMI: case X86_OP_FUCOMIP:
        e->fsw_written = C1;        /* "C0, C2, C3 not affected" */
        break;
    case X86_OP_FPTAN: case X86_OP_FSIN: case X86_OP_FCOS: case X86_OP_FSINCOS:
        e->fsw_written = C1 | C2;
        e->fsw_undefined = C0 | C3;
        break;
    case X86_OP_FNINIT: case X86_OP_FLDENV: case X86_OP_FRSTOR:
        e->fsw_written = DT_FSW_CC;
        break;
    case X86_OP_FNSAVE:             /* stores the status word, then initialises */
        e->fsw_read = DT_FSW_CC;
        e->fsw_written = DT_FSW_CC;
        break;
    case X86_OP_FFREE: case X86_OP_FFREEP: case X86_OP_FNCLEX: case X86_OP_FNOP:
    case X86_OP_FLDCW: case X86_OP_FENI: case X86_OP_FDISI: case X86_OP_FSETPM:
        e->fsw_undefined = DT_FSW_CC;
        break;
    case X86_OP_FNSTSW: case X86_OP_FNSTENV:
        e->fsw_read = DT_FSW_CC;
        break;
    case X86_OP_FCMOVB: case X86_OP_FCMOVNB: e->read = CF; e->fsw_undefined = C0 | C2 | C3; break;
    case X86_OP_FCMOVE: case X86_OP_FCMOVNE: e->read = ZF; e->fsw_undefined = C0 | C2 | C3; break;
    case X86_OP_FCMOVBE: case X86_OP_FCMOVNBE:
        e->read = CF | ZF;
        e->fsw_undefined = C0 | C2 | C3;
        break;
    case X86_OP_FCMOVU: case X86_OP_FCMOVNU: e->read = PF; e->fsw_undefined = C0 | C2 | C3; break;
    default:
        /* arithmetic, loads, stores, constants, FXCH, FINCSTP...: C1 defined, the rest not */
        e->fsw_written = C1;
        e->fsw_undefined = C0 | C2 | C3;
        break;
    }
}

static DtFlagEffect by_op[X86_OP_COUNT];
static pthread_once_t by_op_once = PTHREAD_ONCE_INIT;

static void build_by_op(void)
{
    for (unsigned op = 0; op < X86_OP_COUNT; op++) {
        if (is_x87(op)) {
            x87_effect(op, &by_op[op]);
        }
    }
    for (size_t i = 0; i < sizeof(simple) / sizeof(simple[0]); i++) {
        DtFlagEffect *e = &by_op[simple[i].op];
        e->written |= simple[i].written;
        e->undefined |= simple[i].undefined;
        e->read |= simple[i].read;
    }
    by_op[X86_OP_FXSAVE].fsw_read = DT_FSW_CC;
}

DtFlagEffect dt_flags_effect(const X86Cpu *cpu, const X86Insn *insn)
{
    DtFlagEffect e = { 0 };
    unsigned op = insn->op;
    switch (op) {
    case X86_OP_SHL: case X86_OP_SHR: case X86_OP_SAR: case X86_OP_ROL: case X86_OP_ROR:
    case X86_OP_RCL: case X86_OP_RCR: case X86_OP_SHLD: case X86_OP_SHRD:
        return shift_effect(cpu, insn);
    case X86_OP_JCC: case X86_OP_SETCC: case X86_OP_CMOVCC:
        e.read = condition_reads(x86_insn_row(insn)->opcode & 0xf);
        return e;
    default:
        break;
    }
    pthread_once(&by_op_once, build_by_op);
    return op < X86_OP_COUNT ? by_op[op] : e;
}
