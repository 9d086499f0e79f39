# scripts/module.mk: the Linux guest images (`make guest`, under $(BUILD)/guest) and `make bench`.
#
# The guest script itself skips what is already built, so `guest` is always
# run.  `make bench` installs qemu-system-x86 if missing (install-deps.sh
# --bench), then boots the test image under tandem and QEMU (scripts/bench.sh).

guest:
	scripts/build-guest.sh $(BUILD)/guest

bench:
	scripts/install-deps.sh --bench
	$(MAKE) all guest
	scripts/bench.sh $(BUILD)

.PHONY: guest bench
