# make serve   build everything and serve the page on http://127.0.0.1:8080 (PORT=... to change)
# make test    native tests, the wasm binding in headless Chromium, the page end to end
# make bench   sample archives through the release CLI and the page: a table of medians (docs/performance.md)
# Both install what is missing first (.ci/setup.sh) and skip what is there.

SHELL := /bin/bash
export PATH := $(HOME)/.cargo/bin:$(PATH)

WASM := target/wasm32-unknown-unknown/release/chorus2outdoo.wasm
# WebAssembly SIMD (every current browser has it): zlib-rs deflates about
# 1.4x and inflates 1.2x faster with it, sha2 hashes 1.16x (docs/decisions/2026-11-21-conversion-speed.md).
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS := -C target-feature=+simd128
CLI := target/release/chorus2outdoo

.PHONY: setup setup-test wasm build serve test test-native test-types test-wasm test-e2e bench

setup:
	.ci/setup.sh

setup-test:
	.ci/setup.sh --browser

# The library as WebAssembly plus its JS glue, in www/pkg/ (git-ignored).
wasm: setup
	cargo build --lib --release --target wasm32-unknown-unknown
	wasm-bindgen --target web --out-dir www/pkg $(WASM)

build:
	cargo build --release

serve: wasm build
	$(CLI) serve --dir www

test: setup-test
	$(MAKE) --no-print-directory test-native wasm build test-types test-wasm test-e2e

test-native:
	cargo test

# The page's JavaScript (// @ts-check) checked by TypeScript against the
# DOM and Web Worker APIs and the binding's declarations, which `make wasm`
# writes (www/pkg/chorus2outdoo.d.ts); typescript is installed with the
# e2e tests' packages (.ci/setup.sh --browser).
TSC := tests/e2e/node_modules/.bin/tsc
test-types:
	$(TSC) -p www/jsconfig.json
	$(TSC) -p www/worker/jsconfig.json

# The binding API in headless Chromium (wasm-bindgen-test-runner as the cargo
# runner for wasm32; browser flags in tests/webdriver.json).
# --no-default-features leaves out the native-only CLI binary.
test-wasm:
	CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
	CHROMEDRIVER=/usr/bin/chromedriver WASM_BINDGEN_TEST_WEBDRIVER_JSON=$(CURDIR)/tests/webdriver.json \
	WASM_BINDGEN_TEST_TIMEOUT=120 \
	cargo test --target wasm32-unknown-unknown --no-default-features --test wasm_api --test wasm_worker

# The page end to end with playwright-core driving /usr/bin/chromium; the
# page's download from Chorus runs against the mock Chorus API example.
test-e2e:
	cargo build --example mock_chorus
	node --test tests/e2e/edits.test.mjs tests/e2e/report.test.mjs
	node tests/e2e/run.mjs

# Generated sample archives (2,000 and 10,000 calls) and a 5,000-tracker
# export through the release CLI and the page in headless Chromium (one
# worker and one per core); prints a table of medians. CALLS, RUNS,
# PAGE_RUNS to change.
bench: setup-test wasm build
	tests/bench/run.sh
