"""The demo bank: head office, 2 tier-1 branches, 4 sub-branches, 12 outlets, and staff.

The 国贸 outlet sits in a shopping mall and opens on Saturdays too, so it has Saturday checklists.

Idempotent: rows are looked up by their natural keys (branch code, username) and created only
when missing, so a second run changes nothing.
"""

import datetime as dt
from pathlib import Path

from django.contrib.auth.models import Group
from django.utils import timezone

from .calendar import is_working_day
from .models import (
    Branch,
    CalendarNotice,
    CalendarOverride,
    FirmEngagement,
    InspectionFirm,
    User,
    WeekendOpening,
)
from .roles import ADMIN_ROLES, Role

DEMO_PASSWORD = "demo-branch-2026"

# code, name, address, hotline; children nested.
TREE = (
    "HQ", "示范银行总行", "北京市西城区金融大街 1 号", "95599", [
        ("BJ", "示范银行北京分行", "北京市东城区建国门内大街 18 号", "010-95599", [
            ("BJ01", "海淀支行", "北京市海淀区中关村大街 27 号", "010-62550001", [
                ("BJ0101", "中关村营业网点", "北京市海淀区中关村大街 59 号", "010-62550101"),
                ("BJ0102", "五道口营业网点", "北京市海淀区成府路 28 号", "010-62550102"),
                ("BJ0103", "学院路营业网点", "北京市海淀区学院路 35 号", "010-62550103"),
            ]),
            ("BJ02", "朝阳支行", "北京市朝阳区建国路 88 号", "010-65000002", [
                ("BJ0201", "国贸营业网点", "北京市朝阳区建国门外大街 1 号", "010-65000201"),
                ("BJ0202", "望京营业网点", "北京市朝阳区望京街 10 号", "010-65000202"),
                ("BJ0203", "三里屯营业网点", "北京市朝阳区工人体育场北路 8 号", "010-65000203"),
            ]),
        ]),
        ("SH", "示范银行上海分行", "上海市黄浦区中山东一路 12 号", "021-95599", [
            ("SH01", "浦东支行", "上海市浦东新区陆家嘴环路 1000 号", "021-58880001", [
                ("SH0101", "陆家嘴营业网点", "上海市浦东新区世纪大道 100 号", "021-58880101"),
                ("SH0102", "张江营业网点", "上海市浦东新区张江路 665 号", "021-58880102"),
                ("SH0103", "世博营业网点", "上海市浦东新区国展路 1099 号", "021-58880103"),
            ]),
            ("SH02", "徐汇支行", "上海市徐汇区漕溪北路 18 号", "021-64380002", [
                ("SH0201", "徐家汇营业网点", "上海市徐汇区虹桥路 1 号", "021-64380201"),
                ("SH0202", "漕河泾营业网点", "上海市徐汇区宜山路 900 号", "021-64380202"),
                ("SH0203", "龙华营业网点", "上海市徐汇区龙华中路 600 号", "021-64380203"),
            ]),
        ]),
    ],
)  # fmt: skip

# Outlets open beyond the PRC working days.
WEEKEND_OPEN = {"BJ0201": WeekendOpening.SATURDAY}

# The documented demo logins: username, role, branch code, family name, given name.
DEMO_USERS = [
    ("hq_service", Role.HQ_SERVICE, "HQ", "赵", "敏"),
    ("branch_manager", Role.BRANCH_MANAGER, "BJ01", "钱", "立华"),
    # Receives what the sub-branch escalates further (逐级上报).
    ("tier1_manager", Role.BRANCH_MANAGER, "BJ", "冯", "志远"),
    ("complaint_manager", Role.COMPLAINT_MANAGER, "BJ0101", "孙", "丽"),
    ("lobby_manager", Role.LOBBY_MANAGER, "BJ0101", "李", "娜"),
    ("teller", Role.FRONTLINE_STAFF, "BJ0101", "陈", "晨"),
    ("auditor", Role.AUDITOR, "BJ01", "周", "建国"),
    ("inspector", Role.INSPECTOR, "HQ", "吴", "秀英"),
]

# An external mystery-shopper firm, engaged for two outlets of different branches for the
# quarter the demo is built in: its inspector sees those two outlets and nothing else.
DEMO_FIRM = "某某市场调研有限公司"
DEMO_FIRM_OUTLETS = ["BJ0201", "SH0101"]
DEMO_FIRM_USER = ("firm_inspector", "郑", "海燕")

# Every other outlet gets its own head, complaint manager and lobby manager (no login), so that
# complaints have handlers and reminders have recipients everywhere.
_FAMILY = "王张刘陈杨黄吴徐胡朱高林何郭马罗"
_GIVEN = ["伟", "芳", "静", "强", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛"]
OUTLET_STAFF = [
    ("head", Role.BRANCH_MANAGER),
    ("cm", Role.COMPLAINT_MANAGER),
    ("lm", Role.LOBBY_MANAGER),
]


def _walk(node, parent=None, level=Branch.Level.HEAD_OFFICE):
    code, name, address, hotline, *rest = node
    yield code, name, address, hotline, parent, level
    for child in rest[0] if rest else []:
        yield from _walk(child, code, Branch.Level(level + 1))


def seed_branches() -> dict[str, Branch]:
    branches: dict[str, Branch] = {}
    for code, name, address, hotline, parent, level in _walk(TREE):
        branch = Branch.objects.filter(code=code).first()
        if branch is None:
            branch = Branch(
                code=code,
                name=name,
                level=level,
                parent=branches.get(parent),
                address=address,
                hotline=hotline,
                opens_on_weekends=WEEKEND_OPEN.get(code, WeekendOpening.NONE),
            )
            branch.full_clean()
            branch.save()
        branches[code] = branch
    return branches


def _ensure_user(username, role, branch, family, given, *, password):
    user = User.objects.filter(username=username).first()
    if user is not None:
        return user
    user = User(
        username=username,
        last_name=family,
        first_name=given,
        email=f"{username}@demo.invalid",
        branch=branch,
        is_staff=role in ADMIN_ROLES,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    user.groups.add(Group.objects.get(name=role))
    return user


def seed(stdout):
    branches = seed_branches()
    for username, role, code, family, given in DEMO_USERS:
        _ensure_user(username, role, branches[code], family, given, password=DEMO_PASSWORD)
    outlets = [b for b in branches.values() if b.is_outlet]
    demo_posts = {(code, role) for _u, role, code, _f, _g in DEMO_USERS}
    for index, outlet in enumerate(outlets):
        for offset, (prefix, role) in enumerate(OUTLET_STAFF):
            if (outlet.code, role) in demo_posts:
                continue
            n = index * len(OUTLET_STAFF) + offset
            _ensure_user(
                f"{prefix}_{outlet.code.lower()}",
                role,
                outlet,
                _FAMILY[n % len(_FAMILY)],
                _GIVEN[n % len(_GIVEN)],
                password=None,
            )
    # Every sub-branch and tier-1 branch has a head as well: an escalation to it (逐级上报)
    # has someone to hold it.
    above = [
        b
        for b in branches.values()
        if b.level in (Branch.Level.SUB_BRANCH, Branch.Level.TIER1_BRANCH)
    ]
    for index, branch in enumerate(above):
        if (branch.code, Role.BRANCH_MANAGER) not in demo_posts:
            n = len(outlets) * len(OUTLET_STAFF) + index
            _ensure_user(
                f"head_{branch.code.lower()}",
                Role.BRANCH_MANAGER,
                branch,
                _FAMILY[n % len(_FAMILY)],
                _GIVEN[n % len(_GIVEN)],
                password=None,
            )
    seed_firm(branches)
    stdout.write(f"Organisation: {len(branches)} branches, {User.objects.count()} staff.")
    seed_sample_notice()
    seed_sample_regional_day(branches["SH"])


def _this_quarter(today: dt.date) -> tuple[dt.date, dt.date]:
    first_month = (today.month - 1) // 3 * 3 + 1
    starts_on = today.replace(month=first_month, day=1)
    next_start = (starts_on + dt.timedelta(days=100)).replace(day=1)
    return starts_on, next_start - dt.timedelta(days=1)


def seed_firm(branches):
    firm, created = InspectionFirm.objects.get_or_create(name=DEMO_FIRM)
    if created:
        starts_on, ends_on = _this_quarter(timezone.localdate())
        engagement = FirmEngagement.objects.create(
            firm=firm, starts_on=starts_on, ends_on=ends_on, note="本季度神秘人暗访"
        )
        engagement.outlets.set([branches[code] for code in DEMO_FIRM_OUTLETS])
    username, family, given = DEMO_FIRM_USER
    if not User.objects.filter(username=username).exists():
        user = User(username=username, last_name=family, first_name=given, firm=firm,
                    email=f"{username}@demo.invalid")  # fmt: skip
        user.set_password(DEMO_PASSWORD)
        user.save()
        user.groups.add(Group.objects.get(name=Role.INSPECTOR))


SAMPLE_NOTICE = Path(__file__).with_name("demo_notice_2027.txt")


def seed_sample_regional_day(region: Branch):
    """A day off for one region's outlets only, marked 【示例】 (a region's own festival has
    the same form): the calendar admin lists it beside the nationwide dates, and the region's
    deadlines count it while the other regions' do not. A Friday of next month's second week
    that is a working day nationwide (not New Year's Day), so the demo's open entries there
    span it."""
    today = timezone.localdate()
    week_two = (today.replace(day=1) + dt.timedelta(days=32)).replace(day=8)
    friday = week_two + dt.timedelta(days=(4 - week_two.weekday()) % 7)
    while not is_working_day(friday):
        friday += dt.timedelta(days=7)
    CalendarOverride.objects.get_or_create(
        date=friday,
        branch=region,
        defaults={
            "kind": CalendarOverride.Kind.HOLIDAY,
            "note": f"【示例】{region.name}辖内网点区域性休息日（演示数据，非官方安排）",
        },
    )


def seed_sample_notice():
    """A 2027 notice marked 【示例】 as a draft: the notice page opens with it for a preview.
    Never applied: the official schedule is for head office to paste when it is published."""
    if not CalendarNotice.objects.filter(year=2027).exists():
        CalendarNotice.objects.create(year=2027, text=SAMPLE_NOTICE.read_text(encoding="utf-8"))
