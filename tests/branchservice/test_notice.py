"""The State Council notice parser, checked day by day against the `chinesecalendar` package.

Real notices (2023–2026, kept in notices/ as published, preamble and signature included) and,
for every year 2010–2026, notices written from the package's own data in the styles the
real ones have used over the years. A parsed notice must give, for every day of its year,
the same working day / day off as the package.
"""

import datetime as dt
from pathlib import Path

import chinese_calendar
import pytest
from chinese_calendar.constants import Holiday, holidays, workdays

from branchservice.notice import HOLIDAY, WORKDAY, notice_year, parse_notice

NOTICES = Path(__file__).parent / "notices"
D = dt.date
DAY = dt.timedelta(days=1)
_CN_WEEKDAY = "一二三四五六日"
_NAMES = {h.value: h.chinese for h in Holiday}


def disagreements(parsed, year, claimed_elsewhere=frozenset()):
    """Days where the parsed notice and the package disagree on working or not."""
    days = parsed.days
    wrong = []
    day = D(year - 1, 12, 1)
    while day <= D(year, 12, 31):
        if day in days or (day.year == year and day not in claimed_elsewhere):
            ours = days[day][0] == WORKDAY if day in days else day.weekday() < 5
            if ours != chinese_calendar.is_workday(day):
                wrong.append(day)
        day += DAY
    return wrong


@pytest.mark.parametrize("year", [2023, 2024, 2025, 2026])
def test_real_notice_gives_the_package_calendar(year):
    text = (NOTICES / f"{year}.txt").read_text(encoding="utf-8")
    parsed = parse_notice(text)
    assert parsed.year == year
    assert parsed.ok, parsed.problems
    assert disagreements(parsed, year) == []


def test_real_notice_names_each_festival_and_its_working_days():
    parsed = parse_notice((NOTICES / "2026.txt").read_text(encoding="utf-8"))
    spring = next(item for item in parsed.items if item.name == "春节")
    assert spring.holidays == [(D(2026, 2, 15), D(2026, 2, 23))]
    assert spring.workdays == [D(2026, 2, 14), D(2026, 2, 28)]
    assert [item.name for item in parsed.items] == [
        "元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节",
    ]  # fmt: skip


def test_advice_in_a_notice_is_shown_but_not_applied():
    parsed = parse_notice((NOTICES / "2024.txt").read_text(encoding="utf-8"))
    [advice] = parsed.problems
    assert not advice.blocking and "除夕" in advice.text
    assert parsed.days.get(D(2024, 2, 9)) is None  # 除夕 stays a working day
    assert not chinese_calendar.is_holiday(D(2024, 2, 9))


def test_a_range_across_new_year_written_without_years():
    parsed = parse_notice("一、元旦：12月31日至1月2日放假调休，共3天。", year=2023)
    assert parsed.ok, parsed.problems
    assert parsed.items[0].holidays == [(D(2022, 12, 31), D(2023, 1, 2))]


# -- notices written from the package's data ------------------------------------------------


def _runs(dates):
    """Consecutive runs of days off; a gap of days the package also has off joins two runs."""
    runs = []
    for day in sorted(dates):
        if runs:
            gap = [runs[-1][1] + DAY * n for n in range(1, (day - runs[-1][1]).days)]
            if not any(chinese_calendar.is_workday(g) for g in gap):
                runs[-1][1] = day
                continue
        runs.append([day, day])
    return runs


def _notice_of(year):
    """The package's schedule for `year` as a notice groups it: [(names, runs, working days)].

    New Year's days in the December before belong to this year's notice; festivals whose days
    meet are one item ("国庆节、中秋节"); the working days that make up for a festival go with
    the festival nearest to them."""
    festivals: dict[str, list] = {}
    for day, name in holidays.items():
        new_year_eve = name == Holiday.new_years_day.value and day.month == 12
        if (day.year + 1 if new_year_eve else day.year) == year:
            festivals.setdefault(name, []).append(day)
    schedule = []
    for name, days in sorted(festivals.items(), key=lambda f: min(f[1])):
        if schedule and min(days) <= schedule[-1][2] + DAY:
            names, earlier, _last = schedule.pop()
            names, days = [*names, _NAMES[name]], earlier + days
        else:
            names = [_NAMES[name]]
        schedule.append((names, days, max(days)))
    notice = [(names, _runs(days), []) for names, days, _last in schedule]
    for day in sorted(workdays):
        runs = [(run, item) for item in notice for run in item[1]]
        if not runs:
            continue
        run, item = min(runs, key=lambda r: abs((r[0][0] - day).days))
        if abs((run[0] - day).days) < 45:
            item[2].append(day)
    return notice


def _claimed_by_neighbours(year):
    claimed = set()
    for other in (year - 1, year + 1):
        for _names, runs, extra in _notice_of(other):
            for first, last in runs:
                claimed.update(first + DAY * n for n in range((last - first).days + 1))
            claimed.update(extra)
    return frozenset(claimed)


def _d(day, year, style, *, end_of=None):
    """A date as each style writes it."""
    weekday = _CN_WEEKDAY[day.weekday()]
    # real notices write the year of a date only when it is not the notice's
    prefix = f"{day.year}年" if day.year != year else ""
    if style == "modern":  # 2025–: （周三）, the end of a range without its month if the same
        if end_of is not None and end_of.month == day.month and end_of.year == day.year:
            return f"{day.day}日（周{weekday}）"
        return f"{prefix}{day.month}月{day.day}日（周{weekday}）"
    if style == "classic":  # 2012–2024: no weekday in ranges, the end without its month
        if end_of is not None and end_of.month == day.month and end_of.year == day.year:
            return f"{day.day}日"
        return f"{prefix}{day.month}月{day.day}日"
    if style == "halfwidth":  # pasted from a converted document: (星期六), every year written
        return f"{day.year}年{day.month}月{day.day}日(星期{weekday})"
    if style == "dashes":  # spaces, dashes, 星期天
        weekday = "天" if weekday == "日" else weekday
        return f"{day.year} 年 {day.month} 月 {day.day} 日（星期{weekday}）"
    raise ValueError(style)


_SEPARATORS = {"modern": "至", "classic": "至", "halfwidth": "-", "dashes": "—"}
_NUMBERS = "一二三四五六七八九十"


def write_notice(year, style):
    full = style == "halfwidth"
    colon, comma, stop, pause = (":", ",", ".", "、") if full else ("：", "，", "。", "、")
    lines = [f"国务院办公厅关于{year}年部分节假日安排的通知", ""]
    for number, (names, runs, extra) in enumerate(_notice_of(year)):
        label = f"{number + 1}. " if full else f"{_NUMBERS[number]}、"
        parts = []
        for first, last in runs:
            days = (last - first).days + 1
            if first == last:
                parts.append(f"{_d(first, year, style)}放假{comma}共1天")
            else:
                parts.append(
                    f"{_d(first, year, style)}{_SEPARATORS[style]}"
                    f"{_d(last, year, style, end_of=first)}放假调休{comma}共{days}天"
                )
        sentence = f"{stop}".join(parts) + stop
        if extra:
            sentence += pause.join(_d(day, year, style) for day in extra) + "上班" + stop
        lines.append(f"{label}{pause.join(names)}{colon}{sentence}")
    lines += ["", "国务院办公厅", f"{year - 1}年11月10日"]
    return "\n".join(lines)


@pytest.mark.parametrize("style", ["modern", "classic", "halfwidth", "dashes"])
@pytest.mark.parametrize("year", range(2010, 2027))
def test_written_notice_gives_the_package_calendar(year, style):
    text = write_notice(year, style)
    parsed = parse_notice(text)
    assert parsed.year == year
    assert parsed.ok, (parsed.problems, text)
    assert disagreements(parsed, year, _claimed_by_neighbours(year)) == [], text


# -- bad input --------------------------------------------------------------------------------


def test_a_date_that_does_not_exist_is_refused():
    parsed = parse_notice("二、春节：2 月 30 日至 3 月 2 日放假调休，共 3 天。", year=2027)
    assert not parsed.ok
    assert parsed.blocking[0].message == "2027年2月30日不是有效日期。"


def test_a_weekday_that_does_not_match_is_refused():
    # 2027-02-06 is a Saturday: the text written for another year
    parsed = parse_notice("春节：2月6日（周五）至12日放假，共7天。", year=2027)
    assert not parsed.ok
    assert "2027-02-06" in parsed.blocking[0].message


def test_a_count_that_does_not_match_is_refused():
    parsed = parse_notice("国庆节：10月1日至7日放假调休，共8天。", year=2027)
    assert [p.message for p in parsed.blocking] == ["文中写“共 8 天”，但日期合计 7 天。"]


def test_overlapping_ranges_are_refused():
    text = "一、中秋节：9月15日至17日放假。\n二、国庆节：9月17日至23日放假。"
    parsed = parse_notice(text, year=2027)
    assert not parsed.ok
    assert "2027-09-17" in parsed.blocking[0].message


def test_a_text_with_no_schedule_is_refused():
    parsed = parse_notice("各位同事：明天下午开会。", year=2027)
    assert not parsed.ok and parsed.items == []


def test_a_notice_without_a_year_asks_for_one():
    parsed = parse_notice("春节：2月6日至12日放假。")
    assert parsed.year is None and not parsed.ok
    assert notice_year("关于２０２７年部分节假日安排的通知") == 2027


def test_dates_neither_off_nor_on_are_flagged_with_their_line():
    text = "一、元旦：1月1日放假。\n二、春节：2月6日至12日，2月14日。"
    parsed = parse_notice(text, year=2027)
    assert not parsed.ok
    assert parsed.blocking[0].line == 2
    assert parsed.days[D(2027, 1, 1)] == (HOLIDAY, "元旦")


def test_a_date_outside_the_year_is_refused():
    parsed = parse_notice("元旦：2025年1月1日放假。", year=2027)
    assert not parsed.ok


def test_a_notice_for_another_year_than_the_one_chosen_is_refused():
    text = (NOTICES / "2026.txt").read_text(encoding="utf-8")
    assert not parse_notice(text, year=2027).ok
    assert parse_notice(text, year=2026).ok
