#!/bin/sh
# html_chromium.sh - the HTML report as a person sees it: headless Chromium
# renders it at a phone's width and at a desktop's, with the network off, and
# takes screenshots.  Skipped (77) where Chromium is not installed.
. "$(dirname "$0")/lib.sh"

CHROME=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$CHROME" ]; then
	echo "SKIP: chromium not installed"
	exit 77
fi

run scan --no-progress --report html:"$T/report.html" "$SRCDIR/samples"
expect_rc "html report of the samples" 0

shot() { # NAME WIDTHxHEIGHT
	timeout 120 "$CHROME" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$T/profile-$1" --window-size="$2" --hide-scrollbars \
		--screenshot="$T/$1.png" "file://$T/report.html" >"$T/$1.log" 2>&1
	if [ -s "$T/$1.png" ] && [ "$(wc -c <"$T/$1.png")" -gt 20000 ]; then
		ok "chromium renders the report at $2"
	else
		bad "chromium renders the report at $2" "$(tail -n 5 "$T/$1.log")"
	fi
	# Keep the screenshots for a person to look at when asked to.
	[ -n "${DPF_KEEP_SCREENSHOTS:-}" ] && cp "$T/$1.png" "$DPF_KEEP_SCREENSHOTS/$1.png"
	return 0
}
shot phone 390,1600
shot desktop 1280,1800

# Self-contained: nothing is fetched from the network.
if grep -Eiq '<(script|link|img|iframe)[^>]+(src|href)="?(https?:)?//' "$T/report.html"; then
	bad "the html report loads nothing from the network"
else
	ok "the html report loads nothing from the network"
fi
expect_in "the html report has a viewport for phones" "$T/report.html" 'name="viewport"'

# Structure a reader relies on (issue 17): findings folded per check with
# their counts, the hourly chart with its numbers, the double counting of
# principles stated, the period audited; labels are HTML text, not SVG text
# scaled down to a few pixels on a phone.
run scan --no-progress --report json:"$T/report.json" "$SRCDIR/samples"
python3 - "$T/report.json" "$T/report.html" >"$T/html.out" 2>&1 <<'PY'
import json, re, sys
d = json.load(open(sys.argv[1]))
html = open(sys.argv[2]).read()
errs = []
fired = [c for c in d["checks"] if c["findings"]]
summ = re.findall(r'<details class="check"[^>]*><summary>.*?</span> ([a-z0-9-]+) &mdash; .*?: (\d+) findings? in (\d+) groups?</summary>', html)
if len(summ) != len(fired):
    errs.append(f"{len(summ)} folded checks, {len(fired)} checks with findings")
groups = {}
for g in d["groups"]:
    groups[g["check"]] = groups.get(g["check"], 0) + 1
for cid, n, ng in summ:
    want = next((c["findings"] for c in fired if c["id"] == cid), None)
    if want != int(n):
        errs.append(f"{cid}: summary says {n} findings, JSON {want}")
    if groups.get(cid) != int(ng):
        errs.append(f"{cid}: summary says {ng} groups, JSON {groups.get(cid)}")
if html.count('<details class="check" open>') != 1:
    errs.append("the most severe check is not the one open")
hours = re.findall(r"<tr><td>(\d\d):00</td><td class=\"n\">(\d+)</td>", html)
if [h for h, _ in hours] != [f"{h:02d}" for h in range(24)]:
    errs.append(f"hourly table rows: {len(hours)}")
elif sum(int(n) for _, n in hours) != d["coverage"]["personal_data_reads"]:
    errs.append("hourly reads do not add up to the personal-data reads")
m = re.search(r"these rows add up to (\d+) for (\d+) findings", html)
if not m or int(m.group(2)) != d["summary"]["findings"]:
    errs.append("double counting per principle not stated with the findings count")
if "Period audited:" not in html:
    errs.append("no period")
if "<svg" in html:
    errs.append("an SVG chart (its text shrinks to a few pixels on a phone)")
print("\n".join(errs))
sys.exit(1 if errs else 0)
PY
if [ $? -eq 0 ]; then ok "html: findings folded per check with counts, hourly table, double counting stated, period"; else bad "html structure" "$(cat "$T/html.out")"; fi

# The DOM Chromium builds has the verdict per principle at the top.
timeout 120 "$CHROME" --headless --no-sandbox --disable-gpu --no-first-run \
	--disable-background-networking --disable-component-update --disable-sync \
	--user-data-dir="$T/profile-dom" --dump-dom "file://$T/report.html" >"$T/dom.html" 2>/dev/null
expect_in "chromium parses the report: the Security principle is there" "$T/dom.html" "Security"

finish
