#!/bin/sh
# cli.sh - the command line itself: help, version, usage errors, exit codes.
. "$(dirname "$0")/lib.sh"

run --version
expect_rc "--version" 0
expect_in "--version prints the name" "$OUT" "dpfaudit "

run --help
expect_rc "--help" 0
for c in scan trace test rules merge explain; do
	expect_in "--help lists $c" "$OUT" "  $c "
done

run scan --help
expect_rc "scan --help" 0
for o in --rules --log-format --report --since --until --user --role --subject --category \
	--principle --fail-on --baseline --write-baseline --jobs --progress --no-progress --no-redact; do
	expect_in "scan --help documents $o" "$OUT" "$o"
done

run
expect_rc "no command is a usage error" 2

run frobnicate
expect_rc "unknown command" 2
expect_in "unknown command is named" "$ERR" "'frobnicate' is not a command"

run scan --no-such-option x
expect_rc "unknown option" 2
expect_in "unknown option is named" "$ERR" "unknown option '--no-such-option'"

run scan --report pdf "$SRCDIR/samples"
expect_rc "unknown report format" 2
expect_in "unknown report format is named" "$ERR" "unknown report format 'pdf'"

run scan --fail-on severe "$SRCDIR/samples"
expect_rc "unknown severity" 2

run scan -F nosuchformat "$SRCDIR/samples"
expect_rc "unknown log format" 2
expect_in "unknown log format is named" "$ERR" "unknown log format 'nosuchformat'"

run scan --jobs many "$SRCDIR/samples"
expect_rc "bad --jobs" 2

run explain no-business-reason
expect_rc "explain a check" 0
expect_in "explain names the principle" "$OUT" "Purpose Limitation"
expect_in "explain says how to fix" "$OUT" "how to fix:"

run explain --list
expect_rc "explain --list" 0
expect_in "explain --list has every check" "$OUT" "unapproved-transfer"

run explain no-such-check
expect_rc "explain an unknown check" 2

# With rules, one lookup finds built-in and custom checks alike.
{ email_rules; printf '%s\n' '[check no-business-reason]' 'severity = critical' \
	'[check my-own-check]' 'principle = security' 'category = email' \
	'severity = high'; } >"$T/explain.rules"
run explain --rules "$T/explain.rules" no-business-reason
expect_rc "explain a built-in check with rules" 0
expect_in "explain shows the rules' severity" "$OUT" "critical (overridden by the rules)"
run explain --rules "$T/explain.rules" my-own-check
expect_rc "explain a custom check" 0
expect_in "explain says where the custom check is" "$OUT" "(custom check, $T/explain.rules:"
run explain my-own-check
expect_rc "a custom check is unknown without its rules" 2

finish
