; tests/guest/triple-fault.asm: a triple fault under -no-reboot ends tandem with status 0.
; @status 0
; @output ^triple fault next$
; @no-output ^PASS
;
; With an IDT limit of 0 no gate can be read: UD2 raises #UD, delivering it
; raises #GP, delivering that raises #DF, and a fault while delivering #DF
; shuts the processor down (SDM vol. 3A 6.15, interrupt 8).  The machine
; resets, and -no-reboot turns the reset into an exit with status 0.
; (UD2, not INT3: the host kvm here cannot emulate INT n at CPL0.)
%define TEST_MODE32
%include "runtime.inc"

test_main32:
    PRINT "triple fault next", 10
    lidt [empty_idt]
    ud2
    FAIL "still running after a triple fault"

    section .rodata
empty_idt:
    dw 0
    dd 0
