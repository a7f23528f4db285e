"""The reads behind the import pages: lists, rejections, the preview and the plan of
what an import will do (which rows import, which are skipped)."""

from dataclasses import dataclass

from django.core.files.storage import default_storage

from . import importing
from .models import (
    ImportRejection,
    Lead,
    LeadList,
)


def lead_lists(*, user):
    return LeadList.objects.select_related("created_by", "persona")


def import_rejections(*, lead_list: LeadList):
    return ImportRejection.objects.filter(lead_list=lead_list).order_by("line_number")


def import_preview(*, lead_list: LeadList, limit: int = 10) -> list[dict]:
    """The first rows as they would be imported, each with what would happen to it."""
    path = default_storage.path(lead_list.file.name)
    mapping = {name: int(index) for name, index in lead_list.mapping.items()}
    rows = []
    for line, values in importing.iter_rows(
        path, encoding=lead_list.encoding, delimiter=lead_list.delimiter
    ):
        rows.append(
            importing.parse_row(
                line,
                values,
                mapping=mapping,
                width=len(lead_list.header),
                delimiter=lead_list.delimiter,
            )
        )
        if len(rows) >= limit:
            break
    emails = {row.email for row in rows if row.email and not row.error}
    existing = set(Lead.objects.filter(email__in=emails).values_list("email", flat=True))
    seen: dict[str, int] = {}
    preview = []
    for row in rows:
        if row.error:
            outcome = row.error
        elif row.email in seen:
            outcome = f"Duplicate of line {seen[row.email]}"
        elif row.email in existing:
            outcome = "Duplicate: a lead with this email exists"
        else:
            outcome = ""
            seen[row.email] = row.line
        preview.append({"row": row, "outcome": outcome})
    return preview


# Beyond this many rows the mapping page checks only the first ones (a 50 MB file has
# hundreds of thousands): the button then says "up to".
IMPORT_PLAN_MAX_ROWS = 20_000
_EMAIL_CHUNK = 5_000


@dataclass
class ImportPlan:
    """What running an import would do with its rows, as the mapping page promises it."""

    checked: int
    skipped: int
    total: int

    @property
    def will_import(self) -> int:
        return self.total - self.skipped

    @property
    def complete(self) -> bool:
        return self.checked >= self.total


def import_plan(*, lead_list: LeadList) -> ImportPlan:
    """How many rows would be skipped (unreadable, invalid, or a duplicate within the file
    or of an existing lead) with the current mapping: the same checks as the import, so
    the "Import N rows" button counts only rows that will become leads."""
    if not lead_list.file or "email" not in lead_list.mapping:
        return ImportPlan(checked=0, skipped=0, total=lead_list.total_rows)
    path = default_storage.path(lead_list.file.name)
    mapping = {name: int(index) for name, index in lead_list.mapping.items()}
    skipped = checked = 0
    first_line: dict[str, int] = {}
    for line, values in importing.iter_rows(
        path, encoding=lead_list.encoding, delimiter=lead_list.delimiter
    ):
        if checked >= IMPORT_PLAN_MAX_ROWS:
            break
        checked += 1
        row = importing.parse_row(
            line,
            values,
            mapping=mapping,
            width=len(lead_list.header),
            delimiter=lead_list.delimiter,
        )
        if row.error or row.email in first_line:
            skipped += 1
        else:
            first_line[row.email] = line
    emails = list(first_line)
    for start in range(0, len(emails), _EMAIL_CHUNK):
        skipped += Lead.objects.filter(email__in=emails[start : start + _EMAIL_CHUNK]).count()
    return ImportPlan(checked=checked, skipped=skipped, total=max(lead_list.total_rows, checked))
