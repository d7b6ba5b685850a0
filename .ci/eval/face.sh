#!/usr/bin/env bash
# ci-estimate-min: 4 (cold wall time on 2 cores; .ci/run's time guard)
# Face authentication acceptance figures on ../shared/data/faces/pairs.csv:
# ROC AUC, EER, TAR at FAR 1% / 0.1%, accuracy at the shipped threshold,
# failure-to-enrol; the independent Python onnxruntime reference
# (benches/peers/face_reference.py) on the same pairs and the largest per-pair
# score difference; the cross-domain set (each development image printed as
# the portrait of a fictional CCCD, photographed, matched against the
# original); liveness with real different people. Exits 1 when a bar is
# missed (EER <= 1%, TAR@FAR1% >= 99%, |rust - python| <= 0.02).
source "$(dirname "$0")/../lib.sh"

if ! have_shared; then
  echo "face eval: skipped: ../shared absent"
  exit 0
fi

DATA="$SHARED/data/faces"
OUT="$SAOY_CI_WORK/face"
mkdir -p "$OUT"
PY="$(venv_python)"
MODELS="${SAOY_MODELS:-$HOME/.cache/saoy/models}"

timed "face: python reference scores" \
  "$PY" "$REPO/benches/peers/face_reference.py" scores --models "$MODELS" --data "$DATA" \
    --pairs "$DATA/pairs.csv" --out "$OUT/reference_scores.csv" --threads 2

cd "$REPO"
# Dev profile (dependencies and the two pixel-work crates are opt-level 2 there): the
# workspace build, which CI has already made, builds this example too.
timed "face: build eval harness" ws_build
timed "face: rust scores vs reference" \
  "$TARGET_DIR/debug/examples/face_eval" \
    --data "$DATA" --pairs "$DATA/pairs.csv" --reference "$OUT/reference_scores.csv" \
    --out "$OUT/rust_scores.csv" --threads 2 --check --cross-domain "$OUT/cross_domain" \
    --liveness
