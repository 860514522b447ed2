#!/bin/sh
# pseudo.sh - a pseudonymised run names no user, subject or source address
# anywhere (SPEC §8, issue 16 case 7): not in the command line or filters,
# unparsed examples, reasons, evidence where an id sits next to '.', '-' or
# '_' or is in another case; in every report format, the --events export and
# every form of trace.  Each output is searched for every real id of the
# input, in any case; the pseudonyms of one run join across its outputs.
. "$(dirname "$0")/lib.sh"

{ email_rules; printf '%s\n' 'purposes = support' '[purpose support]' 'reason = ^TICKET-\d+$'; } >"$T/r.rules"
# Made-up people, subjects and documentation addresses (RFC 5737, RFC 3849).
# bquiet and 5016 are in no reported finding and pass no filter below: they
# are known only from the events the audit judged.  192.0.2.250 is in no
# event at all (an unparsed line): an address is recognised as one.
cat >"$T/p.log" <<'L'
192.0.2.17 - mrossi [23/Nov/2026:10:00:00 +0000] "GET /api/v1/customers/5012/email?ref=/5012.html HTTP/1.1" 200 15 "-" "curl"
198.51.100.23 - jdoe [23/Nov/2026:10:01:00 +0000] "GET /api/v1/customers/5013/email?note=for-5013-mrossi&by=MROSSI HTTP/1.1" 200 15 "-" "curl"
203.0.113.5 - mrossi [23/Nov/2026:10:02:00 +0000] "GET /api/v1/customers/5014/email?reason=TICKET-1_jdoe&cc=Bquiet.x&peer=198.51.100.23 HTTP/1.1" 200 15 "-" "curl"
2001:db8::7 - akowalski [23/Nov/2026:10:03:00 +0000] "GET /api/v1/customers/5015/email?for=5016 HTTP/1.1" 200 15 "-" "Ak-5015"
192.0.2.99 - bquiet [23/Nov/2026:10:04:00 +0000] "GET /api/v1/customers/5016/email?from=2001:DB8::7 HTTP/1.1" 200 15 "-" "curl"
this line about JDOE, Akowalski, BQUIET and 5013 from 192.0.2.250 is not a log line
L
# A control character is escaped in JSON ("\u0001MROSSI"): the id is still found.
printf '192.0.2.17 - mrossi [23/Nov/2026:10:05:00 +0000] "GET /api/v1/customers/5012/email?n=\001MROSSI\001q HTTP/1.1" 200 15 "-" "curl"\n' >>"$T/p.log"
# A fixed key: the outputs are the same on every run, so no pseudonym can
# happen to hold a real id's digits in one run and not the next.
printf 'pseudo.sh test key, not a secret\n' >"$T/key"
IDS="mrossi jdoe akowalski bquiet 5012 5013 5014 5015 5016 192.0.2.17 198.51.100.23 203.0.113.5 2001:db8::7 192.0.2.99 192.0.2.250"

# no_ids NAME FILE: FILE exists, holds a pseudonym, and no real id in any case.
no_ids() {
	if [ ! -s "$2" ]; then bad "$1: written" "$(basename "$2") is missing or empty"; return; fi
	left=
	for id in $IDS; do
		if grep -qiF -- "$id" "$2"; then left="$left $id"; fi
	done
	if [ -z "$left" ]; then ok "$1: no real user, subject or address"
	else bad "$1: no real user, subject or address" "found:$left" \
		"$(for id in $left; do grep -i -m 1 -o ".\{0,30\}$id.\{0,10\}" "$2"; done)"; fi
	if grep -q 'user-[0-9a-f]\{10\}' "$2"; then ok "$1: pseudonyms instead"; else bad "$1: pseudonyms instead"; fi
}

# ---- scan: every report format and --events in one run --------------------
FORMATS="text json markdown html csv sarif junit"
reps=
for f in $FORMATS; do reps="$reps --report $f:$T/p.$f"; done
# --user filters name users; bquiet passes no filter, yet line 3 names him.
# shellcheck disable=SC2086
run scan --no-progress --rules "$T/r.rules" --pseudonymize "$T/key" --user mrossi --user jdoe \
	--user akowalski $reps --events "$T/p.events" "$T/p.log"
expect_rc "a pseudonymised scan with every report and --events (incomplete: one unparsed line)" 3
for f in $FORMATS; do no_ids "scan $f" "$T/p.$f"; done
no_ids "scan --events" "$T/p.events"
expect_in "json: the unparsed example keeps its text, pseudonymised" "$T/p.json" 'this line about user-'
expect_in "json: the command line is pseudonymised" "$T/p.json" '--user user-'
expect_in "json: a pseudonym stands next to '-'" "$T/p.json" 'for-subject-'
expect_in "json: a pseudonym stands next to '.'" "$T/p.json" '.html'
expect_in "json: an address becomes a pseudonym" "$T/p.json" 'src-'

# The export is JSON lines, of the events the filters pass, named as the
# reports of the run name them: an investigator can join the two.
if python3 - "$T/p.events" "$T/p.json" >"$T/py" 2>&1 <<'PY'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
rep = json.load(open(sys.argv[2]))
assert len(ev) == 5, len(ev)        # mrossi x3, jdoe, akowalski
for e in ev:
    for k in ("user", "subject", "src"):
        assert e[k].startswith(k + "-"), (k, e[k])
by_line = {e["line"]: e for e in ev}
found = rep["findings"]
assert found
for f in found:
    e = by_line[f["line"]]
    assert (e["user"], e["subject"]) == (f["user"], f["subject"]), (e, f)
    assert e["resource"] == f["resource"], (e["resource"], f["resource"])
# one user, one pseudonym: mrossi's two events (lines 1 and 3)
assert by_line[1]["user"] == by_line[3]["user"] == by_line[7]["user"]
assert by_line[7]["resource"].endswith("?n=\x01" + by_line[1]["user"] + "\x01q"), by_line[7]
assert by_line[1]["src"] != by_line[3]["src"]
# the evidence quotes the address of line 2 in line 3 under its src pseudonym
ev3 = [f for f in found if f["line"] == 3][0]["evidence"]
assert by_line[2]["src"] in ev3, ev3
PY
then ok "--events: JSON lines whose pseudonyms join with the report's"
else bad "--events: JSON lines whose pseudonyms join with the report's" "$(cat "$T/py")"; fi

# The same key gives the same pseudonyms; another key, others.
run scan --no-progress --rules "$T/r.rules" --pseudonymize "$T/key" --user mrossi --user jdoe \
	--user akowalski --report "json:$T/again.json" "$T/p.log"
grep -o '\(user\|subject\|src\)-[0-9a-f]*' "$T/p.json" | sort -u >"$T/names1"
grep -o '\(user\|subject\|src\)-[0-9a-f]*' "$T/again.json" | sort -u >"$T/names2"
if [ -s "$T/names1" ] && cmp -s "$T/names1" "$T/names2"; then ok "stable pseudonyms with one key"
else bad "stable pseudonyms with one key" "$(diff "$T/names1" "$T/names2")"; fi
printf 'another key, just as made up ..\n' >"$T/key2"
run scan --no-progress --rules "$T/r.rules" --pseudonymize "$T/key2" --user mrossi --user jdoe \
	--user akowalski --report "json:$T/other.json" "$T/p.log"
grep -o '\(user\|subject\|src\)-[0-9a-f]*' "$T/other.json" | sort -u >"$T/names3"
if [ -s "$T/names3" ] && ! comm -12 "$T/names1" "$T/names3" | grep -q .; then ok "another key, other pseudonyms"
else bad "another key, other pseudonyms" "$(comm -12 "$T/names1" "$T/names3")"; fi

# ---- trace: --user and --subject, every form, and its --events -------------
for who in "--user mrossi" "--subject 5013" "--subject 5016"; do
	tag=$(echo "$who" | tr -dc 'a-z0-9')
	reps=
	for f in text json csv html; do reps="$reps --report $f:$T/t$tag.$f"; done
	# shellcheck disable=SC2086
	run trace --no-progress --rules "$T/r.rules" --pseudonymize "$T/key" $who $reps \
		--events "$T/t$tag.events" "$T/p.log"
	if [ "$RC" -ge 2 ] && [ "$RC" != 3 ]; then bad "trace $who ran" "exit $RC"; fi
	for f in text json csv html events; do no_ids "trace $who $f" "$T/t$tag.$f"; done
done
# The trace's heading names the traced user as the scan's reports name him.
u=$(grep -o '"user":"user-[0-9a-f]*"' "$T/p.events" | head -n 1 | sed 's/.*"\(user-[0-9a-f]*\)"/\1/')
expect_in "trace: the same pseudonym as the scan's export" "$T/tusermrossi.text" "dpfaudit trace: user $u"

finish
