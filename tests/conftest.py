from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from support import EXAMPLES
from support.fuzzing import load_hypothesis_profile

# The GitHub end-to-end fixtures (`gh`, `act`), for the tests in github/ and entry/ that publish.
pytest_plugins = ["support.github_run"]

# The Kubernetes client's retry backoff (0.2 s doubling) at a tenth, for every run a test starts,
# in process or not; a server's Retry-After is still waited out in full.
os.environ.setdefault("DRIFT_ACTION_KUBE_PACE", "0.1")

# Before any test module makes its own `settings(...)`: they take what they leave out from here.
load_hypothesis_profile()


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A checkout-like workspace holding a copy of the bundled example."""
    root = tmp_path / "workspace"
    shutil.copytree(EXAMPLES, root / "examples")
    return root
