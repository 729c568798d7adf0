"""Security headers, and pages that keep working under the content security policy: a page
with an inline script or event handler would silently lose that behaviour in the browser."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse


class InlineCodeFinder(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and "src" not in attrs and attrs.get("type") != "application/json":
            self.found.append(f"<script> at line {self.getpos()[0]}")
        for name in attrs:
            if name.startswith("on"):
                self.found.append(f"{name}= on <{tag}> at line {self.getpos()[0]}")
        if attrs.get("href", "").startswith("javascript:"):
            self.found.append(f"javascript: link at line {self.getpos()[0]}")


def inline_code(html: str) -> list[str]:
    finder = InlineCodeFinder()
    finder.feed(html)
    return finder.found


def test_every_response_carries_the_security_headers(client, db):
    response = client.get(reverse("admin:login"))
    header = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in header.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    "page",
    [
        ("admin:index", None),
        ("admin:branchservice_branch_changelist", None),
        ("admin:branchservice_branch_change", "a"),
        ("admin:branchservice_branch_add", None),
        ("admin:branchservice_user_changelist", None),
        ("admin:branchservice_user_add", None),
        ("admin:branchservice_user_change", "user"),
        ("admin:branchservice_calendaroverride_add", None),
        ("admin:branchservice_branch_history", "a"),
        ("admin:axes_accesslog_changelist", None),
        ("admin:password_change", None),
    ],
    ids=lambda page: page[0],
)
def test_admin_pages_need_no_inline_script(org, hq, outlet_user, login, page):
    name, arg = page
    args = {"a": [org.a.pk], "user": [outlet_user.pk], None: []}[arg]
    response = login(hq).get(reverse(name, args=args))
    assert response.status_code == 200
    assert inline_code(response.content.decode()) == []


def test_the_login_page_needs_no_inline_script(client, db):
    assert inline_code(client.get(reverse("admin:login")).content.decode()) == []
