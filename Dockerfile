# Two stages (issue 20). The builder installs the locked wheels (hashes checked) and this package
# into a virtual environment, trims it (scripts/trim_image.py) and fetches kustomize; the final
# stage is the slim base plus git, that environment and the kustomize binary. No pip, no
# downloads, no build files end up in it. bench/image_size.py measures the result.
#
# The base is a tag. For a reproducible build, pin it by digest (the index digest of this exact
# tag, e.g. from `docker buildx imagetools inspect python:3.11-slim`):
#   docker build --build-arg PYTHON_DIGEST=sha256:<digest> .
ARG PYTHON_IMAGE=python:3.11-slim
ARG PYTHON_DIGEST=""

FROM ${PYTHON_IMAGE}${PYTHON_DIGEST:+@${PYTHON_DIGEST}} AS builder
SHELL ["/bin/sh", "-eu", "-c"]

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
    python -c "import urllib.request, sys; urllib.request.urlretrieve(sys.argv[1], '/tmp/kustomize.tgz')" \
      "https://github.com/kubernetes-sigs/kustomize/releases/download/kustomize%2Fv${KUSTOMIZE_VERSION}/kustomize_v${KUSTOMIZE_VERSION}_linux_${arch}.tar.gz"; \
    printf '%s  /tmp/kustomize.tgz\n' "$sum" > /tmp/kustomize.sha256; \
    sha256sum -c /tmp/kustomize.sha256; \
    tar -xzf /tmp/kustomize.tgz -C /usr/local/bin kustomize; \
    rm /tmp/kustomize.tgz /tmp/kustomize.sha256; \
    kustomize version

# The environment has no pip of its own: the base's pip installs into it (--python). The pinned,
# hashed dependencies first (a layer that changes only with the lock; regenerate it with
# scripts/lock.sh), then the package itself without dependencies.
ENV VIRTUAL_ENV=/opt/drift-action/venv
WORKDIR /src
COPY requirements.lock ./
RUN python -m venv --without-pip "$VIRTUAL_ENV" \
    && pip --python "$VIRTUAL_ENV/bin/python" install --no-cache-dir --require-hashes -r requirements.lock
COPY pyproject.toml README.md ./
COPY drift_action ./drift_action
RUN pip --python "$VIRTUAL_ENV/bin/python" install --no-cache-dir --no-deps .

# Trim: helm-python-sdk's three byte-identical copies of libhelm_c become one file and two
# symlinks (the script compares their sha256 first and stops if they differ), kubernetes/aio and
# the distributions only it needs (aiohttp...) go: nothing imports them.
COPY scripts/trim_image.py ./scripts/
RUN site="$("$VIRTUAL_ENV/bin/python" -c 'import sysconfig; print(sysconfig.get_path("purelib"))')"; \
    sha256sum "$site"/helm_python/lib/libhelm_c.so*; \
    python scripts/trim_image.py "$site"; \
    chmod -R u=rwX,go=rX "$VIRTUAL_ENV"

# The trimmed install still renders a chart (the bundled helm engine loads through the symlinked
# names) and imports the synchronous kubernetes client without kubernetes/aio.
COPY tests/data/charts/helm__examples/charts/hello-world ./smoke/hello-world
RUN printf 'apiVersion: v1\nkind: List\nitems: []\n' > smoke/live.yaml; \
    "$VIRTUAL_ENV/bin/python" -I -c 'import kubernetes.client, drift_action.live.kube_client, drift_action.action'; \
    "$VIRTUAL_ENV/bin/python" -I -c 'import sys; from drift_action.cli import main; sys.exit(main())' \
      --helm-chart smoke/hello-world --live-snapshot smoke/live.yaml --output json --fail-on none \
      > smoke/report.json; \
    grep -q '"missing": 3' smoke/report.json

FROM ${PYTHON_IMAGE}${PYTHON_DIGEST:+@${PYTHON_DIGEST}}
SHELL ["/bin/sh", "-eu", "-c"]

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

# Optional kubeconfig exec (credential) plugins: a space-separated subset of
#   aws  gke-gcloud-auth-plugin  kubelogin
# A kubeconfig whose user runs a command (`exec:`) works only if that command exists in this
# image. The default is none, which keeps the image as small as it is without this option:
#   docker build --build-arg EXEC_PLUGINS="aws kubelogin" -t drift-action:plugins .
# Each plugin is a pinned release (the *_VERSION arguments); see docs/cluster-access.md.
#   aws                     AWS CLI v2, official installer  (`aws eks get-token`, EKS)
#   gke-gcloud-auth-plugin  Google Cloud CLI archive + the gke-gcloud-auth-plugin component (GKE)
#   kubelogin               Azure kubelogin release archive (AKS with Microsoft Entra ID)
ARG EXEC_PLUGINS=""
ARG AWS_CLI_VERSION=2.36.11
ARG GCLOUD_VERSION=516.0.0
ARG KUBELOGIN_VERSION=0.2.17

# A pull request's run compares with its base commit, which git checks out (git worktree add).
# Not pinned: see the plugin step below.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends git \
    && rm -rf /var/lib/apt/lists/* \
    && git --version

# Does nothing when EXEC_PLUGINS is empty. Otherwise: check the names, fetch curl and unzip,
# install each plugin under /usr/local or /opt, then remove curl, unzip and the downloads.
# Debian's packages are not pinned (here or for git above): the base tag's suite serves one
# current, security-patched version of each, and an exact pin fails once it is superseded.
# hadolint ignore=DL3008
RUN set -eu; \
    for plugin in $EXEC_PLUGINS; do \
      case "$plugin" in \
        aws|gke-gcloud-auth-plugin|kubelogin) ;; \
        *) echo "EXEC_PLUGINS: unknown plugin '$plugin' (known: aws gke-gcloud-auth-plugin kubelogin)" >&2; exit 1 ;; \
      esac; \
    done; \
    if [ -z "$EXEC_PLUGINS" ]; then exit 0; fi; \
    case "$(uname -m)" in \
      x86_64) aws_arch=x86_64; gcloud_arch=x86_64; kubelogin_arch=amd64 ;; \
      aarch64) aws_arch=aarch64; gcloud_arch=arm; kubelogin_arch=arm64 ;; \
      *) echo "EXEC_PLUGINS: unsupported architecture $(uname -m)" >&2; exit 1 ;; \
    esac; \
    apt-get update; \
    apt-get install -y --no-install-recommends ca-certificates curl unzip; \
    tmp="$(mktemp -d)"; \
    for plugin in $EXEC_PLUGINS; do \
      case "$plugin" in \
        aws) \
          curl -fsSL "https://awscli.amazonaws.com/awscli-exe-linux-${aws_arch}-${AWS_CLI_VERSION}.zip" -o "$tmp/awscliv2.zip"; \
          unzip -q "$tmp/awscliv2.zip" -d "$tmp"; \
          "$tmp/aws/install" --install-dir /usr/local/aws-cli --bin-dir /usr/local/bin; \
          aws --version ;; \
        gke-gcloud-auth-plugin) \
          curl -fsSL "https://dl.google.com/dl/cloudsdk/channels/rapid/downloads/google-cloud-cli-${GCLOUD_VERSION}-linux-${gcloud_arch}.tar.gz" \
            -o "$tmp/gcloud.tar.gz"; \
          tar -xzf "$tmp/gcloud.tar.gz" -C /opt; \
          /opt/google-cloud-sdk/bin/gcloud components install gke-gcloud-auth-plugin --quiet; \
          rm -rf /opt/google-cloud-sdk/.install/.backup /root/.config/gcloud; \
          ln -s /opt/google-cloud-sdk/bin/gcloud /usr/local/bin/gcloud; \
          ln -s /opt/google-cloud-sdk/bin/gke-gcloud-auth-plugin /usr/local/bin/gke-gcloud-auth-plugin; \
          gke-gcloud-auth-plugin --version ;; \
        kubelogin) \
          curl -fsSL "https://github.com/Azure/kubelogin/releases/download/v${KUBELOGIN_VERSION}/kubelogin-linux-${kubelogin_arch}.zip" -o "$tmp/kubelogin.zip"; \
          unzip -q "$tmp/kubelogin.zip" -d "$tmp/kubelogin"; \
          install -m 0755 "$tmp/kubelogin/bin/linux_${kubelogin_arch}/kubelogin" /usr/local/bin/kubelogin; \
          kubelogin --version ;; \
      esac; \
    done; \
    apt-get purge -y --auto-remove curl unzip; \
    rm -rf /var/lib/apt/lists/* "$tmp"

COPY --from=builder /usr/local/bin/kustomize /usr/local/bin/kustomize
# Root-owned and not writable by any other user; with PYTHONDONTWRITEBYTECODE nothing is written
# under it at run time either (the bytecode was compiled in the builder).
COPY --from=builder /opt/drift-action/venv /opt/drift-action/venv
ENV VIRTUAL_ENV=/opt/drift-action/venv \
    PATH=/opt/drift-action/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1

# No USER: GitHub runs a container action as the image's user and documents that Docker actions
# must run as the default user (root). The workspace, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY and the
# git worktree the base checkout adds are owned by the runner's user, which a non-root image
# user could not write. Outside Actions, `docker run --user 65534` works: the install is
# read-only and readable to every user.
#
# The runner mounts the workspace and makes it the working directory; inputs arrive as INPUT_*.
# It is untrusted: -I (and PYTHONSAFEPATH, for child Pythons) keeps it and PYTHON* off sys.path, so a PR's yaml.py never loads.
ENV PYTHONSAFEPATH=1
ENTRYPOINT ["python", "-I", "-m", "drift_action.action"]
