#!/usr/bin/env bash
# Lints the gateway's OpenAPI document with @redocly/cli (pinned in tests/package.json and tests/package-lock.json,
# installed with `npm ci` by tests/install-manifest-validator.sh) and Redocly's recommended rules (tests/redocly.yaml).
# Builds the gateway, starts it on a free loopback port (embedded registry, no Redis, no token needed for the
# document), fetches /admin/v1/openapi.json into artifacts/openapi.json, stops it and lints that file. Any error fails.
set -euo pipefail
cd "$(dirname "$0")/.."

bash tests/install-manifest-validator.sh >/dev/null
dotnet build src/Gateway -v q -nologo >&2

port=""
for _ in $(seq 1 50); do
  candidate=$((20000 + RANDOM % 40000))
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then port=$candidate; break; fi
done
[ -n "$port" ] || { echo "lint-openapi: no free port found" >&2; exit 1; }

Logging__LogLevel__Default=Warning dotnet src/Gateway/bin/Debug/net10.0/Gateway.dll --urls "http://127.0.0.1:$port" >/dev/null 2>&1 &
gateway_pid=$!
trap 'kill "$gateway_pid" 2>/dev/null || true; wait "$gateway_pid" 2>/dev/null || true' EXIT

mkdir -p artifacts
for _ in $(seq 1 100); do
  if curl -fsS "http://127.0.0.1:$port/admin/v1/openapi.json" -o artifacts/openapi.json 2>/dev/null; then break; fi
  kill -0 "$gateway_pid" 2>/dev/null || { echo "lint-openapi: the gateway exited" >&2; exit 1; }
  sleep 0.2
done
[ -s artifacts/openapi.json ] || { echo "lint-openapi: no document from the gateway" >&2; exit 1; }

node tests/node_modules/@redocly/cli/bin/cli.js lint --config tests/redocly.yaml artifacts/openapi.json
