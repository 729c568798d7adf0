"""Issue 14, quick intake (首问负责制): a lobby manager or a member of the frontline staff takes
an entry down on the tablet page, into their own outlet's register, handled by the outlet's
complaint manager; the outlet head and the handler are told at once."""

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from branchservice.notifications.models import Notification
from branchservice.notifications.selectors import unread_count
from branchservice.notifications.services import notifications_dispatch
from branchservice.roles import Role
from complaints import services
from complaints.models import Complaint, ComplaintEvent, Move
from tests.complaints.conftest import at
from tests.factories import PASSWORD, UserFactory

MONDAY_10 = at(2026, 11, 23, 10)
URL = reverse("complaints:intake")


@pytest.fixture(autouse=True)
def _monday():
    with time_machine.travel(MONDAY_10, tick=False):
        yield


@pytest.fixture
def teller(org):
    return UserFactory(
        username="teller_a", branch=org.a, roles=[Role.FRONTLINE_STAFF], is_staff=False
    )


def entry(**overrides):
    data = {
        "submission_token": "3f2b8c1e-5d6a-4b7c-9e0f-1a2b3c4d5e6f",
        "kind": "complaint",
        "channel": "on_site",
        "description": "客户反映叫号后等候四十分钟无人办理。",
        "customer_request": "希望改进排队管理。",
        "customer_name": "王芳",
        "customer_phone": "13912345678",
        "complained_about": "3号窗口",
    }
    data.update(overrides)
    return data


def test_it_registers_a_tellers_entry_in_the_outlet_register_with_its_complaint_manager(
    login, teller, outlet_user, org
):
    response = login(teller).post(URL, entry(), follow=True)
    complaint = Complaint.objects.get()
    assert complaint.branch == org.a
    assert complaint.first_responder == teller
    assert complaint.registered_by == teller
    assert complaint.handler == outlet_user
    assert complaint.complained_about == "3号窗口"
    assert complaint.status == Complaint.Status.REGISTERED
    # The reference to give the customer, and the way to the next one.
    assert complaint.reference in response.text
    assert "再登记一条" in response.text
    assert reverse("complaints:intake") in response.text
    event = ComplaintEvent.objects.get(complaint=complaint)
    assert (event.action, event.actor) == (Move.REGISTER, teller)


def test_a_lobby_manager_takes_an_entry_down_too_and_finds_the_page_in_the_tablet_menu(
    login, lobby_user, outlet_user
):
    client = login(lobby_user)
    assert URL in client.get(reverse("standards:home"), follow=True).text
    client.post(URL, entry())
    assert Complaint.objects.get().first_responder == lobby_user


def test_the_page_is_in_chinese_with_every_field(login, teller):
    page = login(teller).get(URL).text
    for text in ["登记", "投诉", "建议", "表扬", "现场口头投诉", "当场解决", "客户接受"]:
        assert text in page


def test_it_records_praise_without_the_customers_name_or_phone(login, teller, outlet_user):
    login(teller).post(URL, entry(kind="praise", customer_name="", customer_phone=""))
    praise = Complaint.objects.get()
    assert praise.kind == Complaint.Kind.PRAISE and praise.customer_phone == ""


def test_it_records_the_complaint_resolved_on_the_spot_with_the_customers_acceptance(
    login, teller, outlet_user
):
    data = entry(resolved_on_spot="on", reply_content="当场增开窗口办理，客户满意。")
    data["customer_accepted"] = "on"
    response = login(teller).post(URL, data, follow=True)
    complaint = Complaint.objects.get()
    assert complaint.status == Complaint.Status.RESOLVED
    assert complaint.resolved_on_spot and complaint.customer_accepted
    assert complaint.reply_content == "当场增开窗口办理，客户满意。"
    assert "当场解决" in response.text
    moves = list(complaint.events.order_by("pk").values_list("action", "actor"))
    assert moves == [(Move.REGISTER, teller.pk), (Move.RESOLVE_ON_SPOT, teller.pk)]


def test_resolved_on_the_spot_needs_how_and_keeps_what_was_typed(login, teller, outlet_user):
    response = login(teller).post(URL, entry(resolved_on_spot="on", reply_content=""))
    assert response.status_code == 200
    assert not Complaint.objects.exists()
    assert "客户反映叫号后等候四十分钟无人办理。" in response.text


def test_a_phone_of_the_wrong_length_is_refused_in_chinese_and_nothing_typed_is_lost(
    login, teller, outlet_user
):
    response = login(teller).post(URL, entry(customer_phone="139123"))
    assert response.status_code == 200
    assert not Complaint.objects.exists()
    assert "请输入大陆手机号码（11 位）" in response.text
    for typed in ["客户反映叫号后等候四十分钟无人办理。", "王芳", "139123", "3号窗口"]:
        assert typed in response.text


def test_someone_without_the_permission_is_refused_in_chinese(login, outlet_user, auditor):
    # A complaint manager registers in the admin; an auditor registers nothing.
    for user in (outlet_user, auditor):
        response = login(user).get(URL)
        assert response.status_code == 403
        assert "您的岗位无权登记投诉" in response.text, user
    assert login(auditor).post(URL, entry()).status_code == 403
    assert not Complaint.objects.exists()


def test_frontline_staff_outside_an_outlet_are_refused_in_chinese(login, org):
    at_sub_branch = UserFactory(
        username="teller_s1", branch=org.s1, roles=[Role.FRONTLINE_STAFF], is_staff=False
    )
    response = login(at_sub_branch).post(URL, entry())
    assert response.status_code == 403
    assert "网点" in response.text
    assert not Complaint.objects.exists()


def test_the_service_refuses_a_first_responder_at_another_outlet(teller, org):
    with pytest.raises((PermissionDenied, ValidationError)):
        services.complaint_register(
            user=teller,
            branch=org.a2,
            channel=Complaint.Channel.ON_SITE,
            received_at=MONDAY_10,
            description="x",
            kind=Complaint.Kind.SUGGESTION,
        )
    assert not Complaint.objects.exists()


def test_a_first_responder_sees_only_the_entries_they_took_down(
    login, teller, lobby_user, outlet_user
):
    login(lobby_user).post(URL, entry())
    theirs = Complaint.objects.get()
    assert login(teller).get(reverse("complaints:intake_done", args=[theirs.pk])).status_code == (
        404
    )


def test_an_outlet_without_a_complaint_manager_gives_the_entry_to_its_head(login, teller, head_a):
    login(teller).post(URL, entry())
    assert Complaint.objects.get().handler == head_a


def test_a_double_tap_registers_one_entry(login, teller, outlet_user):
    client = login(teller)
    client.post(URL, entry())
    response = client.post(URL, entry(), follow=True)
    assert Complaint.objects.count() == 1
    assert Complaint.objects.get().reference in response.text


def test_the_handler_and_the_outlet_head_are_told_at_once(
    login, teller, outlet_user, head_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        login(teller).post(URL, entry())
    complaint = Complaint.objects.get()
    told = Notification.objects.filter(kind="complaint_registered")
    assert {n.recipient.username for n in told} == {"cm_a", "head_a"}
    # The bell at once, and within working hours the mail too.
    assert all(n.sent_at is not None for n in told)
    assert sorted(m.to[0] for m in mail.outbox) == sorted([outlet_user.email, head_a.email])
    assert all(complaint.reference in m.body for m in mail.outbox)


def test_at_night_the_bell_rings_at_once_and_the_mail_goes_the_next_working_morning(
    login, teller, outlet_user, head_a, django_capture_on_commit_callbacks
):
    with (
        time_machine.travel(at(2026, 11, 23, 22), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        login(teller).post(URL, entry())
    assert Complaint.objects.exists()
    assert unread_count(head_a) == 1 and unread_count(outlet_user) == 1
    assert not mail.outbox
    tuesday_morning = at(2026, 11, 24, 8, 30)
    with (
        time_machine.travel(tuesday_morning, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        notifications_dispatch(now=tuesday_morning)
    assert sorted(m.to[0] for m in mail.outbox) == sorted([outlet_user.email, head_a.email])


def test_an_entry_resolved_on_the_spot_leaves_nothing_to_do_in_the_bell(
    login, teller, outlet_user, head_a, django_capture_on_commit_callbacks
):
    data = entry(
        resolved_on_spot="on", reply_content="当场解释并办理完毕。", customer_accepted="on"
    )
    with django_capture_on_commit_callbacks(execute=True):
        login(teller).post(URL, data)
    # Resolved before anyone had to act: the handler has nothing to acknowledge.
    assert unread_count(outlet_user) == 0 and unread_count(head_a) == 0


def test_frontline_staff_sign_in_on_the_tablet_login_and_land_on_the_intake_page(client, teller):
    credentials = {"username": teller.username, "password": PASSWORD}
    response = client.post(reverse("standards:login"), credentials, follow=True)
    assert response.redirect_chain[-1][0] == URL
    assert "首问登记" in response.text


# --- who complains (issue 14 item 7) on the tablet, checked as on the register's form --------


def test_the_page_asks_who_complains_and_the_id_type_as_large_buttons(login, teller):
    page = login(teller).get(URL).text
    for text in ["投诉人", "客户本人", "委托代理人", "继承人", "单位", "护照", "统一社会信用代码"]:
        assert text in page, text
    assert 'name="complainant_kind"' in page and 'name="customer_id_type"' in page
    assert page.count('class="btn-check" name="customer_id_type"') == 6


def test_an_agent_with_a_passport_is_recorded(login, teller, outlet_user):
    data = entry(complainant_kind="agent", representative_name="李明",
                 customer_id_type="passport", customer_id_number="E12345678")  # fmt: skip
    assert login(teller).post(URL, data).status_code == 302
    complaint = Complaint.objects.get()
    assert (complaint.complainant_kind, complaint.representative_name) == ("agent", "李明")
    assert (complaint.customer_id_type, complaint.customer_id_number) == ("passport", "E12345678")


def test_left_out_it_is_the_customer_with_a_resident_card(login, teller, outlet_user):
    login(teller).post(URL, entry())
    complaint = Complaint.objects.get()
    assert (complaint.complainant_kind, complaint.customer_id_type) == ("customer", "resident_id")


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"complainant_kind": "agent"}, "representative_name", "代理人"),
        ({"customer_id_type": "passport", "customer_id_number": "E12#45678"},
         "customer_id_number", "护照号码"),
        ({"complainant_kind": "company", "customer_id_type": "resident_id"},
         "customer_id_type", "统一社会信用代码"),
        ({"complainant_kind": "company", "customer_id_type": "uscc",
          "customer_id_number": "91350100M000100Y44"}, "customer_id_number", "校验码"),
    ],
)  # fmt: skip
def test_who_complains_is_refused_in_chinese_as_on_the_register_form_keeping_the_text(
    login, teller, outlet_user, fields, field, words
):
    response = login(teller).post(URL, entry(**fields))
    assert response.status_code == 200
    assert words in " ".join(response.context["form"].errors[field])
    assert "客户反映叫号后等候四十分钟无人办理。" in response.text
    if "customer_id_number" in fields:
        assert fields["customer_id_number"] in response.text
    assert not Complaint.objects.exists()
