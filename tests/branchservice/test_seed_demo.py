from django.core.management import call_command

from branchservice.calendar import is_working_day
from branchservice.demo import DEMO_PASSWORD, seed_branches, seed_sample_regional_day
from branchservice.models import Branch, CalendarOverride, User
from branchservice.roles import Role
from branchservice.scoping import visible_branches


def _snapshot():
    return (
        sorted(Branch.objects.values_list("code", "path", "parent__code")),
        sorted(User.objects.values_list("username", "branch__code", "password")),
    )


def test_seed_demo_builds_the_bank_and_a_second_run_changes_nothing(db):
    call_command("seed_demo")
    levels = {level: Branch.objects.filter(level=level).count() for level in Branch.Level}
    assert levels == {
        Branch.Level.HEAD_OFFICE: 1,
        Branch.Level.TIER1_BRANCH: 2,
        Branch.Level.SUB_BRANCH: 4,
        Branch.Level.OUTLET: 12,
    }
    first = _snapshot()
    call_command("seed_demo")
    assert _snapshot() == first


def test_each_demo_login_works_and_sees_its_scope(db, client):
    call_command("seed_demo")
    expected = {
        "hq_service": 19,
        "branch_manager": 4,  # the sub-branch and its three outlets
        "tier1_manager": 9,  # the tier-1 branch, its two sub-branches and six outlets
        "complaint_manager": 1,
        "lobby_manager": 1,
        "auditor": 4,
        "inspector": 19,  # visits any outlet from head office
        "firm_inspector": 2,  # the two outlets the firm is engaged for this quarter
        "teller": 1,
    }
    for username, count in expected.items():
        user = User.objects.get(username=username)
        assert client.login(username=username, password=DEMO_PASSWORD)
        assert visible_branches(user).count() == count, username
    assert User.objects.get(username="lobby_manager").has_role(Role.LOBBY_MANAGER)
    assert not User.objects.get(username="lobby_manager").is_staff
    assert User.objects.get(username="inspector").has_role(Role.INSPECTOR)
    firm_user = User.objects.get(username="firm_inspector")
    assert firm_user.role_names == {Role.INSPECTOR} and firm_user.branch is None
    assert {b.name for b in visible_branches(firm_user)} == {"国贸营业网点", "陆家嘴营业网点"}


def test_the_demo_has_a_sample_day_off_for_one_region_only(db):
    branches = seed_branches()
    seed_sample_regional_day(branches["SH"])
    seed_sample_regional_day(branches["SH"])  # a second run adds nothing
    day = CalendarOverride.objects.get(branch=branches["SH"])
    assert day.note.startswith("【示例】") and day.date.weekday() == 4
    assert is_working_day(day.date)  # nationwide
    assert not is_working_day(day.date, branch=branches["SH0101"])
    assert is_working_day(day.date, branch=branches["BJ0101"])
