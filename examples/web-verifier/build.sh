#!/usr/bin/env bash
# Build the saoy-wasm npm package and the static verifier page.
#
#   bash examples/web-verifier/build.sh [--out DIR] [--demo-root ROOT.pem] [--seal-keys KEYS.pem]
#
# Output (default DIR = <repo>/target/web-verifier):
#   DIR/pkg   npm-layout package: package.json, saoy_wasm.js (ES module), .d.ts, saoy_wasm_bg.wasm
#   DIR/site  the page (index.html, app.js, style.css, pkg/ and the optional demo keys); serve it
#             from any static server, e.g. python3 -m http.server -d DIR/site --bind 127.0.0.1
# Needs: rustup target wasm32-unknown-unknown, wasm-bindgen (exactly the crate's version; set
# WASM_BINDGEN=path or put it on PATH) and wasm-opt from a binaryen newer than 108 (tested: npm
# `binaryen@132.0.0`, which .ci/setup/wasm.sh installs and this script uses by default; else
# WASM_OPT=path, else wasm-opt on PATH).
# Debian bookworm's binaryen 108 breaks the externref table wasm-bindgen emits: its output is
# detected (it does not instantiate) and the unoptimized module is shipped with a warning.
# Prints the sizes.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
OUT="$REPO/target/web-verifier"
DEMO_ROOT="" SEAL_KEYS=""
while [ $# -gt 0 ]; do
  case "$1" in
    --out) OUT="$2"; shift 2 ;;
    --demo-root) DEMO_ROOT="$2"; shift 2 ;;
    --seal-keys) SEAL_KEYS="$2"; shift 2 ;;
    *) echo "unknown argument: $1" >&2; exit 64 ;;
  esac
done
WASM_BINDGEN="${WASM_BINDGEN:-wasm-bindgen}"
TARGET_DIR="${CARGO_TARGET_DIR:-$REPO/target}"

SAOY_CI_WORK="${SAOY_CI_WORK:-$REPO/.ci/work}"
if [ -z "${WASM_OPT:-}" ]; then
  WASM_OPT="$SAOY_CI_WORK/wasm-node/node_modules/.bin/wasm-opt"
  [ -x "$WASM_OPT" ] || WASM_OPT=wasm-opt
fi

cd "$REPO"
# A size-optimized profile for the wasm only (the root Cargo.toml's release profile keeps serving
# the native builds): opt-level "z", fat LTO, one codegen unit, no debug info (wasm-bindgen drops
# it anyway), abort on panic (wasm32-unknown-unknown cannot unwind). Not `strip`: wasm-bindgen
# needs the symbols. The hot path of verifyPdf (digests, big integers, curve arithmetic, the PDF
# parser) at opt-level 3: about 1.35x faster for +0.25 MB (1.41 MB vs 1.15 MB after wasm-opt -Oz).
PROFILE=(--profile wasm
  --config 'profile.wasm.inherits="release"' --config 'profile.wasm.opt-level="z"'
  --config 'profile.wasm.lto=true' --config 'profile.wasm.codegen-units=1'
  --config 'profile.wasm.debug=false' --config 'profile.wasm.panic="abort"')
for c in sha2 crypto-bigint memchr primeorder primefield p256 p384 p521 elliptic-curve ecdsa rsa \
  lopdf saoy-signing; do
  PROFILE+=(--config "profile.wasm.package.$c.opt-level=3")
done
# Not enabled: `-C target-feature=+simd128` (sha2 and memchr have simd128 paths). Measured
# 2026-12-03, same run, interleaved: Node 4.61-4.81x native with it vs 4.23-4.73x without,
# Chromium 3.73x vs 4.63-4.86x (load-noisy; minima 21.6 vs 22.7 ms), 1.32 vs 1.35 MiB: no clear
# gain for locking out engines without SIMD. Also measured then: adding nom and saoy-wasm itself
# (the fat-LTO root) at opt-level 3: minima -2% (Node 28.6 vs 29.1 ms), 1.38 vs 1.35 MiB: noise.
cargo build -q -p saoy-wasm --lib --target wasm32-unknown-unknown "${PROFILE[@]}"
RAW="$TARGET_DIR/wasm32-unknown-unknown/wasm/saoy_wasm.wasm"

rm -rf "$OUT/pkg" "$OUT/site"
mkdir -p "$OUT/pkg" "$OUT/site"
"$WASM_BINDGEN" --target web --out-dir "$OUT/pkg" "$RAW"
BG="$OUT/pkg/saoy_wasm_bg.wasm"
BEFORE=$(stat -c %s "$BG")
# The features rustc's wasm32 target enables by default (binaryen must be told).
"$WASM_OPT" -Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
  --enable-mutable-globals --enable-reference-types --enable-multivalue \
  -o "$BG.opt" "$BG"
# Keep the optimized module only if it still instantiates: Debian bookworm's binaryen 108
# mis-handles the externref table wasm-bindgen 0.2.130 emits ("function-typed object must be
# null"); then ship the unoptimized module and say so (the size bar of .ci/eval/wasm.sh fails).
cp "$BG" "$BG.orig"
mv "$BG.opt" "$BG"
if ! node --input-type=module -e "
  import fs from 'node:fs';
  const m = await import('$OUT/pkg/saoy_wasm.js');
  m.initSync({ module: fs.readFileSync('$BG') });
  if (!m.version()) process.exit(1);
" 2>"$OUT/wasm-opt-check.log"; then
  echo "WARNING: the wasm-opt output ($("$WASM_OPT" --version)) does not instantiate; shipping the unoptimized module" >&2
  head -3 "$OUT/wasm-opt-check.log" >&2
  mv "$BG.orig" "$BG"
fi
rm -f "$BG.orig"
AFTER=$(stat -c %s "$BG")
GZ=$(gzip -9 -c "$BG" | wc -c)

VERSION="$(awk -F'"' '/^version = /{print $2; exit}' "$REPO/Cargo.toml")"
cat > "$OUT/pkg/package.json" <<JSON
{
  "name": "@saoy/verifier",
  "version": "$VERSION",
  "description": "Verify saoy certified electronic copies (PAdES PDF, QR seal, verification code) in the browser or Node, as WebAssembly.",
  "license": "Apache-2.0",
  "type": "module",
  "main": "saoy_wasm.js",
  "module": "saoy_wasm.js",
  "types": "saoy_wasm.d.ts",
  "files": ["saoy_wasm.js", "saoy_wasm.d.ts", "saoy_wasm_bg.wasm", "saoy_wasm_bg.wasm.d.ts"],
  "sideEffects": false
}
JSON

cp "$HERE/index.html" "$HERE/app.js" "$HERE/style.css" "$OUT/site/"
cp -r "$OUT/pkg" "$OUT/site/pkg"
[ -z "$DEMO_ROOT" ] || cp "$DEMO_ROOT" "$OUT/site/demo-root.pem"
[ -z "$SEAL_KEYS" ] || cp "$SEAL_KEYS" "$OUT/site/demo-seal-keys.pem"

RAW_BYTES=$(stat -c %s "$RAW")
awk -v r="$RAW_BYTES" -v b="$BEFORE" -v a="$AFTER" -v g="$GZ" 'BEGIN { printf "wasm sizes: rustc %d B, wasm-bindgen %d B (%.2f MiB), after wasm-opt -Oz %d B (%.2f MiB), gzip -9 %d B (%.0f KiB)\n", r, b, b / 1048576, a, a / 1048576, g, g / 1024 }'
echo "$AFTER $GZ $BEFORE $RAW_BYTES" > "$OUT/sizes.txt"
echo "package: $OUT/pkg   page: $OUT/site"
