; tests/guest/cpl0-exception.asm: an exception in CPL0 code is reported on COM1 and ends the run with status 37.
; @status 37
; @output ^EXCEPTION vector=06 error=0000000000000000 rip=[0-9a-f]{16} cs=0008$
; @output ^FAIL: unexpected exception at CPL0$
;
; The runtime's own safety net: a 64-bit interrupt gate taken at CPL0 (no
; stack switch, SDM vol. 3A 6.14.2), reported with the faulting RIP, then
; EXIT_EXCEPTION (0x12, status 37).
%include "runtime.inc"

test_main:
    PRINT "UD2 at CPL0 next", 10
    ud2
    FAIL "still running after UD2"
