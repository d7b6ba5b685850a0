#!/usr/bin/env bash
# ci-estimate-min: 3 (cold wall time on 2 cores; .ci/run's time guard)
# Verifier agreement on ../shared/data/signed-pdfs (EXPECTED.csv): runs
# `saoy verify --json` on every file with the trust roots of ../shared/data/pki
# and prints file, expected, ours, reason codes. Fails below 100% agreement on
# the valid/invalid split, except files listed as unsupported in
# signing/README.md ("Verifier: unsupported corpus files").
# Then times verify_pdf against pyHanko (signing/benches/verify_vs_pyhanko.sh).
# A file expected valid agrees when no signature is `invalid` (indeterminate is
# fine: e.g. a root we were not given); a file expected invalid agrees when the
# document is `invalid` (or `indeterminate` where EXPECTED says INDETERMINATE).
source "$(dirname "$0")/../lib.sh"
cd "$REPO"
if ! have_shared; then
  echo "skipped: ../shared absent"
  exit 0
fi
ws_build
SAOY="$TARGET_DIR/debug/saoy"
OUT="$SAOY_CI_WORK/verify-eval"
mkdir -p "$OUT"
rc=0
python3 - "$SAOY" "$SHARED/data" "$OUT" "$REPO/signing/README.md" <<'PY' || rc=$?
import csv, json, os, re, subprocess, sys
saoy, data, out, readme = sys.argv[1:5]
pki = os.path.join(data, "pki", "pyhanko")
roots = [os.path.join(pki, "testing-ca", "root", "root.cert.pem")]
emb = os.path.join(pki, "roots-embedded-in-pdfs")
roots += sorted(os.path.join(emb, f) for f in os.listdir(emb) if f.endswith(".pem"))
trust = [a for r in roots for a in ("--trust", r)]
unsupported = set()
in_section = False
for line in open(readme, encoding="utf-8"):
    if line.startswith("#"):
        in_section = "Verifier: unsupported corpus files" in line
    elif in_section:
        m = re.match(r"\s*-\s*`([^`]+)`", line)
        if m:
            unsupported.add(m.group(1))
rows = list(csv.DictReader(open(os.path.join(data, "signed-pdfs", "EXPECTED.csv"), encoding="utf-8")))
agree = total = 0
bad = []
print(f"{'file':<58} {'expected':<9} {'ours':<14} agree  reason codes")
for r in rows:
    f, verdict, cat = r["file"], r["expected_verdict"], r["category"]
    expect = "valid" if cat.startswith("valid") else "invalid" if cat.startswith("invalid") else "-"
    when = re.search(r"(?:validate at|freeze) (\d{4}-\d{2}-\d{2})", verdict + " " + r["expectation_source"])
    at = ["--at", when.group(1)] if when else []
    p = subprocess.run([saoy, "--json", "verify", os.path.join(data, "signed-pdfs", f), *trust, *at],
                       capture_output=True, text=True)
    open(os.path.join(out, f.replace("/", "__") + ".json"), "w").write(p.stdout)
    try:
        rep = json.loads(p.stdout)
    except Exception:
        rep = {}
    if "status" in rep:
        ours = rep["status"]
        codes = []
        for reason in rep.get("reasons", []) + [x for s in rep.get("signatures", []) for x in s["reasons"]]:
            if reason["severity"] != "info" and reason["code"] not in codes:
                codes.append(reason["code"])
    else:
        ours = "error:" + rep.get("error", {}).get("code", f"exit{p.returncode}")
        codes = []
    exp_code = {"valid": 0, "invalid": 1, "indeterminate": 2}.get(ours)
    if exp_code is not None and p.returncode != exp_code:
        ours += f"(exit {p.returncode}!)"
    if expect == "valid":
        ok = ours in ("valid", "indeterminate")
    elif expect == "invalid":
        ok = ours == "invalid" or (ours == "indeterminate" and "INDETERMINATE" in verdict)
    else:
        ok = None
    mark = "-" if ok is None else ("yes" if ok else ("unsup" if f in unsupported else "NO"))
    if ok is not None and f not in unsupported:
        total += 1
        agree += bool(ok)
        if not ok:
            bad.append(f)
    print(f"{f:<58} {expect:<9} {ours:<14} {mark:<6} {' '.join(codes)}")
ev = [json.load(open(os.path.join(out, r["file"].replace("/", "__") + ".json"))).get("status")
      for r in rows if r["category"].startswith("valid")]
print(f"expected-valid files: {ev.count('valid')} valid, {ev.count('indeterminate')} indeterminate "
      f"(no root given / certificate expired at the validation time), {ev.count('invalid')} invalid")
print(f"\nagreement on the valid/invalid split: {agree}/{total} "
      f"({100.0 * agree / max(total, 1):.1f}%); unsupported (README): {len(unsupported)}")
if bad:
    print("disagreements:", ", ".join(bad))
    sys.exit(1)
PY

# Speed: criterion (release) vs pyHanko on the same ~1 MB signed PDF. Reported,
# not gated (the ratio depends on the machine); SAOY_VERIFY_BENCH=0 skips it.
if [ "${SAOY_VERIFY_BENCH:-1}" = "1" ]; then
  PY="$(venv_python)"
  if "$PY" -c "import pyhanko" 2>/dev/null && [ -x "$(dirname "$PY")/pyhanko" ]; then
    timed "verify: bench vs pyHanko" env SAOY_BENCH_PROFILE="${SAOY_BENCH_PROFILE:-dev}" \
      bash "$REPO/signing/benches/verify_vs_pyhanko.sh" "$PY"
  else
    log "verify: pyHanko not installed (see .ci/setup/signing.sh); benchmark skipped"
  fi
fi
exit "$rc"
