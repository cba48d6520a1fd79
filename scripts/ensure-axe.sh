#!/usr/bin/env bash
# ensure-axe.sh — make sure axe-core (the accessibility engine the browser
# tests inject into every page) is in a cache directory, and print the path
# of its axe.min.js.
#
#   scripts/ensure-axe.sh            prints e.g. ~/.cache/scolpass/axe-core-4.10.3/node_modules/axe-core/axe.min.js
#
# The version is pinned here; npm runs only when that version is missing.
set -euo pipefail

version=4.10.3
cache=${SCOLPASS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/scolpass}
dir=$cache/axe-core-$version
js=$dir/node_modules/axe-core/axe.min.js
if [[ ! -s $js ]]; then
	command -v npm >/dev/null 2>&1 || { echo "$(basename "$0"): npm is missing (apt-get install npm)" >&2; exit 1; }
	mkdir -p "$dir"
	npm install --silent --no-audit --no-fund --prefix "$dir" "axe-core@$version" >&2
	[[ -s $js ]] || { echo "$(basename "$0"): axe-core $version did not install $js" >&2; exit 1; }
fi
echo "$js"
