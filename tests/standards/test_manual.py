"""The bank's own service manual: imported from CSV or Excel, versioned, never changing what a
published template shows; and the shipped default catalogue's structure."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from standards.catalogue import seed_catalogue
from standards.models import (
    CatalogueImport,
    ServiceProcess,
    StandardScenario,
    TemplateItem,
)
from standards.services import template_publish

UPLOAD = reverse("admin:standards_catalogueimport_upload")

# A manual as a bank keeps it: its own header texts, columns in its own order, a column the
# catalogue does not read.
HEADERS = ["序号", "备注", "服务流程", "服务情景", "标准话术", "服务动作", "责任岗位", "关键控制点"]
ROWS = [
    ["1", "新版", "开门迎客", "营业前五分钟", "", "大门两侧列队", "大堂经理", "列队准时"],
    ["2", "", "开门迎客", "首批客户进门", "早上好，欢迎光临××银行！", "齐声问候", "全体员工",
     "齐声"],
    ["3", "", "业务咨询", "客户走近柜台", "您好，请问办理什么业务？", "起身相迎", "柜员", "起身"],
]  # fmt: skip


def csv_file(rows, *, headers=HEADERS, encoding="gbk", name="手册.csv"):
    text = "\r\n".join(",".join(cells) for cells in [headers, *rows]) + "\r\n"
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


def xlsx_file(rows, *, headers=HEADERS, name="手册.xlsx"):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for cells in rows:
        # Excel keeps a number as a number: the scenario number arrives as an int.
        sheet.append([int(cells[0]), *cells[1:]])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def upload(client, file):
    response = client.post(UPLOAD, {"file": file})
    assert response.status_code == 302, response.context["form"].errors
    return response.url


def mapping(response):
    """The mapping form's current choices, to post them back."""
    form = response.context["form"]
    return {name: form[name].value() or "" for name in form.fields}


def import_file(client, file):
    map_url = upload(client, file)
    page = client.get(map_url)
    return page, client.post(map_url, {**mapping(page), "import": "1"})


@pytest.fixture
def hq_client(hq, login):
    return login(hq)


# --- the default catalogue -------------------------------------------------------------------


def test_it_ships_eight_processes_with_scenarios_numbered_straight_through(catalogue):
    assert ServiceProcess.objects.count() == 8
    scenarios = list(StandardScenario.objects.current().order_by("number"))
    assert [s.number for s in scenarios] == list(range(1, 39))
    assert all(s.responsible_roles and s.key_control_points for s in scenarios)
    assert {s.process.name for s in scenarios[:5]} == {"开门迎客"}


def test_the_daily_check_has_counter_conduct_forbidden_phrases_and_queue_discipline(catalogue):
    texts = set(catalogue.daily.current_version.items.values_list("text", flat=True))
    assert {"递接证件、单据、现金时双手递接", "现金当面清点，唱收唱付", "使用普通话服务"} <= texts
    assert "未使用服务忌语" in texts
    assert "按叫号顺序办理，无插号" in texts
    forbidden = StandardScenario.objects.current().get(title="服务忌语")
    assert "不归我管" in forbidden.expected_action


def test_seeding_again_changes_nothing(catalogue):
    before = list(StandardScenario.objects.values_list("pk", "number", "revision"))
    seed_catalogue()
    assert list(StandardScenario.objects.values_list("pk", "number", "revision")) == before


# --- importing the bank's manual -------------------------------------------------------------


def test_it_imports_a_gbk_csv_with_shuffled_columns_and_shows_the_exact_phrase(
    catalogue, hq_client
):
    page, response = import_file(hq_client, csv_file(ROWS))
    # The columns were found by their header texts, whatever their order.
    assert mapping(page)["standard_phrase"] == "标准话术"
    assert mapping(page)["number"] == "序号"
    assert "备注" in page.content.decode()  # listed as not imported
    assert response.status_code == 302
    record = CatalogueImport.objects.get()
    assert (record.created_scenarios, record.revised_scenarios) == (0, 3)
    opening = StandardScenario.objects.current().get(number=2)
    assert opening.standard_phrase == "早上好，欢迎光临××银行！"
    assert opening.revision == 2
    # The mystery-shopper draft's item now carries the bank's exact phrase ...
    item = TemplateItem.objects.get(
        section__template=catalogue.mystery, text="进门时有员工主动问候"
    )
    assert item.scenario.standard_phrase == "早上好，欢迎光临××银行！"
    # ... while the published version still shows the phrase it was published with.
    published = catalogue.mystery.current_version.items.get(text="进门时有员工主动问候")
    assert published.scenario.standard_phrase == "您好，欢迎光临！"
    assert "神秘访客暗访表" in record.changed_drafts
    # Publishing the draft makes a new version with the bank's phrase.
    version = template_publish(template=catalogue.mystery, by=None)
    assert version.number == 2
    assert (
        version.items.get(text="进门时有员工主动问候").scenario.standard_phrase
        == "早上好，欢迎光临××银行！"
    )


def test_the_same_file_twice_changes_nothing(catalogue, hq_client):
    import_file(hq_client, xlsx_file(ROWS))
    before = list(StandardScenario.objects.values_list("pk", "revision", "standard_phrase"))
    drafts = list(TemplateItem.objects.values_list("pk", "scenario_id"))
    page, response = import_file(hq_client, xlsx_file(ROWS))
    assert "0 条新增，0 条修订，3 条无变化" in page.content.decode()
    assert response.status_code == 302
    assert list(StandardScenario.objects.values_list("pk", "revision", "standard_phrase")) == (
        before
    )
    assert list(TemplateItem.objects.values_list("pk", "scenario_id")) == drafts


def test_an_xlsx_adds_new_scenarios_and_new_processes(catalogue, hq_client):
    rows = [
        [
            "39",
            "",
            "厅堂安全",
            "客户在大厅晕倒",
            "",
            "立即呼叫急救并疏散围观",
            "大堂经理",
            "3分钟内呼叫",
        ]
    ]
    import_file(hq_client, xlsx_file(rows))
    scenario = StandardScenario.objects.current().get(number=39)
    assert scenario.process.name == "厅堂安全"
    assert scenario.title == "客户在大厅晕倒"  # no title column: the start of the situation
    assert scenario.key_control_points == "3分钟内呼叫"


def test_bad_rows_are_listed_in_chinese_and_nothing_is_written(catalogue, hq_client):
    rows = [
        ["1", "", "开门迎客", "", "", "列队", "", ""],  # no situation
        ["二", "", "开门迎客", "进门", "", "问候", "", ""],  # not a number
        ["3", "", "业务咨询", "走近", "", "起身", "", ""],
        ["3", "", "业务咨询", "走近", "", "起身", "", ""],  # 3 again
    ]
    before = StandardScenario.objects.count()
    _page, response = import_file(hq_client, csv_file(rows, encoding="utf-8-sig"))
    content = response.content.decode()
    assert response.status_code == 200
    assert "没有导入任何内容：3 行需要更正" in content
    assert "“服务情景”为空" in content
    assert "场景编号“二”不是从 1 起的整数" in content
    assert "场景编号 3 与第 4 行重复" in content
    assert StandardScenario.objects.count() == before
    assert CatalogueImport.objects.get().status == CatalogueImport.Status.UPLOADED


def test_unknown_columns_must_be_mapped_before_anything_is_imported(catalogue, hq_client):
    headers = ["A", "B", "C", "D"]
    before = StandardScenario.objects.count()
    _page, response = import_file(
        hq_client, csv_file([["1", "开门迎客", "进门", "问候"]], headers=headers)
    )
    assert "请选择“服务流程”对应的列。" in response.content.decode()
    assert StandardScenario.objects.count() == before
    # Mapped by hand, the same file imports.
    map_url = reverse(
        "admin:standards_catalogueimport_map", args=[CatalogueImport.objects.get().pk]
    )
    chosen = {"number": "A", "process": "B", "situation": "C", "expected_action": "D"}
    assert hq_client.post(map_url, {**chosen, "import": "1"}).status_code == 302
    assert StandardScenario.objects.current().get(number=1).revision == 2


def test_a_file_in_neither_utf8_nor_gbk_is_refused_in_chinese(catalogue, hq_client):
    junk = SimpleUploadedFile("手册.csv", b"\xff\xfe\xfa\xfb,\x80\x81\xfe\xff\r\n" * 10)
    response = hq_client.post(UPLOAD, {"file": junk})
    assert response.status_code == 200
    assert "文件编码既不是 UTF-8 也不是 GBK" in response.content.decode()
    assert not CatalogueImport.objects.exists()


def test_an_outlet_user_may_not_import_the_manual(catalogue, outlet_user, login):
    assert login(outlet_user).get(UPLOAD).status_code == 403


def test_a_phrase_edited_in_the_admin_is_a_new_revision_published_versions_do_not_show(
    catalogue, hq_client
):
    greeting = StandardScenario.objects.current().get(number=2)
    url = reverse("admin:standards_standardscenario_change", args=[greeting.pk])
    fields = ["title", "situation", "expected_action", "responsible_roles", "key_control_points"]
    response = hq_client.post(
        url,
        {
            "process": greeting.process_id,
            **{name: getattr(greeting, name) for name in fields},
            "standard_phrase": "您好，欢迎光临本行！",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    current = StandardScenario.objects.current().get(number=2)
    assert (current.revision, current.standard_phrase) == (2, "您好，欢迎光临本行！")
    published = catalogue.mystery.current_version.items.get(text="进门时有员工主动问候")
    assert published.scenario.standard_phrase == "您好，欢迎光临！"
    draft = TemplateItem.objects.get(
        section__template=catalogue.mystery, text="进门时有员工主动问候"
    )
    assert draft.scenario == current
