; tests/guest/cpl3.asm: a 64-bit snippet at CPL3; the runtime reports its registers, the test checks them.
; @output ^CPL3 snippet OK$
; @report
%include "runtime.inc"

test_main:
    mov edi, snippet
    call run_user64
    EXPECT rax, USER_DONE, "what ended the snippet"
    call report_user_state
    EXPECT_USER R_CS, USER_CS64, "CS"
    EXPECT_USER R_SS, USER_DS, "SS"
    EXPECT_USER R_RIP, user_exit64, "RIP after USER_EXIT"
    EXPECT_USER R_RSP, user_stack_top, "RSP"
    EXPECT_USER R_RBP, 3, "CPL seen by the snippet"
    EXPECT_USER R_RAX, 0x0123456789abcdef, "RAX"
    EXPECT_USER R_RBX, 0xefcdab8967452301, "RBX after BSWAP"
    EXPECT_USER R_RCX, 12345000, "RCX after IMUL"
    EXPECT_USER R_RDX, 0x012345678b248b3f, "RDX after LEA"
    EXPECT_USER R_RSI, 0x115599de2266aaee, "RSI after SUB"
    EXPECT_USER R_RDI, -1, "RDI after SBB"
    EXPECT_USER R_R8, 0, "R8 after ADD"
    EXPECT_USER R_R9, 0x80, "R9 after ADC"
    EXPECT_USER R_R10, user_stack_top, "R10 = RSP"
    EXPECT_USER R_R11, 0x55aa, "R11 after PUSH/POP"
    EXPECT_USER R_R12, 0x123456789abcdef0, "R12 after SHL"
    EXPECT_USER R_R13, 0xef0123456789abcd, "R13 after ROR"
    EXPECT_USER R_R14, 0x02468acf13579bde, "R14 from PADDQ"
    EXPECT_USER R_R15, 0xdf9b5712ce8a4602, "R15 from PSHUFD"
    ; CMP RAX, RBX: CF (borrow), PF; ZF, SF, OF, AF clear; bit 1 always set;
    ; RF set in the image a fault pushes (SDM vol. 3A 17.3.1.1), here the #UD
    ; of USER_EXIT.
    EXPECT_USER R_RFLAGS, 0x10007, "RFLAGS after CMP"
    ; SQRTSD of a non-square is inexact: MXCSR.PE (bit 5).
    EXPECT_USER32 FX_MXCSR, 0x1fa0, "MXCSR after SQRTSD"
    ; One x87 value pushed: TOP = 7 and only physical register 7 tagged.
    movzx eax, word [user_state + FX_FSW]
    shr eax, 11
    and eax, 7
    EXPECT rax, 7, "x87 TOP"
    movzx eax, byte [user_state + FX_FTW]
    EXPECT rax, 0x80, "x87 abridged tag word"
    PRINT "CPL3 snippet OK", 10
    ret

snippet:
    mov bp, cs
    and ebp, 3
    mov rax, 0x0123456789abcdef
    mov rbx, rax
    bswap rbx
    mov ecx, 12345
    imul rcx, rcx, 1000
    lea rdx, [rax + rcx * 2]
    mov r8, -1
    add r8, 1
    adc r9, 0x7f
    mov r10, rsp
    push qword 0x55aa
    pop r11
    mov r12, rax
    shl r12, 4
    mov r13, rax
    ror r13, 8
    movq xmm0, rax
    movq xmm1, rbx
    punpcklqdq xmm0, xmm1
    paddq xmm0, xmm0
    pshufd xmm2, xmm0, 0x4e
    movq r14, xmm0
    movq r15, xmm2
    cvtsi2sd xmm3, rcx
    sqrtsd xmm4, xmm3
    fld1
    fldpi
    faddp st1, st0
    mov rsi, rax
    sub rsi, rbx
    sbb rdi, rdi
    cmp rax, rbx
    USER_EXIT
