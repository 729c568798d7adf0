"""The complaint register of the demo bank, from 1 January of last year to today.

Every entry is registered and moved through the real services, with the times it would have
happened, so deadlines, timelines and history look as they would after a year and more of use:
every status, some entries overdue, founded complaints with rectification notices, praise and
suggestions. Idempotent: each entry carries a fixed submission token and is skipped when it
exists already.
"""

import datetime as dt
import random
import uuid

from django.utils import timezone

from branchservice.calendar import add_working_days
from branchservice.models import Branch, User
from branchservice.pii import resident_id_check_digit
from branchservice.rectifications.services import (
    rectification_complete,
    rectification_reject,
    rectification_verify,
)

from . import services
from .models import (
    BusinessCategory,
    BusinessChannel,
    Complaint,
    ComplaintReason,
    CustomerNotice,
    Pause,
    end_of_day,
)

DEMO_NAMESPACE = uuid.UUID("5b7f3a52-6a1e-4f0e-9a55-0c2d7c1e2026")
# The last DAYS hold ENTRIES_PER_OUTLET entries at each outlet; the months before them, back to
# 1 January of last year (a whole year for the annual reports), PAST_PER_MONTH across the bank.
ENTRIES_PER_OUTLET = 16
DAYS = 182
PAST_PER_MONTH = 10

# (A business channel, B business category, C complaint reason: JR/T 0169 codes as seeded by
# complaints 0014), what the customer says, asks for, the reply, and the rectification if any.
SCENARIOS = [
    (
        "01",
        "01",
        "0101",
        "客户反映周一上午办理定期存款支取，取号后等候一个多小时，只开了两个对私窗口。",
        "希望高峰时段多开窗口。",
        "向客户致歉，说明当日两名柜员外出培训，已调整排班并增开弹性窗口。",
        ("运营主管", "高峰时段启用弹性窗口，大堂经理每 15 分钟巡查一次等候区。"),
    ),
    (
        "01",
        "0301",
        "01",
        "客户称柜员办理借记卡挂失时语气生硬，未说明补卡所需时间和费用。",
        "要求柜员道歉。",
        "网点负责人当面致歉，并一次性告知补卡流程、时间和费用。",
        ("柜员班组", "组织柜员学习“首问负责、一次性告知”规范，每周晨会抽查。"),
    ),
    (
        "01",
        "0302",
        "11",
        "客户对信用卡年费扣收有异议，称办卡时未被告知首年后收取年费。",
        "要求退还年费。",
        "核实办卡录音，已告知年费政策；经协调为客户申请减免当年年费，客户接受。",
        None,
    ),
    (
        "01",
        "9901",
        "05",
        "客户购买的理财产品到期收益低于预期，认为客户经理销售时只强调了最高收益率。",
        "要求解释收益计算方式并补偿差额。",
        "调阅双录资料，客户经理未充分揭示风险；已向客户道歉并解释收益计算。",
        ("个人金融部", "对客户经理开展理财销售合规培训，双录抽检比例提高到 30%。"),
    ),
    (
        "01",
        "04",
        "0102",
        "客户跨行汇款时柜员录错收款行行号，款项被退回，延误三天。",
        "要求尽快重新汇出并说明原因。",
        "当日重新汇出并承担手续费，向客户书面致歉。",
        ("运营柜组", "汇款业务实行录入与复核双人核对，复核岗签字留痕。"),
    ),
    (
        "01",
        "05",
        "03",
        "客户存入零钞被告知需预约清点，客户认为规定不合理。",
        "希望当场办理。",
        "解释零钞清点预约规定的原因，并为客户预约次日上午优先办理。",
        None,
    ),
    (
        "01",
        "06",
        "10",
        "客户称在大厅填单时，大堂经理大声念出其身份证号码和手机号。",
        "要求网点保护个人信息。",
        "向客户致歉，已在填单台设置一米线和隔挡，提醒员工不得朗读客户信息。",
        ("大堂经理", "填单区设置隐私隔挡，全员学习消费者信息保护规定。"),
    ),
    (
        "05",
        "02",
        "08",
        "客户提前偿还房贷时对违约金条款有疑问，认为签约时未重点提示。",
        "要求出示合同条款并解释。",
        "调出合同原件逐条解释，客户理解条款，未提出进一步要求。",
        None,
    ),
    (
        "02",
        "99",
        "02",
        "自助存取款机吞卡，客户等候四十分钟才有工作人员处理。",
        "要求尽快取回银行卡并改进设备维护。",
        "当日取回银行卡交还客户，联系厂商检修设备并向客户致歉。",
        ("设备管理员", "每日开门前检查自助设备，故障 10 分钟内上报并张贴提示。"),
    ),
    (
        "01",
        "9901",
        "04",
        "客户反映在办理存款时被反复推销保险产品，拒绝后客户经理仍继续劝说。",
        "不希望再被推销。",
        "向客户致歉，已在客户信息中标注“不接受营销”，并提醒客户经理尊重客户选择。",
        None,
    ),
]

SUGGESTIONS = [
    "建议在等候区增加手机充电口和老花镜。",
    "建议周六也开放对公业务窗口。",
    "建议在网点门口增设无障碍坡道扶手。",
    "建议叫号屏同时显示预计等候时间。",
]
PRAISE = [
    "客户来信表扬大堂经理主动帮助老人使用手机银行，耐心细致。",
    "客户在意见簿留言，感谢柜员下班前坚持为其办完业务。",
    "客户电话表扬客户经理及时提醒其识别电信诈骗，避免资金损失。",
]
# The demo complaint manager's outlet shows every state at least once: (plan, age in days).
SHOWCASE_OUTLET = "BJ0101"
SHOWCASE = [
    ("registered", 2),
    ("registered", 0),
    ("acknowledged", 1),
    ("investigating", 9),
    ("escalated", 8),
    ("extended", 10),
    ("resolved", 3),
    ("on_spot", 4),
    ("followed_up", 12),
    ("withdrawn", 25),
    ("void", 40),
    # The regulator's clock, one of each (issue 11).
    ("extended_60", 16),
    ("mediation", 15),
    ("restarted", 12),
    ("corrected", 9),
    ("unreachable", 20),
    ("reopened", 14),
    ("review_upheld", 19),
    ("reviewing", 13),
]
# Plans that need a complex case, and the especially complex one.
COMPLEX_PLANS = {"escalated", "extended", "mediation"}
CLOCK_PLANS = {"extended_60", "mediation", "restarted", "corrected"}
CLOSING_PLANS = {"unreachable", "reopened", "review_upheld", "reviewing"}
FAMILY = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧"
GIVEN = ["秀英", "桂兰", "建华", "志强", "海燕", "丽娟", "国庆", "晓东", "婷婷", "子涵", "浩然"]


def _id_number(rng: random.Random) -> str:
    birth = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 50))
    first17 = f"110105{birth:%Y%m%d}{rng.randrange(100, 999)}"
    return first17 + resident_id_check_digit(first17)


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


class _Outlet:
    """The people of one outlet who work its complaints."""

    def __init__(self, outlet: Branch):
        staff = {u.username: u for u in outlet.staff.all()}
        code = outlet.code.lower()
        self.outlet = outlet
        self.manager = staff.get(f"cm_{code}") or staff.get("complaint_manager")
        self.head = staff.get(f"head_{code}")
        self.lobby = staff.get(f"lm_{code}") or staff.get("lobby_manager")


def _plan(rng: random.Random, age_days: int) -> str:
    """Where an entry of a given age has got to: old entries are mostly closed."""
    if age_days > 20:
        return rng.choices(
            ["closed", "followed_up", "withdrawn", "merged", "void", "resolved"],
            [78, 6, 5, 4, 2, 5],
        )[0]
    if age_days > 6:
        return rng.choices(
            ["closed", "followed_up", "resolved", "investigating", "escalated", "extended"],
            [40, 15, 20, 10, 8, 7],
        )[0]
    return rng.choices(
        ["registered", "acknowledged", "investigating", "resolved", "on_spot"],
        [25, 25, 20, 15, 15],
    )[0]


def _extend(entry, handler, approver, at, reason="需调取异地交易记录，处理时间较长。"):
    """Extension requested by the handler, approved above, the customer told by phone."""
    services.complaint_request_extension(user=handler, complaint=entry, reason=reason, now=at)
    services.complaint_extend(user=approver, complaint=entry, approve=True, now=at)
    told = at + dt.timedelta(hours=1)
    services.complaint_record_notice(
        user=handler,
        complaint=entry,
        subject=CustomerNotice.Subject.EXTENSION,
        told_method=Complaint.ReplyMethod.PHONE,
        told_at=told,
        note="电话告知客户延长处理期限的原因和新的答复期限，客户表示理解（录音已存档）。",
        now=told,
    )


def _clock(entry, plan, people, hq, at):
    """Extended to 60 days, a finished mediation, a restart, a corrected receipt time."""
    cm, head = people.manager, people.head or hq
    day = dt.timedelta(days=1)
    if plan == "extended_60":
        _extend(entry, cm, head, at + dt.timedelta(hours=1))
        # The further 30 days: approved by head office (the superior institution).
        _extend(entry, cm, hq, at + 3 * day, reason="需第三方司法鉴定，情况特别复杂。")
    elif plan == "mediation":
        services.complaint_pause(
            user=cm,
            complaint=entry,
            reason=Pause.Reason.MEDIATION,
            note="经客户同意，提交银行业纠纷调解中心调解。",
            started_at=at + day,
            told_method=Complaint.ReplyMethod.PHONE,
            told_at=at + day,
            now=at + day,
        )
        services.complaint_resume(
            user=cm,
            complaint=entry,
            ended_at=at + 6 * day,
            note="调解中心出具调解意见，恢复计时。",
            now=at + 6 * day,
        )
    elif plan == "restarted":
        services.complaint_new_materials(
            user=cm,
            complaint=entry,
            arrived_at=at + 3 * day,
            what="客户补充提交了转账回单和通话录音，反映了新的扣费事实。",
            now=at + 3 * day,
        )
    elif plan == "corrected":
        correction = services.complaint_request_correction(
            user=cm,
            complaint=entry,
            field="received_at",
            new_value=entry.received_at - dt.timedelta(hours=20),
            reason="客户信函邮戳为前一日，登记时误填为拆封时间。",
            now=at,
        )
        services.complaint_decide_correction(
            user=head,
            complaint=entry,
            correction=correction,
            approve=True,
            note="核对信封邮戳无误。",
            now=at + dt.timedelta(hours=2),
        )


def _closing(entry, plan, cm, hq, replied_at):
    """Closed as unreachable after two attempts; dissatisfied and handled again; a review
    requested by the customer and upheld by head office."""
    day = dt.timedelta(days=1)
    if plan == "unreachable":
        for offset in (1, 2):
            services.complaint_record_contact_attempt(
                user=cm,
                complaint=entry,
                attempted_at=replied_at + offset * day,
                method=Complaint.ReplyMethod.PHONE,
                note="电话无人接听。" if offset == 1 else "电话关机，短信未回复。",
                now=replied_at + offset * day,
            )
        satisfaction = Complaint.Satisfaction.UNREACHABLE
    else:
        satisfaction = (
            Complaint.Satisfaction.DISSATISFIED
            if plan == "reopened"
            else Complaint.Satisfaction.BASICALLY
        )
    visit_at = replied_at + 3 * day
    services.complaint_follow_up(
        user=cm,
        complaint=entry,
        followed_up_at=visit_at,
        satisfaction=satisfaction,
        comment="回访记录。",
        now=visit_at,
    )
    if plan == "reopened":
        services.complaint_handle_again(
            user=cm,
            complaint=entry,
            note="客户对赔付金额不满意，重新核实交易记录。",
            now=visit_at + dt.timedelta(hours=2),
        )
        return
    services.complaint_close(user=cm, complaint=entry, now=visit_at + dt.timedelta(hours=2))
    if plan in {"review_upheld", "reviewing"}:
        asked = visit_at + 5 * day
        services.complaint_request_review(
            user=cm,
            complaint=entry,
            requested_at=asked,
            request="客户对处理结果有异议，向上级机构申请核查。",
            now=asked,
        )
        if plan == "reviewing":
            return
        services.complaint_decide_review(
            user=hq,
            complaint=entry,
            outcome=Complaint.ReviewOutcome.UPHELD,
            findings="经总行核查，网点认定事实清楚、处理依据充分，维持原处理意见。",
            now=asked + 4 * day,
        )


def _rectify(notice, hq, rng, replied_at):
    """Done by its owner, then mostly verified by head office, sometimes rejected (open again)
    or left awaiting verification: the demo shows every status of a complaint's notice."""
    done_at = replied_at + dt.timedelta(days=rng.randint(5, 9))
    notice = rectification_complete(
        user=notice.owner,
        rectification=notice,
        evidence="整改已完成，培训签到表和现场照片已存档。",
        now=done_at,
    )
    outcome = rng.choice(["verify", "verify", "reject", "wait"])
    if outcome == "verify":
        rectification_verify(user=hq, rectification=notice, now=done_at + dt.timedelta(days=1))
    elif outcome == "reject":
        rectification_reject(
            user=hq,
            rectification=notice,
            reason="培训签到表缺少当班柜员签字，请补充后重新提交。",
            now=done_at + dt.timedelta(days=1),
        )


def _walk(entry: Complaint, plan: str, people: _Outlet, hq, scenario, rng, now):
    """Move `entry` through the services towards `plan`, each step at a believable time."""
    received = entry.received_at
    day0 = timezone.localtime(received).date()
    cm = people.manager
    if plan == "registered":
        return
    if plan == "on_spot":
        services.complaint_resolve_on_spot(
            user=cm,
            complaint=entry,
            reply_content="当场向客户解释并办结，客户表示理解。",
            now=received + dt.timedelta(minutes=25),
        )
        return
    if plan == "void":
        services.complaint_void(
            user=hq,
            complaint=entry,
            reason="与另一网点登记重复，作废。",
            now=received + dt.timedelta(days=2),
        )
        return
    # Most are acknowledged within the hour; a few late (the missed badge shows up).
    ack_at = received + dt.timedelta(minutes=rng.choice([20, 40, 55, 90]))
    if rng.random() < 0.08:
        ack_at = _at(add_working_days(day0, 1), 10)
    ack_at = min(ack_at, now)
    services.complaint_acknowledge(
        user=cm,
        complaint=entry,
        acknowledged_at=ack_at,
        estimated_reply_at=entry.reply_due_at,
        note="已电话联系客户，告知处理时限。",
        now=ack_at,
    )
    if plan == "acknowledged":
        return
    if plan == "withdrawn":
        services.complaint_withdraw(
            user=cm,
            complaint=entry,
            reason="客户来电表示问题已自行解决，撤回投诉。",
            now=ack_at + dt.timedelta(hours=3),
        )
        return
    if plan == "merged":
        return  # merged by the caller, into an earlier entry of the same customer
    investigate_at = ack_at + dt.timedelta(minutes=30)
    services.complaint_investigate(
        user=cm, complaint=entry, note="调阅监控和业务凭证，询问当事员工。", now=investigate_at
    )
    if plan == "investigating":
        return
    if plan in CLOCK_PLANS:
        _clock(entry, plan, people, hq, investigate_at)
        return
    if plan in {"escalated", "extended"}:
        if plan == "escalated":
            services.complaint_escalate(
                user=cm,
                complaint=entry,
                reason="客户要求总行答复赔偿方案，超出网点权限。",
                now=investigate_at + dt.timedelta(hours=2),
            )
        elif people.head is not None:
            _extend(entry, cm, people.head, investigate_at + dt.timedelta(hours=1))
        return
    _channel, _category, _reason, _text, _ask, reply, fix = scenario
    # Replies mostly within the deadline, some a day late.
    reply_day = add_working_days(day0, rng.choice([0, 1, 1, 1, 2]))
    replied_at = min(max(_at(reply_day, 16), investigate_at + dt.timedelta(hours=1)), now)
    founded = fix is not None or rng.random() < 0.3
    rectification = None
    if fix is not None:
        department, action = fix
        rectification = {
            "owner": people.head or cm,
            "responsible_department": department,
            "required_action": action,
            "due_date": add_working_days(reply_day, 10),
        }
    services.complaint_resolve(
        user=cm,
        complaint=entry,
        replied_at=replied_at,
        reply_method=rng.choice(["phone", "in_person", "phone", "sms"]),
        reply_content=reply,
        customer_accepted=rng.random() < 0.85,
        founded=founded,
        reply_facts="经调阅监控、询问当班员工核实。" if founded else "经核实，员工操作符合规定。",
        reply_grounds="《网点服务规范》及相关业务制度。",
        bank_at_fault=fix is not None,
        root_cause=rng.choice(["skill", "process"]) if founded else "customer",
        investigation_notes="经核实，情况属实。" if founded else "经核实，员工操作符合规定。",
        apology="网点负责人向客户当面致歉。" if fix is not None else "",
        rectification=rectification,
        now=replied_at,
    )
    if fix is not None and replied_at + dt.timedelta(days=12) < now:
        _rectify(entry.rectifications.get(), hq, rng, replied_at)
    if plan == "resolved":
        return
    if plan in CLOSING_PLANS:
        _closing(entry, plan, cm, hq, replied_at)
        return
    visit_at = _at(add_working_days(replied_at, rng.choice([1, 2, 3])), 11)
    if visit_at > now:
        return
    services.complaint_follow_up(
        user=cm,
        complaint=entry,
        followed_up_at=visit_at,
        satisfaction=rng.choices(["satisfied", "basically", "dissatisfied"], [70, 22, 8])[0],
        comment="电话回访，客户对处理结果表示认可。",
        now=visit_at,
    )
    if plan == "closed":
        # A dissatisfied customer is told of the right to a review before 办结.
        services.complaint_close(
            user=cm,
            complaint=entry,
            review_right_told=True,
            now=visit_at + dt.timedelta(hours=2),
        )


def _draw(rng: random.Random, age: int) -> dict:
    """Who complains about what, and where the entry has got to, drawn in a fixed order."""
    hour, minute = rng.choice([9, 10, 11, 14, 15, 16]), rng.choice([5, 20, 35, 50])
    return {
        "age": age,
        "hour": hour,
        "minute": minute,
        "kind": rng.choices(["complaint", "suggestion", "praise"], [80, 10, 10])[0],
        "scenario": rng.choice(SCENARIOS),
        "channel": rng.choice(Complaint.STAFF_CHANNELS),
        "name": rng.choice(FAMILY) + rng.choice(GIVEN),
        "phone": f"1{rng.choice('3589')}{rng.randrange(10**8, 10**9)}",
        "id_number": _id_number(rng),
        "plan": _plan(rng, age),
    }


def _months(first: dt.date, last: dt.date):
    month = first.replace(day=1)
    while month <= last:
        yield month
        month = (month + dt.timedelta(days=32)).replace(day=1)


def seed(stdout):
    now = timezone.now()
    today = timezone.localdate()
    codes = (
        {c.code: c for c in BusinessChannel.objects.all()},
        {c.code: c for c in BusinessCategory.objects.all()},
        {r.code: r for r in ComplaintReason.objects.all()},
    )
    hq = User.objects.filter(username="hq_service").first()
    outlets = list(Branch.objects.filter(level=Branch.Level.OUTLET, code__regex=r"^(BJ|SH)\d{4}$"))
    outlets = [o for o in outlets if _Outlet(o).manager is not None]
    if hq is None or not outlets:
        stdout.write("Complaints: demo organisation missing; skipped.")
        return
    created = 0
    rng = random.Random(20260930)
    for outlet in outlets:
        people = _Outlet(outlet)
        earlier_by_phone = {}
        # The showcase outlet holds one entry of each plan, and its ordinary ones after them.
        entries = ENTRIES_PER_OUTLET + (len(SHOWCASE) if outlet.code == SHOWCASE_OUTLET else 0)
        for n in range(entries):
            token = uuid.uuid5(DEMO_NAMESPACE, f"{outlet.code}-{n}")
            # Draw the same numbers whether or not the entry exists, so entries keep their data.
            # A fifth of the entries from the last working week, so that open ones show.
            age = rng.randrange(0, 8) if rng.random() < 0.2 else rng.randrange(0, DAYS)
            drawn = _draw(rng, age)
            if outlet.code == SHOWCASE_OUTLET and n < len(SHOWCASE):
                (drawn["plan"], drawn["age"]), drawn["kind"] = SHOWCASE[n], "complaint"
            if Complaint.objects.filter(submission_token=token).exists():
                continue
            received = _at(today - dt.timedelta(days=drawn["age"]), drawn["hour"], drawn["minute"])
            if received > now:
                received = now - dt.timedelta(hours=1)
            _enter(outlet, people, hq, n, token, received, drawn, codes, earlier_by_phone, rng, now)
            created += 1
    created += _seed_past(outlets, hq, codes, today, now)
    created += _seed_intake(now)
    created += _seed_recusal_and_transfer(now)
    created += _seed_escalation(now)
    created += _seed_customers(now)
    stdout.write(
        f"Complaints: {created} register entries added, {Complaint.objects.count()} in all."
    )


def _seed_past(outlets, hq, codes, today, now) -> int:
    """The months before the last DAYS, back to 1 January of last year: a whole year for the
    annual summary and the regulator's tables. Thinner than the recent months (PAST_PER_MONTH
    entries across the bank) so that seeding stays quick. Each month draws from its own
    numbers and tokens, so a month's entries are the same whatever day the demo is built."""
    people = {outlet.code: _Outlet(outlet) for outlet in outlets}
    earlier_by_phone = {outlet.code: {} for outlet in outlets}
    outlets = sorted(outlets, key=lambda o: o.code)
    boundary = today - dt.timedelta(days=DAYS)  # the recent entries are all after it
    created = 0
    for month in _months(today.replace(year=today.year - 1, month=1, day=1), boundary):
        rng = random.Random(f"demo-past-{month:%Y-%m}")
        length = ((month + dt.timedelta(days=32)).replace(day=1) - month).days
        for n in range(PAST_PER_MONTH):
            token = uuid.uuid5(DEMO_NAMESPACE, f"past-{month:%Y-%m}-{n}")
            outlet = rng.choice(outlets)
            day = month + dt.timedelta(days=rng.randrange(length))
            # Drawn as DAYS old, not as old as it is today: every entry here is older than the
            # recent ones, and the same age keeps its draws the same whatever the day of seeding.
            drawn = _draw(rng, DAYS)
            if day > boundary or Complaint.objects.filter(submission_token=token).exists():
                continue
            received = _at(day, drawn["hour"], drawn["minute"])
            # The walk draws from numbers of its own, so that the month's draws above are the
            # same whether or not its entries exist (else a second run drew other days, and
            # added an entry that the first had drawn beyond the boundary).
            _enter(
                outlet,
                people[outlet.code],
                hq,
                n,
                token,
                received,
                drawn,
                codes,
                earlier_by_phone[outlet.code],
                random.Random(token.int),
                now,
            )
            created += 1
    return created


def _enter(outlet, people, hq, n, token, received, drawn, codes, earlier_by_phone, rng, now):
    """Register one drawn entry at `received` and walk it through the services to its plan."""
    channels, categories, reasons = codes
    kind, scenario, channel, plan = (drawn[k] for k in ("kind", "scenario", "channel", "plan"))
    name, phone = drawn["name"], drawn["phone"]
    if plan == "merged" and earlier_by_phone:
        phone, name = rng.choice(list(earlier_by_phone.items()))
    business_channel, category, reason, text, ask = scenario[:5]
    if kind == "suggestion":
        text, ask = rng.choice(SUGGESTIONS), ""
    elif kind == "praise":
        text, ask = rng.choice(PRAISE), ""
    entry = services.complaint_register(
        user=people.manager,
        branch=outlet,
        kind=kind,
        channel=channel,
        received_at=received,
        customer_name=name,
        customer_phone=phone,
        customer_id_number=drawn["id_number"] if channel == "on_site" else "",
        description=text,
        customer_request=ask,
        first_responder=people.lobby if channel == "on_site" else people.manager,
        business_channel=(channels.get(business_channel) if kind == "complaint" else None),
        category=categories.get(category) if kind == "complaint" else None,
        reason=reasons.get(reason) if kind == "complaint" else None,
        is_quality=kind == "complaint" and scenario[6] is not None,
        complexity=(
            "especially"
            if plan == "extended_60"
            else "complex"
            if plan in COMPLEX_PLANS
            else "simple"
        ),
        submission_token=token,
        now=received,
        **(_transfer(outlet, n, received) if channel == "regulator" else {}),
    )
    if kind == "praise":
        services.complaint_close(
            user=people.manager, complaint=entry, note="已转达表扬。", now=received
        )
        return
    if kind == "suggestion":
        plan = "acknowledged" if drawn["age"] < 3 else "suggestion"
        services.complaint_acknowledge(
            user=people.manager,
            complaint=entry,
            acknowledged_at=received + dt.timedelta(minutes=30),
            estimated_reply_at=entry.reply_due_at,
            now=received + dt.timedelta(minutes=30),
        )
        if plan == "suggestion":
            services.complaint_resolve(
                user=people.manager,
                complaint=entry,
                replied_at=received + dt.timedelta(hours=3),
                reply_method="phone",
                reply_content="感谢建议，已报支行统筹研究。",
                customer_accepted=True,
                founded=None,
                now=received + dt.timedelta(hours=3),
            )
            services.complaint_close(
                user=people.manager, complaint=entry, now=received + dt.timedelta(hours=4)
            )
            _feedback(entry, people.manager, now)
        return
    _walk(entry, plan, people, hq, scenario, rng, now)
    _feedback(entry, people.manager, now)
    if plan == "merged":
        target = (
            Complaint.objects.filter(branch=outlet, customer_phone=phone, received_at__lt=received)
            .counted()
            .first()
        )
        if target is not None:
            services.complaint_merge(
                user=people.manager,
                complaint=entry,
                into=target,
                note="同一客户就同一事项再次来电。",
                now=received + dt.timedelta(hours=4),
            )
    earlier_by_phone[phone] = name


# Entries taken down on the tablet (/intake/) by the showcase outlet's first responders this
# morning: username, kind, what the customer says, what they ask for, resolved on the spot.
INTAKE = [
    ("teller", "complaint", "客户反映存折补登机故障，只能到柜台排队补登。", "希望尽快修好补登机。",
     None),
    ("lobby_manager", "complaint", "客户认为取号时未被告知可以使用自助机办理。", "",
     "已向客户致歉并引导至自助机办理完毕，客户表示满意。"),
    ("teller", "praise", "客户表扬大堂经理耐心指导其使用手机银行。", "", None),
]  # fmt: skip


def _seed_intake(now) -> int:
    """The first responders' entries, through the intake page's own service call."""
    outlet = Branch.objects.filter(code=SHOWCASE_OUTLET).first()
    people = {u.username: u for u in User.objects.filter(username__in={r[0] for r in INTAKE})}
    created = 0
    for n, (username, kind, text, ask, on_spot) in enumerate(INTAKE):
        token = uuid.uuid5(DEMO_NAMESPACE, f"intake-{n}")
        user = people.get(username)
        if outlet is None or user is None or Complaint.objects.filter(submission_token=token):
            continue
        received = now - dt.timedelta(minutes=90 - 20 * n)
        services.complaint_register(
            user=user,
            branch=outlet,
            kind=kind,
            channel=Complaint.Channel.ON_SITE,
            received_at=received,
            customer_name="" if kind == "praise" else "马先生",
            customer_phone="" if kind == "praise" else "13698765432",
            description=text,
            customer_request=ask,
            first_responder=user,
            on_spot={"reply_content": on_spot, "customer_accepted": True} if on_spot else None,
            submission_token=token,
            now=received,
        )
        created += 1
    return created


# --- Recusal (回避) and regulator transfers (issue 14 items 4 and 6) ---------------------------

# The bodies that transfer complaints, in turn (no draw of the random numbers: the other
# entries keep their data).
BODIES = list(Complaint.RegulatorBody)


def _transfer(outlet, n, received) -> dict:
    """What a regulator transfer of the demo carries: the body, its reference, its receipt two
    days before ours, feedback due ten days after ours."""
    day = timezone.localdate(received)
    body = BODIES[n % len(BODIES)]
    prefix = body.value.split("_")[-1].upper()
    return {
        "regulator_body": body,
        "regulator_reference": f"{prefix}-{day:%Y%m%d}-{outlet.code}{n:02d}",
        "regulator_received_on": day - dt.timedelta(days=2),
        "regulator_feedback_due_at": end_of_day(day + dt.timedelta(days=10)),
    }


def _feedback(entry, manager, now):
    """A replied regulator transfer has told its transferring body, the day after the reply."""
    entry = Complaint.objects.get(pk=entry.pk)
    if entry.channel != Complaint.Channel.REGULATOR or entry.replied_at is None:
        return
    if entry.status in Complaint.NOT_COUNTED:
        return
    at = min(entry.replied_at + dt.timedelta(days=1), now)
    services.complaint_record_regulator_feedback(
        user=manager,
        complaint=entry,
        fed_back_at=at,
        feedback="已将处理结果及客户意见书面反馈转办单位。",
        now=at,
    )


def _seed_recusal_and_transfer(now) -> int:
    """At the showcase outlet: a complaint about the teller (who may not take part in it), and
    a transfer from 12378 acknowledged, its feedback due the day after tomorrow."""
    outlet = Branch.objects.filter(code=SHOWCASE_OUTLET).first()
    people = {u.username: u for u in User.objects.filter(username__in=["teller", "lobby_manager"])}
    manager = _Outlet(outlet).manager if outlet is not None else None
    if manager is None or len(people) < 2:
        return 0
    created = 0
    received = now - dt.timedelta(hours=2)
    recused = uuid.uuid5(DEMO_NAMESPACE, "recusal")
    if not Complaint.objects.filter(submission_token=recused).exists():
        services.complaint_register(
            user=people["lobby_manager"],
            branch=outlet,
            channel=Complaint.Channel.ON_SITE,
            received_at=received,
            customer_name="刘女士",
            customer_phone="13911112222",
            description="客户反映柜员办理挂失时语气生硬，不耐烦地催促她签字。",
            customer_request="希望柜员道歉。",
            complained_about="3号窗口柜员",
            complained_about_staff=people["teller"],
            first_responder=people["lobby_manager"],
            submission_token=recused,
            now=received,
        )
        created += 1
    transfer = uuid.uuid5(DEMO_NAMESPACE, "regulator-transfer")
    if not Complaint.objects.filter(submission_token=transfer).exists():
        day = timezone.localdate(now)
        entry = services.complaint_register(
            user=manager,
            branch=outlet,
            channel=Complaint.Channel.REGULATOR,
            received_at=received,
            customer_name="赵先生",
            customer_phone="13788889999",
            description="客户向12378反映网点未经同意为其开通短信收费服务，每月扣费2元。",
            customer_request="退还已扣费用并取消服务。",
            first_responder=manager,
            regulator_body=Complaint.RegulatorBody.NFRA,
            regulator_reference=f"12378-{day:%Y%m%d}-0815",
            regulator_received_on=day - dt.timedelta(days=3),
            regulator_feedback_due_at=end_of_day(add_working_days(day, 2)),
            submission_token=transfer,
            now=received,
        )
        services.complaint_acknowledge(
            user=manager,
            complaint=entry,
            acknowledged_at=received + dt.timedelta(minutes=30),
            estimated_reply_at=entry.reply_due_at,
            note="已电话联系客户，告知处理时限。",
            now=received + dt.timedelta(minutes=30),
        )
        created += 1
    return created


def _seed_escalation(now) -> int:
    """Level by level (issue 14 item 3): a complaint of the showcase outlet escalated to its
    sub-branch, by the sub-branch on to the tier-1 branch, and handed back down to the
    sub-branch with instructions, where it is now. (The SHOWCASE's "escalated" entry stops
    at the sub-branch.)"""
    outlet = Branch.objects.filter(code=SHOWCASE_OUTLET).first()
    people = {
        u.username: u for u in User.objects.filter(username__in=["branch_manager", "tier1_manager"])
    }
    manager = _Outlet(outlet).manager if outlet is not None else None
    token = uuid.uuid5(DEMO_NAMESPACE, "escalation-levels")
    if (
        manager is None
        or len(people) < 2
        or Complaint.objects.filter(submission_token=token).exists()
    ):
        return 0
    received = _at(add_working_days(timezone.localdate(now), -3), 9, 40)
    step = dt.timedelta(hours=2)
    entry = services.complaint_register(
        user=manager,
        branch=outlet,
        channel=Complaint.Channel.LETTER,
        received_at=received,
        customer_name="韩先生",
        customer_phone="13855556666",
        description="客户来信反映其名下账户被他人冒名开立的贷款关联扣款，网点无法查明资金去向。",
        customer_request="要求查明扣款原因、退还款项并出具书面说明。",
        first_responder=manager,
        complexity=Complaint.Complexity.COMPLEX,
        submission_token=token,
        now=received,
    )
    entry = services.complaint_acknowledge(
        user=manager,
        complaint=entry,
        acknowledged_at=received + step,
        estimated_reply_at=entry.reply_due_at,
        note="已电话联系客户，告知需上报处理。",
        now=received + step,
    )
    entry = services.complaint_escalate(
        user=manager,
        complaint=entry,
        reason="涉及贷款业务和跨机构资金查询，超出网点权限。",
        now=received + 2 * step,
    )
    entry = services.complaint_escalate(
        user=people["branch_manager"],
        complaint=entry,
        reason="需分行个贷中心调取放款档案，支行无权限。",
        now=received + 3 * step,
    )
    services.complaint_hand_back(
        user=people["tier1_manager"],
        complaint=entry,
        note="放款档案已调取并转支行，请支行会同网点核实客户身份后答复客户。",
        now=received + 4 * step,
    )
    return 1


# The customer's history and who complains (issue 14 items 5 and 7): one customer who
# complained at 五道口 and again at 中关村 within 90 days (a repeat, each page listing the
# other), a complaint made by an agent for an elderly customer, and a group complaint.
# outlet, days ago, customer name, phone, what the customer says, and the complainant fields.
CUSTOMERS = [
    ("BJ0102", 40, "赵建国", "13511112222", "客户反映信用卡年费未按约定减免，已多次致电未果。", {}),
    ("BJ0101", 12, "赵建国", "135 1111 2222",
     "客户再次反映信用卡年费问题：五道口网点答复后仍被扣收年费。", {}),
    ("BJ0101", 5, "孙国庆", "13622223333",
     "客户之女持授权委托书代其投诉：老人办理定期转存时被推荐购买保险产品，未说明风险。",
     {"complainant_kind": "agent", "representative_name": "孙晓燕"}),
    ("BJ0101", 3, "刘志强", "13733334444",
     "附近小区 6 名业主共同反映代发工资账户被冻结，未收到任何通知。",
     {"complainants": 6}),
]  # fmt: skip


def _seed_customers(now) -> int:
    outlets = {o.code: o for o in Branch.objects.filter(code__in={r[0] for r in CUSTOMERS})}
    business_channel = BusinessChannel.objects.filter(is_active=True).first()
    reason = ComplaintReason.objects.filter(is_active=True).first()
    category = BusinessCategory.objects.filter(is_active=True).first()
    created = 0
    for n, (code, days, name, phone, text, complainant) in enumerate(CUSTOMERS):
        token = uuid.uuid5(DEMO_NAMESPACE, f"customers-{n}")
        outlet = outlets.get(code)
        manager = _Outlet(outlet).manager if outlet else None
        if manager is None or Complaint.objects.filter(submission_token=token).exists():
            continue
        received = _at(timezone.localdate() - dt.timedelta(days=days), 10, 15)
        services.complaint_register(
            user=manager,
            branch=outlet,
            channel=Complaint.Channel.ON_SITE,
            received_at=received,
            customer_name=name,
            customer_phone=phone,
            description=text,
            customer_request="要求尽快核实处理并给予答复。",
            first_responder=manager,
            business_channel=business_channel,
            category=category,
            reason=reason,
            submission_token=token,
            now=received,
            **complainant,
        )
        created += 1
    return created
