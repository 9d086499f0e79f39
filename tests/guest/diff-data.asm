; tests/guest/diff-data.asm: MOVSX/MOVZX, XCHG/XADD/CMPXCHG(8B/16B), CMOVcc/SETcc, PUSH/POP/PUSHF/POPF/ENTER/LEAVE, LEA and friends, compared across backends by diff.t.
; @output ^DIFF END data mode=32$
; @timeout 120
;
; Flags: XADD and CMPXCHG define all six as ADD and CMP do; CMPXCHG8B/16B
; define ZF and leave the rest alone; the others change no flag, so every
; flag is compared.  CMOVcc and SETcc run under flag inputs that make each
; condition both true and false; the 32-bit CMOV clears bits 63:32 of its
; destination in 64-bit mode even when the condition is false.  PUSH/POP,
; ENTER and LEAVE use a stack inside the scratch memory, so what they write
; is compared.  PUSHF would store the IF that the host kvm shows at CPL3
; (see diff.inc), so its cases clear bit 9 of the stored image first.
%define DIFF_NAME "data"
%define SCRATCH_SIZE 512
%include "runtime.inc"
%include "diff.inc"

test_main:
    DIFF_RUN 64
    DIFF_RUN 32
    ret

%define FL_CLEAR 0x002
%define FL_SET   0x8d7
%define P_0 0x002
%define P_1 0x8d7
%define P_2 0x003
%define P_3 0x042
%define P_4 0x082
%define P_5 0x802
%define P_6 0x882
%define P_7 0x006
%define NP 8
%define FRAME (diff_scratch + 0x100)      ; RBP for ENTER/LEAVE

%define REGV(reg, s, v) (((0x1010101010101010 + 0x0101010101010101 * ((reg) / 8)) & ~((2 << ((8 << (s)) - 1)) - 1)) | (v))

; CONDITIONS macro: macro cc for the sixteen condition codes.
%macro CONDITIONS 1
    %1 o
    %1 no
    %1 b
    %1 nb
    %1 z
    %1 nz
    %1 be
    %1 nbe
    %1 s
    %1 ns
    %1 p
    %1 np
    %1 l
    %1 nl
    %1 le
    %1 nle
%endmacro

; Every flag pattern for one condition.
%macro CMOV_CC 1
%assign pi 0
%rep NP
    DCASE %str(cmov%1.w), {cmov%1 ax, bx}, iFL, P_%[pi]
    DCASE %str(cmov%1.d), {cmov%1 eax, ebx}, iFL, P_%[pi]
%if __BITS__ == 64
    DCASE %str(cmov%1.q), {cmov%1 rax, rbx}, iFL, P_%[pi]
%endif
    DCASE %str(set%1), {set%1 cl}, iFL, P_%[pi]
%assign pi pi + 1
%endrep
    DCASE %str(cmov%1.d [m]), {cmov%1 edx, [xSI + 8]}, iRSI, diff_scratch, iFL, P_3
    DCASE %str(set%1 [m]), {set%1 byte [xSI + 9]}, iRSI, diff_scratch, iFL, P_6
%endmacro

; EXT mnemonic-suffix, code: MOVSX/MOVZX-like over edge sources in RBX.
%macro EXT 2
    DCASE %1, {%2}, iRBX, 0x1111111111110000, iFL, FL_SET
    DCASE %1, {%2}, iRBX, 0x111111111111007f, iFL, FL_CLEAR
    DCASE %1, {%2}, iRBX, 0x1111111111118080, iFL, FL_SET
    DCASE %1, {%2}, iRBX, 0x11111111ffffffff, iFL, FL_CLEAR
    DCASE %1, {%2}, iRBX, 0x111111117fff8000, iFL, FL_SET
%endmacro

; The PUSHF image without IF: push it, fix it with the flags saved and
; restored around the fix, and clear the helper slot below the stack.
%macro PUSHF_NO_IF 0
%if __BITS__ == 64
    pushfq
    pushfq
    and dword [rsp + 8], ~F_IF
    popfq
    mov qword [rsp - 8], 0
%else
    pushfd
    pushfd
    and dword [esp + 4], ~F_IF
    popfd
    mov dword [esp - 4], 0
%endif
%endmacro

%macro PUSHF_W_NO_IF 0
    pushfw
    pushfw
    and word [xSP + 2], (~F_IF) & 0xffff
    popfw
    mov word [xSP - 2], 0
%endmacro

%macro DATA_CASES 0
    ; MOVSX / MOVZX / MOVSXD and the accumulator extensions
    EXT "movsx.w.b", {movsx ax, bl}
    EXT "movsx.d.b", {movsx eax, bl}
    EXT "movsx.d.w", {movsx eax, bx}
    EXT "movzx.w.b", {movzx ax, bl}
    EXT "movzx.d.b", {movzx eax, bl}
    EXT "movzx.d.w", {movzx eax, bx}
    EXT "movsx.w.b bh", {movsx cx, bh}
    DCASE "movzx.d [m].w", {movzx edx, word [xSI + 8]}, iRSI, diff_scratch, iFL, FL_SET
    DCASE "movsx.w [m].b", {movsx dx, byte [xSI + 9]}, iRSI, diff_scratch, iFL, FL_CLEAR
    DCASE "cbw", {cbw}, iRAX, 0x1010101010101080, iFL, FL_SET
    DCASE "cwde", {cwde}, iRAX, 0x1010101010108000, iFL, FL_CLEAR
    DCASE "cwd", {cwd}, iRAX, 0x1010101010108000, iFL, FL_CLEAR
    DCASE "cdq", {cdq}, iRAX, 0x1010101080000000, iFL, FL_SET
    DCASE "cdq+", {cdq}, iRAX, 0x101010107fffffff, iFL, FL_SET
    DCASE "lahf", {lahf}, iFL, FL_SET
    DCASE "sahf", {sahf}, iRAX, 0x1010101010105500, iFL, FL_SET
    DCASE "sahf 0xff", {sahf}, iRAX, 0x101010101010ff00, iFL, FL_CLEAR
    DCASE "xlatb", {xlatb}, iRBX, diff_scratch, iRAX, 0x1010101010101013, iFL, FL_CLEAR

    ; XCHG, XADD, CMPXCHG
    DCASE "xchg.b", {xchg al, bl}, iFL, FL_SET
    DCASE "xchg.b ah,cl", {xchg ah, cl}, iFL, FL_CLEAR
    DCASE "xchg.w", {xchg ax, bx}, iFL, FL_SET
    DCASE "xchg.w si,di", {xchg si, di}, iFL, FL_CLEAR
    DCASE "xchg.d", {xchg eax, ebx}, iFL, FL_SET
    DCASE "xchg.d edx,ecx", {xchg edx, ecx}, iFL, FL_CLEAR
    DCASE "xchg.d [m]", {xchg [xSI + 8], ecx}, iRSI, diff_scratch, iFL, FL_SET
    DCASE "xchg.w [m]", {xchg bx, [xSI + 9]}, iRSI, diff_scratch, iFL, FL_CLEAR
    DCASE "xadd.b", {xadd al, bl}, iRAX, 0x7f, iRBX, 1, iFL, FL_CLEAR
    DCASE "xadd.w", {xadd ax, bx}, iRAX, 0xffff, iRBX, 1, iFL, FL_SET
    DCASE "xadd.d", {xadd eax, ebx}, iRAX, 0x80000000, iRBX, 0x80000000, iFL, FL_CLEAR
    DCASE "xadd.d same", {xadd eax, eax}, iRAX, 0x40000001, iFL, FL_CLEAR
    DCASE "xadd.d [m]", {xadd [xSI + 8], ecx}, iRSI, diff_scratch, iFL, FL_SET
    DCASE "lock xadd.w [m]", {lock xadd [xSI + 10], cx}, iRSI, diff_scratch, iFL, FL_CLEAR
    DCASE "cmpxchg.b eq", {cmpxchg bl, cl}, iRAX, 0x55, iRBX, 0x55, iFL, FL_CLEAR
    DCASE "cmpxchg.b ne", {cmpxchg bl, cl}, iRAX, 0x56, iRBX, 0x55, iFL, FL_SET
    DCASE "cmpxchg.w eq", {cmpxchg bx, cx}, iRAX, 0x8000, iRBX, 0x8000, iFL, FL_SET
    DCASE "cmpxchg.w ne", {cmpxchg bx, cx}, iRAX, 0x7fff, iRBX, 0x8000, iFL, FL_CLEAR
    DCASE "cmpxchg.d eq", {cmpxchg ebx, ecx}, iRAX, 0x1010101087654321, iRBX, 0x1111111187654321, iFL, FL_CLEAR
    DCASE "cmpxchg.d ne", {cmpxchg ebx, ecx}, iRAX, 0x1010101087654320, iRBX, 0x1111111187654321, iFL, FL_CLEAR
    DCASE "cmpxchg.d acc eq", {cmpxchg eax, ecx}, iRAX, 0x1010101012345678, iFL, FL_SET
    DCASE "cmpxchg.d [m] eq", {cmpxchg [xSI + 8], ecx}, iRSI, diff_scratch, iRAX, 0x11, iMQ(8), 0x11, iFL, FL_SET
    DCASE "cmpxchg.d [m] ne", {cmpxchg [xSI + 8], ecx}, iRSI, diff_scratch, iRAX, 0x12, iMQ(8), 0x11, iFL, FL_SET
    DCASE "lock cmpxchg.b [m] eq", {lock cmpxchg [xSI + 8], cl}, iRSI, diff_scratch, iRAX, 0x11, iMQ(8), 0x11, iFL, FL_CLEAR
    DCASE "cmpxchg8b eq", {cmpxchg8b [xSI + 8]}, iRSI, diff_scratch, iRAX, 0x1010101089abcdef, iRDX, 0x1313131301234567, iMQ(8), 0x0123456789abcdef, iFL, FL_SET
    DCASE "cmpxchg8b ne", {cmpxchg8b [xSI + 8]}, iRSI, diff_scratch, iRAX, 0x1010101089abcdef, iRDX, 0x1313131301234568, iMQ(8), 0x0123456789abcdef, iFL, FL_SET
    DCASE "lock cmpxchg8b eq", {lock cmpxchg8b [xSI + 12]}, iRSI, diff_scratch, iRAX, 0x1010101089abcdef, iRDX, 0x1313131301234567, iMD(12), 0x89abcdef, iMD(16), 0x01234567, iFL, FL_CLEAR
    DCASE "lock cmpxchg8b ne", {lock cmpxchg8b [xSI + 8]}, iRSI, diff_scratch, iFL, FL_CLEAR

    ; CMOVcc and SETcc under every flag pattern
    CONDITIONS CMOV_CC

    ; PUSH / POP / PUSHF / POPF
%if __BITS__ == 64
    DCASE "push.q", {push rbx}, iFL, FL_SET
    DCASE "push.q r12", {push r12}, iFL, FL_SET
    DCASE "push.w", {push bx}, iFL, FL_CLEAR
    DCASE "push.q simm8", {push byte -2}, iFL, FL_CLEAR
    DCASE "push.q simm32", {push dword -0x12345678}, iFL, FL_CLEAR
    DCASE "push.w imm16", {push word 0x8001}, iFL, FL_SET
    DCASE "push.q [m]", {push qword [rsi + 8]}, iRSI, diff_scratch, iFL, FL_SET
    DCASE "push.q rsp", {push rsp}, iFL, FL_SET
    DCASE "pop.q", {pop rbx}, iFL, FL_SET
    DCASE "pop.w", {pop bx}, iFL, FL_CLEAR
    DCASE "pop.q r9", {pop r9}, iFL, FL_CLEAR
    DCASE "pop.q [m]", {pop qword [rsi + 8]}, iRSI, diff_scratch, iFL, FL_SET
    DCASE "pop.q [rsp]", {pop qword [rsp]}, iFL, FL_SET
    DCASE "pop.q rsp", {pop rsp}, iMQ(SCRATCH_SIZE - 32), diff_scratch + 0x80, iFL, FL_SET
    DCASE "pushf.q", PUSHF_NO_IF, iFL, FL_SET
    DCASE "pushf.w", PUSHF_W_NO_IF, iFL, FL_SET
    DCASE "popf.q", {popfq}, iMQ(SCRATCH_SIZE - 32), 0x00257ed5, iFL, FL_CLEAR
    DCASE "popf.q 0", {popfq}, iMQ(SCRATCH_SIZE - 32), 0, iFL, FL_SET
    DCASE "popf.w", {popfw}, iMW(SCRATCH_SIZE - 32), 0xfed5, iFL, FL_CLEAR
    DCASE "enter.q 16,0", {enter 16, 0}, iRBP, FRAME, iFL, FL_SET
    DCASE "enter.q 8,1", {enter 8, 1}, iRBP, FRAME, iFL, FL_SET
    DCASE "enter.q 0,2", {enter 0, 2}, iRBP, FRAME, iFL, FL_CLEAR
    DCASE "enter.q 24,4", {enter 24, 4}, iRBP, FRAME, iFL, FL_CLEAR
    DCASE "enter.q 0,33", {enter 0, 33}, iRBP, FRAME, iFL, FL_CLEAR
    DCASE "leave.q", {leave}, iRBP, FRAME, iFL, FL_SET
    DCASE "lea.q", {lea rax, [rbx + rcx * 8 + 0x7fffffff]}, iFL, FL_SET
    DCASE "lea.q neg", {lea rax, [rbx + rcx * 2 - 0x80000000]}, iFL, FL_SET
    DCASE "lea.q rip", {lea rdx, [rel $ + 0x1000]}, iFL, FL_SET
    DCASE "lea.d a32", {lea eax, [ebx + ecx * 4 + 0x7ffffff0]}, iFL, FL_CLEAR
    DCASE "lea.w a64", {lea ax, [rbx + r15 * 8 + 0x7fff]}, iFL, FL_CLEAR
    DCASE "lea.q a32 wrap", {lea rax, [ebx + ecx]}, iRBX, 0xffffffff, iRCX, 2, iFL, FL_CLEAR
    DCASE "lea.q r13 base", {lea rcx, [r13 + 0]}, iFL, FL_CLEAR
    DCASE "xchg.q", {xchg rax, r15}, iFL, FL_SET
    DCASE "xchg.d eax,eax", {xchg eax, eax}, iFL, FL_SET
    DCASE "xadd.q", {xadd rax, rbx}, iRAX, 0x7fffffffffffffff, iRBX, 1, iFL, FL_CLEAR
    DCASE "cmpxchg.q ne", {cmpxchg rbx, rcx}, iFL, FL_CLEAR
    DCASE "cmpxchg.d eq hi", {cmpxchg r8d, r9d}, iRAX, 0x1010101018181818, iFL, FL_CLEAR
    DCASE "cmpxchg16b eq", {cmpxchg16b [rsi + 16]}, iRSI, diff_scratch, iRAX, 0x1111, iRDX, 0x2222, iMQ(16), 0x1111, iMQ(24), 0x2222, iFL, FL_SET
    DCASE "cmpxchg16b ne", {cmpxchg16b [rsi + 16]}, iRSI, diff_scratch, iFL, FL_SET
    DCASE "lock cmpxchg16b eq", {lock cmpxchg16b [rsi + 32]}, iRSI, diff_scratch, iRAX, 0x1111, iRDX, 0x2222, iMQ(32), 0x1111, iMQ(40), 0x2222, iFL, FL_CLEAR
    DCASE "cmpxchg16b misaligned #GP", {cmpxchg16b [rsi + 8]}, iRSI, diff_scratch, iFL, FL_CLEAR
    DCASE "movsxd", {movsxd rax, ebx}, iRBX, 0x1111111180000000, iFL, FL_SET
    DCASE "movsxd no rex.w", {db 0x63, 0xc3}, iRBX, 0x1111111180000000, iFL, FL_SET
    DCASE "movsxd 66", {db 0x66, 0x63, 0xc3}, iRBX, 0x1111111180008000, iFL, FL_SET
    DCASE "xchg rax,r8 (49 90)", {db 0x49, 0x90}, iFL, FL_SET
    DCASE "xchg eax,r8d (41 90)", {db 0x41, 0x90}, iFL, FL_SET
    DCASE "nop 90", {db 0x90}, iFL, FL_SET
    DCASE "pause", {db 0xf3, 0x90}, iFL, FL_SET
    DCASE "setz spl", {setz spl}, iFL, FL_SET
    DCASE "setnz dil", {setnz dil}, iFL, FL_SET
    DCASE "movzx r9d,ah? (no rex)", {movzx ecx, ah}, iFL, FL_SET
    DCASE "mov sil,r12b", {mov sil, r12b}, iFL, FL_SET
    DCASE "movsx.q.b", {movsx rax, bl}, iRBX, 0x11111111111111f0, iFL, FL_SET
    DCASE "movzx.q.w", {movzx rax, bx}, iRBX, 0x111111111111f000, iFL, FL_SET
    DCASE "cdqe", {cdqe}, iRAX, 0x1010101080000000, iFL, FL_SET
    DCASE "cqo", {cqo}, iRAX, 0x8010101010101010, iFL, FL_SET
    DCASE "mov.q moffs", {mov rax, [qword diff_scratch + 8]}, iFL, FL_SET
    DCASE "mov.q imm64", {mov r10, 0x123456789abcdef0}, iFL, FL_SET
    DCASE "mov.q simm32", {mov qword [rsi + 8], -5}, iRSI, diff_scratch, iFL, FL_SET
%else
    DCASE "push.d", {push ebx}, iFL, FL_SET
    DCASE "push.w", {push bx}, iFL, FL_CLEAR
    DCASE "push.d simm8", {push byte -2}, iFL, FL_CLEAR
    DCASE "push.d imm32", {push dword 0x87654321}, iFL, FL_CLEAR
    DCASE "push.w imm16", {push word 0x8001}, iFL, FL_SET
    DCASE "push.d [m]", {push dword [esi + 8]}, iRSI, diff_scratch, iFL, FL_SET
    DCASE "push.d esp", {push esp}, iFL, FL_SET
    DCASE "pop.d", {pop ebx}, iFL, FL_SET
    DCASE "pop.w", {pop bx}, iFL, FL_CLEAR
    DCASE "pop.d [m]", {pop dword [esi + 8]}, iRSI, diff_scratch, iFL, FL_SET
    DCASE "pop.d [esp]", {pop dword [esp]}, iFL, FL_SET
    DCASE "pop.d esp", {pop esp}, iMD(SCRATCH_SIZE - 32), diff_scratch + 0x80, iFL, FL_SET
    DCASE "pushf.d", PUSHF_NO_IF, iFL, FL_SET
    DCASE "pushf.w", PUSHF_W_NO_IF, iFL, FL_SET
    DCASE "popf.d", {popfd}, iMD(SCRATCH_SIZE - 32), 0x00257ed5, iFL, FL_CLEAR
    DCASE "popf.w", {popfw}, iMW(SCRATCH_SIZE - 32), 0xfed5, iFL, FL_CLEAR
    DCASE "pusha", {pusha}, iFL, FL_SET
    DCASE "pushad", {pushad}, iFL, FL_SET
    DCASE "popa", {popa}, iFL, FL_CLEAR
    DCASE "popad", {popad}, iFL, FL_CLEAR
    DCASE "enter.d 16,0", {enter 16, 0}, iRBP, FRAME, iFL, FL_SET
    DCASE "enter.d 8,1", {enter 8, 1}, iRBP, FRAME, iFL, FL_SET
    DCASE "enter.d 0,2", {enter 0, 2}, iRBP, FRAME, iFL, FL_CLEAR
    DCASE "enter.d 24,4", {enter 24, 4}, iRBP, FRAME, iFL, FL_CLEAR
    DCASE "leave.d", {leave}, iRBP, FRAME, iFL, FL_SET
    DCASE "lea.d", {lea eax, [ebx + ecx * 8 + 0x7fffffff]}, iFL, FL_SET
    DCASE "lea.w a32", {lea ax, [ebx + ecx * 4 + 0x7ffffff0]}, iFL, FL_CLEAR
    DCASE "lea.d a16", {lea eax, [bx + si + 0x7ff0]}, iFL, FL_CLEAR
    DCASE "lea.w a16 bp+di", {lea cx, [bp + di - 1]}, iFL, FL_CLEAR
    DCASE "mov.d moffs", {mov eax, [diff_scratch + 8]}, iFL, FL_SET
%endif
    ; CMOVcc reads its memory operand whatever the condition (SDM vol. 2)
    DCASE "cmovz.d [unmapped] false #PF", {cmovz eax, [xSI]}, iRSI, 0x40000000, iFL, FL_CLEAR
    DCASE "lock cmpxchg reg #UD", {db 0xf0, 0x0f, 0xb1, 0xcb}, iFL, FL_CLEAR
    ; ENTER and LEAVE with a 16-bit operand: the same in both modes
    DCASE "enter.w 16,0", {o16 enter 16, 0}, iRBP, FRAME, iFL, FL_SET
    DCASE "enter.w 8,2", {o16 enter 8, 2}, iRBP, FRAME, iFL, FL_CLEAR
    DCASE "leave.w", {o16 leave}, iRBP, FRAME, iFL, FL_SET
%endmacro

DIFF_CASES_BEGIN 64
%define xSI rsi
%define xSP rsp
    DATA_CASES
DIFF_CASES_END 64

DIFF_CASES_BEGIN 32
%define xSI esi
%define xSP esp
    DATA_CASES
DIFF_CASES_END 32
