"""What a Terraform source names: a plan, the namespace for objects without one, the limits and
path policy for its `helm_release` charts. Apart from the source, so that naming a plan does not
load the plan readers."""

from __future__ import annotations

from dataclasses import dataclass, field

from drift_action.core.bounds import RenderLimits
from drift_action.core.confine import PathPolicy


@dataclass(frozen=True)
class TerraformSpec:
    plan: str  # plan JSON or binary plan file
    namespace: str = "default"  # for kubernetes_manifest objects that name none
    limits: RenderLimits = field(default_factory=RenderLimits)  # for helm_release charts
    policy: PathPolicy = field(default_factory=PathPolicy)  # where helm_release charts may be

    @property
    def label(self) -> str:
        return f"terraform plan {self.plan}"
