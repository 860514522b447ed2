#!/bin/sh
# build_tree_rules.sh - the binary of a build tree finds the default rules
# (the source tree's rules/) before `make install`, from any working
# directory and by an absolute or a relative path (SPEC §2:
# `analyzer/dpfaudit scan samples/`), without reading the build tree's
# Makefile: in-tree as BIN/../rules, in a VPATH build through the source
# directory compiled in (rules.h, rules_default_path).
. "$(dirname "$0")/lib.sh"

BIN=$(cd "$(dirname "$DPFAUDIT")" && pwd)/$(basename "$DPFAUDIT")
BUILDDIR=$(cd "$(dirname "$BIN")/.." && pwd)
SRC=$(cd "$SRCDIR" && pwd)
WANT=$(cd "$SRC/rules" && pwd -P)/dpf.rules

# rules_used NAME ARGV0 DIR: `ARGV0 rules` run in DIR, without DPFAUDIT_RULES,
# names the source tree's dpf.rules, and `scan samples/` works there too.
rules_used() {
	(cd "$3" && env -u DPFAUDIT_RULES "$2" rules) >"$T/rules.out" 2>"$T/rules.err"
	rc=$?
	got=$(sed -n '2s/^ *//p' "$T/rules.out")
	real=""
	# The path may be relative to DIR.
	[ -n "$got" ] && real=$(cd "$3" && [ -f "$got" ] && cd "$(dirname "$got")" && pwd -P) &&
		real=$real/$(basename "$got")
	if [ "$rc" = 0 ] && [ "$real" = "$WANT" ]; then ok "$1: the default rules are $WANT"
	else bad "$1" "exit $rc, rule file '$got' (real '$real'), expected $WANT" "$(cat "$T/rules.err")"; fi
	(cd "$3" && env -u DPFAUDIT_RULES "$2" scan --no-progress "$SRC/samples") \
		>"$T/scan.out" 2>"$T/scan.err"
	rc=$?
	if [ "$rc" = 0 ]; then ok "$1: scan samples/ with the default rules"
	else bad "$1: scan samples/" "exit $rc" "$(head -n 5 "$T/scan.err")"; fi
}

mkdir -p "$T/elsewhere/deeper"
rules_used "absolute path, run elsewhere" "$BIN" "$T/elsewhere/deeper"
rules_used "absolute path, run in the build tree" "$BIN" "$BUILDDIR"
rules_used "relative path from the build tree" "./analyzer/$(basename "$BIN")" "$BUILDDIR"
rules_used "relative path from its own directory" "./$(basename "$BIN")" "$BUILDDIR/analyzer"
# A relative path that climbs out of an unrelated directory.
up=""
d="$T/elsewhere/deeper"
while [ "$d" != "/" ]; do up="../$up"; d=$(dirname "$d"); done
rules_used "relative path from elsewhere" "${up}${BIN#/}" "$T/elsewhere/deeper"

# Not a build tree: a copy of the binary elsewhere falls back to the
# installed rules, never to this source tree.
mkdir -p "$T/copy/bin"
cp "$BIN" "$T/copy/bin/dpfaudit"
(cd "$T" && env -u DPFAUDIT_RULES "$T/copy/bin/dpfaudit" rules) >"$T/rules.out" 2>"$T/rules.err"
if grep -qF "$SRC/rules" "$T/rules.out" "$T/rules.err" || grep -qF "$WANT" "$T/rules.out" "$T/rules.err"
then bad "a copied binary used the source tree's rules" "$(head -n 3 "$T/rules.out" "$T/rules.err")"
else ok "a copied binary does not take the source tree's rules"; fi

finish
