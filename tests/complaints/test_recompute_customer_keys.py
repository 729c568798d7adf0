"""After a new SECRET_KEY the customer matching keys (keyed hashes under it) of the entries
stored before it match nothing registered since: `manage.py recompute_customer_keys` computes
them again, and the repeat flags with them."""

from django.core.management import call_command
from django.test import override_settings

from complaints.models import Complaint, DeadlinePolicy
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


def test_each_entry_keeps_the_window_of_its_own_policy(frozen, outlet_user, org):
    """Recomputed as registration counts them: a complaint registered under a 90-day window
    stays a repeat when the current policy's window is 30 days."""
    wide = DeadlinePolicy.current()
    DeadlinePolicy.objects.filter(pk=wide.pk).update(repeat_window_days=90)
    register(outlet_user, org.a, received_at=at(2026, 6, 1))
    under_wide = register(outlet_user, org.a, received_at=at(2026, 8, 1))  # 61 days after
    DeadlinePolicy.objects.filter(pk=wide.pk).update(is_active=False)
    narrow = DeadlinePolicy.objects.create(name="新时限", is_active=True, repeat_window_days=30)
    under_narrow = register(outlet_user, org.a, received_at=at(2026, 9, 20))  # 50 days after
    assert (under_wide.policy_id, under_narrow.policy_id) == (wide.pk, narrow.pk)
    assert (under_wide.is_repeat, under_narrow.is_repeat) == (True, False)
    call_command("recompute_customer_keys")
    flags = dict(
        Complaint.objects.filter(pk__in=[under_wide.pk, under_narrow.pk]).values_list(
            "pk", "is_repeat"
        )
    )
    assert flags == {under_wide.pk: True, under_narrow.pk: False}
