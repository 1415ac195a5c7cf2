#!/bin/sh
# Campaigns end to end on the base captures in tests/data/campaign-base/
# (made with real tools by make_campaign_captures.sh: four SIPVicious kits,
# stock svmap, nmap with decoys, masscan, zmap), multiplied into many
# sources over ten days (campaign_data.sh), with every check of
# campaign_checks.sh. Runs without root; test_campaign_tools.sh makes the
# captures afresh with the tools.
set -u
scanprint=$1
case $scanprint in /*) ;; *) scanprint=$PWD/$scanprint ;; esac
SP_SOURCE=${SP_SOURCE:?}
SP_TESTDATA=${SP_TESTDATA:-$SP_SOURCE/tests/data}
for t in jq tcprewrite editcap capinfos bc /usr/bin/python3; do
	command -v "$t" >/dev/null || { echo "$t not installed" >&2; exit 77; }
done
work=$(mktemp -d /tmp/sp-campaigns.XXXXXX)
trap 'rm -rf "$work"' EXIT INT TERM
fails=0
. "$SP_SOURCE/tests/integration/campaign_data.sh"
. "$SP_SOURCE/tests/integration/campaign_checks.sh"
SP_CP_PORT=27061 campaign_checks "$SP_TESTDATA/campaign-base" "$work/run"
echo "$fails failed"
[ "$fails" = 0 ]
