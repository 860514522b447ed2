#!/bin/sh
# nightly.sh - the nightly recipe of doc/nightly.md as it is installed:
# the wrapper script run as the timer runs it (reports in a dated owner-only
# folder, the text report mailed with a subject that names the outcome, the
# exit status passed on), and the systemd units checked by systemd-analyze.
. "$(dirname "$0")/lib.sh"

NIGHTLY="$SRCDIR/doc/nightly/dpfaudit-nightly.sh"
command -v gzip >/dev/null 2>&1 || { echo "skip: gzip not found"; exit 77; }

# A mail command that records what it was given.
cat >"$T/mail" <<'M'
#!/bin/sh
# fake mail: mail -s SUBJECT ADDRESS < body
[ "$1" = "-s" ] || exit 64
printf '%s\n' "$2" >"$MAILDIR/subject"
printf '%s\n' "$3" >"$MAILDIR/to"
cat >"$MAILDIR/body"
M
chmod +x "$T/mail"
mkdir -p "$T/mail.d"

support_rules >"$T/r.rules"
L='"-" "curl/8.0"'
mkdir -p "$T/logs"
# Two nights of one API: the 2nd of December has one read without a reason.
printf '%s\n' \
 "10.0.0.7 - mrossi [01/Dec/2026:10:00:00 +0000] \"GET /api/v1/customers/4711/email?reason=TICKET-88 HTTP/1.1\" 200 71 $L" \
 "10.0.0.7 - mrossi [02/Dec/2026:10:01:00 +0000] \"GET /api/v1/customers/4711/email HTTP/1.1\" 200 71 $L" \
 | gzip >"$T/logs/access.log.1.gz"

# nightly PERIOD...: the wrapper over $T/logs; sets RC.
nightly() {
	rm -f "$T/mail.d/"*
	DPFAUDIT="$DPFAUDIT" DPF_LOGS="$T/logs" DPF_OUT="$T/reports" DPF_RULES="$T/r.rules" \
		DPF_MAILTO=privacy-officer@example.org DPF_PERIOD="$*" DPF_STATE= MAIL="$T/mail" \
		MAILDIR="$T/mail.d" sh "$NIGHTLY" >"$T/nightly.out" 2>&1
	RC=$?
}

nightly --since 2026-12-01 --until 2026-12-01
expect_rc "a clean night exits 0" 0
expect_in "a clean night's mail says so" "$T/mail.d/subject" ": clean"
expect_in "the mail goes to DPF_MAILTO" "$T/mail.d/to" "privacy-officer@example.org"
expect_in "the mail carries the text report" "$T/mail.d/body" "PASS"

nightly --since 2026-12-02 --until 2026-12-02
expect_rc "a night with a high finding exits 1" 1
expect_in "its mail subject names the findings" "$T/mail.d/subject" "FINDINGS at or above high"
expect_in "its mail body names the check" "$T/mail.d/body" "no-business-reason"
day=$(date -d yesterday +%F 2>/dev/null || date +%F)
for f in report.txt report.json report.html findings.csv; do
	if [ -s "$T/reports/$day/$f" ]; then ok "report $f written"; else bad "report $f written" "missing: $T/reports/$day/$f"; fi
done
mode=$(stat -c %a "$T/reports/$day")
if [ "$mode" = 700 ]; then ok "the dated report folder is owner-only"; else bad "report folder mode" "mode $mode, expected 700"; fi
mode=$(stat -c %a "$T/reports/$day/report.json")
if [ "$mode" = 600 ]; then ok "reports are owner-only"; else bad "report mode" "mode $mode, expected 600"; fi

# An input that cannot be read whole: the night is INCOMPLETE, exit 3.
head -c 60 "$T/logs/access.log.1.gz" >"$T/logs/access.log.2.gz"
nightly --since 2026-12-01 --until 2026-12-02
expect_rc "a damaged input makes the night incomplete" 3
expect_in "its mail subject says INCOMPLETE" "$T/mail.d/subject" "INCOMPLETE audit"
expect_in "its mail names the damaged file" "$T/mail.d/body" "access.log.2.gz"
rm -f "$T/logs/access.log.2.gz"

# A rule error: nothing scanned, exit 2, and the mail says so.
# With DPF_STATE: --state, no period; the second night reads nothing again.
stnight() {
	rm -rf "$T/reports" "$T/mail.d/"*
	DPFAUDIT="$DPFAUDIT" DPF_LOGS="$T/logs" DPF_OUT="$T/reports" DPF_RULES="$T/r.rules" \
		DPF_MAILTO=privacy-officer@example.org DPF_STATE="$T/st/state" MAIL="$T/mail" \
		MAILDIR="$T/mail.d" sh "$NIGHTLY" >"$T/nightly.out" 2>&1
	RC=$?
}
stnight
if [ "$RC" -le 1 ] && [ "$(stat -c %a "$T/st/state" 2>/dev/null)" = 600 ]; then
	ok "DPF_STATE: the wrapper writes the owner-only state"
else
	bad "DPF_STATE: first night" "exit $RC"
fi
stnight
expect_in "DPF_STATE: the second night reads nothing again" "$T/reports/$day/stderr.txt" "already audited"
printf '[role x]\nmay-read = nosuch\n' >"$T/bad.rules"
rm -f "$T/mail.d/"*
DPFAUDIT="$DPFAUDIT" DPF_LOGS="$T/logs" DPF_OUT="$T/reports" DPF_RULES="$T/bad.rules" \
	DPF_MAILTO=privacy-officer@example.org DPF_STATE= MAIL="$T/mail" MAILDIR="$T/mail.d" \
	sh "$NIGHTLY" >/dev/null 2>&1
RC=$?
expect_rc "a rule error exits 2" 2
expect_in "its mail says the audit did not run" "$T/mail.d/subject" "NOT RUN"
expect_in "its mail carries the rule error" "$T/mail.d/body" "bad.rules"

# The period is stated as audited, in the zone of the day (--tz, else TZ).
run scan --no-progress --rules "$T/r.rules" --now 2026-12-03T10:00:00Z --since yesterday \
	--until yesterday --tz Europe/Rome --report "json:$T/p.json" "$T/logs"
expect_rc "a scan of one day in Europe/Rome" 0
expect_in "the report states the resolved start of the day" "$T/p.json" \
	"--since yesterday = 2026-12-02T00:00:00+01:00"
expect_in "the report states the resolved end of the day" "$T/p.json" \
	"--until yesterday = 2026-12-02T23:59:59+01:00"
expect_in "the report names the zone" "$T/p.json" "--tz Europe/Rome"
TZ=Asia/Tokyo "$DPFAUDIT" scan --no-progress --rules "$T/r.rules" --now 2026-12-03T10:00:00Z \
	--since yesterday --report "json:$T/p.json" "$T/logs" >/dev/null 2>&1
expect_in "without --tz, TZ says whose day it is" "$T/p.json" \
	"--since yesterday = 2026-12-02T00:00:00+09:00"
run scan --no-progress --rules "$T/r.rules" --tz Europe/Rom --since yesterday "$T/logs"
expect_rc "an unknown --tz is a usage error" 2
expect_in "which names the option" "$ERR" "--tz: unknown time zone 'Europe/Rom'"

# The systemd units, as `make install` writes them, pass systemd-analyze.
if command -v systemd-analyze >/dev/null 2>&1; then
	mkdir -p "$T/units"
	sed -e "s|@bindir@|$(dirname "$DPFAUDIT")|g" -e "s|@pkgdatadir@/nightly|$SRCDIR/doc/nightly|g" \
		"$SRCDIR/doc/nightly/dpfaudit-nightly.service.in" >"$T/units/dpfaudit-nightly.service"
	cp "$SRCDIR/doc/nightly/dpfaudit-nightly.timer" "$T/units/"
	if (cd "$T/units" && SYSTEMD_LOG_LEVEL=warning systemd-analyze verify --man=no \
		./dpfaudit-nightly.service ./dpfaudit-nightly.timer) >"$T/verify.out" 2>&1 &&
		! grep -v -e 'Failed to .*bus' -e 'Cannot open /etc/machine-id' "$T/verify.out" | grep -q .; then
		ok "systemd-analyze verify accepts the service and the timer"
	else
		bad "systemd-analyze verify" "$(cat "$T/verify.out")"
	fi
else
	echo "# systemd-analyze not installed: unit files not verified"
fi
finish
