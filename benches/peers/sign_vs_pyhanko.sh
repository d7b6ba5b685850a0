#!/usr/bin/env bash
# Side by side: PAdES B-B signing of the same ~1 MB PDF with the same P-384 key,
# saoy (in-process, release build) vs pyHanko (in-process Python API), same run.
# Prints both medians and the ratio (target: saoy >= 30x faster).
# Usage: benches/peers/sign_vs_pyhanko.sh [N=30] [ROUNDS=1]
# ROUNDS > 1 repeats saoy and pyHanko back to back and prints each round's ratio and the median
# ratio (a shared, loaded machine is noisy: compare within a round).
# SAOY_SIGN_BENCH_EX=path uses an already built `sign_bench` example instead of a release build.
source "$(dirname "$0")/../../.ci/lib.sh"
N="${1:-30}"
ROUNDS="${2:-1}"
W="$SAOY_CI_WORK/sign-bench"; rm -rf "$W"; mkdir -p "$W"
if [ -n "${SAOY_SIGN_BENCH_EX:-}" ]; then
  EX="$SAOY_SIGN_BENCH_EX"
else
  cargo build -q --release -p saoy-signing --example sign_bench
  EX="$REPO/target/release/examples/sign_bench"
fi
echo "saoy: $EX"
"$EX" make "$W"
py_install "pyhanko=pyhanko==0.38.0" >/dev/null
PY="$(venv_python)"
RATIOS=()
for round in $(seq "$ROUNDS"); do
echo "load before: $(uptime)"
SAOY_OUT="$("$EX" time "$W" "$N")"
echo "$SAOY_OUT"
PH_OUT="$("$PY" - "$W" "$N" <<'PYEOF'
import io, statistics, sys, time
from pyhanko.sign import signers, fields
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
w, n = sys.argv[1], int(sys.argv[2])
data = open(f"{w}/input-1mb.pdf", "rb").read()
signer = signers.SimpleSigner.load(f"{w}/pki/signer.key.pem", f"{w}/pki/signer.pem",
                                   ca_chain_files=(f"{w}/pki/chain.pem",))
meta = signers.PdfSignatureMetadata(field_name="Signature1", subfilter=fields.SigSeedSubFilter.PADES,
                                    md_algorithm="sha256")
times = []
for _ in range(n):
    t = time.perf_counter()
    out = signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(data)), meta, signer=signer)
    times.append((time.perf_counter() - t) * 1000)
print("pyhanko: md_algorithm sha256, as saoy")
print(f"pyhanko_sign_median_ms={statistics.median(times):.3f}")
PYEOF
)"
echo "$PH_OUT"
S="$(echo "$SAOY_OUT" | sed -n 's/saoy_sign_median_ms=//p')"
P="$(echo "$PH_OUT" | sed -n 's/pyhanko_sign_median_ms=//p')"
python3 -c "s=$S; p=$P; r=p/s; print(f'ratio pyhanko/saoy = {r:.1f}x (target >= 30x): ' + ('PASS' if r >= 30 else 'BELOW TARGET'))"
RATIOS+=("$S $P")
echo "load after: $(uptime)"
done
if [ "$ROUNDS" -gt 1 ]; then
  printf '%s\n' "${RATIOS[@]}" | python3 -c "
import statistics, sys
rows = [tuple(map(float, l.split())) for l in sys.stdin if l.strip()]
m = statistics.median
print(f'over {len(rows)} rounds (medians): saoy {m([s for s, _ in rows]):.3f} ms, pyHanko {m([p for _, p in rows]):.3f} ms')
print('per-round ratios: ' + ' '.join(f'{p / s:.1f}x' for s, p in rows) + f' -> median {m([p / s for s, p in rows]):.1f}x')"
fi
