"""The one rectification workflow: open → done → verified (or rejected back to open), or
cancelled with a reason; each step checks scope, role and status."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from branchservice.rectifications import services
from branchservice.rectifications.models import Rectification
from branchservice.roles import Role
from tests.factories import UserFactory

S = Rectification.Status
PDF = b"%PDF-1.4 training sign-in sheet"


@pytest.fixture(autouse=True)
def media_root(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_it_raises_a_rectification_for_a_finding_in_scope(raise_for, outlet_user, complaint_a):
    rectification = raise_for()
    assert (rectification.status, rectification.outlet, rectification.source) == (
        S.OPEN,
        complaint_a.branch,
        complaint_a,
    )
    assert rectification.raised_by == outlet_user
    assert rectification.history.get().history_user == outlet_user


def test_it_refuses_a_finding_outside_the_users_scope(now, outsider, complaint_a):
    with pytest.raises(PermissionDenied):
        services.rectification_raise(
            user=outsider,
            outlet=complaint_a.branch,
            source=complaint_a,
            source_kind="complaint",
            source_label="x",
            owner=outsider,
            required_action="x",
            due_date=dt.date(2026, 12, 1),
        )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"due": dt.date(2026, 11, 20)}, "due_date"),
        ({"required_action": " "}, "required_action"),
        ({"required_action": "增开\x00窗口"}, "required_action"),
    ],
)
def test_it_refuses_a_past_due_date_or_an_empty_or_unstorable_action(
    raise_for, outlet_user, complaint_a, change, field
):
    with pytest.raises(ValidationError) as refused:
        if "required_action" in change:
            services.rectification_raise(
                user=outlet_user,
                outlet=complaint_a.branch,
                source=complaint_a,
                source_kind="complaint",
                source_label="x",
                owner=outlet_user,
                required_action=change["required_action"],
                due_date=dt.date(2026, 12, 1),
            )
        else:
            raise_for(due=change["due"])
    assert field in refused.value.message_dict
    assert not Rectification.objects.exists()


def test_it_refuses_an_owner_outside_the_users_branches(raise_for, outsider):
    with pytest.raises(ValidationError) as refused:
        raise_for(owner=outsider)
    assert "owner" in refused.value.message_dict


def test_the_owner_completes_it_with_evidence_and_photos(raise_for, outlet_user):
    rectification = raise_for()
    with pytest.raises(ValidationError) as refused:
        services.rectification_complete(user=outlet_user, rectification=rectification, evidence="")
    assert "evidence" in refused.value.message_dict
    done = services.rectification_complete(
        user=outlet_user,
        rectification=rectification,
        evidence="已培训，签到表附后。",
        files=[SimpleUploadedFile("签到表.pdf", PDF)],
    )
    assert (done.status, done.completed_by, done.evidence) == (
        S.DONE,
        outlet_user,
        "已培训，签到表附后。",
    )
    stored = done.files.get()
    assert (stored.original_name, stored.content_type, stored.file.read()) == (
        "签到表.pdf",
        "application/pdf",
        PDF,
    )


def test_evidence_files_are_checked_by_their_content_not_their_name(raise_for, outlet_user):
    """A WAV recording is RIFF too; it is not a WebP image (branchservice/files.py)."""
    rectification = raise_for()
    wav = b"RIFF\x24\x00\x00\x00WAVEfmt "
    for upload in (SimpleUploadedFile("photo.webp", wav), SimpleUploadedFile("a.exe", PDF)):
        with pytest.raises(ValidationError) as refused:
            services.rectification_complete(
                user=outlet_user, rectification=rectification, evidence="x", files=[upload]
            )
        assert "files" in refused.value.message_dict
    rectification.refresh_from_db()
    assert rectification.status == S.OPEN and not rectification.files.exists()


def test_only_the_owner_or_staff_who_may_change_rectifications_complete_it(
    raise_for, head_a, auditor, outsider
):
    rectification = raise_for(owner=head_a)
    with pytest.raises(ValidationError):
        services.rectification_complete(user=auditor, rectification=rectification, evidence="x")
    with pytest.raises(PermissionDenied):
        services.rectification_complete(user=outsider, rectification=rectification, evidence="x")


def test_verification_is_by_the_outlet_head_or_above_never_by_who_did_it(
    raise_for, outlet_user, head_a, manager
):
    rectification = raise_for(owner=head_a)
    with pytest.raises(ValidationError):
        services.rectification_verify(user=manager, rectification=rectification)  # not done yet
    rectification = services.rectification_complete(
        user=outlet_user, rectification=rectification, evidence="已完成"
    )
    # The owner, the completer, and a complaint manager (no verifier role) are refused.
    for user in (head_a, outlet_user):
        with pytest.raises(ValidationError):
            services.rectification_verify(user=user, rectification=rectification)
    other_cm = UserFactory(username="cm_a2", branch=head_a.branch, roles=[Role.COMPLAINT_MANAGER])
    with pytest.raises(ValidationError):
        services.rectification_verify(user=other_cm, rectification=rectification)
    verified = services.rectification_verify(user=manager, rectification=rectification)
    assert (verified.status, verified.verified_by) == (S.VERIFIED, manager)
    assert verified.verified_at is not None
    with pytest.raises(ValidationError):
        services.rectification_cancel(user=manager, rectification=verified, reason="x")


def test_a_rejected_verification_reopens_it_with_the_reason(raise_for, outlet_user, manager):
    rectification = services.rectification_complete(
        user=outlet_user, rectification=raise_for(), evidence="已完成"
    )
    with pytest.raises(ValidationError) as refused:
        services.rectification_reject(user=manager, rectification=rectification, reason=" ")
    assert "reason" in refused.value.message_dict
    reopened = services.rectification_reject(
        user=manager, rectification=rectification, reason="缺少签到表。"
    )
    assert (reopened.status, reopened.rejection_reason, reopened.completed_at) == (
        S.OPEN,
        "缺少签到表。",
        None,
    )
    assert reopened.is_rejected
    again = services.rectification_complete(
        user=outlet_user, rectification=reopened, evidence="签到表已补。"
    )
    assert again.status == S.DONE and not again.is_rejected
    # Every step is in the history, with who took it.
    steps = list(again.history.order_by("history_date", "history_id").values_list(
        "status", "history_user__username"
    ))  # fmt: skip
    assert steps == [
        ("open", "cm_a"),
        ("done", "cm_a"),
        ("open", "mgr_s1"),
        ("done", "cm_a"),
    ]


def test_it_is_reassigned_to_another_owner_and_date(raise_for, outlet_user, head_a, outsider):
    rectification = raise_for()
    with pytest.raises(ValidationError) as refused:
        services.rectification_reassign(
            user=outlet_user, rectification=rectification, owner=outsider
        )
    assert "owner" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        services.rectification_reassign(
            user=outlet_user,
            rectification=rectification,
            owner=head_a,
            due_date=dt.date(2026, 1, 1),
        )
    assert "due_date" in refused.value.message_dict
    moved = services.rectification_reassign(
        user=outlet_user, rectification=rectification, owner=head_a, due_date=dt.date(2026, 12, 4)
    )
    assert (moved.owner, moved.due_date) == (head_a, dt.date(2026, 12, 4))


def test_it_is_cancelled_only_by_a_manager_with_a_reason(raise_for, outlet_user, manager):
    rectification = raise_for()
    with pytest.raises(ValidationError):
        services.rectification_cancel(user=outlet_user, rectification=rectification, reason="重复")
    with pytest.raises(ValidationError):
        services.rectification_cancel(user=manager, rectification=rectification, reason="")
    cancelled = services.rectification_cancel(
        user=manager, rectification=rectification, reason="与 TS-A-202611-0002 重复"
    )
    assert (cancelled.status, cancelled.cancel_reason) == (S.CANCELLED, "与 TS-A-202611-0002 重复")
    with pytest.raises(ValidationError):
        services.rectification_complete(user=outlet_user, rectification=cancelled, evidence="x")


def test_the_steps_offered_follow_status_and_role(raise_for, outlet_user, manager, auditor):
    rectification = raise_for()
    names = lambda user: [s.name for s in services.allowed_steps(rectification, user)]  # noqa: E731
    assert names(outlet_user) == ["complete", "reassign"]
    assert names(manager) == ["complete", "reassign", "cancel"]
    assert names(auditor) == []
    rectification = services.rectification_complete(
        user=outlet_user, rectification=rectification, evidence="已完成"
    )
    assert names(outlet_user) == []
    assert names(manager) == ["verify", "reject", "cancel"]
