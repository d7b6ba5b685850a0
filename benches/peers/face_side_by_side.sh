#!/usr/bin/env bash
# Side-by-side speed of the face pipeline: saoy-faceauth (criterion bench
# faceauth/benches/face.rs) vs the Python onnxruntime reference
# (benches/peers/face_reference.py), same images, same machine, same run.
# Prints medians per image (detect + align + embed, decoding excluded) at 1
# and 2 threads and the ratios. Usage: benches/peers/face_side_by_side.sh [N_IMAGES]
source "$(dirname "$0")/../../.ci/lib.sh"

N="${1:-12}"
MODELS="${SAOY_MODELS:-$HOME/.cache/saoy/models}"
if have_shared; then
  mapfile -t IMGS < <(ls "$SHARED"/data/faces/deepface/*.jpg "$SHARED"/data/faces/face_recognition/*.jpg | head -n "$N")
else
  IMGS=("$REPO/assets/portraits/astronaut.png")
fi
LIST="$(IFS=:; echo "${IMGS[*]}")"
log "face side-by-side on ${#IMGS[@]} images"

cd "$REPO"
SAOY_FACE_BENCH_IMAGES="$LIST" cargo bench -q -p saoy-faceauth --bench face -- --noplot 2>&1 \
  | grep -E "^face/|time:|thrpt:" || true

PY="$(venv_python)"
py1=$("$PY" benches/peers/face_reference.py bench --models "$MODELS" --threads 1 --repeat 3 --images "${IMGS[@]}")
py2=$("$PY" benches/peers/face_reference.py bench --models "$MODELS" --threads 2 --repeat 3 --images "${IMGS[@]}")
echo "$py1"
echo "$py2"

"$PY" - "${#IMGS[@]}" "$py1" "$py2" <<'EOF'
import json, re, sys, glob
n = int(sys.argv[1])
py = {}
for line in sys.argv[2:]:
    t = int(re.search(r"threads=(\d+)", line).group(1))
    py[t] = float(re.search(r"per_image=([\d.]+)", line).group(1))
def median_ms(pattern):
    files = glob.glob(f"target/criterion/face/{pattern}/new/estimates.json")
    if not files:
        return None
    return json.load(open(files[0]))["median"]["point_estimate"] / 1e6
for t in (1, 2):
    rust = median_ms(f"detect_align_embed_threads={t}")
    cmp_ = median_ms(f"compare_threads={t}")
    if rust is None:
        print(f"threads={t}: no criterion result"); continue
    per = rust / n
    print(f"threads={t}: rust {per:.2f} ms/image (median), python {py[t]:.2f} ms/image (median), "
          f"python/rust = {py[t] / per:.2f}x; rust full compare (2 images) {cmp_:.2f} ms")
EOF
