#!/bin/sh
# A kit that writes a new User-Agent into every request (1500 sources, 1500
# strings) must not exhaust the analyser: every source stays attributed to
# svmap, modified; past the tables' room (448 distinct attributions in each
# of the two profiling shards) the changes read "too many different values
# to list" instead of being dropped.
set -eu
scanprint=$1
src=${SP_SOURCE:?}
command -v jq >/dev/null || { echo "jq not installed" >&2; exit 77; }
command -v python3 >/dev/null || { echo "python3 not installed" >&2; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$src/tests/data/sip-messages/svmap-0.3.3-options.sip" "$work" <<'PY'
import sys
stock = open(sys.argv[1], 'rb').read()
args = []
def word(i):  # letters: numbers would be masked as <n> and collapse
    w = ''
    for _ in range(3):
        w += chr(ord('a') + i % 26)
        i //= 26
    return w.encode()
for i in range(1500):
    msg = stock.replace(b'friendly-scanner', b'agent-' + word(i))
    path = '%s/m%d.sip' % (sys.argv[2], i)
    open(path, 'wb').write(msg)
    args.append('198.18.%d.%d:5060>192.0.2.1:5060=%s' % (i // 250, i % 250 + 1, path))
open(sys.argv[2] + '/args', 'w').write('\n'.join(args))
PY
# shellcheck disable=SC2046
python3 "$src/tests/integration/sip_pcap.py" "$work/flood.pcap" $(cat "$work/args")
"$scanprint" read -q --db "$work/db" "$work/flood.pcap"
"$scanprint" sources --db "$work/db" --json >"$work/out.jsonl"
n=$(jq -c 'select(.tools[0].tool == "sipvicious" and .tools[0].component == "svmap" and .tools[0].modified)' "$work/out.jsonl" | wc -l)
[ "$n" -eq 1500 ] || { echo "FAIL: $n of 1500 sources attributed" >&2; exit 1; }
exact=$(jq -c 'select(.tools[0].changes[0].field == "User-Agent")' "$work/out.jsonl" | wc -l)
coarse=$(jq -c 'select(.tools[0].changes[0].seen == "too many different values to list")' "$work/out.jsonl" | wc -l)
[ "$exact" -ge 448 ] && [ "$coarse" -ge 100 ] && [ $((exact + coarse)) -eq 1500 ] ||
	{ echo "FAIL: $exact exact and $coarse coarse attributions" >&2; exit 1; }
echo "flood: 1500 sources attributed ($exact with their exact change, $coarse coarse)"
