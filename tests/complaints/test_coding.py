"""JR/T 0169 coding (issue 18): every complaint is coded on A business channel, B business
category and C complaint reason, each a hierarchical numeric code list. Entries are retired,
never deleted, so a complaint keeps the code it was classified with."""

import importlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from complaints import services
from complaints.models import BusinessCategory, BusinessChannel, Complaint, ComplaintReason
from complaints.workflow import Move, allowed_moves
from tests.complaints.conftest import at, register
from tests.complaints.test_concurrent_edits import form_data
from tests.exports.helpers import open_workbook, response_bytes, sheet_rows

seeded = importlib.import_module("complaints.migrations.0002_reference_data")
coding = importlib.import_module("complaints.migrations.0015_jrt_codes")


# --- the mapping of the seeded slugs --------------------------------------------------------


@pytest.mark.parametrize(
    "slugs, mapping",
    [
        ([code for code, _name, _parent in seeded.CATEGORIES], coding.CATEGORY_CODES),
        ([code for code, _name in seeded.REASONS], coding.REASON_CODES),
    ],
    ids=["categories", "reasons"],
)
def test_it_maps_every_seeded_slug_to_a_unique_numeric_code(slugs, mapping):
    assert set(slugs) == set(mapping)
    codes = [code for code, _parent in mapping.values()]
    assert len(codes) == len(set(codes))
    assert all(code.isdigit() for code in codes)
    for code, parent in mapping.values():
        if parent is not None:
            assert parent in codes and code.startswith(parent) and code != parent
    # "其他" is 99 in every list.
    assert mapping["other"] == ("99", None)


def test_the_migrated_lists_hold_numeric_codes_and_levels(db):
    for model in (BusinessChannel, BusinessCategory, ComplaintReason):
        entries = list(model.objects.select_related("parent"))
        assert entries and all(e.code.isdigit() for e in entries), model
        for e in entries:
            assert e.level == (e.parent.level + 1 if e.parent else 1)
    assert BusinessCategory.objects.get(code="0301").parent.code == "03"
    # Not top-level classes of the standard: 中类 under 服务态度及服务质量.
    assert ComplaintReason.objects.get(code="0101").name == "排队等候"
    assert ComplaintReason.objects.get(code="0101").parent.code == "01"
    assert set(BusinessChannel.objects.values_list("name", flat=True)) >= {
        "营业现场",
        "自助机具",
        "电子渠道",
        "第三方渠道",
        "中后台",
        "其他",
    }
    assert BusinessChannel.objects.get(code="99").name == "其他"


def test_an_entry_added_by_an_administrator_is_recoded_after_its_parent(db):
    # Entries an administrator added before the migration carry slugs not in the mapping.
    card = BusinessCategory.objects.get(code="03")
    atm = BusinessCategory.objects.create(code="atm_card", name="联名卡", parent=card)
    gold = BusinessCategory.objects.create(code="gold", name="贵金属")
    coding.recode(BusinessCategory, coding.CATEGORY_CODES)
    atm.refresh_from_db()
    gold.refresh_from_db()
    assert (atm.code, atm.parent.code, atm.level) == ("0303", "03", 2)
    assert (gold.code, gold.parent.code, gold.level) == ("9903", "99", 2)
    # The seeded entries keep their codes when it runs again.
    assert BusinessCategory.objects.get(code="0301").name == "借记卡"


# --- the code lists in the admin ------------------------------------------------------------


def test_the_code_list_says_the_seeded_codes_must_be_checked(hq, login):
    page = login(hq).get(reverse("admin:complaints_businesschannel_changelist"))
    assert page.status_code == 200
    assert "JR/T 0169-2018" in page.content.decode()
    assert "核对" in page.content.decode()


def test_a_child_code_must_extend_its_parents_code(hq, login):
    client = login(hq)
    parent = BusinessChannel.objects.get(code="03")
    add = reverse("admin:complaints_businesschannel_add")
    refused = client.post(add, {"code": "0401", "name": "手机银行", "parent": parent.pk})
    assert refused.status_code == 200
    assert "03" in str(refused.context["adminform"].form.errors["code"])
    assert client.post(add, {"code": "03ab", "name": "手机银行"}).status_code == 200
    done = client.post(
        add, {"code": "0302", "name": "手机银行", "parent": parent.pk, "is_active": "on"}
    )
    assert done.status_code == 302
    assert BusinessChannel.objects.get(code="0302").level == 2


def test_an_entrys_code_is_fixed_once_made(hq, login):
    entry = BusinessChannel.objects.get(code="02")
    url = reverse("admin:complaints_businesschannel_change", args=[entry.pk])
    client = login(hq)
    client.post(url, {"code": "07", "name": "自助设备", "is_active": "on"})
    entry.refresh_from_db()
    assert (entry.code, entry.name) == ("02", "自助设备")
    assert (
        not login(hq)
        .get(reverse("admin:complaints_businesschannel_changelist"))
        .context["cl"]
        .model_admin.has_delete_permission(None)
    )


# --- classifying a complaint ----------------------------------------------------------------


def _autocomplete(client, field, term=""):
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "complaints", "model_name": "complaint", "field_name": field, "term": term},
    )
    assert response.status_code == 200
    return {r["text"] for r in response.json()["results"]}


@pytest.mark.parametrize(
    "field, model, code",
    [
        ("business_channel", BusinessChannel, "02"),
        ("category", BusinessCategory, "0301"),
        ("reason", ComplaintReason, "0101"),
    ],
)
def test_the_form_searches_active_entries_as_one_types(
    frozen, outlet_user, login, field, model, code
):
    client = login(outlet_user)
    entry = model.objects.get(code=code)
    assert _autocomplete(client, field, entry.name) == {str(entry)}
    assert str(entry) in _autocomplete(client, field, code)
    entry.is_active = False
    entry.save()
    assert _autocomplete(client, field, entry.name) == set()
    page = client.get(reverse("admin:complaints_complaint_add")).content.decode()
    assert f'data-field-name="{field}"' in page


def test_a_retired_entry_stays_on_the_complaints_classified_with_it(
    frozen, outlet_user, org, login
):
    queueing = ComplaintReason.objects.get(code="0101")
    complaint = register(outlet_user, org.a, reason=queueing)
    queueing.is_active = False
    queueing.save()
    client = login(outlet_user)
    url = reverse("admin:complaints_complaint_change", args=[complaint.pk])
    page = client.get(url)
    assert "0101 排队等候" in page.content.decode()
    # Editing something else keeps it.
    assert client.post(url, form_data(page, complained_about="3 号柜员")).status_code == 302
    complaint.refresh_from_db()
    assert complaint.reason == queueing and complaint.complained_about == "3 号柜员"
    # A new complaint cannot be classified with it.
    with pytest.raises(ValidationError) as refused:
        register(outlet_user, org.a, reason=queueing)
    assert "reason" in refused.value.message_dict


def test_a_complaint_is_coded_on_all_three_dimensions(frozen, outlet_user, org):
    complaint = register(
        outlet_user, org.a, business_channel=BusinessChannel.objects.get(code="01")
    )
    assert [getattr(complaint, f).coded_label for f in Complaint.CODED_FIELDS] == [
        "A 01 / 营业现场",
        "B 01 / 人民币储蓄/存款",
        "C 0101 / 排队等候",
    ]


# --- B and C before the reply ---------------------------------------------------------------


def _reply(complaint, user):
    return services.complaint_resolve(
        user=user,
        complaint=complaint,
        replied_at=at(2026, 9, 30, 15),
        reply_method=Complaint.ReplyMethod.PHONE,
        reply_content="已致歉。",
        customer_accepted=True,
        founded=False,
        reply_facts="核实。",
        reply_grounds="规范。",
    )


@pytest.mark.parametrize("missing", ["category", "reason"])
def test_a_complaint_is_not_replied_to_before_it_has_b_and_c(
    frozen, outlet_user, org, complaint_in, missing
):
    complaint = complaint_in(Complaint.Status.INVESTIGATING)
    setattr(complaint, missing, None)
    complaint.save()
    assert Move.RESOLVE not in allowed_moves(complaint, outlet_user)
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        _reply(complaint, outlet_user)
    assert "业务类别（B）和投诉原因（C）" in refused.value.messages[0]
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.INVESTIGATING


def test_the_change_page_says_why_the_reply_is_not_offered(frozen, outlet_user, org, login):
    complaint = register(outlet_user, org.a, reason=None)
    client = login(outlet_user)
    page = client.get(reverse("admin:complaints_complaint_change", args=[complaint.pk]))
    assert "答复前请先填写业务类别（B）和投诉原因（C）" in page.content.decode()
    complaint.reason = ComplaintReason.objects.get(code="01")
    complaint.save()
    page = client.get(reverse("admin:complaints_complaint_change", args=[complaint.pk]))
    assert "答复前请先填写" not in page.content.decode()


def test_nor_resolved_on_the_spot_without_them(frozen, outlet_user, org):
    complaint = register(outlet_user, org.a, category=None)
    assert Move.RESOLVE_ON_SPOT not in allowed_moves(complaint, outlet_user)
    with pytest.raises(ValidationError):
        services.complaint_resolve_on_spot(
            user=outlet_user, complaint=complaint, reply_content="当场解决。"
        )
    complaint.category = BusinessCategory.objects.get(code="01")
    complaint.save()
    assert Move.RESOLVE_ON_SPOT in allowed_moves(complaint, outlet_user)


def test_a_suggestion_is_answered_without_codes(frozen, outlet_user, org):
    suggestion = register(outlet_user, org.a, kind="suggestion", category=None, reason=None)
    suggestion = services.complaint_acknowledge(
        user=outlet_user,
        complaint=suggestion,
        acknowledged_at=at(2026, 9, 30, 11),
        estimated_reply_at=at(2026, 10, 9),
    )
    assert Move.RESOLVE in allowed_moves(suggestion, outlet_user)


# --- exports --------------------------------------------------------------------------------


def test_the_export_shows_each_dimension_with_its_code(frozen, outlet_user, org, auditor, login):
    register(outlet_user, org.a, business_channel=BusinessChannel.objects.get(code="02"))
    register(outlet_user, org.a, category=None, reason=None)
    response = login(auditor).post(reverse("admin:complaints_complaint_export"))
    assert response.status_code == 200
    header, *rows = sheet_rows(open_workbook(response_bytes(response)).active)
    columns = [
        header.index(name) for name in ("业务办理渠道（A）", "业务类别（B）", "投诉原因（C）")
    ]
    assert sorted([row[i] or "" for i in columns] for row in rows) == [
        ["", "", ""],
        ["A 02 / 自助机具", "B 01 / 人民币储蓄/存款", "C 0101 / 排队等候"],
    ]


# --- importing the official table -----------------------------------------------------------

TABLE = "代码,名称\n01,营业现场\n02,自助设备\n03,电子渠道\n0301,网上银行\n0302,手机银行\n99,其他\n"


def _import_url():
    return reverse("admin:complaints_businesschannel_import")


def test_the_code_table_is_previewed_before_it_is_applied(frozen, outlet_user, org, hq, login):
    third_party = BusinessChannel.objects.get(code="04")
    classified = register(outlet_user, org.a, business_channel=third_party)
    client = login(hq)
    upload = SimpleUploadedFile("jrt.csv", TABLE.encode("gb18030"), content_type="text/csv")
    preview = client.post(_import_url(), {"file": upload, "preview": "1"})
    assert preview.status_code == 200
    html = preview.content.decode()
    assert 'id="code-table-preview"' in html
    assert "0301" in html and "网上银行" in html  # new
    assert "自助机具 → 自助设备" in html  # renamed
    assert "第三方渠道" in html and "中后台" in html  # retired: not in the table
    # Nothing changes until the preview is confirmed.
    assert not BusinessChannel.objects.filter(code="0301").exists()
    done = client.post(_import_url(), {"rows_json": preview.context["rows_json"], "apply": "1"})
    assert done.status_code == 302
    assert BusinessChannel.objects.get(code="0302").parent.code == "03"
    assert BusinessChannel.objects.get(code="0302").level == 2
    assert BusinessChannel.objects.get(code="02").name == "自助设备"
    third_party.refresh_from_db()
    assert not third_party.is_active
    # The complaint classified with a retired entry keeps it.
    classified.refresh_from_db()
    assert classified.business_channel == third_party


def test_a_broken_table_is_refused_with_its_rows_named(hq, login):
    client = login(hq)
    bad = "code,name\n01,营业现场\n0x,手机\n01,重复\n"
    upload = SimpleUploadedFile("jrt.csv", bad.encode(), content_type="text/csv")
    page = client.post(_import_url(), {"file": upload, "preview": "1"}).content.decode()
    assert 'id="code-table-errors"' in page and 'id="code-table-preview"' not in page
    assert "第 3 行" in page and "第 4 行" in page
    assert not BusinessChannel.objects.filter(name="重复").exists()


def test_only_who_keeps_the_lists_imports_them(outlet_user, auditor, login):
    for user in (outlet_user, auditor):
        assert login(user).get(_import_url()).status_code == 403
