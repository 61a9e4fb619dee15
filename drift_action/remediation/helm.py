"""`helm upgrade --install` of a release with the chart, values files and `--set` flags of the run
(`--install`: a release whose objects are all missing may not be installed at all, and a plain
upgrade of it fails).

The `--set` and `--set-string` values are never printed: in a workflow they are where secrets
go (`--set db.password=${{ secrets.DB }}`), and a report is published where GitHub masks
nothing. Each keeps its key, with HIDDEN_VALUE for the value, as a `--set` error names the key
and never the value.
"""

from __future__ import annotations

from drift_action.core.fixes import HIDDEN_VALUE, Command, Origin


def upgrade(origin: Origin) -> tuple[Command, bool]:
    """The command, and whether it holds placeholders to fill in."""
    argv = ["helm", "upgrade", "--install", origin.release, origin.path, "-n", origin.namespace]
    for values in origin.values:
        argv += ["-f", values]
    hidden = False
    for flag, expressions in (("--set", origin.set), ("--set-string", origin.set_string)):
        for expression in expressions:
            argv += [flag, _hide(expression)]
            hidden = True
    return tuple(argv), hidden


def _hide(expression: str) -> str:
    """`a.b=c,d.e=f` -> `a.b=<hidden>,d.e=<hidden>`; the keys stay, as the user wrote them.

    Helm splits pairs at commas outside braces and escapes with a backslash; a value's own
    commas (`a={x,y}`) are hidden with it.
    """
    out: list[str] = []
    depth = 0
    key: list[str] = []
    in_value = False
    escaped = False
    for char in expression:
        if escaped:
            escaped = False
            if not in_value:
                key.append(char)
            continue
        if char == "\\":
            escaped = True
            if not in_value:
                key.append(char)
            continue
        if in_value:
            if char == "{":
                depth += 1
            elif char == "}":
                depth = max(depth - 1, 0)
            elif char == "," and depth == 0:
                out.append("".join(key) + "=" + HIDDEN_VALUE)
                key, in_value = [], False
            continue
        if char == "=":
            in_value = True
        else:
            key.append(char)
    if key or in_value:
        out.append("".join(key) + ("=" + HIDDEN_VALUE if in_value else ""))
    return ",".join(out)
