"""Queuing background work: the one rule every service follows.

A service queues a Celery task **by its name** (`queue(name, ...)`), never by importing the
task's module: the task modules import their services, so services and tasks never import
each other both ways (no import cycle, and a service module loads without Celery tasks).
Each task module declares its name from the constant its service module defines, so a name
cannot drift; a signature by name still runs eagerly in unit tests like a direct call.
"""

from celery import current_app


def queue(name: str, *args, **options):
    """Send the task called `name` with positional `args` (options as for apply_async)."""
    return current_app.signature(name, args=args).apply_async(**options)
