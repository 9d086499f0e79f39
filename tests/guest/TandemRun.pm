# tests/guest/TandemRun.pm: what the TAP scripts share: find tandem, list its backends, run it with a time limit.
package TandemRun;

use strict;
use warnings;
use Exporter qw(import);
use File::Temp qw(tempdir);
use POSIX qw(WNOHANG);
use Time::HiRes qw(time sleep);

our @EXPORT_OK = qw(tandem_build tandem_binary list_backends run_with_timeout
                    describe_end diag_lines split_words slurp scaled_timeout);

my $tmp;     # made on first use, removed at exit

# $TANDEM_BUILD (default "build"): where tandem and the built tests are.
sub tandem_build { return $ENV{TANDEM_BUILD} // 'build' }

# $TANDEM overrides the binary (e.g. a wrapper); else $TANDEM_BUILD/tandem.
sub tandem_binary { return $ENV{TANDEM} // tandem_build() . '/tandem' }

# A time limit in seconds, tripled under a sanitizer build (TANDEM_ASAN=1).
sub scaled_timeout {
    my ($seconds) = @_;
    return $ENV{TANDEM_ASAN} ? 3 * $seconds : $seconds;
}

sub slurp {
    my ($path) = @_;
    open my $fh, '<', $path or return '';
    local $/;
    my $text = <$fh>;
    return $text // '';
}

# Split 'a -b "c d"' into words; double quotes group, and are removed.
sub split_words {
    my ($s) = @_;
    my @words;
    while ($s =~ /\G\s*(?:"([^"]*)"|(\S+))/gc) {
        push @words, defined $1 ? $1 : $2;
    }
    return @words;
}

# Run argv in its own process group, stdin from /dev/null, killed after
# $timeout seconds.  Returns { status (undef unless it exited), signal,
# timed_out, out, err (CRs removed from out), seconds }.  With a callback,
# it is called about every 50 ms with the output so far; a true return
# value ends the run early (as a timeout does, but not counted as one).
sub run_with_timeout {
    my ($timeout, $argv, $watch) = @_;
    $tmp //= tempdir('tandem-test-XXXXXX', TMPDIR => 1, CLEANUP => 1);
    my ($out_file, $err_file) = ("$tmp/stdout", "$tmp/stderr");
    my $start = time;
    my $pid = fork // die "fork: $!\n";
    if ($pid == 0) {
        setpgrp(0, 0);
        open STDIN, '<', '/dev/null';
        open STDOUT, '>', $out_file;
        open STDERR, '>', $err_file;
        exec { $argv->[0] } @$argv or print STDERR "exec $argv->[0]: $!\n";
        POSIX::_exit(127);
    }
    my ($timed_out, $stopped, $wait_status) = (0, 0, undef);
    while (1) {
        my $r = waitpid($pid, WNOHANG);
        if ($r == $pid) { $wait_status = $?; last }
        $stopped = 1 if $watch && $watch->(slurp($out_file));
        $timed_out = 1 if !$stopped && time - $start > $timeout;
        if ($stopped || $timed_out) {
            kill 'KILL', -$pid;
            waitpid($pid, 0);
            $wait_status = $?;
            last;
        }
        sleep 0.05;
    }
    my %r = (timed_out => $timed_out, stopped => $stopped,
             seconds => time - $start,
             out => slurp($out_file), err => slurp($err_file));
    $r{out} =~ s/\r//g;
    if (!$timed_out && !$stopped) {
        if ($wait_status & 127) { $r{signal} = $wait_status & 127 }
        else { $r{status} = $wait_status >> 8 }
    }
    return \%r;
}

sub describe_end {
    my ($r) = @_;
    return "timed out after " . int($r->{seconds}) . "s" if $r->{timed_out};
    return "stopped by the test" if $r->{stopped};
    return "killed by signal $r->{signal}" if defined $r->{signal};
    return "exit status $r->{status}";
}

# Print the last $max lines of $text as TAP comments.
sub diag_lines {
    my ($label, $text, $max) = @_;
    my @lines = split /\n/, $text;
    @lines = @lines[-$max .. -1] if @lines > $max;
    print "# $label: $_\n" for @lines;
}

# `tandem -accel help`: ({ name, available, reason }, ...) in its order.
# Dies with a TAP "Bail out!" when tandem is missing or says nothing useful.
sub list_backends {
    my $tandem = tandem_binary();
    die "Bail out! no tandem binary at $tandem (build it, or set TANDEM_BUILD)\n"
        unless -x $tandem;
    my $r = run_with_timeout(30, [$tandem, '-accel', 'help']);
    die "Bail out! '$tandem -accel help' failed: " . describe_end($r) . "\n"
        unless defined $r->{status} && $r->{status} == 0;
    my @backends;
    for my $line (split /\n/, $r->{out}) {
        next unless $line =~ /^(\w+):\s*(available|unavailable)(?::\s*(.*))?$/;
        push @backends, { name => $1, available => $2 eq 'available',
                          reason => $3 // 'unavailable' };
    }
    die "Bail out! '$tandem -accel help' listed no backends\n" unless @backends;
    return @backends;
}

1;
