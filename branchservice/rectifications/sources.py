"""Where rectifications come from: each domain app registers its kinds of finding at start-up.

The ground names no domain app. A domain app declares its source kinds (a complaint, a failed
checklist item, an inspection finding) with a label, and may give a hook that the services
call, in their transaction, after every step of a rectification raised from that kind (the
complaints app writes the complaint's timeline with it). Rectification.source_kind takes its
choices from here through a callable, so a new kind needs no migration.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class SourceKind:
    value: str
    label: Any
    # on_step(rectification, *, step, user, note, now): runs after each step (raise, complete,
    # verify, reject, reassign, cancel) inside the step's transaction.
    on_step: Callable[..., None] | None = None


_KINDS: dict[str, SourceKind] = {}


def register_source(kind: SourceKind) -> SourceKind:
    _KINDS[kind.value] = kind
    return kind


def source_choices() -> list[tuple[str, Any]]:
    return [(kind.value, kind.label) for kind in _KINDS.values()]


def source_kind(value: str) -> SourceKind | None:
    return _KINDS.get(value)
