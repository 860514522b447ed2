#!/bin/sh
# missing_deps.sh - run by `make check` only when configure found no Check
# or no Jansson: says what is missing and which unit tests were not built,
# then reports SKIP (77), so a build without them is never mistaken for a
# fully tested one.  DPF_MISSING_DEPS: "Check_(package_check) ..." (one
# word each, '_' for spaces); DPF_SKIPPED_TESTS: the test programs.
missing=$(echo "${DPF_MISSING_DEPS:-}" | tr '_' ' ' | sed 's/) /), /g')
echo "missing: ${missing:-nothing}"
echo "unit tests skipped:"
for t in ${DPF_SKIPPED_TESTS:-}; do echo "  $t"; done
echo "install the missing packages and re-run ./configure to run them"
exit 77
