#!/bin/sh
# stdout_full.sh - every command whose standard output cannot be written
# (/dev/full: ENOSPC) exits non-zero and says so; main() checks stdout once
# for all of them.  The runs to a normal file show each command succeeds
# otherwise, so the failure is the write.
. "$(dirname "$0")/lib.sh"

if [ ! -w /dev/full ]; then
	echo "# no /dev/full on this system"
	exit 77
fi
S="$SRCDIR/samples"
run scan -r "$RULES" --partial "$T/p1" "$S/support-api.log.gz"
expect_rc "a partial to merge" 0

# name|arguments (word-split; no spaces inside one)
while IFS='|' read -r name args; do
	[ -n "$name" ] || continue
	# shellcheck disable=SC2086
	"$DPFAUDIT" $args >"$T/ok.out" 2>"$T/ok.err"
	rc=$?
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ]; then
		bad "$name: runs to a file" "exit $rc: $(head -3 "$T/ok.err")"
		continue
	fi
	if [ ! -s "$T/ok.out" ]; then
		bad "$name: writes to stdout" "nothing written"
		continue
	fi
	# shellcheck disable=SC2086
	"$DPFAUDIT" $args >/dev/full 2>"$T/full.err"
	rc=$?
	if [ "$rc" = 3 ] && grep -q 'No space left on device' "$T/full.err"; then
		ok "$name > /dev/full: exit 3 with the cause"
	else
		bad "$name > /dev/full: exit 3 with the cause" "exit $rc: $(head -3 "$T/full.err")"
	fi
done <<LIST
help|--help
version|--version
explain --list|explain --list
explain CHECK|explain no-business-reason
rules|rules -r $RULES
rules --lint|rules --lint -r $RULES
test|test -r $RULES $S/annotated
scan text|scan -r $RULES $S/support-api.log.gz
scan json|scan -r $RULES --report json $S/support-api.log.gz
scan --events -|scan -r $RULES --events - --report json:$T/r.json $S/support-api.log.gz
trace|trace -r $RULES --subject 4711 $S/support-api.log.gz
merge|merge $T/p1
LIST
finish
