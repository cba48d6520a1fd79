#!/usr/bin/env bash
# demo-serve.sh — the activation site in a real browser: starts scolpass
# serve on a throwaway PostgreSQL (with an in-process SMTP server), walks
# students through the pages in headless Chromium from the sheet to step 8
# (and the lost password, lost login and change of password after it),
# in French and in English, the emailed links opened on a second browser,
# and saves a screenshot of every step (phone 360 px and desktop), and of
# the personal-data and accessibility pages (320 px and desktop), to
# out/demo/web/. It is the browser tests of cmd/scolpass/e2e run for show.
#
#   make demo            (or: scripts/demo-serve.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
out=$PWD/out/demo/web
scripts/ensure-tools.sh chromium:chromium
axe=$(scripts/ensure-axe.sh)
rm -rf "$out" && mkdir -p "$out"
SCOLPASS_AXE_JS=$axe SCOLPASS_WEB_ARTIFACTS=$out scripts/with-pg.sh \
	go test -count=1 -run 'TestBrowserWholeFlow|TestBrowserLegalPages|TestBrowserRecovery' ./cmd/scolpass/e2e/
echo "Screenshots of every step: $out ($(find "$out" -name '*.png' | wc -l) PNG files)"
