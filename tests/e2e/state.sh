#!/bin/sh
# state.sh - `scan --state FILE` (SPEC §7): three nights over a directory
# that logrotate renames, compresses and truncates between runs (once with
# `create` + `delaycompress`, once with `copytruncate`) find exactly what one
# scan over all the data finds, and no line is judged twice; a state of
# other rules or another version, or an edited one, is refused (exit 2); the
# state is owner-only.
. "$(dirname "$0")/lib.sh"

S="$SRCDIR/samples/support-api.log.gz"
# The sample's 4000 lines as five pieces a log receives over three days:
# A1 (before night 1), A2 (day 1), B1 (before night 2), B2 (day 2), C1.
# Between A1 and A2: a burst of 24 denied logins from one address within
# seconds (one a second), 12 on each side of the run: only
# windows carried across runs find it, and exactly once (at the 20th).
gzip -dc "$S" >"$T/sample.log"
burst() {
	i=$1
	while [ "$i" -le "$2" ]; do
		printf '198.51.100.99 - - [23/Nov/2026:20:40:%02d +0000] "POST /login?try=%d HTTP/1.1" 401 0 "-" "curl/8.5.0"\n' "$i" "$i"
		i=$((i + 1))
	done
}
{ sed -n 1,700p "$T/sample.log"; burst 1 12; burst 13 24; sed -n '701,$p' "$T/sample.log"; } >"$T/all.log"
piece() { sed -n "$1,$2p" "$T/all.log"; }

# keys JSON: one line per finding, "check<TAB>evidence line", sorted: the
# same finding whatever file name and line it was found under.
keys() {
	python3 - "$1" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for f in d["findings"]:
    print("%s\t%s" % (f["check"], f["evidence"]))
PY
}

# judged JSON: the lines judged by the run (read, minus those a previous run judged).
judged() {
	python3 - "$1" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
print(sum(i["lines"] - i["lines_already_audited"] for i in d["scope"]["inputs"]))
PY
}

# already JSON: the inputs skipped as already audited, by base name.
already() {
	python3 - "$1" <<'PY'
import json, os, sys
d = json.load(open(sys.argv[1]))
print(" ".join(sorted(os.path.basename(i["path"]) for i in d["scope"]["inputs"] if i["already_audited"])))
PY
}

# One scan over all the data: the reference.
run scan -r "$RULES" --report "json:$T/full.json" --report text:/dev/null "$T/all.log"
keys "$T/full.json" | sort >"$T/full.keys"
if [ -s "$T/full.keys" ] && [ "$RC" -le 1 ] && [ "$(grep -c "^failed-access-burst	.*try=20 " "$T/full.keys")" = 1 ]; then
	ok "reference scan finds the burst once, at the 20th denial"
else
	bad "reference scan" "exit $RC"
fi

# night N: one nightly run over the log directory; its findings are appended.
night() {
	run scan -r "$RULES" --state "$D/state" --report "json:$T/n$1.json" --report text:/dev/null "$D/logs"
	if [ "$RC" -gt 1 ]; then bad "$MODE night $1 ran" "exit $RC"; return; fi
	keys "$T/n$1.json" >>"$T/union.keys"
	cp "$ERR" "$T/err$1"
}

# rotate: access.log becomes access.log.1 the way MODE does it; the
# application then writes into an empty access.log.
rotate() {
	if [ $MODE = create ]; then
		mv "$L" "$L.1"	# same inode, new name; a new file is created
	else
		cp "$L" "$L.1"	# a copy, and the live file truncated in place
	fi
	: >"$L"
}

for MODE in create copytruncate; do
	D="$T/$MODE"
	mkdir -p "$D/logs"
	: >"$T/union.keys"
	L="$D/logs/access.log"

	piece 1 712 >"$L"
	night 1
	piece 713 1424 >>"$L"	# the day goes on after the run
	rotate	# rotation 1
	piece 1425 2124 >>"$L"
	night 2
	expect_in "$MODE night 2: the rotated file is read on from where night 1 stopped" "$T/err2" "access.log.1: lines 1-712 already audited"
	if [ $MODE = copytruncate ]; then
		expect_in "$MODE night 2: the truncated live file is said to be audited whole" "$T/err2" "access.log: changed since the last run"
	fi
	piece 2125 3224 >>"$L"
	# Rotation 2, with delaycompress: .1 becomes .2.gz.
	gzip -c "$L.1" >"$L.2.gz" && rm "$L.1"
	rotate
	piece 3225 4024 >>"$L"
	night 3
	if [ $MODE = create ]; then
		expect_not_in "$MODE night 3: a new file on a reused inode is not taken for copytruncate" "$T/err3" "changed since the last run"
	else
		expect_in "$MODE night 3: the truncated live file is said to be audited whole" "$T/err3" "access.log: changed since the last run"
	fi
	a=$(already "$T/n3.json")
	if [ "$a" = "access.log.2.gz" ]; then ok "$MODE night 3: the compressed copy is recognised by content, not read again"; else bad "$MODE night 3: already audited" "got '$a'"; fi
	n=$(($(judged "$T/n1.json") + $(judged "$T/n2.json") + $(judged "$T/n3.json")))
	if [ "$n" = 4024 ]; then ok "$MODE: every line judged exactly once over three nights"; else bad "$MODE: lines judged" "$n, expected 4024"; fi
	b=$(grep -c "^failed-access-burst	.*try=20 " "$T/union.keys")
	if [ "$b" = 1 ] && [ "$(keys "$T/n1.json" | grep -c "try=")" = 0 ]; then
		ok "$MODE: the burst across the night boundary is found once, by night 2"
	else
		bad "$MODE: burst across midnight" "found $b time(s)"
	fi
	sort "$T/union.keys" >"$T/union.sorted"
	if cmp -s "$T/full.keys" "$T/union.sorted"; then
		ok "$MODE: three nights find exactly what one scan finds ($(wc -l <"$T/full.keys") findings)"
	else
		bad "$MODE: three nights vs one scan" "$(diff "$T/full.keys" "$T/union.sorted" | cut -c1-100 | head -n 6 | tr '\n' '|')"
	fi
	# A fourth night with nothing new: nothing judged, nothing found twice.
	run scan -r "$RULES" --state "$D/state" --report "json:$T/n4.json" --report text:/dev/null "$D/logs/access.log.1" "$D/logs/access.log.2.gz"
	if [ "$(keys "$T/n4.json" | wc -l)" = 0 ] && [ "$(judged "$T/n4.json")" = 0 ]; then ok "$MODE: a night with nothing new finds nothing again"; else bad "$MODE: night 4" "found $(keys "$T/n4.json" | wc -l)"; fi
done

st="$T/create/state"
m=$(stat -c %a "$st")
if [ "$m" = 600 ]; then ok "state file is owner-only (0600)"; else bad "state mode" "$m"; fi

# Another version: refused, nothing scanned.
sed '1s/.*/dpfaudit-state 999/' "$st" >"$T/v.state"
run scan -r "$RULES" --state "$T/v.state" "$T/all.log"
expect_rc "a state of another version is refused" 2
expect_in "... saying so" "$ERR" "not a state of this version"

# Other rules: refused.
cp "$st" "$T/r.state"
printf '# another policy: one more rule file\n' >"$T/other.rules"
run scan -r "$RULES" -r "$T/other.rules" --state "$T/r.state" "$T/all.log"
expect_rc "a state of other rules is refused" 2
expect_in "... saying so" "$ERR" "written for other rules"

# Edited: the checksum fails.
sed 's/^\(input [0-9]* [0-9]* \)[0-9]*/\11/' "$st" >"$T/e.state"
run scan -r "$RULES" --state "$T/e.state" "$T/all.log"
expect_rc "an edited state is refused" 2
expect_in "... by its checksum" "$ERR" "checksum mismatch"

# With --partial: a usage error.
run scan -r "$RULES" --state "$T/p.state" --partial "$T/p.part" "$T/all.log"
expect_rc "--state with --partial is refused" 2

finish
