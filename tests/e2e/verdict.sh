#!/bin/sh
# verdict.sh - a verdict must be earned (SPEC §5, §6; issue 13 cases 1, 2, 3,
# 6, 13): NOTHING AUDITED, NOT ASSESSED, --max-unparsed at and around its
# limit, unmapped and skipped records, the verdict in every report format
# and the exit status; comment lines never use up format detection; and
# `dpfaudit test` expects no finding on an unannotated line.
. "$(dirname "$0")/lib.sh"

{ email_rules; printf '%s\n' 'purposes = support' '[purpose support]' 'reason = ^TICKET-\d+$'; } >"$T/r.rules"

L='"-" "curl/8.0"'
# good N: N justified reads by a member (no finding), one a second.
good() {
	awk -v n="$1" -v l="$L" 'BEGIN { for (i = 0; i < n; i++)
		printf "10.0.0.7 - mrossi [24/Nov/2026:10:%02d:%02d +0000] \"GET /api/v1/customers/%d/email?reason=TICKET-%d HTTP/1.1\" 200 71 %s\n",
			int(i / 60) % 60, i % 60, 1000 + i, i, l }'
}
# junk N: N lines no format parses.
junk() { awk -v n="$1" 'BEGIN { for (i = 0; i < n; i++) printf "garbage record %d ~~ not a log line\n", i }'; }

scan() { run scan --no-progress --rules "$T/r.rules" "$@"; }
FORMATS="json sarif junit csv markdown html"
# every ARGS...: scan with the text report on stdout and every other format in $T/rep.
every() {
	rm -rf "$T/rep"
	mkdir -p "$T/rep"
	opts="--report text"
	for f in $FORMATS; do opts="$opts --report $f:$T/rep/r.$f"; done
	# shellcheck disable=SC2086 # $T has no spaces (mktemp)
	scan $opts "$@"
}
# verdicts NAME KEY HEADLINE: every report of the last `every` carries the verdict.
verdicts() {
	if python3 - "$T/rep" "$2" "$3" >"$T/py" 2>&1 <<'PY'
import csv, json, sys, xml.etree.ElementTree as ET
d, key, head = sys.argv[1], sys.argv[2], sys.argv[3]
j = json.load(open(d + "/r.json"))
assert j["verdict"] == key, j["verdict"]
assert j["schema_version"].startswith("2."), j["schema_version"]
s = json.load(open(d + "/r.sarif"))
props = s["runs"][0]["invocations"][0]["properties"]
assert props["verdict"] == key and props["headline"].startswith(head), props
x = ET.parse(d + "/r.junit").getroot()
v = [p.get("value") for p in x.iter("property") if p.get("name") == "verdict"]
assert v == [head], v
rows = list(csv.DictReader(open(d + "/r.csv", newline="")))
assert rows[-1]["check"] == "(verdict)" and rows[-1]["severity"] == key, rows[-1]
assert rows[-1]["message"].startswith(head + ":"), rows[-1]
md = open(d + "/r.markdown").read()
assert md.startswith("## dpfaudit: " + head + ":"), md[:80]
html = open(d + "/r.html").read()
assert '<div class="verdict fail">' + head + ":" in html or \
	'<div class="verdict pass">' + head + ":" in html, "html"
PY
	then ok "$1: '$3' in json, sarif, junit, csv, markdown and html"
	else bad "$1: '$3' in every report" "$(tail -n 3 "$T/py")"
	fi
}
# headline NAME TEXT: the text report's verdict line (its second line) starts with TEXT.
headline() {
	got=$(sed -n 2p "$OUT")
	case "$got" in
	"$2"*) ok "$1: $2" ;;
	*) bad "$1" "headline '$got', expected '$2...'" ;;
	esac
}

# ---- case 3: nothing audited ---------------------------------------------
mkdir "$T/emptydir"
every --fail-on low "$T/emptydir"
expect_rc "an empty directory with --fail-on low" 3
headline "an empty directory" "NOTHING AUDITED: no input"
expect_not_in "an empty directory: no PASS" "$OUT" "PASS"
expect_in "an empty directory: said on stderr" "$ERR" "dpfaudit: nothing audited: no input"
verdicts "an empty directory" "nothing audited" "NOTHING AUDITED"

"$DPFAUDIT" scan --no-progress --rules "$T/r.rules" - </dev/null >"$T/out.stdin" 2>"$T/err.stdin"
RC=$?
OUT="$T/out.stdin"
expect_rc "empty standard input" 3
headline "empty standard input" "NOTHING AUDITED: no record in 1 input"

printf '# only a header\n\n   \n# and a comment\n' >"$T/comments.log"
every "$T/comments.log"
expect_rc "a file of blank and comment lines only" 3
headline "comments only" "NOTHING AUDITED: no record in 1 input (4 lines"
verdicts "comments only" "nothing audited" "NOTHING AUDITED"

# ---- not assessed ----------------------------------------------------------
{
	echo "10.0.0.7 - mrossi [24/Nov/2026:10:00:00 +0000] \"GET /static/app.css HTTP/1.1\" 200 71 $L"
	echo "10.0.0.7 - mrossi [24/Nov/2026:10:00:01 +0000] \"GET /healthz HTTP/1.1\" 200 2 $L"
} >"$T/static.log"
every "$T/static.log"
expect_rc "records parsed, no personal-data read" 0
headline "no personal-data read" "NOT ASSESSED: no personal-data read recognised in 2 parsed records"
verdicts "no personal-data read" "not assessed" "NOT ASSESSED"
every --fail-on low "$T/static.log"
expect_rc "not assessed with --fail-on low" 3
verdicts "not assessed with --fail-on" "not assessed" "NOT ASSESSED"
expect_in "not assessed: said on stderr" "$ERR" "not assessed: no personal-data read recognised in 2 parsed records"
expect_in "the gate does not say passed" "$OUT" "Gate (--fail-on low): not passed: NOT ASSESSED"
# The default rules on a log where no category matches.
run scan --no-progress --fail-on low "$T/static.log"
expect_rc "default rules, no category matches, --fail-on low" 3
headline "default rules, no category matches" "NOT ASSESSED:"

# Syslog lines of programs that log no access: skipped, not unparsed.
{
	echo "Nov 24 10:00:00 host1 CRON[123]: (root) CMD (run-parts /etc/cron.hourly)"
	echo "Nov 24 10:00:01 host1 sshd[99]: Accepted publickey for mrossi from 10.0.0.7 port 5000 ssh2"
	echo "Nov 24 10:00:02 host1 systemd[1]: Started Session 4 of user mrossi."
} >"$T/sys.log"
scan --year 2026 --fail-on high --report json:"$T/sys.json" --report text "$T/sys.log"
expect_rc "a syslog of programs without access records, --fail-on high" 3
headline "syslog without access records" "NOT ASSESSED: no record parsed (3 skipped as no access, 0 unparsed)"
if python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
c = d["coverage"]
assert d["complete"] is True and d["verdict"] == "not assessed", d["verdict"]
assert (c["skipped"], c["unparsed"], c["records"]) == (3, 0, 3), c' "$T/sys.json" 2>"$T/py"; then
	ok "syslog: 3 records skipped, none unparsed, input complete"
else
	bad "syslog: skipped records" "$(tail -n 1 "$T/py")"
fi

# PostgreSQL server lines that are no pgAudit record: skipped too.
{
	echo "2026-11-24 10:00:00.000 UTC [123] LOG:  checkpoint starting: time"
	echo "2026-11-24 10:00:01.000 UTC [124] LOG:  database system is ready to accept connections"
} >"$T/pg.log"
scan --report json:"$T/pg.json" --report text "$T/pg.log"
expect_rc "a PostgreSQL log without pgAudit records" 0
headline "PostgreSQL without pgAudit records" "NOT ASSESSED: no record parsed (2 skipped as no access, 0 unparsed)"

# ---- PASS is earned --------------------------------------------------------
good 20 >"$T/ok.log"
every --fail-on low "$T/ok.log"
expect_rc "justified reads only" 0
headline "justified reads only" "PASS: no findings"
verdicts "justified reads only" "pass" "PASS"

# ---- case 2: --max-unparsed ------------------------------------------------
run scan --no-progress -F json --fail-on high "$SRCDIR/samples/support-api.log.gz"
expect_rc "-F json on a web log: 4,000 of 4,000 unparsed" 3
headline "-F json on a web log" "INCOMPLETE: 0 findings"
expect_in "-F json: the share is named" "$ERR" "4000 of 4000 record(s) (100.00%) could not be parsed as json"
expect_in "-F json: the first lines are named" "$ERR" "first at line 1, 2, 3"

{ good 100; junk 3900; } >"$T/mostly-junk.log"
every --fail-on high "$T/mostly-junk.log"
expect_rc "3,900 of 4,000 records unparsed" 3
headline "3,900 of 4,000 unparsed" "INCOMPLETE: 0 findings in what could be read"
expect_in "3,900 of 4,000: share and limit" "$ERR" "3900 of 4000 record(s) (97.50%) could not be parsed as combined; more than --max-unparsed 1.00%; first at line 101, 102, 103"
verdicts "3,900 of 4,000 unparsed" "incomplete" "INCOMPLETE"
scan --max-unparsed 100% --fail-on high "$T/mostly-junk.log"
expect_rc "--max-unparsed 100% accepts any share" 0
headline "--max-unparsed 100%" "PASS: no findings"

# Exactly at the limit (40 of 4,000 = 1%) and one over it.
{ good 100; junk 40; good 3860; } >"$T/at.log"
scan --fail-on high "$T/at.log"
expect_rc "40 of 4,000 unparsed: exactly 1%, complete" 0
headline "exactly at the limit" "PASS: no findings"
{ good 100; junk 41; good 3859; } >"$T/over.log"
scan --fail-on high "$T/over.log"
expect_rc "41 of 4,000 unparsed: over 1%" 3
expect_in "41 of 4,000: never shown as within the limit" "$ERR" "(1.03%)"
scan --max-unparsed 1.5% "$T/over.log"
expect_rc "--max-unparsed 1.5% accepts 41 of 4,000" 0
scan --max-unparsed 0 "$T/at.log"
expect_rc "--max-unparsed 0 refuses a single unparsed record" 3
# Comment and blank lines are not records: 1 unparsed of 100 records is 1%.
{ good 50; i=0; while [ $i -lt 300 ]; do echo "# note $i"; echo; i=$((i + 1)); done; junk 1; good 49; } >"$T/commented.log"
scan "$T/commented.log"
expect_rc "1 of 100 records unparsed among 600 comment lines: 1%, complete" 0
scan --max-unparsed 101% "$T/at.log"
expect_rc "--max-unparsed 101%" 2
expect_in "a bad --max-unparsed is named" "$ERR" "--max-unparsed: '101%'"

# ---- case 1: JSON lines without the format's fields are not audited --------
# (Issue 13's own line, with keys of the built-in json mapping, is read by it:
# tests/e2e/sources.sh.  Here a JSON log whose keys no format maps.)
printf '{"when":"2026-11-24T10:00:00Z","who":"mrossi","verb":"GET","what":"/api/v1/customers/4711/email","code":200}\n' >"$T/other.json"
run scan --no-progress - <"$T/other.json"
expect_rc "a JSON log in no known shape (default rules)" 3
expect_not_in "a JSON log in no known shape: no PASS" "$OUT" "PASS"

# Records a format parses that name neither user nor resource: unmapped.
{ email_rules; printf '%s\n' '[format app]' 'type = json' 'field.time = ts' 'field.user = who' \
	'field.resource = what'; } >"$T/j.rules"
{
	i=0
	while [ $i -lt 20 ]; do
		printf '{"ts":"2026-11-24T10:00:%02dZ","who":"mrossi","what":"/api/v1/customers/%d/email"}\n' $i $((4700 + i))
		i=$((i + 1))
	done
	printf '{"ts":"2026-11-24T10:01:00Z","level":"info","msg":"cache warmed"}\n'
} >"$T/app.json"
run scan --no-progress --rules "$T/j.rules" -F app --report json:"$T/app.out.json" --report text "$T/app.json"
expect_rc "1 of 21 records unmapped" 3
expect_in "unmapped records are named as such" "$ERR" "1 of them unmapped (no user and no resource field)"
if python3 -c 'import json, sys
c = json.load(open(sys.argv[1]))["coverage"]
assert (c["parsed"], c["unparsed"], c["unmapped"]) == (20, 1, 1), c' "$T/app.out.json" 2>"$T/py"; then
	ok "unmapped: counted as unparsed, and apart"
else
	bad "unmapped counts" "$(tail -n 1 "$T/py")"
fi

# ---- merge: the verdict of the shards together is that of one scan ---------
run scan --no-progress --rules "$T/r.rules" --partial "$T/p.static" "$T/static.log"
run scan --no-progress --rules "$T/r.rules" --partial "$T/p.sys" --year 2026 "$T/sys.log"
run merge --rules "$T/r.rules" --fail-on low --report json:"$T/m.json" "$T/p.static" "$T/p.sys"
expect_rc "merge of two not-assessed shards with --fail-on low" 3
scan --year 2026 --fail-on low --report json:"$T/s.json" "$T/static.log" "$T/sys.log"
if python3 -c 'import json, sys
m, s = (json.load(open(p)) for p in sys.argv[1:3])
assert m["verdict"] == s["verdict"] == "not assessed", (m["verdict"], s["verdict"])
assert m["coverage"] == s["coverage"], (m["coverage"], s["coverage"])' "$T/m.json" "$T/s.json" 2>"$T/py"; then
	ok "merge: verdict and coverage (skipped, comments, unmapped) equal one scan"
else
	bad "merge: verdict and coverage" "$(tail -n 1 "$T/py")"
fi
run scan --no-progress --rules "$T/r.rules" --partial "$T/p.junk" "$T/mostly-junk.log"
run merge --rules "$T/r.rules" --max-unparsed 100% "$T/p.junk"
expect_rc "a shard over its --max-unparsed stays incomplete in merge" 3
run scan --no-progress --rules "$T/r.rules" --max-unparsed 100% --partial "$T/p.junk2" "$T/mostly-junk.log"
run merge --rules "$T/r.rules" "$T/p.junk2"
expect_rc "merge applies its own --max-unparsed (default 1%)" 3
run merge --rules "$T/r.rules" --max-unparsed 100% "$T/p.junk2"
expect_rc "merge --max-unparsed 100%" 0

# ---- case 6: comment and blank lines never use up the detection sample -----
{
	i=0
	while [ $i -lt 80 ]; do echo "# header line $i"; [ $((i % 3)) = 0 ] && echo; i=$((i + 1)); done
	echo "10.0.0.9 - bsmith [24/Nov/2026:10:00:00 +0000] \"GET /api/v1/customers/1234/email HTTP/1.1\" 200 71 $L"
	good 3
} >"$T/header.log"
scan --report json:"$T/header.json" --report text "$T/header.log"
expect_rc "107 comment and blank lines before the first record" 0
expect_in "the record after the header is audited" "$OUT" "header.log:108:"
if python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
i = d["scope"]["inputs"][0]
assert i["format"] == "combined" and i["parsed"] == 4 and i["unparsed"] == 0, i
assert i["comments"] == 107, i' "$T/header.json" 2>"$T/py"; then
	ok "a long header: format detected, every record parsed"
else
	bad "a long header" "$(tail -n 1 "$T/py")"
fi
# Comments between the records too: the sample is 64 records, not 64 lines.
{
	echo "# expect: unknown-identity"
	echo "10.0.0.9 - bsmith [24/Nov/2026:10:00:00 +0000] \"GET /api/v1/customers/1234/email HTTP/1.1\" 200 71 $L"
	good 70 | while read -r line; do echo "# expect: none"; echo; echo "$line"; done
} >"$T/annotated-long.log"
{ i=0; while [ $i -lt 100 ]; do echo "# sample header $i"; i=$((i + 1)); done; cat "$T/annotated-long.log"; } >"$T/annotated-header.log"
run test --rules "$T/r.rules" "$T/annotated-header.log"
expect_rc "dpfaudit test on a sample with a 100-line header" 0
expect_in "every annotated line passes" "$OUT" "71 passed, 0 failed"

# ---- case 13: an unannotated line expects no finding -----------------------
{
	echo "# expect: none"
	good 1
	echo "10.0.0.9 - bsmith [24/Nov/2026:10:00:00 +0000] \"GET /api/v1/customers/1234/email HTTP/1.1\" 200 71 $L"
	good 1
} >"$T/unannotated.log"
run test --rules "$T/r.rules" "$T/unannotated.log"
expect_rc "a finding on an unannotated line" 1
expect_in "the mismatch names file:line and the check" "$OUT" "unannotated.log:3: expected none (no annotation), got unknown-identity"
expect_not_in "the finding-free unannotated line is fine" "$OUT" "unannotated.log:4:"

finish
