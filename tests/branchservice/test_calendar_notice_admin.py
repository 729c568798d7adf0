"""Head office enters a year from the State Council notice: paste or upload, preview, apply."""

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from branchservice import calendar
from branchservice.calendar_notices import year_status
from branchservice.demo import SAMPLE_NOTICE, seed_sample_notice
from branchservice.models import CalendarNotice, CalendarOverride

URL = reverse("admin:branchservice_calendaroverride_notice")
LIST = reverse("admin:branchservice_calendaroverride_changelist")
SAMPLE = SAMPLE_NOTICE.read_text(encoding="utf-8")
D = dt.date

pytestmark = pytest.mark.usefixtures("_december_2026")


@pytest.fixture
def _december_2026():
    with time_machine.travel(dt.datetime(2026, 12, 2, 10, 0, tzinfo=dt.UTC), tick=False):
        yield


def preview(client, text, year=2027):
    response = client.post(URL, {"year": year, "text": text, "preview": "1"})
    assert response.status_code == 200
    return response


def apply(client, text, year=2027):
    fingerprint = preview(client, text, year).context["preview"].fingerprint
    return client.post(
        URL, {"year": year, "text": text, "fingerprint": fingerprint, "apply": "1"}, follow=True
    )


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


def test_the_page_opens_with_the_demo_sample_as_a_draft(org, hq, login):
    seed_sample_notice()
    seed_sample_notice()  # the demo seed again: still one draft
    assert CalendarNotice.objects.filter(year=2027, applied_at=None).count() == 1
    response = login(hq).get(URL)
    assert response.context["form"].initial["text"].startswith("【示例】")
    assert not CalendarOverride.objects.exists()  # a draft is never applied


def test_the_preview_shows_the_year_and_what_would_change_and_writes_nothing(org, hq, login):
    response = preview(login(hq), SAMPLE)
    page = response.content.decode()
    assert "【示例】" in page and "示例文本" in page  # labelled as a sample
    assert 'data-date="2027-02-08" title="春节"' in page  # Monday of the Spring Festival
    assert 'class="cell holiday" data-date="2027-02-08"' in page
    assert 'class="cell workday" data-date="2027-02-14"' in page
    assert 'class="cell weekend" data-date="2027-03-06"' in page
    assert response.context["preview"].counts == {"added": 33, "changed": 0, "removed": 0}
    assert 'name="apply"' in page
    assert not CalendarOverride.objects.exists()


def test_applying_writes_the_year_once_and_the_same_text_again_changes_nothing(org, hq, login):
    client = login(hq)
    assert calendar.add_working_days(D(2027, 2, 4), 1) == D(2027, 2, 5)
    response = apply(client, SAMPLE)
    assert messages_of(response) == ["2027：新增 33 个日期，更改 0 个，删除 0 个。"]
    assert CalendarOverride.objects.filter(date__year=2027).count() == 33
    notice = CalendarNotice.objects.get(applied_at__isnull=False)
    assert set(CalendarOverride.objects.values_list("notice", flat=True)) == {notice.pk}
    spring = CalendarOverride.objects.get(date=D(2027, 2, 8))
    assert (spring.kind, spring.note) == ("holiday", "2027年节假日安排通知：春节")
    assert spring.history.latest().history_user == hq
    # Deadlines count the new calendar at once: the Spring Festival is off, 2-14 is on.
    assert calendar.add_working_days(D(2027, 2, 4), 1) == D(2027, 2, 14)

    again = apply(client, SAMPLE)
    assert messages_of(again) == ["2027：日历已与此一致，没有更改。"]
    assert CalendarNotice.objects.filter(applied_at__isnull=False).count() == 1
    assert CalendarOverride.objects.get(date=D(2027, 2, 8)).version == spring.version


def test_a_corrected_text_shows_and_applies_only_the_differences(org, hq, login):
    client = login(hq)
    apply(client, SAMPLE)
    by_hand = CalendarOverride.objects.create(date=D(2027, 3, 1), kind="holiday", note="台风停业")
    corrected = SAMPLE.replace("六、中秋节：9月15日（周三）放假1天，不调休。\n", "").replace(
        "9月26日（周日）、10月9日（周六）上班", "9月26日（周日）上班"
    )
    response = preview(client, corrected)
    changes = {c.date: (c.old, c.new) for c in response.context["preview"].changes}
    assert changes == {D(2027, 9, 15): ("holiday", None), D(2027, 10, 9): ("workday", None)}
    assert response.context["preview"].kept == [by_hand]
    apply(client, corrected)
    assert not CalendarOverride.objects.filter(date__in=[D(2027, 9, 15), D(2027, 10, 9)]).exists()
    assert CalendarOverride.objects.filter(pk=by_hand.pk).exists()  # entered by hand: kept


def test_an_upload_in_gbk_reads_like_the_pasted_text(org, hq, login):
    upload = SimpleUploadedFile("2027.txt", SAMPLE.encode("gbk"), content_type="text/plain")
    response = login(hq).post(URL, {"year": 2027, "file": upload, "preview": "1"})
    assert response.context["preview"].counts["added"] == 33
    # The confirm form carries the text on, decoded.
    assert response.context["form"].initial["text"] == SAMPLE


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("2027.pdf", b"%PDF-1.4 x", "请选择 .txt 文件。"),
        ("2027.txt", b"\x00\x01binary", "文件内容与文件类型不符。"),
        ("2027.txt", b"\xff\xfe\x80\x80 not text", "文件既不是 UTF-8 也不是 GBK 编码的文本。"),
    ],
)
def test_an_upload_that_is_not_a_text_file_is_refused(org, hq, login, name, content, message):
    upload = SimpleUploadedFile(name, content)
    response = login(hq).post(URL, {"year": 2027, "file": upload, "preview": "1"})
    assert response.context["preview"] is None
    assert message in response.content.decode()


@pytest.mark.parametrize(
    ("year", "text", "message"),
    [
        (2025, "关于2025年部分节假日安排的通知\n元旦：1月1日（周三）放假1天。", "2025 年已过去"),
        (2027, "二、春节：2 月 30 日至 3 月 2 日放假调休。", "2027年2月30日不是有效日期。"),
        (2027, "各位同事：明天下午开会。", "未能从这段文字中识别出任何放假日或上班日。"),
        (2027, "一、中秋节：9月15日至17日放假。\n二、国庆节：9月17日至23日放假。", "被重复列出"),
    ],
)  # fmt: skip
def test_bad_input_is_refused_in_chinese_and_nothing_is_written(
    org, hq, login, year, text, message
):
    client = login(hq)
    response = preview(client, text, year)
    assert any(message in reason for reason in response.context["refusals"])
    assert 'name="apply"' not in response.content.decode()
    forced = client.post(
        URL,
        {"year": year, "text": text, "apply": "1",
         "fingerprint": response.context["preview"].fingerprint},
    )  # fmt: skip
    assert any(message in error for error in forced.context["errors"])
    assert not CalendarOverride.objects.exists()
    assert not CalendarNotice.objects.exists()


def test_a_calendar_changed_since_the_preview_is_not_applied_blindly(org, hq, login):
    client = login(hq)
    fingerprint = preview(client, SAMPLE).context["preview"].fingerprint
    CalendarOverride.objects.create(date=D(2027, 2, 8), kind="workday", note="另一位管理员")
    response = client.post(
        URL, {"year": 2027, "text": SAMPLE, "fingerprint": fingerprint, "apply": "1"}
    )
    assert response.context["errors"] == ["预览之后日历已有变动：请查看新的预览后再确认。"]
    assert CalendarOverride.objects.count() == 1
    # The new preview shows the other administrator's day as a change, ready to confirm.
    assert response.context["preview"].counts == {"added": 32, "changed": 1, "removed": 0}


def test_only_head_office_enters_a_notice(org, manager, login):
    client = login(manager)
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"year": 2027, "text": SAMPLE, "preview": "1"}).status_code == 403
    page = client.get(LIST).content.decode()
    assert URL not in page
    assert "year-status" not in page


def test_the_year_status_on_the_list_follows_the_notice(org, hq, login):
    client = login(hq)
    page = client.get(LIST).content.decode()
    assert "2026：官方日历数据。" in page
    assert "2027：仅按周末计算" in page
    apply(client, SAMPLE)
    page = client.get(LIST).content.decode()
    assert "2027：已于 2026-12-02 根据国务院通知录入（节假日 28 天，调休上班日 5 天）。" in page
    assert "仅按周末计算" not in page


def test_the_year_status_costs_one_query_and_shows_differences_from_the_package(
    org, django_assert_num_queries
):
    CalendarOverride.objects.create(date=D(2026, 10, 8), kind="holiday", note="台风停业")
    CalendarOverride.objects.create(date=D(2026, 10, 10), kind="workday", note="调休上班")
    with django_assert_num_queries(1):
        status = year_status(2026)
    assert (status["source"], status["differs"], status["holidays"]) == ("package", 1, 1)
