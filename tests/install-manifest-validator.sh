#!/usr/bin/env bash
# Installs what tests/validate-manifests.mjs and tests/lint-openapi.sh need (tests/package.json, pinned by tests/package-lock.json) into
# tests/node_modules with `npm ci`, and prints the script's path on stdout (messages go to stderr).
# Idempotent: nothing is installed again while the lock file is the one installed from.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
  echo "install-manifest-validator: node or npm not found: installing nodejs and npm with apt-get" >&2
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq nodejs npm >&2
fi

stamp="tests/node_modules/.package-lock.sha256"
wanted=$(sha256sum tests/package-lock.json | awk '{print $1}')
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
  echo "install-manifest-validator: npm ci in tests/ (kubernetes-models and the CRD models)" >&2
  # The packages declare node >= 22; their validators run on the Node 20 of Debian's and CI's images as well.
  (cd tests && npm ci --no-audit --no-fund --loglevel=error >&2)
  echo "$wanted" > "$stamp"
fi

echo "$PWD/tests/validate-manifests.mjs"
