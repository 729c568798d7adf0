import datetime as dt

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from branchservice.models import FirmEngagement, InspectionFirm, User
from branchservice.roles import Role
from tests.factories import UserFactory


def test_a_branch_manager_lists_only_staff_of_their_subtree(
    org, manager, outlet_user, outsider, login
):
    response = login(manager).get(reverse("admin:branchservice_user_changelist"))
    assert response.status_code == 200
    listed = {u.username for u in response.context["cl"].result_list}
    assert outlet_user.username in listed
    assert outsider.username not in listed


def test_a_branch_manager_cannot_open_a_user_of_another_branch(org, manager, outsider, login):
    client = login(manager)
    # The admin answers "not found" by redirecting to its index with a message.
    assert (
        client.get(reverse("admin:branchservice_user_change", args=[outsider.pk])).status_code
        == 302
    )
    for name in ["branchservice_user_history", "auth_user_password_change"]:
        url = reverse(f"admin:{name}", args=[outsider.pk])
        assert client.get(url).status_code == 404, name
    version = outsider.history.latest().history_id
    url = reverse("admin:branchservice_user_simple_history", args=[outsider.pk, version])
    assert client.get(url).status_code == 404


def test_a_branch_manager_gives_only_floor_roles_and_branches_in_scope(org, manager, login):
    response = login(manager).get(reverse("admin:branchservice_user_add"))
    form = response.context["adminform"].form
    assert set(form.fields["groups"].queryset.values_list("name", flat=True)) == {
        Role.COMPLAINT_MANAGER,
        Role.LOBBY_MANAGER,
        Role.FRONTLINE_STAFF,
    }
    # Never their own level: staff put at S1 would be peers the manager could not manage.
    assert set(form.fields["branch"].queryset) == {org.a, org.a2}
    assert "is_superuser" not in form.fields


def test_a_branch_manager_cannot_create_staff_outside_their_scope(org, manager, login):
    response = login(manager).post(
        reverse("admin:branchservice_user_add"),
        {
            "username": "sneaky",
            "password1": "a-long-passphrase-9",
            "password2": "a-long-passphrase-9",
            "branch": org.b.pk,
            "groups": [Group.objects.get(name=Role.HQ_SERVICE).pk],
        },
    )
    assert response.status_code == 200  # the form comes back with errors
    assert not User.objects.filter(username="sneaky").exists()


def test_a_branch_manager_adds_a_lobby_manager_to_their_outlet(org, manager, login):
    response = login(manager).post(
        reverse("admin:branchservice_user_add"),
        {
            "username": "new_lobby",
            "password1": "a-long-passphrase-9",
            "password2": "a-long-passphrase-9",
            "branch": org.a.pk,
            "groups": [Group.objects.get(name=Role.LOBBY_MANAGER).pk],
        },
    )
    assert response.status_code == 302
    created = User.objects.get(username="new_lobby")
    assert created.branch == org.a
    assert created.has_role(Role.LOBBY_MANAGER)


def test_branches_are_listed_within_scope_and_never_deleted(org, manager, hq, login):
    response = login(manager).get(reverse("admin:branchservice_branch_changelist"))
    assert {b.code for b in response.context["cl"].result_list} == {"S1", "A", "A2"}
    assert (
        login(manager)
        .get(reverse("admin:branchservice_branch_change", args=[org.b.pk]))
        .status_code
        == 302
    )
    assert (
        login(hq).get(reverse("admin:branchservice_branch_delete", args=[org.a.pk])).status_code
        == 403
    )


def test_head_office_refused_a_misplaced_branch_with_a_clear_error(org, hq, login):
    response = login(hq).post(
        reverse("admin:branchservice_branch_add"),
        {"code": "X9", "name": "错位网点", "level": 4, "parent": org.t1.pk, "is_active": "on"},
    )
    assert response.status_code == 200
    assert "必须直接隶属于" in response.content.decode()


@pytest.mark.parametrize(
    ("who", "path"),
    [
        ("hq", "admin:index"),
        # Head office reads the year status on the overrides list instead (its own test).
        ("manager", "admin:branchservice_calendaroverride_changelist"),
    ],
)
def test_admins_are_told_which_years_have_no_official_calendar(org, login, request, who, path):
    response = login(request.getfixturevalue(who)).get(reverse(path), follow=True)
    messages = [str(m) for m in response.context["messages"]]
    assert any("2027" in m for m in messages)


def test_the_admin_speaks_chinese_by_default_and_english_on_request(org, hq, login):
    client = login(hq)
    assert "网点服务管理" in client.get(reverse("admin:index")).content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": "/admin/"})
    assert "Branch Service Management" in client.get(reverse("admin:index")).content.decode()


def test_role_groups_carry_the_declared_permissions(db):
    manager = UserFactory(username="perm_check", roles=[Role.BRANCH_MANAGER])
    assert manager.has_perm("branchservice.change_user")
    assert not manager.has_perm("branchservice.add_branch")


def test_a_past_version_cannot_be_saved_back_over_the_present(org, hq, login):
    # The revert button is hidden, but the past-version page would still save on POST.
    client = login(hq)
    org.a.name = "改名后的网点"
    org.a.save()
    first = org.a.history.earliest()
    url = reverse("admin:branchservice_branch_simple_history", args=[org.a.pk, first.history_id])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {"code": "A", "name": first.name, "level": 4, "parent": org.s1.pk, "is_active": "on"},
    )
    assert response.status_code == 405
    org.a.refresh_from_db()
    assert org.a.name == "改名后的网点"


def _add_firm_user(client, username, firm, roles, branch=None):
    return client.post(
        reverse("admin:branchservice_user_add"),
        {
            "username": username,
            "password1": "a-long-passphrase-9",
            "password2": "a-long-passphrase-9",
            "firm": firm.pk,
            "branch": branch.pk if branch else "",
            "groups": [Group.objects.get(name=role).pk for role in roles],
        },
    )


def test_head_office_adds_a_firms_inspector_with_that_role_alone_and_no_branch(org, hq, login):
    firm = InspectionFirm.objects.create(name="某某市场调研有限公司")
    client = login(hq)
    refused = _add_firm_user(client, "firm_cm", firm, [Role.INSPECTOR, Role.COMPLAINT_MANAGER])
    assert "第三方检查机构的用户只能担任检查员角色。" in refused.content.decode()
    refused = _add_firm_user(client, "firm_at_a", firm, [Role.INSPECTOR], branch=org.a)
    assert "第三方检查机构的用户不属于任何机构。" in refused.content.decode()
    assert not User.objects.filter(firm=firm).exists()
    assert _add_firm_user(client, "firm_ok", firm, [Role.INSPECTOR]).status_code == 302
    assert User.objects.get(username="firm_ok").firm == firm


def test_firms_and_engagements_are_head_office_only(org, hq, manager, login):
    firm = InspectionFirm.objects.create(name="某某市场调研有限公司")
    engagement = FirmEngagement.objects.create(
        firm=firm, starts_on=dt.date(2026, 10, 1), ends_on=dt.date(2026, 12, 31)
    )
    pages = [
        reverse("admin:branchservice_inspectionfirm_changelist"),
        reverse("admin:branchservice_firmengagement_change", args=[engagement.pk]),
    ]
    for url in pages:
        assert login(hq).get(url).status_code == 200
    # A branch manager cannot see them, even with the permissions given by hand.
    manager.user_permissions.add(
        *Permission.objects.filter(content_type__model__in=["inspectionfirm", "firmengagement"])
    )
    manager = User.objects.get(pk=manager.pk)
    for url in pages:
        assert login(manager).get(url).status_code == 403
    form = login(manager).get(reverse("admin:branchservice_user_add")).context["adminform"].form
    assert not form.fields["firm"].queryset.exists()
