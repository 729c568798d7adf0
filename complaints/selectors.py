"""Reads of the complaint pages that are more than one queryset."""

from branchservice.scoping import scope_queryset

from .models import Complaint

# The change page lists this many of the customer's earlier entries (the newest).
HISTORY_SHOWN = 20


def customer_history(complaint: Complaint, user, *, limit: int = HISTORY_SHOWN) -> dict:
    """The same customer's earlier entries at every outlet `user` may see, newest first:
    matched on the keyed hashes of the phone and the document (never on the numbers), so the
    page shows them to a role that sees customer data masked without telling it any number.

    `complaint` may be unsaved: the add page asks while the phone and ID are typed in, before
    the entry has a receipt time (then every earlier entry counts).

    One query whatever the customer's history holds (the entries with their outlet and
    reason, one more than `limit` to tell whether there are more)."""
    phone_key, id_key = complaint.customer_keys()
    earlier = scope_queryset(
        Complaint.objects.same_customer(phone_key=phone_key, id_key=id_key), user
    )
    if complaint.pk is not None:
        earlier = earlier.filter(received_at__lte=complaint.received_at).exclude(pk=complaint.pk)
    entries = list(
        earlier.select_related("branch", "reason")
        .only(
            "pk",
            "reference",
            "received_at",
            "kind",
            "status",
            "is_repeat",
            "complainants",
            "customer_phone_key",
            "customer_id_key",
            "branch__name",
            "reason__code",
            "reason__name",
        )
        .order_by("-received_at", "-pk")[: limit + 1]
    )
    more = len(entries) > limit
    entries = entries[:limit]
    for entry in entries:
        # What matched, in words the page can show: never the value itself.
        entry.same_phone = bool(phone_key) and entry.customer_phone_key == phone_key
        entry.same_document = bool(id_key) and entry.customer_id_key == id_key
    return {"entries": entries, "more": more, "looked_up": bool(phone_key or id_key)}
