"""Matching keys and repeat flags for the entries registered before the customer's history.

A frozen copy of the rules in branchservice.pii and complaints.services._mark_repeats as they
were when this migration was written (a migration must not follow later changes of the code).
"""

import datetime as dt
import re

from django.db import migrations
from django.db.models import Case, Exists, OuterRef, Q, Value, When
from django.utils.crypto import salted_hmac

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$", re.ASCII)
LANDLINE_RE = re.compile(r"^0\d{2,3}-?\d{7,8}(-\d{1,6})?$", re.ASCII)
BATCH = 1000


def _key(value):
    return salted_hmac("branchservice.pii.customer-match", value, algorithm="sha256").hexdigest()


def _phone_key(phone):
    phone = re.sub(r"[\s()（）]", "", phone or "").removeprefix("+86").strip()
    if not (MOBILE_RE.match(phone) or LANDLINE_RE.match(phone)):
        return ""
    return _key(f"phone:{phone.replace('-', '')}")


def _id_key(id_type, number):
    number = re.sub(r"[\s\-]", "", number or "").upper()
    return _key(f"id:{id_type}:{number}") if number else ""


def fill(apps, schema_editor):
    Complaint = apps.get_model("complaints", "Complaint")
    DeadlinePolicy = apps.get_model("complaints", "DeadlinePolicy")
    rows = Complaint.objects.exclude(customer_phone="", customer_id_number="").only(
        "pk", "customer_phone", "customer_id_type", "customer_id_number"
    )
    last = 0
    while True:
        batch = list(rows.filter(pk__gt=last).order_by("pk")[:BATCH])
        if not batch:
            break
        for row in batch:
            row.customer_phone_key = _phone_key(row.customer_phone)
            row.customer_id_key = _id_key(row.customer_id_type, row.customer_id_number)
        Complaint.objects.bulk_update(batch, ["customer_phone_key", "customer_id_key"])
        last = batch[-1].pk
    policy = DeadlinePolicy.objects.filter(is_active=True).first()
    window = dt.timedelta(days=policy.repeat_window_days if policy else 90)
    complaint = Q(kind="complaint") & ~Q(status="void")
    earlier = Complaint.objects.filter(
        complaint,
        (Q(customer_phone_key=OuterRef("customer_phone_key")) & ~Q(customer_phone_key=""))
        | (Q(customer_id_key=OuterRef("customer_id_key")) & ~Q(customer_id_key="")),
        received_at__lt=OuterRef("received_at"),
        received_at__gte=OuterRef("received_at") - window,
    )
    Complaint.objects.filter(~Q(customer_phone_key="") | ~Q(customer_id_key="")).update(
        is_repeat=Case(
            When(~complaint, then=Value(False)),
            When(status="merged", then=Value(True)),
            default=Exists(earlier),
        )
    )


class Migration(migrations.Migration):
    dependencies = [("complaints", "0017_customer_history_and_complainants")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop, elidable=True)]
