#!/usr/bin/env bash
# ci-estimate-min: 5 (cold wall time on 2 cores; 2026-12-07, AVX-512 EPYC, after the workspace build: 117 s, of which maturin 25 s (it compiles only pyo3, numpy and saoy-python: feature `unify` in bindings/python/Cargo.toml); was 558 s with maturin 396 s on an AVX2-only EPYC; .ci/run's time guard)
# Python binding (issue 7.2): build the abi3 wheel with maturin, install it into a CLEAN venv,
# run the pytest suite (which also proves the stub drift check fails on drift), check the .pyi
# stubs against the installed module, run the batch example on a folder of generated fictional
# scans, and measure the `saoy.ocr` overhead vs the native Rust call (bar <= 5%).
# Needs no ../shared: inputs are generated (saoy.demo_inputs), models come from the store
# ($SAOY_MODELS). The wheel is a `dev`-profile build (deps and saoy-ocr/faceauth are opt-level 2
# in dev, so it reuses the test build; ONNX Runtime is the release .so either way), so the
# overhead figure compares the same engine through Python and through a Rust loop in that build.
# Measured here (2 shared cores, load 11-14): 1075 s wall; expect far less on an idle CI box.
source "$(dirname "$0")/../lib.sh"
cd "$REPO"
T0=$(date +%s)
log "load: $(uptime)"
PY="$(venv_python)"
py_install "maturin=maturin==1.16.0"
WHEELS="$SAOY_CI_WORK/wheels"
rm -rf "$WHEELS"
# Not -q: the count of crates it compiled shows whether the wheel still reuses the workspace
# build (bindings/python/Cargo.toml, feature `unify`): pyo3's 5 crates, numpy, target-lexicon
# and saoy-python, or ~90 more when a feature change somewhere broke the unification.
MATURIN_LOG="$SAOY_CI_WORK/maturin.log"
maturin_build() {
  "$SAOY_VENV/bin/maturin" build --profile dev --strip \
    -m bindings/python/Cargo.toml -o "$WHEELS" -i python3 > "$MATURIN_LOG" 2>&1 \
    || { tail -n 40 "$MATURIN_LOG"; return 1; }
}
timed "maturin build (dev profile)" maturin_build
COMPILED=$(grep -c '^ *Compiling ' "$MATURIN_LOG" || true)
log "maturin compiled $COMPILED crates (the rest reused from the workspace build)"
if [ "$COMPILED" -gt 12 ]; then
  log "WARNING: more than 12: the wheel's features no longer match the workspace build's;"
  log "         see feature \`unify\` in bindings/python/Cargo.toml"
  grep '^ *Compiling ' "$MATURIN_LOG" | head -n 20
fi
WHEEL="$(ls "$WHEELS"/saoy-*.whl)"
log "wheel: $(basename "$WHEEL") ($(du -h "$WHEEL" | cut -f1))"

CLEAN="$SAOY_CI_WORK/py-clean"
rm -rf "$CLEAN"
timed "clean venv + pip install wheel" bash -c \
  "python3 -m venv '$CLEAN' && '$CLEAN/bin/pip' install -q '$WHEEL' pytest pillow"
cd "$SAOY_CI_WORK"   # import the installed package, not the source tree
timed "pytest" "$CLEAN/bin/python" -m pytest -q -p no:cacheprovider "$REPO/bindings/python/tests"
timed "stub drift check" "$CLEAN/bin/python" "$REPO/bindings/python/tools/check_stubs.py" \
  "$REPO/bindings/python/python/saoy/_native.pyi"

SCANS="$SAOY_CI_WORK/batch-scans"
rm -rf "$SCANS"; mkdir -p "$SCANS/sub"
"$CLEAN/bin/python" - "$SCANS" <<'PY'
import sys, saoy
from pathlib import Path
d = Path(sys.argv[1])
a, b = saoy.demo_inputs(3), saoy.demo_inputs(7)
(d / "a4-3.jpg").write_bytes(a.pages[0])
(d / "cccd-front-3.jpg").write_bytes(a.id_front)
(d / "cccd-front-7.jpg").write_bytes(b.id_front)
(d / "sub" / "cccd-back-7.jpg").write_bytes(b.id_back)
(d / "broken.png").write_bytes(b"not an image")
PY
timed "batch example (5 scans, 2 workers)" "$CLEAN/bin/python" "$REPO/examples/python/batch_ocr.py" \
  "$SCANS" --out "$SAOY_CI_WORK/batch.csv" --workers 2 --threads 1
"$CLEAN/bin/python" - "$SAOY_CI_WORK/batch.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8")))
files = {r["file"] for r in rows}
errors = [r for r in rows if r["error_code"]]
kinds = {r["file"].rsplit("/", 1)[-1]: r["kind"] for r in rows if r["kind"]}
assert len(files) == 5, files
assert [r["error_code"] for r in errors] == ["ocr.not_an_image"], errors
assert sum(1 for r in rows if r["text"]) > 50, len(rows)
assert any("CĂN CƯỚC" in r["text"] for r in rows if r["file"].endswith("cccd-front-7.jpg"))
assert kinds["cccd-front-3.jpg"] == "cccd_front" and kinds["cccd-back-7.jpg"] == "cccd_back", kinds
print(f"batch csv: {len(rows)} rows, {len(files)} files, kinds {sorted(set(kinds.values()))}, "
      f"error codes {[r['error_code'] for r in errors]}")
PY

log "load: $(uptime)"
timed "ocr overhead benchmark (dev wheel)" "$CLEAN/bin/python" \
  "$REPO/examples/python/bench_ocr_overhead.py" --threads 1
# saoy.tune_malloc in fresh processes, plain and tuned alternated: page faults, time and peak
# memory reported (whether the settings take effect is gated by tests/test_malloc.py above).
timed "malloc tuning benchmark (dev wheel)" "$CLEAN/bin/python" \
  "$REPO/examples/python/bench_malloc_tuning.py" --rounds 2 --runs 2
log "python eval wall: $(( $(date +%s) - T0 ))s"
