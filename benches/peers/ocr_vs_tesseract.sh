#!/usr/bin/env bash
# Side by side: saoy OCR (release build, 2 threads) vs tesseract -l vie on the
# same synthetic A4 page (200 dpi) and CCCD-sized card. Prints medians,
# ratios and peak memory (/usr/bin/time -v). Usage: benches/peers/ocr_vs_tesseract.sh [RUNS]
set -euo pipefail
REPO="$(cd "$(dirname "$0")/../.." && pwd)"
RUNS="${1:-5}"
WORK="${SAOY_CI_WORK:-$REPO/.ci/work}/ocr-bench"
mkdir -p "$WORK"
cd "$REPO"
cargo build -q --release -p saoy-ocr --example ocr_eval
EVAL="$REPO/target/release/examples/ocr_eval"
"$EVAL" bench-images "$WORK"

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

for img in a4 cccd; do
  f="$WORK/$img.png"
  saoy=$("$EVAL" time-page "$f" "$RUNS" --threads 2 | sed -n 's/^median_ms=\([0-9.]*\).*/\1/p')
  saoy_mem=$( { /usr/bin/time -v "$EVAL" time-page "$f" 1 --threads 2 >/dev/null; } 2>&1 | awk -F: '/Maximum resident/ {gsub(/ /,"",$2); print $2}')
  times=()
  for _ in $(seq "$RUNS"); do
    t0=$(date +%s%N)
    OMP_THREAD_LIMIT=2 tesseract "$f" stdout -l vie >/dev/null 2>&1
    t1=$(date +%s%N)
    times+=($(( (t1 - t0) / 1000000 )))
  done
  tess=$(printf '%s\n' "${times[@]}" | median)
  tess_mem=$( { OMP_THREAD_LIMIT=2 /usr/bin/time -v tesseract "$f" stdout -l vie >/dev/null; } 2>&1 | awk -F: '/Maximum resident/ {gsub(/ /,"",$2); print $2}')
  ratio=$(awk -v a="$tess" -v b="$saoy" 'BEGIN { printf "%.2f", a / b }')
  echo "$img: saoy median ${saoy} ms (peak ${saoy_mem} KB, incl. model load) | tesseract median ${tess} ms (peak ${tess_mem} KB) | tesseract/saoy = ${ratio}x"
done
