; tests/guest/diff-sse.asm: SSE..SSE4.2 arithmetic, conversions, compares, shuffles, PCMPxSTRx and ROUNDxx with edge operands, every MXCSR rounding mode, DAZ/FTZ, compared across backends by diff.t.
; @output ^DIFF END sse mode=(32|64)$
; @args -cpu max
; @timeout 180
;
; Operands (single and double): zeros, 1, -1.5, 1/3, the largest and
; smallest normals, a denormal, infinities, a quiet NaN with a payload, a
; signalling NaN.  Scalar cases keep a pattern in the destination's upper
; lanes, which must survive.  MXCSR variants: the four rounding modes, FTZ,
; DAZ and both; exceptions masked (their flags compared) except in the #XM
; cases.  SDM vol. 2: COMISS/UCOMISS set ZF PF CF and clear OF SF AF;
; PCMPxSTRx set CF ZF SF OF and clear AF PF; PTEST sets ZF CF and clears the
; rest.  "-cpu max": SSSE3/SSE4.1/SSE4.2 are in interp's CPUID there.
;
; Compatibility mode: the host kvm here cannot run SSE code there, so
; diff.t checks those cases against the 64-bit results (same inputs).
%define DIFF_NAME "sse"
%define DIFF_FP
%include "runtime.inc"
%include "diff.inc"

test_main:
    DIFF_RUN 64
    DIFF_RUN 32
    ret

; float32 (F_) and float64 (D_) values, in the same order.
%define F_0 0x00000000
%define F_1 0x80000000
%define F_2 0x3f800000
%define F_3 0xbfc00000
%define F_4 0x3eaaaaab
%define F_5 0x7f7fffff
%define F_6 0x00800000
%define F_7 0x00000005
%define F_8 0x7f800000
%define F_9 0xff800000
%define F_10 0x7fc00001
%define F_11 0xff800001
%define F_12 0x40600000             ; 3.5
%define F_13 0xc0200000             ; -2.5
%define F_14 0x4f000000             ; 2^31
%define F_15 0xbf000000             ; -0.5
%define F_16 0x007fffff             ; largest denormal
%define F_17 0x501502f9             ; 1e10
%define D_0 0x0000000000000000
%define D_1 0x8000000000000000
%define D_2 0x3ff0000000000000
%define D_3 0xbff8000000000000
%define D_4 0x3fd5555555555555
%define D_5 0x7fefffffffffffff
%define D_6 0x0010000000000000
%define D_7 0x0000000000000005
%define D_8 0x7ff0000000000000
%define D_9 0xfff0000000000000
%define D_10 0x7ff8000000000001
%define D_11 0xfff0000000000001
%define D_12 0x400c000000000000
%define D_13 0xc004000000000000
%define D_14 0x43e0000000000000     ; 2^63
%define D_15 0xbfe0000000000000
%define D_16 0x000fffffffffffff
%define D_17 0x4202a05f20000000
%define NBIN 12
%define NALL 18
; a subset for the compares
%define C_0 0
%define C_1 1
%define C_2 2
%define C_3 3
%define C_4 7
%define C_5 8
%define C_6 10
%define C_7 11
%define NC 8

; MXCSR: masked; RC nearest/down/up/zero; FTZ; DAZ; FTZ+DAZ.
%define MX_0 0x1f80
%define MX_1 0x3f80
%define MX_2 0x5f80
%define MX_3 0x7f80
%define MX_4 0x9f80
%define MX_5 0x1fc0
%define MX_6 0x9fc0
%define NMX 7

%define HI0 0x1111222233334444      ; upper lanes of XMM0 and XMM1
%define HI1 0x5555666677778888
%define UPPER iXQ(0, 1), HI0, iXQ(1, 1), HI1

; SCALAR_S op: op xmm0, xmm1 on every pair of the first NBIN float32 values.
%macro SCALAR_S 1
%assign ai 0
%rep NBIN
%assign bi 0
%rep NBIN
    DCASE %str(%1), {%1 xmm0, xmm1}, iXD(0, 0), F_%[ai], iXD(0, 1), 0x9999aaaa, iXD(1, 0), F_%[bi], UPPER
%assign bi bi + 1
%endrep
%assign ai ai + 1
%endrep
%endmacro

%macro SCALAR_D 1
%assign ai 0
%rep NBIN
%assign bi 0
%rep NBIN
    DCASE %str(%1), {%1 xmm0, xmm1}, iXQ(0, 0), D_%[ai], iXQ(1, 0), D_%[bi], UPPER
%assign bi bi + 1
%endrep
%assign ai ai + 1
%endrep
%endmacro

; CMPS_ op, F|D: every predicate on the C_ subset.
%macro CMPS_ 2
%assign p 0
%rep 8
%assign ai 0
%rep NC
%assign bi 0
%rep NC
%defstr %%name %1 %[p]
%ifidn %2, F
    DCASE %%name, {%1 xmm0, xmm1, p}, iXD(0, 0), F_%[C_%[ai]], iXD(1, 0), F_%[C_%[bi]], UPPER
%else
    DCASE %%name, {%1 xmm0, xmm1, p}, iXQ(0, 0), D_%[C_%[ai]], iXQ(1, 0), D_%[C_%[bi]], UPPER
%endif
%assign bi bi + 1
%endrep
%assign ai ai + 1
%endrep
%assign p p + 1
%endrep
%endmacro

; COMI op, F|D: EFLAGS from every pair of the C_ subset.
%macro COMI 2
%assign ai 0
%rep NC
%assign bi 0
%rep NC
%if %2 == 4
    DCASE %str(%1), {%1 xmm0, xmm1}, iXD(0, 0), F_%[C_%[ai]], iXD(1, 0), F_%[C_%[bi]], iFL, 0x8d7
%else
    DCASE %str(%1), {%1 xmm0, xmm1}, iXQ(0, 0), D_%[C_%[ai]], iXQ(1, 0), D_%[C_%[bi]], iFL, 0x002
%endif
%assign bi bi + 1
%endrep
%assign ai ai + 1
%endrep
%endmacro

; UNARY_S/UNARY_D op: every value, in the source, through xmm0 <- xmm1.
%macro UNARY_S 1
%assign ai 0
%rep NALL
    DCASE %str(%1), {%1 xmm0, xmm1}, iXD(1, 0), F_%[ai], UPPER
%assign ai ai + 1
%endrep
%endmacro
%macro UNARY_D 1
%assign ai 0
%rep NALL
    DCASE %str(%1), {%1 xmm0, xmm1}, iXQ(1, 0), D_%[ai], UPPER
%assign ai ai + 1
%endrep
%endmacro
; TO_INT op, dst, F|D: float to integer register, every value.
%macro TO_INT 3
%assign ai 0
%rep NALL
%if %3 == 4
    DCASE %str(%1 %2), {%1 %2, xmm1}, iXD(1, 0), F_%[ai]
%else
    DCASE %str(%1 %2), {%1 %2, xmm1}, iXQ(1, 0), D_%[ai]
%endif
%assign ai ai + 1
%endrep
%endmacro

; CONTROL name, code, a, b (float32 or 64 by the name's letter): under every MXCSR.
%macro CONTROL_S 4
%assign m 0
%rep NMX
    DCASE %1, {%2}, iXD(0, 0), F_%3, iXD(1, 0), F_%4, UPPER, iMXCSR, MX_%[m]
%assign m m + 1
%endrep
%endmacro
%macro CONTROL_D 4
%assign m 0
%rep NMX
    DCASE %1, {%2}, iXQ(0, 0), D_%3, iXQ(1, 0), D_%4, UPPER, iMXCSR, MX_%[m]
%assign m m + 1
%endrep
%endmacro

; Packed vectors: four float32 lanes, two float64 lanes.
%define PS_A iXD(0, 0), F_2, iXD(0, 1), F_7, iXD(0, 2), F_10, iXD(0, 3), F_13
%define PS_B iXD(1, 0), F_4, iXD(1, 1), F_16, iXD(1, 2), F_2, iXD(1, 3), F_9
%define PS_C iXD(0, 0), F_5, iXD(0, 1), F_1, iXD(0, 2), F_11, iXD(0, 3), F_12
%define PS_D iXD(1, 0), F_5, iXD(1, 1), F_0, iXD(1, 2), F_3, iXD(1, 3), F_15
%define PD_A iXQ(0, 0), D_4, iXQ(0, 1), D_7
%define PD_B iXQ(1, 0), D_12, iXQ(1, 1), D_16
%define PD_C iXQ(0, 0), D_10, iXQ(0, 1), D_5
%define PD_D iXQ(1, 0), D_1, iXQ(1, 1), D_5
%define INT_A iXQ(0, 0), 0x80017fff00ff7f80, iXQ(0, 1), 0xffff00008000ffff
%define INT_B iXQ(1, 0), 0x7fff8001ff0180ff, iXQ(1, 1), 0x00010002fffe7ffe

; PACKED op, ps|pd|int: two operand pairs, two MXCSRs.
%macro PACKED 2
%ifidn %2, ps
    DCASE %str(%1), {%1 xmm0, xmm1}, PS_A, PS_B
    DCASE %str(%1), {%1 xmm0, xmm1}, PS_C, PS_D, iMXCSR, MX_6
    DCASE %str(%1), {%1 xmm0, xmm1}, PS_A, PS_D, iMXCSR, MX_3
%elifidn %2, pd
    DCASE %str(%1), {%1 xmm0, xmm1}, PD_A, PD_B
    DCASE %str(%1), {%1 xmm0, xmm1}, PD_C, PD_D, iMXCSR, MX_6
    DCASE %str(%1), {%1 xmm0, xmm1}, PD_A, PD_D, iMXCSR, MX_2
%else
    DCASE %str(%1), {%1 xmm0, xmm1}, INT_A, INT_B
    DCASE %str(%1), {%1 xmm0, xmm1}, INT_B, iXQ(1, 0), 0xfedcba9876543210, iXQ(1, 1), 0x0123456789abcdef
%endif
%endmacro

; PACKED_IMM op, ps|pd|int, imm
%macro PACKED_IMM 3
%ifidn %2, ps
    DCASE %str(%1 imm %3), {%1 xmm0, xmm1, %3}, PS_A, PS_B
%elifidn %2, pd
    DCASE %str(%1 imm %3), {%1 xmm0, xmm1, %3}, PD_A, PD_B
%else
    DCASE %str(%1 imm %3), {%1 xmm0, xmm1, %3}, INT_A, INT_B
%endif
%endmacro

; String data for PCMPxSTRx: XMM1 the set/ranges/needle, XMM2 the text.
%define STR_RANGES iXQ(1, 0), 0x0000000039307a61, iXQ(1, 1), 0
%define STR_NEEDLE iXQ(1, 0), 0x000000646c726f57, iXQ(1, 1), 0
%define STR_TEXT iXQ(2, 0), 0x57202c6f6c6c6548, iXQ(2, 1), 0x21323420646c726f
%define STR_SHORT iXQ(2, 0), 0x0000000000434241, iXQ(2, 1), 0x4847464500000000
%define STR_WORDS iXQ(1, 0), 0x0039003000610041, iXQ(1, 1), 0

; PCMPSTR imm: the four instructions on three data sets.
%macro PCMPSTR 1
    DCASE %str(pcmpistri imm %1), {pcmpistri xmm1, xmm2, %1}, STR_RANGES, STR_TEXT, iFL, 0x8d7
    DCASE %str(pcmpistrm imm %1), {pcmpistrm xmm1, xmm2, %1}, STR_NEEDLE, STR_TEXT
    DCASE %str(pcmpestri imm %1), {pcmpestri xmm1, xmm2, %1}, STR_RANGES, STR_TEXT, iRAX, 4, iRDX, 16
    DCASE %str(pcmpestrm imm %1), {pcmpestrm xmm1, xmm2, %1}, STR_NEEDLE, STR_TEXT, iRAX, 5, iRDX, 13, iFL, 0x8d7
    DCASE %str(pcmpistri short imm %1), {pcmpistri xmm1, xmm2, %1}, STR_RANGES, STR_SHORT
    DCASE %str(pcmpestri saturate imm %1), {pcmpestri xmm1, xmm2, %1}, STR_WORDS, STR_SHORT, iRAX, -20, iRDX, 0x7fffffff
%endmacro

; ROUND op, F|D: every value under the rounding immediates.
%macro ROUNDS 2
%assign ai 0
%rep NALL
%assign mi ai % 4
%assign mj (ai + 1) % 4
%if %2 == 4
    DCASE %str(%1 imm 0), {%1 xmm0, xmm1, 0}, iXD(1, 0), F_%[ai], UPPER
    DCASE %str(%1 imm 9), {%1 xmm0, xmm1, 9}, iXD(1, 0), F_%[ai], UPPER
    DCASE %str(%1 imm 4 rc), {%1 xmm0, xmm1, 4}, iXD(1, 0), F_%[ai], UPPER, iMXCSR, MX_%[mi]
%else
    DCASE %str(%1 imm 2), {%1 xmm0, xmm1, 2}, iXQ(1, 0), D_%[ai], UPPER
    DCASE %str(%1 imm 0xb), {%1 xmm0, xmm1, 0xb}, iXQ(1, 0), D_%[ai], UPPER
    DCASE %str(%1 imm 0xc rc), {%1 xmm0, xmm1, 0xc}, iXQ(1, 0), D_%[ai], UPPER, iMXCSR, MX_%[mj]
%endif
%assign ai ai + 1
%endrep
%endmacro

%macro UNMASKED_DIV 0
    divss xmm0, xmm1
%endmacro

%macro SSE_CASES 0
    ; scalar arithmetic on every pair
    SCALAR_S addss
    SCALAR_S subss
    SCALAR_S mulss
    SCALAR_S divss
    SCALAR_S minss
    SCALAR_S maxss
    SCALAR_D addsd
    SCALAR_D mulsd
    SCALAR_D divsd
    SCALAR_D minsd
    SCALAR_D maxsd
    UNARY_S sqrtss
    UNARY_D sqrtsd
    UNARY_S rcpss
    UNARY_S rsqrtss
    UNARY_S cvtss2sd
    UNARY_D cvtsd2ss

    ; MXCSR: rounding, FTZ, DAZ
    CONTROL_S "addss mx 1/3+1", {addss xmm0, xmm1}, 4, 2
    CONTROL_S "mulss mx tiny", {mulss xmm0, xmm1}, 6, 15
    CONTROL_S "addss mx denormal", {addss xmm0, xmm1}, 7, 0
    CONTROL_S "divss mx 1/3", {divss xmm0, xmm1}, 2, 12
    CONTROL_S "mulss mx overflow", {mulss xmm0, xmm1}, 5, 5
    CONTROL_S "sqrtss mx", {sqrtss xmm0, xmm1}, 0, 12
    CONTROL_S "cvtss2sd mx denormal", {cvtss2sd xmm0, xmm1}, 0, 16
    CONTROL_S "cvtss2si mx", {cvtss2si eax, xmm1}, 0, 13
    CONTROL_D "addsd mx 1/3+1", {addsd xmm0, xmm1}, 4, 2
    CONTROL_D "mulsd mx tiny", {mulsd xmm0, xmm1}, 6, 15
    CONTROL_D "subsd mx denormal", {subsd xmm0, xmm1}, 7, 16
    CONTROL_D "cvtsd2ss mx", {cvtsd2ss xmm0, xmm1}, 0, 4
    CONTROL_D "cvtsd2ss mx tiny", {cvtsd2ss xmm0, xmm1}, 0, 6
    CONTROL_D "cvtsd2ss mx big", {cvtsd2ss xmm0, xmm1}, 0, 5
    CONTROL_D "cvtsd2si mx", {cvtsd2si eax, xmm1}, 0, 13
    CONTROL_D "cvtsi2sd mx", {cvtsi2sd xmm0, eax}, 0, 0

    ; conversions
    TO_INT cvtss2si, eax, 4
    TO_INT cvttss2si, eax, 4
    TO_INT cvtsd2si, eax, 8
    TO_INT cvttsd2si, eax, 8
%assign m 0
%rep 4
    DCASE "cvtsi2ss rc", {cvtsi2ss xmm0, eax}, iRAX, 0x7fffffff, UPPER, iMXCSR, MX_%[m]
    DCASE "cvtsi2ss rc neg", {cvtsi2ss xmm0, eax}, iRAX, 0x80000001, UPPER, iMXCSR, MX_%[m]
    DCASE "cvtsi2sd", {cvtsi2sd xmm0, eax}, iRAX, 0x80000000, UPPER, iMXCSR, MX_%[m]
    DCASE "cvtsi2ss [m]", {cvtsi2ss xmm0, dword [xSI + 8]}, iRSI, diff_scratch, iMD(8), 16777217, UPPER, iMXCSR, MX_%[m]
%assign m m + 1
%endrep
    PACKED cvtdq2ps, int
    PACKED cvtps2dq, ps
    PACKED cvttps2dq, ps
    PACKED cvtps2pd, ps
    PACKED cvtpd2ps, pd
    PACKED cvtpd2dq, pd
    PACKED cvttpd2dq, pd
    PACKED cvtdq2pd, int

    ; compares
    CMPS_ cmpss, F
    CMPS_ cmpsd, D
    COMI comiss, 4
    COMI ucomiss, 4
    COMI comisd, 8
    COMI ucomisd, 8
    PACKED cmpltps, ps
    PACKED cmpunordpd, pd
    PACKED cmpnleps, ps

    ; packed arithmetic
    PACKED addps, ps
    PACKED subpd, pd
    PACKED mulps, ps
    PACKED divpd, pd
    PACKED minps, ps
    PACKED maxpd, pd
    PACKED sqrtps, ps
    PACKED sqrtpd, pd
    PACKED addsubps, ps
    PACKED haddpd, pd
    PACKED hsubps, ps
    PACKED andnps, ps
    PACKED xorpd, pd
    PACKED_IMM dpps, ps, 0xff
    PACKED_IMM dpps, ps, 0x71
    PACKED_IMM dppd, pd, 0x31

    ; integer SSE
    PACKED paddb, int
    PACKED paddsw, int
    PACKED paddusb, int
    PACKED psubsb, int
    PACKED psubusw, int
    PACKED pmullw, int
    PACKED pmulhw, int
    PACKED pmulhuw, int
    PACKED pmuludq, int
    PACKED pmaddwd, int
    PACKED psadbw, int
    PACKED pavgb, int
    PACKED pminsw, int
    PACKED pmaxub, int
    PACKED pcmpeqb, int
    PACKED pcmpgtw, int
    PACKED pcmpgtq, int
    PACKED packsswb, int
    PACKED packuswb, int
    PACKED packssdw, int
    PACKED packusdw, int
    PACKED punpcklbw, int
    PACKED punpckhqdq, int
    PACKED psllw, int
    PACKED psrad, int
    PACKED psrlq, int
    PACKED pshufb, int
    PACKED phaddw, int
    PACKED phsubsw, int
    PACKED pmaddubsw, int
    PACKED pmulhrsw, int
    PACKED psignb, int
    PACKED pabsd, int
    PACKED pmulld, int
    PACKED pminsd, int
    PACKED pmaxuw, int
    PACKED pmuldq, int
    PACKED pcmpeqq, int
    PACKED pmovsxbw, int
    PACKED pmovzxwq, int
    PACKED phminposuw, int
    PACKED ptest, int
    DCASE "ptest zero", {ptest xmm0, xmm1}, iXQ(0, 0), 0xff00, iXQ(1, 0), 0x00ff, iFL, 0x8d7
    DCASE "psllw 16", {psllw xmm0, 16}, INT_A
    DCASE "psraw 15", {psraw xmm0, 15}, INT_A
    DCASE "psrld 33", {psrld xmm0, 33}, INT_A
    DCASE "psrlq xmm count 64", {psrlq xmm0, xmm1}, INT_A, iXQ(1, 0), 64
    DCASE "psrad xmm count big", {psrad xmm0, xmm1}, INT_A, iXQ(1, 0), 0x100000000
    DCASE "pslldq 5", {pslldq xmm0, 5}, INT_A
    DCASE "psrldq 17", {psrldq xmm0, 17}, INT_A

    ; shuffles, blends, moves
    PACKED_IMM shufps, ps, 0x1b
    PACKED_IMM shufps, ps, 0xe4
    PACKED_IMM shufpd, pd, 1
    PACKED_IMM pshufd, int, 0x4e
    PACKED_IMM pshuflw, int, 0x1b
    PACKED_IMM pshufhw, int, 0xc6
    PACKED_IMM palignr, int, 3
    PACKED_IMM palignr, int, 20
    PACKED_IMM blendps, ps, 0x5
    PACKED_IMM blendpd, pd, 0x2
    PACKED_IMM pblendw, int, 0xa5
    PACKED_IMM insertps, ps, 0x5a
    PACKED_IMM insertps, ps, 0xcf
    PACKED_IMM mpsadbw, int, 0x5
    PACKED unpcklps, ps
    PACKED unpckhpd, pd
    PACKED movhlps, ps
    PACKED movlhps, ps
    PACKED movss, ps
    PACKED movsd, pd
    PACKED movshdup, ps
    PACKED movddup, pd
    DCASE "blendvps", {blendvps xmm0, xmm1, xmm0}, PS_A, PS_B
    DCASE "pblendvb", {pblendvb xmm1, xmm2, xmm0}, INT_A, INT_B, iXQ(2, 0), 0x0123456789abcdef
    DCASE "movmskps", {movmskps eax, xmm0}, PS_C
    DCASE "pmovmskb", {pmovmskb eax, xmm0}, INT_A
    DCASE "pextrw", {pextrw eax, xmm0, 5}, INT_A
    DCASE "pinsrw", {pinsrw xmm0, ebx, 6}, INT_A
    DCASE "pextrb", {pextrb ecx, xmm0, 15}, INT_A
    DCASE "pinsrd", {pinsrd xmm0, ebx, 3}, INT_A
    DCASE "extractps", {extractps edx, xmm0, 2}, PS_A
    DCASE "pextrd [m]", {pextrd [xSI + 8], xmm0, 1}, INT_A, iRSI, diff_scratch
    DCASE "movd eax", {movd eax, xmm0}, INT_A
    DCASE "movd xmm", {movd xmm0, ebx}, INT_A
    DCASE "movq xmm,[m]", {movq xmm0, [xSI + 8]}, INT_A, iRSI, diff_scratch
    DCASE "movss [m]", {movss [xSI + 12], xmm0}, INT_A, iRSI, diff_scratch
    DCASE "movss xmm,[m]", {movss xmm0, [xSI + 8]}, INT_A, iRSI, diff_scratch
    DCASE "movsd xmm,[m]", {movsd xmm0, [xSI + 8]}, INT_A, iRSI, diff_scratch
    DCASE "movhps [m]", {movhps [xSI + 8], xmm0}, INT_A, iRSI, diff_scratch
    DCASE "movlpd xmm,[m]", {movlpd xmm0, [xSI + 8]}, INT_A, iRSI, diff_scratch
    DCASE "movups [m]", {movups xmm0, [xSI + 9]}, iRSI, diff_scratch
    DCASE "movaps misaligned #GP", {movaps xmm0, [xSI + 8]}, iRSI, diff_scratch
    DCASE "addps [m] misaligned #GP", {addps xmm0, [xSI + 4]}, iRSI, diff_scratch
    DCASE "lddqu [m]", {lddqu xmm0, [xSI + 3]}, iRSI, diff_scratch
    DCASE "movntdq [m]", {movntdq [xSI + 16], xmm0}, INT_A, iRSI, diff_scratch
    DCASE "maskmovdqu", {maskmovdqu xmm0, xmm1}, INT_A, INT_B, iRDI, diff_scratch + 32
    DCASE "stmxcsr", {stmxcsr [xSI + 8]}, iRSI, diff_scratch, iMXCSR, 0xffbf
    DCASE "ldmxcsr", {ldmxcsr [xSI + 8]}, iRSI, diff_scratch, iMD(8), 0x7fc0
    DCASE "ldmxcsr reserved #GP", {ldmxcsr [xSI + 8]}, iRSI, diff_scratch, iMD(8), 0x10000
    DCASE "crc-like pclmul", {pclmulqdq xmm0, xmm1, 0x11}, INT_A, INT_B

    ; PCMPxSTRx
    PCMPSTR 0x00
    PCMPSTR 0x04
    PCMPSTR 0x08
    PCMPSTR 0x0c
    PCMPSTR 0x01
    PCMPSTR 0x02
    PCMPSTR 0x14
    PCMPSTR 0x34
    PCMPSTR 0x40
    PCMPSTR 0x48
    PCMPSTR 0x4c
    PCMPSTR 0x1a
    PCMPSTR 0x75

    ; ROUNDxx
    ROUNDS roundss, 4
    ROUNDS roundsd, 8
    PACKED_IMM roundps, ps, 0
    PACKED_IMM roundps, ps, 1
    PACKED_IMM roundps, ps, 0xa
    PACKED_IMM roundpd, pd, 3
    PACKED_IMM roundpd, pd, 4

    ; unmasked exceptions: #XM
    DCASE "divss by 0 unmasked #XM", UNMASKED_DIV, iXD(0, 0), F_2, iXD(1, 0), F_0, iMXCSR, 0x1d80
    DCASE "addss snan unmasked #XM", {addss xmm0, xmm1}, iXD(0, 0), F_2, iXD(1, 0), F_11, iMXCSR, 0x1f00
    DCASE "mulsd inexact unmasked #XM", {mulsd xmm0, xmm1}, iXQ(0, 0), D_4, iXQ(1, 0), D_4, iMXCSR, 0x0f80
    DCASE "cvtsd2si invalid unmasked #XM", {cvtsd2si eax, xmm1}, iXQ(1, 0), D_8, iMXCSR, 0x1f00
    DCASE "comiss qnan unmasked #XM", {comiss xmm0, xmm1}, iXD(1, 0), F_10, iMXCSR, 0x1f00
    DCASE "ucomiss qnan unmasked", {ucomiss xmm0, xmm1}, iXD(1, 0), F_10, iMXCSR, 0x1f00

%if __BITS__ == 64
    TO_INT cvtss2si, rax, 4
    TO_INT cvttsd2si, rax, 8
    DCASE "cvtsi2sd rax", {cvtsi2sd xmm0, rax}, iRAX, 0x7fffffffffffffff, UPPER
    DCASE "cvtsi2ss rax rc", {cvtsi2ss xmm0, rax}, iRAX, 0x8000000000000001, UPPER, iMXCSR, MX_2
    DCASE "pextrq", {pextrq rax, xmm9, 1}, iXQ(9, 1), 0x0123456789abcdef
    DCASE "pinsrq", {pinsrq xmm15, rbx, 0}
    DCASE "movq rax,xmm", {movq rax, xmm8}, iXQ(8, 0), 0xfedcba9876543210
    DCASE "addps xmm8,xmm15", {addps xmm8, xmm15}, iXD(8, 0), F_2, iXD(15, 0), F_4, iXD(8, 3), F_5, iXD(15, 3), F_5
%endif
%endmacro

DIFF_CASES_BEGIN 64
%define xSI rsi
    SSE_CASES
DIFF_CASES_END 64

DIFF_CASES_BEGIN 32
%define xSI esi
    SSE_CASES
DIFF_CASES_END 32
