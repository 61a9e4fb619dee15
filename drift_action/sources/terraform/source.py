"""Terraform plans: the JSON of `terraform show -json PLANFILE`, or the binary plan file itself.

A binary plan (a zip archive) is turned into JSON by running `terraform show -json` in the plan's
folder, where `terraform init` has installed the providers whose schemas it needs. The plan's
Kubernetes resources become desired objects (the pure readers beside this module),
`helm_release`s with a local chart are rendered by the Helm source, and Terraform's own view of
each object (its refreshed state and `resource_drift`) comes along as observations. The objects
as Terraform last applied them are the base (`Rendered.base`, see `prior`): a pull request's
plan is compared with it without rendering the base commit.
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
from typing import Any

from drift_action.core.errors import InputError
from drift_action.core.files import display_path, read_bytes
from drift_action.core.model import Document
from drift_action.core.tools import ToolError, run_tool, which
from drift_action.sources.base import Rendered
from drift_action.sources.terraform.documents import build
from drift_action.sources.terraform.helm import render_release
from drift_action.sources.terraform.plan import read_plan
from drift_action.sources.terraform.prior import no_prior_note, release_base, with_note
from drift_action.sources.terraform.spec import TerraformSpec
from drift_action.sources.terraform.trees import MAX_DEPTH, deeper_than

log = logging.getLogger(__name__)

ZIP_MAGIC = b"PK\x03\x04"
SHOW_TIMEOUT = 300.0
_BOX = re.compile(r"^[\s│╷╵]+")  # terraform frames its diagnostics with box-drawing characters


class TerraformRenderer:
    def render(self, spec: TerraformSpec) -> Rendered:
        shown = display_path(spec.plan)
        plan = read_plan(load_plan(spec.plan, shown), shown)
        built = build(plan, shown)
        documents: list[Document] = list(built.documents)
        base: list[Document] = list(built.base)
        warnings = list(built.warnings)
        folder = os.path.dirname(os.path.abspath(spec.plan))
        for release in built.releases:
            rendered, more = render_release(release, folder, shown, spec.policy, spec.limits)
            documents.extend(rendered)
            base.extend(release_base(release, rendered, shown))
            warnings.extend(more)
        if not plan.records_prior:
            base = with_note(base, no_prior_note(shown))
        log.info(
            "read %d objects from %s (%d resource instances)",
            len(documents),
            spec.label,
            len(plan.instances),
        )
        return Rendered(tuple(documents), tuple(warnings), built.observations, base=tuple(base))


def load_plan(path: str, shown: str) -> Any:
    """The plan as parsed JSON; a binary plan goes through `terraform show -json` first."""
    raw = read_bytes(path, shown=shown, expected="a plan file")
    if raw.startswith(ZIP_MAGIC):
        text = show_json(path, shown)
    else:
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InputError(
                "neither plan JSON nor a binary Terraform plan: give the output of "
                "terraform show -json PLANFILE, or the plan file",
                file=shown,
            ) from exc
    try:
        data = json.loads(text, parse_constant=_constant, parse_float=_float)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"not JSON ({exc.msg}): give the output of terraform show -json PLANFILE, "
            "or the binary plan file",
            file=shown,
            line=exc.lineno,
        ) from exc
    except RecursionError as exc:
        raise InputError("not JSON: nesting is too deep", file=shown) from exc
    except _Unreadable as exc:
        raise InputError(f"not JSON: {exc}", file=shown) from None
    except ValueError as exc:  # Python's own limit: an integer of more than 4,300 digits
        raise InputError("not JSON: a number has too many digits", file=shown) from exc
    if deeper_than(data):
        raise InputError(f"nesting is too deep (more than {MAX_DEPTH} levels)", file=shown)
    if _SURROGATE_ESCAPE.search(text):
        # JSON may escape half of a UTF-16 pair alone ("\ud800"), which no text can be written
        # with; Go (terraform, the API server) reads it as U+FFFD, and so does this.
        data = json.loads(_LONE_SURROGATE.sub("\ufffd", json.dumps(data, ensure_ascii=False)))
    return data


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class _Unreadable(ValueError):
    """A number the JSON report could not write back (the message quotes no value)."""


def _constant(name: str) -> float:
    """NaN and Infinity are not JSON (Python reads them; Go, so terraform, never writes them)."""
    raise _Unreadable(f"{name} is not a number")


def _float(text: str) -> float:
    value = float(text)
    if math.isinf(value):  # 1e999
        raise _Unreadable("a number is too large")
    return value


def show_json(path: str, shown: str) -> str:
    """`terraform show -json` of a binary plan, run in the plan's folder."""
    terraform = which("terraform")
    if terraform is None:
        name = os.path.basename(path)
        raise InputError(
            f"a binary Terraform plan, and terraform is not on PATH: run "
            f"`terraform show -json {name} > plan.json` where the plan was made and give plan.json",
            file=shown,
        )
    absolute = os.path.abspath(path)
    command = [terraform, "show", "-json", "-no-color", absolute]
    try:
        return run_tool(command, cwd=os.path.dirname(absolute), timeout=SHOW_TIMEOUT, file=shown)
    except ToolError as exc:
        if exc.returncode is None:  # not found, not executable, timed out: already clear
            raise
        reason = " | ".join(filter(None, (_BOX.sub("", line) for line in exc.stderr)))
        raise InputError(
            f"terraform show -json failed: {reason or exc.detail} (run it in the folder where the "
            "plan was made, after terraform init)",
            file=shown,
        ) from exc
