# The campaign tests' data (sourced, POSIX sh): many sources over ten days,
# made from the base captures of real tools (make_campaign_captures.sh) by
# giving each copy its own source address (tcprewrite --pnat: the replies
# follow) and its own day (editcap -t), one capture file per source and day.
#
#   campaign_dataset BASE OUT   writes OUT/NNN-what-day.pcap, one per event
#
# Days are counted from 2010-06-30 (UTC); the plan, and what the tests
# expect of it:
#   stock svmap  198.18.7.7 every day, and a new one (198.18.8.D+1) on even days
#   zmap         a new source every day (198.18.9.D+1)
#   kit B        198.18.20.1-2 on day 1, 198.18.21.3 on day 3, 198.18.20.1 again on day 5
#   nmap decoys  198.18.40.6, .60, .61 on day 2 (one scan)
#   masscan      198.18.50.1-5 on day 3 (one run: one source port)
#   kit C        198.18.30.4 on day 4 (a single scanner)
#   kit D        100.110.1.1-3 on day 5, 100.110.2.1-3 on day 6 (the sundayddr
#                copy with another User-Agent: the same 192.168.1.9)
#   kit A        30 members, each in its own /16 of 100.64.0.0/10: 2 new on
#                day 6, 3 on day 7, 10 on day 8, 15 on day 9; members 0-1 are
#                active again on days 8 and 9, members 2-4 on day 9; odd
#                members also knock on 22/tcp (kitA_ssh)
# So kit A's growth is new 2, 3, 10, 15 and active 2, 3, 12, 20 on days 6-9,
# and 5060/udp rises significantly on 2010-07-08 and 2010-07-09.

CAMP_D0=$(date -u -d 2010-06-30 +%s)
CAMP_A_SIZE=30
# the prefix of the base captures: the committed ones were made in 10.206.0.0/16
CAMP_NET=${CAMP_NET:-10.206}

# kit A member i's address
camp_a_addr() {
	echo "100.$((64 + $1)).$(($1 * 7 % 250 + 1)).$(($1 * 13 % 250 + 1))"
}

# camp_event OUT N BASE DAY MAP...: one copy of BASE on DAY, addresses
# mapped old=new (both directions)
camp_event() {
	ce_out=$1
	ce_n=$2
	ce_base=$3
	ce_day=$4
	shift 4
	ce_pnat=""
	for ce_m in "$@"; do
		ce_pnat="$ce_pnat${ce_pnat:+,}${ce_m%%=*}/32:${ce_m#*=}/32"
	done
	ce_f=$(printf '%s/%03d-%s-d%d.pcap' "$ce_out" "$ce_n" "$(basename "$ce_base" .pcap)" "$ce_day")
	ce_first=$(capinfos -a -T -r -S "$ce_base" | cut -f2)
	# the event starts on its day, at an hour that spreads events apart
	ce_want=$((CAMP_D0 + ce_day * 86400 + 3600 * (1 + ce_n % 20) + ce_n * 7))
	ce_shift=$(echo "$ce_want - $ce_first" | bc)
	tcprewrite --pnat="$ce_pnat" --fixcsum --infile="$ce_base" --outfile="$ce_f.tmp" ||
		{ echo "tcprewrite failed: $ce_base" >&2; return 1; }
	editcap -t "$ce_shift" "$ce_f.tmp" "$ce_f" >/dev/null || { echo "editcap failed" >&2; return 1; }
	rm -f "$ce_f.tmp"
}

campaign_dataset() {
	b=$1
	o=$2
	mkdir -p "$o"
	n=0
	ev() { # base day map...
		n=$((n + 1))
		camp_event "$o" "$n" "$b/$1.pcap" "$2" "$3" ${4:+"$4"} ${5:+"$5"} || return 1
	}
	for d in 0 1 2 3 4 5 6 7 8 9; do
		ev stock "$d" "$CAMP_NET.1.5=198.18.7.7" || return 1
		if [ $((d % 2)) = 0 ]; then ev stock "$d" "$CAMP_NET.1.5=198.18.8.$((d + 1))" || return 1; fi
		ev zmap "$d" "$CAMP_NET.1.9=198.18.9.$((d + 1))" || return 1
	done
	ev kitB 1 "$CAMP_NET.1.2=198.18.20.1" && ev kitB 1 "$CAMP_NET.1.2=198.18.20.2" &&
		ev kitB 3 "$CAMP_NET.1.2=198.18.21.3" && ev kitB 5 "$CAMP_NET.1.2=198.18.20.1" || return 1
	ev nmap_decoys 2 "$CAMP_NET.1.6=198.18.40.6" "$CAMP_NET.1.60=198.18.40.60" "$CAMP_NET.1.61=198.18.40.61" ||
		return 1
	for k in 1 2 3 4 5; do ev masscan 3 "$CAMP_NET.1.7=198.18.50.$k" || return 1; done
	ev kitC 4 "$CAMP_NET.1.4=198.18.30.4" || return 1
	for k in 1 2 3; do ev kitD 5 "$CAMP_NET.1.3=100.110.1.$k" && ev kitD 6 "$CAMP_NET.1.3=100.110.2.$k" ||
		return 1; done
	i=0
	while [ $i -lt $CAMP_A_SIZE ]; do
		day=9
		[ $i -lt 15 ] && day=8
		[ $i -lt 5 ] && day=7
		[ $i -lt 2 ] && day=6
		if [ $((i % 2)) = 1 ]; then kb=kitA_ssh from=$CAMP_NET.1.11; else kb=kitA from=$CAMP_NET.1.1; fi
		a=$(camp_a_addr $i)
		ev $kb $day "$from=$a" || return 1
		if [ $i -lt 2 ]; then ev $kb 8 "$from=$a" && ev $kb 9 "$from=$a" || return 1; fi
		if [ $i -ge 2 ] && [ $i -lt 5 ]; then ev $kb 9 "$from=$a" || return 1; fi
		i=$((i + 1))
	done
}
