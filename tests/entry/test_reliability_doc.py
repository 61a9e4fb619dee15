"""docs/reliability.md stays true: every table row names tests, and every test it names exists
(with the parameter ids it quotes), so a renamed or deleted test cannot leave a claim behind."""

from __future__ import annotations

import re

from support import ROOT

DOC = ROOT / "docs" / "reliability.md"
HEADER = "| case | what drift-action does | test |"
# Tables of cases a real server could show carry a fourth column: proven against the real
# kube-apiserver (naming the tests/realserver test), emulator only (saying why), or n/a.
REAL_HEADER = HEADER + " real API server |"
REFERENCE = re.compile(r"`(tests/[\w/]+\.py)::(\w+)`")
PARAMETER_ID = re.compile(r"\(`([\w.-]+)`\)")


def rows() -> list[list[str]]:
    """The cells of every row of every case table."""
    found: list[list[str]] = []
    in_table = False
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if line.strip() in (HEADER, REAL_HEADER):
            in_table = True
        elif in_table and line.startswith("| ---"):
            continue
        elif in_table and line.startswith("|"):
            found.append([cell.strip() for cell in line.strip().strip("|").split(" | ")])
        else:
            in_table = False
    return found


def test_every_row_has_a_case_a_behaviour_and_tests() -> None:
    table = rows()
    assert len(table) >= 40
    for cells in table:
        assert len(cells) in (3, 4) and all(cells), cells
        assert REFERENCE.search(cells[2]), cells


def test_the_real_server_column_proves_with_a_real_server_test_or_says_why_not() -> None:
    real = [cells for cells in rows() if len(cells) == 4]
    assert len(real) >= 25
    proven = 0
    for cells in real:
        verdict = cells[3]
        named = REFERENCE.findall(verdict)
        assert named or verdict.startswith(("emulator only: ", "n/a: ")), cells
        assert all(path.startswith("tests/realserver/") for path, _ in named), cells
        proven += bool(named)
    assert proven >= 8


def test_every_named_test_exists() -> None:
    for cells in rows():
        files = []
        for path, name in REFERENCE.findall(" ".join(cells[2:])):
            source = (ROOT / path).read_text(encoding="utf-8")
            assert re.search(rf"^def {name}\(", source, re.MULTILINE), f"{path}::{name}"
            files.append(source)
        for parameter in PARAMETER_ID.findall(cells[2]):
            assert any(f'"{parameter}"' in source for source in files), (parameter, cells[2])
