"""Reference data read from Django's cache (shared by web, worker and beat processes) under a
version number that any change to the data moves on: the calendar's overrides
(branchservice.calendar) and the deadline policy (complaints.models.DeadlinePolicy).

A reader reads the version first and caches what it reads under it, so a reader that read the
rows before an edit committed caches them under a version nobody asks for again. A new version
rather than deleting keys: the reader knows which keys it wrote, the edit does not.
"""

from django.core.cache import cache
from django.db import transaction


class VersionedCache:
    """The version of one kind of cached data, kept under `version_key`."""

    def __init__(self, version_key: str):
        self.version_key = version_key

    def version(self) -> int:
        """The version to read (and cache) the data under now."""
        return cache.get_or_set(self.version_key, 1, timeout=None)

    def forget(self) -> None:
        """Make what is cached stale, for a save or delete of the data's rows. Once now, for
        this transaction's own reads, and once after the commit: another process reading
        between the two cached what it saw before the commit under the first new version."""
        self._bump()
        transaction.on_commit(self._bump)

    def _bump(self) -> None:
        try:
            cache.incr(self.version_key)
        except ValueError:  # a cleared cache: past the 1 that version() starts from
            cache.set(self.version_key, 2, timeout=None)
