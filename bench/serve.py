"""The Kubernetes API emulator in its own process, so its threads never share the GIL of the
process being measured.

    python bench/serve.py --live /tmp/bench/live.json --kubeconfig /tmp/bench/config \
        [--latency-ms 20]

Prints `ready <url>` once the kubeconfig is written, then answers one line per command read
on standard input:

    latency <ms>   -> ok             (set the latency added to every request)
    reset          -> ok             (forget the requests served so far)
    stats          -> {"discovery": n, "list": n, "records": n, "get": n, "other": n,
                       "errors": n}   (records: LISTs of Helm's release records, by label)
    quit           -> (exits)
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from support.kube_emulator import KubeEmulator, RequestRecord

KINDS_OF_REQUEST = ("discovery", "list", "records", "get", "other")


def classify(method: str, path: str) -> str:
    """discovery (/api, /apis, a group version), list (a collection), get (one object)."""
    parts = [p for p in path.split("/") if p]
    if method != "GET" or not parts or parts[0] not in ("api", "apis"):
        return "other"
    rest = parts[2:] if parts[0] == "api" else parts[3:]
    if (parts[0] == "api" and len(parts) <= 2) or (parts[0] == "apis" and len(parts) <= 3):
        return "discovery"
    if rest[0] == "namespaces" and len(rest) >= 3:
        rest = rest[2:]
    if len(rest) == 1:
        return "list"
    return "get" if len(rest) == 2 else "other"


def summarize(records: Iterable[RequestRecord]) -> dict[str, int]:
    counts: Counter[str] = Counter({kind: 0 for kind in KINDS_OF_REQUEST})
    errors = 0
    for record in records:
        kind = classify(record.method, record.path)
        if kind == "list" and record.query.get("labelSelector", "").startswith("owner=helm,"):
            kind = "records"  # Helm's release records, listed by label (live/helm_records.py)
        counts[kind] += 1
        errors += not 200 <= record.status < 300
    return {**counts, "errors": errors}


def load(path: Path) -> list[dict[str, Any]]:
    data = json.loads(path.read_text())
    items: list[dict[str, Any]] = data["items"] if data.get("kind") == "List" else [data]
    return items


def answer(emulator: KubeEmulator, line: str) -> str | None:
    """The reply to one command; None means quit."""
    command, _, argument = line.strip().partition(" ")
    if command == "quit":
        return None
    if command == "latency":
        emulator.latency = float(argument) / 1000
        return "ok"
    if command == "reset":
        emulator.reset_requests()
        return "ok"
    if command == "stats":
        return json.dumps(summarize(emulator.requests))
    return f"error unknown command {command!r}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="serve generated live objects")
    parser.add_argument("--live", type=Path, required=True, help="JSON List of live objects")
    parser.add_argument("--kubeconfig", type=Path, required=True, help="kubeconfig to write")
    parser.add_argument("--latency-ms", type=float, default=0.0)
    args = parser.parse_args(argv)
    with KubeEmulator(load(args.live), latency=args.latency_ms / 1000) as emulator:
        emulator.write_kubeconfig(args.kubeconfig)
        print(f"ready {emulator.url}", flush=True)
        for line in sys.stdin:
            reply = answer(emulator, line)
            if reply is None:
                break
            print(reply, flush=True)


if __name__ == "__main__":
    main()
