from django.core.management.base import BaseCommand

from complaints.services import complaint_match_keys_recompute


class Command(BaseCommand):
    help = (
        "Compute the customer matching keys of every register entry again, and the repeat "
        "flags from them: run it once after SECRET_KEY was changed, whose keyed hashes they "
        "are, or entries stored before the change match none registered since."
    )

    def handle(self, *args, **options):
        done = complaint_match_keys_recompute()
        self.stdout.write(f"Customer matching keys computed again for {done} entries.")
