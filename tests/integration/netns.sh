# Two network namespaces joined by a veth pair, for real tools to scan
# (sourced, POSIX sh). Names start with spt2, addresses are in 10.203.0.0/24
# and nothing else is reachable from inside: no default route, no uplink.
#   netns_up TAG N   scanner spt2TAGs (10.203.0.N, veth spt2TAGs0) and
#                    target spt2TAGt (10.203.0.N+1, veth spt2TAGt0)
#   netns_down TAG
# After netns_up: NS_S, NS_T (namespaces), IF_S, IF_T (interfaces),
# IP_S, IP_T (addresses), MAC_S, MAC_T.

netns_up() {
	tag=$1
	NS_S=spt2${tag}s NS_T=spt2${tag}t IF_S=spt2${tag}s0 IF_T=spt2${tag}t0
	IP_S=10.203.0.$2 IP_T=10.203.0.$(($2 + 1))
	netns_down "$tag"
	ip netns add "$NS_S" && ip netns add "$NS_T" || return 1
	ip link add "$IF_S" netns "$NS_S" type veth peer name "$IF_T" netns "$NS_T" || return 1
	ip -n "$NS_S" addr add "$IP_S/24" dev "$IF_S"
	ip -n "$NS_T" addr add "$IP_T/24" dev "$IF_T"
	for ns in "$NS_S" "$NS_T"; do
		ip -n "$ns" link set lo up
	done
	ip -n "$NS_S" link set "$IF_S" up
	ip -n "$NS_T" link set "$IF_T" up
	# no IPv6 router solicitations or DAD chatter in the captures
	ip netns exec "$NS_S" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	ip netns exec "$NS_T" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	MAC_S=$(ip -n "$NS_S" -br link show "$IF_S" | awk '{print $3}')
	MAC_T=$(ip -n "$NS_T" -br link show "$IF_T" | awk '{print $3}')
	# static neighbours: no ARP in the captures either
	ip -n "$NS_S" neigh replace "$IP_T" lladdr "$MAC_T" dev "$IF_S" nud permanent
	ip -n "$NS_T" neigh replace "$IP_S" lladdr "$MAC_S" dev "$IF_T" nud permanent
	# wait until both ends are up
	i=0
	while [ $i -lt 50 ] && ! ip netns exec "$NS_S" ping -c1 -W1 "$IP_T" >/dev/null 2>&1; do
		sleep 0.1
		i=$((i + 1))
	done
}

netns_down() {
	ip netns del "spt2${1}s" 2>/dev/null
	ip netns del "spt2${1}t" 2>/dev/null
	return 0
}

netns_possible() {
	[ "$(id -u)" = 0 ] && ip netns add spt2probe 2>/dev/null && ip netns del spt2probe
}
