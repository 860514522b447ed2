#!/bin/sh
# investigate.sh - "what did user X read?": `dpfaudit trace --user`, the
# scan filters, --fail-on, --pseudonymize and the report formats on trace,
# and verdicts that tell "justified by TICKET-88" from a finding that
# stays one although a reason was given.
#
# The expectations come from the log itself (grep) and from `scan` over
# the same input (its JSON findings), never from remembered numbers.
. "$(dirname "$0")/lib.sh"

command -v python3 >/dev/null 2>&1 || { echo "not ok - python3 is needed"; exit 1; }

cat >"$T/t.rules" <<'EOF'
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

[evidence tickets]
file = tickets.csv
key = id

[role support-agent]
members = mrossi, jdoe
may-read = email, device
purposes = support
EOF
cat >"$T/tickets.csv" <<'EOF'
id,subject,assignee,opened,closed
TICKET-88,4711,mrossi,2026-11-20T09:00:00Z,
EOF
R="$T/t.rules"

# Out of time order in the file, so the trace has to sort.
cat >"$T/a.log" <<'EOF'
10.0.0.7 - mrossi [24/Nov/2026:11:00:00 +0000] "GET /api/v1/customers/4711/health?reason=TICKET-88 HTTP/1.1" 200 71
10.0.0.7 - mrossi [24/Nov/2026:10:00:00 +0000] "GET /api/v1/customers/4711/email?reason=TICKET-88 HTTP/1.1" 200 71
10.0.0.8 - jdoe [24/Nov/2026:10:30:00 +0000] "GET /api/v1/customers/4711/email HTTP/1.1" 200 71
10.0.0.7 - mrossi [24/Nov/2026:09:12:00 +0000] "GET /api/v1/customers/5012/email HTTP/1.1" 200 71
10.0.0.7 - mrossi [24/Nov/2026:12:00:00 +0000] "GET /api/v1/customers/7000/devices HTTP/1.1" 403 0
10.0.0.7 - mrossi [24/Nov/2026:13:00:00 +0000] "GET /api/v1/customers/5012/devices?reason=TICKET-88 HTTP/1.1" 200 71
10.0.0.1 - - [24/Nov/2026:13:30:00 +0000] "GET /healthz HTTP/1.1" 200 2
EOF

# csv_rows FILE COLUMNS...: the named columns of a trace CSV, '|'-joined.
csv_rows() {
	python3 -c 'import csv, sys
for r in csv.DictReader(open(sys.argv[1], newline="")):
    print("|".join(r[c] for c in sys.argv[2:]))' "$@"
}

# ---- trace --user: every access by that user, in time order -----------------
run trace --user mrossi -r "$R" --report "csv:$T/u.csv" "$T/a.log"
expect_rc "trace --user" 0
want=$(grep -n ' mrossi ' "$T/a.log" | sed 's/^\([0-9]*\):.*\[\([^]]*\)\].*/\2 \1/' | sort | awk '{print $3}' | tr '\n' ' ')
got=$(csv_rows "$T/u.csv" line | tr '\n' ' ')
if [ "$got" = "$want" ] && [ -n "$want" ]; then ok "trace --user lists exactly that user's lines, in time order ($want)"
else bad "trace --user lines" "got '$got', want '$want'"; fi
if ! csv_rows "$T/u.csv" user | grep -qv '^mrossi$'; then ok "trace --user: every row is that user"; else bad "trace --user: other users"; fi

# Each row: role, reason, ticket, verdict, file and line.
csv_rows "$T/u.csv" line role reason ticket verdict file >"$T/u.rows"
expect_in "a justified read says by which ticket" "$T/u.rows" "2|support-agent|TICKET-88|TICKET-88|justified by TICKET-88|$T/a.log"
expect_in "a finding stays a finding when a reason was given" "$T/u.rows" \
	"1|support-agent|TICKET-88|TICKET-88|finding: sensitive-data-access (reason given: TICKET-88)|$T/a.log"
expect_in "a read without a reason is a plain finding" "$T/u.rows" "4|support-agent|||finding: no-business-reason|$T/a.log"
expect_in "a failed request read nothing" "$T/u.rows" "5|support-agent|||failed (status 403): nothing read|"
if grep -q 'justified by' "$T/u.rows" && ! grep 'finding:' "$T/u.rows" | grep -q 'justified by'; then
	ok "no row is both a finding and 'justified by'"
else bad "verdict wording mixes finding and justification" "$(cat "$T/u.rows")"; fi

# The text report: the heading names the user, with the subjects read.
run trace --user mrossi -r "$R" "$T/a.log"
expect_in "text heading names the user" "$OUT" "dpfaudit trace: user mrossi"
expect_in "text summary lists subjects by count" "$OUT" "by subject: 4711: 2, 5012: 2, 7000: 1"
expect_in "text rows end with file:line" "$OUT" "$T/a.log:4"

# --user and --subject together: both must match.
run trace --user mrossi --subject 4711 -r "$R" --report "csv:$T/us.csv" "$T/a.log"
got=$(csv_rows "$T/us.csv" line | tr '\n' ' ')
if [ "$got" = "2 1 " ]; then ok "trace --user with --subject: the accesses of that user to that subject"; else bad "--user with --subject" "got '$got'"; fi

# ---- the scan filters apply to trace -----------------------------------------
run trace --user mrossi --category health -r "$R" --report "csv:$T/c.csv" "$T/a.log"
expect_rc "trace --category" 0
got=$(csv_rows "$T/c.csv" line | tr '\n' ' ')
if [ "$got" = "1 " ]; then ok "trace --category selects the events reading it"; else bad "trace --category" "got '$got'"; fi
run trace --user mrossi --category nosuch -r "$R" "$T/a.log"
expect_rc "trace with an unknown --category" 2
run trace --user mrossi --since 2026-11-24T10:00:00Z --until 2026-11-24T12:00:00Z -r "$R" --report "csv:$T/c.csv" "$T/a.log"
got=$(csv_rows "$T/c.csv" line | tr '\n' ' ')
if [ "$got" = "2 1 5 " ]; then ok "trace --since/--until"; else bad "trace --since/--until" "got '$got'"; fi

# --principle keeps the events with a finding under it: the same lines as
# scan's findings under that principle.
for p in security purpose-limitation choice; do
	run scan --user mrossi --principle "$p" -r "$R" --report "json:$T/s.json" "$T/a.log"
	want=$(python3 -c 'import json, sys
print(" ".join(sorted({str(f["line"]) for f in json.load(open(sys.argv[1]))["findings"]})))' "$T/s.json")
	run trace --user mrossi --principle "$p" -r "$R" --report "csv:$T/p.csv" "$T/a.log"
	got=$(csv_rows "$T/p.csv" line | sort -u | tr '\n' ' ' | sed 's/ $//')
	if [ "$got" = "$want" ]; then ok "trace --principle $p: the lines scan finds under it ('$want')"
	else bad "trace --principle $p" "got '$got', scan '$want'"; fi
done

# ---- --fail-on: the gate of scan, over the traced events ---------------------
for sev in low medium high critical; do
	run scan --user mrossi --fail-on "$sev" -r "$R" --report "json:$T/s.json" "$T/a.log"
	want=$RC
	run trace --user mrossi --fail-on "$sev" -r "$R" "$T/a.log"
	if [ "$RC" = "$want" ]; then ok "trace --fail-on $sev exits as scan does ($RC)"; else bad "trace --fail-on $sev" "exit $RC, scan $want"; fi
done
run trace --user jdoe --fail-on critical -r "$R" "$T/a.log"
expect_rc "trace --fail-on critical with no critical finding" 0
run trace --user mrossi --fail-on urgent -r "$R" "$T/a.log"
expect_rc "trace --fail-on with an unknown severity" 2

# ---- --pseudonymize ------------------------------------------------------------
printf 'a key of at least sixteen bytes\n' >"$T/key"
run trace --user mrossi --pseudonymize "$T/key" -r "$R" --report text --report "csv:$T/ps.csv" --report "json:$T/ps.json" "$T/a.log"
expect_rc "trace --pseudonymize" 0
cp "$OUT" "$T/ps.txt"
for f in "$T/ps.csv" "$T/ps.json" "$T/ps.txt"; do
	if grep -q 'mrossi\|4711\|5012' "$f"; then bad "trace --pseudonymize hides users and subjects ($(basename "$f"))" "$(grep 'mrossi\|4711\|5012' "$f" | head -n 3)"
	else ok "trace --pseudonymize hides users and subjects ($(basename "$f"))"; fi
done
expect_in "pseudonymised heading" "$T/ps.txt" "dpfaudit trace: user user-"
run trace --user mrossi --pseudonymize "$T/key" -r "$R" --report "csv:$T/ps2.csv" "$T/a.log"
if cmp -s "$T/ps.csv" "$T/ps2.csv"; then ok "trace pseudonyms are stable for one key"; else bad "trace pseudonyms unstable"; fi
run trace --user mrossi --pseudonymize "$T/nokey" -r "$R" "$T/a.log"
expect_rc "trace --pseudonymize with a missing key file" 2

# ---- report formats: text, csv, json, html; the rest refused ---------------------
run trace --user mrossi -r "$R" --report "html:$T/t.html" --report "json:$T/t.json" "$T/a.log"
expect_rc "trace --report html" 0
if python3 - "$T/t.html" "$T/t.json" <<'EOF'
import html.parser, json, sys
class P(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.rows, self.cell, self.links = [], None, []
    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        if tag in ("td", "th"):
            self.cell = ""
        for k, v in attrs:
            if k in ("src", "href") and v:
                self.links.append(v)
    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self.rows[-1].append(self.cell)
            self.cell = None
    def handle_data(self, d):
        if self.cell is not None:
            self.cell += d
p = P()
p.feed(open(sys.argv[1]).read())
assert not p.links, p.links                     # self-contained
head, rows = p.rows[0], p.rows[1:]
ev = json.load(open(sys.argv[2]))["events"]
assert len(rows) == len(ev) == 5, (len(rows), len(ev))
assert head[:4] == ["time", "user", "subject", "role"], head
verdicts = [r[head.index("verdict")] for r in rows]
assert "finding: sensitive-data-access (reason given: TICKET-88)" in verdicts, verdicts
assert [r[head.index("file")].rsplit(":", 1)[1] for r in rows] == [str(e["line"]) for e in ev]
EOF
then ok "trace html: one self-contained table, the same events as json"; else bad "trace html"; fi
for f in sarif junit markdown; do
	run trace --user mrossi -r "$R" --report "$f" "$T/a.log"
	expect_rc "trace --report $f is refused" 2
	expect_in "trace --report $f names the formats it writes" "$ERR" "expected text, csv, json or html"
done

# ---- the man page and --help say the same --------------------------------------
run trace --help
for o in --user --subject --category --principle --fail-on --pseudonymize; do
	expect_in "trace --help documents $o" "$OUT" "$o"
done
expect_in "trace --help names its report formats" "$OUT" "text (default, stdout), csv, json or html"
# The man page source (the page itself is generated in the build tree).
expect_in "the man page names trace's report formats" "$SRCDIR/doc/dpfaudit.1.in" "text, csv, json and html"

finish
