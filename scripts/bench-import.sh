#!/usr/bin/env bash
# bench-import.sh — how fast is `scolpass import-students` next to a bare
# PostgreSQL bulk load of the same file?
#
#   scripts/bench-import.sh [-n ROWS] [-r RUNS] [--seed N] [--target X] [--enforce] [--baseline-only]
#
# Builds bin/scolpass, starts a throwaway PostgreSQL (scripts/pg.sh), writes
# ROWS generated students (scripts/gen-students) to a temporary file, then
# RUNS times, each time in a fresh database:
#   scolpass:  `bin/scolpass --database-url URL migrate` (not timed), then
#              `bin/scolpass --database-url URL import-students FILE -o json` (timed)
#   baseline:  psql `\copy t FROM FILE WITH (FORMAT csv, DELIMITER ';', HEADER true)`
#              into a plain table of 9 text columns (timed)
# and prints the best time of each, their ratio and the target (≤ 2.0x).
# The cluster and the temporary files are removed at the end, also on failure.
#
# Options:
#   -n ROWS          rows to import (default 100000)
#   -r RUNS          runs of each, best one kept (default 3)
#   --seed N         generator seed (default 1)
#   --target X       ratio to meet (default 2.0)
#   --enforce        exit 1 when the ratio is above the target
#   --baseline-only  skip scolpass (to check the set-up before the binary exists)
#
# Environment: SCOLPASS_BIN, a scolpass binary to use instead of building
# bin/scolpass; SCOLPASS_PG_BIN, the PostgreSQL binaries (see scripts/pg.sh).
set -euo pipefail

ROWS=100000
RUNS=3
SEED=1
TARGET=2.0
ENFORCE=0
BASELINE_ONLY=0

# shellcheck source=scripts/bench-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"

while [[ $# -gt 0 ]]; do
	case $1 in
	-n) ROWS=${2:?}; shift 2 ;;
	-r) RUNS=${2:?}; shift 2 ;;
	--seed) SEED=${2:?}; shift 2 ;;
	--target) TARGET=${2:?}; shift 2 ;;
	--enforce) ENFORCE=1; shift ;;
	--baseline-only) BASELINE_ONLY=1; shift ;;
	-h | --help) usage ;;
	*) echo "$prog: unknown argument \"$1\"" >&2; usage ;;
	esac
done
[[ $ROWS =~ ^[0-9]+$ && $ROWS -gt 0 ]] || die "-n wants a positive number of rows"
[[ $RUNS =~ ^[0-9]+$ && $RUNS -gt 0 ]] || die "-r wants a positive number of runs"
[[ $TARGET =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "--target wants a number such as 2.0"

bench_setup bench


[[ $BASELINE_ONLY -eq 1 ]] || bench_build

bench_students "$ROWS" "$SEED"

bench_pg

db_url() { printf 'postgres://postgres@127.0.0.1:%s/%s?sslmode=disable' "$PGPORT" "$1"; }
fresh_db() {
	sql -d postgres -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1"
}
drop_db() { sql -d postgres -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)"; }

scolpass_times=()
copy_times=()
for ((i = 1; i <= RUNS; i++)); do
	if [[ $BASELINE_ONLY -eq 0 ]]; then
		db=bench_scolpass_$i
		fresh_db "$db"
		url=$(db_url "$db")
		"$SCOLPASS" --database-url "$url" migrate >"$work/migrate.out" 2>&1 ||
			{ cat "$work/migrate.out" >&2; die "scolpass migrate failed"; }
		sql -d "$db" -c CHECKPOINT
		t0=$(now)
		set +e
		"$SCOLPASS" --database-url "$url" import-students "$file" -o json >"$work/import.json" 2>"$work/import.err"
		rc=$?
		set -e
		t1=$(now)
		if [[ $rc -ne 0 ]]; then
			cat "$work/import.err" >&2
			head -c 2000 "$work/import.json" >&2
			die "scolpass import-students exited with status $rc (4 means rows were rejected; the generated file should import cleanly)"
		fi
		created=$(grep -o '"created"[[:space:]]*:[[:space:]]*[0-9]*' "$work/import.json" | grep -o '[0-9]*$' || true)
		if [[ -n $created && $created -ne $ROWS ]]; then
			note "warning: run $i: scolpass reports $created created, expected $ROWS"
		fi
		s=$(elapsed "$t0" "$t1")
		scolpass_times+=("$s")
		note "run $i: scolpass import-students ${s}s"
		drop_db "$db"
	fi

	db=bench_copy_$i
	fresh_db "$db"
	sql -d "$db" -c "CREATE TABLE t (student_no text, last_name text, first_name text, birth_date text,
		program text, component text, year text, ine text, email text)"
	sql -d "$db" -c CHECKPOINT
	t0=$(now)
	sql -d "$db" -c "\\copy t FROM '$file' WITH (FORMAT csv, DELIMITER ';', HEADER true)"
	t1=$(now)
	n=$(sql -d "$db" -Atc "SELECT count(*) FROM t")
	[[ $n -eq $ROWS ]] || die "psql \\copy loaded $n rows, expected $ROWS"
	s=$(elapsed "$t0" "$t1")
	copy_times+=("$s")
	note "run $i: psql \\copy ${s}s"
	drop_db "$db"
done

copy_best=$(best "${copy_times[@]}")
echo
echo "import of $ROWS rows, best of $RUNS (PostgreSQL $("$PSQL" -X -Atc 'SHOW server_version' -d postgres), fsync off)"
printf '%-34s %10s   %s\n' "" "seconds" "all runs"
if [[ $BASELINE_ONLY -eq 0 ]]; then
	scolpass_best=$(best "${scolpass_times[@]}")
	printf '%-34s %10s   %s\n' "scolpass import-students" "$scolpass_best" "${scolpass_times[*]}"
fi
printf '%-34s %10s   %s\n' "psql \\copy (plain table, 9 text)" "$copy_best" "${copy_times[*]}"
if [[ $BASELINE_ONLY -eq 1 ]]; then
	echo "(scolpass skipped: --baseline-only)"
	exit 0
fi
ratio=$(awk -v a="$scolpass_best" -v b="$copy_best" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "inf" }')
verdict=$(awk -v r="$ratio" -v t="$TARGET" 'BEGIN { print (r != "inf" && r + 0 <= t + 0) ? "OK" : "ABOVE TARGET" }')
printf '%-34s %10s   target ≤ %sx: %s\n' "ratio scolpass / psql \\copy" "${ratio}x" "$TARGET" "$verdict"
if [[ $ENFORCE -eq 1 && $verdict != OK ]]; then
	exit 1
fi
