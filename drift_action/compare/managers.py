"""Who is who among field managers: the tools that deploy Git, people, and controllers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from functools import lru_cache

from drift_action.core.model import Actor

# Managers that apply the desired state from Git.
DEPLOYERS: tuple[str, ...] = (
    "helm",
    "kubectl-client-side-apply",
    "kubectl",
    "kubectl-create",
    "kubectl-replace",
    "before-first-apply",
    "argocd-controller",
    "argocd-application-controller",
    "kustomize-controller",
    "helm-controller",
    "Terraform",
    "terraform*",
    "pulumi-kubernetes*",
    "drift-action",
)
# Managers behind which a person changes the cluster by hand.
HUMANS: tuple[str, ...] = (
    "kubectl-edit",
    "kubectl-patch",
    "kubectl-set",
    "kubectl-scale",
    "kubectl-label",
    "kubectl-annotate",
    "kubectl-rollout",
    "kubectl-taint",
    "kubectl-expose",
    "kubectl-run",
    "dashboard",
    "kubernetes-dashboard",
    "k9s",
    "lens*",
    "Lens*",
    "headlamp*",
)
# Managers of the control plane and of operators: they write fields legitimately.
CONTROLLERS: tuple[str, ...] = (
    "kube-controller-manager",
    "kube-scheduler",
    "kubelet",
    "kube-apiserver",
    "cainjector",
    "cert-manager*",
    "external-secrets*",
    "*-controller",
    "*-controller-manager",
    "*-operator",
    "*-webhook",
)


@dataclass(frozen=True)
class ManagerClasses:
    """Glob lists; the user's additions come first so they win over the built-in ones."""

    deployers: tuple[str, ...] = DEPLOYERS
    humans: tuple[str, ...] = HUMANS
    controllers: tuple[str, ...] = CONTROLLERS

    @classmethod
    def with_additions(
        cls,
        deployers: Sequence[str] = (),
        humans: Sequence[str] = (),
        controllers: Sequence[str] = (),
    ) -> ManagerClasses:
        return cls((*deployers, *DEPLOYERS), (*humans, *HUMANS), (*controllers, *CONTROLLERS))

    def classify(self, manager: str) -> Actor:
        return _classify(self.deployers, self.humans, self.controllers, manager)


# Asked for every managedFields entry of every object, of a handful of distinct managers.
@lru_cache(maxsize=1024)
def _classify(
    deployers: tuple[str, ...], humans: tuple[str, ...], controllers: tuple[str, ...], manager: str
) -> Actor:
    for actor, globs in (
        (Actor.DEPLOYER, deployers),
        (Actor.HUMAN, humans),
        (Actor.CONTROLLER, controllers),
    ):
        if any(fnmatchcase(manager, glob) for glob in globs):
            return actor
    return Actor.UNKNOWN
