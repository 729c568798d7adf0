"""Settings of the worker in the reminder integration tests: mail goes to files, so that the
test process can count what another process really sent."""

from branchservice.settings.test import *  # noqa: F403
from branchservice.settings.test import env

EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = env("TEST_EMAIL_DIR")
