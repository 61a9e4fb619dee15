"""RealCluster: makes and changes objects on the real API server the way real tools do, through the
`kubernetes` Python client, so each write leaves the managedFields entry that tool leaves.

- kubectl's client-side apply: a create (or update) carrying the last-applied annotation, field
  manager `kubectl-client-side-apply`, operation Update;
- server-side apply (`helm`, `argocd-controller`, `kustomize-controller`): operation Apply;
- `kubectl edit` (a PUT, manager `kubectl-edit`), `kubectl scale` (a merge patch of /scale,
  manager `kubectl-scale`, subresource scale) and `kubectl label` (a merge patch, `kubectl-label`);
- Helm 3's release record: a Secret `sh.helm.release.v1.<name>.v<N>` holding the gzipped,
  base64-encoded release JSON, labelled owner=helm, name, status, version.
"""

from __future__ import annotations

import base64
import copy
import gzip
import itertools
import json
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from kubernetes import client, config
from kubernetes.dynamic import DynamicClient

from .control_plane import ControlPlane

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
_names = itertools.count(1)


def unique(prefix: str) -> str:
    """Namespaces cannot be deleted without a controller manager: every test takes new ones."""
    return f"{prefix}-{next(_names)}-{int(time.time() * 1000) % 100000}"


class RealCluster:
    def __init__(self, plane: ControlPlane, workdir: Path) -> None:
        self.plane = plane
        self.admin_kubeconfig = plane.kubeconfig(workdir / "admin.kubeconfig")
        self.api = config.new_client_from_config(str(self.admin_kubeconfig))
        self.dynamic = DynamicClient(self.api)

    def close(self) -> None:
        self.api.close()

    # --- reading --------------------------------------------------------------------------------

    def resource(self, api_version: str, kind: str) -> Any:
        return self.dynamic.resources.get(api_version=api_version, kind=kind)

    def get(self, api_version: str, kind: str, name: str, namespace: str | None = None) -> Any:
        found = self.resource(api_version, kind).get(name=name, namespace=namespace)
        return found.to_dict()

    def snapshot(self, namespace: str, kinds: list[tuple[str, str]]) -> list[dict[str, Any]]:
        """What `kubectl get -o yaml` would save: every object of these kinds, managedFields kept."""
        objects: list[dict[str, Any]] = []
        for api_version, kind in kinds:
            listed = self.resource(api_version, kind).get(namespace=namespace).to_dict()
            for item in listed["items"]:
                objects.append({"apiVersion": api_version, "kind": kind, **item})
        return objects

    # --- writing as tools do ------------------------------------------------------------------

    def namespace(self, prefix: str = "t") -> str:
        name = unique(prefix)
        self.resource("v1", "Namespace").create(body={"metadata": {"name": name}})
        return name

    def client_side_apply(self, obj: Mapping[str, Any]) -> dict[str, Any]:
        body = copy.deepcopy(dict(obj))
        annotations = body.setdefault("metadata", {}).setdefault("annotations", {})
        annotations[LAST_APPLIED] = json.dumps(obj, sort_keys=True, separators=(",", ":"))
        meta = body["metadata"]
        created = self.resource(body["apiVersion"], body["kind"]).create(
            body=body, namespace=meta.get("namespace"), field_manager="kubectl-client-side-apply"
        )
        return dict(created.to_dict())

    def server_side_apply(self, obj: Mapping[str, Any], manager: str) -> dict[str, Any]:
        meta = obj["metadata"]
        applied = self.resource(obj["apiVersion"], obj["kind"]).server_side_apply(
            body=dict(obj), name=meta["name"], namespace=meta.get("namespace"),
            field_manager=manager, force_conflicts=True,
        )  # fmt: skip
        return dict(applied.to_dict())

    def edit(self, api_version: str, kind: str, name: str, namespace: str, change: Any) -> None:
        """`kubectl edit`: read, change in place, PUT back (manager kubectl-edit)."""
        body = self.get(api_version, kind, name, namespace)
        change(body)
        self.resource(api_version, kind).replace(
            body=body, name=name, namespace=namespace, field_manager="kubectl-edit"
        )

    def scale(self, api_version: str, kind: str, name: str, namespace: str, replicas: int) -> None:
        """`kubectl scale`: a merge patch of the /scale subresource (manager kubectl-scale)."""
        scale = self.resource(api_version, kind).subresources["scale"]
        scale.patch(
            body={"spec": {"replicas": replicas}}, name=name, namespace=namespace,
            content_type="application/merge-patch+json", field_manager="kubectl-scale",
        )  # fmt: skip

    def patch(
        self,
        api_version: str,
        kind: str,
        name: str,
        namespace: str | None,
        body: Mapping[str, Any],
        manager: str,
        content_type: str = "application/merge-patch+json",
    ) -> None:
        self.resource(api_version, kind).patch(
            body=dict(body), name=name, namespace=namespace,
            content_type=content_type, field_manager=manager,
        )  # fmt: skip

    def label(
        self, api_version: str, kind: str, name: str, namespace: str, labels: Mapping[str, str]
    ) -> None:
        """`kubectl label`: a merge patch of metadata.labels (manager kubectl-label)."""
        body = {"metadata": {"labels": dict(labels)}}
        self.patch(api_version, kind, name, namespace, body, "kubectl-label")

    def annotate(
        self, api_version: str, kind: str, name: str, namespace: str, notes: Mapping[str, str]
    ) -> None:
        """`kubectl annotate`: a merge patch of metadata.annotations (manager kubectl-annotate)."""
        body = {"metadata": {"annotations": dict(notes)}}
        self.patch(api_version, kind, name, namespace, body, "kubectl-annotate")

    def set_image(self, kind: str, name: str, namespace: str, container: str, image: str) -> None:
        """`kubectl set image`: a strategic merge patch keyed by container name (kubectl-set)."""
        body = {
            "spec": {"template": {"spec": {"containers": [{"name": container, "image": image}]}}}
        }
        strategic = "application/strategic-merge-patch+json"
        self.patch("apps/v1", kind, name, namespace, body, "kubectl-set", strategic)

    def helm_release(
        self, name: str, namespace: str, manifest: str, revision: int = 1, chart: str = "app"
    ) -> None:
        """Helm 3's storage driver `secret`: what `helm upgrade --install` leaves behind."""
        release = {
            "name": name,
            "namespace": namespace,
            "version": revision,
            "info": {"status": "deployed", "description": "Install complete"},
            "chart": {"metadata": {"name": chart, "version": "1.0.0"}},
            "config": {},
            "manifest": manifest,
        }
        payload = base64.b64encode(gzip.compress(json.dumps(release).encode())).decode()
        secret = {
            "apiVersion": "v1",
            "kind": "Secret",
            "type": "helm.sh/release.v1",
            "metadata": {
                "name": f"sh.helm.release.v1.{name}.v{revision}",
                "namespace": namespace,
                "labels": {
                    "owner": "helm",
                    "name": name,
                    "status": "deployed",
                    "version": str(revision),
                },
            },
            # The API stores .data base64-encoded: Helm's value is itself base64 text.
            "data": {"release": base64.b64encode(payload.encode()).decode()},
        }
        self.resource("v1", "Secret").create(body=secret, namespace=namespace, field_manager="helm")

    def create_crd(self, crd: Mapping[str, Any], timeout: float = 30.0) -> None:
        """Create a CRD and wait until it is Established and its kind is discoverable."""
        crds = self.resource("apiextensions.k8s.io/v1", "CustomResourceDefinition")
        crds.create(body=dict(crd))
        name = crd["metadata"]["name"]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status = crds.get(name=name).to_dict().get("status") or {}
            conditions = {c["type"]: c["status"] for c in status.get("conditions") or []}
            if conditions.get("Established") == "True":
                self.dynamic.resources.invalidate_cache()
                return
            time.sleep(0.2)
        raise TimeoutError(f"CRD {name} not Established in {timeout}s")

    def service_account_token(self, name: str, namespace: str) -> str:
        """A short-lived token for a ServiceAccount, as `kubectl create token` mints one."""
        core = client.CoreV1Api(self.api)
        request = client.AuthenticationV1TokenRequest(
            spec=client.V1TokenRequestSpec(audiences=[], expiration_seconds=3600)
        )
        answer = core.create_namespaced_service_account_token(name, namespace, request)
        return str(answer.status.token)

    def apply_file(self, path: Path, manager: str = "kubectl") -> None:
        """Every document of a YAML file, server-side applied (as `kubectl apply --server-side`)."""
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if doc:
                self.server_side_apply(doc, manager)
