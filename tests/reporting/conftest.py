import pytest

# The complaint tests' frozen clock and the standards tests' small template, for the work queue.
from tests.complaints.conftest import frozen  # noqa: F401
from tests.standards.conftest import small_template  # noqa: F401


@pytest.fixture(autouse=True)
def media_root(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
