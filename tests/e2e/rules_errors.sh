#!/bin/sh
# rules_errors.sh - a broken rule file stops the run before anything is
# scanned (exit 2), with a message naming file:line and what was expected.
. "$(dirname "$0")/lib.sh"

printf '1.2.3.4 - mrossi [27/Nov/2026:10:00:00 +0000] "GET /x HTTP/1.1" 200 1\n' >"$T/a.log"

# case NAME LINE TEXT: write $T/bad.rules from stdin, scan, expect exit 2 and "bad.rules:LINE" + TEXT on stderr.
case_() {
	name=$1 line=$2 text=$3
	cat >"$T/bad.rules"
	run scan --no-progress --rules "$T/bad.rules" "$T/a.log"
	expect_rc "$name" 2
	expect_in "$name: names bad.rules:$line" "$ERR" "bad.rules:$line"
	expect_in "$name: says '$text'" "$ERR" "$text"
	if [ -s "$OUT" ]; then bad "$name: nothing is reported when rules fail"; else ok "$name: nothing is reported"; fi
}

case_ "missing =" 3 "=" <<'R'
[category email]
description = E-mail
resource ^/email
R

case_ "unknown section kind" 2 "catgory" <<'R'
# a comment
[catgory email]
R

case_ "unknown key with a hint" 4 "may-read" <<'R'
[category email]
resource = ^/email
[role agent]
may-reed = email
R

case_ "bad regex with its offset" 2 "offset" <<'R'
[category email]
resource = ^/api/(customers/email
R

case_ "undefined category" 6 "emial" <<'R'
[category email]
resource = ^/email
[role agent]
members = mrossi

may-read = emial
R

case_ "bad hours" 3 "Mox" <<'R'
[role agent]
members = mrossi
hours = Mox-Fri 07:00-20:00 Europe/Rome
R

case_ "bad window" 3 "max-subjects" <<'R'
[role agent]
members = mrossi
max-subjects = 40/forever
R

case_ "unclosed section" 1 "]" <<'R'
[category email
resource = ^/email
R

case_ "missing include" 1 "nope.rules" <<'R'
include = nope.rules
R

# An include loop: a includes b includes a.
printf 'include = b.rules\n' >"$T/a.rules"
printf '[category email]\nresource = ^/email\ninclude = a.rules\n' >"$T/b.rules"
run scan --no-progress --rules "$T/a.rules" "$T/a.log"
expect_rc "include loop" 2
expect_in "include loop names the including line" "$ERR" "b.rules:3"

# Binary junk in a rule file.
printf '[category email]\nresource = ^/email\n\001\002\000\377junk\n' >"$T/bin.rules"
run scan --no-progress --rules "$T/bin.rules" "$T/a.log"
expect_rc "binary junk in rules" 2
expect_in "binary junk names the file" "$ERR" "bin.rules:3"

# A rule file that does not exist.
run scan --no-progress --rules "$T/none.rules" "$T/a.log"
expect_rc "missing rule file" 2
expect_in "missing rule file is named" "$ERR" "none.rules"

# A pgAudit log with its own log_line_prefix: a [format] with prefix and no pattern.
cat >"$T/pg.rules" <<'R'
[format pg-custom]
prefix = ^(?<time>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \w+) \[\d+\] user=(?<user>\S*) db=\S* 
[category customers]
resource = ^public\.customers$
[role analyst]
members = carol
may-read = *
purposes = *
R
{
	printf '2026-11-27 10:02:00 UTC [4242] user=carol db=shop LOG:  AUDIT: SESSION,1,1,READ,SELECT,TABLE,public.customers,"select *\n'
	printf '\tfrom public.customers",<not logged>\n'
	printf '2026-11-27 10:03:00 UTC [4242] user=mallory db=shop LOG:  AUDIT: SESSION,2,1,READ,SELECT,TABLE,public.customers,"select 1",<not logged>\n'
} >"$T/pg.log"
run scan --no-progress --detail high --rules "$T/pg.rules" "$T/pg.log"
expect_rc "a pgAudit format with its own prefix" 0
expect_in "the custom prefix is detected" "$OUT" "format pg-custom"
expect_in "its user is read from the prefix" "$OUT" "user mallory"
expect_in "the multi-line record is read whole" "$OUT" "3 lines (2 parsed, 0 unparsed)"

# The default rules are valid.
run rules --lint --rules "$RULES"
expect_rc "the default rules pass --lint" 0

finish
