from django.core.management.base import BaseCommand

from dashboards import demo
from dashboards.demo_console import mail_held_back, write_accounts


class Command(BaseCommand):
    help = "Load believable demo data in every app (users per role, portfolio, model inventory). Safe to run again."

    def add_arguments(self, parser):
        parser.add_argument("--accounts", action="store_true", help="Only print the demo users and their password.")

    def handle(self, *args, accounts=False, **options):
        if not accounts:
            with mail_held_back() as held:
                demo.seed()
            self.stdout.write("Demo data ready.")
            if held:
                self.stdout.write(f"{len(held)} notification e-mails were not printed (console e-mail backend).")
        # Last, so it is what the terminal shows.
        write_accounts(self.stdout, self.style)
