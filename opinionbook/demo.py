"""Demo data of the customer's side: every demo outlet has an open online opinion book (its
page and poster), with a few entries customers wrote in it, one in each state a customer can
see them in: new, being handled, replied, closed after an online rating, and spam voided by
head office.

The entries are written and moved through the real services, with the times it would have
happened. Idempotent: each entry carries a fixed submission token and is skipped when it
exists already. Lookup codes are random and shown once, as on the page: the showcase outlet's
are printed when they are made, so the lookup page can be tried.
"""

import datetime as dt
import uuid

from django.utils import timezone

from branchservice.models import Branch, User
from complaints import services as complaints
from complaints.models import BusinessCategory, Complaint, ComplaintReason

from .models import OpinionBook
from .services import display_code, opinion_submit, satisfaction_answer, satisfaction_link_issue

DEMO_NAMESPACE = uuid.UUID("0c1d5e7a-3b52-4c8e-8f61-9a2b7d4e2026")
SHOWCASE_OUTLET = "BJ0101"

# state, days ago, kind, what the customer wrote, what they ask for, name, phone
ENTRIES = [
    ("new", 0, "complaint", "自助存款机吞卡后等了二十分钟才有人来处理。", "希望尽快退卡。",
     "周女士", "13911112222"),
    ("handling", 1, "complaint", "网银转账限额调整后没有短信通知，导致付款失败。",
     "希望说明限额规则。", "郑先生", "13722223333"),
    ("replied", 3, "complaint", "大堂经理引导我到错误的窗口，白白排了半小时队。",
     "希望加强引导。", "林女士", "13633334444"),
    ("closed", 9, "complaint", "柜员办理业务时接听私人电话，让我等了很久。", "要求道歉。",
     "何先生", "13544445555"),
    ("spam", 2, "complaint", "加微信领取高额返利，日赚千元 http://spam.example", "", "", ""),
]  # fmt: skip

# How the handler codes the replied entries on B and C (JR/T 0169) before the reply.
CODES = {"replied": ("01", "0101"), "closed": ("01", "01")}


def _at(days_ago: int, hour: int, now: dt.datetime) -> dt.datetime:
    day = timezone.localdate(now) - dt.timedelta(days=days_ago)
    at = timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 15)))
    return min(at, now - dt.timedelta(minutes=30))


def _reply(entry, handler, received):
    """Contacted within the hour, looked into, replied the next hour."""
    step = dt.timedelta(minutes=40)
    complaints.complaint_acknowledge(
        user=handler,
        complaint=entry,
        acknowledged_at=received + step,
        estimated_reply_at=entry.reply_due_at,
        note="已电话联系客户，告知处理时限。",
        now=received + step,
    )
    complaints.complaint_investigate(
        user=handler, complaint=entry, note="调阅监控，询问当班员工。", now=received + 2 * step
    )
    return received + 3 * step


def _walk(entry, state, handler, hq, received):
    if state == "new":
        return
    if state == "spam":
        complaints.complaint_void(
            user=hq,
            complaint=entry,
            reason="广告垃圾信息，与本行业务无关。",
            now=received + dt.timedelta(hours=3),
        )
        return
    replied_at = _reply(entry, handler, received)
    if state == "handling":
        return
    category, reason = CODES[state]
    entry = complaints.complaint_update(
        user=handler,
        complaint=entry,
        data={
            "category": BusinessCategory.objects.get(code=category),
            "reason": ComplaintReason.objects.get(code=reason),
        },
        expected_version=entry.version,
        now=replied_at,
    )
    complaints.complaint_resolve(
        user=handler,
        complaint=entry,
        replied_at=replied_at,
        reply_method=Complaint.ReplyMethod.PHONE,
        reply_content="电话答复客户，说明处理结果，客户表示理解。",
        customer_accepted=True,
        founded=state == "closed",
        reply_facts="经调阅监控核实。",
        reply_grounds="《网点服务规范》。",
        now=replied_at,
    )
    if state == "replied":
        return
    # The customer rates the reply through the one-time link, as from the lookup page.
    rated_at = replied_at + dt.timedelta(days=1)
    token = satisfaction_link_issue(complaint=entry, now=rated_at)
    satisfaction_answer(
        token=token, satisfaction="basically", comment="处理及时，希望以后改进。", now=rated_at
    )
    complaints.complaint_close(
        user=handler, complaint=entry, note="客户已在线评价。", now=rated_at + dt.timedelta(hours=2)
    )


def seed(stdout):
    outlets = list(Branch.objects.filter(level=Branch.Level.OUTLET, is_active=True))
    created = 0
    for outlet in outlets:
        created += OpinionBook.objects.get_or_create(outlet=outlet)[1]
    stdout.write(f"Opinion books: {created} added, {OpinionBook.objects.count()} in all.")
    hq = User.objects.filter(username="hq_service").first()
    if hq is None:
        stdout.write("Opinion-book entries: demo organisation missing; skipped.")
        return
    now = timezone.now()
    written = 0
    for book in OpinionBook.objects.open().select_related("outlet"):
        for n, (state, days_ago, kind, text, ask, name, phone) in enumerate(ENTRIES):
            token = uuid.uuid5(DEMO_NAMESPACE, f"{book.outlet.code}-{n}")
            if Complaint.objects.filter(submission_token=token).exists():
                continue
            received = _at(days_ago, 10, now)
            entry, code = opinion_submit(
                book=book,
                kind=kind,
                description=text,
                customer_request=ask,
                customer_name=name,
                customer_phone=phone,
                submission_token=token,
                now=received,
            )
            written += 1
            if entry.handler is not None:  # an outlet without a complaint manager: left new
                _walk(entry, state, entry.handler, hq, received)
            if book.outlet.code == SHOWCASE_OUTLET:
                stdout.write(f"  Lookup ({state}): {entry.reference} {display_code(code)}")
    stdout.write(f"Opinion-book entries: {written} written online.")
