#!/bin/sh
# memory.sh - bounded memory changes nothing in a report: the window records
# spilled to disk (DPFAUDIT_MEMORY_BUDGET forces a tiny budget) give
# byte-identical reports to the in-memory path, for scan and for the
# partial/merge path; and the windowed checks are exact on lines out of time
# order and on bursts that span the rotated files of one run.
. "$(dirname "$0")/lib.sh"

S="$SRCDIR/samples/annotated"
IN="$S/01-support-agents.log $S/04-excessive-access.log $S/05-failed-access-burst.log $S/06-generated-week.log.gz"

# reports DIR [ENV=VALUE]: every format of one scan of $IN into DIR.
reports() {
	_d=$1
	shift
	mkdir -p "$_d"
	# Relative report names: the command line the reports show is the same.
	# shellcheck disable=SC2086
	(cd "$_d" && env "$@" "$DPFAUDIT" scan --no-progress -r "$RULES" -j2 \
		--report text:r.txt --report json:r.json --report csv:r.csv \
		--report html:r.html --report sarif:r.sarif --report markdown:r.md \
		--report junit:r.xml $IN >/dev/null 2>err
	echo $? >rc)
}

reports "$T/mem"
reports "$T/spill" DPFAUDIT_MEMORY_BUDGET=4096
for f in rc r.txt r.json r.csv r.html r.sarif r.md r.xml; do
	if cmp -s "$T/mem/$f" "$T/spill/$f"; then
		ok "spilled windows: $f byte-identical to the in-memory run"
	else
		bad "spilled windows: $f differs" "$(diff "$T/mem/$f" "$T/spill/$f" | head -n 6 | tr '\n' '|')"
	fi
done
expect_in "the runs found windowed findings to compare" "$T/mem/r.csv" "excessive-access,"
expect_in "... and failed-access bursts" "$T/mem/r.csv" "failed-access-burst,"

# The windows' key partitions are judged on up to -j threads: spilled, on 1
# and 3 threads, the same JSON (but for the command line) and CSV.
for j in 1 3; do
	mkdir -p "$T/j$j"
	# shellcheck disable=SC2086
	(cd "$T/j$j" && DPFAUDIT_MEMORY_BUDGET=4096 "$DPFAUDIT" scan --no-progress -r "$RULES" -j$j \
		--report json:r.json --report csv:r.csv $IN >/dev/null 2>err; echo $? >rc)
	grep -v '^  "command": ' "$T/mem/r.json" >"$T/mem.json.cmp"
	grep -v '^  "command": ' "$T/j$j/r.json" >"$T/j$j.json.cmp"
	for f in rc r.csv; do
		if cmp -s "$T/mem/$f" "$T/j$j/$f"; then ok "spilled windows, -j$j: $f byte-identical"; else
			bad "spilled windows, -j$j: $f differs" "$(diff "$T/mem/$f" "$T/j$j/$f" | head -n 6 | tr '\n' '|')"; fi
	done
	if cmp -s "$T/mem.json.cmp" "$T/j$j.json.cmp"; then ok "spilled windows, -j$j: r.json the same"; else
		bad "spilled windows, -j$j: r.json differs" "$(diff "$T/mem.json.cmp" "$T/j$j.json.cmp" | head -n 6 | tr '\n' '|')"; fi
done

# The partial/merge path over spilled records gives the report of the same
# path in memory (merge.sh shows that path is the single run's report).
# partials DIR [ENV=VALUE]: two shards' partials merged into DIR/merged.json.
partials() {
	mkdir -p "$1"
	_d=$1
	shift
	env "$@" "$DPFAUDIT" scan --no-progress -r "$RULES" --partial "$_d/p1" \
		"$S/01-support-agents.log" "$S/04-excessive-access.log" 2>/dev/null
	env "$@" "$DPFAUDIT" scan --no-progress -r "$RULES" --partial "$_d/p2" \
		"$S/05-failed-access-burst.log" "$S/06-generated-week.log.gz" 2>/dev/null
	(cd "$_d" && env "$@" "$DPFAUDIT" merge -r "$RULES" --report json:merged.json p1 p2 >/dev/null 2>err)
}
partials "$T/pm"
partials "$T/ps" DPFAUDIT_MEMORY_BUDGET=4096
if cmp -s "$T/pm/merged.json" "$T/ps/merged.json"; then
	ok "merge of spilled partials: byte-identical to the merge in memory"
else
	bad "merge of spilled partials differs" "$(diff "$T/pm/merged.json" "$T/ps/merged.json" | head -n 6 | tr '\n' '|') $(head -3 "$T/ps/err")"
fi
expect_in "the merge judged the windows" "$T/ps/merged.json" '"check": "failed-access-burst"'

# Exact windows whatever the order of lines and files.  What a windowed
# finding is: check, user, time (its line moves with the line order).
win() { grep -E '^(excessive-access|failed-access-burst),' "$1" | cut -d, -f1,4,8 | sort; }
L="$T/l"
mkdir -p "$L"
for f in 04-excessive-access.log 05-failed-access-burst.log; do
	grep -v '^#' "$S/$f" | grep . >"$L/$f"
	"$DPFAUDIT" scan --no-progress -r "$RULES" --report csv:"$L/$f.ref.csv" "$L/$f" >/dev/null 2>&1
	win "$L/$f.ref.csv" >"$L/$f.ref"
	[ -s "$L/$f.ref" ] || bad "$f: the reference has windowed findings" "none"
	# Lines in reverse order: every line out of time order.
	awk '{ a[NR] = $0 } END { for (i = NR; i > 0; i--) print a[i] }' "$L/$f" >"$L/rev.log"
	DPFAUDIT_MEMORY_BUDGET=4096 "$DPFAUDIT" scan --no-progress -r "$RULES" \
		--report csv:"$L/rev.csv" "$L/rev.log" >/dev/null 2>&1
	win "$L/rev.csv" >"$L/rev"
	if cmp -s "$L/$f.ref" "$L/rev"; then ok "$f: lines in reverse order, same windowed findings"; else
		bad "$f: reversed lines change the windowed findings" "$(diff "$L/$f.ref" "$L/rev" | head -n 6 | tr '\n' '|')"; fi
	# Rotation: the older half in a .1 file, the newer in the live file, bursts spanning both.
	n=$(wc -l <"$L/$f")
	head -n $((n / 2)) "$L/$f" >"$L/rot.log.1"
	tail -n +$((n / 2 + 1)) "$L/$f" >"$L/rot.log"
	for j in 1 2; do
		DPFAUDIT_MEMORY_BUDGET=4096 "$DPFAUDIT" scan --no-progress -r "$RULES" -j$j \
			--report csv:"$L/rot.csv" "$L/rot.log" "$L/rot.log.1" >/dev/null 2>&1
		win "$L/rot.csv" >"$L/rot"
		if cmp -s "$L/$f.ref" "$L/rot"; then ok "$f: split into rotated files (-j$j), same windowed findings"; else
			bad "$f: rotation changes the windowed findings (-j$j)" "$(diff "$L/$f.ref" "$L/rot" | head -n 6 | tr '\n' '|')"; fi
	done
done

# The HTML report shows the 50 most severe groups of each check and counts
# the rest, naming where the full list is; JSON and CSV list every finding.
i=1
while [ $i -le 60 ]; do
	printf '203.0.113.9 - - [01/Dec/2026:10:%02d:00 +0000] "GET /api/v1/customers/%d/email HTTP/1.1" 200 71 "-" "curl/8.5.0"\n' \
		$((i % 60)) $((5000 + i))
	i=$((i + 1))
done >"$T/anon.log"
run scan --no-progress -r "$RULES" --report html:"$T/anon.html" --report csv:"$T/anon.csv" "$T/anon.log"
expect_rc "60 anonymous reads of 60 subjects" 0
n=$(grep -c '<section class="group"' "$T/anon.html")
if [ "$n" = 50 ]; then ok "the HTML report shows 50 groups of the check"; else bad "HTML groups shown" "$n, expected 50"; fi
expect_in "the rest is counted, with where the full list is" "$T/anon.html" \
	'10 more groups (10 findings) not shown here'
expect_in "... the JSON and CSV reports" "$T/anon.html" "The JSON and CSV reports list every finding"
n=$(grep -c '^unauthenticated-access,' "$T/anon.csv")
if [ "$n" = 60 ]; then ok "the CSV report lists all 60 findings"; else bad "CSV findings" "$n, expected 60"; fi

finish
