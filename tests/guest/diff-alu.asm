; tests/guest/diff-alu.asm: ADD..CMP, TEST, INC/DEC/NEG/NOT with edge operands at CPL3, compared across backends by diff.t.
; @output ^DIFF END alu mode=32$
; @timeout 120
;
; Every size, every pair of edge operands (0, 1, the largest and smallest
; signed values, all ones, 0x0f for the nibble carry, a mixed pattern), with
; the status flags all clear or all set on input (ADC/SBB: both, the rest
; alternate).  Then immediate, high-byte, memory and LOCK forms.  SDM vol. 2
; "Flags Affected": ADD ADC SUB SBB CMP NEG INC DEC define all six status flags
; (INC/DEC keep CF); AND OR XOR TEST leave AF undefined; NOT changes none.
%define DIFF_NAME "alu"
%include "runtime.inc"
%include "diff.inc"

test_main:
    DIFF_RUN 64
    DIFF_RUN 32
    ret

; Edge operands by size (0 b, 1 w, 2 d, 3 q).
%define V0_0 0
%define V0_1 1
%define V0_2 0x7f
%define V0_3 0x80
%define V0_4 0xff
%define V0_5 0x0f
%define V0_6 0xa5
%define V1_0 0
%define V1_1 1
%define V1_2 0x7fff
%define V1_3 0x8000
%define V1_4 0xffff
%define V1_5 0x0f0f
%define V1_6 0xa5c3
%define V2_0 0
%define V2_1 1
%define V2_2 0x7fffffff
%define V2_3 0x80000000
%define V2_4 0xffffffff
%define V2_5 0x0000000f
%define V2_6 0xa5c3e187
%define V3_0 0
%define V3_1 1
%define V3_2 0x7fffffffffffffff
%define V3_3 0x8000000000000000
%define V3_4 0xffffffffffffffff
%define V3_5 0x000000000000000f
%define V3_6 0xa5c3e1870f1e2d3c
%define NV 7

%define FL_CLEAR 0x002
%define FL_SET   0x8d7              ; CF PF AF ZF SF OF, and bit 1

; The register value holding operand v of size s: v in the low bits, the
; default pattern of register reg above (so a partial write shows).
%define REGV(reg, s, v) (((0x1010101010101010 + 0x0101010101010101 * ((reg) / 8)) & ~((2 << ((8 << (s)) - 1)) - 1)) | (v))

; BINOP mnemonic, size index, suffix, dst, src, both-flags: every operand pair.
%macro BINOP 6
%assign ai 0
%rep NV
%assign bi 0
%rep NV
%if %6
    DCASE %str(%1.%3), {%1 %4, %5}, iRAX, REGV(R_RAX, %2, V%2_%[ai]), iRBX, REGV(R_RBX, %2, V%2_%[bi]), iFL, FL_CLEAR
    DCASE %str(%1.%3), {%1 %4, %5}, iRAX, REGV(R_RAX, %2, V%2_%[ai]), iRBX, REGV(R_RBX, %2, V%2_%[bi]), iFL, FL_SET
%elif (ai + bi) & 1
    DCASE %str(%1.%3), {%1 %4, %5}, iRAX, REGV(R_RAX, %2, V%2_%[ai]), iRBX, REGV(R_RBX, %2, V%2_%[bi]), iFL, FL_SET
%else
    DCASE %str(%1.%3), {%1 %4, %5}, iRAX, REGV(R_RAX, %2, V%2_%[ai]), iRBX, REGV(R_RBX, %2, V%2_%[bi]), iFL, FL_CLEAR
%endif
%assign bi bi + 1
%endrep
%assign ai ai + 1
%endrep
%endmacro

; BINOP_SIZES mnemonic, both-flags
%macro BINOP_SIZES 2
    BINOP %1, 0, b, al, bl, %2
    BINOP %1, 1, w, ax, bx, %2
    BINOP %1, 2, d, eax, ebx, %2
%if __BITS__ == 64
    BINOP %1, 3, q, rax, rbx, %2
%endif
%endmacro

; UNOP mnemonic, size index, suffix, operand: every edge value, both flags.
%macro UNOP 4
%assign ai 0
%rep NV
    DCASE %str(%1.%3), {%1 %4}, iRAX, REGV(R_RAX, %2, V%2_%[ai]), iFL, FL_CLEAR
    DCASE %str(%1.%3), {%1 %4}, iRAX, REGV(R_RAX, %2, V%2_%[ai]), iFL, FL_SET
%assign ai ai + 1
%endrep
%endmacro

%macro UNOP_SIZES 1
    UNOP %1, 0, b, al
    UNOP %1, 1, w, ax
    UNOP %1, 2, d, eax
%if __BITS__ == 64
    UNOP %1, 3, q, rax
%endif
%endmacro

; FORM "name", code, size index, register field: five edge values in that
; register (0, 1, max, min, all ones), both flags.
%macro FORM 4
%assign ai 0
%rep 5
    DCASE %1, {%2}, %4, REGV(((%4) & 0xff) - S_GPR, %3, V%3_%[ai]), iFL, FL_CLEAR
    DCASE %1, {%2}, %4, REGV(((%4) & 0xff) - S_GPR, %3, V%3_%[ai]), iFL, FL_SET
%assign ai ai + 1
%endrep
%endmacro

; MFORM "name", code, size index: the operand in scratch memory at offset 8
; (RSI points at the scratch page), five edge values, both flags; RBX holds
; a mixed value for the two-operand forms.
%macro MFORM 3
%assign ai 0
%rep 5
    DCASE %1, {%2}, iRSI, diff_scratch, iMQ(8), REGV(R_RBX, %3, V%3_%[ai]), iRBX, 0x5a5a5a5a80017f01, iFL, FL_CLEAR
    DCASE %1, {%2}, iRSI, diff_scratch, iMQ(8), REGV(R_RBX, %3, V%3_%[ai]), iRBX, 0x5a5a5a5a80017f01, iFL, FL_SET
%assign ai ai + 1
%endrep
%endmacro

; The case list, assembled once per mode; xSI is RSI or ESI.
%macro ALU_CASES 0
    BINOP_SIZES add, 0
    BINOP_SIZES adc, 1
    BINOP_SIZES sub, 0
    BINOP_SIZES sbb, 1
    BINOP_SIZES cmp, 0
%define DIFF_FMASK (F_ALL & ~F_AF)
    BINOP_SIZES and, 0
    BINOP_SIZES or, 0
    BINOP_SIZES xor, 0
    BINOP_SIZES test, 0
%define DIFF_FMASK F_ALL
    UNOP_SIZES inc
    UNOP_SIZES dec
    UNOP_SIZES neg
    UNOP_SIZES not

    ; Immediates: short accumulator encodings, imm8 sign-extended, imm16/32.
    FORM "add.b al,imm8", {add al, 0x80}, 0, iRAX
    FORM "adc.w ax,imm16", {adc ax, 0x8001}, 1, iRAX
    FORM "sub.d eax,imm32", {sub eax, 0x7fffffff}, 2, iRAX
    FORM "sbb.b bl,imm8", {sbb bl, 0xff}, 0, iRBX
    FORM "adc.w cx,simm8", {adc cx, -2}, 1, iRCX
    FORM "cmp.d edx,simm8", {cmp edx, -128}, 2, iRDX
    FORM "sub.w si,imm16", {sub si, 0x8000}, 1, iRSI
    FORM "cmp.b al,imm8", {cmp al, 0x7f}, 0, iRAX
    FORM "add.d ebp,imm32", {add ebp, 0x80000000}, 2, iRBP
%define DIFF_FMASK (F_ALL & ~F_AF)
    FORM "and.w ax,imm16", {and ax, 0x8ff1}, 1, iRAX
    FORM "or.d ecx,simm8", {or ecx, -128}, 2, iRCX
    FORM "xor.b dl,imm8", {xor dl, 0x81}, 0, iRDX
    FORM "test.b al,imm8", {test al, 0x81}, 0, iRAX
    FORM "test.d ebx,imm32", {test ebx, 0x80000001}, 2, iRBX
    FORM "and.d eax,simm8", {and eax, -16}, 2, iRAX
%define DIFF_FMASK F_ALL

    ; High-byte registers (no REX).
    FORM "add.b ah,bh", {add ah, bh}, 1, iRAX
    FORM "sub.b bh,ah", {sub bh, ah}, 1, iRBX
    FORM "adc.b ch,al", {adc ch, al}, 1, iRCX
    FORM "neg.b dh", {neg dh}, 1, iRDX
    FORM "inc.b ah", {inc ah}, 1, iRAX
    FORM "cmp.b ah,ch", {cmp ah, ch}, 1, iRAX

    ; Memory operands, plain and locked.
    MFORM "add.d [m],ebx", {add [xSI + 8], ebx}, 2
    MFORM "adc.b [m],bl", {adc [xSI + 8], bl}, 0
    MFORM "sub.w bx,[m]", {sub bx, [xSI + 8]}, 1
    MFORM "sbb.d ebx,[m]", {sbb ebx, [xSI + 8]}, 2
    MFORM "cmp.d [m],imm8", {cmp dword [xSI + 8], 1}, 2
    MFORM "inc.w [m]", {inc word [xSI + 8]}, 1
    MFORM "dec.d [m]", {dec dword [xSI + 8]}, 2
    MFORM "neg.b [m]", {neg byte [xSI + 8]}, 0
    MFORM "not.w [m]", {not word [xSI + 8]}, 1
    MFORM "lock add.d [m],ebx", {lock add [xSI + 8], ebx}, 2
    MFORM "lock sbb.w [m],imm16", {lock sbb word [xSI + 8], 0x8000}, 1
    MFORM "lock neg.d [m]", {lock neg dword [xSI + 8]}, 2
    MFORM "lock inc.b [m]", {lock inc byte [xSI + 8]}, 0
    MFORM "lock not.d [m]", {lock not dword [xSI + 10]}, 2
%define DIFF_FMASK (F_ALL & ~F_AF)
    MFORM "and.d [m],ebx", {and [xSI + 8], ebx}, 2
    MFORM "or.b bl,[m]", {or bl, [xSI + 8]}, 0
    MFORM "xor.w [m],imm16", {xor word [xSI + 8], 0xffff}, 1
    MFORM "test.d [m],ebx", {test [xSI + 8], ebx}, 2
    MFORM "lock xor.d [m],ebx", {lock xor [xSI + 8], ebx}, 2
    MFORM "lock or.w [m],bx", {lock or [xSI + 9], bx}, 1
%define DIFF_FMASK F_ALL

    ; prefixes: LOCK where it is not allowed, ignored REP, stacked
    ; segment overrides, the 15-byte length limit (SDM vol. 2 2.1, 2.3.11)
    DCASE "lock add reg #UD", {db 0xf0, 0x01, 0xd8}, iFL, FL_SET
    DCASE "lock mov [m] #UD", {db 0xf0, 0x89, 0x06}, iRSI, diff_scratch, iFL, FL_SET
    DCASE "lock cmp [m] #UD", {db 0xf0, 0x39, 0x06}, iRSI, diff_scratch, iFL, FL_SET
    DCASE "rep add ignored", {db 0xf3, 0x01, 0xd8}, iFL, FL_CLEAR
    DCASE "repne adc ignored", {db 0xf2, 0x11, 0xd8}, iFL, FL_SET
    DCASE "cs ds fs add [m]", {db 0x2e, 0x3e, 0x64, 0x03, 0x06}, iRSI, diff_scratch, iFL, FL_CLEAR
    DCASE "66 66 add", {db 0x66, 0x66, 0x01, 0xd8}, iFL, FL_CLEAR
    DCASE "15-byte add", {db 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x01, 0xd8}, iFL, FL_SET
    DCASE "16-byte add #GP", {db 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x01, 0xd8}, iFL, FL_SET
%if __BITS__ == 64
    DCASE "rex.w then 66: rex ignored", {db 0x48, 0x66, 0x01, 0xd8}, iFL, FL_CLEAR
    DCASE "66 then rex.w", {db 0x66, 0x48, 0x01, 0xd8}, iFL, FL_CLEAR
    DCASE "two rex: the last counts", {db 0x4c, 0x48, 0x01, 0xd8}, iFL, FL_CLEAR
    DCASE "rex.w then f3: rex ignored", {db 0x48, 0xf3, 0x01, 0xd8}, iFL, FL_SET
    DCASE "a32 add [esi]", {add eax, [esi + 8]}, iRSI, diff_scratch, iGPRHI(R_RSI), 0xffffffff, iFL, FL_SET
    DCASE "add rip-relative", {add eax, [rel diff_table64]}, iFL, FL_SET
    DCASE "lock add [rip]", {lock add [rel diff_scratch + 8], ebx}, iFL, FL_SET
    FORM "add.q rax,simm32", {add rax, -0x80000000}, 3, iRAX
    FORM "sub.q r9,simm8", {sub r9, 1}, 3, iR9
    FORM "adc.q r15,rax", {adc r15, rax}, 3, iR15
    FORM "sbb.b r10b,imm8", {sbb r10b, 0x80}, 0, iR10
    FORM "cmp.q r12,simm32", {cmp r12, 0x7fffffff}, 3, iR12
    FORM "add.b sil,dil", {add sil, dil}, 0, iRSI
    FORM "neg.q r13", {neg r13}, 3, iR13
    FORM "inc.d r8d", {inc r8d}, 2, iR8
    FORM "dec.w r11w", {dec r11w}, 1, iR11
    MFORM "add.q [m],rbx", {add [xSI + 8], rbx}, 3
    MFORM "sbb.q rbx,[m]", {sbb rbx, [xSI + 8]}, 3
    MFORM "lock adc.q [m],rbx", {lock adc [xSI + 8], rbx}, 3
    MFORM "neg.q [m]", {neg qword [xSI + 8]}, 3
%define DIFF_FMASK (F_ALL & ~F_AF)
    FORM "and.q r14,simm32", {and r14, -0x10000}, 3, iR14
    FORM "xor.q rdi,simm8", {xor rdi, -1}, 3, iRDI
    FORM "test.q rax,simm32", {test rax, -0x80000000}, 3, iRAX
    MFORM "or.q [m],simm8", {or qword [xSI + 8], -2}, 3
%define DIFF_FMASK F_ALL
%endif
%endmacro

DIFF_CASES_BEGIN 64
%define xSI rsi
    ALU_CASES
DIFF_CASES_END 64

DIFF_CASES_BEGIN 32
%define xSI esi
    ALU_CASES
DIFF_CASES_END 32
