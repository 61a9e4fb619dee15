"""The real control plane itself: the pinned version answers, and its audit log records requests."""

from __future__ import annotations

from support.real_apiserver import ControlPlane, pinned
from support.real_apiserver.cluster import RealCluster


def test_the_pinned_version_serves_and_its_audit_log_records_each_request(
    control_plane: ControlPlane, real: RealCluster
) -> None:
    from kubernetes import client

    version = client.VersionApi(real.api).get_code()
    assert version.git_version == pinned("k8s.io/kubernetes")

    namespace = real.namespace("plane")
    created = [
        e for e in control_plane.audit_events("admin")
        if e["verb"] == "create" and e.get("objectRef", {}).get("name") == namespace
    ]  # fmt: skip
    assert [e["responseStatus"]["code"] for e in created] == [201]
