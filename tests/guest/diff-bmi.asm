; tests/guest/diff-bmi.asm: BMI1/BMI2 (VEX-encoded) with edge operands, and the VEX and mandatory-prefix #UD rules, compared across backends by diff.t.
; @output ^DIFF END bmi mode=32$
; @args -cpu max
; @timeout 120
;
; "-cpu max": BMI1 and BMI2 are in interp's CPUID there (kvm runs CPL3 code
; on the host CPU whatever CPUID says).  SDM vol. 2 "Flags Affected": ANDN,
; BLSI, BLSMSK, BLSR, BZHI leave AF and PF undefined, BEXTR also SF; MULX,
; PDEP, PEXT, RORX, SARX, SHLX, SHRX change no flag (so every flag is
; compared, with the input flags all set or all clear).  Operands: 32-bit in
; both modes, 64-bit (VEX.W1) in 64-bit mode; BEXTR start/length and BZHI
; index at and beyond the width, counts that the instruction masks, PDEP/PEXT
; masks sparse, dense and random; registers and memory.  Then encodings that
; are #UD: VEX.L = 1, VEX after 66/F2/F3/LOCK, RORX's vvvv not 1111b, and
; SSE/NP opcodes with a mandatory prefix they have no form for.
%define DIFF_NAME "bmi"
%include "runtime.inc"
%include "diff.inc"

test_main:
    DIFF_RUN 64
    DIFF_RUN 32
    ret

; Values by size (2 d, 3 q).
%define V2_0 0
%define V2_1 1
%define V2_2 0x80000000
%define V2_3 0xffffffff
%define V2_4 0x000ff000
%define V2_5 0xa5c3e187
%define V2_6 0x7fffffff
%define V3_0 0
%define V3_1 1
%define V3_2 0x8000000000000000
%define V3_3 0xffffffffffffffff
%define V3_4 0x00000ff000000000
%define V3_5 0xa5c3e1870f1e2d3c
%define V3_6 0x7fffffffffffffff
%define NV 7

; PDEP/PEXT masks by size.
%define M2_0 0
%define M2_1 0xffffffff
%define M2_2 0x80000001
%define M2_3 0x0f0f00f0
%define M2_4 0x5a5a5a5a
%define M3_0 0
%define M3_1 0xffffffffffffffff
%define M3_2 0x8000000000000001
%define M3_3 0x00f0000f0f0f00f0
%define M3_4 0x5a5a5a5a5a5a5a5a
%define NM 5

; Bit positions (BEXTR start and length, BZHI index, counts); the high bits
; of the control registers are set as well (ignored by the instructions).
%define P_0 0
%define P_1 1
%define P_2 7
%define P_3 31
%define P_4 32
%define P_5 33
%define P_6 63
%define P_7 64
%define P_8 65
%define P_9 255
%define NP 10
%define HIGH 0x1234567800000000

%define FL_CLEAR 0x002
%define FL_SET   0x8d7

; A register value of size index s: the default pattern above, v below.
%define REGV(reg, s, v) (((0x1010101010101010 + 0x0101010101010101 * ((reg) / 8)) & ~((2 << ((8 << (s)) - 1)) - 1)) | (v))

; BINARY mnemonic, size index, suffix, dst, src1 (vvvv), src2 (r/m): every value pair.
%macro BINARY 6
%assign vi 0
%rep NV
%assign wi 0
%rep NV
%if (vi + wi) & 1
    DCASE %str(%1.%3), {%1 %4, %5, %6}, iRBX, REGV(R_RBX, %2, V%2_%[vi]), iRCX, REGV(R_RCX, %2, V%2_%[wi]), iRDX, REGV(R_RDX, %2, V%2_%[wi]), iFL, FL_SET
%else
    DCASE %str(%1.%3), {%1 %4, %5, %6}, iRBX, REGV(R_RBX, %2, V%2_%[vi]), iRCX, REGV(R_RCX, %2, V%2_%[wi]), iRDX, REGV(R_RDX, %2, V%2_%[vi]), iFL, FL_CLEAR
%endif
%assign wi wi + 1
%endrep
%assign vi vi + 1
%endrep
%endmacro

; UNARY mnemonic, size index, suffix, dst, src: every value.
%macro UNARY 5
%assign vi 0
%rep NV
%if vi & 1
    DCASE %str(%1.%3), {%1 %4, %5}, iRCX, REGV(R_RCX, %2, V%2_%[vi]), iFL, FL_SET
%else
    DCASE %str(%1.%3), {%1 %4, %5}, iRCX, REGV(R_RCX, %2, V%2_%[vi]), iFL, FL_CLEAR
%endif
%assign vi vi + 1
%endrep
%endmacro

; MASKED mnemonic, size index, suffix, dst, src (vvvv), mask (r/m): values x masks.
%macro MASKED 6
%assign vi 0
%rep NV
%assign mi 0
%rep NM
    DCASE %str(%1.%3), {%1 %4, %5, %6}, iRBX, REGV(R_RBX, %2, V%2_%[vi]), iRCX, REGV(R_RCX, %2, M%2_%[mi]), iFL, FL_SET
%assign mi mi + 1
%endrep
%assign vi vi + 1
%endrep
%endmacro

; CONTROL mnemonic, size index, suffix, dst, src (r/m), control (vvvv): values x positions.
%macro CONTROL 6
%assign vi 2
%rep 4
%assign pi 0
%rep NP
    DCASE %str(%1.%3), {%1 %4, %5, %6}, iRCX, REGV(R_RCX, %2, V%2_%[vi]), iRBX, HIGH | P_%[pi], iFL, FL_SET
%assign pi pi + 1
%endrep
%assign vi vi + 1
%endrep
%endmacro

; BEXTR_ALL size index, suffix, dst, src, control: start x length.
%macro BEXTR_ALL 5
%assign si 0
%rep NP
%assign li 0
%rep NP
    DCASE %str(bextr.%2), {bextr %3, %4, %5}, iRCX, REGV(R_RCX, %1, V%1_5), iRBX, HIGH | (P_%[li] << 8) | P_%[si], iFL, FL_CLEAR
%assign li li + 1
%endrep
%assign si si + 1
%endrep
%endmacro

; RORX_ALL size index, suffix, dst, src: values x counts.
%macro RORX_ALL 4
%assign vi 2
%rep 4
%assign pi 0
%rep NP
%defstr COUNT P_%[pi]
%strcat NAME "rorx.", %str(%2), " ", COUNT
    DCASE NAME, {rorx %3, %4, P_%[pi]}, iRCX, REGV(R_RCX, %1, V%1_%[vi]), iFL, FL_SET
%assign pi pi + 1
%endrep
%assign vi vi + 1
%endrep
%endmacro

; MULX_ALL size index, suffix, high, low, src: rDX x values.
%macro MULX_ALL 5
%assign vi 0
%rep NV
%assign wi 1
%rep 5
    DCASE %str(mulx.%2), {mulx %3, %4, %5}, iRDX, REGV(R_RDX, %1, V%1_%[vi]), iRCX, REGV(R_RCX, %1, V%1_%[wi]), iFL, FL_SET
%assign wi wi + 1
%endrep
%assign vi vi + 1
%endrep
%endmacro

%macro SIZE_CASES 6     ; size index, suffix, a, b, c, d: the registers rAX rBX rCX rDX of that size
%xdefine DIFF_FMASK (F_CF | F_ZF | F_SF | F_OF)
    BINARY andn, %1, %2, %3, %4, %5
    UNARY blsi, %1, %2, %4, %5
    UNARY blsmsk, %1, %2, %4, %5
    UNARY blsr, %1, %2, %4, %5
    CONTROL bzhi, %1, %2, %3, %5, %4
%xdefine DIFF_FMASK (F_CF | F_ZF | F_OF)
    BEXTR_ALL %1, %2, %3, %5, %4
%xdefine DIFF_FMASK F_ALL
    MASKED pdep, %1, %2, %3, %4, %5
    MASKED pext, %1, %2, %3, %4, %5
    MULX_ALL %1, %2, %3, %4, %5
    DCASE %str(mulx.%2 same dst), {mulx %3, %3, %5}, iRDX, REGV(R_RDX, %1, V%1_5), iRCX, REGV(R_RCX, %1, V%1_3), iFL, FL_CLEAR
    CONTROL shlx, %1, %2, %3, %5, %4
    CONTROL shrx, %1, %2, %3, %5, %4
    CONTROL sarx, %1, %2, %3, %5, %4
    RORX_ALL %1, %2, %3, %5
%endmacro

%macro BMI_CASES 0
    SIZE_CASES 2, d, eax, ebx, ecx, edx
%if __BITS__ == 64
    SIZE_CASES 3, q, rax, rbx, rcx, rdx
    DCASE "andn.q r8,r15,r9", {andn r8, r15, r9}, iR15, 0x00ff00ff00ff00ff, iR9, 0x0f0f0f0f0f0f0f0f, iFL, FL_SET
    DCASE "blsr.q r12,r13", {blsr r12, r13}, iR13, 0x0000010000000000, iFL, FL_CLEAR
    DCASE "pdep.q r10,r11,r14", {pdep r10, r11, r14}, iR11, 0x1234, iR14, 0xf0f000000000f0f0, iFL, FL_SET
%endif

    ; memory operands
%xdefine DIFF_FMASK (F_CF | F_ZF | F_SF | F_OF)
    DCASE "andn.d [m]", {andn eax, ebx, [xSI + 8]}, iRSI, diff_scratch, iMQ(8), 0x00000000f0f0ff00, iRBX, 0x0ff0, iFL, FL_SET
    DCASE "blsi.d [m]", {blsi eax, [xSI + 8]}, iRSI, diff_scratch, iMQ(8), 0x0000000000012300, iFL, FL_SET
    DCASE "bzhi.d [m]", {bzhi eax, [xSI + 12], ebx}, iRSI, diff_scratch, iMQ(8), 0x89abcdef01234567, iRBX, 13, iFL, FL_CLEAR
%xdefine DIFF_FMASK (F_CF | F_ZF | F_OF)
    DCASE "bextr.d [m]", {bextr eax, [xSI + 9], ebx}, iRSI, diff_scratch, iMQ(8), 0x89abcdef01234567, iRBX, 0x0c04, iFL, FL_SET
%xdefine DIFF_FMASK F_ALL
    DCASE "mulx.d [m]", {mulx eax, ebx, [xSI + 8]}, iRSI, diff_scratch, iMQ(8), 0x00000000fedcba98, iRDX, 0x87654321, iFL, FL_SET
    DCASE "pext.d [m]", {pext eax, ebx, [xSI + 8]}, iRSI, diff_scratch, iMQ(8), 0x00000000ff00ff00, iRBX, 0x12345678, iFL, FL_CLEAR
    DCASE "rorx.d [m]", {rorx eax, [xSI + 8], 12}, iRSI, diff_scratch, iMQ(8), 0x0000000012345678, iFL, FL_SET
    DCASE "sarx.d [m]", {sarx eax, [xSI + 8], ebx}, iRSI, diff_scratch, iMQ(8), 0x0000000080000000, iRBX, 35, iFL, FL_CLEAR
%if __BITS__ == 64
    DCASE "mulx.q [m]", {mulx rax, rbx, [rsi + 8]}, iRSI, diff_scratch, iMQ(8), 0xfedcba9876543210, iRDX, -3, iFL, FL_SET
    DCASE "bextr.q [m]", {bextr rax, [rsi + 8], rbx}, iRSI, diff_scratch, iMQ(8), 0xfedcba9876543210, iRBX, 0x2810, iFL, FL_SET
    DCASE "andn.q [m] #PF", {andn rax, rbx, [rsi]}, iRSI, diff_scratch + 0x100000000, iFL, FL_SET
%endif

    ; #UD: VEX.L = 1; VEX after 66, F2, F3, LOCK; RORX with vvvv other than 1111b
    DCASE "andn L1 #UD", {db 0xc4, 0xe2, 0x64, 0xf2, 0xc1}, iFL, FL_SET
    DCASE "66 andn #UD", {db 0x66, 0xc4, 0xe2, 0x60, 0xf2, 0xc1}, iFL, FL_SET
    DCASE "f2 pdep #UD", {db 0xf2, 0xc4, 0xe2, 0x63, 0xf5, 0xc1}, iFL, FL_SET
    DCASE "f3 bzhi #UD", {db 0xf3, 0xc4, 0xe2, 0x60, 0xf5, 0xc1}, iFL, FL_SET
    DCASE "lock blsr [m] #UD", {db 0xf0, 0xc4, 0xe2, 0x78, 0xf3, 0x0e}, iRSI, diff_scratch, iFL, FL_SET
    DCASE "rorx vvvv 1110 #UD", {db 0xc4, 0xe3, 0x73, 0xf0, 0xc1, 0x03}, iFL, FL_SET
    DCASE "rorx vvvv 0111 #UD", {db 0xc4, 0xe3, 0x3b, 0xf0, 0xc1, 0x03}, iFL, FL_SET
    DCASE "vex group 17 /4 #UD", {db 0xc4, 0xe2, 0x78, 0xf3, 0xe1}, iFL, FL_SET
    DCASE "vex 0f38 f4 #UD", {db 0xc4, 0xe2, 0x78, 0xf4, 0xc1}, iFL, FL_SET
    DCASE "vex movbe #UD", {db 0xc4, 0xe2, 0x78, 0xf0, 0x06}, iRSI, diff_scratch, iFL, FL_SET

    ; a 66/F2/F3 the opcode has no form for: #UD, not the form without it.  (66 0F C3,
    ; MOVNTI, is #UD natively too, but the host kvm here intercepts the #UD and its
    ; instruction emulator runs it as MOVNTI: left to the unit tests.)
    DCASE "f3 0f 28 movaps #UD", {db 0xf3, 0x0f, 0x28, 0xc1}, iFL, FL_SET
    DCASE "f2 0f 54 andps #UD", {db 0xf2, 0x0f, 0x54, 0xc1}, iFL, FL_SET
    DCASE "66 f3 0f 58 ok: addss", {db 0x66, 0xf3, 0x0f, 0x58, 0xc1}, iFL, FL_SET
    DCASE "66 0f 77 emms #UD", {db 0x66, 0x0f, 0x77}, iFL, FL_SET
    DCASE "f3 0f 38 f0 movbe #UD", {db 0xf3, 0x0f, 0x38, 0xf0, 0x06}, iRSI, diff_scratch, iFL, FL_SET
    DCASE "66 0f 38 f0 movbe.w", {db 0x66, 0x0f, 0x38, 0xf0, 0x06}, iRSI, diff_scratch, iMQ(0), 0x1122334455667788, iFL, FL_SET
    DCASE "f2 0f 38 00 pshufb #UD", {db 0xf2, 0x0f, 0x38, 0x00, 0xc1}, iFL, FL_SET
    DCASE "f3 0f c7 f0 rdrand #UD", {db 0xf3, 0x0f, 0xc7, 0xf0}, iFL, FL_SET
%xdefine DIFF_FMASK F_ZF
    DCASE "f2 0f bc bsf: f2 ignored", {db 0xf2, 0x0f, 0xbc, 0xc3}, iRBX, 0x0100, iFL, FL_SET
    DCASE "66 0f bc bsf.w", {db 0x66, 0x0f, 0xbc, 0xc3}, iRBX, 0x8000, iFL, FL_CLEAR
%xdefine DIFF_FMASK F_ALL
%endmacro

DIFF_CASES_BEGIN 64
%define xSI rsi
    BMI_CASES
DIFF_CASES_END 64

DIFF_CASES_BEGIN 32
%define xSI esi
    BMI_CASES
DIFF_CASES_END 32
