#!/bin/sh
# partial_key.sh - partials that can be trusted (issue 16 case 11): with
# --partial-key a partial carries an HMAC and `merge --partial-key` refuses an
# edited one even when its SHA-256 was recomputed; without a key the trailer
# is a checksum and the messages say it finds damage, not edits; counts in a
# partial are bounded by what the file holds (never an abort).
. "$(dirname "$0")/lib.sh"

email_rules >"$T/r.rules"
printf '10.0.0.1 - jdoe [23/Nov/2026:10:00:00 +0000] "GET /api/v1/customers/5012/email HTTP/1.1" 200 15 "-" "curl"\n' >"$T/a.log"
printf '10.0.0.1 - mrossi [23/Nov/2026:10:00:01 +0000] "GET /api/v1/customers/5013/email HTTP/1.1" 200 15 "-" "curl"\n' >>"$T/a.log"
head -c 32 /dev/urandom >"$T/key"
head -c 32 /dev/urandom >"$T/other.key"

# reseal IN OUT TAG: drop IN's finding records, recompute its SHA-256 trailer
# as someone without the key would (TAG: a fourth trailer field, or "").
reseal() {
	grep -v -e '^end	' -e '^finding	' "$1" >"$T/body"
	n=$(wc -l <"$T/body")
	sum=$(sha256sum "$T/body" | cut -d' ' -f1)
	{ cat "$T/body"; printf 'end\t%s\t%s%s\n' "$n" "$sum" "${3:+	$3}"; } >"$2"
}

run scan --no-progress --rules "$T/r.rules" --partial "$T/signed.part" --partial-key "$T/key" "$T/a.log"
expect_rc "scan --partial --partial-key" 0
expect_in "the trailer is an HMAC" "$T/signed.part" '	hmac-sha256'
grep -q '^finding	' "$T/signed.part" && ok "the partial holds a finding" || bad "the partial holds a finding"
run merge --rules "$T/r.rules" --partial-key "$T/key" --report "json:$T/m.json" "$T/signed.part"
expect_rc "merge --partial-key of an untouched partial" 0
expect_in "merge: the finding is reported" "$T/m.json" '"unknown-identity"'

reseal "$T/signed.part" "$T/edited.part" hmac-sha256
run merge --rules "$T/r.rules" --partial-key "$T/key" "$T/edited.part"
expect_rc "merge --partial-key: findings deleted, SHA-256 recomputed" 2
expect_in "merge --partial-key: says the HMAC does not match" "$ERR" "HMAC mismatch"
reseal "$T/signed.part" "$T/edited2.part" ""
run merge --rules "$T/r.rules" --partial-key "$T/key" "$T/edited2.part"
expect_rc "merge --partial-key: the edit passed off as an unsigned partial" 2
expect_in "merge --partial-key: an unsigned partial is named" "$ERR" "not signed"
run merge --rules "$T/r.rules" --partial-key "$T/other.key" "$T/signed.part"
expect_rc "merge with another key" 2
run merge --rules "$T/r.rules" "$T/signed.part"
expect_rc "merge without the key of a signed partial" 2
expect_in "merge without the key: says to give it" "$ERR" "give --partial-key"

# Without a key: a checksum, and the message says what it can and cannot tell.
run scan --no-progress --rules "$T/r.rules" --partial "$T/plain.part" "$T/a.log"
expect_rc "scan --partial without a key" 0
expect_not_in "an unsigned trailer" "$T/plain.part" 'hmac-sha256'
sed 's/mrossi/mrosso/' "$T/plain.part" >"$T/damaged.part"
run merge --rules "$T/r.rules" "$T/damaged.part"
expect_rc "merge: a damaged partial" 2
expect_in "merge: the message calls it a checksum that finds damage, not edits" "$ERR" "checksum mismatch: the partial is damaged (a checksum finds damage, not edits"
expect_not_in "merge: no claim to detect edits" "$ERR" "corrupt or edited"
run scan --no-progress --rules "$T/r.rules" --partial-key "$T/key" "$T/a.log"
expect_rc "--partial-key without --partial" 2
run merge --rules "$T/r.rules" --partial-key "$T/missing.key" "$T/plain.part"
expect_rc "merge: an unreadable key" 2

# Counts bounded by the file: a forged 'run' record with a huge input count.
for n in 2305843009213693951 99999999999 18446744073709551615; do
	awk -v n="$n" 'BEGIN { FS = OFS = "\t" } $1 == "run" { $4 = n } { print }' "$T/plain.part" >"$T/huge.src"
	grep -v '^end	' "$T/huge.src" >"$T/huge.body"
	c=$(wc -l <"$T/huge.body")
	sum=$(sha256sum "$T/huge.body" | cut -d' ' -f1)
	{ cat "$T/huge.body"; printf 'end\t%s\t%s\n' "$c" "$sum"; } >"$T/huge.part"
	run merge --rules "$T/r.rules" "$T/huge.part"
	expect_rc "merge: a run of $n inputs is refused, not an abort" 2
done
expect_in "merge: a huge count is named" "$ERR" "more than the file can hold"

finish
