import pytest
from django.conf import settings

from branchservice.exports.registry import Column, ExportSpec, register, unregister
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
            select_related=("branch",),
            ordering=("username",),
            columns=(
                Column("username", lambda u: u.username),
                Column("name", lambda u: u.get_full_name(), mask=mask_name),
                Column("note", lambda u: u.first_name),
                Column("joined", lambda u: u.date_joined),
                Column("branch", lambda u: u.branch.code if u.branch else ""),
            ),
        )
    )
    yield spec
    unregister(spec.kind)
