#!/bin/sh
# dpfaudit-nightly - the nightly audit of yesterday's logs, as cron or a
# systemd timer runs it: reports into a dated, owner-only directory, the
# text report mailed with a subject that says what the exit status said.
#
# Settings (environment, or /etc/default/dpfaudit-nightly for the systemd unit):
#   DPF_LOGS     log directory or file to audit        (default /var/log/api)
#   DPF_OUT      where the dated report folders go     (default /var/lib/dpfaudit/reports)
#   DPF_MAILTO   who gets the text report (empty: no mail)
#   DPF_RULES    rule file or directory (empty: the installed default rules)
#   DPF_FAIL_ON  severity that makes the night "FINDINGS" (default high)
#   DPF_STATE    the state of incremental runs, passed as --state (default
#                /var/lib/dpfaudit/state; set it empty to read everything every night)
#   DPF_PERIOD   "--since X --until Y" (default: none with a state, whose runs
#                judge each line once, so a period would drop findings for
#                good; without a state: yesterday, a whole day)
#   DPFAUDIT     the binary (default: dpfaudit on PATH)
#   MAIL         the mail command, called as: MAIL -s SUBJECT ADDRESS < report
#
# Exit status: dpfaudit's own (0 clean, 1 findings at/above DPF_FAIL_ON,
# 2 usage or rule error, 3 incomplete audit), so the timer's or cron's
# failure mail tells the nights apart too.
set -u

LOGS=${DPF_LOGS:-/var/log/api}
OUT=${DPF_OUT:-/var/lib/dpfaudit/reports}
MAILTO=${DPF_MAILTO:-}
RULES=${DPF_RULES:-}
FAIL_ON=${DPF_FAIL_ON:-high}
STATE=${DPF_STATE-/var/lib/dpfaudit/state}
if [ -n "$STATE" ]; then
	PERIOD=${DPF_PERIOD:-}
else
	PERIOD=${DPF_PERIOD:---since yesterday --until yesterday}
fi
DPFAUDIT=${DPFAUDIT:-dpfaudit}
MAIL=${MAIL:-mail}

# Reports hold personal data: nothing this script creates is readable by others.
umask 077
day=$(date -d yesterday +%F 2>/dev/null || date +%F)
dir=$OUT/$day
mkdir -p "$dir" || exit 3
if [ -n "$STATE" ]; then mkdir -p "$(dirname "$STATE")" || exit 3; fi

# shellcheck disable=SC2086 # PERIOD is a list of options on purpose
"$DPFAUDIT" scan ${RULES:+--rules "$RULES"} $PERIOD ${STATE:+--state "$STATE"} --fail-on "$FAIL_ON" --no-progress \
	--report "text:$dir/report.txt" --report "json:$dir/report.json" \
	--report "html:$dir/report.html" --report "csv:$dir/findings.csv" \
	"$LOGS" 2>"$dir/stderr.txt"
status=$?

case $status in
0) what="clean" ;;
1) what="FINDINGS at or above $FAIL_ON" ;;
2) what="NOT RUN: usage or rule error" ;;
3) what="INCOMPLETE audit" ;;
*) what="FAILED (exit $status)" ;;
esac

if [ -n "$MAILTO" ]; then
	{
		if [ -s "$dir/report.txt" ]; then cat "$dir/report.txt"; fi
		if [ -s "$dir/stderr.txt" ]; then
			echo
			echo "--- dpfaudit said on stderr:"
			cat "$dir/stderr.txt"
		fi
		echo
		echo "Full reports: $dir (report.html, report.json, findings.csv)"
	} | "$MAIL" -s "dpfaudit $day: $what" "$MAILTO"
fi
exit "$status"
