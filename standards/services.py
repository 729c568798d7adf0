"""Writes of the standards app. Views, admin actions, demo and commands all call these."""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from branchservice.models import Branch, User
from branchservice.opening import is_opening_day
from branchservice.rectifications.models import Rectification
from branchservice.rectifications.services import rectification_raise
from branchservice.roles import Role, is_inspector
from branchservice.scoping import can_see_branch, sees_everything
from branchservice.tabular import FileRefused, header_key
from branchservice.text import refuse_unstorable_text, unstorable_text

from . import manual
from .models import (
    INDEPENDENT_KINDS,
    AnswerType,
    CatalogueImport,
    Checklist,
    ChecklistAnswer,
    ChecklistEvent,
    ChecklistTemplate,
    MissedChecklistExcuse,
    ServiceProcess,
    StandardScenario,
    TemplateItem,
    TemplateKind,
    TemplateVersion,
    VersionItem,
    VersionSection,
    compute_score,
)
from .selectors import closing_items_locked_until, version_items


class StaleChecklist(Exception):
    """The checklist was saved elsewhere since this copy was loaded."""


class ChecklistLocked(Exception):
    """The checklist is submitted (or signed off) and can no longer be changed."""


@dataclass
class AnswerInput:
    """One item's answer as entered. `photo` and `audio` (an audio note) are each a new
    upload, or the name of the file stored before."""

    result: str = ""
    score: int | None = None
    comment: str = ""
    photo: File | str = ""
    audio: File | str = ""

    @property
    def has_photo(self) -> bool:
        return bool(self.photo)


# --- the catalogue, from the bank's manual ------------------------------------------------------

IMPORT_PERMISSION = "standards.add_catalogueimport"


def _check_may_import(user):
    if not user.has_perm(IMPORT_PERMISSION):
        raise PermissionDenied(_("You may not import the service manual."))


def catalogue_import_upload(*, upload, by: User) -> CatalogueImport:
    """Keep an uploaded manual for its column mapping, once it is known to be a readable
    table."""
    _check_may_import(by)
    name = (getattr(upload, "name", "") or "manual.csv").rsplit("/", 1)[-1][:200]
    if upload.size > manual.MAX_BYTES:
        raise ValidationError(
            _("The file is larger than %(mb)s MB: is it the service manual?")
            % {"mb": manual.MAX_BYTES // (1024 * 1024)}
        )
    try:
        manual.open_manual(upload, name)
    except FileRefused as exc:
        raise ValidationError(str(exc)) from exc
    record = CatalogueImport(original_name=name, uploaded_by=by)
    record.file.save(f"manual.{name.rsplit('.', 1)[-1].lower()}", upload, save=False)
    record.save()
    return record


def open_catalogue_import(record: CatalogueImport):
    """The uploaded manual, opened for reading (the caller closes record.file)."""
    record.file.open("rb")
    return manual.open_manual(record.file, record.original_name)


def _plan_of(record: CatalogueImport, columns: dict) -> manual.ManualPlan:
    try:
        source = open_catalogue_import(record)
        errors = manual.column_errors(columns, source.headers)
        if errors:
            return manual.ManualPlan(rows=[], errors=errors)
        return manual.compare_with_catalogue(manual.read_manual(source, columns))
    except FileRefused as exc:
        return manual.ManualPlan(rows=[], errors=[str(exc)])
    finally:
        record.file.close()


def catalogue_import_preview(*, catalogue_import: CatalogueImport, columns: dict):
    """What importing the file with these columns would do, row by row (nothing written)."""
    return _plan_of(catalogue_import, columns)


@transaction.atomic
def catalogue_import(*, catalogue_import: CatalogueImport, columns: dict, by: User, now=None):
    """Import a mapped manual into the catalogue, all rows or none; returns the import's record
    (what it changed). A file with any error is refused (ValidationError), nothing written."""
    _check_may_import(by)
    record = CatalogueImport.objects.select_for_update().get(pk=catalogue_import.pk)
    if record.status != CatalogueImport.Status.UPLOADED:
        raise ValidationError(_("This file has already been imported."))
    plan = _plan_of(record, columns)
    if not plan.is_valid:
        raise ValidationError(
            _("Nothing was imported: %(rows)s rows need correcting (listed below).")
            % {"rows": plan.error_rows}
            if plan.error_rows
            else plan.errors
        )
    changed_drafts = catalogue_apply(plan=plan)
    record.status = CatalogueImport.Status.IMPORTED
    record.columns = columns
    record.imported_at = now or timezone.now()
    record.created_scenarios = plan.count(manual.ManualRow.NEW)
    record.revised_scenarios = plan.count(manual.ManualRow.REVISED)
    record.unchanged_scenarios = plan.count(manual.ManualRow.UNCHANGED)
    record.changed_drafts = changed_drafts
    record.save()
    return record


@transaction.atomic
def scenario_revise(*, scenario: StandardScenario, process: ServiceProcess, **content):
    """An edit of a scenario's wording (in the admin): written as an import of that one row
    would be, so that a published version keeps the revision it shows. Returns the current
    revision (the same row when nothing differs)."""
    row = manual.ManualRow(
        number=0, values={"process": process.name, "number": scenario.number, **content}
    )
    catalogue_apply(plan=manual.compare_with_catalogue(manual.ManualPlan(rows=[row])))
    return StandardScenario.objects.current().get(number=scenario.number)


def _process_for(name: str, processes: dict) -> ServiceProcess:
    key = header_key(name)
    if key not in processes:
        taken = set(ServiceProcess.objects.values_list("code", flat=True))
        number = len(taken) + 1
        while f"process-{number}" in taken:
            number += 1
        last = max((p.position for p in processes.values()), default=0)
        processes[key] = ServiceProcess.objects.create(
            code=f"process-{number}", name=name, position=last + 1
        )
    return processes[key]


def catalogue_apply(*, plan: manual.ManualPlan) -> list[str]:
    """Write a valid, compared plan: a new scenario for a new number, a new revision for a
    revised one (the old revision stays as published versions show it), and the drafts that
    used the old revision moved to the new one. Returns the names of the templates whose
    drafts changed (they are published by hand, never here)."""
    processes = {header_key(p.name): p for p in ServiceProcess.objects.all()}
    changed_drafts = set()
    for row in plan.rows:
        if row.action == manual.ManualRow.UNCHANGED:
            continue
        values = dict(row.values)
        process = _process_for(values.pop("process"), processes)
        number = values.pop("number")
        old = row.scenario
        if old is None:
            values.setdefault("title", manual.scenario_title(values["situation"]))
            last = StandardScenario.objects.filter(number=number).order_by("-revision").first()
            StandardScenario.objects.create(
                process=process,
                number=number,
                revision=last.revision + 1 if last else 1,
                **values,
            )
            continue
        old.is_current = False
        old.save(update_fields=["is_current"])
        content = {name: getattr(old, name) for name in old.CONTENT_FIELDS}
        content.update(values, process_id=process.pk)
        new = StandardScenario.objects.create(
            number=number, revision=old.revision + 1, is_active=old.is_active, **content
        )
        for item in TemplateItem.objects.filter(scenario=old).select_related("section__template"):
            item.scenario = new
            item.save(update_fields=["scenario"])
            changed_drafts.add(item.section.template.name)
    return sorted(changed_drafts)


# --- templates -------------------------------------------------------------------------------

# What publishing copies of each draft item into its version.
ITEM_RULE_FIELDS = [
    "text",
    "scenario_id",
    "answer_type",
    "max_score",
    "weight",
    "is_critical",
    "failure_needs_comment",
    "failure_needs_photo",
    "position",
]


@transaction.atomic
def template_publish(*, template: ChecklistTemplate, by: User | None, note: str = "", now=None):
    """Copy the template's draft into a new immutable version and make it current."""
    given = template
    # Locked so that two publishes at once cannot both take the same version number.
    template = ChecklistTemplate.objects.select_for_update().get(pk=template.pk)
    sections = list(template.sections.prefetch_related("items").order_by("position", "id"))
    if not any(section.items.all() for section in sections):
        raise ValidationError(_("A template needs at least one item before it is published."))
    last = template.versions.order_by("-number").values_list("number", flat=True).first() or 0
    version = TemplateVersion.objects.create(
        template=template,
        number=last + 1,
        published_at=now or timezone.now(),
        published_by=by,
        note=note,
    )
    frozen_sections = VersionSection.objects.bulk_create(
        VersionSection(version=version, title=s.title, part=s.part, position=s.position)
        for s in sections
    )
    VersionItem.objects.bulk_create(
        VersionItem(
            version=version,
            section=frozen,
            **{name: getattr(item, name) for name in ITEM_RULE_FIELDS},
        )
        for section, frozen in zip(sections, frozen_sections, strict=True)
        for item in section.items.all()
    )
    template.current_version = version
    template.save(update_fields=["current_version"])
    given.current_version = version
    return version


# --- filling a checklist ---------------------------------------------------------------------


def _independent_of(user, outlet) -> bool:
    branch = user.branch
    return (
        branch is None
        or branch.level < Branch.Level.SUB_BRANCH
        or not outlet.path.startswith(branch.path)
    )


def _at_or_above(user, other) -> bool:
    """`user` belongs to `other`'s branch or one above it; above an external firm's
    inspector is head office, which engages the firm."""
    if user.is_superuser:
        return True
    if other.firm_id is not None:
        return sees_everything(user)
    return bool(user.branch and other.branch and other.branch.path.startswith(user.branch.path))


def may_fill_kind(user, outlet, template) -> bool:
    """Whether the template's kind lets `user` fill it at the outlet (scope aside)."""
    if template.kind not in INDEPENDENT_KINDS:
        # An external firm is hired for visits and inspections, not the outlet's self-checks.
        return user.firm_id is None
    return is_inspector(user) and _independent_of(user, outlet)


def _fills_checklists_at(user, outlet) -> bool:
    return user.has_perm("standards.change_checklist") and can_see_branch(user, outlet)


def may_fill(user, outlet, template) -> bool:
    return _fills_checklists_at(user, outlet) and may_fill_kind(user, outlet, template)


def _check_may_fill(user, branch, template):
    if user.firm_id is not None and not can_see_branch(user, branch):
        raise ValidationError(_("Your firm is not engaged for this outlet today."))
    if not _fills_checklists_at(user, branch):
        raise PermissionDenied
    if not may_fill_kind(user, branch, template):
        raise ValidationError(
            _(
                "Mystery-shopper visits and branch inspections are filled by an inspector "
                "from outside the outlet and its sub-branch."
            )
        )


def checklist_start(
    *, branch, template: ChecklistTemplate, business_date: dt.date, by: User, now=None
):
    """Today's (or a past day's) checklist of `template` at the outlet, created if missing,
    started at `now` (a visit entered afterwards: when it was made, before its submit).

    Starting twice returns the same checklist: the unique constraint decides a race.
    """
    _check_may_fill(by, branch, template)
    if not branch.is_outlet:
        raise ValidationError(_("Checklists are filled for outlets only."))
    now = now or timezone.now()
    if business_date > timezone.localdate(now):
        raise ValidationError(_("A checklist cannot be filled for a day in the future."))
    existing = Checklist.objects.filter(
        branch=branch, business_date=business_date, template=template
    ).first()
    if existing is not None:
        return existing
    if template.current_version_id is None or not template.is_active:
        raise ValidationError(_("This checklist template is not published."))
    try:
        with transaction.atomic():
            return Checklist.objects.create(
                branch=branch,
                business_date=business_date,
                template=template,
                template_version_id=template.current_version_id,
                created_at=now,
                created_by=by,
                updated_by=by,
            )
    except IntegrityError:
        # Another tap or device created it a moment ago.
        return Checklist.objects.get(branch=branch, business_date=business_date, template=template)


def answer_problems(items, answers: dict[int, AnswerInput]) -> dict[int, list[str]]:
    """What keeps each item from being submitted: unanswered, or a failure without its required
    comment or photo. Shared by the form (to show the messages) and the service (to enforce)."""
    problems: dict[int, list[str]] = {}
    for item in items:
        answer = answers.get(item.pk) or AnswerInput()
        messages = []
        if item.answer_type == AnswerType.SCORE:
            if answer.score is None:
                messages.append(_("Give a score."))
        elif not answer.result:
            messages.append(_("Choose pass, fail or not applicable."))
        if item.is_failure(result=answer.result, score=answer.score):
            if item.failure_needs_comment and not answer.comment.strip():
                messages.append(_("A failed item needs a comment saying what was wrong."))
            if item.failure_needs_photo and not answer.has_photo:
                messages.append(_("A failed item needs a photo."))
        if messages:
            problems[item.pk] = messages
    return problems


def _refuse_claim(checklist: Checklist):
    """Why a checklist could not be claimed: submitted since, or saved elsewhere since."""
    current = Checklist.objects.values("status", "revision").get(pk=checklist.pk)
    if current["status"] not in Checklist.EDITABLE_STATUSES:
        raise ChecklistLocked
    raise StaleChecklist


def _claim(checklist: Checklist, *, revision: int, by: User, now, **changes):
    """Bump the revision of an editable checklist still at `revision`, in one UPDATE."""
    claimed = Checklist.objects.filter(
        pk=checklist.pk, revision=revision, status__in=Checklist.EDITABLE_STATUSES
    ).update(revision=F("revision") + 1, updated_at=now, updated_by=by, **changes)
    if not claimed:
        _refuse_claim(checklist)
    checklist.revision = revision + 1
    checklist.updated_at = now
    checklist.updated_by = by
    for name, value in changes.items():
        setattr(checklist, name, value)


# What an upsert of answers overwrites; an answer saved on its own (autosave) leaves the photo
# and the audio note, which only the whole form uploads.
ANSWER_FIELDS_BUT_EVIDENCE = ["result", "score", "failed", "comment"]
ANSWER_FIELDS = [*ANSWER_FIELDS_BUT_EVIDENCE, "photo", "audio"]


def _answer_row(checklist, item, answer: AnswerInput) -> ChecklistAnswer:
    row = ChecklistAnswer(
        checklist=checklist,
        item=item,
        result=answer.result if item.answer_type == AnswerType.PASS_FAIL else "",
        score=answer.score if item.answer_type == AnswerType.SCORE else None,
        failed=item.is_failure(result=answer.result, score=answer.score),
        comment=answer.comment.strip(),
    )
    # A new upload is stored by the field during the insert; a kept file keeps its name.
    row.photo = answer.photo or ""
    row.audio = answer.audio or ""
    return row


def _write_answers(
    checklist, items_by_id, answers: dict[int, AnswerInput], *, fields=ANSWER_FIELDS
):
    unknown = set(answers) - set(items_by_id)
    if unknown:
        raise ValidationError(_("An answer was given to an item that is not on this checklist."))
    for answer in answers.values():
        refuse_unstorable_text(ChecklistAnswer(comment=answer.comment), "comment")
    rows = [
        _answer_row(checklist, items_by_id[item_id], answer) for item_id, answer in answers.items()
    ]
    return ChecklistAnswer.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["checklist", "item"],
        update_fields=fields,
    )


def _refuse_closing_checks_early(checklist, answers: dict[int, AnswerInput], *, now, submit=False):
    """Before the outlet closes, a closing check can be neither answered nor submitted (the
    opening and daytime checks are saved as ever)."""
    locked = closing_items_locked_until(checklist=checklist, now=now)
    if locked is None:
        return
    starts_at, items = locked
    answered = any(
        answers[pk].result or answers[pk].score is not None or answers[pk].comment.strip()
        for pk in items & set(answers)
    )
    if submit or answered:
        raise ValidationError(closing_checks_message(starts_at))


def closing_checks_message(starts_at) -> str:
    return _(
        "The closing checks can be filled in and the checklist submitted from %(time)s, when "
        "the outlet closes."
    ) % {"time": timezone.localtime(starts_at).strftime("%H:%M")}


@transaction.atomic
def checklist_save_draft(
    *, checklist: Checklist, answers: dict[int, AnswerInput], by: User, revision: int, now=None
):
    """Keep what was entered so far; refuse a save based on an older revision."""
    _check_may_fill(by, checklist.branch, checklist.template)
    now = now or timezone.now()
    items = version_items(checklist.template_version)
    _refuse_closing_checks_early(checklist, answers, now=now)
    _claim(checklist, revision=revision, by=by, now=now)
    _write_answers(checklist, items, answers)
    return checklist


def _refuse_bad_value(item, answer: AnswerInput):
    """A result or score the item cannot take (the page's form offers only valid ones; a
    queued answer from an old page or a hand-made request might not)."""
    if item.answer_type == AnswerType.SCORE:
        if answer.score is not None and not 0 <= answer.score <= item.max_score:
            raise ValidationError(
                _("A score for “%(item)s” is from 0 to %(max)s.")
                % {"item": item.text, "max": item.max_score}
            )
    elif answer.result not in ("", *ChecklistAnswer.Result.values):
        raise ValidationError(_("Choose pass, fail or not applicable."))


# The claim and the answer in one statement: atomic on its own, so no transaction (BEGIN and
# COMMIT are two of the seven round trips an answer took). The answer is written only if the
# claim updated the checklist; a photo or audio note already stored is kept
# (ANSWER_FIELDS_BUT_EVIDENCE).
CLAIM_AND_ANSWER_SQL = """
WITH claim AS (
    UPDATE standards_checklist
    SET revision = revision + 1, updated_at = %(now)s, updated_by_id = %(by)s
    WHERE id = %(checklist)s AND revision = %(revision)s AND status = ANY(%(editable)s)
    RETURNING id
)
INSERT INTO standards_checklistanswer
    (checklist_id, item_id, result, score, failed, comment, photo, audio)
SELECT id, %(item)s, %(result)s, %(score)s, %(failed)s, %(comment)s, '', '' FROM claim
ON CONFLICT (checklist_id, item_id) DO UPDATE SET
    result = EXCLUDED.result, score = EXCLUDED.score, failed = EXCLUDED.failed,
    comment = EXCLUDED.comment
"""


def _claim_and_write_answer(checklist, item, answer: AnswerInput, *, revision, by, now):
    """Claim the checklist at `revision` and keep one answer, all or nothing. PostgreSQL does
    both in one statement; SQLite (the embedded default) cannot update inside a WITH, so there
    it is the claim and the upsert in a transaction, as a draft save does."""
    if connection.vendor != "postgresql":
        with transaction.atomic():
            _claim(checklist, revision=revision, by=by, now=now)
            _write_answers(
                checklist, {item.pk: item}, {item.pk: answer}, fields=ANSWER_FIELDS_BUT_EVIDENCE
            )
        return
    refuse_unstorable_text(ChecklistAnswer(comment=answer.comment), "comment")
    row = _answer_row(checklist, item, answer)
    with connection.cursor() as cursor:
        cursor.execute(
            CLAIM_AND_ANSWER_SQL,
            {
                "now": now,
                "by": by.pk,
                "checklist": checklist.pk,
                "revision": revision,
                "editable": [str(status) for status in Checklist.EDITABLE_STATUSES],
                "item": item.pk,
                "result": row.result,
                "score": row.score,
                "failed": row.failed,
                "comment": row.comment,
            },
        )
        if cursor.rowcount == 0:
            _refuse_claim(checklist)
    checklist.revision = revision + 1
    checklist.updated_at = now
    checklist.updated_by = by


def checklist_answer_save(
    *,
    checklist: Checklist,
    item_id: int,
    answer: AnswerInput,
    by: User,
    revision: int,
    now=None,
):
    """Keep one answer as soon as it is given (the page saves each answer on its own).

    Refused like a draft save: a checklist saved elsewhere since `revision` (StaleChecklist)
    or already submitted (ChecklistLocked); and an item of another version. A stored photo
    or audio note is kept. Returns the checklist at its new revision."""
    _check_may_fill(by, checklist.branch, checklist.template)
    now = now or timezone.now()
    item = version_items(checklist.template_version).get(item_id)
    if item is None:
        raise ValidationError(
            _(
                "This answer is for an item that is not on this checklist (perhaps from a "
                "page of an older version). Reload the page."
            )
        )
    _refuse_bad_value(item, answer)
    _refuse_closing_checks_early(checklist, {item.pk: answer}, now=now)
    _claim_and_write_answer(checklist, item, answer, revision=revision, by=by, now=now)
    return checklist


@transaction.atomic
def checklist_submit(
    *, checklist: Checklist, answers: dict[int, AnswerInput], by: User, revision: int, now=None
):
    """Validate every answer, store them in bulk, score and lock the checklist, and raise a
    rectification for each failed critical item."""
    _check_may_fill(by, checklist.branch, checklist.template)
    now = now or timezone.now()
    if checklist.business_date > timezone.localdate(now):
        raise ValidationError(_("A checklist cannot be submitted for a day in the future."))
    _refuse_closing_checks_early(checklist, answers, now=now, submit=True)
    items = version_items(checklist.template_version)
    first_submit = checklist.status == Checklist.Status.DRAFT
    problems = answer_problems(items.values(), answers)
    if problems:
        raise ValidationError(_("Some items are not complete yet."))
    score, failed, critical = compute_score(
        (item, answers[pk].result, answers[pk].score) for pk, item in items.items()
    )
    _claim(
        checklist,
        revision=revision,
        by=by,
        now=now,
        status=Checklist.Status.SUBMITTED,
        submitted_at=now,
        submitted_by=by,
        score=score,
        failed_items=failed,
        critical_failures=critical,
    )
    rows = _write_answers(checklist, items, answers)
    critical_rows = [row for row in rows if row.failed and items[row.item_id].is_critical]
    if critical_rows:
        # Only a reopened checklist can already have actions for its failures.
        _raise_rectifications(
            checklist, critical_rows, by=by, now=now, check_existing=not first_submit
        )
    ChecklistEvent.objects.create(
        checklist=checklist, action=ChecklistEvent.Action.SUBMITTED, at=now, by=by
    )
    return checklist


# --- rectifications of failed items ---------------------------------------------------------

# The kinds of finding this app raises rectifications for (registered in StandardsConfig):
# a daily self-check's failed item, or a mystery-shopper visit's or inspection's.
RECTIFICATION_SOURCES = {
    "checklist": _lazy("Daily checklist"),
    "inspection": _lazy("Inspection"),
}


def rectification_source(checklist) -> str:
    return "checklist" if checklist.template.kind == TemplateKind.DAILY else "inspection"


def _outlet_head(branch, fallback: User) -> User:
    head = (
        User.objects.filter(branch=branch, is_active=True, groups__name=Role.BRANCH_MANAGER)
        .order_by("pk")
        .first()
    )
    return head or fallback


def _raise_rectifications(checklist, answers, *, by, now=None, check_existing=True):
    """One rectification per failed answer that has none yet.

    `check_existing=False` skips the lookup when none can exist (a first submit)."""
    now = now or timezone.now()
    if check_existing:
        # The checklist's row lock queues a second reviewer's click behind the first.
        Checklist.objects.select_for_update().filter(pk=checklist.pk).first()
        raised = set(
            Rectification.objects.filter(checklist_answer__in=answers).values_list(
                "source_id", flat=True
            )
        )
        answers = [answer for answer in answers if answer.pk not in raised]
    owner = _outlet_head(checklist.branch, by)
    for answer in answers:
        text = _("Put right: %(item)s.") % {"item": answer.item.text}
        if answer.comment:
            text += " " + _("Found: %(comment)s") % {"comment": answer.comment}
        rectification_raise(
            user=by,
            outlet=checklist.branch,
            source=answer,
            source_kind=rectification_source(checklist),
            source_label=f"{checklist.business_date:%Y-%m-%d} · {answer.item.text}",
            owner=owner,
            required_action=text,
            # Some working days after the check (never before today: a late submit),
            # counted again when the calendar changes.
            due_counted_from=checklist.business_date,
            due_working_days=settings.STANDARDS_CORRECTIVE_ACTION_WORKING_DAYS,
            now=now,
        )


@transaction.atomic
def checklist_rectifications_raise(*, checklist: Checklist, answers, by: User, now=None):
    """Raise rectifications for failures a reviewer picked (failed answers only)."""
    answers = [a for a in answers if a.failed and a.checklist_id == checklist.pk]
    if answers:
        _raise_rectifications(checklist, answers, by=by, now=now)


# --- review ----------------------------------------------------------------------------------


def _check_may_review(user, checklist):
    if not (user.has_perm("standards.review_checklist") and can_see_branch(user, checklist.branch)):
        raise PermissionDenied


@transaction.atomic
def checklist_sign_off(
    *, checklist: Checklist, by: User, note: str = "", raise_actions_for=(), now=None
):
    """The outlet head's sign-off; failures picked by the reviewer get rectifications."""
    _check_may_review(by, checklist)
    refuse_unstorable_text(Checklist(review_note=note), "review_note")
    now = now or timezone.now()
    updated = Checklist.objects.filter(pk=checklist.pk, status=Checklist.Status.SUBMITTED).update(
        status=Checklist.Status.REVIEWED, reviewed_at=now, reviewed_by=by, review_note=note
    )
    if not updated:
        raise ValidationError(_("Only a submitted checklist can be signed off."))
    checklist.refresh_from_db()
    checklist_rectifications_raise(checklist=checklist, answers=raise_actions_for, by=by, now=now)
    ChecklistEvent.objects.create(
        checklist=checklist, action=ChecklistEvent.Action.SIGNED_OFF, at=now, by=by, note=note
    )
    return checklist


@transaction.atomic
def checklist_reopen(*, checklist: Checklist, by: User, reason: str, now=None):
    """Give a submitted checklist back for correction, with the reason recorded. A mystery-
    shopper visit or an inspection goes back to its inspector, so only the inspector's level
    (their branch or one above it) may reopen it."""
    _check_may_review(by, checklist)
    inspector = checklist.submitted_by
    if (
        checklist.template.kind in INDEPENDENT_KINDS
        and inspector is not None
        and not _at_or_above(by, inspector)
    ):
        raise ValidationError(
            _("Only the inspector's level can reopen a mystery-shopper visit or an inspection.")
        )
    if not reason.strip():
        raise ValidationError(_("Say why the checklist is reopened."))
    refuse_unstorable_text(ChecklistEvent(note=reason), "note")
    now = now or timezone.now()
    updated = Checklist.objects.filter(pk=checklist.pk, status__in=Checklist.DONE_STATUSES).update(
        status=Checklist.Status.REOPENED,
        revision=F("revision") + 1,
        reviewed_at=None,
        reviewed_by=None,
    )
    if not updated:
        raise ValidationError(_("Only a submitted or signed-off checklist can be reopened."))
    ChecklistEvent.objects.create(
        checklist=checklist,
        action=ChecklistEvent.Action.REOPENED,
        at=now,
        by=by,
        note=reason.strip(),
    )
    checklist.refresh_from_db()
    return checklist


# --- missed days -----------------------------------------------------------------------------


def missed_checklist_excuse_check(*, branch, business_date: dt.date, reason: str):
    """Raise ValidationError (by field) unless the day may be excused for the outlet."""
    errors = {}
    if not branch.is_outlet:
        errors["branch"] = _("Choose an outlet.")
    if business_date > timezone.localdate():
        errors["business_date"] = _("A day in the future cannot be excused.")
    elif branch.is_outlet and not is_opening_day(branch, business_date):
        errors["business_date"] = _("No checklist is needed on a day the outlet is closed.")
    elif Checklist.objects.daily().done().filter(branch=branch, business_date=business_date):
        errors["business_date"] = _("The daily checklist of that day was submitted.")
    elif MissedChecklistExcuse.objects.filter(branch=branch, business_date=business_date):
        errors["business_date"] = _("That day is already excused for this outlet.")
    if not reason.strip():
        errors["reason"] = _("Give the reason.")
    else:
        errors.update(unstorable_text(MissedChecklistExcuse(reason=reason), "reason"))
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def missed_checklist_excuse(*, branch, business_date: dt.date, reason: str, by: User):
    """A branch manager excuses an outlet's missing daily checklist on an opening day."""
    if not (by.has_perm("standards.add_missedchecklistexcuse") and can_see_branch(by, branch)):
        raise PermissionDenied
    missed_checklist_excuse_check(branch=branch, business_date=business_date, reason=reason)
    try:
        with transaction.atomic():
            return MissedChecklistExcuse.objects.create(
                branch=branch, business_date=business_date, reason=reason.strip(), excused_by=by
            )
    except IntegrityError as exc:
        # Excused by someone else a moment ago.
        raise ValidationError(
            {"business_date": _("That day is already excused for this outlet.")}
        ) from exc
