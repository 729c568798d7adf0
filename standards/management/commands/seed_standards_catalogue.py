from django.core.management.base import BaseCommand

from standards.catalogue import seed_catalogue


class Command(BaseCommand):
    help = (
        "Create the starting standards catalogue and the daily self-check and mystery-shopper "
        "templates where missing. Never changes what exists."
    )

    def handle(self, *args, **options):
        templates = seed_catalogue()
        for template in templates:
            self.stdout.write(f"{template.code}: version {template.current_version.number}")
