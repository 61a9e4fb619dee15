"""Kubernetes quantities (`500m`, `1Gi`), parsed by the kubernetes client's own parser.

Kept at the edge so the pure comparison never imports the kubernetes package; the pipeline
hands the parser in.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any


def parse_quantity(value: Any) -> Decimal:
    """`value` as a number: a string quantity (`200m`), or a YAML/JSON number (`0.2`), which the
    API server reads as the quantity written the same way."""
    from kubernetes.utils.quantity import parse_quantity as parse  # noqa: PLC0415 - slow import

    if isinstance(value, float):
        # As written, not as the binary float: 0.2 is 200m, not 0.2000000000000000111...
        value = format(Decimal(repr(value)), "f")

    result: Decimal = parse(value)  # type: ignore[no-untyped-call]
    return result
