import pytest
from django.conf import settings

from branchservice.exports.registry import (
    Column,
    Derived,
    ExportSpec,
    register,
    unregister,
)
from branchservice.models import full_name_of
from branchservice.pii import mask_name


@pytest.fixture(autouse=True)
def media_root(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def staff_export():
    """An export of staff members: the machinery's own test subject, independent of the apps
    whose lists it exports in production."""
    spec = register(
        ExportSpec(
            kind="test-staff",
            title="Staff",
            model=settings.AUTH_USER_MODEL,
            filterset="tests.exports.filters.StaffFilter",
            scope_via="branch",
            permission="branchservice.view_user",
            ordering=("username",),
            columns=(
                Column("username", "username"),
                Column(
                    "name",
                    Derived(["last_name", "first_name", "username"], full_name_of),
                    mask=mask_name,
                ),
                Column("note", "first_name"),
                Column("joined", "date_joined"),
                Column("branch", Derived(["branch__code"], lambda code: code or "")),
            ),
        )
    )
    yield spec
    unregister(spec.kind)
