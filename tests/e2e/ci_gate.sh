#!/bin/sh
# ci_gate.sh - the CI consumers of the reports, simulated:
#
# - GitHub code scanning: SARIF valid against the 2.1.0 schema, every
#   result with partialFingerprints from the baseline's fingerprint, the
#   same alerts for two runs of the same input (whatever -j, whatever the
#   file is called after rotation), one new alert for one new finding;
#   automationDetails naming the categories and the period; locations in a
#   .gz with the decompressed line number and the compression named.
# - GitLab's JUnit widget: valid against junit-10.xsd, and red exactly when
#   the gate's exit status is 1 (findings below --fail-on are listed as
#   output of passing cases), for every threshold; `dpfaudit test --report
#   junit:FILE` likewise.
. "$(dirname "$0")/lib.sh"

command -v python3 >/dev/null 2>&1 || { echo "not ok - python3 is needed"; exit 1; }
python3 -c 'import jsonschema' 2>/dev/null || { echo "not ok - python3-jsonschema is needed"; exit 1; }
command -v xmllint >/dev/null 2>&1 || { echo "not ok - xmllint is needed"; exit 1; }
SARIF_SCHEMA="$SHARED_TESTDATA/schemas/sarif-schema-2.1.0.json"
JUNIT_XSD="$SHARED_TESTDATA/schemas/junit-10.xsd"

cat >"$T/r.rules" <<'R'
[category email]
resource = ^/api/v1/customers/(?<subject>\d+)/email
[category health]
sensitive = yes
resource = ^/api/v1/customers/(?<subject>\d+)/health
[purpose support]
reason = ^TICKET-\d+$
[role support-agent]
members = mrossi, jdoe
may-read = email
purposes = support
R
L='"-" "curl/8.0"'
# Findings of several severities: no-business-reason (high), unknown-identity
# (high), sensitive-data-access (critical), and a justified read.
cat >"$T/a.log" <<EOF
10.0.0.7 - mrossi [24/Nov/2026:10:00:00 +0000] "GET /api/v1/customers/4711/email?reason=TICKET-88 HTTP/1.1" 200 71 $L
10.0.0.7 - mrossi [24/Nov/2026:10:01:00 +0000] "GET /api/v1/customers/4711/email HTTP/1.1" 200 71 $L
10.0.0.9 - bsmith [24/Nov/2026:10:02:00 +0000] "GET /api/v1/customers/1234/email HTTP/1.1" 200 71 $L
10.0.0.7 - jdoe [24/Nov/2026:10:03:00 +0000] "GET /api/v1/customers/5012/health?reason=TICKET-90 HTTP/1.1" 200 71 $L
10.0.0.7 - mrossi [24/Nov/2026:10:04:00 +0000] "GET /api/v1/customers/4711/email HTTP/1.1" 200 71 $L
EOF
gzip -c "$T/a.log" >"$T/a.log.gz"

scan() { run scan --no-progress --rules "$T/r.rules" "$@"; }

# ---- GitHub code scanning -------------------------------------------------
scan --report "sarif:$T/1.sarif" --write-baseline "$T/bl.txt" -j 1 "$T/a.log.gz"
expect_rc "scan writing sarif" 0
scan --report "sarif:$T/2.sarif" -j 2 "$T/a.log.gz"
cp "$T/a.log.gz" "$T/a.log.1.gz"	# logrotate renamed it
scan --report "sarif:$T/3.sarif" "$T/a.log.1.gz"

# alerts SARIF: what code scanning keeps, one "ruleId fingerprint" a line.
alerts() {
	python3 - "$SARIF_SCHEMA" "$1" <<'PY'
import json, sys
import jsonschema
schema = json.load(open(sys.argv[1]))
doc = json.load(open(sys.argv[2]))
jsonschema.Draft4Validator(schema).validate(doc)
keys = set()
for r in doc["runs"][0]["results"]:
    fp = r["partialFingerprints"]["dpfaudit/v1"]
    assert len(fp) == 64 and all(c in "0123456789abcdef" for c in fp), fp
    keys.add("%s %s" % (r["ruleId"], fp))
print("\n".join(sorted(keys)))
PY
}
if alerts "$T/1.sarif" >"$T/1.alerts" 2>"$T/py" && alerts "$T/2.sarif" >"$T/2.alerts" 2>>"$T/py" &&
	alerts "$T/3.sarif" >"$T/3.alerts" 2>>"$T/py"; then
	ok "sarif validates against SARIF 2.1.0, every result with a partial fingerprint"
else bad "sarif with fingerprints" "$(cat "$T/py")"; fi
n=$(wc -l <"$T/1.alerts")
if [ "$n" -ge 3 ] && cmp -s "$T/1.alerts" "$T/2.alerts"; then ok "the same $n alerts for two runs of the same input (-j 1, -j 2)"
else bad "alerts differ between two runs" "$(diff "$T/1.alerts" "$T/2.alerts")"; fi
if cmp -s "$T/1.alerts" "$T/3.alerts"; then ok "the same alerts after the log was rotated (renamed)"
else bad "alerts differ after rotation" "$(diff "$T/1.alerts" "$T/3.alerts")"; fi

# The fingerprint is the baseline's: SHA-256 of each baseline line.
if python3 - "$T/bl.txt" "$T/1.sarif" <<'PY' 2>"$T/py"
import hashlib, json, sys
bl = {l.rstrip("\n") for l in open(sys.argv[1]) if not l.startswith("#") and l.strip()}
want = {hashlib.sha256(l.encode()).hexdigest() for l in bl}
got = {r["partialFingerprints"]["dpfaudit/v1"] for r in json.load(open(sys.argv[2]))["runs"][0]["results"]}
assert got == want, (got, want)
PY
then ok "partialFingerprints are the SHA-256 of the baseline entries"; else bad "fingerprints vs baseline" "$(cat "$T/py")"; fi

# One new finding: exactly one new alert, none closed.
printf '%s\n' "10.0.0.9 - guest42 [24/Nov/2026:10:05:00 +0000] \"GET /api/v1/customers/9999/email HTTP/1.1\" 200 71 $L" >"$T/b.log"
scan --report "sarif:$T/4.sarif" "$T/a.log.gz" "$T/b.log"
alerts "$T/4.sarif" >"$T/4.alerts" 2>/dev/null
new=$(comm -13 "$T/1.alerts" "$T/4.alerts" | wc -l)
closed=$(comm -23 "$T/1.alerts" "$T/4.alerts" | wc -l)
if [ "$new" -eq 1 ] && [ "$closed" -eq 0 ]; then ok "one new finding opens one alert and closes none"
else bad "alert tracking" "new $new, closed $closed"; fi

# Locations in a compressed log: the decompressed line, the compression named.
if python3 - "$T/1.sarif" "$T/a.log" <<'PY' 2>"$T/py"
import json, sys
doc = json.load(open(sys.argv[1]))
lines = open(sys.argv[2]).read().split("\n")
run = doc["runs"][0]
for r in run["results"]:
    pl = r["locations"][0]["physicalLocation"]
    assert pl["artifactLocation"]["uri"].endswith("a.log.gz"), pl
    assert pl["properties"] == {"compression": "gzip", "lineNumbers": "decompressed"}, pl
    n = pl["region"]["startLine"]
    assert pl["region"]["snippet"]["text"] == lines[n - 1], (n, pl["region"]["snippet"])
assert run["artifacts"][0]["properties"]["compression"] == "gzip"
assert run["automationDetails"]["id"] == "dpfaudit/all/2026-11-24T10:00:00Z..2026-11-24T10:04:00Z", run["automationDetails"]
PY
then ok "sarif locations in a .gz: decompressed line numbers (zcat | sed -n Np), compression named; automationDetails"
else bad "sarif locations and automationDetails" "$(cat "$T/py")"; fi
scan --report "sarif:$T/5.sarif" --category email --category health --since 2026-11-24 --until 2026-11-24 "$T/a.log"
if python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))["runs"][0]
assert r["automationDetails"]["id"] == "dpfaudit/email+health/2026-11-24T00:00:00Z..2026-11-24T23:59:59Z", r["automationDetails"]
assert "properties" not in r["results"][0]["locations"][0]["physicalLocation"]' "$T/5.sarif" 2>"$T/py"
then ok "automationDetails: the filtered categories and --since/--until; a plain log has no compression property"
else bad "automationDetails with filters" "$(cat "$T/py")"; fi

# ---- GitLab JUnit widget ---------------------------------------------------
# verdict JUNIT: "red" if any test case failed or errored, else "green".
verdict() {
	python3 - "$1" <<'PY'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
bad = root.findall(".//testcase/failure") + root.findall(".//testcase/error")
assert int(root.get("failures")) == len({id(c) for c in root.findall(".//testcase") if c.find("failure") is not None})
print("red" if bad else "green")
PY
}
for gate in "" low medium high critical; do
	if [ -n "$gate" ]; then scan --fail-on "$gate" --report "junit:$T/j.xml" "$T/a.log.gz"; name="--fail-on $gate"
	else scan --report "junit:$T/j.xml" "$T/a.log.gz"; name="no --fail-on"; fi
	rc=$RC
	if xmllint --noout --schema "$JUNIT_XSD" "$T/j.xml" >"$T/xl" 2>&1; then ok "junit ($name) validates against junit-10.xsd"
	else bad "junit ($name) validates" "$(cat "$T/xl")"; fi
	v=$(verdict "$T/j.xml" 2>"$T/py")
	want=green
	[ "$rc" = 1 ] && want=red
	if [ "$v" = "$want" ] && [ "$rc" != 2 ] && [ "$rc" != 3 ]; then ok "junit verdict ($v) = the gate's exit status ($rc) with $name"
	else bad "junit verdict with $name" "junit $v, exit $rc" "$(cat "$T/py")"; fi
done
# With --fail-on critical only the critical check fails; the high ones are output.
scan --fail-on critical --report "junit:$T/j.xml" "$T/a.log.gz"
expect_rc "--fail-on critical with a critical finding" 1
expect_in "the critical check fails its case" "$T/j.xml" '<testcase name="sensitive-data-access" classname="dpf.security"><failure message="1 finding at or above --fail-on critical'
expect_in "a high finding below the gate is listed in a passing case" "$T/j.xml" \
	'<testcase name="no-business-reason" classname="dpf.security"><system-out>2 findings below the --fail-on critical gate'
scan --report "junit:$T/j.xml" "$T/a.log.gz"
expect_in "without --fail-on findings are listed, saying no gate is set" "$T/j.xml" "(no --fail-on gate: listed, not failed)"
expect_not_in "without --fail-on no case fails" "$T/j.xml" "<failure"
# An incomplete audit (exit 3) is an error in the widget.
head -c 40 "$T/a.log.gz" >"$T/cut.log.gz"
scan --fail-on low --report "junit:$T/j.xml" "$T/cut.log.gz"
expect_rc "a truncated input" 3
expect_in "an incomplete audit errors in junit" "$T/j.xml" '<error message="audit incomplete'

# ---- dpfaudit test --report junit:FILE -------------------------------------
{
	echo "# expect: none"
	sed -n 1p "$T/a.log"
	echo "# expect: no-business-reason"
	sed -n 2p "$T/a.log"
} >"$T/s.log"
run test --rules "$T/r.rules" --report "junit:$T/t.xml" "$T/s.log"
expect_rc "dpfaudit test passing" 0
if xmllint --noout --schema "$JUNIT_XSD" "$T/t.xml" >"$T/xl" 2>&1 && [ "$(verdict "$T/t.xml")" = green ]; then ok "test junit: valid and green when the samples pass"
else bad "test junit (pass)" "$(cat "$T/xl")"; fi
expect_in "test junit: one case per annotated line" "$T/t.xml" '<testcase name="line 4"'
{
	echo "# expect: none"
	sed -n 2p "$T/a.log"
} >>"$T/s.log"
run test --rules "$T/r.rules" --report "junit:$T/t.xml" "$T/s.log"
expect_rc "dpfaudit test with a mismatch" 1
if xmllint --noout --schema "$JUNIT_XSD" "$T/t.xml" >/dev/null 2>&1 && [ "$(verdict "$T/t.xml")" = red ]; then ok "test junit: red when a sample fails"
else bad "test junit (fail)"; fi
expect_in "test junit: the mismatch is the failure message" "$T/t.xml" '<testcase name="line 6" classname="'"$T/s.log"'"><failure message="expected none, got no-business-reason"'
run test --rules "$T/r.rules" --coverage --report "junit:$T/t.xml" "$T/s.log"
expect_in "test junit: a coverage suite" "$T/t.xml" '<testsuite name="coverage"'
run test --rules "$T/r.rules" --report "sarif:$T/t.xml" "$T/s.log"
expect_rc "test --report other than junit:FILE" 2
expect_in "test --report says what it writes" "$ERR" "test writes junit:FILE"

finish
