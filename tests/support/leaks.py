"""Looking for secret values in everything a run leaves behind, shared by the leak tests
(tests/entry/test_secret_leaks.py, tests/sources/test_terraform_leaks.py,
tests/sources/test_terraform_hostile.py, tests/entry/test_secrets_everywhere.py): values drawn
around an alphanumeric core, the forms a value could take on its way out, and the CLI and the
action run in-process with every output captured."""

from __future__ import annotations

import base64
import contextlib
import html
import io
import json
import logging
import os
import string
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from hypothesis import strategies as st

from drift_action import action, cli

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
NAMESPACE = "shop"

# Characters that break naive quoting in YAML, JSON, Markdown tables, HTML and workflow commands.
SPECIALS = "\"'`|\n\r\t\\:#-&*!%@{}[]<>,?=~^$ \u2028\u2029\x85\ufeff\x00\x1b\x7fé中ß😀\u200b\u0301"
_edge_char = st.one_of(st.sampled_from(SPECIALS), st.characters(codec="utf-8"))
_edge = st.text(_edge_char, min_size=1, max_size=8)
_alnum = st.sampled_from(string.ascii_letters + string.digits)


@st.composite
def secret_values(draw: st.DrawFn) -> str:
    """Text of 8+ characters around a 6+ character alphanumeric core.

    The core holds an upper-case letter and a digit. Key names, resource names, paths, manager
    names and report words never hold such a run, so finding the core in an output is a leak,
    not a coincidence, and it catches values that were cut or escaped on the way out.
    """
    chars = [
        draw(st.sampled_from(string.ascii_uppercase)),
        draw(st.sampled_from(string.digits)),
        *draw(st.lists(_alnum, min_size=4, max_size=12)),
    ]
    core = "".join(draw(st.permutations(chars)))
    return draw(_edge) + core + draw(_edge)


def core_of(value: str) -> str:
    """The longest alphanumeric ASCII run that holds an upper-case letter and a digit."""
    runs, run = [], []
    for ch in value + "\0":
        if ch.isascii() and ch.isalnum():
            run.append(ch)
        else:
            runs.append("".join(run))
            run = []
    good = [
        r
        for r in runs
        if len(r) >= 6 and any(c.isupper() for c in r) and any(c.isdigit() for c in r)
    ]
    return max(good, key=len)


def b64(value: str) -> str:
    return base64.b64encode(value.encode()).decode()


def dump_yaml(documents: Sequence[Any]) -> str:
    # The test is only as good as its files: they must read back as exactly what was meant.
    # PyYAML writes some characters (U+0085) raw in plain scalars, where they read back as a
    # line break; escaping every non-ASCII character avoids that.
    for allow_unicode in (True, False):
        text = yaml.safe_dump_all(documents, allow_unicode=allow_unicode, sort_keys=False)
        if list(yaml.load_all(text, Loader=_Loader)) == list(documents):
            return text
    raise AssertionError(f"cannot write these documents as YAML:\n{text}")


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.exc_info:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
        self.lines.append(text)


@dataclass
class Outcome:
    code: int
    stdout: str
    stderr: str
    logs: list[str]
    files: dict[str, str] = field(default_factory=dict)

    def texts(self) -> dict[str, str]:
        return {
            "stdout": self.stdout,
            "stderr": self.stderr,
            "logs": "\n".join(self.logs),
            **self.files,
        }


@contextlib.contextmanager
def captured(*, debug_logs: bool) -> Iterator[tuple[io.StringIO, io.StringIO, _Records]]:
    """stdout, stderr and every log record of one run.

    The root logger is emptied for the run so that the CLI's `logging.basicConfig` really
    installs its handler (on the captured stderr), as it does for a user.
    """
    root = logging.getLogger()
    package = logging.getLogger("drift_action")
    saved = (root.handlers[:], root.level, package.level)
    records = _Records()
    root.handlers = []
    root.setLevel(logging.WARNING)
    package.addHandler(records)
    if debug_logs:
        package.setLevel(logging.DEBUG)
    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            yield out, err, records
    finally:
        package.removeHandler(records)
        for handler in root.handlers:
            handler.close()
        root.handlers, _, _ = saved
        root.setLevel(saved[1])
        package.setLevel(saved[2])


@contextlib.contextmanager
def working_directory(path: Path) -> Iterator[None]:
    before = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


def run_cli(argv: list[str], *, verbose: bool) -> Outcome:
    with captured(debug_logs=verbose) as (out, err, records):
        code = cli.main(argv)
    return Outcome(code, out.getvalue(), err.getvalue(), records.lines)


def run_action(root: Path, inputs: Mapping[str, str]) -> Outcome:
    """The container's entry point, in a workspace, with the runner's files."""
    summary, outputs = root / "summary.md", root / "github-output.txt"
    env = {
        "GITHUB_WORKSPACE": str(root),
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_OUTPUT": str(outputs),
        "INPUT_NAMESPACE": NAMESPACE,
        "INPUT_FORMAT": "text",
        "INPUT_FAIL_ON_DRIFT": "true",
        "INPUT_SELECTOR": "",
        **{f"INPUT_{k.upper()}": v for k, v in inputs.items()},
    }
    with captured(debug_logs=True) as (out, err, records):
        code = action.main([], env)
    outcome = Outcome(code, out.getvalue(), err.getvalue(), records.lines)
    for path in (summary, outputs, root / action.MARKDOWN_REPORT, root / action.JSON_REPORT):
        if path.exists():
            outcome.files[path.name] = path.read_text(encoding="utf-8")
            path.unlink()
    return outcome


def leak_forms(value: str) -> dict[str, str]:
    """The shapes a value could take on its way out; all but base64 hold the core."""
    encoded = b64(value)
    return {
        "raw value": value,
        "alphanumeric core": core_of(value),
        "base64": encoded,
        "base64 prefix": encoded[:16],
        "JSON-escaped": json.dumps(value)[1:-1],
        "JSON-escaped (unicode)": json.dumps(value, ensure_ascii=False)[1:-1],
        "repr": repr(value)[1:-1],
        "HTML-escaped": html.escape(value),
        "Markdown-escaped": value.replace("\n", " ").replace("|", "\\|"),
        "workflow-command-escaped": value.replace("%", "%25")
        .replace("\r", "%0D")
        .replace("\n", "%0A"),
    }


def assert_no_leak(run: str, outcome: Outcome, values: Sequence[str]) -> None:
    for where, text in outcome.texts().items():
        for value in values:
            for form, shown in leak_forms(value).items():
                assert shown not in text, (
                    f"LEAK: {form} of Secret value {value!r} appears in {where} of {run}:\n{text}"
                )
