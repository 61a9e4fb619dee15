"""How messages name the user's options: flags on the command line, inputs in the action.

A message that tells the user what to change must use the words they typed: `--kustomize DIR`
in a terminal, the `kustomize` input in a workflow. Options are keyed by their action input
name; the command line's flag is the same name with dashes (`helm_chart`: `--helm-chart`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Wording:
    action: bool = False  # False: the command line

    def option(self, key: str) -> str:
        """One option, as in "--kustomize" or "input kustomize"."""
        return f"input {key}" if self.action else _flag(key)

    def choices(self, *keys: str) -> str:
        """What to set, one of several: "give --a, --b or --c" / "set the a, b or c input"."""
        if self.action:
            return f"set the {_listed(list(keys))} input"
        return f"give {_listed([_flag(key) for key in keys])}"

    def enable(self, key: str) -> str:
        """How to turn a switch on: "pass --allow-empty" / "set input allow_empty to true"."""
        return f"set input {key} to true" if self.action else f"pass {_flag(key)}"

    def with_value(self, key: str, value: str) -> str:
        """An option and what to give it: "--kustomize DIR" / "the kustomize input (DIR)"."""
        return f"the {key} input ({value})" if self.action else f"{_flag(key)} {value}"


CLI = Wording()
ACTION = Wording(action=True)


def _flag(key: str) -> str:
    return "--" + key.replace("_", "-")


def _listed(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} or {items[-1]}"
