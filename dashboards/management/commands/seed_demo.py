from django.core.management.base import BaseCommand

from dashboards import demo


class Command(BaseCommand):
    help = "Load believable demo data in every app (users per role, portfolio, model inventory). Safe to run again."

    def handle(self, *args, **options):
        accounts = demo.seed()
        self.stdout.write(self.style.SUCCESS("Demo data ready. Sign in at http://127.0.0.1:8000 as:"))
        for username, roles, password in accounts:
            self.stdout.write(f"  {username:<6} password {password}   ({roles})")
