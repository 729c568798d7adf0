"""The bank's starting standards catalogue and checklist templates (reference data, Chinese).

Written from the service manual summarised in DOMAIN.md section 3. `seed_catalogue()` is
idempotent: rows are found by their codes and only missing ones are created, and a template is
published only if it has no version yet, so edits made later in the admin are never undone.
It runs from `seed_demo` and from `manage.py seed_standards_catalogue` (for a real bank).
"""

from django.db import transaction

from .models import (
    AnswerType,
    ChecklistTemplate,
    ServiceProcess,
    StandardScenario,
    TemplateItem,
    TemplateKind,
    TemplateSection,
)
from .services import template_publish

# code, name, [(title, situation, expected action, standard phrase)]
PROCESSES = [
    ("opening", "开门迎客", [
        ("营业前列队", "营业开始前五分钟，网点准备开门。",
         "当班员工在大门两侧列队，面带微笑，仪容整齐。",
         ""),
        ("集体迎候首批客户", "开门后首批客户进入大厅。",
         "列队员工微微鞠躬并做出迎宾手势，齐声问候；大堂经理引导客户到叫号机取号。",
         "您好，欢迎光临！"),
        ("有序散队", "首批客户进入后。",
         "列队员工按既定路线回到各自岗位，不从大门正前方穿行。",
         ""),
    ]),
    ("consultation", "业务咨询", [
        ("起身迎接", "客户走近柜台或咨询台。",
         "员工起身相迎，目视客户，主动问候。",
         "您好，请问有什么可以帮您？"),
        ("复述确认", "客户提出问题后。",
         "员工复述客户的问题加以确认，再作解答。",
         "您是想了解……，对吗？"),
        ("确认理解并询问其他需求", "解答完毕。",
         "确认客户已经听懂，并询问是否还有其他需要。",
         "请问我说清楚了吗？还有什么可以帮您？"),
    ]),
    ("reception", "业务接待", [
        ("首问负责", "客户向任何一位员工提出需求。",
         "首位接待的员工负责到底；超出权限的，亲自引导或移交给相应岗位，不推诿。",
         "这件事由我来帮您联系，请稍等。"),
        ("一次性告知", "客户办理的业务需要准备材料。",
         "一次性完整告知所需材料和流程，避免客户多次往返。",
         "办理这项业务需要带齐以下材料……"),
    ]),
    ("diversion", "客户分流", [
        ("识别排队客户需求", "等候区客户较多。",
         "大堂经理主动询问排队客户办理的业务，能在自助设备办理的引导至自助区。",
         "这项业务在自助设备上就能办理，我带您过去。"),
        ("排队过长时开窗", "等候人数超过网点规定。",
         "及时报告网点负责人增开窗口或启用弹性柜台。",
         ""),
    ]),
    ("education", "客户教育", [
        ("自助设备使用指导", "客户第一次使用自助设备。",
         "在旁耐心演示，提醒客户保护密码，不代客户操作。",
         "请您自己输入密码，我帮您看着步骤。"),
        ("防范电信诈骗提示", "客户办理大额转账。",
         "主动询问转账用途，提示常见诈骗手法。",
         "请问这笔钱是转给谁的？最近冒充客服的诈骗比较多，请您留意。"),
    ]),
    ("marketing", "产品营销", [
        ("适当性了解", "向客户介绍理财产品前。",
         "先了解客户的风险承受能力，只推荐与之相符的产品，如实说明风险。",
         "理财非存款，产品有风险，投资须谨慎。"),
        ("不强行营销", "客户明确表示不需要。",
         "礼貌结束介绍，不反复纠缠。",
         "好的，您有需要随时找我。"),
    ]),
    ("complaints", "投诉处理", [
        ("投诉苗头", "客户面露不满或语气激动。",
         "主动上前询问，在矛盾升级前安抚客户、了解原因。",
         "您好，看您有些着急，我能帮您做点什么？"),
        ("隔离处理", "客户在大厅大声投诉。",
         "礼貌地请客户到贵宾室或洽谈室详谈，避免影响其他客户。",
         "这边比较安静，我们坐下来慢慢说，好吗？"),
        ("登记与答复时限", "客户提出投诉。",
         "当场登记，告知处理人和预计答复时间，移交投诉管理人。",
         "您的意见我已经记下，我们会在约定时间内给您答复。"),
    ]),
    ("retention", "挽留客户", [
        ("销户挽留", "客户要求销户或转出资金。",
         "了解原因，针对不满之处说明改进措施，尊重客户最终选择。",
         "请问是我们哪里做得不好吗？您的意见对我们很重要。"),
    ]),
]  # fmt: skip

# Item tuples: (text, scenario "process-code:number" or "", critical, photo on failure)
DAILY = (
    "daily-self-check",
    "网点每日服务自查表",
    TemplateKind.DAILY,
    "大堂经理每个营业日填写：营业前、开门、营业中、营业后的服务检查。",
    [
        ("营业前准备", [
            ("营业大厅整洁明亮，地面、台面无杂物", "", False, True),
            ("叫号机工作正常", "", True, False),
            ("自助设备（ATM、智能柜台）正常运行", "", True, False),
            ("照明、空调、电子显示屏工作正常", "", False, False),
            ("等候区饮用水、报刊、笔和填单样本齐备", "", False, False),
            ("投诉电话标识和客户意见簿摆放在醒目位置", "complaints:3", True, True),
            ("收费标准公示齐全、内容为最新版本", "", True, True),
        ]),
        ("开门迎客", [
            ("营业前员工在大门两侧列队", "opening:1", False, False),
            ("准时开门，集体问候并行礼迎客", "opening:2", False, False),
            ("大堂经理引导客户取号", "opening:2", False, False),
            ("列队有序散开，未从大门正前方穿行", "opening:3", False, False),
        ]),
        ("仪容仪表", [
            ("在岗员工统一着装，整洁得体", "", False, False),
            ("佩戴工号牌", "", False, False),
            ("发型、妆容、饰物符合规范", "", False, False),
        ]),
        ("服务规范", [
            ("使用十字文明用语：请、您好、谢谢、对不起、再见", "", False, False),
            ("三声服务：客户来有迎声", "consultation:1", False, False),
            ("三声服务：客户问有答声", "consultation:2", False, False),
            ("三声服务：客户走有送声", "", False, False),
            ("落实首问负责制，不推诿客户", "reception:1", True, False),
            ("业务需要的材料和流程一次性告知", "reception:2", False, False),
            ("电话铃响三声内接听", "", False, False),
            ("客户走近时起身相迎，解答后确认客户已理解", "consultation:3", False, False),
        ]),
        ("服务纪律（十不准）", [
            ("不在岗位上接打私人电话", "", False, False),
            ("不因私事离岗", "", False, False),
            ("不吸烟、不吃东西、不酒后上岗", "", True, False),
            ("不串岗闲聊", "", False, False),
            ("不怠慢、不顶撞、不刁难客户", "", True, False),
            ("不议论客户", "", False, False),
            ("不以权谋私", "", True, False),
            ("不在柜台看报纸、喝饮料", "", False, False),
            ("不把个人情绪带到工作中", "", False, False),
            ("不上网娱乐", "", False, False),
        ]),
        ("等候管理", [
            ("排队较长时及时分流或增开窗口", "diversion:2", False, False),
            ("引导客户使用自助设备办理业务", "diversion:1", False, False),
            ("关照等候客户，老弱病残孕优先", "", False, False),
            ("发现投诉苗头主动上前化解", "complaints:1", True, False),
        ]),
        ("营业结束", [
            ("营业结束前仍在厅内的客户全部办理完毕", "", False, False),
            ("礼貌送别最后一位客户", "", False, False),
            ("整理大厅、补充宣传资料和填单用品", "", False, False),
            ("关闭不需运行的设备和照明，门窗锁好", "", True, False),
        ]),
    ],
)  # fmt: skip

# Mystery-shopper items are scored 0–5 (the shopper's judgement), weighted by importance.
MYSTERY = (
    "mystery-shopper",
    "神秘访客暗访表",
    TemplateKind.MYSTERY_SHOPPER,
    "神秘访客以普通客户身份到访后填写，每项 0–5 分。",
    [
        ("进门与等候", [
            ("进门时有员工主动问候", "opening:2", 2),
            ("大堂经理询问需求并引导取号或分流", "diversion:1", 2),
            ("等候环境整洁舒适", "", 1),
        ]),
        ("称呼与仪表", [
            ("员工称呼客户得体，使用文明用语", "", 2),
            ("员工着装整洁、佩戴工号牌", "", 1),
            ("员工面带微笑，目光交流自然", "", 2),
        ]),
        ("业务办理", [
            ("复述确认客户需求", "consultation:2", 2),
            ("一次性告知所需材料和流程", "reception:2", 2),
            ("营销时如实说明产品风险", "marketing:1", 3),
            ("办理结束询问是否还有其他需要", "consultation:3", 1),
        ]),
        ("主动服务", [
            ("主动提示防范诈骗或保护密码", "education:2", 2),
            ("离开时有送别", "", 1),
        ]),
    ],
)  # fmt: skip


def _scenario_index():
    return {
        f"{s.process.code}:{s.number}": s
        for s in StandardScenario.objects.select_related("process")
    }


def _seed_processes():
    for position, (code, name, scenarios) in enumerate(PROCESSES, start=1):
        process, _created = ServiceProcess.objects.get_or_create(
            code=code, defaults={"name": name, "position": position}
        )
        for number, (title, situation, action, phrase) in enumerate(scenarios, start=1):
            StandardScenario.objects.get_or_create(
                process=process,
                number=number,
                defaults={
                    "title": title,
                    "situation": situation,
                    "expected_action": action,
                    "standard_phrase": phrase,
                },
            )


def _seed_template(spec, item_fields):
    code, name, kind, description, sections = spec
    template, created = ChecklistTemplate.objects.get_or_create(
        code=code, defaults={"name": name, "kind": kind, "description": description}
    )
    if not created:
        return template
    scenarios = _scenario_index()
    for s_pos, (title, items) in enumerate(sections, start=1):
        section = TemplateSection.objects.create(template=template, title=title, position=s_pos)
        TemplateItem.objects.bulk_create(
            TemplateItem(section=section, position=i_pos, **item_fields(item, scenarios))
            for i_pos, item in enumerate(items, start=1)
        )
    template_publish(template=template, by=None, note="初始版本")
    return template


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
    return (_seed_template(DAILY, _daily_item), _seed_template(MYSTERY, _mystery_item))
