#!/usr/bin/env bash
# ci-estimate-min: 4 (cold wall time on 2 cores; .ci/run's time guard)
# Signing acceptance: every PDF saoy signs must validate in pyHanko, pdfsig (NSS),
# qpdf and EU DSS 6.2. Our own certified copy needs nothing from ../shared; the
# foreign unsigned PDFs of $SHARED/data/signed-pdfs are signed too when present.
# Exit non-zero if any check fails.
source "$(dirname "$0")/../lib.sh"
set +e

T_START=$(date +%s)
W="$SAOY_CI_WORK/signing-eval"
rm -rf "$W"; mkdir -p "$W/out"

timed "signing: workspace build (saoy CLI)" ws_build || { log "build failed"; exit 1; }
SAOY="$TARGET_DIR/debug/saoy"
PH="$SAOY_VENV/bin/pyhanko"
[ -x "$PH" ] || { log "pyhanko missing: run .ci/setup/signing.sh"; exit 1; }
PY="$(venv_python)"

# --- inputs -------------------------------------------------------------------
timed "signing: test PKIs" bash -c "'$SAOY' pki init '$W/pki' >/dev/null && '$SAOY' pki init '$W/pki2' --leaf p256 >/dev/null" || exit 1
ROOTS="$W/pki/root.pem,$W/pki2/root.pem"

# Two synthetic page scans (PNG at 200 dpi, written with the Python stdlib) and OCR lines.
"$PY" - "$W" <<'PYEOF'
import struct, sys, zlib
w = sys.argv[1]
def png(path, width, height, dpi):
    rows = bytearray()
    for y in range(height):
        rows.append(0)
        for x in range(width):
            ink = 40 if (60 < y < 90 and 100 < x < 1500) or (140 < y < 160 and 300 < x < 1300) else 250
            rows += bytes((ink, ink, min(255, ink + 3)))
    def chunk(kind, data):
        c = kind + data
        return struct.pack(">I", len(data)) + c + struct.pack(">I", zlib.crc32(c) & 0xffffffff)
    ppm = round(dpi / 0.0254)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
    data += chunk(b"pHYs", struct.pack(">IIB", ppm, ppm, 1))
    data += chunk(b"IDAT", zlib.compress(bytes(rows), 6)) + chunk(b"IEND", b"")
    open(path, "wb").write(data)
png(f"{w}/page1.png", 1654, 2339, 200)
png(f"{w}/page2.png", 1654, 2339, 200)
import json
json.dump([
    {"page": 0, "text": "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "bbox": [100, 60, 1500, 90]},
    {"page": 0, "text": "Độc lập - Tự do - Hạnh phúc", "bbox": [300, 140, 1300, 160]},
    {"page": 1, "text": "Giấy khai sinh số 123", "bbox": [100, 60, 1500, 90]},
], open(f"{w}/lines.json", "w", encoding="utf-8"), ensure_ascii=False)
PYEOF

NOW="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
timed "signing: saoy copy" "$SAOY" copy "$W/page1.png" "$W/page2.png" --out "$W/copy.pdf" \
  --agency "UBND phường Hoàn Kiếm, thành phố Hà Nội" --number "123/2026/SY-ĐT" --date "25/11/2026" \
  --officer "Nguyễn Thị Hằng" --title "Giấy khai sinh - bản sao điện tử" \
  --qr "https://example.invalid/v/ABCD-1234" --signing-time "$NOW" --text-lines "$W/lines.json" >/dev/null || exit 1

sign() { # IN OUT PKI [extra args]
  local in="$1" out="$2" pki="$3"; shift 3
  "$SAOY" sign "$in" "$out" --key "$pki/signer.key.pem" --cert "$pki/signer.pem" --chain "$pki/chain.pem" "$@" >/dev/null
}

SIGNED=()
t0=$(date +%s)
sign "$W/copy.pdf" "$W/out/copy.signed.pdf" "$W/pki" --reason "Chứng thực bản sao từ bản chính" && SIGNED+=("$W/out/copy.signed.pdf")
sign "$W/copy.pdf" "$W/out/copy.certified.pdf" "$W/pki" --certify && SIGNED+=("$W/out/copy.certified.pdf")
# Second signature (another signer, P-256) on the signed copy: the first must stay valid.
sign "$W/out/copy.signed.pdf" "$W/out/copy.signed-twice.pdf" "$W/pki2" && SIGNED+=("$W/out/copy.signed-twice.pdf")
sign "$W/out/copy.certified.pdf" "$W/out/copy.certified-then-signed.pdf" "$W/pki2" && SIGNED+=("$W/out/copy.certified-then-signed.pdf")

FOREIGN=0
if have_shared; then
  D="$SHARED/data/signed-pdfs"
  while IFS=, read -r file rest; do
    name="$(echo "$file" | tr '/' '_')"
    if sign "$D/$file" "$W/out/$name.signed.pdf" "$W/pki"; then
      SIGNED+=("$W/out/$name.signed.pdf"); FOREIGN=$((FOREIGN + 1))
    else
      log "FAIL: could not sign $file"; echo "$file" >> "$W/sign-failures"
    fi
  done < <(tail -n +2 "$D/EXPECTED.csv" | grep -E ',unsigned(/[^,]*)?,' | cut -d, -f1 | sed 's/$/,/')
  # A second signature on one foreign file.
  first_foreign="$W/out/pyhanko_minimal.pdf.signed.pdf"
  if [ -f "$first_foreign" ]; then
    sign "$first_foreign" "$W/out/pyhanko_minimal.pdf.signed-twice.pdf" "$W/pki2" && SIGNED+=("$W/out/pyhanko_minimal.pdf.signed-twice.pdf")
  fi
else
  echo "skipped: ../shared absent (foreign unsigned PDFs not signed; our certified copy still checked)"
fi
log "signing: signed ${#SIGNED[@]} files ($FOREIGN foreign) in $(( $(date +%s) - t0 ))s"

# --- checks -------------------------------------------------------------------
NSS="$W/nss"; mkdir -p "$NSS"
certutil -N -d "sql:$NSS" --empty-password
certutil -A -d "sql:$NSS" -n saoy-test-root -t "CT,C,C" -i "$W/pki/root.pem"
certutil -A -d "sql:$NSS" -n saoy-test-root2 -t "CT,C,C" -i "$W/pki2/root.pem"

FAIL=0
declare -A R_PH R_PS R_QP R_DSS
check_pyhanko() {
  local f="$1" out n_sig n_ok
  out="$("$PH" sign validate --trust "$W/pki/root.pem" --trust "$W/pki2/root.pem" --trust-replace --no-revocation-check "$f" 2>&1)"
  local rc=$?
  n_sig=$(echo "$out" | grep -c ':INTACT:\|:INVALID\|:UNTRUSTED\|:TAMPERED' )
  # The last signature must be UNTOUCHED; earlier ones INTACT:TRUSTED with acceptable modifications.
  local last; last="$(echo "$out" | grep ':INTACT:' | tail -1)"
  n_ok=$(echo "$out" | grep -c ':INTACT:TRUSTED,\(UNTOUCHED\|EXTENDED_WITH_FORM_FILLING,ACCEPTABLE_MODIFICATIONS\)')
  if [ "$rc" -eq 0 ] && [ "$n_sig" -ge 1 ] && [ "$n_ok" -eq "$n_sig" ] && echo "$last" | grep -q 'INTACT:TRUSTED,UNTOUCHED'; then
    R_PH[$f]="ok($n_sig)"
  else
    R_PH[$f]="FAIL"; FAIL=$((FAIL + 1)); echo "$out" | sed "s|^|  pyhanko $f: |" | tail -5
  fi
}
check_pdfsig() {
  local f="$1" out n_sig n_valid n_trusted
  out="$(pdfsig -nssdir "sql:$NSS" "$f" 2>&1)"
  # Empty signature fields are listed by pdfsig without any validation line: count real signatures.
  n_sig=$(echo "$out" | grep -c 'Signature Validation:')
  n_valid=$(echo "$out" | grep -c 'Signature Validation: Signature is Valid')
  n_trusted=$(echo "$out" | grep -c 'Certificate Validation: Certificate is Trusted')
  if [ "$n_sig" -ge 1 ] && [ "$n_valid" -eq "$n_sig" ] && [ "$n_trusted" -eq "$n_sig" ]; then
    R_PS[$f]="ok($n_sig)"
  else
    R_PS[$f]="FAIL($n_valid/$n_trusted/$n_sig)"; FAIL=$((FAIL + 1)); echo "$out" | sed "s|^|  pdfsig: |" | grep -i "validation\|#"
  fi
}
check_qpdf() {
  local f="$1"
  if qpdf --check "$f" >/dev/null 2>&1; then R_QP[$f]="ok"; else R_QP[$f]="FAIL"; FAIL=$((FAIL + 1)); qpdf --check "$f" 2>&1 | tail -3; fi
}

t0=$(date +%s)
for f in "${SIGNED[@]}"; do check_pyhanko "$f"; done
log "signing: pyHanko validated ${#SIGNED[@]} files in $(( $(date +%s) - t0 ))s"
t0=$(date +%s)
for f in "${SIGNED[@]}"; do check_pdfsig "$f"; check_qpdf "$f"; done
log "signing: pdfsig + qpdf in $(( $(date +%s) - t0 ))s"

DSS_DIR="$REPO/tools/dss-validator"
if [ ! -d "$DSS_DIR/target/lib" ]; then
  timed "signing: mvn package dss-validator" mvn -q -B -Dmaven.repo.local="$SAOY_CI_WORK/m2" -f "$DSS_DIR/pom.xml" -DskipTests package || { log "DSS harness build failed"; exit 1; }
fi
t0=$(date +%s)
DSS_OUT="$(java -cp "$DSS_DIR/target/classes:$DSS_DIR/target/lib/*" saoy.DssValidate "$ROOTS" "${SIGNED[@]}" 2>/dev/null)"
log "signing: EU DSS validated ${#SIGNED[@]} files in $(( $(date +%s) - t0 ))s"
for f in "${SIGNED[@]}"; do
  lines="$(echo "$DSS_OUT" | grep -F "$f " | grep -v '^  ')"
  n=$(echo "$lines" | grep -c .)
  good=$(echo "$lines" | grep -c 'PAdES-BASELINE-B TOTAL_PASSED')
  if [ "$n" -ge 1 ] && [ "$good" -eq "$n" ]; then R_DSS[$f]="B:TOTAL_PASSED($n)"; else
    R_DSS[$f]="FAIL"; FAIL=$((FAIL + 1)); echo "$DSS_OUT" | grep -F -A3 "$f " | sed 's/^/  dss: /'
  fi
done

# Vietnamese copy-paste from the certified copy's text (pdftotext uses the ToUnicode map).
TXT="$(pdftotext "$W/out/copy.signed.pdf" - 2>/dev/null)"
for want in "Bản sao điện tử được chứng thực từ bản chính" "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" "Số chứng thực: 123/2026/SY-ĐT"; do
  if echo "$TXT" | grep -qF "$want"; then log "text ok: $want"; else log "FAIL text missing: $want"; FAIL=$((FAIL + 1)); fi
done

printf '\n%-58s %-10s %-16s %-6s %s\n' file pyhanko pdfsig qpdf "EU DSS 6.2"
for f in "${SIGNED[@]}"; do
  printf '%-58s %-10s %-16s %-6s %s\n' "$(basename "$f")" "${R_PH[$f]}" "${R_PS[$f]}" "${R_QP[$f]}" "${R_DSS[$f]}"
done
[ -f "$W/sign-failures" ] && FAIL=$((FAIL + $(wc -l < "$W/sign-failures")))
TOTAL=${#SIGNED[@]}
echo "signing eval: ${TOTAL} signed PDFs, $FAIL failed checks, wall $(( $(date +%s) - T_START ))s"
[ "$FAIL" -eq 0 ]
