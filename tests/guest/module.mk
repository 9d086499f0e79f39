# tests/guest/module.mk: build the nasm guest tests, when nasm is installed.
#
#   tests/guest/NAME.asm      -> $(BUILD)/tests/guest/NAME.elf  (ELF32 multiboot, guest.ld)
#   tests/guest/NAME-aout.asm -> $(BUILD)/tests/guest/NAME-aout.bin (flat, multiboot a.out kludge)
#
# tests/guest/guests.t runs them; it reports a skip when they were not built.

NASM ?= nasm
GUEST_LD ?= ld

ifneq ($(shell command -v $(NASM) 2>/dev/null),)

GUEST_SRCS := $(wildcard tests/guest/*.asm)
GUEST_INCS := $(wildcard tests/guest/*.inc)
GUEST_AOUT_SRCS := $(filter %-aout.asm,$(GUEST_SRCS))
GUEST_ELF_SRCS := $(filter-out %-aout.asm,$(GUEST_SRCS))
GUEST_BUILT := $(GUEST_ELF_SRCS:tests/guest/%.asm=$(BUILD)/tests/guest/%.elf) \
               $(GUEST_AOUT_SRCS:tests/guest/%.asm=$(BUILD)/tests/guest/%.bin)

# 64-bit code in an ELF32 object: addresses are below 4 GiB, so a zero-extended
# 32-bit relocation is what is meant.
GUEST_NASMFLAGS := -w-zext-reloc -Itests/guest/

# Every test includes the runtime, so each depends on all of it (nasm 2.16's
# -MD leaves %include files out of the dependencies it writes).
$(BUILD)/tests/guest/%.o: tests/guest/%.asm $(GUEST_INCS)
	@mkdir -p $(@D)
	$(NASM) $(GUEST_NASMFLAGS) -f elf32 -o $@ $<

$(BUILD)/tests/guest/%.elf: $(BUILD)/tests/guest/%.o tests/guest/guest.ld
	$(GUEST_LD) -m elf_i386 -T tests/guest/guest.ld -o $@ $<

$(BUILD)/tests/guest/%-aout.bin: tests/guest/%-aout.asm $(GUEST_INCS)
	@mkdir -p $(@D)
	$(NASM) $(GUEST_NASMFLAGS) -f bin -o $@ $<

.PRECIOUS: $(BUILD)/tests/guest/%.o

TESTS_BUILT += $(GUEST_BUILT)

endif
