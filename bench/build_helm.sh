#!/usr/bin/env bash
# Build the pinned `helm` binary once into a cache outside the repository, then reuse it.
# bench/helm_bench.py compares drift-action's Helm render with `helm template` of this binary.
# Prints the binary's path on its last line. Exit 3 when Go is not available.
#
#   bench/build_helm.sh               # build or reuse
#   DRIFT_HELM_CACHE=/some/dir bench/build_helm.sh
#
# The version is the Helm that helm-python-sdk 0.2.2's libhelm_c.so embeds (its Go build info
# names helm.sh/helm/v4 v4.2.3), so both sides run the same template engine.
set -euo pipefail

helm_version="v4.2.3"
module="helm.sh/helm/v4"
cache_root="${DRIFT_HELM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/drift-action/helm}"
out="$cache_root/$helm_version"

if [ -x "$out/helm" ]; then
  echo "helm: reusing $helm_version from $out" >&2
  echo "$out/helm"
  exit 0
fi
if ! command -v go >/dev/null 2>&1; then
  echo "helm: go is not on PATH and $out holds no build" >&2
  exit 3
fi

started=$SECONDS
tmp="$out.tmp.$$"
rm -rf "$tmp"
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
# The version stamp Helm's own release build sets, so `helm version` says v4.2.3.
ldflags="-s -w -X $module/internal/version.version=$helm_version -X $module/internal/version.gitTreeState=clean"
(
  # `go install module@version` builds from the module's own go.mod and go.sum only (checked
  # against the checksum database), never from a go.mod nearby: the same build every time.
  cd "$tmp"
  export CGO_ENABLED=0 GOTOOLCHAIN=local GOBIN="$tmp" GOFLAGS="${GOFLAGS:-} -mod=readonly"
  go install -trimpath -ldflags "$ldflags" "$module/cmd/helm@$helm_version"
)
rm -rf "$out"
mv "$tmp" "$out"
trap - EXIT
echo "helm: built $module $helm_version into $out in $((SECONDS - started)) s" >&2
echo "$out/helm"
