#!/bin/sh
# pseudo.sh - a pseudonymised report names no user or subject anywhere
# (SPEC §8, issue 16 case 7): not in the command line or filters, unparsed
# examples, reasons, or evidence where an id sits next to '.', '-' or '_' or
# is in another case; in every report format.  (--events with
# --pseudonymize is refused: the export is not pseudonymised.)
. "$(dirname "$0")/lib.sh"

{ email_rules; printf '%s\n' 'purposes = support' '[purpose support]' 'reason = ^TICKET-\d+$'; } >"$T/r.rules"
cat >"$T/p.log" <<'L'
10.0.0.1 - mrossi [23/Nov/2026:10:00:00 +0000] "GET /api/v1/customers/5012/email?ref=/5012.html HTTP/1.1" 200 15 "-" "curl"
10.0.0.2 - jdoe [23/Nov/2026:10:01:00 +0000] "GET /api/v1/customers/5013/email?note=for-5013-mrossi&by=MROSSI HTTP/1.1" 200 15 "-" "curl"
10.0.0.3 - mrossi [23/Nov/2026:10:02:00 +0000] "GET /api/v1/customers/5014/email?reason=TICKET-1_jdoe HTTP/1.1" 200 15 "-" "curl"
10.0.0.4 - akowalski [23/Nov/2026:10:03:00 +0000] "GET /api/v1/customers/5015/email HTTP/1.1" 200 15 "-" "Ak-5015"
this line about JDOE, Akowalski and 5013 is not a log line
L
head -c 32 /dev/urandom >"$T/key"
IDS="mrossi jdoe akowalski 5012 5013 5014 5015"

for f in json text csv html sarif junit markdown; do
	run scan --no-progress --rules "$T/r.rules" --pseudonymize "$T/key" --user mrossi --user jdoe \
		--user akowalski --subject 5013 --report "$f:$T/p.$f" "$T/p.log"
	if [ "$RC" -ge 2 ] && [ "$RC" != 3 ]; then bad "$f: the scan ran" "exit $RC"; continue; fi
	left=
	for id in $IDS; do
		if grep -qi -- "$id" "$T/p.$f"; then left="$left $id"; fi
	done
	if [ -z "$left" ]; then ok "$f: no real id anywhere"; else bad "$f: no real id anywhere" "found:$left" "$(grep -i -m 3 -o ".\{30\}\($(echo $IDS | sed 's/ /\\|/g')\).\{10\}" "$T/p.$f")"; fi
	expect_in "$f: pseudonyms are there instead" "$T/p.$f" "user-"
done
expect_in "json: the unparsed example keeps its text, pseudonymised" "$T/p.json" 'this line about user-'
expect_in "json: the command line is pseudonymised" "$T/p.json" '--user user-'
# The same key gives the same pseudonyms; another key, others.
grep -o 'user-[0-9a-f]*' "$T/p.json" | sort -u >"$T/names1"
run scan --no-progress --rules "$T/r.rules" --pseudonymize "$T/key" --report "json:$T/again.json" "$T/p.log"
grep -o 'user-[0-9a-f]*' "$T/again.json" | sort -u >"$T/names2"
if [ -s "$T/names2" ] && comm -13 "$T/names1" "$T/names2" | grep -q . ; then bad "stable pseudonyms with one key"; else ok "stable pseudonyms with one key"; fi

# trace: the traced events' ids, next to '-' or in another case too
printf '10.0.0.9 - jdoe [23/Nov/2026:11:00:00 +0000] "GET /api/v1/customers/5013/email?note=for-5013-JDOE_x HTTP/1.1" 200 15 "-" "curl"\n' >"$T/t.log"
for f in text csv json; do
	run trace --no-progress --subject 5013 --rules "$T/r.rules" --pseudonymize "$T/key" --report "$f:$T/t.$f" "$T/t.log"
	if grep -qi -e jdoe -e 5013 "$T/t.$f"; then bad "trace $f: no real id" "$(grep -i -m 2 -e jdoe -e 5013 "$T/t.$f")"; else ok "trace $f: no real id"; fi
done
expect_in "trace json: the pseudonym stands next to '-'" "$T/t.json" 'for-subject-'

run scan --no-progress --rules "$T/r.rules" --pseudonymize "$T/key" --events "$T/e.jsonl" "$T/p.log"
expect_rc "--events with --pseudonymize is refused, not exported with real ids" 2
if [ -e "$T/e.jsonl" ]; then bad "no export written"; else ok "no export written"; fi

finish
