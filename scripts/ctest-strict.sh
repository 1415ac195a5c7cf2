#!/bin/sh
# Runs CTest in a build directory and fails when a test was skipped.
# usage: scripts/ctest-strict.sh BUILD_DIR [ctest arguments...]
#
# A test skips (exit 77) when a tool or package it needs is missing. `make
# test` installs every one of them first (scripts/deps.sh test), so a skip
# there means the list of packages and the tests have drifted apart, and the
# test would otherwise count as passed without having run: CTest's summary
# says "100% tests passed" with skipped tests among them. SP_ALLOW_SKIP=1
# lets skips through, still listed, for a machine where some package cannot
# be had (the ClickHouse tests then say "skipped" and why).
set -u
dir=$1
shift
log=$(mktemp)
trap 'rm -f "$log" "$log.rc"' EXIT INT TERM
{
	(cd "$dir" && ctest "$@")
	echo $? >"$log.rc"
} 2>&1 | tee "$log"
rc=$(cat "$log.rc" 2>/dev/null || echo 1)
skipped=$(grep -E '^[[:space:]]+[0-9]+ - .* \((Skipped|Disabled|Not Run)\)' "$log" |
	sed -E 's/^[[:space:]]+[0-9]+ - //')
if [ -n "$skipped" ]; then
	echo "ctest-strict: tests that did not run in $dir:" >&2
	echo "$skipped" | sed 's/^/  /' >&2
	for t in $(echo "$skipped" | sed -E 's/ \(.*//'); do
		# what the test printed on why it skipped (its output in CTest's log)
		why=$(awk -v t="$t" '
			$0 ~ /^[0-9]+\/[0-9]+ Test: / { cur = substr($0, index($0, ": ") + 2); out = 0; next }
			cur == t && /^<end of output>/ { out = 0; cur = ""; next }
			cur == t && out == 1 && !/^-+$/ { print }
			cur == t && /^Output:/ { out = 1 }
		' "$dir/Testing/Temporary/LastTest.log" 2>/dev/null | tail -3)
		[ -n "$why" ] && echo "  $t: $why" >&2
	done
	if [ "${SP_ALLOW_SKIP:-0}" != 1 ]; then
		echo "ctest-strict: a skipped test has not passed; install what it needs" \
			"(scripts/deps.sh test) or set SP_ALLOW_SKIP=1" >&2
		[ "$rc" = 0 ] && rc=1
	fi
fi
exit "$rc"
