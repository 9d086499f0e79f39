; tests/guest/smp.asm: the BSP starts the AP with INIT-SIPI-SIPI; the AP reports on COM1 and IPIs the BSP back.
; @args -smp 2
; @output ^AP: APIC ID 00000001 in protected mode$
; @output ^BSP: IPI 0x40 from the AP$
; @output ^PASS$
;
; The MP initialization protocol of SDM vol. 3A 8.4.4.1 (the "universal
; start-up algorithm"), on the xAPIC at 0xfee00000 (SDM vol. 3A 10.6.1, ICR):
;
;   BSP: software-enable its LAPIC, IDT gate for vector 0x40, copy the
;        real-mode trampoline to 0x8000 (SIPI vector 0x08), INIT to APIC ID 1,
;        then two start-up IPIs, and wait (HLT) for the AP's flag and IPI.
;   AP:  wakes in real mode at 0800:0000, loads the BSP's GDT, enters 32-bit
;        protected mode in the image at 1 MiB, reads its LAPIC ID, prints it,
;        sends a fixed IPI (vector 0x40) to APIC ID 0, sets the flag, halts.
;
; The test ends with the BSP's write to isa-debug-exit while the AP sits in
; HLT: the whole machine stops with both vCPUs.
%define TEST_MODE32
%include "runtime.inc"

%define LAPIC_BASE      0xfee00000
%define LAPIC_ID        (LAPIC_BASE + 0x020)
%define LAPIC_EOI       (LAPIC_BASE + 0x0b0)
%define LAPIC_SVR       (LAPIC_BASE + 0x0f0)
%define LAPIC_ICR_LO    (LAPIC_BASE + 0x300)
%define LAPIC_ICR_HI    (LAPIC_BASE + 0x310)
%define SVR_ENABLE      0x100
%define ICR_INIT        0x00004500      ; INIT, level assert, physical
%define ICR_STARTUP     0x00004600      ; start-up, level assert; vector in 7:0
%define ICR_FIXED       0x00004000      ; fixed, level assert; vector in 7:0
%define ICR_BUSY        (1 << 12)       ; delivery status: send pending
%define IPI_VECTOR      0x40
%define TRAMPOLINE      0x8000          ; start-up vector 0x08: 0800:0000
%define AP_FLAG_MAGIC   0x5a5aa5a5

test_main32:
    mov al, 0xff                    ; both PICs masked: only the IPI interrupts
    out 0x21, al
    out 0xa1, al
    call build_idt32
    lidt [idt32_pointer]
    mov dword [LAPIC_SVR], SVR_ENABLE | 0xff     ; spurious vector 0xff
    call copy_trampoline

    ; SDM vol. 3A 8.4.4.1: INIT, 10 ms, SIPI, 200 us, SIPI.
    mov dword [LAPIC_ICR_HI], 1 << 24            ; destination: APIC ID 1
    mov eax, ICR_INIT
    call send_ipi
    call delay
    mov eax, ICR_STARTUP | (TRAMPOLINE >> 12)
    call send_ipi
    call delay
    mov eax, ICR_STARTUP | (TRAMPOLINE >> 12)
    call send_ipi

    ; Wait with interrupts on: the AP's IPI ends the HLT, and its handler
    ; continues at bsp_got_ipi.
.wait:
    sti
    hlt
    jmp .wait
bsp_got_ipi:
.wait_flag:                         ; the AP sets its flag after sending the IPI
    cmp dword [ap_flag], AP_FLAG_MAGIC
    jne .wait_flag
    PRINT "BSP: IPI 0x40 from the AP", 10
    EXPECT dword [ipi_count], 1, "IPIs received by the BSP"
    EXPECT dword [ap_apic_id], 1, "the AP's LAPIC ID"
    mov eax, [LAPIC_ID]
    shr eax, 24
    EXPECT eax, 0, "the BSP's LAPIC ID"
    ret

; eax: ICR low dword (the destination is already in ICR high).  Waits until sent.
send_ipi:
    mov [LAPIC_ICR_LO], eax
.busy:
    test dword [LAPIC_ICR_LO], ICR_BUSY
    jnz .busy
    ret

; A short wait; the protocol's delays only matter on hardware.
delay:
    mov ecx, 10000
.spin:
    pause
    loop .spin
    ret

copy_trampoline:
    mov esi, ap_trampoline
    mov edi, TRAMPOLINE
    mov ecx, ap_trampoline_end - ap_trampoline
    rep movsb
    sgdt [TRAMPOLINE + (ap_gdtr - ap_trampoline)]   ; the AP loads the BSP's GDT
    ret

; A 32-bit IDT whose only present gate is IPI_VECTOR (SDM vol. 3A 6.11, figure 6-2).
build_idt32:
    mov edi, idt32
    mov ecx, (IPI_VECTOR + 1) * 2
    xor eax, eax
    rep stosd
    mov eax, ipi_handler
    mov edi, idt32 + IPI_VECTOR * 8
    mov [edi], ax                   ; offset 15:0
    mov word [edi + 2], GDT_KCODE32 ; selector
    mov byte [edi + 5], 0x8e        ; P, DPL 0, 32-bit interrupt gate
    shr eax, 16
    mov [edi + 6], ax               ; offset 31:16
    ret

; It does not return: the frame is dropped and the BSP goes on with IF clear
; (an IRET at CPL0 is one of the instructions nested kvm cannot emulate).
ipi_handler:
    inc dword [ipi_count]
    mov dword [LAPIC_EOI], 0
    add esp, 12                     ; EIP, CS, EFLAGS
    jmp bsp_got_ipi

; ---------------------------------------------------------------- the AP

; Copied to TRAMPOLINE and entered in real mode at 0800:0000 (SDM vol. 3A
; 8.4.4.1: CS = vector << 8, IP = 0).  Position-independent: offsets are
; taken from ap_trampoline.
    bits 16
ap_trampoline:
    cli
    mov ax, cs
    mov ds, ax
    o32 lgdt [ap_gdtr - ap_trampoline]
    mov eax, cr0
    or eax, CR0_PE
    mov cr0, eax
    jmp dword GDT_KCODE32:ap_main32   ; SDM vol. 3A 9.9.1: far jump after setting PE
ap_gdtr:
    dw 0                            ; filled by copy_trampoline (SGDT)
    dd 0
ap_trampoline_end:

    bits 32
ap_main32:
    mov ax, GDT_KDATA
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov esp, ap_stack_top
    mov eax, [LAPIC_ID]
    shr eax, 24
    mov [ap_apic_id], eax
    PRINT "AP: APIC ID "
    mov ecx, 8
    call puthex32
    PRINT " in protected mode", 10
    mov dword [LAPIC_ICR_HI], 0 << 24            ; to the BSP
    mov eax, ICR_FIXED | IPI_VECTOR
    call send_ipi
    mov dword [ap_flag], AP_FLAG_MAGIC
.halt:
    cli
    hlt
    jmp .halt

    section .data
    align 8
idt32_pointer:
    dw (IPI_VECTOR + 1) * 8 - 1
    dd idt32
ipi_count:  dd 0
ap_flag:    dd 0
ap_apic_id: dd 0xffffffff

    section .bss
    alignb 16
idt32:          resq IPI_VECTOR + 1
ap_stack:       resb 4096
ap_stack_top:
