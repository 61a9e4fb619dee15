"""A plan's `helm_release` with a local chart, rendered by the Helm source.

The chart path is taken relative to the plan file's folder (where terraform usually runs), then
to the working directory. An absolute path from the machine that made the plan is tried by its
trailing folders the same way, longest first. The release's `values` texts are written to a
temporary folder, removed after rendering. Values that Terraform marks sensitive (all of
`set_sensitive`) are hidden wherever a rendered field contains them (or a run of four or more of
their letters and digits), and never quoted in an error.

A template may also change a value on its way into a field (`upper`, `trunc`, `sha256sum`, a
default where the value is empty), so that the field holds nothing recognisable of it, while the
live object's field holds a real secret. So a release with sensitive values is rendered a second
time with each of them changed (every letter and digit to the next one): each field that differs
between the two renders is fed by a sensitive value and hidden too. When that second render
fails, which fields they feed is not known, and every value of the release's objects is hidden.
"""

from __future__ import annotations

import base64
import json
import os
import re
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from drift_action.core.bounds import RenderLimits
from drift_action.core.confine import PathPolicy
from drift_action.core.errors import DriftActionError, InputError
from drift_action.core.files import display_path
from drift_action.core.model import Document, IndexPath, Marks, SourceLocation
from drift_action.core.yaml_docs import parse_documents
from drift_action.sources.base import Rendered
from drift_action.sources.helm.differences import differences
from drift_action.sources.helm.render import HelmRenderer
from drift_action.sources.helm.spec import HelmSpec
from drift_action.sources.terraform.helm_release import HelmRelease
from drift_action.sources.terraform.trees import strings_at

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
        files = _values_files(release.values, temporary, "values")
        spec = _spec(release, chart, files, limits)
        # A release with sensitive values is rendered again with each of them changed.
        probes = [_probe(release, chart, limits, temporary)] if release.sensitive else []
        try:
            rendered, others = HelmRenderer().render_variants(spec, probes)
        except DriftActionError as exc:
            if _quotes_sensitive(str(exc), release):
                raise InputError(
                    f"{release.address}: Helm could not render the chart; its message is not "
                    "shown because it quotes a sensitive value (render it with --helm-chart)",
                    file=shown,
                ) from None  # the original names a sensitive value
            message = _scrub(str(exc), release, files)
            raise InputError(f"{release.address}: {message}", file=shown) from exc
    fed = _fed_by_sensitive(rendered.documents, others[0] if others else None, bool(probes))
    secrets = _sensitive_strings(release)
    documents = [
        _sourced(document, release, secrets, fed[index] if fed is not None else {()})
        for index, document in enumerate(rendered.documents)
    ]
    warnings = [_scrub(w, release, files) for w in rendered.warnings]
    if fed is None:
        warnings.append(
            f"{shown}: {release.address}: every value of its objects is hidden: rendered with "
            "other sensitive values, the chart failed, so which fields they feed is not known"
        )
    return documents, [w for w in warnings if not _quotes_sensitive(w, release)]


def _values_files(texts: Sequence[str], folder: str, prefix: str) -> list[str]:
    files = []
    for index, text in enumerate(texts):
        file = os.path.join(folder, f"{prefix}-{index}.yaml")
        Path(file).write_text(text, encoding="utf-8")
        files.append(file)
    return files


def _spec(release: HelmRelease, chart: str, files: Sequence[str], limits: RenderLimits) -> HelmSpec:
    return HelmSpec(
        chart=chart,
        values=tuple(files),
        set=release.set,
        set_string=release.set_string,
        release=release.release,
        namespace=release.namespace,
        limits=limits,
    )


# ---------------------------------------------------------------------------------------------
# Which fields the sensitive values feed: a second render with each of them changed
# ---------------------------------------------------------------------------------------------

# Each letter and digit to the next: the same length, the same kinds of characters, so a value
# a chart checks (a pattern in values.schema.json, a length) mostly still passes.
_NEXT = str.maketrans(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
    "bcdefghijklmnopqrstuvwxyzaBCDEFGHIJKLMNOPQRSTUVWXYZA1234567890",
)
_FLIPPED = {"true": "false", "false": "true"}


def _probe(release: HelmRelease, chart: str, limits: RenderLimits, temporary: str) -> HelmSpec:
    """The release's render with each sensitive value changed."""
    probe = _with_other_values(release)
    return _spec(probe, chart, _values_files(probe.values, temporary, "probe"), limits)


def _fed_by_sensitive(
    rendered: Sequence[Document], probe: Rendered | None, probed: bool
) -> list[set[IndexPath]] | None:
    """For each rendered document, the paths of the fields whose value changes when the
    sensitive values do (none without sensitive values: not `probed`); None when the chart
    failed with the changed values (`probe` None)."""
    if not probed:
        return [set() for _ in rendered]
    if probe is None:
        return None
    others: dict[tuple[str, ...], list[Any]] = {}
    for document in probe.documents:
        others.setdefault(_identity(document.data), []).append(document.data)
    fed: list[set[IndexPath]] = []
    for document in rendered:
        twins = others.get(_identity(document.data))
        if not twins:  # its name, kind or very existence depends on a sensitive value
            fed.append({()})
            continue
        fed.append(set(differences(document.data, twins.pop(0), ())))
    return fed


def _with_other_values(release: HelmRelease) -> HelmRelease:
    """The release with each sensitive value changed wherever it is given."""
    secrets = sorted(release.sensitive, key=len, reverse=True)

    def changed(expression: str) -> str:
        name, equals, value = expression.partition("=")
        for secret in secrets:
            value = value.replace(secret, _other(secret))
        return name + equals + value

    values = []
    for text in release.values:
        if any(secret in text for secret in secrets):
            text = _other_values_text(text, frozenset(secrets))  # noqa: PLW2901
        values.append(text)
    return replace(
        release,
        values=tuple(values),
        set=tuple(changed(e) for e in release.set),
        set_string=tuple(changed(e) for e in release.set_string),
    )


def _other(text: str) -> str:
    flipped = _FLIPPED.get(text.lower())
    return flipped if flipped is not None else text.translate(_NEXT)


def _other_values_text(text: str, secrets: frozenset[str]) -> str:
    """A values text with its sensitive scalars changed, as JSON (which YAML reads)."""
    try:
        documents = parse_documents(text, "values")
    except InputError:
        return text  # Helm refuses it too
    if len(documents) != 1:
        return text

    def walk(value: Any) -> Any:
        if isinstance(value, Mapping):
            return {key: walk(item) for key, item in value.items()}
        if isinstance(value, list):
            return [walk(item) for item in value]
        if value is None or str(value) not in secrets:
            return value
        if isinstance(value, bool):
            return not value
        if isinstance(value, int | float):
            return value + 1
        return _other(str(value))

    data = documents[0].data
    changed = walk(data)
    if changed == data:  # the values only contain a sensitive value inside another
        return text
    try:
        return json.dumps(changed, ensure_ascii=False)
    except (TypeError, ValueError):  # keys JSON cannot hold: changed in place instead
        for secret in secrets:
            text = text.replace(secret, _other(secret))
        return text


def _identity(data: Any) -> tuple[str, ...]:
    if not isinstance(data, Mapping):
        return ("", type(data).__name__)
    metadata = data.get("metadata")
    metadata = metadata if isinstance(metadata, Mapping) else {}
    return tuple(
        str(part)
        for part in (
            data.get("apiVersion"),
            data.get("kind"),
            metadata.get("namespace"),
            metadata.get("name"),
        )
    )


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


def _sourced(
    document: Document, release: HelmRelease, secrets: Sequence[str], fed: set[IndexPath]
) -> Document:
    """At the release's address, in its namespace (not the plan's), sensitive values marked:
    fields that contain one, and `fed`, those that a sensitive value changes."""
    source = SourceLocation(document.source.file, document.source.line, release.address)
    data = document.data
    metadata = data.get("metadata") if isinstance(data, Mapping) else None
    if isinstance(metadata, Mapping) and not metadata.get("namespace"):
        # Cluster-scoped kinds ignore it; identity and comparison never read it from the body.
        data = {**data, "metadata": {**metadata, "namespace": release.namespace}}
    hidden = frozenset(_containing(data, _forms(secrets), ())) | fed
    # The fields that vary between two renders (nondeterministic templates) stay marked.
    varying = document.marks.varying if document.marks else frozenset()
    marks = Marks(sensitive=hidden, secrets=strings_at(data, hidden), varying=varying)
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
    """Whether `text` holds a sensitive value or a piece of one (Helm quotes what it parsed),
    or of the value it was changed to for the second render (what Helm logged then is among
    the warnings too, and each letter moved by one gives the value away)."""
    return any(
        piece in text
        for secret in release.sensitive
        for form in (secret, _other(secret))
        for piece in (form, *_RUN.findall(form))
        if piece
    )


def _scrub(text: str, release: HelmRelease, files: Sequence[str]) -> str:
    for index, file in enumerate(files):
        for spelling in {file, display_path(file)}:
            text = text.replace(spelling, f"{release.address} values[{index}]")
    for secret in sorted(release.sensitive, key=len, reverse=True):
        text = text.replace(secret, HIDDEN)
    return text
