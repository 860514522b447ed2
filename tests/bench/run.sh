#!/bin/sh
# run.sh - how close is `dpfaudit scan` to the speed of decompression itself?
#
# Generates large combined logs deterministically (tests/bench/gen_log.py,
# profiles public and crm, cached under ${TMPDIR:-/tmp}/dpfaudit-bench),
# then times reading each with
# gzip, zcat | wc -l, igzip and rg -z (where installed) and with dpfaudit at
# -j1 and at the default number of jobs; and the same corpus recompressed
# with zstd (-3) and xz (-2), timed with `zstd -dc`, `xz -dc` and dpfaudit
# (where the tools are installed and dpfaudit was built with the library).  Prints median time, ratio to
# `gzip -dc`, lines/s and peak RSS.  Run from a build directory:
#
#   cd /tmp/b-me && /work/main/tests/bench/run.sh [--lines N] [--runs R] [--profile "public crm"] [--memory]
#
# DPFAUDIT (default ./analyzer/dpfaudit) and RULES (default the source tree's
# rules/dpf.rules) may be set in the environment.  See tests/bench/README.md.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
srcdir=$(cd "$here/../.." && pwd)
lines=4000000
seed=20261123
runs=5
keep_going=0

usage() {
	cat <<EOF
usage: $0 [--lines N] [--seed S] [--runs R] [--only-ref] [--profile P] [--memory]
  --lines N    lines in the generated corpus (default 4000000)
  --seed S     generator seed (default 20261123)
  --runs R     timed runs per command (default 5; hyperfine adds a warm-up)
  --only-ref   time only the reference decompressors, not dpfaudit
  --profile P  corpus profiles, space-separated: public, crm (default "public crm";
               see gen_log.py --profile)
  --memory     instead of timing: peak RSS of one default-jobs scan of the crm
               profile at 2,000,000 and 8,000,000 lines, and of a 2,000,000-line log
               where every line is a finding, JSON and CSV reports written whole,
               and of one where every line is its own group, every format
               (bounded memory, SPEC section 7)
environment: DPFAUDIT (default ./analyzer/dpfaudit), RULES (default $srcdir/rules/dpf.rules),
             TMPDIR (cache in \$TMPDIR/dpfaudit-bench), PYTHON (default python3),
             NO_HYPERFINE=1 (time with /usr/bin/time even where hyperfine is installed)
EOF
}

only_ref=0
profiles="public crm"
memory=0
while [ $# -gt 0 ]; do
	case $1 in
	--lines) lines=$2; shift 2 ;;
	--lines=*) lines=${1#*=}; shift ;;
	--seed) seed=$2; shift 2 ;;
	--seed=*) seed=${1#*=}; shift ;;
	--runs) runs=$2; shift 2 ;;
	--runs=*) runs=${1#*=}; shift ;;
	--only-ref) only_ref=1; shift ;;
	--profile) profiles=$2; shift 2 ;;
	--profile=*) profiles=${1#*=}; shift ;;
	--memory) memory=1; shift ;;
	-h|--help) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
case $lines in ''|*[!0-9]*) echo "run.sh: --lines needs a number" >&2; exit 2 ;; esac
for p in $profiles; do
	case $p in public|crm) ;; *) echo "run.sh: unknown profile $p" >&2; exit 2 ;; esac
done
case $runs in ''|*[!0-9]*|0) echo "run.sh: --runs needs a positive number" >&2; exit 2 ;; esac

DPFAUDIT=${DPFAUDIT:-./analyzer/dpfaudit}
RULES=${RULES:-$srcdir/rules/dpf.rules}
PYTHON=${PYTHON:-python3}
rulesdir=$(dirname "$RULES")
cache=${TMPDIR:-/tmp}/dpfaudit-bench
mkdir -p "$cache"

# The corpus depends on the generator and on the tickets and opt-outs it
# reads; a change to any of them makes a new file, never a stale one.
key=$(cat "$here/gen_log.py" "$RULES" "$rulesdir/tickets.csv" "$rulesdir/optout.txt" 2>/dev/null |
	cksum | cut -d' ' -f1)
# make_corpus PROFILE LINES: sets $corpus and $nlines (cached).
make_corpus() {
	corpus=$cache/support-api-$1-$2-s$seed-$key.log.gz
	if [ ! -s "$corpus" ]; then
		echo "generating $corpus ($2 lines, profile $1) ..." >&2
		"$PYTHON" "$here/gen_log.py" --profile "$1" --lines "$2" --seed "$seed" --gzip \
			--rules "$RULES" -o "$corpus.tmp"
		mv "$corpus.tmp" "$corpus"
	fi
	nlines=$(gzip -dc "$corpus" | wc -l | tr -d ' ')
	csize=$(wc -c <"$corpus" | tr -d ' ')
	echo "corpus: $corpus" >&2
	echo "        $nlines lines, $csize bytes compressed, $(gzip -dc "$corpus" | wc -c | tr -d ' ') bytes plain" >&2
	# The same text as zstd and xz (cached beside it).
	# xz -2: -6 would take minutes per 100 MB here; decoding speed barely depends on it.
	for z in "zstd -q -3:zst" "xz -q -2:xz"; do
		tool=${z%%:*}
		f=${corpus%.gz}.${z#*:}
		command -v "${tool%% *}" >/dev/null 2>&1 || continue
		if [ ! -s "$f" ]; then
			echo "compressing $f ..." >&2
			# shellcheck disable=SC2086
			gzip -dc "$corpus" | $tool -c >"$f.tmp"
			mv "$f.tmp" "$f"
		fi
		echo "        $(wc -c <"$f" | tr -d ' ') bytes as $tool" >&2
	done
}

out=$cache/results.$$
mkdir -p "$out"
trap 'rm -rf "$out"' EXIT INT TERM

# Peak RSS (and a time where hyperfine is missing) from GNU time -v.
have_time=0
[ -x /usr/bin/time ] && /usr/bin/time -v true >/dev/null 2>&1 && have_time=1

if [ "$memory" = 1 ]; then
	[ "$have_time" = 1 ] || { echo "run.sh: --memory needs GNU time (/usr/bin/time -v)" >&2; exit 2; }
	[ -x "$DPFAUDIT" ] || { echo "run.sh: $DPFAUDIT not found or not executable" >&2; exit 2; }
	printf '%-10s %10s %10s %10s %6s\n' "profile" "lines" "wall s" "peak MiB" "exit"
	for n in 2000000 8000000; do
		make_corpus crm "$n"
		rc=0
		/usr/bin/time -v "$DPFAUDIT" scan --no-progress --rules "$RULES" "$corpus" \
			>/dev/null 2>"$out/mem.err" || rc=$?
		rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$out/mem.err")
		wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$out/mem.err")
		printf '%-10s %10s %10s %10s %6s\n' crm "$nlines" "$wall" "$((rss / 1024))" "$rc"
	done
	# Every line a finding (an anonymous read of a customer's e-mail: 2M
	# findings in 100,000 groups), the JSON and CSV reports written whole.
	every=$cache/every-line-a-finding-2000000.log.gz
	if [ ! -s "$every" ]; then
		awk 'BEGIN { for (i = 0; i < 2000000; i++) { s = i % 86400
			printf "203.0.113.%d - - [01/Dec/2026:%02d:%02d:%02d +0000] \"GET /api/v1/customers/%d/email HTTP/1.1\" 200 71 \"-\" \"curl/8.5.0\"\n",
				i % 250, int(s / 3600), int(s % 3600 / 60), s % 60, 100000 + i % 100000 } }' |
			gzip -1 >"$every.tmp" && mv "$every.tmp" "$every"
	fi
	rc=0
	/usr/bin/time -v "$DPFAUDIT" scan --no-progress --rules "$RULES" --report json:"$out/every.json" \
		--report csv:"$out/every.csv" "$every" >/dev/null 2>"$out/mem.err" || rc=$?
	rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$out/mem.err")
	wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$out/mem.err")
	printf '%-10s %10s %10s %10s %6s  (JSON %s + CSV %s bytes)\n' every-line 2000000 "$wall" \
		"$((rss / 1024))" "$rc" "$(wc -c <"$out/every.json" | tr -d ' ')" "$(wc -c <"$out/every.csv" | tr -d ' ')"
	rm -f "$out/every.json" "$out/every.csv"
	# Every line its own group (an anonymous read of a different customer
	# each time: 2M findings in 2M groups), the groups spilled past the
	# budget (groups.h): JSON and CSV, then HTML, Markdown and text.
	distinct=$cache/distinct-groups-2000000.log.gz
	if [ ! -s "$distinct" ]; then
		awk 'BEGIN { for (i = 0; i < 2000000; i++) { s = i % 86400
			printf "203.0.113.%d - - [01/Dec/2026:%02d:%02d:%02d +0000] \"GET /api/v1/customers/%d/email HTTP/1.1\" 200 71 \"-\" \"curl/8.5.0\"\n",
				i % 250, int(s / 3600), int(s % 3600 / 60), s % 60, 1000000 + i } }' |
			gzip -1 >"$distinct.tmp" && mv "$distinct.tmp" "$distinct"
	fi
	for reps in "json:$out/d.json csv:$out/d.csv" "html:$out/d.html markdown:$out/d.md text:$out/d.txt"; do
		rc=0
		set --
		for r in $reps; do set -- "$@" --report "$r"; done
		/usr/bin/time -v "$DPFAUDIT" scan --no-progress --rules "$RULES" "$@" "$distinct" \
			>/dev/null 2>"$out/mem.err" || rc=$?
		rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$out/mem.err")
		wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$out/mem.err")
		printf '%-10s %10s %10s %10s %6s  (%s)\n' distinct 2000000 "$wall" "$((rss / 1024))" "$rc" \
			"$(for r in $reps; do printf '%s ' "${r%%:*}"; done)groups"
		rm -f "$out"/d.*
	done
	exit 0
fi

for profile in $profiles; do
make_corpus "$profile" "$lines"
echo "== profile $profile" >&2

# name<TAB>shell command, one a line
cmds=$out/cmds
: >"$cmds"
add() { printf '%s\t%s\n' "$1" "$2" >>"$cmds"; }
add "gzip -dc" "gzip -dc '$corpus' >/dev/null"
add "zcat | wc -l" "zcat '$corpus' | wc -l >/dev/null"
command -v igzip >/dev/null 2>&1 && add "igzip -dc" "igzip -dc '$corpus' >/dev/null"
command -v rg >/dev/null 2>&1 && add "rg -z -c ." "rg -z -c . '$corpus' >/dev/null"
command -v pigz >/dev/null 2>&1 && add "pigz -dc" "pigz -dc '$corpus' >/dev/null"
zcorpus=${corpus%.gz}.zst
xcorpus=${corpus%.gz}.xz
[ -s "$zcorpus" ] && add "zstd -dc" "zstd -dc '$zcorpus' >/dev/null"
[ -s "$xcorpus" ] && add "xz -dc" "xz -dc '$xcorpus' >/dev/null"
command -v goaccess >/dev/null 2>&1 &&
	add "zcat | goaccess" "zcat '$corpus' | goaccess --log-format=COMBINED -o '$cache/goaccess.json' - >/dev/null 2>&1"

if [ "$only_ref" = 0 ]; then
	if [ ! -x "$DPFAUDIT" ]; then
		echo "run.sh: $DPFAUDIT not found or not executable (set DPFAUDIT, or run from the build directory); timing the references only" >&2
	else
		# One untimed run first: a scan that fails is not a benchmark.
		set +e
		"$DPFAUDIT" scan --no-progress --rules "$RULES" "$corpus" >"$out/scan.out" 2>"$out/scan.err"
		rc=$?
		set -e
		case $rc in
		0|1)
			add "dpfaudit -j1" "'$DPFAUDIT' scan --no-progress --rules '$RULES' -j1 '$corpus' >/dev/null"
			add "dpfaudit -j$(nproc 2>/dev/null || echo '?')" "'$DPFAUDIT' scan --no-progress --rules '$RULES' '$corpus' >/dev/null"
			# The same binary on zlib's inflate, where it was built with ISA-L.
			if "$DPFAUDIT" --version 2>/dev/null | grep -q 'inflate: isa-l'; then
				add "dpfaudit -j1 (zlib)" "DPFAUDIT_INFLATE=zlib '$DPFAUDIT' scan --no-progress --rules '$RULES' -j1 '$corpus' >/dev/null"
				add "dpfaudit -j$(nproc 2>/dev/null || echo '?') (zlib)" "DPFAUDIT_INFLATE=zlib '$DPFAUDIT' scan --no-progress --rules '$RULES' '$corpus' >/dev/null"
			fi
			# The zstd and xz copies, where this build decodes them.
			for zf in "$zcorpus:zstd" "$xcorpus:xz"; do
				f=${zf%:*}
				z=${zf##*:}
				[ -s "$f" ] || continue
				"$DPFAUDIT" --version 2>/dev/null | grep -q "$z (not in this build)" && continue
				add "dpfaudit -j1 $z" "'$DPFAUDIT' scan --no-progress --rules '$RULES' -j1 '$f' >/dev/null"
				add "dpfaudit -j$(nproc 2>/dev/null || echo '?') $z" "'$DPFAUDIT' scan --no-progress --rules '$RULES' '$f' >/dev/null"
			done
			;;
		*)
			echo "run.sh: dpfaudit scan exited $rc; not timing it. stderr:" >&2
			head -20 "$out/scan.err" >&2
			;;
		esac
	fi
fi

i=0
while IFS='	' read -r name cmd; do
	i=$((i + 1))
	if [ "$have_time" = 1 ]; then
		/usr/bin/time -v sh -c "$cmd" 2>"$out/time.$i" || true
	fi
	if [ -z "${NO_HYPERFINE:-}" ] && command -v hyperfine >/dev/null 2>&1; then
		hyperfine --style none --warmup 1 --runs "$runs" --export-json "$out/hf.$i.json" \
			"$cmd" >/dev/null 2>"$out/hf.$i.err" || { echo "run.sh: hyperfine failed for $name:" >&2; cat "$out/hf.$i.err" >&2; }
	elif [ "$have_time" = 1 ]; then
		r=0
		: >"$out/times.$i"
		while [ $r -lt "$runs" ]; do
			/usr/bin/time -f '%e' -o "$out/t" sh -c "$cmd" || true
			cat "$out/t" >>"$out/times.$i"
			r=$((r + 1))
		done
	fi
	printf '%s\n' "$name" >"$out/name.$i"
done <"$cmds"

"$PYTHON" - "$out" "$i" "$nlines" "$profile" <<'EOF'
import json, os, re, statistics, sys
out, n, nlines, profile = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
rows = []
for i in range(1, n + 1):
    name = open(os.path.join(out, "name.%d" % i)).read().strip()
    mean = sd = None
    hf = os.path.join(out, "hf.%d.json" % i)
    tt = os.path.join(out, "times.%d" % i)
    if os.path.exists(hf) and os.path.getsize(hf):
        r = json.load(open(hf))["results"][0]
        mean, sd = r.get("median", r["mean"]), r.get("stddev") or 0.0
    elif os.path.exists(tt):
        ts = [float(x) for x in open(tt).read().split()]
        if ts:
            mean = statistics.median(ts)
            sd = statistics.stdev(ts) if len(ts) > 1 else 0.0
    rss = None
    tv = os.path.join(out, "time.%d" % i)
    if os.path.exists(tv):
        m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", open(tv).read())
        if m:
            rss = int(m.group(1)) / 1024
    rows.append((name, mean, sd, rss))
base = next((m for nm, m, _, _ in rows if nm == "gzip -dc"), None)
print("profile %s, %d lines" % (profile, nlines))
print("%-20s %10s %8s %9s %14s %10s" % ("command", "median s", "+/- s", "x gzip", "lines/s", "peak MiB"))
for name, mean, sd, rss in rows:
    print("%-20s %10s %8s %9s %14s %10s" % (
        name,
        "%.3f" % mean if mean is not None else "-",
        "%.3f" % sd if sd is not None else "-",
        "%.2f" % (mean / base) if mean and base else "-",
        "{:,.0f}".format(nlines / mean) if mean else "-",
        "%.1f" % rss if rss is not None else "-"))
EOF
rm -f "$out"/*
done
