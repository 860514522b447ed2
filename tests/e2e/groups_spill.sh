#!/bin/sh
# groups_spill.sh - the findings' groups past the memory budget spill too
# (groups.h): every report format is byte-identical to the run that keeps
# them in memory, at -j1 and -j2, for thousands of one-finding groups, two
# groups of 10,000 members (more than the members file's write buffer and
# any piece a writer reads) and groups of a few dozen; and a temporary file
# that cannot grow ends the run as incomplete, with a message, never a kill.
# DPFAUDIT_MEMORY_BUDGET=4096 (a test setting, see the man page) makes the
# findings and their groups spill at once; 65536 after a few hundred groups.
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/tmp"
LOG="$T/groups.log"
# 8,000 anonymous reads of distinct customers (a group each), 20,000 of two
# customers (two big groups), 2,000 by 50 users no role has of 3 customers
# (150 groups of 13 or 14);
# times repeat (ties) and run over a day.
awk 'BEGIN { for (i = 0; i < 30000; i++) {
	s = int(i / 3) % 86400
	if (i < 8000) { u = "-"; c = 100000 + i }
	else if (i < 28000) { u = "-"; c = 7 + i % 2 }
	else { u = "nobody" (i % 50); c = 4000 + i % 3 }
	printf "203.0.113.%d - %s [01/Dec/2026:%02d:%02d:%02d +0000] \"GET /api/v1/customers/%d/email HTTP/1.1\" 200 71 \"-\" \"curl/8.5.0\"\n",
		i % 250, u, int(s / 3600), int(s % 3600 / 60), s % 60, c } }' >"$LOG"

# reports DIR J [ENV=VALUE...]: every format into DIR (relative names: the same command line).
reports() {
	_d=$1 _j=$2
	shift 2
	mkdir -p "$_d"
	(cd "$_d" && env TMPDIR="$T/tmp" "$@" "$DPFAUDIT" scan --no-progress -r "$RULES" -j"$_j" \
		--fail-on high --report text:r.txt --report json:r.json --report csv:r.csv \
		--report html:r.html --report sarif:r.sarif --report markdown:r.md \
		--report junit:r.xml "$LOG" >/dev/null 2>err
	echo $? >rc)
}

for j in 1 2; do
	reports "$T/mem$j" $j X=1
	for b in 65536 4096; do
		reports "$T/sp$j.$b" $j DPFAUDIT_MEMORY_BUDGET=$b
		expect_same "-j$j, budget $b" "$T/mem$j" "$T/sp$j.$b" rc r.txt r.json r.csv r.html r.sarif r.md r.xml
	done
done
if [ -z "$(ls -A "$T/tmp")" ]; then ok "no temporary file left in TMPDIR"; else bad "TMPDIR not empty" "$(ls "$T/tmp")"; fi

# What the runs compared: the groups are there, and the short reports show a few of them.
expect_in "the JSON report has the 8,152 groups" "$T/mem1/r.json" '"groups": 8152,'
expect_in "... a group of 10,000 members" "$T/mem1/r.json" '"count": 10000,'
expect_in "the HTML report shows 50 groups of a check and counts the rest" "$T/mem1/r.html" \
	'7952 more groups (27950 findings) not shown here'
expect_in "the text report shows the most severe groups" "$T/mem1/r.txt" '... and 8132 more groups'
expect_in "... and the gate lists every failing group" "$T/mem1/r.txt" '10000 x unauthenticated-access [critical]'
n=$(grep -c ' x unauthenticated-access \[critical\] user' "$T/sp1.4096/r.txt")
if [ "$n" = 8002 ]; then ok "the spilled gate lists all 8002 groups of the check"; else bad "gate lines" "$n"; fi

# A temporary file that cannot grow (ulimit -f: 64 blocks): the run is
# incomplete (exit 3) and says why; it is not killed by SIGXFSZ.
(cd "$T" && ulimit -f 64 && DPFAUDIT_MEMORY_BUDGET=4096 TMPDIR="$T/tmp" "$DPFAUDIT" scan --no-progress \
	-r "$RULES" --report markdown:lim.md "$LOG" >/dev/null 2>lim.err; echo $? >lim.rc)
if [ "$(cat "$T/lim.rc")" = 3 ]; then ok "file size limit: incomplete (exit 3)"; else
	bad "file size limit" "exit $(cat "$T/lim.rc"): $(head -c 300 "$T/lim.err")"; fi
expect_in "... with a message" "$T/lim.err" "lim.md: not written: the findings could not be summarized (counts, rankings, groups): File too large"

finish
