#!/usr/bin/env bash
# Browser verifier acceptance (issue 7, wasm):
#  1. wasm-bindgen-test in Node and in headless Chromium (bindings/wasm/tests/web.rs);
#  2. build the npm package + page (examples/web-verifier/build.sh); bar: wasm <= 1.5 MiB after
#     wasm-opt -Oz (gzip size printed); the optimized package's own tests in Node
#     (examples/web-verifier/tests/pkg.test.mjs);
#  3. a signed copy generated now with the CLI (specimen page -> saoy copy -> saoy sign, fresh test
#     PKI whose root is bundled as the page's demo root), and a tampered one, dropped on the page in
#     Chromium through playwright-core; screenshots in target/web-verifier/ (CI artifact);
#  4. benchmark (bindings/wasm/bench/run.sh): verify the same 1 MB signed PDF natively (release),
#     in Node wasm and in Chromium wasm; bar: wasm median <= 3x native median.
# Needs no ../shared. Tools come from .ci/setup/wasm.sh.
source "$(dirname "$0")/../lib.sh"
cd "$REPO"

T0=$(date +%s)
OUT="$REPO/target/web-verifier"
WORK="$SAOY_CI_WORK/wasm-eval"
rm -rf "$WORK"
mkdir -p "$OUT" "$WORK"

WB_DIR="$(cat "$SAOY_CI_WORK/wasm-tools/wasm-bindgen-dir" 2>/dev/null || true)"
[ -n "$WB_DIR" ] && export PATH="$WB_DIR:$PATH"
command -v wasm-bindgen-test-runner >/dev/null || { echo "wasm-bindgen-test-runner missing (run .ci/setup/wasm.sh)"; exit 1; }
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
export NODE_PATH="$SAOY_CI_WORK/wasm-node/node_modules"
PLAYWRIGHT_CORE="$NODE_PATH/playwright-core"
export PLAYWRIGHT_CORE

# The CLI and the specimen generator (already built by .ci/run's workspace build). SAOY_BIN_DIR
# may point at prebuilt binaries instead.
saoy() {
  if [ -n "${SAOY_BIN_DIR:-}" ]; then "$SAOY_BIN_DIR/saoy" "$@"; else cargo run -q -p saoy-cli -- "$@"; fi
}
specimen() {
  if [ -n "${SAOY_BIN_DIR:-}" ]; then "$SAOY_BIN_DIR/saoy-specimen" "$@"; else cargo run -q -p saoy-specimen -- "$@"; fi
}

fail=0

# 1. wasm-bindgen-test: Node, then headless Chromium (chromedriver; options in bindings/wasm/webdriver.json).
timed "wasm: wasm-bindgen-test (node)" \
  cargo test -q -p saoy-wasm --target wasm32-unknown-unknown --test web
( cd bindings/wasm && timed "wasm: wasm-bindgen-test (headless chromium)" \
  env WASM_BINDGEN_USE_BROWSER=1 CHROMEDRIVER="$(command -v chromedriver)" \
  cargo test -q -p saoy-wasm --target wasm32-unknown-unknown --test web )

# 3a. A signed certified copy, made now with the CLI.
gen_copy() {
  specimen --out "$WORK/spec" --count 1 --kinds a4 --clean --seed 7 >/dev/null
  saoy pki init "$WORK/pki" >/dev/null
  saoy copy --dpi 200 --out "$WORK/copy.pdf" --agency "UBND phường Hoàn Kiếm" --number "123/2026/SY" \
    --date 25/11/2026 --officer "Nguyễn Văn A" \
    --qr "https://xacthuc.example.vn/v/67BFWF25QAXXKCJDVG9W" "$WORK"/spec/*.png >/dev/null
  saoy sign --key "$WORK/pki/signer.key.pem" --cert "$WORK/pki/signer.pem" --chain "$WORK/pki/chain.pem" \
    "$WORK/copy.pdf" "$WORK/signed.pdf" >/dev/null
}
timed "wasm: signed copy via the CLI (specimen, pki init, copy, sign)" gen_copy

# 2. Package + page, with the fresh root bundled as the demo root.
timed "wasm: build package + page (release, wasm-bindgen, wasm-opt -Oz)" \
  bash examples/web-verifier/build.sh --out "$OUT" --demo-root "$WORK/pki/root.pem" | tee "$WORK/build.log"
read -r WASM_BYTES GZ_BYTES BG_BYTES RAW_BYTES < "$OUT/sizes.txt"
BUDGET=$((1536 * 1024))
if [ "$WASM_BYTES" -le "$BUDGET" ]; then
  echo "wasm size: $WASM_BYTES B <= budget $BUDGET B (1.5 MiB); gzip -9 $GZ_BYTES B; before wasm-opt $BG_BYTES B; rustc output $RAW_BYTES B"
else
  echo "FAIL wasm size: $WASM_BYTES B > budget $BUDGET B (1.5 MiB)"; fail=1
fi

# 2b. The optimized package in Node (the wasm-bindgen tests above ran the unoptimized module).
timed "wasm: package tests in node (optimized module)" \
  env PKG="$OUT/pkg" SIGNED_PDF="$WORK/signed.pdf" ROOT_PEM="$WORK/pki/root.pem" \
    node --test --test-reporter=spec examples/web-verifier/tests/pkg.test.mjs || fail=1

# 3b. The page in Chromium (Playwright): signed + tampered copies, seals, no uploads; screenshots.
timed "wasm: playwright page test (chromium)" \
  env SITE="$OUT/site" SIGNED_PDF="$WORK/signed.pdf" SEALS_JSON="$REPO/core/vectors/seals.json" SHOTS="$OUT" \
    node --test --test-reporter=spec examples/web-verifier/tests/page.test.mjs || fail=1

# 4. Benchmark: the same 1 MB signed PDF natively (release), in Node wasm and in Chromium wasm,
#    interleaved rounds; bar: wasm median <= 3x native median.
timed "wasm: verify benchmark native / node / chromium" \
  env ITERS="${SAOY_WASM_BENCH_ITERS:-15}" ROUNDS="${SAOY_WASM_BENCH_ROUNDS:-3}" \
    bash bindings/wasm/bench/run.sh "$OUT/pkg" "$WORK/bench" || { echo "FAIL wasm benchmark"; fail=1; }

echo "screenshots: $(ls "$OUT"/*.png 2>/dev/null | tr '\n' ' ')"
echo "wasm eval wall time: $(( $(date +%s) - T0 ))s"
exit "$fail"
