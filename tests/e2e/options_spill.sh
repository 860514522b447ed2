#!/bin/sh
# options_spill.sh - the findings spill past the memory budget (findings.h
# FND_MEMORY_BUDGET) also with --baseline, --write-baseline, --events and
# --partial: each reads the findings once, in
# order, or rewrites them through the temporary file, so every output is
# byte-identical to the run that keeps them in memory, at -j1 and -j2.  A
# finding dropped or moved by the spilled path changes the JSON and CSV
# reports, the partial (every finding in order) and the events (windowed
# verdicts).  DPFAUDIT_MEMORY_BUDGET=4096 is about ten findings; the
# samples give a few hundred.  Where the temporary file cannot be made the
# run is incomplete (exit 3), which also shows each option spills.
. "$(dirname "$0")/lib.sh"

S="$SRCDIR/samples/annotated"
mkdir -p "$T/tmp"

# A baseline of every other fingerprint of the samples (so some findings
# are suppressed and some not), and one entry no finding has (stale).
(cd "$T" && "$DPFAUDIT" scan --no-progress -r "$RULES" -q --write-baseline full.bl "$S"/* \
	>/dev/null 2>&1)
awk 'NR <= 2 || NR % 2' "$T/full.bl" >"$T/half.bl"
printf 'no-business-reason\tnobody\t0\temail\t\n' >>"$T/half.bl"
n=$(grep -vc '^#' "$T/full.bl")
if [ "$n" -gt 20 ]; then ok "the samples give $n fingerprints"; else bad "fingerprints" "$n"; fi

# scan DIR J [ENV=VALUE...] -- [OPTIONS...]: every sample, into DIR (lib.sh scan_in).
scan() {
	_sd=$1 _sj=$2
	shift 2
	scan_in "$_sd" "$_sj" "$@" "$S"/*
}

# same NAME DIR1 DIR2: every file of the two runs byte-identical (the JSON's
# command line names -j: left out).
same() {
	_diff=""
	for f in $(cd "$2" && ls); do
		case $f in *.cmp) continue ;; esac
		grep -v '^  "command": ' "$2/$f" >"$2/$f.cmp"
		grep -v '^  "command": ' "$3/$f" >"$3/$f.cmp" 2>/dev/null
		cmp -s "$2/$f.cmp" "$3/$f.cmp" || _diff="$_diff $f"
	done
	if [ -z "$_diff" ]; then ok "$1: $(cd "$2" && ls | grep -cv '\.cmp$') outputs byte-identical"; else
		bad "$1: differs:$_diff"; fi
}

REP="--report json:r.json --report csv:r.csv"
for opt in "--baseline $T/half.bl" "--write-baseline w.bl" "--events ev.jsonl" "--partial p.part" \
	"--baseline $T/half.bl --write-baseline w.bl --events ev.jsonl --partial p.part"; do
	name=$(echo "$opt" | sed "s#$T/##g")
	k=$(echo "$name" | tr -c 'a-z\n' '_')
	# shellcheck disable=SC2086
	scan "$T/$k.mem" 1 -- $opt $REP --fail-on high
	for j in 1 2; do
		# shellcheck disable=SC2086
		scan "$T/$k.sp$j" $j DPFAUDIT_MEMORY_BUDGET=4096 -- $opt $REP --fail-on high
		same "$name, spilled, -j$j" "$T/$k.mem" "$T/$k.sp$j"
	done
	# No temporary directory: the findings past the budget are not kept (exit 3).
	# shellcheck disable=SC2086
	scan "$T/$k.nodir" 2 DPFAUDIT_MEMORY_BUDGET=4096 TMPDIR="$T/missing" -- $opt $REP
	if [ "$(cat "$T/$k.nodir/rc")" = 3 ]; then ok "$name: no temporary directory: exit 3"; else
		bad "$name: no temporary directory" "exit $(cat "$T/$k.nodir/rc")"; fi
	expect_in "... the report says why" "$T/$k.nodir/r.json" 'no temporary file for the findings'
done
if [ -z "$(ls -A "$T/tmp")" ]; then ok "no temporary file left in TMPDIR"; else bad "TMPDIR not empty" "$(ls "$T/tmp")"; fi

# What the comparisons above rest on: the baseline suppressed some findings
# and left others, listed its stale entry, and the events carry windowed
# verdicts (known only from the findings list).
b=__baseline_half_bl
expect_in "the baseline suppresses findings" "$T/$b.sp2/r.json" '"suppressed": true'
expect_in "... not all of them" "$T/$b.sp2/r.json" '"suppressed": false'
expect_in "... and lists its stale entry" "$T/$b.sp2/r.json" 'nobody'
if cmp -s "$T/full.bl" "$T/__write_baseline_w_bl.sp2/w.bl"; then ok "--write-baseline spilled: the whole baseline"; else
	bad "--write-baseline spilled differs from the one written before"; fi
expect_in "the events carry windowed verdicts" "$T/__events_ev_jsonl.sp2/ev.jsonl" '"excessive-access"'

# The partials merge into the report of the in-memory run.
p=__partial_p_part
for d in mem sp1 sp2; do
	(cd "$T/$p.$d" && "$DPFAUDIT" merge -r "$RULES" --report json:m.json --report csv:m.csv p.part \
		>/dev/null 2>&1; echo $? >mrc)
done
same "merged partials, spilled" "$T/$p.mem" "$T/$p.sp2"
if [ -s "$T/$p.sp2/m.csv" ] && [ "$(grep -c '' "$T/$p.sp2/m.csv")" -gt 200 ]; then
	ok "... with every finding"; else bad "merged CSV" "$(grep -c '' "$T/$p.sp2/m.csv") rows"; fi

# A partial whose findings could not be kept says so, and its merge is exit 3.
(cd "$T/$p.nodir" && "$DPFAUDIT" merge -r "$RULES" --report json:m.json p.part >/dev/null 2>&1
echo $? >mrc)
if [ "$(cat "$T/$p.nodir/mrc")" = 3 ]; then ok "merge of a partial that lost findings: exit 3"; else
	bad "merge of a partial that lost findings" "exit $(cat "$T/$p.nodir/mrc")"; fi

# A file size limit (ulimit -f 0): every write to a temporary file fails
# (EFBIG: dpfaudit ignores SIGXFSZ rather than die of it), so does every
# output file; the run ends incomplete (exit 3) with the reason, no crash.
# Standard output and error go to a pipe, which the limit does not touch.
# The shell ignores SIGXFSZ too: ThreadSanitizer's runtime writes a file
# before main() and would die of the signal (groups_spill.sh checks, under
# a limit that leaves room for that, that dpfaudit ignores it by itself).
fsz() {
	{ (trap '' XFSZ && ulimit -f 0 && cd "$T" && DPFAUDIT_MEMORY_BUDGET=4096 TMPDIR="$T/tmp" "$DPFAUDIT" scan \
		--no-progress -r "$RULES" -q "$@" "$S"/*; echo "rc=$?") 2>&1; } | cat >"$T/fsz.out"
}
fsz --baseline "$T/half.bl"
expect_in "ulimit -f 0, --baseline: exit 3" "$T/fsz.out" "rc=3"
expect_in "... the baseline could not be applied" "$T/fsz.out" \
	"baseline: the findings could not be marked: temporary file: File too large"
fsz --write-baseline fsz.bl
expect_in "ulimit -f 0, --write-baseline: exit 3" "$T/fsz.out" "rc=3"
expect_in "... the baseline could not be written" "$T/fsz.out" \
	"fsz.bl: cannot write baseline: temporary file: File too large"
fsz --partial fsz.part
expect_in "ulimit -f 0, --partial: exit 3" "$T/fsz.out" "rc=3"
expect_in "... the partial could not be written" "$T/fsz.out" "fsz.part: write error: File too large"
if [ ! -e "$T/fsz.bl" ] && [ ! -e "$T/fsz.part" ]; then ok "... and neither file is left"; else
	bad "files left after ulimit -f 0" "$(ls "$T")"; fi

# merge: each partial's findings read into a list of a share of the budget,
# joined with their input indexes remapped (three shards) or moved (one
# partial), spilled past it; the reports, baseline and merged partial are
# those of the merge that keeps them in memory.
for i in 0 1 2; do scan "$T/shard$i" 2 -- --shard $i/3 --partial p.part; done
# merged DIR [ENV=VALUE...] -- PARTIAL...: merge into DIR with every output.
merged() {
	_md=$1
	shift
	_env=""
	while [ "$1" != "--" ]; do _env="$_env $1"; shift; done
	shift
	mkdir -p "$_md"
	# shellcheck disable=SC2086
	(cd "$_md" && env TMPDIR="$T/tmp" $_env "$DPFAUDIT" merge -r "$RULES" $REP --fail-on high \
		--baseline "$T/half.bl" --write-baseline w.bl --partial m.part "$@" >out 2>err
	echo $? >rc)
}
merged "$T/m.mem" -- "$T"/shard*/p.part
merged "$T/m.sp" DPFAUDIT_MEMORY_BUDGET=4096 -- "$T"/shard*/p.part
same "merge of 3 shards, spilled" "$T/m.mem" "$T/m.sp"
merged "$T/m1.mem" -- "$T/$p.mem/p.part"
merged "$T/m1.sp" DPFAUDIT_MEMORY_BUDGET=4096 -- "$T/$p.mem/p.part"
same "merge of one partial, spilled" "$T/m1.mem" "$T/m1.sp"
if [ "$(grep -c '' "$T/m.sp/r.csv")" -gt 200 ] && [ "$(cat "$T/m.sp/rc")" = 1 ]; then
	ok "... every finding, the gate failing (exit 1)"; else
	bad "merged" "$(grep -c '' "$T/m.sp/r.csv") rows, exit $(cat "$T/m.sp/rc")"; fi
merged "$T/m.nodir" DPFAUDIT_MEMORY_BUDGET=4096 TMPDIR="$T/missing" -- "$T"/shard*/p.part
if [ "$(cat "$T/m.nodir/rc")" = 3 ]; then ok "merge, no temporary directory: exit 3"; else
	bad "merge, no temporary directory" "exit $(cat "$T/m.nodir/rc")"; fi
expect_in "... the report says why" "$T/m.nodir/r.json" 'not kept reading the partial'
if [ -z "$(ls -A "$T/tmp")" ]; then ok "no temporary file left in TMPDIR"; else bad "TMPDIR not empty" "$(ls "$T/tmp")"; fi

finish
