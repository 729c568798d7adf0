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
    # Whether an outside firm's inspector (User.firm) reads rectifications of this kind: those
    # raised from the visits such a firm makes, never a complaint's nor the outlet's own checks.
    shown_to_firms: bool = False


_KINDS: dict[str, SourceKind] = {}


def register_source(kind: SourceKind) -> SourceKind:
    _KINDS[kind.value] = kind
    return kind


def source_choices() -> list[tuple[str, Any]]:
    return [(kind.value, kind.label) for kind in _KINDS.values()]


def source_kind(value: str) -> SourceKind | None:
    return _KINDS.get(value)


def for_user(queryset, user):
    """The rectifications of `queryset` that `user` may read beyond their branch scope: all,
    but for an outside firm's inspector only the kinds shown to firms. The admin's list and
    pages and the export (ExportSpec.restrict) both go through it."""
    if getattr(user, "firm_id", None) is None:
        return queryset
    return queryset.filter(source_kind__in=[k.value for k in _KINDS.values() if k.shown_to_firms])
