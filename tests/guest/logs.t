#!/usr/bin/perl
# tests/guest/logs.t: -d in_asm and -d mmu under interp write what they promise to the -D file (TAP).
#
# Runs the long-mode guest (tests/guest/longmode.asm: paging on, 2M pages)
# with -d in_asm,mmu -D FILE and checks that the guest still passes, that
# FILE holds capstone's disassembly of the decoded blocks, the soft MMU's
# page walks with their results, and the per-vCPU counters at exit.

use strict;
use warnings;
use File::Basename qw(dirname);
use File::Spec;
use File::Temp qw(tempdir);
use lib dirname(File::Spec->rel2abs(__FILE__));
use TandemRun qw(tandem_build tandem_binary run_with_timeout describe_end diag_lines slurp
                 scaled_timeout);

my $guest = tandem_build() . '/tests/guest/longmode.elf';
print "1..4\n";
if (!-f $guest) {
    print "ok $_ - logs # SKIP $guest not built (nasm missing)\n" for 1 .. 4;
    exit 0;
}
my $dir = tempdir('tandem-logs-XXXXXX', TMPDIR => 1, CLEANUP => 1);
my $log = "$dir/log";
my @argv = (tandem_binary(), '-accel', 'interp', '-nographic', '-no-reboot',
            '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x4',
            '-d', 'in_asm,mmu', '-D', $log, '-kernel', $guest);
my $r = run_with_timeout(scaled_timeout(60), \@argv);
my $text = slurp($log);

my $n = 0;
sub check {
    my ($ok, $label, @diag) = @_;
    $n++;
    print(($ok ? "ok" : "not ok"), " $n - $label\n");
    print "# $_\n" for $ok ? () : @diag;
}

check(defined $r->{status} && $r->{status} == 33 && $r->{out} =~ /PASS/,
      'the guest passes with logging on', 'ended: ' . describe_end($r), "stdout: $r->{out}");
check($text =~ /^IN:\n0x[0-9a-f]{16}:  \S+/m && $text =~ /^0x[0-9a-f]+:  mov /m,
      '-d in_asm: each new block, disassembled', 'log starts: ' . substr($text, 0, 300));
check($text =~ /^mmu: walk (read|write|fetch) 0x[0-9a-f]+ \(idx \d\) -> 0x[0-9a-f]+, 21-bit page/m,
      '-d mmu: page walks with their results (2M pages)', 'no walk line');
check($text =~ /^mmu: vcpu0 TLB hits [1-9]\d* misses \d+ walks [1-9]\d* faults \d+ flushes \d+/m,
      '-d mmu: the counters at exit', 'no counter line');
