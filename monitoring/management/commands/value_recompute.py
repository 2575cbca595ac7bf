"""Realise the value contracts again over a date range (after a contract's constants were corrected, or late
points arrived for days already realised)."""

from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError

from core.exceptions import ApplicationError
from monitoring.value import values_recompute
from portfolio.models import UseCase


class Command(BaseCommand):
    help = "Recompute the realised value per day of the use cases' value contracts from their metrics."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="start", type=date.fromisoformat, help="First day (default: 30 days ago)")
        parser.add_argument("--to", dest="end", type=date.fromisoformat, help="Last day (default: today)")
        parser.add_argument("--use-case", dest="code", help="One use case, by code (UC-007); default: every one")

    def handle(self, *args, start=None, end=None, code=None, **options):
        end = end or date.today()
        start = start or end - timedelta(days=30)
        use_case = None
        if code:
            number = code.upper().removeprefix("UC-")
            use_case = UseCase.objects.filter(number=int(number)).first() if number.isdigit() else None
            if use_case is None:
                raise CommandError(f"No use case has the code {code}.")
        try:
            outcome = values_recompute(start=start, end=end, use_case=use_case)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"{outcome['contracts']} contract(s) realised from {start} to {end}: {outcome['written']} day(s) "
                "written or changed."
            )
        )
