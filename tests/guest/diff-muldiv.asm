; tests/guest/diff-muldiv.asm: MUL/IMUL in every form, DIV/IDIV with edge dividends and divisors (#DE included), compared across backends by diff.t.
; @output ^DIFF END muldiv mode=32$
; @timeout 120
;
; SDM vol. 2 "Flags Affected": MUL and IMUL define CF and OF only (SF ZF AF
; PF undefined); DIV and IDIV leave all six undefined.  A divide error (#DE:
; divisor 0, or a quotient too big for the destination, including IDIV of
; the most negative dividend by -1) ends the case with EXC=00 and the
; registers as they were.
%define DIFF_NAME "muldiv"
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
%define V0_5 0x02
%define V0_6 0xa5
%define V1_0 0
%define V1_1 1
%define V1_2 0x7fff
%define V1_3 0x8000
%define V1_4 0xffff
%define V1_5 0x0002
%define V1_6 0xa5c3
%define V2_0 0
%define V2_1 1
%define V2_2 0x7fffffff
%define V2_3 0x80000000
%define V2_4 0xffffffff
%define V2_5 0x00000002
%define V2_6 0xa5c3e187
%define V3_0 0
%define V3_1 1
%define V3_2 0x7fffffffffffffff
%define V3_3 0x8000000000000000
%define V3_4 0xffffffffffffffff
%define V3_5 0x0000000000000002
%define V3_6 0xa5c3e1870f1e2d3c
%define V0_7 3
%define V1_7 3
%define V2_7 3
%define V3_7 3
%define NV 7

; Divisors: 1, 2, 3, max and min signed, all ones, mixed (zero: by hand
; below).  Dividend halves: high 0 and 1 for DIV (only 1 / 1 overflows),
; 0 and all ones for IDIV; low 0, 1, min signed, all ones, mixed.  That
; keeps the #DE cases few: each costs a trip through CPL0, which the host
; kvm here emulates slowly.
%define D_0 1
%define D_1 5
%define D_2 7
%define D_3 2
%define D_4 3
%define D_5 4
%define D_6 6
%define ND 7
%define Hdiv_0 0
%define Hdiv_1 1
%define Hidiv_0 0
%define Hidiv_1 4
%define NH 2
%define L_0 0
%define L_1 1
%define L_2 3
%define L_3 4
%define L_4 6
%define NL 5

%define FL_CLEAR 0x002
%define FL_SET   0x8d7

%define REGV(reg, s, v) (((0x1010101010101010 + 0x0101010101010101 * ((reg) / 8)) & ~((2 << ((8 << (s)) - 1)) - 1)) | (v))
%define MASKOF(s) ((2 << ((8 << (s)) - 1)) - 1)

; ONE mnemonic, size index, suffix, operand: MUL/IMUL/DIV/IDIV r/m with the
; multiplicand in AL/AX/EAX/RAX and the other operand in BL/BX/EBX/RBX.
%macro MUL1 4
%assign ai 0
%rep NV
%assign bi 0
%rep NV
%if (ai + bi) & 1
    DCASE %str(%1.%3), {%1 %4}, iRAX, REGV(R_RAX, %2, V%2_%[ai]), iRBX, REGV(R_RBX, %2, V%2_%[bi]), iFL, FL_SET
%else
    DCASE %str(%1.%3), {%1 %4}, iRAX, REGV(R_RAX, %2, V%2_%[ai]), iRBX, REGV(R_RBX, %2, V%2_%[bi]), iFL, FL_CLEAR
%endif
%assign bi bi + 1
%endrep
%assign ai ai + 1
%endrep
%endmacro

; IMUL2 size index, suffix, dst, src: IMUL r, r/m.
%macro IMUL2 4
%assign ai 0
%rep NV
%assign bi 0
%rep NV
    DCASE %str(imul2.%2), {imul %3, %4}, iRAX, REGV(R_RAX, %1, V%1_%[ai]), iRBX, REGV(R_RBX, %1, V%1_%[bi]), iFL, FL_SET
%assign bi bi + 1
%endrep
%assign ai ai + 1
%endrep
%endmacro

; IMUL3 size index, suffix, dst, src, immediate: IMUL r, r/m, imm.
%macro IMUL3 5
%assign bi 0
%rep NV
    DCASE %str(imul3.%2), {imul %3, %4, %5}, iRBX, REGV(R_RBX, %1, V%1_%[bi]), iFL, FL_CLEAR
%assign bi bi + 1
%endrep
%endmacro

; DIVS mnemonic, size index, suffix, divisor register: every dividend
; (high half in AH or DX/EDX/RDX, low half in AL or AX/EAX/RAX) by every
; divisor.
%macro DIVS 4
%assign hi 0
%rep NH
%assign li 0
%rep NL
%assign di 0
%rep ND
%if %2 == 0
    DCASE %str(%1.%3), {%1 %4}, iRAX, REGV(R_RAX, 1, (V0_%[H%1_%[hi]] << 8) | V0_%[L_%[li]]), iRBX, REGV(R_RBX, 0, V0_%[D_%[di]]), iFL, FL_CLEAR
%else
    DCASE %str(%1.%3), {%1 %4}, iRDX, REGV(R_RDX, %2, V%2_%[H%1_%[hi]]), iRAX, REGV(R_RAX, %2, V%2_%[L_%[li]]), iRBX, REGV(R_RBX, %2, V%2_%[D_%[di]]), iFL, FL_SET
%endif
%assign di di + 1
%endrep
%assign li li + 1
%endrep
%assign hi hi + 1
%endrep
    DCASE %str(%1.%3 by 0), {%1 %4}, iRAX, 1, iRDX, 0, iRBX, REGV(R_RBX, %2, 0), iFL, FL_SET
    DCASE %str(%1.%3 overflow), {%1 %4}, iRAX, -1, iRDX, REGV(R_RDX, %2, V%2_2), iRBX, REGV(R_RBX, %2, V%2_2), iFL, FL_CLEAR
%endmacro

%macro MULDIV_CASES 0
%xdefine DIFF_FMASK (F_CF | F_OF)
    MUL1 mul, 0, b, bl
    MUL1 mul, 1, w, bx
    MUL1 mul, 2, d, ebx
    MUL1 imul, 0, b, bl
    MUL1 imul, 1, w, bx
    MUL1 imul, 2, d, ebx
    IMUL2 1, w, ax, bx
    IMUL2 2, d, eax, ebx
    IMUL3 1, w.simm8, ax, bx, -128
    IMUL3 1, w.imm16, ax, bx, 0x7fff
    IMUL3 2, d.simm8, eax, ebx, 127
    IMUL3 2, d.imm32, eax, ebx, -0x80000000
    IMUL3 2, d.imm32b, eax, ebx, 0x12345
%if __BITS__ == 64
    MUL1 mul, 3, q, rbx
    MUL1 imul, 3, q, rbx
    IMUL2 3, q, rax, rbx
    IMUL3 3, q.simm8, rax, rbx, -1
    IMUL3 3, q.imm32, rax, rbx, 0x7fffffff
    IMUL3 3, q.imm32n, rax, rbx, -0x80000000
%endif
    ; memory operands and other registers
    DCASE "mul.d [m]", {mul dword [xSI + 8]}, iRSI, diff_scratch, iRAX, 0xfffffffe, iMQ(8), 0x00000000fffffffd, iFL, FL_SET
    DCASE "imul.w [m]", {imul word [xSI + 8]}, iRSI, diff_scratch, iRAX, 0x8000, iMQ(8), 0x8000, iFL, FL_CLEAR
    DCASE "imul2.d ecx,[m]", {imul ecx, [xSI + 8]}, iRSI, diff_scratch, iRCX, 0x10000, iMQ(8), 0x8000, iFL, FL_CLEAR
    DCASE "imul3.w dx,[m],imm", {imul dx, [xSI + 8], 0x100}, iRSI, diff_scratch, iMQ(8), 0x0081, iFL, FL_SET
    DCASE "imul3.d ebp,[m],simm8", {imul ebp, [xSI + 8], -2}, iRSI, diff_scratch, iMQ(8), 0x40000000, iFL, FL_CLEAR
    DCASE "mul.b ah", {mul ah}, iRAX, 0x1010101010108181, iFL, FL_SET
    DCASE "imul.b dh", {imul dh}, iRAX, 0x10101010101010ff, iRDX, 0x1313131313137f13, iFL, FL_SET

%xdefine DIFF_FMASK F_NONE
    DIVS div, 0, b, bl
    DIVS div, 1, w, bx
    DIVS div, 2, d, ebx
    DIVS idiv, 0, b, bl
    DIVS idiv, 1, w, bx
    DIVS idiv, 2, d, ebx
%if __BITS__ == 64
    DIVS div, 3, q, rbx
    DIVS idiv, 3, q, rbx
%endif
    DCASE "div.d [m]", {div dword [xSI + 8]}, iRSI, diff_scratch, iRDX, 5, iRAX, 0x12345678, iMQ(8), 0x10, iFL, FL_SET
    DCASE "idiv.w [m]", {idiv word [xSI + 8]}, iRSI, diff_scratch, iRDX, 0xffff, iRAX, 0x0001, iMQ(8), 0x7, iFL, FL_CLEAR
    DCASE "div.b [m] #DE", {div byte [xSI + 8]}, iRSI, diff_scratch, iRAX, 0x1234, iMQ(8), 0, iFL, FL_CLEAR
    DCASE "idiv.b ch", {idiv ch}, iRAX, 0xff81, iRCX, 0xff00, iFL, FL_SET
    DCASE "idiv.b -128/-1 #DE", {idiv cl}, iRAX, 0xff80, iRCX, 0xff, iFL, FL_SET
    DCASE "idiv.w -32768/-1 #DE", {idiv cx}, iRAX, 0x8000, iRDX, 0xffff, iRCX, 0xffff, iFL, FL_SET
    DCASE "idiv.d -2^31/-1 #DE", {idiv ecx}, iRAX, 0x80000000, iRDX, 0xffffffff, iRCX, 0xffffffff, iFL, FL_SET
    DCASE "idiv.b -127/-1", {idiv cl}, iRAX, 0xff81, iRCX, 0xff, iFL, FL_SET
    DCASE "idiv.d quotient -2^31", {idiv ecx}, iRAX, 0x80000000, iRDX, 0xffffffff, iRCX, 1, iFL, FL_SET
    DCASE "idiv.d quotient 2^31 #DE", {idiv ecx}, iRAX, 0x80000000, iRDX, 0, iRCX, 1, iFL, FL_SET
%if __BITS__ == 64
    DCASE "idiv.q -2^63/-1 #DE", {idiv rcx}, iRAX, 0x8000000000000000, iRDX, -1, iRCX, -1, iFL, FL_SET
    DCASE "div.q r9", {div r9}, iRAX, 0xffffffffffffffff, iRDX, 0x7ffffffffffffffe, iR9, 0x7fffffffffffffff, iFL, FL_SET
    DCASE "idiv.q [m]", {idiv qword [xSI + 8]}, iRSI, diff_scratch, iRDX, -1, iRAX, -7, iMQ(8), 2, iFL, FL_CLEAR
%endif
%xdefine DIFF_FMASK F_ALL
%endmacro

DIFF_CASES_BEGIN 64
%define xSI rsi
    MULDIV_CASES
DIFF_CASES_END 64

DIFF_CASES_BEGIN 32
%define xSI esi
    MULDIV_CASES
DIFF_CASES_END 32
