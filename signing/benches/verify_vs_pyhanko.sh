#!/usr/bin/env bash
# Side-by-side: saoy's verify_pdf (criterion, release) vs pyHanko validating the
# very same ~1 MB signed PDF (in-process API, and the `pyhanko sign validate` CLI).
# Prints medians and the ratio; target >= 30x. Usage (from the repo root):
#   bash signing/benches/verify_vs_pyhanko.sh [PYTHON]
# PYTHON must have pyhanko + pyhanko-cli (default: the CI venv's python).
set -euo pipefail
REPO="$(cd "$(dirname "$0")/../.." && pwd)"
PY="${1:-$REPO/.ci/work/venv/bin/python}"
OUT="${SAOY_BENCH_DIR:-$REPO/.ci/work/verify-bench}"
mkdir -p "$OUT"
cd "$REPO"
SAOY_BENCH_DIR="$OUT" cargo bench -q -p saoy-signing --bench verify -- --noplot \
  --warm-up-time 1 --measurement-time 5 verify_pdf_1mb >"$OUT/criterion.txt" 2>&1 \
  || { cat "$OUT/criterion.txt"; exit 1; }
EST="${CARGO_TARGET_DIR:-$REPO/target}/criterion/verify/verify_pdf_1mb/new/estimates.json"
"$PY" - "$OUT/verify-1mb.pdf" "$OUT/root.pem" "$EST" <<'PY'
import json, os, statistics, subprocess, sys, time
pdf, root, est = sys.argv[1:4]
ours_ms = json.load(open(est))["median"]["point_estimate"] / 1e6
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
vc_root = load_cert_from_pemder(root)
def once():
    with open(pdf, "rb") as f:
        r = PdfFileReader(f)
        vc = ValidationContext(trust_roots=[vc_root], allow_fetching=False, revocation_mode="soft-fail")
        st = validate_pdf_signature(r.embedded_signatures[0], vc)
        assert st.bottom_line, st.pretty_print_details()
once()
api = []
for _ in range(7):
    t = time.perf_counter(); once(); api.append((time.perf_counter() - t) * 1e3)
cli_bin = os.path.join(os.path.dirname(sys.executable), "pyhanko")
cli = []
for _ in range(3):
    t = time.perf_counter()
    p = subprocess.run([cli_bin, "sign", "validate", "--pretty-print", "--trust", root, "--trust-replace",
                        "--no-revocation-check", pdf], capture_output=True, text=True)
    cli.append((time.perf_counter() - t) * 1e3)
    assert p.returncode == 0 and ("INTACT:TRUSTED,UNTOUCHED" in p.stdout or "judged VALID" in p.stdout), p.stdout + p.stderr
a, c = statistics.median(api), statistics.median(cli)
size = os.path.getsize(pdf) / 1e6
print(f"file: {size:.2f} MB signed PDF (P-384 PAdES B-B)")
print(f"saoy verify_pdf (criterion median):         {ours_ms:9.2f} ms")
print(f"pyHanko validate_pdf_signature (median of 7): {a:9.2f} ms  -> ratio {a / ours_ms:6.1f}x")
print(f"pyhanko sign validate CLI (median of 3):      {c:9.2f} ms  -> ratio {c / ours_ms:6.1f}x")
print("target >= 30x (in-process ratio): " + ("met" if a / ours_ms >= 30 else "MISSED"))
PY
