import io

from django.core.management import call_command
from django.utils import timezone

from branchservice.models import Branch
from branchservice.rectifications.models import Rectification
from complaints.models import Complaint, ComplaintEvent, Move


def _snapshot():
    return (
        sorted(Complaint.objects.values_list("reference", "status", "reply_due_at")),
        ComplaintEvent.objects.count(),
        Rectification.objects.count(),
    )


def test_the_demo_register_shows_every_status_and_a_second_run_changes_nothing(db):
    call_command("seed_demo", stdout=io.StringIO())
    statuses = set(Complaint.objects.values_list("status", flat=True))
    assert statuses >= set(Complaint.Status.values) - {Complaint.Status.MERGED}
    assert set(Complaint.objects.values_list("kind", flat=True)) == set(Complaint.Kind.values)
    assert Complaint.objects.overdue().exists()
    notices = Rectification.objects.filter(complaint__founded=True)
    # Done, verified, and rejected (open again with the reason) among the complaints' notices.
    assert {"open", "done", "verified"} <= set(notices.values_list("status", flat=True))
    assert notices.open().exclude(rejection_reason="").exists()
    mine = Complaint.objects.filter(branch__code="BJ0101")
    assert mine.exists() and mine.filter(handler__username="complaint_manager").exists()
    # Taken down on the tablet by the teller and the lobby manager, handled by the manager.
    intake = mine.filter(registered_by__username__in=["teller", "lobby_manager"])
    assert {c.first_responder.username for c in intake} == {"teller", "lobby_manager"}
    assert {c.handler.username for c in intake} == {"complaint_manager"}
    assert intake.filter(resolved_on_spot=True, first_responder__username="lobby_manager")
    assert intake.filter(status=Complaint.Status.REGISTERED, first_responder__username="teller")
    # Issue 14: a complaint about the teller, who neither took it down nor handles it, and a
    # regulator transfer whose feedback is still due.
    recused = mine.get(complained_about_staff__username="teller")
    assert "teller" not in {recused.first_responder.username, recused.handler.username}
    transfers = mine.filter(channel=Complaint.Channel.REGULATOR, regulator_feedback_at=None)
    assert transfers.filter(regulator_feedback_due_at__gt=timezone.now()).exists()
    # Every replied transfer of the demo has told its transferring body.
    assert not Complaint.objects.filter(
        channel=Complaint.Channel.REGULATOR, replied_at__isnull=False, regulator_feedback_at=None
    ).exclude(status__in=[Complaint.Status.VOID, Complaint.Status.MERGED])
    # The customer's history and who complains: a repeat across two outlets, an agent, a group.
    repeat = Complaint.objects.get(is_repeat=True, customer_name="赵建国")
    history = Complaint.objects.same_customer(
        phone_key=repeat.customer_phone_key, id_key=repeat.customer_id_key
    )
    assert set(history.values_list("branch__code", flat=True)) == {"BJ0101", "BJ0102"}
    assert mine.filter(complainant_kind="agent").exclude(representative_name="").exists()
    assert mine.filter(complainants__gte=5, complainants__lt=20).exists()
    # Level by level: one held by the sub-branch it was escalated to, one escalated on to the
    # tier-1 branch and handed back down to the sub-branch.
    L = Branch.Level
    held = mine.filter(status=Complaint.Status.ESCALATED, level=L.SUB_BRANCH)
    assert held.exists()
    levels = [
        list(c.events.filter(level__isnull=False).values_list("action", "level")) for c in held
    ]
    assert [(Move.ESCALATE, L.SUB_BRANCH)] in levels
    assert [
        (Move.ESCALATE, L.SUB_BRANCH),
        (Move.ESCALATE, L.TIER1_BRANCH),
        (Move.HAND_BACK, L.SUB_BRANCH),
    ] in levels
    first = _snapshot()
    call_command("seed_demo", stdout=io.StringIO())
    assert _snapshot() == first
