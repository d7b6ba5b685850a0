#!/usr/bin/env bash
# Side by side, in rounds: PAdES B-B sign and verify of the same ~1 MB PDF with the same
# P-384 key, saoy (examples/sign_bench.rs, in-process) vs pyHanko (in-process API), saoy and
# pyHanko back to back in each round. Two measures per side:
#   wall: median time of one document (latency; saoy hashes on a second thread);
#   cpu:  CPU time (user + system, every thread) per document, i.e. throughput on a busy machine
#         (the figure that stays comparable when other builds share the cores).
# Verify: cold = verify_pdf / a fresh pyHanko ValidationContext per file; warm = one reused saoy
# Verifier / one reused ValidationContext. Prints every round and the median ratios (target 30x).
# Usage (repo root): bash signing/benches/cpu_vs_pyhanko.sh [N=100] [ROUNDS=3] [PYTHON]
# SAOY_SIGN_BENCH_EX=path: a built `sign_bench` example (default: build it in the dev profile,
# which CI already has: saoy-signing and its dependencies at opt-level 2).
set -euo pipefail
REPO="$(cd "$(dirname "$0")/../.." && pwd)"
N="${1:-100}"
ROUNDS="${2:-3}"
PY="${3:-$REPO/.ci/work/venv/bin/python}"
W="${SAOY_BENCH_DIR:-$REPO/.ci/work/cpu-bench}"
mkdir -p "$W"
cd "$REPO"
if [ -n "${SAOY_SIGN_BENCH_EX:-}" ]; then
  EX="$SAOY_SIGN_BENCH_EX"
else
  cargo build -q -p saoy-signing --example sign_bench
  EX="${CARGO_TARGET_DIR:-$REPO/target}/debug/examples/sign_bench"
fi
echo "saoy: $EX"
"$EX" make "$W"
: >"$W/rounds.txt"
for round in $(seq "$ROUNDS"); do
  echo "round $round, load: $(uptime)"
  S_SIGN="$("$EX" time "$W" "$N")"
  S_VER="$("$EX" verify "$W" "$N")"
  "$PY" - "$W" "$N" "$S_SIGN
$S_VER" >>"$W/rounds.txt" <<'PY'
import io, statistics, sys, time
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
w, n, saoy = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s = dict(l.split("=", 1) for l in saoy.split() if "=" in l)
def timed(f, k):
    f()
    ms = []
    c0 = time.process_time()
    for _ in range(k):
        t = time.perf_counter(); f(); ms.append((time.perf_counter() - t) * 1e3)
    return statistics.median(ms), (time.process_time() - c0) * 1e3 / k
data = open(f"{w}/input-1mb.pdf", "rb").read()
signer = signers.SimpleSigner.load(f"{w}/pki/signer.key.pem", f"{w}/pki/signer.pem",
                                   ca_chain_files=(f"{w}/pki/chain.pem",))
meta = signers.PdfSignatureMetadata(field_name="Signature1", subfilter=fields.SigSeedSubFilter.PADES,
                                    md_algorithm="sha256")
k = max(5, n // 5)
sign = timed(lambda: signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(data)), meta, signer=signer), k)
root = load_cert_from_pemder(f"{w}/pki/root.pem")
signed = open(f"{w}/signed-1mb.pdf", "rb").read()
def vc():
    return ValidationContext(trust_roots=[root], allow_fetching=False, revocation_mode="soft-fail")
shared = vc()
def validate(ctx=None):
    st = validate_pdf_signature(PdfFileReader(io.BytesIO(signed)).embedded_signatures[0], ctx or vc())
    assert st.bottom_line, st.pretty_print_details()
cold = timed(validate, k)
warm = timed(lambda: validate(shared), k)
print(" ".join(f"{x:.3f}" for x in (
    float(s["saoy_sign_median_ms"]), float(s["saoy_sign_cpu_ms"]), *sign,
    float(s["saoy_verify_cold_median_ms"]), float(s["saoy_verify_cold_cpu_ms"]), *cold,
    float(s["saoy_verify_warm_median_ms"]), float(s["saoy_verify_warm_cpu_ms"]), *warm)))
PY
  tail -1 "$W/rounds.txt" | awk '{printf "  sign: saoy %s ms wall %s ms cpu | pyHanko %s wall %s cpu\n  verify cold: saoy %s wall %s cpu | pyHanko %s wall %s cpu\n  verify warm: saoy %s wall %s cpu | pyHanko %s wall %s cpu\n", $1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12}'
done
echo "load after: $(uptime)"
python3 - "$W/rounds.txt" <<'PY'
import statistics, sys
rows = [list(map(float, l.split())) for l in open(sys.argv[1]) if l.strip()]
m = statistics.median
print(f"\nmedians over {len(rows)} rounds (ms per document; ratio = pyHanko / saoy, target >= 30x)")
for name, o in (("sign", 0), ("verify cold", 4), ("verify warm", 8)):
    sw, sc, pw, pc = (m([r[o + i] for r in rows]) for i in range(4))
    rw = [r[o + 2] / r[o] for r in rows]
    rc = [r[o + 3] / r[o + 1] for r in rows]
    print(f"{name:<12} wall: saoy {sw:6.2f}  pyHanko {pw:7.2f}  ratio {m(rw):5.1f}x "
          f"({' '.join(f'{x:.1f}' for x in rw)})")
    print(f"{'':<12} cpu:  saoy {sc:6.2f}  pyHanko {pc:7.2f}  ratio {m(rc):5.1f}x "
          f"({' '.join(f'{x:.1f}' for x in rc)})")
PY
