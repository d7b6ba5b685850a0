#!/usr/bin/env bash
# Tools for the signing acceptance checks (.ci/eval/signing.sh): qpdf, poppler's
# pdfsig + NSS certutil, pyHanko, and the EU DSS validator harness (Maven).
source "$(dirname "$0")/../lib.sh"

timed "signing: apt (qpdf poppler-utils libnss3-tools)" \
  apt_install qpdf poppler-utils libnss3-tools
timed "signing: pip (pyhanko pyhanko-cli)" \
  py_install "pyhanko=pyhanko==0.38.0" "pyhanko.cli=pyhanko-cli==0.6.0"

# EU DSS harness: resolve and build once; the Maven repository is cached in
# $SAOY_CI_WORK/m2 so later runs are offline-fast.
if command -v mvn >/dev/null 2>&1; then
  timed "signing: mvn package tools/dss-validator" \
    mvn -q -B -Dmaven.repo.local="$SAOY_CI_WORK/m2" -f "$REPO/tools/dss-validator/pom.xml" \
      -DskipTests package
else
  log "signing: mvn not found; the DSS check in .ci/eval/signing.sh will fail"
fi
