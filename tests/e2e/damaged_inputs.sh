#!/bin/sh
# damaged_inputs.sh - SPEC §2 "Input integrity" end to end: every decodable
# line is audited, damage is reported with file and byte offset, exit 3.
. "$(dirname "$0")/lib.sh"

# A small policy of our own, so these cases do not depend on the default rules.
cat >"$T/r.rules" <<'R'
[category email]
resource = ^/api/v1/customers/(?<subject>\d+)/email
[purpose support]
reason = ^TICKET-\d+$
[role support-agent]
members = mrossi
may-read = email
purposes = support
R

# 2000 lines; line 5 is a read without a reason (a known finding early on).
i=1
while [ $i -le 2000 ]; do
	if [ $i -eq 5 ]; then
		echo "10.0.0.7 - mrossi [27/Nov/2026:10:00:05 +0000] \"GET /api/v1/customers/4711/email HTTP/1.1\" 200 71 \"-\" \"curl/8.0\""
	else
		echo "10.0.0.$((i % 250)) - mrossi [27/Nov/2026:10:00:05 +0000] \"GET /api/v1/customers/$((1000 + i))/email?reason=TICKET-$i HTTP/1.1\" 200 71 \"-\" \"curl/8.0\""
	fi
	i=$((i + 1))
done >"$T/a.log"
gzip -c "$T/a.log" >"$T/a.log.gz"
SIZE=$(wc -c <"$T/a.log.gz")

scan() { run scan --no-progress --rules "$T/r.rules" --report text --report json:"$T/r.json" "$@"; }

scan "$T/a.log.gz"
expect_rc "a good gzip file" 0
expect_in "the finding on line 5 is reported" "$OUT" "a.log.gz:5"

# Truncated in the middle: the lines before the cut are still audited.
head -c $((SIZE / 2)) "$T/a.log.gz" >"$T/cut.log.gz"
scan "$T/cut.log.gz"
expect_rc "a truncated gzip file is incomplete" 3
expect_in "truncation is on stderr with the file" "$ERR" "cut.log.gz: byte "
expect_in "the last line read is named" "$ERR" "(after line "
expect_in "lines before the cut were audited" "$OUT" "cut.log.gz:5"

# Every cut of a tiny file is damage, never a crash or a hang.
printf 'x\n' | gzip -c >"$T/tiny.gz"
n=$(wc -c <"$T/tiny.gz")
allok=1
k=1
while [ $k -lt "$n" ]; do
	head -c $k "$T/tiny.gz" >"$T/p.gz"
	scan "$T/p.gz"
	[ "$RC" = 3 ] || { allok=0; echo "# prefix of $k bytes: exit $RC"; }
	k=$((k + 1))
done
[ $allok = 1 ] && ok "every strict prefix of a gzip file is damaged (exit 3)" || bad "every strict prefix of a gzip file is damaged"

# Junk after the last member.
cat "$T/a.log.gz" >"$T/junk.log.gz"
printf 'this is not gzip' >>"$T/junk.log.gz"
scan "$T/junk.log.gz"
expect_rc "junk after the last member" 3
expect_in "the junk is located" "$ERR" "junk.log.gz: byte $SIZE"

# Zero padding after the last member is fine.
cat "$T/a.log.gz" >"$T/pad.log.gz"
head -c 4096 /dev/zero >>"$T/pad.log.gz"
scan "$T/pad.log.gz"
expect_rc "zero padding after the last member" 0

# Multi-member (cat a.gz b.gz) is read whole: lines count like zcat | wc -l.
cat "$T/a.log.gz" "$T/a.log.gz" >"$T/multi.log.gz"
scan --detail high "$T/multi.log.gz"
expect_rc "a multi-member gzip file" 0
want=$(zcat "$T/multi.log.gz" | wc -l)
if grep -q "\"lines\": *$want\b" "$T/r.json" || grep -q "\"lines\":$want\b" "$T/r.json"; then ok "multi-member line count is $want"; else bad "multi-member line count is $want"; fi
expect_in "the second member's line 2005 is audited" "$OUT" "multi.log.gz:2005"

# One flipped byte inside the compressed data.
cp "$T/a.log.gz" "$T/flip.log.gz"
printf '\377' | dd of="$T/flip.log.gz" bs=1 seek=$((SIZE / 3)) conv=notrunc 2>/dev/null
scan "$T/flip.log.gz"
expect_rc "a flipped byte is damage" 3

# A missing file beside a good one: the good one is still audited whole.
scan "$T/a.log.gz" "$T/missing.log.gz"
expect_rc "a missing input makes the audit incomplete" 3
expect_in "the missing input is named" "$ERR" "missing.log.gz"
expect_in "the good input is still audited" "$OUT" "a.log.gz:5"

# An unreadable file (skipped when running as root, who can read anything).
cp "$T/a.log" "$T/secret.log"
chmod 000 "$T/secret.log"
if [ ! -r "$T/secret.log" ]; then
	scan "$T/secret.log"
	expect_rc "an unreadable input" 3
fi
chmod 600 "$T/secret.log"

# Empty inputs are read whole, but an audit of nothing earns no PASS (SPEC §5).
: >"$T/empty.log"
gzip -c </dev/null >"$T/empty.gz"
scan "$T/empty.log" "$T/empty.gz"
expect_rc "empty file and empty gzip: nothing audited" 3
expect_in "empty inputs: the headline says so" "$OUT" "NOTHING AUDITED: no record in 2 inputs"

# A line over --max-line between good lines: skipped, reported, the rest audited.
{ head -n 3 "$T/a.log"; head -c 5000 /dev/zero | tr '\0' 'a'; echo; sed -n '4,10p' "$T/a.log"; } >"$T/long.log"
scan --max-line 1000 "$T/long.log"
expect_rc "an overlong line makes the audit incomplete" 3
expect_in "the overlong line is located" "$ERR" "long.log: line 4:"
expect_in "lines after it are audited (line 5 of the source is line 6 here)" "$OUT" "long.log:6"

# A multi-line (pgAudit) record whose continuation lines run past --max-line:
# what fits is judged, the rest is counted as lost (exit 3), the next record read.
{
	printf '2026-11-27 10:02:00.123 UTC [1234] alice@shop LOG:  AUDIT: SESSION,1,1,READ,SELECT,TABLE,public.customers,"select *\n'
	i=0
	while [ $i -lt 30 ]; do printf '\t%0100d,\n' 0; i=$((i + 1)); done
	printf '\tfrom x",<not logged>\n'
	printf '2026-11-27 10:02:01.123 UTC [1234] alice@shop LOG:  AUDIT: SESSION,2,1,READ,SELECT,TABLE,public.customers,"select 1",<not logged>\n'
} >"$T/pg.log"
run scan --no-progress --max-line 1000 --report json:"$T/pg.json" "$T/pg.log"
expect_rc "a multi-line record past the line limit is incomplete" 3
expect_in "the lost continuation is located" "$ERR" "pg.log: line 10:"
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); i=d["scope"]["inputs"][0]; sys.exit(0 if i["parsed"] >= 1 and i["format"] == "pgaudit" else 1)' "$T/pg.json"; then
	ok "the record after the long one is still audited"
else
	bad "the record after the long one is still audited"
fi

# Binary data (deflate output without its header: deterministic junk):
# no format, reported, never a crash.
gzip -9 -c "$T/a.log" | tail -c +11 >"$T/random.bin"
scan "$T/random.bin" "$T/a.log"
expect_rc "random binary beside a good log" 3
expect_in "the binary input is named" "$ERR" "random.bin"

# A directory with a symlink loop is read, the loop survived.
mkdir -p "$T/d/sub"
cp "$T/a.log.gz" "$T/d/sub/x.log.gz"
ln -s .. "$T/d/sub/loop"
scan "$T/d"
if [ "$RC" = 0 ] || [ "$RC" = 3 ]; then ok "a symlink loop does not hang or crash (exit $RC)"; else bad "symlink loop" "exit $RC"; fi
expect_in "the file in the looped directory is audited" "$OUT" "x.log.gz:5"

# Window state is bounded: past --max-window-records the windowed checks do
# not see everything, and the audit says so (exit 3) instead of dropping silently.
run scan --no-progress --max-window-records 10 "$SRCDIR/samples/annotated/04-excessive-access.log"
expect_rc "a full window store makes the audit incomplete" 3
expect_in "the window limit is named" "$ERR" "window limit (10 records) was reached"
run scan --no-progress "$SRCDIR/samples/annotated/04-excessive-access.log"
expect_rc "the same log within the default limit" 0
# The limit is for the run, not per thread: a limit the log fits in is
# enough at any -j (it used to be divided by -j), one too few is not.
for j in 1 4; do
	run scan --no-progress -j$j --max-window-records 125 "$SRCDIR/samples/annotated/04-excessive-access.log"
	expect_rc "-j$j: a log of 125 window records fits a limit of 125" 0
	run scan --no-progress -j$j --max-window-records 124 "$SRCDIR/samples/annotated/04-excessive-access.log"
	expect_rc "-j$j: one record past the limit makes the audit incomplete" 3
done

# Threads never change the answer, damaged inputs included: -j1 and -j4 give
# the same report (apart from the command line) and the same exit status.
big="$T/big.log.gz"
for k in 1 2 3 4 5 6 7 8; do cat "$T/a.log"; done | gzip -c >"$big"
run scan --no-progress --rules "$T/r.rules" -j 1 "$T/cut.log.gz" "$big" "$T/junk.log.gz" "$T/multi.log.gz" "$T/missing.log.gz"
rc1=$RC
grep -v "Command:" "$OUT" >"$T/j1.txt"
run scan --no-progress --rules "$T/r.rules" -j 4 "$T/cut.log.gz" "$big" "$T/junk.log.gz" "$T/multi.log.gz" "$T/missing.log.gz"
grep -v "Command:" "$OUT" >"$T/j4.txt"
if [ "$rc1" = 3 ] && [ "$RC" = 3 ] && cmp -s "$T/j1.txt" "$T/j4.txt"; then
	ok "-j1 and -j4 agree on damaged inputs, byte for byte"
else
	bad "-j1 and -j4 agree on damaged inputs" "exit $rc1 and $RC" "$(diff "$T/j1.txt" "$T/j4.txt" | head -5)"
fi

# Go's gzip test vectors: the ones that must fail are damaged (exit 3).
V="$SHARED_TESTDATA/gzip/go-gunzip-vectors"
if [ -d "$V" ]; then
	for f in "$V"/*.gz; do
		scan "$f"
		[ "$RC" = 0 ] || [ "$RC" = 3 ] || bad "go vector $(basename "$f")" "exit $RC"
	done
	ok "every Go gzip vector gives exit 0 or 3"
fi

finish
