"""Celery task of the queue-log import: thin, an id in, a service call."""

from celery import shared_task

from . import services


@shared_task(name=services.RUN_IMPORT_TASK, ignore_result=True)
def run_ticket_import(ticket_import_id: int) -> int | None:
    ticket_import = services.ticket_import_run(ticket_import_id=ticket_import_id)
    return ticket_import.tickets if ticket_import else None
