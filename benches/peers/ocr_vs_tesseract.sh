#!/usr/bin/env bash
# Side by side on the same synthetic A4 page (200 dpi), a CCCD-sized card of clean text, and a
# CCCD front photo from the fictional specimen generator (portrait, QR, tilt, blur, JPEG: the
# first image of `ocr_eval specimen`), 2 threads:
#   saoy (release, full pipeline, per-stage times and peak RSS),
#   the Python onnxruntime reference running the SAME models on exactly the input
#   shapes saoy fed them for that page (model-only floor, see ocr_ort_reference.py),
#   tesseract -l vie (OMP_THREAD_LIMIT=2).
# Prints medians, ratios and peak memory (/usr/bin/time -v), and the load average.
# Usage: benches/peers/ocr_vs_tesseract.sh [RUNS]   (PYTHON with numpy+onnxruntime: env PYTHON, default python3)
set -euo pipefail
REPO="$(cd "$(dirname "$0")/../.." && pwd)"
RUNS="${1:-5}"
PY="${PYTHON:-python3}"
WORK="${SAOY_CI_WORK:-$REPO/.ci/work}/ocr-bench"
MODELS="${SAOY_MODELS:-$HOME/.cache/saoy/models}"
mkdir -p "$WORK"
cd "$REPO"
cargo build -q --release -p saoy-ocr --example ocr_eval
EVAL="$REPO/target/release/examples/ocr_eval"
# saoy runs with the glibc malloc tunables the `saoy` CLI applies to itself
# (bindings/cli/src/malloc_tuning.rs; ocr/README.md says why): without them
# glibc unmaps and re-faults ONNX Runtime's freed tensors on every operator.
# SAOY_MALLOC_TUNING=0 measures the library without them.
SAOY_GT="glibc.malloc.mmap_threshold=2000000000:glibc.malloc.trim_threshold=4000000000:glibc.malloc.arena_max=1"
# Recognizer sessions as `saoy ocr` chooses them (bindings/cli/src/ocr_cmd.rs): one per thread
# under its tunables (one malloc arena), one shared session without them.
SAOY_RS=0
if [ "${SAOY_MALLOC_TUNING:-1}" = 0 ]; then SAOY_GT=""; SAOY_RS=1; fi
"$EVAL" bench-images "$WORK"
# (one image cannot meet every set-level bar: its exit status is not the point here)
"$EVAL" specimen --count 1 --out "$WORK/specimen" >/dev/null || true
cp "$WORK/specimen/0000-cccd-front.jpg" "$WORK/cccd-photo.jpg"
echo "load: $(uptime)"
echo "saoy GLIBC_TUNABLES: ${SAOY_GT:-(none)}; recognizer sessions: $SAOY_RS (0 = one per thread)"

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
peak_kb() { awk -F: '/Maximum resident/ {gsub(/ /,"",$2); print $2}'; }

for img in a4.png cccd.png cccd-photo.jpg; do
  f="$WORK/$img"
  img="${img%.*}"
  prof="$WORK/$img.profile"
  GLIBC_TUNABLES="$SAOY_GT" /usr/bin/time -v "$EVAL" profile "$f" "$RUNS" --threads 2 --rec-sessions "$SAOY_RS" > "$prof" 2> "$prof.time"
  saoy=$(sed -n 's/^run [0-9]*: total \([0-9]*\) ms.*/\1/p' "$prof" | median)
  saoy_mem=$(peak_kb < "$prof.time")
  stages=$(grep '^run ' "$prof" | tail -n 1)
  shapes=$(sed -n 's/^  shapes: //p' "$prof" | tail -n 1)
  ref=$("$PY" "$REPO/benches/peers/ocr_ort_reference.py" "$MODELS" 2 "$RUNS" "$shapes")
  ref_ms=$(echo "$ref" | sed -n 's/.*median_ms=\([0-9.]*\).*/\1/p')
  times=()
  for _ in $(seq "$RUNS"); do
    t0=$(date +%s%N)
    OMP_THREAD_LIMIT=2 tesseract "$f" stdout -l vie >/dev/null 2>&1
    t1=$(date +%s%N)
    times+=($(( (t1 - t0) / 1000000 )))
  done
  tess=$(printf '%s\n' "${times[@]}" | median)
  tess_mem=$( { OMP_THREAD_LIMIT=2 /usr/bin/time -v tesseract "$f" stdout -l vie >/dev/null; } 2>&1 | peak_kb)
  echo "$img: saoy median ${saoy} ms (peak ${saoy_mem} KB incl. model load) | python-ort same models+shapes ${ref_ms} ms (model-only) | tesseract median ${tess} ms (peak ${tess_mem} KB)"
  echo "  tesseract/saoy = $(awk -v a="$tess" -v b="$saoy" 'BEGIN { printf "%.2f", a / b }')x; saoy/python-ort-models = $(awk -v a="$saoy" -v b="$ref_ms" 'BEGIN { printf "%.2f", a / b }')x"
  echo "  saoy stages (last run): $stages"
  echo "  $ref"
done
echo "load: $(uptime)"
