"""The one Protocol every source renderer implements."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, TypeVar

from drift_action.core.model import Document, Observation


class SourceSpec(Protocol):
    """What to render; each source kind has its own frozen dataclass with these fields."""

    @property
    def namespace(self) -> str:
        """Namespace for namespaced objects that do not name one."""
        ...

    @property
    def label(self) -> str:
        """How to name this source in messages."""
        ...


@dataclass(frozen=True)
class Rendered:
    documents: tuple[Document, ...]
    warnings: tuple[str, ...] = ()
    observations: tuple[Observation, ...] = ()  # live state the source itself recorded
    # The desired state before this change, when the source records it itself (a Terraform
    # plan's prior state): used as the base instead of rendering the base commit. None: the
    # source records none.
    base: tuple[Document, ...] | None = None


SpecT_contra = TypeVar("SpecT_contra", contravariant=True)


class Renderer(Protocol[SpecT_contra]):
    def render(self, spec: SpecT_contra) -> Rendered: ...
