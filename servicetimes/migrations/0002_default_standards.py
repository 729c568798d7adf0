from django.db import migrations


def install(apps, schema_editor):
    """The illustrative table (servicetimes/catalogue.py), only where nothing is set yet."""
    from servicetimes.catalogue import DEFAULT_TABLE, PLACEHOLDER_EFFECTIVE_FROM, PLACEHOLDER_NOTE

    Group = apps.get_model("servicetimes", "TransactionGroup")
    Type = apps.get_model("servicetimes", "TransactionType")
    Standard = apps.get_model("servicetimes", "TimeStandard")
    if Type.objects.exists():
        return
    for group_position, (group_code, group_name, types) in enumerate(DEFAULT_TABLE):
        group = Group.objects.create(code=group_code, name=group_name, position=group_position)
        for position, (code, name, aliases, handling, wait) in enumerate(types):
            kind = Type.objects.create(
                code=code, name=name, group=group, aliases="\n".join(aliases), position=position
            )
            Standard.objects.create(
                transaction_type=kind,
                effective_from=PLACEHOLDER_EFFECTIVE_FROM,
                handling_seconds=handling,
                target_wait_seconds=wait,
                note=PLACEHOLDER_NOTE,
            )


class Migration(migrations.Migration):
    dependencies = [("servicetimes", "0001_initial")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
