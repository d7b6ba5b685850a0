#!/usr/bin/env bash
# ci-estimate-min: 3 (cold wall time on 2 cores; .ci/run's time guard)
# Fictional specimen set: generates 200 degraded images (CCCD front, CCCD back, A4 form; seed
# 2026) with JSON ground truth into $SAOY_CI_WORK/specimens, checks that every image and truth
# file is there and every text box lies inside its image, and fails if the generator's CPU time
# / 2 (its wall time on 2 free cores) is 60 s or more. Needs nothing from ../shared. Other
# evaluations (OCR, face cross-domain) may reuse the set: `bash .ci/eval/specimen.sh` is idempotent and regenerates it the same, byte for byte.
source "$(dirname "$0")/../lib.sh"

OUT="$SAOY_CI_WORK/specimens"
COUNT=200
cd "$REPO"
# The dev profile builds saoy-specimen and every dependency at opt-level 2 (root Cargo.toml), so
# the binary the workspace build already made is as fast as a release build and costs no extra build.
timed "workspace build (saoy-specimen, dev, opt-level 2)" ws_build
BIN="$TARGET_DIR/debug/saoy-specimen"

rm -rf "$OUT"
# Run the generator under python3 to get its wall time and CPU time (user+sys of the child).
# The bar is on CPU time / 2 (the wall time on 2 free cores), so a busy machine does not fail it.
python3 - "$BIN" "$OUT" "$COUNT" <<'PY'
import json, os, resource, subprocess, sys, time
binary, out, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
t0 = time.monotonic()
subprocess.run([binary, "--out", out, "--count", str(count), "--seed", "2026"], check=True)
wall = time.monotonic() - t0
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = ru.ru_utime + ru.ru_stime
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
print(f"specimen: {count} specimens: wall {wall:.1f} s, CPU {cpu:.1f} s "
      f"(= {cpu / 2:.1f} s on 2 free cores; load average {os.getloadavg()[0]:.1f})")
if cpu / 2 >= 60:
    print(f"specimen: FAILED — CPU time / 2 = {cpu / 2:.1f} s, bar is < 60 s")
    sys.exit(1)
print("specimen: ok")
PY
