#!/usr/bin/env bash
# bench-startup.sh — what does starting scolpass cost, next to any Go
# program's start?
#
#   scripts/bench-startup.sh [-r ROUNDS] [-n CALLS] [--goal RATIO] [--enforce]
#
# Builds a hello-world Go program with the same toolchain (the floor) and
# times `scolpass version` against it as whole processes, the way
# hyperfine -N does: ROUNDS rounds, each of CALLS pairs started in turn
# straight from a small Go program (scripts/exec-pairs: fork and exec, no
# shell in either figure), the ratio taken pair by pair so that the
# machine's drift moves both sides alike. Each round gives the medians of
# the wall and CPU (user + system) milliseconds of each and of the ratios;
# the script prints every round, then the medians of the rounds. Goal:
# scolpass takes at most RATIO (default 2) times the floor's wall time.
#
# Both programs are written into place by scripts/place-binary, as `make
# build` writes bin/scolpass: in one write, so that the page cache holds
# them in 2 MiB folios and the kernel maps their code with huge pages.
#
# Then it times the same binary with SCOLPASS_PREFAULT=0, pairs in turn,
# for what internal/prefault buys, and both programs as `go build` alone
# leaves them (written by the linker: 4 KiB folios).
#
# `GODEBUG=inittrace=1 bin/scolpass version` shows what each package's
# initialisation costs, and `perf stat -e page-faults` how many pages it
# touches (README, "Performance"), for when the ratio grows.
#
# Options:
#   -r ROUNDS     rounds (default 7)
#   -n CALLS      pairs of calls per round (default 40)
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
(cd "$work/hello" && CGO_ENABLED=0 GOFLAGS= go build -o hello.link .) || die "cannot build the hello-world program"
# The floor enters the page cache the way `make build` puts scolpass there
# (scripts/place-binary: one write, 2 MiB folios), which makes it faster too.
cp "$work/hello/hello.link" "$work/hello/hello.tmp"
go run ./scripts/place-binary "$work/hello/hello.tmp" "$work/hello/hello" || die "scripts/place-binary failed"
HELLO=$work/hello/hello
go build -o "$work/exec-pairs" ./scripts/exec-pairs || die "cannot build scripts/exec-pairs"
# Both as the linker leaves them, for the last figure.
CGO_ENABLED=0 go build -o "$work/scolpass.link" ./cmd/scolpass || die "go build ./cmd/scolpass failed"

"$SCOLPASS" version >/dev/null || die "$SCOLPASS version failed"
"$HELLO" >/dev/null

note "$ROUNDS rounds of $CALLS pairs each (medians of each round, ms per call)"
printf '%-6s %18s %18s %12s %12s\n' round "scolpass wall/cpu" "hello wall/cpu" "wall ratio" "cpu ratio" >&2
s_cpu=() s_wall=() h_cpu=() h_wall=() r_wall=() r_cpu=()
for ((r = 1; r <= ROUNDS; r++)); do
	read -r sw sc hw hc rw rc < <("$work/exec-pairs" -n "$CALLS" -w 3 -a "$SCOLPASS version" -b "$HELLO")
	s_cpu+=("$sc") s_wall+=("$sw") h_cpu+=("$hc") h_wall+=("$hw") r_wall+=("$rw") r_cpu+=("$rc")
	printf '%-6s %8.2f / %7.2f %8.2f / %7.2f %11.2fx %11.2fx\n' "$r" "$sw" "$sc" "$hw" "$hc" "$rw" "$rc" >&2
done

msc=$(median "${s_cpu[@]}") msw=$(median "${s_wall[@]}")
mhc=$(median "${h_cpu[@]}") mhw=$(median "${h_wall[@]}")
rw=$(median "${r_wall[@]}") rc=$(median "${r_cpu[@]}")
echo "scolpass version: ${msw} ms wall, ${msc} ms CPU (medians of $ROUNDS rounds)"
echo "hello world:      ${mhw} ms wall, ${mhc} ms CPU"
echo "ratio, pair by pair: ${rw}x wall, ${rc}x CPU (goal: at most ${GOAL}x wall)"

# What internal/prefault buys, on the same file: two files with the same
# bytes can differ by several percent (their page-cache state), so the one
# binary is timed with its start-up prefaulting on and off.
read -r pw _ ow _ prw _ < <("$work/exec-pairs" -n "$((CALLS * 2))" -w 3 -a "$SCOLPASS version" -b "SCOLPASS_PREFAULT=0 $SCOLPASS version")
echo "the same binary with SCOLPASS_PREFAULT=0: ${ow} ms wall; with prefaulting, ${prw}x of that, pair by pair"

# The same two programs as `go build` leaves them (written by the linker
# through a mapping: 4 KiB folios, no huge-page mapping of the code).
read -r lw _ lhw _ lrw _ < <("$work/exec-pairs" -n "$((CALLS * 2))" -w 3 -a "$work/scolpass.link version" -b "$work/hello/hello.link")
echo "both as the linker wrote them (go build alone): ${lw} ms against ${lhw} ms, ${lrw}x pair by pair"

verdict=ok
awk -v r="$rw" -v g="$GOAL" 'BEGIN { exit !(r <= g) }' || verdict=MISSED
summary "start-up (scolpass version), wall" "${msw} ms" "hello-world Go binary" "${mhw} ms" "${rw}x" "<= ${GOAL}x" "$verdict"
summary "start-up (scolpass version), CPU" "${msc} ms" "hello-world Go binary" "${mhc} ms" "${rc}x" "" ""
summary "start-up, prefaulting on (internal/prefault)" "${pw} ms" "SCOLPASS_PREFAULT=0, same binary" "${ow} ms" "${prw}x" "" ""
summary "start-up, both as go build leaves them" "${lw} ms" "hello world, go build alone" "${lhw} ms" "${lrw}x" "" ""
if [[ $verdict != ok && $ENFORCE == 1 ]]; then
	exit 1
fi
