; tests/guest/exception.asm: exceptions at CPL3 reach the IDT with the right vector, error code, RIP and CR2.
; @output ^EXCEPTION vector=06 error=0000000000000000 rip=
; @output ^EXCEPTION vector=0e error=0000000000000004 rip=.* cr2=0000000040000000$
; @output ^exceptions OK$
; @report
;
; Error codes: SDM vol. 3A 6.15 (#GP, #PF) and 4.7 (page-fault error code: bit 0
; present, bit 1 write, bit 2 user).  Faults report the faulting instruction,
; traps (#BP) the next one (SDM vol. 3A 6.5).  0x40000000 is just past the
; runtime's 1 GiB identity map, so it is not present.
%include "runtime.inc"

%define UNMAPPED 0x40000000

; FAULT_CASE "name", run_user64|run_user32, snippet, vector, error, rip, cr2
%macro FAULT_CASE 7
    mov edi, %3
    call %2
    EXPECT rax, %4, %1, ": vector"
    EXPECT_USER R_ERROR, %5, %1, ": error code"
    EXPECT_USER R_RIP, %6, %1, ": RIP"
    EXPECT_USER R_CR2, %7, %1, ": CR2"
    call report_user_state
%endmacro

test_main:
    FAULT_CASE "#UD", run_user64, ud64, 6, 0, ud64.at, 0
    FAULT_CASE "#PF read", run_user64, pf_read64, 14, 4, pf_read64.at, UNMAPPED
    FAULT_CASE "#PF write", run_user64, pf_write64, 14, 6, pf_write64.at, UNMAPPED + 0x1000
    FAULT_CASE "#GP", run_user64, gp64, 13, 0, gp64.at, 0
    FAULT_CASE "#DE", run_user64, de64, 0, 0, de64.at, 0
    FAULT_CASE "#BP", run_user64, bp64, 3, 0, bp64.after, 0
    FAULT_CASE "#UD (compatibility mode)", run_user32, ud32, 6, 0, ud32.at, 0
    FAULT_CASE "#PF (compatibility mode)", run_user32, pf32, 14, 4, pf32.at, UNMAPPED
    FAULT_CASE "#DE (compatibility mode)", run_user32, de32, 0, 0, de32.at, 0
    PRINT "exceptions OK", 10
    ret

ud64:
    mov eax, 0x1111
.at:
    ud2

pf_read64:
    mov rbx, 0x2222
.at:
    mov rax, [abs UNMAPPED]

pf_write64:
    mov ecx, 0x3333
.at:
    mov byte [abs UNMAPPED + 0x1000], 1

gp64:                               ; CLI at CPL3 with IOPL 0
    mov edx, 0x4444
.at:
    cli

de64:
    mov eax, 0x5555
    xor ecx, ecx
.at:
    div ecx

bp64:
    mov esi, 0x6666
    int3
.after:
    USER_EXIT

    bits 32
ud32:
    mov eax, 0x7777
.at:
    ud2

pf32:
    mov ebx, 0x8888
.at:
    mov eax, [UNMAPPED]

de32:
    mov eax, 0x9999
    xor ecx, ecx
.at:
    div ecx
    bits 64
