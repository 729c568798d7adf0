from django.core.management.base import BaseCommand

from standards.catalogue import draft_is_published, seed_catalogue


class Command(BaseCommand):
    help = (
        "Create the starting standards catalogue and the daily self-check and mystery-shopper "
        "templates where missing, and the opening and closing checks added to the default daily "
        "template since an earlier install. Never changes what the bank wrote."
    )

    def handle(self, *args, **options):
        templates = seed_catalogue()
        for template in templates:
            template.refresh_from_db()
            line = f"{template.code}: version {template.current_version.number}"
            if not draft_is_published(template):
                line += " (the draft has changes waiting to be published)"
            self.stdout.write(line)
