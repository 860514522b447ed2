#!/bin/sh
# hostile.sh - every hostile input a log (or a rule file) can hold, end to
# end: the tool finishes, never crashes (an exit status >= 128 is a signal),
# keeps memory bounded, says what it could not read (exit 3), and writes
# reports that stay valid whatever bytes the log carried.
. "$(dirname "$0")/lib.sh"

support_rules '[^/]+' >"$T/r.rules"

scan() { run scan --no-progress --rules "$T/r.rules" "$@"; }

# Peak RSS in MB of a command, via GNU time when it is there ("" if not).
HAVE_TIME=0
if [ -x /usr/bin/time ] && /usr/bin/time -f %M -o "$T/probe" true 2>/dev/null; then HAVE_TIME=1; fi
# run_rss ARGS...: like run, and sets RSS_MB (empty without GNU time).
run_rss() {
	RSS_MB=
	if [ $HAVE_TIME = 1 ]; then
		OUT="$T/out.$$"
		ERR="$T/err.$$"
		/usr/bin/time -f %M -o "$T/rss" "$DPFAUDIT" "$@" >"$OUT" 2>"$ERR"
		RC=$?
		RSS_MB=$(($(tail -n 1 "$T/rss") / 1024))
	else
		run "$@"
	fi
}
# expect_rss NAME LIMIT_MB
expect_rss() {
	if [ "$RC" -ge 126 ]; then
		bad "$1" "the binary did not run or crashed (exit $RC)"
	elif [ -z "$RSS_MB" ]; then
		echo "# skip: no GNU time for the RSS of '$1'"
	elif [ "$RSS_MB" -lt "$2" ]; then
		ok "$1 ($RSS_MB MB < $2 MB)"
	else
		bad "$1" "peak RSS $RSS_MB MB, limit $2 MB"
	fi
}

good() { # good N SUBJECT: a read without a reason at second N (one finding each)
	printf '10.0.0.7 - mrossi [27/Nov/2026:10:00:%02d +0000] "GET /api/v1/customers/%s/email HTTP/1.1" 200 71\n' "$1" "$2"
}

# ---- a 64 MiB line between good lines --------------------------------------
{
	good 1 4711
	head -c 67108864 /dev/zero | tr '\0' a
	echo
	good 3 4713
} >"$T/huge.log"
run_rss scan --no-progress --rules "$T/r.rules" --report text --report json:"$T/huge.json" "$T/huge.log"
expect_rc "a 64 MiB line makes the audit incomplete" 3
expect_in "the 64 MiB line is named file: line" "$ERR" "huge.log: line 2:"
expect_in "the message says why" "$ERR" "longer than 1048576 bytes"
expect_in "the good line before it is audited" "$OUT" "huge.log:1:"
expect_in "the good line after it is audited" "$OUT" "huge.log:3:"
expect_rss "a 64 MiB line is not buffered" 200
rm -f "$T/huge.log"

# ---- NUL bytes inside lines -----------------------------------------------
{
	printf '10.0.0.7 - mrossi [27/Nov/2026:10:00:05 +0000] "GET /api/v1/customers/4711/email HTTP/1.1" 200 71 "-" "curl\000evil"\n'
	printf '\000\000\000\n'
	printf '10.0.0.8 - mro\000ssi [27/Nov/2026:10:00:06 +0000] "GET /api/v1/customers/4712/email HTTP/1.1" 200 71\n'
	printf '\000'
	good 8 4714
} >"$T/nul.log"
# Unparsed lines are the point here: --max-unparsed 100% keeps the audit complete.
scan --max-unparsed 100% --report text --report json:"$T/nul.json" "$T/nul.log"
expect_rc "NUL bytes in lines" 0
expect_in "a NUL in the user agent: the line is still audited" "$OUT" "nul.log:1:"
expect_in "a NUL in the user name is shown escaped" "$OUT" 'user mro\x00ssi'
expect_in "the finding's message is not cut at the NUL" "$OUT" "mro\\x00ssi is no role's member"
expect_in "a line of NULs is unparsed, shown escaped" "$OUT" 'nul.log:2: \x00\x00\x00'
expect_in "a NUL at the start of a line does not hide it" "$OUT" "nul.log:4:"
if python3 -c 'import sys
d = open(sys.argv[1], "rb").read()
assert b"\0" not in d
import json
json.loads(d)' "$T/nul.json" 2>/dev/null; then ok "JSON report with NULs from the log is valid, no raw NUL"; else bad "JSON report with NULs"; fi

# ---- invalid UTF-8 and terminal escapes in every field, every report format --
inv="$T/inv$(printf '\377\033')[31m.log"
{
	# user, subject, reason, referer and agent all invalid; an ESC sequence; an e-mail address.
	printf '10.0.0.7 - m\377rossi\033[31m [27/Nov/2026:10:00:05 +0000] "GET /api/v1/customers/\303\050\355\240\200/email?reason=\364\220\200\200&to=alice@example.com HTTP/1.1" 200 71 "\376\377" "\033]0;pwn\007 \342\200\256 <script>alert(1)</script>"\n'
	printf '10.0.0.7 - mrossi [27/Nov/2026:10:00:06 +0000] "GET /api/v1/customers/\300\257/email?reason=\340\200\200 HTTP/1.1" 200 71\n'
	printf '10.0.0.7 - =cmd|%s!A0 [27/Nov/2026:10:00:07 +0000] "GET /api/v1/customers/4711/email HTTP/1.1" 200 71 "-" "![x](http://evil.example/p.png)"\n' "'/C%20calc'"
	printf 'not a log line \377\376 \033[2J \342\200\250\n'
} >"$inv"
scan --max-unparsed 100% --report text:"$T/rep.txt" --report json:"$T/rep.json" --report sarif:"$T/rep.sarif" \
	--report junit:"$T/rep.xml" --report html:"$T/rep.html" --report csv:"$T/rep.csv" \
	--report markdown:"$T/rep.md" "$inv"
expect_rc "invalid UTF-8 in every field" 0
for f in rep.txt rep.json rep.sarif rep.xml rep.html rep.csv rep.md; do
	if [ ! -s "$T/$f" ]; then
		bad "$f is written"
		continue
	fi
	# Strict UTF-8; no NUL, ESC, BEL or other C0 control but tab/newline/CR (CSV may quote a CR).
	if python3 -c 'import sys
d = open(sys.argv[1], "rb").read()
d.decode("utf-8")
bad = [c for c in set(d) if c < 0x20 and c not in (9, 10, 13)]
assert not bad, bad' "$T/$f" 2>"$T/py.err"; then
		ok "$f: valid UTF-8, no raw control bytes"
	else
		bad "$f: valid UTF-8, no raw control bytes" "$(tail -n 1 "$T/py.err")"
	fi
done
if python3 -c 'import json, sys
d = json.load(open(sys.argv[1], "rb"))
users = {f.get("user") for f in d["findings"]}
assert any(u and "\ufffd" in u for u in users), users' "$T/rep.json" 2>"$T/py.err"; then
	ok "JSON parses; the invalid user name is kept (as U+FFFD)"
else
	bad "JSON parses; the invalid user name is kept" "$(tail -n 1 "$T/py.err")"
fi
if python3 -c 'import json, sys
d = json.load(open(sys.argv[1], "rb"))
assert d["version"] == "2.1.0"
assert d["runs"][0]["results"]' "$T/rep.sarif" 2>"$T/py.err"; then
	ok "SARIF parses with results"
else
	bad "SARIF parses with results" "$(tail -n 1 "$T/py.err")"
fi
if command -v xmllint >/dev/null 2>&1; then
	if xmllint --noout "$T/rep.xml" 2>"$T/xml.err"; then ok "JUnit is well-formed XML"; else bad "JUnit is well-formed XML" "$(head -n 3 "$T/xml.err")"; fi
else
	echo "# skip: xmllint not installed"
fi
expect_not_in "HTML: no script from the log" "$T/rep.html" "<script>alert(1)"
expect_not_in "Markdown: no image injected from the log" "$T/rep.md" "![x](http"
if python3 -c 'import csv, sys
rows = list(csv.reader(open(sys.argv[1], encoding="utf-8", newline="")))
cells = [c for r in rows for c in r if "cmd|" in c]
assert cells, "the user name is missing"
assert all(c[0] not in "=+-@\t\r" for c in cells), cells' "$T/rep.csv" 2>"$T/py.err"; then
	ok "CSV: a formula in a user name is neutralised"
else
	bad "CSV: a formula in a user name is neutralised" "$(tail -n 1 "$T/py.err")"
fi
expect_not_in "redaction holds in invalid UTF-8 surroundings" "$T/rep.json" "alice@example.com"

# ---- a gzip bomb: 1 GiB of zeros, one line with no newline ------------------
head -c 1073741824 /dev/zero | gzip -1 >"$T/bomb.gz"
run_rss scan --no-progress --rules "$T/r.rules" "$T/bomb.gz"
expect_rc "a gzip bomb (1 GiB of NULs, no newline) is one overlong line" 3
expect_in "the bomb's line is reported too long" "$ERR" "bomb.gz: line 1: 1 line(s) longer than"
expect_rss "a gzip bomb is streamed" 200
rm -f "$T/bomb.gz"

# ---- a gzip sample cut at 20 random offsets ---------------------------------
S="$SRCDIR/samples/annotated/06-generated-week.log.gz"
size=$(wc -c <"$S")
offs=$(awk -v n="$size" 'BEGIN { srand(4711); for (i = 0; i < 20; i++) print 1 + int(rand() * (n - 1)) }')
allok=1
for k in $offs; do
	head -c "$k" "$S" >"$T/cut.gz"
	run scan --no-progress --rules "$RULES" "$T/cut.gz"
	if [ "$RC" != 3 ]; then allok=0; echo "# cut at $k of $size bytes: exit $RC"; fi
done
[ $allok = 1 ] && ok "a gzip sample cut at 20 random offsets: always exit 3" || bad "gzip sample cut at random offsets"

# ---- one flipped byte at several offsets ----------------------------------
# The one right answer per byte: the gzip header's MTIME (bytes 4-7), XFL (8)
# and OS (9) are informative, checked by nothing, so a flip there changes no
# record: exit 0.  Every other byte is checked: the magic (0-1: then the file
# is no gzip and its bytes no log), the method (2), the flags (3: reserved
# bits), the deflate data, the CRC-32 and the length (the last 8): exit 3,
# and from byte 2 on the damage is located ("byte N").
allok=1
for k in 0 1 2 3 4 5 6 7 8 9 10 100 $((size / 2)) $((size - 8)) $((size - 4)) $((size - 1)); do
	cp "$S" "$T/flip.gz"
	b=$(od -An -tu1 -j "$k" -N1 "$S" | tr -d ' ')
	printf "\\$(printf %03o $(((b ^ 255) & 255)))" | dd of="$T/flip.gz" bs=1 seek="$k" conv=notrunc 2>/dev/null
	run scan --no-progress --rules "$RULES" "$T/flip.gz"
	if [ "$k" -ge 4 ] && [ "$k" -le 9 ]; then want=0; else want=3; fi
	if [ "$RC" != "$want" ]; then
		allok=0; echo "# byte $k flipped: exit $RC, want $want"
	elif [ "$want" = 3 ] && [ "$k" -ge 2 ] && ! grep -q 'flip.gz: byte [0-9]' "$ERR"; then
		allok=0; echo "# byte $k flipped: the damage is not located: $(head -n 1 "$ERR")"
	fi
done
[ $allok = 1 ] && ok "one flipped byte at 16 offsets: exit 0 only in MTIME/XFL/OS, else 3 with the offset" || bad "flipped bytes"

# ---- deeply nested JSON lines -----------------------------------------------
# Five good lines first: format detection needs half of the sampled lines.
python3 -c '
ok = "{\"time\":\"2026-11-27T10:00:0%dZ\",\"user\":\"mrossi\",\"method\":\"GET\",\"path\":\"/api/v1/customers/%d/email\",\"status\":200}"
for i in range(5): print(ok % (i, 4700 + i))
print("{\"time\":\"2026-11-27T10:00:06Z\",\"user\":\"mrossi\",\"x\":" + "[" * 100000 + "]" * 100000 + "}")
print("{\"a\":" * 100000 + "1" + "}" * 100000)
print("[" * 100000)
print(ok % (9, 4712))' >"$T/nest.json"
scan --max-unparsed 100% --report text --report json:"$T/nest.out.json" "$T/nest.json"
expect_rc "100000-deep JSON lines (no stack overflow)" 0
expect_in "the lines before the nesting are audited" "$OUT" "nest.json:5:"
expect_in "the line after the nesting is audited" "$OUT" "nest.json:9:"
if python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
i = d["scope"]["inputs"][0]
assert i["format"] == "json" and i["unparsed"] == 3 and i["parsed"] == 6, i' "$T/nest.out.json" 2>"$T/py.err"; then
	ok "the three nested lines are counted unparsed"
else
	bad "the three nested lines are counted unparsed" "$(tail -n 1 "$T/py.err")"
fi

# ---- inputs that vanish or cannot be read, beside good ones -----------------
good 5 4711 >"$T/ok.log"
mkdir -p "$T/dir"
cp "$T/ok.log" "$T/dir/a.log"
ln -s "$T/vanished.log" "$T/dir/b.log"	# listed, then gone (dangling link)
scan "$T/dir"
expect_rc "a file that vanished beside a good one" 3
expect_in "the vanished file is named" "$ERR" "b.log: No such file or directory"
expect_in "the good file beside it is audited" "$OUT" "a.log:1:"
# /proc/self/mem fails with EIO at offset 0: a read error even for root.
if [ -r /proc/self/mem ]; then
	scan "$T/ok.log" /proc/self/mem
	expect_rc "an input that fails with EIO" 3
	expect_in "the read error is reported with its offset" "$ERR" "/proc/self/mem: byte 0"
	expect_in "the good input beside it is audited" "$OUT" "ok.log:1:"
fi
# A directory given where a file is expected inside a listing is fine; a FIFO
# without a writer would block, so it is not tested.

# ---- catastrophic regexes on long lines ------------------------------------
cat >"$T/cat.rules" <<'R'
[category email]
resource = ^/api/v1/customers/(?<subject>\d+)/email
[category slow1]
resource = ^/(a+)+$
[category slow2]
resource = ^/(\w+\s?)*$
[role support-agent]
members = mrossi
may-read = *
R
python3 -c '
line = "10.0.0.7 - mrossi [27/Nov/2026:10:00:05 +0000] \"GET /%s HTTP/1.1\" 200 71"
for i in range(100): print(line % ("a" * 5000 + "!"))
for i in range(100): print(line % ("abc def " * 600 + "!"))
print(line % "api/v1/customers/4711/email")' >"$T/cat.log"
start=$(date +%s)
OUT="$T/out.$$" ERR="$T/err.$$"
timeout 60 "$DPFAUDIT" scan --no-progress --rules "$T/cat.rules" "$T/cat.log" >"$OUT" 2>"$ERR"
RC=$?
took=$(($(date +%s) - start))
expect_rc "catastrophic regexes complete" 0
if [ "$took" -le 20 ]; then ok "catastrophic regexes take ${took}s (limit 20s)"; else bad "catastrophic regexes take ${took}s"; fi
expect_in "the match limit warning names ^(a+)+\$" "$ERR" "cat.rules:4: regex hit its match limit"
expect_in "the match limit warning names ^(\\w+\\s?)*\$" "$ERR" "cat.rules:6: regex hit its match limit"
expect_in "the report says so too" "$OUT" "cat.rules:4 (100 times"
expect_in "the line after them is still judged" "$OUT" "cat.log:201:"

# A [redact] pattern that hits the match limit must not leave the line unmasked.
cat >"$T/red.rules" <<'R'
[category email]
resource = ^/api/v1/customers/(?<subject>\d+)/email
[role support-agent]
members = mrossi
may-read = email
[redact]
pattern = (?:a+)+=\w+|token=\w+
R
python3 -c '
print("10.0.0.7 - mrossi [27/Nov/2026:10:00:05 +0000] \"GET /api/v1/customers/4711/email?q=" + "a" * 40 + "!&token=SECRET123 HTTP/1.1\" 200 71")' >"$T/red.log"
run scan --no-progress --rules "$T/red.rules" --report text --report json:"$T/red.json" "$T/red.log"
expect_rc "a redact pattern at its match limit" 0
expect_in "its finding is reported" "$OUT" "red.log:1:"
expect_not_in "redaction fails closed at the match limit (text)" "$OUT" "SECRET123"
expect_not_in "redaction fails closed at the match limit (json)" "$T/red.json" "SECRET123"

# ---- hostile rule files (what rules_errors.sh does not cover) ---------------
# rcase NAME TEXT: the rule file $T/h.rules fails with exit 2 and TEXT on stderr.
rcase() {
	run scan --no-progress --rules "$T/h.rules" "$T/ok.log"
	expect_rc "$1" 2
	expect_in "$1: says '$2'" "$ERR" "$2"
	if [ -s "$OUT" ]; then bad "$1: nothing is scanned"; fi
}
printf 'include = h.rules\n' >"$T/h.rules"
rcase "a rule file that includes itself" "h.rules:1"
printf '[role agent]\nmembers = mrossi\nhours = Mon-Fri 07:00-20:00 Europe/Nowhere\n' >"$T/h.rules"
rcase "hours with an unknown zone" "h.rules:3"
printf '[role agent]\nmembers = mrossi\nhours = Mon-Fri 07:00-25:00 UTC\n' >"$T/h.rules"
rcase "hours with 25:00" "h.rules:3"
printf '[role agent]\nmembers = mrossi\nmax-subjects = 99999999999999999999999/1h\n' >"$T/h.rules"
rcase "a window count that overflows" "h.rules:3"
printf '[role agent]\nmembers = mrossi\nmax-subjects = 5/99999999999999999999d\n' >"$T/h.rules"
rcase "a window length that overflows" "h.rules:3"
python3 -c 'print("[category c]\nresource = " + "(a)" * 100)' >"$T/h.rules"
rcase "a regex with 100 capture groups" "h.rules:2"
printf '[role agent]\nmembers = @staff.txt\n' >"$T/h.rules"
rcase "a members file that does not exist" "staff.txt"
# 300 files, each including the next: not a loop, but past the nesting limit.
i=0
while [ $i -lt 300 ]; do printf 'include = c%d.rules\n' $((i + 1)) >"$T/c$i.rules"; i=$((i + 1)); done
printf '[category email]\nresource = ^/x\n' >"$T/c300.rules"
run scan --no-progress --rules "$T/c0.rules" "$T/ok.log"
expect_rc "an include chain 300 files deep" 2
expect_in "the include depth limit is named" "$ERR" "c31.rules:1: includes nested more than 32 deep"
# A 1 MiB regex on one line: refused by PCRE2 with its location, never a crash.
python3 -c 'print("[category big]\nresource = ^/(" + "|".join("p%d" % i for i in range(150000)) + ")$")' >"$T/h.rules"
run scan --no-progress --rules "$T/h.rules" "$T/ok.log"
expect_rc "a 1 MiB regex" 2
expect_in "a 1 MiB regex: too large, with its location" "$ERR" "h.rules:2: regex error at offset 0: regular expression is too large"
# Windows line ends and a UTF-8 BOM are how an editor may save the rules: accepted.
printf '\357\273\277[category email]\r\nresource = ^/api/v1/customers/(?<subject>\\d+)/email\r\n[role support-agent]\r\nmembers = mrossi\r\nmay-read = email\r\n' >"$T/h.rules"
run scan --no-progress --rules "$T/h.rules" "$T/ok.log"
expect_rc "a rule file with a BOM and CRLF line ends loads" 0
expect_in "and its rules apply" "$OUT" "ok.log:1:"

finish
