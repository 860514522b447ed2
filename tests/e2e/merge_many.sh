#!/bin/sh
# merge_many.sh - `merge` of many partials holds one findings list and one
# window log whatever their number (SPEC §7): with a budget small enough
# that everything spills, 60 partials merge under a descriptor limit (20)
# that a temporary file per partial would exceed (it did before: exit 3,
# findings not kept), into the bytes of the merge
# in memory (every report format, and the exit status).  And a window
# record that cannot be spilled (no temporary directory, a file size
# limit) is named for what happened, in scan and in merge, exit 3.
. "$(dirname "$0")/lib.sh"

# ---- 60 shards, each with findings and window records -------------------
# Reads of e-mail addresses by an agent whose role has max-subjects: every
# read a window record, every other one without a ticket (a finding), 100
# lines a file, so every partial's findings pass a 4 KiB budget and the
# bursts span files.
N=60
RULES="$T/m.rules"
printf '%s\n' '[category email]' 'resource = ^/api/v1/customers/(?<subject>\d+)/email' \
	'[purpose support]' 'reason = ^TICKET-\d+$' \
	'[role support-agent]' 'members = mrossi' 'may-read = email' 'purposes = support' \
	'max-subjects = 200/1h' >"$RULES"
mkdir -p "$T/logs" "$T/parts" "$T/tmp"
awk 'BEGIN { for (i = 0; i < 6000; i++)
	printf "10.0.0.1 - mrossi [01/Dec/2026:%02d:%02d:%02d +0000] \"GET /api/v1/customers/%d/email%s HTTP/1.1\" 200 71 \"-\" \"curl/8.5.0\"\n",
		10 + int(i / 3600), int(i / 60) % 60, i % 60, 1000 + i, i % 2 ? "?reason=TICKET-" i : "" }' >"$T/all.log"
split -d -a 3 -l 100 "$T/all.log" "$T/logs/s."
i=0
while [ $i -lt $N ]; do
	"$DPFAUDIT" scan --no-progress -r "$RULES" --shard "$i/$N" --partial "$T/parts/p.$i" "$T/logs" 2>>"$T/scan.err" ||
		bad "scan of shard $i" "$(tail -n 2 "$T/scan.err")"
	i=$((i + 1))
done
[ "$(ls "$T/parts" | wc -l)" = $N ] && ok "$N partials made"

REPORTS="--report json:r.json --report csv:r.csv --report text:r.txt --report html:r.html
	--report sarif:r.sarif --report markdown:r.md --report junit:r.xml"
# merged DIR FDS [ENV=VALUE...]: merge every partial in DIR (at most FDS
# descriptors; relative partial names, so every command line is the same).
merged() {
	_d=$1 _fds=$2
	shift 2
	mkdir -p "$_d"
	# shellcheck disable=SC2086
	(cd "$T/parts" && ulimit -n "$_fds" && env TMPDIR="$T/tmp" "$@" "$DPFAUDIT" merge -r "$RULES" \
		--fail-on high $REPORTS $(ls | sort -t. -k2 -n) >"$_d/out" 2>"$_d/err"
	echo $? >"$_d/rc")
	for f in r.json r.csv r.txt r.html r.sarif r.md r.xml; do
		mv "$T/parts/$f" "$_d/" 2>/dev/null
	done
}

merged "$T/mem" 1024
if [ "$(cat "$T/mem/rc")" = 1 ] && grep -q '"check": "excessive-access"' "$T/mem/r.json" &&
	[ "$(grep -c 'no-business-reason' "$T/mem/r.csv")" = 3000 ]; then
	ok "merge in memory: exit 1 (--fail-on high), 3000 findings, windowed findings across shards"
else
	bad "merge in memory" "exit $(cat "$T/mem/rc"): $(head -n 3 "$T/mem/err")"
fi
# Everything spills (findings and window records past 4 KiB): one list and
# one log, so a few temporary files in all, not one or more per partial.
merged "$T/sp" 20 DPFAUDIT_MEMORY_BUDGET=4096
same=1
for f in out rc r.json r.csv r.txt r.html r.sarif r.md r.xml; do
	if ! cmp -s "$T/mem/$f" "$T/sp/$f"; then
		same=0
		bad "merge of $N spilled partials under ulimit -n 20: $f differs" \
			"$(diff "$T/mem/$f" "$T/sp/$f" 2>&1 | head -n 4 | tr '\n' '|')" "$(head -n 3 "$T/sp/err")"
	fi
done
[ $same = 1 ] && ok "merge of $N spilled partials under ulimit -n 20: every report byte-identical, same exit"
if [ ! -s "$T/sp/err" ]; then ok "... and nothing on stderr"; else bad "stderr of the spilled merge" "$(head -n 3 "$T/sp/err")"; fi
if [ -z "$(ls -A "$T/tmp")" ]; then ok "no temporary file left behind"; else bad "temporary files left" "$(ls "$T/tmp" | head -n 3)"; fi

# ---- every partial lists the whole run's paths: kept once, still checked ---
# (tests/unit/test_partial.c counts the paths kept: N, not N x N.)  With
# one shard missing, its input is named (exit 3); one given twice, or a
# partial that gives an input another path (its checksum recomputed, as an
# edit would), is refused (exit 2).
cd "$T/parts" || exit 1
# shellcheck disable=SC2046
run merge -r "$RULES" --report json:"$T/miss.json" $(ls | sort -t. -k2 -n | grep -vx 'p\.7')
expect_rc "merge of $((N - 1)) of $N shards: incomplete" 3
held=$(grep -c '^path	' p.0)
[ "$held" = $N ] || bad "each partial lists the run's $N paths" "$held"
miss=$(sed -n 's/^input	[0-9a-f]*	\([0-9]*\)	.*/\1/p' p.7)
expect_in "... naming the input no partial holds" "$T/miss.json" "not in any partial given to merge (input $miss of $N of run"
# shellcheck disable=SC2046
run merge -r "$RULES" $(ls | sort -t. -k2 -n) p.7
expect_rc "shard 7 given twice among $N" 2
expect_in "... the doubled input named" "$ERR" "is in two partials: p.7 and p.7"
# Input 0's path changed in p.1, its end record recomputed (lines, SHA-256).
sed '$d' p.1 | sed 's|^\(path	[0-9a-f]*	0	\).*|\1/elsewhere/s.000|' >"$T/edited.body"
printf 'end\t%s\t%s\n' "$(wc -l <"$T/edited.body" | tr -d ' ')" \
	"$(sha256sum "$T/edited.body" | cut -d' ' -f1)" | cat "$T/edited.body" - >"$T/edited.part"
line=$(grep -n '^path	[0-9a-f]*	0	' "$T/edited.part" | cut -d: -f1)
run merge -r "$RULES" p.0 "$T/edited.part" p.2
expect_rc "a partial whose run lists another path" 2
expect_in "... refused, naming the file, line and input" "$ERR" \
	"$T/edited.part:$line: run $(sed -n 's/^run	\([0-9a-f]*\)	.*/\1/p' p.0): input 0 has another path here than in a partial read before ('$T/logs/s.000')"
run merge -r "$RULES" "$T/edited.part" p.0
expect_rc "... whichever is read first" 2
expect_in "... the other one named" "$ERR" "p.0:$line: run"
cd "$T" || exit 1

# ---- a window record that cannot be spilled is named for what happened ----
# A log of reads that are all fine (a ticket each) but are window records
# (the role has max-subjects): thousands of them, no finding.
printf '%s\n' '[category email]' 'resource = ^/api/v1/customers/(?<subject>\d+)/email' \
	'[purpose support]' 'reason = ^TICKET-\d+$' \
	'[role support-agent]' 'members = mrossi' 'may-read = email' 'purposes = support' \
	'max-subjects = 100000/1h' >"$T/w.rules"
awk 'BEGIN { for (i = 0; i < 3000; i++)
	printf "10.0.0.1 - mrossi [01/Dec/2026:10:%02d:%02d +0000] \"GET /api/v1/customers/%d/email?reason=TICKET-%d HTTP/1.1\" 200 71 \"-\" \"curl/8.5.0\"\n", i / 60 % 60, i % 60, 1000 + i, i }' >"$T/w.log"
run scan --no-progress -r "$T/w.rules" --partial "$T/w.part" "$T/w.log"
expect_rc "the window log's partial" 0

# wfail NAME HOW WANT CMD...: CMD with a 4 KiB budget and HOW (nodir: TMPDIR
# that does not exist; fsize: ulimit -f 0, SIGXFSZ ignored so write fails)
# exits 3 and says WANT.
wfail() {
	_nm=$1 _how=$2 _want=$3
	shift 3
	if [ "$_how" = nodir ]; then
		(DPFAUDIT_MEMORY_BUDGET=4096 TMPDIR="$T/nonexistent" "$DPFAUDIT" "$@" >"$T/w.out" 2>"$T/w.err"
		echo $? >"$T/w.rc")
	else
		# Under the limit no regular file can be written: stderr goes through a
		# pipe, the exit status is taken from a second run.
		(trap '' XFSZ; ulimit -f 0; DPFAUDIT_MEMORY_BUDGET=4096 TMPDIR="$T/tmp" \
			exec "$DPFAUDIT" "$@" 2>&1 >/dev/null) | cat >"$T/w.err"
		(trap '' XFSZ; ulimit -f 0; DPFAUDIT_MEMORY_BUDGET=4096 TMPDIR="$T/tmp" \
			exec "$DPFAUDIT" "$@" >/dev/null 2>&1)
		echo $? >"$T/w.rc"
	fi
	if [ "$(cat "$T/w.rc")" = 3 ] && grep -qF -- "$_want" "$T/w.err"; then
		ok "$_nm: exit 3, '$_want'"
	else
		bad "$_nm" "exit $(cat "$T/w.rc"), wanted 3 and '$_want'" "$(head -n 3 "$T/w.err")"
	fi
	if grep -qF "window limit" "$T/w.err"; then bad "$_nm: names the window limit" "$(head -n 2 "$T/w.err")"; fi
}
SCAN_WHY="personal-data read(s) or denial(s) not kept for the windowed checks: temporary file for the window records"
wfail "scan, no temporary directory" nodir "$SCAN_WHY: No such file or directory" scan --no-progress -j1 -r "$T/w.rules" "$T/w.log"
wfail "scan, file size limit" fsize "$SCAN_WHY: File too large" scan --no-progress -j1 -r "$T/w.rules" "$T/w.log"
MERGE_WHY="window record(s) not kept reading or joining the partials: temporary file for the window records"
wfail "merge, no temporary directory" nodir "$MERGE_WHY: No such file or directory" merge -r "$T/w.rules" "$T/w.part"
wfail "merge, file size limit" fsize "$MERGE_WHY: File too large" merge -r "$T/w.rules" "$T/w.part"
# In memory the same merge is complete.
run merge -r "$T/w.rules" "$T/w.part"
expect_rc "the same merge within memory" 0

finish
