"""The action's environment as the runner gives it, for the tests that run its entry point."""

from __future__ import annotations

from pathlib import Path


def action_env(workspace: Path, **inputs: str) -> dict[str, str]:
    """The runner's files beside the workspace, and these inputs over action.yml's defaults."""
    env = {
        "GITHUB_STEP_SUMMARY": str(workspace.parent / "summary.md"),
        "GITHUB_OUTPUT": str(workspace.parent / "output.txt"),
        # The runner passes every input, with action.yml's defaults for those not given.
        "INPUT_NAMESPACE": "default",
        "INPUT_FORMAT": "text",
        "INPUT_FAIL_ON_DRIFT": "true",
        "INPUT_SELECTOR": "",
    }
    env.update({f"INPUT_{name.upper()}": value for name, value in inputs.items()})
    return env
