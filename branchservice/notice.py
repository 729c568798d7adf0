"""Reads the State Council's yearly holiday notice (国务院办公厅关于 N 年部分节假日安排的通知).

The notice has had one shape for years: one numbered item per festival, a holiday range
("2月15日（周日）至23日（周一）放假调休，共9天") and the adjusted working days
("2月14日（周六）、2月28日（周六）上班"). Banks paste it from the web page or a file, so
punctuation comes full-width or half-width, ranges are written with 至, dashes or hyphens,
weekdays as 周 or 星期, and dates with or without their year.

`parse_notice` turns the text into dated holidays and working days, and lists every problem
with its line: a problem that makes a date uncertain (a date that does not exist, a weekday
that does not match, a count that does not match, a day both off and on) blocks applying;
a sentence with dates that is neither a holiday nor a working day (the notice's advice to
give staff New Year's Eve off) is shown as not applied, since it is not part of the schedule.
Nothing here touches the database.
"""

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

HOLIDAY = "holiday"
WORKDAY = "workday"

_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}

# Numbering of items at the start of a line: 一、 (一) 1. 1、 1) (1)
_ITEM_NUMBER = re.compile(
    r"^\s*(?:[一二三四五六七八九十]+\s*[、.]|\(\s*[一二三四五六七八九十\d]+\s*\)|\d+\s*[、.)])\s*"
)
# "元旦:" at the start of an item: the festival's name, before a colon, with no digits.
_HEADING = re.compile(r"^\s*([^\d:;,。]{1,40}?)\s*:\s*")
_NOTICE_YEAR = re.compile(r"(\d{4})\s*年\s*(?:部分)?\s*节假日")
# A date, its year optional; a bracket right after it may name the weekday (and lunar day).
_DATE = r"(?:(?P<{p}y>\d{{4}})\s*年\s*)?(?P<{p}m>\d{{1,2}})\s*月\s*(?P<{p}d>\d{{1,2}})\s*日"
_END = r"(?:(?:(?P<ey>\d{4})\s*年\s*)?(?P<em>\d{1,2})\s*月\s*)?(?P<ed>\d{1,2})\s*日"
_BRACKET = r"(?:\s*\((?P<{p}w>[^)]*)\))?"
_RANGE_SEP = r"\s*(?:至|到|—+|–|-|~)\s*"
_DATES = re.compile(
    _DATE.format(p="s")
    + _BRACKET.format(p="s")
    + rf"(?:{_RANGE_SEP}{_END}"
    + _BRACKET.format(p="e")
    + ")?"
)
_SIGNATURE_DATE = re.compile(r"\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日")
_WEEKDAY_IN_BRACKET = re.compile(r"(?:周|星期|礼拜)\s*([一二三四五六日天])")
_COUNT = re.compile(r"共\s*(\d+)\s*天|放假\s*(\d+)\s*天")
# "." ends a sentence in half-width text unless it sits between two digits.
_SENTENCES = re.compile(r"[。;\n]|(?<!\d)\.|\.(?!\d)")
_CLAUSES = re.compile(r",")
_HOLIDAY_WORDS = ("放假", "补休", "调休", "公休", "休假")
_WORKDAY_WORDS = ("上班",)
_ADVICE_WORDS = ("鼓励", "建议", "倡导")


@dataclass(frozen=True)
class Problem:
    line: int  # 1-based line of the pasted text
    text: str  # the sentence as pasted
    message: str
    blocking: bool = True


@dataclass
class Item:
    """One festival of the notice: its holidays and the working days that make up for it."""

    name: str
    line: int
    holidays: list[tuple[dt.date, dt.date]] = field(default_factory=list)
    workdays: list[dt.date] = field(default_factory=list)


@dataclass
class ParsedNotice:
    year: int | None
    items: list[Item]
    problems: list[Problem]

    @property
    def days(self) -> dict[dt.date, tuple[str, str]]:
        """Each date the notice names: (HOLIDAY or WORKDAY, festival name)."""
        days = {}
        for item in self.items:
            for first, last in item.holidays:
                for offset in range((last - first).days + 1):
                    days[first + dt.timedelta(days=offset)] = (HOLIDAY, item.name)
            for day in item.workdays:
                days[day] = (WORKDAY, item.name)
        return days

    @property
    def blocking(self) -> list[Problem]:
        return [p for p in self.problems if p.blocking]

    @property
    def ok(self) -> bool:
        return self.year is not None and bool(self.items) and not self.blocking


def notice_year(text: str) -> int | None:
    """The year a notice is for, from its title ("关于2027年部分节假日安排的通知")."""
    match = _NOTICE_YEAR.search(unicodedata.normalize("NFKC", text))
    return int(match.group(1)) if match else None


def parse_notice(text: str, year: int | None = None) -> ParsedNotice:
    """Parse a notice for `year` (default: the year in its title)."""
    titled = notice_year(text)
    items: list[Item] = []
    problems: list[Problem] = []
    if year and titled and year != titled:
        problems.append(
            Problem(
                0,
                "",
                _("The notice is for %(titled)s, not %(year)s.") % {"titled": titled, "year": year},
            )
        )
    year = year or titled
    if year is None:
        problems.append(Problem(0, "", _("The notice names no year: choose the year it is for.")))
        return ParsedNotice(None, items, problems)
    current: Item | None = None
    for number, raw_line in enumerate(text.splitlines(), start=1):
        line = unicodedata.normalize("NFKC", raw_line)
        body, was_item = _ITEM_NUMBER.subn("", line, count=1)
        heading = _HEADING.match(body)
        if heading and (was_item or current is None or _has_date(body)):
            current = Item(name=heading.group(1).strip(), line=number)
            items.append(current)
            body = body[heading.end() :]
        elif was_item:
            # A numbered line without a "name:" heading: a festival we cannot name.
            current = Item(name=body.strip()[:20], line=number)
            items.append(current)
        if _SIGNATURE_DATE.fullmatch(body.strip()):
            continue  # the date the notice was signed
        for sentence in _SENTENCES.split(body):
            if not _has_date(sentence):
                continue
            if current is None:
                # A schedule pasted without its festival headings.
                current = Item(name="", line=number)
                items.append(current)
            _read_sentence(sentence.strip(), number, year, current, problems)
    items = [item for item in items if item.holidays or item.workdays]
    if not items and not problems:
        problems.append(
            Problem(0, "", _("No holiday or working day could be read from this text."))
        )
    _check_overlaps(items, problems)
    return ParsedNotice(year, items, problems)


def _has_date(text: str) -> bool:
    return bool(re.search(r"\d\s*月\s*\d{1,2}\s*日", text))


def _read_sentence(sentence, line, year, item, problems):
    if any(word in sentence for word in _ADVICE_WORDS):
        problems.append(
            Problem(line, sentence, _("Advice, not part of the schedule: not applied."), False)
        )
        return
    # Clauses without a keyword ("1月1日（周四）至3日（周六）" before ",放假调休") take the
    # keyword of the next clause that has one.
    pending: list[str] = []
    holidays_here: list[tuple[dt.date, dt.date]] = []
    count = None
    for clause in _CLAUSES.split(sentence):
        pending.append(clause)
        match = _COUNT.search(clause)
        if match:
            count = int(match.group(1) or match.group(2))
        is_workday = any(word in clause for word in _WORKDAY_WORDS)
        is_holiday = any(word in clause for word in _HOLIDAY_WORDS)
        if not (is_workday or is_holiday):
            continue
        text = ",".join(pending)
        pending = []
        for first, last in _dates_in(text, line, year, problems):
            if is_workday:
                item.workdays.extend(
                    first + dt.timedelta(days=n) for n in range((last - first).days + 1)
                )
            else:
                holidays_here.append((first, last))
    leftover = ",".join(c for c in pending if _has_date(c))
    if leftover:
        problems.append(
            Problem(
                line,
                sentence,
                _("Dates that are neither a holiday nor a working day: not understood."),
            )
        )
    item.holidays.extend(holidays_here)
    if count is not None and holidays_here:
        days = sum((last - first).days + 1 for first, last in holidays_here)
        if days != count:
            problems.append(
                Problem(
                    line,
                    sentence,
                    _("The text says %(count)s days, but the dates give %(days)s.")
                    % {"count": count, "days": days},
                )
            )


def _dates_in(text, line, year, problems):
    """The (first, last) ranges of a clause; a single date is a range of one day."""
    found = []
    for match in _DATES.finditer(text):
        start = _make_date(match["sy"] or year, match["sm"], match["sd"], text, line, problems)
        if start is None:
            continue
        end = start
        if match["ed"] is not None:
            end = _make_date(
                match["ey"] or start.year, match["em"] or start.month, match["ed"], text, line,
                problems,
            )  # fmt: skip
            if end is None:
                continue
            if end < start and not match["ey"]:
                # "12月31日至1月2日": the range crosses New Year; the notice's year is the one
                # written, or else the one the range ends in.
                if match["sy"]:
                    end = _make_date(end.year + 1, end.month, end.day, text, line, problems)
                else:
                    start = _make_date(start.year - 1, start.month, start.day, text, line, problems)
                if start is None or end is None:
                    continue
        if not dt.date(year - 1, 12, 1) <= start <= end <= dt.date(year, 12, 31):
            problems.append(
                Problem(
                    line, text, _("%(date)s is not in %(year)s.") % {"date": start, "year": year}
                )
            )
            continue
        if (end - start).days > 31:
            problems.append(Problem(line, text, _("This range is longer than a month.")))
            continue
        _check_weekday(start, match["sw"], text, line, problems)
        if end != start:
            _check_weekday(end, match["ew"], text, line, problems)
        found.append((start, end))
    return found


def _make_date(year, month, day, text, line, problems):
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        problems.append(
            Problem(
                line,
                text,
                _("%(year)s-%(month)s-%(day)s is not a date.")
                % {"year": year, "month": month, "day": day},
            )
        )
        return None


def _check_weekday(day, bracket, text, line, problems):
    match = _WEEKDAY_IN_BRACKET.search(bracket or "")
    if match and _WEEKDAYS[match.group(1)] != day.weekday():
        problems.append(
            Problem(
                line,
                text,
                _("%(date)s is not a %(weekday)s: check the date and the year.")
                % {"date": day.isoformat(), "weekday": match.group(0)},
            )
        )


def _check_overlaps(items, problems):
    seen: dict[dt.date, tuple[str, Item]] = {}
    for item in items:
        days = [
            (first + dt.timedelta(days=n), HOLIDAY)
            for first, last in item.holidays
            for n in range((last - first).days + 1)
        ] + [(day, WORKDAY) for day in item.workdays]
        for day, kind in days:
            if day in seen:
                problems.append(
                    Problem(
                        item.line,
                        item.name,
                        _("%(date)s is named twice (%(first)s and %(second)s).")
                        % {
                            "date": day.isoformat(),
                            "first": seen[day][1].name,
                            "second": item.name,
                        },
                    )
                )
            else:
                seen[day] = (kind, item)
