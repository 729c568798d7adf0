"""Demo data of the customer's side: every demo outlet has an open online opinion book."""

from branchservice.models import Branch

from .models import OpinionBook


def seed(stdout):
    outlets = Branch.objects.filter(level=Branch.Level.OUTLET, is_active=True)
    created = 0
    for outlet in outlets:
        created += OpinionBook.objects.get_or_create(outlet=outlet)[1]
    stdout.write(f"Opinion books: {created} added, {OpinionBook.objects.count()} in all.")
