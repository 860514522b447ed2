#!/bin/sh
# merge.sh - `scan --partial`, `--shard I/N` and `merge`: the report of any
# split of the inputs, merged in any order or in a tree, is the report of
# one scan over all of them (but for the command line), and partials that
# cannot be merged faithfully are refused.
. "$(dirname "$0")/lib.sh"

S="$SRCDIR/samples"
D="$T/d"
mkdir -p "$D"

# Reports without the line that names the command (the only allowed difference).
strip() { grep -v -e '^  Command:' -e '^  "command": ' "$1"; }

# same NAME A B: two report files are equal but for the command line.
same() {
	if strip "$2" >"$T/a.s" && strip "$3" >"$T/b.s" && cmp -s "$T/a.s" "$T/b.s"; then
		ok "$1"
	else
		bad "$1" "$(diff "$T/a.s" "$T/b.s" | head -n 8 | tr '\n' '|')"
	fi
}

# single NAME PATH...: the reference, one scan over everything.
single() {
	_nm=$1
	shift
	"$DPFAUDIT" scan --no-progress -r "$RULES" --report text:"$D/$_nm.txt" \
		--report json:"$D/$_nm.json" "$@" 2>/dev/null
	echo $? >"$D/$_nm.rc"
}

# merged NAME PARTIAL...: merge with the same options as single.
merged() {
	_nm=$1
	shift
	"$DPFAUDIT" merge -r "$RULES" --report text:"$D/$_nm.txt" --report json:"$D/$_nm.json" "$@" \
		2>"$D/$_nm.err"
	echo $? >"$D/$_nm.rc"
}

# compare NAME REF GOT: text and json reports and exit statuses agree.
compare() {
	same "$1: text report" "$D/$2.txt" "$D/$3.txt"
	same "$1: json report" "$D/$2.json" "$D/$3.json"
	if [ "$(cat "$D/$2.rc")" = "$(cat "$D/$3.rc")" ]; then
		ok "$1: exit status $(cat "$D/$3.rc")"
	else
		bad "$1: exit status" "single $(cat "$D/$2.rc"), merged $(cat "$D/$3.rc")"
	fi
}

single all "$S"
if [ "$(cat "$D/all.rc")" = 0 ] && grep -q excessive-access "$D/all.txt"; then
	ok "reference scan of samples/ (exit 0, with windowed findings)"
else
	bad "reference scan of samples/" "exit $(cat "$D/all.rc")"
fi

# ---- splits by file: 2 and 3 shards --------------------------------------
for n in 2 3; do
	i=0
	list=""
	while [ $i -lt $n ]; do
		run scan --no-progress -r "$RULES" --shard $i/$n --partial "$D/s$i-$n.part" "$S"
		expect_rc "scan --shard $i/$n --partial" 0
		list="$list $D/s$i-$n.part"
		i=$((i + 1))
	done
	if [ -s "$OUT" ]; then bad "--partial without --report prints no report" ; else ok "--partial without --report prints no report"; fi
	# shellcheck disable=SC2086
	merged m$n $list
	compare "merge of $n shards" all m$n
	# The reverse order gives the same.
	# shellcheck disable=SC2086
	merged r$n $(printf '%s\n' $list | sort -r)
	compare "merge of $n shards in reverse order" all r$n
done

# Every input is in exactly one shard, and the shards are balanced by size.
n0=$(grep -c '^input	' "$D/s0-3.part")
n1=$(grep -c '^input	' "$D/s1-3.part")
n2=$(grep -c '^input	' "$D/s2-3.part")
nall=$(grep -c '^path	' "$D/s0-3.part")
if [ $((n0 + n1 + n2)) -eq "$nall" ] && [ "$n0" -ge 1 ] && [ "$n1" -ge 1 ] && [ "$n2" -ge 1 ]; then
	ok "3 shards hold $n0+$n1+$n2 of $nall inputs"
else
	bad "3 shards hold every input once" "$n0+$n1+$n2 of $nall"
fi

# ---- merging merges (associative) ----------------------------------------
run merge -r "$RULES" --partial "$D/s01.part" "$D/s1-3.part" "$D/s0-3.part"
expect_rc "merge --partial of two shards" 0
if [ -s "$OUT" ]; then bad "merge --partial prints no report"; else ok "merge --partial prints no report"; fi
merged mm "$D/s2-3.part" "$D/s01.part"
compare "merge of a merged partial and a shard" all mm
run merge -r "$RULES" --partial "$D/s10.part" "$D/s0-3.part" "$D/s1-3.part"
if cmp -s "$D/s01.part" "$D/s10.part"; then ok "a merged partial does not depend on the order"; else bad "a merged partial does not depend on the order"; fi

# ---- partials are deterministic, owner-only -------------------------------
umask 022
"$DPFAUDIT" scan --no-progress -j 1 -r "$RULES" --partial "$D/j1.part" "$S"
"$DPFAUDIT" scan --no-progress -j 4 -r "$RULES" --partial "$D/j4.part" "$S"
if cmp -s "$D/j1.part" "$D/j4.part"; then ok "the partial is the same for -j1 and -j4"; else bad "the partial is the same for -j1 and -j4"; fi
mode=$(stat -c %a "$D/j1.part")
if [ "$mode" = 600 ]; then ok "a partial is mode 0600"; else bad "a partial is mode 0600" "mode $mode"; fi
head -n 1 "$D/j1.part" >"$T/hdr"
expect_in "the partial starts with its format and version" "$T/hdr" "dpfaudit-partial 3"
merged one "$D/j1.part"
compare "merge of one unsharded partial" all one

# ---- one file split in two halves (split -l) ------------------------------
mkdir -p "$T/half"
zcat "$S/support-api.log.gz" | split -l 2000 - "$T/half/week-"
single halves "$T/half/week-aa" "$T/half/week-ab"
"$DPFAUDIT" scan --no-progress -r "$RULES" --partial "$D/ha.part" "$T/half/week-aa"
"$DPFAUDIT" scan --no-progress -r "$RULES" --partial "$D/hb.part" "$T/half/week-ab"
merged mh "$D/hb.part" "$D/ha.part"
compare "a file split in two halves, scanned apart" halves mh

# ---- a window that spans two shards ---------------------------------------
# 41 distinct customers read by one support agent within an hour (the role
# allows 40/1h): 20 in one file, 21 in the other.
mkdir -p "$T/win"
k=0
while [ $k -lt 41 ]; do
	f="$T/win/b.log"
	[ $k -lt 20 ] && f="$T/win/a.log"
	printf '10.20.1.63 - jdoe [01/Dec/2026:10:%02d:00 +0000] "GET /api/v1/customers/%d/email?reason=TICKET-%d HTTP/1.1" 200 71 "-" "curl/8.5.0"\n' \
		$k $((8100 + k)) $((700 + k)) >>"$f"
	k=$((k + 1))
done
single win "$T/win"
expect_in "one scan finds the burst across both files" "$D/win.txt" "excessive-access"
run scan --no-progress -r "$RULES" "$T/win/a.log"
expect_not_in "one half alone has no burst" "$OUT" "excessive-access"
run scan --no-progress -r "$RULES" "$T/win/b.log"
expect_not_in "the other half alone has no burst" "$OUT" "excessive-access"
"$DPFAUDIT" scan --no-progress -r "$RULES" --shard 0/2 --partial "$D/w0.part" "$T/win"
"$DPFAUDIT" scan --no-progress -r "$RULES" --shard 1/2 --partial "$D/w1.part" "$T/win"
if [ "$(grep -c '^input	' "$D/w0.part")" = 1 ] && [ "$(grep -c '^input	' "$D/w1.part")" = 1 ]; then
	ok "each half is in its own shard"
else
	bad "each half is in its own shard"
fi
merged mw "$D/w1.part" "$D/w0.part"
expect_in "merge finds the burst across shards" "$D/mw.txt" "excessive-access"
compare "a window across two shards" win mw

# ---- exit statuses as one scan gives them ---------------------------------
"$DPFAUDIT" scan --no-progress -r "$RULES" --fail-on high "$S" >/dev/null 2>&1
want=$?
run merge -r "$RULES" --fail-on high "$D/s0-2.part" "$D/s1-2.part"
expect_rc "merge --fail-on high exits as scan does ($want)" "$want"
# A damaged input: the shard still exits 0 (the partial records the damage),
# the merge exits 3 as one scan would, and names it.
mkdir -p "$T/dmg"
cp "$S/annotated/03-marketing-optout.log.gz" "$T/dmg/a.log.gz"
head -c 1000 "$S/support-api.log.gz" >"$T/dmg/b.log.gz"
single dmg "$T/dmg"
run scan --no-progress -r "$RULES" --shard 0/2 --partial "$D/d0.part" "$T/dmg"
expect_rc "a shard with a damaged input still writes its partial" 0
"$DPFAUDIT" scan --no-progress -r "$RULES" --shard 1/2 --partial "$D/d1.part" "$T/dmg" 2>/dev/null
merged md "$D/d0.part" "$D/d1.part"
compare "a damaged input" dmg md
if [ "$(cat "$D/md.rc")" = 3 ]; then ok "merge with a damaged input exits 3"; else bad "merge with a damaged input exits 3" "exit $(cat "$D/md.rc")"; fi
expect_in "the damage is on merge's stderr" "$D/md.err" "b.log.gz"

# Filters are applied by merge as by scan.
"$DPFAUDIT" scan --no-progress -r "$RULES" --user jdoe --since 2026-11-24 --report text:"$D/fu.txt" "$S"
"$DPFAUDIT" merge -r "$RULES" --user jdoe --since 2026-11-24 --report text:"$D/mfu.txt" \
	"$D/s0-2.part" "$D/s1-2.part"
same "merge --user --since reports as scan does" "$D/fu.txt" "$D/mfu.txt"

# ---- array indexes from the environment -----------------------------------
SLURM_ARRAY_TASK_ID=1 SLURM_ARRAY_TASK_COUNT=2 "$DPFAUDIT" scan --no-progress -r "$RULES" \
	--partial "$D/env1.part" "$S" 2>/dev/null
if cmp -s "$D/env1.part" "$D/s1-2.part"; then ok "SLURM_ARRAY_TASK_ID/COUNT select the shard"; else bad "SLURM_ARRAY_TASK_ID/COUNT select the shard"; fi
AWS_BATCH_JOB_ARRAY_INDEX=0 AWS_BATCH_JOB_ARRAY_SIZE=2 "$DPFAUDIT" scan --no-progress -r "$RULES" \
	--partial "$D/env0.part" "$S" 2>/dev/null
if cmp -s "$D/env0.part" "$D/s0-2.part"; then ok "AWS_BATCH_JOB_ARRAY_INDEX/SIZE select the shard"; else bad "AWS_BATCH_JOB_ARRAY_INDEX/SIZE select the shard"; fi
JOB_COMPLETION_INDEX=1 "$DPFAUDIT" scan --no-progress -r "$RULES" --shard-count 2 \
	--partial "$D/env2.part" "$S" 2>/dev/null
if cmp -s "$D/env2.part" "$D/s1-2.part"; then ok "JOB_COMPLETION_INDEX with --shard-count selects the shard"; else bad "JOB_COMPLETION_INDEX with --shard-count selects the shard"; fi
OUT="$T/env.out"; ERR="$T/env.err"
JOB_COMPLETION_INDEX=1 "$DPFAUDIT" scan --no-progress -r "$RULES" --partial "$D/env3.part" "$S" >"$OUT" 2>"$ERR"
RC=$?
expect_rc "JOB_COMPLETION_INDEX without a shard count" 2
expect_in "the missing count is explained" "$ERR" "DPFAUDIT_SHARDS"
SLURM_ARRAY_TASK_ID=1 SLURM_ARRAY_TASK_COUNT=2 "$DPFAUDIT" scan --no-progress -r "$RULES" \
	--report text:"$D/nosh.txt" "$S"
same "without --partial an array index does not shard the scan" "$D/all.txt" "$D/nosh.txt"

# ---- what merge refuses ---------------------------------------------------
run scan --no-progress -r "$RULES" --shard 2/2 "$S"
expect_rc "--shard 2/2 (shards count from 0)" 2
run merge -r "$RULES" "$D/s0-2.part" "$D/s0-2.part"
expect_rc "the same partial twice" 2
expect_in "a doubled input is named" "$ERR" "is in two partials"
run merge -r "$RULES" "$D/s0-2.part" "$D/s1-2.part" "$D/s0-3.part"
expect_rc "shards of two runs over the same files" 2
expect_in "a file audited twice is named" "$ERR" "the same file is in two partials of different runs"
run merge -r "$RULES" "$D/s0-3.part" "$D/s1-3.part"
expect_rc "a missing shard makes the audit incomplete" 3
expect_in "the report names the inputs no partial holds" "$OUT" "not in any partial given to merge"

cp -r "$SRCDIR/rules" "$T/rules2"
chmod -R u+w "$T/rules2"
echo "# changed" >>"$T/rules2/dpf.rules"
run merge -r "$T/rules2/dpf.rules" "$D/s0-2.part" "$D/s1-2.part"
expect_rc "partials of other rules" 2
expect_in "the rules digest is named" "$ERR" "s0-2.part: rules digest differs"

sed '1s/ 3$/ 4/' "$D/s0-2.part" >"$D/v2.part"
run merge -r "$RULES" "$D/v2.part" "$D/s1-2.part"
expect_rc "a partial of another format version" 2
expect_in "the version is named" "$ERR" "v2.part:1: partial format version 4"
sed '2s/	0\.[0-9.]*$/	9.9.9/' "$D/s0-2.part" >"$D/t9.part"
run merge -r "$RULES" "$D/t9.part" "$D/s1-2.part"
expect_rc "a partial of another dpfaudit version" 2
expect_in "the tool version is named" "$ERR" "t9.part:2: written by dpfaudit 9.9.9"

size=$(wc -c <"$D/s0-2.part")
head -c $((size / 2)) "$D/s0-2.part" >"$D/cut.part"
run merge -r "$RULES" "$D/cut.part" "$D/s1-2.part"
expect_rc "a partial cut short" 2
expect_in "the cut is located" "$ERR" "cut.part:"
expect_in "the cut is named" "$ERR" "truncated"
head -n 20 "$D/s0-2.part" >"$D/lines.part"
run merge -r "$RULES" "$D/lines.part"
expect_rc "a partial cut at a line end" 2
expect_in "a missing end record is named" "$ERR" "lines.part:21: truncated partial: no end record"
sed '/^counts	/s/	[0-9]*	/	999999	/' "$D/s0-2.part" >"$D/edit.part"
run merge -r "$RULES" "$D/edit.part"
expect_rc "an edited partial" 2
expect_in "an edit is found by the checksum" "$ERR" "checksum mismatch"
printf 'hello\n' >"$D/junk.part"
run merge -r "$RULES" "$D/junk.part"
expect_rc "a file that is no partial" 2
expect_in "no partial is named" "$ERR" "junk.part:1: not a dpfaudit partial result"
run merge -r "$RULES"
expect_rc "merge without partials" 2

# A partial that cannot be written whole is exit 3, and a device is written, not replaced.
if [ -c /dev/full ]; then
	run merge -r "$RULES" --partial /dev/full "$D/s0-2.part" "$D/s1-2.part"
	expect_rc "merge --partial /dev/full" 3
	expect_in "the write error is named" "$ERR" "/dev/full: write error"
	if [ -c /dev/full ]; then ok "/dev/full is still a device"; else bad "/dev/full is still a device"; fi
fi

finish
