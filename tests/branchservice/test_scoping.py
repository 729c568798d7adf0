import datetime as dt

import time_machine
from django.contrib.auth.models import Group
from django.utils import timezone

from branchservice.models import Branch, User
from branchservice.roles import Role
from branchservice.scoping import can_see_branch, scope_queryset, sees_everything, visible_branches
from tests.factories import UserFactory, firm_inspector


def test_an_outsider_sees_nothing_of_outlet_a(org, outsider):
    assert set(visible_branches(outsider)) == {org.b}
    assert not can_see_branch(outsider, org.a)
    assert not scope_queryset(User.objects.filter(branch=org.a), outsider).exists()


def test_a_sub_branch_manager_sees_the_whole_subtree_and_nothing_above(org, manager):
    assert set(visible_branches(manager)) == {org.s1, org.a, org.a2}
    assert can_see_branch(manager, org.a)
    assert not can_see_branch(manager, org.t1)
    assert not can_see_branch(manager, org.b)


def test_an_outlet_user_sees_only_their_outlet(org, outlet_user):
    assert set(visible_branches(outlet_user)) == {org.a}


def test_head_office_service_and_superusers_see_everything(org, hq):
    everything = set(Branch.objects.all())
    assert set(visible_branches(hq)) == everything
    root = UserFactory(username="root", is_superuser=True, branch=None)
    assert set(visible_branches(root)) == everything


def test_a_user_without_branch_or_inactive_sees_nothing(org):
    nobody = UserFactory(username="nobranch", branch=None)
    assert not visible_branches(nobody).exists()
    gone = UserFactory(username="gone", branch=org.t1, is_active=False)
    assert not visible_branches(gone).exists()


def test_the_scope_costs_one_query_whatever_the_depth(org, manager, django_assert_num_queries):
    manager = User.objects.get(pk=manager.pk)
    # The role and branch-path look-ups are per request, whatever the depth of the tree.
    with django_assert_num_queries(3):  # roles, the branch path, then the rows
        list(scope_queryset(User.objects.all(), manager))
    with django_assert_num_queries(1):  # the path is remembered for the request
        list(scope_queryset(User.objects.all(), manager))


def test_a_firms_inspector_sees_exactly_the_outlets_engaged_today(org):
    inspector = firm_inspector(org.a, org.b)
    assert set(visible_branches(inspector)) == {org.a, org.b}
    assert can_see_branch(inspector, org.a)
    for above_or_beside in (org.hq, org.t1, org.s1, org.a2):
        assert not can_see_branch(inspector, above_or_beside)
    assert not can_see_branch(inspector, None)
    colleague = UserFactory(username="cm_a_colleague", branch=org.a)
    assert list(scope_queryset(User.objects.filter(branch__isnull=False), inspector)) == [colleague]


def test_a_firms_inspector_sees_nothing_before_or_after_the_engagement(org):
    today = timezone.localdate()
    ended = firm_inspector(org.a, username="ended", ends_on=today - dt.timedelta(days=1),
                           starts_on=today - dt.timedelta(days=90))  # fmt: skip
    ahead = firm_inspector(org.a, username="ahead", starts_on=today + dt.timedelta(days=1))
    for inspector in (ended, ahead):
        assert not visible_branches(inspector).exists()
        assert not can_see_branch(inspector, org.a)
    with time_machine.travel(today - dt.timedelta(days=1)):
        ended = User.objects.get(pk=ended.pk)  # a new request: the scope is read afresh
        assert set(visible_branches(ended)) == {org.a}


def test_a_firms_user_never_sees_everything_whatever_their_roles(org):
    inspector = firm_inspector(org.a)
    inspector.groups.add(Group.objects.get(name=Role.HQ_SERVICE))
    inspector = User.objects.get(pk=inspector.pk)
    assert not sees_everything(inspector)
    assert set(visible_branches(inspector)) == {org.a}
