#!/usr/bin/env bash
# with-pg.sh — run one command against a throwaway PostgreSQL, then stop it.
#
#   scripts/with-pg.sh CMD [ARGS...]
#
# Starts a fresh cluster with scripts/pg.sh, exports DATABASE_URL and
# PGHOST/PGPORT/PGUSER/PGDATABASE (plus SCOLPASS_PG_DIR, the pg.sh state
# directory), runs CMD, stops and deletes the cluster when CMD ends — also on
# failure, Ctrl-C or SIGTERM — and exits with CMD's status.
#
# Example: scripts/with-pg.sh go test ./...
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
[[ $# -ge 1 ]] || { echo "usage: $(basename "$0") CMD [ARGS...]" >&2; exit 2; }

state=$(mktemp -d /tmp/scolpass-with-pg.XXXXXX)
child=
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
	if [[ -n $child ]] && kill -0 "$child" 2>/dev/null; then
		kill -TERM "$child" 2>/dev/null || true
		wait "$child" 2>/dev/null || true
	fi
	"$here/pg.sh" stop "$state" || true
	rm -rf -- "$state"
}
trap cleanup EXIT
# Until CMD runs, a signal just ends this script (and the trap stops the cluster).
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

"$here/pg.sh" start "$state" >/dev/null
# shellcheck disable=SC1091
source "$state/env"
export SCOLPASS_PG_DIR=$state

# CMD runs as a child that keeps our stdin and default signal handling, so that
# it stays interactive and Ctrl-C reaches it; a signal sent to this script is
# passed on to CMD, and the cluster is stopped once CMD has ended.
set +e
(
	trap - INT QUIT TERM HUP
	exec "$@"
) <&0 &
child=$!
trap 'kill -INT "$child" 2>/dev/null' INT
trap 'kill -TERM "$child" 2>/dev/null' TERM
trap 'kill -HUP "$child" 2>/dev/null' HUP
while :; do
	wait "$child"
	status=$?
	kill -0 "$child" 2>/dev/null || break
done
child=
set -e
exit "$status"
