"""Finding 3: unmasking customer data through admin query strings.

An auditor sees ID numbers masked (110101********1234), yet
`?customer_id_number__startswith=1101011990` filtered the list by the hidden value: a yes/no
oracle that gave a full ID number in 38-50 requests (`__regex` even faster), for the name,
phone and account too, on the list and on its export. Search was the same oracle.

The tests walk every admin registered on the site, so an admin added later is covered
without anyone remembering to add it here.
"""

from urllib.parse import urlencode

import pytest
from django.contrib import admin
from django.db import models
from django.urls import reverse

from complaints.models import Complaint
from tests.complaints.factories import ComplaintFactory
from tests.factories import UserFactory

ID_NUMBER = "11010119900307803X"


def registered_admins():
    return sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


def text_fields(model):
    return [
        f.name
        for f in model._meta.concrete_fields
        if isinstance(f, (models.CharField, models.TextField))
    ]


def changelist(model):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


@pytest.fixture
def root(org):
    return UserFactory(username="root", branch=None, is_superuser=True)


@pytest.fixture
def complaint(org):
    return ComplaintFactory(
        branch=org.a,
        customer_name="张伟",
        customer_phone="13812345678",
        customer_id_number=ID_NUMBER,
        customer_account="6222020200112233445",
    )


@pytest.mark.parametrize(
    ("model", "model_admin"), registered_admins(), ids=lambda v: getattr(v, "__name__", "")
)
def test_no_admin_list_filters_by_a_lookup_it_does_not_declare(model, model_admin, root, login):
    client = login(root)  # a superuser: nothing is refused for want of a permission
    url = changelist(model)
    assert client.get(url).status_code == 200
    for name in text_fields(model):
        for lookup in ("startswith", "regex", "contains"):
            response = client.get(url, {f"{name}__{lookup}": "1"})
            assert response.status_code == 400, f"{url}?{name}__{lookup}"


@pytest.mark.parametrize(
    "query",
    [
        {"customer_id_number__startswith": "1101011990"},
        {"customer_id_number__regex": "^11010119900307"},
        {"customer_phone__startswith": "138"},
        {"customer_account__endswith": "3445"},
        {"customer_name__contains": "伟"},
    ],
)
def test_an_auditor_cannot_probe_masked_values_on_the_list_or_its_export(
    complaint, auditor, login, query
):
    client = login(auditor)
    url = changelist(Complaint)
    assert client.get(url, query).status_code == 400
    assert client.post(f"{url}export/?{urlencode(query)}").status_code == 400


def test_declared_filters_and_the_date_drill_down_still_work(complaint, auditor, login):
    response = login(auditor).get(
        changelist(Complaint),
        {"status__exact": complaint.status, "received_at__year": complaint.received_at.year},
    )
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [complaint]


PERSONAL_FIELD_HINTS = ("customer", "phone", "id_number", "account", "mobile")


@pytest.mark.parametrize(
    ("model", "model_admin"), registered_admins(), ids=lambda v: getattr(v, "__name__", "")
)
def test_every_admin_with_customer_data_declares_it(model, model_admin):
    """A new admin with a customer's phone, ID or account field must say so, or its search
    would be an oracle again."""
    suspects = {
        name
        for name in text_fields(model)
        if any(hint in name for hint in PERSONAL_FIELD_HINTS) and name != "username"
    }
    assert suspects <= set(getattr(model_admin, "personal_data_fields", ())), suspects


def test_search_skips_personal_data_for_those_who_see_it_masked(
    complaint, auditor, outlet_user, login, client
):
    """Searching a name or a number finds nothing for the auditor, who would otherwise learn
    whether it is there; the complaint manager, who sees it in clear anyway, finds it."""
    url = changelist(Complaint)
    for term in ("张伟", "13812345678"):
        assert not login(auditor).get(url, {"q": term}).context["cl"].result_list
        client.logout()
        found = login(outlet_user).get(url, {"q": term}).context["cl"].result_list
        assert list(found) == [complaint]
        client.logout()
