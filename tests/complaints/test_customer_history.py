"""The customer's history (issue 14 item 5): earlier entries of the same customer at every
outlet the user can see, matched on keyed hashes, and repeat complaints (重复投诉)."""

import datetime as dt
import importlib

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.urls import reverse

from complaints import selectors, services
from complaints.models import Complaint, DeadlinePolicy
from tests.complaints.conftest import at, register

S = Complaint.Status


def change_page(login, user, complaint):
    response = login(user).get(reverse("admin:complaints_complaint_change", args=[complaint.pk]))
    assert response.status_code == 200
    return response


@pytest.fixture
def customer(frozen, outlet_user, manager, hq, org):
    """One customer: at A on 1 Sep (phone typed with spaces), at A2 on 20 Sep (the same
    number), at B on 25 Sep (another sub-branch), and a complaint at A today."""
    first = register(outlet_user, org.a, received_at=at(2026, 9, 1), customer_phone="138 1234 5678")
    second = register(manager, org.a2, received_at=at(2026, 9, 20))
    elsewhere = register(hq, org.b, received_at=at(2026, 9, 25))
    today = register(outlet_user, org.a, customer_phone="+86 13812345678")
    return first, second, elsewhere, today


def test_the_change_page_lists_earlier_entries_at_every_outlet_in_scope(
    hq, customer, manager, login
):
    first, second, elsewhere, today = customer
    page = change_page(login, manager, today).content.decode()
    history = page[page.index('id="customer-history"') :]
    assert first.reference in history and second.reference in history
    # 国贸 (B) is in another sub-branch: neither its reference nor its outlet is shown.
    assert elsewhere.reference not in history and "国贸网点" not in history
    assert "重复投诉" in page


def test_head_office_sees_the_entries_of_every_outlet(hq, customer, login):
    first, second, elsewhere, today = customer
    page = change_page(login, hq, today).content.decode()
    assert all(entry.reference in page for entry in (first, second, elsewhere))


def test_an_auditor_sees_the_history_with_no_number_unmasked(hq, customer, auditor, login):
    first, _second, _elsewhere, today = customer
    page = change_page(login, auditor, today).content.decode()
    assert first.reference in page
    assert "13812345678" not in page and "138 1234 5678" not in page


def test_a_document_number_matches_without_the_phone(frozen, outlet_user, org):
    resident = "11010519491231002X"
    first = register(outlet_user, org.a, received_at=at(2026, 9, 1), customer_phone="13900001111",
                     customer_id_number=resident.lower())  # fmt: skip
    later = register(outlet_user, org.a, customer_phone="13700002222",
                     customer_id_number=resident)  # fmt: skip
    entries = selectors.customer_history(later, outlet_user)["entries"]
    assert [e.pk for e in entries] == [first.pk]
    assert entries[0].same_document and not entries[0].same_phone
    # Nothing of the number is stored in the key.
    assert resident not in later.customer_id_key and "1390000" not in first.customer_phone_key


def test_a_repeat_is_a_complaint_within_the_policy_window(frozen, outlet_user, org):
    old = register(outlet_user, org.a, received_at=at(2026, 6, 1))
    assert not old.is_repeat
    praise = register(outlet_user, org.a, received_at=at(2026, 9, 10), kind="praise")
    assert not praise.is_repeat
    # 1 Jun is 121 days before: outside the 90 days, and praise is no complaint.
    assert not register(outlet_user, org.a, received_at=at(2026, 9, 29)).is_repeat
    assert register(outlet_user, org.a).is_repeat  # the 29 Sep complaint, a day before
    other = register(outlet_user, org.a, customer_phone="13900001111")
    assert not other.is_repeat


def test_the_window_is_a_policy_setting(frozen, outlet_user, org):
    policy = DeadlinePolicy.current()
    policy.repeat_window_days = 10
    policy.save()  # as the admin saves it: the cached policy is forgotten
    register(outlet_user, org.a, received_at=at(2026, 9, 15))
    assert not register(outlet_user, org.a).is_repeat


def test_an_entry_registered_late_marks_the_later_one_and_voiding_it_unmarks(
    frozen, outlet_user, hq, org
):
    later = register(outlet_user, org.a)
    assert not later.is_repeat
    earlier = register(outlet_user, org.a, received_at=at(2026, 9, 28))
    later.refresh_from_db()
    assert later.is_repeat
    services.complaint_void(user=hq, complaint=earlier, reason="登记错误")
    later.refresh_from_db()
    assert not later.is_repeat


def test_the_list_marks_repeats_and_filters_them(frozen, outlet_user, org, login):
    register(outlet_user, org.a, received_at=at(2026, 9, 28))
    repeat = register(outlet_user, org.a)
    client = login(outlet_user)
    page = client.get(reverse("admin:complaints_complaint_changelist")).content.decode()
    assert page.count('class="cmpl-badge cmpl-repeat"') == 1
    only = client.get(reverse("admin:complaints_complaint_changelist"), {"is_repeat__exact": "1"})
    assert [c.pk for c in only.context["cl"].result_list] == [repeat.pk]


def test_the_lookup_costs_the_same_queries_however_long_the_history(
    frozen, outlet_user, manager, org, django_assert_max_num_queries
):
    today = register(outlet_user, org.a)
    register(outlet_user, org.a, received_at=at(2026, 9, 1))
    with django_assert_max_num_queries(2) as few:
        assert len(selectors.customer_history(today, manager)["entries"]) == 1
    for day in range(2, 26):
        register(manager, org.a2 if day % 2 else org.a, received_at=at(2026, 9, day))
    with django_assert_max_num_queries(len(few.captured_queries)):
        history = selectors.customer_history(today, manager)
        assert len(history["entries"]) == selectors.HISTORY_SHOWN and history["more"]
        assert {e.branch.name for e in history["entries"]} == {"中关村网点", "五道口网点"}


def test_merge_takes_a_landline_however_it_was_typed(frozen, outlet_user, org):
    earlier = register(outlet_user, org.a, customer_phone="010-62550101",
                       received_at=at(2026, 9, 29))  # fmt: skip
    repeat = register(outlet_user, org.a, customer_phone="01062550101")
    merged = services.complaint_merge(user=outlet_user, complaint=repeat, into=earlier)
    assert merged.status == S.MERGED and merged.is_repeat
    stranger = register(outlet_user, org.a, customer_phone="13900001111")
    with pytest.raises(ValidationError):
        services.complaint_merge(user=outlet_user, complaint=stranger, into=earlier)


def test_the_data_migration_fills_the_keys_and_flags_of_existing_entries(frozen, outlet_user, org):
    first = register(outlet_user, org.a, received_at=at(2026, 9, 20))
    later = register(outlet_user, org.a)
    keys = (later.customer_phone_key, later.customer_id_key)
    Complaint.objects.update(customer_phone_key="", customer_id_key="", is_repeat=False)
    migration = importlib.import_module("complaints.migrations.0018_fill_customer_match_keys")
    migration.fill(apps, None)
    later.refresh_from_db()
    first.refresh_from_db()
    assert (later.customer_phone_key, later.customer_id_key) == keys
    assert later.is_repeat and not first.is_repeat


def test_received_at_before_the_window_is_no_repeat_even_at_another_outlet(
    frozen, outlet_user, manager, org
):
    register(outlet_user, org.a, received_at=at(2026, 9, 30) - dt.timedelta(days=91))
    assert not register(manager, org.a2).is_repeat
    register(outlet_user, org.a, received_at=at(2026, 9, 30) - dt.timedelta(days=89))
    assert register(manager, org.a2, received_at=at(2026, 9, 30, 12)).is_repeat


HISTORY_URL = reverse("admin:complaints_complaint_customer_history")


def typed_history(client, **typed):
    return client.post(HISTORY_URL, {"customer_id_type": "resident_id", **typed})


def test_the_add_page_lists_the_customers_entries_as_the_phone_is_typed(customer, manager, login):
    first, second, elsewhere, today = customer
    client = login(manager)
    add = client.get(reverse("admin:complaints_complaint_add")).content.decode()
    assert f'data-url="{HISTORY_URL}"' in add
    listed = typed_history(client, customer_phone="13812345678").content.decode()
    assert all(e.reference in listed for e in (first, second, today))
    # Another sub-branch's entry stays out of sight, and no number is echoed.
    assert elsewhere.reference not in listed and "13812345678" not in listed
    assert (
        "该客户没有更早的登记"
        in typed_history(client, customer_phone="13900000000").content.decode()
    )
    # Half a number matches nothing, and is not an error either.
    half = typed_history(client, customer_phone="1381")
    assert half.status_code == 200 and first.reference not in half.content.decode()


def test_the_typed_lookup_is_for_those_who_see_the_numbers(customer, auditor, manager, login):
    # To a role that sees customer data masked any number typed would be an oracle.
    assert typed_history(login(auditor), customer_phone="13812345678").status_code == 403
    assert (
        "data-url"
        not in login(auditor).get(reverse("admin:complaints_complaint_add")).content.decode()
    )
    assert login(manager).get(HISTORY_URL).status_code == 405  # numbers never in a URL
