# tests/boot/module.mk: `make check-boot` runs only the Linux boot tests (tests/boot/*.long).
#
# They build their guest images themselves (scripts/build-guest.sh); `make
# check-long` runs them together with everything else.

check-boot: all
	TANDEM_BUILD=$(BUILD) TANDEM_LONG=1 prove -v $(sort $(wildcard tests/boot/*.long))

.PHONY: check-boot
