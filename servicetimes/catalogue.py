"""The illustrative default time-standard table, installed by migration 0002.

THESE FIGURES ARE THE BANK'S TO SET. The notice that introduced the teller time-limit standard
(柜员个人业务限时服务标准) does not reproduce its table of times in the documents the product
was specified from; the values below are placeholders of a plausible order of magnitude, so that
a fresh installation can import and judge queue logs at all. Head office replaces them in the
admin (time standards: add a version with the date the bank's own table takes effect).
"""

import datetime as dt

PLACEHOLDER_NOTE = "示例数值，须由本行按限时服务标准文件设定（illustrative: the bank sets these）"
PLACEHOLDER_EFFECTIVE_FROM = dt.date(2020, 1, 1)

# (group code, group name, [(type code, type name, queue-system aliases, handling s, wait s)])
DEFAULT_TABLE = [
    ("cash", "现金业务", [
        ("deposit", "存款", ["现金存款", "存现"], 180, 900),
        ("withdrawal", "取款", ["现金取款", "取现"], 180, 900),
    ]),
    ("transfer", "转账汇款", [
        ("transfer", "转账汇款", ["转账", "汇款", "跨行转账"], 300, 900),
    ]),
    ("accounts", "账户与银行卡", [
        ("account-opening", "开户", ["个人开户", "新开户"], 600, 900),
        ("card-issue", "办卡", ["开卡", "借记卡办理"], 480, 900),
        ("loss-report", "挂失", ["挂失补卡", "口头挂失"], 300, 600),
    ]),
    ("forex", "外汇业务", [
        ("foreign-exchange", "外币兑换", ["外汇", "结售汇"], 480, 900),
    ]),
    ("wealth", "理财与投资", [
        ("wealth-purchase", "理财产品购买", ["理财", "购买理财"], 720, 900),
    ]),
]  # fmt: skip
