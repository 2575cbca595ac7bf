import shutil
from pathlib import Path

import plotly
from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Copy plotly.js from the installed plotly package into static/vendor/ (no CDN, versions in lockstep)."

    def handle(self, *args, **options):
        source = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
        target = Path(settings.BASE_DIR) / "static" / "vendor" / "plotly.min.js"
        if target.exists() and target.stat().st_size == source.stat().st_size:
            self.stdout.write(f"plotly.js already in place ({target}).")
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        self.stdout.write(self.style.SUCCESS(f"Copied plotly.js {plotly.__version__} bundle to {target}."))
