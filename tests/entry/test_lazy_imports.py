"""The command loads an outside system's library only when the run uses that system.

Each case runs `drift_action.cli.main` in a fresh interpreter and lists the modules it loaded:
`--version`, `--help` and a snapshot run never load the Kubernetes client, PyGithub, the Helm
SDK or ruamel.yaml; a run that reads a cluster loads the Kubernetes client. These are checks
of presence, not of time: bench/startup.py measures the time.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from support import EXAMPLES, ROOT
from support.kube_emulator import KubeEmulator

# Outside libraries a run loads only when it needs them (top-level package names).
ON_DEMAND = ("kubernetes", "github", "helm_python", "ruamel", "urllib3")
# Test tools: never loaded by the command.
NEVER = ("hypothesis", "pytest")
# Heavy libraries drift_action itself never imports (the kubernetes package loads pydantic
# and some of the others when a cluster is read).
UNUSED = ("cryptography", "pydantic", "jsonschema", "markdown_it")

_PROBE = """
import json, sys
from drift_action.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as exc:  # --version and --help exit through argparse
    code = exc.code
sys.stdout.flush()
print(json.dumps({"code": code, "modules": sorted(sys.modules)}), file=sys.stderr)
"""


def loaded(*args: str) -> tuple[int, set[str]]:
    """The exit code of `drift-action ARGS` and the top-level packages it loaded."""
    hidden = ("KUBECONFIG", "DRIFT_ACTION_TOKEN", "KUBERNETES_SERVICE_HOST", "PYTHONPATH")
    env = {k: v for k, v in os.environ.items() if k not in hidden}
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    last = done.stderr.strip().splitlines()[-1]
    result = json.loads(last)
    return result["code"], {name.split(".")[0] for name in result["modules"]}


def absent(modules: set[str], names: tuple[str, ...]) -> None:
    assert not modules & set(names), f"loaded: {sorted(modules & set(names))}"


@pytest.mark.parametrize("flag", ["--version", "--help"])
def test_version_and_help_load_no_outside_library(flag: str) -> None:
    code, modules = loaded(flag)
    assert code == 0
    absent(modules, (*ON_DEMAND, *NEVER, *UNUSED))
    assert "drift_action" in modules


def test_a_snapshot_run_loads_no_cluster_client() -> None:
    code, modules = loaded(
        "--manifests",
        str(EXAMPLES / "manifests"),
        "--live-snapshot",
        str(EXAMPLES / "live" / "drifted.yaml"),
    )
    assert code == 1  # the example drifts
    absent(modules, (*ON_DEMAND, *NEVER, *UNUSED))


@pytest.fixture
def emulator() -> Iterator[KubeEmulator]:
    path = EXAMPLES / "live" / "drifted.yaml"
    objects: list[dict[str, Any]] = [
        doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc
    ]
    with KubeEmulator(objects, token="emulator-token-lazy") as emu:
        yield emu


def test_a_cluster_run_loads_the_kubernetes_client(emulator: KubeEmulator, tmp_path: Path) -> None:
    kubeconfig = emulator.write_kubeconfig(tmp_path / "kubeconfig", context="ci")
    code, modules = loaded(
        "--manifests",
        str(EXAMPLES / "manifests"),
        "--namespace",
        "shop",
        "--kubeconfig",
        str(kubeconfig),
        "--context",
        "ci",
    )
    assert code == 1  # read from the cluster, the example drifts as its snapshot does
    assert {"kubernetes", "urllib3"} <= modules
    absent(modules, ("github", "helm_python", "ruamel", *NEVER))
