"""Findings 1 and 2: taking over an account through the user admin.

1. Head office listed superusers and set a superuser's password (302), then logged in with
   full rights. 2. A branch manager set the password of, deactivated, renamed or moved the
   auditor and other managers in their subtree, and gave the auditor handler roles.
"""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from branchservice.models import User
from branchservice.roles import Role
from tests.factories import UserFactory

NEW_PASSWORD = "Another-long-passphrase-2026"


def set_password(client, user):
    return client.post(
        reverse("admin:auth_user_password_change", args=[user.pk]),
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )


def change(client, user, **data):
    """Post the user's change form as the page would, with `data` changed."""
    fields = {
        "username": user.username,
        "last_name": user.last_name,
        "first_name": user.first_name,
        "email": user.email,
        "branch": user.branch_id,
        "groups": list(user.groups.values_list("pk", flat=True)),
        "is_staff": "on" if user.is_staff else "",
        "is_active": "on" if user.is_active else "",
        **data,
    }
    return client.post(
        reverse("admin:branchservice_user_change", args=[user.pk]),
        {k: v for k, v in fields.items() if v not in ("", None)},
    )


@pytest.fixture
def superuser(org):
    return UserFactory(username="root", branch=None, is_superuser=True)


@pytest.fixture
def peer(org):
    """Another branch manager at the manager's own sub-branch."""
    return UserFactory(username="mgr2_s1", branch=org.s1, roles=[Role.BRANCH_MANAGER])


@pytest.fixture
def outlet_head(org):
    """A branch manager below the manager: an outlet head of A."""
    return UserFactory(username="head_a", branch=org.a, roles=[Role.BRANCH_MANAGER])


@pytest.fixture
def outlet_auditor(org):
    return UserFactory(username="audit_a", branch=org.a, roles=[Role.AUDITOR])


def test_head_office_does_not_see_superusers(hq, superuser, login):
    client = login(hq)
    listed = client.get(reverse("admin:branchservice_user_changelist")).context["cl"].result_list
    assert superuser not in listed
    url = reverse("admin:branchservice_user_change", args=[superuser.pk])
    assert client.get(url).status_code == 302  # the admin's "not found"


def test_head_office_cannot_set_a_superusers_password(hq, superuser, login, client):
    response = set_password(login(hq), superuser)
    assert response.status_code == 404
    superuser.refresh_from_db()
    assert not superuser.check_password(NEW_PASSWORD)
    client.logout()
    assert not client.login(username="root", password=NEW_PASSWORD)


def test_a_superuser_still_manages_superusers(superuser, login):
    other = UserFactory(username="root2", branch=None, is_superuser=True)
    assert set_password(login(superuser), other).status_code == 302
    other.refresh_from_db()
    assert other.check_password(NEW_PASSWORD)


@pytest.mark.parametrize("target", ["auditor", "peer", "outlet_head", "outlet_auditor"])
def test_a_branch_manager_cannot_take_over_an_independent_or_senior_colleague(
    manager, target, request, login
):
    victim = request.getfixturevalue(target)
    client = login(manager)
    assert set_password(client, victim).status_code == 403
    for data in (
        {"is_active": ""},
        {"email": "attacker@example.invalid"},
        {"username": "renamed"},
        {"groups": [Group.objects.get(name=Role.COMPLAINT_MANAGER).pk]},
    ):
        assert change(client, victim, **data).status_code == 403, data
    fresh = User.objects.get(pk=victim.pk)
    assert not fresh.check_password(NEW_PASSWORD)
    assert (fresh.is_active, fresh.email, fresh.username) == (
        True,
        victim.email,
        victim.username,
    )
    assert fresh.role_names == victim.role_names


def test_a_branch_manager_sees_but_cannot_edit_the_auditor(manager, auditor, login):
    response = login(manager).get(reverse("admin:branchservice_user_change", args=[auditor.pk]))
    assert response.status_code == 200
    assert not response.context["has_change_permission"]


def test_a_branch_manager_manages_floor_staff_below_them_with_an_audit_line(
    manager, outlet_user, login
):
    client = login(manager)
    assert set_password(client, outlet_user).status_code == 302
    assert change(client, outlet_user, is_active="").status_code == 302
    outlet_user.refresh_from_db()
    assert outlet_user.check_password(NEW_PASSWORD)
    assert not outlet_user.is_active
    deactivated, password_set = outlet_user.history.order_by("-history_id")[:2]
    assert password_set.history_user == manager
    assert password_set.history_change_reason  # "password set by an administrator"
    assert deactivated.history_user == manager and deactivated.is_active is False


def test_a_branch_manager_cannot_move_staff_to_their_own_level(org, manager, outlet_user, login):
    response = change(login(manager), outlet_user, branch=org.s1.pk)
    assert response.status_code == 200  # the form comes back: S1 is not a choice
    outlet_user.refresh_from_db()
    assert outlet_user.branch == org.a
