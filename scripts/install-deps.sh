#!/bin/sh
# scripts/install-deps.sh: install, with apt-get, the Debian packages tandem needs that are missing.
#
# Silent when everything is there.  Otherwise one line naming what is missing,
# then apt-get update and install (through sudo when not root), without
# questions (DEBIAN_FRONTEND=noninteractive), as `make deps` and CI run it.
#
# Usage: scripts/install-deps.sh [--bench]
#   --bench  also what `make bench` compares against (BENCH_PACKAGES)
set -eu

# What building and testing tandem needs.
#   build-essential pkg-config         compiler, make, binutils (ld for the guest tests)
#   libglib2.0-dev libcapstone-dev     GLib (main loop, gtest), capstone (decoder oracle)
#   libsdl2-dev zlib1g-dev libslirp-dev display, snapshots, user networking
#   linux-libc-dev                     <linux/kvm.h>
#   nasm                               the guest tests (tests/guest)
#   perl                               prove and the TAP scripts
#   cpio                               the guest initramfs (scripts/build-guest.sh)
#   xz-utils zstd                      the kernel's payload (scripts/extract-vmlinux.sh)
PACKAGES="
build-essential
pkg-config
libglib2.0-dev
libcapstone-dev
libsdl2-dev
zlib1g-dev
libslirp-dev
linux-libc-dev
nasm
perl
cpio
xz-utils
zstd
"

# Only for `make bench`: the emulator tandem is compared with.
BENCH_PACKAGES="
qemu-system-x86
"

case ${1:-} in
'') ;;
--bench) PACKAGES="$PACKAGES $BENCH_PACKAGES" ;;
*) echo "install-deps: unknown option '$1' (usage: $0 [--bench])" >&2; exit 1 ;;
esac

installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

missing=
for pkg in $PACKAGES; do
    installed "$pkg" || missing="$missing $pkg"
done
[ -z "$missing" ] && exit 0

echo "install-deps: installing$missing"

if [ "$(id -u)" = 0 ]; then
    as_root=
elif command -v sudo >/dev/null 2>&1; then
    as_root=sudo
else
    echo "install-deps: not root and no sudo; install these as root:$missing" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
$as_root env DEBIAN_FRONTEND=noninteractive apt-get -q update
# shellcheck disable=SC2086 # $missing is a list of words on purpose
$as_root env DEBIAN_FRONTEND=noninteractive apt-get -q -y install --no-install-recommends $missing
