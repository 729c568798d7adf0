"""The outlet head's path in the admin: upload a GBK file with shuffled columns, map them
(with a preview), import, and read the results; and what others may not do."""

import datetime as dt

from django.urls import reverse

from branchservice.roles import Role
from servicetimes.generate import csv_bytes
from servicetimes.models import ColumnMapping, Finding, Ticket, TicketImport
from tests.factories import UserFactory

from .conftest import log_rows, upload


def upload_file(client, org, data, name="queue.csv"):
    return client.post(
        reverse("admin:servicetimes_ticketimport_upload"),
        {"branch": org.a.pk, "file": upload(data, name)},
    )


def test_upload_map_preview_import_and_results(org, tellers, head_a, login):
    client = login(head_a)
    rows = log_rows()
    response = upload_file(client, org, csv_bytes(rows, order=[3, 7, 1, 0, 6, 5, 2, 4]))
    ticket_import = TicketImport.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("admin:servicetimes_ticketimport_map", args=[ticket_import.pk])
    page = client.get(response.url)
    text = page.content.decode()
    # Guessed from the column names, the customer-name column left out, and a preview.
    assert page.context["form"]["teller"].initial == "柜员号"
    assert "客户姓名" in text and "不导入" in text
    assert len(page.context["rows"]) == 20 and not any(r.errors for r in page.context["rows"])
    first = page.context["rows"][0].values
    assert f"<td>{first['ticket_number']}</td>" in text and f"{first['wait_seconds']} s" in text
    columns = {name: field.initial for name, field in page.context["form"].fields.items()}
    done = client.post(response.url, {**{k: v or "" for k, v in columns.items()}, "import": "1"})
    assert done.status_code == 302
    ticket_import.refresh_from_db()
    assert ticket_import.status == TicketImport.Status.DONE
    assert Ticket.objects.filter(branch=org.a).count() == len(rows)
    assert ColumnMapping.objects.get(branch=org.a).columns["teller"] == "柜员号"
    results = client.get(
        reverse("admin:servicetimes_ticket_results"), {"scope": org.a.pk, "period": "2026-11"}
    )
    assert results.status_code == 200
    assert results.context["results"]["total"].count == len(rows)
    assert "柜员 × 业务类型" in results.content.decode()


def test_the_preview_shows_each_rows_errors(org, tellers, head_a, login):
    client = login(head_a)
    rows = log_rows()
    rows[1]["teller"] = "G999"
    response = upload_file(client, org, csv_bytes(rows))
    preview = client.get(response.url).context["rows"]
    assert preview[1].number == 3 and "G999" in preview[1].errors[0]
    assert not preview[0].errors


def test_a_refused_upload_says_why_on_the_page(org, head_a, login):
    response = upload_file(login(head_a), org, b"\xd0\xcf\x11\xe0" + b"\0" * 50, "old.xls")
    assert response.status_code == 200
    assert ".xlsx" in response.content.decode()
    assert not TicketImport.objects.exists()


def test_b_cannot_map_or_read_the_results_of_a(org, tellers, head_a, login):
    upload_file(login(head_a), org, csv_bytes(log_rows()))
    ticket_import = TicketImport.objects.get()
    head_b = UserFactory(username="head_b", branch=org.b, roles=[Role.BRANCH_MANAGER])
    client = login(head_b)
    assert (
        client.get(
            reverse("admin:servicetimes_ticketimport_map", args=[ticket_import.pk])
        ).status_code
        == 404
    )
    refused = client.get(reverse("admin:servicetimes_ticket_results"), {"scope": org.a.pk})
    # A branch outside the user's scope is not even a choice of the form: their own is shown.
    assert refused.status_code == 200 and refused.context["scope"] == org.b


def test_a_finding_is_recorded_on_the_outlet_results(org, tellers, head_a, login):
    client = login(head_a)
    url = reverse("admin:servicetimes_ticket_results") + f"?scope={org.a.pk}&period=2026-11"
    response = client.post(url, {"cause": "equipment", "description": "外汇终端离柜台太远"})
    assert response.status_code == 302
    finding = Finding.objects.get()
    assert (finding.branch, finding.period, finding.cause) == (
        org.a,
        dt.date(2026, 11, 1),
        "equipment",
    )
    assert "外汇终端离柜台太远" in client.get(url).content.decode()


def test_a_finding_with_a_required_action_raises_a_rectification_for_the_outlet(
    org, tellers, head_a, login
):
    from branchservice.rectifications.models import Rectification

    client = login(head_a)
    url = reverse("admin:servicetimes_ticket_results") + f"?scope={org.a.pk}&period=2026-11"
    form = client.get(url).context["finding_form"]
    assert form["owner"].initial == head_a.pk  # the outlet head, by default
    response = client.post(
        url,
        {
            "cause": "equipment",
            "description": "外汇终端离柜台太远，柜员离岗取单",
            "required_action": "把外汇终端移到 3 号窗口旁",
            "owner": head_a.pk,
            "due_date": "2026-12-31",
        },
    )
    assert response.status_code == 302
    rectification = Rectification.objects.get()
    finding = Finding.objects.get()
    assert rectification.source == finding and rectification.source_kind == "time_finding"
    assert (rectification.outlet, rectification.owner) == (org.a, head_a)
    assert rectification.due_date == dt.date(2026, 12, 31)
    page = client.get(url).content.decode()
    assert "把外汇终端移到 3 号窗口旁" in page
    assert reverse("admin:rectifications_rectification_change", args=[rectification.pk]) in page


def test_a_required_action_without_owner_or_due_date_records_nothing(org, tellers, head_a, login):
    from branchservice.rectifications.models import Rectification

    client = login(head_a)
    url = reverse("admin:servicetimes_ticket_results") + f"?scope={org.a.pk}&period=2026-11"
    data = {"cause": "process", "description": "流程繁琐", "required_action": "简化流程"}
    refused = client.post(url, {**data, "due_date": ""})
    assert refused.status_code == 200
    assert refused.context["finding_form"].errors["due_date"]
    # A due date in the past is the rectification service's refusal: the finding goes too.
    past = client.post(url, {**data, "owner": head_a.pk, "due_date": "2020-01-01"})
    assert past.status_code == 200 and past.context["finding_form"].errors
    assert not Finding.objects.exists() and not Rectification.objects.exists()


# ---- timing by hand on the tablet -----------------------------------------------------------


def timing(org, teller, *, start="2026-11-02T02:00:00Z", stop="2026-11-02T02:03:30Z", **extra):
    from servicetimes.models import TransactionType

    return {
        "branch": org.a.pk,
        "transaction_type": TransactionType.objects.get(code="deposit").pk,
        "teller": teller.pk,
        "started_at": start,
        "finished_at": stop,
        **extra,
    }


def test_a_transaction_timed_on_the_tablet_is_kept_and_the_next_timing_is_one_tap(
    org, tellers, head_a, login
):
    client = login(head_a)
    url = reverse("admin:servicetimes_ticket_time")
    page = client.get(url)
    assert page.status_code == 200 and "开始" in page.content.decode()
    assert page.context["form"]["branch"].initial == org.a.pk  # the head's only outlet
    response = client.post(url, timing(org, tellers[0]), follow=True)
    ticket = Ticket.objects.get(source=Ticket.Source.MANUAL)
    assert (ticket.handling_seconds, ticket.teller, ticket.recorded_by) == (210, tellers[0], head_a)
    assert ticket.business_date == dt.date(2026, 11, 2) and ticket.hour == 10  # Beijing time
    assert ticket.wait_seconds is None and ticket.standard is not None
    # Back on the page, the outlet and teller chosen again; the timing is listed and judged.
    assert response.redirect_chain[-1][0] == f"{url}?branch={org.a.pk}&teller={tellers[0].pk}"
    text = response.content.decode()
    assert "3:30" in text and "标准 3:00" in text
    assert response.context["form"]["teller"].initial == str(tellers[0].pk)


def test_a_timing_that_stops_before_it_starts_or_of_another_outlets_teller_is_refused(
    org, tellers, head_a, login
):
    from servicetimes.models import Teller

    client = login(head_a)
    url = reverse("admin:servicetimes_ticket_time")
    backwards = client.post(url, timing(org, tellers[0], stop="2026-11-02T01:59:00Z"))
    assert "结束早于开始" in backwards.content.decode()
    foreign = Teller.objects.create(branch=org.b, code="X9", name="外网点柜员")
    refused = client.post(url, timing(org, foreign))
    assert refused.status_code == 200 and refused.context["form"].errors
    assert not Ticket.objects.exists()


def test_lobby_staff_and_other_outlets_cannot_time(org, tellers, login):
    outsider = UserFactory(username="cm_b", branch=org.b, roles=[Role.COMPLAINT_MANAGER])
    url = reverse("admin:servicetimes_ticket_time")
    assert login(outsider).get(url).status_code == 403
    head_b = UserFactory(username="head_b", branch=org.b, roles=[Role.BRANCH_MANAGER])
    refused = login(head_b).post(url, timing(org, tellers[0]))
    assert refused.status_code == 200 and refused.context["form"].errors
    assert not Ticket.objects.exists()
