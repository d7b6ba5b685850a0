#!/usr/bin/env bash
# Tools for the browser verifier (.ci/eval/wasm.sh):
#  - wasm-bindgen-cli (wasm-bindgen + wasm-bindgen-test-runner) at exactly the version of the
#    wasm-bindgen crate in Cargo.lock, `cargo install --debug` (a debug build of the CLI compiles
#    in a fraction of the release time and only runs for seconds), into a persistent location
#    outside the clone ($SAOY_WASM_TOOLS, default ~/.cache/saoy/wasm-tools) so a second CI run on
#    the same machine skips it; built in a throwaway target dir, deleted afterwards;
#  - Debian chromium + chromium-driver (wasm-bindgen-test in the browser, the Playwright page
#    test, the Chromium benchmark); Node/npm if missing;
#  - from npm: playwright-core (drives Debian's /usr/bin/chromium, no browser download) and
#    binaryen 132 (wasm-opt; Debian bookworm's binaryen 108 breaks wasm-bindgen's externref table).
# Idempotent: what is present at the right version is not fetched again.
source "$(dirname "$0")/../lib.sh"

WASM_TOOLS="${SAOY_WASM_TOOLS:-$HOME/.cache/saoy/wasm-tools}"
mkdir -p "$WASM_TOOLS"

timed "wasm: apt (chromium chromium-driver)" apt_install chromium chromium-driver
# Node: keep whatever provides `node`/`npm` (NodeSource's nodejs bundles npm and
# conflicts with Debian's npm package).
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  timed "wasm: apt (nodejs npm)" apt_install nodejs npm
fi

rustup target list --installed | grep -q '^wasm32-unknown-unknown' || rustup target add wasm32-unknown-unknown

# wasm-bindgen-cli must match the crate version exactly (the lock file decides).
WB_VERSION="$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/, ""); print; exit}' "$REPO/Cargo.lock")"
[ -n "$WB_VERSION" ] || { echo "wasm-bindgen not found in Cargo.lock"; exit 1; }
have_wb=""
for d in "$WASM_TOOLS/bin" "$HOME/.cargo/bin"; do
  if [ -x "$d/wasm-bindgen" ] && "$d/wasm-bindgen" --version | grep -q " $WB_VERSION\$" \
     && [ -x "$d/wasm-bindgen-test-runner" ]; then
    have_wb="$d"; break
  fi
done
if [ -z "$have_wb" ]; then
  # No --locked: the CLI's own lock file pins crates this toolchain rejects.
  BUILD_DIR="$(mktemp -d "${TMPDIR:-/tmp}/saoy-wasm-bindgen-build.XXXXXX")"
  trap 'rm -rf "$BUILD_DIR"' EXIT
  timed "wasm: cargo install --debug wasm-bindgen-cli $WB_VERSION" \
    cargo install -q --debug wasm-bindgen-cli --version "$WB_VERSION" --root "$WASM_TOOLS" \
      --target-dir "$BUILD_DIR"
  rm -rf "$BUILD_DIR"
  have_wb="$WASM_TOOLS/bin"
  "$have_wb/wasm-bindgen" --version | grep -q " $WB_VERSION\$" \
    || { echo "installed wasm-bindgen is not $WB_VERSION"; exit 1; }
else
  log "wasm: wasm-bindgen $WB_VERSION already at $have_wb (skipped)"
fi
log "wasm: wasm-bindgen $WB_VERSION at $have_wb"
echo "$have_wb" > "$WASM_TOOLS/wasm-bindgen-dir"

# npm: playwright-core only (no browser download) and binaryen's wasm-opt (JS + wasm, no binary).
NODE_DIR="$SAOY_CI_WORK/wasm-node"
mkdir -p "$NODE_DIR"
[ -f "$NODE_DIR/package.json" ] || echo '{"private": true}' > "$NODE_DIR/package.json"
want=()
[ -d "$NODE_DIR/node_modules/playwright-core" ] || want+=(playwright-core@1.65.1)
[ -x "$NODE_DIR/node_modules/.bin/wasm-opt" ] || want+=(binaryen@132.0.0)
if [ "${#want[@]}" -gt 0 ]; then
  timed "wasm: npm install ${want[*]}" \
    npm install --prefix "$NODE_DIR" --no-audit --no-fund --silent "${want[@]}"
fi
log "wasm: $(/usr/bin/chromium --version 2>/dev/null || echo 'chromium missing'); $(chromedriver --version 2>/dev/null | head -1); node $(node --version); wasm-opt $("$NODE_DIR/node_modules/.bin/wasm-opt" --version)"
