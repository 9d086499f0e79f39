# scripts/module.mk: the Linux guest images (`make guest`), built under $(BUILD)/guest.
#
# The script itself skips what is already built, so `guest` is always run.

guest:
	scripts/build-guest.sh $(BUILD)/guest

.PHONY: guest
