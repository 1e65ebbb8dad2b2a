#!/usr/bin/env bash
# Installs what building and testing need, skipping whatever is already there.
#
#   .ci/setup.sh            the wasm32 target and the pinned wasm-bindgen CLI
#   .ci/setup.sh --browser  also Chromium + chromedriver (Debian packages),
#                               Node.js, the e2e tests' playwright-core and
#                               typescript (for `make test-types`)
set -euo pipefail

cd "$(dirname "$0")/.."
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

browser=false
for arg in "$@"; do
  case "$arg" in
    --browser) browser=true ;;
    *) echo "usage: $0 [--browser]" >&2; exit 2 ;;
  esac
done

say() { echo "setup: $*" >&2; }

# The wasm-bindgen CLI must be exactly the version of the crate in Cargo.toml.
wasm_bindgen_version=$(sed -n 's/^wasm-bindgen = "=\([0-9.]*\)"$/\1/p' Cargo.toml)
if [ -z "$wasm_bindgen_version" ]; then
  echo "setup: Cargo.toml must pin wasm-bindgen as \"=X.Y.Z\"" >&2
  exit 1
fi

if rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "wasm32-unknown-unknown target: present"
else
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if [ "$(wasm-bindgen --version 2>/dev/null || true)" = "wasm-bindgen $wasm_bindgen_version" ]; then
  say "wasm-bindgen $wasm_bindgen_version: present"
else
  say "installing wasm-bindgen-cli $wasm_bindgen_version (a few minutes)"
  cargo install wasm-bindgen-cli --version "$wasm_bindgen_version"
fi

$browser || exit 0

apt_install() {
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  say "installing $* (apt)"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@"
}

if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
  say "chromium and chromedriver: present"
else
  apt_install chromium chromium-driver
fi

if command -v node >/dev/null && command -v npm >/dev/null; then
  say "node $(node --version): present"
else
  apt_install nodejs npm
fi

if [ -f tests/e2e/node_modules/playwright-core/package.json ] && [ -f tests/e2e/node_modules/typescript/package.json ]; then
  say "playwright-core and typescript: present"
else
  say "installing playwright-core and typescript for the page's tests (npm)"
  (cd tests/e2e && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
fi
