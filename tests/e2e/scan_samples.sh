#!/bin/sh
# scan_samples.sh - the main job on the bundled samples with the default
# rules: what a new user sees after the README's first line.
. "$(dirname "$0")/lib.sh"

S="$SRCDIR/samples"

run scan --no-progress "$S"
expect_rc "scan samples/ with the default rules" 0
cp "$OUT" "$T/text1"
for p in "Notice" "Choice" "Accountability for Onward Transfer" "Security" \
	"Data Integrity and Purpose Limitation" "Access" "Recourse, Enforcement and Liability"; do
	expect_in "the report has the principle $p" "$T/text1" "$p"
done
expect_in "the samples have personal data read without a reason" "$T/text1" "no-business-reason"
expect_in "an anonymous read is found" "$T/text1" "unauthenticated-access"
expect_in "every input was read whole" "$T/text1" "complete"
expect_not_in "nothing is incomplete" "$T/text1" "INCOMPLETE"
expect_not_in "README.md is not read as a log" "$T/text1" "README.md"

# The same report whatever the number of threads, byte for byte.
# (the command line in the evidence record is the only line that differs)
strip() { grep -v "Command:" "$1"; }
run scan --no-progress -j 1 "$S"
strip "$OUT" >"$T/j1"
run scan --no-progress -j 4 "$S"
strip "$OUT" >"$T/j4"
if cmp -s "$T/j1" "$T/j4"; then ok "-j1 and -j4 give identical reports"; else bad "-j1 and -j4 give identical reports"; fi

# --fail-on turns findings into exit 1.
run scan --no-progress --fail-on high "$S"
expect_rc "--fail-on high with high findings" 1

# A report file is owner-only whatever the umask, and complete.
umask 022
run scan --no-progress --report text:"$T/report.txt" "$S"
expect_rc "report to a file" 0
mode=$(stat -c %a "$T/report.txt")
if [ "$mode" = 600 ]; then ok "report file mode is 0600"; else bad "report file mode is 0600" "mode $mode"; fi
strip "$T/report.txt" >"$T/r1"
strip "$T/text1" >"$T/r2"
if cmp -s "$T/r1" "$T/r2"; then ok "the file holds the same report as stdout"; else bad "the file holds the same report as stdout"; fi
if [ -s "$OUT" ]; then bad "nothing on stdout when the report goes to a file"; else ok "nothing on stdout when the report goes to a file"; fi

# A report that cannot be written makes the audit incomplete.
run scan --no-progress --report text:/dev/full "$S"
expect_rc "a report to a full disk" 3
expect_in "the write error is named" "$ERR" "/dev/full"

# Standard input: "-" reads a log piped in.
OUT="$T/stdin.out"; ERR="$T/stdin.err"
zcat "$S/support-api.log.gz" | "$DPFAUDIT" scan --no-progress - >"$OUT" 2>"$ERR"
RC=$?
expect_rc "scan - (standard input)" 0
expect_in "stdin findings are located as -:LINE" "$OUT" " -:"

# --pseudonymize: users and subjects become keyed pseudonyms, stable for a key.
head -c 32 /dev/zero | tr '\0' 'k' >"$T/key1"
head -c 32 /dev/zero | tr '\0' 'q' >"$T/key2"
G="$S/support-api.log.gz"
run scan --no-progress --pseudonymize "$T/key1" "$G"
expect_rc "--pseudonymize" 0
strip "$OUT" >"$T/ps1"
expect_in "users are pseudonyms" "$T/ps1" "user user-"
expect_not_in "no real user name is left in the findings" "$T/ps1" " jdoe "
expect_not_in "no real subject id is left in the evidence" "$T/ps1" "/customers/4711/"
run scan --no-progress --pseudonymize "$T/key1" "$G"
strip "$OUT" >"$T/ps2"
if cmp -s "$T/ps1" "$T/ps2"; then ok "pseudonyms are stable for one key"; else bad "pseudonyms are stable for one key"; fi
run scan --no-progress --pseudonymize "$T/key2" "$G"
strip "$OUT" >"$T/ps3"
if cmp -s "$T/ps1" "$T/ps3"; then bad "another key gives other pseudonyms"; else ok "another key gives other pseudonyms"; fi
printf short >"$T/shortkey"
run scan --no-progress --pseudonymize "$T/shortkey" "$G"
expect_rc "a key that is too short is a usage error" 2

# Progress never leaks into reports or files.
run scan --progress --report text:"$T/p.txt" "$S"
expect_not_in "progress is not in the report" "$T/p.txt" "scanning:"

finish
