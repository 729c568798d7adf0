"""Backup codes handed out before they were stored hashed keep working: each plain code (8
characters) is replaced by its keyed hash (16), which is what a typed code is looked up by."""

from django.db import migrations
from django.utils.crypto import salted_hmac


def stored_backup_code(code):
    # As branchservice.twofactor.services.stored_backup_code had it when this was written.
    return salted_hmac("branchservice.twofactor.backup-code", code).hexdigest()[:16]


def hash_plain_codes(apps, schema_editor):
    StaticToken = apps.get_model("otp_static", "StaticToken")
    for token in StaticToken.objects.all().iterator():
        if len(token.token) < 16:  # a hash is 16 characters: run twice, it changes nothing
            token.token = stored_backup_code(token.token)
            token.save(update_fields=["token"])


class Migration(migrations.Migration):
    dependencies = [
        ("branchservice", "0008_user_second_factor_generation"),
        ("otp_static", "0003_add_timestamps"),
    ]

    operations = [migrations.RunPython(hash_plain_codes, migrations.RunPython.noop)]
