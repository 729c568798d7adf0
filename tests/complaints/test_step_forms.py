"""The workflow step pages read like the rest of the admin (issue 15 item 5): fieldsets, bold
required labels, the admin's error note, the attachment limits before the upload, and on the
reply step the apology and rectification notice in their own fieldset, which the page's
script shows only when the bank is at fault; the service still decides what is owed."""

import re

from django.urls import reverse

from complaints.models import Complaint


def move_url(complaint, move):
    return reverse("admin:complaints_complaint_move", args=[complaint.pk, move])


def fieldset(html, html_id):
    match = re.search(
        rf'<fieldset class="module aligned" id="{html_id}">(.*?)</fieldset>', html, re.S
    )
    assert match, f"no fieldset #{html_id}"
    return match.group(1)


def test_the_reply_step_groups_the_rectification_notice_under_bank_at_fault(
    complaint_in, outlet_user, login
):
    complaint = complaint_in(Complaint.Status.INVESTIGATING)
    html = login(outlet_user).get(move_url(complaint, "resolve")).content.decode()
    at_fault = fieldset(html, "at-fault")
    assert "有责投诉：致歉与整改通知" in at_fault
    for name in ("apology", "owner", "responsible_department", "required_action", "due_date"):
        assert f'name="{name}"' in at_fault
    assert 'name="reply_content"' not in at_fault
    assert html.count('<fieldset class="module aligned"') == 3
    assert "complaints/step_form.js" in html and "admin/css/forms.css" in html
    # A required field's label is the admin's bold one.
    assert '<label for="id_reply_facts" class="required">' in html


def test_a_reply_at_fault_without_its_notice_is_refused_in_the_admins_style(
    complaint_in, outlet_user, login
):
    # Without the script the fieldset is shown (and with it, once ticked): the service refuses.
    complaint = complaint_in(Complaint.Status.INVESTIGATING)
    response = login(outlet_user).post(
        move_url(complaint, "resolve"),
        {"founded": "yes", "bank_at_fault": "on", "replied_at": "2026-09-30T15:00",
         "reply_method": "phone", "reply_content": "已答复", "reply_facts": "属实。",
         "reply_grounds": "服务规范。"},
    )  # fmt: skip
    html = response.content.decode()
    assert response.status_code == 200
    assert '<p class="errornote">' in html
    assert 'class="form-row errors field-apology"' in fieldset(html, "at-fault")
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.INVESTIGATING


def test_a_saved_step_lands_on_the_complaint_with_a_message(complaint_in, outlet_user, login):
    complaint = complaint_in(Complaint.Status.ACKNOWLEDGED)
    response = login(outlet_user).post(
        move_url(complaint, "investigate"), {"note": "调阅监控。"}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse(
        "admin:complaints_complaint_change", args=[complaint.pk]
    )
    assert complaint.reference in response.content.decode()
    assert [m.level_tag for m in response.context["messages"]] == ["success"]


def test_the_attachment_step_says_what_may_be_uploaded_before_the_upload(
    complaint_in, outlet_user, login
):
    complaint = complaint_in(Complaint.Status.INVESTIGATING)
    html = login(outlet_user).get(move_url(complaint, "attach")).content.decode()
    assert "不超过 10 MB" in html
    assert re.search(r'accept="[^"]*\.pdf[^"]*\.amr', html)
