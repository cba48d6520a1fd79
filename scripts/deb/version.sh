#!/usr/bin/env bash
# version.sh — the Debian version of the checkout in the working directory:
# a release tag gives it (v1.4.0 or 1.4.0 → 1.4.0; 3 commits after it →
# 1.4.0+git3.HASH); without a tag, 0~gitYYYYMMDD.HASH, which sorts before
# any release (the date of SOURCE_DATE_EPOCH, else of the commit). A
# checkout with changes adds +dirty. An abbreviated hash such as 932ad58 is
# never read as a version number: `git describe` is asked for a tag only.
set -euo pipefail
desc=$(git describe --tags --dirty 2>/dev/null || true)
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=$(git describe --always --dirty 2>/dev/null || true)
epoch=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
if [[ -n $desc && $desc =~ ^v?([0-9][0-9A-Za-z.+~]*)(-([0-9]+)-g([0-9a-f]+))?(-dirty)?$ ]]; then
	version=${BASH_REMATCH[1]}
	[[ -n ${BASH_REMATCH[3]} ]] && version+="+git${BASH_REMATCH[3]}.${BASH_REMATCH[4]}"
else
	version="0~git$(date -u -d "@$epoch" +%Y%m%d).$commit"
fi
[[ $dirty == *-dirty ]] && version+="+dirty"
echo "$version"
