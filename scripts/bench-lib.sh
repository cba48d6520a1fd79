# bench-lib.sh — what the benchmark scripts share; sourced, not run.
#
# After `source scripts/bench-lib.sh` a script has: prog, usage, die, note;
# then, once its arguments are parsed:
#   bench_setup NAME     cd to the repository, make $work (removed on exit,
#                        with the cluster), trap signals
#   bench_build          $SCOLPASS: $SCOLPASS_BIN, else a fresh bin/scolpass
#   bench_students N S   $work/students.csv: N generated students, seed S
#   bench_pg DB          a throwaway PostgreSQL with database DB; exports
#                        DATABASE_URL and the PG* variables; defines sql()
# shellcheck shell=bash

prog=$(basename "$0")
usage() { sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//' >&2; exit 2; }
die() { echo "$prog: $*" >&2; exit 1; }
note() { echo "$prog: $*" >&2; }

bench_setup() {
	root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
	cd "$root" || exit 1
	PG_BIN=${SCOLPASS_PG_BIN:-/usr/lib/postgresql/15/bin}
	work=$(mktemp -d "${BENCH_TMPDIR:-/tmp}/scolpass-$1.XXXXXX")
	trap bench_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

# shellcheck disable=SC2317 # called by the EXIT trap
bench_cleanup() {
	"$root/scripts/pg.sh" stop "$work/pg" >/dev/null 2>&1 || true
	rm -rf -- "$work"
}

bench_build() {
	SCOLPASS=${SCOLPASS_BIN:-}
	if [[ -z $SCOLPASS ]]; then
		note "building bin/scolpass"
		CGO_ENABLED=0 go build -o bin/scolpass.link ./cmd/scolpass || die "go build ./cmd/scolpass failed"
		go run ./scripts/place-binary bin/scolpass.link bin/scolpass || die "scripts/place-binary failed"
		SCOLPASS=$root/bin/scolpass
	fi
}

bench_students() {
	file=$work/students.csv
	note "generating $1 students (seed $2)"
	go run ./scripts/gen-students -n "$1" -seed "$2" -delim ';' >"$file"
}

bench_pg() {
	note "starting a throwaway PostgreSQL"
	"$root/scripts/pg.sh" start "$work/pg" >/dev/null
	# shellcheck disable=SC1091
	source "$work/pg/env"
	PSQL=$PG_BIN/psql
	[[ -x $PSQL ]] || PSQL=psql
	if [[ -n ${1:-} ]]; then
		sql -d postgres -c "CREATE DATABASE $1"
		export DATABASE_URL="postgres://postgres@127.0.0.1:$PGPORT/$1?sslmode=disable"
		export PGDATABASE=$1
	fi
}

# Timing helpers: now (seconds), elapsed A B, best and median of a list,
# ratio A B.
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
best() { printf '%s\n' "$@" | sort -g | head -n 1; }
median() {
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "?"; exit }
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.3f\n", m }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "inf" }'; }

# summary FIGURE MEASURED FLOOR-NAME FLOOR RATIO GOAL VERDICT appends one
# row to $BENCH_SUMMARY (set by `make bench`, which prints them as one table).
summary() {
	[[ -n ${BENCH_SUMMARY:-} ]] || return 0
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$BENCH_SUMMARY"
}

# sql runs psql quietly, stopping at the first error; scripts may redefine it.
sql() { PGOPTIONS='-c client_min_messages=warning' "$PSQL" -X -q -v ON_ERROR_STOP=1 "$@"; }
