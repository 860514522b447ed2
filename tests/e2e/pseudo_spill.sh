#!/bin/sh
# pseudo_spill.sh - with --pseudonymize the findings spill past the memory
# budget too (findings.h fnd_rewrite): the spilled list is rewritten once
# through a temporary file in its own order (that of the real ids, as
# sorted), so every report format, the --events export and merge's reports
# are byte-identical to the run that keeps the findings in memory, at -j1
# and -j2.  DPFAUDIT_MEMORY_BUDGET=4096 is about ten findings; the samples
# give a few hundred.  A finding dropped or moved shows in the diff; the
# order is also checked against the run without --pseudonymize.  Where the
# temporary file cannot be made the run is incomplete (exit 3), says why,
# and no output names a real user.  The ids the text is searched for spill
# too: a log of 60,000 users and 60,000 subjects, each read once, costs the
# pseudonymised scan little more memory than the plain one (the maps of
# every id in memory, per thread and for the run, cost over 60 MB more),
# and no report names one of them; where they cannot be written to their
# temporary file, no report is written.
. "$(dirname "$0")/lib.sh"

S="$SRCDIR/samples/annotated"
printf 'pseudo_spill.sh test key, not a secret\n' >"$T/key"
REP="--report text:r.txt --report json:r.json --report html:r.html --report sarif:r.sarif"
REP="$REP --report junit:r.xml --report csv:r.csv --report markdown:r.md"
FILES="r.txt r.json r.html r.sarif r.xml r.csv r.md ev.jsonl"

# scan DIR J [ENV=VALUE...] -- [OPTIONS...]: every sample, into DIR (lib.sh scan_in).
scan() {
	_sd=$1 _sj=$2
	shift 2
	scan_in "$_sd" "$_sj" "$@" "$S"/*
}

# order CSV: each finding's check, file and line, in report order.
order() {
	cut -d, -f1 "$1" | tail -n +2 >"$T/o.check"
	grep -oE '[^,]*/samples/annotated/[^,]*,[0-9]+' "$1" >"$T/o.where"
	paste -d' ' "$T/o.check" "$T/o.where"
}

# no_real_users NAME DIR: no output in DIR names one of the samples' users.
no_real_users() {
	_hit=""
	for u in akowalski jdoe lnguyen mrossi cmartin; do
		for f in "$2"/r.* "$2"/ev.jsonl; do
			[ -f "$f" ] && grep -qiw "$u" "$f" && _hit="$_hit $u:$(basename "$f")"
		done
	done
	if [ -z "$_hit" ]; then ok "$1: no real user named"; else bad "$1: real users named" "$_hit"; fi
}

scan "$T/plain" 1 -- --report csv:r.csv
for j in 1 2; do
	# shellcheck disable=SC2086
	scan "$T/mem$j" $j -- --pseudonymize "$T/key" $REP --events ev.jsonl --fail-on high
	# shellcheck disable=SC2086
	scan "$T/sp$j" $j DPFAUDIT_MEMORY_BUDGET=4096 -- --pseudonymize "$T/key" $REP \
		--events ev.jsonl --fail-on high
	# shellcheck disable=SC2086
	expect_same "--pseudonymize, spilled, -j$j" "$T/mem$j" "$T/sp$j" $FILES rc
	no_real_users "spilled, -j$j" "$T/sp$j"
done
n=$(grep -c '' "$T/sp2/r.csv")
if [ "$n" -gt 200 ] && [ "$(cat "$T/sp2/rc")" = 1 ]; then ok "... $n CSV rows, the gate failing (exit 1)"; else
	bad "spilled run" "$n CSV rows, exit $(cat "$T/sp2/rc")"; fi
# The list keeps the order of the real ids: the CSV rows' check, file and
# line are those of the run without --pseudonymize, row by row.
order "$T/plain/r.csv" >"$T/plain.order"
order "$T/sp2/r.csv" >"$T/sp2.order"
if [ "$(grep -c '' "$T/plain.order")" -gt 200 ] && cmp -s "$T/plain.order" "$T/sp2.order"; then
	ok "spilled: the findings in the order of the real ids"; else
	bad "spilled: order differs from the run without --pseudonymize" \
		"$(diff "$T/plain.order" "$T/sp2.order" | head -n 6 | tr '\n' '|')"; fi

# merge --pseudonymize: the partials' findings spill into one list, rewritten
# the same way; its reports are those of the merge that keeps them in memory.
for i in 0 1 2; do scan "$T/shard$i" 2 -- --shard $i/3 --partial p.part; done
# merged DIR [ENV=VALUE...]: merge the three partials into DIR with every report.
merged() {
	_md=$1
	shift
	mkdir -p "$_md"
	# shellcheck disable=SC2086
	(cd "$_md" && env TMPDIR="$T/tmp" "$@" "$DPFAUDIT" merge -r "$RULES" $REP --fail-on high \
		--pseudonymize "$T/key" "$T"/shard*/p.part >out 2>err
	echo $? >rc)
}
merged "$T/m.mem"
merged "$T/m.sp" DPFAUDIT_MEMORY_BUDGET=4096
# shellcheck disable=SC2086
expect_same "merge --pseudonymize, spilled" "$T/m.mem" "$T/m.sp" r.txt r.json r.html r.sarif r.xml r.csv r.md rc
no_real_users "merge, spilled" "$T/m.sp"
if [ "$(grep -c '' "$T/m.sp/r.csv")" -gt 200 ]; then ok "... with every finding"; else
	bad "merged CSV" "$(grep -c '' "$T/m.sp/r.csv") rows"; fi

# No temporary directory: the findings past the budget cannot be kept, and
# the list may not be rewritten either (then no finding is shown: whether
# what was kept fits the rewrite's memory depends on the threads' shares,
# so test_findings checks that failure); no output names a real user, and
# the run is incomplete (exit 3).
# shellcheck disable=SC2086
scan "$T/nodir" 2 DPFAUDIT_MEMORY_BUDGET=4096 TMPDIR="$T/missing" -- --pseudonymize "$T/key" $REP \
	--events ev.jsonl
if [ "$(cat "$T/nodir/rc")" = 3 ]; then ok "no temporary directory: exit 3"; else
	bad "no temporary directory" "exit $(cat "$T/nodir/rc")"; fi
expect_in "... the report says why" "$T/nodir/r.json" 'no temporary file for the findings'
no_real_users "no temporary directory" "$T/nodir"
merged "$T/m.nodir" DPFAUDIT_MEMORY_BUDGET=4096 TMPDIR="$T/missing"
if [ "$(cat "$T/m.nodir/rc")" = 3 ]; then ok "merge, no temporary directory: exit 3"; else
	bad "merge, no temporary directory" "exit $(cat "$T/m.nodir/rc")"; fi
no_real_users "merge, no temporary directory" "$T/m.nodir"

# Many ids, each once: memory does not grow with them.  An instrumented
# build (DPF_INSTRUMENTED, records.sh) adds shadow memory in proportion to
# what is touched, and ASan keeps freed blocks in a quarantine (here off:
# the sorters' buffers would stay).  Measured growth now / with the maps of
# every id (main before them): 1-5 / 65 MB plain, 5 / 68 MB under ASan,
# 21-49 / 272 MB under TSan; the bounds 20, 30 and 120 MB lie between.
awk 'BEGIN { for (i = 0; i < 60000; i++)
	printf "203.0.113.9 - person%d [01/Dec/2026:10:%02d:%02d +0000] \"GET /api/v1/customers/%d/email HTTP/1.1\" 200 71 \"-\" \"curl/8.5.0\"\n",
		i, int(i / 60) % 60, i % 60, 700000 + i }' >"$T/ids.log"
# rss DIR [OPTIONS...]: scan ids.log with -j2 into DIR; its peak RSS in MB in DIR/mb.
rss() {
	_rd=$1
	shift
	mkdir -p "$_rd"
	(cd "$_rd" && env TMPDIR="$T/tmp" ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0" \
		/usr/bin/time -f %M -o kb "$DPFAUDIT" scan --no-progress \
		-r "$RULES" -j2 --report json:r.json --report csv:r.csv "$@" "$T/ids.log" >out 2>err
	echo $? >rc)
	[ -s "$_rd/kb" ] && echo $(($(tail -n 1 "$_rd/kb") / 1024)) >"$_rd/mb"
}
if [ -x /usr/bin/time ] && /usr/bin/time -f %M -o "$T/probe" true 2>/dev/null; then
	rss "$T/ids.plain"
	rss "$T/ids.psd" --pseudonymize "$T/key"
	plain=$(cat "$T/ids.plain/mb") psd=$(cat "$T/ids.psd/mb")
	what="peak RSS $psd MB pseudonymised, $plain MB plain, for 120,000 ids"
	instrumented=$(echo ${DPF_INSTRUMENTED:-})
	case $instrumented in
	*sanitize=thread*) limit=120 ;;
	?*) limit=30 ;;
	*) limit=20 ;;
	esac
	if [ $((psd - plain)) -lt $limit ]; then ok "many ids: bounded memory ($what${instrumented:+; instrumented: $instrumented})"; else
		bad "many ids: memory grows with the ids" "$what, over $limit MB more"; fi
else
	echo "# skip: no GNU time for the peak RSS"
	scan_in "$T/ids.psd" 2 -- --report json:r.json --report csv:r.csv --pseudonymize "$T/key" "$T/ids.log"
fi
n=$(grep -c '^unknown-identity,' "$T/ids.psd/r.csv")
if [ "$n" = 60000 ] && [ "$(cat "$T/ids.psd/rc")" = 0 ]; then ok "many ids: every line a finding, exit 0"; else
	bad "many ids: the pseudonymised run" "$n findings, exit $(cat "$T/ids.psd/rc")"; fi
for f in r.json r.csv; do
	if grep -qE 'person[0-9]|customers/7[0-9]{5}' "$T/ids.psd/$f"; then
		bad "many ids: $f names a user or subject" "$(grep -oE 'person[0-9]+|customers/7[0-9]{5}' "$T/ids.psd/$f" | head -n 3 | tr '\n' ' ')"
	else ok "many ids: $f names no user or subject"; fi
done
# The ids cannot be written to their temporary file (ulimit -f; SIGXFSZ
# ignored in the shell too, for sanitizer runtimes): no report at all, as
# none could be pseudonymised, and the run is incomplete (exit 3).
awk 'BEGIN { for (i = 0; i < 100000; i++)
	printf "203.0.113.9 - person%d [01/Dec/2026:10:%02d:%02d +0000] \"GET /static/app.css HTTP/1.1\" 200 71 \"-\" \"curl/8.5.0\"\n",
		i, int(i / 60) % 60, i % 60 }' >"$T/static.log"
mkdir -p "$T/idsfail"
(cd "$T/idsfail" && trap '' XFSZ && ulimit -f 1 && TMPDIR="$T/tmp" "$DPFAUDIT" scan --no-progress -r "$RULES" -j2 \
	--pseudonymize "$T/key" --report csv:r.csv "$T/static.log" >out 2>err
echo $? >rc)
if [ "$(cat "$T/idsfail/rc")" = 3 ] && [ ! -e "$T/idsfail/r.csv" ]; then ok "ids not collected: exit 3, no report"; else
	bad "ids not collected" "exit $(cat "$T/idsfail/rc"), $(ls "$T/idsfail")"; fi
expect_in "... saying why" "$T/idsfail/err" "the ids to pseudonymise could not be collected (File too large): no report written"
if [ -z "$(ls -A "$T/tmp")" ]; then ok "no temporary file left in TMPDIR"; else bad "TMPDIR not empty" "$(ls "$T/tmp")"; fi

finish
