; tests/guest/diff-x87.asm: x87 arithmetic, compares, transcendentals, loads/stores and conversions with edge operands, every rounding and precision control, compared across backends by diff.t.
; @output ^DIFF END x87 mode=(32|64)$
; @timeout 180
;
; Inputs go in through the FXSAVE image (diff.inc): the control word, TOP
; and tags in the status/tag words, ST(i) as sign+exponent and mantissa.
; Operands: zeros, normal values, the largest and smallest normals, a
; denormal, a pseudo-denormal, an unnormal, infinities, quiet and signalling
; NaNs.  Exceptions are masked (their flags are compared) except in the #MF
; cases at the end.  SDM vol. 1 8.1.3.1 / vol. 2 "FPU Flags Affected": after
; arithmetic only C1 is defined (C0 C2 C3 are masked); FSIN/FCOS/FSINCOS/
; FPTAN also define C2; compares, FXAM, FPREM and FPREM1 define all four.
;
; Compatibility mode: the host kvm here cannot run x87 code there, so
; diff.t checks those cases against the 64-bit results (same inputs).
%define DIFF_NAME "x87"
%define DIFF_FP
%include "runtime.inc"
%include "diff.inc"

test_main:
    DIFF_RUN 64
    DIFF_RUN 32
    ret

; Values: sign+exponent (XE) and mantissa (XM).
%define XE_0 0x0000                 ; +0
%define XM_0 0
%define XE_1 0x8000                 ; -0
%define XM_1 0
%define XE_2 0x3fff                 ; 1
%define XM_2 0x8000000000000000
%define XE_3 0xbfff                 ; -1.5
%define XM_3 0xc000000000000000
%define XE_4 0x4000                 ; pi
%define XM_4 0xc90fdaa22168c235
%define XE_5 0x3ffd                 ; 1/3
%define XM_5 0xaaaaaaaaaaaaaaab
%define XE_6 0x7ffe                 ; largest normal
%define XM_6 0xffffffffffffffff
%define XE_7 0x0001                 ; smallest normal
%define XM_7 0x8000000000000000
%define XE_8 0x0000                 ; denormal
%define XM_8 0x0000000000000123
%define XE_9 0x7fff                 ; +inf
%define XM_9 0x8000000000000000
%define XE_10 0x7fff                ; QNaN with a payload
%define XM_10 0xc000000000000001
%define XE_11 0xffff                ; -SNaN
%define XM_11 0x8000000000000001
%define XE_12 0xffff                ; -inf
%define XM_12 0x8000000000000000
%define XE_13 0x4000                ; unnormal (J clear, exponent not zero)
%define XM_13 0x4000000000000000
%define XE_14 0x0000                ; pseudo-denormal (J set, exponent zero)
%define XM_14 0x8000000000000001
%define XE_15 0x4045                ; 2^70
%define XM_15 0x8000000000000000
%define XE_16 0xc000                ; -2.5
%define XM_16 0xa000000000000000
%define XE_17 0x3ffe                ; 0.75
%define XM_17 0xc000000000000000
%define XE_18 0x3fee                ; about 1e-5
%define XM_18 0xa7c5ac471b478423
%define XE_19 0x403e                ; just below 2^64
%define XM_19 0xffffffffffffffff
%define XE_20 0xc01e                ; -2^31
%define XM_20 0x8000000000000000
%define XE_21 0x400d                ; 32767.5
%define XM_21 0xffff000000000000
%define XE_22 0x4000                ; 3.5
%define XM_22 0xe000000000000000
%define XE_23 0xbffe                ; -0.5
%define XM_23 0x8000000000000000
%define NALL 24

; Index lists into the values.
%define NBIN 12                     ; binary arithmetic: values 0..11
%define S_0 0                       ; the special two-operand ones
%define S_1 2
%define S_2 3
%define S_3 4
%define S_4 8
%define S_5 9
%define S_6 10
%define S_7 11
%define NS 8

; Stack depth 1, 2, 3, 8 (TOP and abridged tags), with the rest of FSW clear.
%define STK1 iFSW, 0x3800, iFTW, 0x80
%define STK2 iFSW, 0x3000, iFTW, 0xc0
%define STK3 iFSW, 0x2800, iFTW, 0xe0
%define STK8 iFSW, 0x0000, iFTW, 0xff
%define ST_(i, v) iSTE(i), XE_ %+ v, iSTM(i), XM_ %+ v

; FCW: exceptions masked, precision (0 single, 2 double, 3 extended) and
; rounding (0 nearest, 1 down, 2 up, 3 toward zero).
%define FCW(pc, rc) (0x7f | ((pc) << 8) | ((rc) << 10))

%define FSW_ARITH 0xbaff            ; C0 C2 C3 undefined
%define FSW_TRIG  0xbeff            ; C0 C3 undefined

; BIN name, code: every pair of the first NBIN values in ST0, ST1.
%macro BIN 2
%assign ai 0
%rep NBIN
%assign bi 0
%rep NBIN
    DCASE %1, {%2}, STK2, iSTE(0), XE_%[ai], iSTM(0), XM_%[ai], iSTE(1), XE_%[bi], iSTM(1), XM_%[bi]
%assign bi bi + 1
%endrep
%assign ai ai + 1
%endrep
%endmacro

; SPECIAL name, code: every pair of the S_ values in ST0, ST1.
%macro SPECIAL 2
%assign ai 0
%rep NS
%assign bi 0
%rep NS
    DCASE %1, {%2}, STK2, iSTE(0), XE_%[S_%[ai]], iSTM(0), XM_%[S_%[ai]], iSTE(1), XE_%[S_%[bi]], iSTM(1), XM_%[S_%[bi]]
%assign bi bi + 1
%endrep
%assign ai ai + 1
%endrep
%endmacro

; UNARY name, code: every value in ST0.
%macro UNARY 2
%assign ai 0
%rep NALL
    DCASE %1, {%2}, STK1, iSTE(0), XE_%[ai], iSTM(0), XM_%[ai]
%assign ai ai + 1
%endrep
%endmacro

; CONTROLS name, code, a, b: values a, b in ST0, ST1 under every FCW.
%macro CONTROLS 4
%assign pc 0
%rep 4
%if pc != 1
%assign rc 0
%rep 4
    DCASE %1, {%2}, STK2, ST_(0, %3), ST_(1, %4), iFCW, FCW(pc, rc)
%assign rc rc + 1
%endrep
%endif
%assign pc pc + 1
%endrep
%endmacro

; STORE name, code: ST0 from a list of values, stored to scratch + 8.
%macro STORE 2
%assign ai 0
%rep NALL
%if ai != 1 && ai != 7 && ai != 14 && ai != 13
    DCASE %1, {%2}, iRSI, diff_scratch, STK1, iSTE(0), XE_%[ai], iSTM(0), XM_%[ai]
%endif
%assign ai ai + 1
%endrep
%endmacro

%macro UNMASKED_SNAN 0
    fadd st0, st1
    fwait
%endmacro
%macro UNMASKED_ZERO 0
    fdiv st0, st1
    fwait
%endmacro
%macro PENDING_CLEARED 0
    fdiv st0, st1
    fnclex
    fwait
%endmacro
; The environment's instruction pointer and code selector are blanked after
; the store: the host kvm here runs CPL3 code under its own code selector
; (0x33, not the guest's 0x2b), which FNSTENV/FNSAVE store, and the pointer
; differs between the 64-bit and compatibility-mode copies of a case.
%macro FADD_STENV 0
    fadd st0, st1
    fnstenv [xSI + 16]
    mov dword [xSI + 16 + 12], 0    ; FIP
    mov word [xSI + 16 + 16], 0     ; FCS (FOP above it is kept)
%endmacro
%macro FADD_STENV16 0
    fmul st0, st1
    o16 fnstenv [xSI + 16]
    mov word [xSI + 16 + 6], 0      ; IP
    mov word [xSI + 16 + 8], 0      ; CS
%endmacro
%macro FADD_SAVE 0
    fdiv st0, st1
    fnsave [xSI + 16]
    mov dword [xSI + 16 + 12], 0
    mov word [xSI + 16 + 16], 0
%endmacro
%macro STSW_AX 0
    fcom st1
    fnstsw ax
%endmacro

%macro X87_CASES 0
%xdefine DIFF_FSWMASK FSW_ARITH
    BIN "fadd st0,st1", {fadd st0, st1}
    BIN "fsub st0,st1", {fsub st0, st1}
    BIN "fsubr st0,st1", {fsubr st0, st1}
    BIN "fmul st0,st1", {fmul st0, st1}
    BIN "fdiv st0,st1", {fdiv st0, st1}
    BIN "fdivr st0,st1", {fdivr st0, st1}
    CONTROLS "fadd fcw", {fadd st0, st1}, 5, 4
    CONTROLS "fadd fcw tiny", {fadd st0, st1}, 2, 18
    CONTROLS "fmul fcw", {fmul st0, st1}, 5, 4
    CONTROLS "fmul fcw overflow", {fmul st0, st1}, 6, 6
    CONTROLS "fmul fcw underflow", {fmul st0, st1}, 7, 17
    CONTROLS "fdiv fcw", {fdiv st0, st1}, 2, 5
    CONTROLS "fsqrt fcw", {fsqrt}, 22, 2
    CONTROLS "fsqrt fcw pi", {fsqrt}, 4, 2
    CONTROLS "frndint fcw 3.5", {frndint}, 22, 2
    CONTROLS "frndint fcw -2.5", {frndint}, 16, 2
    CONTROLS "frndint fcw 32767.5", {frndint}, 21, 2
    CONTROLS "frndint fcw -0.5", {frndint}, 23, 2
    UNARY "fsqrt", {fsqrt}
    UNARY "f2xm1", {f2xm1}
    UNARY "frndint", {frndint}
    UNARY "fxtract", {fxtract}
    UNARY "fabs", {fabs}
    UNARY "fchs", {fchs}
    UNARY "fscale st1=1", {fscale}
%xdefine DIFF_FSWMASK FSW_TRIG
    UNARY "fsin", {fsin}
    UNARY "fcos", {fcos}
    UNARY "fptan", {fptan}
    UNARY "fsincos", {fsincos}
%xdefine DIFF_FSWMASK 0xffff
    UNARY "ftst", {ftst}
    UNARY "fxam", {fxam}
    SPECIAL "fcom", {fcom st1}
    SPECIAL "fucom", {fucom st1}
    SPECIAL "fcompp", {fcompp}
    SPECIAL "fcomi", {fcomi st0, st1}
    SPECIAL "fucomip", {fucomip st0, st1}
    SPECIAL "fprem", {fprem}
    SPECIAL "fprem1", {fprem1}
%xdefine DIFF_FSWMASK FSW_ARITH
    SPECIAL "fpatan", {fpatan}
    SPECIAL "fyl2x", {fyl2x}
    SPECIAL "fyl2xp1", {fyl2xp1}
    SPECIAL "fscale", {fscale}
    SPECIAL "fxch", {fxch st1}
    SPECIAL "faddp", {faddp st1, st0}
    SPECIAL "fdivrp", {fdivrp st1, st0}

    ; loads (scratch + 8), converted to extended precision
    DCASE "fld32 +0", {fld dword [xSI + 8]}, iRSI, diff_scratch, iMD(8), 0x00000000
    DCASE "fld32 -0", {fld dword [xSI + 8]}, iRSI, diff_scratch, iMD(8), 0x80000000
    DCASE "fld32 1", {fld dword [xSI + 8]}, iRSI, diff_scratch, iMD(8), 0x3f800000
    DCASE "fld32 denormal", {fld dword [xSI + 8]}, iRSI, diff_scratch, iMD(8), 0x00000001
    DCASE "fld32 big denormal", {fld dword [xSI + 8]}, iRSI, diff_scratch, iMD(8), 0x007fffff
    DCASE "fld32 inf", {fld dword [xSI + 8]}, iRSI, diff_scratch, iMD(8), 0x7f800000
    DCASE "fld32 qnan", {fld dword [xSI + 8]}, iRSI, diff_scratch, iMD(8), 0x7fc00001
    DCASE "fld32 snan", {fld dword [xSI + 8]}, iRSI, diff_scratch, iMD(8), 0xff800001
    DCASE "fld32 -max", {fld dword [xSI + 8]}, iRSI, diff_scratch, iMD(8), 0xff7fffff
    DCASE "fld64 denormal", {fld qword [xSI + 8]}, iRSI, diff_scratch, iMQ(8), 0x0000000000000001
    DCASE "fld64 big denormal", {fld qword [xSI + 8]}, iRSI, diff_scratch, iMQ(8), 0x000fffffffffffff
    DCASE "fld64 inf", {fld qword [xSI + 8]}, iRSI, diff_scratch, iMQ(8), 0x7ff0000000000000
    DCASE "fld64 snan", {fld qword [xSI + 8]}, iRSI, diff_scratch, iMQ(8), 0x7ff0000000000001
    DCASE "fld64 indefinite", {fld qword [xSI + 8]}, iRSI, diff_scratch, iMQ(8), 0xfff8000000000000
    DCASE "fld64 1", {fld qword [xSI + 8]}, iRSI, diff_scratch, iMQ(8), 0x3ff0000000000000
    DCASE "fld80 unnormal", {fld tword [xSI + 8]}, iRSI, diff_scratch, iMQ(8), XM_13, iMW(16), XE_13
    DCASE "fld80 pseudo-inf", {fld tword [xSI + 8]}, iRSI, diff_scratch, iMQ(8), 0, iMW(16), 0x7fff
    DCASE "fld80 snan", {fld tword [xSI + 8]}, iRSI, diff_scratch, iMQ(8), XM_11, iMW(16), XE_11
    DCASE "fild16 min", {fild word [xSI + 8]}, iRSI, diff_scratch, iMW(8), 0x8000
    DCASE "fild16 -1", {fild word [xSI + 8]}, iRSI, diff_scratch, iMW(8), 0xffff
    DCASE "fild32 max", {fild dword [xSI + 8]}, iRSI, diff_scratch, iMD(8), 0x7fffffff
    DCASE "fild32 min", {fild dword [xSI + 8]}, iRSI, diff_scratch, iMD(8), 0x80000000
    DCASE "fild64 max", {fild qword [xSI + 8]}, iRSI, diff_scratch, iMQ(8), 0x7fffffffffffffff
    DCASE "fild64 min", {fild qword [xSI + 8]}, iRSI, diff_scratch, iMQ(8), 0x8000000000000000
    DCASE "fild64 0", {fild qword [xSI + 8]}, iRSI, diff_scratch, iMQ(8), 0
    DCASE "fbld", {fbld [xSI + 8]}, iRSI, diff_scratch, iMQ(8), 0x3456789012345678, iMW(16), 0x0012
    DCASE "fbld -", {fbld [xSI + 8]}, iRSI, diff_scratch, iMQ(8), 0x9999999999999999, iMW(16), 0x8099
    DCASE "fadd32 [m]", {fadd dword [xSI + 8]}, iRSI, diff_scratch, iMD(8), 0x3eaaaaab, STK1, ST_(0, 4)
    DCASE "fmul64 [m]", {fmul qword [xSI + 8]}, iRSI, diff_scratch, iMQ(8), 0x0000000000000001, STK1, ST_(0, 5)
    DCASE "fisub16 [m]", {fisub word [xSI + 8]}, iRSI, diff_scratch, iMW(8), 0x8000, STK1, ST_(0, 4)
    DCASE "fidivr32 [m]", {fidivr dword [xSI + 8]}, iRSI, diff_scratch, iMD(8), 7, STK1, ST_(0, 5)
    DCASE "fcom32 [m] nan", {fcom dword [xSI + 8]}, iRSI, diff_scratch, iMD(8), 0x7fc00000, STK1, ST_(0, 2)
    DCASE "ficomp16 [m]", {ficomp word [xSI + 8]}, iRSI, diff_scratch, iMW(8), 3, STK1, ST_(0, 4)

    ; stores and conversions from ST0
    STORE "fst32", {fst dword [xSI + 8]}
    STORE "fst64", {fst qword [xSI + 8]}
    STORE "fstp80", {fstp tword [xSI + 8]}
    STORE "fist16", {fist word [xSI + 8]}
    STORE "fist32", {fist dword [xSI + 8]}
    STORE "fistp64", {fistp qword [xSI + 8]}
    STORE "fisttp32", {fisttp dword [xSI + 8]}
    STORE "fisttp64", {fisttp qword [xSI + 8]}
    STORE "fbstp", {fbstp [xSI + 8]}
%assign rc 0
%rep 4
    DCASE "fist32 rc -2.5", {fist dword [xSI + 8]}, iRSI, diff_scratch, STK1, ST_(0, 16), iFCW, FCW(3, rc)
    DCASE "fist16 rc 32767.5", {fist word [xSI + 8]}, iRSI, diff_scratch, STK1, ST_(0, 21), iFCW, FCW(3, rc)
    DCASE "fistp64 rc 0.75", {fistp qword [xSI + 8]}, iRSI, diff_scratch, STK1, ST_(0, 17), iFCW, FCW(3, rc)
    DCASE "fst64 rc pi", {fst qword [xSI + 8]}, iRSI, diff_scratch, STK1, ST_(0, 4), iFCW, FCW(3, rc)
    DCASE "fst32 rc max", {fst dword [xSI + 8]}, iRSI, diff_scratch, STK1, ST_(0, 6), iFCW, FCW(3, rc)
    DCASE "fld1 rc", {fld1}, iFCW, FCW(3, rc)
    DCASE "fldl2t rc", {fldl2t}, iFCW, FCW(3, rc)
    DCASE "fldl2e rc", {fldl2e}, iFCW, FCW(3, rc)
    DCASE "fldpi rc", {fldpi}, iFCW, FCW(3, rc)
    DCASE "fldlg2 rc", {fldlg2}, iFCW, FCW(3, rc)
    DCASE "fldln2 rc", {fldln2}, iFCW, FCW(3, rc)
    DCASE "fldz rc", {fldz}, iFCW, FCW(3, rc)
%assign rc rc + 1
%endrep

    ; the register stack itself
    DCASE "fxam empty", {fxam}
    DCASE "fxam empty st0 of 1", {fxam}, iFSW, 0x3800, iFTW, 0x01, ST_(1, 2)
    DCASE "fadd underflow", {fadd st0, st1}, STK1, ST_(0, 2)
    DCASE "fld1 overflow", {fld1}, STK8
    DCASE "fxch underflow", {fxch st1}, STK1, ST_(0, 4)
    DCASE "fstp empty", {fstp st0}
    DCASE "fld st2", {fld st2}, STK3, ST_(0, 2), ST_(1, 4), ST_(2, 5)
    DCASE "fxch st2", {fxch st2}, STK3, ST_(0, 2), ST_(1, 4), ST_(2, 5)
    DCASE "fstp st2", {fstp st2}, STK3, ST_(0, 2), ST_(1, 4), ST_(2, 5)
    DCASE "ffree st1", {ffree st1}, STK3, ST_(0, 2), ST_(1, 4), ST_(2, 5)
    DCASE "fincstp", {fincstp}, STK3, ST_(0, 2), ST_(1, 4), ST_(2, 5)
    DCASE "fdecstp", {fdecstp}, STK3, ST_(0, 2), ST_(1, 4), ST_(2, 5)
    DCASE "fninit", {fninit}, STK3, ST_(0, 2), ST_(1, 4), ST_(2, 5), iFCW, FCW(0, 3)
    DCASE "fnstsw ax", STSW_AX, STK2, ST_(0, 2), ST_(1, 10)
    DCASE "fnstcw [m]", {fnstcw [xSI + 8]}, iRSI, diff_scratch, iFCW, FCW(2, 1)
    DCASE "fldcw [m]", {fldcw [xSI + 8]}, iRSI, diff_scratch, iMW(8), 0x0e7f
    DCASE "fnstsw [m]", {fnstsw [xSI + 8]}, iRSI, diff_scratch, STK2, ST_(0, 2), ST_(1, 4)
    DCASE "fcmovb taken", {fcmovb st0, st1}, STK2, ST_(0, 2), ST_(1, 4), iFL, 0x003
    DCASE "fcmovb not", {fcmovb st0, st1}, STK2, ST_(0, 2), ST_(1, 4), iFL, 0x8d6
    DCASE "fcmove taken", {fcmove st0, st1}, STK2, ST_(0, 2), ST_(1, 4), iFL, 0x042
    DCASE "fcmovbe not", {fcmovbe st0, st1}, STK2, ST_(0, 2), ST_(1, 4), iFL, 0x896
    DCASE "fcmovu taken", {fcmovu st0, st1}, STK2, ST_(0, 2), ST_(1, 4), iFL, 0x006
    DCASE "fcmovnb taken", {fcmovnb st0, st1}, STK2, ST_(0, 2), ST_(1, 4), iFL, 0x002
    DCASE "fcmovne not", {fcmovne st0, st1}, STK2, ST_(0, 2), ST_(1, 4), iFL, 0x042
    DCASE "fcmovnu not", {fcmovnu st0, st1}, STK2, ST_(0, 2), ST_(1, 4), iFL, 0x006

    ; environment images: control, status, full tag word (valid, zero,
    ; special, empty from the registers' contents), pointers
    DCASE "fnstenv", FADD_STENV, iRSI, diff_scratch, STK3, ST_(0, 2), ST_(1, 0), ST_(2, 10)
    DCASE "fnstenv o16", FADD_STENV16, iRSI, diff_scratch, STK3, ST_(0, 2), ST_(1, 8), ST_(2, 9)
    DCASE "fldenv", {fldenv [xSI + 16]}, iRSI, diff_scratch, iMW(16), 0x0b7f, iMW(20), 0x3a01, iMW(24), 0x0fff
    DCASE "fnsave", FADD_SAVE, iRSI, diff_scratch, STK2, ST_(0, 4), ST_(1, 5)
    ; unmasked exceptions: pending (ES, B) until a waiting instruction: #MF
    DCASE "fadd snan unmasked", {fadd st0, st1}, STK2, ST_(0, 2), ST_(1, 11), iFCW, 0x037e
    DCASE "fadd snan unmasked fwait #MF", UNMASKED_SNAN, STK2, ST_(0, 2), ST_(1, 11), iFCW, 0x037e
    DCASE "fdiv zero unmasked fwait #MF", UNMASKED_ZERO, STK2, ST_(0, 2), ST_(1, 0), iFCW, 0x037b
    DCASE "fdiv zero unmasked fnclex", PENDING_CLEARED, STK2, ST_(0, 2), ST_(1, 0), iFCW, 0x037b
    DCASE "fmul overflow unmasked", {fmul st0, st1}, STK2, ST_(0, 6), ST_(1, 6), iFCW, 0x0377
    DCASE "fmul underflow unmasked", {fmul st0, st1}, STK2, ST_(0, 7), ST_(1, 17), iFCW, 0x036f
    DCASE "fst32 overflow unmasked", {fst dword [xSI + 8]}, iRSI, diff_scratch, STK1, ST_(0, 6), iFCW, 0x0377
    DCASE "fist16 invalid unmasked", {fist word [xSI + 8]}, iRSI, diff_scratch, STK1, ST_(0, 15), iFCW, 0x037e
%xdefine DIFF_FSWMASK 0xffff
%endmacro

DIFF_CASES_BEGIN 64
%define xSI rsi
    X87_CASES
DIFF_CASES_END 64

DIFF_CASES_BEGIN 32
%define xSI esi
    X87_CASES
DIFF_CASES_END 32
