# difftest/module.mk: build $(BUILD)/tandem-difftest, the differential tester (interp vs kvm).
#
# Linked with libtandem.a; without kvm support (CONFIG_KVM != yes) it is
# built without its kvm backend and can compare interp with itself or, once
# it exists, tcg.

DIFFTEST_SRCS := $(wildcard difftest/*.c)
ifneq ($(CONFIG_KVM),yes)
DIFFTEST_SRCS := $(filter-out difftest/run_kvm.c,$(DIFFTEST_SRCS))
endif
DIFFTEST_OBJS := $(DIFFTEST_SRCS:%.c=$(BUILD)/obj/%.o)

# The allowlist's default path is the source tree's, so the binary finds it from anywhere.
$(BUILD)/obj/difftest/main.o: ALL_CFLAGS += -DDT_DEFAULT_ALLOWLIST='"$(CURDIR)/difftest/allowlist.txt"'

$(BUILD)/tandem-difftest: $(DIFFTEST_OBJS) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $(DIFFTEST_OBJS) $(LIB) $(LIBS)

PROGRAMS += $(BUILD)/tandem-difftest

-include $(DIFFTEST_OBJS:.o=.d)
