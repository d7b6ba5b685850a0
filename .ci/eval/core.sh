#!/usr/bin/env bash
# ci-estimate-min: 1 (cold wall time on 2 cores; .ci/run's time guard)
# saoy-core evaluations: independent cross-checks of the pinned vectors (Python reference of the
# verification-code check symbol, Python `cryptography` verification of the QR seals). They use no
# shared data. The registry/issuance speed figures come from `cargo bench -p saoy-core --bench
# registry` (not run here: a release build of the workspace does not fit the CI budget twice).
source "$(dirname "$0")/../lib.sh"

if ! have_shared; then
  log "core: skipped: ../shared absent (core evals use no shared data; the vector cross-checks run anyway)"
fi

py="$(venv_python)"
timed "core: pip (cryptography)" py_install "cryptography=cryptography"

tmp="$(mktemp)"
"$py" "$REPO/core/vectors/gen_codes.py" > "$tmp"
if ! cmp -s "$tmp" "$REPO/core/vectors/codes.json"; then
  log "core: FAIL codes.json differs from the independent Python reference"
  diff "$tmp" "$REPO/core/vectors/codes.json" | head -20
  rm -f "$tmp"
  exit 1
fi
rm -f "$tmp"
log "core: codes.json matches the independent Python reference"
timed "core: seals.json verified with Python cryptography" "$py" "$REPO/core/vectors/check_seals.py"
