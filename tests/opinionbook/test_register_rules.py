"""The register's rules for the online channel: only customers write through it."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from complaints import services
from complaints.models import Complaint
from tests.complaints.conftest import RECEIVED, register

ONLINE = Complaint.Channel.OPINION_BOOK_ONLINE


def test_staff_cannot_register_an_entry_as_written_online(outlet_user, org):
    with pytest.raises(ValidationError) as refused:
        register(outlet_user, org.a, channel=ONLINE)
    assert "channel" in refused.value.error_dict
    assert not Complaint.objects.exists()


def test_nobody_registers_without_a_user_through_a_staff_channel(org):
    with pytest.raises(PermissionDenied):
        register(None, org.a, channel=Complaint.Channel.PHONE)


def test_staff_cannot_turn_an_entry_into_an_online_one_or_back(outlet_user, org):
    staff_entry = register(outlet_user, org.a)
    with pytest.raises(ValidationError):
        services.complaint_update(
            user=outlet_user,
            complaint=staff_entry,
            data={"channel": ONLINE},
            expected_version=staff_entry.version,
        )
    online = register(None, org.a, channel=ONLINE, received_at=RECEIVED, now=RECEIVED)
    with pytest.raises(ValidationError):
        services.complaint_update(
            user=outlet_user,
            complaint=online,
            data={"channel": Complaint.Channel.PHONE},
            expected_version=online.version,
        )
    online.refresh_from_db()
    assert online.channel == ONLINE


def test_the_admin_offers_no_online_channel_to_staff(outlet_user, login):
    from django.urls import reverse

    page = login(outlet_user).get(reverse("admin:complaints_complaint_add"))
    channels = [value for value, _label in page.context["adminform"].form.fields["channel"].choices]
    assert ONLINE not in channels and Complaint.Channel.PHONE in channels
