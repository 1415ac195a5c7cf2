#!/bin/sh
# Sourced by the ClickHouse tests (and bench/clickhouse.sh): starts Debian's
# clickhouse-server on loopback with its data in a temporary directory, and
# stops it again. Ports: $SP_CH_HTTP (18123), $SP_CH_TCP (19000),
# $SP_CH_INTER (19009), so that other servers on this machine are left alone.
#
#   ch_require          exit 77 with a loud SKIPPED line if there is no server
#   ch_start DIR        config in DIR, data in DIR/data; waits until it answers
#   ch_stop / ch_kill   SIGTERM (waits) / SIGKILL, as a crash would
#   ch_freeze / ch_thaw SIGSTOP / SIGCONT: a server that does not answer
#   ch_query SQL        runs SQL as the default user, prints the answer
#   ch_url [DB]         clickhouse://sp:PASSWORD@127.0.0.1:PORT/DB
SP_CH_HTTP=${SP_CH_HTTP:-18123}
SP_CH_TCP=${SP_CH_TCP:-19000}
SP_CH_INTER=${SP_CH_INTER:-19009}
SP_CH_PASSWORD='s3cret:p@ss/wd'
SP_CH_PASSWORD_URL='s3cret%3Ap%40ss%2Fwd'
# $SP_CH_SERVER names another server binary ("" pretends there is none)
CH_SERVER=${SP_CH_SERVER-$(command -v clickhouse-server 2>/dev/null || ls /usr/sbin/clickhouse-server 2>/dev/null || true)}

ch_require() {
	if [ -z "$CH_SERVER" ] || ! command -v curl >/dev/null 2>&1; then
		echo "***************************************************************" >&2
		echo "*** SKIPPED: clickhouse-server (or curl) is not installed:   ***" >&2
		echo "*** the ClickHouse store was NOT tested on this machine.     ***" >&2
		echo "*** apt-get install clickhouse-server clickhouse-client curl ***" >&2
		echo "***************************************************************" >&2
		exit 77
	fi
}

ch_config() {
	dir=$1
	mkdir -p "$dir/data" "$dir/tmp" "$dir/log" "$dir/user_files"
	cat >"$dir/config.xml" <<XML
<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>$dir/log/server.log</log><errorlog>$dir/log/err.log</errorlog><size>50M</size><count>1</count></logger>
  <listen_host>127.0.0.1</listen_host>
  <http_port>$SP_CH_HTTP</http_port>
  <tcp_port>$SP_CH_TCP</tcp_port>
  <interserver_http_port>$SP_CH_INTER</interserver_http_port>
  <interserver_http_host>127.0.0.1</interserver_http_host>
  <max_connections>256</max_connections>
  <keep_alive_timeout>10</keep_alive_timeout>
  <max_concurrent_queries>50</max_concurrent_queries>
  <uncompressed_cache_size>67108864</uncompressed_cache_size>
  <mark_cache_size>67108864</mark_cache_size>
  <path>$dir/data/</path>
  <tmp_path>$dir/tmp/</tmp_path>
  <user_files_path>$dir/user_files/</user_files_path>
  <format_schema_path>$dir/format_schemas/</format_schema_path>
  <users_config>$dir/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mlock_executable>false</mlock_executable>
</yandex>
XML
	cat >"$dir/users.xml" <<XML
<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>4000000000</max_memory_usage></default><readonly><readonly>1</readonly></readonly></profiles>
  <users>
    <default><password></password><networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></default>
    <sp><password>$SP_CH_PASSWORD</password><networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></sp>
    <reader><password>r3ader</password><networks><ip>127.0.0.1</ip></networks><profile>readonly</profile><quota>default</quota></reader>
  </users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
XML
}

ch_ping() {
	[ "$(curl -s -m 2 "http://127.0.0.1:$SP_CH_HTTP/ping" 2>/dev/null)" = "Ok." ]
}

ch_start() {
	CH_DIR=$1
	[ -f "$CH_DIR/config.xml" ] || ch_config "$CH_DIR"
	if ch_ping; then
		echo "ch_start: something already answers on 127.0.0.1:$SP_CH_HTTP; set SP_CH_HTTP" >&2
		return 1
	fi
	"$CH_SERVER" --config-file="$CH_DIR/config.xml" >"$CH_DIR/log/stdout" 2>&1 &
	CH_PID=$!
	i=0
	while ! ch_ping; do
		i=$((i + 1))
		if [ $i -gt 150 ] || ! kill -0 "$CH_PID" 2>/dev/null; then
			echo "ch_start: clickhouse-server did not start:" >&2
			tail -n 20 "$CH_DIR/log/err.log" "$CH_DIR/log/stdout" >&2 2>/dev/null
			return 1
		fi
		sleep 0.2
	done
}

ch_wait_gone() {
	i=0
	while kill -0 "$CH_PID" 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt 150 ] && kill -KILL "$CH_PID" 2>/dev/null
		sleep 0.2
	done
	wait "$CH_PID" 2>/dev/null || true
}

ch_stop() {
	[ -n "${CH_PID:-}" ] || return 0
	kill -CONT "$CH_PID" 2>/dev/null || true
	kill -TERM "$CH_PID" 2>/dev/null || true
	ch_wait_gone
	CH_PID=
}

ch_kill() {
	kill -KILL "$CH_PID" 2>/dev/null || true
	ch_wait_gone
	CH_PID=
}

ch_freeze() {
	kill -STOP "$CH_PID"
}

ch_thaw() {
	kill -CONT "$CH_PID"
}

ch_query() {
	printf '%s' "$1" | curl -sS --data-binary @- "http://127.0.0.1:$SP_CH_HTTP/"
}

ch_url() {
	echo "clickhouse://sp:$SP_CH_PASSWORD_URL@127.0.0.1:$SP_CH_HTTP/${1:-scanprint}"
}
