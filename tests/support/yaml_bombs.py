"""YAML that costs far more to load than to write, for the reader's tests and the CLI's."""

from __future__ import annotations

# "Billion laughs": nine anchors, each nine aliases of the one before: 9**9 `lol`s once expanded.
LAUGHS = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{name}: &{name} [{', '.join([f'*{prev}'] * 9)}]\n"
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True)
)
