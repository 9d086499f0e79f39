; tests/guest/mbinfo.asm: the multiboot loader's machine state and boot information.
; @args -m 128M -append "mbinfo-test key=value"
; @initrd mbinfo-module.txt
; @output ^multiboot information OK$
;
; Multiboot Specification 0.6.96: 3.2 (machine state), 3.3 (boot information:
; flags, mem_lower/mem_upper, cmdline, mods, mmap).  A loader may put the
; kernel's file name before the command line (GRUB and QEMU do), so only the
; end of cmdline is checked.
%define TEST_MODE32
%include "runtime.inc"

extern __image_end

%define MBI_FLAGS       0
%define MBI_MEM_LOWER   4
%define MBI_MEM_UPPER   8
%define MBI_CMDLINE     16
%define MBI_MODS_COUNT  20
%define MBI_MODS_ADDR   24
%define MBI_MMAP_LENGTH 44
%define MBI_MMAP_ADDR   48

%define MODULE_SIZE     25          ; bytes in mbinfo-module.txt

test_main32:
    EXPECT [mb_magic], MULTIBOOT_BOOT_MAGIC, "EAX at entry"
    call check_entry_state
    call check_bss
    mov ebx, [mb_info]
    call check_memory
    call check_mmap
    call check_cmdline
    call check_module
    PRINT "multiboot information OK", 10
    ret

check_entry_state:
    mov eax, [mb_cr0]
    and eax, CR0_PG | CR0_PE
    EXPECT eax, CR0_PE, "CR0.PE set and CR0.PG clear at entry"
    mov eax, [mb_eflags]
    and eax, (1 << 17) | (1 << 9)
    EXPECT eax, 0, "EFLAGS.VM and EFLAGS.IF at entry"
    ret

; ELF: p_memsz beyond p_filesz is zero-filled by the loader.
check_bss:
    mov edi, bss_probe
    mov ecx, bss_probe_end - bss_probe
    xor eax, eax
    repe scasb
    EXPECT ecx, 0, "non-zero bytes left in .bss (count from the end)"
    ret

; flags bit 0: mem_lower (KiB below 640 KiB) and mem_upper (KiB from 1 MiB).
check_memory:
    mov eax, [ebx + MBI_FLAGS]
    and eax, 1
    EXPECT eax, 1, "flags bit 0 (mem_lower/mem_upper)"
    mov eax, [ebx + MBI_MEM_LOWER]
    cmp eax, 512
    jb .bad_lower
    cmp eax, 640
    ja .bad_lower
    mov eax, [ebx + MBI_MEM_UPPER]
    cmp eax, 100 * 1024             ; -m 128M
    jb .bad_upper
    cmp eax, 127 * 1024
    ja .bad_upper
    ret
.bad_lower:
    FAIL "mem_lower not within 512..640 KiB"
.bad_upper:
    FAIL "mem_upper not within 100..127 MiB for -m 128M"

; flags bit 6: the memory map.  Entries are size (not counting itself), base,
; length, type.  Wanted: the image lies in one type-1 range, nothing in
; 640 KiB..1 MiB is type 1, and the type-1 total is sane for -m 128M.
check_mmap:
    mov eax, [ebx + MBI_FLAGS]
    and eax, 1 << 6
    EXPECT eax, 1 << 6, "flags bit 6 (mmap)"
    mov esi, [ebx + MBI_MMAP_ADDR]
    mov edi, esi
    add edi, [ebx + MBI_MMAP_LENGTH]
    xor ebp, ebp                    ; total type-1 KiB
    xor edx, edx                    ; 1 once the image is covered
.entry:
    cmp esi, edi
    jae .done
    cmp dword [esi], 20
    jb .bad_size
    cmp dword [esi + 20], 1         ; type 1: available RAM
    jne .next
    cmp dword [esi + 8], 0          ; base above 4 GiB: not counted here
    jne .next
    mov eax, [esi + 4]              ; base
    mov ecx, [esi + 12]             ; length (low half)
    cmp dword [esi + 16], 0
    jne .bad_length
    shr ecx, 10
    add ebp, ecx
    ; any overlap with the legacy hole [0xa0000, 0x100000)?
    cmp eax, 0x100000
    jae .check_image
    mov ecx, eax
    add ecx, [esi + 12]
    cmp ecx, 0xa0000
    ja .bad_hole
.check_image:
    cmp eax, 0x100000
    ja .next
    mov ecx, eax
    add ecx, [esi + 12]
    cmp ecx, __image_end
    jb .next
    mov edx, 1
.next:
    mov eax, [esi]
    lea esi, [esi + eax + 4]
    jmp .entry
.done:
    EXPECT edx, 1, "a type-1 mmap range holding the kernel image"
    cmp ebp, 120 * 1024
    jb .bad_total
    cmp ebp, 128 * 1024
    ja .bad_total
    ret
.bad_size:
    FAIL "mmap entry size below 20"
.bad_length:
    FAIL "type-1 range of 4 GiB or more below 4 GiB with -m 128M"
.bad_hole:
    FAIL "type-1 mmap range overlapping 0xa0000..0xfffff"
.bad_total:
    FAIL "type-1 mmap ranges do not add up to 120..128 MiB"

; flags bit 2: cmdline ends with the -append string (after a space, if any).
check_cmdline:
    mov eax, [ebx + MBI_FLAGS]
    and eax, 1 << 2
    EXPECT eax, 1 << 2, "flags bit 2 (cmdline)"
    mov edi, [ebx + MBI_CMDLINE]
    mov edx, edi
    xor eax, eax
    mov ecx, -1
    repne scasb
    dec edi                         ; at the NUL
    mov ecx, expected_cmdline_end - expected_cmdline
    mov eax, edi
    sub eax, edx
    cmp eax, ecx
    jb .bad
    sub edi, ecx
    cmp edi, edx
    je .compare
    cmp byte [edi - 1], ' '
    jne .bad
.compare:
    mov esi, expected_cmdline
    repe cmpsb
    jne .bad
    ret
.bad:
    PRINT "cmdline: "
    mov esi, [ebx + MBI_CMDLINE]
    call puts32
    call putnl32
    FAIL "cmdline does not end with the -append string"

; flags bit 3: one module, page-aligned (header flag 0), after the image,
; holding the file's bytes.
check_module:
    mov eax, [ebx + MBI_FLAGS]
    and eax, 1 << 3
    EXPECT eax, 1 << 3, "flags bit 3 (mods)"
    EXPECT dword [ebx + MBI_MODS_COUNT], 1, "mods_count"
    mov esi, [ebx + MBI_MODS_ADDR]
    mov eax, [esi + 4]
    sub eax, [esi]
    EXPECT eax, MODULE_SIZE, "mod_end - mod_start"
    mov eax, [esi]
    and eax, 0xfff
    EXPECT eax, 0, "mod_start page-aligned"
    cmp dword [esi], __image_end
    jb .overlap
    mov esi, [esi]
    mov edi, expected_module
    mov ecx, MODULE_SIZE
    repe cmpsb
    jne .content
    ret
.overlap:
    FAIL "module loaded over the kernel image"
.content:
    FAIL "module bytes differ from mbinfo-module.txt"

    section .rodata
expected_cmdline: db "mbinfo-test key=value"
expected_cmdline_end:
expected_module: db "TANDEM-MODULE 0123456789", 10

    section .bss
bss_probe: resb 8192
bss_probe_end:
