#!/bin/sh
# reports.sh - SPEC §5 and §8 end to end: every report format from one scan,
# validated against its schema (JSON: doc/report-schema.json, SARIF 2.1.0,
# JUnit: Jenkins junit-10.xsd), owner-only files, redaction, determinism,
# and write errors that make the audit incomplete (exit 3).
. "$(dirname "$0")/lib.sh"

cat >"$T/r.rules" <<'R'
[category email]
resource = ^/api/v1/customers/(?<subject>\d+)/email
[category health]
sensitive = yes
resource = ^/api/v1/customers/(?<subject>\d+)/health
[purpose support]
reason = ^TICKET-\d+$
[role support-agent]
members = mrossi
may-read = email
purposes = support
R

L='"-" "curl/8.0"'
cat >"$T/a.log" <<EOF
10.0.0.7 - mrossi [27/Nov/2026:10:00:05 +0000] "GET /api/v1/customers/4711/email?contact=alice@example.com HTTP/1.1" 200 71 $L
10.0.0.7 - mrossi [27/Nov/2026:10:01:05 +0000] "GET /api/v1/customers/4711/email?reason=TICKET-1 HTTP/1.1" 200 71 $L
10.0.0.7 - mrossi [27/Nov/2026:10:02:05 +0000] "GET /api/v1/customers/4712/health?reason=TICKET-2 HTTP/1.1" 200 71 $L
10.0.0.9 - - [27/Nov/2026:03:00:00 +0000] "GET /api/v1/customers/4713/email HTTP/1.1" 200 71 $L
10.0.0.8 - @eve [27/Nov/2026:04:00:00 +0000] "GET /api/v1/customers/4714/email?x==cmd|calc HTTP/1.1" 200 71 $L
this line is not a log line, bob@example.org
EOF
gzip -c "$T/a.log" >"$T/a.log.gz"

FORMATS="json sarif junit csv markdown html"
# reports DIR ARGS...: scan with the text report on stdout and every other format in DIR.
reports() {
	dir=$1
	shift
	mkdir -p "$dir"
	opts="--report text"
	for f in $FORMATS; do opts="$opts --report $f:$dir/r.$f"; done
	# shellcheck disable=SC2086 # $T has no spaces (mktemp)
	# The unparsed line is there for its redacted example: accept its share.
	run scan --no-progress --rules "$T/r.rules" --max-unparsed 100% $opts "$@"
}

reports "$T/a" "$T/a.log.gz"
expect_rc "a scan writing every format" 0
for f in $FORMATS; do
	if [ -s "$T/a/r.$f" ]; then ok "$f report written"; else bad "$f report written"; fi
	mode=$(stat -c %a "$T/a/r.$f" 2>/dev/null)
	if [ "$mode" = 600 ]; then ok "$f report is owner-only"; else bad "$f report is owner-only" "mode $mode"; fi
	expect_not_in "$f report masks e-mail addresses" "$T/a/r.$f" "alice@example.com"
	expect_not_in "$f report masks unparsed examples" "$T/a/r.$f" "bob@example.org"
done
expect_in "text report: verdict (no gate set)" "$OUT" "FINDINGS (no --fail-on gate): "
expect_in "text report: evidence file:line" "$OUT" "a.log.gz:1: "
expect_in "text report: masked address" "$OUT" "a***@e***.com"
expect_in "text report: unparsed example" "$OUT" "a.log.gz:6: "
ls -a "$T/a" >"$T/ls"
expect_not_in "no temporary file left" "$T/ls" ".tmp"

# JSON: valid against the documented schema; counts agree with the other formats.
if python3 - "$SRCDIR/doc/report-schema.json" "$T/a/r.json" "$T/a/r.csv" >"$T/py" 2>&1 <<'PY'
import csv, json, sys
import jsonschema
schema = json.load(open(sys.argv[1]))
doc = json.load(open(sys.argv[2]))
jsonschema.Draft202012Validator(schema).validate(doc)
rows = list(csv.DictReader(open(sys.argv[3], newline='')))
verdict = [r for r in rows if r["check"] == "(verdict)"]
assert len(verdict) == 1 and verdict[0] == rows[-1], verdict
assert verdict[0]["severity"] == doc["verdict"] == "fail", (verdict, doc["verdict"])
rows = rows[:-1]
assert len(rows) == len(doc["findings"]), (len(rows), len(doc["findings"]))
live = [f for f in doc["findings"] if not f["suppressed"]]
assert doc["summary"]["findings"] == len(live)
assert sum(doc["summary"]["by_severity"].values()) == len(live)
assert {f["check"] for f in live} >= {"no-business-reason", "unauthenticated-access", "unknown-identity"}
assert doc["complete"] is True
assert doc["coverage"]["lines"] == 6 and doc["coverage"]["unparsed"] == 1
for f in doc["findings"]:
    assert f["file"].endswith("a.log.gz") and f["line"] >= 1
PY
then ok "json validates against doc/report-schema.json and matches csv"
else bad "json validates against doc/report-schema.json and matches csv" "$(cat "$T/py")"
fi

if python3 - "$SHARED_TESTDATA/schemas/sarif-schema-2.1.0.json" "$T/a/r.sarif" "$T/a/r.json" >"$T/py" 2>&1 <<'PY'
import json, sys
import jsonschema
schema = json.load(open(sys.argv[1]))
doc = json.load(open(sys.argv[2]))
jsonschema.Draft4Validator(schema).validate(doc)
rep = json.load(open(sys.argv[3]))
res = doc["runs"][0]["results"]
assert len(res) == len(rep["findings"])
for r, f in zip(res, rep["findings"]):
    assert r["ruleId"] == f["check"]
    assert r["locations"][0]["physicalLocation"]["region"]["startLine"] == f["line"]
assert doc["runs"][0]["invocations"][0]["executionSuccessful"] is True
PY
then ok "sarif validates against SARIF 2.1.0"
else bad "sarif validates against SARIF 2.1.0" "$(cat "$T/py")"
fi

if xmllint --noout --schema "$SHARED_TESTDATA/schemas/junit-10.xsd" "$T/a/r.junit" >"$T/xl" 2>&1; then
	ok "junit validates against junit-10.xsd"
else
	bad "junit validates against junit-10.xsd" "$(cat "$T/xl")"
fi
expect_in "junit without --fail-on: the check's findings listed, not failed" "$T/a/r.junit" '<testcase name="no-business-reason" classname="dpf.security"><system-out>'
expect_in "csv: formula defused" "$T/a/r.csv" "\"'@eve\""
expect_in "markdown: principle table" "$T/a/r.markdown" "| Security | **fail** |"
expect_in "html: phone viewport" "$T/a/r.html" 'name="viewport"'
expect_not_in "html: no network" "$T/a/r.html" "http://"
expect_not_in "html: no script" "$T/a/r.html" "<script"

# Determinism: the same scan with -j 1 and -j 4 gives the same bytes (the
# recorded command line aside), written to the same paths.
for j in 1 4; do
	reports "$T/d" -j $j "$T/a.log.gz"
	for f in $FORMATS; do sed 's/-j [0-9]/-j N/g' "$T/d/r.$f" >"$T/d$j.$f"; done
done
for f in $FORMATS; do
	if cmp -s "$T/d1.$f" "$T/d4.$f"; then ok "$f report is deterministic"; else bad "$f report is deterministic"; fi
done

# --no-redact shows the evidence as logged.
run scan --no-progress --no-redact --rules "$T/r.rules" --report json:"$T/nr.json" "$T/a.log.gz"
expect_in "--no-redact shows addresses" "$T/nr.json" "alice@example.com"
expect_in "--no-redact is recorded" "$T/nr.json" '"redacted": false'

# The gate.
run scan --no-progress --fail-on high --max-unparsed 100% --rules "$T/r.rules" "$T/a.log.gz"
expect_rc "--fail-on high with high findings" 1
run scan --no-progress --fail-on high --rules "$T/r.rules" "$T/a.log.gz"
expect_rc "--fail-on high, 1 of 6 records unparsed (over 1%): 3 beats 1" 3
expect_in "the gate names what failed" "$OUT" "Gate (--fail-on high): FAILED"

# A report that cannot be written whole makes the audit incomplete.
run scan --no-progress --rules "$T/r.rules" --report text:/dev/full "$T/a.log.gz"
expect_rc "a report to a full device" 3
expect_in "the write error is named" "$ERR" "/dev/full: write error: No space left on device"
run scan --no-progress --rules "$T/r.rules" --report json:"$T/nodir/r.json" "$T/a.log.gz"
expect_rc "a report into a missing directory" 3
expect_in "the missing directory is named" "$ERR" "$T/nodir/r.json: write error:"
run scan --no-progress --rules "$T/r.rules" --report pdf "$T/a.log.gz"
expect_rc "an unknown report format" 2

# A damaged input: every format says so.
SIZE=$(wc -c <"$T/a.log.gz")
head -c $((SIZE - 10)) "$T/a.log.gz" >"$T/cut.log.gz"
reports "$T/c" "$T/cut.log.gz"
expect_rc "a damaged input" 3
expect_in "text: incomplete near the top" "$OUT" "AUDIT INCOMPLETE"
expect_in "json: incomplete" "$T/c/r.json" '"complete": false'
expect_in "sarif: execution not successful" "$T/c/r.sarif" '"executionSuccessful": false'
expect_in "markdown: incomplete" "$T/c/r.markdown" "Audit incomplete"
expect_in "html: incomplete" "$T/c/r.html" "AUDIT INCOMPLETE"
if xmllint --noout --schema "$SHARED_TESTDATA/schemas/junit-10.xsd" "$T/c/r.junit" >/dev/null 2>&1; then
	ok "junit of a damaged audit validates"
else
	bad "junit of a damaged audit validates"
fi

finish
