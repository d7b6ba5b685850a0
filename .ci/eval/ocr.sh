#!/usr/bin/env bash
# ci-estimate-min: 8 (cold wall time on 2 cores; measured 2026-12-04 on an AVX2-only EPYC: 587 s, then 428 s with the specimen set 2 images at a time; .ci/run's time guard)
# OCR acceptance figures against ../shared/data (issue 4). Prints every
# figure; exits non-zero if a bar is missed:
#   vi-text line CER <= 1.0% (recognition only) and <= 1.5% (full pipeline),
#   both lower than tesseract -l vie on the same lines;
#   every MRZ vector parses as expected (text, and the two passport images through the full pipeline);
#   on PassportEye's 14 test images, not fewer MRZs with every check digit verified than PassportEye;
#   every CCCD QR payload parses as expected;
#   QR decode rate per folder (reported);
#   the 200-image fictional specimen set: CER <= 1%, fields >= 97%, MRZ proven >= 99%, QR decoded
#   >= 99%, and CER lower than tesseract -l vie on the same images.
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

# The fictional specimen set (issue 4): 200 images (CCCD fronts and backs, one A4 form in 25,
# photo-style degradations; generator seed 1), gated on its bars (CER <= 1%, fields >= 97%, MRZ
# proven >= 99%, QR decoded >= 99%), then the same image files through tesseract -l vie (TSV,
# default page segmentation), scored the same way: saoy must be lower.
log "specimen set (200 images, gated)"
spec="$SAOY_CI_WORK/ocr-specimen"
rm -rf "$spec"
# Two images at a time, each with its own one-thread engine: the same figures (scores are gathered
# by image index), less wall time than one image at a time on two threads (2-core AVX2 machine,
# 2026-12-04: 50 images 86.9/90.3 s -> 74.6/78.8 s alternated, release; the 200 here 442 -> 296 s,
# debug build as CI runs it). The per-image times it prints are therefore not latencies: benches/
# and the side-by-side script measure those.
"${EVAL[@]}" specimen --count 200 --out "$spec" --workers 2 --threads 1 | tee "$out/specimen.log" || {
  echo "FAILED: specimen set bars"; fail=1; }
saoy_spec=$(sed -n 's/^specimen saoy CER: \([0-9.]*\).*/\1/p' "$out/specimen.log")
if command -v tesseract >/dev/null && [ -n "$saoy_spec" ]; then
  log "specimen set: tesseract -l vie on the same images"
  t0=$(date +%s%N)
  find "$spec" -name '*.jpg' -print0 | xargs -0 -P 2 -I{} sh -c \
    'OMP_THREAD_LIMIT=1 tesseract "$1" "${1%.jpg}" -l vie tsv >/dev/null 2>&1' _ {} ||
    echo "tesseract failed on some images (scored as empty; specimen-tess counts them)"
  t1=$(date +%s%N)
  "${EVAL[@]}" specimen-tess "$spec" | tee "$out/specimen-tess.log"
  tess_spec=$(sed -n 's/^specimen tesseract CER: \([0-9.]*\).*/\1/p' "$out/specimen-tess.log")
  echo "tesseract specimen pass: $(( (t1 - t0) / 1000000 )) ms (2 processes)"
  echo "side by side: specimen saoy ${saoy_spec}% vs tesseract ${tess_spec}%"
  if awk -v a="$saoy_spec" -v b="$tess_spec" 'BEGIN { exit !(a < b) }'; then
    echo "specimen CER: saoy ${saoy_spec}% < tesseract ${tess_spec}%: met"
  else
    echo "FAILED: specimen CER: saoy ${saoy_spec}% not lower than tesseract ${tess_spec}%"; fail=1
  fi
else
  echo "FAILED: specimen set: no saoy CER or no tesseract"; fail=1
fi

exit "$fail"
