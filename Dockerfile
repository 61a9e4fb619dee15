FROM python:3.11-slim

# Optional kubeconfig exec (credential) plugins: a space-separated subset of
#   aws  gke-gcloud-auth-plugin  kubelogin
# A kubeconfig whose user runs a command (`exec:`) works only if that command exists in this
# image. The default is none, which keeps the image as small as it is without this option:
#   docker build --build-arg EXEC_PLUGINS="aws kubelogin" -t drift-action:plugins .
# Each plugin is the vendor's latest release at build time; see docs/cluster-access.md.
#   aws                     AWS CLI v2, official installer  (`aws eks get-token`, EKS)
#   gke-gcloud-auth-plugin  Google Cloud CLI archive + the gke-gcloud-auth-plugin component (GKE)
#   kubelogin               Azure kubelogin release archive (AKS with Microsoft Entra ID)
ARG EXEC_PLUGINS=""
# Kustomize sources run `kustomize build`: the image ships the standalone kustomize binary.
ARG KUSTOMIZE_VERSION=5.5.0

RUN set -eu; \
    case "$(uname -m)" in x86_64) arch=amd64 ;; aarch64) arch=arm64 ;; *) arch="$(uname -m)" ;; esac; \
    python -c "import urllib.request, sys; urllib.request.urlretrieve(sys.argv[1], '/tmp/kustomize.tgz')" \
      "https://github.com/kubernetes-sigs/kustomize/releases/download/kustomize%2Fv${KUSTOMIZE_VERSION}/kustomize_v${KUSTOMIZE_VERSION}_linux_${arch}.tar.gz"; \
    tar -xzf /tmp/kustomize.tgz -C /usr/local/bin kustomize; \
    rm /tmp/kustomize.tgz; \
    kustomize version

# A pull request's run compares with its base commit, which git checks out (git worktree add).
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends git \
    && rm -rf /var/lib/apt/lists/* \
    && git --version

# Does nothing when EXEC_PLUGINS is empty. Otherwise: check the names, fetch curl and unzip,
# install each plugin under /usr/local or /opt, then remove curl, unzip and the downloads.
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
          curl -fsSL "https://awscli.amazonaws.com/awscli-exe-linux-${aws_arch}.zip" -o "$tmp/awscliv2.zip"; \
          unzip -q "$tmp/awscliv2.zip" -d "$tmp"; \
          "$tmp/aws/install" --install-dir /usr/local/aws-cli --bin-dir /usr/local/bin; \
          aws --version ;; \
        gke-gcloud-auth-plugin) \
          curl -fsSL "https://dl.google.com/dl/cloudsdk/channels/rapid/downloads/google-cloud-cli-linux-${gcloud_arch}.tar.gz" \
            | tar -xz -C /opt; \
          /opt/google-cloud-sdk/bin/gcloud components install gke-gcloud-auth-plugin --quiet; \
          rm -rf /opt/google-cloud-sdk/.install/.backup /root/.config/gcloud; \
          ln -s /opt/google-cloud-sdk/bin/gcloud /usr/local/bin/gcloud; \
          ln -s /opt/google-cloud-sdk/bin/gke-gcloud-auth-plugin /usr/local/bin/gke-gcloud-auth-plugin; \
          gke-gcloud-auth-plugin --version ;; \
        kubelogin) \
          curl -fsSL "https://github.com/Azure/kubelogin/releases/latest/download/kubelogin-linux-${kubelogin_arch}.zip" -o "$tmp/kubelogin.zip"; \
          unzip -q "$tmp/kubelogin.zip" -d "$tmp/kubelogin"; \
          install -m 0755 "$tmp/kubelogin/bin/linux_${kubelogin_arch}/kubelogin" /usr/local/bin/kubelogin; \
          kubelogin --version ;; \
      esac; \
    done; \
    apt-get purge -y --auto-remove curl unzip; \
    rm -rf /var/lib/apt/lists/* "$tmp"

WORKDIR /opt/drift-action
# The pinned, hashed dependencies first (a layer that changes only with the lock), then the
# package itself without dependencies. Regenerate the lock with scripts/lock.sh.
COPY requirements.lock ./
RUN pip install --no-cache-dir --require-hashes -r requirements.lock
COPY pyproject.toml README.md ./
COPY drift_action ./drift_action
RUN pip install --no-cache-dir --no-deps . \
    && rm -rf /root/.cache

# The runner mounts the workspace and makes it the working directory; inputs arrive as INPUT_*.
# It is untrusted: -I (and PYTHONSAFEPATH, for child Pythons) keeps it and PYTHON* off sys.path, so a PR's yaml.py never loads.
ENV PYTHONSAFEPATH=1
ENTRYPOINT ["python", "-I", "-m", "drift_action.action"]
