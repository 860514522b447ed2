#!/bin/sh
# jobs.sh - `-j N` gives the same report as `-j 1` (issue 13), for every
# built-in format, on inputs of 20,000 records: more than one chunk (8,192
# records, audit.c), so one input is split across parser threads.  Each
# input has reads inside and outside the role's hours, an unknown user,
# bursts over max-subjects and of 403s, so every kind of finding and the
# per-input counters are compared.  Syslog without a year (RFC 3164) is
# one of them: every parser thread must give the year, not only the reader.
. "$(dirname "$0")/lib.sh"

N=20000
cat >"$T/r.rules" <<'R'
[format rl]
pattern = ^(?<time>\S+) (?<user>\S+) (?<method>\S+) (?<resource>\S+) (?<status>\d+)$
field.action = method
read = GET
[category email]
resource = ^/api/v\d+/customers/(?<subject>\d+)/email\b
field.statement = \bcustomers where id = (?<subject>\d+)
[role support-agent]
members = mrossi
may-read = email
reason-required = no
hours = Mon-Fri 09:00-17:00 UTC
max-subjects = 30/10m
R

# gen FMT: N records of one format; record i is at 2026-11-24 08:00 + i*7 s
# (past midnight into the 25th), read by mrossi or (every 7th) bsmith, of
# one of 97 subjects, every 13th denied.
gen() {
	awk -v fmt="$1" -v n="$N" 'BEGIN {
		split("Nov", mon);
		for (i = 0; i < n; i++) {
			t = 8 * 3600 + i * 7; d = 24 + int(t / 86400); t = t % 86400;
			hh = int(t / 3600); mm = int(t / 60) % 60; ss = t % 60;
			u = (i % 7 == 0) ? "bsmith" : "mrossi";
			s = 1000 + i % 97; st = (i % 13 == 0) ? 403 : 200;
			path = sprintf("/api/v1/customers/%d/email", s);
			clf = sprintf("%02d/Nov/2026:%02d:%02d:%02d +0000", d, hh, mm, ss);
			iso = sprintf("2026-11-%02dT%02d:%02d:%02dZ", d, hh, mm, ss);
			if (fmt == "common")
				printf "10.0.%d.%d - %s [%s] \"GET %s HTTP/1.1\" %d 71\n", i % 200, i % 251, u, clf, path, st;
			else if (fmt == "combined")
				printf "10.0.%d.%d - %s [%s] \"GET %s HTTP/1.1\" %d 71 \"-\" \"curl/8.0\"\n", i % 200, i % 251, u, clf, path, st;
			else if (fmt == "vhost_combined")
				printf "api.example.com:443 10.0.%d.%d - %s [%s] \"GET %s HTTP/1.1\" %d 71 \"-\" \"curl/8.0\"\n", i % 200, i % 251, u, clf, path, st;
			else if (fmt == "pgaudit")
				printf "2026-11-%02d %02d:%02d:%02d.123 UTC [1234] %s@shop LOG:  AUDIT: SESSION,%d,1,READ,SELECT,TABLE,public.customers,\"select email from customers where id = %d\",<not logged>\n", d, hh, mm, ss, u, i + 1, s;
			else if (fmt == "json")
				printf "{\"time\":\"%s\",\"user\":\"%s\",\"method\":\"GET\",\"path\":\"%s\",\"status\":%d}\n", iso, u, path, st;
			else if (fmt == "logfmt")
				printf "time=%s user=%s method=GET path=%s status=%d\n", iso, u, path, st;
			else if (fmt == "syslog3164")
				printf "Nov %2d %02d:%02d:%02d web1 nginx: 10.0.%d.%d - %s \"GET %s HTTP/1.1\" %d 71\n", d, hh, mm, ss, i % 200, i % 251, u, path, st;
			else if (fmt == "syslog5424")
				printf "<134>1 %s api01 crm 4242 - - {\"user\":\"%s\",\"method\":\"GET\",\"path\":\"%s\",\"status\":%d}\n", iso, u, path, st;
			else if (fmt == "rl")
				printf "%s %s GET %s %d\n", iso, u, path, st;
		}
	}'
}

for fmt in common combined vhost_combined pgaudit json logfmt syslog3164 syslog5424 rl; do
	gen "$fmt" >"$T/$fmt.log"
	want=""
	for j in 1 2 4; do
		run scan --no-progress -j "$j" --rules "$T/r.rules" --report json:"$T/$fmt.$j.json" "$T/$fmt.log"
		# The report names the command line; nothing else may differ.
		grep -v '"command":' "$T/$fmt.$j.json" >"$T/$fmt.$j.cmp"
		if [ "$j" = 1 ]; then
			want=$RC
			expect_in "$fmt: every record parsed at -j 1" "$T/$fmt.1.json" "\"parsed\": $N,"
			expect_in "$fmt: excessive-access fires" "$T/$fmt.1.json" '"check": "excessive-access"'
			expect_not_in "$fmt: no time from 1970" "$T/$fmt.1.json" '"1970-'
		elif [ "$RC" = "$want" ] && cmp -s "$T/$fmt.1.cmp" "$T/$fmt.$j.cmp"; then
			ok "$fmt: -j $j gives the report of -j 1"
		else
			bad "$fmt: -j $j gives the report of -j 1" "exit $RC (want $want)" \
				"$(diff "$T/$fmt.1.cmp" "$T/$fmt.$j.cmp" | head -n 5)"
		fi
	done
done

finish
