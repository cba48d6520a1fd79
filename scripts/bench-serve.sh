#!/usr/bin/env bash
# bench-serve.sh — the first-morning rush on scolpass serve: N students at
# once walking the whole activation on the site, with the default argon2id
# cost (64 MiB, t=3, p=4).
#
#   scripts/bench-serve.sh [-c STUDENTS] [-r REQUESTS] [--seed N]
#
# Builds bin/scolpass and the load generator (scripts/bench-serve), starts a
# throwaway PostgreSQL, imports STUDENTS generated students and prints their
# sheets; reads identifier and provisional password back from the PDF;
# starts scripts/smtp-catcher and `scolpass serve` (its own outbox loop), and
# a bare net/http handler serving the bytes of the activation page (the
# floor). The load generator then measures, from the same process:
#   1. ordinary pages: STUDENTS clients x REQUESTS GET, on the floor and on
#      /activation (p50, p99, and the ratio of the p99s);
#   2. the flow: STUDENTS students at once from the sheet to step 8, the
#      step-4 link read from the mail caught over SMTP (p50/p99 per kind of
#      request, step-7 throughput, answers by status);
# then the peak RSS of serve (VmHWM) and that SIGTERM stops it with exit 0.
# Everything stays on 127.0.0.1; every loop is bounded.
#
# Options:
#   -c STUDENTS   concurrent students (default 200)
#   -r REQUESTS   GET per client in the ordinary-page phase (default 25)
#   --seed N      generator seed (default 1)
set -euo pipefail

STUDENTS=200
REQUESTS=25
SEED=1

# shellcheck source=scripts/bench-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"

while [[ $# -gt 0 ]]; do
	case $1 in
	-c) STUDENTS=${2:?}; shift 2 ;;
	-r) REQUESTS=${2:?}; shift 2 ;;
	--seed) SEED=${2:?}; shift 2 ;;
	-h | --help) usage ;;
	*) echo "$prog: unknown argument \"$1\"" >&2; usage ;;
	esac
done
command -v pdftotext >/dev/null 2>&1 || die "pdftotext is missing (apt-get install poppler-utils)"
command -v curl >/dev/null 2>&1 || die "curl is missing (apt-get install curl)"

bench_setup bench-serve
umask 077
pids=()
# shellcheck disable=SC2317 # called by the EXIT trap
stop_all() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	bench_cleanup
}
trap stop_all EXIT

bench_build
go build -o "$work/bench-serve" ./scripts/bench-serve || die "go build ./scripts/bench-serve failed"
go build -o "$work/smtp-catcher" ./scripts/smtp-catcher || die "go build ./scripts/smtp-catcher failed"
bench_students "$STUDENTS" "$SEED"
bench_pg bench_serve
unset SCOLPASS_ARGON2_MEMORY_KIB SCOLPASS_ARGON2_TIME SCOLPASS_ARGON2_THREADS
domain=${SCOLPASS_MAIL_DOMAIN:-etu.umontpellier.fr}
port=$((PGPORT + 1000))
smtp_port=$((PGPORT + 1001))
floor_port=$((PGPORT + 1002))
export SCOLPASS_BASE_URL=http://127.0.0.1:$port SCOLPASS_SMTP_URL=smtp://127.0.0.1:$smtp_port
export SCOLPASS_NOW
SCOLPASS_NOW=$(date -u +%Y-%m-%dT%H:%M:%SZ)

"$SCOLPASS" migrate >/dev/null 2>&1 || die "scolpass migrate failed"
"$SCOLPASS" import-students "$file" >/dev/null 2>"$work/import.err" || { cat "$work/import.err" >&2; die "import failed"; }
"$SCOLPASS" issue-scolpass --all --out "$work/sheets.pdf" >/dev/null 2>"$work/issue.err" || { cat "$work/issue.err" >&2; die "issue failed"; }
creds=$work/creds
pdftotext -layout "$work/sheets.pdf" - | "$work/bench-serve" creds -domain "$domain" >"$creds"
[[ $(wc -l <"$creds") -ge $STUDENTS ]] || die "read $(wc -l <"$creds") sheets from the PDF, expected $STUDENTS"
note "read $STUDENTS sheets (identifier + provisional password) from the PDF"

mkdir -p "$work/mails"
"$work/smtp-catcher" -addr "127.0.0.1:$smtp_port" -dir "$work/mails" 2>"$work/smtp.log" &
pids+=($!)
"$SCOLPASS" serve --listen "127.0.0.1:$port" --mail-every 500ms --login-rate 1000000 --link-rate 1000000 \
	--db-conns 16 2>"$work/serve.log" &
serve=$!
pids+=("$serve")
for _ in $(seq 100); do
	curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
	sleep 0.1
done
curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null || { cat "$work/serve.log" >&2; die "serve did not start"; }
curl -fsS "http://127.0.0.1:$port/activation" -o "$work/page.html"
"$work/bench-serve" floor -addr "127.0.0.1:$floor_port" -page "$work/page.html" &
pids+=($!)
sleep 0.3

note "load: $STUDENTS concurrent students, argon2id m=64MiB t=3 p=4, $(nproc) cores"
rc=0
"$work/bench-serve" run -url "http://127.0.0.1:$port" -floor "http://127.0.0.1:$floor_port" -creds "$creds" \
	-mails "$work/mails" -c "$STUDENTS" -r "$REQUESTS" || rc=$?
hwm=$(awk '/VmHWM/ { printf "%.0f MiB", $2 / 1024 }' "/proc/$serve/status")
echo "peak RSS of scolpass serve: $hwm"
active=$(sql -At -c "SELECT count(*) FROM students WHERE state = 'active'")
echo "accounts active: $active of $STUDENTS"
kill -TERM "$serve"
serve_rc=0
wait "$serve" || serve_rc=$?
echo "serve after SIGTERM: exit $serve_rc"
if grep -q 'level=ERROR' "$work/serve.log"; then
	grep 'level=ERROR' "$work/serve.log" | head -n 5 >&2
	rc=1
fi
[[ $serve_rc -eq 0 ]] || rc=1
exit "$rc"
