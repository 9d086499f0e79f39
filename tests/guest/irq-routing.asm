; tests/guest/irq-routing.asm: ISA IRQs reach the IOAPIC pins the MADT promises, and the PIC still sees them.
; @args -device pc-testdev
; @output ^IRQ0 -> IOAPIC pin 2$
; @output ^IRQ9 \(SCI, level\) -> IOAPIC pin 9$
; @output ^PASS$
;
; The MADT (hw/acpi.c) declares ISA IRQ 0 -> GSI 2 and identity for the rest
; (ACPI 6.0 §5.2.12.5); the software irqchip and kvm's GSI routing must agree.
; pc-testdev drives ISA IRQ line n from port 0x2000 + n (hw/pc_testdev.h).
; With interrupts off the LAPIC only collects requests in its IRR (SDM vol.
; 3A 10.8.4), which the test reads: no handler, no IRET (which nested kvm
; cannot emulate at CPL0).  The PIC's IRR is read through OCW3 (8259A
; datasheet): the ISA line must reach it too, masked or not.
;
; IRQ 0 is also the PIT's, which starts as a firmware leaves it (mode 3,
; 18.2 Hz) under the software irqchip.  A mode 0 control word without a count
; holds its OUT low (8254 datasheet, mode 0), so only pc-testdev moves the line.
%define TEST_MODE32
%include "runtime.inc"

%define IOAPIC_REGSEL   0xfec00000
%define IOAPIC_WINDOW   0xfec00010
%define IOAPIC_REDIR    0x10
%define REDIR_LEVEL     (1 << 15)
%define REDIR_MASKED    (1 << 16)
%define LAPIC_SVR       0xfee000f0
%define LAPIC_IRR       0xfee00200
%define TESTDEV_IRQ     0x2000

test_main32:
    mov al, 0x30                        ; PIT channel 0: lobyte/hibyte, mode 0, no count
    out 0x43, al
    call pic_init
    mov dword [LAPIC_SVR], 0x1ff        ; software-enabled, spurious vector 0xff

    ; IRQ 0 (the PIT's line): pin 2, and not pin 0.
    mov ecx, 0                          ; pin 0: a decoy vector
    mov eax, 0x51
    call redir_set
    mov ecx, 2
    mov eax, 0x50
    call redir_set
    mov ebx, 0
    call line_raise
    mov eax, 0x50
    call irr_test
    EXPECT eax, 1, "IRQ0 at IOAPIC pin 2 (vector 0x50 in the LAPIC IRR)"
    mov eax, 0x51
    call irr_test
    EXPECT eax, 0, "IRQ0 at IOAPIC pin 0 (vector 0x51 in the LAPIC IRR)"
    mov ebx, 0
    call pic_irr_test
    EXPECT eax, 1, "IRQ0 at the master PIC"
    mov ebx, 0
    call line_lower
    PRINT "IRQ0 -> IOAPIC pin 2", 10

    ; IRQ 4 (COM1's line): pin 4.
    mov ecx, 4
    mov eax, 0x52
    call redir_set
    mov ebx, 4
    call line_raise
    mov eax, 0x52
    call irr_test
    EXPECT eax, 1, "IRQ4 at IOAPIC pin 4 (vector 0x52)"
    mov ebx, 4
    call pic_irr_test
    EXPECT eax, 1, "IRQ4 at the master PIC"
    mov ebx, 4
    call line_lower

    ; IRQ 9 (the SCI): pin 9, level-triggered as the MADT override says.
    mov ecx, 9
    mov eax, 0x53 | REDIR_LEVEL
    call redir_set
    mov ebx, 9
    call line_raise
    mov eax, 0x53
    call irr_test
    EXPECT eax, 1, "IRQ9 at IOAPIC pin 9 (vector 0x53)"
    mov ebx, 9
    call pic_irr_test
    EXPECT eax, 1, "IRQ9 at the slave PIC"
    mov ebx, 9
    call line_lower
    PRINT "IRQ9 (SCI, level) -> IOAPIC pin 9", 10

    ; IRQ 14: pin 14.
    mov ecx, 14
    mov eax, 0x54
    call redir_set
    mov ebx, 14
    call line_raise
    mov eax, 0x54
    call irr_test
    EXPECT eax, 1, "IRQ14 at IOAPIC pin 14 (vector 0x54)"
    mov ebx, 14
    call line_lower
    ret

; Both PICs initialised (ICW1-4, vectors 0x20/0x28) and fully masked.
pic_init:
    mov al, 0x11
    out 0x20, al
    out 0xa0, al
    mov al, 0x20
    out 0x21, al
    mov al, 0x28
    out 0xa1, al
    mov al, 4
    out 0x21, al
    mov al, 2
    out 0xa1, al
    mov al, 1
    out 0x21, al
    out 0xa1, al
    mov al, 0xff
    out 0x21, al
    out 0xa1, al
    ret

; IOAPIC redirection entry ecx := eax (vector and flags), fixed, physical, to APIC ID 0.
redir_set:
    push eax
    lea eax, [IOAPIC_REDIR + ecx * 2 + 1]
    mov [IOAPIC_REGSEL], eax
    mov dword [IOAPIC_WINDOW], 0        ; destination APIC ID 0
    dec eax
    mov [IOAPIC_REGSEL], eax
    pop eax
    mov [IOAPIC_WINDOW], eax
    ret

line_raise:                             ; ebx: ISA IRQ
    mov al, 1
    jmp line_set
line_lower:
    xor al, al
line_set:
    lea edx, [TESTDEV_IRQ + ebx]
    out dx, al
    ret

; eax = 1 if vector eax is pending in the LAPIC's IRR, else 0.
irr_test:
    mov ecx, eax
    shr eax, 5
    shl eax, 4
    mov eax, [LAPIC_IRR + eax]
    and ecx, 31
    shr eax, cl
    and eax, 1
    ret

; eax = 1 if ISA IRQ ebx is requested in its PIC's IRR (OCW3 read IRR), else 0.
pic_irr_test:
    mov edx, 0x20
    mov ecx, ebx
    cmp ecx, 8
    jb .master
    mov edx, 0xa0
    sub ecx, 8
.master:
    mov al, 0x0a
    out dx, al
    in al, dx
    movzx eax, al
    shr eax, cl
    and eax, 1
    ret
