; tests/guest/hello-aout.asm: hello, loaded through the multiboot a.out kludge.
; @output ^Hello from an a.out-kludge guest$
%define TEST_MODE32
%define MULTIBOOT_AOUT
%include "runtime.inc"

test_main32:
    PRINT "Hello from an a.out-kludge guest", 10
    ret
