"""The second factor: TOTP codes from an authenticator app, backup codes, the policy of who is
asked, the reset by a superuser, and the login around it (django-axes) unchanged.

Codes are the real ones: django-otp's TOTP with the device's key at the clock's time (the key
read back from the enrolment page as a person's phone would scan it)."""

import base64
import re
import time

import pytest
import time_machine
from axes.models import AccessFailureLog
from django.contrib import auth
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from branchservice.exports.models import ExportJob
from branchservice.models import User
from branchservice.roles import Role
from branchservice.twofactor.services import second_factor_reset
from tests.factories import PASSWORD, UserFactory, app_code, enrolled_app, pass_second_factor

VERIFY = reverse("twofactor:verify")
ENROL = reverse("twofactor:enrol")


def signed_in(user) -> Client:
    """A browser that has typed `user`'s password, and nothing more."""
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def secret_on(page) -> bytes:
    """The key shown under the QR code, as a person types it into the app."""
    groups = re.search(r'id="totp-secret">(.*?)</code>', page.content.decode()).group(1)
    return base64.b32decode(re.sub(r"<[^>]+>|\s", "", groups))


def code_now(key: bytes) -> str:
    return f"{totp(key):06d}"


@pytest.mark.parametrize("who", ["hq", "manager", "auditor"])
def test_it_sends_the_roles_that_need_it_from_the_password_to_enrolment(request, who):
    user = request.getfixturevalue(who)
    client = signed_in(user)
    for url in ("/admin/", reverse("reporting:centre"), reverse("reporting:dashboard")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == f"{ENROL}?next={url.replace('/', '%2F')}"


def test_it_enrols_with_a_qr_code_and_the_apps_code_then_hands_out_backup_codes(hq):
    client = signed_in(hq)
    page = client.get(ENROL + "?next=/admin/")
    assert page.status_code == 200
    html = page.content.decode()
    # The QR code is drawn in the page (an SVG), no image fetched from elsewhere.
    assert "<svg" in html and 'class="segno"' in html
    key = secret_on(page)
    device = TOTPDevice.objects.get(user=hq)
    assert device.bin_key == key and not device.confirmed
    # A reload keeps the key the person may have scanned already.
    assert secret_on(client.get(ENROL)) == key

    wrong = client.post(ENROL, {"code": "000000" if code_now(key) != "000000" else "111111"})
    assert "验证码不正确" in wrong.content.decode()
    assert client.get("/admin/").status_code == 302

    with time_machine.travel(time.time() + 2, tick=False):  # past the wrong code's wait
        done = client.post(ENROL, {"code": code_now(key), "next": "/admin/"})
    assert done.status_code == 200
    codes = re.findall(r"<li><code>(\w+)</code></li>", done.content.decode())
    assert len(codes) == 10 and len(set(codes)) == 10
    assert 'href="/admin/"' in done.content.decode()
    assert client.get("/admin/").status_code == 200
    device.refresh_from_db()
    assert device.confirmed
    assert hq.history.latest().history_change_reason == "已设置双因素认证（身份验证器应用）"


def test_each_sign_in_asks_the_code_and_a_code_works_once(hq):
    device = enrolled_app(hq)
    first = signed_in(hq)
    asked = first.get(reverse("reporting:centre"))
    assert asked["Location"] == f"{VERIFY}?next=%2Freports%2F"
    code = app_code(device)
    passed = first.post(VERIFY, {"code": code, "next": reverse("reporting:centre")})
    assert passed["Location"] == reverse("reporting:centre")
    assert first.get(reverse("reporting:centre")).status_code == 200

    # Someone who watched the code being typed, with the password too, cannot reuse it.
    second = signed_in(hq)
    replayed = second.post(VERIFY, {"code": code})
    assert replayed.status_code == 200
    assert "验证码不正确" in replayed.content.decode()
    assert second.get(reverse("reporting:centre")).status_code == 302


def test_the_same_person_signs_in_three_times_within_a_minute(hq):
    """A benchmark signs one person in again and again: the app's next code moves the
    device's drift on, and the helper's code follows it (tests.factories.app_code)."""
    with time_machine.travel(time.time(), tick=False):
        for _ in range(3):
            pass_second_factor(signed_in(hq), hq)


def test_passing_the_factor_gives_the_session_a_new_key(hq):
    device = enrolled_app(hq)
    client = signed_in(hq)
    before = client.session.session_key
    client.post(VERIFY, {"code": app_code(device)})
    assert client.session.session_key != before
    assert client.get("/admin/").status_code == 200


def test_a_backup_code_signs_in_once(hq):
    client = signed_in(hq)
    client.get(ENROL)
    done = client.post(ENROL, {"code": app_code(TOTPDevice.objects.get(user=hq))})
    code = re.findall(r"<li><code>(\w+)</code></li>", done.content.decode())[0]

    lost_phone = signed_in(hq)
    passed = lost_phone.post(VERIFY, {"code": f" {code.upper()[:4]} {code.upper()[4:]} "})
    assert passed.status_code == 302
    assert lost_phone.get("/admin/", follow=True).status_code == 200
    assert StaticToken.objects.filter(device__user=hq).count() == 9

    again = signed_in(hq)
    assert again.post(VERIFY, {"code": code}).status_code == 200
    assert again.get("/admin/").status_code == 302


def test_wrong_codes_slow_the_next_try_down(hq):
    device = enrolled_app(hq)
    client = signed_in(hq)
    right = app_code(device)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    client.post(VERIFY, {"code": wrong})
    # Even the right code waits: guessing a million codes takes longer than they live.
    throttled = client.post(VERIFY, {"code": right})
    assert "验证码错误次数过多，请 1 秒后再试。" in throttled.content.decode()
    with time_machine.travel(time.time() + 2, tick=False):
        assert client.post(VERIFY, {"code": app_code(device)}).status_code == 302


def test_the_code_page_sends_nowhere_outside_the_portal(hq):
    device = enrolled_app(hq)
    client = signed_in(hq)
    response = client.post(VERIFY, {"code": app_code(device), "next": "https://evil.example/"})
    assert response["Location"] == reverse("home")


def test_renewing_backup_codes_voids_the_old_ones(hq, login):
    client = login(hq)
    first = client.post(reverse("twofactor:manage"))
    second = client.post(reverse("twofactor:manage"))
    old = set(re.findall(r"<li><code>(\w+)</code></li>", first.content.decode()))
    new = set(re.findall(r"<li><code>(\w+)</code></li>", second.content.decode()))
    assert len(new) == 10 and not old & new
    assert StaticToken.objects.filter(device__user=hq).count() == 10
    assert hq.history.latest().history_change_reason == "已重新生成备用码"


def test_backup_codes_are_not_stored_as_shown_so_a_copy_of_the_database_signs_nobody_in(hq, login):
    client = login(hq)
    shown = set(
        re.findall(
            r"<li><code>(\w+)</code></li>",
            client.post(reverse("twofactor:manage")).content.decode(),
        )
    )
    stored = set(StaticToken.objects.filter(device__user=hq).values_list("token", flat=True))
    assert len(stored) == 10 and not stored & shown

    thief = signed_in(hq)
    assert thief.post(VERIFY, {"code": sorted(stored)[0]}).status_code == 200
    assert thief.get("/admin/").status_code == 302
    owner = signed_in(hq)
    with time_machine.travel(time.time() + 5, tick=False):  # past the thief's wrong try's wait
        assert owner.post(VERIFY, {"code": sorted(shown)[0]}).status_code == 302


def test_others_sign_in_with_the_password_until_they_choose_to_enrol(outlet_user):
    client = signed_in(outlet_user)
    assert client.get("/admin/").status_code == 200
    page = client.get(ENROL)
    assert page.status_code == 200
    client.post(ENROL, {"code": code_now(secret_on(page))})

    # Having enrolled, they are asked like everyone who must.
    later = signed_in(outlet_user)
    assert later.get("/admin/")["Location"].startswith(VERIFY)
    pass_second_factor(later, outlet_user)
    assert later.get("/admin/").status_code == 200


def test_the_lobby_managers_tablet_login_is_unchanged(lobby_user):
    client = Client()
    response = client.post(
        reverse("standards:login"), {"username": "lm_a", "password": PASSWORD}, follow=True
    )
    # On to their outlet's checklist page, as before: no code asked.
    assert response.redirect_chain[-1][0] == reverse(
        "standards:outlet", args=[lobby_user.branch_id]
    )
    assert response.status_code == 200
    assert client.get(ENROL).status_code == 403
    assert not TOTPDevice.objects.filter(user=lobby_user).exists()


def test_the_policy_is_a_setting(settings, hq, outlet_user):
    settings.TWO_FACTOR_REQUIRED_ROLES = [Role.COMPLAINT_MANAGER]
    assert signed_in(hq).get("/admin/").status_code == 200
    assert signed_in(outlet_user).get("/admin/")["Location"].startswith(ENROL)


@pytest.fixture
def root(org):
    return UserFactory(username="root", is_superuser=True, branch=None)


def test_superusers_need_it_too(root):
    assert signed_in(root).get("/admin/")["Location"].startswith(ENROL)


def reset_action(client, *users):
    return client.post(
        reverse("admin:branchservice_user_changelist"),
        {"action": "reset_second_factor", "_selected_action": [u.pk for u in users]},
    )


def test_a_superuser_resets_a_lost_phone_with_a_line_in_the_history(root, hq, login):
    hq_browser = Client()
    assert hq_browser.login(username="hq_service", password=PASSWORD)
    pass_second_factor(hq_browser, hq)
    assert hq_browser.get("/admin/").status_code == 200

    admin = login(root)
    assert reset_action(admin, hq).status_code == 302
    assert not TOTPDevice.objects.filter(user=hq).exists()
    assert not StaticToken.objects.filter(device__user=hq).exists()
    line = hq.history.latest()
    assert line.history_change_reason == "管理员重置了双因素认证"
    assert line.history_user == root
    # The session that passed with the old phone counts no more: it sets up the new one.
    assert hq_browser.get("/admin/")["Location"].startswith(ENROL)


def test_a_page_of_a_session_that_passed_asks_no_device(hq, login):
    client = login(hq)
    with CaptureQueriesContext(connection) as page:
        assert client.get(reverse("reporting:centre")).status_code == 200
    # The session and the user row say it passed; the device is not read again on each page.
    assert not [q["sql"] for q in page.captured_queries if "otp_" in q["sql"]]


def test_a_session_passed_with_a_backup_code_ends_when_the_devices_go(hq, root):
    client = signed_in(hq)
    client.get(ENROL)
    done = client.post(ENROL, {"code": app_code(TOTPDevice.objects.get(user=hq))})
    code = re.findall(r"<li><code>(\w+)</code></li>", done.content.decode())[0]
    lost_phone = signed_in(hq)
    assert lost_phone.post(VERIFY, {"code": code}).status_code == 302
    assert lost_phone.get("/admin/").status_code == 200

    read_before = User.objects.get(pk=hq.pk)
    second_factor_reset(user=hq, by=root)
    assert lost_phone.get("/admin/")["Location"].startswith(ENROL)
    # A save of the person read before the reset (an admin form, a history line) does not
    # make the ended sessions count again.
    read_before.first_name = "改名"
    read_before.save()
    assert lost_phone.get("/admin/")["Location"].startswith(ENROL)
    assert client.get("/admin/")["Location"].startswith(ENROL)


def test_a_device_deleted_any_other_way_ends_the_sessions_too(hq):
    client = signed_in(hq)
    pass_second_factor(client, hq)
    assert client.get("/admin/").status_code == 200
    StaticDevice.objects.filter(user=hq).delete()  # not the one the session passed with
    TOTPDevice.objects.filter(user=hq).delete()
    assert client.get("/admin/")["Location"].startswith(ENROL)


def test_the_code_pages_stay_out_of_the_browsers_cache(hq, login):
    client = signed_in(hq)
    pages = {"enrol": client.get(ENROL)}
    device = TOTPDevice.objects.get(user=hq)
    pages["backup codes"] = client.post(ENROL, {"code": app_code(device)})
    assert "<li><code>" in pages["backup codes"].content.decode()
    pages["verify"] = signed_in(hq).get(VERIFY)
    pages["manage"] = client.get(reverse("twofactor:manage"))
    pages["renewed backup codes"] = client.post(reverse("twofactor:manage"))
    for name, page in pages.items():
        assert page.status_code == 200, name
        assert "no-store" in page["Cache-Control"], name
        assert "private" in page["Cache-Control"], name


def test_each_wrong_code_is_in_the_failed_login_log(hq):
    device = enrolled_app(hq)
    client = signed_in(hq)
    right = app_code(device)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    client.post(VERIFY, {"code": wrong}, REMOTE_ADDR="10.1.2.3", HTTP_USER_AGENT="phone")
    failure = AccessFailureLog.objects.get()
    assert (failure.username, failure.ip_address, failure.user_agent, failure.path_info) == (
        "hq_service", "10.1.2.3", "phone", VERIFY,
    )  # fmt: skip
    # While throttled the code is not tried, so not logged; the right one later is not either.
    client.post(VERIFY, {"code": wrong})
    assert AccessFailureLog.objects.count() == 1
    with time_machine.travel(time.time() + 2, tick=False):
        client.post(VERIFY, {"code": "abcd2345"})  # a wrong backup code
        assert AccessFailureLog.objects.count() == 2
    with time_machine.travel(time.time() + 6, tick=False):
        assert client.post(VERIFY, {"code": app_code(device)}).status_code == 302
    assert AccessFailureLog.objects.count() == 2


def test_a_wrong_code_while_enrolling_is_logged_too(manager):
    client = signed_in(manager)
    client.get(ENROL)
    device = TOTPDevice.objects.get(user=manager)
    wrong = f"{(int(app_code(device)) + 1) % 1_000_000:06d}"
    assert client.post(ENROL, {"code": wrong}).status_code == 200
    assert AccessFailureLog.objects.get().path_info == ENROL


def test_a_role_that_needs_it_given_during_a_session_asks_for_it_there(outlet_user, manager):
    client = signed_in(outlet_user)
    assert client.get("/admin/").status_code == 200  # a complaint manager: not asked
    # Promoted: the open session is asked at once.
    outlet_user.groups.add(Group.objects.get(name=Role.BRANCH_MANAGER))
    assert client.get("/admin/")["Location"].startswith(ENROL)

    other = signed_in(manager)
    pass_second_factor(other, manager)
    manager.groups.clear()
    assert other.get("/admin/").status_code == 302  # asked again, even before the roles
    manager.groups.add(Group.objects.get(name=Role.AUDITOR))
    assert other.get("/admin/")["Location"].startswith(VERIFY)


def test_a_role_added_to_the_policy_asks_open_sessions_of_it_at_once(outlet_user, settings):
    client = signed_in(outlet_user)
    assert client.get("/admin/").status_code == 200  # complaint managers: not asked
    # The release that adds complaint managers to TWO_FACTOR_REQUIRED_ROLES restarts the
    # servers; sessions signed in before it are asked on their next page, not next login.
    settings.TWO_FACTOR_REQUIRED_ROLES = [*settings.TWO_FACTOR_REQUIRED_ROLES, "complaint_manager"]
    assert client.get("/admin/")["Location"].startswith(ENROL)


def test_made_superuser_during_a_session_it_is_asked_there(outlet_user):
    client = signed_in(outlet_user)
    assert client.get("/admin/").status_code == 200
    User.objects.filter(pk=outlet_user.pk).update(is_superuser=True)
    assert client.get("/admin/")["Location"].startswith(ENROL)


def test_head_office_cannot_reset_anyones_second_factor(hq, manager, login):
    device = enrolled_app(manager)
    client = login(hq)
    changelist = client.get(reverse("admin:branchservice_user_changelist"))
    assert "reset_second_factor" not in changelist.content.decode()
    reset_action(client, manager)
    assert TOTPDevice.objects.filter(pk=device.pk).exists()


def test_the_device_admins_of_django_otp_are_not_in_the_site(root, login):
    client = login(root)
    assert client.get("/admin/otp_totp/totpdevice/").status_code == 404
    assert client.get("/admin/otp_static/staticdevice/").status_code == 404


def test_a_password_only_session_starts_no_export(auditor):
    client = signed_in(auditor)
    response = client.post(reverse("exports:export", kwargs={"kind": "complaints"}))
    assert response.status_code == 302
    assert response["Location"] == ENROL
    assert not ExportJob.objects.exists()


@pytest.fixture
def axes_enabled(settings):
    settings.AXES_ENABLED = True


def test_the_login_lockout_still_comes_first(axes_enabled, hq):
    enrolled_app(hq)
    client = Client()
    for _attempt in range(5):
        client.post(
            reverse("admin:login"), {"username": "hq_service", "password": "wrong"},
            REMOTE_ADDR="10.0.0.1",
        )  # fmt: skip
    locked = client.post(
        reverse("admin:login"), {"username": "hq_service", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.1",
    )  # fmt: skip
    assert locked.status_code == 429
    assert not auth.get_user(client).is_authenticated
    # Nothing of the second factor opens without the password.
    assert client.get(VERIFY)["Location"].startswith(reverse("admin:login"))


def test_the_right_password_then_leads_to_the_code(axes_enabled, hq):
    device = enrolled_app(hq)
    client = Client()
    response = client.post(
        reverse("admin:login"),
        {"username": "hq_service", "password": PASSWORD, "next": "/admin/"},
        REMOTE_ADDR="10.0.0.1",
        follow=True,
    )
    assert response.redirect_chain[-1][0] == f"{VERIFY}?next=%2Fadmin%2F"
    passed = client.post(VERIFY, {"code": app_code(device), "next": "/admin/"})
    assert passed["Location"] == "/admin/"


def test_backup_codes_handed_out_before_they_were_hashed_still_sign_in_once(hq):
    import importlib

    from django.apps import apps
    from django_otp.plugins.otp_static.models import StaticDevice

    device = StaticDevice.objects.create(user=hq, name="备用码")
    StaticToken.objects.create(device=device, token="abcd2345")  # as stored before
    migration = importlib.import_module("branchservice.migrations.0009_backup_codes_stored_hashed")
    migration.hash_plain_codes(apps, None)
    migration.hash_plain_codes(apps, None)  # a second run changes nothing

    assert not StaticToken.objects.filter(token="abcd2345").exists()
    client = signed_in(hq)
    assert client.post(VERIFY, {"code": "ABCD 2345"}).status_code == 302
    assert not StaticToken.objects.filter(device=device).exists()
