"""The register's search box: a phone number, a reference number or part of a name, each
looked up on its own index (issue 13: at a million entries an OR over all three read the
whole register)."""

import pytest
from django.db import connection
from django.urls import reverse

from complaints.models import Complaint
from tests.complaints.conftest import register

URL = "admin:complaints_complaint_changelist"


def search(client, term):
    response = client.get(reverse(URL), {"q": term})
    assert response.status_code == 200
    return response.context["cl"]


def found(client, term):
    return set(search(client, term).result_list)


@pytest.fixture
def entries(frozen, outlet_user, org):
    return {
        "mobile": register(outlet_user, org.a, customer_name="张伟", customer_phone="13812345678"),
        "landline": register(
            outlet_user, org.a, customer_name="李强", customer_phone="010-62550101"
        ),
        "digits_in_name": register(
            outlet_user, org.a, customer_name="王13812345678", customer_phone="13900000000"
        ),
    }


def test_a_phone_number_finds_that_number_however_it_is_typed(outlet_user, login, entries):
    client = login(outlet_user)
    mobile, landline = entries["mobile"], entries["landline"]
    for typed in ("13812345678", "138 1234 5678", "+86 138 1234 5678"):
        assert found(client, typed) == {mobile}, typed
    for typed in ("010-62550101", "01062550101", "(010) 62550101"):
        assert found(client, typed) == {landline}, typed
    # Part of a number is not a phone number: it is looked for in names.
    assert found(client, "1381234") == {entries["digits_in_name"]}


def test_a_reference_number_finds_its_entry_in_any_case(outlet_user, login, entries):
    client = login(outlet_user)
    reference = entries["landline"].reference
    assert found(client, reference.lower()) == {entries["landline"]}
    assert found(client, f" {reference} ") == {entries["landline"]}
    assert found(client, reference + "9") == set()


def test_other_terms_are_part_of_the_customer_name(outlet_user, login, entries):
    client = login(outlet_user)
    assert found(client, "伟") == {entries["mobile"]}
    assert found(client, "李强") == {entries["landline"]}
    assert found(client, "王1381") == {entries["digits_in_name"]}


def test_search_stays_in_the_users_scope(outsider, login, entries):
    client = login(outsider)
    assert found(client, "13812345678") == set()
    assert found(client, entries["mobile"].reference) == set()


def _plan(queryset):
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        # The tables here are tiny: without this the planner reads them whole, index or not.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.skipif(connection.vendor != "postgresql", reason="index plans of PostgreSQL")
@pytest.mark.parametrize(
    ("term", "index"),
    [
        ("13812345678", "complaint_phone_digits_idx"),
        ("TS-A-202609-0001", "complaints_complaint_reference"),
        # Trigrams need three characters: a two-character name reads the rows in scope.
        ("王1381", "complaint_name_trgm_idx"),
    ],
)
def test_each_kind_of_search_can_use_its_index(hq, login, entries, term, index):
    search(login(hq), term)
    # The search's own predicate, unordered and without the list's joins: statistics that
    # earlier tests leave behind can make the planner start the list's query from a joined
    # table, and on a tiny table it would rather walk the date index for the order.
    assert index in _plan(Complaint.objects.search(term).values("pk").order_by())
