# Sourced by tests that run zmap.
#
# Debian's zmap (2.1.1) sometimes aborts on a small target range:
#   lib/constraint.c:231: constraint_lookup_index: Assertion `index < con->root->count' failed.
# The address permutation it draws at random can end its walk on no valid
# address (zmap/zmap#310; fixed upstream by #786 in 2024, after Debian's
# version). Seen once in a CI run of test_campaign_tools.
#
# zmap_tries LOG COMMAND...: runs COMMAND (a zmap command line, maybe behind
# `ip netns exec` and `timeout`) with --seed 1, then 2, then 3 (each a fixed
# permutation) until it succeeds, its output in LOG. Only that assertion is
# tried again: any other failure is returned at once.
zmap_tries() {
	zt_log=$1
	shift
	for zt_seed in 1 2 3; do
		"$@" --seed "$zt_seed" >"$zt_log" 2>&1 && return 0
		grep -q "constraint_lookup_index" "$zt_log" || return 1
		echo "zmap aborted on its known assertion (zmap/zmap#310), seed $zt_seed; again" >&2
	done
	return 1
}
