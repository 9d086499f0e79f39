; tests/guest/diff-shift.asm: SHL/SHR/SAR/ROL/ROR/RCL/RCR/SHLD/SHRD at counts 0, 1, width-1, width and beyond, compared across backends by diff.t.
; @output ^DIFF END shift mode=32$
; @timeout 120
;
; Every size, counts in CL and as immediates, register and memory
; destinations.  What the SDM (vol. 2, each instruction's "Flags Affected")
; leaves undefined is masked per case, from the count masked to 5 bits (6 for
; 64-bit operands):
;   count 0: no flag changes (all defined);
;   SHL/SHR/SAR, SHLD/SHRD: AF undefined; OF defined only for a count of 1;
;     CF undefined for SHL/SHR when the count is at least the operand size;
;   ROL/ROR/RCL/RCR: SF ZF AF PF are not affected (so they are compared);
;     OF defined only for a count of 1;
;   SHLD/SHRD on 16-bit operands with a count above 16: result and flags
;     undefined, those cases are left out.
%define DIFF_NAME "shift"
%include "runtime.inc"
%include "diff.inc"

test_main:
    DIFF_RUN 64
    DIFF_RUN 32
    ret

; Counts by size (0 b, 1 w, 2 d, 3 q).
%define C0_0 0
%define C0_1 1
%define C0_2 2
%define C0_3 7
%define C0_4 8
%define C0_5 9
%define C0_6 16
%define C0_7 17
%define C0_8 31
%define C0_9 32
%define C0_10 33
%define C0_11 255
%define NC0 12
%define C1_0 0
%define C1_1 1
%define C1_2 15
%define C1_3 16
%define C1_4 17
%define C1_5 31
%define C1_6 32
%define C1_7 33
%define C1_8 255
%define NC1 9
%define C2_0 0
%define C2_1 1
%define C2_2 31
%define C2_3 32
%define C2_4 33
%define C2_5 63
%define C2_6 255
%define NC2 7
%define C3_0 0
%define C3_1 1
%define C3_2 63
%define C3_3 64
%define C3_4 65
%define C3_5 127
%define C3_6 255
%define NC3 7

; Operand values by size: sign bit and bit 0 set, a mixed pattern, one
; with the top two bits different, and 1.
%define V0_0 0x81
%define V0_1 0xa5
%define V0_2 0x40
%define V0_3 0x01
%define V1_0 0x8001
%define V1_1 0xa5c3
%define V1_2 0x4000
%define V1_3 0x0001
%define V2_0 0x80000001
%define V2_1 0xa5c3e187
%define V2_2 0x40000000
%define V2_3 0x00000001
%define V3_0 0x8000000000000001
%define V3_1 0xa5c3e1870f1e2d3c
%define V3_2 0x4000000000000000
%define V3_3 0x0000000000000001
%define NV 4

%define FL_CLEAR 0x002
%define FL_SET   0x8d7

%define REGV(reg, s, v) (((0x1010101010101010 + 0x0101010101010101 * ((reg) / 8)) & ~((2 << ((8 << (s)) - 1)) - 1)) | (v))

; Kinds of shift for the flag masks.
%define K_SHIFT 0       ; SHL SHR
%define K_SAR   1
%define K_ROT   2       ; ROL ROR
%define K_RC    3       ; RCL RCR
%define K_DBL   4       ; SHLD SHRD

; SET_MASK kind, size index, count: DIFF_FMASK for that case.
%macro SET_MASK 3
%if %2 == 3
%assign %%mc (%3) & 0x3f
%else
%assign %%mc (%3) & 0x1f
%endif
%if %%mc == 0
%xdefine DIFF_FMASK F_ALL
%elif %1 == K_ROT || %1 == K_RC
%if %%mc == 1
%xdefine DIFF_FMASK F_ALL
%else
%xdefine DIFF_FMASK (F_ALL & ~F_OF)
%endif
%else
%if %%mc == 1
%assign %%m F_CF | F_OF | F_SF | F_ZF | F_PF
%else
%assign %%m F_CF | F_SF | F_ZF | F_PF
%endif
%if %1 == K_SHIFT && %%mc >= (8 << %2)
%assign %%m %%m & ~F_CF
%endif
%xdefine DIFF_FMASK %%m
%endif
%endmacro

; SHIFTS mnemonic, kind, size index, suffix, register, both-flags: count in
; CL (every count, every value), and as an immediate (every count, two values).
%macro SHIFTS 6
%assign ci 0
%rep NC%3
%assign vi 0
%rep NV
    SET_MASK %2, %3, C%3_%[ci]
%if %6 || ((ci + vi) & 1)
    DCASE %str(%1.%4 cl), {%1 %5, cl}, iRAX, REGV(R_RAX, %3, V%3_%[vi]), iRCX, REGV(R_RCX, 0, C%3_%[ci]), iFL, FL_SET
%endif
%if %6 || !((ci + vi) & 1)
    DCASE %str(%1.%4 cl), {%1 %5, cl}, iRAX, REGV(R_RAX, %3, V%3_%[vi]), iRCX, REGV(R_RCX, 0, C%3_%[ci]), iFL, FL_CLEAR
%endif
%if vi < 2
%if (ci + vi) & 1
    DCASE %str(%1.%4 imm), {%1 %5, C%3_%[ci]}, iRAX, REGV(R_RAX, %3, V%3_%[vi]), iFL, FL_CLEAR
%else
    DCASE %str(%1.%4 imm), {%1 %5, C%3_%[ci]}, iRAX, REGV(R_RAX, %3, V%3_%[vi]), iFL, FL_SET
%endif
%endif
%assign vi vi + 1
%endrep
%assign ci ci + 1
%endrep
%xdefine DIFF_FMASK F_ALL
%endmacro

%macro SHIFT_SIZES 3    ; mnemonic, kind, both-flags
    SHIFTS %1, %2, 0, b, al, %3
    SHIFTS %1, %2, 1, w, ax, %3
    SHIFTS %1, %2, 2, d, eax, %3
%if __BITS__ == 64
    SHIFTS %1, %2, 3, q, rax, %3
%endif
%endmacro

; DOUBLE mnemonic, size index, suffix, dst, src: SHLD/SHRD, count in CL and
; as an immediate, three destination values, a fixed source.
%macro DOUBLE 5
%assign ci 0
%rep NC%2
%if %2 != 1 || (C%2_%[ci] & 0x1f) <= 16
    SET_MASK K_DBL, %2, C%2_%[ci]
%assign vi 0
%rep 3
%if (ci + vi) & 1
    DCASE %str(%1.%3 cl), {%1 %4, %5, cl}, iRAX, REGV(R_RAX, %2, V%2_%[vi]), iRBX, REGV(R_RBX, %2, V%2_1), iRCX, REGV(R_RCX, 0, C%2_%[ci]), iFL, FL_SET
    DCASE %str(%1.%3 imm), {%1 %4, %5, C%2_%[ci]}, iRAX, REGV(R_RAX, %2, V%2_%[vi]), iRBX, REGV(R_RBX, %2, V%2_0), iFL, FL_CLEAR
%else
    DCASE %str(%1.%3 cl), {%1 %4, %5, cl}, iRAX, REGV(R_RAX, %2, V%2_%[vi]), iRBX, REGV(R_RBX, %2, V%2_1), iRCX, REGV(R_RCX, 0, C%2_%[ci]), iFL, FL_CLEAR
    DCASE %str(%1.%3 imm), {%1 %4, %5, C%2_%[ci]}, iRAX, REGV(R_RAX, %2, V%2_%[vi]), iRBX, REGV(R_RBX, %2, V%2_0), iFL, FL_SET
%endif
%assign vi vi + 1
%endrep
%endif
%assign ci ci + 1
%endrep
%xdefine DIFF_FMASK F_ALL
%endmacro

; MEM mnemonic, kind, size index, code, count: a memory destination at
; scratch offset 8, two values, count in CL (or in the code), both flags.
%macro MEM 5
    SET_MASK %2, %3, %5
%assign vi 0
%rep 2
    DCASE %str(%1 [m]), {%4}, iRSI, diff_scratch, iMQ(8), REGV(R_RBX, %3, V%3_%[vi]), iRCX, REGV(R_RCX, 0, %5), iRBX, REGV(R_RBX, %3, V%3_1), iFL, FL_CLEAR
    DCASE %str(%1 [m]), {%4}, iRSI, diff_scratch, iMQ(8), REGV(R_RBX, %3, V%3_%[vi]), iRCX, REGV(R_RCX, 0, %5), iRBX, REGV(R_RBX, %3, V%3_1), iFL, FL_SET
%assign vi vi + 1
%endrep
%xdefine DIFF_FMASK F_ALL
%endmacro

%macro SHIFT_CASES 0
    SHIFT_SIZES shl, K_SHIFT, 0
    SHIFT_SIZES shr, K_SHIFT, 0
    SHIFT_SIZES sar, K_SAR, 0
    SHIFT_SIZES rol, K_ROT, 0
    SHIFT_SIZES ror, K_ROT, 0
    SHIFT_SIZES rcl, K_RC, 1
    SHIFT_SIZES rcr, K_RC, 1
    DOUBLE shld, 1, w, ax, bx
    DOUBLE shld, 2, d, eax, ebx
    DOUBLE shrd, 1, w, ax, bx
    DOUBLE shrd, 2, d, eax, ebx
%if __BITS__ == 64
    DOUBLE shld, 3, q, rax, rbx
    DOUBLE shrd, 3, q, rax, rbx
%endif
    ; High-byte registers and memory destinations.
    SET_MASK K_SHIFT, 0, 3
    DCASE "shl.b ah cl", {shl ah, cl}, iRAX, 0x1010101010108110, iRCX, 3, iFL, FL_SET
    SET_MASK K_RC, 0, 9
    DCASE "rcl.b bh cl", {rcl bh, cl}, iRBX, 0x1111111111118111, iRCX, 9, iFL, FL_SET
    SET_MASK K_ROT, 0, 1
    DCASE "ror.b ch 1", {ror ch, 1}, iRCX, 0x1212121212128112, iFL, FL_CLEAR
    MEM shl.d, K_SHIFT, 2, {shl dword [xSI + 8], cl}, 5
    MEM shr.w, K_SHIFT, 1, {shr word [xSI + 8], 1}, 1
    MEM sar.b, K_SAR, 0, {sar byte [xSI + 8], cl}, 7
    MEM rol.d, K_ROT, 2, {rol dword [xSI + 8], cl}, 31
    MEM rcr.w, K_RC, 1, {rcr word [xSI + 9], 1}, 1
    MEM rcl.b, K_RC, 0, {rcl byte [xSI + 8], cl}, 9
    MEM shld.d, K_DBL, 2, {shld [xSI + 8], ebx, cl}, 12
    MEM shrd.w, K_DBL, 1, {shrd [xSI + 8], bx, 4}, 4
%if __BITS__ == 64
    MEM shl.q, K_SHIFT, 3, {shl qword [xSI + 8], cl}, 63
    MEM rcr.q, K_RC, 3, {rcr qword [xSI + 8], cl}, 65
    MEM shrd.q, K_DBL, 3, {shrd [xSI + 8], rbx, cl}, 40
    SET_MASK K_SHIFT, 3, 7
    DCASE "shl.q r9 cl", {shl r9, cl}, iR9, 0x8000000000000081, iRCX, 7, iFL, FL_SET
    SET_MASK K_SAR, 2, 31
    DCASE "sar.d r12d imm", {sar r12d, 31}, iR12, 0x1c1c1c1c80000000, iFL, FL_CLEAR
    SET_MASK K_ROT, 0, 4
    DCASE "rol.b sil imm", {rol sil, 4}, iRSI, 0x14141414141414a5, iFL, FL_SET
%xdefine DIFF_FMASK F_ALL
%endif
%endmacro

DIFF_CASES_BEGIN 64
%define xSI rsi
    SHIFT_CASES
DIFF_CASES_END 64

DIFF_CASES_BEGIN 32
%define xSI esi
    SHIFT_CASES
DIFF_CASES_END 32
