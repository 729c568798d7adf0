import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.signals import template_rendered
from django.urls import reverse

from branchservice.rectifications.models import Rectification
from standards.models import Checklist, ChecklistAnswer
from standards.services import AnswerInput, checklist_start, checklist_submit
from tests.standards.conftest import all_pass, form_data, items_of

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 200
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200


def url(checklist):
    return reverse("standards:checklist", args=[checklist.pk])


def test_a_lobby_manager_opens_todays_checklist_with_one_tap(
    small_template, org, lobby_user, login, on_workday
):
    client = login(lobby_user)
    home = client.get(reverse("standards:home"), follow=True)
    assert home.redirect_chain[-1][0] == reverse("standards:outlet", args=[org.a.pk])
    start = reverse("standards:start", args=[org.a.pk, small_template.pk])
    assert start in home.content.decode()
    response = client.post(start)
    checklist = Checklist.objects.get()
    assert response.url == url(checklist)
    assert (checklist.branch, checklist.business_date) == (org.a, on_workday)
    # A second tap (or another device) opens the same checklist.
    assert client.post(start).url == url(checklist)
    page = client.get(url(checklist))
    assert "叫号机正常" in page.content.decode()


def test_a_draft_is_kept_and_resumed_from_another_device(checklist, lobby_user, login, client):
    first = items_of(checklist)[0]
    data = form_data(checklist, {first.pk: AnswerInput(result="fail", comment="地面有水")})
    response = login(lobby_user).post(url(checklist), data)
    assert response.status_code == 302
    client.logout()
    page = login(lobby_user).get(url(checklist))
    form = page.context["form"]
    assert form[f"r{first.pk}"].value() == "fail"
    assert form[f"c{first.pk}"].value() == "地面有水"


def test_a_stale_second_tab_is_refused_and_keeps_what_it_entered(checklist, lobby_user, login):
    first, second = items_of(checklist)[:2]
    client = login(lobby_user)
    client.post(url(checklist), form_data(checklist, {first.pk: AnswerInput(result="pass")}))
    stale = form_data(
        checklist, {second.pk: AnswerInput(result="fail", comment="黑屏")}, revision=1
    )
    response = client.post(url(checklist), stale)
    assert response.status_code == 409
    assert "在其他设备或页面上保存过" in response.content.decode()
    # The page still shows what this tab entered, ready to save again on purpose.
    assert response.context["form"][f"c{second.pk}"].value() == "黑屏"
    assert not ChecklistAnswer.objects.filter(item=second).exists()
    assert client.post(url(checklist), {**stale, "revision": 2}).status_code == 302
    assert ChecklistAnswer.objects.get(item=second).comment == "黑屏"


def test_submit_without_a_required_comment_is_refused_and_nothing_is_lost(
    checklist, lobby_user, login
):
    answers = all_pass(checklist)
    first = items_of(checklist)[0]
    answers[first.pk] = AnswerInput(result="fail")
    response = login(lobby_user).post(
        url(checklist), form_data(checklist, answers, action="submit")
    )
    assert response.status_code == 400
    assert response.context["form"].errors[f"r{first.pk}"]
    checklist.refresh_from_db()
    assert checklist.status == Checklist.Status.DRAFT
    # Everything entered was kept as a draft.
    assert ChecklistAnswer.objects.filter(checklist=checklist).count() == len(answers)


def test_submit_shows_the_score_and_failed_critical_items(checklist, lobby_user, login):
    answers = all_pass(checklist)
    critical = items_of(checklist)[1]
    answers[critical.pk] = AnswerInput(
        result="fail", comment="叫号机黑屏", photo=SimpleUploadedFile("a.jpg", JPEG)
    )
    client = login(lobby_user)
    response = client.post(
        url(checklist), form_data(checklist, answers, action="submit"), follow=True
    )
    body = response.content.decode()
    assert "50.0%" in body  # (1 + 0×3 + 2) / 6
    assert "叫号机黑屏" in body
    assert Rectification.objects.filter(checklist_answer__item=critical).exists()
    photo = client.get(reverse("standards:photo", args=[checklist.pk, critical.pk]))
    assert b"".join(photo.streaming_content) == JPEG
    # A double submit changes nothing.
    again = client.post(url(checklist), form_data(checklist, answers, action="submit", revision=1))
    assert again.status_code == 200
    assert Rectification.objects.count() == 1
    checklist.refresh_from_db()
    assert checklist.status == Checklist.Status.SUBMITTED


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"%PDF-1.4 not a photo", "JPEG"), (PNG + b"\x00" * 2048, "2.0")],
)
def test_a_bad_photo_is_refused_with_a_clear_message(
    checklist, lobby_user, login, settings, content, message
):
    settings.STANDARDS_PHOTO_MAX_BYTES = 2048
    critical = items_of(checklist)[1]
    answers = {
        critical.pk: AnswerInput(
            result="fail", comment="坏了", photo=SimpleUploadedFile("x.jpg", content)
        )
    }
    response = login(lobby_user).post(url(checklist), form_data(checklist, answers))
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[f"p{critical.pk}"])
    assert not ChecklistAnswer.objects.exists()


def test_the_fill_page_of_a_sixty_item_template_has_a_fixed_query_count(
    sixty_item_template, org, lobby_user, login, on_workday, django_assert_num_queries
):
    checklist = checklist_start(
        branch=org.a, template=sixty_item_template, business_date=on_workday, by=lobby_user
    )
    client = login(lobby_user)
    # Per request: the user with their branch, their roles and permissions (the session is in
    # the cache, renewed at most once a minute: branchservice/sessions.py); then the checklist,
    # the version's sections and items (the first time only: then cached), the answers.
    with django_assert_num_queries(6):
        response = client.get(url(checklist))
    assert len(response.context["form"].items) == 60
    with django_assert_num_queries(4):
        response = client.get(url(checklist))
    assert len(response.context["form"].items) == 60


def test_the_fill_page_draws_its_sixty_items_without_a_template_per_field(
    sixty_item_template, org, lobby_user, login, on_workday
):
    """Rendering each item's fields and buttons through their own templates was most of the
    page's time (bench/standards_bench.py): the items are written by the page itself, and read
    back by the same form."""
    checklist = checklist_start(
        branch=org.a, template=sixty_item_template, business_date=on_workday, by=lobby_user
    )
    client = login(lobby_user)
    rendered = []

    def count(sender, template, **kwargs):
        rendered.append(template.name)

    template_rendered.connect(count)
    try:
        response = client.get(url(checklist))
    finally:
        template_rendered.disconnect(count)
    assert len(rendered) <= 3, rendered  # the page, its base, at most the language menu
    page = response.content.decode()
    assert page.count('class="btn-check"') == 6 * (3 * 9 + 6)
    first = items_of(checklist)[0]
    assert f'<input type="radio" name="r{first.pk}" value="pass" class="btn-check"' in page
    assert f'<textarea name="c{first.pk}"' in page
    assert f'<input type="file" name="p{first.pk}"' in page


def test_a_full_submit_of_sixty_items_is_a_bounded_number_of_queries(
    sixty_item_template, org, lobby_user, login, on_workday, django_assert_max_num_queries
):
    checklist = checklist_start(
        branch=org.a, template=sixty_item_template, business_date=on_workday, by=lobby_user
    )
    data = form_data(checklist, all_pass(checklist), action="submit")
    client = login(lobby_user)
    # Loading the page's state as for a GET (10), then the save itself: savepoint, items, one
    # claiming UPDATE, one bulk INSERT of 60 answers, the event, release.
    with django_assert_max_num_queries(16):
        response = client.post(url(checklist), data)
    assert response.status_code == 302
    assert ChecklistAnswer.objects.filter(checklist=checklist).count() == 60


def test_the_history_lists_the_outlets_checklists_in_fixed_queries(
    small_template, org, lobby_user, login, django_assert_num_queries
):
    import datetime as dt

    import time_machine

    for offset in range(5):
        day = dt.date(2026, 11, 2) + dt.timedelta(days=offset)
        with time_machine.travel(dt.datetime(2026, 11, 2 + offset, 10, 0, tzinfo=dt.UTC)):
            c = checklist_start(
                branch=org.a, template=small_template, business_date=day, by=lobby_user
            )
            checklist_submit(checklist=c, answers=all_pass(c), by=lobby_user, revision=1)
    client = login(lobby_user)
    # Per request as above (the user, their roles and permissions); then outlet, count, page.
    with django_assert_num_queries(5):
        response = client.get(reverse("standards:history", args=[org.a.pk]))
    assert len(response.context["page"].object_list) == 5


def test_anonymous_users_are_sent_to_the_checklist_login(org):
    from django.test import Client

    response = Client().get(reverse("standards:outlet", args=[org.a.pk]))
    assert response.url.startswith(reverse("standards:login"))


def test_a_lobby_manager_without_admin_access_logs_in_on_the_checklist_page(lobby_user, client):
    from tests.factories import PASSWORD

    response = client.post(
        reverse("standards:login"), {"username": lobby_user.username, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.get(reverse("standards:home")).status_code == 302


def test_a_lobby_manager_of_another_outlet_is_refused_everywhere(
    checklist, lobby_user, other_lobby_user, org, login, small_template
):
    answers = all_pass(checklist)
    critical = items_of(checklist)[1]
    answers[critical.pk] = AnswerInput(result="fail", comment="坏了", photo="x.jpg")
    checklist_submit(checklist=checklist, answers=answers, by=lobby_user, revision=1)
    client = login(other_lobby_user)
    gets = [
        reverse("standards:outlet", args=[org.a.pk]),
        reverse("standards:history", args=[org.a.pk]),
        url(checklist),
        reverse("standards:photo", args=[checklist.pk, critical.pk]),
    ]
    for address in gets:
        assert client.get(address).status_code == 404, address
    assert (
        client.post(reverse("standards:start", args=[org.a.pk, small_template.pk])).status_code
        == 404
    )
    assert client.post(url(checklist), form_data(checklist, answers)).status_code == 404
    # Their own outlet works.
    assert client.get(reverse("standards:outlet", args=[org.b.pk])).status_code == 200


def test_staff_without_checklist_permission_are_refused(outsider, org, login):
    assert login(outsider).get(reverse("standards:outlet", args=[org.b.pk])).status_code == 403


def test_the_outlet_page_lists_open_actions_and_lets_the_head_excuse_missed_days(
    small_template, org, lobby_user, outlet_head, login
):
    import datetime as dt

    import time_machine

    # Submitted on Tuesday 17 Nov with a critical failure; nothing on Monday 16 Nov.
    with time_machine.travel(dt.datetime(2026, 11, 17, 2, 0, tzinfo=dt.UTC)):
        c = checklist_start(
            branch=org.a,
            template=small_template,
            business_date=dt.date(2026, 11, 17),
            by=lobby_user,
        )
        answers = all_pass(c)
        answers[items_of(c)[1].pk] = AnswerInput(result="fail", comment="黑屏", photo="x.jpg")
        checklist_submit(checklist=c, answers=answers, by=lobby_user, revision=1)
    outlet_page = reverse("standards:outlet", args=[org.a.pk])
    with time_machine.travel(dt.datetime(2026, 11, 18, 2, 0, tzinfo=dt.UTC)):
        lobby_view = login(lobby_user).get(outlet_page)
        assert [a.source.item.text for a in lobby_view.context["actions"]] == ["叫号机正常"]
        assert dt.date(2026, 11, 16) in [m.business_date for m in lobby_view.context["missed"]]
        assert "admin/standards/missedchecklistexcuse/add" not in lobby_view.content.decode()
        head_view = login(outlet_head).get(outlet_page)
        assert (
            f"missedchecklistexcuse/add/?branch={org.a.pk}&amp;business_date=2026-11-16"
            in head_view.content.decode()
        )


def test_head_office_picks_any_outlet_and_a_user_above_outlets_gets_a_list(org, hq, login):
    client = login(hq)
    listing = client.get(reverse("standards:home"))
    assert {b.code for b in listing.context["outlets"]} == {"A", "A2", "B"}
    assert client.get(reverse("standards:outlet", args=[org.b.pk])).status_code == 200


def test_a_reopened_checklist_opens_with_its_answers_for_correction(
    checklist, lobby_user, manager, login
):
    from standards.services import checklist_reopen

    answers = all_pass(checklist)
    checklist_submit(checklist=checklist, answers=answers, by=lobby_user, revision=1)
    checklist_reopen(checklist=checklist, by=manager, reason="请核对第一项")
    client = login(lobby_user)
    page = client.get(url(checklist))
    first = items_of(checklist)[0]
    assert page.context["form"][f"r{first.pk}"].value() == "pass"
    checklist.refresh_from_db()
    response = client.post(url(checklist), form_data(checklist, answers, action="submit"))
    assert response.status_code == 302
    checklist.refresh_from_db()
    assert checklist.status == Checklist.Status.SUBMITTED
