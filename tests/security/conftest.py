"""The red-team tests use the shared cast (tests/conftest.py) and these fixtures of other
areas' tests, so that an attack is made on the same set-up the feature is tested with."""

from tests.notifications.conftest import remind, test_scanner  # noqa: F401
