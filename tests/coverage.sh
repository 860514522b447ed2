#!/bin/sh
# coverage.sh - line coverage of analyzer/ after a `make check` of a build
# configured with --enable-coverage (run by `make coverage`).
#
# Usage: tests/coverage.sh BUILDDIR SRCDIR
# Prints one line per source file and the total, from gcov's own counts
# (no lcov or gcovr needed; with gcovr installed, also
# BUILDDIR/coverage.html).  Headers' inline functions are not counted.
set -eu
B=$1
S=$2
cd "$B"
ls analyzer/*.gcda >/dev/null 2>&1 || { echo "coverage: no .gcda files (configure --enable-coverage, then make check)" >&2; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/dpfcov.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
for src in "$S"/analyzer/*.c; do
	base=$(basename "$src" .c)
	[ -f "analyzer/$base.gcda" ] || [ -f "analyzer/$base.gcno" ] || continue
	# -n: no .gcov files; the summary of the source itself is the first "Lines" after its "File" line.
	(cd "$tmp" && gcov -n -o "$B/analyzer" "$src" 2>/dev/null) |
		awk -v f="$base.c" '/^File /{ours = index($0, "/" f "'"'"'") > 0}
			ours && /^Lines executed:/ { sub(/^Lines executed:/, ""); split($0, a, "% of "); print f, a[1], a[2]; exit }'
done >"$tmp/summary"
awk '{ hit += $2 * $3 / 100; all += $3; printf "%-24s %6.1f%% of %5d lines\n", $1, $2, $3 }
     END { printf "%-24s %6.1f%% of %5d lines\n", "TOTAL", 100 * hit / all, all }' "$tmp/summary"
if command -v gcovr >/dev/null 2>&1; then
	gcovr -r "$S" --object-directory "$B" --filter "$S/analyzer/" --html-details -o "$B/coverage.html" >/dev/null &&
		echo "coverage: $B/coverage.html"
fi
