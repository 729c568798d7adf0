"""First responder and handler are chosen by typing (issue 13): the complaint page no longer
lists every active colleague in scope, which grew with the bank's headcount, and the search
offers exactly the colleagues the form accepts."""

import pytest
from django.urls import reverse

from branchservice.roles import Role
from tests.complaints.conftest import register
from tests.complaints.test_concurrent_edits import form_data
from tests.factories import UserFactory


def colleagues(org):
    return {
        "here": UserFactory(username="colleague_a", first_name="晓明", branch=org.a),
        "above": UserFactory(username="colleague_s1", first_name="晓红", branch=org.s1),
        "gone": UserFactory(
            username="colleague_gone", first_name="晓东", branch=org.a, is_active=False
        ),
        "elsewhere": UserFactory(username="colleague_b", first_name="晓光", branch=org.b),
    }


def autocomplete(client, field, term=""):
    return client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "complaints",
            "model_name": "complaint",
            "field_name": field,
            "term": term,
        },
    )


def usernames(response):
    assert response.status_code == 200, response.status_code
    return {result["text"].rsplit("(", 1)[-1].rstrip(")") for result in response.json()["results"]}


def test_the_change_page_does_not_list_every_colleague(frozen, outlet_user, org, login):
    people = colleagues(org)
    complaint = register(outlet_user, org.a, first_responder=people["here"])
    page = login(outlet_user).get(reverse("admin:complaints_complaint_change", args=[complaint.pk]))
    html = page.content.decode()
    # The chosen first responder is shown; nobody else is sent to the browser.
    assert "colleague_a" in html
    assert "colleague_s1" not in html
    assert 'data-field-name="first_responder"' in html


@pytest.mark.parametrize("field", ["first_responder", "handler"])
def test_a_complaint_manager_finds_the_colleagues_the_form_accepts(
    frozen, outlet_user, org, login, field
):
    colleagues(org)
    client = login(outlet_user)
    # Active staff of the outlet's scope (its own outlet) only: not above it, not elsewhere,
    # not a colleague who has left.
    found = usernames(autocomplete(client, field, "晓"))
    assert found == {"colleague_a"}
    assert usernames(autocomplete(client, field, "colleague_a")) == {"colleague_a"}


def test_a_branch_manager_finds_the_staff_of_the_whole_sub_branch(frozen, manager, org, login):
    colleagues(org)
    assert usernames(autocomplete(login(manager), "handler", "晓")) == {
        "colleague_a",
        "colleague_s1",
    }


def test_who_may_not_edit_complaints_cannot_search_staff_through_them(frozen, auditor, org, login):
    colleagues(org)
    assert autocomplete(login(auditor), "handler", "晓").status_code == 403
    outsider_roles = UserFactory(username="plain_staff", branch=org.a, roles=[Role.LOBBY_MANAGER])
    assert autocomplete(login(outsider_roles), "handler", "晓").status_code == 403


def test_the_chosen_colleague_is_saved(frozen, outlet_user, org, login):
    people = colleagues(org)
    complaint = register(outlet_user, org.a)
    client = login(outlet_user)
    url = reverse("admin:complaints_complaint_change", args=[complaint.pk])
    data = form_data(client.get(url), first_responder=people["here"].pk)
    response = client.post(url, data)
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.first_responder == people["here"]
    # A colleague the search would not offer is refused by the form as well.
    data = form_data(client.get(url), first_responder=people["elsewhere"].pk)
    assert client.post(url, data).status_code == 200
    complaint.refresh_from_db()
    assert complaint.first_responder == people["here"]
