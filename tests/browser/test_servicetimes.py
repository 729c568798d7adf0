"""A branch manager imports an outlet's queue-machine file (GBK, its own column order), maps
the one column the portal cannot guess, and reads the outlet's results."""

import datetime as dt
import io
from importlib import import_module

import pytest
from django.apps import apps
from django.urls import reverse
from playwright.sync_api import expect

from branchservice import demo as org_demo
from branchservice.models import Branch
from branchservice.roles import sync_role_permissions
from servicetimes.generate import CSV_HEADERS, csv_bytes, day_tickets
from servicetimes.models import Teller, Ticket, TransactionType

OUTLET = "BJ0101"
DAY = dt.date(2026, 11, 2)  # a Monday
TELLERS = ["G001", "G002", "G003", "G004"]


@pytest.fixture
def queue_file(transactional_db, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    # live_server's flush between tests empties the tables migrations filled: the role
    # groups and the default standard table go back in.
    sync_role_permissions()
    import_module("servicetimes.migrations.0002_default_standards").install(apps, None)
    org_demo.seed(io.StringIO())
    outlet = Branch.objects.get(code=OUTLET)
    for code in TELLERS:
        Teller.objects.create(branch=outlet, code=code, name=f"柜员{code}")
    types = [
        (kind.name, kind.standards.get().handling_seconds)
        for kind in TransactionType.objects.order_by("group__position", "position")
    ]
    rows = [
        ticket
        for day in (DAY, DAY + dt.timedelta(days=1))
        for ticket in day_tickets(
            outlet_code=OUTLET, day=day, types=types, tellers=TELLERS, slow=("G004",)
        )
    ]
    # The machine calls the teller column "经办人" (no guess knows it) and orders its columns
    # its own way: the head maps that one column by hand.
    headers = [h if h != "柜员号" else "经办人" for h in CSV_HEADERS]
    path = tmp_path / "叫号机导出.csv"
    path.write_bytes(csv_bytes(rows, headers=headers, order=[6, 2, 0, 5, 4, 1, 7, 3]))
    return path, len(rows)


def test_a_branch_manager_maps_a_gbk_queue_file_and_sees_the_results(
    page, live_server, admin_login, queue_file, screenshot_dir
):
    path, rows = queue_file
    page.set_viewport_size({"width": 1366, "height": 768})
    admin_login(page, username="branch_manager", password=org_demo.DEMO_PASSWORD)
    page.goto(live_server.url + reverse("admin:servicetimes_ticketimport_changelist"))
    page.get_by_role("link", name="导入排队机数据文件").click()
    page.locator("#id_branch").select_option(str(Branch.objects.get(code=OUTLET).pk))
    page.locator("#id_file").set_input_files(path)
    page.get_by_role("button", name="上传并对应列").click()

    # The mapping page: every guessable column is filled in, the teller's is not yet.
    expect(page.locator("#id_ticket_number")).to_have_value("票号")
    expect(page.locator("#id_teller")).to_have_value("")
    expect(page.get_by_text("客户姓名", exact=False).last).to_be_visible()
    page.locator("#id_teller").select_option("经办人")
    page.get_by_role("button", name="按此对应预览").click()
    expect(page.locator("table.preview tbody tr.good")).to_have_count(20)
    page.screenshot(path=screenshot_dir / "servicetimes-map-1366.png", full_page=True)
    page.get_by_role("button", name="导入", exact=True).click()

    expect(page.locator(".messagelist, #content")).to_contain_text("已导入")
    assert Ticket.objects.filter(branch__code=OUTLET).count() == rows
    page.get_by_role("link", name="统计结果").click()
    expect(page.locator("h1")).to_contain_text("2026-11")
    expect(page.locator("ul.figures")).to_contain_text(str(rows))
    # The slow teller is the training need of the month.
    expect(page.locator("body")).to_contain_text("G004")
    page.screenshot(path=screenshot_dir / "servicetimes-results-1366.png", full_page=True)


def test_a_transaction_is_timed_with_the_stopwatch_on_a_tablet(
    page, live_server, admin_login, queue_file, screenshot_dir
):
    page.set_viewport_size({"width": 820, "height": 1180})
    admin_login(page, username="branch_manager", password=org_demo.DEMO_PASSWORD)
    page.goto(live_server.url + reverse("admin:servicetimes_ticket_changelist"))
    page.get_by_role("link", name="现场计时").click()
    outlet = Branch.objects.get(code=OUTLET)
    page.locator("#id_branch").select_option(str(outlet.pk))
    page.locator("#id_transaction_type").select_option(label="存款")
    page.locator("#id_teller").select_option(str(Teller.objects.get(branch=outlet, code="G002").pk))
    save = page.get_by_role("button", name="保存计时")
    expect(save).to_be_disabled()
    # The deferred script must have wired the button before the first tap (it raced under load).
    expect(page.locator("#stopwatch-button[data-ready=true]")).to_be_attached()
    page.get_by_role("button", name="开始").click()
    expect(page.locator("#stopwatch-time")).to_have_text("0:01", timeout=5000)
    page.get_by_role("button", name="停止").click()
    expect(save).to_be_enabled()
    save.click()
    expect(page.locator(".messagelist")).to_contain_text("已记录")
    ticket = Ticket.objects.get(source=Ticket.Source.MANUAL)
    assert ticket.teller.code == "G002" and 1 <= ticket.handling_seconds <= 5
    # The next timing is one tap: the outlet and the teller stay chosen.
    expect(page.locator("#id_teller")).to_have_value(str(ticket.teller.pk))
    page.screenshot(path=screenshot_dir / "servicetimes-timing-tablet.png", full_page=True)
