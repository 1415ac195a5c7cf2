#!/bin/sh
# Installs the Debian packages a make target needs, only if some are missing.
# usage: scripts/deps.sh build|run|test
set -eu
build="build-essential cmake pkg-config libpcap-dev libsqlite3-dev libcurl4-openssl-dev
       zlib1g-dev libzstd-dev liblzma-dev"
run="$build gzip"
test="$build bc hyperfine libcmocka-dev clang libclang-rt-14-dev sqlite3 jq zstd xz-utils iproute2 procps
      tcpdump tcpreplay tshark p0f wireshark-common python3 sipvicious sipsak nmap masscan zmap sip-tester
      iputils-ping bsdutils bsdextrautils man-db groff-base
      clickhouse-server clickhouse-client curl chromium"
case "${1:-build}" in
build) want=$build ;;
run) want=$run ;;
test) want=$test ;;
*) echo "usage: $0 build|run|test" >&2; exit 2 ;;
esac
missing=""
for p in $want; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "scanprint: missing Debian packages:$missing" >&2
	echo "scanprint: run as root, or: sudo apt-get install$missing" >&2
	exit 1
fi
echo "scanprint: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends $missing
