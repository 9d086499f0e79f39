; tests/guest/hello.asm: the smallest guest: one line on COM1, then PASS.
; @output ^Hello from a tandem guest$
%define TEST_MODE32
%include "runtime.inc"

test_main32:
    PRINT "Hello from a tandem guest", 10
    ret
