#!/bin/sh
# install.sh - what `make install` puts in place: the binary, the default
# rules, a man page that names the configured paths (not /usr/local
# whatever --prefix was), the documentation it points to, and a bash
# completion that completes commands, options, report formats and check
# ids when sourced in bash.
. "$(dirname "$0")/lib.sh"

BUILDDIR=$(cd "$(dirname "$DPFAUDIT")/.." && pwd)
command -v bash >/dev/null 2>&1 || { echo "not ok - bash is needed"; exit 1; }

# The configured directories, as make expands them.
${MAKE:-make} -s -C "$BUILDDIR" --no-print-directory print-dirs >"$T/dirs" 2>&1
mkvar() { sed -n "s/^$1=//p" "$T/dirs"; }
pkgdatadir=$(mkvar pkgdatadir)
docdir=$(mkvar docdir)
mandir=$(mkvar mandir)
bindir=$(mkvar bindir)
bashcompdir=$(mkvar bashcompdir)
if [ -n "$pkgdatadir" ] && [ -n "$docdir" ] && [ -n "$bashcompdir" ]; then ok "the configured directories ($pkgdatadir, $docdir, $bashcompdir)"
else bad "make print-VAR" "pkgdatadir '$pkgdatadir' docdir '$docdir' bashcompdir '$bashcompdir'"; fi

D="$T/root"
if ${MAKE:-make} -s -C "$BUILDDIR" install DESTDIR="$D" >"$T/install.log" 2>&1; then ok "make install DESTDIR"
else bad "make install" "$(tail -n 20 "$T/install.log")"; fi

for f in "$bindir/dpfaudit" "$pkgdatadir/rules/dpf.rules" "$mandir/man1/dpfaudit.1" \
	"$docdir/rules.md" "$docdir/ci.md" "$docdir/report-schema.json" "$docdir/README.md" \
	"$bashcompdir/dpfaudit"; do
	if [ -s "$D$f" ]; then ok "installed: $f"; else bad "not installed: $f"; fi
done

MAN="$D$mandir/man1/dpfaudit.1"
expect_in "the man page names the configured rules directory" "$MAN" "$pkgdatadir/rules/dpf.rules"
expect_in "the man page names the installed rule language doc" "$MAN" "$docdir/rules.md"
expect_in "the man page names the completion" "$MAN" "$bashcompdir/dpfaudit"
if grep -q '@[a-z]*@' "$MAN"; then bad "the man page has unsubstituted placeholders" "$(grep '@[a-z]*@' "$MAN")"
else ok "no placeholder left in the man page"; fi
# The binary's default rules are where the man page says.
env -u DPFAUDIT_RULES "$D$bindir/dpfaudit" rules 2>"$T/rules.err" >/dev/null
expect_in "the installed binary looks for its rules where the man page says" "$T/rules.err" "'$pkgdatadir/rules'"
# Every documented file the man page points to is installed.
for doc in $(grep -o "$docdir/[a-z-]*\.[a-z]*" "$MAN" | sort -u); do
	if [ -s "$D$doc" ]; then ok "the man page's $doc is installed"; else bad "the man page points to a missing $doc"; fi
done

# ---- the tool does not need the test libraries ------------------------------------
if command -v ldd >/dev/null 2>&1; then
	if ldd "$DPFAUDIT" | grep -q 'libjansson\|libcheck\|libsubunit'; then bad "dpfaudit links a test-only library" "$(ldd "$DPFAUDIT")"
	else ok "dpfaudit links neither Jansson nor Check (they are for the tests)"; fi
fi
DPF_MISSING_DEPS='Check_(package_check) Jansson_(package_libjansson-dev)' \
DPF_SKIPPED_TESTS='tests/unit/test_util tests/unit/test_report' \
	sh "$SRCDIR/tests/missing_deps.sh" >"$T/skip.out"
rc=$?
if [ "$rc" = 77 ]; then ok "without Check/Jansson make check reports a SKIP (77)"; else bad "missing_deps.sh exit $rc"; fi
expect_in "the skip note names what is missing" "$T/skip.out" "missing: Check (package check), Jansson (package libjansson-dev)"
expect_in "the skip note names the skipped tests" "$T/skip.out" "  tests/unit/test_report"

# ---- bash completion ------------------------------------------------------------
# complete WORD...: what the completion offers for the last word.
complete_words() {
	bash --norc --noprofile -c '
		. "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
		_dpfaudit
		printf "%s\n" "${COMPREPLY[@]}"' bash "$D$bashcompdir/dpfaudit" "$DPFAUDIT" "$@" 2>"$T/bash.err"
}
got=$(complete_words sc | tr '\n' ' ')
if [ "$got" = "scan " ]; then ok "completion: a command ('sc' -> scan)"; else bad "completion of 'sc'" "got '$got'" "$(cat "$T/bash.err")"; fi
got=$(complete_words t | tr '\n' ' ')
if [ "$got" = "trace test " ]; then ok "completion: every command with a prefix ('t' -> trace test)"; else bad "completion of 't'" "got '$got'"; fi
got=$(complete_words scan --rep | tr '\n' ' ')
if [ "$got" = "--report " ]; then ok "completion: an option ('scan --rep' -> --report)"; else bad "completion of --rep" "got '$got'"; fi
got=$(complete_words trace --us | tr '\n' ' ')
if [ "$got" = "--user " ]; then ok "completion: a trace option ('trace --us' -> --user)"; else bad "completion of trace --us" "got '$got'"; fi
got=$(complete_words trace --report "" | tr '\n' ' ')
if [ "$got" = "text csv json html " ]; then ok "completion: trace's report formats"; else bad "completion of trace --report" "got '$got'"; fi
got=$(complete_words scan --fail-on h | tr '\n' ' ')
if [ "$got" = "high " ]; then ok "completion: --fail-on severities"; else bad "completion of --fail-on" "got '$got'"; fi
got=$(complete_words explain no-bus | tr '\n' ' ')
if [ "$got" = "no-business-reason " ]; then ok "completion: check ids for explain"; else bad "completion of explain" "got '$got'"; fi

finish
