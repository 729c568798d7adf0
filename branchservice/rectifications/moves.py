"""Moving an app's old rectification-like table into Rectification (used by data migrations).

Each domain app's migration moves its own rows (the ground names no domain app): every row,
every history row, and the stored reminders that point at a row, whose link is remapped to
the new row. Works on the migration's historical `apps` only.
"""

BATCH = 1000
# The old tables' statuses; "in progress" could never be reached and means open.
STATUS = {"open": "open", "in_progress": "open", "done": "done"}
REMINDER_KIND = "rectification"


def content_type(apps, app_label, model):
    ContentType = apps.get_model("contenttypes", "ContentType")
    return ContentType.objects.get_or_create(app_label=app_label, model=model)[0]


def move_rows(apps, *, app_label, model_name, fields):
    """Copy the rows of `app_label.model_name` and of its history into rectifications.

    `fields(row)` gives the Rectification fields of an old row or old history row (both have
    the old columns); status is mapped here and `completed_by` taken from the history (who
    saved it done first), else the owner. Returns {old pk: new pk}.
    """
    Old = apps.get_model(app_label, model_name)
    OldHistory = apps.get_model(app_label, f"Historical{model_name}")
    Rectification = apps.get_model("rectifications", "Rectification")
    History = apps.get_model("rectifications", "HistoricalRectification")

    completed_by = {}
    for old_id, user_id in (
        OldHistory.objects.filter(status="done")
        .order_by("history_date", "history_id")
        .values_list("id", "history_user_id")
    ):
        completed_by.setdefault(old_id, user_id)

    def converted(row):
        values = fields(row)
        values["status"] = STATUS[row.status]
        if values["status"] == "done":
            values["completed_by_id"] = completed_by.get(row.id) or row.owner_id
        return values

    mapping = {}
    old_rows = list(Old.objects.order_by("pk"))
    for start in range(0, len(old_rows), BATCH):
        batch = old_rows[start : start + BATCH]
        created = Rectification.objects.bulk_create(
            [Rectification(**converted(row)) for row in batch]
        )
        mapping.update((old.pk, new.pk) for old, new in zip(batch, created, strict=True))

    history = []
    for row in OldHistory.objects.order_by("history_date", "history_id").iterator():
        if row.id not in mapping:
            continue  # a row deleted meanwhile: nothing left to attach its history to
        history.append(
            History(
                id=mapping[row.id],
                history_date=row.history_date,
                history_change_reason=row.history_change_reason,
                history_type=row.history_type,
                history_user_id=row.history_user_id,
                **converted(row),
            )
        )
    History.objects.bulk_create(history, batch_size=BATCH)

    _remap_reminders(apps, app_label, model_name, mapping)
    return mapping


def _remap_reminders(apps, app_label, model_name, mapping):
    Notification = apps.get_model("notifications", "Notification")
    old_type = content_type(apps, app_label, model_name.lower())
    new_type = content_type(apps, "rectifications", "rectification")
    for reminder in Notification.objects.filter(content_type=old_type).iterator():
        new_id = mapping.get(reminder.object_id)
        if new_id is None:
            continue
        Notification.objects.filter(pk=reminder.pk).update(
            content_type=new_type, object_id=new_id, kind=REMINDER_KIND
        )
