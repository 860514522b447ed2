#!/bin/sh
# times.sh - times and numbers at their limits (issue 16 cases 9 and 10):
# times outside the years 0001-9999 are unparsable values, never written;
# a 19-digit epoch, a forged partial's window time and extreme
# SLURM_ARRAY_* values are clean errors, never a signed overflow (run this
# under --enable-ubsan too: an overflow is a runtime error there).
. "$(dirname "$0")/lib.sh"

email_rules >"$T/r.rules"
cat >>"$T/r.rules" <<'R'
[format jl]
type = json
field.time = ts
field.user = actor
field.action = action
field.resource = resource
R
scan() { run scan --no-progress --rules "$T/r.rules" "$@"; }
# no_ubsan NAME: the run printed no UBSan report
no_ubsan() {
	if grep -q 'runtime error' "$ERR"; then bad "$1: no undefined behaviour" "$(grep 'runtime error' "$ERR" | head -n 1)"; else ok "$1: no undefined behaviour"; fi
}

# ---- case 9: years 0 and 10000 are not times ----
cat >"$T/years.jsonl" <<'L'
{"ts":"0000-06-01T10:00:00Z","actor":"jdoe","action":"read","resource":"/api/v1/customers/5012/email"}
{"ts":"10000-01-01T00:00:00Z","actor":"jdoe","action":"read","resource":"/api/v1/customers/5013/email"}
{"ts":"9999-12-31T23:59:59-01:00","actor":"jdoe","action":"read","resource":"/api/v1/customers/5014/email"}
{"ts":"0001-01-01T00:30:00+01:00","actor":"jdoe","action":"read","resource":"/api/v1/customers/5015/email"}
{"ts":"253402300800","actor":"jdoe","action":"read","resource":"/api/v1/customers/5016/email"}
{"ts":-62135596801,"actor":"jdoe","action":"read","resource":"/api/v1/customers/5017/email"}
{"ts":"2026-11-23T10:00:00Z","actor":"jdoe","action":"read","resource":"/api/v1/customers/5018/email"}
L
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
	echo '{"ts":"2026-11-23T11:00:00Z","actor":"jdoe","action":"read","resource":"/api/v1/customers/6000/email"}'
done >>"$T/years.jsonl"
printf '10.0.0.1 - jdoe [01/Jan/0000:10:00:00 +0000] "GET /api/v1/customers/5019/email HTTP/1.1" 200 15 "-" "curl"\n' >"$T/y0.log"
for f in "$T/years.jsonl" "$T/y0.log"; do
	b=$(basename "$f")
	scan --report "json:$T/$b.json" --report "text:$T/$b.txt" --report "csv:$T/$b.csv" "$f"
	no_ubsan "$b"
	for r in "$T/$b.json" "$T/$b.txt" "$T/$b.csv"; do
		# written times only: evidence and unparsed examples quote the input
		if grep -v -e unparsed_examples -e "$b:[0-9]*:" "$r" |
			grep -Eq '(^|[^0-9/])(0{1,4}|[1-9][0-9]{4,})-[0-9]{2}-[0-9]{2}T'; then
			bad "$(basename "$r"): no time outside 0001-9999 written" \
				"$(grep -Eo '[0-9]+-[0-9]+-[0-9]+T[0-9:]+Z' "$r" | sort -u | head -n 5)"
		else
			ok "$(basename "$r"): no time outside 0001-9999 written"
		fi
	done
done
expect_in "the in-range time is there" "$T/years.jsonl.json" '2026-11-23T10:00:00Z'
expect_in "times out of range are unparsed values" "$T/years.jsonl.json" '"unparsed": 6'
run scan --no-progress --rules "$T/r.rules" --since 0000-01-01 "$T/years.jsonl"
expect_rc "--since in year 0 is a usage error" 2
run scan --no-progress --rules "$T/r.rules" --since -99999999999999d "$T/years.jsonl"
expect_rc "--since before year 1 is a usage error" 2

# ---- case 10: a 19-digit epoch time ----
cat >"$T/epoch.jsonl" <<'L'
{"ts":9999999999999999999,"actor":"jdoe","action":"read","resource":"/api/v1/customers/5012/email"}
{"ts":"9999999999999999999","actor":"jdoe","action":"read","resource":"/api/v1/customers/5013/email"}
{"ts":"99999999999999999999","actor":"jdoe","action":"read","resource":"/api/v1/customers/5014/email"}
{"ts":"-9223372036854775808","actor":"jdoe","action":"read","resource":"/api/v1/customers/5015/email"}
L
scan --report "json:$T/epoch.json" "$T/epoch.jsonl"
if [ "$RC" -lt 128 ]; then ok "19-digit epoch: no crash (exit $RC)"; else bad "19-digit epoch: no crash" "exit $RC"; fi
no_ubsan "19-digit epoch"

# ---- case 10: a forged partial's window time ----
printf '10.0.0.1 - jdoe [23/Nov/2026:10:00:00 +0000] "GET /api/v1/customers/5012/email HTTP/1.1" 401 15 "-" "curl"\n10.0.0.1 - jdoe [23/Nov/2026:10:00:01 +0000] "GET /api/v1/customers/5012/email HTTP/1.1" 401 15 "-" "curl"\n' >"$T/d.log"
scan --partial "$T/d.part" "$T/d.log"
expect_rc "a partial with window records" 0
# forge TIME: set the first window record's time and recompute the trailer
forge() {
	awk -v t="$1" 'BEGIN { FS = OFS = "\t" } /^end\t/ { next } $1 == "window" && !done { $5 = t; done = 1 } { print }' \
		"$T/d.part" >"$T/forged.body"
	n=$(wc -l <"$T/forged.body")
	sum=$(sha256sum "$T/forged.body" | cut -d' ' -f1)
	{ cat "$T/forged.body"; printf 'end\t%s\t%s\n' "$n" "$sum"; } >"$T/forged.part"
}
grep -q '^window' "$T/d.part" && ok "the partial holds window records" || bad "the partial holds window records"
for t in -9223372036854775808 9223372036854775807 253402300800; do
	forge "$t"
	run merge --rules "$T/r.rules" --report "json:$T/m.json" "$T/forged.part"
	expect_rc "merge: window time $t refused" 2
	expect_in "merge: window time $t: said why" "$ERR" "out of the years 0001-9999"
	no_ubsan "merge: window time $t"
done

# ---- case 10: extreme SLURM_ARRAY_* values are usage errors ----
slurm() {
	OUT="$T/out.$$"
	ERR="$T/err.$$"
	SLURM_ARRAY_TASK_ID=$1 SLURM_ARRAY_TASK_MIN=$2 SLURM_ARRAY_TASK_STEP=$3 SLURM_ARRAY_TASK_COUNT=4 \
		"$DPFAUDIT" scan --no-progress --rules "$T/r.rules" --partial "$T/s.part" "$T/d.log" >"$OUT" 2>"$ERR"
	RC=$?
}
slurm 9223372036854775807 -9223372036854775807 1
expect_rc "SLURM_ARRAY_TASK_ID at LONG_MAX" 2
expect_in "SLURM_ARRAY_TASK_ID at LONG_MAX: named" "$ERR" "SLURM_ARRAY_TASK_ID='9223372036854775807' is not an array index"
no_ubsan "SLURM at LONG_MAX"
slurm 1 -9223372036854775808 1
expect_rc "SLURM_ARRAY_TASK_MIN at LONG_MIN" 2
slurm 99999999999999999999 0 1
expect_rc "SLURM_ARRAY_TASK_ID past LONG_MAX (strtol clamps it)" 2
slurm 3 1 0
expect_rc "SLURM_ARRAY_TASK_STEP 0" 2
slurm 0 5 1
expect_rc "SLURM_ARRAY_TASK_ID below SLURM_ARRAY_TASK_MIN" 2
slurm 5 1 2
expect_rc "an ordinary array index still works" 0
expect_in "an ordinary array index: shard (5-1)/2 = 2" "$ERR" "shard 2/4 (from SLURM_ARRAY_TASK_ID)"

finish
