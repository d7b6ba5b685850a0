#!/usr/bin/env bash
# LTV peers for the B-T/B-LT/B-LTA and PKCS#11 tests: certomancer (TSA, OCSP,
# CRLs) on 127.0.0.1 with the P-384 test PKI of tools/certomancer, and SoftHSM2.
# Writes $SAOY_CI_WORK/ltv/{keys,certs,saoy-ltv.yml,url}; the tests find them via
# SAOY_LTV_DIR (default: <repo>/.ci/work/ltv). Idempotent: an animator that
# already answers is kept.
source "$(dirname "$0")/../lib.sh"

PORT="${SAOY_CERTOMANCER_PORT:-9387}"
D="$SAOY_CI_WORK/ltv"
mkdir -p "$D/keys"

timed "ltv: apt (softhsm2 curl)" apt_install softhsm2 curl
timed "ltv: pip (certomancer[web-api])" py_install "certomancer=certomancer[web-api]==0.16.0"
CM="$SAOY_VENV/bin/certomancer"

for k in root issuing ocsp tsa signer short revoked; do
  [ -s "$D/keys/$k.key.pem" ] || openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 \
    -out "$D/keys/$k.key.pem" 2>/dev/null
done
# The short-lived signer: valid from 30 days ago to 30 days ahead (the expired-signer
# test validates at a time after that). Keep the dates once written so the PKI is stable.
if [ ! -s "$D/short-dates" ]; then
  echo "$(date -u -d '-30 days' +%Y-%m-%dT00:00:00+0000) $(date -u -d '+30 days' +%Y-%m-%dT00:00:00+0000)" > "$D/short-dates"
fi
read -r FROM TO < "$D/short-dates"
sed -e "s/@PORT@/$PORT/" -e "s/@SHORT_FROM@/$FROM/" -e "s/@SHORT_TO@/$TO/" \
  "$REPO/tools/certomancer/saoy-ltv.yml" > "$D/saoy-ltv.yml"

if [ ! -s "$D/certs/saoy/root.cert.pem" ] && [ ! -s "$D/certs/root.cert.pem" ]; then
  rm -rf "$D/certs"
  timed "ltv: certomancer mass-summon" "$CM" --config "$D/saoy-ltv.yml" mass-summon --flat --no-pfx saoy "$D/certs"
fi

URL="http://127.0.0.1:$PORT"
if ! curl -sf -o /dev/null "$URL/saoy/certs/root/ca.crt" 2>/dev/null; then
  log "ltv: starting certomancer animate on 127.0.0.1:$PORT"
  # All of the subshell's descriptors are redirected: a caller reading this
  # script's output through a pipe must not wait for the animator to exit.
  (cd "$D" && exec setsid nohup "$CM" --config "$D/saoy-ltv.yml" animate --port "$PORT" --no-web-ui \
      > "$D/animate.log" 2>&1 < /dev/null) > /dev/null 2>&1 < /dev/null &
  for _ in $(seq 1 40); do
    curl -sf -o /dev/null "$URL/saoy/certs/root/ca.crt" 2>/dev/null && break
    sleep 0.5
  done
fi
if curl -sf -o /dev/null "$URL/saoy/certs/root/ca.crt"; then
  echo "$URL" > "$D/url"
  log "ltv: certomancer ready at $URL (TSA $URL/saoy/tsa/tsa, OCSP $URL/saoy/ocsp/issuing)"
else
  log "ltv: certomancer did not start; see $D/animate.log"; tail -20 "$D/animate.log" || true
  exit 1
fi
