#!/usr/bin/perl
# tests/boot/linux-interp.t: boot Debian's kernel (ELF vmlinux) with a busybox initramfs under -accel interp (TAP; make check).
#
# The images come from scripts/build-guest.sh (run here too; it skips what
# is built): build/guest/vmlinux, the kernel without the bzImage's XZ
# decompressor, and test-initramfs.cpio.gz, whose /init prints
# TANDEM-BOOT-OK, then the md5 of 64 MiB of zeroes with the seconds it took
# in the guest, then runs `poweroff -f`.  Three checks: the marker, the md5
# line, and a clean power-off (exit status 0 through the ACPI PM1 block,
# with no kernel panic).  The wall time of the boot and the in-guest md5
# seconds are TAP comments.
#
# The power-off goes through the ACPI tables and PM1 block tandem provides
# (S5 ends tandem with status 0).  If the kernel prints its last line and
# tandem does not exit within a grace period (TANDEM_BOOT_GRACE, 30 s), the
# test stops it and the check fails, naming what the console showed.
#
# Skipped under the ASan pass (TANDEM_ASAN=1): too slow.  Time limit:
# TANDEM_BOOT_TIMEOUT seconds (default 1200), tripled by scaled_timeout
# like every tandem test limit.

use strict;
use warnings;
use File::Basename qw(dirname);
use File::Spec;
use Time::HiRes qw(time);
use lib dirname(dirname(File::Spec->rel2abs(__FILE__))) . '/guest';
use TandemRun qw(tandem_build tandem_binary list_backends run_with_timeout
                 describe_end diag_lines scaled_timeout);

my $md5_of_64m_zeroes = '7f614da9329cd3aebf59b91aadc30bf0';
my $top = dirname(dirname(dirname(File::Spec->rel2abs(__FILE__))));
my $guest = tandem_build() . '/guest';
my $kernel = "$guest/vmlinux";
my $initrd = "$guest/test-initramfs.cpio.gz";
my $timeout = scaled_timeout($ENV{TANDEM_BOOT_TIMEOUT} // 1200);
my $grace = $ENV{TANDEM_BOOT_GRACE} // 30;

sub skip_all {
    print "1..0 # SKIP $_[0]\n";
    exit 0;
}

skip_all('too slow under ASan') if $ENV{TANDEM_ASAN};

my ($interp) = grep { $_->{name} eq 'interp' } list_backends();
skip_all('interp ' . ($interp ? $interp->{reason} : 'not listed by -accel help'))
    unless $interp && $interp->{available};

# `make check` has built the images already (make guest); run the script
# anyway for a bare `prove`, and show its progress lines as comments.
if (open my $log, '-|', "$top/scripts/build-guest.sh '$guest' 2>&1") {
    my @lines = <$log>;
    close $log;
    if ($? != 0) {
        print "# $_" for @lines;
        my $last = @lines ? $lines[-1] : "exit status " . ($? >> 8) . "\n";
        chomp $last;
        skip_all("no guest images: scripts/build-guest.sh failed: $last");
    }
}
for my $file ($kernel, $initrd) {
    skip_all("no guest image $file (make guest)") unless -r $file;
}

print "1..3\n";

my @argv = (tandem_binary(), '-accel', 'interp', '-smp', '1', '-m', '512', '-nographic',
            '-no-reboot', '-kernel', $kernel, '-initrd', $initrd,
            '-append', 'console=ttyS0 reboot=k panic=-1');
print "# @argv\n";

# When the marker, the md5 line and the kernel's last words show up.  A
# panic ends the run at once; a halt or power-down line gets $grace seconds
# for tandem to exit by itself.
my $start = time;
my ($marker_at, $md5_at, $down_at);
my $watch = sub {
    my ($out) = @_;
    my $now = time - $start;
    $marker_at //= $now if $out =~ /^TANDEM-BOOT-OK/m;
    $md5_at //= $now if $out =~ /^TANDEM-MD5 /m;
    $down_at //= $now if $out =~ /reboot: (?:Power down|System halted)/;
    return 1 if $out =~ /Kernel panic - not syncing/;
    return defined $down_at && $now - $down_at > $grace;
};
my $r = run_with_timeout($timeout, \@argv, $watch);
my $console = $r->{out};

# 1. The marker.
my $marker_ok = $console =~ /^TANDEM-BOOT-OK (\S+)/m;
my $release = $1 // '?';
if ($marker_ok) {
    print "ok 1 - marker TANDEM-BOOT-OK from kernel $release\n";
} else {
    print "not ok 1 - marker TANDEM-BOOT-OK\n";
    print "# tandem: ", describe_end($r), "\n";
    diag_lines('console', $console, 30);
    diag_lines('stderr', $r->{err}, 10);
}

# 2. The md5 the guest computed.
my ($sum, $md5_seconds) = $console =~ /^TANDEM-MD5 (\w+) ([\d.]+)s/m;
if (defined $sum && $sum eq $md5_of_64m_zeroes) {
    print "ok 2 - md5 of 64 MiB of zeroes in the guest\n";
} else {
    print "not ok 2 - md5 of 64 MiB of zeroes in the guest\n";
    printf "# expected %s, got %s\n", $md5_of_64m_zeroes, $sum // 'no TANDEM-MD5 line';
    diag_lines('console', $console, 10) if $marker_ok;
}

# 3. The power-off: tandem exits with status 0 and the kernel did not panic
# (a panic with panic=-1 reboots, which -no-reboot also turns into status 0).
my $panicked = $console =~ /Kernel panic - not syncing/;
my ($last_words) = $console =~ /reboot: (Power down|System halted)/;
if (defined $r->{status} && $r->{status} == 0 && !$panicked) {
    print "ok 3 - power-off: exit status 0\n";
} else {
    print "not ok 3 - power-off: exit status 0\n";
    printf "# tandem: %s; the kernel %s\n",
        $r->{stopped} && defined $down_at
            ? sprintf('did not exit within %ds of the kernel\'s last line', $grace)
            : describe_end($r),
        $panicked ? 'panicked'
            : defined $last_words ? "said \"reboot: $last_words\"" : 'printed no power-off line';
    diag_lines('console', $console, 10) if $marker_ok;
    diag_lines('stderr', $r->{err}, 10);
}

my ($uptime) = $console =~ /^TANDEM-UPTIME ([\d.]+)/m;
my $at = sub { defined $_[0] ? sprintf('%.1fs', $_[0]) : 'never' };
printf "# wall clock: marker at %s, md5 line at %s, power-off line at %s, tandem ran %.1fs\n",
    $at->($marker_at), $at->($md5_at), $at->($down_at), $r->{seconds};
printf "# in the guest: md5 of 64 MiB took %ss; uptime at the end %ss\n",
    $md5_seconds // '?', $uptime // '?';
