; tests/guest/diff-bcd.asm: DAA/DAS/AAA/AAS/AAM/AAD in compatibility mode (and their #UD in 64-bit mode), compared by diff.t.
; @output ^DIFF END bcd mode=32$
; @timeout 120
;
; The BCD adjustments do not exist in 64-bit mode (SDM vol. 2: #UD there),
; so their results are compatibility-mode cases only, where the host kvm's
; reference is the host kernel's instruction emulator: it has no DAA, AAA,
; AAS (#UD) and does the others in software.  diff.t therefore checks these
; against the SDM's pseudo-code as well.  Flags (SDM vol. 2): DAA/DAS define
; CF AF SF ZF PF (OF undefined); AAA/AAS define AF CF only; AAM/AAD define
; SF ZF PF only.  AAM with an immediate of 0 raises #DE.
%define DIFF_NAME "bcd"
%include "runtime.inc"
%include "diff.inc"

test_main:
    DIFF_RUN 64
    DIFF_RUN 32
    ret

; AL values: every digit boundary and carry edge, and some others.
%define A_0 0x00
%define A_1 0x01
%define A_2 0x05
%define A_3 0x09
%define A_4 0x0a
%define A_5 0x0f
%define A_6 0x10
%define A_7 0x19
%define A_8 0x1a
%define A_9 0x3c
%define A_10 0x42
%define A_11 0x5f
%define A_12 0x66
%define A_13 0x79
%define A_14 0x7f
%define A_15 0x80
%define A_16 0x89
%define A_17 0x8f
%define A_18 0x90
%define A_19 0x99
%define A_20 0x9a
%define A_21 0x9f
%define A_22 0xa0
%define A_23 0xa5
%define A_24 0xc3
%define A_25 0xe6
%define A_26 0xf0
%define A_27 0xf9
%define A_28 0xfa
%define A_29 0xfc
%define A_30 0xff
%define A_31 0x55
%define NA 32

; Input flags: none, CF, AF, all six.
%define P_0 0x002
%define P_1 0x003
%define P_2 0x012
%define P_3 0x8d7

%define EAXV(ah, al) (0x10100000 | ((ah) << 8) | (al))

; ADJUST mnemonic: every AL value under every flag input; AH alternates
; between 0x12 and 0xff.
%macro ADJUST 1
%assign ai 0
%rep NA
%assign pi 0
%rep 4
%if (ai + pi) & 1
    DCASE %str(%1), {%1}, iRAX, EAXV(0xff, A_%[ai]), iFL, P_%[pi]
%else
    DCASE %str(%1), {%1}, iRAX, EAXV(0x12, A_%[ai]), iFL, P_%[pi]
%endif
%assign pi pi + 1
%endrep
%assign ai ai + 1
%endrep
%endmacro

; AAM_AAD mnemonic, base: every other AL value, AH 0x00 / 0x09 / 0xff.
%macro BASED 2
%if %2 == 10
%define %%name %str(%1)
%else
%define %%name %str(%1.%2)
%endif
%assign ai 0
%rep NA / 2
    DCASE %%name, {%1 %2}, iRAX, EAXV(0x00, A_%[ai]), iFL, P_3
    DCASE %%name, {%1 %2}, iRAX, EAXV(0x09, A_%[ai + 1]), iFL, P_0
%if ai % 4 == 0
    DCASE %%name, {%1 %2}, iRAX, EAXV(0xff, A_%[ai]), iFL, P_1
%endif
%assign ai ai + 2
%endrep
%endmacro

DIFF_CASES_BEGIN 64
    DCASE "daa 64-bit #UD", {db 0x27}, iFL, P_3
    DCASE "das 64-bit #UD", {db 0x2f}, iFL, P_0
    DCASE "aaa 64-bit #UD", {db 0x37}, iFL, P_3
    DCASE "aas 64-bit #UD", {db 0x3f}, iFL, P_0
    DCASE "aam 64-bit #UD", {db 0xd4, 0x0a}, iFL, P_3
    DCASE "aad 64-bit #UD", {db 0xd5, 0x0a}, iFL, P_0
DIFF_CASES_END 64

DIFF_CASES_BEGIN 32
%xdefine DIFF_FMASK (F_ALL & ~F_OF)
    ADJUST daa
    ADJUST das
%xdefine DIFF_FMASK (F_AF | F_CF)
    ADJUST aaa
    ADJUST aas
%xdefine DIFF_FMASK (F_SF | F_ZF | F_PF)
    BASED aam, 10
    BASED aam, 16
    BASED aam, 1
    BASED aam, 255
    BASED aad, 10
    BASED aad, 16
    BASED aad, 0
    BASED aad, 255
    DCASE "aam.0 #DE", {aam 0}, iRAX, EAXV(0x12, 0x34), iFL, P_3
    DCASE "aam.0 #DE", {aam 0}, iRAX, EAXV(0x00, 0x00), iFL, P_0
%xdefine DIFF_FMASK F_ALL
DIFF_CASES_END 32
