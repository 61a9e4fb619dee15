"""The desired state: every source rendered at the head (the working directory), and, when a
base is asked for, at the base commit too."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from drift_action import sources
from drift_action.core.errors import DriftActionError, UsageError
from drift_action.core.model import Document, Observation
from drift_action.core.objects import RawObject, collect
from drift_action.sources import SourceSpec, TerraformSpec, string_fields
from drift_action.sources.origin import origin_of, with_origin
from drift_action.sources.reroot import main_paths, reroot, shown_as_head

log = logging.getLogger(__name__)

Objects = list[tuple[RawObject, str]]  # each with the namespace its source gives


@dataclass(frozen=True)
class BaseOptions:
    """Where the base's desired state comes from."""

    description: str  # how reports name it: "base commit 1a2b3c4"
    root: str | None = None  # the base checkout standing for the working directory
    # The base's own config file's sources; None: the run's sources, moved to `root`.
    sources: tuple[SourceSpec, ...] | None = None
    # Whether `root` is a checkout of the base commit for sure (made from a ref): a source
    # missing there is one the PR adds. A folder given by hand that holds none of the sources
    # is more likely the wrong folder.
    checked_out: bool = False


@dataclass
class Desired:
    objects: Objects = field(default_factory=list)
    observations: list[Observation] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    empty: list[SourceSpec] = field(default_factory=list)  # sources that gave no object
    base: Objects | None = None  # None: no base, or it could not be rendered
    # The kind of source each object body came from ("helm", "terraform", ...), by id(body):
    # a reconcile leaves Helm's and Terraform's objects to those tools.
    tools: dict[int, str] = field(default_factory=dict)


def render_head(
    specs: Sequence[SourceSpec], prepare: Prepare, rendered_one: Noted | None = None
) -> tuple[Desired, list[tuple[Document, str]]]:
    """Every source at the head; with the base documents sources carry themselves (plans).
    `rendered_one` is told each source's objects as soon as it is rendered."""
    desired = Desired()
    carried: list[tuple[Document, str]] = []
    if charts := sum(isinstance(s, sources.HelmSpec) and s.helm_binary is None for s in specs):
        from drift_action.core.helm_engine import warm_up  # noqa: PLC0415

        warm_up(charts)  # the engine loads while the sources before the first chart render
    for spec in (prepare(spec) for spec in specs):
        rendered = sources.render(spec)
        desired.warnings.extend(rendered.warnings)
        desired.observations.extend(rendered.observations)
        documents = with_origin(rendered.documents, origin_of(spec))  # for the fix's command
        found, more = collect(documents, strict=False)
        desired.warnings.extend(more)
        if not found and not rendered.observations:
            desired.empty.append(spec)
        desired.warnings.extend(string_fields.check(found))
        desired.objects.extend((obj, spec.namespace) for obj in found)
        if rendered_one is not None:
            rendered_one(spec, found)
        desired.tools.update((id(obj.body), type(spec).__name__) for obj in found)
        if rendered.base is not None:
            carried.extend((document, spec.namespace) for document in rendered.base)
    return desired, carried


Prepare = Callable[[SourceSpec], SourceSpec]
Noted = Callable[[SourceSpec, list[RawObject]], None]


def render_base(
    base: BaseOptions,
    head_specs: Sequence[SourceSpec],
    carried: Sequence[tuple[Document, str]],
    prepare: Prepare,
) -> tuple[Objects | None, list[str]]:
    """The base's objects, or None with a warning when a base render fails: the head's report
    still comes out, with today's classes. Setup mistakes (no such base folder) are errors."""
    moved = _moved(head_specs if base.sources is None else base.sources, base)
    objects: Objects = []
    for spec, namespace in moved:
        try:
            rendered = sources.render(prepare(spec))
        except DriftActionError as exc:
            return None, [
                f"the base could not be rendered ({base.description}): {exc}; every "
                "difference below is compared with the head alone, as without a base"
            ]
        documents = [shown_as_head(d, base.root or "") for d in rendered.documents]
        found, _ = collect(documents, strict=False)  # the head's render already warned
        objects.extend((obj, namespace) for obj in found)
    for document, namespace in carried:
        found, _ = collect([document], strict=False)
        objects.extend((obj, namespace) for obj in found)
    log.info("rendered %d objects at the base (%s)", len(objects), base.description)
    return objects, []


def _moved(specs: Sequence[SourceSpec], base: BaseOptions) -> list[tuple[SourceSpec, str]]:
    """The sources to render at the base (plans carry their own), moved to its folder; those
    missing there are new in the PR: all their objects are planned."""
    if base.root is None:
        return []
    if not os.path.isdir(base.root):
        raise UsageError(f"base folder {base.root}: not a folder; check out the base commit there")
    cwd = os.getcwd()
    present: list[tuple[SourceSpec, str]] = []
    missing: list[str] = []
    for spec in specs:
        if isinstance(spec, TerraformSpec):
            continue
        moved = reroot(spec, base.root, cwd)
        if all(os.path.lexists(path) for path in main_paths(moved)):
            present.append((moved, spec.namespace))
        else:
            missing.append(spec.label)
    if missing and not present and not base.checked_out:
        raise UsageError(
            f"base folder {base.root} holds none of the sources ({missing[0]} is not there): "
            "give the folder of a checkout of the base commit, or use a base ref"
        )
    for label in missing:
        log.info("%s is not in the base: the PR adds it, so all its objects are planned", label)
    return present
