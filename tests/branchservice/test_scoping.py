from branchservice.models import Branch, User
from branchservice.scoping import can_see_branch, scope_queryset, visible_branches
from tests.factories import UserFactory


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
