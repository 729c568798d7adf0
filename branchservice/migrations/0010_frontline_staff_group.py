"""The frontline staff role's group (its permission is set by roles.sync_role_permissions)."""

from django.db import migrations


def create_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.get_or_create(name="frontline_staff")


class Migration(migrations.Migration):
    dependencies = [("branchservice", "0009_backup_codes_stored_hashed")]

    operations = [migrations.RunPython(create_group, migrations.RunPython.noop)]
