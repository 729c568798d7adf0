import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from branchservice.roles import Role
from standards.catalogue import seed_catalogue
from standards.models import AnswerType
from standards.services import AnswerInput, checklist_start
from tests.factories import UserFactory
from tests.standards import factories

# A Wednesday that is a working day in the PRC calendar, 10:00 in Shanghai.
WORKDAY = dt.date(2026, 11, 18)


@pytest.fixture
def on_workday():
    with time_machine.travel(
        timezone.make_aware(dt.datetime.combine(WORKDAY, dt.time(10, 0))), tick=False
    ):
        yield WORKDAY


@pytest.fixture
def after_closing():
    """WORKDAY at 18:00, after the outlets close (default hours): the shipped daily template's
    closing checks can be made."""
    with time_machine.travel(
        timezone.make_aware(dt.datetime.combine(WORKDAY, dt.time(18, 0))), tick=False
    ):
        yield WORKDAY


@pytest.fixture
def catalogue(db):
    daily, mystery = seed_catalogue()
    return type("Catalogue", (), {"daily": daily, "mystery": mystery})


@pytest.fixture
def small_template(db):
    """Three items: an ordinary one, a critical one needing a photo, a scored one (0-4)."""
    return factories.small_template()


@pytest.fixture
def outlet_head(org):
    return UserFactory(username="head_a", branch=org.a, roles=[Role.BRANCH_MANAGER])


@pytest.fixture
def checklist(small_template, org, lobby_user, on_workday):
    return checklist_start(
        branch=org.a, template=small_template, business_date=on_workday, by=lobby_user
    )


def items_of(checklist):
    return list(checklist.template_version.items.order_by("position"))


def all_pass(checklist):
    answers = {}
    for item in items_of(checklist):
        if item.answer_type == AnswerType.SCORE:
            answers[item.pk] = AnswerInput(score=item.max_score)
        else:
            answers[item.pk] = AnswerInput(result="pass")
    return answers


@pytest.fixture
def sixty_item_template(db):
    return factories.sixty_item_template()


@pytest.fixture
def other_lobby_user(org):
    """The lobby manager of outlet B, which is outside A's subtree."""
    return UserFactory(username="lm_b", branch=org.b, roles=[Role.LOBBY_MANAGER], is_staff=False)


def form_data(checklist, answers, *, action="save", revision=None):
    """POST data of the checklist page for {item: AnswerInput}."""
    data = {"action": action, "revision": checklist.revision if revision is None else revision}
    for item_id, answer in answers.items():
        if answer.score is not None:
            data[f"r{item_id}"] = str(answer.score)
        elif answer.result:
            data[f"r{item_id}"] = answer.result
        if answer.comment:
            data[f"c{item_id}"] = answer.comment
        if answer.photo and hasattr(answer.photo, "read"):
            data[f"p{item_id}"] = answer.photo
        if answer.audio and hasattr(answer.audio, "read"):
            data[f"a{item_id}"] = answer.audio
    return data
