#!/usr/bin/perl
# tests/guest/guests.t: run every nasm guest test under every backend tandem lists (TAP).
#
# Backends come from `tandem -accel help` ("NAME: available" or "NAME:
# unavailable: REASON"): an available one is run, an unavailable one is a TAP
# skip with its reason, so a backend starts being tested the day it is built.
#
# Each tests/guest/NAME.asm says in its leading comments what it expects:
#   ; @status N        exit status (default 33: the guest wrote 0x10 to 0xf4)
#   ; @args ARGS       more tandem arguments ("double quotes" group words)
#   ; @initrd FILE     -initrd tests/guest/FILE (a multiboot module)
#   ; @output REGEX    some COM1 line must match (Perl regex; repeatable)
#   ; @no-output REGEX no COM1 line may match
#   ; @report          prints REGS blocks: they must be identical across backends
#   ; @timeout SECS    per run (default $TANDEM_TIMEOUT or 60)
#   ; @skip-error REGEX a run that fails with a stderr line matching REGEX is a
#                      skip, with that line as the reason: the host cannot run
#                      this guest there (e.g. a nested KVM that emulates the
#                      guest's CPL0 code and lacks an instruction it needs)
#
# Environment: TANDEM_BUILD (default "build") locates tandem and the built
# guests; TANDEM overrides the tandem binary; TANDEM_TIMEOUT sets the default
# time limit; TANDEM_ASAN=1 triples time limits.

use strict;
use warnings;
use File::Basename qw(dirname basename);
use File::Spec;
use lib dirname(File::Spec->rel2abs(__FILE__));
use TandemRun qw(tandem_build tandem_binary list_backends run_with_timeout
                 describe_end diag_lines split_words scaled_timeout);

my $src_dir = File::Spec->rel2abs(dirname(__FILE__));
my $build = tandem_build();
my $tandem = tandem_binary();
my $default_timeout = $ENV{TANDEM_TIMEOUT} // 60;

my @common_args = ('-nographic', '-no-reboot',
                   '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x4');

sub read_test_spec {
    my ($asm) = @_;
    my %spec = (name => basename($asm, '.asm'), status => 33, args => [],
                output => [], no_output => [], report => 0, skip_error => [],
                timeout => $default_timeout);
    open my $fh, '<', $asm or die "$asm: $!\n";
    while (my $line = <$fh>) {
        last unless $line =~ /^\s*;/;
        next unless $line =~ /^\s*;\s*@([\w-]+)\s*(.*?)\s*$/;
        my ($key, $value) = ($1, $2);
        if ($key eq 'status') { $spec{status} = $value }
        elsif ($key eq 'args') { push @{$spec{args}}, split_words($value) }
        elsif ($key eq 'initrd') { push @{$spec{args}}, '-initrd', "$src_dir/$value" }
        elsif ($key eq 'output') { push @{$spec{output}}, $value }
        elsif ($key eq 'no-output') { push @{$spec{no_output}}, $value }
        elsif ($key eq 'report') { $spec{report} = 1 }
        elsif ($key eq 'timeout') { $spec{timeout} = $value }
        elsif ($key eq 'skip-error') { push @{$spec{skip_error}}, $value }
        else { die "$asm: unknown key \@$key\n" }
    }
    close $fh;
    $spec{timeout} = scaled_timeout($spec{timeout});
    my $stem = "$build/tests/guest/$spec{name}";
    $spec{binary} = $spec{name} =~ /-aout$/ ? "$stem.bin" : "$stem.elf";
    return \%spec;
}

# Every "REGS BEGIN ... REGS END" block of a COM1 transcript, one string.
sub register_reports {
    my ($out) = @_;
    my @blocks = $out =~ /(REGS BEGIN.*?REGS END)/gs;
    return join("\n", @blocks);
}

# ---------------------------------------------------------------- checks

# The stderr line that makes a failed run a skip (see @skip-error), or undef.
sub skip_reason {
    my ($spec, $r) = @_;
    for my $re (@{$spec->{skip_error}}) {
        my ($line) = grep { /$re/ } split /\n/, $r->{err};
        return $line if defined $line;
    }
    return undef;
}

# Why this run does not match the spec, or '' when it does.
sub check_run {
    my ($spec, $r) = @_;
    my @problems;
    my $end = describe_end($r);
    push @problems, "expected exit status $spec->{status}, got $end"
        unless defined $r->{status} && $r->{status} == $spec->{status};
    my @lines = split /\n/, $r->{out};
    for my $re (@{$spec->{output}}) {
        push @problems, "no COM1 line matches /$re/" unless grep { /$re/ } @lines;
    }
    for my $re (@{$spec->{no_output}}) {
        push @problems, "a COM1 line matches /$re/" if grep { /$re/ } @lines;
    }
    return join('; ', @problems);
}

# ---------------------------------------------------------------- main

my @asm = sort glob("$src_dir/*.asm");
my @specs = map { read_test_spec($_) } @asm;
my @backends = list_backends();
my @available = grep { $_->{available} } @backends;
my $nr_report_tests = grep { $_->{report} } @specs;
my $nasm = grep { -x "$_/nasm" } split /:/, $ENV{PATH} // '';

print "1..", @specs * @backends + $nr_report_tests, "\n";
print "# backends: ", join(', ', map { $_->{name} . ($_->{available} ? '' : ' (unavailable)') } @backends), "\n";

my $n = 0;
my %reports;    # test name -> backend name -> report text
for my $spec (@specs) {
    for my $backend (@backends) {
        $n++;
        my $label = "$spec->{name} [$backend->{name}]";
        if (!$backend->{available}) {
            print "ok $n - $label # SKIP $backend->{name} $backend->{reason}\n";
            next;
        }
        if (!-f $spec->{binary}) {
            if (!$nasm) {
                print "ok $n - $label # SKIP nasm not installed, guest tests not built\n";
            } else {
                print "not ok $n - $label\n# $spec->{binary} is missing (run make)\n";
            }
            next;
        }
        my @argv = ($tandem, '-accel', $backend->{name}, @common_args,
                    @{$spec->{args}}, '-kernel', $spec->{binary});
        my $r = run_with_timeout($spec->{timeout}, \@argv);
        $reports{$spec->{name}}{$backend->{name}} = register_reports($r->{out})
            if $spec->{report};
        my $problems = check_run($spec, $r);
        my $skip = $problems eq '' ? undef : skip_reason($spec, $r);
        if (defined $skip) {
            delete $reports{$spec->{name}}{$backend->{name}};
            print "ok $n - $label # SKIP $backend->{name} cannot run it here: $skip\n";
        } elsif ($problems eq '') {
            printf "ok %d - %s (%.2fs)\n", $n, $label, $r->{seconds};
        } else {
            print "not ok $n - $label\n";
            print "# $problems\n";
            print "# command: @argv\n";
            diag_lines('COM1', $r->{out}, 15);
            diag_lines('stderr', $r->{err}, 10);
        }
    }
}

# The differential part: the same guest must leave the same registers.
for my $spec (grep { $_->{report} } @specs) {
    $n++;
    my $label = "$spec->{name}: register reports identical across backends";
    my @ran = grep { exists $reports{$spec->{name}}{$_->{name}} } @available;
    if (@available < 2) {
        my $only = @available ? $available[0]{name} : 'none';
        print "ok $n - $label # SKIP needs two available backends, have one ($only)\n";
        next;
    }
    if (@ran < 2) {
        print "ok $n - $label # SKIP guest not built (nasm missing)\n" if !$nasm;
        print "not ok $n - $label\n# ran under fewer than two backends\n" if $nasm;
        next;
    }
    my $first = $ran[0]{name};
    my $expected = $reports{$spec->{name}}{$first};
    my @differences;
    if ($expected eq '') {
        push @differences, "no register report under $first";
    }
    for my $backend (@ran[1 .. $#ran]) {
        my $got = $reports{$spec->{name}}{$backend->{name}};
        next if $got eq $expected;
        if ($got eq '') {
            push @differences, "no register report under $backend->{name} (its run failed above)";
            next;
        }
        my @a = split /\n/, $expected;
        my @b = split /\n/, $got;
        my $max = @a > @b ? @a : @b;
        my $shown = 0;
        for my $i (0 .. $max - 1) {
            my ($x, $y) = ($a[$i] // '(none)', $b[$i] // '(none)');
            next if $x eq $y;
            push @differences, "report line " . ($i + 1) . ": $first: $x  $backend->{name}: $y";
            last if ++$shown == 10;
        }
    }
    if (@differences) {
        print "not ok $n - $label\n";
        print "# $_\n" for @differences;
    } else {
        print "ok $n - $label (", join(', ', map { $_->{name} } @ran), ")\n";
    }
}
