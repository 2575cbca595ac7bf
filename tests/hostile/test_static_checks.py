"""T22 (part): bandit finds no high-severity issue in the project's packages (also `make lint`)."""

import subprocess
import sys
from pathlib import Path

from django.conf import settings

from .test_csrf import PROJECT_PACKAGES


def test_bandit_finds_no_high_severity_issue():
    root = Path(settings.BASE_DIR)
    packages = [p for p in PROJECT_PACKAGES if (root / p).is_dir()]
    result = subprocess.run(
        [sys.executable, "-m", "bandit", "-q", "-r", *packages, "-x", "*/migrations/*", "--severity-level", "high"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(packages) >= 8
