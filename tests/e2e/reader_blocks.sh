#!/bin/sh
# reader_blocks.sh - lines reach the parsers in the line reader's buffers
# (audit.c, lines.h lr_new_lent), not copied: every record is judged as
# the line it is, with its own number, wherever the buffer and chunk edges
# fall.  With --max-line 4096 the buffers are 68 KiB, so a 6 MB log crosses
# ~90 of them; line lengths vary (0..900 bytes of user agent), and there
# are CRLF lines, comments, blank lines and lines over the limit among
# them.  Customer id = line number, so an event's subject must be its
# line.  Plain, gzip in three members, a pipe, -j 1/-j 2 and zlib inflate
# must all give the same events and counts.
. "$(dirname "$0")/lib.sh"

N=16000
email_rules >"$T/r.rules"

# Line i: a read of customer i by bsmith (no role: one finding each), or
# every 53rd a comment, every 211th blank, every 97th 5000 bytes long
# (over --max-line), every 7th with CRLF.
awk -v n="$N" 'BEGIN {
	srand(11);
	for (i = 1; i <= n; i++) {
		if (i % 53 == 0) { printf "# note %d\n", i; continue }
		if (i % 211 == 0) { printf "\n"; continue }
		pad = (i % 97 == 0) ? 5000 : int(rand() * 900);
		ua = sprintf("%" pad "s", ""); gsub(/ /, "x", ua);
		printf "10.0.%d.%d - bsmith [27/Nov/2026:10:%02d:%02d +0000] \"GET /api/v1/customers/%d/email HTTP/1.1\" 200 71 \"-\" \"ua%s\"%s\n", \
			i % 200, i % 251, int(i / 60) % 60, i % 60, i, ua, (i % 7 == 0) ? "\r" : "";
	}
}' >"$T/a.log"
# What a correct reading gives: the numbers of the lines that are records.
awk -v n="$N" 'BEGIN { for (i = 1; i <= n; i++) if (i % 53 && i % 211 && i % 97) print i }' >"$T/want"
OVER=$(awk -v n="$N" 'BEGIN { c = 0; for (i = 1; i <= n; i++) if (i % 53 && i % 211 && i % 97 == 0) c++; print c }')

head -n 5000 "$T/a.log" | gzip -1 >"$T/a.log.gz"
sed -n '5001,11000p' "$T/a.log" | gzip -1 >>"$T/a.log.gz"
sed -n '11001,$p' "$T/a.log" | gzip -1 >>"$T/a.log.gz"

# check NAME: the events of the last run are the wanted lines, each its own
# subject; the overlong lines are counted, the first one named.
check() {
	if python3 - "$T/ev" "$T/want" >"$T/why" <<'PY'
import json, sys
want = [int(x) for x in open(sys.argv[2])]
got = []
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e["subject"] != str(e["line"]):
        sys.exit("line %d has subject %s" % (e["line"], e["subject"]))
    got.append(e["line"])
got.sort()
if got != want:
    miss = sorted(set(want) - set(got))[:5]
    extra = sorted(set(got) - set(want))[:5]
    sys.exit("%d events, want %d; missing %s, extra %s" % (len(got), len(want), miss, extra))
PY
	then ok "$1: every record judged, at its own line"; else bad "$1" "$(cat "$T/why")"; fi
	expect_in "$1: the overlong lines are counted" "$T/r.json" "\"overlong\": $OVER,"
	expect_in "$1: the first overlong line is named" "$ERR" "line 97: $OVER line(s) longer than 4096 bytes"
}

for j in 1 2; do
	run scan --no-progress -j "$j" --max-line 4096 --rules "$T/r.rules" -q --events "$T/ev" \
		--report json:"$T/r.json" "$T/a.log"
	check "plain, -j $j"
	run scan --no-progress -j "$j" --max-line 4096 --rules "$T/r.rules" -q --events "$T/ev" \
		--report json:"$T/r.json" "$T/a.log.gz"
	check "gzip in 3 members, -j $j"
	OUT="$T/out.$$" ERR="$T/err.$$"
	DPFAUDIT_INFLATE=zlib "$DPFAUDIT" scan --no-progress -j "$j" --max-line 4096 \
		--rules "$T/r.rules" -q --events "$T/ev" --report json:"$T/r.json" "$T/a.log.gz" \
		>"$OUT" 2>"$ERR"
	check "gzip with zlib, -j $j"
	gzip -dc "$T/a.log.gz" | "$DPFAUDIT" scan --no-progress -j "$j" --max-line 4096 \
		--rules "$T/r.rules" -q --events "$T/ev" --report json:"$T/r.json" - >"$OUT" 2>"$ERR"
	check "a pipe, -j $j"
done
# The default line limit: 1 MiB buffers, the 5000-byte lines are records.
awk -v n="$N" 'BEGIN { for (i = 1; i <= n; i++) if (i % 53 && i % 211) print i }' >"$T/want"
run scan --no-progress -j 2 --rules "$T/r.rules" -q --events "$T/ev" --report json:"$T/r.json" "$T/a.log.gz"
if python3 - "$T/ev" "$T/want" <<'PY'
import json, sys
want = [int(x) for x in open(sys.argv[2])]
got = sorted(json.loads(l)["line"] for l in open(sys.argv[1]) if json.loads(l)["subject"] == str(json.loads(l)["line"]))
sys.exit(got != want)
PY
then ok "default --max-line: every record judged, at its own line"; else bad "default --max-line: events differ"; fi

finish
