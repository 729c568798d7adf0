"""Every role's shell (issue 15, item 6): auditors land on the report centre, and the report
centre, the dashboard and the reminders share the admin's header, with the person's name, the
bell, the language switcher and logout, in Chinese and in English."""

import pytest
from django.conf import settings
from django.urls import reverse

PAGES = ["reporting:centre", "reporting:dashboard", "notifications:mine"]
HEADER = {"zh-hans": "网点服务管理", "en": "Branch Service Management"}


def test_an_auditor_lands_on_the_report_centre(auditor, login):
    response = login(auditor).get(reverse("admin:index"))
    assert response.status_code == 302
    assert response.url == reverse("reporting:centre")


def test_a_complaint_handler_still_lands_on_the_work_queue(manager, login):
    response = login(manager).get(reverse("admin:index"))
    assert response.status_code == 200
    assert "queue" in response.context


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("who", ["auditor", "manager"])
def test_the_report_pages_and_the_reminders_have_the_portals_header(
    request, login, who, name, language
):
    user = request.getfixturevalue(who)
    client = login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = client.get(reverse(name))
    assert page.status_code == 200
    html = page.content.decode()
    assert f'<a href="{reverse("admin:index")}">{HEADER[language]}</a>' in html
    assert "Django administration" not in html and "Django 管理" not in html
    assert f"<strong>{user.get_short_name() or user.username}</strong>" in html
    assert 'class="reminder-bell"' in html
    assert 'class="language-switcher"' in html
    assert f'id="logout-form" method="post" action="{reverse("admin:logout")}"' in html


def test_a_lobby_manager_reading_reminders_logs_out_of_the_checklist_pages(lobby_user, login):
    html = login(lobby_user).get(reverse("notifications:mine")).content.decode()
    assert 'class="reminder-bell"' in html
    assert f'id="logout-form" method="post" action="{reverse("standards:logout")}"' in html


@pytest.mark.parametrize(("language", "label"), [("zh-hans", "登录记录"), ("en", "Login records")])
def test_the_login_records_are_named_in_the_users_language(auditor, login, language, label):
    client = login(auditor)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    html = client.get(reverse("admin:app_list", args=["axes"])).content.decode()
    assert label in html
    assert "Axes" not in html
