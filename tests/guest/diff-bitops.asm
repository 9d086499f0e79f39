; tests/guest/diff-bitops.asm: BT/BTS/BTR/BTC, BSF/BSR, POPCNT/LZCNT/TZCNT, BSWAP, CRC32, MOVBE with edge operands, compared across backends by diff.t.
; @output ^DIFF END bitops mode=32$
; @args -cpu max
; @timeout 120
;
; "-cpu max": POPCNT, LZCNT (ABM), CRC32 (SSE4.2) and MOVBE are in
; interp's CPUID there (kvm runs CPL3 code on the host CPU whatever CPUID
; says).  SDM vol. 2 "Flags Affected": BT* define CF, keep ZF, leave OF SF
; AF PF undefined; BSF/BSR define ZF only, and leave the destination
; undefined for a zero source (not compared then); POPCNT defines all six;
; LZCNT/TZCNT define ZF and CF; BSWAP, CRC32, MOVBE change none.  BSWAP of a
; 16-bit register is undefined and left out.
%define DIFF_NAME "bitops"
%include "runtime.inc"
%include "diff.inc"

test_main:
    DIFF_RUN 64
    DIFF_RUN 32
    ret

; Edge values by size (1 w, 2 d, 3 q).
%define V1_0 0
%define V1_1 1
%define V1_2 0x8000
%define V1_3 0xffff
%define V1_4 0x0f00
%define V1_5 0xa5c3
%define V1_6 0x8001
%define V2_0 0
%define V2_1 1
%define V2_2 0x80000000
%define V2_3 0xffffffff
%define V2_4 0x000ff000
%define V2_5 0xa5c3e187
%define V2_6 0x80000001
%define V3_0 0
%define V3_1 1
%define V3_2 0x8000000000000000
%define V3_3 0xffffffffffffffff
%define V3_4 0x00000ff000000000
%define V3_5 0xa5c3e1870f1e2d3c
%define V3_6 0x8000000000000001
%define NV 7

; Bit offsets for BT* (register forms: taken modulo the size; memory forms
; with a register offset: a bit string around RSI = scratch + 128).
%define B_0 0
%define B_1 1
%define B_2 15
%define B_3 16
%define B_4 31
%define B_5 32
%define B_6 63
%define B_7 64
%define B_8 100
%define B_9 -1
%define B_10 -33
%define B_11 -100
%define NB 12

%define FL_CLEAR 0x002
%define FL_SET   0x8d7
%define MID (diff_scratch + 128)

%define REGV(reg, s, v) (((0x1010101010101010 + 0x0101010101010101 * ((reg) / 8)) & ~((2 << ((8 << (s)) - 1)) - 1)) | (v))

; BTS_REG mnemonic, size index, suffix, dst, offset register: every value x offset.
%macro BT_REG 5
%assign vi 2
%rep 4
%assign bi 0
%rep NB
%if (vi + bi) & 1
    DCASE %str(%1.%3 r), {%1 %4, %5}, iRAX, REGV(R_RAX, %2, V%2_%[vi]), iRBX, REGV(R_RBX, %2, B_%[bi]), iFL, FL_SET
%else
    DCASE %str(%1.%3 r), {%1 %4, %5}, iRAX, REGV(R_RAX, %2, V%2_%[vi]), iRBX, REGV(R_RBX, %2, B_%[bi]), iFL, FL_CLEAR
%endif
%assign bi bi + 1
%endrep
%assign vi vi + 1
%endrep
%endmacro

; BT_MEM mnemonic, size keyword, suffix, offset register: the bit string.
%macro BT_MEM 4
%assign bi 0
%rep NB
    DCASE %str(%1.%3 [m],r), {%1 %2 [xSI], %4}, iRSI, MID, iRBX, B_%[bi], iFL, FL_SET
%assign bi bi + 1
%endrep
%endmacro

; BT_IMM mnemonic, size keyword, suffix: memory, immediate offsets (masked).
%macro BT_IMM 3
    DCASE %str(%1.%3 [m],0), {%1 %2 [xSI], 0}, iRSI, MID, iFL, FL_SET
    DCASE %str(%1.%3 [m],7), {%1 %2 [xSI], 7}, iRSI, MID, iFL, FL_CLEAR
    DCASE %str(%1.%3 [m],15), {%1 %2 [xSI], 15}, iRSI, MID, iFL, FL_SET
    DCASE %str(%1.%3 [m],17), {%1 %2 [xSI], 17}, iRSI, MID, iFL, FL_CLEAR
    DCASE %str(%1.%3 [m],31), {%1 %2 [xSI], 31}, iRSI, MID, iFL, FL_SET
    DCASE %str(%1.%3 [m],63), {%1 %2 [xSI], 63}, iRSI, MID, iFL, FL_CLEAR
    DCASE %str(%1.%3 [m],255), {%1 %2 [xSI], 255}, iRSI, MID, iFL, FL_SET
    DCASE %str(%1.%3 [m],33), {%1 %2 [xSI], 33}, iRSI, MID, iFL, FL_CLEAR
%endmacro

; SCAN mnemonic, size index, suffix, dst, src: every value as the source,
; the destination holding a pattern (compared unless the source is zero and
; the instruction is BSF/BSR).
%macro SCAN 6
%assign vi 0
%rep NV
%if %6 && vi == 0
%xdefine DIFF_IGNORE G_RAX
%endif
%if vi & 1
    DCASE %str(%1.%3), {%1 %4, %5}, iRBX, REGV(R_RBX, %2, V%2_%[vi]), iFL, FL_SET
%else
    DCASE %str(%1.%3), {%1 %4, %5}, iRBX, REGV(R_RBX, %2, V%2_%[vi]), iFL, FL_CLEAR
%endif
%xdefine DIFF_IGNORE 0
%assign vi vi + 1
%endrep
%endmacro

%macro SCAN_SIZES 2     ; mnemonic, dst-undefined-for-zero
    SCAN %1, 1, w, ax, bx, %2
    SCAN %1, 2, d, eax, ebx, %2
%if __BITS__ == 64
    SCAN %1, 3, q, rax, rbx, %2
%endif
%endmacro

; CRC mnemonic-suffix, dst, src, src size index: CRC32 over edge sources
; with three initial values.
%macro CRC 4
%assign vi 0
%rep NV
    DCASE %str(crc32.%1), {crc32 %2, %3}, iRAX, 0, iRBX, REGV(R_RBX, %4, V%4_%[vi]), iFL, FL_SET
    DCASE %str(crc32.%1), {crc32 %2, %3}, iRAX, 0xffffffff, iRBX, REGV(R_RBX, %4, V%4_%[vi]), iFL, FL_CLEAR
    DCASE %str(crc32.%1), {crc32 %2, %3}, iRAX, 0x1010101089abcdef, iRBX, REGV(R_RBX, %4, V%4_%[vi]), iFL, FL_CLEAR
%assign vi vi + 1
%endrep
%endmacro

%macro BITOPS_CASES 0
%xdefine DIFF_FMASK (F_CF | F_ZF)
    BT_REG bt, 1, w, ax, bx
    BT_REG bts, 1, w, ax, bx
    BT_REG btr, 2, d, eax, ebx
    BT_REG btc, 2, d, eax, ebx
    BT_REG bt, 2, d, eax, ebx
    BT_MEM bt, word, w, bx
    BT_MEM bt, dword, d, ebx
    BT_MEM bts, dword, d, ebx
    BT_MEM btr, word, w, bx
    BT_MEM btc, dword, d, ebx
    BT_MEM lock bts, dword, d, ebx
    BT_MEM lock btc, word, w, bx
    BT_IMM bt, word, w
    BT_IMM bts, dword, d
    BT_IMM btr, dword, d
    BT_IMM btc, word, w
    DCASE "bts.d r,imm 35", {bts eax, 35}, iRAX, 0, iFL, FL_CLEAR
    DCASE "btr.w r,imm 15", {btr ax, 15}, iRAX, 0xffff, iFL, FL_SET
    DCASE "btc.d r,imm 31", {btc ebx, 31}, iFL, FL_SET
    DCASE "bt.d [m],r -2^31 bits: faults", {bt dword [xSI], ebx}, iRSI, diff_scratch, iRBX, 0x80000000, iFL, FL_SET
    DCASE "bts.w [m],r far", {bts word [xSI], bx}, iRSI, diff_scratch + 0x1008, iRBX, -0x8000, iFL, FL_SET
%if __BITS__ == 64
    DCASE "bt.q [m],r 2^35 #PF", {bt qword [rsi], rbx}, iRSI, diff_scratch, iRBX, 0x800000000, iFL, FL_CLEAR
    DCASE "btc.q [m],r -2^40 #PF", {btc qword [rsi], rbx}, iRSI, diff_scratch, iRBX, -0x10000000000, iFL, FL_CLEAR
    BT_REG bt, 3, q, rax, rbx
    BT_REG btc, 3, q, rax, rbx
    BT_MEM bt, qword, q, rbx
    BT_MEM btr, qword, q, rbx
    BT_MEM lock bts, qword, q, rbx
    BT_IMM bts, qword, q
    DCASE "btr.q r,imm 63", {btr r10, 63}, iR10, -1, iFL, FL_SET
%endif

%xdefine DIFF_FMASK F_ZF
    SCAN_SIZES bsf, 1
    SCAN_SIZES bsr, 1
%xdefine DIFF_FMASK (F_ZF | F_CF)
    SCAN_SIZES lzcnt, 0
    SCAN_SIZES tzcnt, 0
%xdefine DIFF_FMASK F_ALL
    SCAN_SIZES popcnt, 0
    DCASE "bsf.d [m]", {bsf eax, [xSI + 8]}, iRSI, diff_scratch, iMQ(8), 0x0000000000010000, iFL, FL_SET
    DCASE "popcnt.w [m]", {popcnt cx, [xSI + 8]}, iRSI, diff_scratch, iMQ(8), 0x000000000000f0f1, iFL, FL_SET
    DCASE "lzcnt.d [m]", {lzcnt edx, [xSI + 8]}, iRSI, diff_scratch, iMQ(8), 0x0000000000001000, iFL, FL_SET

    ; BSWAP, CRC32, MOVBE: no flags change.
%assign vi 0
%rep NV
    DCASE "bswap.d", {bswap ebx}, iRBX, REGV(R_RBX, 2, V2_%[vi]), iFL, FL_SET
%if __BITS__ == 64
    DCASE "bswap.q", {bswap rbx}, iRBX, REGV(R_RBX, 3, V3_%[vi]), iFL, FL_CLEAR
    DCASE "bswap.d r13d", {bswap r13d}, iR13, V3_%[vi], iFL, FL_CLEAR
%endif
%assign vi vi + 1
%endrep
    CRC b, eax, bl, 1
    CRC w, eax, bx, 1
    CRC d, eax, ebx, 2
    DCASE "crc32.b [m]", {crc32 eax, byte [xSI + 8]}, iRSI, diff_scratch, iRAX, 0x12345678, iFL, FL_SET
    DCASE "crc32.d [m]", {crc32 eax, dword [xSI + 9]}, iRSI, diff_scratch, iRAX, 0x12345678, iFL, FL_CLEAR
    DCASE "movbe.w load", {movbe ax, [xSI + 8]}, iRSI, diff_scratch, iFL, FL_SET
    DCASE "movbe.d load", {movbe eax, [xSI + 9]}, iRSI, diff_scratch, iFL, FL_CLEAR
    DCASE "movbe.w store", {movbe [xSI + 8], bx}, iRSI, diff_scratch, iRBX, 0x1234, iFL, FL_CLEAR
    DCASE "movbe.d store", {movbe [xSI + 10], ebx}, iRSI, diff_scratch, iRBX, 0x89abcdef, iFL, FL_SET
%if __BITS__ == 64
    CRC q.b, rax, bl, 1
    CRC q, rax, rbx, 3
    DCASE "movbe.q load", {movbe rax, [xSI + 8]}, iRSI, diff_scratch, iFL, FL_SET
    DCASE "movbe.q store", {movbe [xSI + 8], r11}, iRSI, diff_scratch, iR11, 0x0123456789abcdef, iFL, FL_CLEAR
%endif
%endmacro

DIFF_CASES_BEGIN 64
%define xSI rsi
    BITOPS_CASES
DIFF_CASES_END 64

DIFF_CASES_BEGIN 32
%define xSI esi
    BITOPS_CASES
DIFF_CASES_END 32
