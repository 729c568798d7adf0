from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.module_loading import import_string, module_has_submodule

from branchservice.demo import DEMO_PASSWORD, DEMO_USERS
from branchservice.models import Branch
from branchservice.notifications.services import deliveries_held


class Command(BaseCommand):
    help = (
        "Build the demo bank: branches, staff and, from each app's demo module, its data (the "
        "complaints from 1 January of last year). Running it again changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing if any branch exists already."
        )

    def handle(self, *args, if_empty=False, **options):
        if if_empty and Branch.objects.exists():
            self.stdout.write("Database already has data; demo seed skipped.")
        else:
            self._seed()
        self._print_logins()

    def _seed(self):
        # Each app contributes `<app>.demo.seed(stdout)`, run in INSTALLED_APPS order so that
        # the organisation exists before the complaints and checklists that refer to it.
        with transaction.atomic(), deliveries_held():
            for config in apps.get_app_configs():
                if module_has_submodule(config.module, "demo"):
                    import_string(f"{config.name}.demo.seed")(self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data ready."))

    def _print_logins(self):
        self.stdout.write("\n  Branch Service Management / 网点服务管理")
        self.stdout.write("  Open http://127.0.0.1:8000/admin/  (Ctrl-C stops every process)")
        self.stdout.write(f"  Demo logins, password for all: {DEMO_PASSWORD}")
        for username, role, code, _family, _given in DEMO_USERS:
            self.stdout.write(f"    {username:<18} {role.label} @ {code}")
