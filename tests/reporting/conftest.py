import pytest
from django.conf import settings

from branchservice.celery import app as celery_app
from branchservice.pii import mask_name
from reporting import exports


@pytest.fixture(autouse=True)
def media_root(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def staff_export():
    """An export of staff members: the machinery's own test subject, independent of the apps
    whose lists it exports in production."""
    spec = exports.register(
        exports.ExportSpec(
            kind="test-staff",
            title="Staff",
            model=settings.AUTH_USER_MODEL,
            filterset="tests.reporting.filters.StaffFilter",
            scope_via="branch",
            permission="branchservice.view_user",
            select_related=("branch",),
            ordering=("username",),
            columns=(
                exports.Column("username", lambda u: u.username),
                exports.Column("name", lambda u: u.get_full_name(), mask=mask_name),
                exports.Column("note", lambda u: u.first_name),
                exports.Column("joined", lambda u: u.date_joined),
                exports.Column("branch", lambda u: u.branch.code if u.branch else ""),
            ),
        )
    )
    yield spec
    exports.unregister(spec.kind)


@pytest.fixture
def broker_down():
    """The real Celery app pointed at a port where nothing listens: publishing fails.

    Tests using it need `django_db(transaction=True)`, so that on_commit runs when the view's
    transaction commits, as in production.
    """
    saved = {key: celery_app.conf[key] for key in ("task_always_eager", "broker_url")}
    celery_app.close()
    celery_app.conf.update(task_always_eager=False, broker_url="redis://127.0.0.1:9/0")
    yield
    # Drop the connection pool made for the dead URL, then bring the real settings back.
    celery_app.close()
    celery_app.conf.update(saved)
