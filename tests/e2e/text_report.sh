#!/bin/bash
# text_report.sh - the text report as a person reads it (issue 17): the
# summary first (headline, principles, a count per check), the most severe
# groups capped at --detail medium, everything at --detail high, counts only
# at --detail low, the headline alone with --quiet; inputs summarised with
# only the incomplete ones named; colour on a terminal only, NO_COLOR and
# --color honoured.  The counts are checked against the JSON report.
. "$(dirname "$0")/lib.sh"

S="$SRCDIR/samples"
scan() { run scan --no-progress "$@"; }

scan --report "json:$T/s.json" --report "text:$T/medium.txt" "$S"
expect_rc "the samples" 0
J="$T/s.json"

# Every check with findings has its row, with the JSON report's count.
python3 - "$J" "$T/medium.txt" >"$T/checks.out" 2>&1 <<'PY'
import json, re, sys
d = json.load(open(sys.argv[1]))
text = open(sys.argv[2]).read()
rows = dict(re.findall(r"^  ([a-z0-9-]+) +(?:critical|high|medium|low) +(\d+) +\d+$", text, re.M))
bad = [c["id"] for c in d["checks"] if c["findings"] and rows.get(c["id"]) != str(c["findings"])]
zero = [c for c in d["checks"] if c["enabled"] and not c["findings"]]
bad += [c["id"] + " (no finding, listed)" for c in zero if c["id"] in rows]
if bad:
    print("rows wrong:", bad); sys.exit(1)
if zero and f"{len(zero)} more check" not in text:
    print("the checks without findings are not counted"); sys.exit(1)
PY
if [ $? -eq 0 ]; then ok "the Checks table has the JSON report's count per check"; else bad "checks table" "$(cat "$T/checks.out")"; fi

# What the JSON report says, so that new samples do not move this test.
jq_() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($1)" "$J"; }
groups=$(jq_ "len(d['groups'])")
nfind=$(jq_ "d['summary']['findings']")
ninputs=$(jq_ "len(d['scope']['inputs'])")
last=$(jq_ "d['scope']['inputs'][-1]['path']")
lastsize=$(jq_ "d['scope']['inputs'][-1]['size']")
lastsha=$(jq_ "d['scope']['inputs'][-1]['sha256']")
shown=$(grep -c '^  \[\(critical\|high\|medium\|low\)\] ' "$T/medium.txt")
if [ "$shown" = 20 ]; then ok "--detail medium shows the 20 most severe groups"; else bad "medium groups" "$shown shown"; fi
expect_in "and says how many more there are" "$T/medium.txt" "... and $((groups - 20)) more groups"
first=$(grep -m1 -o '^  \[[a-z]*\]' "$T/medium.txt")
if [ "$first" = "  [critical]" ]; then ok "the groups shown are the most severe"; else bad "first group" "$first"; fi
expect_in "the double counting per principle is said" "$T/medium.txt" "under every principle of its check"
expect_in "inputs are summarised" "$T/medium.txt" "Inputs:     $ninputs ("
expect_in "with their formats" "$T/medium.txt" "formats: combined "
expect_not_in "complete inputs are not listed one by one" "$T/medium.txt" "$last: $lastsize bytes"
order=$(grep -n -e '^Principles$' -e '^Checks$' -e '^Findings' -e '^Scope$' -e '^Coverage$' "$T/medium.txt" | cut -d: -f2 | tr '\n' ',')
if printf '%s' "$order" | grep -q '^Principles,Checks,Findings ([0-9]* in [0-9]* groups; the 20 most severe groups),Scope,Coverage,$'; then
	ok "summary first: principles, checks, findings, then scope and coverage"
else
	bad "section order" "$order"
fi

scan --detail high --report "text:$T/high.txt" "$S"
shown=$(grep -c '^  \[\(critical\|high\|medium\|low\)\] ' "$T/high.txt")
if [ "$shown" = "$groups" ]; then ok "--detail high shows every group ($groups)"; else bad "high groups" "$shown of $groups"; fi
expect_in "--detail high lists every input with its digest" "$T/high.txt" "sha256 $lastsha"
expect_in "--detail high lists the checks without findings" "$T/high.txt" "excessive-access"

scan --detail low "$S"
expect_not_in "--detail low has no findings listing" "$OUT" "Findings ("
expect_in "--detail low has the counts per check" "$OUT" "no-business-reason"
scan --detail verbose "$S"
expect_rc "an unknown --detail level is a usage error" 2

scan -q --fail-on high "$S"
expect_rc "--quiet keeps the exit status" 1
n=$(wc -l <"$OUT")
if [ "$n" = 2 ] && grep -q "^FAIL: $nfind findings" "$OUT"; then ok "--quiet prints the headline alone"; else bad "--quiet" "$n lines"; fi
scan --quiet --report "text:$T/q.txt" "$S"
# The same report but for the command line it names.
if diff <(grep -v '^  Command:' "$T/q.txt") <(grep -v '^  Command:' "$T/medium.txt") >/dev/null 2>&1; then
	ok "--quiet leaves a report file whole"
else
	bad "--quiet and a report file" "differs"
fi
printf 'garbage\n' | gzip >"$T/bad.gz"
head -c 20 "$T/bad.gz" >"$T/cut.gz"
scan -q "$T/cut.gz"
expect_rc "--quiet on a damaged input" 3
expect_in "--quiet still says what could not be read (stderr)" "$ERR" "cut.gz"

# Colour: never into a pipe or a file, on a terminal unless NO_COLOR, always on request.
esc=$(printf '\033')
scan "$S"
expect_not_in "no colour into a pipe" "$OUT" "$esc["
scan --color=always --fail-on low "$S"
expect_in "--color=always colours the verdict" "$OUT" "${esc}[1;31mFAIL${esc}[0m: $nfind"
scan --color=always "$S"
expect_in "--color=always without a --fail-on gate: not a red FAIL" "$OUT" "${esc}[33mFINDINGS (no --fail-on gate)${esc}[0m: $nfind"
scan --color=always --report "text:$T/c.txt" "$S"
expect_not_in "never colour in a report file" "$T/c.txt" "$esc["
if command -v script >/dev/null 2>&1; then
	script -qec "$DPFAUDIT scan --no-progress --detail low $S" /dev/null >"$T/tty.txt" 2>&1
	expect_in "colour on a terminal" "$T/tty.txt" "${esc}[1;31mFAIL"
	NO_COLOR=1 script -qec "$DPFAUDIT scan --no-progress --detail low $S" /dev/null >"$T/tty2.txt" 2>&1
	expect_not_in "NO_COLOR turns it off" "$T/tty2.txt" "$esc["
	script -qec "$DPFAUDIT scan --no-progress --color=never --detail low $S" /dev/null >"$T/tty3.txt" 2>&1
	expect_not_in "--color=never turns it off" "$T/tty3.txt" "$esc["
fi
scan --color=sometimes "$S"
expect_rc "an unknown --color value is a usage error" 2
finish
