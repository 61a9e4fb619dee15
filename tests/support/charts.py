"""The real charts in tests/data/charts, with their dependencies put in charts/ as
`helm dependency build` leaves them (here from the copies, offline)."""

from __future__ import annotations

import shutil
from pathlib import Path

from support import DATA

CHARTS = DATA / "charts"
PROMETHEUS_CHARTS = CHARTS / "prometheus-community__helm-charts" / "charts"
BITNAMI = CHARTS / "bitnami__charts" / "bitnami"
HELLO_WORLD = CHARTS / "helm__examples" / "charts" / "hello-world"
PROMETHEUS_DEPENDENCIES = (
    "alertmanager",
    "kube-state-metrics",
    "prometheus-node-exporter",
    "prometheus-pushgateway",
)


def vendor_charts(root: Path) -> Path:
    """`root`/prometheus, `root`/nginx and `root`/memcached, each ready to render."""
    prometheus = root / "prometheus"
    shutil.copytree(PROMETHEUS_CHARTS / "prometheus", prometheus)
    for dependency in PROMETHEUS_DEPENDENCIES:
        shutil.copytree(PROMETHEUS_CHARTS / dependency, prometheus / "charts" / dependency)
    for chart in ("nginx", "memcached"):
        shutil.copytree(BITNAMI / chart, root / chart)
        shutil.copytree(BITNAMI / "common", root / chart / "charts" / "common")
    return root
