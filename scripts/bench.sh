#!/bin/sh
# scripts/bench.sh: boot the test Linux guest under tandem and under qemu-system-x86_64, and print the times side by side.
#
# Usage: scripts/bench.sh [BUILD]          (default: build; `make bench` runs it)
#
# The guest is build/guest's test image (scripts/build-guest.sh): Debian's
# kernel and a busybox initramfs whose /init prints TANDEM-BOOT-OK, the md5
# of 64 MiB of zeroes with the seconds the guest took, then `poweroff -f`.
# Both emulators get the same machine: -m 512 -smp 1 -nographic -no-reboot,
# the same command line, no network.  Per run the table shows the wall time
# from start to power-off and the in-guest md5 seconds; then the ratios
# tandem/QEMU.  This is a measurement, not a test: nothing is asserted.
#
# Kernels: the ELF vmlinux, for both (QEMU boots it through its PVH entry,
# the Xen ELF note Debian's kernel has, CONFIG_PVH; tandem loads the ELF),
# which is the fair comparison; and the bzImage, whose XZ decompressor runs
# in the guest first (BENCH_BZIMAGE=0 leaves those rows out).
#
# The wall time ends when the emulator exits, or, if it does not, at the
# kernel's "reboot: Power down" / "reboot: System halted" line: a machine
# without ACPI halts there, and the emulator is stopped BENCH_GRACE seconds
# (default 30) later; the result column says so.  Each run is killed after
# BENCH_TIMEOUT seconds (default 1800).  BENCH_KVM=1 adds -accel kvm rows
# for both (off by default: under nested KVM the kernel's CPL0 code is
# emulated by the host kernel, slowly).  QEMU names another QEMU binary.
# Console logs stay in BUILD/bench/.
set -eu

build=${1:-build}
guest="$build/guest"
logs="$build/bench"
tandem="$build/tandem"
qemu=${QEMU:-qemu-system-x86_64}
timeout=${BENCH_TIMEOUT:-1800}
grace=${BENCH_GRACE:-30}
md5_of_64m_zeroes=7f614da9329cd3aebf59b91aadc30bf0
cmdline="console=ttyS0 reboot=k panic=-1"

die() { echo "bench: $*" >&2; exit 1; }

for file in "$tandem" "$guest/vmlinux" "$guest/bzImage" "$guest/test-initramfs.cpio.gz"; do
    [ -e "$file" ] || die "$file is missing (run 'make all guest', or 'make bench')"
done
mkdir -p "$logs"

now_ms() { date +%s%3N; }

# Milliseconds as seconds with one decimal.
seconds() { printf '%d.%d' $(($1 / 1000)) $(($1 % 1000 / 100)); }

# ---------------------------------------------------------------- one run

child=
trap '[ -n "$child" ] && kill "$child" 2>/dev/null; exit 1' INT TERM HUP

# Stop process $1: SIGTERM, then SIGKILL if it is still there after 5 s.
stop() {
    kill "$1" 2>/dev/null || return 0
    i=0
    while kill -0 "$1" 2>/dev/null && [ $i -lt 50 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    kill -KILL "$1" 2>/dev/null || true
}

# run LOG COMMAND...: boot, and set $wall_ms (empty when unknown), $md5_s
# and $result ("ok", or what went wrong).
run() {
    log=$1
    shift
    echo "bench: $*" >&2
    start=$(now_ms)
    "$@" </dev/null >"$log" 2>&1 &
    child=$!
    down_ms='' ended=''
    while kill -0 "$child" 2>/dev/null; do
        elapsed=$(($(now_ms) - start))
        if [ -z "$down_ms" ] && grep -qE 'reboot: (Power down|System halted)' "$log"; then
            down_ms=$elapsed
        fi
        if [ -n "$down_ms" ] && [ $((elapsed - down_ms)) -gt $((grace * 1000)) ]; then
            ended="no exit ${grace}s after \"$(grep -oE 'reboot: (Power down|System halted)' "$log" |
                head -n 1)\""
            break
        fi
        if grep -q 'Kernel panic - not syncing' "$log"; then
            ended="kernel panic"
            break
        fi
        if [ "$elapsed" -gt $((timeout * 1000)) ]; then
            ended="timed out after ${timeout}s"
            break
        fi
        sleep 0.1
    done
    end=$(now_ms)
    if [ -n "$ended" ]; then
        stop "$child"
        wait "$child" 2>/dev/null || true
    else
        status=0
        wait "$child" || status=$?
        [ "$status" -eq 0 ] || ended="exit status $status: $(first_error "$log")"
    fi
    child=

    md5_s=$(sed -n 's/^TANDEM-MD5 [0-9a-f]* \([0-9.]*\)s.*/\1/p' "$log" | head -n 1)
    sum=$(sed -n 's/^TANDEM-MD5 \([0-9a-f]*\) .*/\1/p' "$log" | head -n 1)
    if ! grep -q '^TANDEM-BOOT-OK' "$log"; then
        result="no TANDEM-BOOT-OK${ended:+; $ended}"
        wall_ms=
    elif [ -z "$sum" ]; then
        result="no TANDEM-MD5 line${ended:+; $ended}"
        wall_ms=
        md5_s=
    elif [ "$sum" != "$md5_of_64m_zeroes" ]; then
        result="wrong md5 $sum${ended:+; $ended}"
        wall_ms=
        md5_s=
    elif [ -z "$ended" ]; then
        result=ok
        wall_ms=$((end - start))
    elif [ -n "$down_ms" ]; then
        result="$ended (time to that line)"
        wall_ms=$down_ms
    else
        result=$ended
        wall_ms=
    fi
}

# The last line of $1 that looks like an error message, for the table.
first_error() {
    grep -iE 'error|cannot|fail|not |invalid' "$1" | tail -n 1 | cut -c1-80
}

# ---------------------------------------------------------------- the table

rows=$(mktemp)
times=$(mktemp)
trap 'rm -f "$rows" "$times"' EXIT

# row EMULATOR ACCEL KERNEL: the last run ($wall_ms, $md5_s, $result) as a
# table line in $rows, and its numbers in $times for the ratios.
row() {
    wall=${wall_ms:+$(seconds "$wall_ms")}
    printf '%-22s %-8s %10s %10s   %s\n' "$1 -accel $2" "$3" "${wall:--}" "${md5_s:--}" \
        "$result" >>"$rows"
    echo "$1 $2 $3 ${wall:--} ${md5_s:--}" >>"$times"
}

# not_run EMULATOR ACCEL KERNEL REASON
not_run() {
    wall_ms='' md5_s='' result="not run: $4"
    row "$1" "$2" "$3"
}

tandem_has() {
    "$tandem" -accel help 2>/dev/null | grep -q "^$1: *available"
}

qemu_found() {
    command -v "$qemu" >/dev/null 2>&1
}

# QEMU's name for tandem's accelerator $1.
qemu_accel_of() {
    case $1 in interp) echo tcg ;; *) echo "$1" ;; esac
}

# bench_tandem KERNEL_FILE ACCEL
bench_tandem() {
    name=$(basename "$1")
    if ! tandem_has "$2"; then
        not_run tandem "$2" "$name" "tandem -accel help says $2 is unavailable"
        return
    fi
    run "$logs/tandem-$2-$name.log" "$tandem" -accel "$2" -m 512 -smp 1 -nographic \
        -no-reboot -kernel "$1" -initrd "$guest/test-initramfs.cpio.gz" -append "$cmdline"
    row tandem "$2" "$name"
}

# bench_qemu KERNEL_FILE ACCEL
bench_qemu() {
    name=$(basename "$1")
    if ! qemu_found; then
        not_run qemu "$2" "$name" "no $qemu (scripts/install-deps.sh --bench installs it)"
        return
    fi
    if [ "$2" = kvm ] && ! { [ -r /dev/kvm ] && [ -w /dev/kvm ]; }; then
        not_run qemu "$2" "$name" "/dev/kvm is not usable"
        return
    fi
    run "$logs/qemu-$2-$name.log" "$qemu" -accel "$2" -m 512 -smp 1 -nographic \
        -no-reboot -net none -kernel "$1" -initrd "$guest/test-initramfs.cpio.gz" \
        -append "$cmdline"
    row qemu "$2" "$name"
}

# a / b with two decimals, or "-" when either is unknown or b is 0.
ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN {
        if (a == "-" || b == "-" || b + 0 == 0) print "-"; else printf "%.2fx\n", a / b }'
}

# For each tandem run, its wall and md5 over those of QEMU's matching run.
ratios() {
    while read -r emulator accel kernel wall md5; do
        [ "$emulator" = tandem ] || continue
        qemu_accel=$(qemu_accel_of "$accel")
        match=$(grep "^qemu $qemu_accel $kernel " "$times" | head -n 1)
        [ -n "$match" ] || continue
        # shellcheck disable=SC2086 # five words on purpose
        set -- $match
        printf '%-22s %-8s %10s %10s\n' "tandem $accel/qemu $qemu_accel" "$kernel" \
            "$(ratio "$wall" "$4")" "$(ratio "$md5" "$5")"
    done <"$times"
}

print_header() {
    kernel_deb=$(ls "$guest"/debs/linux-image-[0-9]*.deb 2>/dev/null | head -n 1)
    echo
    echo "make bench on $(sed -n 's/^model name[^:]*: *//p' /proc/cpuinfo | head -n 1)," \
         "$(nproc) CPUs"
    echo "guest: $(basename "${kernel_deb:-?}" .deb) and a busybox initramfs;" \
         "-m 512 -smp 1; md5 of 64 MiB of zeroes, then poweroff -f"
    echo "tandem: $tandem, $(git -C "$(dirname "$0")/.." describe --always --dirty 2>/dev/null ||
        echo 'version unknown')"
    if qemu_found; then echo "qemu: $("$qemu" --version | head -n 1)"; fi
    echo
    printf '%-22s %-8s %10s %10s   %s\n' run kernel "wall (s)" "md5 (s)" result
}

accels=interp
[ "${BENCH_KVM:-0}" = 1 ] && accels="interp kvm"
kernels="$guest/vmlinux"
[ "${BENCH_BZIMAGE:-1}" = 1 ] && kernels="$kernels $guest/bzImage"

for accel in $accels; do
    for kernel in $kernels; do
        bench_tandem "$kernel" "$accel"
        bench_qemu "$kernel" "$(qemu_accel_of "$accel")"
    done
done

print_header
cat "$rows"
echo
printf '%-22s %-8s %10s %10s\n' "ratio" kernel wall md5
ratios
echo
echo "wall: from start to power-off (the emulator's exit, else the kernel's power-off line);"
echo "md5: the seconds the guest took, by its own clock.  Console logs: $logs/"
