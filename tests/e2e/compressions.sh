#!/bin/sh
# compressions.sh - issue 20 end to end: the same log as .gz, .zst, .xz and
# .bz2 gives the same findings and line numbers; line counts equal
# `zstdcat FILE | wc -l` and the like; damaged zstd, xz and bzip2 files are
# incomplete (exit 3) with the byte offset and the last line read, and what
# came before the damage is audited.  A format whose library this build left
# out (configure --without-zstd, ...) must be incomplete with "no zstd
# support in this build" instead.
. "$(dirname "$0")/lib.sh"

for tool in gzip zstd xz bzip2 python3; do
	command -v $tool >/dev/null 2>&1 || { echo "skipped: $tool is not installed (.ci/run installs it)"; exit 77; }
done

# Which decoders this build has (--version: "decoders: gzip ..., zstd libzstd 1.5.4, ...").
run --version
DECODERS=$(sed -n 's/^decoders: //p' "$OUT")
has() { ! printf '%s\n' "$DECODERS" | grep -q "$1 (not in this build)"; }
decomp() { case $1 in gz) echo "gzip -dc" ;; zst) echo "zstd -dc" ;; xz) echo "xz -dc" ;; bz2) echo "bzip2 -dc" ;; esac; }
fmt_of() { case $1 in gz) echo gzip ;; zst) echo zstd ;; xz) echo xz ;; bz2) echo bzip2 ;; esac; }

# A real sample log, decompressed and made again by each compressor: two
# members / frames / streams each (as `cat a b` makes), to read them whole.
gzip -dc "$SRCDIR/samples/support-api.log.gz" >"$T/plain.log"
NL=$(wc -l <"$T/plain.log")
head -n 2500 "$T/plain.log" >"$T/p1"
tail -n +2501 "$T/plain.log" >"$T/p2"
mkdir "$T/d"
for p in p1 p2; do
	gzip -c "$T/$p" >>"$T/d/s.log.gz"
	zstd -q -c "$T/$p" >>"$T/d/s.log.zst"
	xz -c "$T/$p" >>"$T/d/s.log.xz"
	bzip2 -1 -c "$T/$p" >>"$T/d/s.log.bz2"	# 100 kB blocks: a cut keeps whole ones
done

# findings FILE.json: one line per finding, without the file name, sorted.
findings() {
	python3 - "$1" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
rows = sorted("%s %s %s %s %s %s %s" % (f["check"], f["line"], f["subject"], f["user"], f["resource"],
              f["time"], f["evidence"]) for f in d["findings"])
print("\n".join(rows))
PY
}
# input FILE.json KEY: one field of the first input in the report.
input() {
	python3 -c 'import json,sys; i=json.load(open(sys.argv[1]))["scope"]["inputs"][0]; print(i[sys.argv[2]])' "$1" "$2"
}

findings_ok=1
for ext in gz zst xz bz2; do
	f="$T/d/s.log.$ext"
	fmt=$(fmt_of $ext)
	run scan --no-progress --report json:"$T/$ext.json" "$f"
	if ! has "$fmt"; then
		expect_rc "$fmt without its library is incomplete" 3
		expect_in "$fmt: the message says the build lacks it" "$ERR" "no $fmt support in this build"
		findings_ok=0
		continue
	fi
	expect_rc "the sample as .$ext is audited whole" 0
	lines=$(input "$T/$ext.json" lines)
	want=$($(decomp $ext) "$f" | wc -l)
	[ "$lines" = "$want" ] && [ "$lines" = "$NL" ] && ok ".$ext: $lines lines, as '$(decomp $ext) | wc -l' says" ||
		bad ".$ext: line count" "$lines lines, '$(decomp $ext) | wc -l' says $want"
	comp=$(input "$T/$ext.json" compression)
	[ "$comp" = "$fmt" ] && ok ".$ext: compression '$fmt' in the report" || bad ".$ext: compression" "'$comp'"
	findings "$T/$ext.json" >"$T/$ext.findings"
done
if [ $findings_ok = 1 ]; then
	n=$(wc -l <"$T/gz.findings")
	same=1
	for ext in zst xz bz2; do
		cmp -s "$T/gz.findings" "$T/$ext.findings" || { same=0; diff "$T/gz.findings" "$T/$ext.findings" | head -n 5; }
	done
	[ "$n" -gt 10 ] && [ $same = 1 ] && ok "the four compressions give the same $n findings at the same lines" ||
		bad "the four compressions give the same findings" "$n findings in .gz; same=$same"
fi

# The directory: each file found by content, each complete, each whole.
run scan --no-progress --report json:"$T/dir.json" "$T/d"
python3 - "$T/dir.json" "$NL" "$DECODERS" >"$T/dir.check" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
n = int(sys.argv[2])
for i in d["scope"]["inputs"]:
    fmt = i["compression"]
    built = fmt + " (not in this build)" not in sys.argv[3]
    if built and (not i["complete"] or i["lines"] != n):
        print("bad", i["path"], fmt, i["lines"], i["error"])
    if not built and i["complete"]:
        print("bad", i["path"], "complete without its library")
print(len(d["scope"]["inputs"]), "inputs")
PY
expect_in "the directory: four inputs" "$T/dir.check" "4 inputs"
expect_not_in "the directory: every built format complete with all $NL lines" "$T/dir.check" "bad"

# Cut in the middle: incomplete, the offset and the last line named, and the
# last line is the one `TOOL -dc | awk 'END{print NR}'` counts (a last line
# without a newline still counts).  For bzip2 the reference is Python's bz2
# module: `bzip2 -dc` drops its last 5000-byte output buffer on an error.
bz2_lines() {
	python3 -c 'import bz2,sys; d=bz2.BZ2Decompressor(); o=d.decompress(open(sys.argv[1],"rb").read()); print(o.count(b"\n") + (1 if o and not o.endswith(b"\n") else 0))' "$1"
}
for ext in zst xz bz2; do
	fmt=$(fmt_of $ext)
	has "$fmt" || continue
	f="$T/d/s.log.$ext"
	size=$(wc -c <"$f")
	head -c $((size / 3)) "$f" >"$T/cut.$ext"
	run scan --no-progress --report json:"$T/cut.json" "$T/cut.$ext"
	expect_rc ".$ext cut at a third is incomplete" 3
	if [ $ext = bz2 ]; then
		want=$(bz2_lines "$T/cut.$ext")
	else
		want=$($(decomp $ext) "$T/cut.$ext" 2>/dev/null | awk 'END { print NR }')
	fi
	expect_in ".$ext cut: the offset and the last line on stderr" "$ERR" "cut.$ext: byte $((size / 3)) (after line $want): unexpected end of $fmt stream"
	[ "$want" -gt 100 ] && ok ".$ext cut: $want lines before the cut were read" || bad ".$ext cut: lines read" "$want"
	findings "$T/cut.json" | cut -d' ' -f2 | sort -n | tail -n 1 >"$T/last"
	[ "$(cat "$T/last")" -le "$want" ] && [ "$(cat "$T/last")" -gt 0 ] &&
		ok ".$ext cut: findings before the cut are reported" || bad ".$ext cut: findings" "last at line $(cat "$T/last")"
done

# bzip2: a bad block CRC, and garbage after the last stream.
if has bzip2; then
	f="$T/d/s.log.bz2"
	python3 -c 'import sys; b=bytearray(open(sys.argv[1],"rb").read()); b[10]^=1; open(sys.argv[2],"wb").write(b)' "$f" "$T/crc.bz2"
	run scan --no-progress "$T/crc.bz2"
	expect_rc "a bzip2 block with a wrong CRC is incomplete" 3
	expect_in "the CRC is named" "$ERR" "corrupt bzip2 data or CRC mismatch in stream 1"
	cat "$f" >"$T/junk.bz2"
	printf 'not bzip2\n' >>"$T/junk.bz2"
	run scan --no-progress "$T/junk.bz2"
	expect_rc "garbage after a bzip2 stream is incomplete" 3
	expect_in "trailing garbage at its byte, after every line" "$ERR" \
		"junk.bz2: byte $(wc -c <"$f") (after line $NL): trailing garbage after last bzip2 stream"
fi

# zstd and xz: a damaged checksum in the last frame / stream.
if has zstd; then
	python3 -c 'import sys; b=bytearray(open(sys.argv[1],"rb").read()); b[-1]^=1; open(sys.argv[2],"wb").write(b)' "$T/d/s.log.zst" "$T/sum.zst"
	run scan --no-progress "$T/sum.zst"
	expect_rc "a zstd frame with a wrong checksum is incomplete" 3
	expect_in "the checksum is named" "$ERR" "checksum mismatch in zstd frame 2"
fi
if has xz; then
	printf 'garbage' | cat "$T/d/s.log.xz" - >"$T/junk.xz"
	run scan --no-progress "$T/junk.xz"
	expect_rc "garbage after an xz stream is incomplete" 3
	expect_in "the xz garbage at its byte" "$ERR" "junk.xz: byte $(wc -c <"$T/d/s.log.xz") (after line $NL): trailing garbage after last xz stream"
fi

# Standard input is detected by content too.
if has xz; then
	"$DPFAUDIT" scan --no-progress --report json:"$T/stdin.json" - <"$T/d/s.log.xz" >/dev/null 2>&1
	[ "$(input "$T/stdin.json" lines)" = "$NL" ] && ok "xz on standard input is read whole" || bad "xz on standard input"
fi

finish
