"""Factories for complaint rows. Workflow tests register through the services instead."""

import datetime as dt

import factory
from django.utils import timezone

from complaints.models import Complaint
from tests.factories import BranchFactory


class ComplaintFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Complaint

    reference = factory.Sequence(lambda n: f"TS-TEST-202610-{n:04d}")
    branch = factory.SubFactory(BranchFactory)
    kind = Complaint.Kind.COMPLAINT
    channel = Complaint.Channel.PHONE
    received_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(hours=1))
    customer_name = "张伟"
    customer_phone = "13812345678"
    description = "柜台办理转账等候时间过长，工作人员态度冷淡。"
