"""Downloads the pages offer, and the one CSV writer of the product.

Every CSV Lodestar writes goes through `csv_writer`, which makes each cell inert for spreadsheets (OWASP "CSV
injection"; issue 20, finding 6): a text cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return is
written with a leading single quote, so Excel, LibreOffice and Google Sheets show it as text instead of
evaluating it. Numbers (int, float, Decimal) are values Lodestar computed, not text someone typed: they stay
numbers, so a negative margin still sums in a spreadsheet. Text that merely looks like a negative number is
quoted like any other text: Lodestar cannot know whether a person typed it as a formula.
"""

import csv
import io
from decimal import Decimal

from django.http import HttpResponse, StreamingHttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value):
    """One cell, inert: None is empty, numbers stay numbers, formula-like text gets a leading quote."""
    if value is None:
        return ""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_uncell(value):
    """The inverse of csv_cell for text read back from a file Lodestar exported: the quote it added goes."""
    if isinstance(value, str) and value[:1] == "'" and value[1:2] and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


class _InertWriter:
    """csv.writer whose every row goes through csv_cell."""

    def __init__(self, out) -> None:
        self._writer = csv.writer(out)

    def writerow(self, row):
        return self._writer.writerow([csv_cell(value) for value in row])

    def writerows(self, rows) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(out) -> _InertWriter:
    """The product's CSV writer (use it instead of csv.writer): same interface, inert cells."""
    return _InertWriter(out)


def csv_text(header, rows) -> str:
    """A table (header and rows) as CSV text."""
    buffer = io.StringIO()
    csv_writer(buffer).writerows([header, *rows])
    return buffer.getvalue()


def csv_response(text: str, filename: str) -> HttpResponse:
    """CSV text written by csv_writer, as a download."""
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def csv_table_response(header, rows, filename: str) -> HttpResponse:
    """A table (header and rows) as a CSV download."""
    return csv_response(csv_text(header, rows), filename)


class _Echo:
    def write(self, value):
        return value


def csv_streaming_response(header, rows, filename: str) -> StreamingHttpResponse:
    """A long table (rows an iterator) streamed as a CSV download, row by row."""
    writer = csv_writer(_Echo())
    lines = (writer.writerow(row) for row in rows)
    response = StreamingHttpResponse(
        (line for chunk in ([writer.writerow(header)], lines) for line in chunk),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
