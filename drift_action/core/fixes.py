"""Records for the fix a report prints under each drifted object: where the object came from
(`Origin`, attached to its `SourceLocation`) and the commands that apply Git again
(`Remediation`, attached to its `ResourceResult`)."""

from __future__ import annotations

import enum
from dataclasses import dataclass

# Stands for a value a command needs but a report never prints (a Helm `--set` value).
HIDDEN_VALUE = "<hidden>"


class OriginKind(enum.Enum):
    MANIFESTS = "manifests"  # a YAML/JSON file, applied as it is
    KUSTOMIZE = "kustomize"  # a kustomization folder
    HELM = "helm"  # a chart, with its release and values


@dataclass(frozen=True)
class Origin:
    """Which source declared an object, with what the command that deploys it again needs.

    Paths are as reports show them (relative to the working directory). Terraform needs no
    origin: its objects' `SourceLocation.address` names the resource.
    """

    kind: OriginKind
    source: str  # the source's label: objects with the same one were deployed together
    path: str = ""  # the kustomization folder, or the chart
    release: str = ""
    namespace: str = ""  # Helm's release namespace
    values: tuple[str, ...] = ()  # values files, in order
    set: tuple[str, ...] = ()  # --set expressions
    set_string: tuple[str, ...] = ()  # --set-string expressions


class FixKind(enum.Enum):
    APPLY = "apply"  # kubectl apply (-f FILE or -k DIR)
    HELM = "helm"  # helm upgrade
    TERRAFORM = "terraform"  # terraform plan, then apply


Command = tuple[str, ...]  # an argv list


@dataclass(frozen=True)
class Remediation:
    """What to run to make the live object match Git again: `command`, then each of `then` in
    order (fields added outside Git, which applying Git leaves in place)."""

    kind: FixKind
    command: Command
    then: tuple[Command, ...] = ()
    # Some arguments are HIDDEN_VALUE in place of values a report never prints: fill them in.
    redacted: bool = False

    @property
    def commands(self) -> tuple[Command, ...]:
        return (self.command, *self.then)
