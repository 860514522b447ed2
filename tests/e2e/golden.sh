#!/bin/sh
# golden.sh - the text, JSON, Markdown and CSV reports of `dpfaudit scan
# samples/` compared byte for byte with tests/golden/.
#
# After a deliberate change to what a report says, regenerate them with
#     make golden            (or: tests/e2e/golden.sh --update, with DPFAUDIT
#                             and SRCDIR set as `make check` sets them)
# and review `git diff tests/golden/` before committing.
#
# The runs are reproducible: fixed --now, the rules of the source tree,
# relative paths from the source tree (the reports quote the command line),
# UTC and the C locale; the thread count is left to the machine, so the
# goldens also hold -j to its promise of identical reports.
. "$(dirname "$0")/lib.sh"

update=false
[ "${1:-}" = "--update" ] && update=true
G="$SRCDIR/tests/golden"
cd "$SRCDIR" || exit 1
TZ=UTC LC_ALL=C
export TZ LC_ALL

for fmt in text json markdown csv; do
	case $fmt in text) ext=txt ;; markdown) ext=md ;; *) ext=$fmt ;; esac
	want="$G/scan-samples.$ext"
	run scan -r rules/dpf.rules --now 2026-12-15T00:00:00Z --report "$fmt" samples/
	if [ "$RC" != 0 ]; then
		bad "scan samples/ --report $fmt" "exit $RC"
		continue
	fi
	if $update; then
		cp "$OUT" "$want" && ok "updated $want"
	elif [ ! -f "$want" ]; then
		bad "$fmt report equals tests/golden/scan-samples.$ext" "missing; run 'make golden'"
	elif cmp -s "$OUT" "$want"; then
		ok "$fmt report equals tests/golden/scan-samples.$ext"
	else
		# Not bad(): its dump of stdout would be the whole report.
		FAILED=$((FAILED + 1))
		echo "not ok - $fmt report equals tests/golden/scan-samples.$ext"
		diff -u "$want" "$OUT" | head -n 30 | sed 's/^/#   /'
		echo "#   if the change is deliberate: make golden, then review git diff tests/golden/"
	fi
done
finish
