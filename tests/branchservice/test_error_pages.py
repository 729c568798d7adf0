"""The error pages speak the user's language and lead back to work (Django's own are bare
English: a lobby manager refused a page saw "Not Found")."""

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_a_missing_page_says_so_in_chinese_with_a_way_back(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "页面不存在" in page and 'href="/"' in page
    assert "Not Found" not in page


def test_a_refused_page_says_so_in_chinese(lobby_user, login):
    # A lobby manager has no access to the report centre.
    response = login(lobby_user).get(reverse("reporting:centre"))
    assert response.status_code == 403
    assert "您无权打开此页面" in response.content.decode()


def test_an_expired_form_tells_what_to_do_in_chinese(lobby_user):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("standards:login"), {"username": "x", "password": "y"})
    assert response.status_code == 403
    assert "页面已过期" in response.content.decode()


def test_english_is_available(client):
    client.cookies["django_language"] = "en"
    assert "Page not found" in client.get("/no-such-page/").content.decode()
