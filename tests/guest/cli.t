#!/usr/bin/perl
# tests/guest/cli.t: bad command lines and malformed kernels end tandem with status 1 and one line on stderr (TAP).
#
# DESIGN.md: "A wrong option, a missing file or a malformed image is one clear
# line on stderr and exit status 1 - never a crash."  Each case checks: the
# process exited (no signal, no hang) with status 1, wrote exactly one
# non-empty line on stderr, and that line names the culprit.

use strict;
use warnings;
use File::Basename qw(dirname);
use File::Spec;
use File::Temp qw(tempdir);
use lib dirname(File::Spec->rel2abs(__FILE__));
use TandemRun qw(tandem_build tandem_binary run_with_timeout describe_end
                 diag_lines slurp scaled_timeout);

my $build = tandem_build();
my $tandem = tandem_binary();
my $tmp = tempdir('tandem-cli-XXXXXX', TMPDIR => 1, CLEANUP => 1);
my $hello = "$build/tests/guest/hello.elf";
my $hello_aout = "$build/tests/guest/hello-aout.bin";
my $bzimage = "$build/guest/bzImage";

die "Bail out! no tandem binary at $tandem (build it, or set TANDEM_BUILD)\n"
    unless -x $tandem;

sub write_file {
    my ($name, $bytes) = @_;
    my $path = "$tmp/$name";
    open my $fh, '>:raw', $path or die "$path: $!\n";
    print $fh $bytes;
    close $fh;
    return $path;
}

# A bzImage header (Linux boot protocol, Documentation/x86/boot.rst: setup_sects
# at 0x1f1, syssize at 0x1f4, boot_flag 0xaa55 at 0x1fe, "HdrS" at 0x202,
# version at 0x206, loadflags at 0x211) that promises 4 setup sectors and a
# 1 MiB protected-mode kernel, in a file of 3000 bytes.
sub truncated_bzimage {
    my $image = "\0" x 3000;
    substr($image, 0x1f1, 1) = pack('C', 4);
    substr($image, 0x1f4, 4) = pack('V', 0x10000);
    substr($image, 0x1fe, 2) = pack('v', 0xaa55);
    substr($image, 0x202, 4) = 'HdrS';
    substr($image, 0x206, 2) = pack('v', 0x020f);
    substr($image, 0x211, 1) = pack('C', 1);
    return write_file('bzimage-truncated', $image);
}

# The first 64 KiB of the real guest kernel.
sub truncated_real_bzimage {
    my $image = slurp($bzimage);
    return write_file('real-bzimage-truncated', substr($image, 0, 65536));
}

# hello.elf with its first PT_LOAD and entry point moved up by 0x7fe00000,
# beyond -m 64M (ELF32: e_entry at 24, e_phoff at 28; p_vaddr and p_paddr at
# 8 and 12 of a program header).
sub elf_beyond_ram {
    my $elf = slurp($hello);
    my $entry = unpack('V', substr($elf, 24, 4));
    my $phoff = unpack('V', substr($elf, 28, 4));
    my ($vaddr, $paddr) = unpack('VV', substr($elf, $phoff + 8, 8));
    substr($elf, 24, 4) = pack('V', $entry + 0x7fe00000);
    substr($elf, $phoff + 8, 8) = pack('VV', $vaddr + 0x7fe00000, $paddr + 0x7fe00000);
    return write_file('elf-beyond-ram', $elf);
}

# hello.elf cut just after its multiboot header (guest.ld puts it first in
# the first segment, at file offset 0x1000): the segment's bytes are missing.
sub truncated_elf {
    my $elf = slurp($hello);
    return write_file('elf-truncated', substr($elf, 0, 0x1000 + 64));
}

# hello-aout.bin whose a.out-kludge load_end_addr lies before load_addr
# (Multiboot spec 3.1.3: header offsets 16 and 20).
sub aout_bad_range {
    my $bin = slurp($hello_aout);
    substr($bin, 20, 4) = pack('V', 0x1000);
    return write_file('aout-bad-range', $bin);
}

# name, needs (a file that must exist, or undef), argv builder, regex the
# stderr line must match.
my @cases = (
    ['missing kernel file', undef,
     sub { ('-kernel', "$tmp/no-such-kernel") }, qr/no-such-kernel/],
    ['truncated bzImage header', undef,
     sub { ('-kernel', truncated_bzimage()) }, qr/bzimage-truncated/],
    ['truncated real bzImage', $bzimage,
     sub { ('-kernel', truncated_real_bzimage()) }, qr/real-bzimage-truncated/],
    ['neither bzImage nor multiboot', undef,
     sub { ('-kernel', write_file('not-a-kernel', "not a kernel\n" x 1000)) },
     qr/not-a-kernel/],
    ['multiboot ELF cut short', $hello,
     sub { ('-kernel', truncated_elf()) }, qr/elf-truncated/],
    ['multiboot ELF segment beyond RAM', $hello,
     sub { ('-m', '64M', '-kernel', elf_beyond_ram()) }, qr/elf-beyond-ram/],
    ['a.out kludge with load_end before load_addr', $hello_aout,
     sub { ('-kernel', aout_bad_range()) }, qr/aout-bad-range/],
    ['missing initrd file', $hello,
     sub { ('-kernel', $hello, '-initrd', "$tmp/no-such-initrd") }, qr/no-such-initrd/],
    ['-m 0', $hello,
     sub { ('-m', '0', '-kernel', $hello) }, qr/-m/],
    ['-m with garbage', $hello,
     sub { ('-m', '12Q', '-kernel', $hello) }, qr/12Q/],
    ['unknown option', undef,
     sub { ('-frobnicate') }, qr/-frobnicate/],
    ['option missing its value', undef,
     sub { ('-kernel') }, qr/-kernel/],
    ['-accel nosuch', $hello,
     sub { ('-accel', 'nosuch', '-kernel', $hello) }, qr/nosuch/],
);

print "1..", scalar(@cases), "\n";
my $n = 0;
for my $case (@cases) {
    my ($name, $needs, $make_args, $names_culprit) = @$case;
    $n++;
    if (defined $needs && !-f $needs) {
        print "ok $n - $name # SKIP $needs not built\n";
        next;
    }
    my @argv = ($tandem, '-nographic', $make_args->());
    my $r = run_with_timeout(scaled_timeout(30), \@argv);
    my @err = split /\n/, $r->{err}, -1;
    pop @err if @err && $err[-1] eq '';
    my @problems;
    push @problems, "expected exit status 1, got " . describe_end($r)
        unless defined $r->{status} && $r->{status} == 1;
    push @problems, "expected one line on stderr, got " . scalar(@err)
        unless @err == 1;
    push @problems, "the stderr line is empty"
        if @err == 1 && $err[0] =~ /^\s*$/;
    push @problems, "the stderr line does not name the culprit ($names_culprit)"
        if @err == 1 && $err[0] !~ $names_culprit;
    if (@problems) {
        print "not ok $n - $name\n";
        print "# $_\n" for @problems;
        print "# command: @argv\n";
        diag_lines('stderr', $r->{err}, 10);
    } else {
        print "ok $n - $name\n";
        print "# $err[0]\n";
    }
}
