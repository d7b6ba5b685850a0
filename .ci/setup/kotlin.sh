#!/usr/bin/env bash
# Kotlin/JVM binding (issue 7.1, .ci/eval/kotlin.sh): JDK 17 + Maven. Idempotent: installs only
# what is missing (Debian's packages; Maven downloads the Kotlin plugin, JNA and JUnit itself,
# into $SAOY_CI_WORK/m2, during the evaluation).
source "$(dirname "$0")/../lib.sh"
if ! command -v mvn >/dev/null || ! command -v javac >/dev/null; then
  timed "kotlin: apt (maven openjdk-17-jdk-headless)" apt_install maven openjdk-17-jdk-headless
fi
command -v strip >/dev/null || timed "kotlin: apt (binutils)" apt_install binutils
log "kotlin: $(mvn -v 2>/dev/null | head -1 | sed 's/\x1b\[[0-9;]*m//g'); $(javac -version 2>&1)"
