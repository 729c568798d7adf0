"""ExportJob moved from reporting to branchservice.exports: its rows and permissions survive."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def migrate(targets):
    """Migrate the test database to `targets`; the models as they were then."""
    return MigrationExecutor(connection).migrate(targets).apps


@pytest.mark.django_db(transaction=True)
def test_moving_export_jobs_keeps_their_rows_and_who_may_export_unmasked(org):
    from tests.factories import UserFactory

    user = UserFactory(username="exporter", branch=org.a)
    old = migrate([("exports", None)])  # before the move: ExportJob is reporting's
    job = old.get_model("reporting", "ExportJob").objects.create(
        user_id=user.pk, kind="complaints", params={"status": ["closed"]}, row_count=12
    )
    content_type = old.get_model("contenttypes", "ContentType").objects.get(
        app_label="reporting", model="exportjob"
    )
    permission = old.get_model("auth", "Permission").objects.get(
        content_type=content_type, codename="export_unmasked_personal_data"
    )
    old.get_model("branchservice", "User").objects.get(pk=user.pk).user_permissions.add(permission)

    executor = MigrationExecutor(connection)
    migrate(executor.loader.graph.leaf_nodes())

    from django.contrib.auth.models import Permission

    from branchservice.exports.models import ExportJob
    from branchservice.models import User

    moved = ExportJob.objects.get(pk=job.pk)
    assert (moved.user, moved.kind, moved.params, moved.row_count) == (
        user,
        "complaints",
        {"status": ["closed"]},
        12,
    )
    assert ExportJob._meta.db_table == "exports_exportjob"
    assert User.objects.get(pk=user.pk).has_perm("exports.export_unmasked_personal_data")
    assert not Permission.objects.filter(content_type__app_label="reporting").filter(
        codename__contains="exportjob"
    )
