"""The sign-in backend reads a request's user, roles and permissions in two queries: what it
grants must be exactly what Django's ModelBackend grants, from one request to the next."""

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from branchservice.backends import StaffBackend
from branchservice.models import User
from branchservice.roles import Role
from tests.factories import UserFactory


def as_model_backend_sees_it(user):
    fresh = User.objects.get(pk=user.pk)
    return ModelBackend().get_all_permissions(fresh), fresh.role_names


def test_it_grants_what_modelbackend_grants_roles_and_own_permissions_both(
    org, manager, django_assert_num_queries
):
    manager.groups.add(Group.objects.get(name=Role.AUDITOR))
    manager.user_permissions.add(Permission.objects.get(codename="delete_branch"))
    with django_assert_num_queries(2):
        user = StaffBackend().get_user(manager.pk)
        permissions, roles, path = user.get_all_permissions(), user.role_names, user.branch.path
    assert (permissions, roles) == as_model_backend_sees_it(manager)
    assert "branchservice.delete_branch" in permissions
    assert roles == {Role.BRANCH_MANAGER, Role.AUDITOR}
    assert path == org.s1.path


def test_a_role_taken_away_counts_from_the_next_request(org, lobby_user, login):
    client = login(lobby_user)
    page = reverse("standards:outlet", args=[org.a.pk])
    assert client.get(page).status_code == 200
    lobby_user.groups.clear()
    assert client.get(page).status_code == 403
    assert StaffBackend().get_user(lobby_user.pk).get_all_permissions() == set()


def test_a_superuser_still_has_every_permission_and_an_inactive_user_is_nobody(org):
    root = UserFactory(username="root", is_superuser=True)
    everything = as_model_backend_sees_it(root)[0]
    assert StaffBackend().get_user(root.pk).get_all_permissions() == everything
    assert StaffBackend().get_user(root.pk).has_perm("standards.review_checklist")
    gone = UserFactory(username="gone", is_active=False, roles=[Role.BRANCH_MANAGER])
    assert StaffBackend().get_user(gone.pk) is None
