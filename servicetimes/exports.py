"""Tickets as an export (registered in ServiceTimesConfig.ready()): the filtered list of the
admin, with each ticket's judgement against the standard in force on its day."""

from django.utils.translation import gettext_lazy as _

from branchservice.exports.registry import YES_NO, ChoiceLabel, Column, ExportSpec


def _within(ticket):
    if ticket.standard is None:
        return ""
    return YES_NO[ticket.handling_seconds <= ticket.standard.handling_seconds]


def _wait_within(ticket):
    if ticket.standard is None or ticket.wait_seconds is None:
        return ""
    return YES_NO[ticket.wait_seconds <= ticket.standard.target_wait_seconds]


TICKETS = ExportSpec(
    kind="tickets",
    title=_("Queue tickets"),
    model="servicetimes.Ticket",
    filterset="servicetimes.filters.TicketFilter",
    scope_via="branch",
    permission="servicetimes.view_ticket",
    columns=(
        Column(_("Outlet code"), lambda t: t.branch.code, 10),
        Column(_("Outlet"), lambda t: t.branch.name, 18),
        Column(_("Business date"), lambda t: t.business_date, 12),
        Column(_("Ticket number"), lambda t: t.ticket_number, 10),
        Column(_("Source"), ChoiceLabel("source"), 10),
        Column(_("Transaction type"), lambda t: t.transaction_type.name, 14),
        Column(_("Teller number"), lambda t: t.teller.code, 10),
        Column(_("Teller"), lambda t: t.teller.name, 10),
        Column(_("Counter"), lambda t: t.counter, 8),
        Column(_("Ticket issued"), lambda t: t.issued_at, 17),
        Column(_("Called"), lambda t: t.called_at, 17),
        Column(_("Finished"), lambda t: t.finished_at, 17),
        Column(_("Waiting time (s)"), lambda t: t.wait_seconds, 10),
        Column(_("Handling time (s)"), lambda t: t.handling_seconds, 10),
        Column(
            _("Standard handling time (s)"),
            lambda t: t.standard.handling_seconds if t.standard else None,
            10,
        ),
        Column(_("Within standard"), _within, 8),
        Column(_("Waited within target"), _wait_within, 8),
    ),
    select_related=("branch", "transaction_type", "teller", "standard"),
    ordering=("branch__path", "business_date", "called_at", "pk"),
)

SPECS = (TICKETS,)
