# Starling. Every Go command passes -tags goolm: the pure-Go Olm/Megolm.
GO       ?= go
TAGS     := goolm
BIN      := bin/starling
FUZZTIME ?= 30s

.PHONY: all build run test test-race deps bench bench-scale fuzz lint clean

# staticcheck, built once into the user's cache folder.
STATICCHECK_VERSION := v0.8.2
CACHE       := $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/starling
STATICCHECK := $(CACHE)/staticcheck-$(STATICCHECK_VERSION)

all: build

build:
	$(GO) build -tags $(TAGS) -o $(BIN) ./cmd/starling

# A local homeserver, a bot and a demo account; prints where to log in.
run: deps build
	$(GO) run -tags $(TAGS) ./internal/testenv/cmd/localrun -bin $(BIN)

# Debian's Apertium pairs: Spanish, Catalan, English, French, Portuguese and
# Italian, directly or through a pivot.
APERTIUM := apertium apertium-eng-spa apertium-spa-cat apertium-eng-cat apertium-fr-es \
	apertium-fra-cat apertium-es-pt apertium-por-cat apertium-spa-ita apertium-cat-ita

# What a fresh machine needs: a C compiler for SQLite (cgo), Apertium, and
# PostgreSQL for the tests of the PostgreSQL code path (and pg_dump for
# backups), systemd-analyze to check the example units.
DEBS := gcc libc6-dev postgresql systemd $(APERTIUM)

deps:
	@if ! dpkg -s $(DEBS) >/dev/null 2>&1; then \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $(DEBS); fi
	@command -v $(GO) >/dev/null || { echo "Go 1.26 or newer is needed: https://go.dev/dl/" >&2; exit 1; }
	$(GO) mod download

# vet, gofmt and staticcheck, then every test: unit, fuzz seeds, and
# integration against real Dendrite.
test: deps lint
	$(GO) run -tags $(TAGS) ./internal/testenv/cmd/localrun -build-only
	$(GO) test -tags $(TAGS) -count=1 -timeout 30m ./...

# The same with the race detector, in the tests and in the bot they start
# (slower: not part of make test).
test-race: deps
	$(GO) run -tags $(TAGS) ./internal/testenv/cmd/localrun -build-only
	STARLING_RACE=1 $(GO) test -race -tags $(TAGS) -count=1 -timeout 60m ./...

bench: deps
	$(GO) run -tags $(TAGS) ./internal/testenv/cmd/localrun -build-only
	$(GO) test -tags $(TAGS) -run '^$$' -bench . -skip BenchmarkScale -benchtime 20x -timeout 30m ./...

# One bot in 1 000 encrypted rooms (200 coalitions of 5) on one Dendrite:
# set-up, commands and copies against one room, restart, RSS, 50
# coalitions talking at once (sustained, then a burst), CPU per copy, as a
# table. STARLING_SCALE_COALITIONS, _ROOMS, _SENDERS, _MESSAGES and _EVERY
# (each sender's pace when sustained) change it.
bench-scale: deps
	$(GO) run -tags $(TAGS) ./internal/testenv/cmd/localrun -build-only
	$(GO) test -tags $(TAGS) ./internal/e2e -run '^$$' -bench '^BenchmarkScale$$' -benchtime 1x -timeout 30m -v

# Each fuzzer for FUZZTIME (go test takes one -fuzz target at a time).
fuzz:
	$(GO) test -tags $(TAGS) ./commands -run '^$$' -fuzz FuzzCommandParser -fuzztime $(FUZZTIME) -fuzzminimizetime 5s
	$(GO) test -tags $(TAGS) ./relay -run '^$$' -fuzz FuzzSanitize -fuzztime $(FUZZTIME) -fuzzminimizetime 5s
	$(GO) test -tags $(TAGS) ./scheduler -run '^$$' -fuzz FuzzParseWhen -fuzztime $(FUZZTIME) -fuzzminimizetime 5s
	$(GO) test -tags $(TAGS) ./forms -run '^$$' -fuzz FuzzParseAnswer -fuzztime $(FUZZTIME) -fuzzminimizetime 5s
	$(GO) test -tags $(TAGS) ./incidents -run '^$$' -fuzz FuzzIntakeAnswers -fuzztime $(FUZZTIME) -fuzzminimizetime 5s
	$(GO) test -tags $(TAGS) ./rooms -run '^$$' -fuzz FuzzDirectChat -fuzztime $(FUZZTIME) -fuzzminimizetime 5s
	$(GO) test -tags $(TAGS) ./internal/mxtext -run '^$$' -fuzz FuzzVisibleMentions -fuzztime $(FUZZTIME) -fuzzminimizetime 5s
	$(GO) test -tags $(TAGS) ./translate -run '^$$' -fuzz FuzzParseText -fuzztime $(FUZZTIME) -fuzzminimizetime 5s
	$(GO) test -tags $(TAGS) ./translate -run '^$$' -fuzz FuzzDetect -fuzztime $(FUZZTIME) -fuzzminimizetime 5s
	$(GO) test -tags $(TAGS) ./internal/shortid -run '^$$' -fuzz FuzzParse -fuzztime $(FUZZTIME) -fuzzminimizetime 5s

lint: $(STATICCHECK)
	$(GO) vet -tags $(TAGS) ./...
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	$(STATICCHECK) -tags $(TAGS) ./...

$(STATICCHECK):
	mkdir -p $(CACHE)/staticcheck-build
	GOBIN=$(CACHE)/staticcheck-build $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
	mv $(CACHE)/staticcheck-build/staticcheck $@

clean:
	rm -rf bin
