#!/bin/sh
# gate.sh - the CI gate end to end (SPEC §2 exit status, §6 rule tests):
# --fail-on thresholds, 3 beating 1 on a damaged input, baselines (written,
# applied, one new finding, stale entries), and `dpfaudit test` on
# annotated samples (a wrong expectation fails with its file:line).
. "$(dirname "$0")/lib.sh"

command -v gzip >/dev/null 2>&1 || { echo "skip: gzip not found"; exit 77; }

# A small policy of our own: precise cases that do not move with the default rules.
cat >"$T/r.rules" <<'R'
[category email]
resource = ^/api/v1/customers/(?<subject>\d+)/email
[purpose support]
reason = ^TICKET-\d+$
[role support-agent]
members = mrossi, jdoe
may-read = email
purposes = support
R

L='"-" "curl/8.0"'
OKREAD="10.0.0.7 - mrossi [24/Nov/2026:10:00:00 +0000] \"GET /api/v1/customers/4711/email?reason=TICKET-88 HTTP/1.1\" 200 71 $L"
NOREASON="10.0.0.7 - mrossi [24/Nov/2026:10:01:00 +0000] \"GET /api/v1/customers/4711/email HTTP/1.1\" 200 71 $L"
STRANGER="10.0.0.9 - bsmith [24/Nov/2026:10:02:00 +0000] \"GET /api/v1/customers/1234/email HTTP/1.1\" 200 71 $L"
PRODUCT="10.0.0.7 - jdoe [24/Nov/2026:10:03:00 +0000] \"GET /api/v1/products/42 HTTP/1.1\" 200 512 $L"
NEWBREACH="10.0.0.9 - guest42 [24/Nov/2026:10:04:00 +0000] \"GET /api/v1/customers/9999/email HTTP/1.1\" 200 71 $L"

# Two high findings: no-business-reason (line 2), unknown-identity (line 3).
printf '%s\n' "$OKREAD" "$NOREASON" "$STRANGER" "$PRODUCT" >"$T/a.log"

scan() { run scan --no-progress --rules "$T/r.rules" "$@"; }
# rows SEEN CSV: data rows of a CSV report whose `suppressed` column is SEEN (yes/no).
rows() { tr -d '\r' <"$2" | grep -c ",$1\$"; }

# --- --fail-on ------------------------------------------------------------
scan "$T/a.log"
expect_rc "no --fail-on: findings do not fail" 0
scan --fail-on critical "$T/a.log"
expect_rc "--fail-on critical with only high findings" 0
expect_in "the text report says the gate passed" "$OUT" "Gate (--fail-on critical): passed"
scan --fail-on high "$T/a.log"
expect_rc "--fail-on high with high findings" 1
expect_in "the text report says the gate failed" "$OUT" "FAILED by 2 findings"
scan --fail-on low "$T/a.log"
expect_rc "--fail-on low with high findings" 1
scan --fail-on bogus "$T/a.log"
expect_rc "--fail-on with an unknown severity" 2

# A damaged input: 3 beats 1, and the findings read before the damage are reported.
i=0
while [ $i -lt 2000 ]; do
	echo "10.0.$((i % 200)).$((i % 251)) - mrossi [24/Nov/2026:10:01:00 +0000] \"GET /api/v1/customers/$((1000 + i * 7))/email HTTP/1.1\" 200 $((i * 13 % 997)) $L"
	i=$((i + 1))
done >"$T/big.log"
gzip -c "$T/big.log" >"$T/big.log.gz"
SIZE=$(wc -c <"$T/big.log.gz")
head -c $((SIZE / 2)) "$T/big.log.gz" >"$T/cut.log.gz"
scan --fail-on high --report csv:"$T/cut.csv" "$T/cut.log.gz"
expect_rc "--fail-on high on a truncated gzip: 3 beats 1" 3
expect_in "the damage is named on stderr" "$ERR" "cut.log.gz: byte "
if [ "$(rows no "$T/cut.csv")" -ge 1 ]; then ok "findings before the damage are still reported"; else bad "findings before the damage are still reported"; fi
scan --fail-on critical "$T/cut.log.gz"
expect_rc "a truncated gzip and nothing at/above --fail-on" 3

# --- baselines ------------------------------------------------------------
scan --write-baseline "$T/bl.txt" "$T/a.log"
expect_rc "--write-baseline" 0
if [ -s "$T/bl.txt" ]; then ok "the baseline file is written"; else bad "the baseline file is written"; fi
if [ "$(grep -cv '^#' "$T/bl.txt")" -eq 2 ]; then ok "one fingerprint per distinct finding"; else bad "one fingerprint per distinct finding" "$(cat "$T/bl.txt")"; fi
expect_not_in "fingerprints carry no file name" "$T/bl.txt" "a.log"

scan --baseline "$T/bl.txt" --fail-on high --report text:"$T/same.txt" --report csv:"$T/same.csv" "$T/a.log"
expect_rc "the baseline silences every finding of the same logs" 0
expect_in "the report counts them as suppressed" "$T/same.txt" "Baseline: 2 suppressed, 0 stale"
if [ "$(rows yes "$T/same.csv")" -eq 2 ] && [ "$(rows no "$T/same.csv")" -eq 0 ]; then
	ok "every finding is marked suppressed"
else
	bad "every finding is marked suppressed" "$(cat "$T/same.csv")"
fi

# The same logs with one new breach appended (line 5): exactly that one is new.
cp "$T/a.log" "$T/b.log"
printf '%s\n' "$NEWBREACH" >>"$T/b.log"
scan --baseline "$T/bl.txt" --fail-on high --report text:"$T/new.txt" --report csv:"$T/new.csv" "$T/b.log"
expect_rc "one new breach fails the gate" 1
if [ "$(rows no "$T/new.csv")" -eq 1 ] && [ "$(rows yes "$T/new.csv")" -eq 2 ]; then
	ok "exactly one new finding, the known ones suppressed"
else
	bad "exactly one new finding, the known ones suppressed" "$(cat "$T/new.csv")"
fi
expect_in "the new finding is the appended line" "$T/new.csv" "b.log,5,"
expect_in "the new finding is unknown-identity" "$T/new.csv" "unknown-identity,high"
expect_in "the gate names the one new finding" "$T/new.txt" "FAILED by 1 finding"

# A breach that no longer occurs (line 3 removed) leaves a stale entry, listed.
printf '%s\n' "$OKREAD" "$NOREASON" "$PRODUCT" >"$T/c.log"
scan --baseline "$T/bl.txt" --fail-on high --report text:"$T/stale.txt" "$T/c.log"
expect_rc "a stale baseline entry does not fail the gate" 0
expect_in "the stale entry is counted" "$T/stale.txt" "Baseline: 1 suppressed, 1 stale"
expect_in "the stale entry is listed" "$T/stale.txt" "stale: unknown-identity"

scan --baseline "$T/nonexistent.txt" "$T/a.log"
expect_rc "a missing baseline file is a usage error" 2

# --- dpfaudit test ----------------------------------------------------------
mkdir "$T/s"
cat >"$T/s/good.log" <<EOF
# A sample with correct expectations.
# expect: none
$OKREAD

# expect: no-business-reason
$NOREASON
# expect: unknown-identity
$STRANGER
$PRODUCT
EOF
run test --rules "$T/r.rules" "$T/s/good.log"
expect_rc "test: correct expectations pass" 0
expect_in "test: the summary counts the annotated lines" "$OUT" "3 passed, 0 failed"

gzip -c "$T/s/good.log" >"$T/s/good.log.gz"
run test --rules "$T/r.rules" "$T/s/good.log.gz"
expect_rc "test: a gzip sample, same line numbers" 0

# Line 6 ($NOREASON) deliberately expected to fire nothing; line 8 to fire the wrong check.
sed -e '5s/.*/# expect: none/' -e '7s/.*/# expect: role-not-permitted/' "$T/s/good.log" >"$T/s/wrong.log"
run test --rules "$T/r.rules" "$T/s/wrong.log"
expect_rc "test: wrong expectations fail" 1
expect_in "test: a missing finding is named with file:line" "$OUT" "$T/s/wrong.log:6: expected none, got no-business-reason"
expect_in "test: an unexpected finding is named with file:line" "$OUT" "$T/s/wrong.log:8: expected role-not-permitted, got unknown-identity"
expect_in "test: the summary counts the failures" "$OUT" "1 passed, 2 failed"

# A directory of samples: every file in it is tested.
run test --rules "$T/r.rules" "$T/s"
expect_rc "test: a directory with one wrong sample fails" 1
expect_in "test: the directory's wrong sample is named" "$OUT" "wrong.log:6:"
expect_in "test: all samples of the directory counted" "$OUT" "7 passed, 2 failed"

printf '# expect: no-busines-reason\n%s\n' "$NOREASON" >"$T/typo.log"
run test --rules "$T/r.rules" "$T/typo.log"
expect_rc "test: an unknown check id is an annotation error" 2
expect_in "test: the unknown id is named with file:line and a hint" "$ERR" "typo.log:1: unknown check 'no-busines-reason' (did you mean 'no-business-reason'?)"

printf '%s\n# expect: none\n\n' "$OKREAD" >"$T/eof.log"
run test --rules "$T/r.rules" "$T/eof.log"
expect_rc "test: an expectation at the end of the file" 2
expect_in "test: it is named with file:line" "$ERR" "eof.log:2: expect with no log line after it"

printf '%s\n# expect: none\nthis is no log line\n' "$OKREAD" >"$T/junk.log"
run test --rules "$T/r.rules" "$T/junk.log"
expect_rc "test: an annotated line no format parses fails" 1
expect_in "test: the unparsed line is named" "$OUT" "junk.log:3: expected none, got an unparsed line"

# A record its format skips by design (Kubernetes' first stage) is read,
# not unparsed: it passes `none` and fails any check it cannot fire.
K8S='{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"a1","stage":"RequestReceived","requestURI":"/api/v1/customers/4711/email","verb":"get","user":{"username":"bsmith"},"requestReceivedTimestamp":"2026-11-24T10:00:00Z","stageTimestamp":"2026-11-24T10:00:00Z"}'
printf '# expect: none\n%s\n' "$K8S" >"$T/skip.log"
run test --rules "$T/r.rules" "$T/skip.log"
expect_rc "test: a skipped record expecting none passes" 0
printf '# expect: unknown-identity\n%s\n' "$K8S" >"$T/skip2.log"
run test --rules "$T/r.rules" "$T/skip2.log"
expect_rc "test: a skipped record expecting a finding fails" 1
expect_in "test: ... named as no finding, not as unparsed" "$OUT" "skip2.log:2: expected unknown-identity, got none"

head -c $((SIZE / 2)) "$T/big.log.gz" >"$T/s/cut.log.gz"
rm "$T/s/wrong.log"
run test --rules "$T/r.rules" "$T/s"
expect_rc "test: a damaged sample makes the run incomplete" 3
expect_in "test: the damaged sample is named" "$ERR" "cut.log.gz: byte "
rm "$T/s/cut.log.gz"

# --coverage: every enabled check needs a positive and a negative sample.
run test --coverage --rules "$T/r.rules" "$T/s/good.log"
expect_rc "test --coverage: gaps fail the run" 1
expect_in "test --coverage: a check never expected is listed" "$OUT" "coverage: unauthenticated-access has no positive sample"
expect_in "test --coverage: a check these rules cannot fire is not required" "$OUT" "coverage: off-hours-access not required"
expect_not_in "test --coverage: ... and not listed as a gap" "$OUT" "coverage: off-hours-access has"
expect_in "test --coverage: a check without a 401/403 sample is listed" "$OUT" "coverage: failed-access-burst has no negative sample"
expect_not_in "test --coverage: a covered check is not listed" "$OUT" "coverage: no-business-reason has"

# The repository's own annotated samples against the default rules (CI runs this).
if [ -d "$SRCDIR/samples/annotated" ] && [ -n "$(ls "$SRCDIR/samples/annotated")" ]; then
	run test --rules "$RULES" "$SRCDIR/samples/annotated"
	expect_rc "test samples/annotated with the default rules" 0
	expect_in "test samples/annotated: nothing failed" "$OUT" " passed, 0 failed"
	run test --coverage --rules "$RULES" "$SRCDIR/samples/annotated"
	expect_rc "test --coverage samples/annotated: every applicable check has both samples" 0
else
	echo "# samples/annotated/ not present yet: not tested"
fi

finish
