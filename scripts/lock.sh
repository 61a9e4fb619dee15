#!/usr/bin/env bash
# Regenerate the hashed lock files from pyproject.toml (its ranges stay as they are, for library
# users; the locks pin what the image, CI and a fresh clone install).
#   requirements.lock       the runtime dependencies (the Dockerfile, the README's first command)
#   requirements-test.lock  runtime plus the `test` extra, with the runtime pins taken from
#                           requirements.lock (.ci/run, developers)
#   requirements-lint.lock  the workflow, action.yml and Dockerfile linters of requirements-lint.in
#                           (.ci/run installs them into their own virtual environment)
#   requirements-release.lock  the release workflow's package builder (requirements-release.in)
# One resolution for every platform (--universal) for Python 3.11 and newer, with the hash of each
# distribution of every pinned version, so the linux/amd64 and linux/arm64 images install from it.
#
# Needs uv, a development tool only: pip install uv==0.13.10 (the version that made the locks and
# that .github/workflows/lock-update.yml installs). Existing pins are kept: a plain run only
# follows changes to pyproject.toml, and rerunning it gives the same files. To move every pin to
# the newest release pyproject.toml allows:  scripts/lock.sh --upgrade
set -euo pipefail
cd "$(dirname "$0")/.."

uv pip compile pyproject.toml --universal --python-version 3.11 --generate-hashes \
  --quiet "$@" -o requirements.lock
uv pip compile pyproject.toml --extra test -c requirements.lock --universal --python-version 3.11 \
  --generate-hashes --quiet "$@" -o requirements-test.lock
uv pip compile requirements-lint.in --universal --python-version 3.11 --generate-hashes \
  --quiet "$@" -o requirements-lint.lock
uv pip compile requirements-release.in --universal --python-version 3.11 --generate-hashes \
  --quiet "$@" -o requirements-release.lock
