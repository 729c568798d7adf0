"""factory-boy factories for the organisation core. Apps add their own in tests/<app>/."""

import datetime as dt

import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from branchservice.models import Branch, FirmEngagement, InspectionFirm, User
from branchservice.roles import Role

PASSWORD = "correct-horse-battery"


class BranchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Branch
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"B{n:04d}")
    name = factory.Sequence(lambda n: f"测试网点{n}")
    level = Branch.Level.OUTLET
    address = "北京市西城区金融大街 1 号"
    hotline = "010-66668888"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    last_name = "王"
    first_name = factory.Sequence(lambda n: f"员工{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.invalid")
    is_staff = True
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(*Group.objects.filter(name__in=extracted))


def firm_inspector(*outlets, username="firm_insp", starts_on=None, ends_on=None, **kwargs):
    """An external firm's inspector, the firm engaged for `outlets` from `starts_on` to
    `ends_on` (by default a month either side of today)."""
    today = timezone.localdate()
    firm, _ = InspectionFirm.objects.get_or_create(name=f"{username}市场调研有限公司")
    engagement = FirmEngagement.objects.create(
        firm=firm,
        starts_on=starts_on or today - dt.timedelta(days=30),
        ends_on=ends_on or today + dt.timedelta(days=30),
    )
    engagement.outlets.set(outlets)
    kwargs.setdefault("is_staff", False)
    return UserFactory(username=username, branch=None, firm=firm, roles=[Role.INSPECTOR], **kwargs)


def enrolled_app(user):
    """`user`'s authenticator app, confirmed: the device their phone holds the key of."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="手机", confirmed=True)


def app_code(device) -> str:
    """The code the person's app shows: django-otp's TOTP with the device's key at the clock's
    time step, or at the next step (within the device's tolerance, as a phone a little ahead
    would show) when this step's code was used already: a code is accepted once.

    The device accepts the steps within its tolerance of the clock's step moved by its drift
    (how far ahead it saw the phone last time, which a code of the next step sets to 1); the
    phone's own clock has none, so its code is computed without the drift. Computed with it,
    the code was a step too far after a second sign-in of the same person within a minute
    (two in one benchmark run), and every later sign-in was refused."""
    import time

    from django_otp.oath import TOTP

    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits)
    totp.time = time.time()
    expected = totp.t() + device.drift
    step = max(totp.t(), expected - device.tolerance, device.last_t + 1)
    assert step <= expected + device.tolerance, "every code of this minute was used already"
    totp.time = device.t0 + step * device.step
    return f"{totp.token():0{device.digits}d}"


def pass_second_factor(client, user):
    """Enrol `user`'s app if they have none and pass the factor in `client`'s session with the
    app's code, as the person would on the code page (branchservice/twofactor). For every
    test that signs in a role the policy asks it of (TWO_FACTOR_REQUIRED_ROLES)."""
    from django.urls import reverse

    device = enrolled_app(user)
    response = client.post(reverse("twofactor:verify"), {"code": app_code(device)})
    assert response.status_code == 302, "the code page refused the app's code"
    return client
