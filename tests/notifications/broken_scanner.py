"""A scanner that fails, as a bug or bad data would make one fail."""

KINDS = ()


def scan(*, now, directory):
    raise RuntimeError("bad data")


def still_due(notification, target):
    return None
