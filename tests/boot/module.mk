# tests/boot/module.mk: `make check-boot` runs only the Linux boot tests (tests/boot/*.t and *.long).
#
# linux-interp.t is part of `make check` (which builds the guest images
# first); the *.long ones run with `make check-long`.  Each test also runs
# scripts/build-guest.sh itself, which skips what is already built.

check-boot: all
	TANDEM_BUILD=$(BUILD) TANDEM_LONG=1 prove -v $(sort $(wildcard tests/boot/*.t tests/boot/*.long))

.PHONY: check-boot
