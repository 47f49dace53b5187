# jixiao: build, run and test. `make run` and `make test` are all a fresh
# machine needs (Go, gcc and npm present).

SHELL     := bash
GO        ?= go
TAGS      := duckdb_arrow
GOFLAGS_  := -tags=$(TAGS)
VERSION   ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
ECHARTS   := pipeline/render/assets/echarts.min.js
BENCHTIME ?= 3x
FUZZTIME  ?= 3s
# The fuzz targets, package:Target; go test -fuzz runs one at a time.
FUZZ      := ./pipeline/extract:FuzzParseNumber ./pipeline/extract:FuzzXLSXHeader \
             ./pipeline/extract:FuzzCSVEncoding ./pipeline/extract:FuzzSavedRecordsGrowth \
             ./pipeline/project:FuzzModelHeader \
             ./pipeline/project:FuzzProjectYAML

.PHONY: all build run test fuzz bench vet fmt assets check clean screenshots dist

all: build

# The ECharts bundle comes from the npm package pinned in package-lock.json
# and is embedded into the binary: dashboards never load it from a CDN.
node_modules/echarts/dist/echarts.min.js: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund
	@touch $@

$(ECHARTS): node_modules/echarts/dist/echarts.min.js
	cp $< $@

assets: $(ECHARTS)

build: $(ECHARTS)
	$(GO) build $(GOFLAGS_) -ldflags "-X main.version=$(VERSION)" -o jixiao .

# Runs the whole pipeline on the project in this folder (jixiao.yaml: the
# Weihai 2017 project the binary also embeds), its demo data generated on
# first use: warehouse in .jixiao/, dashboards in site/.
run: build
	./jixiao run

check: build
	./jixiao check

vet: $(ECHARTS)
	$(GO) vet $(GOFLAGS_) ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1)

# Every test, verbose into a log of which only failures, skips and each
# package's result are shown; then how many tests skipped (under
# JIXIAO_REQUIRE a missing service fails instead), then a short fuzz run.
test: $(ECHARTS)
	$(GO) vet $(GOFLAGS_) ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))" || (echo "gofmt needed"; exit 1)
	@echo "$(GO) test $(GOFLAGS_) -count=1 -v ./..."
	@log=$$(mktemp); trap 'rm -f $$log' EXIT; \
	$(GO) test $(GOFLAGS_) -count=1 -v ./... 2>&1 | tee $$log | grep -Ev '^ *(=== (RUN|PAUSE|CONT|NAME)|--- PASS|PASS$$)'; \
	rc=$${PIPESTATUS[0]}; \
	skipped=$$(grep -c -- '--- SKIP' $$log); \
	echo "skipped: $$skipped test(s)$${JIXIAO_REQUIRE:+ (JIXIAO_REQUIRE=$$JIXIAO_REQUIRE)}"; \
	grep -- '--- SKIP' $$log | sed 's/^ */  /'; \
	exit $$rc
	@$(MAKE) --no-print-directory fuzz

# Each fuzz target for FUZZTIME (FUZZTIME=5m make fuzz to search longer).
# go test -fuzz takes one target at a time and links its test binary each
# time, so each package's binary is built once and runs its targets one
# after the other, the packages side by side, one worker each, with go
# test's corpus cache. An input that fails is written to the package's
# testdata/fuzz/<Target>/: fix the code and commit the input with the fix.
# A target that ends with go's own "context deadline exceeded" and no failing
# input (its worker late to stop on a loaded machine, seen once in CI) runs
# once more; any other failure fails at once.
fuzz: $(ECHARTS)
	@cache=$$($(GO) env GOCACHE)/fuzz/$$($(GO) list -m); \
	fuzz_pkg() { local dir=$${1#./} bin log; bin=$$(mktemp); log=$$(mktemp); \
	  $(GO) test $(GOFLAGS_) -c -fuzz . -o $$bin $$1 || return 1; \
	  for t in $(FUZZ); do [ "$${t%%:*}" = "$$1" ] || continue; name=$${t##*:}; \
	    for try in 1 2; do \
	      if (cd $$dir && $$bin -test.run '^$$' -test.fuzz "^$$name\$$" -test.fuzztime $(FUZZTIME) -test.parallel 1 \
	          -test.fuzzcachedir $$cache/$$dir) >$$log 2>&1; then ok=1; break; fi; ok=; \
	      [ $$try = 1 ] && grep -q 'context deadline exceeded' $$log && ! grep -q 'Failing input written' $$log || break; \
	      echo "fuzz $$name: go's fuzzing engine stopped on its own deadline, no failing input (a busy machine): once more"; \
	    done; \
	    if [ -n "$$ok" ]; then \
	      echo "fuzz $$name: ok, $$(grep -o 'execs: [0-9]*' $$log | tail -1 | cut -d' ' -f2) inputs in $(FUZZTIME)"; \
	    else cat $$log; echo "fuzz $$name: FAIL"; rm -f $$bin $$log; return 1; fi; \
	  done; rm -f $$bin $$log; }; \
	pids=; for pkg in $(sort $(foreach t,$(FUZZ),$(firstword $(subst :, ,$(t))))); do fuzz_pkg $$pkg & pids="$$pids $$!"; done; \
	rc=0; for p in $$pids; do wait $$p || rc=1; done; exit $$rc

# Benchmarks print each figure beside its baseline measured in the same run:
# every ratio with the baseline's own time (s/NAME, per operation) and the
# machine's 1-minute load average at the benchmark's start and end.
bench: $(ECHARTS)
	$(GO) test $(GOFLAGS_) -run '^$$' -bench . -benchtime $(BENCHTIME) -count 1 ./... | tee bench.out
	@echo
	@echo "ratios (jixiao ÷ baseline, lower is better), each with the baseline's time and the load:"
	@awk '/^Benchmark/ { delete m; for (i = 3; i < NF; i += 2) m[$$(i+1)] = $$i; \
		out = ""; for (u in m) if (u ~ /^x_vs_/) { b = substr(u, 6); \
			out = out sprintf("  %sx vs %s (%s s)", m[u], b, ("s/" b in m) ? m["s/" b] : "?") } \
		if (out != "") printf "%s%s  load %s -> %s\n", $$1, out, m["load_start"], m["load_end"] }' bench.out

# A picture of every dashboard page (JPEG, full length) in screenshots/,
# taken by the browser test in headless Chromium.
screenshots: $(ECHARTS)
	rm -rf screenshots
	JIXIAO_SCREENSHOTS=$(CURDIR)/screenshots $(GO) test $(GOFLAGS_) -run TestSiteInBrowser -count=1 .
	@ls screenshots | wc -l | xargs echo "screenshots written:"

# Release tarballs for the platforms 信创 desktops and servers run:
# linux-amd64 and linux-arm64 (Kunpeng, Phytium). Debian's
# gcc-aarch64-linux-gnu cross-compiles the cgo part; the DuckDB bindings ship
# an arm64 library. Each tarball holds the binary and the README.
DIST := dist
dist: $(ECHARTS)
	rm -rf $(DIST) && mkdir -p $(DIST)
	@for arch in amd64 arm64; do \
	  name=jixiao-$(VERSION)-linux-$$arch; out=$(DIST)/$$name; mkdir -p $$out; \
	  cc=gcc; cxx=g++; if [ $$arch = arm64 ]; then cc=aarch64-linux-gnu-gcc; cxx=aarch64-linux-gnu-g++; fi; \
	  echo "build linux-$$arch"; \
	  CGO_ENABLED=1 GOOS=linux GOARCH=$$arch CC=$$cc CXX=$$cxx $(GO) build $(GOFLAGS_) -trimpath \
	    -ldflags "-s -w -X main.version=$(VERSION)" -o $$out/jixiao . || exit 1; \
	  cp README.md $$out/ && tar -C $(DIST) -czf $(DIST)/$$name.tar.gz $$name || exit 1; \
	done
	@ls -l $(DIST)/*.tar.gz

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf jixiao site .site-* .site.* .jixiao bench.out dist
