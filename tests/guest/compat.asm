; tests/guest/compat.asm: a snippet at CPL3 in compatibility mode (32-bit code under long mode).
; @output ^compatibility-mode snippet OK$
; @report
;
; Integer instructions only: the host kvm here emulates compatibility mode in
; its kernel, which has no x87/SSE there.
%include "runtime.inc"

test_main:
    mov edi, snippet
    call run_user32
    EXPECT rax, USER_DONE, "what ended the snippet"
    call report_user_state
    EXPECT_USER R_CS, USER_CS32, "CS"
    EXPECT_USER R_SS, USER_DS, "SS"
    EXPECT_USER R_RIP, user_exit32, "RIP after USER_EXIT"
    EXPECT_USER32 R_RSP, user_stack_top, "ESP"
    EXPECT_USER32 R_RAX, 305419, "EAX after DIV"
    EXPECT_USER32 R_RDX, 897, "EDX (remainder) after DIV"
    EXPECT_USER32 R_RBX, 0x34567812, "EBX after ROL"
    EXPECT_USER32 R_RCX, 1000, "ECX"
    EXPECT_USER32 R_RSI, 0xdeadbeef, "ESI after PUSH/POP"
    EXPECT_USER32 R_RDI, 0x7fff8000, "EDI after PUSHAD/POPAD and SHR"
    EXPECT_USER32 R_RBP, 3, "CPL seen by the snippet"
    ; CMP EAX, EAX: ZF, PF; RF from the #UD of USER_EXIT (SDM vol. 3A 17.3.1.1).
    EXPECT_USER32 R_RFLAGS, 0x10046, "EFLAGS after CMP"
    PRINT "compatibility-mode snippet OK", 10
    ret

    bits 32
snippet:
    mov bp, cs
    and ebp, 3
    mov eax, 0x12345678
    mov ebx, eax
    rol ebx, 8                      ; 0x34567812
    inc eax                         ; one byte (0x40) here, a REX prefix in 64-bit mode
    mov ecx, 1000
    xor edx, edx
    div ecx                         ; 0x12345679 = 305419 * 1000 + 897
    push dword 0xdeadbeef
    pop esi
    mov edi, 0xffff0000
    pushad
    xor edi, edi
    popad                           ; EDI back
    shr edi, 1                      ; 0x7fff8000
    cmp eax, eax
    USER_EXIT
    bits 64
