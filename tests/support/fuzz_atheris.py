"""Coverage-guided fuzzing of the YAML/JSON reader and the snapshot collector with atheris
(libFuzzer), seeded with the manifests in tests/data. On demand only (not collected by pytest):

    pip install atheris
    python tests/support/fuzz_atheris.py -atheris_runs=500000 -max_len=4096

The same rule as tests/core/test_fuzz_inputs.py: a result, or a `DriftActionError` with a one-line
message; anything else is a crash libFuzzer reports with the input that caused it.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import atheris

with atheris.instrument_imports(include=["drift_action"]):
    from drift_action.core.errors import DriftActionError
    from drift_action.core.objects import collect, live_objects
    from drift_action.core.yaml_docs import parse_documents

DATA = Path(__file__).resolve().parent.parent / "data"


def one_input(data: bytes) -> None:
    provider = atheris.FuzzedDataProvider(data)
    is_json = provider.ConsumeBool()
    text = provider.ConsumeUnicodeNoSurrogates(len(data))
    try:
        documents = parse_documents(text, "fuzz.json" if is_json else "fuzz.yaml", is_json=is_json)
        objects, _warnings = collect(documents, strict=True)
        live_objects(objects)
    except DriftActionError as exc:
        if "\n" in str(exc) or not str(exc).strip():
            raise AssertionError(f"not a one-line message: {exc!r}") from exc


def seed_corpus() -> str:
    """The YAML in tests/data as libFuzzer's corpus: a byte for "YAML" (even), a byte for
    "ASCII text" (odd: FuzzedDataProvider's own encoding), then the file."""
    folder = tempfile.mkdtemp(prefix="drift-fuzz-corpus-")
    for index, path in enumerate(sorted(DATA.rglob("*.yaml"))):
        text = path.read_bytes()
        if len(text) < 4096:
            (Path(folder) / f"seed-{index}").write_bytes(b"\x00\x01" + text)
    return folder


if __name__ == "__main__":
    arguments = sys.argv[:]
    if not any(not arg.startswith("-") for arg in arguments[1:]):
        arguments.append(seed_corpus())
    atheris.Setup(arguments, one_input)
    atheris.Fuzz()
