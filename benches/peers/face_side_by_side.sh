#!/usr/bin/env bash
# Side-by-side speed of the face pipeline: saoy-faceauth vs the Python
# onnxruntime reference (benches/peers/face_reference.py), same images, same
# machine, same run. Per image: detect + align + embed, decoding excluded.
#
#   benches/peers/face_side_by_side.sh [N_IMAGES] [ROUNDS]
#
# 1. criterion (faceauth/benches/face.rs): wall-time medians at 1 and 2 threads.
# 2. ROUNDS interleaved rounds of: Rust per-stage timer (examples/face_stages),
#    the same with SFace loaded exactly as stored ("rust-stored": without the
#    crate's PRelu rewrite, to show what the rewrite gains),
#    Python reference with the same detector canvas as the Rust crate (the
#    image scaled to fit 640x640, canvas rounded up to multiples of 32:
#    "fit32", the like-for-like comparison), and the Python reference with the
#    classic full 640x640 canvas ("fixed", the pipeline as first written).
#    Each prints wall medians and, at 1 thread, thread-CPU medians (the work
#    done: far less inflated than wall time when the machine is shared).
# The summary gives, per metric, the median over rounds of each side, the
# median of the per-round ratios python/rust, and the best round of each.
source "$(dirname "$0")/../../.ci/lib.sh"

N="${1:-12}"
ROUNDS="${2:-3}"
MODELS="${SAOY_MODELS:-$HOME/.cache/saoy/models}"
if have_shared; then
  mapfile -t IMGS < <(ls "$SHARED"/data/faces/deepface/*.jpg "$SHARED"/data/faces/face_recognition/*.jpg | head -n "$N")
else
  IMGS=("$REPO/assets/portraits/astronaut.png")
fi
LIST="$(IFS=:; echo "${IMGS[*]}")"
log "face side-by-side on ${#IMGS[@]} images, $ROUNDS interleaved rounds; $(uptime)"

cd "$REPO"
PY="$(venv_python)"
OUT="$SAOY_CI_WORK/face-bench"
mkdir -p "$OUT"
LOG="$OUT/rounds.txt"
: >"$LOG"

timed "face bench: build" cargo build -q --release -p saoy-faceauth --example face_stages
STAGES="${CARGO_TARGET_DIR:-$REPO/target}/release/examples/face_stages"

if [ "${SAOY_FACE_SKIP_CRITERION:-0}" != 1 ]; then
  SAOY_FACE_BENCH_IMAGES="$LIST" timed "face bench: criterion" \
    cargo bench -q -p saoy-faceauth --bench face -- --noplot 2>&1 | grep -E "^face/|time:|thrpt:" || true
fi

for r in $(seq 1 "$ROUNDS"); do
  for t in 1 2; do
    "$STAGES" --threads "$t" --repeat 2 "${IMGS[@]}" | sed "s/^/round=$r /" | tee -a "$LOG"
    "$STAGES" --threads "$t" --repeat 2 --stored-model "${IMGS[@]}" | sed "s/^/round=$r /" | tee -a "$LOG"
    for canvas in fit32 fixed; do
      "$PY" benches/peers/face_reference.py bench --models "$MODELS" --threads "$t" --repeat 2 \
        --canvas "$canvas" --images "${IMGS[@]}" | sed "s/^/round=$r /" | tee -a "$LOG"
    done
  done
  log "round $r done; $(uptime)"
done

"$PY" - "${#IMGS[@]}" "$LOG" <<'EOF'
import glob, json, re, statistics, sys

n, path = int(sys.argv[1]), sys.argv[2]
# (side, threads, metric) -> [per-round per_image ms]
runs = {}
for line in open(path):
    m = re.match(r"round=(\d+) (rust|rust-stored|python-reference) threads=(\d+)(?: canvas=(\w+))?.* (wall|cpu) median_ms .*per_image=([\d.]+)", line)
    if not m:
        continue
    rnd, who, t, canvas, metric, v = m.groups()
    side = who if who.startswith("rust") else f"python-{canvas}"
    runs.setdefault((side, int(t), metric), {})[int(rnd)] = float(v)


def criterion(pattern):
    files = glob.glob(f"target/criterion/face/{pattern}/new/estimates.json")
    return json.load(open(files[0]))["median"]["point_estimate"] / 1e6 if files else None


for t in (1, 2):
    per = criterion(f"detect_align_embed_threads={t}")
    cmp_ = criterion(f"compare_threads={t}")
    if per is not None:
        print(f"criterion threads={t}: detect+align+embed {per / n:.2f} ms/image (median), "
              f"full compare (2 images) {cmp_:.2f} ms")
for t in (1, 2):
    for metric in ("wall", "cpu"):
        rust = runs.get(("rust", t, metric))
        if not rust:
            continue
        parts = [f"rust {statistics.median(rust.values()):.2f} (best {min(rust.values()):.2f})"]
        stored = runs.get(("rust-stored", t, metric), {})
        common = sorted(set(stored) & set(rust))
        if common:
            ratios = [stored[r] / rust[r] for r in common]
            parts.append(
                f"rust with SFace as stored (no PRelu rewrite) {statistics.median(stored.values()):.2f} "
                f"(best {min(stored.values()):.2f}), stored/rust median ratio {statistics.median(ratios):.2f}x"
            )
        for canvas in ("fit32", "fixed"):
            py = runs.get((f"python-{canvas}", t, metric), {})
            common = sorted(set(py) & set(rust))
            if not common:
                continue
            ratios = [py[r] / rust[r] for r in common]
            parts.append(
                f"python[{canvas}] {statistics.median(py.values()):.2f} (best {min(py.values()):.2f}), "
                f"python/rust median of per-round ratios {statistics.median(ratios):.2f}x, "
                f"best/best {min(py.values()) / min(rust.values()):.2f}x"
            )
        print(f"threads={t} {metric} ms/image: " + "; ".join(parts))
EOF
log "face side-by-side done; $(uptime)"
