"""A scanner for the tests of the generic machinery: it reminds of whatever the test puts in
DUE, about branches (a real model; the complaint and checklist scans have their own tests).
A deactivated branch counts as settled, like an answered complaint."""

from standards.reminders import Kind as StandardsKind

KINDS = (StandardsKind.CHECKLIST,)
DUE: list = []


def scan(*, now, directory):
    return list(DUE)


def still_due(notification, target):
    return None if target.is_active else f"{target} was closed."
