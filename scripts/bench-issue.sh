#!/usr/bin/env bash
# bench-issue.sh — how fast is `scolpass issue-scolpass` next to the "bare
# loop", the same page content written with gofpdf and no database?
#
#   scripts/bench-issue.sh [-n SHEETS] [-r RUNS] [--seed N] [--target X] [--mode both|file|dir] [--enforce]
#
# Builds bin/scolpass, starts a throwaway PostgreSQL (scripts/pg.sh), writes
# SHEETS generated students (scripts/gen-students), then RUNS times:
#   file mode:  fresh database, `migrate` + `import-students` (not timed), then
#               `bin/scolpass issue-scolpass --all --out FILE.pdf --force -o json` (timed)
#   dir mode:   fresh database, `migrate` + `import-students` (not timed), then
#               `bin/scolpass issue-scolpass --all --out-dir DIR -o json` (timed)
# and the bare loops of internal/passpdf/bench_test.go, with
# PASSPDF_BENCH_SHEETS=SHEETS and -benchtime 1x (one iteration):
#   file mode:  BenchmarkBareLoop            (SHEETS pages into one PDF, in memory)
#   dir mode:   BenchmarkBareLoopOnePerFile  (SHEETS one-page PDF files on disk)
# It prints the best time of each, their ratio and the target (≤ 1.5x), plus
# the peak memory (max RSS) of the scolpass process when /usr/bin/time exists.
# The scolpass time is the whole process: start-up, database selection,
# provisional password generation and hashing, PDF, fsync, commit.
# The cluster and the temporary files are removed at the end, also on failure.
#
# Options:
#   -n SHEETS        students imported and sheets issued (default 10000)
#   -r RUNS          runs of each, best one kept (default 1)
#   --seed N         generator seed (default 1)
#   --target X       ratio to meet (default 1.5)
#   --mode M         both (default), file (--out) or dir (--out-dir)
#   --enforce        exit 1 when a ratio is above the target
#
# Environment: SCOLPASS_BIN, a scolpass binary to use instead of building
# bin/scolpass; SCOLPASS_PG_BIN, the PostgreSQL binaries (see scripts/pg.sh);
# BENCH_TMPDIR, where the PDFs are written (default /tmp); BENCH_SUMMARY, a
# file that gets one line per figure (see `make bench`).
set -euo pipefail

SHEETS=10000
RUNS=1
SEED=1
TARGET=1.5
MODE=both
ENFORCE=0

# shellcheck source=scripts/bench-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"

while [[ $# -gt 0 ]]; do
	case $1 in
	-n) SHEETS=${2:?}; shift 2 ;;
	-r) RUNS=${2:?}; shift 2 ;;
	--seed) SEED=${2:?}; shift 2 ;;
	--target) TARGET=${2:?}; shift 2 ;;
	--mode) MODE=${2:?}; shift 2 ;;
	--enforce) ENFORCE=1; shift ;;
	-h | --help) usage ;;
	*) echo "$prog: unknown argument \"$1\"" >&2; usage ;;
	esac
done
[[ $SHEETS =~ ^[0-9]+$ && $SHEETS -gt 0 ]] || die "-n wants a positive number of sheets"
[[ $RUNS =~ ^[0-9]+$ && $RUNS -gt 0 ]] || die "-r wants a positive number of runs"
[[ $TARGET =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "--target wants a number such as 1.5"
case $MODE in both | file | dir) ;; *) die "--mode wants both, file or dir" ;; esac

bench_setup bench-issue

verdict() { awk -v r="$1" -v t="$TARGET" 'BEGIN { print (r != "inf" && r + 0 <= t + 0) ? "OK" : "ABOVE TARGET" }'; }

bench_build
note "building the passpdf benchmarks"
go test -c -o "$work/passpdf.test" ./internal/passpdf || die "go test -c ./internal/passpdf failed"

TIME=
[[ -x /usr/bin/time ]] && TIME=/usr/bin/time

bench_students "$SHEETS" "$SEED"

bench_pg

db_url() { printf 'postgres://postgres@127.0.0.1:%s/%s?sslmode=disable' "$PGPORT" "$1"; }
fresh_db() { sql -d postgres -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1"; }
drop_db() { sql -d postgres -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)"; }

# prepare_db DB: a migrated database holding the generated students, none issued.
prepare_db() {
	local db=$1 url
	fresh_db "$db"
	url=$(db_url "$db")
	"$SCOLPASS" --database-url "$url" migrate >"$work/migrate.out" 2>&1 ||
		{ cat "$work/migrate.out" >&2; die "scolpass migrate failed"; }
	"$SCOLPASS" --database-url "$url" import-students "$file" -o json >"$work/import.json" 2>"$work/import.err" ||
		{ cat "$work/import.err" >&2; die "scolpass import-students failed"; }
	sql -d "$db" -c "VACUUM ANALYZE" -c CHECKPOINT
}

# run_issue URL ARGS...: times one issue-scolpass run; sets LAST_S, LAST_RSS
# (MiB) and LAST_CPU (user + system seconds).
LAST_S='' LAST_RSS='' LAST_CPU=''
run_issue() {
	local url=$1 t0 t1 rc
	shift
	sync
	t0=$(now)
	set +e
	if [[ -n $TIME ]]; then
		$TIME -f '%M %U %S' -o "$work/rss" "$SCOLPASS" --database-url "$url" issue-scolpass "$@" -o json >"$work/issue.json" 2>"$work/issue.err"
	else
		"$SCOLPASS" --database-url "$url" issue-scolpass "$@" -o json >"$work/issue.json" 2>"$work/issue.err"
	fi
	rc=$?
	set -e
	t1=$(now)
	if [[ $rc -ne 0 ]]; then
		cat "$work/issue.err" >&2
		die "scolpass issue-scolpass $* exited with status $rc"
	fi
	LAST_S=$(elapsed "$t0" "$t1")
	LAST_RSS='' LAST_CPU=''
	if [[ -n $TIME ]]; then
		LAST_RSS=$(awk 'END { printf "%.0f", $1 / 1024 }' "$work/rss")
		LAST_CPU=$(awk 'END { printf "%.2f", $2 + $3 }' "$work/rss")
	fi
}

# bare BENCH: seconds of one iteration of a passpdf benchmark; sets LAST_CPU
# (user + system seconds of the whole test process, set-up included).
bare() {
	local out ns
	out=$(cd "$root/internal/passpdf" && PASSPDF_BENCH_SHEETS=$SHEETS TMPDIR=$work \
		${TIME:+$TIME -f '%U %S' -o "$work/cpu"} \
		"$work/passpdf.test" -test.run '^$' -test.bench "^$1\$" -test.benchtime 1x -test.count 1) ||
		{ printf '%s\n' "$out" >&2; die "benchmark $1 failed"; }
	LAST_CPU=''
	if [[ -n $TIME ]]; then
		LAST_CPU=$(awk 'END { printf "%.2f", $1 + $2 }' "$work/cpu")
	fi
	ns=$(printf '%s\n' "$out" | awk -v b="$1" '$1 ~ "^"b"(-[0-9]+)?$" { print $3; exit }')
	[[ $ns =~ ^[0-9.]+$ ]] || { printf '%s\n' "$out" >&2; die "no ns/op in the output of $1"; }
	awk -v n="$ns" 'BEGIN { printf "%.3f", n / 1e9 }'
}

file_times=() dir_times=() bare_file_times=() bare_dir_times=()
file_rss='' dir_rss='' file_cpu='' dir_cpu='' bare_file_cpu='' bare_dir_cpu=''
for ((i = 1; i <= RUNS; i++)); do
	if [[ $MODE != dir ]]; then
		db=bench_issue_file
		prepare_db "$db"
		pdf=$work/sheets.pdf
		run_issue "$(db_url "$db")" --all --out "$pdf" --force
		file_times+=("$LAST_S")
		file_rss=$LAST_RSS file_cpu=$LAST_CPU
		if command -v pdfinfo >/dev/null 2>&1; then
			pages=$(pdfinfo "$pdf" | awk '/^Pages:/ { print $2 }')
			[[ $pages -eq $SHEETS ]] || die "$pdf has $pages pages, expected $SHEETS"
		fi
		mode=$(stat -c %a "$pdf")
		[[ $mode == 600 ]] || note "warning: $pdf has mode $mode, expected 600"
		note "run $i: scolpass issue-scolpass --out: ${LAST_S}s (max RSS ${LAST_RSS:-?} MiB, $(du -m "$pdf" | cut -f1) MiB PDF)"
		rm -f "$pdf"
		drop_db "$db"

		bare BenchmarkBareLoop >"$work/bare"
		s=$(<"$work/bare")
		bare_file_times+=("$s") bare_file_cpu=$LAST_CPU
		note "run $i: bare loop, one PDF: ${s}s"
	fi
	if [[ $MODE != file ]]; then
		db=bench_issue_dir
		prepare_db "$db"
		dir=$work/sheets
		rm -rf "$dir" && mkdir -p "$dir"
		run_issue "$(db_url "$db")" --all --out-dir "$dir"
		dir_times+=("$LAST_S")
		dir_rss=$LAST_RSS dir_cpu=$LAST_CPU
		n=$(find "$dir" -maxdepth 1 -name '*.pdf' -type f | wc -l)
		[[ $n -eq $SHEETS ]] || die "$dir holds $n PDF files, expected $SHEETS"
		note "run $i: scolpass issue-scolpass --out-dir: ${LAST_S}s (max RSS ${LAST_RSS:-?} MiB, $(du -sm "$dir" | cut -f1) MiB of PDF)"
		rm -rf "$dir"
		drop_db "$db"

		bare BenchmarkBareLoopOnePerFile >"$work/bare"
		s=$(<"$work/bare")
		bare_dir_times+=("$s") bare_dir_cpu=$LAST_CPU
		note "run $i: bare loop, one PDF per sheet: ${s}s"
	fi
done

echo
echo "issue-scolpass, $SHEETS sheets, best of $RUNS ($(nproc) CPUs, PostgreSQL $("$PSQL" -X -Atc 'SHOW server_version' -d postgres), fsync off)"
printf '%-30s %10s %10s %8s   %-14s %10s %14s\n' "mode" "scolpass s" "bare s" "ratio" "target ≤ ${TARGET}x" "max RSS" "CPU s sc/bare"
fail=0
row() {
	local label=$1 rss=$2 cpu=$3 sb bb r v
	shift 3
	local -n st=$1 bt=$2
	sb=$(best "${st[@]}")
	bb=$(best "${bt[@]}")
	r=$(ratio "$sb" "$bb")
	v=$(verdict "$r")
	[[ $v == OK ]] || fail=1
	printf '%-30s %10s %10s %8s   %-14s %10s %14s\n' "$label" "$sb" "$bb" "${r}x" "$v" "${rss:-?} MiB" "$cpu"
	summary "issue $SHEETS sheets, $label" "${sb} s" "bare gofpdf loop" "${bb} s" "${r}x" "≤ ${TARGET}x" "$v"
}
if [[ $MODE != dir ]]; then
	row "--out FILE.pdf (one PDF)" "$file_rss" "${file_cpu:-?}/${bare_file_cpu:-?}" file_times bare_file_times
fi
if [[ $MODE != file ]]; then
	row "--out-dir DIR (one per sheet)" "$dir_rss" "${dir_cpu:-?}/${bare_dir_cpu:-?}" dir_times bare_dir_times
fi
echo "scolpass: wall time of the whole process, database included; bare: one benchmark iteration,"
echo "gofpdf alone, no database, one goroutine (internal/passpdf/bench_test.go). scolpass --out-dir"
echo "renders on every CPU, so compare the CPU seconds too (last run; bare includes test set-up)."
if [[ $ENFORCE -eq 1 && $fail -ne 0 ]]; then
	exit 1
fi
exit 0
