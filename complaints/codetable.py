"""The official JR/T 0169 code table, imported into one code list (A, B or C).

A file is read and planned first, and the plan is shown; only a confirmed plan is applied
(services.code_list_import). The table is the whole list: an entry missing from it is retired,
never deleted, so complaints classified with it keep their code.
"""

import csv
import io
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .models import CODE_LEVELS

# Bigger than any code table (hundreds of rows); refuses a wrong file early.
MAX_BYTES = 1_000_000


def read_code_table(data: bytes) -> list[tuple[str, str]]:
    """(code, name) rows of a CSV file: a header row, then the code and the name in the first
    two columns. UTF-8 (with or without BOM) or GB18030, as Excel in China saves it."""
    if len(data) > MAX_BYTES:
        raise ValidationError(_("The file is too large for a code table."))
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ValidationError(_("The file is neither UTF-8 nor GB18030 text."))
    rows = [r for r in csv.reader(io.StringIO(text)) if any(cell.strip() for cell in r)]
    if len(rows) < 2 or len(rows[0]) < 2:
        raise ValidationError(_("Expected a header row, then one row per code: code, name."))
    return [(r[0].strip(), r[1].strip() if len(r) > 1 else "") for r in rows[1:]]


@dataclass
class CodeTablePlan:
    """What applying the table would change, for the preview."""

    rows: list[tuple[str, str]]
    new: list[tuple[str, str, str]] = field(default_factory=list)  # code, name, parent code
    renamed: list[tuple[object, str]] = field(default_factory=list)  # entry, new name
    reactivated: list[object] = field(default_factory=list)
    retired: list[object] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def changes(self) -> int:
        return len(self.new) + len(self.renamed) + len(self.reactivated) + len(self.retired)


def _parents(codes) -> dict[str, str]:
    """Each code's parent: the longest other code of the table it starts with."""
    ordered = sorted(codes, key=len)
    parents = {}
    for code in ordered:
        prefixes = [c for c in ordered if len(c) < len(code) and code.startswith(c)]
        parents[code] = max(prefixes, key=len) if prefixes else ""
    return parents


def code_table_plan(*, model, rows: list[tuple[str, str]]) -> CodeTablePlan:
    plan = CodeTablePlan(rows=rows)
    seen = set()
    for number, (code, name) in enumerate(rows, start=2):
        if not code.isdigit():
            plan.errors.append(_("Row %(row)d: the code “%(code)s” is not made of digits.")
                               % {"row": number, "code": code})  # fmt: skip
        elif code in seen:
            plan.errors.append(_("Row %(row)d: the code %(code)s appears twice.")
                               % {"row": number, "code": code})  # fmt: skip
        if not name:
            plan.errors.append(_("Row %(row)d: the name is missing.") % {"row": number})
        seen.add(code)
    if plan.errors:
        return plan
    parents = _parents(seen)
    for code, parent in parents.items():
        depth, up = 1, parent
        while up:
            depth, up = depth + 1, parents[up]
        if depth > CODE_LEVELS:
            plan.errors.append(_("The code %(code)s is below the third level.") % {"code": code})
    existing = {entry.code: entry for entry in model.objects.all()}
    for code, name in rows:
        entry = existing.get(code)
        if entry is None:
            plan.new.append((code, name, parents[code]))
            continue
        if entry.name != name:
            plan.renamed.append((entry, name))
        if not entry.is_active:
            plan.reactivated.append(entry)
    plan.retired = [e for code, e in sorted(existing.items()) if code not in seen and e.is_active]
    return plan
