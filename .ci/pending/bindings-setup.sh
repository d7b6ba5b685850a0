#!/usr/bin/env bash
# Bindings toolchain (issue 7, Python): maturin for the Python wheel. Idempotent: installs only
# what is missing. (The Kotlin/JVM part, JDK + Maven, is .ci/setup/kotlin.sh.)
source "$(dirname "$0")/../lib.sh"
python3 -c 'import venv, ensurepip' 2>/dev/null || apt_install python3-venv
py_install "maturin=maturin==1.16.0"
log "bindings toolchain: maturin $("$SAOY_VENV/bin/maturin" --version)"
