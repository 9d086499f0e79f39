; tests/guest/tasks.asm: a call gate from ring 3 to ring 0 and back, a hardware task switch and back, a virtual-8086 excursion with INT n.
; @output ^call gate: ring 3 -> ring 0 -> ring 3 OK$
; @output ^task B: running nested, TR=0030$
; @output ^task switch: A -> B -> A OK$
; @output ^vm86: INT 0x30 reached the CPL0 handler and IRET came back OK$
; @output ^PASS$
; @skip-error KVM internal error.*cannot emulate
;
; 32-bit protected mode, paging off, with this test's own GDT, IDT and TSSs:
;   - ring 3 pushes a parameter and calls through a DPL3 32-bit call gate
;     with a parameter count of 1 into ring 0 (SDM vol. 3A 5.8.5: stack from
;     TSS A's ESP0, the parameter copied), which returns with RETF 4;
;   - task A calls task B through its TSS selector (SDM vol. 3A 7.3: link,
;     NT, busy bits), and task B's IRET returns to task A;
;   - an IRETD with VM set enters virtual-8086 mode (SDM vol. 3A 20.2.5) at
;     IOPL 3, where INT 0x30 goes through a DPL3 interrupt gate to a ring 0
;     handler that sees the virtual-8086 frame and null data segments
;     (20.3.1.1, figure 20-5), and IRETD goes back to virtual-8086 mode.
; Ring 3 and virtual-8086 mode end their excursions with INT 0x31, whose
; handler reloads the kernel's segments and stack and resumes the kernel.
; Every check is at CPL0; ring 3 and virtual-8086 code only leave values in
; memory.  On the nested kvm of the development machines the host kernel
; emulates this guest's CPL0 code, and its emulator cannot do the first
; IRETD to ring 3: that run ends in "KVM internal error ... cannot emulate"
; and is reported as a skip (a kvm host that runs the guest must pass it).
%define TEST_MODE32
%include "runtime.inc"

%define SEL_KCODE   0x08
%define SEL_KDATA   0x10
%define SEL_UCODE   0x18
%define SEL_UDATA   0x20
%define SEL_TSS_A   0x28
%define SEL_TSS_B   0x30
%define SEL_GATE    0x38
%define GDT_SIZE    0x40

%define ACC_TSS32   0x89            ; P, DPL0, available 32-bit TSS
%define ACC_CALL32  0xec            ; P, DPL3, 32-bit call gate
%define ACC_INT32   0x8e            ; P, DPL0, 32-bit interrupt gate
%define ACC_INT32_U 0xee            ; P, DPL3, 32-bit interrupt gate
%define EFLAGS_NT   (1 << 14)
%define EFLAGS_VM   (1 << 17)
%define EFLAGS_IOPL3 (3 << 12)

%define VEC_VM86    0x30            ; INT n from virtual-8086 mode
%define VEC_BACK    0x31            ; the end of a ring 3 or virtual-8086 excursion
%define IDT_ENTRIES 0x32
%define STUB_SIZE   10              ; push strict dword + jmp strict near

; Virtual-8086 mode runs below 1 MiB: the snippet is copied to VM86_CS:0.
%define VM86_CS     0x0700          ; code at 0x7000
%define VM86_SS     0x0900          ; stack 0x9000-0x9fff
%define VM86_SP     0x1000
%define VM86_DS     0x0a00          ; data at 0xa000
%define VM86_RESULT 0x100           ; DS:0x100 = 0xa100

test_main32:
    call setup_tables
    call test_call_gate
    call test_task_switch
    call test_vm86
    ret

; ---------------------------------------------------------------- tables

; edi: descriptor, eax: base, ecx: byte limit (< 1 MiB), bl: access byte
set_system_descriptor:
    push eax
    push ecx
    mov [edi], cx                   ; limit 15:0
    mov [edi + 2], ax               ; base 15:0
    shr eax, 16
    mov [edi + 4], al               ; base 23:16
    mov [edi + 5], bl
    shr ecx, 16
    mov [edi + 6], cl               ; limit 19:16, G = 0
    mov [edi + 7], ah               ; base 31:24
    pop ecx
    pop eax
    ret

; edi: gate, eax: offset, bx: selector, cl: access byte, ch: parameter count
set_gate:
    push eax
    mov [edi], ax                   ; offset 15:0
    mov [edi + 2], bx
    mov [edi + 4], ch
    mov [edi + 5], cl
    shr eax, 16
    mov [edi + 6], ax               ; offset 31:16
    pop eax
    ret

setup_tables:
    ; TSS A: the running task; its ESP0 is the stack of every entry to ring 0.
    mov dword [tss_a + 4], ring0_stack_top
    mov dword [tss_a + 8], SEL_KDATA
    mov word [tss_a + 102], 104     ; no I/O bitmap
    ; TSS B: a ring 0 task that starts at task_b.
    mov dword [tss_b + 32], task_b  ; EIP
    mov dword [tss_b + 36], 2       ; EFLAGS
    mov dword [tss_b + 56], task_b_stack_top
    mov dword [tss_b + 72], SEL_KDATA   ; ES
    mov dword [tss_b + 76], SEL_KCODE   ; CS
    mov dword [tss_b + 80], SEL_KDATA   ; SS
    mov dword [tss_b + 84], SEL_KDATA   ; DS
    mov dword [tss_b + 88], SEL_KDATA   ; FS
    mov dword [tss_b + 92], SEL_KDATA   ; GS
    mov word [tss_b + 102], 104

    mov bl, ACC_TSS32
    mov ecx, 103
    mov eax, tss_a
    mov edi, t_gdt + SEL_TSS_A
    call set_system_descriptor
    mov eax, tss_b
    mov edi, t_gdt + SEL_TSS_B
    call set_system_descriptor
    mov eax, gate_entry
    mov bx, SEL_KCODE
    mov cx, (1 << 8) | ACC_CALL32   ; one dword parameter
    mov edi, t_gdt + SEL_GATE
    call set_gate

    ; IDT: exceptions 0-31 report and fail; 0x30 and 0x31 are for ring 3 and vm86.
    mov edi, t_idt
    mov eax, exception_stubs
    mov bx, SEL_KCODE
    mov cx, ACC_INT32
.exception:
    call set_gate
    add eax, STUB_SIZE
    add edi, 8
    cmp edi, t_idt + 32 * 8
    jb .exception
    mov edi, t_idt + VEC_VM86 * 8
    mov eax, vm86_int_handler
    mov cx, ACC_INT32_U
    call set_gate
    mov edi, t_idt + VEC_BACK * 8
    mov eax, back_to_kernel
    call set_gate

    lgdt [t_gdt_pointer]
    lidt [t_idt_pointer]
    jmp SEL_KCODE:.reload
.reload:
    mov ax, SEL_KDATA
    mov ds, ax
    mov es, ax
    mov fs, ax
    mov gs, ax
    mov ss, ax
    mov ax, SEL_TSS_A
    ltr ax
    ret

; Exceptions are not expected: print the vector and fail.
exception_stubs:
%assign v 0
%rep 32
    push strict dword v
    jmp strict near exception_common
%assign v v + 1
%endrep

exception_common:
    mov ax, SEL_KDATA
    mov ds, ax
    mov es, ax
    PRINT "EXCEPTION vector="
    pop eax
    mov ecx, 2
    call puthex32
    call putnl32
    FAIL "unexpected exception"

; INT 0x31 from ring 3 or virtual-8086 mode: back to the kernel where it left off.
back_to_kernel:
    mov ax, SEL_KDATA
    mov ds, ax
    mov es, ax
    mov fs, ax
    mov gs, ax
    mov esp, [kernel_esp]
    jmp [kernel_resume]

; ---------------------------------------------------------------- call gate

test_call_gate:
    mov [kernel_esp], esp
    mov dword [kernel_resume], .back
    push dword SEL_UDATA | 3        ; IRETD to ring 3: SS, ESP, EFLAGS, CS, EIP
    push dword user_stack_top
    push dword 2
    push dword SEL_UCODE | 3
    push dword user_code
    iretd
.back:
    EXPECT dword [gate_cs], SEL_KCODE, "CS in the gate's target"
    EXPECT dword [gate_param], 0x1234abcd, "the parameter copied to the ring 0 stack"
    EXPECT dword [gate_old_cs], SEL_UCODE | 3, "the caller's CS on the ring 0 stack"
    EXPECT dword [gate_old_ss], SEL_UDATA | 3, "the caller's SS on the ring 0 stack"
    EXPECT dword [gate_esp], ring0_stack_top - 20, "ESP in the gate's target"
    EXPECT dword [user_eax], 0x1234abce, "EAX back in ring 3"
    EXPECT dword [user_cs], SEL_UCODE | 3, "CS back in ring 3"
    EXPECT dword [user_esp_delta], 0, "ESP back in ring 3 (RETF 4 released the parameter)"
    PRINT "call gate: ring 3 -> ring 0 -> ring 3 OK", 10
    ret

user_code:                          ; ring 3
    mov ax, SEL_UDATA | 3
    mov ds, ax
    mov es, ax
    mov ebp, esp
    push dword 0x1234abcd
    call SEL_GATE | 3:0
    mov [user_eax], eax
    mov [user_cs], cs
    mov eax, esp
    sub eax, ebp
    mov [user_esp_delta], eax
    int VEC_BACK

gate_entry:                         ; ring 0, on TSS A's ESP0 stack
    mov [gate_cs], cs
    mov [gate_esp], esp
    mov eax, [esp + 4]              ; EIP, CS, the parameter, ESP, SS
    mov [gate_old_cs], eax
    mov eax, [esp + 16]
    mov [gate_old_ss], eax
    mov eax, [esp + 8]
    mov [gate_param], eax
    inc eax
    retf 4

; ---------------------------------------------------------------- task switch

test_task_switch:
    call SEL_TSS_B:0
    clts                            ; the task switch set CR0.TS
    EXPECT dword [task_b_ran], 1, "task B ran"
    EXPECT dword [task_b_nt], EFLAGS_NT, "NT in task B (a nested task)"
    EXPECT dword [task_b_link], SEL_TSS_A, "task B's previous task link"
    str ax
    movzx eax, ax
    EXPECT eax, SEL_TSS_A, "TR back in task A"
    pushfd
    pop eax
    and eax, EFLAGS_NT
    EXPECT eax, 0, "NT in task A"
    movzx eax, byte [t_gdt + SEL_TSS_B + 5]
    EXPECT eax, ACC_TSS32, "task B's descriptor after its IRET (available)"
    movzx eax, byte [t_gdt + SEL_TSS_A + 5]
    EXPECT eax, ACC_TSS32 | 2, "task A's descriptor (busy)"
    PRINT "task switch: A -> B -> A OK", 10
    ret

task_b:                             ; task B, ring 0, its own stack
    mov dword [task_b_ran], 1
    pushfd
    pop eax
    and eax, EFLAGS_NT
    mov [task_b_nt], eax
    movzx eax, word [tss_b]
    mov [task_b_link], eax
    PRINT "task B: running nested, TR="
    str ax
    movzx eax, ax
    mov ecx, 4
    call puthex32
    call putnl32
    iretd                           ; NT = 1: back to task A
    jmp task_b

; ---------------------------------------------------------------- virtual-8086 mode

test_vm86:
    mov esi, vm86_snippet
    mov edi, VM86_CS << 4
    mov ecx, vm86_snippet_end - vm86_snippet
    rep movsb
    mov word [(VM86_DS << 4) + VM86_RESULT], 0
    mov [kernel_esp], esp
    mov dword [kernel_resume], .back
    push dword 0                    ; GS  (SDM vol. 2 IRET, RETURN-TO-VIRTUAL-8086-MODE)
    push dword 0                    ; FS
    push dword VM86_DS              ; DS
    push dword VM86_DS              ; ES
    push dword VM86_SS
    push dword VM86_SP
    push dword EFLAGS_VM | EFLAGS_IOPL3 | 2
    push dword VM86_CS
    push dword 0                    ; EIP
    iretd
.back:
    EXPECT dword [vm86_int_seen], 1, "the INT 0x30 handler ran"
    EXPECT dword [vm86_frame_cs], VM86_CS, "CS in the virtual-8086 frame"
    EXPECT dword [vm86_frame_vm], EFLAGS_VM, "VM in the pushed EFLAGS"
    EXPECT dword [vm86_frame_ds], VM86_DS, "DS in the virtual-8086 frame"
    EXPECT dword [vm86_frame_esp], VM86_SP, "SP in the virtual-8086 frame"
    EXPECT dword [vm86_handler_ds], 0, "DS in the handler (null)"
    movzx eax, word [(VM86_DS << 4) + VM86_RESULT]
    EXPECT eax, 0x5679, "AX stored by virtual-8086 code after the IRET"
    PRINT "vm86: INT 0x30 reached the CPL0 handler and IRET came back OK", 10
    ret

; INT 0x30 from virtual-8086 mode: the frame is EIP, CS, EFLAGS, ESP, SS,
; ES, DS, FS, GS; DS..GS are null here, so memory goes through SS (flat).
vm86_int_handler:
    push eax
    mov eax, ds
    mov [ss:vm86_handler_ds], eax
    mov eax, [esp + 4 + 4]
    mov [ss:vm86_frame_cs], eax
    mov eax, [esp + 4 + 8]
    and eax, EFLAGS_VM
    mov [ss:vm86_frame_vm], eax
    mov eax, [esp + 4 + 12]
    mov [ss:vm86_frame_esp], eax
    mov eax, [esp + 4 + 24]
    mov [ss:vm86_frame_ds], eax
    mov dword [ss:vm86_int_seen], 1
    pop eax
    inc eax
    iretd                           ; VM = 1 in the image: back to virtual-8086 mode

    bits 16
vm86_snippet:                       ; copied to VM86_CS:0
    mov ax, 0x5678
    int VEC_VM86
    mov [VM86_RESULT], ax           ; DS = VM86_DS
    int VEC_BACK
vm86_snippet_end:
    bits 32

; ---------------------------------------------------------------- data

    section .data
    align 8
t_gdt:
    dq 0
    dq 0x00cf9a000000ffff           ; 0x08 ring 0 code, 32-bit, flat
    dq 0x00cf92000000ffff           ; 0x10 ring 0 data
    dq 0x00cffa000000ffff           ; 0x18 ring 3 code, 32-bit
    dq 0x00cff2000000ffff           ; 0x20 ring 3 data
    dq 0                            ; 0x28 TSS A, built by setup_tables
    dq 0                            ; 0x30 TSS B
    dq 0                            ; 0x38 the call gate
t_gdt_pointer:
    dw GDT_SIZE - 1
    dd t_gdt
t_idt_pointer:
    dw IDT_ENTRIES * 8 - 1
    dd t_idt

    align 4
kernel_esp:     dd 0
kernel_resume:  dd 0
gate_cs:        dd 0
gate_esp:       dd 0
gate_param:     dd 0
gate_old_cs:    dd 0
gate_old_ss:    dd 0
user_eax:       dd 0
user_cs:        dd 0
user_esp_delta: dd 0xffffffff
task_b_ran:     dd 0
task_b_nt:      dd 0
task_b_link:    dd 0
vm86_int_seen:  dd 0
vm86_frame_cs:  dd 0
vm86_frame_vm:  dd 0
vm86_frame_esp: dd 0
vm86_frame_ds:  dd 0
vm86_handler_ds: dd 0xffffffff

    section .bss
    alignb 16
t_idt:          resb IDT_ENTRIES * 8
tss_a:          resb 104
tss_b:          resb 104
    alignb 16
                resb 4096
ring0_stack_top:
                resb 4096
user_stack_top:
                resb 4096
task_b_stack_top:
