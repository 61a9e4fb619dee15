"""deploy/rbac.yaml on the real API server: its documents renamed per test (the tier is shared by
one session, so every ClusterRole and binding gets a unique name and binds only this test's
ServiceAccount), applied as the admin, and a kubeconfig holding a real token for the account."""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from kubernetes import client

from support import ROOT
from support.kube_emulator.kubeconfig import write_kubeconfig

from .cluster import RealCluster
from .control_plane import ControlPlane

RBAC_FILE = ROOT / "deploy" / "rbac.yaml"
SERVER_SIDE_BLOCK = "drift-action-server-side"
Rules = list[dict[str, Any]]


def shipped_documents() -> list[dict[str, Any]]:
    """The file's active documents, as `kubectl apply -f` sees them."""
    text = RBAC_FILE.read_text(encoding="utf-8")
    return [doc for doc in yaml.safe_load_all(text) if doc]


def commented_documents(name: str) -> list[dict[str, Any]]:
    """The commented-out BEGIN name..END name block, uncommented as the file tells users to."""
    lines = RBAC_FILE.read_text(encoding="utf-8").splitlines()
    begin = lines.index(f"# BEGIN {name}")
    end = lines.index(f"# END {name}")
    block = [line.removeprefix("# ").removeprefix("#") for line in lines[begin + 1 : end]]
    docs = [doc for doc in yaml.safe_load_all("\n".join(block)) if doc]
    assert docs, f"the {name} block holds no documents"
    return docs


def server_side_documents() -> list[dict[str, Any]]:
    return commented_documents(SERVER_SIDE_BLOCK)


def account_name() -> str:
    """The file's ServiceAccount: the identity every binding in it names."""
    (name,) = [d["metadata"]["name"] for d in shipped_documents() if d["kind"] == "ServiceAccount"]
    return str(name)


def without_secrets(rules: Rules) -> Rules:
    """The reader role with its Secrets rule deleted, as the file's comment suggests."""
    kept = [rule for rule in rules if rule.get("resources") != ["secrets"]]
    assert len(kept) == len(rules) - 1, "deploy/rbac.yaml has no rule of its own for Secrets"
    return kept


@dataclass(frozen=True)
class Identity:
    namespace: str  # the ServiceAccount's own namespace
    name: str
    kubeconfig: Path
    token: str

    @property
    def username(self) -> str:
        return f"system:serviceaccount:{self.namespace}:{self.name}"


def _renamed(doc: dict[str, Any], namespace: str) -> dict[str, Any]:
    """Cluster-wide names suffixed with `namespace`; the ServiceAccount moved into it."""
    doc = copy.deepcopy(doc)
    meta = doc["metadata"]
    if doc["kind"] == "ServiceAccount":
        meta["namespace"] = namespace
        return doc
    meta["name"] = f"{meta['name']}-{namespace}"
    if doc["kind"] == "ClusterRoleBinding":
        doc["roleRef"]["name"] = f"{doc['roleRef']['name']}-{namespace}"
        for subject in doc["subjects"]:  # only the file's own account: nobody else gains rights
            assert (subject["kind"], subject["name"]) == ("ServiceAccount", account_name())
            subject["namespace"] = namespace
    return doc


def apply_rbac(real: RealCluster, docs: list[dict[str, Any]], namespace: str) -> None:
    """`kubectl apply` of the documents, renamed for the ServiceAccount in `namespace`."""
    for doc in docs:
        real.server_side_apply(_renamed(doc, namespace), "kubectl")


def service_account(real: RealCluster, namespace: str, workdir: Path) -> Identity:
    """A real token for the file's ServiceAccount in `namespace`, in a kubeconfig of its own."""
    account = account_name()
    token = real.service_account_token(account, namespace)
    kubeconfig = write_kubeconfig(
        workdir / f"{namespace}.kubeconfig", server=real.plane.server, context="drift",
        token=token, namespace=None, ca_file=str(real.plane.ca_file),
    )  # fmt: skip
    return Identity(namespace, account, kubeconfig, token)


def can(
    real: RealCluster, user: str, verb: str, resource: str, group: str = "", namespace: str = ""
) -> bool:
    """The real authorizer's answer (a SubjectAccessReview by the admin)."""
    review = client.V1SubjectAccessReview(
        spec=client.V1SubjectAccessReviewSpec(
            user=user,
            groups=["system:serviceaccounts", "system:authenticated"],
            resource_attributes=client.V1ResourceAttributes(
                verb=verb, group=group, resource=resource, namespace=namespace or None
            ),
        )
    )
    answer = client.AuthorizationV1Api(real.api).create_subject_access_review(review)
    return bool(answer.status.allowed)


def await_rbac(
    real: RealCluster,
    user: str,
    verb: str,
    resource: str,
    group: str = "",
    *,
    namespace: str = "",
    allowed: bool = True,
) -> None:
    """RBAC changes reach the authorizer through an informer: wait until this one has."""
    deadline = time.monotonic() + 20
    while can(real, user, verb, resource, group, namespace) != allowed:
        if time.monotonic() > deadline:
            raise TimeoutError(f"RBAC: {user} {verb} {group}/{resource} never became {allowed}")
        time.sleep(0.1)


def grant_secrets_in(real: RealCluster, identity: Identity, namespace: str) -> None:
    """docs/cluster-access.md's middle way: get and list on Secrets in one namespace only."""
    role = f"drift-action-secrets-{identity.namespace}"
    real.server_side_apply(
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "Role",
            "metadata": {"name": role, "namespace": namespace},
            "rules": [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get", "list"]}],
        },
        "kubectl",
    )
    real.server_side_apply(
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "RoleBinding",
            "metadata": {"name": role, "namespace": namespace},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": role},
            "subjects": [
                {"kind": "ServiceAccount", "name": identity.name, "namespace": identity.namespace}
            ],
        },
        "kubectl",
    )
    await_rbac(real, identity.username, "list", "secrets", namespace=namespace)


def reader(
    real: RealCluster, workdir: Path, *, secrets: bool = True, server_side: bool = False
) -> Identity:
    """deploy/rbac.yaml for a ServiceAccount in a namespace of its own: as shipped, without its
    Secrets rule (`secrets=False`), or with the commented-out server-side role enabled."""
    docs = shipped_documents() + (server_side_documents() if server_side else [])
    if not secrets:
        for doc in docs:
            if doc["metadata"]["name"] == "drift-action-reader" and doc["kind"] == "ClusterRole":
                doc["rules"] = without_secrets(doc["rules"])
    home = real.namespace("drift-sa")  # the file holds no Namespace: create it, as it says
    apply_rbac(real, docs, home)
    identity = service_account(real, home, workdir)
    await_rbac(real, identity.username, "list", "configmaps")
    await_rbac(real, identity.username, "list", "secrets", allowed=secrets)
    if server_side:
        await_rbac(real, identity.username, "patch", "deployments", "apps")
    return identity


def audit(plane: ControlPlane, user: str) -> list[tuple[str, str, int]]:
    """(verb, URI, status) of every request the real server answered for `user`, oldest first."""
    return [
        (e["verb"], e["requestURI"], e["responseStatus"]["code"]) for e in plane.audit_events(user)
    ]
