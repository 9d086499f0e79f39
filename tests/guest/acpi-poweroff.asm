; tests/guest/acpi-poweroff.asm: find the ACPI tables as an OS does and power off through PM1a_CNT (S5).
; @status 0
; @output ^RSDP at 000[ef][0-9a-f]{4}, revision 2$
; @output ^FADT: PM1a_CNT at 0x00000604, SCI IRQ 0009$
; @output ^DSDT: \\_S5 SLP_TYP 00000005$
; @output ^entering S5$
; @no-output ^PASS
;
; What Linux does without EFI (ACPI 6.0 §5.2.5.1: the RSDP is on a 16-byte
; boundary in 0xe0000-0xfffff; drivers/acpi/acpica/tbxfroot.c), then:
; RSDP (§5.2.5.3, both checksums) -> XSDT (§5.2.8) -> FADT "FACP" (§5.2.9)
; -> DSDT (§5.2.11.1), where the \_S5 package gives SLP_TYP (§7.4.2.5).
; Writing SLP_TYP | SLP_EN to PM1a_CNT (§4.8.3.2.1, §16.1.6) enters S5: the
; machine stops and tandem exits with status 0.  Every table's checksum
; (§5.2.6) is checked on the way.
%define TEST_MODE32
%include "runtime.inc"

%define FADT_SCI_INT        46
%define FADT_PM1A_CNT_BLK   64
%define FADT_X_DSDT         140
%define FADT_X_PM1A_CNT     172         ; a Generic Address Structure (§5.2.3.2)
%define PM1_CNT_SCI_EN      (1 << 0)
%define PM1_CNT_SLP_TYP_SHIFT 10
%define PM1_CNT_SLP_EN      (1 << 13)
%define AML_NAME_OP         0x08
%define AML_PACKAGE_OP      0x12
%define AML_BYTE_PREFIX     0x0a

test_main32:
    call find_rsdp
    mov ebx, esi
    PRINT "RSDP at "
    mov eax, ebx
    mov ecx, 8
    call puthex32
    PRINT ", revision "
    movzx eax, byte [ebx + 15]
    mov ecx, 1
    call puthex32
    call putnl32
    movzx eax, byte [ebx + 15]
    EXPECT eax, 2, "RSDP revision"
    mov esi, ebx
    mov ecx, 36
    call checksum
    EXPECT eax, 0, "RSDP extended checksum (36 bytes)"
    EXPECT dword [ebx + 28], 0, "XSDT address above 4 GiB"

    mov esi, [ebx + 24]                 ; the XSDT
    mov eax, 'XSDT'
    call check_table
    call find_fadt                      ; esi = FADT
    mov ebx, esi

    mov edx, [ebx + FADT_PM1A_CNT_BLK]
    EXPECT edx, [ebx + FADT_X_PM1A_CNT + 4], "PM1a_CNT_BLK = X_PM1a_CNT_BLK.Address"
    movzx eax, byte [ebx + FADT_X_PM1A_CNT]
    EXPECT eax, 1, "X_PM1a_CNT_BLK address space (system I/O)"
    PRINT "FADT: PM1a_CNT at 0x"
    mov eax, edx
    mov ecx, 8
    call puthex32
    PRINT ", SCI IRQ "
    movzx eax, word [ebx + FADT_SCI_INT]
    mov ecx, 4
    call puthex32
    call putnl32
    in ax, dx
    test ax, PM1_CNT_SCI_EN
    jnz .acpi_mode
    FAIL "SCI_EN is clear: the platform is not in ACPI mode"
.acpi_mode:
    mov [pm1a_cnt], edx

    EXPECT dword [ebx + FADT_X_DSDT + 4], 0, "X_DSDT above 4 GiB"
    mov esi, [ebx + FADT_X_DSDT]
    mov eax, 'DSDT'
    call check_table
    call find_s5_slp_typ                ; eax = SLP_TYP
    mov ebx, eax
    PRINT "DSDT: \_S5 SLP_TYP "
    mov ecx, 8
    call puthex32
    call putnl32

    PRINT "entering S5", 10
    mov eax, ebx
    shl eax, PM1_CNT_SLP_TYP_SHIFT
    mov edx, [pm1a_cnt]
    out dx, ax                          ; SLP_TYP first, then SLP_EN (§7.4.2)
    or eax, PM1_CNT_SLP_EN
    out dx, ax
    FAIL "still running after SLP_EN with S5"

; esi = the RSDP: "RSD PTR " on a 16-byte boundary whose first 20 bytes sum to 0.
find_rsdp:
    mov esi, 0xe0000
.scan:
    cmp dword [esi], 'RSD '
    jne .next
    cmp dword [esi + 4], 'PTR '
    jne .next
    mov ecx, 20
    call checksum
    test eax, eax
    jz .found
.next:
    add esi, 16
    cmp esi, 0x100000
    jb .scan
    FAIL "no RSDP in 0xe0000-0xfffff"
.found:
    ret

; esi = a table, eax = its signature: FAIL unless it has it and its checksum is 0.
check_table:
    cmp [esi], eax
    je .signature_ok
    FAIL "a table pointer leads to the wrong signature"
.signature_ok:
    mov ecx, [esi + 4]
    cmp ecx, 36
    jae .length_ok
    FAIL "a table shorter than its header"
.length_ok:
    call checksum
    test eax, eax
    jz .sum_ok
    FAIL "a table's checksum is not 0"
.sum_ok:
    ret

; esi = the XSDT, checked: returns esi = the checked FADT among its entries.
find_fadt:
    mov ecx, [esi + 4]
    sub ecx, 36
    shr ecx, 3                          ; 64-bit entries
    lea edi, [esi + 36]
.entry:
    test ecx, ecx
    jnz .look
    FAIL "no FACP in the XSDT"
.look:
    cmp dword [edi + 4], 0
    jne .skip
    mov esi, [edi]
    cmp dword [esi], 'FACP'
    je .found
.skip:
    add edi, 8
    dec ecx
    jmp .entry
.found:
    mov eax, 'FACP'
    call check_table
    ret

; esi = the checked DSDT: eax = the first element of Name(_S5_, Package(){...}).
find_s5_slp_typ:
    mov ecx, [esi + 4]
    lea edi, [esi + 36]
    lea ecx, [esi + ecx - 8]            ; room for the name, the package header, an element
.scan:
    cmp edi, ecx
    jb .look
    FAIL "no \_S5_ object in the DSDT"
.look:
    cmp byte [edi], AML_NAME_OP
    jne .next
    cmp dword [edi + 1], '_S5_'
    je .found
.next:
    inc edi
    jmp .scan
.found:
    movzx eax, byte [edi + 5]
    EXPECT eax, AML_PACKAGE_OP, "\_S5_ is a Package"
    movzx eax, byte [edi + 6]           ; PkgLength: one byte for a short package
    test al, 0xc0
    jz .short
    FAIL "\_S5_ package with a multi-byte PkgLength"
.short:
    movzx eax, byte [edi + 8]           ; the first element, after NumElements
    cmp al, 1
    jbe .done                           ; ZeroOp, OneOp
    cmp al, AML_BYTE_PREFIX
    je .byte
    FAIL "\_S5_ SLP_TYP is not a ZeroOp, OneOp or BytePrefix"
.byte:
    movzx eax, byte [edi + 9]
.done:
    ret

; eax = the sum of the ecx bytes at esi, modulo 256.
checksum:
    push ecx
    push esi
    xor eax, eax
.add:
    add al, [esi]
    inc esi
    loop .add
    pop esi
    pop ecx
    ret

    section .bss
pm1a_cnt: resd 1
