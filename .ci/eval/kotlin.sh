#!/usr/bin/env bash
# ci-estimate-min: 7 (cold wall time on 2 cores; .ci/run's time guard)
# Kotlin/JVM binding (issue 7.1): build the saoy-ffi cdylib (debug: inference runs in ONNX
# Runtime and the image crates are opt-level 2 in dev, so a release build would only add build
# time) and the pinned uniffi-bindgen, generate the Kotlin and Python sources, pack the cdylib
# into the jar (JNA resource path linux-x86-64/) and run the JUnit 5 tests through Maven: issue
# a demo copy through the real OCR + face pipeline (suspend fun + progress callbacks), verify
# it, tamper, replay, revoke, typed errors with their stable codes. Plus a smoke test of the
# UniFFI-generated Python module on the same cdylib.
# Needs no ../shared; models come from the store ($SAOY_MODELS, set by .ci/run).
# Tools: .ci/setup/kotlin.sh (JDK 17 + Maven). Maven downloads go to $SAOY_CI_WORK/m2 (shared
# with the DSS harness). Measured cold on the dev machine under load ~14 (2 cores shared by 5):
# uniffi-bindgen build 231 s CPU, Maven (downloads + kotlinc + tests) ~140 s CPU; expected
# ~5-6 min wall on an idle CI machine. The bindgen build dominates, then kotlinc (5.9k lines of
# generated Kotlin), then the demo issuance (OCR).
source "$(dirname "$0")/../lib.sh"
cd "$REPO"
T0=$(date +%s)
TARGET="${CARGO_TARGET_DIR:-$REPO/target}"
KT="$REPO/bindings/ffi/kotlin"
LIB="$TARGET/debug/libsaoy_ffi.so"
# uniffi-bindgen is its own workspace (bindings/ffi/uniffi-bindgen) with its own target dir.
BG_TARGET="${SAOY_BINDGEN_TARGET:-$SAOY_CI_WORK/uniffi-bindgen-target}"
BINDGEN="$BG_TARGET/debug/uniffi-bindgen"
M2="${SAOY_M2:-$SAOY_CI_WORK/m2}"
MVNLOG="$SAOY_CI_WORK/kotlin-mvn.log"
command -v mvn >/dev/null && command -v javac >/dev/null || { echo "mvn/javac missing (run .ci/setup/kotlin.sh)"; exit 1; }

# The cdylib: CI's "cargo build --workspace --all-targets" step already built it, and repeating
# that exact command is a no-op. `cargo build -p saoy-ffi` would NOT be: alone, saoy-ffi unifies
# fewer features (serde_json, syn, tokio …) and would rebuild most of the dependency tree.
# Outside CI (no workspace build yet), SAOY_FFI_BUILD="-p saoy-ffi" builds just this crate.
read -r -a FFI_BUILD <<< "${SAOY_FFI_BUILD:---workspace --all-targets}"
# The README's Kotlin quick start must be the file Maven compiles.
readme_kotlin() { awk '/^```kotlin$/{f=1; next} /^```$/{f=0} f' bindings/ffi/README.md; }
if ! diff <(readme_kotlin) "$KT/src/test/kotlin/vn/saoy/example/QuickStart.kt" >/dev/null; then
  echo "FAIL: the Kotlin block in bindings/ffi/README.md differs from QuickStart.kt"; exit 1
fi

timed "kotlin: cargo build ${FFI_BUILD[*]} (debug cdylib)" cargo build -q "${FFI_BUILD[@]}"
# (-u CARGO_PROFILE_DEV_DEBUG: .ci/run's line-tables-only would outrank the generator's own
# `debug = 0`)
timed "kotlin: cargo build uniffi-bindgen" env -u CARGO_PROFILE_DEV_DEBUG CARGO_TARGET_DIR="$BG_TARGET" \
  cargo build -q --locked --manifest-path bindings/ffi/uniffi-bindgen/Cargo.toml

rm -rf "$KT/target/generated-sources/uniffi" "$KT/target/native"
# (uniffi-bindgen reads `cargo metadata` from the current directory: run it at the root)
timed "kotlin: uniffi-bindgen generate kotlin" "$BINDGEN" generate "$LIB" --metadata-no-deps \
  --language kotlin --no-format --out-dir "$KT/target/generated-sources/uniffi"
mkdir -p "$KT/target/native/linux-x86-64"
# Debug info off (the dev cdylib is ~250 MB with it, ~28 MB without); UniFFI's metadata stays.
strip --strip-debug -o "$KT/target/native/linux-x86-64/libsaoy_ffi.so" "$LIB"

PYGEN="$SAOY_CI_WORK/uniffi-python"
rm -rf "$PYGEN"; mkdir -p "$PYGEN"
timed "kotlin: uniffi-bindgen generate python" "$BINDGEN" generate "$LIB" --metadata-no-deps \
  --language python --no-format --out-dir "$PYGEN"
cp "$KT/target/native/linux-x86-64/libsaoy_ffi.so" "$PYGEN/"
py_smoke() {
  python3 - "$PYGEN" <<'PY'
import os, sys, tempfile
sys.path.insert(0, sys.argv[1])
import saoy
d = tempfile.mkdtemp()
reg = saoy.Registry.open(os.path.join(d, "r.sqlite"))
try:
    reg.lookup("NOT-A-CODE", "uniffi-python")
    raise SystemExit("FAIL: expected saoy.SaoyError.Input")
except saoy.SaoyError.Input as e:
    assert e.code.startswith("code_"), e.code
pki = saoy.KioskPki.open(os.path.join(d, "pki"))
v = saoy.Verifier(pki.root_pem(), [pki.seal_key()], reg)
r = v.verify(b"%PDF-1.7 not a signed copy", None)
assert r.verdict == saoy.Verdict.INVALID and r.reasons and all(x.vi for x in r.reasons), r
# Reasons are saoy-core's record, from its own generated module beside saoy.py.
import saoy_core
assert all(isinstance(x, saoy_core.Reason) for x in r.reasons), r.reasons
print("uniffi python smoke: 2 passed, 0 failed")
PY
}
timed "kotlin: uniffi python smoke" py_smoke

mvn_verify() {
  # Timestamps on Maven's log lines show where the time goes (Kotlin compile vs tests).
  mvn -B -ntp -Dmaven.repo.local="$M2" -Dorg.slf4j.simpleLogger.showDateTime=true \
    -Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss -f "$KT/pom.xml" verify > "$MVNLOG" 2>&1
}
if timed "kotlin: mvn verify (kotlinc + JUnit 5 + jar)" mvn_verify; then
  grep -E -- "--- |issue step|Tests run:|BUILD" "$MVNLOG" | grep -v "^\[INFO\] *$" || true
else
  tail -120 "$MVNLOG"; echo "FAIL: Maven build/tests (log: $MVNLOG)"; exit 1
fi
grep -q "Tests run: [1-9][0-9]*, Failures: 0, Errors: 0, Skipped: 0$" "$MVNLOG" \
  || { echo "FAIL: no JUnit summary without failures/skips"; exit 1; }
JAR="$KT/target/saoy-kotlin-0.1.0.jar"
jar tf "$JAR" > "$SAOY_CI_WORK/kotlin-jar.txt"   # (a file, not a pipe: grep -q + pipefail)
grep -qx "linux-x86-64/libsaoy_ffi.so" "$SAOY_CI_WORK/kotlin-jar.txt" || { echo "FAIL: cdylib missing from $JAR"; exit 1; }
grep -qx "vn/saoy/Issuer.class" "$SAOY_CI_WORK/kotlin-jar.txt" || { echo "FAIL: generated classes missing from $JAR"; exit 1; }
log "kotlin: jar $JAR ($(du -h "$JAR" | cut -f1), cdylib + generated API inside)"
log "kotlin: eval wall time $(( $(date +%s) - T0 ))s (load $(cut -d' ' -f1-3 /proc/loadavg))"
