# Indexes for the register's search (ComplaintQuerySet.search): the phone's digits everywhere;
# on PostgreSQL a trigram index for the customer-name search, `UPPER(name) LIKE UPPER('%…%')`
# (pg_trgm is a trusted extension: the database's owner may create it). SQLite has no trigram
# indexes: there the name search reads the rows, which it does fast enough at its sizes.

import django.db.models.functions.text
from django.db import migrations, models

TRIGRAM_INDEX = "complaint_name_trgm_idx"


def create_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {TRIGRAM_INDEX} ON complaints_complaint"
        " USING gin (UPPER(customer_name) gin_trgm_ops)"
    )


def drop_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {TRIGRAM_INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0005_complaint_version"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="complaint",
            index=models.Index(
                django.db.models.functions.text.Replace(
                    "customer_phone", models.Value("-"), models.Value("")
                ),
                name="complaint_phone_digits_idx",
            ),
        ),
        migrations.RunPython(create_trigram_index, drop_trigram_index, elidable=False),
    ]
