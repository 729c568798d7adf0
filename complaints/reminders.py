"""What is due on complaints, and to whom (the reminder scan).

Called by branchservice.notifications every scan with the time and a Directory of who holds
which role where. Reads open complaints in primary-key batches: per batch one query for the
complaints and one insert for the reminders, whatever the batch holds. Stages and offsets come
from each complaint's deadline policy; the due dates themselves are stored on the complaint.

    acknowledgement: due today, from noon             → handler
                     2 hours before the working day ends (still not done) → handler
                     not done by its deadline         → handler
    reply: due today (pre-breach)                     → handler
           breached                                   → handler, outlet head
           still unanswered N working days later      → managers above, head office (escalation)
    regulatory ceiling within the warning days        → outlet head, head office
                       passed                         → outlet head, head office
    follow-up visit due today / overdue               → handler
    approved extension not told within 1 working day  → handler
    clock paused longer than the policy's limit       → outlet head
    review (核查) due today / overdue                  → levels above, head office
    feedback to a regulator's transferring body
             due within 2 working days                → handler, outlet head
             overdue                                  → handler, outlet head, head office
    nothing of a complaint while its clock is paused, except the feedback a transferring
    body waits for (its deadline is the body's, not ours), reminded until it is given

Told by other steps, not found by the scan: a new entry (`new_entry`), an escalation or a
hand-back to the managers of the level it goes to (`level_changed`), and deadlines a change of
the holiday calendar moved (`deadlines_moved`), each to the handler's bell at once and in the
next mail of their reminders, so that a recount of many complaints reaches a handler as one
mail.

A complaint's rectification notices are reminded by branchservice.rectifications' scan.
"""

import datetime as dt
from functools import partial

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from branchservice.calendar import add_working_days, add_working_days_anywhere
from branchservice.models import User
from branchservice.notifications import hours
from branchservice.notifications.models import Notification
from branchservice.notifications.recipients import Directory
from branchservice.notifications.registry import (
    NO_LONGER_DUE_CLOSED,
    NO_LONGER_DUE_DONE,
    NO_LONGER_DUE_MOVED,
    Reminder,
    admin_url,
    batched,
    batched_rows,
)
from branchservice.roles import Role
from branchservice.scoping import IN_HOUSE, level_holder_ids

from . import services
from .deadlines import DUE_SOON_WORKING_DAYS
from .models import (
    Complaint,
    DeadlinePolicy,
    Decision,
    ExtensionRequest,
    end_of_day,
)

Stage = Notification.Stage


class Kind(models.TextChoices):
    """The reminders this scan sends (registered in ComplaintsConfig.ready())."""

    COMPLAINT_ACKNOWLEDGE = "complaint_acknowledge", _("Complaint acknowledgement")
    COMPLAINT_REPLY = "complaint_reply", _("Complaint reply")
    COMPLAINT_REGULATORY = "complaint_regulatory", _("Regulatory deadline")
    COMPLAINT_FOLLOWUP = "complaint_followup", _("Follow-up visit")
    COMPLAINT_EXTENSION_NOTICE = "complaint_extension_notice", _("Extension notice")
    COMPLAINT_PAUSE = "complaint_pause", _("Long pause of the clock")
    COMPLAINT_REVIEW = "complaint_review", _("Review (核查)")
    # Told at once, not found by the scan (services.complaint_register).
    COMPLAINT_NEW = "complaint_new", _("New entry from a customer")
    COMPLAINT_REGISTERED = "complaint_registered", _("New entry registered")
    # Told at once when the customer answers the follow-up "dissatisfied" (complaint_follow_up).
    COMPLAINT_DISSATISFIED = "complaint_dissatisfied", _("Customer dissatisfied")
    COMPLAINT_DEADLINE_MOVED = "complaint_deadline_moved", _("Deadline moved by the calendar")
    # Regulator transfers (issue 14 item 6).
    COMPLAINT_REGULATOR_FEEDBACK = "complaint_regulator_feedback", _("Feedback to a regulator")
    # Told at once to head office: 20 or more complain together (major_complaint).
    COMPLAINT_MAJOR = "complaint_major", _("Major complaint")
    # Told at once to the level a complaint goes to (level_changed, issue 14 item 3).
    COMPLAINT_ESCALATED = "complaint_escalated", _("Complaint escalated to your level")
    COMPLAINT_HANDED_BACK = "complaint_handed_back", _("Complaint handed back to your level")


KINDS = Kind.values
# An acknowledgement due today is reminded from noon, and again this long before the end of
# the working day (NOTIFICATIONS_WORKING_HOURS).
ACKNOWLEDGE_REMINDED_AT = dt.time(12, 0)
ACKNOWLEDGE_WARNED_BEFORE_CLOSE = dt.timedelta(hours=2)
NO_LONGER_DUE_PAUSED = _("The clock was paused since the reminder was created.")
# What each reminder says. "%(object)s" is the complaint's reference, "%(due)s" its deadline.
HEADLINES = {
    (Kind.COMPLAINT_NEW, Stage.DUE): _(
        "A customer wrote entry %(object)s in the online opinion book; acknowledge it by %(due)s."
    ),
    (Kind.COMPLAINT_REGISTERED, Stage.DUE): _(
        "Entry %(object)s was registered at your outlet; acknowledge it by %(due)s."
    ),
    (Kind.COMPLAINT_DISSATISFIED, Stage.DUE): _(
        "The customer of complaint %(object)s is dissatisfied with the reply: handle it again, "
        "or close it after telling them of the right to a review."
    ),
    (Kind.COMPLAINT_DEADLINE_MOVED, Stage.DUE): _(
        "The holiday calendar changed and the deadlines of complaint %(object)s were recounted "
        "(its timeline says which); the next one is %(due)s."
    ),
    (Kind.COMPLAINT_MAJOR, Stage.DUE): _(
        "Major complaint %(object)s: 20 or more customers complain together."
    ),
    (Kind.COMPLAINT_ESCALATED, Stage.DUE): _(
        "Complaint %(object)s was escalated to your level: yours to handle from now on."
    ),
    (Kind.COMPLAINT_HANDED_BACK, Stage.DUE): _(
        "Complaint %(object)s was handed back to your level: its timeline has the instructions."
    ),
    (Kind.COMPLAINT_ACKNOWLEDGE, Stage.DUE): _(
        "Complaint %(object)s is to be acknowledged to the customer today, by %(due)s."
    ),
    (Kind.COMPLAINT_ACKNOWLEDGE, Stage.WARNING): _(
        "Complaint %(object)s is still not acknowledged to the customer: the working day ends "
        "soon, and it is due by %(due)s."
    ),
    (Kind.COMPLAINT_ACKNOWLEDGE, Stage.OVERDUE): _(
        "Complaint %(object)s was not acknowledged to the customer by %(due)s."
    ),
    (Kind.COMPLAINT_REPLY, Stage.DUE): _(
        "The reply to complaint %(object)s is due today, by %(due)s."
    ),
    (Kind.COMPLAINT_REPLY, Stage.OVERDUE): _(
        "The reply to complaint %(object)s is overdue: it was due by %(due)s."
    ),
    (Kind.COMPLAINT_REPLY, Stage.ESCALATED): _(
        "Escalation: complaint %(object)s is still unanswered, its reply was due by %(due)s."
    ),
    (Kind.COMPLAINT_REGULATORY, Stage.WARNING): _(
        "Complaint %(object)s approaches the regulatory deadline of %(due)s."
    ),
    (Kind.COMPLAINT_REGULATORY, Stage.OVERDUE): _(
        "Complaint %(object)s has passed the regulatory deadline of %(due)s without a reply."
    ),
    (Kind.COMPLAINT_FOLLOWUP, Stage.DUE): _(
        "The follow-up visit for complaint %(object)s is due today, by %(due)s."
    ),
    (Kind.COMPLAINT_FOLLOWUP, Stage.OVERDUE): _(
        "The follow-up visit for complaint %(object)s is overdue: it was due by %(due)s."
    ),
    (Kind.COMPLAINT_EXTENSION_NOTICE, Stage.OVERDUE): _(
        "The customer of complaint %(object)s has not been told of the approved extension; "
        "the notice was due by %(due)s."
    ),
    (Kind.COMPLAINT_PAUSE, Stage.WARNING): _(
        "The clock of complaint %(object)s has been paused beyond the policy's limit (%(due)s)."
    ),
    (Kind.COMPLAINT_REVIEW, Stage.DUE): _(
        "The review of complaint %(object)s is due today, by %(due)s."
    ),
    (Kind.COMPLAINT_REVIEW, Stage.OVERDUE): _(
        "The review of complaint %(object)s is overdue: it was due by %(due)s."
    ),
    (Kind.COMPLAINT_REGULATOR_FEEDBACK, Stage.WARNING): _(
        "The transferring body of complaint %(object)s expects our feedback by %(due)s."
    ),
    (Kind.COMPLAINT_REGULATOR_FEEDBACK, Stage.OVERDUE): _(
        "The feedback to the transferring body of complaint %(object)s is overdue: it was due "
        "by %(due)s."
    ),
}

# The deadline of each step's reminder, and the fact that meets it.
_STEP_FIELDS = {
    Kind.COMPLAINT_ACKNOWLEDGE: ("acknowledge_due_at", "acknowledged_at"),
    Kind.COMPLAINT_REPLY: ("reply_due_at", "replied_at"),
    Kind.COMPLAINT_REGULATORY: ("regulatory_due_at", "replied_at"),
    Kind.COMPLAINT_FOLLOWUP: ("followup_due_at", "followed_up_at"),
    Kind.COMPLAINT_REVIEW: ("review_due_at", "reviewed_at"),
    Kind.COMPLAINT_REGULATOR_FEEDBACK: ("regulator_feedback_due_at", "regulator_feedback_at"),
}

_FIELDS = (
    "pk",
    "reference",
    "branch_id",
    "handler_id",
    "level",
    "policy_id",
    "status",
    "acknowledge_due_at",
    "acknowledged_at",
    "reply_due_at",
    "replied_at",
    "regulatory_due_at",
    "followup_due_at",
    "followed_up_at",
    "paused_since",
    "review_due_at",
    "reviewed_at",
    "regulator_feedback_due_at",
    "regulator_feedback_at",
)


def _day(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


class _Scan:
    def __init__(self, now, directory):
        self.now = now
        self.today = timezone.localdate(now)
        # Looked up once: timezone.localtime() asks the request-local setting on every call,
        # which was a fifth of the scan's time.
        self.tz = timezone.get_current_timezone()
        self._days: dict[dt.datetime, tuple[dt.date, str]] = {}
        self.directory = directory
        self.acknowledge_from = hours.at(self.today, ACKNOWLEDGE_REMINDED_AT)
        self.acknowledge_warned_from = (
            hours.at(self.today, hours.workday_end()) - ACKNOWLEDGE_WARNED_BEFORE_CLOSE
        )
        self.policies = {p.pk: p for p in DeadlinePolicy.objects.all()}
        self.default_policy = DeadlinePolicy.current()
        self._escalation_from: dict[tuple[dt.date, int, int | None], dt.date] = {}
        self._soon: dict[int, dt.datetime] = {}

    def _local_day(self, moment: dt.datetime) -> tuple[dt.date, str]:
        # Memoised: deadlines fall at the end of a working day, so a scan sees few distinct
        # moments, and a zone conversion costs more than the lookup.
        if moment not in self._days:
            day = moment.astimezone(self.tz).date()
            self._days[moment] = day, day.isoformat()
        return self._days[moment]

    def day(self, moment: dt.datetime) -> dt.date:
        return self._local_day(moment)[0]

    def occurrence(self, moment: dt.datetime) -> str:
        return self._local_day(moment)[1]

    def policy(self, complaint) -> DeadlinePolicy:
        return self.policies.get(complaint.policy_id, self.default_policy)

    def escalation_due(self, day: dt.date, after: int, branch=None) -> bool:
        """Whether `after` working days (of the calendar of `branch`, the outlet) have passed
        since `day`. Counts forward from the breach only as far as `after` working days (not
        up to today, which for a long-overdue entry would walk years), memoised per due date
        and outlet: a batch has few distinct ones."""
        key = (day, after, branch)
        if key not in self._escalation_from:
            self._escalation_from[key] = add_working_days(day, after, branch=branch)
        return self._escalation_from[key] <= self.today

    def due_soon_ends(self, branch_id) -> dt.datetime:
        """The end of the "due soon" window on the calendar of outlet `branch_id`, memoised
        per outlet: a batch has few."""
        if branch_id not in self._soon:
            soon = add_working_days(self.today, DUE_SOON_WORKING_DAYS, branch=branch_id)
            self._soon[branch_id] = end_of_day(soon)
        return self._soon[branch_id]

    def handler(self, complaint) -> list[int]:
        """Who acts on the entry's deadlines: while it is escalated, the managers of the level
        that holds it (only they move it then); otherwise its handler, or without one the
        outlet's complaint managers (a reply from above hands the follow-up to the outlet)."""
        if complaint.status == Complaint.Status.ESCALATED:
            return self.directory.level_holders(complaint.branch_id, complaint.level)
        if complaint.handler_id:
            return [complaint.handler_id]
        return self.directory.holders(complaint.branch_id, Role.COMPLAINT_MANAGER)

    def reminder(self, complaint, kind, stage, recipients, due_at, on_first_creation=None):
        return Reminder(
            target=complaint,
            kind=kind,
            stage=stage,
            recipient_ids=recipients,
            due_at=due_at,
            occurrence=self.occurrence(due_at),
            label=complaint.reference,
            url=admin_url(complaint),
            on_first_creation=on_first_creation,
        )

    def candidates(self):
        """Open complaints with some step due by the end of today, or the regulatory ceiling
        within the longest warning any policy gives. Each arm has its partial index."""
        end_today = end_of_day(self.today)
        warning = max((p.regulatory_warning_days for p in self.policies.values()), default=0)
        due = (
            Q(acknowledged_at=None, acknowledge_due_at__lte=end_today)
            | Q(replied_at=None, reply_due_at__lte=end_today)
            | Q(replied_at=None, regulatory_due_at__lte=self.now + dt.timedelta(days=warning))
            | Q(followed_up_at=None, replied_at__isnull=False, followup_due_at__lte=end_today)
        )
        # Nothing is reminded while the clock is paused (the pause has its own reminder).
        return Complaint.objects.open().filter(due, paused_since=None).order_by("pk")

    def complaint(self, c):
        d, now = self.directory, self.now
        if c.acknowledged_at is None and c.acknowledge_due_at:
            yield from self.acknowledge(c)
        if c.replied_at is None and c.reply_due_at:
            yield from self.reply(c)
        if c.replied_at is None and c.regulatory_due_at:
            warn_from = c.regulatory_due_at - dt.timedelta(
                days=self.policy(c).regulatory_warning_days
            )
            if warn_from <= now:
                # Warned before the ceiling; told again once it has passed.
                stage = Stage.OVERDUE if c.regulatory_due_at < now else Stage.WARNING
                recipients = [*d.outlet_heads(c.branch_id), *d.head_office_service()]
                yield self.reminder(
                    c, Kind.COMPLAINT_REGULATORY, stage, recipients, c.regulatory_due_at
                )
        if c.replied_at and c.followed_up_at is None and c.followup_due_at:
            if c.followup_due_at < now:
                stage = Stage.OVERDUE
            elif self.day(c.followup_due_at) <= self.today:
                stage = Stage.DUE
            else:
                return
            yield self.reminder(
                c, Kind.COMPLAINT_FOLLOWUP, stage, self.handler(c), c.followup_due_at
            )

    def acknowledge(self, c):
        """Reminded on its due day before the deadline, not only after it (issue 14 item 2):
        from noon, and again from two hours before the working day ends, while there is still
        time to call the customer that day. A scan after both times sends the later one only."""
        due = c.acknowledge_due_at
        if due <= self.now:
            stage = Stage.OVERDUE
        elif self.day(due) > self.today or self.now < self.acknowledge_from:
            return
        elif self.now >= self.acknowledge_warned_from:
            stage = Stage.WARNING
        else:
            stage = Stage.DUE
        yield self.reminder(c, Kind.COMPLAINT_ACKNOWLEDGE, stage, self.handler(c), due)

    def reply(self, c):
        d, due = self.directory, c.reply_due_at
        if due >= self.now:
            if self.day(due) <= self.today:
                yield self.reminder(c, Kind.COMPLAINT_REPLY, Stage.DUE, self.handler(c), due)
            return
        heads = d.outlet_heads(c.branch_id)
        yield self.reminder(c, Kind.COMPLAINT_REPLY, Stage.OVERDUE, [*self.handler(c), *heads], due)
        after = self.policy(c).escalate_after_breach_working_days
        if self.escalation_due(self.day(due), after, c.branch_id):
            recipients = [*d.managers_above(c.branch_id), *d.head_office_service()]
            yield self.reminder(
                c,
                Kind.COMPLAINT_REPLY,
                Stage.ESCALATED,
                recipients,
                due,
                # Runs once, when the escalation is first stored: one line on the timeline.
                on_first_creation=partial(_record_escalation, c.pk, recipients, due),
            )

    def extension_notice_candidates(self):
        # Bounded on every outlet's calendar; extension_notices counts each on its own.
        deadline = end_of_day(add_working_days_anywhere(self.today, -1))
        return (
            ExtensionRequest.objects.filter(
                decision=Decision.APPROVED,
                decided_at__lte=deadline,
                complaint__status__in=Complaint.OPEN_STATUSES,
                notices__isnull=True,
            )
            .select_related("complaint")
            .only("decided_at", "complaint", *(f"complaint__{f}" for f in _FIELDS if f != "pk"))
            .order_by("pk")
        )

    def long_pause_candidates(self):
        shortest = min((p.pause_warning_days for p in self.policies.values()), default=30)
        return (
            Complaint.objects.open()
            .filter(paused_since__lte=self.now - dt.timedelta(days=shortest))
            .order_by("pk")
        )

    def review_candidates(self):
        return Complaint.objects.filter(
            status=Complaint.Status.REVIEWING,
            reviewed_at=None,
            review_due_at__lte=end_of_day(self.today),
        ).order_by("pk")

    def regulator_feedback_candidates(self):
        """Regulator transfers whose feedback is due within the "due soon" window and not
        given, whatever their status but void or merged: the transferring body waits for it
        even after the complaint is closed, and while its clock is paused. Bounded on every
        outlet's calendar: regulator_feedbacks counts the window on each one's own."""
        soon = end_of_day(add_working_days_anywhere(self.today, DUE_SOON_WORKING_DAYS))
        return (
            Complaint.objects.filter(
                regulator_feedback_at=None, regulator_feedback_due_at__lte=soon
            )
            .exclude(status__in=NO_FEEDBACK_OWED)
            .order_by("pk")
        )

    def queries(self):
        """Every query of the scan over complaints (the benchmark runs them bare)."""
        return [
            self.candidates().values_list(*_FIELDS),
            self.extension_notice_candidates(),
            self.long_pause_candidates().values_list(*_FIELDS),
            self.review_candidates().values_list(*_FIELDS),
            self.regulator_feedback_candidates().values_list(*_FIELDS),
        ]

    def extension_notices(self):
        """Approved extensions whose notice to the customer is not recorded by the close of
        the next working day → the handler."""
        for request in batched(self.extension_notice_candidates()):
            c = request.complaint
            due = end_of_day(add_working_days(self.day(request.decided_at), 1, branch=c.branch_id))
            if due > self.now:
                continue
            yield Reminder(
                target=request,
                kind=Kind.COMPLAINT_EXTENSION_NOTICE,
                stage=Stage.OVERDUE,
                recipient_ids=self.handler(c),
                due_at=due,
                occurrence=self.occurrence(due),
                label=c.reference,
                url=admin_url(c),
            )

    def long_pauses(self):
        """A clock paused longer than its policy allows → the outlet head."""
        for c in batched_rows(self.long_pause_candidates(), _FIELDS):
            limit = c.paused_since + dt.timedelta(days=self.policy(c).pause_warning_days)
            if limit > self.now:
                continue
            yield self.reminder(
                c,
                Kind.COMPLAINT_PAUSE,
                Stage.WARNING,
                self.directory.outlet_heads(c.branch_id),
                limit,
            )

    def reviews(self):
        """A review (核查) due today or overdue → the levels above the outlet."""
        for c in batched_rows(self.review_candidates(), _FIELDS):
            stage = Stage.OVERDUE if c.review_due_at < self.now else Stage.DUE
            recipients = [
                *self.directory.managers_above(c.branch_id),
                *self.directory.head_office_service(),
            ]
            yield self.reminder(c, Kind.COMPLAINT_REVIEW, stage, recipients, c.review_due_at)

    def regulator_feedbacks(self):
        """Feedback owed to a transferring body: due soon → the handler and the outlet head;
        overdue → head office as well."""
        for c in batched_rows(self.regulator_feedback_candidates(), _FIELDS):
            due = c.regulator_feedback_due_at
            if due > self.due_soon_ends(c.branch_id):
                continue
            recipients = [*self.handler(c), *self.directory.outlet_heads(c.branch_id)]
            if due < self.now:
                stage = Stage.OVERDUE
                recipients += self.directory.head_office_service()
            else:
                stage = Stage.WARNING
            yield self.reminder(c, Kind.COMPLAINT_REGULATOR_FEEDBACK, stage, recipients, due)


NO_FEEDBACK_OWED = Complaint.NO_FEEDBACK_OWED


def _feedback_still_due(notification, target) -> str | None:
    # Owed after the complaint is closed, and while its clock is paused: not asked of the
    # status and pause as the other steps are.
    if target.status in NO_FEEDBACK_OWED:
        return str(NO_LONGER_DUE_CLOSED) % {"status": target.get_status_display()}
    if target.regulator_feedback_at is not None:
        return str(NO_LONGER_DUE_DONE)
    due = target.regulator_feedback_due_at
    if due is None or _day(due).isoformat() != notification.occurrence:
        return str(NO_LONGER_DUE_MOVED)
    return None


def _record_escalation(complaint_id, recipient_ids, breached_at):
    services.complaint_record_escalation_notice(
        complaint=Complaint.objects.get(pk=complaint_id),
        recipients=User.objects.filter(pk__in=recipient_ids),
        breached_at=breached_at,
    )


def new_entry_branches(complaint) -> list[int]:
    """The branches whose heads hear of a new entry at once (new_entry): its outlet, and for
    a regulator transfer or an entry marked urgent the sub-branch as well; none for an entry
    with nothing to acknowledge (praise)."""
    if complaint.acknowledge_due_at is None:
        return []
    branches = [complaint.branch_id]
    if (
        complaint.channel == Complaint.Channel.REGULATOR or complaint.is_urgent
    ) and complaint.branch.parent_id:
        branches.append(complaint.branch.parent_id)
    return branches


def new_entry(complaint, *, people, registered_by=None) -> Reminder | None:
    """The reminder that tells a new entry at once (首问负责制: the outlet head hears of every
    entry as it is registered, not when its first deadline has passed): to its handler and the
    heads of new_entry_branches. Whoever registered it already knows. `people`: the active
    staff of those branches with their `role` (services._outlet_people, read once with the
    default handler). None for an entry with nothing to acknowledge (praise)."""
    branches = new_entry_branches(complaint)
    if not branches:
        return None
    heads = [p.pk for p in people if p.role == Role.BRANCH_MANAGER and p.branch_id in branches]
    told = dict.fromkeys([complaint.handler_id, *heads])
    told.pop(None, None)
    if registered_by is not None:
        told.pop(registered_by.pk, None)
    by_customer = complaint.channel in Complaint.CUSTOMER_CHANNELS
    return Reminder(
        target=complaint,
        kind=Kind.COMPLAINT_NEW if by_customer else Kind.COMPLAINT_REGISTERED,
        stage=Stage.DUE,
        recipient_ids=list(told),
        due_at=complaint.acknowledge_due_at,
        label=complaint.reference,
        url=admin_url(complaint),
    )


def major_complaint(complaint) -> Reminder | None:
    """Head office's notice of a major complaint (重大消费投诉: MAJOR_COMPLAINANTS or more
    customers together), at once, whoever registered it; None for any other entry. Sent once
    per complaint (the reminder's unique key), also when an edit makes it major."""
    if complaint.kind != Complaint.Kind.COMPLAINT or not complaint.is_major:
        return None
    head_office = User.objects.filter(IN_HOUSE, groups__name=Role.HQ_SERVICE)
    return Reminder(
        target=complaint,
        kind=Kind.COMPLAINT_MAJOR,
        stage=Stage.DUE,
        recipient_ids=list(head_office.values_list("pk", flat=True)),
        label=complaint.reference,
        url=admin_url(complaint),
    )


def level_managers(complaint) -> list[int]:
    """Who is told of a move to the complaint's level: above the outlet, those who hold it
    there (scoping.level_holder_ids, the rule workflow.holds asks); back at the outlet it is
    held no more (any handler there works it), and its handler and the outlet head are told."""
    if complaint.level != complaint.branch.Level.OUTLET:
        return level_holder_ids(complaint.branch, complaint.level)
    heads = User.objects.filter(
        IN_HOUSE, branch_id=complaint.branch_id, groups__name=Role.BRANCH_MANAGER
    )
    return [complaint.handler_id, *heads.values_list("pk", flat=True)]


def level_changed(complaint, *, up: bool, moved_by, now) -> Reminder | None:
    """The notice of an escalation or a hand-back, at once, to the managers of the level the
    complaint went to (`up`: escalated, else handed back), not to whoever moved it. Each move
    is its own occurrence, ending in the level: the notice is done once the complaint left it."""
    told = dict.fromkeys(level_managers(complaint))
    told.pop(None, None)
    told.pop(moved_by.pk if moved_by else None, None)
    if not told:
        return None
    return Reminder(
        target=complaint,
        kind=Kind.COMPLAINT_ESCALATED if up else Kind.COMPLAINT_HANDED_BACK,
        stage=Stage.DUE,
        recipient_ids=list(told),
        occurrence=f"{now.isoformat(timespec='seconds')}@{complaint.level}",
        label=complaint.reference,
        url=admin_url(complaint),
    )


def dissatisfied(complaint, *, recorded_by=None) -> Reminder | None:
    """The task a dissatisfied follow-up gives the handler, unless they recorded it
    themselves. Each visit is its own occurrence: dissatisfied again after handling it
    again is a new task."""
    if complaint.handler_id is None or (
        recorded_by is not None and recorded_by.pk == complaint.handler_id
    ):
        return None
    return Reminder(
        target=complaint,
        kind=Kind.COMPLAINT_DISSATISFIED,
        stage=Stage.DUE,
        recipient_ids=[complaint.handler_id],
        occurrence=complaint.followed_up_at.isoformat(),
        label=complaint.reference,
        url=admin_url(complaint),
    )


def deadlines_moved(complaint, *, now) -> Reminder | None:
    """The handler's notice that a calendar change moved deadlines of `complaint` (a row of the
    recount, its new due dates set): one per recount (`now` is its occurrence), pointing at
    the next deadline of a step not yet done. None without a handler or such a step."""
    ahead = [
        due
        for due_field, done_field in _STEP_FIELDS.values()
        if (due := getattr(complaint, due_field)) and getattr(complaint, done_field) is None
    ]
    if complaint.handler_id is None or not ahead:
        return None
    return Reminder(
        target=complaint,
        kind=Kind.COMPLAINT_DEADLINE_MOVED,
        stage=Stage.DUE,
        recipient_ids=[complaint.handler_id],
        due_at=min(ahead, default=None),
        occurrence=now.isoformat(timespec="seconds"),
        label=complaint.reference,
        url=admin_url(complaint),
    )


def scan_at(now) -> _Scan:
    """The scan as it runs at `now`, for a few rows at a time: the calendar recount asks
    what is due on the deadlines it moved (`moved`)."""
    return _Scan(now, Directory())


def moved(complaint, before: dict, run: _Scan) -> tuple[dict, list[Reminder]]:
    """For notifications_supersede: the occurrence each step's reminders had before its
    deadline moved (`before`: due field → old value; the complaint holds the new ones), and
    what the scan finds due on the new deadlines (nothing while the clock is paused)."""
    moved_from = {
        (complaint.pk, kind): run.occurrence(before[due_field])
        for kind, (due_field, _done) in _STEP_FIELDS.items()
        if before.get(due_field) and before[due_field] != getattr(complaint, due_field)
    }
    if not moved_from or complaint.paused_since is not None:
        return moved_from, []
    return moved_from, list(run.complaint(complaint))


def scan(*, now, directory):
    run = _Scan(now, directory)
    for complaint in batched_rows(run.candidates(), _FIELDS):
        yield from run.complaint(complaint)
    yield from run.extension_notices()
    yield from run.long_pauses()
    yield from run.reviews()
    yield from run.regulator_feedbacks()


def still_due(notification, target) -> str | None:
    """Why a stored reminder need not be sent any more, or None."""
    if isinstance(target, ExtensionRequest):
        return str(NO_LONGER_DUE_DONE) if target.notices.exists() else None
    if notification.kind == Kind.COMPLAINT_REGULATOR_FEEDBACK:
        return _feedback_still_due(notification, target)
    if not target.is_open:
        return str(NO_LONGER_DUE_CLOSED) % {"status": target.get_status_display()}
    if notification.kind in (Kind.COMPLAINT_DEADLINE_MOVED, Kind.COMPLAINT_MAJOR):
        # Nothing to do but take note: done once read.
        return None if notification.read_at is None else str(NO_LONGER_DUE_DONE)
    if notification.kind in (Kind.COMPLAINT_ESCALATED, Kind.COMPLAINT_HANDED_BACK):
        # The level's to take up: done once read, or once the complaint left that level.
        still_there = notification.occurrence.endswith(f"@{target.level}")
        return None if still_there and notification.read_at is None else str(NO_LONGER_DUE_DONE)
    if notification.kind in (Kind.COMPLAINT_NEW, Kind.COMPLAINT_REGISTERED):
        # Looked at: acknowledged, answered on the spot, or (praise) filed.
        return None if target.status == Complaint.Status.REGISTERED else str(NO_LONGER_DUE_DONE)
    if notification.kind == Kind.COMPLAINT_DISSATISFIED:
        # Done once it is handled again or closed (after the review right was told).
        return None if target.status == Complaint.Status.FOLLOWED_UP else str(NO_LONGER_DUE_DONE)
    if notification.kind == Kind.COMPLAINT_PAUSE:
        return None if target.paused_since else str(NO_LONGER_DUE_DONE)
    if target.paused_since is not None:
        return str(NO_LONGER_DUE_PAUSED)
    due_field, done_field = _STEP_FIELDS[notification.kind]
    if getattr(target, done_field) is not None:
        return str(NO_LONGER_DUE_DONE)
    due = getattr(target, due_field)
    if due is None or _day(due).isoformat() != notification.occurrence:
        return str(NO_LONGER_DUE_MOVED)
    return None
