import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from complaints import services
from complaints.admin import CappedPaginator
from complaints.models import BusinessCategory, Complaint
from tests.complaints.conftest import at, register


def _changelist_queries(client, count, params=""):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("admin:complaints_complaint_changelist") + params)
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == count
    return len(captured)


@pytest.mark.parametrize("params", ["", "?deadline=overdue", "?status=registered&kind=complaint"])
def test_the_changelist_costs_the_same_queries_for_2_and_20_rows(
    frozen, outlet_user, manager, org, login, params
):
    # Three weeks after receipt: every entry is overdue for acknowledgement.
    frozen.move_to(at(2026, 10, 20))
    client = login(manager)
    for _i in range(2):
        register(outlet_user, org.a)
    small = _changelist_queries(client, 2, params)
    # Every category is a sub-category (its name shows its parent's) and every row has a
    # handler: neither may cost a query per row.
    categories = list(BusinessCategory.objects.filter(parent__isnull=False))
    for i in range(18):
        register(
            manager if i % 2 else outlet_user,
            org.a2 if i % 2 else org.a,
            category=categories[i % len(categories)],
        )
    large = _changelist_queries(client, 20, params)
    assert small == large


def test_filters_find_overdue_entries_and_branches_in_scope(
    frozen, outlet_user, manager, org, login
):
    old = register(outlet_user, org.a, received_at=at(2026, 9, 28))
    fresh = register(manager, org.a2)
    client = login(manager)
    url = reverse("admin:complaints_complaint_changelist")
    overdue = client.get(url + "?deadline=overdue").context["cl"].result_list
    assert list(overdue) == [old]
    by_branch = client.get(url + f"?branch={org.a2.pk}").context["cl"].result_list
    assert list(by_branch) == [fresh]
    assert list(client.get(url + "?q=TS-A2-202609-0001").context["cl"].result_list) == [fresh]
    assert set(client.get(url + "?q=13812345678").context["cl"].result_list) == {old, fresh}
    branch_filter = dict(client.get(url).context["cl"].filter_specs[0].lookup_choices)
    assert org.b.pk not in branch_filter and org.a.pk in branch_filter


def test_an_outsider_cannot_filter_into_another_branch(frozen, outlet_user, outsider, org, login):
    register(outlet_user, org.a)
    url = reverse("admin:complaints_complaint_changelist") + f"?branch={org.a.pk}"
    assert list(login(outsider).get(url).context["cl"].result_list) == []
    assert Complaint.objects.count() == 1


def test_the_year_and_month_navigation_filters_by_time_of_receipt(frozen, outlet_user, org, login):
    register(outlet_user, org.a)
    august = register(outlet_user, org.a, received_at=at(2025, 12, 15))
    client = login(outlet_user)
    url = reverse("admin:complaints_complaint_changelist")
    years = client.get(url).context["received_navigation"]["choices"]
    assert [y["title"] for y in years] == ["2026", "2025"]
    months = client.get(url + "?received_at__year=2025").context["received_navigation"]
    assert len(months["choices"]) == 12
    page = client.get(url + "?received_at__year=2025&received_at__month=12")
    assert list(page.context["cl"].result_list) == [august]


def test_a_huge_register_says_more_than_the_cap_instead_of_counting_it(
    frozen, outlet_user, org, login, monkeypatch
):
    monkeypatch.setattr(CappedPaginator, "CAP", 2)
    for _i in range(3):
        register(outlet_user, org.a)
    response = login(outlet_user).get(reverse("admin:complaints_complaint_changelist"))
    assert response.context["cl"].paginator.capped
    assert len(response.context["cl"].result_list) == 3


def _badges(response, complaint) -> dict[str, str]:
    """The row's deadline badges as label → state class, read from the page's HTML."""
    html = response.content.decode()
    # The row's link (its reference may break after the outlet's code: a <wbr> inside it).
    row = html[html.index(reverse("admin:complaints_complaint_change", args=[complaint.pk])) :]
    row = row[: row.index("</tr>")]
    return {
        label: state
        for state, label in re.findall(r'class="cmpl-badge cmpl-(\w+)">([^：<]+)：', row)
    }


def test_the_list_badges_both_ceilings_as_the_work_queue_does(
    frozen, outlet_user, manager, org, login
):
    complaint = register(outlet_user, org.a)
    services.complaint_acknowledge(
        user=outlet_user,
        complaint=complaint,
        acknowledged_at=at(2026, 9, 30, 11),
        estimated_reply_at=at(2026, 10, 9),
    )
    url = reverse("admin:complaints_complaint_changelist")
    # 13 Oct: the reply (8 Oct) passed; both ceilings fall on 15 Oct (7 working days with the
    # adjusted Saturday 10 Oct; 15 natural days): within two working days, within the
    # regulatory ceiling's 3 warning days.
    frozen.move_to(at(2026, 10, 13, 9))
    assert _badges(login(manager).get(url), complaint) == {
        "受理确认": "met",
        "答复": "overdue",
        "网点办结上限": "due_soon",
        "监管时限": "due_soon",
    }
    frozen.move_to(at(2026, 10, 16, 9))
    client = login(manager)  # the session of 13 Oct has long expired
    assert _badges(client.get(url), complaint) == {
        "受理确认": "met",
        "答复": "overdue",
        "网点办结上限": "overdue",
        "监管时限": "overdue",
    }
    # The change page's table of deadlines says the same of the ceilings.
    page = client.get(reverse("admin:complaints_complaint_change", args=[complaint.pk]))
    statuses = {str(d["label"]): d["status"] for d in page.context["deadlines"]}
    assert statuses["网点办结上限"] == statuses["监管时限"] == "overdue"


def test_a_withdrawn_entry_has_no_pending_ceiling_badges(frozen, outlet_user, manager, org, login):
    complaint = register(outlet_user, org.a)
    services.complaint_withdraw(user=outlet_user, complaint=complaint, reason="客户来电撤回")
    frozen.move_to(at(2026, 10, 16, 9))
    page = login(manager).get(reverse("admin:complaints_complaint_changelist"))
    assert _badges(page, complaint) == {}


def test_open_entries_come_first_then_the_closed_ones_each_newest_first(
    frozen, outlet_user, manager, org, login
):
    old_open = register(outlet_user, org.a, received_at=at(2026, 9, 28))
    new_open = register(outlet_user, org.a, received_at=at(2026, 9, 29))
    withdrawn = register(outlet_user, org.a, received_at=at(2026, 9, 30, 9))
    services.complaint_withdraw(user=outlet_user, complaint=withdrawn, reason="客户来电撤回")
    old_withdrawn = register(outlet_user, org.a, received_at=at(2026, 9, 27))
    services.complaint_withdraw(user=outlet_user, complaint=old_withdrawn, reason="客户撤回")
    url = reverse("admin:complaints_complaint_changelist")
    shown = list(login(manager).get(url).context["cl"].result_list)
    assert shown == [new_open, old_open, withdrawn, old_withdrawn]
