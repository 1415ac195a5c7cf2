#!/bin/sh
# Campaigns end to end with real tools: Debian's svmap and copies of it
# edited as attackers do (four kits), nmap with decoys, masscan and zmap,
# run in network namespaces (spc9-*, 10.209.0.0/16) and captured
# (make_campaign_captures.sh); then many sources over ten days made from
# those captures (campaign_data.sh) and every check of campaign_checks.sh:
# campaigns, growth, trends, the report in Chromium, Suricata rules.
# Needs root; exit 77 without it.
set -u
scanprint=$1
case $scanprint in /*) ;; *) scanprint=$PWD/$scanprint ;; esac
SP_SOURCE=${SP_SOURCE:?}
SP_TESTDATA=${SP_TESTDATA:-$SP_SOURCE/tests/data}
for t in jq tcprewrite editcap capinfos bc; do
	command -v "$t" >/dev/null || { echo "$t not installed" >&2; exit 77; }
done
work=$(mktemp -d /tmp/sp-camptools.XXXXXX)
trap 'rm -rf "$work"' EXIT INT TERM
fails=0
export CAMP_NET=10.209 # this test's own prefix (the committed captures are in 10.206)
sh "$SP_SOURCE/tests/integration/make_campaign_captures.sh" "$work/base"
rc=$?
[ $rc = 77 ] && exit 77
[ $rc = 0 ] || { echo "FAIL: the real tools' captures" >&2; exit 1; }
. "$SP_SOURCE/tests/integration/campaign_data.sh"
. "$SP_SOURCE/tests/integration/campaign_checks.sh"
SP_CP_PORT=27062 campaign_checks "$work/base" "$work/run"
echo "$fails failed"
[ "$fails" = 0 ]
