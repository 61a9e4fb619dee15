"""Match desired objects with live ones and give each a verdict."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from drift_action.compare.diff import FieldDiff, QuantityParser
from drift_action.compare.extras import extra_objects
from drift_action.compare.helm_record import Applied, applied_by_helm, removed_by_record
from drift_action.compare.managed_fields import carries_managed_fields, parse_entries
from drift_action.compare.managers import ManagerClasses
from drift_action.compare.marks import Resolved, hint, resolve
from drift_action.compare.normalize import LAST_APPLIED, align_secret_data, comparable, is_secret
from drift_action.compare.ownership import Owners, applied_not_in_desired
from drift_action.compare.rules import IgnoreRule, SeverityRule, first_ignoring, severity_of
from drift_action.compare.set_aside import Context, Subject, hpa_replicas, set_aside
from drift_action.compare.set_aside.encrypted import strip_sops_block
from drift_action.core.model import (
    Change,
    ChangeType,
    FieldOwnership,
    KubeObject,
    Normalization,
    Report,
    ResourceKey,
    ResourceResult,
    Status,
    Unreadable,
)
from drift_action.core.selector import Selector

REDACTED = "(hidden)"


@dataclass(frozen=True)
class Settings:
    """How to compare: everything the user can configure, plus the quantity parser."""

    parse_quantity: QuantityParser | None = None
    managers: ManagerClasses = field(default_factory=ManagerClasses)
    aggregated_cluster_roles: bool = True
    injected_ca_bundles: bool = True
    ignore: tuple[IgnoreRule, ...] = ()
    severity: tuple[SeverityRule, ...] = ()
    # Found by compare() in the live objects, not configured: Helm's record of what it applied.
    helm_applied: Mapping[ResourceKey, Applied] = field(default_factory=dict)


def compare(
    desired: Sequence[KubeObject],
    live: Sequence[KubeObject],
    *,
    selector: Selector | None = None,
    warnings: Sequence[str] = (),
    settings: Settings | None = None,
    unreadable: Unreadable | None = None,
) -> Report:
    """A verdict per desired object (and extras); `unreadable` live state makes errors."""
    settings = settings or Settings()
    unreadable = unreadable or Unreadable()
    context = Context(
        hpa_replicas.targets(list(desired) + list(live)),
        settings.aggregated_cluster_roles,
        settings.injected_ca_bundles,
    )
    live_by_key = {obj.key: obj for obj in live}
    helm_applied, record_warnings = applied_by_helm(desired, live, unreadable.records)
    settings = replace(settings, helm_applied=helm_applied)
    notes = [*warnings, *record_warnings]
    results = []
    for obj in desired:
        reason = unreadable.reason(obj.key)
        if reason is not None and obj.key not in live_by_key:
            results.append(
                ResourceResult(obj.key, obj.api_version, Status.ERROR, obj.source, message=reason)
            )
            continue
        result, more = _verdict(obj, live_by_key.get(obj.key), settings, context)
        results.append(result)
        notes.extend(more)
    extras = extra_objects(desired, live, selector, notes)
    results.extend(
        ResourceResult(obj.key, obj.api_version, Status.EXTRA, obj.source, message=why)
        for obj, why in extras.found
    )
    return Report(
        tuple(results),
        tuple(notes),
        field_ownership(desired, live_by_key),
        extras_checked=extras.checked,
    )


def field_ownership(
    desired: Sequence[KubeObject], live_by_key: Mapping[ResourceKey, KubeObject]
) -> FieldOwnership:
    """Which live objects compared with a desired one lack managedFields (extras are not
    compared field by field, so they do not count)."""
    compared = {obj.key: live_by_key[obj.key] for obj in desired if obj.key in live_by_key}
    without = sorted(key for key, obj in compared.items() if not carries_managed_fields(obj.body))
    return FieldOwnership(len(compared), tuple(without))


def _verdict(
    desired: KubeObject, live: KubeObject | None, settings: Settings, context: Context
) -> tuple[ResourceResult, list[str]]:
    if live is None:
        _, known_later = resolve(desired).screen((), redact)  # values known after apply
        return ResourceResult(
            desired.key,
            desired.api_version,
            Status.MISSING,
            desired.source,
            message=hint(desired, Status.MISSING),
            normalized=tuple(known_later),
        ), []
    try:
        return _compare_one(desired, live, settings, context)
    except Exception as exc:
        # Only the type: an exception's text could quote a Secret value.
        message = f"cannot compare: internal error {type(exc).__name__}"
        return ResourceResult(
            desired.key, desired.api_version, Status.ERROR, desired.source, message=message
        ), []


# The stages of comparing one desired object with its live object. Each takes the record the
# stage before it made and returns the next: normalized pair -> raw changes -> classified
# changes -> ruled result. The marks (Terraform's sensitive and unknown values) are resolved
# once, in the pair, and read by the stages that need them.


@dataclass(frozen=True)
class Pair:
    """Both sides normalized the same way, ready to diff."""

    desired: KubeObject
    live: KubeObject
    want: Mapping[str, Any]  # the desired body, as compared
    have: Mapping[str, Any]  # the live body, as compared
    marks: Resolved
    notes: tuple[Normalization, ...]  # what normalizing set aside (a SOPS block)


@dataclass(frozen=True)
class RawChanges:
    """Every field where the two sides differ, and the fields Git dropped or never had."""

    pair: Pair
    changes: tuple[Change, ...]
    notes: tuple[Normalization, ...]
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class Classified:
    """The changes that are drift, attributed; what other owners explain is set aside."""

    pair: Pair
    changes: tuple[Change, ...]
    notes: tuple[Normalization, ...]
    warnings: tuple[str, ...]


def _compare_one(
    desired: KubeObject, live: KubeObject, settings: Settings, context: Context
) -> tuple[ResourceResult, list[str]]:
    pair = normalize_pair(desired, live)
    classified = classify(diff_pair(pair, settings), settings, context)
    return rule(classified, settings)


def normalize_pair(desired: KubeObject, live: KubeObject) -> Pair:
    key = desired.key
    want = comparable(key, desired.body, desired=True)
    have = comparable(key, live.body, desired=False)
    notes = strip_sops_block(want)
    if is_secret(key):
        align_secret_data(want, have)
    return Pair(desired, live, want, have, resolve(desired), tuple(notes))


def diff_pair(pair: Pair, settings: Settings) -> RawChanges:
    """Field by field, then ownership: who wrote each live value, what was added by hand, and
    what the last apply set that Git no longer does."""
    key = pair.desired.key
    fields = FieldDiff(key.kind, settings.parse_quantity)
    changes = fields.changes(pair.want, pair.have)
    entries, problems = parse_entries(pair.live.body)
    owners = Owners(key.kind, tuple(entries), pair.have, settings.managers)
    changes = [
        c if c.type is ChangeType.MISSING else replace(c, attribution=owners.attribution(c.path))
        for c in changes
    ]
    seen = {c.path for c in changes}
    removed, record_notes = _removed_since_last_apply(pair, settings.helm_applied.get(key))
    for change in owners.out_of_git(pair.want) + removed:
        if change.path not in seen:
            seen.add(change.path)
            changes.append(
                change
                if change.attribution
                else replace(change, attribution=owners.attribution(change.path))
            )
    warnings = tuple(f"{key}: {problem}" for problem in problems + fields.warnings)
    return RawChanges(pair, tuple(changes), (*fields.notes, *record_notes), warnings)


def classify(raw: RawChanges, settings: Settings, context: Context) -> Classified:
    """Set aside what is not drift (the `set_aside` rules: fields other owners keep, encrypted
    values, server defaults) and Terraform's unknown values; hide sensitive ones."""
    pair = raw.pair
    key = pair.desired.key
    changes, owned = set_aside(raw.changes, Subject(key, pair.want, pair.have, context))
    changes, marked = pair.marks.screen(changes, redact)
    if is_secret(key):
        changes = [redact(c) if c.path[:1] == ("data",) else c for c in changes]
    notes = (*raw.notes, *owned, *marked)
    warnings = tuple(pair.marks.hide_key_texts(warning) for warning in raw.warnings)
    return Classified(pair, tuple(changes), notes, warnings)


def rule(classified: Classified, settings: Settings) -> tuple[ResourceResult, list[str]]:
    """The user's ignore and severity rules, and the verdict."""
    pair = classified.pair
    key, desired = pair.desired.key, pair.desired
    kept, ignored = apply_rules(key, list(classified.changes), settings)
    status = Status.DRIFTED if kept else Status.IN_SYNC
    result = ResourceResult(
        key,
        desired.api_version,
        status,
        desired.source,
        tuple(kept),
        message=hint(desired, status),
        ignored=tuple(ignored),
        normalized=pair.marks.scrub((*pair.notes, *classified.notes)),
    )
    return result, list(classified.warnings)


def _removed_since_last_apply(
    pair: Pair, helm: Applied | None
) -> tuple[list[Change], list[Normalization]]:
    """Fields the last apply set that Git no longer sets: kubectl's annotation says what
    `kubectl apply` set, Helm's release record what `helm upgrade` set. A note names the
    record, so `--explain` shows what said the field was removed."""
    live, want, have = pair.live, pair.want, pair.have
    metadata = live.body.get("metadata")
    annotations = metadata.get("annotations") if isinstance(metadata, Mapping) else None
    text = annotations.get(LAST_APPLIED) if isinstance(annotations, Mapping) else None
    applied: Any = None
    if isinstance(text, str):
        try:
            applied = json.loads(text)
        except ValueError:
            applied = None
    if not isinstance(applied, Mapping) and helm is not None:
        # Helm's record read as kubectl's annotation is, with the same fast path; not where
        # normalizing set part of Git aside (a SOPS block), which the walk would then name.
        if not pair.notes and applied_as_is(helm.body, pair.desired.body, live.key):
            return [], []
        return removed_by_record(helm, live.key, have, want)
    if not isinstance(applied, Mapping) or applied_as_is(applied, pair.desired.body, live.key):
        return [], []  # the usual case, Git applied as it is: nothing dropped, no walk needed
    applied_cmp = comparable(live.key, applied, desired=True)
    return [
        Change(path, ChangeType.REMOVED, None, value)
        for path, value in applied_not_in_desired(live.key.kind, applied_cmp, have, want)
    ], []


def applied_as_is(applied: Mapping[str, Any], desired: Mapping[str, Any], key: ResourceKey) -> bool:
    """Whether kubectl's record is the Git object itself. `kubectl apply` records two things
    the manifest may not hold: `annotations: {}` (it empties the map to leave its own
    annotation out) and the namespace it applied in. Neither can name a removed field (the
    walk skips empty maps, and the namespace is identity), so only these two are forgiven."""
    if applied == desired:
        return True
    metadata = applied.get("metadata")
    want = desired.get("metadata")
    if not (isinstance(metadata, Mapping) and isinstance(want, Mapping)):
        return False
    kept = dict(metadata)
    if kept.get("annotations") == {} and "annotations" not in want:
        del kept["annotations"]
    if "namespace" not in want and key.namespace and kept.get("namespace") == key.namespace:
        del kept["namespace"]
    if len(kept) == len(metadata) or kept != want:
        return False
    return {**applied, "metadata": kept} == desired


def apply_rules(
    key: ResourceKey, changes: list[Change], settings: Settings
) -> tuple[list[Change], list[Change]]:
    kept: list[Change] = []
    ignored: list[Change] = []
    for change in changes:
        rated = replace(change, severity=severity_of(settings.severity, key, change))
        rule = first_ignoring(settings.ignore, key, rated)
        if rule is None:
            kept.append(rated)
        else:
            ignored.append(replace(rated, ignored_by=rule.name))
    kept.sort(key=lambda c: c.severity.rank)
    return kept, ignored


def redact(change: Change) -> Change:
    return replace(
        change,
        desired=REDACTED if change.desired is not None else None,
        live=REDACTED if change.live is not None else None,
        redacted=True,
    )
