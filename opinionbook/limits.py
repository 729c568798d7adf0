"""The rate limits of the public pages (settings OPINION_BOOK_*; README, "The customer's side")."""

from django.conf import settings

from branchservice.client_ip import client_ip
from branchservice.ratelimit import Limit


def _limit(scope, name):
    count, minutes = settings.OPINION_BOOK_RATE_LIMITS[name]
    return Limit(scope, count, minutes * 60)


def submission_wait(request, book) -> int | None:
    """Count this submission; the seconds to wait if its address or its outlet is over the
    limit. An address already refused is not counted against the outlet."""
    wait = _limit("book-address", "per_address").hit(client_ip(request) or "-")
    if wait is None:
        wait = _limit("book-outlet", "per_outlet").hit(str(book.outlet_id))
    return wait


def lookup_wait(request) -> int | None:
    """Count this lookup; the seconds to wait if its address is over the limit."""
    return _limit("lookup-address", "lookup_per_address").hit(client_ip(request) or "-")


def satisfaction_wait(request) -> int | None:
    """Count this visit of a satisfaction link; the seconds to wait if its address is over
    the lookup limit (both pages answer for a secret the customer holds)."""
    return _limit("satisfaction-address", "lookup_per_address").hit(client_ip(request) or "-")
