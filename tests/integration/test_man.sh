#!/bin/sh
# The man page renders without warnings and documents every command and
# every option that the commands' --help shows, the store, the exit status
# and the JSON fields of the contract.
. "$(dirname "$0")/lib.sh"

command -v man >/dev/null && command -v groff >/dev/null && command -v col >/dev/null || { echo "man/groff missing" >&2; exit 77; }
PAGE=$SP_SOURCE/man/scanprint.1
check "the page exists" test -s "$PAGE"
groff -man -Tutf8 -ww -z "$PAGE" 2>"$WORK/warn"
check "groff: no warnings: $(head -3 "$WORK/warn")" test ! -s "$WORK/warn"
MANWIDTH=100 man -l "$PAGE" >"$WORK/page" 2>"$WORK/err"
check "man -l renders" grep -q "^NAME" "$WORK/page"
col -bx <"$WORK/page" >"$WORK/text" # plain text, no overstrikes
for section in SYNOPSIS DESCRIPTION COMMANDS STORE "JSON OUTPUT" "EXIT STATUS" ENVIRONMENT EXAMPLES; do
	check "section $section" grep -q "^$section" "$WORK/text"
done
"$SP" --help | sed -n 's/^  \([a-z]*\) .*/\1/p' >"$WORK/commands"
check "commands listed" test -s "$WORK/commands"
for cmd in $(cat "$WORK/commands"); do
	check "command $cmd documented" grep -q "^   $cmd" "$WORK/text"
	for opt in $("$SP" "$cmd" --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do
		check "$cmd $opt documented" grep -q -- "$opt" "$WORK/text"
	done
done
for key in ip first_seen last_seen packets targets ports tools tool component version modified \
	changes confidence evidence processes local_addresses ip_id ttl os campaign sip; do
	check "JSON field $key documented" grep -qw -- "$key" "$WORK/text"
done
check "SCANPRINT_DB documented" grep -q SCANPRINT_DB "$WORK/text"
finish
