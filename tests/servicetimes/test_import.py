"""Importing an outlet's queue-machine log: encodings, shuffled and unknown columns, bad rows,
all or nothing, the same file or day twice, the size limit, and customer names dropped."""

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from openpyxl import Workbook

from servicetimes import services
from servicetimes.generate import CSV_HEADERS, csv_bytes
from servicetimes.importing import guess_columns
from servicetimes.models import ColumnMapping, Ticket, TicketImport

from .conftest import DAY, log_rows, upload

COLUMNS = {
    "ticket_number": "票号",
    "transaction": "业务类型",
    "issued_at": "取号时间",
    "called_at": "叫号时间",
    "finished_at": "完成时间",
    "counter": "窗口号",
    "teller": "柜员号",
}


def import_file(org, head_a, data, name="queue.csv", columns=COLUMNS):
    ticket_import = services.ticket_import_upload(
        branch=org.a, upload=upload(data, name), by=head_a
    )
    return services.ticket_import_start(ticket_import=ticket_import, columns=columns, by=head_a)


@pytest.mark.parametrize("encoding", ["gbk", "utf-8", "utf-8-sig"])
def test_it_imports_a_csv_in_gbk_or_utf8_with_or_without_bom(org, tellers, head_a, encoding):
    rows = log_rows()
    done = import_file(org, head_a, csv_bytes(rows, encoding=encoding))
    assert done.status == TicketImport.Status.DONE, done.errors
    assert done.tickets == len(rows) == Ticket.objects.filter(branch=org.a).count()
    first = Ticket.objects.get(ticket_number="A001")
    assert first.transaction_type.name == rows[0]["type"]
    assert first.teller.code == rows[0]["teller"]
    assert first.wait_seconds == (rows[0]["called"] - rows[0]["issued"]).seconds
    assert first.standard is not None  # judged against the version in force that day


def test_shuffled_columns_map_by_their_names_and_the_mapping_is_saved(org, tellers, head_a):
    rows = log_rows()
    shuffled = csv_bytes(rows, order=[7, 4, 2, 0, 6, 1, 5, 3])
    ticket_import = services.ticket_import_upload(branch=org.a, upload=upload(shuffled), by=head_a)
    source = services.open_import(ticket_import)
    guessed = guess_columns(source.headers)
    assert guessed == COLUMNS
    services.ticket_import_start(ticket_import=ticket_import, columns=guessed, by=head_a)
    assert Ticket.objects.count() == len(rows)
    # The outlet's next file, with yet another order and a renamed header, maps itself.
    assert ColumnMapping.objects.get(branch=org.a).columns == COLUMNS
    renamed = ["号", *CSV_HEADERS[1:]]
    saved = {**COLUMNS, "ticket_number": "号"}
    ColumnMapping.objects.filter(branch=org.a).update(columns=saved)
    assert guess_columns(renamed, saved)["ticket_number"] == "号"


def test_customer_names_are_never_stored(org, tellers, head_a):
    rows = log_rows()
    import_file(org, head_a, csv_bytes(rows))
    stored = " ".join(str(v) for v in Ticket.objects.values_list(flat=False).first())
    assert "先生" not in stored
    assert all("先生" not in str(values) for values in Ticket.objects.values())
    # Nor is the file kept once imported.
    ticket_import = TicketImport.objects.get()
    assert not ticket_import.file


def test_a_file_with_bad_rows_is_refused_whole_with_the_rows_named(org, tellers, head_a):
    rows = log_rows()
    rows[3]["teller"] = "G999"
    rows[5]["finished"] = rows[5]["called"] - dt.timedelta(minutes=1)
    rows[6]["type"] = "代缴水电费"
    done = import_file(org, head_a, csv_bytes(rows))
    assert done.status == TicketImport.Status.REFUSED
    assert Ticket.objects.count() == 0  # nothing half-imported
    errors = dict(done.errors)
    assert "G999" in errors[5] and "柜员名单" in errors[5]
    assert "时间倒流" in errors[7]
    assert "代缴水电费" in errors[8]
    assert done.error_count == 3


def test_times_without_a_date_need_the_business_date_column(org, tellers, head_a):
    data = "票号,业务类型,取号时间,叫号时间,完成时间,柜员号,日期\n"
    data += "A1,存款,09:01,09:05,09:08,G001,2026-11-02\n"
    columns = {**COLUMNS, "counter": "", "business_date": "日期"}
    done = import_file(org, head_a, data.encode("gbk"), columns=columns)
    assert done.status == TicketImport.Status.DONE, done.errors
    ticket = Ticket.objects.get()
    assert (ticket.business_date, ticket.wait_seconds, ticket.handling_seconds) == (DAY, 240, 180)


def test_the_same_file_twice_adds_nothing(org, tellers, head_a):
    data = csv_bytes(log_rows())
    import_file(org, head_a, data)
    count = Ticket.objects.count()
    with pytest.raises(ValidationError, match="本次未新增任何记录"):
        services.ticket_import_upload(branch=org.a, upload=upload(data), by=head_a)
    assert Ticket.objects.count() == count


def test_a_day_already_imported_from_another_file_is_refused(org, tellers, head_a):
    import_file(org, head_a, csv_bytes(log_rows()))
    other = log_rows(customers=41)  # the same day, another export of it
    done = import_file(org, head_a, csv_bytes(other), name="again.csv")
    assert done.status == TicketImport.Status.REFUSED
    assert "2026-11-02" in done.errors[0][1]
    assert Ticket.objects.count() == 40


def test_a_file_over_the_row_limit_is_refused_with_nothing_imported(org, tellers, head_a, settings):
    settings.SERVICETIMES_IMPORT_MAX_ROWS = 30
    done = import_file(org, head_a, csv_bytes(log_rows()))
    assert done.status == TicketImport.Status.REFUSED
    assert "30" in done.errors[0][1] and Ticket.objects.count() == 0


def test_an_excel_file_imports_like_a_csv(org, tellers, head_a):
    rows = log_rows()
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["柜员号", "票号", "业务类型", "取号时间", "叫号时间", "完成时间"])
    for row in rows:
        local = [r.astimezone(dt.timezone(dt.timedelta(hours=8))).replace(tzinfo=None)
                 for r in (row["issued"], row["called"], row["finished"])]  # fmt: skip
        sheet.append([row["teller"], int(row["ticket"][1:]), row["type"], *local])
    stream = io.BytesIO()
    workbook.save(stream)
    columns = {k: v for k, v in COLUMNS.items() if k != "counter"}
    done = import_file(org, head_a, stream.getvalue(), name="queue.xlsx", columns=columns)
    assert done.status == TicketImport.Status.DONE, done.errors
    assert Ticket.objects.filter(ticket_number="1").exists()  # 1, not "1.0"


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "old.xls", ".xlsx"),
        (b"%PDF-1.4 not a log", "log.pdf", "CSV"),
        ("票号,业务类型\n".encode("utf-16"), "wide.csv", "UTF-16"),
        (b"\xff\xfe\xfa\xfb\x80\x81\x82" * 20, "junk.csv", "编码"),
        (b"", "empty.csv", "标题行"),
    ],
)
def test_unreadable_files_are_refused_at_upload(org, head_a, data, name, message):
    with pytest.raises(ValidationError, match=message):
        services.ticket_import_upload(branch=org.a, upload=upload(data, name), by=head_a)
    assert not TicketImport.objects.exists()


def test_columns_left_unmapped_or_mapped_twice_are_named(org, tellers, head_a):
    ticket_import = services.ticket_import_upload(
        branch=org.a, upload=upload(csv_bytes(log_rows())), by=head_a
    )
    with pytest.raises(ValidationError) as refused:
        services.ticket_import_start(
            ticket_import=ticket_import,
            columns={**COLUMNS, "teller": "", "counter": "票号"},
            by=head_a,
        )
    text = " ".join(refused.value.messages)
    assert "柜员号" in text and "票号" in text
    assert TicketImport.objects.get().status == TicketImport.Status.UPLOADED


def test_nobody_imports_for_an_outlet_outside_their_branches(org, outsider):
    with pytest.raises(PermissionDenied):
        services.ticket_import_upload(branch=org.a, upload=upload(b"x"), by=outsider)


def test_a_large_file_runs_as_a_background_job(
    org, tellers, head_a, settings, django_capture_on_commit_callbacks
):
    settings.SERVICETIMES_IMPORT_SYNC_BYTES = 100
    ticket_import = services.ticket_import_upload(
        branch=org.a, upload=upload(csv_bytes(log_rows())), by=head_a
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        queued = services.ticket_import_start(
            ticket_import=ticket_import, columns=COLUMNS, by=head_a
        )
    assert queued.status == TicketImport.Status.QUEUED and not Ticket.objects.exists()
    for callback in callbacks:
        callback()  # the task, run eagerly in tests, by its registered name
    queued.refresh_from_db()
    assert queued.status == TicketImport.Status.DONE and Ticket.objects.count() == 40
