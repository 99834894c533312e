#!/usr/bin/env bash
# Runs the README's walkthrough exactly as written: the quick start, "Onboard a tenant" and "Declarative tenants".
# The commands are read from README.md, not copied here, so the documentation cannot drift from what works. A fenced
# block is taken when the line before its opening fence is one of:
#   <!-- walkthrough: background URL -->  started in the background (its own process group), then URL polled until it
#                                         answers 2xx; stopped when the walkthrough ends
#   <!-- walkthrough: run -->             run, in order, all in one bash session (exports carry over), under
#                                         set -euo pipefail: any command that fails fails the walkthrough
#   <!-- walkthrough: file NAME -->       written to NAME in the repository root before the run blocks (removed after)
# Every block runs from the repository root, as a reader on a fresh clone would. The README's commands use fixed local
# ports (8080 gateway, 8765 sample bot): they must be free.
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d)
pids=()
files=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  for file in "${files[@]}"; do rm -f "$file"; done
  rm -rf "$work"
}
trap cleanup EXIT

# Split README.md into the marked blocks: $work/NNN.{background,run,file} with the block's text, and $work/NNN.arg
# with the marker's argument (a URL, a file name).
awk -v dir="$work" '
  /^[[:space:]]*<!-- walkthrough: / {
    line = $0; sub(/^[[:space:]]*<!-- walkthrough: /, "", line); sub(/[[:space:]]*-->[[:space:]]*$/, "", line)
    split(line, parts, " "); kind = parts[1]; arg = parts[2]; pending = 1; next
  }
  pending && /^[[:space:]]*```/ {
    match($0, /^[[:space:]]*/); indent = RLENGTH
    n++; name = sprintf("%s/%03d", dir, n); out = name "." kind
    print arg > (name ".arg"); close(name ".arg")
    printf "" > out
    pending = 0; inside = 1; next
  }
  inside && /^[[:space:]]*```[[:space:]]*$/ { inside = 0; close(out); next }
  inside { print substr($0, indent + 1) >> out; next }
  pending && NF { pending = 0 }
' README.md

blocks=$(ls "$work" | grep -cv '\.arg$' || true)
[ "$blocks" -gt 0 ] || { echo "readme-walkthrough: no marked blocks found in README.md" >&2; exit 1; }
echo "readme-walkthrough: $blocks blocks from README.md"

for port in 8080 8765; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "readme-walkthrough: port $port is in use; the README's commands need it free" >&2
    exit 1
  fi
done

# The builds first, once, so that the background blocks start in seconds and their polls measure start-up, not a build.
dotnet build src/Gateway/Gateway.csproj --nologo -v quiet >/dev/null
dotnet build src/Gateway.SampleBot/Gateway.SampleBot.csproj --nologo -v quiet >/dev/null
dotnet build src/Gateway.CallSimulator/Gateway.CallSimulator.csproj --nologo -v quiet >/dev/null

for block in "$work"/*.background; do
  [ -e "$block" ] || continue
  url=$(cat "${block%.background}.arg")
  log="${block%.background}.log"
  echo "readme-walkthrough: starting in the background:"; sed 's/^/  | /' "$block"
  setsid bash -euo pipefail "$block" >"$log" 2>&1 &
  pids+=("$!")
  ready=""
  for _ in $(seq 1 240); do
    if curl -fsS -o /dev/null "$url" 2>/dev/null; then ready=1; break; fi
    if ! kill -0 "$!" 2>/dev/null; then break; fi
    sleep 0.5
  done
  if [ -z "$ready" ]; then
    echo "readme-walkthrough: $url never answered; the block's output:" >&2
    cat "$log" >&2
    exit 1
  fi
  echo "readme-walkthrough: $url answers"
done

for block in "$work"/*.file; do
  [ -e "$block" ] || continue
  name=$(cat "${block%.file}.arg")
  [ ! -e "$name" ] || { echo "readme-walkthrough: $name already exists; not overwriting it" >&2; exit 1; }
  cp "$block" "$name"
  files+=("$PWD/$name")
done

# One session for every run block, in the README's order, each echoed before it runs.
script="$work/walkthrough.sh"
{
  echo 'set -euo pipefail'
  for block in "$work"/*.run; do
    echo "echo; echo '### README block $(basename "${block%.run}")'"
    printf "cat <<'WALKTHROUGH_BLOCK'\n%s\nWALKTHROUGH_BLOCK\n" "$(cat "$block")"
    cat "$block"
  done
} >"$script"

status=0
bash "$script" || status=$?
if [ "$status" -ne 0 ]; then
  echo "readme-walkthrough: a README block failed (exit $status); the background blocks' output:" >&2
  for log in "$work"/*.log; do echo "--- $log" >&2; tail -n 40 "$log" >&2; done
  exit "$status"
fi
echo "readme-walkthrough: every README block ran"
