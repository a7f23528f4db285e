"""The one CSV writer for every download the portal serves.

Every cell is text that somebody typed (a vendor's list, a rep's note, a list name), and
a spreadsheet runs a cell that starts with =, +, - or @ as a formula (and skips a tab or
carriage return before reading one). `safe_cell` writes such a cell with a leading
apostrophe, which the spreadsheet shows as text. Views never call `csv.writer`
themselves: they call `csv_response`, so no export can forget the rule.

Files start with a byte-order mark, so Excel opens them as UTF-8 (names like "Müller").
"""

import csv
import io
from collections.abc import Iterable, Iterator

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


def safe_cell(value):
    """`value` as a cell: None is empty, text a spreadsheet would run gets an apostrophe."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_lines(headers: Iterable, rows: Iterable[Iterable]) -> Iterator[str]:
    """The file, line by line: the BOM and header first, then each row's safe cells."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow([safe_cell(cell) for cell in headers])
    yield BOM + flush()
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
        yield flush()


def csv_response(name: str, headers, rows, *, stream: bool = False, dated: bool = True):
    """A download named `name` (and today's date unless `dated` is false). `stream` for a
    file too long to build in memory (an import's rejected rows)."""
    lines = csv_lines(headers, rows)
    content_type = "text/csv; charset=utf-8"
    if stream:
        response = StreamingHttpResponse(lines, content_type=content_type)
    else:
        response = HttpResponse("".join(lines), content_type=content_type)
    filename = f"{name}-{timezone.localdate().isoformat()}" if dated else name
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response
