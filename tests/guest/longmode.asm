; tests/guest/longmode.asm: the runtime reaches 64-bit mode at CPL0 with its own GDT, paging on.
; @output ^long mode OK$
%include "runtime.inc"

test_main:
    mov ecx, MSR_EFER
    rdmsr
    and eax, (1 << 10) | EFER_LME   ; SDM vol. 3A 2.2.1: EFER.LMA (bit 10), LME
    EXPECT rax, (1 << 10) | EFER_LME, "EFER.LMA and EFER.LME"
    mov rax, cr0
    and eax, CR0_PG | CR0_PE
    EXPECT rax, CR0_PG | CR0_PE, "CR0.PG and CR0.PE"
    mov rax, cr4
    and eax, CR4_PAE
    EXPECT rax, CR4_PAE, "CR4.PAE"
    mov rax, cr3
    EXPECT rax, pml4, "CR3"
    xor eax, eax
    mov ax, cs
    EXPECT rax, GDT_KCODE64, "CS"
    xor eax, eax
    str ax
    EXPECT rax, GDT_TSS, "TR"
    ; 64-bit registers and operations really are 64 bits wide.
    mov rax, 0x0123456789abcdef
    mov r15, rax
    shr r15, 32
    EXPECT r15, 0x01234567, "R15 after SHR 32"
    mov r8, rax
    add r8, r8
    EXPECT r8, 0x02468acf13579bde, "R8 after ADD"
    ; The stack: a 64-bit push and pop, and a nested call.
    mov rbx, rsp
    push qword -2
    pop rax
    EXPECT rax, -2, "push/pop of a sign-extended immediate"
    mov rcx, rsp                    ; (EXPECT itself uses the stack)
    EXPECT rcx, rbx, "RSP after push/pop"
    call .nested
    EXPECT rcx, 0x77, "RCX set in a nested call"
    PRINT "long mode OK", 10
    ret
.nested:
    mov ecx, 0x77
    ret
