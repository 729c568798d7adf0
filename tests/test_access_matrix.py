"""The access matrix: every URL of the portal, tried by every role, against one policy table.

The URLs are discovered from the URL resolver, which includes every registered admin model's
changelist/add/change/history/delete pages and custom views. Each one must have a line in
POLICY_TABLE; a URL without a line, or a line for a URL that no longer exists, fails
`test_every_url_has_a_policy`. Each line says what each role gets for an object of branch A:

    ok     200                         403    refused (PermissionDenied)
    404    not found: 404, or the admin's "no such record" redirect to its index
    login  redirect to the sign-in page (anonymous, inactive, not admin staff)
    redir  redirect somewhere other than the sign-in page
    405    method not allowed          open   200 or 503: a status page that answers anyone

Roles (columns, in this order), all from tests/conftest.py except `inactive`:
    hq        head-office service department       mgr   branch manager of S1 (A's sub-branch)
    cm_a      complaint manager of outlet A        lm_a  lobby manager of A (not admin staff)
    aud       auditor of S1                        cm_b  complaint manager of outlet B
    anon      anonymous visitor                    inact a deactivated branch manager of S1

Adding an app's pages means adding lines to POLICY_TABLE. The last column names an entry of
OBJECTS: a function (org) -> the object of branch A that the URL is tried with (an app keeps
its builders in tests/<app>/factories.py; import them here). URL arguments follow from the
route (see url_for). `ACCESS_MATRIX_DUMP=/tmp/m.txt pytest tests/test_access_matrix.py`
writes what each role actually got, to draft the lines for new pages. Changelists are also
checked for leaks: B's complaint manager never finds A's object in a list they may open.
"""

import os
from dataclasses import dataclass

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from branchservice.models import CalendarOverride, FileDownload
from branchservice.roles import Role
from tests.factories import UserFactory
from tests.notifications.factories import notification_of_a, preference_of_a, wecom_of_a

ROLES = ["hq", "mgr", "cm_a", "lm_a", "aud", "cm_b", "anon", "inact"]


# --- objects of branch A the URLs are tried with ---------------------------------------------


def branch_a(org):
    return org.a


def staff_of_a(org):
    return UserFactory(username="teller_a", branch=org.a, is_staff=False)


def calendar_override(org):
    return CalendarOverride.objects.create(date="2027-10-01", kind="holiday", note="国庆节")


def role_group(org):
    return Group.objects.get(name=Role.LOBBY_MANAGER)


def login_of_a(org):
    return AccessLog.objects.create(username="cm_a", ip_address="10.0.0.1", user_agent="t")


def failed_login_of_a(org):
    return AccessFailureLog.objects.create(username="cm_a", ip_address="10.0.0.1", user_agent="t")


def lockout_of_a(org):
    return AccessAttempt.objects.create(
        username="cm_a", ip_address="10.0.0.1", user_agent="t", get_data="", post_data="",
        failures_since_start=2,
    )  # fmt: skip


def download_of_a(org):
    return FileDownload.objects.create(username="audit_s1", branch=org.a, filename="a.xlsx")


# --- the policy table ----------------------------------------------------------------------

# Objects named in the table's last column ("-": the URL takes no object).
OBJECTS = {
    "branch_a": branch_a,
    "staff_of_a": staff_of_a,
    "calendar_override": calendar_override,
    "role_group": role_group,
    "login_of_a": login_of_a,
    "failed_login_of_a": failed_login_of_a,
    "lockout_of_a": lockout_of_a,
    "download_of_a": download_of_a,
    "notification_of_a": notification_of_a,
    "wecom_of_a": wecom_of_a,
    "preference_of_a": preference_of_a,
}
# Objects that belong to no branch: everybody who may open their list sees them.
BANK_WIDE = {"-", "calendar_override", "role_group"}

# URL name, or the route of an unnamed pattern; one outcome per role; the object.
POLICY_TABLE = """
# URL                                                 hq    mgr   cm_a  lm_a  aud   cm_b  anon  inact  object
<root>                                                redir redir redir redir redir redir redir redir  -
healthz                                               open  open  open  open  open  open  open  open   -
set_language                                          redir redir redir redir redir redir redir redir  -

# The admin site itself
admin:index                                           ok    ok    ok    login ok    ok    login login  -
admin:login                                           redir redir redir ok    redir redir ok    ok     -
admin:logout                                          405   405   405   redir 405   405   redir redir  -
admin:password_change                                 ok    ok    ok    login ok    ok    login login  -
admin:password_change_done                            ok    ok    ok    login ok    ok    login login  -
admin:autocomplete                                    403   403   403   login 403   403   login login  -
admin:jsi18n                                          ok    ok    ok    login ok    ok    login login  -
admin:view_on_site                                    404   404   404   login 404   404   login login  branch_a
admin:app_list                                        ok    ok    ok    login ok    ok    login login  -
admin/(?P<url>.*)$                                    404   404   404   login 404   404   login login  -

# Branches: everyone in the admin reads those in scope; head office edits; nobody deletes.
admin:branchservice_branch_changelist                 ok    ok    ok    login ok    ok    login login  branch_a
admin:branchservice_branch_add                        ok    403   403   login 403   403   login login  -
admin:branchservice_branch_change                     ok    ok    ok    login ok    404   login login  branch_a
admin:branchservice_branch_history                    ok    ok    ok    login ok    404   login login  branch_a
admin:branchservice_branch_simple_history             ok    ok    ok    login ok    404   login login  branch_a
admin:branchservice_branch_delete                     403   403   403   login 403   403   login login  branch_a
admin/branchservice/branch/<path:object_id>/          redir redir redir login redir redir login login  branch_a

# Staff: head office and branch managers manage those in scope; auditors read.
admin:branchservice_user_changelist                   ok    ok    403   login ok    403   login login  staff_of_a
admin:branchservice_user_add                          ok    ok    403   login 403   403   login login  -
admin:branchservice_user_change                       ok    ok    403   login ok    403   login login  staff_of_a
admin:branchservice_user_history                      ok    ok    403   login ok    404   login login  staff_of_a
admin:branchservice_user_simple_history               ok    ok    403   login ok    404   login login  staff_of_a
admin:branchservice_user_delete                       403   403   403   login 403   403   login login  staff_of_a
admin:auth_user_password_change                       ok    ok    403   login 403   403   login login  staff_of_a
admin/branchservice/user/<path:object_id>/            redir redir redir login redir redir login login  staff_of_a

# Calendar overrides: bank-wide; head office edits, the others in the admin read.
admin:branchservice_calendaroverride_changelist       ok    ok    ok    login ok    ok    login login  calendar_override
admin:branchservice_calendaroverride_add              ok    403   403   login 403   403   login login  -
admin:branchservice_calendaroverride_change           ok    ok    ok    login ok    ok    login login  calendar_override
admin:branchservice_calendaroverride_history          ok    ok    ok    login ok    ok    login login  calendar_override
admin:branchservice_calendaroverride_simple_history   ok    ok    ok    login ok    ok    login login  calendar_override
admin:branchservice_calendaroverride_delete           ok    403   403   login 403   403   login login  calendar_override
admin/branchservice/calendaroverride/<path:object_id>/ redir redir redir login redir redir login login calendar_override

# Role groups: declared in code (roles.py); superusers only.
admin:auth_group_changelist                           403   403   403   login 403   403   login login  role_group
admin:auth_group_add                                  403   403   403   login 403   403   login login  -
admin:auth_group_change                               403   403   403   login 403   403   login login  role_group
admin:auth_group_history                              403   403   403   login 403   403   login login  role_group
admin:auth_group_delete                               403   403   403   login 403   403   login login  role_group
admin/auth/group/<path:object_id>/                    redir redir redir login redir redir login login  role_group

# The audit trail: head office and auditors read, within scope; nobody writes.
admin:axes_accesslog_changelist                       ok    403   403   login ok    403   login login  login_of_a
admin:axes_accesslog_add                              403   403   403   login 403   403   login login  -
admin:axes_accesslog_change                           ok    403   403   login ok    403   login login  login_of_a
admin:axes_accesslog_history                          ok    403   403   login ok    404   login login  login_of_a
admin:axes_accesslog_delete                           403   403   403   login 403   403   login login  login_of_a
admin/axes/accesslog/<path:object_id>/                redir redir redir login redir redir login login  login_of_a
admin:axes_accessfailurelog_changelist                ok    403   403   login ok    403   login login  failed_login_of_a
admin:axes_accessfailurelog_add                       403   403   403   login 403   403   login login  -
admin:axes_accessfailurelog_change                    ok    403   403   login ok    403   login login  failed_login_of_a
admin:axes_accessfailurelog_history                   ok    403   403   login ok    404   login login  failed_login_of_a
admin:axes_accessfailurelog_delete                    403   403   403   login 403   403   login login  failed_login_of_a
admin/axes/accessfailurelog/<path:object_id>/         redir redir redir login redir redir login login  failed_login_of_a
admin:axes_accessattempt_changelist                   ok    403   403   login ok    403   login login  lockout_of_a
admin:axes_accessattempt_add                          403   403   403   login 403   403   login login  -
admin:axes_accessattempt_change                       ok    403   403   login ok    403   login login  lockout_of_a
admin:axes_accessattempt_history                      ok    403   403   login ok    404   login login  lockout_of_a
admin:axes_accessattempt_delete                       403   403   403   login 403   403   login login  lockout_of_a
admin/axes/accessattempt/<path:object_id>/            redir redir redir login redir redir login login  lockout_of_a
admin:branchservice_filedownload_changelist           ok    403   403   login ok    403   login login  download_of_a
admin:branchservice_filedownload_add                  403   403   403   login 403   403   login login  -
admin:branchservice_filedownload_change               ok    403   403   login ok    403   login login  download_of_a
admin:branchservice_filedownload_history              ok    403   403   login ok    404   login login  download_of_a
admin:branchservice_filedownload_delete               403   403   403   login 403   403   login login  download_of_a
admin/branchservice/filedownload/<path:object_id>/    redir redir redir login redir redir login login  download_of_a
# Reminders: each person reads their own; the admin lists reminders in scope (head office and
# branch managers may send a failed one again); group bots and preferences are managed by
# head office and branch managers.
notifications:mine                                    ok    ok    ok    ok    ok    ok    login login  -
notifications:open                                    404   404   redir 404   404   404   login login  notification_of_a
notifications:read_all                                405   405   405   405   405   405   405   405    -
admin:notifications_notification_changelist           ok    ok    ok    login ok    ok    login login  notification_of_a
admin:notifications_notification_add                  403   403   403   login 403   403   login login  -
admin:notifications_notification_change               ok    ok    ok    login ok    404   login login  notification_of_a
admin:notifications_notification_history              ok    ok    ok    login ok    404   login login  notification_of_a
admin:notifications_notification_delete               403   403   403   login 403   403   login login  notification_of_a
admin/notifications/notification/<path:object_id>/    redir redir redir login redir redir login login  notification_of_a
admin:notifications_wecomwebhook_changelist           ok    ok    403   login 403   403   login login  wecom_of_a
admin:notifications_wecomwebhook_add                  ok    ok    403   login 403   403   login login  -
admin:notifications_wecomwebhook_change               ok    ok    403   login 403   403   login login  wecom_of_a
admin:notifications_wecomwebhook_history              ok    ok    403   login 403   404   login login  wecom_of_a
admin:notifications_wecomwebhook_delete               ok    403   403   login 403   403   login login  wecom_of_a
admin/notifications/wecomwebhook/<path:object_id>/    redir redir redir login redir redir login login  wecom_of_a
admin:notifications_notificationpreference_changelist ok    ok    403   login 403   403   login login  preference_of_a
admin:notifications_notificationpreference_add        ok    ok    403   login 403   403   login login  -
admin:notifications_notificationpreference_change     ok    ok    403   login 403   403   login login  preference_of_a
admin:notifications_notificationpreference_history    ok    ok    403   login 403   404   login login  preference_of_a
admin:notifications_notificationpreference_delete     ok    403   403   login 403   403   login login  preference_of_a
admin/notifications/notificationpreference/<path:object_id>/ redir redir redir login redir redir login login preference_of_a
"""


@dataclass(frozen=True)
class Policy:
    key: str  # URL name with namespace, or the route of an unnamed pattern
    expect: dict[str, str]  # role -> outcome
    obj: str  # a key of OBJECTS, or "-"

    def __str__(self):
        return self.key


def parse(table: str) -> list[Policy]:
    policies = []
    for line in table.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        key, *outcomes, obj = line.split()
        assert len(outcomes) == len(ROLES), f"{key}: one outcome per role"
        assert obj in OBJECTS or obj == "-", f"{key}: unknown object {obj}"
        assert set(outcomes) <= OUTCOMES, f"{key}: unknown outcome in {outcomes}"
        policies.append(
            Policy("" if key == "<root>" else key, dict(zip(ROLES, outcomes, strict=True)), obj)
        )
    return policies


OUTCOMES = {"ok", "403", "404", "login", "redir", "405", "open"}
POLICY = parse(POLICY_TABLE)
POLICY_BY_KEY = {p.key: p for p in POLICY}


# --- discovery -----------------------------------------------------------------------------


def discover(patterns=None, prefix="", namespace=None):
    """(key, route) of every URL pattern: (name with its namespace, route), or for an unnamed
    pattern (its full route, None)."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            ns = namespace
            if pattern.namespace:
                ns = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from discover(pattern.url_patterns, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern):
            route = prefix + str(pattern.pattern)
            if pattern.name:
                yield (f"{namespace}:{pattern.name}" if namespace else pattern.name), route
            else:
                yield route, None


def test_every_url_has_a_policy():
    discovered = {key for key, _route in discover()}
    missing = sorted(discovered - POLICY_BY_KEY.keys())
    stale = sorted(POLICY_BY_KEY.keys() - discovered)
    assert not missing, f"URLs without a row in POLICY: {missing}"
    assert not stale, f"POLICY rows for URLs that no longer exist: {stale}"
    assert len(POLICY_BY_KEY) == len(POLICY), "a URL has two rows in POLICY"


# --- the people ----------------------------------------------------------------------------


@pytest.fixture
def cast(org, hq, manager, outlet_user, lobby_user, auditor, outsider):
    inactive = UserFactory(
        username="former_mgr", branch=org.s1, roles=[Role.BRANCH_MANAGER], is_active=False
    )
    return {
        "hq": hq, "mgr": manager, "cm_a": outlet_user, "lm_a": lobby_user,
        "aud": auditor, "cm_b": outsider, "anon": None, "inact": inactive,
    }  # fmt: skip


def client_for(user):
    client = Client()
    if user is not None:
        # force_login: the session a deactivated user still holds must not let them in.
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def url_for(policy: Policy, obj) -> str:
    """The URL to request: arguments follow from the route's parameters and the object."""
    route = route_of(policy.key)
    if route is None:  # unnamed patterns: the key is the route
        if policy.key == "":
            return "/"
        if "(?P<url>" in policy.key:
            return "/admin/no-such-page/"
        return "/" + policy.key.replace("<path:object_id>", str(obj.pk))
    if "content_type_id" in route:
        ct = ContentType.objects.get_for_model(obj)
        return reverse(policy.key, kwargs={"content_type_id": ct.pk, "object_id": obj.pk})
    if "app_label" in route:
        return reverse(policy.key, kwargs={"app_label": "branchservice"})
    if "/history/([^/]+)" in route:  # simple-history's page of one past version
        return reverse(policy.key, args=[obj.pk, obj.history.latest().history_id])
    if "object_id" in route or "<id>" in route or ":pk>" in route:
        return reverse(policy.key, args=[obj.pk])
    return reverse(policy.key)


def route_of(key):
    return dict(discover())[key]


def outcome_of(response) -> str:
    status = response.status_code
    if status in (301, 302):
        location = response["Location"]
        if location.startswith(reverse("admin:login")):
            return "login"
        if location == reverse("admin:index"):
            return "404|redir"  # the admin's answer to a record it cannot find
        return "redir"
    if status == 404:
        return "404"
    if status in (200, 503) and response.get("Content-Type", "").startswith("application/json"):
        return "open"
    return {200: "ok", 403: "403", 405: "405"}.get(status, str(status))


@pytest.mark.parametrize("policy", POLICY, ids=str)
def test_each_role_gets_what_the_policy_says(policy, org, cast):
    obj = OBJECTS[policy.obj](org) if policy.obj != "-" else None
    url = url_for(policy, obj)
    actual = {}
    for role, user in cast.items():
        response = client_for(user).get(url)
        actual[role] = outcome_of(response)
        if role == "cm_b" and policy.obj not in BANK_WIDE and "cl" in (response.context or {}):
            listed = {row.pk for row in response.context["cl"].result_list}
            assert obj.pk not in listed, f"{url}: B's complaint manager sees A's row"
    if os.environ.get("ACCESS_MATRIX_DUMP"):
        # ACCESS_MATRIX_DUMP=file: write what each role got, to draft rows for new URLs.
        with open(os.environ["ACCESS_MATRIX_DUMP"], "a") as dump:
            print(policy.key, *(actual[r] for r in ROLES), policy.obj, file=dump)
    wrong = {
        role: f"expected {policy.expect[role]}, got {actual[role]}"
        for role in ROLES
        if policy.expect[role] not in actual[role].split("|")
    }
    assert not wrong, f"{url}: {wrong}"
