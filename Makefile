# tandem: one non-recursive Makefile.  Objects and binaries live in $(BUILD).
#
#   make            build $(BUILD)/tandem and the tests
#   make run        install what is missing, build, make the default guest, boot it
#   make check      install what is missing, build, run every test (plus an ASan/UBSan pass)
#   make check-long the slow tests too
#   make bench      boot the test Linux guest under tandem and QEMU, print the times

BUILD ?= build
.DEFAULT_GOAL := all

-include $(BUILD)/config.mk

$(BUILD)/config.mk: configure
	./configure --builddir=$(BUILD)

SRC_DIRS := cpu/x86 accel memory hw ui
SRCS := $(foreach d,$(SRC_DIRS),$(wildcard $(d)/*.c))
ifneq ($(CONFIG_KVM),yes)
SRCS := $(filter-out accel/kvm%.c,$(SRCS))
endif
ifneq ($(CONFIG_SDL),yes)
SRCS := $(filter-out ui/sdl%.c,$(SRCS))
endif
OBJS := $(SRCS:%.c=$(BUILD)/obj/%.o)
LIB := $(BUILD)/libtandem.a

ALL_CFLAGS = $(CFLAGS) -I. -I$(BUILD) -MMD -MP

$(BUILD)/obj/%.o: %.c $(BUILD)/config.mk
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIB): $(OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/tandem: $(BUILD)/obj/main.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $< $(LIB) $(LIBS)

# C unit tests: tests/unit/test-NAME.c -> $(BUILD)/tests/unit/test-NAME (GLib gtest, TAP)
UNIT_SRCS := $(wildcard tests/unit/test-*.c)
UNIT_TESTS := $(UNIT_SRCS:%.c=$(BUILD)/%)

$(BUILD)/tests/unit/%: tests/unit/%.c $(LIB)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(LIBS)

PROGRAMS := $(BUILD)/tandem
TESTS_BUILT := $(UNIT_TESTS)

# Per-folder additions (guest tests, tools, guest images).
-include tests/guest/module.mk
-include tests/boot/module.mk
-include scripts/module.mk
-include difftest/module.mk

all: $(PROGRAMS) $(TESTS_BUILT)

# Tests prove runs: compiled unit tests and the *.t scripts.
PROVE_TESTS = $(UNIT_TESTS) $(sort $(wildcard tests/*/*.t))

deps:
	scripts/install-deps.sh

# The guest images are for tests/boot/linux-interp.t, which skips without them.
check: deps
	$(MAKE) all
	$(MAKE) guest || echo "make check: no guest images; the Linux boot test will skip"
	TANDEM_BUILD=$(BUILD) prove -f $(PROVE_TESTS)
	$(MAKE) check-asan

# The same tests against a sanitizer build, in its own build directory.
check-asan:
	test -f build-asan/config.mk || ./configure --enable-asan --builddir=build-asan
	$(MAKE) BUILD=build-asan all
	TANDEM_BUILD=build-asan TANDEM_ASAN=1 prove -f $(PROVE_TESTS:$(BUILD)/%=build-asan/%)

check-long: deps
	$(MAKE) all
	TANDEM_BUILD=$(BUILD) TANDEM_LONG=1 prove -f $(PROVE_TESTS) $(sort $(wildcard tests/*/*.long))

run: deps
	$(MAKE) all guest
	scripts/run-default.sh $(BUILD)

clean:
	rm -rf $(BUILD)/obj $(BUILD)/tests $(BUILD)/tandem $(LIB)

.PHONY: all deps check check-asan check-long run clean guest

-include $(OBJS:.o=.d) $(BUILD)/obj/main.d
