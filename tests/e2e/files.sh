#!/bin/sh
# files.sh - the files a run writes and reads (SPEC §8, issue 16): a report
# never replaces an input, a device or a link's target; outputs are checked
# before a line is read; an interrupted run leaves no temporary file behind.
. "$(dirname "$0")/lib.sh"

support_rules '[^/]+' >"$T/r.rules"
LOG="$T/access.log"
cat >"$LOG" <<'L'
10.0.0.1 - mrossi [23/Nov/2026:10:00:00 +0000] "GET /api/v1/customers/5012/email HTTP/1.1" 200 15 "-" "curl"
10.0.0.2 - jdoe [23/Nov/2026:10:01:00 +0000] "GET /api/v1/customers/5013/email HTTP/1.1" 200 15 "-" "curl"
L
cp "$LOG" "$T/access.copy"

scan() { run scan --no-progress --rules "$T/r.rules" "$@"; }
# same_log NAME: the input is untouched
same_log() {
	if cmp -s "$LOG" "$T/access.copy"; then ok "$1"; else bad "$1" "the input was changed"; fi
}
# No input may be read before the outputs are checked: a FIFO nobody writes
# would block any read, so a refusal must come before it is opened.
mkfifo "$T/never"
scan_refused() {
	name=$1
	shift
	OUT="$T/out.$$"
	ERR="$T/err.$$"
	timeout 20 "$DPFAUDIT" scan --no-progress --rules "$T/r.rules" "$@" "$T/never" >"$OUT" 2>"$ERR"
	RC=$?
	expect_rc "$name: refused before any input is read" 2
}

# ---- case 1: a report over an input ----
scan --report "json:$LOG" "$LOG"
expect_rc "report over its own input" 2
expect_in "report over its own input: says which option and why" "$ERR" "--report $LOG: is an input of this run"
same_log "report over its own input: input untouched"
mkdir "$T/logs"
cp "$LOG" "$T/logs/a.log"
scan --events "$T/logs/a.log" "$T/logs"
expect_rc "--events over an input inside a directory operand" 2
expect_in "--events over an input inside a directory: named" "$ERR" "--events $T/logs/a.log: is an input"
ln -s "$LOG" "$T/link-to-input"
scan --report "csv:$T/link-to-input" "$LOG"
expect_rc "report over a link to an input" 2
scan --report "json:$LOG" - <"$LOG"
expect_rc "report over the file on standard input" 2
same_log "report over standard input's file: input untouched"
run merge --report "json:$LOG" "$LOG"
expect_rc "merge: report over a partial it reads" 2
same_log "merge: input untouched"

# ---- case 2: streams and devices are written straight, never replaced ----
# As root the old writer renamed a file over /dev/stdout: that part runs in a
# private /dev (a mount namespace) so a regression cannot break the machine.
# Exit 99: /dev/stdout was replaced.
if [ "$(id -u)" = 0 ] && unshare -m true 2>/dev/null; then
	STDOUT_LINK=/dev/stdout
	devrun() {
		OUT="$T/out.$$"
		ERR="$T/err.$$"
		unshare -m sh -c 'mount -t tmpfs none /dev && ln -s /proc/self/fd/1 /dev/stdout &&
			ln -s /proc/self/fd/2 /dev/stderr && "$@"; rc=$?; [ -L /dev/stdout ] || rc=99; exit $rc' \
			sh "$DPFAUDIT" "$@" >"$OUT" 2>"$ERR"
		RC=$?
	}
elif [ "$(id -u)" = 0 ]; then
	STDOUT_LINK=/dev/fd/1	# the same alias, and renaming over it cannot succeed
	devrun() { run "$@"; }
else
	STDOUT_LINK=/dev/stdout	# not writable for us: the machine is safe
	devrun() { run "$@"; }
fi
devrun scan --no-progress --rules "$T/r.rules" --report "json:$STDOUT_LINK" "$LOG"
expect_rc "--report json:$STDOUT_LINK (stdout a file) and $STDOUT_LINK not replaced" 0
expect_in "--report json:$STDOUT_LINK: the report is on stdout" "$OUT" '"schema_version"'
devrun scan --no-progress --rules "$T/r.rules" --events "$STDOUT_LINK" --report "json:$T/ev-report.json" "$LOG"
expect_rc "--events $STDOUT_LINK and $STDOUT_LINK not replaced" 0
expect_in "--events $STDOUT_LINK: events on stdout" "$OUT" '"user":"mrossi"'
scan --report json:/dev/null "$LOG"
if [ -c /dev/null ]; then ok "/dev/null is still a device"; else bad "/dev/null is still a device"; fi
mkfifo "$T/fifo"
cat "$T/fifo" >"$T/from-fifo" &
reader=$!
scan --report "json:$T/fifo" "$LOG"
wait $reader
expect_rc "--report to a FIFO" 0
expect_in "--report to a FIFO: the reader got the report" "$T/from-fifo" '"schema_version"'
if [ -p "$T/fifo" ]; then ok "the FIFO is still a FIFO"; else bad "the FIFO is still a FIFO"; fi
# A symbolic link to a regular file: the link is replaced, its target never touched.
echo "keep me" >"$T/target"
ln -s "$T/target" "$T/link.json"
scan --report "json:$T/link.json" "$LOG"
expect_rc "report to a symbolic link" 0
if [ "$(cat "$T/target")" = "keep me" ]; then ok "the link's target is untouched"; else bad "the link's target is untouched"; fi
if [ ! -L "$T/link.json" ] && grep -q schema_version "$T/link.json"; then
	ok "the link is replaced by the report"
else
	bad "the link is replaced by the report" "$(ls -l "$T/link.json")"
fi

# ---- case 3: two outputs naming one file ----
mkdir "$T/o"
scan --report "json:$T/o/r.json" --report "csv:$T/o/../o/./r.json" "$LOG"
expect_rc "two --report naming one file" 2
expect_in "two --report naming one file: both named" "$ERR" "names the same file as --report $T/o/r.json"
echo old >"$T/o/e.json"
ln "$T/o/e.json" "$T/o/hard.json"
scan --events "$T/o/e.json" --report "json:$T/o/hard.json" "$LOG"
expect_rc "--events and --report on one inode" 2
scan --partial "$T/o/p" --write-baseline "$T/o/p" "$LOG"
expect_rc "--partial and --write-baseline naming one file" 2
scan --report json:/dev/null --report csv:/dev/null --report text:- "$LOG"
expect_rc "several outputs to one device or to stdout are allowed" 0

# ---- case 4: a missing or unwritable directory, before anything is read ----
scan_refused "report in a missing directory" --report "json:$T/missing/r.json"
expect_in "missing directory: named" "$ERR" "--report $T/missing/r.json: directory $T/missing: No such file or directory"
scan_refused "--events in a missing directory" --events "$T/missing/e.jsonl"
scan_refused "--partial in a missing directory" --partial "$T/missing/p"
scan_refused "--write-baseline in a missing directory" --write-baseline "$T/missing/b"
scan_refused "report that is a directory" --report "json:$T/o"
if [ "$(id -u)" = 0 ]; then
	# root writes anywhere a mode allows nothing: a read-only mount is the test
	ro=/sys
else
	mkdir "$T/ro"
	chmod 555 "$T/ro"
	ro="$T/ro"
fi
scan_refused "report in an unwritable directory" --report "json:$ro/r.json"
expect_in "unwritable directory: named" "$ERR" "directory $ro is not writable"
run trace --subject 5012 --rules "$T/r.rules" --report "json:$T/missing/t.json" "$LOG"
expect_rc "trace: report in a missing directory" 2
if ls "$T"/*.tmp* "$T"/o/*.tmp* >/dev/null 2>&1; then bad "no probe file left behind"; else ok "no probe file left behind"; fi

# ---- case 6: redaction before truncation; encoded and international addresses ----
# john.doe@gmail.com sits at bytes 1015-1033: it straddles the 1 KiB evidence limit.
pad=$(awk 'BEGIN { while (n++ < 870) printf "x" }')
printf '10.0.0.3 - jdoe [23/Nov/2026:10:02:00 +0000] "GET /api/v1/customers/5014/email?e=jane%%2Edoe%%40example%%2Ecom HTTP/1.1" 200 15 "anna@m\303\274ller.de" "%s john.doe@gmail.com and more text after it to pass the limit........................................"\n' "$pad" >"$T/cut.log"
for fmt in json text csv markdown html sarif; do
	scan --report "$fmt:$T/cut.$fmt" "$T/cut.log"
	for leak in john.doe gmail jane anna m\303\274ller; do
		leak=$(printf "$leak")
		expect_not_in "$fmt: '$leak' masked (cut, encoded or international)" "$T/cut.$fmt" "$leak"
	done
done
expect_in "the evidence is there (redacted)" "$T/cut.json" 'j***%40e***%2Ecom'

# ---- case 12: devices are not logs; FIFOs are read like standard input ----
# (timeout: the old code read /dev/urandom for ever)
for dev in /dev/urandom /dev/zero; do
	OUT="$T/out.$$"; ERR="$T/err.$$"
	timeout 20 "$DPFAUDIT" scan --no-progress --rules "$T/r.rules" "$dev" >"$OUT" 2>"$ERR"
	RC=$?
	expect_rc "scan $dev refused" 2
	expect_in "scan $dev: says why" "$ERR" "$dev: is a character device, not a log"
done
OUT="$T/out.$$"; ERR="$T/err.$$"
timeout 20 "$DPFAUDIT" scan --no-progress --rules "$T/r.rules" </dev/zero >"$OUT" 2>"$ERR"
RC=$?
expect_rc "standard input from /dev/zero refused" 2
run trace --subject 5012 --rules "$T/r.rules" /dev/urandom
expect_rc "trace /dev/urandom refused" 2
blk=$(find /dev -maxdepth 1 -type b 2>/dev/null | head -n 1)
if [ -n "$blk" ]; then
	scan "$blk"
	expect_rc "scan $blk (a block device) refused" 2
fi
scan /dev/null
expect_rc "/dev/null is the empty log (nothing audited, not refused)" 3
mkfifo "$T/in.fifo"
cat "$LOG" >"$T/in.fifo" &
scan --report "json:$T/fifo.json" "$T/in.fifo"
wait
expect_rc "a FIFO given explicitly is read" 0
expect_in "a FIFO given explicitly: its lines audited" "$T/fifo.json" '"lines": 2'

# ---- case 5: signals remove temporary files, and the run dies of the signal ----
# A report large enough to be seen while it is written (tens of megabytes).
awk 'BEGIN { for (i = 0; i < 60000; i++)
	printf "10.0.0.%d - u%d [23/Nov/2026:10:%02d:%02d +0000] \"GET /api/v1/customers/%d/email HTTP/1.1\" 200 15 \"-\" \"curl\"\n", i % 250, i % 50, (i / 60) % 60, i % 60, i }' >"$T/big.log"
# A background job of a script starts with SIGINT ignored (and dpfaudit keeps
# an ignored signal ignored, for nohup): restore the default for the test.
if env --default-signal=INT true 2>/dev/null; then
	DEFSIG="env --default-signal=INT"
else
	echo '$SIG{INT} = "DEFAULT"; exec @ARGV or die;' >"$T/defsig.pl"
	DEFSIG="perl $T/defsig.pl"
fi
# interrupt SIG NUM: start a scan, wait for its temporary report file, send SIG.
interrupt() {
	sig=$1
	num=$2
	d="$T/sig-$sig"
	mkdir "$d"
	tries=0
	seen=0
	while [ $tries -lt 5 ] && [ $seen = 0 ]; do
		tries=$((tries + 1))
		rm -f "$d"/*
		$DEFSIG "$DPFAUDIT" scan --no-progress -j 2 --rules "$T/r.rules" --report "json:$d/r.json" \
			--events "$d/e.jsonl" "$T/big.log" >/dev/null 2>"$d.err" &
		pid=$!
		while kill -0 $pid 2>/dev/null; do
			for f in "$d"/*.tmp*; do
				if [ -e "$f" ]; then
					kill -"$sig" $pid
					seen=1
				fi
				break
			done
			[ $seen = 1 ] && break
		done
		wait $pid
		rc=$?
		# Seen, but the run finished before the signal landed (a loaded
		# machine): that run tells nothing, try again.
		[ $seen = 1 ] && [ $rc = 0 ] && seen=0
	done
	if [ $seen = 0 ]; then
		bad "$sig: a temporary file was seen while writing" "5 runs ended before the signal landed in one"
		return
	fi
	if [ $rc = $((128 + num)) ]; then ok "$sig: the run dies of the signal (exit $rc)"; else bad "$sig: the run dies of the signal" "exit $rc"; fi
	left=$(ls -A "$d" | grep tmp)
	if [ -z "$left" ]; then ok "$sig: no temporary file left"; else bad "$sig: no temporary file left" "$left"; fi
}
interrupt TERM 15
interrupt INT 2
interrupt HUP 1

finish
