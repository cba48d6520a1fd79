#!/usr/bin/env bash
# bench-provision.sh — how fast does `scolpass provision run` write N
# activated accounts to a real OpenLDAP, against ldapmodify of the same
# changes as one LDIF file (the floor)?
#
#   scripts/bench-provision.sh [-n JOBS] [-r RUNS] [--dbnosync] [--target RATIO] [--enforce]
#
# Builds bin/scolpass, starts a throwaway PostgreSQL (scripts/pg.sh) and a
# throwaway slapd (mdb, the argon2 module, the schemas of the tests:
# internal/directory/ldaptest) on a free port, as the openldap user when run
# as root. Loads JOBS student entries into slapd (ldapadd) and JOBS active
# accounts with one queued provisioning job each into PostgreSQL (SQL), then
# times, on the same entries and the same values:
#   ldapmodify -f changes.ldif        one connection, one Modify (replace)
#                                     per entry, DNs known in advance
#   scolpass provision run            one connection, per job: claim (FOR
#                                     UPDATE SKIP LOCKED), read the account,
#                                     search the entry by uid, Modify
#                                     (replace), record the result
# RUNS times each, alternately (the jobs are made due again between runs),
# keeping the best of each: the machine may be shared. It checks that every
# job is done and that a student binds with the password written. Target:
# provision run within RATIO (default 2) × the floor.
#
# Options:
#   -n JOBS          jobs (default 10000)
#   -r RUNS          runs of each (default 2)
#   --dbnosync       slapd does not sync its database to disk after each
#                    write: both sides then measure the protocol, not the
#                    disk (whose latency varies a lot on a shared machine)
#   --target RATIO   target ratio to the floor (default 2)
#   --enforce        exit 1 when the target is missed
#
# Environment: SCOLPASS_BIN, a scolpass binary to use instead of building
# bin/scolpass; SCOLPASS_PG_BIN, the PostgreSQL binaries (see scripts/pg.sh).
set -euo pipefail

JOBS=10000
RUNS=2
NOSYNC=
TARGET=2
ENFORCE=0

# shellcheck source=scripts/bench-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"

while [[ $# -gt 0 ]]; do
	case $1 in
	-n) JOBS=${2:?}; shift 2 ;;
	-r) RUNS=${2:?}; shift 2 ;;
	--dbnosync) NOSYNC=dbnosync; shift ;;
	--target) TARGET=${2:?}; shift 2 ;;
	--enforce) ENFORCE=1; shift ;;
	-h | --help) usage ;;
	*) usage ;;
	esac
done

bench_setup provision
"$root/scripts/ensure-tools.sh" slapd:slapd ldapmodify:ldap-utils
bench_build
bench_pg scolpass

# One argon2id hash (of Bench-Password-2026, m=1024 t=1 p=1) for everyone:
# what is measured is the write, not the hashing.
PW=Bench-Password-2026
HASH='$argon2id$v=19$m=1024,t=1,p=1$/XRhU2docY7RJzlN4ANnSA$7ZYCWuTK1lA+MMD0jAfmbjZTf1Qmv7EVifKTULJRkZY'
SUFFIX=dc=example,dc=org
PEOPLE=ou=people,$SUFFIX
WRITER=cn=scolpass,ou=system,$SUFFIX

# --- slapd -----------------------------------------------------------------
# Its own directory: as the openldap user, slapd cannot enter $work (0700).
slapd_dir=$(mktemp -d /tmp/scolpass-slapd.XXXXXX)
mkdir -p "$slapd_dir/data"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
url=ldap://127.0.0.1:$port
cp "$root/internal/directory/ldaptest/scolpass-test.schema" "$slapd_dir/test.schema"
cat >"$slapd_dir/slapd.conf" <<CONF
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/nis.schema
include /etc/ldap/schema/inetorgperson.schema
include $slapd_dir/test.schema
modulepath /usr/lib/ldap
moduleload back_mdb
moduleload argon2
pidfile $slapd_dir/slapd.pid
database mdb
maxsize 1073741824
suffix "$SUFFIX"
rootdn "cn=admin,$SUFFIX"
rootpw root-secret
directory $slapd_dir/data
index objectClass,uid eq
$NOSYNC
access to attrs=userPassword by dn.exact="$WRITER" write by anonymous auth by * none
access to dn.subtree="$PEOPLE" by dn.exact="$WRITER" write by * read
access to * by * read
CONF
printf 'writer-secret' >"$work/ldap.pw"
chmod 600 "$work/ldap.pw"
owner=()
if [[ $EUID -eq 0 ]] && id openldap >/dev/null 2>&1; then
	chown -R openldap:openldap "$slapd_dir"
	owner=(-u openldap -g openldap)
fi
note "starting slapd on $url"
/usr/sbin/slapd -f "$slapd_dir/slapd.conf" -h "$url/" "${owner[@]}" -d 0 >"$work/slapd.log" 2>&1 &
slapd_pid=$!
# shellcheck disable=SC2317 # called by the EXIT trap
stop_slapd() {
	kill "$slapd_pid" 2>/dev/null && wait "$slapd_pid" 2>/dev/null
	rm -rf -- "$slapd_dir"
	bench_cleanup
}
trap stop_slapd EXIT
for i in $(seq 100); do
	ldapsearch -x -H "$url" -b "" -s base >/dev/null 2>&1 && break
	kill -0 "$slapd_pid" 2>/dev/null || { cat "$work/slapd.log" >&2; die "slapd exited"; }
	((i < 100)) || die "slapd does not answer on $url"
	sleep 0.1
done

# Logins without digits (the schema's rule): stu.<letters of the number>.
login_sql="'stu.' || translate(to_char(i, 'FM000000'), '0123456789', 'abcdefghij')"
note "loading $JOBS entries into slapd"
{
	printf 'dn: %s\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: Example\n\n' "$SUFFIX"
	printf 'dn: %s\nobjectClass: organizationalUnit\nou: people\n\n' "$PEOPLE"
	printf 'dn: ou=system,%s\nobjectClass: organizationalUnit\nou: system\n\n' "$SUFFIX"
	printf 'dn: %s\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\ncn: scolpass\nuserPassword: writer-secret\n\n' "$WRITER"
	sql -At -c "SELECT format(E'dn: uid=%s,$PEOPLE\nobjectClass: inetOrgPerson\nobjectClass: shadowAccount\nobjectClass: scolpassTestAccount\nuid: %s\ncn: Student %s\nsn: Student\n', l, l, l)
		FROM (SELECT $login_sql AS l FROM generate_series(1, $JOBS) i) s"
} >"$work/entries.ldif"
ldapadd -x -H "$url" -D "cn=admin,$SUFFIX" -w root-secret -f "$work/entries.ldif" >/dev/null ||
	{ tail -20 "$work/slapd.log" >&2; head -30 "$work/entries.ldif" >&2; die "ldapadd failed"; }

note "loading $JOBS active accounts and their jobs into PostgreSQL"
"$SCOLPASS" migrate >/dev/null
sql <<SQL
INSERT INTO students (student_no, last_name, first_name, login_base, login_seq, login, created_at, updated_at,
	state, state_since, recovery_email, redirect_to, keep_copy, charter_version, charter_accepted_at,
	password_hash, password_set_at, activated_at)
SELECT i::text, 'Student', 'Bench', l, 1, l, now(), now(), 'active', now(), l || '@example.org', l || '@example.net', true,
	'2026-1', '2026-09-01 10:00:00+02', '$HASH', '2026-09-01 10:05:00+02', now()
FROM (SELECT i, $login_sql AS l FROM generate_series(1, $JOBS) i) s;
INSERT INTO provision_jobs (student_id, reason, created_at, next_attempt_at)
SELECT id, 'activated', now(), now() FROM students ORDER BY id;
VACUUM ANALYZE;
SQL

# The same changes as one LDIF file, DNs known in advance.
sql -At -c "SELECT format(E'dn: uid=%s,$PEOPLE\nchangetype: modify\nreplace: userPassword\nuserPassword: {ARGON2}%s\n-\nreplace: shadowLastChange\nshadowLastChange: 20697\n-\nreplace: supannMailPerso\nsupannMailPerso: %s@example.org\n-\nreplace: mailForwardingAddress\nmailForwardingAddress: %s@example.net\n-\nreplace: mailDeliveryOption\nmailDeliveryOption: mailbox\nmailDeliveryOption: forward\n-\nreplace: scolpassCharterVersion\nscolpassCharterVersion: 2026-1\n-\nreplace: scolpassCharterAcceptedAt\nscolpassCharterAcceptedAt: 20260901080000Z\n', login, password_hash, login, login)
	FROM students ORDER BY id" >"$work/changes.ldif"

export SCOLPASS_LDAP_URL=$url SCOLPASS_LDAP_BIND_DN=$WRITER SCOLPASS_LDAP_BIND_PASSWORD_FILE=$work/ldap.pw SCOLPASS_LDAP_BASE_DN=$PEOPLE
floors=() ours_=()
for run in $(seq "$RUNS"); do
	note "run $run/$RUNS: ldapmodify of $JOBS changes (the floor)"
	t0=$(now)
	ldapmodify -x -H "$url" -D "$WRITER" -y "$work/ldap.pw" -f "$work/changes.ldif" >/dev/null
	t1=$(now)
	floors+=("$(elapsed "$t0" "$t1")")
	note "run $run/$RUNS: scolpass provision run of $JOBS jobs"
	sql -c "UPDATE provision_jobs SET done_at = NULL, attempts = 0, dn = NULL, next_attempt_at = now() - interval '1 second'"
	t0=$(now)
	"$SCOLPASS" provision run >"$work/run.out"
	t1=$(now)
	ours_+=("$(elapsed "$t0" "$t1")")
	note "$(cat "$work/run.out"): ${ours_[-1]} s against ${floors[-1]} s"
done
floor=$(best "${floors[@]}")
ours=$(best "${ours_[@]}")

left=$(sql -At -c "SELECT count(*) FROM provision_jobs WHERE done_at IS NULL")
[[ $left == 0 ]] || die "$left jobs not done"
last=$(sql -At -c "SELECT login FROM students ORDER BY id DESC LIMIT 1")
ldapwhoami -x -H "$url" -D "uid=$last,$PEOPLE" -w "$PW" >/dev/null || die "uid=$last cannot bind with the password written"
ldapwhoami -x -H "$url" -D "uid=$last,$PEOPLE" -w "$PW-wrong" >/dev/null 2>&1 && die "uid=$last binds with a wrong password"

r=$(ratio "$ours" "$floor")
printf '%-42s %8s s\n' "ldapmodify, $JOBS changes (floor)" "$floor"
printf '%-42s %8s s  (%s× the floor, target %s×)\n' "scolpass provision run, $JOBS jobs" "$ours" "$r" "$TARGET"
printf '%-42s %8s\n' "jobs per second" "$(awk -v n="$JOBS" -v t="$ours" 'BEGIN { printf "%.0f", n / t }')"
if [[ $ENFORCE == 1 ]] && awk -v r="$r" -v t="$TARGET" 'BEGIN { exit !(r > t) }'; then
	die "provision run is $r× ldapmodify, over the target $TARGET×"
fi
