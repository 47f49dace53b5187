# jixiao: build, run and test. `make run` and `make test` are all a fresh
# machine needs (Go, gcc and npm present).

GO        ?= go
TAGS      := duckdb_arrow
GOFLAGS_  := -tags=$(TAGS)
VERSION   ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
ECHARTS   := pipeline/render/assets/echarts.min.js
BENCHTIME ?= 3x

.PHONY: all build run test bench vet fmt assets check clean screenshots

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

# Runs the whole pipeline on the embedded Weihai 2017 project: warehouse in
# .jixiao/, dashboards in site/.
run: build
	./jixiao run

check: build
	./jixiao check

vet: $(ECHARTS)
	$(GO) vet $(GOFLAGS_) ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1)

test: $(ECHARTS)
	$(GO) vet $(GOFLAGS_) ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))" || (echo "gofmt needed"; exit 1)
	$(GO) test $(GOFLAGS_) -count=1 ./...

# Benchmarks print each figure beside its baseline measured in the same run.
bench: $(ECHARTS)
	$(GO) test $(GOFLAGS_) -run '^$$' -bench . -benchtime $(BENCHTIME) -count 1 ./... | tee bench.out
	@echo
	@echo "ratios (jixiao ÷ baseline, lower is better):"
	@grep -Eo '^Benchmark[^ ]+|[0-9.]+ x_vs_[a-z_]+' bench.out | paste -sd' ' | sed 's/ Benchmark/\nBenchmark/g' | grep x_vs || true

# A picture of every dashboard page (JPEG, full length) in screenshots/,
# taken by the browser test in headless Chromium.
screenshots: $(ECHARTS)
	rm -rf screenshots
	JIXIAO_SCREENSHOTS=$(CURDIR)/screenshots $(GO) test $(GOFLAGS_) -run TestSiteInBrowser -count=1 .
	@ls screenshots | wc -l | xargs echo "screenshots written:"

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf jixiao site .jixiao bench.out
