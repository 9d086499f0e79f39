#!/usr/bin/perl
# tests/difftest/planted-bug.t: a bug planted in interp's ADC is found, minimized to the ADC and reported (TAP).
#
# tandem-difftest --plant-bug adc-carry makes interp's ADC flip its carry-out
# whenever the carry-in is set, in that process only.  The run must fail
# (status 1), report the difference with capstone's disassembly, shrink it to
# the single ADC with CF among its few non-default inputs, and save it as a
# case that --replay runs again: still different with the bug, the same
# without it.

use strict;
use warnings;
use File::Basename qw(dirname);
use File::Spec;
use File::Temp qw(tempdir);
use lib File::Spec->catdir(dirname(File::Spec->rel2abs(__FILE__)), '..', 'guest');
use TandemRun qw(tandem_build run_with_timeout describe_end diag_lines scaled_timeout);

my $difftest = tandem_build() . '/tandem-difftest';
die "Bail out! no $difftest (build it with make, or set TANDEM_BUILD)\n" unless -x $difftest;

my $backends;
for my $pair ('interp,kvm', 'interp,tcg') {
    my $r = run_with_timeout(scaled_timeout(30), [$difftest, '--probe', '--backends', $pair]);
    if (defined $r->{status} && $r->{status} == 0) { $backends = $pair; last }
}
if (!$backends) {
    print "1..0 # SKIP neither kvm nor tcg can run here\n";
    exit 0;
}
print "1..7\n";

my $tmp = tempdir('tandem-difftest-XXXXXX', TMPDIR => 1, CLEANUP => 1);
my @cmd = ($difftest, '--backends', $backends, '--plant-bug', 'adc-carry',
           '--ops', 'ADC,ADD,SUB,MOV,XOR', '--seed', 7, '--count', 3000, '--jobs', 1,
           '--max-reports', 3, '--save', $tmp);
print "# @cmd\n";
my $r = run_with_timeout(scaled_timeout(300), \@cmd);
my $out = $r->{out};
my ($last) = (split /\n/, $out)[-1] // '';

my $failed = defined $r->{status} && $r->{status} == 1;
print(($failed ? 'ok' : 'not ok') . " 1 - the run fails (" . describe_end($r) . ")\n");
my ($u) = $last =~ /^difftest: \d+ cases, \d+ differences \((\d+) unexplained\), \d+ cases\/s$/;
print((defined $u && $u > 0 ? 'ok' : 'not ok') . " 2 - unexplained differences counted: '$last'\n");

# The first report, minimized: one instruction, the ADC, as capstone reads it.
my ($report) = $out =~ /(^difference 1:.*?)(?=^difference 2:|^\(|^explained by|\z)/ms;
$report //= '';
my ($minimized) = $report =~ /(  minimized \(.*?)(?=^  explained)/ms;
$minimized //= '';
my $one_adc = $minimized =~ /minimized \(1 instruction,/ && $minimized =~ /^    0x10000  .*\badc\b.*\[ADC\]$/m;
print(($one_adc ? 'ok' : 'not ok') . " 3 - minimized to the ADC alone\n");
if (!$one_adc) { print "# $_\n" for split /\n/, $minimized; }
my $carry = $minimized =~ /^    differs: .*flags\.CF/m && $minimized =~ /^    initial: .*rflags=0x[0-9a-f]*[13579bdf]\b/m;
print(($carry ? 'ok' : 'not ok') . " 4 - the carry differs, and the carry-in is among its inputs\n");
my $side_by_side = $report =~ /^\s+interp\s+kvm|^\s+interp\s+tcg/m && $report =~ /^    \* rflags /m;
print(($side_by_side ? 'ok' : 'not ok') . " 5 - both final states side by side, the difference marked\n");

# The saved minimized case runs again: with the bug it differs, without it not.
my ($saved) = $report =~ /saved: (\S+)/;
my $min = defined $saved ? $saved =~ s/\.case$/.min.case/r : '';
my $again = run_with_timeout(scaled_timeout(60), [$difftest, '--backends', $backends,
                                                  '--plant-bug', 'adc-carry', '--replay', $min]);
my $still = -f $min && defined $again->{status} && $again->{status} == 1 &&
            $again->{out} =~ /\(1 unexplained\)/;
print(($still ? 'ok' : 'not ok') . " 6 - --replay of the saved case shows it again ($min)\n");
diag_lines("replay", $again->{out} . $again->{err}, 40) if !$still;
my $fixed = run_with_timeout(scaled_timeout(60), [$difftest, '--backends', $backends, '--replay', $min]);
my $clean = -f $min && defined $fixed->{status} && $fixed->{status} == 0 &&
            $fixed->{out} =~ /no difference/;
print(($clean ? 'ok' : 'not ok') . " 7 - without the planted bug the same case agrees\n");
diag_lines("replay", $fixed->{out} . $fixed->{err}, 40) if !$clean;
