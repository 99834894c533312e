#!/usr/bin/env bash
# Benchmarks the gateway against nginx, HAProxy and a direct connection to the bots, on loopback, in one run.
#   bash tests/bench.sh [--calls N] [--seconds S] [--ramp-seconds R] [--payload-bytes B]
#                       [--targets direct,nginx,haproxy,gateway] [--json PATH] [--bot lean|sample] [--quick] [--help]
# Installs nginx, haproxy and redis-server with apt-get when missing (without starting their services: the benchmark
# runs private copies on free loopback ports), builds the gateway and the benchmark in Release, then runs the
# benchmark, which starts and stops every server itself. `--quick` is the CI smoke run (10 calls, 3 s).
set -euo pipefail
cd "$(dirname "$0")/.."

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi

missing=()
[ -x /usr/sbin/nginx ] || missing+=(nginx)
[ -x /usr/sbin/haproxy ] || missing+=(haproxy)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing with apt-get: ${missing[*]}"
  # Debian starts a package's service on install unless policy-rc.d says no; these must not run as services.
  policy=/usr/sbin/policy-rc.d
  made_policy=""
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
    $sudo chmod +x "$policy"
    made_policy=1
    trap '$sudo rm -f "$policy"' EXIT
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  if [ -n "$made_policy" ]; then $sudo rm -f "$policy"; trap - EXIT; fi
fi

# The sample bot is only needed when asked for; the default bot is built into the benchmark itself.
projects=(src/Gateway/Gateway.csproj tests/Gateway.Benchmarks/Gateway.Benchmarks.csproj)
previous=""
for arg in "$@"; do
  if [ "$previous" = "--bot" ] && [ "$arg" = "sample" ]; then projects+=(src/Gateway.SampleBot/Gateway.SampleBot.csproj); fi
  previous=$arg
done
for project in "${projects[@]}"; do
  echo "building $project (Release)"
  dotnet build "$project" -c Release --nologo -v quiet -clp:NoSummary
done

# Two sockets per call on the proxies; let every process started from here have as many descriptors as allowed.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

GATEWAY_BENCH_COMMAND="bash tests/bench.sh$(printf ' %q' "$@")"
export GATEWAY_BENCH_COMMAND
exec dotnet tests/Gateway.Benchmarks/bin/Release/net10.0/Gateway.Benchmarks.dll "$@"
