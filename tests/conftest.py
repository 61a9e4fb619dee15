from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from support import EXAMPLES


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A checkout-like workspace holding a copy of the bundled example."""
    root = tmp_path / "workspace"
    shutil.copytree(EXAMPLES, root / "examples")
    return root
