#!/bin/sh
# many_checks.sh - a policy with 70 custom checks: the counts of the checks
# past the 64th (and the 32nd) are right in JSON, JUnit and --events.  The
# per-check tables are sized by the policy (issue 19: by_check[64] and a
# 32-bit custom_fired used to report 0 and drop the verdicts).
. "$(dirname "$0")/lib.sh"

# Check cNN fires on user uNN only; u70 makes 3 events, every other user 1.
python3 - "$T" <<'PY'
import sys
t = sys.argv[1]
with open(t + "/many.rules", "w") as f:
    for i in range(1, 71):
        f.write(f"[check c{i:02d}]\nprinciple = security\nseverity = low\n"
                f"message = c{i:02d} by {{user}}\nfield.user = ^u{i:02d}$\n\n")
with open(t + "/a.log", "w") as f:
    for i in range(1, 71):
        for k in range(3 if i == 70 else 1):
            f.write(f'10.0.0.1 - u{i:02d} [20/Nov/2026:10:{k:02d}:00 +0000] '
                    f'"GET /api/customers/4711/profile HTTP/1.1" 200 123\n')
PY

run scan -j 2 -r "$RULES" -r "$T/many.rules" --report json:"$T/r.json" \
	--report junit:"$T/r.xml" --events "$T/ev.jsonl" "$T/a.log"
expect_rc "scan with 70 custom checks" 0

# JSON: the checks table counts c01, c64, c65 (past index 64 with the
# built-ins) and c70.
got=$(python3 - "$T/r.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
n = {c["id"]: c["findings"] for c in r["checks"]}
print(" ".join(f"{k}={n.get(k)}" for k in ("c01", "c32", "c33", "c64", "c65", "c70")))
PY
)
if [ "$got" = "c01=1 c32=1 c33=1 c64=1 c65=1 c70=3" ]; then ok "JSON counts every custom check"
else bad "JSON counts every custom check" "got: $got"; fi

# JUnit: check c70's testcase lists its 3 findings (no --fail-on: as output).
if grep -q '<testcase name="c70" classname="dpf.security"><system-out>3 findings (no --fail-on gate' "$T/r.xml"
then ok "JUnit lists check c70's 3 findings"
else bad "JUnit lists check c70's 3 findings" "$(grep 'name="c70"' "$T/r.xml" | head -c 300)"; fi

# --events: every event carries its custom verdict, c33 and c70 included.
n70=$(grep -c '"verdict":\["c70"\]' "$T/ev.jsonl")
n33=$(grep -c '"verdict":\["c33"\]' "$T/ev.jsonl")
if [ "$n70" = 3 ] && [ "$n33" = 1 ]; then ok "--events names c33 and c70 in the verdicts"
else bad "--events names c33 and c70 in the verdicts" "c70: $n70 (want 3), c33: $n33 (want 1)"; fi
finish
