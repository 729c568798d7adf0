# The moved ExportJob gets this app's table name, and its content type follows it, so that the
# permissions (exports.add_exportjob, exports.export_unmasked_personal_data) keep every group
# and user that held them as reporting.* and no stale content type is left behind.

from django.db import migrations


def move_content_type(apps, schema_editor, old="reporting", new="exports"):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    moved = ContentType.objects.using(db).filter(app_label=old, model="exportjob")
    if not ContentType.objects.using(db).filter(app_label=new, model="exportjob").exists():
        moved.update(app_label=new)


def move_content_type_back(apps, schema_editor):
    move_content_type(apps, schema_editor, old="exports", new="reporting")


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("exports", "0001_initial"),
        ("reporting", "0002_exportjob_moved_to_exports"),
    ]

    operations = [
        migrations.AlterModelTable(name="exportjob", table=None),
        migrations.RunPython(move_content_type, move_content_type_back),
    ]
