; tests/guest/diff-string.asm: MOVS/STOS/LODS/CMPS/SCAS, single and with REP/REPE/REPNE, DF both ways, every size, compared across backends by diff.t.
; @output ^DIFF END string mode=32$
; @args -m 1024
; @timeout 120
;
; Source data at scratch + 0x40, destination at scratch + 0x100 (+ 0x38 when
; DF = 1, the strings then run downwards).  Counts 0 (nothing happens, flags
; kept), 1 and several; REPE/REPNE stop where the data says.  MOVS STOS LODS
; change no flag; CMPS and SCAS set all six as CMP does (SDM vol. 2), so
; every flag is compared.  In 64-bit mode the 32-bit address size (67h) forms
; use and write ESI/EDI/ECX only, zeroing their upper halves.  A string that
; runs off the end of the runtime's 1 GiB identity map takes a #PF after the
; iterations before it (SDM vol. 2 REP: registers updated as of the faulting
; iteration); "-m 1024" backs the last mapped page with RAM.
%define DIFF_NAME "string"
%define SCRATCH_SIZE 512
%include "runtime.inc"
%include "diff.inc"

test_main:
    DIFF_RUN 64
    DIFF_RUN 32
    ret

%define SRC (diff_scratch + 0x40)
%define DST (diff_scratch + 0x100)
%define UP 0x38                     ; start offset when DF = 1
%define FL0 0x002                   ; DF = 0
%define FL0S 0x8d7
%define FL1 0x402                   ; DF = 1
%define FL1S 0xcd7

; Data for CMPS/SCAS: both strings equal but for byte 12.
%define W0 0x0807060504030201
%define W1 0x100f0e0d0c0b0a09
%define W1X 0x100f0e0dff0b0a09
%define CMP_DATA iMQ(0x40), W0, iMQ(0x48), W1, iMQ(0x100), W0, iMQ(0x108), W1X

; STRINGS suffix, element size: the cases of one size.
%macro STRINGS 2
    ; MOVS
    DCASE %str(movs%1), {movs%1}, iRSI, SRC, iRDI, DST, iFL, FL0S
    DCASE %str(movs%1 df1), {movs%1}, iRSI, SRC + UP, iRDI, DST + UP, iFL, FL1
    DCASE %str(rep movs%1 n0), {rep movs%1}, iRSI, SRC, iRDI, DST, iRCX, 0, iFL, FL0S
    DCASE %str(rep movs%1 n1), {rep movs%1}, iRSI, SRC, iRDI, DST, iRCX, 1, iFL, FL0
    DCASE %str(rep movs%1 n6), {rep movs%1}, iRSI, SRC, iRDI, DST, iRCX, 6, iFL, FL0S
    DCASE %str(rep movs%1 n6 df1), {rep movs%1}, iRSI, SRC + UP, iRDI, DST + UP, iRCX, 6, iFL, FL1S
    DCASE %str(rep movs%1 n5 overlap), {rep movs%1}, iRSI, SRC, iRDI, SRC + %2, iRCX, 5, iFL, FL0
    DCASE %str(rep movs%1 n5 overlap df1), {rep movs%1}, iRSI, SRC + UP, iRDI, SRC + UP - %2, iRCX, 5, iFL, FL1
    ; STOS
    DCASE %str(stos%1), {stos%1}, iRDI, DST, iRAX, 0x8877665544332211, iFL, FL0
    DCASE %str(rep stos%1 n0), {rep stos%1}, iRDI, DST, iRCX, 0, iFL, FL0S
    DCASE %str(rep stos%1 n5), {rep stos%1}, iRDI, DST, iRCX, 5, iRAX, 0x8877665544332211, iFL, FL0S
    DCASE %str(rep stos%1 n5 df1), {rep stos%1}, iRDI, DST + UP, iRCX, 5, iRAX, 0x8877665544332211, iFL, FL1
    ; LODS
    DCASE %str(lods%1), {lods%1}, iRSI, SRC, iFL, FL0
    DCASE %str(lods%1 df1), {lods%1}, iRSI, SRC + UP, iFL, FL1S
    DCASE %str(rep lods%1 n3), {rep lods%1}, iRSI, SRC, iRCX, 3, iFL, FL0S
    DCASE %str(rep lods%1 n3 df1), {rep lods%1}, iRSI, SRC + UP, iRCX, 3, iFL, FL1
    ; CMPS
    DCASE %str(cmps%1), {cmps%1}, iRSI, SRC, iRDI, DST, CMP_DATA, iFL, FL0S
    DCASE %str(cmps%1 ne), {cmps%1}, iRSI, SRC, iRDI, DST + 1, CMP_DATA, iFL, FL0
    DCASE %str(repe cmps%1 n0), {repe cmps%1}, iRSI, SRC, iRDI, DST, iRCX, 0, CMP_DATA, iFL, FL0S
    DCASE %str(repe cmps%1 n16), {repe cmps%1}, iRSI, SRC, iRDI, DST, iRCX, 16, CMP_DATA, iFL, FL0
    DCASE %str(repe cmps%1 n2), {repe cmps%1}, iRSI, SRC, iRDI, DST, iRCX, 2, CMP_DATA, iFL, FL0S
    DCASE %str(repe cmps%1 n16 df1), {repe cmps%1}, iRSI, SRC + 16 - %2, iRDI, DST + 16 - %2, iRCX, 16, CMP_DATA, iFL, FL1
    DCASE %str(repne cmps%1 n16), {repne cmps%1}, iRSI, SRC, iRDI, DST, iRCX, 16, CMP_DATA, iFL, FL0S
    DCASE %str(repne cmps%1 n4 shifted), {repne cmps%1}, iRSI, SRC, iRDI, DST + %2, iRCX, 4, CMP_DATA, iFL, FL0
    ; SCAS
    DCASE %str(scas%1), {scas%1}, iRDI, DST, iRAX, W0, CMP_DATA, iFL, FL0
    DCASE %str(scas%1 ne), {scas%1}, iRDI, DST, iRAX, W1, CMP_DATA, iFL, FL0S
    DCASE %str(repne scas%1 n16), {repne scas%1}, iRDI, DST, iRCX, 16, iRAX, W1X, CMP_DATA, iFL, FL0S
    DCASE %str(repne scas%1 n16 df1), {repne scas%1}, iRDI, DST + 16 - %2, iRCX, 16, iRAX, W0, CMP_DATA, iFL, FL1S
    DCASE %str(repne scas%1 n3 none), {repne scas%1}, iRDI, DST, iRCX, 3, iRAX, 0xeeeeeeeeeeeeeeee, CMP_DATA, iFL, FL0
    DCASE %str(repe scas%1 n16), {repe scas%1}, iRDI, DST, iRCX, 16, iRAX, W0, CMP_DATA, iFL, FL0S
    DCASE %str(repe scas%1 n0), {repe scas%1}, iRDI, DST, iRCX, 0, iRAX, W0, CMP_DATA, iFL, FL0S
%if __BITS__ == 64
    ; 32-bit address size: ESI/EDI/ECX, upper halves set on input
    DCASE %str(a32 rep movs%1 n3), {a32 rep movs%1}, iRSI, SRC, iGPRHI(R_RSI), 0xffff0000, iRDI, DST, iGPRHI(R_RDI), 0x55550000, iRCX, 0x1234567800000003, iFL, FL0
    DCASE %str(a32 rep stos%1 n2 df1), {a32 rep stos%1}, iRDI, DST + UP, iGPRHI(R_RDI), 1, iRCX, 0xffffffff00000002, iFL, FL1
    DCASE %str(a32 repe cmps%1 n16), {a32 repe cmps%1}, iRSI, SRC, iGPRHI(R_RSI), 0x80000000, iRDI, DST, iGPRHI(R_RDI), 0x80000000, iRCX, 0x0000000200000010, CMP_DATA, iFL, FL0S
%endif
%endmacro

%macro STRING_CASES 0
    STRINGS b, 1
    STRINGS w, 2
    STRINGS d, 4
%if __BITS__ == 64
    STRINGS q, 8
    DCASE "rep movsb n8 r8+", {rep movsb}, iRSI, SRC, iRDI, DST, iRCX, 8, iR8, 1, iFL, FL0
%endif
    ; faults in the middle of a string: 0x40000000 is not mapped
    DCASE "rep stosb #PF", {rep stosb}, iRDI, 0x3ffffffc, iRCX, 8, iRAX, 0x5a, iFL, FL0
    DCASE "rep stosd df1 #PF", {rep stosd}, iRDI, 0x40000004, iRCX, 3, iFL, FL1S
    DCASE "rep movsd read #PF", {rep movsd}, iRSI, 0x3ffffff8, iRDI, DST, iRCX, 4, iFL, FL0S
    DCASE "rep movsb write #PF", {rep movsb}, iRSI, SRC, iRDI, 0x3ffffffe, iRCX, 5, iFL, FL0
    DCASE "repe cmpsb #PF", {repe cmpsb}, iRSI, 0x3ffffffd, iRDI, 0x3ffffffd, iRCX, 9, iFL, FL0
    DCASE "lodsw #PF split", {lodsw}, iRSI, 0x3fffffff, iFL, FL0S
    ; segment override on the source (flat here, so the same data)
    DCASE "fs: movsd src", {fs movsd}, iRSI, SRC, iRDI, DST, iFL, FL0
    DCASE "rep stosb n0 df1 flags", {rep stosb}, iRDI, DST, iRCX, 0, iFL, 0xcd7
%endmacro

DIFF_CASES_BEGIN 64
    STRING_CASES
DIFF_CASES_END 64

DIFF_CASES_BEGIN 32
    STRING_CASES
DIFF_CASES_END 32
