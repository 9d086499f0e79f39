; tests/guest/kbd-reset.asm: a reset through the i8042 under -no-reboot ends tandem with status 0.
; @status 0
; @output ^resetting through the keyboard controller$
; @no-output ^PASS
;
; Writing 0xfe to port 0x64 pulses the i8042's output port bit 0, wired to the
; CPU's reset line on a PC (Intel 8042 / IBM PC AT technical reference:
; "pulse output port", command 0xf0-0xff, 0xfe pulses bit 0).
%define TEST_MODE32
%include "runtime.inc"

test_main32:
    PRINT "resetting through the keyboard controller", 10
    mov al, 0xfe
    out 0x64, al
.wait:                              ; until the reset happens (or the runner gives up)
    cli
    hlt
    jmp .wait
