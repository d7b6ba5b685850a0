#!/usr/bin/env bash
# saoy serve (bindings/server): schemathesis for the OpenAPI conformance run, curl for the fault
# checks. PostgreSQL binaries come from setup/core.sh; the server evaluation starts its own
# throw-away cluster (so restarting it under load disturbs no other test).
source "$(dirname "$0")/../lib.sh"
timed "server: apt (curl)" apt_install curl
timed "server: pip (schemathesis)" py_install "schemathesis=schemathesis==4.32.5"
