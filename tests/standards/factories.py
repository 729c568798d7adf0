"""Builders for standards tests and the benchmark."""

import datetime as dt

from django.utils import timezone

from branchservice.models import Branch
from standards.models import AnswerType, ChecklistTemplate, TemplateItem, TemplateSection
from standards.services import template_publish


def sixty_item_template(code="sixty"):
    """A published daily template: 6 sections × 10 items, the first of each critical, the last
    scored 0–5."""
    template = ChecklistTemplate.objects.create(code=code, name="六十项检查表", kind="daily")
    for s in range(6):
        section = TemplateSection.objects.create(
            template=template, title=f"第{s + 1}部分", position=s
        )
        TemplateItem.objects.bulk_create(
            TemplateItem(
                section=section,
                text=f"检查项 {s + 1}-{i + 1}",
                position=i,
                is_critical=i == 0,
                answer_type=AnswerType.SCORE if i == 9 else AnswerType.PASS_FAIL,
                max_score=5 if i == 9 else 1,
            )
            for i in range(10)
        )
    template_publish(template=template, by=None)
    template.refresh_from_db()
    return template


def small_template(code="small"):
    """A published daily template of three items: an ordinary one, a critical one needing a
    photo when it fails, and a scored one (0–4)."""
    template = ChecklistTemplate.objects.create(code=code, name="小检查表", kind="daily")
    section = TemplateSection.objects.create(template=template, title="营业前", position=1)
    TemplateItem.objects.create(section=section, text="大厅整洁", weight=1, position=1)
    TemplateItem.objects.create(
        section=section,
        text="叫号机正常",
        weight=3,
        is_critical=True,
        failure_needs_photo=True,
        position=2,
    )
    TemplateItem.objects.create(
        section=section,
        text="微笑服务",
        answer_type=AnswerType.SCORE,
        max_score=4,
        weight=2,
        position=3,
    )
    template_publish(template=template, by=None)
    template.refresh_from_db()
    return template


def submitted_checklist(*, branch, by, template=None):
    """Today's checklist of `branch`, submitted with its critical item failed (with a photo
    and an audio note), which raised a corrective action. `item_id` is set to that item, for
    the URLs of its photo and audio note."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from standards.services import AnswerInput, checklist_start, checklist_submit

    template = template or small_template(code=f"small-{branch.code.lower()}")
    checklist = checklist_start(
        branch=branch, template=template, business_date=timezone.localdate(), by=by
    )
    items = list(checklist.template_version.items.order_by("position"))
    photo = SimpleUploadedFile("p.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 64)
    audio = SimpleUploadedFile("a.m4a", b"\x00\x00\x00\x20ftypM4A " + b"\x00" * 64)
    answers = {
        items[0].pk: AnswerInput(result="pass"),
        items[1].pk: AnswerInput(result="fail", comment="叫号机黑屏", photo=photo, audio=audio),
        items[2].pk: AnswerInput(score=4),
    }
    checklist_submit(checklist=checklist, answers=answers, by=by, revision=1)
    checklist.refresh_from_db()
    checklist.item_id = items[1].pk
    return checklist


def png_photo(name="photo.png", *, width=160, height=120, rgb=(200, 60, 40)):
    """A real PNG (a plain colour) as an upload: browsers render it, the photo check accepts it."""
    import struct
    import zlib

    from django.core.files.uploadedfile import SimpleUploadedFile

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + bytes(rgb) * width
    png = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )
    return SimpleUploadedFile(name, png, content_type="image/png")


def wav_note(name="note.wav", *, seconds=1.0, rate=8000):
    """A real WAV recording (silence) as an upload: browsers play it, the audio check accepts it."""
    import io
    import wave

    from django.core.files.uploadedfile import SimpleUploadedFile

    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as recording:
        recording.setnchannels(1)
        recording.setsampwidth(2)
        recording.setframerate(rate)
        recording.writeframes(b"\x00\x00" * int(rate * seconds))
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="audio/wav")


def parts_template(code="parts"):
    """A published daily template with a section for each part of the day: two opening
    checks, one daytime check, two closing checks (all pass/fail)."""
    template = ChecklistTemplate.objects.create(code=code, name="分时段检查表", kind="daily")
    for position, (title, part, texts) in enumerate(
        [
            ("营业前", "opening", ["大厅灯光已开", "叫号机已开机"]),
            ("营业中", "daytime", ["大堂经理在岗"]),
            ("营业后", "closing", ["现金已入库", "门窗已锁好"]),
        ]
    ):
        section = TemplateSection.objects.create(
            template=template, title=title, part=part, position=position
        )
        for index, text in enumerate(texts):
            TemplateItem.objects.create(section=section, text=text, position=index)
    template_publish(template=template, by=None)
    template.refresh_from_db()
    return template


def closed_for_the_day(outlets=None):
    """Give `outlets` (the demo's BJ0101 by default) hours that are over now: open from
    midnight to this moment, local time, so that the shipped daily template's closing checks
    can be made and the checklist submitted from now on (standards.due), whatever the hour
    (fixed hours such as 00:00–00:01 are not over in the first minute of the day). They
    hold until midnight: a browser test travels to an afternoon first (tests/browser,
    `an_afternoon`), the load test's run starts after its seed on the same day."""
    if outlets is None:
        outlets = Branch.objects.filter(code="BJ0101")
    outlets.update(opens_at=dt.time(0, 0), closes_at=timezone.localtime().time())
