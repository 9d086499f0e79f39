#!/bin/sh
# scripts/extract-vmlinux.sh: extract the uncompressed ELF vmlinux from a Linux bzImage.
#
# Usage: scripts/extract-vmlinux.sh BZIMAGE OUT
#
# A bzImage is the real-mode setup, the decompressor, and the kernel proper
# (vmlinux stripped to vmlinux.bin, followed by its relocations when the
# kernel has KASLR) compressed with gzip, bzip2, lzma, xz, lzo, lz4 or zstd.
# Booting that ELF directly (as Firecracker does) skips the decompressor,
# which is billions of guest instructions when the CPU is emulated.
#
# Where the payload is:
#   1. boot protocol 2.08+ records it in the setup header: payload_offset
#      (0x248) from the start of the protected-mode code, payload_length
#      (0x24c) (Documentation/arch/x86/boot.rst).  Its last 4 bytes are the
#      uncompressed size (arch/x86/boot/compressed/Makefile, *_with_size;
#      gzip's own ISIZE trailer), which the output must match.
#   2. otherwise, or when that fails, every place in the file where a
#      compression magic occurs, in file order.
# A candidate is accepted when the host tool turns it into a complete ELF
# file: \x7fELF, and its program and section header tables inside the file.
#
# OUT is written only on success (through a temporary file next to it).
# Failure is one line on stderr and exit status 1.
set -eu

me=extract-vmlinux
die() { echo "$me: $*" >&2; exit 1; }

[ $# -eq 2 ] || die "usage: $0 BZIMAGE OUT"
image=$1
out=$2
if ! [ -f "$image" ] || ! [ -r "$image" ]; then
    die "cannot read '$image'"
fi

# Unsigned little-endian integer of $3 bytes at offset $2 of file $1 (0 past the end).
le() {
    v=$(od -An -tu"$3" -j "$2" -N "$3" "$1" 2>/dev/null | tr -d ' \n')
    echo "${v:-0}"
}

file_size() {
    wc -c <"$1" | tr -d ' '
}

# True when $1 starts with the ELF magic and its header tables lie inside it.
elf_complete() {
    [ "$(od -An -c -N4 "$1" 2>/dev/null | tr -d ' ')" = '177ELF' ] || return 1
    size=$(file_size "$1")
    case $(le "$1" 4 1) in
    1) [ "$size" -ge 52 ] || return 1                               # ELFCLASS32
       phoff=$(le "$1" 28 4); shoff=$(le "$1" 32 4); at=42 ;;
    2) [ "$size" -ge 64 ] || return 1                               # ELFCLASS64
       phoff=$(le "$1" 32 8); shoff=$(le "$1" 40 8); at=54 ;;
    *) return 1 ;;
    esac
    phentsize=$(le "$1" "$at" 2); phnum=$(le "$1" $((at + 2)) 2)
    shentsize=$(le "$1" $((at + 4)) 2); shnum=$(le "$1" $((at + 6)) 2)
    [ "$phoff" -le "$size" ] && [ $((phoff + phentsize * phnum)) -le "$size" ] &&
        [ "$shoff" -le "$size" ] && [ $((shoff + shentsize * shnum)) -le "$size" ]
}

# The decompression command and its Debian package, per format.
tool_of() {
    case $1 in
    gzip)  echo "gzip -dc" ;;
    bzip2) echo "bzip2 -dc" ;;
    lzma)  echo "xz --format=lzma -dc" ;;
    xz)    echo "xz --single-stream -dc" ;;     # the size trailer follows the stream
    lzo)   echo "lzop -dc" ;;
    lz4)   echo "lz4 -dc" ;;
    zstd)  echo "zstd -dc" ;;
    esac
}

package_of() {
    case $1 in
    xz|lzma) echo xz-utils ;;
    *) echo "$1" ;;
    esac
}

# Which format starts at offset $1, if any.
format_at() {
    magic=$(od -An -tx1 -j "$1" -N6 "$image" 2>/dev/null | tr -d ' \n')
    case $magic in
    fd377a585a00*) echo xz ;;
    28b52ffd*)     echo zstd ;;
    1f8b08*)       echo gzip ;;
    02214c18*)     echo lz4 ;;
    5d000000*)     echo lzma ;;
    425a68*)       echo bzip2 ;;
    894c5a4f000d*) echo lzo ;;
    esac
}

# Every offset where a magic starts, as "offset format" lines, in file order.
# (lzo's magic goes on with 0a 1a 0a, which grep cannot see across a line.)
magic_offsets() {
    for f in 'xz \xfd7zXZ\x00' 'zstd \x28\xb5\x2f\xfd' 'gzip \x1f\x8b\x08' \
             'lz4 \x02\x21\x4c\x18' 'lzma \x5d\x00\x00\x00' 'bzip2 BZh' \
             'lzo \x89LZO\x00\x0d'; do
        LC_ALL=C grep -obUaP "${f#* }" "$image" 2>/dev/null | LC_ALL=C cut -d: -f1 |
            LC_ALL=C sed -n "s/^\([0-9][0-9]*\)\$/\1 ${f%% *}/p" || true
    done | sort -n
}

dir=$(dirname -- "$out")
[ -d "$dir" ] || die "output directory '$dir' does not exist"
tmp=$(mktemp "$dir/.extract-vmlinux.XXXXXX") || die "cannot create a temporary file in '$dir'"
trap 'rm -f "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

finish() {
    chmod 644 "$tmp" || die "cannot write '$out'"
    mv -f "$tmp" "$out" || die "cannot write '$out'"
    trap - EXIT
    exit 0
}

# Already an ELF (a vmlinux given as is): copy it.
if elf_complete "$image"; then
    cp "$image" "$tmp" || die "cannot copy '$image'"
    finish
fi

missing_tools=
tried=0

# Decompress from offset $1 (format $2), $3 bytes if given; true on a complete ELF.
try_candidate() {
    tool=$(tool_of "$2")
    if ! command -v "${tool%% *}" >/dev/null 2>&1; then
        entry="${tool%% *} (Debian package $(package_of "$2"))"
        case ", $missing_tools," in
        *", $entry,"*) ;;
        *) missing_tools="${missing_tools:+$missing_tools, }$entry" ;;
        esac
        return 1
    fi
    tried=$((tried + 1))
    if [ -n "${3:-}" ]; then
        tail -c +$(($1 + 1)) "$image" | head -c "$3" | $tool >"$tmp" 2>/dev/null || true
    else
        tail -c +$(($1 + 1)) "$image" | $tool >"$tmp" 2>/dev/null || true
    fi
    elf_complete "$tmp"
}

# 1. The setup header's own payload_offset/payload_length (boot.rst, protocol 2.08).
if [ "$(od -An -c -j 514 -N4 "$image" 2>/dev/null | tr -d ' ')" = HdrS ] &&
   [ "$(le "$image" 518 2)" -ge $((0x208)) ]; then
    setup_sects=$(le "$image" $((0x1f1)) 1)
    [ "$setup_sects" -eq 0 ] && setup_sects=4
    start=$(( (setup_sects + 1) * 512 + $(le "$image" $((0x248)) 4) ))
    length=$(le "$image" $((0x24c)) 4)
    format=$(format_at "$start")
    if [ -n "$format" ] && [ "$length" -ge 4 ] &&
       [ $((start + length)) -le "$(file_size "$image")" ] &&
       try_candidate "$start" "$format" "$length"; then
        expected=$(le "$image" $((start + length - 4)) 4)
        [ "$(file_size "$tmp")" -eq "$expected" ] ||
            die "'$image': $format payload gave $(file_size "$tmp") bytes," \
                "its trailer says $expected"
        finish
    fi
fi

# 2. Every compression magic in the file.
for candidate in $(magic_offsets | tr ' ' ':'); do
    if try_candidate "${candidate%%:*}" "${candidate#*:}"; then
        finish
    fi
done

if [ -n "$missing_tools" ]; then
    die "'$image': no vmlinux from $tried payload candidates; missing decompressors: $missing_tools"
fi
die "'$image': no compressed vmlinux found (tried $tried payload candidates)"
