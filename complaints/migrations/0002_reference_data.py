"""Seed the classification lists (after JR/T 0169, the PBoC standard for financial consumer
complaint statistics) and the default deadline policy from the bank's manual. They stay
editable in the admin; this migration only adds rows that are missing."""

from django.db import migrations

# code, name, parent code
CATEGORIES = [
    ("deposit", "人民币储蓄/存款", None),
    ("loan", "贷款", None),
    ("bank_card", "银行卡", None),
    ("debit_card", "借记卡", "bank_card"),
    ("credit_card", "信用卡", "bank_card"),
    ("payment", "支付结算", None),
    ("cash", "人民币现金管理", None),
    ("personal_info", "个人金融信息", None),
    ("wealth", "理财及代理销售", None),
    ("foreign_exchange", "外汇", None),
    ("other", "其他", None),
]

REASONS = [
    ("service_attitude", "服务态度及服务质量"),
    ("facilities", "服务设施、设备、业务系统"),
    ("rules", "管理制度、业务规则与流程"),
    ("marketing", "营销方式和手段"),
    ("disclosure", "信息披露"),
    ("returns", "产品收益"),
    ("choice", "自主选择权"),
    ("contract", "合同条款"),
    ("fund_security", "资金安全"),
    ("info_security", "消费者信息安全"),
    ("queueing", "排队等候"),
    ("pricing", "定价收费"),
    ("operation_error", "业务办理差错"),
    ("other", "其他"),
]


def seed(apps, schema_editor):
    Category = apps.get_model("complaints", "BusinessCategory")
    Reason = apps.get_model("complaints", "ComplaintReason")
    Policy = apps.get_model("complaints", "DeadlinePolicy")
    created = {}
    for order, (code, name, parent) in enumerate(CATEGORIES, start=1):
        created[code], _new = Category.objects.get_or_create(
            code=code,
            defaults={"name": name, "parent": created.get(parent), "sort_order": order * 10},
        )
    for order, (code, name) in enumerate(REASONS, start=1):
        Reason.objects.get_or_create(code=code, defaults={"name": name, "sort_order": order * 10})
    if not Policy.objects.filter(is_active=True).exists():
        # Field defaults are the manual's numbers (same day; 1/5; 7; 15 + 15; follow-up 3).
        Policy.objects.create(name="默认时限（服务手册）", is_active=True)


class Migration(migrations.Migration):
    dependencies = [("complaints", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
