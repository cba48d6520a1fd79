# scolpass — make targets. `make test` is what CI runs (.ci/run).
GO       ?= go
BIN      := bin/scolpass
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -X github.com/umontpellier/scolpass/internal/cli.Version=$(VERSION)

.PHONY: build test vet lint bench demo clean deb

# CGO_ENABLED=0: a static binary starts without the dynamic loader and libc
# (os/user and the resolver in pure Go). scripts/place-binary writes it in
# one piece, so that the page cache holds it in 2 MiB folios and the kernel
# maps its code with huge pages; README, "Performance".
build:
	CGO_ENABLED=0 $(GO) build -ldflags "$(LDFLAGS)" -o $(BIN).link ./cmd/scolpass
	$(GO) run ./scripts/place-binary $(BIN).link $(BIN)

vet:
	$(GO) vet ./...
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt would change: $$unformatted"; exit 1; fi

lint: vet
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...

# Every test, against a throwaway PostgreSQL started (and stopped) here.
test: vet
	scripts/ensure-tools.sh chromium:chromium slapd:slapd ldapmodify:ldap-utils
	scripts/ensure-tools.sh nginx:nginx apache2:apache2 lintian:lintian mandb:man-db systemd-analyze:systemd dpkg-deb:dpkg zsh:zsh fish:fish /usr/share/bash-completion/bash_completion:bash-completion
	SCOLPASS_REQUIRE_PG=1 SCOLPASS_AXE_JS=$$(scripts/ensure-axe.sh) scripts/with-pg.sh $(GO) test -race -count=1 -timeout 30m ./...

# Each figure next to its floor, timed side by side; one table at the end.
bench: build
	@summary=$$(mktemp); status=0; \
	for b in startup import issue report; do \
		BENCH_SUMMARY=$$summary SCOLPASS_BIN=$(CURDIR)/$(BIN) scripts/bench-$$b.sh || status=1; \
	done; \
	scripts/bench-summary.sh $$summary; rm -f $$summary; exit $$status
	scripts/bench-provision.sh

demo: build
	scripts/demo.sh
	scripts/demo-serve.sh

# The Debian package: out/scolpass_VERSION_amd64.deb (scripts/build-deb.sh).
deb:
	scripts/build-deb.sh

clean:
	rm -rf bin out
