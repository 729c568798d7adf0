"""The deadline states the list's badges and the work queue show, in SQL (complaints.deadlines:
watched_states, urgency_conditions), against the model's own rule (Complaint.deadline_status)
with "due soon" added, over entries in every stage and state: paused, extended, escalated,
reopened, in review, a regulator's transfer owing its feedback, void and merged."""

import datetime as dt
import random

import pytest
from django.db.models import BooleanField, Case, Value, When
from django.utils import timezone

from branchservice.calendar import add_working_days
from complaints.deadlines import (
    DUE_SOON_WORKING_DAYS,
    NEVER,
    WATCHED,
    most_urgent,
    urgency_conditions,
    watched_states,
)
from complaints.models import Complaint, DeadlinePolicy, DeadlineStatus, end_of_day
from tests.complaints.conftest import at
from tests.complaints.factories import ComplaintFactory

DS = DeadlineStatus
S = Complaint.Status

# Before the National Day holiday (working and natural days differ), a Friday night (the
# weekend between today and "due soon"), and a Monday morning.
MOMENTS = [at(2026, 9, 30, 16), at(2026, 11, 27, 23, 30), at(2026, 11, 30, 8, 15)]
COUNTING = {DS.OVERDUE, DS.DUE_TODAY, DS.DUE_SOON, DS.ON_TIME}


def expected_state(complaint, stage, now, policies) -> str:
    """What a badge should say: the model's status of a pending deadline ("" for none, done
    in time or late), due soon within the bank's two working days or, for the regulatory
    ceiling, within its policy's warning days."""
    state = complaint.deadline_status(stage, now)
    if state in (DS.NONE, DS.MET, DS.MISSED):
        return ""
    if state != DS.ON_TIME:
        return state
    due = getattr(complaint, WATCHED[stage][0])
    if stage == "regulatory":
        warning = policies.get(complaint.policy_id)
        soon = warning is not None and due <= now + dt.timedelta(days=warning)
    else:
        today = timezone.localtime(now).date()
        soon = due <= end_of_day(add_working_days(today, DUE_SOON_WORKING_DAYS))
    return DS.DUE_SOON if soon else DS.ON_TIME


def expected(complaint, now, policies) -> dict:
    states = {stage: expected_state(complaint, stage, now, policies) for stage in WATCHED}
    dues = [getattr(complaint, WATCHED[s][0]) for s, state in states.items() if state in COUNTING]
    return {
        "states": states,
        "next_due": min(dues, default=NEVER),
        "urgency": most_urgent(states.values()),
    }


def _dues(now):
    """Due dates around `now`: passed, later today, tonight, the next days, the edge of the
    bank's "due soon" and of a policy's warning days, later."""
    today = timezone.localtime(now).date()
    soon = add_working_days(today, DUE_SOON_WORKING_DAYS)
    return [
        now - dt.timedelta(days=3),
        now - dt.timedelta(minutes=1),
        now + dt.timedelta(minutes=30),
        end_of_day(today),
        end_of_day(today + dt.timedelta(days=1)),
        end_of_day(soon),
        end_of_day(soon) + dt.timedelta(seconds=1),
        now + dt.timedelta(days=3),
        now + dt.timedelta(days=3, seconds=1),
        now + dt.timedelta(days=7),
        end_of_day(today + dt.timedelta(days=8)),
        now + dt.timedelta(days=40),
    ]


def make_register(branch, now, count=160, seed=15):
    """`count` entries with random but reproducible facts: status, kind, a running pause, an
    extension, a reopening, a transfer's feedback, each deadline set or not, met or not, and
    one of two policies (3 and 7 warning days) or none."""
    rng = random.Random(seed)
    long_warning, _new = DeadlinePolicy.objects.get_or_create(
        name="长预警", defaults={"regulatory_warning_days": 7}
    )
    policies = [DeadlinePolicy.current(), long_warning, None]
    dues = _dues(now)
    statuses = [*Complaint.OPEN_STATUSES, S.CLOSED, S.VOID, S.MERGED]
    received = [now - dt.timedelta(days=d) for d in (1, 1, 5, 20)]
    complaints = []
    for n in range(count):
        facts = {
            "status": rng.choice([*Complaint.OPEN_STATUSES] * 3 + statuses),
            "kind": rng.choice([Complaint.Kind.COMPLAINT] * 3 + [Complaint.Kind.SUGGESTION]),
            "paused_since": now - dt.timedelta(days=1) if rng.random() < 0.25 else None,
            "extension_tier": rng.choice(["", "", Complaint.Complexity.COMPLEX]),
            "reopened_at": now - dt.timedelta(days=2) if rng.random() < 0.1 else None,
            "policy": rng.choice(policies),
            "received_at": rng.choice(received),
            "reference": f"TS-W-{n:04d}",
        }
        for due, done in WATCHED.values():
            if rng.random() < 0.7:
                facts[due] = rng.choice(dues)
                if rng.random() < 0.25:
                    facts[done] = now - dt.timedelta(hours=rng.choice([1, 100]))
        complaints.append(ComplaintFactory.build(branch=branch, **facts))
    return Complaint.objects.bulk_create(complaints)


def policy_warnings():
    return dict(DeadlinePolicy.objects.values_list("pk", "regulatory_warning_days"))


@pytest.mark.parametrize("now", MOMENTS, ids=["before-holiday", "friday-night", "monday"])
def test_the_states_next_deadline_and_urgency_in_sql_are_the_models(db, org, now):
    make_register(org.a, now)
    policies = DeadlinePolicy.objects.all()
    urgent = {
        f"u_{state}": Case(When(condition, then=Value(True)), default=Value(False),
                           output_field=BooleanField())
        for state, condition in urgency_conditions(now, policies).items()
    }  # fmt: skip
    rows = Complaint.objects.annotate(**watched_states(now, policies), **urgent).order_by("pk")
    warnings = policy_warnings()
    seen = set()
    for complaint in rows:
        want = expected(complaint, now, warnings)
        # The list and the queue show an open entry's badges; a closed one still owes the
        # transferring body its feedback (Complaint.UNPAUSED_STAGES).
        stages = WATCHED if complaint.is_open else Complaint.UNPAUSED_STAGES
        got = {stage: getattr(complaint, f"dl_{stage}") for stage in stages}
        assert got == {stage: want["states"][stage] for stage in stages}, complaint.reference
        if not complaint.is_open:
            continue
        assert complaint.next_due == want["next_due"], complaint.reference
        got_urgency = {state for state in urgent if getattr(complaint, state)}
        assert got_urgency == ({f"u_{want['urgency']}"} if want["urgency"] else set())
        seen |= {want["urgency"], *want["states"].values()}
    # The register reached every state a badge and the queue's counts can show.
    assert seen >= {"", *COUNTING, DS.PAUSED}
