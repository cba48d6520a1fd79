#!/usr/bin/env bash
# build-deb.sh — build the Debian package out/scolpass_VERSION_amd64.deb with
# Debian's own dpkg-deb (make deb).
#
#   scripts/build-deb.sh [OUTDIR]
#
# VERSION comes from `git describe --tags`: v1.4.0 gives 1.4.0; an untagged
# commit gives 0~gitYYYYMMDD.HASH (sorting before any release). The sources
# of the package are in scripts/deb/: control data, maintainer scripts,
# systemd units, the conffile, the nginx and Apache sites; the man pages and
# completions are generated from the commands themselves (scripts/gen-man,
# the binary's completion command). The build is reproducible:
# file times are the commit's (SOURCE_DATE_EPOCH).
# Prints the path of the package on stdout.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
top=$(cd "$here/.." && pwd -P)
src=$here/deb
out=${1:-$top/out}
GO=${GO:-go}

cd "$top"
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
version=$("$here/deb/version.sh")
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)

stage=$(mktemp -d /tmp/scolpass-deb.XXXXXX)
trap 'rm -rf -- "$stage"' EXIT
root=$stage/scolpass
install -d -m 0755 "$root/DEBIAN" "$root/usr/bin" "$root/etc/scolpass" "$root/lib/systemd/system" \
	"$root/usr/share/man/man1" "$root/usr/share/bash-completion/completions" \
	"$root/usr/share/zsh/vendor-completions" "$root/usr/share/fish/vendor_completions.d" \
	"$root/usr/share/doc/scolpass/examples/nginx" "$root/usr/share/doc/scolpass/examples/apache2"

# The binary: static, stripped, reproducible. Not position independent: a
# PIE needs the dynamic loader to apply 67,000 relocations at every start,
# 3x a hello-world program's start-up instead of 1.8x (README,
# "Performance"); lintian's statically-linked-binary is overridden for it.
CGO_ENABLED=0 GOOS=linux GOARCH=amd64 "$GO" build -trimpath -buildvcs=false \
	-ldflags "-s -w -buildid= -X github.com/umontpellier/scolpass/internal/cli.Version=$version" \
	-o "$root/usr/bin/scolpass" ./cmd/scolpass
bin=$root/usr/bin/scolpass

# Man pages (one per command, scripts/gen-man: cobra/doc stays out of the
# binary) and completions, from the commands themselves.
CGO_ENABLED=0 "$GO" run -trimpath -buildvcs=false \
	-ldflags "-X github.com/umontpellier/scolpass/internal/cli.Version=$version" ./scripts/gen-man "$stage/man"
for f in "$stage"/man/*.1; do
	gzip -9n <"$f" >"$root/usr/share/man/man1/$(basename "$f").gz"
done
"$bin" completion bash >"$root/usr/share/bash-completion/completions/scolpass"
"$bin" completion zsh >"$root/usr/share/zsh/vendor-completions/_scolpass"
"$bin" completion fish >"$root/usr/share/fish/vendor_completions.d/scolpass.fish"

# Service, timer, conffile, proxy sites, documentation.
install -m 0644 "$src"/systemd/scolpass.service "$src"/systemd/scolpass-purge.service "$src"/systemd/scolpass-purge.timer "$root/lib/systemd/system/"
install -m 0644 "$src/scolpass.env" "$root/etc/scolpass/scolpass.env"
install -m 0644 "$src/nginx/scolpass.conf" "$root/usr/share/doc/scolpass/examples/nginx/scolpass.conf"
install -m 0644 "$src/apache2/scolpass.conf" "$root/usr/share/doc/scolpass/examples/apache2/scolpass.conf"
install -m 0644 README.md "$root/usr/share/doc/scolpass/README.md"
install -m 0644 "$src/copyright" "$root/usr/share/doc/scolpass/copyright"
install -D -m 0644 "$src/lintian-overrides" "$root/usr/share/lintian/overrides/scolpass"
sed -e "s/@VERSION@/$version/" -e "s/@COMMIT@/$commit/" \
	-e "s/@DATE@/$(date -u -R -d "@$SOURCE_DATE_EPOCH")/" "$src/changelog.in" | gzip -9n >"$root/usr/share/doc/scolpass/changelog.gz"

# Control data.
install -m 0755 "$src/postinst" "$src/prerm" "$src/postrm" "$root/DEBIAN/"
install -m 0644 "$src/conffiles" "$root/DEBIAN/conffiles"
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@INSTALLED_SIZE@/$size/" "$src/control.in" >"$root/DEBIAN/control"
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | LC_ALL=C sort -z | xargs -0 md5sum) >"$root/DEBIAN/md5sums"
chmod 0644 "$root/DEBIAN/md5sums"
find "$root" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +

mkdir -p "$out"
deb=$out/scolpass_${version}_amd64.deb
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "$deb"
