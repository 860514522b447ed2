#!/bin/sh
# records.sh - JSON documents with a Records/records array (issue 14, SPEC 3):
# CloudTrail as delivered and Azure resource logs are read as one event per
# array element, streamed, `file:N` being the Nth record of the document.
. "${SRCDIR:?}/tests/e2e/lib.sh"

CT="$SHARED_TESTDATA/logs/audit-sources/aws-cloudtrail"
PRETTY="$CT/awslib_SerializerTestFile.json"
COMPACT="$CT/awslib_SerializerTestFileCompact.json.gz"

if ! command -v python3 >/dev/null 2>&1; then
	echo "# skip: records.sh needs python3 to count and check records"
	exit 77
fi

# py CODE ARGS...: a python3 one-off.
py() { c=$1; shift; python3 -c "$c" "$@"; }

scan() { run scan --no-progress --rules "$RULES" "$@"; }

# input_field JSON IDX KEY: scope.inputs[IDX][KEY] of a JSON report.
input_field() {
	py 'import json,sys; print(json.load(open(sys.argv[1]))["scope"]["inputs"][int(sys.argv[2])][sys.argv[3]])' "$@"
}
# event_field EVENTS FILE_SUFFIX LINE KEY: KEY of the event from that file and line.
event_field() {
	py '
import json,sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e["file"].endswith(sys.argv[2]) and e["line"] == int(sys.argv[3]):
        print(e[sys.argv[4]]); break
else:
    print("(no such event)")' "$@"
}
expect_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else bad "$1" "got '$2', expected '$3'"; fi
}

# --- the real samples: detected, every record an event, fields right -------
scan --report "json:$T/r.json" --events "$T/ev.jsonl" "$PRETTY" "$COMPACT"
expect_rc "real CloudTrail documents read whole" 0
n_pretty=$(py 'import json,sys; print(len(json.load(open(sys.argv[1]))["Records"]))' "$PRETTY")
n_compact=$(py 'import json,gzip,sys; print(len(json.load(gzip.open(sys.argv[1]))["Records"]))' "$COMPACT")
expect_eq "pretty-printed document detected as cloudtrail" "$(input_field "$T/r.json" 0 format)" cloudtrail
expect_eq "gzip document detected as cloudtrail" "$(input_field "$T/r.json" 1 format)" cloudtrail
expect_eq "pretty-printed document: one event per record" "$(input_field "$T/r.json" 0 events)" "$n_pretty"
expect_eq "gzip document: one event per record" "$(input_field "$T/r.json" 1 events)" "$n_compact"
expect_eq "records counted as lines" "$(input_field "$T/r.json" 0 lines)" "$n_pretty"
expect_eq "nothing unparsed" "$(input_field "$T/r.json" 0 unparsed)$(input_field "$T/r.json" 1 unparsed)" 00
# Record 2 of the pretty document, record 4 (an ARN user) of the gzip one.
expect_eq "record 2: user" "$(event_field "$T/ev.jsonl" .json 2 user)" userIdentityUserName2
expect_eq "record 2: action" "$(event_field "$T/ev.jsonl" .json 2 raw_action)" eventName2
expect_eq "record 2: time" "$(event_field "$T/ev.jsonl" .json 2 time)" 2013-11-01T00:00:00Z
expect_eq "record 2: source" "$(event_field "$T/ev.jsonl" .json 2 src)" sourceIPAddress2
expect_eq "gzip record 4: user from the ARN" "$(event_field "$T/ev.jsonl" .json.gz 4 user)" userIdentityArn4
expect_eq "gzip record 4: action" "$(event_field "$T/ev.jsonl" .json.gz 4 raw_action)" eventName4
want_user4=$(py 'import json,gzip,sys; u=json.load(gzip.open(sys.argv[1]))["Records"][3]["userIdentity"]; print(u.get("userName") or u["arn"])' "$COMPACT")
expect_eq "gzip record 4: user as python reads it" "$want_user4" userIdentityArn4

# --- made-up documents ------------------------------------------------------
# gen N FILE [CUT_AT_RECORD]: a CloudTrail document of N made-up S3 GetObject
# records, each padded to about 1.5 KB; with CUT, cut inside record CUT.
gen() {
	py '
import json,sys
n, path = int(sys.argv[1]), sys.argv[2]
cut = int(sys.argv[3]) if len(sys.argv) > 3 else 0
pad = "x" * 1200
out = open(path, "w")
out.write("{\"Records\": [\n")
for i in range(1, n + 1):
    r = {"eventVersion": "1.08", "eventTime": "2026-03-02T10:%02d:%02dZ" % (i // 60 % 60, i % 60),
         "eventSource": "s3.amazonaws.com", "eventName": "GetObject",
         "userIdentity": {"type": "IAMUser", "userName": "jdoe%d" % (i % 7),
                          "arn": "arn:aws:iam::123456789012:user/jdoe%d" % (i % 7)},
         "sourceIPAddress": "198.51.100.%d" % (i % 250),
         "requestParameters": {"bucketName": "example-exports", "key": "customers/%d.csv" % i},
         "additionalEventData": {"note": pad}}
    s = json.dumps(r, indent=1)
    if i == cut:
        out.write(s[: len(s) // 2]); break
    out.write(s + (",\n" if i < n else "\n"))
else:
    out.write("]}\n")' "$@"
}

gen 50000 "$T/big.json"
gen 1000 "$T/small.json"
size_mb=$(($(wc -c <"$T/big.json") / 1048576))
run_rss() {
	RSS_MB=
	if [ -x /usr/bin/time ] && /usr/bin/time -f %M -o "$T/probe" true 2>/dev/null; then
		/usr/bin/time -f %M -o "$T/rss" "$DPFAUDIT" "$@" >"$T/out" 2>"$T/err"
		RC=$?
		RSS_MB=$(($(tail -n 1 "$T/rss") / 1024))
	else
		run "$@"
	fi
}
# Bounded means: 50 times the records cost (almost) no more memory than a
# 1,000-record document: at most 16 MB more, and under 40 MB in all. An
# instrumented build (DPF_INSTRUMENTED: the build's sanitizer and coverage
# flags, from Makefile.am) adds shadow memory and allocator caches in
# proportion to what the run touches, so there the bound is the one a
# whole-document buffer could not meet: growth below the document's size.
instrumented=$(echo ${DPF_INSTRUMENTED:-})
run_rss scan --no-progress --rules "$RULES" --report "json:$T/small.r.json" "$T/small.json"
small_mb=$RSS_MB
run_rss scan --no-progress --rules "$RULES" --report "json:$T/big.r.json" "$T/big.json"
expect_rc "50,000-record document ($size_mb MB) read" 0
expect_eq "50,000-record document: every record an event" "$(input_field "$T/big.r.json" 0 events)" 50000
if [ -z "$RSS_MB" ]; then
	echo "# skip: no GNU time for the RSS of the big document"
else
	growth=$((RSS_MB - small_mb))
	what="peak RSS $RSS_MB MB for a $size_mb MB document, $small_mb MB for 1,000 records"
	if [ -n "$instrumented" ]; then
		if [ "$growth" -lt "$size_mb" ]; then
			ok "big document read in bounded memory ($what; instrumented: $instrumented)"
		else
			bad "big document read in bounded memory" "$what; instrumented: $instrumented"
		fi
	elif [ "$growth" -lt 16 ] && [ "$RSS_MB" -lt 40 ]; then
		ok "big document read in bounded memory ($what)"
	else
		bad "big document read in bounded memory" "$what"
	fi
fi
gzip -c "$T/big.json" >"$T/big.json.gz"
scan --report "json:$T/bigz.r.json" --events "$T/bigz.ev" "$T/big.json.gz"
expect_eq "gzip 50,000-record document: every record an event" "$(input_field "$T/bigz.r.json" 0 events)" 50000
expect_eq "record 4711: resource is bucket/key" "$(event_field "$T/bigz.ev" .json.gz 4711 resource)" example-exports/customers/4711.csv
expect_eq "record 4711: user" "$(event_field "$T/bigz.ev" .json.gz 4711 user)" jdoe0
expect_eq "record 4711: action" "$(event_field "$T/bigz.ev" .json.gz 4711 raw_action)" GetObject
expect_eq "record 4711: time" "$(event_field "$T/bigz.ev" .json.gz 4711 time)" 2026-03-02T10:18:31Z

# -j 1 and -j 2 give the same report.
scan -j 1 --report "json:$T/j1.json" "$PRETTY" "$COMPACT" "$T/big.json.gz"
scan -j 2 --report "json:$T/j2.json" "$PRETTY" "$COMPACT" "$T/big.json.gz"
strip() { py 'import json,sys; d=json.load(open(sys.argv[1])); d.pop("tool",None); d.pop("command",None); print(json.dumps(d, sort_keys=True))' "$1"; }
if [ "$(strip "$T/j1.json")" = "$(strip "$T/j2.json")" ]; then ok "-j 1 and -j 2 reports identical"; else
	bad "-j 1 and -j 2 reports identical" "$(diff "$T/j1.json" "$T/j2.json" | head -n 10)"; fi

# A document cut inside record 8: incomplete, with the 7 records read.
gen 10 "$T/cut.json" 8
scan --report "json:$T/cut.r.json" "$T/cut.json"
expect_rc "document cut mid-array is incomplete" 3
expect_eq "cut document: the records before the cut are events" "$(input_field "$T/cut.r.json" 0 events)" 7
expect_in "cut document: the error says how many records were read" "$T/cut.r.json" "cut inside its Records array (7 record(s) read)"
gen 10 "$T/cut2.json" 8
gzip -c "$T/cut2.json" >"$T/cut.json.gz"
scan --report "json:$T/cutz.r.json" "$T/cut.json.gz"
expect_rc "gzip document cut mid-array is incomplete" 3

# Elements that are not objects are unparsed records, the others events.
printf '{"Records":[%s,%s,%s,42,"x",[1],%s]}' \
	'{"eventVersion":"1.08","eventTime":"2026-03-02T10:00:00Z","eventName":"GetObject","eventSource":"s3.amazonaws.com","userIdentity":{"userName":"amoreau"}}' \
	'{"eventVersion":"1.08","eventTime":"2026-03-02T10:00:01Z","eventName":"GetObject","eventSource":"s3.amazonaws.com","userIdentity":{"userName":"amoreau"}}' \
	'{"eventVersion":"1.08","eventTime":"2026-03-02T10:00:02Z","eventName":"GetObject","eventSource":"s3.amazonaws.com","userIdentity":{"userName":"amoreau"}}' \
	'{"eventVersion":"1.08","eventTime":"2026-03-02T10:00:03Z","eventName":"GetObject","eventSource":"s3.amazonaws.com","userIdentity":{"userName":"amoreau"}}' \
	>"$T/mixed.json"
scan --report "json:$T/mixed.r.json" "$T/mixed.json"
expect_eq "non-object elements: format still detected" "$(input_field "$T/mixed.r.json" 0 format)" cloudtrail
expect_eq "non-object elements are unparsed records" "$(input_field "$T/mixed.r.json" 0 unparsed)" 3
expect_eq "object elements are events" "$(input_field "$T/mixed.r.json" 0 events)" 4
expect_in "unparsed examples name the record index" "$T/mixed.r.json" '"line": 5'

# Invalid JSON inside the array: incomplete, with the byte offset.
printf '{"Records":[{"eventVersion":"1.08","eventTime":"2026-03-02T10:00:00Z","eventName":"GetObject","userIdentity":{"userName":"amoreau"}} oops]}' >"$T/bad.json"
scan --report "json:$T/bad.r.json" "$T/bad.json"
expect_rc "invalid JSON in a document is incomplete" 3
expect_in "invalid JSON: the byte offset is reported" "$T/bad.r.json" "of the JSON document (after record 1): invalid JSON"

# Nesting is bounded.
py 'import sys; open(sys.argv[1],"w").write("{\"Records\":[" + "[" * 100000 + "]" * 100000 + "]}")' "$T/deep.json"
scan --report "json:$T/deep.r.json" "$T/deep.json"
expect_rc "deep nesting is refused, not followed" 3
expect_in "deep nesting: said so" "$T/deep.r.json" "nested deeper than 64 levels"

# A record longer than --max-line is overlong (the input incomplete), its
# neighbours still read; a single value longer than that stops the document.
scan --max-line 200 --report "json:$T/ol.r.json" "$PRETTY"
expect_rc "records longer than --max-line: incomplete" 3
expect_eq "records longer than --max-line are counted overlong" "$(input_field "$T/ol.r.json" 0 overlong)" "$n_pretty"
expect_in "overlong records: said so, by record" "$T/ol.r.json" "record 1: $n_pretty record(s) of the JSON document longer than 200 bytes skipped"
py 'import sys; open(sys.argv[1],"w").write("{\"Records\":[{\"eventVersion\":\"1\"},{\"a\":\"" + "y" * 3000000 + "\"}]}")' "$T/long.json"
scan --report "json:$T/long.r.json" "$T/long.json"
expect_rc "a value longer than --max-line stops the document" 3
expect_in "long value: said so, with the records read" "$T/long.r.json" "a JSON value longer than 1048576 bytes (1 record(s) read)"
want_sha=$(sha256sum "$T/long.json" | cut -d' ' -f1)
expect_eq "long value: the rest is still read for the digest" "$(input_field "$T/long.r.json" 0 sha256)" "$want_sha"

# Azure: a lower-case "records" array, pretty-printed.
cat >"$T/azure.json" <<'J'
{
  "records": [
    {"time": "2026-03-02T10:00:00.0000000Z", "operationName": "GetBlob", "category": "StorageRead",
     "callerIpAddress": "203.0.113.9:51234", "statusCode": 200, "resultType": "Success",
     "uri": "https://exampleacct.blob.core.windows.net/exports/customers.csv",
     "identity": {"requester": {"upn": "lbernard@example.com"}}},
    {"time": "2026-03-02T10:00:05.0000000Z", "operationName": "PutBlob", "category": "StorageWrite",
     "callerIpAddress": "203.0.113.9:51234", "statusCode": 201, "resultType": "Success",
     "uri": "https://exampleacct.blob.core.windows.net/exports/report.csv",
     "identity": {"requester": {"upn": "lbernard@example.com"}}}
  ]
}
J
scan --report "json:$T/az.r.json" --events "$T/az.ev" "$T/azure.json"
expect_rc "Azure records document read" 0
expect_eq "Azure document detected as azure" "$(input_field "$T/az.r.json" 0 format)" azure
expect_eq "Azure document: one event per record" "$(input_field "$T/az.r.json" 0 events)" 2
expect_eq "Azure record 2: action" "$(event_field "$T/az.ev" azure.json 2 raw_action)" PutBlob

# One record a line still reads as lines.
py 'import json,sys
d=json.load(open(sys.argv[1]))
open(sys.argv[2],"w").write("".join(json.dumps(r)+"\n" for r in d["Records"]))' "$PRETTY" "$T/lines.json"
scan --report "json:$T/lines.r.json" "$T/lines.json"
expect_eq "one record a line: still lines" "$(input_field "$T/lines.r.json" 0 events)" "$n_pretty"

# --- `records = PATH` in the rules: the array is elsewhere -----------------
# A made-up secrets-store audit document whose events are at data.events; a
# "records" key below the top level and keys inside elements are no array
# of records.  Gzip too: the same streaming reader.
cat >"$T/vault.rules" <<'RULES'
[format vault]
type = json
records = data.events
field.time = at
field.user = who.name
field.action = op
field.resource = path
read = read
denied = error:^permission denied$

[category secrets]
resource = ^secret/customers/

[role ops]
members = alice
may-read = *
reason-required = no
RULES
printf '%s\n' '{"meta":{"records":[1,2],"n":3},"data":{"note":"x","events":[' \
	' {"at":"2026-11-24T10:00:00Z","who":{"name":"alice"},"op":"read","path":"secret/customers/4711"},' \
	' {"at":"2026-11-24T10:00:01Z","who":{"name":"bob"},"op":"read","path":"secret/customers/4712","x":[{"records":[]}]},' \
	' {"at":"2026-11-24T10:00:02Z","who":{"name":"carol"},"op":"read","path":"secret/customers/4713","error":"permission denied"}' \
	']}}' >"$T/vault.json"
gzip -c "$T/vault.json" >"$T/vault2.json.gz"
run scan --no-progress --rules "$T/vault.rules" --report "json:$T/vault.r.json" --events "$T/vault.ev" "$T/vault.json" "$T/vault2.json.gz"
expect_rc "records = data.events: complete" 0
expect_eq "records = PATH: detected as the rule format" "$(input_field "$T/vault.r.json" 0 format)" vault
expect_eq "records = PATH: one event per element" "$(input_field "$T/vault.r.json" 0 events)" 3
expect_eq "records = PATH: the records counted as lines" "$(input_field "$T/vault.r.json" 0 lines)" 3
expect_eq "records = PATH, gzip: one event per element" "$(input_field "$T/vault.r.json" 1 events)" 3
expect_eq "records = PATH: record 2's user" "$(event_field "$T/vault.ev" vault.json 2 user)" bob
expect_eq "records = PATH: record 2's resource" "$(event_field "$T/vault.ev" vault.json 2 resource)" secret/customers/4712
expect_eq "records = PATH: record 3 denied" "$(event_field "$T/vault.ev" vault.json 3 status)" 403
expect_eq "records = PATH: record 1's time" "$(event_field "$T/vault.ev" vault2.json.gz 1 time)" 2026-11-24T10:00:00Z
# Cut inside the array: incomplete (exit 3), with the records read before the cut.
head -c 250 "$T/vault.json" >"$T/vault-cut.json"
run scan --no-progress --rules "$T/vault.rules" --report "json:$T/cut.r.json" "$T/vault-cut.json"
expect_rc "records = PATH cut short: incomplete" 3
expect_eq "records = PATH cut short: the record before the cut read" "$(input_field "$T/cut.r.json" 0 events)" 1
expect_in "records = PATH cut short: said where" "$ERR" "JSON document"
# Without the rule's path, the same document is no records document.
run scan --no-progress --rules "$RULES" --report "json:$T/nopath.r.json" "$T/vault.json"
expect_rc "without records = PATH: not read as records" 3
printf '[format x]\ntype = logfmt\nrecords = data.events\n' >"$T/badrec.rules"
run rules -r "$T/badrec.rules" --lint
expect_in "records = PATH needs type json" "$ERR" "badrec.rules:3: 'records' is only for type json"

finish
