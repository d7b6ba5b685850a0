#!/usr/bin/env bash
# OCR acceptance figures against ../shared/data (issue 4). Prints every
# figure; exits non-zero if a bar is missed:
#   vi-text line CER <= 1.0% (recognition only) and <= 1.5% (full pipeline),
#   both strictly lower than tesseract -l vie on the same lines;
#   every MRZ vector parses as expected; every CCCD QR payload parses as expected;
#   QR decode rate per folder (reported);
#   the fictional specimen set (200 images: CCCD fronts/backs, A4 forms, scan and
#   photo degradations; generated, needs no ../shared): CER <= 1.0%, field
#   exact-match >= 97%, MRZ fully proven >= 99%, QR decoded >= 99%, and CER
#   strictly lower than tesseract -l vie on the same image files.
source "$(dirname "$0")/../lib.sh"
cd "$REPO"

EVAL=(cargo run -q -p saoy-ocr --example ocr_eval --)
fail=0
out="$SAOY_CI_WORK/ocr-eval"
mkdir -p "$out"
t_start=$(date +%s)

# strictly_lower NAME SAOY TESS: the issue's bar (a tie fails).
strictly_lower() {
  if awk -v a="$2" -v b="$3" 'BEGIN { exit !(a < b) }'; then
    echo "$1: saoy $2% < tesseract $3%: met"
  else
    echo "FAILED: $1: saoy $2% is not lower than tesseract $3%"; fail=1
  fi
}

specimen_set() {
  local dir="$out/specimen"
  rm -rf "$dir"
  log "specimen set: saoy (200 generated images, 2 threads)"
  "${EVAL[@]}" specimen --count 200 --a4-every 25 --out "$dir" --threads 2 | tee "$out/specimen.log" || fail=1
  local saoy_cer
  saoy_cer=$(sed -n 's/^specimen saoy CER: \([0-9.]*\)$/\1/p' "$out/specimen.log")
  if command -v tesseract >/dev/null; then
    log "specimen set: tesseract -l vie (psm 3, TSV lines, 2 processes)"
    local t0 t1
    t0=$(date +%s)
    find "$dir" -maxdepth 1 \( -name '*.jpg' -o -name '*.png' \) -print0 |
      OMP_THREAD_LIMIT=1 xargs -0 -P 2 -I{} sh -c 'f="{}"; tesseract "$f" "${f%.*}" -l vie --psm 3 tsv >/dev/null 2>&1'
    t1=$(date +%s)
    "${EVAL[@]}" specimen-tess "$dir" | tee "$out/specimen-tess.log" || fail=1
    echo "tesseract specimen pass: $((t1 - t0)) s"
    local tess_cer
    tess_cer=$(sed -n 's/^specimen tesseract CER: \([0-9.]*\)$/\1/p' "$out/specimen-tess.log")
    strictly_lower "specimen set CER" "${saoy_cer:-100}" "${tess_cer:-0}"
  else
    echo "FAILED: tesseract missing (run .ci/setup/ocr.sh)"
    fail=1
  fi
}

if ! have_shared; then
  echo "skipped: ../shared absent (vi-text, MRZ vectors, QR photos)"
  specimen_set
  echo "ocr eval wall time: $(( $(date +%s) - t_start )) s"
  exit "$fail"
fi

log "vi-text: saoy (line and full pipeline)"
"${EVAL[@]}" vitext "$SHARED/data/vi-text" --dump "$out/vitext.txt" | tee "$out/vitext.log" || fail=1
saoy_line=$(sed -n 's/^vi-text line CER: \([0-9.]*\)%.*/\1/p' "$out/vitext.log")
saoy_page=$(sed -n 's/^vi-text full-pipeline CER: \([0-9.]*\)%.*/\1/p' "$out/vitext.log")

if command -v tesseract >/dev/null; then
  log "vi-text: tesseract -l vie (--psm 7 per line, and --psm 6 on the same padded page)"
  : > "$out/tess_line.tsv"
  : > "$out/tess_page.tsv"
  t0=$(date +%s%N)
  while IFS=$'\t' read -r rel truth; do
    [ -n "$rel" ] || continue
    hyp=$(tesseract "$SHARED/data/vi-text/$rel" stdout -l vie --psm 7 2>/dev/null | tr '\n' ' ' | sed 's/ *$//')
    printf '%s\t%s\n' "$rel" "$hyp" >> "$out/tess_line.tsv"
    hyp=$(tesseract "$SHARED/data/vi-text/$rel" stdout -l vie --psm 6 2>/dev/null | tr '\n' ' ' | sed 's/ *$//')
    printf '%s\t%s\n' "$rel" "$hyp" >> "$out/tess_page.tsv"
  done < "$SHARED/data/vi-text/lines.tsv"
  t1=$(date +%s%N)
  tess_line=$("${EVAL[@]}" cer "$SHARED/data/vi-text/lines.tsv" "$out/tess_line.tsv")
  tess_page=$("${EVAL[@]}" cer "$SHARED/data/vi-text/lines.tsv" "$out/tess_page.tsv")
  echo "tesseract vi-text line CER: ${tess_line}% (psm 7), page CER: ${tess_page}% (psm 6), $(( (t1 - t0) / 1000000 )) ms for both passes"
  echo "side by side: line saoy ${saoy_line}% vs tesseract ${tess_line}%; page saoy ${saoy_page}% vs tesseract ${tess_page}%"
  strictly_lower "vi-text line CER" "${saoy_line:-100}" "${tess_line:-0}"
  strictly_lower "vi-text page CER" "${saoy_page:-100}" "${tess_page:-0}"
else
  echo "FAILED: tesseract missing (run .ci/setup/ocr.sh)"
  fail=1
fi

log "MRZ vectors"
"${EVAL[@]}" mrz "$SHARED/data/mrz" || fail=1
log "CCCD QR payloads"
"${EVAL[@]}" qr-payloads "$SHARED/data/qr/cccd_qr_payloads.json" || fail=1
log "QR decode rate per folder"
"${EVAL[@]}" qr "$SHARED/data/qr" || fail=1

specimen_set
echo "ocr eval wall time: $(( $(date +%s) - t_start )) s"
exit "$fail"
