"""After a new SECRET_KEY the customer matching keys (keyed hashes under it) of the entries
stored before it match nothing registered since: `manage.py recompute_customer_keys` computes
them again, and the repeat flags with them."""

from django.core.management import call_command
from django.test import override_settings

from complaints.models import Complaint
from tests.complaints.conftest import at, register

NEW_KEY = "a-new-secret-key-for-production-0123456789-abcdefghijklmnop"


def test_entries_before_a_new_secret_key_match_again_once_recomputed(
    frozen, outlet_user, manager, org
):
    earlier = register(
        outlet_user, org.a, received_at=at(2026, 9, 1), customer_id_number="11010519491231002X"
    )
    with override_settings(SECRET_KEY=NEW_KEY):
        today = register(manager, org.a2)
        # The same phone under the new key: not found, not a repeat.
        assert not today.is_repeat
        assert not Complaint.objects.same_customer(
            phone_key=today.customer_phone_key, id_key=""
        ).filter(pk=earlier.pk)
        version = Complaint.objects.get(pk=earlier.pk).version
        history = earlier.history.count()
        call_command("recompute_customer_keys")
        recomputed = Complaint.objects.get(pk=earlier.pk)
        assert (recomputed.customer_phone_key, recomputed.customer_id_key) == (
            recomputed.customer_keys()
        )
        assert (
            recomputed.customer_phone_key == Complaint.objects.get(pk=today.pk).customer_phone_key
        )
        assert Complaint.objects.get(pk=today.pk).is_repeat
        # Nothing anyone typed changed: no new version, no history line.
        assert (recomputed.version, earlier.history.count()) == (version, history)
