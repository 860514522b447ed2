#!/bin/sh
# usage_errors.sh - errors that say what, where and how to fix: "did you
# mean" for commands, options and check ids; `dpfaudit help CMD`; no rules
# found; a missing input said once, with a short report; stale baseline
# entries printed as they are in the file; -j 0 refused; a headline that
# does not say FAIL when no --fail-on gate is set.
. "$(dirname "$0")/lib.sh"

# ---- did you mean -----------------------------------------------------------
run scna "$SRCDIR/samples"
expect_rc "a misspelt command" 2
expect_in "a misspelt command: did you mean" "$ERR" "'scna' is not a command (did you mean 'scan'?)"
run frobnicate
expect_in "an unknown command without a close one: no guess" "$ERR" "'frobnicate' is not a command; see 'dpfaudit --help'"
run scan --raport json "$SRCDIR/samples"
expect_rc "a misspelt option" 2
expect_in "a misspelt option: did you mean" "$ERR" "scan: unknown option '--raport' (did you mean '--report'?)"
run scan --raport=json "$SRCDIR/samples"
expect_in "a misspelt option with =value: did you mean" "$ERR" "unknown option '--raport' (did you mean '--report'?)"
run trace --usr mrossi "$SRCDIR/samples"
expect_in "trace: a misspelt option: did you mean" "$ERR" "trace: unknown option '--usr' (did you mean '--user'?)"
run explain no-buisness-reason
expect_rc "a misspelt check id" 2
expect_in "a misspelt check id: did you mean" "$ERR" "unknown check 'no-buisness-reason' (did you mean 'no-business-reason'?)"

# ---- dpfaudit help CMD = dpfaudit CMD --help ----------------------------------
for c in scan trace test rules merge explain; do
	run "$c" --help
	cp "$OUT" "$T/want"
	run help "$c"
	if [ "$RC" = 0 ] && cmp -s "$OUT" "$T/want" && [ -s "$OUT" ]; then ok "'dpfaudit help $c' is 'dpfaudit $c --help'"
	else bad "dpfaudit help $c" "exit $RC"; fi
done
run help scna
expect_rc "help for a misspelt command" 2
expect_in "help for a misspelt command: did you mean" "$ERR" "did you mean 'scan'?"

# ---- no rules found -----------------------------------------------------------
DPFAUDIT_RULES="$T/no-such-rules" run scan "$SRCDIR/samples"
expect_rc "default rules missing" 2
expect_in "no rules: says these were the default rules and how to point at others" "$ERR" \
	"no rules: the default rules '$T/no-such-rules' (from DPFAUDIT_RULES) do not exist; give the rules with -r PATH"

# ---- a missing input: said once, and a short report ------------------------------
run scan -r "$RULES" "$T/missing.log"
expect_rc "a missing input makes the audit incomplete" 3
n=$(grep -c 'missing.log' "$ERR")
if [ "$n" -eq 1 ]; then ok "the missing input is reported once on stderr"; else bad "missing input reported $n times" "$(cat "$ERR")"; fi
expect_in "the report says nothing could be read" "$OUT" "Nothing could be read: no principle, finding or ranking to report."
expect_in "the report names the missing input" "$OUT" "$T/missing.log: No such file or directory"
n=$(wc -l <"$OUT")
if [ "$n" -le 25 ]; then ok "the report of an audit that read nothing is short ($n lines)"; else bad "report of nothing read is $n lines"; fi
# One readable input beside it: the full report.
run scan -r "$RULES" "$T/missing.log" "$SRCDIR/samples/annotated/01-support-agents.log"
expect_rc "a missing input beside a readable one" 3
expect_not_in "what could be read is reported in full" "$OUT" "Nothing could be read"

# ---- stale baseline entries, pasteable -----------------------------------------
support_rules >"$T/r.rules"
printf '%s\n' '10.0.0.7 - mrossi [24/Nov/2026:10:01:00 +0000] "GET /api/v1/customers/4711/email HTTP/1.1" 200 71' >"$T/a.log"
printf '%s\n' '10.0.0.7 - mrossi [24/Nov/2026:10:01:00 +0000] "GET /api/v1/customers/4712/email?reason=TICKET-1 HTTP/1.1" 200 71' >"$T/b.log"
run scan -r "$T/r.rules" --write-baseline "$T/bl.txt" "$T/a.log"
entry=$(grep -v '^#' "$T/bl.txt")
run scan -r "$T/r.rules" --baseline "$T/bl.txt" "$T/b.log"
expect_in "a stale entry is listed" "$OUT" "1 stale"
got=$(sed -n 's/^    stale: //p' "$OUT")
if [ -n "$entry" ] && [ "$got" = "$entry" ]; then ok "a stale entry is printed as its baseline line, tabs kept"
else bad "stale entry" "got '$got'" "want '$entry'"; fi
expect_not_in "no \\x09 in place of tabs" "$OUT" '\x09'
grep -vxF "$got" "$T/bl.txt" >"$T/bl2.txt"
if ! grep -qv '^#' "$T/bl2.txt"; then ok "the printed stale line removes the entry with grep -vxF"; else bad "stale line does not match the file"; fi

# ---- -j 0 --------------------------------------------------------------------------
for c in scan trace test; do
	if [ "$c" = trace ]; then run trace --user mrossi -j 0 -r "$T/r.rules" "$T/a.log"
	else run "$c" -j 0 -r "$T/r.rules" "$T/a.log"; fi
	expect_rc "$c -j 0 is refused" 2
	expect_in "$c -j 0 says why and what to do" "$ERR" "--jobs: 0 is not a number of threads (1..1024; leave -j out for one per CPU)"
done

# ---- --max-line and --year: one parser for scan and trace ---------------------------
for c in scan trace; do
	sel=; [ "$c" = trace ] && sel="--user mrossi"
	run "$c" $sel --max-line 63 -r "$T/r.rules" "$T/a.log"
	expect_rc "$c --max-line 63 is refused" 2
	expect_in "$c --max-line 63 says the floor" "$ERR" "$c: --max-line: at least 64 bytes"
	run "$c" $sel --year 10000 -r "$T/r.rules" "$T/a.log"
	expect_rc "$c --year 10000 is refused" 2
	expect_in "$c --year 10000 says the range" "$ERR" "$c: --year: '10000' is not a number (0..9999)"
	run "$c" $sel --max-line 64 -r "$T/r.rules" "$T/a.log"
	expect_rc "$c --max-line 64 is taken: the 98-byte line is overlong" 3
	expect_in "$c --max-line 64 names the cap" "$ERR" "longer than 64 bytes"
	run "$c" $sel --max-line 128 --year 2026 -r "$T/r.rules" "$T/a.log"
	expect_rc "$c --max-line 128 --year 2026 are taken" 0
done

# ---- the headline without --fail-on ------------------------------------------------
run scan -r "$T/r.rules" "$T/a.log"
expect_rc "findings without --fail-on" 0
expect_in "without --fail-on the headline says no gate is set" "$OUT" "FINDINGS (no --fail-on gate): 1 finding"
expect_not_in "without --fail-on the headline does not say FAIL" "$OUT" "FAIL:"
run scan -r "$T/r.rules" --fail-on low "$T/a.log"
expect_rc "findings at --fail-on low" 1
expect_in "with --fail-on the headline says FAIL" "$OUT" "FAIL: 1 finding"

finish
