#!/usr/bin/env bash
# bench-activate.sh — how long does a scripted activation take, from the
# SCOL'PASS sheet to an active account, with the default argon2id cost?
#
#   scripts/bench-activate.sh [-n ACCOUNTS] [--seed N] [--target MS] [--enforce]
#
# Builds bin/scolpass, starts a throwaway PostgreSQL (scripts/pg.sh), imports
# ACCOUNTS generated students (scripts/gen-students) and issues their sheets
# into one PDF (`issue-scolpass --all --out`). It reads the sheets back with
# `pdftotext -layout`, page by page: the identifier printed on the page
# (prenom.nom@domain) and the provisional password (XXXX-XXXX-XXXX-XX). Then,
# for every account in page order, it runs what a script would:
#   1. activate LOGIN --answers -   {provisional_password, recovery_email}   -> exit 3
#   2. mail send                    (SMTP, to scripts/smtp-catcher)          -> 1 sent
#   3. the link …/verify/TOKEN read from the email the catcher received
#   4. verify-token -               (the link on stdin)                      -> exit 0
#   5. activate LOGIN --answers -   {provisional_password, accept_charter,
#                                    new_password}                           -> exit 0, state active
# and prints the time of the first (cold) activation, of all of them in a
# row, per account (mean, median, p95) and per step. Every secret goes through
# stdin or a file of mode 0600, never argv. The argon2id parameters are the
# defaults (m=64 MiB, t=3, p=4): any SCOLPASS_ARGON2_* variable is unset, and
# a stored hash is checked at the end. The clock is fixed (SCOLPASS_NOW, the
# time the script started) so that no link expires at midnight mid-run.
#
# Options:
#   -n ACCOUNTS   accounts to activate (default 1000)
#   --seed N      generator seed (default 1)
#   --target MS   per-account target in milliseconds (default: none)
#   --enforce     exit 1 when the per-account mean is above --target
#
# Environment: SCOLPASS_BIN, a scolpass binary to use instead of building
# bin/scolpass; SCOLPASS_PG_BIN, the PostgreSQL binaries (see scripts/pg.sh).
set -euo pipefail

ACCOUNTS=1000
SEED=1
TARGET=
ENFORCE=0

# shellcheck source=scripts/bench-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"

while [[ $# -gt 0 ]]; do
	case $1 in
	-n) ACCOUNTS=${2:?}; shift 2 ;;
	--seed) SEED=${2:?}; shift 2 ;;
	--target) TARGET=${2:?}; shift 2 ;;
	--enforce) ENFORCE=1; shift ;;
	-h | --help) usage ;;
	*) echo "$prog: unknown argument \"$1\"" >&2; usage ;;
	esac
done
[[ $ACCOUNTS =~ ^[0-9]+$ && $ACCOUNTS -gt 0 ]] || die "-n wants a positive number of accounts"
[[ -z $TARGET || $TARGET =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "--target wants milliseconds"
command -v pdftotext >/dev/null 2>&1 || die "pdftotext is missing (apt-get install poppler-utils)"
command -v jq >/dev/null 2>&1 || die "jq is missing (apt-get install jq)"

bench_setup bench-activate
umask 077

bench_build

bench_students "$ACCOUNTS" "$SEED"

bench_pg bench_activate
unset SCOLPASS_ARGON2_MEMORY_KIB SCOLPASS_ARGON2_TIME SCOLPASS_ARGON2_THREADS
export SCOLPASS_NOW
SCOLPASS_NOW=$(date -u +%Y-%m-%dT%H:%M:%SZ)
domain=${SCOLPASS_MAIL_DOMAIN:-etu.umontpellier.fr}

"$SCOLPASS" migrate >"$work/migrate.out" 2>&1 || { cat "$work/migrate.out" >&2; die "scolpass migrate failed"; }
"$SCOLPASS" import-students "$file" -o json >"$work/import.json" 2>"$work/import.err" ||
	{ cat "$work/import.err" >&2; die "scolpass import-students failed"; }
pdf=$work/sheets.pdf
note "issuing $ACCOUNTS SCOL'PASS sheets into one PDF"
"$SCOLPASS" issue-scolpass --all --out "$pdf" -o json >"$work/issue.json" 2>"$work/issue.err" ||
	{ cat "$work/issue.err" >&2; die "scolpass issue-scolpass failed"; }
issued=$(jq '.issued | length' "$work/issue.json")
[[ $issued -eq $ACCOUNTS ]] || die "issue-scolpass issued $issued sheets, expected $ACCOUNTS"

# The sheets, page by page (pdftotext ends each page with a form feed): the
# identifier on the line "Identifiant · Login" and the provisional password.
# creds (mode 0600): "login password" per page, in page order.
creds=$work/creds
pdftotext -layout "$pdf" - | awk -v domain="$domain" '
	BEGIN { RS = "\f"; n = 0 }
	NF == 0 { next }
	{
		n++
		login = ""; pw = ""
		if (match($0, /Identifiant[^\n]*Login[ \t]+[^ \t\n]+/)) {
			s = substr($0, RSTART, RLENGTH); sub(/.*[ \t]/, "", s); login = s
		}
		if (match($0, /[23456789ABCDEFGHJKMNPQRSTUVWXYZ][23456789ABCDEFGHJKMNPQRSTUVWXYZ][23456789ABCDEFGHJKMNPQRSTUVWXYZ][23456789ABCDEFGHJKMNPQRSTUVWXYZ]-[23456789ABCDEFGHJKMNPQRSTUVWXYZ][23456789ABCDEFGHJKMNPQRSTUVWXYZ][23456789ABCDEFGHJKMNPQRSTUVWXYZ][23456789ABCDEFGHJKMNPQRSTUVWXYZ]-[23456789ABCDEFGHJKMNPQRSTUVWXYZ][23456789ABCDEFGHJKMNPQRSTUVWXYZ][23456789ABCDEFGHJKMNPQRSTUVWXYZ][23456789ABCDEFGHJKMNPQRSTUVWXYZ]-[23456789ABCDEFGHJKMNPQRSTUVWXYZ][23456789ABCDEFGHJKMNPQRSTUVWXYZ]([^23456789A-Z]|$)/)) {
			pw = substr($0, RSTART, 17)
		}
		if (login !~ ("@" domain "$") || pw == "") {
			printf "page %d: no identifier or no provisional password found\n", n > "/dev/stderr"
			exit 1
		}
		print login, pw
	}' >"$creds" || die "could not read the sheets back from $pdf"
chmod 600 "$creds"
pages=$(wc -l <"$creds")
[[ $pages -eq $ACCOUNTS ]] || die "read $pages sheets from the PDF, expected $ACCOUNTS"
# The page order is the order of the issue report (programme, last name,
# first name); the identifiers must match one for one.
if ! diff <(cut -d' ' -f1 "$creds") <(jq -r '.issued[].login' "$work/issue.json") >"$work/order.diff"; then
	head -n 20 "$work/order.diff" >&2
	die "the identifiers printed on the pages differ from the issue report (above)"
fi
[[ $(cut -d' ' -f1 "$creds" | sort -u | wc -l) -eq $ACCOUNTS ]] || die "an identifier appears on two pages"
note "read $pages sheets (identifier + provisional password) from the PDF"

# ms START END: milliseconds between two $EPOCHREALTIME values.
ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b - a) * 1000 }'; }

# activate_one N LOGIN PROVISIONAL: the 5 commands; appends a line of
# milliseconds "total act1 list show verify act2" to $work/times.
activate_one() {
	local n=$1 id=$2 pw=$3 login t0 t1 t2 t3 t4 t5 rc state link
	login=${id%@*}
	t0=$EPOCHREALTIME
	set +e
	printf '{"provisional_password":"%s","recovery_email":"student%d@example.org"}' "$pw" "$n" |
		"$SCOLPASS" activate "$login" --answers - -o json >"$work/a1.json" 2>"$work/a1.err"
	rc=$?
	set -e
	[[ $rc -eq 3 ]] || { cat "$work/a1.json" "$work/a1.err" >&2; die "$login: activate (steps 1-3) exited $rc, expected 3"; }
	t1=$EPOCHREALTIME
	"$SCOLPASS" mail send >"$work/send.out" 2>"$work/send.err" ||
		{ cat "$work/send.out" "$work/send.err" >&2; die "$login: mail send failed"; }
	t2=$EPOCHREALTIME
	link=$(grep -ohE 'https?://[^[:space:]]+/verify/[A-Za-z0-9_-]+' "$mails"/*"-student$n@example.org.txt" 2>/dev/null | sort -u || true)
	[[ -n $link && $link != *$'\n'* ]] || die "$login: not exactly one link in the email caught for student$n@example.org"
	printf '%s\n' "$link" >"$work/link"
	t3=$EPOCHREALTIME
	"$SCOLPASS" verify-token - -o json <"$work/link" >"$work/v.json" 2>"$work/v.err" ||
		{ cat "$work/v.json" "$work/v.err" >&2; die "$login: verify-token failed"; }
	t4=$EPOCHREALTIME
	set +e
	printf '{"provisional_password":"%s","accept_charter":true,"new_password":"Vert-Galet-Orage-%d"}' "$pw" "$n" |
		"$SCOLPASS" activate "$login" --answers - -o json >"$work/a2.json" 2>"$work/a2.err"
	rc=$?
	set -e
	state=$(jq -r '.state' "$work/a2.json" 2>/dev/null || true)
	[[ $rc -eq 0 && $state == active ]] ||
		{ cat "$work/a2.json" "$work/a2.err" >&2; die "$login: activate (steps 1-2, 5-8) exited $rc, state \"$state\", expected 0 and active"; }
	t5=$EPOCHREALTIME
	echo "$(ms "$t0" "$t5") $(ms "$t0" "$t1") $(ms "$t1" "$t2") $(ms "$t2" "$t3") $(ms "$t3" "$t4") $(ms "$t4" "$t5")" >>"$work/times"
}

# The emails go over SMTP to a catcher that writes each one to a file.
go build -o "$work/smtp-catcher" ./scripts/smtp-catcher
mails=$work/mails
smtp_port=$((PGPORT + 1000))
"$work/smtp-catcher" -addr "127.0.0.1:$smtp_port" -dir "$mails" 2>"$work/smtp.log" &
catcher=$!
trap 'kill "$catcher" 2>/dev/null || true; bench_cleanup' EXIT
export SCOLPASS_SMTP_URL="smtp://127.0.0.1:$smtp_port"
for _ in $(seq 50); do grep -q listening "$work/smtp.log" 2>/dev/null && break; sleep 0.1; done

sql -c CHECKPOINT
note "activating $ACCOUNTS accounts in a row (5 commands each)"
: >"$work/times"
n=0
T0=$EPOCHREALTIME
while read -r id pw; do
	n=$((n + 1))
	activate_one "$n" "$id" "$pw"
	if ((n % 100 == 0)); then note "  $n/$ACCOUNTS"; fi
done <"$creds"
T1=$EPOCHREALTIME
total_s=$(awk -v a="$T0" -v b="$T1" 'BEGIN { printf "%.2f", b - a }')

# Checks: every account active, hashes with the default argon2id cost.
active=$(sql -Atc "SELECT count(*) FROM accounts WHERE state = 'active'")
[[ $active -eq $ACCOUNTS ]] || die "$active accounts active, expected $ACCOUNTS"
params=$(sql -Atc "SELECT DISTINCT split_part(password_hash, '\$', 4) FROM accounts WHERE state = 'active'")
[[ $params == "m=65536,t=3,p=4" ]] || note "warning: argon2id parameters in the database: $params"
leaked=$(sql -Atc "SELECT count(*) FROM audit_events WHERE detail ~ 'Vert-Galet-Orage|[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{2}'")
[[ $leaked -eq 0 ]] || note "warning: $leaked audit events carry a secret in their detail"

# col K: column K of the times, sorted.
stat_col() {
	cut -d' ' -f"$1" "$work/times" | sort -g | awk '{ v[NR] = $1; s += $1 } END {
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		p = v[int(NR * 0.95 + 0.999999)]; if (p == "") p = v[NR]
		printf "%10.1f %10.1f %10.1f %10.1f %10.1f\n", s / NR, m, p, v[1], v[NR] }'
}
first=$(head -n 1 "$work/times" | cut -d' ' -f1)
mean=$(cut -d' ' -f1 "$work/times" | awk '{ s += $1 } END { printf "%.1f", s / NR }')

echo
echo "scripted activation of $ACCOUNTS accounts, argon2id $params ($(nproc) CPUs, PostgreSQL $(sql -Atc 'SHOW server_version'), fsync off)"
printf '%-44s %s\n' "first account (cold), 5 commands" "$(printf '%.1f' "$first") ms"
printf '%-44s %s\n' "$ACCOUNTS accounts in a row" "$total_s s ($(awk -v t="$total_s" -v n="$ACCOUNTS" 'BEGIN { printf "%.1f", t * 1000 / n }') ms per account, wall)"
printf '%-44s %10s %10s %10s %10s %10s\n' "per account, ms" "mean" "median" "p95" "min" "max"
printf '%-44s %s\n' "  whole activation (5 commands)" "$(stat_col 1)"
printf '%-44s %s\n' "  1 activate: steps 1-3 (exit 3)" "$(stat_col 2)"
printf '%-44s %s\n' "  2 mail send (SMTP)" "$(stat_col 3)"
printf '%-44s %s\n' "  3 the link, from the email received" "$(stat_col 4)"
printf '%-44s %s\n' "  4 verify-token - (step 4)" "$(stat_col 5)"
printf '%-44s %s\n' "  5 activate: steps 1-2, 5-8 (argon2id)" "$(stat_col 6)"
if [[ -n $TARGET ]]; then
	v=$(awk -v m="$mean" -v t="$TARGET" 'BEGIN { print (m + 0 <= t + 0) ? "OK" : "ABOVE TARGET" }')
	printf '%-44s %s\n' "target (mean per account)" "≤ $TARGET ms: $v"
	if [[ $ENFORCE -eq 1 && $v != OK ]]; then
		exit 1
	fi
else
	printf '%-44s %s\n' "target" "none in the product contract (--target MS to set one)"
fi
exit 0
