#!/usr/bin/env bash
# bench-startup.sh — what does starting scolpass cost, next to any Go
# program's start?
#
#   scripts/bench-startup.sh [-r ROUNDS] [-n CALLS] [--goal RATIO] [--enforce]
#
# Builds a hello-world Go program with the same toolchain (the floor) and
# times `scolpass version` against it: ROUNDS rounds, each running CALLS
# calls of one then CALLS calls of the other, so that both see the same
# machine. Each round gives the CPU time (user + system, from the shell's
# accounting of its children) and the wall time per call; the script prints
# every round, then the medians and the ratio of the medians. Goal: scolpass
# costs at most RATIO (default 2) times the floor in CPU time.
#
# `GODEBUG=inittrace=1 bin/scolpass version` shows what each package's
# initialisation costs, for when the ratio grows.
#
# Options:
#   -r ROUNDS     rounds (default 7)
#   -n CALLS      calls of each command per round (default 40)
#   --goal RATIO  the ratio to meet (default 2)
#   --enforce     exit 1 when the ratio misses the goal
#
# Environment: SCOLPASS_BIN, a scolpass binary to use instead of building
# bin/scolpass; BENCH_SUMMARY, a file that gets one line per figure (see
# `make bench`).
set -euo pipefail

ROUNDS=7
CALLS=40
GOAL=2
ENFORCE=0

# shellcheck source=scripts/bench-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"

while [[ $# -gt 0 ]]; do
	case $1 in
	-r) ROUNDS=${2:?}; shift 2 ;;
	-n) CALLS=${2:?}; shift 2 ;;
	--goal) GOAL=${2:?}; shift 2 ;;
	--enforce) ENFORCE=1; shift ;;
	-h | --help) usage ;;
	*) echo "$prog: unknown argument \"$1\"" >&2; usage ;;
	esac
done
[[ $ROUNDS =~ ^[0-9]+$ && $ROUNDS -gt 0 ]] || die "-r wants a positive number of rounds"
[[ $CALLS =~ ^[0-9]+$ && $CALLS -gt 0 ]] || die "-n wants a positive number of calls"

bench_setup startup
bench_build

note "building the floor: a hello-world Go program ($(go env GOVERSION))"
mkdir -p "$work/hello"
cat >"$work/hello/main.go" <<'EOF'
package main

import "fmt"

func main() { fmt.Println("hello") }
EOF
printf 'module hello\n\ngo 1.21\n' >"$work/hello/go.mod"
(cd "$work/hello" && CGO_ENABLED=0 GOFLAGS= go build -o hello .) || die "cannot build the hello-world program"
HELLO=$work/hello/hello
export TIMES=$work/times

# calls N CMD...: runs CMD N times in a fresh shell and prints the CPU and
# wall milliseconds per call.
calls() {
	bash -c '
		n=$1; shift
		start=$(date +%s%N)
		for ((i = 0; i < n; i++)); do "$@" >/dev/null 2>&1 || true; done
		end=$(date +%s%N)
		# times: the shell'"'"'s own user and system time, then its children'"'"'s
		# (written to a file: in a pipe it would run in a subshell).
		times >"$TIMES"
		awk -v n="$n" -v wall=$((end - start)) '"'"'
			function sec(s,   m) { m = s; sub(/m.*/, "", m); sub(/^[0-9]+m/, "", s); sub(/s$/, "", s); return m * 60 + s }
			NR == 2 { printf "%.3f %.3f\n", (sec($1) + sec($2)) * 1000 / n, wall / 1e6 / n }'"'"' "$TIMES"
	' calls "$@"
}

"$SCOLPASS" version >/dev/null || die "$SCOLPASS version failed"
"$HELLO" >/dev/null
calls 5 "$SCOLPASS" version >/dev/null # warm-up: the binaries in the page cache
calls 5 "$HELLO" >/dev/null

note "$ROUNDS rounds of $CALLS calls each (CPU and wall ms per call)"
printf '%-6s %18s %18s %10s\n' round "scolpass cpu/wall" "hello cpu/wall" "cpu ratio" >&2
s_cpu=() s_wall=() h_cpu=() h_wall=()
for ((r = 1; r <= ROUNDS; r++)); do
	read -r sc sw < <(calls "$CALLS" "$SCOLPASS" version)
	read -r hc hw < <(calls "$CALLS" "$HELLO")
	s_cpu+=("$sc") s_wall+=("$sw") h_cpu+=("$hc") h_wall+=("$hw")
	printf '%-6s %8.2f / %7.2f %8.2f / %7.2f %10s\n' "$r" "$sc" "$sw" "$hc" "$hw" "$(ratio "$sc" "$hc")" >&2
done

msc=$(median "${s_cpu[@]}") msw=$(median "${s_wall[@]}")
mhc=$(median "${h_cpu[@]}") mhw=$(median "${h_wall[@]}")
rc=$(ratio "$msc" "$mhc") rw=$(ratio "$msw" "$mhw")
echo "scolpass version: ${msc} ms CPU, ${msw} ms wall (medians of $ROUNDS rounds)"
echo "hello world:      ${mhc} ms CPU, ${mhw} ms wall"
echo "ratio:            ${rc}x CPU, ${rw}x wall (goal: at most ${GOAL}x)"

verdict=ok
awk -v r="$rc" -v g="$GOAL" 'BEGIN { exit !(r <= g) }' || verdict=MISSED
summary "start-up (scolpass version), CPU" "${msc} ms" "hello-world Go binary" "${mhc} ms" "${rc}x" "<= ${GOAL}x" "$verdict"
summary "start-up (scolpass version), wall" "${msw} ms" "hello-world Go binary" "${mhw} ms" "${rw}x" "" ""
if [[ $verdict != ok && $ENFORCE == 1 ]]; then
	exit 1
fi
