"""Typed text a service is about to store: the one guard every app's services use.

The forms check what a user types, but a service called directly (an admin action, a task, a
test, a future API) would otherwise fail in the database (a NUL character: PostgreSQL refuses
it), or pass on SQLite and fail later on PostgreSQL, or be cut by a too-short column.
"""

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, ProhibitNullCharactersValidator


def unstorable_text(instance, *names) -> dict:
    """By field of `instance`, what its column cannot hold: text longer than its max_length,
    or with a NUL character."""
    errors = {}
    for name in names:
        max_length = instance._meta.get_field(name).max_length
        validators = [ProhibitNullCharactersValidator()]
        if max_length is not None:
            validators.append(MaxLengthValidator(max_length))
        for validate in validators:
            try:
                validate(getattr(instance, name) or "")
            except ValidationError as exc:
                errors.setdefault(name, []).extend(exc.messages)
    return errors


def refuse_unstorable_text(instance, *names) -> None:
    """A ValidationError by field if any of these fields' text cannot be stored."""
    errors = unstorable_text(instance, *names)
    if errors:
        raise ValidationError(errors)
