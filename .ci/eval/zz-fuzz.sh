#!/usr/bin/env bash
# ci-estimate-min: 8 (cold wall time on 2 cores; measured 2026-12-04 on an AVX2-only EPYC: 395 s including the cargo-fuzz install (31 s), nightly already present; .ci/run's time guard)
# Brief fuzzing of every parser of outside input: each `*/fuzz` cargo-fuzz
# project's targets run for FUZZ_SECONDS (default 10) each. Needs a nightly
# toolchain and cargo-fuzz (installed here if missing). Does not need ../shared.
source "$(dirname "$0")/../lib.sh"
cd "$REPO"
FUZZ_SECONDS="${FUZZ_SECONDS:-10}"
# No sanitizer: every fuzzed crate forbids unsafe code, so AddressSanitizer finds nothing the
# Rust checks (bounds, overflow with debug assertions on) do not; without it the builds are
# several minutes shorter and each target runs more inputs per second.
FUZZ_SANITIZER="${FUZZ_SANITIZER:-none}"
# Build profile: `--dev` (CI's default) instrumented but unoptimized — the sancov release builds
# of these dependency trees took ~10 min of CI's budget for a 20-second run per target, where
# a dev build covers the same code paths (debug assertions and overflow checks on), just with
# fewer executions per second. FUZZ_PROFILE=release for long local runs.
PROFILE_FLAG=(--dev)
[ "${FUZZ_PROFILE:-dev}" = "release" ] && PROFILE_FLAG=(--release)

if ! rustup toolchain list | grep -q '^nightly'; then
  log "installing nightly toolchain (minimal) for cargo-fuzz"
  rustup toolchain install nightly --profile minimal >/dev/null
fi
if ! command -v cargo-fuzz >/dev/null; then
  log "installing cargo-fuzz"
  cargo install cargo-fuzz --locked -q --debug
fi

# One target dir for every fuzz project so shared dependencies build once.
export CARGO_TARGET_DIR="$SAOY_CI_WORK/fuzz-target"
found=0
for proj in */fuzz; do
  [ -f "$proj/Cargo.toml" ] || continue
  crate="${proj%/fuzz}"
  for t in $(cd "$crate" && cargo +nightly fuzz list 2>/dev/null); do
    found=$((found + 1))
    log "fuzz $crate/$t for ${FUZZ_SECONDS}s"
    corpus="$SAOY_CI_WORK/fuzz-corpus/$crate/$t"
    mkdir -p "$corpus"
    seeds="$REPO/$proj/seeds/$t"
    extra=()
    [ -d "$seeds" ] && extra+=("$seeds")
    (cd "$crate" && cargo +nightly fuzz run "${PROFILE_FLAG[@]}" --sanitizer "$FUZZ_SANITIZER" "$t" "$corpus" "${extra[@]}" -- \
        -max_total_time="$FUZZ_SECONDS" -rss_limit_mb=2048 -max_len=65536 2>&1 | tail -n 3)
    # cargo fuzz exits non-zero on a crash; set -o pipefail makes that fail the step
  done
done
echo "fuzz: $found target(s) ran ${FUZZ_SECONDS}s each without a crash"
