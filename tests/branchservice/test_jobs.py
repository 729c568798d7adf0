"""Services queue tasks by name (branchservice.jobs): every name they queue is a real task."""

import pytest

from branchservice.celery import app
from branchservice.exports.services import RUN_EXPORT_JOB_TASK
from branchservice.notifications.services import DELIVER_NOTIFICATIONS_TASK
from reporting.services import BUILD_REPORT_FILE_TASK


@pytest.mark.parametrize(
    "name", [RUN_EXPORT_JOB_TASK, DELIVER_NOTIFICATIONS_TASK, BUILD_REPORT_FILE_TASK]
)
def test_every_task_a_service_queues_by_name_is_registered_in_the_web_process(name):
    assert name in app.tasks


def test_every_scheduled_task_is_registered():
    for entry in app.conf.beat_schedule.values():
        assert entry["task"] in app.tasks
