"""Fields the API server fills with a fixed default when an object leaves them unset.

When Git stops setting such a field and the live value is the default, the next apply leaves
the field exactly as it is: the server defaults it again. That is not drift. The table holds
only defaults that do not depend on other fields (imagePullPolicy, which depends on the tag,
is not here).
"""

from __future__ import annotations

from typing import Any

from drift_action.core.model import Change, ChangeType
from drift_action.core.paths import ListKey, Path

ID = "server-default"

# (parent field, field) -> default; the parent is the list or map the field sits in.
_ITEM_DEFAULTS: dict[tuple[str, str], Any] = {
    ("ports", "protocol"): "TCP",
    ("containers", "terminationMessagePath"): "/dev/termination-log",
    ("containers", "terminationMessagePolicy"): "File",
    ("initContainers", "terminationMessagePath"): "/dev/termination-log",
    ("initContainers", "terminationMessagePolicy"): "File",
}
# Fields of a pod spec, and of a Service spec.
_SPEC_DEFAULTS: dict[str, Any] = {
    "restartPolicy": "Always",
    "dnsPolicy": "ClusterFirst",
    "schedulerName": "default-scheduler",
    "terminationGracePeriodSeconds": 30,
    "sessionAffinity": "None",
}


def default_for(path: Path) -> tuple[bool, Any]:
    """Whether `path` has a fixed server default, and the default."""
    if len(path) >= 3 and isinstance(path[-2], ListKey | int):
        parent, name = path[-3], path[-1]
        if isinstance(parent, str) and isinstance(name, str) and (parent, name) in _ITEM_DEFAULTS:
            return True, _ITEM_DEFAULTS[(parent, name)]
    if len(path) >= 2 and path[-2] == "spec" and path[-1] in _SPEC_DEFAULTS:
        return True, _SPEC_DEFAULTS[str(path[-1])]
    return False, None


def check(change: Change, subject: object) -> str | None:
    known, default = default_for(change.path)
    if change.type is ChangeType.REMOVED and known and change.live == default:
        return f"Git no longer sets it and the API server defaults it to {default!r}"
    return None
