"""Downloads the pages offer: one way to send a CSV file."""

import csv
import io

from django.http import HttpResponse


def csv_response(text: str, filename: str) -> HttpResponse:
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def csv_table_response(header, rows, filename: str) -> HttpResponse:
    """A table (header and rows) as a CSV download."""
    buffer = io.StringIO()
    csv.writer(buffer).writerows([header, *rows])
    return csv_response(buffer.getvalue(), filename)
