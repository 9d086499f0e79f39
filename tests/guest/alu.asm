; tests/guest/alu.asm: integer arithmetic, logic, shifts and their flags at CPL3, reported for the differential check.
; @output ^ALU snippets OK$
; @report
;
; Each snippet keeps results in registers and, after the instructions that
; matter, the flags (PUSHFQ; POP) masked to what the SDM defines for that
; instruction, and ends with a CMP, so that every backend must agree bit for
; bit.  SDM vol. 2
; "Flags Affected": AND/OR/XOR leave AF undefined; SHL/SHR/SAR leave AF
; undefined, and OF for counts above 1; ROL/ROR/RCL/RCR define only CF, and
; OF for a count of 1; MUL/IMUL define only CF and OF; BSF defines only ZF.
%include "runtime.inc"

%define F_CF 0x001
%define F_PF 0x004
%define F_AF 0x010
%define F_ZF 0x040
%define F_SF 0x080
%define F_OF 0x800
%define F_ALL (F_CF | F_PF | F_AF | F_ZF | F_SF | F_OF)

; SAVE_FLAGS reg, mask: reg = RFLAGS & mask; RFLAGS is left as it was.
%macro SAVE_FLAGS 2
    pushfq
    pushfq
    pop %1
    and %1, %2
    popfq
%endmacro

test_main:
    mov edi, arith
    call run_user64
    EXPECT rax, USER_DONE, "arith: what ended the snippet"
    call report_user_state
    EXPECT_USER R_RBX, F_OF | F_SF | F_AF | F_PF, "flags of 0x7fff...ffff + 1"
    EXPECT_USER R_RDX, F_CF | F_ZF | F_AF | F_PF, "flags of -1 + 1"
    EXPECT_USER R_RSI, 0xffffffffffffff01, "SIL after ADC 0x80 + 0x80 + CF"
    EXPECT_USER R_R8, -2, "5 - 7"
    EXPECT_USER R_R9, F_CF | F_SF | F_AF, "flags of 5 - 7"

    mov edi, logic
    call run_user64
    EXPECT rax, USER_DONE, "logic: what ended the snippet"
    call report_user_state
    EXPECT_USER R_RAX, 2, "0x8000000000000001 SHL 1"
    EXPECT_USER R_RBX, F_CF | F_OF, "flags of 0x8000000000000001 SHL 1"
    EXPECT_USER R_RCX, 0xe000000000000000, "0x8000000000000003 ROR 2"

    mov edi, muldiv
    call run_user64
    EXPECT rax, USER_DONE, "muldiv: what ended the snippet"
    call report_user_state
    EXPECT_USER R_RSI, 0xfffffffffffffffe, "low half of (2^64-1) * 2"
    EXPECT_USER R_RDI, 1, "high half of (2^64-1) * 2"
    EXPECT_USER R_RBX, F_CF | F_OF, "CF and OF of (2^64-1) * 2"
    EXPECT_USER R_R8, 3, "1000 / 333"
    EXPECT_USER R_R9, 1, "1000 % 333"
    EXPECT_USER R_R14, 0xfffffffd, "-7 / 2 (IDIV, 32-bit result zero-extended)"
    EXPECT_USER R_R15, 0xffffffff, "-7 % 2"
    PRINT "ALU snippets OK", 10
    ret

arith:
    mov rax, 0x7fffffffffffffff
    add rax, 1
    SAVE_FLAGS rbx, F_ALL
    mov rcx, -1
    add rcx, 1
    SAVE_FLAGS rdx, F_ALL
    mov rsi, -1
    mov sil, 0x80
    adc sil, 0x80                   ; CF = 1 from the ADD above
    SAVE_FLAGS rdi, F_ALL
    mov r8, 5
    sub r8, 7
    SAVE_FLAGS r9, F_ALL
    mov r10, 0x1234000000008000
    sbb r10w, 1                     ; CF = 1 from the SUB
    SAVE_FLAGS r11, F_ALL
    neg r12                         ; of 0
    SAVE_FLAGS r13, F_ALL
    mov r14d, 0xffffffff
    stc
    inc r14d                        ; 32-bit result zero-extended; CF kept
    SAVE_FLAGS r15, F_ALL
    mov bp, 0x7f
    dec bpl
    cmp bp, 0x7e
    USER_EXIT

logic:
    mov rax, 0x8000000000000001
    shl rax, 1
    SAVE_FLAGS rbx, F_ALL & ~F_AF
    mov rcx, 0x8000000000000003
    ror rcx, 2
    SAVE_FLAGS rdx, F_CF
    mov rsi, 0xf0f0f0f0f0f0f0f0
    and rsi, 0x0ff00ff0             ; sign-extended immediate
    SAVE_FLAGS rdi, F_ALL & ~F_AF
    mov r8, -16
    sar r8, 3
    SAVE_FLAGS r9, F_CF | F_PF | F_ZF | F_SF
    mov r10d, 0x80000000
    rcl r10d, 1                     ; into CF; 32-bit op clears bits 63:32
    SAVE_FLAGS r11, F_CF | F_OF
    mov r12, 0x00ff00ff00ff00ff
    xor r12, -1
    SAVE_FLAGS r13, F_ALL & ~F_AF
    mov r14, 0x10
    bts r14, 68                     ; register operand: bit 68 mod 64 = 4
    SAVE_FLAGS r15, F_CF
    mov ebp, 0x00400000
    bsf ebp, ebp
    cmp ebp, 22                     ; the report's RFLAGS: all defined
    USER_EXIT

muldiv:
    mov rax, -1
    mov rcx, 2
    mul rcx
    SAVE_FLAGS rbx, F_CF | F_OF
    mov rsi, rax
    mov rdi, rdx
    mov eax, 1000
    xor edx, edx
    mov ecx, 333
    div ecx
    mov r8, rax
    mov r9, rdx
    mov r10, -3
    imul r10, r10, 7
    SAVE_FLAGS r11, F_CF | F_OF
    mov r12, 0x4000000000000000
    imul r12, r12, 4                ; overflows
    SAVE_FLAGS r13, F_CF | F_OF
    mov eax, -7
    cdq
    mov ecx, 2
    idiv ecx                        ; -3, remainder -1
    mov r14, rax
    mov r15, rdx
    xor eax, eax
    xor edx, edx
    cmp r14, r15                    ; the report's RFLAGS: all defined
    USER_EXIT
