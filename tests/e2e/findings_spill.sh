#!/bin/sh
# findings_spill.sh - findings past the memory budget (findings.h
# FND_MEMORY_BUDGET) spill to an owner-only unlinked temporary file and the
# JSON and CSV reports are written streaming from it, byte-identical to the
# run that keeps every finding in memory; a spill that cannot be written is
# an incomplete run (exit 3), never a silent drop.  DPFAUDIT_MEMORY_BUDGET
# (a test setting, see the man page) forces a budget of 4096 bytes: about
# ten findings, where these samples give a few hundred.
. "$(dirname "$0")/lib.sh"

S="$SRCDIR/samples/annotated"
mkdir -p "$T/tmp"

# scan DIR J [ENV=VALUE...] -- [OPTIONS...]: JSON and CSV of every sample into DIR.
scan() {
	_sd=$1 _sj=$2
	shift 2
	scan_in "$_sd" "$_sj" "$@" --report json:r.json --report csv:r.csv "$S"/*
}

# same NAME DIR1 DIR2: rc, JSON and CSV byte-identical (but for the JSON's
# command line, which names -j and the reports asked for).
same() {
	for f in rc r.json r.csv; do
		grep -v '^  "command": ' "$2/$f" >"$2/$f.cmp"
		grep -v '^  "command": ' "$3/$f" >"$3/$f.cmp"
		if cmp -s "$2/$f.cmp" "$3/$f.cmp"; then ok "$1: $f byte-identical"; else
			bad "$1: $f differs" "$(diff "$2/$f.cmp" "$3/$f.cmp" | head -n 6 | tr '\n' '|')"; fi
	done
}

scan "$T/mem" 1 --
scan "$T/sp1" 1 DPFAUDIT_MEMORY_BUDGET=4096 --
scan "$T/sp2" 2 DPFAUDIT_MEMORY_BUDGET=4096 --
n=$(grep -c '' "$T/mem/r.csv")
if [ "$n" -gt 200 ]; then ok "the samples give $n CSV rows: far past 4096 bytes"; else bad "findings to spill" "$n rows"; fi
same "spilled findings -j1" "$T/mem" "$T/sp1"
same "spilled findings -j2" "$T/mem" "$T/sp2"
if [ -z "$(ls -A "$T/tmp")" ]; then ok "no temporary file left in TMPDIR"; else bad "TMPDIR not empty" "$(ls "$T/tmp")"; fi

# A text report at --detail high spills too (it streams every group's
# evidence, text_high_spill.sh); the JSON beside it is the same.
mkdir -p "$T/txt"
(cd "$T/txt" && DPFAUDIT_MEMORY_BUDGET=4096 "$DPFAUDIT" scan --no-progress -r "$RULES" -j2 \
	--detail high --report json:r.json --report csv:r.csv --report text:r.txt "$S"/* \
	>/dev/null 2>err; echo $? >rc)
same "with a text report at --detail high" "$T/sp2" "$T/txt"

# Every other format spills too: SARIF, HTML, Markdown, JUnit (with a gate,
# so JUnit lists failing findings), also beside a text report at --detail
# high, byte-identical to the in-memory run of the default budget.
for b in 16777216 4096; do
	mkdir -p "$T/fmt.$b"
	(cd "$T/fmt.$b" && env TMPDIR="$T/tmp" DPFAUDIT_MEMORY_BUDGET=$b "$DPFAUDIT" scan --no-progress \
		-r "$RULES" -j2 --fail-on high --report sarif:r.sarif --report html:r.html \
		--report markdown:r.md --report junit:r.xml "$S"/* >/dev/null 2>&1)
done
mkdir -p "$T/fmt.high"
(cd "$T/fmt.high" && env TMPDIR="$T/tmp" DPFAUDIT_MEMORY_BUDGET=4096 "$DPFAUDIT" scan --no-progress \
	-r "$RULES" -j2 --fail-on high --report sarif:r.sarif --report html:r.html \
	--report markdown:r.md --report junit:r.xml --detail high --report text:r.txt \
	"$S"/* >/dev/null 2>&1)
expect_in "the JUnit report lists failing findings" "$T/fmt.4096/r.xml" '<failure message="'
for f in r.sarif r.html r.md r.xml; do
	for d in 4096 high; do
		grep -v -e '"commandLine"' -e 'dpfaudit scan' "$T/fmt.16777216/$f" >"$T/a.cmp"
		grep -v -e '"commandLine"' -e 'dpfaudit scan' "$T/fmt.$d/$f" >"$T/b.cmp"
		if [ -s "$T/a.cmp" ] && cmp -s "$T/a.cmp" "$T/b.cmp"; then ok "$f ($d): byte-identical to the in-memory run"; else
			bad "$f ($d) differs from the in-memory run" "$(diff "$T/a.cmp" "$T/b.cmp" | head -n 6 | tr '\n' '|')"; fi
	done
done

# The text report below --detail high (the default on standard output)
# spills too: its groups' evidence is fetched from the temporary file.
for d in medium low; do
	for b in 16777216 4096; do	# the default budget: the samples stay in memory
		env TMPDIR="$T/tmp" DPFAUDIT_MEMORY_BUDGET=$b \
			"$DPFAUDIT" scan --no-progress -r "$RULES" -j2 --fail-on medium --detail $d "$S"/* \
			>"$T/text.$d.$b" 2>/dev/null
	done
	if cmp -s "$T/text.$d.16777216" "$T/text.$d.4096"; then ok "text --detail $d: spilled byte-identical"; else
		bad "text --detail $d differs when spilled" "$(diff "$T/text.$d.16777216" "$T/text.$d.4096" | head -n 6 | tr '\n' '|')"; fi
done
expect_in "the text report shows evidence and the gate" "$T/text.medium.4096" "Gate (--fail-on medium): FAILED"
expect_in "... and more evidence than it shows" "$T/text.medium.4096" "... and "

# Filters and the gate: applied while the spilled findings are read.
scan "$T/fm" 2 -- --category email --fail-on high
scan "$T/fs" 2 DPFAUDIT_MEMORY_BUDGET=4096 -- --category email --fail-on high
same "spilled findings, filtered, --fail-on high" "$T/fm" "$T/fs"
expect_in "the filter left findings out" "$T/fs/r.json" '"findings_filtered_out": '
if grep -q '"findings_filtered_out": 0,' "$T/fs/r.json"; then bad "the filter left nothing out"; else ok "... some"; fi
if [ "$(cat "$T/fs/rc")" = 1 ]; then ok "--fail-on high fails the spilled run (exit 1)"; else bad "gate" "exit $(cat "$T/fs/rc")"; fi

# The gate takes its counts from the reports' summary (outcome.h
# out_counts), not from one more reading of the spilled findings: findings
# the baseline suppresses do not fail it, the others do, spilled or not.
(cd "$T" && "$DPFAUDIT" scan --no-progress -r "$RULES" --write-baseline bl.txt "$S"/* >/dev/null 2>&1)
for b in 16777216 4096; do
	scan "$T/gate$b" 1 DPFAUDIT_MEMORY_BUDGET=$b -- --fail-on critical
	scan "$T/gbl$b" 2 DPFAUDIT_MEMORY_BUDGET=$b -- --baseline "$T/bl.txt" --fail-on low
	if [ "$(cat "$T/gate$b/rc")" = 1 ]; then ok "budget $b: a critical finding fails --fail-on critical"; else
		bad "budget $b: gate" "exit $(cat "$T/gate$b/rc")"; fi
	if [ "$(cat "$T/gbl$b/rc")" = 0 ]; then ok "budget $b: every finding suppressed: --fail-on low passes"; else
		bad "budget $b: gate with baseline" "exit $(cat "$T/gbl$b/rc")"; fi
done

# No temporary file possible: the findings past the budget are not kept,
# and the run says so (incomplete, exit 3), with the reports of what was kept.
scan "$T/nodir" 2 DPFAUDIT_MEMORY_BUDGET=4096 TMPDIR="$T/missing" --
if [ "$(cat "$T/nodir/rc")" = 3 ]; then ok "no temporary directory: incomplete (exit 3)"; else bad "no TMPDIR" "exit $(cat "$T/nodir/rc")"; fi
expect_in "... the JSON report is written and says it is not complete" "$T/nodir/r.json" '"complete": false'
expect_in "... and why" "$T/nodir/r.json" 'not kept: out of memory, or no temporary file'
n=$(grep -c '' "$T/nodir/r.csv")
if [ "$n" -gt 2 ]; then ok "... the CSV report lists what was kept ($n rows)"; else bad "CSV of what was kept" "$n rows"; fi

finish
