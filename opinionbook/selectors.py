from .models import OpinionBook


def open_book(outlet_code: str) -> OpinionBook | None:
    """The book a customer may write in at this outlet, with its outlet; None if it has no
    book, the book is switched off or the outlet is closed."""
    return (
        OpinionBook.objects.open().select_related("outlet").filter(outlet__code=outlet_code).first()
    )
