#!/bin/sh
# semantics.sh - issue 13 part B end to end: no spelling of a log walks past
# the checks (SPEC §4 semantics 2, 5-8 and the paragraph after them, §2 input
# integrity).  Each block is one class of mistake, tried in several forms.
. "$(dirname "$0")/lib.sh"

L='"-" "curl/8.0"'
# clf USER TIME PATH [STATUS] [METHOD]: one combined-format line.
clf() {
	echo "10.0.0.7 - $1 [$2 +0000] \"${5:-GET} $3 HTTP/1.1\" ${4:-200} 71 $L"
}
# agent_rules: the e-mail category and mrossi's role, without limits, to extend.
agent_rules() {
	cat <<'R'
[category email]
resource = ^/api/v\d+/customers/(?<subject>\d+)/email\b
[role support-agent]
members = mrossi
may-read = email
R
}
# count FILE TEXT: lines of FILE containing TEXT.
count() { grep -cF -- "$2" "$1"; }
# expect_count NAME FILE TEXT WANT
expect_count() {
	n=$(count "$2" "$3")
	if [ "$n" = "$4" ]; then ok "$1"; else bad "$1" "$n lines with '$3', expected $4"; fi
}

cat >"$T/r.rules" <<'R'
[category email]
resource = ^/api/v\d+/customers/(?<subject>\d+)/email\b
[purpose support]
reason = ^TICKET-\d+$
[role support-agent]
members = mrossi
may-read = email
purposes = support
[check admin-path]
principle = security
severity = low
message = admin path {resource}
field.resource = ^/admin/
R
scan() { run scan --no-progress --rules "$T/r.rules" "$@"; }

# --- case 4: resource normalisation (semantics 2) -------------------------
for p in /api/v1/customers/5012/email /api/v1/customers/5012/%65mail \
	/api/v1/customers/5012/%65%6D%61%69%6C //api/v1/customers/5012/email \
	/api/./v1/customers/5012/email /api/x/../v1/customers/5012/email \
	'/api/v1/customers/5012/email;jsessionid=1' /api/x/%2e%2e/v1//customers/5012/email \
	'/api/x/..;/v1/customers/5012/email'; do
	clf bsmith 24/Nov/2026:10:00:00 "$p"
done >"$T/evasion.log"
N=$(wc -l <"$T/evasion.log")
scan --report csv:"$T/evasion.csv" "$T/evasion.log"
expect_count "every spelling of one e-mail read is a read (unknown-identity $N times)" \
	"$T/evasion.csv" unknown-identity "$N"
expect_count "the subject is captured from the normalised path" "$T/evasion.csv" ",5012," "$N"
expect_in "evidence stays as logged" "$T/evasion.csv" "/api/v1/customers/5012/%65mail"
# What a server does not resolve stays unresolved: %2F is not a '/'.
clf bsmith 24/Nov/2026:10:00:00 /api/v1/customers%2F5012/email >"$T/slash.log"
scan --report csv:"$T/slash.csv" "$T/slash.log"
expect_count "an encoded slash is not a path separator" "$T/slash.csv" unknown-identity 0
# Custom checks and trace read the same normalised resource.
clf mrossi 24/Nov/2026:10:00:00 '//admin/%75sers;x=1' >"$T/admin.log"
scan --report csv:"$T/admin.csv" "$T/admin.log"
expect_count "a custom check on field.resource sees the normalised path" "$T/admin.csv" admin-path 1
run trace --no-progress --rules "$T/r.rules" --subject 5012 "$T/evasion.log"
expect_count "trace finds every spelling of the subject's reads" "$OUT" "evasion.log:" "$N"

# --- case 12: opt-out on any successful use (semantics 6) -------------------
printf '\357\273\2774711\r\n# comment\r\n4712\r\n' >"$T/optout.txt"
cat >"$T/o.rules" <<'R'
[category email]
resource = ^/api/v\d+/customers/(?<subject>\d+)/email\b
[purpose marketing]
reason = ^CAMPAIGN-\d+$
honours-optout = yes
[role marketing]
members = lbianchi
may-read = email
purposes = marketing
[optout]
file = optout.txt
R
{
	clf lbianchi 24/Nov/2026:10:00:00 '/api/v1/customers/4711/email?reason=CAMPAIGN-7' 201 POST
	clf lbianchi 24/Nov/2026:10:00:01 '/api/v1/customers/4712/email?reason=CAMPAIGN-7' 204 PUT
	clf lbianchi 24/Nov/2026:10:00:02 '/api/v1/customers/4712/email?reason=CAMPAIGN-7' 200 GET
	clf lbianchi 24/Nov/2026:10:00:03 '/api/v1/customers/4711/email?reason=CAMPAIGN-7' 403 POST
	clf lbianchi 24/Nov/2026:10:00:04 '/api/v1/customers/4713/email?reason=CAMPAIGN-7' 201 POST
	clf nobody 24/Nov/2026:10:00:05 '/api/v1/customers/4711/email?reason=CAMPAIGN-8' 201 POST
} >"$T/campaign.log"
run scan --no-progress --rules "$T/o.rules" --report csv:"$T/campaign.csv" "$T/campaign.log"
expect_count "writes, reads and any user's use of an opted-out subject (not a failed one)" \
	"$T/campaign.csv" optout-violation 4
for l in 1 2 3 6; do
	expect_in "optout-violation at line $l" "$T/campaign.csv" "campaign.log,$l"
done

# --- case 7: a byte-order mark and CRLF in every rules input file ----------
mkdir -p "$T/bom"
printf '\357\273\277mrossi,support\r\njdoe,support\r\n' >"$T/bom/agents.csv"
printf '\357\273\277id,subject,assignee,opened,closed\r\nTICKET-1,4711,mrossi,2026-11-24T09:00:00Z,\r\n' >"$T/bom/tickets.csv"
printf '\357\273\2774712\r\n' >"$T/bom/optout.txt"
printf '\357\273\277[category email]\r\nresource = ^/api/v\\d+/customers/(?<subject>\\d+)/email\\b\r\n' >"$T/bom/a.rules"
printf '[purpose support]\r\nreason = ^TICKET-\\d+$\r\nevidence = tickets\r\nhonours-optout = yes\r\n' >>"$T/bom/a.rules"
printf '[role support-agent]\r\nmembers = @agents.csv\r\nmay-read = email\r\npurposes = support\r\n' >>"$T/bom/a.rules"
printf '[evidence tickets]\r\nfile = tickets.csv\r\n[optout]\r\nfile = optout.txt\r\n' >>"$T/bom/a.rules"
{
	clf mrossi 24/Nov/2026:10:00:00 '/api/v1/customers/4711/email?reason=TICKET-1'
	clf jdoe 24/Nov/2026:10:00:01 '/api/v1/customers/4712/email?reason=TICKET-1'
} >"$T/bom.log"
run rules --lint --rules "$T/bom/a.rules"
expect_rc "rules --lint accepts BOM and CRLF in rule, members, evidence and opt-out files" 0
run scan --no-progress --rules "$T/bom/a.rules" --report csv:"$T/bom.csv" "$T/bom.log"
expect_count "the first member of a BOM members file is a member" "$T/bom.csv" unknown-identity 0
expect_count "the first record of a BOM evidence CSV verifies a reason" "$T/bom.csv" "bom.log,1," 0
expect_count "the first subject of a BOM opt-out list is opted out" "$T/bom.csv" optout-violation 1
# A mark inside a list (two files joined) can never match a name: an error, not ok.
printf 'jdoe\n\357\273\277mrossi\n' >"$T/bom/agents.csv"
run rules --lint --rules "$T/bom/a.rules"
expect_rc "rules --lint rejects a byte-order mark inside a members file" 2
expect_in "the error names the file and line" "$ERR" "agents.csv:2:"

# --- case 11: max-subjects per user across the user's roles (semantics 8) --
{
	cat <<'R'
[format rl]
pattern = ^(?<time>\S+) (?<user>\S+) (?<role>\S+) (?<method>\S+) (?<resource>\S+) (?<status>\d+)$
field.action = method
read = GET
R
	agent_rules
	cat <<'R'
max-subjects = 3/1h
[role escalation]
members = mrossi
may-read = email
reason-required = no
max-subjects = 4/1h
R
} >"$T/m.rules"
# alt N: N reads of distinct subjects, alternating the role named on the line.
alt() {
	i=1
	while [ $i -le "$1" ]; do
		r=support-agent
		[ $((i % 2)) = 0 ] && r=escalation
		echo "2026-11-24T10:00:0${i}Z mrossi $r GET /api/v1/customers/$((4700 + i))/email 200"
		i=$((i + 1))
	done
}
alt 5 >"$T/roles5.log"
run scan --no-progress --rules "$T/m.rules" --report csv:"$T/roles5.csv" "$T/roles5.log"
expect_count "switching roles does not reset the count (5 subjects > 4)" "$T/roles5.csv" excessive-access 1
expect_in "the finding is at the read that crossed every limit" "$T/roles5.csv" "roles5.log,5"
alt 4 >"$T/roles4.log"
run scan --no-progress --rules "$T/m.rules" --report csv:"$T/roles4.csv" "$T/roles4.log"
expect_count "the most permissive limit wins (4 subjects, limits 3 and 4)" "$T/roles4.csv" excessive-access 0

# --- case 5: an input that changed while it was read (SPEC §2) --------------
# changed_shim.so changes the file at dpfaudit's first read of it, after
# dpfaudit measured it: deterministic, no race with a background process.
if ${CC:-cc} -shared -fPIC -o "$T/shim.so" "$SRCDIR/tests/e2e/changed_shim.c" -ldl 2>"$T/cc.err"; then
	# shimmed ACTION FILE ARGS...: scan FILE with the shim changing it.
	shimmed() {
		act=$1 f=$2
		shift 2
		OUT="$T/out.$$" ERR="$T/err.$$"
		SHIM_ACTION=$act SHIM_PATH=$f ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0" \
			LD_PRELOAD="$T/shim.so" "$DPFAUDIT" scan --no-progress -j1 --rules "$T/r.rules" \
			--report json:"$T/changed.json" "$@" "$f" >"$OUT" 2>"$ERR"
		RC=$?
	}
	i=0
	while [ $i -lt 30000 ]; do
		clf bsmith 24/Nov/2026:10:00:00 /api/v1/customers/$((1000 + i % 50))/email
		i=$((i + 1))
	done >"$T/big.log"
	cp "$T/big.log" "$T/whole.log"
	shimmed truncate "$T/big.log"
	expect_rc "a log truncated while read is incomplete" 3
	expect_in "it says it changed while being read" "$ERR" "changed while being read"
	expect_in "the JSON report says so too" "$T/changed.json" "changed while being read"
	gzip -c "$T/whole.log" >"$T/big.log.gz"
	shimmed truncate "$T/big.log.gz"
	expect_rc "a gzip log truncated while read is incomplete" 3
	expect_in "it says it changed, not only that the stream was cut" "$ERR" "shrank from"
	head -n 100 "$T/whole.log" >"$T/other.log"
	cp "$T/whole.log" "$T/big.log"
	SHIM_OTHER="$T/other.log" shimmed replace "$T/big.log"
	expect_rc "a log replaced while read is incomplete" 3
	expect_in "it says the path names another file" "$ERR" "another file"
	# Appending while reading is how live logs are: not a change.
	cp "$T/whole.log" "$T/big.log"
	run scan --no-progress -j1 --rules "$T/r.rules" "$T/big.log"
	expect_rc "an unchanged log is complete (with findings, no --fail-on)" 0
else
	bad "compile the test's LD_PRELOAD shim" "$(cat "$T/cc.err")"
fi

# --- case 9: %Z zone names, and a format's timezone for local times ---------
{
	cat <<'R'
[format zoned]
pattern = ^(?<time>\S+ \S+ \S+) (?<user>\S+) (?<method>\S+) (?<resource>\S+) (?<status>\d+)$
time-format = %Y-%m-%d %H:%M:%S %Z
field.action = method
read = GET
[format local]
pattern = ^L (?<time>\S+ \S+) (?<user>\S+) (?<method>\S+) (?<resource>\S+) (?<status>\d+)$
time-format = %Y-%m-%d %H:%M:%S
timezone = Europe/Rome
field.action = method
read = GET
R
	agent_rules
	echo "hours = Mon-Fri 09:00-17:00 UTC"
} >"$T/z.rules"
{
	# 10:30 CEST is 08:30 UTC: before the role's hours.
	echo "2026-07-21 10:30:00 CEST mrossi GET /api/v1/customers/4711/email 200"
	# 09:30 CET is 08:30 UTC; 04:30 EST is 09:30 UTC (inside).
	echo "2026-11-24 09:30:00 CET mrossi GET /api/v1/customers/4712/email 200"
	echo "2026-11-24 04:30:00 EST mrossi GET /api/v1/customers/4713/email 200"
	# A name that cannot be placed is no time, never UTC.
	echo "2026-11-24 12:00:00 XYZT mrossi GET /api/v1/customers/4714/email 200"
} >"$T/zoned.log"
run scan --no-progress -F zoned --rules "$T/z.rules" --report csv:"$T/zoned.csv" --report json:"$T/zoned.json" "$T/zoned.log"
expect_count "%Z: CEST and CET times are placed by their zone (two off-hours reads)" \
	"$T/zoned.csv" off-hours-access 2
expect_in "the CEST read is off hours" "$T/zoned.csv" "zoned.log,1,"
expect_in "an unknown zone name is an unparsed line" "$T/zoned.json" '"unparsed": 1,'
{
	# Local times in Europe/Rome: 09:30 in July is 07:30 UTC, in November 08:30 UTC.
	echo "L 2026-07-21 09:30:00 mrossi GET /api/v1/customers/4711/email 200"
	echo "L 2026-11-24 09:30:00 mrossi GET /api/v1/customers/4712/email 200"
	echo "L 2026-11-24 10:30:00 mrossi GET /api/v1/customers/4713/email 200"
} >"$T/local.log"
run scan --no-progress -F local --rules "$T/z.rules" --report csv:"$T/local.csv" "$T/local.log"
expect_count "timezone = Europe/Rome: local times placed with daylight saving" "$T/local.csv" off-hours-access 2
printf '[format x]\npattern = (?<time>.*)\ntimezone = Europe/Nowhere\n' >"$T/badtz.rules"
run rules --lint --rules "$T/badtz.rules"
expect_rc "an unknown timezone is a rule error" 2
expect_in "the error names the key's line" "$ERR" "badtz.rules:3:"

# --- case 10: times keep their fraction in every comparison -----------------
{
	agent_rules
	cat <<'R'
max-subjects = 1/1m
purposes = support
[purpose support]
reason = ^TICKET-\d+$
evidence = tickets
[evidence tickets]
file = frac-tickets.csv
R
} >"$T/f.rules"
printf 'id,subject,assignee,opened,closed\nTICKET-1,4711,mrossi,2026-11-24T10:00:00.5Z,2026-11-24T10:05:00.25Z\n' >"$T/frac-tickets.csv"
# json lines: (time, subject, reason)
jl() { echo "{\"time\":\"$1\",\"user\":\"mrossi\",\"method\":\"GET\",\"path\":\"/api/v1/customers/$2/email\",\"reason\":\"$3\",\"status\":200}"; }
{
	jl 2026-11-24T11:00:00.0Z 4711 ""
	jl 2026-11-24T11:01:00.0Z 4712 ""	# exactly 1m after: inside, 2 subjects > 1
	jl 2026-11-24T12:00:00.0Z 4711 ""
	jl 2026-11-24T12:01:00.5Z 4712 ""	# 60.5 s after: outside
	jl 2026-11-24T10:00:00.25Z 4711 TICKET-1	# before the ticket opened (10:00:00.5)
	jl 2026-11-24T10:00:00.75Z 4711 TICKET-1	# open
	jl 2026-11-24T10:05:00.5Z 4711 TICKET-1	# after it closed (10:05:00.25)
} >"$T/frac.log"
run scan --no-progress -F json --rules "$T/f.rules" --report csv:"$T/frac.csv" "$T/frac.log"
expect_count "60.5 s is not within 1m, 60.0 s is" "$T/frac.csv" excessive-access 1
expect_in "the burst inside the window is found" "$T/frac.csv" "frac.log,2,"
expect_count "ticket open/close compared to the fraction" "$T/frac.csv" reason-unverified 2
expect_in "a read 0.25 s before the ticket opened is unverified" "$T/frac.csv" "frac.log,5,"
expect_in "a read 0.25 s after it closed is unverified" "$T/frac.csv" "frac.log,7,"
# A merge of partials judges windows at the same precision as one run.
head -n 3 "$T/frac.log" >"$T/frac-a.log"
tail -n +4 "$T/frac.log" >"$T/frac-b.log"
run scan --no-progress -F json --rules "$T/f.rules" --partial "$T/a.part" "$T/frac-a.log"
run scan --no-progress -F json --rules "$T/f.rules" --partial "$T/b.part" "$T/frac-b.log"
run merge --rules "$T/f.rules" --report csv:"$T/merged.csv" "$T/a.part" "$T/b.part"
expect_count "merged partials: the same windows" "$T/merged.csv" excessive-access 1

finish
