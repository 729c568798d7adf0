"""The shipped daily template's opening and closing checks, given to a bank that installed the
earlier default too; and the closing checks, made once the outlet has closed (issue 16 item 2)."""

import datetime as dt
import json

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from branchservice.models import Branch
from standards.catalogue import (
    EARLIER_CLOSING_SECTION,
    EARLIER_OPENING_SECTION,
    OPENING_AND_CLOSING_UPDATE_NOTE,
    seed_catalogue,
)
from standards.models import (
    Checklist,
    ChecklistAnswer,
    ChecklistPart,
    ChecklistTemplate,
    TemplateItem,
    TemplateKind,
    TemplateSection,
    VersionSection,
)
from standards.services import (
    AnswerInput,
    checklist_answer_save,
    checklist_start,
    checklist_submit,
    template_publish,
)
from tests.standards import factories
from tests.standards.conftest import WORKDAY, all_pass, form_data

pytestmark = pytest.mark.django_db


def at(hour, minute=0, second=0):
    return timezone.make_aware(dt.datetime.combine(WORKDAY, dt.time(hour, minute, second)))


def sections_by_part(version):
    found = {}
    for section in VersionSection.objects.filter(version=version).order_by("position"):
        found.setdefault(section.part, []).append(section.title)
    return found


# --- the shipped catalogue ----------------------------------------------------------------------


def test_it_ships_opening_and_closing_checks_as_their_own_sections(catalogue):
    parts = sections_by_part(catalogue.daily.current_version)
    assert parts[ChecklistPart.OPENING] == [
        "营业前·网点环境",
        "营业前·设备",
        "营业前·现金与凭证",
        "营业前·服务标识",
    ]
    assert parts[ChecklistPart.CLOSING] == [
        "营业终了·厅堂",
        "营业终了·安全检查",
        "营业终了·凭证与现金",
        "营业终了·设备关闭",
    ]
    assert "开门迎客" in parts[ChecklistPart.DAYTIME]


EARLIER_DAILY = [
    (EARLIER_OPENING_SECTION, ["营业大厅整洁明亮，地面、台面无杂物", "叫号机工作正常"]),
    ("服务规范", ["本行自拟：客户离柜时起身道别"]),
    (EARLIER_CLOSING_SECTION, ["关闭不需运行的设备和照明，门窗锁好"]),
]


def earlier_daily_template():
    """A daily template as the earlier default installed it, one item edited by the bank."""
    template = ChecklistTemplate.objects.create(
        code="daily-self-check", name="网点每日服务自查表", kind=TemplateKind.DAILY
    )
    for position, (title, texts) in enumerate(EARLIER_DAILY, start=1):
        section = TemplateSection.objects.create(template=template, title=title, position=position)
        for item_position, text in enumerate(texts, start=1):
            TemplateItem.objects.create(section=section, text=text, position=item_position)
    template_publish(template=template, by=None, note="初始版本")
    return template


def test_a_bank_with_the_earlier_default_gets_the_new_checks_in_a_new_version(
    org, lobby_user, on_workday
):
    template = earlier_daily_template()
    filled = checklist_start(branch=org.a, template=template, business_date=WORKDAY, by=lobby_user)
    first = template.current_version

    seed_catalogue()

    template.refresh_from_db()
    assert template.current_version.number == 2
    assert template.current_version.note == OPENING_AND_CLOSING_UPDATE_NOTE
    parts = sections_by_part(template.current_version)
    # Its own sections take their part of the day; the new items go into them, or into
    # sections of their own; the bank's own item is as it wrote it.
    assert parts[ChecklistPart.OPENING][0] == EARLIER_OPENING_SECTION
    assert parts[ChecklistPart.CLOSING][0] == EARLIER_CLOSING_SECTION
    assert parts[ChecklistPart.DAYTIME] == ["服务规范"]
    texts = set(template.current_version.items.values_list("text", flat=True))
    assert {"叫号机工作正常", "本行自拟：客户离柜时起身道别", "柜员终端全部签退"} <= texts
    assert "尾箱出库双人交接，现金和重要空白凭证核对无误" in texts
    opening_items = template.current_version.items.filter(section__title=EARLIER_OPENING_SECTION)
    assert opening_items.filter(text="监控录像和报警装置运行正常").exists()
    # The day's checklist keeps the version it was started against.
    filled.refresh_from_db()
    assert filled.template_version == first
    assert sections_by_part(first) == {ChecklistPart.DAYTIME: [t for t, _i in EARLIER_DAILY]}

    # Once only: a second run, or an item the bank took out afterwards, changes nothing.
    TemplateItem.objects.filter(text="柜员终端全部签退").delete()
    seed_catalogue()
    template.refresh_from_db()
    assert template.current_version.number == 2
    assert not TemplateItem.objects.filter(text="柜员终端全部签退").exists()


def test_a_bank_with_edits_waiting_gets_the_new_checks_in_its_draft_only(db):
    template = earlier_daily_template()
    waiting = TemplateItem.objects.get(text="叫号机工作正常")
    waiting.text = "叫号机、排队显示屏工作正常"
    waiting.save()

    seed_catalogue()

    template.refresh_from_db()
    assert template.current_version.number == 1
    draft = TemplateSection.objects.get(template=template, title=EARLIER_CLOSING_SECTION)
    assert draft.part == ChecklistPart.CLOSING
    assert draft.items.filter(text="柜员终端全部签退").exists()
    assert TemplateItem.objects.filter(text="叫号机、排队显示屏工作正常").exists()


# --- the closing checks wait for the outlet to close ----------------------------------------


@pytest.fixture
def daily_checklist(catalogue, org, lobby_user, on_workday):
    return checklist_start(
        branch=org.a, template=catalogue.daily, business_date=WORKDAY, by=lobby_user
    )


def item_of(checklist, part):
    return checklist.template_version.items.filter(section__part=part).first()


def test_the_closing_checks_are_refused_before_the_outlet_closes(daily_checklist, lobby_user):
    checklist = daily_checklist
    opening = item_of(checklist, ChecklistPart.OPENING)
    closing = item_of(checklist, ChecklistPart.CLOSING)
    # At 10:00 the opening and daytime checks are saved as ever...
    checklist_answer_save(
        checklist=checklist,
        item_id=opening.pk,
        answer=AnswerInput(result="pass"),
        by=lobby_user,
        revision=1,
    )
    # ...but neither a closing check nor the submit, which say from when they can be.
    with pytest.raises(ValidationError) as refused:
        checklist_answer_save(
            checklist=checklist,
            item_id=closing.pk,
            answer=AnswerInput(result="pass"),
            by=lobby_user,
            revision=2,
        )
    assert "营业后检查" in refused.value.messages[0]
    assert "17:00" in refused.value.messages[0]
    with pytest.raises(ValidationError, match="17:00"):
        checklist_submit(
            checklist=checklist, answers=all_pass(checklist), by=lobby_user, revision=2
        )
    checklist.refresh_from_db()
    assert checklist.status == Checklist.Status.DRAFT
    assert not ChecklistAnswer.objects.filter(item=closing).exists()


def test_the_closing_checks_follow_the_outlets_own_closing_time(daily_checklist, lobby_user, org):
    org.a.closes_at = dt.time(15, 30)
    org.a.save()
    checklist = Checklist.objects.select_related("branch").get(pk=daily_checklist.pk)
    with (
        time_machine.travel(at(15, 29), tick=False),
        pytest.raises(ValidationError, match="15:30"),
    ):
        checklist_submit(
            checklist=checklist, answers=all_pass(checklist), by=lobby_user, revision=1
        )
    with time_machine.travel(at(15, 30), tick=False):
        checklist_submit(
            checklist=checklist, answers=all_pass(checklist), by=lobby_user, revision=1
        )
    assert checklist.status == Checklist.Status.SUBMITTED


def test_an_outlet_closed_for_the_day_takes_the_closing_checks_at_any_hour(
    catalogue, org, lobby_user
):
    """tests.standards.factories.closed_for_the_day, which the browser tests and the load
    test's seed give their outlets: 30 seconds after midnight too (hours 00:00–00:01 had the
    submit refused until 00:01)."""
    with time_machine.travel(at(0, 0, 30), tick=False):
        factories.closed_for_the_day(Branch.objects.filter(pk=org.a.pk))
        checklist = checklist_start(
            branch=Branch.objects.get(pk=org.a.pk),
            template=catalogue.daily,
            business_date=WORKDAY,
            by=lobby_user,
        )
        checklist_submit(
            checklist=checklist, answers=all_pass(checklist), by=lobby_user, revision=1
        )
    checklist.refresh_from_db()
    assert checklist.status == Checklist.Status.SUBMITTED


def test_the_page_shows_the_closing_checks_and_the_submit_disabled_until_closing(
    daily_checklist, lobby_user, login
):
    client = login(lobby_user)
    url = reverse("standards:checklist", args=[daily_checklist.pk])
    page = client.get(url).content.decode()
    assert page.count('<fieldset disabled class="part-locked-items">') == 4
    assert "17:00 起提交" in page
    assert "17:00 关门后填写" in page

    assert 'value="submit" class="btn btn-primary btn-lg flex-fill" disabled>' in page

    with time_machine.travel(at(18), tick=False):
        page = login(lobby_user).get(url).content.decode()
    assert 'value="submit" class="btn btn-primary btn-lg flex-fill">提交</button>' in page
    assert "part-locked-items" not in page


def test_a_submit_posted_before_closing_keeps_the_answers_and_says_when(
    daily_checklist, lobby_user, login
):
    client = login(lobby_user)
    checklist = daily_checklist
    answers = {
        pk: answer
        for pk, answer in all_pass(checklist).items()
        if checklist.template_version.items.get(pk=pk).section.part != ChecklistPart.CLOSING
    }
    response = client.post(
        reverse("standards:checklist", args=[checklist.pk]),
        form_data(checklist, answers, action="submit"),
    )
    assert response.status_code == 400
    with translation.override("zh-hans"):
        assert "17:00" in response.content.decode()
    checklist.refresh_from_db()
    assert checklist.status == Checklist.Status.DRAFT
    assert ChecklistAnswer.objects.filter(checklist=checklist, result="pass").count() == len(
        answers
    )


def test_the_autosave_refuses_a_closing_check_before_closing(daily_checklist, lobby_user, login):
    client = login(lobby_user)
    closing = item_of(daily_checklist, ChecklistPart.CLOSING)
    response = client.post(
        reverse("standards:answer", args=[daily_checklist.pk]),
        {"item": closing.pk, "result": "pass", "revision": 1},
    )
    assert response.status_code == 400
    body = json.loads(response.content)
    assert body["code"] == "invalid"
    assert "17:00" in body["message"]


def test_a_page_opened_before_closing_is_told_when_to_open_the_closing_checks_itself(
    daily_checklist, lobby_user, login
):
    url = reverse("standards:checklist", args=[daily_checklist.pk])
    with time_machine.travel(at(16, 58, 30), tick=False):
        page = login(lobby_user).get(url).content.decode()
    # 90 seconds to closing (17:00), counted on the server's clock: the script opens them.
    assert 'data-closing-in="90"' in page
    with time_machine.travel(at(17), tick=False):
        page = login(lobby_user).get(url).content.decode()
    assert "data-closing-in" not in page


def test_closing_checks_due_after_midnight_show_their_date(
    daily_checklist, lobby_user, login, settings, org
):
    # Closes at 23:30: the closing checks are due an hour later, at 00:30 the next day.
    settings.STANDARDS_CLOSING_CHECK_MINUTES = 60
    org.a.closes_at = dt.time(23, 30)
    org.a.save()
    url = reverse("standards:checklist", args=[daily_checklist.pk])
    with time_machine.travel(at(23, 45), tick=False):
        page = login(lobby_user).get(url).content.decode()
    assert "11月19日 00:30 前完成" in page  # the closing sections' badges
    # The other parts, due on the day itself, keep the clock alone.
    assert "09:00 前完成" in page
