#!/usr/bin/env bash
# bench-report.sh — how fast does `scolpass report` answer on 100,000
# students in every state of the life cycle?
#
#   scripts/bench-report.sh [-n ROWS] [-r RUNS] [--seed N] [--target-after MS] [--target-report MS] [--target-stuck MS] [--goal-ratio X] [--after-only] [--enforce] [--keep-plans FILE]
#
# Builds bin/scolpass, starts a throwaway PostgreSQL (scripts/pg.sh), imports
# ROWS generated students (scripts/gen-students) with scolpass, and times
# `report -o json` RUNS times at once, as an office would right after an
# import (nothing run in between; target < 50 ms), each next to `show` of an
# unknown login (the floor): the ratio of each pair, and their median, whose
# goal is at most X (--goal-ratio, default 1.3: report reads per-group
# counts, so it costs about what any command costs). Then it moves the accounts to
# mixed states directly with SQL, at a fixed clock (SCOLPASS_NOW, the time the
# script started), in these proportions:
#   imported 10%, issued 30%, authenticated 8%, recovery_pending 10% (with a
#   pending link in tokens, most of them expired), recovery_verified 5%,
#   charter_accepted 5%, redirect_pending 2% (pending link), mailbox_ready 5%,
#   active 25% (password_hash set); used links for the accounts past step 4,
#   1% of the accounts locked until the future, state_since spread over the
#   last 30 days; then VACUUM ANALYZE.
# It times, RUNS runs each (hyperfine when installed, else a loop with
# `date +%s%N`), median and minimum:
#   bin/scolpass report -o json
#   bin/scolpass report --by component
#   bin/scolpass report --by state
#   bin/scolpass report --stuck 7d -o json
#   bin/scolpass report --stuck 7d            (the table, the helpdesk's view)
#   bin/scolpass show no.such-login   (exit 5: process start + connection + one
#                                       lookup, the floor of any command)
# and, to separate the query from the process, the same SQL (copied from
# internal/postgres/report.go) run RUNS times by one psql session with
# \timing (round trip and result transfer included), and its execution time
# from EXPLAIN (ANALYZE, TIMING OFF). Targets: report < 100 ms, --stuck < 200 ms.
#
# Options:
#   -n ROWS              students (default 100000)
#   -r RUNS              runs of each command and query (default 20)
#   --seed N             generator seed (default 1)
#   --target-after MS    target of report -o json right after the import (default 50)
#   --target-report MS   target of the report commands on mixed states (default 100)
#   --target-stuck MS    target of report --stuck (default 200)
#   --goal-ratio X       goal of report / show right after the import (default 1.3)
#   --after-only         stop after the figures right after the import (for
#                        large ROWS, e.g. 1000000)
#   --enforce            exit 1 when a scolpass command misses its target
#   --keep-plans FILE    also write the EXPLAIN ANALYZE plans to FILE
#
# Environment: SCOLPASS_BIN, a scolpass binary to use instead of building
# bin/scolpass; SCOLPASS_PG_BIN, the PostgreSQL binaries (see scripts/pg.sh);
# BENCH_SUMMARY, a file that gets one line per figure (see `make bench`).
set -euo pipefail

ROWS=100000
RUNS=20
SEED=1
TARGET_AFTER=50
TARGET_REPORT=100
TARGET_STUCK=200
ENFORCE=0
KEEP_PLANS=
GOAL_RATIO=1.3
AFTER_ONLY=0

# shellcheck source=scripts/bench-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"

while [[ $# -gt 0 ]]; do
	case $1 in
	-n) ROWS=${2:?}; shift 2 ;;
	-r) RUNS=${2:?}; shift 2 ;;
	--seed) SEED=${2:?}; shift 2 ;;
	--target-after) TARGET_AFTER=${2:?}; shift 2 ;;
	--target-report) TARGET_REPORT=${2:?}; shift 2 ;;
	--target-stuck) TARGET_STUCK=${2:?}; shift 2 ;;
	--goal-ratio) GOAL_RATIO=${2:?}; shift 2 ;;
	--after-only) AFTER_ONLY=1; shift ;;
	--enforce) ENFORCE=1; shift ;;
	--keep-plans) KEEP_PLANS=${2:?}; shift 2 ;;
	-h | --help) usage ;;
	*) echo "$prog: unknown argument \"$1\"" >&2; usage ;;
	esac
done
[[ $ROWS =~ ^[0-9]+$ && $ROWS -gt 0 ]] || die "-n wants a positive number of rows"
[[ $RUNS =~ ^[0-9]+$ && $RUNS -gt 1 ]] || die "-r wants a number of runs above 1"
[[ $TARGET_AFTER =~ ^[0-9]+$ && $TARGET_REPORT =~ ^[0-9]+$ && $TARGET_STUCK =~ ^[0-9]+$ ]] || die "targets are whole milliseconds"
if [[ -n $KEEP_PLANS ]]; then
	KEEP_PLANS=$(cd "$(dirname "$KEEP_PLANS")" && pwd -P)/$(basename "$KEEP_PLANS")
fi

bench_setup bench-report

bench_build

bench_students "$ROWS" "$SEED"

# The report's SQL runs as scolpass runs it: jit off, 64MB of work_mem.
sql() { PGOPTIONS='-c client_min_messages=warning -c jit=off -c work_mem=64MB' "$PSQL" -X -q -v ON_ERROR_STOP=1 "$@"; }
bench_pg bench_report
# A fixed clock: the data is laid out around it and every command reads it.
NOW=$(date -u +%Y-%m-%dT%H:%M:%SZ)
export SCOLPASS_NOW=$NOW

"$SCOLPASS" migrate >"$work/migrate.out" 2>&1 || { cat "$work/migrate.out" >&2; die "scolpass migrate failed"; }
note "importing $ROWS students"
"$SCOLPASS" import-students "$file" -o json >"$work/import.json" 2>"$work/import.err" ||
	{ cat "$work/import.err" >&2; die "scolpass import-students failed"; }

# ms_of CMD...: milliseconds of one whole run of CMD, output discarded.
ms_of() {
	local t0 t1
	t0=$(date +%s%N)
	"$@" >/dev/null 2>&1 || true
	t1=$(date +%s%N)
	awk -v d=$((t1 - t0)) 'BEGIN { printf "%.1f\n", d / 1e6 }'
}
# As an office would: the report at once after the import, nothing run
# in between (no VACUUM, no ANALYZE but what scolpass itself does); each
# run next to `show` of an unknown login, the floor of any command.
note "timing report -o json right after the import, $RUNS runs (each next to show, the floor)"
after_rep=() after_show=() after_ratio=()
for ((k = 0; k < RUNS; k++)); do
	after_rep+=("$(ms_of "$SCOLPASS" report -o json)")
	after_show+=("$(ms_of "$SCOLPASS" show no.such-login)")
	after_ratio+=("$(ratio "${after_rep[-1]}" "${after_show[-1]}")")
done
after_med=$(median "${after_rep[@]}" | awk '{ printf "%.1f", $1 }')
after_min=$(best "${after_rep[@]}")
after_floor=$(median "${after_show[@]}" | awk '{ printf "%.1f", $1 }')
after_rmed=$(median "${after_ratio[@]}" | awk '{ printf "%.2f", $1 }')
after_rworst=$(printf '%s\n' "${after_ratio[@]}" | sort -g | tail -n 1)
after_rv=$(awk -v r="$after_rmed" -v g="$GOAL_RATIO" 'BEGIN { print (r + 0 <= g + 0) ? "OK" : "MISSED" }')
note "  report -o json after the import: first run ${after_rep[0]} ms, median $after_med ms, min $after_min ms; show: median $after_floor ms"
note "  report / show, pair by pair: ${after_ratio[*]}; median ${after_rmed}x, worst ${after_rworst}x (goal ≤ ${GOAL_RATIO}x: $after_rv)"
summary "report -o json / show, right after importing $ROWS (median pair)" "$after_med ms" "show (start+connect)" "$after_floor ms" \
	"${after_rmed}x" "≤ ${GOAL_RATIO}x" "$after_rv"
if [[ $AFTER_ONLY -eq 1 ]]; then
	echo "report -o json right after importing $ROWS students: median $after_med ms; show: median $after_floor ms;"
	echo "report / show pair by pair: median ${after_rmed}x, worst ${after_rworst}x (goal ≤ ${GOAL_RATIO}x: $after_rv)"
	[[ $ENFORCE -eq 1 && $after_rv != OK ]] && exit 1
	exit 0
fi

note "moving the accounts to mixed states (SQL, clock $NOW)"
sql -v now="$NOW" <<'SQL'
BEGIN;
-- b: a stable per-student permille picking the state; r: a second draw.
CREATE TEMP TABLE plan AS
SELECT s.id,
       b,
       CASE
         WHEN b < 100 THEN 'imported'
         WHEN b < 400 THEN 'issued'
         WHEN b < 480 THEN 'authenticated'
         WHEN b < 580 THEN 'recovery_pending'
         WHEN b < 630 THEN 'recovery_verified'
         WHEN b < 680 THEN 'charter_accepted'
         WHEN b < 700 THEN 'redirect_pending'
         WHEN b < 750 THEN 'mailbox_ready'
         ELSE 'active'
       END AS state,
       r,
       -- state_since: spread over the last 30 days (seconds back from now)
       :'now'::timestamptz - make_interval(secs => (abs(hashtext('since' || s.student_no)) % 2592000)) AS since
FROM students s,
     LATERAL (SELECT abs(hashtext('state' || s.student_no)) % 1000 AS b,
                     abs(hashtext('r' || s.student_no)) % 1000 AS r) h;

-- Everyone but 'imported' has a SCOL'PASS, issued a few days before state_since.
INSERT INTO provisional_credentials (student_id, hash, issued_at, expires_at, used_at, batch)
SELECT id, 'sha256$' || md5('salt' || id) || '$' || md5('sum' || id),
       since - interval '3 days', since - interval '3 days' + interval '120 days',
       NULL, 'bench-' || to_char(since - interval '3 days', 'YYYYMMDD')
FROM plan WHERE state <> 'imported'
ON CONFLICT (student_id) DO UPDATE SET hash = excluded.hash, issued_at = excluded.issued_at,
       expires_at = excluded.expires_at, batch = excluded.batch;

UPDATE accounts a SET
  state = p.state,
  state_since = p.since,
  version = a.version + 1,
  failed_attempts = CASE WHEN p.r < 10 AND p.state = 'issued' THEN 5 ELSE 0 END,
  -- 1% locked until the future (a fresh lock of 15 minutes or less)
  locked_until = CASE WHEN p.r < 10 THEN :'now'::timestamptz + make_interval(mins => 1 + p.r) END,
  recovery_email = CASE WHEN p.state IN ('recovery_pending', 'recovery_verified', 'charter_accepted',
                          'redirect_pending', 'mailbox_ready', 'active')
                        THEN 'perso' || p.id || '@example.org' END,
  redirect_to = CASE WHEN p.state = 'redirect_pending' OR (p.state IN ('mailbox_ready', 'active') AND p.r < 300)
                     THEN 'redirect' || p.id || '@example.net' END,
  keep_copy = (p.r % 2 = 0),
  charter_version = CASE WHEN p.state IN ('charter_accepted', 'redirect_pending', 'mailbox_ready', 'active')
                         THEN '2026-1' END,
  charter_accepted_at = CASE WHEN p.state IN ('charter_accepted', 'redirect_pending', 'mailbox_ready', 'active')
                             THEN p.since END,
  password_hash = CASE WHEN p.state = 'active'
                       THEN '$argon2id$v=19$m=65536,t=3,p=4$' || md5('s' || p.id) || '$' || md5('h' || p.id) || md5('k' || p.id) END,
  password_set_at = CASE WHEN p.state = 'active' THEN p.since END,
  activated_at = CASE WHEN p.state = 'active' THEN p.since END
FROM plan p WHERE a.student_id = p.id;

-- Pending links: step 4 (recovery_pending) and 6-2 (redirect_pending), valid
-- until 23:59:59 Paris time of the day they were sent, so most have expired.
INSERT INTO tokens (student_id, purpose, token_hash, email, keep_copy, issued_at, expires_at)
SELECT p.id, CASE p.state WHEN 'recovery_pending' THEN 'recovery' ELSE 'redirect' END,
       sha256(convert_to('pending' || p.id, 'UTF8')),
       CASE p.state WHEN 'recovery_pending' THEN 'perso' || p.id || '@example.org'
                    ELSE 'redirect' || p.id || '@example.net' END,
       p.r % 2 = 0, p.since,
       ((date_trunc('day', p.since AT TIME ZONE 'Europe/Paris') + interval '1 day' - interval '1 microsecond')
         AT TIME ZONE 'Europe/Paris')
FROM plan p WHERE p.state IN ('recovery_pending', 'redirect_pending');
-- A third of the pending accounts asked for a link again: an older, revoked one.
INSERT INTO tokens (student_id, purpose, token_hash, email, issued_at, expires_at, revoked_at)
SELECT p.id, CASE p.state WHEN 'recovery_pending' THEN 'recovery' ELSE 'redirect' END,
       sha256(convert_to('revoked' || p.id, 'UTF8')), 'old' || p.id || '@example.org',
       p.since - interval '1 day', p.since - interval '1 day', p.since
FROM plan p WHERE p.state IN ('recovery_pending', 'redirect_pending') AND p.r < 333;
-- Used links of the accounts past step 4 (and 6-2 for those with a redirect).
INSERT INTO tokens (student_id, purpose, token_hash, email, issued_at, expires_at, used_at)
SELECT p.id, 'recovery', sha256(convert_to('used' || p.id, 'UTF8')), 'perso' || p.id || '@example.org',
       p.since - interval '2 hours', p.since + interval '6 hours', p.since - interval '1 hour'
FROM plan p WHERE p.state IN ('recovery_verified', 'charter_accepted', 'redirect_pending', 'mailbox_ready', 'active');
INSERT INTO tokens (student_id, purpose, token_hash, email, issued_at, expires_at, used_at)
SELECT p.id, 'redirect', sha256(convert_to('used6-2' || p.id, 'UTF8')), 'redirect' || p.id || '@example.net',
       p.since - interval '30 minutes', p.since + interval '6 hours', p.since - interval '10 minutes'
FROM plan p WHERE p.state IN ('mailbox_ready', 'active') AND p.r < 300;
COMMIT;
VACUUM ANALYZE;
CHECKPOINT;
SQL

sql -At -F ' ' -c "SELECT state, count(*) FROM accounts GROUP BY 1 ORDER BY 2 DESC" >"$work/states"
note "states: $(awk '{ printf "%s %s, ", $1, $2 }' "$work/states" | sed 's/, $//')"
note "tokens: $(sql -Atc "SELECT count(*) FROM tokens") rows; locked now: $(sql -Atc "SELECT count(*) FROM accounts WHERE locked_until > '$NOW'")"

# The queries of internal/postgres/report.go, with the parameters inlined.
report_sql() {
	printf "SELECT key, state, sum(n)::bigint, sum(locked)::bigint, sum(parts)::bigint FROM (
		SELECT %s AS key, s.state, sum(s.n) AS n, 0 AS locked, count(*) AS parts FROM student_counts s GROUP BY 1, 2
		UNION ALL
		SELECT %s, s.state, 0, count(*), 0 FROM students s WHERE s.locked_until > '%s' GROUP BY 1, 2
	) c GROUP BY 1, 2 ORDER BY 1, 2" "$1" "$1" "$NOW"
}
stuck_sql() {
	cat <<EOF
SELECT s.login, s.student_no, s.last_name, s.first_name, s.program, s.state, s.state_since,
	coalesce(s.locked_until > '$NOW', false) AS locked, t.email AS link_to, t.expires_at AS link_expires_at
	FROM students s
	LEFT JOIN LATERAL (
		SELECT email, expires_at FROM tokens
		WHERE s.state IN ('recovery_pending', 'redirect_pending')
			AND student_id = s.id AND used_at IS NULL AND revoked_at IS NULL
		ORDER BY issued_at DESC LIMIT 1
	) t ON true WHERE true
	AND s.state <> 'active' AND s.state_since < timestamptz '$NOW' - interval '7 days'
	ORDER BY s.state_since, s.login
EOF
}

labels=("report -o json" "report --by component" "report --by state" "report --stuck 7d -o json" "report --stuck 7d (table)" "show (exit 5): start+connect")
cmds=("report -o json" "report --by component" "report --by state" "report --stuck 7d -o json" "report --stuck 7d" "show no.such-login")
queries=("$(report_sql s.program)" "$(report_sql s.component)" "$(report_sql s.state)" "$(stuck_sql)" "$(stuck_sql)" "")
targets=("$TARGET_REPORT" "$TARGET_REPORT" "$TARGET_REPORT" "$TARGET_STUCK" "$TARGET_STUCK" "")

# Sanity: each command works once and its output has the expected shape.
"$SCOLPASS" report -o json >"$work/report.json" || die "scolpass report -o json failed"
total=$(jq -r '.total.students' "$work/report.json" 2>/dev/null || grep -c . "$work/report.json")
stuck_n=$("$SCOLPASS" report --stuck 7d -o json | jq 'length' 2>/dev/null || echo "?")
note "report total: $total students; report --stuck 7d: $stuck_n accounts"

# stats FILE: "median min" in milliseconds of the numbers (ms) in FILE.
stats() {
	sort -g "$1" | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "? ?"; exit }
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.1f %.1f\n", m, v[1] }'
}

# out_kb: size of each command's output (stdout), once.
out_kb=()
for i in "${!cmds[@]}"; do
	read -r -a argv <<<"${cmds[$i]}"
	"$SCOLPASS" "${argv[@]}" >"$work/out" 2>/dev/null || true
	out_kb+=("$(awk -v b="$(wc -c <"$work/out")" 'BEGIN { printf "%.1f", b / 1024 }')")
done

tool=loop
command -v hyperfine >/dev/null 2>&1 && tool=hyperfine
note "timing the commands, $RUNS runs each ($tool)"
proc_med=() proc_min=()
for i in "${!cmds[@]}"; do
	read -r -a argv <<<"${cmds[$i]}"
	: >"$work/ms"
	if [[ $tool == hyperfine ]]; then
		hyperfine -N --style none --warmup 3 --runs "$RUNS" -i --export-json "$work/hf.json" \
			"$SCOLPASS ${cmds[$i]}" >/dev/null 2>"$work/hf.err" ||
			{ cat "$work/hf.err" >&2; die "hyperfine failed on ${cmds[$i]}"; }
		jq -r '.results[0].times[] * 1000' "$work/hf.json" >"$work/ms"
	else
		for ((k = 0; k < 3; k++)); do "$SCOLPASS" "${argv[@]}" >/dev/null 2>&1 || true; done
		for ((k = 0; k < RUNS; k++)); do
			t0=$(date +%s%N)
			"$SCOLPASS" "${argv[@]}" >/dev/null 2>&1 || true
			t1=$(date +%s%N)
			echo $(((t1 - t0) / 1000)) | awk '{ printf "%.3f\n", $1 / 1000 }' >>"$work/ms"
		done
	fi
	read -r med min < <(stats "$work/ms")
	proc_med+=("$med") proc_min+=("$min")
	note "  ${labels[$i]}: median $med ms, min $min ms"
done

note "timing the SQL alone (psql \\timing, $RUNS runs; EXPLAIN ANALYZE)"
sql_med=() sql_min=() sql_exec=()
: >"$work/plans"
for i in "${!queries[@]}"; do
	q=${queries[$i]}
	if [[ -z $q ]]; then
		sql_med+=("-") sql_min+=("-") sql_exec+=("-")
		continue
	fi
	{
		printf '%s\n' '\timing on' '\o /dev/null'
		for ((k = 0; k < RUNS + 3; k++)); do printf '%s;\n' "$q"; done
	} >"$work/q.sql"
	sql -f "$work/q.sql" | awk '/^Time:/ { print $2 }' | tail -n "$RUNS" >"$work/ms"
	read -r med min < <(stats "$work/ms")
	sql_med+=("$med") sql_min+=("$min")
	{
		echo "=== ${labels[$i]}"
		sql -c "EXPLAIN (ANALYZE, BUFFERS) $q"
	} >>"$work/plans"
	# the best of 3 EXPLAIN ANALYZE, without per-node timing (its overhead
	# doubles the time of these aggregates)
	ex=$(for ((k = 0; k < 3; k++)); do sql -At -c "EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) $q" | jq '.[0]["Execution Time"]'; done | sort -g | head -n 1)
	sql_exec+=("$(printf '%.1f' "$ex")")
done
if [[ -n $KEEP_PLANS ]]; then
	cp "$work/plans" "$KEEP_PLANS"
	note "plans written to $KEEP_PLANS"
fi

echo
echo "report on $ROWS students, $RUNS runs ($tool; $(nproc) CPUs, PostgreSQL $(sql -Atc 'SHOW server_version'), fsync off, SCOLPASS_NOW=$NOW)"
printf '%-32s %10s %9s %8s | %10s %9s %9s | %8s  %s\n' "command" "median ms" "min ms" "out KiB" "SQL med ms" "SQL min" "exec ms" "target" "verdict"
fail=0
sql_fail=()
for i in "${!cmds[@]}"; do
	t=${targets[$i]}
	v=""
	if [[ -n $t ]]; then
		v=$(awk -v m="${proc_med[$i]}" -v t="$t" 'BEGIN { print (m + 0 < t + 0) ? "OK" : "MISSED" }')
		[[ $v == OK ]] || fail=1
		if [[ ${sql_med[$i]} != - ]] && awk -v m="${sql_med[$i]}" -v t="$t" 'BEGIN { exit !(m + 0 >= t + 0) }'; then
			sql_fail+=("${labels[$i]}")
		fi
		t="< $t"
	fi
	printf '%-32s %10s %9s %8s | %10s %9s %9s | %8s  %s\n' "${labels[$i]}" "${proc_med[$i]}" "${proc_min[$i]}" "${out_kb[$i]}" \
		"${sql_med[$i]}" "${sql_min[$i]}" "${sql_exec[$i]}" "$t" "$v"
done
after_v=$(awk -v m="$after_med" -v t="$TARGET_AFTER" 'BEGIN { print (m + 0 < t + 0) ? "OK" : "MISSED" }')
[[ $after_v == OK ]] || fail=1
printf '%-32s %10s %9s %8s | %10s %9s %9s | %8s  %s\n' "report -o json, after import" "$after_med" "$after_min" "-" \
	"-" "-" "-" "< $TARGET_AFTER" "$after_v"
for i in "${!cmds[@]}"; do
	t=${targets[$i]}
	[[ -n $t ]] || continue
	v=$(awk -v m="${proc_med[$i]}" -v t="$t" 'BEGIN { print (m + 0 < t + 0) ? "OK" : "MISSED" }')
	summary "${labels[$i]}, mixed states" "${proc_med[$i]} ms" "show (start+connect)" "${proc_med[-1]} ms" \
		"$(ratio "${proc_med[$i]}" "${proc_med[-1]}")x" "< $t ms" "$v"
done
echo "after import: the first $RUNS runs right after scolpass import-students (first run: ${after_rep[0]} ms); show then: $after_floor ms."
echo "median/min: the whole scolpass process (start, connect, query, output to /dev/null); SQL: the same query in one"
printf '%s\n' "open psql session (\\timing: round trip + rows transferred); exec: EXPLAIN (ANALYZE, TIMING OFF), best of 3."
echo "the show row is the floor of any command: process start, connection and one indexed lookup."
if [[ ${#sql_fail[@]} -gt 0 ]]; then
	printf 'the query itself misses the target for: %s (see the plans: --keep-plans FILE)\n' "$(printf '%s; ' "${sql_fail[@]}" | sed 's/; $//')"
fi
if [[ $ENFORCE -eq 1 && $fail -ne 0 ]]; then
	exit 1
fi
exit 0
