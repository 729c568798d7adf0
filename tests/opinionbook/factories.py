"""Rows of the customer's side, for the access matrix and the tests."""

from opinionbook.models import OpinionBook


def opinion_book_of_a(org):
    return OpinionBook.objects.get_or_create(outlet=org.a)[0]
