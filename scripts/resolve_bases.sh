#!/usr/bin/env bash
# The Dockerfile's base images, each tag resolved to its index digest (issue 20), as
# `<name>_image=` and `<name>_digest=` lines for GITHUB_OUTPUT (names: runtime, build). The
# release and CI workflows build with these digests as RUNTIME_DIGEST and BUILD_DIGEST, so both
# platforms of a build come from the same exact bases, and the release labels the image with
# the runtime's (org.opencontainers.image.base.name and .base.digest).
#   bash scripts/resolve_bases.sh >> "$GITHUB_OUTPUT"
set -euo pipefail
for arg in RUNTIME BUILD; do
  image="$(sed -n "s/^ARG ${arg}_IMAGE=//p" Dockerfile)"
  if [ -z "$image" ]; then
    echo "Dockerfile: no ARG ${arg}_IMAGE" >&2
    exit 1
  fi
  digest="$(docker buildx imagetools inspect "$image" --format '{{json .Manifest}}' | jq -r '.digest')"
  if ! [[ "$digest" =~ ^sha256:[0-9a-f]{64}$ ]]; then
    echo "$image: no digest (got '$digest')" >&2
    exit 1
  fi
  name="$(tr '[:upper:]' '[:lower:]' <<<"$arg")"
  echo "${name}_image=$image"
  echo "${name}_digest=$digest"
done
