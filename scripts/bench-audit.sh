#!/usr/bin/env bash
# bench-audit.sh — does `scolpass audit` stream a year of events with flat
# memory, and how long do `audit` and `purge` take on it?
#
#   scripts/bench-audit.sh [-n EVENTS] [-s STUDENTS]
#
# Builds bin/scolpass, starts a throwaway PostgreSQL (scripts/pg.sh),
# imports STUDENTS generated students (default 100000) and generates EVENTS
# audit events (default 2000000, about 20 a student) spread over the 12
# months before SCOLPASS_NOW, a quarter of them web events with a client
# address. Then it prints, with /usr/bin/time, the wall time and the
# maximum resident memory of:
#   audit -o json > /dev/null   on a tenth of the range, then on all of it
#   audit -o csv  > /dev/null   on all of it
#   purge --dry-run             13 months later (every event past retention)
#   purge                       the same, for real, in batches
# Flat memory: the whole range takes about the memory of a tenth of it.
#
# Environment: SCOLPASS_BIN, a scolpass binary to use instead of building
# bin/scolpass; SCOLPASS_PG_BIN, the PostgreSQL binaries (see scripts/pg.sh).
set -euo pipefail
# shellcheck source=scripts/bench-lib.sh
source "$(dirname "$0")/bench-lib.sh"

EVENTS=2000000
STUDENTS=100000
while [[ $# -gt 0 ]]; do
	case $1 in
	-n) EVENTS=$2; shift 2 ;;
	-s) STUDENTS=$2; shift 2 ;;
	*) usage ;;
	esac
done

bench_setup audit
bench_build
bench_students "$STUDENTS" 1
bench_pg scolpass_bench
export SCOLPASS_NOW=2026-09-01T00:00:00+02:00
"$SCOLPASS" migrate >/dev/null 2>&1
"$SCOLPASS" import-students "$work/students.csv" >/dev/null
note "generating $EVENTS audit events over 12 months"
sql -c "INSERT INTO audit_events (at, operator, channel, student_id, action, from_state, to_state, outcome, detail, client_addr)
	SELECT timestamptz '2025-09-01 00:00:00+02' + (i::float8 / $EVENTS) * interval '365 days',
		CASE WHEN i % 4 = 0 THEN 'web' ELSE 'agent' || (i % 5) END,
		CASE i % 4 WHEN 0 THEN 'web' WHEN 1 THEN 'helpdesk' ELSE 'script' END,
		1 + i % $STUDENTS,
		(ARRAY['authenticate', 'recovery-email', 'verify-token', 'accept-charter', 'new-password'])[1 + i % 5],
		'issued', 'authenticated', 'ok', 'link sent to someone@example.org',
		CASE WHEN i % 4 = 0 THEN ('10.' || (i % 250) || '.' || (i % 200) || '.1')::inet END
	FROM generate_series(1, $EVENTS) AS i"
sql -c "VACUUM ANALYZE audit_events" >/dev/null

measure() {
	local label=$1; shift
	/usr/bin/time -f "%e %M" -o "$work/time" "$@" >"$work/out" 2>"$work/err" || die "$label failed: $(cat "$work/err")"
	read -r secs kib <"$work/time"
	printf '%-44s %8s s %8s MiB  %s\n' "$label" "$secs" "$((kib / 1024))" "$(wc -l <"$work/out") lines"
}
echo
measure "audit -o json, 1/10 of the range" "$SCOLPASS" audit --since 2026-07-26 -o json
measure "audit -o json, 12 months" "$SCOLPASS" audit -o json
measure "audit -o csv, 12 months" "$SCOLPASS" audit -o csv
one=$(sql -tAc "SELECT login FROM students WHERE id = 1")
measure "audit --login (one student), 12 months" "$SCOLPASS" audit --login "$one" -o json
export SCOLPASS_NOW=2027-10-01T00:00:00+02:00
measure "purge --dry-run, 13 months later" "$SCOLPASS" purge --dry-run
measure "purge, 13 months later" "$SCOLPASS" purge -o json
grep -o '"audit_events": [0-9]*' "$work/out" || true
