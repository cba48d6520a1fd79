#!/usr/bin/env bash
# bench-summary.sh — print the figures the benchmark scripts collected in
# one table (what `make bench` shows at the end).
#
#   scripts/bench-summary.sh FILE
#
# FILE holds one line per figure, tab-separated, as written by summary() in
# scripts/bench-lib.sh: figure, measured, floor, floor figure, ratio, goal,
# verdict.
set -euo pipefail
[[ $# -eq 1 && -r $1 ]] || { echo "usage: $(basename "$0") FILE" >&2; exit 2; }
echo
echo "scolpass benchmarks ($(nproc) CPUs, $(date -u +%Y-%m-%dT%H:%MZ)); the machine may be shared: see each script's runs above"
awk -F '\t' '
	BEGIN { n = 1; h[1] = "figure"; h[2] = "measured"; h[3] = "floor is"; h[4] = "floor"; h[5] = "ratio"; h[6] = "goal"; h[7] = ""
		for (i = 1; i <= 7; i++) { c[1, i] = h[i]; w[i] = length(h[i]) } }
	NF >= 7 { n++; for (i = 1; i <= 7; i++) { c[n, i] = $i; if (length($i) > w[i]) w[i] = length($i) } }
	END {
		for (r = 1; r <= n; r++) {
			line = ""
			for (i = 1; i <= 7; i++) {
				f = (i == 1 || i == 3 || i == 6) ? "%-" w[i] "s" : "%" w[i] "s"
				line = line (i > 1 ? "  " : "") sprintf(f, c[r, i])
			}
			print line
		}
	}' "$1"
