#!/usr/bin/env bash
# Side by side: PAdES B-B signing of the same ~1 MB PDF with the same P-384 key,
# saoy (in-process, release build) vs pyHanko (in-process Python API), same run.
# Prints both medians and the ratio (target: saoy >= 30x faster).
# Usage: benches/peers/sign_vs_pyhanko.sh [N=30]
source "$(dirname "$0")/../../.ci/lib.sh"
N="${1:-30}"
W="$SAOY_CI_WORK/sign-bench"; rm -rf "$W"; mkdir -p "$W"
cargo build -q --release -p saoy-signing --example sign_bench
EX="$REPO/target/release/examples/sign_bench"
"$EX" make "$W"
echo "load before: $(uptime)"
SAOY_OUT="$("$EX" time "$W" "$N")"
echo "$SAOY_OUT"
py_install "pyhanko=pyhanko==0.38.0" >/dev/null
PY="$(venv_python)"
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
echo "load after: $(uptime)"
