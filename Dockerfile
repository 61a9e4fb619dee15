# syntax=docker/dockerfile:1
# Stages (issue 20):
# * runtime-base: distroless Python 3.11 on Debian 12. No shell, no package manager, no pip:
#   about 54 MB. The final image is this plus files copied from the builder.
# * builder (Debian 12 slim, the same Debian and the same Python 3.11): installs the locked
#   wheels (hashes checked) and this package into a virtual environment and trims it
#   (scripts/trim_image.py), fetches kustomize (checksum checked), and stages the part of git
#   a run uses with the libraries the runtime lacks (scripts/stage_git.py).
# * the final stage (the default target): runtime-base + the environment, kustomize and git,
#   checked by scripts/image_smoke.py at build time.
# A fourth target, `plugins`, is the same environment on Debian slim with kubeconfig exec
# plugins (`docker build --target plugins --build-arg EXEC_PLUGINS=...`); see
# docs/cluster-access.md. bench/image_size.py assembles the final stage's content without Docker
# and measures it.
#
# The bases are tags. The release and CI workflows resolve each tag to its digest first and
# pass it (RUNTIME_DIGEST, BUILD_DIGEST), so a release is built from, and its provenance
# records, exact images. To pin a local build the same way:
#   docker build --build-arg RUNTIME_DIGEST=sha256:<index digest> \
#     --build-arg BUILD_DIGEST=sha256:<index digest> .
ARG RUNTIME_IMAGE=gcr.io/distroless/python3-debian12
ARG RUNTIME_DIGEST=""
ARG BUILD_IMAGE=debian:12-slim
ARG BUILD_DIGEST=""

FROM ${RUNTIME_IMAGE}${RUNTIME_DIGEST:+@${RUNTIME_DIGEST}} AS runtime-base

FROM ${BUILD_IMAGE}${BUILD_DIGEST:+@${BUILD_DIGEST}} AS builder
SHELL ["/bin/sh", "-eu", "-c"]

# The runtime's Python is Debian 12's python3.11, so the environment is made by the same
# interpreter (its bytecode must match). git is staged from Debian's package below.
# Debian's packages are not pinned: the base's suite serves one current, security-patched
# version of each, and an exact pin fails once it is superseded.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates git openssl python3.11 python3.11-venv python3-pip \
    && rm -rf /var/lib/apt/lists/*

# Kustomize sources run `kustomize build`: the image ships the standalone kustomize binary, the
# same version as .ci/run. The sums are the release's checksums.txt lines for the two archives;
# a new version needs both sums updated with it (the build fails on a mismatch).
ARG KUSTOMIZE_VERSION=5.5.0
ARG KUSTOMIZE_SHA256_AMD64=6703a3a70a0c47cf0b37694030b54f1175a9dfeb17b3818b623ed58b9dbc2a77
ARG KUSTOMIZE_SHA256_ARM64=b4170d1acb8cfacace9f72884bef957ff56efdcd4813b66e7604aabc8b57e93d
RUN case "$(uname -m)" in \
      x86_64) arch=amd64; sum="$KUSTOMIZE_SHA256_AMD64" ;; \
      aarch64) arch=arm64; sum="$KUSTOMIZE_SHA256_ARM64" ;; \
      *) echo "kustomize: unsupported architecture $(uname -m)" >&2; exit 1 ;; \
    esac; \
    python3.11 -c "import urllib.request, sys; urllib.request.urlretrieve(sys.argv[1], '/tmp/kustomize.tgz')" \
      "https://github.com/kubernetes-sigs/kustomize/releases/download/kustomize%2Fv${KUSTOMIZE_VERSION}/kustomize_v${KUSTOMIZE_VERSION}_linux_${arch}.tar.gz"; \
    printf '%s  /tmp/kustomize.tgz\n' "$sum" > /tmp/kustomize.sha256; \
    sha256sum -c /tmp/kustomize.sha256; \
    tar -xzf /tmp/kustomize.tgz -C /usr/local/bin kustomize; \
    rm /tmp/kustomize.tgz /tmp/kustomize.sha256; \
    kustomize version

# The environment has no pip of its own: Debian's pip installs into it (--python). The pinned,
# hashed dependencies first (a layer that changes only with the lock; regenerate it with
# scripts/lock.sh), then the package itself without dependencies.
ENV VIRTUAL_ENV=/opt/drift-action/venv
WORKDIR /src
COPY requirements.lock ./
RUN python3.11 -m venv --without-pip "$VIRTUAL_ENV" \
    && python3.11 -m pip --python "$VIRTUAL_ENV/bin/python" install --no-cache-dir --require-hashes -r requirements.lock
COPY pyproject.toml README.md ./
COPY drift_action ./drift_action
RUN python3.11 -m pip --python "$VIRTUAL_ENV/bin/python" install --no-cache-dir --no-deps .

# Trim (scripts/trim_image.py says why each step is safe): helm-python-sdk's three byte-identical
# copies of libhelm_c become one file and two symlinks; kubernetes/aio and the distributions only
# it needs go, and so does cryptography (only PyJWT's optional App signing uses it); the
# kubernetes package keeps its bytecode and drops its sources.
COPY scripts/trim_image.py scripts/stage_git.py scripts/image_smoke.py ./scripts/
RUN site="$("$VIRTUAL_ENV/bin/python" -c 'import sysconfig; print(sysconfig.get_path("purelib"))')"; \
    sha256sum "$site"/helm_python/lib/libhelm_c.so*; \
    python3.11 scripts/trim_image.py "$site"; \
    chmod -R u=rwX,go=rX "$VIRTUAL_ENV"

# git for a pull request's base commit (rev-parse, fetch over https, worktree add), without
# perl, shell scripts or the package manager: the programs and the libraries the runtime base
# lacks, found with ldd against a copy of that base.
COPY --from=runtime-base / /runtime/
RUN python3.11 scripts/stage_git.py --runtime-root /runtime --out /staging \
    && rm -rf /runtime

# What the final stage's smoke run mounts (never copied into the image): the script, a chart,
# and a throwaway CA and server certificate for its https check.
COPY tests/data/charts/helm__examples/charts/hello-world ./smoke/hello-world
RUN cp scripts/image_smoke.py smoke/ \
    && python3.11 scripts/image_smoke.py --make-tls smoke/tls

# Optional kubeconfig exec (credential) plugins: a space-separated subset of
#   aws  gke-gcloud-auth-plugin  kubelogin
# A kubeconfig whose user runs a command (`exec:`) works only if that command exists in the
# image. The default image has none (its base has no shell, which gcloud needs). This target is
# the same environment on Debian slim, with the plugins named:
#   docker build --target plugins --build-arg EXEC_PLUGINS="aws kubelogin" -t drift-action:plugins .
# Each plugin is a pinned release (the *_VERSION arguments); see docs/cluster-access.md.
#   aws                     AWS CLI v2, official installer  (`aws eks get-token`, EKS)
#   gke-gcloud-auth-plugin  Google Cloud CLI archive + the gke-gcloud-auth-plugin component (GKE)
#   kubelogin               Azure kubelogin release archive (AKS with Microsoft Entra ID)
FROM ${BUILD_IMAGE}${BUILD_DIGEST:+@${BUILD_DIGEST}} AS plugins
SHELL ["/bin/sh", "-eu", "-c"]
# Each plugin's download is checked against a sha256 for the architecture being built, which
# the build must be given (docs/cluster-access.md says where each vendor publishes it); a plugin
# named without its sum stops the build before anything is fetched.
ARG EXEC_PLUGINS=""
ARG AWS_CLI_VERSION=2.36.11
ARG AWS_CLI_SHA256_AMD64=""
ARG AWS_CLI_SHA256_ARM64=""
ARG GCLOUD_VERSION=516.0.0
ARG GCLOUD_SHA256_AMD64=""
ARG GCLOUD_SHA256_ARM64=""
ARG KUBELOGIN_VERSION=0.2.17
ARG KUBELOGIN_SHA256_AMD64=""
ARG KUBELOGIN_SHA256_ARM64=""

# Debian's python3.11 (the environment's interpreter) and git.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates git python3.11 \
    && rm -rf /var/lib/apt/lists/*

# Does nothing when EXEC_PLUGINS is empty. Otherwise: check the names and the sums, fetch curl
# and unzip, download and check each plugin, install it under /usr/local or /opt, then remove
# curl, unzip and the downloads.
# hadolint ignore=DL3008
RUN set -eu; \
    case "$(uname -m)" in \
      x86_64) aws_arch=x86_64; gcloud_arch=x86_64; kubelogin_arch=amd64; \
        aws_sum="$AWS_CLI_SHA256_AMD64"; gcloud_sum="$GCLOUD_SHA256_AMD64"; kubelogin_sum="$KUBELOGIN_SHA256_AMD64"; suffix=AMD64 ;; \
      aarch64) aws_arch=aarch64; gcloud_arch=arm; kubelogin_arch=arm64; \
        aws_sum="$AWS_CLI_SHA256_ARM64"; gcloud_sum="$GCLOUD_SHA256_ARM64"; kubelogin_sum="$KUBELOGIN_SHA256_ARM64"; suffix=ARM64 ;; \
      *) if [ -n "$EXEC_PLUGINS" ]; then echo "EXEC_PLUGINS: unsupported architecture $(uname -m)" >&2; exit 1; fi; exit 0 ;; \
    esac; \
    for plugin in $EXEC_PLUGINS; do \
      case "$plugin" in \
        aws|gke-gcloud-auth-plugin|kubelogin) ;; \
        *) echo "EXEC_PLUGINS: unknown plugin '$plugin' (known: aws gke-gcloud-auth-plugin kubelogin)" >&2; exit 1 ;; \
      esac; \
    done; \
    for plugin in $EXEC_PLUGINS; do \
      case "$plugin" in \
        aws) sum="$aws_sum"; arg="AWS_CLI_SHA256_$suffix" ;; \
        gke-gcloud-auth-plugin) sum="$gcloud_sum"; arg="GCLOUD_SHA256_$suffix" ;; \
        kubelogin) sum="$kubelogin_sum"; arg="KUBELOGIN_SHA256_$suffix" ;; \
      esac; \
      case "$sum" in *[!0-9a-f]*) sum="" ;; esac; \
      if [ "${#sum}" -ne 64 ]; then \
        echo "EXEC_PLUGINS: $plugin needs --build-arg $arg=<sha256 of its archive> (see docs/cluster-access.md)" >&2; exit 1; \
      fi; \
    done; \
    if [ -z "$EXEC_PLUGINS" ]; then exit 0; fi; \
    apt-get update; \
    apt-get install -y --no-install-recommends ca-certificates curl unzip; \
    tmp="$(mktemp -d)"; \
    fetch() { curl -fsSL "$1" -o "$2"; printf '%s  %s\n' "$3" "$2" > "$2.sha256"; sha256sum -c "$2.sha256"; }; \
    for plugin in $EXEC_PLUGINS; do \
      case "$plugin" in \
        aws) \
          fetch "https://awscli.amazonaws.com/awscli-exe-linux-${aws_arch}-${AWS_CLI_VERSION}.zip" "$tmp/awscliv2.zip" "$aws_sum"; \
          unzip -q "$tmp/awscliv2.zip" -d "$tmp"; \
          "$tmp/aws/install" --install-dir /usr/local/aws-cli --bin-dir /usr/local/bin; \
          aws --version ;; \
        gke-gcloud-auth-plugin) \
          fetch "https://dl.google.com/dl/cloudsdk/channels/rapid/downloads/google-cloud-cli-${GCLOUD_VERSION}-linux-${gcloud_arch}.tar.gz" \
            "$tmp/gcloud.tar.gz" "$gcloud_sum"; \
          tar -xzf "$tmp/gcloud.tar.gz" -C /opt; \
          /opt/google-cloud-sdk/bin/gcloud components install gke-gcloud-auth-plugin --quiet; \
          rm -rf /opt/google-cloud-sdk/.install/.backup /root/.config/gcloud; \
          ln -s /opt/google-cloud-sdk/bin/gcloud /usr/local/bin/gcloud; \
          ln -s /opt/google-cloud-sdk/bin/gke-gcloud-auth-plugin /usr/local/bin/gke-gcloud-auth-plugin; \
          gke-gcloud-auth-plugin --version ;; \
        kubelogin) \
          fetch "https://github.com/Azure/kubelogin/releases/download/v${KUBELOGIN_VERSION}/kubelogin-linux-${kubelogin_arch}.zip" \
            "$tmp/kubelogin.zip" "$kubelogin_sum"; \
          unzip -q "$tmp/kubelogin.zip" -d "$tmp/kubelogin"; \
          install -m 0755 "$tmp/kubelogin/bin/linux_${kubelogin_arch}/kubelogin" /usr/local/bin/kubelogin; \
          kubelogin --version ;; \
      esac; \
    done; \
    apt-get purge -y --auto-remove curl unzip; \
    rm -rf /var/lib/apt/lists/* "$tmp"

COPY --from=builder /usr/local/bin/kustomize /usr/local/bin/kustomize
COPY --from=builder /opt/drift-action/venv /opt/drift-action/venv
ENV VIRTUAL_ENV=/opt/drift-action/venv \
    PATH=/opt/drift-action/venv/bin:$PATH \
    PYTHONSAFEPATH=1
RUN --mount=type=bind,from=builder,source=/src/smoke,target=/smoke \
    /opt/drift-action/venv/bin/python -I /smoke/image_smoke.py /smoke/hello-world /smoke/tls
ENTRYPOINT ["/opt/drift-action/venv/bin/python", "-I", "-m", "drift_action.action"]

FROM runtime-base

# OCI labels; the release workflow passes the real values, e.g.
#   --build-arg IMAGE_VERSION=1.2.0 --build-arg IMAGE_REVISION="$(git rev-parse HEAD)"
#   --build-arg IMAGE_SOURCE=https://github.com/OWNER/REPO
ARG IMAGE_SOURCE=""
ARG IMAGE_VERSION=0.1.0
ARG IMAGE_REVISION=""
LABEL org.opencontainers.image.title="drift-action" \
      org.opencontainers.image.description="Detect drift between Kubernetes desired state in Git and the live cluster" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.source="${IMAGE_SOURCE}" \
      org.opencontainers.image.version="${IMAGE_VERSION}" \
      org.opencontainers.image.revision="${IMAGE_REVISION}"

COPY --from=builder /staging/ /
COPY --from=builder /usr/local/bin/kustomize /usr/local/bin/kustomize
# Root-owned and not writable by any other user.
COPY --from=builder /opt/drift-action/venv /opt/drift-action/venv
ENV VIRTUAL_ENV=/opt/drift-action/venv \
    PATH=/opt/drift-action/venv/bin:/usr/local/bin:/usr/bin:/bin

# The base has no shell, so this RUN is in exec form. It runs what a job runs (a chart, an
# overlay, a base ref through git, a fetch over https) with the image's own files. Its runs also
# leave the standard library's bytecode for the modules a run imports (the base ships sources
# only), so a job does not compile them again.
RUN --mount=type=bind,from=builder,source=/src/smoke,target=/smoke \
    ["/opt/drift-action/venv/bin/python", "-I", "/smoke/image_smoke.py", "/smoke/hello-world", "/smoke/tls"]

# No USER: GitHub runs a container action as the image's user and documents that Docker actions
# must run as the default user (root). The workspace, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY and the
# git worktree the base checkout adds are owned by the runner's user, which a non-root image
# user could not write. Outside Actions, `docker run --user 65534` works: the install is
# read-only and readable to every user.
#
# The runner mounts the workspace and makes it the working directory; inputs arrive as INPUT_*.
# It is untrusted: -I (and PYTHONSAFEPATH, for child Pythons) keeps it and PYTHON* off sys.path,
# so a PR's yaml.py never loads.
ENV PYTHONSAFEPATH=1
ENTRYPOINT ["/opt/drift-action/venv/bin/python", "-I", "-m", "drift_action.action"]
