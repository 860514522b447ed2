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
expect_in "the html report draws its charts as inline svg" "$T/report.html" "<svg"

# The DOM Chromium builds has the verdict per principle at the top.
timeout 120 "$CHROME" --headless --no-sandbox --disable-gpu --no-first-run \
	--disable-background-networking --disable-component-update --disable-sync \
	--user-data-dir="$T/profile-dom" --dump-dom "file://$T/report.html" >"$T/dom.html" 2>/dev/null
expect_in "chromium parses the report: the Security principle is there" "$T/dom.html" "Security"

finish
