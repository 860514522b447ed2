#!/bin/sh
# text_high_spill.sh - the text report at --detail high (every group with
# its evidence) is written from spilled findings in bounded memory
# (report.h rep_stream): byte-identical to the run that keeps everything in
# memory, at -j1 and -j2, with groups spilled or not, so a finding shown in
# the wrong group or place, or dropped, fails it.  The log has thousands of
# one-finding groups, two groups of 3,000, groups whose first members the
# baseline suppresses (skipped, then "... and N more") and groups it
# suppresses whole (not listed).  DPFAUDIT_MEMORY_BUDGET (a test setting,
# see the man page): 4096 spills the findings and their groups at once,
# 65536 the findings at once and the groups after a few hundred.
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/tmp"
LOG="$T/high.log"
# 3,000 anonymous reads of distinct customers, 6,000 of two customers,
# 1,200 by 30 users no role has (a customer each), every 4th with the reason
# the baseline suppresses, 200 by 10 users with only that reason.
awk 'BEGIN { for (i = 0; i < 10400; i++) {
	s = int(i / 3) % 86400; q = ""
	if (i < 3000) { u = "-"; c = 100000 + i }
	else if (i < 9000) { u = "-"; c = 7 + i % 2 }
	else if (i < 10200) { u = "nobody" (i % 30); c = 4000 + i % 2; q = i % 4 == 0 ? "?reason=known0" : "?reason=new1" }
	else { u = "ghost" (i % 10); c = 4000 + i % 2; q = "?reason=known0" }
	printf "203.0.113.%d - %s [01/Dec/2026:%02d:%02d:%02d +0000] \"GET /api/v1/customers/%d/email%s HTTP/1.1\" 200 71 \"-\" \"curl/8.5.0\"\n",
		i % 250, u, int(s / 3600), int(s % 3600 / 60), s % 60, c, q } }' >"$LOG"
"$DPFAUDIT" scan --no-progress -r "$RULES" --write-baseline "$T/all.bl" "$LOG" >/dev/null 2>&1
grep known0 "$T/all.bl" >"$T/known.bl"

# text DIR J [ENV=VALUE...]: the --detail high text report into DIR (the same command line each time).
text() {
	_d=$1 _j=$2
	shift 2
	mkdir -p "$_d"
	(cd "$_d" && env TMPDIR="$T/tmp" "$@" "$DPFAUDIT" scan --no-progress -r "$RULES" -j"$_j" \
		--baseline "$T/known.bl" --detail high --report text:r.txt "$LOG" >/dev/null 2>err
	echo $? >rc)
}

for j in 1 2; do
	text "$T/mem$j" $j X=1
	for b in 65536 4096; do
		text "$T/sp$j.$b" $j DPFAUDIT_MEMORY_BUDGET=$b
		expect_same "-j$j, budget $b" "$T/mem$j" "$T/sp$j.$b" rc r.txt
	done
done
if [ -z "$(ls -A "$T/tmp")" ]; then ok "no temporary file left in TMPDIR"; else bad "TMPDIR not empty" "$(ls "$T/tmp")"; fi

# What the runs compared: every live group with its evidence.
n=$(grep -c '^  \[' "$T/sp2.4096/r.txt")
if [ "$n" = 3032 ]; then ok "the spilled report lists all 3032 live groups"; else bad "groups listed" "$n"; fi
expect_in "... the number it says" "$T/sp2.4096/r.txt" "Findings (9900 in 3032 groups)"
expect_in "... a group of 3,000 with 3 lines of evidence and the rest counted" "$T/sp2.4096/r.txt" \
	"      ... and 2997 more"
if grep -q 'reason=known0' "$T/sp2.4096/r.txt"; then bad "a suppressed finding shown as evidence"; else
	ok "no suppressed finding shown as evidence"; fi
if grep -q 'user ghost' "$T/sp2.4096/r.txt"; then bad "a group suppressed whole is listed"; else
	ok "groups suppressed whole are not listed"; fi
n=$(grep -c 'reason=new1' "$T/sp2.4096/r.txt")
if [ "$n" = 90 ]; then ok "3 lines of evidence for each of the 30 partly suppressed groups"; else bad "evidence lines" "$n"; fi

finish
