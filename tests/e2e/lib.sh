# lib.sh - helpers for the end-to-end tests of the dpfaudit binary.
#
# Sourced by tests/e2e/*.sh, which `make check` runs with DPFAUDIT (the
# binary), SRCDIR (the source tree) and SHARED_TESTDATA set.  Each test
# prints "ok - NAME" / "not ok - NAME: why", and exits 1 if any failed.

set -u
: "${DPFAUDIT:?DPFAUDIT must point at the dpfaudit binary}"
: "${SRCDIR:?SRCDIR must point at the source tree}"
: "${SHARED_TESTDATA:=$SRCDIR/../shared/testdata}"
RULES="$SRCDIR/rules/dpf.rules"
T=$(mktemp -d "${TMPDIR:-/tmp}/dpfe2e.XXXXXX")
trap 'rm -rf "$T"' EXIT
FAILED=0
PASSED=0

# run ARGS...: run the binary; sets $OUT, $ERR (files) and $RC.
run() {
	OUT="$T/out.$$"
	ERR="$T/err.$$"
	"$DPFAUDIT" "$@" >"$OUT" 2>"$ERR"
	RC=$?
}

ok() { PASSED=$((PASSED + 1)); echo "ok - $1"; }
bad() {
	FAILED=$((FAILED + 1))
	echo "not ok - $1"
	shift
	for m in "$@"; do echo "#   $m"; done
	if [ -n "${OUT:-}" ] && [ -f "$OUT" ]; then echo "#   stdout:"; head -n 40 "$OUT" | sed 's/^/#     /'; fi
	if [ -n "${ERR:-}" ] && [ -f "$ERR" ]; then echo "#   stderr:"; head -n 20 "$ERR" | sed 's/^/#     /'; fi
}

# expect_rc NAME WANT: the last run's exit status.
expect_rc() {
	if [ "$RC" = "$2" ]; then ok "$1 (exit $2)"; else bad "$1" "exit $RC, expected $2"; fi
}

# expect_in NAME FILE TEXT: FILE contains TEXT (fixed string).
expect_in() {
	if grep -qF -- "$3" "$2"; then ok "$1"; else bad "$1" "'$3' not found in $(basename "$2")"; fi
}

# expect_same NAME DIR1 DIR2 FILE...: each FILE byte-identical in both (the diff's head shown if not).
expect_same() {
	_n=$1 _a=$2 _b=$3
	shift 3
	for _f in "$@"; do
		if cmp -s "$_a/$_f" "$_b/$_f"; then ok "$_n: $_f byte-identical to the in-memory run"; else
			bad "$_n: $_f differs" "$(diff "$_a/$_f" "$_b/$_f" | head -n 6 | tr '\n' '|')"; fi
	done
}

# expect_not_in NAME FILE TEXT
expect_not_in() {
	if grep -qF -- "$3" "$2"; then bad "$1" "'$3' unexpectedly found in $(basename "$2")"; else ok "$1"; fi
}

# email_rules: the smallest policy most tests start from, on stdout: one
# category (e-mail addresses by customer id) that role support-agent (member
# mrossi) may read.  Append sections to it for more.
email_rules() {
	printf '%s\n' '[category email]' \
		'resource = ^/api/v1/customers/(?<subject>\d+)/email' \
		'[role support-agent]' 'members = mrossi' 'may-read = email'
}

# support_rules [SUBJECT_RX]: on stdout, the policy where reads need a
# reason: category email (its subject SUBJECT_RX, default \d+), purpose
# support (reasons TICKET-N), role support-agent (member mrossi) that may
# read email for support.  The line numbers are those tests quote.
support_rules() {
	printf '%s\n' '[category email]' \
		"resource = ^/api/v1/customers/(?<subject>${1:-\d+})/email" \
		'[purpose support]' 'reason = ^TICKET-\d+$' \
		'[role support-agent]' 'members = mrossi' 'may-read = email' 'purposes = support'
}

# scan_in DIR J [ENV=VALUE...] -- ARGS...: `scan --no-progress -r RULES -jJ
# ARGS` run inside DIR (made; relative output names, so the command line
# the reports show is the same in every DIR) with TMPDIR=$T/tmp and the
# ENV settings; its stdout in DIR/out, stderr in DIR/err, exit status in DIR/rc.
scan_in() {
	_d=$1 _j=$2
	shift 2
	_env=""
	while [ "$1" != "--" ]; do _env="$_env $1"; shift; done
	shift
	mkdir -p "$_d" "$T/tmp"
	# shellcheck disable=SC2086
	(cd "$_d" && env TMPDIR="$T/tmp" $_env "$DPFAUDIT" scan --no-progress -r "$RULES" -j"$_j" \
		"$@" >out 2>err
	echo $? >rc)
}

# finish: the plain closing line, and the exit status.
finish() {
	echo "$PASSED passed, $FAILED failed"
	[ "$FAILED" -eq 0 ]
}
