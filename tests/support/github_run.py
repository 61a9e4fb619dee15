"""The action's entry point run as its container runs it, publishing to the GitHub API emulator:
the end-to-end GitHub tests, the GitHub fault tests and the least-privilege tests share it.

Loaded as a pytest plugin by tests/conftest.py, so its fixtures `gh` (an emulator that knows the
merge commit) and `act` (a `Runner` in the test's workspace) serve every test; a module's own
`gh` fixture takes precedence."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from support import run_action
from support.github_emulator import GitHubEmulator

HEAD = "0123456789abcdef0123456789abcdef01234567"  # the pull request's head commit
MERGE = "fedcba9876543210fedcba9876543210fedcba98"  # GITHUB_SHA on pull_request: the merge
DRIFTED = "examples/live/drifted.yaml"
IN_SYNC = "examples/live/in-sync.yaml"


@pytest.fixture
def gh() -> Iterator[GitHubEmulator]:
    with GitHubEmulator() as emulator:
        emulator.add_commit(MERGE)
        yield emulator


class Runner:
    """Runs the action in one workspace; each run gets fresh summary and output files."""

    def __init__(self, workspace: Path, gh: GitHubEmulator) -> None:
        self.workspace, self.gh = workspace, gh
        self.runs = 0
        self.logs: list[str] = []

    def __call__(
        self, event: str, payload: dict[str, object], live: str = DRIFTED, **inputs: str
    ) -> subprocess.CompletedProcess[str]:
        self.runs += 1
        tmp = self.workspace.parent / f"run{self.runs}"
        tmp.mkdir()
        (tmp / "event.json").write_text(json.dumps(payload))
        env = {
            "GITHUB_EVENT_NAME": event,
            "GITHUB_EVENT_PATH": str(tmp / "event.json"),
            "GITHUB_REPOSITORY": self.gh.repository,
            "GITHUB_API_URL": self.gh.base_url,
            "GITHUB_SERVER_URL": "https://github.example",
            "GITHUB_SHA": MERGE,
            "GITHUB_RUN_ID": "4242",
            "GITHUB_STEP_SUMMARY": str(tmp / "summary.md"),
            "GITHUB_OUTPUT": str(tmp / "output.txt"),
            "DRIFT_ACTION_GITHUB_PACE": "0",
            # The runner passes every input, with action.yml's defaults for those not given.
            "INPUT_GITHUB_TOKEN": self.gh.token,
            "INPUT_MANIFESTS": "examples/manifests",
            "INPUT_LIVE_SNAPSHOT": live,
            "INPUT_NAMESPACE": "default",
            "INPUT_FORMAT": "text",
            "INPUT_FAIL_ON_DRIFT": "true",
            "INPUT_COMMENT_MODE": "always",
            "INPUT_CHECK_RUN": "false",
            "INPUT_ISSUE_MODE": "auto",
            "INPUT_ISSUE_LABELS": "drift",
            "INPUT_HIDE_OUTDATED": "false",
            "INPUT_REPORT_ID": "",
        }
        env.update({f"INPUT_{name.upper()}": value for name, value in inputs.items()})
        result = run_action(self.workspace, env)
        self.logs += [result.stdout, result.stderr, self.summary()]
        return result

    def summary(self) -> str:
        path = self.workspace.parent / f"run{self.runs}" / "summary.md"
        return path.read_text() if path.exists() else ""

    def outputs(self) -> dict[str, str]:
        text = (self.workspace.parent / f"run{self.runs}" / "output.txt").read_text()
        return dict(line.split("=", 1) for line in text.splitlines())


@pytest.fixture
def act(workspace: Path, gh: GitHubEmulator) -> Runner:
    return Runner(workspace, gh)


def pr_event(number: int, head: str = HEAD, base: str | None = None) -> dict[str, object]:
    """A `pull_request` event's payload; with `base`, the base commit a run compares against."""
    pull: dict[str, object] = {"number": number, "head": {"sha": head}}
    if base is not None:
        pull["base"] = {"sha": base}
    return {"action": "synchronize", "number": number, "pull_request": pull}


def warnings(result: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in result.stdout.splitlines() if line.startswith("::warning::")]
