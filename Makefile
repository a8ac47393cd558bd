# Värna — the two commands: `make run` and `make test`.
# Both install what is missing on a Debian 12 machine (as root, or with sudo available),
# and skip what is already there.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

CARGO ?= cargo
TARGET_DIR := $(or $(CARGO_TARGET_DIR),target)
APT_PACKAGES := build-essential pkg-config curl file libssl-dev \
	libwebkit2gtk-4.1-dev libsoup-3.0-dev librsvg2-dev libayatana-appindicator3-dev \
	webkit2gtk-driver xvfb \
	poppler-utils xclip
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
export PATH := $(HOME)/.cargo/bin:$(PATH)

.PHONY: help run test deps deps-system deps-node deps-tools ui lint unit e2e app bench fmt contract \
	icons dist dist-test dist-bench

help:
	@echo "make run        - set up what is missing, build the UI and start Värna"
	@echo "make test       - set up what is missing and run every check and test (incl. end to end)"
	@echo "make dist       - build the release app and CLI and the installable packages"
	@echo "                  (Linux: .deb and .rpm; Windows: .msi and the NSIS .exe), see docs/DEPLOY.md"
	@echo "make dist-test  - install the .deb on this machine (root), smoke-test it, remove it"
	@echo "make dist-bench - benchmark 4 (cold start) with the installed app; package sizes"
	@echo "make contract   - regenerate the app-UI contract and the UI test fixtures from Rust"

# ---------------------------------------------------------------- setup

deps: deps-system deps-node deps-tools

deps-system:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing system packages:$$missing"; \
	  $(SUDO) apt-get update -qq; \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi
	@command -v $(CARGO) >/dev/null || { echo "Rust (cargo) is required: https://rustup.rs"; exit 1; }

deps-node:
	@command -v npm >/dev/null || { DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq nodejs npm; }
	@node -e 'const [a,b]=process.versions.node.split(".").map(Number); if (a<20||(a===20&&b<19)) { console.error("Node.js >= 20.19 is required, found "+process.versions.node); process.exit(1) }'
	@if [ ! -f ui/node_modules/.package-lock.json ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then \
	  echo "Installing UI packages"; cd ui && npm ci --no-audit --no-fund; \
	fi

deps-tools:
	@command -v tauri-driver >/dev/null || $(CARGO) install tauri-driver --locked

ui: deps-node
	cd ui && npm run build

# ---------------------------------------------------------------- the two commands

run: deps ui
	$(CARGO) run --release -p varna-app

test: deps ui lint unit app e2e
	@echo "All checks and tests passed."

# ---------------------------------------------------------------- parts of `make test`

# Test hooks (raw SQL on the decrypted database, the unsuppressed tally, crash points) are a
# Cargo feature of varna-core that the app and the CLI never enable; the tests turn it on.
TEST_FEATURES := --features varna-core/test-hooks

lint:
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings
	$(CARGO) clippy --workspace --all-targets --locked $(TEST_FEATURES) -- -D warnings
	cd ui && npm run check

unit:
	$(CARGO) test --workspace --exclude varna-e2e --locked $(TEST_FEATURES)
	cd ui && npm test

app: ui
	$(CARGO) build -p varna-app -p varna-cli --locked

e2e: app
	$(CARGO) test -p varna-e2e --locked --no-fail-fast -- --test-threads=1

# Benchmarks, each against a baseline measured in the same run; writes target/bench/report.md.
# The seeded million-screening store is cached under target/bench/ (keyed by the schema).
# Benchmark 4 starts the release app and a bare Tauri window (crates/varna-bare-window), both
# built here in the same run, under its own Xvfb. Benchmark 9 drives the release app through
# the end-to-end harness (tests/e2e/interview_latency.rs), and so does benchmark 10's
# main-thread probe (tests/e2e/main_thread_stall.rs).
bench: deps ui
	# Two builds, so the bench hooks (a feature of varna-core) never reach the release app.
	$(CARGO) build --release --locked -p varna-app -p varna-bare-window
	$(CARGO) build --release --locked -p varna-bench
	# Benchmark 9 (the interview's latency, measured inside the page) drives the release app
	# through the end-to-end harness; varna-bench reads its samples.
	$(CARGO) build --release --locked -p varna-cli
	rm -f target/bench/latency.json
	VARNA_APP_BIN=$(abspath $(TARGET_DIR))/release/varna-app \
	  VARNA_BENCH_LATENCY_OUT=$(CURDIR)/target/bench/latency.json \
	  $(CARGO) test --locked -p varna-e2e --test interview_latency -- --ignored --nocapture \
	  || echo "benchmark 9 could not run; its rows say so"
	rm -f target/bench/paint.json
	VARNA_APP_BIN=$(abspath $(TARGET_DIR))/release/varna-app \
	  VARNA_BENCH_PAINT_OUT=$(CURDIR)/target/bench/paint.json \
	  $(CARGO) test --locked -p varna-e2e --test list_paint -- --ignored --nocapture \
	  || echo "benchmark 8's first paints could not run; their rows say so"
	# Benchmark 10's main-thread stalls (an unlock and a backup of the ten-year store, from the
	# UI) drive the release app the same way, on a copy of benchmark 7's store (seeded once).
	rm -f target/bench/stall.json
	store=$$($(CARGO) run --release --locked -p varna-bench -- --work target/bench --history-store) \
	  && VARNA_APP_BIN=$(abspath $(TARGET_DIR))/release/varna-app VARNA_BENCH_STALL_STORE=$$store \
	  VARNA_BENCH_STALL_OUT=$(CURDIR)/target/bench/stall.json \
	  $(CARGO) test --locked -p varna-e2e --test main_thread_stall -- --ignored --nocapture \
	  || echo "benchmark 10's stall rows could not run; they say so"
	$(CARGO) run --release --locked -p varna-bench -- --work target/bench --out target/bench/report.md \
	  --app $(TARGET_DIR)/release/varna-app --bare $(TARGET_DIR)/release/varna-bare-window \
	  --latency target/bench/latency.json --paint target/bench/paint.json --stall target/bench/stall.json

fmt:
	$(CARGO) fmt --all

# Regenerates the app–UI contract (ui/src/lib/contract.ts, src-tauri/commands.json,
# src-tauri/capabilities/main.json) from the command list in src-tauri/src/contract.rs, and
# the UI tests' fixtures (ui/src/screens/work/test/generated/) from the core.
contract:
	VARNA_WRITE_CONTRACT=1 $(CARGO) test -p varna-app --locked the_generated_contract_is_fresh
	VARNA_WRITE_CONTRACT=1 $(CARGO) test -p varna-core --locked --test ui_fixtures

# ---------------------------------------------------------------- packages (not part of `make test`)

# Tauri's own bundler, from the UI's devDependency `@tauri-apps/cli` (installed by deps-node,
# like every npm package: no separate `cargo install tauri-cli`).
TAURI := $(CURDIR)/ui/node_modules/.bin/tauri
HOST_TRIPLE := $(shell rustc -vV 2>/dev/null | sed -n 's/^host: //p')
ifeq ($(OS),Windows_NT)
  EXE := .exe
  DIST_BUNDLES := msi,nsis
  DIST_DEPS := deps-node ui
else
  EXE :=
  DIST_BUNDLES := deb,rpm
  DIST_DEPS := deps ui
endif
BUNDLE_DIR := $(TARGET_DIR)/release/bundle

# Every icon size the bundler needs, from the one source image. The generated files are
# committed; run this after changing src-tauri/icons/varna.svg.
icons: deps-node
	cd src-tauri && $(TAURI) icon icons/varna.svg -o icons
	# Desktop only: no Android, iOS or Microsoft Store images.
	rm -rf src-tauri/icons/android src-tauri/icons/ios src-tauri/icons/Square*Logo.png src-tauri/icons/StoreLogo.png

# The release app and CLI and the packages: .deb and .rpm on Linux (neither needs a
# download), .msi (WiX) and the NSIS installer on Windows. The CLI is built first and handed
# to the bundler as an external binary (`tauri.dist.conf.json`), which wants it named with
# the target triple; that copy is generated here and not in git.
dist: $(DIST_DEPS)
	$(CARGO) build --release --locked -p varna-cli
	mkdir -p src-tauri/binaries
	cp $(TARGET_DIR)/release/varna$(EXE) src-tauri/binaries/varna-$(HOST_TRIPLE)$(EXE)
	cd src-tauri && $(TAURI) build --ci --config tauri.dist.conf.json --bundles $(DIST_BUNDLES) -- --locked
	@ls -l $(BUNDLE_DIR)/*/*.deb $(BUNDLE_DIR)/*/*.rpm $(BUNDLE_DIR)/*/*.msi $(BUNDLE_DIR)/*/*.exe 2>/dev/null || true

# Installs the .deb of `make dist` on this machine (as root or with sudo), runs the installed
# `varna`, starts the installed app through the end-to-end harness and completes first-run
# setup, removes the package and checks that the data folder is untouched. Not part of
# `make test`: it needs `make dist` first and changes the machine.
dist-test: deps-system deps-tools
	SUDO="$(SUDO)" CARGO="$(CARGO)" BUNDLE_DIR="$(BUNDLE_DIR)" tests/dist/smoke.sh

# Benchmark 4 (cold start to a usable unlock screen, peak memory) with the installed app
# against the bare Tauri window, and the package sizes: target/bench/dist-report.md.
dist-bench: deps ui
	SUDO="$(SUDO)" CARGO="$(CARGO)" BUNDLE_DIR="$(BUNDLE_DIR)" TARGET_DIR="$(TARGET_DIR)" tests/dist/bench.sh
