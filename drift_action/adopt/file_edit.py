"""The edits of one file: find each object's document, edit it, and change no other line.

The round trip keeps comments, order and quoting, but may still respell a line it did not touch
(spacing inside a flow mapping, say). So the edited document is compared with the document
dumped unedited, and only the lines that differ between those two are carried over into the
original text; a change whose lines the round trip itself respelled is refused rather than
reformatting the file.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from drift_action.adopt import yaml_edit
from drift_action.adopt.model import Target
from drift_action.core.paths import format_path

# An anchor or alias outside quotes and comments: `&name` or `*name` after a space, `-`, `:`,
# `[`, `{` or `,` (a string holding one is refused too: the safe side).
_ANCHOR = re.compile(r"(?:^|[\s\[{,:-])[&*][^\s\[\]{},]+", re.MULTILINE)
_MARKER = re.compile(r"^(---|\.\.\.)(\s|$)")


@dataclass(frozen=True)
class _Document:
    start: int  # index of its first line in the file
    lines: list[str]  # with their line ends


def edit_file(text: str, targets: Sequence[Target]) -> tuple[str, list[str]]:
    """The file's new text, and a note for each edit that could not be made."""
    documents = _split(text)
    notes: list[str] = []
    for target in targets:
        index = _locate(documents, target)
        if index is None:
            notes.append(f"{target.key}: not adopted: its document was not found in {target.file}")
            continue
        old = documents[index]
        try:
            new_lines = _crlf_kept(
                old.lines, functools.partial(_edit_document, target=target, notes=notes)
            )
        except Exception as exc:  # (a YAML the editor cannot read: say so, go on)
            notes.append(
                f"{target.key}: not adopted: {target.file} could not be edited "
                f"({' '.join(str(exc).split())[:200]})"
            )
            continue
        documents[index] = _Document(old.start, new_lines)
    return "".join(line for d in documents for line in d.lines), notes


def _split(text: str) -> list[_Document]:
    documents: list[_Document] = []
    current: list[str] = []
    start = 0
    for number, line in enumerate(text.splitlines(keepends=True)):
        if _MARKER.match(line) and any(
            s.strip() and not s.lstrip().startswith("#") for s in current
        ):
            documents.append(_Document(start, current))
            current, start = [], number
        current.append(line)
    documents.append(_Document(start, current))
    return documents


def _locate(documents: Sequence[_Document], target: Target) -> int | None:
    """By kind and name; by the line the report gives when names do not match (a name prefix
    a kustomization adds), or the only document of that kind."""
    of_kind: list[int] = []
    for index, document in enumerate(documents):
        data = _identity(document)
        if data is None or data.get("kind") != target.key.kind:
            continue
        of_kind.append(index)
        metadata = data.get("metadata")
        if isinstance(metadata, Mapping) and metadata.get("name") == target.key.name:
            return index
    if target.line is not None:
        for index in of_kind:
            document = documents[index]
            if document.start < target.line <= document.start + len(document.lines):
                return index
    return of_kind[0] if len(of_kind) == 1 else None


def _identity(document: _Document) -> Mapping[str, Any] | None:
    try:
        tree, _ = yaml_edit.load("".join(document.lines))
    except Exception:  # (not YAML this editor reads: not the one to edit)
        return None
    return tree if isinstance(tree, Mapping) else None


def _edit_document(lines: list[str], target: Target, notes: list[str]) -> list[str]:
    """One edit at a time, each checked on its own: one field the editor cannot place does
    not hold back the others."""
    if _ANCHOR.search("".join(lines)):
        # One anchored value may be used in several places: an edit there would change them
        # all, and walking aliases could expand a small file into a huge tree.
        notes.append(f"{target.key}: not adopted: its document in {target.file} uses YAML anchors")
        return lines
    for edit in target.edits:
        where = f"{target.key} {format_path(edit.path)}"
        tree, editor = yaml_edit.load("".join(lines))
        unedited = yaml_edit.dump(editor, tree).splitlines(keepends=True)
        try:
            yaml_edit.apply(tree, edit)
        except yaml_edit.EditRefused as exc:
            notes.append(
                f"{where}: not adopted: {exc} ({target.file}); it may come from a patch, a "
                "generator or a default"
            )
            continue
        edited = yaml_edit.dump(editor, tree).splitlines(keepends=True)
        merged = _carry(lines, unedited, edited)
        if merged is None or not _reads_as(merged, tree):
            notes.append(
                f"{where}: not adopted: the edit would change other lines of {target.file} "
                "(an indentation or a spelling the editor cannot follow)"
            )
            continue
        lines = merged
    return lines


def _reads_as(lines: list[str], tree: Any) -> bool:
    """Mixed indentation in one document can put a carried line at the wrong depth: the result
    must read back as the edited tree."""
    try:
        again, _ = yaml_edit.load("".join(lines))
    except Exception:  # (the carried lines broke the document)
        return False
    return bool(yaml_edit.plain(again) == yaml_edit.plain(tree))


def _carry(original: list[str], unedited: list[str], edited: list[str]) -> list[str] | None:
    """The original lines with the edit's changes (unedited -> edited) carried over."""
    # Where the unedited dump and the original agree, line for line.
    same: dict[int, int] = {}
    for block in difflib.SequenceMatcher(
        None, unedited, original, autojunk=False
    ).get_matching_blocks():
        for k in range(block.size):
            same[block.a + k] = block.b + k
    same[len(unedited)] = len(original)
    out: list[str] = []
    taken = 0
    matcher = difflib.SequenceMatcher(None, unedited, edited, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        # The changed lines must be ones the round trip kept as they were.
        if any(i not in same for i in range(i1, i2)) or i1 not in same:
            return None
        start = same[i1]
        if any(same[i] != start + (i - i1) for i in range(i1, i2)):
            return None
        out.extend(original[taken:start])
        new = edited[j1:j2]
        if i2 - i1 == j2 - j1:  # lines replaced one for one: keep each comment's spacing
            new = [_comment_gap(original[start + k], line) for k, line in enumerate(new)]
        out.extend(new)
        taken = start + (i2 - i1)
    out.extend(original[taken:])
    return out


_COMMENT = re.compile(r"(?P<gap>[ \t]+)(?P<comment>#[^'\"]*)$")


def _comment_gap(old: str, new: str) -> str:
    """The round trip keeps a comment's column, or one space when the new value reaches it;
    the old line's gap between value and comment is kept instead, as a person would."""
    body_old, body_new = old.rstrip("\n"), new.rstrip("\n")
    was, now = _COMMENT.search(body_old), _COMMENT.search(body_new)
    if was is None or now is None or was["comment"] != now["comment"]:
        return new
    return body_new[: now.start()] + was["gap"] + now["comment"] + new[len(body_new) :]


def _crlf_kept(lines: list[str], edit: Callable[[list[str]], list[str]]) -> list[str]:
    """The editor reads and writes \n: a document written with \r\n keeps its own line ends."""
    if not any(line.endswith("\r\n") for line in lines):
        return edit(list(lines))
    unix = [line.removesuffix("\r\n") + "\n" if line.endswith("\r\n") else line for line in lines]
    return [
        line.removesuffix("\n") + "\r\n" if line.endswith("\n") else line for line in edit(unix)
    ]
