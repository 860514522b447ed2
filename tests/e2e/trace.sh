#!/bin/sh
# trace.sh - incident investigations end to end: `dpfaudit trace`, the
# investigation filters of `scan` (--since/--until at their exact
# boundaries, relative times against a fixed --now, --user, --subject,
# --category, --principle), windows judged on every event whatever the
# filters, and `--events` (JSON lines, identical for any -j).
#
# Every log and rule file is written here, modelled on the default scenario,
# so each expectation is computed from the data, not remembered.
. "$(dirname "$0")/lib.sh"

command -v python3 >/dev/null 2>&1 || { echo "not ok - python3 is needed"; exit 1; }

# ---- rules ----------------------------------------------------------------
cat >"$T/t.rules" <<'EOF'
[category identification]
resource = ^/api/v\d+/customers/(?<subject>\d+)/profile\b
[category email]
resource = ^/api/v\d+/customers/(?<subject>\d+)/email\b
[category device]
resource = ^/api/v\d+/customers/(?<subject>\d+)/devices\b
[category health]
sensitive = yes
resource = ^/api/v\d+/customers/(?<subject>\d+)/health\b

[purpose support]
reason = ^(?:TICKET|CASE)-\d+$
evidence = tickets
infer = yes

[evidence tickets]
file = tickets.csv
key = id

[role support-agent]
members = mrossi, jdoe, akowalski
may-read = identification, email, device
purposes = support
max-subjects = 40/1h

[role privacy-officer]
members = dklein
may-read = *
purposes = *

[check failed-access-burst]
threshold = 5/10m
EOF
cat >"$T/tickets.csv" <<'EOF'
id,subject,assignee,opened,closed
TICKET-88,4711,mrossi,2026-11-20T09:00:00Z,
TICKET-90,1042,jdoe,2026-11-23T08:15:00Z,2026-11-24T17:00:00Z
EOF
R="$T/t.rules"

# ---- logs for the trace -----------------------------------------------------
# Three gzip files whose times interleave (each in time order, as a server
# writes them), with exact ties across files; customer 4711 among look-alike
# ids (47110, 14711) so that only an exact subject match is right.
python3 - "$T" <<'EOF'
import gzip, random, sys
t = sys.argv[1]
rnd = random.Random(4711)
users = ["mrossi", "jdoe", "akowalski", "dklein", "bsmith", "-"]
subjects = ["4711", "4711", "4711", "47110", "14711", "1042", "2300"]
paths = ["profile", "email", "devices", "health"]
methods = ["GET", "GET", "GET", "HEAD", "POST", "DELETE"]
mon = "Nov"
base = 24 * 86400 + 8 * 3600  # seconds into November
for name in ("a", "b", "c"):
    lines = []
    secs = sorted(rnd.randrange(base, base + 3 * 86400) for _ in range(60))
    # exact ties: the same instant in every file
    secs += [base + 3600] * 2
    secs.sort()
    for s in secs:
        d, r = divmod(s, 86400)
        h, r = divmod(r, 3600)
        m, sec = divmod(r, 60)
        u = rnd.choice(users)
        subj = rnd.choice(subjects)
        p = rnd.choice(paths)
        q = rnd.choice(["", "?reason=TICKET-88", "?reason=TICKET-90", "?x=alice%40example.com"])
        st = rnd.choice([200, 200, 200, 403, 404])
        lines.append('10.0.0.%d - %s [%02d/%s/2026:%02d:%02d:%02d +0000] "%s /api/v1/customers/%s/%s%s HTTP/1.1" %d 71 "-" "curl/8"\n'
                     % (rnd.randrange(1, 9), u, d, mon, h, m, sec, rnd.choice(methods), subj, p, q, st))
        # lines that touch nobody
        if rnd.random() < 0.3:
            lines.append('10.0.0.1 - - [%02d/%s/2026:%02d:%02d:%02d +0000] "GET /healthz HTTP/1.1" 200 2 "-" "probe"\n'
                         % (d, mon, h, m, sec))
    with open("%s/%s.log.gz" % (t, name), "wb") as f:
        f.write(gzip.compress("".join(lines).encode(), mtime=0))
EOF

# The expected timeline, from zcat | grep: (time, command-line order, line).
expected_timeline() {
	i=0
	for f in "$@"; do
		zcat "$f" | grep -n '/customers/4711/' | sed "s|^|$i $f |"
		i=$((i + 1))
	done | python3 -c '
import sys, datetime
rows = []
for l in sys.stdin:
    idx, path, rest = l.split(" ", 2)
    line, text = rest.split(":", 1)
    ts = text.split("[", 1)[1].split("]", 1)[0]
    t = datetime.datetime.strptime(ts, "%d/%b/%Y:%H:%M:%S %z").timestamp()
    rows.append((t, int(idx), int(line), path))
rows.sort()
for t, i, line, path in rows:
    print("%s,%d" % (path, line))
'
}

# Out of time order on the command line: c, a, b.
set -- "$T/c.log.gz" "$T/a.log.gz" "$T/b.log.gz"
want=$(for f in "$@"; do zcat "$f" | grep -c '/customers/4711/'; done | awk '{s+=$1} END {print s}')

run trace --subject 4711 -r "$R" --report "csv:$T/trace.csv" --report "json:$T/trace.json" \
	--events "$T/trace-events.jsonl" -j 2 "$@"
expect_rc "trace on gzip inputs" 0
expected_timeline "$@" >"$T/want.txt"
python3 -c 'import csv,sys
r = list(csv.DictReader(open(sys.argv[1], newline="")))
for row in r: print("%s,%s" % (row["file"], row["line"]))' "$T/trace.csv" >"$T/got.txt" 2>"$T/py.err"
if [ "$(wc -l <"$T/want.txt")" -eq "$want" ] && [ "$want" -gt 20 ] && cmp -s "$T/want.txt" "$T/got.txt"; then
	ok "trace lists exactly the $want lines zcat | grep finds, in time order (ties: file, line)"
else
	bad "trace timeline = zcat | grep" "$(diff "$T/want.txt" "$T/got.txt" | head -n 10)"
fi

# The text report: a summary on top, then one line per event with file:line.
run trace --subject 4711 -r "$R" -j 2 "$@"
expect_rc "trace text report" 0
expect_in "text summary: accesses" "$OUT" "accesses: $want "
expect_in "text summary: by user" "$OUT" "by user: "
expect_in "text summary: with findings" "$OUT" "with findings: "
expect_in "text summary: time range" "$OUT" "time range: 2026-11-"
n=$(grep -c '\.log\.gz:[0-9]*$' "$OUT")
if [ "$n" -eq "$want" ]; then ok "text timeline has one line per event"; else bad "text timeline lines" "$n, expected $want"; fi
cp "$OUT" "$T/trace-j2.txt"
run trace --subject 4711 -r "$R" -j 1 "$@"
if cmp -s "$OUT" "$T/trace-j2.txt"; then ok "trace is identical for -j1 and -j2"; else bad "trace -j1 vs -j2"; fi

# csv and json parse, and agree with each other and the text summary.
if python3 - "$T/trace.csv" "$T/trace.json" "$want" <<'EOF'
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
assert list(rows[0].keys()) == ["time", "user", "subject", "role", "action", "categories",
                                "reason", "ticket", "status", "verdict", "file", "line"], rows[0].keys()
d = json.load(open(sys.argv[2]))
ev = d["events"]
n = int(sys.argv[3])
assert len(rows) == n and len(ev) == n, (len(rows), len(ev), n)
assert d["summary"]["accesses"] == n
assert sum(u["count"] for u in d["summary"]["by_user"]) == n
assert all(e["subject"] == "4711" for e in ev)
assert [(e["file"], e["line"]) for e in ev] == [(r["file"], int(r["line"])) for r in rows]
times = [e["time"] for e in ev]
assert times == sorted(times)
assert d["summary"]["from"] == times[0] and d["summary"]["until"] == times[-1]
unjust = sum(1 for e in ev if e["verdict"])
assert d["summary"]["unjustified"] == unjust, (d["summary"]["unjustified"], unjust)
# failed requests are accesses too, and read nothing
assert any(e["status"] == 403 for e in ev)
assert all(not e["pd_read"] for e in ev if e["status"] >= 400)
# a justified read says by which ticket
for e, r in zip(ev, rows):
    if e["justified_by"] and not e["verdict"]:
        assert e["justified_by"] in r["verdict"], r
# e-mail addresses in resources are masked by default
assert not any("alice%40example.com" in (e["resource"] or "") for e in ev)
EOF
then ok "trace csv and json parse and agree"; else bad "trace csv/json content"; fi

# trace --events: the same events as JSON lines, in (file, line) order.
if python3 - "$T/trace-events.jsonl" "$T/trace.json" <<'EOF'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
ev = [json.loads(l) for l in lines]
rep = json.load(open(sys.argv[2]))["events"]
assert sorted(json.dumps(e, sort_keys=True) for e in ev) == sorted(json.dumps(e, sort_keys=True) for e in rep)
EOF
then ok "trace --events has the traced events"; else bad "trace --events"; fi

# ---- scan --events ----------------------------------------------------------
run scan -r "$R" --events "$T/ev1.jsonl" -j 1 --report "json:$T/s1.json" "$@"
expect_rc "scan --events -j1" 0
run scan -r "$R" --events "$T/ev2.jsonl" -j 2 --report "json:$T/s2.json" "$@"
expect_rc "scan --events -j2" 0
if cmp -s "$T/ev1.jsonl" "$T/ev2.jsonl"; then ok "events file identical for -j1 and -j2"; else bad "events -j1 vs -j2" "$(cmp "$T/ev1.jsonl" "$T/ev2.jsonl")"; fi
mode=$(stat -c %a "$T/ev1.jsonl")
if [ "$mode" = 600 ]; then ok "events file is owner-only (0600)"; else bad "events file mode" "$mode"; fi
total=$(for f in "$@"; do zcat "$f"; done | wc -l)
if python3 - "$T/ev1.jsonl" "$total" "$@" <<'EOF'
import json, sys
path, total, inputs = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
raw = open(path, "rb").read()
lines = raw.decode("utf-8").split("\n")
assert lines[-1] == "" and all(lines[:-1])
ev = [json.loads(l) for l in lines[:-1]]
assert all(isinstance(e, dict) for e in ev)
assert len(ev) == total, (len(ev), total)
keys = ["time", "user", "role", "action", "raw_action", "resource", "subject", "categories",
        "reason", "src", "dst", "status", "bytes", "records", "file", "line", "verdict",
        "justified_by"]
for e in ev:
    for k in keys:
        assert k in e, k
# (file, line) order, files in command-line order
order = [(inputs.index(e["file"]), e["line"]) for e in ev]
assert order == sorted(order) and len(set(order)) == len(order)
assert {e["action"] for e in ev} >= {"read", "write", "delete"}
assert not any("alice%40example.com" in (e["resource"] or "") for e in ev)
assert any("a***%40e***.com" in (e["resource"] or "") for e in ev)
EOF
then ok "scan --events: one JSON object per event, in (file, line) order, redacted"; else bad "scan --events content"; fi

# Every finding of the report appears in the verdict of its event.
if python3 - "$T/ev1.jsonl" "$T/s1.json" <<'EOF'
import json, sys
ev = {(e["file"], e["line"]): e for e in map(json.loads, open(sys.argv[1]))}
fs = json.load(open(sys.argv[2]))["findings"]
assert fs
for f in fs:
    assert f["check"] in ev[(f["file"], f["line"])]["verdict"], f
nv = sum(len(e["verdict"]) for e in ev.values())
assert nv == len(fs), (nv, len(fs))
EOF
then ok "events' verdicts are exactly the report's findings"; else bad "events' verdicts vs findings"; fi

# One input large enough to be split into several chunks, judged by several
# threads at once: the events still come out in line order, the same for any -j.
python3 - "$T/big.log" <<'EOF'
import sys
with open(sys.argv[1], "w") as f:
    for i in range(30000):
        m, s = divmod(i, 60)
        h, m = divmod(m, 60)
        f.write('10.0.0.%d - %s [25/Nov/2026:%02d:%02d:%02d +0000] "GET /api/v1/customers/%d/%s HTTP/1.1" %d 71\n'
                % (i % 7, ("mrossi", "jdoe", "bsmith")[i % 3], h, m, s, 1000 + i % 997,
                   ("email", "profile", "devices")[i % 3], (200, 200, 403)[i % 3]))
EOF
run scan -r "$R" --events "$T/big1.jsonl" -j 1 "$T/big.log" "$T/a.log.gz"
run scan -r "$R" --events "$T/big3.jsonl" -j 3 "$T/big.log" "$T/a.log.gz"
if cmp -s "$T/big1.jsonl" "$T/big3.jsonl" && python3 - "$T/big3.jsonl" "$(zcat "$T/a.log.gz" | wc -l)" <<'EOF'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
assert len(ev) == 30000 + int(sys.argv[2]), len(ev)
assert [e["line"] for e in ev[:30000]] == list(range(1, 30001))
assert all(e["file"].endswith("big.log") for e in ev[:30000])
EOF
then ok "a chunked input's events are in line order and identical for -j1 and -j3"; else bad "chunked input events -j1 vs -j3"; fi
run trace --subject 1500 -r "$R" -j 1 "$T/big.log"
cp "$OUT" "$T/tb1.txt"
run trace --subject 1500 -r "$R" -j 3 "$T/big.log"
if cmp -s "$OUT" "$T/tb1.txt" && [ "$(grep -c 'big\.log:' "$OUT")" -eq "$(grep -c '/customers/1500/' "$T/big.log")" ]; then
	ok "trace of a chunked input is complete and identical for -j1 and -j3"
else
	bad "trace of a chunked input"
fi

run scan -r "$R" --no-redact --events "$T/ev-nr.jsonl" "$@"
expect_in "--no-redact leaves resources unmasked" "$T/ev-nr.jsonl" "alice%40example.com"

run scan -r "$R" --subject 4711 --events "$T/ev-4711.jsonl" -j 2 "$@"
n=$(wc -l <"$T/ev-4711.jsonl")
if [ "$n" -eq "$want" ]; then ok "scan --events --subject writes only that subject's events"; else bad "scan --events --subject" "$n lines, expected $want"; fi

run scan -r "$R" --events /dev/full "$@"
expect_rc "an events file that cannot be written makes the audit incomplete" 3

# ---- filters at their boundaries ----------------------------------------------
# jdoe reads without a reason (no-business-reason) at 09:59:59, 10:00:00,
# 12:00:00 and 12:00:01; an anonymous read of 1042's profile at 11:00:00.
cat >"$T/edge.log" <<'EOF'
10.0.0.8 - jdoe [24/Nov/2026:09:59:59 +0000] "GET /api/v1/customers/5001/email HTTP/1.1" 200 71
10.0.0.8 - jdoe [24/Nov/2026:10:00:00 +0000] "GET /api/v1/customers/5002/email HTTP/1.1" 200 71
10.0.0.8 - jdoe [24/Nov/2026:12:00:00 +0000] "GET /api/v1/customers/5003/profile HTTP/1.1" 200 71
10.0.0.8 - jdoe [24/Nov/2026:12:00:01 +0000] "GET /api/v1/customers/5004/email HTTP/1.1" 200 71
10.0.0.9 - - [24/Nov/2026:11:00:00 +0000] "GET /api/v1/customers/1042/profile HTTP/1.1" 200 71
10.0.0.7 - akowalski [24/Nov/2026:11:30:00 +0000] "GET /api/v1/customers/1042/devices HTTP/1.1" 200 71
EOF

# finding_lines ARGS...: "check:line" of every finding of a scan, sorted.
finding_lines() {
	"$DPFAUDIT" scan -r "$R" --report "json:$T/f.json" "$@" "$T/edge.log" >/dev/null 2>"$T/f.err"
	python3 -c 'import json,sys
print(" ".join(sorted("%s:%d" % (f["check"], f["line"]) for f in json.load(open(sys.argv[1]))["findings"])))' "$T/f.json"
}

# check_filter NAME WANT ARGS...
check_filter() {
	name=$1 want_f=$2
	shift 2
	got_f=$(finding_lines "$@")
	if [ "$got_f" = "$want_f" ]; then ok "$name"; else bad "$name" "got '$got_f'" "want '$want_f'"; fi
}

NBR=no-business-reason
UA=unauthenticated-access
check_filter "no filter: every finding" "$NBR:1 $NBR:2 $NBR:3 $NBR:4 $NBR:6 $UA:5"
check_filter "--since/--until include their exact instants" "$NBR:2 $NBR:3 $NBR:6 $UA:5" \
	--since 2026-11-24T10:00:00Z --until 2026-11-24T12:00:00Z
check_filter "one second outside --since/--until is excluded" "$NBR:6 $UA:5" \
	--since 2026-11-24T10:00:01Z --until 2026-11-24T11:59:59Z
check_filter "--since with an offset" "$NBR:3 $NBR:4" --since 2026-11-24T13:00:00+01:00
check_filter "relative --since/--until against a fixed --now" "$NBR:2 $NBR:6 $UA:5" \
	--now 2026-11-24T12:00:00Z --since -2h --until -1s
check_filter "relative --since -90m includes its instant" "$NBR:3 $NBR:4 $NBR:6 $UA:5" \
	--now 2026-11-24T12:00:01Z --since -90m
check_filter "a bare --until date includes that whole day" "$NBR:1 $NBR:2 $NBR:3 $NBR:4 $NBR:6 $UA:5" \
	--until 2026-11-24
check_filter "--until the day before excludes it" "" --until 2026-11-23
check_filter "--user selects that user's findings" "$NBR:1 $NBR:2 $NBR:3 $NBR:4" --user jdoe
check_filter "--user is repeatable" "$NBR:1 $NBR:2 $NBR:3 $NBR:4 $NBR:6" --user jdoe --user akowalski
check_filter "--subject selects that subject's findings" "$NBR:6 $UA:5" --subject 1042
check_filter "--category selects findings about it" "$NBR:3 $UA:5" --category identification
check_filter "--principle purpose-limitation leaves out security-only checks" \
	"$NBR:1 $NBR:2 $NBR:3 $NBR:4 $NBR:6" --principle purpose-limitation
check_filter "--principle security" "$NBR:1 $NBR:2 $NBR:3 $NBR:4 $NBR:6 $UA:5" --principle security
check_filter "--principle choice: none" "" --principle choice
check_filter "filters combine (and)" "$NBR:3" --user jdoe --category identification --since 2026-11-24T10:00:00Z

run scan -r "$R" --category nosuch "$T/edge.log"
expect_rc "an unknown --category is a usage error" 2
run scan -r "$R" --since "last tuesday" "$T/edge.log"
expect_rc "a bad --since is a usage error" 2
expect_in "a bad --since is named" "$ERR" "bad time 'last tuesday'"

# ---- windows see every event, whatever --since ------------------------------
# mrossi reads 41 distinct customers one minute apart (10:00 .. 10:40): the
# 41st crosses max-subjects = 40/1h.  --since 10:30 cuts off the first 30
# reads; the burst is still judged on all of them.
python3 - "$T/burst.log" <<'EOF'
import sys
with open(sys.argv[1], "w") as f:
    for i in range(41):
        f.write('10.0.0.7 - mrossi [24/Nov/2026:10:%02d:00 +0000] "GET /api/v1/customers/%d/email?reason=TICKET-88 HTTP/1.1" 200 71\n'
                % (i, 6000 + i))
EOF
count_check() {
	python3 -c 'import json,sys
fs = json.load(open(sys.argv[1]))["findings"]
print(" ".join("%s:%d" % (f["check"], f["line"]) for f in fs if f["check"] == sys.argv[2]))' "$1" "$2"
}
run scan -r "$R" --report "json:$T/b.json" --since 2026-11-24T10:30:00Z "$T/burst.log"
got=$(count_check "$T/b.json" excessive-access)
if [ "$got" = "excessive-access:41" ]; then ok "a burst straddling --since is judged on all its events"; else bad "burst across --since" "got '$got'"; fi
run scan -r "$R" --report "json:$T/b.json" --since 2026-11-24T10:40:01Z "$T/burst.log"
got=$(count_check "$T/b.json" excessive-access)
if [ -z "$got" ]; then ok "a burst finding before --since is not reported"; else bad "burst before --since" "got '$got'"; fi
run scan -r "$R" --report "json:$T/b.json" --subject 6040 "$T/burst.log"
got=$(count_check "$T/b.json" excessive-access)
if [ "$got" = "excessive-access:41" ]; then ok "a burst is judged on every subject's reads under --subject"; else bad "burst under --subject" "got '$got'"; fi

# trace attaches the windowed finding to the read that crossed the limit.
run trace --subject 6040 -r "$R" --since 2026-11-24T10:30:00Z --report "csv:$T/b.csv" "$T/burst.log"
expect_rc "trace of the crossing read" 0
expect_in "trace shows excessive-access on the read that crossed the limit" "$T/b.csv" "excessive-access"
run trace --subject 6039 -r "$R" --report "csv:$T/b.csv" "$T/burst.log"
expect_not_in "trace shows no excessive-access on an earlier read" "$T/b.csv" "excessive-access"

# Failed requests: a burst of 403s is attached to the request that completed it.
python3 - "$T/denied.log" <<'EOF'
import sys
with open(sys.argv[1], "w") as f:
    for i in range(5):
        f.write('10.0.0.66 - bsmith [24/Nov/2026:03:0%d:00 +0000] "GET /api/v1/customers/%d/health HTTP/1.1" 403 0\n' % (i, 7000 + i))
EOF
run trace --subject 7004 -r "$R" --report "csv:$T/d.csv" "$T/denied.log"
expect_in "trace shows failed-access-burst on the request that completed it" "$T/d.csv" "failed-access-burst"
run trace --subject 7000 -r "$R" --report "csv:$T/d.csv" "$T/denied.log"
expect_in "a failed request is traced" "$T/d.csv" ",403,"

# scan --events closes each verdict with the windowed findings of its line.
run scan -r "$R" --events "$T/bd.jsonl" -j 2 "$T/burst.log" "$T/denied.log"
if python3 - "$T/bd.jsonl" "$T/burst.log" "$T/denied.log" <<'EOF2'
import json, sys
ev = {(e["file"], e["line"]): e["verdict"] for e in map(json.loads, open(sys.argv[1]))}
burst, denied = sys.argv[2], sys.argv[3]
assert "excessive-access" in ev[(burst, 41)], ev[(burst, 41)]
assert not any("excessive-access" in v for k, v in ev.items() if k != (burst, 41))
assert ev[(denied, 5)] == ["failed-access-burst"], ev[(denied, 5)]
assert all(ev[(denied, i)] == [] for i in range(1, 5))
EOF2
then ok "scan --events: windowed findings in the verdict of the event that fired them"; else bad "scan --events windowed verdicts"; fi

# ---- trace filters and usage -----------------------------------------------
run trace --subject 1042 -r "$R" --report "csv:$T/e.csv" --since 2026-11-24T11:00:00Z --until 2026-11-24T11:30:00Z "$T/edge.log"
n=$(($(wc -l <"$T/e.csv") - 1))
if [ "$n" -eq 2 ]; then ok "trace --since/--until include their instants"; else bad "trace --since/--until" "$n rows"; fi
run trace --subject 1042 --user akowalski -r "$R" --report "csv:$T/e.csv" "$T/edge.log"
n=$(($(wc -l <"$T/e.csv") - 1))
if [ "$n" -eq 1 ] && grep -q ',akowalski,1042,support-agent,read,device,' "$T/e.csv"; then ok "trace --user"; else bad "trace --user" "$(cat "$T/e.csv")"; fi
run trace --subject 5001 --subject 5002 -r "$R" --report "csv:$T/e.csv" "$T/edge.log"
n=$(($(wc -l <"$T/e.csv") - 1))
if [ "$n" -eq 2 ]; then ok "trace --subject is repeatable"; else bad "trace --subject repeated" "$n rows"; fi
run trace --subject 99999 -r "$R" "$T/edge.log"
expect_rc "trace of an untouched subject" 0
expect_in "trace says nobody touched it" "$OUT" "accesses: 0 "

run trace -r "$R" "$T/edge.log"
expect_rc "trace without --subject or --user is a usage error" 2
expect_in "trace says how to name whom to trace" "$ERR" "--subject ID (every access to a data subject) or --user U"
run trace --subject 4711 -r "$R" --report pdf "$T/edge.log"
expect_rc "trace with an unknown report format" 2
run trace --help
expect_rc "trace --help" 0
for o in --subject --since --until --user --role --report --events --no-redact --jobs; do
	expect_in "trace --help documents $o" "$OUT" "$o"
done

# A truncated input: what could be read is traced, and the exit status says 3.
full="$T/a.log.gz"
size=$(wc -c <"$full")
head -c $((size / 2)) "$full" >"$T/trunc.log.gz"
run trace --subject 4711 -r "$R" --report "csv:$T/tr.csv" "$T/trunc.log.gz"
expect_rc "trace of a truncated input is incomplete" 3
if [ "$(wc -l <"$T/tr.csv")" -gt 1 ]; then ok "a truncated input's readable lines are traced"; else bad "truncated input traced nothing"; fi

finish
