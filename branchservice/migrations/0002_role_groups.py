"""Create one group per role. Their permissions are set by roles.sync_role_permissions after
every migrate, once the permissions of all apps exist."""

from django.db import migrations

ROLES = ["hq_service", "branch_manager", "complaint_manager", "lobby_manager", "auditor"]


def create_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLES:
        Group.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [
        ("branchservice", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_groups, migrations.RunPython.noop)]
