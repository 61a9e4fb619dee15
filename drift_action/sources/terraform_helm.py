"""A plan's `helm_release` with a local chart, rendered by the Helm source.

The chart path is taken relative to the plan file's folder (where terraform usually runs), then
to the working directory. An absolute path from the machine that made the plan is tried by its
trailing folders the same way, longest first. The release's `values` texts are written to a
temporary folder, removed after rendering. Values that Terraform marks sensitive (all of
`set_sensitive`) are hidden wherever a rendered field contains them (or a run of four or more of
their letters and digits), and never quoted in an error.
"""

from __future__ import annotations

import base64
import os
import re
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from drift_action.bounds import RenderLimits
from drift_action.confine import PathPolicy
from drift_action.errors import DriftActionError, InputError
from drift_action.files import display_path
from drift_action.model import Document, IndexPath, Marks, SourceLocation
from drift_action.sources.helm import HelmRenderer, HelmSpec
from drift_action.terraform.helm_release import HelmRelease
from drift_action.terraform.trees import strings_at

HIDDEN = "(hidden)"
_PIECE = 4
_RUN = re.compile(rf"[A-Za-z0-9]{{{_PIECE},}}")  # a piece of a value long enough to recognise


def render_release(
    release: HelmRelease,
    folder: str,
    shown: str,
    policy: PathPolicy,
    limits: RenderLimits,
) -> tuple[list[Document], list[str]]:
    """The release's objects, sourced at its address; warnings when it cannot be rendered.

    With a confined run only charts inside the root are looked for; one whose links lead out
    is not rendered (a warning), as a chart that is not found."""
    chart = locate_chart(release.chart, folder, policy)
    if chart is None:
        inside = f" inside {policy.name}" if policy.root is not None else ""
        return [], [
            f"{shown}: {release.address}: chart {release.chart!r} not found{inside} next to the "
            f"plan ({display_path(folder)}) or in the working directory: not rendered"
        ]
    try:
        policy.check_tree(chart, "Helm chart")
    except InputError as exc:
        return [], [f"{shown}: {release.address}: {exc}: not rendered"]
    with tempfile.TemporaryDirectory(prefix="drift-action-values-") as temporary:
        files = []
        for index, text in enumerate(release.values):
            file = os.path.join(temporary, f"values-{index}.yaml")
            Path(file).write_text(text, encoding="utf-8")
            files.append(file)
        spec = HelmSpec(
            chart=chart,
            values=tuple(files),
            set=release.set,
            set_string=release.set_string,
            release=release.release,
            namespace=release.namespace,
            limits=limits,
        )
        try:
            rendered = HelmRenderer().render(spec)
        except DriftActionError as exc:
            if _quotes_sensitive(str(exc), release):
                raise InputError(
                    f"{release.address}: Helm could not render the chart; its message is not "
                    "shown because it quotes a sensitive value (render it with --helm-chart)",
                    file=shown,
                ) from None  # the original names a sensitive value
            message = _scrub(str(exc), release, files)
            raise InputError(f"{release.address}: {message}", file=shown) from exc
    secrets = _sensitive_strings(release)
    documents = [_sourced(document, release, secrets) for document in rendered.documents]
    warnings = [_scrub(w, release, files) for w in rendered.warnings]
    return documents, [w for w in warnings if not _quotes_sensitive(w, release)]


def locate_chart(chart: str, folder: str, policy: PathPolicy) -> str | None:
    for candidate in _candidates(chart, folder):
        if not policy.allows(candidate):
            continue
        path = Path(candidate)
        if (path / "Chart.yaml").is_file() or (path.is_file() and path.suffix == ".tgz"):
            return os.path.normpath(candidate)
    return None


def _candidates(chart: str, folder: str) -> Iterator[str]:
    if not os.path.isabs(chart):
        yield os.path.join(folder, chart)
        yield chart
        return
    yield chart
    parts = Path(chart).parts[1:]
    for start in range(len(parts)):
        for base in (folder, "."):
            yield os.path.join(base, *parts[start:])


def _sensitive_strings(release: HelmRelease) -> tuple[str, ...]:
    """The sensitive values, and what Helm's --set parser makes of them: it splits a value at
    commas and drops backslashes, and the chart then holds what is left (however short: a
    field holding a piece of a mangled value is hidden too)."""
    found = list(release.sensitive)
    for flag, expressions in (("set", release.set), ("set-string", release.set_string)):
        for expression in expressions:
            if any(secret and secret in expression for secret in release.sensitive):
                found.extend(s for s in _parsed_leaves(flag, expression) if s)
    return tuple(dict.fromkeys(found))


def _parsed_leaves(flag: str, expression: str) -> Iterator[str]:
    try:
        from helm_python import (  # noqa: PLC0415 (loads Helm's library)
            HelmError,
            parse_set_string,
            parse_set_string_values,
        )
    except Exception:  # the SDK cannot load: rendering fails on its own, saying so
        return
    parse = parse_set_string if flag == "set" else parse_set_string_values
    try:
        parsed = parse(expression)
    except HelmError:
        return  # rendering fails on it too, with a message that is withheld
    yield from _strings(parsed)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, Mapping):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif value is not None and not isinstance(value, bool):
        yield str(value)


def _sourced(document: Document, release: HelmRelease, secrets: Sequence[str]) -> Document:
    """At the release's address, in its namespace (not the plan's), sensitive values marked."""
    source = SourceLocation(document.source.file, document.source.line, release.address)
    data = document.data
    metadata = data.get("metadata") if isinstance(data, Mapping) else None
    if isinstance(metadata, Mapping) and not metadata.get("namespace"):
        # Cluster-scoped kinds ignore it; identity and comparison never read it from the body.
        data = {**data, "metadata": {**metadata, "namespace": release.namespace}}
    hidden = frozenset(_containing(data, _forms(secrets), ()))
    marks = Marks(sensitive=hidden, secrets=strings_at(data, hidden))
    return replace(document, data=data, source=source, marks=marks)


def _forms(secrets: Sequence[str]) -> tuple[str, ...]:
    """Each sensitive value as written, base64-encoded (as Secret and binary data hold it), and
    its alphanumeric runs: Helm and YAML may reshape a value (quotes, folded line breaks)."""
    return tuple(
        dict.fromkeys(
            form
            for secret in secrets
            for form in (secret, base64.b64encode(secret.encode()).decode(), *_RUN.findall(secret))
            if form
        )
    )


def _containing(value: Any, secrets: Sequence[str], path: IndexPath) -> Iterator[IndexPath]:
    """Paths of the fields whose value contains a sensitive value."""
    if not secrets:
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield from _containing(item, secrets, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _containing(item, secrets, (*path, index))
    elif value is not None and any(s in str(value) for s in secrets):
        yield path


def _quotes_sensitive(text: str, release: HelmRelease) -> bool:
    """Whether `text` holds a sensitive value or a piece of one (Helm quotes what it parsed)."""
    return any(
        piece in text
        for secret in release.sensitive
        for piece in (secret, *_RUN.findall(secret))
        if piece
    )


def _scrub(text: str, release: HelmRelease, files: Sequence[str]) -> str:
    for index, file in enumerate(files):
        for spelling in {file, display_path(file)}:
            text = text.replace(spelling, f"{release.address} values[{index}]")
    for secret in sorted(release.sensitive, key=len, reverse=True):
        text = text.replace(secret, HIDDEN)
    return text
