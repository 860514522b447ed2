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

finish
