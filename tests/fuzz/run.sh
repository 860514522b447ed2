#!/bin/sh
# run.sh [SECONDS] [TARGET...] - build the libFuzzer targets in tests/fuzz/
# against the library sources and run each for SECONDS (default 60).
#
# Every analyzer/*.c but main.c is compiled with clang and
# -fsanitize=fuzzer-no-link,address,undefined (UB aborts, leaks are
# reported); each fuzz_*.c is linked with -fsanitize=fuzzer.  The seed corpus
# is copied at run time from samples/, rules/ and ../shared/testdata/ into a
# scratch directory (nothing from the shared test data is committed), plus
# every saved crash input in tests/fuzz/regress/TARGET/, which is also
# replayed first: a fixed bug must stay fixed.
#
# Prints one line per target: time, executions, crashes.  Exit 0 if nothing
# crashed, 1 if something did (inputs kept in the work directory, printed),
# 77 (automake's "skipped") when clang or libFuzzer is not available.
#
# Environment: FUZZ_CC (clang), FUZZ_JOBS (2 targets at a time), FUZZ_SEED
# (libFuzzer's -seed; with it each target runs a fixed number of inputs,
# about SECS on the CI machine, so a CI run is reproducible; without it a
# random search for SECS each), FUZZ_WORK
# (work directory; default a new one under $TMPDIR, kept for inspection),
# SHARED_TESTDATA.
set -u
SECS=${1:-60}
[ $# -gt 0 ] && shift
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
SHARED=${SHARED_TESTDATA:-$SRC/../shared/testdata}
CC=${FUZZ_CC:-clang}
JOBS=${FUZZ_JOBS:-2}
ALL="fuzz_rules fuzz_formats fuzz_gzip fuzz_zstd fuzz_xz fuzz_bz2 fuzz_expect fuzz_escape"
TARGETS=${*:-$ALL}

case $SECS in
''|*[!0-9]*) echo "usage: $0 [SECONDS] [TARGET...]" >&2; exit 2 ;;
esac

W=${FUZZ_WORK:-$(mktemp -d "${TMPDIR:-/tmp}/dpffuzz.XXXXXX")}
mkdir -p "$W/obj" "$W/bin" "$W/corpus" "$W/artifacts" "$W/log"
: >"$W/log/build"

# Is there a clang that can link a libFuzzer program?  If not, skip (77).
command -v "$CC" >/dev/null 2>&1 || { echo "run.sh: $CC not found: skipped"; exit 77; }
printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n);\nint LLVMFuzzerTestOneInput(const char *d, unsigned long n) { (void)d; (void)n; return 0; }\n' >"$W/probe.c"
if ! "$CC" -fsanitize=fuzzer,address,undefined -o "$W/probe" "$W/probe.c" >"$W/log/probe" 2>&1; then
	echo "run.sh: $CC cannot build with -fsanitize=fuzzer (install libclang-rt-dev): skipped"
	exit 77
fi

# The libraries configure may use: each from pkg-config, else -lNAME if that links.
LIBS=
DEFS=
printf 'int main(void) { return 0; }\n' >"$W/main.c"
for pl in libpcre2-8:pcre2-8 zlib:z nettle:nettle jansson:jansson yajl:yajl libisal:isal libzstd:zstd liblzma:lzma bzip2:bz2; do
	pkg=${pl%%:*}
	lib=${pl#*:}
	if l=$(pkg-config --libs "$pkg" 2>/dev/null); then
		LIBS="$LIBS $l"
	elif "$CC" "$W/main.c" "-l$lib" -o "$W/main" >/dev/null 2>&1; then
		LIBS="$LIBS -l$lib"
	else
		continue
	fi
	# What configure would define when it finds the library.
	case $lib in
	isal) DEFS="$DEFS -DHAVE_ISAL=1" ;;
	zstd) DEFS="$DEFS -DHAVE_ZSTD=1" ;;
	lzma) DEFS="$DEFS -DHAVE_LZMA=1" ;;
	bz2) DEFS="$DEFS -DHAVE_BZIP2=1" ;;
	esac
done
CFLAGS="-std=c11 -g -O1 -pthread -D_GNU_SOURCE -fno-omit-frame-pointer \
-fsanitize=address,undefined -fno-sanitize-recover=undefined \
$DEFS -I$SRC/analyzer -DDPF_DATADIR=\"$SRC\" -DDPF_ABS_SRCDIR=\"$SRC\" -DDPF_ABS_BUILDDIR=\"$SRC\" -DSRCDIR=\"$SRC\" -DPACKAGE_VERSION=\"fuzz\""

# Build the library (objects are reused between runs in one work dir).
echo "building in $W"
# Objects built with other flags (another clang, a library found since) are stale.
if [ "$(cat "$W/obj/flags" 2>/dev/null)" != "$CC $CFLAGS" ]; then
	rm -f "$W"/obj/*.o
	echo "$CC $CFLAGS" >"$W/obj/flags"
fi
objs=""
for c in "$SRC"/analyzer/*.c; do
	b=$(basename "$c" .c)
	[ "$b" = main ] && continue
	o="$W/obj/$b.o"
	if [ ! -f "$o" ] || [ "$c" -nt "$o" ]; then
		# shellcheck disable=SC2086
		$CC $CFLAGS -fsanitize=fuzzer-no-link -c "$c" -o "$o" 2>>"$W/log/build" ||
			{ echo "run.sh: cannot compile $c:"; cat "$W/log/build"; exit 1; }
	fi
	objs="$objs $o"
done
# An archive, so only what the targets use is linked (cmd_*.c need main.c).
rm -f "$W/libdpf.a"
# shellcheck disable=SC2086
ar rcs "$W/libdpf.a" $objs || exit 1
for t in $TARGETS; do
	# shellcheck disable=SC2086
	$CC $CFLAGS -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -fsanitize=fuzzer "$HERE/$t.c" "$W/libdpf.a" $LIBS -lm -o "$W/bin/$t" 2>>"$W/log/build" ||
		{ echo "run.sh: cannot build $t:"; cat "$W/log/build"; exit 1; }
done

# seed TARGET FILE...: copy files into the target's corpus.
seed() {
	t=$1
	shift
	for f in "$@"; do
		[ -f "$f" ] && cp "$f" "$W/corpus/$t/$(echo "$f" | tr '/' '_')" 2>/dev/null
	done
	return 0
}
# seed_lines TARGET FILE...: seeds of 20 lines each (at most 30 per file), decompressed.
seed_lines() {
	t=$1
	shift
	for f in "$@"; do
		[ -f "$f" ] || continue
		n=$(basename "$f")
		{ gzip -dc "$f" 2>/dev/null || cat "$f"; } | head -n 600 |
			split -l 20 - "$W/corpus/$t/$n."
	done
}

for t in $TARGETS; do
	mkdir -p "$W/corpus/$t"
	seed "$t" "$HERE"/regress/"$t"/*
done
for t in $TARGETS; do
	case $t in
	fuzz_rules)
		seed "$t" "$SRC"/rules/*.rules "$SRC"/tests/e2e/*.rules
		printf '[category email]\nresource = ^/x/(?<subject>\\d+)\ninclude = %s\n' \
			"$W/corpus/fuzz_rules/missing.rules" >"$W/corpus/$t/include"
		;;
	fuzz_formats)
		seed_lines "$t" "$SRC"/samples/*.gz "$SRC"/samples/annotated/* \
			"$SHARED"/logs/lnav/logfile_* "$SHARED"/logs/pgaudit/pgaudit.out \
			"$SHARED"/logs/elastic-apache_logs
		;;
	fuzz_gzip)
		seed "$t" "$SHARED"/gzip/*/*.gz "$SRC"/samples/annotated/*.gz
		for f in "$SHARED"/logs/lnav/logfile_*; do
			head -c 4096 "$f" | gzip -c >"$W/corpus/$t/$(basename "$f").gz"
		done
		head -c 2000 "$SRC/samples/annotated/01-support-agents.log" >"$W/corpus/$t/plain"
		;;
	fuzz_zstd | fuzz_xz | fuzz_bz2)
		# The format's own test files, and a few logs compressed here.
		[ $t = fuzz_zstd ] && seed "$t" "$SHARED"/compress/zstd/*.zst
		[ $t = fuzz_xz ] && seed "$t" "$SHARED"/compress/xz/*.xz
		z=$(echo "$t" | sed 's/fuzz_//; s/bz2/bzip2/')
		for f in "$SHARED"/logs/lnav/logfile_access_log.* "$SRC"/samples/annotated/01-support-agents.log; do
			[ -f "$f" ] || continue
			head -c 3000 "$f" | $z -c >"$W/corpus/$t/$(basename "$f").$z" 2>/dev/null ||
				rm -f "$W/corpus/$t/$(basename "$f").$z"
		done
		;;
	fuzz_expect)
		seed "$t" "$SRC"/samples/annotated/*
		# JSON documents of records: annotations are a record's "# expect" key.
		seed "$t" "$SHARED"/logs/audit-sources/aws-cloudtrail/awslib_SerializerTestFile.json
		printf '{"Records":[{"# expect":"none","eventName":"GetObject"},{"a":2},{"# expect":"no-business-reason # r","b":[1]}]}\n' \
			>"$W/corpus/$t/document"
		;;
	fuzz_escape)
		seed_lines "$t" "$SHARED"/logs/lnav/logfile_invalid_utf8.0 \
			"$SHARED"/logs/lnav/logfile_json.json "$SRC"/samples/annotated/01-support-agents.log
		;;
	esac
done

# A target's own options: dictionary and input size.
opts() {
	case $1 in
	fuzz_rules) echo "-dict=$HERE/rules.dict -max_len=16384" ;;
	fuzz_formats) echo "-dict=$HERE/formats.dict -max_len=8192" ;;
	fuzz_gzip | fuzz_zstd | fuzz_xz | fuzz_bz2) echo "-max_len=65536" ;;
	fuzz_expect) echo "-dict=$HERE/expect.dict -max_len=16384" ;;
	fuzz_escape) echo "-max_len=4096" ;;
	esac
}

rc=0
# Replay the saved crash inputs first: each must now run clean.
for t in $TARGETS; do
	set -- "$HERE"/regress/"$t"/*
	[ -f "$1" ] || continue
	if ! "$W/bin/$t" "$@" >"$W/log/$t.regress" 2>&1; then
		echo "$t: a saved regression input fails again (see $W/log/$t.regress)"
		rc=1
	fi
done

# rate TARGET: executions per second on the project's 2-core CI machine with
# two targets at a time (measured there, December 2026), to turn SECS into a
# number of runs.
rate() {
	case $1 in
	fuzz_rules) echo 9000 ;;
	fuzz_formats) echo 300 ;;
	fuzz_gzip) echo 850 ;;
	fuzz_zstd) echo 6500 ;;
	fuzz_xz) echo 5500 ;;
	fuzz_bz2) echo 1500 ;;
	fuzz_expect) echo 200 ;;
	fuzz_escape) echo 1400 ;;
	esac
}

# fuzz TARGET: run it for SECS, write its summary line to $W/log/TARGET.sum.
# With FUZZ_SEED the run is a fixed number of executions (SECS times the
# target's rate), so it is the same search on every machine and a crash in
# CI replays with the same seed; a slow machine is stopped at 3 x SECS.
# Without it, a random search for SECS (the exploratory campaign).
fuzz() {
	t=$1
	rm -f "$W/artifacts/$t"-*
	start=$(date +%s)
	if [ -n "${FUZZ_SEED:-}" ]; then
		limit="-seed=$FUZZ_SEED -runs=$((SECS * $(rate "$t"))) -max_total_time=$((SECS * 3))"
	else
		limit="-max_total_time=$SECS"
	fi
	# shellcheck disable=SC2046,SC2086
	"$W/bin/$t" $(opts "$t") $limit -timeout=30 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$W/artifacts/$t-" \
		"$W/corpus/$t" >"$W/log/$t" 2>&1
	st=$?
	end=$(date +%s)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$W/log/$t" | tail -n 1)
	[ -n "$execs" ] || execs=$(grep -o '^#[0-9]*' "$W/log/$t" | tail -n 1 | tr -d '#')
	crashes=$(ls "$W/artifacts" 2>/dev/null | grep -c "^$t-")
	[ $st -ne 0 ] && [ "$crashes" -eq 0 ] && crashes=1
	printf '%-13s %5ss %12s execs %3s crashes (exit %s)\n' "$t" $((end - start)) "${execs:-0}" \
		"$crashes" "$st" >"$W/log/$t.sum"
}

set -- $TARGETS
while [ $# -gt 0 ]; do
	pids=""
	k=0
	while [ $# -gt 0 ] && [ $k -lt "$JOBS" ]; do
		fuzz "$1" &
		pids="$pids $!"
		shift
		k=$((k + 1))
	done
	for p in $pids; do wait "$p"; done
done

echo "target          time        executions  crashes"
for t in $TARGETS; do
	cat "$W/log/$t.sum"
	case $(cat "$W/log/$t.sum") in
	*" 0 crashes"*) ;;
	*) rc=1; echo "  see $W/log/$t; inputs: $(ls "$W"/artifacts/"$t"-* 2>/dev/null | tr '\n' ' ')" ;;
	esac
done
echo "work directory (corpora, logs): $W"
exit $rc
