# Shared helpers for .ci/run and the per-area scripts in .ci/setup and .ci/eval.
# Source it: `source "$(dirname "$0")/../lib.sh"` (from .ci/setup/X.sh or .ci/eval/X.sh).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export REPO
export SAOY_CI_WORK="${SAOY_CI_WORK:-$REPO/.ci/work}"
export SHARED="${SAOY_SHARED:-$REPO/../shared}"
export SAOY_VENV="$SAOY_CI_WORK/venv"
mkdir -p "$SAOY_CI_WORK"

log() { printf '[ci %s] %s\n' "$(date +%H:%M:%S)" "$*"; }

have_shared() { [ -d "$SHARED/data" ]; }

# apt_install PKG...: install the Debian packages that are not installed yet.
apt_install() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    if [ ! -f "$SAOY_CI_WORK/.apt-updated" ]; then
      log "apt-get update"
      DEBIAN_FRONTEND=noninteractive apt-get update -qq
      touch "$SAOY_CI_WORK/.apt-updated"
    fi
    log "apt-get install ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

# venv_python: path of the CI virtualenv's python (created on first use).
venv_python() {
  if [ ! -x "$SAOY_VENV/bin/python" ]; then
    python3 -m venv "$SAOY_VENV"
    "$SAOY_VENV/bin/python" -m pip install -q --upgrade pip >/dev/null
  fi
  echo "$SAOY_VENV/bin/python"
}

# py_install SPEC...: pip-install into the CI venv what is not importable yet.
# Each SPEC is "import_name=pip_requirement", e.g. "pyhanko=pyhanko[opentype]==0.29.0".
py_install() {
  local py; py="$(venv_python)"
  local want=()
  for spec in "$@"; do
    local mod="${spec%%=*}" req="${spec#*=}"
    "$py" -c "import $mod" 2>/dev/null || want+=("$req")
  done
  if [ "${#want[@]}" -gt 0 ]; then
    log "pip install ${want[*]}"
    "$py" -m pip install -q "${want[@]}"
  fi
}

# The cargo target directory, and ws_build: the workspace build every evaluation runs its Rust
# programs from. It is .ci/run's "cargo build --workspace --all-targets" step verbatim, so in CI it
# is a no-op; run alone, an evaluation builds what it needs. Never `cargo build/run -p X` in an
# evaluation: one package alone unifies fewer dependency features than the workspace does, and
# would rebuild a large part of the dependency tree (minutes on 2 cores) under new hashes.
export TARGET_DIR="${CARGO_TARGET_DIR:-$REPO/target}"
ws_build() { (cd "$REPO" && cargo build -q --workspace --all-targets); }

# timed NAME CMD...: run CMD, print how long it took.
timed() {
  local name="$1"; shift
  local t0; t0=$(date +%s)
  log "BEGIN $name"
  "$@"
  local rc=$?
  log "END   $name ($(( $(date +%s) - t0 ))s)"
  return $rc
}
