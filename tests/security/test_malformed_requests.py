"""Finding 10: malformed parameters gave 500s, exports started on GET, uploads were read whole.

`?branch=abc` on the complaint list, `?outlet=1.5` on the tickets, `…/complaint/abc/change/`,
`?period=0001-01` on the dashboard and a search with a NUL character in an export all raised
inside the server. An export was a plain link (a GET), which another site's <img> or a
browser's prefetch could set off in the user's name. A 10 GB upload was streamed to disk
before anyone looked at its size.

The list filters are walked for every admin of the site, so a filter added later is covered.
"""

from urllib.parse import urlencode

import pytest
from django.contrib import admin
from django.contrib.admin.filters import SimpleListFilter
from django.test.client import FakePayload
from django.urls import NoReverseMatch, reverse

from tests.complaints.factories import ComplaintFactory
from tests.factories import UserFactory

MALFORMED = ["abc", "1.5", "-1", "\x00", "9" * 30]


def admin_filters():
    """(admin list URL name, its export URL name or None, a SimpleListFilter parameter)."""
    found = []
    for model, model_admin in admin.site._registry.items():
        name = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        try:
            reverse(f"{name}_export")
            export = f"{name}_export"
        except NoReverseMatch:
            export = None
        for list_filter in model_admin.list_filter:
            if isinstance(list_filter, type) and issubclass(list_filter, SimpleListFilter):
                found.append((f"{name}_changelist", export, list_filter.parameter_name))
    return sorted(found)


@pytest.fixture
def root(org):
    return UserFactory(username="root", branch=None, is_superuser=True)


def post_export(client, name, params):
    return client.post(f"{reverse(name)}?{urlencode(params)}")


@pytest.mark.parametrize(("changelist", "export", "parameter"), admin_filters())
def test_a_malformed_list_filter_value_is_refused_not_a_server_error(
    changelist, export, parameter, root, login
):
    client = login(root)
    for value in MALFORMED:
        # A choice the filter does not have is ignored (200); a malformed id is the admin's
        # answer to a bad lookup: back to the unfiltered list, flagged ?e=1. Never a 500 (the
        # test client raises the server's exception).
        response = client.get(reverse(changelist), {parameter: value})
        assert response.status_code in (200, 302), (parameter, value)
        if response.status_code == 302:
            assert response["Location"].endswith("?e=1")
        if export:
            response = post_export(client, export, {parameter: value})
            assert response.status_code in (200, 302), (parameter, value)
            if response.status_code == 302:
                assert {m.level_tag for m in response.wsgi_request._messages} == {"error"}


def test_an_export_refuses_a_search_it_cannot_use(org, root, login):
    ComplaintFactory(branch=org.a)
    client = login(root)
    response = post_export(client, "admin:complaints_complaint_export", {"q": "a\x00b"})
    assert response.status_code == 302  # back to the list with the reason, no file of everything
    assert [m.level_tag for m in response.wsgi_request._messages] == ["error"]


@pytest.mark.parametrize("object_id", ["abc", "1.5", "9" * 30])
@pytest.mark.parametrize("page", ["change", "history", "print"])
def test_a_made_up_complaint_id_is_not_found(object_id, page, root, login):
    url = reverse(f"admin:complaints_complaint_{page}", args=[object_id])
    assert login(root).get(url).status_code in (302, 404)  # 302: the admin's "no such record"


def admin_object_urls():
    """(URL name, its other arguments) for every admin page that takes a record's id: the
    built-in change/history/delete pages and each admin's own (print, steps, files)."""
    found = []
    for model_admin in admin.site._registry.values():
        for pattern in model_admin.get_urls():
            converters = getattr(pattern.pattern, "converters", {})
            if pattern.name and "object_id" in str(pattern.pattern):
                others = {
                    name: 1 if type(conv).__name__ == "IntConverter" else "x"
                    for name, conv in converters.items()
                    if name != "object_id"
                }
                found.append((f"admin:{pattern.name}", others))
    return sorted(found, key=lambda f: f[0])


@pytest.mark.parametrize(("name", "others"), admin_object_urls())
def test_a_made_up_id_on_any_admin_record_page_is_not_a_server_error(name, others, root, login):
    client = login(root)
    for object_id in ("abc", "1.5", "9" * 30):
        url = reverse(name, kwargs={"object_id": object_id, **others})
        # 302: the admin's "no such record"; 403: a page nobody may use (deleting evidence)
        assert client.get(url).status_code in (302, 403, 404), url


@pytest.mark.parametrize("period", ["0001-01", "9999-12", "2026-13", "x"])
def test_the_dashboard_explains_a_month_it_cannot_show(period, hq, login):
    response = login(hq).get(reverse("reporting:dashboard"), {"period": period})
    assert response.status_code == 200
    assert response.context["form"].errors["period"]


@pytest.mark.parametrize(
    "name",
    ["admin:complaints_complaint_export", "admin:servicetimes_ticket_export"],
)
def test_an_admin_export_does_not_start_on_get(name, hq, login):
    assert login(hq).get(reverse(name)).status_code == 405


def test_the_portal_export_does_not_start_on_get(hq, login):
    assert login(hq).get(reverse("exports:export", args=["complaints"])).status_code == 405


def test_the_export_button_is_a_form_with_a_csrf_token(org, hq, login):
    page = login(hq).get(reverse("admin:complaints_complaint_changelist"), {"status__exact": "new"})
    html = page.content.decode()
    action = f'action="{reverse("admin:complaints_complaint_export")}?status__exact=new"'
    form = html[html.index(action) :][:400]
    assert 'method="post"' in html[html.rindex("<form", 0, html.index(action)) :][:200]
    assert "csrfmiddlewaretoken" in form


class CountingPayload(FakePayload):
    """A request body that records how much of it the server read."""

    def __init__(self, content):
        super().__init__(content)
        self.bytes_read = 0

    def read(self, size=-1, /):
        chunk = super().read(size)
        self.bytes_read += len(chunk)
        return chunk


def test_an_upload_above_the_limit_is_refused_before_it_is_read(settings, outlet_user, login):
    settings.UPLOAD_REQUEST_MAX_BYTES = 1024 * 1024
    client = login(outlet_user)
    body = b"x" * (2 * 1024 * 1024)
    payload = CountingPayload(body)
    response = client.generic(
        "POST",
        reverse("admin:complaints_complaint_add"),
        content_type="multipart/form-data; boundary=BoUnDaRy",
        **{"wsgi.input": payload, "CONTENT_LENGTH": str(len(body))},
    )
    assert response.status_code == 413
    assert "1 MB" in response.content.decode()
    assert payload.bytes_read == 0


def test_an_upload_within_the_limit_goes_through(settings, outlet_user, login):
    settings.UPLOAD_REQUEST_MAX_BYTES = 1024 * 1024
    response = login(outlet_user).post(
        reverse("admin:complaints_complaint_add"), {"description": "x" * 1000}
    )
    assert response.status_code == 200  # the form again, with its own errors
