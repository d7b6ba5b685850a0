#!/usr/bin/env bash
# Side-by-side: saoy's verifier (criterion, release) vs pyHanko validating the
# very same ~1 MB signed PDF in the same run (in-process API, and the
# `pyhanko sign validate` CLI). Cold = verify_pdf / a fresh ValidationContext per
# file; warm = one reused saoy Verifier (certificate cache) / one reused pyHanko
# ValidationContext. Prints medians, ratios and the load. Target >= 30x.
# Usage (from the repo root):
#   bash signing/benches/verify_vs_pyhanko.sh [PYTHON]
# PYTHON must have pyhanko + pyhanko-cli (default: the CI venv's python).
# SAOY_BENCH_ROUNDS=N (default 1) repeats saoy and pyHanko back to back N times and prints each
# round's ratios and their medians (a shared, loaded machine is noisy: compare within a round).
# SAOY_BENCH_BIN=path runs an already built criterion `verify` bench binary instead of cargo.
set -euo pipefail
REPO="$(cd "$(dirname "$0")/../.." && pwd)"
PY="${1:-$REPO/.ci/work/venv/bin/python}"
OUT="${SAOY_BENCH_DIR:-$REPO/.ci/work/verify-bench}"
mkdir -p "$OUT"
cd "$REPO"
echo "load before: $(uptime)"
# SAOY_BENCH_PROFILE=dev (what CI uses) runs the bench from the dev profile CI has already built
# (saoy-signing and every dependency at opt-level 2, root Cargo.toml) instead of building the
# release tree: a little slower code, so the ratio printed is if anything an underestimate.
# `--workspace --bench verify` (not `-p saoy-signing`) keeps the workspace's feature set, so no
# dependency is rebuilt.
PROFILE="${SAOY_BENCH_PROFILE:-release}"
echo "saoy built with cargo profile: $PROFILE${SAOY_BENCH_BIN:+ (prebuilt: $SAOY_BENCH_BIN)}"
ROUNDS="${SAOY_BENCH_ROUNDS:-1}"
CRIT="${CARGO_TARGET_DIR:-$REPO/target}/criterion/verify"
: >"$OUT/saoy-rounds.txt"
run_saoy() {
  local args=(--noplot --warm-up-time 1 --measurement-time 5 'verify/(verify_pdf|verifier_warm)_1mb')
  if [ -n "${SAOY_BENCH_BIN:-}" ]; then
    SAOY_BENCH_DIR="$OUT" "$SAOY_BENCH_BIN" --bench "${args[@]}" >"$OUT/criterion.txt" 2>&1
  else
    SAOY_BENCH_DIR="$OUT" cargo bench -q --profile "$PROFILE" --workspace --bench verify -- "${args[@]}" \
      >"$OUT/criterion.txt" 2>&1
  fi || { cat "$OUT/criterion.txt"; exit 1; }
}
for round in $(seq "$ROUNDS"); do
run_saoy
"$PY" - "$OUT/verify-1mb.pdf" "$OUT/root.pem" "$CRIT" "$round" "$ROUNDS" "$OUT/saoy-rounds.txt" <<'PY'
import json, os, statistics, subprocess, sys, time
pdf, root, crit = sys.argv[1:4]
round_no, rounds, log = int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
def median_ms(name):
    return json.load(open(os.path.join(crit, name, "new", "estimates.json")))["median"]["point_estimate"] / 1e6
ours_ms = median_ms("verify_pdf_1mb")
warm_ms = median_ms("verifier_warm_1mb")
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
vc_root = load_cert_from_pemder(root)
def fresh_vc():
    return ValidationContext(trust_roots=[vc_root], allow_fetching=False, revocation_mode="soft-fail")
shared_vc = fresh_vc()
def once(vc=None):
    with open(pdf, "rb") as f:
        r = PdfFileReader(f)
        st = validate_pdf_signature(r.embedded_signatures[0], vc or fresh_vc())
        assert st.bottom_line, st.pretty_print_details()
once(); once(shared_vc)
api, api_warm = [], []
for _ in range(9):
    t = time.perf_counter(); once(); api.append((time.perf_counter() - t) * 1e3)
    t = time.perf_counter(); once(shared_vc); api_warm.append((time.perf_counter() - t) * 1e3)
cli_bin = os.path.join(os.path.dirname(sys.executable), "pyhanko")
cli = []
for _ in range(3):
    t = time.perf_counter()
    p = subprocess.run([cli_bin, "sign", "validate", "--pretty-print", "--trust", root, "--trust-replace",
                        "--no-revocation-check", pdf], capture_output=True, text=True)
    cli.append((time.perf_counter() - t) * 1e3)
    assert p.returncode == 0 and ("INTACT:TRUSTED,UNTOUCHED" in p.stdout or "judged VALID" in p.stdout), p.stdout + p.stderr
a, aw, c = statistics.median(api), statistics.median(api_warm), statistics.median(cli)
size = os.path.getsize(pdf) / 1e6
print(f"file: {size:.2f} MB signed PDF (P-384 key, SHA-256, PAdES B-B)")
print(f"saoy verify_pdf, cold (criterion median):         {ours_ms:9.2f} ms")
print(f"saoy Verifier, warm cache (criterion median):     {warm_ms:9.2f} ms")
print(f"pyHanko in-process, fresh context (median of 9):  {a:9.2f} ms  -> cold ratio {a / ours_ms:6.1f}x")
print(f"pyHanko in-process, reused context (median of 9): {aw:9.2f} ms  -> warm ratio {aw / warm_ms:6.1f}x")
print(f"pyhanko sign validate CLI (median of 3):          {c:9.2f} ms  -> ratio {c / ours_ms:6.1f}x (vs cold)")
print("target >= 30x (in-process, cold): " + ("met" if a / ours_ms >= 30 else "MISSED"))
print("target >= 30x (in-process, warm): " + ("met" if aw / warm_ms >= 30 else "MISSED"))
with open(log, "a") as f:
    f.write(f"{ours_ms} {warm_ms} {a} {aw}\n")
if rounds > 1 and round_no == rounds:
    rows = [list(map(float, l.split())) for l in open(log) if l.strip()]
    med = lambda xs: statistics.median(xs)
    print(f"\nover {len(rows)} rounds (medians): saoy cold {med([r[0] for r in rows]):.2f} ms, "
          f"warm {med([r[1] for r in rows]):.2f} ms; pyHanko fresh {med([r[2] for r in rows]):.2f} ms, "
          f"reused {med([r[3] for r in rows]):.2f} ms")
    print(f"per-round ratios cold: {' '.join(f'{r[2] / r[0]:.1f}x' for r in rows)} -> median "
          f"{med([r[2] / r[0] for r in rows]):.1f}x")
    print(f"per-round ratios warm: {' '.join(f'{r[3] / r[1]:.1f}x' for r in rows)} -> median "
          f"{med([r[3] / r[1] for r in rows]):.1f}x")
PY
done
echo "load after: $(uptime)"
