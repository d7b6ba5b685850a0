#!/usr/bin/env bash
# ci-estimate-min: 2 (cold wall time on 2 cores; .ci/run's time guard)
# LTV acceptance (issue 8): PDFs signed at B-T / B-LT / B-LTA against the local
# certomancer TSA/OCSP/CRL (.ci/setup/ltv.sh) must validate in pyHanko (with
# revocation checking against the live responder for LT/LTA) and be reported
# PAdES-BASELINE-T/-LT/-LTA TOTAL_PASSED by EU DSS; the expired short-lived signer
# must still verify at B-LTA (and not at B-B) at a later --at; our verifier must
# report the expected-valid LT/LTA files of ../shared at their level. Benchmarks:
# B-LTA signing latency and `saoy extend` throughput (CI: SAOY_LTV_EXTEND_N=50
# files; the 1,000-file run: SAOY_LTV_EXTEND_N=1000 bash .ci/eval/ltv.sh). The in-process
# criterion benchmark of the same two (no process start-up; needs this responder):
# cargo bench -p saoy-signing --bench ltv. B-LT/B-LTA files carry a /VRI per signature;
# a signature whose own revocation data is not in the /DSS is reported B-T (as EU DSS does).
source "$(dirname "$0")/../lib.sh"
set +e
export SAOY_CI=1
T_START=$(date +%s)
W="$SAOY_CI_WORK/ltv-eval"
rm -rf "$W"; mkdir -p "$W"
L="$SAOY_CI_WORK/ltv"
[ -s "$L/url" ] || { log "FAIL: certomancer not set up (run .ci/setup/ltv.sh)"; exit 1; }
URL="$(cat "$L/url")"; TSA="$URL/saoy/tsa/tsa"
curl -sf -o /dev/null "$URL/saoy/certs/root/ca.crt" || { log "FAIL: certomancer not answering at $URL"; exit 1; }

timed "ltv: workspace build (saoy CLI)" ws_build || { log "build failed"; exit 1; }
SAOY="$TARGET_DIR/debug/saoy"
PH="$SAOY_VENV/bin/pyhanko"
ROOT="$L/certs/root.cert.pem"
FAIL=0

"$SAOY" pki init "$W/tmp-pki" >/dev/null
# Input: a small PDF made by saoy itself (a certified copy of a blank page image).
"$(venv_python)" - "$W/page.png" <<'PYEOF'
import struct, sys, zlib
w, h = 400, 566
raw = b"".join(b"\x00" + b"\xf0\xf0\xf0" * w for _ in range(h))
def chunk(k, d):
    c = k + d
    return struct.pack(">I", len(d)) + c + struct.pack(">I", zlib.crc32(c) & 0xffffffff)
ppm = round(200 / 0.0254)
open(sys.argv[1], "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
    + chunk(b"pHYs", struct.pack(">IIB", ppm, ppm, 1)) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
PYEOF
"$SAOY" copy "$W/page.png" --out "$W/copy.pdf" --agency "UBND phường Thử Nghiệm" --number "8/2026/SY" --date "25/11/2026" >/dev/null || exit 1

sign_at() { # NAME LEVEL [signer [extra flags...]]
  local who="${3:-signer}"
  "$SAOY" sign "$W/copy.pdf" "$W/$1.pdf" --key "$L/keys/$who.key.pem" --cert "$L/certs/$who.cert.pem" \
    --chain "$L/certs/issuing.cert.pem" --chain "$ROOT" --level "$2" --tsa "$TSA" "${@:4}"
}

declare -A WANT=([bt]=T [blt]=LT [blta]=LTA)
declare -A LEVEL=([bt]=b-t [blt]=b-lt [blta]=b-lta)
for n in bt blt blta; do
  extra=(); [ "$n" = blta ] && extra=(--ocsp)   # B-LTA with strict OCSP (no CRL fallback where a responder is named)
  out="$(sign_at "$n" "${LEVEL[$n]}" signer "${extra[@]}")" || { log "FAIL: sign ${LEVEL[$n]}"; FAIL=$((FAIL + 1)); continue; }
  log "$out"
  # our verifier: level and status
  lv="$("$SAOY" --json verify "$W/$n.pdf" --trust "$ROOT" | "$(venv_python)" -c 'import json,sys; r=json.load(sys.stdin); print(r["status"], r["signatures"][0]["pades_level"])')"
  want="valid B-${WANT[$n]}"
  if [ "$lv" = "$want" ]; then log "ok saoy verify $n: $lv"; else log "FAIL saoy verify $n: got '$lv' want '$want'"; FAIL=$((FAIL + 1)); fi
  # pyHanko
  # B-T: no revocation data in the file; B-LT/B-LTA: every certificate must have
  # revocation info (--force-revinfo), fetched from the live certomancer responder.
  rc_args=(--no-revocation-check); [ "$n" != bt ] && rc_args=(--force-revinfo)
  if "$PH" sign validate --pretty-print --trust "$ROOT" --trust-replace "${rc_args[@]}" "$W/$n.pdf" > "$W/$n.pyhanko.txt" 2>&1 \
     && grep -q "judged VALID" "$W/$n.pyhanko.txt"; then
    log "ok pyHanko $n (revocation check: $([ "$n" = bt ] && echo off || echo on))"
  else
    log "FAIL pyHanko $n"; tail -25 "$W/$n.pyhanko.txt" | sed 's/^/  pyhanko: /'; FAIL=$((FAIL + 1))
  fi
done

# EU DSS levels
DSS_DIR="$REPO/tools/dss-validator"
if [ -d "$DSS_DIR/target/lib" ]; then
  DSS_OUT="$(java -cp "$DSS_DIR/target/classes:$DSS_DIR/target/lib/*" saoy.DssValidate "$ROOT" "$W/bt.pdf" "$W/blt.pdf" "$W/blta.pdf" 2>/dev/null)"
  for n in bt blt blta; do
    line="$(echo "$DSS_OUT" | grep -F "$W/$n.pdf " | grep -v '^  ' | head -1)"
    if echo "$line" | grep -q "PAdES-BASELINE-${WANT[$n]} TOTAL_PASSED"; then log "ok EU DSS $n: PAdES-BASELINE-${WANT[$n]} TOTAL_PASSED"
    else log "FAIL EU DSS $n: $line"; echo "$DSS_OUT" | grep -F -A4 "$W/$n.pdf " | sed 's/^/  dss: /'; FAIL=$((FAIL + 1)); fi
  done
else
  log "FAIL: EU DSS harness not built (.ci/setup/signing.sh)"; FAIL=$((FAIL + 1))
fi

# Expired short-lived signer: valid at B-LTA, not at B-B, at a time after its expiry.
read -r _ SHORT_TO < "$L/short-dates"
AT="$(date -u -d "${SHORT_TO:0:10} +200 days" +%Y-%m-%dT%H:%M:%SZ)"
sign_at short-lta b-lta short >/dev/null && sign_at short-bb b-b short >/dev/null
"$SAOY" verify "$W/short-lta.pdf" --trust "$ROOT" --at "$AT" --lang en > "$W/short-lta.txt"; rc_lta=$?
"$SAOY" verify "$W/short-bb.pdf" --trust "$ROOT" --at "$AT" --lang en > "$W/short-bb.txt"; rc_bb=$?
if [ "$rc_lta" = 0 ] && [ "$rc_bb" != 0 ]; then log "ok expired signer at $AT: B-LTA valid (exit 0), B-B exit $rc_bb"
else log "FAIL expired signer at $AT: B-LTA exit $rc_lta, B-B exit $rc_bb"; cat "$W/short-lta.txt" "$W/short-bb.txt" | sed 's/^/  /'; FAIL=$((FAIL + 1)); fi

# PKCS#11 through the CLI: the certomancer signer key imported into a SoftHSM2
# token made here (SOFTHSM2_CONF in a temp dir), signed at B-LTA with
# --pkcs11-module/--pkcs11-token/--key-label (PIN from SAOY_PKCS11_PIN).
HSM_MOD=/usr/lib/softhsm/libsofthsm2.so
HSM="$W/hsm"; mkdir -p "$HSM/tokens"
printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' "$HSM/tokens" > "$HSM/softhsm2.conf"
export SOFTHSM2_CONF="$HSM/softhsm2.conf"
if softhsm2-util --init-token --free --label saoy-eval --so-pin 13579135 --pin 246810 >/dev/null \
   && softhsm2-util --import "$L/keys/signer.key.pem" --token saoy-eval --label copy-signer --id 01 --pin 246810 >/dev/null \
   && SAOY_PKCS11_PIN=246810 "$SAOY" sign "$W/copy.pdf" "$W/hsm.pdf" --pkcs11-module "$HSM_MOD" --pkcs11-token saoy-eval \
        --key-label copy-signer --cert "$L/certs/signer.cert.pem" --chain "$L/certs/issuing.cert.pem" --chain "$ROOT" \
        --level b-lta --tsa "$TSA" >/dev/null; then
  lv="$("$SAOY" --json verify "$W/hsm.pdf" --trust "$ROOT" | "$(venv_python)" -c 'import json,sys; r=json.load(sys.stdin); print(r["status"], r["signatures"][0]["pades_level"])')"
  if [ "$lv" = "valid B-LTA" ]; then log "ok PKCS#11 (SoftHSM2) CLI signature: $lv"; else log "FAIL PKCS#11 CLI signature: $lv"; FAIL=$((FAIL + 1)); fi
else
  log "FAIL: PKCS#11 CLI signing"; FAIL=$((FAIL + 1))
fi
unset SOFTHSM2_CONF

# Expected-valid LT/LTA files of ../shared reported at their level.
if have_shared; then
  D="$SHARED/data/signed-pdfs"
  while read -r file want; do
    got="$("$SAOY" --json verify "$D/$file" --at 2030-01-01T00:00:00Z | "$(venv_python)" -c 'import json,sys; r=json.load(sys.stdin); print(" ".join(sorted({s["pades_level"] for s in r["signatures"] if s["kind"]=="signature"})))')"
    if echo " $got " | grep -q " $want "; then log "ok shared $file: $got"; else log "FAIL shared $file: levels '$got', want $want"; FAIL=$((FAIL + 1)); fi
  done < <("$(venv_python)" - "$D/EXPECTED.csv" <<'PYEOF'
import csv, sys
for r in csv.DictReader(open(sys.argv[1], encoding="utf-8")):
    c = r["category"]
    if c.startswith(("valid/PAdES-B-LTA", "valid/PAdES-LTA")):
        print(r["file"], "B-LTA")
    elif c.startswith("valid/PAdES-B-LT"):
        print(r["file"], "B-LT")
PYEOF
)
else
  log "shared LT/LTA levels: skipped: ../shared absent"
fi

# Benchmarks (loopback TSA/OCSP): B-LTA signing latency, `saoy extend` throughput.
N_SIGN=11
: > "$W/lat.txt"
for i in $(seq 1 $N_SIGN); do
  t0=$(date +%s%N); sign_at "lat$i" b-lta >/dev/null || FAIL=$((FAIL + 1)); t1=$(date +%s%N)
  echo $(( (t1 - t0) / 1000000 )) >> "$W/lat.txt"
done
log "bench: B-LTA sign latency (CLI, incl. process start): median $(sort -n "$W/lat.txt" | sed -n "$(( (N_SIGN + 1) / 2 ))p") ms, min $(sort -n "$W/lat.txt" | head -1) ms, max $(sort -n "$W/lat.txt" | tail -1) ms over $N_SIGN (load: $(uptime | sed 's/.*load average: //'))"
N="${SAOY_LTV_EXTEND_N:-50}"
mkdir -p "$W/extend"
for i in $(seq 1 "$N"); do cp "$W/blt.pdf" "$W/extend/f$i.pdf"; done
t0=$(date +%s%N)
"$SAOY" extend "$W"/extend/*.pdf --tsa "$TSA" || { log "FAIL: saoy extend"; FAIL=$((FAIL + 1)); }
t1=$(date +%s%N)
ms=$(( (t1 - t0) / 1000000 ))
log "bench: saoy extend $N PDFs in ${ms} ms = $(awk -v n="$N" -v ms="$ms" 'BEGIN { printf "%.1f", n * 1000 / (ms > 0 ? ms : 1) }') files/s (load: $(uptime | sed 's/.*load average: //'))"
lv="$("$SAOY" --json verify "$W/extend/f1.pdf" --trust "$ROOT" | "$(venv_python)" -c 'import json,sys; r=json.load(sys.stdin); print(r["status"], r["signatures"][0]["pades_level"])')"
[ "$lv" = "valid B-LTA" ] && log "ok extended file: $lv" || { log "FAIL extended file: $lv"; FAIL=$((FAIL + 1)); }

log "ltv eval: $FAIL failure(s) in $(( $(date +%s) - T_START ))s"
[ "$FAIL" -eq 0 ]
