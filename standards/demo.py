"""Demo data: the starting catalogue, a sample of the bank's own manual imported into it
(demo_manual.csv), and six months of checklists for the demo outlets.

Every outlet gets a daily self-check on most of its opening days up to yesterday: mostly good, some
poor days, some missed (half of the older ones excused by the outlet head), and a
mystery-shopper visit about once a month; at 国贸 (BJ0201) the outside firm's `firm_inspector`
has made one visit too, this quarter. Today is left open so that `lobby_manager` can fill
it. Every outlet and day draws from its own fixed random seed, so the plan is the same on every
run whatever already exists; only checklists that do not exist yet are written (in bulk), so
a second run changes nothing.
"""

import datetime as dt
import random
from pathlib import Path

from django.core.files import File
from django.utils import timezone

from branchservice.models import Branch, FirmEngagement, User
from branchservice.opening import opening_days
from branchservice.rectifications.services import (
    rectification_cancel,
    rectification_complete,
    rectification_reject,
    rectification_verify,
)

from . import manual, services
from .catalogue import seed_catalogue
from .due import closing_starts_at
from .models import (
    AnswerType,
    CatalogueImport,
    Checklist,
    ChecklistAnswer,
    ChecklistEvent,
    ChecklistTemplate,
    MissedChecklistExcuse,
    TemplateKind,
    compute_score,
)
from .services import checklist_rectifications_raise

DAYS = 182
BATCH = 2000
FAULTS = {
    "叫号机正常": "叫号机卡纸，已联系厂家维修",
    "自助设备": "智能柜台 2 号机暂停服务",
    "投诉电话": "意见簿被移到角落，已放回",
    "收费标准": "公示栏仍为旧版收费标准",
}
EXCUSES = ["系统升级，无法登录", "大堂经理病假，未安排替班", "网点装修暂停营业"]
EXCUSES = ["系统升级，无法登录", "大堂经理病假，未安排替班", "网点装修暂停营业"]
COMMENTS = ["已当场纠正", "已提醒当事员工", "已向网点负责人报告", "下午复查已整改"]


def _comment(item, rng):
    for key, text in FAULTS.items():
        if key in item.text:
            return text
    return rng.choice(COMMENTS)


class _Plan:
    """Builds checklists, answers and events in memory; written by `save()`."""

    def __init__(self, heads, verifier):
        self.heads = heads
        # Head office verifies (验收) the demo's rectifications: never their owner.
        self.verifier = verifier
        self.checklists = []
        self.answers = {}  # checklist index -> [(item, result, score, comment)]
        self.excuses = []

    def fill(self, *, outlet, day, template, filler, fail_rate, rng):
        head = self.heads.get(outlet.pk) or filler
        rows = []
        for item in template.current_version.items.all():
            if item.answer_type == AnswerType.SCORE:
                score = item.max_score if rng.random() > fail_rate * 4 else rng.randint(1, 4)
                failed = item.is_failure(result="", score=score)
                rows.append((item, "", score, _comment(item, rng) if failed else ""))
            else:
                roll = rng.random()
                # Outlets watch their critical items more closely.
                rate = fail_rate / 3 if item.is_critical else fail_rate
                result = "fail" if roll < rate else ("na" if roll > 0.985 else "pass")
                rows.append((item, result, None, _comment(item, rng) if result == "fail" else ""))
        score, failed, critical = compute_score((i, r, s) for i, r, s, _c in rows)
        if template.kind == TemplateKind.DAILY:
            # Submitted with the closing checks, which are made once the outlet has closed.
            submitted_at = closing_starts_at(outlet, day) + dt.timedelta(minutes=rng.randint(5, 55))
        else:
            submitted_at = timezone.make_aware(
                dt.datetime.combine(day, dt.time(9, 0)) + dt.timedelta(minutes=rng.randint(0, 480))
            )
        reviewed = day < timezone.localdate() - dt.timedelta(days=3)
        self.answers[len(self.checklists)] = rows
        self.checklists.append(
            Checklist(
                branch=outlet,
                business_date=day,
                template=template,
                template_version=template.current_version,
                status=Checklist.Status.REVIEWED if reviewed else Checklist.Status.SUBMITTED,
                created_by=filler,
                updated_by=filler,
                submitted_at=submitted_at,
                submitted_by=filler,
                score=score,
                failed_items=failed,
                critical_failures=critical,
                reviewed_at=submitted_at + dt.timedelta(hours=2) if reviewed else None,
                reviewed_by=head if reviewed else None,
            )
        )

    def save(self, today):
        created = Checklist.objects.bulk_create(self.checklists, batch_size=BATCH)
        answers, events = [], []
        for index, checklist in enumerate(created):
            for item, result, score, comment in self.answers[index]:
                answers.append(
                    ChecklistAnswer(
                        checklist=checklist,
                        item=item,
                        result=result,
                        score=score,
                        failed=item.is_failure(result=result, score=score),
                        comment=comment,
                    )
                )
            events.append(
                ChecklistEvent(
                    checklist=checklist,
                    action=ChecklistEvent.Action.SUBMITTED,
                    at=checklist.submitted_at,
                    by=checklist.submitted_by,
                )
            )
            if checklist.reviewed_by:
                events.append(
                    ChecklistEvent(
                        checklist=checklist,
                        action=ChecklistEvent.Action.SIGNED_OFF,
                        at=checklist.reviewed_at,
                        by=checklist.reviewed_by,
                    )
                )
        ChecklistAnswer.objects.bulk_create(answers, batch_size=BATCH)
        ChecklistEvent.objects.bulk_create(events, batch_size=BATCH)
        self._rectify(answers, today)
        MissedChecklistExcuse.objects.bulk_create(self.excuses, batch_size=BATCH)
        return len(created), len(answers)

    def _rectify(self, answers, today):
        """A rectification for each failed critical item, raised as a submit raises it (the
        services), then taken through the steps: most are done and verified by head office,
        some rejected and open again, some awaiting verification, one in a while cancelled;
        the recent ones still open."""
        for answer in answers:
            if not (answer.failed and answer.item.is_critical):
                continue
            checklist = answer.checklist
            by = checklist.submitted_by
            checklist_rectifications_raise(
                checklist=checklist, answers=[answer], by=by, now=checklist.submitted_at
            )
            rectification = answer.rectifications.get()
            done_at = timezone.make_aware(dt.datetime.combine(rectification.due_date, dt.time(16)))
            roll = (answer.item_id + checklist.branch_id + checklist.business_date.day) % 10
            recent = done_at.date() >= today - dt.timedelta(days=roll)
            if recent or self.verifier in (None, rectification.owner):
                continue
            if roll == 9:
                rectification_cancel(
                    user=self.verifier,
                    rectification=rectification,
                    reason="与前一日问题重复登记",
                    now=done_at,
                )
                continue
            rectification = rectification_complete(
                user=rectification.owner,
                rectification=rectification,
                evidence="已整改完毕，现场复查合格",
                now=done_at,
            )
            if roll in (7, 8):
                continue  # awaiting verification
            checked_at = done_at + dt.timedelta(days=1)
            if roll == 6:
                rectification_reject(
                    user=self.verifier,
                    rectification=rectification,
                    reason="整改照片不清晰，请重新拍照上传",
                    now=checked_at,
                )
            else:
                rectification_verify(
                    user=self.verifier, rectification=rectification, now=checked_at
                )


def _staff(outlets):
    """Lobby manager and outlet head of each outlet, by outlet id."""
    lobby, heads = {}, {}
    for user in User.objects.filter(branch__in=outlets, groups__name__in=["lobby_manager"]):
        lobby.setdefault(user.branch_id, user)
    for user in User.objects.filter(branch__in=outlets, groups__name__in=["branch_manager"]):
        heads.setdefault(user.branch_id, user)
    return lobby, heads


# A sample of a bank's own manual (its own greeting and farewell, a scenario of its own):
# imported once, as head office would, through the admin's import.
SAMPLE_MANUAL = Path(__file__).with_name("demo_manual.csv")


def _import_sample_manual(by, stdout):
    if by is None or CatalogueImport.objects.exists():
        return
    with SAMPLE_MANUAL.open("rb") as handle:
        record = services.catalogue_import_upload(upload=File(handle, SAMPLE_MANUAL.name), by=by)
    headers = services.open_catalogue_import(record).headers
    record.file.close()
    record = services.catalogue_import(
        catalogue_import=record, columns=manual.guess_columns(headers), by=by
    )
    for template in ChecklistTemplate.objects.filter(name__in=record.changed_drafts):
        services.template_publish(template=template, by=by, note="按本行服务手册更新标准话术")
    stdout.write(f"manual: {record.original_name}, drafts published: {record.changed_drafts}\n")


# The outlet (one the demo firm is engaged for) where the firm's inspector has made a visit.
FIRM_VISIT_OUTLET = "BJ0201"
FIRM_VISIT_FAULT = ("离开时有送别", "离开时未听到送别语")


def _firm_visit(mystery, opening, today, stdout):
    """The demo firm's inspector's visit: made and submitted through the services, as the firm's
    user makes one on the checklist pages (so the firm's rules apply to it), on the outlet's
    last opening day of the engagement before today that has no visit yet. All good but its
    farewell. Once: a firm's visit at the outlet is never added again. On the engagement's
    first opening day there is no earlier day, and no visit yet."""
    firm_user = User.objects.filter(username="firm_inspector", firm__isnull=False).first()
    outlet = Branch.objects.filter(code=FIRM_VISIT_OUTLET).first()
    if firm_user is None or outlet is None:
        return
    if Checklist.objects.filter(branch=outlet, created_by=firm_user).exists():
        return
    engagement = FirmEngagement.objects.filter(
        firm_id=firm_user.firm_id, outlets=outlet, starts_on__lte=today, ends_on__gte=today
    ).first()
    if engagement is None:
        return
    visited = set(
        Checklist.objects.filter(branch=outlet, template=mystery).values_list(
            "business_date", flat=True
        )
    )
    days = [
        day
        for day in opening.get(outlet.pk, ())
        if engagement.starts_on <= day < today and day not in visited
    ]
    if not days:
        return
    day = max(days)
    # On that day, as a visit is made: started at the outlet, submitted forty minutes later.
    started = timezone.make_aware(dt.datetime.combine(day, dt.time(10, 0)))
    visit = services.checklist_start(
        branch=outlet, template=mystery, business_date=day, by=firm_user, now=started
    )
    answers = {}
    for item in visit.template_version.items.all():
        # A visit's items are scored (0 is a failure); its farewell was not heard.
        if item.text == FIRM_VISIT_FAULT[0]:
            answers[item.pk] = services.AnswerInput(score=0, comment=FIRM_VISIT_FAULT[1])
        else:
            answers[item.pk] = services.AnswerInput(score=item.max_score)
    services.checklist_submit(
        checklist=visit,
        answers=answers,
        by=firm_user,
        revision=visit.revision,
        now=started + dt.timedelta(minutes=40),
    )
    stdout.write(f"Standards: a visit by {firm_user.username} at {outlet.code} on {day}.\n")


def seed(stdout):
    daily, mystery = seed_catalogue()
    # Before any checklist: the demo's visits are made against the bank's own phrases.
    _import_sample_manual(User.objects.filter(username="hq_service").first(), stdout)
    daily = type(daily).objects.select_related("current_version").get(pk=daily.pk)
    mystery = type(mystery).objects.select_related("current_version").get(pk=mystery.pk)
    outlets = list(Branch.objects.filter(level=Branch.Level.OUTLET).order_by("code"))
    if not outlets:
        return
    inspector = User.objects.filter(username="inspector").first()
    verifier = User.objects.filter(username="hq_service").first()
    lobby, heads = _staff(outlets)
    today = timezone.localdate()
    first = today - dt.timedelta(days=DAYS)
    # Each outlet's own opening days: the mall outlet fills on Saturdays too.
    opening = opening_days(outlets, first, today - dt.timedelta(days=1))
    existing = set(
        Checklist.objects.filter(branch__in=outlets, business_date__gte=first).values_list(
            "branch_id", "business_date", "template_id"
        )
    )
    excused = set(
        MissedChecklistExcuse.objects.filter(branch__in=outlets).values_list(
            "branch_id", "business_date"
        )
    )
    # Prefetch once: every checklist of a template uses the same frozen items.
    for template in (daily, mystery):
        template.current_version = (
            type(template.current_version)
            .objects.prefetch_related("items")
            .get(pk=template.current_version_id)
        )
    plan = _Plan(heads, verifier)
    for outlet in outlets:
        filler = lobby.get(outlet.pk)
        if filler is None:
            continue
        head = heads.get(outlet.pk) or filler
        outlet_rng = random.Random(f"standards:{outlet.code}")
        # Each outlet has its own habits: a few are sloppier than others.
        base_rate = outlet_rng.choice([0.01, 0.015, 0.02, 0.03, 0.05])
        open_days = sorted(opening[outlet.pk])
        visits = set(outlet_rng.sample(open_days, k=min(6, len(open_days))))
        for day in open_days:
            rng = random.Random(f"standards:{outlet.code}:{day}")
            roll = rng.random()
            if (outlet.pk, day, daily.pk) in existing:
                pass
            elif roll < 0.04:
                # Missed; the outlet head excuses most of the older ones.
                old = day < today - dt.timedelta(days=7)
                if old and rng.random() < 0.5 and (outlet.pk, day) not in excused:
                    plan.excuses.append(
                        MissedChecklistExcuse(
                            branch=outlet,
                            business_date=day,
                            reason=rng.choice(EXCUSES),
                            excused_by=head,
                        )
                    )
            else:
                poor = roll > 0.93
                plan.fill(
                    outlet=outlet,
                    day=day,
                    template=daily,
                    filler=filler,
                    fail_rate=base_rate * 6 if poor else base_rate,
                    rng=rng,
                )
            if day in visits and inspector and (outlet.pk, day, mystery.pk) not in existing:
                plan.fill(
                    outlet=outlet,
                    day=day,
                    template=mystery,
                    filler=inspector,
                    fail_rate=base_rate * 2,
                    rng=rng,
                )
    checklists, answers = plan.save(today)
    _firm_visit(mystery, opening, today, stdout)
    stdout.write(f"Standards: {checklists} checklists, {answers} answers added.")
