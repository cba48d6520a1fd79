#!/usr/bin/env bash
# demo.sh — scolpass end to end on a throwaway PostgreSQL:
# import sample students, print their SCOL'PASS sheets, script one complete
# activation (catching the emailed links over SMTP), restart one at the
# helpdesk, and print the report. Everything it writes goes to out/demo/.
#
#   make demo            (or: scripts/demo.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out=$root/out/demo
bin=$root/bin/scolpass
[[ -x $bin ]] || go build -o "$bin" ./cmd/scolpass
scripts/ensure-tools.sh
go build -o "$root/bin/smtp-catcher" ./scripts/smtp-catcher
rm -rf "$out" && mkdir -p "$out/mails" && chmod 700 "$out"

pgdir=$(mktemp -d /tmp/scolpass-demo.XXXXXX)
catcher=
cleanup() {
	[[ -n $catcher ]] && kill "$catcher" 2>/dev/null || true
	scripts/pg.sh stop "$pgdir" >/dev/null 2>&1 || true
	rm -rf "$pgdir"
}
trap cleanup EXIT
scripts/pg.sh start "$pgdir" >/dev/null
# shellcheck disable=SC1091
source "$pgdir/env"
port=$(( $(cat "$pgdir/port") + 1000 ))
"$root/bin/smtp-catcher" -addr "127.0.0.1:$port" -dir "$out/mails" 2>"$out/smtp.log" &
catcher=$!
export SCOLPASS_SMTP_URL="smtp://127.0.0.1:$port"
export SCOLPASS_OPERATOR=demo
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ scolpass %s\n' "$*"; "$bin" "$@"; }

step "Schema"
run migrate

step "Import the Apogée export (40 students, 3 programmes, accents, homonyms)"
run import-students scripts/demo/students.csv
step "A second export: changes, new students, two bad rows (exit 4 = partial)"
run import-students scripts/demo/students-update.csv || echo "(exit $?)"

step "One student"
run show jean.dupont2

step "Print the SCOL'PASS sheets of every student, sorted by programme and name"
run issue-scolpass --out "$out/scolpass.pdf" -o csv >"$out/issued.csv"
head -n 5 "$out/issued.csv"
echo "… ($(($(wc -l <"$out/issued.csv") - 1)) sheets)"
echo "Sheets: $out/scolpass.pdf"

# The provisional password exists only on paper: read it back from the PDF.
password_of() { # LOGIN
	pdftotext -layout "$out/scolpass.pdf" - | sed -n "/$1@etu.umontpellier.fr/,\$p" |
		grep -m1 -oE '[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{2}' || true
}
answers() { # FILE JSON — answers carry secrets: mode 0600, never argv
	(umask 077 && printf '%s\n' "$2" >"$1")
}
last_link() { # ADDRESS
	grep -ho 'https://[^ ]*/verify/[A-Za-z0-9_-]*' "$out"/mails/*"$1"* | tail -n 1 || true
}

login=heloise.lefevre
pw=$(password_of "$login")
step "Scripted activation of $login: steps 1-3, the link of step 4 is emailed (exit 3 = paused)"
answers "$out/a1.json" "{\"provisional_password\": \"$pw\", \"recovery_email\": \"heloise.lefevre@orange.fr\"}"
run activate "$login" --answers "$out/a1.json" || echo "(exit $?)"
step "Deliver the outbox over SMTP, then follow the link the student received"
run mail send
last_link heloise.lefevre@orange.fr | run verify-token -
step "Steps 5-8: charter, redirect to another address (its own link, 6-2), new password"
answers "$out/a2.json" "{\"provisional_password\": \"$pw\", \"accept_charter\": true, \"redirect_to\": \"h.lefevre@laposte.net\", \"keep_copy\": true}"
run activate "$login" --answers "$out/a2.json" || echo "(exit $?)"
run mail send
last_link h.lefevre@laposte.net | run verify-token -
answers "$out/a3.json" "{\"provisional_password\": \"$pw\", \"new_password\": \"Vert-Galet-Orage-73\"}"
run activate "$login" --answers "$out/a3.json" -o json
run mail send

step "Helpdesk: a student stuck at step 4 comes to the desk; the agent restarts and assists"
login2=jean.dupont2
pw2=$(password_of "$login2")
answers "$out/b1.json" "{\"provisional_password\": \"$pw2\", \"recovery_email\": \"jean.dupnot@gmial.com\"}"
run activate "$login2" --answers "$out/b1.json" >/dev/null 2>&1 || true
run reset "$login2" --restart --operator agent.helpdesk
echo '(assisted mode at a terminal: the agent types the answers, passwords are not echoed)'
{ sleep 1; printf '%s\n' "$pw2"; sleep 0.5; printf 'jean.dupont@gmail.com\n'; sleep 1; } |
	script -qfec "$bin activate $login2 --operator agent.helpdesk" /dev/null || echo "(exit $?)"
run show "$login2" | sed -n '/^History/,$p'

step "Report per programme"
run report
run report --pdf "$out/report.pdf" >/dev/null
echo "Report PDF: $out/report.pdf"
step "Personal data: the audit trail (JSON lines for a SIEM), one student's data, the retention"
run audit --login "$login" -o json
printf '$ scolpass export-student %s > %s\n' "$login" "$out/export-$login.json"
"$bin" export-student "$login" >"$out/export-$login.json"
echo "Everything held about $login (right of access): $out/export-$login.json"
run purge --dry-run
step "Done"
echo "SCOL'PASS sheets: $out/scolpass.pdf   report: $out/report.pdf   emails: $out/mails/"
