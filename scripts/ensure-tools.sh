#!/usr/bin/env bash
# ensure-tools.sh — make sure the command-line tools the tests need exist.
#
#   scripts/ensure-tools.sh [COMMAND:PACKAGE ...]
#
# Always checks pdftotext and pdftoppm (Debian package poppler-utils); extra
# COMMAND:PACKAGE pairs may be given, e.g. `zbarimg:zbar-tools`; a COMMAND
# that starts with / is a file the package installs (a shell library).
# Runs `apt-get update` and `apt-get install` only when something is missing,
# as root or through password-less sudo. Prints nothing when all is present.
set -euo pipefail

prog=$(basename "$0")
wanted=(pdftotext:poppler-utils pdftoppm:poppler-utils "$@")

# present COMMAND: on the PATH, or an existing file for /a/path.
present() {
	if [[ $1 == /* ]]; then [[ -e $1 ]]; else command -v "$1" >/dev/null 2>&1; fi
}

missing_pkgs=()
missing_cmds=()
for pair in "${wanted[@]}"; do
	[[ $pair == *:* ]] || { echo "$prog: \"$pair\" is not COMMAND:PACKAGE" >&2; exit 2; }
	cmd=${pair%%:*} pkg=${pair#*:}
	if ! present "$cmd"; then
		missing_cmds+=("$cmd")
		[[ " ${missing_pkgs[*]-} " == *" $pkg "* ]] || missing_pkgs+=("$pkg")
	fi
done
((${#missing_pkgs[@]} == 0)) && exit 0

if [[ $EUID -eq 0 ]]; then
	sudo=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
	sudo=(sudo -n)
else
	echo "$prog: missing ${missing_cmds[*]}; install ${missing_pkgs[*]} as root (apt-get install ${missing_pkgs[*]})" >&2
	exit 1
fi

echo "$prog: missing ${missing_cmds[*]}: installing ${missing_pkgs[*]} with apt-get" >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get -qq -o DPkg::Lock::Timeout=300 update >/dev/null
"${sudo[@]}" apt-get -qq -o DPkg::Lock::Timeout=300 install -y --no-install-recommends "${missing_pkgs[@]}" >/dev/null

for cmd in "${missing_cmds[@]}"; do
	present "$cmd" || { echo "$prog: $cmd is still missing after installing ${missing_pkgs[*]}" >&2; exit 1; }
done
