#!/bin/sh
# banned.sh - every source file of analyzer/ includes common.h first, and
# common.h makes the banned libc calls compile errors (banned.h).
. "$(dirname "$0")/lib.sh"

# 1. common.h is the first #include of every analyzer/*.c.
missing=
for f in "$SRCDIR"/analyzer/*.c; do
	first=$(grep -m1 '^#include' "$f")
	[ "$first" = '#include "common.h"' ] || missing="$missing $(basename "$f")"
done
if [ -z "$missing" ]; then ok "common.h is the first include of every analyzer/*.c"
else bad "common.h is the first include of every analyzer/*.c" "not first in:$missing"; fi

# 2. The ban bites: strcpy and sprintf do not compile after common.h, the
#    same file with memcpy/snprintf does (so a failure is the ban, not the setup).
: "${CC:=cc}"
if ! command -v "${CC%% *}" >/dev/null 2>&1; then
	echo "# no C compiler (CC=$CC): the ban is not tried"
	exit 77
fi
cat >"$T/good.c" <<'C'
#include "common.h"
int main(void) { char a[8]; snprintf(a, sizeof(a), "%s", "x"); memcpy(a, "y", 2); return a[0] != 'y'; }
C
if $CC -I"$SRCDIR/analyzer" -c -o "$T/good.o" "$T/good.c" 2>"$T/good.err"; then ok "allowed calls compile after common.h"
else bad "allowed calls compile after common.h" "$(head -5 "$T/good.err")"; fi
for call in 'strcpy(a, "x")' 'sprintf(a, "%d", 1)' 'strcat(a, "x")' 'strncpy(a, "x", 1)' 'gmtime(&t)'; do
	cat >"$T/bad.c" <<C
#include "common.h"
int main(void) { char a[8] = ""; time_t t = 0; (void)t; $call; return a[0]; }
C
	if $CC -I"$SRCDIR/analyzer" -c -o "$T/bad.o" "$T/bad.c" 2>"$T/bad.err"; then
		bad "banned: $call" "compiled"
	elif grep -q 'is_a_banned_function' "$T/bad.err"; then ok "banned: $call"
	else bad "banned: $call" "failed for another reason: $(head -3 "$T/bad.err")"; fi
done
finish
