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
cat >"$T/m.rules" <<'R'
[format rl]
pattern = ^(?<time>\S+) (?<user>\S+) (?<role>\S+) (?<method>\S+) (?<resource>\S+) (?<status>\d+)$
field.action = method
read = GET
[category email]
resource = ^/api/v\d+/customers/(?<subject>\d+)/email\b
[role support-agent]
members = mrossi
may-read = email
reason-required = no
max-subjects = 3/1h
[role escalation]
members = mrossi
may-read = email
reason-required = no
max-subjects = 4/1h
R
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

finish
