"""Terraform's fix for a resource it manages: plan it, then apply it, by its address.

Terraform runs in the folder of the plan (as drift-action itself does to read a binary plan),
named with `-chdir` unless that is the working directory. `-target` keeps both to the one
resource that drifted; the plan shows what the apply will do before anything is changed.
"""

from __future__ import annotations

import posixpath

from drift_action.core.fixes import Command
from drift_action.core.model import SourceLocation


def plan_and_apply(source: SourceLocation, address: str) -> tuple[Command, Command]:
    folder = posixpath.dirname(source.file.replace("\\", "/"))
    chdir = (f"-chdir={folder}",) if folder not in ("", ".") else ()
    target = f"-target={address}"
    return ("terraform", *chdir, "plan", target), ("terraform", *chdir, "apply", target)
