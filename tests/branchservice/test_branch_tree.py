import pytest
from django.core.exceptions import ValidationError

from branchservice.models import Branch
from tests.factories import BranchFactory


def test_a_subtree_is_one_prefix_match(org):
    assert set(org.s1.subtree()) == {org.s1, org.a, org.a2}
    assert set(org.t1.subtree()) == {org.t1, org.s1, org.s2, org.a, org.a2, org.b}
    assert list(org.a.ancestors()) == [org.hq, org.t1, org.s1]


def test_an_outlet_must_sit_under_a_sub_branch(org):
    bad = Branch(code="X1", name="错位网点", level=Branch.Level.OUTLET, parent=org.t1)
    with pytest.raises(ValidationError) as err:
        bad.full_clean()
    assert "parent" in err.value.message_dict


def test_only_the_head_office_has_no_parent(org):
    with pytest.raises(ValidationError):
        Branch(code="X2", name="无上级支行", level=Branch.Level.SUB_BRANCH).full_clean()
    with pytest.raises(ValidationError) as err:
        Branch(code="HQ2", name="第二总行", level=Branch.Level.HEAD_OFFICE).full_clean()
    assert "level" in err.value.message_dict


def test_a_level_change_that_orphans_children_is_refused(org):
    org.s1.level = Branch.Level.OUTLET
    org.s1.parent = org.s2
    with pytest.raises(ValidationError):
        org.s1.full_clean()


def test_codes_are_capital_letters_and_digits(org):
    with pytest.raises(ValidationError) as err:
        Branch(code="bj-01", name="x", level=Branch.Level.OUTLET, parent=org.s1).full_clean()
    assert "code" in err.value.message_dict


def test_moving_a_sub_branch_moves_its_outlets(org):
    s3 = BranchFactory(code="S3", name="新支行", level=Branch.Level.SUB_BRANCH, parent=org.t1)
    t2 = BranchFactory(code="T2", name="上海分行", level=Branch.Level.TIER1_BRANCH, parent=org.hq)
    outlet = BranchFactory(code="C", name="新网点", level=Branch.Level.OUTLET, parent=s3)
    s3.parent = t2
    s3.save()
    outlet.refresh_from_db()
    assert outlet.path == f"{org.hq.path}{t2.pk}/{s3.pk}/{outlet.pk}/"
    assert outlet in t2.subtree()
    assert outlet not in org.t1.subtree()
