/* Integer arithmetic and logic: ADD..CMP, INC DEC NEG NOT TEST, flag ops, CBW/CWD, BCD, ADX. */
#include "cpu/x86/exec.h"

#include <string.h>

#include "cpu/x86/cpuid.h"
#include "cpu/x86/hostalu.h"

/*
 * Results and flags come from the host ALU (hostalu.h), so flags the SDM
 * leaves undefined match this host's hardware.  The BCD instructions do not
 * exist in 64-bit mode, so the host cannot run them for us: they follow
 * their SDM pseudocode, and their undefined flags are what an AMD host
 * (this one, measured in compatibility mode by tests/unit/test-alu.c) gives:
 * those of the add or subtract of the adjustment, which the host runs.
 * Intel parts may differ there; the SDM-defined flags do not.
 *
 * Every handler reads all it needs (probing a memory destination for
 * writing first, so a fault on a read-modify-write reports a write access)
 * before it changes anything; RFLAGS is committed after the store.
 */

/* Bit `bit` of register `reg` (0 EAX .. 3 EDX) of the guest's CPUID leaf `leaf`, sub-leaf 0. */
static bool guest_cpuid_bit(const X86Cpu *cpu, uint32_t leaf, unsigned reg, unsigned bit)
{
    if (!cpu->cpuid) {
        return false;
    }
    const X86CpuidEntry *e = x86_cpuid_find(cpu->cpuid, leaf, 0);
    if (!e) {
        return false;
    }
    uint32_t regs[4] = { e->eax, e->ebx, e->ecx, e->edx };
    return (regs[reg] >> bit) & 1;
}

static void set_flag(X86Cpu *cpu, uint64_t flag, bool on)
{
    cpu->s.rflags = on ? cpu->s.rflags | flag : cpu->s.rflags & ~flag;
}

/* ---- two-operand arithmetic and logic, SDM vol. 2A/2B ADD ... CMP, TEST ---- */

static void alu_binary(X86Cpu *cpu, const X86Insn *insn, HostAluBinary op)
{
    unsigned size = x86_opnd_size(insn, 0);
    bool writes = op != HOSTALU_CMP && op != HOSTALU_TEST;
    uint8_t *in_place = writes ? x86_opnd_rmw_host(cpu, insn) : NULL;
    uint64_t dst = 0;
    if (in_place) {
        memcpy(&dst, in_place, size);
    } else {
        dst = writes ? x86_opnd_read_for_update(cpu, insn) : x86_opnd_read(cpu, insn, 0);
    }
    uint64_t src = x86_opnd_read(cpu, insn, 1);
    uint64_t flags = cpu->s.rflags;
    uint64_t result = hostalu_binary(op, size, dst, src, &flags);
    if (in_place) {
        memcpy(in_place, &result, size);
    } else if (writes) {
        x86_opnd_write(cpu, insn, 0, result);
    }
    cpu->s.rflags = flags;
}

static void op_add(X86Cpu *cpu, const X86Insn *insn) { alu_binary(cpu, insn, HOSTALU_ADD); }
static void op_or(X86Cpu *cpu, const X86Insn *insn) { alu_binary(cpu, insn, HOSTALU_OR); }
static void op_adc(X86Cpu *cpu, const X86Insn *insn) { alu_binary(cpu, insn, HOSTALU_ADC); }
static void op_sbb(X86Cpu *cpu, const X86Insn *insn) { alu_binary(cpu, insn, HOSTALU_SBB); }
static void op_and(X86Cpu *cpu, const X86Insn *insn) { alu_binary(cpu, insn, HOSTALU_AND); }
static void op_sub(X86Cpu *cpu, const X86Insn *insn) { alu_binary(cpu, insn, HOSTALU_SUB); }
static void op_xor(X86Cpu *cpu, const X86Insn *insn) { alu_binary(cpu, insn, HOSTALU_XOR); }
static void op_cmp(X86Cpu *cpu, const X86Insn *insn) { alu_binary(cpu, insn, HOSTALU_CMP); }
static void op_test(X86Cpu *cpu, const X86Insn *insn) { alu_binary(cpu, insn, HOSTALU_TEST); }

/* ---- one-operand: INC, DEC, NEG, NOT ---- */

static void alu_unary(X86Cpu *cpu, const X86Insn *insn, HostAluUnary op)
{
    unsigned size = x86_opnd_size(insn, 0);
    uint8_t *in_place = x86_opnd_rmw_host(cpu, insn);
    uint64_t dst = 0;
    if (in_place) {
        memcpy(&dst, in_place, size);
    } else {
        dst = x86_opnd_read_for_update(cpu, insn);
    }
    uint64_t flags = cpu->s.rflags;
    uint64_t result = hostalu_unary(op, size, dst, &flags);
    if (in_place) {
        memcpy(in_place, &result, size);
    } else {
        x86_opnd_write(cpu, insn, 0, result);
    }
    cpu->s.rflags = flags;
}

static void op_inc(X86Cpu *cpu, const X86Insn *insn) { alu_unary(cpu, insn, HOSTALU_INC); }
static void op_dec(X86Cpu *cpu, const X86Insn *insn) { alu_unary(cpu, insn, HOSTALU_DEC); }
static void op_neg(X86Cpu *cpu, const X86Insn *insn) { alu_unary(cpu, insn, HOSTALU_NEG); }
static void op_not(X86Cpu *cpu, const X86Insn *insn) { alu_unary(cpu, insn, HOSTALU_NOT); }

/* ---- ADCX / ADOX: add with carry through CF or OF only (SDM vol. 2A ADCX, ADOX) ---- */

static void add_with_flag(X86Cpu *cpu, const X86Insn *insn, uint64_t flag)
{
    if (!guest_cpuid_bit(cpu, 7, 1, 19)) {   /* CPUID.(EAX=07H,ECX=0):EBX.ADX[bit 19] */
        x86_raise_ud(cpu);
    }
    unsigned size = x86_opnd_size(insn, 0);
    uint64_t mask = x86_size_mask(size);
    uint64_t a = x86_opnd_read(cpu, insn, 0) & mask;
    uint64_t b = x86_opnd_read(cpu, insn, 1) & mask;
    unsigned __int128 sum = (unsigned __int128)a + b + ((cpu->s.rflags & flag) != 0);
    x86_opnd_write(cpu, insn, 0, (uint64_t)sum & mask);
    set_flag(cpu, flag, (sum >> (8 * size)) != 0);
}

static void op_adcx(X86Cpu *cpu, const X86Insn *insn) { add_with_flag(cpu, insn, X86_FLAG_CF); }
static void op_adox(X86Cpu *cpu, const X86Insn *insn) { add_with_flag(cpu, insn, X86_FLAG_OF); }

/* ---- flag control, SDM vol. 1 7.3.13.1 ---- */

static void op_cmc(X86Cpu *cpu, const X86Insn *insn) { cpu->s.rflags ^= X86_FLAG_CF; }
static void op_clc(X86Cpu *cpu, const X86Insn *insn) { set_flag(cpu, X86_FLAG_CF, false); }
static void op_stc(X86Cpu *cpu, const X86Insn *insn) { set_flag(cpu, X86_FLAG_CF, true); }
static void op_cld(X86Cpu *cpu, const X86Insn *insn) { set_flag(cpu, X86_FLAG_DF, false); }
static void op_std(X86Cpu *cpu, const X86Insn *insn) { set_flag(cpu, X86_FLAG_DF, true); }

/* LAHF/SAHF move SF:ZF:0:AF:0:PF:1:CF; in 64-bit mode only with CPUID.80000001H:ECX[bit 0]. */
#define LAHF_FLAGS (X86_FLAG_SF | X86_FLAG_ZF | X86_FLAG_AF | X86_FLAG_PF | X86_FLAG_CF)

static void check_lahf_sahf(X86Cpu *cpu)
{
    if (cpu->mode64 && !guest_cpuid_bit(cpu, 0x80000001, 2, 0)) {
        x86_raise_ud(cpu);
    }
}

static void op_lahf(X86Cpu *cpu, const X86Insn *insn)
{
    check_lahf_sahf(cpu);
    uint64_t ah = (cpu->s.rflags & LAHF_FLAGS) | X86_FLAG_FIXED;
    x86_reg_set(cpu, R_ESP, 1, false, ah);   /* register 4 without REX: AH */
}

static void op_sahf(X86Cpu *cpu, const X86Insn *insn)
{
    check_lahf_sahf(cpu);
    uint64_t ah = x86_reg_get(cpu, R_ESP, 1, false);
    cpu->s.rflags = (cpu->s.rflags & ~(uint64_t)LAHF_FLAGS) | (ah & LAHF_FLAGS);
}

/* ---- sign extension of the accumulator: CBW/CWDE/CDQE and CWD/CDQ/CQO ---- */

static void op_cbw(X86Cpu *cpu, const X86Insn *insn)
{
    unsigned size = insn->opsize;
    uint64_t half = x86_reg_get(cpu, R_EAX, size / 2, false);
    x86_reg_set(cpu, R_EAX, size, false, (uint64_t)x86_sext(half, size / 2));
}

static void op_cwd(X86Cpu *cpu, const X86Insn *insn)
{
    unsigned size = insn->opsize;
    int64_t a = x86_sext(x86_reg_get(cpu, R_EAX, size, false), size);
    x86_reg_set(cpu, R_EDX, size, false, a < 0 ? ~0ull : 0);
}

/* ---- decimal arithmetic, SDM vol. 1 7.3.2.5 (invalid in 64-bit mode: the decoder's i64) ---- */

static uint8_t get_al(const X86Cpu *cpu) { return cpu->s.regs[R_EAX] & 0xff; }
static uint8_t get_ah(const X86Cpu *cpu) { return (cpu->s.regs[R_EAX] >> 8) & 0xff; }

static void set_ax(X86Cpu *cpu, uint16_t ax)
{
    x86_reg_set(cpu, R_EAX, 2, false, ax);
}

/*
 * DAA/DAS, SDM vol. 2A: AL is adjusted by 06h and/or 60h.  SF, ZF, PF and
 * the undefined OF are those of the 8-bit add (subtract) of the whole
 * adjustment, run on the host; CF and AF follow the pseudocode.
 */
static void decimal_adjust(X86Cpu *cpu, bool subtract)
{
    uint8_t al = get_al(cpu);
    bool cf = cpu->s.rflags & X86_FLAG_CF, af = cpu->s.rflags & X86_FLAG_AF;
    uint8_t adjust = 0;
    bool new_cf = false, new_af = false;
    if ((al & 0x0f) > 9 || af) {
        adjust = 0x06;
        new_af = true;
        new_cf = cf || (subtract ? al < 6 : al > 0xff - 6);
    }
    if (al > 0x99 || cf) {
        adjust |= 0x60;
        new_cf = true;
    }
    uint64_t flags = cpu->s.rflags;
    uint64_t result = hostalu_binary(subtract ? HOSTALU_SUB : HOSTALU_ADD, 1, al, adjust, &flags);
    cpu->s.rflags = flags;
    set_flag(cpu, X86_FLAG_CF, new_cf);
    set_flag(cpu, X86_FLAG_AF, new_af);
    x86_reg_set(cpu, R_EAX, 1, false, result);
}

static void op_daa(X86Cpu *cpu, const X86Insn *insn) { decimal_adjust(cpu, false); }
static void op_das(X86Cpu *cpu, const X86Insn *insn) { decimal_adjust(cpu, true); }

static bool even_parity(uint8_t v)
{
    return !__builtin_parity(v);
}

/*
 * AAA/AAS, SDM vol. 2A: AX += 106h (AX -= 6, AH -= 1: together 106h) when
 * AL's low digit is over 9 or AF is set; CF = AF = that condition; then
 * AL &= 0Fh.  OF, SF, ZF and PF are undefined: this host sets them as the
 * 16-bit add (subtract) of the adjustment to AX does, so that is what runs.
 */
static void ascii_adjust(X86Cpu *cpu, bool subtract)
{
    uint16_t ax = cpu->s.regs[R_EAX] & 0xffff;
    bool adjust = (ax & 0x0f) > 9 || (cpu->s.rflags & X86_FLAG_AF);
    uint64_t flags = cpu->s.rflags;
    uint64_t result = hostalu_binary(subtract ? HOSTALU_SUB : HOSTALU_ADD, 2, ax,
                                     adjust ? 0x106 : 0, &flags);
    cpu->s.rflags = flags;
    set_ax(cpu, result & 0xff0f);
    set_flag(cpu, X86_FLAG_CF | X86_FLAG_AF, adjust);
}

static void op_aaa(X86Cpu *cpu, const X86Insn *insn) { ascii_adjust(cpu, false); }
static void op_aas(X86Cpu *cpu, const X86Insn *insn) { ascii_adjust(cpu, true); }

/* SF, ZF, PF of an 8-bit result; OF, AF, CF cleared. */
static void set_logic_flags8(X86Cpu *cpu, uint8_t v)
{
    cpu->s.rflags &= ~(uint64_t)X86_ARITH_FLAGS;
    set_flag(cpu, X86_FLAG_SF, v & 0x80);
    set_flag(cpu, X86_FLAG_ZF, v == 0);
    set_flag(cpu, X86_FLAG_PF, even_parity(v));
}

/* AAM imm8: AH = AL / imm8, AL = AL mod imm8; #DE if imm8 is 0.  Undefined OF, AF, CF: clear. */
static void op_aam(X86Cpu *cpu, const X86Insn *insn)
{
    uint8_t base = (uint8_t)x86_opnd_read(cpu, insn, 0);
    if (base == 0) {
        x86_raise(cpu, X86_EXC_DE, X86_NO_ERROR_CODE);
    }
    uint8_t al = get_al(cpu);
    uint8_t quotient = al / base, remainder = al % base;
    set_ax(cpu, (uint16_t)(quotient << 8 | remainder));
    set_logic_flags8(cpu, remainder);
}

/* AAD imm8: AL = AL + AH * imm8, AH = 0.  The flags are those of that 8-bit add, on the host. */
static void op_aad(X86Cpu *cpu, const X86Insn *insn)
{
    uint8_t base = (uint8_t)x86_opnd_read(cpu, insn, 0);
    uint8_t product = (uint8_t)(get_ah(cpu) * base);
    uint64_t flags = cpu->s.rflags;
    uint64_t al = hostalu_binary(HOSTALU_ADD, 1, get_al(cpu), product, &flags);
    cpu->s.rflags = flags;
    set_ax(cpu, al & 0xff);
}

/* SALC (D6, undocumented by Intel; AMD APM: "set AL to carry"): AL = CF ? FFh : 00h, flags kept. */
static void op_salc(X86Cpu *cpu, const X86Insn *insn)
{
    x86_reg_set(cpu, R_EAX, 1, false, (cpu->s.rflags & X86_FLAG_CF) ? 0xff : 0);
}

void x86_register_alu(X86Handler *table)
{
    table[X86_OP_ADD] = op_add;
    table[X86_OP_OR] = op_or;
    table[X86_OP_ADC] = op_adc;
    table[X86_OP_SBB] = op_sbb;
    table[X86_OP_AND] = op_and;
    table[X86_OP_SUB] = op_sub;
    table[X86_OP_XOR] = op_xor;
    table[X86_OP_CMP] = op_cmp;
    table[X86_OP_TEST] = op_test;
    table[X86_OP_INC] = op_inc;
    table[X86_OP_DEC] = op_dec;
    table[X86_OP_NEG] = op_neg;
    table[X86_OP_NOT] = op_not;
    table[X86_OP_ADCX] = op_adcx;
    table[X86_OP_ADOX] = op_adox;
    table[X86_OP_CMC] = op_cmc;
    table[X86_OP_CLC] = op_clc;
    table[X86_OP_STC] = op_stc;
    table[X86_OP_CLD] = op_cld;
    table[X86_OP_STD] = op_std;
    table[X86_OP_LAHF] = op_lahf;
    table[X86_OP_SAHF] = op_sahf;
    table[X86_OP_CBW] = op_cbw;
    table[X86_OP_CWD] = op_cwd;
    table[X86_OP_DAA] = op_daa;
    table[X86_OP_DAS] = op_das;
    table[X86_OP_AAA] = op_aaa;
    table[X86_OP_AAS] = op_aas;
    table[X86_OP_AAM] = op_aam;
    table[X86_OP_AAD] = op_aad;
    table[X86_OP_SALC] = op_salc;
}
