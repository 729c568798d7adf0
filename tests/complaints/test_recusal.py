"""Issue 14 item 4, recusal (回避, art. 17): the staff member a complaint is about is named
(searchable, from the outlet's staff) besides the free text, and is never its first responder,
handler or follow-up visitor; a hand-over to them is refused. Each refusal is in Chinese and
keeps what was typed."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from branchservice.roles import Role
from complaints import services
from complaints.models import Complaint, ComplaintEvent, Move
from complaints.workflow import allowed_moves
from tests.complaints.conftest import register
from tests.complaints.test_admin_workflow import change_url, move_url
from tests.complaints.test_concurrent_edits import form_data
from tests.complaints.test_staff_autocomplete import autocomplete, usernames
from tests.factories import UserFactory

S = Complaint.Status
RECUSED = "是被投诉员工，须回避本投诉"


@pytest.fixture
def teller(org):
    return UserFactory(
        username="teller_a",
        first_name="晨",
        last_name="陈",
        branch=org.a,
        roles=[Role.FRONTLINE_STAFF],
        is_staff=False,
    )


@pytest.fixture
def second_cm(org):
    """A second complaint manager at outlet A."""
    return UserFactory(username="cm2_a", branch=org.a, roles=[Role.COMPLAINT_MANAGER])


def refusal(info, field):
    return " ".join(info.value.message_dict[field])


def test_it_records_the_staff_member_complained_about_and_hands_the_complaint_to_someone_else(
    frozen, outlet_user, head_a, org
):
    # The outlet's only complaint manager is complained about: the outlet head handles it.
    complaint = register(head_a, org.a, first_responder=head_a, complained_about_staff=outlet_user)
    assert complaint.complained_about_staff == outlet_user
    assert complaint.handler == head_a
    assert complaint.history.first().complained_about_staff == outlet_user


def test_the_person_complained_about_cannot_be_handler_or_first_responder(
    frozen, outlet_user, lobby_user, org
):
    with pytest.raises(ValidationError) as info:
        register(outlet_user, org.a, handler=lobby_user, complained_about_staff=lobby_user)
    assert RECUSED in refusal(info, "handler")
    with pytest.raises(ValidationError) as info:
        register(outlet_user, org.a, first_responder=lobby_user, complained_about_staff=lobby_user)
    assert RECUSED in refusal(info, "first_responder")
    assert not Complaint.objects.exists()


def test_the_person_complained_about_works_at_the_complaints_outlet(frozen, outlet_user, org):
    elsewhere = UserFactory(username="lm_a2", branch=org.a2, roles=[Role.LOBBY_MANAGER])
    with pytest.raises(ValidationError) as info:
        register(outlet_user, org.a, complained_about_staff=elsewhere)
    assert refusal(info, "complained_about_staff") == "请选择本网点的员工。"


def test_a_hand_over_to_the_person_complained_about_is_refused(
    complaint_in, outlet_user, second_cm, head_a, login
):
    complaint = complaint_in(S.ACKNOWLEDGED, complained_about_staff=second_cm)
    client = login(outlet_user)
    # The hand-over page does not offer them...
    form = client.get(move_url(complaint, Move.REASSIGN)).context["form"]
    offered = set(form.fields["handler"].queryset)
    assert head_a in offered and second_cm not in offered
    response = client.post(
        move_url(complaint, Move.REASSIGN), {"handler": second_cm.pk, "note": "请接手处理。"}
    )
    assert response.status_code == 200 and "请接手处理。" in response.content.decode()
    # ...and the service refuses them, whoever calls it.
    with pytest.raises(ValidationError) as info:
        services.complaint_reassign(user=outlet_user, complaint=complaint, handler=second_cm)
    assert RECUSED in refusal(info, "handler")
    complaint.refresh_from_db()
    assert complaint.handler == outlet_user
    assert not complaint.events.filter(action=Move.REASSIGN).exists()


def test_the_person_complained_about_does_not_do_the_follow_up_visit(
    complaint_in, outlet_user, second_cm, frozen
):
    complaint = complaint_in(S.RESOLVED, complained_about_staff=second_cm)
    assert Move.FOLLOW_UP in allowed_moves(complaint, outlet_user)
    assert Move.FOLLOW_UP not in allowed_moves(complaint, second_cm)
    assert Move.CONTACT_ATTEMPT not in allowed_moves(complaint, second_cm)
    with pytest.raises(ValidationError) as info:
        services.complaint_follow_up(
            user=second_cm,
            complaint=complaint,
            followed_up_at=complaint.replied_at,
            satisfaction=Complaint.Satisfaction.SATISFIED,
        )
    assert RECUSED in " ".join(info.value.messages)
    complaint.refresh_from_db()
    assert complaint.status == S.RESOLVED


def test_a_manager_complained_about_neither_acknowledges_nor_adds_notes(
    complaint_in, outlet_user, second_cm, frozen
):
    complaint = complaint_in(S.REGISTERED, complained_about_staff=second_cm)
    assert Move.ACKNOWLEDGE in allowed_moves(complaint, outlet_user)
    moves = allowed_moves(complaint, second_cm)
    assert Move.ACKNOWLEDGE not in moves and Move.NOTE not in moves
    with pytest.raises(ValidationError) as info:
        services.complaint_acknowledge(
            user=second_cm,
            complaint=complaint,
            acknowledged_at=complaint.received_at,
            estimated_reply_at=complaint.reply_due_at,
        )
    assert RECUSED in " ".join(info.value.messages)
    with pytest.raises(ValidationError) as info:
        services.complaint_add_note(user=second_cm, complaint=complaint, note="我来解释一下。")
    assert RECUSED in " ".join(info.value.messages)
    complaint.refresh_from_db()
    assert complaint.status == S.REGISTERED
    assert list(complaint.events.values_list("action", flat=True)) == [Move.REGISTER]


def test_naming_the_handler_as_complained_about_is_refused_on_the_change_page(
    complaint_in, outlet_user, lobby_user, login
):
    complaint = complaint_in(S.REGISTERED)
    client = login(outlet_user)
    page = client.get(change_url(complaint))
    response = client.post(
        change_url(complaint),
        form_data(page, complained_about_staff=outlet_user.pk, customer_request="要求当面道歉。"),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert RECUSED in html and "要求当面道歉。" in html
    complaint.refresh_from_db()
    assert complaint.complained_about_staff is None
    # A colleague is named: saved, on the timeline and in the history.
    response = client.post(
        change_url(complaint), form_data(page, complained_about_staff=lobby_user.pk)
    )
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.complained_about_staff == lobby_user
    assert "被投诉员工" in complaint.events.get(action=Move.EDIT).note
    assert complaint.history.first().complained_about_staff_id == lobby_user.pk


def test_the_add_page_refuses_the_first_responder_complained_about_and_keeps_the_text(
    frozen, outlet_user, lobby_user, org, login
):
    client = login(outlet_user)
    page = client.get(reverse("admin:complaints_complaint_add"))
    data = form_data(
        page,
        branch=org.a.pk,
        channel="on_site",
        received_at="2026-09-30T10:00",
        customer_name="王秀英",
        customer_phone="13912345678",
        description="客户反映大堂经理态度冷淡。",
        first_responder=lobby_user.pk,
        complained_about_staff=lobby_user.pk,
    )
    response = client.post(reverse("admin:complaints_complaint_add"), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert RECUSED in html and "客户反映大堂经理态度冷淡。" in html
    assert not Complaint.objects.exists()


def test_the_search_offers_the_outlet_staff_in_scope(frozen, outlet_user, lobby_user, org, login):
    UserFactory(username="lm_b", first_name="晓光", branch=org.b)
    UserFactory(username="mgr_s1x", first_name="晓红", branch=org.s1)
    UserFactory(username="lm_a_x", first_name="晓明", branch=org.a)
    found = usernames(autocomplete(login(outlet_user), "complained_about_staff", "晓"))
    # Not another outlet's staff, nor the sub-branch's (not at an outlet).
    assert found == {"lm_a_x"}


# --- the intake page -------------------------------------------------------------------------

INTAKE = reverse("complaints:intake")


def entry(**overrides):
    return {
        "submission_token": "3f2b8c1e-5d6a-4b7c-9e0f-1a2b3c4d5e6f",
        "kind": "complaint",
        "channel": "on_site",
        "description": "客户反映柜员办理业务时玩手机。",
        "customer_name": "王芳",
        "customer_phone": "13912345678",
        **overrides,
    }


def test_a_first_responder_names_a_colleague_of_the_outlet(
    frozen, login, teller, lobby_user, outlet_user, org
):
    client = login(teller)
    page = client.get(INTAKE).content.decode()
    assert "被投诉员工" in page and lobby_user.get_full_name() in page
    response = client.post(INTAKE, entry(complained_about_staff=lobby_user.pk))
    assert response.status_code == 302
    complaint = Complaint.objects.get()
    assert complaint.complained_about_staff == lobby_user
    assert complaint.first_responder == teller and complaint.handler == outlet_user


def test_a_first_responder_complained_about_does_not_take_the_complaint_down(
    frozen, login, teller, outlet_user
):
    response = login(teller).post(INTAKE, entry(complained_about_staff=teller.pk))
    assert response.status_code == 200
    page = response.content.decode()
    assert RECUSED in page and "客户反映柜员办理业务时玩手机。" in page
    assert not Complaint.objects.exists()
    assert not ComplaintEvent.objects.exists()


def test_the_intake_page_offers_only_the_outlets_own_staff(frozen, login, teller, org):
    UserFactory(username="lm_b", first_name="远方", last_name="李", branch=org.b)
    assert "李远方" not in login(teller).get(INTAKE).content.decode()
    response = login(teller).post(INTAKE, entry(complained_about_staff=9999))
    assert response.status_code == 200
    assert not Complaint.objects.exists()
