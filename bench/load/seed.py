"""Fills the load test's database (run by bench/load_test.py with the production settings).

    LOAD_PASSWORD=... python bench/load/seed.py --outlets 200 --complaints 20000

Reuses the complaint benchmark's generator (`bench/complaints_data.py`: a bank of outlets under
sub-branches of 10, a complaint manager each, complaints over two years with real deadlines)
and the starting checklist catalogue (`standards.catalogue.seed_catalogue`, which publishes the
daily self-check), then adds the load test's people with one known password:
`lm_<n>` lobby manager of outlet BO<n>, `bm_<s>` branch manager of sub-branch BS<s>, `au_<t>`
auditor of tier-1 branch BT<t>; the managers and auditors, whom the portal asks for a second
factor, each hold an authenticator app with the key in LOAD_APP_KEY (hex). Prints one JSON line
naming them and the daily template.
"""

import argparse
import json
import os
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BENCH.parent))
sys.path.insert(0, str(BENCH))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "branchservice.settings.production")

import complaints_data  # noqa: E402  (sets Django up)
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402

from branchservice.models import Branch, User  # noqa: E402
from branchservice.roles import Role  # noqa: E402
from standards.catalogue import seed_catalogue  # noqa: E402
from tests.standards.factories import closed_for_the_day  # noqa: E402


@transaction.atomic
def add_people(*, outlets: int, managers: int, auditors: int, password: str, app_key: str) -> dict:
    # One hash for everybody: the production hasher costs ~0.5 s a password on this machine,
    # and 225 of them would make the set-up longer than a compressed run.
    hashed = make_password(password)
    groups = {g.name: g for g in Group.objects.all()}
    people = {"lobby": [], "managers": [], "auditors": []}
    wanted = [
        ("lobby", Role.LOBBY_MANAGER, "lm_{}", "BO{:04d}", range(outlets), False),
        ("managers", Role.BRANCH_MANAGER, "bm_{}", "BS{:03d}", range(managers), True),
        ("auditors", Role.AUDITOR, "au_{}", "BT{:02d}", range(auditors), True),
    ]
    for key, role, username, code, numbers, staff in wanted:
        for n in numbers:
            user, created = User.objects.get_or_create(
                username=username.format(n),
                defaults={
                    "branch": Branch.objects.get(code=code.format(n)),
                    "is_staff": staff,
                    "password": hashed,
                },
            )
            if created:
                user.groups.add(groups[role])
                if staff:  # the roles that pass the second factor hold an enrolled app
                    TOTPDevice.objects.create(user=user, name="load test", key=app_key)
            people[key].append(user.username)
    return people


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--outlets", type=int, default=200)
    parser.add_argument("--complaints", type=int, default=20_000)
    parser.add_argument("--managers", type=int, default=20)
    parser.add_argument("--auditors", type=int, default=5)
    args = parser.parse_args()
    if args.managers > (args.outlets + 9) // 10 or args.auditors > 10:
        sys.exit("Each manager needs a sub-branch of 10 outlets, each auditor a tier-1 branch.")
    call_command("migrate", verbosity=0)
    daily, _mystery = seed_catalogue()
    complaints_data.build_bank(args.outlets)
    # The lobby managers submit the whole daily checklist, closing checks included, which the
    # portal takes only after the outlet's closing time: hours that are over by the run.
    closed_for_the_day(Branch.objects.filter(level=Branch.Level.OUTLET))
    complaints_data.fill(args.complaints, args.outlets, 100_000)
    people = add_people(
        outlets=args.outlets,
        managers=args.managers,
        auditors=args.auditors,
        password=os.environ["LOAD_PASSWORD"],
        app_key=os.environ["LOAD_APP_KEY"],
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(json.dumps({**people, "daily_template": daily.pk}))


if __name__ == "__main__":
    main()
