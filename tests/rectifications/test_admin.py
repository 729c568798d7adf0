"""The one rectification list: every source, open items first, filters, the Excel export, and
step pages that call the services (nothing is saved through a ModelForm)."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from branchservice.models import FileDownload
from branchservice.rectifications import services
from branchservice.rectifications.models import Rectification
from tests.exports.helpers import open_workbook

CHANGELIST = "admin:rectifications_rectification_changelist"


@pytest.fixture(autouse=True)
def media_root(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"


def step_url(rectification, step):
    return reverse("admin:rectifications_rectification_step", args=[rectification.pk, step])


@pytest.fixture
def three(raise_for, outlet_user, manager):
    """A verified one due first, an open one overdue by the end, one awaiting verification."""
    first = raise_for(due=dt.date(2026, 11, 24))
    first = services.rectification_complete(user=outlet_user, rectification=first, evidence="好")
    services.rectification_verify(user=manager, rectification=first)
    late = raise_for(due=dt.date(2026, 11, 25))
    done = services.rectification_complete(
        user=outlet_user, rectification=raise_for(due=dt.date(2026, 11, 23)), evidence="好"
    )
    return type("Three", (), {"verified": first, "open": late, "done": done})


def test_open_items_come_first_then_those_to_verify(three, manager, login):
    listed = login(manager).get(reverse(CHANGELIST)).context["cl"].result_list
    assert [r.pk for r in listed] == [three.open.pk, three.done.pk, three.verified.pk]


def test_the_list_filters_by_source_status_outlet_and_overdue(three, manager, login, org):
    client = login(manager)

    def shown(**query):
        return {r.pk for r in client.get(reverse(CHANGELIST), query).context["cl"].result_list}

    assert shown(status__exact="done") == {three.done.pk}
    assert shown(source_kind__exact="complaint") == {
        three.open.pk,
        three.done.pk,
        three.verified.pk,
    }
    assert shown(source_kind__exact="checklist") == set()
    assert shown(branch=org.a2.pk) == set()
    assert shown(overdue="yes") == set()
    # Days go by (a login session would not survive travelling there: move the date back).
    Rectification.objects.filter(pk__in=[three.open.pk, three.done.pk]).update(
        due_date=dt.date(2026, 11, 20)
    )
    assert shown(overdue="yes") == {three.open.pk}


def test_the_export_holds_the_rows_the_list_shows(three, manager, login):
    response = login(manager).post(
        reverse("admin:rectifications_rectification_export") + "?status__exact=verified"
    )
    sheet = open_workbook(b"".join(response.streaming_content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2  # the header and the one verified row
    assert "TS-A-202611-0001" in rows[1]


def test_verifying_and_rejecting_go_through_the_step_pages(three, manager, outlet_user, login):
    client = login(manager)
    page = client.get(reverse("admin:rectifications_rectification_change", args=[three.done.pk]))
    offered = [s["url"] for s in page.context["steps"]]
    assert offered == [step_url(three.done, s) for s in ("verify", "reject", "cancel")]
    refused = client.post(step_url(three.done, "reject"), {"reason": " "})
    assert refused.status_code == 200 and refused.context["form"].errors
    assert client.post(step_url(three.done, "reject"), {"reason": "照片不清"}).status_code == 302
    three.done.refresh_from_db()
    assert (three.done.status, three.done.rejection_reason) == ("open", "照片不清")
    # The complaint manager may not verify: the page is refused.
    assert login(outlet_user).get(step_url(three.verified, "verify")).status_code == 403


def test_a_post_to_the_change_page_changes_nothing(three, manager, login):
    url = reverse("admin:rectifications_rectification_change", args=[three.open.pk])
    login(manager).post(url, {"status": "verified", "required_action": "改了"})
    three.open.refresh_from_db()
    assert (three.open.status, three.open.required_action) == ("open", "高峰时段增开窗口。")


def test_an_evidence_file_downloads_in_scope_and_is_logged(raise_for, outlet_user, login):
    done = services.rectification_complete(
        user=outlet_user,
        rectification=raise_for(),
        evidence="见照片",
        files=[SimpleUploadedFile("现场.png", b"\x89PNG\r\n\x1a\n" + b"0" * 20)],
    )
    stored = done.files.get()
    url = reverse("admin:rectifications_rectification_file", args=[done.pk, stored.pk])
    response = login(outlet_user).get(url)
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    assert FileDownload.objects.get().filename == "现场.png"
    assert Rectification.objects.get().files.count() == 1


def test_the_rectification_notice_prints_what_is_required_and_masks_for_auditors(
    raise_for, outlet_user, manager, auditor, login
):
    """整改通知单: the outlet, the finding, the action, who and by when, a signature block; a
    number typed into the required action is masked for those without unmasked access."""
    rectification = raise_for(required_action="回访客户 13812345678，高峰时段增开窗口。")
    change = login(outlet_user).get(
        reverse("admin:rectifications_rectification_change", args=[rectification.pk])
    )
    url = reverse("admin:rectifications_rectification_print", args=[rectification.pk])
    assert url in change.content.decode()

    page = login(outlet_user).get(url).content.decode()
    assert "整改通知单" in page
    for text in (
        rectification.outlet.name,
        rectification.source_label,
        "13812345678",
        "运营部",
        "2026-11-30",
        "整改责任人签收",
    ):
        assert text in page
    masked = login(auditor).get(url).content.decode()
    assert "13812345678" not in masked
    assert "高峰时段增开窗口" in masked


def test_the_printed_notice_records_what_was_done_and_its_verification(
    raise_for, outlet_user, manager, login
):
    rectification = services.rectification_complete(
        user=outlet_user, rectification=raise_for(), evidence="已增开两个窗口"
    )
    services.rectification_verify(user=manager, rectification=rectification)
    url = reverse("admin:rectifications_rectification_print", args=[rectification.pk])
    page = login(outlet_user).get(url).content.decode()
    assert "已增开两个窗口" in page
    assert "已验收" in page
