"""Who complains (issue 14 item 7): the customer, an agent, an heir or a company; identity
documents beyond the resident card; group and major complaints."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from branchservice.notifications.models import Notification
from complaints import services
from complaints.models import Complaint
from tests.complaints.conftest import register
from tests.exports.helpers import open_workbook, response_bytes, sheet_rows

ADD = "admin:complaints_complaint_add"


def add_form(login, user, org, **fields):
    client = login(user)
    token = client.get(reverse(ADD)).context["adminform"].form.initial["submission_token"]
    form = {
        "branch": org.a.pk,
        "kind": "complaint",
        "channel": "phone",
        "received_at": "2026-09-30T10:00",
        "customer_name": "王秀英",
        "customer_phone": "13912345678",
        "description": "来电反映理财产品到期未按约定兑付。",
        "complexity": "simple",
        "submission_token": token,
        **fields,
    }
    return client.post(reverse(ADD), form)


def refused(response, field):
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert field in errors, errors
    return " ".join(errors[field])


@pytest.mark.parametrize(
    ("id_type", "number"),
    [
        ("passport", "E12345678"),
        ("hk_macao_permit", "H12345678"),
        ("taiwan_permit", "12345678"),
        ("foreign_permanent", "USA123456789012"),
        ("resident_id", "11010519491231002X"),
    ],
)
def test_each_id_type_takes_its_own_numbers(frozen, outlet_user, org, id_type, number):
    complaint = register(outlet_user, org.a, customer_id_type=id_type, customer_id_number=number)
    assert (complaint.customer_id_type, complaint.customer_id_number) == (id_type, number)


def test_a_company_registers_with_a_valid_unified_social_credit_code(frozen, outlet_user, org):
    complaint = register(
        outlet_user,
        org.a,
        complainant_kind="company",
        customer_name="福州示范科技有限公司",
        customer_id_type="uscc",
        customer_id_number="91350100m000100y43",
    )
    assert complaint.customer_id_number == "91350100M000100Y43"


def test_a_wrong_check_character_is_refused_in_chinese_keeping_what_was_typed(
    frozen, outlet_user, org, login
):
    response = add_form(login, outlet_user, org, complainant_kind="company",
                        customer_name="福州示范科技有限公司", customer_id_type="uscc",
                        customer_id_number="91350100M000100Y44")  # fmt: skip
    assert "校验码" in refused(response, "customer_id_number")
    page = response.content.decode()
    assert "91350100M000100Y44" in page and "到期未按约定兑付" in page
    assert not Complaint.objects.exists()


def test_a_company_needs_its_code_and_a_person_cannot_use_one(frozen, outlet_user, org, login):
    response = add_form(login, outlet_user, org, complainant_kind="company",
                        customer_id_type="resident_id")  # fmt: skip
    assert "统一社会信用代码" in refused(response, "customer_id_type")
    with pytest.raises(ValidationError) as refusal:
        register(outlet_user, org.a, customer_id_type="uscc",
                 customer_id_number="91350100M000100Y43")  # fmt: skip
    assert "customer_id_type" in refusal.value.message_dict


def test_a_bad_passport_number_is_refused_in_chinese(frozen, outlet_user, org, login):
    response = add_form(login, outlet_user, org, customer_id_type="passport",
                        customer_id_number="E12#45678")  # fmt: skip
    assert "护照号码" in refused(response, "customer_id_number")
    assert "E12#45678" in response.content.decode()


def test_a_phone_of_the_wrong_length_is_refused_in_chinese(frozen, outlet_user, org, login):
    response = add_form(login, outlet_user, org, customer_phone="1391234567")
    assert "11 位" in refused(response, "customer_phone")
    assert "1391234567" in response.content.decode()


def test_an_agent_or_heir_is_named(frozen, outlet_user, org, login):
    response = add_form(login, outlet_user, org, complainant_kind="agent")
    assert "代理人" in refused(response, "representative_name")
    heir = register(outlet_user, org.a, complainant_kind="heir", representative_name="李明")
    assert heir.get_complainant_kind_display() == "继承人"


def test_the_agent_name_is_masked_for_an_auditor(frozen, outlet_user, auditor, org, login):
    complaint = register(outlet_user, org.a, complainant_kind="agent", representative_name="欧阳明")
    page = login(auditor).get(reverse("admin:complaints_complaint_change", args=[complaint.pk]))
    assert "欧阳明" not in page.content.decode() and "欧**" in page.content.decode()


def test_five_complainants_are_a_group_complaint_in_the_list(frozen, outlet_user, org, login):
    register(outlet_user, org.a, complainants=5)
    register(outlet_user, org.a, complainants=4, customer_phone="13900001111")
    page = login(outlet_user).get(reverse("admin:complaints_complaint_changelist"))
    assert page.content.decode().count("群体投诉") == 1


def test_twenty_complainants_are_a_major_complaint_told_to_head_office_at_once(
    frozen, outlet_user, hq, org, login
):
    complaint = register(outlet_user, org.a, complainants=20)
    told = Notification.objects.get(kind="complaint_major")
    assert (told.recipient, told.object_id) == (hq, complaint.pk)
    page = login(outlet_user).get(reverse("admin:complaints_complaint_change", args=[complaint.pk]))
    assert "重大消费投诉" in page.content.decode()


def test_an_edit_to_twenty_complainants_tells_head_office_once(frozen, outlet_user, hq, org):
    complaint = register(outlet_user, org.a, complainants=6)
    assert not Notification.objects.filter(kind="complaint_major").exists()
    for count in (21, 25):
        complaint = services.complaint_update(
            user=outlet_user,
            complaint=Complaint.objects.get(pk=complaint.pk),
            data={"complainants": count},
            expected_version=Complaint.objects.get(pk=complaint.pk).version,
        )
    assert Notification.objects.filter(kind="complaint_major", recipient=hq).count() == 1


def test_nobody_complaining_is_refused(frozen, outlet_user, org):
    with pytest.raises(ValidationError) as refusal:
        register(outlet_user, org.a, complainants=0)
    assert "complainants" in refusal.value.message_dict


def test_the_export_names_who_complains_masked_for_an_auditor(
    frozen, outlet_user, auditor, org, login
):
    register(
        outlet_user, org.a, customer_id_type="passport", customer_id_number="E12345678",
        complainant_kind="agent", representative_name="欧阳明", complainants=6,
    )  # fmt: skip
    response = login(auditor).post(reverse("exports:export", args=["complaints"]))
    header, row = sheet_rows(open_workbook(response_bytes(response)).active)[:2]
    found = dict(zip(header, row, strict=True))
    assert found["证件类型"] == "护照"
    assert found["客户证件号码"] == "E1*****78"
    assert (found["投诉人类型"], found["代理人或继承人姓名"]) == ("委托代理人", "欧**")
    assert (found["投诉人数"], found["重复投诉"], found["紧急"]) == (6, "否", "否")
