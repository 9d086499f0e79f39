#!/bin/sh
# scripts/run-default.sh: boot the default Linux guest (built by scripts/build-guest.sh) on the terminal.
#
# Usage: scripts/run-default.sh [BUILD [tandem options...]]     (BUILD default: build)
#
# tandem replaces this shell (exec), so the terminal is the guest's serial
# console: a busybox shell.  Ctrl-A X quits, Ctrl-A H lists the other keys.
# Extra options go to tandem after the defaults (e.g. -accel interp, -smp 2);
# TANDEM_APPEND adds to the kernel command line.
set -eu

build=${1:-build}
[ $# -gt 0 ] && shift
guest="$build/guest"

for file in "$build/tandem" "$guest/vmlinux" "$guest/initramfs.cpio.gz"; do
    if [ ! -e "$file" ]; then
        echo "run-default: $file is missing (run 'make all guest', or 'make run')" >&2
        exit 1
    fi
done

# console=ttyS0: the kernel's console is COM1, which -nographic puts on stdio.
# reboot=k: reboot through the keyboard controller, which tandem has.
# panic=-1: reboot at once on a panic rather than hang.
# -accel kvm:tcg:interp: the hardware where /dev/kvm works, else the software
# CPU.  (tandem's own default takes kvm only where the CPU shows vmx/svm; a
# nested host without them runs kvm slowly at CPL0, but it does boot Linux,
# which the software backends cannot do yet.)
# No -accel: tandem's default takes kvm where the host CPU shows VT-x/AMD-V,
# else the software CPU (a nested /dev/kvm without them emulates the
# guest's kernel code slowly).  The ELF vmlinux, not the bzImage: the
# software CPU would spend minutes in the bzImage's XZ decompressor.
exec "$build/tandem" -m 512M -nographic \
    -kernel "$guest/vmlinux" -initrd "$guest/initramfs.cpio.gz" \
    -append "console=ttyS0 reboot=k panic=-1 ${TANDEM_APPEND:-}" "$@"
