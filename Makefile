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
	webkit2gtk-driver xvfb
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
export PATH := $(HOME)/.cargo/bin:$(PATH)

.PHONY: help run test deps deps-system deps-node deps-tools ui lint unit e2e app bench fmt

help:
	@echo "make run   - set up what is missing, build the UI and start Värna"
	@echo "make test  - set up what is missing and run every check and test (incl. end to end)"

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
# built here in the same run, under its own Xvfb.
bench: deps ui
	# Two builds, so the bench hooks (a feature of varna-core) never reach the release app.
	$(CARGO) build --release --locked -p varna-app -p varna-bare-window
	$(CARGO) build --release --locked -p varna-bench
	$(CARGO) run --release --locked -p varna-bench -- --work target/bench --out target/bench/report.md \
	  --app $(TARGET_DIR)/release/varna-app --bare $(TARGET_DIR)/release/varna-bare-window

fmt:
	$(CARGO) fmt --all
