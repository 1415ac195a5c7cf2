#!/bin/sh
# Golden test: reads the capture(s) named in NAME.args (or NAME.pcap*) into a
# fresh store and compares `scanprint sources --json` with NAME.jsonl.
# SP_UPDATE_GOLDEN=1 rewrites the expected file instead.
set -eu
scanprint=$1
expected=$2
dir=$(dirname "$expected")
name=$(basename "$expected" .jsonl)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ -f "$dir/$name.args" ]; then
	files=$(sed "s|^|$dir/|" "$dir/$name.args" | tr '\n' ' ')
else
	files=$(ls "$dir/$name".pcap* "$dir/$name".pcapng* 2>/dev/null || true) # one of them may be missing
fi
# shellcheck disable=SC2086
"$scanprint" read -q --db "$work/db" $files
"$scanprint" sources --db "$work/db" --json --order ip >"$work/got.jsonl"
if [ "${SP_UPDATE_GOLDEN:-}" = 1 ]; then
	cp "$work/got.jsonl" "$expected"
	echo "updated $expected"
	exit 0
fi
if ! diff -u "$expected" "$work/got.jsonl"; then
	echo "golden $name: output differs from $expected (SP_UPDATE_GOLDEN=1 to accept)" >&2
	exit 1
fi
