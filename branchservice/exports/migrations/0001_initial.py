# ExportJob moves here from reporting (the ground layer owns exports). Its table and rows stay
# as they are: this migration only takes the model into this app's state, on the table
# reporting created; 0002 then renames the table.

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

import branchservice.exports.models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("reporting", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ExportJob",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("kind", models.CharField(max_length=50, verbose_name="kind")),
                        ("source", models.CharField(default="filterset", max_length=10, verbose_name="source")),
                        ("params", models.JSONField(blank=True, default=dict, verbose_name="filter parameters")),
                        ("language", models.CharField(default="zh-hans", max_length=10, verbose_name="language")),
                        ("status", models.CharField(choices=[("queued", "Queued"), ("running", "Running"), ("ready", "Ready"), ("failed", "Failed")], default="queued", max_length=10, verbose_name="status")),
                        ("progress", models.PositiveIntegerField(default=0, verbose_name="rows written")),
                        ("row_count", models.PositiveIntegerField(default=0, verbose_name="rows")),
                        ("file", models.FileField(blank=True, upload_to=branchservice.exports.models.export_upload_to, verbose_name="file")),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="created at")),
                        ("finished_at", models.DateTimeField(blank=True, null=True, verbose_name="finished at")),
                        ("expires_at", models.DateTimeField(blank=True, null=True, verbose_name="expires at")),
                        ("error", models.TextField(blank=True, verbose_name="error")),
                        ("user", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="export_jobs", to=settings.AUTH_USER_MODEL, verbose_name="user")),
                    ],
                    options={
                        "verbose_name": "export",
                        "verbose_name_plural": "exports",
                        "ordering": ["-created_at"],
                        "permissions": [("export_unmasked_personal_data", "Can export customers' personal data unmasked")],
                        "db_table": "reporting_exportjob",
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
