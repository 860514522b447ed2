#!/bin/sh
# escapes.sh - no log byte drives the terminal (issue 16 case 8): control
# characters, terminal escape sequences and bidi controls (U+202A-202E,
# U+2066-2069, U+200E/F) are escaped in the text report, trace output and
# every stderr message (file names, `# expect:` text).
. "$(dirname "$0")/lib.sh"

email_rules >"$T/r.rules"
# raw_free NAME FILE: FILE holds no ESC, no C1 CSI, no bidi control
raw_free() {
	# ESC, U+009B (C2 9B), U+202A-202E (E2 80 AA-AE), U+2066-2069 (E2 81 A6-A9), U+200E/F (E2 80 8E/8F)
	if LC_ALL=C grep -q "$(printf '\033')\|$(printf '\302\233')\|$(printf '\342\200')[$(printf '\252-\256\216\217')]\|$(printf '\342\201')[$(printf '\246-\251')]" "$2"; then
		bad "$1: no raw control or bidi character" "$(LC_ALL=C od -c "$2" | grep -m 3 -e '033' -e '342')"
	else
		ok "$1: no raw control or bidi character"
	fi
}

# The user "\u202Eissorm" displays as "mrossi" unescaped; a resource carries a
# terminal sequence; U+2066 and U+200F too.
printf '10.0.0.1 - \342\200\256issorm [23/Nov/2026:10:00:00 +0000] "GET /api/v1/customers/5012/email?x=\033[2J\033]0;pwned\007 HTTP/1.1" 200 15 "-" "curl"\n' >"$T/a.log"
printf '10.0.0.1 - jdoe\342\201\246x\342\200\217 [23/Nov/2026:10:00:01 +0000] "GET /api/v1/customers/5012/email\302\233 HTTP/1.1" 200 15 "-" "curl"\n' >>"$T/a.log"
run scan --no-progress --rules "$T/r.rules" --report "text:$T/r.txt" "$T/a.log"
expect_rc "scan" 0
raw_free "text report" "$T/r.txt"
expect_in "text report: U+202E shown escaped" "$T/r.txt" '\u202Eissorm'
expect_in "text report: U+2066 shown escaped" "$T/r.txt" '\u2066'
expect_in "text report: ESC shown escaped" "$T/r.txt" '\x1B[2J'

run trace --subject 5012 --no-progress --rules "$T/r.rules" "$T/a.log"
expect_rc "trace" 0
raw_free "trace text" "$OUT"
expect_in "trace: U+202E shown escaped" "$OUT" '\u202Eissorm'

# stderr: a file name with a terminal sequence and a bidi override
bad_name="$T/$(printf 'x\033[31m\342\200\256gol.log')"
run scan --no-progress --rules "$T/r.rules" "$bad_name" "$T/a.log"
raw_free "stderr: a hostile file name" "$ERR"
expect_in "stderr: the file name escaped" "$ERR" 'x\x1B[31m\u202Egol.log'
run scan --no-progress --rules "$T/r.rules" --report "json:$T/$(printf 'no\033[2Jdir')/r.json" "$T/a.log"
expect_rc "a hostile output path" 2
raw_free "stderr: a hostile output path" "$ERR"
run scan --no-progress --rules "$T/r.rules" -F "$(printf 'f\033[2J')" "$T/a.log"
raw_free "stderr: a hostile --log-format" "$ERR"

# stderr: `# expect:` text quoted in a message
printf '# expect: \033[2Jbogus \342\200\256x\n10.0.0.1 - jdoe [23/Nov/2026:10:00:00 +0000] "GET /api/v1/customers/5012/email HTTP/1.1" 200 15 "-" "curl"\n' >"$T/s.log"
run test --rules "$T/r.rules" "$T/s.log"
raw_free "stderr: '# expect:' text" "$ERR"
expect_in "stderr: '# expect:' text escaped" "$ERR" "unknown check '\\x1B[2Jbogus'"
expect_in "stderr: '# expect:' bidi escaped" "$ERR" "unknown check '\\u202Ex'"
raw_free "dpfaudit test: stdout" "$OUT"

finish
