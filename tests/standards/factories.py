"""Builders for standards tests and the benchmark."""

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
