"""Give the seeded business categories and complaint reasons (0002, slug codes) the numeric
hierarchical codes of JR/T 0169-2018, and seed dimension A (business channel).

The classes follow the standard's outline as far as it is known here (B: 人民币储蓄, 贷款,
银行卡, 支付结算, 人民币管理, 个人金融信息, 其他; C in the standard's order; A: 营业现场,
自助机具, 电子渠道, 第三方渠道, 其他, 中后台); the digits are provisional and the admin says
so. The two seeded reasons that are not top-level classes of the standard (排队等候,
业务办理差错) become 中类 under 服务态度及服务质量, and 理财 and 外汇 中类 under 其他.

An entry an administrator added since (a slug not in the mapping) is kept, active: it gets the
next free code under its parent, or under 其他 when it had none, so nothing is lost and it
shows up there for someone to check.
"""

from django.db import migrations

# slug (0002) → (numeric code, parent code)
CATEGORY_CODES = {
    "deposit": ("01", None),
    "loan": ("02", None),
    "bank_card": ("03", None),
    "debit_card": ("0301", "03"),
    "credit_card": ("0302", "03"),
    "payment": ("04", None),
    "cash": ("05", None),
    "personal_info": ("06", None),
    "other": ("99", None),
    "wealth": ("9901", "99"),
    "foreign_exchange": ("9902", "99"),
}

REASON_CODES = {
    "service_attitude": ("01", None),
    "queueing": ("0101", "01"),
    "operation_error": ("0102", "01"),
    "facilities": ("02", None),
    "rules": ("03", None),
    "marketing": ("04", None),
    "disclosure": ("05", None),
    "returns": ("06", None),
    "choice": ("07", None),
    "contract": ("08", None),
    "fund_security": ("09", None),
    "info_security": ("10", None),
    "pricing": ("11", None),
    "other": ("99", None),
}

# Dimension A, its classes as far as known (the sub-kinds of 电子渠道 come with the official
# table). 中后台: the disputed business was done in the middle or back office, not in front of
# the customer; a class of its own in the standard.
CHANNELS = [
    ("01", "营业现场"),
    ("02", "自助机具"),
    ("03", "电子渠道"),
    ("04", "第三方渠道"),
    ("05", "中后台"),
    ("99", "其他"),
]

OTHER = "99"


def _free_child(Model, parent):
    n = 1
    while Model.objects.filter(code=f"{parent.code}{n:02d}").exists():
        n += 1
    return f"{parent.code}{n:02d}"


def recode(Model, mapping):
    """Recode one list: the seeded slugs by the mapping, any other entry after its parent."""
    for slug, (code, parent) in mapping.items():
        row = Model.objects.filter(code=slug).first()
        if row is not None:
            row.code = code
            row.parent = Model.objects.get(code=parent) if parent else None
            row.level = 2 if parent else 1
            row.save(update_fields=["code", "parent", "level"])
    other, _new = Model.objects.get_or_create(code=OTHER, defaults={"name": "其他", "level": 1})
    # Parents first: an added entry's code extends its (by then numeric) parent's code.
    while rest := list(Model.objects.exclude(code__regex=r"^[0-9]+$").select_related("parent")):
        for row in rest:
            parent = row.parent or other
            if not parent.code.isdigit():
                continue
            row.code, row.parent, row.level = _free_child(Model, parent), parent, parent.level + 1
            row.save(update_fields=["code", "parent", "level"])


def forwards(apps, schema_editor):
    recode(apps.get_model("complaints", "BusinessCategory"), CATEGORY_CODES)
    recode(apps.get_model("complaints", "ComplaintReason"), REASON_CODES)
    Channel = apps.get_model("complaints", "BusinessChannel")
    for code, name in CHANNELS:
        Channel.objects.get_or_create(code=code, defaults={"name": name, "level": 1})


class Migration(migrations.Migration):
    dependencies = [("complaints", "0014_jrt_coding")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
