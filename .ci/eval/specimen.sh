#!/usr/bin/env bash
# Fictional specimen set: generates 200 degraded images (CCCD front, CCCD back, A4 form; seed
# 2026) with JSON ground truth into $SAOY_CI_WORK/specimens, checks that every image and truth
# file is there, and fails if generation takes 60 s or more (target: well under a minute on
# 2 cores). Needs nothing from ../shared. Other evaluations (OCR, face cross-domain) may reuse the
# set: `bash .ci/eval/specimen.sh` is idempotent and regenerates it the same, byte for byte.
source "$(dirname "$0")/../lib.sh"

OUT="$SAOY_CI_WORK/specimens"
COUNT=200
cd "$REPO"
timed "build saoy-specimen (release)" cargo build --release -q -p saoy-specimen
BIN="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/release/saoy-specimen"

rm -rf "$OUT"
t0=$(date +%s%N)
"$BIN" --out "$OUT" --count "$COUNT" --seed 2026
t1=$(date +%s%N)
ms=$(( (t1 - t0) / 1000000 ))

python3 - "$OUT" "$COUNT" <<'PY'
import json, os, sys
out, count = sys.argv[1], int(sys.argv[2])
index = json.load(open(os.path.join(out, "index.json")))
items = index["items"]
assert len(items) == count, f"index lists {len(items)} items, expected {count}"
kinds = {}
lines = 0
for it in items:
    for key in ("image", "truth"):
        path = os.path.join(out, it[key])
        assert os.path.getsize(path) > 0, f"missing or empty {path}"
    truth = json.load(open(os.path.join(out, it["truth"])))
    w, h = truth["width"], truth["height"]
    for l in truth["lines"]:
        for x, y in l["quad"]:
            assert 0 <= x <= w and 0 <= y <= h, f"{it['truth']}: box outside the image"
    lines += len(truth["lines"])
    kinds[it["kind"]] = kinds.get(it["kind"], 0) + 1
print(f"specimen set: {len(items)} images {kinds}, {lines} ground-truth text lines")
PY
log "specimen: generated $COUNT specimens in ${ms} ms ($(nproc) cores)"
if [ "$ms" -ge 60000 ]; then
  log "specimen: FAILED — generation took ${ms} ms, bar is < 60000 ms"
  exit 1
fi
echo "specimen: ok"
