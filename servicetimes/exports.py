"""Tickets as an export (registered in ServiceTimesConfig.ready()): the filtered list of the
admin, with each ticket's judgement against the standard in force on its day."""

from django.utils.translation import gettext_lazy as _

from branchservice.exports.registry import YES_NO, ChoiceLabel, Column, Derived, ExportSpec


def _judged(actual, standard):
    return "" if actual is None or standard is None else YES_NO[actual <= standard]


# A ticket is judged against the standard in force on its day (its `standard`), if any.
WITHIN = Derived(("handling_seconds", "standard__handling_seconds"), _judged)
WAITED_WITHIN = Derived(("wait_seconds", "standard__target_wait_seconds"), _judged)


TICKETS = ExportSpec(
    kind="tickets",
    title=_("Queue tickets"),
    model="servicetimes.Ticket",
    filterset="servicetimes.filters.TicketFilter",
    scope_via="branch",
    permission="servicetimes.view_ticket",
    columns=(
        Column(_("Outlet code"), "branch__code", 10),
        Column(_("Outlet"), "branch__name", 18),
        Column(_("Business date"), "business_date", 12),
        Column(_("Ticket number"), "ticket_number", 10),
        Column(_("Source"), ChoiceLabel("source"), 10),
        Column(_("Transaction type"), "transaction_type__name", 14),
        Column(_("Teller number"), "teller__code", 10),
        Column(_("Teller"), "teller__name", 10),
        Column(_("Counter"), "counter", 8),
        Column(_("Ticket issued"), "issued_at", 17),
        Column(_("Called"), "called_at", 17),
        Column(_("Finished"), "finished_at", 17),
        Column(_("Waiting time (s)"), "wait_seconds", 10),
        Column(_("Handling time (s)"), "handling_seconds", 10),
        Column(_("Standard handling time (s)"), "standard__handling_seconds", 10),
        Column(_("Within standard"), WITHIN, 8),
        Column(_("Waited within target"), WAITED_WITHIN, 8),
    ),
    ordering=("branch__path", "business_date", "called_at", "pk"),
)

SPECS = (TICKETS,)
