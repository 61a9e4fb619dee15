"""Charts that render differently every time: which ones, and which of their fields.

A template that calls `randAlphaNum`, `genCA`, `uuidv4`, `now` (and their kin) prints something
new on each render, so the live object, made by an earlier render, never equals this one: bitnami
nginx's generated TLS Secret would always show as drift. `lookup` returns nothing offline, so a
chart that keeps a generated value by looking it up live falls back to a new one here too.

Helm cannot be told to make those functions repeatable, so the chart is rendered twice and a
field that differs between the two renders is marked (`Marks.varying`): the comparison checks
that it is present live, not its value (`compare/marks.py`, rule `nondeterministic-render`).
The second render is paid only by charts whose templates call such a function: the template
text is scanned first (a fraction of a render), and with the bundled engine the second render
reuses the chart already loaded in the same process (`worker.py`).
"""

from __future__ import annotations

import os
import re
import tarfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from drift_action.core.model import Document, Marks
from drift_action.sources.helm.differences import differences

RULE = "nondeterministic-render"

# Sprig and Helm functions whose result is not a function of the chart and its values.
# (`htpasswd`, `bcrypt` and `encryptAES` draw a random salt or IV.)
_FUNCTIONS = (
    "randAlphaNum|randAlpha|randNumeric|randAscii|randBytes|randInt|shuffle|"
    "genCA|genCAWithKey|genSelfSignedCert|genSelfSignedCertWithKey|genSignedCert|"
    "genSignedCertWithKey|genPrivateKey|uuidv4|now|lookup|htpasswd|bcrypt|encryptAES"
)
_CALL = re.compile(rf"(?<![\w.$])(?:{_FUNCTIONS})(?!\w)")
_NAMES = tuple(_FUNCTIONS.split("|"))  # a file without any of them calls none (`in` is fast)
# Only inside template actions, comments left out: prose in a chart ("now", "lookup") is not
# a call.
_ACTION = re.compile(r"\{\{(?!-?\s*/\*)(.*?)\}\}", re.DOTALL)
_TEMPLATE_SUFFIXES = (".yaml", ".yml", ".tpl", ".txt", ".json")
# The scan reads at most this much template text; a bigger chart is taken as varying (one
# more render costs less than a false drift).
_SCAN_BYTES = 64 * 1024 * 1024


def calls_nondeterministic(chart: str) -> bool:
    """Whether any template of the chart or its subcharts (partials included: a helper may
    call the function) calls one of the functions. A chart that cannot be read here (a
    repository reference that only a helm binary resolves) is taken as one that does."""
    path = Path(chart)
    try:
        if path.is_dir():
            return _any_call(_folder_templates(path))
        if path.is_file() and tarfile.is_tarfile(path):
            return _any_call(_archive_templates(path))
    except (OSError, tarfile.TarError, UnicodeDecodeError):
        return True
    return True


def _any_call(texts: Iterator[str]) -> bool:
    budget = _SCAN_BYTES
    for text in texts:
        budget -= len(text)
        if budget < 0:
            return True
        # Most files name none of the functions: a plain substring search settles those.
        if not any(name in text for name in _NAMES):
            continue
        if any(_CALL.search(action) for action in _ACTION.findall(text)):
            return True
    return False


def _folder_templates(chart: Path) -> Iterator[str]:
    # os.walk, not rglob: links to folders are not followed, so a link loop cannot hang it.
    # Paths as strings: pathlib's parsing cost more than the scan itself.
    for folder, _, names in os.walk(chart):
        relative = os.path.relpath(folder, chart)
        above = () if relative == os.curdir else tuple(relative.split(os.sep))
        for name in sorted(names):
            file = os.path.join(folder, name)
            parts = (*above, name)
            if _is_template(parts) and os.path.isfile(file):
                with open(file, "rb") as handle:
                    yield handle.read(_SCAN_BYTES + 1).decode("utf-8", errors="replace")
            elif name.endswith(".tgz") and "charts" in parts and os.path.isfile(file):
                # A packaged subchart: scanned by its own templates.
                yield from _archive_templates(Path(file))


def _archive_templates(archive: Path) -> Iterator[str]:
    with tarfile.open(archive, "r:*") as tar:
        for member in tar:
            parts = tuple(member.name.split("/"))
            if member.isfile() and _is_template(parts):
                handle = tar.extractfile(member)
                if handle is not None:
                    yield handle.read(_SCAN_BYTES + 1).decode("utf-8", errors="replace")


def _is_template(parts: Sequence[str]) -> bool:
    return "templates" in parts[:-1] and parts[-1].endswith(_TEMPLATE_SUFFIXES)


def mark_varying(documents: Sequence[Document], again: Sequence[Document]) -> list[Document]:
    """`documents` with the fields that differ in `again` (the same render, repeated) marked.

    An object found only in one render (its name varies) is left unmarked: it cannot be
    paired with the live one anyway."""
    twins: dict[tuple[str, ...], list[Any]] = {}
    for document in again:
        twins.setdefault(_identity(document.data), []).append(document.data)
    marked: list[Document] = []
    for document in documents:
        found = twins.get(_identity(document.data))
        if not found:
            marked.append(document)
            continue
        twin = found.pop(0)
        # The same object when its file printed the same both times (`manifest_documents`).
        varying = (
            frozenset()
            if twin is document.data
            else frozenset(differences(document.data, twin, ()))
        )
        if not varying:
            marked.append(document)
            continue
        marks = document.marks or Marks()
        marks = replace(marks, varying=marks.varying | varying)
        marked.append(replace(document, marks=marks))
    return marked


def varying_count(documents: Sequence[Document]) -> int:
    return sum(len(d.marks.varying) for d in documents if d.marks is not None)


def _identity(data: Any) -> tuple[str, ...]:
    if not isinstance(data, Mapping):
        return ("", type(data).__name__)
    metadata = data.get("metadata")
    metadata = metadata if isinstance(metadata, Mapping) else {}
    parts = (data.get("apiVersion"), data.get("kind"), metadata.get("namespace"))
    return tuple(str(part) for part in (*parts, metadata.get("name")))
