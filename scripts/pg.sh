#!/usr/bin/env bash
# pg.sh — a throwaway local PostgreSQL 15 cluster for demos, tests and benchmarks.
#
#   scripts/pg.sh start DIR    start a cluster, write DIR/env, print the DATABASE_URL line
#   scripts/pg.sh stop DIR     stop the cluster recorded in DIR and delete its files
#   scripts/pg.sh status DIR   exit 0 if the cluster recorded in DIR accepts connections
#
# The cluster itself always lives in a private directory /tmp/scolpass-pg.XXXXXX
# (so that the `postgres` OS user can reach it and the socket path stays short);
# DIR only holds pointers to it:
#   DIR/cluster   path of the real cluster directory
#   DIR/port      TCP port (127.0.0.1 only)
#   DIR/env       shell lines to source: DATABASE_URL and PGHOST/PGPORT/PGUSER/PGDATABASE
#   DIR/data, DIR/sock, DIR/pg.log   symlinks into the real cluster directory
#
# It is throwaway: fsync, synchronous_commit and full_page_writes are off,
# authentication is `trust` for local connections. Never point it at real data.
#
# PostgreSQL refuses to run as root, so when run as root the server runs as the
# `postgres` OS user (created if needed). If the server binaries are missing,
# they are installed with apt-get (root only, or password-less sudo).
#
# Environment:
#   SCOLPASS_PG_BIN        server binaries (default /usr/lib/postgresql/15/bin)
#   SCOLPASS_PG_PORT_BASE  first TCP port tried (default 54329)
set -euo pipefail

PG_BIN=${SCOLPASS_PG_BIN:-/usr/lib/postgresql/15/bin}
PORT_BASE=${SCOLPASS_PG_PORT_BASE:-54329}
PORT_TRIES=200
LOCK_FILE=/tmp/scolpass-pg-port.$(id -u).lock

prog=$(basename "$0")

log() { printf '%s: %s\n' "$prog" "$*" >&2; }
die() { log "error: $*"; exit 1; }

usage() {
	cat >&2 <<EOF
usage: $prog start DIR    start a throwaway PostgreSQL, write DIR/env, print the DATABASE_URL line
       $prog stop DIR     stop the cluster started in DIR and remove its files
       $prog status DIR   exit 0 if that cluster accepts connections
EOF
	exit 2
}

# as_root runs a command as root: directly, or through password-less sudo.
as_root() {
	if [[ $EUID -eq 0 ]]; then
		"$@"
	elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
		sudo -n "$@"
	else
		die "need root to run: $* (run as root, or install it first)"
	fi
}

# as_pg runs a command as the OS user that owns the cluster (PG_USER when
# root), from a directory it can read, with file descriptor 9 (our lock)
# closed so that a long-lived postmaster never inherits it.
PG_USER=postgres
as_pg() {
	if [[ $EUID -eq 0 ]]; then
		(cd / && runuser -u "$PG_USER" -- "$@") 9>&-
	else
		(cd / && "$@") 9>&-
	fi
}

apt_install() {
	local out
	out=$(mktemp)
	export DEBIAN_FRONTEND=noninteractive
	if as_root apt-get -qq -o DPkg::Lock::Timeout=300 update >"$out" 2>&1 &&
		as_root apt-get -qq -o DPkg::Lock::Timeout=300 install -y --no-install-recommends "$@" >>"$out" 2>&1; then
		rm -f "$out"
		return 0
	fi
	cat "$out" >&2
	rm -f "$out"
	return 1
}

ensure_server() {
	if [[ ! -x $PG_BIN/initdb ]]; then
		log "PostgreSQL server binaries not found in $PG_BIN: installing them with apt-get"
		apt_install postgresql-15 || apt_install postgresql ||
			die "could not install the PostgreSQL server (apt-get install postgresql-15)"
		[[ -x $PG_BIN/initdb ]] || die "PostgreSQL was installed but $PG_BIN/initdb is still missing (set SCOLPASS_PG_BIN)"
	fi
	if [[ $EUID -eq 0 ]] && ! id -u postgres >/dev/null 2>&1; then
		log "creating the postgres OS user"
		useradd --system --user-group --home-dir /var/lib/postgresql --no-create-home \
			--shell /bin/bash postgres
	fi
}

# port_in_use reports whether something listens on 127.0.0.1:PORT (or any address).
port_in_use() {
	local port=$1
	if command -v ss >/dev/null 2>&1; then
		ss -Hltn 2>/dev/null | awk '{print $4}' | grep -Eq "[:.]${port}\$" && return 0
	fi
	# Fall back to a connection attempt, with bash's /dev/tcp.
	if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
		return 0
	fi
	return 1
}

# valid_cluster_path accepts only directories this script creates.
valid_cluster_path() {
	[[ $1 =~ ^/tmp/scolpass-pg\.[A-Za-z0-9]+$ ]]
}

read_cluster() {
	local dir=$1
	[[ -f $dir/cluster ]] || return 1
	local c
	c=$(<"$dir/cluster")
	valid_cluster_path "$c" || die "$dir/cluster names \"$c\", which this script did not create; refusing to touch it"
	printf '%s\n' "$c"
}

is_running() {
	local cluster=$1 port
	[[ -f $cluster/data/postmaster.pid ]] || return 1
	port=$(sed -n 4p "$cluster/data/postmaster.pid" 2>/dev/null || true)
	[[ -n $port ]] || return 1
	"$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$port" -t 2 >/dev/null 2>&1
}

print_url() {
	grep '^export DATABASE_URL=' "$1/env"
}

cmd_start() {
	local dir=$1
	ensure_server
	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd -P)

	local old
	if old=$(read_cluster "$dir"); then
		if [[ -d $old ]] && is_running "$old" && [[ -f $dir/env ]]; then
			log "a cluster is already running for $dir (data in $old)"
			print_url "$dir"
			return 0
		fi
		log "cleaning up a stale cluster record in $dir"
		cmd_stop "$dir" >/dev/null 2>&1 || true
		mkdir -p "$dir"
	fi

	local cluster
	cluster=$(mktemp -d /tmp/scolpass-pg.XXXXXX)
	chmod 700 "$cluster"
	mkdir -p "$cluster/data" "$cluster/sock"
	touch "$cluster/pg.log"
	if [[ $EUID -eq 0 ]]; then
		chown -R postgres:postgres "$cluster"
	fi
	chmod 700 "$cluster/data"
	printf '%s\n' "$cluster" >"$dir/cluster"
	ln -sfn "$cluster/data" "$dir/data"
	ln -sfn "$cluster/sock" "$dir/sock"
	ln -sfn "$cluster/pg.log" "$dir/pg.log"

	local locale=C.UTF-8
	if ! locale -a 2>/dev/null | grep -qix 'c\.utf-\?8'; then
		locale=C
	fi
	if ! as_pg env LC_ALL=C "$PG_BIN/initdb" -D "$cluster/data" -U postgres \
		--auth=trust --encoding=UTF8 --locale="$locale" --no-sync \
		>"$cluster/initdb.log" 2>&1; then
		cat "$cluster/initdb.log" >&2
		cmd_stop "$dir" >/dev/null 2>&1 || true
		die "initdb failed (log above)"
	fi

	cat >>"$cluster/data/postgresql.conf" <<EOF

# --- scolpass throwaway cluster (scripts/pg.sh): never use for real data ---
listen_addresses = '127.0.0.1'
unix_socket_directories = '$cluster/sock'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
logging_collector = off
EOF

	# Choose a port and start, serialized between concurrent invocations;
	# if the port is taken between the check and the bind, try the next one.
	local port=$PORT_BASE tries=0 started=
	exec 9>>"$LOCK_FILE"
	if command -v flock >/dev/null 2>&1; then
		flock -w 120 9 || true
	fi
	while ((tries < PORT_TRIES)); do
		if port_in_use "$port"; then
			port=$((port + 1)) tries=$((tries + 1))
			continue
		fi
		printf 'port = %d\n' "$port" >>"$cluster/data/postgresql.conf"
		: >"$cluster/pg.log"
		if as_pg "$PG_BIN/pg_ctl" -D "$cluster/data" -l "$cluster/pg.log" -w -t 60 start >/dev/null 2>&1; then
			started=1
			break
		fi
		if grep -qiE 'could not bind|address already in use|could not create any TCP/IP sockets' "$cluster/pg.log"; then
			port=$((port + 1)) tries=$((tries + 1))
			continue
		fi
		break
	done
	exec 9>&-
	if [[ -z $started ]]; then
		tail -n 30 "$cluster/pg.log" >&2 || true
		cmd_stop "$dir" >/dev/null 2>&1 || true
		die "PostgreSQL did not start (log above)"
	fi

	local i
	for ((i = 0; i < 60; i++)); do
		"$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$port" -t 1 && break
		sleep 0.5
	done
	"$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$port" -t 5 || {
		cmd_stop "$dir" >/dev/null 2>&1 || true
		die "PostgreSQL started but does not accept connections on 127.0.0.1:$port"
	}

	printf '%s\n' "$port" >"$dir/port"
	local tmp="$dir/env.tmp.$$"
	cat >"$tmp" <<EOF
# throwaway PostgreSQL started by scripts/pg.sh; data in $cluster
# stop it with: scripts/pg.sh stop $dir
export DATABASE_URL='postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable'
export PGHOST=127.0.0.1 PGPORT=$port PGUSER=postgres PGDATABASE=postgres
EOF
	mv -f "$tmp" "$dir/env"
	log "PostgreSQL listening on 127.0.0.1:$port (data in $cluster); source $dir/env"
	print_url "$dir"
}

cmd_stop() {
	local dir=$1
	if [[ ! -d $dir ]]; then
		log "nothing to stop: $dir does not exist"
		return 0
	fi
	dir=$(cd "$dir" && pwd -P)
	local cluster
	if ! cluster=$(read_cluster "$dir"); then
		log "nothing to stop: no cluster recorded in $dir"
		return 0
	fi

	if [[ -f $cluster/data/postmaster.pid ]]; then
		if [[ $EUID -eq 0 ]]; then
			PG_USER=$(stat -c %U "$cluster/data")
		fi
		if ! as_pg "$PG_BIN/pg_ctl" -D "$cluster/data" -m fast -w -t 60 stop >/dev/null 2>&1; then
			as_pg "$PG_BIN/pg_ctl" -D "$cluster/data" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
		fi
		# Last resort: kill that postmaster (and only it), checked by its data dir.
		if [[ -f $cluster/data/postmaster.pid ]]; then
			local pid
			pid=$(sed -n 1p "$cluster/data/postmaster.pid" 2>/dev/null || true)
			if [[ $pid =~ ^[0-9]+$ ]] && [[ -r /proc/$pid/cmdline ]] &&
				tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF "$cluster/data"; then
				log "postmaster $pid did not stop; killing it"
				kill -KILL "$pid" 2>/dev/null || true
				sleep 1
			fi
		fi
	fi

	rm -rf -- "$cluster"
	rm -f -- "$dir/cluster" "$dir/port" "$dir/env" "$dir/data" "$dir/sock" "$dir/pg.log"
	rmdir -- "$dir" 2>/dev/null || true
	log "stopped the cluster of $dir and removed $cluster"
}

cmd_status() {
	local dir=$1 cluster
	cluster=$(read_cluster "$dir") || { log "no cluster recorded in $dir"; return 1; }
	if is_running "$cluster"; then
		print_url "$dir"
		return 0
	fi
	log "the cluster of $dir is not running"
	return 1
}

[[ $# -eq 2 ]] || usage
case $1 in
start) cmd_start "$2" ;;
stop) cmd_stop "$2" ;;
status) cmd_status "$2" ;;
*) usage ;;
esac
