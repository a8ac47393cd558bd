#!/usr/bin/env bash
# `make dist-test`: the smoke test of the installed Debian package (docs/DEPLOY.md).
#
# 1. Installs target/release/bundle/deb/varna_*.deb with apt-get (which pulls in the declared
#    runtime dependencies) and checks that the package holds only what it should: the app,
#    the `varna` CLI beside it, the desktop entry (Swedish and English) and the icons.
# 2. Runs the installed `varna --version` and `varna instrument check` on the shipped
#    instrument files.
# 3. Starts the installed app under Xvfb through the end-to-end harness
#    (VARNA_APP_BIN=/usr/bin/varna-app) and completes first-run setup (tests/e2e/dist_smoke.rs).
# 4. Removes the package and checks that the data folder the app wrote is untouched.
#
# Needs root (or sudo) and a package built by `make dist`. Leaves the machine without the
# package, as it found it (a package installed before is removed too; reinstall it after).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
SUDO=${SUDO-}
CARGO=${CARGO:-cargo}
BUNDLE_DIR=${BUNDLE_DIR:-target/release/bundle}
cd "$root"

fail() { echo "dist-test: FAILED: $*" >&2; exit 1; }
step() { echo "dist-test: $*"; }

shopt -s nullglob
debs=("$BUNDLE_DIR"/deb/varna_*.deb)
[ ${#debs[@]} -eq 1 ] || fail "expected one package in $BUNDLE_DIR/deb, found ${#debs[@]}: run make dist first"
deb=$(readlink -f "${debs[0]}")

removed=0
cleanup() {
  if [ "$removed" = 0 ] && dpkg-query -W -f='${Status}' varna 2>/dev/null | grep -q "install ok installed"; then
    step "removing the package after a failure"
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get remove -y -qq varna >/dev/null || true
  fi
  [ -n "${work:-}" ] && rm -rf "$work"
}
trap cleanup EXIT
work=$(mktemp -d)

# -- the package itself
step "package $deb ($(stat -c %s "$deb") bytes)"
dpkg-deb --field "$deb" Package | grep -qx varna || fail "the package is not named varna"
depends=$(dpkg-deb --field "$deb" Depends)
# Tauri declares WebKitGTK and GTK itself; tauri.linux.conf.json adds libssl3 (SQLCipher's libcrypto).
for d in libwebkit2gtk-4.1-0 libgtk-3-0 libssl3; do
  grep -Eq "(^|, )$d(,|$)" <<<"$depends" || fail "Depends lacks $d: $depends"
done
dups=$(tr ',' '\n' <<<"$depends" | sed 's/^ *//' | sort | uniq -d)
[ -z "$dups" ] || fail "Depends names a package twice: $dups"
# Every entry that is not a directory, as an absolute path.
dpkg-deb --contents "$deb" | awk '$1 !~ /^d/ {print $NF}' | sed -e 's|^\./|/|' -e 's|^\([^/]\)|/\1|' | sort >"$work/files"
while read -r f; do
  case "$f" in
    /usr/bin/varna-app | /usr/bin/varna | /usr/share/applications/varna.desktop) ;;
    /usr/share/icons/hicolor/*/apps/varna-app.png) ;;
    *) fail "the package holds an unexpected file: $f" ;;
  esac
done <"$work/files"
for f in /usr/bin/varna-app /usr/bin/varna /usr/share/applications/varna.desktop; do
  grep -qx "$f" "$work/files" || fail "the package lacks $f"
done

# -- install
if dpkg-query -W -f='${Status}' varna 2>/dev/null | grep -q "install ok installed"; then
  fail "varna is installed already; remove it first (apt-get remove varna)"
fi
step "apt-get install $deb"
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$deb" >/dev/null
[ -x /usr/bin/varna-app ] && [ -x /usr/bin/varna ] || fail "the binaries are not installed"
desktop=/usr/share/applications/varna.desktop
starts_a_line() { # FILE PREFIX: some line of FILE starts with PREFIX (no regex)
  local l
  while IFS= read -r l; do [[ $l == "$2"* ]] && return 0; done <"$1"
  return 1
}
for line in 'Name=Värna' 'Comment[sv]=' 'Comment[en]=' 'GenericName[en]=' 'Exec=varna-app' 'Icon=varna-app'; do
  starts_a_line "$desktop" "$line" || fail "$desktop lacks $line"
done
if command -v desktop-file-validate >/dev/null; then desktop-file-validate "$desktop"; fi

# -- the installed CLI
step "varna --version"
/usr/bin/varna --version | tee "$work/version"
[ "$(wc -l <"$work/version")" -eq 3 ] || fail "varna --version prints three lines"
grep -Eq '^varna [0-9]+\.[0-9]+\.[0-9]+$' "$work/version" || fail "no version line"
grep -Eq '^commit ([0-9a-f]{12}|unknown)$' "$work/version" || fail "no commit line"
grep -Eq '^SQLCipher 4\.' "$work/version" || fail "no SQLCipher line"
step "varna instrument check instruments/"
/usr/bin/varna instrument check instruments/ | tee "$work/check"
grep -q " valid, 0 invalid" "$work/check" || fail "the shipped instruments do not check"
if /usr/bin/varna instrument check crates/varna-core/tests/fixtures/instruments/malformed >/dev/null 2>&1; then
  fail "varna instrument check accepted malformed files"
fi

# -- the installed app, first-run setup through the end-to-end harness
step "first-run setup in the installed app (tests/e2e/dist_smoke.rs)"
export VARNA_APP_BIN=/usr/bin/varna-app
export VARNA_SMOKE_OUT="$work"
export VARNA_SMOKE_VERSION_FILE="$work/version"
$CARGO test -p varna-e2e --locked --test dist_smoke -- --ignored --test-threads=1
data=$(cat "$work/data-dir")
[ -f "$data/varna.keys" ] && [ -f "$data/varna.db" ] || fail "the app wrote no store in $data"
(cd "$data" && find . -type f -print0 | sort -z | xargs -0 sha256sum) >"$work/before"

# -- remove, and the data stays
step "apt-get remove varna"
DEBIAN_FRONTEND=noninteractive $SUDO apt-get remove -y -qq varna >/dev/null
removed=1
[ ! -e /usr/bin/varna-app ] && [ ! -e /usr/bin/varna ] && [ ! -e "$desktop" ] || fail "files are left after removal"
(cd "$data" && find . -type f -print0 | sort -z | xargs -0 sha256sum) >"$work/after"
diff -u "$work/before" "$work/after" || fail "removing the package changed the data folder $data"
[ "$(stat -c %a "$data")" = 700 ] || fail "the data folder is no longer private"
rm -rf "$(dirname "$data")"
step "passed"
