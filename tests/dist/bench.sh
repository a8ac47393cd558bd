#!/usr/bin/env bash
# `make dist-bench`: benchmark 4 (cold start to a usable unlock screen, peak memory; see
# crates/varna-bench/src/startup.rs) with the app installed from the .deb of `make dist`,
# against the bare Tauri window built here, plus the package sizes. Writes
# target/bench/dist-report.md. Installs the package for the run (root or sudo) and removes it
# again unless it was installed before.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
SUDO=${SUDO-}
CARGO=${CARGO:-cargo}
BUNDLE_DIR=${BUNDLE_DIR:-target/release/bundle}
TARGET_DIR=${TARGET_DIR:-target}
cd "$root"

shopt -s nullglob
debs=("$BUNDLE_DIR"/deb/varna_*.deb)
rpms=("$BUNDLE_DIR"/rpm/varna-*.rpm)
[ ${#debs[@]} -eq 1 ] || { echo "dist-bench: expected one .deb in $BUNDLE_DIR/deb: run make dist" >&2; exit 1; }
deb=$(readlink -f "${debs[0]}")

installed_here=0
if ! dpkg-query -W -f='${Status}' varna 2>/dev/null | grep -q "install ok installed"; then
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$deb" >/dev/null
  installed_here=1
fi
cleanup() {
  if [ "$installed_here" = 1 ]; then
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get remove -y -qq varna >/dev/null || true
  fi
}
trap cleanup EXIT

# Two builds, as in `make bench`: the bench hooks never reach an app binary.
$CARGO build --release --locked -p varna-bare-window
$CARGO build --release --locked -p varna-bench
mkdir -p target/bench
out=target/bench/dist-report.md
$CARGO run --release --locked -p varna-bench -- --only 4 --work target/bench --out "$out" \
  --app /usr/bin/varna-app --bare "$TARGET_DIR/release/varna-bare-window"

mib() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }
{
  echo
  echo "## Packages"
  echo
  echo "| package | file size | installed size |"
  echo "|---|---|---|"
  echo "| $(basename "$deb") | $(mib "$(stat -c %s "$deb")") | $(mib "$(( $(dpkg-deb --field "$deb" Installed-Size) * 1024 ))") |"
  for rpm in "${rpms[@]}"; do
    echo "| $(basename "$rpm") | $(mib "$(stat -c %s "$rpm")") | |"
  done
  echo
  echo "Installed binaries: /usr/bin/varna-app $(mib "$(stat -c %s /usr/bin/varna-app)"), /usr/bin/varna $(mib "$(stat -c %s /usr/bin/varna)")."
} | tee -a "$out"
echo "dist-bench: wrote $out"
