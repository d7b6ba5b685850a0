#!/usr/bin/env bash
# ci-estimate-min: 6 (cold wall time on 2 cores; .ci/run's time guard)
# OCR acceptance figures against ../shared/data (issue 4). Prints every
# figure; exits non-zero if a bar is missed:
#   vi-text line CER <= 1.0% (recognition only) and <= 1.5% (full pipeline),
#   both lower than tesseract -l vie on the same lines;
#   every MRZ vector parses as expected; every CCCD QR payload parses as expected;
#   QR decode rate per folder (reported).
source "$(dirname "$0")/../lib.sh"
cd "$REPO"

if ! have_shared; then
  echo "skipped: ../shared absent"
  exit 0
fi

timed "ocr: workspace build (ocr_eval example)" ws_build
EVAL=("$TARGET_DIR/debug/examples/ocr_eval")
fail=0
out="$SAOY_CI_WORK/ocr-eval"
mkdir -p "$out"

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
  # Gate: never worse than tesseract. Issue 4's bar is "strictly lower": a tie
  # is printed as NOT MET (the issue stays open) but does not fail CI.
  for pair in "line $saoy_line $tess_line" "page $saoy_page $tess_page"; do
    set -- $pair
    if awk -v a="$2" -v b="$3" 'BEGIN { exit !(a < b) }'; then
      echo "$1 CER: saoy $2% < tesseract $3%: met"
    elif awk -v a="$2" -v b="$3" 'BEGIN { exit !(a <= b) }'; then
      echo "$1 CER: saoy $2% = tesseract $3%: NOT MET (issue 4 asks for strictly lower; tie tolerated by CI)"
    else
      echo "FAILED: $1 CER: saoy $2% worse than tesseract $3%"; fail=1
    fi
  done
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

if [ -d "$REPO/specimen/src" ] && grep -q "saoy-specimen" "$REPO/ocr/Cargo.toml"; then
  # Reported, not gated: on the full 200-image set CER is 2.54% against the issue's 1% bar
  # (fields 99.3%, MRZ 99.0%, QR 100%; 439 s), so issue 4 stays open on it. CI runs a 40-image
  # sample (same generator and seed) to keep the figures visible at a fifth of the time.
  log "specimen set (40-image sample; reported, not gated)"
  "${EVAL[@]}" specimen --count 40 --a4-every 10 --out "$SAOY_CI_WORK/ocr-specimen" ||
    echo "specimen sample: bars missed (reported only; see the comment above)"
else
  echo "specimen set: not evaluated (the saoy-ocr eval does not use the specimen generator yet)"
fi

exit "$fail"
