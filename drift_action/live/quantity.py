"""Kubernetes quantities (`500m`, `1Gi`), parsed by the kubernetes client's own parser.

Kept at the edge so the pure comparison never imports the kubernetes package; the pipeline
hands the parser in.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any


def parse_quantity(value: Any) -> Decimal:
    from kubernetes.utils.quantity import parse_quantity as parse  # noqa: PLC0415 - slow import

    result: Decimal = parse(value)  # type: ignore[no-untyped-call]
    return result
