; tests/guest/fw-cfg.asm: read fw_cfg's signature, CPU count and command line through its ports and by DMA.
; @args -smp 3 -append "fw-cfg sees this line"
; @output ^fw_cfg signature QEMU, interface 00000003$
; @output ^fw_cfg: 0003 CPUs$
; @output ^fw_cfg command line: fw-cfg sees this line$
; @output ^fw_cfg DMA: QEMU$
; @output ^PASS$
;
; QEMU's docs/specs/fw_cfg.rst: a 16-bit write of an item's key to the
; selector (0x510) selects it; 8-bit reads of the data port (0x511) return
; its bytes in order.  The DMA interface: the big-endian guest-physical
; address of a FWCfgDmaAccess { be32 control; be32 length; be64 address }
; written to 0x514 (high half) and 0x518 (low half, which starts it);
; control reads 0 when the transfer is done without error.
%define TEST_MODE32
%include "runtime.inc"

%define FW_CFG_SEL          0x510
%define FW_CFG_DATA         0x511
%define FW_CFG_DMA_HI       0x514
%define FW_CFG_DMA_LO       0x518
%define FW_CFG_SIGNATURE    0x00
%define FW_CFG_ID           0x01
%define FW_CFG_NB_CPUS      0x05
%define FW_CFG_CMDLINE_SIZE 0x14
%define FW_CFG_CMDLINE_DATA 0x15
%define DMA_CTL_READ        (1 << 1)
%define DMA_CTL_SELECT      (1 << 3)
%define CMDLINE_MAX         64

test_main32:
    mov ax, FW_CFG_SIGNATURE
    mov edi, buffer
    mov ecx, 4
    call read_item
    mov byte [buffer + 4], 0
    cmp dword [buffer], 'QEMU'
    je .signature_ok
    FAIL "fw_cfg signature is not QEMU"
.signature_ok:
    PRINT "fw_cfg signature "
    mov esi, buffer
    call puts32
    PRINT ", interface "
    mov ax, FW_CFG_ID
    call read_u32
    mov ecx, 8
    call puthex32
    call putnl32
    test eax, 2
    jnz .dma_listed
    FAIL "fw_cfg ID does not list the DMA interface"
.dma_listed:

    mov ax, FW_CFG_NB_CPUS
    mov edi, buffer
    mov ecx, 2
    call read_item
    movzx eax, word [buffer]
    PRINT "fw_cfg: "
    mov ecx, 4
    call puthex32
    PRINT " CPUs", 10
    EXPECT eax, 3, "fw_cfg NB_CPUS (-smp 3)"

    mov ax, FW_CFG_CMDLINE_SIZE
    call read_u32
    cmp eax, CMDLINE_MAX
    jbe .size_ok
    FAIL "fw_cfg command line longer than expected"
.size_ok:
    mov ecx, eax
    mov ax, FW_CFG_CMDLINE_DATA
    mov edi, buffer
    call read_item
    PRINT "fw_cfg command line: "
    mov esi, buffer
    call puts32
    call putnl32

    call dma_read_signature
    ret

; Select item ax; read ecx bytes from the data port to edi.
read_item:
    mov dx, FW_CFG_SEL
    out dx, ax
    mov dx, FW_CFG_DATA
    rep insb
    ret

; eax = the little-endian 32-bit item ax.
read_u32:
    push edi
    push ecx
    mov edi, buffer
    mov ecx, 4
    call read_item
    mov eax, [buffer]
    pop ecx
    pop edi
    ret

; The signature again, by a DMA transfer with select and read in one control word.
dma_read_signature:
    mov dword [buffer], 0
    mov eax, (FW_CFG_SIGNATURE << 16) | DMA_CTL_SELECT | DMA_CTL_READ
    bswap eax
    mov [dma_access], eax               ; control
    mov eax, 4
    bswap eax
    mov [dma_access + 4], eax           ; length
    mov dword [dma_access + 8], 0       ; address, high half
    mov eax, buffer
    bswap eax
    mov [dma_access + 12], eax          ; address, low half
    xor eax, eax
    mov dx, FW_CFG_DMA_HI
    out dx, eax
    mov eax, dma_access
    bswap eax
    mov dx, FW_CFG_DMA_LO
    out dx, eax                         ; starts the transfer
    EXPECT dword [dma_access], 0, "DMA control after the transfer (0: done, no error)"
    mov byte [buffer + 4], 0
    PRINT "fw_cfg DMA: "
    mov esi, buffer
    call puts32
    call putnl32
    cmp dword [buffer], 'QEMU'
    je .ok
    FAIL "fw_cfg DMA read of the signature"
.ok:
    ret

    section .bss
    alignb 16
dma_access: resb 16
buffer:     resb CMDLINE_MAX + 1
