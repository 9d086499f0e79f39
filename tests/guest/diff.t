#!/usr/bin/perl
# tests/guest/diff.t: run the differential guests (tests/guest/diff-*.asm) under every backend, compare their cases (TAP).
#
# Each guest runs a table of CPL3 snippets in 64-bit and compatibility mode
# (tests/guest/diff.inc) and prints, per mode, a "BLOCK first-case hash" line
# for every 32 cases and a "FAULT case vector" line for every case that
# faulted.  The reference is kvm when it is available: CPL3 code runs on the
# host CPU there.  For each other backend and mode this script compares the
# block hashes; where they differ it runs both backends again with
# "-append diff=MODE:FIRST-LAST,..." so that the guests print those cases in
# full ("CASE n name | inputs | outputs"), and reports the cases whose
# outputs differ, the first ones field by field.
#
# Compatibility mode under the host kvm here is emulated by the host kernel,
# which lacks some instructions (x87, SSE, POPCNT, CRC32, MOVBE, ENTER with a
# nesting level, DAA, AAA, AAS: #UD) and gets a few wrong (@REF_UNRELIABLE_32).
# Such a case is checked instead against the reference's 64-bit result of
# the same case (same name, same inputs' low halves), where one exists;
# DAA/DAS/AAA/AAS/AAM/AAD, which have none, against the SDM's pseudo-code;
# the rest are counted as unverified.  Known differences that are not bugs
# of the backend under test (@KNOWN) are reported as TODO tests, and two
# artifacts of the host kvm's native CPL3 execution are allowed for (see
# reference_artifact here, F_IF in diff.inc).
#
# Environment: as guests.t (TANDEM_BUILD, TANDEM, TANDEM_TIMEOUT, TANDEM_ASAN);
# DIFF_GROUPS=alu,shift limits the groups run.

use strict;
use warnings;
no warnings 'portable';     # 64-bit hex() is fine here
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
my $PASS_STATUS = 33;
my $MAX_SHOWN = 5;         # differing cases shown field by field
my $MAX_RANGES = 200;      # beyond this, a rerun asks for the whole mode

my $n = 0;
sub tap_ok {
    my ($ok, $label, @diag) = @_;
    $n++;
    print(($ok ? "ok" : "not ok"), " $n - $label\n");
    print "# $_\n" for @diag;
}
sub tap_skip {
    my ($label, $why) = @_;
    $n++;
    print "ok $n - $label # SKIP $why\n";
}

# ---------------------------------------------------------------- running

# The header keys guests.t knows that matter here: @args and @timeout.
sub read_group {
    my ($asm) = @_;
    my %g = (asm => $asm, name => basename($asm, '.asm'), args => [],
             timeout => $default_timeout, runs => {}, cache => {});
    open my $fh, '<', $asm or die "$asm: $!\n";
    while (my $line = <$fh>) {
        last unless $line =~ /^\s*;/;
        next unless $line =~ /^\s*;\s*@([\w-]+)\s*(.*?)\s*$/;
        push @{$g{args}}, split_words($2) if $1 eq 'args';
        $g{timeout} = $2 if $1 eq 'timeout';
    }
    close $fh;
    $g{timeout} = scaled_timeout($g{timeout});
    $g{elf} = "$build/tests/guest/$g{name}.elf";
    return \%g;
}

# Run a group under a backend, with "diff=SPEC" on its command line if given;
# parsed output, cached.
sub run_group {
    my ($g, $backend, $spec) = @_;
    my $key = "$backend " . ($spec // '');
    return $g->{cache}{$key} if $g->{cache}{$key};
    my @argv = ($tandem, '-accel', $backend, @common_args, @{$g->{args}},
                '-kernel', $g->{elf});
    push @argv, '-append', "diff=$spec" if defined $spec;
    my $r = run_with_timeout($g->{timeout}, \@argv);
    my $run = { r => $r, argv => \@argv, sec => parse_output($r->{out}) };
    $g->{cache}{$key} = $run;
    return $run;
}

sub parse_output {
    my ($out) = @_;
    my (%sec, $cur);
    for my $line (split /\n/, $out) {
        if ($line =~ /^DIFF BEGIN (\S+) mode=(\d+) cases=(\d+) rsp=([0-9a-f]+) fp=(\d)/) {
            $cur = $sec{$2} = { group => $1, mode => $2, count => $3, rsp => hex($4),
                                fp => $5, blocks => {}, faults => {}, cases => {}, done => 0 };
        } elsif ($line =~ /^DIFF SKIP (\S+) mode=(\d+) (.*)$/) {
            $sec{$2} = { skip => $3 };
        } elsif ($line =~ /^DIFF END /) {
            $cur->{done} = 1 if $cur;
            undef $cur;
        } elsif (!$cur) {
            next;
        } elsif ($line =~ /^BLOCK (\d+) ([0-9a-f]+)$/) {
            $cur->{blocks}{$1} = $2;
        } elsif ($line =~ /^FAULT (\d+) ([0-9a-f]+)$/) {
            $cur->{faults}{$1} = hex $2;
        } elsif ($line =~ /^CASE (\d+) (.*?) \|(.*?) \|(.*)$/) {
            $cur->{cases}{$1} = { idx => $1, name => $2, in => trim($3), out => trim($4),
                                  inf => fields($3), outf => fields($4) };
            $cur->{faults}{$1} = hex $cur->{cases}{$1}{outf}{EXC} if exists $cur->{cases}{$1}{outf}{EXC};
        }
    }
    return \%sec;
}

sub trim { my ($s) = @_; $s =~ s/^\s+|\s+$//g; return $s }

sub fields {
    my ($s) = @_;
    my %f;
    for my $tok (split ' ', $s) {
        $f{$1} = $2 if $tok =~ /^([^=]+)=(.*)$/;
    }
    return \%f;
}

# "32:1-5,32:9" for a sorted list of case numbers.
sub spec_for {
    my ($mode, @cases) = @_;
    my @ranges;
    for my $c (sort { $a <=> $b } @cases) {
        if (@ranges && $ranges[-1][1] + 1 == $c) { $ranges[-1][1] = $c }
        else { push @ranges, [$c, $c] }
    }
    return "$mode:all" if @ranges > $MAX_RANGES;
    return join(',', map { $_->[0] == $_->[1] ? "$mode:$_->[0]" : "$mode:$_->[0]-$_->[1]" } @ranges);
}

# ---------------------------------------------------------------- reading cases

my @FLAG_NAMES = ([0, 'CF'], [2, 'PF'], [4, 'AF'], [6, 'ZF'], [7, 'SF'], [10, 'DF'], [11, 'OF'],
                  [16, 'RF']);
sub flag_names {
    my ($hex) = @_;
    my $v = hex $hex;
    my @set = map { $_->[1] } grep { $v & (1 << $_->[0]) } @FLAG_NAMES;
    return @set ? join(' ', @set) : 'none';
}

# Field by field, how the outputs of case a (backend an) and b (bn) differ.
sub describe_difference {
    my ($a, $an, $b, $bn) = @_;
    my %keys = map { $_ => 1 } (keys %{$a->{outf}}, keys %{$b->{outf}});
    my @lines;
    for my $k (sort keys %keys) {
        my ($x, $y) = ($a->{outf}{$k}, $b->{outf}{$k});
        next if defined $x && defined $y && $x eq $y;
        my @v = map { !defined $_ ? 'unchanged (or absent)'
                      : $k eq 'FL' ? "$_ (" . flag_names($_) . ")" : $_ } ($x, $y);
        push @lines, sprintf("    %-6s %s: %s   %s: %s", $k, $an, $v[0], $bn, $v[1]);
    }
    return @lines;
}

# A differing case, readable: inputs, both outputs, then field by field.
sub show_case {
    my ($mode, $a, $an, $b, $bn, $how) = @_;
    return ("  mode $mode case $b->{idx} $b->{name}" . ($how ? " ($how)" : ''),
            "    inputs: $b->{in}",
            "    $an: $a->{out}",
            "    $bn: $b->{out}",
            describe_difference($a, $an, $b, $bn));
}

# ---------------------------------------------------------------- cross-mode and models

my @GPR = qw(RAX RBX RCX RDX RSI RDI RBP RSP R8 R9 R10 R11 R12 R13 R14 R15);
my %GPR_INDEX = map { $GPR[$_] => $_ } 0 .. $#GPR;
my @E_NAME = qw(EAX EBX ECX EDX ESI EDI EBP ESP);

sub default_gpr {
    my ($sec, $i) = @_;
    return $sec->{rsp} if $i == 7;
    my $v = 0;
    $v = ($v << 8) | (0x10 + $i) for 1 .. 8;
    return $v;
}

# A 64-bit case's fields as compatibility mode would show them.
sub fields_as_32 {
    my ($sec, $f, $inputs) = @_;
    my %g;
    for my $k (keys %$f) {
        if (exists $GPR_INDEX{$k}) {
            my $i = $GPR_INDEX{$k};
            next if $i >= 8;
            my $v = hex($f->{$k}) & 0xffffffff;
            my $before = exists $inputs->{$k} ? hex($inputs->{$k}) : default_gpr($sec, $i);
            next if $v == ($before & 0xffffffff);
            $g{$E_NAME[$i]} = sprintf('%08x', $v);
        } elsif ($k =~ /^XMM(\d+)$/) {
            $g{$k} = $f->{$k} if $1 < 8;
        } elsif ($k ne 'AT') {     # instruction lengths differ between modes
            $g{$k} = $f->{$k};
        }
    }
    return \%g;
}

sub key_of { my ($name, $f) = @_; return join(' ', $name, map { "$_=$f->{$_}" } sort keys %$f) }

# Index the reference's 64-bit cases by name and inputs as compatibility mode shows them.
sub index_64 {
    my ($sec) = @_;
    my %ix;
    my %ambiguous;
    for my $c (values %{$sec->{cases}}) {
        my $key = key_of($c->{name}, fields_as_32($sec, $c->{inf}, {}));
        $ambiguous{$key} = 1 if exists $ix{$key} && $ix{$key}{out} ne $c->{out};
        $ix{$key} = $c if !exists $ix{$key} || $c->{idx} < $ix{$key}{idx};
    }
    delete @ix{keys %ambiguous};    # same name and inputs, different results: no twin
    return \%ix;
}

sub same_fields {
    my ($x, $y) = @_;
    return key_of('', $x) eq key_of('', $y);
}

# SDM vol. 2 pseudo-code of the BCD adjustments: expected output fields of a
# compatibility-mode case, or undef for other instructions.
sub bcd_model {
    my ($sec, $c) = @_;
    my ($op, $base) = $c->{name} =~ /^(daa|das|aaa|aas|aam|aad)(?:\.(\d+))?(?: #DE)?$/ or return undef;
    my $imm = $base // 10;
    my $eax_in = exists $c->{inf}{EAX} ? hex $c->{inf}{EAX} : default_gpr($sec, 0) & 0xffffffff;
    my $fl_in = hex $c->{inf}{FL};
    my ($al, $ah) = ($eax_in & 0xff, ($eax_in >> 8) & 0xff);
    my ($cf, $af) = ($fl_in & 1, ($fl_in >> 4) & 1);
    my ($defined, $ncf, $naf) = (0, $cf, $af);
    if ($op eq 'daa' || $op eq 'das') {
        my ($old_al, $old_cf) = ($al, $cf);
        $ncf = 0;
        if (($al & 0xf) > 9 || $af) {
            my $t = $op eq 'daa' ? $al + 6 : $al - 6;
            $ncf = $old_cf || $t > 0xff || $t < 0 ? 1 : 0;
            $al = $t & 0xff;
            $naf = 1;
        } else {
            $naf = 0;
        }
        if ($old_al > 0x99 || $old_cf) {
            $al = ($op eq 'daa' ? $al + 0x60 : $al - 0x60) & 0xff;
            $ncf = 1;
        } elsif ($op eq 'daa') {
            $ncf = 0;
        }
        $defined = 0x0d5;                         # CF PF AF ZF SF; OF undefined
    } elsif ($op eq 'aaa' || $op eq 'aas') {
        if (($al & 0xf) > 9 || $af) {
            if ($op eq 'aaa') {
                my $ax = (($ah << 8) | $al) + 0x106;
                ($al, $ah) = ($ax & 0xff, ($ax >> 8) & 0xff);
            } else {
                my $ax = ((($ah << 8) | $al) - 6) & 0xffff;
                ($al, $ah) = ($ax & 0xff, (($ax >> 8) - 1) & 0xff);
            }
            ($naf, $ncf) = (1, 1);
        } else {
            ($naf, $ncf) = (0, 0);
        }
        $al &= 0xf;
        $defined = 0x011;                         # CF AF
    } elsif ($op eq 'aam' && $imm == 0) {
        # #DE: nothing changes; the frame's flags are the input's, with RF.
        my $fl = ($fl_in | 0x10000) & ~0x200 & (0x0c4 | ~0x8d5);
        return { EXC => '00', ERR => '0000', FL => sprintf('%08x', $fl) };
    } elsif ($op eq 'aam') {
        ($ah, $al) = (int($al / $imm), $al % $imm);
        $defined = 0x0c4;                         # PF ZF SF
    } else {
        ($al, $ah) = (($al + $ah * $imm) & 0xff, 0);
        $defined = 0x0c4;
    }
    my %out;
    my $eax_out = ($eax_in & 0xffff0000) | ($ah << 8) | $al;
    $out{EAX} = sprintf('%08x', $eax_out) if $eax_out != $eax_in;
    my $st = ($ncf ? 1 : 0) | ($naf ? 0x10 : 0);
    $st |= 0x40 if $al == 0;
    $st |= 0x80 if $al & 0x80;
    my $ones = 0;
    $ones += ($al >> $_) & 1 for 0 .. 7;
    $st |= 0x4 if $ones % 2 == 0;
    my $fl = ($fl_in & ~(0x8d5 | 0x200)) | ($st & $defined);
    $out{FL} = sprintf('%08x', $fl);
    return \%out;
}

# The output fields a case's printed flags have, with the flags the model
# does not define cleared (the guest prints FL already masked).
sub model_check {
    my ($sec, $c) = @_;
    my $want = bcd_model($sec, $c) or return undef;
    my %got = %{$c->{outf}};
    delete $got{AT};
    return same_fields($want, \%got) ? 1 : 0;
}

# ---------------------------------------------------------------- comparing

sub section_ok {
    my ($s) = @_;
    return $s && ($s->{skip} || $s->{done});
}

# Differences that are not bugs of the backend under test: reported in a
# TODO test of their own, so that they show without failing the run.
my @KNOWN = (
);

# Cases whose compatibility-mode reference result is not the hardware's: the
# host kernel emulates that mode, and its emulator gets these wrong.  They
# are checked against the reference's 64-bit twin instead, like #UD cases.
my @REF_UNRELIABLE_32 = (
    [qr/^(?:lzcnt|tzcnt)\b/, "the host kernel's emulator runs LZCNT/TZCNT as BSR/BSF"],
    [qr/^enter\.w\b/, "the host kernel's emulator ignores ENTER's operand-size prefix"],
    [qr/#PF/, "the host kernel's emulator takes the #PF (REPE CMPS: flags of the finished iterations lost)"],
    [qr/^(?:daa|das|aaa|aas|aam|aad)\b(?!.*64-bit)/,
     "the host kernel emulates the BCD adjustments in software (DAA, AAA, AAS not at all)"],
);

# Where the reference itself is wrong in 64-bit mode too: the host kvm here
# runs CPL3 code natively but reports some #GP faults as #UD (those of
# instructions its kernel does not decode: ADDPS with a misaligned operand,
# LDMXCSR with reserved bits).  A case named "#GP" that the other backend
# ends with #GP, and the reference with #UD, is otherwise compared as usual.
sub reference_artifact {
    my ($rc, $oc) = @_;
    return undef unless $oc->{name} =~ /#GP/ && ($rc->{outf}{EXC} // '') eq '06'
                        && ($oc->{outf}{EXC} // '') eq '0d';
    my %r = %{$rc->{outf}};
    my %o = %{$oc->{outf}};
    $r{EXC} = '0d';
    delete $r{AT};
    delete $o{AT};
    return same_fields(\%r, \%o) ? "the host reports a #GP as #UD" : undef;
}

sub known_difference {
    my ($oth, $name) = @_;
    my ($k) = grep { $_->{backend} eq $oth && $name =~ $_->{name} } @KNOWN;
    return $k;
}

# The other backend's case $i, from a run that printed it.
sub other_case {
    my ($g, $oth, $mode, $i, @specs) = @_;
    for my $spec (@specs) {
        my $run = $g->{cache}{"$oth $spec"} or next;
        my $c = $run->{sec}{$mode} && $run->{sec}{$mode}{cases}{$i};
        return $c if $c;
    }
    return undef;
}

# The reference's 64-bit result for each of the compatibility-mode cases
# given (same name, same inputs as compatibility mode shows them), by case
# number.  The other backend's 64-bit lines are used where its 64-bit block
# hashes equal the reference's (so are its lines); the reference is asked
# only for the rest, in one run.
sub twins_64 {
    my ($g, $ref, $oth, @cases) = @_;
    my ($R64, $O64) = ($g->{runs}{$ref}{sec}{64}, $g->{runs}{$oth}{sec}{64});
    return {} unless $R64 && $O64 && $R64->{done} && $O64->{done};
    my $o64 = run_group($g, $oth, '64:all')->{sec}{64} or return {};
    my $ix = index_64($o64);
    my (%twin, %from_ref);
    for my $c (grep { defined } @cases) {
        my $t = $ix->{key_of($c->{name}, $c->{inf})} or next;
        my $b = $t->{idx} - $t->{idx} % 32;
        if (($R64->{blocks}{$b} // '') eq ($O64->{blocks}{$b} // '-')) { $twin{$c->{idx}} = $t }
        else { $from_ref{$c->{idx}} = $t->{idx} }
    }
    if (%from_ref) {
        my $r64 = run_group($g, $ref, spec_for(64, values %from_ref))->{sec}{64};
        for my $i (keys %from_ref) {
            my $t = $r64 && $r64->{cases}{$from_ref{$i}};
            $twin{$i} = $t if $t;
        }
    }
    return \%twin;
}

# Compare backend $oth with the reference $ref in $mode: one TAP line, and a
# TODO line for known differences.
sub compare_mode {
    my ($g, $mode, $ref, $oth) = @_;
    my $label = "$g->{name} mode=$mode: $oth matches $ref";
    my $R = $g->{runs}{$ref}{sec}{$mode};
    my $O = $g->{runs}{$oth}{sec}{$mode};
    return tap_ok(0, $label, "no complete mode-$mode section from $oth") unless section_ok($O);
    return tap_ok(0, $label, "no complete mode-$mode section from $ref") unless section_ok($R);
    if ($O->{skip}) {
        return tap_skip($label, "neither backend runs it: $O->{skip}") if $R->{skip};
        return tap_ok(0, $label, "$oth skipped it: $O->{skip}");
    }
    my (@bad, @todo, %cross, @notes, %artifacts);
    my $record = sub {          # a differing case: a failure, or a known difference
        my ($name, @lines) = @_;
        my $k = known_difference($oth, $name);
        if ($k) { push @todo, [$k->{why}, @lines] } else { push @bad, [@lines] }
    };
    my @other_specs;
    if ($R->{skip}) {
        return tap_ok(0, $label, "$ref skipped mode $mode: $R->{skip}") if $mode != 32;
        %cross = map { $_ => 1 } 0 .. $O->{count} - 1;
        push @notes, "$ref cannot run this mode ($R->{skip})";
    } else {
        return tap_ok(0, $label, "case counts differ: $ref $R->{count}, $oth $O->{count}")
            if $R->{count} != $O->{count};
        if ($mode == 32) {
            # What the reference cannot run (#UD) or runs wrongly in this mode.
            my @ud = grep { $R->{faults}{$_} == 6 } keys %{$R->{faults}};
            $cross{$_} = 1 for @ud;
            push @notes, scalar(@ud) . " cases #UD under $ref" if @ud;
            my $all = run_group($g, $oth, '32:all')->{sec}{32};
            push @other_specs, '32:all';
            my %why;
            for my $c ($all ? values %{$all->{cases}} : ()) {
                my ($u) = grep { $c->{name} =~ $_->[0] } @REF_UNRELIABLE_32 or next;
                $cross{$c->{idx}} = 1;
                $why{$u->[1]}++;
            }
            push @notes, "$why{$_} cases where $_" for sort keys %why;
        }
        my %blocks = map { $_ => 1 } (keys %{$R->{blocks}}, keys %{$O->{blocks}});
        my @diff_blocks = sort { $a <=> $b }
            grep { ($R->{blocks}{$_} // '') ne ($O->{blocks}{$_} // '') } keys %blocks;
        my %block_explained;
        my @cases = grep { !$cross{$_} }
            map { my $first = $_; grep { $_ < $O->{count} } $first .. $first + 31 } @diff_blocks;
        if (@cases) {
            my $spec = spec_for($mode, @cases);
            my $rv = run_group($g, $ref, $spec)->{sec}{$mode};
            run_group($g, $oth, $spec);
            unshift @other_specs, $spec;
            for my $i (@cases) {
                my ($rc, $oc) = ($rv && $rv->{cases}{$i}, other_case($g, $oth, $mode, $i, @other_specs));
                if (!$rc || !$oc) {
                    push @bad, ["  mode $mode case $i: missing from the rerun of " . (!$rc ? $ref : $oth)];
                    next;
                }
                next if $rc->{out} eq $oc->{out};
                $block_explained{$i - $i % 32} = 1;
                if (my $why = reference_artifact($rc, $oc)) {
                    $artifacts{$why}++;
                    next;
                }
                $record->($oc->{name}, show_case($mode, $rc, $ref, $oc, $oth));
            }
        }
        # A block whose hashes differ must hold a differing case, or one
        # checked another way; if not, one backend printed different lines
        # from one run to the next.
        for my $b (@diff_blocks) {
            next if $block_explained{$b} || grep { $cross{$_} } $b .. $b + 31;
            push @bad, ["  mode $mode block $b: the hashes differ but a rerun shows the same cases "
                        . "(output not deterministic?)"];
        }
    }
    my ($verified_64, $verified_model, @unverified) = (0, 0);
    if (%cross) {
        my @cross = sort { $a <=> $b } keys %cross;
        if (!grep { $_ eq '32:all' } @other_specs) {
            my $spec = spec_for($mode, @cross);
            run_group($g, $oth, $spec);
            push @other_specs, $spec;
        }
        my $twins = twins_64($g, $ref, $oth, map { other_case($g, $oth, $mode, $_, @other_specs) } @cross);
        for my $i (@cross) {
            my $oc = other_case($g, $oth, $mode, $i, @other_specs);
            if (!$oc) {
                push @bad, ["  mode $mode case $i: missing from the rerun of $oth"];
                next;
            }
            my $twin = $twins->{$i};
            if ($twin) {
                my $want = fields_as_32($g->{runs}{$ref}{sec}{64}, $twin->{outf}, $twin->{inf});
                my %got = %{$oc->{outf}};
                delete $got{AT};
                if (same_fields($want, \%got)) {
                    $verified_64++;
                } elsif (my $why = reference_artifact({ outf => $want }, $oc)) {
                    $artifacts{$why}++;
                } else {
                    my $as32 = { %$twin, out => join(' ', map { "$_=$want->{$_}" } sort keys %$want),
                                 outf => $want, idx => $i };
                    $record->($oc->{name}, show_case($mode, $as32, "$ref (64-bit, as 32)", $oc, $oth,
                                                     "checked against $ref\'s 64-bit case $twin->{idx}"));
                }
                next;
            }
            my $m = model_check($O, $oc);
            if (defined $m) {
                if ($m) { $verified_model++ }
                else {
                    my $want = bcd_model($O, $oc);
                    my $mc = { %$oc, out => join(' ', map { "$_=$want->{$_}" } sort keys %$want), outf => $want };
                    $record->($oc->{name}, show_case($mode, $mc, 'SDM model', $oc, $oth,
                                                     "checked against the SDM pseudo-code"));
                }
                next;
            }
            push @unverified, $oc->{name};
        }
    }
    push @notes, "$artifacts{$_} cases where $_ (checked against the SDM)" for sort keys %artifacts;
    push @notes, "$verified_64 checked against $ref\'s 64-bit results" if $verified_64;
    push @notes, "$verified_model checked against the SDM pseudo-code" if $verified_model;
    if (@unverified) {
        my %by; $by{$_}++ for @unverified;
        push @notes, scalar(@unverified) . " unverified (no reference): "
            . join(', ', map { "$_ x$by{$_}" } sort keys %by);
    }
    push @notes, scalar(@todo) . " known differences (TODO below)" if @todo;
    my $count = $O->{count};
    if (@bad) {
        my @diag = ("$count cases, " . scalar(@bad) . " differ" . (@notes ? " (" . join('; ', @notes) . ")" : ''));
        push @diag, @{$bad[$_]} for 0 .. ($#bad < $MAX_SHOWN - 1 ? $#bad : $MAX_SHOWN - 1);
        push @diag, "  ... and " . (@bad - $MAX_SHOWN) . " more" if @bad > $MAX_SHOWN;
        tap_ok(0, $label, @diag);
    } else {
        tap_ok(1, "$label ($count cases" . (@notes ? "; " . join('; ', @notes) : '') . ")");
    }
    if (@todo) {
        my %whys = map { $_->[0] => 1 } @todo;
        my @diag = map { "known: $_" } sort keys %whys;
        push @diag, @{$todo[$_]}[1 .. $#{$todo[$_]}] for 0 .. ($#todo < 1 ? $#todo : 1);
        $n++;
        print "not ok $n - $g->{name} mode=$mode: " . scalar(@todo) . " known differences of $oth # TODO see below\n";
        print "# $_\n" for @diag;
    }
}

# ---------------------------------------------------------------- main

my @asm = sort glob("$src_dir/diff-*.asm");
if ($ENV{DIFF_GROUPS}) {
    my %want = map { ("diff-$_" => 1) } split /,/, $ENV{DIFF_GROUPS};
    @asm = grep { $want{basename($_, '.asm')} } @asm;
}
my @backends = list_backends();
my @available = grep { $_->{available} } @backends;
my ($reference) = grep { $_->{name} eq 'kvm' } @available;
my $nasm = grep { -x "$_/nasm" } split /:/, $ENV{PATH} // '';
print "# backends: ", join(', ', map { $_->{name} . ($_->{available} ? '' : ' (unavailable)') } @backends),
      "; reference: ", ($reference ? $reference->{name} : 'none'), "\n";

for my $asm (@asm) {
    my $g = read_group($asm);
    if (!-f $g->{elf}) {
        if ($nasm) { tap_ok(0, "$g->{name}: built", "$g->{elf} is missing (run make)") }
        else { tap_skip("$g->{name}: built", "nasm not installed, guest tests not built") }
        next;
    }
    my %modes;
    for my $be (@available) {
        my $run = run_group($g, $be->{name}, undef);
        $g->{runs}{$be->{name}} = $run;
        my $r = $run->{r};
        my @sections = sort { $b <=> $a } keys %{$run->{sec}};
        $modes{$_} = 1 for @sections;
        my @problems;
        push @problems, "expected exit status $PASS_STATUS, got " . describe_end($r)
            unless defined $r->{status} && $r->{status} == $PASS_STATUS;
        push @problems, "no DIFF sections" unless @sections;
        push @problems, "mode-$_ section incomplete" for grep { !section_ok($run->{sec}{$_}) } @sections;
        my $label = sprintf("%s [%s]: ran (%.2fs; %s)", $g->{name}, $be->{name}, $r->{seconds},
                            join(', ', map { my $s = $run->{sec}{$_};
                                             "mode $_: " . ($s->{skip} ? 'skipped'
                                                 : "$s->{count} cases, " . scalar(keys %{$s->{faults}}) . " faulted") }
                                 @sections) || 'nothing');
        if (@problems) {
            tap_ok(0, $label, @problems, "command: @{$run->{argv}}");
            diag_lines('COM1', $r->{out}, 10);
            diag_lines('stderr', $r->{err}, 10);
        } else {
            tap_ok(1, $label);
        }
    }
    for my $be (grep { !$reference || $_->{name} ne $reference->{name} } @available) {
        for my $mode (sort { $b <=> $a } keys %modes) {
            my $label = "$g->{name} mode=$mode: $be->{name} matches the reference";
            if (!$reference) {
                tap_skip($label, "no reference backend (kvm) available");
                next;
            }
            compare_mode($g, $mode, $reference->{name}, $be->{name});
        }
    }
}
print "1..$n\n";
