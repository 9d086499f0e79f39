#!/bin/sh
# scripts/build-guest.sh: build the Linux guest images (Debian kernel + busybox initramfs) under build/guest.
#
# Usage: scripts/build-guest.sh [OUTDIR]        (default: build/guest)
#
# Nothing is installed on the host and /boot is never touched: the Debian
# packages are fetched with `apt-get download` and unpacked with dpkg-deb into
# OUTDIR.  Steps whose outputs exist (and are newer than their inputs and this
# script) are skipped, so a second run takes well under a second.
#
# OUTDIR/bzImage                 the kernel of linux-image-amd64's current version
# OUTDIR/vmlinux                 the same kernel as an uncompressed ELF (scripts/
#                                extract-vmlinux.sh): booting it skips the XZ
#                                decompressor, minutes under the interpreter
# OUTDIR/initramfs.cpio.gz       busybox; /init mounts /proc /sys /dev, prints a
#                                banner and runs a shell on the console (respawned)
# OUTDIR/test-initramfs.cpio.gz  /init prints TANDEM-BOOT-OK, md5sum of 64 MiB of
#                                zeroes with the seconds it took, then poweroff -f
# OUTDIR/reboot-initramfs.cpio.gz the same, ending with reboot -f
#
# Kernel modules are left out: Debian's kernel has the 8250 UART, devtmpfs and
# the initramfs support built in.
set -eu

out=${1:-build/guest}
script=$0
extract_vmlinux=$(dirname "$0")/extract-vmlinux.sh
debs="$out/debs"

say() { echo "build-guest: $*"; }
die() { echo "build-guest: $*" >&2; exit 1; }

for tool in apt-get dpkg-deb cpio gzip; do
    command -v "$tool" >/dev/null 2>&1 ||
        die "$tool not found (run scripts/install-deps.sh)"
done

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"
    elif command -v sudo >/dev/null 2>&1; then sudo "$@"
    else die "need root for '$*' (no sudo)"
    fi
}

# True when $1 is missing or older than any of the other files.
stale() {
    target=$1
    shift
    [ -e "$target" ] || return 0
    for input in "$@"; do
        [ "$input" -nt "$target" ] && return 0
    done
    return 1
}

# The newest downloaded .deb of package $1, or nothing.
deb_of() {
    ls -t "$debs/$1"_*.deb 2>/dev/null | head -n 1
}

# apt-get download $1 into $debs, once; an `apt-get update` first only if
# apt does not know the package yet.
download() {
    [ -n "$(deb_of "$1")" ] && return 0
    say "downloading $1"
    # As root, apt's sandbox user could not write into $debs: stay root.
    if ! (cd "$debs" && apt-get -q -o APT::Sandbox::User=root download "$1" >/dev/null); then
        say "apt-get download $1 failed; running apt-get update and retrying"
        as_root env DEBIAN_FRONTEND=noninteractive apt-get -q update >/dev/null ||
            die "apt-get update failed, so $1 cannot be downloaded"
        (cd "$debs" && apt-get -q -o APT::Sandbox::User=root download "$1" >/dev/null) ||
            die "cannot download $1"
    fi
    [ -n "$(deb_of "$1")" ] || die "apt-get download $1 left no .deb in $debs"
}

# linux-image-amd64 is a metapackage: its Depends names the real kernel
# package, e.g. "linux-image-6.1.0-56-amd64 (= 6.1.192-2)".
kernel_package() {
    dpkg-deb -f "$(deb_of linux-image-amd64)" Depends |
        tr ',|' '\n\n' | sed -n 's/^ *\(linux-image-[^ ]*\).*/\1/p' | head -n 1
}

# ---------------------------------------------------------------- kernel

build_kernel() {
    download linux-image-amd64
    pkg=$(kernel_package)
    [ -n "$pkg" ] || die "cannot find the kernel package linux-image-amd64 depends on"
    download "$pkg"
    deb=$(deb_of "$pkg")
    stale "$out/bzImage" "$deb" || return 0
    say "extracting the kernel from $(basename "$deb")"
    rm -rf "$out/kernel-root"
    mkdir -p "$out/kernel-root"
    # Only /boot: the modules would be most of the package and are not needed.
    dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$out/kernel-root" --wildcards './boot/vmlinuz-*'
    vmlinuz=$(ls "$out"/kernel-root/boot/vmlinuz-* 2>/dev/null | head -n 1)
    [ -n "$vmlinuz" ] || die "no /boot/vmlinuz-* in $deb"
    cp "$vmlinuz" "$out/bzImage.tmp"
    mv "$out/bzImage.tmp" "$out/bzImage"
}

# The uncompressed ELF kernel, from the bzImage.
build_vmlinux() {
    stale "$out/vmlinux" "$out/bzImage" "$extract_vmlinux" || return 0
    say "extracting vmlinux from bzImage"
    "$extract_vmlinux" "$out/bzImage" "$out/vmlinux" ||
        die "cannot extract vmlinux from $out/bzImage"
}

# ---------------------------------------------------------------- busybox

build_busybox() {
    download busybox-static
    deb=$(deb_of busybox-static)
    stale "$out/busybox-root/bin/busybox" "$deb" || return 0
    say "extracting busybox from $(basename "$deb")"
    rm -rf "$out/busybox-root"
    dpkg-deb -x "$deb" "$out/busybox-root"
    [ -x "$out/busybox-root/bin/busybox" ] || die "no /bin/busybox in $deb"
    touch "$out/busybox-root/bin/busybox"
}

# ---------------------------------------------------------------- initramfs

# One newc cpio entry with no data (Documentation/driver-api/early-userspace/
# buffer-format.rst): name, mode, nlink, rdev major, rdev minor.
cpio_entry() {
    namesize=$((${#1} + 1))
    printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X' \
        0 "$2" 0 0 "$3" 0 0 0 0 "$4" "$5" "$namesize" 0
    printf '%s' "$1"
    # The name's NUL, then zeroes up to a multiple of 4 (header: 110 bytes).
    head -c $((1 + (4 - (110 + namesize) % 4) % 4)) /dev/zero
}

# /dev and /dev/console, so that the kernel can give /init its stdin, stdout
# and stderr before devtmpfs is mounted; made without mknod, hence no root.
console_archive() {
    cpio_entry dev 0x41ed 2 0 0              # directory, 0755
    cpio_entry dev/console 0x2180 1 5 1      # character device 5:1, 0600
    cpio_entry 'TRAILER!!!' 0 1 0 0
}

# The lines every /init starts with.
init_prologue() {
    cat <<'EOF'
#!/bin/sh
# /init of a tandem guest image, written by scripts/build-guest.sh.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin HOME=/root
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
EOF
}

interactive_init() {
    init_prologue
    cat <<'EOF'
mkdir -p /dev/pts
mount -t devpts devpts /dev/pts
hostname tandem
echo
echo "tandem Linux guest: kernel $(uname -r), busybox shell."
echo "Quit tandem with Ctrl-A X."
echo
# A shell with the console as its controlling terminal, so that Ctrl-C works;
# started again when it exits (PID 1 must not exit).
while true; do
    setsid cttyhack sh -l
done
EOF
}

# $1: the command that ends the test (poweroff -f, reboot -f).
test_init() {
    init_prologue
    cat <<EOF
echo "TANDEM-BOOT-OK \$(uname -r)"
start=\$(cut -d' ' -f1 /proc/uptime)
sum=\$(dd if=/dev/zero bs=1M count=64 2>/dev/null | md5sum)
end=\$(cut -d' ' -f1 /proc/uptime)
echo "TANDEM-MD5 \${sum%% *} \$(awk "BEGIN { printf \\"%.2f\\", \$end - \$start }")s"
echo "TANDEM-UPTIME \$end"
$1
EOF
}

# $1: image name, $2: function writing /init.
build_initramfs() {
    image="$out/$1.cpio.gz"
    stale "$image" "$out/busybox-root/bin/busybox" "$script" || return 0
    say "building $1.cpio.gz"
    staging="$out/$1"
    rm -rf "$staging"
    mkdir -p "$staging/bin" "$staging/proc" "$staging/sys" "$staging/dev" \
        "$staging/tmp" "$staging/root" "$staging/etc" "$staging/usr"
    ln -s bin "$staging/sbin"
    ln -s ../bin "$staging/usr/bin"
    ln -s ../bin "$staging/usr/sbin"
    cp "$out/busybox-root/bin/busybox" "$staging/bin/busybox"
    for applet in $("$staging/bin/busybox" --list); do
        [ "$applet" = busybox ] || ln -s busybox "$staging/bin/$applet"
    done
    echo "export PS1='tandem:\\w\\$ '" > "$staging/etc/profile"
    "$2" > "$staging/init"
    chmod 755 "$staging/init"
    {
        console_archive
        (cd "$staging" && find . -mindepth 1 | LC_ALL=C sort |
            cpio -o -H newc -R 0:0 --quiet)
    } | gzip -9 -n > "$image.tmp"
    mv "$image.tmp" "$image"
}

poweroff_init() { test_init 'poweroff -f'; }
reboot_init() { test_init 'reboot -f'; }

mkdir -p "$debs"
build_kernel
build_vmlinux
build_busybox
build_initramfs initramfs interactive_init
build_initramfs test-initramfs poweroff_init
build_initramfs reboot-initramfs reboot_init
