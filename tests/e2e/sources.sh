#!/bin/sh
# sources.sh - audit sources (SPEC §3): JSON detection needs evidence, several
# JSON formats in the rules each take the inputs whose keys they carry, and
# the built-in sources read the real samples in ../shared/testdata.
. "$(dirname "$0")/lib.sh"

# field FILE N KEY: KEY of the N-th (1-based) event of an --events file.
field() {
	python3 -c 'import json,sys; e=[json.loads(l) for l in open(sys.argv[1])]; v=e[int(sys.argv[2])-1].get(sys.argv[3]); print("null" if v is None else v)' "$1" "$2" "$3"
}

# lint_err RULES_TEXT WHAT MESSAGE: `rules --lint` on that text (a printf
# format) names the error with the file and line.
lint_err() {
	printf "$1" >"$T/lint.rules"
	run rules -r "$T/lint.rules" --lint
	expect_in "$2" "$ERR" "$3"
}

# Issue 13 case 1: a JSON line with nginx-json-like keys is read by the
# built-in json mapping (time, user, method, path, status), not taken as the
# default rules' export-audit format (whose keys ts/actor/resource it lacks)
# and emptied.  mrossi has TICKET-88 open for 4711 (rules/tickets.csv), so
# the read is justified by inference; the same read of 5012 is not.
printf '{"time":"2026-11-24T10:00:00Z","user":"mrossi","method":"GET","path":"/api/v1/customers/4711/email","status":200}\n' >"$T/one.json"
run scan --detail high -r "$RULES" --events "$T/one.jsonl" "$T/one.json"
expect_rc "json line with web keys: audited" 0
expect_in "json line: format json" "$OUT" "format json,"
if [ "$(field "$T/one.jsonl" 1 user)" = mrossi ] && [ "$(field "$T/one.jsonl" 1 resource)" = /api/v1/customers/4711/email ] &&
	[ "$(field "$T/one.jsonl" 1 pd_read)" = True ] && [ "$(field "$T/one.jsonl" 1 justified_by)" = TICKET-88 ]; then
	ok "json line: user, resource, a personal-data read justified by TICKET-88"
else
	bad "json line: event fields" "$(cat "$T/one.jsonl")"
fi
printf '{"time":"2026-11-24T10:00:00Z","user":"mrossi","method":"GET","path":"/api/v1/customers/5012/email","status":200}\n' >"$T/two.json"
run scan --detail high -r "$RULES" --fail-on high "$T/two.json"
expect_rc "json line without a reason: a finding" 1
expect_in "json line without a reason: no-business-reason" "$OUT" "no-business-reason"

# An application log in JSON (a time, no resource or action key) is no access log.
run scan --detail high -r "$RULES" "$SHARED_TESTDATA/logs/lnav/logfile_json.json"
expect_rc "JSON application log: not audited" 3
expect_in "JSON application log: no known log format" "$OUT" "no known log format"

# A log that opens with more than a detection sample of lines no format
# reads (a startup banner): detection goes on to the next sample, so the
# records after it are audited and the banner is counted unparsed (exit 3,
# never a silent drop); past 16 samples it gives up as before.
banner() { i=0; while [ $i -lt "$1" ]; do echo "DEBUG worker $i of pool alpha started"; i=$((i + 1)); done; }
{ banner 100; i=0; while [ $i -lt 40 ]; do cat "$T/two.json"; i=$((i + 1)); done; } >"$T/banner.json"
run scan --detail high -r "$RULES" "$T/banner.json"
expect_rc "banner of 100 lines, then records: incomplete (the banner is unparsed)" 3
expect_in "banner, then records: each read after it is judged" "$OUT" "40 findings (40 high)"
expect_in "banner, then records: the banner is counted unparsed from line 1" "$ERR" \
	"100 of 140 record(s) (71.43%) could not be parsed as json; more than --max-unparsed 1.00%; first at line 1, 2, 3"
expect_not_in "banner, then records: a format was found" "$ERR" "no known log format"
{ banner 1100; cat "$T/two.json"; } >"$T/longbanner.json"
run scan --detail high -r "$RULES" "$T/longbanner.json"
expect_rc "banner longer than 16 samples: not audited" 3
expect_in "banner longer than 16 samples: no known log format" "$ERR" "no known log format"

# Two JSON formats in the rules: each input gets the one whose keys it carries.
cat >"$T/two.rules" <<'RULES'
[format app-a]
type = json
field.time = when
field.user = who
field.resource = what

[format app-b]
type = json
field.time = at
field.user = login
field.resource = object
field.action = op
read = fetch

[category email]
resource = /email$

[role agents]
members = alice, bob
may-read = *
reason-required = no
RULES
printf '{"when":"2026-11-24T10:00:00Z","who":"alice","what":"/c/1/email"}\n' >"$T/a.json"
printf '{"at":"2026-11-24T10:00:00Z","login":"bob","object":"/c/2/email","op":"fetch"}\n' >"$T/b.json"
run scan --detail high -r "$T/two.rules" --events "$T/ab.jsonl" -j 1 "$T/a.json" "$T/b.json"
expect_rc "two json formats" 0
expect_in "first input: app-a" "$OUT" "format app-a,"
expect_in "second input: app-b" "$OUT" "format app-b,"
if [ "$(field "$T/ab.jsonl" 1 user)" = alice ] && [ "$(field "$T/ab.jsonl" 2 user)" = bob ] &&
	[ "$(field "$T/ab.jsonl" 2 action)" = read ]; then
	ok "two json formats: each input's fields read with its own mapping"
else
	bad "two json formats: fields" "$(cat "$T/ab.jsonl")"
fi
# -F stays a global override.
run scan --detail high -r "$T/two.rules" -F app-a "$T/a.json" "$T/b.json"
expect_in "-F app-a applies to both" "$OUT" "b.json: "
if grep -F "b.json: " "$OUT" | grep -qF "format app-a,"; then ok "-F overrides detection"; else bad "-F overrides detection"; fi

# Container wrappers: a combined line behind the Kubernetes CRI prefix, a JSON
# line in Docker's json-file (escaped, with the wrapper's time standing in for
# a line without one).
printf '%s\n' '2026-11-24T10:00:00.123456789+01:00 stdout F 10.0.0.7 - mrossi [24/Nov/2026:10:00:00 +0100] "GET /api/v1/customers/5012/email HTTP/1.1" 200 71 "-" "curl/8"' \
	'2026-11-24T10:00:01.5+01:00 stderr F 10.0.0.7 - lnguyen [24/Nov/2026:10:00:01 +0100] "GET /api/v1/customers/5013/email HTTP/1.1" 403 71 "-" "curl/8"' >"$T/cri.log"
run scan --detail high -r "$RULES" --events "$T/cri.jsonl" "$T/cri.log"
expect_in "CRI: detected as cri+combined" "$OUT" "format cri+combined,"
if [ "$(field "$T/cri.jsonl" 1 user)" = mrossi ] && [ "$(field "$T/cri.jsonl" 2 status)" = 403 ] &&
	[ "$(field "$T/cri.jsonl" 1 time)" = 2026-11-24T09:00:00Z ]; then
	ok "CRI: the inner line's fields"
else
	bad "CRI: fields" "$(cat "$T/cri.jsonl")"
fi
printf '%s\n' '{"log":"{\"time\":\"2026-11-24T10:00:00Z\",\"user\":\"mrossi\",\"method\":\"GET\",\"path\":\"/api/v1/customers/5012/email\",\"status\":200}\n","stream":"stdout","time":"2026-11-24T09:00:00.1Z"}' \
	'{"log":"{\"user\":\"mrossi\",\"method\":\"GET\",\"path\":\"/api/v1/customers/5013/email\",\"status\":403}\n","stream":"stdout","time":"2026-11-24T09:00:01.1Z"}' >"$T/docker.log"
run scan --detail high -r "$RULES" --events "$T/docker.jsonl" "$T/docker.log"
expect_in "Docker: detected as docker+json" "$OUT" "format docker+json,"
if [ "$(field "$T/docker.jsonl" 1 time)" = 2026-11-24T10:00:00Z ] && [ "$(field "$T/docker.jsonl" 2 time)" = 2026-11-24T09:00:01Z ] &&
	[ "$(field "$T/docker.jsonl" 2 resource)" = /api/v1/customers/5013/email ]; then
	ok "Docker: inner fields; the wrapper's time where the line has none"
else
	bad "Docker: fields" "$(cat "$T/docker.jsonl")"
fi
# `wrapper = cri` in a rule format.
cat >"$T/wrap.rules" <<'RULES'
[format kv]
wrapper = cri
pattern = ^(?<user>\S+) (?<method>\S+) (?<resource>\S+)$
field.action = method

[category email]
resource = /email$

[role agents]
members = alice
may-read = *
reason-required = no
RULES
printf '%s\n' '2026-11-24T10:00:00Z stdout F alice GET /c/1/email' >"$T/kv.log"
run scan --detail high -r "$T/wrap.rules" --events "$T/kv.jsonl" "$T/kv.log"
expect_in "wrapper = cri: the rule format reads the inner line" "$OUT" "format kv,"
if [ "$(field "$T/kv.jsonl" 1 user)" = alice ] && [ "$(field "$T/kv.jsonl" 1 time)" = 2026-11-24T10:00:00Z ]; then
	ok "wrapper = cri: fields and the CRI time"
else
	bad "wrapper = cri: fields" "$(cat "$T/kv.jsonl")"
fi
lint_err '[format x]\nwrapper = podman\npattern = ^(?<user>\\S+)$\n' "bad wrapper named with file:line" "lint.rules:2: bad wrapper 'podman' (expected cri or docker)"

# The format language (SPEC §3): a value template, quoted action values with
# spaces, denied/failed/skip = PATH:REGEX, timezone for local times, paths.
cat >"$T/lang.rules" <<'RULES'
[format store]
type = json
paths = store-*.log
timezone = Europe/Rome
field.time = at
field.user = who
field.action = op
field.resource = {bucket}/{key} bucket
read = "Get Object" fetch
denied = error:^Forbidden$
failed = error:.
skip = kind:^heartbeat$

[category exports]
resource = ^exports/

[role analysts]
members = alice, bob
may-read = *
reason-required = no
RULES
{
	printf '%s\n' '{"at":"2026-07-01 10:00:00","who":"alice","op":"Get Object","bucket":"exports","key":"2026-06.csv"}'
	printf '%s\n' '{"at":"2026-07-01 10:00:01","kind":"heartbeat"}'
	printf '%s\n' '{"at":"2026-07-01 10:00:02","who":"bob","op":"Get Object","bucket":"exports","key":"2026-06.csv","error":"Forbidden"}'
	printf '%s\n' '{"at":"2026-07-01 10:00:03","who":"bob","op":"fetch","bucket":"exports","error":"SlowDown"}'
} >"$T/store-1.log"
run scan --detail high -r "$T/lang.rules" --events "$T/lang.jsonl" "$T/store-1.log"
expect_in "paths: the format reads its files" "$OUT" "format store,"
if [ "$(field "$T/lang.jsonl" 1 resource)" = exports/2026-06.csv ] && [ "$(field "$T/lang.jsonl" 1 action)" = read ] &&
	[ "$(field "$T/lang.jsonl" 1 time)" = 2026-07-01T08:00:00Z ] && [ "$(field "$T/lang.jsonl" 1 pd_read)" = True ]; then
	ok "template joins bucket/key; quoted action with a space; local time in Europe/Rome (CEST)"
else
	bad "template, quoted action, timezone" "$(cat "$T/lang.jsonl")"
fi
if [ "$(wc -l <"$T/lang.jsonl")" -eq 3 ] && [ "$(field "$T/lang.jsonl" 2 status)" = 403 ] &&
	[ "$(field "$T/lang.jsonl" 3 status)" = 400 ] && [ "$(field "$T/lang.jsonl" 3 resource)" = exports ] &&
	[ "$(field "$T/lang.jsonl" 2 pd_read)" = False ]; then
	ok "skip drops the heartbeat; denied is 403, failed 400, neither a read; a template without its key falls through"
else
	bad "skip, denied, failed" "$(cat "$T/lang.jsonl")"
fi
# paths: a file the glob does not name is not read with it, even if it could be.
cp "$T/store-1.log" "$T/other.log"
run scan --detail high -r "$T/lang.rules" "$T/other.log"
expect_not_in "paths: another file does not get the format" "$OUT" "format store,"
lint_err '[format x]\ntype = json\nread = "Get Object\n' "an unclosed quote is named" "lint.rules:3: unclosed"
lint_err '[format x]\ntype = json\nfield.resource = {a}/{\n' "a bad template is named" "lint.rules:3: bad template"
lint_err '[format x]\ntype = json\nskip = stage\n' "skip needs PATH:REGEX" "lint.rules:3: 'skip' needs PATH:REGEX"
lint_err '[format x]\ntype = json\ntimezone = Mars/Olympus\n' "a bad timezone is named" "lint.rules:3: bad timezone"
lint_err '[format x]\npattern = ^(?<user>\\S+)$\nmultiline = yes\n' "a bad multiline is named" "lint.rules:3: bad multiline 'yes' (expected tab or csv)"
lint_err '[format x]\ntype = json\nmultiline = csv\n' "multiline is for regex formats" "lint.rules:3: 'multiline' is only for type regex"
lint_err '[format cloudtrail]\ntype = json\n' "a built-in source's name is refused" "would hide the built-in format"

# IIS W3C extended (the real lnav sample): columns from its #Fields: header,
# which is a comment, not a record; '-' is no user.
run scan --detail high -r "$T/two.rules" --events "$T/w3c.jsonl" "$SHARED_TESTDATA/logs/lnav/logfile_w3c.0"
expect_rc "w3c sample: complete" 0
expect_in "w3c sample: detected" "$OUT" "format w3c,"
if [ "$(field "$T/w3c.jsonl" 1 time)" = 2002-05-02T17:42:15Z ] && [ "$(field "$T/w3c.jsonl" 1 src)" = 172.22.255.255 ] &&
	[ "$(field "$T/w3c.jsonl" 1 user)" = null ] && [ "$(field "$T/w3c.jsonl" 1 resource)" = /images/picture.jpg ] &&
	[ "$(field "$T/w3c.jsonl" 1 status)" = 200 ] && [ "$(field "$T/w3c.jsonl" 1 line)" = 5 ]; then
	ok "w3c sample: time (UTC), src, no user, resource, status, line 5"
else
	bad "w3c sample: fields" "$(cat "$T/w3c.jsonl")"
fi
# `dpfaudit test` on an annotated IIS log whose #Fields change mid-file: the
# annotations are comments like the directives, and each record is judged
# with the layout in effect (mrossi has TICKET-88 for 4711, none for 5012/5013).
cat >"$T/iis.log" <<'LOG'
#Software: Microsoft Internet Information Services 10.0
#Version: 1.0
#Date: 2026-11-23 09:00:00
#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) sc-status sc-substatus sc-win32-status time-taken
# expect: no-business-reason
2026-11-23 09:12:40 10.20.0.1 GET /api/v1/customers/5012/email - 443 mrossi 10.20.5.155 Mozilla/5.0 200 0 0 15
# expect: none
2026-11-23 09:13:00 10.20.0.1 GET /api/v1/customers/4711/email reason=TICKET-88 443 mrossi 10.20.5.155 Mozilla/5.0 200 0 0 15
#Software: Microsoft Internet Information Services 10.0
#Version: 1.0
#Date: 2026-11-23 10:00:00
#Fields: date time c-ip cs-username cs-method cs-uri-stem cs-uri-query sc-status
# expect: no-business-reason
2026-11-23 10:00:05 10.20.5.155 mrossi GET /api/v1/customers/5013/email - 200
LOG
run test -r "$RULES" "$T/iis.log"
expect_rc "annotated IIS log: dpfaudit test passes" 0
expect_in "annotated IIS log: 3 annotations checked" "$OUT" "3 passed, 0 failed"

# A resumed scan (--state) of the grown log judges only the new record, with
# the #Fields of the lines it skips (the second layout, from line 13).
run scan --no-progress --state "$T/iis.state" "$T/iis.log"
echo '2026-11-23 11:00:00 10.20.5.1 jdoe GET /api/v1/customers/5099/email - 200' >>"$T/iis.log"
run scan --no-progress --state "$T/iis.state" --events "$T/iis2.jsonl" "$T/iis.log"
if [ "$(wc -l <"$T/iis2.jsonl")" -eq 1 ] && [ "$(field "$T/iis2.jsonl" 1 user)" = jdoe ] &&
	[ "$(field "$T/iis2.jsonl" 1 resource)" = /api/v1/customers/5099/email ] && [ "$(field "$T/iis2.jsonl" 1 line)" = 15 ]; then
	ok "resumed w3c scan: the new record read with the header of the skipped lines"
else
	bad "resumed w3c scan" "$(cat "$T/iis2.jsonl")"
fi

# The same records without their header are in no known format.
grep -v '^#' "$SHARED_TESTDATA/logs/lnav/logfile_w3c.0" >"$T/w3c-nohdr.log"
run scan --detail high -r "$T/two.rules" "$T/w3c-nohdr.log"
expect_rc "w3c records without #Fields: not read" 3

# doc/sources.md: each source's sample record is detected as that source.
python3 - "$SRCDIR/doc/sources.md" "$T" <<'PY' >"$T/docsamples.txt"
import re, sys
doc = open(sys.argv[1]).read()
for m in re.finditer(r"## `([^`]+)`\n.*?Sample record[^\n]*\n\n```\n(.*?)\n```", doc, re.S):
    name, rec = m.group(1), m.group(2)
    path = "%s/doc-%s.log" % (sys.argv[2], name)
    open(path, "w").write(rec + "\n")
    print(name, path)
PY
n=0
while read -r name path; do
	n=$((n + 1))
	want=$name
	[ "$name" = envoy ] && want=cri+envoy
	[ "$name" = envoy-text ] && want=envoy	# envoy reads its text lines through its fallback
	counts="(1 parsed, 0 unparsed)"
	# nginx's error log is read but holds no access record (doc/sources.md).
	[ "$name" = nginx-error ] && counts="(0 parsed, 0 unparsed, 1 skipped as no access)"
	run scan --detail high -r "$T/two.rules" "$path"
	if grep -qF "format $want," "$OUT" && grep -qF "$counts" "$OUT"; then
		ok "doc/sources.md: the $name sample is read as $want"
	else
		bad "doc/sources.md: the $name sample" "$(grep -F "$path" "$OUT" | head -1)"
	fi
done <"$T/docsamples.txt"
if [ "$n" -ge 19 ]; then ok "doc/sources.md: $n samples"; else bad "doc/sources.md: only $n samples found"; fi

# `dpfaudit test` on a CloudTrail file as delivered (one JSON document, a
# Records array): a record has no comment line before it, so its annotation
# is its own key "# expect".  The annotated jsonl sample made a document:
# the same records and expectations must give the same result.
CT="$SRCDIR/samples/annotated/09-s3-cloudtrail.jsonl"
awk 'BEGIN { printf "{\"Records\":[\n" }
/^# expect:/ { sub(/^# expect: */, ""); e = e (e == "" ? "" : ", ") $0; next }
/^#/ || /^$/ { next }
{ if (n++) printf ",\n"; if (e != "") sub(/^\{/, "{\"# expect\":\"" e "\","); printf "%s", $0; e = "" }
END { printf "\n]}\n" }' "$CT" >"$T/ct-doc.json"
run test -r "$SRCDIR/rules" "$CT"
want=$(tail -n 1 "$OUT")
run test -r "$SRCDIR/rules" "$T/ct-doc.json"
expect_rc "test: a CloudTrail document annotated per record passes" 0
if [ "$(tail -n 1 "$OUT")" = "$want" ] && [ "$(grep -c '"# expect"' "$T/ct-doc.json")" -ge 8 ]; then
	ok "test: the document's records are compared as the jsonl lines are ($want)"
else
	bad "test: document against jsonl" "jsonl: $want" "document: $(tail -n 1 "$OUT")"
fi
# A wrong expectation is a mismatch named by the record's index.
sed '0,/"# expect":"no-business-reason"/s//"# expect":"none"/' "$T/ct-doc.json" >"$T/ct-doc2.json"
run test -r "$SRCDIR/rules" "$T/ct-doc2.json"
expect_rc "test: a wrong per-record expectation fails" 1
expect_in "test: the mismatch names file:record" "$OUT" "ct-doc2.json:2: expected none, got no-business-reason"
# An expectation that is not a string, or names no check: a rule error (exit 2).
sed '0,/"# expect":"none"/s//"# expect":7/' "$T/ct-doc.json" >"$T/ct-doc3.json"
run test -r "$SRCDIR/rules" "$T/ct-doc3.json"
expect_rc "test: a non-string \"# expect\" is an annotation error" 2
expect_in "test: the error names file:record" "$ERR" "ct-doc3.json:1: the record's \"# expect\" must be a string"

finish
