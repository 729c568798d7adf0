"""Registration under real concurrency. SQLite serialises every write, so these tests need
PostgreSQL (DATABASE_URL); CI runs the suite on both."""

import threading
import uuid

import pytest
from django.db import connection

from complaints import services
from complaints.models import Complaint
from tests.complaints.conftest import at

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL for concurrent writers"
    ),
]

CLERKS = 6


def _race(work, threads=CLERKS):
    """Run work(i) in `threads` threads released at the same moment; collect results/errors."""
    barrier = threading.Barrier(threads)
    results, errors = [], []

    def run(i):
        try:
            barrier.wait()
            results.append(work(i))
        except Exception as exc:  # every failure is asserted on by the test
            errors.append(exc)
        finally:
            connection.close()

    started = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for thread in started:
        thread.start()
    for thread in started:
        thread.join()
    return results, errors


def _register(user, branch, **extra):
    return services.complaint_register(
        user=user,
        branch=branch,
        channel=Complaint.Channel.PHONE,
        received_at=at(2026, 9, 30, 10),
        customer_name="张伟",
        customer_phone="13812345678",
        description="并发登记测试。",
        **extra,
    )


def test_clerks_registering_at_once_get_consecutive_numbers(outlet_user, org):
    results, errors = _race(lambda i: _register(outlet_user, org.a).reference)
    assert errors == []
    assert sorted(results) == [f"TS-A-202609-{n:04d}" for n in range(1, CLERKS + 1)]


def test_twenty_registrations_at_one_outlet_at_once_get_distinct_gapless_numbers(outlet_user, org):
    # The load: 20 clerks at one outlet press "save" in the same instant.
    results, errors = _race(lambda i: _register(outlet_user, org.a).pk, threads=20)
    assert errors == []
    references = sorted(
        Complaint.objects.filter(pk__in=results).values_list("reference", flat=True)
    )
    assert references == [f"TS-A-202609-{n:04d}" for n in range(1, 21)]


def test_a_form_submitted_several_times_at_once_registers_once(outlet_user, org):
    token = uuid.uuid4()
    results, errors = _race(lambda i: _register(outlet_user, org.a, submission_token=token))
    assert len(results) == 1
    assert all(isinstance(e, services.DuplicateSubmission) for e in errors)
    assert Complaint.objects.count() == 1
