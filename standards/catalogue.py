"""The bank's starting standards catalogue and checklist templates (reference data, Chinese).

Written from the service manual summarised in DOMAIN.md section 3: eight processes, 38
scenarios numbered straight through, each with its responsible roles and key control points.
`seed_catalogue()` is idempotent: only scenario numbers the catalogue lacks are written (as an
import of the default manual, services.catalogue_apply), and a template is created and
published only if it does not exist yet, so edits made later in the admin are never undone;
a daily template installed from the earlier default gets the opening and closing checks added
since, once (_update_daily_template). It runs from `seed_demo` and from
`manage.py seed_standards_catalogue` (for a real bank, and again after an upgrade).
"""

from django.db import transaction

from .manual import ManualPlan, ManualRow, compare_with_catalogue
from .models import (
    AnswerType,
    ChecklistPart,
    ChecklistTemplate,
    ServiceProcess,
    StandardScenario,
    TemplateItem,
    TemplateKind,
    TemplateSection,
    VersionItem,
    VersionSection,
)
from .services import ITEM_RULE_FIELDS, catalogue_apply, template_publish

# code, name, [(number, title, situation, expected action, standard phrase, responsible roles,
# key control points)]. Numbers run straight through the manual, as the bank's manual has them.
PROCESSES = [
    ("opening", "开门迎客", [
        (1, "营业前列队", "营业开始前五分钟，网点准备开门。",
         "当班员工在大门两侧列队，面带微笑，仪容整齐。",
         "", "网点负责人、大堂经理、当班员工",
         "列队时间准确；人员到齐；着装和工号牌符合规范。"),
        (2, "集体迎候首批客户", "开门后首批客户进入大厅。",
         "列队员工微微鞠躬并做出迎宾手势，齐声问候；大堂经理引导客户到叫号机取号。",
         "您好，欢迎光临！", "当班员工、大堂经理",
         "齐声问候；鞠躬和迎宾手势到位；首批客户均被引导取号。"),
        (3, "有序散队", "首批客户进入后。",
         "列队员工按既定路线回到各自岗位，不从大门正前方穿行。",
         "", "当班员工",
         "散队路线不穿过入口；员工一分钟内到岗。"),
        (4, "营业前检查", "开门前十五分钟。",
         "大堂经理检查大厅环境、叫号机、自助设备、宣传资料和便民用品，发现问题立即处理或报告。",
         "", "大堂经理",
         "检查逐项完成并记录；设备故障已报修；公示资料为最新版本。"),
        (5, "班前晨会", "每日营业前。",
         "网点负责人召开晨会，通报当日重点业务、风险提示和服务要求。",
         "", "网点负责人",
         "晨会每日召开并有记录；当日风险提示传达到每位员工。"),
    ]),
    ("consultation", "业务咨询", [
        (6, "起身迎接", "客户走近柜台或咨询台。",
         "员工起身相迎，目视客户，主动问候。",
         "您好，请问有什么可以帮您？", "大堂经理、咨询岗员工",
         "客户走近三米内起身；目光交流；主动问候。"),
        (7, "复述确认", "客户提出问题后。",
         "员工复述客户的问题加以确认，再作解答。",
         "您是想了解……，对吗？", "大堂经理、咨询岗员工",
         "先复述再解答；不打断客户。"),
        (8, "确认理解并询问其他需求", "解答完毕。",
         "确认客户已经听懂，并询问是否还有其他需要。",
         "请问我说清楚了吗？还有什么可以帮您？", "大堂经理、咨询岗员工",
         "确认客户理解；询问其他需要。"),
        (9, "电话咨询", "网点电话铃响。",
         "铃响三声内接听，先报网点名称，耐心解答，结束时等客户先挂机。",
         "您好，这里是××银行××支行，请问有什么可以帮您？", "网点全体员工",
         "三声内接听；报网点名称；客户先挂机。"),
        (10, "无法当场解答", "客户的问题超出员工所知。",
         "不说“不知道”，请教同事或记下客户联系方式，约定回复时间并按时回复。",
         "这个问题我需要向相关部门确认，会在约定时间前给您回复。", "大堂经理、咨询岗员工",
         "不推诿；记录联系方式；按约定时间回复。"),
    ]),
    ("reception", "业务接待", [
        (11, "首问负责", "客户向任何一位员工提出需求。",
         "首位接待的员工负责到底；超出权限的，亲自引导或移交给相应岗位，不推诿。",
         "这件事由我来帮您联系，请稍等。", "网点全体员工",
         "首问员工跟进到底；移交时向接手员工说明情况。"),
        (12, "一次性告知", "客户办理的业务需要准备材料。",
         "一次性完整告知所需材料和流程，避免客户多次往返。",
         "办理这项业务需要带齐以下材料……", "柜员、大堂经理",
         "材料和流程一次讲全；提供书面清单。"),
        (13, "叫号迎候", "柜员叫号，客户来到柜台。",
         "柜员起身或抬头微笑迎候，主动问候并询问业务。",
         "您好，请问办理什么业务？", "柜员",
         "叫号后主动问候；目视客户。"),
        (14, "双手递接", "递接客户的证件、单据、银行卡或现金。",
         "双手递接，轻拿轻放，不抛不扔；递出时正面朝向客户。",
         "请收好您的证件和银行卡。", "柜员",
         "递接双手；物品正面朝向客户；不抛掷。"),
        (15, "唱收唱付", "办理现金存取款。",
         "当着客户的面清点现金，唱收唱付，请客户核对金额后再确认。",
         "收您现金××元，请您核对。", "柜员",
         "现金在客户视线内清点；金额复述；客户确认后办理。"),
        (16, "普通话服务", "接待客户全过程。",
         "使用普通话；客户使用方言或外语时，尽量用客户听得懂的语言服务。",
         "", "网点全体员工",
         "普通话服务；对听不懂的客户换用合适语言或请同事协助。"),
        (17, "临时离柜", "柜员因故需要暂时离开柜台。",
         "放置“暂停服务”牌，向排队客户致歉并引导到其他窗口。",
         "对不起，请您到×号窗口办理，谢谢配合。", "柜员",
         "暂停服务牌摆放；告知等候客户；离柜时间符合规定。"),
        (18, "服务忌语", "与客户交流的任何时候。",
         "不使用服务忌语，如“不知道”“不归我管”“你问别人去”“快下班了，明天再来”“没看见我正忙着吗”“上面写着呢，自己看”。",
         "请稍等，我帮您问一下。", "网点全体员工",
         "无服务忌语；客户不满时先致歉再解释。"),
        (19, "送别客户", "业务办理完毕。",
         "提醒客户带好随身物品，微笑道别。",
         "请收好您的物品，请慢走，再见。", "柜员、大堂经理",
         "提醒随身物品；有送别声。"),
    ]),
    ("diversion", "客户分流", [
        (20, "识别排队客户需求", "等候区客户较多。",
         "大堂经理主动询问排队客户办理的业务，能在自助设备办理的引导至自助区。",
         "这项业务在自助设备上就能办理，我带您过去。", "大堂经理",
         "主动询问；可分流业务及时引导至自助设备。"),
        (21, "排队过长时开窗", "等候人数超过网点规定。",
         "及时报告网点负责人增开窗口或启用弹性柜台。",
         "", "大堂经理、网点负责人",
         "超过规定人数时增开窗口；增开有记录。"),
        (22, "按号顺序办理", "客户等候办理。",
         "严格按叫号顺序办理，不插号，不为熟人或关系客户优先办理。",
         "请您按取号顺序稍候，谢谢您的配合。", "柜员、大堂经理",
         "叫号顺序与取号顺序一致；无插号。"),
        (23, "特殊客户优先", "老、弱、病、残、孕客户来办理业务。",
         "主动上前搀扶或引导，安排到爱心座椅，符合规定的优先办理。",
         "您先坐，我帮您安排优先办理。", "大堂经理",
         "特殊客户识别及时；优先办理有安排。"),
        (24, "等候关怀", "客户等候时间较长。",
         "主动致歉，提供饮水和报刊，告知大约的等候时间。",
         "让您久等了，前面还有几位客户，请您稍候。", "大堂经理",
         "主动致歉；告知预计等候时间。"),
    ]),
    ("education", "客户教育", [
        (25, "自助设备使用指导", "客户第一次使用自助设备。",
         "在旁耐心演示，提醒客户保护密码，不代客户操作。",
         "请您自己输入密码，我帮您看着步骤。", "大堂经理、自助设备服务人员",
         "不代客户操作；不接触客户密码和银行卡。"),
        (26, "防范电信诈骗提示", "客户办理大额转账。",
         "主动询问转账用途，提示常见诈骗手法。",
         "请问这笔钱是转给谁的？最近冒充客服的诈骗比较多，请您留意。", "柜员、大堂经理",
         "大额转账询问用途；可疑情况报告网点负责人。"),
        (27, "个人信息保护", "客户填写单据或输入密码。",
         "提醒客户遮挡密码、不向他人透露验证码，废弃单据当面销毁。",
         "请您遮挡一下密码，验证码不要告诉任何人。", "柜员、大堂经理",
         "提醒保护密码和验证码；废弃单据当面销毁。"),
    ]),
    ("marketing", "产品营销", [
        (28, "适当性了解", "向客户介绍理财产品前。",
         "先了解客户的风险承受能力，只推荐与之相符的产品，如实说明风险。",
         "理财非存款，产品有风险，投资须谨慎。", "理财经理、柜员",
         "风险评估在有效期内；产品风险等级与客户相符；风险提示到位。"),
        (29, "不强行营销", "客户明确表示不需要。",
         "礼貌结束介绍，不反复纠缠。",
         "好的，您有需要随时找我。", "理财经理、大堂经理、柜员",
         "客户拒绝后不再推荐。"),
        (30, "销售录音录像", "客户购买理财或代销产品。",
         "在录音录像区办理，完整录制风险提示和客户确认。",
         "为了保护您的权益，这次办理会全程录音录像。", "理财经理",
         "“双录”完整；录制内容可回放。"),
    ]),
    ("complaints", "投诉处理", [
        (31, "投诉苗头", "客户面露不满或语气激动。",
         "主动上前询问，在矛盾升级前安抚客户、了解原因。",
         "您好，看您有些着急，我能帮您做点什么？", "大堂经理、网点全体员工",
         "及时发现并上前；先安抚情绪再解决问题。"),
        (32, "隔离处理", "客户在大厅大声投诉。",
         "礼貌地请客户到贵宾室或洽谈室详谈，避免影响其他客户。",
         "这边比较安静，我们坐下来慢慢说，好吗？", "大堂经理、网点负责人",
         "引导到安静场所；网点负责人到场。"),
        (33, "登记与答复时限", "客户提出投诉。",
         "当场登记，告知处理人和预计答复时间，移交投诉管理人。",
         "您的意见我已经记下，我们会在约定时间内给您答复。", "大堂经理、投诉管理人",
         "当场登记；告知答复时限；按时答复。"),
        (34, "意见簿回复", "客户在意见簿上留言。",
         "大堂经理每日查阅意见簿，当日登记，按时限回复客户。",
         "", "大堂经理",
         "每日查阅；留言登记；回复有记录。"),
        (35, "处理后回访", "投诉处理完毕。",
         "回访客户，确认对处理结果是否满意，记录回访结果。",
         "您好，上次您反映的问题已经处理，请问您对结果还满意吗？", "投诉管理人",
         "回访及时；结果记录；不满意的重新处理。"),
    ]),
    ("retention", "挽留客户", [
        (36, "销户挽留", "客户要求销户或转出资金。",
         "了解原因，针对不满之处说明改进措施，尊重客户最终选择。",
         "请问是我们哪里做得不好吗？您的意见对我们很重要。", "柜员、大堂经理",
         "询问原因；记录意见；不设障碍。"),
        (37, "大额资金转出", "客户一次转出大额资金。",
         "了解资金去向和客户需求，介绍本行相符的产品或服务，报告客户经理跟进。",
         "请问您对资金有什么打算？我们也有适合您的安排。", "柜员、客户经理",
         "了解原因；客户经理跟进；不强留。"),
        (38, "流失客户回访", "客户近期销户或资产大幅下降。",
         "客户经理电话回访，了解原因，反馈网点改进。",
         "您好，我是××支行的客户经理，想听听您对我们服务的意见。", "客户经理",
         "回访有记录；意见反馈网点负责人。"),
    ]),
]  # fmt: skip


def default_rows():
    """The default catalogue as the rows of a manual file (what an import reads)."""
    return [
        {
            "process": name,
            "number": number,
            "title": title,
            "situation": situation,
            "expected_action": action,
            "standard_phrase": phrase,
            "responsible_roles": roles,
            "key_control_points": points,
        }
        for _code, name, scenarios in PROCESSES
        for number, title, situation, action, phrase, roles, points in scenarios
    ]


# The part of the outlet's day a section is checked in (standards.due).
OPENING, DAYTIME, CLOSING = ChecklistPart.OPENING, ChecklistPart.DAYTIME, ChecklistPart.CLOSING

# Sections: (title, part of the day, items). Item tuples: (text, scenario number or None,
# critical, photo on failure).
DAILY = (
    "daily-self-check",
    "网点每日服务自查表",
    TemplateKind.DAILY,
    "大堂经理每个营业日填写：营业前检查在开门前完成，营业中检查随时填写，营业终了检查在关门后完成并提交。",
    [
        ("营业前·网点环境", OPENING, [
            ("营业大厅整洁明亮，地面、台面无杂物", None, False, True),
            ("等候区饮用水、报刊、笔和填单样本齐备", None, False, False),
            ("门前通道和无障碍设施畅通", None, False, True),
        ]),
        ("营业前·设备", OPENING, [
            ("叫号机工作正常", None, True, False),
            ("自助设备（ATM、智能柜台）正常运行", None, True, False),
            ("照明、空调、电子显示屏工作正常", None, False, False),
            ("监控录像和报警装置运行正常", None, True, False),
        ]),
        ("营业前·现金与凭证", OPENING, [
            ("尾箱出库双人交接，现金和重要空白凭证核对无误", None, True, False),
            ("柜员个人名章、业务印章领用登记相符", None, True, False),
        ]),
        ("营业前·服务标识", OPENING, [
            ("投诉电话标识和客户意见簿摆放在醒目位置", 33, True, True),
            ("收费标准公示齐全、内容为最新版本", None, True, True),
            ("营业时间和服务承诺公示牌摆放正确", None, False, True),
            ("暂停服务牌、爱心窗口等服务标识齐备", None, False, False),
        ]),
        ("开门迎客", DAYTIME, [
            ("营业前员工在大门两侧列队", 1, False, False),
            ("准时开门，集体问候并行礼迎客", 2, False, False),
            ("大堂经理引导客户取号", 2, False, False),
            ("列队有序散开，未从大门正前方穿行", 3, False, False),
        ]),
        ("仪容仪表", DAYTIME, [
            ("在岗员工统一着装，整洁得体", None, False, False),
            ("佩戴工号牌", None, False, False),
            ("发型、妆容、饰物符合规范", None, False, False),
        ]),
        ("服务规范", DAYTIME, [
            ("使用十字文明用语：请、您好、谢谢、对不起、再见", None, False, False),
            ("三声服务：客户来有迎声", 6, False, False),
            ("三声服务：客户问有答声", 7, False, False),
            ("三声服务：客户走有送声", 19, False, False),
            ("落实首问负责制，不推诿客户", 11, True, False),
            ("业务需要的材料和流程一次性告知", 12, False, False),
            ("电话铃响三声内接听", 9, False, False),
            ("客户走近时起身相迎，解答后确认客户已理解", 8, False, False),
        ]),
        ("柜面服务", DAYTIME, [
            ("递接证件、单据、现金时双手递接", 14, False, False),
            ("现金当面清点，唱收唱付", 15, True, False),
            ("使用普通话服务", 16, False, False),
            ("临时离柜时摆放暂停服务牌并告知客户", 17, False, False),
            ("未使用服务忌语", 18, True, False),
        ]),
        ("服务纪律（十不准）", DAYTIME, [
            ("不在岗位上接打私人电话", None, False, False),
            ("不因私事离岗", None, False, False),
            ("不吸烟、不吃东西、不酒后上岗", None, True, False),
            ("不串岗闲聊", None, False, False),
            ("不怠慢、不顶撞、不刁难客户", None, True, False),
            ("不议论客户", None, False, False),
            ("不以权谋私", None, True, False),
            ("不在柜台看报纸、喝饮料", None, False, False),
            ("不把个人情绪带到工作中", None, False, False),
            ("不上网娱乐", None, False, False),
        ]),
        ("等候管理", DAYTIME, [
            ("排队较长时及时分流或增开窗口", 21, False, False),
            ("引导客户使用自助设备办理业务", 20, False, False),
            ("按叫号顺序办理，无插号", 22, True, False),
            ("关照等候客户，老弱病残孕优先", 23, False, False),
            ("发现投诉苗头主动上前化解", 31, True, False),
        ]),
        ("营业终了·厅堂", CLOSING, [
            ("营业结束前仍在厅内的客户全部办理完毕", None, False, False),
            ("礼貌送别最后一位客户", None, False, False),
            ("整理大厅、补充宣传资料和填单用品", None, False, False),
        ]),
        ("营业终了·安全检查", CLOSING, [
            ("清场检查：厅堂、卫生间、自助区无人员滞留", None, True, False),
            ("保险柜、档案柜上锁，钥匙和密码分人保管", None, True, False),
            ("报警装置布防，监控录像正常录制", None, True, False),
        ]),
        ("营业终了·凭证与现金", CLOSING, [
            ("现金和重要空白凭证双人核对后入库，尾箱上缴", None, True, False),
            ("当日业务凭证整理、装订并交接", None, False, False),
        ]),
        ("营业终了·设备关闭", CLOSING, [
            ("关闭不需运行的设备和照明，门窗锁好", None, True, False),
            ("柜员终端全部签退", None, False, False),
        ]),
    ],
)  # fmt: skip

# What a bank that installed an earlier default catalogue lacks, added to its daily template by
# `seed_catalogue` (update_daily_template): the opening and closing checks of the outlet's day.
# The earlier default had one section for each, checked during the day.
EARLIER_OPENING_SECTION, EARLIER_CLOSING_SECTION = "营业前准备", "营业结束"
OPENING_AND_CLOSING_UPDATE_NOTE = "默认目录更新：营业前、营业终了检查分时段"


def _items_added_since_the_earlier_default():
    """(section title, part, items) of the default daily template that the earlier one did not
    have: every item of an opening or closing section but those it had (matched by text)."""
    earlier = {
        "营业大厅整洁明亮，地面、台面无杂物",
        "等候区饮用水、报刊、笔和填单样本齐备",
        "叫号机工作正常",
        "自助设备（ATM、智能柜台）正常运行",
        "照明、空调、电子显示屏工作正常",
        "投诉电话标识和客户意见簿摆放在醒目位置",
        "收费标准公示齐全、内容为最新版本",
        "营业结束前仍在厅内的客户全部办理完毕",
        "礼貌送别最后一位客户",
        "整理大厅、补充宣传资料和填单用品",
        "关闭不需运行的设备和照明，门窗锁好",
    }
    return [
        (title, part, [item for item in items if item[0] not in earlier])
        for title, part, items in DAILY[4]
        if part != DAYTIME and any(item[0] not in earlier for item in items)
    ]


# Mystery-shopper items are scored 0–5 (the shopper's judgement), weighted by importance.
MYSTERY = (
    "mystery-shopper",
    "神秘访客暗访表",
    TemplateKind.MYSTERY_SHOPPER,
    "神秘访客以普通客户身份到访后填写，每项 0–5 分。",
    [
        ("进门与等候", DAYTIME, [
            ("进门时有员工主动问候", 2, 2),
            ("大堂经理询问需求并引导取号或分流", 20, 2),
            ("等候环境整洁舒适", None, 1),
        ]),
        ("称呼与仪表", DAYTIME, [
            ("员工称呼客户得体，使用文明用语", None, 2),
            ("员工着装整洁、佩戴工号牌", None, 1),
            ("员工面带微笑，目光交流自然", None, 2),
        ]),
        ("业务办理", DAYTIME, [
            ("复述确认客户需求", 7, 2),
            ("一次性告知所需材料和流程", 12, 2),
            ("双手递接证件和单据", 14, 1),
            ("现金当面清点，唱收唱付", 15, 2),
            ("全程未使用服务忌语", 18, 3),
            ("按叫号顺序办理，未见插号", 22, 2),
            ("营销时如实说明产品风险", 28, 3),
            ("办理结束询问是否还有其他需要", 8, 1),
        ]),
        ("主动服务", DAYTIME, [
            ("主动提示防范诈骗或保护密码", 26, 2),
            ("离开时有送别", None, 1),
        ]),
    ],
)  # fmt: skip


def _scenario_index():
    return {s.number: s for s in StandardScenario.objects.current()}


def _seed_processes():
    """The eight processes by their codes, then the default manual's scenarios whose numbers
    the catalogue does not have yet. A number the bank has is left alone: its wording may be
    the bank's own (imported from its manual), which the default must not replace."""
    for position, (code, name, _scenarios) in enumerate(PROCESSES, start=1):
        ServiceProcess.objects.get_or_create(
            code=code, defaults={"name": name, "position": position}
        )
    rows = [ManualRow(number=n, values=values) for n, values in enumerate(default_rows(), 2)]
    plan = compare_with_catalogue(ManualPlan(rows=rows))
    plan.rows = [row for row in plan.rows if row.action == ManualRow.NEW]
    catalogue_apply(plan=plan)


def _seed_template(spec, item_fields):
    code, name, kind, description, sections = spec
    template, created = ChecklistTemplate.objects.get_or_create(
        code=code, defaults={"name": name, "kind": kind, "description": description}
    )
    if not created:
        return template
    scenarios = _scenario_index()
    for s_pos, (title, part, items) in enumerate(sections, start=1):
        section = TemplateSection.objects.create(
            template=template, title=title, part=part, position=s_pos
        )
        TemplateItem.objects.bulk_create(
            TemplateItem(section=section, position=i_pos, **item_fields(item, scenarios))
            for i_pos, item in enumerate(items, start=1)
        )
    template_publish(template=template, by=None, note="初始版本")
    return template


def draft_is_published(template) -> bool:
    """Whether the template's draft is what its current version froze: no edit of the bank's is
    waiting to be published."""
    if template.current_version_id is None:
        return False

    def shape(sections):
        return [
            (s.title, s.part, s.position, [
                tuple(getattr(item, name) for name in ITEM_RULE_FIELDS) for item in s.items.all()
            ])
            for s in sections
        ]  # fmt: skip

    draft = template.sections.order_by("position", "id").prefetch_related("items")
    frozen = VersionSection.objects.filter(version=template.current_version_id).order_by(
        "position", "id"
    )
    return shape(draft) == shape(frozen.prefetch_related("items"))


def _update_daily_template(template):
    """Give a daily template installed from the earlier default its opening and closing checks:
    its 营业前准备 and 营业结束 sections become the opening and closing checks (they were
    daytime before parts existed) and get the new items; what the bank wrote is left as it is.

    Once only: a template that has any of the new items (in its draft or a version) is left
    alone, so an item the bank deleted afterwards does not come back. The draft is published as
    a new version (checklists keep the version they were filled against) unless the bank has
    edits waiting in it, which are its own to publish: the items then wait in the draft too."""
    added = _items_added_since_the_earlier_default()
    texts = [item[0] for _title, _part, items in added for item in items]
    if (
        TemplateItem.objects.filter(section__template=template, text__in=texts).exists()
        or VersionItem.objects.filter(version__template=template, text__in=texts).exists()
    ):
        return
    publish = draft_is_published(template)
    sections = list(template.sections.order_by("position", "id"))
    earlier = {EARLIER_OPENING_SECTION: OPENING, EARLIER_CLOSING_SECTION: CLOSING}
    for section in sections:
        if section.part == DAYTIME and section.title in earlier:
            section.part = earlier[section.title]
            section.save(update_fields=["part"])
    scenarios = _scenario_index()
    for title, part, items in added:
        section = next((s for s in sections if s.title == title), None) or next(
            (s for s in sections if s.part == part and s.title in earlier), None
        )
        if section is None:
            positions = [s.position for s in sections] or [1]
            position = max(min(positions) - 1, 0) if part == OPENING else max(positions) + 1
            section = TemplateSection.objects.create(
                template=template, title=title, part=part, position=position
            )
            sections.append(section)
        last = section.items.order_by("-position").values_list("position", flat=True).first()
        for offset, item in enumerate(items, start=1):
            # One by one, not in bulk: each new item is in the draft's history.
            TemplateItem.objects.create(
                section=section, position=(last or 0) + offset, **_daily_item(item, scenarios)
            )
    if publish:
        template_publish(template=template, by=None, note=OPENING_AND_CLOSING_UPDATE_NOTE)


def _daily_item(item, scenarios):
    text, scenario, critical, photo = item
    return {
        "text": text,
        "scenario": scenarios.get(scenario),
        "is_critical": critical,
        "failure_needs_comment": True,
        "failure_needs_photo": photo,
        "weight": 3 if critical else 1,
    }


def _mystery_item(item, scenarios):
    text, scenario, weight = item
    return {
        "text": text,
        "scenario": scenarios.get(scenario),
        "answer_type": AnswerType.SCORE,
        "max_score": 5,
        "weight": weight,
        "failure_needs_comment": True,
    }


@transaction.atomic
def seed_catalogue():
    """Create what is missing of the starting catalogue and templates; return the templates."""
    _seed_processes()
    daily = _seed_template(DAILY, _daily_item)
    _update_daily_template(daily)
    return (daily, _seed_template(MYSTERY, _mystery_item))
