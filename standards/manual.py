"""Reading the bank's service manual (服务手册) from a spreadsheet, and planning what importing
it would change in the catalogue. Pure reading and checking; services.catalogue_import writes.

The file is read by branchservice.tabular; its columns are mapped by the user (a first guess
from their header texts). Each row is one numbered scenario. A row is checked alone (required
cells, a number, lengths) and against the others (a number used twice); then compared with the
catalogue's current revision of its number: new, revised (which fields differ) or unchanged.
"""

from dataclasses import dataclass, field

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from branchservice import tabular
from branchservice.tabular import cell_text, header_key

from .models import ServiceProcess, StandardScenario

# A manual has tens of scenarios; a file of thousands of rows is the wrong file.
MAX_ROWS = 2000
MAX_BYTES = 5 * 1024 * 1024


class ManualField(models.TextChoices):
    """What the portal reads from a manual, in the order the mapping page shows it."""

    PROCESS = "process", gettext_lazy("Service process")
    NUMBER = "number", gettext_lazy("Scenario number")
    TITLE = "title", gettext_lazy("Scenario title")
    SITUATION = "situation", gettext_lazy("Situation")
    EXPECTED_ACTION = "expected_action", gettext_lazy("Expected service action")
    STANDARD_PHRASE = "standard_phrase", gettext_lazy("Standard phrase")
    RESPONSIBLE_ROLES = "responsible_roles", gettext_lazy("Responsible roles")
    KEY_CONTROL_POINTS = "key_control_points", gettext_lazy("Key control points")


REQUIRED_FIELDS = [
    ManualField.PROCESS,
    ManualField.NUMBER,
    ManualField.SITUATION,
    ManualField.EXPECTED_ACTION,
]
# The longest text each field may hold (the catalogue's columns).
MAX_LENGTHS = {ManualField.PROCESS: 100, ManualField.TITLE: 100, ManualField.RESPONSIBLE_ROLES: 200}
# Header texts manuals commonly use, for the first guess (compared without spaces and case).
HEADER_GUESSES = {
    ManualField.PROCESS: ["服务流程", "流程", "业务流程", "服务环节", "process"],
    ManualField.NUMBER: ["场景编号", "序号", "编号", "场景序号", "number", "no"],
    ManualField.TITLE: ["场景名称", "场景", "名称", "title"],
    ManualField.SITUATION: ["服务情景", "情景", "场景描述", "服务场景", "situation"],
    ManualField.EXPECTED_ACTION: ["服务动作", "服务规范", "服务行为", "规范动作", "action"],
    ManualField.STANDARD_PHRASE: ["标准话术", "服务用语", "规范用语", "话术", "phrase"],
    ManualField.RESPONSIBLE_ROLES: ["责任岗位", "责任人", "岗位", "执行岗位", "roles"],
    ManualField.KEY_CONTROL_POINTS: ["关键控制点", "控制点", "检查要点", "control points"],
}  # fmt: skip
TITLE_FROM_SITUATION = 30


def open_manual(upload, name: str) -> tabular.Source:
    return tabular.open_source(
        upload, name, wrong_type=_("Upload the manual as a CSV or .xlsx file.")
    )


def guess_columns(headers: list[str], saved: dict | None = None) -> dict[str, str]:
    return tabular.guess_columns(headers, guesses=HEADER_GUESSES, saved=saved)


def column_errors(columns: dict[str, str], headers: list[str]) -> list[str]:
    return tabular.column_errors(columns, headers, required=REQUIRED_FIELDS)


@dataclass
class ManualRow:
    """One row of the file: its values, what is wrong with it, what importing it would do."""

    NEW = "new"
    REVISED = "revised"
    UNCHANGED = "unchanged"

    number: int  # the row as a spreadsheet shows it
    values: dict
    errors: list[str] = field(default_factory=list)
    action: str = ""
    changed: list[str] = field(default_factory=list)  # labels of the fields that differ
    scenario: StandardScenario | None = None  # the current revision of its number


@dataclass
class ManualPlan:
    rows: list[ManualRow]
    errors: list[str] = field(default_factory=list)  # about the file as a whole

    @property
    def is_valid(self) -> bool:
        return not self.errors and not any(row.errors for row in self.rows)

    def count(self, action: str) -> int:
        return sum(row.action == action for row in self.rows)

    @property
    def error_rows(self) -> int:
        return sum(bool(row.errors) for row in self.rows)


def scenario_title(situation: str) -> str:
    """A title for a manual without one: the start of the situation."""
    return situation[:TITLE_FROM_SITUATION]


def _read_row(number: int, cells: list, positions: dict) -> ManualRow:
    values, errors = {}, []
    for name in ManualField:
        if name in positions:
            position = positions[name]
            values[name.value] = cell_text(cells[position]) if position < len(cells) else ""
    for name in REQUIRED_FIELDS:
        if not values.get(name):
            errors.append(_("“%(field)s” is empty") % {"field": name.label})
    for name, limit in MAX_LENGTHS.items():
        if len(values.get(name, "")) > limit:
            errors.append(
                _("“%(field)s” is longer than %(limit)s characters")
                % {"field": name.label, "limit": limit}
            )
    if ManualField.TITLE in values and not values[ManualField.TITLE]:
        values[ManualField.TITLE] = scenario_title(values.get(ManualField.SITUATION, ""))
    raw_number = values.pop(ManualField.NUMBER, "")
    if raw_number:
        if raw_number.isdigit() and 0 < int(raw_number) < 32768:
            values["number"] = int(raw_number)
        else:
            errors.append(
                _("scenario number “%(value)s” is not a whole number from 1 up")
                % {"value": raw_number[:20]}
            )
    return ManualRow(number=number, values=values, errors=errors)


def read_manual(source: tabular.Source, columns: dict[str, str]) -> ManualPlan:
    """Every row of the file, each checked alone and against the others (no database)."""
    index = {header: position for position, header in enumerate(source.headers)}
    positions = {ManualField(name): index[h] for name, h in columns.items() if h in index}
    plan = ManualPlan(rows=[])
    first_row_of = {}
    try:
        for number, cells in source.rows():
            if len(plan.rows) >= MAX_ROWS:
                plan.errors.append(
                    _("The file has more than %(max)s rows: is it the service manual?")
                    % {"max": MAX_ROWS}
                )
                break
            row = _read_row(number, cells, positions)
            scenario_number = row.values.get("number")
            if scenario_number in first_row_of:
                row.errors.append(
                    _("scenario number %(number)s is also on row %(row)s")
                    % {"number": scenario_number, "row": first_row_of[scenario_number]}
                )
            elif scenario_number is not None:
                first_row_of[scenario_number] = number
            plan.rows.append(row)
    except tabular.FileRefused as exc:
        plan.errors.append(str(exc))
    if not plan.rows and not plan.errors:
        plan.errors.append(_("The file has a header row but no scenarios."))
    return plan


def compare_with_catalogue(plan: ManualPlan) -> ManualPlan:
    """Mark each valid row new, revised or unchanged against the current catalogue. A column
    that is not mapped keeps what the catalogue has; a process is matched by its name."""
    current = {s.number: s for s in StandardScenario.objects.current().select_related("process")}
    processes = {header_key(p.name): p for p in ServiceProcess.objects.all()}
    for row in plan.rows:
        if row.errors:
            continue
        scenario = current.get(row.values["number"])
        row.scenario = scenario
        if scenario is None:
            row.action = ManualRow.NEW
            continue
        process = processes.get(header_key(row.values["process"]))
        if process is None or process.pk != scenario.process_id:
            row.changed.append(str(ManualField.PROCESS.label))
        for name in ManualField:
            if name in (ManualField.PROCESS, ManualField.NUMBER) or name not in row.values:
                continue
            if row.values[name] != getattr(scenario, name):
                row.changed.append(str(name.label))
        row.action = ManualRow.REVISED if row.changed else ManualRow.UNCHANGED
    return plan
