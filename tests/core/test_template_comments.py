"""Django's `{# #}` comment ends at the end of its line: one spread over two lines is printed on the page as
text (every chart of every dashboard once showed its own source comment). Longer notes use {% comment %}."""

import re
from pathlib import Path

from django.conf import settings

OPEN_WITHOUT_CLOSE = re.compile(r"\{#(?!.*#\}).*$", re.MULTILINE)


def test_no_template_comment_spans_lines():
    found = [
        f"{path.relative_to(settings.BASE_DIR)}:{text[: m.start()].count(chr(10)) + 1}"
        for path in sorted(Path(settings.BASE_DIR, "templates").rglob("*.html"))
        for text in [path.read_text()]
        for m in OPEN_WITHOUT_CLOSE.finditer(text)
    ]
    assert found == []
