#!/usr/bin/env bash
# Build the pinned kube-apiserver, etcd and kubectl once into a cache outside the repository, then reuse them.
# Prints the folder holding both binaries on its last line. Exit 3 when Go is not available.
#
#   tests/apiserver/build.sh            # build or reuse
#   DRIFT_APISERVER_CACHE=/some/dir tests/apiserver/build.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

kube_version="$(awk '$1 == "k8s.io/kubernetes" { print $2; exit }' "$here/go.mod")"
etcd_version="$(awk '$1 == "go.etcd.io/etcd/server/v3" { print $2; exit }' "$here/go.mod")"
# The key also covers go.sum, so any change to the pinned module graph builds afresh.
sum="$(cat "$here/go.mod" "$here/go.sum" | sha256sum | cut -c1-12)"
cache_root="${DRIFT_APISERVER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/drift-action/apiserver}"
out="$cache_root/kube-$kube_version-etcd-$etcd_version-$sum"

if [ -x "$out/kube-apiserver" ] && [ -x "$out/etcd" ] && [ -x "$out/kubectl" ]; then
  echo "apiserver: reusing kube-apiserver and kubectl $kube_version and etcd $etcd_version from $out" >&2
  echo "$out"
  exit 0
fi
if ! command -v go >/dev/null 2>&1; then
  echo "apiserver: go is not on PATH and $out holds no build" >&2
  exit 3
fi

started=$SECONDS
tmp="$out.tmp.$$"
rm -rf "$tmp"
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
minor="${kube_version#v1.}"
minor="${minor%%.*}"
# The same version stamps Kubernetes' own release build sets, so /version and discovery
# report v1.36.x as a real cluster does instead of v0.0.0-master.
ldflags="-s -w \
  -X k8s.io/component-base/version.gitVersion=$kube_version \
  -X k8s.io/component-base/version.gitMajor=1 \
  -X k8s.io/component-base/version.gitMinor=$minor \
  -X k8s.io/component-base/version.gitTreeState=clean"
(
  cd "$here"
  export CGO_ENABLED=0 GOFLAGS="${GOFLAGS:-} -mod=readonly" GOTOOLCHAIN=local
  go build -trimpath -ldflags "$ldflags" -o "$tmp/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver
  # kubectl too: the remediation commands the reports print are run against the real server.
  go build -trimpath -ldflags "$ldflags" -o "$tmp/kubectl" k8s.io/kubernetes/cmd/kubectl
  go build -trimpath -ldflags "-s -w" -o "$tmp/etcd" go.etcd.io/etcd/server/v3
)
rm -rf "$out"
mv "$tmp" "$out"
trap - EXIT
echo "apiserver: built kube-apiserver and kubectl $kube_version and etcd $etcd_version into $out in $((SECONDS - started)) s" >&2
echo "$out"
