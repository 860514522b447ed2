#!/bin/sh
# nothread.sh - when no thread can be started (pthread_create fails, as
# under a thread limit), scan parses on the main thread and writes the same
# report as a normal run; it used to deadlock once the chunk pool was full.
. "$(dirname "$0")/lib.sh"

: "${CC:=cc}"
if ! $CC -shared -fPIC -o "$T/shim.so" "$SRCDIR/tests/e2e/shim_nothread.c" 2>"$T/cc.err"; then
	echo "# cannot build a shared object with CC=$CC: $(head -3 "$T/cc.err")"
	exit 77
fi
# A sanitizer runtime must come first in the library list; the shim is
# preloaded on purpose.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
export ASAN_OPTIONS

# More than one chunk (8192 records) per parser, so a queue with no parser
# would fill the pool (2 * jobs + 2 * readers chunks): 80000 lines, two inputs.
python3 - "$T" <<'PY'
import gzip, sys
t = sys.argv[1]
for n, name in ((50000, "a.log"), (30000, "b.log.gz")):
    op = gzip.open if name.endswith(".gz") else open
    with op(f"{t}/{name}", "wt") as f:
        for i in range(n):
            u = ("jdoe", "mrossi", "x9")[i % 3]
            f.write(f'10.0.0.{i % 200} - {u} [20/Nov/2026:{i // 3600 % 24:02d}:{i // 60 % 60:02d}:{i % 60:02d} +0000] '
                    f'"GET /api/customers/{1000 + i % 97}/profile HTTP/1.1" 200 {i}\n')
PY

for fmt in json text; do
	# The report on stdout: the command line it quotes is the same.
	run scan -j 2 -r "$RULES" --report "$fmt" "$T/a.log" "$T/b.log.gz"
	expect_rc "normal run ($fmt)" 0
	cp "$OUT" "$T/normal.$fmt"
	rm -f "$T/mark"
	SHIM_MARK="$T/mark" LD_PRELOAD="$T/shim.so" timeout 60 "$DPFAUDIT" scan -j 2 -r "$RULES" \
		--report "$fmt" "$T/a.log" "$T/b.log.gz" >"$T/nothread.$fmt" 2>"$T/err"
	RC=$?
	if [ "$RC" = 124 ]; then bad "no thread: scan finishes ($fmt)" "timed out after 60 s (deadlock)"
	else expect_rc "no thread: scan finishes ($fmt)" 0; fi
	if [ -f "$T/mark" ]; then ok "the shim made pthread_create fail ($fmt)"
	else bad "the shim made pthread_create fail ($fmt)" "pthread_create was not interposed"; fi
	if cmp -s "$T/normal.$fmt" "$T/nothread.$fmt"; then ok "no thread: same $fmt report as a normal run"
	else bad "no thread: same $fmt report as a normal run" "$(diff "$T/normal.$fmt" "$T/nothread.$fmt" | head -10)"; fi
done
finish
