"""Every complaint URL refuses a user outside the complaint's branch, and customer data is
masked wherever the full value is not needed."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from branchservice.models import FileDownload
from complaints import services
from complaints.models import Complaint, Move
from tests.complaints.test_services import _founded

PDF = b"%PDF-1.4 letter scan"


@pytest.fixture
def full_complaint(complaint_in, outlet_user):
    """A founded complaint of outlet A with a rectification notice and an attachment."""
    complaint = _founded(
        complaint_in(Complaint.Status.INVESTIGATING, customer_id_number="11010519491231002X"),
        outlet_user,
    )
    services.attachment_add(
        user=outlet_user,
        complaint=complaint,
        file=SimpleUploadedFile("信函.pdf", PDF, content_type="application/pdf"),
    )
    return complaint


def complaint_urls(complaint):
    pk = complaint.pk
    version = complaint.history.latest().history_id
    notice = complaint.rectifications.get()
    attachment = complaint.attachments.get()
    urls = [
        reverse("admin:complaints_complaint_change", args=[pk]),
        reverse("admin:complaints_complaint_history", args=[pk]),
        reverse("admin:complaints_complaint_simple_history", args=[pk, version]),
        reverse("admin:complaints_complaint_attachment", args=[pk, attachment.pk]),
        reverse("admin:rectifications_rectification_change", args=[notice.pk]),
        reverse("admin:rectifications_rectification_history", args=[notice.pk]),
    ]
    urls += [
        reverse("admin:rectifications_rectification_step", args=[notice.pk, step])
        for step in ("complete", "verify", "reject", "reassign", "cancel")
    ]
    urls += [reverse("admin:complaints_complaint_move", args=[pk, m.value]) for m in Move]
    return urls


def test_an_outsider_gets_not_found_on_every_complaint_url(full_complaint, outsider, login):
    client = login(outsider)
    for url in complaint_urls(full_complaint):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"note": "x", "reason": "x"}).status_code == 404, url
    listed = client.get(reverse("admin:complaints_complaint_changelist")).context["cl"]
    assert full_complaint not in listed.result_list
    full_complaint.refresh_from_db()
    assert full_complaint.status == Complaint.Status.RESOLVED


def test_the_sub_branch_manager_and_head_office_see_it(full_complaint, manager, hq, login):
    for user in (manager, hq):
        client = login(user)
        url = reverse("admin:complaints_complaint_change", args=[full_complaint.pk])
        assert client.get(url).status_code == 200
        client.logout()


def test_the_attachment_downloads_for_the_outlet(full_complaint, outlet_user, org, login):
    attachment = full_complaint.attachments.get()
    response = login(outlet_user).get(
        reverse("admin:complaints_complaint_attachment", args=[full_complaint.pk, attachment.pk])
    )
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    # The download is in the audit trail, filed under the complaint's outlet.
    logged = FileDownload.objects.get()
    assert (logged.user, logged.branch, logged.filename) == (outlet_user, org.a, "信函.pdf")
    assert logged.subject == f"投诉 {full_complaint.reference} 的附件"


def test_a_refused_attachment_download_is_not_logged(full_complaint, outsider, login):
    attachment = full_complaint.attachments.get()
    response = login(outsider).get(
        reverse("admin:complaints_complaint_attachment", args=[full_complaint.pk, attachment.pk])
    )
    assert response.status_code == 404
    assert not FileDownload.objects.exists()


def test_the_changelist_masks_customer_data(full_complaint, outlet_user, login):
    response = login(outlet_user).get(reverse("admin:complaints_complaint_changelist"))
    html = response.content.decode()
    assert "138****5678" in html
    assert "13812345678" not in html
    assert "张*" in html


def test_handlers_see_full_data_on_the_change_page_auditors_masked(
    full_complaint, outlet_user, auditor, login
):
    url = reverse("admin:complaints_complaint_change", args=[full_complaint.pk])
    assert "13812345678" in login(outlet_user).get(url).content.decode()
    login(outlet_user).logout()
    html = login(auditor).get(url).content.decode()
    assert "13812345678" not in html and "138****5678" in html
    assert "110105********002X" in html


def test_auditors_read_the_history_with_customer_data_masked(
    full_complaint, outlet_user, auditor, login
):
    # A change of the customer's phone: the history list shows the old and the new number.
    services.complaint_update(
        user=outlet_user,
        complaint=full_complaint,
        data={"customer_phone": "13987654321"},
        expected_version=full_complaint.version,
    )
    old_version = full_complaint.history.earliest().history_id
    pages = [
        reverse("admin:complaints_complaint_history", args=[full_complaint.pk]),
        reverse("admin:complaints_complaint_simple_history", args=[full_complaint.pk, old_version]),
    ]
    history, version = (login(auditor).get(url) for url in pages)
    assert (history.status_code, version.status_code) == (200, 200)
    for html in (history.content.decode(), version.content.decode()):
        assert "13812345678" not in html and "13987654321" not in html
        assert "11010519491231002X" not in html and "张伟" not in html
    assert "138****5678" in history.content.decode() and "139****4321" in history.content.decode()
    assert "138****5678" in version.content.decode()
    assert "110105********002X" in version.content.decode()
    # The handler, who needs the full values, sees them.
    handler_history = login(outlet_user).get(pages[0]).content.decode()
    assert "13812345678" in handler_history and "13987654321" in handler_history


def test_an_auditor_gets_no_workflow_buttons_and_no_edit(full_complaint, auditor, login):
    client = login(auditor)
    response = client.get(reverse("admin:complaints_complaint_change", args=[full_complaint.pk]))
    assert response.context["workflow_moves"] == []
    url = reverse("admin:complaints_complaint_move", args=[full_complaint.pk, "follow_up"])
    assert client.get(url).status_code == 403


def test_nobody_deletes_a_complaint(full_complaint, hq, login):
    url = reverse("admin:complaints_complaint_delete", args=[full_complaint.pk])
    assert login(hq).post(url, {"post": "yes"}).status_code == 403
    assert Complaint.objects.filter(pk=full_complaint.pk).exists()


def test_head_office_voids_with_a_reason_from_the_change_page(full_complaint, hq, login):
    client = login(hq)
    url = reverse("admin:complaints_complaint_move", args=[full_complaint.pk, "void"])
    assert client.post(url, {"reason": ""}).status_code == 200
    assert client.post(url, {"reason": "重复登记"}).status_code == 302
    full_complaint.refresh_from_db()
    assert full_complaint.status == Complaint.Status.VOID


def test_a_lobby_manager_has_no_access_to_the_register(full_complaint, lobby_user, login):
    response = login(lobby_user).get(
        reverse("admin:complaints_complaint_change", args=[full_complaint.pk])
    )
    assert response.status_code == 302  # to the admin login: not staff


@pytest.mark.parametrize(
    ("name", "content", "ok"),
    [
        ("scan.pdf", PDF, True),
        ("photo.png", b"\x89PNG\r\n\x1a\n....", True),
        ("note.exe", b"MZ....", False),
        ("fake.pdf", b"<html>not a pdf</html>", False),
        # RIFF is a container: a WAV recording (or an AVI) renamed .webp is not an image.
        ("photo.webp", b"RIFF\x24\x00\x00\x00WAVEfmt ", False),
        ("photo.webp", b"RIFF\x24\x00\x00\x00WEBPVP8 ", True),
        ("call.wav", b"RIFF\x24\x00\x00\x00WAVEfmt ", True),
    ],
)
def test_attachments_are_checked_by_type(complaint_in, outlet_user, login, name, content, ok):
    complaint = complaint_in(Complaint.Status.ACKNOWLEDGED)
    url = reverse("admin:complaints_complaint_move", args=[complaint.pk, "attach"])
    response = login(outlet_user).post(url, {"file": SimpleUploadedFile(name, content)})
    assert (response.status_code == 302) is ok
    assert complaint.attachments.exists() is ok


def test_attachments_over_the_size_cap_are_refused(complaint_in, outlet_user, login, settings):
    settings.COMPLAINT_ATTACHMENT_MAX_BYTES = 10
    complaint = complaint_in(Complaint.Status.ACKNOWLEDGED)
    url = reverse("admin:complaints_complaint_move", args=[complaint.pk, "attach"])
    response = login(outlet_user).post(url, {"file": SimpleUploadedFile("scan.pdf", PDF)})
    assert response.status_code == 200
    assert "file" in response.context["form"].errors
